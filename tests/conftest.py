"""Shared fixtures: the demo city, loaded once per test session; one app server and one browser shared
by every browser test that walks the planner's page (tests keep out of each other's way by naming
their proposals uniquely and by opening their own browser context)."""

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


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    """The real app (``streamlit run app.py``) on the demo city; yields (url, workspace path, log path)."""
    work = tmp_path_factory.mktemp("app")
    workspace = work / "ws" / "proposals.gpkg"
    with app_server(ROOT / "app.py", work, env={"PLANNER_WORKSPACE": str(workspace)}) as url:
        yield url, workspace, work / "streamlit.log"
