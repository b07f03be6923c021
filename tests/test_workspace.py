"""The proposals workspace: round trips, conflicts, crashes mid-save, concurrent saves, bad files.

Tests taking ``make_ws`` run on both back ends (a GeoPackage and PostgreSQL + PostGIS,
:mod:`tests.postgres_server`); those about the file itself stay GeoPackage-only."""

import multiprocessing
import os
import sqlite3
import threading
from datetime import datetime

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
from shapely import box

from geo.store import workspace
from geo.errors import CRSError, GeoError
from geo.store.workspace import (
    ConflictError,
    Proposal,
    ProposalNotFoundError,
    Workspace,
    WorkspaceError,
    overrides_from_dict,
    overrides_to_dict,
    rules_from_dict,
    rules_to_dict,
)
from geo.zoning.zones import Overrides, ZoneRules, propose_zones
from tests.postgres_server import (  # noqa: F401 - fixtures
    is_postgis,
    live_counts,
    make_ws,
    open_location,
    pg_schema,
    postgres_server,
    snapshot,
    workspace_location,
)


@pytest.fixture(scope="module")
def zoning(demo):
    layers = demo.layers
    return propose_zones(layers["communities"], barriers=layers["barriers"])


@pytest.fixture(scope="module")
def zoning_small(demo):
    layers = demo.layers
    return propose_zones(layers["communities"], barriers=layers["barriers"], rules=ZoneRules(max_members=4))


def demo_proposal(zoning, name="方案一", **changes):
    return Proposal.from_zoning(
        name, zoning.assignment(), zones=zoning.zones, rules=zoning.rules,
        overrides=Overrides(locked_together=(frozenset({"CJ000001", "CJ000002"}),),
                            forbidden_pairs=(("CJ000003", "CJ000009"),), fixed_zones={"Z0001": ("CJ000001", "CJ000002")}),
        author="李工", notes="第一轮", edits=[{"op": "move", "community": "CJ000004", "from": "Z0001", "to": None}],
        zone_notes={"Z0002": "跨度超限，但同属一个单位大院，保留"}, locked_zones=["Z0001"], **changes)


def small(name, n=2, **changes):
    return Proposal(name=name, assignment={f"c{k}": "Z1" for k in range(n)}, **changes)


# --- round trips ------------------------------------------------------------------------------


def test_rules_and_overrides_round_trip():
    rules = ZoneRules(min_households=250, max_span_m=400.0, same_street=False, seed=3)
    assert rules_from_dict(rules_to_dict(rules)) == rules
    overrides = Overrides(locked_together=(frozenset({"b", "a"}), frozenset({"c"})),
                          forbidden_pairs=(("x", "y"),), fixed_zones={"Z1": ("a", "b")})
    back = overrides_from_dict(overrides_to_dict(overrides))
    assert set(back.locked_together) == set(overrides.locked_together)
    assert back.forbidden_pairs == overrides.forbidden_pairs and dict(back.fixed_zones) == dict(overrides.fixed_zones)


def test_unknown_rule_keys_are_dropped_with_a_warning():
    with pytest.warns(UserWarning, match="zone rules colour are not known"):
        assert rules_from_dict({"colour": "red", "max_members": 5}) == ZoneRules(max_members=5)


def test_demo_proposal_round_trips(zoning, make_ws):
    ws = make_ws()
    proposal = demo_proposal(zoning)
    saved = ws.save(proposal)
    back = ws.open(saved.proposal_id)
    assert back.revision == saved.revision == 1
    assert back.proposal_id == proposal.proposal_id and back.name == "方案一"
    assert (back.author, back.notes) == ("李工", "第一轮")
    assert back.assignment == zoning.assignment()
    assert back.zone_rules() == zoning.rules
    assert back.zone_overrides() == proposal.zone_overrides()
    assert list(back.edits) == list(proposal.edits)
    assert back.zone_notes == proposal.zone_notes and list(back.locked_zones) == ["Z0001"]
    pd.testing.assert_frame_equal(pd.DataFrame(back.zones.drop(columns="geometry")),
                                  pd.DataFrame(zoning.zones.drop(columns="geometry")))
    assert back.zones.crs == zoning.zones.crs
    assert back.zones.geom_equals_exact(zoning.zones.geometry, tolerance=1e-6).all()
    for stamp in (back.created, back.modified):
        assert datetime.fromisoformat(stamp).utcoffset().total_seconds() == 0


