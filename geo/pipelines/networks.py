"""Pipeline networks as graphs: data-quality findings and the impact of works on supply.

Each kind's segments become one :class:`networkx.MultiGraph`: an edge per segment (per part of a
MultiLineString), a node per end point, with end points closer than ``snap_m`` merged into one
node (CAD drawings and surveys join pipes "by eye"; ends a few centimetres apart are the same
junction). A network delivered from CAD always has flaws; :func:`network_findings` reports them
as a layer a planner can see on the map, in Chinese and English:

- ``fragment``: pipes not connected to the main network (or, where the layer marks sources, to
  any source): a gap in the drawing or a missing pipe;
- ``near_miss``: a pipe ending within ``near_miss_m`` of another pipe of the same kind without
  meeting it (an undershoot, or a junction drawn without a node);
- ``dangling_end``: a pipe ending nowhere: not at another pipe, a source, a community it
  serves, nor the edge of the mapped area;
- ``snapped``: ends that were not identical but within ``snap_m``, joined (a note, so the
  planner sees where the tool made a choice).

:func:`works_impact` answers "who loses supply while these pipes are replaced?": the communities
whose every connection to the network is cut off from supply once the works' segments are
taken out. Supply comes from the sources (plants, substations, pressure stations) where they are
given; otherwise from the main network, so the cut-off side of a bridge of the graph loses it.
:func:`critical_segments` lists those bridges.

Example
-------
>>> import geopandas as gpd
>>> from shapely import LineString
>>> pipes = gpd.GeoDataFrame({"pipeline_id": ["a", "b", "c"], "kind": ["water_supply"] * 3},
...     geometry=[LineString([(0, 0), (100, 0)]), LineString([(100.05, 0), (200, 0)]),
...               LineString([(500, 0), (600, 0)])], crs=4538)
>>> nets = build_networks(pipes, snap_m=0.2)
>>> nets["water_supply"].graph.number_of_nodes()
5
>>> findings = network_findings(pipes, networks=nets)
>>> sorted(findings["finding"])
['fragment', 'snapped']
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely

from geo.zoning.adjacency import require_metric
from geo.errors import CRSError, SchemaError
from geo.io.schema import PIPELINE_KINDS, choice_label

#: End points closer than this (m) are one node. Detected-pipe surveys are accurate to about
#: a decimetre (CJJ 61); CAD lines drawn "to the same point" miss by millimetres to centimetres.
DEFAULT_SNAP_M = 0.2
#: A pipe ending this close (m) to another of its kind without meeting it is a near miss.
DEFAULT_NEAR_MISS_M = 2.0
#: A network end this close (m) to a community's footprint is its service connection (and a
#: community is served by the nodes this close to it).
DEFAULT_CONNECT_M = 5.0
#: A source (plant, substation, pressure station) joins the network at the nodes this close (m).
DEFAULT_SOURCE_M = 10.0

#: Findings: severity and the planner's words (zh, en); ``{n}``, ``{length}``, ``{distance}``,
#: ``{other}`` are filled in per finding.
FINDINGS: dict[str, tuple[str, str, str]] = {
    "fragment": ("warning",
                 "{kind_zh}管线孤立段：{n}段共{length}米，与主管网（或气源、水源、电源）不连通",
                 ("{kind_en} fragment: {n} segment(s), {length} m, not connected to the main network "
                  "or a source")),
    "near_miss": ("warning",
                  "{kind_zh}管线端点距{other}仅{distance}米但未连接：核实是否应相接",
                  ("{kind_en} pipe ends {distance} m from {other} without meeting it: check whether "
                   "they should join")),
    "dangling_end": ("note",
                     "{kind_zh}管线悬空端点：未接其他管线、源点或小区",
                     "{kind_en} dangling end: meets no other pipe, source or community"),
    "snapped": ("note",
                "{kind_zh}管线{n}个端点相距不足{distance}米，已按同一节点连接",
                "{kind_en}: {n} ends less than {distance} m apart joined into one node"),
}

FINDING_COLUMNS = ["finding_id", "kind", "finding", "severity", "pipeline_ids", "n_segments", "length_m",
                   "distance_m", "words_zh", "words_en", "geometry"]


@dataclass(frozen=True)
class PipeNetwork:
    """One kind's network.

    Attributes
    ----------
    kind
        The pipeline kind.
    graph
        MultiGraph: nodes 0..N-1 (attributes ``x``, ``y``); one edge per segment part, keyed by
        its edge number, with ``segment`` (position in the pipelines layer), ``pipeline_id`` and
        ``length_m``.
    node_xy
        (N, 2) node coordinates (the mean of the ends merged into each).
    edge_segment, edge_u, edge_v, edge_length
        Per edge: segment position, end nodes, length (m).
    snapped
        Per node: how many distinct end positions were merged into it (1: none).
    sources
        Nodes where supply enters (empty when the layer marks none).
    """

    kind: str
    graph: nx.MultiGraph
    node_xy: np.ndarray
    edge_segment: np.ndarray
    edge_u: np.ndarray
    edge_v: np.ndarray
    edge_length: np.ndarray
    snapped: np.ndarray
    sources: frozenset[int] = field(default_factory=frozenset)

    def supplied_nodes(self, graph: nx.MultiGraph | None = None) -> set[int]:
        """Nodes with supply: in a component holding a source, else in the longest component."""
        graph = self.graph if graph is None else graph
        components = list(nx.connected_components(graph))
        if not components:
            return set()
        if self.sources:
            return set().union(*(c for c in components if c & self.sources))
        return set(max(components, key=lambda c: (_component_length(graph, c), min(c))))


def _component_length(graph: nx.MultiGraph, nodes: set[int]) -> float:
    return float(sum(d for _, _, d in graph.subgraph(nodes).edges(data="length_m")))


def cluster_points(points: np.ndarray, snap_m: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Merge points within ``snap_m`` of each other (transitively) into nodes.

    Identical points (to the millimetre) merge first with ``np.unique``; only the distinct
    positions go through the STRtree distance query. The pipe networks and the road graph
    (:mod:`geo.access.roads`) both make their nodes with it.

    Parameters
    ----------
    points
        ``(n, 2)`` coordinates in a metric CRS.
    snap_m
        Points closer than this (metres) are one node; 0 merges identical points only.

    Returns
    -------
    (ndarray, ndarray, ndarray)
        The node of each point (``n``), each node's mean position (``(k, 2)``), and how many
        distinct positions each node merged (``k``).

    Example
    -------
    >>> node, xy, count = cluster_points(np.array([[0, 0], [0.1, 0], [5, 0], [0, 0]]), 0.2)
    >>> node.tolist(), xy.tolist(), count.tolist()
    ([0, 0, 1, 0], [[0.05, 0.0], [5.0, 0.0]], [2, 1])
    """
    key = np.round(points, 3)
    uniq, inverse = np.unique(key, axis=0, return_inverse=True)
    inverse = inverse.ravel()
    label = np.arange(len(uniq))
    if snap_m > 0 and len(uniq) > 1:
        pts = shapely.points(uniq)
        i, j = shapely.STRtree(pts).query(pts, predicate="dwithin", distance=snap_m)
        close = i < j
        if close.any():
            g = nx.Graph()
            g.add_edges_from(zip(i[close].tolist(), j[close].tolist()))
            for comp in nx.connected_components(g):
                members = np.fromiter(comp, dtype=np.int64)
                label[members] = members.min()
    _, node_of_uniq = np.unique(label, return_inverse=True)
    node_of_uniq = node_of_uniq.ravel()
    n_nodes = int(node_of_uniq.max()) + 1 if len(node_of_uniq) else 0
    count = np.bincount(node_of_uniq, minlength=n_nodes)
    xy = np.column_stack([np.bincount(node_of_uniq, weights=uniq[:, d], minlength=n_nodes) / np.maximum(count, 1)
                          for d in (0, 1)]) if n_nodes else np.zeros((0, 2))
    return node_of_uniq[inverse], xy, count


