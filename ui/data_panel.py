"""The data: the headline figures, uploads (pick the layer, state the datum, check the column mapping,
see the validation report, then use them), the validation report and the layer tables.

Nothing is analysed before the planner has seen how each file was read. The loading itself is
:func:`geo.io.load.load_raw`; this module only collects the choices. Uploaded files are kept in the page
state until replaced or removed, so closing the tab or switching the language loses none.
"""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

from geo import (
    CUTOFF_YEAR, LAYERS, Dataset, GeoError, build_year_scope, dataset_fingerprint, layer_spec,
    list_layers, load_raw, match_columns, read_layer,
)
from ui.i18n import TEXT, crs_words, text
from ui.messages import error_words, show, show_messages
from ui.state import Data, bind, bind_choice, state
from ui.tables import for_display

#: File types the uploader accepts (zipped shapefiles as .zip).
UPLOAD_TYPES = ["geojson", "json", "gpkg", "zip", "csv", "xlsx", "kml", "kmz", "gpx", "parquet", "geoparquet",
                "txt", "tsv"]
DATUMS = ("auto", "cgcs2000", "wgs84", "gcj02", "bd09")
_UPLOAD_DIR = Path(tempfile.gettempdir()) / "oldcommunity_uploads"


def headline(dataset: Dataset, lang: str) -> None:
    """The figures a planner looks for first."""
    communities = dataset.layers["communities"]
    cols = st.columns(5)
    cols[0].metric(text("communities", lang), f"{len(communities):,}")
    in_scope = build_year_scope(communities, cutoff_year=CUTOFF_YEAR) == "in_scope"
    cols[1].metric(text("built_by_cutoff", lang).format(year=CUTOFF_YEAR), f"{int(in_scope.sum()):,}")
    households = pd.to_numeric(communities.get("households"), errors="coerce")
    cols[2].metric(text("households", lang), f"{int(households.sum()):,}")
    if "pipelines" in dataset.layers:
        cols[3].metric(text("pipelines_km", lang), f"{dataset.layers['pipelines'].length.sum() / 1000:,.1f}")
    if "facilities" in dataset.layers:
        cols[4].metric(text("facilities", lang), f"{len(dataset.layers['facilities']):,}")


# --- the validation report -------------------------------------------------------------------


def report_summary(report, lang: str) -> str:
    """One line: read, kept, repaired, rejected, warnings (in ``lang``)."""
    rejected = {i.position for i in report.rejected}
    repaired = {i.position for i in report.repaired} - rejected
    return text("report_summary", lang).format(read=report.rows_read, kept=report.rows_kept, repaired=len(repaired),
                                               rejected=report.rows_read - report.rows_kept,
                                               warnings=len(report.warnings))


def report_table(report, lang: str) -> pd.DataFrame:
    """The issues of a layer's report, one line each, worded in ``lang``."""
    table = report.to_frame()
    if table.empty:
        return table
    where = [text("report_layer_wide", lang) if p is None or pd.isna(p) else
             text("report_row", lang).format(n=int(p) + report.row_base) for p in table["position"]]
    words = [text(f"issue_{code}", lang) if f"issue_{code}" in _ISSUE_CODES else
             (message if lang == "en" else text("issue_other", lang).format(code=code))
             for code, message in zip(table["code"], table["message"])]
    out = pd.DataFrame({
        text("report_where", lang): where,
        text("report_id", lang): table["row_id"],
        text("report_column", lang): table["column"],
        text("report_action", lang): [text(f"action_{a}", lang) for a in table["action"]],
        text("report_what", lang): words,
    })
    # the file's own names and values, as read: the row's vertex, value and fix (English words: in
    # English the generic words above plus these; in Chinese the names and values still help)
    out[text("report_detail", lang)] = [m if m != w else "" for m, w in zip(table["message"], words)]
    return out


#: The report issues the catalogue words (any other is worded as "other" with its code).
_ISSUE_CODES = {key for key in TEXT if key.startswith("issue_")}


