"""Proposals that last: save, list, open, rename, delete, restore, review and compare zonings in a workspace.

A workspace is one GeoPackage on disk (its path is configurable) that QGIS and pyogrio read like
any other. Every save is a *revision* that is kept: nothing a planner saved is ever lost, and any
revision can be opened or made the live one again. The file holds four tables:

* ``proposals`` (attribute table): the *latest live revision* of each proposal that is not
  deleted, one row each: ``proposal_id``, ``name``, ``author``, ``notes``, ``created``/``modified``
  (ISO 8601, UTC), ``revision``, ``crs`` of its zones, the headline figures (``zones``,
  ``communities_in_zones``, ``households_in_zones``, ``mean_compactness``), JSON columns
  ``rules``, ``overrides``, ``edits``, ``zone_notes``, ``locked_zones``, ``zone_schema`` (the
  zone table's columns and types, for an exact round trip), ``dataset`` (``fingerprint``,
  ``name``, ``communities`` of the data it was made on), ``reasons`` (left-out candidate ->
  ``[reason_code, relaxation]``), ``used_zone_ids``, the text ``action`` that made it, its
  ``owner``, the review ``comment`` of the revision and the ``review_status``;
* ``proposal_zones`` (features): ``proposal_id`` + the zone figures + the outline, of the live
  revisions only;
* ``proposal_assignments`` (attribute table): ``proposal_id``, ``community_id``, ``zone_id`` of
  the live revisions;
* ``proposal_revisions`` (attribute table): the history, one row per (``proposal_id``,
  ``revision``), never rewritten or removed: every column of ``proposals``, plus ``assignment``
  (JSON object community -> zone) and ``deleted`` (0/1).

So the first three tables are what they always were (QGIS readers and older code see the live
proposals), and ``proposal_revisions`` is append-only. Each revision row is self-contained except
for zone outlines, which are kept for the live revision only (an older revision opens with
``zones=None``; the caller recomputes them from its assignment; its stored figures stay).

Revisions are numbered 1, 2, ... per proposal, and every change appends exactly one (``action``):

* ``save``: the proposal as given (:meth:`Workspace.save`);
* ``rename``: the latest content under a new name (:meth:`Workspace.rename`);
* ``delete``: a tombstone (``deleted=1``) holding the content it deleted, by whom and when; the
  proposal leaves the three live tables and :meth:`Workspace.list`, and is listed by
  :meth:`Workspace.deleted` (:meth:`Workspace.delete`);
* ``restore``: the content of an earlier revision made live again (also un-deletes)
  (:meth:`Workspace.restore`);
* ``comment``, ``approve``, ``return``: a review of the live content, which it keeps, with the
  reviewer's ``comment`` (:meth:`Workspace.review`). ``review_status`` is ``approved`` or
  ``returned`` after the latest approve/return since the latest save or restore, else empty: a
  save after an approval needs approving again.

A revision's ``author`` and ``modified`` say who made it and when (for delete and restore, the
``author`` given, else the previous one's). ``used_zone_ids`` only grows: each revision holds every
zone id any revision of the proposal used, so a new zone never takes an old zone's id.

Owners, rights and the audit log
--------------------------------
Each proposal has an ``owner``, the login that created it (revision 1's author; a proposal of a
workspace written before owners were kept is owned by its first revision's author). Every change
takes ``actor``, the signed-in :class:`geo.store.access.User`: before anything is written it is
checked with :func:`geo.store.access.require` (``save_new`` for a new proposal, else ``save``;
``rename``, ``delete``, ``restore``, the review's verdict) against the proposal's owner, so a
viewer cannot save, a planner changes only their own proposals and a reviewer reviews but does
not save; the revision's author is then the actor's login. ``actor=None`` is the single-user mode,
where everything is allowed. :meth:`Workspace.audit` lists every revision of every proposal
(deleted ones too), newest first: who did what, when, to which revision, with what comment.

The rows both back ends store (this GeoPackage and :class:`geo.store.postgis.PostgisWorkspace`),
and the checks of a save, are in :mod:`geo.store.records`; this module keeps the file.

Names are unique among live proposals (a deleted proposal's name is free again). A proposal is
bound to the data it was made on (``dataset["fingerprint"]``): a save never replaces a proposal,
or a same-named one, made on other data (:class:`ConflictError` ``"other_dataset"``, even with
``overwrite``), and :func:`compare_proposals` refuses proposals of different data
(:class:`ProposalDataError`).

A workspace written before revisions were kept (no ``proposal_revisions`` table, no ``dataset``,
``reasons``, ``used_zone_ids``, ``action``, ``owner``, ``comment``, ``review_status`` columns) opens as if each proposal's row were its only
revision (missing columns take their defaults), and is migrated on the next change.

Atomicity and concurrency
-------------------------
Every change (save, rename, delete, restore, review) is one read-modify-write done under an exclusive
``fcntl.flock`` on a sidecar file ``<workspace>.lock``; the new workspace is written whole into a
temporary file in the same directory, flushed with ``fsync``, and moved over the old one with
``os.replace`` (atomic on POSIX), after which the directory is synced. Readers take a shared lock,
so they never see half of one version and half of another. Hence:

* a crash (exception, killed process, power cut) at any point leaves either the old file or the
  new one, never a mix; the stray temporary file is removed by the next change;
* two browser tabs or two processes serialise on the lock, and each re-reads the file under it,
  so no saved proposal is ever lost to a concurrent save (no lost update);
* a stale save is detected by the proposal's ``revision`` (optimistic concurrency): saving a
  proposal whose stored revision is not the one it was opened at raises :class:`ConflictError`
  carrying both revisions, and the caller chooses to overwrite (the other save stays in the
  history), save under a new name (:meth:`Proposal.as_new`) or reload.

Why not transactions on the GeoPackage itself: GDAL's writers cannot join an SQLite transaction
held by Python, and writing geometry blobs and R-tree triggers by hand would duplicate GDAL.
Rewriting the whole file costs O(workspace) per save, but the history is plain text (a revision
of a demo-size proposal, 1,100 communities in 143 zones, is ~60 kB), so such a save takes about
0.12 s with 50 earlier revisions and 0.14 s with 200; the lock needs a local disk (or NFS with
working locks) and a POSIX system.

Example
-------
>>> import tempfile
>>> ws = Workspace(Path(tempfile.mkdtemp()) / "proposals.gpkg")
>>> saved = ws.save(Proposal(name="方案一", assignment={"a": "Z1", "b": "Z1"}, author="李工"))
>>> saved.revision, ws.list()[["name", "revision", "communities_in_zones"]].values.tolist()
(1, [['方案一', 1, 2]])
>>> ws.open("方案一").assignment
{'a': 'Z1', 'b': 'Z1'}
>>> second = ws.save(dataclasses.replace(saved, assignment={"a": "Z1"}))
>>> ws.history(saved.proposal_id)[["revision", "action", "communities_in_zones"]].values.tolist()
[[2, 'save', 1], [1, 'save', 2]]
>>> ws.restore(saved.proposal_id, 1).assignment, ws.open("方案一").revision
({'a': 'Z1', 'b': 'Z1'}, 3)
>>> from geo.store.access import User
>>> ws.review("方案一", "approve", comment="同意", actor=User("rita", "reviewer")).review_status
'approved'
>>> ws.audit()[["user", "action", "revision", "comment"]].values.tolist()[:2]
[['rita', 'approve', 4, '同意'], ['李工', 'restore', 3, '']]
"""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import json
import os
import sqlite3
import uuid
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pyogrio
import pyogrio.errors
import shapely

