"""``python -m geo zones`` end to end on the demo city: GeoJSON, CSV and GeoPackage read back."""

import json
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
from shapely import box

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "data" / "demo.gpkg"


def geo(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "geo", *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=300)


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    out = tmp_path_factory.mktemp("zones")
    result = geo("zones", str(DEMO), "--barriers", str(DEMO), "--out", str(out / "zones.geojson"),
                 "--assignments", str(out / "assignments.csv"), "--gpkg", str(out / "zones.gpkg"))
    return result, out


def test_summary_and_exit_code(run):
    result, _ = run
    assert result.returncode == 0, result.stderr
    assert "zones:" in result.stdout and "candidates: 534, placed" in result.stdout
    assert "group_too_small" in result.stdout or "isolated" in result.stdout


def test_geojson_is_rfc7946_and_reads_back(run):
    _, out = run
    doc = json.loads((out / "zones.geojson").read_text(encoding="utf-8"))
    assert doc["type"] == "FeatureCollection" and "crs" not in doc
    zones = gpd.read_file(out / "zones.geojson")
    assert zones.crs.to_epsg() == 4326 and len(zones) == len(doc["features"]) > 100
    lon, lat = zones.geometry.iloc[0].exterior.coords[0]
    assert 87.2 < lon < 87.4 and 43.9 < lat < 44.1
    assert all(g.exterior.is_ccw for g in zones.geometry)
    members = [m for f in doc["features"] for m in f["properties"]["members"]]
    assert len(members) == len(set(members))
    assert all(f["properties"]["households"] >= 300 for f in doc["features"])


def test_assignments_csv_has_every_community(run):
    _, out = run
    table = pd.read_csv(out / "assignments.csv", encoding="utf-8-sig", dtype=str)
    assert list(table.columns[:3]) == ["community_id", "zone_id", "reason"]
    assert len(table) == 1100 and table["community_id"].is_unique
    unplaced = table[(table["candidate"] == "True") & table["zone_id"].isna()]
    assert unplaced["reason"].notna().all()
    assert (out / "assignments.csv").read_bytes().startswith(b"\xef\xbb\xbf")


def test_geopackage_layers(run):
    _, out = run
    assert [name for name, _ in pyogrio.list_layers(out / "zones.gpkg")] == ["zones", "communities"]
    communities = gpd.read_file(out / "zones.gpkg", layer="communities")
    assert len(communities) == 1100 and communities["zone_id"].notna().sum() > 400


def test_bad_input_exits_non_zero_with_a_message(tmp_path):
    path = tmp_path / "no_crs.shp"
    with pytest.warns(UserWarning):
        gpd.GeoDataFrame({"户数": [100]}, geometry=[box(0, 0, 1, 1)]).to_file(path)
    result = geo("zones", str(path), "--out", str(tmp_path / "z.geojson"))
    assert result.returncode == 1
    assert "states no coordinate system" in result.stderr and "Traceback" not in result.stderr


def test_zones_cli_makes_the_output_folder(tmp_path):
    import subprocess
    import sys

    from geo.io.load import DEMO_PATH

    out = tmp_path / "new" / "folder" / "zones.geojson"
    result = subprocess.run([sys.executable, "-m", "geo", "zones", str(DEMO_PATH), "--out", str(out),
                             "--assignments", str(tmp_path / "other" / "a.csv")],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert out.exists() and (tmp_path / "other" / "a.csv").exists()
