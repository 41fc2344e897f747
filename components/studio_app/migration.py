"""DatabaseMigration: the Job that creates and migrates Studio's schema (RasaHQ/rasa-helm-charts
charts/studio/templates/studio/backend/database-migration-job.yaml).

Helm runs it as a pre-install/pre-upgrade hook. Pulumi has no hooks, so the ordering is made
explicit instead:
- Its identity (Pulumi logical name and metadata.name) carries a short digest of the image
  reference. A new Studio version is a new Job, created (and awaited until it completes) before
  anything that depends on it is updated; the old Job is deleted afterwards. Unrelated changes
  keep the identity (a changed pod template still replaces the Job in place, as Jobs are
  immutable, and so re-runs it, which a migration tolerates).
- The backend, Keycloak and event ingestion `depends_on` it.
- `pulumi.com/replaceUnready` replaces a Job that failed on an earlier `pulumi up` instead of
  waiting on it forever; the failed pod is kept until then for its logs.
- No ttlSecondsAfterFinished: the cluster deleting the Job would leave Pulumi's state stale and
  re-create (re-run) it on the next update.
"""

from __future__ import annotations

import pulumi
from pulumi_kubernetes.batch import v1 as batch
from pulumi_kubernetes.core import v1 as core

from config.versions import contract_for

from ..context import Context
from ..interfaces import Database, SecretRef, created
from ..waits import logs_as_termination_message, wait_for
from ..workload import CHART_SECURITY_SKIPS, checkov_skips, container, env_value, rasa_image_skips, rasa_tmp, resources
from . import defaults as d
from .env import migration_env
from .workloads import studio_pod, studio_user

COMPONENT: d.StudioContainer = "database-migration"

# Pulumi waits this long for the migration to finish (first installs wait for PostgreSQL too).
# The Job gives up two minutes earlier, so `pulumi up` reports the Job's failure (and the pod's
# termination message) rather than its own timeout.
TIMEOUT = "20m"
ACTIVE_DEADLINE_SECONDS = 18 * 60


def wait_for_postgres_command() -> list[str]:
    check = 'pg_isready -h "$DB_HOST" -p "$DB_PORT" -U "$DB_USER" --timeout 5'
    return ["sh", "-c", "set -eu\n" + wait_for("PostgreSQL at $DB_HOST:$DB_PORT", check)]


def job_suffix(image_ref: str) -> str:
    """Part of the Job's identity: changes with the image, and only with it."""
    return d.short_digest(image_ref)


def migration_pod(ctx: Context, database: Database, database_url: SecretRef | None) -> core.PodTemplateSpecArgs:
    """The pod of the migration Job: wait for PostgreSQL, then migrate."""
    studio = ctx.config.studio
    settings = studio.database_migration
    image = d.image(studio, COMPONENT)
    security = settings.security_context
    tmp_volumes, tmp_mounts = rasa_tmp(security.read_only_root_filesystem)
    wait = container(
        "wait-for-postgresql",
        d.WAIT_FOR_POSTGRES_IMAGE,
        user=d.POSTGRES_USER,
        resources=resources(d.WAIT_FOR_POSTGRES_RESOURCES),
        env=[
            env_value("DB_HOST", database.host),
            env_value("DB_PORT", str(database.port)),
            env_value("DB_USER", database.username),
        ],
        command=wait_for_postgres_command(),
    )
    migrate = container(
        "database-migration",
        image.ref,
        user=studio_user(security),
        resources=resources(d.RESOURCES[COMPONENT], settings.resources),
        env=migration_env(
            database,
            contract_for(studio.version),
            database_url,
            keycloak_in_cluster=studio.keycloak_in_cluster,
        ),
        # Node and Prisma write temp files: a /tmp emptyDir with the opt-in read-only root.
        volume_mounts=tmp_mounts,
        read_only_root_filesystem=security.read_only_root_filesystem,
        restricted=security.restricted,
    )
    # A failed wait or migration leaves its last log lines in the pod's status.
    logs_as_termination_message(wait)
    logs_as_termination_message(migrate)
    return studio_pod(
        ctx,
        COMPONENT,
        [migrate],
        init_containers=[wait],
        volumes=tmp_volumes,
        restart_policy="Never",
        spread=False,
        security=security,
        restricted=security.restricted,
    )


class DatabaseMigration(pulumi.ComponentResource):
    job: batch.Job
    job_name: str

    def __init__(
        self,
        name: str,
        ctx: Context,
        database: Database,
        database_url: SecretRef | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("rasa-studio:studio:DatabaseMigration", name, None, opts)
        studio = ctx.config.studio
        settings = studio.database_migration
        image = d.image(studio, COMPONENT)
        security = settings.security_context
        suffix = job_suffix(image.ref)
        self.job_name = f"{d.DATABASE_MIGRATION_JOB}-{suffix}"

        template = migration_pod(ctx, database, database_url)
        annotations = {
            "pulumi.com/replaceUnready": "true",
            **checkov_skips(
                {
                    **rasa_image_skips(security.read_only_root_filesystem),
                    **({} if security.restricted else CHART_SECURITY_SKIPS),
                }
            ),
        }
        self.job = batch.Job(
            f"{name}-{suffix}",
            metadata=ctx.metadata(self.job_name, COMPONENT, annotations=annotations),
            spec=batch.JobSpecArgs(
                backoff_limit=settings.backoff_limit,
                active_deadline_seconds=ACTIVE_DEADLINE_SECONDS,
                template=template,
            ),
            opts=pulumi.ResourceOptions(
                parent=self,
                depends_on=[*database.ready, *created(database.password, database_url)],
                custom_timeouts=pulumi.CustomTimeouts(create=TIMEOUT, update=TIMEOUT),
            ),
        )
        self.register_outputs({"job": self.job.metadata.name})
