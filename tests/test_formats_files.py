"""The files planners really hold: FileGDB zipped, GeoParquet, KML/KMZ with ExtendedData, GPX,
CSV in UTF-16 / GB18030 with a byte-order mark or with a repeated header, and zips whose member
names Windows tools wrote in GBK. Every file is written here, by the test."""

from __future__ import annotations

import io
import os
import warnings
import zipfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely import box

from geo.errors import GeoError, InputFileError
from geo.io import readers
from geo.io.load import load_layer
from geo.io.readers import list_layers, read_layer, zip_member_name
from ui.i18n import TEXT

NAMES = ["供电局家属院", "粮食局小区", "纺织厂宿舍楼"]
HOUSEHOLDS = [320, 80, 200]
YEARS = [1987, 1992, 1980]


def communities(crs=4490) -> gpd.GeoDataFrame:
    """Three old communities near Changji, with the attributes planners' FileGDBs hold."""
    geoms = [box(87.300 + i * 0.002, 44.010, 87.301 + i * 0.002, 44.011) for i in range(3)]
    frame = gpd.GeoDataFrame({"小区名称": NAMES, "户数": HOUSEHOLDS, "建成年份": YEARS}, geometry=geoms, crs=4326)
    return frame.to_crs(crs)


def coded(exc: GeoError) -> str:
    """The error's code, checked to have words in both languages."""
    assert exc.code and f"error_{exc.code}" in TEXT, (exc.code, str(exc))
    return exc.code


def check_loaded(path: Path, **kwargs) -> None:
    """The layer loads as communities with its names, households and years."""
    loaded = load_layer(path, "communities", **kwargs)
    assert loaded.gdf["name"].tolist() == NAMES
    assert loaded.gdf["households"].tolist() == HOUSEHOLDS
    assert loaded.gdf["build_year"].tolist() == YEARS
    assert loaded.report.rows_kept == 3


# --- 1. FileGDB, zipped ------------------------------------------------------------------------


def write_filegdb(folder: Path, name: str = "城区.gdb") -> Path:
    gdb = folder / name
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # Integer64 written as Float64 (an ArcGIS version note)
        pyogrio.write_dataframe(communities(4538), gdb, layer="communities", driver="OpenFileGDB")
        pyogrio.write_dataframe(communities(4538).iloc[:1], gdb, layer="roads", driver="OpenFileGDB")
    return gdb


def zip_folder(target: Path, folder: Path, *, flat: bool = False) -> Path:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
        for f in sorted(folder.iterdir()):
            zf.write(f, arcname=f.name if flat else f"{folder.name}/{f.name}")
    return target


def test_a_filegdb_folder_lists_its_layers(tmp_path):
    gdb = write_filegdb(tmp_path)
    assert [item.name for item in list_layers(gdb)] == ["communities", "roads"]


@pytest.mark.parametrize("flat", [False, True], ids=["gdb-folder-zipped", "gdb-files-zipped-flat"])
def test_a_zipped_filegdb_lists_and_reads_like_the_folder(tmp_path, flat):
    archive = zip_folder(tmp_path / "城区.gdb.zip", write_filegdb(tmp_path), flat=flat)
    listing = list_layers(archive)
    assert [(item.name, item.features) for item in listing] == [("communities", 3), ("roads", 1)]
    raw = read_layer(archive, layer="communities")
    assert raw.layer == "communities" and raw.crs.to_epsg() == 4538
    assert raw.frame["小区名称"].tolist() == NAMES
    assert raw.frame["户数"].tolist() == HOUSEHOLDS and raw.frame["建成年份"].tolist() == YEARS
    check_loaded(archive, file_layer="communities")


def test_a_zipped_filegdb_is_picked_by_the_layer_kind(tmp_path):
    archive = zip_folder(tmp_path / "城区.gdb.zip", write_filegdb(tmp_path))
    assert read_layer(archive, kind="communities").layer == "communities"


def test_a_zipped_filegdb_keeps_the_zip_bomb_checks(tmp_path, monkeypatch):
    archive = zip_folder(tmp_path / "城区.gdb.zip", write_filegdb(tmp_path))
    monkeypatch.setattr(readers, "MAX_ZIP_MEMBERS", 3)
    with pytest.raises(InputFileError) as caught:
        list_layers(archive)
    assert coded(caught.value) == "zip_too_large" and caught.value.params["file"] == "城区.gdb.zip"


