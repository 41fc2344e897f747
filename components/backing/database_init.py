"""DatabaseInit: an idempotent Job that creates a login role and the databases it owns with psql.

As Rasa's playbooks do for RDS (RasaHQ/rasa-deployment-playbooks aws/configure/db-init.template.yaml): connect as the admin user, create the login
role if missing (and keep its password in sync), then each database owned by it if missing.
Safe to re-run; re-runs when the databases, the user, the server or a password changes (the
Job's name has a digest of them; of the passwords only a keyed digest, components/secrets.py), so a
rotated password reaches the server in the same update. One Job per role: Studio's user, and the
assistant's tracker-store role (components/backing/assistant_access.py, `for_role`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
from pulumi_kubernetes.batch import v1 as batch
from pulumi_kubernetes.core import v1 as core

from config.base import ResourceList, Resources

from .. import workload
from ..context import Context
from ..interfaces import SecretRef, created
from ..labels import ComponentName
from ..waits import JOB_ACTIVE_DEADLINE_SECONDS, job_options, logs_as_termination_message, wait_for
from .common import REPLACE_UNREADY, spec_hash

COMPONENT: ComponentName = "postgresql"
USER = workload.User(uid=999, gid=999)
RESOURCES = Resources(requests=ResourceList(cpu="50m", memory="64Mi"), limits=ResourceList(cpu="250m", memory="128Mi"))

# \gexec runs each generated statement; format() quotes identifiers (%I) and literals (%L).
# The admin is a superuser in the cluster but not on RDS, Aurora, Cloud SQL or Azure (NOSUPERUSER
# CREATEDB CREATEROLE). CREATE DATABASE ... OWNER needs the admin to be able to SET ROLE to the
# owner. Since PostgreSQL 16 a role's creator is a member WITH ADMIN but without SET (see
# createrole_self_grant in the PostgreSQL 16 release notes), so membership alone proves nothing
# there and the grant asks for SET. The password is set on every run, so a changed one applies.
SQL = r"""
SELECT format('CREATE ROLE %I WITH LOGIN', :'owner')
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'owner')\gexec
SELECT format('ALTER ROLE %I WITH LOGIN PASSWORD %L', :'owner', :'password')\gexec
SELECT current_setting('server_version_num')::int >= 160000 AS grant_has_options \gset
\if :grant_has_options
SELECT format('GRANT %I TO CURRENT_USER WITH SET TRUE', :'owner')
 WHERE NOT pg_has_role(CURRENT_USER, :'owner', 'SET')\gexec
\else
SELECT format('GRANT %I TO CURRENT_USER', :'owner')
 WHERE NOT pg_has_role(CURRENT_USER, :'owner', 'MEMBER')\gexec
\endif
"""

# A database someone else created (a restore, an earlier install) is handed to the owner; one
# that already belongs to it is left alone, so a second run changes nothing.
CREATE_DATABASE = r"""
SELECT format('CREATE DATABASE %I WITH OWNER %I ENCODING ''UTF8''', :'db', :'owner')
 WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = :'db')\gexec
SELECT format('ALTER DATABASE %I OWNER TO %I', datname, :'owner')
  FROM pg_database
 WHERE datname = :'db' AND datdba <> (SELECT oid FROM pg_roles WHERE rolname = :'owner')\gexec
"""

# PostgreSQL grants CONNECT and TEMPORARY on every new database to PUBLIC, so any login role on
# the server (the assistant's) could otherwise connect to Studio's databases: their tables stay
# unreadable to it, but it would see their schemas and functions, create temporary tables and hold
# connection slots there. Revoked, only the owner and the admin (a superuser, or RDS's master
# through its membership of the owner) connect. Only while PUBLIC still has either, so a second
# run changes nothing. A restore re-creates a database with the defaults: the Job runs again then.
CLOSE_DATABASE = r"""
SELECT format('REVOKE CONNECT, TEMPORARY ON DATABASE %I FROM PUBLIC', datname)
  FROM pg_database
 WHERE datname = :'db' AND (has_database_privilege('public', datname, 'CONNECT')
    OR has_database_privilege('public', datname, 'TEMPORARY'))\gexec
