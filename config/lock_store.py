"""`assistant.lockStore`: where the assistant's replicas lock a conversation while one handles it.

Rasa Pro processes one message of a conversation at a time; with one replica its in-memory lock
store is enough, with more every replica must see the same locks, in Redis
(https://rasa.com/docs/reference/architecture/lock-stores). Redis runs in the cluster (dev), on
ElastiCache (staging, prod) or is someone else's (external).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import BeforeValidator, Field, model_validator

from .aws import SubnetId
from .base import Host, ImageRepository, ImageTag, Model, Port, Resources, SecretKeyRef, version_as_text
from .errors import InvalidKey
from .pods import PodSettings

if TYPE_CHECKING:
    from .stack import StackConfig

# What ElastiCache creates node-based replication groups with, by engine (Amazon ElastiCache
# User Guide, "Supported engines and versions": Valkey 7.2 to 9.1, Redis OSS 7.0 and 7.1; Redis
# OSS 6.2 and older lack the transit encryption mode the group is created with).
ENGINE_VERSIONS: dict[str, tuple[str, ...]] = {
    "valkey": ("7.2", "8.0", "8.1", "8.2", "9.0", "9.1"),
    "redis": ("7.0", "7.1"),
}
# Node families ElastiCache still creates clusters with (API reference, CacheNode: the current
# generation; T2 and older take no new clusters). Burstable ones come in micro to medium only.
# r6gd is left out: its data tiering is a different product (and a force-new setting).
BURSTABLE_FAMILIES = ("t3", "t4g")
NODE_FAMILIES = (*BURSTABLE_FAMILIES, "m5", "m6g", "m7g", "r5", "r6g", "r7g", "c7gn")
_BURSTABLE_SIZES = ("micro", "small", "medium")
_SIZE = re.compile(r"^(large|xlarge|[0-9]+xlarge)$")
# ElastiCache's window formats (ddd:hh24:mi-ddd:hh24:mi weekly, hh24:mi-hh24:mi daily), UTC.
_DAY = "(mon|tue|wed|thu|fri|sat|sun)"
_TIME = "([01][0-9]|2[0-3]):[0-5][0-9]"
WEEKLY_WINDOW = rf"^{_DAY}:{_TIME}-{_DAY}:{_TIME}$"
DAILY_WINDOW = rf"^{_TIME}-{_TIME}$"


DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY = 1440
WEEK = 7 * DAY


def window_minutes(window: str) -> int:
    """Length of a daily (`hh:mm-hh:mm`) or weekly (`ddd:hh:mm-ddd:hh:mm`) window, across midnight or the week's end."""

    def minute(point: str) -> int:
        *day, hours, minutes = point.split(":")
        return (DAYS.index(day[0]) * DAY if day else 0) + int(hours) * 60 + int(minutes)

    start, end = window.split("-")
    span = WEEK if start[0].isalpha() else DAY
    return (minute(end) - minute(start)) % span


def window_start(window: str) -> int:
    """Minutes from Monday 00:00 (weekly) or midnight (daily) to the window's start."""
    *day, hours, minutes = window.split("-")[0].split(":")
    return (DAYS.index(day[0]) * DAY if day else 0) + int(hours) * 60 + int(minutes)


def windows_overlap(daily: str, weekly: str) -> bool:
    """Whether a daily window meets a weekly one on any day of the week (both half-open, UTC)."""
    weekly_start, weekly_length = window_start(weekly), window_minutes(weekly)
    daily_start, daily_length = window_start(daily), window_minutes(daily)
    for day in range(7):
        # On a circle of one week: either window starts inside the other.
        offset = (weekly_start - (day * DAY + daily_start)) % WEEK
        if offset < daily_length or (WEEK - offset) % WEEK < weekly_length:
            return True
    return False


class InMemoryLockStore(Model):
    mode: Literal["in-memory"]
    """Each replica keeps its own locks: only correct with one replica."""


class InClusterLockStore(PodSettings):
    mode: Literal["in-cluster"]
    image: ImageRepository = "valkey/valkey"
    """Valkey (the Linux Foundation's Redis fork, the same protocol) official image, Debian variant (user 999)."""
    tag: ImageTag = "8.1.11"
    """Image tag."""
    resources: Resources | None = None
    """Container requests and limits; unset: the component's built-in sizing."""


