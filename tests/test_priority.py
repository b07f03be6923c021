"""Eligibility, priority scores and their breakdown, presets, duplicate applications."""

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely import box

from geo.zoning.eligibility import eligibility_class
from geo.errors import CRSError, RuleError, SchemaError
from geo.planning.priority import (FACTORS, PRESETS, PriorityWeights, duplicate_applications, eligibility,
                          explain_score, factor_values, priority_scores)


def homes(**columns):
    n = len(next(iter(columns.values())))
    base = {"community_id": [f"c{i}" for i in range(n)], "build_year": [1990] * n, "households": [200] * n,
            "willingness": [0.7] * n, "participation": [0.6] * n, "status": ["candidate"] * n,
            "plan_year": [None] * n}
    base.update(columns)
    return pd.DataFrame(base)


# --- eligibility ------------------------------------------------------------------------------

@pytest.mark.parametrize("year, status, plan, expected", [
    (1990, "candidate", None, "eligible"),
    (2001, "candidate", None, "too_new"),
    (2000, "candidate", None, "eligible"),          # the cut-off year itself is in
    (None, "candidate", None, "unknown_year"),
    (1990, "completed", 2019, "completed"),
    (1990, "started", 2024, "started"),
    (1990, "planned", 2023, "planned_earlier"),
    (1990, "planned", 2025, "eligible"),            # planned for the plan year itself
    (1990, "planned", None, "eligible"),            # planned, year unknown: cannot be earlier
    (2008, "completed", 2019, "too_new"),           # the first rule that applies is given
])
def test_eligibility_codes(year, status, plan, expected):
    frame = homes(build_year=[year], status=[status], plan_year=[plan])
    out = eligibility(frame, plan_year=2025)
    assert out["eligibility_reason"].iloc[0] == expected
    assert bool(out["eligible"].iloc[0]) == (expected == "eligible")
    assert out["eligibility_reason_zh"].iloc[0] and out["eligibility_reason_en"].iloc[0]


def test_without_plan_year_planned_stays_eligible_and_cutoff_is_configurable():
    frame = homes(build_year=[1990, 2003], status=["planned", "candidate"], plan_year=[2020, None])
    assert eligibility(frame)["eligibility_reason"].tolist() == ["eligible", "too_new"]
    assert eligibility(frame, cutoff_year=2005)["eligibility_reason"].tolist() == ["eligible", "eligible"]
    assert eligibility(frame.iloc[[1]], cutoff_year=2002)["eligibility_reason_en"].iloc[0] == "built after 2002"


#: One community per status the map, the ranking and the plan must agree on, with what each says:
#: (build year, households, status, plan year) -> (map class, ranking reason, in the reserve).
AGREEMENT = {
    "small candidate": ((1985, 120, "candidate", None), ("candidate", "eligible", True)),
    "large candidate": ((1985, 900, "candidate", None), ("eligible", "eligible", True)),
    "planned earlier": ((1985, 120, "planned", 2022), ("planned", "planned_earlier", False)),
    "planned later": ((1985, 120, "planned", 2026), ("candidate", "eligible", True)),
    "started": ((1985, 120, "started", 2024), ("started", "started", False)),
    "started large": ((1985, 900, "started", 2024), ("started", "started", False)),
    "completed": ((1985, 120, "completed", 2019), ("completed", "completed", False)),
    "too new": ((2008, 120, "candidate", None), ("not_eligible", "too_new", False)),
    "unknown year": ((None, 120, "candidate", None), ("unknown", "unknown_year", False)),
}


def test_map_ranking_and_reserve_agree_on_every_status():
    # one frame, three readers of the one eligibility rule: the map's classes, the priority
    # ranking and the plan's reserve (a started community was "eligible" on the map once)
    from geo.planning.reserve import reserve_projects
    from geo.zoning.rules import ZoneRules

    names = list(AGREEMENT)
    rows = [AGREEMENT[n][0] for n in names]
    frame = homes(build_year=[r[0] for r in rows], households=[r[1] for r in rows],
                  status=[r[2] for r in rows], plan_year=[r[3] for r in rows])
    frame["community_id"] = names
    plan_year = 2025
    classes = eligibility_class(frame, ZoneRules(), plan_year=plan_year)
    scores = priority_scores(frame, plan_year=plan_year)
    costs = pd.DataFrame({"unit_id": names, "unit_kind": "community", "cost_yuan": 1e6})
    reserve = reserve_projects(frame, scores, costs)
    in_reserve = set(reserve["project_id"])
    for k, name in enumerate(names):
        map_class, reason, reserved = AGREEMENT[name][1]
        assert classes.iloc[k] == map_class, name
        assert scores["eligibility_reason"].iloc[k] == reason, name
        assert (name in in_reserve) == reserved, name
        # the map calls eligible exactly what the ranking ranks and the plan reserves
        assert (classes.iloc[k] in ("candidate", "eligible")) == bool(scores["eligible"].iloc[k]) == reserved, name
        assert pd.notna(scores["rank"].iloc[k]) == reserved, name


