"""ElastiCache lock store (staging, prod): a Valkey or Redis OSS replication group in the foundation's VPC.

Cluster mode off (Rasa's RedisLockStore is a plain, non-cluster client on the primary endpoint),
TLS required in transit, encrypted at rest under a customer KMS key, AUTH with a generated token,
reachable on 6379 from the foundation's client security groups only. With read replicas, automatic
failover and Multi-AZ: the primary endpoint follows a promoted replica.

The auth token is the stack's lock-store password (Secret `rasa-lock-store`, counter
`passwordRotation.lockStorePassword`). A new token is an in-place ModifyReplicationGroup with
strategy ROTATE (terraform-provider-aws internal/service/elasticache/replication_group.go: auth_token
is not ForceNew and is applied after the other modifications, immediately): ElastiCache accepts
the new token beside the previous one, so the assistant's pods keep working while they roll onto
it (`SET`, which drops the old token, is refused by ElastiCache unless a ROTATE came first). The old
token stays valid afterwards too; docs/operations.md has the `SET` that revokes a leaked one.
"""

from __future__ import annotations

from collections.abc import Sequence

import pulumi
import pulumi_random as random
from pulumi_aws import ec2, elasticache, kms
from pulumi_kubernetes.core import v1 as core

from config.lock_store import ElastiCacheLockStore

from ..context import Context
from ..foundation import AwsFoundation
from ..interfaces import LockStore, SecretRef
from ..names import LOCK_STORE_PASSWORD_KEY, LOCK_STORE_SECRET
from ..ports import REDIS_PORT
from .aws_common import clients_only_security_group, customer_key
from .common import aws_name, spec_hash, stateful

# ElastiCache's replication group ids are at most 40 characters (validateReplicationGroupID).
GROUP_ID_LENGTH = 40
# Digest characters kept when the name must be cut (16M values: two instances in an account collide by chance only).
_DIGEST_LENGTH = 6
# terraform-provider-aws' defaults (replication_group.go Timeouts: 60m, 40m, 45m), stated so the CI
# job's limit can be derived from them (tools/critical_path.py), as RDS and MSK do.
TIMEOUTS = pulumi.CustomTimeouts(create="60m", update="40m", delete="45m")


def default_parameter_group(engine: str, engine_version: str) -> str:
    """ElastiCache's own parameter group for the version: `default.` and its family (valkey7,
    valkey8, valkey9, redis7; terraform-provider-aws internal/service/elasticache/diff.go
    defaultCacheParameterGroupFamily), cluster mode off.

    Named rather than left to ElastiCache: unset, the group keeps the family it was created with,
    and ModifyReplicationGroup refuses a new major version under it ("Expected a parameter group
    of family valkey8 but found one of family valkey7", aws-samples/dify-self-hosted-on-aws#24).
    Named, the new version and its group go in the same request.
    """
    return f"default.{engine}{engine_version.split('.')[0]}"


def group_id(ctx: Context) -> str:
    """The replication group's id: the stack's AWS name, or, past 40 characters, its head and a digest of all of it.

    A plain cut keeps only "rasa-studio-" and the first 28 characters of `instance` (a DNS label: up
    to 63), so two stacks whose instances share those (`customer-a-production-eu-west-1` and
    `...-eu-central-1`) would ask for one id, and the second `pulumi up` would fail half-applied.
    """
    full = aws_name(ctx, "lock-store", max_length=255)
    if len(full) <= GROUP_ID_LENGTH:
        return full
    head = full[: GROUP_ID_LENGTH - _DIGEST_LENGTH - 1].rstrip("-")
    return f"{head}-{spec_hash(full, _DIGEST_LENGTH)}"


class ElastiCacheLockStoreGroup(pulumi.ComponentResource):
    key: kms.Key
    security_group: ec2.SecurityGroup
    subnet_group: elasticache.SubnetGroup
    auth_token: random.RandomPassword
    secret: core.Secret
    group: elasticache.ReplicationGroup
    lock_store: LockStore

    def __init__(
        self,
        name: str,
        ctx: Context,
        cfg: ElastiCacheLockStore,
        aws: AwsFoundation,
        auth_token: random.RandomPassword,
        secret: core.Secret,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("rasa-studio:backing:ElastiCacheLockStore", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        identifier = group_id(ctx)
        subnets: pulumi.Input[Sequence[str]] = list(cfg.subnet_ids) if cfg.subnet_ids is not None else aws.subnet_ids
        replicated = cfg.replicas_per_shard > 0

        self.key = customer_key(name, f"{identifier}: ElastiCache storage and snapshots", ctx, self)
        # config/stack.py requires aws.clientSecurityGroupIds for assistant.lockStore.mode elasticache.
        # The description is immutable in AWS (a new one replaces the group): keep it.
        self.security_group = clients_only_security_group(
            name,
            description=f"{identifier}: Redis protocol over TLS from the EKS nodes only",
            rule="Valkey/Redis (TLS) from the EKS nodes",
            vpc_id=aws.vpc_id,
            port=REDIS_PORT,
            client_security_group_ids=aws.client_security_group_ids,
            parent=self,
        )
        self.subnet_group = elasticache.SubnetGroup(
            f"{name}-subnets",
            name=identifier,
            description=f"{identifier}: the assistant's lock store",
            subnet_ids=subnets,
            opts=child,
        )
        self.auth_token, self.secret = auth_token, secret
        self.group = elasticache.ReplicationGroup(
            f"{name}-group",
            replication_group_id=identifier,
            description=f"{identifier}: Rasa's conversation locks",
            engine=cfg.engine,
            engine_version=cfg.engine_version,
            parameter_group_name=default_parameter_group(cfg.engine, cfg.engine_version),
            node_type=cfg.node_type,
            cluster_mode="disabled",
            num_cache_clusters=1 + cfg.replicas_per_shard,
            automatic_failover_enabled=replicated,
            multi_az_enabled=replicated,
            port=REDIS_PORT,
            subnet_group_name=self.subnet_group.name,
            security_group_ids=[self.security_group.id],
            transit_encryption_enabled=True,
            transit_encryption_mode="required",
            at_rest_encryption_enabled=True,
            kms_key_id=self.key.arn,
            auth_token=self.auth_token.result,
            auth_token_update_strategy="ROTATE",
            auto_minor_version_upgrade=True,
            apply_immediately=cfg.apply_immediately,
            maintenance_window=cfg.maintenance_window,
            snapshot_window=cfg.snapshot_window,
            snapshot_retention_limit=cfg.snapshot_retention_days,
            # As RDS: protected stacks (and prod) leave the last state behind a deliberate delete.
            final_snapshot_identifier=f"{identifier}-final" if ctx.final_snapshot else None,
            opts=stateful(ctx, self, custom_timeouts=TIMEOUTS),
        )
        self.lock_store = LockStore(
            host=self.group.primary_endpoint_address,
            port=REDIS_PORT,
            tls=True,
            db=0,
            password=SecretRef(LOCK_STORE_SECRET, LOCK_STORE_PASSWORD_KEY, self.secret),
            ready=[self.secret, self.group],
            rollout_inputs=[self.auth_token.result],
        )
        self.register_outputs({"host": self.group.primary_endpoint_address})
