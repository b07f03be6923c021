"""Every file format planners bring, every encoding trap, and every malformed file."""

import json
import tempfile
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

from geo.errors import GeoError, InputFileError, LayerNotFoundError
from geo.io.load import load_layer
from geo.io.readers import LayerListing, list_layers, read_layer
from ui.i18n import TEXT

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


# --- text the declared encoding cannot decode: listed all the same --------------------------


def shapefile_with_a_cut_field_name(folder: Path, *, cpg: bool) -> tuple[Path, bytes]:
    """A UTF-8 shapefile whose first field name is 小区名称 cut at the DBF's 10 bytes: 小区名 and
    the first byte of 称, as an exporter that counts bytes writes it. Returns (.shp, cut name)."""
    folder.mkdir(exist_ok=True)
    path = folder / "xq.shp"
    frame = communities().rename(columns={"小区名称": "NAMEXXXXXX", "户数": "hh", "建成年代": "year",
                                          "街道": "street"})
    pyogrio.write_dataframe(frame, path, encoding="UTF-8")
    if not cpg:
        path.with_suffix(".cpg").unlink()
    dbf = path.with_suffix(".dbf")
    data = bytearray(dbf.read_bytes())
    cut = "小区名称".encode("utf-8")[:10]
    assert data[32:42] == b"NAMEXXXXXX" and len(cut) == 10
    data[32:42] = cut  # the first field descriptor starts at byte 32 with its 11-byte name
    dbf.write_bytes(bytes(data))
    with pytest.raises(UnicodeDecodeError):
        cut.decode("utf-8")
    return path, cut


@pytest.mark.parametrize("cpg", [True, False])
@pytest.mark.parametrize("zipped", [True, False])
def test_a_field_name_cut_mid_character_does_not_stop_the_listing(tmp_path, cpg, zipped):
    shp, _ = shapefile_with_a_cut_field_name(tmp_path / "export", cpg=cpg)
    path = shp
    if zipped:
        path = zip_files(tmp_path / "小区.zip", sorted(shp.parent.iterdir()))
    assert list_layers(path) == [LayerListing("xq", "Polygon", 3)]
    try:
        raw = read_layer(path, kind="communities")
    except InputFileError as exc:  # the planner can now state the encoding or rename the column
        assert exc.code in {"encoding_wrong", "encoding_declared_wrong"} and "10-byte limit" in str(exc)
    else:
        assert len(raw.frame) == 3 and raw.frame["hh"].tolist() == ["120户", "80", "200"]


def test_a_gdal_written_utf8_shapefile_with_a_long_chinese_name_is_listed(tmp_path):
    path = tmp_path / "xq.shp"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # GDAL says it cut the names
        pyogrio.write_dataframe(communities(), path, encoding="UTF-8")
    archive = zip_files(tmp_path / "xq.zip", [p for p in tmp_path.iterdir() if p.stem == "xq"])
    for target in (path, archive):
        assert list_layers(target) == [LayerListing("xq", "Polygon", 3)]
        with pytest.raises(InputFileError) as caught:
            read_layer(target)
        assert caught.value.code in {"encoding_wrong", "encoding_declared_wrong"}


def stored_zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def test_a_zip_member_with_a_rare_compression_method_is_named(tmp_path):
    path = stored_zip(tmp_path / "x.zip", {"xq.shp": b"\0" * 100})
    data = bytearray(path.read_bytes())
    # the method field (2 bytes) of the local header (offset 8) and of the central directory entry
    # (offset 10): 9 is Deflate64, which Windows Explorer writes for big archives
    central = data.rindex(b"PK\x01\x02")
    data[8:10] = data[central + 10:central + 12] = (9).to_bytes(2, "little")
    path.write_bytes(bytes(data))
    with pytest.raises(InputFileError, match="xq.shp is compressed in a way") as caught:
        list_layers(path)
    assert caught.value.code == "zip_unsupported"
    assert caught.value.params == {"file": "x.zip", "member": "xq.shp"}


def test_an_encrypted_zip_member_is_named(tmp_path):
    path = stored_zip(tmp_path / "x.zip", {"xq.shp": b"\0" * 100})
    data = bytearray(path.read_bytes())
    central = data.rindex(b"PK\x01\x02")
    data[6] |= 1  # general purpose flag bit 0: encrypted, in the local header and the directory
    data[central + 8] |= 1
    path.write_bytes(bytes(data))
    with pytest.raises(InputFileError, match="encrypted") as caught:
        list_layers(path)
    assert caught.value.code == "zip_unsupported"


