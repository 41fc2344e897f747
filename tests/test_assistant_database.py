"""The assistant's tracker-store role and database, made by the rendered Jobs on a real PostgreSQL.

With `assistant.enabled`, the stack renders two database-init Jobs: Studio's (its user and
databases) and the assistant's (components/backing/assistant_access.py: its role, its database,
and Studio's databases closed to every role but their owner). Both run here as the rendered
manifests have them, in order, as the in-cluster superuser (dev) and as an admin like RDS's
(prod: NOSUPERUSER CREATEDB CREATEROLE), on PostgreSQL 18.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator

import pytest

from components.backing.postgresql_backup import RECREATE_SQL
from tests import postgres_server
from tests.harness import manifests, run_stack
from tests.postgres_server import SUPERUSER, SUPERUSER_PASSWORD, Server
from tests.test_database_scripts import RDS_ADMIN_PASSWORD, _reset, create_rds_admin, plain_env, state
from tools import yaml_io
from tools.shell_scripts import ShellScript, scripts

ENABLED = ("assistant.enabled=true", "assistant.assistantId=shop", "assistant.model.path=shop.tar.gz")
STUDIO_PASSWORD = "Studio-db-password-1"
TRACKER_PASSWORD = "Tracker-db-password-1"
ROTATED = "Tracker-db-password-2"


@functools.cache
def jobs(stack: str) -> dict[str, ShellScript]:
    """The rendered database-init Jobs of the stack with the assistant, by the role each creates."""
    # Prod serves Studio through the ALB, which cannot strip a path: the assistant takes a host there.
    host = ("assistant.host=assistant.example.com",) if stack == "prod" else ()
    rendered = [yaml_io.load(yaml_io.dump(m)) for m in manifests(run_stack(stack, *ENABLED, *host))]
    found = [s for s in scripts(rendered) if s.origin.startswith("Job/database-init-")]
    by_role = {plain_env(s)["STUDIO_DB_USER"]: s for s in found}
    assert len(by_role) == len(found) == 2, [s.origin for s in found]
    return by_role


def tracker_job(stack: str) -> ShellScript:
    return jobs(stack)["rasa"]


@pytest.fixture(scope="module")
def servers() -> Iterator[dict[str, Server]]:
    """PostgreSQL 18 (the wheel's). The role's SQL is Studio's own, whose pre-16 GRANT branch
    tests/test_database_scripts.py runs on 15; what this file adds (closing the databases, a
    second role) does not depend on the version, so one server keeps the suite short."""
    with postgres_server.running() as current:
        yield {"18": current}


def admin_of(pg: Server, stack: str) -> tuple[str, str]:
    """dev: the in-cluster superuser; prod: an admin as RDS makes its master user."""
    if stack == "dev":
        return SUPERUSER, SUPERUSER_PASSWORD
    admin = plain_env(tracker_job(stack))["PGUSER"]
    create_rds_admin(pg, admin)
    return admin, RDS_ADMIN_PASSWORD


def run(pg: Server, job: ShellScript, admin: tuple[str, str], password: str) -> str:
    env = pg.env(*admin, {**plain_env(job), "STUDIO_DB_PASSWORD": password, "PGSSLMODE": "disable"})
    done = pg.sh(job.text, env)
    assert done.returncode == 0, f"{job.origin} failed as {admin[0]}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def refused(pg: Server, user: str, password: str, db: str) -> str | None:
    """Why `user` cannot connect to `db` with `password`; None when it can."""
    try:
        pg.psql("SELECT 1", user=user, password=password, db=db)
    except RuntimeError as failed:
        return str(failed)
    return None


def writes(pg: Server, user: str, password: str, db: str) -> bool:
    out = pg.psql(
        "CREATE TABLE events (id int); INSERT INTO events VALUES (1); SELECT count(*) FROM events; DROP TABLE events;",
        user=user,
        password=password,
        db=db,
    )
    return out.strip() == "1"


@pytest.fixture(params=["dev-18", "prod-18"])
def case(request: pytest.FixtureRequest, servers: dict[str, Server]) -> tuple[str, Server]:
    stack, version = request.param.split("-", 1)
    return stack, _reset(servers[version])


def both_jobs(case: tuple[str, Server]) -> tuple[str, Server, tuple[str, str]]:
    """Studio's Job, then the assistant's, as the stack's admin: what `pulumi up` runs."""
    stack, pg = case
    admin = admin_of(pg, stack)
    run(pg, jobs(stack)["studio"], admin, STUDIO_PASSWORD)
    run(pg, tracker_job(stack), admin, TRACKER_PASSWORD)
    return stack, pg, admin


@pytest.mark.slow
def test_the_tracker_role_owns_and_writes_its_database_and_reaches_none_of_studios(case: tuple[str, Server]) -> None:
    stack, pg, admin = both_jobs(case)
    studio = jobs(stack)["studio"]

    owner = pg.psql("SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'rasa'").strip()
    assert owner == "rasa"
    assert writes(pg, "rasa", TRACKER_PASSWORD, "rasa")
    studio_dbs = [db for db in ("studio", "keycloak", "modelservice") if db in studio.text]
    assert studio_dbs[0] == "studio"
    for db in studio_dbs:
        why = refused(pg, "rasa", TRACKER_PASSWORD, db)
        assert why is not None and "permission denied for database" in why, (db, why)
        # Studio's user still reaches and writes its own.
        assert writes(pg, "studio", STUDIO_PASSWORD, db)
    # And the other way round: Studio's user has no business in the conversations.
    assert "permission denied for database" in (refused(pg, "studio", STUDIO_PASSWORD, "rasa") or "")
    # The admin still reaches every database (superuser; RDS's master through its memberships).
    for db in [*studio_dbs, "rasa"]:
        assert refused(pg, *admin, db) is None, db
    # Not a member of any role: no way into Studio's data through a grant either.
    assert pg.psql("SELECT count(*) FROM pg_auth_members WHERE member = 'rasa'::regrole").strip() == "0"


@pytest.mark.slow
def test_a_second_run_changes_nothing_and_a_rotated_password_replaces_the_old_one(case: tuple[str, Server]) -> None:
    stack, pg, admin = both_jobs(case)
    studio, tracker = jobs(stack)["studio"], tracker_job(stack)
    before = state(pg) + pg.psql("SELECT datname, datacl FROM pg_database ORDER BY 1")
    again = run(pg, studio, admin, STUDIO_PASSWORD) + run(pg, tracker, admin, TRACKER_PASSWORD)
    assert state(pg) + pg.psql("SELECT datname, datacl FROM pg_database ORDER BY 1") == before
    # Only the passwords are set again (so a new one takes effect).
    assert not any(word in again for word in ("CREATE", "GRANT", "REVOKE")), again

    # The Job a raised passwordRotation.assistantDatabasePassword re-runs (tests/test_assistant_access.py).
    run(pg, tracker, admin, ROTATED)
    assert writes(pg, "rasa", ROTATED, "rasa")
    assert "password authentication failed" in (refused(pg, "rasa", TRACKER_PASSWORD, "rasa") or "")
    # Studio's user is untouched by the assistant's rotation.
    assert writes(pg, "studio", STUDIO_PASSWORD, "studio")


@pytest.mark.slow
def test_without_closing_studios_databases_the_tracker_role_would_connect(servers: dict[str, Server]) -> None:
    """The test can fail: PostgreSQL grants CONNECT on a new database to PUBLIC, so the assistant's
    Job without its REVOKE leaves Studio's databases open to the assistant's login."""
    pg = _reset(servers["18"])
    admin = (SUPERUSER, SUPERUSER_PASSWORD)
    tracker = tracker_job("dev")
    head, sep, _closing = tracker.text.partition("psql -v ON_ERROR_STOP=1 --dbname postgres -v db=studio <<'SQL'")
    assert sep, "the Job closes the studio database"
    run(pg, jobs("dev")["studio"], admin, STUDIO_PASSWORD)
    run(pg, ShellScript(tracker.origin, head, tracker.shell, tracker.env), admin, TRACKER_PASSWORD)
    assert refused(pg, "rasa", TRACKER_PASSWORD, "studio") is None


@pytest.mark.slow
def test_a_restore_reopens_studios_databases_and_the_tracker_job_closes_them_again(
    servers: dict[str, Server],
) -> None:
    """The restore Job (postgresql_backup.py RECREATE_SQL) drops and re-creates Studio's databases
    with PostgreSQL's defaults, CONNECT for PUBLIC included; the tracker Job, which re-runs after a
    restore (its name carries the restored backup's), closes them again."""
    pg = _reset(servers["18"])
    admin = (SUPERUSER, SUPERUSER_PASSWORD)
    run(pg, jobs("dev")["studio"], admin, STUDIO_PASSWORD)
    run(pg, tracker_job("dev"), admin, TRACKER_PASSWORD)
    assert refused(pg, "rasa", TRACKER_PASSWORD, "studio") is not None
    recreate = (
        f"psql -X -q -v ON_ERROR_STOP=1 --dbname postgres -v db=studio -v owner=studio <<'SQL'{RECREATE_SQL}SQL\n"
    )
    done = pg.sh(recreate, pg.env(*admin))
    assert done.returncode == 0, done.stderr
    assert refused(pg, "rasa", TRACKER_PASSWORD, "studio") is None
    run(pg, tracker_job("dev"), admin, TRACKER_PASSWORD)
    assert "permission denied for database" in (refused(pg, "rasa", TRACKER_PASSWORD, "studio") or "")
    assert writes(pg, "studio", STUDIO_PASSWORD, "studio")
