"""Proposals that last: save, list, open, rename, delete and compare zonings in a workspace file.

A workspace is one GeoPackage on disk (its path is configurable) that QGIS and pyogrio read like
any other:

* ``proposals`` (attribute table): one row per proposal: ``proposal_id``, ``name``, ``author``,
  ``notes``, ``created``/``modified`` (ISO 8601, UTC), ``revision``, ``crs`` of its zones, the
  headline figures (``zones``, ``communities_in_zones``, ``households_in_zones``,
  ``mean_compactness``) and JSON columns ``rules``, ``overrides``, ``edits``, ``zone_notes``,
  ``locked_zones``, ``zone_schema`` (the zone table's columns and types, for an exact round trip);
* ``proposal_zones`` (features): ``proposal_id`` + the zone figures + the outline;
* ``proposal_assignments`` (attribute table): ``proposal_id``, ``community_id``, ``zone_id``.

Atomicity and concurrency
-------------------------
Every change (save, rename, delete) is one read-modify-write done under an exclusive
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
  carrying both revisions, and the caller chooses to overwrite, save under a new name
  (:meth:`Proposal.as_new`) or reload.

Why not transactions on the GeoPackage itself: GDAL's writers cannot join an SQLite transaction
held by Python, and writing geometry blobs and R-tree triggers by hand would duplicate GDAL.
Rewriting the whole file costs O(workspace) per save: about 0.1 s for tens of proposals of a
city; the lock needs a local disk (or NFS with working locks) and a POSIX system.

Example
-------
>>> import tempfile
>>> ws = Workspace(Path(tempfile.mkdtemp()) / "proposals.gpkg")
>>> saved = ws.save(Proposal(name="方案一", assignment={"a": "Z1", "b": "Z1"}, author="李工"))
>>> saved.revision, ws.list()[["name", "revision", "communities_in_zones"]].values.tolist()
(1, [['方案一', 1, 2]])
>>> ws.open("方案一").assignment
{'a': 'Z1', 'b': 'Z1'}
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import math
import os
import sqlite3
import uuid
import warnings
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from geo.errors import CRSError, GeoError, InputFileError

try:  # POSIX; the app runs on Linux servers
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None

PROPOSALS = "proposals"
ZONES = "proposal_zones"
ASSIGNMENTS = "proposal_assignments"
#: Columns of the ``proposals`` table, in order.
PROPOSAL_COLUMNS = [
    "proposal_id", "name", "author", "notes", "created", "modified", "revision", "crs",
    "zones", "communities_in_zones", "households_in_zones", "mean_compactness",
    "rules", "overrides", "edits", "zone_notes", "locked_zones", "zone_schema", "format_version",
]
FORMAT_VERSION = 1
_JSON_COLUMNS = ("rules", "overrides", "edits", "zone_notes", "locked_zones", "zone_schema")
_INT_FIGURES = ("zones", "communities_in_zones", "households_in_zones")


# --- errors ------------------------------------------------------------------------------------


class WorkspaceError(InputFileError):
    """The workspace file cannot be used: not a GeoPackage, not a workspace, or damaged."""


class ProposalNotFoundError(GeoError, KeyError):
    """No proposal of that id or name is in the workspace."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class ConflictError(GeoError, RuntimeError):
    """A save collides with what is on disk; the caller decides what to do.

    Attributes
    ----------
    kind
        ``"revision"`` (someone saved the proposal since it was opened), ``"deleted"`` (someone
        deleted it), or ``"name_taken"`` (another proposal has that name).
    proposal_id, name
        The proposal being saved.
    expected_revision
        The revision the caller started from.
    disk_revision
        The revision stored now (of the other proposal for ``name_taken``; None when deleted).
    disk_modified, disk_author, disk_proposal_id
        When, by whom and under which id the stored version was saved.
    path
        The workspace file.

    The planner's choices: overwrite (``save(..., overwrite=True)``), save under a new name
    (``save(proposal.as_new(name))``), or reload (``open(proposal_id)``).
    """

    def __init__(self, message: str, *, kind: str, proposal_id: str, name: str,
                 expected_revision: int | None, disk_revision: int | None, path: Path,
                 disk_modified: str | None = None, disk_author: str | None = None,
                 disk_proposal_id: str | None = None):
        super().__init__(message)
        self.kind = kind
        self.proposal_id = proposal_id
        self.name = name
        self.expected_revision = expected_revision
        self.disk_revision = disk_revision
        self.disk_modified = disk_modified
        self.disk_author = disk_author
        self.disk_proposal_id = disk_proposal_id
        self.path = path


