"""Money as planners write it: 万元 (10,000 yuan), the one home of the conversion and its text.

Every amount is held in yuan (``cost_yuan``, ``budget_yuan``); planning documents, tables and
forms speak 万元. This module is the one place that converts and formats:

- :func:`yuan_to_wan` / :func:`wan_to_yuan`: the numbers (a form typed in 万元 to yuan and back);
- :func:`format_wan`: yuan as text in 万元, ``"1,234.5"`` (grouped thousands, ``digits`` decimals,
  one by default), with the unit ``"1,234.5 万元"`` when ``unit=True``.

Example
-------
>>> format_wan(12_345_000), format_wan(12_345_000, digits=2, unit=True), wan_to_yuan(3.5)
('1,234.5', '1,234.50 万元', 35000.0)
"""

from __future__ import annotations

import math

#: Yuan in one 万元.
YUAN_PER_WAN = 1e4
#: The unit written after an amount in 万元.
WAN_UNIT = "万元"


def yuan_to_wan(yuan: float) -> float:
    """Yuan in 万元 (not rounded).

    Example
    -------
    >>> yuan_to_wan(3_300_000)
    330.0
    """
    return float(yuan) / YUAN_PER_WAN


def wan_to_yuan(wan: float | None) -> float | None:
    """An amount typed in 万元 as yuan; 0, None or NaN (an empty form field: no limit) gives None.

    Example
    -------
    >>> wan_to_yuan(30000), wan_to_yuan(0), wan_to_yuan(None)
    (300000000.0, None, None)
    """
    if wan is None or not wan or (isinstance(wan, float) and math.isnan(wan)):
        return None
    return float(wan) * YUAN_PER_WAN


def format_wan(yuan: float, *, digits: int = 1, unit: bool = False) -> str:
    """Yuan as text in 万元: thousands grouped with ``,``, ``digits`` decimals, ``万元`` when ``unit``.

    Parameters
    ----------
    yuan
        The amount in yuan.
    digits
        Decimals of 万元 kept (1: to 1,000 yuan; 2: to 100 yuan).
    unit
        Append `` 万元``.

    Example
    -------
    >>> format_wan(1_500_000), format_wan(-25_000, digits=2), format_wan(0, unit=True)
    ('150.0', '-2.50', '0.0 万元')
    """
    text = f"{yuan_to_wan(yuan):,.{int(digits)}f}"
    return f"{text} {WAN_UNIT}" if unit else text
