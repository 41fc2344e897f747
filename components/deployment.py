"""The Deployment and ClusterIP Service of a long-running workload: one shape for Studio's and the model services'."""

from __future__ import annotations

from collections.abc import Mapping

import pulumi
from pulumi_kubernetes.apps import v1 as apps
from pulumi_kubernetes.core import v1 as core
from pulumi_kubernetes.meta import v1 as meta

from .context import Context
from .labels import PodGroup, owner
from .ports import SERVICE_PORT

# Surge one new pod before an old one goes, so a single replica rolls without downtime.
SURGE_ONE = apps.DeploymentStrategyArgs(
    type="RollingUpdate", rolling_update=apps.RollingUpdateDeploymentArgs(max_surge=1, max_unavailable=0)
)
# Never two pods at once: a pod whose state lives in the process or on a ReadWriteOnce volume.
RECREATE = apps.DeploymentStrategyArgs(type="Recreate")


def deployment(
    name: str,
    ctx: Context,
    group: PodGroup,
    object_name: str,
    template: core.PodTemplateSpecArgs,
    replicas: int | None,
    opts: pulumi.ResourceOptions,
    annotations: Mapping[str, str] | None = None,
    strategy: apps.DeploymentStrategyArgs | None = SURGE_ONE,
) -> apps.Deployment:
    """The Deployment of `group`'s pods. replicas None leaves the count to an autoscaler;
    strategy None keeps Kubernetes' default rolling update (25% surge and unavailable)."""
    return apps.Deployment(
        name,
        metadata=ctx.metadata(object_name, owner(group), dict(annotations) if annotations else None),
        spec=apps.DeploymentSpecArgs(
            replicas=replicas,
            selector=meta.LabelSelectorArgs(match_labels=ctx.pod_selector(group)),
            strategy=strategy,
            template=template,
        ),
        opts=opts,
    )


def service(
    name: str,
    ctx: Context,
    group: PodGroup,
    object_name: str,
    target_port: int | str,
    opts: pulumi.ResourceOptions,
    port: int = SERVICE_PORT,
) -> core.Service:
    """ClusterIP on port 80 by default, as Rasa's charts have it, to the pods of `group`."""
    return core.Service(
        name,
        metadata=ctx.metadata(object_name, owner(group)),
        spec=core.ServiceSpecArgs(
            type="ClusterIP",
            selector=ctx.pod_selector(group),
            ports=[core.ServicePortArgs(name="http", port=port, target_port=target_port, protocol="TCP")],
        ),
        opts=opts,
    )
