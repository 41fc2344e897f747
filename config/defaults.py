"""Defaults per `environment`: the only place where dev, staging and prod differ in code.

Components never branch on the environment; they read the validated config. A stack file
overrides any of these values by setting the key.
"""

from __future__ import annotations

import copy
from typing import Any

ENVIRONMENTS = ("dev", "staging", "prod")

# Applied under the user's values, key by key.
SECTION_DEFAULTS: dict[str, dict[str, Any]] = {
    "dev": {
        "protectData": False,
        # Deleting the kind cluster before `pulumi destroy` must not leave the stack stuck.
        "kubernetes": {"deleteUnreachable": True},
        "kafka": {"mode": "in-cluster"},
        "database": {"mode": "in-cluster"},
        "objectStorage": {"mode": "minio"},
    },
    "staging": {
        "protectData": False,
        "kafka": {"mode": "msk", "topics": {"partitions": 3, "replicationFactor": 2}},
        "database": {"mode": "rds"},
        "objectStorage": {"mode": "s3"},
    },
    "prod": {
        "protectData": True,
        "kubernetes": {"topologySpread": True},
        "kafka": {"mode": "msk", "topics": {"partitions": 3, "replicationFactor": 3}},
        "database": {"mode": "rds"},
        "objectStorage": {"mode": "s3"},
    },
}

# Applied once the section's discriminator (from the user or the table above) is known, so a
# default meant for one mode never leaks into another mode's strict model.
DISCRIMINATORS = {"kafka": "mode", "database": "mode", "objectStorage": "mode", "modelService": "architecture"}
MODE_DEFAULTS: dict[str, dict[tuple[str, str], dict[str, Any]]] = {
    "dev": {
        ("kafka", "in-cluster"): {"brokers": 1},
        ("modelService", "orchestrated"): {"rasaPro": {"tag": "3.10.4-latest"}},
        ("modelService", "embedded"): {"rasaPro": {"tag": "3.16.2-latest"}},
    },
    "staging": {
        ("kafka", "in-cluster"): {"brokers": 3, "topics": {"replicationFactor": 3}},
        ("database", "rds"): {"multiAz": False, "backupRetentionDays": 7},
        ("modelService", "orchestrated"): {"rasaPro": {"tag": "3.10.4-latest"}},
        ("modelService", "embedded"): {"rasaPro": {"tag": "3.16.2-latest"}},
    },
    "prod": {
        ("kafka", "in-cluster"): {"brokers": 3, "topics": {"replicationFactor": 3}},
        ("database", "rds"): {"multiAz": True, "backupRetentionDays": 14},
        ("modelService", "orchestrated"): {"rasaPro": {"tag": "3.10.4-latest"}},
        ("modelService", "embedded"): {"rasaPro": {"tag": "3.16.2-latest"}},
    },
}


def merge(base: Any, override: Any) -> Any:
    """Deep merge: mappings merge key by key, anything else in `override` wins."""
    if isinstance(base, dict) and isinstance(override, dict):
        merged = dict(base)
        for key, value in override.items():
            merged[key] = merge(base.get(key), value) if key in base else copy.deepcopy(value)
        return merged
    return copy.deepcopy(override)


def apply_defaults(raw: dict[str, Any]) -> dict[str, Any]:
    """The user's config with the defaults of its environment filled in.

    An unknown or missing environment gets no defaults; validation reports it.
    """
    env = raw.get("environment")
    if env not in ENVIRONMENTS:
        return copy.deepcopy(raw)
    merged = merge(SECTION_DEFAULTS[env], raw)
    for (section, tag), defaults in MODE_DEFAULTS[env].items():
        value = merged.get(section, {})
        if not isinstance(value, dict):
            continue
        if value.get(DISCRIMINATORS[section], _default_tag(section)) == tag:
            merged[section] = merge(defaults, value)
    return merged


def _default_tag(section: str) -> str | None:
    # modelService.architecture has a model default rather than an environment default.
    return "orchestrated" if section == "modelService" else None
