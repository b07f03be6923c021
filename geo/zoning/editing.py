"""A planner's edits of a zoning: move, take out, merge, split, dissolve, lock, note, re-run; undo.

The page that lets a planner edit zones on the map drives an :class:`EditSession`. The session
is built once from the communities (metric CRS), their neighbour pairs
(:func:`geo.zoning.adjacency.community_pairs`, computed once and passed in), the barriers, the rules
and a first zoning (usually the engine's: :meth:`EditSession.from_result`). Each edit makes a
new immutable :class:`Zoning` snapshot; the session keeps the snapshots for undo and redo and a
log of the edits (JSON-able dicts ``{"op", "args", "time"}``) that a saved proposal keeps and
:meth:`EditSession.replay` plays back.

Figures are incremental: each zone's figures, outline and broken rules depend only on its
members, so they are cached by (rules, zone id, members) and an edit scores only the zones it
changed (:func:`geo.zoning.score.zone_figures`); undo and redo find theirs in the cache. The
whole-city tables (:attr:`EditSession.zones`, :attr:`EditSession.violations`,
:attr:`EditSession.assignments`) are assembled from the cache when asked for.

A planner may break a rule: the edit is made, and the zone's broken rules are listed
(:meth:`EditSession.violations_of`, in Chinese or English); a note
(:meth:`EditSession.note`) records why a rule-breaking zone is kept. A locked zone cannot be
edited (:class:`LockedZoneError`: unlock it first) and a re-run keeps it exactly. Every error
an edit raises is an :class:`EditError` with a ``code`` and ``params`` a page words in its
language; ``str(error)`` is the English message.

Reasons: every candidate out of every zone has one. The engine's (``ZoningResult.assignments``,
or :func:`geo.zoning.zones.explain_zoning` of the first zoning when a session is opened without them),
or the edit's (``taken_out``, ``split_out``); :meth:`EditSession.engine_reasons` gives them for
a saved proposal to keep.

Zone ids are stable: a zone keeps its id through every edit that leaves its members alone and
through a re-run that makes the same zone again, and an id is never given to another zone. The
engine numbers its zones ``Z0001``, ``Z0002``...; a re-run's new zones continue after the largest
``Z`` number the session ever used. A zone a planner makes (:meth:`~EditSession.new_zone`,
:meth:`~EditSession.split_zone`, :meth:`~EditSession.split_zone_auto`) is numbered ``P001``,
``P002``... after the largest ``P`` number ever used (``P1000`` after ``P999``); merging keeps
the first zone's id. The ids used are part of the history (:attr:`EditSession.used_zone_ids`):
undoing an edit frees the ids it made, so a log replays to the same ids.

Example
-------
>>> import geopandas as gpd
>>> from shapely import box
>>> homes = gpd.GeoDataFrame({"community_id": ["a", "b", "c"], "households": [150, 160, 140],
...     "build_year": [1985, 1988, 1990], "street": ["s"] * 3, "status": ["candidate"] * 3},
...     geometry=[box(0, 0, 50, 50), box(50, 0, 100, 50), box(100, 0, 150, 50)], crs=4538)
>>> session = EditSession(homes, {"a": "Z0001", "b": "Z0001"})
>>> session.move(["c"], "Z0001").assignment()
{'a': 'Z0001', 'b': 'Z0001', 'c': 'Z0001'}
>>> session.split_zone("Z0001", ["c"])
'P001'
>>> [v["rule"] for v in session.violations_of("P001")]
['min_households', 'too_few_members']
>>> session.undo().assignment() == {"a": "Z0001", "b": "Z0001", "c": "Z0001"}
True
>>> [entry["op"] for entry in session.log]
['move']
"""

from __future__ import annotations

import dataclasses
import inspect
import math
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely

from geo.zoning.search import solve
from geo.zoning.adjacency import community_pairs, require_metric
from geo.errors import GeoError, SchemaError
from geo.io.schema import choice_label
from geo.zoning.score import (
    RULE_TEXT,
    ScoringContext,
    ZoneFigures,
    figures_frames,
    locked_split_violations,
    rule_text,
    zone_figures,
)
from geo.zoning.eligibility import merge_candidates
from geo.zoning.rules import Overrides, ZoneRules
from geo.zoning.zones import (REASONS, ZoningResult, build_problem, explain_zoning, not_candidate_reasons,
                              propose_zones)

#: Prefix of the zones a planner makes (the engine's are ``Z0001``...).
PLANNER_PREFIX = "P"

#: Prefix of the zones the engine makes (:func:`geo.zoning.zones.propose_zones`).
ENGINE_PREFIX = "Z"

#: Reasons a candidate is out of every zone because of a planner's edit, with their words.
EDIT_REASONS: dict[str, tuple[str, str]] = {
    "taken_out": ("规划人员将其移出片区", "taken out of its zone by the planner"),
    "split_out": ("自动拆分片区时未能编入任何子片区", "left out when the engine split its zone"),
}

_CUT_WORDS = {"street": ("分属不同街道", "in another street")}


class EditError(GeoError, ValueError):
    """An edit names a community or zone that does not exist, or cannot be made as asked.

    Attributes
    ----------
    code
        What went wrong, for a page to word it in its language: ``unknown_communities``
        (params ``ids``), ``no_selection``, ``unknown_zone`` (``zone_id``), ``zone_locked``
        (``zones``), ``not_in_zone`` (``zone_id``, ``ids``), ``split_empties_zone``
        (``zone_id``), ``too_few_zones`` (``zone_ids``), ``nothing_to_undo``,
        ``nothing_to_redo``, ``unknown_edit`` (``op``, ``allowed``), ``bad_log_entry``
        (``entry``), ``unknown_reasons`` (``codes``), ``bad_polygon``.
    params
        The facts the words name (JSON-able).

    Example
    -------
    >>> error = EditError("there is no zone Z9", code="unknown_zone", params={"zone_id": "Z9"})
    >>> str(error), error.code, error.params, isinstance(error, ValueError)
    ('there is no zone Z9', 'unknown_zone', {'zone_id': 'Z9'}, True)
    """

    default_code = "edit_refused"

    def __init__(self, message: str = "", *, code: str | None = None,
                 params: Mapping[str, Any] | None = None) -> None:
        super().__init__(message)
        self.code = code or self.default_code
        self.params = dict(params or {})

    def __reduce__(self):  # a pickled error (a process pool, a page's session store) keeps its code
        return type(self), (str(self),), {"code": self.code, "params": self.params}


class LockedZoneError(EditError):
    """An edit would change a locked zone (code ``zone_locked``, params ``zones``)."""

    default_code = "zone_locked"


def reason_words(code: str, lang: str = "en") -> str:
    """The planner's words for a reason code of the engine or of an edit.

    Example
    -------
    >>> reason_words("taken_out", "zh")
    '规划人员将其移出片区'
    >>> reason_words("isolated")
    'no other community within the merge distance'
    """
    zh, en = EDIT_REASONS.get(code) or REASONS[code]
    return zh if lang == "zh" else en


# --- the snapshot ----------------------------------------------------------------------------


def _frozen_mapping(values: Mapping | None) -> Mapping:
    return MappingProxyType(dict(values or {}))


