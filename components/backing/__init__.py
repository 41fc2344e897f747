"""BackingServices: PostgreSQL, Kafka and object storage behind the interfaces in interfaces.py.

Each service has three implementations chosen by `mode` in the stack config: in the cluster,
AWS-managed, or someone else's (external). The Studio components only ever see the `Database`,
`Kafka` and `ObjectStorage` values. The AWS implementations are imported only when chosen, so
a dev stack never loads pulumi_aws.
"""

from __future__ import annotations

import dataclasses

import pulumi

from config.backing import (
    ExternalDatabase,
    ExternalKafka,
    ExternalStorage,
    InClusterDatabase,
    InClusterKafka,
    MinioStorage,
    MskKafka,
    RdsDatabase,
    S3Storage,
)

from ..context import Context
from ..interfaces import AssistantBacking, Database, Kafka, ObjectStorage, SecretRef
from ..requirements import EVENTS_TOPIC, Requirements
from ..secrets import StudioSecrets
from .assistant_access import AssistantAccess
from .database_init import DatabaseInit
from .kafka_topics import DEFAULT_IMAGE as KAFKA_CLI_IMAGE
from .kafka_topics import KafkaTopics, ScramUser
from .lock_store import lock_store
from .postgresql_backup import PostgresqlBackup
from .postgresql_in_cluster import ADMIN_SECRET, InClusterPostgresql, dumped


