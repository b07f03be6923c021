"""Consolidated property-management zones: merge small, adjacent old communities.

Policy (DOMAIN.md; Changji 一(二)1, 三(六)) asks that adjacent or nearby small, scattered
communities be merged into one property-management area, optionally taken in by a larger
neighbour ("one property company takes the scattered buildings next door"), without crossing
arterial roads, rivers or railways. :func:`propose_zones` does that under explicit rules,
:func:`geo.zoning.score.score_zoning` measures any zoning (a proposal or a planner's edit) with the
same figures and lists every rule it breaks, and every candidate left out gets a reason
(:func:`explain_zoning` gives the same reasons for any zoning: a saved proposal, a planner's edit).

Rules (:class:`geo.zoning.rules.ZoneRules`; defaults and their sources in :mod:`geo.policy`;
the may-merge rule itself in :mod:`geo.zoning.rules`):

* candidates: communities of at most ``small_max_households`` households, built up to
  ``cutoff_year`` and not yet renovated (``eligible_only``; :func:`geo.zoning.eligibility.merge_candidates`);
* a zone's households within [``min_households``, ``max_households``]: about the smallest area
  a property company can run on old-community fees, and a large compound's size;
* at most ``max_members`` communities, spanning at most ``max_span_m`` (a 10-minute walk,
  GB 50180-2018);
* members connected through uncut neighbour pairs (:mod:`geo.zoning.adjacency`, ``gap_m`` 15 m), one
  street unless ``same_street`` is off, at most one anchor (a larger neighbour: not a candidate,
  more than ``small_max_households`` households, at most ``max_households``);
* planner overrides (:class:`Overrides`): communities locked together, pairs forbidden, zones
  fixed as they are.

Objective, in order: no zone breaks a hard rule; as few candidates left out as possible; compact
zones (least *hull slack*: a zone's convex-hull area minus its members' footprints); similar
build years; then more zones (max-p's rule). Deterministic for a seed, independent of row order.

Example
-------
>>> import geopandas as gpd
>>> from shapely import box
>>> homes = gpd.GeoDataFrame({"community_id": ["a", "b", "c"], "households": [120, 90, 150],
...     "build_year": [1982, 1988, 1995], "street": ["宁边路街道"] * 3, "status": ["candidate"] * 3},
...     geometry=[box(0, 0, 40, 60), box(48, 0, 90, 60), box(300, 0, 340, 60)], crs=4538)
>>> result = propose_zones(homes)
>>> result.assignment()
{}
>>> result.assignments[["community_id", "reason_code"]].values.tolist()
[['a', 'group_too_small'], ['b', 'group_too_small'], ['c', 'isolated']]
>>> propose_zones(homes, rules=ZoneRules(min_households=200)).assignment()
{'a': 'Z0001', 'b': 'Z0001'}
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo import policy
from geo.errors import SchemaError
from geo.zoning.adjacency import community_pairs, require_metric
from geo.zoning.eligibility import eligibility_reasons, merge_candidates
from geo.zoning.rules import Overrides, ZoneRules
from geo.zoning.score import ZoningScore, outlines_drawn, score_zoning_deferred
from geo.zoning.search import Problem, hull_points, solve_all, span_of

#: Re-exported: the rules live in :mod:`geo.zoning.rules`, the merge candidates in
#: :mod:`geo.zoning.eligibility`; callers may import them from here as before.
__all__ = ["NOT_CANDIDATE_REASONS", "REASONS", "Overrides", "ZoneRules", "ZoningResult", "build_problem",
           "explain_zoning", "merge_candidates", "not_candidate_reasons", "propose_zones", "reason_text",
           "with_rules"]


#: Reason codes of a candidate left without a zone, with the words a planner reads.
REASONS: dict[str, tuple[str, str]] = {
    "isolated": ("与其他小区距离均超过合并距离", "no other community within the merge distance"),
    "barrier_only": ("相邻小区均被主干路、河流或铁路隔开", "its only neighbours are across a barrier"),
    "street_boundary": ("相邻小区均属其他街道", "its only neighbours are in another street"),
    "group_too_small": ("所在相连片区户数达不到下限", "its connected group cannot reach the minimum households"),
    "max_households": ("并入后将超过户数上限", "every zone it could join would exceed the maximum households"),
    "max_span": ("并入后片区跨度将超过上限", "every zone it could join would exceed the maximum span"),
    "max_members": ("并入后小区数将超过上限", "every zone it could join would exceed the maximum members"),
    "forbidden": ("规划人员禁止与相邻小区合并", "a planner forbade merging it with its neighbours"),
    "not_placed": ("相邻小区已编入其他片区，无法再调整", "its neighbours are already in zones that cannot take it or spare a member"),
    "fixed": ("属于锁定片区", "in a zone fixed by a planner"),
}

#: Why a community is no merge candidate (:func:`not_candidate_reasons`), in the order they are
#: tested: the codes of :data:`geo.policy.ELIGIBILITY_REASONS` of a community the programme leaves
#: out (when ``ZoneRules.eligible_only``), then its households. Generic words; the assignments table
#: words each row with its figures ("not a candidate: 1,240 households > 300").
NOT_CANDIDATE_REASONS: dict[str, tuple[str, str]] = {
    "too_new": ("不是合并候选：建成年代晚于截止年份", "not a candidate: built after the cut-off year"),
    "unknown_year": ("不是合并候选：建成年代不详", "not a candidate: build year unknown"),
    "completed": ("不是合并候选：已完成改造", "not a candidate: renovation completed"),
    "no_households": ("不是合并候选：户数不详", "not a candidate: no households figure"),
    "too_large": ("不是合并候选：户数超过合并候选上限", "not a candidate: more households than the candidate limit"),
}
REASONS.update(NOT_CANDIDATE_REASONS)


def reason_text(code: str, lang: str = "en") -> str:
    """The planner's words for a reason code."""
    zh, en = REASONS[code]
    return zh if lang == "zh" else en


