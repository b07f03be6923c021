"""Measure any zoning, proposed or edited by hand, and list every rule it breaks.

The same figures describe the engine's proposals and a planner's edits, so an edited zone can be
compared with what the engine would do: households, members, area, build-year range, street,
span (largest distance between any two members), compactness (members' footprint area over
their convex hull's area: 1 when they fill it) and an outline (one polygon covering the members
and the lanes between them, never across a barrier).

A zone's figures depend only on its members, so an editor builds a :class:`ScoringContext`
once and rescores only the zones an edit touched with :func:`zone_figures` (the rows are the
ones :func:`score_zoning` gives). Broken rules are worded in English and Chinese
(:func:`rule_text`).

Example
-------
>>> import geopandas as gpd
>>> from shapely import box
>>> homes = gpd.GeoDataFrame({"community_id": ["a", "b"], "households": [120, 200],
...     "build_year": [1985, 1991], "street": ["s", "s"], "status": ["candidate"] * 2},
...     geometry=[box(0, 0, 40, 40), box(45, 0, 85, 40)], crs=4538)
>>> score = score_zoning(homes, {"a": "Z1", "b": "Z1"})
>>> score.zones[["zone_id", "households", "n_members", "span_m"]].to_records(index=False).tolist()
[('Z1', 320, 2, 93.9)]
>>> score.violations.empty
True
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.errors import SchemaError
from geo.zoning.adjacency import community_pairs
from geo.zoning.eligibility import merge_candidates
from geo.zoning.rules import Overrides, ZoneRules
from geo.zoning.search import connected, hull_area, hull_points

ZONE_COLUMNS = [
    "zone_id", "members", "anchor_id", "households", "n_members", "area_m2", "build_year_min",
    "build_year_max", "street", "span_m", "compactness", "hull_slack_m2",
]

#: Words for each rule a zone can break.
RULE_TEXT = {
    "min_households": "fewer households than the minimum",
    "max_households": "more households than the maximum",
    "max_members": "more communities than the maximum",
    "too_few_members": "a zone must merge at least two communities",
    "max_span": "members farther apart than the maximum span",
    "disconnected": "members not connected through neighbour pairs that may merge",
    "cross_street": "members in more than one street",
    "anchors": "more than one anchor (non-candidate community)",
    "anchor_too_small": "its anchor (a non-candidate community) is not larger than the small-community limit",
    "forbidden_pair": "holds a pair a planner forbade",
    "locked_split": "a locked group is not in one zone",
}

#: The same words in Chinese, for the planner's page.
RULE_TEXT_ZH = {
    "min_households": "户数低于下限",
    "max_households": "户数超过上限",
    "max_members": "小区数超过上限",
    "too_few_members": "一个片区至少应合并两个小区",
    "max_span": "成员之间的距离超过跨度上限",
    "disconnected": "成员之间未通过可合并的相邻关系连通",
    "cross_street": "成员分属多个街道",
    "anchors": "带动小区（非候选小区）多于一个",
    "anchor_too_small": "其带动小区（非候选小区）的户数未超过小规模小区上限",
    "forbidden_pair": "含有规划人员禁止合并的一对小区",
    "locked_split": "锁定在一起的小区未在同一片区",
}


def rule_text(rule: str, lang: str = "en") -> str:
    """The planner's words for a broken rule, in Chinese (``"zh"``) or English.

    Example
    -------
    >>> rule_text("max_span", "zh")
    '成员之间的距离超过跨度上限'
    >>> rule_text("max_span")
    'members farther apart than the maximum span'
    """
    return RULE_TEXT_ZH[rule] if lang == "zh" else RULE_TEXT[rule]


class UnknownCommunitiesError(SchemaError, KeyError):
    """A zoning names communities that are not in the layer (code ``zoning_unknown_communities``).

    Also a ``KeyError``, as the lookup it is, for callers that catch that.
    """

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


@dataclass
class ZoningScore:
    """Per-zone figures (GeoDataFrame, outline geometry) and every rule broken."""

    zones: gpd.GeoDataFrame
    violations: pd.DataFrame

    def totals(self) -> dict:
        """Whole-zoning figures: zones, households, mean compactness, rules broken."""
        z = self.zones
        return {
            "zones": int(len(z)),
            "communities_in_zones": int(z["n_members"].sum()) if len(z) else 0,
            "households_in_zones": int(z["households"].sum()) if len(z) else 0,
            "mean_compactness": round(float(z["compactness"].mean()), 3) if len(z) else None,
            "total_hull_slack_m2": round(float(z["hull_slack_m2"].sum()), 1) if len(z) else 0.0,
            "violations": int(len(self.violations)),
        }


def barrier_cutter(barriers: gpd.GeoDataFrame | None) -> tuple[np.ndarray, shapely.STRtree] | None:
    """The shapes outlines must stay off (barrier lines thickened to 1 m) and their index.

    Built once per barriers layer and passed to :func:`zone_outlines` as ``cutter`` when
    outlines are drawn many times (a planner's edits).
    """
    if barriers is None or not len(barriers):
        return None
    b_geoms = np.asarray(barriers.geometry.array, dtype=object)
    polygonal = np.isin(shapely.get_type_id(b_geoms), [3, 6])
    cut_geoms = np.where(polygonal, b_geoms, shapely.buffer(b_geoms, 0.5, quad_segs=2))
    return cut_geoms, shapely.STRtree(cut_geoms)


def zone_outlines(
    members: list[np.ndarray],
    connectors: list[np.ndarray],
    barriers: gpd.GeoDataFrame | None,
    *,
    gap_m: float,
    cutter: tuple[np.ndarray, shapely.STRtree] | None = None,
) -> list[shapely.Geometry]:
    """One polygon per zone over its members and the lanes between them, not crossing a barrier.

    Each zone's members and the short lines joining neighbouring members are closed (buffered
    out and back in by half the merge gap), then barriers are cut away; the members and their
    connecting lines are always kept, so an outline stays in one piece. Vectorised over zones;
    each outline depends only on its own zone. ``cutter`` (:func:`barrier_cutter`) replaces
    ``barriers`` when given.
    """
    if not members:
        return []
    lengths = [len(m) + len(c) for m, c in zip(members, connectors)]
    # every zone's members then its connecting lines (thickened to 1 m), one row per zone;
    # union_all along the rows is the union of each zone's parts, vectorised over zones
    parts = np.full((len(members), max(lengths)), None, dtype=object)
    flat_links = [c for c in connectors if len(c)]
    thick = iter(shapely.buffer(np.concatenate(flat_links), 0.5) if flat_links else [])
    for z, (m, c) in enumerate(zip(members, connectors)):
        parts[z, :len(m)] = m
        for k in range(len(m), len(m) + len(c)):
            parts[z, k] = next(thick)
    bases = shapely.union_all(parts, axis=1)
    reach = max(gap_m / 2.0, 1.0) + 0.5
    closed = shapely.buffer(shapely.buffer(bases, reach, join_style="mitre", quad_segs=2),
                            -reach, join_style="mitre", quad_segs=2)
    closed = shapely.union(closed, bases)
    cutter = cutter if cutter is not None else barrier_cutter(barriers)
    if cutter is not None:
        cut_geoms, tree = cutter
        zi, bi = tree.query(closed, predicate="intersects")
        if len(zi):
            order = np.argsort(zi, kind="stable")  # by zone, each zone's barriers as the tree gave them
            zi, bi = zi[order], bi[order]
            hit, first, counts = np.unique(zi, return_index=True, return_counts=True)
            cuts = np.full((len(hit), counts.max()), None, dtype=object)
            cuts[np.repeat(np.arange(len(hit)), counts), np.arange(len(zi)) - np.repeat(first, counts)] = \
                cut_geoms[bi]
            kept = shapely.union(shapely.difference(closed[hit], shapely.union_all(cuts, axis=1)), bases[hit])
            for k in np.flatnonzero(shapely.get_type_id(kept) == 6):
                # a sliver cut off by a barrier: keep the members' part
                pieces = shapely.get_parts(kept[k])
                kept[k] = shapely.union_all(pieces[shapely.intersects(pieces, bases[hit[k]])])
            closed[hit] = kept
    return list(shapely.make_valid(closed))


class ScoringContext:
    """What scoring needs that does not depend on the zoning, built once for many zonings.

    Per community (by position): id, footprint, hull points, area, households, build year,
    street, candidate or not; per pair: endpoint positions, whether it may join a zone, its
    connecting line; the barriers' cutter. :func:`score_zoning` builds one per call; an editor
    builds one and scores only the zones an edit touched with :func:`zone_figures`.

    Parameters
    ----------
    communities, pairs, barriers, rules, candidates, overrides
        As for :func:`score_zoning`.
    """

    def __init__(
        self,
        communities: gpd.GeoDataFrame,
        *,
        pairs: gpd.GeoDataFrame | None = None,
        barriers: gpd.GeoDataFrame | None = None,
        rules: ZoneRules | None = None,
        candidates: pd.Series | None = None,
        overrides: Overrides | None = None,
    ) -> None:
        self.rules = rules or ZoneRules()
        self.overrides = overrides or Overrides()
        self.crs = communities.crs
        frame = communities.copy()
        frame["community_id"] = frame["community_id"].astype(str)
        frame = frame.set_index("community_id", drop=False)
        if pairs is None:
            pairs = community_pairs(frame.reset_index(drop=True), gap_m=self.rules.gap_m, barriers=barriers,
                                    respect_streets=self.rules.same_street)
        if candidates is None:
            candidates = pd.Series(merge_candidates(frame, self.rules).to_numpy(), index=frame.index)
        self.ids = frame.index.to_numpy(dtype=object)
        self.pos = {cid: k for k, cid in enumerate(self.ids)}
        self.geoms = np.asarray(frame.geometry.array, dtype=object)
        self.points = hull_points(self.geoms)
        self.areas = shapely.area(self.geoms)
        self.hh = pd.to_numeric(frame["households"], errors="coerce").to_numpy(dtype=float)
        self.years = pd.to_numeric(frame["build_year"], errors="coerce").to_numpy(dtype=float) \
            if "build_year" in frame else np.full(len(frame), np.nan)
        self.streets = frame["street"].astype(object).where(frame["street"].notna(), None).to_numpy(dtype=object) \
            if "street" in frame else np.full(len(frame), None, dtype=object)
        self.is_cand = _flags_for(candidates, self.ids)
        self.forbidden = sorted({frozenset(p) for p in self.overrides.forbidden_pairs}, key=sorted)
        usable = self.rules.pairs_may_merge(pairs["reason"])
        self.pair_a = _positions(self.ids, self.pos, pairs["a"])
        self.pair_b = _positions(self.ids, self.pos, pairs["b"])
        self.usable = usable & (self.pair_a >= 0) & (self.pair_b >= 0)
        self.link_geoms = np.asarray(pairs.geometry.array, dtype=object)
        self.cutter = barrier_cutter(barriers)
        self._links_of: list[np.ndarray] | None = None

    @property
    def links_of(self) -> list[np.ndarray]:
        """Per community position: the indices of its pairs that may join a zone, ascending."""
        if self._links_of is None:
            usable = np.flatnonzero(self.usable)
            ends = np.concatenate([self.pair_a[usable], self.pair_b[usable]])
            links = np.concatenate([usable, usable])
            order = np.lexsort((links, ends))
            ends, links = ends[order], links[order]
            cuts = np.searchsorted(ends, np.arange(1, len(self.ids)))
            self._links_of = np.split(links, cuts)
        return self._links_of


def _flags_for(candidates: pd.Series, ids: np.ndarray) -> np.ndarray:
    """``bool(candidates.get(cid, False))`` for every id, in one reindex."""
    if candidates.index.is_unique:
        return np.array(candidates.reindex(pd.Index(ids, dtype=object), fill_value=False).to_numpy(dtype=object),
                        dtype=bool)
    return np.array([bool(candidates.get(cid, False)) for cid in ids])


def _positions(ids: np.ndarray, pos: dict, values: pd.Series) -> np.ndarray:
    """Position of each value (as str) among ``ids``, -1 when absent."""
    values = values.astype(str).to_numpy(dtype=object)
    if len(pos) == len(ids):  # unique ids: one vectorised lookup
        return pd.Index(ids, dtype=object).get_indexer(values).astype(np.int64)
    return np.array([pos.get(v, -1) for v in values], dtype=np.int64)


def zone_hulls(points: list[np.ndarray], member_pos: list[np.ndarray]) -> list[np.ndarray]:
    """The convex-hull vertices (as GEOS gives them) of each zone's members' hull points.

    One vectorised GEOS call for every zone (a line through each zone's points has their hull
    and is far cheaper to build than a multipoint).
    """
    counts = np.array([sum(len(points[k]) for k in ks) for ks in member_pos], dtype=np.int64)
    if not len(counts):
        return []
    coords = np.vstack([points[k] for ks in member_pos for k in ks])
    kind = shapely.GeometryType.LINESTRING if (counts >= 2).all() else shapely.GeometryType.MULTIPOINT
    shapes = shapely.from_ragged_array(kind, coords, (np.concatenate([[0], np.cumsum(counts)]),))
    hc, owner = shapely.get_coordinates(shapely.convex_hull(shapes), return_index=True)
    return np.split(hc, np.searchsorted(owner, np.arange(1, len(counts))))


@dataclass(frozen=True)
class ZoneFigures:
    """One zone's figures: a row of :data:`ZONE_COLUMNS`, its outline, the rules it breaks.

    ``violations`` are dicts with ``zone_id``, ``rule``, ``detail`` (English) and ``detail_zh``.
    """

    zone_id: str
    row: dict
    outline: shapely.Geometry
    violations: tuple[dict, ...]


def zone_figures(
    context: ScoringContext,
    zones: Mapping[str, Iterable[str]],
    *,
    links: Mapping[str, list[int]] | None = None,
    outlines: bool = True,
) -> list[ZoneFigures]:
    """Figures, outline and broken rules of the given zones only, in zone id order.

    Each zone's figures depend only on its members, so scoring a few zones gives the same
    rows as :func:`score_zoning` on the whole zoning (an editor rescoring what it touched).

    Parameters
    ----------
    context
        A :class:`ScoringContext` of the communities.
    zones
        zone id -> member community ids.
    links
        zone id -> indices of the pairs inside it (found from ``context.links_of`` when None).
    outlines
        When False, every ``outline`` is None (the other figures do not depend on it); draw them
        later with :func:`figure_outlines`.

    Returns
    -------
    list of ZoneFigures

    Example
    -------
    >>> import geopandas as gpd
    >>> from shapely import box
    >>> homes = gpd.GeoDataFrame({"community_id": ["a", "b"], "households": [120, 90],
    ...     "street": ["s", "s"], "build_year": [1985, 1990], "status": ["candidate"] * 2},
    ...     geometry=[box(0, 0, 40, 40), box(45, 0, 85, 40)], crs=4538)
    >>> [v["rule"] for v in zone_figures(ScoringContext(homes), {"Z1": ["a", "b"]})[0].violations]
    ['min_households']
    """
    ctx = context
    zone_ids, member_pos, zone_links = _zone_parts(ctx, zones, links)
    shapes = _outlines_of(ctx, member_pos, zone_links) if outlines else [None] * len(zone_ids)
    hulls = zone_hulls(ctx.points, member_pos)
    return [_one_zone(ctx, zid, ks, ls, outline, hull)
            for zid, ks, ls, outline, hull in zip(zone_ids, member_pos, zone_links, shapes, hulls)]


def figure_outlines(
    context: ScoringContext,
    zones: Mapping[str, Iterable[str]],
    *,
    links: Mapping[str, list[int]] | None = None,
) -> list[shapely.Geometry]:
    """The outlines :func:`zone_figures` would give the same zones, in zone id order."""
    _, member_pos, zone_links = _zone_parts(context, zones, links)
    return _outlines_of(context, member_pos, zone_links)


def _zone_parts(ctx: ScoringContext, zones, links) -> tuple[list[str], list[np.ndarray], list[list[int]]]:
    """Zone ids in order, each zone's member positions (sorted by id) and inside pairs."""
    pos = ctx.pos
    zone_ids = sorted(map(str, zones))
    member_pos = [np.array(sorted((pos[str(c)] for c in zones[z]), key=ctx.ids.__getitem__), dtype=np.int64)
                  for z in zone_ids]  # members by id
    if links is None:
        zone_links = []
        for ks in member_pos:
            inside = set(ks.tolist())
            found = {int(i) for k in ks for i in ctx.links_of[k]
                     if ctx.pair_a[i] in inside and ctx.pair_b[i] in inside}
            zone_links.append(sorted(found))
    else:
        zone_links = [list(links.get(z, [])) for z in zone_ids]
    return zone_ids, member_pos, zone_links


