"""The assistant's own principals on Studio's backing services: a tracker-store role and a Kafka user.

PROVISIONAL (base of issue 23): the references the assistant reads, by name. What creates the
role, the database, the Kafka user and their Secret replaces this.
"""

from __future__ import annotations

import dataclasses

from config.assistant import AssistantConfig

from ..interfaces import Database, Kafka, SecretRef
from ..names import ASSISTANT_CREDENTIALS_SECRET, ASSISTANT_DB_PASSWORD_KEY, ASSISTANT_KAFKA_PASSWORD_KEY


def _ref(given: object, key: str) -> SecretRef:
    if given is not None:
        return SecretRef(given.name, given.key)  # type: ignore[attr-defined]
    return SecretRef(ASSISTANT_CREDENTIALS_SECRET, key)


def tracker_database(cfg: AssistantConfig, database: Database) -> Database:
    """Studio's server, logged in to as the assistant's role."""
    store = cfg.tracker_store
    return dataclasses.replace(
        database, username=store.username, password=_ref(store.password_secret, ASSISTANT_DB_PASSWORD_KEY)
    )


def producer(cfg: AssistantConfig, kafka: Kafka) -> Kafka:
    """Studio's brokers, produced to as the assistant's user (none without SASL)."""
    if kafka.sasl_mechanism is None:
        return dataclasses.replace(kafka, username=None, password=None)
    return dataclasses.replace(
        kafka, username=cfg.kafka.username, password=_ref(cfg.kafka.password_secret, ASSISTANT_KAFKA_PASSWORD_KEY)
    )
