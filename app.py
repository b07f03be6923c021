"""Streamlit entry point: the planner's workbench.

Run with ``streamlit run app.py``. Page setup and layout only: loading and analysis are in geo/,
drawing in layers/, the panels and the page's state (:mod:`ui.state`) in ui/.
"""

from __future__ import annotations

import streamlit as st

from ui import auth, data_panel, pipelines_panel, planning_panel, proposals_panel, sessions, sidebar, streamlit_words, zones_panel
from ui import drafts as ui_drafts
from ui.boundary import boundary, fault_point
from ui.i18n import text
from ui.messages import show, show_messages
from ui.state import bound_tab, state

st.set_page_config(page_title="老旧小区改造规划 · Old-community planner", layout="wide")

TABS = ("tab_map", "tab_proposals", "tab_export", "tab_pipelines", "tab_plan", "tab_data", "tab_check",
        "tab_tables")


def main() -> None:
    """Lay out the page: sidebar, headline, then the open tab only (tabs are lazy)."""
    s = state()
    streamlit_words.localise(sidebar.initial_language(s))
    config = auth.config_or_stop(s.lang)  # a wrong file stops here: never a fallback to no sign-in
    s.user = auth.signed_in_user(s, config)  # the sign-in form ends the run until someone is known
    drafts = sessions.draft_store()
    ui_drafts.attach(s, drafts)  # a restored draft may bring its language
    lang = sidebar.language(s)
    streamlit_words.localise(lang)
    auth.sidebar_identity(s, config, s.user, lang)
    with boundary("sidebar", lang):
        current = sidebar.dataset(s, lang)
        if current is not None:
            ui_drafts.revive(s, current)  # the draft's work on this dataset, the first time it is seen
        settings = sidebar.settings(s, lang, has_data=current is not None)
        workspace = proposals_panel.workspace_sidebar(lang)
    st.title(text("title", lang))
    st.caption(text("subtitle", lang))
    show_messages(s, "page", lang)
    if current is not None:
        with boundary("headline", lang):
            data_panel.headline(current.dataset, lang)
            if settings.propose_clicked:
                zones_panel.propose(current, settings.rules, lang)

    labels = [text(name, lang) for name in TABS]
    # keyed per language (a label change makes a new widget) and lazy: only the open tab runs
    tab_key = bound_tab(lang, text(s.tab if s.tab in TABS else TABS[0], lang))
    tabs = dict(zip(TABS, st.tabs(labels, key=tab_key, on_change="rerun")))
    s.tab = next((name for name in TABS if tabs[name].open), s.tab)
    panels = {
        "tab_map": lambda: zones_panel.workbench(current, settings, lang),
        "tab_proposals": lambda: proposals_panel.proposals_panel(workspace, current, lang, settings),
        "tab_export": lambda: proposals_panel.export_panel(current, lang),
        "tab_pipelines": lambda: pipelines_panel.pipelines_panel(current, lang),
        "tab_plan": lambda: planning_panel.planning_panel(current, settings, lang),
        "tab_data": lambda: data_panel.data_in_panel(lang),
        "tab_check": lambda: data_panel.check_panel(current.dataset, lang),
        "tab_tables": lambda: data_panel.tables_panel(current.dataset, lang),
    }
    for name, panel in panels.items():
        if not tabs[name].open:
            continue
        with tabs[name], boundary(name, lang):
            fault_point(name)
            if current is None and name != "tab_data":
                # after a reload the uploaded files are kept, but the planner confirms them again
                show("info", text("upload_confirm_again" if s.upload_files else "upload_communities_first", lang))
            else:
                panel()
    ui_drafts.autosave(s, drafts)


main()
