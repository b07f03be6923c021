"""Parse the values planners type into spreadsheets: years, counts, shares, sizes, choices.

Each parser takes one column (a pandas Series of whatever the file held) and returns the parsed
Series plus a list of :class:`ValueNote`, one for every value it could not read (the value becomes
missing, the note says why) or read with a caveat ("1980年代" is taken as 1980 and said so). Nothing
is guessed silently: a value that is not clearly a number of the expected kind is reported.

Example
-------
>>> import pandas as pd
>>> values, notes = parse_column(pd.Series(["1987年", "1980年代", "87年"]), "year")
>>> values.tolist()
[1987, 1980, <NA>]
>>> [n.severity for n in notes]
['warning', 'error']
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

import numpy as np
import pandas as pd

from geo.errors import SchemaError
from geo.io.schema import OTHER_KIND, Column, ColumnType, normalize_value

Severity = Literal["warning", "error"]


@dataclass(frozen=True)
class ValueNote:
    """What happened to one value of one row.

    ``position`` is the 0-based position of the row in the Series given to the parser.
    ``severity`` is ``"error"`` when the value could not be read (it becomes missing) and
    ``"warning"`` when it was read with a caveat the planner should confirm.
    """

    position: int
    value: Any
    severity: Severity
    message: str
    #: What the note is about when it has a code of its own (``kind_unknown``); None for a value
    #: not read (``value_error``) or read with a caveat (``value_warning``).
    code: str | None = None


# Units that may follow a number; the value is in the unit the column stores unless scaled.
_UNITS: dict[str, tuple[str, ...]] = {
    "households": ("户", "hh", "households", "户数"),
    "buildings": ("栋", "幢", "座", "buildings", "栋楼"),
    "floors": ("层", "f", "floors"),
    "m2": ("m2", "m²", "㎡", "平方米", "平米", "sqm"),
    "mm": ("mm", "毫米"),
    "year": ("年",),
    "share": ("%",),
}
_NUMBER = r"[-+]?\d+(?:\.\d+)?"
_MISSING_WORDS = {"", "-", "--", "—", "/", "无数据", "不详", "未知", "n/a", "na", "nan", "null", "none"}


def _fold(value: Any) -> str:
    """Full-width to half-width, strip, lower; thousands separators removed."""
    text = unicodedata.normalize("NFKC", str(value)).strip().lower()
    return re.sub(r"(?<=\d),(?=\d{3}\b)", "", text)


def is_missing(value: Any) -> bool:
    """True for None, NaN, pandas NA and the words people type for 'no data'.

    Example
    -------
    >>> is_missing("不详"), is_missing(0)
    (True, False)
    """
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    if isinstance(value, str):
        return _fold(value) in _MISSING_WORDS
    return False


def parse_number(value: Any, *, unit: str | None = None) -> tuple[float | None, str | None]:
    """Read one number, allowing the column's unit after it and 万 (x10,000) before the unit.

    Returns ``(number, None)`` or ``(None, reason)``.

    Example
    -------
    >>> parse_number("312户", unit="households")
    (312.0, None)
    >>> parse_number("1.2万㎡", unit="m2")
    (12000.0, None)
    >>> parse_number("DN300", unit="mm")
    (300.0, None)
    >>> parse_number("约300", unit="households")[1]
    "'约300' is not a number of households"
    """
    if isinstance(value, bool):
        return None, f"'{value}' is a yes/no value, not a number"
    if isinstance(value, (int, float, np.integer, np.floating)):
        number = float(value)
        if not math.isfinite(number):
            return None, f"'{value}' is not a finite number"
        return number, None
    text = _fold(value)
    if unit == "mm":
        text = re.sub(r"^(dn|de|d|φ|ф|ø|⌀)\s*", "", text)
    units = "|".join(re.escape(u) for u in sorted(_UNITS.get(unit or "", ()), key=len, reverse=True))
    pattern = rf"^({_NUMBER})\s*(万)?\s*(?:{units})?$" if units else rf"^({_NUMBER})\s*(万)?$"
    match = re.match(pattern, text)
    if not match:
        return None, f"'{value}' is not a number" + (f" of {unit}" if unit else "")
    number = float(match.group(1)) * (10_000 if match.group(2) else 1)
    return number, None


def parse_year(value: Any) -> tuple[int | None, str | None, str | None]:
    """Read a year from '1987', '1987年', '1987-05', '1987年5月', a date, or a decade '1980年代'.

    Returns ``(year, warning, error)``: a decade gives its first year and a warning; two-digit
    years ('87年') and ranges ('1985-1990') are errors, never guessed.

    Example
    -------
    >>> parse_year("1987年5月")
    (1987, None, None)
    >>> parse_year("1980年代")[:2]
    (1980, "'1980年代' is a decade: taken as 1980, its first year")
    """
    if isinstance(value, (datetime, date, pd.Timestamp)):
        return value.year, None, None
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return int(value), None, None
    if isinstance(value, (float, np.floating)):
        if math.isfinite(value) and float(value).is_integer():
            return int(value), None, None
        return None, None, f"'{value}' is not a whole year"
    text = _fold(value)
    decade = re.match(r"^(\d{3})0\s*(?:年代|s|'s)$", text)
    if decade:
        year = int(decade.group(1)) * 10
        return year, f"'{value}' is a decade: taken as {year}, its first year", None
    span = re.match(r"^\d{4}\s*[-~～至到]\s*(\d{2}|\d{4})\s*年?$", text)
    if span and (len(span.group(1)) == 4 or int(span.group(1)) > 12 or not text[4] == "-"):
        return None, None, f"'{value}' is a range of years: give one year"
    match = re.match(r"^(\d{4})(?:\s*年)?(?:[-./年]\s*\d{1,2}(?:\s*月)?(?:[-./]\s*\d{1,2}\s*日?)?)?$", text)
    if match:
        return int(match.group(1)), None, None
    match = re.match(r"^(\d{4})\.0+$", text)
    if match:
        return int(match.group(1)), None, None
    if re.match(r"^\d{2}\s*年?$", text):
        return None, None, f"'{value}' has a two-digit year: write it in full (e.g. 19{text[:2]})"
    return None, None, f"'{value}' is not a year"


def parse_share(value: Any) -> tuple[float | None, str | None, str | None]:
    """Read a share of households: 0.85, '85%', '85％'; a bare 1 < x <= 100 is read as a percentage.

    Returns ``(share, warning, error)``.

    Example
    -------
    >>> parse_share("85%")
    (0.85, None, None)
    >>> parse_share(85)[:2]
    (0.85, "'85' read as 85 %")
    """
    text = _fold(value) if isinstance(value, str) else None
    if text is not None and text.endswith("%"):
        number, error = parse_number(text[:-1])
        if error:
            return None, None, f"'{value}' is not a percentage"
        return number / 100.0, None, None
    number, error = parse_number(value)
    if error:
        return None, None, f"'{value}' is not a share (use 0.85 or 85%)"
    if 1.0 < number <= 100.0:
        return number / 100.0, f"'{value}' read as {number:g} %", None
    return number, None, None


def parse_choice(value: Any, column: Column, *, kinds: Mapping[str, str] | None = None
                 ) -> tuple[str | None, str | None]:
    """Map a value onto one of ``column.choices`` via its value aliases; ``(choice, error)``.

    ``kinds``: a planner's table of values -> choices, checked by :func:`parse_kinds` (its keys
    folded), for the values none of the column's own words name (they are never overridden).

    Example
    -------
    >>> from geo.io.schema import LAYERS
    >>> kind = LAYERS["pipelines"].column("kind")
    >>> parse_choice("天然气", kind)
    ('gas', None)
    >>> parse_choice("中水", kind, kinds=parse_kinds({"中水": "排水"}, kind))
    ('drainage', None)
    """
    folded = normalize_value(value)
    for choice in column.choices:
        if folded == normalize_value(choice):
            return choice, None
    for alias, choice in column.value_aliases.items():
        if folded == normalize_value(alias):
            return choice, None
    if kinds and folded in kinds:
        return kinds[folded], None
    return None, f"'{value}' is not a known {column.name}; expected one of: {', '.join(column.choices)}"


def parse_kinds(table: Mapping[Any, Any] | None, column: Column) -> dict[str, str]:
    """Check a planner's kinds table (a file's value -> one of our kinds) for a choice ``column``.

    The keys are folded as values are (:func:`geo.io.schema.normalize_value`); a kind may be given
    by its code or by any word of it (``排水`` for ``drainage``), or as ``other``.

    Raises
    ------
    SchemaError
        ``kinds_kind_unknown`` when a value is given a kind that is not one of ``column.choices``
        (params ``source``: the value, ``value``: the kind given, ``allowed``).

    Example
    -------
    >>> from geo.io.schema import LAYERS
    >>> parse_kinds({" 中水 ": "drainage", "再生水": "给水"}, LAYERS["pipelines"].column("kind"))
    {'中水': 'drainage', '再生水': 'water_supply'}
    >>> parse_kinds({"中水": "water"}, LAYERS["facilities"].column("kind"))
    Traceback (most recent call last):
    ...
    geo.errors.SchemaError: the kinds table gives '中水' the kind 'water', which is not a kind; the kinds are: elderly_care, childcare, kindergarten, clinic, market, convenience_store, parcel_locker, ev_charging, fitness, property_office, community_service, post_station, school, other
    """
    out: dict[str, str] = {}
    for value, target in (table or {}).items():
        if is_missing(value):
            continue
        choice, _ = parse_choice(target, column) if not is_missing(target) else (None, None)
        if choice is None:
            raise SchemaError(
                f"the kinds table gives '{value}' the {column.name} '{target}', which is not a {column.name}; "
                f"the {column.name}s are: {', '.join(column.choices)}",
                code="kinds_kind_unknown",
                params={"source": str(value), "value": str(target), "allowed": list(column.choices)},
            )
        out[normalize_value(value)] = choice
    return out


def unknown_choice_words(value: Any, column: Column, rows: int) -> str:
    """The report's words for a value of ``column`` that is none of its choices, kept as ``other``.

    >>> from geo.io.schema import LAYERS
    >>> unknown_choice_words("中水", LAYERS["pipelines"].column("kind"), 12)
    "'中水' is not a known kind (12 rows): kept as other, the word in kind_original; give it one of ours in a kinds table (value,kind: --kinds FILE)"
    """
    plural = "row" if rows == 1 else "rows"
    return (f"'{value}' is not a known {column.name} ({rows} {plural}): kept as {OTHER_KIND}, the word in "
            f"{column.name}_original; give it one of ours in a kinds table (value,kind: --kinds FILE)")


_UNKNOWN_WORDS = re.compile(r"^'(?P<value>.*)' is not a known (?P<column>\w+) \(\d+ rows?\): kept as ")


def unknown_choice_value(message: str, column: Column) -> str | None:
    """The value an :func:`unknown_choice_words` message of ``column`` is about (None: another message).

    >>> from geo.io.schema import LAYERS
    >>> kind = LAYERS["pipelines"].column("kind")
    >>> unknown_choice_value(unknown_choice_words("中水", kind, 3), kind)
    '中水'
    """
    match = _UNKNOWN_WORDS.match(message)
    return match.group("value") if match and match.group("column") == column.name else None


def _as_text(value: Any) -> str:
    """Text of an id or label; whole floats lose their '.0' (ids read from Excel)."""
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    return unicodedata.normalize("NFC", str(value)).strip()


def _parse_one(value: Any, kind: ColumnType, column: Column | None, unit: str | None
               ) -> tuple[Any, str | None, str | None]:
    """(parsed, warning, error) of one value that is not missing."""
    warning = error = None
    if kind in ("id", "text"):
        return _as_text(value), None, None
    if kind == "choice":
        parsed, error = parse_choice(value, column)
    elif kind == "year":
        parsed, warning, error = parse_year(value)
    elif kind == "share":
        parsed, warning, error = parse_share(value)
    elif kind in ("int", "float"):
        parsed, error = parse_number(value, unit=unit)
        if parsed is not None and kind == "int":
            if float(parsed).is_integer():
                parsed = int(parsed)
            else:
                parsed, error = None, f"'{value}' is not a whole number"
    else:  # pragma: no cover - guarded by the ColumnType literal
        # builtin on purpose: a column type comes from geo.io.schema, never from a planner's input
        raise ValueError(f"unknown column type {kind!r}")
    return parsed, warning, error


def parse_column(
    series: pd.Series,
    kind: ColumnType,
    *,
    column: Column | None = None,
    kinds: Mapping[Any, Any] | None = None,
) -> tuple[pd.Series, list[ValueNote]]:
    """Parse a whole column into its canonical type; every unreadable value is noted.

    A choice column that keeps unknown values (a pipeline's or facility's ``kind``,
    :attr:`geo.io.schema.Column.keeps_unknown`) reads a value that is none of its choices as
    ``other``, with one ``kind_unknown`` note per distinct value (at its first row, with the number
    of rows); a trace column (``kind_original``) keeps the file's value where it is none of the
    words of its choice column, and is empty elsewhere.

    Parameters
    ----------
    series
        The raw values, any dtype.
    kind
        The column type (see :class:`geo.io.schema.Column`).
    column
        The column spec; needed for ``choice`` columns and for number units.
    kinds
        A planner's table of values -> choices for a choice column (:func:`parse_kinds`), looked up
        before the column's own words.

    Returns
    -------
    (pandas.Series, list of ValueNote)
        Values as ``Int64`` (int, year), ``float64`` (float, share) or ``object`` text (id, text,
        choice), aligned to ``series.index``; missing where unreadable.

    Example
    -------
    >>> from geo.io.schema import LAYERS
    >>> spec = LAYERS["pipelines"]
    >>> raw = pd.Series(["给水", "中水", "中水", "cold"])
    >>> values, notes = parse_column(raw, "choice", column=spec.column("kind"))
    >>> values.tolist(), [(n.position, n.code) for n in notes]
    (['water_supply', 'other', 'other', 'other'], [(1, 'kind_unknown'), (3, 'kind_unknown')])
    >>> parse_column(raw, "choice", column=spec.column("kind"), kinds={"中水": "drainage"})[0].tolist()
    ['water_supply', 'drainage', 'drainage', 'other']
    >>> parse_column(raw, "text", column=spec.column("kind_original"))[0].tolist()
    [None, '中水', '中水', 'cold']
    """
    if column is not None and column.original_of is not None:
        return _parse_trace(series, column), []
    notes: list[ValueNote] = []
    out: list[Any] = []
    unit = column.unit if column is not None else None
    if kind == "choice" and column is None:  # a caller's mistake in our code, not a planner's input: builtin
        raise ValueError("a choice column needs its Column spec")
    table = parse_kinds(kinds, column) if kind == "choice" and kinds else {}
    keep_unknown = kind == "choice" and column.keeps_unknown
    unknown: dict[str, list] = {}  # folded value -> [first position, value, rows]
    seen: dict[tuple[type, Any], tuple[Any, str | None, str | None]] = {}  # a value is parsed once
    for position, value in enumerate(series.tolist()):
        try:
            key = (type(value), value)
            known = seen.get(key)
        except TypeError:  # unhashable: parse it each time
            key, known = None, None
        if known is None:
            # "none" and 无 are words for missing data, except where they are a choice (无物业 -> none)
            missing = is_missing(value) and not (kind == "choice" and isinstance(value, str)
                                                 and parse_choice(value, column)[0] is not None)
            if not missing and table:
                choice = parse_choice(value, column, kinds=table)[0]
                known = (choice, None, None) if choice is not None else _parse_one(value, kind, column, unit)
            else:
                known = (None, None, None) if missing else _parse_one(value, kind, column, unit)
            if key is not None:
                seen[key] = known
        parsed, warning, error = known
        if error and keep_unknown:
            entry = unknown.setdefault(normalize_value(value), [position, value, 0])
            entry[2] += 1
            parsed = OTHER_KIND
        elif error:
            notes.append(ValueNote(position, value, "error", error))
            parsed = None
        elif warning:
            notes.append(ValueNote(position, value, "warning", warning))
        out.append(parsed)
    for position, value, rows in unknown.values():
        notes.append(ValueNote(position, value, "warning", unknown_choice_words(value, column, rows),
                               code="kind_unknown"))
    if kind in ("int", "year"):
        result = pd.Series(pd.array(out, dtype="Int64"), index=series.index, name=series.name)
    elif kind in ("float", "share"):
        result = pd.Series([np.nan if v is None else v for v in out], index=series.index,
                           name=series.name, dtype="float64")
    else:
        result = pd.Series(out, index=series.index, name=series.name, dtype=object)
    return result, notes


def _parse_trace(series: pd.Series, column: Column) -> pd.Series:
    """A trace column (``kind_original``): the file's text where it is none of the choice's words."""
    out: list[Any] = []
    seen: dict[Any, Any] = {}
    for value in series.tolist():
        try:
            if value in seen:
                out.append(seen[value])
                continue
        except TypeError:  # unhashable: read it each time
            pass
        if is_missing(value) or parse_choice(value, column.original_of)[0] is not None:
            text = None
        else:
            text = _as_text(value)
        try:
            seen[value] = text
        except TypeError:
            pass
        out.append(text)
    return pd.Series(out, index=series.index, name=series.name, dtype=object)


def apply_defaults(frame: pd.DataFrame, defaults: Mapping[str, Any]) -> pd.DataFrame:
    """Return a copy of ``frame`` with constant columns added (``kind=river`` for a river file)."""
    out = frame.copy()
    for name, value in defaults.items():
        out[name] = value
    return out
