"""AssistantAccess: the assistant's own principals on Studio's backing services.

The assistant next to Studio (config/assistant.py) logs in as itself, never as Studio:
- PostgreSQL (in-cluster, RDS): a login role `assistant.trackerStore.username` owning the tracker
  database `assistant.trackerStore.database`, made by a database-init Job of its own after Studio's
  (database_init.py `for_role`), which also closes Studio's databases to every other role;
- Kafka (in-cluster): a SCRAM-SHA-512 user `assistant.kafka.username`, set by the topics Job;
  (MSK): a Secrets Manager secret of its own, associated with the cluster beside Studio's;
- external services: the user's own role, user and Secret keys (`passwordSecret`).

The generated passwords (pulumi-random, `passwordRotation.assistantDatabasePassword` and
`assistantKafkaPassword`) live in the Secret `rasa-credentials`, keys DB_PASSWORD and
KAFKA_SASL_PASSWORD; the Jobs that hand them to the servers carry a keyed digest of them in their
names, so a rotation reaches the server in the same update and the assistant, which waits for
those Jobs, starts with a password the server accepts.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import pulumi
from pulumi_kubernetes.core import v1 as core

from config.assistant import AssistantConfig
from config.base import SecretKeyRef

from ..context import Context
from ..interfaces import Database, Kafka, SecretRef
from ..labels import ComponentName
from ..names import ASSISTANT_CREDENTIALS_SECRET, ASSISTANT_DB_PASSWORD_KEY, ASSISTANT_KAFKA_PASSWORD_KEY
from ..secrets import StudioSecrets, generated_password
from .database_init import DatabaseInit

COMPONENT: ComponentName = "assistant"


def creates_kafka_user(ctx: Context) -> bool:
    """The stack makes the assistant's Kafka user: its own brokers and MSK (both SCRAM only)."""
    return ctx.config.kafka.mode in ("in-cluster", "msk")


def creates_tracker_role(ctx: Context) -> bool:
    """The stack makes the tracker role and database where its database-init Job runs."""
    return ctx.config.database.mode in ("in-cluster", "rds")


class AssistantAccess(pulumi.ComponentResource):
    # `rasa-credentials`; None when every principal is the user's own (external services).
    secret: core.Secret | None
    # The generated passwords (None where the user's Secret holds them) and where pods read them.
    database_password: pulumi.Output[str] | None
    kafka_password: pulumi.Output[str] | None
    # The tracker role's Job (None with an external database): what the assistant waits for.
    tracker_init: DatabaseInit | None

    def __init__(
        self, name: str, ctx: Context, secrets: StudioSecrets, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("rasa-studio:backing:AssistantAccess", name, None, opts)
        self._prefix = name
        self._ctx = ctx
        self._secrets = secrets
        self._cfg: AssistantConfig = ctx.config.assistant
        rotation = ctx.config.password_rotation
        self.database_password = self.kafka_password = None
        self.tracker_init = None
        data: dict[str, pulumi.Input[str]] = {}
        if creates_tracker_role(ctx):
            self.database_password = generated_password(
                f"{name}-database-password", rotation.assistant_database_password, self
            ).result
            data[ASSISTANT_DB_PASSWORD_KEY] = self.database_password
        if creates_kafka_user(ctx):
            # Letters and digits only (generated_password): SCRAM's --add-config and JAAS carry it.
            self.kafka_password = generated_password(
                f"{name}-kafka-password", rotation.assistant_kafka_password, self
            ).result
            data[ASSISTANT_KAFKA_PASSWORD_KEY] = self.kafka_password
        self.secret = None
        if data:
            self.secret = core.Secret(
                f"{name}-credentials",
                metadata=ctx.metadata(ASSISTANT_CREDENTIALS_SECRET, COMPONENT),
                type="Opaque",
                string_data={k: pulumi.Output.secret(v) for k, v in sorted(data.items())},
                opts=pulumi.ResourceOptions(parent=self),
            )
        self.register_outputs({"secret": ASSISTANT_CREDENTIALS_SECRET if self.secret is not None else None})

    def _ref(self, given: SecretKeyRef | None, key: str) -> SecretRef:
        """The user's own Secret key where config names one (external), else `rasa-credentials`."""
        if given is not None:
            return SecretRef(given.name, given.key)
        assert self.secret is not None
        return SecretRef(ASSISTANT_CREDENTIALS_SECRET, key, self.secret)

    @property
    def kafka_username(self) -> str:
        return self._cfg.kafka.username

    @property
    def kafka_password_ref(self) -> SecretRef:
        return self._ref(self._cfg.kafka.password_secret, ASSISTANT_KAFKA_PASSWORD_KEY)

    def credentials(self) -> pulumi.Output[str] | None:
        """A keyed digest of the generated passwords (what the assistant's pods roll with)."""
        generated = [p for p in (self.database_password, self.kafka_password) if p is not None]
        return self._secrets.digest(*generated) if generated else None

    def tracker(
        self,
        database: Database,
        studio_init: DatabaseInit | None,
        studio_databases: Sequence[str],
        depends_on: Sequence[pulumi.Resource] = (),
        restored: str | None = None,
    ) -> Database:
        """Studio's server, logged in to as the assistant's role; with `studio_init` (in-cluster,
        RDS) the Job that creates that role and its database runs after Studio's (`depends_on`: and
        after a restore, which re-creates Studio's databases open to all: `restored` re-runs it)."""
        store = self._cfg.tracker_store
        password = self._ref(store.password_secret, ASSISTANT_DB_PASSWORD_KEY)
        ready = list(database.ready)
        if studio_init is not None:
            assert self.database_password is not None
            self.tracker_init = studio_init.for_role(
                f"{self._prefix}-tracker-init",
                self._ctx,
                username=store.username,
                password=password,
                databases=[store.database],
                credentials=self._secrets.digest(self.database_password, *([restored] if restored else [])),
                # Studio's databases and the tracker's own: each reachable by its owner only.
                closed=[*studio_databases, store.database],
                depends_on=depends_on,
                opts=pulumi.ResourceOptions(parent=self),
            )
            ready.append(self.tracker_init.job)
        return dataclasses.replace(database, username=store.username, password=password, ready=ready)

    def producer(self, kafka: Kafka) -> Kafka:
        """Studio's brokers, produced to as the assistant's user (none without SASL); `kafka.ready`
        holds what creates the user (the topics Job, MSK's SCRAM association)."""
        if kafka.sasl_mechanism is None:
            return dataclasses.replace(kafka, username=None, password=None)
        return dataclasses.replace(kafka, username=self.kafka_username, password=self.kafka_password_ref)
