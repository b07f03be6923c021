"""Renovation items per community or zone, derived from the data, each with its reason.

The three content classes of Changji 二(二) (DOMAIN.md): basic (基础类: pipelines, overhead
lines, roofs, walls, stairs), improvement (完善类: lifts, charging, parcel lockers, fitness,
property office) and upgrading (提升类: community service, clinic, kindergarten, elderly care,
childcare, market, convenience store, post station). :func:`renovation_items` derives them:

- pipeline renovation per kind whose need (:func:`geo.pipelines.overlay.renovation_needs`) is partial
  (quantity: the aged length) or full (the whole service length), listed first (先地下);
- overhead-line tidying where power or telecom runs overhead (the needs table's ``overhead_m``);
- roof waterproofing, façade energy saving and stairwell repairs for buildings older than
  :class:`ItemRules` ages. Roof area = ``floor_area_m2 / floors_max`` (a lower bound when some
  buildings are lower than the tallest). Wall area = ``buildings x perimeter x floors_max x
  storey_height_m`` with each building a slab ``building_depth_m`` deep (12 m, the usual
  depth of a walk-up) whose footprint is the roof area shared equally;
- a lift for every building of ``lift_min_floors`` (4) floors or more without one;
- a facility (improvement or upgrading, :data:`DEFAULT_FACILITY_CATEGORIES`) for every kind the
  service-gaps table says is not served;
- a property office where neither a ``property_office`` facility lies in the footprint nor
  the property management is professional.

With ``zone_of``, the shared items (facilities, property office) are listed once per zone
(``unit_kind`` "zone", served when any member is): a zone shares facilities and space
(Changji 一(二)1). Building and pipeline items stay per community. Planners edit the list with
:func:`add_item`, :func:`remove_items` and :func:`apply_edits` (a saved list of edits).

Example
-------
>>> import geopandas as gpd
>>> from shapely import box
>>> homes = gpd.GeoDataFrame({"community_id": ["a"], "build_year": [1990], "households": [48],
...     "buildings": [2], "floors_max": [4], "floor_area_m2": [4800.0], "property_mgmt": ["professional"]},
...     geometry=[box(0, 0, 80, 60)], crs=4538)
>>> items = renovation_items(homes, year=2025)
>>> items[["item", "quantity", "unit"]].values.tolist()
[['roof_waterproofing', 1200.0, 'm2'], ['wall_insulation', 2876.8, 'm2'], ['stairwell', 48.0, 'household'], ['lift_retrofit', 2.0, 'lift']]
"""

from __future__ import annotations

import datetime as _dt
import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.errors import CRSError, SchemaError
from geo.io.schema import PIPELINE_KINDS, choice_label

CATEGORIES = ("basic", "improvement", "upgrading")
CATEGORY_LABELS = {"basic": ("基础类", "basic"), "improvement": ("完善类", "improvement"),
                   "upgrading": ("提升类", "upgrading")}
UNITS = ("m", "m2", "lift", "household", "building", "site", "item")
COLUMNS = ("unit_id", "unit_kind", "item", "category", "label_zh", "label_en", "quantity", "unit",
           "reason_zh", "reason_en", "source")

#: item code -> (category, label_zh, label_en, unit), in the order a plan lists them.
ITEMS: dict[str, tuple[str, str, str, str]] = {
    **{f"pipe_{k}": ("basic", f"{choice_label(k, 'zh')}管线改造", f"{choice_label(k, 'en')} pipe renewal", "m")
       for k in PIPELINE_KINDS},
    "overhead_lines": ("basic", "架空线规整（入地）", "overhead-line tidying (undergrounding)", "m"),
    "roof_waterproofing": ("basic", "屋面防水维修", "roof waterproofing", "m2"),
    "wall_insulation": ("basic", "外墙节能改造", "façade energy-saving renovation", "m2"),
    "stairwell": ("basic", "楼道楼门等公共部位维修", "stairwell and entrance repairs", "household"),
    "lift_retrofit": ("improvement", "加装电梯", "lift retrofit", "lift"),
    "ev_charging": ("improvement", "电动自行车及汽车充电设施", "e-bike and EV charging", "site"),
    "parcel_locker": ("improvement", "智能快件箱", "parcel lockers", "site"),
    "fitness": ("improvement", "体育健身设施", "fitness ground", "site"),
    "property_office": ("improvement", "物业用房", "property office", "site"),
    "community_service": ("upgrading", "社区综合服务设施", "community service centre", "site"),
    "clinic": ("upgrading", "卫生服务站", "clinic station", "site"),
    "kindergarten": ("upgrading", "幼儿园", "kindergarten", "site"),
    "elderly_care": ("upgrading", "养老服务设施", "elderly-care centre", "site"),
    "childcare": ("upgrading", "托育设施", "childcare centre", "site"),
    "market": ("upgrading", "便民市场", "neighbourhood market", "site"),
    "convenience_store": ("upgrading", "便利店", "convenience store", "site"),
    "post_station": ("upgrading", "邮政快递末端综合服务站", "post and parcel station", "site"),
}

