"""Edit sessions of the page: where they are kept, the neighbour pairs of a dataset (cached), and a
proposal opened on data.

Both the zones panel, the proposals panel and the drafts (a reload) build sessions the same way;
this module is below all three, so none of them imports another to get one.
"""

from __future__ import annotations

import geopandas as gpd
import streamlit as st

from geo import (
    Dataset, DraftStore, EditSession, Proposal, Zoning, community_pairs, drafts_folder, open_workspace,
    server_config,
)
from ui.state import Data


def workspace():
    """The server's workspace (its location is the administrator's: ``$PLANNER_CONFIG`` or
    ``$PLANNER_WORKSPACE``; a visitor never chooses it): a GeoPackage or a PostGIS database."""
    return _workspace_at(server_config().workspace)


@st.cache_resource(show_spinner=False, max_entries=4)
def _workspace_at(location: str):
    """One handle per location for the whole server: a PostGIS workspace then sets up its tables
    once, not on every rerun (handles hold no connection; each call opens its own)."""
    return open_workspace(location)


def draft_store() -> DraftStore:
    """The drafts of unsaved work (next to a GeoPackage workspace)."""
    return DraftStore(drafts_folder(server_config()))


@st.cache_resource(show_spinner=False, max_entries=8)
def neighbour_pairs(_dataset: Dataset, key: str, gap_m: float, same_street: bool) -> gpd.GeoDataFrame:
    """Neighbour pairs of the dataset ``key`` (cached per merge distance and street rule)."""
    return community_pairs(_dataset.layers["communities"], gap_m=gap_m,
                           barriers=_dataset.layers.get("barriers"), respect_streets=same_street)


def session_of(proposal: Proposal, current: Data, *, keep_missing: bool = False) -> tuple[EditSession, int]:
    """An edit session of ``proposal`` on ``current`` (its rules, zones, locks, notes, reasons);
    with ``keep_missing`` the communities that are not in ``current`` are left out. Returns the
    session and how many were left out."""
    communities = current.dataset.layers["communities"]
    known = set(communities["community_id"].astype(str))
    assignment = {str(c): z for c, z in proposal.assignment.items() if str(c) in known or not keep_missing}
    dropped = len(proposal.assignment) - len(assignment)
    zones = set(assignment.values())
    rules = proposal.zone_rules()
    pairs = neighbour_pairs(current.dataset, current.key, rules.gap_m, rules.same_street)
    zoning = Zoning.from_assignment(assignment, locked=[z for z in proposal.locked_zones if z in zones],
                                    notes={z: n for z, n in proposal.zone_notes.items() if z in zones})
    reasons = {c: tuple(r) for c, r in (proposal.reasons or {}).items() if c in known} or None
    session = EditSession(communities, zoning, pairs=pairs, barriers=current.dataset.layers.get("barriers"),
                          rules=rules, overrides=proposal.zone_overrides(), reasons=reasons,
                          used_zone_ids=tuple(proposal.used_zone_ids or ()))
    return session, dropped