def not_candidate_reasons(communities: pd.DataFrame, rules: ZoneRules) -> pd.DataFrame:
    """Why each community that is no merge candidate is none, with its figures (index aligned).

    The rule is :func:`geo.zoning.eligibility.merge_candidates`; the first that applies is given:
    out of the programme by :func:`geo.zoning.eligibility.eligibility_reasons` (``too_new``,
    ``unknown_year``, ``completed``; only when ``rules.eligible_only``), no households figure
    (``no_households``), more households than ``rules.small_max_households`` (``too_large``).
    Candidates have None.

    Returns
    -------
    DataFrame
        ``reason_code``, ``reason`` (en) and ``reason_zh``, the words of
        :data:`NOT_CANDIDATE_REASONS` with the community's figures.

    Example
    -------
    >>> frame = pd.DataFrame({"households": [120, 1240, None, 80], "build_year": [1988, 1990, 1990, 2008],
    ...                       "status": ["candidate"] * 4})
    >>> not_candidate_reasons(frame, ZoneRules())[["reason_code", "reason"]].values.tolist()
    [[None, None], ['too_large', 'not a candidate: 1,240 households > 300'], ['no_households', 'not a candidate: no households figure'], ['too_new', 'not a candidate: built 2008, after 2000']]
    >>> not_candidate_reasons(frame, ZoneRules())["reason_zh"].tolist()[1]
    '不是合并候选：1,240户，超过合并候选上限300户'
    """
    index = communities.index
    candidate = merge_candidates(communities, rules).to_numpy(bool)
    hh = (pd.to_numeric(communities["households"], errors="coerce").astype(float) if "households" in communities
          else pd.Series(np.nan, index=index)).to_numpy()
    year = (pd.to_numeric(communities["build_year"], errors="coerce").astype(float) if "build_year" in communities
            else pd.Series(np.nan, index=index)).to_numpy()
    scope = (eligibility_reasons(communities, cutoff_year=rules.cutoff_year).to_numpy(dtype=object)
             if rules.eligible_only else np.full(len(index), "eligible", dtype=object))
    limit = rules.small_max_households
    codes, en, zh = [], [], []
    for k in range(len(index)):
        code = None
        if candidate[k]:
            pass
        elif scope[k] not in policy.NOT_YET_RENOVATED:
            code = str(scope[k])
        elif not math.isfinite(hh[k]):
            code = "no_households"
        else:
            code = "too_large"
        codes.append(code)
        words = _not_candidate_words(code, hh[k], year[k], limit, rules.cutoff_year)
        en.append(words[1])
        zh.append(words[0])
    return pd.DataFrame({"reason_code": codes, "reason": en, "reason_zh": zh}, index=index, dtype=object)


def _not_candidate_words(code: str | None, hh: float, year: float, limit: int, cutoff: int
                         ) -> tuple[str | None, str | None]:
    """(zh, en) words of a not-a-candidate reason with the community's figures."""
    if code is None:
        return None, None
    if code == "too_large":
        return (f"不是合并候选：{hh:,.0f}户，超过合并候选上限{limit:,}户",
                f"not a candidate: {hh:,.0f} households > {limit:,}")
    if code == "too_new" and math.isfinite(year):
        return (f"不是合并候选：建成于{year:.0f}年，晚于{cutoff}年", f"not a candidate: built {year:.0f}, after {cutoff}")
    return NOT_CANDIDATE_REASONS[code]


