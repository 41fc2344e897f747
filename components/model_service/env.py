"""Environment of the orchestrated model services, exactly as the legacy chart 1.x names it.

RasaHQ/rasa-helm-charts@f7ef5c9 (chart 1.2.6) charts/studio/templates/model-service/_env.tpl and
the per-container `environmentVariables` defaults in charts/studio/values.yaml. Plain functions: which variable a container gets is decided
here and unit-tested through the rendered manifests.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import pulumi
from pulumi_kubernetes.core import v1 as core

from config.model_service import Check, ModelServiceConfig

from .. import kafka_ca, names
from .. import requirements as req
from .. import secrets as studio_secrets
from ..interfaces import Database, Kafka, ObjectStorage, SecretRef
from ..workload import env_secret, env_value

Kind = Literal["training", "running"]

# Data volume of the consumers and their Jobs; the Rasa bot config is mounted at /app in a Job.
DATA_PATH = "/home"
JOB_BOT_CONFIG_MOUNT = "/app"
BOT_TALK_SUB_PATH = "talk"

TRAINING_GROUP = "training-result-consumer-group"
DEPLOYMENT_GROUP = "deployment-result-consumer-group"


@dataclass(frozen=True)
class Inputs:
    """What the model-service env is built from."""

    config: ModelServiceConfig
    namespace: str
    public_url: str
    # Where browsers reach the model service under public_url (config/versions.py model_service_path).
    talk_path: str
    # None with the embedded model service when event ingestion is off (no Kafka deployed).
    kafka: Kafka | None
    database: Database
    storage: ObjectStorage
    # studio-secrets by plain name, and the Secret for depends_on (interfaces.SecretRef says why);
    # None where the pods are only built, never registered (components/pod_shapes.py).
    secret_name: str
    secret: pulumi.Resource | None

    @property
    def secret_created(self) -> list[pulumi.Resource]:
        """What a reader of studio-secrets lists in depends_on."""
        return [] if self.secret is None else [self.secret]


def _ref(name: str, ref: SecretRef) -> core.EnvVarArgs:
    return env_secret(name, ref.name, ref.key)


def sasl_mechanism(mechanism: str) -> str:
    # INFERRED: these services are Python on confluent-kafka (librdkafka), whose
    # sasl.mechanisms is case-sensitive ("PLAIN"); the Node ingestion service takes "plain".
    return mechanism.upper() if mechanism == "plain" else mechanism


def kafka_env(kafka: Kafka, secret_name: str) -> list[core.EnvVarArgs]:
    """Every KAFKA_* the chart's model-service/_env.tpl renders, "" where it is unset
    (`modelService.kafka.*` defaults); the password from the Kafka's own Secret, else
    studio-secrets KAFKA_SASL_PASSWORD, which the chart references whatever the protocol."""
    sasl = kafka.sasl_mechanism is not None and kafka.security_protocol.startswith("SASL")
    password = (
        _ref("KAFKA_SASL_PASSWORD", kafka.password)
        if sasl and kafka.password is not None
        else env_secret("KAFKA_SASL_PASSWORD", secret_name, studio_secrets.KAFKA_SASL_PASSWORD)
    )
    return [
        env_value("KAFKA_BROKER_ADDRESS", kafka.bootstrap_servers),
        env_value("KAFKA_SECURITY_PROTOCOL", kafka.security_protocol),
        env_value(
            "KAFKA_SASL_MECHANISM", sasl_mechanism(kafka.sasl_mechanism) if sasl and kafka.sasl_mechanism else ""
        ),
        env_value("KAFKA_SASL_USERNAME", kafka.username if sasl and kafka.username is not None else ""),
        env_value("KAFKA_SSL_CA_LOCATION", kafka_ca.FILE if kafka_ca.ca_secret(kafka) is not None else ""),
        password,
    ]


def storage_env(storage: ObjectStorage) -> list[core.EnvVarArgs]:
    """S3 access: static keys only when the storage hands out a Secret; otherwise IRSA."""
    env = [
        env_value("STORAGE_TYPE", "aws_s3"),
        env_value("REGION_NAME", storage.region),
    ]
    if storage.credentials_secret is not None:
        env += [
            env_secret("AWS_ACCESS_KEY_ID", storage.credentials_secret, "AWS_ACCESS_KEY_ID"),
            env_secret("AWS_SECRET_ACCESS_KEY", storage.credentials_secret, "AWS_SECRET_ACCESS_KEY"),
        ]
    if storage.endpoint is not None:
        # Not in the chart (AWS S3 or GCS only): boto3 >= 1.28 reads AWS_ENDPOINT_URL, which
        # points the services at MinIO or another S3-compatible store.
        env.append(env_value("AWS_ENDPOINT_URL", storage.endpoint))
    return env


def shared_env(i: Inputs) -> list[core.EnvVarArgs]:
    """All four services (_env.tpl `modelService.shared.env`)."""
    assert i.kafka is not None  # the orchestrated services always have Kafka (config.kafka_needed)
    return [
        env_value("KUBERNETES_NAMESPACE", i.namespace),
        env_value("RUNS_IN_CLUSTER", "true"),
        env_value("AUTHENTICATION_ENDPOINT_ENABLED", "false"),
        *kafka_env(i.kafka, i.secret_name),
        env_secret("RASA_PRO_LICENSE", i.secret_name, studio_secrets.RASA_PRO_LICENSE),
        env_value("TRAINING_STORAGE_BUCKET", i.storage.bucket),
        *storage_env(i.storage),
    ]


def orchestrator_env(kind: Kind, i: Inputs) -> list[core.EnvVarArgs]:
    env = shared_env(i)
    if kind == "running":
        env.append(env_value("DEPLOYMENT_STORAGE_BUCKET", i.storage.bucket))
    env += [
        # Studio supports only postgres as the orchestrators' persistence backend.
        env_value("PERSISTOR_BACKEND", "postgres"),
        env_value("POSTGRES_HOST", i.database.host),
        env_value("POSTGRES_PORT", str(i.database.port)),
        env_value("POSTGRES_DATABASE", req.MODEL_SERVICE_DATABASE),
        env_value("POSTGRES_USERNAME", i.database.username),
        _ref("POSTGRES_PASSWORD", i.database.password),
    ]
    if kind == "training":
        env += [
            env_value("TRAINING_JOB_TOPIC", req.TRAINING_JOB_TOPIC),
            env_value("TRAINING_RESULT_TOPIC", req.TRAINING_RESULT_TOPIC),
            env_value("KAFKA_TRAINING_STATUS_UPDATE_TOPIC", req.TRAINING_STATUS_UPDATE_TOPIC),
            env_value("TRAINING_RESULT_CONSUMER_GROUP_ID", TRAINING_GROUP),
        ]
    else:
        env += [
            env_value("DEPLOYMENT_JOB_TOPIC", req.DEPLOYMENT_JOB_TOPIC),
            env_value("DEPLOYMENT_RESULT_TOPIC", req.DEPLOYMENT_RESULT_TOPIC),
            env_value("DEPLOYMENT_RESULT_CONSUMER_GROUP_ID", DEPLOYMENT_GROUP),
        ]
    return env


def orchestrator_url(kind: Kind, namespace: str) -> str:
    service, port = (
        (names.MODEL_TRAINING_SERVICE, names.MODEL_TRAINING_PORT)
        if kind == "training"
        else (names.MODEL_RUNNING_SERVICE, names.MODEL_RUNNING_PORT)
    )
    return f"http://{service}.{namespace}.svc.cluster.local:{port}"


def data_pvc_name(kind: Kind, namespace: str) -> str:
    # The consumers pass this name into the Jobs they create (KUBERNETES_DATA_PVC).
    return f"model-{kind}-service-data-pvc-{namespace}"


def _checks(prefix: str, failure_name: str, check: Check) -> list[core.EnvVarArgs]:
    return [
        env_value(f"{prefix}_INITIAL_DELAY_SECONDS", str(check.initial_delay_seconds)),
        env_value(f"{prefix}_INTERVAL_IN_SECONDS", str(check.interval_seconds)),
        env_value(failure_name, str(check.failure_threshold)),
    ]


def consumer_env(kind: Kind, i: Inputs) -> list[core.EnvVarArgs]:
    job = i.config.job
    env = shared_env(i)
    env += [
        env_value("ORCHESTRATOR_HTTP_API_URL", orchestrator_url(kind, i.namespace)),
        env_value("KUBERNETES_DATA_PVC", data_pvc_name(kind, i.namespace)),
        env_value(
            "KUBERNETES_BASE_TRAINING_DATA_PATH" if kind == "training" else "KUBERNETES_BASE_BOT_DATA_PATH", DATA_PATH
        ),
        env_value("KUBERNETES_JOB_BOT_CONFIG_MOUNT", JOB_BOT_CONFIG_MOUNT),
        # The Rasa Pro image of the Jobs. Chart 1.x set DOCKER_IMAGE_TAG on the backend (chart 1.2.6
        # templates/studio/backend/deployment.yaml); the consumers start the Jobs, so they get it too.
        env_value("DOCKER_IMAGE_TAG", i.config.rasa_pro.image),
        env_value("RASA_REQUESTS_CPU", job.resources.requests.cpu),
        env_value("RASA_REQUESTS_MEMORY", job.resources.requests.memory),
        env_value("RASA_LIMITS_CPU", job.resources.limits.cpu),
        env_value("RASA_LIMITS_MEMORY", job.resources.limits.memory),
        env_value("RASA_DEBUG_LOGS", "true" if job.debug_logs else "false"),
        # Secret names and keys, not values: the Jobs reference the Secret themselves.
        env_value("RASA_PRO_LICENSE_SECRET_NAME", i.secret_name),
        env_value("RASA_PRO_LICENSE_SECRET_KEY", studio_secrets.RASA_PRO_LICENSE),
        env_value("OPENAI_API_KEY_SECRET_NAME", i.secret_name),
        env_value("OPENAI_API_KEY_SECRET_KEY", studio_secrets.OPENAI_API_KEY),
        env_value("BUCKET_NAME", i.storage.bucket),
    ]
    if kind == "training":
        env += [
            env_value("KAFKA_JOB_TOPIC", req.TRAINING_JOB_TOPIC),
            env_value("KAFKA_RESULT_TOPIC", req.TRAINING_RESULT_TOPIC),
            # The chart's default reuses the orchestrator's group name here.
            env_value("MODEL_TRAINING_KAFKA_CONSUMER_ID", TRAINING_GROUP),
        ]
    else:
        env += [
            env_value("DEPLOYMENT_JOB_KAFKA_TOPIC", req.DEPLOYMENT_JOB_TOPIC),
            env_value("KAFKA_DEPLOYMENT_RESULT_TOPIC", req.DEPLOYMENT_RESULT_TOPIC),
            env_value("MODEL_DEPLOYMENT_KAFKA_CONSUMER_ID", DEPLOYMENT_GROUP),
            env_value("BASE_DOMAIN", i.public_url),
            env_value("BOT_TALK_SUB_PATH", BOT_TALK_SUB_PATH),
            *_checks("RASA_READINESS_CHECK", "RASA_READINESS_FAILURE_THRESHOLD", job.readiness_check),
            *_checks("RASA_STARTUP_CHECK", "RASA_STARTUP_FAILURE_THRESHOLD", job.startup_check),
        ]
    return env
