"""What is particular to the PostgreSQL + PostGIS workspace: concurrent saves from many connections,
a client killed mid-save, the geometry column, and errors that never show the password.

Every other behaviour is tested on both back ends by tests/test_workspace*.py.
"""

import dataclasses
import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import geopandas as gpd
import psycopg
import pytest
from shapely import box

from geo.store.backend import open_workspace, workspace_label
from geo.store.postgis import PostgisWorkspace, database_label
from geo.store.records import ConflictError, WorkspaceError
from geo.store.workspace import Proposal, Workspace
from tests.postgres_server import pg_schema, postgres_server  # noqa: F401 - fixtures

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def ws(postgres_server, pg_schema):
    return PostgisWorkspace(postgres_server.dsn(), schema=pg_schema)


def zones_of(assignment, crs=4538):
    ids = sorted(set(assignment.values()))
    return gpd.GeoDataFrame({"zone_id": ids, "households": [100] * len(ids)},
                            geometry=[box(50 * k, 0, 50 * k + 40, 40) for k in range(len(ids))], crs=crs)


def run_together(jobs):
    """Run the callables at once in threads (released together); their results or exceptions."""
    barrier = threading.Barrier(len(jobs))
    out = [None] * len(jobs)

    def run(k):
        barrier.wait()
        try:
            out[k] = jobs[k]()
        except Exception as exc:  # noqa: BLE001 - returned to the test
            out[k] = exc

    threads = [threading.Thread(target=run, args=(k,)) for k in range(len(jobs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return out


# --- concurrency --------------------------------------------------------------------------------


def test_two_connections_saving_the_same_proposal_one_conflicts_nothing_lost(ws):
    saved = ws.save(Proposal("A", {"a": "Z1"}))
    tabs = [PostgisWorkspace(ws.dsn, schema=ws.schema) for _ in range(2)]
    copies = [t.open(saved.proposal_id) for t in tabs]
    edits = [dataclasses.replace(c, assignment={"a": f"Z{k + 2}"}) for k, c in enumerate(copies)]
    for _ in range(3):  # the race, a few times
        results = run_together([lambda t=t, e=e: t.save(e) for t, e in zip(tabs, edits, strict=True)])
        won = [r for r in results if isinstance(r, Proposal)]
        lost = [r for r in results if isinstance(r, ConflictError)]
        assert len(won) == 1 and len(lost) == 1, results
        assert (lost[0].kind, lost[0].disk_revision) == ("revision", won[0].revision)
        edits = [dataclasses.replace(e, revision=won[0].revision) for e in edits]
    history = ws.history(saved.proposal_id)
    assert history["revision"].tolist() == [4, 3, 2, 1]  # one revision per race, none lost
    assert ws.open("A").revision == 4


def test_many_saves_of_different_proposals_at_once_are_all_kept(ws):
    jobs = [lambda k=k: PostgisWorkspace(ws.dsn, schema=ws.schema).save(
        Proposal(f"P{k}", {f"c{k}": "Z1"}, zones=zones_of({f"c{k}": "Z1"}))) for k in range(12)]
    results = run_together(jobs)
    assert all(isinstance(r, Proposal) and r.revision == 1 for r in results), results
    assert sorted(ws.list()["name"]) == sorted(f"P{k}" for k in range(12))
    assert all(ws.open(f"P{k}").assignment == {f"c{k}": "Z1"} for k in range(12))
    # and the same name from many connections: one wins, the others are told the name is taken
    results = run_together([lambda k=k: PostgisWorkspace(ws.dsn, schema=ws.schema).save(
        Proposal("同名", {f"x{k}": "Z1"})) for k in range(6)])
    assert sum(isinstance(r, Proposal) for r in results) == 1
    assert all(r.kind == "name_taken" for r in results if not isinstance(r, Proposal))


# --- a client killed mid-save --------------------------------------------------------------------

SAVER = """
import sys
import geopandas as gpd
from shapely import box
from geo.store.postgis import PostgisWorkspace
from geo.store.workspace import Proposal

dsn, schema, round_ = sys.argv[1], sys.argv[2], int(sys.argv[3])
ws = PostgisWorkspace(dsn, schema=schema)
ws.list()
print("ready", flush=True)
k = 0
while True:
    name = f"r{round_}-{k % 3}"
    assignment = {f"c{round_}-{k}-{j}": f"Z{j % 4}" for j in range(40)}
    zones = gpd.GeoDataFrame({"zone_id": sorted(set(assignment.values()))},
                             geometry=[box(j, 0, j + 1, 1) for j in range(4)], crs=4538)
    try:
        current = ws.open(name)
        saved = ws.save(Proposal(name, assignment, zones=zones, proposal_id=current.proposal_id,
                                 revision=current.revision, notes=str(k)))
    except KeyError:
        saved = ws.save(Proposal(name, assignment, zones=zones, notes=str(k)))
    print("saved", saved.proposal_id, saved.revision, k, flush=True)
    k += 1
"""


def test_a_client_killed_at_random_moments_loses_no_saved_revision(ws, tmp_path):
    script = tmp_path / "saver.py"
    script.write_text(SAVER)
    rng = random.Random(20)
    saved = []  # (proposal id, revision, round, k) the client said it committed
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for round_ in range(20):
        child = subprocess.Popen([sys.executable, str(script), ws.dsn, ws.schema, str(round_)], stdout=subprocess.PIPE,
                                 text=True, env=env, cwd=ROOT)
        assert child.stdout.readline().strip() == "ready"
        time.sleep(rng.uniform(0.05, 0.6))
        child.send_signal(signal.SIGKILL)
        out, _ = child.communicate(timeout=60)
        assert child.returncode == -signal.SIGKILL
        for line in out.splitlines():
            word, pid, revision, k = line.split()
            assert word == "saved"
            saved.append((pid, int(revision), round_, int(k)))
    assert len(saved) >= 20  # the client got some saves in before each kill
    for pid, revision, round_, k in saved:
        p = ws.open(pid, revision=revision)
        assert p.notes == str(k) and p.assignment == {f"c{round_}-{k}-{j}": f"Z{j % 4}" for j in range(40)}
    for name in ws.list()["name"]:  # every live proposal opens whole, zones and all
        live = ws.open(name)
        assert len(live.zones) == 4 and live.revision == len(ws.history(name))
    with psycopg.connect(ws.dsn) as con:  # no half-written revision anywhere
        broken = con.execute(f'SELECT count(*) FROM "{ws.schema}".proposals p LEFT JOIN "{ws.schema}".proposal_revisions r '
                             "ON r.proposal_id = p.proposal_id AND r.revision = p.revision WHERE r.proposal_id IS NULL")
        assert broken.fetchone()[0] == 0


# --- the tables ---------------------------------------------------------------------------------


def test_zone_outlines_are_a_postgis_geometry_with_the_zones_srid(ws):
    ws.save(Proposal("A", {"a": "Z1", "b": "Z2"}, zones=zones_of({"a": "Z1", "b": "Z2"})))
    ws.save(Proposal("B", {"a": "Z1"}, zones=zones_of({"a": "Z1"}).to_crs(4326)))
    with psycopg.connect(ws.dsn) as con:
        rows = con.execute(f'SELECT p.name, ST_SRID(z.geom), GeometryType(z.geom) FROM "{ws.schema}".proposal_zones z '
                           f'JOIN "{ws.schema}".proposals p USING (proposal_id) ORDER BY p.name, z.position').fetchall()
        assert rows == [("A", 4538, "POLYGON"), ("A", 4538, "POLYGON"), ("B", 4326, "POLYGON")]
        kind = con.execute("SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = "
                           f"'\"{ws.schema}\".proposal_zones'::regclass AND attname = 'geom'").fetchone()[0]
        assert kind == "geometry"
    assert ws.open("B").zones.crs.to_epsg() == 4326


def test_revisions_are_append_only_in_the_database(ws):
    ws.save(Proposal("A", {"a": "Z1"}))
    with psycopg.connect(ws.dsn) as con, pytest.raises(psycopg.Error, match="append-only"):
        con.execute(f'DELETE FROM "{ws.schema}".proposal_revisions')


def test_tables_are_created_once_even_by_many_connections_at_once(postgres_server, pg_schema):
    results = run_together([lambda: PostgisWorkspace(postgres_server.dsn(), schema=pg_schema).list()
                            for _ in range(6)])
    assert all(r is not None and not isinstance(r, Exception) and r.empty for r in results), results


# --- errors and labels ---------------------------------------------------------------------------


def test_a_wrong_password_is_a_coded_error_without_the_password(postgres_server, pg_schema):
    dsn = postgres_server.dsn().replace(postgres_server.password, "Wr0ngPassw0rd")
    with pytest.raises(WorkspaceError) as caught:
        PostgisWorkspace(dsn, schema=pg_schema).list()
    error = caught.value
    assert error.code == "workspace_db_connect" and error.params == {"name": "PostgreSQL postgres@127.0.0.1"}
    assert "password authentication failed" in str(error)
    assert "Wr0ngPassw0rd" not in str(error) and "Wr0ngPassw0rd" not in repr(error.params)
    assert error.__cause__ is None and error.__suppress_context__


def test_no_server_is_a_coded_error(postgres_server):
    with pytest.raises(WorkspaceError, match="cannot connect") as caught:
        PostgisWorkspace("postgresql://u:topsecret@127.0.0.1:1/db").save(Proposal("A", {"a": "Z1"}))
    assert caught.value.code == "workspace_db_connect" and "topsecret" not in str(caught.value)


def test_a_database_without_postgis_is_a_coded_error(postgres_server):
    admin = postgres_server.dsn()
    with psycopg.connect(admin, autocommit=True) as con:
        con.execute("DROP DATABASE IF EXISTS plain")
        con.execute("DROP ROLE IF EXISTS plain")
        con.execute("CREATE ROLE plain LOGIN PASSWORD 'plain-secret'")
        con.execute("CREATE DATABASE plain OWNER plain")
    dsn = f"postgresql://plain:plain-secret@127.0.0.1:{postgres_server.port}/plain"
    try:
        with pytest.raises(WorkspaceError, match="has no PostGIS") as caught:
            PostgisWorkspace(dsn).list()
        assert caught.value.code == "workspace_db_postgis" and "plain-secret" not in str(caught.value)
        assert caught.value.params == {"name": "PostgreSQL plain@127.0.0.1"}
    finally:
        with psycopg.connect(admin, autocommit=True) as con:
            con.execute("DROP DATABASE IF EXISTS plain")
            con.execute("DROP ROLE IF EXISTS plain")


def test_a_bad_schema_name_is_refused():
    with pytest.raises(WorkspaceError, match="not a plain identifier") as caught:
        PostgisWorkspace("postgresql://db/x", schema='x"; DROP TABLE y; --')
    assert caught.value.code == "workspace_db"


def test_open_workspace_and_its_label(tmp_path):
    gpkg = open_workspace(str(tmp_path / "方案库.gpkg"))
    assert isinstance(gpkg, Workspace) and gpkg.path == tmp_path / "方案库.gpkg"
    assert workspace_label(str(tmp_path / "方案库.gpkg")) == "方案库.gpkg"
    db = open_workspace("postgresql://planner:pa55@db.bureau.local:5433/planning")
    assert isinstance(db, PostgisWorkspace) and db.schema == "planner"
    assert isinstance(open_workspace("postgres://localhost/x"), PostgisWorkspace)
    for url in ("postgresql://planner:pa55@db.bureau.local:5433/planning", "postgres://planner:pa55@db.bureau.local/planning"):
        assert workspace_label(url) == "PostgreSQL planning@db.bureau.local"
        assert "pa55" not in repr(open_workspace(url)) and "planner:" not in workspace_label(url)
    assert database_label("host=/var/run/postgresql dbname=plans user=me password=x") == "PostgreSQL plans@localhost"
