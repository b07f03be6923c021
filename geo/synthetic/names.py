"""Chinese vocabularies of the synthetic city: roads, streets, units, places, operators, materials.

Private helper of :mod:`geo.synthetic.city`. Names are modelled on Changji (昌吉市, Xinjiang); every
list is a plain tuple so the generator stays deterministic (no set or dict ordering involved).
Lists that run out are reused with Chinese ordinal suffixes (长宁路 -> 长宁二路).
"""

from __future__ import annotations

import numpy as np

# --- roads and administrative names ----------------------------------------------------------

#: North-south arterials as (south half, north half), most central first.
NS_ROADS: tuple[tuple[str, str], ...] = (
    ("北京南路", "北京北路"),
    ("延安南路", "延安北路"),
    ("绿洲南路", "绿洲北路"),
    ("长宁路", "长宁路"),
    ("屯河路", "屯河路"),
    ("亚中路", "亚中路"),
    ("光明南路", "光明北路"),
    ("新华南路", "新华北路"),
    ("文化路", "文化路"),
)
#: East-west arterials as (west half, east half), most central first.
EW_ROADS: tuple[tuple[str, str], ...] = (
    ("宁边西路", "宁边东路"),
    ("建国西路", "建国东路"),
    ("世纪大道", "世纪大道"),
    ("昌吉东路", "昌吉东路"),
    ("乌伊路", "乌伊路"),
    ("南公园路", "南公园路"),
    ("中山路", "中山路"),
    ("团结西路", "团结东路"),
    ("健康西路", "健康东路"),
)
RIVER_NAME = "三屯河"
RAILWAY_NAME = "兰新铁路"

COUNTIES: tuple[str, str] = ("昌吉市", "昌吉高新区")
#: Streets (街道) of the old city, most central first; the high-tech zone's streets follow.
CITY_STREETS: tuple[str, ...] = (
    "宁边路街道", "延安北路街道", "北京南路街道", "绿洲路街道", "中山路街道", "建国路街道",
)
ZONE_STREETS: tuple[str, ...] = ("榆树沟街道", "三工街道", "六工街道", "大西渠街道")

#: Place words for 社区 committees, 小区 and facility names.
PLACES: tuple[str, ...] = (
    "宁边", "延安", "北京", "绿洲", "中山", "建国", "长宁", "屯河", "亚中", "天山", "西域", "丰收",
    "阳光", "幸福", "和平", "团结", "光明", "文化", "振兴", "新华", "东方", "南湖", "北园", "金山",
    "锦华", "康城", "翠苑", "明珠", "盛世", "嘉和", "润园", "瑞景", "百合", "玉泉", "雪莲", "博格达",
    "榆树", "杏花", "紫荆", "景园", "华庭", "兴业", "福星", "安居", "康宁", "园林", "青松", "胜利",
)
#: Work units (单位) whose staff housing became the small old communities (家属院).
UNITS: tuple[str, ...] = (
    "供电局", "粮食局", "农机厂", "纺织厂", "自来水公司", "财政局", "第一中学", "棉纺厂", "建筑公司",
    "运输公司", "州医院", "税务局", "邮电局", "公安局", "农业局", "水利局", "交通局", "商业局",
    "供销社", "食品公司", "糖厂", "化肥厂", "机械厂", "电厂", "第二中学", "师范学校", "人民医院",
    "中医院", "农业银行", "工商银行", "建设银行", "烟草公司", "石油公司", "粮油公司", "气象局",
    "畜牧局", "林业局", "文化局", "广播电视局", "检察院", "法院", "武装部", "地质队", "公路段",
    "汽车站", "百货公司", "五金公司", "酒厂", "面粉厂", "印刷厂", "水泥厂", "物资局", "卫生局",
    "教育局", "第一建筑公司", "第二建筑公司", "州党校", "州委", "市政府", "电信局",
)

# --- pipelines -------------------------------------------------------------------------------

WATER_OPERATOR = "昌吉市供排水公司"
GAS_OPERATORS: tuple[str, str] = ("昌吉市天然气公司", "新捷燃气昌吉高新区分公司")  # per county
HEATING_OPERATOR = "昌吉市热力公司"
POWER_OPERATOR = "国网昌吉供电公司"
TELECOM_OPERATORS: tuple[str, ...] = (
    "中国电信昌吉分公司", "中国移动昌吉分公司", "中国联通昌吉分公司", "昌吉广电网络",
)

