"""One printable HTML sheet per project: 一小区一方案 / 一片区一方案.

:func:`plan_sheet_html` writes a self-contained page (no script, no font, style sheet or image
from anywhere: it opens on an intranet or from a USB stick and prints on A4): the project's
figures, its member communities, an inline SVG map of their footprints and the zone outline
(with the pipelines when given), the renovation items by class with quantities and costs, the
funding split, the pipeline operators involved with their lengths, and the public-notice period
(公示不少于14个工作日, :func:`geo.planning.notice.notice_end_date`). The pages are jinja2 templates
(``geo/reports/templates/*.html.j2``, found next to this module from any working directory) rendered
with autoescape on and strict undefined names: every data string is escaped, and a template that
names a value the code does not give fails instead of printing nothing.
:func:`write_plan_sheets` writes one page per project and an ``index.html`` linking them.

Example
-------
>>> import geopandas as gpd
>>> from shapely import box
>>> homes = gpd.GeoDataFrame({"community_id": ["a", "b"], "name": ["东苑", "西<苑>"],
...     "build_year": [1985, 1990], "households": [120, 200]},
...     geometry=[box(0, 0, 40, 60), box(48, 0, 90, 60)], crs=4538)
>>> row = pd.Series({"project_id": "Z1", "project_kind": "zone", "members": ("a", "b"), "n_communities": 2,
...     "households": 320, "cost_yuan": 2.5e6, "score": 70.0})
>>> page = plan_sheet_html(row, communities=homes)
>>> "<svg" in page, "西&lt;苑&gt;" in page, "http" in page
(True, True, False)
"""

from __future__ import annotations

import datetime as _dt
import os
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple

import geopandas as gpd
import jinja2
import numpy as np
import pandas as pd
import shapely

from geo.zoning.adjacency import DEFAULT_GAP_M
from geo.errors import SchemaError
from geo.planning.notice import NOTICE_WORKING_DAYS, notice_end_date
from geo.reports.plan_sheets import KIND_LABELS
from geo.planning.money import yuan_to_wan
from geo.reports.projects import safe_name
from geo.io.schema import PIPELINE_KINDS, choice_label

#: Renovation classes (DOMAIN.md: 基础类 / 完善类 / 提升类), in the order a plan lists them.
CATEGORY_LABELS: dict[str, tuple[str, str]] = {
    "basic": ("基础类", "basic"), "improvement": ("完善类", "improvement"), "upgrading": ("提升类", "upgrading"),
}
#: Quantity units in words.
UNIT_LABELS: dict[str, tuple[str, str]] = {
    "m": ("米", "m"), "m2": ("平方米", "m²"), "lift": ("部", "lifts"), "household": ("户", "households"),
    "building": ("栋", "buildings"), "site": ("处", "sites"), "item": ("项", "items"),
}
#: The seven funding sources (geo.planning.costs.FundingShares) in words.
FUNDING_LABELS: dict[str, tuple[str, str]] = {
    "central_subsidy": ("中央补助资金", "central subsidy"), "local_budget": ("地方财政资金", "local budget"),
    "special_bonds": ("地方政府专项债券", "special bonds"), "residents": ("居民出资", "residents"),
    "pipeline_operators": ("管线单位出资", "pipeline operators"), "social_capital": ("社会资本", "social capital"),
    "bank_credit": ("银行信贷", "bank credit"),
}
_KIND_COLOURS = {"water_supply": "#1f77b4", "drainage": "#8c564b", "gas": "#d62728", "heating": "#ff7f0e",
                 "power": "#9467bd", "telecom": "#2ca02c"}
