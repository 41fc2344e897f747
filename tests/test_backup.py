"""The in-cluster database's backups under mocks: the CronJob, the restore Job, their flows and
config. tests/test_backup_scripts.py runs the scripts on a real PostgreSQL."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from components.backing.postgresql_rds import point_in_time
from config import ConfigError, validate
from config.backing import InClusterDatabase, RdsDatabase, RdsRestore
from tests.harness import containers, env_of, find, manifests, run_stack, stack_input
from tools import schema, shell_scripts, shellcheck, yaml_io
from tools.program import ProgramRun

RESTORE_FROM = "20261204T030000Z"
BACKUP = ("database.backup.restoreFrom=" + RESTORE_FROM,)


def test_no_backup_unless_configured() -> None:
    kinds = {(m["kind"], m["metadata"]["name"]) for m in manifests(run_stack("dev"))}
    assert not any(kind == "CronJob" or name.startswith("postgresql-restore") for kind, name in kinds)


def test_the_cronjob_dumps_with_the_servers_own_tools_and_uploads_with_a_pinned_client() -> None:
    run = run_stack("dev", *BACKUP)
    cron = find(run, "CronJob", "postgresql-backup")
    server = find(run, "StatefulSet", "postgresql")["spec"]["template"]["spec"]["containers"][0]
    spec = cron["spec"]
    assert (spec["schedule"], spec["timeZone"], spec["concurrencyPolicy"]) == ("0 3 * * *", "Etc/UTC", "Forbid")
    dump, upload = containers(cron)
    assert (dump["name"], upload["name"]) == ("pg-dump", "upload")
    # pg_dump must not be older than the server: the same image.
    assert dump["image"] == server["image"]
    assert upload["image"].startswith("minio/mc:RELEASE.") and "latest" not in upload["image"]
    assert env_of(upload)["RETENTION_DAYS"]["value"] == "7"
    assert env_of(dump)["PGPASSWORD"]["valueFrom"]["secretKeyRef"] == {"name": "postgresql-admin", "key": "password"}
    assert env_of(upload)["AWS_SECRET_ACCESS_KEY"]["valueFrom"]["secretKeyRef"]["name"] == "minio-credentials"
    # Retention only after the upload: a failed backup never removes the last good one.
    script = upload["command"][2]
    assert script.index("mc cp") < script.index("mc rm")


def test_backup_objects_pass_schema_validation_and_shellcheck() -> None:
    rendered = [m for m in manifests(run_stack("dev", *BACKUP)) if "postgresql-" in m["metadata"]["name"]]
    assert {m["kind"] for m in rendered} >= {"CronJob", "Job", "NetworkPolicy"}
    assert [e for m in rendered for e in schema.errors(m, "1.30")] == []
    scripts = [s for s in shell_scripts.scripts(rendered) if "postgresql-backup" in s.origin or "restore" in s.origin]
    assert len(scripts) == 4
    _, findings = shellcheck.check(scripts)
    assert findings == []


def test_the_backup_and_restore_pods_reach_postgresql_and_the_bucket_only() -> None:
    run = run_stack("dev", *BACKUP)
    for group in ("postgresql-backup", "postgresql-restore"):
        policy = find(run, "NetworkPolicy", f"rasa-studio-{group}")
        egress = policy["spec"]["egress"]
        ports = sorted(p["port"] for rule in egress for p in rule.get("ports", []) if p["port"] != 53)
        assert ports == [5432, 9000], group
    # And PostgreSQL and MinIO admit them.
    for target, port in (("postgresql", 5432), ("object-storage", 9000)):
        ingress = find(run, "NetworkPolicy", f"rasa-studio-{target}")["spec"]["ingress"]
        admitted = {
            (peer["podSelector"].get("matchLabels") or {}).get("app.kubernetes.io/name")
            for rule in ingress
            for peer in rule.get("from", [])
            if "podSelector" in peer and any(p["port"] == port for p in rule.get("ports", []))
        }
        assert {"postgresql-backup", "postgresql-restore"} <= admitted, target


def test_a_restore_runs_once_before_studio_rolls() -> None:
    before, after = run_stack("dev", "database.backup.retentionDays=7"), run_stack("dev", *BACKUP)
    (job,) = [m for m in manifests(after) if m["metadata"]["name"].startswith("postgresql-restore-")]
    assert env_of(containers(job)[1])["RESTORE_FROM"]["value"] == RESTORE_FROM
    backend = next(r for r in after.registrations if r.name.endswith("-backend-deployment"))
    assert any("postgresql-restore" in d or "-restore" in d for d in backend.depends_on), backend.depends_on

    def checksum(run: ProgramRun) -> str:
        template = find(run, "Deployment", "studio-backend")["spec"]["template"]
        return str(template["metadata"]["annotations"]["checksum/secrets"])

    # No pod may keep caches of the data a restore replaced.
    assert checksum(before) != checksum(after)


@pytest.mark.parametrize(
    ("sets", "key", "reason"),
    [
        (("database.backup.schedule=0 3 * *",), "database.backup.schedule", "five fields"),
        (("database.backup.schedule=0 0 3 * * *",), "database.backup.schedule", "five fields"),
        (("database.backup.restoreFrom=yesterday",), "database.backup.restoreFrom", "not a backup's name"),
        (("database.backup.retentionDays=0",), "database.backup.retentionDays", ">= 1"),
    ],
)
def test_bad_backup_settings_are_refused_by_key(sets: tuple[str, ...], key: str, reason: str) -> None:
    with pytest.raises(ConfigError) as info:
        run_stack("dev", *sets)
    assert any(p.startswith(f"rasa-studio:{key}: ") and reason in p for p in info.value.problems), info.value.problems


def test_a_backup_needs_a_bucket_it_can_reach_with_access_keys() -> None:
    given = stack_input("dev", "database.backup.retentionDays=7")
    given.plain["objectStorage"] = {"mode": "external", "bucket": "models", "endpoint": "https://s3.example.com"}
    config, problems = validate(given.plain)
    assert config is None
    assert any(p.startswith("rasa-studio:database.backup: uploads with access keys") for p in problems), problems
    given.plain["objectStorage"]["credentialsSecret"] = "models-keys"
    assert validate(given.plain)[0] is not None


# --- RDS: restore from a snapshot or a point in time -------------------------------------------


def rds_instance(run: ProgramRun) -> dict[str, object]:
    (instance,) = [r for r in run.registrations if r.type == "aws:rds/instance:Instance"]
    return dict(instance.inputs)


def init_job(run: ProgramRun) -> str:
    (name,) = [m["metadata"]["name"] for m in manifests(run) if m["metadata"]["name"].startswith("database-init-")]
    return str(name)


def test_rds_keeps_automated_backups() -> None:
    instance = rds_instance(run_stack("prod"))
    assert instance["backupRetentionPeriod"] == 14
    assert "snapshotIdentifier" not in instance and "restoreToPointInTime" not in instance


def test_a_snapshot_restore_is_a_new_instance_that_studio_switches_to() -> None:
    before = run_stack("prod")
    after = run_stack("prod", "database.restoreFrom.snapshotIdentifier=rasa-studio-prod-postgresql-final")
    old, new = rds_instance(before), rds_instance(after)
    assert new["snapshotIdentifier"] == "rasa-studio-prod-postgresql-final"
    # Beside the old name (identifiers are unique), with its own final snapshot.
    assert str(new["identifier"]).startswith(f"{old['identifier']}-") and new["identifier"] != old["identifier"]
    assert new["finalSnapshotIdentifier"] == f"{new['identifier']}-final"
    # Everything else as before: encrypted with the same key, same network, same backups.
    same = ("kmsKeyId", "dbSubnetGroupName", "parameterGroupName", "backupRetentionPeriod", "storageEncrypted")
    assert {k: new[k] for k in same} == {k: old[k] for k in same}
    # The init Job re-runs against it, and the pods roll onto its address (DATABASE_URL's Secret).
    assert init_job(before) != init_job(after)

    def checksum(run: ProgramRun) -> object:
        return find(run, "Deployment", "studio-backend")["spec"]["template"]["metadata"]["annotations"]

    assert checksum(before) != checksum(after)


def test_a_point_in_time_restore_reads_the_stacks_own_instance_by_default() -> None:
    old = rds_instance(run_stack("prod"))
    new = rds_instance(run_stack("prod", "database.restoreFrom.pointInTime=latest"))
    assert new["restoreToPointInTime"] == {
        "sourceDbInstanceIdentifier": old["identifier"],
        "useLatestRestorableTime": True,
    }
    # A given time instead of the latest, from another instance.
    chosen = point_in_time(
        "base", RdsRestore(point_in_time="2026-12-04T02:00:00Z", source_identifier="rasa-studio-prod-postgresql-1a2b3c")
    )
    assert chosen is not None
    assert (chosen.source_db_instance_identifier, chosen.restore_time, chosen.use_latest_restorable_time) == (
        "rasa-studio-prod-postgresql-1a2b3c",
        "2026-12-04T02:00:00Z",
        None,
    )


@pytest.mark.parametrize(
    ("sets", "key"),
    [
        (
            ("database.restoreFrom.snapshotIdentifier=a", "database.restoreFrom.pointInTime=latest"),
            "snapshotIdentifier",
        ),
        (("database.restoreFrom.pointInTime=yesterday",), "pointInTime"),
        (("database.restoreFrom.snapshotIdentifier=1-starts-with-a-digit",), "snapshotIdentifier"),
        (("database.restoreFrom.snapshotIdentifier=a", "database.restoreFrom.sourceIdentifier=b"), "sourceIdentifier"),
    ],
)
def test_bad_restore_settings_are_refused_by_key(sets: tuple[str, ...], key: str) -> None:
    with pytest.raises(ConfigError) as info:
        run_stack("prod", *sets)
    assert any(p.startswith(f"rasa-studio:database.restoreFrom.{key}: ") for p in info.value.problems), (
        info.value.problems
    )


def test_the_operations_guide_examples_are_valid_config() -> None:
    """The `database` blocks of docs/operations.md, on the stacks they are written for."""
    text = (Path(__file__).resolve().parent.parent / "docs" / "operations.md").read_text()
    blocks = [yaml_io.load(b) for b in re.findall(r"```yaml\n(.*?)```", text, flags=re.S)]
    databases = [b["rasa-studio:database"] for b in blocks if "rasa-studio:database" in b]
    assert [d["mode"] for d in databases] == ["in-cluster", "rds"]
    for database in databases:
        stack = "dev" if database["mode"] == "in-cluster" else "prod"
        config, problems = validate({**stack_input(stack).plain, "database": database})
        assert config is not None, problems
        db = config.database
        if isinstance(db, InClusterDatabase):
            assert db.backup is not None
        else:
            assert isinstance(db, RdsDatabase) and db.restore_from is not None


def test_the_restores_plans_in_dev_one_update_in_prod_stopped_by_protection_as_documented() -> None:
    from tools import plan

    dev = plan.diff(run_stack("dev", "database.backup.retentionDays=7"), run_stack("dev", *BACKUP))
    assert dev.losses() == [] and dev.stopped() == [] and dev.replaced() == [], dev.table()
    prod = plan.diff(run_stack("prod"), run_stack("prod", "database.restoreFrom.snapshotIdentifier=snap-1"))
    assert prod.losses() == []
    # docs/operations.md: unprotect the old instance first (the new one is created beside it).
    assert [s.type for s in prod.stopped()] == ["aws:rds/instance:Instance"], prod.table()
