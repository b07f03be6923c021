"""Pipelines per community and zone: lengths by kind, the aged part, operators, needs, work lists.

Policy puts underground works first (先地下、后地面、再空中) and asks every pipeline operator to
dock its renovation plan with the community plans. This module turns the pipelines layer into
the figures those plans need:

- :func:`overlay_pipelines` clips every segment to every community (or zone) it runs in or near,
  vectorised with shapely 2 and an STRtree: the expensive step, done once and passed on;
- :func:`segment_condition` says which segments are *aged* (:class:`PipelineRules`: at least
  their kind's service life old, or of a risky material);
- :func:`pipeline_table` gives lengths by kind per area (inside it, and within the service
  distance of it), :func:`operator_table` the operators involved with their lengths;
- :func:`renovation_needs` turns the aged share into a need (none / partial / full) with the
  reason in the planner's words, Chinese and English;
- :func:`lead_telecom` names the telecom operator that leads works in each zone;
- :func:`work_list` lists the segments to renovate, by operator, zone and community, and
  :func:`write_work_lists` writes one CSV and one GeoJSON per operator;
- :func:`phase_works` orders each zone's works underground -> ground -> aerial.

Everything is measured in the layers' metric CRS (:func:`geo.zoning.adjacency.require_metric`).

Example
-------
>>> import geopandas as gpd
>>> from shapely import LineString, box
>>> homes = gpd.GeoDataFrame({"community_id": ["a"]}, geometry=[box(0, 0, 100, 100)], crs=4538)
>>> pipes = gpd.GeoDataFrame({"pipeline_id": ["p1", "p2"], "kind": ["water_supply"] * 2,
...     "operator": ["水司", "水司"], "material": ["灰口铸铁", "PE"], "diameter_mm": [100.0, 100.0],
...     "install_year": [1985, 2015], "placement": ["underground"] * 2},
...     geometry=[LineString([(10, 50), (90, 50)]), LineString([(90, 50), (90, 120)])], crs=4538)
>>> rules = PipelineRules(reference_year=2025)
>>> table = pipeline_table(homes, pipes, rules=rules)
>>> row = table[table["kind"] == "water_supply"].iloc[0]
>>> float(row["length_inside_m"]), float(row["length_service_m"]), float(row["aged_m"])
(130.0, 150.0, 80.0)
>>> needs = renovation_needs(table, rules=rules)
>>> needs.loc[needs["kind"] == "water_supply", ["need", "reason_en"]].values.tolist()
[['full', '53 % of water supply length is aged (30+ years old: 53 %; risky material: 53 %)']]
"""

from __future__ import annotations

import datetime as _dt
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from geo.zoning.adjacency import require_metric
from geo.errors import CRSError, RuleError, SchemaError
from geo.zoning.members import parse_members
from geo.io.schema import PIPELINE_KINDS, choice_label, normalize_value
from geo.io.tables import write_csv

# --- rules -----------------------------------------------------------------------------------

#: Service life per kind (years): a segment at least this old is aged (运行年限满N年).
#: Water 30, drainage 50, gas 20 and heating 20 are the ages of the national plan for renewing
#: ageing urban gas, water, drainage and heating pipes (国办发〔2022〕22号); power 30 is the usual
#: design life of XLPE cable; telecom 20 that of communication cable.
DEFAULT_SERVICE_LIFE_YEARS: dict[str, int] = {
    "water_supply": 30, "drainage": 50, "gas": 20, "heating": 20, "power": 30, "telecom": 20,
}

_GREY_IRON = ("灰口铸铁", "灰铸铁", "灰口铁", "grey cast iron", "gray cast iron")
_GALVANISED = ("镀锌", "galvanised", "galvanized")
_ASBESTOS = ("石棉", "asbestos")

#: Materials that make a segment aged whatever its age, per kind. Words are matched inside the
#: material text after folding width, case and separators (text in brackets is ignored, so
#: "球墨铸铁(水泥砂浆内衬)" is ductile iron). From 国办发〔2022〕22号: water pipes of cement,
#: asbestos cement and unlined grey cast iron; all grey cast iron gas pipes; plain (flat-joint,
#: unreinforced) concrete sewers. Also galvanised steel (rusts from inside: water and gas),
#: brick sewers, paper-insulated oil cable (being phased out) and copper telecom cable
#: (光进铜退, replaced by fibre).
DEFAULT_RISKY_MATERIALS: dict[str, tuple[str, ...]] = {
    "water_supply": _GREY_IRON + _GALVANISED + _ASBESTOS + ("水泥管", "自应力", "cement pipe"),
    "drainage": _ASBESTOS + ("素混凝土", "平口", "plain concrete", "砖砌", "brick"),
    "gas": _GREY_IRON + _GALVANISED,
    "heating": (),
    "power": ("油浸纸", "纸绝缘", "paper"),
    "telecom": ("铜缆", "copper"),
}

#: Default service distance (m): a community is served by the pipes inside it and by the mains in
#: the lanes and streets along it; 30 m reaches across a lane or a minor street (12-20 m) with
#: its set-backs, not across the next block.
DEFAULT_SERVICE_M = 30.0
#: The largest service distance (m) a rule may set: beyond a kilometre a community's "own" pipes
#: are the whole district's.
MAX_SERVICE_M = 1000.0

NEEDS = ("none", "partial", "full")
NEED_LABELS: dict[str, tuple[str, str]] = {
    "none": ("无需改造", "none"),
    "partial": ("局部改造", "partial"),
    "full": ("全面改造", "full"),
}


def _this_year() -> int:
    return _dt.date.today().year