@dataclass
class ZoningResult:
    """Proposed zones, every community's place, and the score of the whole.

    Attributes
    ----------
    zones
        One row per zone (see :func:`geo.zoning.score.score_zoning`), outline geometry. The
        outlines, the costliest figure, are drawn when ``zones`` is first read (then kept): a
        caller that needs only the assignment, the reasons or :meth:`summary` does not pay for
        them, and what is read is the same as when they were drawn at once.
    assignments
        One row per community: ``community_id``, ``zone_id`` (None when unplaced), ``role``
        (member / anchor / None), ``candidate``, ``reason_code``, ``reason`` (en), ``reason_zh``,
        ``relaxation``. Every community out of every zone has a reason: a candidate why it is left
        out (:data:`REASONS`), any other why it is no candidate (:func:`not_candidate_reasons`).
    violations
        Every rule a zone breaks (empty for a proposal: fixed zones may break rules).
    rules, seconds
        The rules used and the time :func:`propose_zones` took (outlines not drawn yet).
    """

    zones: gpd.GeoDataFrame
    assignments: pd.DataFrame
    violations: pd.DataFrame
    rules: ZoneRules
    seconds: float = 0.0

    def _zone_table(self) -> pd.DataFrame:
        """The zones' figures, without drawing the outlines when they are not drawn yet."""
        zones = self.__dict__["_zones"]
        return zones.table if isinstance(zones, _DeferredOutlines) else zones

    def __getstate__(self) -> dict:  # a pickle or a deep copy holds the drawn outlines
        self.zones  # noqa: B018 - draws them
        return dict(self.__dict__)

    def summary(self) -> dict:
        """Zones, candidates placed and left out by reason, households covered, time."""
        cand = self.assignments[self.assignments["candidate"]]
        placed = cand["zone_id"].notna()
        table = self._zone_table()
        return {
            "zones": len(table),
            "candidates": int(len(cand)),
            "placed": int(placed.sum()),
            "left_out": int((~placed).sum()),
            "left_out_by_reason": cand.loc[~placed, "reason_code"].value_counts().to_dict(),
            "households_in_zones": int(table["households"].sum()) if len(table) else 0,
            "violations": int(len(self.violations)),
            "seconds": round(self.seconds, 2),
        }

    def assignment(self) -> dict[str, str]:
        """community id -> zone id for every placed community."""
        placed = self.assignments.dropna(subset=["zone_id"])
        return dict(zip(placed["community_id"], placed["zone_id"]))


@dataclass(frozen=True)
class _DeferredOutlines:
    """Zones whose figures are known and whose outlines are drawn when first asked for."""

    score: ZoningScore  # geometry None
    draw: Callable[[], list]

    @property
    def table(self) -> gpd.GeoDataFrame:
        return self.score.zones

    def drawn(self) -> gpd.GeoDataFrame:
        return outlines_drawn(self.score, self.draw()).zones


def _get_zones(self: ZoningResult) -> gpd.GeoDataFrame:
    zones = self.__dict__["_zones"]
    if isinstance(zones, _DeferredOutlines):
        zones = self.__dict__["_zones"] = zones.drawn()
    return zones


def _set_zones(self: ZoningResult, value) -> None:
    self.__dict__["_zones"] = value


ZoningResult.zones = property(_get_zones, _set_zones, doc="One row per zone, outline geometry.")


# --- building the search problems ------------------------------------------------------------


class _UnionFind:
    def __init__(self, items: Iterable[str]):
        self.parent = {i: i for i in items}

    def find(self, x: str) -> str:
        root = x
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[x] != root:
            self.parent[x], x = root, self.parent[x]
        return root

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            if rb < ra:
                ra, rb = rb, ra
            self.parent[rb] = ra


class _Graph:
    """Undirected graph as dicts of neighbours (what :func:`propose_zones` needs of networkx:
    ``neighbors`` in the order edges were added, components; a fraction of its cost)."""

    def __init__(self, nodes: Iterable[str]):
        self.adj: dict[str, dict[str, None]] = {n: {} for n in nodes}
        self._component: dict[str, set[str]] | None = None

    def add_edge(self, a: str, b: str) -> None:
        if b not in self.adj[a]:
            self.adj[a][b] = None
            self.adj[b][a] = None
            self._component = None

    def neighbors(self, node: str):
        return iter(self.adj[node])

    def components(self) -> list[set[str]]:
        """Connected components (each a set of nodes), also kept for :meth:`component`."""
        seen: dict[str, set[str]] = {}
        out = []
        for start in self.adj:
            if start in seen:
                continue
            comp = {start}
            stack = [start]
            while stack:
                for w in self.adj[stack.pop()]:
                    if w not in comp:
                        comp.add(w)
                        stack.append(w)
            for n in comp:
                seen[n] = comp
            out.append(comp)
        self._component = seen
        return out

    def component(self, node: str) -> set[str]:
        """The connected component holding ``node``."""
        if self._component is None:
            self.components()
        return self._component[node]


def _usable_edges(pairs: pd.DataFrame, rules: ZoneRules) -> pd.DataFrame:
    """Pairs that may join a zone: not cut by a barrier, and not by a street when streets count."""
    return pairs.loc[rules.pairs_may_merge(pairs["reason"]), ["a", "b"]]


