"""The planning tab: reserve, priority scores with their breakdown, service gaps, renovation items,
the year's plan under the planner's limits, the roadmap, and the exports.

Analysis is :func:`geo.planning.run.plan_city`; this module only reads the planner's settings, caches
the result per dataset, zoning and settings, and shows it. The map reuses the workbench's cached
base map and swaps one coloured layer (:func:`layers.planning.plan_group`).
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import io
import json
import tempfile
import zipfile
from pathlib import Path

import pandas as pd
import streamlit as st

from geo import (
    CATEGORY_LABELS, DEFAULT_UNIT_COSTS, FACTORS, FACTOR_LABELS, ITEMS, PLAN_STEPS, PRESETS,
    SOURCE_LABELS, YUAN_PER_WAN, Dataset, GeoError, PlanSettings, PlanningResult, choice_label, csv_bytes,
    explain_score, format_wan, gaps_wide, plan_city, plan_table, plan_workbook, plan_xlsx_bytes,
    project_years, read_item_edits, read_unit_costs, service_gaps, time_limited, wan_to_yuan,
    write_plan_sheets,
)

from layers.escape import escape_html
from layers.geojson import for_basemap
from layers.planning import SCHEMES, plan_group, plan_legend
from ui import mapview, pipelines_panel
from ui.i18n import TEXT, text
from ui.messages import error_words, show
from ui.state import Data, PlanForm, bind, bind_choice, keep_in, state
from ui.tables import for_display
from ui.zones_panel import base_map

PLAN_MAP_KEY = "plan_map"


def _zoning(session) -> dict[str, str]:
    return {} if session is None else dict(session.zoning.assignment())


@st.cache_resource(show_spinner=False, max_entries=4)
def _gaps(_dataset: Dataset, key: str) -> pd.DataFrame:
    """Service gaps of the dataset (along its roads when it has them), once per dataset."""
    layers = _dataset.layers
    roads = layers.get("roads")
    fac = layers.get("facilities")
    if fac is None or not len(fac):  # unknown, not missing: plan_city says so in its notes
        return None
    return service_gaps(layers["communities"], fac,
                        roads=roads if roads is not None and len(roads) else None)


@st.cache_resource(show_spinner=False, max_entries=6)
def _plan(_current: Data, key: str, zoning_key: str, settings_key: str, _zone_of: dict,
          _settings: PlanSettings, _zones=None, _progress=None) -> PlanningResult:
    """The plan of one dataset, zoning and settings (cached: reruns that change nothing are free);
    ``_progress`` is called with each step's name."""
    analysis = pipelines_panel.current_analysis(_current)
    needs = analysis.communities if analysis is not None else None
    gaps = _gaps(_current.dataset, _current.key)
    return plan_city(_current.dataset.layers, zone_of=_zone_of, settings=_settings, needs=needs,
                     gaps=gaps, zones=_zones, progress=_progress)


def _plan_form() -> PlanForm:
    return state().plan


