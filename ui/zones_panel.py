"""The zones workbench: rules in the sidebar, the map with the zones, the selected community's
details and the edits, and the zones table.

The page logic lives in :class:`geo.zoning.editing.EditSession` (every edit, undo/redo, figures and the
rules each zone breaks); this module turns clicks and buttons into calls to it. The session, the
selection (community ids) and the zone the map is zoomed to (a zone id, never a row number) are
the page state's :class:`ui.state.Work` of the current dataset.
"""

from __future__ import annotations

import functools
import hashlib

import geopandas as gpd
import pandas as pd
import shapely
import streamlit as st

from geo import (
    Dataset, EditSession, GeoError, ZoneRules, eligibility_class, layer_spec, propose_zones, reason_words,
    time_limited,
)
from layers import build_map
from layers.analysis import (aged_pipelines_group, findings_group, member_frame, pairs_group, selection_group,
                             zone_view, zones_group)
from layers.escape import escape_markdown
from layers.geojson import for_basemap, from_basemap
from ui import mapview, pipelines_panel
from ui.boundary import guarded
from ui.i18n import text
from ui.messages import error_words, show, show_messages
from ui.offline import serve_assets
from ui.sessions import draft_store, neighbour_pairs
from ui.sidebar import Settings
from ui.state import Data, Work, bind, state, widget_value
from ui.tables import for_display

MAP_KEY = "zones_map"


def schema_label(column: str, lang: str) -> str:
    """A community column's label in ``lang`` (its name when it is not a canonical column)."""
    spec = layer_spec("communities")
    return spec.column(column).label(lang) if column in spec.column_names else column


def _rerun_fragment() -> None:
    """Rerun the workbench only when it runs as a fragment; the whole page otherwise."""
    from streamlit.errors import StreamlitAPIException

    try:
        st.rerun(scope="fragment")
    except StreamlitAPIException:  # a full-page run (the first, or after a sidebar change)
        st.rerun()


# --- cached analysis -------------------------------------------------------------------------


#: From this many communities on, the map is drawn lighter: coordinates to ~1 m and footprints
#: simplified by 0.5 m (invisible at city zoom; analysis always uses the full geometry).
LARGE_CITY = 3_000


@st.cache_resource(show_spinner=False, max_entries=12)
def base_map(_dataset: Dataset, key: str, lang: str, colour_by: str, cutoff: int, small_max: int,
             basemap_key: str, _basemap: dict, datum: str = "wgs84",
             drawn: tuple[str, ...] = ("admin", "barriers", "communities")) -> mapview.StaticMap:
    """The base map of the ``drawn`` data layers, rendered once per dataset, language, colours,
    basemap and layer choice."""
    large = len(_dataset.layers["communities"]) >= LARGE_CITY
    layers = {}
    for name, gdf in _dataset.layers.items():
        if name not in drawn:
            continue
        if large and name in ("communities", "admin"):
            gdf = gdf.set_geometry(gdf.geometry.simplify(0.5))
        layers[name] = for_basemap(gdf, datum, layer=name)
    communities = layers["communities"].copy()
    communities["eligibility"] = eligibility_class(
        communities, ZoneRules(cutoff_year=cutoff, small_max_households=small_max)).to_numpy()
    layers["communities"] = communities
    m = build_map(layers, lang=lang, asset_base_url=serve_assets(), colour_by=colour_by, draw=True,
                  legend_open=False, precision=5 if large else 6, visible=drawn, **_basemap)
    return mapview.prepare(m)


# --- proposing -------------------------------------------------------------------------------