def propose_zones(
    communities: gpd.GeoDataFrame,
    *,
    pairs: gpd.GeoDataFrame | None = None,
    barriers: gpd.GeoDataFrame | None = None,
    rules: ZoneRules | None = None,
    overrides: Overrides | None = None,
    progress=None,
    workers: int | None = None,
) -> ZoningResult:
    """Propose consolidated management zones for the small old communities.

    Parameters
    ----------
    communities
        The communities layer in a metric CRS (as :func:`geo.io.load.load_layer` returns it).
    pairs
        Neighbour pairs from :func:`geo.zoning.adjacency.community_pairs`; computed here (with
        ``rules.gap_m`` and ``barriers``) when not given.
    barriers
        Arterial roads, rivers, railways, used when ``pairs`` is computed here and for outlines.
    rules, overrides
        See :class:`ZoneRules` and :class:`Overrides`.
    progress
        Optional callable ``progress(done, total)`` called as groups are solved.
    workers
        Processes to solve groups in (default: every CPU for 5,000 groups or more, else one);
        the result is the same whatever the number.

    Returns
    -------
    ZoningResult

    Raises
    ------
    CRSError, SchemaError
        Communities in degrees, or without ids/households.
    """
    import time

    start = time.perf_counter()
    rules = rules or ZoneRules()
    overrides = overrides or Overrides()
    _require_zoneable(communities)
    if pairs is None:
        pairs = community_pairs(communities, gap_m=rules.gap_m, barriers=barriers,
                                respect_streets=rules.same_street)
    layer = _Layer.of(communities, rules)
    pool = _Pool.of(layer, pairs, rules, overrides)
    pos, hh, is_cand, node_members = layer.pos, layer.hh, layer.is_cand, pool.node_members

    components = [sorted(c) for c in pool.graph.components()]
    components = [c for c in components if any(is_cand[pos[m]] for n in c for m in node_members[n])]
    components.sort(key=lambda c: c[0])
    columns = (hh.tolist(), layer.years.tolist(), layer.areas.tolist(), is_cand.tolist())
    problems = [(comp, build_problem(comp, node_members, pool.graph, pool.forbidden, pos, columns, layer.points,
                                rules)) for comp in components if len(comp) >= 2]
    solutions = solve_all([p for _, p in problems], seed=rules.seed, exact_max_nodes=rules.exact_max_nodes,
                          workers=workers, progress=progress)
    zones_found: list[list[str]] = []
    for (comp, _), zones in zip(problems, solutions):
        for zone in zones:
            zones_found.append(sorted(m for k in zone for m in node_members[comp[k]]))
    zones_found.sort()
    assignment: dict[str, str] = {}
    taken = {str(zid) for zid in overrides.fixed_zones}  # a fixed zone keeps its id: number around it
    serial = 0
    for members in zones_found:
        serial += 1
        while f"Z{serial:04d}" in taken:
            serial += 1
        for m in members:
            assignment[m] = f"Z{serial:04d}"
    for zid, members in sorted(overrides.fixed_zones.items()):
        for m in members:
            assignment[m] = str(zid)

    score, draw = score_zoning_deferred(layer.frame, assignment, pairs=pairs, barriers=barriers, rules=rules,
                                        candidates=pd.Series(is_cand, index=layer.frame["community_id"]),
                                        overrides=overrides)
    assignments = _assignments(layer, pool, assignment, _anchors(score), pairs, rules, overrides)
    return ZoningResult(_DeferredOutlines(score, draw), assignments, score.violations, rules,
                        seconds=time.perf_counter() - start)


def explain_zoning(
    communities: gpd.GeoDataFrame,
    assignment: Mapping[str, str | None],
    *,
    pairs: gpd.GeoDataFrame | None = None,
    barriers: gpd.GeoDataFrame | None = None,
    rules: ZoneRules | None = None,
    overrides: Overrides | None = None,
) -> pd.DataFrame:
    """Every community's place in a given zoning, and why each candidate out of every zone is out.

    The same table as :attr:`ZoningResult.assignments`, by the engine's own rules, for any zoning
    (a saved proposal re-opened, a planner's edit): for the engine's proposal it is the proposal's
    own table. The reasons are those the engine gives with this zoning as its answer: what stops
    each candidate left out from joining a neighbouring zone or making one of its own.

    Parameters
    ----------
    communities
        The communities layer in a metric CRS, with ``community_id`` and ``households``.
    assignment
        community id -> zone id; communities not in it (or with None) are in no zone.
    pairs
        Neighbour pairs (:func:`geo.zoning.adjacency.community_pairs`), the zoning's own; computed here
        (with ``rules.gap_m`` and ``barriers``) when not given.
    barriers
        Arterial roads, rivers, railways, used when ``pairs`` is computed here.
    rules, overrides
        See :class:`ZoneRules` and :class:`Overrides`; members of ``overrides.fixed_zones`` are
        ``fixed`` and no candidate can join them, as in :func:`propose_zones`.

    Returns
    -------
    pandas.DataFrame
        One row per community (by id): ``community_id``, ``zone_id``, ``role``, ``candidate``,
        ``reason_code``, ``reason``, ``relaxation``.

    Raises
    ------
    CRSError, SchemaError
        Communities in degrees or without ids/households; an assignment or overrides naming
        communities that are not in the layer.

    Example
    -------
    >>> import geopandas as gpd
    >>> from shapely import box
    >>> homes = gpd.GeoDataFrame({"community_id": ["a", "b", "c"], "households": [150, 160, 140],
    ...     "build_year": [1985, 1988, 1990], "street": ["s"] * 3, "status": ["candidate"] * 3},
    ...     geometry=[box(0, 0, 50, 50), box(50, 0, 100, 50), box(100, 0, 150, 50)], crs=4538)
    >>> table = explain_zoning(homes, {"a": "Z0001", "b": "Z0001"}, rules=ZoneRules(max_households=400))
    >>> table[["community_id", "zone_id", "reason_code"]].values.tolist()
    [['a', 'Z0001', None], ['b', 'Z0001', None], ['c', None, 'max_households']]
    >>> table["relaxation"].iloc[2]
    'max_households >= 450 would let a neighbouring zone take it'
    """
    rules = rules or ZoneRules()
    overrides = overrides or Overrides()
    _require_zoneable(communities)
    if pairs is None:
        pairs = community_pairs(communities, gap_m=rules.gap_m, barriers=barriers,
                                respect_streets=rules.same_street)
    layer = _Layer.of(communities, rules)
    zoned = {str(c): str(z) for c, z in assignment.items()
             if z is not None and not (isinstance(z, float) and math.isnan(z))}
    unknown = sorted(set(zoned) - set(layer.pos))
    if unknown:
        raise SchemaError(f"the zoning names {len(unknown)} communities that are not in the layer "
                          f"({', '.join(unknown[:10])}): explain a zoning of this layer",
                          code="zoning_unknown_communities", params={"count": len(unknown), "ids": unknown[:10]})
    pool = _Pool.of(layer, pairs, rules, overrides)
    score, _ = score_zoning_deferred(layer.frame, zoned, pairs=pairs, rules=rules,
                                     candidates=pd.Series(layer.is_cand, index=layer.frame["community_id"]),
                                     overrides=overrides)
    return _assignments(layer, pool, zoned, _anchors(score), pairs, rules, overrides)