#: Facility kind -> item category when the kind is not served. Each kind once (no double cost):
#: elderly care and childcare are upgrading items as in Changji 二(二)3 (养老、托育); the property
#: office is decided by :func:`renovation_items` itself, schools are outside the programme.
DEFAULT_FACILITY_CATEGORIES: dict[str, str] = {
    "ev_charging": "improvement", "parcel_locker": "improvement", "fitness": "improvement",
    "community_service": "upgrading", "clinic": "upgrading", "kindergarten": "upgrading",
    "elderly_care": "upgrading", "childcare": "upgrading", "market": "upgrading",
    "convenience_store": "upgrading", "post_station": "upgrading",
}


def _this_year() -> int:
    return _dt.date.today().year


@dataclass(frozen=True)
class ItemRules:
    """When a building item is due, and how quantities are estimated.

    Parameters
    ----------
    roof_min_age_years
        Roof waterproofing from this age (15: grade II roofs of GB 50207-94 were designed for
        15 years, grade III for 10).
    wall_min_age_years
        Façade energy saving from this age (25: built before the 50 % residential energy-saving
        standards of the mid-1990s, JGJ 26-95, were generally applied).
    stairwell_min_age_years
        Stairwell and entrance repairs from this age (20).
    lift_min_floors
        A building of this many floors or more without a lift gets a lift item (4).
    assume_lift_from_floors
        When the number of lifts is not recorded, buildings of this many floors or more are taken
        to have lifts (7: GB 50096-2011 requires lifts from 7 floors); None to list them too.
    storey_height_m, building_depth_m
        For the wall-area estimate (2.9 m, 12 m).
    facility_categories
        Facility kind -> category (:data:`DEFAULT_FACILITY_CATEGORIES`); kinds not in it give no item.
    """

    roof_min_age_years: int = 15
    wall_min_age_years: int = 25
    stairwell_min_age_years: int = 20
    lift_min_floors: int = 4
    assume_lift_from_floors: int | None = 7
    storey_height_m: float = 2.9
    building_depth_m: float = 12.0
    facility_categories: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_FACILITY_CATEGORIES))

    def __post_init__(self) -> None:
        bad = {k: v for k, v in self.facility_categories.items() if k not in ITEMS or v not in CATEGORIES}
        if bad:
            raise SchemaError(f"facility_categories must map item codes to {CATEGORIES}; got {bad}",
                              code="item_categories_unknown", params={"allowed": list(CATEGORIES)})
        if self.storey_height_m <= 0 or self.building_depth_m <= 0:
            raise SchemaError("storey_height_m and building_depth_m must be positive",
                              code="item_sizes_not_positive", params={})


