"""Pieces every model-service pod shares: the user, scratch space, the bucket access."""

from __future__ import annotations

import pulumi
from pulumi_kubernetes.core import v1 as core

from config import sizing as sz
from config.base import Resources
from config.model_service import ModelServiceConfig

from ..context import Context
from ..interfaces import ObjectStorage
from ..labels import ComponentName
from ..secrets import image_pull_secrets
from ..workload import (
    RASA_WRITABLE_ROOT,
    User,
    added_annotations,
    pod_spec,
    pod_template,
    rasa_tmp,
    topology_spread,
    writable_root,
)

# The fsGroup Rasa's chart gives the Rasa Pro pod (rasa subchart values.yaml podSecurityContext,
# RasaHQ/rasa-helm-charts@e55cc2f charts/rasa/values.yaml); used for the volumes shared with it.
JOB_GROUP = 1001


def service_account_annotations(
    config: ModelServiceConfig, storage: ObjectStorage
) -> dict[str, pulumi.Input[str]] | None:
    """The bucket access the storage grants (IRSA), plus the operator's own (other clouds' IAM)."""
    return (
        added_annotations(
            "modelService.serviceAccount.annotations",
            dict(storage.service_account_annotations),
            config.service_account.annotations,
        )
        or None
    )


def default_resources(config: ModelServiceConfig, key: str) -> Resources:
    """The pod's defaults (config/sizing.py) with its override from `modelService.resources`."""
    return sz.as_resources(sz.service_shape(config, key))


def scratch(read_only: bool) -> tuple[list[core.VolumeArgs], list[core.VolumeMountArgs]]:
    # Python and its libraries write temporary files to /tmp: an emptyDir with the opt-in read-only
    # root; otherwise the writable root, as Rasa's chart 1.2.6 runs these services.
    return rasa_tmp(read_only)


def rasa_pod_annotations(container: str, read_only: bool) -> dict[str, str] | None:
    """Why the container of Rasa's image keeps a writable root (read by the policy pack)."""
    return None if read_only else writable_root({container: RASA_WRITABLE_ROOT})


def api_client_pod(
    ctx: Context,
    component: ComponentName,
    container: core.ContainerArgs,
    *,
    user: User | None,
    volumes: list[core.VolumeArgs],
    service_account: pulumi.Input[str],
    read_only: bool,
    fs_group: int | None = None,
) -> core.PodTemplateSpecArgs:
    """The pod of an orchestrator or a consumer: Rasa's image with its side's ServiceAccount token
    (both call the Kubernetes API as Rasa's chart runs them), spread over nodes, rolled when a
    Secret value it reads changes."""
    return pod_template(
        ctx.labels(component),
        pod_spec(
            [container],
            user=user,
            fs_group=fs_group,
            volumes=volumes,
            service_account_name=service_account,
            automount_service_account_token=True,
            image_pull_secrets=image_pull_secrets(ctx),
            topology_spread_constraints=topology_spread(ctx.selector(component), ctx.config.kubernetes.topology_spread),
        ),
        rasa_pod_annotations(str(container.name), read_only),
        pod_settings=ctx.pod_settings(component),
        secrets_checksum=ctx.secrets_checksum,
    )
