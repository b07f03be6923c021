"""The layer model: six layers, their canonical columns, types, units and the names they arrive under.

This module is the one place that says what a community, a pipeline, a facility, a barrier, an
administrative boundary and a road are made of. Loaders map a file's columns onto these names (Chinese and
English aliases are recognised; anything else needs an explicit mapping), parse the values with
:mod:`geo.io.parse`, and validate them against the ranges and choices declared here.

Example
-------
>>> from geo.io.schema import LAYERS, match_columns
>>> LAYERS["communities"].column("households").unit
'households'
>>> match_columns(["小区名称", "户数(户)", "备注"], "communities").mapping
{'name': '小区名称', 'households': '户数(户)'}
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from geo.errors import SchemaError

ColumnType = Literal["id", "text", "int", "float", "year", "share", "choice"]
LayerName = Literal["communities", "pipelines", "facilities", "barriers", "admin", "roads"]

#: Earliest build or install year accepted; anything before is a typing error, not history.
MIN_YEAR = 1900
#: Latest year accepted for a build, install or plan year (plans reach a few years ahead).
MAX_PLAN_YEAR = 2040


@dataclass(frozen=True)
class Column:
    """One canonical column of a layer.

    Parameters
    ----------
    name
        Canonical name, English snake_case with the unit in the name where there is one.
    kind
        How values are parsed: ``id`` (text, unique), ``text``, ``int``, ``float``, ``year``,
        ``share`` (0-1, percentages accepted), ``choice`` (one of ``choices``).
    label_zh, label_en
        Labels for tables, tooltips and exports.
    aliases
        Other names the column arrives under (compared after :func:`normalize_header`).
    unit
        Unit of the stored value, ``None`` for unitless columns.
    required
        A file without this column (and no mapping or default for it) cannot be loaded.
    choices
        Allowed canonical values of a ``choice`` column.
    value_aliases
        Other spellings of the choices (Chinese words, abbreviations), mapped to a choice.
    minimum, maximum
        Inclusive range of valid values; a value outside rejects the row.
    original_of
        For the column that keeps a file's own word for a choice (``kind_original``): the choice
        column it keeps it for. It reads the same file column as that one, and holds a value only
        where the value is none of the choice's words (see :data:`OTHER_KIND`).
    """

    name: str
    kind: ColumnType
    label_zh: str
    label_en: str
    aliases: tuple[str, ...] = ()
    unit: str | None = None
    required: bool = False
    choices: tuple[str, ...] = ()
    value_aliases: Mapping[str, str] = field(default_factory=dict)
    minimum: float | None = None
    maximum: float | None = None
    original_of: Column | None = None

    @property
    def keeps_unknown(self) -> bool:
        """A choice column whose unknown values become :data:`OTHER_KIND` instead of missing."""
        return self.kind == "choice" and OTHER_KIND in self.choices

    def label(self, lang: str = "zh") -> str:
        """The column's label in ``lang`` (``"zh"`` or ``"en"``)."""
        return self.label_zh if lang == "zh" else self.label_en


@dataclass(frozen=True)
class LayerSpec:
    """A layer of the model: its geometry, its id column and its columns."""

    name: LayerName
    label_zh: str
    label_en: str
    geometry_types: tuple[str, ...]
    columns: tuple[Column, ...]
    id_column: str | None = None
    #: Words in a file's layer name that say it holds this layer.
    layer_aliases: tuple[str, ...] = ()

    def column(self, name: str) -> Column:
        """Return the column called ``name``; raise ``SchemaError`` if the layer has none."""
        for col in self.columns:
            if col.name == name:
                return col
        raise SchemaError(
            f"layer '{self.name}' has no column '{name}'; its columns are: "
            + ", ".join(c.name for c in self.columns),
            code="column_unknown",
            params={"kind": self.name, "column": name, "layer_columns": self.column_names},
        )

    @property
    def column_names(self) -> list[str]:
        """Canonical column names in order: the model's columns, without the trace columns.

        A trace column (``kind_original``, :attr:`Column.original_of`) is filled by loading from the
        column it traces; a layer made by code (the synthetic city) has none.
        """
        return [c.name for c in self.columns if c.original_of is None]

    @property
    def trace_columns(self) -> list[str]:
        """The columns that keep a file's own words (``kind_original``), in order."""
        return [c.name for c in self.columns if c.original_of is not None]

    def label(self, lang: str = "zh") -> str:
        """The layer's label in ``lang``."""
        return self.label_zh if lang == "zh" else self.label_en


