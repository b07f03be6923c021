"""geo.zoning.members: a zone's members survive every file the project writes zones to, and come back as projects."""

import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely import LineString, box

from geo.reports.export import write_geojson, write_gpkg
from geo.zoning.members import encode_members, parse_members
from geo.pipelines.overlay import assign_segments
from geo.reports.projects import csv_table, project_geojson, project_layers, write_project_csv, write_project_gpkg
from geo.store.workspace import Proposal, Workspace

#: Ids as real files have them, and ids that break a comma-separated list.
PLAIN = ["a", "b", "c"]
HOSTILE = ["甲,1", "小区、二", "CJ;3"]


def city(ids=PLAIN):
    """Three communities side by side, the first two in zone Z1, the third in Z2 alone; a pipe across."""
    homes = gpd.GeoDataFrame(
        {"community_id": ids, "name": ["一", "二", "三"], "households": [120, 200, 90]},
        geometry=[box(0, 0, 40, 40), box(45, 0, 85, 40), box(200, 0, 240, 40)], crs=4538)
    zones = gpd.GeoDataFrame(
        {"zone_id": ["Z1", "Z2"], "members": [[ids[0], ids[1]], [ids[2]]], "anchor_id": [None, None],
         "households": [320, 90], "n_members": [2, 1]},
        geometry=[box(0, 0, 85, 40), box(200, 0, 240, 40)], crs=4538)
    assignments = pd.DataFrame({
        "community_id": ids, "zone_id": ["Z1", "Z1", "Z2"], "role": ["member"] * 3, "candidate": [True] * 3,
        "reason_code": [None] * 3, "reason": [None] * 3, "relaxation": [None] * 3})
    pipes = gpd.GeoDataFrame({"pipeline_id": ["p1"], "kind": ["gas"]},
                             geometry=[LineString([(-10, 20), (250, 20)])], crs=4538)
    return homes, zones, assignments, pipes


def members_of(zones):
    return {str(z): parse_members(m) for z, m in zip(zones["zone_id"], zones["members"])}


def projects_of(zones, homes):
    """zone id -> the community ids of the project made of it."""
    made = project_layers(None, zones=zones, communities=homes)
    return {z: p.communities["community_id"].tolist() for z, p in made.items()}


# --- the encoding --------------------------------------------------------------------------------


@pytest.mark.parametrize("value, expected", [
    (["a", "b"], ["a", "b"]),
    (("a", "b"), ["a", "b"]),
    (np.array(["a", "b"], dtype=object), ["a", "b"]),
    ('["a","b"]', ["a", "b"]),
    ('["a", "b"]', ["a", "b"]),  # what the workspace wrote before
    ("a,b", ["a", "b"]),  # what the GeoPackage export wrote before
    (" a , b ,", ["a", "b"]),
    ("甲、乙；丙", ["甲", "乙", "丙"]),  # hand-made tables
    ("a", ["a"]),
    ("[not json", ["[not json"]),
    ("[1, 2]", ["1", "2"]),
    (None, []), (float("nan"), []), (np.nan, []), (pd.NA, []), ("", []), ("  ", []), ("[]", []), ([], []),
    (["a", None, "b"], ["a", "b"]),
])
def test_parse_members_reads_every_form(value, expected):
    assert parse_members(value) == expected


def test_encode_members_is_json_text_with_chinese_kept_readable():
    assert encode_members(["a", "b"]) == '["a","b"]'
    assert encode_members(HOSTILE) == '["甲,1","小区、二","CJ;3"]'
    assert encode_members(np.array(["x"], dtype=object)) == '["x"]' and encode_members(()) == "[]"
    assert json.loads(encode_members(HOSTILE)) == HOSTILE


def test_parse_members_refuses_what_is_not_members():
    with pytest.raises(TypeError, match="list of community ids"):
        parse_members(3)
    with pytest.raises(TypeError, match="dict"):
        parse_members({"a": 1})


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(min_size=1), max_size=12))
def test_any_ids_round_trip(ids):
    text = encode_members(ids)
    assert parse_members(text) == ids
    assert parse_members(encode_members(parse_members(text))) == ids  # idempotent
    assert parse_members(tuple(ids)) == ids and parse_members(np.array(ids, dtype=object)) == ids


@settings(max_examples=100, deadline=None)
@given(st.lists(st.text(alphabet=st.characters(blacklist_characters=",，、;；"), min_size=1)
                .map(str.strip).filter(bool).filter(lambda s: not s.startswith("[")), max_size=8))
def test_legacy_comma_text_parses(ids):
    assert parse_members(",".join(ids)) == ids


# --- round trips through the files ---------------------------------------------------------------


@pytest.mark.parametrize("ids", [PLAIN, HOSTILE], ids=["plain", "commas-and-chinese"])
def test_geopackage_export_round_trips_into_projects(ids, tmp_path):
    homes, zones, assignments, _ = city(ids)
    path = write_gpkg(zones, homes, assignments, tmp_path / "zones.gpkg")
    back = gpd.read_file(path, layer="zones")
    assert back["members"].tolist() == [encode_members(m) for m in zones["members"]]
    assert members_of(back) == members_of(zones)
    assert projects_of(back, homes) == {"Z1": ids[:2], "Z2": ids[2:]}


