"""Proposals in PostgreSQL + PostGIS: the same workspace as the GeoPackage one, shared by a whole bureau.

:class:`PostgisWorkspace` has exactly the interface and the semantics of
:class:`geo.store.workspace.Workspace` (list, history, deleted, audit, open, save, rename,
delete, restore, review, compare; the same errors, conflicts and access checks), so the page
uses either through :func:`geo.store.backend.open_workspace`. The rows are encoded by
:mod:`geo.store.records`, the one place both back ends share.

Tables (in ``schema``, created on first use with ``CREATE ... IF NOT EXISTS``; the ``postgis``
extension too):

* ``proposal_revisions``: every revision, the columns of
  :data:`geo.store.records.REVISION_COLUMNS`; primary key (``proposal_id``, ``revision``); append
  only (a trigger refuses ``UPDATE`` and ``DELETE``);
* ``proposals``: one row per proposal, live or deleted: ``proposal_id``, ``name``, its latest
  ``revision``, ``deleted``, ``owner``, ``modified``; names are unique among live proposals (a
  partial unique index);
* ``proposal_zones``: the zones of each live revision: ``proposal_id``, ``position``, the zone's
  figures as ``properties`` (jsonb) and its outline ``geom`` (a PostGIS ``geometry`` with the SRID
  of the zones' CRS, so QGIS shows it; 0 when the CRS has no EPSG code: the exact CRS is the
  revision's ``crs``).

Every change is one transaction that first takes a transaction-level advisory lock of the
workspace (``pg_advisory_xact_lock``), so changes from any number of connections serialise like
the GeoPackage's ``flock``: each re-reads under the lock, a stale save raises the same
:class:`~geo.store.records.ConflictError`, and nothing is lost; a killed client's transaction is
rolled back by the server. Readers use one ``REPEATABLE READ`` snapshot per call.

Errors a user can cause are coded :class:`~geo.store.records.WorkspaceError`\\ s that name the
database as ``PostgreSQL <dbname>@<host>`` and never its password: ``workspace_db_connect``
(cannot connect, wrong password), ``workspace_db_postgis`` (no PostGIS), ``workspace_db`` (a
query failed).
"""

from __future__ import annotations

import contextlib
import dataclasses
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely

from geo.store.access import User, require
from geo.store.records import (
    INT_COLUMNS,
    INT_FIGURES,
    META_COLUMNS,
    REVISION_COLUMNS,
    Proposal,
    ProposalNameError,
    ProposalNotFoundError,
    WorkspaceError,
    acting,
    as_flag,
    as_text,
    audit_table,
    check_save,
    check_verdict,
    decode_proposal,
    deleted_table,
    history_table,
    json_assignment,
    json_cell,
    list_table,
    name_taken,
    next_row,
    no_revision,
    not_found,
    now_iso,
    plain_value,
    revision_row,
    saved_proposal,
    to_json,
    zone_ids_of,
    zone_rows,
)
from geo.store.workspace import ProposalComparison, compare_proposals

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")
_SETUP_LOCK = "planner-workspace-setup"


def database_label(dsn: str) -> str:
    """What a page shows of a database: ``PostgreSQL <dbname>@<host>``, never the user or password.

    >>> database_label("postgresql://planner:secret@db.bureau.local:5433/planning")
    'PostgreSQL planning@db.bureau.local'
    >>> database_label("postgres:///proposals")
    'PostgreSQL proposals@localhost'
    """
    parts = _conninfo(dsn)
    host = parts.get("host") or "localhost"
    if host.startswith("/"):
        host = "localhost"
    return f"PostgreSQL {parts.get('dbname') or parts.get('user') or 'postgres'}@{host.split(',')[0]}"


def _conninfo(dsn: str) -> dict:
    """The parts of a DSN (URL or ``key=value``); a coded error, without the DSN, when it cannot be read."""
    from psycopg.conninfo import conninfo_to_dict

    try:
        return conninfo_to_dict(dsn)
    except Exception:  # psycopg.ProgrammingError, whose message may quote the DSN and its password
        raise WorkspaceError("the workspace database address cannot be read; write it as "
                             "postgresql://user:password@host:port/database",
                             code="workspace_db_connect", params={"name": "PostgreSQL"}) from None


