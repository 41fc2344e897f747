"""In-cluster PostgreSQL: the official postgres image as a one-replica StatefulSet.

The databases and the Studio user are created by the image's first-start hook
(/docker-entrypoint-initdb.d). The script reads the password from env; the ConfigMap holds none.
The superuser's password is set by initdb only; a postStart hook sets it again on every start
(ADMIN_PASSWORD_HOOK), and the pods roll when it changes, so `passwordRotation.databaseAdminPassword`
reaches the server before the database-init Job logs in with the new value.
"""

from __future__ import annotations

from collections.abc import Sequence

import pulumi
import pulumi_random as random
from pulumi_kubernetes.apps import v1 as apps
from pulumi_kubernetes.core import v1 as core

from config.backing import InClusterDatabase
from config.workloads import fixed_resources

from .. import workload
from ..context import Context
from ..interfaces import Database, ObjectStorage, SecretRef
from ..labels import ComponentName
from ..names import POSTGRESQL_PORT, POSTGRESQL_SERVICE
from ..secrets import DATABASE_PASSWORD, StudioSecrets
from ..workload import CHECKSUM_ANNOTATION
from .common import (
    admin_credentials,
    data_stateful_set,
    exec_probe,
    grow_claims,
    with_probes,
)
from .database_init import DatabaseInit, Server
from .postgresql_backup import Dumped

COMPONENT: ComponentName = "postgresql"
ADMIN_USER = "postgres"
ADMIN_SECRET = "postgresql-admin"
INIT_CONFIG_MAP = "postgresql-init"
DATA_MOUNT = "/var/lib/postgresql/data"
# A subdirectory: the volume's root may hold lost+found, which initdb refuses.
PGDATA = f"{DATA_MOUNT}/pgdata"
# The postgres user of the official (Debian) image.
USER = workload.User(uid=999, gid=999)
DEFAULT_RESOURCES = fixed_resources("postgresql")


# Over the local socket, which the official image trusts: its entrypoint runs initdb with local
# `trust` and only appends `host all all all scram-sha-256` (docker-library/postgres
# docker-entrypoint.sh, pg_setup_hba_conf), so setting a new password needs no old one and no
# client from outside the pod can do the same. The loop also covers the first start, when the
# entrypoint's temporary server (socket only) answers before the real one. The container is not
# Running, and so not ready, until the hook ends; a failed hook restarts it.
ADMIN_PASSWORD_HOOK = """\
set -eu
tries=0
until pg_isready -q --dbname postgres; do
  tries=$((tries + 1))
  if [ "$tries" -ge 300 ]; then
    echo "PostgreSQL did not accept local connections within 300s; the superuser password is unchanged" >&2
    exit 1
  fi
  sleep 1
done
psql -X -q -v ON_ERROR_STOP=1 --dbname postgres --username "$POSTGRES_USER" -v password="$POSTGRES_PASSWORD" <<'SQL'
ALTER ROLE CURRENT_USER WITH PASSWORD :'password';
SQL
"""


def init_script(databases: Sequence[str]) -> str:
    """Shell for /docker-entrypoint-initdb.d: the Studio user, then one database each it owns.

    psql variables (:"name" identifiers, :'value' literals) quote the values; the password only
    ever comes from the environment.
    """
    creates = "\n".join(
        f"""psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres -v db={db} -v owner="$STUDIO_DB_USER" <<'SQL'
CREATE DATABASE :"db" WITH OWNER :"owner" ENCODING 'UTF8';
SQL"""
        for db in databases
    )
    return f"""#!/bin/sh
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres -v owner="$STUDIO_DB_USER" -v password="$STUDIO_DB_PASSWORD" <<'SQL'
CREATE ROLE :"owner" WITH LOGIN PASSWORD :'password';
SQL
{creates}
"""


def postgresql_pod(
    ctx: Context, cfg: InClusterDatabase, secret_name: str, admin_checksum: pulumi.Input[str]
) -> core.PodTemplateSpecArgs:
    """The server's pod; `admin_checksum` (a keyed digest of the superuser's password) restarts it
    on a new one, which its start hook sets."""
    ready_check = ["sh", "-c", f'pg_isready -h 127.0.0.1 -p {POSTGRESQL_PORT} -U "$POSTGRES_USER"']
    server = with_probes(
        workload.container(
            "postgresql",
            f"{cfg.image}:{cfg.tag}",
            user=USER,
            resources=workload.resources(DEFAULT_RESOURCES, cfg.resources),
            ports={"postgresql": POSTGRESQL_PORT},
            env=[
                workload.env_value("POSTGRES_USER", ADMIN_USER),
                workload.env_secret("POSTGRES_PASSWORD", ADMIN_SECRET, "password"),
                workload.env_value("PGDATA", PGDATA),
                workload.env_value("STUDIO_DB_USER", cfg.username),
                workload.env_secret("STUDIO_DB_PASSWORD", secret_name, DATABASE_PASSWORD),
            ],
            volume_mounts=[
                workload.mount("data", DATA_MOUNT),
                workload.mount("init", "/docker-entrypoint-initdb.d", read_only=True),
                # The server's socket and lock files; everything else goes to PGDATA.
                workload.mount("run", "/var/run/postgresql"),
                workload.mount("tmp", "/tmp"),
            ],
        ),
        readiness=exec_probe(ready_check, initial_delay=5, period=10),
        liveness=exec_probe(ready_check, initial_delay=30, period=20),
    )
    server.lifecycle = core.LifecycleArgs(
        post_start=core.LifecycleHandlerArgs(exec_=core.ExecActionArgs(command=["sh", "-c", ADMIN_PASSWORD_HOOK]))
    )
    spec = workload.pod_spec(
        [server],
        user=USER,
        fs_group=USER.gid,
        termination_grace_period_seconds=60,
        volumes=[
            # Executable, so the entrypoint runs it in its own shell instead of sourcing it.
            core.VolumeArgs(
                name="init",
                config_map=core.ConfigMapVolumeSourceArgs(name=INIT_CONFIG_MAP, default_mode=0o555),
            ),
            workload.empty_dir("run", "16Mi"),
            workload.empty_dir("tmp", "256Mi"),
        ],
    )
    # No checksum of the init script here: it only runs on an empty volume, so a restart would
    # change nothing (the database-init Job adds databases later). The superuser's password is
    # one: the hook sets it at start. (STUDIO_DB_PASSWORD only matters to the init script; the
    # Job sets a new one.)
    return workload.pod_template(
        ctx.labels(COMPONENT),
        spec,
        {CHECKSUM_ANNOTATION: admin_checksum},
        pod_settings=ctx.pod_settings("postgresql"),
    )


