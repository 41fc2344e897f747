"""The keys each Secret the operator creates must hold, for the `pulumi up` summary.

An external database, Kafka or bucket is reached with credentials from Secrets this stack does
not create. A missing key only shows as a pod stuck in CreateContainerConfigError after the
deploy, so the stack names every key it reads, per Studio version (config/versions.py).
"""

from __future__ import annotations

from config import StackConfig
from config.backing import ExternalDatabase, ExternalKafka, ExternalStorage
from config.versions import contract_for

from .secrets import DATABASE_URL


def existing_secret_keys(config: StackConfig) -> dict[str, list[str]]:
    """{Secret name: keys read from it} for the Secrets the stack expects to exist; {} if none."""
    found: dict[str, set[str]] = {}

    def need(name: str, *keys: str) -> None:
        found.setdefault(name, set()).update(keys)

    database = config.database
    if isinstance(database, ExternalDatabase):
        need(database.password_secret.name, database.password_secret.key)
        if contract_for(config.studio.version).database_url:
            # Backend, migration and event ingestion of these Studio versions read a complete URL
            # (chart <= 2.1.9); postgresql://USER:PASSWORD@HOST:PORT/studio?sslmode=...
            need(database.password_secret.name, DATABASE_URL)
    kafka = config.kafka
    if isinstance(kafka, ExternalKafka) and config.kafka_needed:
        if kafka.password_secret is not None:
            need(kafka.password_secret.name, kafka.password_secret.key)
        if kafka.ca_secret is not None:
            need(kafka.ca_secret, "ca.crt")
    storage = config.object_storage
    if isinstance(storage, ExternalStorage):
        if storage.credentials_secret is not None:
            need(storage.credentials_secret, "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")
        for ref in (storage.gcs_credentials, storage.azure_account_key):
            if ref is not None:
                need(ref.name, ref.key)
    assistant = config.assistant
    if assistant.enabled:
        # Its own role and Kafka user on external services (components/backing/assistant_access.py).
        for secret in (assistant.tracker_store.password_secret, assistant.kafka.password_secret):
            if secret is not None:
                need(secret.name, secret.key)
    return {name: sorted(keys) for name, keys in sorted(found.items())}
