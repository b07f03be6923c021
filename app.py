"""Streamlit entry point: the demo city on an offline map, with the data check beside it.

Run with ``streamlit run app.py``. Page setup and layout only: loading and checking data is in
geo/, drawing it in layers/, Streamlit glue in ui/.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from geo.errors import GeoError
from geo.load import DEMO_PATH, Dataset, load_demo
from layers import build_map, cdn_urls
from ui.i18n import LANGS, default_lang, text
from ui.offline import serve_assets

st.set_page_config(page_title="老旧小区改造规划 · Old-community planner", layout="wide")


@st.cache_resource(show_spinner=False)
def demo_dataset(path: str, mtime: float) -> Dataset:
    """The demo city, loaded and checked once per file version."""
    return load_demo(path)


@st.cache_resource(show_spinner=False)
def display_layers(path: str, mtime: float) -> dict:
    """The demo layers in EPSG:4326 for the map (cached: projecting is the slow part)."""
    return demo_dataset(path, mtime).to_display()


def sidebar() -> tuple[str, dict]:
    """Language and basemap settings."""
    if "lang" not in st.session_state:
        st.session_state["lang"] = default_lang(st.context.locale)
    lang = st.sidebar.radio(text("language", "zh"), LANGS, key="lang",
                            format_func=lambda code: {"zh": "中文", "en": "English"}[code], horizontal=True)
    st.sidebar.subheader(text("basemap", lang))
    st.sidebar.caption(text("basemap_help", lang))
    url = st.sidebar.text_input(text("basemap_url", lang), key="basemap_url",
                                placeholder="https://t{s}.tianditu.gov.cn/vec_w/wmts?...&tk=KEY")
    attribution = st.sidebar.text_input(text("basemap_attr", lang), key="basemap_attr")
    subdomains = st.sidebar.text_input(text("basemap_subdomains", lang), key="basemap_subdomains",
                                       placeholder="01234567")
    basemap = {"basemap_url": url.strip() or None, "basemap_attribution": attribution.strip()}
    if subdomains.strip():
        basemap["basemap_options"] = {"subdomains": subdomains.strip()}
    return lang, basemap


def headline(dataset: Dataset, lang: str) -> None:
    """The figures a planner looks for first."""
    communities = dataset.layers["communities"]
    cols = st.columns(5)
    cols[0].metric(text("communities", lang), f"{len(communities):,}")
    cols[1].metric(text("pre2000", lang), f"{int((communities['build_year'] <= 2000).sum()):,}")
    cols[2].metric(text("households", lang), f"{int(communities['households'].sum()):,}")
    if "pipelines" in dataset.layers:
        cols[3].metric(text("pipelines_km", lang), f"{dataset.layers['pipelines'].length.sum() / 1000:,.1f}")
    if "facilities" in dataset.layers:
        cols[4].metric(text("facilities", lang), f"{len(dataset.layers['facilities']):,}")


@st.fragment
def map_panel(layers: dict, lang: str, basemap: dict) -> None:
    """The map; a fragment, so nothing on it reruns the page."""
    try:
        m = build_map(layers, lang=lang, asset_base_url=serve_assets(), **basemap)
    except GeoError as exc:
        st.error(f"{text('map_error', lang)}: {exc}")
        return
    outside = cdn_urls(m)
    if outside:
        st.warning(text("cdn_warning", lang) + " " + ", ".join(outside))
    st_folium(m, key="map", height=680, use_container_width=True, returned_objects=[])


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


def main() -> None:
    """Lay out the page."""
    lang, basemap = sidebar()
    st.title(text("title", lang))
    st.caption(text("subtitle", lang))
    path = str(DEMO_PATH)
    try:
        mtime = Path(path).stat().st_mtime
        dataset = demo_dataset(path, mtime)
        layers = display_layers(path, mtime)
    except (GeoError, OSError) as exc:
        st.error(f"{text('load_error', lang)}: {exc}")
        st.stop()
    st.sidebar.caption(text("demo_caption", lang))
    headline(dataset, lang)
    tab_map, tab_check, tab_tables = st.tabs(
        [text("tab_map", lang), text("tab_check", lang), text("tab_tables", lang)])
    with tab_map:
        map_panel(layers, lang, basemap)
    with tab_check:
        check_panel(dataset, lang)
    with tab_tables:
        tables_panel(dataset)


main()