# --- choices -------------------------------------------------------------------------------

PROPERTY_MGMT = ("professional", "self", "none")
STATUS = ("candidate", "planned", "started", "completed")
PIPELINE_KINDS = ("water_supply", "drainage", "gas", "heating", "power", "telecom")
PLACEMENTS = ("underground", "overhead")
FACILITY_KINDS = (
    "elderly_care",
    "childcare",
    "kindergarten",
    "clinic",
    "market",
    "convenience_store",
    "parcel_locker",
    "ev_charging",
    "fitness",
    "property_office",
    "community_service",
    "post_station",
    "school",
)
BARRIER_KINDS = ("arterial_road", "river", "railway")
#: Road grades (CJJ 37 urban road classes, then lanes and footpaths); ``road`` is a road of unknown grade.
ROAD_KINDS = ("arterial", "secondary", "branch", "lane", "path", "road")

#: The kind of a pipeline or facility whose file gives a kind outside our lists (OSM ``substance=cold``,
#: 中水, 驿站...): the row is kept as ``other``, the file's word in ``kind_original`` (reported once
#: per distinct word); a planner's kinds table (value -> kind) can give it one of ours instead.
OTHER_KIND = "other"

#: Bilingual labels of every choice value, for legends, tables and exports.
CHOICE_LABELS: dict[str, tuple[str, str]] = {
    "professional": ("专业化物业", "professional"),
    "self": ("单位或居民自管", "self-managed"),
    "none": ("无物业", "none"),
    "candidate": ("待改造", "candidate"),
    "planned": ("已列入计划", "planned"),
    "started": ("改造中", "started"),
    "completed": ("已完成改造", "completed"),
    "water_supply": ("给水", "water supply"),
    "drainage": ("排水", "drainage"),
    "gas": ("燃气", "gas"),
    "heating": ("供热", "heating"),
    "power": ("电力", "power"),
    "telecom": ("通信", "telecom"),
    "underground": ("地下", "underground"),
    "overhead": ("架空", "overhead"),
    "elderly_care": ("养老服务", "elderly care"),
    "childcare": ("托育", "childcare"),
    "kindergarten": ("幼儿园", "kindergarten"),
    "clinic": ("卫生服务站", "clinic"),
    "market": ("菜市场", "market"),
    "convenience_store": ("便利店", "convenience store"),
    "parcel_locker": ("快递柜", "parcel locker"),
    "ev_charging": ("充电设施", "EV charging"),
    "fitness": ("健身场地", "fitness"),
    "property_office": ("物业用房", "property office"),
    "community_service": ("社区服务站", "community service"),
    "post_station": ("邮政快递站", "post station"),
    "school": ("学校", "school"),
    "arterial_road": ("城市主干路", "arterial road"),
    "river": ("河流", "river"),
    "railway": ("铁路", "railway"),
    "arterial": ("主干路", "arterial road"),
    "secondary": ("次干路", "secondary road"),
    "branch": ("支路", "branch road"),
    "lane": ("街巷", "lane"),
    "path": ("步行道", "footpath"),
    "road": ("道路（未分级）", "road (grade unknown)"),
    OTHER_KIND: ("其他", "other"),
}


def choice_label(value: str, lang: str = "zh") -> str:
    """Label of a choice value in ``lang``; the value itself when it has no label."""
    zh, en = CHOICE_LABELS.get(value, (value, value))
    return zh if lang == "zh" else en


# --- the six layers --------------------------------------------------------------------------