# --- rules and overrides as JSON ---------------------------------------------------------------


def rules_to_dict(rules: Any = None) -> dict:
    """A :class:`geo.zones.ZoneRules` as a plain dict (defaults when None).

    Example
    -------
    >>> from geo.zones import ZoneRules
    >>> rules_to_dict(ZoneRules(min_households=200))["min_households"]
    200
    """
    from geo.zones import ZoneRules

    return dataclasses.asdict(rules if rules is not None else ZoneRules())


def rules_from_dict(data: Mapping[str, Any] | None) -> Any:
    """The :class:`geo.zones.ZoneRules` of a dict; missing keys take their defaults.

    Keys that ZoneRules does not know (a workspace written by another version) are left out
    with a warning.

    Raises
    ------
    ValueError
        When a value breaks a rule's own check (e.g. minimum above maximum).

    Example
    -------
    >>> rules_from_dict({"min_households": 200}).min_households
    200
    """
    from geo.zones import ZoneRules

    data = dict(data or {})
    known = {f.name for f in dataclasses.fields(ZoneRules)}
    unknown = sorted(set(data) - known)
    if unknown:
        warnings.warn(f"zone rules {', '.join(unknown)} are not known to this version and are left out",
                      stacklevel=2)
    return ZoneRules(**{k: v for k, v in data.items() if k in known})


def overrides_to_dict(overrides: Any = None) -> dict:
    """A :class:`geo.zones.Overrides` as JSON-ready lists, sorted so equal overrides compare equal.

    Example
    -------
    >>> from geo.zones import Overrides
    >>> overrides_to_dict(Overrides(locked_together=(frozenset({"b", "a"}),), fixed_zones={"Z9": ("c", "d")}))
    {'locked_together': [['a', 'b']], 'forbidden_pairs': [], 'fixed_zones': {'Z9': ['c', 'd']}}
    """
    if overrides is None:
        return {"locked_together": [], "forbidden_pairs": [], "fixed_zones": {}}
    return {
        "locked_together": sorted(sorted(map(str, g)) for g in overrides.locked_together),
        "forbidden_pairs": sorted([str(a), str(b)] for a, b in overrides.forbidden_pairs),
        "fixed_zones": {str(z): [str(m) for m in ms] for z, ms in sorted(overrides.fixed_zones.items())},
    }


def overrides_from_dict(data: Mapping[str, Any] | None) -> Any:
    """The :class:`geo.zones.Overrides` of :func:`overrides_to_dict`'s dict.

    Example
    -------
    >>> overrides_from_dict({"forbidden_pairs": [["a", "b"]]}).forbidden_pairs
    (('a', 'b'),)
    """
    from geo.zones import Overrides

    data = dict(data or {})
    return Overrides(
        locked_together=tuple(frozenset(map(str, g)) for g in data.get("locked_together", [])),
        forbidden_pairs=tuple((str(a), str(b)) for a, b in data.get("forbidden_pairs", [])),
        fixed_zones={str(z): tuple(map(str, ms)) for z, ms in dict(data.get("fixed_zones", {})).items()},
    )


# --- the proposal --------------------------------------------------------------------------------


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