def settings_form(lang: str, cutoff_year: int) -> PlanSettings | None:
    """The planner's settings: year, preset and weights, limits, roadmap, notice, costs (each one a
    field of the page state's :class:`ui.state.PlanForm`, so a closed tab or a language switch keeps it)."""
    form: PlanForm = state().plan
    c = st.columns(4)
    form.year = int(c[0].number_input(text("plan_year", lang), 2000, 2100, step=1, **bind("plan_year", form.year, keep=keep_in(_plan_form, "year", int))))
    form.preset = c[1].selectbox(text("preset", lang), list(PRESETS), **bind_choice("plan_preset", form.preset, list(PRESETS), lang),
                                 format_func=lambda p: text(f"preset_{p}", lang), help=text("preset_help", lang))
    target = form.target_year if form.target_year is not None else form.year + 3
    form.target_year = int(c[2].number_input(text("target_year", lang), 0, 2100, step=1, **bind("plan_target", target, keep=keep_in(_plan_form, "target_year", int)),
                                             help=text("target_help", lang)))
    notice_default = form.notice_start or _dt.date(form.year, 3, 2)
    form.notice_start = c[3].date_input(text("notice_start", lang), **bind("plan_notice", notice_default, keep=keep_in(_plan_form, "notice_start")),
                                        format="YYYY-MM-DD")
    c = st.columns(4)
    form.budget_wan = float(c[0].number_input(text("budget_wan", lang), 0.0, 1e9, step=1000.0,
                                              **bind("plan_budget", float(form.budget_wan), keep=keep_in(_plan_form, "budget_wan", float)),
                                              help=text("zero_no_limit", lang)))
    form.max_households = int(c[1].number_input(text("max_households", lang), 0, 10**7, step=1000,
                                                **bind("plan_max_hh", int(form.max_households), keep=keep_in(_plan_form, "max_households", int)),
                                                help=text("zero_no_limit", lang)))
    form.max_communities = int(c[2].number_input(text("max_communities", lang), 0, 10**6, step=10,
                                                 **bind("plan_max_n", int(form.max_communities), keep=keep_in(_plan_form, "max_communities", int)),
                                                 help=text("zero_no_limit", lang)))
    form.budget_per_year_wan = float(c[3].number_input(text("budget_per_year_wan", lang), 0.0, 1e9, step=1000.0,
                                                       **bind("plan_per_year", float(form.budget_per_year_wan), keep=keep_in(_plan_form, "budget_per_year_wan", float)),
                                                       help=text("zero_no_limit", lang)))
    base = PRESETS[form.preset]
    mine = form.weights.setdefault(form.preset, dict(base.weights()))
    with st.expander(text("weights", lang)):
        st.caption(text("weights_help", lang))
        cols = st.columns(len(FACTORS))
        for i, f in enumerate(FACTORS):
            mine[f] = float(cols[i].number_input(FACTOR_LABELS[f][0 if lang == "zh" else 1], 0.0, 10.0,
                                                 step=0.05, **bind(f"w_{form.preset}_{f}", float(mine[f]))))
    with st.expander(text("unit_costs", lang)):
        st.caption(text("unit_costs_help", lang))
        upload = st.file_uploader(text("unit_costs_file", lang), type=["csv"], key="plan_costs")
        unit_costs = None
        if upload is not None:
            with tempfile.TemporaryDirectory() as tmp:
                path = Path(tmp) / Path(upload.name).name
                path.write_bytes(upload.getvalue())
                try:
                    unit_costs = read_unit_costs(path)
                except GeoError as exc:
                    show("error", error_words(exc, lang, file=upload.name))
        st.dataframe(for_display(DEFAULT_UNIT_COSTS if unit_costs is None else unit_costs, lang),
                     hide_index=True, width="stretch")
    if not any(mine.values()):
        show("error", text("weights_zero", lang))
        return None
    year, target = form.year, form.target_year
    return PlanSettings(
        plan_year=year, cutoff_year=cutoff_year,
        weights=form.preset if mine == base.weights() else dict(mine),
        unit_costs=unit_costs, item_edits=tuple(form.item_edits),
        budget_yuan=wan_to_yuan(form.budget_wan), max_households=form.max_households or None,
        max_communities=form.max_communities or None,
        target_year=target if target >= year else None, budget_per_year_yuan=wan_to_yuan(form.budget_per_year_wan),
        notice_start=form.notice_start,
    )


def _settings_key(settings: PlanSettings) -> str:
    fields = {k: v for k, v in settings.__dict__.items() if k != "unit_costs"}
    if settings.unit_costs is not None:
        fields["unit_costs"] = settings.unit_costs.to_csv(index=False)
    return hashlib.sha256(json.dumps(fields, default=str, sort_keys=True).encode()).hexdigest()[:16]


def headline(result: PlanningResult, lang: str) -> None:
    """The figures of the plan, its binding limit and its funding by source."""
    scores, totals = result.scores, result.plan.totals
    cols = st.columns(6)
    cols[0].metric(text("eligible", lang), f"{int(scores['eligible'].sum()):,}")
    cols[1].metric(text("reserve_projects", lang), f"{len(result.reserve):,}")
    cols[2].metric(text("plan_projects", lang), f"{totals['projects']:,}")
    cols[3].metric(text("plan_communities", lang), f"{totals['communities']:,}")
    cols[4].metric(text("plan_households", lang), f"{totals['households']:,}")
    cols[5].metric(text("plan_cost_wan", lang), format_wan(totals['cost_yuan'], digits=0))
    st.caption(result.plan.binding_text(lang))
    funding = result.funding_totals()
    names = {f"{k}_yuan": v[0 if lang == "zh" else 1] for k, v in SOURCE_LABELS.items()}
    table = pd.DataFrame({text("funding_source", lang): [names.get(k, k) for k in funding.index],
                          text("amount_wan", lang): (funding.to_numpy() / YUAN_PER_WAN).round(1)})
    st.dataframe(for_display(table, lang), hide_index=True, width="stretch")
    for note in result.notes:
        st.caption(note.get(lang, note.get("en", "")))


