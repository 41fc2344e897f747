"""Turn recorded registrations into manifests and a plan, with every secret redacted."""

from __future__ import annotations

import json
from typing import Any

from pulumi.runtime import rpc

from .mocks import Registration

REDACTED = "[secret]"
# What a Secret's base64 `data` values become: still valid base64, so schemas accept it.
REDACTED_B64 = "W3NlY3JldF0="  # "[secret]"
_UNKNOWN = rpc.UNKNOWN


def clean(value: Any) -> Any:
    """Wire values as a manifest states them: secrets redacted, whole numbers as ints, no nulls."""
    if isinstance(value, dict):
        if rpc._special_sig_key in value and value[rpc._special_sig_key] == rpc._special_secret_sig:
            return REDACTED
        return {k: clean(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [clean(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if value == _UNKNOWN:
        return "[unknown]"
    return value


def is_kubernetes_object(reg: Registration) -> bool:
    return reg.custom and reg.type.startswith("kubernetes:") and "apiVersion" in reg.state


def _unwrap(value: Any) -> Any:
    if isinstance(value, dict) and value.get(rpc._special_sig_key) == rpc._special_secret_sig:
        return _unwrap(value.get("value"))
    return value


def manifest(reg: Registration) -> dict[str, Any]:
    state = {k: v for k, v in reg.state.items() if k not in ("id", "urn", "status")}
    if state.get("kind") == "Secret":
        # Every value of a Secret is sensitive, marked as a Pulumi secret or not; the keys are
        # part of the contract and stay visible.
        for field, placeholder in (("data", REDACTED_B64), ("stringData", REDACTED)):
            if field in state:
                state[field] = {k: placeholder for k in sorted(_unwrap(state[field]) or {})}
    return clean(state)


def manifest_filename(obj: dict[str, Any]) -> str:
    meta = obj.get("metadata", {})
    namespace = meta.get("namespace")
    scope = f"{namespace}." if namespace else ""
    return f"{scope}{obj['kind'].lower()}.{meta.get('name', 'unnamed')}.yaml"


def plan_entry(reg: Registration) -> dict[str, Any]:
    inputs = clean(reg.inputs)
    if reg.type == "kubernetes:core/v1:Secret":
        inputs = manifest(reg)
    return {
        "urn": reg.urn,
        "type": reg.type,
        "name": reg.name,
        "parent": reg.parent,
        "custom": reg.custom,
        "provider": reg.provider.split("::")[-1] if reg.provider else "",
        "inputs": inputs,
        "options": {
            "protect": reg.protect,
            "retainOnDelete": reg.retain_on_delete,
            "dependsOn": reg.depends_on,
            "deleteBeforeReplace": reg.delete_before_replace,
            "ignoreChanges": reg.ignore_changes,
            "replaceOnChanges": reg.replace_on_changes,
            "propertyDependencies": reg.property_dependencies,
            "deletedWith": reg.deleted_with,
            "customTimeouts": reg.custom_timeouts,
        },
    }


def plan_json(registrations: list[Registration]) -> str:
    return json.dumps([plan_entry(r) for r in registrations], indent=2, sort_keys=True) + "\n"
