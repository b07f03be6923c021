"""Options shared by the commands of ``python -m geo``, and what the command line does with errors.

One home for: the input options of a file (``--layer``, ``--crs``, ``--map``...), ``NAME=VALUE``
options, number options, rule values passed through untouched, the zones file of ``--zones``,
the CSV a command writes, and the exit codes every command ends with (:data:`EXIT_CODES`).

Exit codes
----------
0 ok; 1 the data or a rule (a :class:`geo.errors.GeoError`: one line on stderr); 2 usage
(argparse's own errors, a malformed option, options that do not fit together); 3 a bug (one line
with a reference; the traceback is written with that reference to a log file, or to stderr with
``--debug``).

Example
-------
>>> parse_pairs(["households=户数", " name = 小区名称 "], "--map")
{'households': '户数', 'name': '小区名称'}
>>> parse_pairs(["households"], "--map")
Traceback (most recent call last):
...
geo.cli.options.UsageError: --map takes NAME=VALUE (e.g. --map households=户数), got 'households'
>>> number("1,000"), whole_number("2026")
(1000.0, 2026)
"""

from __future__ import annotations

import argparse
import math
import re
import tempfile
import traceback
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

from geo.crs.datums import DATUMS
from geo.errors import GeoError, InputFileError, RuleError
from geo.io.schema import LAYERS

#: The exit codes of every command, documented once (the ``--help`` epilog prints this).
EXIT_CODES: Mapping[int, str] = {
    0: "ok",
    1: "the data or a rule value is wrong (one line on stderr says what and how to fix it)",
    2: "usage: an unknown or malformed option, or options that do not fit together",
    3: "a bug: one line with a reference; the traceback is in the log file it names "
       "(or on stderr with --debug)",
}

EXIT_OK, EXIT_DATA, EXIT_USAGE, EXIT_BUG = 0, 1, 2, 3


class UsageError(GeoError, ValueError):
    """A command's options are malformed or do not fit together (exit code 2).

    Raised by the command line only, where argparse cannot see the problem itself (a
    ``NAME=VALUE`` option without ``=``, an unknown factor, two options that exclude each other).
    """


def exit_codes_epilog() -> str:
    """The ``--help`` epilog: one line per exit code.

    >>> exit_codes_epilog().splitlines()[1]
    '  0  ok'
    """
    return "exit codes:\n" + "\n".join(f"  {code}  {words}" for code, words in EXIT_CODES.items())


# --- values of options -------------------------------------------------------------------------


def number(text: str) -> float:
    """An argparse ``type``: a finite number, thousands separators allowed (``1,000``).

    Raises
    ------
    argparse.ArgumentTypeError
        Not a number (argparse then ends with exit code 2).

    >>> number("2.5"), number("-1")
    (2.5, -1.0)
    """
    try:
        value = float(str(text).replace(",", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"takes a number, got '{text}'") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"takes a finite number, got '{text}'")
    return value


def whole_number(text: str) -> int:
    """An argparse ``type``: a whole number (``2026``, ``1,000``, ``-3``).

    >>> whole_number("1,000")
    1000
    """
    value = number(text)
    if not value.is_integer():
        raise argparse.ArgumentTypeError(f"takes a whole number, got '{text}'")
    return int(value)


def positive_whole_number(text: str) -> int:
    """An argparse ``type``: a whole number of 1 or more (a count: ``1100``, ``50,000``).

    >>> positive_whole_number("50,000")
    50000
    >>> positive_whole_number("0")
    Traceback (most recent call last):
    ...
    argparse.ArgumentTypeError: takes a whole number of 1 or more, got '0'
    """
    value = whole_number(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"takes a whole number of 1 or more, got '{text}'")
    return value


def parse_pairs(values: Sequence[str] | None, flag: str, example: str = "households=户数") -> dict[str, str]:
    """``NAME=VALUE`` options (``--map households=户数``, repeatable) as a dict, stripped.

    Raises
    ------
    UsageError
        An item without ``=``; the message shows ``example``.
    """
    out: dict[str, str] = {}
    for item in values or []:
        if "=" not in item:
            raise UsageError(f"{flag} takes NAME=VALUE (e.g. {flag} {example}), got '{item}'",
                             code="option_not_a_pair", params={"option": flag, "value": item,
                                                               "example": f"{flag} {example}"})
        name, value = item.split("=", 1)
        out[name.strip()] = value.strip()
    return out


