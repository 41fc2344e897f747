"""How long an offline render takes against a bare program of the same size.

`python -m tools.benchmark STACK [--runs N]` times, each in a fresh interpreter, (a) the render of
STACK and (b) a bare program that imports the same Pulumi SDK modules and registers as many
trivial resources under the same mocks. The ratio is what the render itself adds: config
validation, the components, and writing the manifests.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time

_PROBE = """
import json, sys
from tools.render import render
code = render([{stack!r}, "--out", {out!r}])
mods = sorted(m for m in sys.modules if m.startswith(("pulumi_kubernetes.", "pulumi_aws.", "pulumi_random.")))
count = len(json.load(open({out!r} + "/resources.json")))
print(json.dumps({{"code": code, "modules": mods, "resources": count}}))
"""

_BARE = """
import asyncio, importlib, json, sys
import pulumi
from tools.mocks import install
modules, count = json.loads(sys.argv[1])
for m in modules:
    importlib.import_module(m)
asyncio.set_event_loop(asyncio.new_event_loop())
install("rasa-studio", "bench")
def program():
    for i in range(count):
        pulumi.CustomResource("bench:index:Trivial", f"r{i}", {"value": i})
    return pulumi.Output.from_input(0)
pulumi.runtime.test(program)()
"""


def _time(args: list[str]) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run([sys.executable, *args], capture_output=True, text=True, check=True)
    return time.perf_counter() - start, done.stdout


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.benchmark")
    parser.add_argument("stack")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as out:
        _, text = _time(["-c", _PROBE.format(stack=args.stack, out=out)])
        probe = json.loads(text.strip().splitlines()[-1])
        payload = json.dumps([probe["modules"], probe["resources"]])
        render = [_time(["-m", "tools.render", args.stack, "--out", out])[0] for _ in range(args.runs)]
        bare = [_time(["-c", _BARE, payload])[0] for _ in range(args.runs)]
    r, b = statistics.median(render), statistics.median(bare)
    print(
        f"{args.stack}: {probe['resources']} resources, {len(probe['modules'])} SDK modules; "
        f"render {r:.2f}s, bare {b:.2f}s (median of {args.runs}); ratio {r / b:.2f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
