"""Who is eligible, and in what order: a transparent priority score with its breakdown.

Policy: "under equal conditions, first the communities built earlier, whose residents want the
renovation most and take part most" (同等条件下优先安排年代较早、居民改造意愿强、参与积极性高的小区,
Changji 三(二)); Yunnan (三(一)) adds "serious lack of facilities" and "small funding gap"
(配套设施缺失严重、资金筹集缺口小). Duplicate applications must be ruled out (杜绝重复申报,
Changji 五(三)).

- :func:`eligibility`: eligible or not, with the reason code and its words (zh/en): the one rule of
  :func:`geo.zoning.eligibility.eligibility`, the same the map's classes and the plan read;
- :func:`factor_values`: the seven factors, each scaled to 0-1 (1 = earlier in the queue);
- :func:`priority_scores`: ``score = 100 * sum(w_i * f_i) / sum(w_i)``, one ``points_<factor>``
  column per factor summing to the score, a deterministic rank; :func:`explain_score` words it;
- :func:`duplicate_applications`: footprints overlapping a project of an earlier year.

Factors (:data:`FACTORS`) and how each is scaled:

``build_year``
    ``(newest_year - build_year) / (newest_year - oldest_year)`` clipped to 0-1 (1970 to the
    programme's cut-off :data:`geo.policy.CUTOFF_YEAR` by default: built 1970 or before = 1,
    in the cut-off year = 0).
``willingness``, ``participation``
    The shares as they are (0-1).
``infrastructure``
    From :func:`geo.pipelines.overlay.renovation_needs`: need full = 1, partial = 0.5, none = 0, averaged
    over the kinds the community has pipes of (``length_service_m > 0``), the underground kinds
    (water supply, drainage, gas, heating: 先地下) weighing ``underground_weight`` (2) against 1
    for power and telecom (often overhead). No pipe of any kind = no data.
``service_gaps``
    Share of the facility kinds in the service-gaps table the community is not served for.
``households``
    Log-scaled: ``log(1 + households) / log(1 + households_full)`` clipped to 0-1 (2000
    households = 1). A log scale, not a rank: a community's points do not change when other
    communities are added, and 100 more households matter more for a small compound than a large.
``funding_gap``
    ``1 - gap`` (the share of the cost still to be raised, :func:`geo.planning.costs.funding_gap`).

Missing data: a factor without data for a community (NaN willingness, no row in ``needs`` or
``gaps``, an input not given) earns **0 points** (never the average) and is named in the
``missing_factors`` column; only factors of non-zero weight are named.

Example
-------
>>> import pandas as pd
>>> homes = pd.DataFrame({"community_id": ["a", "b", "c"], "build_year": [1980, 1980, 2005],
...     "households": [100, 100, 50], "willingness": [0.9, 0.6, 0.9],
...     "participation": [0.5, 0.5, 0.5], "status": ["candidate"] * 3})
>>> s = priority_scores(homes)
>>> s[["community_id", "eligibility_reason", "rank"]].values.tolist()
[['a', 'eligible', 1], ['b', 'eligible', 2], ['c', 'too_new', <NA>]]
>>> round(float(s["score"].iloc[0]), 2), round(float(s.filter(like="points_").iloc[0].sum()), 2)
(68.67, 68.67)
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo import policy
from geo.errors import CRSError, RuleError, SchemaError
from geo.pipelines.overlay import NEEDS
from geo.zoning.adjacency import require_metric
from geo.zoning.eligibility import eligibility

FACTORS = ("build_year", "willingness", "participation", "infrastructure", "service_gaps",
           "households", "funding_gap")

FACTOR_LABELS: dict[str, tuple[str, str]] = {
    "build_year": ("建成年代", "build year"),
    "willingness": ("改造意愿", "willingness"),
    "participation": ("参与率", "participation"),
    "infrastructure": ("基础设施老化", "ageing infrastructure"),
    "service_gaps": ("配套设施缺失", "missing facilities"),
    "households": ("户数", "households"),
    "funding_gap": ("资金缺口小", "small funding gap"),
}

#: Eligibility reason codes, in the order they are tested (the first that applies is given), with
#: their words: those of the one rule (:data:`geo.policy.ELIGIBILITY_REASONS`).
ELIGIBILITY_REASONS = policy.ELIGIBILITY_REASONS

UNDERGROUND_KINDS = ("water_supply", "drainage", "gas", "heating")
_NEED_VALUE = {"none": 0.0, "partial": 0.5, "full": 1.0}
_PROJECT_STATUS = ("planned", "started", "completed")


@dataclass(frozen=True)
class PriorityWeights:
    """Weights of the factors (non-negative, not all zero) and the scales of three of them.

    Weights are relative: only their ratios matter. See the module docstring for the scales.

    Example
    -------
    >>> PriorityWeights(build_year=1).weights()["build_year"]
    1.0
    >>> PriorityWeights()
    Traceback (most recent call last):
    ...
    geo.errors.RuleError: priority weights are all zero; give at least one factor a positive weight (factors: build_year, willingness, participation, infrastructure, service_gaps, households, funding_gap)
    """

    build_year: float = 0.0
    willingness: float = 0.0
    participation: float = 0.0
    infrastructure: float = 0.0
    service_gaps: float = 0.0
    households: float = 0.0
    funding_gap: float = 0.0
    oldest_year: int = 1970
    newest_year: int = policy.CUTOFF_YEAR
    underground_weight: float = 2.0
    households_full: int = 2000

    def __post_init__(self) -> None:
        bad = {f: getattr(self, f) for f in FACTORS
               if not (isinstance(getattr(self, f), (int, float)) and math.isfinite(getattr(self, f))
                       and getattr(self, f) >= 0)}
        if bad:
            raise RuleError(f"priority weights must be finite numbers >= 0; got {bad}. Use 0 to leave "
                            "a factor out", code="weights_invalid",
                            params={"factors": sorted(bad), "values": [str(v) for v in bad.values()]})
        if sum(getattr(self, f) for f in FACTORS) <= 0:
            raise RuleError("priority weights are all zero; give at least one factor a positive weight "
                            "(factors: " + ", ".join(FACTORS) + ")", code="weights_all_zero",
                            params={"factors": list(FACTORS)})
        if self.oldest_year >= self.newest_year:
            raise RuleError(f"oldest_year ({self.oldest_year}) must be before newest_year "
                            f"({self.newest_year})", code="years_order",
                            params={"oldest": self.oldest_year, "newest": self.newest_year})
        if self.underground_weight <= 0 or self.households_full <= 0:
            raise RuleError("underground_weight and households_full must be positive; got "
                            f"{self.underground_weight} and {self.households_full}", code="priority_scale_not_positive",
                            params={"underground_weight": self.underground_weight,
                                    "households_full": self.households_full})

    def weights(self) -> dict[str, float]:
        """factor -> weight (floats), in :data:`FACTORS` order."""
        return {f: float(getattr(self, f)) for f in FACTORS}

    @classmethod
    def from_mapping(cls, values: Mapping[str, float]) -> PriorityWeights:
        """Weights from a mapping (e.g. a saved JSON); unknown keys are an error."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise RuleError(f"unknown priority weight(s) {unknown}; known: " + ", ".join(sorted(known)),
                            code="weights_unknown", params={"names": unknown, "known": sorted(known)})
        return cls(**dict(values))


