"""The pod group of each rendered workload: how the analyzer's endpoints meet the flow model."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from components import names

# Workload object names (Jobs: a prefix before the spec hash) of each pod group, from the names
# the Rasa chart gives them: the analyzer names endpoints by workload, so this is how its answer
# is tied to the flow model without reading the labels under test.
WORKLOADS: dict[str, str] = {
    "web-client": names.WEB_CLIENT_SERVICE,
    "backend": names.BACKEND_SERVICE,
    "keycloak": names.KEYCLOAK_SERVICE,
    "event-ingestion": "studio-event-ingestion",
    "database-migration": "studio-database-migration-",
    "model-training-orchestrator": f"{names.MODEL_TRAINING_SERVICE}-orchestrator",
    "model-running-orchestrator": f"{names.MODEL_RUNNING_SERVICE}-orchestrator",
    "model-training-consumer": f"{names.MODEL_TRAINING_SERVICE}-consumer",
    "model-running-consumer": f"{names.MODEL_RUNNING_SERVICE}-consumer",
    "model-service": names.MODEL_SERVICE,
    "nginx-reverse-proxy": names.TALK_PROXY_SERVICE,
    "kafka": names.KAFKA_SERVICE,
    "postgresql": names.POSTGRESQL_SERVICE,
    "object-storage": names.MINIO_SERVICE,
    "database-init": "database-init-",
    "kafka-topics": "kafka-topics-",
    "minio-bucket": "minio-bucket-",
    "postgresql-backup": "postgresql-backup",
    "postgresql-restore": "postgresql-restore-",
    "assistant": names.ASSISTANT_SERVICE,
    "action-server": names.ACTION_SERVER_SERVICE,
    "lock-store": names.LOCK_STORE_SERVICE,
}
WORKLOAD_KINDS = ("Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob", "Pod", "ReplicaSet")


def group_of(name: str) -> str | None:
    for group, pattern in WORKLOADS.items():
        if name == pattern or (pattern.endswith("-") and re.fullmatch(re.escape(pattern) + "[0-9a-f]+", name)):
            return group
    return None


def workloads(manifests: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """Analyzer endpoint (`ns/name[Kind]`) of every rendered workload -> its pod group ('' if none)."""
    found = {}
    for m in manifests:
        if m.get("kind") in WORKLOAD_KINDS:
            meta = m["metadata"]
            found[f"{meta['namespace']}/{meta['name']}[{m['kind']}]"] = group_of(meta["name"]) or ""
    return found
