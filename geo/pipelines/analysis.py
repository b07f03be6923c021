"""The pipelines analysis of one dataset and zoning, wired once for the command line and the page.

:func:`analyse_pipelines` runs the steps of :mod:`geo.pipelines.overlay` and
:mod:`geo.pipelines.networks` in their order: each segment's condition, the pipes per community
and their renovation needs, the same per zone with the zones' operators, each segment's community
and zone, the operators' work lists and their summary, the networks and their findings.
``python -m geo pipelines`` writes the result; the pipelines tab shows it.

Example
-------
>>> import geopandas as gpd
>>> from shapely import LineString, box
>>> homes = gpd.GeoDataFrame({"community_id": ["a"]}, geometry=[box(0, 0, 50, 50)], crs=4538)
>>> pipes = gpd.GeoDataFrame({"pipeline_id": ["p1"], "kind": ["gas"], "operator": ["燃气公司"],
...     "material": ["钢"], "install_year": [1990], "diameter_mm": [100], "placement": ["buried"]},
...     geometry=[LineString([(10, 10), (40, 10)])], crs=4538)
>>> steps = []
>>> result = analyse_pipelines(homes, pipes, progress=steps.append)
>>> steps, result.zones is None, len(result.work)
(['condition', 'communities', 'work', 'networks'], True, 1)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import geopandas as gpd
import pandas as pd

from geo.pipelines import networks as nw
from geo.pipelines import overlay as pl

#: The steps of :func:`analyse_pipelines`, in order (``zones`` only when zones are given).
PIPE_STEPS: tuple[str, ...] = ("condition", "communities", "zones", "work", "networks")


@dataclass
class PipelineAnalysis:
    """Everything the command line writes and the page shows about the pipelines of one dataset and zoning.

    Attributes
    ----------
    rules
        The rules the analysis ran with.
    condition
        Per segment: age, aged, why (:func:`geo.pipelines.overlay.segment_condition`).
    communities
        Per community and kind, with needs (:func:`geo.pipelines.overlay.renovation_needs`).
    zones, zone_operators
        Per zone and kind with needs, and per zone and operator; None without zones.
    overlay
        The communities' overlay of segments (for more per-community tables without redoing it).
    work
        The operators' work list (:func:`geo.pipelines.overlay.work_list`).
    summary
        One row per operator (:func:`geo.pipelines.overlay.operator_summary`).
    networks, findings
        The networks by kind and their findings (:mod:`geo.pipelines.networks`).
    """

    rules: pl.PipelineRules
    condition: pd.DataFrame
    communities: pd.DataFrame
    zones: pd.DataFrame | None
    zone_operators: pd.DataFrame | None
    work: gpd.GeoDataFrame
    summary: pd.DataFrame
    networks: dict
    findings: gpd.GeoDataFrame
    overlay: pd.DataFrame | None = None


def analyse_pipelines(
    communities: gpd.GeoDataFrame,
    pipelines: gpd.GeoDataFrame,
    *,
    zones: gpd.GeoDataFrame | None = None,
    rules: pl.PipelineRules | None = None,
    snap_m: float = nw.DEFAULT_SNAP_M,
    near_miss_m: float = nw.DEFAULT_NEAR_MISS_M,
    sources: gpd.GeoDataFrame | None = None,
    progress: Callable[[str], None] | None = None,
) -> PipelineAnalysis:
    """Pipelines per community and zone, needs, work lists and network checks.

    Parameters
    ----------
    communities, pipelines
        The canonical layers, in one metric CRS.
    zones
        Zones with a ``zone_id`` (same CRS); None or empty: no per-zone tables.
    rules
        Ageing and need rules (:class:`geo.pipelines.overlay.PipelineRules`; its defaults when None).
    snap_m, near_miss_m
        Network building and checks (:func:`geo.pipelines.networks.network_findings`).
    sources
        Supply points for the networks (EPANET reservoirs and tanks).
    progress
        Called with the name of each step of :data:`PIPE_STEPS` as it starts.

    Returns
    -------
    PipelineAnalysis
    """
    step = progress or (lambda name: None)
    rules = rules if rules is not None else pl.PipelineRules()
    zones = zones if zones is not None and len(zones) else None
    step("condition")
    condition = pl.segment_condition(pipelines, rules=rules)
    step("communities")
    overlay = pl.overlay_pipelines(communities, pipelines, service_m=rules.service_m)
    per_community = pl.renovation_needs(pl.pipeline_table(communities, pipelines, rules=rules, overlay=overlay,
                                                          condition=condition), rules=rules)
    zone_table = zone_operators = None
    if zones is not None:
        step("zones")
        zone_overlay = pl.overlay_pipelines(zones, pipelines, service_m=rules.service_m)
        zone_table = pl.renovation_needs(pl.pipeline_table(zones, pipelines, id_column="zone_id", rules=rules,
                                                           overlay=zone_overlay, condition=condition), rules=rules)
        zone_operators = pl.operator_table(zones, pipelines, id_column="zone_id", rules=rules,
                                           overlay=zone_overlay, condition=condition)
    step("work")
    assignment = pl.assign_segments(pipelines, communities, zones=zones, overlay=overlay,
                                    service_m=rules.service_m)
    work = pl.work_list(pipelines, communities, zones=zones, rules=rules, condition=condition,
                        assignment=assignment)
    summary = pl.operator_summary(work, pipelines, condition)
    step("networks")
    networks = nw.build_networks(pipelines, snap_m=snap_m, sources=sources)
    findings = nw.network_findings(pipelines, networks=networks, communities=communities, snap_m=snap_m,
                                   near_miss_m=near_miss_m)
    return PipelineAnalysis(rules, condition, per_community, zone_table, zone_operators, work, summary,
                            networks, findings, overlay)
