"""The planner's workbench, driven with Streamlit's AppTest.

AppTest cannot render the map component, so ``ui.mapview.show`` is replaced by a stand-in that
records the layers the page sends and returns the event a click or a drawing would.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import box, mapping
from streamlit.testing.v1 import AppTest

from ui import mapview
from ui.state import STATE_KEY, PageState, widget_key

APP = Path(__file__).resolve().parent.parent / "app.py"


class MapStandIn:
    """Replaces ``mapview.show``: remembers its calls, answers with the next queued event."""

    def __init__(self):
        self.calls: list[dict] = []
        self.events: list[dict] = []

    def __call__(self, base, **kwargs):
        self.calls.append(kwargs)
        return self.events.pop(0) if self.events else {"last_active_drawing": None}

    def click(self, community_id: str) -> None:
        feature = {"type": "Feature", "id": community_id,
                   "properties": {"community_id": community_id, "name": "x"}, "geometry": None}
        self.events.append({"last_active_drawing": feature})

    def draw(self, polygon) -> None:
        drawing = {"type": "Feature", "properties": {}, "geometry": mapping(polygon)}
        self.events.append({"last_active_drawing": drawing})

    def groups(self) -> list:
        """The layers of the last call (deferred ones built)."""
        return [g[1]() if isinstance(g, tuple) else g for g in self.calls[-1]["feature_groups"]]

    def layer_names(self) -> list[str]:
        return [g.layer_name for g in self.groups()]


@pytest.fixture
def stand_in(monkeypatch):
    fake = MapStandIn()
    monkeypatch.setattr(mapview, "show", fake)
    return fake


@pytest.fixture
def workspace(tmp_path, monkeypatch):
    path = tmp_path / "ws" / "proposals.gpkg"
    monkeypatch.setenv("PLANNER_WORKSPACE", str(path))
    return path


def new_app(lang: str = "en") -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=180)
    at.session_state[STATE_KEY] = PageState(lang=lang)
    return at.run()


def page(at: AppTest) -> PageState:
    """The page state of an app run."""
    return at.session_state[STATE_KEY]


def work(at: AppTest):
    """The planner's work on the page's current dataset."""
    return page(at).work


def goto(at: AppTest, tab: str, lang: str = "en") -> AppTest:
    """Open a tab of the page (tabs are lazy: only the open one runs)."""
    at.session_state[widget_key("main_tab", lang)] = tab
    return at.run()


def metrics(at: AppTest) -> dict:
    return {m.label: m.value for m in at.metric}


def proposed(lang: str = "en") -> AppTest:
    at = new_app(lang)
    at.button(key="propose").click()
    return at.run()


def test_propose_shows_the_summary_and_the_zones_layer(stand_in, workspace):
    at = proposed()
    assert not at.exception
    figures = metrics(at)
    assert int(figures["Zones"].replace(",", "")) > 100
    placed, candidates = (int(v.replace(",", "")) for v in figures["Candidates placed"].split(" / "))
    assert 0 < placed <= candidates
    assert figures["Zones breaking a rule"] == "0"
    assert "Proposed zones" in stand_in.layer_names()
    assert any("Left out, by reason" in c.value for c in at.caption)


def test_click_a_community_then_move_it_undo_and_redo(stand_in, workspace):
    at = proposed()
    session = work(at).edit
    zoning = session.zoning
    # a community in a zone and a zone it is not in
    source = sorted(zoning.zones)[0]
    target = sorted(zoning.zones)[1]
    cid = sorted(zoning.zones[source])[0]
    stand_in.click(cid)
    at.run()
    assert work(at).selection == [cid]
    assert any(f"Community details: {cid}" in m.value for m in at.markdown)
    assert "Selection" in stand_in.layer_names()
    at.selectbox(key="move_target").select(target)
    at.run()
    at.button(key="do_move").click()
    at.run()
    assert not at.exception
    session = work(at).edit
    assert session.zone_of(cid) == target
    # the moved community is far from the target zone: the page says which rules it breaks
    assert any("Rules this zone breaks" in w.value for w in at.warning)
    assert metrics(at)["Zones breaking a rule"] != "0"
    at.button(key="undo").click()
    at.run()
    assert work(at).edit.zone_of(cid) == source
    assert metrics(at)["Zones breaking a rule"] == "0"
    at.button(key="redo").click()
    at.run()
    assert work(at).edit.zone_of(cid) == target


def test_draw_a_polygon_to_select_then_make_a_new_zone(stand_in, workspace):
    at = proposed()
    session = work(at).edit
    zone_id = sorted(session.zoning.zones)[0]
    outline = gpd.GeoSeries([session.outline(zone_id)], crs=session.crs).to_crs(4326).iloc[0]
    stand_in.draw(outline.buffer(0))
    at.run()
    selected = work(at).selection
    assert set(session.zoning.zones[zone_id]) <= set(selected)
    before = len(session.zoning.zones)
    at.button(key="do_new").click()
    at.run()
    after = work(at).edit
    assert not at.exception
    assert len(after.zoning.zones) == before  # the old zone emptied, a new one holds them
    assert {after.zone_of(c) for c in selected} == {after.zone_of(selected[0])}


def test_zones_table_lists_every_zone_and_a_picked_zone_is_zoomed_to(stand_in, workspace):
    at = proposed()
    session = work(at).edit
    tables = [d.value for d in at.dataframe if "rules broken" in getattr(d.value, "columns", [])]
    assert len(tables) == 1 and sorted(tables[0]["zone"]) == sorted(session.zoning.zones)
    zone_id = sorted(session.zoning.zones)[3]
    work(at).zoom_to = zone_id  # what selecting its row sets (by zone id)
    at.run()
    call = stand_in.calls[-1]
    outline = gpd.GeoSeries([session.outline(zone_id)], crs=session.crs).to_crs(4326).iloc[0]
    lat, lon = call["center"]
    assert outline.buffer(0.002).contains(gpd.points_from_xy([lon], [lat])[0])
    assert call["zoom"] >= 15


def test_save_a_proposal_reload_and_find_it(stand_in, workspace):
    at = proposed()
    goto(at, "Proposals")
    at.text_input(key=widget_key("save_name")).input("North core A")
    at.text_input(key=widget_key("save_author")).input("Li")
    at.button(key="save").click()
    at.run()
    assert not at.exception
    assert any("Saved 'North core A' (revision 1)" in s.value for s in at.success)
    assert workspace.exists()
    # a reload is a new session: the proposal is listed, and opening it restores the zoning
    again = goto(new_app(), "Proposals")
    listed = [d.value for d in again.dataframe if "revision" in getattr(d.value, "columns", [])]
    assert listed and "North core A" in listed[0]["name"].tolist()
    again.button(key="p_open").click()
    again.run()
    reopened = work(again).edit
    assert reopened.zoning.assignment() == work(at).edit.zoning.assignment()


def test_a_conflicting_save_is_detected_and_the_planner_chooses(stand_in, workspace):
    first = goto(proposed(), "Proposals")
    first.text_input(key=widget_key("save_name")).input("Shared")
    first.button(key="save").click()
    first.run()
    # two tabs open the same proposal
    tab_a, tab_b = goto(new_app(), "Proposals"), goto(new_app(), "Proposals")
    for tab in (tab_a, tab_b):
        tab.button(key="p_open").click()
        tab.run()
        assert tab.checkbox(key=widget_key("save_as_new")).value is False  # an opened proposal is saved as a new revision
    tab_a.button(key="save").click()
    tab_a.run()
    assert any("revision 2" in s.value for s in tab_a.success)
    tab_b.button(key="save").click()
    tab_b.run()
    assert any(w.value.startswith("Save conflict") for w in tab_b.warning)
    tab_b.button(key="conflict_overwrite").click()
    tab_b.run()
    assert any("revision 3" in s.value for s in tab_b.success)


def test_export_all_projects_as_a_zip(stand_in, workspace):
    at = goto(proposed(), "Export")
    at.button(key="x_prepare").click()
    at.run()
    assert not at.exception
    data = work(at).export.data
    with zipfile.ZipFile(io.BytesIO(data)) as bundle:
        names = bundle.namelist()
        geojsons = [n for n in names if n.endswith(".geojson")]
        assert len(geojsons) == len(work(at).edit.zoning.zones)
        doc = json.loads(bundle.read(geojsons[0]))
        assert doc["type"] == "FeatureCollection" and "crs" not in doc
        layers = {f["properties"]["layer"] for f in doc["features"]}
        assert {"zone", "community"} <= layers
        csv_name = next(n for n in names if n.endswith("communities.csv"))
        assert bundle.read(csv_name).startswith(b"\xef\xbb\xbf")


def test_upload_shows_the_mapping_and_the_report_then_is_used(stand_in, workspace, tmp_path):
    homes = gpd.GeoDataFrame(
        {"编号": ["A1", "A2", "A3"], "小区名称": ["甲", "乙", "丙"], "户数": ["120户", "150", "-5"],
         "建成年代": ["1987年", "1990", "1992"], "jd_name": ["城关街道"] * 3},
        geometry=[box(87.300, 44.010, 87.3006, 44.0105), box(87.3006, 44.010, 87.3012, 44.0105),
                  box(87.3012, 44.010, 87.3018, 44.0105)], crs=4326)
    path = tmp_path / "homes.geojson"
    homes.to_file(path, driver="GeoJSON")
    at = goto(new_app(), "Data in")
    at.file_uploader(key="upload_communities").set_value(("homes.geojson", path.read_bytes(), "application/geo+json"))
    at.run()
    assert not at.exception
    mapping = at.data_editor(key="map_communities_en").value if hasattr(at, "data_editor") else None
    editors = [e for e in at.get("arrow_data_frame")] if mapping is None else []
    assert mapping is not None or editors
    if mapping is not None:
        found = dict(zip(mapping["column"], mapping["file_column"]))
        assert found["households"] == "户数" and found["build_year"] == "建成年代"
        assert found["street"] == ""  # jd_name is no alias: the planner maps it in the page
    # the negative household count is rejected, with a reason, before anything is analysed
    assert any(e.label.startswith("Communities:") and "1 rejected" in e.label for e in at.expander)
    at.button(key="use_upload").click()
    at.run()
    assert page(at).source == "upload"
    goto(at, "Map")
    assert metrics(at)["Communities"] == "2"


def test_a_gcj02_basemap_shifts_the_drawn_data_only(monkeypatch, workspace):
    shown = []
    monkeypatch.setattr(mapview, "show", lambda base, **kw: shown.append(base) or {})
    url = "http://tiles.intranet.local/{z}/{x}/{y}.png"
    plain = AppTest.from_file(str(APP), default_timeout=180)
    plain.session_state[STATE_KEY], plain.session_state[widget_key("basemap_url")] = PageState(lang="en"), url
    plain.run()
    shifted = AppTest.from_file(str(APP), default_timeout=180)
    shifted.session_state[STATE_KEY], shifted.session_state[widget_key("basemap_url")] = PageState(lang="en"), url
    shifted.session_state[widget_key("basemap_gcj02")] = True
    shifted.run()
    assert not plain.exception and not shifted.exception
    a, b = shown[0].script, shown[-1].script
    assert a != b and "tiles.intranet.local" in b
    # the analysis data keep their true coordinates
    assert metrics(plain) == metrics(shifted)


def test_lock_a_zone_then_propose_again_keeps_it(stand_in, workspace):
    at = proposed()
    session = work(at).edit
    zone_id = sorted(session.zoning.zones)[10]
    members = set(session.zoning.zones[zone_id])
    stand_in.click(sorted(members)[0])
    at.run()
    at.button(key="do_lock").click()
    at.run()
    assert zone_id in work(at).edit.zoning.locked
    # a stricter rule for everything else; the locked zone is kept exactly as it is
    at.number_input(key=widget_key("r_max")).set_value(600)
    at.run()
    at.button(key="propose").click()
    at.run()
    assert not at.exception
    after = work(at).edit
    assert set(after.zoning.zones[zone_id]) == members and zone_id in after.zoning.locked
    others = after.zones[after.zones["zone_id"] != zone_id]
    assert (others["households"] <= 600).all()
    assert after.can_undo  # the re-run is an edit like any other


def test_pipelines_tab_work_lists_and_the_impact_of_a_clicked_segment(stand_in, workspace):
    at = goto(proposed(), "Pipelines")
    assert not at.exception
    figures = metrics(at)
    assert float(figures["Aged (km)"].replace(",", "")) > 0
    assert int(figures["Operators"]) >= 6
    summary_tables = [d.value for d in at.dataframe if "listed (m)" in getattr(d.value, "columns", [])]
    assert len(summary_tables) == 1 and summary_tables[0]["listed (m)"].sum() > 0
    # back on the map with the pipelines to renovate drawn: click one, see who loses supply
    goto(at, "Map")
    at.checkbox(key=widget_key("show_pipes")).check()
    at.run()
    assert "Aged pipelines (to renovate)" in stand_in.layer_names()
    work_layer = next(g for g in stand_in.groups() if g.layer_name.startswith("Aged"))
    feature = next(iter(work_layer._children.values())).data["features"][0]
    pid = feature["properties"]["pipeline_id"]
    stand_in.events.append({"last_active_drawing": {**feature, "geometry": None}})
    at.run()
    assert not at.exception
    assert work(at).pipeline_selected == pid
    assert any(f"Selected pipeline: {pid}" in m.value for m in at.markdown)
    said = [w.value for w in at.warning] + [s.value for s in at.success]
    assert any(text.startswith(f"{pid}:") for text in said)  # who loses supply, or nobody


def test_work_lists_zip_has_one_csv_and_geojson_per_operator(demo):
    from geo.pipelines import overlay as pl
    from ui.pipelines_panel import _zip_work_lists

    layers = demo.layers
    work = pl.work_list(layers["pipelines"], layers["communities"])
    with zipfile.ZipFile(io.BytesIO(_zip_work_lists(work))) as bundle:
        names = bundle.namelist()
        csvs = [n for n in names if n.endswith(".csv")]
        assert len(csvs) == work["operator"].nunique()
        assert len([n for n in names if n.endswith(".geojson")]) == len(csvs)
        assert all(bundle.read(n).startswith(b"\xef\xbb\xbf") for n in csvs)


def test_compare_two_proposals_figures_and_a_map_of_the_differences(stand_in, workspace):
    at = goto(proposed(), "Proposals")
    at.text_input(key=widget_key("save_name")).input("A")
    at.button(key="save").click()
    at.run()
    # an edit, saved as a second proposal
    session = work(at).edit
    zone_id = sorted(session.zoning.zones)[0]
    session.dissolve(zone_id)
    at.checkbox(key=widget_key("save_as_new")).check()
    at.text_input(key=widget_key("save_name")).input("B")
    at.button(key="save").click()
    at.run()
    assert any("Saved 'B' (revision 1)" in s.value for s in at.success)
    from geo.store.workspace import Workspace

    ids = dict(zip(Workspace(workspace).list()["name"], Workspace(workspace).list()["proposal_id"]))
    assert set(at.selectbox(key=widget_key("cmp_a")).options) == {"A", "B"}  # shown by name
    at.selectbox(key=widget_key("cmp_a")).set_value(ids["A"])
    at.selectbox(key=widget_key("cmp_b")).set_value(ids["B"])
    at.toggle(key=widget_key("cmp_show")).set_value(True)
    at.run()
    assert not at.exception
    figures = [d.value for d in at.dataframe if "Change (B − A)" in getattr(d.value, "columns", [])]
    assert figures, "the figures side by side"
    table = figures[0].set_index("Figure")
    count = lambda v: float(str(v).replace(",", ""))  # noqa: E731
    assert count(table.loc["zones", "A"]) - count(table.loc["zones", "B"]) == 1  # one zone dissolved
    assert any("zones only in A: 1" in c.value for c in at.caption)
    assert not any("None" in str(v) or "nan" == str(v) for v in table.to_numpy().ravel())


def test_every_column_of_the_workspace_tables_has_words_in_both_languages(tmp_path, demo):
    """The proposals list, the history and the deleted list show no raw column name (dataset_name…)."""
    from geo.store.workspace import HISTORY_COLUMNS, Proposal, Workspace
    from ui.i18n import COLUMN_LABELS

    ws = Workspace(tmp_path / "w.gpkg")
    communities = demo.layers["communities"]
    first = sorted(communities["community_id"].astype(str))[:2]
    saved = ws.save(Proposal(name="甲", assignment={c: "Z0001" for c in first}))
    shown = {*ws.list().columns, *HISTORY_COLUMNS, *ws.history(saved.proposal_id).columns}
    ws.delete(saved.proposal_id)
    shown |= set(ws.deleted().columns)
    hidden = {"proposal_id", "dataset_fingerprint"}  # never shown
    missing = sorted(c for c in shown - hidden if c not in COLUMN_LABELS)
    assert not missing, missing


def _headers_not_in_chinese(at: AppTest) -> list[str]:
    """Column headers of the page's tables that are raw names or English words (the grid draws them
    on a canvas, so the browser tests cannot read them)."""
    cjk = re.compile(r"[\u4e00-\u9fff]")
    bad = []
    for frame in at.dataframe:
        for column in getattr(frame.value, "columns", []):
            words = str(column)
            if not cjk.search(words) and re.search(r"[A-Za-z]{3,}", words):
                bad.append(words)
    return bad


def test_every_table_header_of_every_tab_is_in_chinese(stand_in, workspace):
    at = proposed("zh")
    cid = sorted(work(at).edit.zoning.assignment())[3]
    stand_in.click(cid)
    at.run()
    at.session_state[widget_key("save_name")] = "表头"
    at = goto(at, "方案", "zh")
    at.button(key="save").click()
    at.run()
    found = {}
    for tab in ("地图", "方案", "导出", "管线", "改造计划", "数据导入", "数据检查", "图层数据"):
        at = goto(at, tab, "zh")
        assert not at.exception, tab
        bad = _headers_not_in_chinese(at)
        if bad:
            found[tab] = sorted(set(bad))
    assert not found, json.dumps(found, ensure_ascii=False)
