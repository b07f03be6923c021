"""Describe any file a planner has: layers, counts, geometry, CRS and datum, mapping, validation.

This is what ``python -m geo info FILE`` prints; the functions return plain data so the app can
show the same thing.

Example
-------
>>> from geo.io.info import describe_file
>>> from geo.io.load import DEMO_PATH
>>> for item in describe_file(DEMO_PATH, layer="barriers"):
...     print(item.layer, item.kind, item.loaded.report.summary())
barriers barriers 50 read, 50 kept (0 repaired), 0 rejected, 0 warnings
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from pyproj import Transformer

from geo.crs.systems import describe_crs
from geo.errors import GeoError
from geo.io.load import LoadedLayer, load_raw
from geo.io.readers import list_layers, read_layer
from geo.io.schema import guess_layer, layer_spec


@dataclass
class LayerDescription:
    """What is known about one layer of a file, and what went wrong with it if anything."""

    layer: str
    features: int | None
    geometry_types: list[str] = field(default_factory=list)
    crs: str = ""
    kind: str | None = None
    kind_guessed: bool = False
    extent_lonlat: tuple[float, float, float, float] | None = None
    loaded: LoadedLayer | None = None
    error: str | None = None
    columns: list[str] = field(default_factory=list)


def _extent(loaded: LoadedLayer) -> tuple[float, float, float, float] | None:
    bounds = loaded.gdf.total_bounds
    if not np.isfinite(bounds).all():
        return None
    t = Transformer.from_crs(loaded.gdf.crs, 4326, always_xy=True)
    west, south, east, north = t.transform_bounds(*bounds)
    return float(west), float(south), float(east), float(north)


def describe_layer(
    path: str | os.PathLike,
    layer: str | None,
    *,
    kind: str | None = None,
    options: Mapping[str, Any] | None = None,
) -> LayerDescription:
    """Read, map and validate one layer; a problem becomes ``error`` text, never an exception.

    ``options`` are the keyword arguments of :func:`geo.io.load.load_raw` (mapping, defaults, crs,
    datum, swap_xy) plus the reader's (encoding, wkt, lon, lat).
    """
    options = dict(options or {})
    reader = {k: options.pop(k) for k in ("encoding", "wkt", "lon", "lat") if k in options}
    desc = LayerDescription(layer=layer or Path(path).stem, features=None)
    try:
        raw = read_layer(path, layer=layer, kind=kind, **reader)
    except GeoError as exc:
        desc.error = str(exc)
        return desc
    frame = raw.frame
    desc.layer = raw.layer
    desc.features = len(frame)
    desc.columns = [c for c in frame.columns if c != frame.geometry.name]
    types = frame.geometry.geom_type.dropna()
    desc.geometry_types = sorted(types.unique().tolist())
    desc.crs = describe_crs(raw.crs)
    if kind is None:
        kind = guess_layer(raw.layer, desc.columns, desc.geometry_types)
        desc.kind_guessed = True
    desc.kind = kind
    if kind is None:
        desc.error = (
            "which layer this is could not be told from its name, columns and geometry: say it "
            "with --kind communities|pipelines|facilities|barriers|admin"
        )
        return desc
    try:
        layer_spec(kind)
        desc.loaded = load_raw(raw, kind, **options)
        desc.extent_lonlat = _extent(desc.loaded)
    except GeoError as exc:
        desc.error = str(exc)
    return desc


def describe_file(
    path: str | os.PathLike,
    *,
    layer: str | None = None,
    kind: str | None = None,
    options: Mapping[str, Any] | None = None,
) -> list[LayerDescription]:
    """Describe every layer of a file (or only ``layer``).

    Raises
    ------
    InputFileError
        When the file itself cannot be opened (missing, empty, damaged, unsupported).
    """
    names = [layer] if layer is not None else [item.name for item in list_layers(path)]
    return [describe_layer(path, name, kind=kind, options=options) for name in names]


def format_description(desc: LayerDescription, *, limit: int | None = 20) -> list[str]:
    """The lines ``geo info`` prints for one layer."""
    lines = [f"layer '{desc.layer}': "
             + (f"{desc.features:,} features" if desc.features is not None else "not read")
             + (f", {'/'.join(desc.geometry_types)}" if desc.geometry_types else "")]
    if desc.crs:
        lines.append(f"  CRS in file: {desc.crs}")
    if desc.kind:
        how = "guessed from its name, columns and geometry; --kind to change" if desc.kind_guessed else "as asked"
        lines.append(f"  read as: {desc.kind} ({how})")
    loaded = desc.loaded
    if loaded is not None:
        report = loaded.report
        spec = layer_spec(report.kind)
        lines.append(f"  CRS used: {report.crs_in}")
        datum = {"wgs84": "WGS84/CGCS2000 (no web-map offset)", "gcj02": "GCJ-02, converted to WGS84",
                 "bd09": "BD-09, converted to WGS84"}[report.datum]
        lines.append(f"  datum: {datum}")
        lines.append(f"  analysis CRS: {report.crs_out}")
        if desc.extent_lonlat:
            w, s, e, n = desc.extent_lonlat
            lines.append(f"  extent: {w:.5f} to {e:.5f} E, {s:.5f} to {n:.5f} N")
        mapped = [f"{canon} <- {src}" if canon != src else canon for canon, src in report.mapping.items()]
        lines.append("  columns mapped: " + (", ".join(mapped) or "none"))
        if report.defaults:
            lines.append("  set for every row: " + ", ".join(f"{k}={v}" for k, v in report.defaults.items()))
        absent = [c for c in spec.column_names if c not in report.mapping and c not in report.defaults]
        if absent:
            lines.append("  not in the file (left empty): " + ", ".join(absent))
        if report.unmapped:
            lines.append("  other columns (kept as they are): " + ", ".join(report.unmapped))
        lines.append(f"  validation: {report.summary()}")
        lines.extend("    " + line for line in report.lines(limit=limit))
    if desc.error:
        lines.append(f"  error: {desc.error}")
    return lines
