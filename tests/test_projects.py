"""Contiguous-area project exports: every format written, read back and compared."""

import io
import json
import sqlite3
import zipfile

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely
from shapely import LineString, MultiPolygon, box

from geo.errors import CRSError, RuleError, SchemaError
from geo.zoning.members import encode_members
from geo.reports.projects import (
    EXTRA_LABELS,
    MIN_PIECE_M,
    column_label,
    csv_table,
    export_bundle,
    project_geojson,
    project_layers,
    safe_name,
    summary_table,
    write_project_csv,
    write_project_gpkg,
)
from geo.io.schema import LAYERS
from geo.zoning.zones import propose_zones

SOME = ["Z0001", "Z0002", "Z0003"]


@pytest.fixture(scope="module")
def zoning(demo):
    layers = demo.layers
    return propose_zones(layers["communities"], barriers=layers["barriers"])


@pytest.fixture(scope="module")
def projects(demo, zoning):
    layers = demo.layers
    return project_layers(SOME, zones=zoning.zones, communities=layers["communities"],
                          pipelines=layers["pipelines"], zone_notes={"Z0001": "保留：居民意愿强"})


@pytest.fixture(scope="module")
def anchored(demo, zoning):
    """A project whose zone has an anchor (a larger neighbour), if the demo has one."""
    zones = zoning.zones
    with_anchor = zones[zones["anchor_id"].notna()]
    assert len(with_anchor), "the demo city should have a zone with an anchor"
    zid = with_anchor["zone_id"].iloc[0]
    return project_layers(zid, zones=zones, communities=demo.layers["communities"],
                          pipelines=demo.layers["pipelines"], lang="en")[zid]


# --- small data built in code -----------------------------------------------------------------


def tiny():
    """Two communities in one zone, a pipe crossing the outline twice, one only touching it."""
    homes = gpd.GeoDataFrame(
        {"community_id": ["a", "b", "c"], "households": [120, 200, 90], "status": ["candidate"] * 3},
        geometry=[box(0, 0, 40, 40), box(45, 0, 85, 40), box(500, 0, 540, 40)], crs=4538)
    outline = MultiPolygon([box(0, 0, 40, 40), box(45, 0, 85, 40)])
    zones = gpd.GeoDataFrame({"zone_id": ["Z1"], "members": [["a", "b"]], "anchor_id": ["b"],
                              "households": [320], "n_members": [2], "street": ["宁边路街道"]},
                             geometry=[outline], crs=4538)
    pipes = gpd.GeoDataFrame(
        {"pipeline_id": ["p1", "p2", "p3"], "kind": ["gas", "water_supply", "power"],
         "placement": ["underground", "underground", "overhead"]},
        geometry=[LineString([(-10, 20), (100, 20)]),          # crosses both boxes: 40 + 40 inside
                  LineString([(40, -10), (40, 0)]),            # touches a corner only: no length inside
                  LineString([(10, 10), (30, 10)])],           # wholly inside
        crs=4538)
    return homes, zones, pipes


def test_pipelines_are_clipped_to_the_outline_and_keep_their_length():
    homes, zones, pipes = tiny()
    project = project_layers("Z1", zones=zones, communities=homes, pipelines=pipes)["Z1"]
    table = project.pipelines.set_index("pipeline_id")
    assert sorted(table.index) == ["p1", "p3"]  # p2 only touches a corner
    assert table.loc["p1", ["original_length_m", "length_m", "clipped"]].tolist() == [110.0, 80.0, True]
    assert table.loc["p3", ["original_length_m", "length_m", "clipped"]].tolist() == [20.0, 20.0, False]
    assert table.loc["p1"].geometry.geom_type == "MultiLineString"  # two pieces, one per box
    assert project.zone["pipeline_length_m"].iloc[0] == 100.0
    assert project.zone["n_pipelines"].iloc[0] == 2
    # underground works first (先地下、后地上)
    assert project.pipelines["placement"].tolist() == ["underground", "overhead"]


