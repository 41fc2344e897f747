"""Judge a config change by the plan it causes (shared/design.md, principle 9).

`diff(before, after)` replays what `pulumi up` would do to go from one program run to the next:
create, update, replace or delete, decided by the providers' own force-new rules and the
engine's dependent replacements (engine.py), and for each step whether data is lost, protection
stops the update, or retention leaves the object in place.

    from tools import plan
    p = plan.diff(run_before, run_after)        # ProgramRuns, Resource lists or resources.json paths
    assert not p.losses()
    p.replaced("Deployment", "StatefulSet")     # what would be deleted and recreated
    plan.diff(a, b, kubernetes_flags={"enableSecretMutable": False})   # judge another provider setting

`python -m tools.plan BEFORE AFTER` does the same for two render directories (or resources.json
files); secret values are redacted there, so a secret change alone shows nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from tools.program import ProgramRun

from . import engine
from .engine import Outcome, Plan, Step
from .model import Resource, from_registrations, from_resources_json

Source = ProgramRun | Path | Iterable[Resource]


def resources(source: Source) -> list[Resource]:
    if isinstance(source, ProgramRun):
        return from_registrations(source.registrations)
    if isinstance(source, Path):
        return from_resources_json(source / "resources.json" if source.is_dir() else source)
    return list(source)


def diff(before: Source, after: Source, kubernetes_flags: Mapping[str, Any] | None = None) -> Plan:
    return engine.diff(resources(before), resources(after), kubernetes_flags)


__all__ = ["Outcome", "Plan", "Resource", "Step", "diff", "resources"]
