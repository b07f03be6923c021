"""Edit sessions: reasons for an opened proposal, stable zone ids, error codes."""

import json
import pickle

import pandas as pd
import pytest

from geo.zoning.adjacency import community_pairs
from geo.zoning.editing import EditError, EditSession, LockedZoneError, Zoning, next_zone_id, stable_zone_ids
from geo.io.load import load_demo
from geo.zoning.zones import Overrides, explain_zoning, propose_zones
from tests.test_editing import assert_matches_full_score, session_of, ticking_clock
from tests.test_zones import row


@pytest.fixture(scope="module")
def demo():
    """The demo city, its pairs and barriers, and the engine's proposal."""
    dataset = load_demo()
    communities, barriers = dataset.layers["communities"], dataset.layers.get("barriers")
    pairs = community_pairs(communities, barriers=barriers)
    result = propose_zones(communities, pairs=pairs, barriers=barriers)
    return communities, pairs, barriers, result


def opened(result, communities, pairs=None, barriers=None, **kwargs):
    """A session as a saved proposal opens it: the zoning and rules, no reasons."""
    return EditSession(communities, result.assignment(), pairs=pairs, barriers=barriers, rules=result.rules,
                       clock=ticking_clock(), **kwargs)


# --- reasons ---------------------------------------------------------------------------------


def test_summary_after_take_out_and_dissolve_without_reasons():
    homes = row([150, 150, 150, 150, 100], gaps=[0, 0, 0, 40])  # c4 is isolated
    result = propose_zones(homes)
    session = opened(result, homes)
    session.take_out(["c0"])
    summary = session.summary()
    assert summary["left_out_by_reason"] == {"isolated": 1, "taken_out": 1}
    session.dissolve(session.zone_of("c2"))
    assert session.summary()["left_out_by_reason"] == {"isolated": 1, "taken_out": 3}


def test_summary_of_a_session_never_proposed_counts_unknown_reasons():
    session = session_of(row([150, 150, 150]))  # empty first zoning: the engine never ran
    session.new_zone(["c0", "c1"])
    session.take_out(["c0"])
    assert session.summary()["left_out_by_reason"] == {"taken_out": 1, "unknown": 1}
    assert session.assignments.set_index("community_id").loc["c2", "reason_code"] is None


def test_explain_zoning_of_the_engines_proposal_is_its_own_table(demo):
    communities, pairs, barriers, result = demo
    table = explain_zoning(communities, result.assignment(), pairs=pairs, barriers=barriers,
                           rules=result.rules)
    pd.testing.assert_frame_equal(table, result.assignments)


def test_reasons_recomputed_for_an_opened_proposal_equal_the_engines(demo):
    communities, pairs, barriers, result = demo
    session = opened(result, communities, pairs, barriers)
    mine = session.assignments.set_index("community_id")
    engine = result.assignments.set_index("community_id")
    left = engine.index[engine["candidate"] & engine["zone_id"].isna()]
    assert len(left) > 10
    assert mine.loc[left, "reason_code"].tolist() == engine.loc[left, "reason_code"].tolist()
    assert mine.loc[left, "relaxation"].tolist() == engine.loc[left, "relaxation"].tolist()
    assert mine["reason_code"].notna().sum() == engine["reason_code"].notna().sum()
    assert session.summary()["left_out_by_reason"] == result.summary()["left_out_by_reason"]


def test_reasons_of_a_locked_zone_are_those_of_a_rerun_around_it():
    homes = row([150, 150, 150, 150, 150])
    fixed = Overrides(fixed_zones={"Z0009": ("c1", "c2")})
    result = propose_zones(homes, overrides=fixed)
    zoning = Zoning.from_assignment(result.assignment(), locked=["Z0009"])
    session = EditSession(homes, zoning, clock=ticking_clock())
    columns = ["community_id", "zone_id", "reason_code", "relaxation"]
    mine = session.assignments[columns]
    pd.testing.assert_frame_equal(mine, result.assignments[columns])
    assert mine.set_index("community_id").loc["c0", "reason_code"] == "group_too_small"


