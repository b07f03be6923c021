"""Pipelines first: the pipelines tab (per zone and per operator tables, work lists, phasing,
lead telecom, network findings) and the impact of a selected segment.

The analysis is :func:`geo.pipelines.analysis.analyse_pipelines` (the one wiring the command line
uses too); it is computed once per dataset and zoning (cached) and read by the map (aged segments,
findings) and this tab.
"""

from __future__ import annotations

import hashlib
import io
import tempfile
import zipfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import streamlit as st

from geo import (
    PIPE_STEPS, Dataset, GeoError, PipelineAnalysis, analyse_pipelines, lead_telecom, phase_works,
    time_limited, works_impact, write_work_lists,
)
from ui.boundary import guarded
from ui.i18n import text
from ui.messages import error_words, show
from ui.state import Data, bind, bind_choice, state
from ui.tables import for_display


def zoning_signature(session) -> str:
    """A short key of the current zoning (the analysis is cached per zoning)."""
    if session is None:
        return "none"
    text_ = repr(sorted(session.zoning.assignment().items()))
    return hashlib.sha256(text_.encode()).hexdigest()[:16]


@st.cache_resource(show_spinner=False, max_entries=6)
def analyse(_dataset: Dataset, key: str, zoning_key: str, _zones: gpd.GeoDataFrame | None,
            _progress=None) -> PipelineAnalysis:
    """:func:`geo.pipelines.analysis.analyse_pipelines` of the dataset and zoning (cached per
    ``key`` and ``zoning_key``); ``_progress`` is called with the name of each step
    (:data:`PIPE_STEPS`) as it starts."""
    return analyse_pipelines(_dataset.layers["communities"], _dataset.layers["pipelines"], zones=_zones,
                             progress=_progress)


def current_analysis(current: Data, progress=None) -> PipelineAnalysis | None:
    """The analysis of the page's dataset and current zoning (None without a pipelines layer)."""
    dataset = current.dataset
    if "pipelines" not in dataset.layers or not len(dataset.layers["pipelines"]):
        return None
    session = state().work_for(current.key).edit
    zones = session.zones if session is not None else None
    return analyse(dataset, current.key, zoning_signature(session), zones, progress)


def impact_of(analysis: PipelineAnalysis, pipeline_ids: list[str], dataset: Dataset) -> pd.DataFrame:
    """The communities that lose supply while ``pipeline_ids`` are worked on."""
    return works_impact(analysis.networks, pipeline_ids, dataset.layers["communities"])


def _zip_work_lists(work: gpd.GeoDataFrame) -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        write_work_lists(work, Path(tmp))
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bundle:
            for path in sorted(Path(tmp).rglob("*")):
                if path.is_file():
                    bundle.write(path, path.relative_to(tmp).as_posix())
        return buffer.getvalue()


def _zone_impact(title: str, planned: list[str]) -> None:
    state().work.impact = (title, planned)


def _select_affected(ids: list[str]) -> None:
    state().work.selection = list(ids)


