"""``python -m geo info``: what a planner sees in the terminal, and its exit codes."""

import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely import LineString, Polygon, box

from geo.cli.main import main

ROOT = Path(__file__).resolve().parent.parent


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "geo", *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=120)


def test_info_on_a_multi_layer_geopackage(tmp_path, capsys):
    path = tmp_path / "city.gpkg"
    gpd.GeoDataFrame({"小区名称": ["甲", "乙"], "户数": ["120户", -3], "备注": ["", ""]},
                     geometry=[box(87.30, 44.01, 87.301, 44.011),
                               Polygon([(87.31, 44.01), (87.311, 44.011), (87.311, 44.01), (87.31, 44.011)])],
                     crs=4490).to_file(path, layer="小区", driver="GPKG")
    gpd.GeoDataFrame({"管线类型": ["给水"], "管径": ["DN300"]},
                     geometry=[LineString([(87.30, 44.0), (87.31, 44.0)])], crs=4490).to_file(
        path, layer="管线", driver="GPKG")
    code = main(["info", str(path), "--report", str(tmp_path / "report.csv")])
    out = capsys.readouterr().out
    assert code == 0
    assert "2 layers" in out
    assert "layer '小区': 2 features, Polygon" in out
    assert "read as: communities" in out and "read as: pipelines" in out
    assert "EPSG:4490" in out and "analysis CRS: EPSG:4538" in out
    assert "name <- 小区名称" in out and "diameter_mm <- 管径" in out
    assert "other columns (kept as they are): 备注" in out
    assert "2 read, 1 kept (0 repaired), 1 rejected" in out
    assert "households is -3" in out
    report = pd.read_csv(tmp_path / "report.csv", encoding="utf-8-sig")
    assert {"layer", "where", "action", "message"} <= set(report.columns)
    assert (report["action"] == "rejected").sum() == 1


def test_info_exit_code_and_message_when_crs_missing(tmp_path):
    path = tmp_path / "xq.shp"
    with pytest.warns(UserWarning, match="'crs' was not provided"):
        gpd.GeoDataFrame({"户数": [1]}, geometry=[box(0, 0, 1, 1)]).to_file(path, encoding="UTF-8")
    result = run("info", str(path), "--kind", "communities")
    assert result.returncode == 1
    assert "states no coordinate system" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr
    fixed = run("info", str(path), "--kind", "communities", "--crs", "EPSG:4538",
                "--map", "households=户数")
    assert fixed.returncode == 1 and "look like degrees" in fixed.stdout  # degrees under GK: caught


def test_info_unreadable_file_is_one_line_no_traceback(tmp_path):
    path = tmp_path / "broken.geojson"
    path.write_text('{"type": "FeatureCollection", "features": [{"type": "Feat', encoding="utf-8")
    result = run("info", str(path))
    assert result.returncode == 1  # the data: exit code 1
    assert result.stderr.startswith("error: broken.geojson cannot be read")
    assert "Traceback" not in result.stderr


def test_bad_option_value_is_a_clear_error(tmp_path, capsys):
    path = tmp_path / "x.geojson"
    gpd.GeoDataFrame({"a": [1]}, geometry=[box(87.3, 44.0, 87.31, 44.01)], crs=4326).to_file(path)
    assert main(["info", str(path), "--kind", "communities", "--map", "households"]) == 2
    assert "--map takes NAME=VALUE" in capsys.readouterr().err