from geo.errors import GeoError, SchemaError
from geo.store.access import User, require
from geo.store.records import (  # noqa: F401 - re-exported: the workspace's public names stay importable here
    ACTIONS,
    ASSIGNMENTS,
    AUDIT_COLUMNS,
    FORMAT_VERSION,
    HISTORY_COLUMNS,
    INT_COLUMNS,
    INT_FIGURES,
    META_COLUMNS,
    PROPOSAL_COLUMNS,
    PROPOSALS,
    REVIEW_VERDICTS,
    REVISION_COLUMNS,
    REVISIONS,
    ZONES,
    ConflictError,
    Proposal,
    ProposalDataError,
    ProposalNameError,
    ProposalNotFoundError,
    ReviewCommentError,
    WorkspaceError,
    acting,
    as_flag,
    as_text,
    assignment_json,
    check_save,
    check_verdict,
    dataset_fingerprint,
    decode_proposal,
    deleted_table,
    first_authors,
    history_table,
    is_null,
    json_assignment,
    json_cell,
    latest_rows,
    list_table,
    name_taken,
    next_row,
    no_revision,
    not_found,
    now_iso,
    overrides_from_dict,
    overrides_to_dict,
    owner_from,
    revision_row,
    rules_from_dict,
    rules_to_dict,
    saved_proposal,
    to_json,
    zone_ids_of,
    zone_rows,
    audit_table,
)

try:  # POSIX; the app runs on Linux servers
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None


# --- the file --------------------------------------------------------------------------------


@dataclass
class _Tables:
    """The four tables of a workspace, in memory (``revisions``: the whole history)."""

    proposals: pd.DataFrame
    zones: gpd.GeoDataFrame
    assignments: pd.DataFrame
    revisions: pd.DataFrame

    @classmethod
    def empty(cls) -> _Tables:
        proposals = pd.DataFrame({c: pd.Series(dtype=object) for c in PROPOSAL_COLUMNS})
        zones = gpd.GeoDataFrame({"proposal_id": pd.Series(dtype=object)},
                                 geometry=gpd.GeoSeries([], crs=4326))
        assignments = pd.DataFrame({c: pd.Series(dtype=object) for c in ("proposal_id", "community_id", "zone_id")})
        revisions = pd.DataFrame({c: pd.Series(dtype=object) for c in REVISION_COLUMNS})
        return cls(proposals, zones, assignments, revisions)


def _quote(value: str) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def _fsync_dir(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:  # pragma: no cover - some filesystems refuse to open a directory
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)


