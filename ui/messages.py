"""Errors and messages in the page's language.

geo/ raises errors that carry a code and parameters (a conflict's kind and who saved when, an edit's
or an input file's ``code`` and ``params``); this module words them from the catalogue
(:mod:`ui.i18n`, ``error_<code>``). An error without a code is worded by its class, with the file
named and geo's English detail; one whose code the catalogue lacks shows that detail only on an
English page.
"""

from __future__ import annotations

import re

import streamlit as st

from geo.errors import CRSError, GeoError, InputFileError, SchemaError, ValidationError
from geo.schema import LAYERS
from ui.i18n import TEXT, format_time, text
from ui.state import PageState

_SHOW = {"success": "success", "info": "info", "warning": "warning", "error": "error"}


def show_messages(s: PageState, panel: str, lang: str) -> None:
    """Show (once) the messages queued for ``panel``."""
    for message in s.take_messages(panel):
        words = text(message.key, lang).format(**{k: _param(v, lang) for k, v in message.params.items()})
        getattr(st, _SHOW.get(message.kind, "info"))(words)


def _param(value, lang: str):
    """A message parameter as the page shows it: times in local time."""
    if isinstance(value, str) and len(value) >= 19 and value[4] == "-" and value[10] == "T":
        return format_time(value, lang)
    return value


_PATH = re.compile(r"(?:[A-Za-z]:)?(?:[/\\\\][^/\\\\\s:'\"()]+)+[/\\\\]([^/\\\\\s:'\"()]+)")


def without_paths(words: str) -> str:
    """``words`` with every server path cut to its file name (a visitor never sees server paths).

    >>> without_paths("/tmp/oldcommunity_uploads/ab12/小区.zip: layer 'x' not found")
    "小区.zip: layer 'x' not found"
    """
    return _PATH.sub(lambda m: m.group(1), words)


def conflict_words(exc, lang: str) -> str:
    """A save conflict (:class:`geo.workspace.ConflictError`) worded by its kind."""
    kind = getattr(exc, "kind", "revision")
    params = {
        "name": getattr(exc, "name", ""),
        "author": getattr(exc, "disk_author", "") or text("someone", lang),
        "time": format_time(getattr(exc, "disk_modified", None), lang),
        "disk_revision": getattr(exc, "disk_revision", "") or "",
        "revision": getattr(exc, "expected_revision", "") or "",
        "dataset": getattr(exc, "disk_dataset_name", "") or text("other_data", lang),
    }
    key = f"conflict_{kind}"
    return text(key if key in TEXT else "conflict_revision", lang).format(**params)


def _joined(values, lang: str) -> str:
    """A list param as the page writes a list: the first ten, joined with 、 or commas."""
    items = [str(v) for v in values]
    if not items:
        return text("nothing_listed", lang)
    shown = ("、" if lang == "zh" else ", ").join(items[:10])
    return shown + ("…" if len(items) > 10 else "")


def error_params(exc: BaseException, lang: str, *, file: str | None = None) -> dict:
    """The params of a coded error as its words name them, in ``lang``.

    ``file`` (the name the planner knows the file by) fills ``{file}`` when the error names none;
    ``{where}`` is the file with its layer; a layer (``kind``), its columns and a row issue's code
    (``reason``) are worded by their labels; lists are joined.

    >>> from geo.errors import SchemaError
    >>> exc = SchemaError("...", code="columns_missing", params={"file": "a.gpkg", "layer": "gx",
    ...                   "kind": "pipelines", "missing": ["kind"], "columns": ["编号", "管径"]})
    >>> p = error_params(exc, "zh")
    >>> p["where"], p["kind"], p["missing"], p["columns"]
    ('a.gpkg（图层“gx”）', '管线', '管线类型', '编号、管径')
    """
    params = dict(getattr(exc, "params", None) or {})
    if not params.get("file"):
        params["file"] = file or text("the_file", lang)
    spec = LAYERS.get(params["kind"]) if isinstance(params.get("kind"), str) else None
    if spec is not None:
        labels = {c.name: c.label(lang) for c in spec.columns}
        for key in ("column", "missing", "layer_columns"):
            value = params.get(key)
            if isinstance(value, str):
                params[key] = labels.get(value, value)
            elif isinstance(value, (list, tuple)):
                params[key] = [labels.get(v, v) for v in value]
        params["kind"] = spec.label(lang)
    if isinstance(params.get("kinds"), (list, tuple)):
        params["kinds"] = [LAYERS[k].label(lang) if k in LAYERS else k for k in params["kinds"]]
    reason = params.get("reason")
    if isinstance(reason, str) and reason:
        params["reason"] = (text(f"issue_{reason}", lang) if f"issue_{reason}" in TEXT
                            else text("issue_other", lang).format(code=reason))
    params = {k: _joined(v, lang) if isinstance(v, (list, tuple)) else v for k, v in params.items()}
    if "where" not in params:
        layer = params.get("layer")
        params["where"] = (text("where_layer", lang).format(file=params["file"], layer=layer) if layer
                           else params["file"])
    return params


def error_words(exc: BaseException, lang: str, *, file: str | None = None) -> str:
    """Words for an error a planner's input or action caused, in ``lang``, without server paths.

    A coded error is worded from the catalogue (``error_<code>``, see :func:`error_params`); an
    error without a code by its class, with its English detail.

    >>> from geo.errors import CRSError
    >>> exc = CRSError("/srv/up/x.shp: the file states no coordinate system", code="crs_missing",
    ...                params={"file": "x.shp"})
    >>> error_words(exc, "zh").startswith("x.shp 未注明坐标系")
    True
    """
    code = getattr(exc, "code", None)
    if getattr(exc, "kind", None) and hasattr(exc, "disk_revision"):
        return conflict_words(exc, lang)
    if code and f"error_{code}" in TEXT:
        words = text(f"error_{code}", lang)
        try:
            return without_paths(words.format(**error_params(exc, lang, file=file)))
        except (KeyError, IndexError, ValueError):  # params short of the words: the words as they are
            return without_paths(words)
    for cls, key in ((CRSError, "error_crs"), (SchemaError, "error_schema"), (ValidationError, "error_validation"),
                     (InputFileError, "error_file"), (GeoError, "error_input")):
        if isinstance(exc, cls):
            words = text(key, lang).format(file=file or text("the_file", lang))
            if code and lang != "en":  # a code the catalogue has no words for: no English on this page
                return words
            # an error without a code: geo/ words its detail (row, column, fix) in English only
            return f"{words} {text('detail', lang)}: {without_paths(str(exc))}"
    return text("error_input", lang).format(file=file or text("the_file", lang))
