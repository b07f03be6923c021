"""The proposals workspace keeps every revision: history, open a revision, restore, delete as a
tombstone, proposals bound to their data, old workspace files migrated.

The ``ws`` fixture is a workspace on each back end (a GeoPackage, PostgreSQL + PostGIS); the old-file
migration is GeoPackage-only."""

import dataclasses
import pickle

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
from shapely import box

from geo.errors import GeoError
from geo.store.workspace import (
    ConflictError,
    Proposal,
    ProposalDataError,
    ProposalNameError,
    ProposalNotFoundError,
    Workspace,
    compare_proposals,
)
from tests.postgres_server import (  # noqa: F401 - fixtures
    is_postgis,
    live_counts,
    make_ws,
    pg_schema,
    postgres_server,
    revision_rows,
    snapshot,
    workspace_location,
)

DEMO = {"fingerprint": "f" * 16, "name": "示范城区", "communities": 4}
OTHER = {"fingerprint": "0" * 16, "name": "另一城区", "communities": 4}


def zones_of(assignment, crs=4538):
    """A zone table (one box per zone) for an assignment."""
    ids = sorted(set(assignment.values()))
    return gpd.GeoDataFrame(
        {"zone_id": ids, "households": [100 * (k + 1) for k in range(len(ids))],
         "members": [sorted(c for c, z in assignment.items() if z == zid) for zid in ids]},
        geometry=[box(50 * k, 0, 50 * k + 40, 40) for k in range(len(ids))], crs=crs)


def proposal(name="方案一", assignment=None, **changes):
    assignment = assignment if assignment is not None else {"a": "Z1", "b": "Z1"}
    return Proposal(name=name, assignment=assignment, zones=zones_of(assignment), **changes)


def content(p):
    """Every field of a proposal but its zone table (a GeoDataFrame does not compare with ==)."""
    return {f.name: getattr(p, f.name) for f in dataclasses.fields(p) if f.name != "zones"}


@pytest.fixture
def ws(make_ws):
    """A fresh workspace on the test's back end."""
    return make_ws()


@pytest.fixture
def gpkg_ws(tmp_path):
    """A fresh GeoPackage workspace (for what is about the file itself)."""
    return Workspace(tmp_path / "方案库.gpkg")


@pytest.fixture
def homes():
    """Four communities in a row (metric CRS), all candidates."""
    return gpd.GeoDataFrame(
        {"community_id": ["a", "b", "c", "d"], "households": [200, 150, 160, 170],
         "build_year": [1985, 1990, 1992, 1988], "street": ["s"] * 4, "status": ["candidate"] * 4},
        geometry=[box(45 * k, 0, 45 * k + 40, 40) for k in range(4)], crs=4538)


# --- every change is a revision ---------------------------------------------------------------


def test_every_save_is_a_revision_listed_in_history(ws):
    first = ws.save(proposal(author="李工", edits=[{"op": "move"}]))
    two_zones = {"a": "Z1", "b": "Z1", "c": "Z2"}
    second = ws.save(dataclasses.replace(first, assignment=two_zones, zones=zones_of(two_zones), author="王工",
                                         edits=[{"op": "move"}, {"op": "merge"}]))
    third = ws.save(dataclasses.replace(second, assignment={"a": "Z1"}, zones=zones_of({"a": "Z1"}), author="李工"))
    assert [first.revision, second.revision, third.revision] == [1, 2, 3]
    history = ws.history(first.proposal_id)
    assert history.columns.tolist() == ["revision", "action", "name", "author", "modified", "zones",
                                        "communities_in_zones", "households_in_zones", "edits", "dataset_name",
                                        "deleted", "comment", "owner"]
    assert history["owner"].tolist() == ["李工"] * 3 and history["comment"].tolist() == [""] * 3
    assert history["revision"].tolist() == [3, 2, 1]
    assert history["action"].tolist() == ["save"] * 3
    assert history["author"].tolist() == ["李工", "王工", "李工"]
    assert history["modified"].tolist() == [third.modified, second.modified, first.modified]
    assert history["communities_in_zones"].tolist() == [1, 3, 2]
    assert history["zones"].tolist() == [1, 2, 1]
    assert history["households_in_zones"].tolist() == [100, 300, 100]
    assert history["edits"].tolist() == [2, 2, 1]
    assert history["deleted"].tolist() == [False] * 3
    listed = ws.list()
    assert listed[["name", "revision", "revisions"]].values.tolist() == [["方案一", 3, 3]]
    assert len(revision_rows(ws)) == 3
    # the history can be asked for by name too
    assert ws.history("方案一")["revision"].tolist() == [3, 2, 1]