def known_names(given: Mapping[str, object], known: Sequence[str], flag: str, what: str) -> None:
    """Refuse the names of ``given`` that are not in ``known`` (``--weight speed=1``).

    Raises
    ------
    UsageError
        Code ``option_unknown_name``: the names refused and the ones allowed.

    >>> known_names({"gas": 1}, ["gas", "water"], "--x", "kind")
    >>> known_names({"oil": 1}, ["gas", "water"], "--x", "kind")
    Traceback (most recent call last):
    ...
    geo.cli.options.UsageError: --x: unknown kind oil; kinds: gas, water
    """
    unknown = sorted(set(given) - set(known))
    if unknown:
        raise UsageError(f"{flag}: unknown {what} {', '.join(unknown)}; {what}s: {', '.join(known)}",
                         code="option_unknown_name",
                         params={"option": flag, "names": unknown, "allowed": list(known)})


def at_least(value: float | None, flag: str, low: float = 0) -> float | None:
    """``value`` of a command option when it is ``low`` or more (None passes: not given).

    For the options no rule object checks itself (budgets, limits and weights of ``plan``).

    Raises
    ------
    RuleError
        Code ``option_out_of_range``: the option, the value and the allowed range.

    >>> at_least(3, "--max-projects"), at_least(None, "--max-projects")
    (3, None)
    >>> at_least(-1, "--budget-wan")
    Traceback (most recent call last):
    ...
    geo.errors.RuleError: --budget-wan must be 0 or more, got -1
    """
    if value is not None and not value >= low:
        raise RuleError(f"{flag} must be {low:g} or more, got {value:g}", code="option_out_of_range",
                        params={"option": flag, "value": value, "min": low})
    return value


def rule_values(args: argparse.Namespace, names: Sequence[str]) -> dict:
    """The rule values a command was given (``0`` is a value; only an absent option is left out).

    >>> rule_values(argparse.Namespace(max_households=0, gap_m=None), ["max_households", "gap_m"])
    {'max_households': 0}
    """
    return {name: getattr(args, name) for name in names if getattr(args, name, None) is not None}


def option_flag(rule: str, flags: Mapping[str, str] | None = None) -> str:
    """The option of a rule: ``max_households`` -> ``--max-households``, unless ``flags`` names another.

    >>> option_flag("max_households"), option_flag("reference_year", {"reference_year": "--year"})
    ('--max-households', '--year')
    """
    return (flags or {}).get(rule) or "--" + rule.replace("_", "-")


@contextmanager
def rules_as_options(rules: Sequence[str], flags: Mapping[str, str] | None = None) -> Iterator[None]:
    """Re-raise a :class:`RuleError` about one of ``rules`` naming the command's options instead.

    A rule object (``ZoneRules``, ``PipelineRules``) refuses a value with the rule's name
    (``max_households must be between 1 and 50000, got 0``); the command line says it with the
    option the user typed (``--max-households must be ...``, see :func:`option_flag`). Code and
    params are kept, with ``option`` added.

    >>> with rules_as_options(["max_households"]):
    ...     raise RuleError("max_households must be between 1 and 50000, got 0", code="rule_out_of_range",
    ...                     params={"rule": "max_households", "value": 0, "min": 1, "max": 50000})
    Traceback (most recent call last):
    ...
    geo.errors.RuleError: --max-households must be between 1 and 50000, got 0
    """
    try:
        yield
    except RuleError as exc:
        message = str(exc)
        named = [r for r in sorted(rules, key=len, reverse=True) if re.search(rf"(?<![-\w]){r}\b", message)]
        for rule in named:
            message = re.sub(rf"(?<![-\w]){rule}\b", option_flag(rule, flags), message)
        rule = exc.params.get("rule")
        params = dict(exc.params)
        if rule in rules:
            params["option"] = option_flag(rule, flags)
            if not named:
                message = f"{params['option']} {exc.params.get('value')}: {message}"
        exc.args, exc.params = (message,), params  # the same error, in the command's words
        raise


# --- the input options of a file ---------------------------------------------------------------


