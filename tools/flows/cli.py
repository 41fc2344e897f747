"""The NetworkPolicies judged from outside: `python -m tools.flows [CASE ...] [--nca PATH] [--out DIR]`.

Renders each case, writes its peers beside the render, runs the analyzer, prints the verdict;
exit 1 when any case fails.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import yaml

from .analyzer import DEFAULT_NCA, analyze
from .cases import CASES, ROOT, Case, case_config, render
from .outside import peer_manifests
from .verdict import Verdict, judge


def check(name: str, case: Case, nca: Path, out: Path) -> Verdict:
    """Render, analyze and judge one case; the analyzer's text stays beside the render for reading."""
    config = case_config(case)
    manifests = render(name, case, out)
    peers_file = out / "peers.yaml"
    peers_file.write_text(yaml.safe_dump_all(peer_manifests(config, case.stack), sort_keys=True))
    connectivity, warnings = analyze(nca, out / "manifests", peers_file)
    (out / "analyzer-connectivity.txt").write_text(connectivity)
    (out / "analyzer-warnings.txt").write_text(warnings)
    return judge(name, config, case.stack, manifests, connectivity, warnings)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.flows", description=__doc__.split("\n\n")[0])
    parser.add_argument("cases", nargs="*", help=f"cases to check (default all: {', '.join(CASES)})")
    parser.add_argument("--nca", type=Path, default=DEFAULT_NCA, help="the analyzer's executable")
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "netpol", help="where renders go")
    args = parser.parse_args(argv)
    unknown = [c for c in args.cases if c not in CASES]
    if unknown:
        parser.error(f"unknown cases {unknown}")
    failed = 0
    for name in args.cases or list(CASES):
        verdict = check(name, CASES[name], args.nca, args.out / name)
        print(verdict.report())
        failed += not verdict.ok
    return 1 if failed else 0
