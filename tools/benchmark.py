"""How long an offline render takes against the floor: a bare program of the same size.

`python -m tools.benchmark [STACK ...] [--runs N] [--max-ratio R]` times, each in a fresh
interpreter, (a) `python -m tools.render STACK` and (b) the floor: a program that imports the
same Pulumi SDK modules the render ends up with and registers as many trivial ConfigMaps
under the same mocks. Both pay the interpreter start, the SDK imports and the engine round
trips; the ratio is what the render itself adds (config validation, the components, writing
the manifests). It prints wall-clock medians and CPU medians (user + system of the child,
steadier than the wall clock on a shared machine). Every stack file is measured when no stack
is named. With --max-ratio, exits 1 when a stack's wall-clock ratio is above it.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

_PROBE = """
import json, sys
from tools.render import render
code = render([{stack!r}, "--out", {out!r}])
mods = sorted(m for m in sys.modules if m.startswith(("pulumi_kubernetes.", "pulumi_aws.", "pulumi_random.")))
count = len(json.load(open({out!r} + "/resources.json")))
print(json.dumps({{"code": code, "modules": mods, "resources": count}}))
"""

# The floor runs with the collector settings tools/render's CLI sets and leaves as it does
# (os._exit, no interpreter teardown), so the ratio compares the work done, nothing else.
_FLOOR = """
import gc; gc.set_threshold(50_000, 20, 100)
import asyncio, importlib, json, sys
import pulumi
from pulumi_kubernetes.core import v1 as core
from tools.mocks import install
modules, count = json.loads(sys.argv[1])
for m in modules:
    importlib.import_module(m)
asyncio.set_event_loop(asyncio.new_event_loop())
install("rasa-studio", "bench")
def program():
    for i in range(count):
        core.ConfigMap(f"r{i}", data={"value": str(i)})
    return pulumi.Output.from_input(0)
pulumi.runtime.test(program)()
import os, sys; sys.stdout.flush(); os._exit(0)  # as tools/render's CLI leaves: no teardown
"""


def _time(args: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """(wall seconds, CPU seconds, stdout) of a fresh interpreter running args."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run([sys.executable, *args], capture_output=True, text=True, check=True, cwd=ROOT, env=env)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, done.stdout


@dataclass
class Result:
    resources: int
    modules: int
    render: float
    floor: float
    render_cpu: float
    floor_cpu: float


def measure(stack: str, runs: int) -> Result:
    """Medians over `runs` of the render and the floor for a stack, wall clock and CPU."""
    with tempfile.TemporaryDirectory() as out, tempfile.TemporaryDirectory() as pycache:
        # Python's bytecode cache on, as on a user's machine (some CI shells turn it off with
        # PYTHONDONTWRITEBYTECODE, and then every run compiles the project's sources again):
        # the probe run fills it, in a directory of its own, for the measured runs.
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPYCACHEPREFIX"] = pycache
        *_, text = _time(["-c", _PROBE.format(stack=stack, out=out)], env)
        probe = json.loads(text.strip().splitlines()[-1])
        payload = json.dumps([probe["modules"], probe["resources"]])
        render: list[tuple[float, float, str]] = []
        floor: list[tuple[float, float, str]] = []
        # Interleaved, so that load from elsewhere on the machine hits both alike.
        for _ in range(runs):
            render.append(_time(["-m", "tools.render", stack, "--out", out], env))
            floor.append(_time(["-c", _FLOOR, payload], env))
    return Result(
        probe["resources"],
        len(probe["modules"]),
        statistics.median(r[0] for r in render),
        statistics.median(f[0] for f in floor),
        statistics.median(r[1] for r in render),
        statistics.median(f[1] for f in floor),
    )


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.benchmark")
    parser.add_argument("stacks", nargs="*", metavar="STACK", help="default: every Pulumi.<stack>.yaml")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--max-ratio", type=float, help="exit 1 when a stack's render/floor ratio is above this")
    args = parser.parse_args()
    stacks = args.stacks or sorted(p.name.split(".")[1] for p in ROOT.glob("Pulumi.*.yaml"))
    over = []
    for stack in stacks:
        r = measure(stack, args.runs)
        ratio = r.render / r.floor
        print(
            f"{stack}: {r.resources} resources, {r.modules} SDK modules; "
            f"render {r.render:.2f}s, floor {r.floor:.2f}s (median of {args.runs}); ratio {ratio:.2f}; "
            f"CPU: render {r.render_cpu:.2f}s, floor {r.floor_cpu:.2f}s, ratio {r.render_cpu / r.floor_cpu:.2f}",
            flush=True,
        )
        if args.max_ratio is not None and ratio > args.max_ratio:
            over.append(stack)
    if over:
        print(f"ratio above {args.max_ratio}: {', '.join(over)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
