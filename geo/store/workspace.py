"""Proposals that last: save, list, open, rename, delete, restore and compare zonings in a workspace.

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
  ``[reason_code, relaxation]``), ``used_zone_ids``, and the text ``action`` that made it;
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
  (:meth:`Workspace.restore`).

A revision's ``author`` and ``modified`` say who made it and when (for delete and restore, the
``author`` given, else the previous one's). ``used_zone_ids`` only grows: each revision holds every
zone id any revision of the proposal used, so a new zone never takes an old zone's id.

Names are unique among live proposals (a deleted proposal's name is free again). A proposal is
bound to the data it was made on (``dataset["fingerprint"]``): a save never replaces a proposal,
or a same-named one, made on other data (:class:`ConflictError` ``"other_dataset"``, even with
``overwrite``), and :func:`compare_proposals` refuses proposals of different data
(:class:`ProposalDataError`).

A workspace written before revisions were kept (no ``proposal_revisions`` table, no ``dataset``,
``reasons``, ``used_zone_ids``, ``action`` columns) opens as if each proposal's row were its only
revision (missing columns take their defaults), and is migrated on the next change.

Atomicity and concurrency
-------------------------
Every change (save, rename, delete, restore) is one read-modify-write done under an exclusive
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
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from geo.errors import CRSError, GeoError, InputFileError, SchemaError
from geo.zoning.members import encode_members, parse_members

try:  # POSIX; the app runs on Linux servers
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None

PROPOSALS = "proposals"
ZONES = "proposal_zones"
ASSIGNMENTS = "proposal_assignments"
REVISIONS = "proposal_revisions"
#: Columns of the ``proposals`` table (the live revision of each proposal), in order.
PROPOSAL_COLUMNS = [
    "proposal_id", "name", "author", "notes", "created", "modified", "revision", "crs",
    "zones", "communities_in_zones", "households_in_zones", "mean_compactness",
    "rules", "overrides", "edits", "zone_notes", "locked_zones", "zone_schema", "format_version",
    "dataset", "reasons", "used_zone_ids", "action",
]
#: Columns of the ``proposal_revisions`` table (every revision), in order.
REVISION_COLUMNS = [*PROPOSAL_COLUMNS, "deleted", "assignment"]
#: What can make a revision.
ACTIONS = ("save", "rename", "delete", "restore")
FORMAT_VERSION = 2
_INT_FIGURES = ("zones", "communities_in_zones", "households_in_zones")
_INT_COLUMNS = ("revision", "format_version", "deleted", *_INT_FIGURES)

# --- errors ------------------------------------------------------------------------------------


class WorkspaceError(InputFileError):
    """The workspace file cannot be used: not a GeoPackage, not a workspace, or damaged."""


class ProposalNotFoundError(GeoError, KeyError):
    """No proposal (or no revision) of that id or name is in the workspace.

    Attributes
    ----------
    code
        ``"not_found"``, for a page to word it.
    key
        The id or name asked for.
    revision
        The revision asked for, when one was.

    Example
    -------
    >>> error = ProposalNotFoundError("no proposal 'x'", key="x")
    >>> str(error), error.code, error.key, isinstance(error, KeyError)
    ("no proposal 'x'", 'not_found', 'x', True)
    """

    code = "not_found"

    def __init__(self, message: str = "", *, key: str = "", revision: int | None = None):
        super().__init__(message)
        self.key = key
        self.revision = revision

    @property
    def params(self) -> dict:
        """The facts a page's words may name."""
        return {"key": self.key, "revision": self.revision}

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""

    def __reduce__(self):  # keyword attributes survive pickling (a process pool, a session store)
        return type(self), (str(self),), {"key": self.key, "revision": self.revision}


class ProposalNameError(GeoError, ValueError):
    """A proposal's name is empty (``code="name_empty"``).

    Example
    -------
    >>> isinstance(ProposalNameError("a proposal needs a name"), ValueError), ProposalNameError.code
    (True, 'name_empty')
    """

    code = "name_empty"


class ProposalDataError(GeoError, KeyError):
    """A proposal was made on other data than the one it is compared on (``code="other_dataset"``).

    Attributes
    ----------
    proposal_name
        The proposal that does not fit.
    unknown
        The communities it places that the layer lacks (empty when the fingerprints differ).
    dataset_name
        The name of the data it was made on ("" when unknown).

    Example
    -------
    >>> error = ProposalDataError("proposal 'A' places x", proposal_name="A", unknown=["x"])
    >>> str(error), error.code, error.unknown, isinstance(error, KeyError)
    ("proposal 'A' places x", 'other_dataset', ['x'], True)
    """

    code = "other_dataset"

    def __init__(self, message: str = "", *, proposal_name: str = "", unknown: Sequence[str] = (),
                 dataset_name: str = ""):
        super().__init__(message)
        self.proposal_name = proposal_name
        self.unknown = list(unknown)
        self.dataset_name = dataset_name

    @property
    def params(self) -> dict:
        """The facts a page's words may name."""
        return {"name": self.proposal_name, "ids": self.unknown, "dataset": self.dataset_name}

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""

    def __reduce__(self):
        return type(self), (str(self),), {"proposal_name": self.proposal_name, "unknown": self.unknown,
                                          "dataset_name": self.dataset_name}