def _sources_xy(sources: gpd.GeoDataFrame | None, kind: str, crs) -> np.ndarray:
    if sources is None or len(sources) == 0:
        return np.zeros((0, 2))
    require_metric(sources, "sources")
    if sources.crs != crs:
        raise CRSError("the sources and the pipelines are in different CRSs; load both into one analysis CRS",
                       code="layers_crs_differ", params={"kinds": ["sources", "pipelines"]})
    mine = sources
    if "kind" in sources.columns:
        mine = sources[sources["kind"].isna() | (sources["kind"] == kind)]
    geoms = np.asarray(mine.geometry.array, dtype=object)
    geoms = geoms[~pd.isna(geoms)]
    return shapely.get_coordinates(shapely.centroid(geoms)) if len(geoms) else np.zeros((0, 2))


def build_network(
    pipelines: gpd.GeoDataFrame,
    kind: str,
    *,
    snap_m: float = DEFAULT_SNAP_M,
    sources: gpd.GeoDataFrame | None = None,
    source_m: float = DEFAULT_SOURCE_M,
) -> PipeNetwork:
    """The graph of one kind's segments, end points within ``snap_m`` merged.

    Parameters
    ----------
    pipelines
        The canonical pipelines layer (metric CRS).
    kind
        The kind to build.
    snap_m
        End points closer than this are one node.
    sources
        Points where supply enters (plants, substations, pressure stations; EPANET reservoirs
        and tanks), with an optional ``kind`` column; each joins the nearest node within
        ``source_m``.

    Returns
    -------
    PipeNetwork

    Example
    -------
    >>> from shapely import LineString
    >>> pipes = gpd.GeoDataFrame({"kind": ["gas", "gas"]},
    ...     geometry=[LineString([(0, 0), (10, 0)]), LineString([(10.1, 0), (20, 0)])], crs=4538)
    >>> build_network(pipes, "gas", snap_m=0.2).graph.number_of_nodes()
    3
    >>> build_network(pipes, "gas", snap_m=0.05).graph.number_of_nodes()
    4
    """
    require_metric(pipelines, "pipelines")
    if "kind" not in pipelines.columns:
        raise SchemaError("the pipelines layer has no 'kind' column; load it with geo.io.load.load_layer",
                          code="columns_needed", params={"kind": "pipelines", "missing": ["kind"]})
    mask = (pipelines["kind"].astype(object) == kind).to_numpy()
    pos = np.flatnonzero(mask)
    geoms = np.asarray(pipelines.geometry.array, dtype=object)[pos]
    present = ~(pd.isna(geoms) | shapely.is_empty(geoms))
    pos, geoms = pos[present], geoms[present]
    parts, part_of = shapely.get_parts(geoms, return_index=True)
    seg = pos[part_of]
    starts = shapely.get_coordinates(shapely.get_point(parts, 0))
    ends = shapely.get_coordinates(shapely.get_point(parts, -1))
    node, xy, snapped = cluster_points(np.concatenate([starts, ends]), snap_m)
    m = len(parts)
    u, v = node[:m], node[m:]
    length = shapely.length(parts)
    ids = (pipelines["pipeline_id"].astype(object).to_numpy()[seg] if "pipeline_id" in pipelines.columns
           else seg.astype(str))
    graph = nx.MultiGraph()
    graph.add_nodes_from((i, {"x": float(x), "y": float(y)}) for i, (x, y) in enumerate(xy))
    graph.add_edges_from(
        (int(a), int(b), k, {"segment": int(s), "pipeline_id": p, "length_m": float(ln)})
        for k, (a, b, s, p, ln) in enumerate(zip(u, v, seg, ids, length)))
    src: set[int] = set()
    sxy = _sources_xy(sources, kind, pipelines.crs)
    if len(sxy) and len(xy):
        tree = shapely.STRtree(shapely.points(xy))
        _, hit_node = tree.query_nearest(shapely.points(sxy), max_distance=source_m, all_matches=False)
        src = set(hit_node.tolist())
    return PipeNetwork(kind=kind, graph=graph, node_xy=xy, edge_segment=seg, edge_u=u, edge_v=v,
                       edge_length=length, snapped=snapped, sources=frozenset(src))


