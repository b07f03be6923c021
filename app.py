"""Streamlit entry point: the planner's workbench.

Run with ``streamlit run app.py``. Page setup and layout only: loading and analysis are in geo/,
drawing in layers/, the Streamlit panels in ui/.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pandas as pd
import streamlit as st

from geo.errors import GeoError
from geo.load import DEMO_PATH, Dataset, load_demo
from ui import pipelines_panel, planning_panel, proposals_panel, zones_panel
from ui.data_panel import upload_panel
from ui.i18n import LANGS, default_lang, text

#: A GeoPackage with the five layers (as ``data/demo.gpkg``) to open instead of the demo city.
DATA_ENV = "PLANNER_DATA"

st.set_page_config(page_title="老旧小区改造规划 · Old-community planner", layout="wide")


@st.cache_resource(show_spinner=False)
def demo_dataset(path: str, mtime: float) -> Dataset:
    """The demo city, loaded and checked once per file version."""
    return load_demo(path)


def sidebar_language() -> str:
    """The page language: the browser's, switchable here (``?lang=en`` also works)."""
    if "lang" not in st.session_state:
        asked = st.query_params.get("lang")
        st.session_state["lang"] = asked if asked in LANGS else default_lang(st.context.locale)
    return st.sidebar.radio(text("language", "zh"), LANGS, key="lang",
                            format_func=lambda code: {"zh": "中文", "en": "English"}[code], horizontal=True)


def sidebar_basemap(lang: str) -> tuple[dict, str, str]:
    """Basemap settings (none by default), the tiles' datum, and a key that changes with them."""
    with st.sidebar.expander(text("basemap", lang)):
        st.caption(text("basemap_help", lang))
        url = st.text_input(text("basemap_url", lang), key="basemap_url",
                            placeholder="https://t{s}.tianditu.gov.cn/vec_w/wmts?...&tk=KEY")
        attribution = st.text_input(text("basemap_attr", lang), key="basemap_attr")
        subdomains = st.text_input(text("basemap_subdomains", lang), key="basemap_subdomains",
                                   placeholder="01234567")
        gcj = st.checkbox(text("basemap_gcj02", lang), key="basemap_gcj02", help=text("basemap_gcj02_help", lang))
    basemap = {"basemap_url": url.strip() or None, "basemap_attribution": attribution.strip()}
    if subdomains.strip():
        basemap["basemap_options"] = {"subdomains": subdomains.strip()}
    datum = "gcj02" if gcj and basemap["basemap_url"] else "wgs84"
    return basemap, datum, json.dumps({**basemap, "datum": datum}, sort_keys=True)


def current_dataset(lang: str) -> tuple[Dataset | None, str]:
    """The demo city or the planner's uploaded layers, and a key naming it."""
    source = st.sidebar.radio(text("source", lang), ("demo", "upload"), key="source",
                              format_func=lambda s: text(f"source_{s}", lang))
    if source == "upload":
        uploaded = st.session_state.get("uploaded")
        if uploaded is None:
            return None, ""
        return uploaded
    path = os.environ.get(DATA_ENV) or str(DEMO_PATH)
    try:
        mtime = Path(path).stat().st_mtime
        dataset = demo_dataset(path, mtime)
    except (GeoError, OSError) as exc:
        st.error(f"{text('load_error', lang)}: {exc}")
        st.stop()
    st.sidebar.caption(text("demo_caption", lang) if path == str(DEMO_PATH) else path)
    return dataset, f"demo:{mtime}"


def headline(dataset: Dataset, lang: str) -> None:
    """The figures a planner looks for first."""
    communities = dataset.layers["communities"]
    cols = st.columns(5)
    cols[0].metric(text("communities", lang), f"{len(communities):,}")
    years = pd.to_numeric(communities.get("build_year"), errors="coerce")
    cols[1].metric(text("pre2000", lang), f"{int((years <= 2000).sum()):,}")
    households = pd.to_numeric(communities.get("households"), errors="coerce")
    cols[2].metric(text("households", lang), f"{int(households.sum()):,}")
    if "pipelines" in dataset.layers:
        cols[3].metric(text("pipelines_km", lang), f"{dataset.layers['pipelines'].length.sum() / 1000:,.1f}")
    if "facilities" in dataset.layers:
        cols[4].metric(text("facilities", lang), f"{len(dataset.layers['facilities']):,}")