def test_members_get_their_zone_and_role_and_everything_is_in_4326():
    homes, zones, pipes = tiny()
    project = project_layers(["Z1"], zones=zones, communities=homes, pipelines=pipes)["Z1"]
    assert project.communities[["community_id", "zone_id", "role"]].values.tolist() == [
        ["a", "Z1", "member"], ["b", "Z1", "anchor"]]
    for layer in project.layers().values():
        assert layer.crs.to_epsg() == 4326
    assert project.zone["title"].iloc[0] == "连片改造项目 Z1（宁边路街道，2 个小区，320 户）"
    assert project.stem == "Z1_宁边路街道"


def test_inputs_are_not_mutated():
    homes, zones, pipes = tiny()
    before = [frame.copy() for frame in (homes, zones, pipes)]
    project_layers(None, zones=zones, communities=homes, pipelines=pipes)
    for frame, copy in zip((homes, zones, pipes), before):
        pd.testing.assert_frame_equal(frame, copy)


def test_without_pipelines_a_project_has_an_empty_pipeline_layer(tmp_path):
    homes, zones, _ = tiny()
    project = project_layers("Z1", zones=zones, communities=homes)["Z1"]
    assert project.pipelines.empty and project.zone["pipeline_length_m"].iloc[0] == 0.0
    path = write_project_gpkg(project, tmp_path / "p.gpkg")
    assert pyogrio.read_info(path, layer="pipelines")["features"] == 0


@pytest.mark.parametrize("zone_ids, message", [("Z9", "no zone Z9"), (["Z1", "nope"], "no zone nope")])
def test_unknown_zone_ids_are_named(zone_ids, message):
    homes, zones, pipes = tiny()
    with pytest.raises(SchemaError, match=message) as caught:
        project_layers(zone_ids, zones=zones, communities=homes, pipelines=pipes)
    assert caught.value.code == "export_unknown_zones" and caught.value.params["zone_ids"] == [message.split()[-1]]


def test_a_member_missing_from_the_layer_is_named():
    homes, zones, _ = tiny()
    with pytest.raises(SchemaError, match="zone Z1 lists communities that are not in the communities layer") as caught:
        project_layers("Z1", zones=zones, communities=homes[homes["community_id"] != "b"])
    assert caught.value.code == "export_members_missing" and caught.value.params == {"zone_id": "Z1", "ids": ["b"]}


def test_zones_without_crs_are_refused():
    homes, zones, _ = tiny()
    with pytest.raises(CRSError, match="zones have no CRS"):
        project_layers("Z1", zones=zones.set_crs(None, allow_override=True), communities=homes)


def test_geographic_zones_are_measured_in_metres():
    homes, zones, pipes = tiny()
    project = project_layers("Z1", zones=zones.to_crs(4326), communities=homes, pipelines=pipes.to_crs(4326))["Z1"]
    lengths = project.pipelines.set_index("pipeline_id")["length_m"]
    assert lengths["p1"] == pytest.approx(80.0, abs=0.5)


@pytest.mark.parametrize("text, expected", [
    ("Z0001_宁边路街道", "Z0001_宁边路街道"),
    ("Z2_a / b", "Z2_a_b"),
    ('Z3_x:y*?"<>|', "Z3_x_y"),
    ("", "project"),
])
def test_safe_name(text, expected):
    assert safe_name(text) == expected


# --- the demo city --------------------------------------------------------------------------


def test_demo_projects_hold_their_members_and_pipelines(projects, zoning, demo):
    assert list(projects) == SOME
    zones = zoning.zones.set_index("zone_id")
    pipes = demo.layers["pipelines"]
    all_geoms = np.asarray(pipes.geometry.array, dtype=object)
    for zid, project in projects.items():
        assert project.communities["community_id"].tolist() == list(zones.loc[zid, "members"])
        assert (project.communities["zone_id"] == zid).all()
        assert len(project.pipelines) > 0
        # pipeline lengths add up: the clipped lengths are each pipe's length inside the outline,
        # computed here without the spatial index
        outline = zones.loc[zid, "geometry"]
        inside = shapely.length(shapely.intersection(all_geoms, outline))
        inside = inside[inside >= MIN_PIECE_M]
        assert len(inside) == len(project.pipelines)
        assert project.pipelines["length_m"].sum() == pytest.approx(inside.sum(), abs=0.01 * len(inside))
        assert (project.pipelines["length_m"] <= project.pipelines["original_length_m"] + 0.01).all()
        assert project.zone["pipeline_length_m"].iloc[0] == pytest.approx(project.pipelines["length_m"].sum())
        assert project.zone["n_pipelines"].iloc[0] == len(project.pipelines)
    assert projects["Z0001"].zone["note"].iloc[0] == "保留：居民意愿强"
    assert projects["Z0002"].zone["note"].iloc[0] is None