def build_networks(
    pipelines: gpd.GeoDataFrame,
    *,
    snap_m: float = DEFAULT_SNAP_M,
    sources: gpd.GeoDataFrame | None = None,
    source_m: float = DEFAULT_SOURCE_M,
) -> dict[str, PipeNetwork]:
    """:func:`build_network` for every kind present in the layer, in the schema's kind order.

    Example
    -------
    >>> from shapely import LineString
    >>> pipes = gpd.GeoDataFrame({"kind": ["gas", "power"]},
    ...     geometry=[LineString([(0, 0), (10, 0)])] * 2, crs=4538)
    >>> list(build_networks(pipes))
    ['gas', 'power']
    """
    present = set(pipelines["kind"].dropna().astype(str)) if "kind" in pipelines.columns else set()
    return {k: build_network(pipelines, k, snap_m=snap_m, sources=sources, source_m=source_m)
            for k in PIPELINE_KINDS if k in present}


def critical_segments(network: PipeNetwork) -> np.ndarray:
    """Positions (in the pipelines layer) of the segments that are bridges of the graph.

    Taking a bridge out cuts the network in two: whatever lies on the side away from supply
    loses it. Service lines are bridges; a main in a loop is not.

    Example
    -------
    >>> from shapely import LineString
    >>> ring = [LineString([(0, 0), (10, 0)]), LineString([(10, 0), (10, 10)]),
    ...         LineString([(10, 10), (0, 0)]), LineString([(10, 10), (20, 10)])]
    >>> pipes = gpd.GeoDataFrame({"kind": ["water_supply"] * 4}, geometry=ring, crs=4538)
    >>> critical_segments(build_network(pipes, "water_supply")).tolist()
    [3]
    """
    simple = nx.Graph()
    for a, b in zip(network.edge_u.tolist(), network.edge_v.tolist()):
        if a == b:
            continue
        if simple.has_edge(a, b):
            simple[a][b]["n"] += 1
        else:
            simple.add_edge(a, b, n=1)
    bridges = {(a, b) for a, b in nx.bridges(simple) if simple[a][b]["n"] == 1}
    bridges |= {(b, a) for a, b in bridges}
    hit = np.array([(a, b) in bridges for a, b in zip(network.edge_u.tolist(), network.edge_v.tolist())],
                   dtype=bool)
    return np.unique(network.edge_segment[hit])


