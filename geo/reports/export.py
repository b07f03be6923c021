"""Write zoning results the way other tools read them: RFC 7946 GeoJSON, GeoPackage, Excel-ready CSV.

GeoJSON is written by GDAL through pyogrio (:func:`geojson_bytes`), tables by :mod:`geo.io.tables`.

Example
-------
>>> from geo.reports.export import zones_geojson
>>> import geopandas as gpd
>>> from shapely import box
>>> zones = gpd.GeoDataFrame({"zone_id": ["Z1"], "members": [["a", "b"]], "households": [320]},
...                          geometry=[box(524000, 4873000, 524100, 4873050)], crs=4538)
>>> doc = zones_geojson(zones)
>>> doc["type"], doc["features"][0]["properties"]["members"], "crs" in doc
('FeatureCollection', ['a', 'b'], False)
"""

from __future__ import annotations

import io
import json
import os
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio

from geo.io.tables import plain_value, write_csv
from geo.zoning.members import encode_members, parse_members
from geo.zoning.zones import REASONS, reason_text


def _json_ready(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """A copy GDAL writes as it should: ``members`` a list of ids, any tuple or array a list."""
    lists = {}
    for column in gdf.columns:
        if column == gdf.active_geometry_name or gdf[column].dtype != object:
            continue
        values = gdf[column].to_numpy(dtype=object)
        if column == "members":
            lists[column] = pd.Series([parse_members(v) for v in values], index=gdf.index, dtype=object)
        elif any(isinstance(v, (tuple, np.ndarray)) for v in values):
            lists[column] = pd.Series([list(plain_value(v)) if isinstance(v, (list, tuple, np.ndarray)) else v
                                       for v in values], index=gdf.index, dtype=object)
    return gdf.assign(**lists) if lists else gdf


def geojson_bytes(gdf: gpd.GeoDataFrame, *, digits: int = 7, name: str | None = None) -> bytes:
    """An RFC 7946 FeatureCollection of ``gdf`` as UTF-8 bytes, written by GDAL (pyogrio).

    GDAL's GeoJSON driver with ``RFC7946=YES`` does what the RFC asks: coordinates in EPSG:4326
    (lon/lat, reprojected from any CRS), polygons by the right-hand rule (exteriors
    counter-clockwise, holes clockwise), no ``crs`` member, ``digits`` decimals
    (``COORDINATE_PRECISION``). A frame without a CRS is taken as lon/lat already. ``members`` is
    written as a JSON array of ids (:func:`geo.zoning.members.parse_members`), other tuples and
    arrays as JSON arrays; NaN and NA as ``null``. A column holds one JSON type: GDAL writes a
    column mixing numbers and text as text.

    Example
    -------
    >>> from shapely import box
    >>> frame = gpd.GeoDataFrame({"members": [("a", "b")]}, geometry=[box(0, 0, 1, 1)], crs=4326)
    >>> json.loads(geojson_bytes(frame))["features"][0]["properties"]
    {'members': ['a', 'b']}
    """
    table = _json_ready(gdf if gdf.crs is not None else gdf.set_crs(4326))
    buffer = io.BytesIO()
    pyogrio.write_dataframe(table, buffer, driver="GeoJSON", layer=name or "features",
                            layer_options={"RFC7946": "YES", "COORDINATE_PRECISION": str(int(digits)),
                                           "WRITE_NAME": "YES" if name else "NO"})
    return buffer.getvalue()


def geojson_features(
    gdf: gpd.GeoDataFrame,
    *,
    digits: int = 7,
    id_column: str | None = None,
    properties: dict[str, Any] | None = None,
) -> list[dict]:
    """RFC 7946 Features of a GeoDataFrame (:func:`geojson_bytes`: EPSG:4326 lon/lat, CCW exteriors).

    Parameters
    ----------
    gdf
        Any GeoDataFrame; projected to EPSG:4326 when its CRS is another one (a frame without a
        CRS is taken as lon/lat already).
    digits
        Decimals kept in coordinates (7: about 1 cm).
    id_column
        Column whose value becomes each Feature's ``id``; the row's position when None or absent.
    properties
        Properties put first in every Feature (e.g. ``{"layer": "zone"}``); row values win.

    Returns
    -------
    list of dict
        One Feature per row, in row order; properties JSON-ready (NaN -> null, lists kept).

    Example
    -------
    >>> from shapely import box
    >>> frame = gpd.GeoDataFrame({"id": ["x"]}, geometry=[box(0, 0, 1, 1)], crs=4326)
    >>> feature = geojson_features(frame, id_column="id", properties={"layer": "zone"})[0]
    >>> feature["id"], feature["properties"], feature["geometry"]["coordinates"][0][:2]
    ('x', {'layer': 'zone', 'id': 'x'}, [[1.0, 0.0], [1.0, 1.0]])
    """
    extra = {k: v for k, v in (properties or {}).items() if k not in gdf.columns}
    table = gdf
    if extra:
        table = gdf.copy()
        for k, (key, value) in enumerate(extra.items()):
            table.insert(k, key, pd.Series([value] * len(gdf), index=gdf.index, dtype=object))
    features = json.loads(geojson_bytes(table, digits=digits))["features"]
    if id_column is not None and id_column in gdf.columns:
        ids = [plain_value(v) for v in gdf[id_column].to_numpy(dtype=object)]
    else:
        ids = list(range(len(gdf)))
    return [{"type": "Feature", "id": ident, "properties": f.get("properties") or {}, "geometry": f.get("geometry")}
            for f, ident in zip(features, ids)]


def zones_geojson(zones: gpd.GeoDataFrame, *, digits: int = 7) -> dict:
    """A FeatureCollection of the zones in EPSG:4326 (RFC 7946: lon/lat, CCW exteriors, no crs).

    Properties keep their types; ``members`` stays a JSON list of community ids. Coordinates
    are rounded to ``digits`` decimals (7: about 1 cm). Each Feature's ``id`` is its ``zone_id``.
    """
    return {"type": "FeatureCollection",
            "features": geojson_features(zones, digits=digits, id_column="zone_id")}


def write_geojson(zones: gpd.GeoDataFrame, path: str | os.PathLike) -> Path:
    """Write :func:`zones_geojson` to ``path`` (UTF-8, Chinese kept readable)."""
    path = Path(path)
    path.write_text(json.dumps(zones_geojson(zones), ensure_ascii=False), encoding="utf-8")
    return path


def write_assignments_csv(assignments: pd.DataFrame, path: str | os.PathLike) -> Path:
    """One row per community: community_id, zone_id (empty when unplaced), reason (en), reason_zh, the rest.

    Every community out of every zone has its reason in both languages (``ZoningResult.assignments``:
    why a candidate is left out, or why a community is no candidate); a table without ``reason_zh``
    gets it from its ``reason_code`` (:func:`geo.zoning.zones.reason_text`). Written by
    :func:`geo.io.tables.write_csv` (UTF-8 with BOM, CRLF, formula-safe cells).
    """
    table = assignments
    if "reason_zh" not in table.columns and "reason_code" in table.columns:
        table = table.assign(reason_zh=[reason_text(c, "zh") if isinstance(c, str) and c in REASONS else None
                                        for c in table["reason_code"]])
    first = [c for c in ("community_id", "zone_id", "reason", "reason_zh") if c in table.columns]
    ordered = first + [c for c in table.columns if c not in first]
    return write_csv(table[ordered], path)


def write_gpkg(zones: gpd.GeoDataFrame, communities: gpd.GeoDataFrame, assignments: pd.DataFrame,
               path: str | os.PathLike) -> Path:
    """A GeoPackage with a ``zones`` layer and a ``communities`` layer carrying each one's zone.

    GeoPackage has no list type: ``members`` is written as a JSON array of ids
    (:func:`geo.zoning.members.encode_members`; read it back with :func:`geo.zoning.members.parse_members`).
    """
    path = Path(path)
    if path.exists():
        path.unlink()
    table = zones.copy()
    table["members"] = [encode_members(parse_members(m)) for m in table["members"]]
    pyogrio.write_dataframe(table, path, layer="zones", driver="GPKG")
    keep = [c for c in ("community_id", "zone_id", "role", "candidate", "reason_code", "reason", "reason_zh",
                        "relaxation") if c in assignments.columns]
    joined = communities.merge(assignments[keep], on="community_id", how="left", suffixes=("_layer", ""))
    pyogrio.write_dataframe(joined, path, layer="communities", driver="GPKG", append=True)
    return path


def write_field_aliases(
    path: str | os.PathLike,
    layer: str,
    aliases: dict[str, str],
    *,
    descriptions: dict[str, str] | None = None,
) -> Path:
    """Record field aliases of a GeoPackage layer in ``gpkg_data_columns`` (the Schema extension).

    GDAL (3.3 and later) reads ``gpkg_data_columns.name`` as a field's alternative name and
    ``description`` as its comment; QGIS shows them as the field's alias and comment. The table
    is created with the GeoPackage 1.2.1+ definition and the ``gpkg_schema`` extension is
    registered in ``gpkg_extensions`` for both of its tables, as the standard requires.

    Parameters
    ----------
    path
        An existing GeoPackage (written by GDAL/pyogrio) holding ``layer``.
    layer
        The table whose columns are described.
    aliases
        column name -> alias; columns the table does not have are ignored. Aliases must be
        unique within the layer (the standard's ``UNIQUE (table_name, name)``): a repeated one
        gets the column name appended.
    descriptions
        column name -> longer description (units, what the value means).

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    geo.errors.InputFileError
        When ``path`` is not a GeoPackage holding ``layer``.

    Example
    -------
    >>> import tempfile, sqlite3
    >>> from shapely import Point
    >>> target = Path(tempfile.mkdtemp()) / "a.gpkg"
    >>> gpd.GeoDataFrame({"households": [3]}, geometry=[Point(0, 0)], crs=4326).to_file(target)
    >>> _ = write_field_aliases(target, "a", {"households": "户数"})
    >>> sqlite3.connect(target).execute("SELECT column_name, name FROM gpkg_data_columns").fetchall()
    [('households', '户数')]
    """
    import sqlite3

    from geo.errors import InputFileError

    path = Path(path)
    descriptions = descriptions or {}
    try:
        con = sqlite3.connect(path)
    except sqlite3.Error as exc:  # pragma: no cover - sqlite opens almost anything
        raise InputFileError(f"{path}: cannot be opened as a GeoPackage ({exc})") from exc
    try:
        with con:
            known = {row[0] for row in con.execute("SELECT table_name FROM gpkg_contents")}
            if layer not in known:
                raise InputFileError(
                    f"{path}: has no layer '{layer}' (layers: {', '.join(sorted(known)) or 'none'}); "
                    "write the layer first, then its aliases")
            columns = [row[1] for row in con.execute(f'PRAGMA table_info("{layer}")')]
            con.executescript(_SCHEMA_EXTENSION_DDL)
            for table in ("gpkg_data_columns", "gpkg_data_column_constraints"):
                # NULL column_name: the UNIQUE constraint does not catch a repeat, so check first
                con.execute(
                    "INSERT INTO gpkg_extensions (table_name, column_name, extension_name, definition, scope) "
                    "SELECT ?, NULL, 'gpkg_schema', ?, 'read-write' WHERE NOT EXISTS (SELECT 1 FROM "
                    "gpkg_extensions WHERE table_name = ? AND extension_name = 'gpkg_schema')",
                    (table, _SCHEMA_EXTENSION_URL, table))
            used: set[str] = set()
            rows = []
            for column in columns:
                if column not in aliases:
                    continue
                alias = str(aliases[column])
                if alias in used:
                    alias = f"{alias} ({column})"
                used.add(alias)
                rows.append((layer, column, alias, alias, descriptions.get(column)))
            con.execute("DELETE FROM gpkg_data_columns WHERE table_name = ?", (layer,))
            con.executemany(
                "INSERT INTO gpkg_data_columns (table_name, column_name, name, title, description) "
                "VALUES (?, ?, ?, ?, ?)", rows)
    except sqlite3.DatabaseError as exc:
        raise InputFileError(f"{path}: is not a GeoPackage ({exc}); write it with write_gpkg or "
                             "pyogrio first") from exc
    finally:
        con.close()
    return path


_SCHEMA_EXTENSION_URL = "http://www.geopackage.org/spec121/#extension_schema"
_SCHEMA_EXTENSION_DDL = """
CREATE TABLE IF NOT EXISTS gpkg_extensions (
  table_name TEXT, column_name TEXT, extension_name TEXT NOT NULL, definition TEXT NOT NULL,
  scope TEXT NOT NULL, CONSTRAINT ge_tce UNIQUE (table_name, column_name, extension_name));
CREATE TABLE IF NOT EXISTS gpkg_data_columns (
  table_name TEXT NOT NULL, column_name TEXT NOT NULL, name TEXT, title TEXT, description TEXT,
  mime_type TEXT, constraint_name TEXT,
  CONSTRAINT pk_gdc PRIMARY KEY (table_name, column_name),
  CONSTRAINT gdc_tn UNIQUE (table_name, name));
CREATE TABLE IF NOT EXISTS gpkg_data_column_constraints (
  constraint_name TEXT NOT NULL, constraint_type TEXT NOT NULL, value TEXT, min NUMERIC,
  min_is_inclusive BOOLEAN, max NUMERIC, max_is_inclusive BOOLEAN, description TEXT,
  CONSTRAINT gdcc_ntv UNIQUE (constraint_name, constraint_type, value));
"""
