"""Proposals that last (save, list, open, rename, delete, history, restore, compare) and exports of
the projects.

The workspace is :class:`geo.store.workspace.Workspace` (every save a revision that is kept; atomic;
conflicts detected); the exports are :func:`geo.reports.projects.export_bundle`. This module collects the
planner's choices, keeps them in the page state (:mod:`ui.state`) and words the results.

A proposal is bound to the data it was made on (its fingerprint): opening it on other data says
so and offers to open it on its own data or to keep the communities that exist here; a save can
never replace a proposal of other data.
"""

from __future__ import annotations

import dataclasses

import pandas as pd
import streamlit as st

from geo import (
    FORMATS, ConflictError, GeoError, Proposal, Workspace, csv_bytes, export_bundle, may, server_config,
    workspace_label,
)
from layers.analysis import differences_group
from layers.escape import escape_markdown
from layers.geojson import for_basemap
from ui import mapview, sessions
from ui.boundary import guarded
from ui.i18n import TEXT, format_time, text
from ui.messages import error_words, show, show_messages
from ui.state import (Conflict, Data, ExportFile, PendingOpen, SaveForm, Work, bind, bind_choice, bind_multi, forget, keep_in, state,
                      widget_key, widget_value)
from ui.sessions import session_of
from ui.tables import for_display
COMPARE_MAP_KEY = "compare_map"
_SAVE_FIELDS = ("save_name", "save_author", "save_notes", "save_as_new")


def workspace_sidebar(lang: str) -> Workspace:
    """The server's workspace (a visitor never chooses a server path); the sidebar shows its name."""
    config = server_config()
    st.sidebar.caption(text("workspace_caption", lang).format(name=config.label or workspace_label(config.workspace)))
    return sessions.workspace()


def _may(action: str, owner: str | None = None) -> bool:
    """Whether the person at the page may ``action`` (always in single-user mode)."""
    return may(state().user, action, owner=owner)


# --- from the page to a proposal and back ----------------------------------------------------------


def dataset_ref(current: Data) -> dict:
    """What a proposal records of the data it was made on."""
    return {"fingerprint": current.key, "name": current.name,
            "communities": int(len(current.dataset.layers["communities"]))}


def proposal_of(work: Work, current: Data, form: SaveForm, *, as_new: bool) -> Proposal:
    """The page's zoning as a proposal: a new revision of the open one, or a new proposal."""
    session = work.edit
    zoning = session.zoning
    fresh = Proposal.from_zoning(
        form.name.strip(), zoning.assignment(), zones=session.zones, rules=session.rules,
        edits=session.log, zone_notes=dict(zoning.notes), locked_zones=sorted(zoning.locked),
        author=form.author.strip(), notes=form.notes.strip(), dataset=dataset_ref(current),
        reasons=session.engine_reasons(), used_zone_ids=list(session.used_zone_ids))
    base = work.proposal
    if as_new or base is None:
        return fresh
    # the same proposal, a new revision: keep its id, creation time and the revision to check against
    return dataclasses.replace(fresh, proposal_id=base.proposal_id, created=base.created, revision=base.revision)


def _fill_form(work: Work, proposal: Proposal | None, name: str | None = None) -> None:
    work.save = SaveForm(name=name if name is not None else (proposal.name if proposal else ""),
                         author=proposal.author if proposal else work.save.author,
                         notes=proposal.notes if proposal else "")
    forget(*_SAVE_FIELDS)


def _load(work: Work, proposal: Proposal, current: Data, *, latest_revision: int | None = None) -> None:
    session, _ = session_of(proposal, current)
    work.edit = session
    work.proposal = proposal if latest_revision is None else dataclasses.replace(proposal, revision=latest_revision)
    work.based_on = ""
    work.selection, work.zoom_to, work.conflict, work.pending_open, work.export = [], None, None, None, None
    _fill_form(work, proposal)


# --- callbacks ---------------------------------------------------------------------------------------


def _save(workspace: Workspace, current: Data, proposal: Proposal, *, overwrite: bool = False) -> None:
    s = state()
    work = s.work_for(current.key)
    try:
        saved = workspace.save(proposal, overwrite=overwrite, actor=s.user)
    except ConflictError as exc:
        work.conflict = Conflict(proposal, exc.kind, {"words": error_words(exc, s.lang)})
        return
    except (GeoError, OSError) as exc:
        s.say("error", "save_failed", "tab_proposals", why=error_words(exc, s.lang))
        return
    work.conflict = None
    work.proposal = saved
    work.based_on = ""
    _pick(s, saved.proposal_id)
    work.save = SaveForm(saved.name, saved.author, saved.notes, False)
    forget(*_SAVE_FIELDS)
    s.say("success", "saved", "tab_proposals", name=saved.name, revision=saved.revision)


