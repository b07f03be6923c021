"""GeoDataFrame -> the small, JSON-safe GeoJSON a web map needs.

A map sends every feature to the browser on every rerun, so what is sent is kept small: only the
columns asked for, coordinates rounded (6 decimals of a degree is about 0.1 m), z dropped, and
every value made something :func:`json.dumps` accepts (NaN and NaT become ``null``, numpy and
pandas scalars become Python ones, timestamps become ISO strings).

Example
-------
>>> import geopandas as gpd
>>> from shapely.geometry import Point
>>> gdf = gpd.GeoDataFrame({"name": ["a"]}, geometry=[Point(116.1234567, 39.9)], crs=4326)
>>> to_display_geojson(gdf, ["name"])["features"][0]["geometry"]["coordinates"]
[116.123457, 39.9]
"""

from __future__ import annotations

import datetime as _dt
import decimal
import math
from collections.abc import Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo import CRSError, SchemaError

__all__ = ["feature_ids", "json_safe", "json_safe_values", "to_display_geojson", "to_wgs84"]


def to_wgs84(gdf: gpd.GeoDataFrame, *, layer: str = "layer") -> gpd.GeoDataFrame:
    """Return ``gdf`` in EPSG:4326 (itself when it already is; a converted copy otherwise).

    Parameters
    ----------
    gdf
        Any GeoDataFrame with a CRS.
    layer
        Name used in the error message.

    Returns
    -------
    GeoDataFrame
        In EPSG:4326; the input is never modified.

    Raises
    ------
    CRSError
        When ``gdf`` has no CRS: a map cannot guess where the coordinates are.

    Example
    -------
    >>> import geopandas as gpd
    >>> from shapely.geometry import Point
    >>> gdf = gpd.GeoDataFrame(geometry=[Point(500000, 4400000)], crs=4547)
    >>> round(float(to_wgs84(gdf).geometry.x.iloc[0]), 3)
    114.0
    """
    if gdf.crs is None:
        raise CRSError(
            f"the {layer} layer has no CRS, so it cannot be placed on the map; "
            "state it with gdf.set_crs(...) (e.g. 4490 for CGCS2000 longitude/latitude)"
        )
    if gdf.crs.to_epsg() == 4326:
        return gdf
    return gdf.to_crs(4326)


def json_safe(value: Any) -> Any:
    """Turn one value into something :func:`json.dumps` accepts, ``None`` for any missing value.

    Handles NaN/NaT/``pd.NA``/inf, numpy and pandas scalars, timestamps and dates, decimals and
    bytes; floats holding a whole number become ``int`` (``1985.0`` -> ``1985``).

    Example
    -------
    >>> import numpy as np, pandas as pd
    >>> [json_safe(v) for v in (np.int64(3), np.float64("nan"), pd.NA, 1985.0, pd.Timestamp("2020-01-02"))]
    [3, None, None, 1985, '2020-01-02T00:00:00']
    """
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating, decimal.Decimal)):
        number = float(value)
        if not math.isfinite(number):
            return None
        return int(number) if number.is_integer() and abs(number) < 2**53 else number
    if isinstance(value, str):
        return str(value)  # also turns numpy.str_ into str
    if isinstance(value, (pd.Timestamp, _dt.datetime, _dt.date, _dt.time)):
        return value.isoformat()
    if isinstance(value, np.datetime64):
        return None if np.isnat(value) else pd.Timestamp(value).isoformat()
    if isinstance(value, (pd.Timedelta, _dt.timedelta, np.timedelta64)):
        delta = pd.Timedelta(value)
        return None if pd.isna(delta) else delta.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    if isinstance(value, np.generic):
        return json_safe(value.item())
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    return str(value)


def json_safe_values(series: pd.Series) -> list[Any]:
    """The values of ``series`` as a list of JSON-safe Python values (see :func:`json_safe`).

    Works for every dtype: numpy numbers, nullable ``Int64``/``Float64``/``boolean``, pandas
    ``string``/``str``, categoricals, datetimes with or without a time zone, objects.

    Example
    -------
    >>> import pandas as pd
    >>> json_safe_values(pd.Series([1, None], dtype="Int64"))
    [1, None]
    """
    values = series.astype(object).tolist()
    return [json_safe(v) for v in values]


