"""A pipeline or facility kind outside our lists is kept as ``other``, its word kept and reported once.

A planner's kinds table (``--kinds FILE`` on the command line, a mapping in Python) gives such a
word one of our kinds.
"""

import json

import geopandas as gpd
import pandas as pd
import pytest
from shapely import LineString, Point

from geo.cli.main import main
from geo.cli.options import read_kinds
from geo.errors import InputFileError, SchemaError
from geo.io.load import load_layer
from geo.io.parse import parse_column, parse_kinds
from geo.io.schema import LAYERS, OTHER_KIND, choice_label
from geo.io.validate import apply_kinds, kind_counts

#: 30 pipelines: three known kinds and three words that are none of ours (10 of them in all).
WORDS = ["给水", "中水", "燃气", "再生水", "电力", "cold"] * 5


def pipelines_file(tmp_path, words=WORDS, column="管线类型"):
    frame = gpd.GeoDataFrame(
        {"编号": [f"P{i + 1}" for i in range(len(words))], column: words},
        geometry=[LineString([(87.30 + i * 0.001, 44.0), (87.30 + i * 0.001, 44.001)]) for i in range(len(words))],
        crs=4326)
    path = tmp_path / "管线.geojson"
    frame.to_file(path)
    return path


def unknown_warnings(report):
    return [i for i in report.warnings if "is not a known kind" in i.message]


def test_unknown_kinds_are_kept_as_other_and_reported_once_per_word(tmp_path):
    loaded = load_layer(pipelines_file(tmp_path), "pipelines")
    gdf, report = loaded.gdf, loaded.report
    assert len(gdf) == 30 and report.rows_kept == 30 and report.rejected == []
    found = unknown_warnings(report)
    assert len(found) == 3  # one per word, not one per row
    assert [(i.position, i.message.split(" is not")[0]) for i in found] == [(1, "'中水'"), (3, "'再生水'"), (5, "'cold'")]
    assert all("(5 rows)" in i.message and "kept as other" in i.message for i in found)
    assert (gdf["kind"] == OTHER_KIND).sum() == 15
    assert gdf.loc[gdf["kind"] == OTHER_KIND, "kind_original"].tolist() == ["中水", "再生水", "cold"] * 5
    assert gdf.loc[gdf["kind"] != OTHER_KIND, "kind_original"].isna().all()  # our own words are not kept twice
    assert kind_counts(gdf) == {"中水": 5, "再生水": 5, "cold": 5}
    assert choice_label(OTHER_KIND, "zh") == "其他"


def test_a_kinds_table_gives_a_word_one_of_our_kinds(tmp_path):
    loaded = load_layer(pipelines_file(tmp_path), "pipelines")
    gdf, report = apply_kinds(loaded.gdf, loaded.report, {"中水": "排水"})
    assert len(gdf) == 30
    assert gdf.loc[gdf["kind_original"] == "中水", "kind"].unique().tolist() == ["drainage"]
    assert (gdf["kind"] == OTHER_KIND).sum() == 10
    assert gdf["kind_original"].notna().sum() == 15  # the word is still kept where it was mapped
    assert len(unknown_warnings(report)) == 2
    assert [i.message for i in report.notes if i.code == "kind_mapped"] == [
        "'中水' (5 rows) read as kind drainage, as the kinds table says"]
    assert len(unknown_warnings(loaded.report)) == 3  # the loaded report is not changed


def test_the_kinds_table_in_the_parser_gives_the_same_kinds(tmp_path):
    column = LAYERS["pipelines"].column("kind")
    values, notes = parse_column(pd.Series(WORDS), "choice", column=column, kinds={"中水": "drainage"})
    assert values.tolist().count("drainage") == 5 and values.tolist().count(OTHER_KIND) == 10
    assert [n.code for n in notes] == ["kind_unknown", "kind_unknown"]
    # our own words are never overridden by the table
    assert parse_column(pd.Series(["给水"]), "choice", column=column, kinds={"给水": "gas"})[0].tolist() == \
        ["water_supply"]


