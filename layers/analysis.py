"""Map layers of the analysis results: zones, neighbour pairs, a selection, data-quality findings.

These change while a planner works, so each is a stand-alone :class:`folium.FeatureGroup` meant
for ``st_folium(..., feature_group_to_add=[...])``: the base map (:func:`layers.build_map`) stays
the same and keeps its view while these are swapped.

Example
-------
>>> import geopandas as gpd
>>> from shapely.geometry import box
>>> zones = gpd.GeoDataFrame({"zone_id": ["Z0001"], "households": [420], "n_members": [3],
...                           "span_m": [180.0], "street": ["宁边路街道"], "violations": [0]},
...                          geometry=[box(87.30, 44.01, 87.302, 44.012)], crs=4326)
>>> group = zones_group(zones, lang="en")
>>> group.layer_name
'Proposed zones'
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import MacroElement
from folium.template import Template

from layers.escape import escape_html, text_tooltip
from layers.geojson import to_display_geojson, to_wgs84
from layers.styles import label

__all__ = ["ZONE_PALETTE", "differences_group", "pairs_group", "selection_group", "zone_colour", "zones_group"]

#: Categorical colours of zones (ColorBrewer Set1/Dark2, readable over the community fills).
ZONE_PALETTE: tuple[str, ...] = (
    "#e41a1c", "#377eb8", "#4daf4a", "#984ea3", "#ff7f00", "#a65628", "#f781bf", "#1b9e77",
    "#d95f02", "#7570b3", "#e7298a", "#66a61e",
)
#: Outline of a zone that breaks a rule.
BROKEN_COLOUR = "#b10026"

TEXT: dict[str, tuple[str, str]] = {
    "zones": ("整合片区", "Proposed zones"),
    "pairs": ("相邻关系", "Neighbour pairs"),
    "selection": ("选中", "Selection"),
    "differences": ("方案差异", "Differences"),
    "change_label": ("变化", "Change"),
    "zone_a": ("方案A片区", "Zone in A"),
    "zone_b": ("方案B片区", "Zone in B"),
    "zone_id": ("片区编号", "Zone"),
    "households": ("户数", "Households"),
    "n_members": ("小区数", "Communities"),
    "span_m": ("跨度 (m)", "Span (m)"),
    "street": ("街道", "Street"),
    "violations": ("违反规则", "Rules broken"),
    "locked": ("已锁定", "Locked"),
    "note": ("备注", "Note"),
    "a": ("小区甲", "Community A"),
    "b": ("小区乙", "Community B"),
    "gap_m": ("间距 (m)", "Gap (m)"),
    "status": ("可否合并", "May merge"),
    "allowed": ("可合并", "may merge"),
    "barrier": ("被{kind}“{name}”隔开", "cut by the {kind} {name}"),
    "street_cut": ("分属不同街道", "in different streets"),
    "community_id": ("小区编号", "Community"),
    "name": ("名称", "Name"),
}

BARRIER_WORDS = {
    "arterial_road": ("主干路", "arterial road"),
    "river": ("河流", "river"),
    "railway": ("铁路", "railway"),
}

def t(key: str, lang: str) -> str:
    """The ``lang`` words for ``key``."""
    return label(TEXT[key], lang)


def zone_colour(zone_id: Any) -> str:
    """A stable colour for a zone id (the same zone keeps its colour across edits).

    Example
    -------
    >>> zone_colour("Z0001") == zone_colour("Z0001") and zone_colour("Z0001") in ZONE_PALETTE
    True
    """
    digest = hashlib.md5(str(zone_id).encode()).digest()
    return ZONE_PALETTE[digest[0] % len(ZONE_PALETTE)]


def _tooltip(fields: Sequence[str], lang: str) -> folium.GeoJsonTooltip:
    return text_tooltip(fields, [t(f, lang) for f in fields])


def zones_group(
    zones: gpd.GeoDataFrame,
    *,
    members: gpd.GeoDataFrame | None = None,
    lang: str = "zh",
    labels: bool = True,
    precision: int = 6,
) -> folium.FeatureGroup:
    """Zones as outlines (a colour per zone, red and dashed when a rule is broken), their member
    communities filled in the zone's colour, and zone labels.

    Parameters
    ----------
    zones
        One row per zone: ``zone_id``, ``households``, ``n_members``, ``span_m``, ``street``,
        ``violations`` (number of rules broken); optional ``locked`` and ``note``. Any CRS.
    members
        Member communities with ``community_id``, ``name`` and ``zone_id`` (clicking one selects
        it: its properties come back in ``last_active_drawing``).
    lang
        ``"zh"`` or ``"en"``.
    labels
        Draw the zone ids at each zone's representative point.
    """
    zones = to_wgs84(zones, layer="zones")
    group = folium.FeatureGroup(name=t("zones", lang), show=True)
    if members is not None and len(members):
        members = to_wgs84(members, layer="communities")
        fields = [f for f in ("community_id", "name", "zone_id") if f in members.columns]
        data = to_display_geojson(members, fields, precision=precision, id_column="community_id",
                                  layer="communities")
        colour_of = {f["id"]: zone_colour(f["properties"].get("zone_id")) for f in data["features"]}

        def member_style(feature: dict[str, Any]) -> dict[str, Any]:
            colour = colour_of[feature["id"]]
            return {"color": colour, "weight": 1, "fillColor": colour, "fillOpacity": 0.55}

        folium.GeoJson(data, style_function=member_style, tooltip=_tooltip(fields, lang),
                       highlight_function=lambda f: {"weight": 3, "color": "#000000"},
                       control=False).add_to(group)
    if len(zones):
        frame = zones.copy()
        if "violations" not in frame:
            frame["violations"] = 0
        for column in ("locked", "note"):
            if column not in frame:
                frame[column] = None
        frame["locked"] = frame["locked"].map(
            lambda v: t("locked", lang) if v is True or v == 1 else None)
        fields = [f for f in ("zone_id", "households", "n_members", "span_m", "street", "violations",
                              "locked", "note") if f in frame.columns]
        data = to_display_geojson(frame, fields, precision=precision, id_column="zone_id", layer="zones")
        broken = {f["id"]: bool(f["properties"].get("violations")) for f in data["features"]}

        def outline_style(feature: dict[str, Any]) -> dict[str, Any]:
            if broken[feature["id"]]:
                return {"color": BROKEN_COLOUR, "weight": 3, "dashArray": "6 4", "fill": False}
            return {"color": zone_colour(feature["id"]), "weight": 2.5, "fill": False}

        folium.GeoJson(data, style_function=outline_style, tooltip=_tooltip(fields, lang),
                       control=False).add_to(group)
        if labels:
            points = shapely.point_on_surface(np.asarray(frame.geometry.array, dtype=object))
            rows = [[round(point.y, precision), round(point.x, precision), escape_html(zid), zone_colour(zid)]
                    for zid, point in zip(frame["zone_id"], points)
                    if point is not None and not shapely.is_empty(point)]
            _Labels(rows).add_to(group)
    return group


class _Labels(MacroElement):
    """Zone ids as non-interactive text markers, all in one script (one folium Marker per zone
    costs a template render each: 0.2 s for the demo's 143 zones, on every edit)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        {{ this.rows_json }}.forEach(function (r) {
            L.marker([r[0], r[1]], {interactive: false, keyboard: false, icon: L.divIcon({
                iconSize: [0, 0], className: "",
                html: '<div class="zone-label" style="font: 600 11px system-ui, sans-serif; color: ' + r[3]
                    + '; text-shadow: 0 0 3px #fff, 0 0 3px #fff; white-space: nowrap; '
                    + 'transform: translate(-50%, -50%);">' + r[2] + '</div>'})
            }).addTo({{ this._parent.get_name() }});
        });
        {% endmacro %}
        """
    )

    def __init__(self, rows: list[list]) -> None:
        super().__init__()
        self._name = "ZoneLabels"
        self.rows_json = json.dumps(rows, ensure_ascii=False)


def pair_status(pairs: pd.DataFrame, lang: str = "zh") -> list[str]:
    """Words for each pair: may merge, or why not (the barrier's kind and name, or the street).

    Example
    -------
    >>> frame = pd.DataFrame({"reason": [None, "barrier", "street"],
    ...                       "barrier_kind": [None, "river", None], "barrier_name": [None, "头屯河", None]})
    >>> pair_status(frame, "en")
    ['may merge', 'cut by the river 头屯河', 'in different streets']
    """
    out = []
    for reason, kind, name in zip(pairs["reason"].astype(object),
                                  pairs.get("barrier_kind", pd.Series(None, index=pairs.index)).astype(object),
                                  pairs.get("barrier_name", pd.Series(None, index=pairs.index)).astype(object)):
        if reason is None or (isinstance(reason, float) and np.isnan(reason)):
            out.append(t("allowed", lang))
        elif reason == "barrier":
            words = label(BARRIER_WORDS.get(kind, (str(kind), str(kind))), lang)
            out.append(t("barrier", lang).format(kind=words, name=name or "").strip())
        else:
            out.append(t("street_cut", lang))
    return out


def pairs_group(pairs: gpd.GeoDataFrame, *, lang: str = "zh", precision: int = 6) -> folium.FeatureGroup:
    """Neighbour pairs as short lines between the two footprints: grey where they may merge, red
    where cut, with the reason in the tooltip.

    Parameters
    ----------
    pairs
        :func:`geo.zoning.adjacency.community_pairs`' result (``a``, ``b``, ``gap_m``, ``reason``,
        ``barrier_kind``, ``barrier_name``, line geometry); any CRS.
    """
    frame = to_wgs84(pairs, layer="pairs").copy()
    frame["status"] = pair_status(frame, lang)
    frame["pair_id"] = [f"{a}|{b}" for a, b in zip(frame["a"], frame["b"])]
    fields = ["a", "b", "gap_m", "status"]
    data = to_display_geojson(frame, fields, precision=precision, id_column="pair_id", layer="pairs")
    cut = dict(zip(frame["pair_id"], frame["reason"].notna()))

    def style(feature: dict[str, Any]) -> dict[str, Any]:
        if cut[feature["id"]]:
            return {"color": BROKEN_COLOUR, "weight": 4, "opacity": 0.9}
        return {"color": "#525252", "weight": 3, "opacity": 0.7}

    group = folium.FeatureGroup(name=t("pairs", lang), show=True)
    folium.GeoJson(data, style_function=style, tooltip=_tooltip(fields, lang), control=False).add_to(group)
    return group


def selection_group(
    selected: gpd.GeoDataFrame, *, lang: str = "zh", precision: int = 6,
    fields: Sequence[str] = ("community_id", "name"),
) -> folium.FeatureGroup:
    """The selected communities, outlined thick in yellow over everything else."""
    frame = to_wgs84(selected, layer="selection")
    fields = [f for f in fields if f in frame.columns]
    group = folium.FeatureGroup(name=t("selection", lang), show=True)
    if len(frame):
        data = to_display_geojson(frame, fields, precision=precision, id_column="community_id",
                                  layer="selection")
        folium.GeoJson(data, style_function=lambda f: {"color": "#ffd400", "weight": 4, "fillOpacity": 0.1,
                                                       "fillColor": "#ffd400"},
                       tooltip=_tooltip(fields, lang) if fields else None, control=False).add_to(group)
    return group


def zone_view(zones: gpd.GeoDataFrame, zone_id: str) -> tuple[tuple[float, float], int] | None:
    """Centre (lat, lon) and a zoom that shows zone ``zone_id`` (None when it is not there).

    Example
    -------
    >>> from shapely.geometry import box
    >>> z = gpd.GeoDataFrame({"zone_id": ["Z1"]}, geometry=[box(87.30, 44.01, 87.304, 44.013)], crs=4326)
    >>> zone_view(z, "Z1")
    ((44.0115, 87.302), 15)
    """
    frame = to_wgs84(zones, layer="zones")
    hit = frame[frame["zone_id"] == zone_id]
    if hit.empty:
        return None
    west, south, east, north = hit.total_bounds
    extent = max(east - west, (north - south) * 1.4, 1e-6)
    zoom = int(np.clip(np.floor(np.log2(360.0 / extent)) - 1, 3, 18))
    return (round(float(south + north) / 2, 6), round(float(west + east) / 2, 6)), zoom


def member_frame(communities: gpd.GeoDataFrame, assignment: Mapping[str, str]) -> gpd.GeoDataFrame:
    """The communities that are in a zone, with their ``zone_id`` (for :func:`zones_group`)."""
    ids = communities["community_id"].astype(str)
    mask = ids.isin(list(assignment)).to_numpy()
    columns = [c for c in ("community_id", "name") if c in communities.columns]
    frame = communities.loc[mask, columns + [communities.geometry.name]].copy()
    frame["zone_id"] = ids[mask].map(assignment).to_numpy()
    return frame


PIPE_TEXT: dict[str, tuple[str, str]] = {
    "aged": ("老化管线（待改造）", "Aged pipelines (to renovate)"),
    "findings": ("管网数据问题", "Network data findings"),
    "pipeline_id": ("管线编号", "Pipeline"),
    "kind": ("管线类型", "Kind"),
    "operator": ("权属单位", "Operator"),
    "install_year": ("埋设年代", "Installed"),
    "material": ("材质", "Material"),
    "work": ("工作", "Work"),
    "reason": ("原因", "Reason"),
    "finding": ("问题", "Finding"),
    "words": ("说明", "What it is"),
}


def aged_pipelines_group(work: gpd.GeoDataFrame, *, lang: str = "zh", precision: int = 6,
                         selected: str | None = None) -> folium.FeatureGroup:
    """The segments of the operators' work lists, drawn thick over the map (clicking one selects
    it: ``pipeline_id`` comes back in ``last_active_drawing``); the selected one in black."""
    from layers.styles import pipeline_style

    frame = to_wgs84(work, layer="work list").copy()
    frame["reason"] = frame["reason_zh" if lang == "zh" else "reason_en"]
    frame["kind_label"] = frame["kind"]
    fields = [f for f in ("pipeline_id", "kind", "operator", "install_year", "material", "reason")
              if f in frame.columns]
    data = to_display_geojson(frame, fields, precision=precision, id_column="pipeline_id", layer="work list")
    kinds = dict(zip(frame["pipeline_id"].astype(str), frame["kind"]))

    def style(feature: dict[str, Any]) -> dict[str, Any]:
        base = pipeline_style(kinds.get(feature["id"]))
        if feature["id"] == selected:
            return {"color": "#000000", "weight": 7, "opacity": 1.0}
        return {"color": base.get("color", "#636363"), "weight": 4, "opacity": 0.9}

    group = folium.FeatureGroup(name=label(PIPE_TEXT["aged"], lang), show=True)
    folium.GeoJson(data, style_function=style,
                   tooltip=text_tooltip(fields, [label(PIPE_TEXT[f], lang) for f in fields]),
                   highlight_function=lambda f: {"weight": 7}, control=False).add_to(group)
    return group


def findings_group(findings: gpd.GeoDataFrame, *, lang: str = "zh", precision: int = 6) -> folium.FeatureGroup:
    """Network data-quality findings (fragments, dangling ends, near misses, snaps) as circles."""
    frame = to_wgs84(findings, layer="findings").copy()
    frame["words"] = frame["words_zh" if lang == "zh" else "words_en"]
    frame["geometry"] = shapely.point_on_surface(np.asarray(frame.geometry.array, dtype=object))
    frame = gpd.GeoDataFrame(frame, geometry="geometry", crs=4326)
    fields = ["kind", "finding", "words"]
    data = to_display_geojson(frame, fields, precision=precision, id_column="finding_id", layer="findings")
    group = folium.FeatureGroup(name=label(PIPE_TEXT["findings"], lang), show=True)
    folium.GeoJson(
        data, marker=folium.CircleMarker(radius=6, fill=True),
        style_function=lambda f: {"color": "#000000", "weight": 1.5, "fillColor": "#ffeb3b", "fillOpacity": 0.9},
        tooltip=text_tooltip(fields, [label(PIPE_TEXT[f], lang) for f in fields]),
        control=False).add_to(group)
    return group


#: Colours of the differences between two proposals.
CHANGE_COLOURS = {"moved": "#ff7f00", "only_in_a": "#e41a1c", "only_in_b": "#377eb8", "identical": "#999999"}


def differences_group(differences: gpd.GeoDataFrame, *, lang: str = "zh", precision: int = 6) -> folium.FeatureGroup:
    """What differs between two proposals (:attr:`geo.store.workspace.ProposalComparison.differences`):
    communities that moved or are placed in one proposal only, and the zones of each."""
    frame = to_wgs84(differences, layer="differences").copy()
    frame["diff_id"] = [str(k) for k in range(len(frame))]
    fields = [c for c in ("change_label", "community_id", "zone_a", "zone_b") if c in frame.columns]
    data = to_display_geojson(frame, fields, precision=precision, id_column="diff_id", layer="differences")
    change_of = dict(zip(frame["diff_id"], frame["change"]))
    zone_of = dict(zip(frame["diff_id"], frame["feature"] == "zone"))

    def style(feature: dict[str, Any]) -> dict[str, Any]:
        colour = CHANGE_COLOURS.get(change_of.get(feature["id"]), "#000000")
        if zone_of.get(feature["id"]):
            return {"color": colour, "weight": 2.5, "fill": False, "dashArray": "5 4"}
        return {"color": colour, "weight": 2, "fillColor": colour, "fillOpacity": 0.5}

    group = folium.FeatureGroup(name=t("differences", lang), show=True)
    if len(frame):
        folium.GeoJson(data, style_function=style, tooltip=_tooltip(fields, lang), control=False).add_to(group)
    return group