def plan_map(dataset: Dataset, key: str, result: PlanningResult, lang: str, basemap: dict, datum: str,
             basemap_key: str, cutoff: int, small_max: int) -> None:
    """Communities coloured by roadmap year, priority score or the facility kinds out of reach."""
    choices = [s for s in SCHEMES if s != "gap" and (s != "roadmap_year" or result.roadmap is not None)
               and (s != "n_gaps" or result.gaps is not None)]
    scheme = st.radio(text("plan_map_by", lang), choices, horizontal=True,
                      **bind_choice("plan_map_scheme", choices[0], choices, lang),
                      format_func=lambda v: SCHEMES[v][0 if lang == "zh" else 1])
    if scheme not in choices:
        scheme = choices[0]
    communities = dataset.layers["communities"]
    if scheme == "roadmap_year":
        values = project_years(result.roadmap)
    elif scheme == "score":
        values = pd.Series(result.scores["score"].to_numpy(), index=result.scores["community_id"].astype(str))
    else:
        kinds = sorted(result.gaps["kind"].unique())
        kind = st.selectbox(text("gap_kind", lang), ["all", *kinds], **bind_choice("plan_gap_kind", "all", ["all", *kinds], lang),
                            format_func=lambda k: text("gap_all", lang) if k == "all" else choice_label(k, lang))
        wide = gaps_wide(result.gaps).set_index("community_id")
        if kind != "all":
            scheme, values = "gap", wide[f"gap_{kind}"].astype(int)
        else:
            values = wide["n_gaps"]
    base = base_map(dataset, key, lang, "build_year", cutoff, small_max, basemap_key, basemap, datum)
    values = pd.Series(values, dtype=object)
    layer_key = hashlib.sha256(f"{key}|{datum}|{lang}|{scheme}|{values.to_json()}".encode()).hexdigest()[:16]

    def build():  # only when the figures shown changed: a rerun that changes nothing sends the stored script
        return plan_group(for_basemap(communities, datum, layer="communities"), values, scheme=scheme, lang=lang,
                          precision=5 if len(communities) >= 3000 else 6)[0]

    left, right = st.columns([5, 1])
    with left:
        mapview.show(base, key=PLAN_MAP_KEY, feature_groups=[(layer_key, build)], returned_objects=(), height=520,
                     js_cache=state().plan_layer_js)
    with right:
        st.markdown(_legend(plan_legend(values, scheme=scheme, lang=lang)), unsafe_allow_html=True)


def _legend(section) -> str:
    """The map's colours as plain HTML swatches (Streamlit's HTML element drops inline SVG)."""
    rows = [f"**{escape_html(section.title)}**"]
    for item in section.items:
        swatch = (f'<span style="display:inline-block;width:14px;height:10px;margin-right:6px;'
                  f'background:{escape_html(item.fill or item.color)};border:1px solid #555"></span>')
        rows.append(swatch + escape_html(item.text))
    return "  \n".join(rows)


def score_table(eligible: pd.DataFrame, points: list[str], lang: str) -> pd.DataFrame:
    """Scores with their points per factor, the factors named in ``lang``."""
    i = 0 if lang == "zh" else 1
    names = {f"points_{f}": text("points_of", lang).format(factor=FACTOR_LABELS[f][i])
             for f in FACTORS}
    table = eligible[["community_id", "score", "rank", *points, "missing_factors"]].copy()
    sep = "、" if lang == "zh" else ", "
    table["missing_factors"] = [sep.join(FACTOR_LABELS.get(f, (f, f))[i] for f in str(v or "").split(";") if f)
                                for v in table["missing_factors"]]
    return table.rename(columns={**names, "score": text("score", lang), "rank": text("rank", lang),
                                 "missing_factors": text("missing_factors", lang)})


def _gap_table(result: PlanningResult, lang: str) -> pd.DataFrame:
    gaps = result.gaps
    method = gaps["method"].value_counts(normalize=True)
    by_kind = gaps.groupby("kind").agg(circle_m=("circle_m", "first"), served=("served", "mean"),
                                       median_m=("distance_m", "median")).reset_index()
    by_kind["not_served_share"] = (1 - by_kind.pop("served")).round(3)
    st.caption(", ".join(f"{text('method_' + m, lang)}: {share:.0%}" for m, share in method.items()))
    if result.zone_gaps is not None:
        zone = result.zone_gaps.groupby("kind")["served"].mean()
        by_kind["zones_not_served_share"] = (1 - by_kind["kind"].map(zone)).round(3)
    return by_kind