def test_open_a_revision_gives_that_revisions_content(ws):
    first = ws.save(proposal(notes="第一稿"))
    second = ws.save(dataclasses.replace(first, assignment={"a": "Z1", "b": "Z2", "c": "Z2"}, notes="第二稿",
                                         zones=zones_of({"a": "Z1", "b": "Z2", "c": "Z2"})))
    old = ws.open(first.proposal_id, revision=1)
    assert old.assignment == {"a": "Z1", "b": "Z1"} and old.notes == "第一稿"
    assert old.revision == 1 and old.zones is None  # outlines are kept for the live revision only
    assert old.modified == first.modified and old.created == first.created
    live = ws.open(first.proposal_id, revision=2)
    assert live.assignment == second.assignment and live.zones["zone_id"].tolist() == ["Z1", "Z2"]
    assert ws.open("方案一").revision == 2
    with pytest.raises(ProposalNotFoundError, match=r"has no revision 7 \(revisions: 1, 2\)") as caught:
        ws.open(first.proposal_id, revision=7)
    assert (caught.value.code, caught.value.key, caught.value.revision) == ("not_found", first.proposal_id, 7)


def test_restore_appends_a_revision_equal_to_the_one_restored(ws):
    first = ws.save(proposal(author="李工", edits=[{"op": "move"}], zone_notes={"Z1": "保留"}, locked_zones=["Z1"],
                             reasons={"c": ("too_small", None)}, dataset=DEMO))
    changed = {"a": "Z7", "b": "Z8", "c": "Z8"}
    ws.save(dataclasses.replace(first, assignment=changed, zones=zones_of(changed), edits=[], zone_notes={},
                                locked_zones=[], reasons={}, notes="改过", author="王工"))
    restored = ws.restore(first.proposal_id, 1, author="赵工")
    assert (restored.revision, restored.action, restored.author) == (3, "restore", "赵工")
    for attribute in ("name", "assignment", "rules", "overrides", "edits", "zone_notes", "locked_zones", "notes",
                      "reasons", "dataset", "created"):
        assert getattr(restored, attribute) == getattr(ws.open(first.proposal_id, revision=1), attribute), attribute
    assert restored.zones is None  # revision 1's outlines were not kept: the caller recomputes them
    assert list(restored.used_zone_ids) == ["Z1", "Z7", "Z8"]  # zone ids used since are never given again
    assert content(ws.open(first.proposal_id)) == content(restored)
    history = ws.history(first.proposal_id)
    assert history[["revision", "action", "author"]].values.tolist() == [[3, "restore", "赵工"], [2, "save", "王工"],
                                                                        [1, "save", "李工"]]
    assert ws.list()["revision"].tolist() == [3]
    assert live_counts(ws) == (0, 1)  # no outlines kept for the restored revision; its assignment is live
    # a stale copy of revision 2 now conflicts; the restored revision is the one to build on
    with pytest.raises(ConflictError, match="saved at revision 3"):
        ws.save(dataclasses.replace(first, revision=2))
    assert ws.save(restored).revision == 4


def test_restoring_the_live_revision_keeps_its_zones(ws):
    saved = ws.save(proposal())
    again = ws.restore(saved.proposal_id, 1)
    assert again.revision == 2 and again.zones["zone_id"].tolist() == ["Z1"]
    assert again.zones.geom_equals_exact(saved.zones.geometry, tolerance=1e-6).all()


