"""End to end: a Streamlit page with the planning map works with no request leaving localhost.

Starts ``streamlit run`` on a small app written to a temporary folder, opens it in Debian's headless
Chromium through Playwright, records every request the page and its iframes make, and checks that
Leaflet drew the layers and the legend from the files vendored in ``layers/static/vendor``.
"""

from __future__ import annotations

import textwrap
import time

import pytest

from tests.browser.harness import CHROMIUM, app_server, is_local

pytestmark = pytest.mark.browser


APP = textwrap.dedent(
    """
    import geopandas as gpd
    import streamlit as st
    from shapely.geometry import LineString, Point, box
    from streamlit_folium import st_folium

    from layers import build_map, cdn_urls
    from ui.offline import serve_assets

    lang = st.query_params.get("lang", "zh")
    communities = gpd.GeoDataFrame(
        {"community_id": ["C1", "C2", "C3"], "name": ["和平里一区", "和平里二区", "和平里三区"],
         "build_year": [1978, 1996, None], "households": [420, 260, None], "street": "和平里街道"},
        geometry=[box(116.400, 39.900, 116.404, 39.9035), box(116.406, 39.900, 116.410, 39.9035),
                  box(116.412, 39.900, 116.416, 39.9035)],
        crs=4326)
    pipelines = gpd.GeoDataFrame(
        {"kind": ["water_supply", "gas", "power"], "placement": ["underground", "underground", "overhead"]},
        geometry=[LineString([(116.399, 39.905 + 0.0008 * j), (116.417, 39.905 + 0.0008 * j)])
                  for j in range(3)],
        crs=4326)
    facilities = gpd.GeoDataFrame(
        {"kind": ["clinic", "elderly_care"], "name": ["卫生服务站", "日间照料中心"]},
        geometry=[Point(116.405, 39.899), Point(116.411, 39.899)], crs=4326)
    m = build_map({"communities": communities, "pipelines": pipelines, "facilities": facilities},
                  lang=lang, asset_base_url=serve_assets(),
                  visible=("communities", "pipelines", "facilities"))
    st.text(f"external={cdn_urls(m)}")
    st_folium(m, height=480, width=760, returned_objects=[])
    """
)


@pytest.fixture(scope="module")
def streamlit_app(tmp_path_factory):
    """URL of the test app served by a real ``streamlit run``; the server is always stopped."""
    tmp_path = tmp_path_factory.mktemp("offline_app")
    app = tmp_path / "offline_map_app.py"
    app.write_text(APP, encoding="utf-8")
    with app_server(app, tmp_path, timeout_s=30) as url:
        yield url


@pytest.fixture(scope="module")
def chromium(browser):
    """The session's one Chromium (tests/conftest.py): two Playwright instances cannot run at once."""
    assert CHROMIUM.exists(), f"{CHROMIUM} is missing: apt-get install chromium (.ci/run installs it)"
    return browser


@pytest.fixture
def page(chromium):
    """A fresh browser page (own context: no cache shared between tests)."""
    context = chromium.new_context(viewport={"width": 1100, "height": 760})
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.mark.parametrize(("lang", "legend_title"), [("zh", "图例"), ("en", "Legend")])
def test_map_renders_offline_in_chromium(page, streamlit_app, tmp_path, lang, legend_title):
    requests: list[str] = []
    failed: list[str] = []
    responses: dict[str, tuple[int, str]] = {}
    page.on("request", lambda r: requests.append(r.url))
    page.on("requestfailed", lambda r: failed.append(f"{r.url}: {r.failure}"))
    page.on("response", lambda r: responses.__setitem__(r.url, (r.status, r.headers.get("content-type", ""))))

    page.goto(f"{streamlit_app}?lang={lang}")
    deadline = time.monotonic() + 30
    frame = None
    while frame is None and time.monotonic() < deadline:
        frame = next((f for f in page.frames if "streamlit_folium.st_folium" in f.url), None)
        if frame is None:
            page.wait_for_timeout(200)
    assert frame is not None, "the st_folium iframe never appeared"

    frame.wait_for_selector(".leaflet-container", timeout=20_000)
    frame.wait_for_selector("path.leaflet-interactive", timeout=20_000)
    legend = frame.locator(".planning-legend")
    legend.wait_for(state="visible", timeout=10_000)
    page.wait_for_timeout(500)  # let stylesheets and late requests settle
    page.screenshot(path=str(tmp_path / f"offline_map_{lang}.png"))

    # 3 communities + 3 pipelines + 2 facilities, all drawn as SVG paths by Leaflet
    assert frame.locator("path.leaflet-interactive").count() >= 8
    assert legend_title in legend.inner_text()
    assert frame.locator(".leaflet-control-layers").count() == 1
    assert page.get_by_text("external=[]").count() == 1

    external = [u for u in requests if not is_local(u)]
    assert external == [], f"requests left localhost: {external}"
    assert failed == []
    assets = {u: r for u, r in responses.items() if "/component/ui.offline.layers_static/" in u}
    assert any(u.endswith("/vendor/leaflet/dist/leaflet.js") for u in assets)
    for url, (status, content_type) in assets.items():
        assert status == 200, url
        if url.endswith(".js"):
            assert "javascript" in content_type, (url, content_type)
        elif url.endswith(".css"):
            assert content_type.startswith("text/css"), (url, content_type)
