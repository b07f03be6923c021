"""Every community out of every zone says why: a candidate why it is left out, any other why it is
no candidate (households above the limit, built after the cut-off, renovation completed...)."""

import pandas as pd
import pytest
from shapely import box

import geopandas as gpd

from geo import load_demo
from geo.reports.export import write_assignments_csv
from geo.zoning.editing import reason_words
from geo.zoning.rules import ZoneRules
from geo.zoning.zones import NOT_CANDIDATE_REASONS, not_candidate_reasons, propose_zones


@pytest.fixture(scope="module")
def demo_result():
    dataset = load_demo()
    communities = dataset.layers["communities"]
    return communities, propose_zones(communities, barriers=dataset.layers.get("barriers"))


def test_no_community_outside_a_zone_has_an_empty_reason(demo_result):
    communities, result = demo_result
    a = result.assignments
    assert len(a) == len(communities)
    out = a[a["zone_id"].isna()]
    assert len(out) > 100 and (~out["candidate"]).sum() > 100
    for column in ("reason_code", "reason", "reason_zh"):
        assert out[column].notna().all() and (out[column].astype(str).str.len() > 0).all(), column
    codes = set(out.loc[~out["candidate"], "reason_code"])
    assert codes <= set(NOT_CANDIDATE_REASONS) and "too_large" in codes
    # the words name the figures: "not a candidate: 1,240 households > 300"
    large = out[out["reason_code"] == "too_large"].merge(communities[["community_id", "households"]],
                                                         on="community_id")
    first = large.iloc[0]
    assert first["reason"] == f"not a candidate: {first['households']:,} households > 300"
    assert first["reason_zh"] == f"不是合并候选：{first['households']:,}户，超过合并候选上限300户"
    # a placed community has no reason unless its zone is fixed
    assert a.loc[a["zone_id"].notna(), "reason_code"].isna().all()


def test_the_csv_says_it_in_zh_and_en(demo_result, tmp_path):
    _, result = demo_result
    path = write_assignments_csv(result.assignments, tmp_path / "assignments.csv")
    table = pd.read_csv(path, encoding="utf-8-sig", dtype=str)
    assert list(table.columns[:4]) == ["community_id", "zone_id", "reason", "reason_zh"]
    out = table[table["zone_id"].isna() | (table["zone_id"].astype(str) == "")]
    assert len(out) > 100
    assert out["reason"].notna().all() and out["reason_zh"].notna().all()
    text = path.read_text(encoding="utf-8-sig")
    assert "not a candidate: " in text and "不是合并候选：" in text


def test_an_assignments_table_without_words_in_chinese_gets_them_from_its_codes(tmp_path):
    table = pd.DataFrame({"community_id": ["a", "b"], "zone_id": [None, "Z1"], "reason_code": ["too_large", None],
                          "reason": ["not a candidate: 900 households > 300", None]})
    path = write_assignments_csv(table, tmp_path / "a.csv")
    assert "不是合并候选：户数超过合并候选上限" in path.read_text(encoding="utf-8-sig")


def test_each_reason_of_the_candidate_rule():
    frame = pd.DataFrame({
        "households": [120, 1240, None, 80, 90, 100, 400],
        "build_year": [1988, 1990, 1990, 2008, None, 1985, 1985],
        "status": ["candidate", "candidate", "candidate", "candidate", "candidate", "completed", "started"]})
    reasons = not_candidate_reasons(frame, ZoneRules())
    assert reasons["reason_code"].tolist() == [None, "too_large", "no_households", "too_new", "unknown_year",
                                               "completed", "too_large"]
    assert reasons["reason"].tolist()[1:4] == ["not a candidate: 1,240 households > 300",
                                               "not a candidate: no households figure",
                                               "not a candidate: built 2008, after 2000"]
    assert reasons["reason_zh"].tolist()[3] == "不是合并候选：建成于2008年，晚于2000年"
    # the programme's rules off: only the size counts
    loose = not_candidate_reasons(frame, ZoneRules(eligible_only=False, small_max_households=1000))
    assert loose["reason_code"].tolist() == [None, "too_large", "no_households", None, None, None, None]
    assert loose["reason"].tolist()[1] == "not a candidate: 1,240 households > 1,000"


def test_the_page_words_every_code():
    for code, (zh, en) in NOT_CANDIDATE_REASONS.items():
        assert reason_words(code, "zh") == zh and reason_words(code, "en") == en


def test_a_small_city_every_row_has_its_reason():
    homes = gpd.GeoDataFrame({
        "community_id": ["c0", "c1", "c2", "c3"], "households": [150, 150, 900, 120],
        "build_year": [1985, 1988, 1990, 2010], "street": ["s"] * 4, "status": ["candidate"] * 4},
        geometry=[box(0, 0, 50, 50), box(55, 0, 105, 50), box(110, 0, 160, 50), box(5000, 0, 5050, 50)], crs=4538)
    a = propose_zones(homes).assignments.set_index("community_id")
    assert a.loc["c3", "reason_code"] == "too_new"
    out = a[a["zone_id"].isna()]
    assert out["reason"].notna().all() and out["reason_zh"].notna().all()
