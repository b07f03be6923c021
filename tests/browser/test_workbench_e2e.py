"""End to end, in headless Chromium: the planner's day on the demo city.

Open the app, propose zones, click a community and move it to another zone, save the proposal,
reload the page and find it, export the projects and validate the files; no request may leave
localhost. Screenshots of each step go to ``$E2E_SCREENSHOTS`` (default: the test's tmp folder).
"""

from __future__ import annotations

import io
import json
import os
import re
import zipfile
from pathlib import Path

import geopandas as gpd
import pytest
from playwright.sync_api import expect

from tests.browser.harness import click_free_path, map_frame, planner_page, wait_idle

pytestmark = pytest.mark.browser


@pytest.fixture
def server(app):
    """The shared app server (its workspace holds other tests' proposals too)."""
    url, workspace, _ = app
    return url, workspace


def shoot(page, name: str, folder: Path) -> None:
    page.screenshot(path=str(folder / f"{name}.png"), full_page=False)


def click_button(page, label: str) -> None:
    page.get_by_role("button", name=re.compile(f"^{re.escape(label)}$")).first.click()


def open_tab(page, label: str) -> None:
    page.get_by_role("tab", name=label).click()
    wait_idle(page)


def test_planner_day(server, browser, tmp_path):
    url, workspace = server
    shots = Path(os.environ.get("E2E_SCREENSHOTS", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    with planner_page(browser) as (page, outside):
        page.goto(url)
        frame = map_frame(page)
        wait_idle(page)
        shoot(page, "1_open", shots)

        # propose zones with the default rules
        click_button(page, "Propose zones")
        wait_idle(page)
        frame.locator(".zone-label").first.wait_for(state="attached", timeout=60_000)
        assert page.get_by_text("Candidates placed").count() >= 1
        shoot(page, "2_proposed", shots)

        # click a member community of a zone (their fills are drawn by the zones layer)
        labels = frame.locator(".zone-label")
        assert labels.count() > 100
        target_zone = labels.nth(5).text_content().strip()  # hidden when zoomed out: text, not inner text
        assert re.fullmatch(r"Z\d{4}", target_zone)
        click_free_path(page, frame.locator("path.leaflet-interactive[fill-opacity='0.55']"))
        page.get_by_text(re.compile(r"^Community details: ")).first.wait_for(timeout=30_000)  # one click
        wait_idle(page)
        shoot(page, "3_clicked", shots)
        details = page.get_by_text(re.compile(r"^Community details: ")).first.inner_text()
        community = details.split(": ", 1)[1].split()[0]

        # move it to another zone
        page.get_by_label("Move to zone").click()
        page.keyboard.type(target_zone)
        page.get_by_role("option", name=target_zone, exact=True).click()
        wait_idle(page)
        expect(page.locator("button").filter(has_text=re.compile("^Move$")).first).to_be_enabled(timeout=15_000)
        click_button(page, "Move")
        wait_idle(page)
        page.get_by_text(re.compile(f"Zone {target_zone}")).first.wait_for(timeout=30_000)
        shoot(page, "4_moved", shots)

        # save the proposal
        open_tab(page, "Proposals")
        page.get_by_label("Name", exact=True).fill("E2E north core")
        page.get_by_label("Author", exact=True).fill("tester")
        click_button(page, "Save")
        page.get_by_text("Saved 'E2E north core' (revision 1)").wait_for(timeout=30_000)
        shoot(page, "5_saved", shots)
        assert workspace.exists()

        # reload: a new session finds it in the workspace
        page.reload()  # the page's draft reopens the tab that was open (Proposals)
        page.get_by_role("tab", name="Proposals").wait_for(timeout=60_000)
        wait_idle(page)
        open_tab(page, "Proposals")
        shoot(page, "6a_proposals_after_reload", shots)
        page.locator("button").filter(has_text=re.compile("^Open$")).first.wait_for(timeout=30_000)
        page.get_by_role("combobox", name="Proposal", exact=True).click()  # the workspace is shared:
        page.keyboard.type("E2E north core")  # a long list shows only its first options until filtered
        page.get_by_role("option", name="E2E north core", exact=True).click()
        wait_idle(page)
        page.locator("button").filter(has_text=re.compile("^Open$")).first.click()
        page.get_by_text("Opened 'E2E north core'").wait_for(timeout=30_000)
        shoot(page, "6_reloaded", shots)

        # export every project and validate the files
        open_tab(page, "Export")
        click_button(page, "Prepare the files")
        wait_idle(page)
        with page.expect_download(timeout=60_000) as info:
            page.get_by_role("button", name=re.compile(r"^Download ")).click()
        data = Path(info.value.path()).read_bytes()
        shoot(page, "7_export", shots)

    with zipfile.ZipFile(io.BytesIO(data)) as bundle:
        names = bundle.namelist()
        folder = next(n for n in names if n.startswith(target_zone) and n.endswith(".geojson"))
        doc = json.loads(bundle.read(folder))
        members = [f["properties"]["community_id"] for f in doc["features"] if f["properties"]["layer"] == "community"]
        assert community in members, "the moved community is exported with its new zone"
        gpkg = next(n for n in names if n.startswith(target_zone) and n.endswith(".gpkg"))
        path = tmp_path / "zone.gpkg"
        path.write_bytes(bundle.read(gpkg))
        zone = gpd.read_file(path, layer="zone")
        assert zone.crs.to_epsg() == 4326 and zone.geometry.is_valid.all()
    assert not outside, f"the page requested addresses outside this machine: {outside[:5]}"