def _typed(frame: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """``frame``'s ``columns`` with the types they are stored with (nulls as None)."""
    out = frame.reindex(columns=list(columns)).copy()
    for column in columns:
        if column in INT_COLUMNS:
            out[column] = pd.to_numeric(out[column], errors="coerce").astype("Int64")
        elif column == "mean_compactness":
            out[column] = pd.to_numeric(out[column], errors="coerce").astype(float)
        else:
            values = out[column].astype(object)
            out[column] = values.where(values.notna(), None)
    return out


def _write_tables(path: Path, tables: _Tables) -> None:
    """Write the four tables into a new GeoPackage at ``path`` (a temporary file)."""
    pyogrio.write_dataframe(_typed(tables.proposals, PROPOSAL_COLUMNS), path, layer=PROPOSALS, driver="GPKG",
                            layer_options={"DESCRIPTION": "zoning proposals (the live revision of each)"})
    zones = tables.zones
    pyogrio.write_dataframe(zones, path, layer=ZONES, driver="GPKG", append=False,
                            geometry_type="Unknown" if zones.empty else None, promote_to_multi=False,
                            layer_options={"DESCRIPTION": "zones of every live proposal"})
    assignments = tables.assignments[["proposal_id", "community_id", "zone_id"]].astype(object)
    pyogrio.write_dataframe(assignments, path, layer=ASSIGNMENTS, driver="GPKG",
                            layer_options={"DESCRIPTION": "community -> zone of every live proposal"})
    pyogrio.write_dataframe(_typed(tables.revisions, REVISION_COLUMNS), path, layer=REVISIONS, driver="GPKG",
                            layer_options={"DESCRIPTION": "every revision of every proposal (the history)"})




def _migrated(proposals: pd.DataFrame, assignments: pd.DataFrame | None) -> pd.DataFrame:
    """The history of a workspace written before revisions were kept: each live row is its only revision."""
    frame = proposals.reindex(columns=PROPOSAL_COLUMNS).copy()
    frame["action"] = [as_text(a) or "save" for a in frame["action"].astype(object)]
    frame["deleted"] = 0
    if assignments is None:
        frame["assignment"] = None
    else:
        groups: dict[str, dict] = {}
        for pid, cid, zid in zip(assignments["proposal_id"].astype(object), assignments["community_id"].astype(object),
                                 assignments["zone_id"].astype(object), strict=True):
            groups.setdefault(str(pid), {})[str(cid)] = None if is_null(zid) else str(zid)
        frame["assignment"] = [json.dumps(groups.get(str(pid), {}), ensure_ascii=False)
                               for pid in frame["proposal_id"].astype(object)]
    return frame.reindex(columns=REVISION_COLUMNS)


def _live_row(row: Mapping[str, Any]) -> dict:
    return {c: row.get(c) for c in PROPOSAL_COLUMNS}



def _assignment_frame(proposal_id: str, assignment: Mapping[str, Any]) -> pd.DataFrame:
    return pd.DataFrame({
        "proposal_id": pd.Series([proposal_id] * len(assignment), dtype=object),
        "community_id": pd.Series([str(c) for c in assignment], dtype=object),
        "zone_id": pd.Series([None if z is None else str(z) for z in assignment.values()], dtype=object),
    })


def _assignment_dict(assignments: pd.DataFrame) -> dict:
    """community -> zone of the rows of ``proposal_assignments`` (one proposal's)."""
    return {c: None if is_null(z) else z for c, z in
            zip(assignments["community_id"].astype(object), assignments["zone_id"].astype(object), strict=True)}


def _concat(frames: Sequence[pd.DataFrame], empty: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    frames = [f for f in frames if len(f)]
    return (pd.concat(frames, ignore_index=True) if frames else empty).reindex(columns=list(columns))


def _apply(tables: _Tables, *, drop: Collection[str] = (), saved: Proposal | None = None,
           rows: Sequence[Mapping] = (), zones: gpd.GeoDataFrame | None = None,
           assignments: Sequence[pd.DataFrame] = (), revisions: Sequence[Mapping] = ()) -> _Tables:
    """New tables: the live rows of ``drop`` taken out of the three live tables; then the live
    ``rows``, ``zones`` (in the layer's CRS) and ``assignments`` put in; ``saved`` encoded into all
    three; ``revisions`` (then ``saved``'s) appended to the history, which nothing removes from."""
    removed = set(drop)

    def kept(frame: pd.DataFrame) -> pd.DataFrame:
        return frame[~frame["proposal_id"].astype(object).isin(removed)]

    empty = _Tables.empty()
    proposals = [kept(tables.proposals), *(pd.DataFrame([_live_row(r)]) for r in rows)]
    assignment_frames = [kept(tables.assignments), *assignments]
    history = [dict(r) for r in revisions]
    zone_frame = kept(tables.zones)
    added = [zones] if zones is not None and len(zones) else []
    layer_crs = zone_frame.crs if len(zone_frame) else (added[0].crs if added else None)
    if saved is not None:
        new_zones, schema, crs_wkt = zone_rows(saved, layer_crs)
        row = revision_row(saved, schema, crs_wkt)
        proposals.append(pd.DataFrame([_live_row(row)]))
        history.append(row)
        assignment_frames.append(_assignment_frame(saved.proposal_id, saved.assignment))
        if new_zones is not None and len(new_zones):
            added.append(new_zones)
            layer_crs = new_zones.crs if layer_crs is None else layer_crs
    if added:
        frames = [f for f in (zone_frame, *added) if len(f)]
        joined = pd.concat(frames, ignore_index=True)
        zone_frame = gpd.GeoDataFrame(joined, geometry=frames[0].geometry.name, crs=layer_crs)
    if zone_frame.empty:
        zone_frame = empty.zones
    return _Tables(
        _concat(proposals, empty.proposals, PROPOSAL_COLUMNS),
        zone_frame.reset_index(drop=True),
        _concat(assignment_frames, empty.assignments, ["proposal_id", "community_id", "zone_id"]),
        _concat([tables.revisions, pd.DataFrame(history)], empty.revisions, REVISION_COLUMNS),
    )


_NOT_A_WORKSPACE_FIX = ("give the workspace another file name (it is created on the first save), "
                        "or move this file away")


class Workspace:
    """A proposals workspace: one GeoPackage at ``path``, created on the first save.

    Parameters
    ----------
    path
        The workspace file (``~`` expanded). Its directory must exist and be writable to save.

    See the module docstring for the file's layout, how every change is a kept revision, and
    how saves stay atomic and safe when several tabs or processes share the file.
    """

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path).expanduser()

    def __repr__(self) -> str:
        return f"Workspace({str(self.path)!r})"

    @property
    def label(self) -> str:
        """What a page shows of the workspace: its file name (never the server's folder)."""
        return self.path.name

    # -- locking and reading ------------------------------------------------------------------

    @property
    def lock_path(self) -> Path:
        """The sidecar lock file next to the workspace."""
        return self.path.with_name(self.path.name + ".lock")

    @contextlib.contextmanager
    def _locked(self, *, exclusive: bool) -> Iterator[None]:
        if not self.path.parent.is_dir():
            raise WorkspaceError(f"{self.path}: its folder {self.path.parent} does not exist; "
                                 "create it or choose a workspace path in an existing folder",
                                 code="workspace", params={"name": self.path.name})
        try:
            handle = open(self.lock_path, "a+b")  # noqa: SIM115 - closed by the `with` below
        except OSError as exc:
            if exclusive:
                raise WorkspaceError(f"{self.path}: cannot create the lock file {self.lock_path} ({exc}); "
                                     "choose a workspace in a folder you can write to",
                                     code="workspace", params={"name": self.path.name}) from exc
            yield  # a read-only folder: nobody can save here either, so reading unlocked is safe
            return
        with handle:
            if fcntl is not None:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
            try:
                yield
            finally:
                if fcntl is not None:
                    fcntl.flock(handle.fileno(), fcntl.LOCK_UN)

    def _check(self) -> set[str]:
        """The file's tables; raise :class:`WorkspaceError` unless it is a GeoPackage workspace."""
        try:
            con = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True)
        except sqlite3.Error as exc:
            raise WorkspaceError(f"{self.path}: cannot be opened ({exc}); {_NOT_A_WORKSPACE_FIX}",
                                 code="workspace", params={"name": self.path.name}) from exc
        try:
            try:
                tables = {r[0] for r in con.execute("SELECT table_name FROM gpkg_contents")}
                columns = {r[1] for r in con.execute(f'PRAGMA table_info("{PROPOSALS}")')}
            except sqlite3.DatabaseError as exc:
                raise WorkspaceError(
                    f"{self.path}: is not a GeoPackage or is damaged ({exc}); {_NOT_A_WORKSPACE_FIX}, "
                    "or restore it from a backup",
                                     code="workspace", params={"name": self.path.name}) from exc
        finally:
            con.close()
        missing = [t for t in (PROPOSALS, ZONES, ASSIGNMENTS) if t not in tables]
        if missing:
            raise WorkspaceError(
                f"{self.path}: is a GeoPackage but not a proposals workspace (no table "
                f"{', '.join(missing)}); {_NOT_A_WORKSPACE_FIX}",
                                 code="workspace", params={"name": self.path.name})
        lacking = [c for c in ("proposal_id", "name", "revision", "zone_schema") if c not in columns]
        if lacking:
            raise WorkspaceError(f"{self.path}: its '{PROPOSALS}' table lacks {', '.join(lacking)}: it was "
                                 f"not written by this tool; {_NOT_A_WORKSPACE_FIX}",
                                 code="workspace", params={"name": self.path.name})
        return tables

    def _layers(self) -> set[str]:
        """The file's tables (checked); none when the file does not exist yet."""
        return self._check() if self.path.exists() else set()

    def _read(self, layer: str, **options: Any) -> pd.DataFrame:
        try:
            return pyogrio.read_dataframe(self.path, layer=layer, **options)
        except Exception as exc:  # pyogrio raises its own DataSourceError / DataLayerError
            raise WorkspaceError(f"{self.path}: the '{layer}' table cannot be read ({exc}); "
                                 "restore the file from a backup",
                                 code="workspace", params={"name": self.path.name}) from exc

    def _read_proposals(self, layers: set[str] | None = None) -> pd.DataFrame:
        """The live proposals (every column of :data:`PROPOSAL_COLUMNS`, missing ones null)."""
        if layers is None:
            layers = self._layers()
        if not layers:
            return _Tables.empty().proposals
        frame = pd.DataFrame(self._read(PROPOSALS, read_geometry=False))
        for column in PROPOSAL_COLUMNS:  # a workspace written before a column existed
            if column not in frame:
                frame[column] = None
        return frame

    def _read_revisions(self, layers: set[str], *, proposal_id: str | None = None, revision: int | None = None,
                        columns: Sequence[str] | None = None, proposals: pd.DataFrame | None = None,
                        assignments: pd.DataFrame | None = None) -> pd.DataFrame:
        """Rows of ``proposal_revisions`` (of one proposal, one revision, some columns).

        A workspace without the table (written before revisions were kept) answers as if each
        live proposal were its only revision.
        """
        wanted = list(columns or REVISION_COLUMNS)
        if not layers:
            return _Tables.empty().revisions[wanted]
        if REVISIONS in layers:
            where = [] if proposal_id is None else [f"proposal_id = {_quote(proposal_id)}"]
            if revision is not None:
                where.append(f"revision = {int(revision)}")
            frame = pd.DataFrame(self._read(REVISIONS, read_geometry=False, columns=columns,
                                            where=" AND ".join(where) or None))
            for column in wanted:
                if column not in frame:
                    frame[column] = None
            return frame[wanted]
        if proposals is None:
            proposals = self._read_proposals(layers)
        if proposal_id is not None:
            proposals = proposals[proposals["proposal_id"].astype(object) == proposal_id]
        if revision is not None:
            proposals = proposals[pd.to_numeric(proposals["revision"], errors="coerce") == int(revision)]
        if assignments is None and "assignment" in wanted:
            where = None if proposal_id is None else f"proposal_id = {_quote(proposal_id)}"
            assignments = pd.DataFrame(self._read(ASSIGNMENTS, read_geometry=False, where=where))
        return _migrated(proposals, assignments)[wanted]

    def _read_all(self) -> _Tables:
        layers = self._layers()
        if not layers:
            return _Tables.empty()
        proposals = self._read_proposals(layers)
        try:
            zones = pyogrio.read_dataframe(self.path, layer=ZONES)
            assignments = pd.DataFrame(pyogrio.read_dataframe(self.path, layer=ASSIGNMENTS, read_geometry=False))
        except Exception as exc:
            raise WorkspaceError(f"{self.path}: its tables cannot be read ({exc}); restore the file "
                                 "from a backup",
                                 code="workspace", params={"name": self.path.name}) from exc
        revisions = self._read_revisions(layers, proposals=proposals, assignments=assignments)
        return _Tables(proposals, zones, assignments, revisions)

    def _not_found(self, key: str, proposals: pd.DataFrame, latest: Mapping[str, Mapping] | None = None,
                   ) -> ProposalNotFoundError:
        return not_found(self.path, key, list(proposals["name"].astype(object)), latest)

    def _find(self, proposals: pd.DataFrame, key: str) -> pd.Series:
        """The live row of id (or, failing that, name) ``key``."""
        by_id = proposals[proposals["proposal_id"].astype(object) == key]
        if len(by_id):
            return by_id.iloc[0]
        by_name = proposals[proposals["name"].astype(object) == key]
        if len(by_name):
            return by_name.iloc[0]
        raise self._not_found(key, proposals)

    def _resolve(self, key: str, proposals: pd.DataFrame, latest: Mapping[str, Mapping]) -> str:
        """The id of ``key``: a live or deleted proposal's id, a live name, else a deleted one's name."""
        if key in latest or (proposals["proposal_id"].astype(object) == key).any():
            return key
        names = proposals["name"].astype(object)
        if (names == key).any():
            return str(proposals[names == key].iloc[0]["proposal_id"])
        gone = [r for r in latest.values() if as_flag(r.get("deleted")) and as_text(r.get("name")) == key]
        if gone:
            return str(max(gone, key=lambda r: as_text(r.get("modified")))["proposal_id"])
        raise self._not_found(key, proposals)

    def _no_revision(self, key: str, revision: int, numbers: Sequence[int], name: str) -> ProposalNotFoundError:
        return no_revision(self.path, key, revision, numbers, name)

    def _open_live(self, row: pd.Series) -> Proposal:
        where = f"proposal_id = {_quote(row['proposal_id'])}"
        zones = self._read(ZONES, where=where)
        assignments = pd.DataFrame(self._read(ASSIGNMENTS, where=where, read_geometry=False))
        return decode_proposal(row, zones, _assignment_dict(assignments), self.path)

    # -- public API: reading ---------------------------------------------------------------------

    def _owner(self, layers: set[str], row: Mapping[str, Any], proposals: pd.DataFrame | None = None) -> str:
        """The owner of a stored row's proposal: its ``owner``, else (older file) its first revision's author."""
        if as_text(row.get("owner")):
            return as_text(row.get("owner"))
        frame = self._read_revisions(layers, proposal_id=str(row["proposal_id"]), columns=["proposal_id", "revision",
                                                                                          "author"],
                                     proposals=proposals)
        return first_authors(frame).get(str(row["proposal_id"]), "") or as_text(row.get("author"))

    @staticmethod
    def _owners(tables: _Tables) -> dict[str, str]:
        """proposal id -> owner, of every proposal of ``tables`` (live or deleted)."""
        firsts = first_authors(tables.revisions)
        return {pid: owner_from(row, firsts.get(pid, "")) for pid, row in latest_rows(tables.revisions).items()}

    # -- public API: reading ---------------------------------------------------------------------

    def list(self) -> pd.DataFrame:
        """One row per live proposal, newest first.

        Columns: ``proposal_id``, ``name``, ``author``, ``created``, ``modified``, ``revision``,
        the figures, ``notes``, ``dataset_name``, ``dataset_fingerprint`` ("" when unknown),
        ``revisions`` (how many are stored), ``owner`` and ``review_status``. An empty table when
        the file does not exist yet; deleted proposals are in :meth:`deleted`.
        """
        with self._locked(exclusive=False):
            layers = self._layers()
            proposals = self._read_proposals(layers)
            meta = self._read_revisions(layers, columns=["proposal_id", "revision", "author"], proposals=proposals)
        counts = meta["proposal_id"].astype(object).value_counts().to_dict() if REVISIONS in layers else {}
        return list_table(proposals, counts, first_authors(meta), self.path)

    def history(self, proposal_id: str) -> pd.DataFrame:
        """Every revision of one proposal (by id, or a live or deleted one's name), newest first.

        Columns: ``revision``, ``action`` (``save``/``rename``/``delete``/``restore`` or a review:
        ``comment``/``approve``/``return``), ``name``, ``author`` and ``modified`` (who made the
        revision, when), the figures ``zones``, ``communities_in_zones``,
        ``households_in_zones``, ``edits`` (how many edits are logged), ``dataset_name`` and
        ``deleted`` (True for a tombstone). Review comments are in :meth:`audit`.

        Raises
        ------
        ProposalNotFoundError
            When no proposal, live or deleted, has that id or name.
        """
        with self._locked(exclusive=False):
            layers = self._layers()
            proposals = self._read_proposals(layers)
            latest = latest_rows(self._read_revisions(layers, columns=META_COLUMNS, proposals=proposals))
            pid = self._resolve(proposal_id, proposals, latest)
            columns = [*META_COLUMNS, *INT_FIGURES, "edits", "dataset"]
            frame = self._read_revisions(layers, proposal_id=pid, columns=columns, proposals=proposals)
        return history_table(frame, self.path)

    def deleted(self) -> pd.DataFrame:
        """The deleted proposals, most recently deleted first (:meth:`restore` brings one back).

        Columns: ``proposal_id``, ``name``, ``deleted_at``, ``by`` (who deleted it) and
        ``last_revision`` (the revision it had before it was deleted, the one to restore).
        """
        with self._locked(exclusive=False):
            layers = self._layers()
            latest = latest_rows(self._read_revisions(layers, columns=META_COLUMNS))
        return deleted_table(latest)

    def audit(self, *, since: str | None = None) -> pd.DataFrame:
        """Who did what, when, to which revision: every revision of every proposal, newest first.

        Parameters
        ----------
        since
            Only revisions made at or after this ISO 8601 time (e.g. ``"2026-03-01"``).

        Returns
        -------
        pandas.DataFrame
            Columns ``time``, ``user``, ``action``, ``proposal_id``, ``name``, ``revision``,
            ``comment`` (deleted proposals included; text columns never null, ready for
            :func:`geo.io.tables.csv_bytes`).
        """
        with self._locked(exclusive=False):
            layers = self._layers()
            frame = self._read_revisions(layers, columns=META_COLUMNS)
        return audit_table(frame, since)

    def open(self, key: str, *, revision: int | None = None) -> Proposal:
        """The proposal of id (or, failing that, name) ``key``: its latest revision, or ``revision``.

        Parameters
        ----------
        key
            A proposal id or a live proposal's name (with ``revision``, a deleted one's too).
        revision
            The revision to open; its ``zones`` are None unless it is the live revision (the
            caller recomputes them from the assignment). Any revision of a deleted proposal
            opens, the tombstone included.

        Raises
        ------
        ProposalNotFoundError
            When no live proposal has that id or name (without ``revision``: a deleted one is
            not found, and the message says so), or it has no such revision.
        WorkspaceError
            When the file is not a workspace or is damaged.
        """
        with self._locked(exclusive=False):
            layers = self._layers()
            proposals = self._read_proposals(layers)
            if revision is None:
                try:
                    row = self._find(proposals, key)
                except ProposalNotFoundError:
                    latest = latest_rows(self._read_revisions(layers, columns=META_COLUMNS, proposals=proposals))
                    raise self._not_found(key, proposals, latest) from None
                return dataclasses.replace(self._open_live(row), owner=self._owner(layers, row, proposals))
            latest = latest_rows(self._read_revisions(layers, columns=META_COLUMNS, proposals=proposals))
            pid = self._resolve(key, proposals, latest)
            owner = self._owner(layers, latest[pid] if pid in latest else {"proposal_id": pid}, proposals)
            live = proposals[proposals["proposal_id"].astype(object) == pid]
            if len(live) and int(live.iloc[0]["revision"]) == int(revision):
                return dataclasses.replace(self._open_live(live.iloc[0]), owner=owner)
            found = self._read_revisions(layers, proposal_id=pid, revision=int(revision), proposals=proposals)
            if not len(found):
                numbers = self._read_revisions(layers, proposal_id=pid, columns=["revision"], proposals=proposals)
                raise self._no_revision(key, int(revision), [int(n) for n in numbers["revision"]],
                                        as_text(latest[pid].get("name")))
        row = found.iloc[0]
        return dataclasses.replace(decode_proposal(row, None, json_assignment(row, self.path), self.path), owner=owner)

    # -- public API: changes (each appends one revision) -------------------------------------------

    def save(self, proposal: Proposal, *, expected_revision: int | None = None,
             overwrite: bool = False, actor: User | None = None) -> Proposal:
        """Save ``proposal`` atomically as a new revision; return it as stored.

        Parameters
        ----------
        proposal
            The proposal; a new one (not in the file) is added, a known id gets a new revision
            (the earlier ones stay in the history). A ``dataset`` left empty keeps the stored
            one; ``used_zone_ids`` gains every zone id of the stored revisions and of the
            assignment. Its review status is cleared (a changed proposal needs approving again).
        expected_revision
            The revision the caller's copy started from; ``proposal.revision`` when None (0 for
            a new proposal).
        overwrite
            Save even when the stored revision moved on, the proposal was deleted meanwhile
            (it comes back), or its name belongs to another live proposal (that one is then
            deleted: a tombstone, restorable). Never over a proposal of other data.
        actor
            The signed-in user saving (None: single-user mode, everything allowed). They need
            the right ``save_new`` for a new proposal, ``save`` (their own, unless admin) for a
            stored one, and ``delete`` for a same-named one ``overwrite`` replaces; the revision's
            author is their login.

        Raises
        ------
        ProposalNameError
            When the name is empty (also a ValueError).
        AccessError
            When ``actor`` may not make this change (code ``not_allowed``); nothing is written.
        ConflictError
            ``other_dataset`` (even with ``overwrite``): the stored proposal of that id, or the
            live proposal of that name, was made on data of another fingerprint; save under a
            new name. Without ``overwrite``: ``revision`` (the stored revision is not
            ``expected_revision``), ``deleted`` (deleted since it was opened), ``name_taken``
            (another live proposal has its name).
        WorkspaceError
            When the file exists but is not a workspace (it is never overwritten).
        """
        if not str(proposal.name).strip():
            raise ProposalNameError("a proposal needs a name; give it one before saving")
        expected = proposal.revision if expected_revision is None else int(expected_revision)
        pid = proposal.proposal_id
        with self._locked(exclusive=True):
            tables = self._read_all()
            latest = latest_rows(tables.revisions)
            owners = self._owners(tables)
            stored = tables.proposals
            ids, names = stored["proposal_id"].astype(object), stored["name"].astype(object)
            last = latest.get(pid)
            other = stored[(names == proposal.name) & (ids != pid)]
            mine = stored[ids == pid]
            author = acting(actor, proposal.author)
            if last is None and not len(mine):
                require(actor, "save_new", name=str(proposal.name))
                owner = actor.name if actor is not None else (proposal.owner or author)
            else:
                owner = owners.get(pid, "") or as_text((mine.iloc[0] if len(mine) else {}).get("author"))
                require(actor, "save", owner=owner, name=str(proposal.name))
            for _, o in other.iterrows():
                if overwrite:
                    require(actor, "delete", owner=owners.get(str(o["proposal_id"]), ""), name=as_text(o["name"]))
            created = check_save(proposal, expected=expected, last=last,
                                 live=mine.iloc[0] if len(mine) else None,
                                 other=other.iloc[0] if len(other) else None, overwrite=overwrite, where=self.path)
            saved = saved_proposal(proposal, created=created, last=last, owner=owner, author=author, where=self.path)
            tombstones = []
            for _, o in other.iterrows():  # overwrite: the same-named proposal is deleted, not lost
                number = max(int(o["revision"]), int(latest.get(str(o["proposal_id"]), o)["revision"])) + 1
                assignment = _assignment_dict(tables.assignments[tables.assignments["proposal_id"].astype(object)
                                                                 == o["proposal_id"]])
                tombstones.append(next_row({**_live_row(o), "assignment": assignment_json(assignment, o["name"])},
                                           revision=number, action="delete", deleted=True, author=author,
                                           modified=saved.modified, owner=owners.get(str(o["proposal_id"]), "")))
            self._commit(_apply(tables, drop={pid, *other["proposal_id"].astype(object)}, saved=saved,
                                revisions=tombstones))
        return saved

    def rename(self, proposal_id: str, new_name: str, *, author: str = "", actor: User | None = None) -> Proposal:
        """Rename a live proposal: a new revision (``action="rename"``) with the new name.

        Parameters
        ----------
        proposal_id
            Its id (or name).
        new_name
            Free among the live proposals.
        author
            Who renames it (the revision keeps the previous author when empty).
        actor
            The signed-in user renaming it (needs ``rename``; a planner, their own proposal only).

        Raises
        ------
        ProposalNameError
            When ``new_name`` is empty.
        AccessError
            When ``actor`` may not rename it.
        ConflictError
            When another live proposal already has ``new_name``.
        ProposalNotFoundError
            When ``proposal_id`` is not a live proposal.
        """
        if not str(new_name).strip():
            raise ProposalNameError("a proposal needs a name; give a non-empty one")
        with self._locked(exclusive=True):
            tables = self._read_all()
            row = self._find(tables.proposals, proposal_id)
            pid = str(row["proposal_id"])
            owner = self._owners(tables).get(pid, "")
            require(actor, "rename", owner=owner, name=as_text(row["name"]))
            names = tables.proposals["name"].astype(object)
            ids = tables.proposals["proposal_id"].astype(object)
            clash = tables.proposals[(names == new_name) & (ids != pid)]
            if len(clash):
                raise name_taken(self.path, pid=pid, name=new_name, expected=int(row["revision"]),
                                 clash=clash.iloc[0], fix="choose another name")
            zones, assignments = self._live_parts(tables, pid)
            assignment = _assignment_dict(assignments)
            new = next_row({**_live_row(row), "assignment": assignment_json(assignment, new_name)},
                           revision=self._next_revision(tables, row), action="rename",
                           author=acting(actor, author), modified=now_iso(), name=new_name, owner=owner)
            self._commit(_apply(tables, drop={pid}, rows=[new], zones=zones, assignments=[assignments],
                                revisions=[new]))
        return decode_proposal(pd.Series(new), zones, assignment, self.path)

    def delete(self, proposal_id: str, *, author: str = "", actor: User | None = None) -> None:
        """Delete a live proposal (by id or name): a tombstone revision, nothing lost.

        It leaves :meth:`list` and the three live tables; :meth:`deleted` lists it, its
        :meth:`history` stays, and :meth:`restore` brings it back.

        Parameters
        ----------
        proposal_id
            Its id (or name).
        author
            Who deletes it (``deleted()``'s ``by``); the previous revision's author when empty.
        actor
            The signed-in user deleting it (needs ``delete``; a planner, their own proposal only).

        Raises
        ------
        ProposalNotFoundError
            When it is not a live proposal (also when it is deleted already).
        AccessError
            When ``actor`` may not delete it.
        """
        with self._locked(exclusive=True):
            tables = self._read_all()
            try:
                row = self._find(tables.proposals, proposal_id)
            except ProposalNotFoundError:
                raise self._not_found(proposal_id, tables.proposals, latest_rows(tables.revisions)) from None
            pid = str(row["proposal_id"])
            owner = self._owners(tables).get(pid, "")
            require(actor, "delete", owner=owner, name=as_text(row["name"]))
            _, assignments = self._live_parts(tables, pid)
            tombstone = next_row({**_live_row(row), "assignment": assignment_json(_assignment_dict(assignments),
                                                                                  row["name"])},
                                 revision=self._next_revision(tables, row), action="delete", deleted=True,
                                 author=acting(actor, author), modified=now_iso(), owner=owner)
            self._commit(_apply(tables, drop={pid}, revisions=[tombstone]))

    def restore(self, proposal_id: str, revision: int, *, author: str = "", name: str | None = None,
                actor: User | None = None) -> Proposal:
        """Make ``revision`` of a proposal the live one again: a new revision of its content.

        The new revision (``action="restore"``) has that revision's name, assignment, rules,
        overrides, edits, notes, reasons and dataset; ``used_zone_ids`` keeps every id used
        since. A deleted proposal comes back. Its zones are kept only when ``revision`` is the
        live one; otherwise they are None (recompute them from the assignment). Its review status
        is cleared.

        Parameters
        ----------
        proposal_id
            Its id (or a live or deleted one's name).
        revision
            The revision to bring back (:meth:`history` lists them).
        author
            Who restores it; the restored revision's author when empty.
        name
            Restore under this name instead (when the old one is taken by another live proposal).
        actor
            The signed-in user restoring it (needs ``restore``; a planner, their own proposal only).

        Returns
        -------
        Proposal
            As stored.

        Raises
        ------
        ProposalNotFoundError
            When there is no such proposal or revision.
        AccessError
            When ``actor`` may not restore it.
        ConflictError
            ``name_taken``: another live proposal has the name (give ``name``).
        """
        if name is not None and not str(name).strip():
            raise ProposalNameError("a proposal needs a name; give a non-empty one")
        with self._locked(exclusive=True):
            tables = self._read_all()
            latest = latest_rows(tables.revisions)
            stored = tables.proposals
            pid = self._resolve(proposal_id, stored, latest)
            owner = self._owners(tables).get(pid, "")
            require(actor, "restore", owner=owner, name=as_text(latest[pid].get("name")))
            history = tables.revisions[tables.revisions["proposal_id"].astype(object) == pid]
            numbers = pd.to_numeric(history["revision"], errors="coerce")
            found = history[numbers == int(revision)]
            if not len(found):
                raise self._no_revision(proposal_id, int(revision), [int(n) for n in numbers.dropna()],
                                        as_text(latest[pid].get("name")))
            source = found.iloc[0].to_dict()
            target = str(name) if name is not None else as_text(source["name"])
            names, ids = stored["name"].astype(object), stored["proposal_id"].astype(object)
            clash = stored[(names == target) & (ids != pid)]
            if len(clash):
                raise name_taken(self.path, pid=pid, name=target, expected=int(revision), clash=clash.iloc[0],
                                 fix=f"restore revision {revision} under another name (restore(..., name=...)) "
                                     "or rename that one first")
            live = stored[ids == pid]
            assignment = json_assignment(source, self.path)
            used = zone_ids_of(json_cell(latest[pid], "used_zone_ids", [], self.path),
                               json_cell(source, "used_zone_ids", [], self.path), assignment)
            changes = {"name": target, "used_zone_ids": to_json(used, "used zone ids", target), "owner": owner}
            zones = None
            if len(live) and int(live.iloc[0]["revision"]) == int(revision):
                zones, _ = self._live_parts(tables, pid)
            else:  # only the live revision's outlines are kept
                changes.update(crs=None, zone_schema="[]")
            number = max([int(latest[pid]["revision"]), *(int(r) for r in live["revision"])]) + 1
            new = next_row(source, revision=number, action="restore", author=acting(actor, author),
                           modified=now_iso(), **changes)
            self._commit(_apply(tables, drop={pid}, rows=[new], zones=zones,
                                assignments=[_assignment_frame(pid, assignment)], revisions=[new]))
        return decode_proposal(pd.Series(new), zones, assignment, self.path)

    def review(self, key: str, verdict: str, *, comment: str = "", actor: User | None = None,
               author: str = "") -> Proposal:
        """Comment on, approve or return a live proposal: a new revision of the same content.

        Parameters
        ----------
        key
            Its id (or name).
        verdict
            ``"comment"``, ``"approve"`` or ``"return"``; an approval or return sets
            :attr:`Proposal.review_status` (until the next save), a comment keeps it.
        comment
            The reviewer's words; needed for ``return`` and ``comment``.
        actor
            The signed-in user reviewing (needs the right of ``verdict``: a reviewer or admin).
        author
            Who reviews, in single-user mode (``actor`` None); the previous author when empty.

        Returns
        -------
        Proposal
            As stored (``action`` is the verdict, ``comment`` the words).

        Raises
        ------
        ReviewCommentError
            ``review_comment_empty``: a return or comment without words.
        AccessError
            When ``actor`` may not review.
        ProposalNotFoundError
            When it is not a live proposal.
        """
        with self._locked(exclusive=True):
            tables = self._read_all()
            try:
                row = self._find(tables.proposals, key)
            except ProposalNotFoundError:
                raise self._not_found(key, tables.proposals, latest_rows(tables.revisions)) from None
            pid = str(row["proposal_id"])
            check_verdict(verdict, comment, as_text(row["name"]))
            owner = self._owners(tables).get(pid, "")
            require(actor, verdict, owner=owner, name=as_text(row["name"]))
            zones, assignments = self._live_parts(tables, pid)
            assignment = _assignment_dict(assignments)
            new = next_row({**_live_row(row), "assignment": assignment_json(assignment, row["name"])},
                           revision=self._next_revision(tables, row), action=verdict, author=acting(actor, author),
                           modified=now_iso(), owner=owner, comment=str(comment or "").strip())
            self._commit(_apply(tables, drop={pid}, rows=[new], zones=zones, assignments=[assignments],
                                revisions=[new]))
        return decode_proposal(pd.Series(new), zones, assignment, self.path)

    def compare(self, id_a: str, id_b: str, communities: gpd.GeoDataFrame, *,
                barriers: gpd.GeoDataFrame | None = None, pairs: gpd.GeoDataFrame | None = None,
                lang: str = "zh", dataset_fingerprint: str | None = None) -> ProposalComparison:
        """Compare two proposals side by side: figures, and a map of what differs.

        See :func:`compare_proposals` (``dataset_fingerprint``: the fingerprint of
        ``communities``' data, refused when a proposal was made on other data).
        """
        return compare_proposals(self.open(id_a), self.open(id_b), communities, barriers=barriers,
                                 pairs=pairs, lang=lang, dataset_fingerprint=dataset_fingerprint)

    # -- helpers of the changes ----------------------------------------------------------------

    @staticmethod
    def _live_parts(tables: _Tables, proposal_id: str) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
        """The live zone rows and assignment rows of one proposal, as stored."""
        zones = tables.zones[tables.zones["proposal_id"].astype(object) == proposal_id]
        assignments = tables.assignments[tables.assignments["proposal_id"].astype(object) == proposal_id]
        return zones, assignments

    @staticmethod
    def _next_revision(tables: _Tables, row: pd.Series) -> int:
        last = latest_rows(tables.revisions[tables.revisions["proposal_id"].astype(object) == row["proposal_id"]])
        return max([int(row["revision"]), *(int(r["revision"]) for r in last.values())]) + 1

    # -- the atomic write ------------------------------------------------------------------------

    def _commit(self, tables: _Tables) -> None:
        """Write ``tables`` to a temporary file next to the workspace, sync it, move it in place.

        Called with the exclusive lock held; stray temporary files of crashed saves are removed.
        """
        directory = self.path.parent
        for stray in directory.glob(f".{self.path.name}.*.tmp.gpkg*"):  # and SQLite's -journal/-wal/-shm
            with contextlib.suppress(OSError):
                stray.unlink()
        tmp = directory / f".{self.path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp.gpkg"
        try:
            _write_tables(tmp, tables)
            with open(tmp, "rb+") as handle:
                os.fsync(handle.fileno())
            os.replace(tmp, self.path)
        except BaseException as exc:
            for leftover in (tmp, *(tmp.with_name(tmp.name + end) for end in ("-journal", "-wal", "-shm"))):
                with contextlib.suppress(OSError):
                    leftover.unlink()
            if isinstance(exc, GeoError) or not isinstance(exc, (OSError, pyogrio.errors.DataSourceError,
                                                                  pyogrio.errors.DataLayerError,
                                                                  pyogrio.errors.FeatureError)):
                raise
            raise _write_failed(self.path, exc) from exc
        _fsync_dir(directory)



