"""geo.reports.export: RFC 7946 GeoJSON features and GeoPackage field aliases."""

import json
import sqlite3

import geopandas as gpd
import pyogrio
import pytest
import shapely
from shapely import LineString, Polygon, box

from geo.errors import InputFileError
from geo.reports.export import geojson_features, write_field_aliases, write_geojson, zones_geojson


def clockwise_zone():
    ring = [(524000, 4873000), (524000, 4873050), (524100, 4873050), (524100, 4873000)]  # clockwise
    hole = [(524010, 4873010), (524020, 4873010), (524020, 4873020), (524010, 4873020)]  # counter-clockwise
    return gpd.GeoDataFrame({"zone_id": ["Z1"], "members": [["a", "b"]], "households": [320]},
                            geometry=[Polygon(ring, [hole])], crs=4538)


def test_zones_geojson_is_rfc7946(tmp_path):
    doc = zones_geojson(clockwise_zone())
    assert "crs" not in doc and doc["features"][0]["id"] == "Z1"
    rings = doc["features"][0]["geometry"]["coordinates"]
    assert shapely.is_ccw(shapely.LinearRing(rings[0])) and not shapely.is_ccw(shapely.LinearRing(rings[1]))
    lon, lat = rings[0][0]
    assert 86 < lon < 88 and 43 < lat < 45
    back = gpd.read_file(write_geojson(clockwise_zone(), tmp_path / "z.geojson"))
    assert back.crs.to_epsg() == 4326 and back["zone_id"].tolist() == ["Z1"]
    assert json.loads((tmp_path / "z.geojson").read_text(encoding="utf-8"))["features"][0]["properties"][
        "members"] == ["a", "b"]


def test_geojson_features_types_ids_and_extra_properties():
    frame = gpd.GeoDataFrame({"pipeline_id": ["p1", None], "length_m": [1.5, float("nan")]},
                             geometry=[LineString([(0, 0), (1, 1)]), None], crs=4326)
    features = geojson_features(frame, id_column="pipeline_id", properties={"layer": "pipeline"})
    assert [f["id"] for f in features] == ["p1", None]
    assert features[1]["properties"] == {"layer": "pipeline", "pipeline_id": None, "length_m": None}
    assert features[1]["geometry"] is None
    assert [f["id"] for f in geojson_features(frame)] == [0, 1]


def write_layer(path):
    gpd.GeoDataFrame({"households": [3], "kind": ["gas"]}, geometry=[box(0, 0, 1, 1)], crs=4326).to_file(
        path, layer="t")


def test_field_aliases_are_written_once_and_replaced(tmp_path):
    path = tmp_path / "a.gpkg"
    write_layer(path)
    write_field_aliases(path, "t", {"households": "户数", "kind": "类型", "absent": "x"},
                        descriptions={"kind": "管线类型"})
    write_field_aliases(path, "t", {"households": "households", "kind": "households"})
    with sqlite3.connect(path) as con:
        rows = con.execute("SELECT column_name, name, description FROM gpkg_data_columns ORDER BY 1").fetchall()
        extensions = con.execute("SELECT table_name FROM gpkg_extensions WHERE extension_name = 'gpkg_schema'"
                                 " ORDER BY 1").fetchall()
    assert rows == [("households", "households", None), ("kind", "households (kind)", None)]
    assert extensions == [("gpkg_data_column_constraints",), ("gpkg_data_columns",)]
    assert pyogrio.read_dataframe(path, layer="t")["households"].tolist() == [3]  # GDAL still reads it


def test_field_aliases_of_a_missing_layer_name_the_file(tmp_path):
    path = tmp_path / "a.gpkg"
    write_layer(path)
    with pytest.raises(InputFileError, match=r"a\.gpkg: has no layer 'zones' \(layers: t\)"):
        write_field_aliases(path, "zones", {"x": "y"})
    bad = tmp_path / "bad.gpkg"
    bad.write_bytes(b"not sqlite" * 50)
    with pytest.raises(InputFileError, match=r"bad\.gpkg: is not a GeoPackage"):
        write_field_aliases(bad, "t", {})
