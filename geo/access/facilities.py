"""Service gaps: which communities have no facility of a kind within its walking circle.

GB 50180-2018 (城市居住区规划设计标准) plans services in walking circles: the 5-minute circle
(about 300 m), the 10-minute circle (500 m) and the 15-minute circle (800-1,000 m), with the
residential block (居住街坊, 150-250 m across) below them. Each facility kind belongs to one
circle; a community is *served* for a kind when a facility of that kind lies within the circle's
distance, walking. The defaults (:data:`DEFAULT_CIRCLES`) are configuration: pass another mapping
to change a distance or to leave a kind out.

=================  =======  ==================================================================
kind               circle   why
=================  =======  ==================================================================
convenience_store  5 min    便利店 is a residential-block (居住街坊) facility: next door
parcel_locker      5 min    邮件和快递送达设施 belong to the residential block
property_office    5 min    物业管理与服务 belongs to the residential block it manages
fitness            5 min    室外综合健身场地 is a 5-minute-circle facility
kindergarten       5 min    幼儿园: 5-minute circle, service radius at most 300 m
childcare          5 min    托儿所: 5-minute circle, with the kindergarten
elderly_care       5 min    老年人日间照料中心 (day care) is a 5-minute-circle facility
clinic             5 min    社区卫生服务站 (the station) is a 5-minute-circle facility
post_station       10 min   邮政营业场所 is a 10-minute-circle facility (lockers cover the block)
ev_charging        10 min   no circle in the standard; public chargers within a 10-minute walk
market             10 min   菜市场或生鲜超市: 10-minute circle, service radius at most 500 m
school             10 min   小学: 10-minute circle, at most 500 m (a 初中 is 15 min: set 1,000)
community_service  10 min   社区服务站 is 5-minute, 社区服务中心 15-minute: the layer mixes both
=================  =======  ==================================================================

How distance is measured (:func:`service_gaps`):

* **Along the roads** (``method = "network"``), when a roads layer is given: a walking graph
  (:func:`geo.access.roads.road_graph`) of the centrelines, ends within ``snap_m`` merged and ends that stop on
  another road's side joined to it (a T-junction drawn without a node). Roads that cross without
  a shared point do not meet (a bridge, a flyover).
* A **facility** joins the network at the nearest point of the nearest road: the straight access
  leg counts in the distance.
* A **community** joins at the junctions at both ends of every road segment within ``gate_m``
  of its footprint (its streets: a compound has gates on them), each reached in a straight line
  from the footprint, and at the facilities on those segments, reached straight from the
  footprint too. A community with no street that close joins at the nearest point of the
  nearest road (access leg, then along the road). The footprint, not the centroid, counts: a
  large compound is closer to what lies at its gates.
* One multi-source Dijkstra per kind (:func:`networkx.multi_source_dijkstra`), cut off at
  ``cutoff_m`` (default twice the largest circle): farther facilities are "none reachable".
* **Straight line** (``method = "straight_line"``, footprint to point) without roads, for a
  community farther than ``max_access_m`` from every road, and when the nearest facility is one
  farther than that from every road (it cannot be reached along them). Every row says which.
* A community that contains a facility of a kind (boundary included) is at distance 0.

Example
-------
>>> import geopandas as gpd
>>> from shapely import LineString, Point, box
>>> roads = gpd.GeoDataFrame(geometry=[LineString([(0, 0), (0, 400)]), LineString([(0, 400),
...     (200, 400)]), LineString([(200, 400), (200, 0)])], crs=4538)    # a river between x=0 and 200
>>> homes = gpd.GeoDataFrame({"community_id": ["a"]}, geometry=[box(-40, 0, 0, 40)], crs=4538)
>>> shops = gpd.GeoDataFrame({"facility_id": ["f1"], "kind": ["market"]},
...                          geometry=[Point(210, 20)], crs=4538)
>>> gaps = service_gaps(homes, shops, roads=roads, circles={"market": 500})
>>> gaps[["kind", "distance_m", "served", "method", "facility_id"]].values.tolist()
[['market', 950.0, False, 'network', 'f1']]
>>> service_gaps(homes, shops, circles={"market": 500})["distance_m"].tolist()   # no roads
[210.0]
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely

from geo.zoning.adjacency import require_metric
from geo.errors import CRSError, RuleError, SchemaError
from geo.access.roads import DEFAULT_SNAP_M, RoadGraph, road_graph

__all__ = ["CIRCLE_LABELS", "COLUMNS", "DEFAULT_CIRCLES", "DEFAULT_CIRCLE_OF", "LIFE_CIRCLES_M",
           "METHOD_LABELS", "RoadGraph", "gaps_wide", "road_graph", "service_gaps", "zone_service"]

#: The walking circles of GB 50180-2018 (m): 5, 10 and 15 minutes (the 15-minute one is 800-1,000).
LIFE_CIRCLES_M: Mapping[str, float] = MappingProxyType({"5min": 300.0, "10min": 500.0, "15min": 1000.0})
#: Circle of each facility kind (see the table in the module docstring).
DEFAULT_CIRCLE_OF: Mapping[str, str] = MappingProxyType({
    "convenience_store": "5min", "parcel_locker": "5min", "property_office": "5min", "fitness": "5min",
    "kindergarten": "5min", "childcare": "5min", "elderly_care": "5min", "clinic": "5min",
    "post_station": "10min", "ev_charging": "10min", "market": "10min", "school": "10min",
    "community_service": "10min",
})
#: Service distance of each facility kind (m): the configuration :func:`service_gaps` uses.
DEFAULT_CIRCLES: Mapping[str, float] = MappingProxyType(
    {kind: LIFE_CIRCLES_M[circle] for kind, circle in DEFAULT_CIRCLE_OF.items()})
#: Words for the circles and the two ways of measuring, for tables and maps.
CIRCLE_LABELS: Mapping[str, tuple[str, str]] = MappingProxyType({
    "5min": ("5分钟生活圈", "5-minute circle"), "10min": ("10分钟生活圈", "10-minute circle"),
    "15min": ("15分钟生活圈", "15-minute circle")})
METHOD_LABELS: Mapping[str, tuple[str, str]] = MappingProxyType({
    "network": ("沿道路步行距离", "walking distance along the roads"),
    "straight_line": ("直线距离（无道路数据）", "straight-line distance (no road data)")})

#: A road segment this close (m) to a community's footprint is one of its streets.
DEFAULT_GATE_M = 30.0
#: Farther than this (m) from every road, a community or facility is measured in a straight line.
DEFAULT_MAX_ACCESS_M = 150.0

COLUMNS = ["community_id", "kind", "distance_m", "circle_m", "served", "method", "facility_id"]


# --- access to the network -------------------------------------------------------------------

@dataclass(frozen=True)
class _Access:
    """Where footprints join the network: row ``node_row[k]`` reaches junction ``node[k]`` at
    ``node_cost[k]`` metres; ``on`` lists the rows that joined the network at all."""

    node_row: np.ndarray
    node: np.ndarray
    node_cost: np.ndarray
    on: np.ndarray


def _facility_access(net: RoadGraph, points: np.ndarray, max_access_m: float):
    """Nearest segment of every point within ``max_access_m``: (rows, segment, leg, along)."""
    rows, seg = net.tree.query_nearest(points, max_distance=max_access_m, all_matches=False)
    leg = shapely.distance(points[rows], net.edge_geometry[seg])
    along = shapely.line_locate_point(net.edge_geometry[seg], points[rows])
    return rows, seg, leg, along


def _community_access(net: RoadGraph, footprints: np.ndarray, *, gate_m: float,
                      max_access_m: float) -> tuple[_Access, tuple[np.ndarray, ...]]:
    """Junctions each footprint reaches and at what cost; its streets' (row, segment, mode)."""
    m = len(footprints)
    valid = np.flatnonzero(~(pd.isna(footprints) | shapely.is_empty(footprints)))
    c, e = net.tree.query(footprints[valid], predicate="dwithin", distance=gate_m)
    c = valid[c]
    gated = np.zeros(m, bool)
    gated[c] = True
    rest = valid[~gated[valid]]
    r, e2 = net.tree.query_nearest(footprints[rest], max_distance=max_access_m, all_matches=False)
    r = rest[r]
    # streets: both ends straight from the footprint
    nodes_xy = shapely.points(net.node_xy)
    gu, gv = net.edge_u[e], net.edge_v[e]
    cost_u = shapely.distance(footprints[c], nodes_xy[gu])
    cost_v = shapely.distance(footprints[c], nodes_xy[gv])
    # nearest road: access leg, then along the segment
    near = shapely.get_point(shapely.shortest_line(footprints[r], net.edge_geometry[e2]), 1)
    leg = shapely.distance(footprints[r], net.edge_geometry[e2])
    along = shapely.line_locate_point(net.edge_geometry[e2], near)
    length = net.edge_length[e2]
    access = _Access(
        node_row=np.concatenate([c, c, r, r]),
        node=np.concatenate([gu, gv, net.edge_u[e2], net.edge_v[e2]]),
        node_cost=np.concatenate([cost_u, cost_v, leg + along, leg + length - along]),
        on=np.union1d(c, r),
    )
    return access, (c, e, r, e2, leg, along)