def test_the_file_is_a_geopackage_other_tools_read(zoning, tmp_path):
    ws = Workspace(tmp_path / "w.gpkg")
    saved = ws.save(demo_proposal(zoning))
    layers = dict(pyogrio.list_layers(ws.path).tolist())
    assert set(layers) == {"proposals", "proposal_zones", "proposal_assignments", "proposal_revisions"}
    assert layers["proposals"] is None and layers["proposal_assignments"] is None
    assert layers["proposal_revisions"] is None  # the history: an attribute table
    info = pyogrio.read_info(ws.path, layer="proposal_zones")
    assert info["features"] == len(zoning.zones) and info["crs"] == "EPSG:4538"
    zones = gpd.read_file(ws.path, layer="proposal_zones")
    assert set(zones["proposal_id"]) == {saved.proposal_id} and zones.is_valid.all()
    table = pyogrio.read_dataframe(ws.path, layer="proposals", read_geometry=False)
    assert table["households_in_zones"].iloc[0] == int(zoning.zones["households"].sum())
    assert pyogrio.read_info(ws.path, layer="proposal_assignments")["features"] == len(zoning.assignment())


def test_zones_keep_their_own_crs(zoning, zoning_small, make_ws):
    ws = make_ws()
    ws.save(demo_proposal(zoning))
    wgs = zoning_small.zones.to_crs(4326)
    ws.save(Proposal.from_zoning("经纬度", zoning_small.assignment(), zones=wgs))
    back = ws.open("经纬度")
    assert back.zones.crs.to_epsg() == 4326
    assert back.zones.geom_equals_exact(wgs.geometry, tolerance=1e-7).all()


def test_a_proposal_without_zones(make_ws):
    ws = make_ws()
    ws.save(small("只有分配"))
    back = ws.open("只有分配")
    assert back.zones is None and back.assignment == {"c0": "Z1", "c1": "Z1"}


def test_list_is_newest_first_with_figures(zoning, zoning_small, make_ws):
    ws = make_ws()
    assert ws.list().empty and (is_postgis(ws) or not ws.path.exists())
    ws.save(demo_proposal(zoning))
    ws.save(Proposal.from_zoning("方案二", zoning_small.assignment(), zones=zoning_small.zones, author="王工"))
    table = ws.list()
    assert table["name"].tolist() == ["方案二", "方案一"]
    assert table.columns[:6].tolist() == ["proposal_id", "name", "author", "created", "modified", "revision"]
    first = table.set_index("name").loc["方案一"]
    assert first["zones"] == len(zoning.zones)
    assert first["households_in_zones"] == zoning.summary()["households_in_zones"]
    assert first["communities_in_zones"] == len(zoning.assignment())


# --- revisions and conflicts ------------------------------------------------------------------


def test_each_save_increments_the_revision(make_ws):
    ws = make_ws()
    first = ws.save(small("A"))
    second = ws.save(first)
    assert (first.revision, second.revision) == (1, 2)
    assert second.created == first.created and second.modified >= first.modified


def test_a_stale_save_is_a_conflict_carrying_both_revisions(make_ws):
    tab_a, tab_b = make_ws(), make_ws()
    saved = tab_a.save(small("A"))
    in_a, in_b = tab_a.open(saved.proposal_id), tab_b.open(saved.proposal_id)
    tab_b.save(in_b)  # revision 2 on disk
    with pytest.raises(ConflictError, match="saved at revision 2") as caught:
        tab_a.save(in_a)
    error = caught.value
    assert (error.kind, error.expected_revision, error.disk_revision) == ("revision", 1, 2)
    assert isinstance(error, GeoError) and error.path == (tab_a.label if is_postgis(tab_a) else tab_a.path)
    # the planner's three ways out
    assert tab_a.save(in_a, overwrite=True).revision == 3
    copy = tab_a.save(in_a.as_new("A（副本）"))
    assert copy.revision == 1 and copy.proposal_id != in_a.proposal_id
    assert tab_a.open(saved.proposal_id).revision == 3
    assert sorted(tab_a.list()["name"]) == ["A", "A（副本）"]


