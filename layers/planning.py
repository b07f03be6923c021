"""Map layers of the plans: communities coloured by roadmap year, priority score or service gaps.

Like :mod:`layers.analysis`, each layer is a stand-alone :class:`folium.FeatureGroup` to swap over
an unchanged base map, and comes with the legend section that explains its colours (the page
draws the legend beside the map: the base map's own legend stays as it is).

Example
-------
>>> import geopandas as gpd
>>> from shapely.geometry import box
>>> communities = gpd.GeoDataFrame({"community_id": ["a", "b"], "name": ["甲", "乙"]},
...     geometry=[box(87.30, 44.01, 87.301, 44.011), box(87.302, 44.01, 87.303, 44.011)], crs=4326)
>>> group, section = plan_group(communities, pd.Series({"a": 2027, "b": None}), scheme="roadmap_year",
...                             lang="en")
>>> group.layer_name, [item.text for item in section.items]
('Roadmap', ['2027', 'not in the roadmap'])
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd

from layers.escape import text_tooltip
from layers.geojson import to_display_geojson
from layers.legend import LegendItem, LegendSection
from layers.styles import label

__all__ = ["SCHEMES", "plan_colours", "plan_group", "plan_legend"]

#: What a planning map can colour communities by, with its layer title.
SCHEMES: dict[str, tuple[str, str]] = {
    "roadmap_year": ("改造年度路线图", "Roadmap"),
    "score": ("优先级得分", "Priority score"),
    "n_gaps": ("未覆盖的配套设施类型数", "Facility kinds not within reach"),
    "gap": ("该类设施是否在服务半径内", "This facility within reach"),
}

TEXT: dict[str, tuple[str, str]] = {
    "none_year": ("未列入路线图", "not in the roadmap"),
    "none_score": ("不符合改造条件", "not eligible"),
    "none_gaps": ("无数据", "no data"),
    "served": ("在服务半径内", "within reach"),
    "not_served": ("服务半径内没有", "not within reach"),
    "community_id": ("小区编号", "Community"),
    "name": ("名称", "Name"),
    "value": ("数值", "Value"),
}

#: Sequential colours (ColorBrewer YlOrRd / Blues), light to dark.
_SEQUENTIAL = ("#ffffb2", "#fed976", "#feb24c", "#fd8d3c", "#f03b20", "#bd0026")
_YEARS = ("#08519c", "#3182bd", "#6baed6", "#9ecae1", "#c6dbef", "#deebf7", "#f7fbff")
_MISSING = "#d9d9d9"
_SERVED, _GAP = "#1a9850", "#d73027"


def plan_colours(values: pd.Series, *, scheme: str) -> tuple[pd.Series, list[tuple[str, str | None]]]:
    """A colour per value and the legend's (colour, value text) rows; missing values grey.

    Roadmap years get one colour each, earliest darkest (at most seven years, later ones share the
    lightest); a gap of one kind (1 = not within reach, 0 = within) red or green; scores (0-100) six classes (0-20, 20-40, 40-60, 60-80, 80-90, 90-100), highest
    darkest; gap counts one class per count up to 5+.

    Example
    -------
    >>> colours, rows = plan_colours(pd.Series([2026, 2027, None]), scheme="roadmap_year")
    >>> colours.tolist() == ["#08519c", "#3182bd", "#d9d9d9"], rows[-1]
    (True, ('#d9d9d9', None))
    """
    if scheme not in SCHEMES:
        raise ValueError(f"unknown planning map scheme {scheme!r}; expected one of {', '.join(SCHEMES)}")
    numbers = pd.to_numeric(values, errors="coerce")
    present = numbers.notna()
    colours = pd.Series(_MISSING, index=values.index, dtype=object)
    rows: list[tuple[str, str | None]] = []
    if scheme == "roadmap_year":
        years = sorted(int(y) for y in numbers[present].unique())
        for i, year in enumerate(years):
            colour = _YEARS[min(i, len(_YEARS) - 1)]
            colours[numbers == year] = colour
            rows.append((colour, str(year)))
    elif scheme == "score":
        edges = (0, 20, 40, 60, 80, 90, 100.0001)
        klass = np.searchsorted(edges, numbers[present].to_numpy(float), side="right") - 1
        colours[present] = np.asarray(_SEQUENTIAL, dtype=object)[np.clip(klass, 0, 5)]
        for i in range(6):
            upper = 100 if i == 5 else edges[i + 1]
            rows.append((_SEQUENTIAL[i], f"{edges[i]:g}–{upper:g}"))
    elif scheme == "gap":
        gap = numbers[present].to_numpy(float) > 0
        colours[present] = np.where(gap, _GAP, _SERVED)
        rows = [(_SERVED, "served"), (_GAP, "not_served")]
    else:
        count = np.clip(numbers[present].to_numpy(float), 0, 5).astype(int)
        colours[present] = np.asarray(_SEQUENTIAL, dtype=object)[count]
        rows = [(_SEQUENTIAL[i], f"{i}+" if i == 5 else str(i)) for i in range(6)]
    rows.append((_MISSING, None))
    return colours, rows


def plan_group(
    communities: gpd.GeoDataFrame,
    values: pd.Series | Mapping[str, Any],
    *,
    scheme: str,
    lang: str = "zh",
    precision: int = 6,
) -> tuple[folium.FeatureGroup, LegendSection]:
    """Communities filled by a planning figure, with its legend section.

    Parameters
    ----------
    communities
        ``community_id``, ``name`` and footprints, any CRS.
    values
        community id -> the figure (roadmap year, score 0-100, number of facility kinds not
        reached, or 1/0 for a kind not reached / reached); missing ids are drawn grey.
    scheme
        One of :data:`SCHEMES`.
    lang
        ``"zh"`` or ``"en"``.
    """
    values = pd.Series(values, dtype=object)
    frame = communities[["community_id", "name", communities.geometry.name]].copy()
    frame["value"] = frame["community_id"].map(values)
    colours, rows = plan_colours(frame["value"], scheme=scheme)
    colour_of = dict(zip(frame["community_id"].astype(str), colours))
    numbers = pd.to_numeric(frame["value"], errors="coerce")
    frame["value"] = numbers.round(1).where(numbers.notna(), None)
    fields = ["community_id", "name", "value"]
    data = to_display_geojson(frame, fields, precision=precision, id_column="community_id",
                              layer="communities")

    def style(feature: dict[str, Any]) -> dict[str, Any]:
        colour = colour_of.get(str(feature["id"]), _MISSING)
        return {"color": "#555555", "weight": 0.6, "fillColor": colour, "fillOpacity": 0.8}

    title = label(SCHEMES[scheme], lang)
    group = folium.FeatureGroup(name=title, show=True)
    aliases = [label(TEXT[f], lang) for f in fields[:-1]] + [title]
    folium.GeoJson(data, style_function=style, control=False,
                   tooltip=text_tooltip(fields, aliases, style=None)).add_to(group)
    return group, _section(rows, scheme, lang)


def plan_legend(values: pd.Series | Mapping[str, Any], *, scheme: str, lang: str = "zh") -> LegendSection:
    """The legend section :func:`plan_group` gives for ``values``, without building the layer.

    Example
    -------
    >>> [item.text for item in plan_legend({"a": 1, "b": 0}, scheme="gap", lang="en").items]
    ['within reach', 'not within reach', 'no data']
    """
    return _section(plan_colours(pd.Series(values, dtype=object), scheme=scheme)[1], scheme, lang)


def _section(rows: list[tuple[str, str | None]], scheme: str, lang: str) -> LegendSection:
    missing = label(TEXT[{"roadmap_year": "none_year", "score": "none_score"}.get(scheme, "none_gaps")], lang)
    words = {"served": label(TEXT["served"], lang), "not_served": label(TEXT["not_served"], lang)}
    items = tuple(LegendItem(words.get(text, text) if text is not None else missing, "fill", "#555555",
                             fill=colour) for colour, text in rows)
    return LegendSection(label(SCHEMES[scheme], lang), items)