@pytest.mark.parametrize("ids", [PLAIN, HOSTILE], ids=["plain", "commas-and-chinese"])
def test_geojson_export_round_trips_into_projects(ids, tmp_path):
    homes, zones, _, _ = city(ids)
    path = write_geojson(zones, tmp_path / "zones.geojson")
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert [f["properties"]["members"] for f in doc["features"]] == [ids[:2], ids[2:]]  # a list, not text
    back = gpd.read_file(path)
    assert members_of(back) == members_of(zones)
    assert projects_of(back.to_crs(4538), homes) == {"Z1": ids[:2], "Z2": ids[2:]}


@pytest.mark.parametrize("ids", [PLAIN, HOSTILE], ids=["plain", "commas-and-chinese"])
def test_project_files_round_trip(ids, tmp_path):
    homes, zones, _, pipes = city(ids)
    project = project_layers("Z1", zones=zones, communities=homes, pipelines=pipes)["Z1"]
    # GeoPackage of the project: its zone layer makes the same project again
    zone = gpd.read_file(write_project_gpkg(project, tmp_path / "Z1.gpkg"), layer="zone")
    assert parse_members(zone["members"].iloc[0]) == ids[:2]
    figures = zone.drop(columns=["title", "note", "n_pipelines", "pipeline_length_m"])  # project_layers adds them
    assert projects_of(figures, homes) == {"Z1": ids[:2]}
    # GeoJSON of the project: a list
    doc = project_geojson(project)
    assert [f["properties"]["members"] for f in doc["features"] if f["properties"]["layer"] == "zone"] == [ids[:2]]
    # CSV of the project, in both languages: a table for people, the ids joined as a planner reads them
    table = pd.read_csv(write_project_csv(project, tmp_path / "csv")[0], encoding="utf-8-sig", dtype=str)
    assert table["成员小区"].iloc[0] == "、".join(ids[:2])
    english = csv_table(project.zone, "zone", lang="en")
    assert english["member communities"].iloc[0] == ", ".join(ids[:2])
    if ids == PLAIN:  # ids without separators in them come back from the table too
        assert parse_members(table["成员小区"].iloc[0]) == ids[:2]


@pytest.mark.parametrize("ids", [PLAIN, HOSTILE], ids=["plain", "commas-and-chinese"])
def test_workspace_round_trips_members(ids, tmp_path):
    homes, zones, _, _ = city(ids)
    ws = Workspace(tmp_path / "proposals.gpkg")
    ws.save(Proposal(name="方案", assignment={ids[0]: "Z1", ids[1]: "Z1", ids[2]: "Z2"}, zones=zones))
    back = ws.open("方案").zones
    assert back["members"].tolist() == [ids[:2], ids[2:]]
    assert projects_of(back, homes) == {"Z1": ids[:2], "Z2": ids[2:]}


def test_workspace_stores_members_read_back_as_text_as_a_list(tmp_path):
    """Zones read from an old GeoPackage (members as 'a,b' text) are saved with members as a list."""
    homes, zones, _, _ = city()
    legacy = zones.assign(members=[",".join(m) for m in zones["members"]])
    ws = Workspace(tmp_path / "proposals.gpkg")
    ws.save(Proposal(name="旧", assignment={"a": "Z1", "b": "Z1", "c": "Z2"}, zones=legacy))
    assert ws.open("旧").zones["members"].tolist() == [["a", "b"], ["c"]]


def test_a_legacy_geopackage_still_makes_projects_with_their_communities(tmp_path):
    """The bug: a GeoPackage written by earlier versions ('a,b') made projects with no communities."""
    homes, zones, _, pipes = city()
    path = tmp_path / "old.gpkg"
    pyogrio.write_dataframe(zones.assign(members=["a,b", "c"]), path, layer="zones", driver="GPKG")
    back = gpd.read_file(path, layer="zones")
    assert back["members"].tolist() == ["a,b", "c"]
    made = project_layers(None, zones=back, communities=homes)
    assert {z: p.communities["community_id"].tolist() for z, p in made.items()} == {"Z1": ["a", "b"], "Z2": ["c"]}
    assert made["Z1"].zone["members"].iloc[0] == ["a", "b"]  # a list again in the project
    assert "2 个小区" in made["Z1"].zone["title"].iloc[0]
    # the pipelines see the same zones
    assigned = assign_segments(pipes, homes, zones=back)
    assert set(assigned["zone_id"].dropna()) <= {"Z1", "Z2"}


def test_no_private_copies_of_the_members_encoding_are_left():
    """Every writer and reader of zone members goes through geo.zoning.members."""
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent / "geo"
    offenders = {}
    for path in sorted(root.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        hits = [bad for bad in ('",".join(m) for m in table["members"]', "def _as_list(members", "def _members(value")
                if bad in text]
        if hits:
            offenders[path.name] = hits
    assert offenders == {}
