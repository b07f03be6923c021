"""layers.map, layers.geojson, layers.legend, layers.styles: the planning map from GeoDataFrames."""

from __future__ import annotations

import decimal
import json
import re

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import LineString, MultiPolygon, Point, Polygon, box

from geo.io import schema
from geo.errors import CRSError, SchemaError
from layers import build_map, cdn_urls, layer_group, styles, tile_urls, to_display_geojson
from layers.geojson import json_safe, json_safe_values
from layers.legend import LEGEND_CLASS, Legend, legend_sections

BASE = "../ui.offline.layers_static"
CDN_HOSTS = re.compile(r"https?://[^\s\"'<>)]*(?:jsdelivr|unpkg|cdnjs|code\.jquery|bootstrapcdn|d3js|cloudflare)")


# --- small layers made in code --------------------------------------------------------------------


def communities() -> gpd.GeoDataFrame:
    """A 3x3 grid of compounds, one a MultiPolygon, with gaps in the figures and awkward dtypes."""
    geoms = [box(116.400 + 0.006 * (i % 3), 39.900 + 0.005 * (i // 3),
                 116.404 + 0.006 * (i % 3), 39.9035 + 0.005 * (i // 3)) for i in range(8)]
    geoms.append(MultiPolygon([box(116.412, 39.910, 116.414, 39.9135),
                               box(116.4145, 39.910, 116.416, 39.9135)]))
    gdf = gpd.GeoDataFrame(
        {
            "community_id": [f"C{i:02d}" for i in range(9)],
            "name": pd.array([f"小区{i}" for i in range(8)] + [None], dtype="string"),
            "county": "东城区",
            "street": ["和平里街道"] * 8 + [np.nan],
            "committee": "和平里社区",
            "build_year": pd.array([1975, 1985, 1995, 2000, 2005, 2015, None, 1988, 1979], dtype="Int64"),
            "households": [320, 410, np.nan, 150, 200, 80, 95, 300, 120],
            "buildings": np.array([6, 8, 3, 2, 4, 1, 2, 5, 3], dtype="int64"),
            "floors_max": 6,
            "floor_area_m2": [np.float32(12000.5)] * 9,
            "property_mgmt": ["professional", "self", "none", None, "self", "professional", "none", "self",
                              "none"],
            "willingness": np.linspace(0.5, 0.9, 9),
            "participation": [0.6, np.nan, 0.7, np.nan, 0.8, np.nan, 0.5, np.nan, 0.4],
            "status": pd.Categorical(["candidate", "planned", "started", "completed"] * 2 + ["candidate"]),
            "plan_year": pd.array([2024, 2025, None, 2024, 2026, None, 2025, 2025, 2024], dtype="Int64"),
            "surveyed": pd.to_datetime(["2023-05-01"] * 8 + [None]),
        },
        geometry=geoms,
        crs=4326,
    )
    return gdf


def pipelines() -> gpd.GeoDataFrame:
    kinds = list(styles.PIPELINE_STYLES)
    lines = [LineString([(116.399, 39.904 + 0.0007 * j), (116.417, 39.904 + 0.0007 * j)]) for j in range(6)]
    return gpd.GeoDataFrame(
        {
            "pipeline_id": [f"P{j}" for j in range(6)],
            "kind": kinds,
            "operator": ["自来水集团", "排水集团", "燃气集团", None, "供电公司", "电信"],
            "material": pd.array(["球墨铸铁", "混凝土", "PE", "钢", None, "光缆"], dtype="str"),
            "diameter_mm": [300.0, 600.0, 160.0, np.nan, None, 50.5],
            "install_year": [1990, 1985, 2003, 1998, 2010, 2015],
            "placement": ["underground"] * 4 + ["overhead", "overhead"],
        },
        geometry=lines,
        crs=4326,
    )


def facilities() -> gpd.GeoDataFrame:
    kinds = ["elderly_care", "clinic", "kindergarten", "market", "parcel_locker", "something_new"]
    return gpd.GeoDataFrame(
        {"facility_id": np.arange(6, dtype="int64"), "kind": kinds, "name": [f"设施{k}" for k in range(6)]},
        geometry=[Point(116.402 + 0.003 * k, 39.9095) for k in range(6)],
        crs=4326,
    )


def barriers() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"kind": ["arterial_road", "river", "railway"], "name": ["安定门外大街", "护城河", "京包铁路"]},
        geometry=[
            LineString([(116.4052, 39.899), (116.4052, 39.916)]),
            Polygon([(116.398, 39.898), (116.42, 39.898), (116.42, 39.8988), (116.398, 39.8988)]),
            LineString([(116.4175, 39.899), (116.4175, 39.916)]),
        ],
        crs=4326,
    )


def admin() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"county": ["东城区"], "street": ["和平里街道"]},
                            geometry=[box(116.397, 39.897, 116.421, 39.917)], crs=4326)