def test_an_anchor_is_labelled_anchor(anchored):
    anchor = anchored.zone["anchor_id"].iloc[0]
    roles = dict(zip(anchored.communities["community_id"], anchored.communities["role"]))
    assert roles.pop(anchor) == "anchor"
    assert set(roles.values()) == {"member"}
    assert anchored.zone["title"].iloc[0].startswith(f"Contiguous-area project {anchored.zone_id} (")


# --- GeoJSON ------------------------------------------------------------------------------------


def _exterior_rings(geometry: dict):
    if geometry["type"] == "Polygon":
        return [geometry["coordinates"][0]]
    if geometry["type"] == "MultiPolygon":
        return [poly[0] for poly in geometry["coordinates"]]
    return []


def _coordinates(obj):
    if isinstance(obj, (int, float)):
        yield obj
    else:
        for item in obj:
            yield from _coordinates(item)


def test_geojson_is_rfc7946_and_reads_back(projects, tmp_path):
    project = projects["Z0001"]
    doc = project_geojson(project)
    assert doc["type"] == "FeatureCollection" and "crs" not in doc
    layers = [f["properties"]["layer"] for f in doc["features"]]
    assert layers == ["zone"] + ["community"] * len(project.communities) + ["pipeline"] * len(project.pipelines)
    ids = [f["id"] for f in doc["features"]]
    assert len(set(ids)) == len(ids) and ids[0] == "zone/Z0001"
    for feature in doc["features"]:
        for ring in _exterior_rings(feature["geometry"]):
            assert shapely.is_ccw(shapely.LinearRing(ring)), feature["id"]
        for value in _coordinates(feature["geometry"]["coordinates"]):
            assert round(value, 7) == value
        lon, lat = list(_coordinates(feature["geometry"]["coordinates"]))[:2]
        assert 73 < lon < 136 and 18 < lat < 54  # lon/lat order, in China
    assert doc["features"][0]["properties"]["members"] == list(project.zone["members"].iloc[0])
    assert doc["field_labels"]["pipeline"]["length_m"] == "片区内长度（米）"

    path = tmp_path / "p.geojson"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    back = gpd.read_file(path)
    assert back.crs.to_epsg() == 4326
    assert back.is_valid.all()
    assert back["layer"].value_counts().to_dict() == {
        "pipeline": len(project.pipelines), "community": len(project.communities), "zone": 1}
    community_back = back[back["layer"] == "community"]
    assert community_back["community_id"].tolist() == project.communities["community_id"].tolist()
    pipes_back = back[back["layer"] == "pipeline"]
    assert pipes_back["length_m"].sum() == pytest.approx(project.pipelines["length_m"].sum())
    assert pipes_back.to_crs(4538).length.sum() == pytest.approx(project.pipelines["length_m"].sum(), rel=1e-3)


# --- GeoPackage ---------------------------------------------------------------------------------


