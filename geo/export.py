"""Write zoning results the way other tools read them: RFC 7946 GeoJSON, GeoPackage, Excel-ready CSV.

Example
-------
>>> from geo.export import zones_geojson
>>> import geopandas as gpd
>>> from shapely import box
>>> zones = gpd.GeoDataFrame({"zone_id": ["Z1"], "members": [["a", "b"]], "households": [320]},
...                          geometry=[box(524000, 4873000, 524100, 4873050)], crs=4538)
>>> doc = zones_geojson(zones)
>>> doc["type"], doc["features"][0]["properties"]["members"], "crs" in doc
('FeatureCollection', ['a', 'b'], False)
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely


def _plain(value: Any) -> Any:
    """A JSON-ready value: numpy scalars to Python, NaN to None, lists kept."""
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return [_plain(v) for v in value.tolist()]
    if value is None or value is pd.NA:
        return None
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return None if math.isnan(value) else float(value)
    if isinstance(value, (np.bool_,)):
        return bool(value)
    return value


def _rounded(geometry: dict, digits: int) -> dict:
    def walk(obj):
        if isinstance(obj, (list, tuple)):
            if obj and isinstance(obj[0], (int, float)):
                return [round(float(c), digits) for c in obj]
            return [walk(o) for o in obj]
        return obj

    return {"type": geometry["type"], "coordinates": walk(geometry["coordinates"])}


def zones_geojson(zones: gpd.GeoDataFrame, *, digits: int = 7) -> dict:
    """A FeatureCollection of the zones in EPSG:4326 (RFC 7946: lon/lat, CCW exteriors, no crs).

    Properties keep their types; ``members`` stays a JSON list of community ids. Coordinates
    are rounded to ``digits`` decimals (7: about 1 cm).
    """
    wgs = zones.to_crs(4326) if zones.crs is not None and zones.crs.to_epsg() != 4326 else zones
    geoms = shapely.orient_polygons(np.asarray(wgs.geometry.array, dtype=object), exterior_cw=False)
    columns = [c for c in wgs.columns if c != wgs.geometry.name]
    features = []
    for k, geom in enumerate(geoms):
        props = {c: _plain(wgs[c].iloc[k]) for c in columns}
        features.append({
            "type": "Feature",
            "id": props.get("zone_id", k),
            "properties": props,
            "geometry": None if geom is None else _rounded(shapely.geometry.mapping(geom), digits),
        })
    return {"type": "FeatureCollection", "features": features}


def write_geojson(zones: gpd.GeoDataFrame, path: str | os.PathLike) -> Path:
    """Write :func:`zones_geojson` to ``path`` (UTF-8, Chinese kept readable)."""
    path = Path(path)
    path.write_text(json.dumps(zones_geojson(zones), ensure_ascii=False), encoding="utf-8")
    return path


def write_assignments_csv(assignments: pd.DataFrame, path: str | os.PathLike) -> Path:
    """One row per community: community_id, zone_id (empty when unplaced), reason, and the rest.

    UTF-8 with a byte-order mark, so Excel opens the Chinese text correctly.
    """
    path = Path(path)
    first = ["community_id", "zone_id", "reason"]
    ordered = first + [c for c in assignments.columns if c not in first]
    assignments[ordered].to_csv(path, index=False, encoding="utf-8-sig")
    return path


def write_gpkg(zones: gpd.GeoDataFrame, communities: gpd.GeoDataFrame, assignments: pd.DataFrame,
               path: str | os.PathLike) -> Path:
    """A GeoPackage with a ``zones`` layer and a ``communities`` layer carrying each one's zone.

    GeoPackage has no list type: ``members`` is written as comma-separated ids.
    """
    path = Path(path)
    if path.exists():
        path.unlink()
    table = zones.copy()
    table["members"] = [",".join(m) for m in table["members"]]
    pyogrio.write_dataframe(table, path, layer="zones", driver="GPKG")
    keep = ["community_id", "zone_id", "role", "candidate", "reason_code", "reason", "relaxation"]
    joined = communities.merge(assignments[keep], on="community_id", how="left", suffixes=("_layer", ""))
    pyogrio.write_dataframe(joined, path, layer="communities", driver="GPKG", append=True)
    return path
