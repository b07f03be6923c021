"""Serve Leaflet and the folium plugins' JavaScript/CSS from local copies, never from a CDN.

folium names the files each element needs in the class attributes ``default_js`` and
``default_css`` (CDN addresses); streamlit-folium and folium's own HTML make the browser load them.
Planners work on intranets without internet, so :func:`localize` rewrites those addresses, on the
element instances only, to the copies vendored in ``layers/static/vendor`` (see its README), and
:func:`cdn_urls` lists whatever external address is left -- for tests and for the app's self-check.

Example
-------
>>> import folium
>>> m = localize(folium.Map(tiles=None), "static")
>>> cdn_urls(m)
[]
>>> m.default_js[0]
('leaflet', 'static/vendor/leaflet/dist/leaflet.js')
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit

import branca.colormap
import folium
import folium.features
import folium.plugins
from branca.element import Element, Figure, Link, MacroElement
from folium.elements import JSCSSMixin
from folium.template import Template

from geo import GeoError

__all__ = [
    "ASSET_DIR",
    "AssetNotVendoredError",
    "VENDORED",
    "cdn_urls",
    "is_external",
    "localize",
    "tile_urls",
]

#: Folder served to the browser; vendored files are under ``ASSET_DIR / "vendor"``.
ASSET_DIR: Path = Path(__file__).resolve().parent / "static"

_LEAFLET_IMAGES = "vendor/leaflet/dist/images/"

#: CDN address used by folium 0.20 -> the vendored copy, relative to :data:`ASSET_DIR`.
VENDORED: dict[str, str] = {
    # folium.Map
    "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js": "vendor/leaflet/dist/leaflet.js",
    "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.css": "vendor/leaflet/dist/leaflet.css",
    "https://code.jquery.com/jquery-3.7.1.min.js": "vendor/jquery/dist/jquery.min.js",
    "https://cdn.jsdelivr.net/npm/bootstrap@5.2.2/dist/js/bootstrap.bundle.min.js":
        "vendor/bootstrap/dist/js/bootstrap.bundle.min.js",
    "https://cdn.jsdelivr.net/npm/bootstrap@5.2.2/dist/css/bootstrap.min.css":
        "vendor/bootstrap/dist/css/bootstrap.min.css",
    "https://netdna.bootstrapcdn.com/bootstrap/3.0.0/css/bootstrap-glyphicons.css":
        "vendor/bootstrap-glyphicons/dist/css/bootstrap-glyphicons.css",
    "https://cdn.jsdelivr.net/npm/@fortawesome/fontawesome-free@6.2.0/css/all.min.css":
        "vendor/@fortawesome/fontawesome-free/css/all.min.css",
    "https://cdnjs.cloudflare.com/ajax/libs/Leaflet.awesome-markers/2.0.2/leaflet.awesome-markers.js":
        "vendor/leaflet.awesome-markers/dist/leaflet.awesome-markers.js",
    "https://cdnjs.cloudflare.com/ajax/libs/Leaflet.awesome-markers/2.0.2/leaflet.awesome-markers.css":
        "vendor/leaflet.awesome-markers/dist/leaflet.awesome-markers.css",
    "https://cdn.jsdelivr.net/gh/python-visualization/folium/folium/templates/leaflet.awesome.rotate.min.css":
        "vendor/leaflet.awesome.rotate/leaflet.awesome.rotate.min.css",
    # folium.plugins.Draw
    "https://cdnjs.cloudflare.com/ajax/libs/leaflet.draw/1.0.2/leaflet.draw.js":
        "vendor/leaflet-draw/dist/leaflet.draw.js",
    "https://cdnjs.cloudflare.com/ajax/libs/leaflet.draw/1.0.2/leaflet.draw.css":
        "vendor/leaflet-draw/dist/leaflet.draw.css",
    # folium.plugins.MarkerCluster, FastMarkerCluster
    "https://cdnjs.cloudflare.com/ajax/libs/leaflet.markercluster/1.1.0/leaflet.markercluster.js":
        "vendor/leaflet.markercluster/dist/leaflet.markercluster.js",
    "https://cdnjs.cloudflare.com/ajax/libs/leaflet.markercluster/1.1.0/MarkerCluster.css":
        "vendor/leaflet.markercluster/dist/MarkerCluster.css",
    "https://cdnjs.cloudflare.com/ajax/libs/leaflet.markercluster/1.1.0/MarkerCluster.Default.css":
        "vendor/leaflet.markercluster/dist/MarkerCluster.Default.css",
}

#: Addresses streamlit-folium adds by itself when the map holds a branca ColorMap.
_COLORMAP_D3 = (
    "https://d3js.org/d3.v4.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/d3/3.5.5/d3.min.js",
)
#: Addresses folium.VegaLite adds to the page header when rendered, by Vega-Lite major version.
_VEGALITE = {
    5: ("https://cdn.jsdelivr.net/npm//vega@5", "https://cdn.jsdelivr.net/npm/vega-lite@5",
        "https://cdn.jsdelivr.net/npm/vega-embed@6"),
    4: ("https://cdn.jsdelivr.net/npm//vega@5", "https://cdn.jsdelivr.net/npm/vega-lite@4",
        "https://cdn.jsdelivr.net/npm/vega-embed@6"),
    3: ("https://cdn.jsdelivr.net/npm/vega@4", "https://cdn.jsdelivr.net/npm/vega-lite@3",
        "https://cdn.jsdelivr.net/npm/vega-embed@3"),
    2: ("https://cdn.jsdelivr.net/npm/vega@3", "https://cdn.jsdelivr.net/npm/vega-lite@2",
        "https://cdn.jsdelivr.net/npm/vega-embed@3"),
    1: ("https://d3js.org/d3.v3.min.js", "https://cdnjs.cloudflare.com/ajax/libs/vega/2.6.5/vega.js",
        "https://cdnjs.cloudflare.com/ajax/libs/vega-lite/1.3.1/vega-lite.js",
        "https://cdnjs.cloudflare.com/ajax/libs/vega-embed/2.2.0/vega-embed.js"),
}

E = TypeVar("E", bound=Element)


class AssetNotVendoredError(GeoError, LookupError):
    """A map element needs a JavaScript or CSS file that has no local copy."""


def is_external(url: str) -> bool:
    """Whether the browser would fetch ``url`` from another machine (http(s), not loopback).

    Relative addresses, ``data:`` URIs and addresses on localhost or 127.0.0.0/8 are not external.

    Example
    -------
    >>> [is_external(u) for u in ("https://unpkg.com/x.js", "//cdn.x/y.js", "../a.js",
    ...                           "http://127.0.0.1:8501/a.js", "data:text/css,")]
    [True, True, False, False, False]
    """
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https", ""):
        return False
    if parts.scheme == "" and not url.strip().startswith("//"):
        return False
    host = (parts.hostname or "").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return False
    try:
        return not ipaddress.ip_address(host).is_loopback
    except ValueError:
        return True


def _walk(element: Element) -> Iterator[Element]:
    """Every element under ``element`` (itself included): children, DualMap halves, popups' html."""
    seen: set[int] = set()
    stack = [element]
    while stack:
        elem = stack.pop()
        if id(elem) in seen:
            continue
        seen.add(id(elem))
        yield elem
        extra = [getattr(elem, attr, None) for attr in ("m1", "m2", "header", "html", "script")]
        stack.extend(e for e in extra if isinstance(e, Element))
        stack.extend(reversed(list(getattr(elem, "_children", {}).values())))


