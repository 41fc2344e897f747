"""RDS PostgreSQL: encrypted, private, TLS-only, backed up; users and databases by an in-cluster Job.

The master password is generated here (pulumi-random) rather than by RDS
(`manage_master_user_password`): the database-init Job runs in the cluster and would otherwise
need AWS credentials or an external-secrets operator to read it from Secrets Manager. It lives
encrypted in the Pulumi state and in the `postgresql-admin` Secret only.
"""

from __future__ import annotations

from collections.abc import Sequence

import pulumi
import pulumi_random as random
from pulumi_aws import ec2, kms, rds
from pulumi_kubernetes.core import v1 as core

from config.backing import RdsDatabase, RdsRestore

from ..context import Context
from ..foundation import AwsFoundation
from ..interfaces import Database, SecretRef
from ..labels import ComponentName
from ..names import POSTGRESQL_PORT
from ..secrets import DATABASE_PASSWORD, StudioSecrets
from .aws_common import clients_only_security_group, customer_key
from .common import admin_credentials, aws_name, spec_hash, stateful
from .database_init import DatabaseInit, Server

COMPONENT: ComponentName = "postgresql"
ADMIN_SECRET = "postgresql-admin"
MASTER_USER = "studio_admin"
# The psql client image of the init Job; any client speaks to newer servers' basics.
CLIENT_IMAGE = "postgres:17.2"
# terraform-provider-aws' own defaults (internal/service/rds/instance.go), stated so that the CI
# job's limit can be derived from them (tools/critical_path.py): a Multi-AZ create, a class change
# with its failover, and a delete behind a final snapshot each fit comfortably.
TIMEOUTS = pulumi.CustomTimeouts(create="40m", update="80m", delete="60m")


def parameter_group_family(engine_version: str) -> str:
    return f"postgres{engine_version.split('.')[0]}"


def instance_identifier(base: str, restore: RdsRestore | None) -> str:
    """The stack's identifier; a restored instance's has a digest of where it came from, so it is
    created beside the instance it replaces (RDS identifiers are unique per account and region)."""
    if restore is None:
        return base
    return f"{base[:56].rstrip('-')}-{spec_hash(restore.model_dump(mode='json'), 6)}"


def point_in_time(base: str, restore: RdsRestore | None) -> rds.InstanceRestoreToPointInTimeArgs | None:
    """The rds.Instance argument that creates it from a point in time of a source's backups."""
    if restore is None or restore.point_in_time is None:
        return None
    latest = restore.point_in_time == "latest"
    return rds.InstanceRestoreToPointInTimeArgs(
        source_db_instance_identifier=restore.source_identifier or base,
        use_latest_restorable_time=True if latest else None,
        restore_time=None if latest else restore.point_in_time,
    )


def database_interface(
    cfg: RdsDatabase, host: pulumi.Input[str], password: SecretRef, ready: Sequence[pulumi.Resource] = ()
) -> Database:
    """What Studio's clients get: the instance's address over TLS, as the Studio user."""
    return Database(
        host=host,
        port=POSTGRESQL_PORT,
        username=cfg.username,
        password=password,
        # rds.force_ssl refuses anything else.
        query="sslmode=require&connect_timeout=30",
        prefer_ssl=True,
        # The init Job creates every database, keycloak's included.
        databases_created=True,
        ready=list(ready),
    )


