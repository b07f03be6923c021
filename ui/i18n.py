"""Words of the app's page in Chinese and English (map legends and tooltips live in layers/styles.py).

Example
-------
>>> text("title", "en")
'Old-community renovation planner'
>>> default_lang("zh-CN"), default_lang("en-US"), default_lang(None)
('zh', 'en', 'zh')
"""

from __future__ import annotations

LANGS = ("zh", "en")

TEXT: dict[str, tuple[str, str]] = {
    "title": ("老旧小区改造规划", "Old-community renovation planner"),
    "subtitle": (
        "相邻相近小区整合物业管理区域、连片改造、先地下后地上",
        "Merge adjacent small communities into management zones, renovate contiguous areas, "
        "pipelines first",
    ),
    "language": ("语言 / Language", "Language / 语言"),
    "data": ("数据", "Data"),
    "demo_caption": (
        "示例城市：以新疆昌吉市为原型的合成数据（CGCS2000）",
        "Demo city: synthetic data modelled on Changji, Xinjiang (CGCS2000)",
    ),
    "basemap": ("底图", "Basemap"),
    "basemap_help": (
        "XYZ 瓦片地址，如天地图（需 tk 密钥）或单位内网瓦片服务；留空则不加载底图（离线可用）",
        "XYZ tile address, e.g. Tianditu (needs a tk key) or an in-house tile server; "
        "leave empty for no basemap (works offline)",
    ),
    "basemap_url": ("瓦片地址", "Tile URL"),
    "basemap_attr": ("版权说明", "Attribution"),
    "basemap_subdomains": ("子域名（可选）", "Subdomains (optional)"),
    "tab_map": ("地图", "Map"),
    "tab_check": ("数据检查", "Data check"),
    "tab_tables": ("图层数据", "Layer tables"),
    "communities": ("小区", "Communities"),
    "pre2000": ("2000年前建成", "Built up to 2000"),
    "households": ("户数", "Households"),
    "pipelines_km": ("管线长度 (km)", "Pipelines (km)"),
    "facilities": ("配套设施", "Facilities"),
    "check_intro": (
        "每个图层读入时的情况：保留、修复、剔除的行及原因。没有任何数据被悄悄丢弃。",
        "How each layer was read: rows kept, repaired and rejected, with reasons. Nothing is "
        "dropped without a line here.",
    ),
    "no_issues": ("没有问题", "No issues"),
    "crs_used": ("坐标系", "CRS"),
    "analysis_crs": ("分析坐标系", "Analysis CRS"),
    "load_error": ("数据无法读入", "The data could not be loaded"),
    "map_error": ("地图无法显示", "The map could not be drawn"),
    "cdn_warning": (
        "地图引用了外部地址，内网环境下可能无法显示：",
        "The map refers to outside addresses that an intranet cannot reach:",
    ),
}


def text(key: str, lang: str) -> str:
    """The page text ``key`` in ``lang`` (``zh`` or ``en``)."""
    zh, en = TEXT[key]
    return zh if lang == "zh" else en


def default_lang(locale: str | None) -> str:
    """The page language for a browser locale: English for ``en*``, Chinese otherwise."""
    return "en" if locale and locale.lower().startswith("en") else "zh"
