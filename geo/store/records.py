"""What both workspace back ends share: a proposal, its errors, and how it is encoded into rows.

:class:`geo.store.workspace.Workspace` (a GeoPackage) and :class:`geo.store.postgis.PostgisWorkspace`
(PostgreSQL + PostGIS) store the same *revision rows*: one dict per revision with every column of
:data:`REVISION_COLUMNS` (text, numbers, and JSON text for the structured parts), plus the zone
rows of the live revision. This module is the one place that turns a :class:`Proposal` into those
rows (:func:`revision_row`, :func:`zone_rows`) and back (:func:`decode_proposal`), decides whether a
save conflicts with what is stored (:func:`check_save`), and builds the tables the readers give
(:func:`history_table`, :func:`deleted_table`, :func:`audit_table`), so the two back ends cannot
drift apart.

Review
------
Besides ``save``/``rename``/``delete``/``restore``, a revision can be a review (``comment``,
``approve``, ``return``): the content is kept, the revision records who reviewed, when and the
``comment``. :attr:`Proposal.review_status` is ``"approved"`` or ``"returned"`` after the latest
approve/return made since the latest content change (save or restore), else ``""``: a save after
an approval needs approving again (:func:`review_status_after`).

Owners
------
:attr:`Proposal.owner` is the login that created the proposal (the author of its revision 1); the
workspace sets it on the first save when empty, and a proposal of an older workspace (no ``owner``
column) is owned by its first revision's author (:func:`owner_from`).

Example
-------
>>> p = Proposal("方案一", {"a": "Z1"}, author="li")
>>> row = revision_row(p, [], None)
>>> row["owner"], row["review_status"], row["action"], row["assignment"]
('', '', 'save', '{"a": "Z1"}')
>>> back = decode_proposal(row, None, json_assignment(row, "w.gpkg"), "w.gpkg")
>>> (back.name, back.assignment, back.author) == ("方案一", {"a": "Z1"}, "li")
True
>>> [review_status_after(s, a) for s, a in [("", "approve"), ("approved", "comment"), ("approved", "save")]]
['approved', 'approved', '']
"""

from __future__ import annotations

import dataclasses
import json
import math
import uuid
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.errors import CRSError, GeoError, InputFileError, SchemaError
from geo.zoning.members import encode_members, parse_members

PROPOSALS = "proposals"
ZONES = "proposal_zones"
ASSIGNMENTS = "proposal_assignments"
REVISIONS = "proposal_revisions"
#: Columns of the ``proposals`` table (the live revision of each proposal), in order.
PROPOSAL_COLUMNS = [
    "proposal_id", "name", "author", "notes", "created", "modified", "revision", "crs",
    "zones", "communities_in_zones", "households_in_zones", "mean_compactness",
    "rules", "overrides", "edits", "zone_notes", "locked_zones", "zone_schema", "format_version",
    "dataset", "reasons", "used_zone_ids", "action", "owner", "comment", "review_status",
]
#: Columns of the ``proposal_revisions`` table (every revision), in order.
REVISION_COLUMNS = [*PROPOSAL_COLUMNS, "deleted", "assignment"]
#: What can make a revision.
ACTIONS = ("save", "rename", "delete", "restore", "comment", "approve", "return")
#: The verdicts of a review (:meth:`geo.store.workspace.Workspace.review`): actions that keep the content.
REVIEW_VERDICTS = ("comment", "approve", "return")
#: Actions that change a proposal's content (and so clear its review status).
CONTENT_ACTIONS = ("save", "restore")
FORMAT_VERSION = 3  # 3: owner, comment, review_status; 2: revisions kept
INT_FIGURES = ("zones", "communities_in_zones", "households_in_zones")
INT_COLUMNS = ("revision", "format_version", "deleted", *INT_FIGURES)

# --- errors ------------------------------------------------------------------------------------


class WorkspaceError(InputFileError):
    """The workspace cannot be used: a file that is not a GeoPackage workspace or is damaged, or a
    database that cannot be reached or lacks PostGIS (:mod:`geo.store.postgis`)."""


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


