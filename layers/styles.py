"""How each layer looks: colours, line styles and bilingual labels, as plain data.

Everything a legend or a tooltip says and every colour the map draws comes from the tables here,
so the map, the legend and any export agree. Labels are ``(zh, en)`` pairs; :func:`label` picks one.

Colour choices
--------------
* Communities are filled by build-year class on a sequential purple scale (ColorBrewer *Purples*):
  the older, the darker, so the communities built before the end of 2000 -- the cut-off of the
  national renovation programme (国办发〔2020〕23号) -- stand out. Purple is used by no pipeline
  kind, so pipes drawn on top stay readable.
* Pipelines follow the colours of Chinese utility drawings: water supply blue, drainage brown,
  gas ochre, heating orange-red, power red, telecom green; overhead lines are dashed.
* Facilities are small circles with one categorical colour per kind (no icon font needed).
* Barriers: arterial roads thick grey, rivers blue, railways black dashed. Administrative
  boundaries are dashed outlines without fill.
* Roads (the walking network): thin grey centrelines, thinner for lower grades, footpaths dotted;
  off when a map opens (a city's lanes drawn at once are noise under the communities).

Example
-------
>>> from layers.styles import build_year_class, label, BUILD_YEAR_CLASSES
>>> build_year_class(1985)
'1980s'
>>> label(BUILD_YEAR_CLASSES["1980s"]["label"], "en")
'1980–1989'
"""

from __future__ import annotations

import math
from typing import Any, Literal

from geo import CHOICE_LABELS, LAYERS

Lang = Literal["zh", "en"]
#: Languages a legend and a tooltip can be written in.
LANGS: tuple[str, ...] = ("zh", "en")

#: Drawing order, bottom to top; also the order of the legend and of the layer control.
LAYER_ORDER: tuple[str, ...] = ("admin", "barriers", "roads", "communities", "pipelines", "facilities")

#: Layer names for the layer panel and the legend: the layer model's labels (geo.io.schema).
LAYER_LABELS: dict[str, tuple[str, str]] = {
    name: (spec.label_zh, spec.label_en) for name, spec in LAYERS.items()
}

#: Background of the map when no basemap is drawn (Leaflet's default grey hides light fills).
NO_BASEMAP_BACKGROUND = "#fbfbf8"

#: Tooltip rows per layer, in display order (only the columns a layer has are shown).
TOOLTIP_FIELDS: dict[str, tuple[str, ...]] = {
    "communities": (
        "community_id", "name", "build_year", "households", "buildings", "street", "property_mgmt", "status",
    ),
    "pipelines": ("kind", "operator", "material", "diameter_mm", "install_year", "placement"),
    "facilities": ("name", "kind"),
    "barriers": ("name", "kind"),
    "admin": ("county", "street"),
    "roads": ("name", "kind"),
}

#: The id column of each layer (used as the GeoJSON feature id), where the layer has one.
ID_COLUMNS: dict[str, str] = {
    "communities": "community_id",
    "pipelines": "pipeline_id",
    "facilities": "facility_id",
    "roads": "road_id",
}

_UNIT_SUFFIX = {"mm": "(mm)", "m2": "(m²)"}


def _field_label(layer: str, column: str) -> tuple[str, str]:
    """(zh, en) label of a column from the layer model, with its unit where it has one."""
    col = LAYERS[layer].column(column)
    suffix = _UNIT_SUFFIX.get(col.unit or "", "")
    return (col.label_zh + suffix, col.label_en + (f" {suffix}" if suffix else ""))


#: Column labels for tooltips, keyed by layer then column: the layer model's labels (geo.io.schema).
FIELD_LABELS: dict[str, dict[str, tuple[str, str]]] = {
    layer: {column: _field_label(layer, column) for column in columns}
    for layer, columns in TOOLTIP_FIELDS.items()
}

#: Labels of coded values shown in tooltips (property management, renovation status, placement).
VALUE_LABELS: dict[str, dict[str, tuple[str, str]]] = {
    column: {value: CHOICE_LABELS[value] for value in LAYERS[layer].column(column).choices}
    for layer, column in (("communities", "property_mgmt"), ("communities", "status"),
                          ("pipelines", "placement"))
}

# --- communities: build-year classes ------------------------------------------------------------

