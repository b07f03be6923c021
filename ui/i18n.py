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
    "basemap_gcj02": ("底图为 GCJ-02（高德/腾讯）", "Tiles are GCJ-02 (Amap/Tencent)"),
    "basemap_gcj02_help": ("仅为显示将数据平移到 GCJ-02 底图上；分析和导出仍用真实坐标。",
                           "The data are shifted onto the tiles for display only; analysis and exports keep true positions."),
    "tab_map": ("地图", "Map"),
    "draw_roads": ("绘制道路", "Draw roads"),
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
    # data in
    "source": ("数据来源", "Data source"),
    "source_demo": ("示例城市", "Demo city"),
    "source_upload": ("上传我的图层", "Upload my layers"),
    "tab_data": ("数据导入", "Data in"),
    "upload_intro": (
        "依次上传小区、管线、设施、障碍（主干路/河流/铁路）、街道边界和道路（步行网络）图层。支持 GeoJSON、GeoPackage、"
        "压缩的 Shapefile（含 GBK 编码）、带 WKT 或经纬度列的 CSV/XLSX。先核对字段对应和检查报告，再开始分析。",
        "Upload communities, pipelines, facilities, barriers (arterial roads, rivers, railways), "
        "street boundaries and roads (the walking network): GeoJSON, GeoPackage, zipped Shapefile (GBK too), CSV/XLSX with WKT or "
        "lon/lat columns. Check the column mapping and the report before analysing.",
    ),
    "upload_communities_first": ("请先上传小区图层。", "Upload the communities layer first."),
    "file_layer": ("文件中的图层", "Layer in the file"),
    "datum": ("坐标基准", "Datum"),
    "datum_auto": ("按文件", "as in the file"),
    "datum_cgcs2000": ("CGCS2000", "CGCS2000"),
    "datum_wgs84": ("WGS84", "WGS84"),
    "datum_gcj02": ("GCJ-02（高德/腾讯）", "GCJ-02 (Amap/Tencent)"),
    "datum_bd09": ("BD-09（百度）", "BD-09 (Baidu)"),
    "crs_override": ("坐标系（文件未注明时）", "CRS (when the file has none)"),
    "encoding": ("文字编码（可选）", "Text encoding (optional)"),
    "mapping_help": (
        "检测到的字段对应如下；如有不对，在“文件字段”一列中改选。",
        "The column mapping found; correct it in the 'file column' column where it is wrong.",
    ),
    "file_column": ("文件字段", "File column"),
    "use_upload": ("使用这些图层", "Use these layers"),
    # zones
    "rules": ("片区规则", "Zone rules"),
    "rules_help": (
        "合并对象：2000年底前建成、未完成改造、户数不超过上限的小区。片区户数、小区数和跨度须在限值内，"
        "成员之间须相邻（间距不超过合并距离）且不被主干路、河流、铁路隔开。",
        "Merge candidates: built by the end of 2000, not yet renovated, at most the small-community "
        "households. A zone's households, members and span stay within the limits; members are "
        "neighbours (within the merge distance) not cut by an arterial road, river or railway.",
    ),
    "gap_m": ("合并距离 (m)", "Merge distance (m)"),
    "gap_help": ("两小区边界相距不超过此距离视为相邻（一道墙或一条巷道）", "Footprints this close count as neighbours (a wall or a lane)"),
    "small_max": ("小规模小区户数上限", "Small community: at most (households)"),
    "cutoff_year": ("建成年份截止", "Built up to (year)"),
    "min_hh": ("片区最少户数", "Zone: at least (households)"),
    "max_hh": ("片区最多户数", "Zone: at most (households)"),
    "max_members": ("片区最多小区数", "Zone: at most (communities)"),
    "max_span": ("片区最大跨度 (m)", "Zone: largest span (m)"),
    "any_street": ("允许跨街道", "Allow zones across streets"),
    "allow_anchor": ("允许较大小区带动", "Let a larger neighbour anchor a zone"),
    "propose": ("生成整合片区", "Propose zones"),
    "proposing": ("正在生成片区…", "Proposing zones…"),
    "rerun": ("保留锁定片区，重新生成其余", "Re-run around locked zones"),
    "colour_by": ("小区着色", "Colour communities by"),
    "scheme_build_year": ("建成年代", "build year"),
    "scheme_eligibility": ("改造对象", "eligibility"),
    "scheme_property_mgmt": ("物业管理", "property management"),
    "scheme_households": ("户数", "households"),
    "show_zones": ("显示片区", "Show zones"),
    "draw_pipelines": ("绘制管线", "Draw pipelines"),
    "draw_facilities": ("绘制设施", "Draw facilities"),
    "show_pairs": ("显示相邻关系", "Show neighbour pairs"),
    "zones": ("片区", "Zones"),
    "placed": ("已编入片区的合并对象", "Candidates placed"),
    "left_out": ("未编入", "Left out"),
    "hh_in_zones": ("片区覆盖户数", "Households in zones"),
    "broken_zones": ("违反规则的片区", "Zones breaking a rule"),
    "left_out_by_reason": ("未编入原因", "Left out, by reason"),
    "zones_table": ("片区一览（点选一行可在地图上定位）", "Zones (select a row to zoom the map to it)"),
    "no_zones": ("尚未生成片区：在左侧设置规则后点击“生成整合片区”。",
                 "No zones yet: set the rules in the sidebar and press 'Propose zones'."),
    "click_hint": ("点击地图上的小区查看详情并编辑；用左侧绘图工具框选多个小区。",
                   "Click a community on the map for its details and edits; draw a shape (tools on the left of the map) to select several."),
    "selected": ("已选小区", "Selected"),
    "clear_selection": ("清除选择", "Clear selection"),
    "details": ("小区详情", "Community details"),
    "in_zone": ("所在片区", "Zone"),
    "not_in_zone": ("未编入片区", "in no zone"),
    "reason": ("原因", "Reason"),
    "relaxation": ("放宽条件", "Would be placed if"),
    "neighbours": ("相邻小区", "Neighbours"),
    "move_to": ("移入片区", "Move to zone"),
    "move": ("移入", "Move"),
    "take_out": ("移出片区", "Take out of its zone"),
    "new_zone": ("以所选小区新建片区", "New zone from the selection"),
    "merge_zones": ("合并所选小区所在片区", "Merge the selection's zones"),
    "split": ("将所选小区拆为新片区", "Split the selection off into a new zone"),
    "split_auto": ("自动拆分此片区", "Split this zone automatically"),
    "dissolve": ("解散片区", "Dissolve zone"),
    "lock": ("锁定片区", "Lock zone"),
    "unlock": ("解锁片区", "Unlock zone"),
    "note": ("保留理由 / 备注", "Note (e.g. why a rule-breaking zone is kept)"),
    "save_note": ("保存备注", "Save note"),
    "undo": ("撤销", "Undo"),
    "redo": ("重做", "Redo"),
    "zone_rules_broken": ("该片区违反的规则", "Rules this zone breaks"),
    "zone_ok": ("该片区符合全部规则", "This zone meets every rule"),
    "edit_error": ("无法执行", "Cannot do that"),
    "zone_detail": ("片区", "Zone"),
    "kept_with_note": ("已注明保留理由", "kept with a note"),
    "locked_word": ("已锁定", "locked"),
    "field": ("字段", "Field"),
    # pipelines
    "tab_pipelines": ("管线", "Pipelines"),
    "tab_plan": ("改造计划", "Plans"),
    "plan_year": ("计划年度", "Plan year"),
    "preset": ("优先级规则", "Priority preset"),
    "preset_policy": ("昌吉：建成年代早、改造意愿强、参与率高", "Changji: older, strong willingness, high participation"),
    "preset_yunnan": ("云南：另加设施缺失严重、资金缺口小", "Yunnan: also lack of facilities, small funding gap"),
    "preset_help": ("同等条件下优先：昌吉实施意见三(二)；云南报告三(一)另加配套设施缺失、资金缺口。权重可在下方调整。",
                    "Under equal conditions first: Changji opinions 三(二); Yunnan 三(一) adds lack of facilities "
                    "and funding gap. Weights can be changed below."),
    "target_year": ("路线图目标年度", "Roadmap target year"),
    "target_help": ("到该年度改造完所有符合条件的小区；0 表示不编路线图", "Every eligible community renovated by this year; 0: no roadmap"),
    "notice_start": ("方案公示开始日期", "Public notice starts"),
    "budget_wan": ("年度投资上限（万元）", "Budget of the year (10,000 yuan)"),
    "max_households": ("年度改造户数上限", "Households limit of the year"),
    "max_communities": ("年度小区数上限", "Communities limit of the year"),
    "budget_per_year_wan": ("路线图每年投资上限（万元）", "Roadmap budget per year (10,000 yuan)"),
    "zero_no_limit": ("0 表示不设限", "0: no limit"),
    "weights": ("优先级权重", "Priority weights"),
    "weights_help": ("各因素得分 0–1，总分 = 100 × Σ 权重×因素得分 / Σ 权重；每个小区的得分均可分解到各因素。",
                     "Each factor scores 0–1; score = 100 × Σ weight × factor / Σ weights; every score breaks down by factor."),
    "weights_zero": ("权重不能全为 0。", "The weights cannot all be 0."),
    "unit_costs": ("单价表", "Unit costs"),
    "unit_costs_help": ("默认单价为示意值，请替换为本地造价标准：上传 CSV（列：item, unit, unit_cost_yuan）。",
                        "The default unit costs are indicative: upload your local table as CSV (columns item, unit, unit_cost_yuan)."),
    "unit_costs_file": ("单价表 CSV", "Unit-cost CSV"),
    "eligible": ("符合改造条件小区", "Eligible communities"),
    "reserve_projects": ("储备库项目", "Reserve projects"),
    "plan_projects": ("年度计划项目", "Projects in the plan"),
    "plan_communities": ("计划小区数", "Communities planned"),
    "plan_households": ("计划改造户数", "Households planned"),
    "plan_cost_wan": ("投资估算（万元）", "Cost (10,000 yuan)"),
    "funding_source": ("资金来源", "Funding source"),
    "amount_wan": ("金额（万元）", "Amount (10,000 yuan)"),
    "plan_map_by": ("地图显示", "Map shows"),
    "gap_kind": ("设施类型", "Facility kind"),
    "gap_all": ("全部类型（未覆盖数）", "all kinds (how many not within reach)"),
    "method_network": ("沿道路网络测距", "measured along the roads"),
    "method_straight_line": ("直线距离", "straight line"),
    "project": ("项目", "Project"),
    "item_unit": ("小区/片区", "Community or zone"),
    "item": ("改造内容", "Item"),
    "quantity": ("数量", "Quantity"),
    "add_item": ("增加", "Add"),
    "remove_item": ("删除", "Remove"),
    "item_edits": ("已手工调整 {n} 项改造内容", "{n} item edits by the planner"),
    "clear_item_edits": ("撤销全部手工调整", "Clear the item edits"),
    "save_item_edits": ("保存手工调整（JSON）", "Save the item edits (JSON)"),
    "load_item_edits": ("载入已保存的手工调整（JSON，也可用于 python -m geo plan --item-edits）",
                        "Load saved item edits (JSON; also for python -m geo plan --item-edits)"),
    "dl_plan_csv": ("年度计划 CSV", "Annual plan CSV"),
    "dl_plan_xlsx": ("年度计划 Excel", "Annual plan XLSX"),
    "dl_sheets": ("一区一方案（HTML）", "Plan sheets (HTML)"),
    "dl_reserve": ("储备库 CSV", "Reserve CSV"),
    "dl_roadmap": ("路线图 CSV", "Roadmap CSV"),
    "plan_without_zones": ("尚未划定整合片区：每个符合条件的小区单独成项。可在“地图”页生成片区。",
                           "No zones yet: every eligible community is a project of its own. Propose zones on the Map tab."),
    "planning": ("正在编制计划…", "Planning…"),
    "plan_tab_plan": ("年度计划", "Annual plan"),
    "plan_tab_reserve": ("储备库与得分", "Reserve and scores"),
    "plan_tab_gaps": ("配套设施缺口", "Service gaps"),
    "plan_tab_roadmap": ("路线图", "Roadmap"),
    "plan_tab_items": ("改造内容", "Items"),
    "plan_tab_export": ("导出", "Export"),
    "skipped": ("未纳入本年度计划的项目（{n}）", "Projects not in this year's plan ({n})"),
    "explain": ("查看小区得分构成", "Explain a community's score"),
    "duplicates": ("{n} 个小区与以往年度项目重叠，请核查是否重复申报", "{n} communities overlap earlier projects: check for duplicate applications"),
    "reserve": ("储备库（按优先级排序）", "Project reserve (by priority)"),
    "no_roadmap": ("设置目标年度以编制多年路线图。", "Set a target year for a multi-year roadmap."),
    "no_pipelines": ("没有管线图层。", "There is no pipelines layer."),
    "analysing_pipelines": ("正在分析管线…", "Analysing the pipelines…"),
    "aged_km": ("老化管线 (km)", "Aged (km)"),
    "aged_help": ("达到该类管线使用年限，或为灰口铸铁、镀锌钢管、石棉水泥等高风险材质",
                  "At least the kind's service life old, or of a risky material (grey cast iron, galvanised steel, asbestos cement…)"),
    "operators": ("权属单位", "Operators"),
    "findings": ("管网数据问题", "Network data findings"),
    "findings_help": ("由管线端点按容差连接成网后发现：不连通的片段、悬挂端点、差一点没接上的端点、被吸附连接的端点。",
                      "Found by joining segment ends within a tolerance: disconnected fragments, dangling ends, near misses, snapped ends."),
    "by_operator": ("各权属单位的改造清单", "Work lists by operator"),
    "download_work_lists": ("下载各单位改造清单（CSV + GeoJSON，zip）", "Download the operators' work lists (CSV + GeoJSON, zip)"),
    "by_zone": ("各片区管线（按类型）与改造需求", "Pipelines per zone and kind, with the renovation need"),
    "lead_telecom": ("各片区牵头通信运营商（可改选）", "Lead telecom operator per zone (you may choose another)"),
    "lead_operator": ("牵头单位", "Lead operator"),
    "phasing": ("片区施工顺序：先地下、后地面、再空中", "Works per zone: underground, then ground, then aerial"),
    "zone_works_impact": ("该片区管线施工的停供影响", "Who loses supply during this zone's works"),
    "impact": ("施工停供影响", "Impact of works"),
    "impact_help": ("在地图上点击待改造管线，或输入管线编号（逗号分隔）：列出施工期间仅由这些管线供给、会停供的小区。",
                    "Click a pipeline to renovate on the map, or type pipeline ids (comma separated): the communities supplied only through them lose supply during the works."),
    "pipeline_ids": ("管线编号", "Pipeline ids"),
    "no_impact": ("{what}：施工期间没有小区停供（管网有其他供给路径）。", "{what}: no community loses supply (the network has other paths)."),
    "impact_found": ("{what}：施工期间 {n} 个小区将停供。", "{what}: {n} communities lose supply during the works."),
    "select_affected": ("在地图上选中这些小区", "Select them on the map"),
    "show_pipes": ("显示待改造管线和管网问题", "Show pipelines to renovate and network findings"),
    "pipeline_selected": ("选中的管线", "Selected pipeline"),
    "reason_unknown": ("原因未计算（方案打开后未重新生成）", "reason not computed (opened from a proposal; re-run for reasons)"),
    # proposals
    "tab_proposals": ("方案", "Proposals"),
    "tab_export": ("导出", "Export"),
    "workspace": ("方案工作区", "Proposals workspace"),
    "workspace_path": ("工作区文件（GeoPackage）", "Workspace file (GeoPackage)"),
    "workspace_intro": ("方案保存在 {path}；保存是原子操作，多个浏览器标签同时保存也不会损坏文件。",
                        "Proposals are kept in {path}; saves are atomic, so two browser tabs cannot corrupt it."),
    "save_proposal": ("保存当前片区方案", "Save the current zoning"),
    "editing": ("正在编辑", "editing"),
    "proposal_name": ("方案名称", "Name"),
    "author": ("编制人", "Author"),
    "proposal_notes": ("说明", "Notes"),
    "save_as_new": ("另存为新方案", "Save as a new proposal"),
    "save": ("保存", "Save"),
    "saved": ("已保存“{name}”（第 {revision} 版）", "Saved '{name}' (revision {revision})"),
    "opened": ("已打开“{name}”", "Opened '{name}'"),
    "renamed": ("已重命名为“{name}”", "Renamed to '{name}'"),
    "deleted": ("已删除", "Deleted"),
    "conflict": ("保存冲突", "Save conflict"),
    "overwrite": ("覆盖", "Overwrite"),
    "save_as": ("另存为", "Save as"),
    "reload": ("放弃修改并重新打开", "Discard mine and reload"),
    "new_name": ("新名称", "New name"),
    "no_proposals": ("工作区中还没有方案。", "No proposals in the workspace yet."),
    "proposal": ("方案", "Proposal"),
    "open": ("打开", "Open"),
    "rename": ("重命名", "Rename"),
    "delete": ("删除", "Delete"),
    "confirm_delete": ("确认删除", "Confirm delete"),
    "compare": ("方案比较", "Compare two proposals"),
    "show_comparison": ("显示比较", "Show the comparison"),
    "identical": ("两个方案相同", "The two proposals are the same"),
    "differences": ("差异", "Differences"),
    # export
    "export_intro": (
        "按连片改造项目导出：每个片区一个 GeoJSON（片区边界、成员小区、片区内管线）、GeoPackage 和 Excel 可直接打开的 CSV；多个项目打包为 zip。",
        "One contiguous-area project per zone: a GeoJSON (outline, member communities, pipelines inside), "
        "a GeoPackage and Excel-ready CSV tables; several projects come as a zip.",
    ),
    "export_scope": ("导出范围", "Export"),
    "scope_all": ("全部片区", "all zones"),
    "scope_some": ("选定片区", "chosen zones"),
    "formats": ("格式", "Formats"),
    "prepare_export": ("生成导出文件", "Prepare the files"),
    "download": ("下载", "Download"),
    "value": ("值", "Value"),
}


