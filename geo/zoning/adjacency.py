"""Which communities touch or lie near each other, and which of those pairs may not be merged.

Two communities are a *pair* when their footprints touch or lie within ``gap_m`` of each other
(polygon-to-polygon distance, not centroid distance: compounds separated by a wall or a lane
are neighbours, which Queen/Rook contiguity misses). A pair is *cut* when the shortest line
between the two footprints crosses a barrier (arterial road, river, railway), or when they lie
in different streets and zones must stay inside one street. Cut pairs are kept with their
reason so a map can show why two communities cannot be merged.

Everything is vectorised over pairs with shapely 2 and its STRtree (benchmarks/README.md
measures why an rtree index is not needed here).

Example
-------
>>> import geopandas as gpd
>>> from shapely import box, LineString
>>> homes = gpd.GeoDataFrame({"community_id": ["a", "b", "c"], "street": ["s1", "s1", "s1"]},
...     geometry=[box(0, 0, 50, 50), box(55, 0, 100, 50), box(130, 0, 180, 50)], crs=4538)
>>> road = gpd.GeoDataFrame({"kind": ["arterial_road"], "name": ["北京南路"]},
...     geometry=[LineString([(115, -20), (115, 70)])], crs=4538)
>>> pairs = community_pairs(homes, barriers=road, gap_m=40)
>>> pairs[["a", "b", "gap_m", "cut", "reason"]].to_records(index=False).tolist()
[('a', 'b', 5.0, False, None), ('b', 'c', 30.0, True, 'barrier')]
"""

from __future__ import annotations

from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo import policy
from geo.errors import CRSError, SchemaError

#: Default largest gap between two footprints that still makes them neighbours: a wall (0 m)
#: or a lane between compounds (3-12 m in old districts) with the set-backs either side
#: (:data:`geo.policy.GAP_M`).
DEFAULT_GAP_M = policy.GAP_M

Reason = Literal["barrier", "street"]

PAIR_COLUMNS = [
    "a", "b", "gap_m", "shared_boundary_m", "same_street", "cut", "reason",
    "barrier_kind", "barrier_name",
]


def require_metric(gdf: gpd.GeoDataFrame, kind: str) -> None:
    """Refuse a layer without CRS or in degrees: distances must be metres.

    Parameters
    ----------
    gdf
        The layer.
    kind
        What it is, as the error names it: a layer kind of :data:`geo.io.schema.LAYERS`
        (``"communities"``, ``"pipelines"`` ...) or ``"zones"``, ``"sources"``.

    Raises
    ------
    CRSError
        Code ``crs_needed`` (no CRS) or ``crs_not_metric`` (degrees), with ``kinds=[kind]``; the
        message names the fix (load through :func:`geo.io.load.load_layer`, or ``to_crs`` a metric
        CRS).

    Example
    -------
    >>> import geopandas as gpd
    >>> from shapely import Point
    >>> try:
    ...     require_metric(gpd.GeoDataFrame(geometry=[Point(121, 31)], crs=4326), "pipelines")
    ... except CRSError as exc:
    ...     print(exc.code, exc.params["kinds"])
    crs_not_metric ['pipelines']
    """
    if gdf.crs is None:
        raise CRSError(f"the {kind} layer has no CRS: load it with geo.io.load.load_layer, which projects it",
                       code="crs_needed", params={"kinds": [kind]})
    if not gdf.crs.is_projected:
        raise CRSError(
            f"the {kind} layer is in {gdf.crs.name} (degrees): distances need metres. Project it first "
            "(geo.io.load.load_layer does, to the local Gauss-Krüger zone)",
            code="crs_not_metric", params={"kinds": [kind], "crs": gdf.crs.name},
        )


