"""From zones to plans in one call: what the CLI's ``plan`` command and the app's planning tab run.

The steps, each a function of its own module, in the order the policy reads:

1. service gaps per community (:mod:`geo.access.facilities`, along the roads when a roads layer is
   loaded) and per zone (a zone is served when any member is);
2. pipeline renovation needs per community (:mod:`geo.pipelines.overlay`), unless given;
3. renovation items in the three policy classes (:mod:`geo.planning.items`), the planner's item edits,
   their cost (:mod:`geo.planning.costs`, default unit costs or the planner's table) and the funding gap;
4. eligibility, the duplicate-application check and the priority score with its breakdown
   (:mod:`geo.planning.priority`);
5. the project reserve, every zone one project (:mod:`geo.planning.reserve`), its funding split,
   the year's plan under the planner's limits and the roadmap to the target year
   (:mod:`geo.planning.roadmap`).

Example
-------
>>> from geo.io.load import load_demo
>>> ds = load_demo()
>>> result = plan_city(ds.layers, settings=PlanSettings(plan_year=2027, budget_yuan=3e8))
>>> result.plan.totals["cost_yuan"] <= 3e8, len(result.reserve) > 0
(True, True)
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import geopandas as gpd
import pandas as pd

from geo import policy
from geo.planning import reserve as ap
from geo.planning import costs, items as it, roadmap as multiyear, priority
from geo.access import facilities
from geo.pipelines import overlay as pl
from geo.errors import SchemaError


def _next_year() -> int:
    return _dt.date.today().year + 1


@dataclass(frozen=True)
class PlanSettings:
    """Everything a plan depends on besides the data, with the defaults of the policy.

    Attributes
    ----------
    plan_year
        The year being planned (default: next year; the plan is submitted by 30 September).
    cutoff_year
        Communities built up to this year are in the programme (:data:`geo.policy.CUTOFF_YEAR`).
    weights
        A preset name of :data:`geo.planning.priority.PRESETS` ("policy", "yunnan") or weights by factor.
    circles
        Facility kind -> service radius in metres (default :data:`geo.access.facilities.DEFAULT_CIRCLES`).
    unit_costs
        The planner's unit-cost table (:func:`geo.planning.costs.read_unit_costs`), merged over the
        defaults; ``None``: the defaults.
    shares
        Funding shares of the seven sources.
    item_edits
        The planner's added and removed items (:func:`geo.planning.items.apply_edits`).
    budget_yuan, max_households, max_projects, max_communities
        The year's limits (upper bounds; at least one is needed for a plan, else the whole
        reserve is the plan).
    target_year, budget_per_year_yuan, households_per_year
        The roadmap: every eligible community covered from ``plan_year`` to ``target_year``; its
        first year is the year's plan, the later years spread the rest of the reserve.
    notice_start
        First day of the public notice of the plans (its end is 14 working days later).
    min_overlap_share
        The duplicate-application check's overlap (share of a footprint).
    """

    plan_year: int = field(default_factory=_next_year)
    cutoff_year: int = policy.CUTOFF_YEAR
    weights: str | Mapping[str, float] = "policy"
    circles: Mapping[str, float] | None = None
    unit_costs: pd.DataFrame | None = None
    shares: costs.FundingShares = field(default_factory=costs.FundingShares)
    item_edits: tuple[Mapping, ...] = ()
    budget_yuan: float | None = None
    max_households: int | None = None
    max_projects: int | None = None
    max_communities: int | None = None
    target_year: int | None = None
    budget_per_year_yuan: float | None = None
    households_per_year: float | None = None
    notice_start: _dt.date | None = None
    min_overlap_share: float = 0.3

    def limits(self) -> dict[str, float]:
        """The year's limits that are set, by :func:`geo.planning.reserve.annual_plan` argument."""
        given = {"budget_yuan": self.budget_yuan, "max_households": self.max_households,
                 "max_projects": self.max_projects, "max_communities": self.max_communities}
        return {k: v for k, v in given.items() if v is not None}


@dataclass
class PlanningResult:
    """Every table of a plan, each one also a stand-alone export."""

    settings: PlanSettings
    #: Service gaps per community and kind; None without a facilities layer.
    gaps: pd.DataFrame | None
    zone_gaps: pd.DataFrame | None
    needs: pd.DataFrame | None
    items: pd.DataFrame
    unit_costs: pd.DataFrame
    duplicates: pd.DataFrame
    scores: pd.DataFrame
    reserve: pd.DataFrame
    funding: pd.DataFrame
    plan: ap.PlanResult
    roadmap: pd.DataFrame | None
    roadmap_summary: pd.DataFrame | None
    roadmap_shortfall: dict | None
    #: Pipeline operators per project (``project_id``, kind, operator, lengths inside, within the
    #: service distance and aged), from the zone outlines and the stand-alone communities.
    operators: pd.DataFrame | None = None
    #: What the plan could not use or derive, as ``{"zh": ..., "en": ...}``.
    notes: list[dict] = field(default_factory=list)

    def funding_totals(self) -> pd.Series:
        """Yuan by funding source over the year's plan."""
        chosen = self.plan.chosen["project_id"].astype(str)
        part = self.funding.loc[self.funding.index.astype(str).isin(set(chosen))]
        return part.sum().astype("int64")