def text(key: str, lang: str) -> str:
    """The page text ``key`` in ``lang`` (``zh`` or ``en``)."""
    zh, en = TEXT[key]
    return zh if lang == "zh" else en


def default_lang(locale: str | None) -> str:
    """The page language for a browser locale: English for ``en*``, Chinese otherwise."""
    return "en" if locale and locale.lower().startswith("en") else "zh"


#: Column headers of the page's tables, Chinese and English (canonical layer columns come from
#: geo.schema's labels; these are the figures the analyses add).
COLUMN_LABELS: dict[str, tuple[str, str]] = {
    "zone_id": ("片区编号", "zone"), "rules_broken": ("违反规则数", "rules broken"),
    "members": ("成员小区", "members"), "anchor_id": ("带动小区", "anchor"),
    "households": ("户数", "households"), "n_members": ("小区数", "communities"),
    "area_m2": ("占地面积 (m²)", "area (m²)"), "build_year_min": ("最早建成", "built from"),
    "build_year_max": ("最晚建成", "built to"), "street": ("街道", "street"), "span_m": ("跨度 (m)", "span (m)"),
    "compactness": ("紧凑度", "compactness"), "hull_slack_m2": ("凸包空隙 (m²)", "hull slack (m²)"),
    "locked": ("锁定", "locked"), "note": ("备注", "note"),
    "operator": ("权属单位", "operator"), "segments": ("管段数", "segments"), "length_m": ("长度 (m)", "length (m)"),
    "listed_segments": ("列入清单管段", "listed segments"), "listed_m": ("列入清单长度 (m)", "listed (m)"),
    "replace_m": ("更新改造 (m)", "to replace (m)"), "overhead_m": ("架空线 (m)", "overhead (m)"),
    "in_zones_m": ("片区内 (m)", "in zones (m)"), "in_communities_m": ("小区内及周边 (m)", "at communities (m)"),
    "outside_m": ("小区以外 (m)", "elsewhere (m)"), "kind": ("类型", "kind"),
    "length_inside_m": ("片区内长度 (m)", "inside (m)"), "length_service_m": ("服务范围内长度 (m)", "within service distance (m)"),
    "aged_m": ("老化 (m)", "aged (m)"), "old_m": ("超过使用年限 (m)", "past service life (m)"),
    "risky_m": ("高风险材质 (m)", "risky material (m)"), "unknown_year_m": ("年代不详 (m)", "year unknown (m)"),
    "aged_share": ("老化比例", "aged share"), "need": ("改造需求", "need"), "need_zh": ("改造需求", "need"),
    "reason_zh": ("原因", "reason"), "reason_en": ("原因", "reason"),
    "name": ("名称", "name"), "author": ("编制人", "author"), "created": ("创建时间", "created"),
    "modified": ("修改时间", "modified"), "revision": ("版本", "revision"), "zones": ("片区数", "zones"),
    "communities_in_zones": ("入片小区数", "communities in zones"), "households_in_zones": ("入片户数", "households in zones"),
    "mean_compactness": ("平均紧凑度", "mean compactness"), "notes": ("说明", "notes"),
    "finding_id": ("编号", "id"), "finding": ("问题", "finding"), "severity": ("严重程度", "severity"),
    "pipeline_ids": ("涉及管线", "pipelines"), "n_segments": ("管段数", "segments"), "distance_m": ("距离 (m)", "distance (m)"),
    "words_zh": ("说明", "what it is"), "words_en": ("说明", "what it is"),
    "step": ("顺序", "step"), "phase_zh": ("阶段", "phase"), "phase_en": ("阶段", "phase"), "phase": ("阶段代码", "phase code"),
    "item_zh": ("工作内容", "work"), "item_en": ("工作内容", "work"),
    "community_id": ("小区编号", "community"), "gap_m": ("间距 (m)", "gap (m)"),
    "shared_boundary_m": ("共边长度 (m)", "shared boundary (m)"), "cut": ("不可合并原因", "cut by"),
    "lead_operator": ("牵头单位", "lead operator"), "chosen_by": ("确定方式", "chosen by"), "lead_share": ("通信管线占比", "telecom share"),
    "cut_by": ("断供管段", "cut by"),
}


def labelled(frame, lang: str):
    """``frame`` with its known columns renamed to their ``lang`` labels (for display only).

    Example
    -------
    >>> import pandas as pd
    >>> list(labelled(pd.DataFrame({"zone_id": [], "other": []}), "zh").columns)
    ['片区编号', 'other']
    """
    names = {c: (COLUMN_LABELS[c][0] if lang == "zh" else COLUMN_LABELS[c][1])
             for c in frame.columns if c in COLUMN_LABELS}
    return frame.rename(columns=names)
