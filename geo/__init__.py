"""The analysis core of the planner: what the app, the notebooks and a planner's own script import.

``import geo`` gives the public API below; each name lives in one module of a sub-package, whose
folder says what it is about (the README draws who imports whom):

=================  ===========================================================================
``geo.errors``     the error hierarchy: every failure a user can cause has a code and params
``geo.policy``     the programme's rules: cut-off year, eligibility, zone limits, with sources
``geo.crs``        coordinate systems and the Chinese web datums (GCJ-02, BD-09)
``geo.io``         reading planners' files: layer model, readers, parsers, validation, loading
``geo.zoning``     neighbours, the zoning engine, rule checks, a planner's edits, zone members
``geo.pipelines``  pipelines per community and zone, networks, the pipelines analysis
``geo.access``     walking graph of roads, service gaps of facilities
``geo.planning``   items, costs, priority, reserve and annual plan, roadmap, public notice
``geo.reports``    zone exports, contiguous-area projects, tables, printable plan sheets
``geo.store``      the proposals workspace (revisions) and unsaved drafts
``geo.synthetic``  a deterministic synthetic city for demos, tests and benchmarks
``geo.cli``        ``python -m geo``
=================  ===========================================================================

Names load on first use (``geo.propose_zones`` imports :mod:`geo.zoning.zones` then), so
``import geo`` stays quick for the command line. Never imports streamlit or folium.

Example
-------
>>> import geo
>>> geo.ZoneRules is __import__("geo.zoning.zones", fromlist=["ZoneRules"]).ZoneRules
True
>>> "propose_zones" in geo.__all__ and "ZoneRules" in dir(geo)
True
"""

from __future__ import annotations

import importlib
from typing import Any

