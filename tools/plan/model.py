"""The resources a plan compares, read from a mock run or from a render's resources.json."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pulumi.runtime import rpc

from tools.mocks import Registration


def stackless(urn: str) -> str:
    """A URN without its stack: `pulumi stack rename` rewrites the stack part of every URN in the
    state and nothing else, so a renamed stack's resources keep their identity under this key."""
    parts = urn.split("::", 1)
    return parts[1] if len(parts) == 2 and parts[0].startswith("urn:pulumi:") else urn


def plain(value: Any) -> Any:
    """Wire values as a provider's Diff sees them: secrets unwrapped (a new secret value is a
    change like any other), whole numbers as ints (the mocks hand every number over as a float)."""
    if isinstance(value, dict):
        if value.get(rpc._special_sig_key) == rpc._special_secret_sig:
            return plain(value.get("value"))
        return {k: plain(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


@dataclass(frozen=True)
class Resource:
    urn: str
    type: str
    name: str
    custom: bool
    # The provider reference as registered (`<provider urn>::<id>`), empty for components.
    provider: str
    inputs: dict[str, Any]
    protect: bool = False
    retain_on_delete: bool = False
    delete_before_replace: bool = False
    depends_on: tuple[str, ...] = ()
    property_dependencies: dict[str, tuple[str, ...]] = field(default_factory=dict)
    deleted_with: str = ""
    ignore_changes: tuple[str, ...] = ()
    replace_on_changes: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        return stackless(self.urn)

    @property
    def provider_key(self) -> str:
        return stackless(self.provider.rsplit("::", 1)[0]) if self.provider else ""

    @property
    def kind(self) -> str:
        return str(self.inputs.get("kind", "")) if self.type.startswith("kubernetes:") else ""


def from_registrations(registrations: Iterable[Registration]) -> list[Resource]:
    return [
        Resource(
            urn=r.urn,
            type=r.type,
            name=r.name,
            custom=r.custom,
            provider=r.provider,
            inputs=plain(r.inputs),
            protect=r.protect,
            retain_on_delete=r.retain_on_delete,
            delete_before_replace=r.delete_before_replace,
            depends_on=tuple(r.depends_on),
            property_dependencies={k: tuple(v) for k, v in r.property_dependencies.items()},
            deleted_with=r.deleted_with,
            ignore_changes=tuple(r.ignore_changes),
            replace_on_changes=tuple(r.replace_on_changes),
        )
        for r in registrations
    ]


def from_resources_json(path: Path) -> list[Resource]:
    """A render's resources.json (`python -m tools.render --out DIR`): secret values are redacted
    there, so a change of a secret alone is invisible to a plan made from two of them."""
    entries = json.loads(path.read_text())
    found = []
    for e in entries:
        options = e.get("options", {})
        provider = e.get("provider") or ""
        found.append(
            Resource(
                urn=e["urn"],
                type=e["type"],
                name=e["name"],
                custom=bool(e.get("custom")),
                # resources.json names the provider by its id only; the mocks give providers the
                # id `<name>-id`, which is all the plan needs to find its provider's resource.
                provider=f"::{provider}" if provider else "",
                inputs=plain(e.get("inputs", {})),
                protect=bool(options.get("protect")),
                retain_on_delete=bool(options.get("retainOnDelete")),
                delete_before_replace=bool(options.get("deleteBeforeReplace")),
                depends_on=tuple(options.get("dependsOn", ())),
                property_dependencies={k: tuple(v) for k, v in options.get("propertyDependencies", {}).items()},
                deleted_with=options.get("deletedWith", ""),
                ignore_changes=tuple(options.get("ignoreChanges", ())),
                replace_on_changes=tuple(options.get("replaceOnChanges", ())),
            )
        )
    return found
