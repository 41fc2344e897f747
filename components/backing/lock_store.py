"""The assistant's lock store: nothing (in memory), Valkey in the cluster, ElastiCache, or external.

Locks are Rasa's per-conversation tickets (https://rasa.com/docs/reference/architecture/lock-stores):
they live seconds and a restart only loses locks that expire anyway, so the in-cluster server
keeps nothing on disk (ElastiCache keeps its snapshots per `snapshotRetentionDays`). What the stack
keeps is the password, generated here (counter `passwordRotation.lockStorePassword`) into Secret
`rasa-lock-store` key `REDIS_PASSWORD`, the one place the assistant reads it from in both managed
modes. ElastiCache's module is imported only when chosen, so a dev stack never loads pulumi_aws.
"""

from __future__ import annotations

import pulumi
import pulumi_random as random
from pulumi_kubernetes.core import v1 as core

from config.lock_store import ElastiCacheLockStore, ExternalLockStore, InClusterLockStore, LockStoreConfig

from ..context import Context
from ..interfaces import LockStore, SecretRef
from ..labels import ComponentName
from ..names import LOCK_STORE_PASSWORD_KEY, LOCK_STORE_SECRET
from ..secrets import StudioSecrets, generated_password

COMPONENT: ComponentName = "lock-store"


def credentials(name: str, ctx: Context, parent: pulumi.Resource) -> tuple[random.RandomPassword, core.Secret]:
    """The generated password and Secret `rasa-lock-store` that holds it.

    Letters and digits only (generated_password): inside ElastiCache's auth-token rules (16 to
    128 printable characters, the only others `!&#$^<>-`: Amazon ElastiCache User Guide,
    "Authenticating with the Valkey and Redis OSS AUTH command"; terraform-provider-aws only refuses
    `@ " /`) and safe in the server's config line.
    """
    password = generated_password(f"{name}-password", ctx.config.password_rotation.lock_store_password, parent)
    value: pulumi.Output[str] = pulumi.Output.secret(password.result)
    secret = core.Secret(
        f"{name}-secret",
        metadata=ctx.metadata(LOCK_STORE_SECRET, COMPONENT),
        type="Opaque",
        string_data={LOCK_STORE_PASSWORD_KEY: value},
        opts=pulumi.ResourceOptions(parent=parent),
    )
    return password, secret


def lock_store(
    name: str, ctx: Context, cfg: LockStoreConfig, secrets: StudioSecrets, opts: pulumi.ResourceOptions
) -> LockStore | None:
    """What the assistant connects to; None: in memory (one replica)."""
    if isinstance(cfg, ExternalLockStore):
        password = None if cfg.password_secret is None else SecretRef(cfg.password_secret.name, cfg.password_secret.key)
        return LockStore(cfg.host, cfg.port, cfg.tls, cfg.db, password)
    if not isinstance(cfg, (InClusterLockStore, ElastiCacheLockStore)):
        return None
    # Beside the server rather than inside it: a move between in-cluster and ElastiCache keeps the
    # Secret's identity (another parent would create a second `rasa-lock-store` before deleting
    # the first, which the API server refuses) and the password.
    assert opts.parent is not None
    generated, secret = credentials(name, ctx, opts.parent)
    if isinstance(cfg, InClusterLockStore):
        from .lock_store_in_cluster import InClusterLockStoreServer

        return InClusterLockStoreServer(name, ctx, cfg, secrets, generated, secret, opts).lock_store
    from .lock_store_elasticache import ElastiCacheLockStoreGroup

    assert ctx.aws is not None  # components/foundation.py uses_aws: the foundation has the AWS facts
    return ElastiCacheLockStoreGroup(name, ctx, cfg, ctx.aws, generated, secret, opts).lock_store