def add_input_options(parser: argparse.ArgumentParser, *, kind: bool = False) -> None:
    """Add the options that say how to read a file (layer, CRS, datum, encoding, columns).

    ``kind``: also ``--kind`` (which of the six layers the file holds), for ``info``.
    """
    parser.add_argument("--layer", help="layer (or sheet) inside the file, when it has several")
    if kind:
        parser.add_argument("--kind", choices=list(LAYERS), help="which of the six layers the file holds")
    parser.add_argument("--crs", help="the CRS when the file states none or a wrong one, e.g. EPSG:4538")
    parser.add_argument("--datum", choices=list(DATUMS),
                        help="web-map datum of lon/lat data: gcj02 (Amap, Tencent) or bd09 (Baidu) "
                             "are converted to WGS84")
    parser.add_argument("--encoding", help="text encoding when detection fails, e.g. gbk")
    parser.add_argument("--map", action="append", metavar="COLUMN=FILE_COLUMN",
                        help="map a canonical column to a file column; repeatable")
    parser.add_argument("--set", action="append", metavar="COLUMN=VALUE",
                        help="one value for every row, e.g. --set kind=river; repeatable")
    parser.add_argument("--swap-xy", action="store_true", help="swap x and y (lat/lon written as lon/lat)")
    parser.add_argument("--wkt", help="WKT column of a CSV/XLSX table")
    parser.add_argument("--lon", help="longitude (or x) column of a table")
    parser.add_argument("--lat", help="latitude (or y) column of a table")


def input_options(args: argparse.Namespace) -> dict:
    """The keyword arguments of :func:`geo.io.load.load_layer` the input options give (only those set).

    >>> ns = argparse.Namespace(map=["households=户数"], set=None, crs="EPSG:4538", datum=None,
    ...                         swap_xy=False, encoding=None, wkt=None, lon=None, lat=None)
    >>> input_options(ns)
    {'mapping': {'households': '户数'}, 'crs': 'EPSG:4538'}
    """
    options = {
        "mapping": parse_pairs(args.map, "--map"),
        "defaults": parse_pairs(args.set, "--set", "kind=river"),
        "crs": args.crs,
        "datum": args.datum,
        "swap_xy": args.swap_xy,
        "encoding": args.encoding,
        "wkt": args.wkt,
        "lon": args.lon,
        "lat": args.lat,
    }
    return {k: v for k, v in options.items() if v not in (None, {}, False)}


def add_kinds_option(parser: argparse.ArgumentParser, flag: str = "--kinds", *, what: str = "pipelines") -> None:
    """Add ``--kinds FILE``: the planner's table giving kinds outside our lists one of ours."""
    parser.add_argument(flag, dest="kinds", metavar="FILE",
                        help=f"a table giving the {what} kinds of the file that are none of ours one of ours: "
                             "a CSV of two columns value,kind (e.g. 中水,drainage) or a JSON object "
                             "{\"value\": \"kind\"}; kinds it does not name are loaded as other")


#: The words a kinds table's header row may hold in its first or second cell.
_KINDS_HEADER = ({"value", "values", "值", "原值", "原始值", "原类型"}, {"kind", "kinds", "类型", "种类", "对应类型"})


def read_kinds(path: str | None) -> dict[str, str]:
    """The kinds table of ``--kinds FILE``: the file's value -> one of our kinds (as written; empty without a file).

    A CSV (UTF-8 or GBK, as Excel saves it) of two columns ``value,kind``, an optional header row
    first; or a JSON object ``{"value": "kind"}`` or list of ``[value, kind]`` pairs. The kinds are
    checked against the layer when it is loaded (:func:`geo.io.parse.parse_kinds`).

    Raises
    ------
    InputFileError
        ``kinds_file_unreadable`` (missing, not text, not CSV/JSON), ``kinds_file_row`` (a row
        without two cells).

    Example
    -------
    >>> target = Path(tempfile.mkdtemp()) / "kinds.csv"
    >>> _ = target.write_text("value,kind\\n中水,drainage\\n驿站 , post_station\\n", encoding="utf-8")
    >>> read_kinds(str(target))
    {'中水': 'drainage', '驿站': 'post_station'}
    """
    if not path:
        return {}
    import csv
    import io
    import json

    file = Path(path)
    try:
        data = file.read_bytes()
        for encoding in ("utf-8-sig", "gbk"):
            try:
                text = data.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise UnicodeDecodeError("kinds", data, 0, 1, "neither UTF-8 nor GBK")
    except (OSError, UnicodeDecodeError):
        raise InputFileError(f"{file.name}: the kinds table cannot be read (missing, or not UTF-8/GBK text); "
                             "give a CSV of two columns value,kind", code="kinds_file_unreadable",
                             params={"file": file.name}) from None
    stripped = text.strip()
    if stripped.startswith(("{", "[")):
        try:
            loaded = json.loads(stripped)
        except ValueError:
            loaded = None
        pairs = (list(loaded.items()) if isinstance(loaded, dict) else
                 [tuple(p) if isinstance(p, list) else (p.get("value"), p.get("kind")) if isinstance(p, dict) else p
                  for p in loaded] if isinstance(loaded, list) else None)
        if pairs is None or not all(isinstance(p, tuple) and len(p) == 2 for p in pairs):
            raise InputFileError(f"{file.name}: the kinds table is not a JSON object {{\"value\": \"kind\"}} "
                                 "nor a list of [value, kind] pairs", code="kinds_file_unreadable",
                                 params={"file": file.name})
        return {str(v).strip(): str(k).strip() for v, k in pairs if v is not None and k is not None}
    out: dict[str, str] = {}
    sample = stripped.splitlines()[0] if stripped else ""
    delimiter = "\t" if "\t" in sample and "," not in sample else ","
    for number, row in enumerate(csv.reader(io.StringIO(text), delimiter=delimiter), start=1):
        cells = [c.strip() for c in row]
        if not any(cells):
            continue
        if len([c for c in cells if c]) != 2 or len(cells) < 2 or not cells[0] or not cells[1]:
            raise InputFileError(f"{file.name}: row {number} of the kinds table does not hold two cells "
                                 "value,kind", code="kinds_file_row", params={"file": file.name, "row": number})
        if number == 1 and (cells[0].lower() in _KINDS_HEADER[0] or cells[1].lower() in _KINDS_HEADER[1]):
            continue
        out[cells[0]] = cells[1]
    return out


