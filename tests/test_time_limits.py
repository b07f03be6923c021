"""An analysis started from the page stops at its time limit with words for the planner: the zoning,
the pipelines analysis and the plan each call the time-limited progress between steps."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from geo import AnalysisTimeLimitError, analyse_pipelines, community_pairs, plan_city, propose_zones, time_limited
from ui.messages import error_words
from ui.state import STATE_KEY, PageState
from tests.test_app import APP


def test_the_zoning_stops_at_its_limit(demo):
    communities = demo.layers["communities"]
    pairs = community_pairs(communities, barriers=demo.layers["barriers"])
    with pytest.raises(AnalysisTimeLimitError) as caught:
        propose_zones(communities, pairs=pairs, barriers=demo.layers["barriers"],
                      progress=time_limited(None, "zoning", seconds=0))
    assert caught.value.code == "analysis_too_long"
    assert error_words(caught.value, "zh").startswith("片区划分运行超过 0 秒，已停止")


def test_the_pipelines_analysis_and_the_plan_stop_at_their_limits(demo):
    with pytest.raises(AnalysisTimeLimitError):
        analyse_pipelines(demo.layers["communities"], demo.layers["pipelines"],
                          progress=time_limited(None, "pipelines", seconds=0))
    with pytest.raises(AnalysisTimeLimitError) as caught:
        plan_city(demo.layers, progress=time_limited(None, "plan", seconds=0))
    assert "改造计划编制运行超过" in error_words(caught.value, "zh")


def test_a_generous_limit_changes_nothing(demo):
    communities = demo.layers["communities"]
    pairs = community_pairs(communities, barriers=demo.layers["barriers"])
    plain = propose_zones(communities, pairs=pairs, barriers=demo.layers["barriers"])
    timed = propose_zones(communities, pairs=pairs, barriers=demo.layers["barriers"],
                          progress=time_limited(None, "zoning", seconds=3600))
    assert timed.assignments.equals(plain.assignments)


def test_the_page_says_the_zoning_was_stopped_and_keeps_working(monkeypatch, tmp_path):
    monkeypatch.setenv("PLANNER_WORKSPACE", str(tmp_path / "ws" / "proposals.gpkg"))
    monkeypatch.setattr("geo.io.limits.MAX_ANALYSIS_SECONDS", 0)  # every analysis is past its limit
    at = AppTest.from_file(str(APP), default_timeout=180)
    at.session_state[STATE_KEY] = PageState(lang="zh")
    at.run()
    next(b for b in at.button if b.label == "生成整合片区").click().run()
    assert not at.exception
    assert any("片区划分运行超过 0 秒，已停止" in e.value for e in at.error), [e.value for e in at.error]
    assert at.metric and at.tabs
