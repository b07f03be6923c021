"""Every policy constant of the programme in one place, with the document and article it comes from.

The product serves the renovation of old urban residential communities (城镇老旧小区改造) under the
national guidance 国办发〔2020〕23号 and two local texts that implement it (``/work/shared/seeds``):
the Changji Prefecture implementation opinions of October 2021 (cited "Changji" with their article
numbers) and the Yunnan housing department's progress reply of May 2021 ("Yunnan"). A value that no
article fixes (the household limits of a zone, for one) is a project default, and says so.

Nothing else in the code spells these values: the zoning rules (:class:`geo.zoning.rules.ZoneRules`),
the eligibility rule (:mod:`geo.zoning.eligibility`), the priority ranking, the plan, the synthetic
city and the page read them from here.

* :data:`CUTOFF_YEAR` -- the programme's focus, communities built up to the end of 2000;
* :data:`ELIGIBILITY_REASONS` and :data:`ELIGIBILITY_CLASSES` -- why a community is (not) in the
  programme, and the classes a map colours;
* the zone defaults (:data:`SMALL_MAX_HOUSEHOLDS`, :data:`MIN_HOUSEHOLDS`, :data:`MAX_HOUSEHOLDS`,
  :data:`MAX_MEMBERS`, :data:`MAX_SPAN_M`, :data:`GAP_M`);
* :data:`RULE_RANGES` -- the allowed range of every zone rule value, and :func:`check_rule`, which
  refuses a value outside it with a coded :class:`geo.errors.RuleError` (never replacing it).

Example
-------
>>> CUTOFF_YEAR, in_programme(2000), in_programme(2001)
(2000, True, False)
>>> RULE_RANGES["max_households"].low
1
>>> check_rule("max_households", 0)
Traceback (most recent call last):
...
geo.errors.RuleError: max_households must be between 1 and 50000, got 0
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from geo.errors import RuleError

# --- who is in the programme -------------------------------------------------------------------

#: The programme's cut-off: communities built up to the end of this year are its focus.
#: 国办发〔2020〕23号 二(一) "重点改造2000年底前建成的老旧小区"; Changji 二(一) "重点改造2000年底以前
#: 建成的城镇老旧小区" (later ones "逐步实施改造" under the yearly national plan: a planner may move
#: the cut-off, :data:`RULE_RANGES` ``cutoff_year``); Changji 一(一) sets the five-year goal on the
#: same year.
CUTOFF_YEAR: int = 2000

#: Why a community is or is not in the priority queue, in the order they are tested (the first that
#: applies is given), with its words (zh, en; ``{cutoff}`` and ``{plan_year}`` are filled in).
#: ``too_new`` / ``unknown_year``: the cut-off above (a build year must be known to test it);
#: ``completed`` / ``started``: already renovated or being renovated, not applied for again
#: (杜绝重复申报改造计划, Changji 五(三)); ``planned_earlier``: in an earlier year's plan (the same
#: article); ``eligible``: in the queue.
ELIGIBILITY_REASONS: Mapping[str, tuple[str, str]] = MappingProxyType({
    "too_new": ("建成于{cutoff}年以后", "built after {cutoff}"),
    "unknown_year": ("建成年代不详", "build year unknown"),
    "completed": ("已完成改造", "renovation completed"),
    "started": ("正在改造", "renovation started"),
    "planned_earlier": ("已列入{plan_year}年以前的计划", "already planned before {plan_year}"),
    "eligible": ("符合改造条件", "eligible"),
})

#: The reasons of the communities still to be renovated (未完成改造): a small one among them is a
#: merge candidate (Changji 一(二)1, 三(六): small scattered old communities are merged into one
#: property-management area, whether or not their own works have begun).
NOT_YET_RENOVATED: frozenset[str] = frozenset({"eligible", "started", "planned_earlier"})

#: The classes a map colours, in the order a legend lists them, from the reason: ``candidate`` is an
#: ``eligible`` community that is also a merge candidate (small), ``eligible`` a larger one.
ELIGIBILITY_CLASSES: tuple[str, ...] = ("candidate", "eligible", "planned", "started", "completed",
                                        "not_eligible", "unknown")

#: Reason code -> map class (``eligible`` splits into ``candidate`` / ``eligible`` by size).
CLASS_OF_REASON: Mapping[str, str] = MappingProxyType({
    "eligible": "eligible",
    "planned_earlier": "planned",
    "started": "started",
    "completed": "completed",
    "too_new": "not_eligible",
    "unknown_year": "unknown",
})


def in_programme(build_year: float, *, cutoff_year: int = CUTOFF_YEAR) -> bool:
    """Whether a community built in ``build_year`` is in the programme (up to the end of the cut-off).

    Example
    -------
    >>> in_programme(1999), in_programme(2005, cutoff_year=2005), in_programme(float("nan"))
    (True, True, False)
    """
    return bool(build_year == build_year and build_year <= cutoff_year)


# --- consolidated property-management zones ----------------------------------------------------

#: Largest merge candidate (households): "small, scattered" communities (零星分散的小规模小区,
#: Changji 一(二)1, 三(六)) name no number; 300 households is the project's default.
SMALL_MAX_HOUSEHOLDS: int = 300

#: Smallest zone (households): about the smallest area a property company can run on old-community
#: fees (project default; no article fixes it).
MIN_HOUSEHOLDS: int = 300

#: Largest zone (households): a large compound's size (project default; no article fixes it).
MAX_HOUSEHOLDS: int = 2000

#: Most communities in one zone (project default). The Kaiyuan example (Yunnan 二(一)) merged 38
#: buildings of different owners into one area: buildings, not communities.
MAX_MEMBERS: int = 10

#: Largest distance between two members of a zone (m): a 10-minute walk, GB 50180-2018 (the
#: 10-minute circle is about 500 m), the distance residents share facilities over (Changji 三(六)).
MAX_SPAN_M: float = 500.0

#: Largest gap between two footprints for them to be neighbours (m): a lane or a wall between
#: compounds (Yunnan 二(一): walls removed, dead-end roads opened); project default.
GAP_M: float = 15.0


@dataclass(frozen=True)
class RuleRange:
    """The values a rule may take (both bounds inclusive; ``high`` None: no upper bound).

    Example
    -------
    >>> RuleRange("gap_m", 0.0, 1000.0, "m").contains(15.0), RuleRange("x", 1, None).contains(0)
    (True, False)
    """

    rule: str
    low: float
    high: float | None
    unit: str = ""

    def contains(self, value: float) -> bool:
        """Whether ``value`` is a finite number within the range."""
        if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
            return False
        return self.low <= value and (self.high is None or value <= self.high)


#: The allowed range of every numeric zone rule (:class:`geo.zoning.rules.ZoneRules`). The bounds
#: are what the engine can work with and a planner may mean, not policy figures: a zone merges at
#: least two communities; years from 1950 (the oldest urban housing stock recorded) to 2030; the
#: exact search enumerates subsets, so it is bounded.
RULE_RANGES: Mapping[str, RuleRange] = MappingProxyType({
    "gap_m": RuleRange("gap_m", 0.0, 1000.0, "m"),
    "small_max_households": RuleRange("small_max_households", 1, 50000),
    "cutoff_year": RuleRange("cutoff_year", 1950, 2030),
    "min_households": RuleRange("min_households", 1, 50000),
    "max_households": RuleRange("max_households", 1, 50000),
    "max_members": RuleRange("max_members", 2, 1000),
    "max_span_m": RuleRange("max_span_m", 1.0, 10000.0, "m"),
    "seed": RuleRange("seed", 0, 2**32 - 1),
    "exact_max_nodes": RuleRange("exact_max_nodes", 0, 24),
})


def check_rule(rule: str, value: float) -> float:
    """``value`` when it is within the allowed range of ``rule``, else a :class:`RuleError`.

    Raises
    ------
    RuleError
        Code ``rule_out_of_range``, params ``rule``, ``value``, ``min``, ``max``.

    Example
    -------
    >>> check_rule("gap_m", 15.0)
    15.0
    >>> try:
    ...     check_rule("gap_m", -1)
    ... except RuleError as error:
    ...     print(error.code, error.params)
    rule_out_of_range {'rule': 'gap_m', 'value': -1, 'min': 0.0, 'max': 1000.0}
    """
    allowed = RULE_RANGES[rule]
    if not allowed.contains(value):
        high = "no limit" if allowed.high is None else f"{allowed.high:g}"
        raise RuleError(f"{rule} must be between {allowed.low:g} and {high}{allowed.unit and ' ' + allowed.unit}, "
                        f"got {value!r}", code="rule_out_of_range",
                        params={"rule": rule, "value": _plain(value), "min": allowed.low, "max": allowed.high})
    return value


def _plain(value: object) -> object:
    """A JSON-able form of a rule value for an error's params (numbers as Python numbers, else text)."""
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return int(value)
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return float(value)
    return value if isinstance(value, str) else repr(value)