def _elements(m: Element) -> Iterator[Element]:
    """Elements of ``m`` plus the links already in its page header (added by a previous render)."""
    yield from _walk(m)
    root = m.get_root()
    if isinstance(root, Figure) and root is not m:
        yield from _walk(root.header)


def _class_name(elem: object) -> str:
    cls = type(elem)
    return f"{cls.__module__}.{cls.__qualname__}"


def _external_urls(elem: Element) -> list[str]:
    """External addresses ``elem`` makes the browser load (tiles not included)."""
    urls: list[str] = []
    if isinstance(elem, JSCSSMixin):
        urls += [url for _, url in elem.default_js] + [url for _, url in elem.default_css]
    if isinstance(elem, Link):
        urls.append(elem.url)
    if isinstance(elem, branca.colormap.ColorMap):
        urls += list(_COLORMAP_D3)
    if isinstance(elem, folium.features.VegaLite):
        urls += list(_VEGALITE.get(elem.vegalite_major_version, _VEGALITE[2]))
    return [u for u in urls if is_external(u)]


def cdn_urls(m: Element) -> list[str]:
    """Every external address of a script or stylesheet the map makes the browser load.

    Looks at ``default_js``/``default_css`` of every element (plugins included), links already
    rendered into the page header, and the addresses streamlit-folium adds for a branca ColorMap
    (d3) and folium adds for a VegaLite chart. Tile addresses are not included: see
    :func:`tile_urls`.

    Parameters
    ----------
    m
        A folium Map (or any folium element, e.g. a FeatureGroup given to ``st_folium``).

    Returns
    -------
    list of str
        In document order, without duplicates; empty for a fully localized map.

    Example
    -------
    >>> import folium
    >>> cdn_urls(folium.Map(tiles=None))[0]
    'https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js'
    """
    found: dict[str, None] = {}
    for elem in _elements(m):
        for url in _external_urls(elem):
            found.setdefault(url, None)
    return list(found)


def tile_urls(m: Element) -> list[str]:
    """Address templates of the tile layers (basemaps) of ``m``, external or not.

    Example
    -------
    >>> import folium
    >>> tile_urls(folium.Map(tiles="https://tiles.example/{z}/{x}/{y}.png", attr="x"))
    ['https://tiles.example/{z}/{x}/{y}.png']
    """
    urls: dict[str, None] = {}
    for elem in _walk(m):
        if isinstance(elem, folium.raster_layers.TileLayer):
            urls.setdefault(str(elem.tiles), None)
        elif isinstance(elem, folium.raster_layers.WmsTileLayer):
            urls.setdefault(str(elem.url), None)
    return list(urls)