def test_delete_is_a_tombstone_that_restore_undoes(ws):
    keep = ws.save(proposal("留下", {"x": "Z1"}))
    gone = ws.save(proposal("删掉", {"a": "Z1", "b": "Z2"}, author="李工"))
    ws.delete("删掉", author="王工")
    assert ws.list()["name"].tolist() == ["留下"]
    deleted = ws.deleted()
    assert deleted.columns.tolist() == ["proposal_id", "name", "deleted_at", "by", "last_revision"]
    assert deleted[["proposal_id", "name", "by", "last_revision"]].values.tolist() == [[gone.proposal_id, "删掉",
                                                                                        "王工", 1]]
    assert deleted["deleted_at"].iloc[0] > gone.modified
    if is_postgis(ws):
        assert live_counts(ws) == (1, 1)
    else:
        for layer in ("proposals", "proposal_zones", "proposal_assignments"):
            table = pyogrio.read_dataframe(ws.path, layer=layer, read_geometry=False)
            assert set(table["proposal_id"]) == {keep.proposal_id}, layer
    with pytest.raises(ProposalNotFoundError, match="'删掉' was deleted .* by 王工") as caught:
        ws.open(gone.proposal_id)
    assert isinstance(caught.value, KeyError) and caught.value.code == "not_found"
    history = ws.history(gone.proposal_id)
    assert history[["revision", "action", "author", "deleted"]].values.tolist() == [
        [2, "delete", "王工", True], [1, "save", "李工", False]]
    assert ws.open(gone.proposal_id, revision=2).assignment == {"a": "Z1", "b": "Z2"}  # the tombstone keeps it
    with pytest.raises(ProposalNotFoundError):
        ws.delete(gone.proposal_id)  # already deleted
    back = ws.restore(gone.proposal_id, int(deleted["last_revision"].iloc[0]), author="王工")
    assert (back.revision, back.name, back.assignment) == (3, "删掉", {"a": "Z1", "b": "Z2"})
    assert ws.deleted().empty and sorted(ws.list()["name"]) == ["删掉", "留下"]
    assert ws.open("删掉").revision == 3


def test_a_deleted_proposals_name_is_free_and_restore_can_rename(ws):
    old = ws.save(proposal("甲"))
    ws.delete(old.proposal_id)
    new = ws.save(proposal("甲", {"q": "Z1"}))  # names are unique among live proposals only
    assert new.revision == 1 and new.proposal_id != old.proposal_id
    with pytest.raises(ConflictError, match="another proposal is already called '甲'") as caught:
        ws.restore(old.proposal_id, 1)
    assert caught.value.kind == caught.value.code == "name_taken"
    assert caught.value.disk_proposal_id == new.proposal_id
    back = ws.restore(old.proposal_id, 1, name="甲（旧）")
    assert back.name == "甲（旧）" and back.assignment == {"a": "Z1", "b": "Z1"}
    assert sorted(ws.list()["name"]) == ["甲", "甲（旧）"]


def test_rename_is_a_revision_and_keeps_the_history(ws):
    saved = ws.save(proposal("旧名", author="李工"))
    renamed = ws.rename(saved.proposal_id, "新名", author="王工")
    assert (renamed.name, renamed.revision, renamed.action, renamed.author) == ("新名", 2, "rename", "王工")
    assert renamed.assignment == saved.assignment and renamed.zones["zone_id"].tolist() == ["Z1"]
    history = ws.history("新名")
    assert history[["revision", "action", "name", "author"]].values.tolist() == [[2, "rename", "新名", "王工"],
                                                                                [1, "save", "旧名", "李工"]]
    assert ws.open(saved.proposal_id, revision=1).name == "旧名"
    assert content(ws.open(saved.proposal_id)) == content(renamed)
    with pytest.raises(ProposalNameError, match="needs a name"):
        ws.rename(saved.proposal_id, " ")


