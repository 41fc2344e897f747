"""Deployment, Service and pod template shapes the Studio containers share."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pulumi
from pulumi_kubernetes.apps import v1 as apps
from pulumi_kubernetes.core import v1 as core
from pulumi_kubernetes.meta import v1 as meta

from config.security import CHART_DEFAULT, SecurityContext

from ..context import Context
from ..labels import ComponentName
from ..names import SERVICE_PORT
from ..secrets import image_pull_secrets
from ..workload import (
    RASA_CHART_SECURITY,
    RASA_WRITABLE_ROOT,
    User,
    chart_security_context,
    opt_in_user,
    pod_spec,
    pod_template,
    topology_spread,
    writable_root,
)
from .defaults import StudioContainer


def studio_user(security: SecurityContext) -> User | None:
    """The image's own user, as Rasa's chart runs it, unless the operator opted in to one."""
    return opt_in_user(security.run_as_user, security.run_as_group)


def studio_pod(
    ctx: Context,
    component: StudioContainer,
    containers: Sequence[core.ContainerArgs],
    *,
    init_containers: Sequence[core.ContainerArgs] = (),
    volumes: Sequence[core.VolumeArgs] = (),
    restart_policy: str | None = None,
    annotations: Mapping[str, pulumi.Input[str]] | None = None,
    spread: bool = True,
    security: SecurityContext = CHART_DEFAULT,
    restricted: bool = True,
) -> core.PodTemplateSpecArgs:
    """A pod of a Studio container; none of them talks to the Kubernetes API.

    The container named after the component runs Rasa's image with the chart's security settings
    plus what Pod Security `restricted` requires, and the opt-in `security` on top. restricted=False:
    a container the chart runs without any securityContext (the migration), said so in the pod.
    """
    if not security.read_only_root_filesystem:
        annotations = {**(annotations or {}), **writable_root({component: RASA_WRITABLE_ROOT})}
    if not restricted:
        annotations = {**(annotations or {}), **chart_security_context({component: RASA_CHART_SECURITY})}
    spec = pod_spec(
        containers,
        user=studio_user(security),
        init_containers=init_containers,
        volumes=volumes,
        image_pull_secrets=image_pull_secrets(ctx),
        restart_policy=restart_policy,
        topology_spread_constraints=topology_spread(
            ctx.selector(component), spread and ctx.config.kubernetes.topology_spread
        ),
        restricted=restricted,
    )
    # Long-running pods roll when a Secret value they read is rotated. A Job's pod reads its
    # values when it runs, and its template is immutable: a new checksum would re-create it.
    checksum = ctx.secrets_checksum if restart_policy is None else None
    return pod_template(
        ctx.labels(component), spec, annotations, ctx.pod_settings(component), secrets_checksum=checksum
    )


def deployment(
    name: str,
    ctx: Context,
    component: ComponentName,
    object_name: str,
    template: core.PodTemplateSpecArgs,
    replicas: int | None,
    opts: pulumi.ResourceOptions,
    annotations: Mapping[str, str] | None = None,
) -> apps.Deployment:
    """replicas None leaves the count to an autoscaler."""
    return apps.Deployment(
        name,
        metadata=ctx.metadata(object_name, component, dict(annotations) if annotations else None),
        spec=apps.DeploymentSpecArgs(
            replicas=replicas,
            selector=meta.LabelSelectorArgs(match_labels=ctx.selector(component)),
            # Surge one new pod before an old one goes, so a single replica rolls without downtime.
            strategy=apps.DeploymentStrategyArgs(
                type="RollingUpdate",
                rolling_update=apps.RollingUpdateDeploymentArgs(max_surge=1, max_unavailable=0),
            ),
            template=template,
        ),
        opts=opts,
    )


def service(
    name: str, ctx: Context, component: ComponentName, object_name: str, target_port: int, opts: pulumi.ResourceOptions
) -> core.Service:
    """ClusterIP on port 80, as the chart (and names.SERVICE_PORT) has it."""
    return core.Service(
        name,
        metadata=ctx.metadata(object_name, component),
        spec=core.ServiceSpecArgs(
            type="ClusterIP",
            selector=ctx.selector(component),
            ports=[core.ServicePortArgs(name="http", port=SERVICE_PORT, target_port=target_port, protocol="TCP")],
        ),
        opts=opts,
    )
