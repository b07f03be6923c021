"""Plan exports: labelled tables, CSV with BOM, XLSX, printable HTML sheets (geo.reports.plan_sheets, geo.reports.plan_html)."""

import datetime as dt
from html.parser import HTMLParser

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely import LineString, box

from geo.planning.reserve import annual_plan, reserve_projects
from geo.reports.plan_html import plan_sheet_html, write_plan_sheets
from geo.reports.plan_sheets import plan_table, plan_workbook, totals_table, write_plan_csv, write_plan_xlsx

NASTY = '<script>alert("x")</script>&苑'


def _homes(crs=4538):
    return gpd.GeoDataFrame({
        "community_id": ["a", "b", "c", "d"],
        "name": ["东苑", NASTY, "北苑", "南苑"],
        "households": [120, 200, 900, 60], "build_year": [1985, 1990, 1995, 1980],
        "buildings": [3, 4, 12, 1], "floors_max": [6, 5, 7, 4],
        "street": ["宁边路街道"] * 3 + ["延安北路/街道"], "county": ["昌吉市"] * 4,
    }, geometry=[box(0, 0, 40, 60), box(48, 0, 90, 60), box(98, 0, 160, 60), box(400, 0, 430, 30)], crs=crs)


def _inputs():
    homes = _homes()
    scores = pd.DataFrame({"community_id": list("abcd"), "eligible": [True, True, False, True],
                           "score": [80.0, 60.0, np.nan, 70.0]})
    items = pd.DataFrame({
        "unit_id": ["a", "b", "c", "Z1", "d"], "unit_kind": ["community"] * 3 + ["zone", "community"],
        "item": ["water", "lift", "roof", "elderly", "water"],
        "category": ["basic", "improvement", "basic", "upgrading", "basic"],
        "label_zh": ["供水管网改造", "加装电梯", "屋面防水", "养老服务站", "供水管网改造"],
        "label_en": ["water mains", "lift retrofit", "roofs", "elderly care station", "water mains"],
        "quantity": [240.0, 2.0, 900.0, 1.0, 100.0], "unit": ["m", "lift", "m2", "site", "m"],
        "reason_zh": ["管龄超过30年", "无电梯", "渗漏", "500米内无养老设施", "管龄超过30年"],
        "reason_en": ["30+ years old", "no lift", "leaks", "none within 500 m", "30+ years old"],
        "source": ["derived"] * 5, "unit_cost_yuan": [800.0, 400000.0, 150.0, 500000.0, 800.0]})
    items["cost_yuan"] = items["quantity"] * items["unit_cost_yuan"]
    reserve = reserve_projects(homes, scores, items, zone_of={"a": "Z1", "b": "Z1", "c": "Z1"})
    return homes, items, reserve


def test_plan_table_labels_and_readable_values():
    _, _, reserve = _inputs()
    zh = plan_table(reserve).set_index("项目编号")
    assert zh.loc["Z1", "项目类型"] == "片区（连片改造）" and zh.loc["d", "项目类型"] == "单个小区"
    assert zh.loc["Z1", "小区名称"] == f"东苑、{NASTY}、北苑"
    assert zh.loc["Z1", "小区编号"] == "a、b、c" and zh.loc["Z1", "不纳入改造的小区"] == "c"
    assert zh.loc["Z1", "投资估算（万元）"] == pytest.approx((192000 + 800000 + 500000) / 1e4)
    assert zh.loc["Z1", "户数"] == 320 and zh["户数"].dtype == np.int64
    assert zh.loc["Z1", "优先级得分"] == pytest.approx((80 * 120 + 60 * 200) / 320, abs=0.05)
    en = plan_table(reserve, lang="en")
    assert {"project id", "project type", "households", "cost estimate (10,000 yuan)", "street"} <= set(en.columns)
    assert en.loc[en["project id"] == "Z1", "project type"].item() == "contiguous area (zone)"
    with pytest.raises(ValueError, match="lang"):
        plan_table(reserve, lang="fr")


