"""Measure any zoning, proposed or edited by hand, and list every rule it breaks.

The same figures describe the engine's proposals and a planner's edits, so an edited zone can be
compared with what the engine would do: households, members, area, build-year range, street,
span (largest distance between any two members), compactness (members' footprint area over
their convex hull's area: 1 when they fill it) and an outline (one polygon covering the members
and the lanes between them, never across a barrier).

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

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo._zone_search import connected, hull_area, hull_points, span_of
from geo.adjacency import community_pairs

if TYPE_CHECKING:  # pragma: no cover
    from geo.zones import Overrides, ZoneRules

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


def zone_outlines(
    members: list[np.ndarray],
    connectors: list[np.ndarray],
    barriers: gpd.GeoDataFrame | None,
    *,
    gap_m: float,
) -> list[shapely.Geometry]:
    """One polygon per zone over its members and the lanes between them, not crossing a barrier.

    Each zone's members and the short lines joining neighbouring members are closed (buffered
    out and back in by half the merge gap), then barriers are cut away; the members and their
    connecting lines are always kept, so an outline stays in one piece. Vectorised over zones.
    """
    if not members:
        return []
    bases = np.array([
        shapely.union_all(np.concatenate([m, shapely.buffer(c, 0.5)]) if len(c) else m)
        for m, c in zip(members, connectors)
    ], dtype=object)
    reach = max(gap_m / 2.0, 1.0) + 0.5
    closed = shapely.buffer(shapely.buffer(bases, reach, join_style="mitre", quad_segs=2),
                            -reach, join_style="mitre", quad_segs=2)
    closed = shapely.union(closed, bases)
    if barriers is not None and len(barriers):
        b_geoms = np.asarray(barriers.geometry.array, dtype=object)
        polygonal = np.isin(shapely.get_type_id(b_geoms), [3, 6])
        cut_geoms = np.where(polygonal, b_geoms, shapely.buffer(b_geoms, 0.5, quad_segs=2))
        zi, bi = shapely.STRtree(cut_geoms).query(closed, predicate="intersects")
        for z in np.unique(zi):
            cut = shapely.union_all(cut_geoms[bi[zi == z]])
            kept = shapely.union(shapely.difference(closed[z], cut), bases[z])
            if kept.geom_type == "MultiPolygon":  # a sliver cut off by a barrier: keep the members' part
                kept = shapely.union_all([g for g in shapely.get_parts(kept) if shapely.intersects(g, bases[z])])
            closed[z] = kept
    return list(shapely.make_valid(closed))


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
        Neighbour pairs (:func:`geo.adjacency.community_pairs`); computed when not given.
    barriers
        Barriers, to keep outlines off them (and to compute ``pairs``).
    rules
        :class:`geo.zones.ZoneRules` (defaults when None).
    candidates
        Boolean Series indexed by community id: who is a merge candidate (others in a zone are
        anchors). Computed from ``rules`` when None.
    overrides
        Forbidden pairs and locked groups to check.

    Returns
    -------
    ZoningScore
    """
    from geo.zones import Overrides, ZoneRules, merge_candidates

    rules = rules or ZoneRules()
    overrides = overrides or Overrides()
    frame = communities.copy()
    frame["community_id"] = frame["community_id"].astype(str)
    frame = frame.set_index("community_id", drop=False)
    if pairs is None:
        pairs = community_pairs(frame.reset_index(drop=True), gap_m=rules.gap_m, barriers=barriers,
                                respect_streets=rules.same_street)
    if candidates is None:
        candidates = pd.Series(merge_candidates(frame, rules).to_numpy(), index=frame.index)
    unknown = sorted(set(assignment) - set(frame.index))
    if unknown:
        raise KeyError(f"the zoning names communities that are not in the layer: {', '.join(unknown[:10])}")

    ids = frame.index.to_numpy(dtype=object)
    pos = {cid: k for k, cid in enumerate(ids)}
    by_zone: dict[str, list[int]] = {}
    for cid, zid in assignment.items():
        if zid is not None and not (isinstance(zid, float) and np.isnan(zid)):
            by_zone.setdefault(str(zid), []).append(pos[str(cid)])
    zone_of = {ids[k]: z for z, ks in by_zone.items() for k in ks}

    reason = pairs["reason"].astype(object)
    usable = (reason.isna() | ((reason == "street") & (not rules.same_street))).to_numpy()
    pa, pb = pairs["a"].to_numpy(dtype=object), pairs["b"].to_numpy(dtype=object)
    za = np.array([zone_of.get(a) for a in pa], dtype=object)
    zb = np.array([zone_of.get(b) for b in pb], dtype=object)
    inside = usable & (za != None) & (za == zb)  # noqa: E711 - elementwise
    link_geoms = np.asarray(pairs.geometry.array, dtype=object)
    links_by_zone: dict[str, list[int]] = {}
    for k in np.flatnonzero(inside):
        links_by_zone.setdefault(za[k], []).append(int(k))

    geoms = np.asarray(frame.geometry.array, dtype=object)
    points = hull_points(geoms)
    areas = shapely.area(geoms)
    hh = pd.to_numeric(frame["households"], errors="coerce").to_numpy(dtype=float)
    years = pd.to_numeric(frame["build_year"], errors="coerce").to_numpy(dtype=float) \
        if "build_year" in frame else np.full(len(frame), np.nan)
    streets = frame["street"].astype(object).where(frame["street"].notna(), None).to_numpy(dtype=object) \
        if "street" in frame else np.full(len(frame), None, dtype=object)
    is_cand = np.array([bool(candidates.get(cid, False)) for cid in ids])
    forbidden = {frozenset(p) for p in overrides.forbidden_pairs}

    zone_ids = sorted(by_zone)
    outlines = zone_outlines(
        [geoms[by_zone[z]] for z in zone_ids],
        [link_geoms[links_by_zone.get(z, [])] for z in zone_ids],
        barriers, gap_m=rules.gap_m,
    )
    rows, violations = [], []
    for zid in zone_ids:
        ks = sorted(by_zone[zid], key=lambda k: ids[k])
        members = [ids[k] for k in ks]
        local = {k: n for n, k in enumerate(ks)}
        nbrs = [set() for _ in ks]
        for link in links_by_zone.get(zid, []):
            a, b = local[pos[pa[link]]], local[pos[pb[link]]]
            nbrs[a].add(b)
            nbrs[b].add(a)
        pts = [points[k] for k in ks]
        span = span_of(pts)
        hull = hull_area([(float(x), float(y)) for p_ in pts for x, y in p_])
        area = float(areas[ks].sum())
        total = int(np.nansum(hh[ks]))
        anchors = [ids[k] for k in ks if not is_cand[k]]
        zone_streets = sorted({streets[k] for k in ks if streets[k] is not None})
        zone_years = years[ks]
        rows.append({
            "zone_id": zid, "members": members, "anchor_id": anchors[0] if len(anchors) == 1 else None,
            "households": total, "n_members": len(members), "area_m2": round(area, 1),
            "build_year_min": _int_or_none(np.nanmin(zone_years) if np.isfinite(zone_years).any() else None),
            "build_year_max": _int_or_none(np.nanmax(zone_years) if np.isfinite(zone_years).any() else None),
            "street": " / ".join(zone_streets) if zone_streets else None,
            "span_m": round(span, 1),
            "compactness": round(area / hull, 3) if hull > 0 else 1.0,
            "hull_slack_m2": round(max(hull - area, 0.0), 1),
        })

        def broken(rule: str, detail: str) -> None:
            violations.append({"zone_id": zid, "rule": rule, "detail": f"{RULE_TEXT[rule]}: {detail}"})

        if total < rules.min_households:
            broken("min_households", f"{total} < {rules.min_households}")
        if total > rules.max_households:
            broken("max_households", f"{total} > {rules.max_households}")
        if len(members) > rules.max_members:
            broken("max_members", f"{len(members)} > {rules.max_members}")
        if len(members) < 2:
            broken("too_few_members", f"only {members[0]}")
        if span > rules.max_span_m + 1e-6:
            broken("max_span", f"{span:.0f} m > {rules.max_span_m:g} m")
        if not connected(set(range(len(members))), nbrs):
            broken("disconnected", ", ".join(members))
        if rules.same_street and len(zone_streets) > 1:
            broken("cross_street", " / ".join(zone_streets))
        if len(anchors) > 1:
            broken("anchors", ", ".join(anchors))
        for k in ks:
            if not is_cand[k] and not hh[k] > rules.small_max_households:
                broken("anchor_too_small", f"{ids[k]} has {_int_or_none(hh[k])} households "
                                           f"<= {rules.small_max_households}")
        for pair in forbidden:
            if pair <= set(members):
                broken("forbidden_pair", " & ".join(sorted(pair)))
    for group in overrides.locked_together:
        zones_of_group = {zone_of.get(c) for c in group}
        if len(zones_of_group) > 1 or None in zones_of_group:
            violations.append({"zone_id": None, "rule": "locked_split",
                               "detail": f"{RULE_TEXT['locked_split']}: {', '.join(sorted(group))}"})
    table = pd.DataFrame(rows, columns=ZONE_COLUMNS)
    for column in ("zone_id", "anchor_id", "street"):
        table[column] = table[column].astype(object).where(table[column].notna(), None)
    zones = gpd.GeoDataFrame(table, geometry=outlines, crs=communities.crs)
    return ZoningScore(zones, pd.DataFrame(violations, columns=["zone_id", "rule", "detail"]))


def _int_or_none(value) -> int | None:
    return None if value is None or pd.isna(value) else int(value)
