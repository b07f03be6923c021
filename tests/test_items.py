"""Renovation items derived from hand-made communities, zones, and planner edits."""

import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely import Point, box

from geo.errors import SchemaError
from geo.planning.items import COLUMNS, ITEMS, ItemRules, add_item, apply_edits, remove_items, renovation_items


def homes(rows, **extra):
    base = {"build_year": 1990, "households": 60, "buildings": 2, "floors_max": 4, "floor_area_m2": 4800.0,
            "property_mgmt": "professional"}
    records = [{**base, **r} for r in rows]
    geoms = [box(i * 100, 0, i * 100 + 80, 60) for i in range(len(records))]
    frame = gpd.GeoDataFrame(records, geometry=geoms, crs=4538)
    for k, v in extra.items():
        frame[k] = v
    return frame


def of(items, unit_id, item):
    return items[(items["unit_id"] == unit_id) & (items["item"] == item)]


def test_columns_and_categories():
    items = renovation_items(homes([{"community_id": "a"}]), year=2025)
    assert list(items.columns) == list(COLUMNS)
    assert set(items["category"]) <= {"basic", "improvement", "upgrading"}
    assert (items["source"] == "derived").all() and (items["unit_kind"] == "community").all()
    assert items["label_zh"].str.len().gt(0).all() and items["reason_en"].str.len().gt(0).all()


def test_walk_up_without_lift_gets_a_lift_item():
    frame = homes([{"community_id": "walkup", "floors_max": 4, "buildings": 3},
                   {"community_id": "partly", "floors_max": 6, "buildings": 3},
                   {"community_id": "low", "floors_max": 3},
                   {"community_id": "tower", "floors_max": 18, "buildings": 2}],
                  lifts=[0, 2, 0, 4])
    items = renovation_items(frame, year=2025)
    lift = items[items["item"] == "lift_retrofit"].set_index("unit_id")
    assert lift["quantity"].to_dict() == {"walkup": 3.0, "partly": 1.0}
    assert lift.loc["walkup", "unit"] == "lift" and lift.loc["walkup", "category"] == "improvement"
    assert "0 lift(s) recorded" in lift.loc["walkup", "reason_en"]


def test_no_lifts_column_says_no_lift_recorded_and_tall_buildings_are_assumed_to_have_lifts():
    frame = homes([{"community_id": "walkup", "floors_max": 5}, {"community_id": "tower", "floors_max": 11}])
    items = renovation_items(frame, year=2025)
    lift = items[items["item"] == "lift_retrofit"]
    assert lift["unit_id"].tolist() == ["walkup"]
    assert "no lift recorded" in lift["reason_en"].iloc[0] and "未记录电梯" in lift["reason_zh"].iloc[0]
    every = renovation_items(frame, year=2025, rules=ItemRules(assume_lift_from_floors=None))
    assert every.loc[every["item"] == "lift_retrofit", "unit_id"].tolist() == ["walkup", "tower"]


def test_roof_wall_stairwell_quantities_and_ages():
    frame = homes([{"community_id": "old", "build_year": 1990, "buildings": 1, "floors_max": 6,
                    "floor_area_m2": 3600.0, "households": 36},
                   {"community_id": "new", "build_year": 2015}])
    items = renovation_items(frame, year=2025)
    assert of(items, "old", "roof_waterproofing")["quantity"].item() == 600.0      # 3600 / 6
    # one slab of 600 m2, 12 m deep: 50 x 12 m, perimeter 124 m, 6 floors of 2.9 m
    assert of(items, "old", "wall_insulation")["quantity"].item() == pytest.approx(124 * 6 * 2.9)
    assert of(items, "old", "stairwell")["quantity"].item() == 36.0
    assert of(items, "new", "roof_waterproofing").empty and of(items, "new", "wall_insulation").empty
    young = renovation_items(frame, year=2025, rules=ItemRules(roof_min_age_years=40))
    assert of(young, "old", "roof_waterproofing").empty


def test_unknown_floor_area_keeps_the_item_with_unknown_quantity():
    items = renovation_items(homes([{"community_id": "a", "floor_area_m2": None}]), year=2025)
    assert np.isnan(of(items, "a", "roof_waterproofing")["quantity"].item())


