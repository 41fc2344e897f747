"""The backup and restore scripts the program renders, run for real against PostgreSQL 18.

The dump script (the backup CronJob's `pg-dump` container) and the restore script (the restore
Job's `pg-restore` container) come from the rendered manifests. The transfer to and from the
bucket (`mc`) stands between them in the cluster; here the folder the dump wrote is the folder
the restore reads. Dump, lose data, restore: the data is back, owned by the Studio user.
"""

from __future__ import annotations

import functools
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests import postgres_server
from tests.harness import containers, manifests, run_stack
from tests.postgres_server import SUPERUSER, SUPERUSER_PASSWORD, Server
from tests.test_database_scripts import database_init, plain_env, run_job
from tools import yaml_io

RESTORE_FROM = "20261204T030000Z"
STUDIO_PASSWORD = "Studio-db-password-1"
# The config tests/test_backup.py and tests/test_policy.py run too (one run per worker).
SETS = (f"database.backup.restoreFrom={RESTORE_FROM}",)


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    with postgres_server.running() as started:
        yield started


@functools.cache
def rendered(kind: str, prefix: str, container: str) -> dict[str, Any]:
    """A container of the rendered backup CronJob or restore Job, as the renderer writes it."""
    objects = [yaml_io.load(yaml_io.dump(m)) for m in manifests(run_stack("dev", *SETS))]
    (obj,) = [m for m in objects if m["kind"] == kind and m["metadata"]["name"].startswith(prefix)]
    (found,) = [c for c in containers(obj) if c["name"] == container]
    return found


def run(pg: Server, container: dict[str, Any], scratch: Path, **extra: str) -> str:
    """The container's script with its rendered env, this server's address and a local scratch."""
    env = {e["name"]: e["value"] for e in container["env"] if "value" in e}
    env.update(BACKUP_DIR=str(scratch), PGSSLMODE="disable", **extra)
    done = pg.sh(container["command"][2], pg.env(SUPERUSER, SUPERUSER_PASSWORD, env))
    assert done.returncode == 0, f"{container['name']} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def dump(pg: Server, scratch: Path) -> str:
    run(pg, rendered("CronJob", "postgresql-backup", "pg-dump"), scratch)
    return (scratch / "NAME").read_text().strip()


def restore(pg: Server, scratch: Path, name: str) -> str:
    return run(pg, rendered("Job", "postgresql-restore-", "pg-restore"), scratch, RESTORE_FROM=name)


@pytest.fixture
def studio(server: Server) -> Iterator[Server]:
    """The server as database-init leaves it, with some of Studio's and Keycloak's data."""
    server.psql(
        "SELECT format('DROP DATABASE %I WITH (FORCE)', datname) FROM pg_database"
        " WHERE datname NOT IN ('postgres', 'template0', 'template1')\\gexec\n"
        "DROP TABLE IF EXISTS rasa_studio_restores;\n"
        "SELECT format('DROP ROLE %I', rolname) FROM pg_roles"
        f" WHERE rolname NOT LIKE 'pg\\_%' AND rolname <> '{SUPERUSER}'\\gexec\n"
    )
    run_job(server, database_init("dev"), SUPERUSER, SUPERUSER_PASSWORD, STUDIO_PASSWORD)
    user = plain_env(database_init("dev"))["STUDIO_DB_USER"]
    for db, table in (("studio", "assistant"), ("keycloak", "user_entity")):
        server.psql(
            f"CREATE TABLE {table} (id serial PRIMARY KEY, name text NOT NULL UNIQUE);"
            f"INSERT INTO {table} (name) VALUES ('one'), ('two'), ('it''s three');",
            user=user,
            password=STUDIO_PASSWORD,
            db=db,
        )
    yield server


def rows(pg: Server, db: str, table: str) -> list[str]:
    return pg.psql(f"SELECT id || ':' || name FROM {table} ORDER BY id", db=db).split("\n")[:-1]


@pytest.mark.slow
def test_dump_lose_everything_restore_and_the_data_is_back(studio: Server) -> None:
    pg = studio
    before = {db: rows(pg, db, t) for db, t in (("studio", "assistant"), ("keycloak", "user_entity"))}
    with tempfile.TemporaryDirectory() as tmp:
        scratch = Path(tmp)
        name = dump(pg, scratch)
        assert sorted(p.name for p in (scratch / name).iterdir()) == [
            "keycloak.dump",
            "modelservice.dump",
            "studio.dump",
        ]
        # A database lost, another one damaged, after the backup.
        pg.psql("DROP DATABASE studio WITH (FORCE)")
        pg.psql("DELETE FROM user_entity; INSERT INTO user_entity (name) VALUES ('after the backup')", db="keycloak")

        out = restore(pg, scratch, name)
        assert f"restored studio keycloak modelservice from {name}" in out
        assert {db: rows(pg, db, t) for db, t in (("studio", "assistant"), ("keycloak", "user_entity"))} == before
        # The Studio user owns what was restored and goes on writing (the sequence came back too).
        owners = pg.psql(
            "SELECT tableowner FROM pg_tables WHERE tablename = 'assistant'"
            " UNION ALL SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'studio'",
            db="studio",
        ).split()
        assert owners == ["studio", "studio"]
        pg.psql("INSERT INTO assistant (name) VALUES ('four')", user="studio", password=STUDIO_PASSWORD, db="studio")
        assert rows(pg, "studio", "assistant")[-1] == "4:four"

        # The same restore again (its Job re-created) changes nothing: 'four' stays.
        again = restore(pg, scratch, name)
        assert "was restored before: nothing to do" in again
        assert rows(pg, "studio", "assistant")[-1] == "4:four"


@pytest.mark.slow
def test_a_backup_missing_a_database_restores_nothing(studio: Server) -> None:
    """The test can fail: a restore that dropped databases before checking its files would lose them."""
    pg = studio
    with tempfile.TemporaryDirectory() as tmp:
        scratch = Path(tmp)
        name = dump(pg, scratch)
        (scratch / name / "keycloak.dump").unlink()
        pg.psql("INSERT INTO assistant (name) VALUES ('after the backup')", db="studio")
        container = rendered("Job", "postgresql-restore-", "pg-restore")
        env = {e["name"]: e["value"] for e in container["env"] if "value" in e}
        env.update(BACKUP_DIR=str(scratch), PGSSLMODE="disable", RESTORE_FROM=name)
        done = pg.sh(container["command"][2], pg.env(SUPERUSER, SUPERUSER_PASSWORD, env))
        assert done.returncode == 1
        assert f"the backup {name} has no keycloak.dump: nothing restored" in done.stderr
        assert rows(pg, "studio", "assistant")[-1] == "4:after the backup"