def _require_zoneable(communities: gpd.GeoDataFrame) -> None:
    require_metric(communities, "communities")
    for column in ("community_id", "households"):
        if column not in communities.columns:
            raise SchemaError(f"communities need a '{column}' column to be zoned", code="columns_needed",
                                  params={"kind": "communities", "missing": [column]})


def _anchors(score: ZoningScore) -> set[str]:
    """The anchors of a scored zoning (each zone's only member that is no candidate)."""
    return set(score.zones["anchor_id"].dropna()) if len(score.zones) else set()


@dataclass(frozen=True)
class _Layer:
    """The communities by id (sorted) and what the engine reads of each, by position."""

    frame: gpd.GeoDataFrame
    ids: list[str]
    pos: dict[str, int]
    is_cand: np.ndarray
    hh: np.ndarray
    years: np.ndarray
    areas: np.ndarray
    points: list

    @classmethod
    def of(cls, communities: gpd.GeoDataFrame, rules: ZoneRules) -> _Layer:
        frame = communities.copy()
        frame["community_id"] = frame["community_id"].astype(str)
        frame = frame.sort_values("community_id", kind="stable").reset_index(drop=True)
        ids = frame["community_id"].tolist()
        years = pd.to_numeric(frame["build_year"], errors="coerce").to_numpy(dtype=float) \
            if "build_year" in frame else np.full(len(frame), np.nan)
        geoms = np.asarray(frame.geometry.array, dtype=object)
        hh = pd.to_numeric(frame["households"], errors="coerce").fillna(-1).astype(int).to_numpy()
        return cls(frame, ids, {cid: k for k, cid in enumerate(ids)}, merge_candidates(frame, rules).to_numpy(),
                   hh, years, shapely.area(geoms), hull_points(geoms))


@dataclass(frozen=True)
class _Pool:
    """The engine's graph: the communities that may be zoned (candidates and possible anchors,
    locked groups contracted into one node, fixed zones' members left out) and the usable pairs
    between them (never two anchors)."""

    graph: _Graph
    node_of: dict[str, str]
    node_members: dict[str, list[str]]
    forbidden: set[frozenset]

    @classmethod
    def of(cls, layer: _Layer, pairs: pd.DataFrame, rules: ZoneRules, overrides: Overrides) -> _Pool:
        ids, pos, is_cand, hh = layer.ids, layer.pos, layer.is_cand, layer.hh
        fixed_members = {cid for members in overrides.fixed_zones.values() for cid in members}
        unknown = sorted({*fixed_members, *(c for g in overrides.locked_together for c in g),
                          *(c for p in overrides.forbidden_pairs for c in p)} - set(pos))
        if unknown:
            raise SchemaError(f"overrides name communities that are not in the layer: "
                              f"{', '.join(unknown[:10])}", code="unknown_communities", params={"ids": unknown[:10]})

        edges = _usable_edges(pairs, rules)
        index = pd.Index(ids, dtype=object)
        ea, eb = (edges[c].to_numpy(dtype=object) for c in ("a", "b"))
        if len(pos) == len(ids):  # unique ids (the usual case): one vectorised lookup
            known = (index.get_indexer(ea) >= 0) & (index.get_indexer(eb) >= 0)
        else:
            known = np.array([a in pos and b in pos for a, b in zip(ea, eb)], dtype=bool)
        ea, eb = ea[known].tolist(), eb[known].tolist()
        # nodes: candidates and (when allowed) anchors; locked groups contracted into one node
        # an anchor is a larger neighbour that takes small ones in: more than small, at most a zone
        anchor_ok = rules.may_anchor(hh, is_cand)
        in_pool = (is_cand | anchor_ok) & ~np.isin(np.asarray(ids, dtype=object), list(fixed_members))
        uf = _UnionFind(ids)
        for group in overrides.locked_together:
            group = sorted(group)
            for other in group[1:]:
                uf.union(group[0], other)
        for group in overrides.locked_together:  # a locked group is in the pool when any member is
            if any(in_pool[pos[c]] or is_cand[pos[c]] for c in group) and not (set(group) & fixed_members):
                for c in group:
                    in_pool[pos[c]] = True
        node_of = {cid: uf.find(cid) for cid, keep in zip(ids, in_pool.tolist()) if keep}
        node_members: dict[str, list[str]] = {}
        for cid, root in node_of.items():
            node_members.setdefault(root, []).append(cid)

        # the graph: neighbours in the order their first pair comes (as networkx keeps them)
        node_anchor = {n: any(not is_cand[pos[c]] for c in ms) for n, ms in node_members.items()}
        graph = _Graph(node_members)
        for a, b in zip(ea, eb):
            na, nb = node_of.get(a), node_of.get(b)
            if na is not None and nb is not None and na != nb:
                if node_anchor[na] and node_anchor[nb]:
                    continue  # two anchors never share a zone: no edge between them
                graph.add_edge(na, nb)
        forbidden = {frozenset((node_of.get(a), node_of.get(b))) for a, b in overrides.forbidden_pairs
                     if a in node_of and b in node_of}
        return cls(graph, node_of, node_members, forbidden)


