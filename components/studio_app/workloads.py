"""The pod template the Studio containers share (their Deployments and Services: components/deployment.py)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pulumi
from pulumi_kubernetes.core import v1 as core

from config.security import CHART_DEFAULT, SecurityContext

from ..context import Context
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