def test_the_map_without_a_plan_year_reads_the_rule_as_the_ranking_does():
    frame = homes(build_year=[1985, 1985], households=[120, 120], status=["planned", "started"],
                  plan_year=[2022, 2024])
    assert eligibility_class(frame).tolist() == ["candidate", "started"]
    assert eligibility(frame)["eligibility_reason"].tolist() == ["eligible", "started"]


def test_map_classes_share_the_build_year_rule():
    frame = homes(build_year=[1990, 2008, None], households=[900, 900, 900])
    assert eligibility_class(frame).tolist() == ["eligible", "not_eligible", "unknown"]
    assert eligibility(frame)["eligibility_reason"].tolist() == ["eligible", "too_new", "unknown_year"]


# --- factors ----------------------------------------------------------------------------------

def test_infrastructure_factor_weighs_underground_kinds_and_skips_kinds_without_pipes():
    frame = homes(build_year=[1990, 1990])
    needs = pd.DataFrame({"community_id": ["c0", "c0", "c0", "c1"], "kind": ["water_supply", "power", "gas", "gas"],
                          "need": ["full", "partial", "none", "none"], "length_service_m": [100.0, 50.0, 0.0, 0.0]})
    f = factor_values(frame, needs=needs)
    assert f["infrastructure"].iloc[0] == pytest.approx((2 * 1.0 + 1 * 0.5) / 3)
    assert math.isnan(f["infrastructure"].iloc[1])      # no pipe of any kind: no data
    f1 = factor_values(frame, needs=needs, weights=PriorityWeights(build_year=1, underground_weight=1))
    assert f1["infrastructure"].iloc[0] == pytest.approx(0.75)


def test_service_gap_and_household_factors():
    frame = homes(households=[2000, 0, 44])
    gaps = pd.DataFrame({"community_id": ["c0"] * 3 + ["c1"] * 3, "kind": ["clinic", "market", "fitness"] * 2,
                         "served": [True, False, True, False, False, False]})
    f = factor_values(frame, gaps=gaps)
    assert f["service_gaps"].tolist()[:2] == pytest.approx([1 / 3, 1.0])
    assert math.isnan(f["service_gaps"].iloc[2])
    assert f["households"].iloc[0] == 1.0 and f["households"].iloc[1] == 0.0
    assert f["households"].iloc[2] == pytest.approx(math.log(45) / math.log(2001))


def test_build_year_scale_is_configurable():
    frame = homes(build_year=[1960, 1985, 2000])
    assert factor_values(frame)["build_year"].tolist() == pytest.approx([1.0, 0.5, 0.0])
    w = PriorityWeights(build_year=1, oldest_year=1980, newest_year=1990)
    assert factor_values(frame, weights=w)["build_year"].tolist() == pytest.approx([1.0, 0.5, 0.0])


def test_funding_gap_factor_is_one_minus_gap_and_checked():
    frame = homes(build_year=[1990, 1990])
    f = factor_values(frame, funding_gap=pd.Series({"c0": 0.25}))
    assert f["funding_gap"].iloc[0] == 0.75 and math.isnan(f["funding_gap"].iloc[1])
    with pytest.raises(SchemaError, match="between 0 and 1"):
        factor_values(frame, funding_gap=pd.Series({"c0": 1.5}))


# --- weights ----------------------------------------------------------------------------------

def test_weights_are_validated():
    with pytest.raises(RuleError, match=">= 0"):
        PriorityWeights(build_year=-1, willingness=1)
    with pytest.raises(RuleError, match="all zero"):
        PriorityWeights()
    with pytest.raises(RuleError, match="unknown priority weight"):
        PriorityWeights.from_mapping({"age": 1})
    with pytest.raises(RuleError, match="oldest_year"):
        PriorityWeights(build_year=1, oldest_year=2000, newest_year=1990)
    with pytest.raises(RuleError, match="unknown priority preset"):
        priority_scores(homes(build_year=[1990]), weights="fast")
    s = priority_scores(homes(build_year=[1990]), weights={"willingness": 2.0})
    assert s["score"].iloc[0] == pytest.approx(70.0)


def test_presets_follow_the_policies():
    assert {f for f, w in PRESETS["policy"].weights().items() if w > 0} == {"build_year", "willingness",
                                                                          "participation"}
    yunnan = {f for f, w in PRESETS["yunnan"].weights().items() if w > 0}
    assert {"service_gaps", "funding_gap", "willingness"} <= yunnan