_ID_ALIASES = ("id", "编号", "代码", "编码")
_NAME_ALIASES = ("name", "名称", "名字")

COMMUNITIES = LayerSpec(
    name="communities",
    label_zh="小区",
    label_en="Communities",
    geometry_types=("Polygon", "MultiPolygon"),
    id_column="community_id",
    layer_aliases=("communities", "community", "小区", "xq", "residential", "老旧小区"),
    columns=(
        Column("community_id", "id", "小区编号", "community id",
               ("community_id", "小区编号", "小区代码", "小区编码", *_ID_ALIASES)),
        Column("name", "text", "小区名称", "name",
               ("小区名称", "小区名", "项目名称", *_NAME_ALIASES)),
        Column("county", "text", "县市区", "county/district",
               ("county", "district", "县市", "县市区", "区县", "县区", "所属区县", "行政区", "区")),
        Column("street", "text", "街道", "street",
               ("street", "subdistrict", "街道", "街道办", "街道办事处", "所属街道", "乡镇街道")),
        Column("committee", "text", "社区", "community committee",
               ("committee", "社区", "社区居委会", "居委会", "所属社区")),
        Column("build_year", "year", "建成年代", "build year",
               ("build_year", "year_built", "建成年代", "建成年份", "竣工年份", "建成时间",
                "建设年代", "建成年度", "竣工时间", "竣工年代"),
               unit="year", minimum=MIN_YEAR),
        Column("households", "int", "户数", "households",
               ("households", "hh", "户数", "住户数", "总户数", "居民户数"),
               unit="households", minimum=0),
        Column("buildings", "int", "楼栋数", "buildings",
               ("buildings", "楼栋数", "栋数", "幢数", "楼栋"), unit="buildings", minimum=0),
        Column("floors_max", "int", "最高层数", "max floors",
               ("floors_max", "floors", "最高层数", "层数", "楼层数"), unit="floors",
               minimum=1, maximum=200),
        Column("lifts", "int", "电梯数", "lifts",
               ("lifts", "elevators", "电梯", "电梯数", "电梯数量", "电梯台数", "加装电梯"),
               unit="lifts", minimum=0),
        Column("floor_area_m2", "float", "建筑面积", "floor area",
               ("floor_area_m2", "floor_area", "建筑面积", "总建筑面积"), unit="m2", minimum=0),
        Column("property_mgmt", "choice", "物业管理", "property management",
               ("property_mgmt", "property_management", "物业管理", "物业", "物业类型",
                "物业管理方式", "物业状况", "物业管理情况"),
               choices=PROPERTY_MGMT,
               value_aliases={
                   "专业化物业": "professional", "专业物业": "professional", "物业公司": "professional",
                   "专业": "professional", "有物业": "professional", "市场化物业": "professional",
                   "自管": "self", "单位自管": "self", "居民自管": "self", "自治": "self",
                   "居民自治": "self", "单位或居民自管": "self", "self-managed": "self",
                   "无": "none", "无物业": "none", "没有": "none", "托底": "none",
                   "托底物业": "none", "无管理": "none", "no": "none",
               }),
        Column("willingness", "share", "改造意愿", "willingness",
               ("willingness", "改造意愿", "意愿", "居民意愿", "同意率", "意愿率"),
               unit="share", minimum=0, maximum=1),
        Column("participation", "share", "参与率", "participation",
               ("participation", "参与率", "参与度", "居民参与率"),
               unit="share", minimum=0, maximum=1),
        Column("status", "choice", "改造状态", "status",
               ("status", "改造状态", "状态"), choices=STATUS,
               value_aliases={
                   "待改造": "candidate", "储备": "candidate", "候选": "candidate",
                   "未改造": "candidate", "拟改造": "candidate",
                   "已列入计划": "planned", "计划": "planned", "计划改造": "planned",
                   "列入计划": "planned",
                   "改造中": "started", "在建": "started", "已开工": "started", "开工": "started",
                   "已完成改造": "completed", "已完成": "completed", "完成": "completed",
                   "已改造": "completed", "完工": "completed", "竣工": "completed",
               }),
        Column("plan_year", "year", "计划年度", "plan year",
               ("plan_year", "计划年度", "改造年度", "计划年份", "改造年份", "改造年度计划"),
               unit="year", minimum=MIN_YEAR, maximum=MAX_PLAN_YEAR),
    ),
)

