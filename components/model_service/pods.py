"""Pieces every model-service pod shares: the user, scratch space, the bucket access, and the pod
of the orchestrators and consumers."""

from __future__ import annotations

from collections.abc import Sequence

import pulumi
from pulumi_kubernetes.core import v1 as core

from config import sizing as sz
from config.base import Resources
from config.model_service import ModelServiceConfig
from config.security import SecurityContext

from ..context import Context
from ..interfaces import Kafka, ObjectStorage
from ..kafka_ca import kafka_ca
from ..labels import ComponentName
from ..secrets import image_pull_secrets
from ..workload import (
    RASA_WRITABLE_ROOT,
    HttpProbe,
    added_annotations,
    container,
    mount,
    opt_in_user,
    pod_spec,
    pod_template,
    rasa_tmp,
    resources,
    topology_spread,
    writable_root,
)
from .env import DATA_PATH

# The fsGroup Rasa's chart gives the Rasa Pro pod (rasa subchart values.yaml podSecurityContext,
# RasaHQ/rasa-helm-charts@e55cc2f charts/rasa/values.yaml); used for the volumes shared with it.
JOB_GROUP = 1001
# The consumers' data volume, shared with the Jobs they start.
DATA = "data"


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
    name: str,
    image: str,
    env: Sequence[core.EnvVarArgs],
    *,
    kafka: Kafka,
    service_account: pulumi.Input[str],
    resource_defaults: Resources,
    security: SecurityContext,
    port: int | None = None,
    data_claim: pulumi.Input[str] | None = None,
) -> core.PodTemplateSpecArgs:
    """The pod of an orchestrator (`port`: its HTTP API, probed) or a consumer (`data_claim`: the
    volume it shares with the Jobs it starts): Rasa's image with its side's ServiceAccount token
    (both call the Kubernetes API as Rasa's chart runs them), spread over nodes, rolled when a
    Secret value it reads changes."""
    user = opt_in_user(security.run_as_user, security.run_as_group)
    read_only = security.read_only_root_filesystem
    volumes, mounts = scratch(read_only)
    ca_volumes, ca_mounts = kafka_ca(kafka)
    data_volumes, data_mounts = [], []
    if data_claim is not None:
        data_volumes = [
            core.VolumeArgs(
                name=DATA, persistent_volume_claim=core.PersistentVolumeClaimVolumeSourceArgs(claim_name=data_claim)
            )
        ]
        data_mounts = [mount(DATA, DATA_PATH)]
    probe = HttpProbe("/", port) if port is not None else None
    return pod_template(
        ctx.labels(component),
        pod_spec(
            [
                container(
                    name,
                    image,
                    user=user,
                    resources=resources(resource_defaults),
                    ports={"http": port} if port is not None else None,
                    env=env,
                    liveness=probe,
                    readiness=probe,
                    volume_mounts=[*data_mounts, *mounts, *ca_mounts],
                    read_only_root_filesystem=read_only,
                )
            ],
            user=user,
            # Not in the chart (its volume is EFS, where fsGroup has no effect): makes the shared
            # volume group-writable for the consumer and its Jobs on block storage; it adds a
            # supplemental group and changes no user.
            fs_group=JOB_GROUP if data_claim is not None else None,
            volumes=[*data_volumes, *volumes, *ca_volumes],
            service_account_name=service_account,
            automount_service_account_token=True,
            image_pull_secrets=image_pull_secrets(ctx),
            topology_spread_constraints=topology_spread(ctx.selector(component), ctx.config.kubernetes.topology_spread),
        ),
        rasa_pod_annotations(name, read_only),
        pod_settings=ctx.pod_settings(component),
        secrets_checksum=ctx.secrets_checksum,
    )
