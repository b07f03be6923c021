"""One small hierarchy of errors for everything a planner's input can get wrong.

Every error is also a builtin (``ValueError``, ``OSError``...) so callers that do not know this
module still catch it. Messages follow one shape: what was expected, what was got, and how to fix
it, naming the file, layer, row and column where they are known.

Every error raised on a planner's input also carries a ``code`` and ``params``: the page words it
from its catalogue (``ui.i18n``, key ``error_<code>``) in the planner's language, while ``str(exc)``
stays the English message for the command line, notebooks and the server log.

Example
-------
>>> error = CRSError("x.shp: the file states no coordinate system", code="crs_missing",
...                  params={"file": "x.shp"})
>>> str(error), error.code, error.params, isinstance(error, ValueError)
('x.shp: the file states no coordinate system', 'crs_missing', {'file': 'x.shp'}, True)
>>> GeoError("no code").code is None, dict(GeoError("no code").params)
(True, {})
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any


class GeoError(Exception):
    """Base class of every error this package raises on purpose.

    Parameters
    ----------
    *args
        The English message (one string), as for any exception.
    code
        What went wrong, for a page to word it (``error_<code>`` in ``ui.i18n``); None when
        the error has no words of its own.
    params
        The facts the words name: file name (never a server path), layer, row, column, what was
        expected and got. JSON-able values (str, int, float, lists of those).

    Subclasses may state ``code`` as a class attribute or a property, and ``params`` as a
    property (:mod:`geo.store.workspace` does): this class sets them only when they are given.
    """

    #: The class's code when an instance states none.
    code: str | None = None
    #: No facts (read-only: give ``params=`` to set them).
    params: Mapping[str, Any] = MappingProxyType({})

    def __init__(self, *args: object, code: str | None = None,
                 params: Mapping[str, Any] | None = None) -> None:
        super().__init__(*args)
        if code is not None:
            self.code = code
        if params is not None:
            self.params = dict(params)


class InputFileError(GeoError, OSError):
    """A file cannot be read: missing, empty, truncated, of an unknown format or encoding."""


class LayerNotFoundError(InputFileError, KeyError):
    """The layer asked for is not in the file."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class CRSError(GeoError, ValueError):
    """A coordinate reference system is missing, wrong or unsupported for the data."""


class SchemaError(GeoError, ValueError):
    """Columns are missing or cannot be mapped to the canonical layer model."""


class ValidationError(GeoError, ValueError):
    """No usable row is left after validation (every row was rejected)."""


class RuleError(GeoError, ValueError):
    """A rule value is outside what the policy allows, or two rule values contradict each other.

    Raised where a value is set (``ZoneRules``, ``PipelineRules``, plan settings), never replaced
    silently by a default: ``params`` name the rule, the value given and the allowed range.
    """