def build_problem(comp: list[str], node_members: Mapping[str, list[str]], graph, forbidden: Iterable[frozenset],
                  pos: Mapping[str, int], columns: tuple[list, list, list, list], points: list[np.ndarray],
                  rules: ZoneRules) -> Problem:
    """The search problem (:class:`geo.zoning.search.Problem`) of one connected group of nodes.

    Parameters
    ----------
    comp
        The group's nodes (ids of nodes of ``graph``), in the order the problem numbers them.
    node_members
        node -> the community ids it holds (a locked group is one node of several communities).
    graph
        Any graph with ``neighbors(node)``: the pairs that may merge between nodes.
    forbidden
        Pairs of nodes (frozensets) that must not share a zone.
    pos
        community id -> position in ``columns`` and ``points``.
    columns
        Per community position: households (negative when unknown), build year, area, candidate flag.
    points
        Per community position: its convex-hull vertices, (k, 2).
    rules
        The zone rules the search reads its thresholds from.
    """
    hh, years, areas, is_cand = columns
    local = {node: k for k, node in enumerate(comp)}
    nbrs = [set() for _ in comp]
    for node in comp:
        for other in graph.neighbors(node):
            if other in local:
                nbrs[local[node]].add(local[other])
    forb = [set() for _ in comp]
    for pair in forbidden:
        a, b = tuple(pair) if len(pair) == 2 else (None, None)
        if a in local and b in local:
            forb[local[a]].add(local[b])
            forb[local[b]].add(local[a])
    members = [[pos[c] for c in node_members[node]] for node in comp]
    known_years = [[years[m] for m in ms if years[m] == years[m]] or [0.0] for ms in members]
    return Problem(
        households=[int(sum(max(hh[m], 0) for m in ms)) for ms in members],
        size=[len(ms) for ms in members],
        anchor=[any(not is_cand[m] for m in ms) for ms in members],
        candidates=[sum(bool(is_cand[m]) for m in ms) for ms in members],
        year_min=[float(min(ys)) for ys in known_years],
        year_max=[float(max(ys)) for ys in known_years],
        area=[float(sum(areas[m] for m in ms)) for ms in members],
        points=[points[ms[0]] if len(ms) == 1 else np.vstack([points[m] for m in ms]) for ms in members],
        nbrs=nbrs,
        forbidden=forb,
        rules=rules,
    )


# --- why a candidate was left out ------------------------------------------------------------


def _assignments(layer: _Layer, pool: _Pool, assignment: Mapping[str, str], anchors: set[str], pairs,
                 rules: ZoneRules, overrides: Overrides) -> pd.DataFrame:
    """The per-community table of :attr:`ZoningResult.assignments` for ``assignment``."""
    frame, ids, is_cand, pos = layer.frame, layer.ids, layer.is_cand, layer.pos
    hh, points = layer.hh, layer.points
    graph, node_of, node_members = pool.graph, pool.node_of, pool.node_members
    extra = {
        "year": pd.to_numeric(frame["build_year"], errors="coerce").to_numpy(float)
        if "build_year" in frame else np.full(len(frame), np.nan),
        "status": frame["status"].astype(object).to_numpy() if "status" in frame
        else np.full(len(frame), None, dtype=object),
    }
    fixed = {m for ms in overrides.fixed_zones.values() for m in ms}
    zone_ids = [assignment.get(cid) for cid in ids]
    # the pairs of each candidate left out (the only ones a reason is looked for), in pair order
    by_id_pairs: dict[str, list[tuple[str, str | None, float]]] = {
        cid: [] for cid, zid, cand in zip(ids, zone_ids, is_cand.tolist()) if zid is None and cand}
    if by_id_pairs:
        for a, b, reason, gap in zip(pairs["a"].to_numpy(dtype=object).tolist(),
                                     pairs["b"].to_numpy(dtype=object).tolist(),
                                     pairs["reason"].astype(object).tolist(), pairs["gap_m"].tolist()):
            if a in by_id_pairs:
                by_id_pairs[a].append((b, reason, gap))
            if b in by_id_pairs:
                by_id_pairs[b].append((a, reason, gap))
    not_candidate = not_candidate_reasons(frame, rules)
    roles, codes, relaxations, en, zh = [], [], [], [], []
    for k, (cid, zid) in enumerate(zip(ids, zone_ids)):
        role = None if zid is None else ("anchor" if cid in anchors else "member")
        code = relax = None
        words: tuple[str | None, str | None] = (None, None)
        if zid is None and is_cand[k]:
            code, relax = _why(cid, by_id_pairs[cid], rules, overrides, graph, node_of, node_members,
                               pos, hh, is_cand, assignment, points, extra)
        elif zid is None:
            code = not_candidate.at[k, "reason_code"]
            words = (not_candidate.at[k, "reason"], not_candidate.at[k, "reason_zh"])
        elif cid in fixed:
            code = "fixed"
        if code is not None and words[0] is None:
            words = (reason_text(code, "en"), reason_text(code, "zh"))
        roles.append(role)
        codes.append(code)
        relaxations.append(relax)
        en.append(words[0])
        zh.append(words[1])
    isolated = [k for k, code in enumerate(codes) if code == "isolated"]
    for k, text in zip(isolated, _nearest_relaxations(frame, isolated)):
        relaxations[k] = text
    out = pd.DataFrame({
        "community_id": ids, "zone_id": zone_ids, "role": roles, "candidate": is_cand.astype(bool).tolist(),
        "reason_code": codes, "reason": en, "reason_zh": zh, "relaxation": relaxations,
    }, columns=["community_id", "zone_id", "role", "candidate", "reason_code", "reason", "reason_zh",
                "relaxation"])
    for column in ("zone_id", "role", "reason_code", "reason", "reason_zh", "relaxation"):
        out[column] = out[column].astype(object).where(out[column].notna(), None)
    return out


