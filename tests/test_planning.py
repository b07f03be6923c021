"""geo.planning.run.plan_city: the steps fit together (demo city) and missing layers are said, not guessed."""

from __future__ import annotations

import datetime as dt

import pytest

from geo.planning.costs import SOURCES
from geo.io.load import load_demo
from geo.planning.run import PlanSettings, plan_city, project_years
from geo.zoning.zones import propose_zones


@pytest.fixture(scope="module")
def demo():
    layers = load_demo().layers
    zoning = propose_zones(layers["communities"], barriers=layers["barriers"])
    settings = PlanSettings(plan_year=2027, budget_yuan=2e8, target_year=2029, budget_per_year_yuan=2.5e8,
                            notice_start=dt.date(2027, 3, 1))
    return layers, zoning, plan_city(layers, zone_of=zoning.assignment(), zones=zoning.zones, settings=settings)


def test_zones_are_projects_whole_and_the_plan_keeps_its_limits(demo):
    _, zoning, result = demo
    zone_of = zoning.assignment()
    zones = result.reserve[result.reserve["project_kind"] == "zone"]
    assert len(zones) > 0
    for pid, members in zip(zones["project_id"], zones["members"]):
        assert set(members) == {c for c, z in zone_of.items() if z == pid}
    singles = result.reserve[result.reserve["project_kind"] == "community"]
    assert not set(singles["project_id"]) & set(zone_of)          # a zone member is never alone
    assert 0 < result.plan.totals["cost_yuan"] <= 2e8
    assert result.plan.binding == ("budget_yuan",)


def test_funding_of_the_plan_adds_up_to_its_cost(demo):
    _, _, result = demo
    totals = result.funding_totals()
    assert list(totals.index) == [f"{s}_yuan" for s in SOURCES]
    assert abs(totals.sum() - result.plan.totals["cost_yuan"]) <= len(result.plan.chosen)  # whole yuan each


def test_the_roadmaps_first_year_is_the_years_plan(demo):
    _, _, result = demo
    first = result.roadmap[result.roadmap["plan_year"] == 2027]
    assert list(first["project_id"]) == list(result.plan.chosen["project_id"])
    later = result.roadmap_summary[result.roadmap_summary["year"].isin([2028, 2029])]
    assert (later["cost_yuan"] <= 2.5e8).all() and later["projects"].sum() > 0
    years = project_years(result.roadmap)
    assert set(years.dropna().unique()) <= {2027, 2028, 2029}


def test_items_only_for_eligible_communities_and_zones(demo):
    layers, _, result = demo
    eligible = set(result.scores.loc[result.scores["eligible"], "community_id"])
    units = result.items.loc[result.items["unit_kind"] == "community", "unit_id"]
    assert set(units) <= eligible and len(set(units)) > 0


def test_operators_per_project_measured_round_the_zone(demo):
    _, _, result = demo
    ops = result.operators
    chosen = set(result.plan.chosen["project_id"])
    assert chosen <= set(ops["project_id"])
    assert (ops["length_service_m"] >= ops["length_inside_m"] - 1e-6).all()


def test_without_facilities_or_pipelines_nothing_is_guessed(demo):
    layers, _, _ = demo
    only = {"communities": layers["communities"]}
    result = plan_city(only, settings=PlanSettings(plan_year=2027, max_projects=10,
                                                   weights={"build_year": 1, "service_gaps": 1}))
    assert result.gaps is None and result.needs is None and result.operators is None
    said = " ".join(n["en"] for n in result.notes)
    assert "no facilities layer" in said and "no pipelines layer" in said
    assert not result.items["item"].str.startswith("pipe_").any()
    facility_items = {"kindergarten", "clinic", "elderly_care", "market", "fitness", "parcel_locker"}
    assert not set(result.items["item"]) & facility_items
    scored = result.scores[result.scores["eligible"]]
    assert (scored["points_service_gaps"] == 0).all()
    assert scored["missing_factors"].str.contains("service_gaps").all()
    assert len(result.plan.chosen) == 10


def test_planner_item_edits_change_the_cost(demo):
    layers, zoning, result = demo
    first = result.plan.chosen.iloc[0]
    unit = pid = first["project_id"]            # the project's own unit: the zone, or the community
    kind = first["project_kind"]
    edited = plan_city(layers, zone_of=zoning.assignment(), zones=zoning.zones, gaps=result.gaps,
                       needs=result.needs, settings=PlanSettings(
                           plan_year=2027, budget_yuan=2e8, item_edits=(
                               {"action": "add", "unit_id": unit, "item": "community_service", "quantity": 2,
                                "unit_kind": kind},)))
    cost = lambda r: float(r.reserve.set_index("project_id").loc[pid, "cost_yuan"])  # noqa: E731
    unit_cost = float(result.unit_costs.set_index("item").loc["community_service", "unit_cost_yuan"])
    before = result.items[(result.items["unit_id"] == unit) & (result.items["item"] == "community_service")]
    assert cost(edited) - cost(result) == pytest.approx(2 * unit_cost - before["cost_yuan"].sum())