def test_overwriting_a_taken_name_deletes_the_other_without_losing_it(ws):
    first = ws.save(proposal("同名", author="李工"))
    replaced = ws.save(proposal("同名", {"z": "Z9"}, author="王工"), overwrite=True)
    assert ws.list()["proposal_id"].tolist() == [replaced.proposal_id]
    assert ws.deleted()[["proposal_id", "by", "last_revision"]].values.tolist() == [[first.proposal_id, "王工", 1]]
    assert ws.open(first.proposal_id, revision=1).assignment == {"a": "Z1", "b": "Z1"}


def test_no_revision_is_ever_removed(ws):
    a = ws.save(proposal("A"))
    b = ws.save(proposal("B", {"c": "Z1"}))
    steps = [lambda: ws.save(dataclasses.replace(a, assignment={"a": "Z2"}), overwrite=True),
             lambda: ws.rename(a.proposal_id, "A2"),
             lambda: ws.delete(b.proposal_id),
             lambda: ws.restore(b.proposal_id, 1),
             lambda: ws.restore(a.proposal_id, 1),
             lambda: ws.save(proposal("A", {"n": "Z1"}), overwrite=True)]  # revision 1 brought the name A back
    seen = revision_rows(ws)
    for step in steps:
        step()
        now = revision_rows(ws)
        assert seen < now and len(now) == len(seen) + (2 if step is steps[-1] else 1)
        seen = now
    assert len(seen) == 9  # 2 first saves, 6 changes, and the tombstone of the overwritten A


# --- errors a page can word ----------------------------------------------------------------------


def test_an_empty_name_is_a_geo_error_that_is_a_value_error(ws):
    with pytest.raises(ProposalNameError, match="needs a name") as caught:
        ws.save(proposal("  "))
    assert isinstance(caught.value, GeoError) and isinstance(caught.value, ValueError)
    assert caught.value.code == "name_empty" and ws.list().empty
    assert revision_rows(ws) == set() if is_postgis(ws) else not ws.path.exists()


def test_errors_keep_their_attributes_through_pickle(ws, tmp_path):
    saved = ws.save(proposal(dataset=DEMO))
    with pytest.raises(ConflictError) as caught:
        ws.save(dataclasses.replace(saved, dataset=OTHER))
    back = pickle.loads(pickle.dumps(caught.value))
    assert (back.code, back.disk_dataset_name, back.disk_revision, back.path) == (
        "other_dataset", "示范城区", 1, ws.label if is_postgis(ws) else ws.path)
    missing = pickle.loads(pickle.dumps(ProposalNotFoundError("none", key="k", revision=2)))
    assert (str(missing), missing.key, missing.revision, missing.code) == ("none", "k", 2, "not_found")
    data = pickle.loads(pickle.dumps(ProposalDataError("other", proposal_name="A", unknown=["x"])))
    assert (str(data), data.proposal_name, data.unknown, data.code) == ("other", "A", ["x"], "other_dataset")


# --- proposals bound to their data ------------------------------------------------------------


def test_reasons_dataset_and_used_zone_ids_round_trip(ws):
    saved = ws.save(proposal(dataset=DEMO, reasons={"c": ("too_small", None), "d": ("too_far", "gap_m")},
                             used_zone_ids=("Z0", "Z5")))
    back = ws.open(saved.proposal_id)
    assert back.dataset == DEMO
    assert back.reasons == {"c": ["too_small", None], "d": ["too_far", "gap_m"]}
    assert list(back.used_zone_ids) == ["Z0", "Z1", "Z5"]  # with the assignment's zone
    assert back.action == "save" and content(back) == content(saved)
    listed = ws.list().iloc[0]
    assert (listed["dataset_name"], listed["dataset_fingerprint"]) == ("示范城区", "f" * 16)
    assert ws.history(saved.proposal_id)["dataset_name"].tolist() == ["示范城区"]
    # a later save without a dataset keeps the binding, and the used ids only grow
    later = ws.save(dataclasses.replace(back, dataset={}, used_zone_ids=(), assignment={"a": "Z9"}, zones=None))
    assert later.dataset == DEMO and ws.open(later.proposal_id).dataset == DEMO
    assert list(ws.open(later.proposal_id).used_zone_ids) == ["Z0", "Z1", "Z5", "Z9"]


