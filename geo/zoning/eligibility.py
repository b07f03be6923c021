"""Which communities the renovation programme covers: the one eligibility rule.

:func:`eligibility` decides, per community, whether it is in the programme and why (a reason code
of :data:`geo.policy.ELIGIBILITY_REASONS`, worded in zh and en). Everything else reads that
decision: the map's classes (:func:`eligibility_class`), the merge candidates of zoning
(:func:`merge_candidates`), the priority ranking (:func:`geo.planning.priority.priority_scores`)
and the plan's reserve (:func:`geo.planning.reserve.reserve_projects`, through the ranking's
``eligible`` column), so a map and a table can never disagree.

The programme (国办发〔2020〕23号; Changji 二(一)) covers communities built up to the end of
:data:`geo.policy.CUTOFF_YEAR`; those completed, started or in an earlier year's plan are not
applied for again (Changji 五(三)). The small ones among those not yet renovated (households up to
``ZoneRules.small_max_households``) are the merge candidates.

Example
-------
>>> import pandas as pd
>>> from geo.zoning.rules import ZoneRules
>>> frame = pd.DataFrame({"households": [120, 900, 80, 150, 60, 100],
...                       "build_year": [1988, 1990, 2008, 1995, None, 1990],
...                       "status": ["candidate", "planned", "candidate", "completed", None, "started"]})
>>> eligibility_class(frame, ZoneRules()).tolist()
['candidate', 'eligible', 'not_eligible', 'completed', 'unknown', 'started']
>>> merge_candidates(frame, ZoneRules()).tolist()
[True, False, False, False, False, True]
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from geo import policy
from geo.zoning.rules import ZoneRules

#: The map's classes, in the order a legend lists them (see :data:`geo.policy.ELIGIBILITY_CLASSES`).
ELIGIBILITY = policy.ELIGIBILITY_CLASSES


def build_year_scope(communities: pd.DataFrame, *, cutoff_year: int = policy.CUTOFF_YEAR) -> pd.Series:
    """Whether each community's build year is in the programme: the one rule on build years.

    ``in_scope``: built up to the end of ``cutoff_year``; ``too_new``: built after it;
    ``unknown_year``: no (numeric) build year.

    Example
    -------
    >>> build_year_scope(pd.DataFrame({"build_year": [1990, 2000, 2001, None]})).tolist()
    ['in_scope', 'in_scope', 'too_new', 'unknown_year']
    >>> build_year_scope(pd.DataFrame({"build_year": pd.array([1990, None], dtype="Int64")})).tolist()
    ['in_scope', 'unknown_year']
    """
    # as floats: a nullable Int64 column's NA would make the comparison ambiguous
    year = pd.to_numeric(communities["build_year"], errors="coerce").astype(float) if "build_year" in communities \
        else pd.Series(np.nan, index=communities.index)
    out = np.where(year.isna(), "unknown_year", np.where(year <= cutoff_year, "in_scope", "too_new"))
    return pd.Series(out, index=communities.index, dtype=object, name="build_year_scope")


def eligibility_reasons(communities: pd.DataFrame, *, cutoff_year: int = policy.CUTOFF_YEAR,
                        plan_year: int | None = None) -> pd.Series:
    """The reason code of :func:`eligibility` alone (a Series of strings on the index), without words.

    Example
    -------
    >>> eligibility_reasons(pd.DataFrame({"build_year": [1990, 1990], "status": ["started", None]})).tolist()
    ['started', 'eligible']
    """
    index = communities.index
    scope = build_year_scope(communities, cutoff_year=cutoff_year).to_numpy()
    status = (communities["status"].astype(object) if "status" in communities
              else pd.Series(None, index=index, dtype=object)).to_numpy()
    year = (pd.to_numeric(communities["plan_year"], errors="coerce").astype(float) if "plan_year" in communities
            else pd.Series(np.nan, index=index)).to_numpy()
    earlier = (status == "planned") & (plan_year is not None) & (year < (plan_year or 0))
    code = np.select(
        [scope == "too_new", scope == "unknown_year", status == "completed", status == "started", earlier],
        ["too_new", "unknown_year", "completed", "started", "planned_earlier"], "eligible").astype(object)
    return pd.Series(code, index=index, dtype=object, name="eligibility_reason")


def eligibility(communities: pd.DataFrame, *, cutoff_year: int = policy.CUTOFF_YEAR,
                plan_year: int | None = None) -> pd.DataFrame:
    """Whether each community is in the programme now, and why (index aligned): the one rule.

    Tested in the order of :data:`geo.policy.ELIGIBILITY_REASONS`, the first that applies wins:
    built after ``cutoff_year`` (``too_new``, :func:`build_year_scope`), no build year
    (``unknown_year``), status completed / started, status planned with a plan year before
    ``plan_year`` (``planned_earlier``; a planned community of ``plan_year`` or later, or without a
    year, or any planned one when no ``plan_year`` is given, stays eligible), else ``eligible``.

    Parameters
    ----------
    communities
        ``build_year``, ``status`` and ``plan_year`` where present.
    cutoff_year
        Communities built up to the end of this year are in the programme.
    plan_year
        The year being planned (None: no plan year, e.g. the map before a plan is made).

    Returns
    -------
    DataFrame
        ``eligible`` (bool), ``eligibility_reason`` (code), ``eligibility_reason_zh``,
        ``eligibility_reason_en``.

    Example
    -------
    >>> frame = pd.DataFrame({"build_year": [1990, 2008, None, 1990, 1990, 1990, 1990],
    ...     "status": ["candidate", "candidate", "candidate", "completed", "started", "planned", "planned"],
    ...     "plan_year": [None, None, None, 2020, 2023, 2023, 2025]})
    >>> eligibility(frame, plan_year=2025)["eligibility_reason"].tolist()
    ['eligible', 'too_new', 'unknown_year', 'completed', 'started', 'planned_earlier', 'eligible']
    """
    code = eligibility_reasons(communities, cutoff_year=cutoff_year, plan_year=plan_year).to_numpy()
    words = {c: (zh.format(cutoff=cutoff_year, plan_year=plan_year), en.format(cutoff=cutoff_year,
                                                                             plan_year=plan_year))
             for c, (zh, en) in policy.ELIGIBILITY_REASONS.items()}
    index = communities.index
    out = pd.DataFrame({"eligible": code == "eligible", "eligibility_reason": code}, index=index)
    out["eligibility_reason_zh"] = [words[c][0] for c in code]
    out["eligibility_reason_en"] = [words[c][1] for c in code]
    return out


def _small(communities: pd.DataFrame, rules: ZoneRules) -> pd.Series:
    hh = pd.to_numeric(communities["households"], errors="coerce")
    return hh.notna() & (hh <= rules.small_max_households)


def merge_candidates(communities: pd.DataFrame, rules: ZoneRules, *,
                     reasons: pd.Series | None = None) -> pd.Series:
    """Which communities are merge candidates under ``rules`` (a boolean Series on the index).

    Small (households known and at most ``small_max_households``); when ``eligible_only``, also
    not yet renovated by :func:`eligibility` (reason in :data:`geo.policy.NOT_YET_RENOVATED`:
    built up to ``cutoff_year``, year known, not completed). ``reasons``: the
    ``eligibility_reason`` column when already computed.

    Example
    -------
    >>> frame = pd.DataFrame({"households": [120, 900, 80], "build_year": [1988, 1990, 2008],
    ...                       "status": ["candidate", "candidate", "candidate"]})
    >>> merge_candidates(frame, ZoneRules()).tolist()
    [True, False, False]
    """
    small = _small(communities, rules)
    if not rules.eligible_only:
        return small.astype(bool)
    if reasons is None:
        reasons = eligibility_reasons(communities, cutoff_year=rules.cutoff_year)
    return (small & reasons.isin(policy.NOT_YET_RENOVATED)).astype(bool)


def eligibility_class(communities: pd.DataFrame, rules: ZoneRules | None = None, *,
                      plan_year: int | None = None) -> pd.Series:
    """The map's eligibility class of every community (strings aligned to the input index).

    The class of the :func:`eligibility` reason (:data:`geo.policy.CLASS_OF_REASON`): ``eligible``,
    ``planned`` (in an earlier year's plan), ``started``, ``completed``, ``not_eligible`` (built
    after the cut-off), ``unknown`` (no build year); an eligible merge candidate is ``candidate``.

    Parameters
    ----------
    communities
        The communities layer (``households``, ``build_year``, ``status``, ``plan_year`` where present).
    rules
        The cut-off year and the small-community limit (defaults of :class:`ZoneRules`).
    plan_year
        As for :func:`eligibility`.
    """
    rules = rules if rules is not None else ZoneRules()
    reason = eligibility_reasons(communities, cutoff_year=rules.cutoff_year, plan_year=plan_year)
    out = reason.map(policy.CLASS_OF_REASON).to_numpy(dtype=object)
    candidate = (reason == "eligible") & _small(communities, rules)
    out = np.where(candidate.to_numpy(bool), "candidate", out)
    return pd.Series(out, index=communities.index, dtype=object, name="eligibility")