def show_report(name: str, report, lang: str, *, expanded: bool | None = None) -> None:
    """One layer's report in an expander: CRS used, analysis CRS, the issues."""
    label = layer_spec(name).label(lang) if name in LAYERS else name
    with st.expander(f"{label}: {report_summary(report, lang)}",
                     expanded=bool(report.rejected) if expanded is None else expanded):
        st.write(f"{text('crs_used', lang)}: {report.crs_in}  \n{text('analysis_crs', lang)}: {report.crs_out}")
        table = report_table(report, lang)
        if table.empty:
            show("success", text("no_issues", lang))
        else:
            st.dataframe(for_display(table, lang), hide_index=True, width="stretch")


def check_panel(dataset: Dataset, lang: str) -> None:
    """The validation report of every layer."""
    st.caption(text("check_intro", lang))
    for name, report in dataset.reports.items():
        show_report(name, report, lang)


def tables_panel(dataset: Dataset, lang: str) -> None:
    """The attribute tables, one tab per layer."""
    names = list(dataset.layers)
    tabs = st.tabs([layer_spec(n).label(lang) if n in LAYERS else n for n in names])
    for tab, name in zip(tabs, names):
        with tab:
            frame = dataset.layers[name]
            if name in LAYERS:  # the model's columns by their labels (a file's own extra columns keep their names)
                frame = frame.rename(columns={c.name: c.label(lang) for c in layer_spec(name).columns
                                              if c.name != frame.geometry.name})
            st.dataframe(for_display(frame, lang), hide_index=True, width="stretch")


# --- uploads ---------------------------------------------------------------------------------


def save_upload(name: str, data: bytes) -> Path:
    """Store uploaded bytes under a name made of their hash (same upload, same file)."""
    digest = hashlib.sha256(data).hexdigest()[:16]
    folder = _UPLOAD_DIR / digest
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / Path(name).name
    if not path.exists():
        path.write_bytes(data)
    return path


def kept_uploads(files: object) -> dict[str, tuple[str, str]]:
    """The stored uploads of a draft (layer -> (file name, stored copy)) that are still there and
    inside the upload folder; anything else is dropped."""
    out: dict[str, tuple[str, str]] = {}
    if not isinstance(files, dict):
        return out
    root = _UPLOAD_DIR.resolve()
    for layer, entry in files.items():
        if layer not in LAYERS or not isinstance(entry, (list, tuple)) or len(entry) != 2:
            continue
        name, stored = map(str, entry)
        path = Path(stored).resolve()
        if path.is_file() and root in path.parents:
            out[layer] = (name, str(path))
    return out


def mapping_table(headers: list[str], layer: str, lang: str) -> pd.DataFrame:
    """One row per canonical column: its label and the file column detected for it ('' if none)."""
    found = match_columns(headers, layer).mapping
    spec = layer_spec(layer)
    return pd.DataFrame({
        "column": [c.name for c in spec.columns],
        "label": [c.label(lang) for c in spec.columns],
        "required": [c.required for c in spec.columns],
        "file_column": [found.get(c.name, "") for c in spec.columns],
    })


def _layer_file(layer: str, lang: str) -> tuple[str, Path] | None:
    """The file of one layer: a new upload, else the one kept in the page state."""
    s = state()
    upload = st.file_uploader(f"{layer_spec(layer).label(lang)} ({layer})", type=UPLOAD_TYPES,
                              key=f"upload_{layer}")
    if upload is not None:
        path = save_upload(upload.name, upload.getvalue())
        s.upload_files[layer] = (upload.name, str(path))
        return upload.name, path
    kept = s.upload_files.get(layer)
    if kept is None or not Path(kept[1]).exists():
        return None
    cols = st.columns([4, 1])
    cols[0].caption(text("upload_kept", lang).format(name=kept[0]))
    if cols[1].button(text("upload_remove", lang), key=f"upload_remove_{layer}"):
        s.upload_files.pop(layer, None)
        st.rerun()
    return kept[0], Path(kept[1])


