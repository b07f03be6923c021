"""`pip install -e .` gives a `geo` command; the command line runs from any folder."""

import importlib
import importlib.metadata
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def _env_with_repo() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [env.get("PYTHONPATH")])])
    return env


def test_python_m_geo_help_runs_from_another_folder(tmp_path):
    done = subprocess.run([sys.executable, "-m", "geo", "--help"], cwd=tmp_path, env=_env_with_repo(),
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "usage:" in done.stdout and "zones" in done.stdout


def test_the_script_entry_point_exists_and_returns_the_exit_code(capsys):
    target = PYPROJECT["project"]["scripts"]["geo"]
    module, _, name = target.partition(":")
    main = getattr(importlib.import_module(module), name)
    assert callable(main)
    assert main(["--help"]) == 0 and "usage:" in capsys.readouterr().out
    assert main(["no-such-command"]) == 2  # the console script exits with what main returns


def test_the_build_reads_the_pinned_requirements_and_ships_the_packages_and_their_data():
    assert PYPROJECT["build-system"]["build-backend"] == "setuptools.build_meta"
    assert "dependencies" in PYPROJECT["project"]["dynamic"]
    assert PYPROJECT["tool"]["setuptools"]["dynamic"]["dependencies"] == {"file": ["requirements.txt"]}
    assert (ROOT / "requirements.txt").exists()
    assert {"geo*", "layers*", "ui*"} <= set(PYPROJECT["tool"]["setuptools"]["packages"]["find"]["include"])
    for package, patterns in PYPROJECT["tool"]["setuptools"]["package-data"].items():
        for pattern in patterns:
            assert list((ROOT / package).glob(pattern)), f"{package}/{pattern} matches no file"
    from geo.reports.plan_html import TEMPLATES

    assert list(TEMPLATES.glob("*.j2"))


def test_the_demo_city_is_found_by_an_absolute_path(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    from geo import DEMO_PATH

    assert DEMO_PATH.is_absolute() and DEMO_PATH.exists()


def test_out_folder_is_ignored():
    lines = (ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert {"out/", "/out/"} & set(lines)


def _installed() -> bool:
    try:
        importlib.metadata.distribution(PYPROJECT["project"]["name"])
    except importlib.metadata.PackageNotFoundError:
        return False
    return True


@pytest.mark.skipif(not _installed(), reason="not installed: pip install -e . gives the geo command")
def test_the_installed_geo_command_runs_from_another_folder(tmp_path):
    script = Path(sys.executable).with_name("geo")
    command = str(script) if script.exists() else shutil.which("geo")
    assert command, "pip install -e . installs a geo command next to python"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    done = subprocess.run([command, "--help"], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert "usage:" in done.stdout
