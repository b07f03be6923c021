"""Script from data never runs in the map: every layer builder with hostile names.

Names, streets, operators, zone ids and notes such as ``<img src=x onerror=alert(1)>`` must reach
the browser as text. Tooltips are :class:`layers.escape.TextTooltip` (values set with
``textContent``) while the GeoJSON properties keep the raw values (they come back to the page on a
click); HTML written in Python (legend, zone labels) escapes each value once, with
:func:`layers.escape.escape_html`. The browser proof is ``tests/browser/test_hostile_e2e.py``.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import folium
import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import LineString, Point, box

from layers import build_map, layer_group
from layers.analysis import (aged_pipelines_group, differences_group, findings_group, member_frame,
                             pairs_group, selection_group, zones_group)
from layers.escape import TextTooltip, escape_html, text_tooltip
from layers.legend import Legend, LegendItem, LegendSection, legend_html
from layers.planning import plan_group

ROOT = Path(__file__).resolve().parent.parent

IMG = "<img src=x onerror=alert(1)>"
SCRIPT = "<script>alert(2)</script>"
QUOTE = "\"'><svg onload=alert(3)>"
#: Already escaped text in the data: shown as it is, neither unescaped nor escaped again.
AMP = "A&amp;B &lt;b&gt;"
HOSTILE = (IMG, SCRIPT, QUOTE)


def _js_text(page: str) -> str:
    """The page with JSON string escapes undone, so a '<' sent as \\u003c is seen as '<'."""
    return re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), page).replace('\\"', '"')


def _no_raw_markup(page: str) -> None:
    """No hostile string appears as markup in the page: data reaches scripts only as JSON strings
    (``<`` sent as ``\\u003c``, read as text by the tooltips) or escaped (legend, labels)."""
    for bad in ("<img src=x", "<script>alert", "<svg onload"):
        assert bad not in page


def _render(*groups: folium.Element) -> str:
    m = folium.Map(tiles=None)
    for group in groups:
        group.add_to(m)
    return m.get_root().render()


def _tooltips(element: folium.Element) -> list[folium.Element]:
    found, stack = [], [element]
    while stack:
        elem = stack.pop()
        if isinstance(elem, (folium.GeoJsonTooltip, folium.GeoJsonPopup)):
            found.append(elem)
        stack.extend(getattr(elem, "_children", {}).values())
    return found


def _geojson(element: folium.Element) -> list[folium.GeoJson]:
    found, stack = [], [element]
    while stack:
        elem = stack.pop()
        if isinstance(elem, folium.GeoJson):
            found.append(elem)
        stack.extend(getattr(elem, "_children", {}).values())
    return found


def _check_group(group: folium.Element, raw_values: set[str]) -> str:
    """Every tooltip renders text; the raw values are in the properties; nothing is markup."""
    tips = _tooltips(group)
    assert tips, "the layer has a tooltip"
    assert all(type(tip) is TextTooltip for tip in tips)
    props = {str(v) for layer in _geojson(group) for f in layer.data["features"] for v in f["properties"].values()}
    assert raw_values <= props  # not escaped: the page gets back what the file says
    page = _render(group)
    _no_raw_markup(page)
    assert "innerHTML=table" not in page and "div.innerHTML" not in page
    return page


# --- the helper ----------------------------------------------------------------------------------

def test_escape_html_escapes_once_and_everything():
    assert escape_html(IMG) == "&lt;img src=x onerror=alert(1)&gt;"
    assert escape_html(QUOTE) == "&quot;&#x27;&gt;&lt;svg onload=alert(3)&gt;"
    assert escape_html(AMP) == "A&amp;amp;B &amp;lt;b&amp;gt;"  # the text as written, not unescaped
    assert escape_html(None) == "" and escape_html(2027) == "2027"


def test_the_text_tooltip_sets_text_content_only():
    tip = text_tooltip(["name"], [IMG])
    m = folium.Map(tiles=None)
    gj = folium.GeoJson({"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": "1", "properties": {"name": IMG},
         "geometry": {"type": "Point", "coordinates": [0, 0]}}]})
    gj.add_child(tip)
    gj.add_to(m)
    page = m.get_root().render()
    script = page[page.index(".bindTooltip("):]
    script = script[: script.index("</script>")]
    assert "textContent" in script and "innerHTML" not in script
    _no_raw_markup(page)


def test_only_the_escape_module_writes_data_into_html():
    """One helper: no other layers module escapes by itself or builds folium's HTML tooltips."""
    offenders = []
    for path in sorted((ROOT / "layers").glob("*.py")):
        if path.name == "escape.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr in ("escape", "GeoJsonTooltip", "GeoJsonPopup",
                                                                  "Tooltip", "Popup", "DivIcon") \
                    and not (isinstance(node.ctx, ast.Load) and node.attr == "GeoJsonTooltip"
                             and _is_annotation(tree, node)):
                offenders.append(f"{path.name}:{node.lineno} {node.attr}")
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                names = [a.name for a in node.names]
                if "html" in names or (isinstance(node, ast.ImportFrom) and node.module == "html"):
                    offenders.append(f"{path.name}:{node.lineno} imports html")
    assert offenders == []


