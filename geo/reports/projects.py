"""Export zones as contiguous-area projects (连片改造项目): outline, members, pipelines, figures.

Policy (Yunnan 一(一)四) asks that several old communities be renovated together as one
contiguous-area project. For each zone this module gathers what such a project is made of: the
zone's outline and figures, its member communities (with their role: member or anchor), and the
pipeline segments inside the outline, clipped to it (pieces under 5 cm left out; ``length_m``: the length inside the outline;
``original_length_m``: the whole segment's length, so a project's works are measured where they
are, and a segment shared by two projects is counted in each only for its own part). Then it
writes them the way other tools read them:

* GeoJSON (RFC 7946: EPSG:4326 lon/lat, counter-clockwise exteriors, no ``crs`` member,
  coordinates to 7 decimals), one FeatureCollection per project, each feature with a ``layer``
  property (``zone`` / ``community`` / ``pipeline``);
* a GeoPackage per project with layers ``zone``, ``communities`` and ``pipelines`` and field
  aliases in the chosen language (``gpkg_data_columns``, which QGIS shows as aliases);
* CSV tables ``zone.csv``, ``communities.csv``, ``pipelines.csv`` in UTF-8 with a byte-order mark
  (Excel opens them right), headers and choice values in the chosen language;
* :func:`export_bundle`: all of it in memory, a zip when there are several files.

Example
-------
>>> import geopandas as gpd
>>> from shapely import LineString, box
>>> homes = gpd.GeoDataFrame({"community_id": ["a", "b"], "households": [120, 200]},
...     geometry=[box(0, 0, 40, 40), box(45, 0, 85, 40)], crs=4538)
>>> zones = gpd.GeoDataFrame({"zone_id": ["Z1"], "members": [["a", "b"]], "anchor_id": [None],
...     "households": [320]}, geometry=[box(0, 0, 85, 40)], crs=4538)
>>> pipes = gpd.GeoDataFrame({"pipeline_id": ["p1"], "kind": ["water_supply"]},
...     geometry=[LineString([(-100, 20), (50, 20)])], crs=4538)
>>> project = project_layers("Z1", zones=zones, communities=homes, pipelines=pipes)["Z1"]
>>> project.pipelines[["pipeline_id", "original_length_m", "length_m", "clipped"]].values.tolist()
[['p1', 150.0, 50.0, True]]
>>> project.communities.crs.to_epsg(), project.zone["title"].iloc[0]
(4326, '连片改造项目 Z1（2 个小区，320 户）')
"""

from __future__ import annotations

import io
import json
import re
import tempfile
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from geo.errors import CRSError, RuleError, SchemaError
from geo.reports.export import geojson_features, write_field_aliases
from geo.io.tables import csv_bytes, plain_value
from geo.zoning.members import encode_members, parse_members
from geo.io.schema import CHOICE_LABELS, LAYERS, choice_label

