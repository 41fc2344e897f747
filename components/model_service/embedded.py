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

from config import sizing as sz

from .. import names
from .. import requirements as req
from .. import secrets as studio_secrets
from ..context import Context
from ..deployment import RECREATE, deployment, service
from ..interfaces import ObjectStorage
from ..labels import ComponentName
from ..ports import MODEL_SERVICE_PORT
from ..secrets import image_pull_secrets
from ..workload import (
    HttpProbe,
    checkov_skips,
    container,
    env_secret,
    env_value,
    mount,
    opt_in_user,
    pod_spec,
    pod_template,
    rasa_image_skips,
    rasa_tmp,
    resources,
)
from .data_volume import DataVolume
from .env import Inputs
from .pods import JOB_GROUP, rasa_pod_annotations, service_account_annotations

COMPONENT: ComponentName = "model-service"
WORKING_DATA = "/app/working-data"
GCS_KEY_VOLUME = "gcs-credentials"
GCS_KEY_DIR = "/etc/rasa/gcs"
GCS_KEY_FILE = "credentials.json"


def data_pvc_name(namespace: str) -> str:
    return f"rasa-pro-data-pvc-{namespace}"


def embedded_env(i: Inputs, keycloak_url: str | None, keycloak_realm: str) -> list[core.EnvVarArgs]:
    """keycloak_url None: a Studio that logs users in itself (no KEYCLOAK_*)."""
    trainings, bot_runs = i.config.embedded_limits
    storage = i.storage
    env = [
        env_secret("RASA_PRO_LICENSE", i.secret_name, studio_secrets.RASA_PRO_LICENSE),
        # Always in studio-secrets, empty when no OpenAI key is configured (as in the chart).
        env_secret("OPENAI_API_KEY", i.secret_name, studio_secrets.OPENAI_API_KEY),
        # The chart's `shared-environment` ConfigMap values, set directly (e55cc2f
        # charts/studio/templates/shared-env-configmap.yaml) so this
        # pod depends on no other component's ConfigMap.
        env_value("RASA_MODEL_SERVER_BASE_URL", f"{i.public_url}{i.talk_path}"),
        *(
            [env_value("KEYCLOAK_URL", keycloak_url), env_value("KEYCLOAK_REALM", keycloak_realm)]
            if keycloak_url is not None
            else []
        ),
        env_value("MAX_PARALLEL_TRAININGS", str(trainings)),
        env_value("MAX_PARALLEL_BOT_RUNS", str(bot_runs)),
        *remote_storage_env(storage),
    ]
    return env