# --- findings --------------------------------------------------------------------------------

def _fmt(value: float) -> str:
    return f"{value:,.1f}" if value < 10 else f"{value:,.0f}"


def _words(finding: str, kind: str, **values) -> tuple[str, str, str]:
    severity, zh, en = FINDINGS[finding]
    fill = {"kind_zh": choice_label(kind, "zh"), "kind_en": choice_label(kind, "en").capitalize(), **values}
    return severity, zh.format(**fill), en.format(**fill)


def _near_community(xy: np.ndarray, communities: gpd.GeoDataFrame | None, connect_m: float) -> np.ndarray:
    if communities is None or len(communities) == 0 or len(xy) == 0:
        return np.zeros(len(xy), bool)
    tree = shapely.STRtree(np.asarray(communities.geometry.array, dtype=object))
    hit, _ = tree.query(shapely.points(xy), predicate="dwithin", distance=connect_m)
    out = np.zeros(len(xy), bool)
    out[hit] = True
    return out


def network_findings(
    pipelines: gpd.GeoDataFrame,
    *,
    networks: Mapping[str, PipeNetwork] | None = None,
    communities: gpd.GeoDataFrame | None = None,
    snap_m: float = DEFAULT_SNAP_M,
    near_miss_m: float = DEFAULT_NEAR_MISS_M,
    connect_m: float = DEFAULT_CONNECT_M,
    edge_m: float = 1.0,
) -> gpd.GeoDataFrame:
    """Data-quality findings of every kind's network, as a layer for the map.

    Parameters
    ----------
    pipelines
        The canonical pipelines layer (metric CRS).
    networks
        :func:`build_networks` result (built with ``snap_m`` when not given).
    communities
        Footprints: an end within ``connect_m`` of one is its service connection, not a
        dangling end.
    near_miss_m
        An end this close to another pipe of its kind that it does not meet is a near miss.
    edge_m
        Ends this close to the bounding box of the layer are where the network leaves the mapped
        area, not dangling (0: no such allowance).

    Returns
    -------
    GeoDataFrame
        :data:`FINDING_COLUMNS`: ``finding_id`` (F0001...), ``kind``, ``finding``, ``severity``
        (warning / note), ``pipeline_ids`` (comma-separated), ``n_segments``, ``length_m``
        (fragments), ``distance_m`` (near misses: the gap; snapped: the largest merge),
        ``words_zh``, ``words_en``; a point per end (a line set per fragment). Same CRS as the
        pipelines.

    Example
    -------
    >>> from shapely import LineString
    >>> pipes = gpd.GeoDataFrame({"pipeline_id": ["a", "b"], "kind": ["gas", "gas"]},
    ...     geometry=[LineString([(0, 0), (100, 0)]), LineString([(50, 1), (50, 80)])], crs=4538)
    >>> f = network_findings(pipes)
    >>> f[["finding", "pipeline_ids", "distance_m"]].values.tolist()
    [['fragment', 'b', nan], ['near_miss', 'b,a', 1.0]]
    >>> f["words_en"].iloc[1]
    'Gas pipe ends 1.0 m from a without meeting it: check whether they should join'
    """
    require_metric(pipelines, "pipelines")
    if networks is None:
        networks = build_networks(pipelines, snap_m=snap_m)
    geoms = np.asarray(pipelines.geometry.array, dtype=object)
    ids = (pipelines["pipeline_id"].astype(object).to_numpy() if "pipeline_id" in pipelines.columns
           else np.arange(len(pipelines)).astype(str))
    present = ~(pd.isna(geoms) | shapely.is_empty(geoms))
    if present.any():
        x0, y0, x1, y1 = shapely.total_bounds(geoms[present])
    else:
        x0 = y0 = x1 = y1 = 0.0
    rows: list[dict] = []

    def add(kind: str, finding: str, geometry, pipeline_ids: Iterable[str], *, n: int,
            length: float | None = None, distance: float | None = None, words: dict | None = None) -> None:
        severity, zh, en = _words(finding, kind, **(words or {}))
        rows.append({"kind": kind, "finding": finding, "severity": severity,
                     "pipeline_ids": ",".join(map(str, pipeline_ids)), "n_segments": n,
                     "length_m": None if length is None else round(length, 2),
                     "distance_m": None if distance is None else round(distance, 2),
                     "words_zh": zh, "words_en": en, "geometry": geometry})

    for kind, net in networks.items():
        g = net.graph
        # fragments
        supplied = net.supplied_nodes()
        for comp in sorted(nx.connected_components(g), key=min):
            if comp & supplied:
                continue
            keys = [k for _, _, k in g.subgraph(comp).edges(keys=True)]
            seg = net.edge_segment[keys]
            length = float(net.edge_length[keys].sum())
            pids = list(dict.fromkeys(ids[seg].tolist()))
            add(kind, "fragment", shapely.union_all(geoms[np.unique(seg)]), pids, n=len(pids), length=length,
                words={"length": _fmt(length), "n": len(pids)})
        # snapped nodes
        for node in np.flatnonzero(net.snapped > 1):
            keys = [k for _, _, k in g.edges(int(node), keys=True)]
            pids = list(dict.fromkeys(ids[net.edge_segment[keys]].tolist()))
            add(kind, "snapped", shapely.Point(net.node_xy[node]), pids, n=len(pids),
                distance=snap_m, words={"n": int(net.snapped[node]), "distance": f"{snap_m:g}"})
        # ends of degree 1
        degree = np.bincount(np.concatenate([net.edge_u, net.edge_v]), minlength=len(net.node_xy))
        ends = np.flatnonzero(degree == 1)
        ends = ends[~np.isin(ends, list(net.sources))]
        if len(ends) == 0:
            continue
        end_edge = np.empty(len(net.node_xy), dtype=np.int64)
        end_edge[net.edge_u] = np.arange(len(net.edge_u))
        end_edge[net.edge_v] = np.arange(len(net.edge_v))
        own = end_edge[ends]
        # segments sharing a node with the end's own segment do not count as near misses
        pts = shapely.points(net.node_xy[ends])
        edge_geoms = geoms[net.edge_segment]
        tree = shapely.STRtree(edge_geoms)
        pi, ei = tree.query(pts, predicate="dwithin", distance=near_miss_m)
        nbr_u, nbr_v = net.edge_u[own[pi]], net.edge_v[own[pi]]
        other_u, other_v = net.edge_u[ei], net.edge_v[ei]
        adjacent = ((other_u == nbr_u) | (other_u == nbr_v) | (other_v == nbr_u) | (other_v == nbr_v))
        pi, ei = pi[~adjacent], ei[~adjacent]
        dist = shapely.distance(pts[pi], edge_geoms[ei])
        near_dist = np.full(len(ends), np.inf)
        near_edge = np.full(len(ends), -1)
        order = np.lexsort((ei, dist, pi))
        pi_s, ei_s, d_s = pi[order], ei[order], dist[order]
        first = np.ones(len(pi_s), bool)
        first[1:] = pi_s[1:] != pi_s[:-1]
        near_dist[pi_s[first]] = d_s[first]
        near_edge[pi_s[first]] = ei_s[first]
        served = _near_community(net.node_xy[ends], communities, connect_m)
        xy = net.node_xy[ends]
        at_edge = (edge_m > 0) & ((xy[:, 0] - x0 <= edge_m) | (x1 - xy[:, 0] <= edge_m)
                                  | (xy[:, 1] - y0 <= edge_m) | (y1 - xy[:, 1] <= edge_m))
        for i, node in enumerate(ends.tolist()):  # ends of degree 1: a few per km of network
            own_id = ids[net.edge_segment[own[i]]]
            if near_edge[i] >= 0:
                other = ids[net.edge_segment[near_edge[i]]]
                add(kind, "near_miss", pts[i], [own_id, other] if other != own_id else [own_id],
                    n=1, distance=float(near_dist[i]),
                    words={"other": other, "distance": _fmt(float(near_dist[i]))})
            elif not served[i] and not at_edge[i]:
                add(kind, "dangling_end", pts[i], [own_id], n=1)
    out = gpd.GeoDataFrame(rows, columns=FINDING_COLUMNS[1:], geometry="geometry", crs=pipelines.crs)
    out.insert(0, "finding_id", [f"F{i + 1:04d}" for i in range(len(out))])
    for name in ("length_m", "distance_m"):
        out[name] = pd.to_numeric(out[name], errors="coerce")
    return out