class ReviewCommentError(GeoError, ValueError):
    """A ``return`` or ``comment`` review without a comment (``code="review_comment_empty"``).

    Example
    -------
    >>> error = ReviewCommentError("say why", code="review_comment_empty", params={"name": "A", "verdict": "return"})
    >>> error.code, error.params["verdict"], isinstance(error, ValueError)
    ('review_comment_empty', 'return', True)
    """


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


def now_iso() -> str:
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
        What made this revision: ``"save"``, ``"rename"``, ``"delete"``, ``"restore"``, or a
        review: ``"comment"``, ``"approve"``, ``"return"``.
    owner
        The login that created the proposal (revision 1's author); set by the workspace on the
        first save when empty. Only the owner (or an admin) may change it in a signed-in workspace.
    comment
        The reviewer's words of a review revision ("" for other revisions).
    review_status
        ``"approved"`` or ``"returned"`` (the latest approve/return since the latest content
        change), else ``""``; set by the workspace, a new save clears it.

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
    owner: str = ""
    comment: str = ""
    review_status: str = ""

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
                                   modified=None, revision=0, action="save", owner="", comment="",
                                   review_status="")

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


def zone_ids_of(*sources: Any) -> list[str]:
    """Every zone id in ``sources`` (sequences of ids, or assignments community -> zone), sorted."""
    used: set[str] = set()
    for source in sources:
        values = source.values() if isinstance(source, Mapping) else (source or ())
        used.update(str(z) for z in values if z is not None)
    return sorted(used)


# --- encoding a proposal into the tables ----------------------------------------------------------


def to_json(value: Any, what: str, name: str) -> str:
    try:
        return json.dumps(value, ensure_ascii=False, sort_keys=False, allow_nan=False)
    except (TypeError, ValueError) as exc:
        # builtin: what is saved is built by our own code (ids, notes as text), not typed by a planner
        raise ValueError(f"proposal '{name}': its {what} cannot be saved as JSON ({exc}); "
                         "keep only strings, numbers, booleans, lists and dicts in it") from exc


def plain_value(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): plain_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [plain_value(v) for v in value]
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, np.generic):
        return plain_value(value.item())
    return value


def is_list_column(series: pd.Series) -> bool:
    values = series.dropna()
    return bool(len(values)) and all(isinstance(v, (list, tuple, np.ndarray)) for v in values)


def zone_schema_of(zones: gpd.GeoDataFrame) -> list[list[str]]:
    """[[column, kind]]: kind ``list`` (JSON-encoded), ``int``, ``float``, ``bool``, ``str`` or ``text`` (object).

    ``members`` is always ``list`` (stored as :func:`geo.zoning.members.encode_members` text), even
    when the zones were read back from a file that held it as text.
    """
    schema = []
    for column in zones.columns:
        if column == zones.active_geometry_name:
            continue
        series = zones[column]
        if column == "members" or is_list_column(series):
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


def zone_rows(proposal: Proposal, target_crs: Any) -> tuple[gpd.GeoDataFrame | None, list, str | None]:
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
    schema = zone_schema_of(zones)
    table = pd.DataFrame({"proposal_id": [proposal.proposal_id] * len(zones)})
    for column, kind in schema:
        values = zones[column].to_numpy(dtype=object)
        if kind == "list" and column == "members":
            table[column] = [None if plain_value(v) is None else encode_members(parse_members(v)) for v in values]
        elif kind == "list":
            table[column] = [None if v is None else to_json(plain_value(v), f"zone column '{column}'", proposal.name)
                             for v in values]
        elif kind in ("text", "str"):
            table[column] = [None if plain_value(v) is None else str(v) for v in values]
        else:
            table[column] = zones[column].to_numpy()
    geoms = zones.geometry if target_crs is None else zones.geometry.to_crs(target_crs)
    frame = gpd.GeoDataFrame(table, geometry=np.asarray(geoms.array, dtype=object), crs=geoms.crs)
    return frame, schema, zones.crs.to_wkt()