def items_editor(result: PlanningResult, lang: str) -> None:
    """The renovation items of one project, and the planner's additions and removals."""
    reserve = result.reserve
    pids = reserve["project_id"].astype(str).tolist()
    if not pids:
        show("info", text("no_projects", lang))
        return
    pid = st.selectbox(text("project", lang), pids, **bind_choice("items_project", pids[0], pids))
    pid = pid if pid in pids else pids[0]
    row = reserve.loc[reserve["project_id"].astype(str) == pid].iloc[0]
    units = {pid, *map(str, row["members"])}
    items = result.items
    mine = items[items["unit_id"].astype(str).isin(units)]
    label = "label_zh" if lang == "zh" else "label_en"
    reason = "reason_zh" if lang == "zh" else "reason_en"
    columns_shown = [c for c in ("unit_id", "category", label, "quantity", "unit", "cost_yuan", reason, "source") if c in mine]
    table = mine[columns_shown].copy()
    table["source"] = [text(f"source_{v}", lang) if f"source_{v}" in TEXT else v for v in table["source"]]
    if "category" in table:
        table["category"] = [CATEGORY_LABELS.get(v, (v, v))[0 if lang == "zh" else 1] for v in table["category"]]
    st.dataframe(for_display(table, lang), hide_index=True, width="stretch")
    c = st.columns([2, 1, 1, 1])
    unit_id = c[0].selectbox(text("item_unit", lang), sorted(units), key="item_unit")
    code = c[1].selectbox(text("item", lang), list(ITEMS), key=f"item_code_{lang}",
                          format_func=lambda k: ITEMS[k][1 if lang == "zh" else 2])
    qty = c[2].number_input(text("quantity", lang), 0.0, 1e7, 1.0, key="item_qty")
    form = state().plan
    edits = form.item_edits
    kind = "zone" if unit_id == pid and row["project_kind"] == "zone" else "community"
    if c[3].button(text("add_item", lang), key="item_add"):
        edits.append({"action": "add", "unit_id": unit_id, "item": code, "quantity": qty, "unit_kind": kind})
        st.rerun()
    if c[3].button(text("remove_item", lang), key="item_remove"):
        edits.append({"action": "remove", "unit_id": unit_id, "item": code})
        st.rerun()
    c = st.columns([1, 1, 2])
    if edits:
        c[0].caption(text("item_edits", lang).format(n=len(edits)))
        c[0].download_button(text("save_item_edits", lang), json.dumps(edits, ensure_ascii=False, indent=1),
                             "item_edits.json", "application/json", key="item_save", on_click="ignore")
        if c[1].button(text("clear_item_edits", lang), key="item_clear"):
            form.item_edits = []
            st.rerun()
    upload = c[2].file_uploader(text("load_item_edits", lang), type=["json"], key="item_load")
    if upload is not None and form.item_load_id != upload.file_id:
        form.item_load_id = upload.file_id
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / Path(upload.name).name
            path.write_bytes(upload.getvalue())
            try:
                form.item_edits = read_item_edits(path)
            except GeoError as exc:
                c[2].error(error_words(exc, lang, file=upload.name))
                return
        st.rerun()


def _sheets_zip(result: PlanningResult, dataset: Dataset, zones, lang: str) -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        write_plan_sheets(result.plan, Path(tmp), communities=dataset.layers["communities"], items=result.items,
                          funding=result.funding, operators=result.operators,
                          pipelines=dataset.layers.get("pipelines"),
                          notice_start=result.settings.notice_start, lang=lang, zones=zones)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bundle:
            for path in sorted(Path(tmp).iterdir()):
                bundle.write(path, f"plan_sheets/{path.name}")
        return buffer.getvalue()


def _xlsx(result: PlanningResult, lang: str) -> bytes:
    return plan_xlsx_bytes(plan_workbook(result.plan, lang=lang))


def exports(result: PlanningResult, dataset: Dataset, zones, lang: str) -> None:
    """Downloads: the plan (CSV, XLSX), the plan sheets (HTML, zipped), the reserve, the roadmap; each
    file is built when its button is clicked, and a download does not rerun the page."""
    year = result.settings.plan_year
    csv = csv_bytes  # Excel-ready: BOM, CRLF, formula-safe cells (geo.io.tables)
    c = st.columns(5)
    c[0].download_button(text("dl_plan_csv", lang), lambda: csv(plan_table(result.plan, lang=lang)),
                         f"annual_plan_{year}.csv", "text/csv", key="dl_plan_csv", on_click="ignore")
    c[1].download_button(text("dl_plan_xlsx", lang), lambda: _xlsx(result, lang), f"annual_plan_{year}.xlsx",
                         key="dl_plan_xlsx", on_click="ignore")
    c[2].download_button(text("dl_sheets", lang), lambda: _sheets_zip(result, dataset, zones, lang),
                         f"plan_sheets_{year}.zip", "application/zip", key="dl_sheets", on_click="ignore")
    c[3].download_button(text("dl_reserve", lang), lambda: csv(plan_table(result.reserve, lang=lang)),
                         "reserve.csv", "text/csv", key="dl_reserve", on_click="ignore")
    if result.roadmap is not None:
        c[4].download_button(text("dl_roadmap", lang), lambda: csv(plan_table(result.roadmap, lang=lang)),
                             "roadmap.csv", "text/csv", key="dl_roadmap", on_click="ignore")


