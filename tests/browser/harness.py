"""Start the real app with ``streamlit run`` and drive it in Debian's headless Chromium.

Used by the end-to-end tests and by ``benchmarks/app_speed.py`` (the same steps, timed).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run",
]
LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", "[::1]"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def is_local(url: str) -> bool:
    """Whether a request stays on this machine (data: and blob: URLs included)."""
    parts = urlsplit(url)
    if parts.scheme in ("data", "blob", "about", "chrome-error", "chrome-extension"):
        return True
    return parts.hostname in LOCAL_HOSTS


class AppServer:
    """A ``streamlit run`` of ``app`` on one port, started from the checkout ``root`` (so its
    ``.streamlit/config.toml`` applies, as for a planner, and its packages are imported). Its
    output is appended to ``workdir/log_name``; it can be restarted on the same port."""

    def __init__(self, app: Path, workdir: Path, *, env: dict | None = None, timeout_s: float = 60,
                 log_name: str = "streamlit.log", root: Path = ROOT, address: str | None = "127.0.0.1"):
        self.app, self.root, self.timeout_s, self.address = app, root, timeout_s, address
        self.port = free_port()
        self.log = workdir / log_name
        pythonpath = [str(root), *filter(None, [os.environ.get("PYTHONPATH")])]
        self.env = {**os.environ, "PYTHONPATH": os.pathsep.join(pythonpath), **(env or {})}
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def start(self) -> str:
        """Start the server and wait until it is healthy; its URL."""
        with self.log.open("a") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "streamlit", "run", str(self.app), "--server.headless=true",
                 f"--server.port={self.port}",
                 *([f"--server.address={self.address}"] if self.address else []),  # None: as the README starts it
                 "--browser.gatherUsageStats=false",
                 "--server.fileWatcherType=none"],
                cwd=self.root, env=self.env, stdout=out, stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + self.timeout_s
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"streamlit exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(self.url + "_stcore/health", timeout=1) as response:
                    if response.read().strip() == b"ok":
                        return self.url
            except OSError:
                if time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"streamlit was not healthy after {self.timeout_s} s:\n{self.log_tail()}")
                time.sleep(0.2)

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def death(self) -> str:
        """How the server ended (exit code or signal), the machine's free memory and the log's end:
        what a failure reports when the server is gone."""
        code = self.proc.returncode if self.proc is not None else None
        how = f"killed by signal {-code}" if code is not None and code < 0 else f"exit code {code}"
        try:
            meminfo = Path("/proc/meminfo").read_text().splitlines()
            memory = "; ".join(line for line in meminfo if line.startswith(("MemTotal", "MemAvailable")))
        except OSError:
            memory = "memory unknown"
        return f"the app server is gone ({how}; {memory}); its log ends:\n{self.log_tail()}"

    def log_tail(self, lines: int = 80) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


@contextmanager
def app_server(app: Path, workdir: Path, *, env: dict | None = None, timeout_s: float = 60,
               log_name: str = "streamlit.log", root: Path = ROOT, address: str | None = "127.0.0.1"):
    """An :class:`AppServer` for the ``with`` block; yields its URL; always stopped."""
    server = AppServer(app, workdir, env=env, timeout_s=timeout_s, log_name=log_name, root=root, address=address)
    try:
        yield server.start()
    finally:
        server.stop()


@contextmanager
def chromium_browser():
    """Debian's Chromium, headless, through Playwright."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def planner_page(browser, *, locale: str = "en-US"):
    """A page as a planner opens it (1500 x 1000, downloads on) and the list that records every
    request leaving this machine; the context is always closed."""
    context = browser.new_context(viewport={"width": 1500, "height": 1000}, accept_downloads=True, locale=locale)
    context.add_init_script(RUN_COUNTER_JS)
    outside: list[str] = []
    context.on("request", lambda r: None if is_local(r.url) else outside.append(r.url))
    try:
        yield context.new_page(), outside
    finally:
        context.close()