PIPELINES = LayerSpec(
    name="pipelines",
    label_zh="管线",
    label_en="Pipelines",
    geometry_types=("LineString", "MultiLineString"),
    id_column="pipeline_id",
    layer_aliases=("pipelines", "pipeline", "pipes", "network", "管线", "管网", "gx"),
    columns=(
        Column("pipeline_id", "id", "管线编号", "pipeline id",
               ("pipeline_id", "管线编号", "管段编号", "管线代码", *_ID_ALIASES)),
        _PIPELINE_KIND := Column("kind", "choice", "管线类型", "kind",
               ("kind", "type", "管线类型", "管线类别", "管线种类", "类别", "类型", "专业"),
               required=True, choices=(*PIPELINE_KINDS, OTHER_KIND),
               value_aliases={
                   "给水": "water_supply", "供水": "water_supply", "上水": "water_supply",
                   "自来水": "water_supply", "water": "water_supply", "js": "water_supply",
                   "排水": "drainage", "污水": "drainage", "雨水": "drainage", "雨污": "drainage",
                   "雨污合流": "drainage", "下水": "drainage", "ps": "drainage",
                   "sewer": "drainage", "stormwater": "drainage",
                   "燃气": "gas", "天然气": "gas", "煤气": "gas", "rq": "gas",
                   "供热": "heating", "热力": "heating", "暖气": "heating", "rl": "heating",
                   "电力": "power", "供电": "power", "电缆": "power", "dl": "power",
                   "electricity": "power",
                   "通信": "telecom", "通讯": "telecom", "电信": "telecom", "弱电": "telecom",
                   "光缆": "telecom", "tx": "telecom",
               }),
        Column("kind_original", "text", "原管线类型", "kind as in the file",
               ("kind_original", "原管线类型", "原始类型", "原类型"), original_of=_PIPELINE_KIND),
        Column("operator", "text", "权属单位", "operator",
               ("operator", "owner", "权属单位", "产权单位", "管理单位", "运营单位", "权属")),
        Column("material", "text", "材质", "material", ("material", "材质", "管材")),
        Column("diameter_mm", "float", "管径", "diameter",
               ("diameter_mm", "diameter", "dn", "管径", "口径", "管径mm"), unit="mm",
               minimum=0, maximum=10000),
        Column("install_year", "year", "埋设年代", "install year",
               ("install_year", "埋设年代", "敷设年份", "敷设年代", "埋设年份", "建设年代",
                "建设年份", "铺设年份"),
               unit="year", minimum=MIN_YEAR),
        Column("placement", "choice", "敷设方式", "placement",
               ("placement", "敷设方式", "埋设方式", "架设方式"), choices=PLACEMENTS,
               value_aliases={
                   "地下": "underground", "埋地": "underground", "直埋": "underground",
                   "管沟": "underground", "排管": "underground", "地埋": "underground",
                   "架空": "overhead", "地上": "overhead", "明敷": "overhead",
               }),
    ),
)