def to_display_geojson(
    gdf: gpd.GeoDataFrame,
    fields: Sequence[str],
    *,
    precision: int = 6,
    id_column: str | None = None,
    layer: str = "layer",
) -> dict[str, Any]:
    """Build a compact GeoJSON FeatureCollection of ``gdf`` for display.

    Parameters
    ----------
    gdf
        The layer, in any CRS (converted to EPSG:4326); never modified.
    fields
        Columns to send as feature properties, in this order; nothing else is sent.
    precision
        Decimals kept in coordinates (6: about 0.1 m).
    id_column
        Column whose values become the feature ``id`` (as text). ``None``, a missing column or
        duplicate values: the row position is used instead.
    layer
        Name used in error messages.

    Returns
    -------
    dict
        A FeatureCollection whose features carry every field (``None`` where missing). Rows with
        a missing or empty geometry are left out: they cannot be drawn.

    Raises
    ------
    CRSError
        When ``gdf`` has no CRS.
    SchemaError
        When a field is not a column of ``gdf``.

    Example
    -------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> gdf = gpd.GeoDataFrame({"name": ["甲"], "households": [float("nan")]},
    ...                        geometry=[box(116, 39, 116.01, 39.01)], crs=4326)
    >>> to_display_geojson(gdf, ["name", "households"])["features"][0]["properties"]
    {'name': '甲', 'households': None}
    """
    missing = [f for f in fields if f not in gdf.columns]
    if missing:
        raise SchemaError(
            f"the {layer} layer has no column {', '.join(repr(m) for m in missing)}; "
            f"its columns are: {', '.join(map(str, gdf.columns))}"
        )
    gdf = to_wgs84(gdf, layer=layer)
    geoms = np.asarray(gdf.geometry.array, dtype=object)
    drawable = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    geoms = shapely.force_2d(geoms[drawable])
    geoms = shapely.transform(geoms, lambda xy: np.round(xy, precision))

    ids = feature_ids(gdf, id_column)
    ids = [i for i, keep in zip(ids, drawable, strict=True) if keep]
    columns = {
        f: [v for v, keep in zip(json_safe_values(gdf[f]), drawable, strict=True) if keep] for f in fields
    }

    features = []
    for i, geom in enumerate(geoms):
        features.append(
            {
                "type": "Feature",
                "id": ids[i],
                "properties": {f: columns[f][i] for f in fields},
                "geometry": _round_trip(shapely.geometry.mapping(geom)),
            }
        )
    return {"type": "FeatureCollection", "features": features}


def merge_alike(gdf: gpd.GeoDataFrame, fields: list[str]) -> gpd.GeoDataFrame:
    """Lines that show the same values in ``fields`` as one multi-part feature, for display.

    A pipeline network delivered segment by segment repeats the same kind, operator, material
    and year on thousands of features; the map's tooltip and style only need them once per
    group. Coordinates are untouched, only the repeated properties go (the demo city's 22,616
    pipeline segments become about 2,700 features, the page about 6 MB lighter). Columns other
    than ``fields`` are dropped: ids of single segments are not shown.

    Example
    -------
    >>> import geopandas as gpd
    >>> from shapely.geometry import LineString
    >>> pipes = gpd.GeoDataFrame({"kind": ["gas", "gas", "power"]}, crs=4326,
    ...     geometry=[LineString([(0, 0), (1, 0)]), LineString([(1, 0), (2, 0)]), LineString([(0, 1), (1, 1)])])
    >>> merged = merge_alike(pipes, ["kind"])
    >>> merged["kind"].tolist(), merged.geom_type.tolist()
    (['gas', 'power'], ['MultiLineString', 'MultiLineString'])
    """
    geoms = np.asarray(gdf.geometry.array, dtype=object)
    present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    frame = gdf.loc[present, fields]
    keys = frame.astype(object).where(frame.notna(), None).astype(str)
    group = keys.groupby(fields, sort=False, dropna=False).ngroup().to_numpy()
    parts, owner = shapely.get_parts(geoms[present], return_index=True)
    order = np.argsort(group[owner], kind="stable")
    lines = shapely.multilinestrings(parts[order], indices=group[owner][order])
    first = pd.Series(np.arange(len(frame))).groupby(group).first().to_numpy()
    out = frame.iloc[first].reset_index(drop=True)
    return gpd.GeoDataFrame(out, geometry=list(lines), crs=gdf.crs)


