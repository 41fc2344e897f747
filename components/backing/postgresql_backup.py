"""PostgresqlBackup: scheduled pg_dump of the in-cluster PostgreSQL to the object-storage bucket,
and a one-time restore of one of those backups.

A backup is a folder `<prefix>/<name>/` in the bucket, `<name>` the UTC time the dump started
(20261204T030000Z), holding one `pg_dump --format=custom` file per Studio database (and the
assistant's tracker database, which the restore Job leaves alone: `Dumped.dumped_only`). Each pod
has two containers, because no one image has both clients: the postgres image the server runs (its
pg_dump and pg_restore are the server's own version, which a dump must not be older than), and
MinIO's client `mc` (the image the bucket Job already uses; it speaks to MinIO and any
S3-compatible store with access keys). They hand the files over in an emptyDir:
- backup (CronJob): init container `pg-dump` dumps and reads every dump back, then `upload` copies
  the folder to the bucket and only then removes backups older than `retentionDays`, so a failing
  backup never removes the last good one;
- restore (Job, `database.backup.restoreFrom`): init container `download` fetches the folder, then
  `pg-restore` checks every dump before it touches a database, then per database drops it (with
  the sessions of Studio's pods, which roll afterwards), re-creates it for the Studio user and
  restores into it in one transaction. The restored name is recorded in the server, so a Job that
  runs again (a `pulumi up` after the Job was deleted) restores nothing twice.

The dumps are consistent per database (pg_dump takes one snapshot each), not across databases:
Studio's and Keycloak's data are dumped a few seconds apart.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
from pulumi_kubernetes.batch import v1 as batch
from pulumi_kubernetes.core import v1 as core

from config.backing import PostgresqlBackup as BackupConfig
from config.base import ResourceList, Resources

from .. import workload
from ..context import Context
from ..interfaces import ObjectStorage, SecretRef, created
from ..labels import ComponentName, HelperName
from ..waits import JOB_ACTIVE_DEADLINE_SECONDS, job_options, logs_as_termination_message, wait_for
from .common import REPLACE_UNREADY, spec_hash

COMPONENT: ComponentName = "postgresql"
BACKUP_GROUP: HelperName = "postgresql-backup"
RESTORE_GROUP: HelperName = "postgresql-restore"
CRON_JOB = "postgresql-backup"
SCRATCH = "/backup"
# The postgres user of the official image; MinIO's client image runs as any non-root user.
POSTGRES_USER = workload.User(uid=999, gid=999)
CLIENT_USER = workload.User(uid=1000, gid=999)
RESOURCES = Resources(requests=ResourceList(cpu="100m", memory="128Mi"), limits=ResourceList(cpu="1", memory="512Mi"))
# A dump or restore of a large database takes longer than a setup Job may.
BACKUP_DEADLINE_SECONDS = 6 * 3600
STORAGE_ALIAS = "store"

WAIT_FOR_POSTGRES = wait_for("PostgreSQL at $PGHOST:$PGPORT", "pg_isready --dbname postgres --timeout 5")
WAIT_FOR_STORAGE = wait_for(
    "object storage at $S3_ENDPOINT",
    f'mc alias set {STORAGE_ALIAS} "$S3_ENDPOINT" "$AWS_ACCESS_KEY_ID" "$AWS_SECRET_ACCESS_KEY" >/dev/null',
)

# pg-dump: every database into $BACKUP_DIR/<name>/, each read back by pg_restore --list (a dump it
# cannot read is no backup), then the name for the upload container.
DUMP_SCRIPT = (
    "set -eu\n"
    + WAIT_FOR_POSTGRES
    + """\
name=$(date -u +%Y%m%dT%H%M%SZ)
mkdir "$BACKUP_DIR/$name"
for db in $BACKUP_DATABASES; do
  echo "dumping $db into $name/$db.dump"
  pg_dump --format=custom --no-password --dbname "$db" --file "$BACKUP_DIR/$name/$db.dump"
  pg_restore --list "$BACKUP_DIR/$name/$db.dump" >/dev/null
done
printf '%s\\n' "$name" > "$BACKUP_DIR/NAME"
"""
)

# upload: the folder to the bucket, then the retention, which only ever runs after an upload.
UPLOAD_SCRIPT = (
    "set -eu\n"
    + 'name=$(cat "$BACKUP_DIR/NAME")\n'
    + WAIT_FOR_STORAGE
    + f"""\
target="{STORAGE_ALIAS}/$BUCKET_NAME/$BACKUP_PREFIX"
mc cp --recursive "$BACKUP_DIR/$name/" "$target/$name/"
echo "uploaded the backup $name to $BUCKET_NAME/$BACKUP_PREFIX/$name"
mc rm --recursive --force --older-than "${{RETENTION_DAYS}}d" "$target/"
"""
)

# download: the backup to restore, which must be there.
DOWNLOAD_SCRIPT = (
    "set -eu\n"
    + WAIT_FOR_STORAGE
    + f"""\
