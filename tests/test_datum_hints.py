"""The files planners really hold: web-map lon/lat next to surveyed data, zone-prefixed eastings
without .prj, and a geographic analysis CRS (issue "The files planners really hold")."""

import warnings

import geopandas as gpd
import numpy as np
import pytest
import shapely
from shapely import box

from geo import DEMO_PATH, load_layer
from geo.crs.datums import wgs84_to_bd09, wgs84_to_gcj02
from geo.crs.hints import DatumHint, datum_offset_hints
from geo.errors import CRSError, ValidationError
from geo.io.load import add_datum_hints, load_dataset

@pytest.fixture(scope="module")
def place(tmp_path_factory):
    """The demo's communities (GeoPackage, EPSG:4538) and pipelines of a 3 km square."""
    folder = tmp_path_factory.mktemp("place")
    communities = gpd.read_file(DEMO_PATH, layer="communities")
    pipelines = gpd.read_file(DEMO_PATH, layer="pipelines")
    x, y = communities.geometry.union_all().centroid.coords[0]
    window = box(x - 1500, y - 1500, x + 1500, y + 1500)
    communities = communities[communities.intersects(window)].reset_index(drop=True)
    pipelines = pipelines[pipelines.intersects(window)].reset_index(drop=True)
    path = folder / "communities.gpkg"
    communities.to_file(path, driver="GPKG")
    return {"folder": folder, "communities": path, "pipelines": pipelines}


def _lonlat_file(place, name, forward=None):
    """The window's pipelines as a GeoJSON in lon/lat, moved into a web datum by ``forward``."""
    lonlat = place["pipelines"].to_crs(4326)
    if forward is not None:
        lonlat = lonlat.set_geometry(shapely.transform(
            np.asarray(lonlat.geometry.values), lambda xy: np.column_stack(forward(xy[:, 0], xy[:, 1]))))
    path = place["folder"] / name
    lonlat.to_file(path, driver="GeoJSON")
    return path


def _hints(report):
    return [i for i in report.issues if i.code == "datum_offset"]


@pytest.mark.parametrize("forward, datum, name, low, high", [
    (wgs84_to_gcj02, "gcj02", "GCJ-02", 200, 700),
    (wgs84_to_bd09, "bd09", "BD-09", 700, 1500),
])
def test_web_datum_pipelines_next_to_surveyed_communities_are_hinted(place, forward, datum, name, low, high):
    path = _lonlat_file(place, f"amap_{datum}.geojson", forward)
    ds = load_dataset({"communities": place["communities"], "pipelines": path})
    (hint,) = _hints(ds.reports["pipelines"])
    assert hint.action == "warning" and hint.position is None
    assert f"offset of {name} coordinates" in hint.message and f"--datum {datum}" in hint.message
    assert "Nothing was converted" in hint.message and "off communities" in hint.message
    metres = float(hint.message.split("lies about ")[1].split(" m")[0])
    assert low <= metres <= high
    assert _hints(ds.reports["communities"]) == []
    # never converted silently: the pipelines stay where the file put them
    as_read = gpd.read_file(path).to_crs(ds.crs)
    assert ds.layers["pipelines"].geometry.iloc[0].equals_exact(as_read.geometry.iloc[0], 1e-3)


def test_stating_the_datum_removes_the_hint_and_the_offset(place):
    path = _lonlat_file(place, "amap_stated.geojson", wgs84_to_gcj02)
    ds = load_dataset({"communities": place["communities"], "pipelines": {"path": path, "datum": "gcj02"}})
    assert _hints(ds.reports["pipelines"]) == []
    truth = place["pipelines"].geometry.iloc[0]
    assert ds.layers["pipelines"].geometry.iloc[0].hausdorff_distance(truth) < 0.05


def test_true_lonlat_pipelines_get_no_hint(place):
    path = _lonlat_file(place, "true.geojson")
    ds = load_dataset({"communities": place["communities"], "pipelines": path})
    assert _hints(ds.reports["pipelines"]) == [] and _hints(ds.reports["communities"]) == []


def test_the_layer_in_the_web_datum_is_the_one_named(place):
    """Surveyed pipelines in lon/lat next to GCJ-02 communities: the communities are named."""
    communities = gpd.read_file(place["communities"]).to_crs(4326)
    communities = communities.set_geometry(shapely.transform(
        np.asarray(communities.geometry.values),
        lambda xy: np.column_stack(wgs84_to_gcj02(xy[:, 0], xy[:, 1]))))
    c_path = place["folder"] / "amap_communities.geojson"
    communities.to_file(c_path, driver="GeoJSON")
    ds = load_dataset({"communities": c_path, "pipelines": _lonlat_file(place, "true2.geojson")})
    assert len(_hints(ds.reports["communities"])) == 1
    assert _hints(ds.reports["pipelines"]) == []


def test_layers_loaded_one_by_one_get_the_hint_from_add_datum_hints(place):
    communities = load_layer(place["communities"], "communities")
    pipes = load_layer(_lonlat_file(place, "amap_one.geojson", wgs84_to_gcj02), "pipelines",
                       target_crs=communities.gdf.crs)
    assert pipes.datum_unstated and not communities.datum_unstated
    added = add_datum_hints({"communities": communities, "pipelines": pipes})
    assert [i.code for i in added] == ["datum_offset"] and _hints(pipes.report) == added
    assert add_datum_hints({"communities": communities, "pipelines": pipes}) == []  # said once