def feature_ids(gdf: gpd.GeoDataFrame, id_column: str | None) -> list[str]:
    """Feature ids of the rows of ``gdf``: the id column as text, or row positions.

    The id column is used when it exists and its values are unique and never missing; otherwise
    the row positions (``"0"``, ``"1"``...) are.

    Example
    -------
    >>> import geopandas as gpd
    >>> feature_ids(gpd.GeoDataFrame({"id": [7, 7]}, geometry=[None, None]), "id")
    ['0', '1']
    """
    if id_column is not None and id_column in gdf.columns:
        values = json_safe_values(gdf[id_column])
        texts = [None if v is None else str(v) for v in values]
        if None not in texts and len(set(texts)) == len(texts):
            return texts  # type: ignore[return-value]
    return [str(i) for i in range(len(gdf))]


def _round_trip(geometry: dict[str, Any]) -> dict[str, Any]:
    """Turn the nested tuples of ``mapping()`` into lists (what ``json.loads`` would give)."""

    def lists(obj: Any) -> Any:
        if isinstance(obj, (tuple, list)):
            return [lists(o) for o in obj]
        return obj

    out: dict[str, Any] = {"type": geometry["type"]}
    if "coordinates" in geometry:
        out["coordinates"] = lists(geometry["coordinates"])
    else:  # GeometryCollection
        out["geometries"] = [_round_trip(g) for g in geometry["geometries"]]
    return out


def for_basemap(gdf: gpd.GeoDataFrame, datum: str = "wgs84", *, layer: str = "layer") -> gpd.GeoDataFrame:
    """``gdf`` in EPSG:4326, shifted to a GCJ-02 basemap's datum when ``datum="gcj02"``.

    Amap/Gaode and Tencent tiles are drawn in GCJ-02: true (WGS84/CGCS2000) positions sit some
    hundreds of metres off them. For display only, the data are moved onto the tiles; analysis
    and exports keep the true positions. Use :func:`from_basemap` on anything the planner draws.

    Example
    -------
    >>> from shapely.geometry import Point
    >>> gdf = gpd.GeoDataFrame(geometry=[Point(121.5272106, 31.1774276)], crs=4326)
    >>> p = for_basemap(gdf, "gcj02").geometry.iloc[0]
    >>> round(p.x, 6), round(p.y, 6)
    (121.531542, 31.175304)
    """
    from geo import wgs84_to_gcj02

    gdf = to_wgs84(gdf, layer=layer)
    if datum == "wgs84":
        return gdf
    if datum != "gcj02":
        raise ValueError(f"a basemap datum is wgs84 or gcj02; got {datum!r} (Baidu's BD-09 tiles cannot be shown)")

    def shift(xy: np.ndarray) -> np.ndarray:
        lon, lat = wgs84_to_gcj02(xy[:, 0], xy[:, 1])
        return np.column_stack([lon, lat])

    out = gdf.copy()
    out[gdf.geometry.name] = shapely.transform(np.asarray(gdf.geometry.array, dtype=object), shift)
    return out


def from_basemap(geom: shapely.Geometry, datum: str = "wgs84") -> shapely.Geometry:
    """A shape drawn on a basemap of ``datum``, back in true lon/lat (inverse of :func:`for_basemap`)."""
    from geo import gcj02_to_wgs84

    if datum == "wgs84":
        return geom

    def unshift(xy: np.ndarray) -> np.ndarray:
        lon, lat = gcj02_to_wgs84(xy[:, 0], xy[:, 1])
        return np.column_stack([lon, lat])

    return shapely.transform(geom, unshift)
