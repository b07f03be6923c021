"""Plan exports: labelled tables (CSV, XLSX) and one printable HTML sheet per project.

- :func:`plan_table` turns a reserve, a plan or its skipped list into the table a planner reads
  (Chinese or English headers, project kinds in words, member names joined, costs in 万元);
  :func:`plan_workbook` gives the plan, skipped and totals tables of a :class:`PlanResult`;
- :func:`write_plan_csv` writes one table for Excel, :func:`write_plan_xlsx` / :func:`plan_xlsx_bytes`
  a workbook with one sheet per table, both in the one form of :mod:`geo.io.tables` (BOM,
  numbers as numbers, formula-safe cells);
- the one-plan-per-community / per-zone sheets (一小区一方案 / 一片区一方案) are
  :mod:`geo.reports.plan_html`'s.

Example
-------
>>> reserve = pd.DataFrame({"project_id": ["Z1"], "project_kind": ["zone"], "members": [("a", "b")],
...     "member_names": [("东苑", "西苑")], "n_communities": [2], "households": [400],
...     "cost_yuan": [3.3e6], "score": [61.25]})
>>> plan_table(reserve).iloc[0].to_dict()
{'项目编号': 'Z1', '项目类型': '片区（连片改造）', '小区名称': '东苑、西苑', '小区编号': 'a、b', '小区数': 2, '户数': 400, '投资估算（万元）': 330.0, '优先级得分': 61.2}
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from geo.planning.money import yuan_to_wan
from geo.planning.reserve import LIMITS, PlanResult
from geo.io.tables import write_csv, write_xlsx, xlsx_bytes

#: Reader's labels of the plan columns, in the order tables list them: column -> (zh, en).
PLAN_LABELS: dict[str, tuple[str, str]] = {
    "plan_order": ("序号", "no."),
    "roadmap_order": ("路线图序号", "roadmap no."),
    "reserve_rank": ("储备库排序", "reserve rank"),
    "plan_year": ("计划年度", "plan year"),
    "project_id": ("项目编号", "project id"),
    "project_kind": ("项目类型", "project type"),
    "member_names": ("小区名称", "community names"),
    "members": ("小区编号", "community ids"),
    "n_communities": ("小区数", "number of communities"),
    "households": ("户数", "households"),
    "cost_yuan": ("投资估算（万元）", "cost estimate (10,000 yuan)"),
    "score": ("优先级得分", "priority score"),
    "score_max": ("成员最高得分", "best member score"),
    "street": ("街道", "street"),
    "county": ("县市区", "county"),
    "build_year_min": ("最早建成年份", "earliest build year"),
    "n_communities_all": ("片区小区总数", "communities in the zone"),
    "households_all": ("片区总户数", "households in the zone"),
    "ineligible_members": ("不纳入改造的小区", "members not renovated"),
    "must_include": ("指定纳入", "set by the planner"),
    "cumulative_cost_yuan": ("累计投资（万元）", "cumulative cost (10,000 yuan)"),
    "cumulative_households": ("累计户数", "cumulative households"),
    "cumulative_communities": ("累计小区数", "cumulative communities"),
    "limits_exceeded": ("超出的限额", "limits exceeded"),
    "over_budget_yuan": ("超出预算（万元）", "over budget (10,000 yuan)"),
    "over_households": ("超出户数", "households over"),
    "over_projects": ("超出项目数", "projects over"),
    "over_communities": ("超出小区数", "communities over"),
    "reason": ("原因", "reason"),
}

#: Project kinds in words.
KIND_LABELS: dict[str, tuple[str, str]] = {
    "zone": ("片区（连片改造）", "contiguous area (zone)"),
    "community": ("单个小区", "single community"),
}

_YES_NO = {True: ("是", "yes"), False: ("否", "no")}
_WAN = {"cost_yuan", "cumulative_cost_yuan", "over_budget_yuan"}
_ROUND = {"score": 1, "score_max": 1}


def _pick(pair: tuple[str, str], lang: str) -> str:
    return pair[0] if lang == "zh" else pair[1]


def _missing(value) -> bool:
    return value is None or value is pd.NA or (isinstance(value, (float, np.floating)) and math.isnan(value))


def _cell(value, column: str, lang: str, joiner: str):
    if isinstance(value, (list, tuple, np.ndarray)):
        if column == "limits_exceeded":
            return joiner.join(_pick(LIMITS[v][1:], lang) if v in LIMITS else str(v) for v in value)
        return joiner.join(str(v) for v in value)
    if _missing(value):
        return None
    if isinstance(value, (bool, np.bool_)):
        return _pick(_YES_NO[bool(value)], lang)
    if column == "project_kind" and value in KIND_LABELS:
        return _pick(KIND_LABELS[value], lang)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, (float, np.floating)):
        value = float(value)
        if column in _WAN:
            return round(yuan_to_wan(value), 2)
        if column in _ROUND:
            return round(value, _ROUND[column])
        return int(value) if value.is_integer() and column not in ("score", "score_max") else value
    return value


def plan_table(plan_or_reserve: PlanResult | pd.DataFrame, *, lang: str = "zh") -> pd.DataFrame:
    """The table a planner reads: labelled headers, kinds and yes/no in words, costs in 万元.

    Parameters
    ----------
    plan_or_reserve
        A :class:`geo.planning.reserve.PlanResult` (its ``chosen`` table), the reserve, a roadmap, or
        a plan's ``skipped`` table.
    lang
        "zh" or "en".

    Returns
    -------
    DataFrame
        The known columns of :data:`PLAN_LABELS` that the input has, in that order (then any
        other column under its own name, codes left out); tuples joined with ``、`` (``, ``);
        numbers stay numbers.

    Example
    -------
    >>> skipped = pd.DataFrame({"project_id": ["p2"], "limits_exceeded": [("budget_yuan",)],
    ...     "over_budget_yuan": [1.5e6], "reason_en": ["over budget by 1,500,000 yuan"], "reason_zh": ["超"]})
    >>> plan_table(skipped, lang="en").iloc[0].to_dict()
    {'project id': 'p2', 'limits exceeded': 'budget', 'over budget (10,000 yuan)': 150.0, 'reason': 'over budget by 1,500,000 yuan'}
    """
    if lang not in ("zh", "en"):
        # builtin: the language is the page's or the CLI's own setting, never typed by a visitor
        raise ValueError(f"lang must be 'zh' or 'en', got {lang!r}")
    frame = plan_or_reserve.chosen if isinstance(plan_or_reserve, PlanResult) else plan_or_reserve
    frame = frame.copy()
    if f"reason_{lang}" in frame:
        frame["reason"] = frame[f"reason_{lang}"]
    hidden = {"reason_zh", "reason_en", "reason_code", "geometry", "unassigned"}
    known = [c for c in PLAN_LABELS if c in frame]
    others = [c for c in frame.columns if c not in PLAN_LABELS and c not in hidden]
    joiner = "、" if lang == "zh" else ", "
    out = {}
    for column in known + others:
        label = _pick(PLAN_LABELS[column], lang) if column in PLAN_LABELS else str(column)
        if label in out:
            label = f"{label} ({column})"
        values = frame[column].to_numpy(dtype=object)
        if column == "member_names" and "members" in frame:
            values = [tuple(n or m for n, m in zip(names, ids)) for names, ids in zip(values, frame["members"])]
        out[label] = pd.Series([_cell(v, column, lang, joiner) for v in values], dtype=object)
    table = pd.DataFrame(out, index=pd.RangeIndex(len(frame)))
    for label in table.columns:  # numbers as numbers: a column of ints / floats gets a numeric dtype
        kinds = {type(v) for v in table[label] if v is not None}
        if kinds and kinds <= {int}:
            table[label] = table[label].astype("Int64") if table[label].isna().any() else table[label].astype("int64")
        elif kinds and kinds <= {int, float}:
            table[label] = pd.to_numeric(table[label]).astype(float)
    return table


def totals_table(plan: PlanResult, *, lang: str = "zh") -> pd.DataFrame:
    """The plan's totals and its limits, one figure a row (indicator, value).

    Example
    -------
    >>> reserve = pd.DataFrame({"project_id": ["p1"], "members": [("a",)], "n_communities": [1],
    ...     "households": [300], "cost_yuan": [2e6], "score": [80.0], "build_year_min": [1985]})
    >>> from geo.planning.reserve import annual_plan
    >>> totals_table(annual_plan(reserve, year=2026, budget_yuan=5e6), lang="en").values.tolist()[:3]
    [['plan year', 2026], ['projects', 1], ['communities', 1]]
    """
    t = plan.totals
    rows = [(("计划年度", "plan year"), plan.year), (("项目数", "projects"), t["projects"]),
            (("小区数", "communities"), t["communities"]), (("改造户数", "households"), t["households"]),
            (("涉及总户数（含片区内不改造小区）", "households incl. zone members not renovated"), t["households_all"]),
            (("投资估算（万元）", "cost estimate (10,000 yuan)"), round(yuan_to_wan(t["cost_yuan"]), 2))]
    for name, figures in plan.limits.items():
        label = LIMITS[name][1:]
        scale = 1e4 if name == "budget_yuan" else 1
        unit = ("（万元）", " (10,000 yuan)") if name == "budget_yuan" else ("", "")
        rows.append(((f"{label[0]}{unit[0]}", f"{label[1]}{unit[1]}"), round(figures["limit"] / scale, 2)))
        rows.append(((f"{label[0]}已用{unit[0]}", f"{label[1]} used{unit[1]}"), round(figures["used"] / scale, 2)))
        rows.append(((f"{label[0]}剩余{unit[0]}", f"{label[1]} left{unit[1]}"), round(figures["left"] / scale, 2)))
    rows.append((("限制因素", "what stopped the plan"), plan.binding_text(lang)))
    header = ("指标", "数值") if lang == "zh" else ("indicator", "value")
    values = [int(v) if isinstance(v, float) and v.is_integer() else v for _, v in rows]
    return pd.DataFrame({header[0]: [_pick(k, lang) for k, _ in rows], header[1]: pd.Series(values, dtype=object)})


def plan_workbook(plan: PlanResult, *, lang: str = "zh") -> dict[str, pd.DataFrame]:
    """The plan, skipped and totals tables of a plan, keyed by sheet name."""
    names = ("年度计划", "未纳入项目", "合计") if lang == "zh" else ("plan", "skipped", "totals")
    return {names[0]: plan_table(plan, lang=lang), names[1]: plan_table(plan.skipped, lang=lang),
            names[2]: totals_table(plan, lang=lang)}


def write_plan_csv(table: pd.DataFrame, path: str | os.PathLike) -> Path:
    """Write a plan table for Excel with :func:`geo.io.tables.write_csv` (BOM, CRLF, formula-safe).

    Example
    -------
    >>> import tempfile
    >>> target = write_plan_csv(pd.DataFrame({"户数": [300]}), Path(tempfile.mkdtemp()) / "plan.csv")
    >>> target.read_bytes()[:3] == b"\\xef\\xbb\\xbf"
    True
    """
    return write_csv(table, path)


def plan_xlsx_bytes(tables: Mapping[str, pd.DataFrame]) -> bytes:
    """A workbook of the plan tables (e.g. :func:`plan_workbook`), one sheet each, as bytes for a download.

    The form is :func:`geo.io.tables.xlsx_bytes`': bold frozen header, column widths, numbers
    as numbers, every text a string cell (never a formula); sheet names cut to Excel's 31
    characters, its forbidden characters replaced.
    """
    return xlsx_bytes(tables)


def write_plan_xlsx(tables: Mapping[str, pd.DataFrame], path: str | os.PathLike) -> Path:
    """Write :func:`plan_xlsx_bytes` of ``tables`` to ``path`` (the ``.xlsx`` file).

    Example
    -------
    >>> import tempfile
    >>> target = write_plan_xlsx({"合计": pd.DataFrame({"指标": ["户数"], "数值": [300]})},
    ...                          Path(tempfile.mkdtemp()) / "plan.xlsx")
    >>> pd.read_excel(target, sheet_name="合计").values.tolist()
    [['户数', 300]]
    """
    return write_xlsx(tables, path)