def read_zones(path: str, layer: str | None, target_crs):
    """The zones of ``--zones`` (written by ``python -m geo zones``: GeoJSON or GeoPackage), in ``target_crs``.

    Raises
    ------
    SchemaError
        The file has no ``zone_id`` column.
    CRSError
        The file states no CRS.
    """
    from geo.errors import CRSError, SchemaError
    from geo.io.readers import read_layer

    raw = read_layer(path, layer=layer)
    zones = raw.frame
    name = Path(path).name
    if "zone_id" not in zones.columns:
        columns = [str(c) for c in zones.columns if c != zones.geometry.name]
        raise SchemaError(f"{path}: the zones have no 'zone_id' column (columns: {', '.join(columns)}); "
                          "write them with `python -m geo zones --out zones.geojson`",
                          code="zones_no_zone_id", params={"file": name, "columns": columns})
    if zones.crs is None:
        raise CRSError(f"{path}: the zones state no CRS; GeoJSON from `python -m geo zones` is EPSG:4326",
                       code="zones_no_crs", params={"file": name})
    return zones.to_crs(target_crs)


def write_csv(frame: pd.DataFrame, path: Path) -> Path:
    """Write a command's table as an Excel-ready CSV; return ``path``.

    The one table form of :func:`geo.io.tables.write_csv`: UTF-8 with BOM, CRLF, formula-safe cells.
    """
    from geo.io.tables import write_csv as write_table

    return write_table(frame, path)


# --- what a command ends with ------------------------------------------------------------------


def bug_reference() -> str:
    """A short reference for an unexpected error (8 hex characters), to find its log.

    >>> len(bug_reference()), all(c in "0123456789abcdef" for c in bug_reference())
    (8, True)
    """
    return uuid.uuid4().hex[:8]


def bug_log_path(reference: str) -> Path:
    """Where the traceback of an unexpected error is written: the system's temporary folder."""
    return Path(tempfile.gettempdir()) / "geo-cli" / f"error-{reference}.log"


def report_bug(exc: BaseException, *, debug: bool, stderr) -> int:
    """Say in one line that a bug happened, with a reference; log its traceback; return exit code 3.

    With ``debug`` the traceback goes to ``stderr`` after the line; else to :func:`bug_log_path`
    (the line names the file; stderr when it cannot be written).
    """
    reference = bug_reference()
    trace = "".join(traceback.format_exception(exc))
    head = f"internal error (reference {reference}): {type(exc).__name__}, a bug, not your data."
    if debug:
        print(f"{head} Report it with the traceback below.", file=stderr)
        print(f"reference {reference}\n{trace}", end="", file=stderr)
        return EXIT_BUG
    log = bug_log_path(reference)
    try:
        log.parent.mkdir(parents=True, exist_ok=True)
        log.write_text(f"reference {reference}\n{trace}", encoding="utf-8")
    except OSError:
        print(f"{head} Run again with --debug to see the details, and report them.", file=stderr)
        return EXIT_BUG
    print(f"{head} The details are in {log}; report it with that file (--debug shows them here).", file=stderr)
    return EXIT_BUG