def _outlines_of(ctx: ScoringContext, member_pos: list[np.ndarray], zone_links: list[list[int]]) -> list:
    return zone_outlines([ctx.geoms[ks] for ks in member_pos], [ctx.link_geoms[ls] for ls in zone_links],
                         None, gap_m=ctx.rules.gap_m, cutter=ctx.cutter)


def _one_zone(ctx: ScoringContext, zid: str, ks: np.ndarray, links: list[int], outline,
              hull_coords: np.ndarray) -> ZoneFigures:
    """Figures and broken rules of one zone (members ``ks``: positions sorted by id; hull
    vertices of their points from :func:`zone_hulls`)."""
    rules, ids = ctx.rules, ctx.ids
    area = float(ctx.areas[ks].sum())
    total = int(np.nansum(ctx.hh[ks]))
    zone_years = ctx.years[ks]
    ks = ks.tolist()
    members = [ids[k] for k in ks]
    local = {k: n for n, k in enumerate(ks)}
    nbrs = [set() for _ in ks]
    for link in links:
        a, b = local[int(ctx.pair_a[link])], local[int(ctx.pair_b[link])]
        nbrs[a].add(b)
        nbrs[b].add(a)
    # span_of and hull_area of the members' points, from their hull's vertices (the same values)
    if len(hull_coords) >= 2:
        d = hull_coords[:, None, :] - hull_coords[None, :, :]
        span = float(math.sqrt((d * d).sum(axis=2).max()))
    else:
        span = 0.0
    hull = hull_area([(float(x), float(y)) for x, y in hull_coords.tolist()])
    anchors = [ids[k] for k in ks if not ctx.is_cand[k]]
    zone_streets = sorted({ctx.streets[k] for k in ks if ctx.streets[k] is not None})
    known_years = np.isfinite(zone_years).any()
    row = {
        "zone_id": zid, "members": members, "anchor_id": anchors[0] if len(anchors) == 1 else None,
        "households": total, "n_members": len(members), "area_m2": round(area, 1),
        "build_year_min": _int_or_none(np.nanmin(zone_years) if known_years else None),
        "build_year_max": _int_or_none(np.nanmax(zone_years) if known_years else None),
        "street": " / ".join(zone_streets) if zone_streets else None,
        "span_m": round(span, 1),
        "compactness": round(area / hull, 3) if hull > 0 else 1.0,
        "hull_slack_m2": round(max(hull - area, 0.0), 1),
    }
    violations = []

    def broken(rule: str, detail: str, detail_zh: str | None = None) -> None:
        violations.append({"zone_id": zid, "rule": rule, "detail": f"{RULE_TEXT[rule]}: {detail}",
                           "detail_zh": f"{RULE_TEXT_ZH[rule]}：{detail if detail_zh is None else detail_zh}"})

    details = {
        "min_households": (f"{total} < {rules.min_households}", None),
        "max_households": (f"{total} > {rules.max_households}", None),
        "max_members": (f"{len(members)} > {rules.max_members}", None),
        "too_few_members": (f"only {members[0]}", f"仅 {members[0]}"),
        "max_span": (f"{span:.0f} m > {rules.max_span_m:g} m", None),
        "disconnected": (", ".join(members), "、".join(members)),
        "cross_street": (" / ".join(zone_streets), None),
        "anchors": (", ".join(anchors), "、".join(anchors)),
    }
    for rule in rules.zone_breaks(households=total, n_members=len(members), span_m=span, anchors=len(anchors),
                                  connected=connected(set(range(len(members))), nbrs),
                                  n_streets=len(zone_streets)):
        broken(rule, *details[rule])
    for k in ks:
        if not ctx.is_cand[k] and not ctx.hh[k] > rules.small_max_households:
            broken("anchor_too_small",
                   f"{ids[k]} has {_int_or_none(ctx.hh[k])} households <= {rules.small_max_households}",
                   f"{ids[k]} 仅 {_int_or_none(ctx.hh[k])} 户，未超过 {rules.small_max_households} 户")
    member_set = set(members)
    for pair in ctx.forbidden:
        if pair <= member_set:
            broken("forbidden_pair", " & ".join(sorted(pair)), "、".join(sorted(pair)))
    return ZoneFigures(zid, row, outline, tuple(violations))