@dataclass(frozen=True)
class PipelineRules:
    """When a segment is aged, and how the aged share of an area becomes a renovation need.

    Parameters
    ----------
    service_life_years
        kind -> years; a segment at least this old (reference year minus install year) is aged.
        Defaults in :data:`DEFAULT_SERVICE_LIFE_YEARS`.
    risky_materials
        kind -> words; a segment whose material contains one is aged whatever its age.
        Defaults in :data:`DEFAULT_RISKY_MATERIALS`.
    partial_share, full_share
        Need thresholds on the aged share of an area's length of one kind: ``none`` below
        ``partial_share`` (10 %), ``partial`` from it up to ``full_share`` (50 %), ``full``
        from ``full_share`` on.
    service_m
        Service distance (30 m): the pipes within it of a community serve it.
    reference_year
        The year ages are counted to; this year by default.
    unknown_note_share
        A reason mentions unknown install years from this share of the length on (20 %).

    Example
    -------
    >>> PipelineRules(reference_year=2025).service_life_years["gas"]
    20
    >>> PipelineRules(partial_share=0.6, full_share=0.5)
    Traceback (most recent call last):
    ...
    geo.errors.RuleError: need thresholds must satisfy 0 <= partial_share <= full_share <= 1; got partial_share=0.6, full_share=0.5
    >>> PipelineRules(service_m=-1)
    Traceback (most recent call last):
    ...
    geo.errors.RuleError: service_m must be between 0 and 1000 m, got -1
    """

    service_life_years: Mapping[str, int] = field(
        default_factory=lambda: dict(DEFAULT_SERVICE_LIFE_YEARS))
    risky_materials: Mapping[str, tuple[str, ...]] = field(
        default_factory=lambda: dict(DEFAULT_RISKY_MATERIALS))
    partial_share: float = 0.10
    full_share: float = 0.50
    service_m: float = DEFAULT_SERVICE_M
    reference_year: int = field(default_factory=_this_year)
    unknown_note_share: float = 0.20

    def __post_init__(self) -> None:
        for name in ("partial_share", "full_share"):
            value = getattr(self, name)
            if not 0 <= value <= 1:
                raise RuleError(f"{name} must be between 0 and 1, got {value}", code="rule_out_of_range",
                                params={"rule": name, "value": value, "min": 0, "max": 1})
        if not self.partial_share <= self.full_share:
            raise RuleError(
                "need thresholds must satisfy 0 <= partial_share <= full_share <= 1; got "
                f"partial_share={self.partial_share}, full_share={self.full_share}", code="need_thresholds_order",
                params={"partial_share": self.partial_share, "full_share": self.full_share})
        check_service_m(self.service_m)
        for name in ("service_life_years", "risky_materials"):
            unknown = set(getattr(self, name)) - set(PIPELINE_KINDS)
            if unknown:
                raise SchemaError(f"{name} names unknown kinds {sorted(unknown)}; kinds are: "
                                  + ", ".join(PIPELINE_KINDS),
                                  code="rule_kinds_unknown", params={"rule": name, "names": sorted(unknown), "allowed": list(PIPELINE_KINDS)})


def check_service_m(service_m: float) -> float:
    """``service_m`` when it is a service distance the analysis can use (0 to 1000 m).

    Raises
    ------
    RuleError
        Code ``rule_out_of_range`` (params ``rule``, ``value``, ``min``, ``max``).

    Example
    -------
    >>> check_service_m(30)
    30
    """
    if not (isinstance(service_m, (int, float)) and 0 <= service_m <= MAX_SERVICE_M):
        raise RuleError(f"service_m must be between 0 and {MAX_SERVICE_M:g} m, got {service_m}",
                        code="rule_out_of_range",
                        params={"rule": "service_m", "value": service_m if isinstance(service_m, (int, float))
                                else str(service_m), "min": 0, "max": MAX_SERVICE_M})
    return service_m


# --- per segment -----------------------------------------------------------------------------

def _require_columns(gdf: pd.DataFrame, columns: tuple[str, ...], what: str) -> None:
    missing = [c for c in columns if c not in gdf.columns]
    if missing:
        raise SchemaError(
            f"{what} lacks the column(s) {', '.join(missing)}; load it with "
            "geo.io.load.load_layer(path, 'pipelines'), which adds every canonical column",
                          code="table_columns_missing", params={"missing": missing, "columns": [str(c) for c in gdf.columns]})


def _risky(kind: pd.Series, material: pd.Series, rules: PipelineRules) -> np.ndarray:
    """Whether each (kind, material) is a risky material, deciding once per distinct pair."""
    pairs = pd.MultiIndex.from_arrays([kind.astype(object).to_numpy(), material.astype(object).to_numpy()])
    codes, uniques = pd.factorize(pairs)
    verdict = np.zeros(len(uniques), bool)
    words = {k: [normalize_value(w) for w in ws] for k, ws in rules.risky_materials.items()}
    for i, (k, m) in enumerate(uniques):
        if m is None or (isinstance(m, float) and np.isnan(m)) or k not in words:
            continue
        text = normalize_value(str(m))
        verdict[i] = bool(text) and any(w and w in text for w in words[k])
    return verdict[codes] if len(codes) else np.zeros(0, bool)


def segment_condition(pipelines: gpd.GeoDataFrame, *, rules: PipelineRules | None = None) -> pd.DataFrame:
    """Length, age and condition of every segment, aligned to the layer's index.

    Parameters
    ----------
    pipelines
        The canonical pipelines layer in a metric CRS.
    rules
        Service lives, risky materials and the reference year.

    Returns
    -------
    DataFrame
        ``length_m``, ``age_years`` (NaN when the install year is unknown), ``too_old`` (at least
        the kind's service life old), ``risky_material``, ``aged`` (either), ``unknown_year``,
        ``overhead`` (placement is overhead).

    Example
    -------
    >>> from shapely import LineString
    >>> pipes = gpd.GeoDataFrame({"kind": ["gas", "gas"], "material": ["钢", "灰口铸铁"],
    ...     "install_year": [2001, 2015], "placement": ["underground"] * 2},
    ...     geometry=[LineString([(0, 0), (10, 0)])] * 2, crs=4538)
    >>> segment_condition(pipes, rules=PipelineRules(reference_year=2025))[["age_years", "aged"]].values.tolist()
    [[24.0, True], [10.0, True]]
    """
    rules = rules or PipelineRules()
    require_metric(pipelines, "pipelines")
    _require_columns(pipelines, ("kind", "install_year"), "the pipelines layer")
    kind = pipelines["kind"].astype(object)
    year = pd.to_numeric(pipelines["install_year"], errors="coerce").astype("float64").to_numpy()
    age = rules.reference_year - year
    life = kind.map(dict(rules.service_life_years)).astype("float64").to_numpy()
    too_old = np.isfinite(age) & np.isfinite(life) & (age >= life)
    material = pipelines["material"] if "material" in pipelines else pd.Series(None, index=pipelines.index)
    risky = _risky(kind, material, rules)
    placement = pipelines["placement"] if "placement" in pipelines else pd.Series(None, index=pipelines.index)
    return pd.DataFrame({
        "length_m": shapely.length(np.asarray(pipelines.geometry.array, dtype=object)),
        "age_years": age,
        "too_old": too_old,
        "risky_material": risky,
        "aged": too_old | risky,
        "unknown_year": ~np.isfinite(year),
        "overhead": (placement.astype(object) == "overhead").to_numpy(),
    }, index=pipelines.index)


# --- overlay ---------------------------------------------------------------------------------

def _same_crs(a: gpd.GeoDataFrame, b: gpd.GeoDataFrame, what_a: str, what_b: str) -> None:
    if a.crs != b.crs:
        raise CRSError(
            f"{what_a} ({a.crs.name if a.crs else 'no CRS'}) and {what_b} "
            f"({b.crs.name if b.crs else 'no CRS'}) are in different CRSs; load both with "
            "geo.io.load.load_dataset (one analysis CRS), or pass target_crs to geo.io.load.load_layer",
                       code="layers_crs_differ", params={"kinds": ["communities", "pipelines"]})


