"""Serve the vendored map assets from the Streamlit server itself, so maps work without internet.

Streamlit serves every file under the folder of a declared component at
``/component/<qualified name>/<path>`` (with ``server.baseUrlPath`` in front), with the content
type guessed from the file name (``text/javascript``, ``text/css``, ``font/woff2``, ``image/png``).
Declaring a component and never rendering it is therefore a way to serve ``layers/static``.
streamlit-folium's map runs in the iframe ``/component/streamlit_folium.st_folium/index.html``,
so from inside it the assets are at ``../<qualified name>/``: a relative address that survives a
reverse proxy or a base path.

Example (in a Streamlit page)::

    from streamlit_folium import st_folium
    from layers import build_map
    from ui.offline import serve_assets

    m = build_map(layers, asset_base_url=serve_assets())
    st_folium(m, returned_objects=[])
"""

from __future__ import annotations

import streamlit.components.v1 as components

from layers.assets import ASSET_DIR

__all__ = ["ASSET_COMPONENT", "serve_assets"]

#: Short name of the (never rendered) component that serves ``layers/static``; Streamlit
#: qualifies it with this module's name: ``ui.offline.layers_static``.
ASSET_COMPONENT = "layers_static"


def serve_assets() -> str:
    """Make Streamlit serve ``layers/static`` and return its address as seen from a st_folium map.

    Registers a component whose folder is :data:`layers.assets.ASSET_DIR`; it is never rendered,
    only its files are served. Call it during the script run (registration needs the run
    context; repeating it on every rerun is cheap and harmless).

    Returns
    -------
    str
        ``"../ui.offline.layers_static"``: relative to the st_folium iframe, to pass as
        ``asset_base_url`` to :func:`layers.build_map` (or ``base_url`` to
        :func:`layers.localize`). It is valid only inside that iframe; the page itself sees the
        files at ``component/ui.offline.layers_static/`` under the app's base path.

    Example
    -------
    >>> serve_assets()  # outside a Streamlit run nothing is registered, the address is the same
    '../ui.offline.layers_static'
    """
    component = components.declare_component(ASSET_COMPONENT, path=str(ASSET_DIR))
    return f"../{component.name}"