_T: dict[str, tuple[str, str]] = {
    "zone_title": ("连片改造项目 {id} 改造方案（一片区一方案）", "Contiguous-area project {id}: renovation plan"),
    "community_title": ("小区改造项目 {id} 改造方案（一小区一方案）", "Community project {id}: renovation plan"),
    "overview": ("项目概况", "Overview"), "members": ("小区构成", "Member communities"), "map": ("位置示意图", "Map"),
    "items": ("改造内容及投资估算", "Renovation items and cost"), "funding": ("资金筹措", "Funding"),
    "operators": ("涉及管线单位", "Pipeline operators involved"), "notice": ("方案公示", "Public notice"),
    "no": ("序号", "no."), "id": ("小区编号", "id"), "name": ("小区名称", "name"),
    "build_year": ("建成年份", "built"), "households": ("户数", "households"), "buildings": ("楼栋数", "buildings"),
    "floors": ("最高层数", "floors"), "renovated": ("纳入改造", "renovated"), "yes": ("是", "yes"),
    "not_renovated": ("否（不符合改造条件或已改造）", "no (not eligible or already renovated)"),
    "item": ("改造内容", "item"), "unit_of": ("实施范围", "where"), "quantity": ("数量", "quantity"),
    "unit": ("单位", "unit"), "unit_cost": ("单价（元）", "unit cost (yuan)"),
    "cost": ("金额（万元）", "cost (10,000 yuan)"), "reason": ("依据", "why"), "shared": ("片区公共", "zone (shared)"),
    "subtotal": ("小计", "subtotal"), "total": ("合计", "total"), "source": ("资金来源", "source"),
    "share": ("占比", "share"), "kind": ("管线类型", "kind"), "operator": ("管线单位", "operator"),
    "inside": ("区内长度（米）", "inside (m)"), "service": ("服务范围长度（米）", "within service distance (m)"),
    "aged": ("老化长度（米）", "aged (m)"), "unknown": ("未注明", "not given"),
    "order": ("管线改造先地下、后地面、再空中。", "Pipeline works go underground first, then ground, then aerial."),
    "none_given": ("未提供。", "Not given."),
    "notice_dates": ("公示期：{start} 起 {n} 个工作日，至 {end}{how}。",
                     "Public notice: {n} working days from {start} to {end}{how}."),
    "notice_full": ("（已扣除法定节假日，含调休安排）", " (statutory holidays and adjusted working days applied)"),
    "notice_tbd": ("公示期：不少于 {n} 个工作日，日期待定。", "Public notice: at least {n} working days, dates to be set."),
    "kind_label": ("项目类型", "type"), "street": ("街道", "street"), "county": ("县市区", "county"),
    "n_communities": ("改造小区数", "communities renovated"), "cost_total": ("投资估算（万元）", "cost estimate (10,000 yuan)"),
    "score": ("优先级得分", "priority score"), "plan_year": ("计划年度", "plan year"),
    "legend_member": ("改造小区", "renovated community"), "legend_other": ("片区内不改造小区", "member not renovated"),
    "legend_outline": ("片区范围", "zone outline"), "index_title": ("改造方案目录", "Renovation plans"),
    "project": ("项目编号", "project"),
}

#: The templates' folder, next to this module (so any working directory finds it).
TEMPLATES = Path(__file__).resolve().parent / "templates"


@cache
def environment() -> jinja2.Environment:
    """The jinja2 environment of the plan documents: autoescape on, undefined names an error.

    Example
    -------
    >>> environment().from_string("<p>{{ name }}</p>").render(name="<img src=x onerror=alert(1)>")
    '<p>&lt;img src=x onerror=alert(1)&gt;</p>'
    """
    return jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                              undefined=jinja2.StrictUndefined, keep_trailing_newline=False)


class Cell(NamedTuple):
    """One table cell: its text (escaped by the template), right-aligned when numeric, a link."""

    text: str
    numeric: bool = False
    href: str | None = None


def _t(key: str, lang: str, **words) -> str:
    zh, en = _T[key]
    return (zh if lang == "zh" else en).format(**words)


def _s(value) -> str:
    """A value as text, ``—`` when missing (the template escapes it)."""
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return "—"
    return str(value)


def _num(value, digits: int = 0) -> str:
    try:
        v = float(value)
    except (TypeError, ValueError):
        return _s(value)
    return "—" if np.isnan(v) else f"{v:,.{digits}f}"


def _rows(rows: Iterable[list[tuple[str, bool]]]) -> list[list[Cell]]:
    """Table rows of (text, numeric?) pairs as cells."""
    return [[Cell(text, numeric) for text, numeric in row] for row in rows]


def _metric(communities: gpd.GeoDataFrame, pipelines: gpd.GeoDataFrame | None):
    crs = communities.crs
    if crs is not None and crs.is_geographic:
        crs = communities.estimate_utm_crs()
        communities = communities.to_crs(crs)
    if pipelines is not None and crs is not None and pipelines.crs is not None and pipelines.crs != crs:
        pipelines = pipelines.to_crs(crs)
    return communities, pipelines


