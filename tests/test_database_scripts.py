"""The PostgreSQL scripts the program renders, run for real against PostgreSQL 18.

The scripts come from the rendered manifests (the database-init Job's command, the in-cluster
init ConfigMap) as the renderer writes them, not from the Python that builds them. Each runs as the in-cluster superuser and
as an admin like the one RDS creates (NOSUPERUSER CREATEDB CREATEROLE), twice: the second run
must change nothing. Then the Studio user must own, and be able to write, every database.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import Any

import pytest

from components.waits import wait_for
from tests import postgres_server
from tests.harness import manifests, run_stack
from tests.postgres_server import SUPERUSER, SUPERUSER_PASSWORD, Server
from tools import yaml_io
from tools.shell_scripts import ShellScript, scripts

DATABASES = ("studio", "keycloak", "modelservice")
RDS_ADMIN_PASSWORD = "rds-admin-password"
PASSWORDS = {
    "plain": "Studio-db-password-1",
    # Quotes, spaces, a backslash and shell syntax: psql variables must carry them unchanged.
    "quotes-and-spaces": """it's a "quoted" pass word \\ with $HOME and `id`; --""",
}

# What the database-init Job ran before PostgreSQL 16 support was fixed (kept here to show that
# the RDS-admin test fails on it): membership WITH ADMIN but without SET passed its check.
OLD_ROLE_SQL = r"""
SELECT format('CREATE ROLE %I WITH LOGIN', :'owner')
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'owner')\gexec
SELECT format('ALTER ROLE %I WITH LOGIN PASSWORD %L', :'owner', :'password')\gexec
SELECT format('GRANT %I TO CURRENT_USER', :'owner')
 WHERE NOT pg_has_role(CURRENT_USER, :'owner', 'MEMBER')\gexec
"""


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    with postgres_server.running() as started:
        yield started


@pytest.fixture
def pg(server: Server) -> Server:
    """The server without any database or role a previous test created."""
    return _reset(server)


def _reset(server: Server) -> Server:
    server.psql(
        "SELECT format('DROP DATABASE %I WITH (FORCE)', datname) FROM pg_database"
        " WHERE datname NOT IN ('postgres', 'template0', 'template1')\\gexec\n"
        "SELECT format('DROP ROLE %I', rolname) FROM pg_roles"
        f" WHERE rolname NOT LIKE 'pg\\_%' AND rolname <> '{SUPERUSER}'\\gexec\n"
    )
    return server


@functools.cache
def rendered_manifests(stack: str) -> list[dict[str, Any]]:
    """The stack's objects as the renderer writes them to manifests/*.yaml, read back."""
    return [yaml_io.load(yaml_io.dump(m)) for m in manifests(run_stack(stack))]


def _rendered(stack: str, origin_prefix: str) -> ShellScript:
    found = [s for s in scripts(rendered_manifests(stack)) if s.origin.startswith(origin_prefix)]
    assert len(found) == 1, [s.origin for s in found]
    return found[0]


def database_init(stack: str) -> ShellScript:
    return _rendered(stack, "Job/database-init-")


def plain_env(script: ShellScript) -> dict[str, str]:
    return {e["name"]: e["value"] for e in script.env if "value" in e}


def studio_user(stack: str) -> str:
    return plain_env(database_init(stack))["STUDIO_DB_USER"]


def run_job(pg: Server, job: ShellScript, admin: str, admin_password: str, password: str) -> str:
    # The rendered env, with this server's address in place of the cluster's.
    env = pg.env(admin, admin_password, {**plain_env(job), "STUDIO_DB_PASSWORD": password, "PGSSLMODE": "disable"})
    done = pg.sh(job.text, env)
    assert done.returncode == 0, f"{job.origin} failed as {admin}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def create_rds_admin(pg: Server, name: str) -> None:
    # What RDS's master user is, minus the rds_* roles: no superuser, may create roles and databases.
    pg.psql(f"CREATE ROLE {name} WITH LOGIN NOSUPERUSER CREATEDB CREATEROLE PASSWORD '{RDS_ADMIN_PASSWORD}'")


def state(pg: Server) -> str:
    """Roles, memberships and databases: what a second run must leave as it was."""
    return pg.psql(
        "SELECT rolname, rolsuper, rolinherit, rolcreaterole, rolcreatedb, rolcanlogin FROM pg_roles ORDER BY 1;"
        # Every column, whichever the server version has (16 added inherit_option, set_option).
        "SELECT row_to_json(m)::text FROM pg_auth_members m ORDER BY 1;"
        "SELECT oid, datname, datdba::regrole, encoding FROM pg_database ORDER BY 2;"
    )


