"""The map component, fast: the base map is rendered to JavaScript once, then only the layers
that change are sent.

``streamlit_folium.st_folium`` renders the whole folium map on every rerun: about 1.7 s of
Python for the demo city (Jinja templates over 3 MB of GeoJSON), before the browser gets
anything. :func:`prepare` does that rendering once per base map (cache its result with
``st.cache_resource``), and :func:`show` hands the stored strings and the changing feature groups
to the same front-end component ``st_folium`` uses, with the same arguments, so the browser keeps
the map (and its view) and only swaps the feature groups.

This relies on streamlit-folium's private helpers (pinned to 0.27.4 in requirements.txt);
``tests/test_mapview.py`` checks that :func:`show` passes what ``st_folium`` passes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import folium
import streamlit_folium as _sf

from ui.state import set_widget, widget_value


@dataclass(frozen=True)
class StaticMap:
    """A base map rendered once: what the front-end needs to draw it."""

    script: str
    header: str
    html: str
    map_id: str
    css_links: tuple[str, ...]
    js_links: tuple[str, ...]
    bounds: dict
    zoom: Any


def prepare(m: folium.Map) -> StaticMap:
    """Render ``m`` once, as ``st_folium`` would (``m`` must not be changed afterwards)."""
    m.get_root().render()
    m.render()
    html = _sf._get_html(m)
    header = _sf._get_header(m)
    script = _sf._get_map_string(m)
    css: list[str] = []
    js: list[str] = []
    for elem in _walk(m):
        css.extend(href for _, href in getattr(elem, "default_css", []))
        js.extend(src for _, src in getattr(elem, "default_js", []))
    try:
        (south, west), (north, east) = m.get_bounds()
    except (AttributeError, TypeError, ValueError):
        south = west = north = east = None
    bounds = {"_southWest": {"lat": south, "lng": west}, "_northEast": {"lat": north, "lng": east}}
    return StaticMap(script, header, html, _sf.get_full_id(m), tuple(dict.fromkeys(css)),
                     tuple(dict.fromkeys(js)), bounds, m.options.get("zoom"))


def _walk(fig: Any) -> Iterable[Any]:
    if isinstance(fig, folium.elements.JSCSSMixin):
        yield fig
    for child in getattr(fig, "_children", {}).values():
        yield from _walk(child)


#: A layer given by a cache key and a function that builds it: built only when the key is new.
Deferred = tuple[str, Callable[[], folium.FeatureGroup]]


def feature_groups_js(groups: Sequence[folium.FeatureGroup | Deferred], *,
                      cache: dict | None = None) -> str | None:
    """The JavaScript that adds ``groups`` to the drawn map (None when there are none).

    A group given as ``(key, build)`` is built and rendered only when ``cache`` has no script for
    ``key`` at its place: a large layer that did not change (the zones, when only the selection
    did) costs nothing on a rerun.
    """
    if not groups:
        return None
    scratch = folium.Map(tiles=None)  # only its id is used, and replaced by "map_div"
    parts = []
    for idx, group in enumerate(groups):
        if isinstance(group, tuple):
            key, build = group
            slot = (key, idx)
            if cache is not None and slot in cache:
                parts.append(cache[slot])
                continue
            script = _sf._get_feature_group_string(build(), scratch, idx)
            if cache is not None:
                if len(cache) > 16:
                    cache.clear()
                cache[slot] = script
            parts.append(script)
        else:
            parts.append(_sf._get_feature_group_string(group, scratch, idx))
    return "".join(parts)


#: What a click or a drawing can send back; the page asks only for what it uses.
EVENTS = ("last_active_drawing", "all_drawings", "last_object_clicked", "zoom", "center", "bounds")


def show(
    base: StaticMap,
    *,
    key: str,
    feature_groups: Sequence[folium.FeatureGroup | Deferred] = (),
    js_cache: dict | None = None,
    returned_objects: Sequence[str] = ("last_active_drawing",),
    center: tuple[float, float] | None = None,
    zoom: int | None = None,
    height: int = 680,
    on_change: Callable[[], None] | None = None,
) -> dict:
    """Draw ``base`` with the changing ``feature_groups``; return the events asked for.

    The front end keeps the map as long as ``base`` and ``key`` are the same; a new ``center`` /
    ``zoom`` moves the view without redrawing. ``js_cache`` keeps the scripts of deferred groups
    (see :func:`feature_groups_js`) between reruns.
    """
    defaults_all = {
        "last_clicked": None, "last_object_clicked": None, "last_object_clicked_count": None,
        "last_object_clicked_tooltip": None, "last_object_clicked_popup": None,
        "all_drawings": None, "last_active_drawing": None, "bounds": base.bounds, "zoom": base.zoom,
        "last_circle_radius": None, "last_circle_polygon": None, "selected_layers": None,
        "selected_tags": None, "last_geocoder_result": None,
    }
    defaults = {k: v for k, v in defaults_all.items() if k in returned_objects}
    hash_key = _sf.generate_js_hash(base.script, key, False)

    def _on_change() -> None:
        set_widget(key, widget_value(hash_key, {}))
        if on_change is not None:
            on_change()

    return _sf._component_func(
        script=base.script, header=base.header, html=base.html, id=base.map_id, key=hash_key,
        height=height, width=None, returned_objects=list(returned_objects), default=defaults,
        zoom=zoom, center=center, feature_group=feature_groups_js(feature_groups, cache=js_cache),
        return_on_hover=False, layer_control=None, pixelated=False, css_links=list(base.css_links),
        js_links=list(base.js_links), on_change=_on_change, wrap_longitude=False,
    ) or defaults
