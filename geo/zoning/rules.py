"""The rules of a consolidated zone, and the one may-merge rule every part of zoning asks.

:class:`ZoneRules` holds the limits (defaults and allowed ranges from :mod:`geo.policy`) and
refuses a value outside its range, or two values that contradict each other, with a coded
:class:`geo.errors.RuleError`: never replaced by a default. :class:`Overrides` holds a planner's
decisions. The may-merge rule, whether a set of communities may form one zone, is written once,
as methods of :class:`ZoneRules`:

* :meth:`ZoneRules.pairs_may_merge` -- two neighbours may share a zone: the pair is not cut by a
  barrier (arterial road, river, railway), nor by a street boundary while zones stay in one street;
* :meth:`ZoneRules.may_anchor` -- a community that is no candidate may anchor a zone (take its
  small neighbours in): larger than a small community, at most a zone;
* :meth:`ZoneRules.exceeds` -- the first upper limit a growing zone would break (households,
  members, anchors, span): what a search or a reason asks before adding a member;
* :meth:`ZoneRules.zone_breaks` -- every rule a finished zone breaks (the limits above, the
  minimum households, at least two members, connected through pairs that may merge, one street).

:mod:`geo.zoning.search` keeps array-level loops for speed, with the thresholds read from here
(:attr:`ZoneRules.span_limit_m` included).

Example
-------
>>> rules = ZoneRules()
>>> rules.zone_breaks(households=250, n_members=2, span_m=120.0)
['min_households']
>>> rules.exceeds(households=1800, n_members=11, span_m=90.0)
'max_members'
>>> rules.pairs_may_merge([None, "barrier", "street"]).tolist()
[True, False, False]
>>> ZoneRules(min_households=3000)
Traceback (most recent call last):
...
geo.errors.RuleError: min_households (3000) is above max_households (2000): lower the minimum or raise the maximum
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields

import numpy as np
import pandas as pd

from geo import policy
from geo.errors import RuleError

#: Most anchors (communities that are no merge candidate) in one zone: one larger neighbour takes
#: the small ones in (Changji 三(六); Yunnan 二(一), one property company for the scattered buildings).
MAX_ANCHORS = 1

#: Spans within this much of ``max_span_m`` (float rounding of two ways to measure one span) hold.
SPAN_TOLERANCE_M = 1e-6


@dataclass(frozen=True)
class ZoneRules:
    """The rules a zone must meet, and which communities are merge candidates.

    Attributes
    ----------
    gap_m
        Largest gap between two footprints for them to be neighbours (m).
    small_max_households
        Largest merge candidate (households).
    cutoff_year
        Communities built up to the end of this year are in the programme.
    eligible_only
        Merge candidates must also be in the programme and not yet renovated
        (:func:`geo.zoning.eligibility.merge_candidates`); False: any small community.
    min_households, max_households
        A zone's households, both bounds inclusive.
    max_members, max_span_m
        Most communities in a zone; largest distance between two members (m).
    same_street, allow_anchor
        Zones stay inside one street; a larger neighbour may anchor a zone.
    seed, exact_max_nodes
        The search's seed; groups of up to this many nodes are solved exactly.

    The defaults and their sources are in :mod:`geo.policy`.

    Raises
    ------
    RuleError
        A value outside its range (code ``rule_out_of_range``) or ``min_households`` above
        ``max_households`` (``rule_conflict``); params ``rule``, ``value``, ``min``, ``max``.
    """

    gap_m: float = policy.GAP_M
    small_max_households: int = policy.SMALL_MAX_HOUSEHOLDS
    cutoff_year: int = policy.CUTOFF_YEAR
    eligible_only: bool = True
    min_households: int = policy.MIN_HOUSEHOLDS
    max_households: int = policy.MAX_HOUSEHOLDS
    max_members: int = policy.MAX_MEMBERS
    max_span_m: float = policy.MAX_SPAN_M
    same_street: bool = True
    allow_anchor: bool = True
    seed: int = 0
    exact_max_nodes: int = 12

    def __post_init__(self) -> None:
        for f in fields(self):
            if f.name in policy.RULE_RANGES:
                policy.check_rule(f.name, getattr(self, f.name))
        if self.min_households > self.max_households:
            raise RuleError(f"min_households ({self.min_households}) is above max_households "
                            f"({self.max_households}): lower the minimum or raise the maximum",
                            code="rule_conflict",
                            params={"rule": "min_households", "value": self.min_households,
                                    "min": policy.RULE_RANGES["min_households"].low,
                                    "max": self.max_households, "other": "max_households"})

    @property
    def span_limit_m(self) -> float:
        """The span a zone may reach: ``max_span_m`` and the rounding tolerance."""
        return self.max_span_m + SPAN_TOLERANCE_M

    # --- the may-merge rule -----------------------------------------------------------------

    def pairs_may_merge(self, reasons: Iterable[str | None] | pd.Series) -> np.ndarray:
        """Whether each neighbour pair may share a zone, from its cut reason (a boolean array).

        A pair may merge when it is not cut (reason None / NaN), or cut only by a street boundary
        while zones may cross streets (``same_street`` off).

        Example
        -------
        >>> ZoneRules(same_street=False).pairs_may_merge(["street", "barrier", None]).tolist()
        [True, False, True]
        """
        reason = reasons.to_numpy(dtype=object) if isinstance(reasons, pd.Series) \
            else np.array(list(reasons), dtype=object)  # a plain array: cheap for one candidate's few pairs
        missing = np.asarray(pd.isna(reason), dtype=bool)
        street = np.where(missing, None, reason) == "street"  # pd.NA compared would be ambiguous
        return missing | (np.asarray(street, dtype=bool) & (not self.same_street))

    def may_anchor(self, households: np.ndarray, is_candidate: np.ndarray) -> np.ndarray:
        """Which communities may anchor a zone: no candidate, more households than a small
        community and at most a zone's maximum, when anchors are allowed (a boolean array).

        Example
        -------
        >>> ZoneRules().may_anchor(np.array([900, 200, 2500]), np.array([False, False, False])).tolist()
        [True, False, False]
        """
        hh = np.asarray(households, dtype=float)
        return (~np.asarray(is_candidate, dtype=bool)) & (hh > self.small_max_households) \
            & (hh <= self.max_households) & bool(self.allow_anchor)

    def exceeds(self, *, households: float, n_members: int, span_m: float | None = None,
                anchors: int | None = None) -> str | None:
        """The first upper limit a zone of these figures breaks, or None.

        Tested in order: ``max_households``, ``max_members``, ``anchors`` (when ``anchors`` is
        given), ``max_span`` (when ``span_m`` is given: a caller may test the cheap figures first).

        Example
        -------
        >>> ZoneRules().exceeds(households=2100, n_members=3, span_m=900.0)
        'max_households'
        >>> ZoneRules().exceeds(households=900, n_members=3, span_m=120.0, anchors=2)
        'anchors'
        """
        if households > self.max_households:
            return "max_households"
        if n_members > self.max_members:
            return "max_members"
        if anchors is not None and anchors > MAX_ANCHORS:
            return "anchors"
        if span_m is not None and span_m > self.span_limit_m:
            return "max_span"
        return None

    def zone_breaks(self, *, households: float, n_members: int, span_m: float, anchors: int = 0,
                    connected: bool = True, n_streets: int = 1) -> list[str]:
        """Every rule a zone of these figures breaks, in the order :data:`geo.zoning.score.RULE_TEXT`
        lists them (empty: these communities may form one zone).

        Parameters
        ----------
        households, n_members, span_m, anchors
            The zone's figures (span: largest distance between two members, m).
        connected
            Whether the members are connected through pairs that may merge
            (:meth:`pairs_may_merge`): no barrier between them.
        n_streets
            Streets the members lie in (known ones).

        Example
        -------
        >>> ZoneRules().zone_breaks(households=2400, n_members=1, span_m=620.0, connected=False, n_streets=2)
        ['max_households', 'too_few_members', 'max_span', 'disconnected', 'cross_street']
        """
        out = []
        if households < self.min_households:
            out.append("min_households")
        if households > self.max_households:
            out.append("max_households")
        if n_members > self.max_members:
            out.append("max_members")
        if n_members < 2:
            out.append("too_few_members")
        if span_m > self.span_limit_m:
            out.append("max_span")
        if not connected:
            out.append("disconnected")
        if self.same_street and n_streets > 1:
            out.append("cross_street")
        if anchors > MAX_ANCHORS:
            out.append("anchors")
        return out


@dataclass(frozen=True)
class Overrides:
    """A planner's decisions the engine keeps.

    Attributes
    ----------
    locked_together
        Groups of community ids that must end up in the same zone.
    forbidden_pairs
        Pairs of community ids that must not share a zone.
    fixed_zones
        zone id -> member ids: kept exactly as they are; their members are not re-zoned.
    """

    locked_together: tuple[frozenset[str], ...] = ()
    forbidden_pairs: tuple[tuple[str, str], ...] = ()
    fixed_zones: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