#: Presets. ``policy`` (Changji 三(二)): exactly the three factors the text names, build year
#: first as listed and as the programme's focus (built up to the cut-off), willingness and participation
#: equal; everything else 0, because the text ranks only "under equal conditions" on these three
#: (the defects of 二(一) define who is in scope, not the order). ``yunnan`` (Yunnan 三(一)) adds
#: serious lack of facilities and small funding gap, and lists willingness first.
PRESETS: dict[str, PriorityWeights] = {
    "policy": PriorityWeights(build_year=0.4, willingness=0.3, participation=0.3),
    "yunnan": PriorityWeights(build_year=0.2, willingness=0.25, participation=0.15,
                              service_gaps=0.2, funding_gap=0.2),
}


def _as_weights(weights: PriorityWeights | Mapping[str, float] | str) -> PriorityWeights:
    if isinstance(weights, PriorityWeights):
        return weights
    if isinstance(weights, str):
        if weights not in PRESETS:
            raise RuleError(f"unknown priority preset '{weights}'; presets: " + ", ".join(PRESETS),
                            code="preset_unknown", params={"preset": str(weights), "presets": list(PRESETS)})
        return PRESETS[weights]
    return PriorityWeights.from_mapping(weights)


def _ids(communities: pd.DataFrame) -> pd.Series:
    if "community_id" not in communities.columns:
        raise SchemaError("communities have no 'community_id' column; load them with "
                          "geo.io.load.load_layer(path, 'communities')", code="columns_needed",
                          params={"kind": "communities", "missing": ["community_id"]})
    return communities["community_id"].astype(str)


