"""Render a stack offline: `python -m tools.render STACK [--out DIR] [--config FILE] [--set K=V ...] [--unset K ...] [--previous FILE]`.

Runs the same program `pulumi up` runs, under Pulumi's mock runtime, and writes
DIR/manifests/ (one YAML file per Kubernetes object), DIR/resources.json (every registered
resource with its options) and DIR/connectivity.md (who reaches whom, on which port). Exit 0 on success; exit 2, with one line per problem and nothing
written, when the config is invalid.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import shutil
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from config import ConfigError
from config.loader import required_secrets

from . import output, program, stackfile, yaml_io
from .connectivity import connectivity_map
from .mocks import SECRET_PLACEHOLDER

EXIT_INVALID = 2
# Who reaches whom, on which port: the flow model to read (tools/connectivity.py).
CONNECTIVITY = "connectivity.md"


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tools.render", description=__doc__.split("\n\n")[0])
    parser.add_argument("stack", help="stack name: reads Pulumi.<stack>.yaml")
    parser.add_argument("--out", type=Path, help="output directory (default build/<stack>)")
    parser.add_argument("--config", type=Path, help="stack file to read instead of Pulumi.<stack>.yaml")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a config value, VALUE in YAML: 6, [a:9096,b:9096], {cpu: 2}; null removes KEY (repeatable)",
    )
    parser.add_argument(
        "--unset", action="append", default=[], metavar="KEY", help="remove a config key (repeatable, after --set)"
    )
    parser.add_argument(
        "--previous",
        type=Path,
        metavar="FILE",
        help="the stack's last outputs (`pulumi stack output --json > FILE`), for the checks against the last "
        "deployment (downgrades, shrunk volumes; docs/operations.md); default: a first deployment",
    )
    return parser.parse_args(argv)


def _previous(path: Path | None) -> dict[str, Any] | None:
    if path is None:
        return None
    try:
        outputs = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise stackfile.StackFileError([f"--previous {path}: {exc}"]) from None
    if not isinstance(outputs, dict):
        raise stackfile.StackFileError([f"--previous {path}: not the JSON object `pulumi stack output --json` writes"])
    return outputs


def _fail(problems: list[str]) -> int:
    print("invalid stack configuration:", file=sys.stderr)
    for line in problems:
        print(f"  {line}", file=sys.stderr)
    return EXIT_INVALID


def render(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    path = args.config or program.ROOT / f"Pulumi.{args.stack}.yaml"
    out: Path = args.out or program.ROOT / "build" / args.stack
    try:
        given = stackfile.read(path)
        for assignment in args.set:
            stackfile.apply_override(given, assignment)
        for key in args.unset:
            stackfile.remove(given, key)
        previous = _previous(args.previous)
    except stackfile.StackFileError as exc:
        return _fail(exc.problems)

    config, problems = program.check(args.stack, given.plain)
    if config is None:
        return _fail(problems)
    # The stack file cannot hold decryptable secrets here; stand-ins let the program run,
    # and the summary says which ones `pulumi up` will need.
    missing = [s.key for s in required_secrets(config) if s.key not in given.secrets]
    secrets = {**given.secrets, **{key: SECRET_PLACEHOLDER for key in missing}}

    try:
        run = program.run(args.stack, given.plain, secrets, previous)
    except ConfigError as exc:
        return _fail(exc.problems)

    manifests = _write(out, run)
    (out / CONNECTIVITY).write_text(connectivity_map(args.stack, config))
    _summary(args.stack, run, out, manifests, missing)
    return 0


def _write(out: Path, run: program.ProgramRun) -> int:
    objects = [output.manifest(r) for r in run.registrations if output.is_kubernetes_object(r)]
    files: dict[str, str] = {}
    for obj in objects:
        name = output.manifest_filename(obj)
        if name in files:
            raise RuntimeError(f"two Kubernetes objects render to {name}")
        files[name] = yaml_io.dump(obj)
    # Stale files of an earlier render must not survive into this one.
    shutil.rmtree(out / "manifests", ignore_errors=True)
    (out / "manifests").mkdir(parents=True)
    for name, text in sorted(files.items()):
        (out / "manifests" / name).write_text(text)
    (out / "resources.json").write_text(output.plan_json(run.registrations))
    return len(files)


def _summary(stack: str, run: program.ProgramRun, out: Path, manifests: int, missing: list[str]) -> None:
    regs = run.registrations
    kinds = Counter(r.type.split(":")[0] for r in regs if r.custom and not r.type.startswith("pulumi:providers"))
    components = sorted({r.type for r in regs if not r.custom})
    print(f"stack {stack}: {len(regs)} resources")
    component_count = sum(1 for r in regs if not r.custom)
    print(
        f"  components: {component_count} of {len(components)} types: {', '.join(t.split(':')[-1] for t in components)}"
    )
    print("  custom resources: " + ", ".join(f"{n} {k}" for k, n in sorted(kinds.items())))
    workloads = []
    images: set[str] = set()
    for r in regs:
        obj = r.state
        if r.custom and obj.get("kind") in ("Deployment", "StatefulSet", "Job"):
            spec = obj.get("spec") or {}
            pod = (spec.get("template") or {}).get("spec") or {}
            for c in [*(pod.get("initContainers") or []), *(pod.get("containers") or [])]:
                images.add(str(c.get("image")))
            if obj["kind"] == "Job":
                count = "x1"
            elif "replicas" in spec:
                count = f"x{int(spec['replicas'])}"
            else:
                count = "(replicas set by its autoscaler)"
            workloads.append(f"{obj['kind']} {obj['metadata']['name']} {count}")
    if workloads:
        print("  workloads:")
        for w in sorted(workloads):
            print(f"    {w}")
    if images:
        print("  images:")
        for image in sorted(images):
            print(f"    {image}")
    for key, value in sorted(run.outputs.items()):
        print(f"  {key}: {_show(output.clean(value))}")
    if missing:
        print(
            f"  secrets not in the stack file (rendered as placeholders; `pulumi up` needs them): {', '.join(missing)}"
        )
    print(f"wrote {manifests} manifests, resources.json and {CONNECTIVITY} to {out}")


def _show(value: Any, nested: bool = False) -> str:
    if isinstance(value, dict):
        text = ", ".join(f"{k}={_show(v, True)}" for k, v in sorted(value.items()))
        # Brackets keep an inner mapping apart from its neighbours: requests=(cpu=2, memory=4Gi).
        return f"({text})" if nested else text
    if isinstance(value, list):
        return f"[{', '.join(_show(v, True) for v in value)}]"
    return str(value)


if __name__ == "__main__":
    # A render builds ~1000 SDK classes and a few hundred resources and frees almost nothing
    # before it exits: with the default thresholds the cyclic collector walks that whole heap
    # again and again (a quarter of the render's CPU under cProfile). Rare collections keep
    # the collector on for real cycles at a fraction of the cost; memory stays the same.
    gc.set_threshold(50_000, 20, 100)
    try:
        code = render()
        sys.stdout.flush()
        sys.stderr.flush()
    except BrokenPipeError:
        # The summary's reader went away (`| head`); the files are already written.
        code = 0
    # The mock runtime leaves an event loop in each of its worker threads; at interpreter
    # teardown their finalizers fail noisily on already-closed sockets. Nothing is left to
    # clean up, so leave without running them.
    os._exit(code)
