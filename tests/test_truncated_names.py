"""Column names the shapefile format cut to 10 bytes are recognised, and the report says so.

The files are real shapefiles: pyogrio cuts long names itself when it writes one (``community_id`` ->
``community_``); DBFs whose Chinese names were cut in GBK (5 characters) or in UTF-8 mid-character (3
characters and a stray byte) are written with the bytes a shapefile writer leaves.
"""

import struct
import warnings
from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest
from shapely import box

from geo.errors import InputFileError
from geo.io.load import load_layer
from geo.io.schema import is_truncation, match_columns, may_be_cut, truncated_column
from geo.io.validate import truncation_issues

#: Two communities in EPSG:4538 (Changji), far enough apart.
BOXES = [box(500000, 4870000, 500100, 4870100), box(500300, 4870300, 500400, 4870400)]


def communities(columns: dict) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(columns, geometry=BOXES, crs=4538)


def write_shp(gdf: gpd.GeoDataFrame, path: Path, **kwargs) -> Path:
    with warnings.catch_warnings():  # GDAL says it cuts the names: that is the point
        warnings.simplefilter("ignore")
        gdf.to_file(path, **kwargs)
    return path


def dbf_names(path: Path) -> list[bytes]:
    """The raw field names of a DBF: 32-byte descriptors from byte 32 up to the 0x0D terminator."""
    data = path.with_suffix(".dbf").read_bytes()
    header = struct.unpack("<H", data[8:10])[0]
    names, at = [], 32
    while at < header - 1 and data[at] != 0x0D:
        names.append(data[at:at + 11].split(b"\0", 1)[0])
        at += 32
    return names


def set_dbf_name(path: Path, placeholder: str, raw: bytes) -> None:
    """Put ``raw`` (at most 10 bytes) where the field ``placeholder`` is named in the DBF header."""
    dbf = path.with_suffix(".dbf")
    data = bytearray(dbf.read_bytes())
    at = data.index(placeholder.encode("ascii").ljust(11, b"\0"), 32)
    data[at:at + 11] = raw.ljust(11, b"\0")
    dbf.write_bytes(bytes(data))


def test_pyogrio_cuts_long_english_names_and_they_are_recognised(tmp_path):
    path = write_shp(communities({"community_id": ["a", "b"], "property_management": ["专业物业", "无"],
                                  "households_total": [120, 240], "build_year": [1988, 1990]}), tmp_path / "xq.shp")
    assert dbf_names(path) == [b"community_", b"property_m", b"households", b"build_year"]  # what pyogrio wrote
    loaded = load_layer(path, "communities")
    assert loaded.report.mapping == {"community_id": "community_", "build_year": "build_year",
                                     "households": "households", "property_mgmt": "property_m"}
    assert loaded.gdf["community_id"].tolist() == ["a", "b"]
    assert loaded.gdf["property_mgmt"].tolist() == ["professional", "none"]
    notes = [i for i in loaded.report.notes if i.code == "column_truncated"]
    assert [i.message for i in notes] == [
        "community_ → community_id (name cut by the shapefile format)",
        "property_m → property_mgmt (name cut by the shapefile format)",
    ]  # households is a name of its own: not said to be cut
    assert any("community_ → community_id (name cut by the shapefile format)" in line
               for line in loaded.report.lines())


def test_a_name_cut_in_gbk_after_five_characters(tmp_path):
    path = write_shp(communities({"小区名称": ["甲", "乙"], "建成年份年代": [1988, 1990]}), tmp_path / "xq.shp",
                     encoding="GBK")
    assert dbf_names(path)[1] == "建成年份年".encode("gbk")  # 10 bytes: 5 characters
    loaded = load_layer(path, "communities")
    assert loaded.report.mapping["build_year"] == "建成年份年"
    assert loaded.gdf["build_year"].tolist() == [1988, 1990]
    assert [i.message for i in loaded.report.notes if i.code == "column_truncated"] == [
        "建成年份年 → build_year (name cut by the shapefile format)"]


def test_a_name_cut_in_gbk_written_over_a_placeholder(tmp_path):
    path = write_shp(communities({"NAMEXXXXXX": ["甲", "乙"], "MGMTXXXXXX": ["专业物业", "无"]}), tmp_path / "xq.shp",
                     encoding="GBK")
    set_dbf_name(path, "MGMTXXXXXX", "物业管理方式".encode("gbk")[:10])  # 物业管理方
    set_dbf_name(path, "NAMEXXXXXX", "小区名称".encode("gbk"))
    assert dbf_names(path) == ["小区名称".encode("gbk"), "物业管理方".encode("gbk")]
    loaded = load_layer(path, "communities")
    assert loaded.report.mapping == {"name": "小区名称", "property_mgmt": "物业管理方"}
    assert loaded.gdf["property_mgmt"].tolist() == ["professional", "none"]
    assert [i.column for i in loaded.report.notes if i.code == "column_truncated"] == ["property_mgmt"]


