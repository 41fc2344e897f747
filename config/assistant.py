"""`assistant`: a Rasa Pro assistant next to Studio, wired to it by construction (docs/assistant.md).

Off by default. On, the stack runs `rasa run` with the Rasa Pro image the model service uses, its
conversations going to the Kafka topic Studio's event ingestion reads (Conversation Review), its
tracker store in a database of its own on Studio's PostgreSQL, its lock store in memory (one
replica) or Redis (config/lock_store.py), and its model from Studio's bucket.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from pydantic import Field, model_validator

from .base import Hostname, ImageRepository, ImageTag, Model, Port, Replicas, Resources, SecretKeyRef, version_tuple
from .errors import InvalidKey
from .lock_store import InMemoryLockStore, LockStoreConfig, lock_store_problem
from .pods import PodSettings
from .security import SecurityContext
from .studio import Autoscaling

if TYPE_CHECKING:
    from .stack import StackConfig

# Studio's assistant names as `assistant_id` carries them in every event: letters, digits, `-`, `_`
# (INFERRED from Studio's create-assistant form; a narrower set than YAML allows, never wider).
ASSISTANT_ID = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$"
# A browser's Origin (scheme, host, optional port; no path), or `*` (rasa run --cors).
CORS_ORIGIN = r"^(\*|https?://[A-Za-z0-9][A-Za-z0-9.-]{0,252}(:[0-9]{1,5})?)$"
# PostgreSQL identifiers the database-init Job creates unquoted-safe: lower case, at most 63 bytes.
SQL_IDENTIFIER = r"^[a-z_][a-z0-9_]{0,62}$"
# Studio's own databases (components/requirements.py) and the Kafka users the stack keeps for Studio
# (components/backing/kafka_in_cluster.py, kafka_msk.py): the assistant gets its own.
STUDIO_DATABASES = ("studio", "keycloak", "modelservice", "postgres")
# The first Rasa Pro of each line whose remote storage downloads the whole key `--model` names;
# earlier ones download only its file name, from the bucket's root (`Persistor.retrieve`,
# rasa/core/persistor.py, read in the rasa-pro wheels: 3.11.13 and 3.12.12 still do, 3.11.14,
# 3.12.13 and 3.13.0 no longer; 3.10 is older than all of them).
WHOLE_KEY_RELEASES = {(3, 11): (3, 11, 14), (3, 12): (3, 12, 13)}
WHOLE_KEY_FROM = (3, 13, 0)
KAFKA_RESERVED_USERS = ("studio", "admin")


class AssistantImage(Model):
    """The Rasa Pro image; unset parts follow `modelService.rasaPro` (the image line Studio trains with)."""

    repository: ImageRepository | None = None
    tag: ImageTag | None = None


class AssistantModel(Model):
    """Where the assistant loads its trained model from."""

    path: Annotated[str, Field(min_length=1, max_length=1024, pattern=r"^[^\s]+$")]
    """
    The model's object key in Studio's bucket (e.g. `my-assistant.tar.gz`), read with the model service's storage
    credentials; a key in a folder needs Rasa Pro 3.11.14, 3.12.13, 3.13.0 or later. docs/assistant.md says how a model
    trained in Studio gets there.
    """


class TrackerStore(Model):
    """The assistant's conversations (Rasa's SQL tracker store), in a database of its own on Studio's PostgreSQL."""

    database: Annotated[str, Field(pattern=SQL_IDENTIFIER)] = "rasa"
    """The database; created with its own role by the database-init Job (in-cluster and RDS)."""
    username: Annotated[str, Field(pattern=SQL_IDENTIFIER)] = "rasa"
    """Its owner role, the assistant's login."""
    password_secret: SecretKeyRef | None = None
    """With `database.mode: external` only: the Secret key holding that role's password (the database must exist)."""


class AssistantKafka(Model):
    """The principal the assistant produces to Studio's events topic as."""

    username: Annotated[str, Field(pattern=r"^[A-Za-z0-9._-]{1,128}$")] = "assistant"
    """
    SASL user: created by the stack in the cluster (SCRAM) and on MSK (its own Secrets Manager secret); with
    `kafka.mode: external`, an existing user allowed to produce to the topic.
    """
    password_secret: SecretKeyRef | None = None
    """With `kafka.mode: external` only: the Secret key holding that user's password."""


