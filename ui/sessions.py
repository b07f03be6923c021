"""Edit sessions of the page: where they are kept, the neighbour pairs of a dataset (cached), and a
proposal opened on data.

Both the zones panel, the proposals panel and the drafts (a reload) build sessions the same way;
this module is below all three, so none of them imports another to get one.
"""

from __future__ import annotations

import os
from pathlib import Path

import geopandas as gpd
import streamlit as st

from geo import Dataset, EditSession, Proposal, Zoning, community_pairs
from ui.state import Data

#: Environment variable naming the workspace file (set by whoever runs the server).
WORKSPACE_ENV = "PLANNER_WORKSPACE"


def default_workspace_path() -> Path:
    """The workspace file: ``$PLANNER_WORKSPACE``, else ``workspace/proposals.gpkg`` here."""
    return Path(os.environ.get(WORKSPACE_ENV) or Path.cwd() / "workspace" / "proposals.gpkg").expanduser()


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