#: Build-year classes, oldest first. ``min``/``max`` are inclusive years (``None``: open end).
BUILD_YEAR_CLASSES: dict[str, dict[str, Any]] = {
    "pre1980": {"min": None, "max": 1979, "fill": "#54278f", "label": ("1980年以前", "before 1980")},
    "1980s": {"min": 1980, "max": 1989, "fill": "#756bb1", "label": ("1980–1989年", "1980–1989")},
    "1990s": {"min": 1990, "max": 2000, "fill": "#9e9ac8", "label": ("1990–2000年", "1990–2000")},
    "2000s": {"min": 2001, "max": 2010, "fill": "#cbc9e2", "label": ("2001–2010年", "2001–2010")},
    "post2010": {"min": 2011, "max": None, "fill": "#f2f0f7", "label": ("2010年以后", "after 2010")},
    "unknown": {"min": None, "max": None, "fill": "#d9d9d9", "label": ("建成年代不详", "unknown")},
}

#: Shared look of every community polygon (the fill colour comes from its class).
COMMUNITY_STYLE: dict[str, Any] = {"color": "#3f007d", "weight": 1, "opacity": 0.9, "fillOpacity": 0.65}
#: Look of a community under the pointer.
COMMUNITY_HIGHLIGHT: dict[str, Any] = {"weight": 3, "color": "#000000", "fillOpacity": 0.8}

# --- pipelines ---------------------------------------------------------------------------------

PIPELINE_STYLES: dict[str, dict[str, Any]] = {
    "water_supply": {"color": "#1f78b4", "label": CHOICE_LABELS["water_supply"]},
    "drainage": {"color": "#8c510a", "label": CHOICE_LABELS["drainage"]},
    "gas": {"color": "#d4a017", "label": CHOICE_LABELS["gas"]},
    "heating": {"color": "#f4511e", "label": CHOICE_LABELS["heating"]},
    "power": {"color": "#d7191c", "label": CHOICE_LABELS["power"]},
    "telecom": {"color": "#1a9850", "label": CHOICE_LABELS["telecom"]},
}
#: A pipeline of a kind not in the table (or with no kind).
PIPELINE_OTHER: dict[str, Any] = {"color": "#636363", "label": ("其他管线", "other pipeline")}
PIPELINE_LINE: dict[str, Any] = {"weight": 2, "opacity": 0.85}
#: Dash pattern of overhead lines (underground lines are solid).
OVERHEAD_DASH = "8 5"

# --- facilities --------------------------------------------------------------------------------

FACILITY_STYLES: dict[str, dict[str, Any]] = {
    "elderly_care": {"color": "#e7298a", "label": CHOICE_LABELS["elderly_care"]},
    "childcare": {"color": "#f781bf", "label": CHOICE_LABELS["childcare"]},
    "kindergarten": {"color": "#ff7f00", "label": CHOICE_LABELS["kindergarten"]},
    "school": {"color": "#a65628", "label": CHOICE_LABELS["school"]},
    "clinic": {"color": "#e41a1c", "label": CHOICE_LABELS["clinic"]},
    "market": {"color": "#4daf4a", "label": CHOICE_LABELS["market"]},
    "convenience_store": {"color": "#66c2a5", "label": CHOICE_LABELS["convenience_store"]},
    "parcel_locker": {"color": "#8da0cb", "label": CHOICE_LABELS["parcel_locker"]},
    "post_station": {"color": "#377eb8", "label": CHOICE_LABELS["post_station"]},
    "ev_charging": {"color": "#00bcd4", "label": CHOICE_LABELS["ev_charging"]},
    "fitness": {"color": "#b2df8a", "label": CHOICE_LABELS["fitness"]},
    "property_office": {"color": "#999999", "label": CHOICE_LABELS["property_office"]},
    "community_service": {"color": "#984ea3", "label": CHOICE_LABELS["community_service"]},
}
FACILITY_OTHER: dict[str, Any] = {"color": "#525252", "label": ("其他设施", "other facility")}
#: Circle marker of a facility (radius in screen pixels; the fill colour comes from its kind).
FACILITY_MARKER: dict[str, Any] = {
    "radius": 4, "color": "#ffffff", "weight": 1, "opacity": 1.0, "fill": True, "fillOpacity": 0.95,
}