class ActionServer(PodSettings):
    """The assistant's custom actions: the user's own image, reached at `action_endpoint`."""

    image: ImageRepository
    """Action server image, e.g. `registry.example.com/my-actions` (built on `rasa/rasa-sdk`)."""
    tag: ImageTag
    """Image tag."""
    port: Port = 5055
    """Port the action server listens on (rasa-sdk's default)."""
    replicas: Replicas = 1
    resources: Resources | None = None
    """Container requests and limits; unset: the component's built-in sizing."""


class AssistantConfig(PodSettings):
    enabled: bool = False
    """Deploy a Rasa Pro assistant next to Studio (docs/assistant.md)."""
    assistant_id: Annotated[str, Field(pattern=ASSISTANT_ID)] | None = None
    """
    The assistant's name in Studio, its `assistant_id` in Conversation Review; required when enabled. The model's
    config.yml must carry the same (a model trained in Studio does).
    """
    image: AssistantImage = AssistantImage()
    replicas: Replicas = 1
    """Replicas; more than 1 needs a shared lock store (`assistant.lockStore`)."""
    autoscaling: Autoscaling = Autoscaling()
    resources: Resources | None = None
    """Container requests and limits; unset: the component's built-in sizing."""
    security_context: SecurityContext = SecurityContext()
    """Opt-in settings stricter than Rasa's chart, not verified against Rasa's image."""
    host: Hostname | None = None
    """Host name the assistant's channels are served on; unset: `studio.host` under `path`."""
    path: Annotated[str, Field(pattern=r"^/[a-z0-9][a-z0-9/_-]*[a-z0-9]$")] = "/assistant"
    """Path prefix on `studio.host` when `host` is unset (stripped before the request reaches Rasa)."""
    model: AssistantModel | None = None
    """Required when enabled."""
    cors: list[Annotated[str, Field(pattern=CORS_ORIGIN)]] = []
    """
    Web origins whose pages may call the channels from a browser (`rasa run --cors`), e.g. `https://www.example.com`;
    `*`: any. Unset: none, so a chat widget works only on the assistant's own origin (Rasa's chart allows `*`).
    """
    tracker_store: TrackerStore = TrackerStore()
    lock_store: LockStoreConfig = InMemoryLockStore(mode="in-memory")
    """
    Where replicas share conversation locks: `in-memory` (one replica), `in-cluster` (Valkey), `elasticache` or
    `external` Redis (config/lock_store.py).
    """
    kafka: AssistantKafka = AssistantKafka()
    action_server: ActionServer | None = None
    """Unset: the assistant has no custom actions."""

    @property
    def peak_replicas(self) -> int:
        return self.autoscaling.max_replicas if self.autoscaling.enabled else self.replicas

    @model_validator(mode="after")
    def _complete(self) -> AssistantConfig:
        if not self.enabled:
            return self
        if self.assistant_id is None:
            raise InvalidKey("assistantId", "is required with assistant.enabled: Studio's name of the assistant")
        if self.model is None:
            raise InvalidKey("model", "is required with assistant.enabled (model.path: the model's key in the bucket)")
        if self.peak_replicas > 1 and isinstance(self.lock_store, InMemoryLockStore):
            key = "autoscaling.maxReplicas" if self.autoscaling.enabled else "replicas"
            raise InvalidKey(
                key,
                f"{self.peak_replicas} replicas need a shared lock store: set assistant.lockStore.mode "
                "(in-cluster, elasticache or external); in memory each replica would lock only its own conversations",
            )
        return self