def test_expected_revision_overrides_the_proposals_own(make_ws):
    ws = make_ws()
    saved = ws.save(small("A"))
    ws.save(saved)
    with pytest.raises(ConflictError):
        ws.save(saved, expected_revision=1)
    assert ws.save(saved, expected_revision=2).revision == 3


def test_a_taken_name_is_a_conflict(make_ws):
    ws = make_ws()
    first = ws.save(small("同名", author="李工"))
    with pytest.raises(ConflictError, match="another proposal is already called '同名'") as caught:
        ws.save(small("同名", n=3))
    assert caught.value.kind == "name_taken" and caught.value.disk_proposal_id == first.proposal_id
    replaced = ws.save(small("同名", n=3), overwrite=True)
    table = ws.list()
    assert table["proposal_id"].tolist() == [replaced.proposal_id]
    assert len(ws.open("同名").assignment) == 3


def test_saving_a_proposal_deleted_meanwhile_is_a_conflict(make_ws):
    ws = make_ws()
    saved = ws.save(small("A"))
    make_ws().delete(saved.proposal_id)
    with pytest.raises(ConflictError, match="was deleted") as caught:
        ws.save(saved)
    assert caught.value.kind == "deleted" and caught.value.disk_revision is None
    assert ws.save(saved, overwrite=True).revision == 3  # 1 saved, 2 the deletion (kept in the history), 3


def test_rename_and_delete(make_ws):
    ws = make_ws()
    a, b = ws.save(small("A")), ws.save(small("B"))
    renamed = ws.rename(a.proposal_id, "甲")
    assert renamed.name == "甲" and renamed.revision == 2 and renamed.assignment == a.assignment
    with pytest.raises(ConflictError, match="already called 'B'"):
        ws.rename(a.proposal_id, "B")
    ws.delete("B")
    assert ws.list()["name"].tolist() == ["甲"]
    assert live_counts(ws)[1] == 1
    with pytest.raises(ProposalNotFoundError, match=f"no proposal with id or name '{b.proposal_id}'") as caught:
        ws.open(b.proposal_id)
    assert isinstance(caught.value, KeyError) and "甲" in str(caught.value)
    ws.delete(renamed.proposal_id)
    assert ws.list().empty
    assert ws.save(small("再来")).revision == 1


@pytest.mark.parametrize("bad, error, message", [
    ({"name": "  "}, ValueError, "needs a name"),
    ({"edits": [{"when": object()}]}, ValueError, "edit log cannot be saved as JSON"),
    ({"rules": {"min_households": 900, "max_households": 100}}, ValueError, "above max_households"),
])
def test_bad_proposals_are_refused_and_the_file_untouched(make_ws, bad, error, message):
    ws = make_ws()
    ws.save(small("keep"))
    before = snapshot(ws)
    with pytest.raises(error, match=message):
        ws.save(Proposal(**{"name": "x", "assignment": {"a": "Z1"}, **bad}))
    assert snapshot(ws) == before


def test_zones_without_crs_are_refused(make_ws):
    zones = gpd.GeoDataFrame({"zone_id": ["Z1"]}, geometry=[box(0, 0, 1, 1)])
    ws = make_ws()
    with pytest.raises(CRSError, match="zones have no CRS"):
        ws.save(Proposal("x", {"a": "Z1"}, zones=zones))
    assert ws.list().empty


# --- crashes and concurrency --------------------------------------------------------------------


def _partial_writer(path, tables):
    """Writes the first table of a workspace, then fails like a crash would."""
    pyogrio.write_dataframe(tables.proposals.astype(object), path, layer="proposals", driver="GPKG")
    raise OSError("disk full (simulated)")


def test_a_crash_mid_save_leaves_the_previous_workspace_intact(zoning, tmp_path, monkeypatch):
    ws = Workspace(tmp_path / "w.gpkg")
    kept = ws.save(demo_proposal(zoning))
    before = ws.path.read_bytes()
    monkeypatch.setattr(workspace, "_write_tables", _partial_writer)
    with pytest.raises(OSError, match="simulated"):
        ws.save(small("lost"))
    with pytest.raises(OSError, match="simulated"):
        ws.save(kept)
    assert ws.path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["w.gpkg", "w.gpkg.lock"]  # no temporary left
    monkeypatch.undo()
    assert ws.list()["name"].tolist() == ["方案一"]
    assert ws.open(kept.proposal_id).assignment == zoning.assignment()