def _positions(ids: pd.Series) -> dict[str, int]:
    return {str(v): k for k, v in enumerate(ids.to_numpy(dtype=object))}


def _members(project_row: pd.Series, communities: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, list[str]]:
    members = [str(m) for m in project_row["members"]]
    pos = _positions(communities["community_id"])
    missing = [m for m in members if m not in pos]
    if missing:
        raise SchemaError(f"project {project_row['project_id']}: members {', '.join(missing[:10])} are not in the "
                          "communities given; pass the communities layer the reserve was built from",
                          code="sheet_members_missing",
                          params={"project": str(project_row["project_id"]), "ids": missing[:10]})
    rows = communities.iloc[[pos[m] for m in members]].copy()
    out = {str(m) for m in project_row.get("ineligible_members", ()) or ()}
    rows["_renovated"] = [m not in out for m in members]
    return rows, members


def _d(geom, fx, fy) -> str:
    """SVG path data of a (multi)polygon or (multi)line geometry."""
    parts = []
    for g in shapely.get_parts(geom):
        if g.geom_type == "Polygon":
            rings, close = [g.exterior, *g.interiors], " Z"
        elif g.geom_type in ("LineString", "LinearRing"):
            rings, close = [g], ""
        elif g.geom_type.startswith(("Multi", "Geometry")):
            parts.append(_d(g, fx, fy))
            continue
        else:
            continue
        for ring in rings:
            xy = shapely.get_coordinates(ring)
            if len(xy) >= 2:
                parts.append("M" + " L".join(f"{fx(x):.1f},{fy(y):.1f}" for x, y in xy) + close)
    return " ".join(p for p in parts if p)


def _svg(rows: gpd.GeoDataFrame, outline, pipelines: gpd.GeoDataFrame | None, lang: str) -> dict | None:
    """What the map template draws (``_map.svg.j2``): numbers and path data, in SVG units."""
    geoms = np.asarray(rows.geometry.array, dtype=object)
    shapes = [g for g in [*geoms, outline] if g is not None and not shapely.is_empty(g)]
    if not shapes:
        return None
    minx, miny, maxx, maxy = shapely.total_bounds(np.array(shapes, dtype=object))
    dx, dy = max(maxx - minx, 1.0), max(maxy - miny, 1.0)
    width, pad, foot = 640.0, 24.0, 30.0
    s = min((width - 2 * pad) / dx, (440.0 - 2 * pad) / dy)
    height = dy * s + 2 * pad + foot

    def fx(x): return pad + (x - minx) * s
    def fy(y): return pad + (maxy - y) * s

    svg: dict[str, Any] = {"width": f"{width:.0f}", "height": f"{height:.0f}", "label": _t("map", lang),
                           "outline": _d(outline, fx, fy) if outline is not None and len(rows) > 1 else None,
                           "shapes": [{"d": _d(geom, fx, fy), "fill": "#9ecae1" if renovated else "#d9d9d9"}
                                      for geom, renovated in zip(geoms, rows["_renovated"])],
                           "lines": [], "marks": []}
    if pipelines is not None and len(pipelines):
        reach = pad / s
        box = (minx - reach, miny - reach, maxx + reach, maxy + reach)
        lines = shapely.clip_by_rect(np.asarray(pipelines.geometry.array, dtype=object), *box)
        kinds = pipelines["kind"].astype(object).to_numpy() if "kind" in pipelines else np.full(len(lines), None)
        aerial = (pipelines["placement"].astype(object) == "overhead").to_numpy() if "placement" in pipelines \
            else np.zeros(len(lines), bool)
        for kind in dict.fromkeys(kinds):
            for over in (False, True):
                pick = (kinds == kind) & (aerial == over) & ~shapely.is_empty(lines)
                if pick.any():
                    svg["lines"].append({"d": _d(shapely.union_all(lines[pick]), fx, fy),
                                         "colour": _KIND_COLOURS.get(kind, "#555"), "dashed": bool(over)})
    for k, geom in enumerate(geoms, start=1):
        if geom is None or shapely.is_empty(geom):
            continue
        p = shapely.point_on_surface(geom)
        svg["marks"].append({"x": f"{fx(p.x):.1f}", "y": f"{fy(p.y):.1f}", "ty": f"{fy(p.y) + 3.5:.1f}", "k": k})
    target = dx / 4.0
    nice = max(v * 10 ** e for e in range(0, 6) for v in (1, 2, 5) if v * 10 ** e <= max(target, 1.0))
    y0 = height - foot / 2
    svg["scale"] = {"x1": f"{pad}", "x2": f"{pad + nice * s:.1f}", "y": f"{y0:.1f}", "tx": f"{pad + nice * s + 6:.1f}",
                    "ty": f"{y0 + 4:.1f}", "text": f"{nice / 1000:g} km" if nice >= 1000 else f"{nice:g} m"}
    nx_ = width - pad
    svg["north"] = {"d": f"M{nx_:.1f},{pad - 14:.1f} L{nx_ - 6:.1f},{pad + 4:.1f} L{nx_ + 6:.1f},{pad + 4:.1f} Z",
                    "x": f"{nx_:.1f}", "y": f"{pad + 17:.1f}", "text": "北" if lang == "zh" else "N"}
    return svg


