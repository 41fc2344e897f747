"""EmbeddedModelService: Rasa Pro's own model service (Studio >= 1.10; RasaHQ/rasa-helm-charts charts/rasa, chart 2.3.0, as charts/studio 2.6.0 configures it).

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
from ..interfaces import ObjectStorage
from ..labels import ComponentName
from ..secrets import image_pull_secrets
from ..workload import (
    HttpProbe,
    container,
    env_secret,
    env_value,
    mount,
    pod_spec,
    pod_template,
    resources,
    writable_root,
)
from .data_volume import DataVolume
from .env import BOT_TALK_SUB_PATH, Inputs
from .pods import RASA_USER, service_account_annotations

COMPONENT: ComponentName = "model-service"
PORT = 8000
WORKING_DATA = "/app/working-data"
GCS_KEY_VOLUME = "gcs-credentials"
GCS_KEY_DIR = "/etc/rasa/gcs"
GCS_KEY_FILE = "credentials.json"


def data_pvc_name(namespace: str) -> str:
    return f"rasa-pro-data-pvc-{namespace}"


def embedded_env(i: Inputs, keycloak_url: str, keycloak_realm: str) -> list[core.EnvVarArgs]:
    trainings, bot_runs = i.config.embedded_limits
    storage = i.storage
    env = [
        env_secret("RASA_PRO_LICENSE", i.secret_name, studio_secrets.RASA_PRO_LICENSE),
        # The key exists only when an OpenAI key is configured; assistants without LLMs run without.
        env_secret("OPENAI_API_KEY", i.secret_name, studio_secrets.OPENAI_API_KEY, optional=True),
        # The chart's `shared-environment` ConfigMap values, set directly (RasaHQ/rasa-helm-charts charts/studio/templates/shared-env-configmap.yaml, chart 2.6.0) so this
        # pod depends on no other component's ConfigMap.
        env_value("RASA_MODEL_SERVER_BASE_URL", f"{i.public_url}/{BOT_TALK_SUB_PATH}"),
        env_value("KEYCLOAK_URL", keycloak_url),
        env_value("KEYCLOAK_REALM", keycloak_realm),
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
        keycloak = ctx.config.studio.keycloak

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
        # Only this pod mounts it (Recreate), so ReadWriteOnce is enough.
        self.data = DataVolume(
            f"{name}-data", ctx, data_pvc_name(ctx.namespace_name), COMPONENT, shared=False, opts=child
        )

        sized = sz.as_resources(config.embedded_shape)
        key_volumes, key_mounts = gcs_key_volume(storage)
        probe = HttpProbe("/", PORT, initial_delay_seconds=30)
        self.deployment = apps.Deployment(
            f"{name}-deployment",
            metadata=ctx.metadata(object_name, COMPONENT),
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
                                user=RASA_USER,
                                command=["python", "-m", "rasa.model_service"],
                                resources=resources(sized),
                                ports={"http": PORT},
                                env=embedded_env(
                                    inputs,
                                    names.keycloak_url(keycloak.external_url),
                                    keycloak.realm,
                                ),
                                liveness=probe,
                                readiness=probe,
                                volume_mounts=[mount("model-data", WORKING_DATA), *key_mounts],
                                # Rasa writes caches and training artefacts under its home (/app)
                                # beside working-data, in paths that vary by version: the root
                                # filesystem stays writable for this one container.
                                read_only_root_filesystem=False,
                            )
                        ],
                        user=RASA_USER,
                        fs_group=RASA_USER.gid,
                        volumes=[
                            core.VolumeArgs(
                                name="model-data",
                                persistent_volume_claim=core.PersistentVolumeClaimVolumeSourceArgs(
                                    claim_name=self.data.name
                                ),
                            ),
                            *key_volumes,
                        ],
                        service_account_name=self.service_account.metadata.name,
                        image_pull_secrets=image_pull_secrets(ctx),
                    ),
                    writable_root({object_name: "Rasa writes caches and training artefacts under /app"}),
                    knobs=ctx.knobs("modelService.pods.embedded"),
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