def _first_per_row(row: np.ndarray, dist: np.ndarray, *extra: np.ndarray, size: int):
    """For each row 0..size-1 the smallest finite ``dist`` and the ``extra`` values with it."""
    ok = np.isfinite(dist)
    row, dist = row[ok], dist[ok]
    extra = [x[ok] for x in extra]
    order = np.lexsort((dist, row))
    row, dist = row[order], dist[order]
    first = np.ones(len(row), bool)
    first[1:] = row[1:] != row[:-1]
    best = np.full(size, np.inf)
    best[row[first]] = dist[first]
    out = []
    for x in extra:
        full = np.full(size, -1, dtype=np.int64)
        full[row[first]] = x[order][first]
        out.append(full)
    return best, out


def _ids_or_none(ids: np.ndarray, pos: np.ndarray, found: np.ndarray) -> np.ndarray:
    """``ids[pos]`` where ``found``, None elsewhere (object array)."""
    out = np.full(len(pos), None, dtype=object)
    out[found] = ids[pos[found]]
    return out


def _check_inputs(communities: gpd.GeoDataFrame, facilities: gpd.GeoDataFrame,
                  id_column: str) -> None:
    require_metric(communities, "communities")
    require_metric(facilities, "facilities")
    if communities.crs != facilities.crs:
        raise CRSError(f"the communities ({communities.crs.name}) and the facilities "
                       f"({facilities.crs.name}) are in different CRSs: load both into one "
                       "analysis CRS (geo.io.load.load_dataset does)",
                       code="layers_crs_differ", params={"kinds": ["communities", "facilities"]})
    if id_column not in communities.columns:
        raise SchemaError(f"the communities layer has no '{id_column}' column; its columns are: "
                          f"{', '.join(map(str, communities.columns))}",
                          code="columns_needed", params={"kind": "communities", "missing": [id_column], "columns": [str(c) for c in communities.columns]})
    if not communities[id_column].is_unique:
        raise SchemaError(f"'{id_column}' values must be unique (geo.io.load rejects duplicates)",
                          code="ids_not_unique", params={"kind": "communities", "column": id_column})
    if "kind" not in facilities.columns:
        raise SchemaError(
            "the facilities layer has no 'kind' column: each facility needs its kind "
            "(clinic, market...). Load it with geo.io.load.load_layer(path, 'facilities'), mapping "
            "the file's column with --map kind=COLUMN (or setting one with --set kind=VALUE)",
                          code="columns_needed", params={"kind": "facilities", "missing": ["kind"], "columns": [str(c) for c in facilities.columns]})