#: Public name -> the module that defines it (one place per concept).
_API: dict[str, str] = {
    # errors and policy
    "CUTOFF_YEAR": "geo.policy",
    "GeoError": "geo.errors", "InputFileError": "geo.errors", "LayerNotFoundError": "geo.errors",
    "CRSError": "geo.errors", "SchemaError": "geo.errors", "ValidationError": "geo.errors",
    "RuleError": "geo.errors",
    # coordinate systems
    "describe_crs": "geo.crs.systems", "to_wgs84": "geo.crs.datums",
    "wgs84_to_gcj02": "geo.crs.datums", "gcj02_to_wgs84": "geo.crs.datums",
    # reading files
    "LAYERS": "geo.io.schema", "layer_spec": "geo.io.schema", "match_columns": "geo.io.schema",
    "choice_label": "geo.io.schema", "CHOICE_LABELS": "geo.io.schema",
    "list_layers": "geo.io.readers", "read_layer": "geo.io.readers",
    "Dataset": "geo.io.load", "load_layer": "geo.io.load", "load_raw": "geo.io.load",
    "load_demo": "geo.io.load", "dataset_fingerprint": "geo.io.load", "DEMO_PATH": "geo.io.load",
    "add_datum_hints": "geo.io.load",
    "csv_bytes": "geo.io.tables",
    "describe_file": "geo.io.info", "time_limited": "geo.io.limits",
    "apply_kinds": "geo.io.validate", "kind_counts": "geo.io.validate", "parse_kinds": "geo.io.parse",
    "OTHER_KIND": "geo.io.schema",
    "AnalysisTimeLimitError": "geo.io.limits",
    # zoning
    "DEFAULT_GAP_M": "geo.zoning.adjacency", "community_pairs": "geo.zoning.adjacency",
    "candidate_pairs": "geo.zoning.adjacency",
    "ZoneRules": "geo.zoning.zones", "propose_zones": "geo.zoning.zones",
    "merge_candidates": "geo.zoning.zones", "not_candidate_reasons": "geo.zoning.zones", "reason_text": "geo.zoning.zones", "with_rules": "geo.zoning.zones",
    "ZoningScore": "geo.zoning.score", "score_zoning": "geo.zoning.score",
    "EditSession": "geo.zoning.editing", "EditError": "geo.zoning.editing", "Zoning": "geo.zoning.editing",
    "reason_words": "geo.zoning.editing",
    "eligibility_class": "geo.zoning.eligibility", "build_year_scope": "geo.zoning.eligibility",
    "encode_members": "geo.zoning.members", "parse_members": "geo.zoning.members",
    # pipelines and access
    "PipelineRules": "geo.pipelines.overlay", "pipeline_table": "geo.pipelines.overlay",
    "renovation_needs": "geo.pipelines.overlay", "work_list": "geo.pipelines.overlay",
    "lead_telecom": "geo.pipelines.overlay", "phase_works": "geo.pipelines.overlay",
    "write_work_lists": "geo.pipelines.overlay", "PIPE_STEPS": "geo.pipelines.analysis",
    "works_impact": "geo.pipelines.networks",
    "PipelineAnalysis": "geo.pipelines.analysis", "analyse_pipelines": "geo.pipelines.analysis",
    "build_networks": "geo.pipelines.networks", "network_findings": "geo.pipelines.networks",
    "DEFAULT_CIRCLES": "geo.access.facilities", "service_gaps": "geo.access.facilities",
    "zone_service": "geo.access.facilities", "gaps_wide": "geo.access.facilities",
    # planning
    "ITEMS": "geo.planning.items", "CATEGORY_LABELS": "geo.planning.items", "renovation_items": "geo.planning.items",
    "add_item": "geo.planning.items", "read_item_edits": "geo.planning.items",
    "DEFAULT_UNIT_COSTS": "geo.planning.costs", "FundingShares": "geo.planning.costs",
    "SOURCE_LABELS": "geo.planning.costs", "combine_unit_costs": "geo.planning.costs",
    "cost_by_unit": "geo.planning.costs", "cost_items": "geo.planning.costs", "funding_split": "geo.planning.costs",
    "read_unit_costs": "geo.planning.costs", "format_wan": "geo.planning.money",
    "YUAN_PER_WAN": "geo.planning.money", "wan_to_yuan": "geo.planning.money",
    "FACTORS": "geo.planning.priority", "FACTOR_LABELS": "geo.planning.priority", "PRESETS": "geo.planning.priority",
    "priority_scores": "geo.planning.priority", "explain_score": "geo.planning.priority",
    "notice_end_date": "geo.planning.notice",
    "PLAN_STEPS": "geo.planning.run", "PlanSettings": "geo.planning.run", "PlanningResult": "geo.planning.run",
    "plan_city": "geo.planning.run", "project_years": "geo.planning.run",
    # reports
    "write_geojson": "geo.reports.export", "FORMATS": "geo.reports.projects", "export_bundle": "geo.reports.projects",
    "plan_workbook": "geo.reports.plan_sheets", "write_plan_xlsx": "geo.reports.plan_sheets",
    "plan_table": "geo.reports.plan_sheets", "plan_xlsx_bytes": "geo.reports.plan_sheets",
    "write_plan_sheets": "geo.reports.plan_html",
    # store
    "Workspace": "geo.store.workspace", "Proposal": "geo.store.workspace", "ConflictError": "geo.store.workspace",
    "rules_to_dict": "geo.store.workspace",
    "open_workspace": "geo.store.backend", "workspace_label": "geo.store.backend",
    "PostgisWorkspace": "geo.store.postgis",
    "User": "geo.store.access", "AccessError": "geo.store.access", "ROLES": "geo.store.access", "may": "geo.store.access",
    "DraftStore": "geo.store.drafts", "new_draft_id": "geo.store.drafts", "valid_draft_id": "geo.store.drafts",
    # deployment: the server's configuration, sign-in
    "ServerConfig": "geo.store.deployment", "server_config": "geo.store.deployment",
    "authenticate": "geo.store.deployment", "user_from_header": "geo.store.deployment",
    "ConfigError": "geo.store.deployment", "drafts_folder": "geo.store.deployment",
    "prepare_folders": "geo.store.deployment", "is_database": "geo.store.backend",
    # synthetic city
    "make_city": "geo.synthetic.city", "write_city": "geo.synthetic.city",
    "DEFAULT_COMMUNITIES": "geo.synthetic.city", "DEFAULT_SEED": "geo.synthetic.city",
}

__all__ = sorted(_API)


def __getattr__(name: str) -> Any:
    """Load a public name from its module on first use (PEP 562)."""
    module = _API.get(name)
    if module is None:
        raise AttributeError(f"module 'geo' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_API))
