"""Proposals that last (save, list, open, rename, delete, compare) and exports of the projects.

The workspace is :class:`geo.workspace.Workspace` (a GeoPackage whose saves are atomic and whose
conflicts are detected); the exports are :func:`geo.projects.export_bundle`. This module only
collects the planner's choices and shows the results.
"""

from __future__ import annotations

import os
from pathlib import Path

import folium
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from geo.editing import EditSession, Zoning
from geo.errors import GeoError
from geo.load import Dataset
from geo.projects import FORMATS, export_bundle
from geo.workspace import ConflictError, Proposal, Workspace
from layers import build_map
from layers.analysis import zone_colour
from layers.geojson import to_display_geojson
from ui.i18n import labelled, text
from ui.offline import serve_assets

#: Environment variable naming the workspace file; the sidebar can change it per session.
WORKSPACE_ENV = "PLANNER_WORKSPACE"


def default_workspace_path() -> str:
    """The workspace file: ``$PLANNER_WORKSPACE``, else ``workspace/proposals.gpkg`` here."""
    return os.environ.get(WORKSPACE_ENV) or str(Path.cwd() / "workspace" / "proposals.gpkg")


def workspace_sidebar(lang: str) -> Workspace:
    """The workspace path (configurable) as a Workspace."""
    with st.sidebar.expander(text("workspace", lang)):
        path = st.text_input(text("workspace_path", lang), value=default_workspace_path(), key="workspace_path")
    folder = Path(path).expanduser().parent
    folder.mkdir(parents=True, exist_ok=True)
    return Workspace(path)


def _proposal_from_session(session: EditSession, name: str, author: str, notes: str,
                           base: Proposal | None) -> Proposal:
    zoning = session.zoning
    fresh = Proposal.from_zoning(
        name, zoning.assignment(), zones=session.zones, rules=session.rules,
        edits=session.log, zone_notes=dict(zoning.notes), locked_zones=sorted(zoning.locked),
        author=author, notes=notes)
    if base is None:
        return fresh
    # the same proposal, a new revision: keep its id, creation time and revision to check against
    return Proposal(**{**fresh.__dict__, "proposal_id": base.proposal_id, "created": base.created,
                       "revision": base.revision})


def _save(workspace: Workspace, proposal: Proposal, lang: str, *, overwrite: bool = False) -> None:
    try:
        saved = workspace.save(proposal, overwrite=overwrite)
    except ConflictError as exc:
        st.session_state["save_conflict"] = (proposal, str(exc), exc.kind)
        return
    except (GeoError, ValueError, OSError) as exc:
        st.session_state["proposal_error"] = str(exc)
        return
    st.session_state.pop("save_conflict", None)
    st.session_state["open_proposal"] = saved
    st.session_state["p_as_new"] = False
    st.session_state["proposal_message"] = text("saved", lang).format(name=saved.name, revision=saved.revision)


def _open(workspace: Workspace, dataset: Dataset, key: str, proposal_id: str, lang: str) -> None:
    """Load a proposal into a new edit session (its rules, zones, locks and notes)."""
    from ui.zones_panel import neighbour_pairs

    try:
        proposal = workspace.open(proposal_id)
        rules = proposal.zone_rules()
        pairs = neighbour_pairs(dataset, key, rules.gap_m, rules.same_street)
        zoning = Zoning.from_assignment(proposal.assignment, locked=proposal.locked_zones,
                                        notes=proposal.zone_notes)
        session = EditSession(dataset.layers["communities"], zoning, pairs=pairs,
                              barriers=dataset.layers.get("barriers"), rules=rules,
                              overrides=proposal.zone_overrides())
    except (GeoError, ValueError) as exc:
        st.session_state["proposal_error"] = str(exc)
        return
    st.session_state["edit_session"] = session
    st.session_state["open_proposal"] = proposal
    st.session_state["selection"] = []
    st.session_state.update(p_name=proposal.name, p_author=proposal.author, p_notes=proposal.notes,
                            p_as_new=False)
    st.session_state["proposal_message"] = text("opened", lang).format(name=proposal.name)


def _rename(workspace: Workspace, proposal_id: str, lang: str) -> None:
    try:
        renamed = workspace.rename(proposal_id, str(st.session_state.get("p_rename_to") or "").strip())
    except (GeoError, ValueError) as exc:
        st.session_state["proposal_error"] = str(exc)
        return
    current = st.session_state.get("open_proposal")
    if current is not None and current.proposal_id == proposal_id:
        st.session_state["open_proposal"] = renamed
        st.session_state["p_name"] = renamed.name
    st.session_state["proposal_message"] = text("renamed", lang).format(name=renamed.name)