def _die_mid_save(path):
    """Child process: start a save and die (no cleanup, no exception handling) halfway."""
    import os

    import pyogrio

    import geo.store.workspace as ws_module

    def writer(target, tables):
        pyogrio.write_dataframe(tables.proposals.astype(object), target, layer="proposals", driver="GPKG")
        os._exit(3)

    ws_module._write_tables = writer
    ws_module.Workspace(path).save(ws_module.Proposal(name="never", assignment={"x": "Z1"}))


def test_a_killed_process_mid_save_loses_nothing(tmp_path):
    ws = Workspace(tmp_path / "w.gpkg")
    ws.save(small("kept"))
    before = ws.path.read_bytes()
    child = multiprocessing.get_context("spawn").Process(target=_die_mid_save, args=(str(ws.path),))
    child.start()
    child.join(120)
    assert child.exitcode == 3
    assert ws.path.read_bytes() == before
    assert [p.name for p in tmp_path.glob(".w.gpkg.*.tmp.gpkg")]  # the dead save's leftover
    assert ws.list()["name"].tolist() == ["kept"]
    ws.save(small("next"))
    assert not list(tmp_path.glob(".w.gpkg.*.tmp.gpkg"))  # cleaned by the next save
    assert sorted(ws.list()["name"]) == ["kept", "next"]


def _save_many(location, prefix, count):
    """Child process: save ``count`` proposals, each through a fresh workspace handle (a new tab)."""
    from geo.store.workspace import Proposal
    from tests.postgres_server import open_location

    for k in range(count):
        open_location(location).save(Proposal(name=f"{prefix}-{k}", assignment={f"{prefix}{k}": "Z1", "x": "Z1"}))


def test_two_processes_saving_at_once_both_land(workspace_location):
    path = workspace_location
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_save_many, args=(path, prefix, 5)) for prefix in ("p", "q")]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(300)
    assert [w.exitcode for w in workers] == [0, 0]
    ws = open_location(path)
    names = sorted(ws.list()["name"])
    assert names == sorted([f"p-{k}" for k in range(5)] + [f"q-{k}" for k in range(5)])
    assert sum(len(ws.open(n).assignment) for n in names) == 20 and len(ws.audit()) == 10


def test_two_tabs_in_threads_saving_at_once_both_land(workspace_location):
    path = workspace_location
    errors = []

    def tab(prefix):
        try:
            _save_many(path, prefix, 4)
        except Exception as exc:  # noqa: BLE001 - any failure in a thread is surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=tab, args=(p,)) for p in ("a", "b", "c")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(open_location(path).list()) == 12


# --- files that are not workspaces ------------------------------------------------------------


def test_a_geopackage_without_the_tables_is_named_with_the_fix(tmp_path):
    other = tmp_path / "小区.gpkg"
    gpd.GeoDataFrame({"a": [1]}, geometry=[box(0, 0, 1, 1)], crs=4538).to_file(other, layer="communities")
    before = other.read_bytes()
    ws = Workspace(other)
    with pytest.raises(WorkspaceError, match=r"小区\.gpkg: is a GeoPackage but not a proposals workspace .*"
                                             r"give the workspace another file name"):
        ws.list()
    with pytest.raises(WorkspaceError, match="not a proposals workspace"):
        ws.save(small("x"))
    assert other.read_bytes() == before  # never overwritten


def test_a_corrupt_file_is_named_with_the_fix(tmp_path):
    bad = tmp_path / "w.gpkg"
    bad.write_bytes(b"this is not a database at all" * 100)
    with pytest.raises(WorkspaceError, match=r"w\.gpkg: is not a GeoPackage or is damaged .*restore it from a backup"):
        Workspace(bad).open("x")
    assert isinstance(WorkspaceError("x"), OSError)


def test_a_missing_folder_is_named(tmp_path):
    with pytest.raises(WorkspaceError, match="does not exist; create it"):
        Workspace(tmp_path / "nope" / "w.gpkg").save(small("x"))