# --- barriers and administrative boundaries ----------------------------------------------------

BARRIER_STYLES: dict[str, dict[str, Any]] = {
    "arterial_road": {
        "color": "#737373", "weight": 6, "opacity": 0.8, "fillColor": "#bdbdbd", "fillOpacity": 0.6,
        "label": CHOICE_LABELS["arterial_road"],
    },
    "river": {
        "color": "#4292c6", "weight": 2, "opacity": 0.9, "fillColor": "#9ecae1", "fillOpacity": 0.7,
        "label": CHOICE_LABELS["river"],
    },
    "railway": {
        "color": "#000000", "weight": 3, "opacity": 0.9, "dashArray": "10 6",
        "fillColor": "#525252", "fillOpacity": 0.4, "label": CHOICE_LABELS["railway"],
    },
}
BARRIER_OTHER: dict[str, Any] = {
    "color": "#969696", "weight": 3, "opacity": 0.8, "fillColor": "#d9d9d9", "fillOpacity": 0.4,
    "label": ("其他分隔", "other barrier"),
}

# --- roads -------------------------------------------------------------------------------------

_ROAD_GREY = "#8c8c8c"
ROAD_STYLES: dict[str, dict[str, Any]] = {
    "arterial": {"color": _ROAD_GREY, "weight": 2.5, "opacity": 0.9, "label": CHOICE_LABELS["arterial"]},
    "secondary": {"color": _ROAD_GREY, "weight": 2, "opacity": 0.9, "label": CHOICE_LABELS["secondary"]},
    "branch": {"color": _ROAD_GREY, "weight": 1.5, "opacity": 0.9, "label": CHOICE_LABELS["branch"]},
    "lane": {"color": _ROAD_GREY, "weight": 1, "opacity": 0.9, "label": CHOICE_LABELS["lane"]},
    "path": {"color": _ROAD_GREY, "weight": 1, "opacity": 0.9, "dashArray": "2 3",
             "label": CHOICE_LABELS["path"]},
    "road": {"color": _ROAD_GREY, "weight": 1.5, "opacity": 0.9, "label": CHOICE_LABELS["road"]},
}
#: A road of a kind not in the table (or with no kind).
ROAD_OTHER: dict[str, Any] = {"color": _ROAD_GREY, "weight": 1.5, "opacity": 0.9, "label": ("道路", "road")}

ADMIN_STYLE: dict[str, Any] = {
    "color": "#252525", "weight": 2, "opacity": 0.8, "dashArray": "6 4", "fill": False,
    "label": ("街道边界", "street boundary"),
}

#: Titles of the legend and of its sections that are not layer names.
LEGEND_TEXT: dict[str, tuple[str, str]] = {
    "title": ("图例", "Legend"),
    "build_year": ("小区建成年代", "Communities by build year"),
    "overhead": ("虚线：架空", "dashed: overhead"),
    "basemap": ("底图", "Basemap"),
}

#: Style keys that Leaflet understands (the tables above also hold labels and class bounds).
_PATH_KEYS = (
    "color", "weight", "opacity", "dashArray", "fill", "fillColor", "fillOpacity", "radius",
)


def label(pair: tuple[str, str], lang: str = "zh") -> str:
    """Pick the ``lang`` text of a ``(zh, en)`` label pair.

    Example
    -------
    >>> label(("给水", "water supply"), "en")
    'water supply'
    """
    return pair[0] if lang == "zh" else pair[1]


def value_label(column: str, value: Any, lang: str = "zh") -> Any:
    """Label of a coded value (a kind, a status...) in ``lang``; other values unchanged.

    Example
    -------
    >>> value_label("status", "planned", "zh")
    '已列入计划'
    >>> value_label("status", "unheard-of")
    'unheard-of'
    """
    table = VALUE_LABELS.get(column, {})
    if isinstance(value, str) and value in table:
        return label(table[value], lang)
    return value