source="{STORAGE_ALIAS}/$BUCKET_NAME/$BACKUP_PREFIX/$RESTORE_FROM/"
mc cp --recursive "$source" "$BACKUP_DIR/$RESTORE_FROM/"
"""
)

# \\gexec runs what the SELECT generates: DROP DATABASE ... WITH (FORCE) ends Studio's sessions
# (PostgreSQL 13+); the Studio user owns the new database, and pg_restore creates every object as
# it (--role), whoever owned them where the dump was taken.
RECREATE_SQL = r"""
SELECT format('DROP DATABASE IF EXISTS %I WITH (FORCE)', :'db')\gexec
SELECT format('CREATE DATABASE %I WITH OWNER %I ENCODING ''UTF8''', :'db', :'owner')\gexec
"""
# Which backups this server has had restored (in its `postgres` database, which no dump touches).
RESTORED_SQL = r"""
CREATE TABLE IF NOT EXISTS rasa_studio_restores (name text PRIMARY KEY, restored_at timestamptz NOT NULL DEFAULT now());
SELECT count(*) FROM rasa_studio_restores WHERE name = :'name';
"""

# pg-restore: everything checked before anything is dropped; one database after the other.
RESTORE_SCRIPT = (
    "set -eu\n"
    + WAIT_FOR_POSTGRES
    + f"""\
dir="$BACKUP_DIR/$RESTORE_FROM"
for db in $BACKUP_DATABASES; do
  if [ ! -s "$dir/$db.dump" ]; then
    echo "the backup $RESTORE_FROM has no $db.dump: nothing restored" >&2
    exit 1
  fi
  pg_restore --list "$dir/$db.dump" >/dev/null
done
psql() {{ command psql -X -q -v ON_ERROR_STOP=1 "$@"; }}
restored=$(psql -At --dbname postgres -v name="$RESTORE_FROM" <<'SQL'{RESTORED_SQL}SQL
)
if [ "$restored" != 0 ]; then
  echo "the backup $RESTORE_FROM was restored before: nothing to do"
  exit 0
fi
for db in $BACKUP_DATABASES; do
  echo "restoring $db from $RESTORE_FROM"
  psql --dbname postgres -v db="$db" -v owner="$STUDIO_DB_USER" <<'SQL'{RECREATE_SQL}SQL
  pg_restore --exit-on-error --single-transaction --no-owner --no-privileges --role "$STUDIO_DB_USER" \\
    --dbname "$db" "$dir/$db.dump"
