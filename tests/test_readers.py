"""Every file format planners bring, every encoding trap, and every malformed file."""

import json
import zipfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
from shapely import box

from geo.errors import InputFileError, LayerNotFoundError
from geo.load import load_layer
from geo.readers import list_layers, read_layer

NAMES = ["供电局家属院", "粮食局小区", "纺织厂宿舍楼"]


def communities(crs=4490) -> gpd.GeoDataFrame:
    """Three small old communities near Changji, with Chinese headers as planners have them."""
    geoms = [box(87.300 + i * 0.002, 44.010, 87.301 + i * 0.002, 44.011) for i in range(3)]
    frame = gpd.GeoDataFrame(
        {"小区名称": NAMES, "户数": ["120户", "80", 200], "建成年代": ["1987年", "1992", "1980年代"],
         "街道": ["宁边路街道"] * 3},
        geometry=geoms, crs=4326,
    )
    return frame.to_crs(crs)


def write_shapefile(folder: Path, *, encoding: str, cpg: bool) -> Path:
    path = folder / "xq.shp"
    frame = communities()
    if encoding.upper() == "UTF-8":
        # A DBF field name holds 10 bytes: three Chinese characters in UTF-8.
        frame = frame.rename(columns={"小区名称": "名称", "建成年代": "build_year"})
    pyogrio.write_dataframe(frame, path, encoding=encoding)
    if not cpg:
        path.with_suffix(".cpg").unlink()
    assert path.with_suffix(".cpg").exists() == cpg
    return path


def zip_files(target: Path, files: list[Path], *, arcdir: str = "") -> Path:
    with zipfile.ZipFile(target, "w") as zf:
        for f in files:
            zf.write(f, arcname=f"{arcdir}{f.name}")
    return target


def check_names_and_values(loaded):
    gdf = loaded.gdf
    assert gdf["name"].tolist() == NAMES
    assert gdf["households"].tolist() == [120, 80, 200]
    assert gdf["build_year"].tolist() == [1987, 1992, 1980]
    assert gdf.crs.to_epsg() == 4538
    assert loaded.report.rows_kept == 3


def test_geojson(tmp_path):
    path = tmp_path / "xq.geojson"
    communities(4326).to_file(path, driver="GeoJSON")
    check_names_and_values(load_layer(path, "communities"))


def test_geojson_3d_epsg4979_is_flattened(tmp_path):
    frame = communities(4326)
    frame = frame.set_geometry(frame.geometry.force_3d(0.0))
    data = json.loads(frame.to_json())
    data["crs"] = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::4979"}}
    path = tmp_path / "xq3d.geojson"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    loaded = load_layer(path, "communities")
    check_names_and_values(loaded)
    assert not loaded.gdf.geometry.has_z.any()
    assert any("z coordinates dropped" in i.message for i in loaded.report.notes)


def test_geopackage_layer_by_name_and_by_kind(tmp_path):
    path = tmp_path / "city.gpkg"
    communities().to_file(path, layer="老旧小区", driver="GPKG")
    communities().to_file(path, layer="other", driver="GPKG")
    check_names_and_values(load_layer(path, "communities", file_layer="other"))
    # two layers, one named like the kind: chosen without asking
    check_names_and_values(load_layer(path, "communities"))
    with pytest.raises(LayerNotFoundError, match="no layer 'nope'.*老旧小区, other"):
        load_layer(path, "communities", file_layer="nope")


def test_geopackage_with_several_unrecognised_layers_asks(tmp_path):
    path = tmp_path / "city.gpkg"
    communities().to_file(path, layer="a", driver="GPKG")
    communities().to_file(path, layer="b", driver="GPKG")
    with pytest.raises(LayerNotFoundError, match="2 layers: a, b. Choose one with --layer"):
        load_layer(path, "communities")