class ConflictError(GeoError, RuntimeError):
    """A save collides with what is on disk; the caller decides what to do.

    Attributes
    ----------
    kind, code
        ``"revision"`` (someone saved the proposal since it was opened), ``"deleted"`` (someone
        deleted it), ``"name_taken"`` (another live proposal has that name), or
        ``"other_dataset"`` (the stored proposal, or the same-named one a save would replace,
        was made on other data: never overwritten, save under a new name). ``code`` is ``kind``.
    proposal_id, name
        The proposal being saved.
    expected_revision
        The revision the caller started from.
    disk_revision
        The revision stored now (of the other proposal for ``name_taken``; None when deleted).
    disk_modified, disk_author, disk_proposal_id
        When, by whom and under which id the stored version was saved (deleted, for
        ``deleted``).
    disk_dataset_name
        The name of the data the stored proposal was made on (None when unknown).
    path
        The workspace file.

    The planner's choices: overwrite (``save(..., overwrite=True)``, not for
    ``other_dataset``), save under a new name (``save(proposal.as_new(name))``), or reload
    (``open(proposal_id)``).

    Example
    -------
    >>> error = ConflictError("taken", kind="name_taken", proposal_id="p", name="A", expected_revision=0,
    ...                       disk_revision=3, path=Path("w.gpkg"))
    >>> error.code, error.disk_revision, error.disk_dataset_name
    ('name_taken', 3, None)
    """

    def __init__(self, message: str, *, kind: str, proposal_id: str, name: str,
                 expected_revision: int | None, disk_revision: int | None, path: Path,
                 disk_modified: str | None = None, disk_author: str | None = None,
                 disk_proposal_id: str | None = None, disk_dataset_name: str | None = None):
        super().__init__(message)
        self.kind = kind
        self.proposal_id = proposal_id
        self.name = name
        self.expected_revision = expected_revision
        self.disk_revision = disk_revision
        self.disk_modified = disk_modified
        self.disk_author = disk_author
        self.disk_proposal_id = disk_proposal_id
        self.disk_dataset_name = disk_dataset_name
        self.path = path

    @property
    def code(self) -> str:
        """The kind of conflict, for a page to word it."""
        return self.kind

    def __reduce__(self):
        return _conflict_error, (str(self), dict(vars(self)))


def _conflict_error(message: str, attributes: dict) -> ConflictError:
    """The :class:`ConflictError` a pickle stored (its attributes restored, not a new error raised)."""
    error = ConflictError.__new__(ConflictError)
    error.args = (message,)
    error.__dict__.update(attributes)
    return error


# --- rules and overrides as JSON ---------------------------------------------------------------


def rules_to_dict(rules: Any = None) -> dict:
    """A :class:`geo.zoning.zones.ZoneRules` as a plain dict (defaults when None).

    Example
    -------
    >>> from geo.zoning.zones import ZoneRules
    >>> rules_to_dict(ZoneRules(min_households=200))["min_households"]
    200
    """
    from geo.zoning.zones import ZoneRules

    return dataclasses.asdict(rules if rules is not None else ZoneRules())


def rules_from_dict(data: Mapping[str, Any] | None) -> Any:
    """The :class:`geo.zoning.zones.ZoneRules` of a dict; missing keys take their defaults.

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
    from geo.zoning.zones import ZoneRules

    data = dict(data or {})
    known = {f.name for f in dataclasses.fields(ZoneRules)}
    unknown = sorted(set(data) - known)
    if unknown:
        warnings.warn(f"zone rules {', '.join(unknown)} are not known to this version and are left out",
                      stacklevel=2)
    return ZoneRules(**{k: v for k, v in data.items() if k in known})


def overrides_to_dict(overrides: Any = None) -> dict:
    """A :class:`geo.zoning.zones.Overrides` as JSON-ready lists, sorted so equal overrides compare equal.

    Example
    -------
    >>> from geo.zoning.zones import Overrides
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
    """The :class:`geo.zoning.zones.Overrides` of :func:`overrides_to_dict`'s dict.

    Example
    -------
    >>> overrides_from_dict({"forbidden_pairs": [["a", "b"]]}).forbidden_pairs
    (('a', 'b'),)
    """
    from geo.zoning.zones import Overrides

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
        Unique among a workspace's live proposals.
    assignment
        community id -> zone id of every placed community.
    zones
        Zone figures and outlines as :func:`geo.zoning.score.score_zoning` returns them (any CRS,
        kept); None when not computed, and for a revision that is not the latest.
    rules, overrides
        :class:`geo.zoning.zones.ZoneRules` / :class:`geo.zoning.zones.Overrides` as dicts
        (:meth:`zone_rules`, :meth:`zone_overrides` give the objects back).
    edits
        The caller's edit log: JSON-ready dicts, kept in order.
    zone_notes
        zone id -> note (e.g. why a zone that breaks a rule is kept).
    locked_zones
        Zone ids the planner locked.
    author, notes
        Who made it (this revision) and what it is for.
    proposal_id
        A stable uuid, given at creation.
    created, modified
        ISO 8601 UTC times, set by :meth:`Workspace.save`.
    revision
        0 until saved, then the stored revision (one more on each change).
    dataset
        The data it was made on, filled by the caller: ``{"fingerprint": str, "name": str,
        "communities": int}``; ``{}`` when unknown (a save then keeps the stored one).
    reasons
        Left-out candidate community id -> ``[reason_code, relaxation_or_None]``, the zoning
        engine's reasons, so an opened proposal shows them again.
    used_zone_ids
        Every zone id ever used in this proposal (so a new zone never reuses one); the
        workspace adds the ids of every stored revision.
    action
        What made this revision: ``"save"``, ``"rename"``, ``"delete"`` or ``"restore"``.

    Example
    -------
    >>> from geo.zoning.zones import ZoneRules
    >>> p = Proposal.from_zoning("A", {"a": "Z1"}, rules=ZoneRules(max_members=4),
    ...                          dataset={"fingerprint": "f00d", "name": "demo", "communities": 3})
    >>> p.zone_rules().max_members, p.revision, len(p.proposal_id), p.fingerprint, p.action
    (4, 0, 32, 'f00d', 'save')
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
    dataset: Mapping[str, Any] = field(default_factory=dict)
    reasons: Mapping[str, Sequence] = field(default_factory=dict)
    used_zone_ids: Sequence[str] = ()
    action: str = "save"

    @classmethod
    def from_zoning(cls, name: str, assignment: Mapping[str, str], *, zones: gpd.GeoDataFrame | None = None,
                    rules: Any = None, overrides: Any = None, **attributes: Any) -> Proposal:
        """A new proposal from a zoning and the ZoneRules/Overrides objects it was made with."""
        return cls(name=name, assignment=dict(assignment), zones=zones, rules=rules_to_dict(rules),
                   overrides=overrides_to_dict(overrides), **attributes)

    @property
    def fingerprint(self) -> str:
        """The fingerprint of the data it was made on ("" when unknown)."""
        return dataset_fingerprint(self.dataset)

    def zone_rules(self) -> Any:
        """The rules as a :class:`geo.zoning.zones.ZoneRules`."""
        return rules_from_dict(self.rules)

    def zone_overrides(self) -> Any:
        """The overrides as a :class:`geo.zoning.zones.Overrides`."""
        return overrides_from_dict(self.overrides)

    def as_new(self, name: str) -> Proposal:
        """A copy under a new name and a new id, not yet saved ("save as")."""
        return dataclasses.replace(self, name=name, proposal_id=uuid.uuid4().hex, created=None,
                                   modified=None, revision=0, action="save")

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