def needs_table():
    return pd.DataFrame({
        "community_id": ["a"] * 4 + ["b"] * 2,
        "kind": ["water_supply", "gas", "power", "telecom", "water_supply", "power"],
        "length_service_m": [200.0, 100.0, 80.0, 60.0, 50.0, 0.0],
        "aged_m": [60.0, 90.0, 0.0, 0.0, 0.0, 0.0],
        "overhead_m": [0.0, 0.0, 30.0, 25.0, 0.0, 0.0],
        "need": ["partial", "full", "none", "none", "none", "none"],
        "reason_zh": ["给水", "燃气", "", "", "", ""], "reason_en": ["water", "gas", "", "", "", ""]})


def test_pipeline_items_partial_is_aged_length_full_is_service_length_listed_first():
    frame = homes([{"community_id": "a"}, {"community_id": "b"}])
    items = renovation_items(frame, needs=needs_table(), year=2025)
    assert of(items, "a", "pipe_water_supply")["quantity"].item() == 60.0
    assert of(items, "a", "pipe_gas")["quantity"].item() == 100.0
    assert of(items, "a", "pipe_power").empty and of(items, "b", "pipe_water_supply").empty
    assert of(items, "a", "overhead_lines")["quantity"].item() == 55.0
    assert of(items, "b", "overhead_lines").empty
    a = items[items["unit_id"] == "a"]["item"].tolist()
    assert a[:3] == ["pipe_water_supply", "pipe_gas", "overhead_lines"]    # underground first
    assert "full renewal" in of(items, "a", "pipe_gas")["reason_en"].item()
    no_overhead = renovation_items(frame, needs=needs_table().drop(columns="overhead_m"), year=2025)
    assert (no_overhead["item"] != "overhead_lines").all()
    assert any("overhead" in n["en"] for n in no_overhead.attrs["notes"])


def gaps_table(served):
    """served: {(community, kind): bool}"""
    return pd.DataFrame([{"community_id": c, "kind": k, "served": s, "distance_m": 100.0 if s else 900.0,
                          "circle_m": 500.0, "method": "straight_line", "facility_id": None}
                         for (c, k), s in served.items()])


def test_facility_items_per_community_and_once_per_zone():
    frame = homes([{"community_id": x} for x in "abc"])
    gaps = gaps_table({("a", "clinic"): False, ("b", "clinic"): True, ("c", "clinic"): False,
                       ("a", "elderly_care"): False, ("b", "elderly_care"): False, ("c", "elderly_care"): False,
                       ("a", "ev_charging"): False, ("b", "ev_charging"): True, ("c", "ev_charging"): True,
                       ("a", "school"): False})
    alone = renovation_items(frame, gaps=gaps, year=2025)
    assert sorted(alone.loc[alone["item"] == "clinic", "unit_id"]) == ["a", "c"]
    assert of(alone, "a", "clinic")["category"].item() == "upgrading"
    assert of(alone, "a", "ev_charging")["category"].item() == "improvement"
    assert (alone["item"] != "school").all()
    assert "900" in of(alone, "a", "clinic")["reason_en"].item()
    zoned = renovation_items(frame, gaps=gaps, zone_of={"a": "Z1", "b": "Z1"}, year=2025)
    shared = zoned[zoned["unit_kind"] == "zone"]
    # a zone is served when any member is: only elderly care is missing for Z1
    assert shared[["unit_id", "item"]].values.tolist() == [["Z1", "elderly_care"]]
    assert of(zoned, "c", "clinic")["unit_kind"].item() == "community"
    assert not of(zoned, "a", "roof_waterproofing").empty          # building items stay per community
    assert zoned["unit_id"].tolist()[-1] == "Z1"                   # zones after the communities


def test_property_office_per_zone_and_stand_alone():
    frame = homes([{"community_id": "a", "property_mgmt": "self"},
                   {"community_id": "b", "property_mgmt": "none"},
                   {"community_id": "c", "property_mgmt": "self"},
                   {"community_id": "d", "property_mgmt": "self"},
                   {"community_id": "e", "property_mgmt": "professional"},
                   {"community_id": "f", "property_mgmt": None}])
    # an office point inside b's footprint (x 100-180)
    facilities = gpd.GeoDataFrame({"facility_id": ["F1", "F2"], "kind": ["property_office", "clinic"]},
                                  geometry=[Point(150, 30), Point(250, 30)], crs=4538)
    zone_of = {"a": "Z1", "b": "Z1", "c": "Z2", "d": "Z2"}
    items = renovation_items(frame, zone_of=zone_of, facilities=facilities, year=2025)
    office = items[items["item"] == "property_office"]
    assert office[["unit_id", "unit_kind"]].values.tolist() == [["f", "community"], ["Z2", "zone"]]
    without_layer = renovation_items(frame, zone_of=zone_of, year=2025)
    assert sorted(without_layer.loc[without_layer["item"] == "property_office", "unit_id"]) == ["Z1", "Z2", "f"]
    assert any("property offices" in n["en"] for n in without_layer.attrs["notes"])