@dataclass(frozen=True)
class Zoning:
    """One immutable state of a planner's zoning.

    Attributes
    ----------
    zones
        zone id -> frozenset of member community ids (read-only mapping).
    locked
        Ids of the zones a planner locked (no edit changes them; a re-run keeps them).
    notes
        zone id -> why a rule-breaking zone is kept.
    left_out
        community id -> reason code (``taken_out``, ``split_out``) for communities an edit put
        out of every zone since the engine last ran.

    Example
    -------
    >>> zoning = Zoning.from_assignment({"a": "Z1", "b": "Z1", "c": "Z2"}, locked=["Z2"])
    >>> sorted(zoning.zones["Z1"]), zoning.assignment()["c"], zoning.locked
    (['a', 'b'], 'Z2', frozenset({'Z2'}))
    """

    zones: Mapping[str, frozenset[str]] = field(default_factory=dict)
    locked: frozenset[str] = frozenset()
    notes: Mapping[str, str] = field(default_factory=dict)
    left_out: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        zones = {str(z): frozenset(map(str, ms)) for z, ms in self.zones.items() if ms}
        object.__setattr__(self, "zones", MappingProxyType(zones))
        object.__setattr__(self, "locked", frozenset(map(str, self.locked)))
        object.__setattr__(self, "notes", _frozen_mapping(self.notes))
        object.__setattr__(self, "left_out", _frozen_mapping(self.left_out))

    __hash__ = None  # type: ignore[assignment]  # holds mappings

    @classmethod
    def _of(cls, zones: Mapping[str, frozenset[str]], locked: frozenset[str], notes: Mapping[str, str],
            left_out: Mapping[str, str]) -> Zoning:
        """A snapshot from parts already normalised (the session's edits): the member sets are
        shared with the previous snapshot, not copied, so a snapshot costs one small dict."""
        zoning = object.__new__(cls)
        object.__setattr__(zoning, "zones", MappingProxyType({z: ms for z, ms in zones.items() if ms}))
        object.__setattr__(zoning, "locked", frozenset(locked))
        object.__setattr__(zoning, "notes", notes if isinstance(notes, MappingProxyType) else _frozen_mapping(notes))
        object.__setattr__(zoning, "left_out",
                           left_out if isinstance(left_out, MappingProxyType) else _frozen_mapping(left_out))
        return zoning

    @classmethod
    def from_assignment(cls, assignment: Mapping[str, str | None], *, locked: Iterable[str] = (),
                        notes: Mapping[str, str] | None = None) -> Zoning:
        """A zoning from community id -> zone id (None: in no zone)."""
        zones: dict[str, set[str]] = {}
        for cid, zid in assignment.items():
            if zid is not None and not (isinstance(zid, float) and math.isnan(zid)):
                zones.setdefault(str(zid), set()).add(str(cid))
        return cls(zones, frozenset(locked), notes or {})

    def assignment(self) -> dict[str, str]:
        """community id -> zone id for every community in a zone, by community id."""
        return dict(sorted((c, z) for z, ms in self.zones.items() for c in ms))

    def to_dict(self) -> dict:
        """A JSON-able form: zones (sorted member lists), locked, notes, left_out."""
        return {
            "zones": {z: sorted(ms) for z, ms in sorted(self.zones.items())},
            "locked": sorted(self.locked),
            "notes": dict(sorted(self.notes.items())),
            "left_out": dict(sorted(self.left_out.items())),
        }


def changed_zones(before: Zoning, after: Zoning) -> set[str]:
    """Zone ids whose members differ between two zonings (made, changed or gone).

    Example
    -------
    >>> sorted(changed_zones(Zoning({"Z1": {"a", "b"}, "Z2": {"c"}}), Zoning({"Z1": {"a", "b"}, "P001": {"c"}})))
    ['P001', 'Z2']
    """
    keys = set(before.zones) | set(after.zones)
    return {z for z in keys if before.zones.get(z) != after.zones.get(z)}


def _largest_number(prefix: str, zone_ids: Iterable[str]) -> int:
    """The largest number of the ids ``prefix`` + digits (0 when there is none)."""
    return max((int(z[len(prefix):]) for z in zone_ids if z.startswith(prefix) and z[len(prefix):].isdigit()),
               default=0)


def next_zone_id(zoning: Zoning, *, used: Iterable[str] = ()) -> str:
    """The next planner zone id: ``P`` and one more than the largest ``P`` number in use or used.

    Parameters
    ----------
    zoning
        The zoning the new zone goes into.
    used
        Every zone id used before (:attr:`EditSession.used_zone_ids`): none is given again.

    Example
    -------
    >>> next_zone_id(Zoning({"Z0001": {"a"}, "P007": {"b"}}))
    'P008'
    >>> next_zone_id(Zoning({"Z0001": {"a"}}), used=["P001", "P003"])
    'P004'
    """
    largest = _largest_number(PLANNER_PREFIX, [*zoning.zones, *used])
    return f"{PLANNER_PREFIX}{largest + 1:03d}"


def stable_zone_ids(
    zones: Mapping[str, frozenset[str]],
    *,
    previous: Mapping[str, frozenset[str]],
    used: Iterable[str] = (),
    keep: Iterable[str] = (),
) -> dict[str, str]:
    """Ids for a re-run's zones: a zone with the same members as a previous one takes its id.

    Parameters
    ----------
    zones
        The engine's zones: engine id -> members.
    previous
        The zones before the re-run: id -> members.
    used
        Every id used before; a zone that is new gets ``Z`` and a number after the largest ``Z``
        number among them (in the engine's order), so no id is given to another zone.
    keep
        Ids kept as they are (the locked zones, which the engine kept).

    Returns
    -------
    dict
        engine id -> id.

    Example
    -------
    >>> stable_zone_ids({"Z0001": frozenset("ab"), "Z0002": frozenset("cd"), "Z0003": frozenset("ef")},
    ...                 previous={"P002": frozenset("cd"), "Z0001": frozenset("abx")},
    ...                 used=["Z0001", "Z0004", "P002"])
    {'Z0001': 'Z0005', 'Z0002': 'P002', 'Z0003': 'Z0006'}
    """
    keep = set(keep)
    used = set(used) | set(previous) | keep
    by_members = {ms: z for z, ms in previous.items() if z not in keep}
    serial = _largest_number(ENGINE_PREFIX, used)
    out: dict[str, str] = {}
    for zid in sorted(zones, key=lambda z: (len(z), z)):  # the engine's order (Z9999 before Z10000)
        if zid in keep:
            out[zid] = zid
            continue
        same = by_members.pop(zones[zid], None)
        if same is not None:
            out[zid] = same
        else:
            serial += 1
            out[zid] = f"{ENGINE_PREFIX}{serial:04d}"
    return out


# --- the session -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Step:
    """A point in the history: the zoning, the rules in force, the engine's reasons, how it came."""

    zoning: Zoning
    rules: ZoneRules
    engine: Mapping[str, tuple[str, str | None]]  # candidate -> (reason code, relaxation), last run
    used: frozenset[str]  # every zone id used up to this step (the zoning's included)
    entry: dict | None = None


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def _ids_arg(community_ids: str | Iterable[str]) -> list[str]:
    ids = [community_ids] if isinstance(community_ids, str) else [str(c) for c in community_ids]
    return list(dict.fromkeys(c for c in ids if c))  # an empty id is no selection


def _engine_reasons(reasons: pd.DataFrame | Mapping | None) -> Mapping[str, tuple[str, str | None]]:
    """candidate -> (code, relaxation) from an assignments table or a saved mapping (``fixed``,
    None and NaN codes dropped: a locked zone's members are ``fixed`` by the session itself)."""
    if reasons is None or not len(reasons):
        return MappingProxyType({})
    if isinstance(reasons, pd.DataFrame):
        rows = reasons[reasons["reason_code"].notna()]
        if "candidate" in rows:  # the candidates' reasons only: a non-candidate's is recomputed
            rows = rows[rows["candidate"].astype(bool)]
        relax = rows["relaxation"] if "relaxation" in rows else pd.Series(None, index=rows.index)
        items = list(zip(rows["community_id"], rows["reason_code"], relax))
    else:  # code, (code, relaxation) or [code, relaxation]
        items = [(c, v, None) if isinstance(v, str) or v is None else (c, *[*v, None][:2]) for c, v in reasons.items()]
    return MappingProxyType({str(c): (str(code), None if _plain(r) is None else str(r))
                             for c, code, r in items if _plain(code) is not None and code != "fixed"})


