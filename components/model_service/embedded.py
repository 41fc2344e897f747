"""EmbeddedModelService: Rasa Pro's own model service (Studio >= 1.10; RasaHQ/rasa-helm-charts@e55cc2f
charts/rasa/templates/rasa/deployment.yaml with charts/studio/values.yaml `rasa:`).

One container (`python -m rasa.model_service`) trains and runs assistants as subprocesses and
keeps their state in memory, so it runs exactly one replica with the Recreate strategy and scales
vertically: its CPU and memory follow from the sizing (config/sizing.py). Where the chart is
wrong this does it right: the container port is the real 8000 (the chart declares the Service
port), the remote-storage variables are in the env actually applied (the chart's playbooks put
them in `additionalEnv`, which `overrideEnv` discards), and the bucket access is bound to this
pod's own ServiceAccount `rasapro` (the playbooks bound it to accounts this pod never uses).
"""

from __future__ import annotations

import pulumi
from pulumi_kubernetes.apps import v1 as apps
from pulumi_kubernetes.core import v1 as core
from pulumi_kubernetes.meta import v1 as meta

from config import sizing as sz

from .. import names
from .. import requirements as req
from .. import secrets as studio_secrets
from ..context import Context
from ..labels import ComponentName
from ..secrets import image_pull_secrets
from ..workload import (
    HttpProbe,
    checkov_skips,
    container,
    empty_dir,
    env_secret,
    env_value,
    mount,
    opt_in_user,
    pod_spec,
    pod_template,
    rasa_image_skips,
    resources,
)
from .data_volume import DataVolume
from .env import BOT_TALK_SUB_PATH, Inputs
from .pods import JOB_GROUP, rasa_pod_annotations

COMPONENT: ComponentName = "model-service"
PORT = 8000
WORKING_DATA = "/app/working-data"


def data_pvc_name(namespace: str) -> str:
    return f"rasa-pro-data-pvc-{namespace}"


def embedded_env(i: Inputs, keycloak_url: str) -> list[core.EnvVarArgs]:
    trainings, bot_runs = i.config.embedded_limits
    storage = i.storage
    env = [
        env_secret("RASA_PRO_LICENSE", i.secret_name, studio_secrets.RASA_PRO_LICENSE),
        # Always in studio-secrets, empty when no OpenAI key is configured (as in the chart).
        env_secret("OPENAI_API_KEY", i.secret_name, studio_secrets.OPENAI_API_KEY),
        # The chart's `shared-environment` ConfigMap values, set directly (e55cc2f
        # charts/studio/templates/shared-env-configmap.yaml) so this
        # pod depends on no other component's ConfigMap.
        env_value("RASA_MODEL_SERVER_BASE_URL", f"{i.public_url}/{BOT_TALK_SUB_PATH}"),
        env_value("KEYCLOAK_URL", keycloak_url),
        env_value("KEYCLOAK_REALM", names.KEYCLOAK_REALM),
        env_value("MAX_PARALLEL_TRAININGS", str(trainings)),
        env_value("MAX_PARALLEL_BOT_RUNS", str(bot_runs)),
        # Trained models also go to the bucket, so a lost volume loses no model.
        env_value("RASA_REMOTE_STORAGE", "aws"),
        env_value("BUCKET_NAME", storage.bucket),
        env_value("AWS_DEFAULT_REGION", storage.region),
    ]
    if storage.endpoint is not None:
        # MinIO or another S3-compatible store.
        env.append(env_value("AWS_ENDPOINT_URL", storage.endpoint))
    if storage.credentials_secret is not None:
        env += [
            env_secret("AWS_ACCESS_KEY_ID", storage.credentials_secret, "AWS_ACCESS_KEY_ID"),
            env_secret("AWS_SECRET_ACCESS_KEY", storage.credentials_secret, "AWS_SECRET_ACCESS_KEY"),
        ]
    return env


class EmbeddedModelService(pulumi.ComponentResource):
    service_account: core.ServiceAccount
    data: DataVolume
    deployment: apps.Deployment
    service: core.Service

    def __init__(self, name: str, ctx: Context, inputs: Inputs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("rasa-studio:model_service:EmbeddedModelService", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        config = ctx.config.model_service
        object_name = names.MODEL_SERVICE
        selector = ctx.selector(COMPONENT)
        storage = inputs.storage

        self.service_account = core.ServiceAccount(
            f"{name}-account",
            metadata=ctx.metadata(
                req.EMBEDDED_SERVICE_ACCOUNT, COMPONENT, annotations=dict(storage.service_account_annotations) or None
            ),
            # Trainings and bots are subprocesses: the pod never calls the Kubernetes API.
            automount_service_account_token=False,
            opts=child,
        )
        # Only this pod mounts it (Recreate), so ReadWriteOnce is enough.
        self.data = DataVolume(
            f"{name}-data", ctx, data_pvc_name(ctx.namespace_name), COMPONENT, shared=False, opts=child
        )

        sized = sz.as_resources(config.embedded_shape)
        probe = HttpProbe("/", PORT, initial_delay_seconds=30)
        security = config.security_context.embedded
        user = opt_in_user(security.run_as_user, security.run_as_group)
        read_only = security.read_only_root_filesystem
        # With the opt-in read-only root, Rasa still writes temporary files.
        scratch = [mount("tmp", "/tmp")] if read_only else []
        self.deployment = apps.Deployment(
            f"{name}-deployment",
            metadata=ctx.metadata(object_name, COMPONENT, checkov_skips(rasa_image_skips(read_only)) or None),
            spec=apps.DeploymentSpecArgs(
                # State lives in the process: never two at once, never autoscaled.
                replicas=1,
                strategy=apps.DeploymentStrategyArgs(type="Recreate"),
                selector=meta.LabelSelectorArgs(match_labels=selector),
                template=pod_template(
                    ctx.labels(COMPONENT),
                    pod_spec(
                        [
                            container(
                                object_name,
                                config.rasa_pro.image,
                                user=user,
                                command=["python", "-m", "rasa.model_service"],
                                resources=resources(sized),
                                ports={"http": PORT},
                                env=embedded_env(inputs, names.keycloak_internal_url()),
                                liveness=probe,
                                readiness=probe,
                                volume_mounts=[mount("model-data", WORKING_DATA), *scratch],
                                # The chart's container securityContext is empty; Pod Security
                                # `restricted` needs the non-root, no-escalation settings on top.
                                read_only_root_filesystem=read_only,
                            )
                        ],
                        user=user,
                        # The chart's podSecurityContext (rasa subchart values.yaml).
                        fs_group=JOB_GROUP,
                        volumes=[
                            *([empty_dir("tmp")] if read_only else []),
                            core.VolumeArgs(
                                name="model-data",
                                persistent_volume_claim=core.PersistentVolumeClaimVolumeSourceArgs(
                                    claim_name=self.data.name
                                ),
                            ),
                        ],
                        service_account_name=self.service_account.metadata.name,
                        image_pull_secrets=image_pull_secrets(ctx),
                    ),
                    rasa_pod_annotations(object_name, read_only),
                ),
            ),
            opts=pulumi.ResourceOptions(parent=self, depends_on=list(storage.ready)),
        )
        self.service = core.Service(
            f"{name}-service",
            metadata=ctx.metadata(object_name, COMPONENT),
            spec=core.ServiceSpecArgs(
                type="ClusterIP",
                selector=selector,
                ports=[core.ServicePortArgs(name="http", port=names.SERVICE_PORT, target_port="http", protocol="TCP")],
            ),
            opts=child,
        )
        self.register_outputs({"service": self.service.metadata.name})