"""


def script(databases: Sequence[str], closed: Sequence[str] = ()) -> str:
    dbs = "\n".join(
        [
            *(
                f"""psql -v ON_ERROR_STOP=1 --dbname postgres -v db={db} -v owner="$STUDIO_DB_USER" <<'SQL'{CREATE_DATABASE}SQL"""
                for db in databases
            ),
            *(f"""psql -v ON_ERROR_STOP=1 --dbname postgres -v db={db} <<'SQL'{CLOSE_DATABASE}SQL""" for db in closed),
        ]
    )
    wait = wait_for("PostgreSQL at $PGHOST:$PGPORT", "pg_isready --dbname postgres --timeout 5")
    return f"""set -eu
{wait}echo "creating the user $STUDIO_DB_USER and the databases {" ".join(databases)} as $PGUSER"
psql -v ON_ERROR_STOP=1 --dbname postgres -v owner="$STUDIO_DB_USER" -v password="$STUDIO_DB_PASSWORD" <<'SQL'{SQL}SQL
{dbs}
"""


def job_name(databases: Sequence[str], username: str, server: str, credentials: str, closed: Sequence[str] = ()) -> str:
    """`credentials`: a keyed digest of the admin's and the user's passwords (never a password)."""
    spec: dict[str, object] = {
        "databases": sorted(databases),
        "username": username,
        "server": server,
        "credentials": credentials,
    }
    if closed:
        spec["closed"] = sorted(closed)
    return f"database-init-{spec_hash(spec)}"


@dataclass(frozen=True)
class Server:
    """Where a Job connects, and as whom: shared by every role's Job on one server."""

    image: str
    host: pulumi.Input[str]
    port: int
    sslmode: str
    admin_user: pulumi.Input[str]
    admin_password: SecretRef
    # Stable identity of the server (not its Output address) for the Job's name.
    server_id: str


def init_pod(
    ctx: Context,
    server: Server,
    *,
    username: str,
    password: SecretRef,
    databases: Sequence[str],
    closed: Sequence[str] = (),
) -> core.PodTemplateSpecArgs:
    """The Job's pod: psql as the admin creates the user and the databases."""
    admin_password = server.admin_password
    psql = logs_as_termination_message(
        workload.container(
            "database-init",
            server.image,
            user=USER,
            resources=workload.resources(RESOURCES),
            env=[
                workload.env_value("PGHOST", server.host),
                workload.env_value("PGPORT", str(server.port)),
                workload.env_value("PGSSLMODE", server.sslmode),
                workload.env_value("PGCONNECT_TIMEOUT", "10"),
                workload.env_value("PGUSER", server.admin_user),
                workload.env_secret("PGPASSWORD", admin_password.name, admin_password.key),
                workload.env_value("STUDIO_DB_USER", username),
                workload.env_secret("STUDIO_DB_PASSWORD", password.name, password.key),
            ],
            command=["sh", "-c", script(databases, closed)],
            volume_mounts=[workload.mount("tmp", "/tmp")],
        )
    )
    return workload.pod_template(
        # A pod group of its own (labels.HELPER_OWNER): the Job has its own flows.
        ctx.pod_labels("database-init"),
        workload.pod_spec([psql], user=USER, volumes=[workload.empty_dir("tmp", "16Mi")], restart_policy="OnFailure"),
        pod_settings=ctx.pod_settings("database-init"),
    )


class DatabaseInit(pulumi.ComponentResource):
    job: batch.Job
    server: Server

    def __init__(
        self,
        name: str,
        ctx: Context,
        server: Server,
        *,
        username: str,
        password: SecretRef,
        databases: Sequence[str],
        # A keyed digest of both passwords (StudioSecrets.digest): a new one re-runs the Job.
        credentials: pulumi.Output[str],
        depends_on: Sequence[pulumi.Resource] = (),
        # Databases of this server only their owners may connect to (CLOSE_DATABASE).
        closed: Sequence[str] = (),
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("rasa-studio:backing:DatabaseInit", name, None, opts)
        self.server = server
        self.job = batch.Job(
            f"{name}-job",
            metadata=ctx.metadata(
                credentials.apply(lambda digest: job_name(databases, username, server.server_id, digest, closed)),
                COMPONENT,
                annotations=dict(REPLACE_UNREADY),
            ),
            spec=batch.JobSpecArgs(
                backoff_limit=6,
                active_deadline_seconds=JOB_ACTIVE_DEADLINE_SECONDS,
                template=init_pod(
                    ctx,
                    server,
                    username=username,
                    password=password,
                    databases=databases,
                    closed=closed,
                ),
            ),
            opts=job_options(self, [*depends_on, *created(server.admin_password, password)]),
        )
        self.register_outputs({"job": self.job.metadata.name})

    def for_role(
        self,
        name: str,
        ctx: Context,
        *,
        username: str,
        password: SecretRef,
        databases: Sequence[str],
        credentials: pulumi.Output[str],
        closed: Sequence[str] = (),
        depends_on: Sequence[pulumi.Resource] = (),
        opts: pulumi.ResourceOptions | None = None,
    ) -> DatabaseInit:
        """The same Job for another login role on this server, run after this one: a Job of its own,
        so neither re-runs when only the other's password or databases change."""
        return DatabaseInit(
            name,
            ctx,
            self.server,
            username=username,
            password=password,
            databases=databases,
            credentials=credentials,
            closed=closed,
            depends_on=[self.job, *depends_on],
            opts=opts,
        )