#: Labels of the zone figure columns and of the columns this module adds, (zh, en).
EXTRA_LABELS: dict[str, tuple[str, str]] = {
    "zone_id": ("片区编号", "zone id"),
    "title": ("项目名称", "project"),
    "members": ("成员小区", "member communities"),
    "anchor_id": ("牵头小区", "anchor community"),
    "households": ("户数", "households"),
    "n_members": ("小区数", "communities"),
    "area_m2": ("占地面积（平方米）", "footprint area (m²)"),
    "build_year_min": ("最早建成年代", "earliest build year"),
    "build_year_max": ("最晚建成年代", "latest build year"),
    "street": ("街道", "street"),
    "span_m": ("跨度（米）", "span (m)"),
    "compactness": ("紧凑度", "compactness"),
    "hull_slack_m2": ("凸包空隙面积（平方米）", "hull slack (m²)"),
    "note": ("备注", "note"),
    "n_pipelines": ("管段数", "pipeline segments"),
    "pipeline_length_m": ("片区内管线长度（米）", "pipeline length in the zone (m)"),
    "role": ("角色", "role"),
    "original_length_m": ("管段全长（米）", "whole segment length (m)"),
    "length_m": ("片区内长度（米）", "length inside the zone (m)"),
    "clipped": ("被片区边界截断", "clipped at the outline"),
    "layer": ("图层", "layer"),
}
#: Words of the values this module adds (roles, yes/no).
VALUE_LABELS: dict[str, tuple[str, str]] = {
    "member": ("成员小区", "member"),
    "anchor": ("牵头小区", "anchor"),
    True: ("是", "yes"),
    False: ("否", "no"),
}
#: Explanations written as the GeoPackage fields' descriptions.
DESCRIPTIONS: dict[str, tuple[str, str]] = {
    "length_m": ("管段位于片区边界内的长度，按片区边界裁切后计算（米）",
                 "length of the segment inside the zone outline, after clipping to it (m)"),
    "original_length_m": ("管段裁切前的全长（米）", "length of the whole segment before clipping (m)"),
    "members": ("成员小区编号，JSON 数组（如 [\"a\",\"b\"]）", "member community ids, a JSON array (e.g. [\"a\",\"b\"])"),
}
#: Pieces of pipeline shorter than this inside an outline (a pipe touching or grazing it) are left
#: out: they carry no works and would collapse to a point at GeoJSON's 7-decimal precision.
MIN_PIECE_M = 0.05
#: Layer names in the GeoPackage and the ``layer`` property of GeoJSON features.
LAYER_NAMES = {"zone": "zone", "communities": "communities", "pipelines": "pipelines"}
_FEATURE_LAYER = {"zone": "zone", "communities": "community", "pipelines": "pipeline"}
_SPEC_OF = {"zone": None, "communities": "communities", "pipelines": "pipelines"}
_CHOICE_COLUMNS = {"kind", "placement", "property_mgmt", "status"}


@dataclass(frozen=True)
class Project:
    """One contiguous-area project, every layer in EPSG:4326.

    Attributes
    ----------
    zone_id
        The zone it is made of.
    zone
        One row: the zone's figures, ``title``, ``note``, ``n_pipelines``,
        ``pipeline_length_m`` and its outline.
    communities
        Its member communities with ``zone_id`` and ``role`` (``member`` / ``anchor``).
    pipelines
        Pipeline segments inside the outline, clipped to it, with ``zone_id``,
        ``original_length_m``, ``length_m`` (inside the outline) and ``clipped``.
    """

    zone_id: str
    zone: gpd.GeoDataFrame
    communities: gpd.GeoDataFrame
    pipelines: gpd.GeoDataFrame

    @property
    def stem(self) -> str:
        """File-name stem: the zone id and its street, safe on every system."""
        street = self.zone["street"].iloc[0] if "street" in self.zone else None
        return safe_name(self.zone_id if not _filled(street) else f"{self.zone_id}_{street}")

    def layers(self) -> dict[str, gpd.GeoDataFrame]:
        """``zone``, ``communities``, ``pipelines``: the layers, in that order."""
        return {"zone": self.zone, "communities": self.communities, "pipelines": self.pipelines}


def safe_name(text: str) -> str:
    """A file name made of ``text``: Chinese kept; separators, reserved characters and spaces to ``_``.

    Example
    -------
    >>> safe_name("Z0001_宁边路街道 / 北京南路街道")
    'Z0001_宁边路街道_北京南路街道'
    """
    return re.sub(r"_+", "_", re.sub(r"[\\/:*?\"<>|\s]+", "_", str(text))).strip("_.") or "project"


def _filled(value: Any) -> bool:
    return value is not None and value is not pd.NA and not (isinstance(value, float) and np.isnan(value)) \
        and str(value) != ""


