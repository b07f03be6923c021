"""Shared fixtures: the demo city, loaded once per test session; one app server and one browser shared
by every browser test that walks the planner's page (tests keep out of each other's way by naming
their proposals uniquely and by opening their own browser context)."""

import os
from pathlib import Path

import pytest

from tests.browser.harness import CHROMIUM, ROOT, AppServer, chromium_browser

from geo.io.load import load_demo


@pytest.fixture(scope="session")
def demo():
    """The bundled demo city as a Dataset (all layers in EPSG:4538)."""
    return load_demo()



@pytest.fixture(scope="session")
def browser():
    """Debian's headless Chromium, once for the test session."""
    assert CHROMIUM.exists(), f"{CHROMIUM} is missing: apt-get install chromium (.ci/run installs it)"
    with chromium_browser() as b:
        yield b


#: A checkout whose app the shared server runs instead of this one's (``git worktree add /tmp/old REV``):
#: to see that a new browser test fails on the code before the fix.
OTHER_CHECKOUT = "PLANNER_E2E_APP_ROOT"


@pytest.fixture(scope="session")
def app_process(tmp_path_factory):
    """The real app (``streamlit run app.py``) on the demo city, once for the test session."""
    work = tmp_path_factory.mktemp("app")
    root = Path(os.environ.get(OTHER_CHECKOUT) or ROOT)
    server = AppServer(root / "app.py", work, env={"PLANNER_WORKSPACE": str(work / "ws" / "proposals.gpkg")},
                       root=root)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def app(app_process):
    """The shared app: (url, workspace path, log path). A server that died fails the test with how it
    ended and its log (and is started again on the same port, so one death fails one test)."""
    if not app_process.alive():
        death = app_process.death()
        app_process.start()
        pytest.fail(f"before this test, {death}")
    yield app_process.url, Path(app_process.env["PLANNER_WORKSPACE"]), app_process.log
    if not app_process.alive():
        pytest.fail(f"during this test, {app_process.death()}")


@pytest.fixture
def shots(tmp_path) -> Path:
    """Where a browser test puts its screenshots: ``$E2E_SCREENSHOTS`` (to look at them), else tmp."""
    folder = Path(os.environ.get("E2E_SCREENSHOTS", tmp_path))
    folder.mkdir(parents=True, exist_ok=True)
    return folder