class ElastiCacheLockStore(Model):
    mode: Literal["elasticache"]
    engine: Literal["valkey", "redis"] = "valkey"
    """ElastiCache engine."""
    engine_version: Annotated[str, BeforeValidator(version_as_text), Field(pattern=r"^\d+\.\d+$")] = "8.1"
    """
    Engine version (major.minor): valkey 7.2 to 9.1, redis 7.0 or 7.1. Upgrades apply in place (a new major with its
    default parameter group in the same request); a downgrade replaces the group.
    """
    node_type: Annotated[str, Field(pattern=r"^cache\.[a-z0-9]+\.[a-z0-9]+$")] = "cache.t4g.small"
    """Cache node type of a current generation (t3, t4g, m5, m6g, m7g, r5, r6g, r7g, c7gn)."""
    replicas_per_shard: Annotated[int, Field(ge=0, le=5)] = 1
    """Read replicas besides the primary; 1 or more adds automatic failover across zones (Multi-AZ)."""
    snapshot_retention_days: Annotated[int, Field(ge=0, le=35)] = 1
    """Daily snapshots kept; 0: none."""
    snapshot_window: Annotated[str, Field(pattern=DAILY_WINDOW)] | None = None
    """Daily snapshot window, UTC (`hh24:mi-hh24:mi`, at least 60 minutes, clear of maintenanceWindow); unset: ElastiCache picks one."""
    maintenance_window: Annotated[str, Field(pattern=WEEKLY_WINDOW)] | None = None
    """Weekly maintenance window, UTC (`ddd:hh24:mi-ddd:hh24:mi`, lower case); unset: ElastiCache picks one."""
    apply_immediately: bool = False
    """Apply node type and engine version changes now rather than in the maintenance window (as RDS, off by default)."""
    subnet_ids: Annotated[list[SubnetId], Field(min_length=2)] | None = None
    """The cache's subnets; unset: aws.subnetIds."""

    @model_validator(mode="after")
    def _supported(self) -> ElastiCacheLockStore:
        versions = ENGINE_VERSIONS[self.engine]
        if self.engine_version not in versions:
            raise InvalidKey(
                "engineVersion",
                f"{self.engine} on ElastiCache is one of {', '.join(versions)}, got {self.engine_version}",
            )
        _, family, size = self.node_type.split(".")
        if family not in NODE_FAMILIES:
            raise InvalidKey(
                "nodeType",
                f"{self.node_type}: the family is one of {', '.join(NODE_FAMILIES)} "
                "(current generation; ElastiCache creates no new clusters on older ones)",
            )
        sizes_ok = size in _BURSTABLE_SIZES if family in BURSTABLE_FAMILIES else bool(_SIZE.match(size))
        if not sizes_ok:
            raise InvalidKey("nodeType", f"{self.node_type} is not a size ElastiCache offers for {family}")
        for key, window in (("snapshotWindow", self.snapshot_window), ("maintenanceWindow", self.maintenance_window)):
            if window is not None and window_minutes(window) < 60:
                raise InvalidKey(key, f"{window} is shorter than the 60 minutes ElastiCache requires")
        # ElastiCache refuses a snapshot window that overlaps the maintenance window ("The snapshot
        # window and maintenance window must not overlap", hashicorp/terraform#17247), at apply time.
        if (
            self.snapshot_window is not None
            and self.maintenance_window is not None
            and windows_overlap(self.snapshot_window, self.maintenance_window)
        ):
            raise InvalidKey(
                "snapshotWindow",
                f"{self.snapshot_window} overlaps maintenanceWindow {self.maintenance_window}: ElastiCache refuses "
                "a snapshot window that overlaps the maintenance window",
            )
        return self

    def zone_count(self, stack_zones: int) -> int:
        """Availability zones the nodes may use, one subnet each: the cache's own subnets, else the stack's."""
        return len(self.subnet_ids) if self.subnet_ids is not None else stack_zones


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


def lock_store_problem(config: StackConfig) -> tuple[str, str] | None:
    """How the lock store contradicts the rest of the stack: (key, why), or None."""
    store = config.assistant.lock_store
    if not isinstance(store, ElastiCacheLockStore) or store.replicas_per_shard == 0:
        return None
    zones = store.zone_count(config.zone_count)
    if zones < 2:
        return (
            "assistant.lockStore.replicasPerShard",
            f"{store.replicas_per_shard} replica(s) with automatic failover (Multi-AZ) need subnets in at least 2 "
            f"availability zones, aws.subnetIds has {zones}; set 0 or add subnets",
        )
    return None