def dataset_fingerprint(dataset: Mapping[str, Any] | None) -> str:
    """The ``fingerprint`` of a proposal's ``dataset`` record, "" when there is none.

    Example
    -------
    >>> dataset_fingerprint({"fingerprint": "ab12", "name": "demo"}), dataset_fingerprint(None)
    ('ab12', '')
    """
    value = (dataset or {}).get("fingerprint")
    return "" if value is None else str(value)


def _used_zone_ids(*sources: Any) -> list[str]:
    """Every zone id in ``sources`` (sequences of ids, or assignments community -> zone), sorted."""
    used: set[str] = set()
    for source in sources:
        values = source.values() if isinstance(source, Mapping) else (source or ())
        used.update(str(z) for z in values if z is not None)
    return sorted(used)


# --- encoding a proposal into the tables ----------------------------------------------------------


def _json(value: Any, what: str, name: str) -> str:
    try:
        return json.dumps(value, ensure_ascii=False, sort_keys=False, allow_nan=False)
    except (TypeError, ValueError) as exc:
        # builtin: what is saved is built by our own code (ids, notes as text), not typed by a planner
        raise ValueError(f"proposal '{name}': its {what} cannot be saved as JSON ({exc}); "
                         "keep only strings, numbers, booleans, lists and dicts in it") from exc


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
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
    """[[column, kind]]: kind ``list`` (JSON-encoded), ``int``, ``float``, ``bool``, ``str`` or ``text`` (object).

    ``members`` is always ``list`` (stored as :func:`geo.zoning.members.encode_members` text), even
    when the zones were read back from a file that held it as text.
    """
    schema = []
    for column in zones.columns:
        if column == zones.active_geometry_name:
            continue
        series = zones[column]
        if column == "members" or _is_list_column(series):
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
                       "(zones.set_crs(...)) before saving, they are stored with their CRS",
                       code="proposal_zones_no_crs", params={"name": str(proposal.name)})
    if "proposal_id" in zones.columns:
        raise SchemaError(f"proposal '{proposal.name}': its zones have a column 'proposal_id', which the "
                          "workspace uses itself; rename or drop it before saving",
                          code="proposal_zones_reserved_column", params={"name": str(proposal.name),
                                                                         "column": "proposal_id"})
    schema = _zone_schema(zones)
    table = pd.DataFrame({"proposal_id": [proposal.proposal_id] * len(zones)})
    for column, kind in schema:
        values = zones[column].to_numpy(dtype=object)
        if kind == "list" and column == "members":
            table[column] = [None if _plain(v) is None else encode_members(parse_members(v)) for v in values]
        elif kind == "list":
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
    """The ``proposals`` row of ``p`` (every column of :data:`PROPOSAL_COLUMNS`)."""
    if p.action not in ACTIONS:  # set by our own code, never by a planner: builtin
        raise ValueError(f"proposal '{p.name}': action '{p.action}' is not one of {', '.join(ACTIONS)}")
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
        "dataset": _json(_plain(dict(p.dataset or {})), "dataset", p.name),
        "reasons": _json({str(c): _plain(r) for c, r in (p.reasons or {}).items()}, "reasons", p.name),
        "used_zone_ids": _json(_used_zone_ids(p.used_zone_ids), "used zone ids", p.name),
        "action": p.action,
    })
    return row


def _revision_row(p: Proposal, schema: list, crs_wkt: str | None, *, deleted: bool = False) -> dict:
    """The ``proposal_revisions`` row of ``p``: its ``proposals`` row, ``deleted`` and ``assignment``."""
    row = _proposal_row(p, schema, crs_wkt)
    row["deleted"] = int(deleted)
    row["assignment"] = _json({str(c): None if z is None else str(z) for c, z in p.assignment.items()},
                              "assignment", p.name)
    return row


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
        if column in _INT_COLUMNS:
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


def _is_null(value: Any) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def _flag(value: Any) -> bool:
    return not _is_null(value) and bool(int(value))


