"""Analysis layers (zones, pairs, selection) and the community colour schemes."""

import json

import folium
import geopandas as gpd
import pandas as pd
from shapely.geometry import LineString, box

from layers import build_map
from layers.analysis import (BROKEN_COLOUR, member_frame, pair_status, pairs_group, selection_group,
                             zone_colour, zones_group)
from layers.legend import legend_sections
from layers.styles import COMMUNITY_SCHEMES, community_scheme_style


def _homes() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"community_id": ["a", "b", "c"], "name": ["甲", "乙", "丙"], "households": [80, 250, 1200],
         "build_year": [1985, 1995, 2010], "property_mgmt": ["none", "self", "professional"],
         "eligibility": ["candidate", "candidate", "not_eligible"]},
        geometry=[box(0, 0, 50, 50), box(50, 0, 100, 50), box(200, 0, 260, 60)], crs=4538)


def _geojson_layers(group) -> list:
    return [child for child in group._children.values() if child.__class__.__name__ == "GeoJson"]


def test_zones_group_colours_members_and_marks_broken_zones():
    homes = _homes()
    zones = gpd.GeoDataFrame({"zone_id": ["Z1", "Z2"], "households": [330, 1200], "n_members": [2, 1],
                              "span_m": [100.0, 85.0], "street": ["s", "s"], "violations": [0, 2]},
                             geometry=[box(0, 0, 100, 50), box(200, 0, 260, 60)], crs=4538)
    members = member_frame(homes, {"a": "Z1", "b": "Z1", "c": "Z2"})
    group = zones_group(zones, members=members, lang="en")
    fill, outline = _geojson_layers(group)
    member_feature = fill.data["features"][0]
    assert member_feature["properties"] == {"community_id": "a", "name": "甲", "zone_id": "Z1"}
    assert fill.style_function(member_feature)["fillColor"] == zone_colour("Z1")
    styles = {f["id"]: outline.style_function(f) for f in outline.data["features"]}
    assert styles["Z2"]["color"] == BROKEN_COLOUR and styles["Z2"]["dashArray"]
    assert styles["Z1"]["color"] == zone_colour("Z1")
    # one label per zone, in lon/lat
    m = folium.Map(tiles=None)
    group.add_to(m)
    page = m.get_root().render()
    assert "zone-label" in page
    labels = next(c for c in group._children.values() if c.__class__.__name__ == "_Labels")
    assert [row[2] for row in json.loads(labels.rows_json)] == ["Z1", "Z2"]  # one label per zone
    assert labels.rows_json in page


def test_member_frame_keeps_only_placed_communities():
    frame = member_frame(_homes(), {"b": "Z9"})
    assert frame["community_id"].tolist() == ["b"] and frame["zone_id"].tolist() == ["Z9"]


def test_pairs_say_why_they_are_cut_in_both_languages():
    pairs = gpd.GeoDataFrame(
        {"a": ["a", "b"], "b": ["b", "c"], "gap_m": [0.0, 40.0], "reason": [None, "barrier"],
         "barrier_kind": [None, "railway"], "barrier_name": [None, "兰新铁路"]},
        geometry=[LineString([(50, 10), (50, 10.1)]), LineString([(100, 10), (200, 10)])], crs=4538)
    assert pair_status(pairs, "zh") == ["可合并", "被铁路“兰新铁路”隔开"]
    (layer,) = _geojson_layers(pairs_group(pairs, lang="en"))
    props = [f["properties"]["status"] for f in layer.data["features"]]
    assert props == ["may merge", "cut by the railway 兰新铁路"]
    assert layer.style_function(layer.data["features"][1])["color"] == BROKEN_COLOUR


def test_selection_group_is_empty_without_selection():
    homes = _homes()
    assert _geojson_layers(selection_group(homes.iloc[:0])) == []
    (layer,) = _geojson_layers(selection_group(homes.iloc[:1]))
    assert layer.data["features"][0]["id"] == "a"


def test_every_colour_scheme_styles_and_has_a_legend():
    homes = _homes()
    for scheme, (_title, column, _classify, classes) in COMMUNITY_SCHEMES.items():
        fills = {community_scheme_style(scheme, v)["fillColor"] for v in homes[column]}
        assert fills <= {c["fill"] for c in classes.values()}
        (section,) = legend_sections({"communities": list(homes[column])}, lang="en", colour_by=scheme)
        assert section.items
    assert community_scheme_style("property_mgmt", "none")["fillColor"] != \
        community_scheme_style("property_mgmt", "professional")["fillColor"]


def test_build_map_colours_by_the_chosen_scheme_and_offers_drawing():
    html = build_map({"communities": _homes()}, lang="en", colour_by="eligibility", draw=True,
                     asset_base_url="static").get_root().render()
    assert "Eligibility for renovation" in html and "merge candidate" in html
    assert "L.Control.Draw" in html


def test_unknown_scheme_is_refused():
    import pytest
    with pytest.raises(ValueError, match="colour_by"):
        build_map({"communities": _homes()}, colour_by="age")


def test_gcj02_basemap_shift_is_for_display_and_drawings_come_back():
    from layers.geojson import for_basemap, from_basemap

    homes = _homes()
    homes = homes.set_geometry(homes.translate(524000, 4874000))  # in Changji
    true = homes.to_crs(4326)
    shifted = for_basemap(homes, "gcj02")
    # Changji is inside China: GCJ-02 moves points by a few hundred metres
    offset = shifted.geometry.iloc[0].centroid.distance(true.geometry.iloc[0].centroid)
    assert 0.001 < offset < 0.01
    assert homes.crs.to_epsg() == 4538  # the input is untouched
    back = from_basemap(shifted.geometry.iloc[0], "gcj02")
    assert back.centroid.distance(true.geometry.iloc[0].centroid) < 1e-7  # < 1 cm
    assert for_basemap(homes, "wgs84").geometry.iloc[0].equals(true.geometry.iloc[0])
    import pytest
    with pytest.raises(ValueError, match="BD-09"):
        for_basemap(homes, "bd09")


def test_the_legend_can_start_folded():
    folded = build_map({"communities": _homes()}, legend_open=False, asset_base_url="static").get_root().render()
    unfolded = build_map({"communities": _homes()}, asset_base_url="static").get_root().render()
    assert "\\u003cdetails\\u003e" in folded or "<details>" in folded
    assert "details open" in unfolded and "details open" not in folded
