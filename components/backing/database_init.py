"""DatabaseInit: an idempotent Job that creates the Studio user and databases with psql.

As Rasa's playbooks do for RDS (RasaHQ/rasa-deployment-playbooks aws/configure/db-init.template.yaml): connect as the admin user, create the login
role if missing (and keep its password in sync), then each database owned by it if missing.
Safe to re-run; re-runs when the databases, the user or the server change (hash in the name).
"""

from __future__ import annotations

from collections.abc import Sequence

import pulumi
from pulumi_kubernetes.batch import v1 as batch

from config.base import ResourceList, Resources

from .. import workload
from ..context import Context
from ..interfaces import SecretRef
from ..labels import ComponentName
from .common import REPLACE_UNREADY, job_pod_labels, spec_hash

COMPONENT: ComponentName = "postgresql"
USER = workload.User(uid=999, gid=999)
RESOURCES = Resources(requests=ResourceList(cpu="50m", memory="64Mi"), limits=ResourceList(cpu="250m", memory="128Mi"))

# \gexec runs each generated statement; format() quotes identifiers (%I) and literals (%L).
# GRANT role TO CURRENT_USER: on RDS the admin is no superuser and since PostgreSQL 16 must
# be a member of a role to create a database owned by it.
SQL = r"""
SELECT format('CREATE ROLE %I WITH LOGIN', :'owner')
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'owner')\gexec
SELECT format('ALTER ROLE %I WITH LOGIN PASSWORD %L', :'owner', :'password')\gexec
SELECT format('GRANT %I TO CURRENT_USER', :'owner')
 WHERE NOT pg_has_role(CURRENT_USER, :'owner', 'MEMBER')\gexec
"""

CREATE_DATABASE = r"""
SELECT format('CREATE DATABASE %I WITH OWNER %I ENCODING ''UTF8''', :'db', :'owner')
 WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = :'db')\gexec
SELECT format('ALTER DATABASE %I OWNER TO %I', :'db', :'owner')\gexec
"""


def script(databases: Sequence[str]) -> str:
    dbs = "\n".join(
        f"""psql -v ON_ERROR_STOP=1 --dbname postgres -v db={db} -v owner="$STUDIO_DB_USER" <<'SQL'{CREATE_DATABASE}SQL"""
        for db in databases
    )
    return f"""set -eu
until pg_isready --dbname postgres; do sleep 2; done
psql -v ON_ERROR_STOP=1 --dbname postgres -v owner="$STUDIO_DB_USER" -v password="$STUDIO_DB_PASSWORD" <<'SQL'{SQL}SQL
{dbs}
"""


def job_name(databases: Sequence[str], username: str, server: str) -> str:
    return f"database-init-{spec_hash({'databases': sorted(databases), 'username': username, 'server': server})}"


class DatabaseInit(pulumi.ComponentResource):
    job: batch.Job

    def __init__(
        self,
        name: str,
        ctx: Context,
        *,
        image: str,
        host: pulumi.Input[str],
        port: int,
        sslmode: str,
        admin_user: pulumi.Input[str],
        admin_password: SecretRef,
        username: str,
        password: SecretRef,
        databases: Sequence[str],
        # Stable identity of the server (not its Output address) for the Job's name.
        server_id: str,
        depends_on: Sequence[pulumi.Resource] = (),
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("rasa-studio:backing:DatabaseInit", name, None, opts)
        psql = workload.container(
            "database-init",
            image,
            user=USER,
            resources=workload.resources(RESOURCES),
            env=[
                workload.env_value("PGHOST", host),
                workload.env_value("PGPORT", str(port)),
                workload.env_value("PGSSLMODE", sslmode),
                workload.env_value("PGCONNECT_TIMEOUT", "10"),
                workload.env_value("PGUSER", admin_user),
                workload.env_secret("PGPASSWORD", admin_password.name, admin_password.key),
                workload.env_value("STUDIO_DB_USER", username),
                workload.env_secret("STUDIO_DB_PASSWORD", password.name, password.key),
            ],
            command=["sh", "-c", script(databases)],
            volume_mounts=[workload.mount("tmp", "/tmp")],
        )
        self.job = batch.Job(
            f"{name}-job",
            metadata=ctx.metadata(
                job_name(databases, username, server_id), COMPONENT, annotations=dict(REPLACE_UNREADY)
            ),
            spec=batch.JobSpecArgs(
                backoff_limit=6,
                template=workload.pod_template(
                    job_pod_labels(ctx, COMPONENT, "database-init"),
                    workload.pod_spec(
                        [psql], user=USER, volumes=[workload.empty_dir("tmp", "16Mi")], restart_policy="OnFailure"
                    ),
                    knobs=ctx.knobs("database.setupJob"),
                ),
            ),
            opts=pulumi.ResourceOptions(parent=self, depends_on=list(depends_on)),
        )
        self.register_outputs({"job": self.job.metadata.name})