def test_gpkg_layers_read_back(projects, tmp_path):
    project = projects["Z0002"]
    path = write_project_gpkg(project, tmp_path / "Z0002.gpkg")
    assert pyogrio.list_layers(path).tolist() == [
        ["zone", "MultiPolygon"], ["communities", "MultiPolygon"], ["pipelines", "MultiLineString"]]
    zone = gpd.read_file(path, layer="zone")
    communities = gpd.read_file(path, layer="communities")
    pipes = gpd.read_file(path, layer="pipelines")
    for frame in (zone, communities, pipes):
        assert frame.crs.to_epsg() == 4326 and frame.is_valid.all()
    assert zone["members"].iloc[0] == encode_members(project.zone["members"].iloc[0])
    assert communities["community_id"].tolist() == project.communities["community_id"].tolist()
    assert communities["role"].tolist() == project.communities["role"].tolist()
    assert pipes["pipeline_id"].tolist() == project.pipelines["pipeline_id"].tolist()
    assert pipes["length_m"].sum() == pytest.approx(project.pipelines["length_m"].sum())
    assert shapely.equals_exact(zone.geometry.iloc[0], project.zone.geometry.iloc[0], tolerance=1e-9) or \
        zone.geometry.iloc[0].geom_type == "MultiPolygon"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_gpkg_field_aliases_are_in_gpkg_data_columns(projects, tmp_path, lang):
    project = projects["Z0001"]
    path = write_project_gpkg(project, tmp_path / "p.gpkg", lang=lang)
    with sqlite3.connect(path) as con:
        rows = con.execute("SELECT table_name, column_name, name, description FROM gpkg_data_columns").fetchall()
        extensions = con.execute(
            "SELECT table_name, extension_name, scope FROM gpkg_extensions WHERE extension_name = 'gpkg_schema' "
            "ORDER BY table_name").fetchall()
        contents = dict(con.execute("SELECT table_name, description FROM gpkg_contents").fetchall())
    aliases = {(t, c): n for t, c, n, _ in rows}
    assert aliases[("communities", "households")] == LAYERS["communities"].column("households").label(lang)
    assert aliases[("pipelines", "kind")] == LAYERS["pipelines"].column("kind").label(lang)
    assert aliases[("zone", "span_m")] == EXTRA_LABELS["span_m"][0 if lang == "zh" else 1]
    assert aliases[("pipelines", "length_m")] == column_label("length_m", "pipelines", lang)
    descriptions = {(t, c): d for t, c, _, d in rows}
    assert "裁切" in descriptions[("pipelines", "length_m")] if lang == "zh" else \
        "clipping" in descriptions[("pipelines", "length_m")]
    # every written column of every layer has an alias, and aliases are unique per layer
    for layer in ("zone", "communities", "pipelines"):
        fields = pyogrio.read_info(path, layer=layer)["fields"].tolist()
        assert sorted(c for t, c in aliases if t == layer) == sorted(fields)
        names = [n for (t, _), n in aliases.items() if t == layer]
        assert len(names) == len(set(names))
    assert extensions == [("gpkg_data_column_constraints", "gpkg_schema", "read-write"),
                          ("gpkg_data_columns", "gpkg_schema", "read-write")]
    assert "Z0001" in contents["zone"]


# --- CSV ----------------------------------------------------------------------------------------


def test_csv_tables_open_in_excel_with_chinese_headers(projects, tmp_path):
    project = projects["Z0001"]
    written = write_project_csv(project, tmp_path / "csv")
    assert [p.name for p in written] == ["zone.csv", "communities.csv", "pipelines.csv"]
    for path in written:
        assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    communities = pd.read_csv(written[1], encoding="utf-8-sig", dtype=str)
    spec = LAYERS["communities"]
    expected = [spec.column(c).label("zh") for c in spec.column_names] + ["片区编号", "角色"]
    assert communities.columns.tolist() == expected
    assert communities["小区编号"].tolist() == project.communities["community_id"].tolist()
    assert set(communities["角色"]) <= {"成员小区", "牵头小区"}
    pipes = pd.read_csv(written[2], encoding="utf-8-sig")
    assert pipes.columns[:3].tolist() == ["管线编号", "管线类型", "权属单位"]
    assert set(pipes["管线类型"]) <= {"给水", "排水", "燃气", "供热", "电力", "通信"}
    assert set(pipes["敷设方式"]) <= {"地下", "架空"}
    assert pipes["片区内长度（米）"].sum() == pytest.approx(project.pipelines["length_m"].sum())
    zone = pd.read_csv(written[0], encoding="utf-8-sig", dtype=str)
    assert zone["成员小区"].iloc[0] == "、".join(project.zone["members"].iloc[0])  # the table is for people
    assert zone["备注"].iloc[0] == "保留：居民意愿强"


