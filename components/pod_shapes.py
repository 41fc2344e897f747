"""Every pod the stack runs, built from config alone: the names the program sets on each.

The validation pass needs them before anything is registered, and every such name is a literal
that follows from config (the Studio version, the security opt-ins, the backing services' modes);
only values are Outputs. So the pods are built here by the very functions the components build
them with (the `*_pod` beside each component), from the backing services' interfaces as each
implementation makes them (`*_interface`, `external_*`), with placeholders where the program has
an Output (an address, a digest, a Secret object): no name depends on one. The operator's pod
settings are left out (BareContext), so what remains is the program's own.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass

from pulumi_kubernetes.core import v1 as core

from config import StackConfig, workloads
from config.backing import InClusterDatabase, InClusterKafka, MinioStorage, MskKafka, RdsDatabase, S3Storage
from config.base import SecretKeyRef
from config.lock_store import ExternalLockStore, InClusterLockStore
from config.pods import PodSettings
from config.versions import contract_for

from . import names
from . import secrets as s
from .assistant import assistant_pod
from .assistant.action_server import action_server_pod
from .backing import kafka_in_cluster, minio, postgresql_in_cluster
from .backing.database_init import Server, init_pod
from .backing.kafka_external import external_kafka
from .backing.kafka_topics import DEFAULT_IMAGE, topics_pod
from .backing.lock_store_in_cluster import lock_store_pod
from .backing.postgresql_backup import backup_pods
from .backing.postgresql_external import external_database
from .backing.storage_external import external_storage
from .context import Context
from .interfaces import AssistantBacking, Database, Kafka, LockStore, ObjectStorage, SecretRef
from .labels import PodGroup
from .model_service.embedded import embedded_pod
from .model_service.env import Inputs
from .model_service.orchestrated import RUNNING, TRAINING, Half, half_pods
from .model_service.pods import default_resources
from .model_service.talk_proxy import talk_proxy_pod
from .pod_clash import PodShape, template_shape
from .requirements import requirements
from .studio_app.backend import backend_pod
from .studio_app.event_ingestion import event_ingestion_pod
from .studio_app.keycloak import keycloak_pod
from .studio_app.migration import migration_pod
from .studio_app.web_client import web_client_pod
from .workload import KeyedPodSettings

# Where the program has an Output or a value no name depends on.
PLACEHOLDER = ""


@dataclass(frozen=True)
class BareContext(Context):
    """A Context whose pods carry none of the operator's pod settings."""

    def pod_settings(self, group: PodGroup) -> KeyedPodSettings:
        return KeyedPodSettings(workloads.workload(group).key, PodSettings())


@dataclass(frozen=True)
class Backing:
    """The backing services' interfaces, as the chosen implementations make them."""

    database: Database
    # None when nothing the stack runs uses Kafka.
    kafka: Kafka | None
    storage: ObjectStorage


def _ref(key: str) -> SecretRef:
    return SecretRef(s.SECRET_NAME, key)


def backing(ctx: Context) -> Backing:
    config = ctx.config
    return Backing(_database(ctx, config), _kafka(ctx, config), _storage(ctx, config))


def _database(ctx: Context, config: StackConfig) -> Database:
    cfg, password = config.database, _ref(s.DATABASE_PASSWORD)
    if isinstance(cfg, InClusterDatabase):
        return postgresql_in_cluster.database_interface(ctx, cfg, password)
    if isinstance(cfg, RdsDatabase):
        from .backing import postgresql_rds

        return postgresql_rds.database_interface(cfg, PLACEHOLDER, password)
    return external_database(cfg)


def _kafka(ctx: Context, config: StackConfig) -> Kafka | None:
    cfg, password = config.kafka, _ref(s.KAFKA_SASL_PASSWORD)
    if not requirements(config).topics:
        return None
    if isinstance(cfg, InClusterKafka):
        return kafka_in_cluster.kafka_interface(ctx, password)
    if isinstance(cfg, MskKafka):
        from .backing import kafka_msk

        return kafka_msk.kafka_interface(PLACEHOLDER, password)
    return external_kafka(cfg)


def _storage(ctx: Context, config: StackConfig) -> ObjectStorage:
    cfg = config.object_storage
    if isinstance(cfg, MinioStorage):
        return minio.storage_interface(ctx, cfg)
    if isinstance(cfg, S3Storage):
        from .backing import s3

        return s3.storage_interface(PLACEHOLDER, PLACEHOLDER, PLACEHOLDER)
    return external_storage(cfg)


Template = core.PodTemplateSpecArgs | None
Builder = Callable[[Context, Backing], Template]