@dataclass(frozen=True)
class Proposal:
    """One named zoning a planner keeps: parameters, edits, zones, notes, author and time.

    Attributes
    ----------
    name
        Unique within a workspace.
    assignment
        community id -> zone id of every placed community.
    zones
        Zone figures and outlines as :func:`geo.zone_score.score_zoning` returns them (any CRS,
        kept); None when not computed.
    rules, overrides
        :class:`geo.zones.ZoneRules` / :class:`geo.zones.Overrides` as dicts
        (:meth:`zone_rules`, :meth:`zone_overrides` give the objects back).
    edits
        The caller's edit log: JSON-ready dicts, kept in order.
    zone_notes
        zone id -> note (e.g. why a zone that breaks a rule is kept).
    locked_zones
        Zone ids the planner locked.
    author, notes
        Who made it and what it is for.
    proposal_id
        A stable uuid, given at creation.
    created, modified
        ISO 8601 UTC times, set by :meth:`Workspace.save`.
    revision
        0 until saved, then the stored revision (one more on each save).

    Example
    -------
    >>> from geo.zones import ZoneRules
    >>> p = Proposal.from_zoning("A", {"a": "Z1"}, rules=ZoneRules(max_members=4))
    >>> p.zone_rules().max_members, p.revision, len(p.proposal_id)
    (4, 0, 32)
    """

    name: str
    assignment: Mapping[str, str] = field(default_factory=dict)
    zones: gpd.GeoDataFrame | None = None
    rules: Mapping[str, Any] = field(default_factory=rules_to_dict)
    overrides: Mapping[str, Any] = field(default_factory=overrides_to_dict)
    edits: Sequence[Mapping[str, Any]] = ()
    zone_notes: Mapping[str, str] = field(default_factory=dict)
    locked_zones: Sequence[str] = ()
    author: str = ""
    notes: str = ""
    proposal_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    created: str | None = None
    modified: str | None = None
    revision: int = 0

    @classmethod
    def from_zoning(cls, name: str, assignment: Mapping[str, str], *, zones: gpd.GeoDataFrame | None = None,
                    rules: Any = None, overrides: Any = None, **attributes: Any) -> Proposal:
        """A new proposal from a zoning and the ZoneRules/Overrides objects it was made with."""
        return cls(name=name, assignment=dict(assignment), zones=zones, rules=rules_to_dict(rules),
                   overrides=overrides_to_dict(overrides), **attributes)

    def zone_rules(self) -> Any:
        """The rules as a :class:`geo.zones.ZoneRules`."""
        return rules_from_dict(self.rules)

    def zone_overrides(self) -> Any:
        """The overrides as a :class:`geo.zones.Overrides`."""
        return overrides_from_dict(self.overrides)

    def as_new(self, name: str) -> Proposal:
        """A copy under a new name and a new id, not yet saved ("save as")."""
        return dataclasses.replace(self, name=name, proposal_id=uuid.uuid4().hex, created=None,
                                   modified=None, revision=0)

    def figures(self) -> dict:
        """Headline figures: zones, communities and households in zones, mean compactness."""
        zones = self.zones
        n_zones = len(set(self.assignment.values()))
        households = None
        compactness = None
        if zones is not None and len(zones):
            n_zones = len(zones)
            if "households" in zones:
                households = int(pd.to_numeric(zones["households"], errors="coerce").fillna(0).sum())
            if "compactness" in zones:
                value = pd.to_numeric(zones["compactness"], errors="coerce").mean()
                compactness = None if pd.isna(value) else round(float(value), 3)
        return {"zones": n_zones, "communities_in_zones": len(self.assignment),
                "households_in_zones": households, "mean_compactness": compactness}


# --- encoding a proposal into the tables ----------------------------------------------------------


def _json(value: Any, what: str, name: str) -> str:
    try:
        return json.dumps(value, ensure_ascii=False, sort_keys=False, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"proposal '{name}': its {what} cannot be saved as JSON ({exc}); "
                         "keep only strings, numbers, booleans, lists and dicts in it") from exc


def _plain(value: Any) -> Any:
    if isinstance(value, (list, tuple, np.ndarray)):
        return [_plain(v) for v in value]
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, np.generic):
        return _plain(value.item())
    return value


def _is_list_column(series: pd.Series) -> bool:
    values = series.dropna()
    return bool(len(values)) and all(isinstance(v, (list, tuple, np.ndarray)) for v in values)


def _zone_schema(zones: gpd.GeoDataFrame) -> list[list[str]]:
    """[[column, kind]]: kind ``list`` (JSON-encoded), ``int``, ``float``, ``bool``, ``str`` or ``text`` (object)."""
    schema = []
    for column in zones.columns:
        if column == zones.active_geometry_name:
            continue
        series = zones[column]
        if _is_list_column(series):
            kind = "list"
        elif pd.api.types.is_bool_dtype(series):
            kind = "bool"
        elif pd.api.types.is_integer_dtype(series):
            kind = "int"
        elif pd.api.types.is_float_dtype(series):
            kind = "float"
        elif isinstance(series.dtype, pd.StringDtype):
            kind = "str"
        else:
            kind = "text"
        schema.append([str(column), kind])
    return schema