@pytest.mark.parametrize("errors", ["replace", "ignore"])
def test_a_name_pyogrio_cut_mid_character_in_utf8(tmp_path, errors):
    # pyogrio writes UTF-8 and cuts 建成年份年代 (18 bytes) at 10: 建成年 and the first byte of 份
    path = write_shp(communities({"小区名称": ["甲", "乙"], "建成年份年代": [1988, 1990]}), tmp_path / "xq.shp")
    raw = dbf_names(path)
    assert raw == ["小区名称".encode()[:10], "建成年份年代".encode()[:10]]
    headers = [name.decode("utf-8", errors=errors) for name in raw]
    assert headers == (["小区名\ufffd", "建成年\ufffd"] if errors == "replace" else ["小区名", "建成年"])
    match = match_columns(headers, "communities")
    assert match.mapping == {"name": headers[0], "build_year": headers[1]}
    if errors == "replace":  # 小区名 alone is a name of its own
        assert match.truncated == {"name": "小区名\ufffd", "build_year": "建成年\ufffd"}
    else:
        assert match.truncated == {"build_year": "建成年"}
    assert [i.message for i in truncation_issues(match.mapping, "communities")][-1] == \
        f"{headers[1]} → build_year (name cut by the shapefile format)"


@pytest.mark.xfail(raises=InputFileError, strict=False,
                   reason="geo/io/readers.py refuses a UTF-8 field name cut mid-character (encoding_wrong); "
                          "it must decode the DBF's names with errors='replace' for match_columns to see them")
def test_a_utf8_shapefile_with_a_name_cut_mid_character_loads(tmp_path):
    path = write_shp(communities({"community_id": ["a", "b"], "建成年份年代": [1988, 1990]}), tmp_path / "xq.shp")
    loaded = load_layer(path, "communities")
    assert loaded.gdf["build_year"].tolist() == [1988, 1990]
    assert any(i.code == "column_truncated" and i.column == "build_year" for i in loaded.report.notes)


@pytest.mark.parametrize(("header", "layer", "canonical"), [
    ("community_", "communities", "community_id"),
    ("property_m", "communities", "property_mgmt"),
    ("willingnes", "communities", "willingness"),
    ("participat", "communities", "participation"),
    ("pipeline_i", "pipelines", "pipeline_id"),
    ("diameter_m", "pipelines", "diameter_mm"),
    ("install_ye", "pipelines", "install_year"),
    ("facility_i", "facilities", "facility_id"),
    ("建成年份年", "communities", "build_year"),
    ("建成年\ufffd", "communities", "build_year"),
    ("小区编\ufffd", "communities", "community_id"),
    ("管线类\ufffd", "pipelines", "kind"),
    ("改造意\ufffd", "communities", "willingness"),
])
def test_cut_names_are_recognised(header, layer, canonical):
    assert truncated_column(header, layer) == canonical
    match = match_columns([header, "备注"], layer)
    assert match.mapping[canonical] == header and match.truncated == {canonical: header}
    assert match.unmapped == ["备注"]


@pytest.mark.parametrize(("header", "layer"), [
    ("communit", "communities"),          # 8 bytes: not cut, just short
    ("所属\ufffd", "communities"),        # 所属区县, 所属街道, 所属社区: three columns, no guess
    ("楼\ufffd", "communities"),          # one character says nothing
    ("remarks_ab", "communities"),        # 10 bytes but nobody's prefix
])
def test_what_is_not_a_single_cut_name_is_left_alone(header, layer):
    assert truncated_column(header, layer) is None
    assert match_columns([header], layer).mapping == {}


def test_a_name_of_its_own_is_not_said_to_be_cut():
    assert may_be_cut("households") and not is_truncation("households", "households", "communities")
    match = match_columns(["households", "floor_area"], "communities")
    assert match.truncated == {} and truncation_issues(match.mapping, "communities") == []


def test_an_alias_wins_over_a_cut_name_and_a_column_is_used_once():
    match = match_columns(["community_", "小区编号"], "communities")
    assert match.mapping == {"community_id": "小区编号"} and match.unmapped == ["community_"]


def test_user_mapping_of_a_cut_name_is_still_said_cut():
    match = match_columns(["xq_id", "community_"], "communities", user_mapping={"community_id": "community_"})
    assert truncation_issues(match.mapping, "communities")[0].column == "community_id"


def test_pyogrio_reports_what_it_writes(tmp_path):
    """What pyogrio writes is what the tests above assume (GDAL's own cut, no renaming into xxx_1)."""
    path = write_shp(communities({"community_id": ["a", "b"], "community_name": ["甲", "乙"]}), tmp_path / "x.shp")
    names = pyogrio.read_info(path)["fields"].tolist()
    assert names[0] == "community_" and names[1] != "community_"  # the second one laundered apart