def proposal_row(p: Proposal, schema: list, crs_wkt: str | None) -> dict:
    """The ``proposals`` row of ``p`` (every column of :data:`PROPOSAL_COLUMNS`)."""
    if p.action not in ACTIONS:  # set by our own code, never by a planner: builtin
        raise ValueError(f"proposal '{p.name}': action '{p.action}' is not one of {', '.join(ACTIONS)}")
    row = {"proposal_id": p.proposal_id, "name": p.name, "author": p.author or "", "notes": p.notes or "",
           "created": p.created, "modified": p.modified, "revision": int(p.revision), "crs": crs_wkt}
    row.update(p.figures())
    row.update({
        "rules": to_json(rules_to_dict(rules_from_dict(p.rules)), "rules", p.name),
        "overrides": to_json(overrides_to_dict(overrides_from_dict(p.overrides)), "overrides", p.name),
        "edits": to_json([dict(e) for e in p.edits], "edit log", p.name),
        "zone_notes": to_json({str(k): v for k, v in p.zone_notes.items()}, "zone notes", p.name),
        "locked_zones": to_json([str(z) for z in p.locked_zones], "locked zones", p.name),
        "zone_schema": to_json(schema, "zone columns", p.name),
        "format_version": FORMAT_VERSION,
        "dataset": to_json(plain_value(dict(p.dataset or {})), "dataset", p.name),
        "reasons": to_json({str(c): plain_value(r) for c, r in (p.reasons or {}).items()}, "reasons", p.name),
        "used_zone_ids": to_json(zone_ids_of(p.used_zone_ids), "used zone ids", p.name),
        "action": p.action,
        "owner": p.owner or "",
        "comment": p.comment or "",
        "review_status": p.review_status or "",
    })
    return row


def revision_row(p: Proposal, schema: list, crs_wkt: str | None, *, deleted: bool = False) -> dict:
    """The ``proposal_revisions`` row of ``p``: its ``proposals`` row, ``deleted`` and ``assignment``."""
    row = proposal_row(p, schema, crs_wkt)
    row["deleted"] = int(deleted)
    row["assignment"] = to_json({str(c): None if z is None else str(z) for c, z in p.assignment.items()},
                              "assignment", p.name)
    return row


def is_null(value: Any) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def as_flag(value: Any) -> bool:
    return not is_null(value) and bool(int(value))

def next_row(row: Mapping[str, Any], *, revision: int, action: str, author: str, modified: str,
              deleted: bool = False, **changes: Any) -> dict:
    """A new revision row: ``row``'s content, numbered ``revision``, made by ``action``."""
    new = {c: row.get(c) for c in REVISION_COLUMNS}
    new.update(revision=int(revision), action=action, modified=modified, deleted=int(deleted),
               format_version=FORMAT_VERSION, comment="",
               review_status=review_status_after(as_text(row.get("review_status")), action))
    new.update(changes)
    if author:
        new["author"] = author
    return new


def as_stored(p: Proposal) -> Proposal:
    """``p`` as :meth:`Workspace.open` gives it back: plain dicts and lists, full rules (zones kept)."""
    return dataclasses.replace(
        p, assignment={str(c): None if z is None else str(z) for c, z in p.assignment.items()},
        rules=rules_to_dict(rules_from_dict(p.rules)), overrides=overrides_to_dict(overrides_from_dict(p.overrides)),
        edits=[plain_value(e) for e in p.edits], zone_notes={str(k): v for k, v in p.zone_notes.items()},
        locked_zones=[str(z) for z in p.locked_zones], dataset=plain_value(dict(p.dataset or {})),
        reasons={str(c): plain_value(r) for c, r in (p.reasons or {}).items()},
        used_zone_ids=zone_ids_of(p.used_zone_ids), author=p.author or "", notes=p.notes or "")


def loads_json(value: Any, default: Any) -> Any:
    if is_null(value) or value == "":
        return default
    return json.loads(value)


def json_cell(row: Mapping[str, Any], column: str, default: Any, path: Path) -> Any:
    """The JSON value of ``row[column]`` (``default`` when null or absent)."""
    try:
        return loads_json(row.get(column), default)
    except (json.JSONDecodeError, TypeError) as exc:
        raise WorkspaceError(f"{path}: proposal '{as_text(row.get('name'))}' has a damaged JSON column '{column}' "
                             f"({exc}); restore the file from a backup",
                             code="workspace", params={"name": Path(path).name}) from exc


