"""Validation of a loaded layer: every row kept, repaired or rejected, with a reason a planner reads.

The checks run on whole arrays (shapely 2) and collect every problem before reporting once. A row
is never dropped without an entry in the :class:`LoadReport`.

Example
-------
>>> import geopandas as gpd
>>> from shapely import box, Polygon
>>> bowtie = Polygon([(0, 0), (10, 10), (10, 0), (0, 10)])
>>> gdf = gpd.GeoDataFrame({"community_id": ["a", "b", "a"]},
...                        geometry=[box(0, 0, 5, 5), bowtie, None], crs=4538)
>>> kept, issues = check_geometries(gdf, "communities")
>>> sorted({i.code for i in issues})
['invalid_geometry_repaired', 'no_geometry']
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from datetime import date
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.io.parse import parse_kinds, unknown_choice_value
from geo.io.schema import LAYERS, OTHER_KIND, LayerSpec, is_truncation, layer_spec, normalize_value, truncation_words

Action = Literal["rejected", "repaired", "warning", "note"]

#: Polygons smaller than this after repair are slivers, not communities.
MIN_POLYGON_AREA_M2 = 1.0


@dataclass(frozen=True)
class RowIssue:
    """One finding: a row rejected or repaired, a value not read, or a note on the whole layer.

    ``position`` is the row's 0-based position in the file (None for a layer-wide note);
    reports show it as the number a person finds the row by.
    """

    position: int | None
    action: Action
    code: str
    message: str
    column: str | None = None
    row_id: str | None = None


@dataclass
class LoadReport:
    """What happened to a layer on its way in.

    Attributes
    ----------
    source, layer, kind
        The file, the layer inside it and the canonical layer it was loaded as.
    crs_in, datum, crs_out
        The CRS the data was in (as read or stated), the web datum converted from, and the CRS
        the layer is returned in.
    rows_read, rows_kept
        Counts; ``rows_read - rows_kept`` rows are rejected, each with an issue.
    mapping, unmapped, defaults
        canonical column -> file column; file columns kept as they are; constants set.
    issues
        Every :class:`RowIssue`.
    row_base, row_word
        How positions are shown: ``row_base + position`` ("feature 1", or "row 2" under a header).
    """

    source: str
    layer: str
    kind: str
    crs_in: str = ""
    datum: str = "wgs84"
    crs_out: str = ""
    rows_read: int = 0
    rows_kept: int = 0
    mapping: dict[str, str] = field(default_factory=dict)
    unmapped: list[str] = field(default_factory=list)
    defaults: dict[str, object] = field(default_factory=dict)
    issues: list[RowIssue] = field(default_factory=list)
    row_base: int = 1
    row_word: str = "feature"

    def __post_init__(self) -> None:
        # the columns matched as names the shapefile format cut, said once, first
        self.issues[:0] = [i for i in truncation_issues(self.mapping, self.kind)
                           if i not in self.issues]

    def _of(self, action: Action) -> list[RowIssue]:
        return [i for i in self.issues if i.action == action]

    @property
    def rejected(self) -> list[RowIssue]:
        """Issues that rejected a row."""
        return self._of("rejected")

    @property
    def repaired(self) -> list[RowIssue]:
        """Rows kept after a repair (geometry made valid, type converted)."""
        return self._of("repaired")

    @property
    def warnings(self) -> list[RowIssue]:
        """Values not read or read with a caveat, and layer-wide warnings."""
        return self._of("warning")

    @property
    def notes(self) -> list[RowIssue]:
        """Plain information (encoding used, ids generated)."""
        return self._of("note")

    def row_label(self, position: int | None) -> str:
        """'feature 12' / 'row 14' for a position; 'layer' for a layer-wide issue."""
        return "layer" if position is None else f"{self.row_word} {position + self.row_base}"

    def to_frame(self) -> pd.DataFrame:
        """One line per issue: where, id, column, action, code, message."""
        rows = []
        for issue in self.issues:
            item = asdict(issue)
            item["where"] = self.row_label(issue.position)
            rows.append(item)
        columns = ["where", "row_id", "column", "action", "code", "message", "position"]
        return pd.DataFrame(rows, columns=columns)

    def summary(self) -> str:
        """One line: kept, repaired, rejected, warnings."""
        rejected = {i.position for i in self.rejected}
        repaired = {i.position for i in self.repaired} - rejected
        return (
            f"{self.rows_read} read, {self.rows_kept} kept ({len(repaired)} repaired), "
            f"{self.rows_read - self.rows_kept} rejected, {len(self.warnings)} warnings"
        )

    def lines(self, *, limit: int | None = 20) -> list[str]:
        """Readable lines for a terminal or a page, most serious first, at most ``limit`` per kind."""
        out: list[str] = []
        for action in ("rejected", "repaired", "warning", "note"):
            items = sorted(self._of(action), key=lambda i: -1 if i.position is None else i.position)  # type: ignore[arg-type]
            for issue in items[: limit if limit is not None else len(items)]:
                where = self.row_label(issue.position)
                ident = f" ({issue.row_id})" if issue.row_id else ""
                col = f" [{issue.column}]" if issue.column else ""
                out.append(f"{action:8s} {where}{ident}{col}: {issue.message}")
            if limit is not None and len(items) > limit:
                out.append(f"{action:8s} ... and {len(items) - limit} more (see the full report)")
        return out


def truncation_issues(mapping: dict[str, str], layer: str) -> list[RowIssue]:
    """A ``column_truncated`` note for each column taken from a name the shapefile format cut.

    ``mapping``: canonical column -> the file's column (:attr:`geo.io.schema.ColumnMatch.mapping`).

    Example
    -------
    >>> [i.message for i in truncation_issues({"community_id": "community_", "households": "households"},
    ...                                       "communities")]
    ['community_ → community_id (name cut by the shapefile format)']
    """
    if layer not in LAYERS:
        return []
    return [RowIssue(None, "note", "column_truncated", truncation_words(source, canonical), column=canonical)
            for canonical, source in mapping.items() if is_truncation(source, canonical, layer)]


def kind_counts(gdf: pd.DataFrame, column: str = "kind") -> dict[str, int]:
    """The file's own words kept as ``other`` (``kind_original``) and their rows, most rows first.

    Example
    -------
    >>> kind_counts(pd.DataFrame({"kind": ["other", "gas", "other"], "kind_original": ["中水", None, "中水"]}))
    {'中水': 2}
    """
    trace = f"{column}_original"
    if column not in gdf.columns or trace not in gdf.columns:
        return {}
    words = gdf.loc[(gdf[column] == OTHER_KIND).to_numpy(bool), trace].dropna().astype(str)
    return {str(k): int(v) for k, v in words.value_counts(sort=True).items()}


def apply_kinds(gdf: gpd.GeoDataFrame, report: LoadReport, kinds: dict[str, str] | None
                ) -> tuple[gpd.GeoDataFrame, LoadReport]:
    """Give the rows loaded as ``other`` the kinds a planner's table names for their file's word.

    For a loaded pipelines or facilities layer (``report.kind``): each row whose ``kind`` is
    ``other`` and whose ``kind_original`` the table names (folded as values are) takes that kind;
    the ``kind_unknown`` warning of each such word is replaced by one ``kind_mapped`` note. The
    table is checked as :func:`geo.io.parse.parse_kinds` checks it. The same as giving the table
    when the layer is parsed (``parse_column(..., kinds=)``), for a layer loaded already.

    Parameters
    ----------
    gdf, report
        A loaded layer and its report (``geo.io.load.LoadedLayer``); neither is changed.
    kinds
        The file's value -> one of our kinds (code or word), e.g. ``{"中水": "drainage"}``.

    Returns
    -------
    (GeoDataFrame, LoadReport)
        Copies, the kinds given.

    Raises
    ------
    SchemaError
        ``kinds_kind_unknown``: the table gives a value a kind that is not one of the layer's.

    Example
    -------
    >>> from geo.io.parse import unknown_choice_words
    >>> from shapely import Point
    >>> kind = layer_spec("pipelines").column("kind")
    >>> gdf = gpd.GeoDataFrame({"kind": ["other", "gas", "other"], "kind_original": ["中水", None, "cold"]},
    ...                        geometry=[Point(0, 0)] * 3)
    >>> report = LoadReport("p.shp", "p", "pipelines", issues=[
    ...     RowIssue(0, "warning", "kind_unknown", unknown_choice_words("中水", kind, 1), column="kind"),
    ...     RowIssue(2, "warning", "kind_unknown", unknown_choice_words("cold", kind, 1), column="kind")])
    >>> out, rep = apply_kinds(gdf, report, {"中水": "排水"})
    >>> out["kind"].tolist(), [i.code for i in rep.issues]
    (['drainage', 'gas', 'other'], ['kind_unknown', 'kind_mapped'])
    """
    out = gdf.copy()
    issues = list(report.issues)
    if not kinds or report.kind not in LAYERS:
        return out, replace(report, issues=issues)
    for col in layer_spec(report.kind).columns:
        trace = f"{col.name}_original"
        if not col.keeps_unknown or col.name not in out.columns or trace not in out.columns:
            continue
        table = parse_kinds(kinds, col)
        other = (out[col.name] == OTHER_KIND).to_numpy(bool) & out[trace].notna().to_numpy(bool)
        given = pd.Series([table.get(normalize_value(v)) if o else None
                           for v, o in zip(out[trace].tolist(), other)], index=out.index, dtype=object)
        hit = given.notna().to_numpy(bool)
        if not hit.any():
            continue
        out.loc[hit, col.name] = given[hit]
        mapped = {normalize_value(v) for v in out.loc[hit, trace]}
        issues = [i for i in issues if not (i.action == "warning" and (v := unknown_choice_value(i.message, col))
                                            is not None and normalize_value(v) in mapped)]
        words = out.loc[hit, trace].astype(str)
        for word, rows in words.value_counts(sort=False).items():
            target = table[normalize_value(word)]
            issues.append(RowIssue(None, "note", "kind_mapped",
                                   f"'{word}' ({rows} {'row' if rows == 1 else 'rows'}) read as {col.name} "
                                   f"{target}, as the kinds table says", column=col.name))
    return out, replace(report, issues=issues)


def nonfinite_vertices(geoms: np.ndarray) -> dict[int, tuple[int, float, float]]:
    """The geometries holding a NaN or infinite coordinate: position -> (vertex number from 1, x, y)
    of the first such vertex. Missing geometries are left out (they are no geometry, not a bad one).

    Example
    -------
    >>> from shapely import LineString, Point
    >>> nonfinite_vertices(np.array([Point(1, 2), LineString([(0, 0), (float("nan"), 1)]), None], dtype=object))
    {1: (2, nan, 1.0)}
    """
    geoms = np.asarray(geoms, dtype=object)
    present = np.flatnonzero(~pd.isna(geoms))
    if not len(present):
        return {}
    coords, owner = shapely.get_coordinates(geoms[present], return_index=True)
    bad = ~np.isfinite(coords).all(axis=1)
    if not bad.any():
        return {}
    starts = np.searchsorted(owner, np.arange(len(present)))
    out: dict[int, tuple[int, float, float]] = {}
    for k in np.flatnonzero(bad):
        pos = int(present[owner[k]])
        if pos not in out:
            out[pos] = (int(k - starts[owner[k]]) + 1, float(coords[k, 0]), float(coords[k, 1]))
    return out


def nonfinite_message(geom_type: str, vertex: int, x: float, y: float, *, where: str = "") -> str:
    """Words for a geometry with a NaN or infinite coordinate: which vertex, what it holds, the fix.

    >>> nonfinite_message("Point", 1, float("inf"), 44.0)
    'the point is (inf, 44): a coordinate that is NaN or infinite cannot be placed; correct it in the file (or delete the row) and load it again'
    """
    at = f"the point is ({x:g}, {y:g})" if geom_type == "Point" else \
        f"vertex {vertex} of the {geom_type} is ({x:g}, {y:g})"
    return (f"{where}{at}: a coordinate that is NaN or infinite cannot be placed; correct it in the file "
            "(or delete the row) and load it again")


def check_finite(geoms: np.ndarray, ids: list[str | None], *, column: str = "geometry"
                 ) -> tuple[np.ndarray, list[RowIssue]]:
    """Reject the geometries with a NaN or infinite coordinate, before anything computes with them
    (GEOS stops on them, projections spread them): a copy of ``geoms`` with those set to None, and
    one ``bad_coordinates`` issue per row naming the vertex and its values."""
    geoms = np.asarray(geoms, dtype=object).copy()
    issues = []
    for pos, (vertex, x, y) in nonfinite_vertices(geoms).items():
        issues.append(RowIssue(pos, "rejected", "bad_coordinates",
                               nonfinite_message(geoms[pos].geom_type, vertex, x, y), column=column,
                               row_id=ids[pos] if pos < len(ids) else None))
        geoms[pos] = None
    return geoms, issues


def _type_family(geom_type: str) -> str:
    return geom_type.replace("Multi", "")


def _polygonal_part(geom: shapely.Geometry) -> shapely.Geometry | None:
    """The polygons of a (repaired) geometry as one Polygon/MultiPolygon, or None."""
    parts = [g for g in shapely.get_parts(geom) if g.geom_type in ("Polygon", "MultiPolygon")]
    if not parts:
        return None
    merged = shapely.union_all(parts)
    return merged if not merged.is_empty else None


def _linear_part(geom: shapely.Geometry) -> shapely.Geometry | None:
    parts = [g for g in shapely.get_parts(geom) if g.geom_type in ("LineString", "LinearRing")]
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else shapely.multilinestrings(parts)


def check_geometries(gdf: gpd.GeoDataFrame, layer: str) -> tuple[gpd.GeoDataFrame, list[RowIssue]]:
    """Check the geometries of a layer in a metric CRS: reject, repair or keep each row.

    Rejected: no geometry, empty, non-finite coordinates, a type the layer cannot hold, polygons
    that collapse to slivers when repaired. Repaired: invalid polygons (``make_valid``, with the
    reason and the area change), polygon facilities (their inner point), geometry collections
    holding the right type. The geometry column of the result holds the repaired geometries;
    rejected rows are still in it (the caller drops them by the issues' positions).

    Parameters
    ----------
    gdf
        The layer, projected to a metric CRS, with an id column where the layer has one.
    layer
        Canonical layer name.

    Returns
    -------
    (GeoDataFrame, list of RowIssue)
    """
    spec = layer_spec(layer)
    geoms = np.asarray(gdf.geometry.values, dtype=object).copy()
    ids = _ids(gdf, spec)
    issues: list[RowIssue] = []
    allowed = {_type_family(t) for t in spec.geometry_types}

    missing = pd.isna(geoms)
    for pos in np.flatnonzero(missing):
        issues.append(RowIssue(int(pos), "rejected", "no_geometry", "the row has no geometry", row_id=ids[pos]))
    present = ~missing
    empty = np.zeros(len(geoms), bool)
    empty[present] = shapely.is_empty(geoms[present])
    for pos in np.flatnonzero(empty):
        issues.append(RowIssue(int(pos), "rejected", "empty_geometry", "the geometry is empty", row_id=ids[pos]))
    live = present & ~empty
    coords_ok = np.ones(len(geoms), bool)
    if live.any():
        # every vertex, not the bounds: GEOS leaves a NaN vertex out of a polygon's envelope
        for pos, (vertex, x, y) in nonfinite_vertices(np.where(live, geoms, None)).items():
            coords_ok[pos] = False
            issues.append(RowIssue(pos, "rejected", "bad_coordinates",
                                   nonfinite_message(geoms[pos].geom_type, vertex, x, y)
                                   + " (a position outside the coordinate system gives this too)",
                                   column=gdf.geometry.name, row_id=ids[pos]))
    live &= coords_ok

    types = np.array([g.geom_type if g is not None else "" for g in geoms], dtype=object)
    for pos in np.flatnonzero(live):
        family = _type_family(types[pos])
        if family in allowed:
            continue
        geom = geoms[pos]
        if "Point" in allowed and family == "Polygon":
            geoms[pos] = shapely.point_on_surface(geom)
            issues.append(RowIssue(int(pos), "repaired", "polygon_to_point",
                                   "a polygon facility was turned into a point inside it",
                                   row_id=ids[pos]))
            continue
        fixed = None
        if types[pos] == "GeometryCollection":
            fixed = _polygonal_part(geom) if "Polygon" in allowed else (
                _linear_part(geom) if "LineString" in allowed else None)
        if fixed is not None:
            geoms[pos] = fixed
            issues.append(RowIssue(int(pos), "repaired", "collection_extracted",
                                   f"a geometry collection was reduced to its {fixed.geom_type}",
                                   row_id=ids[pos]))
            continue
        expected = " or ".join(spec.geometry_types)
        issues.append(RowIssue(int(pos), "rejected", "wrong_geometry_type",
                               f"a {types[pos]} cannot be a {spec.label_en.lower()} feature "
                               f"(expected {expected})", row_id=ids[pos]))
        live[pos] = False

    valid = np.ones(len(geoms), bool)
    valid[live] = shapely.is_valid(geoms[live])
    for pos in np.flatnonzero(live & ~valid):
        geom = geoms[pos]
        reason = shapely.is_valid_reason(geom)
        repaired = shapely.make_valid(geom)
        family = _type_family(geom.geom_type)
        if family == "Polygon":
            repaired = _polygonal_part(repaired)
        elif family == "LineString":
            repaired = _linear_part(repaired) or repaired
        if repaired is None or repaired.is_empty or (
            family == "Polygon" and repaired.area < MIN_POLYGON_AREA_M2
        ):
            issues.append(RowIssue(int(pos), "rejected", "invalid_geometry",
                                   f"invalid geometry ({reason}) that collapses when repaired",
                                   row_id=ids[pos]))
            live[pos] = False
            continue
        change = ""
        if family == "Polygon":
            parts = shapely.get_num_geometries(repaired)
            change = f" into {parts} part{'s' if parts > 1 else ''} of {repaired.area:,.0f} m² in all"
        geoms[pos] = repaired
        issues.append(RowIssue(int(pos), "repaired", "invalid_geometry_repaired",
                               f"invalid geometry ({reason}) repaired{change}", row_id=ids[pos]))

    if "Polygon" in allowed and live.any():
        polygonal = live & np.isin(types, ["Polygon", "MultiPolygon", "GeometryCollection"])
        areas = np.zeros(len(geoms))
        areas[polygonal] = shapely.area(geoms[polygonal])
        for pos in np.flatnonzero(polygonal & (areas < MIN_POLYGON_AREA_M2)):
            if any(i.position == pos and i.action == "rejected" for i in issues):
                continue
            issues.append(RowIssue(int(pos), "rejected", "degenerate_polygon",
                                   f"the polygon's area is {areas[pos]:.2f} m²: a sliver, not a footprint",
                                   row_id=ids[pos]))

    out = gdf.copy()
    out[out.geometry.name] = gpd.GeoSeries(geoms, index=gdf.index, crs=gdf.crs)
    return out, issues


def _ids(gdf: pd.DataFrame, spec: LayerSpec) -> list[str | None]:
    if spec.id_column and spec.id_column in gdf.columns:
        return [None if pd.isna(v) else str(v) for v in gdf[spec.id_column].tolist()]
    return [None] * len(gdf)


def check_ids(gdf: pd.DataFrame, layer: str, *, prefix: str | None = None) -> tuple[pd.DataFrame, list[RowIssue]]:
    """Fill missing ids (``prefix`` + position, noted) and reject later duplicates of an id.

    Returns a copy with the id column complete, and the issues.

    Example
    -------
    >>> frame = pd.DataFrame({"community_id": ["a", None, "a"]})
    >>> out, issues = check_ids(frame, "communities")
    >>> out["community_id"].tolist(), [i.code for i in issues]
    (['a', 'C2', 'a'], ['ids_generated', 'duplicate_id'])
    """
    spec = layer_spec(layer)
    out = gdf.copy()
    issues: list[RowIssue] = []
    if not spec.id_column:
        return out, issues
    column = spec.id_column
    prefix = prefix if prefix is not None else spec.name[0].upper()
    if column not in out.columns:
        out[column] = None
    values = out[column].astype(object).tolist()
    missing = [i for i, v in enumerate(values) if v is None or (isinstance(v, float) and np.isnan(v))]
    taken = {str(v) for v in values if v is not None and not (isinstance(v, float) and np.isnan(v))}
    for i in missing:
        candidate = f"{prefix}{i + 1}"
        while candidate in taken:
            candidate += "_"
        values[i] = candidate
        taken.add(candidate)
    if missing:
        what = (f"the file has no {column} column" if len(missing) == len(values)
                else f"{len(missing)} rows had no {column}")
        issues.append(RowIssue(None, "note", "ids_generated",
                               f"{what}: ids like '{values[missing[0]]}' were given "
                               "(a letter and the row's position)", column=column))
    first_seen: dict[str, int] = {}
    for i, v in enumerate(values):
        key = str(v)
        if key in first_seen:
            issues.append(RowIssue(i, "rejected", "duplicate_id",
                                   f"{column} '{key}' is used already by the row at position "
                                   f"{first_seen[key] + 1}; ids must be unique",
                                   column=column, row_id=key))
        else:
            first_seen[key] = i
    out[column] = pd.Series(values, index=out.index, dtype=object)
    return out, issues


def check_ranges(frame: pd.DataFrame, layer: str, *, today: date | None = None) -> list[RowIssue]:
    """Reject rows whose values fall outside their column's range (years up to this year).

    Example
    -------
    >>> frame = pd.DataFrame({"community_id": ["a", "b"], "households": [-3, 40]})
    >>> [i.message for i in check_ranges(frame, "communities")]
    ['households is -3: below the minimum 0']
    """
    spec = layer_spec(layer)
    this_year = (today or date.today()).year
    ids = _ids(frame, spec)
    issues: list[RowIssue] = []
    for col in spec.columns:
        if col.name not in frame.columns or col.kind not in ("int", "float", "year", "share"):
            continue
        values = pd.to_numeric(frame[col.name], errors="coerce").astype("float64").to_numpy()
        low = col.minimum
        high = col.maximum
        if col.kind == "year" and high is None:
            high = this_year
        for pos in np.flatnonzero(np.isfinite(values)):
            v = values[pos]
            if low is not None and v < low:
                text = f"{col.name} is {v:g}: below the minimum {low:g}"
            elif high is not None and v > high:
                text = f"{col.name} is {v:g}: above the maximum {high:g}"
            else:
                continue
            issues.append(RowIssue(int(pos), "rejected", "out_of_range", text, column=col.name, row_id=ids[pos]))
    return issues
