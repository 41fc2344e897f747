"""BackingServices: PostgreSQL, Kafka and object storage behind the interfaces in interfaces.py.

PLACEHOLDER until the backing-services issue lands: hands out the in-cluster addresses without
creating the services, so the Studio components can be built against the interface.
"""

from __future__ import annotations

import pulumi

from ..context import Context
from ..interfaces import Database, Kafka, ObjectStorage
from ..names import KAFKA_PORT, KAFKA_SERVICE, MINIO_PORT, MINIO_SERVICE, POSTGRESQL_PORT, POSTGRESQL_SERVICE
from ..requirements import Requirements
from ..secrets import DATABASE_PASSWORD, KAFKA_SASL_PASSWORD, StudioSecrets


class BackingServices(pulumi.ComponentResource):
    database: Database
    kafka: Kafka
    object_storage: ObjectStorage

    def __init__(
        self,
        name: str,
        ctx: Context,
        secrets: StudioSecrets,
        needs: Requirements,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("rasa-studio:backing:BackingServices", name, None, opts)
        self.database = Database(
            host=ctx.service_host(POSTGRESQL_SERVICE),
            port=POSTGRESQL_PORT,
            username=ctx.config.database.username,
            password=secrets.ref(DATABASE_PASSWORD),
            query="schema=public",
            prefer_ssl=False,
        )
        self.kafka = Kafka(
            bootstrap_servers=f"{ctx.service_host(KAFKA_SERVICE)}:{KAFKA_PORT}",
            security_protocol="SASL_PLAINTEXT",
            sasl_mechanism="SCRAM-SHA-512",
            username="studio",
            password=secrets.ref(KAFKA_SASL_PASSWORD),
        )
        self.object_storage = ObjectStorage(
            bucket="rasa-studio-models",
            region="us-east-1",
            endpoint=f"http://{ctx.service_host(MINIO_SERVICE)}:{MINIO_PORT}",
            credentials_secret="minio-credentials",
        )
        self.register_outputs({})
