"""End to end, in headless Chromium: from zones to the year's plan on the demo city.

Propose zones, open the planning tab, set a budget, see the plan and the roadmap map, download
the plan workbook and the plan sheets and check them; no request may leave localhost.
"""

from __future__ import annotations

import io
import os
import re
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from playwright.sync_api import expect

from tests.browser.harness import planner_page, wait_idle

pytestmark = pytest.mark.browser


def download(page, label: str) -> bytes:
    """Click a download button once the page is idle (a click during a rerun is lost); the file."""
    wait_idle(page, 120_000)
    button = page.get_by_role("button", name=label)
    button.scroll_into_view_if_needed()
    with page.expect_download(timeout=120_000) as info:
        button.click()
    data = Path(info.value.path()).read_bytes()
    wait_idle(page, 120_000)
    return data


def test_plan_a_year_and_download_it(app, browser, tmp_path):
    server = app[0]
    shots = Path(os.environ.get("E2E_SCREENSHOTS", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    with planner_page(browser) as (page, outside):
        page.goto(server)
        wait_idle(page)
        page.get_by_role("button", name=re.compile("^Propose zones$")).first.click()
        wait_idle(page)
        page.get_by_text("Candidates placed").first.wait_for(timeout=60_000)
        page.get_by_role("tab", name="Plans").click()
        wait_idle(page, 120_000)
        cost = page.locator("[data-testid='stMetric']").filter(has_text="Cost (10,000 yuan)")
        cost.wait_for(timeout=120_000)  # the first plan of this session is drawn
        budget = page.get_by_role("spinbutton", name="Budget of the year (10,000 yuan)")
        budget.fill("20000")
        budget.press("Enter")
        wait_idle(page, 120_000)
        try:
            expect(budget).to_have_value(re.compile(r"^20000(\.00)?$"), timeout=30_000)
            page.get_by_text("stopped by the budget").first.wait_for(timeout=120_000)
            expect(cost.locator("[data-testid='stMetricValue']")).to_have_text(  # the new budget's figures
                re.compile(r"^(1?\d,\d{3}|\d{1,3}|20,000)$"), timeout=120_000)        # 1 ... 20,000
        except Exception:
            page.screenshot(path=str(shots / "plan_failed.png"), full_page=True)
            raise
        shown = cost.locator("[data-testid='stMetricValue']").inner_text()
        assert 0 < float(shown.replace(",", "")) <= 20000
        frame = page.frame_locator("iframe[title='streamlit_folium.st_folium']")
        frame.locator("path.leaflet-interactive").first.wait_for(state="attached", timeout=60_000)
        page.get_by_text("Map shows").scroll_into_view_if_needed()
        page.screenshot(path=str(shots / "plan_1_map.png"))
        page.get_by_role("tab", name="Export").last.click()  # the planning tab's own export tab
        wait_idle(page, 120_000)
        workbook = download(page, "Annual plan XLSX")
        sheets = download(page, "Plan sheets (HTML)")
        page.screenshot(path=str(shots / "plan_2_export.png"))
    tables = pd.read_excel(io.BytesIO(workbook), sheet_name=None)
    assert list(tables) == ["plan", "skipped", "totals"]
    plan = tables["plan"]
    assert len(plan) > 0 and plan["cost estimate (10,000 yuan)"].sum() <= 20000 + 1e-6
    with zipfile.ZipFile(io.BytesIO(sheets)) as bundle:
        pages = [n for n in bundle.namelist() if n.endswith(".html")]
        assert "plan_sheets/index.html" in pages and len(pages) == len(plan) + 1
        one = bundle.read(next(p for p in pages if not p.endswith("index.html"))).decode("utf-8")
    assert "<svg" in one and not re.search(r'(src|href)="https?:', one)
    assert not outside, f"the page requested addresses outside this machine: {outside[:5]}"