def propose(current: Data, rules: ZoneRules, lang: str) -> None:
    """Run the engine with a progress bar: a new edit session, or (when the planner locked zones) a
    re-run of the current one around them (zones whose members stay keep their ids; undoable)."""
    work = state().work
    dataset = current.dataset
    bar = st.progress(0.0, text=text("proposing", lang))

    def shown(done: int, total: int) -> None:
        bar.progress(min(done / max(total, 1), 1.0), text=f"{text('proposing', lang)} {done:,}/{total:,}")

    progress = time_limited(shown, "zoning")  # stops the engine past the server's time limit

    try:
        if work.edit is not None and work.edit.zoning.locked:
            work.edit.rerun(rules=rules, progress=progress)
        else:
            pairs = neighbour_pairs(dataset, current.key, rules.gap_m, rules.same_street)
            result = propose_zones(dataset.layers["communities"], pairs=pairs,
                                   barriers=dataset.layers.get("barriers"), rules=rules, progress=progress)
            used = work.edit.used_zone_ids if work.edit is not None else ()
            if work.proposal is not None:
                used = tuple(sorted({*used, *getattr(work.proposal, "used_zone_ids", ())}))
            work.edit = EditSession.from_result(result, dataset.layers["communities"], pairs=pairs,
                                                barriers=dataset.layers.get("barriers"), used_zone_ids=used,
                                                previous=work.edit.zoning if work.edit is not None else None)
            work.selection = []
    except GeoError as exc:
        show("error", error_words(exc, lang))
    finally:
        bar.empty()
    work.zoom_to = None


def summary_metrics(summary: dict, lang: str) -> None:
    """Zones, candidates placed and left out (by reason), households covered, broken zones."""
    cols = st.columns(5)
    cols[0].metric(text("zones", lang), f"{summary.get('zones', 0):,}")
    cols[1].metric(text("placed", lang), f"{summary['candidates_placed']:,} / {summary['candidates']:,}")
    cols[2].metric(text("left_out", lang), f"{summary['candidates_left_out']:,}")
    cols[3].metric(text("hh_in_zones", lang), f"{summary['households_in_zones']:,}")
    broken = summary["zones_breaking_rules"]
    kept = summary["zones_kept_with_note"]
    cols[4].metric(text("broken_zones", lang), f"{len(broken):,}",
                   help=(", ".join(broken[:20]) + (f" ({text('kept_with_note', lang)}: {', '.join(kept)})" if kept else ""))
                   if broken else None)
    by_reason = summary.get("left_out_by_reason") or {}
    if by_reason:
        st.caption(text("left_out_by_reason", lang) + ": " + "; ".join(
            f"{_reason_words(code, lang)} {n}" for code, n in by_reason.items()))


def _reason_words(code: str | None, lang: str) -> str:
    return text("reason_unknown", lang) if code in (None, "", "unknown") else reason_words(code, lang)


# --- the map ---------------------------------------------------------------------------------


def _clicked_id(feature: dict) -> str | None:
    """The community id of a clicked feature (a community of the base map or of a zone)."""
    props = feature.get("properties") or {}
    cid = props.get("community_id")
    return str(cid) if cid else None


def _drawn_polygon(feature: dict) -> shapely.Geometry | None:
    """A shape drawn with the draw tool (lon/lat): a polygon without a community's properties."""
    geometry = feature.get("geometry") or {}
    if geometry.get("type") != "Polygon" or (feature.get("properties") or {}).get("community_id"):
        return None
    return shapely.geometry.shape(geometry)


def handle_map_event(event: dict | None, work: Work, datum: str = "wgs84") -> bool:
    """Turn a new click or drawing into the selection of ``work``; True if it changed.

    Both arrive as ``last_active_drawing`` (the only event the map returns, so that panning and
    zooming never rerun the page): a clicked feature with its properties, or a drawn polygon.
    """
    feature = (event or {}).get("last_active_drawing")
    if not feature:
        return False
    signature = repr(feature)
    if signature == work.last_event:
        return False  # the same event comes back on every rerun until the next one
    work.last_event = signature
    pid = (feature.get("properties") or {}).get("pipeline_id")
    if pid:
        work.pipeline_selected = str(pid)
        work.impact = (str(pid), [str(pid)])
        return True
    cid = _clicked_id(feature)
    if cid is not None:
        work.selection = [cid]
        return True
    shape = _drawn_polygon(feature)
    if shape is not None and work.edit is not None:
        work.selection = list(work.edit.select_in_polygon(from_basemap(shape, datum), crs=4326))
        return True
    return False