FACILITIES = LayerSpec(
    name="facilities",
    label_zh="配套设施",
    label_en="Facilities",
    geometry_types=("Point",),
    id_column="facility_id",
    layer_aliases=("facilities", "facility", "poi", "pois", "设施", "配套设施", "公服"),
    columns=(
        Column("facility_id", "id", "设施编号", "facility id",
               ("facility_id", "设施编号", *_ID_ALIASES)),
        _FACILITY_KIND := Column("kind", "choice", "设施类型", "kind",
               ("kind", "type", "设施类型", "类型", "类别", "设施类别"), required=True,
               choices=(*FACILITY_KINDS, OTHER_KIND),
               value_aliases={
                   "养老": "elderly_care", "养老服务": "elderly_care", "日间照料": "elderly_care",
                   "日间照料中心": "elderly_care", "养老院": "elderly_care",
                   "老年活动中心": "elderly_care",
                   "托育": "childcare", "托儿所": "childcare", "托育机构": "childcare",
                   "幼儿园": "kindergarten",
                   "卫生服务站": "clinic", "社区卫生服务站": "clinic", "诊所": "clinic",
                   "卫生室": "clinic", "社区卫生服务中心": "clinic",
                   "菜市场": "market", "农贸市场": "market", "市场": "market",
                   "便利店": "convenience_store", "超市": "convenience_store",
                   "快递柜": "parcel_locker", "智能快件箱": "parcel_locker",
                   "充电桩": "ev_charging", "充电站": "ev_charging", "充电设施": "ev_charging",
                   "健身": "fitness", "健身场地": "fitness", "健身设施": "fitness",
                   "物业用房": "property_office", "物业服务用房": "property_office",
                   "物业办公室": "property_office",
                   "社区服务站": "community_service", "社区服务中心": "community_service",
                   "社区综合服务站": "community_service", "党群服务中心": "community_service",
                   "邮政快递站": "post_station", "邮政所": "post_station",
                   "快递驿站": "post_station", "驿站": "post_station",
                   "学校": "school", "小学": "school", "中学": "school", "初中": "school",
               }),
        Column("kind_original", "text", "原设施类型", "kind as in the file",
               ("kind_original", "原设施类型", "原始类型", "原类型"), original_of=_FACILITY_KIND),
        Column("name", "text", "名称", "name", ("设施名称", *_NAME_ALIASES)),
    ),
)

BARRIERS = LayerSpec(
    name="barriers",
    label_zh="分隔要素",
    label_en="Barriers",
    geometry_types=("LineString", "MultiLineString", "Polygon", "MultiPolygon"),
    # not "roads": a file layer of roads is the roads layer; its arterials can still be loaded
    # as barriers (the kind "arterial"/主干路 maps to arterial_road)
    layer_aliases=("barriers", "barrier", "arterials", "rivers", "railways", "障碍", "分隔"),
    columns=(
        Column("kind", "choice", "类型", "kind",
               ("kind", "type", "类型", "类别"), required=True, choices=BARRIER_KINDS,
               value_aliases={
                   "主干道": "arterial_road", "主干路": "arterial_road",
                   "城市主干路": "arterial_road", "快速路": "arterial_road",
                   "干道": "arterial_road", "road": "arterial_road", "arterial": "arterial_road",
                   "河流": "river", "河道": "river", "水系": "river", "河": "river",
                   "铁路": "railway", "rail": "railway",
               }),
        Column("name", "text", "名称", "name", ("道路名称", "河流名称", *_NAME_ALIASES)),
    ),
)

ADMIN = LayerSpec(
    name="admin",
    label_zh="行政区划",
    label_en="Administrative boundaries",
    geometry_types=("Polygon", "MultiPolygon"),
    layer_aliases=("admin", "boundaries", "boundary", "streets", "行政区", "行政区划", "街道"),
    columns=(
        Column("county", "text", "县市区", "county/district",
               ("county", "district", "县市", "县市区", "区县", "县区", "行政区", "区")),
        Column("street", "text", "街道", "street",
               ("street", "subdistrict", "街道", "街道办", "街道办事处", "乡镇街道", "名称",
                "name"),
               required=True),
    ),
)