# --- scores -----------------------------------------------------------------------------------

_weight = st.floats(0, 10, allow_nan=False)
_share = st.one_of(st.none(), st.floats(0, 1))


@settings(max_examples=60, deadline=None)
@given(weights=st.lists(_weight, min_size=7, max_size=7).filter(lambda w: sum(w) > 1e-6),
       rows=st.lists(st.tuples(st.integers(1950, 2010), _share, _share, st.integers(0, 5000),
                               st.sampled_from(["none", "partial", "full"]), _share, st.booleans()),
                     min_size=1, max_size=12))
def test_points_add_up_to_the_score(weights, rows):
    frame = homes(build_year=[r[0] for r in rows], willingness=[r[1] for r in rows],
                  participation=[r[2] for r in rows], households=[r[3] for r in rows])
    ids = frame["community_id"]
    needs = pd.DataFrame({"community_id": ids, "kind": "gas", "need": [r[4] for r in rows], "length_service_m": 10.0})
    gaps = pd.DataFrame({"community_id": ids, "kind": "clinic", "served": [r[6] for r in rows]})
    gap = pd.Series([r[5] for r in rows], index=ids, dtype=float)
    w = PriorityWeights(**dict(zip(FACTORS, weights)))
    s = priority_scores(frame, needs=needs, gaps=gaps, funding_gap=gap, weights=w)
    ok = s["eligible"].to_numpy()
    points = s[[f"points_{f}" for f in FACTORS]].to_numpy()
    assert np.allclose(points[ok].sum(axis=1), s["score"].to_numpy()[ok], rtol=0, atol=1e-9)
    assert ((s["score"][ok] >= -1e-9) & (s["score"][ok] <= 100 + 1e-9)).all()
    factors = s[[f"factor_{f}" for f in FACTORS]].to_numpy()
    expected = 100 * np.nan_to_num(factors) * np.array(weights) / sum(weights)
    assert np.allclose(points[ok], expected[ok])
    assert s["score"][~ok].isna().all() and s["rank"][~ok].isna().all()
    assert sorted(s["rank"].dropna().tolist()) == list(range(1, int(ok.sum()) + 1))
    # the ranking does not depend on row order
    back = priority_scores(frame.iloc[::-1], needs=needs, gaps=gaps, funding_gap=gap, weights=w)
    assert back.set_index("community_id")["rank"].equals(s.set_index("community_id")["rank"].loc[
        back["community_id"]])


def test_policy_puts_older_first_and_willingness_breaks_ties():
    frame = homes(community_id=["new", "old", "keen", "cold"], build_year=[1995, 1980, 1990, 1990],
                  willingness=[0.7, 0.7, 0.9, 0.5], participation=[0.6] * 4)
    s = priority_scores(frame).set_index("community_id")
    assert s.loc["old", "rank"] < s.loc["new", "rank"]
    assert s.loc["keen", "rank"] < s.loc["cold", "rank"]
    older = priority_scores(homes(build_year=[1990, 1980])).set_index("community_id")
    assert older.loc["c1", "rank"] == 1


def test_yunnan_prefers_missing_facilities_and_a_small_funding_gap():
    frame = homes(build_year=[1990] * 4)
    gaps = pd.DataFrame({"community_id": ["c0", "c1", "c2", "c3"], "kind": "clinic",
                         "served": [False, True, True, True]})
    gap = pd.Series({"c0": 0.5, "c1": 0.5, "c2": 0.1, "c3": 0.5})
    s = priority_scores(frame, gaps=gaps, funding_gap=gap, weights="yunnan").set_index("community_id")
    assert s.loc["c0", "rank"] < s.loc["c1", "rank"]    # serious lack of facilities first
    assert s.loc["c2", "rank"] < s.loc["c3", "rank"]    # small funding gap first
    policy = priority_scores(frame, gaps=gaps, funding_gap=gap)
    assert policy["score"].nunique() == 1               # the policy preset ignores both


def test_ties_broken_by_build_year_then_id():
    w = PriorityWeights(willingness=1)
    frame = homes(community_id=["b", "a", "c"], build_year=[1990, 1990, 1985])
    assert priority_scores(frame, weights=w)["rank"].tolist() == [3, 2, 1]


def test_missing_factor_counts_zero_and_is_named():
    frame = homes(willingness=[None, 0.0])
    s = priority_scores(frame)
    assert s["missing_factors"].tolist() == ["willingness", ""]
    assert s["points_willingness"].tolist() == [0.0, 0.0]
    assert s["score"].iloc[0] == pytest.approx(s["score"].iloc[1])
    # a factor of weight 0 is not named; an input not given is named when it weighs
    assert priority_scores(frame, weights="yunnan")["missing_factors"].iloc[1] == "service_gaps;funding_gap"
    assert "no data (counted 0): willingness" in explain_score(s.iloc[0])


