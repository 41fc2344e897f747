"""Run the whole program for a stack config and look at what it registered."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from tools import output, program, stackfile
from tools.mocks import SECRET_PLACEHOLDER
from tools.program import ProgramRun

STACKS = ("dev", "staging", "prod")
SECRETS = {"rasaProLicense": SECRET_PLACEHOLDER, "registryPassword": SECRET_PLACEHOLDER}


def stack_input(stack: str, *sets: str) -> stackfile.StackInput:
    given = stackfile.read(program.ROOT / f"Pulumi.{stack}.yaml")
    for assignment in sets:
        stackfile.apply_override(given, assignment)
    return given


@lru_cache(maxsize=64)
def _run_cached(stack: str, sets: tuple[str, ...]) -> ProgramRun:
    given = stack_input(stack, *sets)
    return program.run(stack, given.plain, {**SECRETS, **given.secrets})


def run_stack(stack: str, *sets: str) -> ProgramRun:
    """The program's registrations for a stack file with `--set`-style overrides.

    Runs are deterministic, so identical calls share one run; treat the result as read-only.
    """
    return _run_cached(stack, tuple(sets))


def run_config(stack: str, plain: dict[str, Any], secrets: dict[str, str] | None = None) -> ProgramRun:
    return program.run(stack, plain, SECRETS if secrets is None else secrets)


def manifests(run: ProgramRun) -> list[dict[str, Any]]:
    return [output.manifest(r) for r in run.registrations if output.is_kubernetes_object(r)]


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