ROADS = LayerSpec(
    name="roads",
    label_zh="道路",
    label_en="Roads",
    geometry_types=("LineString", "MultiLineString"),
    id_column="road_id",
    layer_aliases=("roads", "road", "road_network", "streets_network", "道路", "路网"),
    columns=(
        Column("road_id", "id", "道路编号", "road id",
               ("road_id", "道路编号", "路段编号", "道路代码", *_ID_ALIASES)),
        Column("kind", "choice", "道路等级", "grade",
               ("kind", "grade", "class", "fclass", "highway", "道路等级", "道路类型", "道路类别",
                "等级", "类型", "类别"),
               choices=ROAD_KINDS,
               value_aliases={
                   "主干路": "arterial", "主干道": "arterial", "城市主干路": "arterial",
                   "快速路": "arterial", "干道": "arterial", "trunk": "arterial",
                   "primary": "arterial", "motorway": "arterial",
                   "次干路": "secondary", "次干道": "secondary",
                   "支路": "branch", "tertiary": "branch", "residential": "branch",
                   "巷道": "lane", "街巷": "lane", "小区道路": "lane", "巷": "lane", "胡同": "lane",
                   "service": "lane", "living_street": "lane",
                   "步行道": "path", "人行道": "path", "步道": "path", "footway": "path",
                   "pedestrian": "path", "footpath": "path",
                   "道路": "road", "unclassified": "road",
               }),
        Column("name", "text", "道路名称", "name", ("道路名称", "路名", *_NAME_ALIASES)),
    ),
)

LAYERS: dict[str, LayerSpec] = {
    spec.name: spec for spec in (COMMUNITIES, PIPELINES, FACILITIES, BARRIERS, ADMIN, ROADS)
}


def layer_spec(name: str) -> LayerSpec:
    """Return the spec of layer ``name``, with a clear error for an unknown name.

    Raises
    ------
    SchemaError
        When ``name`` is not one of the six layers.
    """
    try:
        return LAYERS[name]
    except KeyError:
        raise SchemaError(
            f"unknown layer '{name}'; expected one of: {', '.join(LAYERS)}",
            code="layer_unknown", params={"kind": str(name), "kinds": list(LAYERS)},
        ) from None


# --- column matching -----------------------------------------------------------------------

_PARENS = re.compile(r"[\(（\[【].*?[\)）\]】]")
_SEPARATORS = re.compile(r"[\s_\-·./:：]+")


def normalize_header(header: str) -> str:
    """Fold a column header for matching: width, case, units in brackets, separators.

    Example
    -------
    >>> normalize_header(" 户数（户） ")
    '户数'
    >>> normalize_header("Build_Year")
    'buildyear'
    """
    text = unicodedata.normalize("NFKC", str(header)).strip().lower()
    text = _PARENS.sub("", text)
    return _SEPARATORS.sub("", text)


def normalize_value(value: str) -> str:
    """Fold a text value for matching against choices: width, case, spaces and separators."""
    return normalize_header(value)


# --- names cut by the shapefile format ------------------------------------------------------

#: A DBF (the shapefile's table) field name holds at most this many bytes: longer names are cut.
DBF_NAME_BYTES = 10

#: Names the shapefile format is known to cut ours to (compared after :func:`normalize_header`),
#: per layer: cut name -> canonical column. Other cut names are found by :func:`truncated_column`.
TRUNCATED_NAMES: Mapping[str, Mapping[str, str]] = {
    "communities": {"community_": "community_id", "property_m": "property_mgmt", "willingnes": "willingness",
                    "participat": "participation", "建成年份年": "build_year"},
    "pipelines": {"pipeline_i": "pipeline_id", "diameter_m": "diameter_mm", "install_ye": "install_year",
                  "kind_origi": "kind_original"},
    "facilities": {"facility_i": "facility_id", "kind_origi": "kind_original"},
    "barriers": {},
    "admin": {},
    "roads": {},
}


def may_be_cut(header: str) -> bool:
    """Whether ``header`` may be a name the shapefile format cut to :data:`DBF_NAME_BYTES` bytes.

    True when it ends in U+FFFD (a character cut in two, replaced by the decoder), or fills the
    10 bytes: exactly 10 in ASCII; for other text 9 or 10 bytes in GBK or in UTF-8 (a character cut
    in two whose stray byte the decoder dropped leaves one or two bytes fewer).

    Example
    -------
    >>> may_be_cut("community_"), may_be_cut("community"), may_be_cut("建成年份年"), may_be_cut("建成年\ufffd")
    (True, False, True, True)
    """
    text = str(header)
    if text.endswith("\ufffd"):
        return True
    if text.isascii():
        return len(text) == DBF_NAME_BYTES
    sizes = set()
    for encoding in ("gbk", "utf-8"):
        try:
            sizes.add(len(text.encode(encoding)))
        except UnicodeEncodeError:
            continue
    return bool(sizes & {DBF_NAME_BYTES - 2, DBF_NAME_BYTES - 1, DBF_NAME_BYTES})