def test_engine_reasons_round_trip_through_json():
    homes = row([150, 150, 150, 150, 100], gaps=[0, 0, 0, 40])
    session = EditSession.from_result(propose_zones(homes), homes, clock=ticking_clock())
    session.take_out(["c0"])
    saved = json.loads(json.dumps(session.engine_reasons()))
    assert saved == {"c0": ["taken_out", None], "c4": ["isolated", "gap_m >= 41 would reach c3"]}
    again = EditSession(homes, session.zoning.assignment(), reasons=saved, clock=ticking_clock())
    pd.testing.assert_frame_equal(again.assignments, session.assignments)
    assert again.engine_reasons() == saved


def test_reasons_as_a_mapping_are_checked():
    homes = row([150, 150, 100])
    with pytest.raises(EditError, match="unknown reason codes") as info:
        EditSession(homes, {"c0": "Z0001", "c1": "Z0001"}, reasons={"c2": ("painted", None)})
    assert info.value.code == "unknown_reasons" and info.value.params == {"codes": ["painted"]}
    with pytest.raises(EditError, match="not in the layer") as info:
        EditSession(homes, {"c0": "Z0001", "c1": "Z0001"}, reasons={"zz": ["isolated", None]})
    assert info.value.code == "unknown_communities" and info.value.params == {"ids": ["zz"]}
    given = EditSession(homes, {"c0": "Z0001", "c1": "Z0001"}, reasons={"c2": "isolated"})
    assert given.engine_reasons() == {"c2": ["isolated", None]}  # what is given is kept as it is


# --- stable ids ------------------------------------------------------------------------------


def test_stable_zone_ids_keep_same_members_and_number_the_rest_after_the_largest_used():
    zones = {"Z0001": frozenset({"a", "b"}), "Z0002": frozenset({"c"}), "Z0003": frozenset({"d", "e"})}
    ids = stable_zone_ids(zones, previous={"P004": frozenset({"c"}), "Z0002": frozenset({"a"})},
                          used=["Z0002", "Z0007", "P004"], keep=["Z0003"])
    assert ids == {"Z0001": "Z0008", "Z0002": "P004", "Z0003": "Z0003"}