def _pick(s, proposal_id: str) -> None:
    """Make ``proposal_id`` the one the Proposals tab's picker shows (after a save or a restore)."""
    s.selected_proposal = proposal_id
    forget("proposal_pick")


def _sync_form(work: Work) -> None:
    """Take the save form's latest typing (a click on Save arrives with the text not yet copied)."""
    for name, attribute in (("save_name", "name"), ("save_author", "author"), ("save_notes", "notes"),
                            ("save_as_new", "as_new")):
        key = widget_key(name)
        value = widget_value(key)
        if value is not None:
            setattr(work.save, attribute, value)


def _save_current(workspace: Workspace, current: Data) -> None:
    """Button callback: save the page's zoning under the form's name (a new revision or a new proposal)."""
    s = state()
    work = s.work_for(current.key)
    if work.edit is None:
        return
    _sync_form(work)
    if not work.save.name.strip():
        s.say("error", "name_needed", "tab_proposals")
        return
    as_new = work.save.as_new or work.proposal is None
    _save(workspace, current, proposal_of(work, current, work.save, as_new=as_new))


def _save_as_new(workspace: Workspace, current: Data, key: str) -> None:
    work = state().work_for(current.key)
    conflict = work.conflict
    name = str(widget_value(key) or "").strip()
    if conflict is None or not name:
        return
    work.conflict = None
    _save(workspace, current, conflict.proposal.as_new(name))


def _overwrite(workspace: Workspace, current: Data) -> None:
    work = state().work_for(current.key)
    if work.conflict is not None:
        _save(workspace, current, work.conflict.proposal, overwrite=True)


def _reload(workspace: Workspace, current: Data) -> None:
    work = state().work_for(current.key)
    if work.conflict is not None:
        pid = work.conflict.proposal.proposal_id
        work.conflict = None
        _open(workspace, current, pid)


def _open(workspace: Workspace, current: Data, proposal_id: str, revision: int | None = None) -> None:
    """Open a proposal (or one of its revisions) into the edit session of the current data, or ask how
    when it was made on other data."""
    s = state()
    work = s.work_for(current.key)
    try:
        proposal = workspace.open(proposal_id, revision=revision)
        latest = workspace.open(proposal_id).revision if revision is not None else None
    except GeoError as exc:
        s.say("error", "open_failed", "tab_proposals", why=error_words(exc, s.lang))
        return
    fingerprint = (proposal.dataset or {}).get("fingerprint", "")
    known = set(current.dataset.layers["communities"]["community_id"].astype(str))
    missing = sum(1 for c in proposal.assignment if str(c) not in known)
    if (fingerprint and fingerprint != current.key) or missing:
        own = fingerprint if fingerprint in s.known and fingerprint != current.key else None
        work.pending_open = PendingOpen(proposal, missing, len(proposal.assignment), own)
        return
    _load(work, proposal, current, latest_revision=latest)
    s.say("success", "opened", "tab_proposals", name=proposal.name, revision=proposal.revision)


def _open_on_own_data(current: Data) -> None:
    """Switch the page to the data the pending proposal was made on, and open it there."""
    from ui.sidebar import own_data

    s = state()
    pending = s.work_for(current.key).pending_open
    if pending is None or pending.own_data is None:
        return
    target = own_data(s, pending.own_data)
    s.work_for(current.key).pending_open = None
    if target is None:
        return
    s.source = s.known[target.key]
    forget("source")
    _load(s.work_for(target.key), pending.proposal, target)
    s.say("success", "opened_own_data", "any", name=pending.proposal.name, data=target.name)


def _open_keeping_existing(current: Data) -> None:
    """Open the pending proposal on this data with the communities that exist here (a new proposal
    when saved: the original stays on its own data)."""
    s = state()
    work = s.work_for(current.key)
    pending = work.pending_open
    if pending is None:
        return
    session, dropped = session_of(pending.proposal, current, keep_missing=True)
    work.edit, work.proposal, work.pending_open = session, None, None
    work.based_on = pending.proposal.name
    work.selection, work.zoom_to, work.conflict, work.export = [], None, None, None
    _fill_form(work, None, name=f"{pending.proposal.name} · {current.name}")
    s.say("warning", "opened_on_other_data", "tab_proposals", name=pending.proposal.name, kept=len(session.zoning.assignment()),
          dropped=dropped)


