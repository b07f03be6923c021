"""The Streamlit page, run headless with AppTest: it opens on the demo city, offline, in both languages."""

import json
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import ui.sidebar
from geo.io.schema import layer_spec
from ui.state import STATE_KEY, PageState, widget_key

APP = Path(__file__).resolve().parent.parent / "app.py"

CDN = re.compile(
    r"https?://[^\"' ]*(jsdelivr|unpkg|cdnjs|cloudflare|jquery\.com|bootstrapcdn|d3js|googleapis|"
    r"fontawesome|maxcdn|gstatic)",
    re.IGNORECASE,
)


def run_app(lang: str = "zh", **widgets) -> AppTest:
    """The page in ``lang``, with the sidebar fields ``widgets`` set as a planner would."""
    at = AppTest.from_file(str(APP), default_timeout=180)
    at.session_state[STATE_KEY] = PageState(lang=lang)
    for name, value in widgets.items():
        at.session_state[widget_key(name)] = value
    return at.run()


def map_component(at: AppTest) -> dict:
    """The arguments the page sends to the st_folium component (AppTest cannot render it)."""

    def walk(node):
        yield node
        children = getattr(node, "children", None)
        if isinstance(children, dict):
            for child in children.values():
                yield from walk(child)

    found = [n.proto for n in walk(at._tree) if type(n).__name__ == "UnknownElement"
             and getattr(n.proto, "component_name", "") == "streamlit_folium.st_folium"]
    assert len(found) == 1, "the page shows exactly one map"
    return json.loads(found[0].json_args)


@pytest.fixture(scope="module")
def app_zh() -> AppTest:
    return run_app(lang="zh")


def test_opens_on_the_demo_city_without_errors(app_zh):
    assert not app_zh.exception
    assert [t.value for t in app_zh.title] == ["老旧小区改造规划"]
    metrics = {m.label: m.value for m in app_zh.metric}
    assert int(metrics["小区"].replace(",", "")) >= 800
    assert int(metrics["2000年前建成"].replace(",", "")) > 0
    assert not app_zh.error


def test_map_draws_every_layer_with_local_assets_only(app_zh):
    args = map_component(app_zh)
    assert args["script"].count("L.geoJson(") == 3, "communities, barriers, admin by default"
    app_zh.checkbox(key=widget_key("draw_pipelines")).check()
    app_zh.checkbox(key=widget_key("draw_facilities")).check()
    app_zh.run()
    args = map_component(app_zh)
    links = args["js_links"] + args["css_links"]
    assert links, "the map needs Leaflet"
    assert all(link.startswith("../ui.offline.layers_static/vendor/") for link in links)
    assert any(link.endswith("leaflet.js") for link in links)
    page = json.dumps(args, ensure_ascii=False)
    assert not CDN.findall(page), "a CDN address reached the page"
    script = args["script"]
    assert script.count("L.geoJson(") == 5, "one GeoJSON layer per layer of the demo city"
    for layer in ("小区", "管线", "配套设施", "分隔要素", "行政区划"):
        assert json.dumps(layer)[1:-1] in script, f"layer {layer} is not in the layer panel"
    assert "L.tileLayer" not in script  # no basemap by default: nothing fetched
    assert args["returned_objects"] == ["last_active_drawing"]  # clicks and drawings; never pans


def test_data_check_lists_every_layer(app_zh):
    app_zh.session_state[widget_key("main_tab", "zh")] = "数据检查"
    app_zh.run()
    labels = [e.label for e in app_zh.expander]
    for layer in ("communities", "pipelines", "facilities", "barriers", "admin"):
        name = layer_spec(layer).label("zh")
        assert any(label.startswith(f"{name}: ") and "保留" in label for label in labels), (layer, labels)


def test_switching_to_english(app_zh):
    at = run_app(lang="en")
    assert [t.value for t in at.title] == ["Old-community renovation planner"]
    assert "Communities" in {m.label for m in at.metric}
    script = map_component(at)["script"]
    assert "planning-legend-title\\\"\\u003eLegend" in script
    assert "Communities by build year" in script


def test_a_configured_basemap_is_drawn(app_zh):
    at = run_app(lang="zh", basemap_url="http://tiles.intranet.local/{z}/{x}/{y}.png")
    script = map_component(at)["script"]
    assert "L.tileLayer" in script and "tiles.intranet.local" in script


def test_a_broken_demo_file_is_a_message_not_a_traceback(tmp_path, monkeypatch):
    broken = tmp_path / "demo.gpkg"
    broken.write_text("not a geopackage")
    monkeypatch.setattr(ui.sidebar, "DEMO_PATH", broken)  # the page's demo file
    at = run_app(lang="en")
    assert not at.exception
    assert any("could not be loaded" in e.value and "demo.gpkg" in e.value and "Error" not in e.value
               and str(tmp_path) not in e.value for e in at.error), [e.value for e in at.error]