def _metric_crs(zones: gpd.GeoDataFrame):
    if zones.crs is None:
        raise CRSError("the zones have no CRS; set it (zones.set_crs(...)) before exporting projects",
                       code="crs_needed", params={"kinds": ["zones"]})
    return zones.crs if zones.crs.is_projected else zones.estimate_utm_crs()


def _title(row: pd.Series, lang: str) -> str:
    zid = row["zone_id"]
    bits = []
    if _filled(row.get("street")):
        bits.append(str(row["street"]))
    members = parse_members(row.get("members")) if "members" in row.index else None
    n = int(row["n_members"]) if _filled(row.get("n_members")) else (len(members) if members is not None else None)
    hh = int(row["households"]) if _filled(row.get("households")) else None
    if lang == "zh":
        if n is not None:
            bits.append(f"{n} 个小区")
        if hh is not None:
            bits.append(f"{hh} 户")
        return f"连片改造项目 {zid}" + (f"（{'，'.join(bits)}）" if bits else "")
    if n is not None:
        bits.append(f"{n} communities")
    if hh is not None:
        bits.append(f"{hh} households")
    return f"Contiguous-area project {zid}" + (f" ({', '.join(bits)})" if bits else "")


def _select(zones: gpd.GeoDataFrame, zone_ids: str | Iterable[str] | None) -> list[str]:
    known = [str(z) for z in zones["zone_id"]]
    if zone_ids is None:
        return known
    wanted = [zone_ids] if isinstance(zone_ids, str) else [str(z) for z in zone_ids]
    missing = [z for z in wanted if z not in set(known)]
    if missing:
        raise SchemaError(f"no zone {', '.join(missing[:10])} in the zones given ({len(known)} zones, e.g. "
                          f"{', '.join(known[:5]) or 'none'}); pick zone ids from the zones table",
                          code="export_unknown_zones", params={"zone_ids": missing[:10]})
    return list(dict.fromkeys(wanted))


def _clip_pipelines(pipelines: gpd.GeoDataFrame, outlines: np.ndarray, zone_ids: list[str]) -> gpd.GeoDataFrame:
    """Every (zone, segment) pair that overlaps over ``MIN_PIECE_M`` or more, clipped to the outline."""
    geoms = np.asarray(pipelines.geometry.array, dtype=object)
    zi, pi = shapely.STRtree(geoms).query(outlines, predicate="intersects")
    clipped = shapely.intersection(geoms[pi], outlines[zi])
    kinds = shapely.get_type_id(clipped)
    odd = np.flatnonzero(~np.isin(kinds, [1, 5]))  # a collection or a point where a line touches
    for k in odd:
        parts = [g for g in shapely.get_parts(clipped[k]) if shapely.get_type_id(g) in (1, 5)]
        clipped[k] = shapely.line_merge(shapely.union_all(parts)) if parts else shapely.LineString()
    length = shapely.length(clipped)
    keep = length >= MIN_PIECE_M
    zi, pi, clipped, length = zi[keep], pi[keep], clipped[keep], length[keep]
    original = shapely.length(geoms[pi])
    table = pd.DataFrame(pipelines.drop(columns=pipelines.geometry.name).iloc[pi]).reset_index(drop=True)
    table["zone_id"] = [zone_ids[z] for z in zi]
    table["original_length_m"] = np.round(original, 2)
    table["length_m"] = np.round(length, 2)
    table["clipped"] = length < original - 0.01
    return gpd.GeoDataFrame(table, geometry=clipped, crs=pipelines.crs)