def dynamic_layers(work: Work, communities: gpd.GeoDataFrame, pairs: gpd.GeoDataFrame | None,
                   lang: str, show_zones: bool, show_pairs: bool, datum: str = "wgs84",
                   pipes=None) -> list:
    """The layers that change while the planner works (shifted onto a GCJ-02 basemap if need be)."""
    session = work.edit
    groups = []
    if pipes is not None:
        works = pipes.work
        if works["zone_id"].notna().any():
            works = works[works["zone_id"].notna()]  # the zones' works: what a planner docks with operators
        groups.append(aged_pipelines_group(for_basemap(works, datum), lang=lang, selected=work.pipeline_selected))
        if len(pipes.findings):
            groups.append(findings_group(for_basemap(pipes.findings, datum), lang=lang))
    if show_pairs and pairs is not None and len(pairs):
        groups.append(pairs_group(for_basemap(pairs, datum), lang=lang))
    if session is not None and show_zones:
        def build_zones():
            zones = session.zones.copy()
            zones["violations"] = zones["zone_id"].map(
                session.violations.groupby("zone_id").size()).fillna(0).astype(int)
            members = member_frame(communities, session.zoning.assignment())
            return zones_group(for_basemap(zones, datum), members=for_basemap(members, datum), lang=lang)

        key = repr((session.zoning.to_dict(), session.rules, lang, datum, id(communities)))
        groups.append(("zones:" + hashlib.sha256(key.encode()).hexdigest(), build_zones))
    if work.selection:
        ids = communities["community_id"].astype(str)
        groups.append(selection_group(for_basemap(communities[ids.isin(work.selection).to_numpy()], datum),
                                      lang=lang))
    return groups


# --- edits -----------------------------------------------------------------------------------


def _edit(action, *args) -> None:
    """Button callback: make one edit; a refused edit is kept for the panel to word."""
    work = state().work
    try:
        action(*args)
    except GeoError as exc:
        work.edit_error = exc


def _clear_selection() -> None:
    state().work.selection = []


def edit_panel(work: Work, communities: gpd.GeoDataFrame, lang: str) -> None:
    """Details of the selection and the edits a planner can make to it."""
    session = work.edit
    selection = list(work.selection)
    undo, redo, clear = st.columns(3)
    undo.button(text("undo", lang), disabled=not session.can_undo, key="undo", width="stretch",
                on_click=guarded(_edit, "undo"), args=(session.undo,))
    redo.button(text("redo", lang), disabled=not session.can_redo, key="redo", width="stretch",
                on_click=guarded(_edit, "redo"), args=(session.redo,))
    clear.button(text("clear_selection", lang), disabled=not selection, key="clear", width="stretch",
                 on_click=guarded(_clear_selection, "clear"))
    if work.edit_error is not None:
        show("error", f"{text('edit_error', lang)}: {error_words(work.edit_error, lang)}")
        work.edit_error = None
    if not selection:
        show("info", text("click_hint", lang))
        return
    if len(selection) == 1:
        _community_details(session, selection[0], lang)
    else:
        st.markdown(f"**{text('selected', lang)}**: {len(selection)} — " + ", ".join(map(escape_markdown, selection[:12]))
                    + (" …" if len(selection) > 12 else ""))
    zone_ids = sorted(session.zoning.zones)
    target = st.selectbox(text("move_to", lang), zone_ids, key="move_target", index=None,
                          placeholder=text("choose_zone", lang))
    cols = st.columns(2)
    cols[0].button(text("move", lang), disabled=target is None, key="do_move", width="stretch",
                   on_click=guarded(_edit, "move"), args=(session.move, selection, target))
    cols[1].button(text("take_out", lang), key="do_take_out", width="stretch",
                   on_click=guarded(_edit, "take_out"), args=(session.take_out, selection))
    cols = st.columns(2)
    cols[0].button(text("new_zone", lang), key="do_new", width="stretch", help=text("new_zone_help", lang),
                   on_click=guarded(_edit, "new_zone"), args=(session.new_zone, selection))
    zones_of_selection = sorted({z for z in (session.zone_of(c) for c in selection) if z})
    cols[1].button(text("merge_zones", lang), key="do_merge", width="stretch", help=text("merge_zones_help", lang),
                   disabled=len(zones_of_selection) < 2,
                   on_click=guarded(_edit, "merge_zones"), args=(session.merge_zones, zones_of_selection))
    if len(zones_of_selection) == 1:
        _zone_actions(session, zones_of_selection[0], selection, lang)


