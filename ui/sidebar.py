"""The sidebar: language, data source, zone rules, the *Propose zones* button, what the map draws,
and the basemap. Every value is a field of the page state (:mod:`ui.state`), so a language switch or
a closed tab loses nothing.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import streamlit as st

from geo import DEMO_PATH, GeoError, ZoneRules, dataset_fingerprint, describe_crs, load_demo
from layers.styles import COMMUNITY_SCHEMES
from ui.i18n import LANGS, default_lang, text
from ui.messages import show
from ui.state import Data, PageState, bound

#: A GeoPackage with the layers of ``data/demo.gpkg`` to open instead of the demo city.
DATA_ENV = "PLANNER_DATA"


@dataclass(frozen=True)
class Settings:
    """What the sidebar asks for in this run."""

    rules: ZoneRules
    propose_clicked: bool = False
    colour_by: str = "build_year"
    show_zones: bool = True
    show_pairs: bool = False
    show_pipes: bool = False
    drawn: tuple[str, ...] = ("admin", "barriers", "communities")
    basemap: dict = field(default_factory=lambda: {"basemap_url": None, "basemap_attribution": ""})
    datum: str = "wgs84"
    basemap_key: str = ""


@st.cache_resource(show_spinner=False)
def _demo(path: str, mtime: float) -> Data:
    """The demo city (or ``$PLANNER_DATA``), loaded, checked and fingerprinted once per file version."""
    dataset = load_demo(path)
    name = Path(path).name
    return Data(dataset, dataset_fingerprint(dataset), name, describe_crs(dataset.crs))


def initial_language(s: PageState) -> str:
    """The page language before the sidebar is drawn: the session's, else ``?lang=``, else the browser's."""
    if not s.lang:
        asked = st.query_params.get("lang")
        s.lang = asked if asked in LANGS else default_lang(st.context.locale)
    return s.lang


def language(s: PageState) -> str:
    """The page language: the browser's, switchable here (``?lang=en`` also works)."""
    initial_language(s)
    key = bound("lang", s.lang)
    s.lang = st.sidebar.radio(text("language", "zh"), LANGS, key=key, horizontal=True,
                              format_func=lambda code: {"zh": "中文", "en": "English"}[code])
    return s.lang


def dataset(s: PageState, lang: str) -> Data | None:
    """The demo city or the planner's uploaded layers (None: upload chosen, nothing used yet)."""
    key = bound("source", s.source, lang)
    s.source = st.sidebar.radio(text("source", lang), ("demo", "upload"), key=key,
                                format_func=lambda v: text(f"source_{v}", lang))
    if s.source == "upload":
        current = s.upload
        if current is not None:
            st.sidebar.caption(text("upload_caption", lang).format(name=current.name, crs=current.crs))
    else:
        path = os.environ.get(DATA_ENV) or str(DEMO_PATH)
        try:
            current = _demo(path, Path(path).stat().st_mtime)
        except (GeoError, OSError) as exc:
            from ui.messages import error_words

            show("error", f"{text('load_error', lang)}: {error_words(exc, lang, file=Path(path).name)}")
            current = None
        else:
            st.sidebar.caption(text("demo_caption", lang) if path == str(DEMO_PATH)
                               else text("data_caption", lang).format(name=current.name))
    if current is not None:
        s.known[current.key] = s.source
        s.dataset_key = current.key
    else:
        s.dataset_key = ""
    return current


def _rules(lang: str) -> ZoneRules:
    """The zone rules as the planner set them (defaults explained)."""
    d = ZoneRules()
    with st.sidebar.expander(text("rules", lang), expanded=False):
        st.caption(text("rules_help", lang).format(year=d.cutoff_year))
        gap = st.number_input(text("gap_m", lang), 0.0, 200.0, step=1.0, key=bound("r_gap", float(d.gap_m)),
                              help=text("gap_help", lang))
        small = st.number_input(text("small_max", lang), 10, 5000, step=10, key=bound("r_small", d.small_max_households))
        cutoff = st.number_input(text("cutoff_year", lang), 1950, 2030, step=1, key=bound("r_cutoff", d.cutoff_year))
        lo = st.number_input(text("min_hh", lang), 10, 10000, step=10, key=bound("r_min", d.min_households))
        hi = st.number_input(text("max_hh", lang), 10, 50000, step=50, key=bound("r_max", d.max_households))
        members = st.number_input(text("max_members", lang), 2, 50, step=1, key=bound("r_members", d.max_members))
        span = st.number_input(text("max_span", lang), 50.0, 5000.0, step=50.0, key=bound("r_span", float(d.max_span_m)))
        any_street = st.checkbox(text("any_street", lang), key=bound("r_any_street", not d.same_street))
        anchor = st.checkbox(text("allow_anchor", lang), key=bound("r_anchor", d.allow_anchor))
    try:
        return ZoneRules(gap_m=gap, small_max_households=int(small), cutoff_year=int(cutoff),
                         min_households=int(lo), max_households=int(hi), max_members=int(members),
                         max_span_m=span, same_street=not any_street, allow_anchor=anchor)
    except ValueError:
        show("error", sidebar=True, words=text("rules_invalid", lang).format(lo=int(lo), hi=int(hi)))
        return d