def locked_split_violations(assignment: Mapping[str, str], overrides: Overrides | None) -> list[dict]:
    """A violation (zone id None) for each locked group whose members are not all in one zone."""
    out = []
    for group in (overrides.locked_together if overrides is not None else ()):
        zones_of_group = {assignment.get(c) for c in group}
        if len(zones_of_group) > 1 or None in zones_of_group:
            names = sorted(group)
            out.append({"zone_id": None, "rule": "locked_split",
                        "detail": f"{RULE_TEXT['locked_split']}: {', '.join(names)}",
                        "detail_zh": f"{RULE_TEXT_ZH['locked_split']}：{'、'.join(names)}"})
    return out


def figures_frames(figures: list[ZoneFigures], extra_violations: list[dict], crs) -> ZoningScore:
    """Assemble per-zone figures (in the given order) into the zones and violations tables.

    The violations table has ``zone_id``, ``rule``, ``detail`` and ``detail_zh``.
    """
    table = pd.DataFrame([f.row for f in figures], columns=ZONE_COLUMNS)
    for column in ("zone_id", "anchor_id", "street"):
        table[column] = table[column].astype(object).where(table[column].notna(), None)
    zones = gpd.GeoDataFrame(table, geometry=[f.outline for f in figures], crs=crs)
    rows = [v for f in figures for v in f.violations] + list(extra_violations)
    return ZoningScore(zones, pd.DataFrame(rows, columns=["zone_id", "rule", "detail", "detail_zh"]))