def _community_details(session, cid: str, lang: str) -> None:
    details = session.community_details(cid, lang=lang)
    fields = details["fields"]
    st.markdown(f"**{text('details', lang)}: {escape_markdown(cid)} {escape_markdown(fields.get('name'))}**")
    where = escape_markdown(details["zone_id"]) or text("not_in_zone", lang)
    line = f"{text('in_zone', lang)}: **{where}**"
    if details["reason"]:
        line += f" · {text('reason', lang)}: {details['reason']}"
    if details["relaxation"]:
        line += f" · {text('relaxation', lang)}: `{details['relaxation']}`"
    st.markdown(line)
    shown = {schema_label(k, lang): v for k, v in fields.items() if v is not None and not (isinstance(v, float) and v != v)}
    st.dataframe(pd.DataFrame({text("field", lang): list(shown), text("value", lang): [str(v) for v in shown.values()]}),
                 hide_index=True, width="stretch", height=min(35 * (len(shown) + 1), 280))
    neighbours = details["neighbours"]
    if neighbours:
        with st.expander(f"{text('neighbours', lang)} ({len(neighbours)})"):
            table = pd.DataFrame(neighbours)[["community_id", "zone_id", "gap_m", "shared_boundary_m", "cut"]]
            st.dataframe(for_display(table, lang), hide_index=True, width="stretch")


def _save_note(session, zone_id: str, key: str) -> None:
    _edit(session.note, zone_id, str(widget_value(key) or ""))


def _zone_actions(session, zone_id: str, selection: list[str], lang: str) -> None:
    zone = session.zone(zone_id)
    locked = bool(zone["locked"])
    st.markdown(f"**{text('zone_detail', lang)} {escape_markdown(zone_id)}** · {zone['households']:,} {text('households', lang)}"
                f" · {zone['n_members']} {text('communities', lang)} · {zone['span_m']:.0f} m"
                + (f" · 🔒 {text('locked_word', lang)}" if locked else ""))
    broken = session.violations_of(zone_id, lang=lang)
    if broken:
        show("warning", text("zone_rules_broken", lang) + ":\n" + "\n".join(f"- {v['detail']}" for v in broken))
    else:
        show("success", text("zone_ok", lang))
    cols = st.columns(2)
    cols[0].button(text("split", lang), key="do_split", width="stretch", help=text("split_help", lang),
                   on_click=guarded(_edit, "split"), args=(session.split_zone, zone_id, selection))
    cols[1].button(text("split_auto", lang), key="do_split_auto", width="stretch",
                   on_click=guarded(_edit, "split_auto"), args=(session.split_zone_auto, zone_id))
    cols = st.columns(2)
    cols[0].button(text("dissolve", lang), key="do_dissolve", width="stretch",
                   on_click=guarded(_edit, "dissolve"), args=(session.dissolve, zone_id))
    cols[1].button(text("unlock" if locked else "lock", lang), key="do_lock", width="stretch",
                   on_click=guarded(_edit, "lock"), args=(lambda z, v: session.lock(z, locked=v), zone_id, not locked))
    field = bind(f"note_{zone_id}", zone["note"] or "")
    key = field["key"]
    st.text_input(text("note", lang), **field)
    st.button(text("save_note", lang), key="do_note", on_click=guarded(_save_note, "note"),
              args=(session, zone_id, key))