# --- impact of works -------------------------------------------------------------------------

def attach_communities(
    network: PipeNetwork,
    communities: gpd.GeoDataFrame,
    *,
    connect_m: float = DEFAULT_CONNECT_M,
) -> pd.DataFrame:
    """Which nodes of the network each community is connected at (nodes within ``connect_m``).

    Returns
    -------
    DataFrame
        ``community_id`` and ``node``, one row per connection.

    Example
    -------
    >>> from shapely import LineString, box
    >>> pipes = gpd.GeoDataFrame({"kind": ["gas"]}, geometry=[LineString([(0, 0), (0, 48)])], crs=4538)
    >>> homes = gpd.GeoDataFrame({"community_id": ["a"]}, geometry=[box(-20, 50, 20, 90)], crs=4538)
    >>> attach_communities(build_network(pipes, "gas"), homes).values.tolist()
    [['a', 1]]
    """
    require_metric(communities, "communities")
    if "community_id" not in communities.columns:
        raise SchemaError("the communities have no 'community_id' column; load them with geo.io.load.load_layer",
                          code="columns_needed", params={"kind": "communities", "missing": ["community_id"]})
    if len(network.node_xy) == 0 or len(communities) == 0:
        return pd.DataFrame({"community_id": pd.Series(dtype=object), "node": pd.Series(dtype=np.int64)})
    tree = shapely.STRtree(shapely.points(network.node_xy))
    ci, ni = tree.query(np.asarray(communities.geometry.array, dtype=object), predicate="dwithin",
                        distance=connect_m)
    return pd.DataFrame({
        "community_id": pd.Series(communities["community_id"].astype(object).to_numpy()[ci], dtype=object),
        "node": ni.astype(np.int64),
    })