def json_assignment(row: Mapping[str, Any], path: Path) -> dict:
    """community -> zone of a revision row's ``assignment``."""
    value = json_cell(row, "assignment", {}, path)
    return {str(c): None if z is None else str(z) for c, z in dict(value).items()}


def assignment_json(assignment: Mapping[str, Any], name: Any) -> str:
    return to_json({str(c): None if z is None else str(z) for c, z in assignment.items()}, "assignment", str(name))


def decode_proposal(row: Mapping[str, Any], zones: gpd.GeoDataFrame | None, assignment: Mapping[str, Any],
            path: Path) -> Proposal:
    """The :class:`Proposal` of its stored row, zone rows (None: not kept) and assignment."""
    schema = json_cell(row, "zone_schema", [], path)
    payload = {c: json_cell(row, c, d, path) for c, d in (
        ("rules", {}), ("overrides", {}), ("edits", []), ("zone_notes", {}), ("locked_zones", []),
        ("dataset", {}), ("reasons", {}), ("used_zone_ids", []))}
    crs = row.get("crs") if isinstance(row.get("crs"), str) and row.get("crs") else None
    table = None
    if crs is not None and zones is not None:
        columns = {}
        for column, kind in schema:
            values = zones[column] if column in zones else pd.Series([None] * len(zones))
            if kind == "list" and column == "members":
                decoded = [None if as_text(v) == "" else parse_members(v) for v in values.astype(object)]
                columns[column] = pd.Series(decoded, dtype=object)
            elif kind == "list":
                decoded = [None if as_text(v) == "" else json.loads(v) for v in values.astype(object)]
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
        name=as_text(row.get("name")), assignment=dict(assignment), zones=table, rules=payload["rules"],
        overrides=payload["overrides"], edits=list(payload["edits"]), zone_notes=payload["zone_notes"],
        locked_zones=list(payload["locked_zones"]), author=as_text(row.get("author")), notes=as_text(row.get("notes")),
        proposal_id=str(row.get("proposal_id")), created=as_text(row.get("created")) or None,
        modified=as_text(row.get("modified")) or None, revision=int(row.get("revision")),
        dataset=dict(payload["dataset"]), reasons=dict(payload["reasons"]),
        used_zone_ids=list(payload["used_zone_ids"]), action=as_text(row.get("action")) or "save",
        owner=as_text(row.get("owner")), comment=as_text(row.get("comment")),
        review_status=as_text(row.get("review_status")),
    )


def as_text(value: Any) -> str:
    return "" if is_null(value) else str(value)



# --- review, owners, access ------------------------------------------------------------------------


def review_status_after(previous: str, action: str) -> str:
    """The review status after a revision made by ``action`` on one of status ``previous``.

    >>> review_status_after("", "return"), review_status_after("returned", "rename"), review_status_after("approved", "restore")
    ('returned', 'returned', '')
    """
    if action in CONTENT_ACTIONS:
        return ""
    if action == "approve":
        return "approved"
    if action == "return":
        return "returned"
    return previous or ""


def owner_from(row: Mapping[str, Any] | None, first_author: str = "") -> str:
    """The owner of a stored proposal: its row's ``owner``, else (an older workspace) its first author.

    >>> owner_from({"owner": "li"}, "wang"), owner_from({"owner": None}, "wang"), owner_from(None)
    ('li', 'wang', '')
    """
    return (as_text(row.get("owner")) if row is not None else "") or first_author or ""


def check_verdict(verdict: str, comment: str, name: str) -> None:
    """Refuse a review verdict that is not one of :data:`REVIEW_VERDICTS`, or a return/comment without words.

    Raises
    ------
    ReviewCommentError
        ``review_comment_empty`` when a ``return`` or ``comment`` has no comment.

    >>> check_verdict("approve", "", "A")
    >>> check_verdict("return", " ", "A")
    Traceback (most recent call last):
    ...
    geo.store.records.ReviewCommentError: a 'return' of proposal 'A' needs a comment saying why
    """
    if verdict not in REVIEW_VERDICTS:  # builtin: the page passes one of its own buttons' verdicts
        raise ValueError(f"verdict must be one of {', '.join(REVIEW_VERDICTS)}, got {verdict!r}")
    if verdict in ("return", "comment") and not str(comment or "").strip():
        raise ReviewCommentError(f"a '{verdict}' of proposal '{name}' needs a comment saying why",
                                 code="review_comment_empty", params={"name": str(name), "verdict": verdict})


