"""PodDisruptionBudgets for anything that runs more than one replica."""

from __future__ import annotations

import pulumi
from pulumi_kubernetes.meta import v1 as meta
from pulumi_kubernetes.policy import v1 as policy

from .context import Context
from .labels import ComponentName


def disruption_budget(
    name: str,
    ctx: Context,
    component: ComponentName,
    object_name: str,
    replicas: int,
    opts: pulumi.ResourceOptions,
) -> policy.PodDisruptionBudget | None:
    """At most one pod down during voluntary disruptions (node drains, upgrades)."""
    if replicas <= 1:
        return None
    return policy.PodDisruptionBudget(
        name,
        metadata=ctx.metadata(object_name, component),
        spec=policy.PodDisruptionBudgetSpecArgs(
            max_unavailable=1,
            selector=meta.LabelSelectorArgs(match_labels=ctx.selector(component)),
        ),
        opts=opts,
    )
