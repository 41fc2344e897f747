"""Labels of the Kubernetes objects: the label contract (README, docs/architecture.md).

A pod's identity is its pod group: a component, or a helper pod of a component (a setup Job, the
talk proxy) that needs network access of its own. The labels a group's pods carry and the
selectors that pick them (Service, NetworkPolicy, PodDisruptionBudget, spread) all come from
`pod_labels` and `pod_selector` below, so a selector cannot drift from the pods it is meant for.
"""

from __future__ import annotations

from config.workloads import COMPONENTS, HELPERS, WORKLOADS, ComponentName, HelperName, PodGroup

PART_OF = "rasa-studio"
NAME_LABEL = "app.kubernetes.io/name"
INSTANCE_LABEL = "app.kubernetes.io/instance"
COMPONENT_LABEL = "app.kubernetes.io/component"
PART_OF_LABEL = "app.kubernetes.io/part-of"

# The names themselves are declared with the workloads (config/workloads.py).
HELPER_OWNER: dict[HelperName, ComponentName] = {
    w.group: w.component  # type: ignore[misc]  # a helper's group is a HelperName
    for w in WORKLOADS
    if w.group != w.component
}
POD_GROUPS: tuple[PodGroup, ...] = (*COMPONENTS, *HELPERS)


def owner(group: PodGroup) -> ComponentName:
    """The component a pod group belongs to (its `app.kubernetes.io/component` label)."""
    if group in HELPER_OWNER:
        return HELPER_OWNER[group]
    return group  # type: ignore[return-value]


def pod_selector(group: PodGroup, instance: str) -> dict[str, str]:
    """Labels that select exactly the pods of `group`. Immutable once deployed: keep them few."""
    return {NAME_LABEL: group, INSTANCE_LABEL: instance}


def pod_labels(group: PodGroup, instance: str) -> dict[str, str]:
    """Labels the pods of `group` carry: its selector plus the component it belongs to."""
    return {
        **pod_selector(group, instance),
        COMPONENT_LABEL: owner(group),
        PART_OF_LABEL: PART_OF,
        "app.kubernetes.io/managed-by": "pulumi",
    }


def selector_labels(component: ComponentName, instance: str) -> dict[str, str]:
    """Labels a Service or a workload selects a component's pods by."""
    return pod_selector(component, instance)


def labels(component: ComponentName, instance: str) -> dict[str, str]:
    """Labels every object of `component` carries."""
    return pod_labels(component, instance)
