"""Tables a person opens in Excel, WPS or LibreOffice: one CSV writer and one XLSX writer.

Every table the project hands to a person goes through here, so each one has the same form:

* **CSV**: UTF-8 with a byte-order mark (Excel then reads the Chinese text right), CRLF line ends,
  no index, ``,`` between cells and ``"`` around a cell that needs it. Numbers are written in one
  format: integers as digits, other numbers in the shortest form that reads back exactly
  (``330.0``, ``0.1``, ``-2.5``), a ``.`` decimal point and no thousands separator. Booleans
  are ``True`` / ``False``; None, NaN and NA are empty cells; a list or tuple is joined with
  ``、`` (:data:`LIST_JOINER`).
* **XLSX** (openpyxl): one sheet per table, bold frozen header row, column widths from the
  content, numbers stored as numbers (decimals shown as ``#,##0.00``), text as text.
* **Localised headers**: the caller passes ``headers`` (column -> label) or a ``catalogue``
  (column -> (zh, en)) and a ``lang``; a label used twice gets its column name added.
* **Formula-safe cells** (OWASP, "CSV injection"): a text cell (or header) that starts with ``=``,
  ``+``, ``-`` or ``@`` (after any leading whitespace), or with a tab or a carriage return, would be
  evaluated as a formula by a spreadsheet. In CSV it is written with a leading ``'`` (the
  spreadsheet shows the text, and never runs it); in XLSX it is stored as a string cell (never a
  formula) with Excel's "quote prefix" set, so the text shows unchanged. Numbers stay numbers: a
  negative number is not text and gets no prefix.

Example
-------
>>> table = pd.DataFrame({"name": ["=1+1", "东苑"], "households": [-3, 120]})
>>> csv_bytes(table, catalogue={"name": ("小区名称", "name"), "households": ("户数", "households")}).decode("utf-8-sig")
"小区名称,户数\\r\\n'=1+1,-3\\r\\n东苑,120\\r\\n"
"""

from __future__ import annotations

import io
import math
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

#: Characters that make a spreadsheet read a cell as a formula when the text starts with them.
FORMULA_STARTS = ("=", "+", "-", "@")
#: Control characters that do the same as the very first character (OWASP: tab, carriage return).
FORMULA_CONTROLS = ("\t", "\r")
#: What a list or tuple cell is joined with.
LIST_JOINER = "、"
#: The XLSX display format of decimal numbers (the stored value keeps every digit).
XLSX_DECIMAL_FORMAT = "#,##0.00"


def plain_value(value: Any) -> Any:
    """A cell value as plain Python: numpy scalars to Python, None / NaN / NA / NaT to None, lists kept.

    Example
    -------
    >>> plain_value(np.int64(3)), plain_value(np.float64("nan")), plain_value(np.bool_(True)), plain_value((1, 2))
    (3, None, True, [1, 2])
    """
    if isinstance(value, (list, tuple)):
        return [plain_value(v) for v in value]
    if isinstance(value, np.ndarray):
        return [plain_value(v) for v in value.tolist()]
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return None if math.isnan(value) else float(value)
    return value


def is_formula_like(text: str) -> bool:
    """Whether a spreadsheet would evaluate ``text`` typed into a cell (OWASP's trigger characters).

    Example
    -------
    >>> [is_formula_like(t) for t in ("=SUM(A1)", "  +1", "-cmd", "@x", "\\tx", "东苑", "a-b", "")]
    [True, True, True, True, True, False, False, False]
    """
    if not isinstance(text, str) or not text:
        return False
    return text.startswith(FORMULA_CONTROLS) or text.lstrip().startswith(FORMULA_STARTS)


def formula_safe(value: Any) -> Any:
    """``value`` as a CSV cell that no spreadsheet evaluates: formula-like text gets a leading ``'``.

    Anything that is not text (numbers, negative ones too) is returned as it is.

    Example
    -------
    >>> formula_safe('=HYPERLINK("http://x","y")'), formula_safe("-cmd"), formula_safe(-1.5), formula_safe("东苑")
    ('\\'=HYPERLINK("http://x","y")', "'-cmd", -1.5, '东苑')
    """
    return f"'{value}" if is_formula_like(value) else value