def build_year_class(year: Any) -> str:
    """Key of the build-year class of ``year`` (``"unknown"`` when missing or not a number).

    Example
    -------
    >>> [build_year_class(y) for y in (1975, 2000, 2001, None, float("nan"))]
    ['pre1980', '1990s', '2000s', 'unknown', 'unknown']
    """
    try:
        value = float(year)
    except (TypeError, ValueError):
        return "unknown"
    if math.isnan(value):
        return "unknown"
    for key, cls in BUILD_YEAR_CLASSES.items():
        if key == "unknown":
            continue
        if (cls["min"] is None or value >= cls["min"]) and (cls["max"] is None or value < cls["max"] + 1):
            return key
    return "unknown"  # pragma: no cover - the classes cover every year


def path_style(entry: dict[str, Any]) -> dict[str, Any]:
    """The Leaflet path options of a style table entry (labels and class bounds left out).

    Example
    -------
    >>> path_style(PIPELINE_STYLES["gas"])
    {'color': '#d4a017'}
    """
    return {k: v for k, v in entry.items() if k in _PATH_KEYS}


def community_style(year: Any) -> dict[str, Any]:
    """Leaflet style of a community built in ``year``.

    Example
    -------
    >>> community_style(1975)["fillColor"]
    '#54278f'
    """
    return {**COMMUNITY_STYLE, "fillColor": BUILD_YEAR_CLASSES[build_year_class(year)]["fill"]}


#: Eligibility classes (column ``eligibility``, see :func:`geo.zoning.eligibility.eligibility_class`),
#: in the legend order of :data:`geo.policy.ELIGIBILITY_CLASSES`: the oranges are in the programme
#: (dark: merge candidates), greens are under way or done, greys are out of it.
ELIGIBILITY_CLASSES: dict[str, dict[str, Any]] = {
    "candidate": {"fill": "#d94801", "label": ("合并对象（小规模、可改造）", "merge candidate (small, eligible)")},
    "eligible": {"fill": "#fdae6b", "label": ("可改造（规模较大）", "eligible (larger)")},
    "planned": {"fill": "#c6dbef", "label": ("已列入以往年度计划", "in an earlier year's plan")},
    "started": {"fill": "#a1d99b", "label": ("正在改造", "renovation started")},
    "completed": {"fill": "#74c476", "label": ("已完成改造", "renovation completed")},
    "not_eligible": {"fill": "#f0f0f0", "label": ("不在改造范围", "not eligible")},
    "unknown": {"fill": "#d9d9d9", "label": ("不详", "unknown")},
}

#: Property-management classes (column ``property_mgmt``).
PROPERTY_CLASSES: dict[str, dict[str, Any]] = {
    "professional": {"fill": "#2171b5", "label": CHOICE_LABELS["professional"]},
    "self": {"fill": "#9ecae1", "label": CHOICE_LABELS["self"]},
    "none": {"fill": "#cb181d", "label": CHOICE_LABELS["none"]},
    "unknown": {"fill": "#d9d9d9", "label": ("不详", "unknown")},
}

#: Household-count classes (column ``households``), inclusive upper bounds.
HOUSEHOLD_CLASSES: dict[str, dict[str, Any]] = {
    "le100": {"max": 100, "fill": "#fee5d9", "label": ("≤100户", "≤100 households")},
    "le300": {"max": 300, "fill": "#fcae91", "label": ("101–300户", "101–300")},
    "le1000": {"max": 1000, "fill": "#fb6a4a", "label": ("301–1000户", "301–1,000")},
    "gt1000": {"max": None, "fill": "#cb181d", "label": ("1000户以上", "over 1,000")},
    "unknown": {"max": None, "fill": "#d9d9d9", "label": ("不详", "unknown")},
}


def household_class(value: Any) -> str:
    """Key of the household class of ``value``.

    Example
    -------
    >>> [household_class(v) for v in (20, 300, 301, 5000, None)]
    ['le100', 'le300', 'le1000', 'gt1000', 'unknown']
    """
    try:
        number = float(value)
    except (TypeError, ValueError):
        return "unknown"
    if math.isnan(number):
        return "unknown"
    for key, cls in HOUSEHOLD_CLASSES.items():
        if key != "unknown" and (cls["max"] is None or number <= cls["max"]):
            return key
    return "unknown"  # pragma: no cover


def _choice_class(table: dict[str, dict[str, Any]]):
    def classify(value: Any) -> str:
        return value if isinstance(value, str) and value in table else "unknown"
    return classify