def test_a_truncated_workspace_is_reported(tmp_path):
    ws = Workspace(tmp_path / "w.gpkg")
    ws.save(small("x"))
    data = ws.path.read_bytes()
    ws.path.write_bytes(data[: len(data) // 3])
    with pytest.raises(WorkspaceError, match=r"w\.gpkg"):
        ws.open("x")


def test_a_damaged_json_column_is_reported(tmp_path):
    ws = Workspace(tmp_path / "w.gpkg")
    ws.save(small("x"))
    with sqlite3.connect(ws.path) as con:
        con.execute("UPDATE proposals SET rules = '{broken'")
    with pytest.raises(WorkspaceError, match="proposal 'x' has a damaged JSON column"):
        ws.open("x")


# --- comparing -------------------------------------------------------------------------------


def test_compare_two_demo_proposals(zoning, zoning_small, demo, make_ws):
    ws = make_ws()
    a = ws.save(Proposal.from_zoning("A", zoning.assignment(), zones=zoning.zones, rules=zoning.rules))
    ws.save(Proposal.from_zoning("B", zoning_small.assignment(), zones=zoning_small.zones,
                                     rules=zoning_small.rules))
    layers = demo.layers
    result = ws.compare(a.proposal_id, "B", layers["communities"], barriers=layers["barriers"])
    figures = result.figures
    assert figures.loc["zones", ["a", "b"]].tolist() == [len(zoning.zones), len(zoning_small.zones)]
    assert figures.loc["households_in_zones", "a"] == zoning.summary()["households_in_zones"]
    assert figures.loc["candidates_left_out", ["a", "b"]].tolist() == [
        zoning.summary()["left_out"], zoning_small.summary()["left_out"]]
    assert figures.loc["violations", ["a", "b"]].tolist() == [0, 0]
    assert figures.loc["zones", "change"] == len(zoning_small.zones) - len(zoning.zones)
    assert figures.loc["zones", "label"] == "片区数"

    diff = result.differences
    assert diff.crs == layers["communities"].crs
    zones_a = {frozenset(m) for m in zoning.zones["members"]}
    zones_b = {frozenset(m) for m in zoning_small.zones["members"]}
    kinds = result.counts()
    assert kinds["zone_identical"] == len(zones_a & zones_b)
    assert kinds["zone_only_in_a"] == len(zones_a - zones_b)
    assert kinds["zone_only_in_b"] == len(zones_b - zones_a)
    community = diff[diff["feature"] == "community"].set_index("community_id")
    in_a, in_b = zoning.assignment(), zoning_small.assignment()
    for cid, row in community.iterrows():
        assert row["zone_a"] == in_a.get(cid) and row["zone_b"] == in_b.get(cid)
    assert set(community.index) == {c for c in set(in_a) | set(in_b)
                                    if c not in in_a or c not in in_b
                                    or frozenset(m for m, z in in_a.items() if z == in_a[c])
                                    != frozenset(m for m, z in in_b.items() if z == in_b[c])}
    assert diff.geometry.notna().all() and diff.is_valid.all()


def test_compare_a_proposal_with_itself_finds_no_community_change(zoning, demo, make_ws):
    ws = make_ws()
    a = ws.save(Proposal.from_zoning("A", zoning.assignment(), zones=zoning.zones))
    renumbered = {c: f"N{z}" for c, z in zoning.assignment().items()}
    b = ws.save(Proposal("B", renumbered))
    result = ws.compare(a.proposal_id, b.proposal_id, demo.layers["communities"], lang="en")
    assert set(result.differences["change"]) == {"identical"}
    assert len(result.differences) == len(zoning.zones)
    assert result.figures.loc["communities_in_zones", "change"] == 0
    assert result.figures.loc["zones", "label"] == "zones"


def test_compare_on_other_data_is_refused(make_ws, demo):
    ws = make_ws()
    ws.save(small("A"))
    ws.save(small("B"))
    with pytest.raises(KeyError, match="proposal 'A' places communities that are not in the layer"):
        ws.compare("A", "B", demo.layers["communities"])


def test_the_lock_file_sits_next_to_the_workspace(tmp_path):
    ws = Workspace(tmp_path / "w.gpkg")
    ws.save(small("A"))
    assert ws.lock_path == tmp_path / "w.gpkg.lock" and ws.lock_path.exists()
    assert os.path.getsize(ws.lock_path) == 0