def _num(frame: pd.DataFrame, name: str) -> np.ndarray:
    if name in frame.columns:
        return pd.to_numeric(frame[name], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    return np.full(len(frame), np.nan)


def _rows(unit_id, item: str, quantity, reason_zh, reason_en, unit_kind="community") -> pd.DataFrame:
    category, label_zh, label_en, unit = ITEMS[item]
    n = len(np.atleast_1d(unit_id))
    return pd.DataFrame({
        "unit_id": np.asarray(unit_id, dtype=object).reshape(n), "unit_kind": unit_kind, "item": item,
        "category": category, "label_zh": label_zh, "label_en": label_en,
        "quantity": np.asarray(quantity, dtype=float).reshape(n), "unit": unit,
        "reason_zh": np.asarray(reason_zh, dtype=object).reshape(n),
        "reason_en": np.asarray(reason_en, dtype=object).reshape(n), "source": "derived"})


def _fmt(values: np.ndarray) -> pd.Series:
    return pd.Series(values).map(lambda v: "?" if np.isnan(v) else f"{v:,.0f}")


def _pipe_items(ids: pd.Series, needs: pd.DataFrame) -> list[pd.DataFrame]:
    missing = [c for c in ("community_id", "kind", "need", "aged_m", "length_service_m") if c not in needs]
    if missing:
        raise SchemaError(f"the needs table lacks {missing}; build it with geo.pipelines.overlay.renovation_needs",
                          code="table_columns_missing", params={"missing": list(missing)})
    rows = needs[needs["community_id"].astype(str).isin(set(ids)) & needs["need"].isin(("partial", "full"))]
    out = []
    for kind in PIPELINE_KINDS:
        r = rows[rows["kind"] == kind]
        if not len(r):
            continue
        full = (r["need"] == "full").to_numpy()
        qty = np.where(full, r["length_service_m"].to_numpy(float), r["aged_m"].to_numpy(float))
        rz = r.get("reason_zh", pd.Series("", index=r.index)).astype(str).to_numpy()
        re_ = r.get("reason_en", pd.Series("", index=r.index)).astype(str).to_numpy()
        zh = np.where(full, "；全面改造，按服务范围全长计", "；局部改造老化管段")
        en = np.where(full, "; full renewal: whole service length", "; partial: the aged length")
        out.append(_rows(r["community_id"].astype(str).to_numpy(), f"pipe_{kind}", qty,
                         pd.Series(rz) + zh, pd.Series(re_) + en))
    if "overhead_m" in needs.columns:
        over = needs[needs["community_id"].astype(str).isin(set(ids)) & needs["kind"].isin(("power", "telecom"))]
        total = pd.to_numeric(over["overhead_m"], errors="coerce").fillna(0).groupby(
            over["community_id"].astype(str), sort=False).sum()
        total = total[total > 0]
        if len(total):
            m = _fmt(total.to_numpy())
            out.append(_rows(total.index.to_numpy(), "overhead_lines", total.to_numpy(),
                             "架空电力、通信线路" + m + "米", m + " m of overhead power and telecom lines"))
    return out


def _building_items(communities: pd.DataFrame, ids: pd.Series, year: int,
                    rules: ItemRules) -> list[pd.DataFrame]:
    age = year - _num(communities, "build_year")
    floors, area = _num(communities, "floors_max"), _num(communities, "floor_area_m2")
    buildings, households = _num(communities, "buildings"), _num(communities, "households")
    roof = np.where(floors > 0, area / np.where(floors > 0, floors, 1), np.nan)
    footprint = roof / np.where(buildings > 0, buildings, np.nan)
    depth = np.minimum(rules.building_depth_m, np.sqrt(footprint))  # a small block is square
    perimeter = 2 * (footprint / depth + depth)
    wall = np.round(buildings * perimeter * floors * rules.storey_height_m, 1)
    a = pd.Series(age).map(lambda v: "?" if np.isnan(v) else f"{v:.0f}")
    out = []
    for item, min_age, qty, zh, en in (
        ("roof_waterproofing", rules.roof_min_age_years, np.round(roof, 1),
         "建成" + a + "年，屋面防水超过使用年限（屋面面积=建筑面积/层数）",
         "built " + a + " years ago, roof past its waterproofing life (roof = floor area / floors)"),
        ("wall_insulation", rules.wall_min_age_years, wall,
         "建成" + a + "年，早于居住建筑节能标准（外墙面积按楼栋周长×层高估算）",
         "built " + a + " years ago, before residential energy-saving standards (wall area from "
         "building perimeter x height)"),
        ("stairwell", rules.stairwell_min_age_years, households,
         "建成" + a + "年，楼道、楼门等公共部位需维修", "built " + a + " years ago: stairs and entrances need repair"),
    ):
        due = age >= min_age
        if due.any():
            out.append(_rows(ids.to_numpy()[due], item, qty[due], zh[due].to_numpy(), en[due].to_numpy()))
    lifts = _num(communities, "lifts")
    tall = floors >= rules.lift_min_floors
    known = ~np.isnan(lifts)
    assume_from = rules.assume_lift_from_floors
    assumed = ~known & (assume_from is not None) & (floors >= (assume_from or 0))
    n = np.where(known, np.maximum(np.nan_to_num(buildings, nan=1) - np.nan_to_num(lifts), 0),
                 np.nan_to_num(buildings, nan=1))
    due = tall & ~assumed & (n > 0)
    if due.any():
        f = pd.Series(floors[due]).map(lambda v: f"{v:.0f}")
        lz = np.where(known[due], "已有电梯" + pd.Series(lifts[due]).map(lambda v: f"{v:.0f}") + "部",
                      "未记录电梯")
        le = np.where(known[due], pd.Series(lifts[due]).map(lambda v: f"{v:.0f}") + " lift(s) recorded",
                      "no lift recorded")
        out.append(_rows(ids.to_numpy()[due], "lift_retrofit", n[due],
                         f + "层住宅，" + lz + "（每栋一部）",
                         f + "-floor buildings, " + le + " (one per building)"))
    return out


def _zone_units(ids: pd.Series, zone_of: Mapping[str, str] | None) -> pd.Series:
    """Each community's zone id (None when in no zone), aligned to ``ids``."""
    zone_of = {str(k): str(v) for k, v in (zone_of or {}).items() if v is not None}
    return pd.Series([zone_of.get(c) for c in ids], index=ids.index, dtype=object)


def _facility_items(ids: pd.Series, gaps: pd.DataFrame, zone: pd.Series, rules: ItemRules) -> list[pd.DataFrame]:
    missing = [c for c in ("community_id", "kind", "served") if c not in gaps]
    if missing:
        raise SchemaError(f"the service-gaps table lacks {missing}; build it with geo.access.facilities.service_gaps",
                          code="table_columns_missing", params={"missing": list(missing)})
    g = gaps[gaps["community_id"].astype(str).isin(set(ids))
             & gaps["kind"].isin(list(rules.facility_categories))]
    cid = g["community_id"].astype(str)
    zone_map = {c: z for c, z in zip(ids, zone) if isinstance(z, str)}
    unit = pd.Series([zone_map.get(c, c) for c in cid], index=g.index, dtype=object)
    is_zone = pd.Series([c in zone_map for c in cid], index=g.index, dtype=bool)
    dist = pd.to_numeric(g.get("distance_m", pd.Series(np.nan, index=g.index)), errors="coerce")
    circle = pd.to_numeric(g.get("circle_m", pd.Series(np.nan, index=g.index)), errors="coerce")
    frame = pd.DataFrame({"unit": unit, "zone": is_zone, "kind": g["kind"], "served": g["served"].astype(bool),
                          "dist": dist, "circle": circle})
    per = frame.groupby(["unit", "kind"], sort=False).agg(
        zone=("zone", "first"), served=("served", "any"), dist=("dist", "min"), circle=("circle", "max"))
    per = per[~per["served"]].reset_index()
    out = []
    order = {u: i for i, u in enumerate(pd.unique(unit))}
    for kind in ITEMS:
        r = per[per["kind"] == kind]
        if not len(r):
            continue
        d, c = _fmt(r["dist"].to_numpy()), _fmt(r["circle"].to_numpy())
        far = r["dist"].notna().to_numpy()
        kz, ke = choice_label(kind, "zh"), choice_label(kind, "en")
        zh = np.where(far, "最近的" + kz + "在" + d + "米外，超出" + c + "米服务半径",
                      c.map(lambda x: f"{x}米服务半径内无可达的{kz}"))
        en = np.where(far, "nearest " + ke + " is " + d + " m away, beyond the " + c + " m circle",
                      c.map(lambda x: f"no {ke} reachable within the {x} m circle"))
        frame_k = _rows(r["unit"].to_numpy(), kind, np.ones(len(r)), zh, en)
        frame_k["unit_kind"] = np.where(r["zone"].to_numpy(bool), "zone", "community")
        frame_k["category"] = rules.facility_categories[kind]
        out.append(frame_k.iloc[np.argsort(r["unit"].map(order).to_numpy(), kind="stable")])
    return out


def _property_office_items(communities: gpd.GeoDataFrame, ids: pd.Series, zone: pd.Series,
                           facilities: gpd.GeoDataFrame | None) -> list[pd.DataFrame]:
    mgmt = (communities["property_mgmt"].astype(object) if "property_mgmt" in communities
            else pd.Series(None, index=communities.index, dtype=object)).to_numpy()
    has = mgmt == "professional"
    office = np.zeros(len(ids), bool)
    if facilities is not None and len(facilities) and "kind" in facilities:
        if facilities.crs is None or communities.crs is None:
            raise CRSError("facilities and communities need a CRS to find property offices in footprints",
                           code="crs_needed", params={"kinds": ["facilities", "communities"]})
        f = facilities[facilities["kind"] == "property_office"]
        if f.crs != communities.crs:
            f = f.to_crs(communities.crs)
        if len(f):
            hit, _ = shapely.STRtree(f.geometry.to_numpy()).query(communities.geometry.to_numpy(),
                                                                  predicate="intersects")
            office[np.unique(hit)] = True
    frame = pd.DataFrame({"cid": ids.to_numpy(), "zone": zone.to_numpy(), "has": has | office})
    frame["unit"] = [z if isinstance(z, str) else c for z, c in zip(frame["zone"], frame["cid"])]
    per = frame.groupby("unit", sort=False).agg(has=("has", "any"), zone=("zone", "first"))
    per = per[~per["has"]]
    if not len(per):
        return []
    in_zone = per["zone"].notna().to_numpy()
    zh = np.where(in_zone, "片区内各小区均无物业用房，亦无专业化物业", "小区内无物业用房，亦无专业化物业")
    en = np.where(in_zone, "no member has a property office or professional management",
                  "no property office in it and no professional management")
    out = _rows(per.index.to_numpy(), "property_office", np.ones(len(per)), zh, en)
    out["unit_kind"] = np.where(in_zone, "zone", "community")
    return [out]


def renovation_items(
    communities: gpd.GeoDataFrame,
    *,
    needs: pd.DataFrame | None = None,
    gaps: pd.DataFrame | None = None,
    zone_of: Mapping[str, str] | None = None,
    facilities: gpd.GeoDataFrame | None = None,
    year: int | None = None,
    rules: ItemRules | None = None,
) -> pd.DataFrame:
    """The renovation items of every community (and zone), derived from the data with reasons.

    Parameters
    ----------
    communities
        The communities to plan (e.g. the eligible ones), canonical columns (``lifts`` optional).
    needs
        :func:`geo.pipelines.overlay.renovation_needs` long table: pipeline and overhead-line items.
    gaps
        :func:`geo.access.facilities.service_gaps` long table: facility items for kinds not served.
    zone_of
        community_id -> zone_id: shared items once per zone.
    facilities
        The facilities layer: a ``property_office`` point in a footprint counts as an office.
    year
        The year building ages are counted to (this year by default).
    rules
        :class:`ItemRules`.

    Returns
    -------
    DataFrame
        The items long table (:data:`COLUMNS`), communities in input order then zones, each unit's
        items in :data:`ITEMS` order. ``attrs["notes"]`` lists, as ``{"zh", "en"}``, what could
        not be derived (no needs table, no overhead lengths, no gaps table, no facilities layer).
    """
    rules = rules or ItemRules()
    year = year or _this_year()
    if "community_id" not in communities.columns:
        raise SchemaError("communities have no 'community_id' column; load them with geo.io.load.load_layer",
                          code="columns_needed", params={"kind": "communities", "missing": ["community_id"]})
    ids = communities["community_id"].astype(str).reset_index(drop=True)
    zone = _zone_units(ids, zone_of)
    notes: list[dict[str, str]] = []
    frames: list[pd.DataFrame] = []
    if needs is None:
        notes.append({"zh": "未提供管线需求表：未列管线改造项目", "en": "no needs table: no pipeline items"})
    else:
        frames += _pipe_items(ids, needs)
        if "overhead_m" not in needs.columns:
            notes.append({"zh": "管线需求表无架空长度（overhead_m）：未列架空线规整",
                          "en": "the needs table has no overhead_m: overhead-line tidying skipped"})
    frames += _building_items(communities.reset_index(drop=True), ids, year, rules)
    if gaps is None:
        notes.append({"zh": "未提供配套设施缺口表：未列设施项目", "en": "no service-gaps table: no facility items"})
    else:
        frames += _facility_items(ids, gaps, zone, rules)
    if facilities is None:
        notes.append({"zh": "未提供设施图层：仅按专业化物业判断物业用房",
                      "en": "no facilities layer: property offices judged by professional management only"})
    frames += _property_office_items(communities.reset_index(drop=True), ids, zone, facilities)
    frames = [f for f in frames if len(f)]
    items = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=list(COLUMNS))
    items = _ordered(items, list(ids))
    items.attrs["notes"] = notes
    return items


