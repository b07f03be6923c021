"""The project reserve (储备库), the annual plan (年度改造计划) and the multi-year roadmap.

Policy (DOMAIN.md): renovation is planned project by project from a reserve, in priority order,
and each year's plan is submitted with its fiscal affordability (totals of communities,
households and cost under the year's budget or targets). A contiguous-area project (连片改造,
one consolidated management zone) is planned as one project in one year: zones are never split.

- :func:`reserve_projects` builds the reserve: every zone is one project, every eligible
  community in no zone one project of its own;
- :func:`annual_plan` chooses the year's projects by priority under every limit given, and says
  why each project left out was left out and which limit stopped the plan;
- :func:`priority_order` and :func:`check_reserve` are the reserve's order and its check, which
  :mod:`geo.planning.roadmap` (the multi-year roadmap: :func:`geo.planning.roadmap.roadmap`,
  ``roadmap_summary``, ``roadmap_shortfall``) uses too;
- :func:`notice_end_date` (from :mod:`geo.planning.notice`) dates the public notice of a plan.

Example
-------
>>> import pandas as pd
>>> homes = pd.DataFrame({"community_id": ["a", "b", "c"], "households": [100, 300, 50],
...     "build_year": [1985, 1990, 1980], "street": ["S"] * 3, "county": ["C"] * 3})
>>> scores = pd.DataFrame({"community_id": ["a", "b", "c"], "eligible": [True, True, True],
...     "score": [80.0, 40.0, 60.0]})
>>> costs = pd.DataFrame({"unit_id": ["a", "b", "c", "Z1"], "unit_kind": ["community"] * 3 + ["zone"],
...     "cost_yuan": [1e6, 2e6, 5e5, 3e5]})
>>> reserve = reserve_projects(homes, scores, costs, zone_of={"a": "Z1", "b": "Z1"})
>>> reserve[["project_id", "members", "households", "cost_yuan", "score"]].values.tolist()
[['c', ('c',), 50, 500000.0, 60.0], ['Z1', ('a', 'b'), 400, 3300000.0, 50.0]]
>>> plan = annual_plan(reserve, year=2026, budget_yuan=1e6)
>>> plan.chosen["project_id"].tolist(), plan.binding
(['c'], ('budget_yuan',))
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from geo.errors import RuleError, SchemaError
from geo.planning.money import format_wan
from geo.planning.notice import HOLIDAY_TABLE, NoticeEnd, notice_end_date  # noqa: F401  (re-exported)

#: The reserve's columns, in order (the contract's first, then the ones this module adds).
RESERVE_COLUMNS = ("project_id", "project_kind", "members", "n_communities", "households", "cost_yuan",
                   "score", "street", "county", "build_year_min", "score_max", "n_communities_all",
                   "households_all", "ineligible_members", "member_names", "reserve_rank")

#: Why a zone is not in the reserve, in the planner's words.
LEFT_OUT_REASONS: dict[str, tuple[str, str]] = {
    "no_eligible_member": ("片区内没有符合改造条件的小区", "no member of the zone is eligible for renovation"),
}

#: The limits of an annual plan: argument -> (reserve column counted, zh label, en label).
LIMITS: dict[str, tuple[str | None, str, str]] = {
    "budget_yuan": ("cost_yuan", "年度预算", "budget"),
    "max_households": ("households", "户数上限", "household limit"),
    "max_projects": (None, "项目数上限", "project limit"),
    "max_communities": ("n_communities", "小区数上限", "community limit"),
}

_OVER_COLUMN = {"budget_yuan": "over_budget_yuan", "max_households": "over_households",
                "max_projects": "over_projects", "max_communities": "over_communities"}
_EPS = 1e-6


def _require(frame: pd.DataFrame, columns: Iterable[str], what: str, fix: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise SchemaError(f"{what} needs the columns {', '.join(missing)}; got {', '.join(map(str, frame.columns))}. "
                          f"{fix}", code="plan_columns_missing",
                          params={"missing": missing, "columns": [str(c) for c in frame.columns]})


def _joined(values: pd.Series) -> str:
    return "、".join(sorted({str(v) for v in values.dropna() if str(v) != ""}))


def priority_order(frame: pd.DataFrame) -> pd.DataFrame:
    """The reserve's deterministic order: score high to low, then the oldest first, then by id.

    Parameters
    ----------
    frame
        Rows with ``score``, ``build_year_min`` and ``project_id`` (the reserve or part of it).

    Returns
    -------
    DataFrame
        ``frame``'s rows reordered (index kept); a missing score or year goes last.

    Example
    -------
    >>> frame = pd.DataFrame({"project_id": ["p", "q", "r"], "score": [50.0, 80.0, 50.0],
    ...                       "build_year_min": [1990, 1995, 1980]})
    >>> priority_order(frame)["project_id"].tolist()
    ['q', 'r', 'p']
    """
    keys = pd.DataFrame({"score": pd.to_numeric(frame["score"], errors="coerce"),
                         "year": pd.to_numeric(frame["build_year_min"], errors="coerce"),
                         "id": frame["project_id"].astype(str)}, index=frame.index)
    order = keys.sort_values(["score", "year", "id"], ascending=[False, True, True], na_position="last",
                             kind="mergesort").index
    return frame.loc[order]


def reserve_projects(
    communities: pd.DataFrame,
    scores: pd.DataFrame,
    cost_by_unit: pd.DataFrame,
    *,
    zone_of: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """The project reserve: every zone one project, every eligible community in no zone another.

    A zone's ``score`` is the household-weighted mean of its eligible members' scores (a big
    compound weighs as much as its residents; the plain mean when no member has households),
    ``score_max`` the best member's. Members that are not eligible (a completed anchor, a
    community built after the cut-off) stay in the zone's ``members`` and are listed in
    ``ineligible_members``; their households are not counted as renovated (``households``,
    ``n_communities`` count eligible members; ``households_all``, ``n_communities_all`` all)
    and their own building items are not costed (they are not renovated again). A zone's cost is
    its own (shared) items plus its eligible members' items; a unit with no cost row costs 0.

    Parameters
    ----------
    communities
        ``community_id``, ``households``; ``build_year``, ``street``, ``county``, ``name`` when
        present.
    scores
        :func:`geo.planning.priority.priority_scores`' table: ``community_id``, ``eligible``, ``score``.
        A community it does not list is not eligible.
    cost_by_unit
        ``unit_id``, ``unit_kind`` ("community" | "zone"), ``cost_yuan``; several rows of a unit
        are summed, so the costed items table itself may be passed.
    zone_of
        community id -> zone id of the consolidated zones (communities in no zone absent).

    Returns
    -------
    DataFrame
        One row per project, columns :data:`RESERVE_COLUMNS`, ordered by score (high first),
        then earliest build year, then id; ``reserve_rank`` is the position (1 = first).
        ``attrs["left_out"]`` lists the zones with no eligible member (``project_id``,
        ``members``, ``reason_code``; words in :data:`LEFT_OUT_REASONS`).

    Raises
    ------
    geo.errors.SchemaError
        When a column is missing, community ids repeat, ``zone_of`` or ``scores`` name unknown
        communities, or a zone id is also a community id.

    Example
    -------
    >>> homes = pd.DataFrame({"community_id": ["a", "b"], "households": [100, 900], "build_year": [1985, 1995]})
    >>> scores = pd.DataFrame({"community_id": ["a", "b"], "eligible": [True, False], "score": [70.0, None]})
    >>> costs = pd.DataFrame({"unit_id": ["a", "b"], "unit_kind": ["community"] * 2, "cost_yuan": [1e6, 9e6]})
    >>> row = reserve_projects(homes, scores, costs, zone_of={"a": "Z1", "b": "Z1"}).iloc[0]
    >>> row["members"], row["ineligible_members"], int(row["households"]), int(row["households_all"])
    (('a', 'b'), ('b',), 100, 1000)
    >>> float(row["cost_yuan"])  # b is not renovated: its building items are not costed
    1000000.0
    """
    _require(communities, ("community_id", "households"), "the communities", "Pass the communities layer.")
    _require(scores, ("community_id", "eligible", "score"), "the scores",
             "Pass priority_scores(...)'s table.")
    _require(cost_by_unit, ("unit_id", "unit_kind", "cost_yuan"), "the costs",
             "Pass cost_items(...) or a table with one cost per unit.")
    zone_of = dict(zone_of or {})
    ids = communities["community_id"].astype(str)
    if ids.duplicated().any():
        repeated = [str(i) for i in ids[ids.duplicated()].unique()[:10]]
        raise SchemaError(f"community ids repeat in the communities: {', '.join(repeated)}; "
                          "every community needs its own id", code="plan_ids_repeat", params={"ids": repeated})
    known = set(ids)
    for what, names in (("zone_of", zone_of), ("the scores", scores["community_id"].astype(str))):
        unknown = sorted({str(c) for c in names} - known)
        if unknown:
            raise SchemaError(f"{what} names communities that are not in the communities: {', '.join(unknown[:10])}; "
                              "use the same communities layer for zones, scores and the reserve",
                              code="plan_unknown_communities", params={"ids": unknown[:10]})
    clash = sorted(set(map(str, zone_of.values())) & known)
    if clash:
        raise SchemaError(f"zone ids are also community ids: {', '.join(clash[:10])}; rename the zones",
                          code="plan_zone_id_clash", params={"ids": clash[:10]})
    kinds = set(cost_by_unit["unit_kind"].astype(str)) - {"community", "zone"}
    if kinds:
        raise SchemaError(f"unit_kind must be 'community' or 'zone', got {', '.join(sorted(kinds))}",
                          code="plan_unit_kind", params={"unit_kinds": sorted(kinds)})

    score_of = scores.assign(community_id=scores["community_id"].astype(str)).drop_duplicates("community_id")
    score_of = score_of.set_index("community_id")
    unit_cost = (pd.to_numeric(cost_by_unit["cost_yuan"], errors="coerce").fillna(0.0)
                 .groupby([cost_by_unit["unit_kind"].astype(str), cost_by_unit["unit_id"].astype(str)]).sum())
    community_cost = unit_cost.get("community", pd.Series(dtype=float))
    zone_cost = unit_cost.get("zone", pd.Series(dtype=float))

    def column(name: str) -> pd.Series:
        return communities[name].reset_index(drop=True) if name in communities else pd.Series(None, index=range(len(ids)))

    frame = pd.DataFrame({
        "community_id": ids.to_numpy(),
        "households": pd.to_numeric(communities["households"], errors="coerce").fillna(0).astype("int64").to_numpy(),
        "build_year": pd.to_numeric(column("build_year"), errors="coerce").to_numpy(),
        "street": column("street").to_numpy(dtype=object), "county": column("county").to_numpy(dtype=object),
        "name": column("name").to_numpy(dtype=object),
    })
    frame["eligible"] = score_of["eligible"].reindex(frame["community_id"]).fillna(False).astype(bool).to_numpy()
    frame["score"] = pd.to_numeric(score_of["score"].reindex(frame["community_id"]), errors="coerce").to_numpy()
    frame["zone_id"] = frame["community_id"].map(zone_of)
    frame = frame[frame["zone_id"].notna() | frame["eligible"]].copy()
    frame["project_id"] = frame["zone_id"].astype(object).fillna(frame["community_id"].astype(object))
    frame = frame.sort_values("community_id", kind="mergesort")
    e = frame["eligible"]
    frame["hh_e"] = frame["households"].where(e, 0)
    frame["cost_e"] = frame["community_id"].map(community_cost).fillna(0.0).where(e, 0.0)
    weighted = e & frame["score"].notna() & (frame["households"] > 0)
    frame["w_score"] = (frame["score"] * frame["households"]).where(weighted, 0.0)
    frame["w_hh"] = frame["households"].where(weighted, 0)
    frame["score_e"] = frame["score"].where(e)
    frame["year_e"] = frame["build_year"].where(e)
    frame["inel"] = frame["community_id"].where(~e)

    g = frame.groupby("project_id", sort=False)
    out = pd.DataFrame({
        "members": g["community_id"].agg(tuple),
        "n_communities": g["eligible"].sum().astype("int64"),
        "households": g["hh_e"].sum().astype("int64"),
        "cost_yuan": g["cost_e"].sum(),
        "score": (g["w_score"].sum() / g["w_hh"].sum().replace(0, np.nan)).fillna(g["score_e"].mean()),
        "street": g["street"].agg(_joined), "county": g["county"].agg(_joined),
        "build_year_min": g["year_e"].min(),
        "score_max": g["score_e"].max(),
        "n_communities_all": g.size().astype("int64"),
        "households_all": g["households"].sum().astype("int64"),
        "ineligible_members": g["inel"].agg(lambda s: tuple(s.dropna())),
        "member_names": g["name"].agg(lambda s: tuple("" if v is None or v is pd.NA or v != v else str(v) for v in s)),
    })
    out.index.name = "project_id"
    out = out.reset_index()
    out.insert(1, "project_kind", np.where(out["project_id"].isin(set(map(str, zone_of.values()))), "zone", "community"))
    out["cost_yuan"] = out["cost_yuan"] + np.where(out["project_kind"] == "zone",
                                                   out["project_id"].map(zone_cost).fillna(0.0), 0.0)
    empty = out["n_communities"] == 0
    left_out = [{"project_id": r.project_id, "members": r.members, "reason_code": "no_eligible_member"}
                for r in out[empty].sort_values("project_id").itertuples()]
    out = priority_order(out[~empty]).reset_index(drop=True)
    out["reserve_rank"] = np.arange(1, len(out) + 1)
    out = out[list(RESERVE_COLUMNS)]
    out.attrs["left_out"] = left_out
    return out


# --- the annual plan ---------------------------------------------------------------------------


@dataclass
class PlanResult:
    """One year's plan: what was chosen, what was left out and why, the totals and the limits.

    Attributes
    ----------
    chosen
        The reserve rows chosen, in priority order, with ``plan_year``, ``plan_order``,
        ``must_include``, ``cumulative_cost_yuan``, ``cumulative_households``,
        ``cumulative_communities``.
    skipped
        Every other reserve row: ``project_id``..., ``reason_code`` ("over_limit" |
        "excluded"), ``limits_exceeded`` (tuple of limit names), ``over_budget_yuan``,
        ``over_households``, ``over_projects``, ``over_communities`` (by how much, NaN when
        not exceeded), ``reason_zh``, ``reason_en``.
    totals
        ``projects``, ``communities``, ``households``, ``households_all``, ``cost_yuan``.
    limits
        limit name -> ``{"limit", "used", "left"}`` for every limit given.
    binding
        The limits the highest-priority project left out would have broken: what stopped the
        plan (empty when the whole reserve fits).
    """

    year: int
    chosen: pd.DataFrame
    skipped: pd.DataFrame
    totals: dict
    limits: dict
    binding: tuple[str, ...] = field(default_factory=tuple)

    def binding_text(self, lang: str = "zh") -> str:
        """Which limit stopped the plan, in words."""
        if not self.binding:
            return "储备库项目已全部纳入" if lang == "zh" else "every reserve project fits"
        names = [LIMITS[b][1 if lang == "zh" else 2] for b in self.binding]
        return ("受限于" + "、".join(names)) if lang == "zh" else "stopped by the " + " and ".join(names)


def _ids_to_projects(reserve: pd.DataFrame, wanted: Iterable[str], what: str) -> list[str]:
    wanted = [wanted] if isinstance(wanted, str) else [str(w) for w in wanted]
    project_of = {str(p): str(p) for p in reserve["project_id"]}
    for pid, members in zip(reserve["project_id"], reserve["members"]):
        project_of.update({str(m): str(pid) for m in members})
    unknown = [w for w in wanted if w not in project_of]
    if unknown:
        raise RuleError(f"{what} names {', '.join(unknown[:10])}, which are neither a project nor a member of "
                        f"one in the reserve ({len(reserve)} projects); give project or community ids from it",
                        code="plan_unknown_ids", params={"ids": unknown[:10]})
    return list(dict.fromkeys(project_of[w] for w in wanted))


def _over_text(limit: str, over: float, cap: float) -> tuple[str, str]:
    if limit == "budget_yuan":
        return f"超出年度预算 {format_wan(over)} 万元", f"over budget by {over:,.0f} yuan"
    if limit == "max_households":
        return f"超出户数上限 {over:,.0f} 户", f"over the household limit by {over:,.0f}"
    if limit == "max_projects":
        return f"项目数已达上限（{cap:,.0f} 个）", f"the project limit ({cap:,.0f}) is reached"
    return f"超出小区数上限 {over:,.0f} 个", f"over the community limit by {over:,.0f}"


def check_reserve(reserve: pd.DataFrame, what: str = "the reserve") -> None:
    """Check that ``reserve`` has the columns a plan needs and a cost, households and count per project.

    Parameters
    ----------
    reserve
        :func:`reserve_projects`' table (or any subset of it).
    what
        How messages name the table.

    Raises
    ------
    geo.errors.SchemaError
        When a column is missing (code ``plan_columns_missing``) or ``cost_yuan``, ``households`` or
        ``n_communities`` is empty for a project (code ``reserve_value_missing``).

    Example
    -------
    >>> check_reserve(pd.DataFrame({"project_id": ["p"]}))
    Traceback (most recent call last):
    ...
    geo.errors.SchemaError: the reserve needs the columns members, n_communities, households, cost_yuan, score, build_year_min; got project_id. Pass reserve_projects(...)'s table.
    """
    _require(reserve, ("project_id", "members", "n_communities", "households", "cost_yuan", "score",
                       "build_year_min"), what, "Pass reserve_projects(...)'s table.")
    for col in ("cost_yuan", "households", "n_communities"):
        bad = reserve.loc[pd.to_numeric(reserve[col], errors="coerce").isna(), "project_id"]
        if len(bad):
            raise SchemaError(f"{what}: {col} is missing for projects {', '.join(map(str, bad[:10]))}; "
                              "fill it (0 when nothing is needed)", code="reserve_value_missing",
                              params={"column": col, "ids": [str(b) for b in bad[:10]]})


def annual_plan(
    reserve: pd.DataFrame,
    *,
    year: int,
    budget_yuan: float | None = None,
    max_households: int | None = None,
    max_projects: int | None = None,
    max_communities: int | None = None,
    must_include: Iterable[str] = (),
    exclude: Iterable[str] = (),
) -> PlanResult:
    """Choose a year's projects by priority under every limit given; zones are never split.

    Projects are tried in priority order (``must_include`` first); one that would break a limit
    is skipped, with by how much, and the next one tried, so a smaller project further down can
    still fit. Every limit is an upper bound the plan respects.

    Parameters
    ----------
    reserve
        :func:`reserve_projects`' table (or any subset of it).
    year
        The plan year, written into ``plan_year``.
    budget_yuan, max_households, max_projects, max_communities
        The limits; at least one is needed. ``max_communities`` counts eligible communities.
    must_include
        Project ids (or ids of member communities) the planner puts in the plan first.
    exclude
        Project or member ids the planner keeps out of this plan.

    Returns
    -------
    PlanResult

    Raises
    ------
    geo.errors.RuleError
        (a ValueError) When no limit is given, a limit is negative, an id is unknown or both
        included and excluded, or the ``must_include`` projects alone break a limit.
    geo.errors.SchemaError
        When the reserve lacks a column or a figure (:func:`check_reserve`).

    Example
    -------
    >>> reserve = pd.DataFrame({"project_id": ["p1", "p2", "p3"], "members": [("a",), ("b",), ("c",)],
    ...     "n_communities": [1, 1, 1], "households": [500, 900, 200], "cost_yuan": [5e6, 9e6, 2e6],
    ...     "score": [90.0, 80.0, 70.0], "build_year_min": [1980, 1985, 1990]})
    >>> plan = annual_plan(reserve, year=2026, max_households=800)
    >>> plan.chosen["project_id"].tolist(), plan.skipped["reason_en"].tolist(), plan.binding
    (['p1', 'p3'], ['over the household limit by 600'], ('max_households',))
    """
    caps = {"budget_yuan": budget_yuan, "max_households": max_households, "max_projects": max_projects,
            "max_communities": max_communities}
    caps = {k: float(v) for k, v in caps.items() if v is not None}
    if not caps:
        raise RuleError("annual_plan needs at least one limit: give budget_yuan= (yuan), max_households=, "
                        "max_projects= or max_communities=", code="plan_no_limit")
    negative = [f"{k}={v:g}" for k, v in caps.items() if not v >= 0]
    if negative:
        raise RuleError(f"limits must be 0 or more, got {', '.join(negative)}", code="plan_limit_negative",
                        params={"limits": negative})
    check_reserve(reserve, "the reserve")
    must = _ids_to_projects(reserve, must_include, "must_include")
    out = _ids_to_projects(reserve, exclude, "exclude")
    both = sorted(set(must) & set(out))
    if both:
        raise RuleError(f"projects {', '.join(both)} are both in must_include and exclude; keep them in one",
                        code="plan_included_and_excluded", params={"ids": both})

    ordered = priority_order(reserve)
    pids = ordered["project_id"].astype(str).to_numpy()
    measure = {"budget_yuan": pd.to_numeric(ordered["cost_yuan"]).to_numpy(float),
               "max_households": pd.to_numeric(ordered["households"]).to_numpy(float),
               "max_projects": np.ones(len(ordered)),
               "max_communities": pd.to_numeric(ordered["n_communities"]).to_numpy(float)}
    position = {p: k for k, p in enumerate(pids)}
    must_set, out_set = set(must), set(out)
    tries = [position[p] for p in must] + [k for k, p in enumerate(pids) if p not in must_set]
    used = dict.fromkeys(caps, 0.0)
    chosen, skipped = [], []
    for k in tries:
        if pids[k] in out_set:
            skipped.append((k, "excluded", (), {}))
            continue
        over = {n: used[n] + measure[n][k] - cap for n, cap in caps.items() if used[n] + measure[n][k] > cap + _EPS}
        if over and pids[k] in must_set:
            words = ", ".join(f"{n} (by {v:,.0f})" for n, v in over.items())
            raise RuleError(f"the must_include projects alone exceed {words} at {pids[k]}; raise the limit or "
                            "include fewer projects", code="plan_must_include_over", params={"project": str(pids[k])})
        if over:
            skipped.append((k, "over_limit", tuple(over), over))
            continue
        for n in caps:
            used[n] += measure[n][k]
        chosen.append(k)

    chosen_pos = sorted(chosen)
    plan = ordered.iloc[chosen_pos].reset_index(drop=True)
    plan["plan_year"] = int(year)
    plan["plan_order"] = np.arange(1, len(plan) + 1)
    plan["must_include"] = plan["project_id"].astype(str).isin(must_set).to_numpy()
    plan["cumulative_cost_yuan"] = pd.to_numeric(plan["cost_yuan"]).cumsum()
    plan["cumulative_households"] = pd.to_numeric(plan["households"]).cumsum()
    plan["cumulative_communities"] = pd.to_numeric(plan["n_communities"]).cumsum()

    skipped.sort(key=lambda s: s[0])
    rows = []
    for k, code, names, over in skipped:
        if code == "excluded":
            zh, en = "规划人员排除", "excluded by the planner"
        else:
            texts = [_over_text(n, over[n], caps[n]) for n in names]
            zh, en = "；".join(t[0] for t in texts), "; ".join(t[1] for t in texts)
        rows.append({"reason_code": code, "limits_exceeded": names,
                     **{_OVER_COLUMN[n]: over.get(n, np.nan) for n in LIMITS},
                     "reason_zh": zh, "reason_en": en})
    keep = ["project_id", "project_kind", "members", "n_communities", "households", "cost_yuan", "score",
            "reserve_rank"]
    left = ordered.iloc[[s[0] for s in skipped]][[c for c in keep if c in ordered]].reset_index(drop=True)
    reasons = pd.DataFrame(rows, columns=["reason_code", "limits_exceeded", *_OVER_COLUMN.values(), "reason_zh",
                                          "reason_en"])
    left = pd.concat([left, reasons], axis=1)
    first = next((s for s in skipped if s[1] == "over_limit"), None)
    totals = {"projects": int(len(plan)), "communities": int(plan["n_communities"].sum()),
              "households": int(plan["households"].sum()),
              "households_all": int(plan["households_all"].sum()) if "households_all" in plan else
              int(plan["households"].sum()),
              "cost_yuan": float(plan["cost_yuan"].sum())}
    limits = {n: {"limit": cap, "used": used[n], "left": cap - used[n]} for n, cap in caps.items()}
    return PlanResult(year=int(year), chosen=plan, skipped=left, totals=totals, limits=limits,
                      binding=first[2] if first else ())