def _layer_form(layer: str, lang: str, target_crs) -> tuple[object, object, str] | None:
    """The upload form of one layer; returns (loaded layer, its report, file name) once read."""
    picked = _layer_file(layer, lang)
    if picked is None:
        return None
    file_name, path = picked
    try:
        listing = list_layers(path)
    except GeoError as exc:
        show("error", error_words(exc, lang, file=file_name))
        return None
    names = [item.name for item in listing]
    file_layer = None
    if len(names) > 1:
        default = layer if layer in names else names[0]
        file_layer = st.selectbox(text("file_layer", lang), names, **bind_choice(f"fl_{layer}", default, names))
    cols = st.columns(3)
    datum = cols[0].selectbox(text("datum", lang), DATUMS, **bind_choice(f"datum_{layer}", "auto", DATUMS, lang),
                              format_func=lambda d: text(f"datum_{d}", lang))
    crs = cols[1].text_input(text("crs_override", lang), **bind(f"crs_{layer}", ""), placeholder="EPSG:4490")
    encoding = cols[2].text_input(text("encoding", lang), **bind(f"enc_{layer}", ""), placeholder="gbk")
    try:
        raw = read_layer(path, layer=file_layer, kind=layer, encoding=encoding.strip() or None)
    except GeoError as exc:
        show("error", error_words(exc, lang, file=file_name))
        return None
    headers = [c for c in raw.frame.columns if c != raw.frame.geometry.name]
    st.caption(text("mapping_help", lang))
    table = mapping_table(headers, layer, lang)
    edited = st.data_editor(
        table.rename(columns={"label": text("column_label", lang), "required": text("column_required", lang)}),
        key=f"map_{layer}_{lang}", hide_index=True, width="stretch",
        disabled=["column", text("column_label", lang), text("column_required", lang)],
        column_config={"column": None, "file_column": st.column_config.SelectboxColumn(
            text("file_column", lang), options=[""] + headers)},
    )
    mapping = {column: file_column for column, file_column in zip(table["column"], edited["file_column"])
               if file_column}
    try:
        loaded = load_raw(raw, layer, mapping=mapping, crs=crs.strip() or None,
                          datum=None if datum == "auto" else datum, target_crs=target_crs)
    except GeoError as exc:
        show("error", error_words(exc, lang, file=file_name))
        return None
    show_report(layer, loaded.report, lang, expanded=bool(loaded.report.issues))
    return loaded.gdf, loaded.report, file_name


def upload_panel(lang: str) -> tuple[Dataset, str] | None:
    """Upload forms for the six layers; (Dataset, communities file name) once the communities are read.

    Every layer but the communities is optional (without roads, service distances are straight
    lines, and the results say so)."""
    st.caption(text("upload_intro", lang))
    layers, reports = {}, {}
    target = None
    name = ""
    for layer in LAYERS:
        with st.expander(layer_spec(layer).label(lang), expanded=layer == "communities"):
            result = _layer_form(layer, lang, target)
        if result is not None:
            gdf, report, file_name = result
            layers[layer], reports[layer] = gdf, report
            target = target or gdf.crs
            name = name or file_name
        elif layer == "communities":
            show("info", text("upload_communities_first", lang))
            return None
    return Dataset({n: layers[n] for n in LAYERS if n in layers}, reports), name


def _use_upload() -> None:
    """Button callback: make the checked uploads the page's data (before the page reruns)."""
    s = state()
    pending = s.pending_upload
    if pending is None:
        return
    dataset, name = pending
    report = dataset.reports.get("communities")
    data = Data(dataset, dataset_fingerprint(dataset), name, crs_words(dataset.crs, s.lang),
                getattr(report, "datum", "") or "")
    s.upload = data
    s.source = "upload"
    from ui.state import forget

    forget("source")
    counts = ", ".join(f"{layer_spec(n).label(s.lang)} {len(g):,}" for n, g in dataset.layers.items())
    datum = text(f"datum_{data.datum}", s.lang) if data.datum in DATUMS else (data.datum or text("datum_auto", s.lang))
    s.say("success", "upload_used", "tab_data", name=name, layers=counts, crs=data.crs, datum=datum)


def data_in_panel(lang: str) -> None:
    """Uploads, column mapping and validation; the layers are used once the planner says so."""
    s = state()
    show_messages(s, "tab_data", lang)
    s.pending_upload = upload_panel(lang)
    st.button(text("use_upload", lang), type="primary", key="use_upload", disabled=s.pending_upload is None,
              on_click=_use_upload)