def test_a_zipped_filegdb_with_a_damaged_table_is_named(tmp_path):
    gdb = write_filegdb(tmp_path)
    for table in gdb.glob("*.gdbtable"):
        table.write_bytes(table.read_bytes()[:40])
    archive = zip_folder(tmp_path / "城区.gdb.zip", gdb)
    with pytest.raises(GeoError) as caught:
        read_layer(archive, layer="communities")
    assert coded(caught.value) == "filegdb_unreadable" and caught.value.params["file"] == "城区.gdb"
    assert str(tmp_path) not in str(caught.value)


# --- 2. GeoParquet -----------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".parquet", ".geoparquet"])
def test_geoparquet_lists_and_reads(tmp_path, suffix):
    path = tmp_path / f"老旧小区{suffix}"
    communities(4490).to_parquet(path)
    assert [(item.name, item.features) for item in list_layers(path)] == [("老旧小区", 3)]
    raw = read_layer(path)
    assert raw.crs.to_epsg() == 4490 and raw.frame["小区名称"].tolist() == NAMES
    check_loaded(path)


def test_gdal_alone_cannot_read_geoparquet_here_so_pyarrow_does(tmp_path):
    """Without GDAL's Parquet driver, GDAL gives a .parquet to its ADBC driver, which wants libduckdb."""
    path = tmp_path / "老旧小区.parquet"
    communities().to_parquet(path)
    if readers._parquet_via_gdal():  # noqa: SLF001 - the switch this test explains
        pytest.skip("this GDAL has the Parquet driver: GDAL reads GeoParquet itself")
    with pytest.raises(pyogrio.errors.DataSourceError):
        pyogrio.read_dataframe(path)
    assert read_layer(path).frame["户数"].tolist() == HOUSEHOLDS


def test_a_plain_parquet_table_with_a_wkt_column_reads_as_a_table(tmp_path):
    path = tmp_path / "小区表.parquet"
    frame = communities(4326)
    pd.DataFrame(frame.drop(columns="geometry")).assign(wkt=frame.geometry.to_wkt()).to_parquet(path)
    raw = read_layer(path)
    assert raw.row_word == "row" and raw.crs is None
    assert raw.frame.geometry.notna().all() and raw.frame["小区名称"].tolist() == NAMES
    check_loaded(path, crs="EPSG:4326")


def test_a_damaged_parquet_is_named(tmp_path):
    path = tmp_path / "坏.parquet"
    communities().to_parquet(path)
    path.write_bytes(path.read_bytes()[:200])
    for call in (list_layers, read_layer):
        with pytest.raises(InputFileError) as caught:
            call(path)
        assert coded(caught.value) == "parquet_unreadable", str(caught.value)
        assert str(tmp_path) not in caught.value.params["detail"]


# --- 3. KML / KMZ with ExtendedData, GPX ------------------------------------------------------

KML_HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n<kml xmlns="http://www.opengis.net/kml/2.2">\n'
SCHEMA = ('<Schema name="xq" id="xq"><SimpleField name="建成年份" type="int"/>'
          '<SimpleField name="街道" type="string"/></Schema>')


def ring(i: int) -> str:
    x = 87.300 + i * 0.002
    return (f"<Polygon><outerBoundaryIs><LinearRing><coordinates>{x},44.01 {x + 0.001},44.01 {x + 0.001},44.011 "
            f"{x},44.011 {x},44.01</coordinates></LinearRing></outerBoundaryIs></Polygon>")


def placemark(i: int, *, data: bool = True, schema: bool = True) -> str:
    extended = ""
    if data:
        extended += f'<Data name="户数"><displayName>户数（户）</displayName><value>{HOUSEHOLDS[i]}</value></Data>'
    if schema:
        extended += (f'<SchemaData schemaUrl="#xq"><SimpleData name="建成年份">{YEARS[i]}</SimpleData>'
                     '<SimpleData name="街道">宁边路街道</SimpleData></SchemaData>')
    return f"<Placemark><name>{NAMES[i]}</name><ExtendedData>{extended}</ExtendedData>{ring(i)}</Placemark>"


def kml(*, data: bool = True, schema: bool = True, folder: str = "老旧小区") -> str:
    marks = "".join(placemark(i, data=data, schema=schema) for i in range(3))
    return (KML_HEAD + f"<Document><name>城区</name>{SCHEMA if schema else ''}<Folder><name>{folder}</name>"
            f"{marks}</Folder></Document></kml>\n")


