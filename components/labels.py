"""Names and labels of the Kubernetes objects (the label contract of design.md)."""

from __future__ import annotations

from typing import Literal

PART_OF = "rasa-studio"

ComponentName = Literal[
    "web-client",
    "backend",
    "database-migration",
    "keycloak",
    "event-ingestion",
    "model-training-orchestrator",
    "model-training-consumer",
    "model-running-orchestrator",
    "model-running-consumer",
    "model-service",
    "kafka",
    "postgresql",
    "object-storage",
]


def selector_labels(component: ComponentName, instance: str) -> dict[str, str]:
    """Labels a Service or a workload selects its pods by. Immutable once deployed: keep them few."""
    return {
        "app.kubernetes.io/name": component,
        "app.kubernetes.io/instance": instance,
    }


def labels(component: ComponentName, instance: str) -> dict[str, str]:
    """Labels every object of `component` carries."""
    return {
        **selector_labels(component, instance),
        "app.kubernetes.io/component": component,
        "app.kubernetes.io/part-of": PART_OF,
        "app.kubernetes.io/managed-by": "pulumi",
    }