def roads() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"road_id": ["R1", "R2", "R3"], "kind": ["arterial", "lane", None], "name": ["安定门外大街", "和平里三巷", None]},
        geometry=[LineString([(116.4052, 39.899), (116.4052, 39.916)]),
                  LineString([(116.4052, 39.905), (116.41, 39.905)]),
                  LineString([(116.41, 39.905), (116.41, 39.91)])],
        crs=4326,
    )


def all_layers() -> dict[str, gpd.GeoDataFrame]:
    return {"communities": communities(), "pipelines": pipelines(), "facilities": facilities(),
            "barriers": barriers(), "admin": admin(), "roads": roads()}


def elements(m: folium.Element, cls: type) -> list:
    found, stack = [], [m]
    while stack:
        elem = stack.pop()
        if isinstance(elem, cls):
            found.append(elem)
        stack.extend(reversed(list(elem._children.values())))
    return found


def feature_groups(m: folium.Map) -> dict[str, folium.FeatureGroup]:
    return {g.layer_name: g for g in elements(m, folium.FeatureGroup)}


# --- build_map -----------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_build_map_renders_every_layer(lang):
    m = build_map(all_layers(), lang=lang)
    html = m.get_root().render()
    names = [styles.label(styles.LAYER_LABELS[n], lang) for n in styles.LAYER_ORDER]
    assert list(feature_groups(m)) == names  # bottom to top
    assert len(elements(m, folium.LayerControl)) == 1
    assert "NaN" not in html and "Infinity" not in html
    assert json.dumps("小区0")[1:-1] in html  # tojson escapes non-ASCII


def test_a_missing_or_empty_layer_is_absent():
    layers = {"communities": communities(), "pipelines": pipelines().iloc[:0], "admin": None}
    m = build_map(layers, lang="en")
    assert list(feature_groups(m)) == ["Communities"]
    m.get_root().render()
    legend = elements(m, Legend)[0]
    assert [s.title for s in legend.sections] == ["Communities by build year"]


def test_a_layer_whose_geometries_are_all_missing_is_absent():
    empty = communities().iloc[:2].copy()
    empty["geometry"] = [None, Polygon()]
    m = build_map({"communities": empty, "admin": admin()})
    assert list(feature_groups(m)) == ["行政区划"]


def test_no_layer_at_all_gives_an_empty_map_of_china():
    m = build_map({})
    assert m.location == [35.0, 105.0]
    m.get_root().render()


def test_the_map_has_a_max_zoom_so_a_single_point_can_be_fitted():
    point = facilities().iloc[:1]
    m = build_map({"facilities": point})
    assert m.options["maxZoom"] == 20
    assert '"maxZoom": 20' in m.get_root().render()
    with_tiles = build_map({"facilities": point}, basemap_url="http://tiles.local/{z}/{x}/{y}.png",
                           basemap_options={"max_zoom": 17})
    assert with_tiles.options["maxZoom"] == 17


def test_the_scale_bar_is_in_metres_only():
    html = build_map({"facilities": facilities()}).get_root().render()
    assert html.count("L.control.scale(") == 1
    assert "L.control.scale({imperial: false, metric: true})" in html
    assert "L.control.scale()" not in html  # Leaflet's default shows feet and miles under the metres


