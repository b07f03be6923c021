"""Tables as the page shows them: columns in the page's language, one column per label, and no
"None" or "nan" in a cell.

Example
-------
>>> import pandas as pd
>>> frame = pd.DataFrame({"zone_id": ["Z1", None], "need": ["full", "none"], "need_zh": ["全部", "无"],
...                       "need_en": ["full", "none"], "span_m": [1.5, float("nan")]})
>>> out = for_display(frame, "zh")
>>> list(out.columns), out.iloc[1].tolist()
(['片区编号', '改造需求', '跨度 (m)'], ['', '无', ''])
"""

from __future__ import annotations

import math

import pandas as pd

from ui.i18n import labelled


def localised(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Keep the words of ``lang``: ``X_zh``/``X_en`` become ``X`` (the code column ``X`` and the
    other language's words are dropped)."""
    other = "_en" if lang == "zh" else "_zh"
    mine = "_zh" if lang == "zh" else "_en"
    out = frame.drop(columns=[c for c in frame.columns if str(c).endswith(other)])
    words = [c for c in out.columns if str(c).endswith(mine)]
    for column in words:
        base = str(column)[: -len(mine)]
        if base in out.columns:
            out = out.drop(columns=[base])
        out = out.rename(columns={column: base})
    return out


def blank_missing(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every missing value shown as an empty cell (columns with gaps become text)."""
    out = pd.DataFrame(frame).copy()
    for column in out.columns:
        values = out[column]
        missing = values.isna()
        if not missing.any():
            continue
        shown = values.astype(object).map(_cell)
        out[column] = shown.where(~missing, "")
    return out


def _cell(value) -> str:
    if isinstance(value, float):
        if not math.isfinite(value):
            return ""
        return f"{value:,.3f}".rstrip("0").rstrip(".") if value != int(value) else f"{int(value):,}"
    if isinstance(value, (list, tuple)):
        return ", ".join(map(str, value))
    return str(value)


def unique_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """Column labels made unique (a second "户数" becomes "户数 (2)")."""
    seen: dict[str, int] = {}
    names = []
    for column in map(str, frame.columns):
        seen[column] = seen.get(column, 0) + 1
        names.append(column if seen[column] == 1 else f"{column} ({seen[column]})")
    out = frame.copy()
    out.columns = names
    return out


def for_display(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """``frame`` ready for ``st.dataframe``: localised, labelled, unique columns, no missing words."""
    if hasattr(frame, "geometry") and getattr(frame, "_geometry_column_name", None) in frame.columns:
        frame = pd.DataFrame(frame.drop(columns=frame.geometry.name))
    return blank_missing(unique_columns(labelled(localised(pd.DataFrame(frame), lang), lang)))