@pytest.mark.parametrize(("data", "schema"), [(True, True), (True, False), (False, True)],
                         ids=["Data-and-SchemaData", "Data-only", "SchemaData-only"])
def test_kml_extended_data_becomes_columns(tmp_path, data, schema):
    path = tmp_path / "老旧小区.kml"
    path.write_text(kml(data=data, schema=schema), encoding="utf-8")
    assert [item.name for item in list_layers(path)] == ["老旧小区"]
    raw = read_layer(path)
    frame = raw.frame
    assert frame["Name"].tolist() == NAMES and raw.crs.to_epsg() == 4326
    if data:
        assert [int(v) for v in frame["户数"]] == HOUSEHOLDS
    if schema:
        assert [int(v) for v in frame["建成年份"]] == YEARS and frame["街道"].tolist() == ["宁边路街道"] * 3
    assert not {"tessellate", "extrude", "visibility", "drawOrder", "icon", "altitudeMode"} & set(frame.columns)
    assert not [c for c in frame.columns if set(c) == {"_"}], frame.columns  # no laundered Chinese names


def test_a_kml_with_data_and_schema_data_loads_as_communities(tmp_path):
    path = tmp_path / "老旧小区.kml"
    path.write_text(kml(), encoding="utf-8")
    check_loaded(path)


def test_a_kmz_is_a_zipped_kml(tmp_path):
    path = tmp_path / "老旧小区.kmz"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("doc.kml", kml())
        zf.writestr("files/icon.png", b"\x89PNG")
    assert [item.name for item in list_layers(path)] == ["老旧小区"]
    raw = read_layer(path)
    assert [int(v) for v in raw.frame["户数"]] == HOUSEHOLDS
    check_loaded(path)


def test_a_kml_in_an_ordinary_zip_keeps_its_extended_data(tmp_path):
    path = tmp_path / "资料.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("导出/老旧小区.kml", kml())
    raw = read_layer(path)
    assert raw.layer == "老旧小区" and [int(v) for v in raw.frame["户数"]] == HOUSEHOLDS


def test_a_kmz_bomb_and_a_kmz_without_kml_are_refused(tmp_path, monkeypatch):
    empty = tmp_path / "空.kmz"
    with zipfile.ZipFile(empty, "w") as zf:
        zf.writestr("readme.txt", "no kml")
    with pytest.raises(InputFileError) as caught:
        read_layer(empty)
    assert coded(caught.value) == "kmz_no_kml"
    bomb = tmp_path / "炸.kmz"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("doc.kml", kml().encode() + b" " * (40 * 1024**2))
    with pytest.raises(InputFileError) as caught:
        list_layers(bomb)
    assert coded(caught.value) == "zip_too_large"


def test_the_features_of_each_kml_folder_keep_their_own_data(tmp_path):
    marks = "".join(placemark(i, schema=False) for i in range(2))
    road = ('<Placemark><name>宁边路</name><ExtendedData><Data name="宽度"><value>7</value></Data>'
            '</ExtendedData><LineString><coordinates>87.3,44 87.4,44</coordinates></LineString></Placemark>')
    text = (KML_HEAD + f"<Document><name>城区</name>{SCHEMA}<Folder><name>老旧小区</name>{marks}</Folder>"
            f"<Folder><name>道路</name>{road}</Folder></Document></kml>")
    path = tmp_path / "城区.kml"
    path.write_text(text, encoding="utf-8")
    assert [item.name for item in list_layers(path)] == ["老旧小区", "道路"]
    assert read_layer(path, layer="道路").frame["宽度"].tolist() == ["7"]
    assert [int(v) for v in read_layer(path, kind="communities").frame["户数"]] == HOUSEHOLDS[:2]


@pytest.mark.parametrize("prolog", [
    '<!DOCTYPE kml [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>',
    '<!DOCTYPE kml [<!ENTITY secret SYSTEM "file:///etc/passwd">]>',
    '<!DOCTYPE kml SYSTEM "http://example.com/kml.dtd">',
], ids=["entity-expansion", "external-entity", "external-dtd"])
def test_a_kml_with_a_doctype_is_refused_before_gdal_reads_it(tmp_path, prolog):
    path = tmp_path / "小区.kml"
    path.write_text(KML_HEAD.replace("<kml", prolog + "\n<kml", 1) + "<Document><name>&b;</name></Document></kml>"
                    if "&a;" in prolog else kml().replace("<kml", prolog + "\n<kml", 1), encoding="utf-8")
    for call in (list_layers, read_layer):
        with pytest.raises(InputFileError) as caught:
            call(path)
        assert coded(caught.value) == "xml_unsafe" and caught.value.params == {"file": "小区.kml"}