def _ordered(items: pd.DataFrame, ids: list[str]) -> pd.DataFrame:
    """Communities in ``ids`` order, then zones by id; items in :data:`ITEMS` order."""
    rank = {c: i for i, c in enumerate(ids)}
    zones = sorted(set(items.loc[items["unit_kind"] == "zone", "unit_id"]))
    rank.update({z: len(ids) + i for i, z in enumerate(zones)})
    item_rank = {k: i for i, k in enumerate(ITEMS)}
    key_unit = items["unit_id"].map(rank).fillna(len(rank)).to_numpy()
    key_item = items["item"].map(item_rank).fillna(len(item_rank)).to_numpy()
    order = np.lexsort((np.arange(len(items)), key_item, key_unit))
    return items.iloc[order].reset_index(drop=True)[list(COLUMNS)]


# --- planner edits ---------------------------------------------------------------------------

def add_item(items: pd.DataFrame, unit_id: str, item: str, *, quantity: float,
             unit_kind: str = "community", category: str | None = None, unit: str | None = None,
             label_zh: str | None = None, label_en: str | None = None,
             reason_zh: str = "规划人员添加", reason_en: str = "added by a planner") -> pd.DataFrame:
    """A new table with the planner's item (``source`` "planner"); it replaces the same unit's
    row of that item, if any. A code not in :data:`ITEMS` needs ``category``, ``unit`` and labels.

    Example
    -------
    >>> empty = pd.DataFrame(columns=list(COLUMNS))
    >>> add_item(empty, "a", "lift_retrofit", quantity=2)[["unit_id", "item", "unit", "source"]].values.tolist()
    [['a', 'lift_retrofit', 'lift', 'planner']]
    """
    known = ITEMS.get(item)
    category = category or (known[0] if known else None)
    unit = unit or (known[3] if known else None)
    label_zh = label_zh or (known[1] if known else None)
    label_en = label_en or (known[2] if known else None)
    if None in (category, unit, label_zh, label_en):
        raise SchemaError(f"'{item}' is not a known item code; give category, unit, label_zh and label_en "
                          "(known codes: " + ", ".join(ITEMS) + ")",
                          code="item_unknown", params={"item": str(item), "allowed": list(ITEMS)})
    if category not in CATEGORIES or unit not in UNITS or unit_kind not in ("community", "zone"):
        raise SchemaError(f"category must be one of {CATEGORIES}, unit one of {UNITS}, unit_kind community or "
                          f"zone; got {category!r}, {unit!r}, {unit_kind!r}",
                          code="item_spec_invalid", params={"category": str(category), "unit": str(unit), "unit_kind": str(unit_kind)})
    if not (np.isfinite(quantity) and quantity >= 0):
        raise SchemaError(f"quantity must be a number >= 0; got {quantity!r} for {item} of {unit_id}",
                          code="item_quantity_invalid", params={"item": str(item), "unit_id": str(unit_id), "value": str(quantity)})
    row = pd.DataFrame([{"unit_id": str(unit_id), "unit_kind": unit_kind, "item": item, "category": category,
                         "label_zh": label_zh, "label_en": label_en, "quantity": float(quantity),
                         "unit": unit, "reason_zh": reason_zh, "reason_en": reason_en, "source": "planner"}])
    kept = remove_items(items, unit_id, item)
    out = pd.concat([kept, row], ignore_index=True) if len(kept) else row
    out.attrs = dict(items.attrs)
    return out[list(COLUMNS)]