def _nearest_relaxations(frame: gpd.GeoDataFrame, positions: list[int]) -> list[str | None]:
    """For isolated communities: the gap that would reach the nearest other community."""
    if not positions:
        return []
    geoms = np.asarray(frame.geometry.array, dtype=object)
    tree = shapely.STRtree(geoms)
    # only the others within the nearest one's distance can be the nearest: find that distance
    # first (query_nearest), then the same search as within 1 km, over that radius only
    radius = np.full(len(positions), 1000.0)
    qi, _, qd = _nearest_other(tree, geoms[positions])
    radius[qi] = np.minimum(qd * (1 + 1e-9) + 1e-6, 1000.0)
    src, dst = tree.query(geoms[positions], predicate="dwithin", distance=radius)
    src = np.asarray(positions)[src]
    keep = src != dst
    src, dst = src[keep], dst[keep]
    dist = shapely.distance(geoms[src], geoms[dst])
    ids = frame["community_id"].to_numpy(dtype=object)
    order = np.lexsort((dist, src))  # by community, nearest first
    src, dst, dist = src[order], dst[order], dist[order]
    first = np.unique(src, return_index=True)
    nearest = {int(k): (int(dst[i]), float(dist[i])) for k, i in zip(*first)}
    out = []
    for k in positions:
        if k not in nearest:
            out.append("no other community within 1 km")
            continue
        j, d = nearest[k]
        out.append(f"gap_m >= {math.ceil(d + 0.01)} would reach {ids[j]}")
    return out