def _needs(layers: Mapping[str, gpd.GeoDataFrame]) -> pd.DataFrame | None:
    pipes = layers.get("pipelines")
    if pipes is None or not len(pipes):
        return None
    rules = pl.PipelineRules()
    return pl.renovation_needs(pl.pipeline_table(layers["communities"], pipes, rules=rules), rules=rules)


def _project_operators(layers: Mapping[str, gpd.GeoDataFrame], reserve: pd.DataFrame,
                       zones: gpd.GeoDataFrame | None) -> pd.DataFrame | None:
    """Operators and their lengths per project: a zone measured over its outline (a lane between
    two members counted once), a stand-alone community over its footprint."""
    pipes = layers.get("pipelines")
    if pipes is None or not len(pipes):
        return None
    communities = layers["communities"]
    parts = []
    kind = reserve["project_kind"].astype(str)
    if zones is not None and len(zones):
        mine = zones[zones["zone_id"].astype(str).isin(set(reserve.loc[kind == "zone", "project_id"].astype(str)))]
        if len(mine):
            table = pl.operator_table(mine.to_crs(communities.crs), pipes, id_column="zone_id")
            parts.append(table.rename(columns={"zone_id": "project_id"}))
    alone = set(reserve.loc[kind == "community", "project_id"].astype(str))
    mine = communities[communities["community_id"].astype(str).isin(alone)]
    if len(mine):
        parts.append(pl.operator_table(mine, pipes).rename(columns={"community_id": "project_id"}))
    return pd.concat(parts, ignore_index=True) if parts else None


def _community_gap(cost_units: pd.DataFrame, communities: pd.DataFrame, zone_of: Mapping[str, str],
                   shares: costs.FundingShares) -> pd.Series:
    """Funding gap per community: its zone's when it is in one (a zone is funded as one project)."""
    gap = costs.funding_gap(cost_units, shares)
    ids = communities["community_id"].astype(str)
    unit = ids.map(lambda c: zone_of.get(c, c))
    return pd.Series(unit.map(gap).to_numpy(dtype=float), index=ids.to_numpy())


def _roadmap(reserve: pd.DataFrame, plan: ap.PlanResult, settings: PlanSettings
             ) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """The roadmap from the plan year to the target year: its first year is the year's plan, the
    later years spread the rest of the reserve evenly under the yearly limits."""
    yearly = {"budget_per_year": settings.budget_per_year_yuan, "households_per_year": settings.households_per_year}
    start, target = settings.plan_year, settings.target_year
    if target <= start:
        road = multiyear.roadmap(reserve, start_year=start, target_year=target, **yearly)
        return road, multiyear.roadmap_summary(road), multiyear.roadmap_shortfall(
            reserve, start_year=start, target_year=target, **yearly)
    chosen = set(plan.chosen["project_id"].astype(str))
    first = plan.chosen[list(reserve.columns)].copy()
    first["plan_year"] = pd.array([start] * len(first), dtype="Int64")
    for column in ("reason_code", "reason_zh", "reason_en"):
        first[column] = pd.Series([None] * len(first), index=first.index, dtype=object)
    rest = reserve[~reserve["project_id"].astype(str).isin(chosen)]
    later = multiyear.roadmap(rest, start_year=start + 1, target_year=target, **yearly)
    road = pd.concat([first, later.drop(columns="roadmap_order")], ignore_index=True)
    road.insert(road.columns.get_loc("plan_year"), "roadmap_order", range(1, len(road) + 1))
    road.attrs["roadmap"] = {**later.attrs["roadmap"], "start_year": start}
    shortfall = multiyear.roadmap_shortfall(rest, start_year=start + 1, target_year=target, **yearly)
    return road, multiyear.roadmap_summary(road), shortfall


#: The steps of :func:`plan_city`, in order, as its ``progress`` names them.
PLAN_STEPS = ("service_gaps", "pipelines", "items", "priority", "plan")


