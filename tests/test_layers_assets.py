"""layers.assets: every script and stylesheet of a localized map comes from layers/static/vendor."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import branca.colormap
import folium
import folium.plugins
import geopandas as gpd
import pytest
import streamlit_folium
from shapely.geometry import Point, box

from geo.errors import GeoError
from layers import build_map
from layers.assets import (
    ASSET_DIR,
    VENDORED,
    AssetNotVendoredError,
    cdn_urls,
    is_external,
    localize,
    tile_urls,
)

VENDOR = ASSET_DIR / "vendor"
BASE = "../ui.offline.layers_static"
#: Hosts that must never appear in what a localized map makes the browser load.
CDN_HOSTS = (
    "jsdelivr", "unpkg", "cdnjs", "code.jquery.com", "bootstrapcdn", "d3js.org", "github.io",
    "googleapis", "cloudflare",
)
CDN_URL = re.compile(
    r"(?:https?:)?//[^\s\"'<>)]*(?:" + "|".join(map(re.escape, CDN_HOSTS)) + r")[^\s\"'<>)]*"
)
#: The plugins whose files are vendored (beyond the Map's own).
SUPPORTED_PLUGINS = (
    lambda: folium.plugins.Draw(export=False),
    lambda: folium.plugins.MarkerCluster(locations=[[39.9, 116.4], [39.91, 116.41]]),
    lambda: folium.plugins.FastMarkerCluster(data=[[39.9, 116.4]]),
)


def small_map(*plugins: folium.Element) -> folium.Map:
    m = folium.Map(location=[39.9, 116.4], zoom_start=14, tiles=None)
    folium.GeoJson(gpd.GeoSeries([box(116.40, 39.90, 116.41, 39.91)], crs=4326)).add_to(m)
    folium.Marker([39.905, 116.405], icon=folium.Icon(icon="home", angle=30)).add_to(m)
    for plugin in plugins:
        plugin.add_to(m)
    return m


def st_folium_args(fig: folium.Element, monkeypatch: pytest.MonkeyPatch, **kwargs) -> dict:
    """The arguments streamlit_folium.st_folium sends to its frontend (its own code, not a copy)."""
    captured: dict = {}

    def fake_component(**component_kwargs):
        captured.update(component_kwargs)
        return component_kwargs["default"]

    monkeypatch.setattr(streamlit_folium, "_component_func", fake_component)
    streamlit_folium.st_folium(fig, returned_objects=[], **kwargs)
    return captured


# --- the vendored files ------------------------------------------------------------------------


@pytest.mark.parametrize("url", sorted(VENDORED))
def test_every_vendored_address_points_to_a_file(url):
    assert (ASSET_DIR / VENDORED[url]).is_file(), f"{url} -> {VENDORED[url]} is missing"


def test_every_url_in_vendored_css_resolves_to_a_file():
    missing = []
    for css in VENDOR.rglob("*.css"):
        for ref in re.findall(r"url\(\s*['\"]?([^'\")]+)['\"]?\s*\)", css.read_text(encoding="utf-8")):
            if ref.startswith(("data:", "#")):
                continue
            target = (css.parent / urlsplit(ref).path).resolve()
            if not target.is_file():
                missing.append(f"{css.relative_to(VENDOR)}: {ref}")
    assert missing == []


def test_vendored_css_and_js_reference_no_cdn():
    offenders = []
    for path in list(VENDOR.rglob("*.css")):
        for ref in re.findall(r"url\(\s*['\"]?([^'\")]+)['\"]?\s*\)", path.read_text(encoding="utf-8")):
            if not ref.startswith("data:") and is_external(ref):
                offenders.append(f"{path.relative_to(VENDOR)}: {ref}")
        for ref in re.findall(r"@import\s+(?:url\()?['\"]?([^'\")\s;]+)", path.read_text(encoding="utf-8")):
            offenders.append(f"{path.relative_to(VENDOR)}: @import {ref}")
    assert offenders == []


def test_each_vendored_package_carries_its_licence():
    packages = [p for p in VENDOR.iterdir() if p.is_dir()]
    packages = [q for p in packages for q in ([*p.iterdir()] if p.name.startswith("@") else [p])]
    assert len(packages) >= 9
    generated = {"leaflet.awesome.rotate"}  # written by the refresh script, no third-party code
    def licensed(package):
        return any(f.name.upper().startswith(("LICENSE", "MIT-LICEN")) for f in package.iterdir())

    unlicensed = [p.name for p in packages if p.name not in generated and not licensed(p)]
    assert unlicensed == []


def test_vendor_readme_names_every_package_and_version():
    readme = (VENDOR / "README.md").read_text(encoding="utf-8")
    for needle in ("leaflet@1.9.3", "leaflet-draw@1.0.2", "leaflet.markercluster@1.1.0", "jquery@3.7.1",
                   "bootstrap@5.2.2", "@fortawesome/fontawesome-free@6.2.0", "leaflet.awesome-markers@2.0.4",
                   "bootstrap@3.1.1", "npm pack"):
        assert needle in readme


def test_vendor_folder_stays_small():
    size = sum(f.stat().st_size for f in VENDOR.rglob("*") if f.is_file())
    assert size < 3_000_000
    assert not list(VENDOR.rglob("*.map")), "source maps are not shipped"


def test_vendored_addresses_cover_the_map_and_supported_plugins():
    elements = [folium.Map] + [type(make()) for make in SUPPORTED_PLUGINS]
    for cls in elements:
        for _, url in [*cls.default_js, *cls.default_css]:
            assert url in VENDORED, f"{cls.__name__}: {url}"


# --- is_external ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "external"),
    [
        ("https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js", True),
        ("http://example.org/a.css", True),
        ("//unpkg.com/x.js", True),
        ("HTTPS://CDNJS.CLOUDFLARE.COM/x.js", True),
        ("../ui.offline.layers_static/vendor/leaflet/dist/leaflet.js", False),
        ("/component/x/a.js", False),
        ("vendor/a.js", False),
        ("http://localhost:8501/a.js", False),
        ("http://127.0.0.2:8501/a.js", False),
        ("http://[::1]:8501/a.js", False),
        ("file:///srv/static/a.js", False),
        ("data:text/css,", False),
    ],
)
def test_is_external(url, external):
    assert is_external(url) is external


# --- localize ----------------------------------------------------------------------------------


def test_a_plain_map_uses_cdns_before_localize():
    urls = cdn_urls(small_map())
    assert "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js" in urls
    assert all(is_external(u) for u in urls)


@pytest.mark.parametrize("base", [BASE, "/app/static", "http://127.0.0.1:8599/component/x/"])
def test_localize_leaves_no_external_address(base):
    m = localize(small_map(*(make() for make in SUPPORTED_PLUGINS)), base)
    assert cdn_urls(m) == []
    html = m.get_root().render()
    assert CDN_URL.findall(html) == []
    prefix = base.rstrip("/") + "/"
    links = re.findall(r'<(?:script src|link rel="stylesheet" href)="([^"]+)"', html)
    assert links and all(link.startswith(prefix) for link in links)
    for link in links:
        assert (ASSET_DIR / link[len(prefix):]).is_file(), link


def test_localize_returns_the_same_map_and_sets_the_icon_path():
    m = small_map()
    assert localize(m, BASE) is m
    html = m.get_root().render()
    assert f'L.Icon.Default.imagePath = "{BASE}/vendor/leaflet/dist/images/"' in html
    assert (ASSET_DIR / "vendor/leaflet/dist/images/marker-icon.png").is_file()
    # set before any marker is created: right after the map
    assert html.index("L.Icon.Default.imagePath") < html.index("L.marker(")


def test_localize_twice_is_harmless():
    m = localize(localize(small_map(), "first"), "second")
    html = m.get_root().render()
    assert "first/" not in html
    assert html.count("L.Icon.Default.imagePath") == 1


def test_localize_changes_instances_not_folium_classes():
    before_js, before_css = list(folium.Map.default_js), list(folium.Map.default_css)
    draw_js = list(folium.plugins.Draw.default_js)
    localize(small_map(folium.plugins.Draw()), BASE)
    assert folium.Map.default_js == before_js
    assert folium.Map.default_css == before_css
    assert folium.plugins.Draw.default_js == draw_js
    assert cdn_urls(folium.Map(tiles=None)) != []


def test_localize_fixes_links_already_rendered_into_the_header():
    m = small_map()
    first = m.get_root().render()
    assert CDN_URL.findall(first)
    localize(m, BASE)
    assert cdn_urls(m) == []
    assert CDN_URL.findall(m.get_root().render()) == []


@pytest.mark.parametrize(
    ("make", "class_name", "url"),
    [
        (lambda: folium.plugins.Geocoder(), "folium.plugins.geocoder.Geocoder",
         "https://unpkg.com/leaflet-control-geocoder/dist/Control.Geocoder.js"),
        (lambda: folium.plugins.Fullscreen(), "folium.plugins.fullscreen.Fullscreen",
         "https://cdn.jsdelivr.net/npm/leaflet.fullscreen@3.0.0/Control.FullScreen.min.js"),
    ],
)
def test_an_element_without_local_copy_is_refused_by_name(make, class_name, url):
    m = small_map(make())
    with pytest.raises(AssetNotVendoredError, match=re.escape(class_name)) as info:
        localize(m, BASE)
    assert url in str(info.value)
    assert isinstance(info.value, GeoError) and isinstance(info.value, LookupError)
    # nothing was changed: the check runs before any rewrite
    assert "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js" in cdn_urls(m)


def test_a_plugin_nested_in_a_feature_group_is_found():
    m = folium.Map(tiles=None)
    group = folium.FeatureGroup(name="g").add_to(m)
    folium.plugins.MousePosition().add_to(group)
    assert any("MousePosition" in u for u in cdn_urls(m))
    with pytest.raises(AssetNotVendoredError, match="MousePosition"):
        localize(m, BASE)


def test_a_branca_colormap_is_refused_because_st_folium_adds_d3():
    m = small_map()
    branca.colormap.LinearColormap(["#ffffff", "#000000"], vmin=0, vmax=1).add_to(m)
    assert "https://d3js.org/d3.v4.min.js" in cdn_urls(m)
    with pytest.raises(AssetNotVendoredError, match="d3"):
        localize(m, BASE)


def test_a_user_added_header_link_is_reported_and_refused():
    m = small_map()
    m.get_root().header.add_child(folium.CssLink("https://fonts.googleapis.com/css?family=Noto"))
    assert "https://fonts.googleapis.com/css?family=Noto" in cdn_urls(m)
    with pytest.raises(AssetNotVendoredError, match="fonts.googleapis.com"):
        localize(m, BASE)


def test_tile_urls_are_reported_apart_from_cdn_urls():
    tiles = "https://t{s}.tianditu.gov.cn/vec_w/wmts?tk=KEY&x={x}&y={y}&l={z}"
    m = localize(folium.Map(tiles=tiles, attr="天地图"), BASE)
    assert cdn_urls(m) == []
    assert tile_urls(m) == [tiles]


# --- what streamlit-folium actually sends to the browser -----------------------------------------


def test_st_folium_loads_only_local_files_for_a_localized_map(monkeypatch):
    m = localize(small_map(folium.plugins.Draw(), folium.plugins.MarkerCluster()), BASE)
    args = st_folium_args(m, monkeypatch)
    assert args["js_links"] and args["css_links"]
    for link in [*args["js_links"], *args["css_links"]]:
        assert not is_external(link), link
        assert link.startswith(BASE + "/vendor/")
        assert (ASSET_DIR / link[len(BASE) + 1:]).is_file(), link
    for part in ("header", "html", "script"):
        assert CDN_URL.findall(args[part] or "") == [], part


def test_st_folium_loads_only_local_files_for_build_map(monkeypatch):
    communities = gpd.GeoDataFrame(
        {"community_id": ["a"], "name": ["甲"], "build_year": [1980]},
        geometry=[box(116.40, 39.90, 116.41, 39.91)], crs=4326)
    facilities = gpd.GeoDataFrame({"kind": ["clinic"]}, geometry=[Point(116.405, 39.905)], crs=4326)
    m = build_map({"communities": communities, "facilities": facilities}, asset_base_url=BASE)
    args = st_folium_args(m, monkeypatch)
    links = [*args["js_links"], *args["css_links"]]
    assert links and not [u for u in links if is_external(u)]
    assert "planning-legend" in args["script"]


def test_st_folium_would_load_cdns_for_a_map_that_is_not_localized(monkeypatch):
    args = st_folium_args(small_map(), monkeypatch)
    assert any(is_external(u) for u in args["js_links"])


def test_feature_groups_given_to_st_folium_are_localized_too(monkeypatch):
    m = localize(folium.Map(tiles=None), BASE)
    group = folium.FeatureGroup(name="dynamic")
    folium.plugins.MarkerCluster(locations=[[39.9, 116.4]]).add_to(group)
    localize(group, BASE)
    args = st_folium_args(m, monkeypatch, feature_group_to_add=group)
    assert [u for u in [*args["js_links"], *args["css_links"]] if is_external(u)] == []
