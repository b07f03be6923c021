"""Loading end to end: columns, CRS, datums, and a report in which no row goes missing."""

import geopandas as gpd
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import Transformer
from shapely import LineString, MultiPolygon, Point, Polygon, box

from geo.crs.datums import wgs84_to_gcj02
from geo.errors import CRSError, SchemaError, ValidationError
from geo.io.load import choose_analysis_crs, load_dataset, load_layer
from geo.io.validate import check_geometries

BOWTIE = Polygon([(0, 0), (10, 10), (10, 0), (0, 10)])


def to_gk(geom):
    """A geometry drawn in metres around the origin, placed in Changji's Gauss-Krüger zone."""
    from shapely import affinity

    return affinity.translate(geom, 524_000, 4_873_000)


def write(tmp_path, frame, name="x.gpkg"):
    path = tmp_path / name
    frame.to_file(path, driver="GPKG")
    return path


def test_nothing_is_lost_every_row_kept_or_rejected_with_reason(tmp_path):
    frame = gpd.GeoDataFrame(
        {
            "编号": ["A", "B", "C", "D", "E", "F", "A", "H"],
            "户数": [120, -5, "约300", 80, 60, 40, 70, 90],
            "建成年代": ["1987年", "1990", "1980年代", "1850", "87年", "1995", "1995", "2099"],
        },
        geometry=[
            to_gk(box(0, 0, 50, 50)),  # A kept
            to_gk(box(100, 0, 150, 50)),  # B negative households: rejected
            to_gk(box(200, 0, 250, 50)),  # C households unreadable: kept with warning
            to_gk(box(300, 0, 350, 50)),  # D build year 1850: rejected
            to_gk(BOWTIE),  # E bow-tie repaired, year unreadable: kept
            None,  # F no geometry: rejected
            to_gk(box(400, 0, 450, 50)),  # A again: duplicate id rejected
            to_gk(box(500, 0, 550, 50)),  # H build year in the future: rejected
        ],
        crs=4538,
    )
    loaded = load_layer(write(tmp_path, frame), "communities")
    report = loaded.report
    assert report.rows_read == 8
    assert loaded.gdf["community_id"].tolist() == ["A", "C", "E"]
    rejected = {i.row_id: i.code for i in report.rejected}
    assert rejected == {"B": "out_of_range", "D": "out_of_range", "F": "no_geometry",
                        "A": "duplicate_id", "H": "out_of_range"}
    assert report.rows_kept + len({i.position for i in report.rejected}) == report.rows_read
    assert [i.row_id for i in report.repaired] == ["E"]
    assert "Self-intersection" in report.repaired[0].message
    warned = {(i.position, i.column.split(" ")[0]) for i in report.warnings}
    assert {(2, "户数"), (2, "建成年代"), (4, "建成年代")} <= warned
    assert report.row_label(7) == "feature 8"
    assert "8 read, 3 kept (1 repaired), 5 rejected" in report.summary()
    table = report.to_frame()
    assert set(table["action"]) == {"rejected", "repaired", "warning"}
    assert loaded.gdf.is_valid.all()


@pytest.mark.parametrize(
    ("geom", "layer", "code"),
    [
        (LineString([(0, 0), (10, 0)]), "communities", "wrong_geometry_type"),
        (Point(0, 0), "pipelines", "wrong_geometry_type"),
        (Polygon(), "communities", "empty_geometry"),
        (Polygon([(0, 0), (1, 0), (0.5, 0), (0, 0)]), "communities", "invalid_geometry"),
        (box(0, 0, 0.1, 0.1), "communities", "degenerate_polygon"),
        (Point(np.inf, 0), "facilities", "bad_coordinates"),
    ],
)
def test_geometry_rejections(geom, layer, code):
    gdf = gpd.GeoDataFrame({"x": [1]}, geometry=[geom], crs=4538)
    _, issues = check_geometries(gdf, layer)
    assert [(i.action, i.code) for i in issues] == [("rejected", code)]