def _is_annotation(tree: ast.AST, target: ast.AST) -> bool:
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and node.returns is not None:
            if any(n is target for n in ast.walk(node.returns)):
                return True
    return False


# --- the base map ----------------------------------------------------------------------------------

def _layers() -> dict[str, gpd.GeoDataFrame]:
    communities = gpd.GeoDataFrame(
        {"community_id": [IMG, "c2"], "name": [SCRIPT, AMP], "street": [QUOTE, IMG], "build_year": [1985, 1990],
         "households": [100, 200], "property_mgmt": ["none", "self"], "status": ["planned", "planned"]},
        geometry=[box(87.300, 44.010, 87.301, 44.011), box(87.302, 44.010, 87.303, 44.011)], crs=4326)
    pipelines = gpd.GeoDataFrame(
        {"pipeline_id": ["p1"], "kind": ["gas"], "operator": [IMG], "material": [SCRIPT], "placement": ["buried"]},
        geometry=[LineString([(87.300, 44.012), (87.303, 44.012)])], crs=4326)
    facilities = gpd.GeoDataFrame({"facility_id": ["f1"], "name": [QUOTE], "kind": [IMG]},
                                  geometry=[Point(87.3015, 44.0105)], crs=4326)
    barriers = gpd.GeoDataFrame({"name": [SCRIPT], "kind": ["river"]},
                                geometry=[LineString([(87.3, 44.009), (87.304, 44.009)])], crs=4326)
    roads = gpd.GeoDataFrame({"road_id": ["r1"], "name": [IMG], "kind": ["local"]},
                             geometry=[LineString([(87.3, 44.0095), (87.304, 44.0095)])], crs=4326)
    admin = gpd.GeoDataFrame({"county": [IMG], "street": [SCRIPT]},
                             geometry=[box(87.299, 44.008, 87.305, 44.013)], crs=4326)
    return {"communities": communities, "pipelines": pipelines, "facilities": facilities, "barriers": barriers,
            "roads": roads, "admin": admin}


@pytest.mark.parametrize("name", ["communities", "pipelines", "facilities", "barriers", "roads", "admin"])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_base_layer_shows_hostile_values_as_text(name, lang):
    gdf = _layers()[name]
    texts = {str(v) for c in gdf.columns if c != "geometry" for v in gdf[c] if isinstance(v, str)}
    shown = texts & {IMG, SCRIPT, QUOTE, AMP}
    if name == "facilities":
        shown -= {IMG}  # an unknown kind is shown by its label ("other"), not its code
    _check_group(layer_group(name, gdf, lang=lang), shown)


@pytest.mark.parametrize("colour_by", ["build_year", "eligibility", "property_mgmt", "households"])
def test_the_whole_map_and_its_legend_hold_no_markup_from_data(colour_by):
    layers = _layers()
    layers["communities"]["eligibility"] = [IMG, "candidate"]
    m = build_map(layers, lang="en", colour_by=colour_by, asset_base_url="static", draw=True)
    page = m.get_root().render()
    _no_raw_markup(page)
    assert all(type(t) is TextTooltip for t in _tooltips(m))


