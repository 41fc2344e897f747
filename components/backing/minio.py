"""In-cluster MinIO (dev): S3-compatible storage for trained models, and a Job that makes the bucket.

The root credentials are generated into one Secret that also carries them as
AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, the names the model services' S3 clients read.
MinIO reads its root credentials from the environment at every start, and since
RELEASE.2021-04-22 (minio/minio 3455f786, "kms: encrypt IAM/config data with the KMS") it encrypts
its config and IAM data with a KMS if one is configured, no longer with the root credentials; this
one has none and no IAM users. So a new root password (`passwordRotation.minioRootPassword`)
takes effect when the pod restarts on its checksum, and the model services roll on theirs
(components/studio.py).
"""

from __future__ import annotations

from collections.abc import Sequence

import pulumi
import pulumi_random as random
from pulumi_kubernetes.apps import v1 as apps
from pulumi_kubernetes.batch import v1 as batch
from pulumi_kubernetes.core import v1 as core

from config.backing import MinioStorage
from config.base import ResourceList, Resources
from config.workloads import fixed_resources

from .. import workload
from ..context import Context
from ..interfaces import ObjectStorage
from ..labels import ComponentName
from ..names import MINIO_PORT, MINIO_SERVICE
from ..secrets import StudioSecrets, generated_password
from ..waits import JOB_ACTIVE_DEADLINE_SECONDS, job_options, logs_as_termination_message, wait_for
from ..workload import CHECKSUM_ANNOTATION
from .common import REPLACE_UNREADY, data_stateful_set, grow_claims, spec_hash

COMPONENT: ComponentName = "object-storage"
CREDENTIALS_SECRET = "minio-credentials"
REGION = "us-east-1"
USER = workload.User(uid=1000, gid=1000)
DEFAULT_RESOURCES = fixed_resources("object-storage")
JOB_RESOURCES = Resources(
    requests=ResourceList(cpu="50m", memory="64Mi"), limits=ResourceList(cpu="250m", memory="128Mi")
)

# `mc alias set` checks the endpoint and the credentials; it is the wait.
BUCKET_SCRIPT = (
    "set -eu\n"
    + wait_for(
        "MinIO at $MINIO_ENDPOINT",
        'mc alias set studio "$MINIO_ENDPOINT" "$MINIO_ROOT_USER" "$MINIO_ROOT_PASSWORD" >/dev/null',
    )
    + 'mc mb --ignore-existing "studio/$BUCKET_NAME"\n'
)


def endpoint(ctx: Context) -> str:
    return f"http://{ctx.service_host(MINIO_SERVICE)}:{MINIO_PORT}"


def minio_pod(ctx: Context, cfg: MinioStorage, credentials_checksum: pulumi.Input[str]) -> core.PodTemplateSpecArgs:
    """The server's pod; `credentials_checksum` (a keyed digest of the root credentials) restarts
    it with new ones."""
    server = workload.container(
        "minio",
        f"{cfg.image}:{cfg.tag}",
        user=USER,
        resources=workload.resources(DEFAULT_RESOURCES, cfg.resources),
        ports={"s3": MINIO_PORT},
        env=[
            workload.env_secret("MINIO_ROOT_USER", CREDENTIALS_SECRET, "MINIO_ROOT_USER"),
            workload.env_secret("MINIO_ROOT_PASSWORD", CREDENTIALS_SECRET, "MINIO_ROOT_PASSWORD"),
            workload.env_value("MINIO_BROWSER", "off"),
        ],
        # --certs-dir: MinIO would otherwise create ~/.minio/certs in the read-only image.
        command=["minio", "server", "/data", "--address", f":{MINIO_PORT}", "--certs-dir", "/tmp/certs"],
        liveness=workload.HttpProbe("/minio/health/live", MINIO_PORT, initial_delay_seconds=10, period_seconds=20),
        readiness=workload.HttpProbe("/minio/health/ready", MINIO_PORT, initial_delay_seconds=5, period_seconds=10),
        volume_mounts=[workload.mount("data", "/data"), workload.mount("tmp", "/tmp")],
    )
    return workload.pod_template(
        ctx.labels(COMPONENT),
        workload.pod_spec([server], user=USER, fs_group=USER.gid, volumes=[workload.empty_dir("tmp", "64Mi")]),
        {CHECKSUM_ANNOTATION: credentials_checksum},
        pod_settings=ctx.pod_settings("object-storage"),
    )


