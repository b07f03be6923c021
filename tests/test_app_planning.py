"""The planning tab, driven with Streamlit's AppTest (the map component replaced by a stand-in)."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from tests.test_app_workbench import MapStandIn, goto, metrics, new_app, proposed
from geo.planning.priority import FACTOR_LABELS
from ui import mapview
from ui.state import STATE_KEY, widget_key


@pytest.fixture
def stand_in(monkeypatch):
    fake = MapStandIn()
    monkeypatch.setattr(mapview, "show", fake)
    return fake


@pytest.fixture(autouse=True)
def workspace(tmp_path, monkeypatch):
    monkeypatch.setenv("PLANNER_WORKSPACE", str(tmp_path / "ws" / "proposals.gpkg"))


def _number(value: str) -> float:
    return float(value.replace(",", ""))


def _plan_table(at) -> pd.DataFrame:
    return next(d.value for d in at.dataframe if "project id" in getattr(d.value, "columns", []))


def test_plan_with_zones_respects_the_budget_and_keeps_zones_whole(stand_in):
    at = goto(proposed(), "Plans")
    assert not at.exception
    at.number_input(key=widget_key("plan_budget")).set_value(20000.0)  # 2 亿元
    at.run()
    assert not at.exception
    figures = metrics(at)
    assert 0 < _number(figures["Cost (10,000 yuan)"]) <= 20000
    assert _number(figures["Eligible communities"]) > _number(figures["Communities planned"]) > 0
    assert any("stopped by the budget" in c.value for c in at.caption)
    plan = _plan_table(at)
    assert plan["cost estimate (10,000 yuan)"].sum() <= 20000 + 1e-6
    # a zone is planned whole: every member of a planned zone is in the plan's member list
    zoning = at.session_state[STATE_KEY].work.edit.zoning
    planned_zones = [pid for pid in plan["project id"] if pid in zoning.zones]
    assert planned_zones
    for pid in planned_zones:
        listed = plan.loc[plan["project id"] == pid, "community ids"].iloc[0].split(", ")
        assert set(listed) == set(zoning.zones[pid])
    # the map colours communities by the roadmap year and says how in a legend
    assert stand_in.calls[-1]["key"] == "plan_map"
    assert stand_in.layer_names() == ["Roadmap"]


def test_preset_and_weights_change_the_ranking_and_scores_break_down(stand_in):
    at = goto(new_app(), "Plans")
    assert not at.exception
    assert any("No zones yet" in i.value for i in at.info)
    build_year, gaps = (f"{FACTOR_LABELS[f][1]} points" for f in ("build_year", "service_gaps"))
    scores = next(d.value for d in at.dataframe if build_year in getattr(d.value, "columns", []))
    points = scores[[c for c in scores.columns if c.endswith(" points")]].sum(axis=1)
    assert (points - scores["score"]).abs().max() < 1e-9
    policy_top = scores.iloc[0]["community"]
    at.selectbox(key=widget_key("plan_preset", "en")).set_value("yunnan")
    at.run()
    assert not at.exception
    yunnan = next(d.value for d in at.dataframe if gaps in getattr(d.value, "columns", []))
    assert yunnan[gaps].sum() > 0 and scores[gaps].sum() == 0
    assert yunnan.iloc[0]["community"] != policy_top or yunnan["score"].iloc[0] != scores["score"].iloc[0]
    explained = [m.value for m in at.markdown if m.value.startswith("score ")]
    assert explained and "(rank 1)" in explained[0]


def _reserve_cost(at, project: str) -> float:
    reserve = next(d.value for d in at.dataframe
                   if "reserve rank" in getattr(d.value, "columns", [])
                   and not {"plan year", "limits exceeded"} & set(d.value.columns))
    return float(reserve.loc[reserve["project id"] == project, "cost estimate (10,000 yuan)"].iloc[0])


def test_an_added_item_is_costed_into_the_plan(stand_in):
    from geo.planning.costs import DEFAULT_UNIT_COSTS

    at = goto(new_app(), "Plans")
    project = at.selectbox(key=widget_key("items_project")).value
    items = next(d.value for d in at.dataframe if "source" in getattr(d.value, "columns", []))
    lift = items[(items["community or zone"] == project) & (items["item"] == "lift retrofit")]
    before = _reserve_cost(at, project)
    at.selectbox(key="item_unit").set_value(project)
    at.selectbox(key="item_code_en").set_value("lift_retrofit")
    at.number_input(key="item_qty").set_value(2.0)
    at.button(key="item_add").click()
    at.run()
    assert not at.exception
    assert at.session_state[STATE_KEY].plan.item_edits[-1]["item"] == "lift_retrofit"
    items = next(d.value for d in at.dataframe if "source" in getattr(d.value, "columns", []))
    assert "added by the planner" in set(items.loc[items["community or zone"] == project, "source"])
    unit_cost = DEFAULT_UNIT_COSTS.set_index("item").loc["lift_retrofit", "unit_cost_yuan"]
    expected = (2 * unit_cost - pd.to_numeric(lift["cost (yuan)"].astype(str).str.replace(",", "")).sum()) / 1e4
    assert _reserve_cost(at, project) - before == pytest.approx(expected, abs=0.02)


def test_exports_download_the_plan_the_workbook_and_the_sheets(stand_in):
    at = goto(proposed(), "Plans")
    assert not at.exception
    buttons = {b.proto.label: b for b in at.get("download_button")}
    assert {"Annual plan CSV", "Annual plan XLSX", "Plan sheets (HTML)", "Reserve CSV", "Roadmap CSV"} <= set(buttons)


def test_the_map_shows_one_facility_kind_within_reach_or_not(stand_in):
    at = goto(new_app(), "Plans")
    at.radio(key=widget_key("plan_map_scheme", "en")).set_value("n_gaps")
    at.run()
    at.selectbox(key=widget_key("plan_gap_kind", "en")).set_value("kindergarten")
    at.run()
    assert not at.exception
    group = stand_in.groups()[0]
    assert group.layer_name == "This facility within reach"
    geojson = next(iter(group._children.values()))
    values = [f["properties"]["value"] for f in geojson.data["features"]]
    assert set(values) <= {0, 1, None} and 0 in values and 1 in values
    legend = [m.value for m in at.markdown if "This facility within reach" in m.value]
    assert legend and "not within reach" in legend[0]


def test_item_edits_are_saved_as_json_and_loaded_again(stand_in):
    at = goto(new_app(), "Plans")
    project = at.selectbox(key=widget_key("items_project")).value
    at.selectbox(key="item_unit").set_value(project)
    at.selectbox(key="item_code_en").set_value("parcel_locker")
    at.button(key="item_add").click()
    at.run()
    saved = list(at.session_state[STATE_KEY].plan.item_edits)
    assert saved and "Save the item edits (JSON)" in {b.proto.label for b in at.get("download_button")}
    at.button(key="item_clear").click()
    at.run()
    assert at.session_state[STATE_KEY].plan.item_edits == []
    at.file_uploader(key="item_load").set_value(("item_edits.json", json.dumps(saved).encode(), "application/json"))
    at.run()
    assert not at.exception
    assert at.session_state[STATE_KEY].plan.item_edits == saved
    at.file_uploader(key="item_load").set_value(("bad.json", b"[{\"action\": \"move\"}]", "application/json"))
    at.run()
    assert any("lacks unit_id, item" in e.value for e in at.error)


def test_every_step_of_a_plan_and_of_the_pipelines_analysis_is_worded(demo):
    """The progress of long work names each step in the page's language, in the order it runs."""
    from geo.planning.run import PLAN_STEPS, plan_city
    from ui import pipelines_panel
    from ui.i18n import TEXT

    seen: list[str] = []
    plan_city(demo.layers, progress=seen.append)
    assert tuple(seen) == PLAN_STEPS
    pipes: list[str] = []
    zones = demo.layers["communities"].iloc[:40].dissolve().reset_index(drop=True).assign(zone_id="Z0001")
    pipelines_panel.analyse.__wrapped__(demo, "k", "z", zones[["zone_id", "geometry"]], pipes.append)
    assert tuple(pipes) == pipelines_panel.PIPE_STEPS
    for key in [f"plan_step_{s}" for s in PLAN_STEPS] + [f"pipe_step_{s}" for s in pipelines_panel.PIPE_STEPS]:
        assert key in TEXT and all(TEXT[key]), key