def check_panel(dataset: Dataset, lang: str) -> None:
    """The validation report of every layer."""
    st.caption(text("check_intro", lang))
    for name, report in dataset.reports.items():
        with st.expander(f"{name}: {report.summary()}", expanded=bool(report.rejected)):
            st.write(f"{text('crs_used', lang)}: {report.crs_in}  \n"
                     f"{text('analysis_crs', lang)}: {report.crs_out}")
            table = report.to_frame().drop(columns=["position"])
            if table.empty:
                st.success(text("no_issues", lang))
            else:
                st.dataframe(table, hide_index=True, width="stretch")


def tables_panel(dataset: Dataset) -> None:
    """The attribute tables, one tab per layer."""
    tabs = st.tabs(list(dataset.layers))
    for tab, (name, gdf) in zip(tabs, dataset.layers.items()):
        with tab:
            st.dataframe(pd.DataFrame(gdf.drop(columns=gdf.geometry.name)), hide_index=True,
                         width="stretch")


def _use_upload() -> None:
    """Button callback: make the checked uploads the page's data (before the page reruns)."""
    dataset = st.session_state.get("pending_upload")
    if dataset is None:
        return
    digest = hashlib.sha256(repr(sorted((k, len(v), float(v.total_bounds.sum()))
                                        for k, v in dataset.layers.items())).encode()).hexdigest()[:12]
    st.session_state["uploaded"] = (dataset, f"upload:{digest}")
    st.session_state.pop("edit_session", None)
    st.session_state["source"] = "upload"


def data_in_panel(lang: str) -> None:
    """Uploads, column mapping and validation; the layers are used once the planner says so."""
    dataset = upload_panel(lang)
    st.session_state["pending_upload"] = dataset
    st.button(text("use_upload", lang), type="primary", key="use_upload", disabled=dataset is None,
              on_click=_use_upload)


def main() -> None:
    """Lay out the page."""
    lang = sidebar_language()
    dataset, key = current_dataset(lang)
    rules = zones_panel.rules_sidebar(lang)
    propose_clicked = st.sidebar.button(text("propose", lang), type="primary", key="propose",
                                        disabled=dataset is None, width="stretch")
    colour_by, show_zones, show_pairs, show_pipes, drawn = zones_panel.map_sidebar(lang)
    basemap, datum, basemap_key = sidebar_basemap(lang)
    workspace = proposals_panel.workspace_sidebar(lang)

    st.title(text("title", lang))
    st.caption(text("subtitle", lang))
    if st.session_state.get("dataset_key") != key:
        st.session_state["dataset_key"] = key
        st.session_state.pop("edit_session", None)
        st.session_state["selection"] = []
    if dataset is not None:
        headline(dataset, lang)
        if propose_clicked:
            session = zones_panel.propose(dataset, key, rules, lang)
            if session is not None:
                st.session_state["edit_session"] = session
                st.session_state["selection"] = []

    tab_names = ["tab_map", "tab_proposals", "tab_export", "tab_pipelines", "tab_plan", "tab_data", "tab_check",
                 "tab_tables"]
    labels = [text(name, lang) for name in tab_names]
    # keyed and lazy: the open tab survives reruns, and only its content runs
    tabs = dict(zip(tab_names, st.tabs(labels, key=f"main_tab_{lang}", on_change="rerun")))
    if tabs["tab_map"].open:
        with tabs["tab_map"]:
            if dataset is None:
                st.info(text("upload_communities_first", lang))
            else:
                zones_panel.workbench(dataset, key, lang, basemap, datum, basemap_key, rules, colour_by,
                                      show_zones, show_pairs, show_pipes, drawn)
    if tabs["tab_data"].open:
        with tabs["tab_data"]:
            data_in_panel(lang)
    if dataset is None:
        return
    panels = {
        "tab_proposals": lambda: proposals_panel.proposals_panel(workspace, dataset, key, lang),
        "tab_export": lambda: proposals_panel.export_panel(st.session_state.get("edit_session"), dataset, lang),
        "tab_pipelines": lambda: pipelines_panel.pipelines_panel(dataset, key, lang),
        "tab_plan": lambda: planning_panel.planning_panel(dataset, key, lang, rules, basemap, datum, basemap_key),
        "tab_check": lambda: check_panel(dataset, lang),
        "tab_tables": lambda: tables_panel(dataset),
    }
    for name, panel in panels.items():
        if tabs[name].open:
            with tabs[name]:
                panel()

main()