def _circles(circles: Mapping[str, float] | None) -> dict[str, float]:
    chosen = dict(DEFAULT_CIRCLES if circles is None else circles)
    for kind, metres in chosen.items():
        if not (isinstance(metres, (int, float)) and math.isfinite(metres) and metres > 0):
            raise RuleError(f"the circle of '{kind}' must be a positive distance in metres, "
                            f"got {metres!r}; e.g. circles={{'{kind}': 500}}", code="circle_invalid",
                            params={"facility": str(kind),
                                    "value": metres if isinstance(metres, (int, float)) else str(metres)})
    return chosen


def service_gaps(
    communities: gpd.GeoDataFrame,
    facilities: gpd.GeoDataFrame,
    *,
    roads: gpd.GeoDataFrame | RoadGraph | None = None,
    circles: Mapping[str, float] | None = None,
    snap_m: float = DEFAULT_SNAP_M,
    gate_m: float = DEFAULT_GATE_M,
    max_access_m: float = DEFAULT_MAX_ACCESS_M,
    cutoff_m: float | None = None,
    id_column: str = "community_id",
) -> pd.DataFrame:
    """Distance from every community to the nearest facility of every kind, and whether it serves.

    Parameters
    ----------
    communities
        Footprints with ``id_column``, in a metric CRS.
    facilities
        Points with ``kind`` (and ``facility_id``; the index when absent), same CRS. Other
        geometries count by a point on their surface; rows without geometry are not used.
    roads
        The roads layer, or its :func:`road_graph` (built once, passed again). ``None``: every
        distance is a straight line.
    circles
        kind -> service distance (m); default :data:`DEFAULT_CIRCLES`. Only these kinds are
        measured, in this order; a kind without any facility is a gap everywhere.
    snap_m
        Passed to :func:`road_graph` when ``roads`` is a layer.
    gate_m
        Road segments this close to a footprint are its streets (see the module docstring).
    max_access_m
        A community or facility farther than this from every road is measured in a straight line.
    cutoff_m
        Largest distance searched (default twice the largest circle); beyond, ``distance_m`` is NaN.
    id_column
        The communities' id column.

    Returns
    -------
    DataFrame
        One row per (community, kind), communities in order, kinds in ``circles`` order:
        ``community_id``, ``kind``, ``distance_m`` (NaN when none within ``cutoff_m``),
        ``circle_m``, ``served`` (distance at most the circle), ``method`` (``network`` or
        ``straight_line``) and ``facility_id`` (the nearest; None when none).

    Raises
    ------
    CRSError
        A layer without CRS, in degrees, or the layers in different CRSs.
    SchemaError
        No ``id_column`` (or duplicate ids) in the communities, no ``kind`` in the facilities.
    ValueError
        A circle that is not a positive number of metres.

    Example
    -------
    >>> import geopandas as gpd
    >>> from shapely import LineString, Point, box
    >>> homes = gpd.GeoDataFrame({"community_id": ["a", "b"]},
    ...     geometry=[box(0, 10, 50, 60), box(600, 10, 650, 60)], crs=4538)
    >>> pois = gpd.GeoDataFrame({"kind": ["clinic"]}, geometry=[Point(25, 35)], crs=4538)
    >>> service_gaps(homes, pois, circles={"clinic": 300})[["distance_m", "served"]].values.tolist()
    [[0.0, True], [575.0, False]]
    """
    _check_inputs(communities, facilities, id_column)
    chosen = _circles(circles)
    cutoff = float(cutoff_m) if cutoff_m is not None else 2.0 * max(chosen.values(), default=0.0)
    net = roads if isinstance(roads, RoadGraph) or roads is None else road_graph(roads, snap_m=snap_m)
    if net is not None and net.crs != communities.crs:
        raise CRSError(f"the roads ({net.crs.name}) and the communities ({communities.crs.name}) are "
                       "in different CRSs: load both into one analysis CRS",
                       code="layers_crs_differ", params={"kinds": ["roads", "communities"]})

    footprints = np.asarray(communities.geometry.array, dtype=object)
    m = len(footprints)
    fgeom = np.asarray(facilities.geometry.array, dtype=object)
    usable = ~(pd.isna(fgeom) | shapely.is_empty(fgeom))
    usable &= facilities["kind"].notna().to_numpy()
    fpos = np.flatnonzero(usable)
    points = fgeom[fpos]
    not_point = shapely.get_type_id(points) != 0
    points[not_point] = shapely.point_on_surface(points[not_point])
    fkind = facilities["kind"].astype(object).to_numpy()[fpos]
    fid_all = (facilities["facility_id"] if "facility_id" in facilities.columns
               else pd.Series(facilities.index, index=facilities.index))
    fid = fid_all.astype(object).to_numpy()[fpos]

    inside_c, inside_f = shapely.STRtree(points).query(footprints, predicate="intersects")
    if net is not None:
        access, (gc, ge, nr, ne, nleg, nalong) = _community_access(
            net, footprints, gate_m=gate_m, max_access_m=max_access_m)
        f_rows, f_seg, f_leg, f_along = _facility_access(net, points, max_access_m)
        f_on = np.zeros(len(points), bool)
        f_on[f_rows] = True
        on = np.zeros(m, bool)
        on[access.on] = True
        graph = net.graph.copy()
        length = net.edge_length[f_seg]
        to_u, to_v = f_leg + f_along, f_leg + length - f_along
        ring = net.edge_u[f_seg] == net.edge_v[f_seg]
        to_u = np.where(ring, np.minimum(to_u, to_v), to_u)
        graph.add_weighted_edges_from(
            [(-1 - j, int(a), float(w)) for j, a, w in zip(f_rows, net.edge_u[f_seg], to_u)]
            + [(-1 - j, int(b), float(w)) for j, b, w, rg in
               zip(f_rows, net.edge_v[f_seg], to_v, ring) if not rg], weight="length_m")
        # facilities on a community's own street segment, reached without a junction
        seg_fac = pd.DataFrame({"seg": f_seg, "fac": f_rows, "leg": f_leg, "along": f_along})
        streets = pd.DataFrame({"row": np.concatenate([gc, nr]), "seg": np.concatenate([ge, ne]),
                                "gated": np.r_[np.ones(len(gc), bool), np.zeros(len(nr), bool)],
                                "leg": np.r_[np.zeros(len(gc)), nleg],
                                "along": np.r_[np.zeros(len(gc)), nalong]})
        same = streets.merge(seg_fac, on="seg", suffixes=("", "_f"))
        fac_road_pt = shapely.line_interpolate_point(net.edge_geometry[same["seg"].to_numpy()],
                                                     same["along_f"].to_numpy())
        same_cost = np.where(
            same["gated"].to_numpy(),
            shapely.distance(footprints[same["row"].to_numpy()], fac_road_pt),
            same["leg"].to_numpy() + np.abs(same["along"].to_numpy() - same["along_f"].to_numpy()),
        ) + same["leg_f"].to_numpy()
    else:
        on = np.zeros(m, bool)
        f_on = np.zeros(len(points), bool)

    frames = []
    for kind, circle in chosen.items():
        mine = fkind == kind
        rows, dists, facs, straight = [], [], [], []
        if net is not None and mine.any():
            sources = [-1 - j for j in np.flatnonzero(mine & f_on).tolist()]
            node_d = np.full(len(net.node_xy), np.inf)
            node_f = np.full(len(net.node_xy), -1, dtype=np.int64)
            if sources:
                dist, paths = nx.multi_source_dijkstra(graph, sources, cutoff=cutoff, weight="length_m")
                for nd, d in dist.items():
                    if nd >= 0:
                        node_d[nd], node_f[nd] = d, -1 - paths[nd][0]
            rows.append(access.node_row)
            dists.append(access.node_cost + node_d[access.node])
            facs.append(node_f[access.node])
            straight.append(np.zeros(len(access.node), bool))
            sel = mine[same["fac"].to_numpy()]
            rows.append(same["row"].to_numpy()[sel])
            dists.append(same_cost[sel])
            facs.append(same["fac"].to_numpy()[sel])
            straight.append(np.zeros(sel.sum(), bool))
        # straight lines: off-network communities to every facility, and every community to
        # the facilities off the network
        for who, targets in ((~on, mine), (on, mine & ~f_on)):
            cand = np.flatnonzero(who & ~(pd.isna(footprints) | shapely.is_empty(footprints)))
            tpos = np.flatnonzero(targets)
            if len(cand) and len(tpos):
                r, t = shapely.STRtree(points[tpos]).query_nearest(
                    footprints[cand], max_distance=cutoff, all_matches=False)
                rows.append(cand[r])
                dists.append(shapely.distance(footprints[cand[r]], points[tpos[t]]))
                facs.append(tpos[t])
                straight.append(np.ones(len(r), bool))
        sel = mine[inside_f]
        rows.append(inside_c[sel])
        dists.append(np.zeros(sel.sum()))
        facs.append(inside_f[sel])
        straight.append(~on[inside_c[sel]])
        dist = np.concatenate(dists) if dists else np.zeros(0)
        dist = np.where(dist <= cutoff, dist, np.inf)
        best, (fac, line) = _first_per_row(np.concatenate(rows).astype(np.int64), dist,
                                           np.concatenate(facs).astype(np.int64),
                                           np.concatenate(straight).astype(np.int64), size=m)
        found = np.isfinite(best)
        method = np.where(found, np.where(line == 1, "straight_line", "network"),
                          np.where(on, "network", "straight_line"))
        frames.append(pd.DataFrame({
            "community_id": pd.Series(communities[id_column].to_numpy(dtype=object), dtype=object),
            "kind": kind,
            "distance_m": np.where(found, best, np.nan),
            "circle_m": float(circle),
            "served": found & (best <= circle),
            "method": pd.Series(method, dtype=object),
            "facility_id": pd.Series(_ids_or_none(fid, fac, found), dtype=object),
            "_order": np.arange(m),
        }))
    if not frames:
        return pd.DataFrame({c: [] for c in COLUMNS})
    out = pd.concat(frames, ignore_index=True)
    out["_kind"] = np.repeat(np.arange(len(frames)), m)
    out = out.sort_values(["_order", "_kind"], kind="stable").drop(columns=["_order", "_kind"])
    return out.reset_index(drop=True)[COLUMNS]