def _delete(workspace: Workspace, proposal_id: str, lang: str) -> None:
    try:
        workspace.delete(proposal_id)
    except GeoError as exc:
        st.session_state["proposal_error"] = str(exc)
        return
    current = st.session_state.get("open_proposal")
    if current is not None and current.proposal_id == proposal_id:
        st.session_state.pop("open_proposal", None)
    st.session_state["p_confirm_delete"] = False
    st.session_state["proposal_message"] = text("deleted", lang)


def _save_as_new(workspace: Workspace, proposal: Proposal, lang: str) -> None:
    st.session_state.pop("save_conflict", None)
    _save(workspace, proposal.as_new(str(st.session_state.get("conflict_name") or "").strip()), lang)


def _save_current(workspace: Workspace, lang: str) -> None:
    """Form callback: save the page's zoning under the form's name (a new revision or a new proposal)."""
    session: EditSession | None = st.session_state.get("edit_session")
    if session is None:
        return
    current: Proposal | None = st.session_state.get("open_proposal")
    as_new = st.session_state.get("p_as_new") or current is None
    name, author, notes = (str(st.session_state.get(k) or "").strip() for k in ("p_name", "p_author", "p_notes"))
    _save(workspace, _proposal_from_session(session, name, author, notes, None if as_new else current), lang)


def _reload(workspace: Workspace, dataset: Dataset, key: str, proposal_id: str, lang: str) -> None:
    st.session_state.pop("save_conflict", None)
    _open(workspace, dataset, key, proposal_id, lang)


def proposals_panel(workspace: Workspace, dataset: Dataset, key: str, lang: str) -> None:
    """Save the current zoning; list, open, rename, delete and compare proposals."""
    session: EditSession | None = st.session_state.get("edit_session")
    current: Proposal | None = st.session_state.get("open_proposal")
    st.caption(text("workspace_intro", lang).format(path=workspace.path))
    for flag, show in (("proposal_message", st.success), ("proposal_error", st.error)):
        if message := st.session_state.pop(flag, None):
            show(message)

    if conflict := st.session_state.get("save_conflict"):
        proposal, message, kind = conflict
        st.warning(f"{text('conflict', lang)}: {message}")
        cols = st.columns(3)
        new_name = cols[1].text_input(text("new_name", lang), value=f"{proposal.name} (2)", key="conflict_name")
        cols[0].button(text("overwrite", lang), key="conflict_overwrite", on_click=_save,
                       args=(workspace, proposal, lang), kwargs={"overwrite": True})
        cols[1].button(text("save_as", lang), key="conflict_save_as", on_click=_save_as_new,
                       args=(workspace, proposal, lang))
        if kind != "name_taken":
            cols[2].button(text("reload", lang), key="conflict_reload", on_click=_reload,
                           args=(workspace, dataset, key, proposal.proposal_id, lang))

    with st.form("save_proposal"):
        st.markdown(f"**{text('save_proposal', lang)}**" + (f" · {text('editing', lang)} {current.name} "
                                                             f"(r{current.revision})" if current else ""))
        cols = st.columns([2, 1])
        name = cols[0].text_input(text("proposal_name", lang), key="p_name")
        author = cols[1].text_input(text("author", lang), key="p_author")
        notes = st.text_area(text("proposal_notes", lang), key="p_notes", height=68)
        st.checkbox(text("save_as_new", lang), key="p_as_new", disabled=current is None)
        st.form_submit_button(text("save", lang), type="primary", disabled=session is None,
                              on_click=_save_current, args=(workspace, lang))

    try:
        table = workspace.list()
    except GeoError as exc:
        st.error(str(exc))
        return
    if table.empty:
        st.info(text("no_proposals", lang))
        return
    st.dataframe(labelled(table.drop(columns=["proposal_id"]), lang), hide_index=True, width="stretch",
                 key="proposals_table")
    names = dict(zip(table["proposal_id"], table["name"]))
    picked = st.selectbox(text("proposal", lang), list(names), format_func=names.get, key="p_pick")
    cols = st.columns(4)
    cols[0].button(text("open", lang), key="p_open", width="stretch",
                   on_click=_open, args=(workspace, dataset, key, picked, lang))
    new_name = cols[1].text_input(text("new_name", lang), key="p_rename_to", label_visibility="collapsed",
                                  placeholder=text("new_name", lang))
    cols[2].button(text("rename", lang), key="p_rename", width="stretch", disabled=not new_name.strip(),
                   on_click=_rename, args=(workspace, picked, lang))
    confirm = cols[3].checkbox(text("confirm_delete", lang), key="p_confirm_delete")
    cols[3].button(text("delete", lang), key="p_delete", width="stretch", disabled=not confirm,
                   on_click=_delete, args=(workspace, picked, lang))

    if len(names) >= 2:
        st.markdown(f"**{text('compare', lang)}**")
        cols = st.columns(2)
        ids = list(names)
        a = cols[0].selectbox("A", ids, format_func=names.get, key="cmp_a")
        b = cols[1].selectbox("B", ids, index=1, format_func=names.get, key="cmp_b")
        if a != b and st.toggle(text("show_comparison", lang), key="cmp_show"):
            compare_view(workspace, dataset, a, b, lang)


