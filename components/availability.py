"""PodDisruptionBudgets for anything that runs more than one replica, and CPU autoscalers."""

from __future__ import annotations

import pulumi
from pulumi_kubernetes.apps import v1 as apps
from pulumi_kubernetes.autoscaling import v2 as autoscaling
from pulumi_kubernetes.meta import v1 as meta
from pulumi_kubernetes.policy import v1 as policy

from config.studio import Autoscaling

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


def cpu_autoscaler(
    name: str,
    ctx: Context,
    component: ComponentName,
    object_name: str,
    target: apps.Deployment,
    scaling: Autoscaling,
    opts: pulumi.ResourceOptions,
) -> autoscaling.HorizontalPodAutoscaler | None:
    """A HorizontalPodAutoscaler on average CPU for `target`, when `scaling` is enabled.

    The Deployment then leaves spec.replicas out: Pulumi would otherwise reset the count the
    autoscaler chose on every update."""
    if not scaling.enabled:
        return None
    return autoscaling.HorizontalPodAutoscaler(
        name,
        metadata=ctx.metadata(object_name, component),
        spec=autoscaling.HorizontalPodAutoscalerSpecArgs(
            scale_target_ref=autoscaling.CrossVersionObjectReferenceArgs(
                api_version="apps/v1", kind="Deployment", name=target.metadata.name
            ),
            min_replicas=scaling.min_replicas,
            max_replicas=scaling.max_replicas,
            metrics=[
                autoscaling.MetricSpecArgs(
                    type="Resource",
                    resource=autoscaling.ResourceMetricSourceArgs(
                        name="cpu",
                        target=autoscaling.MetricTargetArgs(
                            type="Utilization", average_utilization=scaling.target_cpu_utilization_percentage
                        ),
                    ),
                )
            ],
        ),
        opts=opts,
    )