def test_csv_in_english():
    homes, zones, pipes = tiny()
    project = project_layers("Z1", zones=zones, communities=homes, pipelines=pipes, lang="en")["Z1"]
    table = csv_table(project.pipelines, "pipelines", lang="en")
    assert table.columns.tolist()[:3] == ["pipeline id", "kind", "placement"]
    assert table["kind"].tolist() == ["gas", "power"] and table["clipped at the outline"].tolist() == ["yes", "no"]
    zone = csv_table(project.zone, "zone", lang="en")
    assert zone["member communities"].iloc[0] == "a, b"


def test_summary_has_one_row_per_project_and_lengths_by_kind(projects):
    table = summary_table(projects)
    assert table["片区编号"].tolist() == SOME
    by_kind = [c for c in table.columns if c.endswith("管线长度（米）") and c != "片区内管线长度（米）"]
    assert by_kind and "给水管线长度（米）" in by_kind
    total = table[by_kind].astype(float).sum(axis=1)
    assert total.tolist() == pytest.approx(table["片区内管线长度（米）"].astype(float).tolist(), abs=0.1)


# --- the bundle ---------------------------------------------------------------------------------


def _bundle(demo, zoning, zone_ids, **options):
    layers = demo.layers
    return export_bundle(zone_ids, zones=zoning.zones, communities=layers["communities"],
                         pipelines=layers["pipelines"], **options)


def test_bundle_of_several_projects_is_a_zip_with_a_folder_each(demo, zoning):
    bundle = _bundle(demo, zoning, SOME[:2])
    assert bundle.file_name == "projects_2.zip" and bundle.mime == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(bundle.data))
    names = archive.namelist()
    assert names == sorted(names) and "projects.csv" in names
    for zid in SOME[:2]:
        folder = [n for n in names if n.startswith(f"{zid}_")]
        stem = folder[0].split("/")[0]
        assert sorted(n.split("/")[1] for n in folder) == sorted(
            [f"{stem}.geojson", f"{stem}.gpkg", "communities.csv", "pipelines.csv", "zone.csv"])
    summary = pd.read_csv(io.BytesIO(archive.read("projects.csv")), encoding="utf-8-sig")
    assert summary["片区编号"].tolist() == SOME[:2]
    assert archive.read("projects.csv").startswith(b"\xef\xbb\xbf")
    # the geopackage inside reads back
    gpkg = next(n for n in names if n.endswith(".gpkg"))
    data = archive.read(gpkg)
    assert data[:16] == b"SQLite format 3\x00"
    assert _bundle(demo, zoning, SOME[:2]).file_name == bundle.file_name
    assert zipfile.ZipFile(io.BytesIO(_bundle(demo, zoning, SOME[:2]).data)).namelist() == names


def test_bundle_of_one_project_in_one_format_is_that_file(demo, zoning, tmp_path):
    geojson = _bundle(demo, zoning, "Z0003", formats=("geojson",))
    assert geojson.file_name.startswith("Z0003_") and geojson.file_name.endswith(".geojson")
    assert geojson.mime == "application/geo+json"
    doc = json.loads(geojson.data.decode("utf-8"))
    assert doc["type"] == "FeatureCollection" and doc["features"][0]["id"] == "zone/Z0003"
    gpkg = _bundle(demo, zoning, "Z0003", formats=["gpkg"], lang="en")
    path = tmp_path / gpkg.file_name
    path.write_bytes(gpkg.data)
    assert pyogrio.list_layers(path)[:, 0].tolist() == ["zone", "communities", "pipelines"]
    csv = _bundle(demo, zoning, "Z0003", formats=["csv"])
    assert csv.file_name.endswith(".zip")
    assert max(zipfile.ZipFile(io.BytesIO(csv.data)).namelist()) == "projects.csv"


@pytest.mark.parametrize("formats", [(), ("shp",)])
def test_bundle_refuses_unknown_formats(demo, zoning, formats):
    with pytest.raises(RuleError, match="formats must be some of geojson, gpkg, csv") as caught:
        _bundle(demo, zoning, "Z0001", formats=formats)
    assert caught.value.code == "export_formats" and isinstance(caught.value, ValueError)