def test_csv_round_trip_with_bom(tmp_path):
    _, _, reserve = _inputs()
    table = plan_table(annual_plan(reserve, year=2026, budget_yuan=5e6))
    path = write_plan_csv(table, tmp_path / "plan.csv")
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    back = pd.read_csv(path, encoding="utf-8-sig", dtype=object, keep_default_na=False)
    assert list(back.columns) == list(table.columns)
    expected = table.astype(object).where(table.notna(), "").astype(str)
    assert back.astype(str).values.tolist() == expected.values.tolist()


def _strings(values):
    return ["" if pd.isna(v) else str(v) for v in values]


def test_xlsx_round_trip_numbers_stay_numbers(tmp_path):
    _, _, reserve = _inputs()
    plan = annual_plan(reserve, year=2026, budget_yuan=1.5e6)
    tables = plan_workbook(plan)
    assert len(tables["未纳入项目"]) == 1
    assert list(tables) == ["年度计划", "未纳入项目", "合计"]
    path = write_plan_xlsx({**tables, "a/b:c*?[very long sheet name over 31 chars]": tables["合计"]},
                           tmp_path / "plan.xlsx")
    back = pd.read_excel(path, sheet_name=None)
    assert list(back)[:3] == ["年度计划", "未纳入项目", "合计"] and len(list(back)[3]) <= 31
    for name, table in tables.items():
        got = back[name]
        assert list(got.columns) == list(table.columns)
        for column in table.columns:
            want = table[column]
            if pd.api.types.is_numeric_dtype(want):
                assert pd.api.types.is_numeric_dtype(got[column])
                np.testing.assert_allclose(got[column].to_numpy(float), want.to_numpy(float))
            else:
                assert _strings(got[column]) == _strings(want)
    from openpyxl import load_workbook
    sheet = load_workbook(path)["年度计划"]
    assert sheet["A1"].font.bold and sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["A"].width >= 6


def test_totals_table_reports_limits_and_binding():
    _, _, reserve = _inputs()
    plan = annual_plan(reserve, year=2026, budget_yuan=1.5e6)   # d (8 万) first, then Z1 (149.2 万) does not fit
    t = dict(totals_table(plan).values.tolist())
    assert t["计划年度"] == 2026 and t["项目数"] == 1 and t["改造户数"] == 60
    assert t["年度预算（万元）"] == 150 and t["年度预算已用（万元）"] == 8 and t["限制因素"] == "受限于年度预算"


