"""What this stack deployed last, read back from its own outputs, and the rules that compare with it.

Some day-2 rules need the state a change starts from: Studio's migrations only go forward, so a
lower `studio.version` must be refused; a volume claim only grows; physical names must survive a
`pulumi stack rename`. The program exports what the next update needs (`deployment`, see
`deployment_output`) and reads it back at the start of every run through the engine's built-in
`pulumi:pulumi:readStackOutputs` invoke, the call a `StackReference` makes. It is synchronous, so
the config check still runs before any resource is registered.

Limits (docs/operations.md, "What the program remembers"): the outputs are those of the last update
that recorded them, so a stack deployed before this release, a `pulumi stack export/import` that
dropped them, or a backend the engine cannot read from gives nothing back, and these rules then pass
(the Kubernetes API and the providers remain the last line). The offline renderer and CI previews
without the CLI have no previous deployment either.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .base import quantity_amount, version_tuple
from .errors import problem

# The stack output this module writes and reads back.
OUTPUT = "deployment"
# How the `contract` output of earlier releases names the Studio version ("chart 1.2.6 (Studio 1.7.0)").
_CONTRACT_VERSION = re.compile(r"\(Studio ([0-9][^)]*)\)")


@dataclass(frozen=True)
class Previous:
    """The last deployment as far as its outputs tell; empty for a first deployment."""

    studio_version: str | None = None
    instance: str | None = None
    # "namespace/claim" -> requested size, for every volume claim the deployment's data lives on.
    volume_claims: Mapping[str, str] = field(default_factory=dict)
    # "namespace/claim" -> storage class ("" for the cluster default), for the claims Pulumi owns.
    storage_classes: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_outputs(cls, outputs: Mapping[str, Any] | None) -> Previous:
        outputs = outputs or {}
        recorded = outputs.get(OUTPUT)
        if isinstance(recorded, Mapping):
            return cls(
                studio_version=_text(recorded.get("studioVersion")),
                instance=_text(recorded.get("instance")),
                volume_claims=_strings(recorded.get("volumeClaims")),
                storage_classes=_strings(recorded.get("storageClasses")),
            )
        # A stack last deployed by an earlier release: its contract output names the version of
        # the contract entry, a lower bound of the one deployed (config/versions.py).
        match = _CONTRACT_VERSION.search(str(outputs.get("contract") or ""))
        return cls(studio_version=match.group(1) if match else None)


def _strings(value: Any) -> dict[str, str]:
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, Mapping) else {}


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _is_version(value: str) -> bool:
    try:
        version_tuple(value)
    except ValueError:
        return False
    return True


def _smaller(size: str, before: str) -> bool:
    try:
        return quantity_amount(size) < quantity_amount(before)
    except ValueError:
        return False  # not written by this program: nothing to compare with


def deployment_output(
    studio_version: str, instance: str, volume_claims: Mapping[str, str], storage_classes: Mapping[str, str]
) -> dict[str, Any]:
    """The `deployment` stack output: exactly what `Previous.from_outputs` reads back."""
    return {
        "studioVersion": studio_version,
        "instance": instance,
        "volumeClaims": dict(sorted(volume_claims.items())),
        "storageClasses": dict(sorted(storage_classes.items())),
    }


def downgrade_problems(studio_version: str, acknowledged: str | None, previous: Previous) -> list[str]:
    """A lower Studio version than the one deployed is refused unless `acknowledgeDowngrade` names it."""
    last = previous.studio_version
    if last is not None and not _is_version(last):
        last = None  # not written by this program: nothing to compare with
    if last is None or version_tuple(studio_version) >= version_tuple(last):
        if acknowledged is not None and last is not None:
            # A stale waiver would let a later downgrade from that version through unnoticed.
            return [
                problem(
                    "acknowledgeDowngrade",
                    f"acknowledges a downgrade from {acknowledged} but this stack last deployed {last} and "
                    f"{studio_version} is no downgrade; remove it",
                )
            ]
        return []
    if acknowledged == last:
        return []
    return [
        problem(
            "studio.version",
            f"{studio_version} is older than {last}, the version this stack last deployed; Studio's database "
            "migrations only go forward, so the older images may not start on the migrated databases. Restore the "
            "databases from the backup taken before the upgrade (docs/operations.md, 'Rolling back'), then add "
            f'acknowledgeDowngrade: "{last}"',
        )
    ]


def shrink_problems(claims: Mapping[str, tuple[str, str]], previous: Previous) -> list[str]:
    """Volume claims only grow (Kubernetes refuses a smaller request): `claims` maps
    "namespace/claim" to (the config key that sizes it, its size)."""
    found: dict[str, str] = {}
    for claim, (key, size) in sorted(claims.items()):
        before = previous.volume_claims.get(claim)
        # One key sizes several claims (the brokers'): the first one names the problem.
        if before is not None and key not in found and _smaller(size, before):
            found[key] = problem(
                key,
                f"cannot shrink the volume claim {claim} from {before} to {size}: Kubernetes only grows a claim. "
                f"Keep {before} or more, or move the data to a new, smaller volume yourself (docs/operations.md, "
                "'Resizing volumes')",
            )
    return sorted(found.values())


def class_problems(classes: Mapping[str, tuple[str, str]], previous: Previous) -> list[str]:
    """A claim keeps the storage class it was created with: a new one would replace the claim
    (pulumi-kubernetes: spec.storageClassName is force-new). `classes` maps "namespace/claim" to
    (the config key that picks its class, the class, "" for the cluster default)."""
    found: dict[str, str] = {}
    for claim, (key, storage_class) in sorted(classes.items()):
        before = previous.storage_classes.get(claim)
        if before is not None and before != storage_class and key not in found:
            found[key] = problem(
                key,
                f"the volume claim {claim} was created with {_class(before)} and cannot move to "
                f"{_class(storage_class)}: a new class replaces the claim, and its data would not follow. Keep "
                f"{_class(before)}, or move the data to a new claim yourself (docs/operations.md, 'Resizing volumes')",
            )
    return sorted(found.values())


def _class(storage_class: str) -> str:
    return f"storage class {storage_class}" if storage_class else "the cluster's default storage class"
