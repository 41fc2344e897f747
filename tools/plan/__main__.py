"""`python -m tools.plan BEFORE AFTER`: the plan between two renders (directories written by
`python -m tools.render --out`, or their resources.json files).

Prints each changed resource with its outcome and exits 1 when data would be lost, so CI can
render main and a branch and refuse a change that loses data before anyone runs `pulumi up`.
Secret values are redacted in resources.json: a change of a secret alone shows nothing here.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import diff


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.plan", description=__doc__.split("\n\n")[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    args = parser.parse_args(argv)
    for path in (args.before, args.after):
        if not path.exists():
            print(f"tools.plan: {path}: no such render", file=sys.stderr)
            return 2
    result = diff(args.before, args.after)
    print(result.table())
    losses, stopped = result.losses(), result.stopped()
    print(f"{len(result.changed())} changed, {len(losses)} losing data, {len(stopped)} stopped by protection")
    return 1 if losses else 0


if __name__ == "__main__":
    sys.exit(main())
