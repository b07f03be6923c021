"""The map legend: plain HTML and CSS in a Leaflet control, in Chinese or English.

The legend is a :class:`folium.MacroElement` whose CSS goes to the page header and whose script
adds a Leaflet control to the map. It needs no JavaScript library beyond Leaflet -- unlike a
branca colormap, for which streamlit-folium loads d3 from a CDN -- and works both in a saved HTML
file and inside :func:`streamlit_folium.st_folium`.

Example
-------
>>> import folium
>>> m = folium.Map(tiles=None)
>>> _ = Legend(legend_sections({"communities": [1975, 2005]}, lang="en")).add_to(m)
>>> "Communities by build year" in m.get_root().render()
True
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from branca.element import MacroElement
from folium.template import Template

from layers import styles
from layers.escape import escape_html
from layers.styles import label

__all__ = ["LEGEND_CLASS", "Legend", "LegendItem", "LegendSection", "legend_html", "legend_sections"]

#: CSS class of the legend's container (tests and the browser check look for it).
LEGEND_CLASS = "planning-legend"


@dataclass(frozen=True)
class LegendItem:
    """One row of the legend: a swatch and its text.

    ``shape`` is ``"fill"`` (a filled square), ``"line"`` (a stroke, dashed if ``dash``) or
    ``"circle"``; ``color`` is the stroke or fill colour, ``fill`` an optional fill colour.
    """

    text: str
    shape: str
    color: str
    fill: str | None = None
    dash: bool = False
    weight: int = 3


@dataclass(frozen=True)
class LegendSection:
    """A titled group of legend rows, with an optional note under it."""

    title: str
    items: tuple[LegendItem, ...]
    note: str | None = None


def legend_sections(
    present: Mapping[str, Iterable[Any]],
    *,
    lang: str = "zh",
    overhead: bool = False,
    colour_by: str = "build_year",
) -> list[LegendSection]:
    """Legend sections for the layers in ``present``, in drawing order (top layer first).

    Parameters
    ----------
    present
        layer name -> the values found in it: build years for ``communities``, kinds for
        ``pipelines``, ``facilities``, ``barriers`` and ``roads``; anything (ignored) for ``admin``.
    lang
        ``"zh"`` or ``"en"``.
    overhead
        Whether some pipeline is overhead (adds a note that dashed lines are overhead).
    colour_by
        The communities' colour scheme (a key of :data:`layers.styles.COMMUNITY_SCHEMES`);
        ``present["communities"]`` then holds that scheme's column values.

    Returns
    -------
    list of LegendSection
        Communities show every build-year class (plus "unknown" when some year is missing);
        categorical layers show only the kinds present (unknown kinds as "other").

    Example
    -------
    >>> [s.title for s in legend_sections({"admin": [], "pipelines": ["gas"]}, lang="en")]
    ['Pipelines', 'Administrative boundaries']
    """
    sections: list[LegendSection] = []
    for layer in reversed(styles.LAYER_ORDER):
        if layer not in present:
            continue
        values = list(present[layer])
        if layer == "communities":
            sections.append(_community_section(values, lang, colour_by))
        elif layer == "admin":
            entry = styles.ADMIN_STYLE
            sections.append(
                LegendSection(
                    label(styles.LAYER_LABELS["admin"], lang),
                    (LegendItem(label(entry["label"], lang), "line", entry["color"], dash=True, weight=2),),
                )
            )
        else:
            sections.append(_kind_section(layer, values, lang, overhead=overhead))
    return sections


def _community_section(values: Sequence[Any], lang: str, scheme: str = "build_year") -> LegendSection:
    title, _, classify, table = styles.COMMUNITY_SCHEMES[scheme]
    classes = {classify(v) for v in values}
    items = tuple(
        LegendItem(label(cls["label"], lang), "fill", styles.COMMUNITY_STYLE["color"], fill=cls["fill"])
        for key, cls in table.items()
        if key != "unknown" or "unknown" in classes
    )
    return LegendSection(label(title, lang), items)


def _kind_section(layer: str, kinds: Sequence[Any], lang: str, *, overhead: bool) -> LegendSection:
    table = styles.KIND_TABLES[layer]
    found = {k for k in kinds if isinstance(k, str)}
    other = any(not isinstance(k, str) or k not in table for k in kinds)
    items: list[LegendItem] = []
    for kind, entry in table.items():
        if kind in found:
            items.append(_kind_item(layer, kind, entry, lang))
    if other:
        fallback = {"pipelines": styles.PIPELINE_OTHER, "facilities": styles.FACILITY_OTHER,
                    "barriers": styles.BARRIER_OTHER, "roads": styles.ROAD_OTHER}[layer]
        items.append(_kind_item(layer, None, fallback, lang))
    note = label(styles.LEGEND_TEXT["overhead"], lang) if layer == "pipelines" and overhead else None
    return LegendSection(label(styles.LAYER_LABELS[layer], lang), tuple(items), note)


def _kind_item(layer: str, kind: str | None, entry: Mapping[str, Any], lang: str) -> LegendItem:
    text = label(entry["label"], lang)
    if layer == "facilities":
        return LegendItem(text, "circle", "#ffffff", fill=entry["color"])
    if layer in ("barriers", "roads"):
        style = styles.barrier_style(kind) if layer == "barriers" else styles.road_style(kind)
        return LegendItem(text, "line", style["color"], dash="dashArray" in style,
                          weight=min(int(style.get("weight", 3)), 6))
    return LegendItem(text, "line", entry["color"], weight=3)


def legend_html(sections: Sequence[LegendSection], *, lang: str = "zh", open: bool = True) -> str:
    """The legend's inner HTML: a collapsible ``<details>`` block (unfolded when ``open``),
    sections side by side.

    Text is escaped; swatches are inline SVG, so nothing is fetched.

    Example
    -------
    >>> print(legend_html([], lang="en").replace("><", ">\\n<"))
    <details open>
    <summary class="planning-legend-title">Legend</summary>
    <div class="planning-legend-body">
    </div>
    </details>
    """
    title = escape_html(label(styles.LEGEND_TEXT["title"], lang))
    parts = [f'<details{" open" if open else ""}><summary class="{LEGEND_CLASS}-title">{title}</summary>',
             f'<div class="{LEGEND_CLASS}-body">']
    for section in sections:
        parts.append(f'<div class="{LEGEND_CLASS}-section">')
        parts.append(f'<div class="{LEGEND_CLASS}-heading">{escape_html(section.title)}</div>')
        for item in section.items:
            parts.append(
                f'<div class="{LEGEND_CLASS}-row">{_swatch(item)}'
                f"<span>{escape_html(item.text)}</span></div>"
            )
        if section.note:
            parts.append(f'<div class="{LEGEND_CLASS}-note">{escape_html(section.note)}</div>')
        parts.append("</div>")
    parts.append("</div></details>")
    return "".join(parts)


def _swatch(item: LegendItem) -> str:
    color = escape_html(item.color)
    if item.shape == "fill":
        fill = escape_html(item.fill or item.color)
        body = f'<rect x="1" y="1" width="16" height="12" fill="{fill}" stroke="{color}" stroke-width="1"/>'
    elif item.shape == "circle":
        fill = escape_html(item.fill or item.color)
        body = f'<circle cx="9" cy="7" r="5" fill="{fill}" stroke="#555" stroke-width="0.8"/>'
    else:
        dash = ' stroke-dasharray="5 3"' if item.dash else ""
        body = f'<line x1="1" y1="7" x2="17" y2="7" stroke="{color}" stroke-width="{item.weight}"{dash}/>'
    return f'<svg class="{LEGEND_CLASS}-swatch" width="18" height="14" aria-hidden="true">{body}</svg>'


class Legend(MacroElement):
    """A legend drawn as a Leaflet control (bottom right by default).

    Parameters
    ----------
    sections
        What to show, usually from :func:`legend_sections`.
    lang
        Language of the title.
    position
        A Leaflet control position: ``"bottomright"``, ``"bottomleft"``, ``"topright"``...

    Example
    -------
    >>> import folium
    >>> m = folium.Map(tiles=None)
    >>> _ = Legend([], lang="en").add_to(m)
    >>> "planning-legend" in m.get_root().render()
    True
    """

    _template = Template(
        """
        {% macro header(this, kwargs) %}
        <style>
        .{{ this.css_class }} {
            background: rgba(255, 255, 255, 0.92);
            padding: 4px 10px;
            border-radius: 4px;
            box-shadow: 0 1px 4px rgba(0, 0, 0, 0.35);
            font: 12px/1.45 system-ui, "Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei",
                  "PingFang SC", sans-serif;
            color: #222;
            max-width: calc(100vw - 120px);
            max-height: 45vh;
            overflow-y: auto;
        }
        .{{ this.css_class }}-title { font-weight: 700; font-size: 13px; cursor: pointer; }
        .{{ this.css_class }}-body {
            display: flex; flex-wrap: wrap; align-items: flex-start; gap: 2px 16px; margin-top: 2px;
        }
        .{{ this.css_class }}-heading { font-weight: 600; margin-bottom: 1px; }
        .{{ this.css_class }}-row { display: flex; align-items: center; gap: 6px; white-space: nowrap; }
        .{{ this.css_class }}-swatch { flex: none; }
        .{{ this.css_class }}-note { color: #555; font-size: 11px; }
        </style>
        {% endmacro %}

        {% macro script(this, kwargs) %}
        (function() {
            var legend = L.control({position: {{ this.position|tojson }}});
            legend.onAdd = function() {
                var div = L.DomUtil.create("div", {{ (this.css_class ~ " leaflet-control")|tojson }});
                div.innerHTML = {{ this.html|tojson }};
                L.DomEvent.disableClickPropagation(div);
                L.DomEvent.disableScrollPropagation(div);
                return div;
            };
            legend.addTo({{ this._parent.get_name() }});
        })();
        {% endmacro %}
        """
    )

    def __init__(
        self,
        sections: Sequence[LegendSection],
        *,
        lang: str = "zh",
        position: str = "bottomright",
        open: bool = True,
    ) -> None:
        super().__init__()
        self._name = "Legend"
        self.sections = tuple(sections)
        self.lang = lang
        self.position = position
        self.css_class = LEGEND_CLASS
        self.html = legend_html(self.sections, lang=lang, open=open)
