"""Errors and messages in the page's language.

geo/ raises errors that carry a code and parameters (a conflict's kind and who saved when, an edit's
or an input file's ``code`` and ``params``); this module words them from the catalogue
(:mod:`ui.i18n`, ``error_<code>``). An error without a code is worded by its class, with the file
named and geo's English detail; one whose code the catalogue lacks shows that detail only on an
English page.
"""

from __future__ import annotations

import re
import string

import streamlit as st

from geo import LAYERS, CRSError, GeoError, InputFileError, SchemaError, ValidationError
from layers.escape import escape_markdown
from ui.i18n import TEXT, format_time, text
from ui.state import PageState

_SHOW = {"success": "success", "info": "info", "warning": "warning", "error": "error"}


def show(kind: str, words: str, *, sidebar: bool = False) -> None:
    """Show ``words`` as a success, info, warning or error box, as literal text: a name or note in
    them (``**x**``, ``![](http://...)``) is never read as Markdown. Every box of the page goes here."""
    where = st.sidebar if sidebar else st
    getattr(where, _SHOW.get(kind, "info"))(escape_markdown(words))


def show_messages(s: PageState, panel: str, lang: str) -> None:
    """Show (once) the messages queued for ``panel``."""
    for message in s.take_messages(panel):
        show(message.kind, text(message.key, lang).format(**{k: _param(v, lang) for k, v in message.params.items()}))


def _param(value, lang: str):
    """A message parameter as the page shows it: times in local time."""
    if isinstance(value, str) and len(value) >= 19 and value[4] == "-" and value[10] == "T":
        return format_time(value, lang)
    return value


#: One segment of a path: no separator, space, quote, bracket or punctuation that ends a path in words.
_SEGMENT = r"[^/\\\s'\"`()<>|*?,;:，。；：、“”‘’（）【】《》]+"
#: The root of an absolute path: a drive (``C:\``), home (``~/``, ``~user/``), a Windows share
#: (``\\server``) or one slash (not ``//`` as in a URL).
_ROOT = r"(?:[A-Za-z]:[/\\]|~[\w.-]*[/\\]|\\\\(?![/\\])|[/\\](?![/\\]))"
#: A bare absolute path of two segments or more, not inside a word (``主干路/河流`` is no path).
_BARE_PATH = re.compile(
    rf"(?<![\w.~/\\-])(?P<root>{_ROOT})(?P<dirs>(?:{_SEGMENT}[/\\]+)+)(?P<name>{_SEGMENT})")
#: The same in quotes, where a folder may hold spaces (``'/tmp/my data/x.shp'``).
_QUOTED_PATH = re.compile(
    rf"""(?P<q>['"])(?P<root>{_ROOT})(?P<dirs>(?:[^'"\n/\\]+[/\\]+)+)(?P<name>[^'"\n/\\]+)(?P=q)""")
#: Chinese words and full-width punctuation only: a phrase like ``/主干路/河流``, not a folder.
_CJK_ONLY = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef\u2018-\u201f]+")


def _file_name(match: re.Match) -> str:
    """A path found in words cut to its last segment, unless it is Chinese words between slashes."""
    segments = re.split(r"[/\\]+", match["dirs"])[:-1] + [match["name"]]
    if match["root"] in "/\\" and all(_CJK_ONLY.fullmatch(seg.strip()) for seg in segments):
        return match[0]
    return match["q"] + match["name"] + match["q"] if "q" in match.re.groupindex else match["name"]


def without_paths(words: str) -> str:
    r"""``words`` with every server path cut to its file name (a visitor never sees server paths).

    A path is absolute (``/``, a drive such as ``C:\``, or ``~``) and has two segments or more;
    words with slashes (``主干路/河流/铁路``, a column ``a/b/c``, ``lon/lat``, a URL) are left alone.

    >>> without_paths("/tmp/oldcommunity_uploads/ab12/小区.zip: layer 'x' not found")
    "小区.zip: layer 'x' not found"
    >>> without_paths("道路类型：主干路/河流/铁路；字段 a/b/c")
    '道路类型：主干路/河流/铁路；字段 a/b/c'
    """
    return _BARE_PATH.sub(_file_name, _QUOTED_PATH.sub(_file_name, words))