def _outline(rows: gpd.GeoDataFrame, outline):
    if outline is not None:
        return outline
    if len(rows) < 2:
        return None
    r = DEFAULT_GAP_M / 2.0 + 0.5
    merged = shapely.union_all(np.asarray(rows.geometry.array, dtype=object))
    return shapely.buffer(shapely.buffer(merged, r, join_style="mitre"), -r, join_style="mitre").union(merged)


def _items_section(items: pd.DataFrame, pid: str, rows: gpd.GeoDataFrame, lang: str) -> dict | None:
    """The items table by class with subtotals (None when the project has no item)."""
    renovated = set(rows.loc[rows["_renovated"], "community_id"].astype(str))
    kind, unit = items["unit_kind"].astype(str), items["unit_id"].astype(str)
    mine = items[((kind == "zone") & (unit == pid)) | ((kind == "community") & unit.isin(renovated))]
    if mine.empty:
        return None
    names = dict(zip(rows["community_id"].astype(str), rows["name"] if "name" in rows else rows["community_id"]))
    costed = "cost_yuan" in mine
    order = {c: k for k, c in enumerate(CATEGORY_LABELS)}
    mine = mine.assign(_o=mine["category"].map(order).fillna(len(order))).sort_values("_o", kind="stable")
    header = [_t(k, lang) for k in ("no", "item", "unit_of", "quantity", "unit")]
    header += [_t("unit_cost", lang), _t("cost", lang)] if costed else []
    header.append(_t("reason", lang))
    table_rows, sub, n = [], [], 0
    for category, part in mine.groupby("_o", sort=True):
        label = CATEGORY_LABELS.get(part["category"].iloc[0], (part["category"].iloc[0],) * 2)
        for r in part.itertuples(index=False):
            n += 1
            where = _t("shared", lang) if r.unit_kind == "zone" else names.get(str(r.unit_id), r.unit_id)
            cells = [(str(n), True), (_s(getattr(r, f"label_{lang}", r.item)), False), (_s(where), False),
                     (_num(r.quantity, 1), True), (_s((UNIT_LABELS.get(r.unit) or (r.unit, r.unit))[lang != "zh"]), False)]
            if costed:
                cells += [(_num(getattr(r, "unit_cost_yuan", np.nan), 0), True), (_num(yuan_to_wan(r.cost_yuan), 2), True)]
            cells.append((_s(getattr(r, f"reason_{lang}", "")), False))
            table_rows.append(cells)
        if costed:
            sub.append(len(table_rows))
            table_rows.append([("", False), (f"{label[lang != 'zh']}{_t('subtotal', lang)}", False)]
                              + [("", False)] * 4 + [(_num(yuan_to_wan(part["cost_yuan"].sum()), 2), True), ("", False)])
    if costed:
        sub.append(len(table_rows))
        table_rows.append([("", False), (_t("total", lang), False)] + [("", False)] * 4
                          + [(_num(yuan_to_wan(mine["cost_yuan"].sum()), 2), True), ("", False)])
    return {"note": _t("order", lang), "header": header, "rows": _rows(table_rows), "sub": sub}