def _column(frame: pd.DataFrame, name: str) -> pd.Series:
    if name in frame.columns:
        return pd.to_numeric(frame[name], errors="coerce").astype(float)
    return pd.Series(np.nan, index=frame.index)


# --- eligibility -----------------------------------------------------------------------------

# :func:`eligibility` is :func:`geo.zoning.eligibility.eligibility`, imported above: the priority
# queue, the map's classes and the plan's reserve read one rule.
__all__ = ["ELIGIBILITY_REASONS", "FACTORS", "FACTOR_LABELS", "PRESETS", "PriorityWeights", "duplicate_applications",
           "eligibility", "explain_score", "factor_values", "priority_scores"]


# --- factors -----------------------------------------------------------------------------------

def _infrastructure(ids: pd.Series, needs: pd.DataFrame, underground_weight: float) -> np.ndarray:
    missing = [c for c in ("community_id", "kind", "need") if c not in needs.columns]
    if missing:
        raise SchemaError(f"the needs table lacks {missing}; build it with "
                          "geo.pipelines.overlay.renovation_needs(pipeline_table(communities, pipelines))",
                          code="table_columns_missing", params={"missing": list(missing)})
    unknown = sorted(set(needs["need"].dropna().astype(str)) - set(NEEDS))
    if unknown:
        raise SchemaError(f"the needs table has unknown need values {unknown}; expected " + ", ".join(NEEDS),
                          code="needs_unknown", params={"values": unknown, "expected": list(NEEDS)})
    rows = needs
    if "length_service_m" in needs.columns:
        rows = needs[pd.to_numeric(needs["length_service_m"], errors="coerce").fillna(0) > 0]
    value = rows["need"].map(_NEED_VALUE).astype(float)
    weight = np.where(rows["kind"].isin(UNDERGROUND_KINDS), underground_weight, 1.0)
    frame = pd.DataFrame({"id": rows["community_id"].astype(str), "wv": value * weight, "w": weight})
    sums = frame.groupby("id")[["wv", "w"]].sum()
    return (sums["wv"] / sums["w"]).reindex(ids).to_numpy(float)


def _service_gaps(ids: pd.Series, gaps: pd.DataFrame) -> np.ndarray:
    missing = [c for c in ("community_id", "kind", "served") if c not in gaps.columns]
    if missing:
        raise SchemaError(f"the service-gaps table lacks {missing}; build it with "
                          "geo.access.facilities.service_gaps(communities, facilities)",
                          code="table_columns_missing", params={"missing": list(missing)})
    not_served = 1.0 - gaps["served"].astype(bool).astype(float)
    share = not_served.groupby(gaps["community_id"].astype(str)).mean()
    return share.reindex(ids).to_numpy(float)


