"""Project reserve, annual plan, roadmap and public-notice dates (geo.planning.reserve, geo.planning.roadmap, geo.planning.notice)."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geo.errors import RuleError, SchemaError
from geo.planning.notice import HOLIDAY_TABLE, notice_end_date
from geo.planning.reserve import PlanResult, annual_plan, reserve_projects
from geo.planning.roadmap import roadmap, roadmap_shortfall, roadmap_summary


def _homes():
    return pd.DataFrame({
        "community_id": ["a", "b", "c", "d", "e", "f"],
        "name": ["甲", "乙", "丙", "丁", "戊", "己"],
        "households": [100, 300, 900, 50, 80, 70],
        "build_year": [1985, 1990, 1995, 1980, 1988, 2005],
        "street": ["S1", "S1", "S1", "S2", "S2", "S2"],
        "county": ["C"] * 6,
    })


def _scores():
    return pd.DataFrame({"community_id": list("abcdef"),
                         "eligible": [True, True, False, True, True, False],
                         "score": [80.0, 40.0, np.nan, 60.0, 60.0, np.nan]})


def _costs():
    return pd.DataFrame({"unit_id": ["a", "b", "c", "d", "e", "Z1", "Z1", "Z2"],
                         "unit_kind": ["community"] * 5 + ["zone"] * 3,
                         "cost_yuan": [1e6, 2e6, 9e6, 5e5, 8e5, 2e5, 1e5, 4e5]})


ZONES = {"a": "Z1", "b": "Z1", "c": "Z1", "f": "Z2"}


# --- the reserve ---------------------------------------------------------------------------------


def test_reserve_zone_is_one_project_with_weighted_score_and_ineligible_anchor():
    reserve = reserve_projects(_homes(), _scores(), _costs(), zone_of=ZONES)
    z1 = reserve.set_index("project_id").loc["Z1"]
    assert z1["project_kind"] == "zone"
    assert z1["members"] == ("a", "b", "c") and z1["ineligible_members"] == ("c",)
    assert z1["households"] == 400 and z1["households_all"] == 1300
    assert z1["n_communities"] == 2 and z1["n_communities_all"] == 3
    assert z1["score"] == pytest.approx((80 * 100 + 40 * 300) / 400)  # 50: household-weighted
    assert z1["score_max"] == 80.0
    assert z1["cost_yuan"] == pytest.approx(1e6 + 2e6 + 2e5 + 1e5)  # c (not eligible) not costed
    assert z1["build_year_min"] == 1985
    assert z1["member_names"] == ("甲", "乙", "丙")


def test_reserve_singles_order_and_left_out_zone():
    reserve = reserve_projects(_homes(), _scores(), _costs(), zone_of=ZONES)
    # d and e tie on score 60: the older (d, 1980) first; Z1 (50) last; Z2 has no eligible member
    assert reserve["project_id"].tolist() == ["d", "e", "Z1"]
    assert reserve["reserve_rank"].tolist() == [1, 2, 3]
    assert reserve.attrs["left_out"] == [{"project_id": "Z2", "members": ("f",), "reason_code": "no_eligible_member"}]
    assert set(reserve.loc[reserve["project_kind"] == "community", "members"]) == {("d",), ("e",)}


def test_reserve_does_not_depend_on_row_order():
    homes, scores = _homes(), _scores()
    one = reserve_projects(homes, scores, _costs(), zone_of=ZONES)
    two = reserve_projects(homes.iloc[::-1], scores.sample(frac=1, random_state=3), _costs().iloc[::-1],
                           zone_of=ZONES)
    pd.testing.assert_frame_equal(one, two)


def test_reserve_errors_name_the_problem():
    with pytest.raises(SchemaError, match="not in the communities: x"):
        reserve_projects(_homes(), _scores(), _costs(), zone_of={"x": "Z9"})
    with pytest.raises(SchemaError, match="cost_yuan"):
        reserve_projects(_homes(), _scores(), _costs().drop(columns="cost_yuan"))
    with pytest.raises(SchemaError, match="also community ids: a"):
        reserve_projects(_homes(), _scores(), _costs(), zone_of={"b": "a"})


# --- the annual plan -----------------------------------------------------------------------------


def _reserve(rows):
    return pd.DataFrame([{"project_id": p, "project_kind": "zone" if len(m) > 1 else "community", "members": m,
                          "n_communities": len(m), "households": h, "households_all": h, "cost_yuan": c,
                          "score": s, "build_year_min": 1980} for p, m, h, c, s in rows])


RES = _reserve([("p1", ("a",), 500, 5e6, 90.0), ("p2", ("b", "c"), 900, 9e6, 80.0),
                ("p3", ("d",), 200, 2e6, 70.0), ("p4", ("e",), 400, 4e6, 60.0)])


def test_plan_skips_a_project_that_does_not_fit_and_takes_a_smaller_later_one():
    plan = annual_plan(RES, year=2026, budget_yuan=8e6)
    assert plan.chosen["project_id"].tolist() == ["p1", "p3"]
    skipped = plan.skipped.set_index("project_id")
    assert skipped.loc["p2", "over_budget_yuan"] == pytest.approx(6e6)   # 5 + 9 - 8
    assert skipped.loc["p4", "over_budget_yuan"] == pytest.approx(3e6)   # 7 + 4 - 8
    assert skipped.loc["p2", "reason_en"] == "over budget by 6,000,000 yuan"
    assert skipped.loc["p2", "reason_zh"] == "超出年度预算 600.0 万元"
    assert plan.binding == ("budget_yuan",)
    assert plan.totals == {"projects": 2, "communities": 2, "households": 700, "households_all": 700,
                           "cost_yuan": 7e6}
    assert plan.limits["budget_yuan"] == {"limit": 8e6, "used": 7e6, "left": 1e6}
    assert plan.chosen["cumulative_cost_yuan"].tolist() == [5e6, 7e6]
    assert (plan.chosen["plan_year"] == 2026).all()


def test_binding_limit_is_the_one_that_stopped_the_first_project_left_out():
    plan = annual_plan(RES, year=2026, budget_yuan=100e6, max_households=1000, max_projects=3)
    assert plan.chosen["project_id"].tolist() == ["p1", "p3"]
    assert plan.binding == ("max_households",)
    assert plan.skipped.set_index("project_id").loc["p2", "over_households"] == 400
    both = annual_plan(RES, year=2026, budget_yuan=6e6, max_households=1000)
    assert both.binding == ("budget_yuan", "max_households")  # p2 breaks both
    assert annual_plan(RES, year=2026, budget_yuan=1e9).binding == ()
    assert "project limit (1) is reached" in annual_plan(RES, year=2026, max_projects=1).skipped["reason_en"].iloc[0]


def test_must_include_and_exclude():
    plan = annual_plan(RES, year=2026, budget_yuan=12e6, must_include=["e"], exclude=["p1"])
    assert plan.chosen["project_id"].tolist() == ["p3", "p4"]   # p4 taken first, then p2 would exceed
    assert plan.chosen.set_index("project_id")["must_include"].to_dict() == {"p3": False, "p4": True}
    reasons = plan.skipped.set_index("project_id")["reason_code"].to_dict()
    assert reasons == {"p1": "excluded", "p2": "over_limit"}
    with pytest.raises(RuleError, match="must_include projects alone exceed budget_yuan") as over:
        annual_plan(RES, year=2026, budget_yuan=1e6, must_include=["p2"])
    assert over.value.code == "plan_must_include_over" and over.value.params == {"project": "p2"}
    with pytest.raises(RuleError, match="neither a project nor a member") as unknown:
        annual_plan(RES, year=2026, budget_yuan=1e6, exclude=["zz"])
    assert unknown.value.code == "plan_unknown_ids" and unknown.value.params == {"ids": ["zz"]}
    with pytest.raises(RuleError, match="both in must_include and exclude") as both:
        annual_plan(RES, year=2026, budget_yuan=1e6, must_include=["p1"], exclude=["p1"])
    assert both.value.code == "plan_included_and_excluded"
    with pytest.raises(RuleError, match="0 or more") as negative:
        annual_plan(RES, year=2026, budget_yuan=-1)
    assert negative.value.code == "plan_limit_negative"


def test_no_limit_says_which_arguments_to_give():
    with pytest.raises(RuleError, match="budget_yuan=.*max_households=.*max_projects=.*max_communities=") as none:
        annual_plan(RES, year=2026)
    assert none.value.code == "plan_no_limit" and isinstance(none.value, ValueError)


@st.composite
def reserves(draw):
    n = draw(st.integers(1, 25))
    rows = []
    for k in range(n):
        size = draw(st.integers(1, 4))
        rows.append((f"p{k:02d}", tuple(f"c{k:02d}_{j}" for j in range(size)),
                     draw(st.integers(0, 2000)), float(draw(st.integers(0, 50)) * 1e5),
                     float(draw(st.integers(0, 10)) * 10), ))
    return _reserve(rows)


limit_values = st.one_of(st.none(), st.integers(0, 30))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(reserve=reserves(), budget=limit_values, hh=limit_values, projects=limit_values, comms=limit_values,
       seed=st.integers(0, 1000))
def test_plan_respects_every_limit_keeps_zones_whole_and_is_maximal(reserve, budget, hh, projects, comms, seed):
    caps = {"budget_yuan": None if budget is None else budget * 5e5,
            "max_households": None if hh is None else hh * 200,
            "max_projects": projects, "max_communities": comms}
    if all(v is None for v in caps.values()):
        caps["max_projects"] = 3
    plan = annual_plan(reserve, year=2027, **caps)
    chosen = plan.chosen
    measure = {"budget_yuan": "cost_yuan", "max_households": "households", "max_communities": "n_communities"}
    for name, cap in caps.items():
        if cap is None:
            continue
        used = len(chosen) if name == "max_projects" else chosen[measure[name]].sum()
        assert used <= cap + 1e-6
        # maximal: every project left out breaks a limit even on top of the final plan
    for _, row in plan.skipped.iterrows():
        breaks = [(len(chosen) + 1 if n == "max_projects" else chosen[measure[n]].sum() + row[measure[n]]) > c + 1e-6
                  for n, c in caps.items() if c is not None]
        assert any(breaks)
    # zones whole: every project's members are all in the plan or none of them
    planned = {m for ms in chosen["members"] for m in ms}
    for ms in reserve["members"]:
        assert set(ms) <= planned or not (set(ms) & planned)
    assert sorted(chosen["project_id"].tolist() + plan.skipped["project_id"].tolist()) == \
        sorted(reserve["project_id"].tolist())
    shuffled = annual_plan(reserve.sample(frac=1, random_state=seed), year=2027, **caps)
    assert shuffled.chosen["project_id"].tolist() == chosen["project_id"].tolist()


def test_plan_result_is_a_dataclass_with_words():
    plan = annual_plan(RES, year=2026, max_households=1000)
    assert isinstance(plan, PlanResult)
    assert plan.binding_text("zh") == "受限于户数上限" and plan.binding_text("en") == "stopped by the household limit"


# --- the roadmap ----------------------------------------------------------------------------------


EQUAL = _reserve([(f"p{k}", (f"c{k}",), 100, 1e6, 100.0 - k) for k in range(6)])


def test_roadmap_spreads_evenly_in_priority_order():
    plan = roadmap(EQUAL, start_year=2026, target_year=2028)
    assert plan["plan_year"].tolist() == [2026, 2026, 2027, 2027, 2028, 2028]
    assert plan["roadmap_order"].tolist() == [1, 2, 3, 4, 5, 6]
    summary = roadmap_summary(plan)
    assert summary["households"].tolist() == [200, 200, 200, 0]
    assert summary["unassigned"].tolist() == [False, False, False, True]


def test_roadmap_covers_everything_when_the_budget_allows_and_respects_it():
    res = _reserve([("big", ("a", "b"), 800, 8e6, 90.0), ("m1", ("c",), 300, 3e6, 80.0),
                    ("m2", ("d",), 300, 3e6, 70.0), ("s1", ("e",), 100, 1e6, 60.0), ("s2", ("f",), 100, 1e6, 50.0)])
    plan = roadmap(res, start_year=2026, target_year=2027, budget_per_year=8e6)
    assert plan["plan_year"].notna().all()
    per_year = plan.groupby("plan_year")["cost_yuan"].sum()
    assert (per_year <= 8e6).all() and per_year.sum() == 16e6
    assert roadmap_shortfall(res, start_year=2026, target_year=2027, budget_per_year=8e6)["covered"]


def test_roadmap_reports_the_shortfall_instead_of_overflowing():
    res = _reserve([("big", ("a", "b"), 800, 9e6, 90.0), ("m1", ("c",), 300, 3e6, 80.0),
                    ("m2", ("d",), 300, 3e6, 70.0), ("m3", ("e",), 300, 3e6, 60.0)])
    plan = roadmap(res, start_year=2026, target_year=2027, budget_per_year=5e6)
    codes = plan.set_index("project_id")["reason_code"].to_dict()
    assert codes["big"] == "over_budget_alone"
    assert plan.groupby("plan_year")["cost_yuan"].sum().max() <= 5e6
    assert sorted(plan["plan_year"].dropna().tolist()) == [2026, 2027]   # m1, m2 fit; m3 has no room
    assert codes["m3"] == "no_room" and plan.set_index("project_id").loc["m3", "reason_en"] == \
        "no year up to 2027 has room left within the yearly limits"
    short = roadmap_shortfall(res, start_year=2026, target_year=2027, budget_per_year=5e6)
    assert not short["covered"] and short["unassigned_projects"] == 2
    assert short["unassigned_cost_yuan"] == 12e6
    assert short["budget_short_yuan"] == 18e6 - 10e6
    needed = short["budget_per_year_needed_yuan"]
    assert needed >= 9e6 and needed % 1e4 == 0
    assert roadmap(res, start_year=2026, target_year=2027, budget_per_year=needed)["plan_year"].notna().all()
    assert "每年预算至少需" in short["text_zh"]
    summary = roadmap_summary(plan)
    assert summary.loc[summary["unassigned"], "cost_yuan"].item() == 12e6
    assert (summary.loc[~summary["unassigned"], "budget_left_yuan"] >= 0).all()


def test_roadmap_household_limit_and_errors():
    plan = roadmap(EQUAL, start_year=2026, target_year=2027, households_per_year=250)
    assert plan.groupby("plan_year")["households"].sum().tolist() == [200, 200]
    assert plan["plan_year"].isna().sum() == 2
    short = roadmap_shortfall(EQUAL, start_year=2026, target_year=2027, households_per_year=250)
    assert short["households_per_year_needed"] == 300
    with pytest.raises(RuleError, match="before start_year") as early:
        roadmap(EQUAL, start_year=2027, target_year=2026)
    assert early.value.code == "roadmap_target_before_start"
    assert early.value.params == {"start_year": 2027, "target_year": 2026}
    with pytest.raises(RuleError, match="0 or more") as negative:
        roadmap(EQUAL, start_year=2026, target_year=2027, budget_per_year=-5)
    assert negative.value.code == "roadmap_limit_negative"


# --- public notice ----------------------------------------------------------------------------------


@pytest.mark.parametrize("start, end", [
    (dt.date(2026, 9, 30), dt.date(2026, 10, 26)),   # National Day 1-7 Oct off; Sat 10 Oct worked
    (dt.date(2026, 2, 13), dt.date(2026, 3, 11)),    # Spring Festival 15-23 Feb off; Sat 14 and 28 Feb worked
    (dt.date(2026, 4, 30), dt.date(2026, 5, 22)),    # Labour Day 1-5 May off; Sat 9 May worked
    (dt.date(2025, 9, 26), dt.date(2025, 10, 22)),   # Sun 28 Sep worked; 1-8 Oct off; Sat 11 Oct worked
    (dt.date(2026, 6, 1), dt.date(2026, 6, 22)),     # Dragon Boat Fri 19 June off
])
def test_notice_end_date_on_hand_checked_dates(start, end):
    result = notice_end_date(start)
    assert result == end and result.calendar_complete


def test_adjusted_working_saturday_counts():
    # Fri 13 Feb 2026: the 1st working day after it is Saturday 14 Feb (调休上班)
    assert notice_end_date(dt.date(2026, 2, 13), working_days=1) == dt.date(2026, 2, 14)
    assert notice_end_date(dt.date(2026, 2, 14), working_days=1) == dt.date(2026, 2, 24)


def test_outside_the_table_only_weekends_are_skipped_and_it_says_so():
    result = notice_end_date(dt.date(2027, 3, 1))
    assert result == dt.date(2027, 3, 19) and not result.calendar_complete and result.unknown_years == (2027,)
    assert "2027" in result.note("zh") and "only weekends" in result.note("en")
    crossing = notice_end_date(dt.date(2026, 12, 25))
    assert crossing.unknown_years == (2027,)


def test_caller_tables_replace_the_default():
    start = dt.date(2026, 9, 30)
    assert notice_end_date(start, holidays=[], workdays=[]) == dt.date(2026, 10, 20)   # weekends only
    custom = notice_end_date(dt.date(2027, 3, 1), holidays=[dt.date(2027, 3, 2)], workdays=[])
    assert custom == dt.date(2027, 3, 22) and custom.calendar_complete
    with pytest.raises(ValueError, match="at least 1"):
        notice_end_date(start, working_days=0)


def test_holiday_table_counts_match_the_notices():
    counts = HOLIDAY_TABLE.groupby(["year", "kind"]).size().to_dict()
    # 2025: 1+8+3+5+3+8 days off, 5 worked weekend days; 2026: 3+9+3+5+3+3+7 off, 6 worked
    assert counts == {(2025, "holiday"): 28, (2025, "workday"): 5, (2026, "holiday"): 33, (2026, "workday"): 6}
    assert set(HOLIDAY_TABLE["source"]) == {"国办发明电〔2024〕12号", "国办发明电〔2025〕7号"}
    worked = HOLIDAY_TABLE.loc[HOLIDAY_TABLE["kind"] == "workday", "date"]
    assert all(d.weekday() >= 5 for d in worked)


# --- every error a planner can cause in plans and reports is worded in zh and en --------------------

def test_every_plan_and_report_error_code_has_words_for_its_params():
    import ast
    import importlib
    import string
    from pathlib import Path

    from ui.i18n import TEXT

    found = {}
    for name in ("geo.planning.reserve", "geo.planning.roadmap", "geo.reports.projects", "geo.reports.plan_html"):
        tree = ast.parse(Path(importlib.import_module(name).__file__).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            kw = {k.arg: k.value for k in node.keywords}
            if isinstance(kw.get("code"), ast.Constant):
                params = kw.get("params")
                keys = {k.value for k in params.keys} if isinstance(params, ast.Dict) else set()
                found[kw["code"].value] = keys
    assert {"plan_no_limit", "plan_unknown_ids", "roadmap_target_before_start", "export_formats",
            "sheet_members_missing"} <= set(found)
    for code, keys in found.items():
        assert f"error_{code}" in TEXT, code
        for words in TEXT[f"error_{code}"]:
            named = {f for _, f, _, _ in string.Formatter().parse(words) if f}
            assert named <= keys | {"file", "where"}, (code, named - keys)