def test_geometry_repairs_keep_the_right_type():
    from shapely import GeometryCollection

    gdf = gpd.GeoDataFrame(
        {"x": [1, 2, 3, 4]},
        geometry=[
            box(0, 0, 10, 10),  # facility polygon -> inner point
            GeometryCollection([box(0, 0, 5, 5), Point(9, 9)]),
            MultiPolygon([box(0, 0, 5, 5), box(10, 0, 15, 5)]),
            Polygon([(0, 0), (0, 10), (10, 10), (10, 0), (0, 0)], [[(2, 2), (8, 2), (8, 8), (2, 8)]]),
        ],
        crs=4538,
    )
    out, issues = check_geometries(gdf.iloc[[0]], "facilities")
    assert out.geometry.iloc[0].geom_type == "Point" and issues[0].code == "polygon_to_point"
    out, issues = check_geometries(gdf.iloc[1:], "communities")
    assert [i.code for i in issues] == ["collection_extracted"]
    assert set(out.geom_type) == {"Polygon", "MultiPolygon"}


def test_required_column_missing_names_the_fix(tmp_path):
    frame = gpd.GeoDataFrame({"名称": ["a"]}, geometry=[to_gk(LineString([(0, 0), (100, 0)]))], crs=4538)
    path = write(tmp_path, frame)
    with pytest.raises(SchemaError, match="no column for kind.*--map kind=COLUMN.*--set kind=VALUE"):
        load_layer(path, "pipelines")
    loaded = load_layer(path, "pipelines", defaults={"kind": "燃气"})
    assert loaded.gdf["kind"].tolist() == ["gas"]
    assert loaded.report.defaults == {"kind": "燃气"}


def test_an_unknown_kind_is_kept_as_other_with_the_files_word(tmp_path):
    frame = gpd.GeoDataFrame({"类型": ["给水", "中水"]},
                             geometry=[to_gk(LineString([(0, 0), (100, 0)]))] * 2, crs=4538)
    loaded = load_layer(write(tmp_path, frame), "pipelines")
    assert loaded.gdf["kind"].tolist() == ["water_supply", "other"]
    assert loaded.gdf["kind_original"].tolist()[1] == "中水"
    assert loaded.report.rejected == []
    assert any("'中水' is not a known kind (1 row): kept as other" in i.message for i in loaded.report.warnings)
    assert [i.code for i in loaded.report.warnings if "中水" in i.message] == ["kind_unknown"]


def test_a_kinds_table_gives_an_unknown_word_one_of_our_kinds(tmp_path):
    frame = gpd.GeoDataFrame({"类型": ["给水", "中水"]},
                             geometry=[to_gk(LineString([(0, 0), (100, 0)]))] * 2, crs=4538)
    loaded = load_layer(write(tmp_path, frame), "pipelines", kinds={"中水": "drainage"})
    assert loaded.gdf["kind"].tolist() == ["water_supply", "drainage"]
    assert loaded.report.rejected == []


def test_all_rows_rejected_is_an_error(tmp_path):
    frame = gpd.GeoDataFrame({"户数": [-1, -2]}, geometry=[to_gk(box(0, 0, 9, 9))] * 2, crs=4538)
    with pytest.raises(ValidationError, match="every one of the 2 rows was rejected"):
        load_layer(write(tmp_path, frame), "communities")


def test_extra_columns_are_kept(tmp_path):
    frame = gpd.GeoDataFrame({"户数": [10], "备注": ["东侧围墙已拆"]}, geometry=[to_gk(box(0, 0, 9, 9))], crs=4538)
    loaded = load_layer(write(tmp_path, frame), "communities")
    assert loaded.gdf["备注"].tolist() == ["东侧围墙已拆"]
    assert loaded.report.unmapped == ["备注"]


def test_gcj02_input_lands_on_wgs84(tmp_path):
    lon, lat = 87.3050, 44.0120  # WGS84 truth
    glon, glat = wgs84_to_gcj02(lon, lat)
    frame = gpd.GeoDataFrame({"设施类型": ["菜市场"]}, geometry=[Point(float(glon), float(glat))], crs=4326)
    path = tmp_path / "amap.geojson"
    frame.to_file(path, driver="GeoJSON")
    plain = load_layer(path, "facilities")
    converted = load_layer(path, "facilities", datum="gcj02")
    truth = gpd.GeoSeries([Point(lon, lat)], crs=4326).to_crs(converted.gdf.crs)
    assert converted.gdf.distance(truth).iloc[0] < 0.01
    assert plain.gdf.distance(truth).iloc[0] > 100  # the offset that was removed
    assert any("GCJ02 to WGS84" in i.message for i in converted.report.notes)