def factor_values(communities: pd.DataFrame, *, needs: pd.DataFrame | None = None,
                  gaps: pd.DataFrame | None = None, funding_gap: pd.Series | None = None,
                  weights: PriorityWeights | Mapping[str, float] | str = "policy") -> pd.DataFrame:
    """Every factor scaled to 0-1 (1 = earlier in the queue), NaN where there is no data.

    ``weights`` supplies the scales (years, underground weight, households); see the module
    docstring for each factor.

    Example
    -------
    >>> homes = pd.DataFrame({"community_id": ["a", "b"], "build_year": [1985, 1960],
    ...                       "households": [2000, 0], "willingness": [0.8, None]})
    >>> f = factor_values(homes)
    >>> f[["build_year", "willingness", "households"]].values.tolist()
    [[0.5, 0.8, 1.0], [1.0, nan, 0.0]]
    """
    w = _as_weights(weights)
    ids = _ids(communities)
    year = _column(communities, "build_year")
    out = pd.DataFrame(index=communities.index)
    out["build_year"] = ((w.newest_year - year) / (w.newest_year - w.oldest_year)).clip(0, 1)
    out["willingness"] = _column(communities, "willingness").clip(0, 1)
    out["participation"] = _column(communities, "participation").clip(0, 1)
    out["infrastructure"] = (np.nan if needs is None
                             else _infrastructure(ids, needs, w.underground_weight))
    out["service_gaps"] = np.nan if gaps is None else _service_gaps(ids, gaps)
    hh = _column(communities, "households").clip(lower=0)
    out["households"] = (np.log1p(hh) / math.log1p(w.households_full)).clip(0, 1)
    if funding_gap is None:
        out["funding_gap"] = np.nan
    else:
        gap = pd.to_numeric(pd.Series(funding_gap), errors="coerce").astype(float)
        gap.index = gap.index.astype(str)
        bad = gap[(gap < -1e-9) | (gap > 1 + 1e-9)]
        if len(bad):
            raise SchemaError(f"funding_gap must be a share between 0 and 1; got {bad.iloc[0]} for "
                              f"'{bad.index[0]}'. Use geo.planning.costs.funding_gap to compute it",
                              code="funding_gap_invalid", params={"value": float(bad.iloc[0]), "community": str(bad.index[0])})
        out["funding_gap"] = 1.0 - gap.clip(0, 1).reindex(ids).to_numpy(float)
    return out[list(FACTORS)]


# --- scores ------------------------------------------------------------------------------------

