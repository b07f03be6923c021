"""A throw-away PostgreSQL + PostGIS server for the tests, from the distribution's packages.

:func:`postgres_server` (a session fixture; import it into a test module or a conftest) runs
``initdb`` on a temporary data directory and ``pg_ctl start`` on a free port with its socket in
that directory, yields a :class:`PostgresServer`, and stops it and removes the directory at the
end. PostgreSQL refuses to run as root: as root, the commands run as the ``postgres`` system user
(made by the Debian package) on a directory chowned to it. Without the packages the tests that
use it are skipped, saying what to install.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

#: Where Debian puts the server's programs.
BIN = Path(os.environ.get("PLANNER_PG_BIN", "/usr/lib/postgresql/15/bin"))
#: The PostGIS control file that says the extension is installed.
POSTGIS_CONTROL = Path("/usr/share/postgresql/15/extension/postgis.control")
INSTALL = "apt-get install -y postgresql-15 postgresql-15-postgis-3 (.ci/run installs them)"


@dataclass(frozen=True)
class PostgresServer:
    """A running server: its port, socket directory and the DSN of its ``postgres`` database."""

    port: int
    socket_dir: Path
    user: str = "postgres"
    password: str = "s3cret-pw"

    def dsn(self, database: str = "postgres") -> str:
        """A ``postgresql://`` URL of ``database`` over TCP on localhost, with the test password."""
        return f"postgresql://{self.user}:{self.password}@127.0.0.1:{self.port}/{database}"


def missing() -> str:
    """Why the server cannot be started here ("" when it can)."""
    if not (BIN / "initdb").exists() or not (BIN / "pg_ctl").exists():
        return f"PostgreSQL 15 is not installed ({BIN}/initdb missing): {INSTALL}"
    if not POSTGIS_CONTROL.exists():
        return f"PostGIS is not installed ({POSTGIS_CONTROL} missing): {INSTALL}"
    if os.geteuid() == 0 and not shutil.which("runuser"):
        return "running as root needs runuser (util-linux) to start PostgreSQL as the postgres user"
    return ""


def _free_port() -> int:
    with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_server_user(command: list[str]) -> list[str]:
    """``command`` run as the ``postgres`` user when we are root (PostgreSQL refuses root)."""
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


def _run(command: list[str], **kwargs) -> None:
    done = subprocess.run(_as_server_user(command), capture_output=True, text=True, timeout=120, **kwargs)
    if done.returncode:
        raise RuntimeError(f"{' '.join(command)} failed ({done.returncode}): {done.stdout}\n{done.stderr}")