def test_the_map_is_fitted_to_the_data():
    m = build_map(all_layers())
    (fit,) = elements(m, folium.map.FitBounds)
    (south, west), (north, east) = fit.bounds
    assert (west, south) == pytest.approx((116.397, 39.897))
    assert (east, north) == pytest.approx((116.421, 39.917))


@pytest.mark.parametrize("name", ["communities", "pipelines", "facilities", "barriers", "admin", "roads"])
def test_each_layer_alone_renders(name):
    m = build_map({name: all_layers()[name]}, lang="en", asset_base_url=BASE)
    html = m.get_root().render()
    assert cdn_urls(m) == []
    assert CDN_HOSTS.findall(html) == []
    assert LEGEND_CLASS in html


def test_localized_map_has_no_cdn_anywhere():
    m = build_map(all_layers(), asset_base_url=BASE)
    assert cdn_urls(m) == []
    html = m.get_root().render()
    assert CDN_HOSTS.findall(html) == []
    assert f'src="{BASE}/vendor/leaflet/dist/leaflet.js"' in html


def test_without_asset_base_url_the_cdns_stay():
    assert cdn_urls(build_map(all_layers())) != []


def test_no_basemap_by_default():
    m = build_map(all_layers())
    assert elements(m, folium.TileLayer) == []
    assert tile_urls(m) == []
    assert "L.tileLayer" not in m.get_root().render()


def test_a_basemap_url_adds_one_tile_layer():
    url = "https://t{s}.tianditu.gov.cn/vec_w/wmts?SERVICE=WMTS&TILECOL={x}&TILEROW={y}&TILEMATRIX={z}&tk=KEY"
    m = build_map(all_layers(), basemap_url=url, basemap_attribution="天地图",
                  basemap_options={"subdomains": "01234567", "max_zoom": 18}, asset_base_url=BASE)
    (tiles,) = elements(m, folium.TileLayer)
    assert tiles.tiles == url
    assert tiles.options["attribution"] == "天地图"
    assert tiles.options["subdomains"] == "01234567"
    assert tile_urls(m) == [url]
    assert cdn_urls(m) == []  # tiles are reported apart


def test_a_basemap_without_attribution_credits_its_host():
    m = build_map({"admin": admin()}, basemap_url="http://tiles.intranet.gov.cn/{z}/{x}/{y}.png")
    (tiles,) = elements(m, folium.TileLayer)
    assert tiles.options["attribution"] == "tiles.intranet.gov.cn"


def test_unknown_layer_name_and_language_are_refused():
    with pytest.raises(SchemaError, match="streetlights.*roads"):
        build_map({"streetlights": barriers()})
    with pytest.raises(ValueError, match="fr"):
        build_map({"admin": admin()}, lang="fr")


def test_a_layer_without_crs_is_refused():
    layer = admin().set_crs(None, allow_override=True)
    with pytest.raises(CRSError, match="admin"):
        build_map({"admin": layer})


def test_a_projected_layer_is_converted_to_lon_lat():
    projected = communities().to_crs(4547)  # CGCS2000 / 3-degree Gauss-Kruger CM 114E
    data = to_display_geojson(projected, ["name"])
    ring = np.array(data["features"][0]["geometry"]["coordinates"][0])
    assert ring.min(axis=0) == pytest.approx([116.400, 39.900], abs=1e-6)
    assert ring.max(axis=0) == pytest.approx([116.404, 39.9035], abs=1e-6)
    m = build_map({"communities": projected})
    (fit,) = elements(m, folium.map.FitBounds)
    assert fit.bounds[0] == pytest.approx([39.900, 116.400], abs=1e-6)


def test_inputs_are_not_modified():
    layers = all_layers()
    layers["communities"] = layers["communities"].to_crs(4547)
    before = {k: v.copy() for k, v in layers.items()}
    build_map(layers, lang="en", asset_base_url=BASE).get_root().render()
    for name, gdf in layers.items():
        pd.testing.assert_frame_equal(gdf, before[name])
        assert gdf.crs == before[name].crs