def priority_scores(
    communities: pd.DataFrame,
    *,
    needs: pd.DataFrame | None = None,
    gaps: pd.DataFrame | None = None,
    funding_gap: pd.Series | None = None,
    weights: PriorityWeights | Mapping[str, float] | str = PRESETS["policy"],
    cutoff_year: int = policy.CUTOFF_YEAR,
    plan_year: int | None = None,
    duplicates: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Eligibility, score (0-100), rank and the per-factor points of every community.

    ``score = 100 * sum(w_i * f_i) / sum(w_i)`` over :data:`FACTORS`; ``points_<factor> =
    100 * w_i * f_i / sum(w)`` and the score is their sum. A factor without data earns 0 points
    and is named in ``missing_factors``. Eligible communities are ranked by score (highest first),
    then build year (oldest first), then ``community_id``: the order never depends on row order.

    Parameters
    ----------
    communities
        The communities layer (``community_id``, ``build_year``, ``households``, ``willingness``,
        ``participation``, ``status``, ``plan_year``).
    needs, gaps, funding_gap
        :func:`geo.pipelines.overlay.renovation_needs` long table, :func:`geo.access.facilities.service_gaps`
        long table, share of cost not covered by community_id (:func:`geo.planning.costs.funding_gap`).
    weights
        A :class:`PriorityWeights`, a mapping of weights, or a preset name (:data:`PRESETS`).
    cutoff_year, plan_year
        See :func:`eligibility`.
    duplicates
        :func:`duplicate_applications` flags: flagged communities keep their score and rank and
        get the earlier project ids in ``duplicate_of`` (";"-joined), for the planner to check.

    Returns
    -------
    DataFrame
        Indexed like ``communities``: ``community_id``, the :func:`eligibility` columns,
        ``score`` and ``rank`` (NaN / NA when not eligible), ``points_<factor>`` (NaN when not
        eligible), ``factor_<factor>`` (0-1 or NaN), ``missing_factors``, ``duplicate_of``.
    """
    w = _as_weights(weights)
    ids = _ids(communities)
    elig = eligibility(communities, cutoff_year=cutoff_year, plan_year=plan_year)
    factors = factor_values(communities, needs=needs, gaps=gaps, funding_gap=funding_gap, weights=w)
    weight = np.array([w.weights()[f] for f in FACTORS])
    values = factors.to_numpy(float)
    points = 100.0 * np.nan_to_num(values, nan=0.0) * weight / weight.sum()
    ok = elig["eligible"].to_numpy(bool)
    points[~ok] = np.nan
    out = pd.DataFrame({"community_id": ids}, index=communities.index).join(elig)
    out["score"] = np.sum(points, axis=1)
    year = _column(communities, "build_year").to_numpy()
    order = np.lexsort((ids.to_numpy(), np.nan_to_num(year, nan=np.inf), -np.nan_to_num(out["score"].to_numpy(),
                                                                                         nan=-np.inf)))
    order = order[ok[order]]
    rank = pd.array([pd.NA] * len(out), dtype="Int64")
    rank[order] = np.arange(1, len(order) + 1)
    out["rank"] = rank
    for j, f in enumerate(FACTORS):
        out[f"points_{f}"] = points[:, j]
    for j, f in enumerate(FACTORS):
        out[f"factor_{f}"] = values[:, j]
    absent = np.isnan(values) & (weight > 0)
    out["missing_factors"] = [";".join(f for f, a in zip(FACTORS, row) if a) for row in absent]
    out["duplicate_of"] = None
    if duplicates is not None and len(duplicates):
        flags = duplicates.groupby(duplicates["community_id"].astype(str))["earlier_id"].agg(
            lambda s: ";".join(sorted(set(s.astype(str)))))
        out["duplicate_of"] = ids.map(flags).astype(object).where(ids.isin(flags.index), None)
    return out


def explain_score(row: Mapping | pd.Series, lang: str = "en") -> str:
    """The breakdown of one row of :func:`priority_scores` in the planner's words.

    Example
    -------
    >>> homes = pd.DataFrame({"community_id": ["a"], "build_year": [1985], "households": [100],
    ...                       "willingness": [0.8], "participation": [None], "status": ["candidate"]})
    >>> row = priority_scores(homes).iloc[0]
    >>> explain_score(row)
    'score 44.0 (rank 1) = build year 20.0 + willingness 24.0; no data (counted 0): participation'
    >>> explain_score(row, "zh")
    '得分44.0（第1位）= 建成年代20.0 + 改造意愿24.0；缺少数据（计0分）：参与率'
    """
    zh = lang == "zh"
    if not bool(row["eligible"]):
        words = row.get("eligibility_reason_zh" if zh else "eligibility_reason_en", row["eligibility_reason"])
        return ("不参与排序：" if zh else "not ranked: ") + str(words)
    parts = [f"{FACTOR_LABELS[f][0 if zh else 1]}{'' if zh else ' '}{float(row[f'points_{f}']):.1f}"
             for f in FACTORS if float(row[f"points_{f}"]) > 0]
    head = (f"得分{float(row['score']):.1f}（第{row['rank']}位）= " if zh
            else f"score {float(row['score']):.1f} (rank {row['rank']}) = ")
    text = head + (" + ".join(parts) if parts else "0")
    missing = [m for m in str(row.get("missing_factors") or "").split(";") if m]
    if missing:
        names = [FACTOR_LABELS[m][0 if zh else 1] for m in missing]
        text += ("；缺少数据（计0分）：" + "、".join(names)) if zh else ("; no data (counted 0): " + ", ".join(names))
    dup = row.get("duplicate_of")
    if isinstance(dup, str) and dup:
        text += (f"；与以往项目{dup}重叠，请核查重复申报" if zh
                 else f"; overlaps earlier project {dup}: check for a duplicate application")
    return text


# --- duplicate applications ------------------------------------------------------------------

def _earlier_projects(communities: gpd.GeoDataFrame, earlier: gpd.GeoDataFrame | None) -> pd.DataFrame:
    """Every earlier project: position in the community layer (or -1), id, name, year, status, source."""
    status = (communities["status"].astype(object) if "status" in communities
              else pd.Series(None, index=communities.index, dtype=object))
    keep = status.isin(_PROJECT_STATUS).to_numpy()
    own = pd.DataFrame({
        "pos": np.flatnonzero(keep), "earlier_id": _ids(communities).to_numpy()[keep],
        "earlier_name": (communities["name"] if "name" in communities
                         else pd.Series(None, index=communities.index)).to_numpy()[keep],
        "earlier_year": _column(communities, "plan_year").to_numpy()[keep],
        "earlier_status": status.to_numpy()[keep], "earlier_source": "communities",
        "geometry": communities.geometry.to_numpy()[keep]})
    if earlier is None or not len(earlier):
        return own
    if earlier.crs is None:
        raise CRSError("the earlier-projects layer has no CRS: load it with geo.io.load.load_layer",
                       code="crs_needed", params={"kinds": ["earlier"]})
    if earlier.crs != communities.crs:
        earlier = earlier.to_crs(communities.crs)
    id_col = next((c for c in ("project_id", "community_id") if c in earlier.columns), None)
    year_col = next((c for c in ("plan_year", "year") if c in earlier.columns), None)
    other = pd.DataFrame({
        "pos": -1, "earlier_id": (earlier[id_col].astype(str) if id_col else earlier.index.astype(str)).to_numpy(),
        "earlier_name": (earlier["name"] if "name" in earlier else pd.Series(None, index=earlier.index)).to_numpy(),
        "earlier_year": _column(earlier, year_col).to_numpy() if year_col else np.nan,
        "earlier_status": (earlier["status"].astype(object) if "status" in earlier
                           else pd.Series("completed", index=earlier.index)).to_numpy(),
        "earlier_source": "earlier", "geometry": earlier.geometry.to_numpy()})
    return pd.concat([own, other], ignore_index=True)


def duplicate_applications(
    communities: gpd.GeoDataFrame,
    *,
    earlier: gpd.GeoDataFrame | None = None,
    min_overlap_share: float = 0.3,
    plan_year: int | None = None,
) -> pd.DataFrame:
    """Communities whose footprint overlaps a project of an earlier year (杜绝重复申报).

    Earlier projects: communities of the same layer with status planned / started / completed,
    and every feature of ``earlier`` (a layer of past projects: ``project_id`` or
    ``community_id``, optional ``name``, ``plan_year`` or ``year``, ``status``). A community's
    year is its own ``plan_year``, else ``plan_year``, else "now" (any dated project is earlier).
    A project is earlier when its year is before the community's; one without a year counts when
    it is started or completed (or comes from ``earlier`` without a status). A pair is flagged when
    the overlap is at least ``min_overlap_share`` of the community's own area. Nothing is dropped:
    pass the result to :func:`priority_scores` (``duplicates=``) to mark the communities.

    Returns
    -------
    DataFrame
        One row per (community, earlier project), in community order then overlap descending:
        ``community_id``, ``name``, ``earlier_id``, ``earlier_name``, ``earlier_year``,
        ``earlier_status``, ``earlier_source`` (communities / earlier), ``overlap_m2``,
        ``overlap_share``, ``reason_zh``, ``reason_en``.

    Raises
    ------
    CRSError
        A layer without a CRS or in degrees.

    Example
    -------
    >>> from shapely import box
    >>> homes = gpd.GeoDataFrame({"community_id": ["old", "new"], "status": ["completed", "candidate"],
    ...     "plan_year": [2019, None]}, geometry=[box(0, 0, 100, 100), box(60, 0, 160, 100)], crs=4538)
    >>> d = duplicate_applications(homes, plan_year=2025)
    >>> d[["community_id", "earlier_id", "overlap_share"]].values.tolist()
    [['new', 'old', 0.4]]
    """
    require_metric(communities, "communities")
    if not 0 < min_overlap_share <= 1:
        raise RuleError(f"min_overlap_share must be in (0, 1]; got {min_overlap_share}", code="share_out_of_range",
                        params={"option": "min_overlap_share", "value": min_overlap_share})
    ids = _ids(communities).to_numpy()
    projects = _earlier_projects(communities, earlier)
    geoms = np.asarray(communities.geometry.to_numpy(), dtype=object)
    geoms = np.where(shapely.is_valid(geoms), geoms, shapely.make_valid(geoms))
    pgeoms = np.asarray(projects["geometry"].to_numpy(), dtype=object)
    pgeoms = np.where(shapely.is_valid(pgeoms), pgeoms, shapely.make_valid(pgeoms))
    columns = ["community_id", "name", "earlier_id", "earlier_name", "earlier_year", "earlier_status",
               "earlier_source", "overlap_m2", "overlap_share", "reason_zh", "reason_en"]
    if not len(projects) or not len(ids):
        return pd.DataFrame(columns=columns)
    tree = shapely.STRtree(pgeoms)
    ci, pj = tree.query(geoms, predicate="intersects")
    own_year = _column(communities, "plan_year").to_numpy()
    ref = np.where(np.isnan(own_year), np.inf if plan_year is None else plan_year, own_year)[ci]
    pyear = projects["earlier_year"].to_numpy(float)[pj]
    pstatus = projects["earlier_status"].to_numpy(object)[pj]
    undated_done = np.isnan(pyear) & np.isin(pstatus, ("started", "completed"))
    keep = (projects["pos"].to_numpy()[pj] != ci) & ((pyear < ref) | undated_done)
    ci, pj = ci[keep], pj[keep]
    area = shapely.area(geoms)[ci]
    overlap = shapely.area(shapely.intersection(geoms[ci], pgeoms[pj]))
    share = np.divide(overlap, area, out=np.zeros(len(ci)), where=area > 0)
    keep = share >= min_overlap_share - 1e-12
    ci, pj, overlap, share = ci[keep], pj[keep], overlap[keep], share[keep]
    p = projects.iloc[pj].reset_index(drop=True)
    names = (communities["name"] if "name" in communities else pd.Series(None, index=communities.index))
    out = pd.DataFrame({"community_id": ids[ci], "name": names.to_numpy()[ci],
                        "earlier_id": p["earlier_id"].to_numpy(), "earlier_name": p["earlier_name"].to_numpy(),
                        "earlier_year": p["earlier_year"].to_numpy(float),
                        "earlier_status": p["earlier_status"].to_numpy(),
                        "earlier_source": p["earlier_source"].to_numpy(),
                        "overlap_m2": overlap.round(1), "overlap_share": share.round(4)})
    pct = (out["overlap_share"] * 100).round().astype(int)
    triples = list(zip(pct, out["earlier_year"], out["earlier_id"]))
    out["reason_zh"] = [f"占地{p}%与{'' if np.isnan(y) else f'{y:.0f}年'}项目{e}重叠" for p, y, e in triples]
    out["reason_en"] = [f"{p} % of its footprint overlaps project {e}{'' if np.isnan(y) else f' of {y:.0f}'}"
                        for p, y, e in triples]
    out = out.sort_values(["overlap_share"], ascending=False, kind="stable")
    out = out.iloc[np.argsort(ci[out.index.to_numpy()], kind="stable")].reset_index(drop=True)
    return out[columns]
