"""The zones workbench: rules in the sidebar, the map with the zones, the selected community's
details and the edits, and the zones table.

The page logic lives in :class:`geo.editing.EditSession` (every edit, undo/redo, figures and the
rules each zone breaks); this module turns clicks and buttons into calls to it.
"""

from __future__ import annotations

import hashlib
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely
import streamlit as st

from geo.adjacency import community_pairs
from geo.eligibility import eligibility_class
from geo.errors import GeoError
from geo.load import Dataset
from geo.editing import EditSession, reason_words
from geo.schema import layer_spec
from geo.zones import ZoneRules, propose_zones
from layers import build_map
from layers.geojson import for_basemap, from_basemap
from layers.analysis import (aged_pipelines_group, findings_group, member_frame, pairs_group, selection_group,
                             zone_view, zones_group)
from layers.styles import COMMUNITY_SCHEMES
from ui import mapview, pipelines_panel
from ui.i18n import labelled, text
from ui.offline import serve_assets

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


# --- sidebar: the rules ----------------------------------------------------------------------


def rules_sidebar(lang: str) -> ZoneRules:
    """The zone rules as the planner set them in the sidebar (defaults explained)."""
    d = ZoneRules()
    with st.sidebar.expander(text("rules", lang), expanded=False):
        st.caption(text("rules_help", lang))
        gap = st.number_input(text("gap_m", lang), 0.0, 200.0, float(d.gap_m), 1.0, key="r_gap",
                              help=text("gap_help", lang))
        small = st.number_input(text("small_max", lang), 10, 5000, d.small_max_households, 10, key="r_small")
        cutoff = st.number_input(text("cutoff_year", lang), 1950, 2030, d.cutoff_year, 1, key="r_cutoff")
        lo = st.number_input(text("min_hh", lang), 10, 10000, d.min_households, 10, key="r_min")
        hi = st.number_input(text("max_hh", lang), 10, 50000, d.max_households, 50, key="r_max")
        members = st.number_input(text("max_members", lang), 2, 50, d.max_members, 1, key="r_members")
        span = st.number_input(text("max_span", lang), 50.0, 5000.0, float(d.max_span_m), 50.0, key="r_span")
        any_street = st.checkbox(text("any_street", lang), value=not d.same_street, key="r_any_street")
        anchor = st.checkbox(text("allow_anchor", lang), value=d.allow_anchor, key="r_anchor")
    try:
        return ZoneRules(gap_m=gap, small_max_households=int(small), cutoff_year=int(cutoff),
                         min_households=int(lo), max_households=int(hi), max_members=int(members),
                         max_span_m=span, same_street=not any_street, allow_anchor=anchor)
    except ValueError as exc:
        st.sidebar.error(str(exc))
        return d


def map_sidebar(lang: str) -> tuple[str, bool, bool, bool, tuple[str, ...]]:
    """Colour scheme of the communities, which analysis layers are drawn, and which data layers
    the base map carries (pipelines and facilities on request: they weigh most)."""
    colour_by = st.sidebar.selectbox(text("colour_by", lang), list(COMMUNITY_SCHEMES), key="colour_by",
                                     format_func=lambda s: text(f"scheme_{s}", lang))
    drawn = ["admin", "barriers", "communities"]
    cols = st.sidebar.columns(2)
    if cols[0].checkbox(text("draw_pipelines", lang), value=False, key="draw_pipelines"):
        drawn.append("pipelines")
    if cols[1].checkbox(text("draw_facilities", lang), value=False, key="draw_facilities"):
        drawn.append("facilities")
    if cols[0].checkbox(text("draw_roads", lang), value=False, key="draw_roads"):
        drawn.append("roads")
    show_zones = st.sidebar.checkbox(text("show_zones", lang), value=True, key="show_zones")
    show_pairs = st.sidebar.checkbox(text("show_pairs", lang), value=False, key="show_pairs")
    show_pipes = st.sidebar.checkbox(text("show_pipes", lang), value=False, key="show_pipes")
    return colour_by, show_zones, show_pairs, show_pipes, tuple(drawn)


# --- cached analysis -------------------------------------------------------------------------