# --- tooltips ----------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_tooltip_aliases_follow_the_language(lang):
    m = build_map(all_layers(), lang=lang)
    tips = {tip._parent._parent.layer_name: tip for tip in elements(m, folium.GeoJsonTooltip)}
    for name in styles.LAYER_ORDER:
        tip = tips[styles.label(styles.LAYER_LABELS[name], lang)]
        expected = [styles.label(styles.FIELD_LABELS[name][f], lang) for f in tip.fields]
        assert list(tip.aliases) == expected
    communities_tip = tips[styles.label(styles.LAYER_LABELS["communities"], lang)]
    assert communities_tip.fields == list(styles.TOOLTIP_FIELDS["communities"])


def geojson_of(m: folium.Map, layer_label: str) -> dict:
    (geojson,) = elements(feature_groups(m)[layer_label], folium.GeoJson)
    return geojson.data


def test_tooltip_values_are_translated_and_json_safe():
    m = build_map(all_layers(), lang="en")
    props = [f["properties"] for f in geojson_of(m, "Communities")["features"]]
    assert props[0]["property_mgmt"] == "professional"
    assert props[1]["property_mgmt"] == "self-managed"
    assert props[3]["property_mgmt"] is None
    assert props[2]["households"] is None and props[0]["households"] == 320
    assert props[6]["build_year"] is None and props[0]["build_year"] == 1975
    assert props[8]["name"] is None and props[8]["street"] is None
    assert props[1]["status"] == "planned"
    pipes = [f["properties"] for f in geojson_of(m, "Pipelines")["features"]]
    assert [p["kind"] for p in pipes][:2] == ["water supply", "drainage"]
    assert pipes[5]["placement"] == "overhead" and pipes[5]["diameter_mm"] == 50.5
    zh = build_map(all_layers(), lang="zh")
    assert geojson_of(zh, "管线")["features"][2]["properties"]["kind"] == "燃气"
    facilities_zh = [f["properties"]["kind"] for f in geojson_of(zh, "配套设施")["features"]]
    assert facilities_zh[1] == "卫生服务站" and facilities_zh[5] == "something_new"


def test_only_the_tooltip_fields_are_sent_and_ids_are_kept():
    m = build_map(all_layers())
    features = geojson_of(m, "小区")["features"]
    assert set(features[0]["properties"]) == set(styles.TOOLTIP_FIELDS["communities"])
    assert [f["id"] for f in features] == [f"C{i:02d}" for i in range(9)]
    facilities_ids = [f["id"] for f in geojson_of(m, "配套设施")["features"]]
    assert facilities_ids == [str(i) for i in range(6)]


# --- styles ------------------------------------------------------------------------------------


def rendered_styles(m: folium.Map, layer_label: str) -> dict[str, dict]:
    (geojson,) = elements(feature_groups(m)[layer_label], folium.GeoJson)
    return {f["id"]: geojson.style_function(f) for f in geojson.data["features"]}


def test_communities_are_filled_by_build_year_class():
    got = rendered_styles(build_map({"communities": communities()}), "小区")
    classes = styles.BUILD_YEAR_CLASSES
    assert got["C00"]["fillColor"] == classes["pre1980"]["fill"]
    assert got["C01"]["fillColor"] == classes["1980s"]["fill"]
    assert got["C03"]["fillColor"] == classes["1990s"]["fill"]  # 2000 is still pre-2000 stock
    assert got["C04"]["fillColor"] == classes["2000s"]["fill"]
    assert got["C05"]["fillColor"] == classes["post2010"]["fill"]
    assert got["C06"]["fillColor"] == classes["unknown"]["fill"]


def test_pipelines_follow_drawing_colours_and_overhead_is_dashed():
    # Every test pipeline differs in its shown values, so each stays a feature of its own (by position).
    got = rendered_styles(build_map({"pipelines": pipelines()}), "管线")
    assert got["0"]["color"] == styles.PIPELINE_STYLES["water_supply"]["color"]
    assert "dashArray" not in got["0"]
    assert got["4"]["color"] == styles.PIPELINE_STYLES["power"]["color"]
    assert got["4"]["dashArray"] == styles.OVERHEAD_DASH