def project_layers(
    zone_ids: str | Iterable[str] | None,
    *,
    zones: gpd.GeoDataFrame,
    communities: gpd.GeoDataFrame,
    pipelines: gpd.GeoDataFrame | None = None,
    zone_notes: Mapping[str, str] | None = None,
    lang: str = "zh",
) -> dict[str, Project]:
    """The layers of each zone's contiguous-area project, in EPSG:4326.

    Parameters
    ----------
    zone_ids
        One zone id, a selection, or None for every zone (in the zones' order).
    zones
        Zones as :func:`geo.zoning.score.score_zoning` returns them: ``zone_id``, ``members``
        (list of community ids), ``anchor_id``, figures, outline geometry; with a CRS.
    communities
        The communities layer (any CRS) holding every member.
    pipelines
        The pipelines layer; segments intersecting an outline are clipped to it. Lengths are
        measured in the zones' CRS (or the local UTM zone when it is geographic).
    zone_notes
        zone id -> the planner's note, written as ``note``.
    lang
        ``"zh"`` or ``"en"``: language of each project's ``title``.

    Returns
    -------
    dict of str to Project
        zone id -> :class:`Project`, in the order asked.

    Raises
    ------
    geo.errors.SchemaError
        When a zone id is not in ``zones`` (code ``export_unknown_zones``), or a member is not in
        ``communities`` (``export_members_missing``), or the zones lack ``zone_id`` / ``members``.
    geo.errors.CRSError
        When a layer has no CRS.
    """
    for name, layer in (("communities", communities), ("pipelines", pipelines)):
        if layer is not None and layer.crs is None:
            raise CRSError(f"the {name} layer has no CRS; set it before exporting projects",
                           code="crs_needed", params={"kinds": [name]})
    if "members" not in zones or "zone_id" not in zones:
        raise SchemaError("the zones need 'zone_id' and 'members' columns (as score_zoning returns them)",
                          code="columns_needed", params={"kind": "zones", "missing": ["zone_id", "members"]})
    chosen = _select(zones, zone_ids)
    metric = _metric_crs(zones)
    table = zones.assign(zone_id=zones["zone_id"].astype(str)).set_index("zone_id", drop=False).loc[chosen]
    table = table.to_crs(metric)
    # a zones file read back holds members as text (GeoPackage, CSV): lists from here on
    table["members"] = pd.Series([parse_members(m) for m in table["members"]], index=table.index, dtype=object)
    outlines = np.asarray(table.geometry.array, dtype=object)
    homes = communities.assign(community_id=communities["community_id"].astype(str))
    by_id = homes.set_index("community_id", drop=False)

    clipped = None
    if pipelines is not None and len(pipelines):
        clipped = _clip_pipelines(pipelines.to_crs(metric), outlines, chosen).to_crs(4326)
    notes = dict(zone_notes or {})
    projects: dict[str, Project] = {}
    for k, zid in enumerate(chosen):
        row = table.iloc[k]
        members = parse_members(row["members"])
        missing = [m for m in members if m not in by_id.index]
        if missing:
            raise SchemaError(f"zone {zid} lists communities that are not in the communities layer "
                              f"({', '.join(missing[:10])}); export with the layer the zones were made from",
                              code="export_members_missing", params={"zone_id": zid, "ids": missing[:10]})
        member_rows = by_id.loc[members].reset_index(drop=True)
        anchor = row.get("anchor_id")
        member_rows["zone_id"] = zid
        member_rows["role"] = ["anchor" if _filled(anchor) and m == str(anchor) else "member" for m in members]
        pipes = _empty_pipelines(pipelines) if clipped is None else \
            clipped[clipped["zone_id"] == zid].reset_index(drop=True)
        zone_row = table.iloc[[k]].reset_index(drop=True)
        zone_row.insert(1, "title", _title(row, lang))
        geometry = zone_row.geometry.name
        zone_row["note"] = notes.get(zid)
        zone_row["n_pipelines"] = len(pipes)
        zone_row["pipeline_length_m"] = round(float(pipes["length_m"].sum()), 2) if len(pipes) else 0.0
        zone_row = zone_row[[c for c in zone_row.columns if c != geometry] + [geometry]]
        projects[zid] = Project(
            zone_id=zid,
            zone=zone_row.to_crs(4326),
            communities=gpd.GeoDataFrame(member_rows, geometry=homes.geometry.name, crs=homes.crs).to_crs(4326),
            pipelines=_order_pipelines(pipes),
        )
    return projects