def test_a_doctype_past_what_a_listing_reads_is_still_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(readers, "KML_PROLOG_BYTES", 64)
    path = tmp_path / "小区.kml"
    path.write_text(kml().replace("<kml", '<!DOCTYPE kml [<!ENTITY a "' + "x" * 200 + '">]>\n<kml', 1),
                    encoding="utf-8")
    with pytest.raises(InputFileError) as caught:
        list_layers(path)
    assert coded(caught.value) == "xml_unsafe"


def test_the_extended_data_scan_bounds_its_text():
    long = "户" * (readers.MAX_KML_TEXT * 2)
    text = f'<kml><Document><Placemark><ExtendedData><Data name="备注"><value>{long}</value></Data>' \
           '</ExtendedData></Placemark></Document></kml>'
    [(_, [(_, data)])] = readers.kml_extended_data(text.encode(), file="a.kml")
    assert len(data["备注"]) == readers.MAX_KML_TEXT


GPX = """<?xml version="1.0" encoding="UTF-8"?>
<gpx version="1.1" creator="两步路" xmlns="http://www.topografix.com/GPX/1/1">
<wpt lat="44.0105" lon="87.3005"><name>供电局家属院</name><desc>320户</desc></wpt>
<wpt lat="44.0105" lon="87.3025"><name>粮食局小区</name><desc>80户</desc></wpt>
<wpt lat="44.0105" lon="87.3045"><name>纺织厂宿舍楼</name><desc>200户</desc></wpt>
</gpx>
"""


def test_gpx_waypoints_load_as_points(tmp_path):
    path = tmp_path / "踏勘点.gpx"
    path.write_text(GPX, encoding="utf-8")
    assert [(item.name, item.features) for item in list_layers(path)] == [("waypoints", 3)]
    raw = read_layer(path)
    assert raw.layer == "waypoints" and raw.crs.to_epsg() == 4326
    assert raw.frame.geometry.geom_type.tolist() == ["Point"] * 3
    assert raw.frame["name"].tolist() == NAMES and raw.frame["desc"].tolist() == ["320户", "80户", "200户"]
    assert not [c for c in raw.frame.columns if c != "geometry" and raw.frame[c].isna().all()]


def test_a_gpx_with_tracks_lists_only_the_layers_that_hold_features(tmp_path):
    text = GPX.replace("</gpx>", '<trk><name>巡查</name><trkseg><trkpt lat="44.01" lon="87.30"/>'
                                 '<trkpt lat="44.02" lon="87.31"/></trkseg></trk></gpx>')
    path = tmp_path / "巡查.gpx"
    path.write_text(text, encoding="utf-8")
    assert [item.name for item in list_layers(path)] == ["waypoints", "tracks", "track_points"]
    assert read_layer(path, layer="tracks").frame.geometry.geom_type.tolist() == ["MultiLineString"]


# --- 4. encodings and headers of a CSV ----------------------------------------------------------

CSV_TEXT = "小区名称,户数,建成年份,wkt\n" + "".join(
    f'{n},{h},{y},"{box(87.3 + i * 0.002, 44.01, 87.301 + i * 0.002, 44.011).wkt}"\n'
    for i, (n, h, y) in enumerate(zip(NAMES, HOUSEHOLDS, YEARS)))


@pytest.mark.parametrize(("encoded", "codec"), [
    (b"\x84\x31\x95\x33" + CSV_TEXT.encode("gb18030"), "gb18030"),
    (CSV_TEXT.encode("utf-16"), "utf-16"),
    (b"\xfe\xff" + CSV_TEXT.encode("utf-16-be"), "utf-16"),
    (CSV_TEXT.encode("utf-8-sig"), "utf-8-sig"),
    (CSV_TEXT.encode("utf-32"), "utf-32"),
    (CSV_TEXT.encode("gbk"), "gb18030"),
], ids=["gb18030-bom", "utf-16le-bom", "utf-16be-bom", "utf-8-bom", "utf-32-bom", "gbk-no-bom"])
def test_a_csv_is_read_in_the_encoding_its_byte_order_mark_names(tmp_path, encoded, codec):
    path = tmp_path / "小区.csv"
    path.write_bytes(encoded)
    raw = read_layer(path)
    assert raw.encoding == codec
    assert list(raw.frame.columns) == ["小区名称", "户数", "建成年份", "geometry"]
    assert raw.frame["小区名称"].tolist() == NAMES
    check_loaded(path, crs="EPSG:4326")