def _write_failed(path: Path, exc: BaseException) -> WorkspaceError:
    """The coded error of a save the system refused: a full disk (``workspace_disk_full``) or
    another write failure (``workspace``); the old file was not touched."""
    full = getattr(exc, "errno", None) == errno.ENOSPC or "disk is full" in str(exc) or "No space" in str(exc)
    if full:
        return WorkspaceError(f"{path.name}: the disk is full, the save was not written; every revision "
                              "saved before is intact; free space on the server's disk, then save again",
                              code="workspace_disk_full", params={"name": path.name})
    return WorkspaceError(f"{path.name}: the save could not be written ({exc}); nothing was "
                          "changed, every revision saved before is intact; tell the administrator",
                          code="workspace", params={"name": path.name})


# --- comparing two proposals ---------------------------------------------------------------------

#: Bilingual words for each kind of difference.
CHANGE_LABELS: dict[str, tuple[str, str]] = {
    "moved": ("所属片区改变", "moved to another zone"),
    "only_in_a": ("仅在方案A中编入片区", "in a zone only in A"),
    "only_in_b": ("仅在方案B中编入片区", "in a zone only in B"),
    "identical": ("两方案相同", "identical in both"),
}
#: Bilingual labels of the compared figures.
FIGURE_LABELS: dict[str, tuple[str, str]] = {
    "zones": ("片区数", "zones"),
    "communities_in_zones": ("编入片区的小区数", "communities placed"),
    "households_in_zones": ("片区内户数", "households in zones"),
    "candidates_left_out": ("未编入的候选小区数", "candidates left out"),
    "mean_compactness": ("平均紧凑度", "mean compactness"),
    "total_hull_slack_m2": ("凸包空隙总面积（平方米）", "total hull slack (m²)"),
    "violations": ("违反规则数", "rules broken"),
}