def _zone_rows(proposal: Proposal, target_crs: Any) -> tuple[gpd.GeoDataFrame | None, list, str | None]:
    """The proposal's zones ready for ``proposal_zones`` (in the layer's CRS), their schema, their CRS."""
    zones = proposal.zones
    if zones is None:
        return None, [], None
    if zones.crs is None:
        raise CRSError(f"proposal '{proposal.name}': its zones have no CRS; set one "
                       "(zones.set_crs(...)) before saving, they are stored with their CRS")
    if "proposal_id" in zones.columns:
        raise ValueError(f"proposal '{proposal.name}': its zones have a column 'proposal_id', which the "
                         "workspace uses itself; rename or drop it before saving")
    schema = _zone_schema(zones)
    table = pd.DataFrame({"proposal_id": [proposal.proposal_id] * len(zones)})
    for column, kind in schema:
        values = zones[column].to_numpy(dtype=object)
        if kind == "list":
            table[column] = [None if v is None else _json(_plain(v), f"zone column '{column}'", proposal.name)
                             for v in values]
        elif kind in ("text", "str"):
            table[column] = [None if _plain(v) is None else str(v) for v in values]
        else:
            table[column] = zones[column].to_numpy()
    geoms = zones.geometry if target_crs is None else zones.geometry.to_crs(target_crs)
    frame = gpd.GeoDataFrame(table, geometry=np.asarray(geoms.array, dtype=object), crs=geoms.crs)
    return frame, schema, zones.crs.to_wkt()


def _proposal_row(p: Proposal, schema: list, crs_wkt: str | None) -> dict:
    row = {"proposal_id": p.proposal_id, "name": p.name, "author": p.author or "", "notes": p.notes or "",
           "created": p.created, "modified": p.modified, "revision": int(p.revision), "crs": crs_wkt}
    row.update(p.figures())
    row.update({
        "rules": _json(rules_to_dict(rules_from_dict(p.rules)), "rules", p.name),
        "overrides": _json(overrides_to_dict(overrides_from_dict(p.overrides)), "overrides", p.name),
        "edits": _json([dict(e) for e in p.edits], "edit log", p.name),
        "zone_notes": _json({str(k): v for k, v in p.zone_notes.items()}, "zone notes", p.name),
        "locked_zones": _json([str(z) for z in p.locked_zones], "locked zones", p.name),
        "zone_schema": _json(schema, "zone columns", p.name),
        "format_version": FORMAT_VERSION,
    })
    return row


# --- the file --------------------------------------------------------------------------------


@dataclass
class _Tables:
    """The three tables of a workspace, in memory."""

    proposals: pd.DataFrame
    zones: gpd.GeoDataFrame
    assignments: pd.DataFrame

    @classmethod
    def empty(cls) -> _Tables:
        proposals = pd.DataFrame({c: pd.Series(dtype=object) for c in PROPOSAL_COLUMNS})
        zones = gpd.GeoDataFrame({"proposal_id": pd.Series(dtype=object)},
                                 geometry=gpd.GeoSeries([], crs=4326))
        assignments = pd.DataFrame({c: pd.Series(dtype=object) for c in ("proposal_id", "community_id", "zone_id")})
        return cls(proposals, zones, assignments)


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


def _write_tables(path: Path, tables: _Tables) -> None:
    """Write the three tables into a new GeoPackage at ``path`` (a temporary file)."""
    proposals = tables.proposals[PROPOSAL_COLUMNS].copy()
    for column in PROPOSAL_COLUMNS:
        if column in ("revision", "format_version", *_INT_FIGURES):
            proposals[column] = pd.to_numeric(proposals[column], errors="coerce").astype("Int64")
        elif column == "mean_compactness":
            proposals[column] = pd.to_numeric(proposals[column], errors="coerce").astype(float)
        else:
            proposals[column] = proposals[column].astype(object)
    pyogrio.write_dataframe(proposals, path, layer=PROPOSALS, driver="GPKG",
                            layer_options={"DESCRIPTION": "zoning proposals (one row per proposal)"})
    zones = tables.zones
    pyogrio.write_dataframe(zones, path, layer=ZONES, driver="GPKG", append=False,
                            geometry_type="Unknown" if zones.empty else None, promote_to_multi=False,
                            layer_options={"DESCRIPTION": "zones of every proposal"})
    assignments = tables.assignments[["proposal_id", "community_id", "zone_id"]].astype(object)
    pyogrio.write_dataframe(assignments, path, layer=ASSIGNMENTS, driver="GPKG",
                            layer_options={"DESCRIPTION": "community -> zone of every proposal"})


_NOT_A_WORKSPACE_FIX = ("give the workspace another file name (it is created on the first save), "
                        "or move this file away")


