"""The assistant's lock store: nothing (in memory), Redis in the cluster, ElastiCache, or external.

PROVISIONAL (base of issue 23): the addresses the assistant reads. What creates the in-cluster
Redis and ElastiCache replaces this.
"""

from __future__ import annotations

from config.lock_store import ExternalLockStore, InClusterLockStore, LockStoreConfig

from ..context import Context
from ..interfaces import LockStore, SecretRef
from ..names import LOCK_STORE_PASSWORD_KEY, LOCK_STORE_SECRET, LOCK_STORE_SERVICE
from ..ports import REDIS_PORT


def lock_store(ctx: Context, cfg: LockStoreConfig) -> LockStore | None:
    if isinstance(cfg, ExternalLockStore):
        password = None if cfg.password_secret is None else SecretRef(cfg.password_secret.name, cfg.password_secret.key)
        return LockStore(cfg.host, cfg.port, cfg.tls, cfg.db, password)
    if isinstance(cfg, InClusterLockStore):
        return LockStore(
            ctx.service_host(LOCK_STORE_SERVICE),
            REDIS_PORT,
            False,
            0,
            SecretRef(LOCK_STORE_SECRET, LOCK_STORE_PASSWORD_KEY),
        )
    if cfg.mode == "elasticache":
        raise NotImplementedError("ElastiCache lock store: issue 23, in progress")
    return None