def _plain(value: Any) -> Any:
    """A JSON-able Python value (numpy scalars unwrapped, NaN and NA as None)."""
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


class EditSession:
    """A planner's zoning being edited: current figures, edits, undo and redo, the edit log.

    Parameters
    ----------
    communities
        The communities layer in a metric CRS, with ``community_id`` and ``households``.
    zoning
        The first zoning: a :class:`Zoning`, or community id -> zone id. Empty when None.
    pairs
        Neighbour pairs (:func:`geo.zoning.adjacency.community_pairs` with ``rules.gap_m``); computed
        here when None. Recomputed only when a re-run changes ``gap_m``.
    barriers
        Arterial roads, rivers, railways: outlines stay off them (and pairs across are cut).
    rules
        :class:`geo.zoning.zones.ZoneRules` the figures are checked against (defaults when None).
    overrides
        Forbidden pairs and locked groups, checked and kept by re-runs (``fixed_zones`` is
        ignored: lock zones instead).
    reasons
        Why each candidate out of every zone is out: the engine's per-community table
        (``ZoningResult.assignments``) or a mapping community id -> (reason code, relaxation)
        (what a saved proposal keeps: :meth:`engine_reasons`). The candidates out of every zone
        it does not give a reason for (all, when None) get the engine's reasons for the first
        zoning (:func:`geo.zoning.zones.explain_zoning`, its locked zones fixed), unless the zoning is
        empty (nothing proposed yet: no reasons).
    used_zone_ids
        Zone ids used before (a re-opened proposal's :attr:`used_zone_ids`): no new zone gets one.
    clock
        Returns the time written in the edit log (UTC ISO 8601 by default).
    max_undo
        Most edits kept for undo (older ones leave the undo history, not the log).

    Raises
    ------
    CRSError, SchemaError, EditError
        Communities in degrees or without ids/households; a zoning or reasons naming unknown
        communities (``unknown_communities``); an unknown reason code (``unknown_reasons``).
    """

    def __init__(
        self,
        communities: gpd.GeoDataFrame,
        zoning: Zoning | Mapping[str, str] | None = None,
        *,
        pairs: gpd.GeoDataFrame | None = None,
        barriers: gpd.GeoDataFrame | None = None,
        rules: ZoneRules | None = None,
        overrides: Overrides | None = None,
        reasons: pd.DataFrame | Mapping[str, tuple[str, str | None]] | None = None,
        used_zone_ids: Iterable[str] = (),
        clock: Callable[[], str] = _now,
        max_undo: int = 500,
    ) -> None:
        require_metric(communities, "communities")
        for column in ("community_id", "households"):
            if column not in communities.columns:
                raise SchemaError(f"communities need a '{column}' column to be zoned", code="columns_needed",
                                  params={"kind": "communities", "missing": [column]})
        rules = rules or ZoneRules()
        frame = communities.copy()
        frame["community_id"] = frame["community_id"].astype(str)
        self._frame = frame.sort_values("community_id", kind="stable").reset_index(drop=True)
        self._ids = self._frame["community_id"].to_numpy(dtype=object)
        self._pos = {cid: k for k, cid in enumerate(self._ids)}
        self._barriers = barriers
        base = overrides or Overrides()
        self._overrides = Overrides(locked_together=base.locked_together, forbidden_pairs=base.forbidden_pairs)
        if pairs is None:
            pairs = community_pairs(self._frame, gap_m=rules.gap_m, barriers=barriers)
        self._pairs_by_gap = {float(rules.gap_m): pairs}
        self._contexts: dict[ZoneRules, ScoringContext] = {}
        self._not_candidate_codes: dict[ZoneRules, Mapping[str, str]] = {}
        self._cache: dict[tuple[ZoneRules, str, frozenset[str]], ZoneFigures] = {}
        self._points: shapely.STRtree | None = None
        self._pair_index: dict[float, dict[str, list[int]]] = {}
        self._clock = clock
        self._max_undo = max(1, int(max_undo))
        if not isinstance(zoning, Zoning):
            zoning = Zoning.from_assignment(zoning or {})
        self._check_known([c for ms in zoning.zones.values() for c in ms], "the first zoning")
        engine = self._first_reasons(zoning, rules, _engine_reasons(reasons))
        used = frozenset(map(str, [used_zone_ids] if isinstance(used_zone_ids, str) else used_zone_ids))
        self._history = [_Step(zoning, rules, engine, used | frozenset(zoning.zones))]
        self._cursor = 0
        self._dropped_log: list[dict] = []
        self._view: dict[str, Any] = {}
        self._last_touched: set[str] = set(zoning.zones)
        self._ensure_figures(self._history[0])

    def _first_reasons(self, zoning: Zoning, rules: ZoneRules,
                       given: Mapping[str, tuple[str, str | None]]) -> Mapping[str, tuple[str, str | None]]:
        """The reasons given, checked, and the engine's for the candidates out they leave out."""
        self._check_known(given, "the reasons")
        unknown = sorted({code for code, _ in given.values()} - set(REASONS) - set(EDIT_REASONS))
        if unknown:
            raise EditError(f"the reasons name unknown reason codes ({', '.join(unknown[:10])}): expected "
                            f"the engine's or an edit's reason codes, as a saved proposal keeps them",
                            code="unknown_reasons", params={"codes": unknown})
        if not zoning.zones:
            return given
        placed = {c for ms in zoning.zones.values() for c in ms}
        is_cand = self._context(rules).is_cand
        if all(c in placed or c in given or c in zoning.left_out for c in self._ids[is_cand]):
            return given
        fixed = {z: tuple(sorted(zoning.zones[z])) for z in sorted(zoning.locked)}
        overrides = Overrides(locked_together=self._overrides.locked_together,
                              forbidden_pairs=self._overrides.forbidden_pairs, fixed_zones=fixed)
        table = explain_zoning(self._frame, zoning.assignment(), pairs=self._pairs(rules),
                               barriers=self._barriers, rules=rules, overrides=overrides)
        return MappingProxyType({**_engine_reasons(table), **given})

    @classmethod
    def from_result(
        cls,
        result: ZoningResult,
        communities: gpd.GeoDataFrame,
        *,
        pairs: gpd.GeoDataFrame | None = None,
        barriers: gpd.GeoDataFrame | None = None,
        overrides: Overrides | None = None,
        used_zone_ids: Iterable[str] = (),
        previous: Zoning | None = None,
        clock: Callable[[], str] = _now,
        max_undo: int = 500,
    ) -> EditSession:
        """A session starting from the engine's proposal (its rules and reasons; its fixed zones locked).

        ``communities``, ``pairs`` and ``barriers`` must be those the proposal was made from.
        ``used_zone_ids``: ids used before (a previous session's :attr:`used_zone_ids`); the
        proposal's zones (but its fixed ones) are then numbered after the largest ``Z`` number
        among them, so that no id names another zone than it did. ``previous``: the zoning this
        proposal replaces (proposing again); a zone with the same members as one of it keeps that
        zone's id and note.
        """
        a = result.assignments
        fixed = set(a.loc[a["reason_code"] == "fixed", "zone_id"].dropna().astype(str))
        used = {str(z) for z in ([used_zone_ids] if isinstance(used_zone_ids, str) else used_zone_ids)}
        before = dict(previous.zones) if previous is not None else {}
        used |= set(before)
        engine = Zoning.from_assignment(result.assignment())
        ids = {z: z for z in engine.zones}
        if used - fixed:
            ids = stable_zone_ids(engine.zones, previous=before, used=used, keep=fixed)
        kept_notes = {ids[z]: previous.notes[ids[z]] for z in engine.zones
                      if previous is not None and ids[z] in previous.notes and before.get(ids[z]) == engine.zones[z]}
        zoning = Zoning({ids[z]: ms for z, ms in engine.zones.items()}, locked=fixed, notes=kept_notes)
        return cls(communities, zoning, pairs=pairs, barriers=barriers, rules=result.rules,
                   overrides=overrides, reasons=a, used_zone_ids=used, clock=clock, max_undo=max_undo)

    # --- state -----------------------------------------------------------------------------

    @property
    def _step(self) -> _Step:
        return self._history[self._cursor]

    @property
    def zoning(self) -> Zoning:
        """The current zoning."""
        return self._step.zoning

    @property
    def rules(self) -> ZoneRules:
        """The rules in force (a re-run may change them)."""
        return self._step.rules

    @property
    def crs(self):
        """The communities' (metric) CRS."""
        return self._frame.crs

    @property
    def used_zone_ids(self) -> tuple[str, ...]:
        """Every zone id used up to the current step (the first zoning's and those given at the
        start included), sorted: a saved proposal keeps them to continue its own numbering."""
        return tuple(sorted(self._step.used))

    def engine_reasons(self) -> dict[str, list]:
        """Why each candidate out of every zone is out, now: community id -> ``[code, relaxation]``.

        JSON-ready, by community id: what a saved proposal keeps and ``EditSession(...,
        reasons=...)`` takes back. The engine's reasons (of its last run, or of the first zoning),
        or the edit's code (``taken_out``, ``split_out``, relaxation None).

        Example
        -------
        >>> import geopandas as gpd
        >>> from shapely import box
        >>> homes = gpd.GeoDataFrame({"community_id": ["a", "b", "c"], "households": [150, 160, 140],
        ...     "build_year": [1985, 1988, 1990], "status": ["candidate"] * 3},
        ...     geometry=[box(0, 0, 50, 50), box(50, 0, 100, 50), box(300, 0, 350, 50)], crs=4538)
        >>> session = EditSession(homes, {"a": "Z0001", "b": "Z0001"})
        >>> session.engine_reasons()
        {'c': ['isolated', 'gap_m >= 201 would reach b']}
        >>> _ = session.take_out("a")
        >>> session.engine_reasons()
        {'a': ['taken_out', None], 'c': ['isolated', 'gap_m >= 201 would reach b']}
        """
        zone_of = self._zone_of()
        cand = self._ids[self._context(self.rules).is_cand]
        out = {}
        for cid in cand:
            if cid not in zone_of:
                _, _, _, _, code, _, _, relax = self._place(cid)
                if code is not None:
                    out[cid] = [code, relax]
        return out

    @property
    def can_undo(self) -> bool:
        """Whether there is an edit to undo."""
        return self._cursor > 0

    @property
    def can_redo(self) -> bool:
        """Whether there is an undone edit to redo."""
        return self._cursor < len(self._history) - 1

    @property
    def log(self) -> list[dict]:
        """The edits that lead from the first zoning to the current one: ``{"op", "args", "time"}``."""
        return [*self._dropped_log, *(dict(s.entry) for s in self._history[1:self._cursor + 1])]

    @property
    def last_touched(self) -> set[str]:
        """Zone ids the last edit, undo or redo made, changed or removed (to redraw only those)."""
        return set(self._last_touched)

    def undo(self) -> Zoning:
        """Go back one edit; returns the zoning before it.

        Raises
        ------
        EditError
            Nothing to undo.
        """
        if not self.can_undo:
            raise EditError("there is no edit to undo", code="nothing_to_undo")
        self._move_cursor(self._cursor - 1)
        return self.zoning

    def redo(self) -> Zoning:
        """Make the last undone edit again; returns the zoning after it.

        Raises
        ------
        EditError
            Nothing to redo.
        """
        if not self.can_redo:
            raise EditError("there is no undone edit to redo", code="nothing_to_redo")
        self._move_cursor(self._cursor + 1)
        return self.zoning

    def _move_cursor(self, cursor: int) -> None:
        before = self.zoning
        self._cursor = cursor
        self._view = {}
        self._last_touched = changed_zones(before, self.zoning)
        self._ensure_figures(self._step)

    # --- the current figures ---------------------------------------------------------------

    def _context(self, rules: ZoneRules) -> ScoringContext:
        ctx = self._contexts.get(rules)
        if ctx is None:
            candidates = pd.Series(merge_candidates(self._frame, rules).to_numpy(), index=self._ids)
            ctx = ScoringContext(self._frame, pairs=self._pairs(rules), barriers=self._barriers, rules=rules,
                                 candidates=candidates, overrides=self._overrides)
            self._contexts[rules] = ctx
        return ctx

    def _not_candidates(self, rules: ZoneRules) -> Mapping[str, str]:
        """community -> why it is no merge candidate under ``rules`` (cached per rules)."""
        found = self._not_candidate_codes.get(rules)
        if found is None:
            codes = not_candidate_reasons(self._frame, rules)["reason_code"].tolist()
            found = {str(c): str(code) for c, code in zip(self._ids, codes) if _plain(code) is not None}
            self._not_candidate_codes[rules] = found
        return found

    def _pairs(self, rules: ZoneRules) -> gpd.GeoDataFrame:
        gap = float(rules.gap_m)
        if gap not in self._pairs_by_gap:
            self._pairs_by_gap[gap] = community_pairs(self._frame, gap_m=gap, barriers=self._barriers)
        return self._pairs_by_gap[gap]

    def _ensure_figures(self, step: _Step) -> None:
        """Score the zones of ``step`` that are not in the cache (those an edit touched)."""
        rules = step.rules
        missing = {z: ms for z, ms in step.zoning.zones.items() if (rules, z, ms) not in self._cache}
        if missing:
            for fig in zone_figures(self._context(rules), missing):
                self._cache[(rules, fig.zone_id, missing[fig.zone_id])] = fig

    def _figures(self, zone_id: str) -> ZoneFigures:
        step = self._step
        return self._cache[(step.rules, zone_id, step.zoning.zones[zone_id])]

    def _zone_of(self) -> dict[str, str]:
        if "zone_of" not in self._view:
            self._view["zone_of"] = {c: z for z, ms in self.zoning.zones.items() for c in ms}
        return self._view["zone_of"]

    def _score(self):
        if "score" not in self._view:
            zoning = self.zoning
            figures = [self._figures(z) for z in sorted(zoning.zones)]
            extra = locked_split_violations(self._zone_of(), self._overrides)
            self._view["score"] = figures_frames(figures, extra, self.crs)
        return self._view["score"]

    @property
    def zones(self) -> gpd.GeoDataFrame:
        """One row per zone, as :func:`geo.zoning.score.score_zoning` gives (outline geometry), plus
        ``locked`` and ``note``."""
        if "zones" not in self._view:
            zones = self._score().zones.copy()
            zoning = self.zoning
            zones.insert(len(zones.columns) - 1, "locked", [z in zoning.locked for z in zones["zone_id"]])
            zones.insert(len(zones.columns) - 1, "note", [zoning.notes.get(z) for z in zones["zone_id"]])
            self._view["zones"] = zones
        return self._view["zones"]

    @property
    def violations(self) -> pd.DataFrame:
        """Every rule a zone breaks: ``zone_id``, ``rule``, ``detail`` (English), ``detail_zh``."""
        return self._score().violations.copy()

    def zone(self, zone_id: str) -> dict:
        """One zone's figures (a row of :attr:`zones` without the outline), ``locked`` and ``note``."""
        fig = self._figures(self._require_zone(zone_id))
        zoning = self.zoning
        return {**fig.row, "members": list(fig.row["members"]), "locked": zone_id in zoning.locked,
                "note": zoning.notes.get(zone_id)}

    def outline(self, zone_id: str) -> shapely.Geometry:
        """One zone's outline (metric CRS)."""
        return self._figures(self._require_zone(zone_id)).outline

    def violations_of(self, zone_id: str, *, lang: str = "en") -> list[dict]:
        """The rules one zone breaks: ``rule``, ``text`` (the rule's words) and ``detail`` (with the
        facts), in Chinese (``lang="zh"``) or English.

        Raises
        ------
        EditError
            No such zone.
        """
        fig = self._figures(self._require_zone(zone_id))
        return [{"rule": v["rule"], "text": rule_text(v["rule"], lang),
                 "detail": v["detail_zh"] if lang == "zh" else v["detail"]} for v in fig.violations]

    @property
    def assignments(self) -> pd.DataFrame:
        """One row per community (by id), like ``ZoningResult.assignments``: ``community_id``,
        ``zone_id``, ``role`` (member / anchor / None), ``candidate``, ``reason_code``, ``reason``,
        ``reason_zh``, ``relaxation``. Reasons: the engine's for communities no edit touched,
        ``taken_out`` / ``split_out`` for those an edit put out of every zone, ``fixed`` for
        members of locked zones."""
        if "assignments" not in self._view:
            rows = [self._place(cid) for cid in self._ids]
            out = pd.DataFrame(rows, columns=["community_id", "zone_id", "role", "candidate", "reason_code",
                                              "reason", "reason_zh", "relaxation"])
            for column in ("zone_id", "role", "reason_code", "reason", "reason_zh", "relaxation"):
                out[column] = out[column].astype(object).where(out[column].notna(), None)
            self._view["assignments"] = out
        return self._view["assignments"].copy()

    def _place(self, cid: str) -> tuple:
        """(id, zone, role, candidate, code, words en, words zh, relaxation) of one community."""
        step = self._step
        zid = self._zone_of().get(cid)
        candidate = bool(self._context(step.rules).is_cand[self._pos[cid]])
        role = code = relax = None
        if zid is not None:
            role = "anchor" if self._figures(zid).row["anchor_id"] == cid else "member"
            code = "fixed" if zid in step.zoning.locked else None
        elif cid in step.zoning.left_out:
            code = step.zoning.left_out[cid]
        elif candidate:
            code, relax = step.engine.get(cid, (None, None))
        else:  # no merge candidate: why (too new, too large, no households...), as the engine says
            code = self._not_candidates(step.rules).get(cid)
        words = (None, None) if code is None else (reason_words(code, "en"), reason_words(code, "zh"))
        return cid, zid, role, candidate, code, words[0], words[1], relax

    def zone_of(self, community_id: str) -> str | None:
        """The zone a community is in (None: in no zone)."""
        self._check_known([community_id], "looking up a community")
        return self._zone_of().get(str(community_id))

    def community_details(self, community_id: str, *, lang: str = "en") -> dict:
        """Everything the page shows for one community.

        Returns
        -------
        dict
            ``community_id``; ``fields`` (its columns, JSON-able); ``zone_id``, ``role``,
            ``candidate``, ``reason_code``, ``reason`` (in ``lang``), ``relaxation``; ``zone``
            (:meth:`zone`, or None) and ``violations`` (:meth:`violations_of` its zone); and
            ``neighbours``: one dict per pair (nearest first) with the neighbour's
            ``community_id`` and ``zone_id``, ``gap_m``, ``shared_boundary_m``, ``may_merge``,
            ``cut_reason`` (None, ``barrier``, ``street``), ``barrier_kind``, ``barrier_name``
            and ``cut`` (the cut in words).
        """
        cid = str(community_id)
        self._check_known([cid], "community details")
        k = self._pos[cid]
        record = self._frame.iloc[k]
        fields = {col: _plain(record[col]) for col in self._frame.columns if col != self._frame.geometry.name}
        _, zid, role, candidate, code, en, zh, relax = self._place(cid)
        pairs = self._pairs(self.rules)
        rows = self._pair_rows(cid)
        may_merge = self.rules.pairs_may_merge(pairs["reason"].iloc[rows]).tolist() if rows else []
        neighbours = []
        for i, ok in zip(rows, may_merge):
            a, b = pairs["a"].iat[i], pairs["b"].iat[i]
            other = b if a == cid else a
            reason = pairs["reason"].iat[i]
            reason = None if pd.isna(reason) else str(reason)
            kind = _plain(pairs["barrier_kind"].iat[i]) if "barrier_kind" in pairs else None
            name = _plain(pairs["barrier_name"].iat[i]) if "barrier_name" in pairs else None
            neighbours.append({
                "community_id": other, "zone_id": self._zone_of().get(other),
                "gap_m": _plain(pairs["gap_m"].iat[i]),
                "shared_boundary_m": _plain(pairs["shared_boundary_m"].iat[i])
                if "shared_boundary_m" in pairs else None,
                "may_merge": ok,
                "cut_reason": reason, "barrier_kind": kind, "barrier_name": name,
                "cut": _cut_words(reason, kind, name, lang),
            })
        neighbours.sort(key=lambda n: (n["gap_m"] if n["gap_m"] is not None else math.inf, n["community_id"]))
        return {
            "community_id": cid, "fields": fields, "zone_id": zid, "role": role, "candidate": candidate,
            "reason_code": code, "reason": zh if lang == "zh" else en, "relaxation": relax,
            "zone": None if zid is None else self.zone(zid),
            "violations": [] if zid is None else self.violations_of(zid, lang=lang),
            "neighbours": neighbours,
        }

    def _pair_rows(self, cid: str) -> list[int]:
        """Row numbers of the pairs (under the current gap) that name ``cid``."""
        gap = float(self.rules.gap_m)
        if gap not in self._pair_index:
            pairs = self._pairs(self.rules)
            index: dict[str, list[int]] = {}
            for i, (a, b) in enumerate(zip(pairs["a"].astype(str), pairs["b"].astype(str))):
                index.setdefault(a, []).append(i)
                index.setdefault(b, []).append(i)
            self._pair_index[gap] = index
        return self._pair_index[gap].get(cid, [])

    def summary(self) -> dict:
        """Figures of the whole zoning for the page's header.

        Returns
        -------
        dict
            ``zones``, ``locked_zones``, ``communities_in_zones``, ``households_in_zones``,
            ``candidates``, ``candidates_placed``, ``candidates_left_out``, ``left_out_by_reason``
            (code -> count; ``unknown`` for candidates with no reason: the engine has not run on
            an empty first zoning), ``zones_breaking_rules`` and ``zones_kept_with_note`` (zone ids),
            ``violations`` (count, locked groups split included), ``edits`` (in the log).
        """
        step = self._step
        zoning = step.zoning
        rows = [self._figures(z).row for z in sorted(zoning.zones)]
        zone_of = self._zone_of()
        is_cand = self._context(step.rules).is_cand
        cand_ids = self._ids[is_cand]
        left = [c for c in cand_ids if c not in zone_of]
        codes = Counter(self._place(c)[4] or "unknown" for c in left)
        breaking = [z for z in sorted(zoning.zones) if self._figures(z).violations]
        extra = locked_split_violations(zone_of, self._overrides)
        return {
            "zones": len(rows),
            "locked_zones": len(zoning.locked),
            "communities_in_zones": int(sum(r["n_members"] for r in rows)),
            "households_in_zones": int(sum(r["households"] for r in rows)),
            "candidates": len(cand_ids),
            "candidates_placed": int(len(cand_ids) - len(left)),
            "candidates_left_out": len(left),
            "left_out_by_reason": dict(sorted(codes.items())),
            "zones_breaking_rules": breaking,
            "zones_kept_with_note": [z for z in breaking if zoning.notes.get(z)],
            "violations": int(sum(len(self._figures(z).violations) for z in zoning.zones) + len(extra)),
            "edits": len(self.log),
        }

    def select_in_polygon(self, polygon: shapely.Geometry | Mapping, *, crs: Any = 4326) -> list[str]:
        """Ids of the communities whose footprint's representative point lies in ``polygon``.

        Parameters
        ----------
        polygon
            A shapely polygon, or a GeoJSON geometry or Feature mapping (what a map's draw tool
            returns).
        crs
            The polygon's CRS: EPSG:4326 (lon/lat) by default; None for the communities' metric CRS.

        Returns
        -------
        list of str
            Sorted ids (points on the polygon's edge count as inside).

        Raises
        ------
        EditError
            ``polygon`` is no geometry (``bad_polygon``).
        """
        try:
            if isinstance(polygon, Mapping) and polygon.get("type") == "Feature":  # a draw tool's Feature
                polygon = polygon["geometry"]
            geom = polygon if isinstance(polygon, shapely.Geometry) else shapely.geometry.shape(polygon)
        except (KeyError, TypeError, ValueError, AttributeError, IndexError, shapely.errors.ShapelyError):
            raise EditError(f"the selection shape is not a polygon (got {_short(polygon)}): draw a polygon "
                            f"on the map", code="bad_polygon") from None
        if crs is not None:
            geom = gpd.GeoSeries([geom], crs=crs).to_crs(self.crs).iloc[0]
        if self._points is None:
            self._points = shapely.STRtree(shapely.point_on_surface(np.asarray(self._frame.geometry.array)))
        hits = self._points.query(geom, predicate="intersects")
        return sorted(self._ids[hits].tolist())

    # --- edits -----------------------------------------------------------------------------

    def move(self, community_ids: str | Iterable[str], to_zone_id: str) -> Zoning:
        """Move communities into an existing zone (from their zones or from none).

        A community not connected to the zone may be moved: the zone then lists the broken rule
        (``disconnected``). A zone emptied by the move disappears (with its note).

        Raises
        ------
        EditError, LockedZoneError
            Unknown community or zone; the target or a source zone is locked.
        """
        ids = self._selection(community_ids, "move")
        to_zone_id = self._require_zone(to_zone_id, unlocked=True)
        zone_of = self._zone_of()
        ids_moving = [c for c in ids if zone_of.get(c) != to_zone_id]
        self._require_unlocked({zone_of.get(c) for c in ids_moving} - {None})
        zones = self._without(ids_moving)
        zones[to_zone_id] = self.zoning.zones[to_zone_id] | set(ids_moving)
        moving = set(ids_moving)
        left_out = {c: r for c, r in self.zoning.left_out.items() if c not in moving}
        return self._commit("move", {"community_ids": ids, "to_zone_id": to_zone_id},
                            zones=zones, left_out=left_out)

    def take_out(self, community_ids: str | Iterable[str]) -> Zoning:
        """Take communities out of their zones (those in none are left as they are).

        Raises
        ------
        EditError, LockedZoneError
            Unknown community; a community in a locked zone.
        """
        ids = self._selection(community_ids, "take out")
        zone_of = self._zone_of()
        placed = [c for c in ids if c in zone_of]
        self._require_unlocked({zone_of[c] for c in placed})
        left_out = {**self.zoning.left_out, **{c: "taken_out" for c in placed}}
        return self._commit("take_out", {"community_ids": ids}, zones=self._without(placed), left_out=left_out)

    def new_zone(self, community_ids: str | Iterable[str]) -> str:
        """Start a new zone (``P001``...) with these communities, taken from their zones.

        Returns
        -------
        str
            The new zone's id.

        Raises
        ------
        EditError, LockedZoneError
            Unknown community; a community in a locked zone.
        """
        ids = self._selection(community_ids, "new zone")
        zone_of = self._zone_of()
        self._require_unlocked({zone_of.get(c) for c in ids} - {None})
        new_id = next_zone_id(self.zoning, used=self._step.used)
        zones = self._without(ids)
        zones[new_id] = frozenset(ids)
        chosen = set(ids)
        left_out = {c: r for c, r in self.zoning.left_out.items() if c not in chosen}
        self._commit("new_zone", {"community_ids": ids}, zones=zones, left_out=left_out)
        return new_id

    def merge_zones(self, zone_ids: Iterable[str]) -> Zoning:
        """Merge zones into the first one given (its id and note are kept; the others' notes go).

        Raises
        ------
        EditError, LockedZoneError
            Fewer than two zones, an unknown zone, or a locked one.
        """
        zone_ids = list(dict.fromkeys([zone_ids] if isinstance(zone_ids, str) else map(str, zone_ids)))
        if len(zone_ids) < 2:
            raise EditError(f"merging needs at least two zones, got {len(zone_ids)} ({', '.join(zone_ids)}): "
                            f"select another zone", code="too_few_zones", params={"zone_ids": zone_ids})
        for z in zone_ids:
            self._require_zone(z, unlocked=True)
        zones = dict(self.zoning.zones)
        zones[zone_ids[0]] = frozenset().union(*(zones.pop(z) for z in zone_ids))
        notes = {z: t for z, t in self.zoning.notes.items() if z not in set(zone_ids[1:])}
        return self._commit("merge_zones", {"zone_ids": zone_ids}, zones=zones, notes=notes)

    def split_zone(self, zone_id: str, community_ids: str | Iterable[str]) -> str:
        """Split a zone: these members become a new zone (``P001``...).

        Returns
        -------
        str
            The new zone's id.

        Raises
        ------
        EditError, LockedZoneError
            Unknown or locked zone; a community not in it; all its members or none.
        """
        zone_id = self._require_zone(zone_id, unlocked=True)
        ids = self._selection(community_ids, "split")
        members = self.zoning.zones[zone_id]
        outside = [c for c in ids if c not in members]
        if outside:
            raise EditError(f"{', '.join(outside[:10])} not in zone {zone_id}: a split takes only the zone's "
                            f"own members (move the others instead)",
                            code="not_in_zone", params={"zone_id": zone_id, "ids": outside})
        if len(ids) == len(members):
            raise EditError(f"splitting all members of {zone_id} off leaves it empty: select fewer members",
                            code="split_empties_zone", params={"zone_id": zone_id})
        new_id = next_zone_id(self.zoning, used=self._step.used)
        zones = dict(self.zoning.zones)
        zones[zone_id] = members - set(ids)
        zones[new_id] = frozenset(ids)
        self._commit("split_zone", {"zone_id": zone_id, "community_ids": ids}, zones=zones)
        return new_id

    def split_zone_auto(self, zone_id: str) -> list[str]:
        """Let the engine re-zone just this zone's members into the best feasible sub-zones.

        The engine's search (:mod:`geo.zoning.search`, exact for up to ``rules.exact_max_nodes``
        members) partitions the members under the rules; the sub-zone holding the smallest
        member id keeps ``zone_id`` (and its note), the others get new ``P`` ids, and members no
        feasible sub-zone can take are left out (``split_out``). Nothing changes (and nothing is
        recorded) when the best is the zone as it is.

        Returns
        -------
        list of str
            The ids of the zones its members are now in (empty when none was feasible).

        Raises
        ------
        EditError, LockedZoneError
            Unknown or locked zone.
        """
        zone_id = self._require_zone(zone_id, unlocked=True)
        members = self.zoning.zones[zone_id]
        parts = sorted((sorted(p) for p in _best_split(self._context(self.rules), sorted(members), self.rules,
                                                       self._overrides)), key=lambda p: p[0])
        if len(parts) == 1 and set(parts[0]) == members:
            self._last_touched = set()
            return [zone_id]
        zones = dict(self.zoning.zones)
        del zones[zone_id]
        ids: list[str] = []
        for k, part in enumerate(parts):
            zid = zone_id if k == 0 else next_zone_id(self.zoning, used=[*self._step.used, *ids])
            zones[zid] = frozenset(part)
            ids.append(zid)
        placed = {c for p in parts for c in p}
        left_out = {**self.zoning.left_out, **{c: "split_out" for c in sorted(members - placed)}}
        notes = dict(self.zoning.notes) if parts else {z: t for z, t in self.zoning.notes.items() if z != zone_id}
        self._commit("split_zone_auto", {"zone_id": zone_id}, zones=zones, left_out=left_out, notes=notes)
        return ids

    def dissolve(self, zone_id: str) -> Zoning:
        """Dissolve a zone: its members are in no zone (``taken_out``); its note goes.

        Raises
        ------
        EditError, LockedZoneError
            Unknown or locked zone.
        """
        zone_id = self._require_zone(zone_id, unlocked=True)
        zones = dict(self.zoning.zones)
        members = zones.pop(zone_id)
        left_out = {**self.zoning.left_out, **{c: "taken_out" for c in sorted(members)}}
        notes = {z: t for z, t in self.zoning.notes.items() if z != zone_id}
        return self._commit("dissolve", {"zone_id": zone_id}, zones=zones, left_out=left_out, notes=notes)

    def lock(self, zone_id: str, *, locked: bool = True) -> Zoning:
        """Lock a zone (no edit changes it, a re-run keeps it), or unlock it with ``locked=False``.

        Raises
        ------
        EditError
            Unknown zone.
        """
        zone_id = self._require_zone(zone_id)
        locked_ids = self.zoning.locked | {zone_id} if locked else self.zoning.locked - {zone_id}
        return self._commit("lock", {"zone_id": zone_id, "locked": bool(locked)}, locked=locked_ids)

    def note(self, zone_id: str, text: str) -> Zoning:
        """Note why a zone is kept (e.g. despite a broken rule); empty text removes the note.

        Allowed on locked zones (the note does not change the zone).

        Raises
        ------
        EditError
            Unknown zone.
        """
        zone_id = self._require_zone(zone_id)
        text = ("" if text is None else str(text)).strip()
        notes = {z: t for z, t in self.zoning.notes.items() if z != zone_id}
        if text:
            notes[zone_id] = text
        return self._commit("note", {"zone_id": zone_id, "text": text}, notes=notes)

    def rerun(self, *, rules: ZoneRules | None = None,
              progress: Callable[[int, int], None] | None = None) -> Zoning:
        """Re-propose zones for every community not in a locked zone; locked zones stay exactly.

        The engine (:func:`geo.zoning.zones.propose_zones`) runs with the locked zones as
        ``Overrides.fixed_zones`` and the session's forbidden pairs and locked groups. Zones that
        are not locked are replaced (their notes go); a new zone with the same members as a zone
        before keeps that zone's id, the others get ``Z`` ids never used in the session
        (:func:`stable_zone_ids`). The reasons of candidates left out are the engine's again, and
        ``rules`` (when given) are in force from now on. Undoable like any edit.

        Example
        -------
        >>> import geopandas as gpd
        >>> from shapely import box
        >>> homes = gpd.GeoDataFrame({"community_id": list("abcdef"), "households": [150] * 6,
        ...     "build_year": [1990] * 6, "status": ["candidate"] * 6},
        ...     geometry=[box(50 * k, 0, 50 * k + 50, 50) for k in range(6)], crs=4538)
        >>> session = EditSession.from_result(propose_zones(homes), homes)
        >>> session.zoning.assignment()
        {'a': 'Z0001', 'b': 'Z0001', 'c': 'Z0002', 'd': 'Z0002', 'e': 'Z0003', 'f': 'Z0003'}
        >>> _ = session.lock("Z0003")
        >>> _ = session.take_out("b")  # Z0001 is {a} now
        >>> session.rerun().assignment()  # Z0002 as it was keeps its id; {a, b} is new: a new id
        {'a': 'Z0004', 'b': 'Z0004', 'c': 'Z0002', 'd': 'Z0002', 'e': 'Z0003', 'f': 'Z0003'}
        """
        step = self._step
        rules = rules or step.rules
        zoning = step.zoning
        fixed = {z: tuple(sorted(zoning.zones[z])) for z in sorted(zoning.locked) if z in zoning.zones}
        overrides = Overrides(locked_together=self._overrides.locked_together,
                              forbidden_pairs=self._overrides.forbidden_pairs, fixed_zones=fixed)
        result = propose_zones(self._frame, pairs=self._pairs(rules), barriers=self._barriers, rules=rules,
                               overrides=overrides, progress=progress)
        engine = Zoning.from_assignment(result.assignment()).zones
        ids = stable_zone_ids(engine, previous={z: ms for z, ms in zoning.zones.items() if z not in fixed},
                              used=step.used, keep=fixed)
        new = Zoning({ids[z]: ms for z, ms in engine.items()}, locked=zoning.locked,
                     notes={z: t for z, t in zoning.notes.items() if z in fixed})
        self._seed(result, new, rules, ids)
        return self._commit("rerun", {"rules": dataclasses.asdict(rules)}, zoning=new, rules=rules,
                            engine=_engine_reasons(result.assignments), force=True)

    def _seed(self, result: ZoningResult, zoning: Zoning, rules: ZoneRules, ids: Mapping[str, str]) -> None:
        """Cache the engine's figures of its rule-abiding zones (the same as scoring them again),
        under the session's ids (``ids``: engine id -> id)."""
        broken = {ids.get(z, z) for z in result.violations["zone_id"].dropna()}
        records = result.zones.drop(columns=result.zones.geometry.name).to_dict("records")
        for record, outline in zip(records, result.zones.geometry.array):
            zid = ids.get(record["zone_id"], record["zone_id"])
            if zid in broken or zid in zoning.locked or zid not in zoning.zones:
                continue
            row = {key: _plain(value) if key != "members" else list(value) for key, value in record.items()}
            row["zone_id"] = zid
            for key in ("households", "n_members", "build_year_min", "build_year_max"):
                row[key] = None if row[key] is None else int(row[key])
            self._cache.setdefault((rules, zid, zoning.zones[zid]), ZoneFigures(zid, row, outline, ()))

    def apply(self, entry: Mapping) -> Any:
        """Make one logged edit again (``{"op", "args"}`` as in :attr:`log`); returns what the op returns."""
        allowed = ["dissolve", "lock", "merge_zones", "move", "new_zone", "note", "rerun", "split_zone",
                   "split_zone_auto", "take_out"]
        try:
            op, args = entry["op"], dict(entry.get("args") or {})
        except (KeyError, TypeError, ValueError, AttributeError):
            raise EditError(f"a log entry must be {{'op': ..., 'args': {{...}}}}, got {_short(entry)}: "
                            f"the saved log is damaged", code="bad_log_entry",
                            params={"entry": _short(entry)}) from None
        if op not in allowed:
            raise EditError(f"unknown edit '{op}' in the log: expected one of {', '.join(allowed)}",
                            code="unknown_edit", params={"op": str(op), "allowed": allowed})
        try:
            if op == "rerun":
                args["rules"] = ZoneRules(**args["rules"]) if args.get("rules") is not None else None
            call = getattr(self, op)
            inspect.signature(call).bind(**args)
        except (TypeError, ValueError) as exc:
            raise EditError(f"the logged edit '{op}' has arguments it cannot take ({exc}): the saved log is "
                            f"damaged", code="bad_log_entry", params={"entry": _short(entry)}) from None
        return call(**args)

    def replay(self, log: Iterable[Mapping]) -> Zoning:
        """Make every logged edit again, in order (a saved proposal re-opened); returns the zoning."""
        for entry in log:
            self.apply(entry)
        return self.zoning

    # --- helpers ---------------------------------------------------------------------------

    def _check_known(self, ids: Iterable[str], what: str) -> None:
        unknown = sorted({str(c) for c in ids if str(c) not in self._pos})
        if unknown:
            raise EditError(f"{what}: {len(unknown)} communities are not in the layer "
                            f"({', '.join(unknown[:10])}): pick communities on the map",
                            code="unknown_communities", params={"ids": unknown})

    def _selection(self, community_ids: str | Iterable[str], what: str) -> list[str]:
        ids = _ids_arg(community_ids)
        if not ids:
            raise EditError(f"{what}: no community selected: click one or draw a polygon around some",
                            code="no_selection")
        self._check_known(ids, what)
        return ids

    def _require_zone(self, zone_id: str, *, unlocked: bool = False) -> str:
        zone_id = str(zone_id)
        if zone_id not in self.zoning.zones:
            raise EditError(f"there is no zone {zone_id}: pick one of the {len(self.zoning.zones)} zones on the "
                            f"map, or start a new zone", code="unknown_zone", params={"zone_id": zone_id})
        if unlocked:
            self._require_unlocked({zone_id})
        return zone_id

    def _require_unlocked(self, zone_ids: set[str]) -> None:
        locked = sorted(set(zone_ids) & self.zoning.locked)
        if locked:
            raise LockedZoneError(f"zone {', '.join(locked)} is locked: unlock it first, then edit it",
                                  code="zone_locked", params={"zones": locked})

    def _without(self, ids: Iterable[str]) -> dict[str, frozenset[str]]:
        """The current zones with ``ids`` removed (zones left empty are dropped)."""
        zones = dict(self.zoning.zones)
        zone_of = self._zone_of()
        by_zone: dict[str, set[str]] = {}
        for c in ids:
            if c in zone_of:
                by_zone.setdefault(zone_of[c], set()).add(c)
        for z, gone in by_zone.items():
            rest = zones[z] - gone
            if rest:
                zones[z] = rest
            else:
                del zones[z]
        return zones

    def _commit(self, op: str, args: dict, *, zones: Mapping | None = None, locked: frozenset | None = None,
                notes: Mapping | None = None, left_out: Mapping | None = None, zoning: Zoning | None = None,
                rules: ZoneRules | None = None, engine: Mapping | None = None, force: bool = False) -> Zoning:
        """Record a new state (unless nothing changed), score the zones it touched, return it."""
        step = self._step
        old = step.zoning
        if zoning is None:
            zones = old.zones if zones is None else zones
            notes = old.notes if notes is None else notes
            notes = {z: t for z, t in notes.items() if z in zones}
            locked_ids = old.locked if locked is None else locked
            zoning = Zoning._of(zones, frozenset(z for z in locked_ids if z in zones), notes,
                                old.left_out if left_out is None else left_out)
        rules = rules or step.rules
        if not force and zoning == old and rules == step.rules:
            self._last_touched = set()
            return old
        entry = {"op": op, "args": _plain_args(args), "time": self._clock()}
        new_step = _Step(zoning, rules, step.engine if engine is None else engine,
                         step.used | frozenset(zoning.zones), entry)
        del self._history[self._cursor + 1:]
        self._history.append(new_step)
        if len(self._history) > self._max_undo + 1:
            dropped = self._history[1:len(self._history) - self._max_undo]
            self._dropped_log.extend(dict(s.entry) for s in dropped)
            self._history = [dropped[-1], *self._history[len(self._history) - self._max_undo:]]
        self._cursor = len(self._history) - 1
        self._view = {}
        self._last_touched = changed_zones(old, zoning) if rules == step.rules else set(old.zones) | set(zoning.zones)
        self._ensure_figures(new_step)
        return zoning