def test_alike_pipeline_segments_are_sent_once_with_all_their_coordinates():
    pipes = pd.concat([pipelines()] * 3, ignore_index=True)
    pipes["pipeline_id"] = [f"S{i}" for i in range(len(pipes))]
    pipes.loc[17, "install_year"] = 2020  # one segment renewed: a feature of its own
    m = build_map({"pipelines": pipes})
    (geojson,) = elements(feature_groups(m)["管线"], folium.GeoJson)
    features = geojson.data["features"]
    assert len(features) == 7
    parts = sum(len(f["geometry"]["coordinates"]) for f in features)
    assert parts == len(pipes)
    years = sorted(f["properties"]["install_year"] for f in features)
    assert years.count(2015) == 1 and 2020 in years


def test_facilities_are_filled_circle_markers_coloured_by_kind():
    m = build_map({"facilities": facilities()})
    (geojson,) = elements(m, folium.GeoJson)
    assert isinstance(geojson.marker, folium.CircleMarker)
    got = rendered_styles(m, "配套设施")
    assert got["1"]["fillColor"] == styles.FACILITY_STYLES["clinic"]["color"] and got["1"]["fill"] is True
    assert got["5"]["fillColor"] == styles.FACILITY_OTHER["color"]


def test_admin_boundaries_are_dashed_outlines_without_fill():
    (style,) = rendered_styles(build_map({"admin": admin()}), "行政区划").values()
    assert style["fill"] is False and style["dashArray"]


@pytest.mark.parametrize(
    ("year", "cls"),
    [(1900, "pre1980"), (1979, "pre1980"), (1980, "1980s"), (1989, "1980s"), (1990, "1990s"),
     (2000, "1990s"), (2001, "2000s"), (2010, "2000s"), (2011, "post2010"), (None, "unknown"),
     (np.nan, "unknown"), (pd.NA, "unknown"), ("n/a", "unknown"), (np.int64(1985), "1980s")],
)
def test_build_year_class(year, cls):
    assert styles.build_year_class(year) == cls


def test_every_kind_and_class_has_both_labels():
    tables = [styles.PIPELINE_STYLES, styles.FACILITY_STYLES, styles.BARRIER_STYLES,
              styles.BUILD_YEAR_CLASSES]
    for table in tables:
        for key, entry in table.items():
            zh, en = entry["label"]
            assert zh and en and zh != en, key
    for layer, fields in styles.TOOLTIP_FIELDS.items():
        assert set(fields) <= set(styles.FIELD_LABELS[layer])


def test_style_tables_cover_every_choice_of_the_layer_model():
    assert set(styles.PIPELINE_STYLES) == set(schema.PIPELINE_KINDS)
    assert set(styles.FACILITY_STYLES) == set(schema.FACILITY_KINDS)
    assert set(styles.BARRIER_STYLES) == set(schema.BARRIER_KINDS)
    assert set(styles.VALUE_LABELS["property_mgmt"]) == set(schema.PROPERTY_MGMT)
    assert set(styles.VALUE_LABELS["status"]) == set(schema.STATUS)
    assert set(styles.VALUE_LABELS["placement"]) == set(schema.PLACEMENTS)
    for kind in schema.PIPELINE_KINDS:
        assert styles.PIPELINE_STYLES[kind]["label"][0] == schema.CHOICE_LABELS[kind][0]


# --- legend ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "words"),
    [("zh", ["图例", "小区建成年代", "1980年以前", "给水", "虚线：架空", "卫生服务站", "铁路", "街道边界"]),
     ("en", ["Legend", "Communities by build year", "before 1980", "water supply", "dashed: overhead",
             "clinic", "railway", "street boundary"])],
)
def test_legend_is_in_the_map_html_in_both_languages(lang, words):
    m = build_map(all_layers(), lang=lang)
    (legend,) = elements(m, Legend)
    html = m.get_root().render()
    assert f".{LEGEND_CLASS}" in html  # its CSS in the header
    for word in words:
        assert word in legend.html
        assert json.dumps(word)[1:-1] in html or word in html