def _funding_section(funding, pid: str, lang: str) -> dict | None:
    """The funding table, source by source with shares (None when the project has no row)."""
    if isinstance(funding, pd.DataFrame):
        frame = funding.set_index("project_id") if "project_id" in funding else funding
        if pid not in frame.index.astype(str):
            return None
        row = frame.loc[frame.index.astype(str) == pid].iloc[0]
    else:
        row = pd.Series(funding)
    sources = [c for c in row.index if str(c).endswith("_yuan")]
    values = pd.to_numeric(row[sources], errors="coerce").fillna(0.0)
    total = float(values.sum())
    body = [[(_s(FUNDING_LABELS.get(str(c)[:-5], (str(c)[:-5],) * 2)[lang != "zh"]), False),
             (_num(yuan_to_wan(v), 2), True), (f"{100 * v / total:.1f} %" if total else "—", True)]
            for c, v in values.items()]
    body.append([(_t("total", lang), False), (_num(yuan_to_wan(total), 2), True), ("100.0 %" if total else "—", True)])
    return {"header": [_t("source", lang), _t("cost", lang), _t("share", lang)], "rows": _rows(body),
            "sub": [len(body) - 1]}


def _operators_section(operators: pd.DataFrame | None, pipelines, rows, outline, pid: str, lang: str) -> dict | None:
    """The pipeline operators and their lengths (None when none is known)."""
    if operators is None and pipelines is not None and {"kind", "operator"} <= set(pipelines.columns):
        area = outline if outline is not None else shapely.union_all(np.asarray(rows.geometry.array, dtype=object))
        inside = shapely.length(shapely.intersection(np.asarray(pipelines.geometry.array, dtype=object), area))
        operators = pd.DataFrame({"project_id": pid, "kind": pipelines["kind"].to_numpy(),
                                  "operator": pipelines["operator"].to_numpy(), "length_inside_m": inside})
        operators = operators[operators["length_inside_m"] > 0.05]
    if operators is None:
        return None
    id_col = next((c for c in ("project_id", "zone_id", "community_id", "unit_id") if c in operators), None)
    ids = operators[id_col].astype(str) if id_col else pd.Series(pid, index=operators.index)
    part = operators[ids == pid]
    if part.empty:
        part = operators[ids.isin(set(rows["community_id"].astype(str)))]
    if part.empty:
        return None
    lengths = [c for c in ("length_inside_m", "length_service_m", "aged_m") if c in part]
    grouped = (part.assign(operator=part["operator"].astype(object).fillna(_t("unknown", lang)))
               .groupby(["kind", "operator"], sort=False)[lengths].sum().reset_index())
    rank = {k: i for i, k in enumerate(PIPELINE_KINDS)}
    grouped = grouped.assign(_r=grouped["kind"].map(rank).fillna(len(rank)),
                             _l=-grouped[lengths[0]]).sort_values(["_r", "_l", "operator"], kind="stable")
    words = {"length_inside_m": "inside", "length_service_m": "service", "aged_m": "aged"}
    header = [_t("kind", lang), _t("operator", lang)] + [_t(words[c], lang) for c in lengths]
    body = [[(_s(choice_label(str(r["kind"]), lang)), False), (_s(r["operator"]), False)]
            + [(_num(r[c], 0), True) for c in lengths] for _, r in grouped.iterrows()]
    return {"header": header, "rows": _rows(body)}


def _notice_section(notice_start: _dt.date | None, lang: str) -> dict:
    """The notice period in words, and a warning when the holiday calendar does not cover it."""
    if notice_start is None:
        return {"text": _t("notice_tbd", lang, n=NOTICE_WORKING_DAYS), "warning": None}
    end = notice_end_date(notice_start)
    how = _t("notice_full", lang) if end.calendar_complete else ""
    text = _t("notice_dates", lang, start=notice_start.isoformat(), end=end.isoformat(), n=end.working_days, how=how)
    return {"text": text, "warning": None if end.calendar_complete else end.note(lang)}