def test_osm_substance_mapped_as_the_kind_column(tmp_path):
    path = pipelines_file(tmp_path, ["water", "cold", "gas"], column="substance")
    loaded = load_layer(path, "pipelines", mapping={"kind": "substance"})
    assert loaded.gdf["kind"].tolist() == ["water_supply", OTHER_KIND, "gas"]
    assert loaded.gdf["kind_original"].tolist() == [None, "cold", None]


def test_a_facility_kind_outside_our_list():
    column = LAYERS["facilities"].column("kind")
    words = pd.Series(["菜鸟驿站", "驿站", "洗衣房", "菜鸟驿站"])
    values, notes = parse_column(words, "choice", column=column)
    assert values.tolist() == [OTHER_KIND, "post_station", OTHER_KIND, OTHER_KIND]
    assert [(n.position, n.value) for n in notes] == [(0, "菜鸟驿站"), (2, "洗衣房")]
    values, _ = parse_column(words, "choice", column=column, kinds={"菜鸟驿站": "post_station"})
    assert values.tolist() == ["post_station", "post_station", OTHER_KIND, "post_station"]


def test_a_kind_none_of_ours_in_the_table_is_a_coded_error():
    with pytest.raises(SchemaError) as caught:
        parse_kinds({"中水": "recycled"}, LAYERS["pipelines"].column("kind"))
    assert caught.value.code == "kinds_kind_unknown"
    assert caught.value.params["source"] == "中水" and caught.value.params["value"] == "recycled"
    assert OTHER_KIND in caught.value.params["allowed"]


def test_read_kinds_csv_gbk_json_and_bad_files(tmp_path):
    csv_gbk = tmp_path / "kinds.csv"
    csv_gbk.write_bytes("原值,类型\r\n中水,排水\r\n再生水,water_supply\r\n".encode("gbk"))
    assert read_kinds(str(csv_gbk)) == {"中水": "排水", "再生水": "water_supply"}
    as_json = tmp_path / "kinds.json"
    as_json.write_text(json.dumps({"中水": "drainage"}, ensure_ascii=False), encoding="utf-8")
    assert read_kinds(str(as_json)) == {"中水": "drainage"}
    pairs = tmp_path / "pairs.json"
    pairs.write_text(json.dumps([["cold", "heating"]]), encoding="utf-8")
    assert read_kinds(str(pairs)) == {"cold": "heating"}
    bad = tmp_path / "bad.csv"
    bad.write_text("中水,drainage\n再生水\n", encoding="utf-8")
    with pytest.raises(InputFileError) as caught:
        read_kinds(str(bad))
    assert caught.value.code == "kinds_file_row" and caught.value.params == {"file": "bad.csv", "row": 2}
    with pytest.raises(InputFileError) as caught:
        read_kinds(str(tmp_path / "missing.csv"))
    assert caught.value.code == "kinds_file_unreadable"


def test_cli_info_with_kinds(tmp_path, capsys):
    table = tmp_path / "kinds.csv"
    table.write_text("value,kind\n中水,drainage\n", encoding="utf-8")
    path = pipelines_file(tmp_path)
    assert main(["info", str(path), "--kind", "pipelines", "--kinds", str(table)]) == 0
    out = capsys.readouterr().out
    assert "'中水' (5 rows) read as kind drainage" in out
    assert "'再生水' is not a known kind (5 rows)" in out


def test_cli_refuses_a_kinds_table_with_a_kind_none_of_ours(tmp_path, capsys):
    table = tmp_path / "kinds.csv"
    table.write_text("中水,recycled\n", encoding="utf-8")
    assert main(["info", str(pipelines_file(tmp_path)), "--kind", "pipelines", "--kinds", str(table)]) == 1
    assert "recycled" in capsys.readouterr().err


def test_points_of_other_kinds_are_kept_in_a_facilities_layer(tmp_path):
    frame = gpd.GeoDataFrame({"设施类型": ["幼儿园", "洗衣房"]}, geometry=[Point(87.3, 44.0), Point(87.301, 44.0)],
                             crs=4326)
    path = tmp_path / "设施.geojson"
    frame.to_file(path)
    loaded = load_layer(path, "facilities")
    assert loaded.gdf["kind"].tolist() == ["kindergarten", OTHER_KIND]
    assert loaded.gdf["kind_original"].tolist() == [None, "洗衣房"]