#: Counts the script runs a page sees (``window.__stRuns``): Streamlit marks its app root with
#: ``data-test-script-state``; an action waits for the run it caused (see :func:`after_rerun`).
RUN_COUNTER_JS = """
window.__stRuns = 0;
new MutationObserver(changes => {
  for (const c of changes) if (c.target.getAttribute('data-test-script-state') === 'running') window.__stRuns++;
}).observe(document, {subtree: true, attributes: true, attributeFilter: ['data-test-script-state']});
"""


def runs(page) -> int:
    """How many script runs the page has seen start (-1 without the counter)."""
    return page.evaluate("() => window.__stRuns ?? -1")


def wait_idle(page, timeout_ms: int = 60_000) -> None:
    """Wait until the Streamlit script has finished running (the app root says so and no
    'running' indicator is shown)."""
    page.wait_for_function(
        "() => { const app = document.querySelector('[data-testid=\"stApp\"]');"
        " const state = app && app.getAttribute('data-test-script-state');"
        " const w = document.querySelector('[data-testid=\"stStatusWidget\"]');"
        " return state && state !== 'running' && state !== 'rerunRequested'"
        " && (!w || !w.innerText.match(/Running|Stop|运行/)); }",
        timeout=timeout_ms)
    page.wait_for_timeout(150)


def after_rerun(page, before: int, timeout_ms: int = 120_000, start_ms: int = 3_000) -> None:
    """After an action: wait for the run it caused to start (up to ``start_ms``: not every action
    reruns the script), then for the page to be idle. ``before`` is :func:`runs` before the action."""
    if before >= 0:
        try:
            page.wait_for_function(f"() => (window.__stRuns ?? 0) > {before}", timeout=start_ms)
        except Exception:  # noqa: BLE001 - no run started: the action did not rerun the script
            pass
    wait_idle(page, timeout_ms)


def map_frame(page, timeout_ms: int = 60_000):
    """The map component's iframe, once Leaflet has drawn community polygons in it."""
    page.wait_for_selector("iframe[title='streamlit_folium.st_folium']", timeout=timeout_ms)
    frame = page.frame_locator("iframe[title='streamlit_folium.st_folium']")
    frame.locator("path.leaflet-interactive").first.wait_for(state="attached", timeout=timeout_ms)
    return frame


def click_free_path(page, paths, *, skip: int = 0) -> float:
    """Click the middle of the first polygon (after ``skip``) that no map control or legend covers;
    return the ``time.perf_counter()`` of the click."""
    # bring the whole map into view first: a click that has to scroll lands where the element was
    page.locator("iframe[title='streamlit_folium.st_folium']").scroll_into_view_if_needed()
    page.wait_for_timeout(300)
    iframe = page.locator("iframe[title='streamlit_folium.st_folium']").bounding_box()
    frame = page.frame_locator("iframe[title='streamlit_folium.st_folium']")
    covers = [frame.locator(sel).bounding_box() for sel in
              (".planning-legend", ".leaflet-control-layers", ".leaflet-top.leaflet-left")]
    covers = [c for c in covers if c]

    def free(x: float, y: float) -> bool:
        inside_map = iframe["x"] + 5 < x < iframe["x"] + iframe["width"] - 5 and \
            iframe["y"] + 5 < y < iframe["y"] + iframe["height"] - 5
        return inside_map and not any(c["x"] - 4 <= x <= c["x"] + c["width"] + 4 and
                                      c["y"] - 4 <= y <= c["y"] + c["height"] + 4 for c in covers)

    for k in range(skip, min(paths.count(), skip + 400)):
        path = paths.nth(k)
        box = path.bounding_box()
        if box and box["width"] > 4 and box["height"] > 4:
            x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
            hit = frame.locator("body").evaluate(
                "(body, [x, y]) => { const e = document.elementFromPoint(x, y); "
                "return e && e.tagName === 'path' && e.getAttribute('fill-opacity') === '0.55'; }",
                [x - iframe["x"], y - iframe["y"]])
            if free(x, y) and hit:
                clicked = time.perf_counter()
                page.mouse.click(x, y)
                return clicked
    raise AssertionError("no community polygon is visible and free to click")