@st.cache_resource(show_spinner=False, max_entries=8)
def neighbour_pairs(_dataset: Dataset, key: str, gap_m: float, same_street: bool) -> gpd.GeoDataFrame:
    """Neighbour pairs of the dataset ``key`` (cached per merge distance and street rule)."""
    return community_pairs(_dataset.layers["communities"], gap_m=gap_m,
                           barriers=_dataset.layers.get("barriers"), respect_streets=same_street)


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


def propose(dataset: Dataset, key: str, rules: ZoneRules, lang: str):
    """Run the engine with a progress bar: a new edit session, or (when the planner locked zones)
    a re-run of the current one around them; None on bad input."""
    bar = st.progress(0.0, text=text("proposing", lang))

    def progress(done: int, total: int) -> None:
        bar.progress(min(done / max(total, 1), 1.0), text=f"{text('proposing', lang)} {done:,}/{total:,}")

    current = st.session_state.get("edit_session")
    try:
        if current is not None and current.zoning.locked:
            # keep the planner's locked zones exactly; re-zone everything else (undoable)
            current.rerun(rules=rules, progress=progress)
            bar.empty()
            return current
        pairs = neighbour_pairs(dataset, key, rules.gap_m, rules.same_street)
        result = propose_zones(dataset.layers["communities"], pairs=pairs,
                               barriers=dataset.layers.get("barriers"), rules=rules, progress=progress)
        session = EditSession.from_result(result, dataset.layers["communities"], pairs=pairs,
                                          barriers=dataset.layers.get("barriers"))
    except GeoError as exc:
        bar.empty()
        st.error(str(exc))
        return None
    bar.empty()
    return session


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
    return text("reason_unknown", lang) if code is None else reason_words(code, lang)


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


def handle_map_event(event: dict | None, session, datum: str = "wgs84") -> bool:
    """Turn a new click or drawing into the selection held in session state; True if it changed.

    Both arrive as ``last_active_drawing`` (the only event the map returns, so that panning and
    zooming never rerun the page): a clicked feature with its properties, or a drawn polygon.
    """
    feature = (event or {}).get("last_active_drawing")
    if not feature:
        return False
    signature = repr(feature)
    if signature == st.session_state.get("_last_event"):
        return False  # the same event comes back on every rerun until the next one
    st.session_state["_last_event"] = signature
    pid = (feature.get("properties") or {}).get("pipeline_id")
    if pid:
        st.session_state["pipeline_selected"] = str(pid)
        st.session_state["impact"] = (str(pid), [str(pid)])
        return True
    cid = _clicked_id(feature)
    if cid is not None:
        st.session_state["selection"] = [cid]
        return True
    shape = _drawn_polygon(feature)
    if shape is not None:
        st.session_state["selection"] = list(session.select_in_polygon(from_basemap(shape, datum), crs=4326))
        return True
    return False


def dynamic_layers(session, communities: gpd.GeoDataFrame, pairs: gpd.GeoDataFrame | None,
                   lang: str, show_zones: bool, show_pairs: bool, datum: str = "wgs84",
                   pipes=None) -> list:
    """The layers that change while the planner works (shifted onto a GCJ-02 basemap if need be)."""
    groups = []
    if pipes is not None:
        work = pipes.work
        if work["zone_id"].notna().any():
            work = work[work["zone_id"].notna()]  # the zones' works: what a planner docks with operators
        groups.append(aged_pipelines_group(for_basemap(work, datum), lang=lang,
                                           selected=st.session_state.get("pipeline_selected")))
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

        state = repr((session.zoning.to_dict(), session.rules, lang, datum, id(communities)))
        groups.append(("zones:" + hashlib.sha256(state.encode()).hexdigest(), build_zones))
    selection = st.session_state.get("selection") or []
    if selection:
        ids = communities["community_id"].astype(str)
        groups.append(selection_group(for_basemap(communities[ids.isin(selection).to_numpy()], datum), lang=lang))
    return groups


# --- edits -----------------------------------------------------------------------------------


def _apply(lang: str, action, *args, **kwargs) -> None:
    try:
        action(*args, **kwargs)
    except (GeoError, KeyError, ValueError) as exc:
        st.session_state["edit_error"] = f"{text('edit_error', lang)}: {exc}"


