"""A zone's ``members`` on disk: one encoding, one parser.

A zone lists its member communities by id. In memory that is a list (or tuple, or array) of
strings; a file format with a list type (GeoJSON) keeps it as a list. A format without one
(GeoPackage, CSV, the workspace's tables) stores it as a JSON array of strings,
``["a","b"]``: ids may hold commas, ``、`` or Chinese text and come back the same.

Files written by earlier versions hold comma-separated ids (``a,b``); hand-made tables may
separate them with ``、`` or ``;``. :func:`parse_members` reads all of these, so a zone read
back from any of them keeps its communities.

Example
-------
>>> encode_members(["a", "小区,1"])
'["a","小区,1"]'
>>> parse_members('["a","小区,1"]'), parse_members("a,b"), parse_members(None)
(['a', '小区,1'], ['a', 'b'], [])
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable
from typing import Any

import numpy as np

from geo.errors import SchemaError

__all__ = ["encode_members", "parse_members"]

#: Separators of the legacy text form: comma (earlier GeoPackages), full-width comma, ``、``, ``;``.
_LEGACY_SEPARATORS = re.compile(r"[,，、;；]")


def encode_members(ids: Iterable[Any]) -> str:
    """The on-disk text of a zone's members: a JSON array of id strings.

    Parameters
    ----------
    ids
        The member community ids (any iterable; each id is written as ``str(id)``). A single
        string is one id, not a sequence of characters.

    Returns
    -------
    str
        Compact JSON, non-ASCII kept readable (``ensure_ascii=False``).

    Example
    -------
    >>> encode_members(("b", "a")), encode_members([]), encode_members("Z-1")
    ('["b","a"]', '[]', '["Z-1"]')
    """
    values = [ids] if isinstance(ids, str) else list(ids)
    return json.dumps([str(m) for m in values], ensure_ascii=False, separators=(",", ":"))


class MembersError(SchemaError, TypeError):
    """A zone's members are stored in a form no reader knows (code ``members_unreadable``,
    params ``kind`` and ``value``); also a ``TypeError``, as the wrong type it is."""


def parse_members(value: Any) -> list[str]:
    """A zone's members as a list of id strings, from any form the project reads or wrote.

    Parameters
    ----------
    value
        A list, tuple or numpy array of ids; the JSON array text of :func:`encode_members`;
        or, from earlier versions and hand-made tables, ids separated by ``,`` (or ``，``,
        ``、``, ``;``). None, NaN, ``pd.NA`` and blank text mean no members.

    Returns
    -------
    list of str
        The ids in their order. Ids of a list or JSON array are kept exactly (missing ones
        dropped); ids of separated text are stripped of blanks, empty ones dropped.

    Raises
    ------
    MembersError
        When ``value`` is none of these (a number, a dict...): code ``members_unreadable``;
        also a ``TypeError``.

    Example
    -------
    >>> import numpy as np
    >>> parse_members(np.array(["a", "b"], dtype=object)), parse_members(("a",))
    (['a', 'b'], ['a'])
    >>> parse_members(' a, b ,, c'), parse_members("甲、乙"), parse_members(""), parse_members(float("nan"))
    (['a', 'b', 'c'], ['甲', '乙'], [], [])
    >>> parse_members('["x, y", "丙"]')
    ['x, y', '丙']
    """
    if value is None or _is_missing(value):
        return []
    if isinstance(value, (list, tuple, np.ndarray)):
        return [str(m) for m in _flat(value) if not _is_missing(m)]
    if isinstance(value, (bytes, bytearray)):
        value = value.decode("utf-8")
    if not isinstance(value, str):
        shown = repr(value) if len(repr(value)) <= 60 else repr(value)[:57] + "..."
        raise MembersError(f"a zone's members should be a list of community ids or their text "
                           f"(JSON array or comma-separated), got {type(value).__name__}: {shown}",
                           code="members_unreadable", params={"kind": type(value).__name__, "value": shown})
    text = value.strip()
    if text.startswith("["):
        try:
            decoded = json.loads(text)
        except json.JSONDecodeError:
            decoded = None
        if isinstance(decoded, list):
            return parse_members(decoded)
    return [s for s in (part.strip() for part in _LEGACY_SEPARATORS.split(text)) if s]


def _flat(values: Any) -> list[Any]:
    return values.tolist() if isinstance(values, np.ndarray) else list(values)


def _is_missing(value: Any) -> bool:
    """None, NaN or ``pd.NA`` (without importing pandas for it)."""
    if value is None or type(value).__name__ == "NAType":
        return True
    return isinstance(value, (float, np.floating)) and math.isnan(value)