def _cancel_open(current: Data) -> None:
    state().work_for(current.key).pending_open = None


def _rename(workspace: Workspace, current: Data, proposal_id: str, key: str) -> None:
    s = state()
    new_name = str(widget_value(key) or "").strip()
    if not new_name:
        return
    try:
        renamed = workspace.rename(proposal_id, new_name, actor=s.user)
    except GeoError as exc:
        s.say("error", "rename_failed", "tab_proposals", why=error_words(exc, s.lang))
        return
    for work in s.works.values():
        if work.proposal is not None and work.proposal.proposal_id == proposal_id:
            work.proposal = dataclasses.replace(work.proposal, name=renamed.name, revision=renamed.revision)
            work.save.name = renamed.name
    forget(*_SAVE_FIELDS, "rename_to")
    s.say("success", "renamed", "tab_proposals", name=renamed.name)


def _delete(workspace: Workspace, proposal_id: str) -> None:
    s = state()
    try:
        workspace.delete(proposal_id, author=s.work.save.author, actor=s.user)
    except GeoError as exc:
        s.say("error", "delete_failed", "tab_proposals", why=error_words(exc, s.lang))
        return
    for work in s.works.values():
        if work.proposal is not None and work.proposal.proposal_id == proposal_id:
            work.proposal = None  # its zoning stays in the page; a save makes a new proposal
    forget("confirm_delete")
    s.say("success", "deleted", "tab_proposals")


def _restore(workspace: Workspace, proposal_id: str, revision: int) -> None:
    s = state()
    try:
        restored = workspace.restore(proposal_id, revision, author=s.work.save.author, actor=s.user)
    except GeoError as exc:
        s.say("error", "restore_failed", "tab_proposals", why=error_words(exc, s.lang))
        return
    _pick(s, restored.proposal_id)
    s.say("success", "restored", "tab_proposals", name=restored.name, revision=revision, new=restored.revision)


def _review(workspace: Workspace, proposal_id: str, verdict: str, key: str) -> None:
    """Button callback: a reviewer's comment, approval or return of ``proposal_id``."""
    s = state()
    comment = str(widget_value(key) or "").strip()
    try:
        reviewed = workspace.review(proposal_id, verdict, comment=comment, actor=s.user)
    except GeoError as exc:
        s.say("error", "review_failed", "tab_proposals", why=error_words(exc, s.lang))
        return
    forget("review_comment")
    s.say("success", f"reviewed_{verdict}", "tab_proposals", name=reviewed.name, revision=reviewed.revision)


# --- the panel ---------------------------------------------------------------------------------------


def _pending_open_view(current: Data, lang: str) -> None:
    pending = state().work_for(current.key).pending_open
    if pending is None:
        return
    made_on = (pending.proposal.dataset or {}).get("name") or text("other_data", lang)
    show("warning", text("other_data_open", lang).format(name=pending.proposal.name, data=made_on,
                                                    missing=pending.missing, total=pending.total))
    cols = st.columns(3)
    if pending.own_data is not None:
        cols[0].button(text("open_own_data", lang), key="open_own", on_click=guarded(_open_on_own_data, "open"),
                       args=(current,))
    cols[1].button(text("open_keep_existing", lang), key="open_keep", on_click=guarded(_open_keeping_existing, "open"),
                   args=(current,))
    cols[2].button(text("cancel", lang), key="open_cancel", on_click=guarded(_cancel_open, "open"), args=(current,))


def _conflict_view(workspace: Workspace, current: Data, lang: str) -> None:
    work = state().work_for(current.key)
    conflict = work.conflict
    if conflict is None:
        return
    show("warning", f"{text('conflict', lang)}: {conflict.params.get('words', '')}")
    cols = st.columns(3)
    if conflict.kind != "other_dataset":
        cols[0].button(text("overwrite", lang), key="conflict_overwrite", on_click=guarded(_overwrite, "save"),
                       args=(workspace, current))
    field = bind("conflict_name", f"{conflict.proposal.name} (2)")
    key = field["key"]
    cols[1].text_input(text("new_name", lang), **field)
    cols[1].button(text("save_as", lang), key="conflict_save_as", on_click=guarded(_save_as_new, "save"),
                   args=(workspace, current, key))
    if conflict.kind in ("revision", "deleted"):
        cols[2].button(text("reload", lang), key="conflict_reload", on_click=guarded(_reload, "save"),
                       args=(workspace, current))