def _database_url(ctx: Context) -> SecretRef | None:
    """Where DATABASE_URL is read, for the Studio versions that read it (secrets.database_url_ref)."""
    return (
        SecretRef(s.DATABASE_URL_SECRET, s.DATABASE_URL)
        if contract_for(ctx.config.studio.version).database_url
        else None
    )


def _inputs(ctx: Context, b: Backing) -> Inputs:
    studio = ctx.config.studio
    return Inputs(
        config=ctx.config.model_service,
        namespace=ctx.namespace_name,
        public_url=studio.path_url("talk"),
        talk_path=studio.contract.model_service_path,
        kafka=b.kafka,
        database=b.database,
        storage=b.storage,
        secret_name=s.SECRET_NAME,
        secret=None,
    )


def _kafka_of(b: Backing) -> Kafka:
    assert b.kafka is not None  # the pods that read it run only with topics (requirements.py)
    return b.kafka


def _topics(ctx: Context, b: Backing) -> Template:
    config = ctx.config
    in_cluster = isinstance(config.kafka, InClusterKafka)
    scram = kafka_in_cluster.scram_user(_ref(s.KAFKA_SASL_PASSWORD)) if in_cluster else None
    if scram is not None and config.assistant.enabled:
        # The assistant's SCRAM user, which the Job keeps beside Studio's (backing/assistant_access.py).
        assistant = (config.assistant.kafka.username, SecretRef(names.ASSISTANT_CREDENTIALS_SECRET, PLACEHOLDER))
        scram = dataclasses.replace(scram, assistant=assistant)
    return topics_pod(ctx, _kafka_of(b), requirements(config).topics, config.kafka.topics, DEFAULT_IMAGE, scram)


def _database_init(ctx: Context, b: Backing) -> Template:
    server = Server(PLACEHOLDER, PLACEHOLDER, 0, PLACEHOLDER, PLACEHOLDER, _ref(s.DATABASE_PASSWORD), PLACEHOLDER)
    return init_pod(
        ctx,
        server,
        username=PLACEHOLDER,
        password=_ref(s.DATABASE_PASSWORD),
        databases=(),
    )


def _backup(ctx: Context, b: Backing) -> tuple[Template, Template]:
    cfg = ctx.config.database
    assert isinstance(cfg, InClusterDatabase) and cfg.backup is not None
    admin = SecretRef(postgresql_in_cluster.ADMIN_SECRET, "password")
    return backup_pods(ctx, cfg.backup, postgresql_in_cluster.dumped(ctx, cfg, admin, (), b.storage))


def _in_cluster_kafka(ctx: Context) -> InClusterKafka:
    assert isinstance(ctx.config.kafka, InClusterKafka)
    return ctx.config.kafka


def _in_cluster_database(ctx: Context) -> InClusterDatabase:
    assert isinstance(ctx.config.database, InClusterDatabase)
    return ctx.config.database


def _minio(ctx: Context) -> MinioStorage:
    assert isinstance(ctx.config.object_storage, MinioStorage)
    return ctx.config.object_storage


def _side(index: int, half: Half) -> Builder:
    """The orchestrator's (0) or the consumers' (1) pod of one side."""

    def build(ctx: Context, b: Backing) -> Template:
        return half_pods(ctx, half, _inputs(ctx, b), service_account=PLACEHOLDER, data_claim=PLACEHOLDER)[index]

    return build


def _given_or(given: SecretKeyRef | None, key: str) -> SecretRef:
    """The user's Secret key (external modes), else the one the stack creates in rasa-credentials."""
    return SecretRef(given.name, given.key) if given is not None else SecretRef(names.ASSISTANT_CREDENTIALS_SECRET, key)


def _assistant_backing(ctx: Context, b: Backing) -> AssistantBacking:
    """What BackingServices hands the assistant (backing/assistant_access.py, lock_store.py), by name."""
    cfg = ctx.config.assistant
    kafka = _kafka_of(b)
    password = _given_or(cfg.kafka.password_secret, names.ASSISTANT_KAFKA_PASSWORD_KEY)
    store = cfg.lock_store
    lock: LockStore | None = None
    if isinstance(store, ExternalLockStore):
        given = store.password_secret
        lock = LockStore(
            PLACEHOLDER, 0, store.tls, password=None if given is None else SecretRef(given.name, given.key)
        )
    elif store.mode != "in-memory":
        lock = LockStore(
            PLACEHOLDER,
            0,
            store.mode == "elasticache",
            password=SecretRef(names.LOCK_STORE_SECRET, names.LOCK_STORE_PASSWORD_KEY),
        )
    return AssistantBacking(
        tracker=dataclasses.replace(
            b.database,
            username=cfg.tracker_store.username,
            password=_given_or(cfg.tracker_store.password_secret, names.ASSISTANT_DB_PASSWORD_KEY),
        ),
        tracker_database=cfg.tracker_store.database,
        kafka=dataclasses.replace(kafka, username=None, password=None)
        if kafka.sasl_mechanism is None
        else dataclasses.replace(kafka, username=cfg.kafka.username, password=password),
        topic=PLACEHOLDER,
        lock_store=lock,
    )


