"""Assemble the planning map: one feature group per layer, a layer control and a legend.

Six layers are known (see :mod:`geo.io.schema`): ``communities``, ``pipelines``, ``facilities``,
``barriers``, ``admin`` and ``roads`` (off when the map opens). Each becomes a :class:`folium.FeatureGroup` holding one GeoJson layer
styled from :mod:`layers.styles`, with a tooltip in the chosen language. No basemap is drawn unless
an XYZ address is given (a Tianditu address with its key, an in-house tile server...), and with
``asset_base_url`` every script and stylesheet comes from the vendored copies
(:func:`layers.assets.localize`), so the map works without internet.

Example
-------
>>> import geopandas as gpd
>>> from shapely.geometry import box
>>> communities = gpd.GeoDataFrame(
...     {"name": ["幸福里"], "build_year": [1985]}, geometry=[box(116.40, 39.90, 116.41, 39.91)], crs=4326)
>>> m = build_map({"communities": communities}, lang="en", asset_base_url="static")
>>> "Communities by build year" in m.get_root().render()
True
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import MacroElement
from folium.plugins import Draw
from folium.template import Template

from geo import SchemaError
from layers import styles
from layers.assets import localize
from layers.escape import text_tooltip
from layers.geojson import feature_ids, merge_alike, to_display_geojson, to_wgs84
from layers.legend import Legend, legend_sections
from layers.styles import label

__all__ = ["build_map", "layer_group"]

#: Layers shown when a map opens (the others wait, unticked, in the layer panel).
DEFAULT_VISIBLE = ("admin", "barriers", "communities")

#: Centre and zoom of a map with no data at all (mainland China).
_EMPTY_CENTER = (35.0, 105.0)
_EMPTY_ZOOM = 4
#: Deepest zoom of a map with no basemap, and of a basemap that does not say (folium's default).
_MAX_ZOOM = 20
_BASEMAP_MAX_ZOOM = 18
_FIT_MAX_ZOOM = 18
#: Zoom steps of half a level without basemap, so the first view fits the data more tightly.
_ZOOM_SNAP = 0.5

def _check_lang(lang: str) -> None:
    if lang not in styles.LANGS:
        raise ValueError(f"lang must be one of {', '.join(styles.LANGS)}; got {lang!r}")


def _check_layer_name(name: str) -> None:
    if name not in styles.LAYER_ORDER:
        raise SchemaError(
            f"unknown layer {name!r}; expected one of: {', '.join(styles.LAYER_ORDER)}"
        )


def _drawable(gdf: gpd.GeoDataFrame) -> np.ndarray:
    geoms = np.asarray(gdf.geometry.array, dtype=object)
    return ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))


def _column(gdf: gpd.GeoDataFrame, name: str) -> pd.Series:
    """Column ``name`` as objects, or all ``None`` when the layer lacks it."""
    if name in gdf.columns:
        return gdf[name].astype(object).where(gdf[name].notna(), None)
    return pd.Series([None] * len(gdf), index=gdf.index, dtype=object)


def _row_styles(name: str, gdf: gpd.GeoDataFrame, colour_by: str = "build_year") -> list[dict[str, Any]]:
    """The Leaflet style of every row of layer ``name``."""
    if name == "communities":
        column = styles.COMMUNITY_SCHEMES[colour_by][1]
        return [styles.community_scheme_style(colour_by, v) for v in _column(gdf, column)]
    if name == "pipelines":
        return [
            styles.pipeline_style(k, p)
            for k, p in zip(_column(gdf, "kind"), _column(gdf, "placement"), strict=True)
        ]
    if name == "facilities":
        return [styles.facility_style(k) for k in _column(gdf, "kind")]
    if name == "barriers":
        return [styles.barrier_style(k) for k in _column(gdf, "kind")]
    if name == "roads":
        return [styles.road_style(k) for k in _column(gdf, "kind")]
    return [styles.admin_style()] * len(gdf)


def _display_frame(
    name: str, gdf: gpd.GeoDataFrame, fields: list[str], lang: str, *, id_column: str | None
) -> gpd.GeoDataFrame:
    """The tooltip columns (and id column) of ``gdf``, coded values translated to ``lang``."""
    data: dict[str, pd.Series] = {}
    if id_column is not None and id_column in gdf.columns:
        data[id_column] = gdf[id_column]
    for field in fields:
        column = _column(gdf, field)
        if field == "kind":
            column = column.map(lambda v: styles.kind_label(name, v, lang))
        elif field in styles.VALUE_LABELS:
            column = column.map(lambda v, f=field: styles.value_label(f, v, lang))
        data[field] = column
    return gpd.GeoDataFrame(data, geometry=gdf.geometry.values, crs=gdf.crs, index=gdf.index)


def layer_group(
    name: str,
    gdf: gpd.GeoDataFrame,
    *,
    lang: str = "zh",
    show: bool = True,
    precision: int = 6,
    colour_by: str = "build_year",
) -> folium.FeatureGroup:
    """A styled, tooltipped feature group for one layer.

    Usable on its own, e.g. as ``feature_group_to_add`` of ``st_folium`` so the base map stays
    the same across reruns.

    Parameters
    ----------
    name
        One of ``communities``, ``pipelines``, ``facilities``, ``barriers``, ``admin``, ``roads``.
    gdf
        The layer with its canonical columns (missing columns show as blanks or the default
        style); any CRS, converted to EPSG:4326. Never modified.
    lang
        ``"zh"`` or ``"en"``: the group's name and the tooltip labels and values.
    show
        Whether the group is visible when the map opens.
    precision
        Decimals kept in coordinates.
    colour_by
        Communities only: the colour scheme, a key of :data:`layers.styles.COMMUNITY_SCHEMES`
        (``build_year``, ``eligibility``, ``property_mgmt``, ``households``).

    Returns
    -------
    folium.FeatureGroup
        Holding one GeoJson layer (no feature when ``gdf`` has no drawable geometry).

    Raises
    ------
    SchemaError
        For an unknown layer name.
    CRSError
        When ``gdf`` has no CRS.
    ValueError
        For an unknown ``lang``.

    Example
    -------
    >>> import geopandas as gpd
    >>> from shapely.geometry import LineString
    >>> pipes = gpd.GeoDataFrame({"kind": ["gas"], "placement": ["overhead"]},
    ...                          geometry=[LineString([(116.4, 39.9), (116.41, 39.9)])], crs=4326)
    >>> layer_group("pipelines", pipes, lang="en").layer_name
    'Pipelines'
    """
    _check_layer_name(name)
    _check_lang(lang)
    gdf = to_wgs84(gdf, layer=name)
    fields = [f for f in styles.TOOLTIP_FIELDS[name] if f in gdf.columns]
    id_column = styles.ID_COLUMNS.get(name)
    if name == "pipelines" and fields:
        gdf = merge_alike(gdf, fields)
        id_column = None

    display = _display_frame(name, gdf, fields, lang, id_column=id_column)
    data = to_display_geojson(display, fields, precision=precision, layer=name, id_column=id_column)
    # The same ids as the features': styles are looked up by feature id, not sent as properties.
    if colour_by not in styles.COMMUNITY_SCHEMES:
        raise ValueError(f"colour_by must be one of {', '.join(styles.COMMUNITY_SCHEMES)}; got {colour_by!r}")
    style_by_id = dict(zip(feature_ids(gdf, id_column), _row_styles(name, gdf, colour_by), strict=True))

    def style_function(feature: dict[str, Any]) -> dict[str, Any]:
        return style_by_id[feature["id"]]

    highlight: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    if name == "communities":
        def highlight(feature: dict[str, Any]) -> dict[str, Any]:
            return dict(styles.COMMUNITY_HIGHLIGHT)

    tooltip = None
    if fields:
        tooltip = text_tooltip(fields, [label(styles.FIELD_LABELS[name][f], lang) for f in fields])
    group_name = label(styles.LAYER_LABELS[name], lang)
    if name == "communities" and colour_by != "build_year":
        group_name = f"{group_name} · {label(styles.COMMUNITY_SCHEMES[colour_by][0], lang)}"
    group = folium.FeatureGroup(name=group_name, show=show)
    folium.GeoJson(
        data,
        name=label(styles.LAYER_LABELS[name], lang),
        style_function=style_function,
        highlight_function=highlight,
        tooltip=tooltip,
        marker=(
            folium.CircleMarker(radius=styles.FACILITY_MARKER["radius"], fill=True)
            if name == "facilities" else None
        ),
        control=False,
    ).add_to(group)
    return group


def _legend_values(name: str, gdf: gpd.GeoDataFrame, colour_by: str = "build_year") -> list[Any]:
    column = styles.COMMUNITY_SCHEMES[colour_by][1] if name == "communities" else "kind"
    return list(_column(gdf, column)) if name != "admin" else []


def build_map(
    layers: Mapping[str, gpd.GeoDataFrame],
    *,
    basemap_url: str | None = None,
    basemap_attribution: str = "",
    basemap_options: Mapping[str, Any] | None = None,
    lang: str = "zh",
    asset_base_url: str | None = None,
    visible: Iterable[str] = DEFAULT_VISIBLE,
    colour_by: str = "build_year",
    draw: bool = False,
    legend_open: bool = True,
    precision: int = 6,
) -> folium.Map:
    """Build the planning map of ``layers``.

    Parameters
    ----------
    layers
        Layer name -> GeoDataFrame, any subset of ``communities``, ``pipelines``, ``facilities``,
        ``barriers``, ``admin``, ``roads``. Missing layers, ``None`` and layers with no drawable geometry are
        simply absent. Any CRS (converted to EPSG:4326); inputs are never modified.
    basemap_url
        XYZ tile address (``{z}/{x}/{y}``, optionally ``{s}``), e.g. a Tianditu address with
        its ``tk`` key or an in-house tile server. ``None`` (default): no basemap, no tile request.
    basemap_attribution
        Attribution shown for the basemap (defaults to the tile server's host name).
    basemap_options
        Extra :class:`folium.TileLayer` options, e.g. ``{"subdomains": "01234567",
        "max_zoom": 18}`` for Tianditu.
    lang
        ``"zh"`` or ``"en"``: legend, layer names and tooltips.
    visible
        The layers shown when the map opens; the others are in the layer panel, unticked.
        By default the communities with their barriers and streets: a city's pipelines,
        facilities and roads drawn all at once hide the communities under them.
    asset_base_url
        Where the browser finds ``layers/static`` (see :func:`layers.assets.localize`); ``None``
        leaves folium's CDN addresses (only for maps viewed with internet).
    colour_by
        How communities are coloured (see :func:`layer_group`); the legend follows.
    draw
        Add a polygon/rectangle drawing tool (Leaflet.draw) for selecting communities.
    legend_open
        Whether the legend starts unfolded (folded, it is one line: click to unfold).
    precision
        Decimals kept in coordinates (6: about 0.1 m; 5: about 1 m, a lighter page for big cities).

    Returns
    -------
    folium.Map
        Fitted to the data, with one feature group per layer (bottom to top: admin, barriers,
        roads, communities, pipelines, facilities), a layer control and a legend. The layer control is
        added after the layers and lists every layer that is a direct child of the map when it
        renders: add further elements to one of the feature groups, or pass them to ``st_folium``
        as ``feature_group_to_add`` -- a layer added to the map after it breaks the control. An
        element added later also needs :func:`layers.assets.localize` again.

    Raises
    ------
    SchemaError
        For an unknown layer name.
    CRSError
        For a layer without CRS.
    ValueError
        For an unknown ``lang``.

    Example
    -------
    >>> import geopandas as gpd
    >>> from shapely.geometry import Point
    >>> pois = gpd.GeoDataFrame({"kind": ["clinic"], "name": ["卫生站"]},
    ...                         geometry=[Point(116.4, 39.9)], crs=4326)
    >>> m = build_map({"facilities": pois}, basemap_url="https://tiles.example/{z}/{x}/{y}.png")
    >>> from layers.assets import tile_urls
    >>> tile_urls(m)
    ['https://tiles.example/{z}/{x}/{y}.png']
    """
    _check_lang(lang)
    for name in layers:
        _check_layer_name(name)
    present: dict[str, gpd.GeoDataFrame] = {}
    for name in styles.LAYER_ORDER:
        gdf = layers.get(name)
        if gdf is None:
            continue
        gdf = to_wgs84(gdf, layer=name)
        if _drawable(gdf).any():
            present[name] = gdf

    bounds = _bounds(present.values())
    options = dict(basemap_options or {})
    m = folium.Map(
        location=_EMPTY_CENTER if bounds is None else _center(bounds),
        zoom_start=_EMPTY_ZOOM if bounds is None else 14,
        tiles=None,
        control_scale=False,  # folium's scale bar shows feet and miles too: _MetricScale below
        zoom_snap=1 if basemap_url else _ZOOM_SNAP,  # raster tiles blur at half levels
        # Map option, not folium's max_zoom (which only reaches a default tile layer): without it
        # Leaflet cannot fit a single point and MarkerCluster refuses to start.
        maxZoom=options.get("max_zoom", _BASEMAP_MAX_ZOOM) if basemap_url else _MAX_ZOOM,
    )
    _MetricScale().add_to(m)
    if not basemap_url:
        _Background(styles.NO_BASEMAP_BACKGROUND).add_to(m)
    else:
        attribution = basemap_attribution or urlsplit(basemap_url).hostname or basemap_url
        folium.TileLayer(
            tiles=basemap_url,
            attr=attribution,
            name=label(styles.LEGEND_TEXT["basemap"], lang),
            overlay=False,
            control=True,
            **options,
        ).add_to(m)

    for name, gdf in present.items():
        layer_group(name, gdf, lang=lang, show=name in set(visible), colour_by=colour_by,
                    precision=precision).add_to(m)
    if bounds is not None:
        west, south, east, north = bounds
        m.fit_bounds([[south, west], [north, east]], max_zoom=_FIT_MAX_ZOOM)
    folium.LayerControl(collapsed=False).add_to(m)
    _LabelZoom().add_to(m)
    if draw:
        Draw(
            export=False,
            draw_options={"polyline": False, "circle": False, "marker": False, "circlemarker": False,
                          "polygon": {"allowIntersection": False}, "rectangle": {}},
            edit_options={"edit": False, "remove": True},
        ).add_to(m)

    overhead = "pipelines" in present and bool(
        (_column(present["pipelines"], "placement") == "overhead").any()
    )
    sections = legend_sections(
        {name: _legend_values(name, gdf, colour_by) for name, gdf in present.items()},
        lang=lang,
        overhead=overhead,
        colour_by=colour_by,
    )
    Legend(sections, lang=lang, open=legend_open).add_to(m)

    if asset_base_url is not None:
        localize(m, asset_base_url)
    return m


#: Zoom below which zone labels (``.zone-label``, see :mod:`layers.analysis`) are hidden.
LABEL_MIN_ZOOM = 15


class _LabelZoom(MacroElement):
    """Hide zone labels when zoomed out (they would cover the city), show them when zoomed in."""

    _template = Template(
        """
        {% macro header(this, kwargs) %}
        <style>.labels-off .zone-label { display: none; }</style>
        {% endmacro %}
        {% macro script(this, kwargs) %}
        (function (map) {
            function toggle() {
                map.getContainer().classList.toggle("labels-off", map.getZoom() < {{ this.min_zoom }});
            }
            map.on("zoomend", toggle);
            map.whenReady(toggle);
        })({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, min_zoom: int = LABEL_MIN_ZOOM) -> None:
        super().__init__()
        self._name = "LabelZoom"
        self.min_zoom = min_zoom


class _MetricScale(MacroElement):
    """Leaflet's scale bar in metres and kilometres only (folium's ``control_scale`` adds feet and miles).

    Example
    -------
    >>> m = folium.Map(tiles=None)
    >>> _ = _MetricScale().add_to(m)
    >>> "L.control.scale({imperial: false, metric: true})" in m.get_root().render()
    True
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        L.control.scale({imperial: false, metric: true}).addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self) -> None:
        super().__init__()
        self._name = "MetricScale"


class _Background(MacroElement):
    """Page-header CSS giving the map container a plain background (used without basemap)."""

    _template = Template(
        """
        {% macro header(this, kwargs) %}
        <style>#{{ this._parent.get_name() }} { background: {{ this.color }}; }</style>
        {% endmacro %}
        """
    )

    def __init__(self, color: str) -> None:
        super().__init__()
        self._name = "Background"
        self.color = color


def _bounds(frames: Any) -> tuple[float, float, float, float] | None:
    """West, south, east, north of all drawable geometries, ``None`` when there are none."""
    boxes = [gdf.geometry[_drawable(gdf)].total_bounds for gdf in frames]
    boxes = [b for b in boxes if np.isfinite(b).all()]
    if not boxes:
        return None
    arr = np.array(boxes)
    return (float(arr[:, 0].min()), float(arr[:, 1].min()), float(arr[:, 2].max()), float(arr[:, 3].max()))


def _center(bounds: tuple[float, float, float, float]) -> tuple[float, float]:
    west, south, east, north = bounds
    return ((south + north) / 2, (west + east) / 2)
