"""Run the whole program for a stack config and look at what it registered."""

from __future__ import annotations

import gc
import json
from pathlib import Path
from typing import Any

import yaml

from tools import output, program, stackfile
from tools.mocks import SECRET_PLACEHOLDER
from tools.program import ProgramRun

STACKS = ("dev", "staging", "prod")
SECRETS = {"rasaProLicense": SECRET_PLACEHOLDER, "registryPassword": SECRET_PLACEHOLDER}


def stack_file(directory: Path, plain: dict[str, Any], stack: str = "fuzz") -> Path:
    """A stack file `Pulumi.<stack>.yaml` in `directory` holding `plain` (keys without `rasa-studio:`)."""
    values: dict[str, Any] = {"pulumi:disable-default-providers": ["*"]}
    values.update({f"rasa-studio:{k}": v for k, v in plain.items()})
    path = directory / f"Pulumi.{stack}.yaml"
    path.write_text(yaml.safe_dump({"config": values}))
    return path


def stack_input(stack: str, *sets: str) -> stackfile.StackInput:
    given = stackfile.read(program.ROOT / f"Pulumi.{stack}.yaml")
    for assignment in sets:
        stackfile.apply_override(given, assignment)
    return given


# Session-wide (per xdist worker) cache of whole-program runs, keyed by the stack and the exact
# config it ran with. Runs are deterministic, so a test asking for a config another test already
# ran gets that run back; a run that raised (invalid config) is not cached, so each such test
# sees its own error.
_RUNS: dict[str, ProgramRun] = {}


def _run(
    stack: str, plain: dict[str, Any], secrets: dict[str, str], previous: dict[str, Any] | None = None
) -> ProgramRun:
    key = json.dumps([stack, plain, secrets, previous], sort_keys=True, default=repr)
    if key not in _RUNS:
        _RUNS[key] = program.run(stack, plain, secrets, previous)
        # The cached runs and the SDK modules a first run imports live for the whole session:
        # moved out of the collector's reach, they no longer make every later collection slower.
        gc.freeze()
    return _RUNS[key]


def run_stack(stack: str, *sets: str, previous: dict[str, Any] | None = None) -> ProgramRun:
    """The program's registrations for a stack file with `--set`-style overrides.

    `previous`: the outputs of the stack's last update (None: a first deployment).
    Identical configs share one run; treat the result as read-only.
    """
    given = stack_input(stack, *sets)
    return _run(stack, given.plain, {**SECRETS, **given.secrets}, previous)


def run_config(
    stack: str, plain: dict[str, Any], secrets: dict[str, str] | None = None, previous: dict[str, Any] | None = None
) -> ProgramRun:
    """The program's registrations for a config given as a dict (keys without `rasa-studio:`); cached as run_stack."""
    return _run(stack, plain, SECRETS if secrets is None else secrets, previous)


def manifests(run: ProgramRun) -> list[dict[str, Any]]:
    """The run's Kubernetes objects as the renderer writes them; shared, so treat them as read-only."""
    # Built once and kept on the run itself: tests look at the same runs many times over.
    cached: list[dict[str, Any]] | None = vars(run).get("_manifests")
    if cached is None:
        cached = vars(run)["_manifests"] = [
            output.manifest(r) for r in run.registrations if output.is_kubernetes_object(r)
        ]
    return list(cached)


def find(run: ProgramRun, kind: str, name: str) -> dict[str, Any]:
    found = [m for m in manifests(run) if m["kind"] == kind and m["metadata"]["name"] == name]
    assert len(found) == 1, f"expected one {kind} {name}, found {len(found)}"
    return found[0]


def containers(obj: dict[str, Any]) -> list[dict[str, Any]]:
    spec = obj["spec"]
    pod = spec["jobTemplate"]["spec"]["template"]["spec"] if obj["kind"] == "CronJob" else spec["template"]["spec"]
    return [*pod.get("initContainers", []), *pod["containers"]]


def env_of(container: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {e["name"]: e for e in container.get("env", [])}