def truncated_column(header: str, layer: str, *, exclude: Iterable[str] = ()) -> str | None:
    """The canonical column a name cut by the shapefile format stands for, or None.

    A known cut (:data:`TRUNCATED_NAMES`), or a header that :func:`may_be_cut` and whose folded text
    (U+FFFD dropped) begins the folded name or an alias of exactly one column of ``layer`` (several
    aliases of one column are one column). ``exclude``: columns already taken.

    Example
    -------
    >>> truncated_column("community_", "communities"), truncated_column("property_m", "communities")
    ('community_id', 'property_mgmt')
    >>> truncated_column("建成年\ufffd", "communities"), truncated_column("小区名称", "communities")
    ('build_year', None)
    """
    spec = layer_spec(layer)
    taken = set(exclude)
    text = str(header)
    stem = normalize_header(text.replace("\ufffd", ""))
    known = {normalize_header(k): v for k, v in TRUNCATED_NAMES.get(spec.name, {}).items()}
    if stem in known:
        return known[stem] if known[stem] not in taken else None
    if not may_be_cut(text) or len(stem) < 2:
        return None
    found = {col.name for col in spec.columns if col.name not in taken
             for name in (col.name, *col.aliases)
             if normalize_header(name).startswith(stem) and normalize_header(name) != stem}
    return found.pop() if len(found) == 1 else None


@dataclass(frozen=True)
class ColumnMatch:
    """How a file's columns map onto a layer's canonical columns.

    Attributes
    ----------
    mapping
        canonical name -> the file's column name.
    unmapped
        The file's columns that map to nothing (they are kept as they are).
    ambiguous
        canonical name -> the other file columns that could also have been it (not used).
    truncated
        canonical name -> the file's column, for the columns matched as names the shapefile
        format cut (:func:`truncated_column`; ``community_`` -> ``community_id``).
    """

    mapping: dict[str, str]
    unmapped: list[str]
    ambiguous: dict[str, list[str]]
    truncated: dict[str, str] = field(default_factory=dict)