def _map_settings(lang: str) -> dict:
    """Colour scheme of the communities, which analysis layers are drawn, and which data layers the
    base map carries (pipelines and facilities on request: they weigh most)."""
    colour_by = st.sidebar.selectbox(text("colour_by", lang), list(COMMUNITY_SCHEMES),
                                     key=bound("colour_by", "build_year", lang),
                                     format_func=lambda v: text(f"scheme_{v}", lang))
    drawn = ["admin", "barriers", "communities"]
    cols = st.sidebar.columns(2)
    if cols[0].checkbox(text("draw_pipelines", lang), key=bound("draw_pipelines", False)):
        drawn.append("pipelines")
    if cols[1].checkbox(text("draw_facilities", lang), key=bound("draw_facilities", False)):
        drawn.append("facilities")
    if cols[0].checkbox(text("draw_roads", lang), key=bound("draw_roads", False)):
        drawn.append("roads")
    return {
        "colour_by": colour_by,
        "show_zones": st.sidebar.checkbox(text("show_zones", lang), key=bound("show_zones", True)),
        "show_pairs": st.sidebar.checkbox(text("show_pairs", lang), key=bound("show_pairs", False)),
        "show_pipes": st.sidebar.checkbox(text("show_pipes", lang), key=bound("show_pipes", False)),
        "drawn": tuple(drawn),
    }


def _basemap(lang: str) -> dict:
    """Basemap settings (none by default), the tiles' datum, and a key that changes with them."""
    with st.sidebar.expander(text("basemap", lang)):
        st.caption(text("basemap_help", lang))
        url = st.text_input(text("basemap_url", lang), key=bound("basemap_url", ""),
                            placeholder="https://t{s}.tianditu.gov.cn/vec_w/wmts?...&tk=KEY")
        attribution = st.text_input(text("basemap_attr", lang), key=bound("basemap_attr", ""))
        subdomains = st.text_input(text("basemap_subdomains", lang), key=bound("basemap_subdomains", ""),
                                   placeholder="01234567")
        gcj = st.checkbox(text("basemap_gcj02", lang), key=bound("basemap_gcj02", False),
                          help=text("basemap_gcj02_help", lang))
    basemap = {"basemap_url": url.strip() or None, "basemap_attribution": attribution.strip()}
    if subdomains.strip():
        basemap["basemap_options"] = {"subdomains": subdomains.strip()}
    datum = "gcj02" if gcj and basemap["basemap_url"] else "wgs84"
    return {"basemap": basemap, "datum": datum, "basemap_key": json.dumps({**basemap, "datum": datum}, sort_keys=True)}


def settings(s: PageState, lang: str, *, has_data: bool) -> Settings:
    """Rules, the propose button, the map's layers and the basemap."""
    rules = _rules(lang)
    clicked = st.sidebar.button(text("propose", lang), type="primary", key="propose", disabled=not has_data,
                                width="stretch")
    return Settings(rules=rules, propose_clicked=clicked, **_map_settings(lang), **_basemap(lang))




def own_data(s: PageState, fingerprint: str) -> Data | None:
    """The loaded dataset of ``fingerprint`` (the demo city's or the planner's upload), if any."""
    if s.upload is not None and s.upload.key == fingerprint:
        return s.upload
    path = os.environ.get(DATA_ENV) or str(DEMO_PATH)
    try:
        demo = _demo(path, Path(path).stat().st_mtime)
    except (GeoError, OSError):
        return None
    return demo if demo.key == fingerprint else None