def _empty_pipelines(pipelines: gpd.GeoDataFrame | None) -> gpd.GeoDataFrame:
    columns = [c for c in (pipelines.columns if pipelines is not None else ["pipeline_id", "kind", "placement"])
               if c != "geometry" and (pipelines is None or c != pipelines.active_geometry_name)]
    frame = pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    for c, dtype in (("zone_id", object), ("original_length_m", float), ("length_m", float), ("clipped", bool)):
        frame[c] = pd.Series(dtype=dtype)
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries([], crs=4326), crs=4326)


def _order_pipelines(pipes: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Underground before overhead (先地下、后地上), then by kind and id."""
    if pipes.empty:
        return pipes
    keys = pd.DataFrame({
        "aerial": (pipes["placement"].astype(object) == "overhead") if "placement" in pipes else False,
        "kind": pipes["kind"].astype(object).fillna("") if "kind" in pipes else "",
        "id": pipes["pipeline_id"].astype(object).fillna("").astype(str) if "pipeline_id" in pipes else "",
    })
    order = keys.sort_values(["aerial", "kind", "id"], kind="stable").index
    return pipes.loc[order].reset_index(drop=True)


# --- labels ------------------------------------------------------------------------------------


def column_label(column: str, layer: str, lang: str = "zh") -> str:
    """The label of ``column`` of a project layer (``zone`` / ``communities`` / ``pipelines``).

    Canonical columns take their label from :mod:`geo.io.schema`; zone figures and the columns
    added here from :data:`EXTRA_LABELS`; anything else keeps its name.

    Example
    -------
    >>> column_label("households", "communities"), column_label("length_m", "pipelines", "en")
    ('户数', 'length inside the zone (m)')
    """
    spec = _SPEC_OF.get(layer)
    if spec is not None and column in (c.name for c in LAYERS[spec].columns):
        return LAYERS[spec].column(column).label(lang)
    if column in EXTRA_LABELS:
        zh, en = EXTRA_LABELS[column]
        return zh if lang == "zh" else en
    return column


def _labels(columns: Iterable[str], layer: str, lang: str) -> dict[str, str]:
    """column -> label, unique within the layer (a repeated label gets the column name)."""
    out, used = {}, set()
    for column in columns:
        label = column_label(column, layer, lang)
        if label in used:
            label = f"{label} ({column})"
        used.add(label)
        out[column] = label
    return out


def _value_label(value: Any, column: str, lang: str) -> Any:
    if isinstance(value, (bool, np.bool_)):
        zh, en = VALUE_LABELS[bool(value)]
        return zh if lang == "zh" else en
    if column == "role" and value in VALUE_LABELS:
        zh, en = VALUE_LABELS[value]
        return zh if lang == "zh" else en
    if column in _CHOICE_COLUMNS and isinstance(value, str) and value in CHOICE_LABELS:
        return choice_label(value, lang)
    return value


# --- GeoJSON -------------------------------------------------------------------------------------


def project_geojson(project: Project, *, lang: str = "zh", digits: int = 7) -> dict:
    """One RFC 7946 FeatureCollection of a project: the zone, its communities, its pipelines.

    Every feature has a ``layer`` property (``zone`` / ``community`` / ``pipeline``) and an
    ``id`` of the form ``layer/identifier``; values keep their types (``members`` a JSON list).
    The collection's ``name`` is the project's file stem, and foreign members ``title`` and
    ``field_labels`` (column -> label per layer, in ``lang``) travel with it; readers that do
    not know them ignore them.

    Example
    -------
    >>> from shapely import box
    >>> zone = gpd.GeoDataFrame({"zone_id": ["Z1"], "title": ["T"]}, geometry=[box(0, 0, 1, 1)], crs=4326)
    >>> empty = gpd.GeoDataFrame({"community_id": []}, geometry=gpd.GeoSeries([], crs=4326))
    >>> doc = project_geojson(Project("Z1", zone, empty, empty))
    >>> [f["id"] for f in doc["features"]], "crs" in doc, doc["features"][0]["properties"]["layer"]
    (['zone/Z1'], False, 'zone')
    """
    features = []
    ids = {"zone": "zone_id", "communities": "community_id", "pipelines": "pipeline_id"}
    labels = {}
    for name, layer in project.layers().items():
        feature_layer = _FEATURE_LAYER[name]
        columns = [c for c in layer.columns if c != layer.active_geometry_name]
        labels[feature_layer] = _labels(["layer", *columns], name, lang)
        for k, feature in enumerate(geojson_features(layer, digits=digits, id_column=ids[name],
                                                     properties={"layer": feature_layer})):
            ident = feature["properties"].get(ids[name])
            feature["id"] = f"{feature_layer}/{ident if ident is not None else k}"
            features.append(feature)
    return {"type": "FeatureCollection", "name": project.stem,
            "title": str(project.zone["title"].iloc[0]) if "title" in project.zone else project.zone_id,
            "field_labels": labels, "features": features}


# --- GeoPackage ----------------------------------------------------------------------------------


def _gpkg_table(layer: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """A layer GeoPackage can hold: ``members`` as :func:`geo.zoning.members.encode_members` text, other
    lists as comma-separated text."""
    joined = {}
    for column in layer.columns:
        if column == layer.active_geometry_name or layer[column].dtype != object:
            continue
        if column == "members":
            joined[column] = [encode_members(parse_members(v)) for v in layer[column].to_numpy(dtype=object)]
            continue
        values = layer[column].to_numpy(dtype=object)
        if any(isinstance(v, (list, tuple, np.ndarray)) for v in values):
            joined[column] = [",".join(map(str, v)) if isinstance(v, (list, tuple, np.ndarray)) else v
                              for v in values]
    return layer.assign(**joined) if joined else layer


def write_project_gpkg(project: Project, path: str | Path, *, lang: str = "zh") -> Path:
    """A GeoPackage of a project: layers ``zone``, ``communities``, ``pipelines`` (EPSG:4326).

    Field aliases (and descriptions of the length fields) in ``lang`` are written to
    ``gpkg_data_columns``, the GeoPackage Schema extension; QGIS shows them as aliases. Each
    layer's identifier and description in ``gpkg_contents`` say which project it belongs to.
    An existing file at ``path`` is replaced.

    Returns
    -------
    Path
        ``path``.
    """
    path = Path(path)
    if path.exists():
        path.unlink()
    title = str(project.zone["title"].iloc[0]) if "title" in project.zone else project.zone_id
    for name, layer in project.layers().items():
        table = _gpkg_table(layer)
        layer_label = {"zone": ("片区", "zone"), "communities": ("小区", "communities"),
                       "pipelines": ("管线", "pipelines")}[name][0 if lang == "zh" else 1]
        geometry_type = {"zone": "MultiPolygon", "communities": "MultiPolygon",
                         "pipelines": "MultiLineString"}[name]
        pyogrio.write_dataframe(
            table, path, layer=LAYER_NAMES[name], driver="GPKG", append=path.exists(),
            promote_to_multi=True, geometry_type=geometry_type,
            layer_options={"IDENTIFIER": f"{project.zone_id} {layer_label}", "DESCRIPTION": f"{title} · {layer_label}"},
        )
        columns = [c for c in table.columns if c != table.active_geometry_name]
        descriptions = {c: DESCRIPTIONS[c][0 if lang == "zh" else 1] for c in columns if c in DESCRIPTIONS}
        write_field_aliases(path, LAYER_NAMES[name], _labels(columns, name, lang), descriptions=descriptions)
    return path


# --- CSV -----------------------------------------------------------------------------------------


def csv_table(layer: gpd.GeoDataFrame, name: str, *, lang: str = "zh") -> pd.DataFrame:
    """A project layer as a table people read: no geometry, labelled headers and values.

    Headers are the columns' labels in ``lang``; choice values (pipeline kinds, placements,
    property management, status, roles, yes/no) are translated; lists (``members`` too) are
    joined with ``、`` (``, `` in English): the table is for people; the GeoPackage and GeoJSON keep
    the members whole (:mod:`geo.zoning.members`), and :func:`geo.zoning.members.parse_members` reads this join.

    Example
    -------
    >>> frame = gpd.GeoDataFrame({"kind": ["gas"], "clipped": [True]}, geometry=[None], crs=4326)
    >>> csv_table(frame, "pipelines").to_dict("records")
    [{'管线类型': '燃气', '被片区边界截断': '是'}]
    """
    joiner = "、" if lang == "zh" else ", "
    columns = [c for c in layer.columns if c != layer.active_geometry_name]
    labels = _labels(columns, name, lang)
    out = {}
    for column in columns:
        if column == "members":
            values = layer[column].to_numpy(dtype=object)
            out[labels[column]] = pd.Series([joiner.join(parse_members(v)) for v in values], dtype=object)
            continue
        out[labels[column]] = pd.Series(
            [joiner.join(map(str, v)) if isinstance(v, (list, tuple, np.ndarray))
             else _value_label(plain_value(v), column, lang) for v in layer[column].to_numpy(dtype=object)],
            dtype=object)
    return pd.DataFrame(out, index=pd.RangeIndex(len(layer)), columns=list(labels.values()))


def write_project_csv(project: Project, folder: str | Path, *, lang: str = "zh") -> list[Path]:
    """Write ``zone.csv``, ``communities.csv`` and ``pipelines.csv`` of a project into ``folder``."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, file_name in (("zone", "zone.csv"), ("communities", "communities.csv"), ("pipelines", "pipelines.csv")):
        target = folder / file_name
        target.write_bytes(csv_bytes(csv_table(project.layers()[name], name, lang=lang)))
        written.append(target)
    return written


