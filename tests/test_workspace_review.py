"""Review actions, owners, rights and the audit log, on both workspace back ends.

A viewer cannot save; a planner changes only their own proposals; a reviewer comments, approves
and returns (each a revision in the audit log with its comment) but cannot save; a new save
clears an approval; an old GeoPackage without the new columns gets owners from first authors.
"""

import dataclasses

import pandas as pd
import pyogrio
import pytest

from geo.io.tables import csv_bytes
from geo.store.access import AccessError, User
from geo.store.records import AUDIT_COLUMNS, ReviewCommentError
from geo.store.workspace import Proposal, Workspace
from tests.postgres_server import (  # noqa: F401 - fixtures
    make_ws,
    pg_schema,
    postgres_server,
    revision_rows,
    snapshot,
    workspace_location,
)

ALICE = User("alice", "planner")
BOB = User("bob", "planner")
RITA = User("rita", "reviewer")
VIC = User("vic", "viewer")
ADA = User("ada", "admin")


def small(name, n=2, **changes):
    return Proposal(name=name, assignment={f"c{k}": "Z1" for k in range(n)}, **changes)


@pytest.fixture
def ws(make_ws):
    return make_ws()


# --- owners ----------------------------------------------------------------------------------


def test_the_first_save_sets_the_owner_and_the_author_is_the_actor(ws):
    saved = ws.save(small("A", author="someone else"), actor=ALICE)
    assert (saved.owner, saved.author, saved.revision) == ("alice", "alice", 1)
    assert ws.open("A").owner == "alice"
    assert ws.list()[["name", "owner", "review_status"]].values.tolist() == [["A", "alice", ""]]
    # single-user mode: the owner is the first author
    other = ws.save(small("B", author="李工"))
    assert other.owner == "李工" and ws.open("B").owner == "李工"
    # the owner stays with the proposal whoever changes it
    again = ws.save(dataclasses.replace(ws.open("A"), owner="mallory"), actor=ADA)
    assert (again.owner, again.author) == ("alice", "ada")
    assert ws.rename("A", "A2", actor=ADA).owner == "alice"


# --- rights ----------------------------------------------------------------------------------


def test_a_viewer_cannot_save_and_nothing_is_written(ws):
    ws.save(small("A"), actor=ALICE)
    before = snapshot(ws)
    with pytest.raises(AccessError, match="vic \\(viewer\\) may not save_new 'B'") as caught:
        ws.save(small("B"), actor=VIC)
    assert caught.value.code == "not_allowed" and caught.value.params["role"] == "viewer"
    with pytest.raises(AccessError, match="may not save 'A'"):
        ws.save(ws.open("A"), actor=VIC)
    for change in (lambda: ws.rename("A", "X", actor=VIC), lambda: ws.delete("A", actor=VIC),
                   lambda: ws.restore("A", 1, actor=VIC), lambda: ws.review("A", "approve", actor=VIC)):
        with pytest.raises(AccessError):
            change()
    assert snapshot(ws) == before


def test_a_planner_cannot_change_another_planners_proposal(ws):
    mine = ws.save(small("Alice's"), actor=ALICE)
    before = snapshot(ws)
    with pytest.raises(AccessError, match="bob \\(planner\\) may not save 'Alice's' \\(owned by alice\\)") as caught:
        ws.save(ws.open(mine.proposal_id), actor=BOB)
    assert caught.value.params == {"action": "save", "role": "planner", "name": "Alice's", "owner": "alice"}
    with pytest.raises(AccessError, match="may not rename"):
        ws.rename(mine.proposal_id, "Bob's now", actor=BOB)
    with pytest.raises(AccessError, match="may not delete"):
        ws.delete(mine.proposal_id, actor=BOB)
    with pytest.raises(AccessError, match="may not restore"):
        ws.restore(mine.proposal_id, 1, actor=BOB)
    with pytest.raises(AccessError, match="may not delete"):  # nor replace it by saving over its name
        ws.save(small("Alice's", n=3), actor=BOB, overwrite=True)
    assert snapshot(ws) == before
    # the owner can, and so can an admin
    assert ws.rename(mine.proposal_id, "Alice's 2", actor=ALICE).revision == 2
    ws.delete(mine.proposal_id, actor=ADA)
    assert ws.restore(mine.proposal_id, 2, actor=ALICE).revision == 4
    # bob's own proposal is his to change
    bobs = ws.save(small("Bob's"), actor=BOB)
    assert ws.save(bobs, actor=BOB).revision == 2


def test_a_reviewer_reviews_but_cannot_save(ws):
    saved = ws.save(small("A"), actor=ALICE)
    with pytest.raises(AccessError, match="rita \\(reviewer\\) may not save"):
        ws.save(saved, actor=RITA)
    with pytest.raises(AccessError, match="may not approve"):
        ws.review("A", "approve", actor=ALICE)  # a planner does not approve their own work
    approved = ws.review("A", "approve", comment="符合规划要求", actor=RITA)
    assert (approved.revision, approved.action, approved.author, approved.comment, approved.review_status) == (
        2, "approve", "rita", "符合规划要求", "approved")
    assert approved.assignment == saved.assignment and approved.owner == "alice"
    assert ws.open("A").review_status == "approved"


# --- review ----------------------------------------------------------------------------------


