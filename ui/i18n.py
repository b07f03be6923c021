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
    "take_out": ("移出片区", "Take out"),
    "new_zone": ("新建片区", "New zone"),
    "merge_zones": ("合并片区", "Merge zones"),
    "split": ("拆出新片区", "Split off"),
    "split_auto": ("自动拆分", "Auto split"),
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
    "plan_step_service_gaps": ("计算配套设施服务缺口", "service gaps"),
    "plan_step_pipelines": ("汇总管线改造需求", "pipeline needs"),
    "plan_step_items": ("列出改造内容并估算费用", "renovation items and costs"),
    "plan_step_priority": ("按年代、意愿和需求排序", "priority by age, willingness and needs"),
    "plan_step_plan": ("编排年度计划和项目储备", "the year's plan and the reserve"),
    "pipe_step_condition": ("评估管线状况", "pipeline condition"),
    "pipe_step_communities": ("统计各小区管线", "pipelines per community"),
    "pipe_step_zones": ("统计各片区管线和权属单位", "pipelines and operators per zone"),
    "pipe_step_work": ("生成管线工作清单", "work lists"),
    "pipe_step_networks": ("检查管网连通", "network checks"),
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
    "no_facilities": ("未载入配套设施图层：无法计算服务缺口。请在“数据导入”页上传设施图层。",
                      "No facilities layer: service gaps cannot be measured. Upload one on the Data in tab."),
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
    "reason_unknown": ("其他原因", "other reason"),
    # proposals
    "tab_proposals": ("方案", "Proposals"),
    "tab_export": ("导出", "Export"),
    "workspace": ("方案工作区", "Proposals workspace"),
    "workspace_path": ("工作区文件（GeoPackage）", "Workspace file (GeoPackage)"),
    "workspace_intro": ("方案保存在工作区“{name}”：每次保存都是一个新版本，可随时查看和恢复；多个浏览器标签同时保存也不会损坏或丢失。",
                        "Proposals are kept in the workspace '{name}': every save is a new revision you can list and restore; two browser tabs cannot corrupt or lose one."),
    "save_proposal": ("保存当前片区方案", "Save the current zoning"),
    "editing": ("正在编辑“{name}”（第 {revision} 版）", "editing '{name}' (revision {revision})"),
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
    # --- the workbench keeps a planner's work (state, history, errors) ---
    "unexpected_error": ("出现了意外错误，本区域暂时无法显示；页面其他部分仍可使用。请把参考编号 {ref} 告诉管理员。",
                         "Something unexpected went wrong here; the rest of the page still works. Give the administrator the reference {ref}."),
    "detail": ("详细信息", "Details"),
    "the_file": ("该文件", "the file"),
    "error_input": ("{file} 无法使用。", "{file} cannot be used."),
    "error_file": ("{file} 无法读取：文件缺失、为空、已损坏，或格式、编码不受支持。", "{file} cannot be read: missing, empty, damaged, or of an unsupported format or encoding."),
    "error_schema": ("{file} 的字段无法对应到所需字段：请在字段对应表中选择。", "The columns of {file} do not match what is needed: pick them in the mapping table."),
    "error_crs": ("{file} 的坐标系缺失或不正确：请在“坐标系”中填写（如 EPSG:4490）。", "The CRS of {file} is missing or wrong: state it under CRS (e.g. EPSG:4490)."),
    "error_validation": ("{file} 没有可用的行：请查看检查报告。", "No usable row is left in {file}: see the report."),
    "error_zone_locked": ("片区 {zones} 已锁定：请先解锁再编辑。", "Zone {zones} is locked: unlock it first, then edit it."),
    "error_no_selection": ("尚未选择小区：请在地图上点击小区，或框选多个小区。", "No community selected: click one on the map or draw a shape around some."),
    "error_unknown_zone": ("没有片区 {zone_id}：请在地图上选择片区。", "There is no zone {zone_id}: pick a zone on the map."),
    "error_unknown_communities": ("以下小区不在当前数据中：{ids}。", "These communities are not in the data: {ids}."),
    "error_not_in_zone": ("所选小区不全在片区 {zone_id} 中：{ids}。", "Not all the selected communities are in zone {zone_id}: {ids}."),
    "error_split_empties_zone": ("不能把片区 {zone_id} 的全部小区拆出：请改用“解散片区”。", "Splitting off every community of zone {zone_id} would empty it: dissolve it instead."),
    "error_too_few_zones": ("合并至少需要两个片区（现有：{zone_ids}）。", "Merging needs at least two zones (got {zone_ids})."),
    "error_nothing_to_undo": ("没有可撤销的操作。", "There is nothing to undo."),
    "error_nothing_to_redo": ("没有可重做的操作。", "There is nothing to redo."),
    "error_bad_polygon": ("所画的图形无效，请重新绘制。", "The shape drawn is not valid: draw it again."),
    "error_edit_refused": ("无法执行该编辑。", "That edit cannot be made."),
    "source_derived": ("由数据推算", "from the data"),
    "source_planner": ("规划人员添加", "added by the planner"),
    "points_of": ("{factor}得分", "{factor} points"),
    "score": ("优先级得分", "score"),
    "rank": ("排序", "rank"),
    "missing_factors": ("缺少数据的因素", "factors without data"),
    "error_not_found": ("工作区中找不到该方案（可能已被他人删除）。", "That proposal is not in the workspace (someone may have deleted it)."),
    "error_name_empty": ("方案需要名称。", "A proposal needs a name."),
    "error_other_dataset": ("该方案基于其他数据制作，不能与当前数据的方案比较或覆盖。", "That proposal was made on other data: it cannot be compared with or saved over one of this data."),
    "error_workspace": ("方案工作区无法读写，请联系管理员（参考：工作区文件 {name}）。", "The proposals workspace cannot be read or written; tell the administrator (workspace file {name})."),
    "conflict_revision": ("“{name}”已由 {author} 于 {time} 保存为第 {disk_revision} 版（你打开的是第 {revision} 版）。可以覆盖、另存为新方案，或放弃修改重新打开。",
                          "'{name}' was saved as revision {disk_revision} by {author} at {time} (you opened revision {revision}). Overwrite it, save yours as a new proposal, or discard yours and reload."),
    "conflict_name_taken": ("已有名为“{name}”的方案（{author}，{time}）。请换一个名称另存，或覆盖它。",
                            "A proposal called '{name}' already exists ({author}, {time}). Save under another name, or overwrite it."),
    "conflict_deleted": ("“{name}”在你打开后已被删除。可以重新保存（覆盖）或另存为新方案。",
                         "'{name}' was deleted since you opened it. Save it again (overwrite) or as a new proposal."),
    "conflict_other_dataset": ("“{name}”是基于另一份数据（{dataset}）的方案，不能用当前数据覆盖。请另存为新方案。",
                               "'{name}' was made on other data ({dataset}); it cannot be replaced with this data's zoning. Save as a new proposal."),
    "someone": ("他人", "someone"),
    "other_data": ("其他数据", "other data"),
    "save_failed": ("保存失败，之前保存的版本完好无损：{why}", "The save failed; the earlier saved revisions are intact: {why}"),
    "open_failed": ("无法打开方案：{why}", "The proposal cannot be opened: {why}"),
    "rename_failed": ("无法重命名：{why}", "Cannot rename: {why}"),
    "delete_failed": ("无法删除：{why}", "Cannot delete: {why}"),
    "restore_failed": ("无法恢复：{why}", "Cannot restore: {why}"),
    "name_needed": ("请先填写方案名称再保存。", "Give the proposal a name before saving."),
    "restored": ("已将“{name}”恢复为第 {revision} 版的内容（保存为第 {new} 版）", "Restored '{name}' to revision {revision} (saved as revision {new})"),
    "history": ("版本历史（{n} 个版本）", "History ({n} revisions)"),
    "revision_pick": ("版本", "Revision"),
    "revision_n": ("第 {n} 版", "revision {n}"),
    "open_revision": ("打开此版本", "Open this revision"),
    "restore_revision": ("恢复为此版本", "Restore this revision"),
    "deleted_proposals": ("已删除的方案（{n}，可恢复）", "Deleted proposals ({n}, can be restored)"),
    "undelete": ("恢复该方案", "Restore this proposal"),
    "action_save": ("保存", "save"),
    "action_rename": ("重命名", "rename"),
    "action_delete": ("删除", "delete"),
    "action_restore": ("恢复", "restore"),
    "action_rejected": ("剔除", "rejected"),
    "action_repaired": ("已修复", "repaired"),
    "action_warning": ("警告", "warning"),
    "action_note": ("说明", "note"),
    "yes": ("是", "yes"),
    "unknown": ("未知", "unknown"),
    "cancel": ("取消", "Cancel"),
    "choose": ("请选择", "Choose"),
    "choose_zone": ("选择片区", "Choose a zone"),
    "choose_zones": ("选择片区", "Choose zones"),
    "choose_formats": ("选择格式", "Choose formats"),
    "editing_proposal": ("正在编辑方案“{name}”（第 {revision} 版）", "Editing proposal '{name}' (revision {revision})"),
    "based_on": ("来自其他数据上的方案“{name}”，保存时将另存为新方案", "from '{name}' of other data; saving makes a new proposal"),
    "other_data_open": ("方案“{name}”是在另一份数据（{data}）上制作的；其中 {missing} / {total} 个小区不在当前数据中。",
                        "Proposal '{name}' was made on other data ({data}); {missing} of its {total} communities are not in this data."),
    "open_own_data": ("切换到它的数据并打开", "Switch to its data and open it"),
    "open_keep_existing": ("在当前数据上打开（只保留存在的小区）", "Open it here, keeping the communities that exist"),
    "opened_own_data": ("已切换到“{data}”并打开“{name}”", "Switched to '{data}' and opened '{name}'"),
    "opened_on_other_data": ("已在当前数据上打开“{name}”：保留 {kept} 个小区，{dropped} 个不在当前数据中。保存时将另存为新方案。",
                             "Opened '{name}' on this data: {kept} communities kept, {dropped} not in this data. Saving makes a new proposal."),
    "workspace_caption": ("方案工作区：{name}（由管理员设置）", "Proposals workspace: {name} (set by the administrator)"),
    "proposal_a": ("方案 A", "Proposal A"),
    "proposal_b": ("方案 B", "Proposal B"),
    "figure": ("指标", "Figure"),
    "change_b_a": ("变化（B − A）", "Change (B − A)"),
    "diff_community_moved": ("所属片区改变的小区", "communities moved"),
    "diff_community_only_in_a": ("仅在A中入片的小区", "communities in a zone only in A"),
    "diff_community_only_in_b": ("仅在B中入片的小区", "communities in a zone only in B"),
    "diff_zone_only_in_a": ("仅A有的片区", "zones only in A"),
    "diff_zone_only_in_b": ("仅B有的片区", "zones only in B"),
    "diff_zone_identical": ("两方案相同的片区", "zones in both"),
    "zoomed_to": ("地图已定位到片区", "map zoomed to zone"),
    "new_zone_help": ("以所选小区新建一个片区", "Make a new zone of the selected communities"),
    "merge_zones_help": ("把所选小区所在的各片区合并为一个", "Merge the zones of the selected communities into one"),
    "split_help": ("把所选小区从片区中拆出，成为新片区", "Split the selected communities off into a new zone"),
    "exporting": ("正在生成 {n} 个片区的导出文件…", "Preparing the files of {n} zones…"),
    "export_ready": ("已生成 {n} 个片区的导出文件（{size:.1f} MB）", "Files of {n} zones ready ({size:.1f} MB)"),
    "pipelines_ready": ("管线分析完成", "Pipelines analysed"),
    "plan_ready": ("计划已编制", "Plan ready"),
    "no_projects": ("没有项目。", "There are no projects."),
    "impact_unknown": ("{what}：管线编号不在管线图层中。", "{what}: pipeline ids not in the pipelines layer."),
    "rules_invalid": ("规则设置无效：户数下限 {lo} 不能大于上限 {hi}；暂用默认规则。", "Invalid rules: the minimum of {lo} households exceeds the maximum {hi}; the defaults are used."),
    "upload_caption": ("当前数据：上传的“{name}”，{crs}", "Data: uploaded '{name}', {crs}"),
    "data_caption": ("当前数据：{name}", "Data: {name}"),
    "upload_kept": ("已上传：{name}（可重新选择文件替换）", "Uploaded: {name} (choose another file to replace it)"),
    "upload_remove": ("移除", "Remove"),
    "upload_used": ("已使用上传的图层“{name}”：{layers}。分析坐标系 {crs}；坐标基准 {datum}。",
                    "Using the uploaded layers '{name}': {layers}. Analysis CRS {crs}; datum {datum}."),
    "column_label": ("所需字段", "Needed column"),
    "column_required": ("必填", "Required"),
    "crs_none": ("无（文件未说明坐标系）", "none (the file states no CRS)"),
    "chosen_by": ("确定方式", "Chosen by"),
    "lead_share": ("通信管线占比", "Telecom share"),
    "report_summary": ("读入 {read} 行，保留 {kept} 行（其中修复 {repaired} 行），剔除 {rejected} 行，警告 {warnings} 条",
                       "{read} read, {kept} kept ({repaired} repaired), {rejected} rejected, {warnings} warnings"),
    "report_where": ("位置", "Where"),
    "report_id": ("编号", "Id"),
    "report_column": ("字段", "Column"),
    "report_action": ("处理", "Action"),
    "report_what": ("问题", "What"),
    "report_detail": ("原始说明", "Detail"),
    "report_layer_wide": ("整个图层", "whole layer"),
    "report_row": ("第 {n} 行", "row {n}"),
    "issue_other": ("其他问题（{code}）", "other ({code})"),
    "issue_no_geometry": ("该行没有几何图形", "the row has no geometry"),
    "issue_empty_geometry": ("几何图形为空", "the geometry is empty"),
    "issue_bad_coordinates": ("坐标无效（非数字、无穷大或超出范围）", "bad coordinates (not a number, infinite or out of range)"),
    "issue_polygon_to_point": ("面已转换为其代表点", "polygon turned into its representative point"),
    "issue_collection_extracted": ("已从几何集合中取出所需类型", "the needed geometry type was taken out of a collection"),
    "issue_wrong_geometry_type": ("几何类型不符合该图层", "wrong geometry type for this layer"),
    "issue_invalid_geometry": ("几何图形无效且无法修复", "invalid geometry that cannot be repaired"),
    "issue_invalid_geometry_repaired": ("无效几何图形已修复", "invalid geometry repaired"),
    "issue_degenerate_polygon": ("面积过小或退化的面", "degenerate polygon"),
    "issue_ids_generated": ("没有编号字段，已自动生成编号", "no id column: ids generated"),
    "issue_duplicate_id": ("编号重复", "duplicate id"),
    "issue_out_of_range": ("数值超出合理范围", "value out of range"),
    "issue_missing_required": ("缺少必填值", "a required value is missing"),
    "issue_ambiguous_column": ("多个字段都可能对应，已选其一，请核对", "several columns could match; one was chosen, check it"),
    "issue_swap_xy": ("已按要求交换 x、y", "x and y swapped as asked"),
    "issue_crs": ("坐标系提示", "about the CRS"),
    "issue_datum": ("已从网络地图坐标（GCJ-02/BD-09）转换", "converted from a web-map datum (GCJ-02/BD-09)"),

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
    "unit_id": ("小区/片区", "community or zone"), "category": ("类别", "class"), "label": ("改造内容", "item"),
    "quantity": ("数量", "quantity"), "unit": ("单位", "unit"), "cost_yuan": ("费用（元）", "cost (yuan)"),
    "reason": ("原因", "reason"), "source": ("来源", "source"), "item": ("内容代码", "item code"),
    "unit_cost_yuan": ("单价（元）", "unit cost (yuan)"),
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


