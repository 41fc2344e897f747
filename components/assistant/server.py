"""The `rasa run` container: its arguments, environment and files, as Rasa's charts/rasa runs it.

RasaHQ/rasa-helm-charts@013a7f9 charts/rasa/values.yaml and templates/rasa/deployment.yaml: the
image's entrypoint is `rasa`, the chart passes `run --port 5005 ...` as args, probes GET / on 5005
(initial delay 15 s, period 15, timeout 5, failure threshold 6) and mounts credentials.yml and
endpoints.yml from a ConfigMap.

Not `--enable-api`: the channels the route serves (REST and Socket.IO) are served by `rasa run`
without it, and so is GET / (the probes). The HTTP API would let anyone who reaches the route
replace the model or read and rewrite conversations, and needs a token or JWT secret to be safe;
nothing of Studio's calls it.
"""

from __future__ import annotations

import hashlib

import pulumi
from pulumi_kubernetes.core import v1 as core

from .. import secrets as studio_secrets
from ..interfaces import AssistantBacking, ObjectStorage, SecretRef
from ..model_service.embedded import remote_storage_env
from ..ports import RASA_PORT
from ..workload import HttpProbe, env_secret
from . import endpoints as ep

CONFIG_VOLUME = "rasa-config"
CONFIG_DIR = "/etc/rasa"
ENDPOINTS_FILE = "endpoints.yml"
CREDENTIALS_FILE = "credentials.yml"
# Rolls the pods when endpoints.yml or credentials.yml change, as the chart's `checksum/config`.
CONFIG_CHECKSUM_ANNOTATION = "checksum/config"
# The emptyDir of the opt-in read-only root (workload.rasa_tmp).
SCRATCH_DIR = "/tmp"
# charts/rasa values.yaml rasa.livenessProbe / readinessProbe.
PROBE = HttpProbe("/", RASA_PORT, initial_delay_seconds=15, period_seconds=15, timeout_seconds=5, failure_threshold=6)
# Rasa opens its port only once the model is downloaded and loaded (rasa/core/run.py loads it in
# `before_server_start`), so the chart's liveness probe alone restarts a pod whose model takes more
# than 15 + 6 x 15 s, over and over. The startup probe holds liveness back for up to 9 minutes
# (within Kubernetes' 10-minute progress deadline); the chart's probes apply once Rasa answers.
STARTUP_PROBE = HttpProbe(
    "/", RASA_PORT, initial_delay_seconds=15, period_seconds=15, timeout_seconds=5, failure_threshold=36
)
# charts/rasa values.yaml rasa.livenessProbe.terminationGracePeriodSeconds.
TERMINATION_GRACE_SECONDS = 30


def args(model_path: str, storage: ObjectStorage, cors: list[str] | None = None) -> list[str]:
    """`rasa run` with the model fetched from the bucket at start.

    rasa.com/docs/reference/integrations/model-storage, "Load Model from Cloud":
    `rasa run --model <name> --remote-storage aws|gcs|azure`, with the bucket and its credentials
    from the environment (BUCKET_NAME, AWS_*; remote_storage_env).

    `--cors` (assistant.cors): Rasa answers a browser's cross-origin requests, Socket.IO's polling
    among them, only for these origins (rasa/server.py `configure_cors`, also without the API);
    its Socket.IO server checks no origin itself (`cors_allowed_origins=[]`)."""
    return [
        "run",
        "--port",
        str(RASA_PORT),
        "--model",
        model_path,
        "--remote-storage",
        storage.provider,
        "--endpoints",
        f"{CONFIG_DIR}/{ENDPOINTS_FILE}",
        "--credentials",
        f"{CONFIG_DIR}/{CREDENTIALS_FILE}",
        *(["--cors", *cors] if cors else []),
    ]


def _ref(name: str, ref: SecretRef) -> core.EnvVarArgs:
    return env_secret(name, ref.name, ref.key)


def env(backing: AssistantBacking, storage: ObjectStorage, secret_name: str) -> list[core.EnvVarArgs]:
    """The license and LLM key from studio-secrets (as the model service reads them), the passwords
    endpoints.yml names, and the bucket's variables."""
    found = [
        env_secret("RASA_PRO_LICENSE", secret_name, studio_secrets.RASA_PRO_LICENSE),
        # Always in studio-secrets, empty when no OpenAI key is configured: an assistant trained in
        # Studio calls its LLM with it.
        env_secret("OPENAI_API_KEY", secret_name, studio_secrets.OPENAI_API_KEY),
        _ref(ep.DB_PASSWORD_ENV, backing.tracker.password),
    ]
    if ep.sasl(backing.kafka) and backing.kafka.password is not None:
        found.append(_ref(ep.KAFKA_PASSWORD_ENV, backing.kafka.password))
    if backing.lock_store is not None and backing.lock_store.password is not None:
        found.append(_ref(ep.REDIS_PASSWORD_ENV, backing.lock_store.password))
    return [*found, *remote_storage_env(storage)]


def secret_refs(backing: AssistantBacking) -> list[SecretRef | None]:
    """The Secret references the pod reads besides studio-secrets (for depends_on)."""
    lock = backing.lock_store
    return [backing.tracker.password, backing.kafka.password, lock.password if lock is not None else None]


def endpoints_yaml(backing: AssistantBacking, namespace: str, action_port: int | None) -> pulumi.Output[str]:
    """endpoints.yml once the backing services' addresses are known (RDS and MSK give them as outputs)."""
    kafka, tracker, lock = backing.kafka, backing.tracker, backing.lock_store

    def build(values: list[str | None]) -> str:
        servers, username, db_host, lock_host = values
        assert servers is not None and db_host is not None
        return ep.to_yaml(
            ep.endpoints(
                broker=ep.event_broker(kafka, servers, username, backing.topic),
                tracker=ep.tracker_store(tracker, db_host, backing.tracker_database),
                lock=ep.lock_store(lock, str(lock_host)) if lock is not None else None,
                action=ep.action_endpoint(namespace, action_port) if action_port is not None else None,
            )
        )

    return pulumi.Output.all(
        kafka.bootstrap_servers,
        kafka.username if ep.sasl(kafka) else None,
        tracker.host,
        lock.host if lock is not None else None,
    ).apply(build)


def checksum(*documents: str) -> str:
    digest = hashlib.sha256()
    for document in documents:
        digest.update(document.encode())
        digest.update(b"\0")
    return digest.hexdigest()