def header_labels(
    columns: Iterable[Any],
    *,
    headers: Mapping[Any, str] | None = None,
    catalogue: Mapping[Any, tuple[str, str]] | None = None,
    lang: str = "zh",
) -> list[str]:
    """The header of each column: ``headers[column]``, else ``catalogue[column]`` in ``lang``, else its name.

    A label used by an earlier column gets its column name added (``户数 (households_all)``), so
    every header is unique.

    Raises
    ------
    ValueError
        When ``lang`` is neither ``"zh"`` nor ``"en"``.

    Example
    -------
    >>> header_labels(["a", "b", "c"], headers={"a": "户数"}, catalogue={"b": ("户数", "households")})
    ['户数', '户数 (b)', 'c']
    >>> header_labels(["b"], catalogue={"b": ("户数", "households")}, lang="en")
    ['households']
    """
    if lang not in ("zh", "en"):
        # builtin: the language is the page's or the CLI's own setting, never typed by a visitor
        raise ValueError(f"lang must be 'zh' or 'en', got {lang!r}")
    headers, catalogue = dict(headers or {}), dict(catalogue or {})
    out, used = [], set()
    for column in columns:
        if column in headers:
            label = str(headers[column])
        elif column in catalogue:
            label = str(catalogue[column][0 if lang == "zh" else 1])
        else:
            label = str(column)
        if label in used:
            label = f"{label} ({column})"
        used.add(label)
        out.append(label)
    return out


def _cell(value: Any) -> Any:
    """A cell as both writers hold it: plain Python, lists joined, None for missing."""
    value = plain_value(value)
    if isinstance(value, list):
        return LIST_JOINER.join("" if v is None else str(v) for v in value)
    return value


def _cells(table: pd.DataFrame) -> list[list[Any]]:
    columns = [table.iloc[:, k].to_numpy(dtype=object) for k in range(table.shape[1])]
    return [[_cell(column[r]) for column in columns] for r in range(len(table))]


def _csv_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    return str(formula_safe(value) if isinstance(value, str) else value)


def csv_bytes(
    table: pd.DataFrame,
    *,
    headers: Mapping[Any, str] | None = None,
    catalogue: Mapping[Any, tuple[str, str]] | None = None,
    lang: str = "zh",
) -> bytes:
    """``table`` as CSV bytes for Excel: BOM, CRLF, localised headers, formula-safe cells.

    Parameters
    ----------
    table
        Any table (a GeoDataFrame's geometry column is left out); the index is not written.
    headers, catalogue, lang
        How columns are labelled (:func:`header_labels`).

    Returns
    -------
    bytes
        UTF-8 with a byte-order mark, CRLF line ends; see the module's notes for the cell format.

    Example
    -------
    >>> csv_bytes(pd.DataFrame({"x": [1.5, None], "ok": [True, False]})).decode("utf-8-sig").split("\\r\\n")
    ['x,ok', '1.5,True', ',False', '']
    """
    import csv

    table = _without_geometry(table)
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow([formula_safe(h) for h in header_labels(table.columns, headers=headers, catalogue=catalogue,
                                                            lang=lang)])
    writer.writerows([_csv_text(v) for v in row] for row in _cells(table))
    return buffer.getvalue().encode("utf-8-sig")


def write_csv(table: pd.DataFrame, path: str | os.PathLike, **labels: Any) -> Path:
    """Write :func:`csv_bytes` of ``table`` to ``path``; ``labels``: ``headers``, ``catalogue``, ``lang``.

    Example
    -------
    >>> import tempfile
    >>> target = write_csv(pd.DataFrame({"户数": [300]}), Path(tempfile.mkdtemp()) / "t.csv")
    >>> target.read_bytes()
    b'\\xef\\xbb\\xbf\\xe6\\x88\\xb7\\xe6\\x95\\xb0\\r\\n300\\r\\n'
    """
    path = Path(path)
    path.write_bytes(csv_bytes(table, **labels))
    return path


def _without_geometry(table: pd.DataFrame) -> pd.DataFrame:
    name = getattr(table, "_geometry_column_name", None)
    if name is not None and name in table.columns:
        return pd.DataFrame(table.drop(columns=name))
    return table


def _width(value: Any) -> int:
    """Columns a text takes on screen: a Chinese character two."""
    text = "" if value is None else str(value)
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def sheet_title(name: Any, used: set[str]) -> str:
    """An Excel sheet name: forbidden characters ``[]:*?/\\`` to ``_``, at most 31 characters, unique.

    ``used`` collects the names given so far (and gets this one).

    Example
    -------
    >>> used = set()
    >>> sheet_title("a/b", used), sheet_title("a/b", used), sheet_title("x" * 40, used)
    ('a_b', 'a_b_2', 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx')
    """
    title = "".join("_" if ch in '[]:*?/\\' else ch for ch in str(name))[:31] or "sheet"
    base, k = title, 2
    while title in used:
        title = f"{base[:28]}_{k}"
        k += 1
    used.add(title)
    return title


