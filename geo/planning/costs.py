"""What the items cost, and who pays: unit costs, totals per unit, funding split and gap.

- :data:`DEFAULT_UNIT_COSTS`: an indicative unit cost for every item of :data:`geo.planning.items.ITEMS`,
  to be replaced by local prices (:func:`read_unit_costs` reads a planner's CSV, UTF-8 or GBK;
  :func:`combine_unit_costs` lays it over the defaults);
- :func:`cost_items` prices the items table, :func:`cost_by_unit` totals it by unit and category;
- :class:`FundingShares` (defaults: Yunnan 2020) and :func:`funding_split` split a cost into
  the seven sources in whole yuan that add up exactly; :func:`funding_gap` is the share of a
  unit's cost still to be raised (what depends on the local budget and on credit).

An item with no unit cost, a unit that does not match, or an unknown quantity gives a NaN cost
with the reason in ``cost_note_zh`` / ``cost_note_en``: never a silent 0.

Example
-------
>>> import pandas as pd
>>> items = pd.DataFrame({"unit_id": ["a", "a"], "unit_kind": "community",
...     "item": ["pipe_gas", "lift_retrofit"], "category": ["basic", "improvement"],
...     "quantity": [100.0, 2.0], "unit": ["m", "lift"]})
>>> costed = cost_items(items)
>>> costed["cost_yuan"].tolist()
[80000.0, 600000.0]
>>> cost_by_unit(costed)[["unit_id", "basic_yuan", "improvement_yuan", "cost_yuan"]].values.tolist()
[['a', 80000.0, 600000.0, 680000.0]]
>>> funding_split(pd.Series([680000.0]), shares=FundingShares(central_subsidy=0.5, local_budget=0.5,
...     special_bonds=0, residents=0, pipeline_operators=0, social_capital=0, bank_credit=0)).iloc[0].tolist()
[340000, 340000, 0, 0, 0, 0, 0]
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, fields

import numpy as np
import pandas as pd

from geo.errors import SchemaError
from geo.planning.items import CATEGORIES, ITEMS, UNITS
from geo.io.readers import check_path, read_csv_table
from geo.io.schema import normalize_header

_NOTE_EN = ("indicative default (2024 prices, typical of Chinese old-community programmes): "
            "replace with local prices")
_NOTE_ZH = "参考默认值（2024年价格，按各地老旧小区改造常见造价估计），请以当地定额或招标价替换"

#: item -> (unit cost in yuan, what it covers). Authors' indicative figures, not a quota.
_DEFAULTS: dict[str, tuple[float, str]] = {
    "pipe_water_supply": (600, "PE / ductile-iron main, excavation and reinstatement"),
    "pipe_drainage": (1200, "rain/sewage separation, HDPE pipe and manholes"),
    "pipe_gas": (800, "PE or steel gas pipe, risers and valves"),
    "pipe_heating": (1500, "pre-insulated supply and return pair"),
    "pipe_power": (500, "low-voltage cable in duct"),
    "pipe_telecom": (200, "duct and fibre (光纤入户)"),
    "overhead_lines": (300, "tidying or undergrounding of overhead lines"),
    "roof_waterproofing": (180, "membrane waterproofing with insulation"),
    "wall_insulation": (220, "external thin-plaster insulation and finish (150-300 in most programmes)"),
    "stairwell": (1500, "stairs, entrances, lighting, doors, per household"),
    "lift_retrofit": (300000, "one added lift (25-35 万元 each in most programmes)"),
    "ev_charging": (150000, "a set of e-bike and car chargers with supply"),
    "parcel_locker": (30000, "smart parcel lockers"),
    "fitness": (100000, "fitness ground with equipment"),
    "property_office": (200000, "property office premises (fit-out or small new build)"),
    "community_service": (800000, "community service centre (fit-out of about 300 m2)"),
    "clinic": (500000, "clinic station fit-out and equipment"),
    "kindergarten": (3000000, "small kindergarten (renovated building)"),
    "elderly_care": (600000, "elderly day-care centre fit-out"),
    "childcare": (500000, "childcare centre fit-out"),
    "market": (1000000, "neighbourhood market renovation"),
    "convenience_store": (200000, "convenience store premises"),
    "post_station": (150000, "post and parcel station"),
}

DEFAULT_UNIT_COSTS = pd.DataFrame({
    "item": list(_DEFAULTS), "unit": [ITEMS[k][3] for k in _DEFAULTS],
    "unit_cost_yuan": [float(v[0]) for v in _DEFAULTS.values()],
    "note": [f"{v[1]}; {_NOTE_EN}" for v in _DEFAULTS.values()], "note_zh": _NOTE_ZH,
})

_ALIASES = {
    "item": ("item", "item_code", "项目", "项目编码", "改造项目", "项目代码"),
    "unit": ("unit", "单位", "计量单位"),
    "unit_cost_yuan": ("unit_cost_yuan", "unit_cost", "cost_yuan", "单价", "单价元", "综合单价", "单价(元)"),
}


def _status(table: pd.DataFrame) -> pd.DataFrame:
    known = table["item"].isin(list(ITEMS))
    cost = table["unit_cost_yuan"]
    status = np.where(cost.isna(), "no_cost", np.where(known, "ok", "unknown_item"))
    words = {"ok": ("", ""), "no_cost": ("未填单价：该项目不计价", "no unit cost: items of it are not costed"),
             "unknown_item": ("非系统项目编码：仅用于规划人员添加的项目",
                              "not a derived item code: used only by items a planner adds")}
    out = table.copy()
    out["known"] = known.to_numpy()
    out["status"] = status
    out["status_zh"] = [words[s][0] for s in status]
    out["status_en"] = [words[s][1] for s in status]
    return out


def read_unit_costs(path: str | os.PathLike) -> pd.DataFrame:
    """A planner's unit-cost table from CSV (UTF-8 or GBK): columns item, unit, unit_cost_yuan.

    Headers may be Chinese (项目, 单位, 单价). An empty cost is allowed and reported (``status``
    no_cost); an item code the system does not derive is allowed and reported (unknown_item).

    Returns
    -------
    DataFrame
        ``item``, ``unit``, ``unit_cost_yuan`` (NaN when empty), ``note``, ``row`` (line in the
        file), ``known``, ``status`` (ok / no_cost / unknown_item), ``status_zh``, ``status_en``.

    Raises
    ------
    InputFileError
        Missing, empty or unreadable file.
    SchemaError
        A column is missing, a cost is not a number or negative, a unit is unknown or not the
        item's unit, an item is blank or listed twice: the message names the line and the fix.
    """
    p = check_path(path)
    raw, _ = read_csv_table(p, None)
    folded = {normalize_header(c): c for c in raw.columns}
    found = {}
    for name, aliases in _ALIASES.items():
        col = next((folded[normalize_header(a)] for a in aliases if normalize_header(a) in folded), None)
        if col is None:
            raise SchemaError(f"{p.name}: no column '{name}' (also read as {', '.join(aliases[1:])}); columns "
                              f"found: {', '.join(map(str, raw.columns))}. The header must be "
                              "item,unit,unit_cost_yuan",
                              code="unit_costs_column_missing", params={"file": p.name, "column": name, "columns": [str(c) for c in raw.columns]})
        found[name] = col
    note_col = folded.get("note")
    rows, errors = [], []
    for i, rec in enumerate(raw.to_dict("records")):
        line = i + 2
        item, unit = str(rec[found["item"]]).strip(), str(rec[found["unit"]]).strip()
        text = re.sub(r"[\s,，]", "", str(rec[found["unit_cost_yuan"]]))
        if not item:
            errors.append(f"line {line}: the item is blank; write an item code such as pipe_gas")
            continue
        if text == "":
            cost = math.nan
        else:
            try:
                cost = float(text)
            except ValueError:
                errors.append(f"line {line} ({item}): unit_cost_yuan '{rec[found['unit_cost_yuan']]}' is not a "
                              "number; write a plain number of yuan, e.g. 600")
                continue
            if not math.isfinite(cost) or cost < 0:
                errors.append(f"line {line} ({item}): unit_cost_yuan {text} must be a number >= 0")
                continue
        if unit not in UNITS:
            errors.append(f"line {line} ({item}): unit '{unit}' is not one of {', '.join(UNITS)}")
            continue
        if item in ITEMS and ITEMS[item][3] != unit:
            errors.append(f"line {line} ({item}): {item} is measured in '{ITEMS[item][3]}', the file says "
                          f"'{unit}'; give the cost per {ITEMS[item][3]}")
            continue
        rows.append({"item": item, "unit": unit, "unit_cost_yuan": cost,
                     "note": str(rec[note_col]) if note_col else f"from {p.name}", "row": line})
    table = pd.DataFrame(rows, columns=["item", "unit", "unit_cost_yuan", "note", "row"])
    twice = table.loc[table["item"].duplicated(keep=False)]
    for item, group in twice.groupby("item", sort=False):
        errors.append(f"lines {', '.join(map(str, group['row']))}: {item} is listed more than once; keep one")
    if errors:
        raise SchemaError(f"{p.name}: " + "; ".join(errors),
                          code="unit_costs_rows_invalid", params={"file": p.name, "count": len(errors)})
    return _status(table)


def combine_unit_costs(user: pd.DataFrame, defaults: pd.DataFrame = DEFAULT_UNIT_COSTS) -> pd.DataFrame:
    """The defaults with the planner's rows laid over them (same item: the planner's row wins).

    Example
    -------
    >>> user = pd.DataFrame({"item": ["pipe_gas"], "unit": ["m"], "unit_cost_yuan": [950.0], "note": ["tender"]})
    >>> combine_unit_costs(user).set_index("item").loc["pipe_gas", "unit_cost_yuan"]
    np.float64(950.0)
    """
    kept = defaults[~defaults["item"].isin(set(user["item"]))]
    return pd.concat([kept, user], ignore_index=True)


def cost_items(items: pd.DataFrame, unit_costs: pd.DataFrame | None = None) -> pd.DataFrame:
    """The items table with ``unit_cost_yuan`` and ``cost_yuan`` (quantity x unit cost).

    Items with no cost in ``unit_costs`` (default :data:`DEFAULT_UNIT_COSTS`), a different unit,
    or an unknown quantity get a NaN cost and the reason in ``cost_note_zh`` / ``cost_note_en``
    ("" when costed).
    """
    table = DEFAULT_UNIT_COSTS if unit_costs is None else unit_costs
    missing = [c for c in ("item", "unit", "unit_cost_yuan") if c not in table.columns]
    if missing:
        raise SchemaError(f"the unit-cost table lacks {missing}; read it with geo.planning.costs.read_unit_costs",
                          code="table_columns_missing", params={"missing": list(missing)})
    twice = table.loc[table["item"].duplicated(), "item"].tolist()
    if twice:
        raise SchemaError(f"the unit-cost table lists {sorted(set(twice))} more than once; keep one row each",
                          code="unit_costs_repeated", params={"ids": sorted(set(twice))})
    lookup = table.set_index("item")
    out = items.copy()
    unit_cost = out["item"].map(pd.to_numeric(lookup["unit_cost_yuan"], errors="coerce")).astype(float)
    cost_unit = out["item"].map(lookup["unit"])
    listed = out["item"].isin(lookup.index)
    mismatch = listed & (cost_unit != out["unit"])
    qty = pd.to_numeric(out["quantity"], errors="coerce").astype(float)
    unit_cost = unit_cost.where(~mismatch)
    out["unit_cost_yuan"] = unit_cost
    out["cost_yuan"] = (qty * unit_cost).round(2)
    cu = cost_unit.astype(str)
    zh = np.select([~listed, mismatch, unit_cost.isna(), qty.isna()],
                   ["单价表中无此项目，未计价", "单价表计量单位为" + cu + "，与项目不符，未计价", "单价未填，未计价",
                    "工程量未知，未计价"], "")
    en = np.select([~listed, mismatch, unit_cost.isna(), qty.isna()],
                   ["no unit cost for this item: not costed", "the unit cost is per " + cu + ", not per the "
                    "item's unit: not costed", "unit cost empty: not costed", "quantity unknown: not costed"], "")
    out["cost_note_zh"], out["cost_note_en"] = zh, en
    return out


def cost_by_unit(items: pd.DataFrame) -> pd.DataFrame:
    """Totals per unit and category of a costed items table (:func:`cost_items`).

    Returns
    -------
    DataFrame
        ``unit_id``, ``unit_kind``, ``basic_yuan``, ``improvement_yuan``, ``upgrading_yuan``,
        ``cost_yuan`` (the known costs), ``uncosted_items`` (items with a NaN cost: the total is
        then a lower bound). Units in order of first appearance.
    """
    if "cost_yuan" not in items.columns:
        raise SchemaError("the items have no cost_yuan column; price them with geo.planning.costs.cost_items first",
                          code="table_columns_missing", params={"missing": ["cost_yuan"]})
    key = ["unit_id", "unit_kind"]
    wide = items.pivot_table(index=key, columns="category", values="cost_yuan", aggfunc="sum", sort=False,
                             fill_value=0.0, dropna=False)
    wide = wide.reindex(columns=list(CATEGORIES), fill_value=0.0).rename(columns=lambda c: f"{c}_yuan")
    wide.columns.name = None
    wide["cost_yuan"] = wide.sum(axis=1)
    wide["uncosted_items"] = items["cost_yuan"].isna().groupby([items[k] for k in key], sort=False).sum()
    first = items[key].drop_duplicates()
    out = wide.reset_index()
    out = first.merge(out, on=key, how="left")
    out["uncosted_items"] = out["uncosted_items"].fillna(0).astype(int)
    return out.reset_index(drop=True)


# --- funding ---------------------------------------------------------------------------------

#: Yunnan 2020 (reply 云建更函〔2021〕59号), 亿元: total investment 147.92; central special funds 31.26
#: and special treasury bonds 3.15 (both central money), local special bonds 1.9 (the reply says
#: "36.3, 24.54 %"; its parts add up to 36.31, 24.55 %, and the parts are used); residents 0.46;
#: pipeline operators 1.57; bank credit 4.7. The other 104.88 (70.90 %)
#: is not itemised: it is what the local governments raised otherwise. The reply names no social
#: capital amount, so the default books all of it as local budget (social_capital 0): the cautious
#: reading for the fiscal-affordability report that goes with an annual plan (Changji 三(二)).
#: A planner with signed social-capital agreements moves that share from local_budget.
YUNNAN_2020_YI: dict[str, float] = {
    "central_subsidy": 31.26 + 3.15, "special_bonds": 1.9, "residents": 0.46, "pipeline_operators": 1.57,
    "bank_credit": 4.7, "social_capital": 0.0,
}
YUNNAN_2020_TOTAL_YI = 147.92
_Y = {k: v / YUNNAN_2020_TOTAL_YI for k, v in YUNNAN_2020_YI.items()}

SOURCES = ("central_subsidy", "local_budget", "special_bonds", "residents", "pipeline_operators",
           "social_capital", "bank_credit")
SOURCE_LABELS = {
    "central_subsidy": ("中央补助资金", "central subsidy"), "local_budget": ("地方财政资金", "local budget"),
    "special_bonds": ("地方政府专项债券", "special bonds"), "residents": ("居民出资", "residents"),
    "pipeline_operators": ("管线单位出资", "pipeline operators"), "social_capital": ("社会资本", "social capital"),
    "bank_credit": ("金融机构信贷", "bank credit"),
}
#: Sources that still have to be raised: the local budget and loans (the rest is granted or pledged).
UNCOMMITTED = ("local_budget", "bank_credit")


@dataclass(frozen=True)
class FundingShares:
    """Share of the cost from each of the seven sources (each >= 0, summing to 1 within 1e-9).

    Defaults: Yunnan 2020 (:data:`YUNNAN_2020_YI`), local_budget taking the unitemised rest.

    Example
    -------
    >>> f = FundingShares()
    >>> round(f.central_subsidy + f.special_bonds, 4), round(f.local_budget, 4)
    (0.2455, 0.709)
    >>> FundingShares(local_budget=0.5)
    Traceback (most recent call last):
    ...
    geo.errors.SchemaError: funding shares must sum to 1; they sum to 0.790968 (central_subsidy 0.232626, local_budget 0.5, ...). Change one share so they add up to 1
    """

    central_subsidy: float = _Y["central_subsidy"]
    local_budget: float = 1.0 - sum(_Y.values())
    special_bonds: float = _Y["special_bonds"]
    residents: float = _Y["residents"]
    pipeline_operators: float = _Y["pipeline_operators"]
    social_capital: float = _Y["social_capital"]
    bank_credit: float = _Y["bank_credit"]

    def __post_init__(self) -> None:
        values = self.shares()
        bad = {k: v for k, v in values.items() if not (math.isfinite(v) and v >= 0)}
        if bad:
            raise SchemaError(f"funding shares must be numbers >= 0; got {bad}",
                              code="shares_negative", params={"names": sorted(bad)})
        total = sum(values.values())
        if abs(total - 1.0) > 1e-9:
            parts = ", ".join(f"{k} {v:g}" for k, v in values.items())
            raise SchemaError(f"funding shares must sum to 1; they sum to {total:g} ({parts}). Change one share "
                              "so they add up to 1",
                              code="shares_sum", params={"value": round(total, 6)})

    def shares(self) -> dict[str, float]:
        """source -> share, in :data:`SOURCES` order."""
        return {f.name: float(getattr(self, f.name)) for f in fields(self)}

    @classmethod
    def from_amounts(cls, amounts: Mapping[str, float]) -> FundingShares:
        """Shares from amounts in any unit (e.g. a year's 亿元 by source); missing sources are 0.

        Example
        -------
        >>> FundingShares.from_amounts({"central_subsidy": 1, "local_budget": 3}).local_budget
        0.75
        """
        unknown = sorted(set(amounts) - set(SOURCES))
        if unknown:
            raise SchemaError(f"unknown funding source(s) {unknown}; sources: " + ", ".join(SOURCES),
                              code="funding_source_unknown", params={"names": list(unknown), "allowed": list(SOURCES)})
        total = float(sum(amounts.values()))
        if not total > 0:
            raise SchemaError(f"the amounts must add up to more than 0; got {total}",
                              code="amounts_zero", params={"value": float(total)})
        return cls(**{k: float(amounts.get(k, 0.0)) / total for k in SOURCES})


def funding_split(cost_yuan: pd.Series, *, shares: FundingShares | None = None) -> pd.DataFrame:
    """Each cost split into the seven sources, in whole yuan adding up exactly to the rounded cost.

    The cost is rounded to whole yuan; each source gets the floor of its share, and the yuan
    left go one each to the largest remainders (ties: :data:`SOURCES` order). NaN cost -> NA.

    Returns
    -------
    DataFrame
        Index of ``cost_yuan``; ``<source>_yuan`` (Int64) per source in :data:`SOURCES` order.
    """
    shares = shares or FundingShares()
    s = np.array(list(shares.shares().values()))
    cost = pd.to_numeric(pd.Series(cost_yuan), errors="coerce").astype(float).to_numpy()
    if (cost < 0).any():
        raise SchemaError(f"costs must be >= 0 yuan; got {cost[cost < 0][0]}",
                          code="costs_negative", params={"value": float(cost[cost < 0][0])})
    known = ~np.isnan(cost)
    total = np.floor(np.where(known, cost, 0) + 0.5)
    raw = total[:, None] * s[None, :]
    base = np.floor(raw)
    left = total - base.sum(axis=1)
    order = np.argsort(-(raw - base), axis=1, kind="stable")
    pos = np.empty_like(order)
    np.put_along_axis(pos, order, np.arange(len(s))[None, :].repeat(len(cost), 0), axis=1)
    parts = (base + (pos < left[:, None])).astype(np.int64)
    out = pd.DataFrame(index=pd.Series(cost_yuan).index)
    for j, name in enumerate(SOURCES):
        out[f"{name}_yuan"] = pd.array(np.where(known, parts[:, j], 0), dtype="Int64")
        out.loc[~known, f"{name}_yuan"] = pd.NA
    return out


def funding_gap(cost_by_unit: pd.DataFrame, shares: FundingShares | None = None, *,
                committed: pd.Series | pd.DataFrame | None = None) -> pd.Series:
    """Share (0-1) of each unit's cost not covered by committed money: what still depends on the
    local budget and on credit (:data:`UNCOMMITTED`).

    Without ``committed`` the gap is ``local_budget + bank_credit`` of ``shares`` for every unit.
    ``committed`` (yuan by unit_id: a Series, or a DataFrame indexed by unit_id, or with a
    ``unit_id`` column, whose ``*_yuan`` columns are summed) replaces that expectation for the
    units it lists: gap = ``1 - committed / cost`` clipped to 0-1. A unit costing 0 has gap 0.

    Example
    -------
    >>> units = pd.DataFrame({"unit_id": ["a", "b"], "cost_yuan": [1000.0, 1000.0]})
    >>> funding_gap(units, committed=pd.Series({"b": 900.0})).round(3).tolist()
    [0.741, 0.1]
    """
    shares = shares or FundingShares()
    cost = pd.Series(pd.to_numeric(cost_by_unit["cost_yuan"], errors="coerce").astype(float).to_numpy(),
                     index=cost_by_unit["unit_id"].astype(str).to_numpy())
    expected = 1.0 - sum(shares.shares()[k] for k in UNCOMMITTED)
    secured = cost * expected
    if committed is not None:
        if isinstance(committed, pd.DataFrame):
            frame = committed.set_index("unit_id") if "unit_id" in committed.columns else committed
            cols = [c for c in frame.columns if str(c).endswith("_yuan")]
            if not cols:
                raise SchemaError("committed has no *_yuan columns; give yuan by source, e.g. residents_yuan",
                                  code="committed_no_yuan", params={})
            committed = frame[cols].apply(pd.to_numeric, errors="coerce").fillna(0).sum(axis=1)
        committed = pd.Series(committed).astype(float)
        committed.index = committed.index.astype(str)
        listed = cost.index.isin(committed.index)
        secured[listed] = committed.reindex(cost.index[listed]).to_numpy()
    gap = np.where(cost > 0, 1.0 - secured / cost.where(cost > 0), 0.0)
    return pd.Series(np.clip(gap, 0, 1), index=cost.index, name="funding_gap").where(cost.notna())