def pipelines_panel(current: Data, lang: str) -> None:
    """The pipelines tab."""
    dataset = current.dataset
    work = state().work_for(current.key)
    if "pipelines" not in dataset.layers:
        show("info", text("no_pipelines", lang))
        return
    with st.status(text("analysing_pipelines", lang), expanded=False) as status:
        def progress(name: str) -> None:
            n = PIPE_STEPS.index(name) + 1
            status.update(label=f"{text('analysing_pipelines', lang)} {n}/{len(PIPE_STEPS)} · "
                                f"{text(f'pipe_step_{name}', lang)}")

        analysis = current_analysis(current, time_limited(progress, "pipelines"))
        status.update(label=text("pipelines_ready", lang), state="complete")
    cond = analysis.condition
    cols = st.columns(4)
    cols[0].metric(text("pipelines_km", lang), f"{cond['length_m'].sum() / 1000:,.1f}")
    aged = cond.loc[cond["aged"], "length_m"].sum()
    cols[1].metric(text("aged_km", lang), f"{aged / 1000:,.1f}", help=text("aged_help", lang))
    cols[2].metric(text("operators", lang), f"{analysis.summary['operator'].nunique():,}")
    cols[3].metric(text("findings", lang), f"{len(analysis.findings):,}")

    st.subheader(text("by_operator", lang))
    st.dataframe(for_display(analysis.summary, lang), hide_index=True, width="stretch")
    st.download_button(text("download_work_lists", lang), data=lambda: _zip_work_lists(analysis.work),
                       file_name="work_lists.zip", mime="application/zip", key="dl_work_lists", on_click="ignore")

    if analysis.zones is not None:
        st.subheader(text("by_zone", lang))
        st.dataframe(for_display(analysis.zones, lang), hide_index=True, width="stretch", height=300)
        st.subheader(text("lead_telecom", lang))
        lead = lead_telecom(analysis.zone_operators, choices=work.lead_choices)
        telecom_ops = sorted(analysis.zone_operators.loc[analysis.zone_operators["kind"] == "telecom", "operator"]
                             .dropna().unique()) if "kind" in analysis.zone_operators else []
        labels = {"zone_id": text("zone_detail", lang), "lead_operator": text("lead_operator", lang),
                  "chosen_by": text("chosen_by", lang), "lead_share": text("lead_share", lang)}
        shown = lead[list(labels)].rename(columns=labels)
        edited = st.data_editor(
            shown, hide_index=True, width="stretch", key=f"lead_editor_{lang}",
            disabled=[labels["zone_id"], labels["chosen_by"], labels["lead_share"]],
            column_config={labels["lead_operator"]: st.column_config.SelectboxColumn(
                labels["lead_operator"], options=telecom_ops or None)})
        changed = {z: op for z, op, auto in zip(lead["zone_id"], edited[labels["lead_operator"]],
                                                lead["lead_operator"]) if op and op != auto}
        if changed:
            work.lead_choices.update(changed)
        st.subheader(text("phasing", lang))
        zone_ids = sorted(analysis.zones["zone_id"].unique())
        first = zone_ids[0] if zone_ids else None
        zone = st.selectbox(text("zone_detail", lang), zone_ids, **bind_choice("phase_zone", first, zone_ids))
        if zone not in zone_ids:
            zone = first
        phases = phase_works(analysis.work)
        st.dataframe(for_display(phases[phases["zone_id"] == zone], lang), hide_index=True, width="stretch")
        planned = analysis.work.loc[analysis.work["zone_id"] == zone, "pipeline_id"].astype(str).tolist()
        if planned:
            st.button(text("zone_works_impact", lang), key="zone_impact", on_click=guarded(_zone_impact, "impact"),
                      args=(f"{text('zone_detail', lang)} {zone}", planned))

    st.subheader(text("findings", lang))
    st.caption(text("findings_help", lang))
    st.dataframe(for_display(analysis.findings, lang), hide_index=True, width="stretch", height=240)

    st.subheader(text("impact", lang))
    st.caption(text("impact_help", lang))
    default = work.pipeline_selected or ""
    typed = st.text_input(text("pipeline_ids", lang), **bind(f"impact_ids_{default}", default))
    if typed.strip():
        work.impact = (typed.strip(), [p.strip() for p in typed.replace("，", ",").split(",") if p.strip()])
    impact_view(analysis, current, lang)


def impact_view(analysis: PipelineAnalysis, current: Data, lang: str) -> None:
    """The communities that lose supply during the selected works, and a button to select them."""
    what = state().work_for(current.key).impact
    if not what:
        return
    title, ids = what
    try:
        affected = impact_of(analysis, ids, current.dataset)
    except (GeoError, KeyError, ValueError) as exc:
        show("error", text("impact_unknown", lang).format(what=title) if not isinstance(exc, GeoError)
                 else error_words(exc, lang))
        return
    if affected.empty:
        show("success", text("no_impact", lang).format(what=title))
        return
    show("warning", text("impact_found", lang).format(what=title, n=len(affected)))
    st.dataframe(for_display(affected, lang), hide_index=True, width="stretch")
    st.button(text("select_affected", lang), key="select_affected", on_click=guarded(_select_affected, "impact"),
              args=(affected["community_id"].astype(str).tolist(),))