def database_interface(
    ctx: Context, cfg: InClusterDatabase, password: SecretRef, ready: Sequence[pulumi.Resource] = ()
) -> Database:
    """What Studio's clients get: the server's Service, as the Studio user."""
    return Database(
        host=ctx.service_host(POSTGRESQL_SERVICE),
        port=POSTGRESQL_PORT,
        username=cfg.username,
        password=password,
        # No TLS inside the cluster's network; schema=public as Rasa's compose setup has it.
        query="schema=public",
        prefer_ssl=False,
        ready=list(ready),
        # The init script and Job create every database, keycloak's included.
        databases_created=True,
    )


def dumped(
    ctx: Context, cfg: InClusterDatabase, admin_password: SecretRef, databases: Sequence[str], storage: ObjectStorage
) -> Dumped:
    """What the backup and restore Jobs reach the server and the bucket with."""
    return Dumped(
        image=f"{cfg.image}:{cfg.tag}",
        host=ctx.service_host(POSTGRESQL_SERVICE),
        port=POSTGRESQL_PORT,
        admin_user=ADMIN_USER,
        admin_password=admin_password,
        username=cfg.username,
        databases=databases,
        storage=storage,
    )


class InClusterPostgresql(pulumi.ComponentResource):
    admin_password: random.RandomPassword
    admin_secret: core.Secret
    init_scripts: core.ConfigMap
    service: core.Service
    stateful_set: apps.StatefulSet
    # Hold (and grow) the storage request of each claim the StatefulSet made.
    claims: list[core.PersistentVolumeClaimPatch]
    init: DatabaseInit
    database: Database

    def __init__(
        self,
        name: str,
        ctx: Context,
        cfg: InClusterDatabase,
        secrets: StudioSecrets,
        databases: Sequence[str],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("rasa-studio:backing:InClusterPostgresql", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        selector = ctx.selector(COMPONENT)

        rotation = ctx.config.password_rotation.database_admin_password
        self.admin_password, self.admin_secret = admin_credentials(
            name, ctx, COMPONENT, ADMIN_SECRET, ADMIN_USER, self, rotation=rotation
        )
        scripts = {"10-studio.sh": init_script(databases)}
        self.init_scripts = core.ConfigMap(
            f"{name}-init",
            metadata=ctx.metadata(INIT_CONFIG_MAP, COMPONENT),
            data=scripts,
            opts=child,
        )
        self.service = core.Service(
            f"{name}-service",
            metadata=ctx.metadata(POSTGRESQL_SERVICE, COMPONENT),
            spec=core.ServiceSpecArgs(
                type="ClusterIP",
                selector=selector,
                ports=[
                    core.ServicePortArgs(
                        name="postgresql", port=POSTGRESQL_PORT, target_port="postgresql", protocol="TCP"
                    )
                ],
            ),
            opts=child,
        )
        self.stateful_set = data_stateful_set(
            f"{name}-statefulset",
            ctx,
            COMPONENT,
            POSTGRESQL_SERVICE,
            postgresql_pod(ctx, cfg, secrets.name, secrets.digest(self.admin_password.result)),
            cfg.storage_size,
            parent=self,
            depends_on=[self.admin_secret, self.init_scripts, secrets.secret],
        )
        self.claims = grow_claims(name, ctx, self.stateful_set, POSTGRESQL_SERVICE, 1, cfg.storage_size, self)
        # The init script only runs on an empty volume; this Job also adds the databases a
        # later config needs (another model-service architecture) and is a no-op otherwise.
        self.init = DatabaseInit(
            f"{name}-init-job",
            ctx,
            Server(
                image=f"{cfg.image}:{cfg.tag}",
                host=ctx.service_host(POSTGRESQL_SERVICE),
                port=POSTGRESQL_PORT,
                sslmode="disable",
                admin_user=ADMIN_USER,
                admin_password=SecretRef(ADMIN_SECRET, "password", self.admin_secret),
                server_id=f"in-cluster/{POSTGRESQL_SERVICE}",
            ),
            username=cfg.username,
            password=secrets.ref(DATABASE_PASSWORD),
            databases=databases,
            credentials=secrets.digest(self.admin_password.result, secrets.database_password),
            depends_on=[self.stateful_set],
            opts=child,
        )
        self.database = database_interface(ctx, cfg, secrets.ref(DATABASE_PASSWORD), [self.stateful_set, self.init.job])
        self.register_outputs({"host": self.database.host})
