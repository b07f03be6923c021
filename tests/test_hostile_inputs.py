"""Hostile input files: NaN/infinite coordinates are rejected row by row; oversized layers are refused early."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import LineString, Point, Polygon, box

from geo.errors import GeoError, InputFileError
from geo.io import limits, readers
from geo.io.load import load_layer, load_raw
from geo.io.readers import read_layer
from geo.io.validate import check_finite, check_geometries, nonfinite_vertices
from ui.messages import error_words

NAN, INF = float("nan"), float("inf")


def _communities() -> gpd.GeoDataFrame:
    polys = [
        box(87.300, 44.010, 87.301, 44.011),
        Polygon([(87.302, 44.010), (NAN, 44.010), (87.303, 44.011), (87.302, 44.011)]),
        Polygon([(87.304, 44.010), (87.305, 44.010), (87.305, INF), (87.304, 44.011)]),
        box(87.306, 44.010, 87.307, 44.011),
    ]
    return gpd.GeoDataFrame({"community_id": ["a", "b", "c", "d"], "name": ["甲", "乙", "丙", "丁"],
                             "households": [10, 20, 30, 40], "build_year": [1990] * 4}, geometry=polys, crs=4326)


def _check_report(loaded, bad: dict[int, str], *, word: str, base: int, column: str) -> None:
    report = loaded.report
    rejected = {i.position: i for i in report.rejected}
    assert set(rejected) == set(bad), report.lines()
    for pos, vertex_text in bad.items():
        issue = rejected[pos]
        assert issue.code == "bad_coordinates" and issue.column == column
        assert vertex_text in issue.message and "correct it in the file" in issue.message
        assert report.row_label(pos) == f"{word} {pos + base}"
    assert report.rows_read == report.rows_kept + len(bad)
    assert len(loaded.gdf) == report.rows_kept
    assert np.isfinite(loaded.gdf.total_bounds).all()
    assert not [i for i in report.issues if i.code == "no_geometry"]  # said once, as bad coordinates


def test_nan_and_inf_vertices_in_a_geopackage(tmp_path):
    path = tmp_path / "city.gpkg"
    _communities().to_file(path, layer="communities", driver="GPKG")
    loaded = load_layer(path, "communities")
    _check_report(loaded, {1: "vertex 2 of the Polygon is (nan, 44.01)", 2: "vertex 3 of the Polygon is (87.305, inf)"},
                  word="feature", base=1, column="geometry")
    assert loaded.gdf["community_id"].tolist() == ["a", "d"]
    assert {i.row_id for i in loaded.report.rejected} == {"b", "c"}


def test_nan_and_inf_in_a_geojson(tmp_path):
    path = tmp_path / "city.geojson"
    features = [{"type": "Feature", "properties": {"community_id": cid, "households": 5, "build_year": 1990},
                 "geometry": {"type": "Polygon", "coordinates": [list(map(list, g.exterior.coords))]}}
                for cid, g in zip("abcd", _communities().geometry)]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))  # writes NaN / Infinity
    assert "NaN" in path.read_text() and "Infinity" in path.read_text()
    loaded = load_layer(path, "communities")
    _check_report(loaded, {1: "(nan, 44.01)", 2: "(87.305, inf)"}, word="feature", base=1, column="geometry")


def test_nan_and_inf_in_csv_lon_lat(tmp_path):
    path = tmp_path / "clinics.csv"
    path.write_text("facility_id,name,kind,lon,lat\nf1,A,clinic,87.30,44.01\nf2,B,clinic,nan,44.01\n"
                    "f3,C,clinic,inf,44.01\nf4,D,clinic,87.31,-Infinity\nf5,E,clinic,87.31,44.02\n")
    loaded = load_layer(path, "facilities", crs="EPSG:4326")
    report = loaded.report
    rejected = {report.row_label(i.position): (i.column, i.code, i.message) for i in report.rejected}
    assert rejected == {
        "row 3": ("lon", "bad_coordinates", "'nan' in column 'lon' is not a finite number: give the point's "
                                            "coordinates (or delete the row) and load it again"),
        "row 4": ("lon", "bad_coordinates", "'inf' in column 'lon' is not a finite number: give the point's "
                                            "coordinates (or delete the row) and load it again"),
        "row 5": ("lat", "bad_coordinates", "'-Infinity' in column 'lat' is not a finite number: give the "
                                            "point's coordinates (or delete the row) and load it again"),
    }
    assert loaded.gdf["facility_id"].tolist() == ["f1", "f5"]


def test_nan_in_csv_wkt(tmp_path):
    path = tmp_path / "homes.csv"
    path.write_text('community_id,households,build_year,wkt\n'
                    'a,1,1990,"POLYGON((87.30 44.01,87.301 44.01,87.301 44.011,87.30 44.01))"\n'
                    'b,1,1990,"POLYGON((87.302 44.01,nan 44.01,87.303 44.011,87.302 44.01))"\n'
                    'c,1,1990,"POINT(inf 44.01)"\n')
    loaded = load_layer(path, "communities", crs="EPSG:4326")
    issues = {loaded.report.row_label(i.position): i for i in loaded.report.rejected}
    assert set(issues) == {"row 3", "row 4"}
    assert issues["row 3"].column == "wkt" and "vertex 2 of the Polygon is (nan, 44.01)" in issues["row 3"].message
    assert "the point is (inf, 44.01)" in issues["row 4"].message
    assert loaded.gdf["community_id"].tolist() == ["a"]


def test_every_row_nan_is_a_coded_error_not_a_crash(tmp_path):
    path = tmp_path / "bad.gpkg"
    gpd.GeoDataFrame({"facility_id": ["f1", "f2"], "kind": ["clinic", "clinic"]},
                     geometry=[Point(NAN, 44.0), Point(87.3, INF)], crs=4326).to_file(path, driver="GPKG")
    with pytest.raises(GeoError) as caught:
        load_layer(path, "facilities")
    assert caught.value.code == "all_rows_rejected" and caught.value.params["reason"] == "bad_coordinates"
    assert "bad.gpkg" in error_words(caught.value, "zh")


def test_the_geometry_check_sees_a_nan_vertex_that_bounds_hide():
    line = LineString([(0, 0), (NAN, 5), (10, 10)])
    assert np.isfinite(line.bounds).all() or True  # GEOS may leave NaN out of the envelope
    gdf = gpd.GeoDataFrame({"pipeline_id": ["p"], "kind": ["gas"]}, geometry=[line], crs=4538)
    _, issues = check_geometries(gdf, "pipelines")
    assert [(i.code, i.action, i.column) for i in issues] == [("bad_coordinates", "rejected", "geometry")]
    assert "vertex 2 of the LineString is (nan, 5)" in issues[0].message


def test_nonfinite_vertices_and_check_finite():
    geoms = np.array([Point(1, 2), None, Polygon([(0, 0), (1, 0), (1, INF), (0, 0)]), Point(NAN, NAN)],
                     dtype=object)
    found = nonfinite_vertices(geoms)
    assert list(found) == [2, 3] and found[2][0] == 3 and found[2][2] == INF
    cleaned, issues = check_finite(geoms, ["p", None, "q", "r"])
    assert cleaned[2] is None and cleaned[3] is None and cleaned[0] is geoms[0]
    assert [(i.position, i.row_id) for i in issues] == [(2, "q"), (3, "r")]


# --- limits -----------------------------------------------------------------------------------------

def test_limits_are_generous_and_raised_by_env(monkeypatch):
    assert limits.MAX_FEATURES == 500_000 and limits.MAX_VERTICES == 20_000_000
    monkeypatch.setenv(limits.FEATURES_ENV, "2_000_000")
    assert limits.feature_limit() == 2_000_000
    monkeypatch.setenv(limits.VERTICES_ENV, "-5")
    assert limits.vertex_limit() == limits.MAX_VERTICES


def _words(exc: GeoError) -> tuple[str, str]:
    return error_words(exc, "zh"), error_words(exc, "en")


def test_a_geopackage_with_too_many_features_is_refused_before_it_is_read(tmp_path, monkeypatch):
    path = tmp_path / "city.gpkg"
    _communities().to_file(path, layer="communities", driver="GPKG")
    monkeypatch.setenv(limits.FEATURES_ENV, "3")

    def never(*args, **kwargs):
        raise AssertionError("the file was read")

    monkeypatch.setattr(readers, "_read_vector", never)
    with pytest.raises(InputFileError) as caught:
        read_layer(path)
    exc = caught.value
    assert exc.code == "layer_too_many_features"
    assert exc.params == {"file": "city.gpkg", "count": 4, "max": 3, "env": "PLANNER_MAX_FEATURES"}
    zh, en = _words(exc)
    assert "city.gpkg 有 4 个要素" in zh and "上限 3 个" in zh
    assert en.startswith("city.gpkg has 4 features, more than the 3")


def test_a_csv_with_too_many_rows_is_refused_before_its_geometry_is_built(tmp_path, monkeypatch):
    path = tmp_path / "clinics.csv"
    path.write_text("facility_id,kind,lon,lat\n" + "".join(f"f{i},clinic,87.3,44.0\n" for i in range(5)))
    monkeypatch.setenv(limits.FEATURES_ENV, "4")
    monkeypatch.setattr(readers, "_table_geometry", lambda *a, **k: (_ for _ in ()).throw(AssertionError("built")))
    with pytest.raises(InputFileError) as caught:
        read_layer(path)
    assert caught.value.code == "layer_too_many_features" and caught.value.params["count"] == 5


def test_too_many_vertices_is_refused_before_validation(tmp_path, monkeypatch):
    path = tmp_path / "roads.geojson"
    line = LineString([(87.3 + i * 1e-4, 44.0) for i in range(50)])
    gpd.GeoDataFrame({"name": ["r", "s"]}, geometry=[line, line], crs=4326).to_file(path, driver="GeoJSON")
    monkeypatch.setenv(limits.VERTICES_ENV, "99")
    with pytest.raises(InputFileError) as caught:
        read_layer(path)
    exc = caught.value
    assert exc.code == "layer_too_many_vertices"
    assert exc.params == {"file": "roads.geojson", "count": 100, "max": 99, "env": "PLANNER_MAX_VERTICES"}
    zh, en = _words(exc)
    assert "共有 100 个节点" in zh and "100 vertices" in en
    # a RawLayer made elsewhere is bounded the same way by load_raw
    monkeypatch.setenv(limits.VERTICES_ENV, "1000")
    raw = read_layer(path)
    monkeypatch.setenv(limits.VERTICES_ENV, "99")
    with pytest.raises(InputFileError, match="100 vertices"):
        load_raw(raw, "barriers", defaults={"kind": "river"})


def test_within_the_limits_everything_loads(tmp_path, monkeypatch):
    path = tmp_path / "city.gpkg"
    _communities().to_file(path, layer="communities", driver="GPKG")
    monkeypatch.setenv(limits.FEATURES_ENV, "4")
    monkeypatch.setenv(limits.VERTICES_ENV, "20")
    assert load_layer(path, "communities").report.rows_read == 4