# --- zones and wide tables -------------------------------------------------------------------

def zone_service(gaps: pd.DataFrame, zone_of: Mapping[str, str]) -> pd.DataFrame:
    """Service of each zone: served for a kind when any member is, at the members' least distance.

    Parameters
    ----------
    gaps
        :func:`service_gaps` table.
    zone_of
        community_id -> zone_id; communities in no zone are absent (and left out).

    Returns
    -------
    DataFrame
        One row per (zone, kind), zones in the order their first member appears in ``gaps``,
        kinds in ``gaps``' order: ``zone_id``, ``kind``, ``distance_m`` (the members' minimum),
        ``circle_m``, ``served``, and the ``method`` and ``facility_id`` of the nearest member.

    Example
    -------
    >>> gaps = pd.DataFrame({"community_id": ["a", "b", "c"], "kind": "clinic",
    ...     "distance_m": [450.0, 120.0, float("nan")], "circle_m": 300.0,
    ...     "served": [False, True, False], "method": "network", "facility_id": ["f1", "f2", None]})
    >>> zone_service(gaps, {"a": "Z1", "b": "Z1", "c": "Z2"})[
    ...     ["zone_id", "distance_m", "served", "facility_id"]].values.tolist()
    [['Z1', 120.0, True, 'f2'], ['Z2', nan, False, None]]
    """
    zone = gaps["community_id"].map(lambda c: zone_of.get(c))
    mine = gaps.assign(zone_id=zone.to_numpy(dtype=object))[zone.notna().to_numpy()]
    mine = mine.drop(columns="community_id")
    zones = {z: i for i, z in enumerate(pd.unique(mine["zone_id"]))}
    kinds = {k: i for i, k in enumerate(pd.unique(gaps["kind"]))}
    served = mine.groupby(["zone_id", "kind"], sort=False)["served"].any()
    mine = mine.assign(_z=mine["zone_id"].map(zones), _k=mine["kind"].map(kinds))
    mine = mine.sort_values(["_z", "_k", "distance_m"], kind="stable", na_position="last")
    best = mine.drop_duplicates(["_z", "_k"]).drop(columns=["_z", "_k"])
    best["served"] = served.loc[list(zip(best["zone_id"], best["kind"]))].to_numpy(dtype=bool)
    ids = best["facility_id"].astype(object)
    best["facility_id"] = ids.where(ids.notna(), None)
    return best.reset_index(drop=True)[["zone_id", *COLUMNS[1:]]]


def gaps_wide(gaps: pd.DataFrame, *, id_column: str = "community_id") -> pd.DataFrame:
    """One row per community (or zone) with a ``gap_<kind>`` column per kind (True = not served).

    Example
    -------
    >>> gaps = pd.DataFrame({"community_id": ["a", "a", "b", "b"],
    ...     "kind": ["clinic", "market"] * 2, "served": [True, False, False, False]})
    >>> gaps_wide(gaps).to_dict("records")
    [{'community_id': 'a', 'gap_clinic': False, 'gap_market': True, 'n_gaps': 1}, \
{'community_id': 'b', 'gap_clinic': True, 'gap_market': True, 'n_gaps': 2}]
    """
    wide = ~gaps.pivot(index=id_column, columns="kind", values="served").astype(bool)
    wide = wide[list(pd.unique(gaps["kind"]))].rename(columns=lambda k: f"gap_{k}")
    wide.columns.name = None
    wide["n_gaps"] = wide.sum(axis=1).astype(np.int64)
    return wide.loc[pd.unique(gaps[id_column])].reset_index()
