"""Shared fixtures: the demo city, loaded once per test session; one app server and one browser shared
by every browser test that walks the planner's page (tests keep out of each other's way by naming
their proposals uniquely and by opening their own browser context)."""

import os
from pathlib import Path

import pytest

from tests.browser.harness import CHROMIUM, ROOT, app_server, chromium_browser

from geo.load import load_demo


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
def app(tmp_path_factory):
    """The real app (``streamlit run app.py``) on the demo city; yields (url, workspace path, log path)."""
    work = tmp_path_factory.mktemp("app")
    workspace = work / "ws" / "proposals.gpkg"
    root = Path(os.environ.get(OTHER_CHECKOUT) or ROOT)
    with app_server(root / "app.py", work, env={"PLANNER_WORKSPACE": str(workspace)}, root=root) as url:
        yield url, workspace, work / "streamlit.log"