def _short(value: Any) -> str:
    """A value as the start of its repr (for a message naming bad input)."""
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _plain_args(args: dict) -> dict:
    return {k: (list(v) if isinstance(v, (list, tuple)) else v) for k, v in args.items()}


def _cut_words(reason: str | None, kind: str | None, name: str | None, lang: str) -> str | None:
    """Why a pair may not merge, in words."""
    if reason is None:
        return None
    if reason == "barrier":
        what = choice_label(kind, lang) if kind else ("分隔要素" if lang == "zh" else "barrier")
        where = f"（{name}）" if (name and lang == "zh") else (f" ({name})" if name else "")
        return f"被{what}{where}隔开" if lang == "zh" else f"across the {what}{where}"
    zh, en = _CUT_WORDS.get(reason, (reason, reason))
    return zh if lang == "zh" else en


def _best_split(ctx: ScoringContext, members: list[str], rules: ZoneRules, overrides: Overrides) -> list[set[str]]:
    """The engine's best zones made of ``members`` only (each community a node, as in
    :func:`geo.zoning.zones.propose_zones`: candidates and possible anchors; two anchors never adjacent)."""
    pos = ctx.pos
    hh = np.where(np.isfinite(ctx.hh), ctx.hh, -1).astype(int)
    anchor_ok = rules.may_anchor(hh, ctx.is_cand)
    pool = [c for c in members if ctx.is_cand[pos[c]] or anchor_ok[pos[c]]]
    if len(pool) < 2:
        return []
    inside = set(pool)
    graph = nx.Graph()
    graph.add_nodes_from(pool)
    for c in pool:
        for link in ctx.links_of[pos[c]]:
            a, b = ctx.ids[ctx.pair_a[link]], ctx.ids[ctx.pair_b[link]]
            if a in inside and b in inside and (ctx.is_cand[pos[a]] or ctx.is_cand[pos[b]]):
                graph.add_edge(a, b)
    forbidden = {frozenset(p) for p in overrides.forbidden_pairs if set(p) <= inside}
    columns = (hh.tolist(), ctx.years.tolist(), ctx.areas.tolist(), ctx.is_cand.tolist())
    problem = build_problem(pool, {c: [c] for c in pool}, graph, forbidden, pos, columns, ctx.points, rules)
    zones = solve(problem, seed=rules.seed, exact_max_nodes=rules.exact_max_nodes)
    return [{pool[k] for k in zone} for zone in zones]


# re-exported for the page: the words of a broken rule
__all__ = ["EDIT_REASONS", "ENGINE_PREFIX", "PLANNER_PREFIX", "RULE_TEXT", "EditError", "EditSession",
           "LockedZoneError", "Zoning", "changed_zones", "next_zone_id", "reason_words", "rule_text",
           "stable_zone_ids"]