def _migrated(proposals: pd.DataFrame, assignments: pd.DataFrame | None) -> pd.DataFrame:
    """The history of a workspace written before revisions were kept: each live row is its only revision."""
    frame = proposals.reindex(columns=PROPOSAL_COLUMNS).copy()
    frame["action"] = [_text(a) or "save" for a in frame["action"].astype(object)]
    frame["deleted"] = 0
    if assignments is None:
        frame["assignment"] = None
    else:
        groups: dict[str, dict] = {}
        for pid, cid, zid in zip(assignments["proposal_id"].astype(object), assignments["community_id"].astype(object),
                                 assignments["zone_id"].astype(object), strict=True):
            groups.setdefault(str(pid), {})[str(cid)] = None if _is_null(zid) else str(zid)
        frame["assignment"] = [json.dumps(groups.get(str(pid), {}), ensure_ascii=False)
                               for pid in frame["proposal_id"].astype(object)]
    return frame.reindex(columns=REVISION_COLUMNS)


def _latest_rows(revisions: pd.DataFrame) -> dict[str, dict]:
    """proposal id -> its latest revision row (a dict)."""
    if revisions.empty:
        return {}
    numbers = pd.to_numeric(revisions["revision"], errors="coerce").to_numpy()
    order = np.argsort(numbers, kind="stable")
    records = revisions.iloc[order].to_dict("records")
    return {str(r["proposal_id"]): r for r in records}


def _live_row(row: Mapping[str, Any]) -> dict:
    return {c: row.get(c) for c in PROPOSAL_COLUMNS}


def _next_row(row: Mapping[str, Any], *, revision: int, action: str, author: str, modified: str,
              deleted: bool = False, **changes: Any) -> dict:
    """A new revision row: ``row``'s content, numbered ``revision``, made by ``action``."""
    new = {c: row.get(c) for c in REVISION_COLUMNS}
    new.update(revision=int(revision), action=action, modified=modified, deleted=int(deleted),
               format_version=FORMAT_VERSION, **changes)
    if author:
        new["author"] = author
    return new


def _assignment_frame(proposal_id: str, assignment: Mapping[str, Any]) -> pd.DataFrame:
    return pd.DataFrame({
        "proposal_id": pd.Series([proposal_id] * len(assignment), dtype=object),
        "community_id": pd.Series([str(c) for c in assignment], dtype=object),
        "zone_id": pd.Series([None if z is None else str(z) for z in assignment.values()], dtype=object),
    })


