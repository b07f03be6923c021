"""Which communities the renovation programme covers, as classes a map can colour.

The national programme (国办发〔2020〕23号) covers communities built up to the end of 2000
(``ZoneRules.cutoff_year``); those not yet renovated are eligible, and the small ones among them
(households up to ``ZoneRules.small_max_households``) are the merge candidates of
:func:`geo.zoning.zones.merge_candidates`.

Example
-------
>>> import pandas as pd
>>> from geo.zoning.zones import ZoneRules
>>> frame = pd.DataFrame({"households": [120, 900, 80, 150, 60],
...                       "build_year": [1988, 1990, 2008, 1995, None],
...                       "status": ["candidate", "planned", "candidate", "completed", None]})
>>> eligibility_class(frame, ZoneRules()).tolist()
['candidate', 'eligible', 'not_eligible', 'completed', 'unknown']
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from geo.zoning.zones import ZoneRules, merge_candidates

#: The classes, in the order a legend lists them.
ELIGIBILITY = ("candidate", "eligible", "completed", "not_eligible", "unknown")


def build_year_scope(communities: pd.DataFrame, *, cutoff_year: int = 2000) -> pd.Series:
    """Whether each community's build year is in the programme: the one rule on build years.

    ``in_scope``: built up to the end of ``cutoff_year``; ``too_new``: built after it;
    ``unknown_year``: no (numeric) build year. Used by :func:`eligibility_class` (map classes)
    and :func:`geo.planning.priority.eligibility` (the priority queue).

    Example
    -------
    >>> build_year_scope(pd.DataFrame({"build_year": [1990, 2000, 2001, None]})).tolist()
    ['in_scope', 'in_scope', 'too_new', 'unknown_year']
    """
    year = pd.to_numeric(communities["build_year"], errors="coerce") if "build_year" in communities \
        else pd.Series(np.nan, index=communities.index)
    out = np.where(year.isna(), "unknown_year", np.where(year <= cutoff_year, "in_scope", "too_new"))
    return pd.Series(out, index=communities.index, dtype=object, name="build_year_scope")


def eligibility_class(communities: pd.DataFrame, rules: ZoneRules | None = None) -> pd.Series:
    """Eligibility class of every community (a Series of strings aligned to the input index).

    ``candidate``: a merge candidate under ``rules``; ``eligible``: built up to the cut-off year
    and not completed, but larger; ``completed``: status completed; ``not_eligible``: built after
    the cut-off; ``unknown``: no build year.

    Parameters
    ----------
    communities
        The communities layer (``households``, ``build_year``, ``status`` where present).
    rules
        The cut-off year and the small-community limit (defaults of :class:`ZoneRules`).
    """
    rules = rules or ZoneRules()
    index = communities.index
    status = communities["status"].astype(object) if "status" in communities else pd.Series(None, index=index)
    scope = build_year_scope(communities, cutoff_year=rules.cutoff_year).to_numpy()
    out = np.where(scope == "unknown_year", "unknown",
                   np.where(scope == "in_scope", "eligible", "not_eligible"))
    out = np.where((status == "completed").to_numpy(), "completed", out)
    candidate = merge_candidates(communities, rules.__class__(**{**rules.__dict__, "eligible_only": True}))
    out = np.where(candidate.to_numpy(bool), "candidate", out)
    return pd.Series(out, index=index, dtype=object, name="eligibility")
