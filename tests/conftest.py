"""Shared fixtures: the demo city, loaded once per test session."""

import pytest

from geo.load import load_demo


@pytest.fixture(scope="session")
def demo():
    """The bundled demo city as a Dataset (all layers in EPSG:4538)."""
    return load_demo()