def assert_studio_owns_and_writes(pg: Server, user: str, password: str) -> None:
    owners = pg.psql(
        "SELECT datname || '=' || pg_get_userbyid(datdba) FROM pg_database"
        f" WHERE datname IN ({', '.join(repr(d) for d in DATABASES)}) ORDER BY 1"
    ).split()
    assert owners == sorted(f"{db}={user}" for db in DATABASES)
    for db in DATABASES:
        # As the Studio user itself, with its password, over TCP: what the containers do.
        out = pg.psql(
            "CREATE TABLE probe (id int); INSERT INTO probe VALUES (1); SELECT count(*) FROM probe; DROP TABLE probe;",
            user=user,
            password=password,
            db=db,
        )
        assert out.strip() == "1"


@pytest.mark.slow
def test_database_init_as_superuser_twice(pg: Server) -> None:
    job = database_init("dev")
    password = PASSWORDS["plain"]
    run_job(pg, job, SUPERUSER, SUPERUSER_PASSWORD, password)
    before = state(pg)
    second = run_job(pg, job, SUPERUSER, SUPERUSER_PASSWORD, password)
    assert state(pg) == before
    # The only statement of a second run re-sets the password (so a new one takes effect).
    assert "CREATE" not in second and "GRANT" not in second
    assert_studio_owns_and_writes(pg, studio_user("dev"), password)


@pytest.fixture(scope="module")
def pre_16_server() -> Iterator[Server]:
    dirs = postgres_server.pre_16_bin_dirs()
    if not dirs:
        pytest.skip("no PostgreSQL older than 16 installed (Debian: postgresql-15)")
    with postgres_server.running(dirs[-1]) as started:
        yield started


@pytest.fixture(params=["wheel", "pre-16"])
def any_pg(request: pytest.FixtureRequest) -> Server:
    """The wheel's PostgreSQL 18 and, where the OS has one, a PostgreSQL 15 (the other branch)."""
    server: Server = request.getfixturevalue("server" if request.param == "wheel" else "pre_16_server")
    version = int(server.psql("SHOW server_version_num"))
    assert (version >= 160000) is (request.param == "wheel"), version
    return _reset(server)


@pytest.mark.slow
def test_database_init_as_rds_admin_twice(any_pg: Server) -> None:
    pg = any_pg
    job = database_init("prod")
    admin = plain_env(job)["PGUSER"]
    password = PASSWORDS["quotes-and-spaces"]
    create_rds_admin(pg, admin)
    # A database the admin created earlier (a restore, a manual attempt) is handed over.
    pg.psql("CREATE DATABASE keycloak", user=admin, password=RDS_ADMIN_PASSWORD)
    run_job(pg, job, admin, RDS_ADMIN_PASSWORD, password)
    before = state(pg)
    second = run_job(pg, job, admin, RDS_ADMIN_PASSWORD, password)
    assert state(pg) == before
    assert "CREATE" not in second and "GRANT" not in second
    assert_studio_owns_and_writes(pg, studio_user("prod"), password)


@pytest.mark.slow
def test_in_cluster_first_start_then_database_init(pg: Server) -> None:
    """The postgres image runs the ConfigMap's script at initdb; the Job runs after it, twice."""
    password = PASSWORDS["quotes-and-spaces"]
    init = _rendered("dev", "ConfigMap/postgresql-init ")
    (statefulset,) = [
        m for m in rendered_manifests("dev") if m["kind"] == "StatefulSet" and m["metadata"]["name"] == "postgresql"
    ]
    (container,) = statefulset["spec"]["template"]["spec"]["containers"]
    server_env: dict[str, Any] = {e["name"]: e["value"] for e in container["env"] if "value" in e}
    env = pg.env(
        SUPERUSER,
        SUPERUSER_PASSWORD,
        {
            "POSTGRES_USER": server_env["POSTGRES_USER"],
            "STUDIO_DB_USER": server_env["STUDIO_DB_USER"],
            "STUDIO_DB_PASSWORD": password,
        },
    )
    done = pg.sh(init.text, env)
    assert done.returncode == 0, done.stderr
    job = database_init("dev")
    before = state(pg)
    for _ in range(2):
        run_job(pg, job, SUPERUSER, SUPERUSER_PASSWORD, password)
        assert state(pg) == before
    assert_studio_owns_and_writes(pg, server_env["STUDIO_DB_USER"], password)


def test_the_old_database_init_fails_as_rds_admin(pg: Server) -> None:
    """The test can fail: the script before the fix stops at CREATE DATABASE on PostgreSQL 16+."""
    job = database_init("prod")
    admin = plain_env(job)["PGUSER"]
    create_rds_admin(pg, admin)
    old = job.text.split("<<'SQL'", 1)
    assert len(old) == 2
    broken = old[0] + "<<'SQL'" + OLD_ROLE_SQL + old[1][old[1].index("SQL\n") :]
    env = pg.env(admin, RDS_ADMIN_PASSWORD, {**plain_env(job), "STUDIO_DB_PASSWORD": "x", "PGSSLMODE": "disable"})
    done = pg.sh(broken, env)
    assert done.returncode != 0
    assert 'must be able to SET ROLE "studio"' in done.stderr