class BackingServices(pulumi.ComponentResource):
    database: Database
    # None when nothing the stack deploys uses Kafka (embedded model service, no event ingestion).
    kafka: Kafka | None
    object_storage: ObjectStorage
    topics: KafkaTopics | None
    # What else rolls Studio's pods (their `checksum/secrets`) when it changes: the values of
    # the rotated Secrets besides studio-secrets they read (MinIO's credentials), the database's
    # address (in DATABASE_URL, a Secret, for the versions that read it: a restored RDS instance
    # has a new one) and the name of a restored backup (no pod may keep caches of the data a
    # restore replaced).
    rollout_inputs: list[pulumi.Input[str]]
    backup: PostgresqlBackup | None
    # What the assistant next to Studio connects to, and what makes its principals; None unless
    # assistant.enabled.
    assistant: AssistantBacking | None
    assistant_access: AssistantAccess | None

    def __init__(
        self,
        name: str,
        ctx: Context,
        secrets: StudioSecrets,
        needs: Requirements,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("rasa-studio:backing:BackingServices", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.rollout_inputs = []
        self.backup = None
        # First: the assistant's passwords go to the Jobs and the MSK secret that hand them out.
        self.assistant_access = (
            AssistantAccess(f"{name}-assistant-access", ctx, secrets, child) if ctx.config.assistant.enabled else None
        )
        self.database = self._database(name, ctx, secrets, needs, child)
        self.rollout_inputs.append(self.database.host)
        self.kafka = self.topics = None
        if needs.topics:
            brokers, cli_image, scram_user, credentials = self._kafka(name, ctx, secrets, child, self.assistant_access)
            self.topics = KafkaTopics(
                f"{name}-kafka-topics",
                ctx,
                brokers,
                needs.topics,
                ctx.config.kafka.topics,
                cli_image,
                child,
                scram_user=scram_user,
                credentials=credentials,
            )
            # Consumers wait for the brokers and the topics.
            self.kafka = Kafka(
                bootstrap_servers=brokers.bootstrap_servers,
                security_protocol=brokers.security_protocol,
                sasl_mechanism=brokers.sasl_mechanism,
                username=brokers.username,
                password=brokers.password,
                ca_secret=brokers.ca_secret,
                ready=[*brokers.ready, self.topics.job],
            )
        self.object_storage = self._object_storage(name, ctx, secrets, needs, child)
        if self._postgresql is not None:
            self.database = self._backups(name, ctx, self._postgresql, needs)
        self.assistant = (
            self._assistant(name, ctx, secrets, self.assistant_access, needs, child)
            if self.assistant_access is not None
            else None
        )
        self.register_outputs(
            {
                "databaseHost": self.database.host,
                "kafkaBootstrapServers": self.kafka.bootstrap_servers if self.kafka else None,
                "bucket": self.object_storage.bucket,
            }
        )

    def _database(
        self, name: str, ctx: Context, secrets: StudioSecrets, needs: Requirements, opts: pulumi.ResourceOptions
    ) -> Database:
        self._postgresql = None
        # The Job that creates Studio's user and databases, where the stack runs one.
        self._database_init: DatabaseInit | None = None
        cfg = ctx.config.database
        if isinstance(cfg, InClusterDatabase):
            self._postgresql = InClusterPostgresql(f"{name}-postgresql", ctx, cfg, secrets, needs.databases, opts)
            self._database_init = self._postgresql.init
            return self._postgresql.database
        if isinstance(cfg, RdsDatabase):
            from .postgresql_rds import RdsPostgresql

            assert ctx.aws is not None  # the foundation has AWS facts whenever a service lives there
            rds = RdsPostgresql(f"{name}-postgresql", ctx, cfg, ctx.aws, secrets, needs.databases, opts)
            self._database_init = rds.init
            return rds.database
        assert isinstance(cfg, ExternalDatabase)
        from .postgresql_external import external_database

        return external_database(cfg)

    def _assistant(
        self,
        name: str,
        ctx: Context,
        secrets: StudioSecrets,
        access: AssistantAccess,
        needs: Requirements,
        opts: pulumi.ResourceOptions,
    ) -> AssistantBacking:
        cfg = ctx.config.assistant
        # The assistant needs event ingestion (config/assistant.py), so the events topic exists.
        assert self.kafka is not None
        return AssistantBacking(
            # After Studio's databases are there (and restored, with a restore).
            tracker=access.tracker(
                self.database,
                self._database_init,
                needs.databases,
                self.database.ready,
                restored=self._restored(ctx),
            ),
            tracker_database=cfg.tracker_store.database,
            kafka=access.producer(self.kafka),
            topic=EVENTS_TOPIC,
            lock_store=lock_store(f"{name}-lock-store", ctx, cfg.lock_store, secrets, opts),
            credentials=access.credentials(),
        )

    @staticmethod
    def _restored(ctx: Context) -> str | None:
        cfg = ctx.config.database
        if isinstance(cfg, InClusterDatabase) and cfg.backup is not None:
            return cfg.backup.restore_from
        return None

    def _backups(self, name: str, ctx: Context, server: InClusterPostgresql, needs: Requirements) -> Database:
        """The in-cluster server's backups to the bucket; with a restore, Studio waits for it."""
        cfg = ctx.config.database
        assert isinstance(cfg, InClusterDatabase)
        if cfg.backup is None:
            return server.database
        self.backup = PostgresqlBackup(
            f"{name}-postgresql-backup",
            ctx,
            cfg.backup,
            dataclasses.replace(
                dumped(
                    ctx,
                    cfg,
                    SecretRef(ADMIN_SECRET, "password", server.admin_secret),
                    needs.databases,
                    self.object_storage,
                ),
                # The assistant's conversations are user data too.
                dumped_only=[ctx.config.assistant.tracker_store.database] if self.assistant_access is not None else [],
            ),
            depends_on=[server.stateful_set, server.init.job],
            opts=pulumi.ResourceOptions(parent=server),
        )
        if self.backup.restore is None:
            return server.database
        assert cfg.backup.restore_from is not None
        self.rollout_inputs.append(cfg.backup.restore_from)
        return dataclasses.replace(server.database, ready=[*server.database.ready, self.backup.restore])

    @staticmethod
    def _kafka(
        name: str, ctx: Context, secrets: StudioSecrets, opts: pulumi.ResourceOptions, access: AssistantAccess | None
    ) -> tuple[Kafka, str, ScramUser | None, pulumi.Output[str] | None]:
        """The brokers, the CLI image, the SCRAM users the topics Job keeps and a keyed digest of
        the passwords it uses (a new one re-runs it)."""
        cfg = ctx.config.kafka
        if isinstance(cfg, InClusterKafka):
            from .kafka_in_cluster import InClusterKafkaService

            brokers = InClusterKafkaService(f"{name}-kafka", ctx, cfg, secrets, opts)
            if access is None:
                return brokers.kafka, f"{cfg.image}:{cfg.tag}", brokers.scram_user, brokers.credentials
            # The topics Job sets the assistant's user too, and re-runs when its password changes.
            scram_user = dataclasses.replace(
                brokers.scram_user, assistant=(access.kafka_username, access.kafka_password_ref)
            )
            assert access.kafka_password is not None
            credentials = secrets.digest(brokers.credentials, access.kafka_password)
            return brokers.kafka, f"{cfg.image}:{cfg.tag}", scram_user, credentials
        if isinstance(cfg, MskKafka):
            from .kafka_msk import MskKafkaService

            assert ctx.aws is not None
            assistant = None
            if access is not None:
                assert access.kafka_password is not None
                assistant = (access.kafka_username, access.kafka_password)
            msk = MskKafkaService(f"{name}-kafka", ctx, cfg, ctx.aws, secrets, opts, assistant=assistant)
            # MSK takes a new password from its Secrets Manager secret (updated in place); the Job
            # re-runs with it and waits until the brokers accept it.
            return msk.kafka, KAFKA_CLI_IMAGE, None, secrets.digest(secrets.kafka_password)
        assert isinstance(cfg, ExternalKafka)
        from .kafka_external import external_kafka

        return external_kafka(cfg), KAFKA_CLI_IMAGE, None, None

    def _object_storage(
        self, name: str, ctx: Context, secrets: StudioSecrets, needs: Requirements, opts: pulumi.ResourceOptions
    ) -> ObjectStorage:
        cfg = ctx.config.object_storage
        if isinstance(cfg, MinioStorage):
            from .minio import Minio

            minio = Minio(f"{name}-object-storage", ctx, cfg, secrets, opts)
            self.rollout_inputs.extend(minio.credential_values)
            return minio.object_storage
        if isinstance(cfg, S3Storage):
            from .s3 import S3ObjectStorage

            assert ctx.aws is not None
            return S3ObjectStorage(
                f"{name}-object-storage",
                ctx,
                cfg,
                ctx.aws,
                needs.storage_service_accounts,
                opts,
                reader_service_accounts=needs.storage_reader_service_accounts,
            ).object_storage
        assert isinstance(cfg, ExternalStorage)
        from .storage_external import external_storage

        return external_storage(cfg)