def match_columns(
    headers: Iterable[str],
    layer: str,
    *,
    user_mapping: Mapping[str, str] | None = None,
) -> ColumnMatch:
    """Map a file's column headers onto the canonical columns of ``layer``.

    An explicit ``user_mapping`` (canonical -> file column) wins; then headers equal to a
    canonical name; then aliases in the order they are declared; then names the shapefile format
    cut to 10 bytes (:func:`truncated_column`, recorded in ``truncated``). Each file column is used
    once, except by a trace column (``kind_original``), which reads the column of its choice.

    Parameters
    ----------
    headers
        The file's column names (the geometry column excluded).
    layer
        One of the six layer names.
    user_mapping
        canonical name -> file column, for columns the aliases do not recognise.

    Returns
    -------
    ColumnMatch

    Raises
    ------
    SchemaError
        When the user mapping names an unknown canonical column or a column the file lacks.

    Example
    -------
    >>> match_columns(["编号", "管线类型", "管径"], "pipelines").mapping
    {'pipeline_id': '编号', 'kind': '管线类型', 'kind_original': '管线类型', 'diameter_mm': '管径'}
    >>> match_columns(["community_", "households", "property_m"], "communities").truncated
    {'community_id': 'community_', 'property_mgmt': 'property_m'}
    """
    spec = layer_spec(layer)
    headers = [str(h) for h in headers]
    mapping: dict[str, str] = {}
    used: set[str] = set()
    for canonical, source in (user_mapping or {}).items():
        if canonical not in {c.name for c in spec.columns}:
            raise SchemaError(
                f"the mapping names '{canonical}', which is not a column of layer '{layer}'; "
                f"its columns are: {', '.join(spec.column_names)}",
                code="column_unknown",
                params={"kind": spec.name, "column": str(canonical), "layer_columns": spec.column_names},
            )
        if source not in headers:
            raise SchemaError(
                f"the mapping {canonical}={source} names a column the file does not have; "
                f"the file's columns are: {', '.join(headers)}",
                code="mapping_column_missing",
                params={"kind": spec.name, "column": canonical, "source": str(source), "columns": headers},
            )
        mapping[canonical] = source
        if spec.column(canonical).original_of is None:  # a trace column leaves its column to the choice
            used.add(source)

    folded = {h: normalize_header(h) for h in headers}
    ambiguous: dict[str, list[str]] = {}
    for col in spec.columns:
        if col.name in mapping:
            continue
        candidates = [normalize_header(col.name), *(normalize_header(a) for a in col.aliases)]
        hits = []
        for cand in candidates:
            hits.extend(h for h in headers if folded[h] == cand and h not in used and h not in hits)
        if hits:
            mapping[col.name] = hits[0]
            used.add(hits[0])
            if len(hits) > 1:
                ambiguous[col.name] = hits[1:]
    truncated: dict[str, str] = {}
    for header in headers:
        if header in used:
            continue
        canonical = truncated_column(header, spec.name, exclude=mapping)
        if canonical is not None:
            mapping[canonical] = truncated[canonical] = header
            used.add(header)
    for col in spec.columns:
        if col.original_of is not None and col.name not in mapping and col.original_of.name in mapping:
            mapping[col.name] = mapping[col.original_of.name]
    ordered = {c.name: mapping[c.name] for c in spec.columns if c.name in mapping}
    unmapped = [h for h in headers if h not in used]
    return ColumnMatch(mapping=ordered, unmapped=unmapped, ambiguous=ambiguous, truncated=truncated)


def is_truncation(header: str, canonical: str, layer: str) -> bool:
    """Whether the file column ``header`` gives ``canonical`` as a name the shapefile format cut
    (and not by a name or alias of its own).

    >>> is_truncation("community_", "community_id", "communities"), is_truncation("households", "households", "communities")
    (True, False)
    """
    spec = layer_spec(layer)
    if not any(c.name == canonical for c in spec.columns):
        return False
    col = spec.column(canonical)
    if normalize_header(header) in {normalize_header(n) for n in (col.name, *col.aliases)}:
        return False
    return truncated_column(header, spec.name) == canonical


def truncation_words(header: str, canonical: str) -> str:
    """The report's words for a column matched as a name the shapefile format cut.

    >>> truncation_words("community_", "community_id")
    'community_ → community_id (name cut by the shapefile format)'
    """
    return f"{header} → {canonical} (name cut by the shapefile format)"


def guess_layer(layer_name: str, headers: Iterable[str], geometry_types: Iterable[str]) -> str | None:
    """Guess which of the six layers a file layer holds, from its name, columns and geometry.

    Returns ``None`` when nothing fits; the caller then asks the user to say (``--kind``).

    Example
    -------
    >>> guess_layer("老旧小区2021", ["小区名称", "户数"], ["Polygon"])
    'communities'
    """
    geoms = {g.replace("Multi", "") for g in geometry_types if g}
    folded_name = normalize_header(layer_name)
    best: tuple[float, str] | None = None
    for spec in LAYERS.values():
        fits_geometry = not geoms or geoms <= {g.replace("Multi", "") for g in spec.geometry_types}
        if not fits_geometry:
            continue
        score = 0.0
        if any(normalize_header(a) in folded_name for a in spec.layer_aliases):
            score += 10
        match = match_columns(headers, spec.name)
        score += len([c for c in match.mapping if c not in spec.trace_columns])  # kind_original: no second vote
        if any(c.required and c.name not in match.mapping for c in spec.columns):
            score -= 5
        if score > 0 and (best is None or score > best[0]):
            best = (score, spec.name)
    return best[1] if best else None