def acting(actor: Any, author: str) -> str:
    """Who a revision is by: the signed-in ``actor``'s login, else the ``author`` given."""
    return actor.name if actor is not None else (author or "")


# --- the save's checks -------------------------------------------------------------------------------


def check_save(proposal: Proposal, *, expected: int, last: Mapping[str, Any] | None,
               live: Mapping[str, Any] | None, other: Mapping[str, Any] | None, overwrite: bool,
               where: Any) -> str | None:
    """Raise :class:`ConflictError` when saving ``proposal`` collides with what is stored; else its ``created``.

    Parameters
    ----------
    proposal
        What is saved.
    expected
        The revision the caller's copy started from.
    last
        The latest stored revision row of its id (a tombstone when deleted), None when new.
    live
        Its live row (None when new or deleted).
    other
        The live row of another proposal with the same name, if any.
    overwrite
        Whether the caller chose to overwrite (never over other data).
    where
        The workspace (file path, or database label) the messages and errors name.

    Returns
    -------
    str or None
        The ``created`` time the saved revision keeps (None: now).
    """
    pid = proposal.proposal_id
    fingerprint = proposal.fingerprint
    stored_dataset = json_cell(last, "dataset", {}, where) if last is not None else {}
    disk_fingerprint = dataset_fingerprint(stored_dataset)
    if fingerprint and disk_fingerprint and fingerprint != disk_fingerprint:
        made_on = as_text(stored_dataset.get("name")) or disk_fingerprint[:12]
        raise ConflictError(
            f"{where}: proposal '{as_text(last['name'])}' was made on other data ('{made_on}') than this "
            f"copy ('{as_text(proposal.dataset.get('name')) or fingerprint[:12]}'); a save never replaces a "
            "proposal of other data: save this copy under a new name",
            kind="other_dataset", proposal_id=pid, name=proposal.name, expected_revision=expected,
            disk_revision=int(last["revision"]), path=where, disk_modified=as_text(last["modified"]) or None,
            disk_author=as_text(last["author"]), disk_proposal_id=pid,
            disk_dataset_name=as_text(stored_dataset.get("name")) or None)
    if other is not None:
        o = other
        o_dataset = json_cell(o, "dataset", {}, where)
        o_fingerprint = dataset_fingerprint(o_dataset)
        common = dict(proposal_id=pid, name=proposal.name, expected_revision=expected,
                      disk_revision=int(o["revision"]), path=where, disk_modified=as_text(o["modified"]) or None,
                      disk_author=as_text(o["author"]), disk_proposal_id=str(o["proposal_id"]),
                      disk_dataset_name=as_text(o_dataset.get("name")) or None)
        if fingerprint and o_fingerprint and fingerprint != o_fingerprint:
            raise ConflictError(
                f"{where}: another proposal is already called '{proposal.name}' and was made on other "
                f"data ('{as_text(o_dataset.get('name')) or o_fingerprint[:12]}'); a save never replaces a "
                "proposal of other data: save under another name", kind="other_dataset", **common)
        if not overwrite:
            raise ConflictError(
                f"{where}: another proposal is already called '{proposal.name}' (by "
                f"{as_text(o['author']) or '?'}, saved {o['modified']}); save under another name, or overwrite it",
                kind="name_taken", **common)
    if live is not None:
        disk_revision = int(live["revision"])
        if disk_revision != expected and not overwrite:
            raise ConflictError(
                f"{where}: proposal '{live['name']}' was saved at revision {disk_revision} "
                f"(by {as_text(live['author']) or '?'}, {live['modified']}) since this copy (revision {expected}) "
                "was opened; overwrite it, save this copy under a new name, or reload",
                kind="revision", proposal_id=pid, name=proposal.name, expected_revision=expected,
                disk_revision=disk_revision, path=where, disk_modified=as_text(live["modified"]) or None,
                disk_author=as_text(live["author"]), disk_proposal_id=pid,
                disk_dataset_name=as_text(stored_dataset.get("name")) or None)
        return as_text(live["created"]) or None
    if (last is not None or expected > 0) and not overwrite:
        raise ConflictError(
            f"{where}: proposal '{proposal.name}' (revision {expected}) was deleted from the "
            "workspace since it was opened; save it again (overwrite) or under a new name",
            kind="deleted", proposal_id=pid, name=proposal.name, expected_revision=expected,
            disk_revision=None, path=where,
            disk_modified=None if last is None else as_text(last["modified"]) or None,
            disk_author=None if last is None else as_text(last["author"]),
            disk_proposal_id=pid, disk_dataset_name=as_text(stored_dataset.get("name")) or None)
    return (None if last is None else as_text(last["created"]) or None) or proposal.created or None