def overlay_pipelines(
    areas: gpd.GeoDataFrame,
    pipelines: gpd.GeoDataFrame,
    *,
    service_m: float = DEFAULT_SERVICE_M,
) -> pd.DataFrame:
    """Clip every segment to every area (community or zone) it runs in or within ``service_m`` of.

    Each area is grown by ``service_m`` (round buffer: "within the distance"), the STRtree of
    segments is queried with the grown areas, and each pair is clipped once; the pairs that
    also touch the area itself are clipped to it. Vectorised over pairs.

    Parameters
    ----------
    areas
        Communities or zone outlines (polygons), metric CRS.
    pipelines
        Pipeline segments in the same CRS.
    service_m
        The service distance (m).

    Returns
    -------
    DataFrame
        One row per (area, segment) pair with some length within the distance: ``area_pos`` and
        ``segment_pos`` (0-based positions in the two frames), ``length_inside_m``,
        ``length_service_m`` (inside or within the distance; always >= the inside length).

    Raises
    ------
    CRSError
        A layer in degrees or without CRS, or the two in different CRSs.

    Example
    -------
    >>> from shapely import LineString, box
    >>> homes = gpd.GeoDataFrame(geometry=[box(0, 0, 100, 100)], crs=4538)
    >>> pipes = gpd.GeoDataFrame(geometry=[LineString([(50, 50), (50, 150)])], crs=4538)
    >>> overlay_pipelines(homes, pipes, service_m=30).values.tolist()
    [[0.0, 0.0, 50.0, 80.0]]
    """
    require_metric(areas, "zones")
    require_metric(pipelines, "pipelines")
    _same_crs(areas, pipelines, "the communities or zones", "the pipelines layer")
    check_service_m(service_m)
    area_geoms = np.asarray(areas.geometry.array, dtype=object)
    seg_geoms = np.asarray(pipelines.geometry.array, dtype=object)
    ok_area = ~(pd.isna(area_geoms) | shapely.is_empty(area_geoms))
    reach = np.full(len(area_geoms), None, dtype=object)
    reach[ok_area] = (shapely.buffer(area_geoms[ok_area], service_m, quad_segs=4)
                      if service_m > 0 else shapely.union(area_geoms[ok_area], area_geoms[ok_area]))
    seg_length = shapely.length(seg_geoms)
    # boxes first (cheap), then prepared predicates; the costly clip only where a segment crosses
    # the boundary (about half the pairs)
    ai, si = shapely.STRtree(seg_geoms).query(reach)
    shapely.prepare(reach)
    hit = shapely.intersects(reach[ai], seg_geoms[si])
    ai, si = ai[hit], si[hit]
    service = _clipped_length(reach[ai], seg_geoms[si], seg_length[si])
    inside = np.zeros(len(ai))
    was_prepared = shapely.is_prepared(area_geoms[ok_area])
    shapely.prepare(area_geoms[ok_area])
    try:
        touching = shapely.intersects(area_geoms[ai], seg_geoms[si])
        inside[touching] = _clipped_length(area_geoms[ai[touching]], seg_geoms[si[touching]],
                                           seg_length[si[touching]])
    finally:  # leave the caller's geometries as they came
        shapely.destroy_prepared(area_geoms[ok_area][~was_prepared])
    keep = service > 1e-9
    return pd.DataFrame({
        "area_pos": ai[keep].astype(np.int64),
        "segment_pos": si[keep].astype(np.int64),
        "length_inside_m": inside[keep],
        "length_service_m": np.maximum(service[keep], inside[keep]),
    })


def _clipped_length(polygons: np.ndarray, lines: np.ndarray, line_length: np.ndarray) -> np.ndarray:
    """Length of each line inside its (prepared) polygon: whole when properly inside, else clipped."""
    whole = shapely.contains_properly(polygons, lines)
    out = np.where(whole, line_length, 0.0)
    part = ~whole
    if part.any():
        out[part] = shapely.length(shapely.intersection(lines[part], polygons[part]))
    return out


def _area_ids(areas: pd.DataFrame, id_column: str) -> np.ndarray:
    if id_column not in areas.columns:
        raise SchemaError(f"the areas have no '{id_column}' column; pass id_column= the column "
                          f"that names them (columns: {', '.join(map(str, areas.columns))})",
                          code="id_column_missing", params={"column": id_column, "columns": [str(c) for c in areas.columns]})
    ids = areas[id_column].astype(object).to_numpy()
    if pd.isna(ids).any() or len(pd.unique(ids)) != len(ids):
        raise SchemaError(f"'{id_column}' values must be present and unique",
                          code="ids_not_unique", params={"column": id_column})
    return ids


def _kind_codes(pipelines: pd.DataFrame) -> np.ndarray:
    return pd.Categorical(pipelines["kind"].astype(object), categories=list(PIPELINE_KINDS)).codes.astype(np.int64)