#: Where a space next to a placeholder is dropped in Chinese words: next to full-width
#: punctuation, or between two Chinese characters.
_FULL_WIDTH_PUNCTUATION = re.compile(
    r"[\u3000-\u303f\uff00-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65\u2018-\u201f\u2026]")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def _space_goes(before: str, after: str) -> bool:
    if _FULL_WIDTH_PUNCTUATION.match(before) or _FULL_WIDTH_PUNCTUATION.match(after):
        return True
    return bool(_HAN.match(before) and _HAN.match(after))


def fill(words: str, params: dict, lang: str) -> str:
    """``words`` of the catalogue with their ``{placeholders}`` filled from ``params``.

    The Chinese words set a placeholder off by a space (``{where} 未注明坐标系``), as Chinese text
    sets off a Latin file name (``x.shp 未注明坐标系``). Where the value put there ends or starts
    with full-width punctuation or a Chinese character, the space between it and the words goes:
    Chinese text has no space after ``）`` or between two characters. The values themselves are
    not touched. Raises what :meth:`str.format` raises for a missing param.

    >>> fill("{where} 未注明坐标系", {"where": "city.gpkg（图层“老旧小区”）"}, "zh")
    'city.gpkg（图层“老旧小区”）未注明坐标系'
    >>> fill("{file} 无法使用。", {"file": "x.shp"}, "zh"), fill("{file} 无法使用。", {"file": "该文件"}, "zh")
    ('x.shp 无法使用。', '该文件无法使用。')
    """
    if lang != "zh":
        return words.format(**params)
    formatter = string.Formatter()
    out: list[str] = []
    for literal, field, spec, conversion in formatter.parse(words):
        if out and out[-1] and literal[:1] == " " and literal[1:2] and _space_goes(out[-1][-1], literal[1]):
            literal = literal[1:]  # a value, then " words"
        if field is None:
            out.append(literal)
            continue
        value, _ = formatter.get_field(field, (), params)
        value = formatter.format_field(formatter.convert_field(value, conversion), spec or "")
        if literal[-1:] == " " and literal[-2:-1].strip() and value and _space_goes(literal[-2], value[0]):
            literal = literal[:-1]  # "words ", then value
        out.append(literal)
        out.append(value)
    return "".join(out)


def conflict_words(exc, lang: str) -> str:
    """A save conflict (:class:`geo.store.workspace.ConflictError`) worded by its kind."""
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


def _kind_label(kind: object, lang: str) -> object:
    """A layer kind as the page names it: a loaded layer's label, or the catalogue's ``layer_kind_<kind>``.

    >>> _kind_label("zones", "zh"), _kind_label("communities", "en")
    ('片区', 'Communities')
    """
    if isinstance(kind, str) and kind in LAYERS:
        return LAYERS[kind].label(lang)
    return text(f"layer_kind_{kind}", lang) if f"layer_kind_{kind}" in TEXT else kind


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
        params["kinds"] = [_kind_label(k, lang) for k in params["kinds"]]
    for key, prefix in (("role", "role_"), ("action", "right_"), ("analysis", "analysis_")):  # codes to words
        value = params.get(key)
        if isinstance(value, str) and f"{prefix}{value}" in TEXT:
            params[key] = text(f"{prefix}{value}", lang)
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
            return without_paths(fill(words, error_params(exc, lang, file=file), lang))
        except (KeyError, IndexError, ValueError):  # params short of the words: the words as they are
            return without_paths(words)
    for cls, key in ((CRSError, "error_crs"), (SchemaError, "error_schema"), (ValidationError, "error_validation"),
                     (InputFileError, "error_file"), (GeoError, "error_input")):
        if isinstance(exc, cls):
            words = fill(text(key, lang), {"file": file or text("the_file", lang)}, lang)
            if code and lang != "en":  # a code the catalogue has no words for: no English on this page
                return words
            # an error without a code: geo/ words its detail (row, column, fix) in English only
            return f"{words}{'' if lang == 'zh' else ' '}{text('detail', lang)}: {without_paths(str(exc))}"
    return fill(text("error_input", lang), {"file": file or text("the_file", lang)}, lang)