def _ids(communities: gpd.GeoDataFrame, id_column: str) -> np.ndarray:
    if id_column not in communities.columns:
        raise SchemaError(f"communities have no '{id_column}' column", code="id_column_missing",
                          params={"column": id_column, "columns": [str(c) for c in communities.columns]})
    ids = communities[id_column].astype(str).to_numpy(dtype=object)
    if len(set(ids)) != len(ids):
        raise SchemaError(f"'{id_column}' values must be unique (geo.io.load rejects duplicates)",
                          code="ids_not_unique", params={"column": id_column})
    return ids


def candidate_pairs(geoms: np.ndarray, gap_m: float) -> tuple[np.ndarray, np.ndarray]:
    """Positions (i, j), i < j, of footprints within ``gap_m`` of each other.

    The STRtree is queried with each bounding box grown by ``gap_m``, then the candidate pairs
    are filtered with ``shapely.dwithin`` once per unordered pair. This is about twice as fast
    as ``predicate="dwithin"`` (which prepares every query geometry) and, unlike it, cannot
    lose a pair lying exactly ``gap_m`` apart because a prepared test rounded the other way in
    one direction (benchmarks/spatial_index.py).
    """
    tree = shapely.STRtree(geoms)
    boxes = shapely.box(*(shapely.bounds(geoms) + np.array([-gap_m, -gap_m, gap_m, gap_m])).T)
    left, right = tree.query(boxes, predicate="intersects")
    keep = left < right
    left, right = left[keep], right[keep]
    near = shapely.dwithin(geoms[left], geoms[right], gap_m)
    return left[near], right[near]


def shared_boundary(geoms: np.ndarray, i: np.ndarray, j: np.ndarray, gap_m: float) -> np.ndarray:
    """Mean length (m) of each footprint's boundary lying within ``gap_m`` of the other."""
    if len(i) == 0:
        return np.zeros(0)
    reach = max(gap_m, 0.01)
    boundaries = shapely.boundary(geoms)
    zones = shapely.buffer(geoms, reach, quad_segs=2)
    ab = shapely.length(shapely.intersection(boundaries[i], zones[j]))
    ba = shapely.length(shapely.intersection(boundaries[j], zones[i]))
    return (ab + ba) / 2.0