def _pick_zone(table_key: str) -> None:
    """Table callback: the zone of the picked row (by the order the table was shown in)."""
    work = state().work
    picked_rows = widget_value(table_key)
    rows = picked_rows.selection.rows if picked_rows is not None else []
    picked = work.zone_order[rows[0]] if rows and rows[0] < len(work.zone_order) else None
    work.zoom_to = picked


def zones_table(work: Work, lang: str) -> None:
    """The zones, sortable; picking a row zooms the map to that zone (kept by its id)."""
    session = work.edit
    zones = session.zones
    if zones.empty:
        return
    counts = session.violations.groupby("zone_id").size()
    table = pd.DataFrame(zones.drop(columns=zones.geometry.name))
    table["members"] = table["members"].map(lambda ms: ", ".join(ms))
    table["locked"] = table["locked"].map(lambda v: text("yes", lang) if bool(v) else "")
    table.insert(1, "rules_broken", table["zone_id"].map(counts).fillna(0).astype(int))
    order = table["zone_id"].astype(str).tolist()
    if order != work.zone_order:  # the rows changed: a row number now means another zone
        work.zone_order = order
        work.table_version += 1
    key = f"zones_table_{work.table_version}"
    st.dataframe(for_display(table, lang), hide_index=True, width="stretch", height=320, key=key,
                 on_select=functools.partial(guarded(_pick_zone, "zones_table"), key), selection_mode="single-row")


@st.fragment
def workbench(current: Data, settings: Settings, lang: str) -> None:
    """Map, edit panel and zones table; a fragment, so a click reruns only this part."""
    from ui.boundary import boundary

    work = state().work_for(current.key)
    show_messages(state(), "tab_map", lang)
    dataset = current.dataset
    session = work.edit
    communities = dataset.layers["communities"]
    rules = settings.rules
    with boundary("zones_summary", lang):
        if session is not None:
            summary_metrics(session.summary(), lang)
            if work.proposal is not None:
                st.caption(text("editing_proposal", lang).format(name=work.proposal.name,
                                                                  revision=work.proposal.revision))
        else:
            show("info", text("no_zones", lang))
    base = base_map(dataset, current.key, lang, settings.colour_by, rules.cutoff_year, rules.small_max_households,
                    settings.basemap_key, settings.basemap, settings.datum, settings.drawn)
    pairs = neighbour_pairs(dataset, current.key, rules.gap_m, rules.same_street) if settings.show_pairs else None
    view = None
    if session is not None and work.zoom_to and work.zoom_to in session.zoning.zones:
        view = zone_view(for_basemap(session.zones, settings.datum), work.zoom_to)
    left, right = st.columns([5, 2], gap="medium")
    with left:
        pipes = pipelines_panel.current_analysis(current) if settings.show_pipes else None
        event = mapview.show(
            base, key=MAP_KEY,
            feature_groups=dynamic_layers(work, communities, pairs, lang, settings.show_zones, settings.show_pairs,
                                          settings.datum, pipes=pipes),
            returned_objects=("last_active_drawing",),
            center=view[0] if view else None, zoom=view[1] if view else None,
            js_cache=state().layer_js,
        )
    if handle_map_event(event, work, settings.datum):
        _rerun_fragment()
    with right, boundary("edit_panel", lang):
        if settings.show_pipes and work.pipeline_selected:
            st.markdown(f"**{text('pipeline_selected', lang)}: {escape_markdown(work.pipeline_selected)}**")
            analysis = pipelines_panel.current_analysis(current)
            if analysis is not None:
                pipelines_panel.impact_view(analysis, current, lang)
        if session is not None:
            edit_panel(work, communities, lang)
        else:
            show("info", text("click_hint", lang))
    from ui import drafts

    drafts.autosave(state(), draft_store())
    if session is not None:
        with boundary("zones_table", lang):
            st.caption(text("zones_table", lang) + (f" · {text('zoomed_to', lang)} {work.zoom_to}"
                                                     if work.zoom_to else ""))
            zones_table(work, lang)
