"""geo.io.tables: the one CSV/XLSX writer (BOM, localised headers, formula-safe cells)."""

import csv
import io

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

from geo.io.tables import (
    csv_bytes,
    formula_safe,
    header_labels,
    is_formula_like,
    write_csv,
    write_xlsx,
    xlsx_bytes,
)

#: Cells a spreadsheet would run (OWASP CSV injection), each with what must stay visible.
HOSTILE = ['=HYPERLINK("http://x","y")', "+1", "-cmd", "@SUM(A1)", "\tTAB", "\rCR", "  =1+1"]
CATALOGUE = {"name": ("小区名称", "community name"), "households": ("户数", "households"),
             "cost": ("投资（万元）", "cost (10,000 yuan)")}


def _frame():
    return pd.DataFrame({
        "name": HOSTILE + ["东苑", None],
        "households": [120, -3, 0, 5, 6, 7, 8, 9, 10],
        "cost": [1.5, -2.25, np.nan, 0.0, 3.0, 4.0, 5.0, 6.0, 7.0],
    })


def _read_csv(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(data[3:].decode("utf-8"), newline="")))


def test_csv_has_bom_crlf_and_localised_headers():
    data = csv_bytes(_frame(), catalogue=CATALOGUE)
    assert data.startswith(b"\xef\xbb\xbf\xe5\xb0\x8f")  # BOM, then 小
    assert data.count(b"\r\n") >= len(_frame()) + 1
    assert _read_csv(data)[0] == ["小区名称", "户数", "投资（万元）"]
    en = _read_csv(csv_bytes(_frame(), catalogue=CATALOGUE, lang="en"))
    assert en[0] == ["community name", "households", "cost (10,000 yuan)"]
    mapped = _read_csv(csv_bytes(_frame(), headers={"name": "名称"}, catalogue=CATALOGUE))
    assert mapped[0] == ["名称", "户数", "投资（万元）"]   # an explicit header wins over the catalogue


def test_csv_cells_that_would_run_are_text():
    rows = _read_csv(csv_bytes(_frame(), catalogue=CATALOGUE))[1:]
    names = [r[0] for r in rows]
    assert names[: len(HOSTILE)] == ["'" + h for h in HOSTILE]
    assert all(not n.lstrip().startswith(("=", "+", "-", "@")) for n in names)
    assert names[-2:] == ["东苑", ""]


def test_csv_numbers_stay_numbers_and_missing_is_empty():
    rows = _read_csv(csv_bytes(_frame()))[1:]
    assert [r[1] for r in rows[:3]] == ["120", "-3", "0"]   # a negative number gets no quote
    assert [r[2] for r in rows[:3]] == ["1.5", "-2.25", ""]   # NaN written empty
    back = pd.read_csv(io.BytesIO(csv_bytes(_frame())), encoding="utf-8-sig")
    assert back["households"].tolist() == _frame()["households"].tolist()
    np.testing.assert_array_equal(back["cost"].to_numpy(), _frame()["cost"].to_numpy())


def test_csv_of_nullable_and_list_columns(tmp_path):
    frame = pd.DataFrame({"n": pd.array([1, None], dtype="Int64"), "ok": [True, False],
                          "ids": [("a", "b"), ["-c"]]})
    path = write_csv(frame, tmp_path / "t.csv")
    rows = _read_csv(path.read_bytes())
    assert rows == [["n", "ok", "ids"], ["1", "True", "a、b"], ["", "False", "'-c"]]


def test_a_hostile_header_is_made_safe_too():
    rows = _read_csv(csv_bytes(pd.DataFrame({"=cmd|' /C calc'!A0": [1]})))
    assert rows[0] == ["'=cmd|' /C calc'!A0"]


def test_xlsx_stores_hostile_text_as_strings_never_formulas(tmp_path):
    path = write_xlsx({"表": _frame()}, tmp_path / "t.xlsx", catalogue=CATALOGUE)
    sheet = load_workbook(path)["表"]
    assert [c.value for c in sheet[1]] == ["小区名称", "户数", "投资（万元）"]
    assert sheet["A1"].font.bold and sheet.freeze_panes == "A2"
    cells = [sheet.cell(row=r, column=1) for r in range(2, 2 + len(HOSTILE))]
    # the text as it was, no apostrophe shown (XML reads a lone CR back as a line feed)
    assert [c.value for c in cells] == [h.replace("\r", "\n") for h in HOSTILE]
    assert all(c.data_type == "s" for c in cells)   # a string cell, not "f" (formula)
    assert all(c.quotePrefix for c in cells)   # Excel keeps it text when someone edits it
    assert sheet.cell(row=2 + len(HOSTILE), column=1).value == "东苑"
    assert not sheet.cell(row=2 + len(HOSTILE), column=1).quotePrefix


def test_xlsx_numbers_stay_numbers_and_missing_is_empty():
    sheet = load_workbook(io.BytesIO(xlsx_bytes(_frame()))).active
    assert [(c.value, c.data_type) for c in sheet["B"][1:3]] == [(120, "n"), (-3, "n")]
    assert [(c.value, c.data_type) for c in sheet["C"][1:3]] == [(1.5, "n"), (-2.25, "n")]
    assert sheet["C4"].value is None and sheet["A10"].value is None   # NaN and None: empty cells
    back = pd.read_excel(io.BytesIO(xlsx_bytes(_frame())))
    assert back["households"].tolist() == _frame()["households"].tolist()


def test_xlsx_formula_text_is_not_evaluated_in_the_raw_file():
    import zipfile

    raw = zipfile.ZipFile(io.BytesIO(xlsx_bytes(pd.DataFrame({"a": ['=HYPERLINK("http://x","y")']}))))
    sheet_xml = raw.read("xl/worksheets/sheet1.xml").decode("utf-8")
    assert "<f>" not in sheet_xml and "<f " not in sheet_xml


def test_sheet_names_are_cut_and_unique(tmp_path):
    book = load_workbook(io.BytesIO(xlsx_bytes({"a/b:c*?[x]": pd.DataFrame({"x": [1]}),
                                                "a_b_c___x_": pd.DataFrame({"x": [2]}),
                                                "y" * 40: pd.DataFrame({"x": [3]})})))
    assert book.sheetnames == ["a_b_c___x_", "a_b_c___x__2", "y" * 31]


@pytest.mark.parametrize("text, flagged", [("=1", True), ("+86 138", True), ("-", True), ("@a", True),
                                           ("\tx", True), ("\rx", True), (" \n=1", True), ("a=b", False),
                                           ("1-2", False), ("", False), ("东苑", False)])
def test_what_counts_as_formula_like(text, flagged):
    assert is_formula_like(text) is flagged
    assert formula_safe(text) == (f"'{text}" if flagged else text)


def test_formula_safe_leaves_non_text_alone():
    assert formula_safe(-1) == -1 and formula_safe(-2.5) == -2.5 and formula_safe(None) is None


def test_repeated_labels_get_their_column_and_lang_is_checked():
    assert header_labels(["households", "households_all"],
                         catalogue={"households": ("户数", "h"), "households_all": ("户数", "h")}) == \
        ["户数", "户数 (households_all)"]
    with pytest.raises(ValueError, match="lang"):
        header_labels(["a"], lang="fr")