class RdsPostgresql(pulumi.ComponentResource):
    key: kms.Key
    security_group: ec2.SecurityGroup
    subnet_group: rds.SubnetGroup
    parameter_group: rds.ParameterGroup
    master_password: random.RandomPassword
    admin_secret: core.Secret
    instance: rds.Instance
    init: DatabaseInit
    database: Database

    def __init__(
        self,
        name: str,
        ctx: Context,
        cfg: RdsDatabase,
        aws: AwsFoundation,
        secrets: StudioSecrets,
        databases: Sequence[str],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("rasa-studio:backing:RdsPostgresql", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        identifier = aws_name(ctx, "postgresql")
        # Only the instance's name follows a restore: its subnet and parameter groups stay.
        instance_id = instance_identifier(identifier, cfg.restore_from)

        self.key = customer_key(name, f"{identifier}: RDS storage and Performance Insights", ctx, self)
        # config/stack.py requires aws.clientSecurityGroupIds for database.mode rds.
        # The descriptions are the ones existing stacks were created with (immutable in AWS).
        self.security_group = clients_only_security_group(
            name,
            description=f"{identifier}: PostgreSQL from the EKS nodes only",
            rule="PostgreSQL from the EKS nodes",
            vpc_id=aws.vpc_id,
            port=POSTGRESQL_PORT,
            client_security_group_ids=aws.client_security_group_ids,
            parent=self,
        )
        self.subnet_group = rds.SubnetGroup(f"{name}-subnets", name=identifier, subnet_ids=aws.subnet_ids, opts=child)
        family = parameter_group_family(cfg.engine_version)
        self.parameter_group = rds.ParameterGroup(
            f"{name}-parameters",
            # The family in the name: a major upgrade needs a new group beside the old one.
            name=f"{identifier}-{family}",
            family=family,
            parameters=[rds.ParameterGroupParameterArgs(name="rds.force_ssl", value="1")],
            opts=child,
        )
        # A new master password is an in-place modification of the instance (ModifyDBInstance
        # MasterUserPassword, applied without an outage); the init Job re-runs with it.
        self.master_password, self.admin_secret = admin_credentials(
            name,
            ctx,
            COMPONENT,
            ADMIN_SECRET,
            MASTER_USER,
            self,
            password_name="master-password",
            rotation=ctx.config.password_rotation.database_admin_password,
        )
        # With restoreFrom, a new instance (new identifier and source are force-new): protection
        # stops the update in protected stacks until the old one is let go (docs/operations.md);
        # deleting the old one leaves its final snapshot. The master password is set on the new
        # instance after the restore, and the init Job re-runs against it (new server id).
        self.instance = rds.Instance(
            f"{name}-instance",
            identifier=instance_id,
            engine="postgres",
            engine_version=cfg.engine_version,
            instance_class=cfg.instance_class,
            allocated_storage=cfg.allocated_storage_gib,
            max_allocated_storage=cfg.max_allocated_storage_gib,
            storage_type="gp3",
            storage_encrypted=True,
            kms_key_id=self.key.arn,
            username=MASTER_USER,
            password=self.master_password.result,
            db_subnet_group_name=self.subnet_group.name,
            vpc_security_group_ids=[self.security_group.id],
            parameter_group_name=self.parameter_group.name,
            publicly_accessible=False,
            multi_az=cfg.multi_az,
            backup_retention_period=cfg.backup_retention_days,
            copy_tags_to_snapshot=True,
            auto_minor_version_upgrade=True,
            # Major versions only move when database.engineVersion does (AWS never upgrades a major
            # version on its own); without this flag AWS refuses that change of the config.
            allow_major_version_upgrade=True,
            performance_insights_enabled=cfg.performance_insights,
            performance_insights_kms_key_id=self.key.arn if cfg.performance_insights else None,
            deletion_protection=ctx.protect,
            skip_final_snapshot=not ctx.final_snapshot,
            final_snapshot_identifier=f"{instance_id}-final",
            snapshot_identifier=cfg.restore_from.snapshot_identifier if cfg.restore_from else None,
            restore_to_point_in_time=point_in_time(identifier, cfg.restore_from),
            opts=stateful(ctx, self, custom_timeouts=TIMEOUTS),
        )
        admin = SecretRef(ADMIN_SECRET, "password", self.admin_secret)
        self.init = DatabaseInit(
            f"{name}-init",
            ctx,
            Server(
                image=CLIENT_IMAGE,
                host=self.instance.address,
                port=POSTGRESQL_PORT,
                sslmode="require",
                admin_user=MASTER_USER,
                admin_password=admin,
                server_id=instance_id,
            ),
            username=cfg.username,
            password=secrets.ref(DATABASE_PASSWORD),
            databases=databases,
            credentials=secrets.digest(self.master_password.result, secrets.database_password),
            depends_on=[self.instance],
            opts=child,
        )
        self.database = database_interface(
            cfg, self.instance.address, secrets.ref(DATABASE_PASSWORD), [self.instance, self.init.job]
        )
        self.register_outputs({"host": self.instance.address})