def summary_table(projects: Mapping[str, Project], *, lang: str = "zh") -> pd.DataFrame:
    """One row per project: its zone figures and pipeline length inside it by kind (labelled).

    Pipeline kinds come first after the figures, underground works before the rest being the
    order the works are planned in (先地下、后地上).
    """
    rows = []
    kinds = sorted({k for p in projects.values() if "kind" in p.pipelines for k in p.pipelines["kind"].dropna()})
    for project in projects.values():
        zone = project.zone.drop(columns=project.zone.geometry.name).iloc[0].to_dict()
        for kind in kinds:
            pipes = project.pipelines
            zone[f"length_m_{kind}"] = round(float(pipes.loc[pipes["kind"] == kind, "length_m"].sum()), 2)
        rows.append(zone)
    table = gpd.GeoDataFrame(pd.DataFrame(rows), geometry=[None] * len(rows), crs=4326)
    labelled = csv_table(table, "zone", lang=lang)
    kind_labels = {}
    for kind in kinds:
        label = choice_label(kind, lang)
        kind_labels[f"length_m_{kind}"] = f"{label}管线长度（米）" if lang == "zh" else f"{label} length (m)"
    return labelled.rename(columns=kind_labels)


# --- the bundle --------------------------------------------------------------------------------

FORMATS = ("geojson", "gpkg", "csv")
_MIME = {"geojson": "application/geo+json", "gpkg": "application/geopackage+sqlite3", "zip": "application/zip"}


