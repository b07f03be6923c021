"""GeoDataFrame -> folium map layers, styles and legends, usable without internet.

This package never imports streamlit (the Streamlit glue is in :mod:`ui.offline`).

Example
-------
>>> from layers import build_map, cdn_urls
>>> cdn_urls(build_map({}, asset_base_url="static"))
[]
"""

from layers.assets import ASSET_DIR, AssetNotVendoredError, cdn_urls, localize, tile_urls
from layers.geojson import to_display_geojson
from layers.map import build_map, layer_group

__all__ = [
    "ASSET_DIR",
    "AssetNotVendoredError",
    "build_map",
    "cdn_urls",
    "layer_group",
    "localize",
    "tile_urls",
    "to_display_geojson",
]