def plan_sheet_html(
    project_row: pd.Series,
    *,
    communities: gpd.GeoDataFrame,
    items: pd.DataFrame | None = None,
    funding: pd.DataFrame | pd.Series | None = None,
    operators: pd.DataFrame | None = None,
    pipelines: gpd.GeoDataFrame | None = None,
    notice_start: _dt.date | None = None,
    lang: str = "zh",
    outline: shapely.Geometry | None = None,
) -> str:
    """A printable, self-contained HTML plan of one project (一小区一方案 / 一片区一方案).

    Parameters
    ----------
    project_row
        One row of the reserve or a plan (``project_id``, ``project_kind``, ``members``...).
    communities
        The communities layer (``community_id``, ``name``, ``build_year``, ``households``,
        ``buildings``, ``floors_max``, footprints); a geographic CRS is projected to UTM.
    items
        Renovation items (:func:`geo.planning.items.renovation_items`, costed by
        :func:`geo.planning.costs.cost_items` for the cost columns): the zone's shared rows and the
        renovated members' rows are listed by class.
    funding
        :func:`geo.planning.costs.funding_split` for the reserve (indexed by project id or with a
        ``project_id`` column), or this project's row.
    operators
        :func:`geo.pipelines.overlay.operator_table` rows (by zone, community or project id). When
        None and ``pipelines`` is given, the lengths inside the outline are measured.
    pipelines
        Pipeline lines drawn on the map (kind colours; overhead dashed).
    notice_start
        The day the notice goes up; the end is :func:`geo.planning.notice.notice_end_date`.
    lang
        "zh" or "en".
    outline
        The zone's outline (:func:`geo.zoning.zones.propose_zones`' zones geometry); when None, the
        members' footprints closed over the gaps between them (merge gap).

    Returns
    -------
    str
        The HTML document.
    """
    if lang not in ("zh", "en"):
        # builtin: the language is the page's or the CLI's own setting, never typed by a visitor
        raise ValueError(f"lang must be 'zh' or 'en', got {lang!r}")
    communities, pipelines = _metric(communities, pipelines)
    pid = str(project_row["project_id"])
    rows, members = _members(project_row, communities)
    kind = str(project_row.get("project_kind", "zone" if len(members) > 1 else "community"))
    shape = _outline(rows, outline) if kind == "zone" else None
    title = _t("zone_title" if kind == "zone" else "community_title", lang, id=pid)
    overview = [(_t("project", lang), pid),
                (_t("kind_label", lang), KIND_LABELS.get(kind, (kind, kind))[lang != "zh"])]
    for key, col, digits in (("street", "street", None), ("county", "county", None),
                             ("n_communities", "n_communities", 0), ("households", "households", 0),
                             ("cost_total", "cost_yuan", 2), ("score", "score", 1), ("plan_year", "plan_year", None)):
        if col in project_row.index:
            value = project_row[col]
            text = _s(value) if digits is None else _num(yuan_to_wan(value) if col == "cost_yuan" else value, digits)
            overview.append((_t(key, lang), text))
    member_rows = [[(str(k), True), (_s(r.get("community_id")), False), (_s(r.get("name")), False),
                    (_s(r.get("build_year")), True), (_num(r.get("households")), True),
                    (_num(r.get("buildings")), True), (_num(r.get("floors_max")), True),
                    (_t("yes", lang) if r["_renovated"] else _t("not_renovated", lang), False)]
                   for k, (_, r) in enumerate(rows.iterrows(), start=1)]
    members = {"header": [_t(k, lang) for k in ("no", "id", "name", "build_year", "households", "buildings",
                                                "floors", "renovated")], "rows": _rows(member_rows)}
    legend = [{"style": "background:#9ecae1", "label": _t("legend_member", lang)},
              {"style": "background:#d9d9d9", "label": _t("legend_other", lang)}]
    if shape is not None:
        legend.append({"style": "background:#fdf3d8;border-color:#c07800", "label": _t("legend_outline", lang)})
    kinds = dict.fromkeys(pipelines["kind"]) if pipelines is not None and "kind" in pipelines and len(pipelines) else ()
    legend += [{"style": f"background:{_KIND_COLOURS.get(k, '#555')}", "label": choice_label(str(k), lang)}
               for k in kinds]
    words = {k: _t(k, lang) for k in ("overview", "members", "map", "items", "funding", "operators", "notice",
                                      "none_given")}
    return environment().get_template("plan_sheet.html.j2").render(
        html_lang="zh-CN" if lang == "zh" else "en", title=title, words=words, overview=overview, members=members,
        svg=_svg(rows, shape, pipelines, lang), legend=legend,
        items=_items_section(items, pid, rows, lang) if items is not None else None,
        funding=_funding_section(funding, pid, lang) if funding is not None else None,
        operators=_operators_section(operators, pipelines, rows, shape, pid, lang),
        notice=_notice_section(notice_start, lang))