def planning_panel(current: Data, page_settings, lang: str) -> None:
    """The planning tab."""
    dataset, key, rules = current.dataset, current.key, page_settings.rules
    basemap, datum, basemap_key = page_settings.basemap, page_settings.datum, page_settings.basemap_key
    settings = settings_form(lang, rules.cutoff_year)
    if settings is None:
        return
    session = state().work_for(key).edit
    if session is None:
        show("info", text("plan_without_zones", lang))
    zone_of = _zoning(session)
    zoning_key = pipelines_panel.zoning_signature(session)
    try:
        with st.status(text("planning", lang), expanded=False) as status:
            def progress(name: str) -> None:
                n = PLAN_STEPS.index(name) + 1
                status.update(label=f"{text('planning', lang)} {n}/{len(PLAN_STEPS)} · "
                                    f"{text(f'plan_step_{name}', lang)}")

            result = _plan(current, key, zoning_key, _settings_key(settings), zone_of, settings,
                           session.zones if session is not None else None, time_limited(progress, "plan"))
            status.update(label=text("plan_ready", lang), state="complete")
    except GeoError as exc:
        show("error", error_words(exc, lang))
        return
    headline(result, lang)
    zones = session.zones if session is not None else None
    names = ["plan_tab_plan", "plan_tab_reserve", "plan_tab_gaps", "plan_tab_roadmap", "plan_tab_items",
             "plan_tab_export"]
    tabs = dict(zip(names, st.tabs([text(n, lang) for n in names])))
    with tabs["plan_tab_plan"]:
        st.dataframe(for_display(plan_table(result.plan, lang=lang), lang), hide_index=True, width="stretch")
        with st.expander(text("skipped", lang).format(n=len(result.plan.skipped))):
            st.dataframe(for_display(plan_table(result.plan.skipped, lang=lang), lang), hide_index=True, width="stretch")
        plan_map(dataset, key, result, lang, basemap, datum, basemap_key, rules.cutoff_year,
                 rules.small_max_households)
    with tabs["plan_tab_reserve"]:
        eligible = result.scores[result.scores["eligible"]].sort_values("rank")
        cids = eligible["community_id"].astype(str).tolist()
        cid = st.selectbox(text("explain", lang), cids, **bind_choice("explain_cid", cids[0] if cids else None, cids),
                           placeholder=text("choose", lang))
        cid = cid if cid in cids else None
        if cid:
            row = eligible.loc[eligible["community_id"].astype(str) == cid].iloc[0]
            st.write(explain_score(row, lang))
        points = [c for c in eligible.columns if c.startswith("points_")]
        st.dataframe(for_display(score_table(eligible, points, lang), lang), hide_index=True,
                     width="stretch")
        if len(result.duplicates):
            show("warning", text("duplicates", lang).format(n=len(result.duplicates)))
            st.dataframe(for_display(result.duplicates, lang), hide_index=True, width="stretch")
        st.caption(text("reserve", lang))
        st.dataframe(for_display(plan_table(result.reserve, lang=lang), lang), hide_index=True, width="stretch")
    with tabs["plan_tab_gaps"]:
        if result.gaps is None:
            show("info", text("no_facilities", lang))
        else:
            st.dataframe(for_display(_gap_table(result, lang), lang), hide_index=True, width="stretch")
    with tabs["plan_tab_roadmap"]:
        if result.roadmap is None:
            show("info", text("no_roadmap", lang))
        else:
            st.write(result.roadmap_shortfall["text_zh" if lang == "zh" else "text_en"])
            st.dataframe(for_display(result.roadmap_summary, lang), hide_index=True, width="stretch")
    with tabs["plan_tab_items"]:
        items_editor(result, lang)
    with tabs["plan_tab_export"]:
        exports(result, dataset, zones, lang)

