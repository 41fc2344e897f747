"""`passwordRotation`: counters that rotate the passwords the program generates.

A generated password is a pulumi-random RandomPassword; it only changes when one of its inputs
does. Each counter here is such an input (a RandomPassword `keepers` entry): raising it by one
generates a new value in the next `pulumi up`, which also hands it to the server that checks it
(components/secrets.py says how, per password). A supplied password (a secret config key) is
rotated by setting a new value instead; its counter then has no effect.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from .base import Model

# A counter only goes up; a million rotations is a typo, not a schedule.
Counter = Annotated[int, Field(ge=0, le=1_000_000)]


class PasswordRotation(Model):
    database_password: Counter = 0
    """The Studio database user's password (secret key databasePassword)."""
    database_admin_password: Counter = 0
    """The database admin: RDS's master user, or the in-cluster PostgreSQL's superuser."""
    kafka_password: Counter = 0
    """The Studio user's Kafka SASL/SCRAM password (secret key kafkaPassword)."""
    minio_root_password: Counter = 0
    """The in-cluster MinIO's root password (the model services' S3 secret key)."""
    assistant_database_password: Counter = 0
    """The assistant's tracker-store role (assistant.trackerStore.username), in the cluster or on RDS."""
    assistant_kafka_password: Counter = 0
    """The assistant's Kafka SCRAM user (assistant.kafka.username), in the cluster or on MSK."""
    lock_store_password: Counter = 0
    """The assistant's Redis password: the in-cluster lock store's, or ElastiCache's auth token."""
