"""Script from data never runs in the page: hostile names, streets, operators in headless Chromium.

Two proofs, each with an ``alert``/``onerror`` trap installed in the page and in every frame
(``add_init_script`` applies to the map's iframe too):

* every map layer builder (base layers, zones and labels, pairs, selection, plans, aged pipelines,
  findings, the differences map) in one saved folium page: each feature hovered and clicked;
* the real app (``streamlit run app.py``) on a dataset whose community names, ids, streets,
  operators, facility, barrier and road names are hostile (``$PLANNER_DATA``): features hovered and
  clicked, zones proposed, their members hovered and clicked.

Screenshots go to ``$E2E_SCREENSHOTS`` (default: the test's tmp folder).
"""

from __future__ import annotations

import os
from pathlib import Path

import folium
import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import LineString, Point, box

from geo.io.load import DEMO_PATH
from tests.browser.harness import ROOT, app_server, map_frame, planner_page
from tests.browser.planner import MAP, Planner
from tests.hostile_files import write_dbf_bomb

pytestmark = pytest.mark.browser

IMG = "<img src=x onerror=alert(1)>"
SVG = "<svg onload=alert(3)>"
SCRIPT = "<script>alert(2)</script>"

#: Installed before any page script, in the page and in every frame: records what would have run.
TRAP_JS = """
(() => {
  window.__xss = [];
  const hit = (what) => { try { window.__xss.push(String(what)); } catch (e) {} };
  window.alert = hit; window.confirm = hit; window.prompt = hit;
  window.__xssOnerror = hit;
})();
"""


def hits(page) -> list[str]:
    """What the trap caught, in every frame of ``page``."""
    found = []
    for frame in page.frames:
        try:
            found += frame.evaluate("() => window.__xss || []")
        except Exception:  # noqa: BLE001 - a frame that went away while asking
            pass
    return found


def _hover_and_click(frame, selector: str, limit: int, *, click: bool = True) -> list[str]:
    """Hover (and click) up to ``limit`` features; the tooltip texts seen."""
    seen = []
    paths = frame.locator(selector)
    for k in range(min(paths.count(), limit)):
        path = paths.nth(k)
        try:
            path.hover(timeout=2_000, force=True)
            frame.locator(".leaflet-tooltip").first.wait_for(state="visible", timeout=1_000)
            seen += frame.locator(".leaflet-tooltip").all_text_contents()
            if click:
                path.click(timeout=2_000, force=True)
        except Exception:  # noqa: BLE001 - a feature under another one, or outside the view
            continue
    return seen


# --- every layer builder, in one saved page -------------------------------------------------------

