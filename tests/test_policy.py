"""The policy constants in one place, and rule values refused (never replaced) with a coded error."""

import math

import numpy as np
import pytest

from geo import policy
from geo.errors import RuleError
from geo.planning.priority import PriorityWeights, priority_scores
from geo.planning.run import PlanSettings
from geo.zoning.adjacency import DEFAULT_GAP_M, community_pairs
from geo.zoning.rules import ZoneRules
from geo.zoning.zones import ZoneRules as ZoneRulesOfZones
from ui.i18n import TEXT
from ui.messages import error_words


def test_every_default_is_the_policy_constant():
    rules = ZoneRules()
    assert (rules.cutoff_year, rules.small_max_households, rules.min_households, rules.max_households,
            rules.max_members, rules.max_span_m, rules.gap_m) == (
        policy.CUTOFF_YEAR, policy.SMALL_MAX_HOUSEHOLDS, policy.MIN_HOUSEHOLDS, policy.MAX_HOUSEHOLDS,
        policy.MAX_MEMBERS, policy.MAX_SPAN_M, policy.GAP_M)
    assert DEFAULT_GAP_M == policy.GAP_M
    assert PlanSettings().cutoff_year == policy.CUTOFF_YEAR
    assert PriorityWeights(build_year=1).newest_year == policy.CUTOFF_YEAR
    assert ZoneRulesOfZones is ZoneRules  # one class, importable from zones as before


def test_every_default_is_inside_its_own_range():
    rules = ZoneRules()
    for name, allowed in policy.RULE_RANGES.items():
        assert allowed.contains(getattr(rules, name)), name


def test_the_cutoff_year_is_read_where_a_caller_does_not_give_it():
    import pandas as pd
    frame = pd.DataFrame({"community_id": ["a", "b"], "build_year": [policy.CUTOFF_YEAR, policy.CUTOFF_YEAR + 1],
                          "households": [100, 100], "willingness": [0.5, 0.5], "status": ["candidate"] * 2})
    assert priority_scores(frame)["eligibility_reason"].tolist() == ["eligible", "too_new"]
    assert policy.in_programme(policy.CUTOFF_YEAR) and not policy.in_programme(policy.CUTOFF_YEAR + 1)


def test_every_reason_has_a_class_and_every_class_a_legend_entry():
    from layers.styles import ELIGIBILITY_CLASSES
    assert set(policy.CLASS_OF_REASON) == set(policy.ELIGIBILITY_REASONS)
    assert set(policy.CLASS_OF_REASON.values()) | {"candidate"} == set(policy.ELIGIBILITY_CLASSES)
    assert tuple(ELIGIBILITY_CLASSES) == policy.ELIGIBILITY_CLASSES  # the legend lists them in order
    assert len({entry["fill"] for entry in ELIGIBILITY_CLASSES.values()}) == len(ELIGIBILITY_CLASSES)
    assert all(zh and en for zh, en in (entry["label"] for entry in ELIGIBILITY_CLASSES.values()))


@pytest.mark.parametrize("rule, value", [
    ("max_households", 0),
    ("max_households", -5),
    ("min_households", 0),
    ("small_max_households", 0),
    ("gap_m", -1.0),
    ("gap_m", math.nan),
    ("max_span_m", 0.0),
    ("max_span_m", math.inf),
    ("max_members", 1),
    ("cutoff_year", 1800),
    ("cutoff_year", 3000),
    ("seed", -1),
    ("exact_max_nodes", 99),
    ("max_households", "2000"),   # text is not a number: refused, not converted
    ("max_households", True),     # nor is a flag
])
def test_a_value_out_of_range_is_refused_with_its_range(rule, value):
    kwargs = {rule: value}
    if rule == "max_households" and isinstance(value, (int, float)) and not isinstance(value, bool):
        kwargs["min_households"] = 1  # the range is what is tested, not the conflict with the minimum
    with pytest.raises(RuleError, match=rule) as caught:
        ZoneRules(**kwargs)
    error = caught.value
    allowed = policy.RULE_RANGES[rule]
    assert error.code == "rule_out_of_range" and isinstance(error, ValueError)
    assert error.params["rule"] == rule
    assert (error.params["min"], error.params["max"]) == (allowed.low, allowed.high)
    assert f"{allowed.low:g}" in str(error)


def test_min_above_max_is_a_conflict_not_a_silent_swap():
    with pytest.raises(RuleError, match="min_households .3000. is above max_households .2000.") as caught:
        ZoneRules(min_households=3000)
    assert caught.value.code == "rule_conflict"
    assert caught.value.params == {"rule": "min_households", "value": 3000, "min": 1, "max": 2000,
                                   "other": "max_households"}
    assert ZoneRules(min_households=2000).min_households == 2000  # equal bounds are allowed


def test_zero_is_a_value_never_a_default():
    # 0 households, 0 m span: refused, never read as "not given" and replaced by a default
    for rule in ("max_households", "max_span_m", "small_max_households"):
        with pytest.raises(RuleError):
            ZoneRules(**{rule: 0, **({"min_households": 1} if rule == "max_households" else {})})
    assert ZoneRules(gap_m=0).gap_m == 0  # a wall between compounds: 0 m is a real gap


def test_numpy_numbers_are_accepted_and_the_params_are_plain():
    rules = ZoneRules(max_households=np.int64(900), max_span_m=np.float64(450.0))
    assert rules.max_households == 900
    with pytest.raises(RuleError) as caught:
        ZoneRules(max_members=np.int64(1))
    assert type(caught.value.params["value"]) is int


def test_the_neighbour_search_refuses_a_negative_gap(tmp_path):
    import geopandas as gpd
    from shapely import box
    homes = gpd.GeoDataFrame({"community_id": ["a"]}, geometry=[box(0, 0, 1, 1)], crs=4538)
    with pytest.raises(RuleError) as caught:
        community_pairs(homes, gap_m=-3)
    assert caught.value.code == "rule_out_of_range"


@pytest.mark.parametrize("code", ["rule_out_of_range", "rule_conflict", "zoning_unknown_communities",
                                  "members_unreadable"])
def test_every_code_has_words_in_both_languages(code):
    zh, en = TEXT[f"error_{code}"]
    assert zh and en and zh != en


@pytest.mark.parametrize("kwargs, bound", [({"max_households": 0, "min_households": 1}, "50000"),
                                           ({"min_households": 3000}, "2000")])
def test_the_page_words_a_refused_rule_with_its_range(kwargs, bound):
    with pytest.raises(RuleError) as caught:
        ZoneRules(**kwargs)
    for lang in ("zh", "en"):
        words = error_words(caught.value, lang)
        assert "{" not in words and bound in words
        assert str(caught.value.params["value"]) in words


def test_unknown_communities_in_a_zoning_are_a_coded_error():
    import geopandas as gpd
    from shapely import box
    from geo.zoning.score import score_zoning
    homes = gpd.GeoDataFrame({"community_id": ["a", "b"], "households": [100, 100]},
                             geometry=[box(0, 0, 10, 10), box(12, 0, 22, 10)], crs=4538)
    with pytest.raises(KeyError, match="not in the layer") as caught:
        score_zoning(homes, {"a": "Z1", "zz": "Z1"})
    assert caught.value.code == "zoning_unknown_communities" and caught.value.params["ids"] == ["zz"]
    assert "zz" in error_words(caught.value, "zh")