#: The one material vocabulary of the pipelines layer (documented in data/README.md).
MATERIALS: dict[str, str] = {
    "grey_cast_iron": "灰口铸铁",
    "ductile_iron": "球墨铸铁",
    "steel": "钢",
    "pe": "PE",
    "concrete": "混凝土",
    "pvc_u": "PVC-U",
    "hdpe": "HDPE",
    "xlpe_cable": "交联聚乙烯电缆",
    "paper_cable": "油浸纸绝缘电缆",
    "overhead_line": "架空线",
    "fibre": "光缆",
    "copper": "铜缆",
}

# --- helpers ---------------------------------------------------------------------------------

_DIGITS = "零一二三四五六七八九"


def chinese_number(k: int) -> str:
    """Chinese numeral for 1 <= k <= 999 as used in names (二, 十一, 二十, 一百零五).

    Example
    -------
    >>> chinese_number(12), chinese_number(20), chinese_number(105)
    ('十二', '二十', '一百零五')
    """
    if not 1 <= k <= 999:  # builtin: k is a street or building number this package draws, never input
        raise ValueError(f"expected 1 <= k <= 999, got {k}")
    hundreds, rest = divmod(k, 100)
    tens, ones = divmod(rest, 10)
    text = ""
    if hundreds:
        text += _DIGITS[hundreds] + "百"
        if rest and tens == 0:
            text += "零"
    if tens:
        text += ("" if tens == 1 and not hundreds else _DIGITS[tens]) + "十"
    if ones:
        text += _DIGITS[ones]
    return text


def ordinal_variant(name: str, round_: int, *, suffixes: tuple[str, ...]) -> str:
    """``name`` for its ``round_``-th reuse: round 0 unchanged, round 1 -> 二, inserted before a suffix.

    Example
    -------
    >>> ordinal_variant("长宁路", 1, suffixes=("路",))
    '长宁二路'
    >>> ordinal_variant("宁边路街道", 2, suffixes=("街道",))
    '宁边路三街道'
    """
    if round_ == 0:
        return name
    for suffix in suffixes:
        if name.endswith(suffix):
            return name[: -len(suffix)] + chinese_number(round_ + 1) + suffix
    return name + chinese_number(round_ + 1)


def cycle_names(base: tuple[str, ...], count: int, *, suffix: str) -> np.ndarray:
    """``count`` distinct names: ``base`` first, then every base name with 二, 三... before ``suffix``.

    Example
    -------
    >>> cycle_names(("宁边路街道", "中山路街道"), 3, suffix="街道").tolist()
    ['宁边路街道', '中山路街道', '宁边路二街道']
    """
    out = [ordinal_variant(base[k % len(base)], k // len(base), suffixes=(suffix,))
           for k in range(count)]
    return np.array(out, dtype=object)


def road_names(pairs: tuple[tuple[str, str], ...], count: int) -> np.ndarray:
    """Names of ``count`` arterials as an array of shape (count, 2): (first half, second half).

    The first ``len(pairs)`` roads take the pairs as they are; later ones reuse the names that end
    in 路 with an ordinal (北京南二路, 长宁二路); 大道 names are used once.
    """
    reusable = tuple(p for p in pairs if p[0].endswith("路") and p[1].endswith("路"))
    out = list(pairs[:count])
    k = 0
    while len(out) < count:
        round_, idx = divmod(k, len(reusable))
        a, b = reusable[idx]
        out.append((ordinal_variant(a, round_ + 1, suffixes=("路",)),
                    ordinal_variant(b, round_ + 1, suffixes=("路",))))
        k += 1
    return np.array(out, dtype=object).reshape(count, 2)


def pick(rng: np.random.Generator, words: tuple[str, ...], size: int) -> np.ndarray:
    """``size`` words drawn uniformly from ``words`` as an object array."""
    return np.asarray(words, dtype=object)[rng.integers(0, len(words), size)]


def concat(*parts: np.ndarray | str) -> np.ndarray:
    """Element-wise concatenation of string arrays and scalars (object arrays, vectorised by numpy).

    Example
    -------
    >>> concat(np.array(["供电局"], dtype=object), "家属院").tolist()
    ['供电局家属院']
    """
    out: np.ndarray | str = ""
    for part in parts:
        out = np.add(out, part if isinstance(part, str) else part.astype(object))
    return np.asarray(out, dtype=object)