def _action_server(ctx: Context, b: Backing) -> Template:
    cfg = ctx.config.assistant.action_server
    assert cfg is not None
    return action_server_pod(ctx, cfg)


def _lock_store(ctx: Context, b: Backing) -> Template:
    cfg = ctx.config.assistant.lock_store
    assert isinstance(cfg, InClusterLockStore)
    return lock_store_pod(ctx, cfg, PLACEHOLDER)


# How each pod group is built, with what its component is given (components/studio.py and the
# components it composes).
BUILDERS: dict[str, Builder] = {
    "web-client": lambda ctx, b: web_client_pod(ctx, PLACEHOLDER),
    "backend": lambda ctx, b: backend_pod(
        ctx, b.database, _ref(s.KEYCLOAK_ADMIN_PASSWORD), _ref(s.KEYCLOAK_API_PASSWORD), _database_url(ctx)
    ),
    "database-migration": lambda ctx, b: migration_pod(ctx, b.database, _database_url(ctx)),
    "keycloak": lambda ctx, b: keycloak_pod(ctx, b.database, _ref(s.KEYCLOAK_ADMIN_PASSWORD)),
    "event-ingestion": lambda ctx, b: event_ingestion_pod(
        ctx, b.database, _kafka_of(b), _ref(s.KAFKA_SASL_PASSWORD), _database_url(ctx)
    ),
    "model-service": lambda ctx, b: embedded_pod(ctx, _inputs(ctx, b), PLACEHOLDER, PLACEHOLDER),
    "model-training-orchestrator": _side(0, TRAINING),
    "model-training-consumer": _side(1, TRAINING),
    "model-running-orchestrator": _side(0, RUNNING),
    "model-running-consumer": _side(1, RUNNING),
    "nginx-reverse-proxy": lambda ctx, b: talk_proxy_pod(
        ctx, ctx.config.model_service.images.proxy_image, default_resources(ctx.config.model_service, "talkProxy")
    ),
    "kafka-topics": _topics,
    "kafka": lambda ctx, b: kafka_in_cluster.kafka_pod(ctx, _in_cluster_kafka(ctx), s.SECRET_NAME, PLACEHOLDER),
    "postgresql": lambda ctx, b: postgresql_in_cluster.postgresql_pod(
        ctx, _in_cluster_database(ctx), s.SECRET_NAME, PLACEHOLDER
    ),
    "database-init": _database_init,
    "object-storage": lambda ctx, b: minio.minio_pod(ctx, _minio(ctx), PLACEHOLDER),
    "minio-bucket": lambda ctx, b: minio.bucket_pod(ctx, _minio(ctx)),
    "postgresql-backup": lambda ctx, b: _backup(ctx, b)[0],
    # None without restoreFrom: no restore Job.
    "postgresql-restore": lambda ctx, b: _backup(ctx, b)[1],
    "assistant": lambda ctx, b: assistant_pod(
        ctx, _assistant_backing(ctx, b), b.storage, s.SECRET_NAME, PLACEHOLDER, PLACEHOLDER
    ),
    "action-server": _action_server,
    "lock-store": _lock_store,
}


def _builder(group: str) -> Builder:
    try:
        return BUILDERS[group]
    except KeyError:
        raise LookupError(
            f"pod group {group!r} has no pod builder in components/pod_shapes.py BUILDERS: the validation "
            "pass cannot check its pod settings (docs/architecture.md, adding a workload)"
        ) from None


def bare_context(config: StackConfig) -> BareContext:
    namespace = config.kubernetes.namespace
    return BareContext(
        config=config,
        namespace=namespace,
        namespace_name=namespace,
        instance=PLACEHOLDER,
        # Set: the long-running pods that read a Secret carry `checksum/secrets`.
        secrets_checksum=PLACEHOLDER,
    )


def pods(config: StackConfig) -> dict[str, core.PodTemplateSpecArgs]:
    """The pod of every pod group this stack runs (config/workloads.py), as its component builds it."""
    ctx = bare_context(config)
    services = backing(ctx)
    built = {w.group: _builder(w.group)(ctx, services) for w in workloads.enabled(config)}
    return {group: template for group, template in built.items() if template is not None}


def shapes(config: StackConfig) -> dict[str, PodShape]:
    """The names the program sets on every pod this stack runs, by pod group."""
    return {group: template_shape(template) for group, template in pods(config).items()}