def test_legend_lists_only_kinds_present_and_unknown_when_needed():
    sections = legend_sections(
        {"facilities": ["clinic", "clinic", None], "communities": [1990, 2020]}, lang="en")
    by_title = {s.title: [i.text for i in s.items] for s in sections}
    assert by_title["Facilities"] == ["clinic", "other facility"]
    assert "unknown" not in by_title["Communities by build year"]
    assert len(by_title["Communities by build year"]) == 5


def test_legend_is_no_branca_colormap():
    import branca.colormap

    m = build_map(all_layers())
    assert elements(m, branca.colormap.ColorMap) == []


def test_legend_text_is_escaped():
    m = folium.Map(tiles=None)
    sections = legend_sections({"admin": []})
    object.__setattr__(sections[0], "title", "<script>alert(1)</script>")
    Legend(sections).add_to(m)
    assert "<script>alert" not in m.get_root().render()


# --- to_display_geojson --------------------------------------------------------------------------


def test_coordinates_are_rounded_and_z_is_dropped():
    gdf = gpd.GeoDataFrame({"name": ["a"]}, geometry=[Point(116.123456789, 39.987654321, 42.0)], crs=4326)
    coords = to_display_geojson(gdf, ["name"])["features"][0]["geometry"]["coordinates"]
    assert coords == [116.123457, 39.987654]
    coarse = to_display_geojson(gdf, ["name"], precision=3)["features"][0]["geometry"]["coordinates"]
    assert coarse == [116.123, 39.988]


def test_rows_without_geometry_are_left_out():
    gdf = communities().iloc[:3].copy()
    gdf["geometry"] = [None, box(116.4, 39.9, 116.41, 39.91), Polygon()]
    data = to_display_geojson(gdf, ["name"], id_column="community_id")
    assert [f["id"] for f in data["features"]] == ["C01"]


def test_unknown_field_is_refused_by_name():
    with pytest.raises(SchemaError, match="'nope'"):
        to_display_geojson(admin(), ["street", "nope"])


def test_duplicate_ids_fall_back_to_positions():
    gdf = pd.concat([admin(), admin()], ignore_index=True)
    gdf["street_id"] = ["x", "x"]
    data = to_display_geojson(gdf, ["street"], id_column="street_id")
    assert [f["id"] for f in data["features"]] == ["0", "1"]


def test_every_dtype_serializes_to_strict_json():
    gdf = communities()
    gdf["decimal"] = [decimal.Decimal("1.5")] * 9
    gdf["flag"] = pd.array([True, None, False] * 3, dtype="boolean")
    gdf["delta"] = pd.to_timedelta([1, None, 3] * 3, unit="D")
    gdf["tz"] = pd.to_datetime(["2024-01-01"] * 9).tz_localize("Asia/Shanghai")
    gdf["f64"] = pd.array([1.25, None, np.inf] * 3, dtype="Float64")
    gdf["np_obj"] = pd.Series([np.int32(1), np.float16(2.5), np.str_("x")] * 3, dtype=object)
    fields = [c for c in gdf.columns if c != "geometry"]
    data = to_display_geojson(gdf, fields)
    text = json.dumps(data, allow_nan=False, ensure_ascii=False)
    first, second = (f["properties"] for f in data["features"][:2])
    assert first["surveyed"] == "2023-05-01T00:00:00"
    assert data["features"][8]["properties"]["surveyed"] is None
    assert first["decimal"] == 1.5 and first["flag"] is True and second["flag"] is None
    assert first["tz"].endswith("+08:00") and second["delta"] is None
    assert second["f64"] is None and data["features"][2]["properties"]["f64"] is None
    assert first["np_obj"] == 1 and second["np_obj"] == 2.5
    assert first["floor_area_m2"] == 12000.5 and first["buildings"] == 6
    assert "NaN" not in text