@dataclass
class ProposalComparison:
    """Two proposals side by side.

    Attributes
    ----------
    a, b
        The proposals compared.
    figures
        One row per figure (index: figure code): ``label``, ``a``, ``b``, ``change`` (b - a).
    differences
        What a map draws, in the communities' CRS: ``feature`` (``community`` / ``zone``),
        ``change`` (community: ``moved`` / ``only_in_a`` / ``only_in_b``; zone: ``only_in_a`` /
        ``only_in_b`` / ``identical``), ``change_label``, ``community_id``, ``zone_a``,
        ``zone_b``, ``members``.
    """

    a: Proposal
    b: Proposal
    figures: pd.DataFrame
    differences: gpd.GeoDataFrame

    def counts(self) -> dict:
        """How many communities and zones fall in each kind of change."""
        d = self.differences
        return {f"{feature}_{change}": int(n) for (feature, change), n in
                d.groupby(["feature", "change"]).size().items()}


def _zone_sets(assignment: Mapping[str, str]) -> dict[str, frozenset]:
    groups: dict[str, set] = {}
    for cid, zid in assignment.items():
        if zid is not None:
            groups.setdefault(str(zid), set()).add(str(cid))
    return {z: frozenset(m) for z, m in groups.items()}


def compare_proposals(a: Proposal, b: Proposal, communities: gpd.GeoDataFrame, *,
                      barriers: gpd.GeoDataFrame | None = None, pairs: gpd.GeoDataFrame | None = None,
                      lang: str = "zh", dataset_fingerprint: str | None = None) -> ProposalComparison:
    """Figures of two proposals side by side, and every community and zone that differs.

    Zones are matched by their members, not their ids (two runs may number the same zone
    differently): a zone is ``identical`` when the other proposal has a zone of exactly the
    same communities. A community placed in both is ``moved`` when its zone's members differ.

    Parameters
    ----------
    a, b
        The proposals.
    communities
        The communities layer (metric CRS) both were made on; figures are recomputed on it with
        :func:`geo.zoning.score.score_zoning` under each proposal's own rules and overrides.
    barriers, pairs
        Passed to ``score_zoning`` so connectivity is judged as it was when zoning (without
        them, pairs across barriers count as connected).
    lang
        ``"zh"`` or ``"en"`` for the labels.
    dataset_fingerprint
        The fingerprint of the data ``communities`` is from; a proposal that records another
        one is refused (a proposal without one is judged by its communities alone).

    Returns
    -------
    ProposalComparison

    Raises
    ------
    ProposalDataError
        (also a KeyError) When the proposals were made on data of different fingerprints, one
        of them on other data than ``dataset_fingerprint``, or one places communities that are
        not in ``communities``.
    SchemaError
        ``communities`` lacks ``community_id`` or ``households`` (code ``columns_needed``).

    Example
    -------
    >>> from shapely import box
    >>> homes = gpd.GeoDataFrame({"community_id": ["a", "b", "c"], "households": [200, 150, 160],
    ...     "build_year": [1985, 1990, 1992], "street": ["s"] * 3, "status": ["candidate"] * 3},
    ...     geometry=[box(0, 0, 40, 40), box(45, 0, 85, 40), box(90, 0, 130, 40)], crs=4538)
    >>> cmp = compare_proposals(Proposal("A", {"a": "Z1", "b": "Z1"}), Proposal("B", {"b": "Z1", "c": "Z1"}),
    ...                         homes, lang="en")
    >>> cmp.differences[["feature", "change", "community_id"]].values.tolist()
    [['community', 'only_in_a', 'a'], ['community', 'moved', 'b'], ['community', 'only_in_b', 'c'], \
['zone', 'only_in_a', None], ['zone', 'only_in_b', None]]
    >>> cmp.figures.loc["households_in_zones", ["a", "b", "change"]].tolist()
    [350, 310, -40]
    """
    from geo.zoning.adjacency import community_pairs
    from geo.zoning.score import score_zoning
    from geo.zoning.zones import merge_candidates

    _check_same_data(a, b, dataset_fingerprint)
    missing = [c for c in ("community_id", "households") if c not in communities.columns]
    if missing:  # else a KeyError deep in the scoring
        raise SchemaError(f"the communities compared lack the column(s) {', '.join(missing)}; load them with "
                          "geo.io.load.load_layer(path, 'communities')", code="columns_needed",
                          params={"kind": "communities", "missing": missing,
                                  "columns": [str(c) for c in communities.columns]})
    frame = communities.copy()
    frame["community_id"] = frame["community_id"].astype(str)
    ids = set(frame["community_id"])
    for p in (a, b):
        unknown = sorted(set(map(str, p.assignment)) - ids)
        if unknown:
            raise ProposalDataError(
                f"proposal '{p.name}' places communities that are not in the layer compared "
                f"({', '.join(unknown[:10])}); compare it on the data it was made from",
                proposal_name=p.name, unknown=unknown, dataset_name=as_text((p.dataset or {}).get("name")))
    pair_cache: dict[tuple, gpd.GeoDataFrame] = {}
    columns = {}
    for key, p in (("a", a), ("b", b)):
        rules = p.zone_rules()
        these_pairs = pairs
        if these_pairs is None:
            cache_key = (rules.gap_m, rules.same_street)
            if cache_key not in pair_cache:
                pair_cache[cache_key] = community_pairs(frame, gap_m=rules.gap_m, barriers=barriers,
                                                        respect_streets=rules.same_street)
            these_pairs = pair_cache[cache_key]
        score = score_zoning(frame, dict(p.assignment), pairs=these_pairs, barriers=barriers, rules=rules,
                             overrides=p.zone_overrides())
        totals = score.totals()
        cand = merge_candidates(frame, rules).to_numpy()
        placed = frame["community_id"].isin(set(map(str, p.assignment))).to_numpy()
        totals["candidates_left_out"] = int((cand & ~placed).sum())
        columns[key] = totals
    rows = []
    for code, (zh, en) in FIGURE_LABELS.items():
        va, vb = columns["a"].get(code), columns["b"].get(code)
        change = None if va is None or vb is None else round(vb - va, 3)
        rows.append({"figure": code, "label": zh if lang == "zh" else en, "a": va, "b": vb, "change": change})
    figures = pd.DataFrame(rows, dtype=object).set_index("figure")

    differences = _differences(a, b, frame, lang=lang)
    return ProposalComparison(a, b, figures, differences)



