"""StudioApplication: the five Studio containers and the Ingresses or HTTPRoutes in front of them.

Order, as Helm's hooks give it (RasaHQ/rasa-helm-charts charts/studio/templates/studio/backend/
database-migration-job.yaml: pre-install/pre-upgrade hook): the migration Job first; Keycloak after it (the
migration may create Keycloak's database); the backend after both (it provisions the Keycloak
realm); event ingestion after the migration. The web client needs none of them to start.
"""

from __future__ import annotations

import pulumi
from pulumi_kubernetes.core import v1 as core

from config.versions import contract_for

from ..context import Context
from ..interfaces import Database, Kafka
from ..secrets import (
    KAFKA_SASL_PASSWORD,
    KEYCLOAK_ADMIN_PASSWORD,
    KEYCLOAK_API_PASSWORD,
    StudioSecrets,
    database_url_ref,
)
from .backend import Backend
from .event_ingestion import EventIngestion
from .gateway import StudioRoutes
from .ingress import StudioIngress
from .keycloak import Keycloak
from .migration import DatabaseMigration
from .web_client import WebClient

__all__ = ["StudioApplication"]


class StudioApplication(pulumi.ComponentResource):
    migration: DatabaseMigration
    keycloak: Keycloak | None
    backend: Backend
    event_ingestion: EventIngestion | None
    web_client: WebClient
    ingress: StudioIngress | None
    routes: StudioRoutes | None
    # The Secret with DATABASE_URL, for Studio versions that read it and a password this stack knows.
    database_url: core.Secret | None

    def __init__(
        self,
        name: str,
        ctx: Context,
        secrets: StudioSecrets,
        database: Database,
        kafka: Kafka | None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("rasa-studio:studio:StudioApplication", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        admin_password = secrets.ref(KEYCLOAK_ADMIN_PASSWORD)
        url = None
        self.database_url = None
        if contract_for(ctx.config.studio.version).database_url:
            known = None if ctx.config.database.mode == "external" else secrets.database_password
            url, self.database_url = database_url_ref(f"{name}-database-url", ctx, database, known, child)

        self.migration = DatabaseMigration(f"{name}-database-migration", ctx, database, url, child)
        migrated = [self.migration.job]
        self.keycloak = None
        if ctx.config.studio.keycloak_in_cluster:
            self.keycloak = Keycloak(f"{name}-keycloak", ctx, database, admin_password, after=migrated, opts=child)
        self.backend = Backend(
            f"{name}-backend",
            ctx,
            database,
            admin_password,
            secrets.ref(KEYCLOAK_API_PASSWORD),
            database_url=url,
            after=[*migrated, *([self.keycloak.deployment] if self.keycloak else [])],
            opts=child,
        )
        self.event_ingestion = None
        if ctx.config.studio.event_ingestion.enabled:
            assert kafka is not None  # requirements.py declares the events topics
            self.event_ingestion = EventIngestion(
                f"{name}-event-ingestion",
                ctx,
                database,
                kafka,
                secrets.ref(KAFKA_SASL_PASSWORD),
                database_url=url,
                after=migrated,
                opts=child,
            )
        self.web_client = WebClient(f"{name}-web-client", ctx, child)
        self.ingress = self.routes = None
        if ctx.config.studio.exposure == "gateway":
            self.routes = StudioRoutes(f"{name}-routes", ctx, child)
        else:
            self.ingress = StudioIngress(f"{name}-ingress", ctx, child)
        self.register_outputs({"migration": self.migration.job_name})