@pytest.mark.parametrize("encoding", ["GBK", "GB18030", "UTF-8"])
@pytest.mark.parametrize("cpg", [True, False])
def test_shapefile_encodings_with_and_without_cpg(tmp_path, encoding, cpg):
    path = write_shapefile(tmp_path, encoding=encoding, cpg=cpg)
    loaded = load_layer(path, "communities")
    check_names_and_values(loaded)
    if not cpg:
        assert any("no .cpg" in i.message for i in loaded.report.notes)


@pytest.mark.parametrize("cpg", [True, False])
def test_zipped_gbk_shapefile(tmp_path, cpg):
    shp = write_shapefile(tmp_path, encoding="GBK", cpg=cpg)
    parts = [p for p in tmp_path.iterdir() if p.stem == "xq"]
    archive = zip_files(tmp_path / "xq.zip", parts, arcdir="export/")
    check_names_and_values(load_layer(archive, "communities"))
    assert [item.name for item in list_layers(archive)] == ["xq"]
    assert shp.exists()


def test_cpg_that_lies_is_corrected(tmp_path):
    path = write_shapefile(tmp_path, encoding="GBK", cpg=False)
    path.with_suffix(".cpg").write_text("UTF-8")
    loaded = load_layer(path, "communities")
    check_names_and_values(loaded)
    assert any("not in that encoding" in i.message for i in loaded.report.notes)


def test_unknown_encoding_is_one_clear_error(tmp_path):
    path = write_shapefile(tmp_path, encoding="UTF-8", cpg=False)
    dbf = path.with_suffix(".dbf")
    data = bytearray(dbf.read_bytes())
    header_len = int.from_bytes(data[8:10], "little")
    # Bytes that are neither UTF-8 nor GBK-Chinese: Latin-1 accents of a European export.
    for i in range(header_len + 1, len(data) - 1, 7):
        if data[i] >= 0x80:
            data[i] = 0xE9
    for i in range(header_len + 2, len(data) - 1, 5):
        if data[i] >= 0x80:
            data[i] = 0x20
    dbf.write_bytes(bytes(data))
    with pytest.raises(InputFileError, match="unknown encoding.*--encoding"):
        load_layer(path, "communities")
    # stating the encoding gets past it
    loaded = load_layer(path, "communities", encoding="latin1")
    assert loaded.report.rows_kept == 3


def test_csv_with_wkt_in_gbk(tmp_path):
    frame = communities(4326)
    table = pd.DataFrame(frame.drop(columns="geometry"))
    table["wkt"] = frame.geometry.to_wkt()
    path = tmp_path / "xq.csv"
    table.to_csv(path, index=False, encoding="gbk")
    loaded = load_layer(path, "communities", crs="EPSG:4326")
    check_names_and_values(loaded)
    assert loaded.report.row_word == "row"


def test_csv_needs_a_crs(tmp_path):
    frame = communities(4326)
    table = pd.DataFrame(frame.drop(columns="geometry"))
    table["wkt"] = frame.geometry.to_wkt()
    path = tmp_path / "xq.csv"
    table.to_csv(path, index=False, encoding="utf-8-sig")
    with pytest.raises(Exception, match="states no coordinate system"):
        load_layer(path, "communities")


def test_csv_with_lon_lat_points_and_bad_rows(tmp_path):
    path = tmp_path / "poi.csv"
    path.write_text(
        "设施名称,设施类型,经度,纬度\n"
        "延安北路卫生服务站,卫生服务站,87.301,44.012\n"
        "宁边路幼儿园,幼儿园,87.305,44.013\n"
        "坏行,便利店,东经87度,44.0\n",
        encoding="utf-8",
    )
    loaded = load_layer(path, "facilities", datum="cgcs2000")
    assert loaded.gdf["kind"].tolist() == ["clinic", "kindergarten"]
    rejected = loaded.report.rejected
    assert len(rejected) == 1 and rejected[0].position == 2
    assert loaded.report.row_label(rejected[0].position) == "row 4"
    assert "not coordinates" in rejected[0].message