def test_does_not_mutate_and_keeps_the_index():
    frame = homes(build_year=[1990, 2010]).set_index(pd.Index([10, 20]))
    before = frame.copy()
    s = priority_scores(frame)
    pd.testing.assert_frame_equal(frame, before)
    assert s.index.tolist() == [10, 20]
    assert explain_score(s.loc[20], "zh").startswith("不参与排序") and "2000" in explain_score(s.loc[20])


# --- duplicate applications -------------------------------------------------------------------

def layer(rows, crs=4538):
    ids, geoms, status, years = zip(*rows)
    return gpd.GeoDataFrame({"community_id": ids, "name": [f"{i}小区" for i in ids], "status": status,
                             "plan_year": years}, geometry=list(geoms), crs=crs)


def test_overlap_of_30_percent_with_an_earlier_project_is_flagged_10_percent_is_not():
    homes_ = layer([
        ("done", box(0, 0, 100, 100), "completed", 2019),
        ("thirty", box(70, 0, 170, 100), "candidate", None),     # 30 % of its area over "done"
        ("ten", box(-90, 0, 10, 100), "candidate", None),        # 10 %
        ("same_year", box(0, 200, 100, 300), "planned", 2025),
        ("overlaps_same", box(0, 250, 100, 350), "candidate", None),  # 50 % over a 2025 project
        ("later", box(0, 500, 100, 600), "planned", 2026),
        ("before_later", box(0, 550, 100, 650), "candidate", None),   # 50 % over a 2026 project
    ])
    d = duplicate_applications(homes_, plan_year=2025)
    assert d[["community_id", "earlier_id"]].values.tolist() == [["thirty", "done"]]
    assert d["overlap_share"].iloc[0] == pytest.approx(0.3)
    assert d["overlap_m2"].iloc[0] == pytest.approx(3000.0)
    assert "30 %" in d["reason_en"].iloc[0] and "2019" in d["reason_zh"].iloc[0]
    loose = duplicate_applications(homes_, plan_year=2025, min_overlap_share=0.05)
    assert set(map(tuple, loose[["community_id", "earlier_id"]].values)) == {("thirty", "done"), ("ten", "done")}
    # "done" itself (2019) overlaps nothing earlier; without a plan year the 2025/2026 projects are earlier
    anytime = duplicate_applications(homes_)
    assert set(anytime["community_id"]) == {"thirty", "overlaps_same", "before_later"}


def test_earlier_layer_reprojected_and_flags_kept_in_scores():
    homes_ = layer([("a", box(0, 0, 100, 100), "candidate", None), ("b", box(300, 0, 400, 100), "candidate", None)])
    past = gpd.GeoDataFrame({"project_id": ["P2018"], "name": ["2018年项目"], "year": [2018]},
                            geometry=[box(0, 0, 100, 50)], crs=4538).to_crs(4326)
    d = duplicate_applications(homes_, earlier=past, plan_year=2025)
    assert d[["community_id", "earlier_id", "earlier_source"]].values.tolist() == [["a", "P2018", "earlier"]]
    assert d["overlap_share"].iloc[0] == pytest.approx(0.5, abs=1e-3)
    frame = homes_.assign(build_year=1990, households=100, willingness=0.7, participation=0.6)
    s = priority_scores(frame, duplicates=d)
    assert s["duplicate_of"].tolist() == ["P2018", None]
    assert s["eligible"].all() and s["rank"].notna().all()     # flagged, never dropped
    assert "P2018" in explain_score(s.iloc[0])


def test_duplicate_check_refuses_layers_without_metric_crs():
    homes_ = layer([("a", box(0, 0, 1, 1), "candidate", None)])
    with pytest.raises(CRSError):
        duplicate_applications(homes_.set_crs(None, allow_override=True))
    past = gpd.GeoDataFrame({"project_id": ["P"]}, geometry=[box(0, 0, 1, 1)])
    with pytest.raises(CRSError, match="no CRS"):
        duplicate_applications(homes_, earlier=past)
    with pytest.raises(RuleError, match="min_overlap_share"):
        duplicate_applications(homes_, min_overlap_share=0)


def test_duplicates_on_the_demo_city(demo):
    c = demo.layers["communities"]
    d = duplicate_applications(c, plan_year=2025)
    assert (d["overlap_share"] >= 0.3).all()
    assert set(d.columns) >= {"community_id", "earlier_id", "overlap_share", "reason_zh", "reason_en"}
