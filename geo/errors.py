"""One small hierarchy of errors for everything a planner's input can get wrong.

Every error is also a builtin (``ValueError``, ``OSError``...) so callers that do not know this
module still catch it. Messages follow one shape: what was expected, what was got, and how to fix
it, naming the file, layer, row and column where they are known.
"""

from __future__ import annotations


class GeoError(Exception):
    """Base class of every error this package raises on purpose."""


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