class _Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.links, self.text = [], [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.links += [v for k, v in attrs if k in ("src", "href") and v]

    def handle_data(self, data):
        self.text.append(data)


def _parse(page: str) -> _Page:
    parser = _Page()
    parser.feed(page)
    return parser


def test_plan_sheet_is_self_contained_escaped_and_complete():
    homes, items, reserve = _inputs()
    row = reserve.set_index("project_id").loc["Z1"].rename("Z1")
    row["project_id"] = "Z1"
    pipes = gpd.GeoDataFrame({"kind": ["gas", "telecom"], "operator": ["燃气公司", "电信"],
                              "placement": ["underground", "overhead"]},
                             geometry=[LineString([(-5, 30), (170, 30)]), LineString([(0, 70), (100, 70)])], crs=4538)
    funding = pd.DataFrame({"project_id": ["Z1"], "central_subsidy_yuan": [1e6], "residents_yuan": [492000.0]})
    page = plan_sheet_html(row, communities=homes, items=items, funding=funding, pipelines=pipes,
                           notice_start=dt.date(2026, 9, 30))
    parsed = _parse(page)
    assert "svg" in parsed.tags and "path" in parsed.tags and "script" not in parsed.tags
    assert not [link for link in parsed.links if "http" in link] and "http" not in page
    assert "@media print" in page and "A4" in page
    # escaped by jinja2's autoescape (markupsafe writes a double quote as &#34;, html.escape as &quot;:
    # both are the same character to a browser)
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&amp;苑" in page
    text = "".join(parsed.text)
    assert NASTY in text   # readable once parsed
    assert "连片改造项目 Z1 改造方案（一片区一方案）" in text
    # items: a and b (renovated) and the zone's shared item; c (not eligible) is not listed
    assert "供水管网改造" in text and "加装电梯" in text and "养老服务站" in text and "屋面防水" not in text
    assert "基础类小计" in text and "149.20" in text   # 19.2 + 80 + 50 万元
    assert "中央补助资金" in text and "67.0 %" in text
    assert "燃气公司" in text and ">160<" in page and "电信" not in text   # inside the outline (m); telecom outside
    assert "2026-10-26" in text   # notice end from notice_end_date
    assert "否（不符合改造条件或已改造）" in text


def test_plan_sheet_english_community_and_geographic_crs():
    homes, items, reserve = _inputs()
    row = reserve.set_index("project_id").loc["d"]
    row["project_id"] = "d"
    page = plan_sheet_html(row, communities=homes.to_crs(4326), items=items, lang="en")
    text = "".join(_parse(page).text)
    assert "Community project d: renovation plan" in text and "water mains" in text
    assert "at least 14 working days" in text and "svg" in _parse(page).tags


def test_write_plan_sheets_index_links_every_page(tmp_path):
    homes, items, reserve = _inputs()
    zones = gpd.GeoDataFrame({"zone_id": ["Z1"]}, geometry=[box(0, 0, 160, 60)], crs=4538)
    paths = write_plan_sheets(reserve, tmp_path / "sheets", communities=homes, items=items, zones=zones,
                              notice_start=dt.date(2026, 2, 13))
    index, pages = paths[0], paths[1:]
    assert index.name == "index.html" and len(pages) == len(reserve)
    names = {p.name for p in pages}
    assert names == {"Z1_宁边路街道.html", "d_延安北路_街道.html"}
    links = _parse(index.read_text(encoding="utf-8")).links
    assert sorted(links) == sorted(names) and all((index.parent / link).exists() for link in links)
    page = (index.parent / "Z1_宁边路街道.html").read_text(encoding="utf-8")
    assert "2026-03-11" in page and "http" not in page


HOSTILE_NAME = "<img src=x onerror=alert(1)>"
HOSTILE_NOTE = "<script>alert(document.cookie)</script>"


def test_hostile_names_and_notes_are_escaped_in_every_sheet(tmp_path):
    """A community name, street, operator or a planner's item note never becomes markup."""
    homes, items, _ = _inputs()
    homes.loc[homes["community_id"] == "a", "name"] = HOSTILE_NAME
    homes["street"] = HOSTILE_NOTE
    items.loc[items["unit_id"] == "a", "label_zh"] = HOSTILE_NOTE
    items.loc[items["unit_id"] == "Z1", "reason_zh"] = HOSTILE_NAME
    scores = pd.DataFrame({"community_id": list("abcd"), "eligible": [True, True, False, True],
                           "score": [80.0, 60.0, np.nan, 70.0]})
    reserve = reserve_projects(homes, scores, items, zone_of={"a": "Z1", "b": "Z1", "c": "Z1"})
    pipes = gpd.GeoDataFrame({"kind": ["gas"], "operator": [HOSTILE_NAME], "placement": ["underground"]},
                             geometry=[LineString([(-5, 30), (170, 30)])], crs=4538)
    paths = write_plan_sheets(reserve, tmp_path, communities=homes, items=items, pipelines=pipes)
    for path in paths:
        page = path.read_text(encoding="utf-8")
        parsed = _parse(page)
        assert "script" not in parsed.tags and "img" not in parsed.tags, path.name
        assert "<img" not in page and "<script" not in page, path.name
    zone = next(p for p in paths if p.name.startswith("Z1")).read_text(encoding="utf-8")
    text = "".join(_parse(zone).text)
    assert HOSTILE_NAME in text and HOSTILE_NOTE in text   # shown as text, readable
    assert "&lt;img src=x onerror=alert(1)&gt;" in zone and "&lt;script&gt;" in zone
    index = "".join(_parse(paths[0].read_text(encoding="utf-8")).text)
    assert HOSTILE_NAME in index   # the member names of the index, as text


def test_templates_are_found_from_any_working_directory(tmp_path, monkeypatch):
    homes, items, reserve = _inputs()
    monkeypatch.chdir(tmp_path)
    row = reserve.set_index("project_id").loc["d"]
    row["project_id"] = "d"
    assert "<svg" in plan_sheet_html(row, communities=homes, items=items)


def test_a_template_naming_an_unknown_value_fails_loudly():
    import jinja2

    from geo.reports.plan_html import environment

    with pytest.raises(jinja2.UndefinedError):
        environment().from_string("{{ nothing_given }}").render()