def test_a_tab_separated_utf16_text_from_excel_is_read(tmp_path):
    """Excel's "Unicode text" is UTF-16 with a BOM and tabs."""
    path = tmp_path / "小区.txt"
    path.write_bytes(CSV_TEXT.replace(",", "\t").encode("utf-16"))
    raw = read_layer(path)
    assert raw.frame["户数"].tolist() == [str(h) for h in HOUSEHOLDS]
    assert any("UTF-16" in note.message and "byte-order mark" in note.message for note in raw.notes)


def test_a_repeated_header_is_made_unique_and_noted(tmp_path):
    path = tmp_path / "小区.csv"
    path.write_text(f'小区名称,户数,户数,户数_2,wkt\n供电局家属院,320,318,x,"{box(87.3, 44.01, 87.301, 44.011).wkt}"\n',
                    encoding="utf-8")
    raw = read_layer(path)
    assert list(raw.frame.columns) == ["小区名称", "户数", "户数_3", "户数_2", "geometry"]
    assert raw.frame.iloc[0][["户数", "户数_3"]].tolist() == ["320", "318"]
    [note] = [n for n in raw.notes if n.code == "duplicate_column"]
    assert note.column == "户数" and note.position is None and not note.reject
    assert "issue_duplicate_column" in TEXT
    loaded = load_layer(path, "communities", crs="EPSG:4326")
    assert any(i.code == "duplicate_column" for i in loaded.report.issues)


def test_a_header_without_repeats_is_untouched(tmp_path):
    path = tmp_path / "小区.csv"
    path.write_text("小区名称,户数.1,,wkt\n甲,1,2,POINT (1 2)\n", encoding="utf-8")
    raw = read_layer(path)
    assert list(raw.frame.columns) == ["小区名称", "户数.1", "Unnamed: 2", "geometry"]
    assert not [n for n in raw.notes if n.code == "duplicate_column"]


def test_a_repeated_header_in_a_workbook_is_made_unique(tmp_path):
    path = tmp_path / "小区.xlsx"
    pd.DataFrame([["甲", 320, 318, "POINT (87.3 44.01)"]], columns=["小区名称", "户数", "户数", "wkt"]).to_excel(
        path, index=False)
    raw = read_layer(path)
    assert list(raw.frame.columns) == ["小区名称", "户数", "户数_2", "geometry"]
    assert [n.column for n in raw.notes if n.code == "duplicate_column"] == ["户数"]


# --- 5. zip member names in GBK ------------------------------------------------------------------


def gbk_zip(target: Path, members: dict[str, bytes]) -> Path:
    """A zip whose member names are GBK bytes without the UTF-8 flag, as Windows tools write them.

    :mod:`zipfile` writes a non-ASCII name as UTF-8 and sets the flag; so each member is written
    under an ASCII name of the same byte length, and that name's bytes are swapped for the GBK ones
    (in the local header and the central directory; no offset or CRC changes).
    """
    buffer, swaps = io.BytesIO(), []
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for k, (name, data) in enumerate(members.items()):
            raw = name.encode("gbk")
            stand_in = (b"%04d" % k + b"~" * len(raw))[:len(raw)]
            zf.writestr(stand_in.decode("ascii"), data)
            swaps.append((stand_in, raw))
    packed = buffer.getvalue()
    for stand_in, raw in swaps:
        assert packed.count(stand_in) == 2, stand_in
        packed = packed.replace(stand_in, raw)
    target.write_bytes(packed)
    return target


def shapefile_parts(folder: Path, stem: str = "老旧小区") -> dict[str, bytes]:
    folder.mkdir()
    frame = communities(4538).rename(columns={"小区名称": "名称"})
    pyogrio.write_dataframe(frame, folder / f"{stem}.shp", encoding="gbk")
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_the_zip_has_gbk_names_without_the_utf8_flag(tmp_path):
    archive = gbk_zip(tmp_path / "资料.zip", {"老旧小区.shp": b"x"})
    [info] = zipfile.ZipFile(archive).infolist()
    assert info.flag_bits & 0x800 == 0 and info.filename == "老旧小区.shp".encode("gbk").decode("cp437")
    assert zip_member_name(info) == "老旧小区.shp"