def saved_proposal(proposal: Proposal, *, created: str | None, last: Mapping[str, Any] | None, owner: str,
                   author: str, where: Any) -> Proposal:
    """``proposal`` as a save stores it: the next revision number, times, owner, dataset, used zone ids."""
    now = now_iso()
    stored_dataset = json_cell(last, "dataset", {}, where) if last is not None else {}
    used = zone_ids_of(json_cell(last, "used_zone_ids", [], where) if last is not None else [],
                       proposal.used_zone_ids, proposal.assignment)
    return as_stored(dataclasses.replace(
        proposal, created=created or now, modified=now, action="save", author=author or proposal.author,
        revision=(0 if last is None else int(last["revision"])) + 1, owner=owner, comment="", review_status="",
        dataset=proposal.dataset if proposal.dataset else stored_dataset, used_zone_ids=used))


def name_taken(where: Any, *, pid: str, name: str, expected: int, clash: Mapping[str, Any], fix: str) -> ConflictError:
    """The ``name_taken`` conflict of a rename or restore onto the name of live proposal ``clash``."""
    return ConflictError(
        f"{where}: another proposal is already called '{name}'; {fix}", kind="name_taken", proposal_id=pid,
        name=name, expected_revision=expected, disk_revision=int(clash["revision"]), path=where,
        disk_modified=as_text(clash["modified"]) or None, disk_author=as_text(clash["author"]),
        disk_proposal_id=str(clash["proposal_id"]))


def no_revision(where: Any, key: str, revision: int, numbers: Sequence[int], name: str) -> ProposalNotFoundError:
    """The error of a revision a proposal does not have."""
    known = ", ".join(map(str, sorted(numbers))) or "none"
    return ProposalNotFoundError(f"{where}: proposal '{name}' has no revision {revision} (revisions: "
                                 f"{known}); see them with Workspace.history()", key=key, revision=revision)


def not_found(where: Any, key: str, names: Sequence[str], latest: Mapping[str, Mapping] | None = None,
              ) -> ProposalNotFoundError:
    """The error of a key no live proposal has (saying when and by whom it was deleted, if it was)."""
    listed = ", ".join(sorted(map(str, names))) or "none"
    message = (f"{where}: no proposal with id or name '{key}' (proposals: {listed}); "
               "list them with Workspace.list()")
    gone = [r for r in (latest or {}).values() if as_flag(r.get("deleted"))
            and key in (str(r.get("proposal_id")), as_text(r.get("name")))]
    if gone:
        last = max(gone, key=lambda r: as_text(r.get("modified")))
        message += (f"; '{as_text(last.get('name'))}' was deleted {as_text(last.get('modified'))} by "
                    f"{as_text(last.get('author')) or '?'}: Workspace.deleted() lists it, Workspace.restore() "
                    "brings it back")
    return ProposalNotFoundError(message, key=key)


# --- the tables the readers give -----------------------------------------------------------------

#: The light columns of a revision row (no assignment, no logs).
META_COLUMNS = ["proposal_id", "name", "author", "modified", "revision", "action", "deleted", "owner", "comment",
                "review_status"]
