"""Data on the map is text, never markup: the one place where map HTML meets the planners' data.

A community name, a street, an operator, a zone id or note comes from a file or a form and may
hold anything, ``<img src=x onerror=alert(1)>`` included. Two ways reach the browser:

* HTML written in Python (legend rows, zone labels, anything given to ``innerHTML`` or a
  :class:`folium.DivIcon`): every piece of data goes through :func:`escape_html` exactly once.
* Tooltips of GeoJSON layers: folium's :class:`folium.GeoJsonTooltip` (0.20) pastes the feature
  properties into ``innerHTML`` in the browser. :class:`TextTooltip` (made by :func:`text_tooltip`)
  builds the same table with ``textContent`` instead, so the properties stay the raw values --
  they also come back to the page when a feature is clicked (``last_active_drawing``), where an
  escaped id would no longer match -- and nothing is escaped twice.

No other module of :mod:`layers` calls :func:`html.escape`, builds a ``GeoJsonTooltip`` /
``GeoJsonPopup`` or writes data into HTML by itself (``tests/test_hostile_layers.py`` checks it).

Example
-------
>>> escape_html('<img src=x onerror="alert(1)">')
'&lt;img src=x onerror=&quot;alert(1)&quot;&gt;'
>>> escape_html(None), escape_html(1985)
('', '1985')
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from typing import Any

import folium
from folium.template import Template

__all__ = ["TextTooltip", "escape_html", "escape_markdown", "text_tooltip"]

#: Characters that begin Markdown syntax in ``st.markdown``: emphasis, code, links and images
#: (``[``, ``]``, ``!``), HTML, headings, tables, strike-through and math. With ``[`` escaped no
#: link, image or ``:color[...]`` can form, so ``(``, ``.`` and ``:`` stay as they are.
_MARKDOWN = re.compile(r"([\\`*_\[\]#!|<>~$])")


def escape_markdown(value: Any) -> str:
    r"""``value`` as literal text inside Markdown (``st.markdown``): no emphasis, link, image or
    HTML from a planner's data; ``None`` is empty.

    >>> shown = escape_markdown("**x** [a](http://e.cn) <b>")
    >>> shown == r"\*\*x\*\* \[a\](http://e.cn) \<b\>"
    True
    >>> escape_markdown(None), escape_markdown("东风小区")
    ('', '东风小区')
    """
    return "" if value is None else _MARKDOWN.sub(r"\\\1", str(value))


#: Look of every map tooltip.
TOOLTIP_STYLE = (
    "font-family: system-ui, 'Noto Sans CJK SC', 'Microsoft YaHei', sans-serif; font-size: 12px;"
)


def escape_html(value: Any) -> str:
    """``value`` as text safe inside HTML, in element content and in quoted attributes.

    ``None`` is the empty text; anything else is ``str(value)`` with ``& < > " '`` escaped.
    Text that is already escaped is escaped again (``&amp;`` shows as ``&amp;``): data is what
    the file says, and the map shows exactly that.
    """
    if value is None:
        return ""
    return html.escape(str(value), quote=True)


class TextTooltip(folium.GeoJsonTooltip):
    """A :class:`folium.GeoJsonTooltip` whose labels and values are set as text, never as HTML.

    Same arguments, same table (``<table><tr><th>alias</th><td>value</td></tr>...``) and the same
    CSS class and style as folium's; ``null`` shows blank, objects as JSON.
    """

    _template = Template(
        """
    {% macro script(this, kwargs) %}
    {{ this._parent.get_name() }}.bindTooltip(function (layer) {
        var div = L.DomUtil.create("div");
        var fields = {{ this.fields|tojson }};
        var aliases = {{ this.aliases|tojson }};
        var table = L.DomUtil.create("table", "", div);
        fields.forEach(function (field, i) {
            var value = layer.feature.properties[field];
            var row = L.DomUtil.create("tr", "", table);
            {% if this.labels %}
            L.DomUtil.create("th", "", row).textContent = String(aliases[i]);
            {% endif %}
            L.DomUtil.create("td", "", row).textContent =
                value === null || value === undefined ? "" :
                (typeof value === "object" ? JSON.stringify(value) : String(value));
        });
        return div;
    }, {{ this.tooltip_options|tojavascript }});
    {% endmacro %}
    """
    )


def text_tooltip(fields: Sequence[str], aliases: Sequence[str], *, style: str | None = TOOLTIP_STYLE,
                 sticky: bool = True) -> TextTooltip:
    """The tooltip of a GeoJSON layer: ``fields`` of each feature, labelled ``aliases``, as text.

    Example
    -------
    >>> text_tooltip(["name"], ["Name"]).fields
    ['name']
    """
    return TextTooltip(fields=list(fields), aliases=list(aliases), localize=False, sticky=sticky, style=style)
