"""The stack matrix the NetworkPolicies are judged on: every case, its config and its render.

Both architectures and every backing-service mode (in-cluster, AWS, external), every exposure
profile, assistant namespaces and the backup Jobs, as changes on top of the stack files.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from config import StackConfig, validate
from config.defaults import merge
from config.errors import PROJECT
from tools import stackfile, yaml_io

ROOT = Path(__file__).resolve().parents[2]
# Sections whose mode picks another model: a case's section replaces the stack file's, unmerged.
MODE_SECTIONS = ("kafka", "database", "objectStorage")

_EXTERNAL: dict[str, Any] = {
    "kafka": {
        "mode": "external",
        "brokers": ["kafka-1.example.com:9093", "kafka-2.example.com:9093"],
        "username": "studio",
        "passwordSecret": {"name": "kafka", "key": "password"},
    },
    "database": {
        "mode": "external",
        "host": "db.example.com",
        "port": 6432,
        "passwordSecret": {"name": "studio-database", "key": "password"},
        # What prod demands (config validation); the flows do not depend on it.
        "sslMode": "verify-full",
    },
    "objectStorage": {"mode": "external", "bucket": "models", "endpoint": "https://storage.example.com:9443"},
}
# The embedded model service needs Studio >= 1.17 (config validation says so).
_EMBEDDED: dict[str, Any] = {"studio": {"version": "1.17.0"}, "modelService": {"architecture": "embedded"}}


@dataclass(frozen=True)
class Case:
    """A stack file, and changes on top of it (a backing section given here replaces the file's)."""

    stack: str
    changes: Mapping[str, Any] = field(default_factory=dict)


# The assistant next to Studio (config/assistant.py): two replicas sharing an in-cluster lock
# store (its pods come with the lock store's own component), and an action server. On prod
# ElastiCache, elsewhere an external Redis on another port than Redis's default.
_ASSISTANT: dict[str, Any] = {
    "enabled": True,
    "assistantId": "support-bot",
    "model": {"path": "support-bot.tar.gz"},
    "replicas": 2,
    "lockStore": {"mode": "in-cluster"},
    "actionServer": {"image": "registry.example.com/support-bot-actions", "tag": "v1"},
}
_EXTERNAL_REDIS: dict[str, Any] = {"mode": "external", "host": "redis.example.com", "port": 6380}
_ASSISTANT_ALB: dict[str, Any] = {
    **_ASSISTANT,
    # The ALB cannot strip a path prefix: a host of its own.
    "host": "assistant.example.com",
    "lockStore": {"mode": "elasticache"},
}


# Both architectures and every backing-service mode: in-cluster (dev), AWS (staging, prod),
# external; assistant namespaces reaching the in-cluster Kafka.
CASES: dict[str, Case] = {
    "dev": Case("dev"),
    "staging": Case("staging"),
    "prod": Case("prod"),
    "dev-embedded": Case("dev", _EMBEDDED),
    "dev-external": Case("dev", _EXTERNAL),
    "prod-embedded-external": Case("prod", {**_EMBEDDED, **_EXTERNAL}),
    "dev-kafka-clients": Case("dev", {"kafka": {"mode": "in-cluster", "clientNamespaces": ["assistants", "bots"]}}),
    # The backup CronJob and a restore Job, each reaching PostgreSQL and the bucket.
    "dev-backups": Case("dev", {"database": {"mode": "in-cluster", "backup": {"restoreFrom": "20261204T030000Z"}}}),
    # Keycloak outside the cluster; and no Kafka at all (embedded, without event ingestion).
    # An external Keycloak needs Studio 1.12.0+ (config/versions.py), so the embedded architecture.
    "dev-external-keycloak": Case(
        "dev",
        {
            # Without pod settings of the in-cluster Keycloak: an external one has no pods.
            "studio": {
                "version": "1.17.0",
                "keycloak": {"external": {"url": "https://sso.example.com/auth"}, "resources": None},
            },
            "modelService": {"architecture": "embedded"},
        },
    ),
    "dev-embedded-no-kafka": Case(
        "dev",
        {
            "studio": {"version": "1.17.0", "eventIngestion": {"enabled": False}},
            "modelService": {"architecture": "embedded"},
        },
    ),
    # Every exposure profile: dev is the Gateway API with Envoy Gateway (proxies in its own
    # namespace), staging and prod the ALB (address ranges); here an nginx-compatible Ingress
    # controller and a Gateway whose proxies run beside it (GEP-1762 label).
    "dev-ingress-nginx": Case("dev", {"studio": {"exposure": "ingress", "gateway": None}}),
    "dev-gateway-generic": Case(
        "dev",
        {
            "studio": {
                "gateway": {
                    "parentRef": {"name": "public", "namespace": "gateways"},
                    "create": None,
                    "controller": "generic",
                }
            }
        },
    ),
    # The same preset with the Gateway in Studio's own namespace (Istio, NGINX Gateway Fabric):
    # its proxies sit behind the namespace's default deny and need a policy of their own.
    "dev-gateway-in-namespace": Case(
        "dev",
        {
            "studio": {
                "gateway": {
                    "parentRef": {"name": "studio", "namespace": "rasa-studio"},
                    "create": {"gatewayClassName": "istio"},
                    "controller": "generic",
                    "controlPlaneNamespace": "istio-system",
                }
            }
        },
    ),
    # The assistant on every exposure profile (Gateway API: dev; nginx; ALB: prod) and both
    # architectures (orchestrated: dev's Studio 1.7.0; embedded: 1.17.0).
    "dev-assistant": Case("dev", {"assistant": _ASSISTANT}),
    # On its own host (a listener of its own on the created Gateway), its locks in an external Redis.
    "dev-embedded-assistant": Case(
        "dev",
        {
            **_EMBEDDED,
            "assistant": {**_ASSISTANT, "host": "assistant.localhost", "lockStore": _EXTERNAL_REDIS},
        },
    ),
    # One replica with its locks in memory, no action server. On a host of its own: under a path,
    # ingress-nginx strips the prefix with a regular-expression path, which the analyzer refuses
    # to read ("Illegal characters in path"); the policies are the same either way.
    "dev-ingress-nginx-assistant": Case(
        "dev",
        {
            "studio": {"exposure": "ingress", "gateway": None},
            "assistant": {
                **{k: v for k, v in _ASSISTANT.items() if k not in ("replicas", "lockStore", "actionServer")},
                "host": "assistant.localhost",
            },
        },
    ),
    "prod-assistant": Case("prod", {"assistant": _ASSISTANT_ALB}),
    # An Ingress controller in Studio's namespace: its own policy, the API server included.
    "dev-ingress-in-namespace": Case(
        "dev",
        {
            "studio": {
                "exposure": "ingress",
                "gateway": None,
                "entryPeer": {"namespace": "rasa-studio", "podLabels": {"app.kubernetes.io/name": "ingress-nginx"}},
            }
        },
    ),
}


def case_document(case: Case, root: Path = ROOT) -> dict[str, Any]:
    """The stack file of a case, as YAML data (`--set` cannot give lists such as brokers)."""
    document = yaml_io.load((root / f"Pulumi.{case.stack}.yaml").read_text())
    config = document["config"]
    for key, value in case.changes.items():
        full = f"{PROJECT}:{key}"
        if key in MODE_SECTIONS or not isinstance(value, Mapping):
            config[full] = value
        else:
            config[full] = merge(config.get(full) or {}, dict(value))
    return dict(document)


def case_config(case: Case, root: Path = ROOT) -> StackConfig:
    path = root / f"Pulumi.{case.stack}.yaml"
    given = stackfile.read(path)
    plain = {k: v for k, v in given.plain.items() if not (k in MODE_SECTIONS and k in case.changes)}
    config, problems = validate(merge(plain, dict(case.changes)))
    if config is None:
        raise ValueError(f"case on {case.stack}: {problems}")
    return config


def render(name: str, case: Case, out: Path) -> list[dict[str, Any]]:
    """Render a case with the real renderer and return its manifests."""
    out.mkdir(parents=True, exist_ok=True)
    stack_file = out / f"Pulumi.{name}.yaml"
    stack_file.write_text(yaml.safe_dump(case_document(case), sort_keys=True))
    subprocess.run(
        [sys.executable, "-m", "tools.render", case.stack, "--config", str(stack_file), "--out", str(out)],
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return [yaml_io.load(p.read_text()) for p in sorted((out / "manifests").glob("*.yaml"))]
