"""Walking graph of a roads layer: junctions as nodes, road segments between them as edges.

Road centrelines from CAD drawings, surveys or OpenStreetMap rarely meet exactly: ends that should
be one junction miss by centimetres, and a road often stops on the side of another without a
shared vertex (a T-junction drawn "by eye"). :func:`road_graph` merges ends within ``snap_m``
(the clustering of :mod:`geo.pipelines.networks`, as for pipes) and splits a road where another one's end
stops on its side, so the graph walks through both. Roads that cross without a shared point stay
apart: a bridge or a flyover is not a junction. Build the graph once and pass it to
:func:`geo.access.facilities.service_gaps` as often as needed.

Example
-------
>>> import geopandas as gpd
>>> from shapely import LineString
>>> grid = gpd.GeoDataFrame(geometry=[LineString([(0, 0), (200, 0)]),
...     LineString([(100, 0), (100, 150)])], crs=4538)
>>> g = road_graph(grid)
>>> sorted(round(d["length_m"]) for _, _, d in g.graph.edges(data=True))
[100, 100, 150]
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from geo.zoning.adjacency import require_metric
from geo.errors import SchemaError
from geo.pipelines.networks import cluster_points

#: Road ends closer than this (m) are one junction (centrelines drawn "to the same point").
DEFAULT_SNAP_M = 1.0


@dataclass(frozen=True)
class RoadGraph:
    """A walking graph of a roads layer; build it once with :func:`road_graph`, pass it again.

    Attributes
    ----------
    graph
        Undirected graph: nodes 0..N-1 (attributes ``x``, ``y``), one edge per pair of
        junctions joined by a road (the shortest, when several), weighted by ``length_m``.
    crs
        The roads' CRS (metric).
    node_xy
        (N, 2) junction coordinates.
    edge_geometry, edge_u, edge_v, edge_length, edge_road
        Per segment between two junctions: its line, end nodes, length (m) and position of its
        road in the layer. Segments that close on themselves (a ring) are kept here, not in
        ``graph``.
    snapped
        Per node: how many distinct end positions were merged into it.
    """

    graph: nx.Graph
    crs: CRS
    node_xy: np.ndarray
    edge_geometry: np.ndarray
    edge_u: np.ndarray
    edge_v: np.ndarray
    edge_length: np.ndarray
    edge_road: np.ndarray
    snapped: np.ndarray

    @property
    def tree(self) -> shapely.STRtree:
        """Spatial index of the segments (built on first use)."""
        cached = self.__dict__.get("_tree")
        if cached is None:
            cached = shapely.STRtree(self.edge_geometry)
            object.__setattr__(self, "_tree", cached)
        return cached


def _split(part: shapely.LineString, cuts: np.ndarray) -> list[shapely.LineString]:
    """``part`` cut at the sorted distances ``cuts`` (from its start) into consecutive pieces."""
    from shapely.ops import substring

    edges = np.concatenate([[0.0], cuts, [part.length]])
    return [substring(part, a, b) for a, b in zip(edges[:-1], edges[1:])]


def road_graph(roads: gpd.GeoDataFrame, *, snap_m: float = DEFAULT_SNAP_M) -> RoadGraph:
    """The walking graph of a roads layer: junctions as nodes, segments between them as edges.

    Parameters
    ----------
    roads
        Road centrelines (LineString or MultiLineString) in a metric CRS, e.g. the canonical
        roads layer; missing and empty geometries are skipped.
    snap_m
        Ends closer than this are one junction; an end this close to another road's side,
        away from its ends, splits that road there (a T-junction drawn without a node).

    Returns
    -------
    RoadGraph

    Raises
    ------
    CRSError
        Without CRS or in a geographic CRS.
    SchemaError
        When a geometry is not a line.

    Example
    -------
    >>> from shapely import LineString
    >>> roads = gpd.GeoDataFrame(geometry=[LineString([(0, 0), (100, 0)]),
    ...     LineString([(50, 0.4), (50, 80)])], crs=4538)      # a T drawn without a node
    >>> g = road_graph(roads, snap_m=0.5)
    >>> g.graph.number_of_nodes(), g.graph.number_of_edges()
    (4, 3)
    >>> road_graph(roads, snap_m=0.1).graph.number_of_edges()
    2
    """
    require_metric(roads, "roads")
    geoms = np.asarray(roads.geometry.array, dtype=object)
    present = np.flatnonzero(~(pd.isna(geoms) | shapely.is_empty(geoms)))
    parts, part_of = shapely.get_parts(geoms[present], return_index=True)
    not_line = shapely.get_type_id(parts) != 1
    if not_line.any():
        row = roads.index[present[part_of[np.argmax(not_line)]]]
        raise SchemaError(f"the roads layer must hold lines (LineString, MultiLineString); row "
                          f"{row!r} is a {parts[not_line][0].geom_type}: keep the centrelines only, "
                          "or load the file with geo.io.load.load_layer(path, 'roads')",
                          code="layer_geometry_wrong", params={"kind": "roads", "row": str(row), "geometry_type": parts[not_line][0].geom_type})
    keep = shapely.length(parts) > 0
    parts, road = parts[keep], present[part_of[keep]]
    n = len(parts)
    length = shapely.length(parts)
    starts = shapely.get_point(parts, 0)
    ends = shapely.get_point(parts, -1)
    # ends on another road's side: split that road there
    end_pts = np.concatenate([starts, ends])
    end_part = np.concatenate([np.arange(n), np.arange(n)])
    cut_part, cut_t = np.zeros(0, np.int64), np.zeros(0)
    if n and snap_m > 0:
        e, p = shapely.STRtree(parts).query(end_pts, predicate="dwithin", distance=snap_m)
        other = end_part[e] != p
        e, p = e[other], p[other]
        t = shapely.line_locate_point(parts[p], end_pts[e])
        inside = (t > snap_m) & (t < length[p] - snap_m)
        cut_part, cut_t = p[inside], t[inside]
    # stations along each part: its ends and its cuts; consecutive stations make a segment
    st_part = np.concatenate([np.arange(n), np.arange(n), cut_part])
    st_t = np.concatenate([np.zeros(n), length, cut_t])
    st_t = np.round(st_t, 6)
    order = np.lexsort((st_t, st_part))
    st_part, st_t = st_part[order], st_t[order]
    first = np.ones(len(st_t), bool)
    first[1:] = (st_part[1:] != st_part[:-1]) | (st_t[1:] != st_t[:-1])
    st_part, st_t = st_part[first], st_t[first]
    st_xy = shapely.get_coordinates(shapely.line_interpolate_point(parts[st_part], st_t))
    node, node_xy, snapped = cluster_points(st_xy, snap_m)
    same = st_part[1:] == st_part[:-1]
    seg_part, u, v = st_part[:-1][same], node[:-1][same], node[1:][same]
    t1 = st_t[1:][same]
    edge_geom = parts[seg_part].copy()
    cut = np.unique(cut_part)
    lo, hi = np.searchsorted(seg_part, cut, "left"), np.searchsorted(seg_part, cut, "right")
    for p, a, b in zip(cut.tolist(), lo.tolist(), hi.tolist()):   # only roads with a T on their side
        edge_geom[a:b] = np.asarray(_split(parts[p], t1[a:b - 1]), dtype=object)
    edge_length = shapely.length(edge_geom)
    graph = nx.Graph()
    graph.add_nodes_from((i, {"x": float(x), "y": float(y)}) for i, (x, y) in enumerate(node_xy))
    for k in np.argsort(-edge_length, kind="stable").tolist():   # the shortest of parallel ones wins
        if u[k] != v[k]:
            graph.add_edge(int(u[k]), int(v[k]), length_m=float(edge_length[k]))
    return RoadGraph(graph=graph, crs=roads.crs, node_xy=node_xy, edge_geometry=edge_geom,
                     edge_u=u, edge_v=v, edge_length=edge_length, edge_road=road[seg_part],
                     snapped=snapped)