def test_a_zipped_shapefile_with_gbk_member_names_is_found_by_its_real_name(tmp_path):
    parts = shapefile_parts(tmp_path / "shp")
    archive = gbk_zip(tmp_path / "资料.zip", {f"导出数据/{name}": data for name, data in parts.items()})
    assert [item.name for item in list_layers(archive)] == ["老旧小区"]
    raw = read_layer(archive, layer="老旧小区")
    assert raw.layer == "老旧小区" and raw.frame["名称"].tolist() == NAMES
    assert read_layer(archive, kind="communities").layer == "老旧小区"


def test_gdal_names_a_gbk_member_as_zipfile_does(tmp_path):
    """GDAL's /vsizip/ decodes an unflagged name as CP437, as zipfile does: that is the name it opens."""
    parts = shapefile_parts(tmp_path / "shp")
    archive = gbk_zip(tmp_path / "资料.zip", parts)
    names = [Path(p).name for p in pyogrio.vsi_listtree(f"/vsizip/{archive}")]
    assert sorted(names) == sorted(zipfile.ZipFile(archive).namelist())
    with pytest.raises(pyogrio.errors.DataSourceError):
        pyogrio.read_info(f"/vsizip/{archive}/老旧小区.shp")


def test_a_gbk_member_is_named_by_its_real_name_in_errors(tmp_path):
    archive = gbk_zip(tmp_path / "资料.zip", {"说明文档.txt": b"no layer here"})
    with pytest.raises(InputFileError) as caught:
        list_layers(archive)
    assert coded(caught.value) == "zip_no_layer" and caught.value.params["members"] == ["说明文档.txt"]


def test_a_utf8_name_without_the_flag_is_read_as_utf8():
    info = zipfile.ZipInfo("老旧小区.shp".encode("utf-8").decode("cp437"))
    assert zip_member_name(info) == "老旧小区.shp"


def test_a_zipped_filegdb_in_a_gbk_folder(tmp_path):
    gdb = write_filegdb(tmp_path, "城区数据.gdb")
    members = {f"{gdb.name}/{f.name}": f.read_bytes() for f in sorted(gdb.iterdir())}
    archive = gbk_zip(tmp_path / "城区数据.gdb.zip", members)
    assert [item.name for item in list_layers(archive)] == ["communities", "roads"]
    assert read_layer(archive, layer="communities").frame["户数"].tolist() == HOUSEHOLDS


def test_no_server_path_in_a_message_about_a_zipped_member(tmp_path):
    archive = gbk_zip(tmp_path / "资料.zip", {"老旧小区.geojson": b"{not json"})
    with pytest.raises(InputFileError) as caught:
        read_layer(archive)
    assert coded(caught.value) == "geojson_unreadable"
    assert caught.value.params["file"] == "老旧小区.geojson"
    assert str(tmp_path) not in str(caught.value) and os.sep + "vsizip" not in str(caught.value)


# --- 6. whatever the damage, these formats raise only coded errors -----------------------------


@pytest.fixture(scope="module")
def good_new_files(tmp_path_factory) -> dict[str, bytes]:
    folder = tmp_path_factory.mktemp("good_new")
    communities().to_parquet(folder / "a.parquet")
    zip_folder(folder / "a.gdb.zip", write_filegdb(folder))
    with zipfile.ZipFile(folder / "a.kmz", "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("doc.kml", kml())
    files = {suffix: (folder / f"a{suffix}").read_bytes() for suffix in (".parquet", ".gdb.zip", ".kmz")}
    files[".kml"] = kml().encode("utf-8")
    files[".gpx"] = GPX.encode("utf-8")
    files[".csv"] = CSV_TEXT.encode("utf-16")
    return files


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(target=st.sampled_from([".parquet", ".gdb.zip", ".kmz", ".kml", ".gpx", ".csv"]),
       cut=st.one_of(st.just(1.0), st.floats(0.01, 1)),
       flips=st.lists(st.tuples(st.floats(0, 1, exclude_max=True), st.integers(0, 255)), max_size=12))
def test_a_damaged_file_of_a_new_format_raises_only_coded_errors(tmp_path, good_new_files, target, cut, flips):
    data = bytearray(good_new_files[target][: max(1, int(len(good_new_files[target]) * cut))])
    for where, value in flips:
        data[int(where * len(data))] = value
    path = tmp_path / f"x{len(data)}-{abs(hash(bytes(data))) % 10**8}{target}"
    path.write_bytes(bytes(data))
    for call in (list_layers, read_layer):
        try:
            call(path)
        except GeoError as exc:
            coded(exc)
            assert str(tmp_path) not in str(exc)