def _hostile_page(path: Path) -> Path:
    from layers import layer_group, localize
    from layers.legend import Legend, LegendItem, LegendSection, legend_sections
    from layers.analysis import (aged_pipelines_group, differences_group, findings_group, member_frame,
                                 pairs_group, selection_group, zones_group)
    from layers.planning import plan_group

    homes = gpd.GeoDataFrame(
        {"community_id": [IMG, "c2", "c3"], "name": [SVG, IMG, SCRIPT], "street": [SCRIPT, SVG, IMG],
         "build_year": [1985, 1990, 1995], "households": [100, 200, 300]},
        geometry=[box(87.300, 44.010, 87.302, 44.012), box(87.303, 44.010, 87.305, 44.012),
                  box(87.306, 44.010, 87.308, 44.012)], crs=4326)
    layers = {
        "communities": homes,
        "pipelines": gpd.GeoDataFrame({"pipeline_id": ["p1"], "kind": ["gas"], "operator": [IMG], "material": [SVG]},
                                      geometry=[LineString([(87.300, 44.013), (87.308, 44.013)])], crs=4326),
        "facilities": gpd.GeoDataFrame({"facility_id": ["f1"], "kind": ["clinic"], "name": [SVG]},
                                       geometry=[Point(87.304, 44.0145)], crs=4326),
        "barriers": gpd.GeoDataFrame({"kind": ["river"], "name": [IMG]},
                                     geometry=[LineString([(87.300, 44.009), (87.308, 44.009)])], crs=4326),
    }
    # the base layers and the analysis layers side by side (build_map's layer control wants nothing after it)
    m = folium.Map(tiles=None)
    for name, gdf in layers.items():
        layer_group(name, gdf, lang="en").add_to(m)
    Legend(legend_sections({"communities": [1985], "barriers": ["river"]}, lang="en")
           + [LegendSection(IMG, (LegendItem(SVG, "fill", "#555555", fill="#ffffff"),), note=SCRIPT)]).add_to(m)
    zones = gpd.GeoDataFrame({"zone_id": [IMG, SVG], "households": [300, 300], "n_members": [2, 1],
                              "span_m": [400.0, 150.0], "street": [SCRIPT, IMG], "violations": [0, 1],
                              "note": [SVG, IMG]},
                             geometry=[box(87.300, 44.010, 87.305, 44.012), box(87.306, 44.010, 87.308, 44.012)],
                             crs=4326)
    members = member_frame(homes, {IMG: IMG, "c2": IMG, "c3": SVG})
    pairs = gpd.GeoDataFrame({"a": [IMG], "b": ["c2"], "gap_m": [1.0], "reason": ["barrier"],
                              "barrier_kind": ["river"], "barrier_name": [SVG]},
                             geometry=[LineString([(87.301, 44.011), (87.304, 44.011)])], crs=4326)
    work = gpd.GeoDataFrame({"pipeline_id": [SVG], "kind": ["gas"], "operator": [IMG], "install_year": [1980],
                             "material": [SCRIPT], "reason_zh": [IMG], "reason_en": [IMG]},
                            geometry=[LineString([(87.300, 44.0135), (87.308, 44.0135)])], crs=4326)
    findings = gpd.GeoDataFrame({"finding_id": ["1"], "kind": [IMG], "finding": [SVG], "words_zh": [IMG],
                                 "words_en": [SCRIPT]}, geometry=[Point(87.302, 44.0145)], crs=4326)
    diff = gpd.GeoDataFrame({"feature": ["community"], "change": ["moved"], "change_label": [IMG],
                             "community_id": [SVG], "zone_a": [IMG], "zone_b": [SCRIPT]},
                            geometry=[box(87.306, 44.0155, 87.308, 44.0165)], crs=4326)
    plan, _ = plan_group(homes, pd.Series({IMG: 2027}), scheme="roadmap_year", lang="en")
    for group in (plan, zones_group(zones, members=members, lang="en"), pairs_group(pairs, lang="en"),
                  selection_group(homes.iloc[[0]], lang="en"), aged_pipelines_group(work, lang="en"),
                  findings_group(findings, lang="en"), differences_group(diff, lang="en")):
        group.add_to(m)
    m.fit_bounds([[44.008, 87.299], [44.017, 87.309]])
    localize(m, (ROOT / "layers" / "static").as_uri())
    m.save(str(path))
    return path


def test_every_layer_builder_shows_hostile_text_in_a_browser(browser, tmp_path, shots):
    page_file = _hostile_page(tmp_path / "hostile.html")
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    context.add_init_script(TRAP_JS)
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(page_file.as_uri())
    page.locator("path.leaflet-interactive").first.wait_for(state="attached", timeout=30_000)
    page.wait_for_timeout(500)
    labels = page.locator(".zone-label").all_text_contents()
    assert IMG in labels and SVG in labels  # zone ids as text, escaped once
    seen = _hover_and_click(page.main_frame, "path.leaflet-interactive", 40)
    page.mouse.move(5, 5)
    legend = page.locator(".planning-legend").inner_text()
    page.screenshot(path=str(shots / "hostile_layers.png"))
    trapped = hits(page)
    context.close()
    assert hits_none(dialogs, trapped)
    text = " ".join(seen)
    assert IMG in text and SVG in text and SCRIPT in text, seen[:5]
    assert IMG in legend and SVG in legend and SCRIPT in legend  # the legend's words as text