def _hidden(message: str, dsn: str) -> str:
    """``message`` with the DSN's password (and the DSN itself) cut out."""
    password = ""
    with contextlib.suppress(Exception):
        password = _conninfo(dsn).get("password") or ""
    message = message.replace(dsn, "<dsn>")
    return message.replace(password, "***") if password else message


def _column_type(column: str) -> str:
    if column in INT_COLUMNS:
        return "integer"
    if column == "mean_compactness":
        return "double precision"
    return "text"


class PostgisWorkspace:
    """A proposals workspace in a PostgreSQL + PostGIS database (tables in ``schema``).

    Parameters
    ----------
    dsn
        A libpq address: ``postgresql://user:password@host:port/database`` or ``key=value``
        words. Never shown: the page shows :attr:`label`.
    schema
        The schema of the workspace's tables (created on first use); several workspaces can
        share a database under different schemas.

    See :class:`geo.store.workspace.Workspace` for what each method does; this one behaves the
    same, with the guarantees of the module docstring.
    """

    def __init__(self, dsn: str, *, schema: str = "planner"):
        self.dsn = dsn
        self.label = database_label(dsn)
        if not _IDENTIFIER.match(schema or ""):
            raise WorkspaceError(f"{self.label}: the schema name {schema!r} is not a plain identifier (letters, "
                                 "digits, underscores); choose another", code="workspace_db",
                                 params={"name": self.label})
        self.schema = schema
        self._ready = False

    def __repr__(self) -> str:
        return f"PostgisWorkspace({self.label!r}, schema={self.schema!r})"

    # -- connections ------------------------------------------------------------------------------

    def _table(self, name: str) -> str:
        return f'"{self.schema}".{name}'

    def _connect(self) -> Any:
        """A new connection in autocommit mode: every transaction is an explicit ``con.transaction()``."""
        import psycopg
        from psycopg.rows import dict_row

        try:
            return psycopg.connect(self.dsn, connect_timeout=10, row_factory=dict_row, autocommit=True)
        except psycopg.Error as exc:
            raise WorkspaceError(
                f"{self.label}: cannot connect to the workspace database ({_hidden(str(exc).strip(), self.dsn)}); "
                "check its host, port, user and password, and that the server runs",
                code="workspace_db_connect", params={"name": self.label}) from None

    @contextlib.contextmanager
    def _transaction(self, *, write: bool) -> Iterator[Any]:
        """A connection in one transaction: a write one under the workspace's lock, or a read snapshot."""
        import psycopg

        con = self._connect()
        try:
            if not self._ready:
                self._setup(con)
            with con.transaction():
                if write:
                    con.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (f"planner-workspace:{self.schema}",))
                else:
                    con.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
                yield con
        except psycopg.Error as exc:
            raise WorkspaceError(f"{self.label}: the workspace database refused a query "
                                 f"({_hidden(str(exc).strip(), self.dsn)}); tell the administrator",
                                 code="workspace_db", params={"name": self.label}) from None
        finally:
            con.close()

    def _setup(self, con: Any) -> None:
        """Create the extension, the schema and its tables when missing (one transaction, serialised)."""
        import psycopg

        if self._installed(con):  # no DDL on tables in use: it would lock them against the writers
            self._ready = True
            return
        with con.transaction():
            con.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (_SETUP_LOCK,))
            if self._installed(con):
                self._ready = True
                return
            try:
                with con.transaction():
                    if not list(con.execute("SELECT 1 FROM pg_extension WHERE extname = 'postgis'")):
                        con.execute("CREATE EXTENSION IF NOT EXISTS postgis")
            except psycopg.Error as exc:
                raise WorkspaceError(
                    f"{self.label}: the database has no PostGIS and it cannot be added "
                    f"({_hidden(str(exc).strip(), self.dsn)}); install PostGIS on the server (Debian: "
                    "postgresql-15-postgis-3) or ask its administrator to run CREATE EXTENSION postgis",
                    code="workspace_db_postgis", params={"name": self.label}) from None
            columns = ",\n".join(f"{c} {_column_type(c)}" for c in REVISION_COLUMNS)
            refuse = f'"{self.schema}".refuse_change'
            con.execute(f'CREATE SCHEMA IF NOT EXISTS "{self.schema}"')
            con.execute(f"CREATE TABLE IF NOT EXISTS {self._table('proposal_revisions')} ({columns}, "
                        "PRIMARY KEY (proposal_id, revision))")
            con.execute(f"CREATE TABLE IF NOT EXISTS {self._table('proposals')} (proposal_id text PRIMARY KEY, "
                        "name text NOT NULL, revision integer NOT NULL, deleted boolean NOT NULL, owner text, "
                        "modified text)")
            con.execute(f"CREATE UNIQUE INDEX IF NOT EXISTS proposals_live_name ON {self._table('proposals')} "
                        "(name) WHERE NOT deleted")
            con.execute(f"CREATE TABLE IF NOT EXISTS {self._table('proposal_zones')} (proposal_id text NOT NULL, "
                        "position integer NOT NULL, properties jsonb NOT NULL, geom geometry, "
                        "PRIMARY KEY (proposal_id, position))")
            con.execute(f"CREATE INDEX IF NOT EXISTS proposal_zones_geom ON {self._table('proposal_zones')} "
                        "USING gist (geom)")
            con.execute(f"CREATE OR REPLACE FUNCTION {refuse}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                        "RAISE EXCEPTION 'proposal revisions are append-only'; END $$")
            con.execute(f"DROP TRIGGER IF EXISTS append_only ON {self._table('proposal_revisions')}")
            con.execute(f"CREATE TRIGGER append_only BEFORE UPDATE OR DELETE ON "
                        f"{self._table('proposal_revisions')} FOR EACH ROW EXECUTE FUNCTION {refuse}()")
        self._ready = True

    def _installed(self, con: Any) -> bool:
        """Whether the workspace's tables are all there (the append-only trigger is made last)."""
        row = con.execute(
            "SELECT to_regclass(%s) IS NOT NULL AND EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = 'append_only' "
            "AND tgrelid = to_regclass(%s)) AS ok",
            (f'"{self.schema}".proposal_zones', f'"{self.schema}".proposal_revisions')).fetchone()
        return bool(row["ok"])

    # -- reading rows -----------------------------------------------------------------------------

    def _live_rows(self, con: Any, where: str = "", args: Sequence = ()) -> list[dict]:
        """Live revision rows (optionally filtered by ``where`` on ``r``/``p``)."""
        return list(con.execute(
            f"SELECT r.* FROM {self._table('proposals')} p JOIN {self._table('proposal_revisions')} r "
            f"ON r.proposal_id = p.proposal_id AND r.revision = p.revision WHERE NOT p.deleted {where}", args))

    def _latest(self, con: Any, pid: str) -> dict | None:
        """The latest revision row of ``pid`` (a tombstone when deleted), None when unknown."""
        rows = list(con.execute(
            f"SELECT r.* FROM {self._table('proposals')} p JOIN {self._table('proposal_revisions')} r "
            "ON r.proposal_id = p.proposal_id AND r.revision = p.revision WHERE p.proposal_id = %s", (pid,)))
        return rows[0] if rows else None

    def _find(self, con: Any, key: str, *, deleted_info: bool = True) -> dict:
        """The live row of id (or, failing that, name) ``key``."""
        for column in ("proposal_id", "name"):
            rows = self._live_rows(con, f"AND p.{column} = %s", (key,))
            if rows:
                return rows[0]
        raise self._not_found(con, key, deleted_info=deleted_info)

    def _not_found(self, con: Any, key: str, *, deleted_info: bool = True) -> ProposalNotFoundError:
        names = [r["name"] for r in con.execute(f"SELECT name FROM {self._table('proposals')} WHERE NOT deleted")]
        latest = {}
        if deleted_info:
            rows = con.execute(
                f"SELECT r.proposal_id, r.name, r.modified, r.author, r.deleted FROM {self._table('proposals')} p "
                f"JOIN {self._table('proposal_revisions')} r ON r.proposal_id = p.proposal_id AND "
                "r.revision = p.revision WHERE p.deleted AND (p.proposal_id = %s OR p.name = %s)", (key, key))
            latest = {r["proposal_id"]: r for r in rows}
        return not_found(self.label, key, names, latest)

    def _resolve(self, con: Any, key: str) -> str:
        """The id of ``key``: a known id, a live name, else the most recently deleted one's name."""
        rows = list(con.execute(
            f"SELECT proposal_id FROM {self._table('proposals')} WHERE proposal_id = %s OR name = %s "
            "ORDER BY (proposal_id = %s) DESC, deleted ASC, modified DESC LIMIT 1", (key, key, key)))
        if rows:
            return rows[0]["proposal_id"]
        raise self._not_found(con, key)

    def _owner(self, con: Any, pid: str, row: Mapping[str, Any] | None = None) -> str:
        """The owner of ``pid``: its rows' ``owner``, else its first revision's author."""
        if row is not None and as_text(row.get("owner")):
            return as_text(row.get("owner"))
        first = list(con.execute(f"SELECT owner, author FROM {self._table('proposal_revisions')} "
                                 "WHERE proposal_id = %s ORDER BY revision LIMIT 1", (pid,)))
        return (as_text(first[0]["owner"]) or as_text(first[0]["author"])) if first else ""

    def _zones(self, con: Any, pid: str) -> gpd.GeoDataFrame:
        """The stored zone rows of a live proposal (properties as columns, outlines without a CRS)."""
        rows = list(con.execute(f"SELECT properties, ST_AsBinary(geom) AS wkb FROM {self._table('proposal_zones')} "
                                "WHERE proposal_id = %s ORDER BY position", (pid,)))
        table = pd.DataFrame([r["properties"] for r in rows], index=pd.RangeIndex(len(rows)))
        geoms = [None if r["wkb"] is None else shapely.from_wkb(bytes(r["wkb"])) for r in rows]
        return gpd.GeoDataFrame(table, geometry=gpd.GeoSeries(geoms, index=table.index))

    def _decode_live(self, con: Any, row: Mapping[str, Any], owner: str) -> Proposal:
        zones = self._zones(con, row["proposal_id"]) if as_text(row.get("crs")) else None
        proposal = decode_proposal(row, zones, json_assignment(row, self.label), self.label)
        return dataclasses.replace(proposal, owner=owner)

    # -- writing rows -----------------------------------------------------------------------------

    def _append(self, con: Any, row: Mapping[str, Any]) -> None:
        """Insert a revision row and point its proposal at it."""
        values = [row.get(c) for c in REVISION_COLUMNS]
        values = [None if v is None or (isinstance(v, float) and v != v) else
                  (int(v) if c in INT_COLUMNS else float(v) if c == "mean_compactness" else str(v))
                  for c, v in zip(REVISION_COLUMNS, values, strict=True)]
        marks = ", ".join(["%s"] * len(REVISION_COLUMNS))
        con.execute(f"INSERT INTO {self._table('proposal_revisions')} ({', '.join(REVISION_COLUMNS)}) "
                    f"VALUES ({marks})", values)
        con.execute(f"INSERT INTO {self._table('proposals')} (proposal_id, name, revision, deleted, owner, modified) "
                    "VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (proposal_id) DO UPDATE SET name = EXCLUDED.name, "
                    "revision = EXCLUDED.revision, deleted = EXCLUDED.deleted, owner = EXCLUDED.owner, "
                    "modified = EXCLUDED.modified",
                    (row["proposal_id"], row["name"], int(row["revision"]), as_flag(row.get("deleted")),
                     as_text(row.get("owner")), as_text(row.get("modified"))))

    def _drop_zones(self, con: Any, pid: str) -> None:
        con.execute(f"DELETE FROM {self._table('proposal_zones')} WHERE proposal_id = %s", (pid,))

    def _put_zones(self, con: Any, pid: str, zones: gpd.GeoDataFrame | None, schema: list) -> None:
        """Replace the stored zones of ``pid`` by ``zones`` (as :func:`geo.store.records.zone_rows` gives them)."""
        import psycopg.types.json

        self._drop_zones(con, pid)
        if zones is None or not len(zones):
            return
        srid = (zones.crs.to_epsg() if zones.crs is not None else None) or 0
        columns = [c for c, _ in schema]
        records = zones[columns].to_dict("records") if columns else [{} for _ in range(len(zones))]
        rows = [(pid, k, psycopg.types.json.Jsonb({c: plain_value(v) for c, v in r.items()}),
                 None if g is None or shapely.is_empty(g) else shapely.to_wkb(g), srid)
                for k, (r, g) in enumerate(zip(records, zones.geometry.array, strict=True))]
        with con.cursor() as cur:
            cur.executemany(f"INSERT INTO {self._table('proposal_zones')} (proposal_id, position, properties, geom) "
                            "VALUES (%s, %s, %s, ST_SetSRID(ST_GeomFromWKB(%s), %s))", rows)

    # -- public API: reading ---------------------------------------------------------------------

    def list(self) -> pd.DataFrame:
        """One row per live proposal, newest first (as :meth:`geo.store.workspace.Workspace.list`)."""
        with self._transaction(write=False) as con:
            live = self._live_rows(con)
            counts = {r["proposal_id"]: int(r["n"]) for r in con.execute(
                f"SELECT proposal_id, count(*) AS n FROM {self._table('proposal_revisions')} GROUP BY proposal_id")}
            firsts = {r["proposal_id"]: as_text(r["author"]) for r in con.execute(
                f"SELECT DISTINCT ON (proposal_id) proposal_id, author FROM {self._table('proposal_revisions')} "
                "ORDER BY proposal_id, revision")}
        return list_table(pd.DataFrame(live, columns=REVISION_COLUMNS), counts, firsts, self.label)

    def history(self, proposal_id: str) -> pd.DataFrame:
        """Every revision of one proposal, newest first (as :meth:`geo.store.workspace.Workspace.history`)."""
        columns = [*META_COLUMNS, *INT_FIGURES, "edits", "dataset"]
        with self._transaction(write=False) as con:
            pid = self._resolve(con, proposal_id)
            rows = list(con.execute(f"SELECT {', '.join(columns)} FROM {self._table('proposal_revisions')} "
                                    "WHERE proposal_id = %s", (pid,)))
        return history_table(pd.DataFrame(rows, columns=columns), self.label)

    def deleted(self) -> pd.DataFrame:
        """The deleted proposals, most recently deleted first (as :meth:`geo.store.workspace.Workspace.deleted`)."""
        with self._transaction(write=False) as con:
            rows = con.execute(
                f"SELECT r.proposal_id, r.name, r.modified, r.author, r.revision, r.deleted "
                f"FROM {self._table('proposals')} p JOIN {self._table('proposal_revisions')} r "
                "ON r.proposal_id = p.proposal_id AND r.revision = p.revision WHERE p.deleted")
            latest = {r["proposal_id"]: r for r in rows}
        return deleted_table(latest)

    def audit(self, *, since: str | None = None) -> pd.DataFrame:
        """Who did what, when, to which revision (as :meth:`geo.store.workspace.Workspace.audit`)."""
        with self._transaction(write=False) as con:
            rows = list(con.execute(f"SELECT {', '.join(META_COLUMNS)} FROM {self._table('proposal_revisions')}"))
        return audit_table(pd.DataFrame(rows, columns=META_COLUMNS), since)

    def open(self, key: str, *, revision: int | None = None) -> Proposal:
        """A live proposal by id or name, or one of its revisions (as :meth:`geo.store.workspace.Workspace.open`)."""
        with self._transaction(write=False) as con:
            if revision is None:
                row = self._find(con, key)
                return self._decode_live(con, row, self._owner(con, row["proposal_id"], row))
            pid = self._resolve(con, key)
            latest = self._latest(con, pid)
            owner = self._owner(con, pid, latest)
            if not as_flag(latest.get("deleted")) and int(latest["revision"]) == int(revision):
                return self._decode_live(con, latest, owner)
            rows = list(con.execute(f"SELECT * FROM {self._table('proposal_revisions')} WHERE proposal_id = %s "
                                    "AND revision = %s", (pid, int(revision))))
            if not rows:
                numbers = [r["revision"] for r in con.execute(
                    f"SELECT revision FROM {self._table('proposal_revisions')} WHERE proposal_id = %s", (pid,))]
                raise no_revision(self.label, key, int(revision), numbers, as_text(latest.get("name")))
        row = rows[0]
        proposal = decode_proposal(row, None, json_assignment(row, self.label), self.label)
        return dataclasses.replace(proposal, owner=owner)

    # -- public API: changes (each one transaction appending one revision) -------------------------

    def save(self, proposal: Proposal, *, expected_revision: int | None = None,
             overwrite: bool = False, actor: User | None = None) -> Proposal:
        """Save ``proposal`` as a new revision in one transaction (as :meth:`geo.store.workspace.Workspace.save`)."""
        if not str(proposal.name).strip():
            raise ProposalNameError("a proposal needs a name; give it one before saving")
        expected = proposal.revision if expected_revision is None else int(expected_revision)
        pid = proposal.proposal_id
        with self._transaction(write=True) as con:
            last = self._latest(con, pid)
            mine = last if last is not None and not as_flag(last.get("deleted")) else None
            others = self._live_rows(con, "AND p.name = %s AND p.proposal_id <> %s", (str(proposal.name), pid))
            other = others[0] if others else None
            author = acting(actor, proposal.author)
            if last is None:
                require(actor, "save_new", name=str(proposal.name))
                owner = actor.name if actor is not None else (proposal.owner or author)
            else:
                owner = self._owner(con, pid, last)
                require(actor, "save", owner=owner, name=str(proposal.name))
            other_owner = "" if other is None else self._owner(con, other["proposal_id"], other)
            if other is not None and overwrite:
                require(actor, "delete", owner=other_owner, name=as_text(other["name"]))
            created = check_save(proposal, expected=expected, last=last, live=mine, other=other,
                                 overwrite=overwrite, where=self.label)
            saved = saved_proposal(proposal, created=created, last=last, owner=owner, author=author, where=self.label)
            if other is not None:  # overwrite: the same-named proposal is deleted, not lost
                self._append(con, next_row(other, revision=int(other["revision"]) + 1, action="delete", deleted=True,
                                           author=author, modified=saved.modified, owner=other_owner))
                self._drop_zones(con, other["proposal_id"])
            zones, schema, crs_wkt = zone_rows(saved, None)
            self._append(con, revision_row(saved, schema, crs_wkt))
            self._put_zones(con, pid, zones, schema)
        return saved

    def rename(self, proposal_id: str, new_name: str, *, author: str = "", actor: User | None = None) -> Proposal:
        """Rename a live proposal: a new revision (as :meth:`geo.store.workspace.Workspace.rename`)."""
        if not str(new_name).strip():
            raise ProposalNameError("a proposal needs a name; give a non-empty one")
        with self._transaction(write=True) as con:
            row = self._find(con, proposal_id, deleted_info=False)
            pid = row["proposal_id"]
            owner = self._owner(con, pid, row)
            require(actor, "rename", owner=owner, name=as_text(row["name"]))
            clash = self._live_rows(con, "AND p.name = %s AND p.proposal_id <> %s", (str(new_name), pid))
            if clash:
                raise name_taken(self.label, pid=pid, name=new_name, expected=int(row["revision"]), clash=clash[0],
                                 fix="choose another name")
            new = next_row(row, revision=int(row["revision"]) + 1, action="rename", author=acting(actor, author),
                           modified=now_iso(), name=new_name, owner=owner)
            self._append(con, new)
            return self._decode_live(con, new, owner)

    def delete(self, proposal_id: str, *, author: str = "", actor: User | None = None) -> None:
        """Delete a live proposal: a tombstone revision (as :meth:`geo.store.workspace.Workspace.delete`)."""
        with self._transaction(write=True) as con:
            row = self._find(con, proposal_id)
            pid = row["proposal_id"]
            owner = self._owner(con, pid, row)
            require(actor, "delete", owner=owner, name=as_text(row["name"]))
            self._append(con, next_row(row, revision=int(row["revision"]) + 1, action="delete", deleted=True,
                                       author=acting(actor, author), modified=now_iso(), owner=owner))
            self._drop_zones(con, pid)

    def restore(self, proposal_id: str, revision: int, *, author: str = "", name: str | None = None,
                actor: User | None = None) -> Proposal:
        """Make an earlier revision the live one again (as :meth:`geo.store.workspace.Workspace.restore`)."""
        if name is not None and not str(name).strip():
            raise ProposalNameError("a proposal needs a name; give a non-empty one")
        with self._transaction(write=True) as con:
            pid = self._resolve(con, proposal_id)
            latest = self._latest(con, pid)
            owner = self._owner(con, pid, latest)
            require(actor, "restore", owner=owner, name=as_text(latest.get("name")))
            rows = list(con.execute(f"SELECT * FROM {self._table('proposal_revisions')} WHERE proposal_id = %s "
                                    "AND revision = %s", (pid, int(revision))))
            if not rows:
                numbers = [r["revision"] for r in con.execute(
                    f"SELECT revision FROM {self._table('proposal_revisions')} WHERE proposal_id = %s", (pid,))]
                raise no_revision(self.label, proposal_id, int(revision), numbers, as_text(latest.get("name")))
            source = rows[0]
            target = str(name) if name is not None else as_text(source["name"])
            clash = self._live_rows(con, "AND p.name = %s AND p.proposal_id <> %s", (target, pid))
            if clash:
                raise name_taken(self.label, pid=pid, name=target, expected=int(revision), clash=clash[0],
                                 fix=f"restore revision {revision} under another name (restore(..., name=...)) "
                                     "or rename that one first")
            assignment = json_assignment(source, self.label)
            used = zone_ids_of(json_cell(latest, "used_zone_ids", [], self.label),
                               json_cell(source, "used_zone_ids", [], self.label), assignment)
            changes = {"name": target, "used_zone_ids": to_json(used, "used zone ids", target), "owner": owner}
            if as_flag(latest.get("deleted")) or int(latest["revision"]) != int(revision):
                changes.update(crs=None, zone_schema="[]")  # only the live revision's outlines are kept
                self._drop_zones(con, pid)
            new = next_row(source, revision=int(latest["revision"]) + 1, action="restore",
                           author=acting(actor, author), modified=now_iso(), **changes)
            self._append(con, new)
            return self._decode_live(con, new, owner)

    def review(self, key: str, verdict: str, *, comment: str = "", actor: User | None = None,
               author: str = "") -> Proposal:
        """Comment on, approve or return a live proposal (as :meth:`geo.store.workspace.Workspace.review`)."""
        with self._transaction(write=True) as con:
            row = self._find(con, key)
            pid = row["proposal_id"]
            check_verdict(verdict, comment, as_text(row["name"]))
            owner = self._owner(con, pid, row)
            require(actor, verdict, owner=owner, name=as_text(row["name"]))
            new = next_row(row, revision=int(row["revision"]) + 1, action=verdict, author=acting(actor, author),
                           modified=now_iso(), owner=owner, comment=str(comment or "").strip())
            self._append(con, new)
            return self._decode_live(con, new, owner)

    def compare(self, id_a: str, id_b: str, communities: gpd.GeoDataFrame, *,
                barriers: gpd.GeoDataFrame | None = None, pairs: gpd.GeoDataFrame | None = None,
                lang: str = "zh", dataset_fingerprint: str | None = None) -> ProposalComparison:
        """Compare two proposals side by side (see :func:`geo.store.workspace.compare_proposals`)."""
        return compare_proposals(self.open(id_a), self.open(id_b), communities, barriers=barriers,
                                 pairs=pairs, lang=lang, dataset_fingerprint=dataset_fingerprint)