def works_impact(
    networks: Mapping[str, PipeNetwork],
    pipeline_ids: Iterable[str],
    communities: gpd.GeoDataFrame,
    *,
    connect_m: float = DEFAULT_CONNECT_M,
) -> pd.DataFrame:
    """The communities that lose supply while the given segments are out of service.

    Per kind: the works' segments are taken out of the graph; a community connected to the
    network (nodes within ``connect_m``) that had supply before and has none at any of its
    connections after loses it. Supply: the sources where the network has them, else the main
    (longest) network, which after the cut is its longest remaining part.

    Parameters
    ----------
    networks
        :func:`build_networks` result.
    pipeline_ids
        The segments under works: one clicked on the map, or a zone's planned segments.
    communities
        Footprints with ``community_id``, in the networks' CRS.

    Returns
    -------
    DataFrame
        ``community_id``, ``kind``, ``cut_by`` (the works' segments around the region cut off
        with it, comma-separated), ``words_zh``, ``words_en``; empty when no one loses supply.

    Example
    -------
    >>> from shapely import LineString, box
    >>> pipes = gpd.GeoDataFrame({"pipeline_id": ["m1", "m2", "svc"], "kind": ["water_supply"] * 3},
    ...     geometry=[LineString([(0, 0), (250, 0)]), LineString([(250, 0), (500, 0)]),
    ...               LineString([(250, 0), (250, 48)])], crs=4538)
    >>> homes = gpd.GeoDataFrame({"community_id": ["a"]}, geometry=[box(200, 50, 300, 100)], crs=4538)
    >>> nets = build_networks(pipes)
    >>> works_impact(nets, ["svc"], homes)[["community_id", "kind", "cut_by"]].values.tolist()
    [['a', 'water_supply', 'svc']]
    """
    wanted = {str(p) for p in pipeline_ids}
    rows = []
    for kind, net in networks.items():
        keys = [k for _, _, k, p in net.graph.edges(keys=True, data="pipeline_id") if str(p) in wanted]
        if not keys:
            continue
        before = net.supplied_nodes()
        removed = set(keys)
        view = nx.restricted_view(net.graph, [], [(int(net.edge_u[k]), int(net.edge_v[k]), k) for k in keys])
        after = net.supplied_nodes(view)
        lost_nodes = before - after
        if not lost_nodes:
            continue
        links = attach_communities(net, communities, connect_m=connect_m)
        links = links[links["node"].isin(before)]
        status = links.assign(lost=links["node"].isin(lost_nodes)).groupby("community_id", sort=False)["lost"].all()
        # the cut-off region: lost nodes joined by what is left, or by a segment under works
        region = nx.Graph(view.subgraph(lost_nodes).edges())
        region.add_nodes_from(lost_nodes)
        region.add_edges_from((int(net.edge_u[k]), int(net.edge_v[k])) for k in removed
                              if net.edge_u[k] in lost_nodes and net.edge_v[k] in lost_nodes)
        for cid in status[status].index:  # the communities cut off: few
            nodes = set(links.loc[links["community_id"] == cid, "node"])
            cut_part = set().union(*(nx.node_connected_component(region, n) for n in nodes))
            border = sorted({str(net.graph.edges[net.edge_u[k], net.edge_v[k], k]["pipeline_id"])
                             for k in removed if net.edge_u[k] in cut_part or net.edge_v[k] in cut_part})
            kz, ke = choice_label(kind, "zh"), choice_label(kind, "en")
            rows.append({"community_id": cid, "kind": kind, "cut_by": ",".join(border),
                         "words_zh": f"施工期间停{kz}：供应仅经由管段{'、'.join(border)}",
                         "words_en": f"loses {ke} during the works: supplied only through {', '.join(border)}"})
    return pd.DataFrame(rows, columns=["community_id", "kind", "cut_by", "words_zh", "words_en"])