def plan_city(
    layers: Mapping[str, gpd.GeoDataFrame],
    *,
    zone_of: Mapping[str, str] | None = None,
    settings: PlanSettings | None = None,
    needs: pd.DataFrame | None = None,
    gaps: pd.DataFrame | None = None,
    zones: gpd.GeoDataFrame | None = None,
    earlier: gpd.GeoDataFrame | None = None,
    progress: Callable[[str], None] | None = None,
) -> PlanningResult:
    """Service gaps, items, costs, priority, the reserve, the year's plan and the roadmap.

    Parameters
    ----------
    layers
        The canonical layers in one metric CRS (``communities`` required; ``pipelines``,
        ``facilities``, ``roads`` used when present), as :class:`geo.io.load.Dataset` holds them.
    zone_of
        community id -> zone id of the consolidated zones (a planner's edited zoning).
    settings
        See :class:`PlanSettings`.
    needs, gaps
        :func:`geo.pipelines.overlay.renovation_needs` and :func:`geo.access.facilities.service_gaps` tables
        already computed (the app caches them); computed here when not given.
    zones
        The zones' outlines (``zone_id``), for the pipeline operators of each zone project.
    earlier
        Footprints of earlier years' projects for the duplicate check (besides the communities'
        own ``status`` and ``plan_year``).
    progress
        Called with the name of each step as it starts.

    Returns
    -------
    PlanningResult

    Raises
    ------
    SchemaError
        When there is no communities layer.
    """
    settings = settings or PlanSettings()
    step = progress or (lambda name: None)
    if "communities" not in layers:
        raise SchemaError("a plan needs the communities layer; load it first (python -m geo info FILE)",
                          code="plan_needs_communities")
    communities = layers["communities"]
    zone_of = {str(c): str(z) for c, z in (zone_of or {}).items()}
    notes: list[dict] = []

    step("service_gaps")
    fac = layers.get("facilities")
    if gaps is None and (fac is None or not len(fac)):
        # unknown is not missing: no facility items and no service-gap points from a layer not given
        notes.append({"zh": "无配套设施图层：不计算设施服务缺口，不列设施类改造内容，设施缺口因素计0分",
                      "en": "no facilities layer: no service gaps, no facility items, the service-gap factor "
                            "counts 0"})
    elif gaps is None:
        roads = layers.get("roads")
        if roads is None or not len(roads):
            roads = None
            notes.append({"zh": "无道路图层：步行距离按直线计", "en": "no roads layer: walking distances are straight lines"})
        gaps = facilities.service_gaps(communities, fac, roads=roads, circles=settings.circles)
    zone_gaps = facilities.zone_service(gaps, zone_of) if zone_of and gaps is not None else None

    step("pipelines")
    if needs is None:
        needs = _needs(layers)
        if needs is None:
            notes.append({"zh": "无管线图层：不列管线改造内容，不计基础设施因素", "en": "no pipelines layer: no pipeline items and no infrastructure factor"})

    step("items")
    items = it.renovation_items(communities, needs=needs, gaps=gaps, zone_of=zone_of or None,
                                facilities=layers.get("facilities"), year=settings.plan_year)
    eligible = priority.eligibility(communities, cutoff_year=settings.cutoff_year, plan_year=settings.plan_year)
    eligible_ids = set(communities.loc[eligible["eligible"].to_numpy(bool), "community_id"].astype(str))
    keep = (items["unit_kind"] == "zone") | items["unit_id"].astype(str).isin(eligible_ids)
    items = items[keep.to_numpy()].reset_index(drop=True)  # completed or too new: nothing to renovate
    notes.extend(items.attrs.get("notes", []))
    if settings.item_edits:
        items = it.apply_edits(items, settings.item_edits)
    unit_costs = costs.DEFAULT_UNIT_COSTS if settings.unit_costs is None else \
        costs.combine_unit_costs(settings.unit_costs)
    items = costs.cost_items(items, unit_costs)
    by_unit = costs.cost_by_unit(items)

    step("priority")
    duplicates = priority.duplicate_applications(communities, earlier=earlier,
                                                 min_overlap_share=settings.min_overlap_share,
                                                 plan_year=settings.plan_year)
    scores = priority.priority_scores(
        communities, needs=needs, gaps=gaps,
        funding_gap=_community_gap(by_unit, communities, zone_of, settings.shares),
        weights=settings.weights, cutoff_year=settings.cutoff_year, plan_year=settings.plan_year,
        duplicates=duplicates)

    step("plan")
    reserve = ap.reserve_projects(communities, scores, by_unit, zone_of=zone_of or None)
    funding = costs.funding_split(reserve.set_index("project_id")["cost_yuan"], shares=settings.shares)
    limits = settings.limits()
    if not limits:  # no limit: the whole reserve is the plan (annual_plan needs one to choose)
        limits = {"max_projects": len(reserve)}
    plan = ap.annual_plan(reserve, year=settings.plan_year, **limits)
    road = summary = shortfall = None
    if settings.target_year is not None:
        road, summary, shortfall = _roadmap(reserve, plan, settings)
    return PlanningResult(settings, gaps, zone_gaps, needs, items, unit_costs, duplicates, scores, reserve,
                          funding, plan, road, summary, shortfall, _project_operators(layers, reserve, zones),
                          notes)


def project_years(roadmap: pd.DataFrame) -> pd.Series:
    """community id -> roadmap year (the year of its project), for maps.

    Example
    -------
    >>> road = pd.DataFrame({"members": [("a", "b"), ("c",)], "plan_year": pd.array([2027, None], "Int64")})
    >>> project_years(road).tolist()
    [2027, 2027, <NA>]
    """
    rows = dict((str(m), year) for members, year in zip(roadmap["members"], roadmap["plan_year"]) for m in members)
    return pd.Series(pd.array(list(rows.values()), dtype="Int64"), index=list(rows), dtype="Int64")

