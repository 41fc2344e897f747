"""The policy pack's configuration for a stack: `python -m tools.policy_config STACK [--config FILE]`.

Prints the JSON `pulumi preview --policy-pack policy --policy-pack-config FILE` takes, so the
pack checks a stack against what its config asks for (protected data, topology spread, which
components may mount service account tokens, whether LoadBalancer Services are allowed).
Exit 2 with one line per problem when the config is invalid.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from config import validate
from policy.rules import RuleContext, pack_config

from . import program, stackfile


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.policy_config", description=__doc__.split("\n\n")[0])
    parser.add_argument("stack", help="stack name: reads Pulumi.<stack>.yaml")
    parser.add_argument("--config", type=Path, help="stack file to read instead of Pulumi.<stack>.yaml")
    args = parser.parse_args(argv)
    try:
        given = stackfile.read(args.config or program.ROOT / f"Pulumi.{args.stack}.yaml")
    except stackfile.StackFileError as exc:
        problems = exc.problems
    else:
        config, problems = validate(given.plain)
        if config is not None:
            print(json.dumps(pack_config(RuleContext.from_config(config)), indent=2, sort_keys=True))
            return 0
    print("invalid stack configuration:", file=sys.stderr)
    for line in problems:
        print(f"  {line}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