def remove_items(items: pd.DataFrame, unit_id: str, item: str) -> pd.DataFrame:
    """A new table without the unit's rows of ``item``.

    Example
    -------
    >>> t = add_item(pd.DataFrame(columns=list(COLUMNS)), "a", "fitness", quantity=1)
    >>> len(remove_items(t, "a", "fitness")), len(remove_items(t, "b", "fitness"))
    (0, 1)
    """
    drop = (items["unit_id"].astype(str) == str(unit_id)) & (items["item"] == item)
    out = items.loc[~drop].reset_index(drop=True)
    out.attrs = dict(items.attrs)
    return out


def apply_edits(items: pd.DataFrame, edits: Iterable[Mapping]) -> pd.DataFrame:
    """Apply a saved list of edits in order: ``{"action": "add", "unit_id", "item", "quantity", ...}``
    (any :func:`add_item` keyword) or ``{"action": "remove", "unit_id", "item"}`` (JSON-ready).

    Example
    -------
    >>> t = apply_edits(pd.DataFrame(columns=list(COLUMNS)), [
    ...     {"action": "add", "unit_id": "a", "item": "fitness", "quantity": 1},
    ...     {"action": "add", "unit_id": "a", "item": "clinic", "quantity": 1},
    ...     {"action": "remove", "unit_id": "a", "item": "fitness"}])
    >>> t["item"].tolist()
    ['clinic']
    """
    out = items
    for n, edit in enumerate(edits):
        edit = dict(edit)
        action = edit.pop("action", None)
        try:
            unit_id, item = edit.pop("unit_id"), edit.pop("item")
        except KeyError as exc:
            raise SchemaError(f"edit {n + 1} lacks {exc}; every edit has action, unit_id and item",
                              code="item_edit_incomplete", params={"row": n + 1, "missing": [str(exc.args[0]) if exc.args else ""]}) from None
        if action == "add":
            out = add_item(out, unit_id, item, **edit)
        elif action == "remove":
            out = remove_items(out, unit_id, item)
        else:
            raise SchemaError(f"edit {n + 1} has action {action!r}; expected 'add' or 'remove'",
                              code="item_edit_action", params={"row": n + 1, "value": str(action)})
    return out