def test_inputs_are_not_mutated():
    frame = homes([{"community_id": "a"}])
    needs = needs_table()
    before_f, before_n = frame.copy(), needs.copy()
    renovation_items(frame, needs=needs, year=2025)
    pd.testing.assert_frame_equal(frame, before_f)
    pd.testing.assert_frame_equal(needs, before_n)


# --- planner edits ----------------------------------------------------------------------------

def test_add_replaces_remove_drops_and_the_input_is_kept():
    items = renovation_items(homes([{"community_id": "a"}]), year=2025)
    edited = add_item(items, "a", "lift_retrofit", quantity=1, reason_en="one lift only")
    assert of(edited, "a", "lift_retrofit")[["quantity", "source"]].values.tolist() == [[1.0, "planner"]]
    assert of(items, "a", "lift_retrofit")["quantity"].item() == 2.0       # the original is untouched
    assert len(remove_items(edited, "a", "stairwell")) == len(edited) - 1
    custom = add_item(items, "a", "mural", quantity=1, category="upgrading", unit="item",
                      label_zh="文化墙", label_en="mural")
    assert of(custom, "a", "mural")["unit"].item() == "item"


def test_edit_errors():
    items = pd.DataFrame(columns=list(COLUMNS))
    with pytest.raises(SchemaError, match="not a known item code"):
        add_item(items, "a", "mural", quantity=1)
    with pytest.raises(SchemaError, match="quantity"):
        add_item(items, "a", "fitness", quantity=-1)
    with pytest.raises(SchemaError, match="category"):
        add_item(items, "a", "fitness", quantity=1, category="luxury")
    with pytest.raises(SchemaError, match="edit 1 has action"):
        apply_edits(items, [{"action": "move", "unit_id": "a", "item": "fitness"}])
    with pytest.raises(SchemaError, match="edit 2 lacks"):
        apply_edits(items, [{"action": "add", "unit_id": "a", "item": "fitness", "quantity": 1},
                            {"action": "remove", "unit_id": "a"}])


def test_saved_edits_replay_after_a_json_round_trip():
    frame = homes([{"community_id": "a"}, {"community_id": "b"}])
    derived = renovation_items(frame, year=2025)
    edits = [{"action": "remove", "unit_id": "a", "item": "wall_insulation"},
             {"action": "add", "unit_id": "b", "item": "ev_charging", "quantity": 2, "reason_zh": "居民要求",
              "reason_en": "residents asked"}]
    replayed = apply_edits(derived, json.loads(json.dumps(edits, ensure_ascii=False)))
    assert of(replayed, "a", "wall_insulation").empty
    assert of(replayed, "b", "ev_charging")[["quantity", "source"]].values.tolist() == [[2.0, "planner"]]
    assert len(replayed) == len(derived)


def test_every_item_has_labels_and_a_known_unit():
    for code, (category, zh, en, unit) in ITEMS.items():
        assert category in ("basic", "improvement", "upgrading") and zh and en
        assert unit in ("m", "m2", "lift", "household", "building", "site", "item"), code


def test_demo_city_items(demo):
    from geo.pipelines.overlay import pipeline_table, renovation_needs

    c = demo.layers["communities"].iloc[:60]
    needs = renovation_needs(pipeline_table(c, demo.layers["pipelines"]))
    items = renovation_items(c, needs=needs, facilities=demo.layers["facilities"], year=2025)
    assert set(items["unit_id"]) <= set(c["community_id"])
    assert (items["quantity"].dropna() >= 0).all()
    pipes = items[items["item"].str.startswith("pipe_")]
    assert len(pipes) and (pipes["unit"] == "m").all()