def barrier_crossings(
    lines: np.ndarray, barriers: gpd.GeoDataFrame | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each connecting line: does it cross a barrier, and which (kind, name) first.

    A line barrier is crossed when the line meets it; a polygon barrier (a river's water
    surface) when the line runs through its interior.
    """
    n = len(lines)
    crossed = np.zeros(n, bool)
    kinds = np.full(n, None, dtype=object)
    names = np.full(n, None, dtype=object)
    if barriers is None or len(barriers) == 0 or n == 0:
        return crossed, kinds, names
    b_geoms = np.asarray(barriers.geometry.array, dtype=object)
    tree = shapely.STRtree(b_geoms)
    li, bi = tree.query(lines, predicate="intersects")
    if len(li):
        polygonal = np.isin(shapely.get_type_id(b_geoms[bi]), [3, 6])
        through = np.ones(len(li), bool)
        if polygonal.any():
            through[polygonal] = shapely.relate_pattern(lines[li[polygonal]], b_geoms[bi[polygonal]], "T********")
        li, bi = li[through], bi[through]
        order = np.lexsort((bi, li))
        li, bi = li[order], bi[order]
        first = np.unique(li, return_index=True)[1]
        crossed[li] = True
        kind_col = barriers["kind"].to_numpy(dtype=object) if "kind" in barriers else np.full(len(barriers), None)
        name_col = barriers["name"].to_numpy(dtype=object) if "name" in barriers else np.full(len(barriers), None)
        kinds[li[first]] = kind_col[bi[first]]
        names[li[first]] = name_col[bi[first]]
    return crossed, kinds, names


def community_pairs(
    communities: gpd.GeoDataFrame,
    *,
    gap_m: float = DEFAULT_GAP_M,
    barriers: gpd.GeoDataFrame | None = None,
    respect_streets: bool = True,
    id_column: str = "community_id",
    street_column: str = "street",
) -> gpd.GeoDataFrame:
    """The neighbouring pairs of communities, with gap, shared boundary, street and cut reason.

    Parameters
    ----------
    communities
        Footprints in a metric CRS, with a unique id column and (optionally) a street column.
    gap_m
        Largest polygon-to-polygon distance between neighbours, in metres.
    barriers
        Arterial roads, rivers, railways (lines or polygons) in the same CRS; a pair whose
        shortest connecting line crosses one is cut with reason ``"barrier"``.
    respect_streets
        Cut pairs in different streets (reason ``"street"``) so zones stay inside one street.
        A pair with an unknown street on either side is not cut for it.
    id_column, street_column
        Column names.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per pair, ``a < b`` (ids as text), sorted by (a, b) whatever the input order:
        ``gap_m``, ``shared_boundary_m`` (mean length of either boundary within ``gap_m`` of
        the other), ``same_street`` (True / False / None when unknown), ``cut``, ``reason``
        (None, ``"barrier"`` or ``"street"``; barrier wins), ``barrier_kind``,
        ``barrier_name``, and the shortest connecting line as geometry (a zero-length line for
        touching footprints).

    Raises
    ------
    CRSError
        A layer in degrees or without CRS, or the two layers in different CRSs.
    SchemaError
        Missing or duplicate ids.
    """
    require_metric(communities, "communities")
    if barriers is not None and len(barriers):
        require_metric(barriers, "barriers")
        if not barriers.crs.equals(communities.crs):
            raise CRSError("barriers and communities are in different CRSs: load them into one "
                           "dataset (geo.io.load.load_dataset) so they share the analysis CRS",
                           code="layers_crs_differ", params={"kinds": ["communities", "barriers"]})
    policy.check_rule("gap_m", gap_m)  # a RuleError (a ValueError) outside the allowed range
    ids = _ids(communities, id_column)
    geoms = np.asarray(communities.geometry.array, dtype=object)
    i, j = candidate_pairs(geoms, gap_m)
    # a < b by id, so the result does not depend on row order
    swap = ids[i] > ids[j]
    i, j = np.where(swap, j, i), np.where(swap, i, j)
    order = np.lexsort((ids[j], ids[i]))
    i, j = i[order], j[order]

    gaps = shapely.distance(geoms[i], geoms[j])
    lines = shapely.shortest_line(geoms[i], geoms[j])
    crossed, kinds, names = barrier_crossings(lines, barriers)
    crossed &= gaps > 0  # touching footprints share a wall: nothing lies between them

    if street_column in communities.columns:
        streets = communities[street_column].astype(object).where(communities[street_column].notna(), None)
        streets = streets.to_numpy(dtype=object)
        known = np.array([s is not None for s in streets])
        both = known[i] & known[j]
        same = np.where(both, streets[i] == streets[j], None).astype(object)
        different = both & (streets[i] != streets[j])
    else:
        same = np.full(len(i), None, dtype=object)
        different = np.zeros(len(i), bool)

    reason = np.full(len(i), None, dtype=object)
    if respect_streets:
        reason[different] = "street"
    reason[crossed] = "barrier"
    kinds[~crossed] = None
    names[~crossed] = None
    frame = pd.DataFrame({
        "a": ids[i], "b": ids[j],
        "gap_m": np.round(gaps, 2),
        "shared_boundary_m": np.round(shared_boundary(geoms, i, j, gap_m), 1),
        "same_street": pd.Series(same, dtype=object),
        "cut": np.array([r is not None for r in reason], dtype=bool),
        "reason": pd.Series(reason, dtype=object),
        "barrier_kind": pd.Series(kinds, dtype=object),
        "barrier_name": pd.Series(names, dtype=object),
    })
    return gpd.GeoDataFrame(frame, geometry=list(lines), crs=communities.crs)