def test_a_save_never_replaces_a_proposal_of_other_data(ws):
    saved = ws.save(proposal(dataset=DEMO))
    before = snapshot(ws)
    elsewhere = dataclasses.replace(saved, dataset=OTHER)
    for overwrite in (False, True):
        with pytest.raises(ConflictError, match="made on other data \\('示范城区'\\)") as caught:
            ws.save(elsewhere, overwrite=overwrite)
        error = caught.value
        assert (error.kind, error.code, error.disk_dataset_name, error.disk_revision) == (
            "other_dataset", "other_dataset", "示范城区", 1)
        assert error.proposal_id == saved.proposal_id and isinstance(error, GeoError)
    assert snapshot(ws) == before
    # nor a same-named one of other data; saving under a new name is the way
    with pytest.raises(ConflictError) as caught:
        ws.save(proposal(dataset=OTHER), overwrite=True)
    assert caught.value.kind == "other_dataset" and caught.value.disk_proposal_id == saved.proposal_id
    assert snapshot(ws) == before
    copy = ws.save(elsewhere.as_new("方案一 · 另一城区"))
    assert copy.revision == 1 and copy.dataset == OTHER
    assert ws.list().set_index("name")["dataset_name"].to_dict() == {"方案一": "示范城区", "方案一 · 另一城区": "另一城区"}


def test_compare_refuses_proposals_of_other_data(ws, homes):
    ws.save(proposal("A", {"a": "Z1", "b": "Z1"}, dataset=DEMO))
    ws.save(proposal("B", {"b": "Z1", "c": "Z1"}, dataset=OTHER))
    ws.save(proposal("C", {"c": "Z1", "d": "Z1"}, dataset=DEMO))
    with pytest.raises(ProposalDataError, match="'A' and 'B' were made on different data") as caught:
        ws.compare("A", "B", homes)
    error = caught.value
    assert isinstance(error, KeyError) and isinstance(error, GeoError) and error.code == "other_dataset"
    assert (error.proposal_name, error.unknown, error.dataset_name) == ("B", [], "另一城区")
    assert "'A' and 'B'" in str(error) and not str(error).startswith('"')
    with pytest.raises(ProposalDataError, match="proposal 'A' was made on other data"):
        ws.compare("A", "C", homes, dataset_fingerprint=OTHER["fingerprint"])
    result = ws.compare("A", "C", homes, dataset_fingerprint=DEMO["fingerprint"], lang="en")
    assert result.figures.loc["communities_in_zones", ["a", "b"]].tolist() == [2, 2]


def test_compare_with_unknown_communities_is_a_structured_error(homes):
    stray = Proposal("X", {"a": "Z1", "zz": "Z1", "yy": "Z1"})
    with pytest.raises(KeyError, match="proposal 'X' places communities that are not in the layer") as caught:
        compare_proposals(stray, Proposal("Y", {"a": "Z1"}), homes)
    error = caught.value
    assert isinstance(error, ProposalDataError) and error.unknown == ["yy", "zz"] and error.proposal_name == "X"


# --- a workspace written before revisions were kept -------------------------------------------

OLD_COLUMNS = ["proposal_id", "name", "author", "notes", "created", "modified", "revision", "crs", "zones",
               "communities_in_zones", "households_in_zones", "mean_compactness", "rules", "overrides", "edits",
               "zone_notes", "locked_zones", "zone_schema", "format_version"]