def remote_storage_env(storage: ObjectStorage) -> list[core.EnvVarArgs]:
    """Trained models also go to the bucket, so a lost volume loses no model.

    The variables of Rasa Pro's model storage (rasa.com docs, "Model Storage"; RASA_REMOTE_STORAGE
    as the Studio chart README lists it); credentials only ever as Secret references.
    """
    if storage.provider == "gcs":
        env = [env_value("RASA_REMOTE_STORAGE", "gcs"), env_value("BUCKET_NAME", storage.bucket)]
        if storage.gcs_credentials is not None:
            # Google's client libraries read the key file this names (Application Default Credentials).
            env.append(env_value("GOOGLE_APPLICATION_CREDENTIALS", f"{GCS_KEY_DIR}/{GCS_KEY_FILE}"))
        return env
    if storage.provider == "azure":
        assert storage.azure_account_name is not None and storage.azure_account_key is not None
        key = storage.azure_account_key
        return [
            env_value("RASA_REMOTE_STORAGE", "azure"),
            env_value("AZURE_CONTAINER", storage.bucket),
            env_value("AZURE_ACCOUNT_NAME", storage.azure_account_name),
            env_secret("AZURE_ACCOUNT_KEY", key.name, key.key),
        ]
    env = [
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


def gcs_key_volume(storage: ObjectStorage) -> tuple[list[core.VolumeArgs], list[core.VolumeMountArgs]]:
    """The service-account key file of GOOGLE_APPLICATION_CREDENTIALS, when one is given."""
    ref = storage.gcs_credentials
    if storage.provider != "gcs" or ref is None:
        return [], []
    volume = core.VolumeArgs(
        name=GCS_KEY_VOLUME,
        secret=core.SecretVolumeSourceArgs(
            secret_name=ref.name, items=[core.KeyToPathArgs(key=ref.key, path=GCS_KEY_FILE)], default_mode=0o440
        ),
    )
    return [volume], [mount(GCS_KEY_VOLUME, GCS_KEY_DIR, read_only=True)]


def embedded_pod(
    ctx: Context, inputs: Inputs, service_account: pulumi.Input[str], data_claim: pulumi.Input[str]
) -> core.PodTemplateSpecArgs:
    """The pod of the embedded model service (Rasa Pro's model service, one process)."""
    config = ctx.config.model_service
    object_name = names.MODEL_SERVICE
    storage = inputs.storage
    keycloak = ctx.config.studio.keycloak
    sized = sz.as_resources(config.embedded_shape)
    key_volumes, key_mounts = gcs_key_volume(storage)
    probe = HttpProbe("/", MODEL_SERVICE_PORT, initial_delay_seconds=30)
    security = config.security_context.embedded
    user = opt_in_user(security.run_as_user, security.run_as_group)
    read_only = security.read_only_root_filesystem
    # With the opt-in read-only root, Rasa still writes temporary files.
    tmp_volumes, scratch = rasa_tmp(read_only)
    return pod_template(
        ctx.labels(COMPONENT),
        pod_spec(
            [
                container(
                    object_name,
                    config.rasa_pro.image,
                    user=user,
                    command=["python", "-m", "rasa.model_service"],
                    resources=resources(sized),
                    ports={"http": MODEL_SERVICE_PORT},
                    env=embedded_env(
                        inputs,
                        names.keycloak_url(keycloak.external_url) if ctx.config.studio.uses_keycloak else None,
                        keycloak.realm,
                    ),
                    liveness=probe,
                    readiness=probe,
                    volume_mounts=[mount("model-data", WORKING_DATA), *key_mounts, *scratch],
                    # The chart's container securityContext is empty; Pod Security
                    # `restricted` needs the non-root, no-escalation settings on top.
                    read_only_root_filesystem=read_only,
                )
            ],
            user=user,
            # The chart's podSecurityContext (rasa subchart values.yaml).
            fs_group=JOB_GROUP,
            volumes=[
                *tmp_volumes,
                core.VolumeArgs(
                    name="model-data",
                    persistent_volume_claim=core.PersistentVolumeClaimVolumeSourceArgs(claim_name=data_claim),
                ),
                *key_volumes,
            ],
            service_account_name=service_account,
            image_pull_secrets=image_pull_secrets(ctx),
        ),
        rasa_pod_annotations(object_name, read_only),
        pod_settings=ctx.pod_settings(COMPONENT),
        secrets_checksum=ctx.secrets_checksum,
    )


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
        storage = inputs.storage

        self.service_account = core.ServiceAccount(
            f"{name}-account",
            metadata=ctx.metadata(
                req.EMBEDDED_SERVICE_ACCOUNT,
                COMPONENT,
                annotations=service_account_annotations(config, storage),
            ),
            # Trainings and bots are subprocesses: the pod never calls the Kubernetes API.
            automount_service_account_token=False,
            opts=child,
        )
        # Only this pod mounts it (Recreate), so ReadWriteOnce is enough. Protected with the data:
        # a change that would replace it (another storage class) stops the update.
        self.data = DataVolume(
            f"{name}-data",
            ctx,
            data_pvc_name(ctx.namespace_name),
            COMPONENT,
            shared=False,
            protect=ctx.protect,
            opts=child,
        )

        read_only = config.security_context.embedded.read_only_root_filesystem
        self.deployment = deployment(
            f"{name}-deployment",
            ctx,
            COMPONENT,
            object_name,
            embedded_pod(ctx, inputs, self.service_account.metadata.name, self.data.name),
            # State lives in the process: never two at once, never autoscaled.
            1,
            pulumi.ResourceOptions(parent=self, depends_on=[*storage.ready, *inputs.secret_created]),
            checkov_skips(rasa_image_skips(read_only)),
            strategy=RECREATE,
        )
        self.service = service(
            f"{name}-service",
            ctx,
            COMPONENT,
            object_name,
            "http",
            child,
        )
        self.register_outputs({"service": self.service.metadata.name})