def test_hint_words():
    hint = DatumHint("pipelines", "communities", "bd09", 1103.0, 780.0, -780.0, 0.07, 0.52)
    text = hint.message()
    assert "about 1103 m (780 m east, 780 m south)" in text and "Baidu" in text and "--datum bd09" in text


def test_unrelated_places_are_not_compared():
    near = gpd.GeoDataFrame(geometry=[box(524_000 + 60 * i, 4_873_000, 524_040 + 60 * i, 4_873_040)
                                      for i in range(40)], crs=4538)
    far = near.translate(300_000, 0)
    assert datum_offset_hints({"a": near, "b": gpd.GeoDataFrame(geometry=far, crs=4538)}, ["a", "b"]) == []


# --- 3-degree Gauss-Krüger eastings with the zone prefix, no .prj ----------------------------------


def _no_prj(tmp_path, geoms, name="survey.shp"):
    frame = gpd.GeoDataFrame({"户数": [10] * len(geoms)}, geometry=geoms, crs=None)
    path = tmp_path / name
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # pyogrio: "'crs' was not provided" (the point)
        frame.to_file(path)
    assert not path.with_suffix(".prj").exists()
    return path


def test_zone_prefixed_eastings_without_prj_name_the_epsg(tmp_path):
    path = _no_prj(tmp_path, [box(39_500_000 + 100 * i, 4_420_000, 39_500_050 + 100 * i, 4_420_050)
                              for i in range(3)])
    with pytest.raises(CRSError) as caught:
        load_layer(path, "communities")
    assert caught.value.code == "crs_missing_gk_prefixed"
    assert caught.value.params["epsg"] == 4527 and caught.value.params["central"] == 117
    assert caught.value.params["file"] == "survey.shp"
    assert "--crs EPSG:4527" in str(caught.value) and "zone 39" in str(caught.value)
    loaded = load_layer(path, "communities", crs="EPSG:4527")  # the fix works
    assert loaded.report.rows_kept == 3


def test_zone_prefixed_northing_first_says_swap(tmp_path):
    path = _no_prj(tmp_path, [box(4_420_000, 39_500_000 + 100 * i, 4_420_050, 39_500_050 + 100 * i)
                              for i in range(3)])
    with pytest.raises(CRSError) as caught:
        load_layer(path, "communities")
    assert caught.value.code == "crs_missing_gk_prefixed_swapped" and caught.value.params["epsg"] == 4527
    assert "--swap-xy" in str(caught.value)
    assert load_layer(path, "communities", crs="EPSG:4527", swap_xy=True).report.rows_kept == 3


def test_plain_metres_without_prj_keep_the_general_message(tmp_path):
    path = _no_prj(tmp_path, [box(524_000, 4_873_000, 524_050, 4_873_050)])
    with pytest.raises(CRSError) as caught:
        load_layer(path, "communities")
    assert caught.value.code == "crs_missing"


# --- a geographic target CRS (the issue's "every row rejected, duplicate id") ----------------------


def test_demo_loads_with_a_geographic_target_crs():
    loaded = load_layer(DEMO_PATH, "communities", file_layer="communities", target_crs=4326)
    assert loaded.report.rows_kept == 1100 and loaded.report.rejected == []
    assert loaded.gdf.crs.to_epsg() == 4326 and "EPSG:4326" in loaded.report.crs_out
    x, y = loaded.gdf.geometry.iloc[0].representative_point().coords[0]
    assert 73 < x < 136 and 3 < y < 54


def test_geographic_target_keeps_checks_in_metres_and_rejects_only_the_duplicate(tmp_path):
    frame = gpd.GeoDataFrame({"编号": ["A", "A", "B"], "户数": [10, 20, 30]},
                             geometry=[box(524_000, 4_873_000, 524_050, 4_873_050),
                                       box(524_100, 4_873_000, 524_150, 4_873_050),
                                       box(524_200, 4_873_000, 524_200.5, 4_873_001)],  # a 0.5 m² sliver
                             crs=4538)
    path = tmp_path / "c.gpkg"
    frame.to_file(path, driver="GPKG")
    loaded = load_layer(path, "communities", target_crs=4326)
    assert {i.code for i in loaded.report.rejected} == {"duplicate_id", "degenerate_polygon"}
    assert loaded.gdf["community_id"].tolist() == ["A"] and loaded.gdf.crs.to_epsg() == 4326


def test_every_row_rejected_names_the_reason_most_rows_share(tmp_path):
    slivers = [box(524_000 + 10 * i, 4_873_000, 524_000.5 + 10 * i, 4_873_001) for i in range(4)]
    frame = gpd.GeoDataFrame({"编号": ["A", "A", "B", "C"]}, geometry=slivers, crs=4538)
    path = tmp_path / "slivers.gpkg"
    frame.to_file(path, driver="GPKG")
    with pytest.raises(ValidationError) as caught:
        load_layer(path, "communities")
    assert caught.value.code == "all_rows_rejected"
    assert caught.value.params["reason"] == "degenerate_polygon" and caught.value.params["row"] == 1
    assert "sliver" in str(caught.value) and "4 rows" in str(caught.value)


def test_layers_returned_in_lon_lat_are_compared_in_metres(place):
    communities = load_layer(place["communities"], "communities", target_crs=4326)
    pipes = load_layer(_lonlat_file(place, "amap_ll.geojson", wgs84_to_gcj02), "pipelines", target_crs=4326)
    (issue,) = add_datum_hints({"communities": communities, "pipelines": pipes})
    assert "GCJ-02" in issue.message and pipes.gdf.crs.to_epsg() == 4326