done
psql --dbname postgres -v name="$RESTORE_FROM" <<'SQL'
INSERT INTO rasa_studio_restores (name) VALUES (:'name');
SQL
echo "restored $BACKUP_DATABASES from $RESTORE_FROM"
"""
)


def restore_job_name(name: str) -> str:
    return f"postgresql-restore-{spec_hash({'restoreFrom': name})}"


@dataclass(frozen=True)
class Dumped:
    """The server whose databases the Jobs dump and restore, and the bucket they keep them in."""

    image: str
    host: str
    port: int
    admin_user: str
    admin_password: SecretRef
    # The owner a restore gives the restored databases.
    username: str
    databases: Sequence[str]
    storage: ObjectStorage
    # Dumped with the others but not put back by the restore Job: the assistant's tracker
    # database, owned by a role of its own that the restore (for Studio's user) cannot recreate
    # it for; docs/operations.md has its restore by hand.
    dumped_only: Sequence[str] = ()


def backup_pods(
    ctx: Context, cfg: BackupConfig, dumped: Dumped
) -> tuple[core.PodTemplateSpecArgs, core.PodTemplateSpecArgs | None]:
    """The backup's pod, and the restore's with `restoreFrom` (else None)."""
    storage = dumped.storage
    assert storage.credentials_secret is not None  # config/stack.py requires access keys
    client_image = f"{cfg.client_image}:{cfg.client_tag}"
    connect = [
        workload.env_value("PGHOST", dumped.host),
        workload.env_value("PGPORT", str(dumped.port)),
        workload.env_value("PGCONNECT_TIMEOUT", "10"),
        workload.env_value("PGUSER", dumped.admin_user),
        workload.env_secret("PGPASSWORD", dumped.admin_password.name, dumped.admin_password.key),
    ]
    dump_env = [*connect, workload.env_value("BACKUP_DATABASES", " ".join([*dumped.databases, *dumped.dumped_only]))]
    restore_databases = [*connect, workload.env_value("BACKUP_DATABASES", " ".join(dumped.databases))]
    endpoint = storage.endpoint if storage.endpoint is not None else f"https://s3.{storage.region}.amazonaws.com"
    storage_env = [
        workload.env_value("S3_ENDPOINT", endpoint),
        workload.env_value("BUCKET_NAME", storage.bucket),
        workload.env_value("BACKUP_PREFIX", cfg.prefix),
        workload.env_value("MC_CONFIG_DIR", "/tmp/.mc"),
        workload.env_secret("AWS_ACCESS_KEY_ID", storage.credentials_secret, "AWS_ACCESS_KEY_ID"),
        workload.env_secret("AWS_SECRET_ACCESS_KEY", storage.credentials_secret, "AWS_SECRET_ACCESS_KEY"),
    ]
    mounts = [workload.mount("scratch", SCRATCH), workload.mount("tmp", "/tmp")]
    scratch = workload.env_value("BACKUP_DIR", SCRATCH)
    volumes = [workload.empty_dir("scratch", cfg.scratch_size), workload.empty_dir("tmp", "64Mi")]

    def step(
        container: str, image_ref: str, user: workload.User, env: list[core.EnvVarArgs], script: str
    ) -> core.ContainerArgs:
        return logs_as_termination_message(
            workload.container(
                container,
                image_ref,
                user=user,
                resources=workload.resources(RESOURCES),
                env=[scratch, *env],
                command=["sh", "-c", script],
                volume_mounts=mounts,
            )
        )

    def pod(group: HelperName, first: core.ContainerArgs, then: core.ContainerArgs) -> core.PodTemplateSpecArgs:
        return workload.pod_template(
            # A pod group of its own (labels.HELPER_OWNER): flows to PostgreSQL and the bucket.
            ctx.pod_labels(group),
            workload.pod_spec(
                [then],
                init_containers=[first],
                user=POSTGRES_USER,
                # Both containers share the scratch volume through the postgres group.
                fs_group=POSTGRES_USER.gid,
                volumes=volumes,
                restart_policy="Never",
            ),
            pod_settings=ctx.pod_settings(group),
        )

    backup_pod = pod(
        BACKUP_GROUP,
        step("pg-dump", dumped.image, POSTGRES_USER, dump_env, DUMP_SCRIPT),
        step(
            "upload",
            client_image,
            CLIENT_USER,
            [*storage_env, workload.env_value("RETENTION_DAYS", str(cfg.retention_days))],
            UPLOAD_SCRIPT,
        ),
    )
    if cfg.restore_from is None:
        return backup_pod, None
    restore_env = [workload.env_value("RESTORE_FROM", cfg.restore_from)]
    restore_pod = pod(
        RESTORE_GROUP,
        step("download", client_image, CLIENT_USER, [*storage_env, *restore_env], DOWNLOAD_SCRIPT),
        step(
            "pg-restore",
            dumped.image,
            POSTGRES_USER,
            [*restore_databases, *restore_env, workload.env_value("STUDIO_DB_USER", dumped.username)],
            RESTORE_SCRIPT,
        ),
    )
    return backup_pod, restore_pod


class PostgresqlBackup(pulumi.ComponentResource):
    """The backup CronJob and, with `restoreFrom`, the restore Job."""

    cron_job: batch.CronJob
    # The restore of `restoreFrom`, or None.
    restore: batch.Job | None

    def __init__(
        self,
        name: str,
        ctx: Context,
        cfg: BackupConfig,
        dumped: Dumped,
        *,
        depends_on: Sequence[pulumi.Resource],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("rasa-studio:backing:PostgresqlBackup", name, None, opts)
        backup_pod, restore_pod = backup_pods(ctx, cfg, dumped)
        storage, admin_password = dumped.storage, dumped.admin_password
        self.cron_job = batch.CronJob(
            f"{name}-cronjob",
            metadata=ctx.metadata(CRON_JOB, COMPONENT),
            spec=batch.CronJobSpecArgs(
                schedule=cfg.schedule,
                time_zone="Etc/UTC",
                # One dump at a time; a missed run is made up within the hour, not days later.
                concurrency_policy="Forbid",
                starting_deadline_seconds=3600,
                successful_jobs_history_limit=3,
                failed_jobs_history_limit=3,
                job_template=batch.JobTemplateSpecArgs(
                    spec=batch.JobSpecArgs(
                        # A failed dump is retried by the next run, not by a pile of pods.
                        backoff_limit=1,
                        active_deadline_seconds=BACKUP_DEADLINE_SECONDS,
                        template=backup_pod,
                    )
                ),
            ),
            # Its first run finds the bucket there, and the Secret it reads.
            opts=pulumi.ResourceOptions(
                parent=self, depends_on=[*depends_on, *storage.ready, *created(admin_password)]
            ),
        )

        self.restore = None
        if restore_pod is not None:
            assert cfg.restore_from is not None
            self.restore = batch.Job(
                f"{name}-restore",
                metadata=ctx.metadata(restore_job_name(cfg.restore_from), COMPONENT, annotations=dict(REPLACE_UNREADY)),
                spec=batch.JobSpecArgs(
                    backoff_limit=2, active_deadline_seconds=JOB_ACTIVE_DEADLINE_SECONDS, template=restore_pod
                ),
                opts=job_options(self, [*depends_on, *storage.ready, *created(admin_password)]),
            )
        self.register_outputs({"cronJob": self.cron_job.metadata.name})
