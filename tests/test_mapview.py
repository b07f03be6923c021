"""ui.mapview hands the front-end component what st_folium would, from a map rendered once."""

import folium
import geopandas as gpd
import streamlit_folium
from shapely.geometry import box

from layers import build_map
from layers.analysis import zones_group
from ui import mapview


def _map():
    homes = gpd.GeoDataFrame({"community_id": ["a"], "name": ["甲"], "build_year": [1985]},
                             geometry=[box(87.30, 44.01, 87.301, 44.011)], crs=4326)
    return build_map({"communities": homes}, asset_base_url="static")


def _capture(monkeypatch) -> dict:
    calls = {}

    def fake(**kwargs):
        calls.setdefault("calls", []).append(kwargs)
        return None

    monkeypatch.setattr(streamlit_folium, "_component_func", fake)
    return calls


def test_show_passes_what_st_folium_passes(monkeypatch):
    calls = _capture(monkeypatch)
    zones = gpd.GeoDataFrame({"zone_id": ["Z1"], "households": [400]},
                             geometry=[box(87.30, 44.01, 87.301, 44.011)], crs=4326)
    streamlit_folium.st_folium(_map(), key="m", returned_objects=["last_active_drawing"],
                               feature_group_to_add=[zones_group(zones)], use_container_width=True, height=680)
    base = mapview.prepare(_map())
    result = mapview.show(base, key="m", feature_groups=[zones_group(zones)],
                          returned_objects=["last_active_drawing"])
    theirs, ours = calls["calls"]
    assert set(ours) == set(theirs)  # the same arguments: a streamlit-folium upgrade that changes them fails here
    for name in ("css_links", "js_links", "returned_objects", "default", "height", "width", "zoom", "center"):
        assert ours[name] == theirs[name], name
    assert ours["key"] == theirs["key"]  # same key: the browser keeps the same map across reruns
    # the same map once variable names (random per build) are set aside
    assert streamlit_folium.generate_js_hash(ours["script"]) == streamlit_folium.generate_js_hash(theirs["script"])
    assert "feature_group_feature_group_0" in ours["feature_group"]
    assert result == {"last_active_drawing": None}


def test_show_key_is_stable_across_reruns(monkeypatch):
    calls = _capture(monkeypatch)
    base = mapview.prepare(_map())
    mapview.show(base, key="m")
    mapview.show(base, key="m", feature_groups=[folium.FeatureGroup(name="x")], center=(44.0, 87.3), zoom=15)
    first, second = calls["calls"]
    assert first["key"] == second["key"] and first["script"] == second["script"]
    assert first["feature_group"] is None and second["center"] == (44.0, 87.3)


def test_a_deferred_group_is_built_once_per_key(monkeypatch):
    calls = _capture(monkeypatch)
    base = mapview.prepare(_map())
    built = []

    def build():
        built.append(1)
        return folium.FeatureGroup(name="zones")

    cache: dict = {}
    for key in ("k1", "k1", "k2"):
        mapview.show(base, key="m", feature_groups=[(key, build)], js_cache=cache)
    assert len(built) == 2  # k1 once, k2 once
    first, second, third = calls["calls"]
    assert first["feature_group"] == second["feature_group"]  # the same script, from the cache
    assert "feature_group_feature_group_0" in third["feature_group"]