def _check_same_data(a: Proposal, b: Proposal, fingerprint: str | None) -> None:
    """Raise :class:`ProposalDataError` when ``a`` and ``b`` (or one and ``fingerprint``) are of other data."""
    def made_on(p: Proposal) -> str:
        return as_text((p.dataset or {}).get("name")) or p.fingerprint[:12]

    if a.fingerprint and b.fingerprint and a.fingerprint != b.fingerprint:
        raise ProposalDataError(
            f"proposals '{a.name}' and '{b.name}' were made on different data ('{made_on(a)}' and "
            f"'{made_on(b)}'); compare proposals of the same data", proposal_name=b.name,
            dataset_name=as_text((b.dataset or {}).get("name")))
    for p in (a, b):
        if fingerprint and p.fingerprint and p.fingerprint != fingerprint:
            raise ProposalDataError(
                f"proposal '{p.name}' was made on other data ('{made_on(p)}') than the layer compared; "
                "compare it on the data it was made from", proposal_name=p.name,
                dataset_name=as_text((p.dataset or {}).get("name")))


def _differences(a: Proposal, b: Proposal, frame: gpd.GeoDataFrame, *, lang: str) -> gpd.GeoDataFrame:
    """Communities and zones that differ between ``a`` and ``b`` (and identical zones), mapped."""
    zone_a = {str(c): str(z) for c, z in a.assignment.items() if z is not None}
    zone_b = {str(c): str(z) for c, z in b.assignment.items() if z is not None}
    sets_a, sets_b = _zone_sets(zone_a), _zone_sets(zone_b)
    geom_of = dict(zip(frame["community_id"], frame.geometry.array))
    rows = []
    for cid in frame["community_id"]:
        za, zb = zone_a.get(cid), zone_b.get(cid)
        if za is None and zb is None:
            continue
        if za is not None and zb is not None:
            if sets_a[za] == sets_b[zb]:
                continue
            change = "moved"
        else:
            change = "only_in_a" if zb is None else "only_in_b"
        rows.append({"feature": "community", "change": change, "community_id": cid, "zone_a": za,
                     "zone_b": zb, "members": None, "geometry": geom_of[cid]})
    b_by_set = {m: z for z, m in sets_b.items()}
    a_by_set = {m: z for z, m in sets_a.items()}
    outline_a, outline_b = _outlines(a, frame), _outlines(b, frame)
    for zid in sorted(sets_a):
        members = sets_a[zid]
        twin = b_by_set.get(members)
        rows.append({"feature": "zone", "change": "identical" if twin else "only_in_a", "community_id": None,
                     "zone_a": zid, "zone_b": twin, "members": sorted(members), "geometry": outline_a[zid]})
    for zid in sorted(sets_b):
        if sets_b[zid] not in a_by_set:
            rows.append({"feature": "zone", "change": "only_in_b", "community_id": None, "zone_a": None,
                         "zone_b": zid, "members": sorted(sets_b[zid]), "geometry": outline_b[zid]})
    columns = ["feature", "change", "change_label", "community_id", "zone_a", "zone_b", "members", "geometry"]
    if not rows:
        return gpd.GeoDataFrame({c: pd.Series(dtype=object) for c in columns[:-1]},
                                geometry=gpd.GeoSeries([], crs=frame.crs), crs=frame.crs)
    table = pd.DataFrame(rows)
    table["change_label"] = [CHANGE_LABELS[c][0 if lang == "zh" else 1] for c in table["change"]]
    for column in ("community_id", "zone_a", "zone_b"):
        table[column] = table[column].astype(object).where(table[column].notna(), None)
    return gpd.GeoDataFrame(table[columns], geometry="geometry", crs=frame.crs)


def _outlines(p: Proposal, frame: gpd.GeoDataFrame) -> dict[str, Any]:
    """zone id -> outline in the communities' CRS: the stored one, else the members' union."""
    out: dict[str, Any] = {}
    zones = p.zones
    if zones is not None and len(zones) and "zone_id" in zones:
        geoms = zones.geometry.to_crs(frame.crs) if zones.crs is not None and frame.crs is not None else zones.geometry
        out = dict(zip(zones["zone_id"].astype(str), geoms.array))
    geom_of = dict(zip(frame["community_id"], frame.geometry.array))
    for zid, members in _zone_sets(p.assignment).items():
        if out.get(zid) is None:
            out[zid] = shapely.union_all([geom_of[m] for m in sorted(members)])
    return out


