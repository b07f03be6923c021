"""A bureau's team on one PostGIS workspace, in a real browser: anonymous visitors see only the
sign-in form; a planner saves, a viewer cannot, a reviewer approves, the admin reads the audit
log. One app server with a configuration file, one PostgreSQL + PostGIS server, both started here."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest

from geo.store.deployment import CONFIG_ENV, add_user
from tests.browser.harness import ROOT, AppServer, map_frame, planner_page
from tests.browser.planner import Planner
from tests.postgres_server import postgres_server  # noqa: F401 - the fixture

pytestmark = pytest.mark.browser

USERS = {"zhou": ("planner", "周工", "planner-pass-1"), "vic": ("viewer", "", "viewer-pass-1"),
         "rita": ("reviewer", "审核员", "reviewer-pass-1"), "root": ("admin", "", "admin-pass-123")}


@pytest.fixture(scope="module")
def team_app(tmp_path_factory, postgres_server):  # noqa: F811 - the fixture
    work = tmp_path_factory.mktemp("team")
    config = work / "planner.toml"
    for login, (role, display, password) in USERS.items():
        add_user(config, login, password, role=role, display=display)
    body = config.read_text(encoding="utf-8")
    dsn = postgres_server.dsn()
    config.write_text(f'[workspace]\nlocation = "{dsn}"\nlabel = "测试分局方案库"\n' + body, encoding="utf-8")
    server = AppServer(ROOT / "app.py", work, env={CONFIG_ENV: str(config)}, log_name="team.log")
    server.start()
    try:
        yield server
    finally:
        server.stop()


def signed_in(page, url: str, login: str, shots: Path) -> Planner:
    p = Planner(page, url, "zh", shots)
    page.goto(url + "?lang=zh")
    page.get_by_label("用户名").fill(login)
    page.get_by_label("密码").fill(USERS[login][2])
    p.act(page.get_by_role("button", name="登录").click)
    map_frame(page)
    p.idle()
    return p


def test_a_team_shares_one_postgis_workspace(team_app, browser, shots):
    url = team_app.url
    with planner_page(browser, locale="zh-CN") as (page, outside):
        page.goto(url + "?lang=zh")
        page.get_by_role("button", name="登录").wait_for(timeout=60_000)
        assert page.locator("iframe[title='streamlit_folium.st_folium']").count() == 0
        assert page.get_by_role("tab").count() == 0, "an anonymous visitor sees no tab"
        assert "小区" not in page.locator("[data-testid='stMetric']").all_inner_texts()
        page.get_by_label("用户名").fill("zhou")
        page.get_by_label("密码").fill("not-the-password")
        page.get_by_role("button", name="登录").click()
        page.get_by_text("用户名或密码不正确。").wait_for(timeout=30_000)
        page.screenshot(path=str(shots / "t0_refused.png"))
        assert not outside

    with planner_page(browser, locale="zh-CN") as (page, _):  # the planner proposes and saves
        p = signed_in(page, url, "zhou", shots)
        p.text_visible("已登录：周工（规划人员）")
        p.propose()
        p.save("东片整合方案")
        p.text_visible(p.t("saved", name="东片整合方案", revision=1))
        p.text_visible("测试分局方案库")
        p.shoot("t1_planner")
        p.assert_clean()

    with planner_page(browser, locale="zh-CN") as (page, _):  # a viewer looks but cannot save
        p = signed_in(page, url, "vic", shots)
        p.propose()
        p.tab("tab_proposals")
        assert p.button("save").is_disabled()
        p.text_visible("你的角色（查看者）不能保存")
        assert page.get_by_role("button", name="批准").count() == 0
        p.assert_clean()

    with planner_page(browser, locale="zh-CN") as (page, _):  # the reviewer approves
        p = signed_in(page, url, "rita", shots)
        p.tab("tab_proposals")
        p.pick_proposal("东片整合方案")
        p.fill("review_comment", "同意，先做雨污分流")
        p.act(page.get_by_role("button", name="批准").click)
        p.text_visible("已批准“东片整合方案”")
        p.shoot("t2_reviewer")
        p.assert_clean()

    with planner_page(browser, locale="zh-CN") as (page, _):  # the admin reads the audit log
        p = signed_in(page, url, "root", shots)
        p.tab("tab_proposals")
        page.get_by_text(re.compile(r"^审计日志")).first.click()
        p.idle()
        with page.expect_download(timeout=60_000) as info:
            page.get_by_role("button", name="下载审计日志 CSV").click()
        rows = list(csv.reader(io.StringIO(Path(info.value.path()).read_bytes().decode("utf-8-sig"))))
        p.shoot("t3_admin")
        p.assert_clean()
    body = "\n".join(",".join(r) for r in rows)
    assert "zhou" in body and "rita" in body and "同意，先做雨污分流" in body, body[:500]
    assert any("批准" in r for r in rows) and any("保存" in r for r in rows)
