"""Pipelines per community and zone: overlay, aged rules, needs, lead telecom, work lists, phasing."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely import LineString, MultiLineString, box

from geo.errors import CRSError, RuleError, SchemaError
from geo.pipelines.overlay import (
    DEFAULT_SERVICE_M,
    PipelineRules,
    assign_segments,
    lead_telecom,
    needs_wide,
    operator_summary,
    operator_table,
    overlay_pipelines,
    phase_works,
    pipeline_table,
    renovation_needs,
    segment_condition,
    work_list,
    write_work_lists,
)

CRS = 4538
X0, Y0 = 524000.0, 4874000.0
RULES = PipelineRules(reference_year=2025)


def homes(*boxes: tuple[str, float, float, float, float]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"community_id": [b[0] for b in boxes]},
                            geometry=[box(X0 + b[1], Y0 + b[2], X0 + b[3], Y0 + b[4]) for b in boxes], crs=CRS)


def pipes(rows: list[dict]) -> gpd.GeoDataFrame:
    """Segments from dicts with ``xy`` (local coordinates) and any canonical attribute."""
    base = {"pipeline_id": None, "kind": "water_supply", "operator": "水司", "material": None,
            "diameter_mm": 100.0, "install_year": 2015, "placement": "underground"}
    records = []
    geoms = []
    for i, row in enumerate(rows):
        rec = {**base, **{k: v for k, v in row.items() if k != "xy"}}
        rec["pipeline_id"] = rec["pipeline_id"] or f"p{i + 1}"
        records.append(rec)
        geoms.append(LineString([(X0 + x, Y0 + y) for x, y in row["xy"]]))
    frame = pd.DataFrame(records)
    frame["install_year"] = pd.array(frame["install_year"], dtype="Int64")
    return gpd.GeoDataFrame(frame, geometry=geoms, crs=CRS)


# --- rules -------------------------------------------------------------------------------------

def test_rules_defaults_are_documented_values():
    rules = PipelineRules()
    assert dict(rules.service_life_years) == {"water_supply": 30, "drainage": 50, "gas": 20, "heating": 20,
                                              "power": 30, "telecom": 20}
    assert (rules.partial_share, rules.full_share, rules.service_m) == (0.10, 0.50, DEFAULT_SERVICE_M)
    assert rules.service_m == 30.0


@pytest.mark.parametrize("kwargs, error, code, match", [
    ({"partial_share": 0.6, "full_share": 0.5}, RuleError, "need_thresholds_order", "partial_share"),
    ({"full_share": 1.5}, RuleError, "rule_out_of_range", "full_share must be between 0 and 1, got 1.5"),
    ({"partial_share": -0.1}, RuleError, "rule_out_of_range", "partial_share must be between 0 and 1"),
    ({"service_m": -1}, RuleError, "rule_out_of_range", "service_m must be between 0 and 1000 m, got -1"),
    ({"service_m": 5000}, RuleError, "rule_out_of_range", "service_m"),
    ({"service_life_years": {"sewage": 40}}, SchemaError, "rule_kinds_unknown", "unknown kinds"),
])
def test_rules_refuse_nonsense(kwargs, error, code, match):
    """Refused with a code and the allowed range, never replaced by a default."""
    with pytest.raises(error, match=match) as caught:
        PipelineRules(**kwargs)
    assert caught.value.code == code
    if code == "rule_out_of_range":
        assert set(caught.value.params) == {"rule", "value", "min", "max"}


# --- aged segments -----------------------------------------------------------------------------

@pytest.mark.parametrize("kind, year, material, aged", [
    ("water_supply", 1995, "球墨铸铁", True),     # 30 years in 2025: reached the service life
    ("water_supply", 1996, "球墨铸铁", False),    # 29 years
    ("water_supply", 2020, "灰口铸铁", True),     # risky material whatever the age
    ("water_supply", 2020, "Grey Cast Iron", True),
    ("water_supply", 2020, "镀锌钢管", True),
    ("water_supply", 2020, "石棉水泥管", True),
    ("water_supply", 2020, "球墨铸铁（水泥砂浆内衬）", False),  # lining in brackets is not cement pipe
    ("gas", 2006, "钢", False),
    ("gas", 2005, "PE", True),
    ("drainage", 1980, "混凝土", False),          # 45 < 50 years, reinforced concrete is not risky
    ("drainage", 1990, "素混凝土", True),
    ("heating", 2005, "钢", True),
    ("power", 2010, "油浸纸绝缘电缆", True),
    ("telecom", 2015, "铜缆", True),
    ("telecom", 2015, "光缆", False),
    ("water_supply", None, None, False),          # unknown year, unknown material: not aged, flagged
])
def test_segment_condition_per_rule(kind, year, material, aged):
    p = pipes([{"kind": kind, "install_year": year, "material": material, "xy": [(0, 0), (10, 0)]}])
    cond = segment_condition(p, rules=RULES)
    assert bool(cond["aged"].iloc[0]) is aged
    assert bool(cond["unknown_year"].iloc[0]) is (year is None)
    assert cond["length_m"].iloc[0] == pytest.approx(10.0)


def test_segment_condition_configurable_and_input_untouched():
    p = pipes([{"kind": "water_supply", "install_year": 2000, "material": "PE", "xy": [(0, 0), (10, 0)]}])
    before = p.copy()
    assert not segment_condition(p, rules=RULES)["aged"].iloc[0]
    stricter = PipelineRules(reference_year=2025, service_life_years={"water_supply": 20},
                             risky_materials={"water_supply": ("pe",)})
    cond = segment_condition(p, rules=stricter)
    assert cond[["too_old", "risky_material"]].iloc[0].tolist() == [True, True]
    pd.testing.assert_frame_equal(p, before)


def test_segment_condition_refuses_degrees():
    p = pipes([{"xy": [(0, 0), (10, 0)]}]).to_crs(4326)
    with pytest.raises(CRSError, match="degrees"):
        segment_condition(p, rules=RULES)


# --- overlay -----------------------------------------------------------------------------------

def test_overlay_inside_and_service_lengths():
    c = homes(("a", 0, 0, 100, 100), ("b", 300, 0, 400, 100))
    p = pipes([
        {"xy": [(10, 50), (90, 50)]},            # inside a: 80 m
        {"xy": [(0, 120), (100, 120)]},          # 20 m north of a: service only
        {"xy": [(-50, 50), (50, 50)]},           # half inside a, 30 m of the rest within 30 m
        {"xy": [(200, 50), (250, 50)]},          # 100 m from a, 50 m from b: nothing
        {"xy": [(320, -10), (320, 110)]},        # crosses b: 100 inside, 120 within 30 m
    ])
    ov = overlay_pipelines(c, p, service_m=30)
    got = {(int(a), int(s)): (round(i, 6), round(v, 6)) for a, s, i, v in ov.to_numpy()}
    assert got == {(0, 0): (80.0, 80.0), (0, 1): (0.0, 100.0), (0, 2): (50.0, 80.0), (1, 4): (100.0, 120.0)}


def test_overlay_refuses_mixed_or_geographic_crs():
    c = homes(("a", 0, 0, 10, 10))
    p = pipes([{"xy": [(0, 0), (10, 0)]}])
    with pytest.raises(CRSError, match="different CRSs"):
        overlay_pipelines(c, p.set_crs(4543, allow_override=True))
    with pytest.raises(CRSError, match="degrees"):
        overlay_pipelines(c.to_crs(4326), p)


def test_overlay_does_not_prepare_callers_geometries():
    import shapely
    c = homes(("a", 0, 0, 100, 100))
    overlay_pipelines(c, pipes([{"xy": [(10, 50), (90, 50)]}]))
    assert not shapely.is_prepared(np.asarray(c.geometry.array)).any()


def test_pipeline_table_sums_and_shares():
    c = homes(("a", 0, 0, 100, 100), ("empty", 1000, 1000, 1100, 1100))
    p = pipes([
        {"xy": [(10, 50), (90, 50)], "install_year": 1980},                          # aged, 80 m
        {"xy": [(10, 60), (30, 60)], "install_year": None},                         # unknown, 20 m
        {"xy": [(10, 70), (110, 70)], "install_year": 2020},                        # 100 m near
        {"xy": [(10, 80), (50, 80)], "kind": "power", "placement": "overhead", "install_year": 2020},
    ])
    t = pipeline_table(c, p, rules=RULES)
    assert len(t) == 2 * 6
    water = t[(t["community_id"] == "a") & (t["kind"] == "water_supply")].iloc[0]
    assert water["segments"] == 3
    assert water["length_inside_m"] == pytest.approx(190.0)
    assert water["length_service_m"] == pytest.approx(200.0)
    assert water["aged_m"] == pytest.approx(80.0)
    assert water["unknown_year_m"] == pytest.approx(20.0)
    assert water["aged_share"] == pytest.approx(0.4)
    power = t[(t["community_id"] == "a") & (t["kind"] == "power")].iloc[0]
    assert power["overhead_m"] == pytest.approx(40.0)
    empty = t[t["community_id"] == "empty"]
    assert (empty["length_service_m"] == 0).all() and (empty["aged_share"] == 0).all()


def test_pipeline_table_needs_unique_ids():
    c = homes(("a", 0, 0, 10, 10), ("a", 20, 0, 30, 10))
    with pytest.raises(SchemaError, match="unique"):
        pipeline_table(c, pipes([{"xy": [(0, 0), (10, 0)]}]), rules=RULES)


def test_same_result_whatever_the_row_order():
    c = homes(("a", 0, 0, 100, 100), ("b", 130, 0, 230, 100))
    p = pipes([{"xy": [(0, 115), (230, 115)], "install_year": 1980},
               {"xy": [(115, -50), (115, 150)], "install_year": 2010, "kind": "gas"},
               {"xy": [(20, 20), (80, 80)], "install_year": 1960, "kind": "gas"}])
    a = pipeline_table(c, p, rules=RULES).set_index(["community_id", "kind"]).sort_index()
    b = pipeline_table(c.iloc[::-1], p.iloc[::-1], rules=RULES).set_index(["community_id", "kind"]).sort_index()
    pd.testing.assert_frame_equal(a, b)


# --- needs -------------------------------------------------------------------------------------

def _need_for(aged_m: float, total_m: float = 100.0, rules: PipelineRules = RULES) -> pd.Series:
    t = pd.DataFrame({"community_id": ["a"], "kind": ["water_supply"], "length_service_m": [total_m],
                      "aged_m": [aged_m], "old_m": [aged_m], "risky_m": [0.0], "unknown_year_m": [0.0],
                      "aged_share": [aged_m / total_m if total_m else 0.0]})
    return renovation_needs(t, rules=rules).iloc[0]


@pytest.mark.parametrize("aged_m, need", [
    (0.0, "none"), (9.9, "none"), (10.0, "partial"), (49.9, "partial"), (50.0, "full"), (100.0, "full"),
])
def test_need_thresholds(aged_m, need):
    assert _need_for(aged_m)["need"] == need


def test_need_thresholds_configurable():
    rules = PipelineRules(reference_year=2025, partial_share=0.3, full_share=0.8)
    assert [_need_for(x, rules=rules)["need"] for x in (29, 30, 79, 80)] == ["none", "partial", "partial", "full"]


def test_need_reason_words():
    row = _need_for(62.0)
    assert row["need"] == "full" and row["need_zh"] == "全面改造"
    assert row["reason_en"] == "62 % of water supply length is aged (30+ years old: 62 %; risky material: 0 %)"
    assert row["reason_zh"] == "给水管线62%已老化（运行满30年62%，高风险管材0%）"


def test_need_without_pipes_says_so():
    row = _need_for(0.0, total_m=0.0)
    assert row["need"] == "none"
    assert row["reason_en"] == "no water supply pipeline in it or within 30 m"
    assert row["reason_zh"] == "范围内及周边30米内无给水管线"


def test_need_reason_mentions_unknown_years():
    t = pd.DataFrame({"community_id": ["a"], "kind": ["gas"], "length_service_m": [100.0], "aged_m": [20.0],
                      "old_m": [20.0], "risky_m": [0.0], "unknown_year_m": [40.0], "aged_share": [0.2]})
    row = renovation_needs(t, rules=RULES).iloc[0]
    assert "install year unknown for 40 %" in row["reason_en"]
    assert "40%埋设年代不详" in row["reason_zh"]


def test_needs_wide_one_column_per_kind():
    c = homes(("a", 0, 0, 100, 100), ("b", 300, 0, 400, 100))
    p = pipes([{"xy": [(10, 50), (90, 50)], "install_year": 1980}])
    wide = needs_wide(renovation_needs(pipeline_table(c, p, rules=RULES), rules=RULES))
    assert wide["community_id"].tolist() == ["a", "b"]
    assert wide.loc[0, "need_water_supply"] == "full" and wide.loc[1, "need_water_supply"] == "none"
    assert [c for c in wide.columns if c.startswith("need_")] == [
        "need_water_supply", "need_drainage", "need_gas", "need_heating", "need_power", "need_telecom"]


# --- operators and the lead telecom operator ---------------------------------------------------

def test_operator_table_adds_up_to_the_table():
    c = homes(("a", 0, 0, 100, 100))
    p = pipes([
        {"xy": [(10, 50), (90, 50)], "kind": "telecom", "operator": "电信", "install_year": 1990},
        {"xy": [(10, 60), (50, 60)], "kind": "telecom", "operator": "移动"},
        {"xy": [(10, 70), (60, 70)], "kind": "telecom", "operator": None},
    ])
    ops = operator_table(c, p, rules=RULES)
    assert ops["operator"].tolist() == ["电信", None, "移动"]
    t = pipeline_table(c, p, rules=RULES)
    tel = t[t["kind"] == "telecom"].iloc[0]
    assert ops["length_service_m"].sum() == pytest.approx(tel["length_service_m"])
    assert ops["aged_m"].sum() == pytest.approx(tel["aged_m"])


def test_lead_telecom_by_length_and_by_planner():
    z = gpd.GeoDataFrame({"zone_id": ["Z1", "Z2", "Z3"]},
                         geometry=[box(X0, Y0, X0 + 100, Y0 + 100), box(X0 + 500, Y0, X0 + 600, Y0 + 100),
                                   box(X0 + 2000, Y0, X0 + 2100, Y0 + 100)], crs=CRS)
    p = pipes([
        {"xy": [(10, 50), (90, 50)], "kind": "telecom", "operator": "电信"},
        {"xy": [(10, 60), (40, 60)], "kind": "telecom", "operator": "移动"},
        {"xy": [(510, 50), (590, 50)], "kind": "telecom", "operator": "联通"},
        {"xy": [(2010, 50), (2090, 50)], "kind": "power", "operator": "供电"},
    ])
    ops = operator_table(z, p, id_column="zone_id", rules=RULES)
    lead = lead_telecom(ops, choices={"Z2": "电信"}).set_index("zone_id")
    assert lead.loc["Z1", ["lead_operator", "chosen_by"]].tolist() == ["电信", "length"]
    assert lead.loc["Z1", "lead_length_m"] == pytest.approx(80.0)
    assert lead.loc["Z1", "lead_share"] == pytest.approx(80 / 110, abs=1e-3)
    assert lead.loc["Z1", "operators"] == "电信 80 m; 移动 30 m"
    assert lead.loc["Z2", ["lead_operator", "chosen_by", "lead_length_m"]].tolist() == ["电信", "planner", 0.0]
    assert lead.loc["Z3", "lead_operator"] is None and lead.loc["Z3", "chosen_by"] is None
    with pytest.raises(SchemaError, match="unknown zone"):
        lead_telecom(ops, choices={"Z9": "电信"})


# --- work lists --------------------------------------------------------------------------------

@pytest.fixture
def small_town():
    c = homes(("a", 0, 0, 100, 100), ("b", 130, 0, 230, 100), ("c", 1000, 0, 1100, 100))
    z = gpd.GeoDataFrame({"zone_id": ["Z1"], "members": [["a", "b"]]},
                         geometry=[box(X0, Y0, X0 + 230, Y0 + 100)], crs=CRS)
    p = pipes([
        {"xy": [(0, 115), (100, 115)], "install_year": 1980, "operator": "水司"},             # a
        {"xy": [(130, 110), (230, 110)], "install_year": 1980, "operator": "水司",
         "kind": "drainage", "material": "素混凝土"},                                          # b
        {"xy": [(1000, 120), (1100, 120)], "install_year": 1970, "operator": "水司"},         # c, no zone
        {"xy": [(500, 500), (600, 500)], "install_year": 1970, "operator": "水司"},           # outside
        {"xy": [(0, 105), (230, 105)], "install_year": 2015, "operator": "水司"},             # new: not listed
        {"xy": [(10, 90), (90, 90)], "kind": "power", "operator": "供电", "placement": "overhead",
         "install_year": 2018},                                                               # overhead in a
        {"xy": [(140, 120), (220, 120)], "kind": "telecom", "operator": "电信", "install_year": 1990},
        {"xy": [(150, 125), (210, 125)], "kind": "telecom", "operator": None, "install_year": 1990},
    ])
    return c, z, p


def test_assign_segments_each_once(small_town):
    c, z, p = small_town
    a = assign_segments(p, c, zones=z)
    # p5 runs along both a and b, 130 m within 30 m of each: a tie goes to the first community
    assert a["community_id"].tolist() == ["a", "b", "c", None, "a", "a", "b", "b"]
    assert a["zone_id"].tolist() == ["Z1", "Z1", None, None, "Z1", "Z1", "Z1", "Z1"]
    # without members, the zone comes from the outline
    a2 = assign_segments(p, c, zones=z.drop(columns="members"))
    assert a2["zone_id"].tolist()[:4] == ["Z1", "Z1", None, None]


def test_work_list_adds_up_to_the_layer(small_town):
    c, z, p = small_town
    cond = segment_condition(p, rules=RULES)
    work = work_list(p, c, zones=z, rules=RULES, condition=cond)
    listed = cond["aged"] | cond["overhead"]
    assert len(work) == int(listed.sum()) == 7
    assert set(work["pipeline_id"]) == set(p.loc[listed, "pipeline_id"])
    assert work["length_m"].sum() == pytest.approx(cond.loc[listed, "length_m"].sum())
    # per operator: the work list equals that operator's aged + overhead length in the layer
    op = p["operator"].astype(object).fillna("未注明权属单位")
    layer = cond["length_m"].where(listed, 0).groupby(op).sum()
    lists = work.assign(operator=work["operator"].astype(object).fillna("未注明权属单位")).groupby(
        "operator")["length_m"].sum()
    pd.testing.assert_series_equal(lists.sort_index(), layer[layer > 0].sort_index(), check_names=False)
    summary = operator_summary(work, p, cond).set_index("operator")
    assert summary["length_m"].sum() == pytest.approx(cond["length_m"].sum())
    assert summary["listed_m"].sum() == pytest.approx(work["length_m"].sum())
    assert (summary["in_communities_m"] + summary["outside_m"]).sum() == pytest.approx(work["length_m"].sum())
    assert summary.loc["水司", "outside_m"] == pytest.approx(100.0)
    assert summary.loc["水司", "listed_segments"] == 4


def test_work_list_rows_and_words(small_town):
    c, z, p = small_town
    work = work_list(p, c, zones=z, rules=RULES).set_index("pipeline_id")
    assert work.loc["p1", ["operator", "zone_id", "community_id", "work", "phase"]].tolist() == [
        "水司", "Z1", "a", "replace", "underground"]
    assert work.loc["p1", "reason_en"] == "45 years old, water supply service life 30 years"
    assert work.loc["p1", "reason_zh"] == "运行45年，达到给水管线使用年限30年"
    assert work.loc["p2", "reason_en"] == "risky material (素混凝土)"
    assert work.loc["p6", ["work", "phase"]].tolist() == ["overhead", "aerial"]
    assert work.loc["p6", "reason_zh"] == "架空敷设"
    assert work.loc["p4", "community_id"] is None
    assert isinstance(work, gpd.GeoDataFrame) and work.crs.to_epsg() == CRS
    # sorted by operator, zone, community
    again = work_list(p, c, zones=z, rules=RULES)
    assert again["operator"].fillna("\uffff").is_monotonic_increasing


def test_write_work_lists_round_trip(small_town, tmp_path):
    c, z, p = small_town
    work = work_list(p, c, zones=z, rules=RULES)
    files = write_work_lists(work, tmp_path / "lists")
    assert sorted(files["operator"]) == sorted(["水司", "供电", "电信", "未注明权属单位"])
    assert files["segments"].sum() == len(work)
    for row in files.itertuples():
        table = pd.read_csv(tmp_path / "lists" / row.csv, encoding="utf-8-sig")
        geo = gpd.read_file(tmp_path / "lists" / row.geojson)
        assert len(table) == len(geo) == row.segments
        assert table["length_m"].sum() == pytest.approx(row.length_m)
        assert geo.crs.to_epsg() == 4326
        assert set(geo["pipeline_id"]) == set(table["pipeline_id"])
        doc = json.loads((tmp_path / "lists" / row.geojson).read_text(encoding="utf-8"))
        assert "crs" not in doc  # RFC 7946
    back = gpd.read_file(tmp_path / "lists" / files.loc[files["operator"] == "水司", "geojson"].iloc[0]).to_crs(CRS)
    orig = work[work["operator"] == "水司"]
    assert np.allclose(sorted(back.length), sorted(orig.length), atol=0.01)


# --- phasing -----------------------------------------------------------------------------------

def test_phase_works_underground_ground_aerial(small_town):
    c, z, p = small_town
    work = work_list(p, c, zones=z, rules=RULES)
    phases = phase_works(work)
    assert set(phases["zone_id"]) == {"Z1"}
    assert phases["phase"].tolist() == ["underground", "underground", "underground", "underground", "ground",
                                        "aerial"]
    # deepest first: drainage before water before telecom
    assert phases["kind"].tolist()[:4] == ["drainage", "water_supply", "telecom", "telecom"]
    assert phases["step"].tolist() == [1, 2, 3, 4, 5, 6]
    ground = phases[phases["phase"] == "ground"].iloc[0]
    under = phases[phases["phase"] == "underground"]
    assert ground["length_m"] == pytest.approx(under["length_m"].sum())
    assert ground["phase_zh"].startswith("地面") and phases["phase_zh"].iloc[-1].startswith("空中")
    assert phases["item_zh"].iloc[-1] == "电力架空线规整或入地"
    by_community = phase_works(work, by="community_id")
    assert set(by_community["community_id"]) == {"a", "b", "c"}


def test_multilinestring_segments_are_measured():
    c = homes(("a", 0, 0, 100, 100))
    geom = MultiLineString([[(X0 + 10, Y0 + 10), (X0 + 20, Y0 + 10)], [(X0 + 30, Y0 + 10), (X0 + 50, Y0 + 10)]])
    p = gpd.GeoDataFrame({"pipeline_id": ["m"], "kind": ["gas"], "install_year": [1980]}, geometry=[geom], crs=CRS)
    t = pipeline_table(c, p, rules=RULES)
    assert t.loc[t["kind"] == "gas", "length_inside_m"].iloc[0] == pytest.approx(30.0)


def test_demo_city_figures(demo):
    """The demo city: every segment is accounted for, and old networks need the most work."""
    c, p = demo.layers["communities"], demo.layers["pipelines"]
    rules = PipelineRules(reference_year=2026)
    cond = segment_condition(p, rules=rules)
    table = renovation_needs(pipeline_table(c, p, rules=rules, condition=cond), rules=rules)
    assert len(table) == len(c) * 6
    assert (table["length_service_m"] >= table["length_inside_m"] - 1e-6).all()
    # every community has every kind nearby but gas in the 38 with no gas service
    water = table[table["kind"] == "water_supply"]
    assert (water["length_service_m"] > 0).all()
    old = set(c.loc[c["build_year"] < 1990, "community_id"])
    full_old = water[water["community_id"].isin(old)]["need"].eq("full").mean()
    full_new = water[~water["community_id"].isin(old)]["need"].eq("full").mean()
    assert full_old > full_new
    work = work_list(p, c, rules=rules, condition=cond)
    summary = operator_summary(work, p, cond)
    assert summary["length_m"].sum() == pytest.approx(cond["length_m"].sum(), rel=1e-9)
    assert summary["listed_m"].sum() == pytest.approx(work["length_m"].sum(), rel=1e-9)
    assert len(summary) == 9