@contextlib.contextmanager
def running_server() -> Iterator[PostgresServer]:
    """Start a fresh server in a temporary directory; stop it and remove the directory afterwards."""
    root = Path(tempfile.mkdtemp(prefix="planner-pg-"))
    data, sockets = root / "data", root / "run"
    sockets.mkdir()
    server = PostgresServer(port=_free_port(), socket_dir=sockets)
    password_file = root / "pw"
    password_file.write_text(server.password + "\n")
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
        root.chmod(0o700)
        for child in (sockets, password_file):
            shutil.chown(child, "postgres")
    _run([str(BIN / "initdb"), "-D", str(data), "-U", server.user, "-A", "scram-sha-256",
          f"--pwfile={password_file}", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"])
    options = f"-p {server.port} -k {sockets} -c listen_addresses=127.0.0.1 -c fsync=on -c max_connections=100"
    started = False
    try:
        _run([str(BIN / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(root / "log"), "-w", "-t", "60",
              "start"])
        started = True
        yield server
    finally:
        if started:
            with contextlib.suppress(Exception):
                _run([str(BIN / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"])
        shutil.rmtree(root, ignore_errors=True)


#: The one server of this test session, shared by every module that imports the fixture.
_SHARED: dict[str, PostgresServer] = {}


@pytest.fixture(scope="session")
def postgres_server(request) -> PostgresServer:
    """A PostgreSQL + PostGIS server for the whole test session (skipped when not installed).

    Each test module importing this fixture gets the same server: it is started once and stopped
    when pytest ends (``config.add_cleanup``).
    """
    reason = missing()
    if reason:
        pytest.skip(reason)
    if "server" not in _SHARED:
        stack = contextlib.ExitStack()
        _SHARED["server"] = stack.enter_context(running_server())
        request.config.add_cleanup(stack.close)
        request.config.add_cleanup(lambda: _SHARED.pop("server", None))
    return _SHARED["server"]


@pytest.fixture
def pg_schema(postgres_server: PostgresServer) -> Iterator[str]:
    """A fresh schema name for one test, dropped afterwards."""
    import psycopg

    name = f"t_{uuid.uuid4().hex[:12]}"
    yield name
    with psycopg.connect(postgres_server.dsn(), autocommit=True) as con:
        con.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')


# --- one workspace on either back end ------------------------------------------------------------

BACKENDS = ("gpkg", "postgis")


@pytest.fixture(params=BACKENDS)
def workspace_location(request, tmp_path) -> str:
    """Where a test's workspace is: a GeoPackage path, or a PostgreSQL URL (a fresh schema, see :func:`pg_schema`).

    :func:`open_location` opens it; each call is a new handle (another tab, another process).
    """
    if request.param == "gpkg":
        return str(tmp_path / "方案库.gpkg")
    server = request.getfixturevalue("postgres_server")
    schema = request.getfixturevalue("pg_schema")
    return f"{server.dsn()}#{schema}"


def open_location(location: str):
    """A new handle on the workspace at ``location`` (a PostGIS one's schema follows the ``#``)."""
    from geo.store.backend import open_workspace

    dsn, _, schema = str(location).partition("#")
    return open_workspace(dsn, schema=schema) if schema else open_workspace(dsn)


@pytest.fixture
def make_ws(workspace_location):
    """A factory of handles on one workspace of the test's back end (call it twice for two tabs)."""
    return lambda: open_location(workspace_location)


def is_postgis(ws) -> bool:
    """Whether ``ws`` is the PostGIS back end."""
    return type(ws).__name__ == "PostgisWorkspace"


def _query(ws, sql: str) -> list[tuple]:
    import psycopg

    with psycopg.connect(ws.dsn) as con:
        return [tuple(r) for r in con.execute(sql.format(schema=f'"{ws.schema}"'))]


def snapshot(ws):
    """Everything stored, to see that a refused change left it untouched (the file's bytes, or every table)."""
    if not is_postgis(ws):
        return ws.path.read_bytes() if ws.path.exists() else b""
    return (_query(ws, "SELECT * FROM {schema}.proposal_revisions ORDER BY proposal_id, revision"),
            _query(ws, "SELECT * FROM {schema}.proposals ORDER BY proposal_id"),
            _query(ws, "SELECT proposal_id, position, properties::text, ST_AsText(geom) "
                       "FROM {schema}.proposal_zones ORDER BY proposal_id, position"))


def revision_rows(ws) -> set[tuple]:
    """(proposal_id, revision, assignment text) of every stored revision, straight from the store."""
    if is_postgis(ws):
        return set(_query(ws, "SELECT proposal_id, revision, assignment FROM {schema}.proposal_revisions"))
    import sqlite3

    with sqlite3.connect(ws.path) as con:
        return set(con.execute("SELECT proposal_id, revision, assignment FROM proposal_revisions"))


def live_counts(ws) -> tuple[int, int]:
    """(zone rows, live proposals with an assignment) stored for the live revisions."""
    if is_postgis(ws):
        zones = _query(ws, "SELECT count(*) FROM {schema}.proposal_zones")[0][0]
        live = _query(ws, "SELECT count(*) FROM {schema}.proposals WHERE NOT deleted")[0][0]
        return int(zones), int(live)
    import sqlite3

    with sqlite3.connect(ws.path) as con:
        zones = con.execute("SELECT count(*) FROM proposal_zones").fetchone()[0]
        live = con.execute("SELECT count(DISTINCT proposal_id) FROM proposal_assignments").fetchone()[0]
    return int(zones), int(live)