@dataclass(frozen=True)
class ExportBundle:
    """What a download button needs: the bytes, a file name and a MIME type."""

    data: bytes
    file_name: str
    mime: str


def _project_files(project: Project, formats: Sequence[str], lang: str, workdir: Path) -> dict[str, bytes]:
    """file name -> bytes of one project in the formats asked."""
    files: dict[str, bytes] = {}
    if "geojson" in formats:
        doc = project_geojson(project, lang=lang)
        files[f"{project.stem}.geojson"] = json.dumps(doc, ensure_ascii=False).encode("utf-8")
    if "gpkg" in formats:
        target = workdir / f"{project.zone_id}.gpkg"
        write_project_gpkg(project, target, lang=lang)
        files[f"{project.stem}.gpkg"] = target.read_bytes()
    if "csv" in formats:
        for name in ("zone", "communities", "pipelines"):
            files[f"{name}.csv"] = csv_bytes(csv_table(project.layers()[name], name, lang=lang))
    return files


def _zip(entries: Mapping[str, bytes]) -> bytes:
    """A zip of ``entries`` with fixed dates, so the same export gives the same listing."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(entries):
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, entries[name])
    return buffer.getvalue()


def export_bundle(
    zone_ids: str | Iterable[str] | None,
    *,
    zones: gpd.GeoDataFrame,
    communities: gpd.GeoDataFrame,
    pipelines: gpd.GeoDataFrame | None = None,
    zone_notes: Mapping[str, str] | None = None,
    lang: str = "zh",
    formats: Sequence[str] = FORMATS,
) -> ExportBundle:
    """Every project of ``zone_ids`` in the ``formats`` asked, in memory, for a download.

    One project in GeoJSON or GeoPackage alone gives that file; anything more gives a zip with
    one folder per project (``<zone id>_<street>/``: ``<stem>.geojson``, ``<stem>.gpkg``,
    ``zone.csv``, ``communities.csv``, ``pipelines.csv``) and ``projects.csv``, a summary of all
    projects (UTF-8 with BOM). File names are deterministic.

    Parameters
    ----------
    zone_ids, zones, communities, pipelines, zone_notes, lang
        As :func:`project_layers`; ``lang`` also sets headers, aliases and values' words.
    formats
        Any of ``"geojson"``, ``"gpkg"``, ``"csv"``.

    Returns
    -------
    ExportBundle
        ``data`` (bytes), ``file_name`` and ``mime`` for ``st.download_button``.

    Raises
    ------
    geo.errors.RuleError
        (a ValueError) When ``formats`` is empty or names an unknown format (``export_formats``).
    geo.errors.SchemaError
        When there is no zone to export (``export_no_zones``), or as :func:`project_layers`.
    """
    formats = tuple(dict.fromkeys(formats))
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        raise RuleError(f"formats must be some of {', '.join(FORMATS)}; got {', '.join(map(str, formats)) or 'none'}",
                        code="export_formats", params={"formats": [str(f) for f in formats], "allowed": list(FORMATS)})
    projects = project_layers(zone_ids, zones=zones, communities=communities, pipelines=pipelines,
                              zone_notes=zone_notes, lang=lang)
    if not projects:
        raise SchemaError("no zone to export: the zones table is empty; propose or draw zones first",
                          code="export_no_zones")
    with tempfile.TemporaryDirectory(prefix="projects-") as tmp:
        per_project = {zid: _project_files(p, formats, lang, Path(tmp)) for zid, p in projects.items()}
    if len(projects) == 1 and len(formats) == 1 and formats[0] in ("geojson", "gpkg"):
        (name, data), = next(iter(per_project.values())).items()
        return ExportBundle(data, name, _MIME[formats[0]])
    entries = {f"{projects[zid].stem}/{name}": data for zid, files in per_project.items()
               for name, data in files.items()}
    entries["projects.csv"] = csv_bytes(summary_table(projects, lang=lang))
    only = next(iter(projects.values())).stem if len(projects) == 1 else f"projects_{len(projects)}"
    return ExportBundle(_zip(entries), f"{only}.zip", _MIME["zip"])
