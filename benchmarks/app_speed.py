"""The planner's app in a real browser: how long until it is usable, and how long an edit takes.

Starts ``streamlit run app.py`` and drives Debian's headless Chromium with Playwright (the same
harness as the end-to-end tests), on the demo city and on a synthetic city of ``--big``
communities (``PLANNER_DATA``). For each city it prints:

- **ready**: from ``page.goto`` until the map's iframe has drawn community polygons and the
  script has finished: the first visitor after the server started (``cold``: loading the layers
  and rendering the base map happen then) and a second visitor (``warm``: both cached);
- the page's weight: bytes of the map component's arguments (the base map's script);
- **propose**: from the click on "Propose zones" until the zone labels are drawn;
- **select**: from a click on a community until its details are shown;
- **edit**: from the click on "Move" (the selected community into another zone) until the
  page shows the target zone's figures again (median of ``--edits`` moves).

Targets (issue 4): demo ready < 3 s, an edit < 1 s, a 10,000-community city still usable.

Usage::

    .venv/bin/python benchmarks/app_speed.py              # demo + 10,000 (~3 min)
    .venv/bin/python benchmarks/app_speed.py --big 0      # demo only
"""

from __future__ import annotations

import argparse
import platform
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from playwright.sync_api import expect  # noqa: E402

from tests.browser.harness import app_server, chromium_browser, click_free_path, map_frame, wait_idle  # noqa: E402


def ready(browser, url: str) -> tuple[float, int]:
    """Seconds until the page is usable, and the bytes of the map's script."""
    context = browser.new_context(viewport={"width": 1500, "height": 1000}, locale="en-US")
    page = context.new_page()
    start = time.perf_counter()
    page.goto(url)
    map_frame(page, timeout_ms=180_000)
    wait_idle(page, timeout_ms=180_000)
    seconds = time.perf_counter() - start
    size = page.frame_locator("iframe[title='streamlit_folium.st_folium']").locator("body").evaluate(
        "b => document.documentElement.outerHTML.length")
    context.close()
    return seconds, int(size)


def session_steps(browser, url: str, edits: int) -> dict:
    """Propose, select and edit timings in one browser session."""
    context = browser.new_context(viewport={"width": 1500, "height": 1000}, locale="en-US")
    page = context.new_page()
    page.goto(url)
    frame = map_frame(page, timeout_ms=180_000)
    wait_idle(page, timeout_ms=180_000)
    start = time.perf_counter()
    page.get_by_role("button", name="Propose zones").click()
    frame.locator(".zone-label").first.wait_for(state="attached", timeout=600_000)
    wait_idle(page, timeout_ms=600_000)
    propose = time.perf_counter() - start

    selects, moves = [], []
    members = frame.locator("path.leaflet-interactive[fill-opacity='0.55']")
    labels = [t.strip() for t in frame.locator(".zone-label").all_text_contents()]
    details = page.get_by_text(re.compile(r"^Community details: "))
    for k in range(edits):
        target = labels[(7 * k + 3) % len(labels)]
        # select: one click on a member community, until its details show
        start = click_free_path(page, members, skip=11 * k)
        details.first.wait_for(timeout=60_000)
        selects.append(time.perf_counter() - start)
        wait_idle(page)
        page.get_by_label("Move to zone").click()
        page.keyboard.type(target)
        page.get_by_role("option", name=target, exact=True).click()
        wait_idle(page)
        move = page.locator("button").filter(has_text=re.compile("^Move$")).first
        try:
            expect(move).to_be_enabled(timeout=15_000)  # once the choice has reached the script
        except AssertionError:
            page.screenshot(path=str(Path(tempfile.gettempdir()) / f"app_speed_move_{k}.png"))
            raise RuntimeError(f"edit {k}: the Move button is disabled after choosing zone {target!r} "
                               f"(screenshot in {tempfile.gettempdir()})")
        start = time.perf_counter()
        move.click()
        page.get_by_text(re.compile(f"^Zone {target} ")).first.wait_for(timeout=60_000)
        moves.append(time.perf_counter() - start)  # the moved community's new zone is on the page
        wait_idle(page)
        page.locator("button").filter(has_text=re.compile("^Clear selection$")).first.click()
        wait_idle(page)
    context.close()
    return {"propose": propose, "select": statistics.median(selects), "edit": statistics.median(moves),
            "edit_max": max(moves)}


def measure(browser_name: str, app_env: dict, label: str, edits: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        env = {"PLANNER_WORKSPACE": str(Path(tmp) / "ws.gpkg"), **app_env}
        with app_server(ROOT / "app.py", Path(tmp), env=env, timeout_s=120) as url, chromium_browser() as browser:
            cold, size = ready(browser, url)
            warm, _ = ready(browser, url)
            steps = session_steps(browser, url, edits)
    row = {"city": label, "ready_cold_s": cold, "ready_warm_s": warm, "map_mb": size / 1e6, **steps}
    print(f"{label:>16}  ready cold {cold:5.1f} s  warm {warm:5.1f} s  map {size / 1e6:5.1f} MB  "
          f"propose {steps['propose']:5.1f} s  select {steps['select']:4.2f} s  "
          f"edit {steps['edit']:4.2f} s (max {steps['edit_max']:4.2f})", flush=True)
    return row


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--big", type=int, default=10_000, help="communities of the large city (0: skip)")
    parser.add_argument("--edits", type=int, default=5, help="moves timed per city")
    args = parser.parse_args(argv)
    print(f"python {platform.python_version()}, {platform.machine()}; headless Chromium; targets: "
          "demo ready < 3 s, edit < 1 s")
    rows = [measure("chromium", {}, "demo (1,100)", args.edits)]
    if args.big:
        from geo.synthetic import make_city, write_city

        with tempfile.TemporaryDirectory() as tmp:
            path = write_city(make_city(args.big), Path(tmp) / "big.gpkg")
            rows.append(measure("chromium", {"PLANNER_DATA": str(path)}, f"synthetic {args.big:,}", args.edits))
    demo = rows[0]
    print(f"demo ready (warm) {demo['ready_warm_s']:.1f} s: target 3 s "
          f"{'met' if demo['ready_warm_s'] < 3 else 'NOT met'}; edit {demo['edit']:.2f} s: target 1 s "
          f"{'met' if demo['edit'] < 1 else 'NOT met'}")


if __name__ == "__main__":
    main()