def score_zoning(
    communities: gpd.GeoDataFrame,
    assignment: Mapping[str, str],
    *,
    pairs: gpd.GeoDataFrame | None = None,
    barriers: gpd.GeoDataFrame | None = None,
    rules: ZoneRules | None = None,
    candidates: pd.Series | None = None,
    overrides: Overrides | None = None,
) -> ZoningScore:
    """Figures of every zone of ``assignment`` and every rule it breaks.

    Parameters
    ----------
    communities
        The communities layer (metric CRS), with ``community_id`` and ``households``.
    assignment
        community id -> zone id; communities not in it are in no zone.
    pairs
        Neighbour pairs (:func:`geo.zoning.adjacency.community_pairs`); computed when not given.
    barriers
        Barriers, to keep outlines off them (and to compute ``pairs``).
    rules
        :class:`geo.zoning.zones.ZoneRules` (defaults when None).
    candidates
        Boolean Series indexed by community id: who is a merge candidate (others in a zone are
        anchors). Computed from ``rules`` when None.
    overrides
        Forbidden pairs and locked groups to check.

    Returns
    -------
    ZoningScore
        ``violations`` has ``zone_id``, ``rule`` and ``detail`` (the rule's words and the facts).
    """
    score, outlines = score_zoning_deferred(communities, assignment, pairs=pairs, barriers=barriers,
                                            rules=rules, candidates=candidates, overrides=overrides)
    return outlines_drawn(score, outlines())