def _nearest_other(tree: shapely.STRtree, geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per geometry (by position in ``geoms``): the distance to the nearest other one within 1 km.

    ``exclusive`` leaves out equal geometries as well as the geometry itself: an equal twin, at
    0 m, is within any such radius and is still found by the search that follows.
    """
    (qi, qj), qd = tree.query_nearest(geoms, max_distance=1000.0, return_distance=True, exclusive=True,
                                      all_matches=False)
    return qi, qj, qd


def _partner_relaxation(cid, my_pairs, rules, node_of, pos, hh, extra) -> str | None:
    """What would let a lone candidate merge with a neighbour left out of the pool.

    A neighbour is out of the pool when it is no candidate and cannot anchor: too small to anchor
    (at most ``small_max_households``) yet built after ``cutoff_year`` or completed, or larger than
    ``max_households``. The first relaxation (nearest neighbour first) that would bring one in and
    give the pair at least ``min_households`` is returned; None when nothing simple would.
    """
    own = max(float(hh[pos[cid]]), 0.0)
    may_merge = rules.pairs_may_merge([reason for _, reason, _ in my_pairs])
    usable = [(gap, other) for (other, _, gap), ok in zip(my_pairs, may_merge.tolist()) if ok]
    for gap, other in sorted(usable):
        if other in node_of or other not in pos:  # in the pool, or not in this layer (pairs of a larger one)
            continue
        k = pos[other]
        other_hh = float(hh[k])
        if not np.isfinite(other_hh) or own + other_hh < rules.min_households:
            continue
        if other_hh > rules.max_households:
            return f"max_households >= {math.ceil(own + other_hh)} would let {other} ({other_hh:.0f} households) anchor it"
        if other_hh <= rules.small_max_households:
            year, status = extra["year"][k], extra["status"][k]
            if status == "completed":
                continue
            if np.isfinite(year) and year > rules.cutoff_year and own + other_hh <= rules.max_households:
                return (f"cutoff_year >= {int(year)} would make its neighbour {other} "
                        f"(built {int(year)}, {other_hh:.0f} households) a candidate")
    return None


def _why(cid, my_pairs, rules, overrides, graph, node_of, node_members, pos, hh, is_cand, assignment,
         points, extra) -> tuple[str, str | None]:
    """The reason code of an unplaced candidate, and the smallest relaxation that may place it."""
    if not my_pairs:
        return "isolated", None
    barrier = [p for p in my_pairs if p[1] == "barrier"]
    street = [p for p in my_pairs if p[1] == "street"]
    if len(barrier) == len(my_pairs):
        return "barrier_only", None
    if rules.same_street and len(barrier) + len(street) == len(my_pairs):
        return "street_boundary", "allow zones across streets (--any-street)"
    node = node_of.get(cid)
    if node is None:
        return "not_placed", None
    neighbours = set(graph.neighbors(node))
    forbidden_partners = {b for a, b in overrides.forbidden_pairs if a == cid} | {
        a for a, b in overrides.forbidden_pairs if b == cid}
    if neighbours and all(set(node_members[n]) & forbidden_partners for n in neighbours):
        return "forbidden", None
    # what the connected group could reach, with at most one anchor
    comp = graph.component(node)
    members = [m for n in comp for m in node_members[n]]
    cand_hh = sum(max(hh[pos[m]], 0) for m in members if is_cand[pos[m]])
    anchor_hh = [max(hh[pos[m]], 0) for m in members if not is_cand[pos[m]]]
    reach = cand_hh + (max(anchor_hh) if anchor_hh else 0)
    if reach < rules.min_households:
        if len(members) > 1:
            return "group_too_small", f"min_households <= {reach} (all its group reaches)"
        # alone in the pool: a lower minimum would not help (a zone merges two communities);
        # say what would bring in a neighbour that is neither a candidate nor a possible anchor
        return "group_too_small", _partner_relaxation(cid, my_pairs, rules, node_of, pos, hh, extra)
    # the zones next door: which rule stops each from taking it in
    blocked = _neighbour_zone_blocks(cid, node, graph, node_members, pos, hh, is_cand, points, rules,
                                     assignment)
    if blocked and len({rule for rule, _ in blocked}) == 1 and blocked[0][0] != "anchors":
        rule = blocked[0][0]
        need = min(value for _, value in blocked)
        unit = {"max_households": "", "max_members": "", "max_span": ""}[rule]
        name = {"max_households": "max_households", "max_members": "max_members", "max_span": "max_span_m"}[rule]
        return rule, f"{name} >= {math.ceil(need)}{unit} would let a neighbouring zone take it"
    # a zone of its own from free neighbours: which rule stops it
    probe = _probe(node, graph, node_members, pos, hh, is_cand, points, rules, assignment)
    if probe is not None:
        return probe
    return "not_placed", "move it into a neighbouring zone by hand, or re-run with different rules"


def _neighbour_zone_blocks(cid, node, graph, node_members, pos, hh, is_cand, points, rules, assignment):
    """For each zone next to the candidate: (first rule that stops it joining, value needed)."""
    zone_members: dict[str, list[str]] = {}
    for zid in {assignment.get(m) for n in graph.neighbors(node) for m in node_members[n]} - {None}:
        zone_members[zid] = [m for m, z in assignment.items() if z == zid]
    mine = node_members[node]
    out = []
    for zid, members in sorted(zone_members.items()):
        every = members + mine
        total = sum(max(hh[pos[m]], 0) for m in every)
        rule = rules.exceeds(households=total, n_members=len(every),
                             anchors=sum(not is_cand[pos[m]] for m in every))
        span = 0.0
        if rule is None:  # the span, the costly figure, only when the others hold
            span = span_of([points[pos[m]] for m in every])
            rule = rules.exceeds(households=total, n_members=len(every), span_m=span)
        if rule is not None:
            out.append((rule, {"max_households": total, "max_members": len(every), "anchors": 0,
                               "max_span": span}[rule]))
    return out


def _probe(node, graph, node_members, pos, hh, is_cand, points, rules, assignment):
    """Greedy growth from ``node`` over free nodes: which rule stops it first, and by how much."""
    members = [node]
    total = sum(max(hh[pos[m]], 0) for m in node_members[node])
    size = len(node_members[node])
    pts = [points[pos[m]] for m in node_members[node]]
    anchors = sum(not is_cand[pos[m]] for m in node_members[node])
    while total < rules.min_households or size < 2:
        frontier = {w for n in members for w in graph.neighbors(n)} - set(members)
        frontier = {w for w in frontier if not any(m in assignment for m in node_members[w])}
        if anchors:
            frontier = {w for w in frontier if all(is_cand[pos[m]] for m in node_members[w])}
        if not frontier:
            return "not_placed", "its free neighbours are too few; move a neighbour out of its zone"

        def spread(w):
            return span_of([*pts, *(points[pos[m]] for m in node_members[w])])

        w = min(sorted(frontier), key=spread)
        members.append(w)
        total += sum(max(hh[pos[m]], 0) for m in node_members[w])
        size += len(node_members[w])
        pts.extend(points[pos[m]] for m in node_members[w])
        anchors += sum(not is_cand[pos[m]] for m in node_members[w])
    span = span_of(pts)
    rule = rules.exceeds(households=total, n_members=size, span_m=span)
    if rule is None:
        return None
    need = {"max_households": f"max_households >= {total}", "max_members": f"max_members >= {size}",
            "max_span": f"max_span_m >= {math.ceil(span)}"}
    return rule, need[rule]


def with_rules(rules: ZoneRules, **changes) -> ZoneRules:
    """A copy of ``rules`` with some values changed."""
    return replace(rules, **changes)