@pytest.mark.parametrize(
    ("value", "expected"),
    [(np.int64(7), 7), (np.float64("nan"), None), (float("inf"), None), (pd.NaT, None), (pd.NA, None),
     (None, None), (1985.0, 1985), (0.25, 0.25), (np.bool_(True), True), (np.datetime64("NaT"), None),
     (b"abc", "abc"), (pd.Timestamp("2020-01-02"), "2020-01-02T00:00:00")],
)
def test_json_safe(value, expected):
    assert json_safe(value) == expected


def test_json_safe_values_handles_pandas_string_dtypes():
    for dtype in ("string", "str", object):
        assert json_safe_values(pd.Series(["a", None], dtype=dtype)) == ["a", None]


def test_layer_group_is_usable_alone():
    group = layer_group("pipelines", pipelines(), lang="en", show=False)
    assert group.layer_name == "Pipelines" and group.show is False
    m = folium.Map(tiles=None)
    group.add_to(m)
    assert "L.geoJson" in m.get_root().render()


def test_payload_is_small_for_many_polygons():
    n = 1000
    rng = np.random.default_rng(0)
    geoms = [box(116.3 + (i % 40) * 0.004, 39.85 + (i // 40) * 0.004,
                 116.3025 + (i % 40) * 0.004, 39.8525 + (i // 40) * 0.004) for i in range(n)]
    gdf = gpd.GeoDataFrame(
        {"community_id": [f"C{i}" for i in range(n)], "name": [f"小区{i}" for i in range(n)],
         "build_year": rng.integers(1960, 2020, n), "notes": ["x" * 200] * n},
        geometry=geoms, crs=4326)
    html = build_map({"communities": gdf}, asset_base_url=BASE).get_root().render()
    assert "xxxxxxxxxx" not in html  # columns not shown are not sent
    assert len(html.encode()) < 500 * n


def test_roads_are_thin_grey_lines_unticked_by_default():
    m = build_map({"communities": communities(), "roads": roads()}, lang="en")
    shown = {name: group.show for name, group in feature_groups(m).items()}
    assert shown == {"Roads": False, "Communities": True}       # roads drawn under the communities
    got = rendered_styles(m, "Roads")
    assert {s["color"] for s in got.values()} == {"#8c8c8c"}
    assert got["R1"]["weight"] > got["R2"]["weight"] and max(s["weight"] for s in got.values()) <= 3
    assert got["R3"] == styles.road_style(None)                  # no kind: the default road
    (legend,) = elements(m, Legend)
    (section,) = [s for s in legend.sections if s.title == "Roads"]
    assert [i.text for i in section.items] == ["arterial road", "lane", "road"]


def test_pipelines_and_facilities_wait_unticked_by_default():
    layers = {"communities": communities(), "pipelines": pipelines(), "facilities": facilities()}
    shown = {name: group.show for name, group in feature_groups(build_map(layers)).items()}
    assert shown == {"小区": True, "管线": False, "配套设施": False}
    everything = build_map(layers, visible=("communities", "pipelines", "facilities"))
    assert all(group.show for group in feature_groups(everything).values())


def test_started_communities_have_their_own_eligibility_colour_and_legend_entry():
    # a community whose renovation started is not "eligible" on the map (the ranking excludes it)
    from geo.zoning.eligibility import eligibility_class
    gdf = communities()
    gdf["eligibility"] = eligibility_class(gdf).to_numpy()
    # C02 started; C06 started too but without a build year: unknown comes first, as in the ranking
    assert gdf.loc[gdf["status"] == "started", "eligibility"].tolist() == ["started", "unknown"]
    m = build_map({"communities": gdf}, lang="en", colour_by="eligibility")
    label = f"Communities · {styles.label(styles.COMMUNITY_SCHEMES['eligibility'][0], 'en')}"
    got = rendered_styles(m, label)
    classes = styles.ELIGIBILITY_CLASSES
    assert got["C02"]["fillColor"] == classes["started"]["fill"] != classes["eligible"]["fill"]
    assert got["C00"]["fillColor"] == classes["eligible"]["fill"]  # 320 households: not small
    (legend,) = elements(m, Legend)
    assert "renovation started" in legend.html and "in an earlier year" in legend.html  # ' is escaped