def write_old_workspace(path):
    """The three tables exactly as the workspace wrote them before it kept revisions."""
    zones = zones_of({"a": "Z1", "b": "Z1"})
    crs = zones.crs.to_wkt()
    rows = pd.DataFrame([
        ["p-old", "旧方案", "李工", "老文件", "2024-01-02T03:04:05.000+00:00", "2024-02-03T04:05:06.000+00:00", 4, crs,
         1, 2, 100, None, '{"max_members": 4}', "{}", '[{"op": "move"}]', '{"Z1": "保留"}', '["Z1"]',
         '[["zone_id", "text"], ["households", "int"], ["members", "list"]]', 1],
        ["p-two", "另一个", "王工", "", "2024-01-01T00:00:00.000+00:00", "2024-01-01T00:00:00.000+00:00", 1, None,
         1, 1, None, None, "{}", "{}", "[]", "{}", "[]", "[]", 1],
    ], columns=OLD_COLUMNS)
    for column in ("revision", "format_version", "zones", "communities_in_zones", "households_in_zones"):
        rows[column] = rows[column].astype("Int64")
    rows["mean_compactness"] = rows["mean_compactness"].astype(float)
    pyogrio.write_dataframe(rows.astype({c: object for c in OLD_COLUMNS if rows[c].dtype == "str"}), path,
                            layer="proposals", driver="GPKG")
    table = gpd.GeoDataFrame({"proposal_id": ["p-old"], "zone_id": ["Z1"], "households": [100],
                              "members": ['["a", "b"]']}, geometry=zones.geometry.array, crs=zones.crs)
    pyogrio.write_dataframe(table, path, layer="proposal_zones", driver="GPKG")
    assignments = pd.DataFrame({"proposal_id": ["p-old", "p-old", "p-two"], "community_id": ["a", "b", "c"],
                                "zone_id": ["Z1", "Z1", "Z3"]}, dtype=object)
    pyogrio.write_dataframe(assignments, path, layer="proposal_assignments", driver="GPKG")


def test_an_old_workspace_opens_and_is_migrated_on_the_next_change(gpkg_ws):
    ws = gpkg_ws
    write_old_workspace(ws.path)
    assert "proposal_revisions" not in dict(pyogrio.list_layers(ws.path).tolist())
    listed = ws.list().set_index("proposal_id")
    assert listed.loc["p-old", ["name", "revision", "revisions", "dataset_name", "dataset_fingerprint"]].tolist() == [
        "旧方案", 4, 1, "", ""]
    old = ws.open("旧方案")
    assert (old.revision, old.assignment, old.dataset, old.reasons, list(old.used_zone_ids), old.action) == (
        4, {"a": "Z1", "b": "Z1"}, {}, {}, [], "save")
    assert old.zones["members"].tolist() == [["a", "b"]] and old.zone_rules().max_members == 4
    assert ws.history("p-old")[["revision", "action", "author", "edits"]].values.tolist() == [[4, "save", "李工", 1]]
    assert content(ws.open("p-old", revision=4)) == content(old)
    assert ws.deleted().empty
    assert ws.audit()[["user", "action", "proposal_id", "revision"]].values.tolist() == [
        ["李工", "save", "p-old", 4], ["王工", "save", "p-two", 1]]
    assert (old.owner, ws.list().set_index("proposal_id").loc["p-two", "owner"]) == ("李工", "王工")

    saved = ws.save(dataclasses.replace(old, assignment={"a": "Z1"}, dataset=DEMO))
    assert saved.revision == 5 and saved.created == old.created
    assert "proposal_revisions" in dict(pyogrio.list_layers(ws.path).tolist())
    history = ws.history("p-old")
    assert history[["revision", "communities_in_zones"]].values.tolist() == [[5, 1], [4, 2]]
    assert ws.open("p-old", revision=4).assignment == {"a": "Z1", "b": "Z1"}
    assert ws.open("p-two").assignment == {"c": "Z3"}  # the other proposal migrated untouched
    assert ws.history("p-two")["revision"].tolist() == [1]
    ws.delete("p-two")
    assert ws.restore("p-two", 1).assignment == {"c": "Z3"}