def test_csv_with_unreadable_wkt_row(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text('name,wkt\na,"POINT (87.3 44.0)"\nb,"POINT (87.3"\n', encoding="utf-8")
    loaded = load_layer(path, "facilities", datum="wgs84", defaults={"kind": "market"})
    assert loaded.report.rows_kept == 1
    assert "cannot be read" in loaded.report.rejected[0].message


def test_xlsx_sheet_with_lon_lat(tmp_path):
    path = tmp_path / "设施.xlsx"
    table = pd.DataFrame({"名称": ["a", "b"], "类型": ["菜市场", "快递柜"], "lng": [87.30, 87.31], "lat": [44.0, 44.01]})
    with pd.ExcelWriter(path) as writer:
        pd.DataFrame({"x": [1]}).to_excel(writer, sheet_name="说明", index=False)
        table.to_excel(writer, sheet_name="设施", index=False)
    assert [item.name for item in list_layers(path)] == ["说明", "设施"]
    loaded = load_layer(path, "facilities", file_layer="设施", datum="wgs84")
    assert loaded.gdf["kind"].tolist() == ["market", "parcel_locker"]
    assert loaded.report.row_label(0) == "row 2"


def test_table_without_geometry_says_what_it_needs(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("名称,户数\na,1\n", encoding="utf-8")
    with pytest.raises(InputFileError, match="no geometry found.*--wkt COL or --lon COL --lat COL"):
        read_layer(path)


# --- malformed files: one clear error each, never a traceback from a library ----------------


def test_truncated_geojson(tmp_path):
    path = tmp_path / "xq.geojson"
    text = communities(4326).to_json()
    path.write_text(text[: len(text) // 2], encoding="utf-8")
    with pytest.raises(InputFileError, match="xq.geojson cannot be read: the GeoJSON is malformed or truncated"):
        load_layer(path, "communities")


def test_empty_file(tmp_path):
    path = tmp_path / "xq.geojson"
    path.write_bytes(b"")
    with pytest.raises(InputFileError, match="xq.geojson is empty"):
        load_layer(path, "communities")


def test_missing_file(tmp_path):
    with pytest.raises(InputFileError, match="no such file"):
        load_layer(tmp_path / "nope.gpkg", "communities")


def test_zip_without_shp(tmp_path):
    readme = tmp_path / "readme.txt"
    readme.write_text("hello")
    archive = zip_files(tmp_path / "data.zip", [readme])
    with pytest.raises(InputFileError, match="holds no .shp.*readme.txt"):
        load_layer(archive, "communities")


def test_zip_with_shp_but_no_dbf(tmp_path):
    write_shapefile(tmp_path, encoding="UTF-8", cpg=True)
    parts = [p for p in tmp_path.iterdir() if p.stem == "xq" and p.suffix != ".dbf"]
    archive = zip_files(tmp_path / "xq.zip", parts)
    with pytest.raises(InputFileError, match=r"\.dbf is missing from xq.zip"):
        load_layer(archive, "communities")


def test_damaged_zip(tmp_path):
    path = tmp_path / "x.zip"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(InputFileError, match="not a valid zip"):
        load_layer(path, "communities")


def test_not_a_geopackage(tmp_path):
    path = tmp_path / "x.gpkg"
    path.write_text("this is text")
    with pytest.raises(InputFileError, match="x.gpkg cannot be read"):
        load_layer(path, "communities")


def test_utf8_column_name_cut_at_ten_bytes(tmp_path):
    path = tmp_path / "xq.shp"
    with pytest.warns(RuntimeWarning):
        pyogrio.write_dataframe(communities(), path, encoding="UTF-8")
    with pytest.raises(InputFileError, match="10-byte limit"):
        load_layer(path, "communities")


def test_unsupported_format(tmp_path):
    path = tmp_path / "x.docx"
    path.write_bytes(b"\x00\x01binary")
    with pytest.raises(InputFileError, match="cannot be read"):
        load_layer(path, "communities")