def test_a_zip_with_a_corrupt_deflate_stream_is_damaged_at_its_member(tmp_path):
    path = tmp_path / "x.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xq.dbf", bytes(range(256)) * 40)
    data = bytearray(path.read_bytes())
    start = 30 + len("xq.dbf")  # the compressed bytes follow the 30-byte local header and the name
    data[start:start + 40] = b"\xff" * 40
    path.write_bytes(bytes(data))
    with pytest.raises(InputFileError, match="damaged at xq.dbf") as caught:
        list_layers(path)
    assert caught.value.code == "zip_damaged"


# --- whatever a file's damage, listing it raises a GeoError and nothing else ----------------


@pytest.fixture(scope="module")
def good_files(tmp_path_factory) -> dict[str, bytes | dict[str, bytes]]:
    """One good file of each format (a shapefile as its parts), to damage."""
    folder = tmp_path_factory.mktemp("good")
    frame = communities()
    frame.to_file(folder / "a.gpkg", driver="GPKG", layer="老旧小区")
    communities(4326).to_file(folder / "a.geojson", driver="GeoJSON")
    pd.DataFrame(frame.drop(columns="geometry")).assign(wkt=frame.geometry.to_wkt()).to_excel(
        folder / "a.xlsx", index=False)
    shp, _ = shapefile_with_a_cut_field_name(folder / "shp", cpg=True)
    parts = {p.suffix: p.read_bytes() for p in shp.parent.iterdir()}
    files: dict[str, bytes | dict[str, bytes]] = {
        suffix: (folder / f"a{suffix}").read_bytes() for suffix in (".gpkg", ".geojson", ".xlsx")}
    files[".csv"] = "小区名称,wkt\n供电局家属院,POINT (1 2)\n".encode("gbk")
    files["shapefile"] = parts
    return files


DAMAGE = st.lists(st.tuples(st.floats(0, 1, exclude_max=True), st.integers(0, 255)), max_size=12)


def damaged(data: bytes, cut: float, flips: list[tuple[float, int]]) -> bytes:
    """``data`` cut to the fraction ``cut`` of its length (1: whole), then bytes overwritten."""
    out = bytearray(data[: max(1, int(len(data) * cut))])
    for where, value in flips:
        out[int(where * len(out))] = value
    return bytes(out)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    target=st.sampled_from([".gpkg", ".geojson", ".xlsx", ".csv", ".shp", ".shx", ".dbf", ".cpg", ".prj"]),
    zipped=st.booleans(),
    damage_zip=st.booleans(),
    cut=st.one_of(st.just(1.0), st.floats(0.01, 1)),
    flips=DAMAGE,
)
def test_listing_a_damaged_file_raises_only_coded_geo_errors(tmp_path, good_files, target, zipped,
                                                            damage_zip, cut, flips):
    folder = Path(tempfile.mkdtemp(dir=tmp_path))
    if target in (".gpkg", ".geojson", ".xlsx", ".csv"):
        files = {f"x{target}": damaged(good_files[target], cut, flips)}
        zipped = zipped and target != ".xlsx" and target != ".csv"
    else:
        files = {f"xq{ext}": damaged(data, cut, flips) if ext == target else data
                 for ext, data in good_files["shapefile"].items()}
    if zipped:
        archive = folder / "x.zip"
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
            for name, data in files.items():
                zf.writestr(f"export/{name}", data)
        if damage_zip:
            archive.write_bytes(damaged(archive.read_bytes(), cut, flips))
        path = archive
    else:
        for name, data in files.items():
            (folder / name).write_bytes(data)
        path = folder / ("xq.shp" if target not in good_files else f"x{target}")
    try:
        listing = list_layers(path)
    except GeoError as exc:
        assert exc.code and f"error_{exc.code}" in TEXT, (exc.code, str(exc))
    else:
        assert all(isinstance(item, LayerListing) for item in listing)


# --- archive bombs -------------------------------------------------------------------------------


def test_a_zip_bomb_is_refused_before_it_is_read_through(tmp_path):
    """40 MB of zeros packs into ~40 KB (1,000 times): refused by what the zip declares, named."""
    import zipfile

    from geo.io import readers

    bomb = tmp_path / "小区.zip"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("小区.geojson", b"\0" * (40 * 1024**2))
    with pytest.raises(readers.InputFileError) as caught:
        readers.list_layers(bomb)
    assert caught.value.code == "zip_too_large" and caught.value.params["file"] == "小区.zip"
    assert caught.value.params["mb"] == 40


def test_a_zip_of_too_many_files_is_refused(tmp_path, monkeypatch):
    import zipfile

    from geo.io import readers

    monkeypatch.setattr(readers, "MAX_ZIP_MEMBERS", 3)
    many = tmp_path / "many.zip"
    with zipfile.ZipFile(many, "w") as zf:
        for k in range(5):
            zf.writestr(f"part{k}.txt", b"x")
    with pytest.raises(readers.InputFileError) as caught:
        readers.list_layers(many)
    assert caught.value.code == "zip_too_large" and caught.value.params["files"] == 5
