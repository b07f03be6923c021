"""Errors and messages in the page's language.

geo/ raises errors that carry a code and parameters (a conflict's kind and who saved when, an edit's
``code`` and ``params``); this module words them from the catalogue (:mod:`ui.i18n`). An error
without a known code is worded by its class, with the file named; its English detail is shown only
on an English page.
"""

from __future__ import annotations

import re

import streamlit as st

from geo.errors import CRSError, GeoError, InputFileError, SchemaError, ValidationError
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


def error_words(exc: BaseException, lang: str, *, file: str | None = None) -> str:
    """Words for an error a planner's input or action caused."""
    code = getattr(exc, "code", None)
    params = dict(getattr(exc, "params", None) or {})
    if getattr(exc, "kind", None) and hasattr(exc, "disk_revision"):
        return conflict_words(exc, lang)
    if code and f"error_{code}" in TEXT:
        params = {k: (", ".join(map(str, v[:10])) if isinstance(v, (list, tuple)) else v) for k, v in params.items()}
        try:
            return text(f"error_{code}", lang).format(**params)
        except (KeyError, IndexError):
            return text(f"error_{code}", lang)
    for cls, key in ((CRSError, "error_crs"), (SchemaError, "error_schema"), (ValidationError, "error_validation"),
                     (InputFileError, "error_file"), (GeoError, "error_input")):
        if isinstance(exc, cls):
            words = text(key, lang).format(file=file or text("the_file", lang))
            # the detail names the row, the column and the fix; geo/ words it in English for now
            return f"{words} {text('detail', lang)}: {without_paths(str(exc))}"
    return text("error_input", lang).format(file=file or text("the_file", lang))