def test_the_legend_escapes_its_words_once():
    section = LegendSection(IMG, (LegendItem(SCRIPT, "fill", '"red', fill=QUOTE),), note=AMP)
    text = legend_html([section], lang="en")
    assert escape_html(IMG) in text and escape_html(SCRIPT) in text and escape_html(AMP) in text
    assert 'fill="&quot;&#x27;&gt;' in text and 'stroke="&quot;red"' in text
    m = folium.Map(tiles=None)
    Legend([section]).add_to(m)
    _no_raw_markup(m.get_root().render())


# --- the analysis layers ---------------------------------------------------------------------------

def _zones() -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    communities = _layers()["communities"]
    zones = gpd.GeoDataFrame(
        {"zone_id": [IMG, AMP], "households": [100, 200], "n_members": [1, 1], "span_m": [80.0, 90.0],
         "street": [SCRIPT, QUOTE], "violations": [0, 1], "locked": [True, False], "note": [QUOTE, IMG]},
        geometry=list(communities.geometry), crs=4326)
    members = member_frame(communities, {IMG: IMG, "c2": AMP})
    return zones, members


def test_zones_members_and_zone_labels_show_text():
    zones, members = _zones()
    group = zones_group(zones, members=members, lang="en")
    page = _check_group(group, {IMG, SCRIPT, QUOTE, AMP})
    labels = next(c for c in group._children.values() if c.__class__.__name__ == "_Labels")
    assert [row[2] for row in json.loads(labels.rows_json)] == [escape_html(IMG), escape_html(AMP)]
    assert "&amp;amp;B" in _js_text(page)  # escaped exactly once: the label reads A&amp;B


def test_pairs_cut_by_a_hostile_barrier_show_text():
    pairs = gpd.GeoDataFrame(
        {"a": [IMG], "b": [SCRIPT], "gap_m": [5.0], "reason": ["barrier"], "barrier_kind": ["river"],
         "barrier_name": [QUOTE]}, geometry=[LineString([(87.3, 44.01), (87.302, 44.01)])], crs=4326)
    page = _check_group(pairs_group(pairs, lang="en"), {IMG, SCRIPT, f"cut by the river {QUOTE}"})
    assert "cut by the river" in page


def test_the_selection_shows_text():
    _check_group(selection_group(_layers()["communities"], lang="zh"), {IMG, SCRIPT})


def test_plan_layers_show_text():
    communities = _layers()["communities"]
    group, _ = plan_group(communities, pd.Series({IMG: 2027, "c2": None}), scheme="roadmap_year", lang="en")
    _check_group(group, {IMG, SCRIPT, AMP})


def test_aged_pipelines_and_findings_show_text():
    work = gpd.GeoDataFrame(
        {"pipeline_id": [IMG], "kind": ["gas"], "operator": [SCRIPT], "install_year": [1980], "material": [QUOTE],
         "reason_zh": [AMP], "reason_en": [AMP]},
        geometry=[LineString([(87.3, 44.01), (87.302, 44.01)])], crs=4326)
    _check_group(aged_pipelines_group(work, lang="en", selected=IMG), {IMG, SCRIPT, QUOTE, AMP})
    findings = gpd.GeoDataFrame({"finding_id": ["1"], "kind": [IMG], "finding": [SCRIPT], "words_zh": [QUOTE],
                                 "words_en": [QUOTE]}, geometry=[Point(87.3, 44.01)], crs=4326)
    _check_group(findings_group(findings, lang="zh"), {IMG, SCRIPT, QUOTE})


def test_the_differences_map_shows_text():
    diff = gpd.GeoDataFrame(
        {"feature": ["community", "zone"], "change": ["moved", "only_in_a"], "change_label": [IMG, SCRIPT],
         "community_id": [QUOTE, None], "zone_a": [AMP, IMG], "zone_b": [IMG, None]},
        geometry=[box(87.3, 44.01, 87.301, 44.011), box(87.3, 44.01, 87.302, 44.012)], crs=4326)
    _check_group(differences_group(diff, lang="en"), {IMG, SCRIPT, QUOTE, AMP})