def _save_form(workspace: Workspace, current: Data, lang: str) -> None:
    """The save form: plain inputs (each kept in the page state as it is typed), then Save."""
    work = state().work_for(current.key)
    header = f"**{text('save_proposal', lang)}**"
    if work.proposal is not None:
        header += " · " + text("editing", lang).format(name=escape_markdown(work.proposal.name),
                                                       revision=work.proposal.revision)
    elif work.based_on:
        header += " · " + text("based_on", lang).format(name=escape_markdown(work.based_on))
    st.markdown(header)
    form = work.save

    def owner() -> SaveForm:
        return state().work_for(current.key).save

    cols = st.columns([2, 1])
    form.name = cols[0].text_input(text("proposal_name", lang), **bind("save_name", form.name, keep=keep_in(owner, "name", str)))
    user = state().user
    if user is not None:  # signed in: the revisions record the login, the form shows who
        cols[1].text_input(text("author", lang), value=user.label, disabled=True, key="save_author_signed_in")
    else:
        form.author = cols[1].text_input(text("author", lang),
                                         **bind("save_author", form.author, keep=keep_in(owner, "author", str)))
    form.notes = st.text_area(text("proposal_notes", lang), **bind("save_notes", form.notes, keep=keep_in(owner, "notes", str)), height=68)
    form.as_new = st.checkbox(text("save_as_new", lang), **bind("save_as_new", form.as_new, keep=keep_in(owner, "as_new", bool)),
                              disabled=work.proposal is None)
    allowed = _may("save_new") if work.proposal is None or form.as_new else _may("save", work.proposal.owner)
    st.button(text("save", lang), type="primary", key="save", disabled=work.edit is None or not allowed,
              on_click=guarded(_save_current, "save"), args=(workspace, current))
    if not allowed:
        st.caption(text("role_cannot", lang).format(role=text(f"role_{user.role}", lang),
                                                    action=text("right_save", lang)))


def _action_words(action: str, lang: str) -> str:
    return text(f"action_{action}", lang) if f"action_{action}" in TEXT else action