def compare_view(workspace: Workspace, dataset: Dataset, a: str, b: str, lang: str) -> None:
    """Figures side by side and a map of what differs."""
    try:
        comparison = workspace.compare(a, b, dataset.layers["communities"],
                                       barriers=dataset.layers.get("barriers"), lang=lang)
    except GeoError as exc:
        st.error(str(exc))
        return
    st.dataframe(comparison.figures, width="stretch")
    diff = comparison.differences
    if diff.empty:
        st.success(text("identical", lang))
        return
    st.caption(", ".join(f"{k}: {v}" for k, v in comparison.counts().items()))
    m = build_map({"admin": dataset.layers.get("admin"), "barriers": dataset.layers.get("barriers"),
                   "communities": dataset.layers["communities"]}, lang=lang, asset_base_url=serve_assets())
    fields = [c for c in ("change_label", "community_id", "zone_a", "zone_b") if c in diff.columns]
    data = to_display_geojson(diff, fields, id_column=None, layer="differences")
    colours = {"moved": "#ff7f00", "only_in_a": "#e41a1c", "only_in_b": "#377eb8", "identical": "#999999"}
    changes = list(diff["change"])

    def style(feature):
        change = changes[int(feature["id"])] if str(feature["id"]).isdigit() else "moved"
        return {"color": colours.get(change, "#000"), "weight": 3, "fillOpacity": 0.5,
                "fillColor": colours.get(change, "#000")}

    group = folium.FeatureGroup(name=text("differences", lang))
    folium.GeoJson(data, style_function=style,
                   tooltip=folium.GeoJsonTooltip(fields=fields, aliases=fields)).add_to(group)
    group.add_to(m)
    st_folium(m, key="compare_map", height=480, use_container_width=True, returned_objects=[])


def export_panel(session: EditSession | None, dataset: Dataset, lang: str) -> None:
    """Export one zone, a selection of zones, or all, as GeoJSON / GeoPackage / CSV (zip when several)."""
    if session is None or not session.zoning.zones:
        st.info(text("no_zones", lang))
        return
    st.caption(text("export_intro", lang))
    zone_ids = sorted(session.zoning.zones)
    scope = st.radio(text("export_scope", lang), ("all", "some"), horizontal=True, key="x_scope",
                     format_func=lambda s: text(f"scope_{s}", lang))
    chosen = zone_ids if scope == "all" else st.multiselect(text("zones", lang), zone_ids, key="x_zones")
    formats = st.multiselect(text("formats", lang), list(FORMATS), default=list(FORMATS), key="x_formats")
    if not chosen or not formats:
        return

    def build() -> bytes:
        bundle = export_bundle(chosen, zones=session.zones, communities=dataset.layers["communities"],
                               pipelines=dataset.layers.get("pipelines"), zone_notes=dict(session.zoning.notes),
                               lang=lang, formats=formats)
        st.session_state["x_name"] = (bundle.file_name, bundle.mime)
        return bundle.data

    signature = (len(session.log), session.can_redo, tuple(chosen), tuple(formats), lang)
    if st.button(text("prepare_export", lang), key="x_prepare"):
        try:
            st.session_state["x_data"] = build()
            st.session_state["x_signature"] = signature
        except (GeoError, ValueError) as exc:
            st.error(str(exc))
    if st.session_state.get("x_signature") == signature and "x_data" in st.session_state:
        file_name, mime = st.session_state["x_name"]
        st.download_button(f"{text('download', lang)} {file_name}", st.session_state["x_data"],
                           file_name=file_name, mime=mime, key="x_download", type="primary")