def bucket_pod(ctx: Context, cfg: MinioStorage) -> core.PodTemplateSpecArgs:
    """The bucket Job's pod: mc creates the bucket as the root user."""
    mc = logs_as_termination_message(
        workload.container(
            "make-bucket",
            f"{cfg.mc_image}:{cfg.mc_tag}",
            user=USER,
            resources=workload.resources(JOB_RESOURCES),
            env=[
                workload.env_value("MINIO_ENDPOINT", endpoint(ctx)),
                workload.env_value("BUCKET_NAME", cfg.bucket),
                workload.env_value("MC_CONFIG_DIR", "/tmp/.mc"),
                workload.env_secret("MINIO_ROOT_USER", CREDENTIALS_SECRET, "MINIO_ROOT_USER"),
                workload.env_secret("MINIO_ROOT_PASSWORD", CREDENTIALS_SECRET, "MINIO_ROOT_PASSWORD"),
            ],
            command=["sh", "-c", BUCKET_SCRIPT],
            volume_mounts=[workload.mount("tmp", "/tmp")],
        )
    )
    return workload.pod_template(
        # A pod group of its own (labels.HELPER_OWNER): the Job has its own flows.
        ctx.pod_labels("minio-bucket"),
        workload.pod_spec([mc], user=USER, volumes=[workload.empty_dir("tmp", "16Mi")], restart_policy="OnFailure"),
        pod_settings=ctx.pod_settings("minio-bucket"),
    )


def storage_interface(ctx: Context, cfg: MinioStorage, ready: Sequence[pulumi.Resource] = ()) -> ObjectStorage:
    """What Studio's clients get: the S3 endpoint, and the root credentials by Secret name."""
    return ObjectStorage(
        bucket=cfg.bucket,
        region=REGION,
        endpoint=endpoint(ctx),
        # Plain text; readers depend on the Secret in `ready` (interfaces.SecretRef says why).
        credentials_secret=CREDENTIALS_SECRET,
        ready=list(ready),
    )


class Minio(pulumi.ComponentResource):
    root_user: random.RandomPassword
    root_password: random.RandomPassword
    credentials: core.Secret
    service: core.Service
    stateful_set: apps.StatefulSet
    # Hold (and grow) the storage request of each claim the StatefulSet made.
    claims: list[core.PersistentVolumeClaimPatch]
    bucket_job: batch.Job
    object_storage: ObjectStorage
    # The values of `credentials`, for the checksum of the pods that read them.
    credential_values: list[pulumi.Output[str]]

    def __init__(
        self,
        name: str,
        ctx: Context,
        cfg: MinioStorage,
        secrets: StudioSecrets,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("rasa-studio:backing:Minio", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        selector = ctx.selector(COMPONENT)

        # The user name stays: a rotation changes the password only.
        keep = pulumi.ResourceOptions(parent=self, protect=ctx.protect)
        self.root_user = random.RandomPassword(f"{name}-root-user", length=20, special=False, upper=False, opts=keep)
        self.root_password = generated_password(
            f"{name}-root-password", ctx.config.password_rotation.minio_root_password, self, length=40
        )
        user: pulumi.Output[str] = pulumi.Output.secret(self.root_user.result)
        password: pulumi.Output[str] = pulumi.Output.secret(self.root_password.result)
        self.credentials = core.Secret(
            f"{name}-credentials",
            metadata=ctx.metadata(CREDENTIALS_SECRET, COMPONENT),
            type="Opaque",
            string_data={
                "MINIO_ROOT_USER": user,
                "MINIO_ROOT_PASSWORD": password,
                "AWS_ACCESS_KEY_ID": user,
                "AWS_SECRET_ACCESS_KEY": password,
            },
            opts=child,
        )
        self.credential_values = [self.root_user.result, self.root_password.result]
        self.service = core.Service(
            f"{name}-service",
            metadata=ctx.metadata(MINIO_SERVICE, COMPONENT),
            spec=core.ServiceSpecArgs(
                type="ClusterIP",
                selector=selector,
                ports=[core.ServicePortArgs(name="s3", port=MINIO_PORT, target_port="s3", protocol="TCP")],
            ),
            opts=child,
        )
        self.stateful_set = data_stateful_set(
            f"{name}-statefulset",
            ctx,
            COMPONENT,
            MINIO_SERVICE,
            minio_pod(ctx, cfg, secrets.digest(*self.credential_values)),
            cfg.storage_size,
            parent=self,
            depends_on=[self.credentials],
        )
        self.claims = grow_claims(name, ctx, self.stateful_set, MINIO_SERVICE, 1, cfg.storage_size, self)
        self.bucket_job = batch.Job(
            f"{name}-bucket-job",
            metadata=ctx.metadata(
                f"minio-bucket-{spec_hash({'bucket': cfg.bucket})}", COMPONENT, annotations=dict(REPLACE_UNREADY)
            ),
            spec=batch.JobSpecArgs(
                backoff_limit=6,
                active_deadline_seconds=JOB_ACTIVE_DEADLINE_SECONDS,
                template=bucket_pod(ctx, cfg),
            ),
            opts=job_options(self, [self.stateful_set, self.credentials]),
        )
        self.object_storage = storage_interface(ctx, cfg, [self.credentials, self.stateful_set, self.bucket_job])
        self.register_outputs({"bucket": cfg.bucket, "endpoint": endpoint(ctx)})