def format_time(iso: str | None, lang: str, tz: str | None = None) -> str:
    """An ISO 8601 time (as stored, UTC) in local time, as the page writes it ('' when unknown).

    ``tz`` is an IANA zone name (the browser's, ``st.context.timezone``); the server's local zone
    when None.

    Example
    -------
    >>> format_time("2026-12-07T05:04:03.120+00:00", "zh", "Asia/Shanghai")
    '2026年12月7日 13:04'
    >>> format_time("2026-12-07T05:04:03+00:00", "en", "Asia/Shanghai")
    '7 Dec 2026 13:04'
    >>> format_time(None, "zh")
    ''
    """
    import datetime as _dt
    from zoneinfo import ZoneInfo

    if not iso:
        return ""
    try:
        when = _dt.datetime.fromisoformat(str(iso))
    except ValueError:
        return str(iso)
    if when.tzinfo is None:
        when = when.replace(tzinfo=_dt.UTC)
    try:
        when = when.astimezone(ZoneInfo(tz)) if tz else when.astimezone()
    except (KeyError, ValueError):
        when = when.astimezone()
    if lang == "zh":
        return f"{when.year}年{when.month}月{when.day}日 {when:%H:%M}"
    return f"{when.day} {when:%b %Y %H:%M}"


def crs_words(crs, lang: str) -> str:
    """A CRS as a planner reads it: code, name, datum and unit, in ``lang``.

    Example
    -------
    >>> from pyproj import CRS
    >>> crs_words(CRS.from_epsg(4538), "zh")
    'EPSG:4538 CGCS2000 / 3-degree Gauss-Kruger CM 87E（基准 China 2000，单位 米）'
    """
    if crs is None:
        return text("crs_none", lang)
    code = crs.to_epsg()
    head = f"EPSG:{code} " if code else ""
    unit = crs.axis_info[0].unit_name if crs.axis_info else ""
    unit = {"metre": ("米", "metre"), "degree": ("度", "degree")}.get(unit, (unit, unit))[0 if lang == "zh" else 1]
    datum = crs.datum.name if crs.datum is not None else text("unknown", lang)
    if lang == "zh":
        return f"{head}{crs.name}（基准 {datum}，单位 {unit}）"
    return f"{head}{crs.name} (datum {datum}, {unit})"