def xlsx_bytes(
    tables: Mapping[str, pd.DataFrame] | pd.DataFrame,
    *,
    headers: Mapping[Any, str] | None = None,
    catalogue: Mapping[Any, tuple[str, str]] | None = None,
    lang: str = "zh",
) -> bytes:
    """A workbook of one sheet per table: bold frozen header, widths, numbers as numbers, no formula.

    Parameters
    ----------
    tables
        sheet name -> table, or one table (sheet ``sheet``). Names are cut to Excel's 31
        characters and its forbidden characters replaced (:func:`sheet_title`).
    headers, catalogue, lang
        How columns are labelled (:func:`header_labels`), the same for every sheet.

    Returns
    -------
    bytes
        The ``.xlsx`` file. Every text cell is a string cell; formula-like text (see the module)
        also gets Excel's quote prefix, so editing it keeps it text.

    Example
    -------
    >>> from openpyxl import load_workbook
    >>> sheet = load_workbook(io.BytesIO(xlsx_bytes(pd.DataFrame({"a": ["=1+1", -2]})))).active
    >>> [(c.value, c.data_type) for c in sheet["A"]]
    [('a', 's'), ('=1+1', 's'), (-2, 'n')]
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    if isinstance(tables, pd.DataFrame):
        tables = {"sheet": tables}
    book = Workbook()
    book.remove(book.active)
    used: set[str] = set()
    bold, middle = Font(bold=True), Alignment(vertical="center", wrap_text=False)
    for name, table in tables.items():
        table = _without_geometry(table)
        sheet = book.create_sheet(sheet_title(name, used))
        labels = header_labels(table.columns, headers=headers, catalogue=catalogue, lang=lang)
        rows = _cells(table)
        for k, label in enumerate(labels, start=1):
            cell = _put(sheet, 1, k, label)
            cell.font, cell.alignment = bold, middle
        for r, row in enumerate(rows, start=2):
            for k, value in enumerate(row, start=1):
                cell = _put(sheet, r, k, value)
                if isinstance(value, float):
                    cell.number_format = XLSX_DECIMAL_FORMAT
        for k, label in enumerate(labels, start=1):
            widest = max([_width(label)] + [_width(row[k - 1]) for row in rows[:500]])
            sheet.column_dimensions[get_column_letter(k)].width = min(max(widest + 2, 6), 60)
        sheet.freeze_panes = "A2"
    if not tables:
        book.create_sheet("sheet")
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _put(sheet, row: int, column: int, value: Any):
    """Set one cell: text always a string cell (never a formula), formula-like text quote-prefixed."""
    cell = sheet.cell(row=row, column=column)
    if isinstance(value, float) and math.isinf(value):
        value = "inf" if value > 0 else "-inf"
    if isinstance(value, str):
        cell.value = value
        cell.data_type = "s"  # openpyxl takes text starting with "=" for a formula: it is text here
        if is_formula_like(value):
            cell.quotePrefix = True
    elif value is None or isinstance(value, (bool, int, float)):
        cell.value = value
    else:  # dates, decimals...: what openpyxl stores natively, else the text
        try:
            cell.value = value
        except (ValueError, TypeError):
            cell.value = str(value)
            cell.data_type = "s"
        if cell.data_type == "f":
            cell.data_type = "s"
    return cell


def write_xlsx(tables: Mapping[str, pd.DataFrame] | pd.DataFrame, path: str | os.PathLike, **labels: Any) -> Path:
    """Write :func:`xlsx_bytes` of ``tables`` to ``path``; ``labels``: ``headers``, ``catalogue``, ``lang``.

    Example
    -------
    >>> import tempfile
    >>> target = write_xlsx({"合计": pd.DataFrame({"指标": ["户数"], "数值": [300]})},
    ...                     Path(tempfile.mkdtemp()) / "t.xlsx")
    >>> pd.read_excel(target, sheet_name="合计").values.tolist()
    [['户数', 300]]
    """
    path = Path(path)
    path.write_bytes(xlsx_bytes(tables, **labels))
    return path