def pipeline_table(
    areas: gpd.GeoDataFrame,
    pipelines: gpd.GeoDataFrame,
    *,
    id_column: str = "community_id",
    rules: PipelineRules | None = None,
    overlay: pd.DataFrame | None = None,
    condition: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Length by kind per area: inside it, within the service distance, aged, overhead.

    Parameters
    ----------
    areas
        Communities (``id_column="community_id"``) or zones (``id_column="zone_id"``).
    pipelines
        The canonical pipelines layer, same metric CRS.
    id_column
        The areas' id column.
    rules
        Aged rules and the service distance.
    overlay, condition
        :func:`overlay_pipelines` and :func:`segment_condition` results, when already computed.

    Returns
    -------
    DataFrame
        One row per area and kind (every kind, zeros included), in area order: ``id_column``,
        ``kind``, ``segments`` (within the service distance), ``length_inside_m``,
        ``length_service_m``, then on the service basis ``aged_m`` (too old or of a risky
        material), ``old_m``, ``risky_m``, ``unknown_year_m``, ``overhead_m`` and ``aged_share``
        (aged over service length; 0 without length).

    Example
    -------
    >>> from shapely import LineString, box
    >>> homes = gpd.GeoDataFrame({"community_id": ["a"]}, geometry=[box(0, 0, 50, 50)], crs=4538)
    >>> pipes = gpd.GeoDataFrame({"kind": ["gas"], "install_year": [1990]},
    ...     geometry=[LineString([(0, 60), (50, 60)])], crs=4538)
    >>> t = pipeline_table(homes, pipes, rules=PipelineRules(reference_year=2025))
    >>> t.loc[t["kind"] == "gas", ["length_inside_m", "length_service_m", "aged_share"]].values.tolist()
    [[0.0, 50.0, 1.0]]
    """
    rules = rules or PipelineRules()
    ids = _area_ids(areas, id_column)
    if overlay is None:
        overlay = overlay_pipelines(areas, pipelines, service_m=rules.service_m)
    if condition is None:
        condition = segment_condition(pipelines, rules=rules)
    n_kinds = len(PIPELINE_KINDS)
    kinds = _kind_codes(pipelines)
    seg = overlay["segment_pos"].to_numpy()
    k = kinds[seg]
    ok = k >= 0
    key = overlay["area_pos"].to_numpy()[ok] * n_kinds + k[ok]
    seg = seg[ok]
    size = len(ids) * n_kinds
    service = overlay["length_service_m"].to_numpy()[ok]

    def total(weights: np.ndarray) -> np.ndarray:
        return np.bincount(key, weights=weights, minlength=size)

    out = pd.DataFrame({
        id_column: np.repeat(ids, n_kinds),
        "kind": np.tile(np.asarray(PIPELINE_KINDS, dtype=object), len(ids)),
        "segments": np.bincount(key, minlength=size).astype(np.int64),
        "length_inside_m": total(overlay["length_inside_m"].to_numpy()[ok]),
        "length_service_m": total(service),
    })
    for name, column in (("aged_m", "aged"), ("old_m", "too_old"), ("risky_m", "risky_material"),
                         ("unknown_year_m", "unknown_year"), ("overhead_m", "overhead")):
        out[name] = total(service * condition[column].to_numpy()[seg])
    length = out["length_service_m"].to_numpy()
    out["aged_share"] = np.divide(out["aged_m"].to_numpy(), length, out=np.zeros(len(out)), where=length > 0)
    for name in ("length_inside_m", "length_service_m", "aged_m", "old_m", "risky_m", "unknown_year_m",
                 "overhead_m"):
        out[name] = out[name].round(2)
    return out


def operator_table(
    areas: gpd.GeoDataFrame,
    pipelines: gpd.GeoDataFrame,
    *,
    id_column: str = "community_id",
    rules: PipelineRules | None = None,
    overlay: pd.DataFrame | None = None,
    condition: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The operators involved in each area, with their lengths by kind.

    Returns
    -------
    DataFrame
        One row per (area, kind, operator) with length: ``id_column``, ``kind``, ``operator``
        (``None`` when the layer does not say), ``segments``, ``length_inside_m``,
        ``length_service_m``, ``aged_m``; by area, kind, then longest first.

    Example
    -------
    >>> from shapely import LineString, box
    >>> homes = gpd.GeoDataFrame({"community_id": ["a"]}, geometry=[box(0, 0, 50, 50)], crs=4538)
    >>> pipes = gpd.GeoDataFrame({"kind": ["telecom"] * 2, "operator": ["电信", "移动"],
    ...     "install_year": [2010, 2020]},
    ...     geometry=[LineString([(0, 10), (50, 10)]), LineString([(0, 20), (20, 20)])], crs=4538)
    >>> operator_table(homes, pipes)[["operator", "length_inside_m"]].values.tolist()
    [['电信', 50.0], ['移动', 20.0]]
    """
    rules = rules or PipelineRules()
    ids = _area_ids(areas, id_column)
    _require_columns(pipelines, ("kind", "operator"), "the pipelines layer")
    if overlay is None:
        overlay = overlay_pipelines(areas, pipelines, service_m=rules.service_m)
    if condition is None:
        condition = segment_condition(pipelines, rules=rules)
    seg = overlay["segment_pos"].to_numpy()
    frame = pd.DataFrame({
        "area_pos": overlay["area_pos"].to_numpy(),
        "kind": pipelines["kind"].astype(object).to_numpy()[seg],
        "operator": pipelines["operator"].astype(object).to_numpy()[seg],
        "length_inside_m": overlay["length_inside_m"].to_numpy(),
        "length_service_m": overlay["length_service_m"].to_numpy(),
        "aged_m": overlay["length_service_m"].to_numpy() * condition["aged"].to_numpy()[seg],
    })
    grouped = (frame.groupby(["area_pos", "kind", "operator"], dropna=False, sort=False)
               .agg(segments=("length_service_m", "size"), length_inside_m=("length_inside_m", "sum"),
                    length_service_m=("length_service_m", "sum"), aged_m=("aged_m", "sum"))
               .reset_index())
    grouped = grouped.sort_values(["area_pos", "kind", "length_service_m"], ascending=[True, True, False],
                                  kind="stable")
    grouped.insert(0, id_column, ids[grouped["area_pos"].to_numpy()])
    grouped["operator"] = grouped["operator"].astype(object).where(grouped["operator"].notna(), None)
    for name in ("length_inside_m", "length_service_m", "aged_m"):
        grouped[name] = grouped[name].round(2)
    return grouped.drop(columns="area_pos").reset_index(drop=True)


# --- needs -----------------------------------------------------------------------------------

def _pct(values: np.ndarray) -> pd.Series:
    return pd.Series(np.round(100 * values).astype(np.int64)).astype(str)


def renovation_needs(table: pd.DataFrame, *, rules: PipelineRules | None = None) -> pd.DataFrame:
    """The renovation need per area and kind (none / partial / full), with the reason.

    The need follows the aged share of the area's length of that kind (service basis):
    ``none`` below ``rules.partial_share`` (10 %), ``partial`` up to ``rules.full_share``
    (50 %), ``full`` from it on; ``none`` when the area has no such pipe.

    Parameters
    ----------
    table
        :func:`pipeline_table`'s result.
    rules
        The thresholds and service lives named in the reasons.

    Returns
    -------
    DataFrame
        A copy of ``table`` with ``need``, ``need_zh``, ``reason_zh``, ``reason_en``.

    Example
    -------
    >>> t = pd.DataFrame({"community_id": ["a", "b", "c"], "kind": ["water_supply"] * 3,
    ...     "length_service_m": [100.0, 100.0, 0.0], "aged_m": [62.0, 5.0, 0.0], "old_m": [62.0, 5.0, 0.0],
    ...     "risky_m": [0.0, 0.0, 0.0], "unknown_year_m": [0.0, 0.0, 0.0], "aged_share": [0.62, 0.05, 0.0]})
    >>> needs = renovation_needs(t, rules=PipelineRules(reference_year=2025))
    >>> needs["need"].tolist()
    ['full', 'none', 'none']
    >>> needs["reason_en"].iloc[0]
    '62 % of water supply length is aged (30+ years old: 62 %; risky material: 0 %)'
    >>> needs["reason_zh"].iloc[0]
    '给水管线62%已老化（运行满30年62%，高风险管材0%）'
    """
    rules = rules or PipelineRules()
    _require_columns(table, ("kind", "length_service_m", "aged_m", "old_m", "risky_m", "unknown_year_m",
                             "aged_share"), "the pipeline table")
    out = table.copy()
    share = out["aged_share"].to_numpy(dtype=float)
    length = out["length_service_m"].to_numpy(dtype=float)
    has = length > 0
    need = np.where(~has | (share < rules.partial_share), "none",
                    np.where(share < rules.full_share, "partial", "full"))
    safe = np.where(has, length, 1.0)
    kind = out["kind"].astype(object)
    kind_zh = kind.map(lambda k: choice_label(k, "zh")).reset_index(drop=True)
    kind_en = kind.map(lambda k: choice_label(k, "en")).reset_index(drop=True)
    life = kind.map(dict(rules.service_life_years)).fillna(0).astype(int).astype(str).reset_index(drop=True)
    aged_pct, old_pct = _pct(share), _pct(out["old_m"].to_numpy(float) / safe)
    risky_pct = _pct(out["risky_m"].to_numpy(float) / safe)
    unknown = out["unknown_year_m"].to_numpy(float) / safe
    unknown_pct = _pct(unknown)
    note = pd.Series(has & (unknown >= rules.unknown_note_share))
    zh = (kind_zh + "管线" + aged_pct + "%已老化（运行满" + life + "年" + old_pct + "%，高风险管材"
          + risky_pct + "%" + np.where(note, "，" + unknown_pct + "%埋设年代不详", "") + "）")
    en = (aged_pct + " % of " + kind_en + " length is aged (" + life + "+ years old: " + old_pct
          + " %; risky material: " + risky_pct + " %" + np.where(note, "; install year unknown for "
                                                                    + unknown_pct + " %", "") + ")")
    distance = f"{rules.service_m:g}"
    zh = zh.where(pd.Series(has), "范围内及周边" + distance + "米内无" + kind_zh + "管线")
    en = en.where(pd.Series(has), "no " + kind_en + " pipeline in it or within " + distance + " m")
    out["need"] = need
    out["need_zh"] = pd.Series(need).map({k: v[0] for k, v in NEED_LABELS.items()}).to_numpy()
    out["reason_zh"] = zh.to_numpy()
    out["reason_en"] = en.to_numpy()
    return out


def needs_wide(needs: pd.DataFrame, *, id_column: str = "community_id") -> pd.DataFrame:
    """One row per area with one need column per kind (``need_water_supply``...), for maps.

    Example
    -------
    >>> n = pd.DataFrame({"community_id": ["a", "a"], "kind": ["gas", "power"], "need": ["full", "none"]})
    >>> needs_wide(n).to_dict("records")
    [{'community_id': 'a', 'need_gas': 'full', 'need_power': 'none'}]
    """
    wide = needs.pivot(index=id_column, columns="kind", values="need")
    order = [k for k in PIPELINE_KINDS if k in wide.columns]
    wide = wide[order].rename(columns=lambda k: f"need_{k}")
    wide.columns.name = None
    first = pd.unique(needs[id_column])
    return wide.loc[first].reset_index()


# --- lead telecom operator -----------------------------------------------------------------

def lead_telecom(
    operators: pd.DataFrame,
    *,
    id_column: str = "zone_id",
    choices: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """The telecom operator that leads the works in each zone: most telecom length, or the planner's.

    Length counts in the zone and within the service distance of it: a zone's outline hugs its
    compounds, while the ducts that serve them run in the lanes and streets along them (inside
    the outline alone there are mostly the service stubs). Ties go to the longer length inside.

    Parameters
    ----------
    operators
        :func:`operator_table` of the zones.
    id_column
        The zones' id column.
    choices
        zone id -> operator chosen by a planner (it need not have length in the zone).

    Returns
    -------
    DataFrame
        One row per zone in ``operators``' order: ``id_column``, ``lead_operator`` (None when the
        zone has no telecom and no choice), ``chosen_by`` (``length`` / ``planner`` / None),
        ``lead_length_m``, ``telecom_length_m``, ``lead_share``, ``operators`` (every telecom
        operator with its length, longest first: "电信 820 m; 移动 140 m").

    Raises
    ------
    SchemaError
        A choice names a zone the table does not have.

    Example
    -------
    >>> ops = pd.DataFrame({"zone_id": ["Z1", "Z1", "Z2"], "kind": ["telecom"] * 3,
    ...     "operator": ["电信", "移动", "移动"], "length_inside_m": [30.0, 10.0, 5.0],
    ...     "length_service_m": [400.0, 120.0, 60.0]})
    >>> lead = lead_telecom(ops, choices={"Z2": "联通"})
    >>> lead[["zone_id", "lead_operator", "chosen_by", "lead_share"]].values.tolist()
    [['Z1', '电信', 'length', 0.769], ['Z2', '联通', 'planner', 0.0]]
    """
    _require_columns(operators, (id_column, "kind", "operator", "length_inside_m", "length_service_m"),
                     "the operator table")
    zones = pd.unique(operators[id_column])
    choices = dict(choices or {})
    unknown = [z for z in choices if z not in set(zones)]
    if unknown:
        raise SchemaError(f"lead operator chosen for unknown zone(s) {', '.join(map(str, unknown))}; "
                          f"zones are {', '.join(map(str, zones[:10]))}{'...' if len(zones) > 10 else ''}",
                          code="lead_zone_unknown", params={"ids": [str(z) for z in unknown]})
    tel = operators[(operators["kind"] == "telecom") & operators["operator"].notna()]
    sums = (tel.groupby([id_column, "operator"], sort=False)[["length_service_m", "length_inside_m"]].sum()
            .reset_index())
    sums = sums[sums["length_service_m"] > 0].sort_values(
        [id_column, "length_service_m", "length_inside_m"], ascending=[True, False, False], kind="stable")
    by_zone = {z: g for z, g in sums.groupby(id_column, sort=False)}
    rows = []
    for zone in zones:  # one row per zone: a few thousand at most
        lengths = by_zone.get(zone)
        lengths = (pd.Series(dtype=float) if lengths is None
                   else pd.Series(lengths["length_service_m"].to_numpy(), index=lengths["operator"].to_numpy()))
        total = float(lengths.sum())
        if zone in choices:
            lead, how = choices[zone], "planner"
        elif len(lengths):
            lead, how = str(lengths.index[0]), "length"
        else:
            lead, how = None, None
        lead_len = float(lengths.get(lead, 0.0)) if lead is not None else 0.0
        rows.append({
            id_column: zone, "lead_operator": lead, "chosen_by": how,
            "lead_length_m": round(lead_len, 2), "telecom_length_m": round(total, 2),
            "lead_share": round(lead_len / total, 3) if total > 0 else 0.0,
            "operators": "; ".join(f"{op} {v:,.0f} m" for op, v in lengths.items()),
        })
    columns = [id_column, "lead_operator", "chosen_by", "lead_length_m", "telecom_length_m", "lead_share",
               "operators"]
    text = (id_column, "lead_operator", "chosen_by", "operators")
    return pd.DataFrame({c: pd.Series([r[c] for r in rows], dtype=object if c in text else float)
                         for c in columns})


# --- work lists ------------------------------------------------------------------------------

#: Works, their phase and the planner's words.
WORKS: dict[str, tuple[str, str, str]] = {
    "replace": ("underground", "老旧管线更新改造", "renew aged pipeline"),
    "overhead": ("aerial", "架空线规整或入地", "tidy or underground the overhead line"),
}

#: The three phases in order (先地下、后地面、再空中), with their words.
PHASES: dict[str, tuple[int, str, str]] = {
    "underground": (1, "地下：管网改造", "underground: pipeline works"),
    "ground": (2, "地面：道路和绿化恢复", "ground: roads and greening restored"),
    "aerial": (3, "空中：架空线规整和入地", "aerial: overhead lines tidied or put underground"),
}

#: Underground works deepest first (先深后浅), so a trench is never dug under a new shallower pipe:
#: sewers (2-4 m), water (below frost depth), heating, gas, then cable ducts.
UNDERGROUND_ORDER = ("drainage", "water_supply", "heating", "gas", "power", "telecom")


def assign_segments(
    pipelines: gpd.GeoDataFrame,
    communities: gpd.GeoDataFrame,
    *,
    zones: gpd.GeoDataFrame | None = None,
    overlay: pd.DataFrame | None = None,
    zone_overlay: pd.DataFrame | None = None,
    service_m: float = DEFAULT_SERVICE_M,
) -> pd.DataFrame:
    """The one community (and zone) each segment belongs to, so work lists count it once.

    A segment belongs to the community with the most of its length within the service distance
    (ties: the first community); none when no community is that close. Its zone is that
    community's zone when the zones list their ``members`` (as :func:`geo.zoning.zones.propose_zones`
    does), otherwise the zone with the most of its length within the service distance.

    Returns
    -------
    DataFrame
        ``community_id`` and ``zone_id`` (None where there is none), aligned to the pipelines.

    Example
    -------
    >>> from shapely import LineString, box
    >>> homes = gpd.GeoDataFrame({"community_id": ["a", "b"]},
    ...     geometry=[box(0, 0, 40, 40), box(60, 0, 100, 40)], crs=4538)
    >>> pipes = gpd.GeoDataFrame(geometry=[LineString([(0, 50), (45, 50)]),
    ...     LineString([(0, 500), (45, 500)])], crs=4538)
    >>> assign_segments(pipes, homes)["community_id"].tolist()
    ['a', None]
    """
    ids = _area_ids(communities, "community_id")
    if overlay is None:
        overlay = overlay_pipelines(communities, pipelines, service_m=service_m)
    community = _best_area(overlay, len(pipelines), ids)
    zone = np.full(len(pipelines), None, dtype=object)
    if zones is not None and len(zones):
        zone_ids = _area_ids(zones, "zone_id")
        if "members" in zones.columns:
            member_zone = {m: z for z, ms in zip(zone_ids, zones["members"]) for m in parse_members(ms)}
            zone = pd.Series(community).map(member_zone).astype(object).to_numpy()
            zone = np.where(pd.isna(zone), None, zone)
        else:
            if zone_overlay is None:
                zone_overlay = overlay_pipelines(zones, pipelines, service_m=service_m)
            zone = _best_area(zone_overlay, len(pipelines), zone_ids)
    return pd.DataFrame({"community_id": pd.Series(community, index=pipelines.index, dtype=object),
                         "zone_id": pd.Series(zone, index=pipelines.index, dtype=object)})


def _best_area(overlay: pd.DataFrame, n_segments: int, ids: np.ndarray) -> np.ndarray:
    """Per segment, the id of the area holding most of its service length (None if none)."""
    out = np.full(n_segments, None, dtype=object)
    if overlay.empty:
        return out
    seg = overlay["segment_pos"].to_numpy()
    area = overlay["area_pos"].to_numpy()
    order = np.lexsort((area, -overlay["length_service_m"].to_numpy(), seg))
    seg, area = seg[order], area[order]
    first = np.ones(len(seg), bool)
    first[1:] = seg[1:] != seg[:-1]
    out[seg[first]] = ids[area[first]]
    return out


def work_list(
    pipelines: gpd.GeoDataFrame,
    communities: gpd.GeoDataFrame,
    *,
    zones: gpd.GeoDataFrame | None = None,
    rules: PipelineRules | None = None,
    condition: pd.DataFrame | None = None,
    assignment: pd.DataFrame | None = None,
) -> gpd.GeoDataFrame:
    """The segments to renovate, each once, with its operator, zone, community, work and phase.

    A segment is listed when it is aged (work ``replace``, phase underground) or overhead
    (work ``overhead``, phase aerial: tidying or undergrounding, last). Segments near no
    community are listed too, with no community or zone (the operator's own mains), so each
    operator's list adds up to its aged and overhead length in the layer.

    Parameters
    ----------
    pipelines, communities
        Canonical layers in one metric CRS.
    zones
        Zones with ``zone_id`` (and ``members``), optional.
    rules, condition, assignment
        Rules, and :func:`segment_condition` / :func:`assign_segments` results when computed.

    Returns
    -------
    GeoDataFrame
        ``operator``, ``zone_id``, ``community_id``, ``pipeline_id``, ``kind``, ``work``,
        ``phase``, ``material``, ``diameter_mm``, ``install_year``, ``age_years``,
        ``placement``, ``length_m``, ``reason_zh``, ``reason_en``, geometry; sorted by operator,
        zone, community, kind and id.

    Example
    -------
    >>> from shapely import LineString, box
    >>> homes = gpd.GeoDataFrame({"community_id": ["a"]}, geometry=[box(0, 0, 40, 40)], crs=4538)
    >>> pipes = gpd.GeoDataFrame({"pipeline_id": ["p1", "p2"], "kind": ["power", "power"],
    ...     "operator": ["供电", "供电"], "install_year": [1980, 2020],
    ...     "placement": ["underground", "overhead"]},
    ...     geometry=[LineString([(0, 45), (40, 45)]), LineString([(0, 50), (40, 50)])], crs=4538)
    >>> work_list(pipes, homes, rules=PipelineRules(reference_year=2025))[
    ...     ["pipeline_id", "work", "phase", "community_id"]].values.tolist()
    [['p1', 'replace', 'underground', 'a'], ['p2', 'overhead', 'aerial', 'a']]
    """
    rules = rules or PipelineRules()
    _require_columns(pipelines, ("kind", "install_year"), "the pipelines layer")
    if condition is None:
        condition = segment_condition(pipelines, rules=rules)
    if assignment is None:
        assignment = assign_segments(pipelines, communities, zones=zones, service_m=rules.service_m)
    listed = (condition["aged"] | condition["overhead"]).to_numpy()
    pos = np.flatnonzero(listed)
    cond = condition.iloc[pos]
    src = pipelines.iloc[pos]

    def col(name: str) -> np.ndarray:
        return (src[name].astype(object).to_numpy() if name in src.columns
                else np.full(len(pos), None, dtype=object))

    work = np.where(cond["overhead"].to_numpy(), "overhead", "replace")
    kind = pd.Series(col("kind"), dtype=object)
    life = kind.map(dict(rules.service_life_years)).fillna(0).astype(int).astype(str)
    age = pd.Series(cond["age_years"].to_numpy())
    age_txt = age.fillna(-1).astype(int).astype(str)
    material = pd.Series(col("material"), dtype=object).fillna("").astype(str)
    old = pd.Series(cond["too_old"].to_numpy())
    risky = pd.Series(cond["risky_material"].to_numpy())
    kind_zh = kind.map(lambda k: choice_label(k, "zh"))
    kind_en = kind.map(lambda k: choice_label(k, "en"))
    zh = pd.Series("", index=age.index)
    en = pd.Series("", index=age.index)
    zh = zh.where(~old, "运行" + age_txt + "年，达到" + kind_zh + "管线使用年限" + life + "年")
    en = en.where(~old, age_txt + " years old, " + kind_en + " service life " + life + " years")
    sep_zh = np.where(old & risky, "；", "")
    sep_en = np.where(old & risky, "; ", "")
    zh = zh + np.where(risky, sep_zh + "高风险管材（" + material + "）", "")
    en = en + np.where(risky, sep_en + "risky material (" + material + ")", "")
    over = pd.Series(work == "overhead")
    sep_zh = np.where(over & (old | risky), "；", "")
    sep_en = np.where(over & (old | risky), "; ", "")
    zh = zh + np.where(over, sep_zh + "架空敷设", "")
    en = en + np.where(over, sep_en + "overhead", "")

    out = gpd.GeoDataFrame({
        "operator": col("operator"),
        "zone_id": pd.Series(assignment["zone_id"].to_numpy(dtype=object)[pos], dtype=object),
        "community_id": pd.Series(assignment["community_id"].to_numpy(dtype=object)[pos], dtype=object),
        "pipeline_id": col("pipeline_id"),
        "kind": kind.to_numpy(),
        "work": work,
        "phase": np.where(work == "overhead", "aerial", "underground"),
        "material": col("material"),
        "diameter_mm": pd.to_numeric(pd.Series(col("diameter_mm")), errors="coerce").to_numpy(),
        "install_year": pd.array(pd.to_numeric(pd.Series(col("install_year")), errors="coerce"),
                                 dtype="Int64"),
        "age_years": pd.array(age.to_numpy(), dtype="Float64").astype("Int64")
        if len(age) else pd.array([], dtype="Int64"),
        "placement": col("placement"),
        "length_m": np.round(cond["length_m"].to_numpy(), 2),
        "reason_zh": zh.to_numpy(),
        "reason_en": en.to_numpy(),
    }, geometry=np.asarray(src.geometry.array, dtype=object), crs=pipelines.crs)
    sort_keys = [out[c].astype(object).fillna("\uffff").astype(str) for c in
                 ("operator", "zone_id", "community_id", "kind", "pipeline_id")]
    order = np.lexsort([k.to_numpy() for k in reversed(sort_keys)])
    return out.iloc[order].reset_index(drop=True)


def operator_summary(work: pd.DataFrame, pipelines: pd.DataFrame,
                     condition: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per operator: the layer's length, the length to renovate, and where it lies.

    Returns
    -------
    DataFrame
        ``operator``, ``segments``, ``length_m`` (whole layer), ``listed_segments``,
        ``listed_m`` (= ``replace_m`` + ``overhead_m``), ``in_zones_m``, ``in_communities_m``,
        ``outside_m`` (near no community); the largest operator first.

    Example
    -------
    >>> from shapely import LineString
    >>> pipes = gpd.GeoDataFrame({"operator": ["水司", "水司"], "kind": ["water_supply"] * 2},
    ...     geometry=[LineString([(0, 0), (10, 0)]), LineString([(0, 5), (30, 5)])], crs=4538)
    >>> work = pd.DataFrame({"operator": ["水司"], "work": ["replace"], "length_m": [10.0],
    ...     "zone_id": [None], "community_id": ["a"]})
    >>> operator_summary(work, pipes)[["operator", "length_m", "listed_m", "in_communities_m"]].values.tolist()
    [['水司', 40.0, 10.0, 10.0]]
    """
    length = (condition["length_m"].to_numpy() if condition is not None
              else shapely.length(np.asarray(pipelines.geometry.array, dtype=object)))
    layer = pd.DataFrame({"operator": pipelines["operator"].astype(object).fillna(_NO_OPERATOR).to_numpy(),
                          "length_m": length})
    base = layer.groupby("operator", sort=False).agg(segments=("length_m", "size"), length_m=("length_m", "sum"))
    w = pd.DataFrame({
        "operator": work["operator"].astype(object).fillna(_NO_OPERATOR).to_numpy(),
        "replace_m": np.where(work["work"] == "replace", work["length_m"], 0.0),
        "overhead_m": np.where(work["work"] == "overhead", work["length_m"], 0.0),
        "in_zones_m": np.where(work["zone_id"].notna(), work["length_m"], 0.0),
        "in_communities_m": np.where(work["community_id"].notna(), work["length_m"], 0.0),
        "outside_m": np.where(work["community_id"].isna(), work["length_m"], 0.0),
        "listed_m": work["length_m"].to_numpy(dtype=float),
    })
    listed = w.groupby("operator", sort=False).agg(
        listed_segments=("listed_m", "size"), listed_m=("listed_m", "sum"), replace_m=("replace_m", "sum"),
        overhead_m=("overhead_m", "sum"), in_zones_m=("in_zones_m", "sum"),
        in_communities_m=("in_communities_m", "sum"), outside_m=("outside_m", "sum"))
    out = base.join(listed, how="left").fillna(0.0)
    out["listed_segments"] = out["listed_segments"].astype(np.int64)
    out = out.round(2).sort_values("length_m", ascending=False, kind="stable").reset_index()
    return out


_NO_OPERATOR = "未注明权属单位"
_UNSAFE = re.compile(r'[\\/:*?"<>|\s]+')


def _file_stem(operator: str) -> str:
    return _UNSAFE.sub("_", operator).strip("._") or "operator"


def write_work_lists(work: gpd.GeoDataFrame, out_dir: str | os.PathLike) -> pd.DataFrame:
    """One CSV and one GeoJSON per operator: the renovation list handed to a utility.

    CSVs are UTF-8 with a byte-order mark (Excel reads the Chinese); GeoJSON is RFC 7946
    (EPSG:4326). Segments without an operator go to ``未注明权属单位``.

    Parameters
    ----------
    work
        :func:`work_list`'s result.
    out_dir
        Folder to write in (created).

    Returns
    -------
    DataFrame
        One row per operator: ``operator``, ``segments``, ``length_m``, ``csv``, ``geojson``.

    Example
    -------
    >>> import tempfile
    >>> from shapely import LineString
    >>> work = gpd.GeoDataFrame({"operator": ["供电"], "pipeline_id": ["p1"], "length_m": [40.0]},
    ...     geometry=[LineString([(524000, 4874000), (524040, 4874000)])], crs=4538)
    >>> files = write_work_lists(work, tempfile.mkdtemp())
    >>> files[["operator", "segments", "length_m"]].values.tolist()
    [['供电', 1, 40.0]]
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    operator = work["operator"].astype(object).fillna(_NO_OPERATOR)
    rows = []
    used: set[str] = set()
    wgs = work.to_crs(4326) if work.crs is not None and work.crs.to_epsg() != 4326 else work
    for name in pd.unique(operator):  # one file pair per operator: a handful
        mask = (operator == name).to_numpy()
        stem = _file_stem(str(name))
        while stem in used:
            stem += "_"
        used.add(stem)
        part = wgs.loc[mask].reset_index(drop=True)
        csv = out_dir / f"{stem}.csv"
        geojson = out_dir / f"{stem}.geojson"
        write_csv(part, csv)  # geo.io.tables: BOM, CRLF, formula-safe cells (geometry left out)
        if geojson.exists():
            geojson.unlink()
        pyogrio.write_dataframe(part, geojson, driver="GeoJSON", layer_options={"RFC7946": "YES"})
        rows.append({"operator": name, "segments": int(mask.sum()),
                     "length_m": round(float(part["length_m"].sum()), 2), "csv": csv.name,
                     "geojson": geojson.name})
    return pd.DataFrame(rows, columns=["operator", "segments", "length_m", "csv", "geojson"])


# --- phasing ---------------------------------------------------------------------------------

def phase_works(work: pd.DataFrame, *, by: str = "zone_id") -> pd.DataFrame:
    """Each zone's works in order: underground -> ground -> aerial (先地下、后地面、再空中).

    Underground: one step per kind and operator, deepest kind first (:data:`UNDERGROUND_ORDER`).
    Ground: restoring road surfaces and greening over the trenches, once the pipes are in
    (length: the trenches, i.e. the underground works' length). Aerial, last: tidying or
    undergrounding the overhead lines, per kind and operator. Segments in no zone (``by`` empty)
    are left out.

    Parameters
    ----------
    work
        :func:`work_list`'s result.
    by
        ``zone_id``, or ``community_id`` for one plan per community.

    Returns
    -------
    DataFrame
        ``by``, ``step`` (1, 2, ... within the zone), ``phase``, ``phase_zh``, ``phase_en``,
        ``kind``, ``operator``, ``item_zh``, ``item_en``, ``segments``, ``length_m``.

    Example
    -------
    >>> work = pd.DataFrame({"zone_id": ["Z1"] * 3, "kind": ["telecom", "drainage", "power"],
    ...     "operator": ["电信", "水司", "供电"], "work": ["replace", "replace", "overhead"],
    ...     "phase": ["underground", "underground", "aerial"], "length_m": [10.0, 20.0, 5.0]})
    >>> phase_works(work)[["step", "phase", "kind", "length_m"]].values.tolist()
    [[1, 'underground', 'drainage', 20.0], [2, 'underground', 'telecom', 10.0], [3, 'ground', None, 30.0], [4, 'aerial', 'power', 5.0]]
    """
    _require_columns(work, (by, "kind", "operator", "work", "phase", "length_m"), "the work list")
    columns = [by, "step", "phase", "phase_zh", "phase_en", "kind", "operator", "item_zh", "item_en",
               "segments", "length_m"]
    listed = work[work[by].notna()]
    if listed.empty:
        return pd.DataFrame(columns=columns)
    frame = pd.DataFrame({
        by: listed[by].to_numpy(), "phase": listed["phase"].to_numpy(), "kind": listed["kind"].to_numpy(),
        "operator": listed["operator"].astype(object).fillna(_NO_OPERATOR).to_numpy(),
        "work": listed["work"].to_numpy(), "length_m": listed["length_m"].to_numpy(dtype=float),
    })
    steps = (frame.groupby([by, "phase", "kind", "operator", "work"], sort=False)
             .agg(segments=("length_m", "size"), length_m=("length_m", "sum")).reset_index())
    under = steps[steps["phase"] == "underground"]
    ground = (under.groupby(by, sort=False).agg(segments=("segments", "sum"), length_m=("length_m", "sum"))
              .reset_index())
    ground["phase"], ground["kind"], ground["operator"], ground["work"] = "ground", None, None, "restore"
    steps = pd.concat([steps, ground[steps.columns]], ignore_index=True)
    depth = {k: i for i, k in enumerate(UNDERGROUND_ORDER)}
    steps["_phase"] = steps["phase"].map(lambda p: PHASES[p][0])
    steps["_depth"] = steps["kind"].map(depth).fillna(len(depth))
    steps = steps.sort_values([by, "_phase", "_depth", "length_m"], ascending=[True, True, True, False],
                              kind="stable")
    steps["step"] = steps.groupby(by, sort=False).cumcount() + 1
    steps["phase_zh"] = steps["phase"].map(lambda p: PHASES[p][1])
    steps["phase_en"] = steps["phase"].map(lambda p: PHASES[p][2])
    kind_zh = steps["kind"].map(lambda k: choice_label(k, "zh") if isinstance(k, str) else "")
    kind_en = steps["kind"].map(lambda k: choice_label(k, "en") if isinstance(k, str) else "")
    item_zh = steps["work"].map(lambda w: WORKS[w][1] if w in WORKS else "道路和绿化恢复（管沟回填后）")
    item_en = steps["work"].map(lambda w: WORKS[w][2] if w in WORKS else "restore roads and greening over the trenches")
    steps["item_zh"] = kind_zh + item_zh
    steps["item_en"] = np.where(kind_en != "", kind_en + ": " + item_en, item_en)
    steps["length_m"] = steps["length_m"].round(2)
    steps["kind"] = steps["kind"].astype(object).where(steps["kind"].notna(), None)
    steps["operator"] = steps["operator"].astype(object).where(steps["operator"].notna(), None)
    return steps[columns].reset_index(drop=True)