def wiring_problem(config: StackConfig) -> tuple[str, str] | None:
    """The first way the assistant section contradicts the rest of the stack: (key, why), or None."""
    assistant = config.assistant
    if not assistant.enabled:
        return None
    if not config.studio.event_ingestion.enabled:
        return (
            "studio.eventIngestion.enabled",
            "must be true with assistant.enabled: the assistant's conversations reach Conversation Review through "
            "event ingestion",
        )
    external_database = config.database.mode == "external"
    if external_database != (assistant.tracker_store.password_secret is not None):
        return (
            "assistant.trackerStore.passwordSecret",
            "is required with database.mode external (the tracker database and its role must exist there)"
            if external_database
            else f"takes effect only with database.mode external; with {config.database.mode} the stack creates the "
            "role and its password",
        )
    if assistant.tracker_store.database in STUDIO_DATABASES:
        return ("assistant.trackerStore.database", f"{assistant.tracker_store.database} is one of Studio's databases")
    if assistant.tracker_store.username == config.database.username:
        return (
            "assistant.trackerStore.username",
            f"{assistant.tracker_store.username} is Studio's database user (database.username): the assistant "
            "gets a role of its own",
        )
    model = _model_problem(config)
    if model is not None:
        return model
    route = _route_problem(config)
    if route is not None:
        return route
    kafka = config.kafka
    protocol = getattr(kafka, "security_protocol", "SASL_SSL")
    wants_secret = kafka.mode == "external" and protocol.startswith("SASL_")
    if wants_secret != (assistant.kafka.password_secret is not None):
        if wants_secret:
            why = f"is required with kafka.mode external and securityProtocol {protocol}"
        elif kafka.mode == "external":
            why = f"takes effect only with a SASL securityProtocol, got {protocol}"
        else:
            why = f"takes effect only with kafka.mode external; with {kafka.mode} the stack creates the user"
        return ("assistant.kafka.passwordSecret", why)
    if kafka.mode != "external" and assistant.kafka.username in KAFKA_RESERVED_USERS:
        return ("assistant.kafka.username", f"{assistant.kafka.username} is a user the stack keeps for Studio")
    return lock_store_problem(config)


def reads_whole_keys(version: tuple[int, int, int]) -> bool:
    """Whether that Rasa Pro loads `--model folder/file.tar.gz` from that key (WHOLE_KEY_RELEASES)."""
    first = WHOLE_KEY_RELEASES.get(version[:2], WHOLE_KEY_FROM)
    return version >= first


def _model_problem(config: StackConfig) -> tuple[str, str] | None:
    """A model key in a folder, for a Rasa Pro that would look for its file name at the bucket's root."""
    assistant = config.assistant
    assert assistant.model is not None
    path = assistant.model.path
    tag = assistant.image.tag or config.model_service.rasa_pro.tag or config.studio.contract.rasa_pro
    if "/" not in path:
        return None
    try:
        version = version_tuple(tag)
    except ValueError:
        # A tag without a version (a build of your own): nothing to compare.
        return None
    if reads_whole_keys(version):
        return None
    return (
        "assistant.model.path",
        f"{path} is in a folder, and Rasa Pro {tag} downloads only its file name "
        f"({path.rsplit('/', 1)[1]}) from the bucket's root: put the model at the top level of the bucket, or run "
        "a Rasa Pro that reads whole keys (3.11.14, 3.12.13, 3.13.0 or later; assistant.image.tag)",
    )


def _route_problem(config: StackConfig) -> tuple[str, str] | None:
    """Where the assistant's route would break Studio's or cannot be built (components/assistant/route.py)."""
    assistant, studio = config.assistant, config.studio
    if assistant.host is not None:
        if assistant.host == studio.host:
            return (
                "assistant.host",
                f"{assistant.host} is studio.host, whose `/` is Studio's web client: unset it to serve the assistant "
                f"under assistant.path ({assistant.path}), or give it a host of its own",
            )
        return None
    if studio.exposure == "ingress" and studio.ingress.profile == "alb":
        return (
            "assistant.host",
            "is required with studio.ingress.profile alb: the ALB cannot strip assistant.path before the request "
            "reaches Rasa, which serves its channels at the root; serve the assistant on a host of its own",
        )
    taken = ("/api", "/auth", studio.contract.model_service_path)
    for path in taken:
        if assistant.path == path or assistant.path.startswith(f"{path}/"):
            return ("assistant.path", f"{assistant.path} is under {path}, a path Studio serves on studio.host")
    return None