def edit_panel(session, communities: gpd.GeoDataFrame, lang: str) -> None:
    """Details of the selection and the edits a planner can make to it."""
    selection: list[str] = st.session_state.get("selection") or []
    undo, redo, clear = st.columns(3)
    undo.button(text("undo", lang), disabled=not session.can_undo, key="undo", width="stretch",
                on_click=lambda: _apply(lang, session.undo))
    redo.button(text("redo", lang), disabled=not session.can_redo, key="redo", width="stretch",
                on_click=lambda: _apply(lang, session.redo))
    clear.button(text("clear_selection", lang), disabled=not selection, key="clear", width="stretch",
                 on_click=lambda: st.session_state.update(selection=[]))
    if message := st.session_state.pop("edit_error", None):
        st.error(message)
    if not selection:
        st.info(text("click_hint", lang))
        return
    if len(selection) == 1:
        _community_details(session, selection[0], lang)
    else:
        st.markdown(f"**{text('selected', lang)}**: {len(selection)} — " + ", ".join(selection[:12])
                    + (" …" if len(selection) > 12 else ""))
    zone_ids = sorted(session.zoning.zones)
    target = st.selectbox(text("move_to", lang), zone_ids, key="move_target", index=None)
    cols = st.columns(2)
    cols[0].button(text("move", lang), disabled=target is None, key="do_move", width="stretch",
                   on_click=lambda: _apply(lang, session.move, list(selection), target))
    cols[1].button(text("take_out", lang), key="do_take_out", width="stretch",
                   on_click=lambda: _apply(lang, session.take_out, list(selection)))
    cols = st.columns(2)
    cols[0].button(text("new_zone", lang), key="do_new", width="stretch",
                   on_click=lambda: _apply(lang, session.new_zone, list(selection)))
    zones_of_selection = sorted({z for z in (session.zone_of(c) for c in selection) if z})
    cols[1].button(text("merge_zones", lang), key="do_merge", width="stretch",
                   disabled=len(zones_of_selection) < 2,
                   on_click=lambda: _apply(lang, session.merge_zones, zones_of_selection))
    if len(zones_of_selection) == 1:
        _zone_actions(session, zones_of_selection[0], selection, lang)


def _community_details(session, cid: str, lang: str) -> None:
    details = session.community_details(cid, lang=lang)
    fields = details["fields"]
    st.markdown(f"**{text('details', lang)}: {cid} {fields.get('name') or ''}**")
    where = details["zone_id"] or text("not_in_zone", lang)
    line = f"{text('in_zone', lang)}: **{where}**"
    if details["reason"]:
        line += f" · {text('reason', lang)}: {details['reason']}"
    if details["relaxation"]:
        line += f" · {text('relaxation', lang)}: `{details['relaxation']}`"
    st.markdown(line)
    shown = {schema_label(k, lang): v for k, v in fields.items() if v is not None}
    st.dataframe(pd.DataFrame({text("field", lang): list(shown), text("value", lang): [str(v) for v in shown.values()]}),
                 hide_index=True, width="stretch", height=min(35 * (len(shown) + 1), 280))
    neighbours = details["neighbours"]
    if neighbours:
        with st.expander(f"{text('neighbours', lang)} ({len(neighbours)})"):
            table = pd.DataFrame(neighbours)[["community_id", "zone_id", "gap_m", "shared_boundary_m", "cut"]]
            st.dataframe(labelled(table, lang), hide_index=True, width="stretch")


