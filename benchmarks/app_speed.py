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

Targets (issue 12): on the demo city a click shows its details and an edit its figures in under
0.5 s, a visitor after the first sees the map in under 2 s; at 10,000 communities an edit under 1 s.

``--before REV`` runs the same steps, in the same run and on the same machine, on the app as it was
at git revision ``REV`` (a temporary ``git worktree``), and prints both.

Usage::

    .venv/bin/python benchmarks/app_speed.py              # demo + 10,000 (~3 min)
    .venv/bin/python benchmarks/app_speed.py --big 0      # demo only
    .venv/bin/python benchmarks/app_speed.py --before 7f2a457   # the same, before and now
"""

from __future__ import annotations

import argparse
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager, nullcontext
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


TARGETS = {"ready_warm_s": 2.0, "select": 0.5, "edit": 0.5}  # the demo city
BIG_TARGETS = {"edit": 1.0}


def measure(app_env: dict, label: str, edits: int, root: Path = ROOT) -> dict:
    """Ready (cold, warm), map weight, propose, select and edit for the app of checkout ``root``."""
    with tempfile.TemporaryDirectory() as tmp:
        env = {"PLANNER_WORKSPACE": str(Path(tmp) / "ws.gpkg"), **app_env}
        with app_server(root / "app.py", Path(tmp), env=env, timeout_s=120, root=root) as url, \
                chromium_browser() as browser:
            cold, size = ready(browser, url)
            warm, _ = ready(browser, url)
            steps = session_steps(browser, url, edits)
    row = {"city": label, "ready_cold_s": cold, "ready_warm_s": warm, "map_mb": size / 1e6, **steps}
    print(f"{label:>24}  ready cold {cold:5.1f} s  warm {warm:5.1f} s  map {size / 1e6:5.1f} MB  "
          f"propose {steps['propose']:5.1f} s  select {steps['select']:4.2f} s  "
          f"edit {steps['edit']:4.2f} s (max {steps['edit_max']:4.2f})", flush=True)
    return row


@contextmanager
def checkout(rev: str):
    """A temporary ``git worktree`` of revision ``rev`` (removed afterwards)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "before"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(path), rev], check=True)
        try:
            yield path
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(path)], check=False)


def verdict(row: dict, targets: dict) -> str:
    return "; ".join(f"{k} {row[k]:.2f} s (target {t} s: {'met' if row[k] < t else 'NOT met'})"
                     for k, t in targets.items())


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--big", type=int, default=10_000, help="communities of the large city (0: skip)")
    parser.add_argument("--edits", type=int, default=5, help="moves timed per city")
    parser.add_argument("--before", metavar="REV", help="also time the app of this git revision (same run)")
    args = parser.parse_args(argv)
    print(f"python {platform.python_version()}, {platform.machine()}; headless Chromium; targets: demo "
          + ", ".join(f"{k} < {t} s" for k, t in TARGETS.items()) + f"; {args.big:,}: edit < {BIG_TARGETS['edit']} s")
    big_path = None
    with tempfile.TemporaryDirectory() as tmp:
        if args.big:
            from geo.synthetic.city import make_city, write_city

            big_path = write_city(make_city(args.big), Path(tmp) / "big.gpkg")
        roots = [("now", ROOT)]
        with nullcontext() if not args.before else checkout(args.before) as before:
            if before is not None:
                roots.insert(0, (f"before {args.before}", before))
            rows = {}
            for name, root in roots:
                rows[name] = [measure({}, f"{name} demo (1,100)", args.edits, root)]
                if big_path is not None:
                    rows[name].append(measure({"PLANNER_DATA": str(big_path)}, f"{name} {args.big:,}", args.edits, root))
    for name, city_rows in rows.items():
        print(f"{name}: demo: {verdict(city_rows[0], TARGETS)}"
              + (f"; {args.big:,}: {verdict(city_rows[1], BIG_TARGETS)}" if len(city_rows) > 1 else ""))


if __name__ == "__main__":
    main()