def hits_none(dialogs: list[str], trapped: list[str]) -> bool:
    assert dialogs == [], f"a dialog opened: {dialogs}"
    assert trapped == [], f"script from data ran: {trapped}"
    return True


# --- the real app on a hostile dataset --------------------------------------------------------------

def _hostile_dataset(path: Path) -> Path:
    """The demo city's first 160 communities with what lies around them, every text hostile."""
    homes = gpd.read_file(DEMO_PATH, layer="communities").iloc[:160].copy()
    west, south, east, north = homes.total_bounds
    frame = box(west - 200, south - 200, east + 200, north + 200)
    n = len(homes)
    homes["name"] = [f"{IMG}小区{i}" for i in range(n)]
    homes["street"] = [SVG if i % 2 else SCRIPT for i in range(n)]
    homes["committee"] = [IMG] * n
    homes.loc[homes.index[:5], "community_id"] = [f"{SVG}{i}" for i in range(5)]
    layers = {"communities": homes}
    for name, column in (("pipelines", "operator"), ("facilities", "name"), ("barriers", "name"),
                         ("roads", "name"), ("admin", "street")):
        gdf = gpd.read_file(DEMO_PATH, layer=name)
        gdf = gdf[gdf.intersects(frame)].copy()
        gdf[column] = [IMG if i % 2 else SVG for i in range(len(gdf))]
        layers[name] = gdf
    for name, gdf in layers.items():
        gdf.to_file(path, layer=name, driver="GPKG")
    return path


def test_the_app_shows_hostile_data_as_text(browser, tmp_path, shots):
    data = _hostile_dataset(tmp_path / "hostile.gpkg")
    env = {"PLANNER_DATA": str(data), "PLANNER_WORKSPACE": str(tmp_path / "ws" / "proposals.gpkg")}
    root = Path(os.environ.get("PLANNER_E2E_APP_ROOT") or ROOT)  # another checkout, as tests/conftest.py allows
    with app_server(root / "app.py", tmp_path, env=env, root=root) as url, planner_page(browser) as (page, outside):
        page.context.add_init_script(TRAP_JS)
        dialogs: list[str] = []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        p = Planner(page, url, "en", shots).open()
        frame = map_frame(page)
        page.locator(MAP).scroll_into_view_if_needed()
        seen = _hover_and_click(frame, "path.leaflet-interactive", 12, click=False)
        p.shoot("hostile_app_map")
        assert any(IMG in s for s in seen), seen[:3]

        p.propose()
        p.map_ready()
        members = "path.leaflet-interactive[fill-opacity='0.55']"
        seen_zones = _hover_and_click(p.frame(), members, 8, click=False)
        p.shoot("hostile_app_zones")
        assert any(IMG in s for s in seen_zones), seen_zones[:3]
        p.click_member()  # a click selects it: the details show its name as text
        p.shoot("hostile_app_member")
        details = p.body()
        p.assert_clean()
        trapped = hits(page)
    assert hits_none(dialogs, trapped)
    assert IMG in details  # the hostile name is on the page as text
    assert outside == []


def test_an_uploaded_zip_bomb_is_refused_in_the_page(app, browser, shots, tmp_path):
    """A 2 MB zip whose .dbf inflates to 2 GB: the Data in tab says why in Chinese, at once, and the
    server stays up (tests/test_hostile_archives.py has the same bomb through the command line)."""
    bomb = write_dbf_bomb(tmp_path / "小区.zip", prj=False)
    url, _, _ = app
    with planner_page(browser, locale="zh-CN") as (page, outside):
        p = Planner(page, url, "zh", shots).open()
        p.tab("tab_data")
        page.locator("[data-testid='stFileUploaderDropzoneInput']").first.set_input_files(str(bomb))
        p.idle()
        p.text_visible("小区.zip 解压后约 2048 MB", timeout_ms=60_000)
        p.shoot("hostile_zip_bomb")
        p.assert_clean()
        p.tab("tab_map")  # the rest of the page keeps working
        map_frame(page)
    assert outside == []