def read_item_edits(path: str | os.PathLike) -> list[dict]:
    """A planner's saved item edits (a JSON list, as the app downloads them), checked.

    Raises
    ------
    SchemaError
        When the file is not JSON, not a list of edits, or an edit lacks ``action``, ``unit_id``
        or ``item`` or has an unknown action or item (the message names the file and the edit).

    Example
    -------
    >>> import json, tempfile
    >>> with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
    ...     json.dump([{"action": "remove", "unit_id": "CJ000001", "item": "fitness"}], f)
    >>> read_item_edits(f.name)[0]["item"]
    'fitness'
    """
    try:
        edits = json.loads(Path(path).read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SchemaError(f"{path}: cannot read the item edits ({exc}); give the JSON file the app's "
                          "'item edits' button saves",
                          code="item_edits_unreadable", params={"file": Path(path).name}) from None
    if not isinstance(edits, list) or not all(isinstance(e, dict) for e in edits):
        raise SchemaError(f"{path}: expected a JSON list of edits like "
                          '[{"action": "add", "unit_id": "CJ000001", "item": "lift_retrofit", "quantity": 2}]',
                          code="item_edits_not_a_list", params={"file": Path(path).name})
    for n, edit in enumerate(edits, 1):
        missing = [k for k in ("action", "unit_id", "item") if k not in edit]
        if missing:
            raise SchemaError(f"{path}: edit {n} lacks {', '.join(missing)}; every edit has action, unit_id, item",
                              code="item_edit_incomplete", params={"file": Path(path).name, "row": n, "missing": list(missing)})
        if edit["action"] not in ("add", "remove"):
            raise SchemaError(f"{path}: edit {n} has action {edit['action']!r}; expected 'add' or 'remove'",
                              code="item_edit_action", params={"file": Path(path).name, "row": n, "value": str(edit["action"])})
        if edit["action"] == "add" and edit["item"] not in ITEMS and not edit.get("label_zh"):
            raise SchemaError(f"{path}: edit {n} adds the unknown item {edit['item']!r} without a label; "
                              f"known items: {', '.join(ITEMS)} (or give label_zh, label_en, category, unit)",
                              code="item_edit_unknown_item", params={"file": Path(path).name, "row": n, "item": str(edit["item"])})
    return edits