#: How communities can be coloured: scheme -> (legend title, column, classifier, classes).
COMMUNITY_SCHEMES: dict[str, tuple[tuple[str, str], str, Any, dict[str, dict[str, Any]]]] = {
    "build_year": (("小区建成年代", "Communities by build year"), "build_year", build_year_class,
                   BUILD_YEAR_CLASSES),
    "eligibility": (("改造对象", "Eligibility for renovation"), "eligibility",
                    _choice_class(ELIGIBILITY_CLASSES), ELIGIBILITY_CLASSES),
    "property_mgmt": (("物业管理", "Property management"), "property_mgmt",
                      _choice_class(PROPERTY_CLASSES), PROPERTY_CLASSES),
    "households": (("小区户数", "Households per community"), "households", household_class,
                   HOUSEHOLD_CLASSES),
}


def community_scheme_style(scheme: str, value: Any) -> dict[str, Any]:
    """Leaflet style of a community whose ``scheme`` column holds ``value``.

    Example
    -------
    >>> community_scheme_style("households", 250)["fillColor"]
    '#fcae91'
    >>> community_scheme_style("build_year", 1975) == community_style(1975)
    True
    """
    _, _, classify, classes = COMMUNITY_SCHEMES[scheme]
    return {**COMMUNITY_STYLE, "fillColor": classes[classify(value)]["fill"]}


def pipeline_style(kind: Any, placement: Any = None) -> dict[str, Any]:
    """Leaflet style of a pipeline of ``kind``; dashed when ``placement`` is ``"overhead"``.

    Example
    -------
    >>> pipeline_style("drainage", "overhead")["dashArray"]
    '8 5'
    """
    entry = PIPELINE_STYLES.get(kind, PIPELINE_OTHER) if isinstance(kind, str) else PIPELINE_OTHER
    style = {**PIPELINE_LINE, **path_style(entry)}
    if placement == "overhead":
        style["dashArray"] = OVERHEAD_DASH
    return style


def facility_style(kind: Any) -> dict[str, Any]:
    """Circle-marker style of a facility of ``kind``.

    Example
    -------
    >>> facility_style("clinic")["fillColor"]
    '#e41a1c'
    """
    entry = FACILITY_STYLES.get(kind, FACILITY_OTHER) if isinstance(kind, str) else FACILITY_OTHER
    return {**FACILITY_MARKER, "fillColor": entry["color"]}


def barrier_style(kind: Any) -> dict[str, Any]:
    """Leaflet style of a barrier of ``kind`` (line or polygon).

    Example
    -------
    >>> barrier_style("railway")["dashArray"]
    '10 6'
    """
    entry = BARRIER_STYLES.get(kind, BARRIER_OTHER) if isinstance(kind, str) else BARRIER_OTHER
    return path_style(entry)


def road_style(kind: Any) -> dict[str, Any]:
    """Leaflet style of a road of ``kind``: a thin grey line.

    Example
    -------
    >>> road_style("lane")
    {'color': '#8c8c8c', 'weight': 1, 'opacity': 0.9}
    """
    entry = ROAD_STYLES.get(kind, ROAD_OTHER) if isinstance(kind, str) else ROAD_OTHER
    return path_style(entry)


def admin_style() -> dict[str, Any]:
    """Leaflet style of an administrative boundary: a dashed outline, no fill.

    Example
    -------
    >>> admin_style()["fill"]
    False
    """
    return path_style(ADMIN_STYLE)


#: The table of kinds of each categorical layer (the legend and tooltips translate with it).
KIND_TABLES: dict[str, dict[str, dict[str, Any]]] = {
    "pipelines": PIPELINE_STYLES,
    "facilities": FACILITY_STYLES,
    "barriers": BARRIER_STYLES,
    "roads": ROAD_STYLES,
}


def kind_label(layer: str, kind: Any, lang: str = "zh") -> Any:
    """Label of a ``kind`` value of ``layer`` in ``lang``; unknown kinds unchanged.

    Example
    -------
    >>> kind_label("pipelines", "heating", "en")
    'heating'
    >>> kind_label("facilities", "clinic")
    '卫生服务站'
    """
    table = KIND_TABLES.get(layer, {})
    if isinstance(kind, str) and kind in table:
        return label(table[kind]["label"], lang)
    return kind
