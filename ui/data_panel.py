"""Bring a planner's own layers in: upload, pick the layer, state the datum, check the column
mapping, see the validation report, then use them.

Nothing is analysed before the planner has seen how each file was read. The loading itself is
:func:`geo.load.load_raw`; this module only collects the choices.
"""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

from geo.errors import GeoError
from geo.load import Dataset, load_raw
from geo.readers import list_layers, read_layer
from geo.schema import LAYERS, layer_spec, match_columns
from ui.i18n import text

#: File types the uploader accepts (zipped shapefiles as .zip).
UPLOAD_TYPES = ["geojson", "json", "gpkg", "zip", "csv", "xlsx"]
DATUMS = ("auto", "cgcs2000", "wgs84", "gcj02", "bd09")
_UPLOAD_DIR = Path(tempfile.gettempdir()) / "oldcommunity_uploads"


def save_upload(name: str, data: bytes) -> Path:
    """Store uploaded bytes under a name made of their hash (same upload, same file)."""
    digest = hashlib.sha256(data).hexdigest()[:16]
    folder = _UPLOAD_DIR / digest
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / Path(name).name
    if not path.exists():
        path.write_bytes(data)
    return path


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


def _layer_form(layer: str, lang: str, target_crs) -> tuple[object, object] | None:
    """The upload form of one layer; returns (loaded layer, its report) once read."""
    upload = st.file_uploader(f"{layer_spec(layer).label(lang)} ({layer})", type=UPLOAD_TYPES,
                              key=f"upload_{layer}")
    if upload is None:
        return None
    path = save_upload(upload.name, upload.getvalue())
    try:
        listing = list_layers(path)
    except GeoError as exc:
        st.error(str(exc))
        return None
    names = [item.name for item in listing]
    file_layer = None
    if len(names) > 1:
        default = names.index(layer) if layer in names else 0
        file_layer = st.selectbox(text("file_layer", lang), names, index=default, key=f"fl_{layer}")
    cols = st.columns(3)
    datum = cols[0].selectbox(text("datum", lang), DATUMS, key=f"datum_{layer}",
                              format_func=lambda d: text(f"datum_{d}", lang))
    crs = cols[1].text_input(text("crs_override", lang), key=f"crs_{layer}", placeholder="EPSG:4490")
    encoding = cols[2].text_input(text("encoding", lang), key=f"enc_{layer}", placeholder="gbk")
    try:
        raw = read_layer(path, layer=file_layer, kind=layer, encoding=encoding.strip() or None)
    except GeoError as exc:
        st.error(str(exc))
        return None
    headers = [c for c in raw.frame.columns if c != raw.frame.geometry.name]
    st.caption(text("mapping_help", lang))
    table = mapping_table(headers, layer, lang)
    edited = st.data_editor(
        table, key=f"map_{layer}", hide_index=True, width="stretch", disabled=["column", "label", "required"],
        column_config={"file_column": st.column_config.SelectboxColumn(
            text("file_column", lang), options=[""] + headers)},
    )
    mapping = {row.column: row.file_column for row in edited.itertuples() if row.file_column}
    try:
        loaded = load_raw(raw, layer, mapping=mapping, crs=crs.strip() or None,
                          datum=None if datum == "auto" else datum, target_crs=target_crs)
    except GeoError as exc:
        st.error(str(exc))
        return None
    report = loaded.report
    (st.warning if report.rejected else st.success)(f"{layer}: {report.summary()}")
    issues = report.to_frame().drop(columns=["position"])
    if not issues.empty:
        st.dataframe(issues, hide_index=True, width="stretch")
    return loaded.gdf, report


def upload_panel(lang: str) -> Dataset | None:
    """Upload forms for the six layers; a Dataset once the communities are read, else None.

    Every layer but the communities is optional (without roads, service distances are straight
    lines, and the results say so)."""
    st.caption(text("upload_intro", lang))
    layers, reports = {}, {}
    target = None
    for layer in LAYERS:
        with st.expander(layer_spec(layer).label(lang), expanded=layer == "communities"):
            result = _layer_form(layer, lang, target)
        if result is not None:
            gdf, report = result
            layers[layer], reports[layer] = gdf, report
            target = target or gdf.crs
        elif layer == "communities":
            st.info(text("upload_communities_first", lang))
            return None
    if "communities" not in layers:
        return None
    return Dataset({name: layers[name] for name in LAYERS if name in layers}, reports)