class _IconImagePath(MacroElement):
    """Sets ``L.Icon.Default.imagePath`` so default markers find their images locally.

    Leaflet guesses the path from leaflet.css, which fails when the CSS has not loaded yet (as in
    streamlit-folium, which appends the stylesheets without waiting for them).
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        L.Icon.Default.imagePath = {{ this.image_path|tojson }};
        {% endmacro %}
        """
    )

    def __init__(self, image_path: str) -> None:
        super().__init__()
        self._name = "IconImagePath"
        self.image_path = image_path


def localize(m: E, base_url: str) -> E:
    """Point every JavaScript/CSS address of ``m`` and its elements at the vendored copies.

    Each CDN address in ``default_js``/``default_css`` of the map and of every element under it
    (plugins included) becomes ``f"{base_url}/vendor/..."``; links already rendered into the page
    header are rewritten too, and ``L.Icon.Default.imagePath`` is set to the local Leaflet images.
    Addresses a previous call made are moved to the new ``base_url``. Only the instances change,
    never folium's classes. Everything is checked before anything is
    changed: on error the map is left as it was.

    Parameters
    ----------
    m
        A folium Map, or another element given to ``st_folium`` (e.g. ``feature_group_to_add``).
        **Modified in place** and returned, for chaining.
    base_url
        Address of :data:`ASSET_DIR` as the browser sees it: relative to the page (e.g.
        ``"../ui.offline.layers_static"`` from inside the st_folium iframe, see
        :func:`ui.offline.serve_assets`), absolute (``"/static"``) or a ``file://`` URL.

    Returns
    -------
    same type as ``m``
        ``m`` itself.

    Raises
    ------
    AssetNotVendoredError
        When an element needs a file with no local copy, naming the element class and the
        address -- so a new plugin cannot silently bring a CDN back.

    Example
    -------
    >>> import folium, folium.plugins
    >>> m = folium.Map(tiles=None)
    >>> _ = folium.plugins.Draw().add_to(m)
    >>> localize(m, "../assets").default_css[0][1]
    '../assets/vendor/leaflet/dist/leaflet.css'
    """
    base = base_url.rstrip("/")
    problems: list[str] = []
    elements = list(_elements(m))
    for elem in elements:
        if isinstance(elem, branca.colormap.ColorMap):
            problems.append(
                f"{_class_name(elem)} makes streamlit-folium load d3 from "
                f"{' and '.join(_COLORMAP_D3)}, which cannot be served locally: draw the legend "
                "with layers.legend.Legend instead"
            )
        elif isinstance(elem, folium.features.VegaLite):
            problems.append(
                f"{_class_name(elem)} loads Vega from "
                f"{', '.join(_VEGALITE.get(elem.vegalite_major_version, _VEGALITE[2]))}, "
                "which is not vendored: show the chart outside the map"
            )
        for url in _own_urls(elem):
            if is_external(url) and url not in VENDORED:
                problems.append(
                    f"{_class_name(elem)} loads {url}, which has no local copy in "
                    f"{ASSET_DIR / 'vendor'}: vendor it (see vendor/README.md) and add it to "
                    "layers.assets.VENDORED, or leave this element out of offline maps"
                )
    if problems:
        raise AssetNotVendoredError(
            "this map cannot work offline:\n- " + "\n- ".join(dict.fromkeys(problems))
        )

    def local(url: str) -> str:
        target = _vendored_target(url)
        return url if target is None else f"{base}/{target}"

    for elem in elements:
        if isinstance(elem, JSCSSMixin):
            # Instance attributes: folium's class-level lists stay as they are.
            elem.default_js = [(name, local(url)) for name, url in elem.default_js]
            elem.default_css = [(name, local(url)) for name, url in elem.default_css]
        if isinstance(elem, Link):
            elem.url = local(elem.url)
        if isinstance(elem, folium.Map):
            _set_icon_path(elem, f"{base}/{_LEAFLET_IMAGES}")
    return m


_LOCAL_TARGETS = frozenset(VENDORED.values())


def _vendored_target(url: str) -> str | None:
    """The vendored file for ``url``: a CDN address, or an address localize already made."""
    if url in VENDORED:
        return VENDORED[url]
    for target in _LOCAL_TARGETS:
        if url == target or url.endswith("/" + target):
            return target
    return None


def _own_urls(elem: Element) -> list[str]:
    urls: list[str] = []
    if isinstance(elem, JSCSSMixin):
        urls += [url for _, url in elem.default_js] + [url for _, url in elem.default_css]
    if isinstance(elem, Link):
        urls.append(elem.url)
    return urls


def _set_icon_path(m: folium.Map, image_path: str) -> None:
    """Add (or update) the icon-path setter as the map's first child, before any marker."""
    for child in m._children.values():
        if isinstance(child, _IconImagePath):
            child.image_path = image_path
            return
    m.add_child(_IconImagePath(image_path), index=0)