def test_an_approval_is_a_revision_in_the_audit_log_and_a_new_save_clears_it(ws):
    saved = ws.save(small("A"), actor=ALICE)
    ws.review("A", "comment", comment="片区2跨度偏大", actor=RITA)
    assert ws.open("A").review_status == ""  # a comment is no verdict
    ws.review("A", "approve", comment="同意", actor=RITA)
    ws.review("A", "comment", comment="备注", actor=RITA)
    assert ws.open("A").review_status == "approved"  # a later comment keeps the verdict
    assert ws.list()["review_status"].tolist() == ["approved"]
    audit = ws.audit()
    assert audit.columns.tolist() == AUDIT_COLUMNS == ["time", "user", "action", "proposal_id", "name", "revision",
                                                      "comment"]
    assert audit[["user", "action", "revision", "comment"]].values.tolist() == [
        ["rita", "comment", 4, "备注"], ["rita", "approve", 3, "同意"], ["rita", "comment", 2, "片区2跨度偏大"],
        ["alice", "save", 1, ""]]
    assert set(audit["proposal_id"]) == {saved.proposal_id} and set(audit["name"]) == {"A"}
    assert audit["time"].is_monotonic_decreasing
    # a change needs approving again
    changed = ws.save(dataclasses.replace(ws.open("A"), assignment={"c0": "Z2"}), actor=ALICE)
    assert (changed.review_status, changed.comment, changed.revision) == ("", "", 5)
    assert ws.open("A").review_status == ""
    history = ws.history("A")
    assert history[["action", "author", "comment", "owner"]].values.tolist() == [
        ["save", "alice", "", "alice"], ["comment", "rita", "备注", "alice"], ["approve", "rita", "同意", "alice"],
        ["comment", "rita", "片区2跨度偏大", "alice"], ["save", "alice", "", "alice"]]
    returned = ws.review("A", "return", comment="请补充说明", actor=RITA)
    assert returned.review_status == "returned" and ws.history("A")["action"].tolist()[:2] == ["return", "save"]
    assert ws.rename("A", "A2", actor=ALICE).review_status == "returned"  # a rename is no content change
    assert ws.restore("A2", 1, actor=ALICE).review_status == ""  # a restore is


def test_a_return_or_comment_needs_words(ws):
    ws.save(small("A"))
    before = snapshot(ws)
    for verdict in ("return", "comment"):
        with pytest.raises(ReviewCommentError, match=f"a '{verdict}' of proposal 'A' needs a comment") as caught:
            ws.review("A", verdict, comment="  ", actor=RITA)
        assert caught.value.code == "review_comment_empty"
        assert caught.value.params == {"name": "A", "verdict": verdict}
    with pytest.raises(ValueError, match="verdict must be one of"):
        ws.review("A", "reject", comment="no")
    assert snapshot(ws) == before
    assert ws.review("A", "approve").action == "approve"  # single-user mode: allowed, no words needed


# --- the audit log ----------------------------------------------------------------------------


def test_the_audit_log_has_every_revision_newest_first_and_exports(ws):
    a = ws.save(small("A"), actor=ALICE)
    b = ws.save(small("B"), actor=BOB)
    ws.rename(a.proposal_id, "甲", actor=ALICE)
    ws.delete(b.proposal_id, actor=BOB)
    ws.review("甲", "return", comment="缺少说明, 请补充", actor=RITA)
    audit = ws.audit()
    assert audit[["user", "action", "name", "revision"]].values.tolist() == [
        ["rita", "return", "甲", 3], ["bob", "delete", "B", 2], ["alice", "rename", "甲", 2], ["bob", "save", "B", 1],
        ["alice", "save", "A", 1]]
    assert audit.isna().sum().sum() == 0 and str(audit["revision"].dtype) == "Int64"
    assert len(revision_rows(ws)) == len(audit)  # deleted proposals included
    since = audit["time"].iloc[1]
    assert ws.audit(since=since)["action"].tolist() == ["return", "delete"]
    assert ws.audit(since="2999-01-01").empty and ws.audit(since="2999-01-01").columns.tolist() == AUDIT_COLUMNS
    data = csv_bytes(audit)
    back = pd.read_csv(__import__("io").BytesIO(data), encoding="utf-8-sig", keep_default_na=False)
    assert back.columns.tolist() == AUDIT_COLUMNS and "缺少说明, 请补充" in back["comment"].tolist()


def test_an_empty_workspace_has_an_empty_audit_log(ws):
    audit = ws.audit()
    assert audit.empty and audit.columns.tolist() == AUDIT_COLUMNS


# --- a GeoPackage written before owners and reviews -------------------------------------------


def test_an_old_workspace_without_the_new_columns_gets_owners_from_first_authors(tmp_path):
    ws = Workspace(tmp_path / "w.gpkg")
    first = ws.save(small("A", author="李工"))
    ws.save(dataclasses.replace(first, author="王工"))
    ws.save(small("B", author="赵工"))
    # drop the new columns, as a workspace of the version before would have them
    for layer in ("proposals", "proposal_revisions"):
        frame = pyogrio.read_dataframe(ws.path, layer=layer, read_geometry=False)
        frame = frame.drop(columns=["owner", "comment", "review_status"])
        pyogrio.write_dataframe(frame.astype({c: object for c in frame.columns if frame[c].dtype == "str"}),
                                ws.path, layer=layer, driver="GPKG")
    assert "owner" not in pyogrio.read_info(ws.path, layer="proposal_revisions")["fields"]
    assert ws.open("A").owner == "李工" and ws.open("A").author == "王工"
    assert ws.open("A", revision=1).owner == "李工"
    assert ws.list().set_index("name")["owner"].to_dict() == {"A": "李工", "B": "赵工"}
    assert ws.history("A")["owner"].tolist() == ["李工", "李工"]
    assert ws.audit()["comment"].tolist() == ["", "", ""]
    with pytest.raises(AccessError, match="owned by 李工"):
        ws.delete("A", actor=User("王工", "planner"))
    ws.delete("A", actor=User("李工", "planner"))
    assert ws.restore("A", 2, actor=User("李工", "planner")).owner == "李工"
    assert "owner" in pyogrio.read_info(ws.path, layer="proposal_revisions")["fields"]  # migrated by the change