#: The columns of ``history()``.
HISTORY_COLUMNS = ["revision", "action", "name", "author", "modified", "zones", "communities_in_zones",
                   "households_in_zones", "edits", "dataset_name", "deleted", "comment", "owner"]
#: The columns of ``audit()``.
AUDIT_COLUMNS = ["time", "user", "action", "proposal_id", "name", "revision", "comment"]
#: The columns of ``list()``.
LIST_COLUMNS = ["proposal_id", "name", "author", "created", "modified", "revision", "zones", "communities_in_zones",
                "households_in_zones", "mean_compactness", "notes", "dataset_name", "dataset_fingerprint", "revisions",
                "owner", "review_status"]


def latest_rows(revisions: pd.DataFrame) -> dict[str, dict]:
    """proposal id -> its latest revision row (a dict)."""
    if revisions.empty:
        return {}
    numbers = pd.to_numeric(revisions["revision"], errors="coerce").to_numpy()
    order = np.argsort(numbers, kind="stable")
    records = revisions.iloc[order].to_dict("records")
    return {str(r["proposal_id"]): r for r in records}


def first_authors(revisions: pd.DataFrame) -> dict[str, str]:
    """proposal id -> the author of its first stored revision (the owner of an older workspace's proposal)."""
    if revisions.empty:
        return {}
    numbers = pd.to_numeric(revisions["revision"], errors="coerce").to_numpy()
    order = np.argsort(-numbers, kind="stable")
    records = revisions.iloc[order].to_dict("records")
    return {str(r["proposal_id"]): as_text(r.get("author")) for r in records}


def list_table(proposals: pd.DataFrame, counts: Mapping[str, int], owners: Mapping[str, str], where: Any,
               ) -> pd.DataFrame:
    """``list()``'s table of the live rows ``proposals``, ``counts`` of revisions and ``owners`` by id."""
    keep = ["proposal_id", "name", "author", "created", "modified", "revision", "zones",
            "communities_in_zones", "households_in_zones", "mean_compactness", "notes"]
    table = proposals.reindex(columns=keep).copy()
    for column in ("revision", *INT_FIGURES):
        table[column] = pd.to_numeric(table[column], errors="coerce").astype("Int64")
    table["mean_compactness"] = pd.to_numeric(table["mean_compactness"], errors="coerce").astype(float)
    datasets = [json_cell(row, "dataset", {}, where) for _, row in proposals.iterrows()]
    ids = [str(p) for p in proposals["proposal_id"].astype(object)]
    table["dataset_name"] = pd.Series([as_text(d.get("name")) for d in datasets], index=table.index, dtype=object)
    table["dataset_fingerprint"] = pd.Series([dataset_fingerprint(d) for d in datasets], index=table.index,
                                             dtype=object)
    table["revisions"] = pd.Series([max(1, int(counts.get(p, 0))) for p in ids], index=table.index, dtype="Int64")
    table["owner"] = pd.Series([owner_from(r, owners.get(p, "")) for p, (_, r) in zip(ids, proposals.iterrows())],
                               index=table.index, dtype=object)
    table["review_status"] = pd.Series([as_text(v) for v in proposals.reindex(columns=["review_status"])
                                        ["review_status"].astype(object)], index=table.index, dtype=object)
    table = table.sort_values(["modified", "name"], ascending=[False, True], kind="stable")
    return table.reset_index(drop=True)[LIST_COLUMNS]