@pytest.mark.slow
def test_a_wait_gives_up_and_names_the_service(pg: Server) -> None:
    """A blocked flow ends the Job with a message naming what it waited for."""
    closed = postgres_server.free_port()
    script = "set -eu\n" + wait_for("PostgreSQL at $PGHOST:$PGPORT", "pg_isready --timeout 1", seconds=1, interval=1)
    env = pg.env(SUPERUSER, SUPERUSER_PASSWORD)
    env["PGPORT"] = str(closed)
    done = pg.sh(script, env)
    assert done.returncode == 1
    assert f"waiting for PostgreSQL at 127.0.0.1:{closed}" in done.stderr
    assert f"gave up after 1s waiting for PostgreSQL at 127.0.0.1:{closed}" in done.stderr
    # And it goes on as soon as the server answers.
    assert pg.sh(script, pg.env(SUPERUSER, SUPERUSER_PASSWORD)).returncode == 0


def logs_in(pg: Server, user: str, password: str) -> bool:
    """Whether `user` gets in with `password` over TCP (SCRAM), as the containers connect."""
    try:
        pg.psql("SELECT 1", user=user, password=password)
    except RuntimeError as failed:
        assert "password authentication failed" in str(failed), failed
        return False
    return True


@pytest.mark.slow
@pytest.mark.parametrize("admin_kind", ["superuser", "rds-admin"])
def test_a_rotated_password_logs_in_and_the_old_one_does_not(pg: Server, admin_kind: str) -> None:
    """The Job a new password re-runs (its name changes with it, tests/test_rotation.py) applies it."""
    stack = "dev" if admin_kind == "superuser" else "prod"
    job = database_init(stack)
    admin, admin_password = SUPERUSER, SUPERUSER_PASSWORD
    if admin_kind == "rds-admin":
        admin, admin_password = plain_env(job)["PGUSER"], RDS_ADMIN_PASSWORD
        create_rds_admin(pg, admin)
    user = studio_user(stack)
    old, new = PASSWORDS["plain"], PASSWORDS["quotes-and-spaces"]
    run_job(pg, job, admin, admin_password, old)
    assert logs_in(pg, user, old)
    run_job(pg, job, admin, admin_password, new)
    assert logs_in(pg, user, new)
    assert not logs_in(pg, user, old)
    assert_studio_owns_and_writes(pg, user, new)


def admin_password_hook() -> ShellScript:
    return _rendered("dev", "StatefulSet/postgresql containers[postgresql] lifecycle.postStart")


@pytest.mark.slow
def test_the_server_sets_a_rotated_superuser_password_at_start(pg: Server) -> None:
    """In the cluster the superuser's password is the Secret's after every start: the hook sets it
    over the local socket (trusted, so no old password is needed), then the Job logs in with it."""
    hook = admin_password_hook()
    env = {e["name"]: e.get("value") for e in hook.env}
    rotated = "rotated superuser pass 'word' $HOME"
    # The socket of this server in place of the pod's /var/run/postgresql (libpq's default there).
    socket = pg.env(SUPERUSER, "")
    socket.update(PGHOST=str(pg.base), POSTGRES_USER=str(env["POSTGRES_USER"]), POSTGRES_PASSWORD=rotated)
    del socket["PGPASSWORD"]
    try:
        done = pg.sh(hook.text, socket)
        assert done.returncode == 0, done.stderr
        assert logs_in(pg, SUPERUSER, rotated)
        assert not logs_in(pg, SUPERUSER, SUPERUSER_PASSWORD)
        # The Job, with the new admin password, then works as before.
        run_job(pg, database_init("dev"), SUPERUSER, rotated, PASSWORDS["plain"])
        assert logs_in(pg, studio_user("dev"), PASSWORDS["plain"])
    finally:
        # The module's server again as the other tests expect it.
        pg.psql(f"ALTER ROLE {SUPERUSER} PASSWORD '{SUPERUSER_PASSWORD}'", password=rotated)


@pytest.mark.slow
def test_the_superuser_hook_gives_up_and_says_so_when_the_server_never_answers(pg: Server) -> None:
    """The test can fail: a hook that waited forever would keep the pod from ever starting."""
    hook = admin_password_hook()
    quick = hook.text.replace("300", "2")
    assert quick != hook.text
    env = pg.env(SUPERUSER, "")
    env.update(
        PGHOST=str(pg.base), PGPORT=str(postgres_server.free_port()), POSTGRES_USER=SUPERUSER, POSTGRES_PASSWORD="x"
    )
    done = pg.sh(quick, env)
    assert done.returncode == 1
    assert "the superuser password is unchanged" in done.stderr