def test_rerun_around_a_locked_zone_keeps_the_ids_of_unchanged_zones(demo):
    communities, pairs, barriers, result = demo
    session = EditSession.from_result(result, communities, pairs=pairs, barriers=barriers,
                                      clock=ticking_clock())
    before = dict(session.zoning.zones)
    used_before = set(session.used_zone_ids)
    locked = sorted(before)[len(before) // 2]
    session.lock(locked)
    session.dissolve(sorted(before)[0])  # its members are zoned again: not the same zone any more
    previous = dict(session.zoning.zones)
    session.rerun()
    after = session.zoning.zones
    assert after[locked] == before[locked] and session.zoning.locked == {locked}
    by_members = {ms: z for z, ms in previous.items()}
    kept = [z for z, ms in after.items() if ms in by_members]
    assert len(kept) > len(after) // 2  # most zones come out the same
    assert all(by_members[after[z]] == z for z in kept)  # each with its own id
    new = set(after) - set(kept)
    assert new and not new & used_before  # the others: ids never used
    assert sorted(new) == [f"Z{k:04d}" for k in range(len(before) + 1, len(before) + 1 + len(new))]
    assert set(session.used_zone_ids) == used_before | new
    assert_matches_full_score(session, communities, pairs=pairs, barriers=barriers)
    assert session.zones["zone_id"].tolist() == sorted(after)  # the cached figures carry the new ids
    assert all(session.zone(z)["zone_id"] == z for z in new)


def test_undo_after_rerun_restores_the_ids():
    homes = row([150] * 8)
    session = EditSession.from_result(propose_zones(homes), homes, clock=ticking_clock())
    session.lock("Z0001")
    session.take_out(["c7"])
    before, used = session.zoning, session.used_zone_ids
    session.rerun()
    after = session.zoning
    assert set(after.zones) == {"Z0001", "Z0002", "Z0003", "Z0005"}
    assert session.undo() == before and session.used_zone_ids == used
    assert session.redo() == after and "Z0005" in session.used_zone_ids


def test_a_zone_id_is_not_given_again_after_its_zone_went():
    session = session_of(row([150] * 8), {"c0": "Z0001", "c1": "Z0001"})
    assert [session.new_zone(["c2"]), session.new_zone(["c3"]), session.new_zone(["c4", "c5"])] == \
        ["P001", "P002", "P003"]
    session.dissolve("P003")
    assert session.new_zone(["c4", "c5"]) == "P004"
    session.merge_zones(["P001", "P002"])  # P002 goes
    assert session.split_zone("P001", ["c3"]) == "P005"
    assert session.used_zone_ids == ("P001", "P002", "P003", "P004", "P005", "Z0001")


def test_split_zone_auto_skips_used_ids():
    session = session_of(row([150, 150, 150, 150, 150]), {c: "Z0001" for c in ["c0", "c1", "c2", "c3"]})
    session.new_zone(["c4"])
    session.dissolve("P001")
    assert session.split_zone_auto("Z0001") == ["Z0001", "P002"]


def test_used_zone_ids_continue_a_reopened_proposals_numbering():
    homes = row([150] * 6)
    session = session_of(homes, {"c0": "Z0001", "c1": "Z0001"}, used_zone_ids=["P007", "Z0010"])
    assert session.used_zone_ids == ("P007", "Z0001", "Z0010")
    assert session.new_zone(["c2", "c3"]) == "P008"
    session.rerun()
    assert set(session.zoning.zones) == {"Z0001", "P008", "Z0011"}  # made again: Z0001, P008; new: Z0011
    assert next_zone_id(Zoning({"Z0001": {"a"}}), used=session.used_zone_ids) == "P009"


def test_from_result_numbers_a_new_proposal_after_the_ids_used():
    homes = row([150] * 4)
    result = propose_zones(homes)
    assert set(EditSession.from_result(result, homes).zoning.zones) == {"Z0001", "Z0002"}
    session = EditSession.from_result(result, homes, used_zone_ids=("Z0001", "Z0002", "P001"))
    assert session.zoning.assignment() == {"c0": "Z0003", "c1": "Z0003", "c2": "Z0004", "c3": "Z0004"}
    assert session.new_zone(["c0"]) == "P002"
    assert_matches_full_score(session, homes)


def test_proposing_again_keeps_the_ids_and_notes_of_zones_with_the_same_members(demo):
    communities, pairs, barriers, result = demo
    first = EditSession.from_result(result, communities, pairs=pairs, barriers=barriers)
    some = sorted(first.zoning.zones)[:3]
    for zone_id in some:
        first.note(zone_id, f"note of {zone_id}")
    again = EditSession.from_result(result, communities, pairs=pairs, barriers=barriers,
                                    used_zone_ids=first.used_zone_ids, previous=first.zoning)
    assert again.zoning.zones == first.zoning.zones, "the same proposal again: every zone keeps its id"
    assert {z: again.zoning.notes.get(z) for z in some} == {z: f"note of {z}" for z in some}
    # other rules: unchanged zones keep their ids; changed ones get ids never used before
    tighter = propose_zones(communities, pairs=pairs, barriers=barriers, rules=result.rules.__class__(max_members=3))
    third = EditSession.from_result(tighter, communities, pairs=pairs, barriers=barriers,
                                    used_zone_ids=again.used_zone_ids, previous=again.zoning)
    same = {z for z, members in third.zoning.zones.items() if again.zoning.zones.get(z) == members}
    assert same, "some zones are the same under the tighter rule"
    new = set(third.zoning.zones) - same
    assert new and not new & set(again.used_zone_ids), "a changed zone never takes an id used before"
    by_members = {members: z for z, members in again.zoning.zones.items()}
    assert all(by_members.get(members, z) == z for z, members in third.zoning.zones.items())


def test_replay_gives_the_same_ids():
    homes = row([150] * 8)
    start = {c: z for c, z in propose_zones(homes).assignment().items()}
    session = session_of(homes, start)
    session.lock("Z0002")
    session.new_zone(["c0", "c7"])
    session.dissolve("P001")
    session.rerun()
    session.new_zone(["c0"])
    again = session_of(homes, start)
    assert again.replay(json.loads(json.dumps(session.log))) == session.zoning
    assert again.used_zone_ids == session.used_zone_ids


# --- error codes -----------------------------------------------------------------------------


def _locked_session():
    session = session_of(row([150, 150, 150, 150, 100]),
                         {"c0": "Z0001", "c1": "Z0001", "c2": "Z0002", "c3": "Z0002"})
    session.lock("Z0001")
    return session


@pytest.mark.parametrize(("edit", "code", "params"), [
    (lambda s: s.move(["c4"], "Z0001"), "zone_locked", {"zones": ["Z0001"]}),
    (lambda s: s.take_out(["c0", "c2"]), "zone_locked", {"zones": ["Z0001"]}),
    (lambda s: s.move([], "Z0002"), "no_selection", {}),
    (lambda s: s.new_zone(""), "no_selection", {}),
    (lambda s: s.move(["c4"], "Z0009"), "unknown_zone", {"zone_id": "Z0009"}),
    (lambda s: s.dissolve("Z0009"), "unknown_zone", {"zone_id": "Z0009"}),
    (lambda s: s.take_out(["zz", "c4", "aa"]), "unknown_communities", {"ids": ["aa", "zz"]}),
    (lambda s: s.zone_of("zz"), "unknown_communities", {"ids": ["zz"]}),
    (lambda s: s.split_zone("Z0002", ["c0"]), "not_in_zone", {"zone_id": "Z0002", "ids": ["c0"]}),
    (lambda s: s.split_zone("Z0002", ["c2", "c3"]), "split_empties_zone", {"zone_id": "Z0002"}),
    (lambda s: s.merge_zones(["Z0002"]), "too_few_zones", {"zone_ids": ["Z0002"]}),
    (lambda s: s.redo(), "nothing_to_redo", {}),
    (lambda s: s.apply({"op": "paint"}), "unknown_edit", {"op": "paint", "allowed": [
        "dissolve", "lock", "merge_zones", "move", "new_zone", "note", "rerun", "split_zone",
        "split_zone_auto", "take_out"]}),
    (lambda s: s.apply({"op": "move", "args": {"zone": "Z0002"}}), "bad_log_entry", None),
    (lambda s: s.apply({"op": "rerun", "args": {"rules": {"min_households": 9000}}}), "bad_log_entry", None),
    (lambda s: s.apply(["move"]), "bad_log_entry", None),
    (lambda s: s.select_in_polygon({"type": "Polygon"}), "bad_polygon", {}),
])
def test_every_refused_edit_has_a_code_and_params(edit, code, params):
    session = _locked_session()
    before = session.zoning
    with pytest.raises(EditError) as info:
        edit(session)
    error = info.value
    assert error.code == code and isinstance(error, ValueError)
    if params is not None:
        assert error.params == params
    assert json.loads(json.dumps(error.params)) == error.params
    assert "lock(" not in str(error) and "locked=False" not in str(error)
    assert session.zoning is before


def test_a_locked_zone_error_says_unlock_it_first_and_survives_pickling():
    session = _locked_session()
    with pytest.raises(LockedZoneError, match="zone Z0001 is locked: unlock it first, then edit it") as info:
        session.dissolve("Z0001")
    again = pickle.loads(pickle.dumps(info.value))
    assert type(again) is LockedZoneError and str(again) == str(info.value)
    assert again.code == "zone_locked" and again.params == {"zones": ["Z0001"]}


def test_undo_with_nothing_to_undo_has_a_code():
    with pytest.raises(EditError, match="no edit to undo") as info:
        session_of(row([150, 150])).undo()
    assert info.value.code == "nothing_to_undo"


def test_explain_zoning_refuses_unknown_communities():
    with pytest.raises(ValueError, match="not in the layer.*zz"):
        explain_zoning(row([150, 150]), {"zz": "Z0001"})
