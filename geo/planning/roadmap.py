"""The multi-year roadmap: every reserve project given a year up to the target year.

:func:`roadmap` spreads the reserve (:func:`geo.planning.reserve.reserve_projects`) evenly over the
years from ``start_year`` to ``target_year`` in priority order: by cost when a yearly budget is
given, else by households. Each project is aimed at the year its share of the cumulative work
falls in; when that year has no room left under the yearly limits it goes to the next year
with room, then to an earlier one; a project that fits no year gets no year and a reason.
Nothing overflows silently: :func:`roadmap_summary` gives each year's figures against its
limits, and :func:`roadmap_shortfall` by how much the limits fall short and what yearly budget
(or household count) would cover everything by the target year.

Example
-------
>>> import pandas as pd
>>> reserve = pd.DataFrame({"project_id": ["p1", "p2", "p3", "p4"], "members": [("a",), ("b",), ("c",), ("d",)],
...     "n_communities": [1, 1, 1, 1], "households": [100, 100, 100, 100],
...     "cost_yuan": [4e6, 4e6, 4e6, 4e6], "score": [90.0, 80.0, 70.0, 60.0],
...     "build_year_min": [1980, 1981, 1982, 1983]})
>>> roadmap(reserve, start_year=2026, target_year=2027)["plan_year"].tolist()
[2026, 2026, 2027, 2027]
>>> short = roadmap_shortfall(reserve, start_year=2026, target_year=2027, budget_per_year=6e6)
>>> short["unassigned_projects"], short["budget_short_yuan"], short["budget_per_year_needed_yuan"]
(2, 4000000.0, 8000000.0)
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from geo.errors import RuleError
from geo.planning.money import format_wan
from geo.planning.reserve import check_reserve, priority_order

_EPS = 1e-6

#: Why a project has no year in the roadmap: code -> (zh, en) templates.
ROADMAP_REASONS: dict[str, tuple[str, str]] = {
    "over_budget_alone": ("投资 {cost} 万元超过每年预算 {budget} 万元，需分期实施或提高年度预算",
                          "its cost ({cost_yuan} yuan) alone exceeds the yearly budget ({budget_yuan} yuan)"),
    "over_households_alone": ("户数 {households} 户超过每年户数上限 {cap} 户",
                              "its {households} households alone exceed the yearly limit of {cap}"),
    "no_room": ("至 {target} 年各年度预算或户数已排满", "no year up to {target} has room left within the yearly limits"),
}


def _years(reserve: pd.DataFrame, start_year: int, target_year: int) -> int:
    if int(target_year) < int(start_year):
        raise RuleError(f"target_year ({target_year}) is before start_year ({start_year}); "
                        "give a target year at or after the start year", code="roadmap_target_before_start",
                        params={"start_year": int(start_year), "target_year": int(target_year)})
    check_reserve(reserve, "the reserve")
    return int(target_year) - int(start_year) + 1


def _place(cost: np.ndarray, households: np.ndarray, *, n_years: int, budget: float | None,
           hh_cap: float | None) -> tuple[np.ndarray, list[str | None]]:
    """Year offset of each project (-1 when none) and the reason code of those left without."""
    inf = math.inf
    b, h = (inf if budget is None else budget), (inf if hh_cap is None else hh_cap)
    alone = (cost <= b + _EPS) & (households <= h + _EPS)  # a project too big for any year takes no share
    measure = np.where(alone, cost if budget is not None else households, 0.0)
    if measure.sum() <= 0:
        measure = alone.astype(float)
    quota = measure.sum() / n_years if measure.sum() > 0 else 1.0
    cap = budget if budget is not None else hh_cap
    if cap is not None:
        quota = min(quota, cap)
    mid = np.cumsum(measure) - measure / 2.0
    desired = np.clip(np.floor(mid / quota - 1e-9), 0, n_years - 1).astype(int) if quota > 0 else np.zeros(len(cost), int)
    used_cost, used_hh = np.zeros(n_years), np.zeros(n_years)
    years, reasons = np.full(len(cost), -1), [None] * len(cost)
    for k in range(len(cost)):
        c, n = cost[k], households[k]
        if c > b + _EPS:
            reasons[k] = "over_budget_alone"
            continue
        if n > h + _EPS:
            reasons[k] = "over_households_alone"
            continue
        d = desired[k]
        for y in (*range(d, n_years), *range(d - 1, -1, -1)):
            if used_cost[y] + c <= b + _EPS and used_hh[y] + n <= h + _EPS:
                years[k] = y
                used_cost[y] += c
                used_hh[y] += n
                break
        else:
            reasons[k] = "no_room"
    return years, reasons


def roadmap(
    reserve: pd.DataFrame,
    *,
    start_year: int,
    target_year: int,
    budget_per_year: float | None = None,
    households_per_year: float | None = None,
) -> pd.DataFrame:
    """Give every reserve project a year from ``start_year`` to ``target_year``, in priority order.

    Parameters
    ----------
    reserve
        :func:`geo.planning.reserve.reserve_projects`' table.
    start_year, target_year
        The first and last years of the roadmap (both included).
    budget_per_year
        Yearly budget (yuan): an upper bound; the work is then spread evenly by cost.
    households_per_year
        Yearly household limit: an upper bound; the work is spread by households when no
        budget is given.

    Returns
    -------
    DataFrame
        The reserve in priority order with ``roadmap_order`` (1 = first), ``plan_year`` (Int64,
        <NA> when the project fits no year), ``reason_code``, ``reason_zh``, ``reason_en``
        (None for projects with a year; codes in :data:`ROADMAP_REASONS`). ``attrs["roadmap"]``
        keeps the years and limits.

    Raises
    ------
    geo.errors.RuleError
        (a ValueError) When ``target_year`` is before ``start_year`` or a limit is negative.
    geo.errors.SchemaError
        When the reserve lacks a column or a cost / household figure.

    Example
    -------
    >>> reserve = pd.DataFrame({"project_id": ["big", "small"], "members": [("a",), ("b",)],
    ...     "n_communities": [1, 1], "households": [900, 100], "cost_yuan": [9e6, 1e6],
    ...     "score": [90.0, 80.0], "build_year_min": [1980, 1990]})
    >>> plan = roadmap(reserve, start_year=2026, target_year=2027, budget_per_year=5e6)
    >>> plan[["project_id", "plan_year", "reason_code"]].values.tolist()
    [['big', <NA>, 'over_budget_alone'], ['small', 2026, None]]
    """
    n_years = _years(reserve, start_year, target_year)
    for name, value in (("budget_per_year", budget_per_year), ("households_per_year", households_per_year)):
        if value is not None and not float(value) >= 0:
            raise RuleError(f"{name} must be 0 or more, got {value}", code="roadmap_limit_negative",
                            params={"limit": name, "value": float(value)})
    out = priority_order(reserve).reset_index(drop=True)
    cost = pd.to_numeric(out["cost_yuan"]).to_numpy(float)
    hh = pd.to_numeric(out["households"]).to_numpy(float)
    budget = None if budget_per_year is None else float(budget_per_year)
    cap = None if households_per_year is None else float(households_per_year)
    years, codes = _place(cost, hh, n_years=n_years, budget=budget, hh_cap=cap)
    out["roadmap_order"] = np.arange(1, len(out) + 1)
    out["plan_year"] = pd.array(np.where(years >= 0, years + int(start_year), 0), dtype="Int64")
    out.loc[years < 0, "plan_year"] = pd.NA
    zh, en = [], []
    for code, c, n in zip(codes, cost, hh):
        if code is None:
            zh.append(None)
            en.append(None)
            continue
        words = {"cost": format_wan(c), "budget": format_wan(budget or 0), "cost_yuan": f"{c:,.0f}",
                 "budget_yuan": f"{budget or 0:,.0f}", "households": f"{n:,.0f}", "cap": f"{cap or 0:,.0f}",
                 "target": int(target_year)}
        zh.append(ROADMAP_REASONS[code][0].format(**words))
        en.append(ROADMAP_REASONS[code][1].format(**words))
    out["reason_code"] = pd.Series(codes, dtype=object)
    out["reason_zh"] = pd.Series(zh, dtype=object)
    out["reason_en"] = pd.Series(en, dtype=object)
    out.attrs["roadmap"] = {"start_year": int(start_year), "target_year": int(target_year),
                            "budget_per_year": budget, "households_per_year": cap}
    return out


def roadmap_summary(
    plan: pd.DataFrame,
    *,
    start_year: int | None = None,
    target_year: int | None = None,
    budget_per_year: float | None = None,
    households_per_year: float | None = None,
) -> pd.DataFrame:
    """Each year's projects, communities, households and cost, against the yearly limits.

    Parameters
    ----------
    plan
        :func:`roadmap`'s table.
    start_year, target_year, budget_per_year, households_per_year
        Default to what :func:`roadmap` recorded in ``plan.attrs["roadmap"]`` (or the years
        the table holds).

    Returns
    -------
    DataFrame
        One row per year (empty years included), then one row with ``unassigned`` True and
        ``year`` <NA> for the projects with no year: ``year``, ``unassigned``, ``projects``,
        ``communities``, ``households``, ``cost_yuan``, ``budget_yuan``, ``budget_left_yuan``,
        ``households_limit``, ``households_left`` (limits NaN when not given).

    Example
    -------
    >>> reserve = pd.DataFrame({"project_id": ["p1", "p2"], "members": [("a",), ("b",)],
    ...     "n_communities": [1, 1], "households": [100, 300], "cost_yuan": [1e6, 3e6],
    ...     "score": [90.0, 80.0], "build_year_min": [1980, 1990]})
    >>> summary = roadmap_summary(roadmap(reserve, start_year=2026, target_year=2027, budget_per_year=2e6))
    >>> summary[["year", "projects", "cost_yuan", "budget_left_yuan"]].values.tolist()
    [[2026, 1, 1000000.0, 1000000.0], [2027, 0, 0.0, 2000000.0], [<NA>, 1, 3000000.0, nan]]
    """
    meta = dict(plan.attrs.get("roadmap", {}))
    years_held = pd.to_numeric(plan["plan_year"], errors="coerce").dropna()
    start = start_year if start_year is not None else meta.get("start_year", years_held.min() if len(years_held) else 0)
    target = target_year if target_year is not None else meta.get("target_year", years_held.max() if len(years_held) else 0)
    budget = budget_per_year if budget_per_year is not None else meta.get("budget_per_year")
    cap = households_per_year if households_per_year is not None else meta.get("households_per_year")
    year = pd.to_numeric(plan["plan_year"], errors="coerce")
    rows = []
    for y in [*range(int(start), int(target) + 1), None]:
        part = plan[year.isna()] if y is None else plan[year == y]
        cost = float(pd.to_numeric(part["cost_yuan"]).sum())
        hh = int(pd.to_numeric(part["households"]).sum())
        limit_b = np.nan if budget is None or y is None else float(budget)
        limit_h = np.nan if cap is None or y is None else float(cap)
        rows.append({"year": y, "unassigned": y is None, "projects": int(len(part)),
                     "communities": int(pd.to_numeric(part["n_communities"]).sum()), "households": hh,
                     "cost_yuan": cost, "budget_yuan": limit_b, "budget_left_yuan": limit_b - cost,
                     "households_limit": limit_h, "households_left": limit_h - hh})
    out = pd.DataFrame(rows)
    out["year"] = pd.array(out["year"], dtype="Int64")
    return out


def _smallest(feasible, lo: float, hi: float, step: float) -> float | None:
    """The smallest value (to ``step``, rounded up) in [lo, hi] found by bisection that is feasible."""
    if not feasible(hi):
        return None
    lo = max(lo, 0.0)
    if feasible(lo):
        return math.ceil(lo / step - 1e-9) * step
    while hi - lo > step:
        mid = (lo + hi) / 2.0
        if feasible(mid):
            hi = mid
        else:
            lo = mid
    return math.ceil(hi / step - 1e-9) * step


def roadmap_shortfall(
    reserve: pd.DataFrame,
    *,
    start_year: int,
    target_year: int,
    budget_per_year: float | None = None,
    households_per_year: float | None = None,
) -> dict:
    """What the yearly limits leave out by the target year, and the limits that would cover it all.

    Returns
    -------
    dict
        ``covered`` (bool), ``unassigned_projects``, ``unassigned_communities``,
        ``unassigned_households``, ``unassigned_cost_yuan``; ``budget_short_yuan`` (the whole
        reserve's cost minus the budgets of all years, at least 0); ``budget_per_year_needed_yuan``
        (a yearly budget, to 10,000 yuan, with which this roadmap covers every project, found by
        bisection; None when no budget is given or the household limit alone prevents it);
        ``households_per_year_needed`` (the same for households); ``text_zh``, ``text_en``.

    Example
    -------
    >>> reserve = pd.DataFrame({"project_id": ["p1"], "members": [("a",)], "n_communities": [1],
    ...     "households": [100], "cost_yuan": [1e6], "score": [90.0], "build_year_min": [1980]})
    >>> roadmap_shortfall(reserve, start_year=2026, target_year=2026, budget_per_year=2e6)["text_en"]
    'every project has a year by 2026'
    """
    n_years = _years(reserve, start_year, target_year)
    plan = roadmap(reserve, start_year=start_year, target_year=target_year, budget_per_year=budget_per_year,
                   households_per_year=households_per_year)
    left = plan[plan["plan_year"].isna()]
    cost = pd.to_numeric(plan["cost_yuan"]).to_numpy(float)
    hh = pd.to_numeric(plan["households"]).to_numpy(float)
    budget = None if budget_per_year is None else float(budget_per_year)
    cap = None if households_per_year is None else float(households_per_year)
    out = {"covered": bool(left.empty), "unassigned_projects": int(len(left)),
           "unassigned_communities": int(pd.to_numeric(left["n_communities"]).sum()),
           "unassigned_households": int(pd.to_numeric(left["households"]).sum()),
           "unassigned_cost_yuan": float(pd.to_numeric(left["cost_yuan"]).sum()),
           "budget_short_yuan": max(float(cost.sum()) - budget * n_years, 0.0) if budget is not None else 0.0,
           "budget_per_year_needed_yuan": None, "households_per_year_needed": None}
    if left.empty:
        out["text_zh"] = f"至 {int(target_year)} 年全部项目均已安排年度"
        out["text_en"] = f"every project has a year by {int(target_year)}"
        return out

    def fits(b: float | None, h: float | None) -> bool:
        return bool((_place(cost, hh, n_years=n_years, budget=b, hh_cap=h)[0] >= 0).all())

    if budget is not None and len(cost):
        out["budget_per_year_needed_yuan"] = _smallest(lambda b: fits(b, cap), max(cost.sum() / n_years, cost.max()),
                                                       float(cost.sum()) + 1e4, 1e4)
    if cap is not None and len(hh):
        out["households_per_year_needed"] = _smallest(lambda h: fits(budget, h), max(hh.sum() / n_years, hh.max()),
                                                      float(hh.sum()) + 1, 1.0)
    zh = (f"至 {int(target_year)} 年仍有 {out['unassigned_projects']} 个项目（{out['unassigned_communities']} 个小区，"
          f"{out['unassigned_households']} 户，投资 {format_wan(out['unassigned_cost_yuan'])} 万元）无法安排")
    en = (f"{out['unassigned_projects']} projects ({out['unassigned_communities']} communities, "
          f"{out['unassigned_households']} households, {out['unassigned_cost_yuan']:,.0f} yuan) get no year by "
          f"{int(target_year)}")
    if budget is not None:
        zh += f"；各年预算合计缺口 {format_wan(out['budget_short_yuan'])} 万元"
        en += f"; the yearly budgets fall short by {out['budget_short_yuan']:,.0f} yuan in all"
        if out["budget_per_year_needed_yuan"] is not None:
            zh += f"，每年预算至少需 {format_wan(out['budget_per_year_needed_yuan'])} 万元方可全部覆盖"
            en += f"; a yearly budget of {out['budget_per_year_needed_yuan']:,.0f} yuan covers every project"
    if out["households_per_year_needed"] is not None:
        zh += f"；每年户数上限至少需 {out['households_per_year_needed']:,.0f} 户"
        en += f"; a yearly limit of {out['households_per_year_needed']:,.0f} households covers every project"
    out["text_zh"], out["text_en"] = zh, en
    return out