def _times(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    out = frame.copy()
    tz = getattr(st.context, "timezone", None)
    for column in ("created", "modified", "deleted_at", "time"):
        if column in out:
            out[column] = [format_time(v if isinstance(v, str) else None, lang, tz) for v in out[column]]
    if "action" in out:
        out["action"] = [_action_words(a, lang) for a in out["action"]]
    if "deleted" in out:
        out["deleted"] = [text("yes", lang) if bool(v) else "" for v in out["deleted"]]
    return out


def _history_view(workspace: Workspace, current: Data, proposal_id: str, lang: str) -> None:
    try:
        history = workspace.history(proposal_id)
    except GeoError as exc:
        show("error", error_words(exc, lang))
        return
    with st.expander(text("history", lang).format(n=len(history))):
        st.dataframe(for_display(_times(history, lang), lang), hide_index=True, width="stretch")
        revisions = [int(r) for r in history["revision"]]
        cols = st.columns([2, 1, 1])
        picked = cols[0].selectbox(text("revision_pick", lang), revisions, **bind_choice(f"rev_{proposal_id}", revisions[0], revisions),
                                   format_func=lambda r: text("revision_n", lang).format(n=r))
        if picked not in revisions:
            picked = revisions[0]
        cols[1].button(text("open_revision", lang), key="rev_open", width="stretch",
                       on_click=guarded(_open, "open"), args=(workspace, current, proposal_id, picked))
        owner = str(history["owner"].iloc[-1]) if "owner" in history and len(history) else None
        cols[2].button(text("restore_revision", lang), key="rev_restore", width="stretch",
                       disabled=picked == revisions[0] or not _may("restore", owner), on_click=guarded(_restore, "restore"),
                       args=(workspace, proposal_id, picked))


def _deleted_view(workspace: Workspace, lang: str) -> None:
    try:
        gone = workspace.deleted()
    except GeoError:
        return
    if gone.empty:
        return
    with st.expander(text("deleted_proposals", lang).format(n=len(gone))):
        st.dataframe(for_display(_times(gone.drop(columns=["proposal_id"]), lang), lang), hide_index=True,
                     width="stretch")
        names = dict(zip(gone["proposal_id"], gone["name"]))
        last = dict(zip(gone["proposal_id"], gone["last_revision"]))
        ids = list(names)
        pid = st.selectbox(text("proposal", lang), ids, format_func=names.get, **bind_choice("deleted_pick", ids[0], ids))
        if pid not in names:
            pid = ids[0]
        st.button(text("undelete", lang), key="undelete", on_click=guarded(_restore, "restore"),
                  args=(workspace, pid, int(last[pid])))


def _review_view(workspace: Workspace, proposal_id: str, name: str, lang: str) -> None:
    """A reviewer's comment, approval or return of the picked proposal (reviewers and admins)."""
    if not _may("comment"):
        return
    st.markdown(f"**{text('review', lang)}** · {escape_markdown(name)}")
    field = bind("review_comment", "")
    st.text_area(text("review_comment", lang), **field, height=68)
    cols = st.columns(3)
    for i, verdict in enumerate(("approve", "return", "comment")):
        label = "review_comment_only" if verdict == "comment" else f"review_{verdict}"
        cols[i].button(text(label, lang), key=f"review_{verdict}", width="stretch",
                       on_click=guarded(_review, "review"), args=(workspace, proposal_id, verdict, field["key"]))


def _audit_view(workspace: Workspace, lang: str) -> None:
    """Every change of every proposal, who made it and when (admins), with a CSV download."""
    try:
        log = workspace.audit()
    except GeoError as exc:
        show("error", error_words(exc, lang))
        return
    with st.expander(text("audit_log", lang).format(n=len(log))):
        shown = _times(log.drop(columns=["proposal_id"]), lang)
        st.dataframe(for_display(shown, lang), hide_index=True, width="stretch")
        st.download_button(text("audit_download", lang), lambda: csv_bytes(for_display(shown, lang)),
                           "audit_log.csv", "text/csv", key="audit_csv", on_click="ignore")


def proposals_panel(workspace: Workspace, current: Data, lang: str, settings=None) -> None:
    """Save the current zoning; list, open, rename, delete, restore and compare proposals."""
    s = state()
    show_messages(s, "tab_proposals", lang)
    config = server_config()
    st.caption(text("workspace_intro", lang).format(name=config.label or workspace_label(config.workspace)))
    _pending_open_view(current, lang)
    _conflict_view(workspace, current, lang)
    _save_form(workspace, current, lang)

    try:
        table = workspace.list()
    except GeoError as exc:
        show("error", error_words(exc, lang))
        return
    if table.empty:
        show("info", text("no_proposals", lang))
        _deleted_view(workspace, lang)
        return
    shown = table.drop(columns=[c for c in ("proposal_id", "dataset_fingerprint") if c in table.columns])
    if "review_status" in shown:
        shown["review_status"] = [text(f"review_status_{v}", lang) if v else "" for v in shown["review_status"]]
    st.dataframe(for_display(_times(shown, lang), lang), hide_index=True, width="stretch", key="proposals_table")
    names = dict(zip(table["proposal_id"], table["name"]))
    ids = list(names)
    if s.selected_proposal not in names:
        s.selected_proposal = ids[0]
    s.selected_proposal = st.selectbox(text("proposal", lang), ids, format_func=names.get,
                                       **bind_choice("proposal_pick", s.selected_proposal, ids))
    picked = s.selected_proposal
    owners = dict(zip(table["proposal_id"], table["owner"])) if "owner" in table else {}
    owner = owners.get(picked) or None
    cols = st.columns(4)
    cols[0].button(text("open", lang), key="p_open", width="stretch", on_click=guarded(_open, "open"),
                   args=(workspace, current, picked))
    field = bind("rename_to", "")
    rename_key = field["key"]
    new_name = cols[1].text_input(text("new_name", lang), **field, label_visibility="collapsed",
                                  placeholder=text("new_name", lang))
    cols[2].button(text("rename", lang), key="p_rename", width="stretch",
                   disabled=not new_name.strip() or not _may("rename", owner),
                   on_click=guarded(_rename, "rename"), args=(workspace, current, picked, rename_key))
    confirm = cols[3].checkbox(text("confirm_delete", lang), **bind("confirm_delete", False),
                               disabled=not _may("delete", owner))
    cols[3].button(text("delete", lang), key="p_delete", width="stretch", disabled=not confirm or not _may("delete", owner),
                   on_click=guarded(_delete, "delete"), args=(workspace, picked))
    _review_view(workspace, picked, names[picked], lang)
    _history_view(workspace, current, picked, lang)
    _deleted_view(workspace, lang)
    if _may("audit"):
        _audit_view(workspace, lang)

    if len(names) >= 2:
        st.markdown(f"**{text('compare', lang)}**")
        cols = st.columns(2)
        a = cols[0].selectbox(text("proposal_a", lang), ids, format_func=names.get, **bind_choice("cmp_a", ids[0], ids))
        b = cols[1].selectbox(text("proposal_b", lang), ids, format_func=names.get, **bind_choice("cmp_b", ids[1], ids))
        if a in names and b in names and a != b and st.toggle(text("show_comparison", lang), **bind("cmp_show", False)):
            compare_view(workspace, current, a, b, lang, settings)


def compare_view(workspace: Workspace, current: Data, a: str, b: str, lang: str, settings=None) -> None:
    """Figures side by side and a map of what differs."""
    from ui.zones_panel import base_map

    dataset = current.dataset
    try:
        comparison = workspace.compare(a, b, dataset.layers["communities"], barriers=dataset.layers.get("barriers"),
                                       lang=lang, dataset_fingerprint=current.key)
    except GeoError as exc:
        show("error", error_words(exc, lang))
        return
    figures = comparison.figures.reset_index(drop=True).rename(columns={
        "label": text("figure", lang), "a": comparison.a.name, "b": comparison.b.name, "change": text("change_b_a", lang)})
    st.dataframe(for_display(figures, lang), hide_index=True, width="stretch")
    diff = comparison.differences
    if diff.empty:
        show("success", text("identical", lang))
        return
    counts = comparison.counts()
    st.caption("；".join(f"{text('diff_' + k, lang)} {v}" for k, v in counts.items()) if lang == "zh" else
               "; ".join(f"{text('diff_' + k, lang)}: {v}" for k, v in counts.items()))
    rules = comparison.a.zone_rules()
    basemap = settings.basemap if settings is not None else {"basemap_url": None, "basemap_attribution": ""}
    datum = settings.datum if settings is not None else "wgs84"
    basemap_key = settings.basemap_key if settings is not None else ""
    base = base_map(dataset, current.key, lang, "build_year", rules.cutoff_year, rules.small_max_households,
                    basemap_key, basemap, datum)
    group = differences_group(for_basemap(diff, datum), lang=lang)
    mapview.show(base, key=COMPARE_MAP_KEY, feature_groups=[group], returned_objects=(), height=480)


# --- exports -----------------------------------------------------------------------------------------


def export_panel(current: Data, lang: str) -> None:
    """Export one zone, a selection of zones, or all, as GeoJSON / GeoPackage / CSV (zip when several)."""
    work = state().work_for(current.key)
    session = work.edit
    if session is None or not session.zoning.zones:
        show("info", text("no_zones", lang))
        return
    dataset = current.dataset
    st.caption(text("export_intro", lang))
    zone_ids = sorted(session.zoning.zones)
    scope = st.radio(text("export_scope", lang), ("all", "some"), horizontal=True, **bind_choice("x_scope", "all", ("all", "some"), lang),
                     format_func=lambda v: text(f"scope_{v}", lang))
    chosen = zone_ids if scope == "all" else [z for z in st.multiselect(
        text("zones", lang), zone_ids, **bind_multi("x_zones", [], zone_ids), placeholder=text("choose_zones", lang)) if z in zone_ids]
    formats = st.multiselect(text("formats", lang), list(FORMATS), **bind_multi("x_formats", list(FORMATS), list(FORMATS)),
                             placeholder=text("choose_formats", lang))
    if not chosen or not formats:
        return
    signature = (len(session.log), session.can_redo, id(session.zoning), tuple(chosen), tuple(formats), lang)
    if st.button(text("prepare_export", lang), key="x_prepare"):
        with st.status(text("exporting", lang).format(n=len(chosen)), expanded=False) as status:
            try:
                bundle = export_bundle(chosen, zones=session.zones, communities=dataset.layers["communities"],
                                       pipelines=dataset.layers.get("pipelines"),
                                       zone_notes=dict(session.zoning.notes), lang=lang, formats=formats)
            except GeoError as exc:
                status.update(label=error_words(exc, lang), state="error")
                return
            work.export = ExportFile(signature, bundle.data, bundle.file_name, bundle.mime)
            status.update(label=text("export_ready", lang).format(n=len(chosen), size=len(bundle.data) / 1e6),
                          state="complete")
    if work.export is not None and work.export.signature == signature:
        st.download_button(f"{text('download', lang)} {work.export.file_name}", work.export.data,
                           file_name=work.export.file_name, mime=work.export.mime, key="x_download", type="primary",
                           on_click="ignore")