def _zone_actions(session, zone_id: str, selection: list[str], lang: str) -> None:
    zone = session.zone(zone_id)
    locked = bool(zone["locked"])
    st.markdown(f"**{text('zone_detail', lang)} {zone_id}** · {zone['households']:,} {text('households', lang)}"
                f" · {zone['n_members']} {text('communities', lang)} · {zone['span_m']:.0f} m"
                + (f" · 🔒 {text('locked_word', lang)}" if locked else ""))
    broken = session.violations_of(zone_id, lang=lang)
    if broken:
        st.warning(text("zone_rules_broken", lang) + ":\n" + "\n".join(f"- {v['detail']}" for v in broken))
    else:
        st.success(text("zone_ok", lang))
    cols = st.columns(2)
    cols[0].button(text("split", lang), key="do_split", width="stretch",
                   on_click=lambda: _apply(lang, session.split_zone, zone_id, list(selection)))
    cols[1].button(text("split_auto", lang), key="do_split_auto", width="stretch",
                   on_click=lambda: _apply(lang, session.split_zone_auto, zone_id))
    cols = st.columns(2)
    cols[0].button(text("dissolve", lang), key="do_dissolve", width="stretch",
                   on_click=lambda: _apply(lang, session.dissolve, zone_id))
    cols[1].button(text("unlock" if locked else "lock", lang), key="do_lock", width="stretch",
                   on_click=lambda: _apply(lang, session.lock, zone_id, locked=not locked))
    note = st.text_input(text("note", lang), value=zone["note"] or "", key=f"note_{zone_id}")
    st.button(text("save_note", lang), key="do_note",
              on_click=lambda: _apply(lang, session.note, zone_id, note))


def zones_table(session, lang: str) -> str | None:
    """The zones, sortable; the selected row's zone id (to zoom to)."""
    zones = session.zones
    if zones.empty:
        return None
    counts = session.violations.groupby("zone_id").size()
    table = pd.DataFrame(zones.drop(columns=zones.geometry.name))
    table["members"] = table["members"].map(lambda ms: ", ".join(ms))
    table.insert(1, "rules_broken", table["zone_id"].map(counts).fillna(0).astype(int))
    event = st.dataframe(labelled(table, lang), hide_index=True, width="stretch", height=320, key="zones_table",
                         on_select="rerun", selection_mode="single-row")
    rows = event.selection.rows if event is not None else []
    return str(table.iloc[rows[0]]["zone_id"]) if rows else None


@st.fragment
def workbench(dataset: Dataset, key: str, lang: str, basemap: dict, datum: str, basemap_key: str,
              rules: ZoneRules, colour_by: str, show_zones: bool, show_pairs: bool, show_pipes: bool = False,
              drawn: tuple[str, ...] = ("admin", "barriers", "communities")) -> None:
    """Map, edit panel and zones table; a fragment, so a click reruns only this part."""
    session = st.session_state.get("edit_session")
    communities = dataset.layers["communities"]
    if session is not None:
        summary_metrics(session.summary(), lang)
    else:
        st.info(text("no_zones", lang))
    base = base_map(dataset, key, lang, colour_by, rules.cutoff_year, rules.small_max_households,
                    basemap_key, basemap, datum, drawn)
    pairs = neighbour_pairs(dataset, key, rules.gap_m, rules.same_street) if show_pairs else None
    zoom_to = st.session_state.get("zoom_to")
    view = zone_view(for_basemap(session.zones, datum), zoom_to) if (session is not None and zoom_to) else None
    left, right = st.columns([5, 2], gap="medium")
    with left:
        event = mapview.show(
            base, key=MAP_KEY,
            feature_groups=dynamic_layers(session, communities, pairs, lang, show_zones, show_pairs, datum,
                                          pipes=pipelines_panel.current_analysis(dataset, key) if show_pipes else None),
            returned_objects=("last_active_drawing",),
            center=view[0] if view else None, zoom=view[1] if view else None,
            js_cache=st.session_state.setdefault("_layer_js", {}),
        )
    if session is not None:
        if handle_map_event(event, session, datum):
            _rerun_fragment()
        with right:
            if show_pipes and st.session_state.get("pipeline_selected"):
                st.markdown(f"**{text('pipeline_selected', lang)}: {st.session_state['pipeline_selected']}**")
                analysis = pipelines_panel.current_analysis(dataset, key)
                if analysis is not None:
                    pipelines_panel.impact_view(analysis, dataset, lang)
            edit_panel(session, communities, lang)
        st.caption(text("zones_table", lang))
        picked = zones_table(session, lang)
        if picked and picked != st.session_state.get("zoom_to"):
            st.session_state["zoom_to"] = picked
            _rerun_fragment()
    else:
        with right:
            st.info(text("click_hint", lang))