def score_zoning_deferred(
    communities: gpd.GeoDataFrame,
    assignment: Mapping[str, str],
    *,
    pairs: gpd.GeoDataFrame | None = None,
    barriers: gpd.GeoDataFrame | None = None,
    rules: ZoneRules | None = None,
    candidates: pd.Series | None = None,
    overrides: Overrides | None = None,
):
    """:func:`score_zoning` without the outlines: the score with every zone's geometry None, and
    a function that draws the outlines (in the zones' order; :func:`outlines_drawn` puts them in).

    Every other figure is computed now; the outlines, the costliest part, only when asked for.
    """
    ctx = ScoringContext(communities, pairs=pairs, barriers=barriers, rules=rules, candidates=candidates,
                         overrides=overrides)
    unknown = sorted({str(c) for c in assignment} - set(ctx.pos))
    if unknown:
        raise UnknownCommunitiesError(
            f"the zoning names {len(unknown)} communities that are not in the layer ({', '.join(unknown[:10])}): "
            f"score a zoning of this layer", code="zoning_unknown_communities",
            params={"ids": unknown[:10], "count": len(unknown)})
    by_zone: dict[str, list[str]] = {}
    for cid, zid in assignment.items():
        if zid is not None and not (isinstance(zid, float) and np.isnan(zid)):
            by_zone.setdefault(str(zid), []).append(str(cid))
    zone_of = {c: z for z, cs in by_zone.items() for c in cs}
    # the pairs inside each zone, found for all zones at once
    pa, pb = ctx.pair_a, ctx.pair_b
    zone_at = np.array([*(zone_of.get(cid) for cid in ctx.ids), None], dtype=object)  # position -1: None
    za, zb = zone_at[pa], zone_at[pb]
    inside = ctx.usable & (za != None) & (za == zb)  # noqa: E711 - elementwise
    links: dict[str, list[int]] = {}
    for k in np.flatnonzero(inside):
        links.setdefault(za[k], []).append(int(k))
    figures = zone_figures(ctx, by_zone, links=links, outlines=False)
    score = figures_frames(figures, locked_split_violations(zone_of, ctx.overrides), communities.crs)
    score.violations = score.violations[["zone_id", "rule", "detail"]]
    return score, lambda: figure_outlines(ctx, by_zone, links=links)


def outlines_drawn(score: ZoningScore, outlines: list) -> ZoningScore:
    """``score`` with its zones' geometry set to ``outlines`` (in the zones' order)."""
    table = pd.DataFrame(score.zones.drop(columns=score.zones.geometry.name))
    return ZoningScore(gpd.GeoDataFrame(table, geometry=list(outlines), crs=score.zones.crs), score.violations)


def _int_or_none(value) -> int | None:
    return None if value is None or pd.isna(value) else int(value)
