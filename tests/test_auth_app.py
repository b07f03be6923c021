"""Sign-in in the page (AppTest): nothing shows before it, wrong passwords and lock-out, expiry,
roles in the Proposals tab, a wrong configuration file, and single-user mode."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from geo.store.deployment import CONFIG_ENV, WORKSPACE_ENV, add_user
from ui.state import STATE_KEY, PageState, widget_key

APP = Path(__file__).resolve().parent.parent / "app.py"


@pytest.fixture
def bureau(tmp_path, monkeypatch):
    """A configuration file with a planner, a viewer and an admin; the workspace in tmp_path."""
    path = tmp_path / "planner.toml"
    add_user(path, "zhou", "planner-pass-1", role="planner", display="周工")
    add_user(path, "vic", "viewer-pass-1", role="viewer")
    body = path.read_text(encoding="utf-8").replace(
        '[sign_in]\nmode = "password"', '[sign_in]\nmode = "password"\nmax_failures = 3\nidle_minutes = 30')
    path.write_text(f'[workspace]\nlocation = "{tmp_path / "ws" / "proposals.gpkg"}"\n' + body, encoding="utf-8")
    monkeypatch.setenv(CONFIG_ENV, str(path))
    st.cache_resource.clear()  # the server's lock-out counts start afresh for each test
    yield path
    st.cache_resource.clear()


def page(lang: str = "zh") -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=180)
    at.session_state[STATE_KEY] = PageState(lang=lang)
    return at.run()


def sign_in(at: AppTest, login: str, password: str) -> AppTest:
    at.text_input[0].input(login)
    at.text_input[1].input(password)
    return at.button[0].click().run()


def test_nothing_but_the_sign_in_form_before_sign_in(bureau):
    at = page()
    assert not at.exception
    assert [b.label for b in at.button] == ["登录"]
    assert not at.metric and not at.tabs, "no data, no tab before sign-in"
    assert [t.label for t in at.text_input] == ["用户名", "密码"]


def test_a_wrong_password_is_refused_and_a_right_one_opens_the_page(bureau):
    at = sign_in(page(), "zhou", "wrong-pass")
    assert [e.value for e in at.error] == ["用户名或密码不正确。"] and not at.tabs
    at = sign_in(at, "zhou", "planner-pass-1")
    assert not at.exception and at.tabs and at.metric
    assert any("已登录：周工（规划人员）" in c.value for c in at.sidebar.caption)


def test_a_login_is_locked_after_too_many_wrong_passwords(bureau):
    at = page()
    for _ in range(3):
        at = sign_in(at, "vic", "nope-nope")
    at = sign_in(at, "vic", "viewer-pass-1")  # even the right password waits
    assert "请 15 分钟后再试" in at.error[0].value and not at.tabs


def test_a_sign_in_expires_after_the_idle_time(bureau):
    at = sign_in(page(), "zhou", "planner-pass-1")
    assert at.tabs
    at.session_state[STATE_KEY].sign_in.seen = time.time() - 31 * 60
    at.run()
    assert not at.tabs and [b.label for b in at.button] == ["登录"]
    assert any("登录已过期" in i.value for i in at.info)


def test_a_viewer_cannot_save(bureau):
    at = sign_in(page(), "vic", "viewer-pass-1")
    at.session_state[widget_key("main_tab", "zh")] = "方案"  # open the Proposals tab
    at.run()
    save = at.button(key="save")
    assert save.disabled
    assert any("你的角色（查看者）不能保存" in c.value for c in at.caption)


def test_a_wrong_configuration_stops_the_page_with_words_not_a_path(tmp_path, monkeypatch):
    bad = tmp_path / "planner.toml"
    bad.write_text('[sign_in]\nmode = "open"\n', encoding="utf-8")
    monkeypatch.setenv(CONFIG_ENV, str(bad))
    at = page()
    assert not at.exception and not at.tabs
    assert [e.value for e in at.error] == [
        "服务器配置文件 planner.toml 有误，页面暂不能使用：请联系管理员（详情见服务器日志）。"]


def test_single_user_mode_says_so(tmp_path, monkeypatch):
    monkeypatch.delenv(CONFIG_ENV, raising=False)
    monkeypatch.setenv(WORKSPACE_ENV, str(tmp_path / "ws" / "proposals.gpkg"))
    at = page()
    assert not at.exception and at.tabs
    assert any("单用户模式" in c.value for c in at.sidebar.caption)


def test_a_draft_is_restored_only_for_the_person_who_made_it(bureau):
    at = sign_in(page(), "zhou", "planner-pass-1")
    next(b for b in at.button if b.label == "生成整合片区").click().run()
    assert not at.exception and at.session_state[STATE_KEY].work.edit is not None
    draft = at.session_state[STATE_KEY].draft_id

    def opened_by(login: str, password: str) -> PageState:
        other = AppTest.from_file(str(APP), default_timeout=180)
        other.session_state[STATE_KEY] = PageState(lang="zh")
        other.query_params["draft"] = draft  # the planner's address, e.g. sent to a colleague
        other.run()
        return sign_in(other, login, password).session_state[STATE_KEY]

    stranger = opened_by("vic", "viewer-pass-1")
    assert stranger.draft_id != draft and stranger.work.edit is None, "another person's draft stays theirs"
    owner = opened_by("zhou", "planner-pass-1")
    assert owner.draft_id == draft and owner.work.edit is not None, "the planner's own zoning comes back"
    assert owner.work.edit.zoning.assignment() == at.session_state[STATE_KEY].work.edit.zoning.assignment()
