"""`assistant.lockStore`: where the assistant's replicas lock a conversation while one handles it.

Rasa Pro processes one message of a conversation at a time; with one replica its in-memory lock
store is enough, with more every replica must see the same locks, in Redis
(https://rasa.com/docs/reference/architecture/lock-stores). Redis runs in the cluster (dev), on
ElastiCache (staging, prod) or is someone else's (external).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from .aws import SubnetId
from .base import Host, ImageRepository, ImageTag, Model, Port, Resources, SecretKeyRef
from .pods import PodSettings


class InMemoryLockStore(Model):
    mode: Literal["in-memory"]
    """Each replica keeps its own locks: only correct with one replica."""


class InClusterLockStore(PodSettings):
    mode: Literal["in-cluster"]
    image: ImageRepository = "valkey/valkey"
    """Valkey (the Linux Foundation's Redis fork, the same protocol) official image."""
    tag: ImageTag = "8.1.4"
    """Image tag."""
    resources: Resources | None = None
    """Container requests and limits; unset: the component's built-in sizing."""


class ElastiCacheLockStore(Model):
    mode: Literal["elasticache"]
    engine: Literal["valkey", "redis"] = "valkey"
    """ElastiCache engine."""
    engine_version: Annotated[str, Field(pattern=r"^\d+\.\d+$")] = "8.1"
    """Engine version (major.minor)."""
    node_type: Annotated[str, Field(pattern=r"^cache\.[a-z0-9]+\.[a-z0-9]+$")] = "cache.t4g.small"
    """Cache node type."""
    replicas_per_shard: Annotated[int, Field(ge=0, le=5)] = 1
    """Read replicas besides the primary; 1 or more adds automatic failover across zones."""
    snapshot_retention_days: Annotated[int, Field(ge=0, le=35)] = 1
    """Daily snapshots kept; 0: none."""
    subnet_ids: Annotated[list[SubnetId], Field(min_length=2)] | None = None
    """The cache's subnets; unset: aws.subnetIds."""


class ExternalLockStore(Model):
    mode: Literal["external"]
    host: Host
    """Redis host name."""
    port: Port = 6379
    """Redis port."""
    tls: bool = True
    """Connect over TLS (`use_ssl` in endpoints.yml)."""
    db: Annotated[int, Field(ge=0, le=15)] = 0
    """Redis database number."""
    password_secret: SecretKeyRef | None = None
    """Existing Secret key holding the Redis password (AUTH); unset: no password."""


LockStoreConfig = Annotated[
    InMemoryLockStore | InClusterLockStore | ElastiCacheLockStore | ExternalLockStore, Field(discriminator="mode")
]