def _assignment_dict(assignments: pd.DataFrame) -> dict:
    """community -> zone of the rows of ``proposal_assignments`` (one proposal's)."""
    return {c: None if _is_null(z) else z for c, z in
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
        new_zones, schema, crs_wkt = _zone_rows(saved, layer_crs)
        row = _revision_row(saved, schema, crs_wkt)
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
#: The light columns of ``proposal_revisions`` (no assignment, no logs).
_META = ["proposal_id", "name", "author", "modified", "revision", "action", "deleted"]
#: The columns of :meth:`Workspace.history`.
HISTORY_COLUMNS = ["revision", "action", "name", "author", "modified", "zones", "communities_in_zones",
                   "households_in_zones", "edits", "dataset_name", "deleted"]


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
        names = ", ".join(sorted(map(str, proposals["name"]))) or "none"
        message = (f"{self.path}: no proposal with id or name '{key}' (proposals: {names}); "
                   "list them with Workspace.list()")
        gone = [r for r in (latest or {}).values() if _flag(r.get("deleted"))
                and key in (str(r.get("proposal_id")), _text(r.get("name")))]
        if gone:
            last = max(gone, key=lambda r: _text(r.get("modified")))
            message += (f"; '{_text(last.get('name'))}' was deleted {_text(last.get('modified'))} by "
                        f"{_text(last.get('author')) or '?'}: Workspace.deleted() lists it, Workspace.restore() "
                        "brings it back")
        return ProposalNotFoundError(message, key=key)

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
        gone = [r for r in latest.values() if _flag(r.get("deleted")) and _text(r.get("name")) == key]
        if gone:
            return str(max(gone, key=lambda r: _text(r.get("modified")))["proposal_id"])
        raise self._not_found(key, proposals)

    def _no_revision(self, key: str, revision: int, numbers: Sequence[int], name: str) -> ProposalNotFoundError:
        known = ", ".join(map(str, sorted(numbers))) or "none"
        return ProposalNotFoundError(f"{self.path}: proposal '{name}' has no revision {revision} (revisions: "
                                     f"{known}); see them with Workspace.history()", key=key, revision=revision)

    def _open_live(self, row: pd.Series) -> Proposal:
        where = f"proposal_id = {_quote(row['proposal_id'])}"
        zones = self._read(ZONES, where=where)
        assignments = pd.DataFrame(self._read(ASSIGNMENTS, where=where, read_geometry=False))
        return _decode(row, zones, _assignment_dict(assignments), self.path)

    # -- public API: reading ---------------------------------------------------------------------

    def list(self) -> pd.DataFrame:
        """One row per live proposal, newest first.

        Columns: ``proposal_id``, ``name``, ``author``, ``created``, ``modified``, ``revision``,
        the figures, ``notes``, ``dataset_name``, ``dataset_fingerprint`` ("" when unknown) and
        ``revisions`` (how many are stored). An empty table when the file does not exist yet;
        deleted proposals are in :meth:`deleted`.
        """
        with self._locked(exclusive=False):
            layers = self._layers()
            proposals = self._read_proposals(layers)
            if REVISIONS in layers:
                ids = self._read(REVISIONS, read_geometry=False, columns=["proposal_id"])["proposal_id"]
                counts = ids.astype(object).value_counts().to_dict()
            else:
                counts = {}
        keep = ["proposal_id", "name", "author", "created", "modified", "revision", "zones",
                "communities_in_zones", "households_in_zones", "mean_compactness", "notes"]
        table = proposals[keep].copy()
        for column in ("revision", *_INT_FIGURES):
            table[column] = pd.to_numeric(table[column], errors="coerce").astype("Int64")
        datasets = [_json_cell(row, "dataset", {}, self.path) for _, row in proposals.iterrows()]
        table["dataset_name"] = pd.Series([_text(d.get("name")) for d in datasets], index=table.index, dtype=object)
        table["dataset_fingerprint"] = pd.Series([dataset_fingerprint(d) for d in datasets], index=table.index,
                                                 dtype=object)
        table["revisions"] = pd.Series([max(1, int(counts.get(p, 0))) for p in proposals["proposal_id"].astype(object)],
                                       index=table.index, dtype="Int64")
        table = table.sort_values(["modified", "name"], ascending=[False, True], kind="stable")
        return table.reset_index(drop=True)

    def history(self, proposal_id: str) -> pd.DataFrame:
        """Every revision of one proposal (by id, or a live or deleted one's name), newest first.

        Columns: ``revision``, ``action`` (``save``/``rename``/``delete``/``restore``), ``name``,
        ``author`` and ``modified`` (who made the revision, when), the figures ``zones``,
        ``communities_in_zones``, ``households_in_zones``, ``edits`` (how many edits are logged),
        ``dataset_name`` and ``deleted`` (True for a tombstone).

        Raises
        ------
        ProposalNotFoundError
            When no proposal, live or deleted, has that id or name.
        """
        with self._locked(exclusive=False):
            layers = self._layers()
            proposals = self._read_proposals(layers)
            latest = _latest_rows(self._read_revisions(layers, columns=_META, proposals=proposals))
            pid = self._resolve(proposal_id, proposals, latest)
            columns = [*_META, *_INT_FIGURES, "edits", "dataset"]
            frame = self._read_revisions(layers, proposal_id=pid, columns=columns, proposals=proposals)
        edits = [len(_json_cell(row, "edits", [], self.path)) for _, row in frame.iterrows()]
        datasets = [_json_cell(row, "dataset", {}, self.path) for _, row in frame.iterrows()]
        table = pd.DataFrame({
            "revision": pd.to_numeric(frame["revision"], errors="coerce").astype("Int64").to_numpy(),
            "action": [_text(a) or "save" for a in frame["action"].astype(object)],
            "name": [_text(v) for v in frame["name"].astype(object)],
            "author": [_text(v) for v in frame["author"].astype(object)],
            "modified": [_text(v) or None for v in frame["modified"].astype(object)],
            **{c: pd.to_numeric(frame[c], errors="coerce").astype("Int64").to_numpy() for c in _INT_FIGURES},
            "edits": pd.array(edits, dtype="Int64"),
            "dataset_name": [_text(d.get("name")) for d in datasets],
            "deleted": [_flag(v) for v in frame["deleted"].astype(object)],
        }, columns=HISTORY_COLUMNS)
        return table.sort_values("revision", ascending=False, kind="stable").reset_index(drop=True)

    def deleted(self) -> pd.DataFrame:
        """The deleted proposals, most recently deleted first (:meth:`restore` brings one back).

        Columns: ``proposal_id``, ``name``, ``deleted_at``, ``by`` (who deleted it) and
        ``last_revision`` (the revision it had before it was deleted, the one to restore).
        """
        with self._locked(exclusive=False):
            layers = self._layers()
            latest = _latest_rows(self._read_revisions(layers, columns=_META))
        gone = [r for r in latest.values() if _flag(r.get("deleted"))]
        table = pd.DataFrame({
            "proposal_id": pd.Series([str(r["proposal_id"]) for r in gone], dtype=object),
            "name": pd.Series([_text(r.get("name")) for r in gone], dtype=object),
            "deleted_at": pd.Series([_text(r.get("modified")) or None for r in gone], dtype=object),
            "by": pd.Series([_text(r.get("author")) for r in gone], dtype=object),
            "last_revision": pd.Series([int(r["revision"]) - 1 for r in gone], dtype="Int64"),
        })
        return table.sort_values(["deleted_at", "name"], ascending=[False, True], kind="stable").reset_index(drop=True)

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
                    latest = _latest_rows(self._read_revisions(layers, columns=_META, proposals=proposals))
                    raise self._not_found(key, proposals, latest) from None
                return self._open_live(row)
            latest = _latest_rows(self._read_revisions(layers, columns=_META, proposals=proposals))
            pid = self._resolve(key, proposals, latest)
            live = proposals[proposals["proposal_id"].astype(object) == pid]
            if len(live) and int(live.iloc[0]["revision"]) == int(revision):
                return self._open_live(live.iloc[0])
            found = self._read_revisions(layers, proposal_id=pid, revision=int(revision), proposals=proposals)
            if not len(found):
                numbers = self._read_revisions(layers, proposal_id=pid, columns=["revision"], proposals=proposals)
                raise self._no_revision(key, int(revision), [int(n) for n in numbers["revision"]],
                                        _text(latest[pid].get("name")))
        row = found.iloc[0]
        return _decode(row, None, _json_assignment(row, self.path), self.path)

    # -- public API: changes (each appends one revision) -------------------------------------------

    def save(self, proposal: Proposal, *, expected_revision: int | None = None,
             overwrite: bool = False) -> Proposal:
        """Save ``proposal`` atomically as a new revision; return it as stored.

        Parameters
        ----------
        proposal
            The proposal; a new one (not in the file) is added, a known id gets a new revision
            (the earlier ones stay in the history). A ``dataset`` left empty keeps the stored
            one; ``used_zone_ids`` gains every zone id of the stored revisions and of the
            assignment.
        expected_revision
            The revision the caller's copy started from; ``proposal.revision`` when None (0 for
            a new proposal).
        overwrite
            Save even when the stored revision moved on, the proposal was deleted meanwhile
            (it comes back), or its name belongs to another live proposal (that one is then
            deleted: a tombstone, restorable). Never over a proposal of other data.

        Raises
        ------
        ProposalNameError
            When the name is empty (also a ValueError).
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
        fingerprint = proposal.fingerprint
        with self._locked(exclusive=True):
            tables = self._read_all()
            latest = _latest_rows(tables.revisions)
            stored = tables.proposals
            ids, names = stored["proposal_id"].astype(object), stored["name"].astype(object)
            last = latest.get(pid)
            stored_dataset = _json_cell(last, "dataset", {}, self.path) if last is not None else {}
            disk_fingerprint = dataset_fingerprint(stored_dataset)
            if fingerprint and disk_fingerprint and fingerprint != disk_fingerprint:
                made_on = _text(stored_dataset.get("name")) or disk_fingerprint[:12]
                raise ConflictError(
                    f"{self.path}: proposal '{_text(last['name'])}' was made on other data ('{made_on}') than this "
                    f"copy ('{_text(proposal.dataset.get('name')) or fingerprint[:12]}'); a save never replaces a "
                    "proposal of other data: save this copy under a new name",
                    kind="other_dataset", proposal_id=pid, name=proposal.name, expected_revision=expected,
                    disk_revision=int(last["revision"]), path=self.path, disk_modified=_text(last["modified"]) or None,
                    disk_author=_text(last["author"]), disk_proposal_id=pid,
                    disk_dataset_name=_text(stored_dataset.get("name")) or None)
            other = stored[(names == proposal.name) & (ids != pid)]
            if len(other):
                o = other.iloc[0]
                o_dataset = _json_cell(o, "dataset", {}, self.path)
                o_fingerprint = dataset_fingerprint(o_dataset)
                common = dict(proposal_id=pid, name=proposal.name, expected_revision=expected,
                              disk_revision=int(o["revision"]), path=self.path, disk_modified=_text(o["modified"]) or None,
                              disk_author=_text(o["author"]), disk_proposal_id=str(o["proposal_id"]),
                              disk_dataset_name=_text(o_dataset.get("name")) or None)
                if fingerprint and o_fingerprint and fingerprint != o_fingerprint:
                    raise ConflictError(
                        f"{self.path}: another proposal is already called '{proposal.name}' and was made on other "
                        f"data ('{_text(o_dataset.get('name')) or o_fingerprint[:12]}'); a save never replaces a "
                        "proposal of other data: save under another name", kind="other_dataset", **common)
                if not overwrite:
                    raise ConflictError(
                        f"{self.path}: another proposal is already called '{proposal.name}' (by "
                        f"{_text(o['author']) or '?'}, saved {o['modified']}); save under another name, or overwrite it",
                        kind="name_taken", **common)
            mine = stored[ids == pid]
            if len(mine):
                disk = mine.iloc[0]
                disk_revision = int(disk["revision"])
                if disk_revision != expected and not overwrite:
                    raise ConflictError(
                        f"{self.path}: proposal '{disk['name']}' was saved at revision {disk_revision} "
                        f"(by {_text(disk['author']) or '?'}, {disk['modified']}) since this copy (revision {expected}) "
                        "was opened; overwrite it, save this copy under a new name, or reload",
                        kind="revision", proposal_id=pid, name=proposal.name, expected_revision=expected,
                        disk_revision=disk_revision, path=self.path, disk_modified=_text(disk["modified"]) or None,
                        disk_author=_text(disk["author"]), disk_proposal_id=pid,
                        disk_dataset_name=_text(stored_dataset.get("name")) or None)
                created = _text(disk["created"]) or None
            elif (last is not None or expected > 0) and not overwrite:
                raise ConflictError(
                    f"{self.path}: proposal '{proposal.name}' (revision {expected}) was deleted from the "
                    "workspace since it was opened; save it again (overwrite) or under a new name",
                    kind="deleted", proposal_id=pid, name=proposal.name, expected_revision=expected,
                    disk_revision=None, path=self.path,
                    disk_modified=None if last is None else _text(last["modified"]) or None,
                    disk_author=None if last is None else _text(last["author"]),
                    disk_proposal_id=pid, disk_dataset_name=_text(stored_dataset.get("name")) or None)
            else:
                created = (None if last is None else _text(last["created"]) or None) or proposal.created or None
            now = _now()
            used = _used_zone_ids(_json_cell(last, "used_zone_ids", [], self.path) if last is not None else [],
                                  proposal.used_zone_ids, proposal.assignment)
            saved = _as_stored(dataclasses.replace(
                proposal, created=created or now, modified=now, action="save",
                revision=(0 if last is None else int(last["revision"])) + 1,
                dataset=proposal.dataset if proposal.dataset else stored_dataset, used_zone_ids=used))
            tombstones = []
            for _, o in other.iterrows():  # overwrite: the same-named proposal is deleted, not lost
                number = max(int(o["revision"]), int(latest.get(str(o["proposal_id"]), o)["revision"])) + 1
                assignment = _assignment_dict(tables.assignments[tables.assignments["proposal_id"].astype(object)
                                                                 == o["proposal_id"]])
                tombstones.append(_next_row({**_live_row(o), "assignment": _assignment_json(assignment, o["name"])},
                                            revision=number, action="delete", deleted=True,
                                            author=proposal.author, modified=now))
            self._commit(_apply(tables, drop={pid, *other["proposal_id"].astype(object)}, saved=saved,
                                revisions=tombstones))
        return saved

    def rename(self, proposal_id: str, new_name: str, *, author: str = "") -> Proposal:
        """Rename a live proposal: a new revision (``action="rename"``) with the new name.

        Parameters
        ----------
        proposal_id
            Its id (or name).
        new_name
            Free among the live proposals.
        author
            Who renames it (the revision keeps the previous author when empty).

        Raises
        ------
        ProposalNameError
            When ``new_name`` is empty.
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
            names = tables.proposals["name"].astype(object)
            ids = tables.proposals["proposal_id"].astype(object)
            clash = tables.proposals[(names == new_name) & (ids != pid)]
            if len(clash):
                raise ConflictError(
                    f"{self.path}: another proposal is already called '{new_name}'; choose another name",
                    kind="name_taken", proposal_id=pid, name=new_name,
                    expected_revision=int(row["revision"]), disk_revision=int(clash.iloc[0]["revision"]),
                    path=self.path, disk_modified=_text(clash.iloc[0]["modified"]) or None,
                    disk_author=_text(clash.iloc[0]["author"]), disk_proposal_id=str(clash.iloc[0]["proposal_id"]))
            zones, assignments = self._live_parts(tables, pid)
            assignment = _assignment_dict(assignments)
            new = _next_row({**_live_row(row), "assignment": _assignment_json(assignment, new_name)},
                            revision=self._next_revision(tables, row), action="rename", author=author,
                            modified=_now(), name=new_name)
            self._commit(_apply(tables, drop={pid}, rows=[new], zones=zones, assignments=[assignments],
                                revisions=[new]))
        return _decode(pd.Series(new), zones, assignment, self.path)

    def delete(self, proposal_id: str, *, author: str = "") -> None:
        """Delete a live proposal (by id or name): a tombstone revision, nothing lost.

        It leaves :meth:`list` and the three live tables; :meth:`deleted` lists it, its
        :meth:`history` stays, and :meth:`restore` brings it back.

        Parameters
        ----------
        proposal_id
            Its id (or name).
        author
            Who deletes it (``deleted()``'s ``by``); the previous revision's author when empty.

        Raises
        ------
        ProposalNotFoundError
            When it is not a live proposal (also when it is deleted already).
        """
        with self._locked(exclusive=True):
            tables = self._read_all()
            try:
                row = self._find(tables.proposals, proposal_id)
            except ProposalNotFoundError:
                raise self._not_found(proposal_id, tables.proposals, _latest_rows(tables.revisions)) from None
            pid = str(row["proposal_id"])
            _, assignments = self._live_parts(tables, pid)
            tombstone = _next_row({**_live_row(row), "assignment": _assignment_json(_assignment_dict(assignments),
                                                                                    row["name"])},
                                  revision=self._next_revision(tables, row), action="delete", deleted=True,
                                  author=author, modified=_now())
            self._commit(_apply(tables, drop={pid}, revisions=[tombstone]))

    def restore(self, proposal_id: str, revision: int, *, author: str = "", name: str | None = None) -> Proposal:
        """Make ``revision`` of a proposal the live one again: a new revision of its content.

        The new revision (``action="restore"``) has that revision's name, assignment, rules,
        overrides, edits, notes, reasons and dataset; ``used_zone_ids`` keeps every id used
        since. A deleted proposal comes back. Its zones are kept only when ``revision`` is the
        live one; otherwise they are None (recompute them from the assignment).

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

        Returns
        -------
        Proposal
            As stored.

        Raises
        ------
        ProposalNotFoundError
            When there is no such proposal or revision.
        ConflictError
            ``name_taken``: another live proposal has the name (give ``name``).
        """
        if name is not None and not str(name).strip():
            raise ProposalNameError("a proposal needs a name; give a non-empty one")
        with self._locked(exclusive=True):
            tables = self._read_all()
            latest = _latest_rows(tables.revisions)
            stored = tables.proposals
            pid = self._resolve(proposal_id, stored, latest)
            history = tables.revisions[tables.revisions["proposal_id"].astype(object) == pid]
            numbers = pd.to_numeric(history["revision"], errors="coerce")
            found = history[numbers == int(revision)]
            if not len(found):
                raise self._no_revision(proposal_id, int(revision), [int(n) for n in numbers.dropna()],
                                        _text(latest[pid].get("name")))
            source = found.iloc[0].to_dict()
            target = str(name) if name is not None else _text(source["name"])
            names, ids = stored["name"].astype(object), stored["proposal_id"].astype(object)
            clash = stored[(names == target) & (ids != pid)]
            if len(clash):
                c = clash.iloc[0]
                raise ConflictError(
                    f"{self.path}: another proposal is already called '{target}'; restore revision {revision} "
                    "under another name (restore(..., name=...)) or rename that one first",
                    kind="name_taken", proposal_id=pid, name=target, expected_revision=int(revision),
                    disk_revision=int(c["revision"]), path=self.path, disk_modified=_text(c["modified"]) or None,
                    disk_author=_text(c["author"]), disk_proposal_id=str(c["proposal_id"]))
            live = stored[ids == pid]
            assignment = _json_assignment(source, self.path)
            used = _used_zone_ids(_json_cell(latest[pid], "used_zone_ids", [], self.path),
                                  _json_cell(source, "used_zone_ids", [], self.path), assignment)
            changes = {"name": target, "used_zone_ids": _json(used, "used zone ids", target)}
            zones = None
            if len(live) and int(live.iloc[0]["revision"]) == int(revision):
                zones, _ = self._live_parts(tables, pid)
            else:  # only the live revision's outlines are kept
                changes.update(crs=None, zone_schema="[]")
            number = max([int(latest[pid]["revision"]), *(int(r) for r in live["revision"])]) + 1
            new = _next_row(source, revision=number, action="restore", author=author, modified=_now(), **changes)
            self._commit(_apply(tables, drop={pid}, rows=[new], zones=zones,
                                assignments=[_assignment_frame(pid, assignment)], revisions=[new]))
        return _decode(pd.Series(new), zones, assignment, self.path)

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
        last = _latest_rows(tables.revisions[tables.revisions["proposal_id"].astype(object) == row["proposal_id"]])
        return max([int(row["revision"]), *(int(r["revision"]) for r in last.values())]) + 1

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


def _as_stored(p: Proposal) -> Proposal:
    """``p`` as :meth:`Workspace.open` gives it back: plain dicts and lists, full rules (zones kept)."""
    return dataclasses.replace(
        p, assignment={str(c): None if z is None else str(z) for c, z in p.assignment.items()},
        rules=rules_to_dict(rules_from_dict(p.rules)), overrides=overrides_to_dict(overrides_from_dict(p.overrides)),
        edits=[_plain(e) for e in p.edits], zone_notes={str(k): v for k, v in p.zone_notes.items()},
        locked_zones=[str(z) for z in p.locked_zones], dataset=_plain(dict(p.dataset or {})),
        reasons={str(c): _plain(r) for c, r in (p.reasons or {}).items()},
        used_zone_ids=_used_zone_ids(p.used_zone_ids), author=p.author or "", notes=p.notes or "")


def _loads(value: Any, default: Any) -> Any:
    if _is_null(value) or value == "":
        return default
    return json.loads(value)


def _json_cell(row: Mapping[str, Any], column: str, default: Any, path: Path) -> Any:
    """The JSON value of ``row[column]`` (``default`` when null or absent)."""
    try:
        return _loads(row.get(column), default)
    except (json.JSONDecodeError, TypeError) as exc:
        raise WorkspaceError(f"{path}: proposal '{_text(row.get('name'))}' has a damaged JSON column '{column}' "
                             f"({exc}); restore the file from a backup",
                             code="workspace", params={"name": Path(path).name}) from exc


def _json_assignment(row: Mapping[str, Any], path: Path) -> dict:
    """community -> zone of a revision row's ``assignment``."""
    value = _json_cell(row, "assignment", {}, path)
    return {str(c): None if z is None else str(z) for c, z in dict(value).items()}


def _assignment_json(assignment: Mapping[str, Any], name: Any) -> str:
    return _json({str(c): None if z is None else str(z) for c, z in assignment.items()}, "assignment", str(name))


def _decode(row: Mapping[str, Any], zones: gpd.GeoDataFrame | None, assignment: Mapping[str, Any],
            path: Path) -> Proposal:
    """The :class:`Proposal` of its stored row, zone rows (None: not kept) and assignment."""
    schema = _json_cell(row, "zone_schema", [], path)
    payload = {c: _json_cell(row, c, d, path) for c, d in (
        ("rules", {}), ("overrides", {}), ("edits", []), ("zone_notes", {}), ("locked_zones", []),
        ("dataset", {}), ("reasons", {}), ("used_zone_ids", []))}
    crs = row.get("crs") if isinstance(row.get("crs"), str) and row.get("crs") else None
    table = None
    if crs is not None and zones is not None:
        columns = {}
        for column, kind in schema:
            values = zones[column] if column in zones else pd.Series([None] * len(zones))
            if kind == "list" and column == "members":
                decoded = [None if _text(v) == "" else parse_members(v) for v in values.astype(object)]
                columns[column] = pd.Series(decoded, dtype=object)
            elif kind == "list":
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
    return Proposal(
        name=_text(row.get("name")), assignment=dict(assignment), zones=table, rules=payload["rules"],
        overrides=payload["overrides"], edits=list(payload["edits"]), zone_notes=payload["zone_notes"],
        locked_zones=list(payload["locked_zones"]), author=_text(row.get("author")), notes=_text(row.get("notes")),
        proposal_id=str(row.get("proposal_id")), created=_text(row.get("created")) or None,
        modified=_text(row.get("modified")) or None, revision=int(row.get("revision")),
        dataset=dict(payload["dataset"]), reasons=dict(payload["reasons"]),
        used_zone_ids=list(payload["used_zone_ids"]), action=_text(row.get("action")) or "save",
    )


def _text(value: Any) -> str:
    return "" if _is_null(value) else str(value)


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
                proposal_name=p.name, unknown=unknown, dataset_name=_text((p.dataset or {}).get("name")))
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
        return _text((p.dataset or {}).get("name")) or p.fingerprint[:12]

    if a.fingerprint and b.fingerprint and a.fingerprint != b.fingerprint:
        raise ProposalDataError(
            f"proposals '{a.name}' and '{b.name}' were made on different data ('{made_on(a)}' and "
            f"'{made_on(b)}'); compare proposals of the same data", proposal_name=b.name,
            dataset_name=_text((b.dataset or {}).get("name")))
    for p in (a, b):
        if fingerprint and p.fingerprint and p.fingerprint != fingerprint:
            raise ProposalDataError(
                f"proposal '{p.name}' was made on other data ('{made_on(p)}') than the layer compared; "
                "compare it on the data it was made from", proposal_name=p.name,
                dataset_name=_text((p.dataset or {}).get("name")))


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