def test_bd09_csv_lands_on_wgs84(tmp_path):
    from geo.crs.datums import wgs84_to_bd09

    lon, lat = 87.3050, 44.0120
    blon, blat = wgs84_to_bd09(lon, lat)
    path = tmp_path / "baidu.csv"
    path.write_text(f"name,kind,lng,lat\nx,market,{float(blon):.8f},{float(blat):.8f}\n", encoding="utf-8")
    loaded = load_layer(path, "facilities", datum="bd09")
    truth = gpd.GeoSeries([Point(lon, lat)], crs=4326).to_crs(loaded.gdf.crs)
    assert loaded.gdf.distance(truth).iloc[0] < 0.01


def test_swapped_coordinates_are_caught_then_fixed_on_request(tmp_path):
    frame = gpd.GeoDataFrame({"类型": ["燃气"]}, geometry=[LineString([(44.01, 87.30), (44.02, 87.31)])], crs=4326)
    path = tmp_path / "pipes.geojson"
    frame.to_file(path, driver="GeoJSON")
    with pytest.raises(CRSError, match="swapped"):
        load_layer(path, "pipelines")
    loaded = load_layer(path, "pipelines", swap_xy=True)
    assert loaded.gdf.crs.to_epsg() == 4538


def test_legacy_datum_is_loaded_with_a_warning_not_shifted(tmp_path):
    frame = gpd.GeoDataFrame({"户数": [10]}, geometry=[box(87.30, 44.01, 87.301, 44.011)], crs=4610)
    path = write(tmp_path, frame)
    loaded = load_layer(path, "communities")
    assert any("Xian 1980" in i.message for i in loaded.report.warnings)
    back = loaded.gdf.to_crs(4326).geometry.iloc[0].bounds
    assert back[0] == pytest.approx(87.30, abs=1e-6)  # used as it is: no silent shift


def test_analysis_crs_is_chosen_from_the_data():
    kunming = gpd.GeoDataFrame(geometry=[Point(102.71, 25.04)], crs=4326)
    assert choose_analysis_crs(kunming).to_epsg() == 4543


def test_dataset_shares_one_crs(tmp_path):
    a = gpd.GeoDataFrame({"户数": [10]}, geometry=[box(87.30, 44.01, 87.301, 44.011)], crs=4326)
    b = gpd.GeoDataFrame({"类型": ["铁路"]}, geometry=[LineString([(87.29, 44.02), (87.32, 44.02)])], crs=4490)
    ds = load_dataset({"communities": write(tmp_path, a, "a.gpkg"), "barriers": write(tmp_path, b, "b.gpkg")})
    assert list(ds.layers) == ["communities", "barriers"]
    assert {gdf.crs.to_epsg() for gdf in ds.layers.values()} == {4538}
    assert ds.to_display()["barriers"].crs.to_epsg() == 4326


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.integers(-50, 5000), st.booleans(), st.sampled_from(["ok", "none", "empty"])),
                min_size=1, max_size=12))
def test_report_accounts_for_every_row(tmp_path_factory, rows):
    """Whatever the mix of good and bad rows, kept + rejected == read, and kept rows are valid."""
    geoms = []
    for i, (_, bowtie, state) in enumerate(rows):
        if state == "none":
            geoms.append(None)
        elif state == "empty":
            geoms.append(Polygon())
        else:
            base = BOWTIE if bowtie else box(0, 0, 10, 10)
            from shapely import affinity

            geoms.append(to_gk(affinity.translate(base, i * 20, 0)))
    frame = gpd.GeoDataFrame({"户数": [r[0] for r in rows]}, geometry=geoms, crs=4538)
    path = write(tmp_path_factory.mktemp("h"), frame)
    try:
        loaded = load_layer(path, "communities")
    except ValidationError:
        assert all(r[0] < 0 or r[2] != "ok" for r in rows)
        return
    report = loaded.report
    assert report.rows_kept + len({i.position for i in report.rejected}) == report.rows_read == len(rows)
    assert len(loaded.gdf) == report.rows_kept
    assert loaded.gdf.is_valid.all() and (loaded.gdf["households"] >= 0).all()


def test_coordinates_are_projected_once_to_metres(tmp_path):
    frame = gpd.GeoDataFrame({"户数": [10]}, geometry=[box(87.30, 44.01, 87.301, 44.011)], crs=4490)
    loaded = load_layer(write(tmp_path, frame), "communities")
    x, y = Transformer.from_crs(4490, 4538, always_xy=True).transform(87.30, 44.01)
    corners = np.asarray(loaded.gdf.geometry.iloc[0].exterior.coords)
    assert np.hypot(corners[:, 0] - x, corners[:, 1] - y).min() < 0.01
    assert 6000 < loaded.gdf.area.iloc[0] < 10000  # about 80 m x 111 m