class Workspace:
    """A proposals workspace: one GeoPackage at ``path``, created on the first save.

    Parameters
    ----------
    path
        The workspace file (``~`` expanded). Its directory must exist and be writable to save.

    See the module docstring for the file's layout and how saves stay atomic and safe when
    several tabs or processes share the file.
    """

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path).expanduser()

    def __repr__(self) -> str:
        return f"Workspace({str(self.path)!r})"

    # -- locking and reading ------------------------------------------------------------------

    @property
    def lock_path(self) -> Path:
        """The sidecar lock file next to the workspace."""
        return self.path.with_name(self.path.name + ".lock")

    @contextlib.contextmanager
    def _locked(self, *, exclusive: bool) -> Iterator[None]:
        if not self.path.parent.is_dir():
            raise WorkspaceError(f"{self.path}: its folder {self.path.parent} does not exist; "
                                 "create it or choose a workspace path in an existing folder")
        try:
            handle = open(self.lock_path, "a+b")  # noqa: SIM115 - closed by the `with` below
        except OSError as exc:
            if exclusive:
                raise WorkspaceError(f"{self.path}: cannot create the lock file {self.lock_path} ({exc}); "
                                     "choose a workspace in a folder you can write to") from exc
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

    def _check(self) -> None:
        """Raise :class:`WorkspaceError` unless ``path`` is a GeoPackage with the workspace tables."""
        try:
            con = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True)
        except sqlite3.Error as exc:
            raise WorkspaceError(f"{self.path}: cannot be opened ({exc}); {_NOT_A_WORKSPACE_FIX}") from exc
        try:
            try:
                tables = {r[0] for r in con.execute("SELECT table_name FROM gpkg_contents")}
                columns = {r[1] for r in con.execute(f'PRAGMA table_info("{PROPOSALS}")')}
            except sqlite3.DatabaseError as exc:
                raise WorkspaceError(
                    f"{self.path}: is not a GeoPackage or is damaged ({exc}); {_NOT_A_WORKSPACE_FIX}, "
                    "or restore it from a backup") from exc
        finally:
            con.close()
        missing = [t for t in (PROPOSALS, ZONES, ASSIGNMENTS) if t not in tables]
        if missing:
            raise WorkspaceError(
                f"{self.path}: is a GeoPackage but not a proposals workspace (no table "
                f"{', '.join(missing)}); {_NOT_A_WORKSPACE_FIX}")
        lacking = [c for c in ("proposal_id", "name", "revision", "zone_schema") if c not in columns]
        if lacking:
            raise WorkspaceError(f"{self.path}: its '{PROPOSALS}' table lacks {', '.join(lacking)}: it was "
                                 f"not written by this tool; {_NOT_A_WORKSPACE_FIX}")

    def _read_proposals(self) -> pd.DataFrame:
        if not self.path.exists():
            return _Tables.empty().proposals
        self._check()
        try:
            frame = pyogrio.read_dataframe(self.path, layer=PROPOSALS, read_geometry=False)
        except Exception as exc:  # pyogrio raises its own DataSourceError / DataLayerError
            raise WorkspaceError(f"{self.path}: the '{PROPOSALS}' table cannot be read ({exc}); "
                                 "restore the file from a backup") from exc
        return pd.DataFrame(frame)

    def _read_all(self) -> _Tables:
        if not self.path.exists():
            return _Tables.empty()
        proposals = self._read_proposals()
        try:
            zones = pyogrio.read_dataframe(self.path, layer=ZONES)
            assignments = pd.DataFrame(pyogrio.read_dataframe(self.path, layer=ASSIGNMENTS, read_geometry=False))
        except Exception as exc:
            raise WorkspaceError(f"{self.path}: its tables cannot be read ({exc}); restore the file "
                                 "from a backup") from exc
        return _Tables(proposals, zones, assignments)

    def _find(self, proposals: pd.DataFrame, key: str) -> pd.Series:
        by_id = proposals[proposals["proposal_id"].astype(object) == key]
        if len(by_id):
            return by_id.iloc[0]
        by_name = proposals[proposals["name"].astype(object) == key]
        if len(by_name):
            return by_name.iloc[0]
        names = ", ".join(sorted(map(str, proposals["name"]))) or "none"
        raise ProposalNotFoundError(f"{self.path}: no proposal with id or name '{key}' "
                                    f"(proposals: {names}); list them with Workspace.list()")

    # -- public API ----------------------------------------------------------------------------

    def list(self) -> pd.DataFrame:
        """One row per proposal, newest first: id, name, author, created, modified, revision, figures.

        An empty table when the file does not exist yet.
        """
        with self._locked(exclusive=False):
            proposals = self._read_proposals()
        keep = ["proposal_id", "name", "author", "created", "modified", "revision", "zones",
                "communities_in_zones", "households_in_zones", "mean_compactness", "notes"]
        table = proposals[keep].copy()
        for column in ("revision", *_INT_FIGURES):
            table[column] = pd.to_numeric(table[column], errors="coerce").astype("Int64")
        table = table.sort_values(["modified", "name"], ascending=[False, True], kind="stable")
        return table.reset_index(drop=True)

    def open(self, key: str) -> Proposal:
        """The proposal of id (or, failing that, name) ``key``, as last saved.

        Raises
        ------
        ProposalNotFoundError
            When no proposal has that id or name.
        WorkspaceError
            When the file is not a workspace or is damaged.
        """
        with self._locked(exclusive=False):
            proposals = self._read_proposals()
            row = self._find(proposals, key)
            where = f"proposal_id = {_quote(row['proposal_id'])}"
            zones = pyogrio.read_dataframe(self.path, layer=ZONES, where=where)
            assignments = pyogrio.read_dataframe(self.path, layer=ASSIGNMENTS, where=where, read_geometry=False)
        return _decode(row, zones, pd.DataFrame(assignments), self.path)

    def save(self, proposal: Proposal, *, expected_revision: int | None = None,
             overwrite: bool = False) -> Proposal:
        """Save ``proposal`` atomically; return it as stored (new revision and times).

        Parameters
        ----------
        proposal
            The proposal; a new one (not in the file) is added, a known id is replaced.
        expected_revision
            The revision the caller's copy started from; ``proposal.revision`` when None (0 for
            a new proposal).
        overwrite
            Save even when the stored revision moved on, the proposal was deleted meanwhile, or
            its name belongs to another proposal (that one is then replaced).

        Raises
        ------
        ConflictError
            Without ``overwrite``: the stored revision is not ``expected_revision`` (someone
            saved it since), the proposal was deleted since it was opened, or another proposal
            already has its name.
        WorkspaceError
            When the file exists but is not a workspace (it is never overwritten).
        """
        if not str(proposal.name).strip():
            raise ValueError("a proposal needs a name; give it one before saving")
        expected = proposal.revision if expected_revision is None else int(expected_revision)
        with self._locked(exclusive=True):
            tables = self._read_all()
            stored = tables.proposals
            mine = stored[stored["proposal_id"].astype(object) == proposal.proposal_id]
            other = stored[(stored["name"].astype(object) == proposal.name)
                           & (stored["proposal_id"].astype(object) != proposal.proposal_id)]
            if len(other) and not overwrite:
                o = other.iloc[0]
                raise ConflictError(
                    f"{self.path}: another proposal is already called '{proposal.name}' (by {o['author'] or '?'}, "
                    f"saved {o['modified']}); save under another name, or overwrite it",
                    kind="name_taken", proposal_id=proposal.proposal_id, name=proposal.name,
                    expected_revision=expected, disk_revision=int(o["revision"]), path=self.path,
                    disk_modified=o["modified"], disk_author=o["author"], disk_proposal_id=o["proposal_id"])
            if len(mine):
                disk = mine.iloc[0]
                disk_revision = int(disk["revision"])
                if disk_revision != expected and not overwrite:
                    raise ConflictError(
                        f"{self.path}: proposal '{disk['name']}' was saved at revision {disk_revision} "
                        f"(by {disk['author'] or '?'}, {disk['modified']}) since this copy (revision {expected}) "
                        "was opened; overwrite it, save this copy under a new name, or reload",
                        kind="revision", proposal_id=proposal.proposal_id, name=proposal.name,
                        expected_revision=expected, disk_revision=disk_revision, path=self.path,
                        disk_modified=disk["modified"], disk_author=disk["author"],
                        disk_proposal_id=proposal.proposal_id)
                created = disk["created"]
            else:
                if expected > 0 and not overwrite:
                    raise ConflictError(
                        f"{self.path}: proposal '{proposal.name}' (revision {expected}) was deleted from the "
                        "workspace since it was opened; save it again (overwrite) or under a new name",
                        kind="deleted", proposal_id=proposal.proposal_id, name=proposal.name,
                        expected_revision=expected, disk_revision=None, path=self.path)
                disk_revision = 0
                created = proposal.created or None
            now = _now()
            saved = dataclasses.replace(proposal, created=created or now, modified=now,
                                        revision=disk_revision + 1, assignment=dict(proposal.assignment))
            replaced = {proposal.proposal_id, *other["proposal_id"].astype(object)}
            self._commit(_replace(tables, saved, replaced))
        return saved

    def rename(self, proposal_id: str, new_name: str) -> Proposal:
        """Rename a proposal (its revision goes up by one); the name must be free.

        Raises
        ------
        ConflictError
            When another proposal already has ``new_name``.
        ProposalNotFoundError
            When ``proposal_id`` is not in the workspace.
        """
        if not str(new_name).strip():
            raise ValueError("a proposal needs a name; give a non-empty one")
        with self._locked(exclusive=True):
            tables = self._read_all()
            row = self._find(tables.proposals, proposal_id)
            names = tables.proposals["name"].astype(object)
            ids = tables.proposals["proposal_id"].astype(object)
            clash = tables.proposals[(names == new_name) & (ids != row["proposal_id"])]
            if len(clash):
                raise ConflictError(
                    f"{self.path}: another proposal is already called '{new_name}'; choose another name",
                    kind="name_taken", proposal_id=row["proposal_id"], name=new_name,
                    expected_revision=int(row["revision"]), disk_revision=int(clash.iloc[0]["revision"]),
                    path=self.path, disk_proposal_id=clash.iloc[0]["proposal_id"])
            proposals = tables.proposals.copy()
            at = ids == row["proposal_id"]
            proposals.loc[at, "name"] = new_name
            proposals.loc[at, "revision"] = int(row["revision"]) + 1
            proposals.loc[at, "modified"] = _now()
            self._commit(_Tables(proposals, tables.zones, tables.assignments))
        return self.open(row["proposal_id"])

    def delete(self, proposal_id: str) -> None:
        """Delete a proposal (by id or name) with its zones and assignment.

        Raises
        ------
        ProposalNotFoundError
            When it is not in the workspace.
        """
        with self._locked(exclusive=True):
            tables = self._read_all()
            row = self._find(tables.proposals, proposal_id)
            self._commit(_replace(tables, None, {row["proposal_id"]}))

    def compare(self, id_a: str, id_b: str, communities: gpd.GeoDataFrame, *,
                barriers: gpd.GeoDataFrame | None = None, pairs: gpd.GeoDataFrame | None = None,
                lang: str = "zh") -> ProposalComparison:
        """Compare two proposals side by side: figures, and a map of what differs.

        See :func:`compare_proposals`.
        """
        return compare_proposals(self.open(id_a), self.open(id_b), communities, barriers=barriers,
                                 pairs=pairs, lang=lang)

    # -- the atomic write ------------------------------------------------------------------------

    def _commit(self, tables: _Tables) -> None:
        """Write ``tables`` to a temporary file next to the workspace, sync it, move it in place.

        Called with the exclusive lock held; stray temporary files of crashed saves are removed.
        """
        directory = self.path.parent
        for stray in directory.glob(f".{self.path.name}.*.tmp.gpkg"):
            with contextlib.suppress(OSError):
                stray.unlink()
        tmp = directory / f".{self.path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp.gpkg"
        try:
            _write_tables(tmp, tables)
            with open(tmp, "rb+") as handle:
                os.fsync(handle.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise
        _fsync_dir(directory)


def _replace(tables: _Tables, saved: Proposal | None, removed: set[str]) -> _Tables:
    """New tables without the proposals in ``removed``, plus ``saved`` when given."""
    keep_p = ~tables.proposals["proposal_id"].astype(object).isin(removed)
    keep_z = ~tables.zones["proposal_id"].astype(object).isin(removed)
    keep_a = ~tables.assignments["proposal_id"].astype(object).isin(removed)
    proposals = [tables.proposals[keep_p]]
    zones = tables.zones[keep_z]
    assignments = [tables.assignments[keep_a]]
    if saved is not None:
        layer_crs = zones.crs if len(zones) else None
        new_zones, schema, crs_wkt = _zone_rows(saved, layer_crs)
        proposals.append(pd.DataFrame([_proposal_row(saved, schema, crs_wkt)]))
        assignments.append(pd.DataFrame({
            "proposal_id": saved.proposal_id,
            "community_id": [str(c) for c in saved.assignment],
            "zone_id": [None if z is None else str(z) for z in saved.assignment.values()],
        }))
        if new_zones is not None and len(new_zones):
            zones = new_zones if zones.empty else pd.concat([zones, new_zones], ignore_index=True)
            zones = gpd.GeoDataFrame(zones, geometry=zones.geometry.name, crs=new_zones.crs if
                                     layer_crs is None else layer_crs)
    frames = [f for f in proposals if len(f)]
    proposal_table = pd.concat(frames, ignore_index=True) if frames else _Tables.empty().proposals
    frames = [f for f in assignments if len(f)]
    assignment_table = pd.concat(frames, ignore_index=True) if frames else _Tables.empty().assignments
    if zones.empty:
        zones = _Tables.empty().zones
    return _Tables(proposal_table.reindex(columns=PROPOSAL_COLUMNS), zones.reset_index(drop=True),
                   assignment_table)


def _loads(value: Any, default: Any) -> Any:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return default
    return json.loads(value)


def _decode(row: pd.Series, zones: gpd.GeoDataFrame, assignments: pd.DataFrame, path: Path) -> Proposal:
    """The :class:`Proposal` of its stored rows."""
    try:
        schema = _loads(row["zone_schema"], [])
        payload = {c: _loads(row[c], d) for c, d in (("rules", {}), ("overrides", {}), ("edits", []),
                                                      ("zone_notes", {}), ("locked_zones", []))}
    except json.JSONDecodeError as exc:
        raise WorkspaceError(f"{path}: proposal '{row['name']}' has a damaged JSON column ({exc}); restore "
                             "the file from a backup") from exc
    crs = row["crs"] if isinstance(row["crs"], str) and row["crs"] else None
    table = None
    if crs is not None:
        columns = {}
        for column, kind in schema:
            values = zones[column] if column in zones else pd.Series([None] * len(zones))
            if kind == "list":
                decoded = [None if _text(v) == "" else json.loads(v) for v in values.astype(object)]
                columns[column] = pd.Series(decoded, dtype=object)
            elif kind == "int" and values.notna().all():
                columns[column] = pd.Series(values.to_numpy(), dtype="int64")
            elif kind == "float":
                columns[column] = pd.Series(values.to_numpy(), dtype=float)
            elif kind == "bool" and values.notna().all():
                columns[column] = pd.Series(values.to_numpy(), dtype=bool)
            elif kind == "str":
                columns[column] = pd.Series(values.to_numpy(), dtype="str")
            else:
                columns[column] = pd.Series(values.astype(object).where(values.notna(), None).to_numpy(), dtype=object)
        geoms = zones.geometry.to_crs(crs) if zones.crs is not None and len(zones) else \
            gpd.GeoSeries(np.asarray(zones.geometry.array, dtype=object), crs=crs)
        table = gpd.GeoDataFrame(pd.DataFrame(columns, index=pd.RangeIndex(len(zones))),
                                 geometry=np.asarray(geoms.array, dtype=object), crs=crs)
    assignment = dict(zip(assignments["community_id"].astype(object), assignments["zone_id"].astype(object)))
    return Proposal(
        name=str(row["name"]), assignment=assignment, zones=table, rules=payload["rules"],
        overrides=payload["overrides"], edits=list(payload["edits"]), zone_notes=payload["zone_notes"],
        locked_zones=list(payload["locked_zones"]), author=_text(row["author"]), notes=_text(row["notes"]),
        proposal_id=str(row["proposal_id"]), created=_text(row["created"]) or None,
        modified=_text(row["modified"]) or None, revision=int(row["revision"]),
    )


def _text(value: Any) -> str:
    return "" if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)) else str(value)


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
                      lang: str = "zh") -> ProposalComparison:
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
        :func:`geo.zone_score.score_zoning` under each proposal's own rules and overrides.
    barriers, pairs
        Passed to ``score_zoning`` so connectivity is judged as it was when zoning (without
        them, pairs across barriers count as connected).
    lang
        ``"zh"`` or ``"en"`` for the labels.

    Returns
    -------
    ProposalComparison

    Raises
    ------
    KeyError
        When a proposal names communities that are not in ``communities``.

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
    from geo.adjacency import community_pairs
    from geo.zone_score import score_zoning
    from geo.zones import merge_candidates

    frame = communities.copy()
    frame["community_id"] = frame["community_id"].astype(str)
    ids = set(frame["community_id"])
    for p in (a, b):
        unknown = sorted(set(map(str, p.assignment)) - ids)
        if unknown:
            raise KeyError(f"proposal '{p.name}' places communities that are not in the layer compared "
                           f"({', '.join(unknown[:10])}); compare it on the data it was made from")
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