def history_table(frame: pd.DataFrame, where: Any) -> pd.DataFrame:
    """``history()``'s table of one proposal's revision rows (:data:`META_COLUMNS`, figures, edits, dataset).

    ``comment`` is a review's words ("" otherwise); ``owner`` the proposal's owner on every row
    (its first revision's author where the rows predate owners).
    """
    first = first_authors(frame.reindex(columns=["proposal_id", "revision", "author"]))
    owner = next((as_text(v) for v in frame["owner"].astype(object) if as_text(v)), "") if "owner" in frame else ""
    owner = owner or next(iter(first.values()), "")
    edits = [len(json_cell(row, "edits", [], where)) for _, row in frame.iterrows()]
    datasets = [json_cell(row, "dataset", {}, where) for _, row in frame.iterrows()]
    table = pd.DataFrame({
        "revision": pd.to_numeric(frame["revision"], errors="coerce").astype("Int64").to_numpy(),
        "action": [as_text(a) or "save" for a in frame["action"].astype(object)],
        "name": [as_text(v) for v in frame["name"].astype(object)],
        "author": [as_text(v) for v in frame["author"].astype(object)],
        "modified": [as_text(v) or None for v in frame["modified"].astype(object)],
        **{c: pd.to_numeric(frame[c], errors="coerce").astype("Int64").to_numpy() for c in INT_FIGURES},
        "edits": pd.array(edits, dtype="Int64"),
        "dataset_name": [as_text(d.get("name")) for d in datasets],
        "deleted": [as_flag(v) for v in frame["deleted"].astype(object)],
        "comment": [as_text(v) for v in frame.reindex(columns=["comment"])["comment"].astype(object)],
        "owner": [owner] * len(frame),
    }, columns=HISTORY_COLUMNS)
    return table.sort_values("revision", ascending=False, kind="stable").reset_index(drop=True)


def deleted_table(latest: Mapping[str, Mapping]) -> pd.DataFrame:
    """``deleted()``'s table: the proposals whose latest revision is a tombstone, most recently deleted first."""
    gone = [r for r in latest.values() if as_flag(r.get("deleted"))]
    table = pd.DataFrame({
        "proposal_id": pd.Series([str(r["proposal_id"]) for r in gone], dtype=object),
        "name": pd.Series([as_text(r.get("name")) for r in gone], dtype=object),
        "deleted_at": pd.Series([as_text(r.get("modified")) or None for r in gone], dtype=object),
        "by": pd.Series([as_text(r.get("author")) for r in gone], dtype=object),
        "last_revision": pd.Series([int(r["revision"]) - 1 for r in gone], dtype="Int64"),
    })
    return table.sort_values(["deleted_at", "name"], ascending=[False, True], kind="stable").reset_index(drop=True)


def audit_table(revisions: pd.DataFrame, since: str | None = None) -> pd.DataFrame:
    """``audit()``'s table: every revision row, newest first, as :data:`AUDIT_COLUMNS` (text never null).

    >>> rows = pd.DataFrame({"proposal_id": ["p", "p"], "name": ["A", "A"], "author": ["li", None],
    ...                      "modified": ["2026-01-01T00:00:00.000+00:00", "2026-01-02T00:00:00.000+00:00"],
    ...                      "revision": [1, 2], "action": ["save", "approve"], "comment": [None, "好"]})
    >>> audit_table(rows).values.tolist()
    [['2026-01-02T00:00:00.000+00:00', '', 'approve', 'p', 'A', 2, '好'], \
['2026-01-01T00:00:00.000+00:00', 'li', 'save', 'p', 'A', 1, '']]
    >>> len(audit_table(rows, since="2026-01-02"))
    1
    """
    frame = revisions.reindex(columns=["proposal_id", "name", "author", "modified", "revision", "action", "comment"])
    table = pd.DataFrame({
        "time": pd.Series([as_text(v) for v in frame["modified"].astype(object)], dtype=object),
        "user": pd.Series([as_text(v) for v in frame["author"].astype(object)], dtype=object),
        "action": pd.Series([as_text(v) or "save" for v in frame["action"].astype(object)], dtype=object),
        "proposal_id": pd.Series([as_text(v) for v in frame["proposal_id"].astype(object)], dtype=object),
        "name": pd.Series([as_text(v) for v in frame["name"].astype(object)], dtype=object),
        "revision": pd.Series(pd.to_numeric(frame["revision"], errors="coerce").to_numpy(), dtype="Int64"),
        "comment": pd.Series([as_text(v) for v in frame["comment"].astype(object)], dtype=object),
    }, columns=AUDIT_COLUMNS)
    if since:
        table = table[table["time"] >= str(since)]
    table = table.sort_values(["time", "proposal_id", "revision"], ascending=[False, True, False], kind="stable")
    return table.reset_index(drop=True)
