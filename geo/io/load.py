"""Load a planner's file as one canonical layer, in the analysis CRS, with a full report.

The steps, in order: read the file (:mod:`geo.io.readers`); map its columns onto the layer model
(:mod:`geo.io.schema`, aliases plus the user's mapping); parse values (:mod:`geo.io.parse`); decide the
CRS and catch coordinate mistakes (:mod:`geo.crs.systems`); convert GCJ-02/BD-09 to WGS84
(:mod:`geo.crs.datums`); project to the metric analysis CRS; validate geometry, ids and ranges
(:mod:`geo.io.validate`). Every row is kept, repaired or rejected with a reason in the report.

Example
-------
>>> from geo.io.load import DEMO_PATH, load_layer
>>> loaded = load_layer(DEMO_PATH, "communities")
>>> loaded.report.summary()
'1100 read, 1100 kept (0 repaired), 0 rejected, 0 warnings'
>>> loaded.gdf.crs.to_epsg()
4538
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS, Transformer

from geo.crs.systems import check_coordinates, describe_crs, local_metric_crs, resolve_crs
from geo.crs.datums import to_wgs84
from geo.crs.hints import datum_offset_hints
from geo.errors import GeoError, SchemaError, ValidationError
from geo.io.parse import parse_column
from geo.io.limits import check_features, check_vertices
from geo.io.readers import RawLayer, count_vertices, read_layer
from geo.io.schema import LAYERS, match_columns, layer_spec
from geo.io.validate import LoadReport, RowIssue, check_finite, check_geometries, check_ids, check_ranges

#: The demo city shipped with the tool.
DEMO_PATH = Path(__file__).resolve().parents[2] / "data" / "demo.gpkg"


@dataclass
class LoadedLayer:
    """A canonical layer and the report of how it was loaded.

    ``datum_unstated`` is True when the file held lon/lat and no datum was stated: read as
    WGS84/CGCS2000, it may really be GCJ-02 or BD-09 (:func:`add_datum_hints` checks that).
    """

    gdf: gpd.GeoDataFrame
    report: LoadReport
    datum_unstated: bool = False


def _typical_xy(geoms: np.ndarray) -> np.ndarray:
    """One coordinate pair per geometry (its bounds' lower-left corner); NaN for missing ones."""
    xy = np.full((len(geoms), 2), np.nan)
    present = ~pd.isna(geoms)
    if present.any():
        bounds = shapely.bounds(geoms[present])
        xy[present] = bounds[:, :2]
    return xy


def _missing_values(kind: str, index: pd.Index) -> pd.Series:
    """An all-missing column of the dtype a canonical column of ``kind`` has."""
    if kind in ("int", "year"):
        return pd.Series(pd.array([None] * len(index), dtype="Int64"), index=index)
    if kind in ("float", "share"):
        return pd.Series(np.nan, index=index, dtype="float64")
    return pd.Series([None] * len(index), index=index, dtype=object)


def canonical_frame(
    raw: gpd.GeoDataFrame,
    layer: str,
    *,
    mapping: Mapping[str, str],
    defaults: Mapping[str, Any] | None = None,
    kinds: Mapping[str, str] | None = None,
) -> tuple[gpd.GeoDataFrame, list[RowIssue]]:
    """Rename and parse the mapped columns; add missing canonical ones empty; keep the rest.

    Returns the frame (canonical columns first, then the file's other columns, then geometry)
    and one issue per value that could not be read.
    """
    spec = layer_spec(layer)
    defaults = dict(defaults or {})
    issues: list[RowIssue] = []
    out: dict[str, Any] = {}
    n = len(raw)
    for col in spec.columns:
        if col.name in defaults:
            source = pd.Series([defaults[col.name]] * n, index=raw.index)
            label = f"{col.name} (set to {defaults[col.name]!r})"
        elif col.name in mapping:
            source = raw[mapping[col.name]]
            label = f"{mapping[col.name]}" + ("" if mapping[col.name] == col.name else f" -> {col.name}")
        else:
            out[col.name] = _missing_values(col.kind, raw.index)
            continue
        values, notes = parse_column(source, col.kind, column=col, kinds=kinds if col.keeps_unknown else None)
        out[col.name] = values
        for note in notes:
            issues.append(RowIssue(note.position, "warning", note.code or f"value_{note.severity}",
                                   note.message + ("" if note.severity == "warning" else ": left empty"),
                                   column=label))
    for name in spec.trace_columns:  # a file's own words are kept only when there is one
        if name in out and pd.Series(out[name]).isna().all():
            del out[name]
    used = set(mapping.values())
    for name in raw.columns:
        if name == raw.geometry.name or name in used:
            continue
        target = name if name not in out else f"{name}_source"
        out[target] = raw[name]
    frame = gpd.GeoDataFrame(out, geometry=raw.geometry.values, index=raw.index, crs=raw.crs)
    return frame, issues


@contextmanager
def _named(place: Mapping[str, str]) -> Iterator[None]:
    """Name the file and layer (``RawLayer.place``) in the params of a coded error raised inside:
    the CRS checks and the schema know a layer only by the English words of ``RawLayer.where``."""
    try:
        yield
    except GeoError as exc:
        if exc.code is not None:
            try:
                exc.params = {**exc.params, **place}
            except AttributeError:  # a class whose params are a property names its own facts
                pass
        raise


def load_raw(
    raw: RawLayer,
    layer: str,
    *,
    mapping: Mapping[str, str] | None = None,
    defaults: Mapping[str, Any] | None = None,
    crs: object | None = None,
    datum: str | None = None,
    swap_xy: bool = False,
    target_crs: object | None = None,
    kinds: Mapping[str, str] | None = None,
) -> LoadedLayer:
    """Turn a :class:`geo.io.readers.RawLayer` into a canonical layer (see :func:`load_layer`)."""
    with _named(raw.place):
        return _load_raw(raw, layer, mapping=mapping, defaults=defaults, crs=crs, datum=datum,
                         swap_xy=swap_xy, target_crs=target_crs, kinds=kinds)


def _load_raw(raw: RawLayer, layer: str, *, mapping: Mapping[str, str] | None,
              defaults: Mapping[str, Any] | None, crs: object | None, datum: str | None, swap_xy: bool,
              target_crs: object | None, kinds: Mapping[str, str] | None = None) -> LoadedLayer:
    spec = layer_spec(layer)
    place = raw.place
    where = raw.where
    # a RawLayer made elsewhere than read_layer is bounded the same way, before the heavy work
    check_features(place["file"], len(raw.frame))
    check_vertices(place["file"], count_vertices(raw.frame.geometry.values))
    headers = [c for c in raw.frame.columns if c != raw.frame.geometry.name]
    match = match_columns(headers, layer, user_mapping=mapping)
    defaults = dict(defaults or {})
    for name in defaults:
        spec.column(name)  # raises SchemaError for an unknown column
    missing = [c.name for c in spec.columns if c.required and c.name not in match.mapping and c.name not in defaults]
    if missing:
        raise SchemaError(
            f"{where}: no column for {', '.join(missing)} of layer '{layer}'. Map it to one of "
            f"the file's columns ({', '.join(headers) or 'none'}) with --map {missing[0]}=COLUMN, "
            f"or set one value for every row with --set {missing[0]}=VALUE",
            code="columns_missing", params={**place, "kind": layer, "missing": missing, "columns": headers},
        )
    report = LoadReport(source=raw.source, layer=raw.layer, kind=layer, rows_read=len(raw.frame),
                        mapping=dict(match.mapping), unmapped=list(match.unmapped), defaults=defaults,
                        row_base=raw.row_base, row_word=raw.row_word)
    for note in raw.notes:
        action = "rejected" if note.reject else "note"
        report.issues.append(RowIssue(note.position, action, note.code, note.message, column=note.column))
    for canonical, others in match.ambiguous.items():
        report.issues.append(RowIssue(None, "warning", "ambiguous_column",
                                      f"{canonical} taken from '{match.mapping[canonical]}'; "
                                      f"{', '.join(others)} could also be it (kept as extra columns; "
                                      f"use --map {canonical}=COLUMN to choose)", column=canonical))
    if len(raw.frame) == 0:
        raise ValidationError(f"{where}: the layer has no features", code="layer_empty", params=place)

    frame, value_issues = canonical_frame(raw.frame, layer, mapping=match.mapping, defaults=defaults, kinds=kinds)
    report.issues.extend(value_issues)

    # NaN / infinite coordinates: rejected row by row before GEOS or a projection meets them
    geoms, finite_issues = check_finite(np.asarray(frame.geometry.values, dtype=object), _row_ids(frame, spec),
                                        column=raw.frame.geometry.name)
    report.issues.extend(finite_issues)
    if len(geoms) and not {i.position for i in report.rejected} < set(range(len(geoms))):
        _refuse_all(report, where, place, layer)  # every row unreadable or with NaN/inf: say why, row by row
    if swap_xy:
        geoms = shapely.transform(geoms, lambda c: c[:, ::-1])
        report.issues.append(RowIssue(None, "note", "swap_xy", "x and y swapped as asked (--swap-xy)"))
    typical = _typical_xy(geoms)
    source_crs, web_datum, crs_warnings = resolve_crs(raw.crs, stated_crs=crs, datum=datum, source=where,
                                                      sample_xy=typical)
    datum_unstated = datum is None and source_crs.is_geographic
    report.crs_in = describe_crs(source_crs)
    report.datum = web_datum
    check = check_coordinates(typical, source_crs, source=where)
    for text in crs_warnings + check.warnings:
        report.issues.append(RowIssue(None, "warning", "crs", text))
    if web_datum in ("gcj02", "bd09"):
        geoms = np.asarray(to_wgs84(geoms, web_datum), dtype=object)
        source_crs = CRS.from_epsg(4326)
        report.issues.append(RowIssue(None, "note", "datum",
                                      f"coordinates converted from {web_datum.upper()} to WGS84"))
    gdf = gpd.GeoDataFrame(frame.drop(columns=frame.geometry.name), geometry=list(geoms),
                           crs=source_crs, index=frame.index)

    # areas, lengths and repairs are checked in metres, whatever CRS the layer is returned in
    target = None if target_crs is None else CRS.from_user_input(target_crs)
    metric = target if target is not None and _is_metric(target) else choose_analysis_crs(gdf)
    target = target if target is not None else metric
    gdf = gdf.to_crs(metric)
    report.crs_out = describe_crs(target)

    prefix = {"communities": "C", "pipelines": "P", "facilities": "F"}.get(layer)
    gdf, id_issues = check_ids(gdf, layer, prefix=prefix)
    gdf, geom_issues = check_geometries(gdf, layer)
    unreadable = {i.position for i in report.issues if i.action == "rejected"}  # read notes, bad coordinates
    geom_issues = [i for i in geom_issues if not (i.code == "no_geometry" and i.position in unreadable)]
    range_issues = check_ranges(gdf, layer)
    choice_rejects = _required_choices(gdf, value_issues, spec)
    report.issues.extend(id_issues + geom_issues + range_issues + choice_rejects)

    rejected = sorted({i.position for i in report.issues if i.action == "rejected" and i.position is not None})
    keep = np.ones(len(gdf), bool)
    keep[rejected] = False
    gdf = gdf.loc[keep].reset_index(drop=True)
    report.rows_kept = int(keep.sum())
    if report.rows_kept == 0:
        _refuse_all(report, where, place, layer)
    if not target.equals(metric):
        gdf = gdf.to_crs(target)
    return LoadedLayer(gdf, report, datum_unstated=datum_unstated)


def _is_metric(crs: CRS) -> bool:
    """True for a projected CRS in metres (where the area and length checks can run)."""
    return bool(crs.is_projected and crs.axis_info and crs.axis_info[0].unit_name in ("metre", "meter"))


def _main_reason(report: LoadReport) -> tuple[RowIssue | None, int]:
    """The reason that rejects the most rows, at its first row, and how many rows it rejects.

    A few duplicate ids must not hide that every footprint is a sliver: the reason named is the
    one most rows share (on a tie, the one met first in the file).
    """
    rows: dict[str, set[int]] = {}
    first: dict[str, RowIssue] = {}
    for issue in report.rejected:
        key = issue.code
        position = -1 if issue.position is None else issue.position
        rows.setdefault(key, set()).add(position)
        if key not in first or position < (-1 if first[key].position is None else first[key].position):
            first[key] = issue
    if not rows:
        return None, 0
    code = max(rows, key=lambda c: (len(rows[c]), -min(rows[c])))
    return first[code], len(rows[code])


def _refuse_all(report: LoadReport, where: str, place: Mapping[str, str], layer: str) -> None:
    """Raise ``all_rows_rejected`` with the main reason (every row of the layer was rejected)."""
    first, count = _main_reason(report)
    raise ValidationError(
        f"{where}: every one of the {report.rows_read} rows was rejected (main reason: "
        f"{first.message if first else 'no rows'}"
        f"{f', {count} rows' if first and count > 1 else ''}). "
        "Nothing can be loaded; see the full report with `python -m geo info`",
        code="all_rows_rejected",
        params={**place, "kind": layer, "rows": report.rows_read, "reason": first.code if first else "",
                "row": "" if first is None or first.position is None else first.position + report.row_base,
                "column": (first.column or "") if first else ""},
    )


def _row_ids(frame: pd.DataFrame, spec) -> list[str | None]:
    """The rows' ids as the file gives them (None where missing), for the report."""
    if spec.id_column and spec.id_column in frame.columns:
        return [None if pd.isna(v) else str(v) for v in frame[spec.id_column].tolist()]
    return [None] * len(frame)


def _required_choices(gdf: pd.DataFrame, value_issues: list[RowIssue], spec) -> list[RowIssue]:
    """Reject rows whose required choice (a pipeline's kind...) is missing or unknown."""
    out = []
    for col in spec.columns:
        if not (col.required and col.kind == "choice"):
            continue
        for pos in np.flatnonzero(pd.isna(gdf[col.name]).to_numpy()):
            ident = None
            if spec.id_column:
                ident = str(gdf[spec.id_column].iloc[pos])
            out.append(RowIssue(int(pos), "rejected", "missing_required",
                                f"no usable {col.name}: every {spec.label_en.lower()} feature needs one "
                                f"of {', '.join(col.choices)}", column=col.name, row_id=ident))
    return out


def choose_analysis_crs(gdf: gpd.GeoDataFrame) -> CRS:
    """The local metric CRS for a layer: Gauss-Krüger zone of its centre in China, else UTM.

    Example
    -------
    >>> from shapely import Point
    >>> g = gpd.GeoDataFrame(geometry=[Point(87.3, 44.0)], crs=4326)
    >>> choose_analysis_crs(g).to_epsg()
    4538
    """
    geoms = np.asarray(gdf.geometry.values, dtype=object)
    xy = _typical_xy(geoms)
    xy = xy[np.isfinite(xy).all(axis=1)]
    if len(xy) == 0:
        raise ValidationError("no geometry with finite coordinates to place the layer", code="no_coordinates")
    x, y = np.median(xy, axis=0)
    to_lonlat = Transformer.from_crs(gdf.crs, 4326, always_xy=True)
    lon, lat = to_lonlat.transform(x, y)
    return local_metric_crs(lon, lat)


def load_layer(
    path: str | os.PathLike,
    layer: str,
    *,
    file_layer: str | None = None,
    mapping: Mapping[str, str] | None = None,
    defaults: Mapping[str, Any] | None = None,
    crs: object | None = None,
    datum: str | None = None,
    encoding: str | None = None,
    swap_xy: bool = False,
    wkt: str | None = None,
    lon: str | None = None,
    lat: str | None = None,
    target_crs: object | None = None,
    kinds: Mapping[str, str] | None = None,
) -> LoadedLayer:
    """Load one canonical layer from a file.

    Parameters
    ----------
    path
        GeoJSON, GeoPackage, Shapefile (or zip), CSV or XLSX.
    layer
        The canonical layer: communities, pipelines, facilities, barriers or admin.
    file_layer
        The layer or sheet inside the file, when it has several.
    mapping
        canonical column -> file column, for names the aliases do not know.
    defaults
        canonical column -> one value for every row (``{"kind": "river"}``).
    crs
        The CRS, when the file has none or a wrong one (``"EPSG:4538"``).
    datum
        ``wgs84``, ``cgcs2000``, ``gcj02`` or ``bd09``; web datums are converted to WGS84.
    encoding
        Text encoding, when detection fails.
    swap_xy
        Swap x and y (data written as lat/lon, or X=northing drawings).
    wkt, lon, lat
        Geometry columns of a table when not recognised.
    target_crs
        The analysis CRS; by default the local metric CRS of the layer's centre.

    kinds
        A planner's table of words outside our kinds -> one of our kinds (pipelines, facilities:
        :func:`geo.io.parse.parse_kinds` reads one); other unknown words are kept as ``other``
        with the file's word in ``kind_original``.

    Returns
    -------
    LoadedLayer

    Raises
    ------
    InputFileError, LayerNotFoundError, CRSError, SchemaError, ValidationError
        Each with a message naming the file and the fix.
    """
    raw = read_layer(path, layer=file_layer, kind=layer, encoding=encoding, wkt=wkt, lon=lon, lat=lat)
    return load_raw(raw, layer, mapping=mapping, defaults=defaults, crs=crs, datum=datum,
                    swap_xy=swap_xy, target_crs=target_crs, kinds=kinds)


@dataclass
class Dataset:
    """The layers of one study area, all in one analysis CRS, with their load reports."""

    layers: dict[str, gpd.GeoDataFrame]
    reports: dict[str, LoadReport] = field(default_factory=dict)

    @property
    def crs(self) -> CRS:
        """The analysis CRS shared by every layer."""
        return next(iter(self.layers.values())).crs

    def to_display(self) -> dict[str, gpd.GeoDataFrame]:
        """Every layer in EPSG:4326 for maps and GeoJSON."""
        return {name: gdf.to_crs(4326) for name, gdf in self.layers.items()}


def load_dataset(sources: Mapping[str, Mapping[str, Any] | str | os.PathLike]) -> Dataset:
    """Load several layers into one analysis CRS, chosen once from the communities (or the first).

    Parameters
    ----------
    sources
        layer name -> path, or -> keyword arguments of :func:`load_layer` including ``path``.

    Example
    -------
    >>> ds = load_dataset({"communities": DEMO_PATH, "barriers": DEMO_PATH})
    >>> list(ds.layers), ds.crs.to_epsg()
    (['communities', 'barriers'], 4538)
    """
    order = sorted(sources, key=lambda name: (name != "communities", list(LAYERS).index(name)))
    layers: dict[str, gpd.GeoDataFrame] = {}
    reports: dict[str, LoadReport] = {}
    target = None
    for name in order:
        spec = sources[name]
        kwargs = dict(spec) if isinstance(spec, Mapping) else {"path": spec}
        loaded = load_layer(kwargs.pop("path"), name, target_crs=target, **kwargs)
        target = loaded.gdf.crs
        layers[name] = loaded
    add_datum_hints(layers)
    ordered = {name: layers[name].gdf for name in LAYERS if name in layers}
    return Dataset(ordered, {name: layers[name].report for name in layers})


def add_datum_hints(loaded: Mapping[str, LoadedLayer]) -> list[RowIssue]:
    """Warn in its report when a layer read as lon/lat without a datum looks like GCJ-02 or BD-09.

    The layers (of one place, in one metric CRS) are compared pairwise
    (:func:`geo.crs.hints.datum_offset_hints`); a layer that fits another one much better once
    converted from GCJ-02 or BD-09 gets a ``datum_offset`` warning naming the pattern, the measured
    offset and the fix (load it with that datum). Nothing is converted. Call it after loading the
    layers one by one (``load_dataset`` does); layers in different CRSs are compared in the metric
    CRS of the first.

    Returns
    -------
    list of RowIssue
        The warnings added (each also in its layer's report).
    """
    suspects = [name for name, item in loaded.items() if item.datum_unstated]
    frames = {name: item.gdf for name, item in loaded.items() if len(item.gdf)}
    if not suspects or len(frames) < 2:
        return []
    metric = next(iter(frames.values())).crs
    if metric is None or not _is_metric(metric):  # in lon/lat (target_crs=4326): measure in metres
        metric = choose_analysis_crs(next(iter(frames.values())))
    frames = {name: g if g.crs is not None and g.crs.equals(metric) else g.to_crs(metric)
              for name, g in frames.items() if g.crs is not None}
    added = []
    for hint in datum_offset_hints(frames, suspects):
        issue = RowIssue(None, "warning", "datum_offset", hint.message())
        report = loaded[hint.layer].report
        if not any(i.code == "datum_offset" for i in report.issues):
            report.issues.append(issue)
            added.append(issue)
    return added


def load_demo(path: str | os.PathLike = DEMO_PATH) -> Dataset:
    """The bundled demo city (all six layers of ``data/demo.gpkg``) as a :class:`Dataset`."""
    return load_dataset({name: {"path": path, "file_layer": name} for name in LAYERS})


def dataset_fingerprint(dataset: Dataset) -> str:
    """A short, stable fingerprint of the communities a zoning is made on.

    Two datasets with the same community ids, households and footprints (in the same CRS) have
    the same fingerprint, on any machine and after any restart; a proposal records it, so that it
    is never silently opened on, compared with, or saved over other data.

    Example
    -------
    >>> ds = load_dataset({"communities": DEMO_PATH})
    >>> dataset_fingerprint(ds) == dataset_fingerprint(load_dataset({"communities": DEMO_PATH}))
    True
    >>> len(dataset_fingerprint(ds))
    16
    """
    import hashlib

    communities = dataset.layers["communities"]
    digest = hashlib.sha256()
    digest.update(str(communities.crs.to_epsg() if communities.crs is not None else "").encode())
    digest.update("\x1f".join(communities["community_id"].astype(str)).encode())
    households = pd.to_numeric(communities.get("households"), errors="coerce") if "households" in communities \
        else pd.Series(dtype=float)
    digest.update(np.asarray(households, dtype=float).round(3).tobytes())
    digest.update(b"".join(shapely.to_wkb(shapely.set_precision(communities.geometry.array, 0.01), hex=False)
                           .tolist()))
    return digest.hexdigest()[:16]
