"""How long an offline render takes against the floor: a bare program of the same size.

`python -m tools.benchmark [STACK ...] [--runs N] [--max-ratio R]` times, each in a fresh
interpreter, (a) `python -m tools.render STACK` and (b) the floor: a program that imports the
same Pulumi SDK modules the render ends up with and registers as many trivial ConfigMaps
under the same mocks. Both pay the interpreter start, the SDK imports and the engine round
trips; the ratio is what the render itself adds (config validation, the components, writing
the manifests). Every stack file is measured when no stack is named. With --max-ratio, exits
1 when a stack's ratio is above it.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
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

_FLOOR = """
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
"""


def _time(args: list[str]) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run([sys.executable, *args], capture_output=True, text=True, check=True, cwd=ROOT)
    return time.perf_counter() - start, done.stdout


def measure(stack: str, runs: int) -> tuple[int, int, float, float]:
    """(resources, SDK modules, median render seconds, median floor seconds) for a stack."""
    with tempfile.TemporaryDirectory() as out:
        _, text = _time(["-c", _PROBE.format(stack=stack, out=out)])
        probe = json.loads(text.strip().splitlines()[-1])
        payload = json.dumps([probe["modules"], probe["resources"]])
        render: list[float] = []
        floor: list[float] = []
        # Interleaved, so that load from elsewhere on the machine hits both alike.
        for _ in range(runs):
            render.append(_time(["-m", "tools.render", stack, "--out", out])[0])
            floor.append(_time(["-c", _FLOOR, payload])[0])
    return probe["resources"], len(probe["modules"]), statistics.median(render), statistics.median(floor)


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.benchmark")
    parser.add_argument("stacks", nargs="*", metavar="STACK", help="default: every Pulumi.<stack>.yaml")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--max-ratio", type=float, help="exit 1 when a stack's render/floor ratio is above this")
    args = parser.parse_args()
    stacks = args.stacks or sorted(p.name.split(".")[1] for p in ROOT.glob("Pulumi.*.yaml"))
    over = []
    for stack in stacks:
        resources, modules, render, floor = measure(stack, args.runs)
        ratio = render / floor
        print(
            f"{stack}: {resources} resources, {modules} SDK modules; "
            f"render {render:.2f}s, floor {floor:.2f}s (median of {args.runs}); ratio {ratio:.2f}",
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