def write_plan_sheets(
    projects,
    folder: str | os.PathLike,
    *,
    communities: gpd.GeoDataFrame,
    items: pd.DataFrame | None = None,
    funding: pd.DataFrame | None = None,
    operators: pd.DataFrame | None = None,
    pipelines: gpd.GeoDataFrame | None = None,
    notice_start: _dt.date | None = None,
    lang: str = "zh",
    zones: gpd.GeoDataFrame | None = None,
) -> list[Path]:
    """Write one :func:`plan_sheet_html` page per project into ``folder`` and an ``index.html``.

    ``projects`` is a :class:`geo.planning.reserve.PlanResult` (its chosen projects), the reserve or
    any of its rows; ``zones`` (``zone_id`` + outline) gives the zones' outlines. File names are
    the project id and street (:func:`geo.reports.projects.safe_name`), made unique. Returns the index
    first, then the pages.
    """
    frame = getattr(projects, "chosen", projects)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    communities, pipelines = _metric(communities, pipelines)
    outline_of = {}
    if zones is not None and len(zones):
        zones = zones.to_crs(communities.crs) if zones.crs is not None and communities.crs is not None else zones
        outline_of = dict(zip(zones["zone_id"].astype(str), zones.geometry))
    tree = shapely.STRtree(np.asarray(pipelines.geometry.array, dtype=object)) if pipelines is not None else None
    pos = _positions(communities["community_id"])
    # each page gets only its own rows: split the big tables once
    item_rows = {} if items is None else items.groupby(
        [items["unit_kind"].astype(str), items["unit_id"].astype(str)], sort=False).indices
    op_col = None if operators is None else next(
        (c for c in ("project_id", "zone_id", "community_id", "unit_id") if c in operators), None)
    op_rows = {} if op_col is None else operators.groupby(operators[op_col].astype(str), sort=False).indices
    written, used, links = [], set(), []
    for _, row in frame.iterrows():
        pid = str(row["project_id"])
        members = [str(m) for m in row["members"]]
        mine = communities.iloc[[pos[m] for m in members if m in pos]]
        near = None
        if tree is not None:
            hits = tree.query(shapely.box(*mine.total_bounds).buffer(50.0)) if len(mine) else []
            near = pipelines.iloc[np.sort(hits)]
        keys = [("zone", pid)] + [("community", m) for m in members]
        my_items = None if items is None else items.iloc[
            np.concatenate([item_rows.get(k, np.array([], int)) for k in keys]).astype(int)]
        my_ops = operators if op_col is None else operators.iloc[np.concatenate(
            [op_rows.get(k, np.array([], int)) for k in [pid, *members]]).astype(int)]
        street = row.get("street")
        stem = safe_name(pid if not isinstance(street, str) or not street else f"{pid}_{street}")
        name, k = f"{stem}.html", 2
        while name in used:
            name, k = f"{stem}_{k}.html", k + 1
        used.add(name)
        page = plan_sheet_html(row, communities=mine, items=my_items, funding=funding, operators=my_ops,
                               pipelines=near, notice_start=notice_start, lang=lang, outline=outline_of.get(pid))
        (folder / name).write_text(page, encoding="utf-8")
        written.append(folder / name)
        links.append([Cell(pid, href=name),
                      Cell(KIND_LABELS.get(row.get("project_kind"), ("", ""))[lang != "zh"]),
                      Cell("、".join(n or m for n, m in zip(row.get("member_names", members), members))),
                      Cell(_num(row.get("households")), True),
                      Cell(_num(yuan_to_wan(row.get("cost_yuan", np.nan)), 2), True)])
    header = [_t("project", lang), _t("kind_label", lang), _t("name", lang), _t("households", lang),
              _t("cost_total", lang)]
    index = folder / "index.html"
    index.write_text(environment().get_template("plan_index.html.j2").render(
        html_lang="zh-CN" if lang == "zh" else "en", title=_t("index_title", lang), header=header, rows=links),
        encoding="utf-8")
    return [index, *written]
