"""How much one loaded layer may hold: a feature limit and a vertex limit, checked before the heavy work.

A city's layers are far below them (the demo city: 1,100 communities, 22,616 pipeline segments,
about 0.4 million vertices in all); a file beyond them is a mistake (a national road network, a
point cloud exported as points) or an attempt to exhaust the server, and is refused with the
file, the count and the limit named, before it is validated, projected or drawn. An
administrator raises a limit with an environment variable (a whole number). The bounds of what a
zip may expand to are with the zip reading (:data:`geo.io.readers.MAX_ZIP_BYTES`).

Example
-------
>>> check_features("city.gpkg", 1_100)
>>> check_features("city.gpkg", 600_000)
Traceback (most recent call last):
...
geo.errors.InputFileError: city.gpkg has 600,000 features, more than the 500,000 a layer may have here: load a part of it (one district), or ask the administrator to raise PLANNER_MAX_FEATURES
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping

from geo.errors import InputFileError

__all__ = ["FEATURES_ENV", "MAX_ANALYSIS_SECONDS", "MAX_FEATURES", "MAX_VERTICES", "SECONDS_ENV", "VERTICES_ENV",
           "AnalysisTimeLimitError", "analysis_seconds", "check_features", "check_vertices", "feature_limit",
           "time_limited", "vertex_limit"]

#: Features (rows) one layer may have, unless :data:`FEATURES_ENV` says otherwise.
MAX_FEATURES = 500_000
#: Vertices (coordinate pairs) all geometries of one layer may have, unless :data:`VERTICES_ENV` says otherwise.
MAX_VERTICES = 20_000_000
FEATURES_ENV = "PLANNER_MAX_FEATURES"
VERTICES_ENV = "PLANNER_MAX_VERTICES"


def _limit(env: str, default: int, environ: Mapping[str, str] | None) -> int:
    """The whole number in ``env`` when it is one above zero, else ``default``."""
    value = (os.environ if environ is None else environ).get(env, "").strip().replace("_", "").replace(",", "")
    return int(value) if value.isdigit() and int(value) > 0 else default


def feature_limit(environ: Mapping[str, str] | None = None) -> int:
    """The feature limit in force (:data:`MAX_FEATURES`, or :data:`FEATURES_ENV`).

    >>> feature_limit({"PLANNER_MAX_FEATURES": "2000000"}), feature_limit({"PLANNER_MAX_FEATURES": "lots"})
    (2000000, 500000)
    """
    return _limit(FEATURES_ENV, MAX_FEATURES, environ)


def vertex_limit(environ: Mapping[str, str] | None = None) -> int:
    """The vertex limit in force (:data:`MAX_VERTICES`, or :data:`VERTICES_ENV`)."""
    return _limit(VERTICES_ENV, MAX_VERTICES, environ)


def check_features(file: str, count: int | None, *, environ: Mapping[str, str] | None = None) -> None:
    """Refuse a layer of ``file`` (its name) with more than :func:`feature_limit` features.

    ``count`` None or negative (a format that does not say) passes: the count is checked again
    once the rows are read.

    Raises
    ------
    InputFileError
        ``layer_too_many_features``, with ``file``, ``count``, ``max`` (the limit) and ``env``.
    """
    limit = feature_limit(environ)
    if count is None or count <= limit:
        return
    raise InputFileError(
        f"{file} has {count:,} features, more than the {limit:,} a layer may have here: load a part of it "
        f"(one district), or ask the administrator to raise {FEATURES_ENV}",
        code="layer_too_many_features", params={"file": file, "count": count, "max": limit, "env": FEATURES_ENV},
    )


def check_vertices(file: str, count: int, *, environ: Mapping[str, str] | None = None) -> None:
    """Refuse a layer of ``file`` whose geometries have more than :func:`vertex_limit` vertices in all.

    >>> check_vertices("roads.geojson", 25_000_000)
    Traceback (most recent call last):
    ...
    geo.errors.InputFileError: roads.geojson has 25,000,000 vertices, more than the 20,000,000 a layer may have here: simplify the geometries or load a part of it (one district), or ask the administrator to raise PLANNER_MAX_VERTICES

    Raises
    ------
    InputFileError
        ``layer_too_many_vertices``, with ``file``, ``count``, ``max`` (the limit) and ``env``.
    """
    limit = vertex_limit(environ)
    if count <= limit:
        return
    raise InputFileError(
        f"{file} has {count:,} vertices, more than the {limit:,} a layer may have here: simplify the geometries "
        f"or load a part of it (one district), or ask the administrator to raise {VERTICES_ENV}",
        code="layer_too_many_vertices", params={"file": file, "count": count, "max": limit, "env": VERTICES_ENV},
    )


# --- how long one analysis may run -----------------------------------------------------------------

#: Seconds one analysis started from the page (zoning, pipelines, plan) may run, unless
#: :data:`SECONDS_ENV` says otherwise. The demo city takes about 1 s, 10,000 communities about 10 s.
MAX_ANALYSIS_SECONDS = 600
SECONDS_ENV = "PLANNER_MAX_ANALYSIS_SECONDS"


class AnalysisTimeLimitError(InputFileError, TimeoutError):
    """An analysis ran past its time limit and was stopped (code ``analysis_too_long``)."""


def analysis_seconds(environ: Mapping[str, str] | None = None) -> int:
    """The time limit in force (:data:`MAX_ANALYSIS_SECONDS`, or :data:`SECONDS_ENV`).

    >>> analysis_seconds({"PLANNER_MAX_ANALYSIS_SECONDS": "60"}), analysis_seconds({})
    (60, 600)
    """
    return _limit(SECONDS_ENV, MAX_ANALYSIS_SECONDS, environ)


def time_limited(progress: Callable[..., None] | None, what: str, *, seconds: float | None = None,
                 clock: Callable[[], float] = time.monotonic) -> Callable[..., None]:
    """A progress callback that also stops the analysis ``what`` once it has run ``seconds``.

    Give it as the ``progress`` of :func:`geo.zoning.zones.propose_zones`,
    :func:`geo.pipelines.analysis.analyse_pipelines` or :func:`geo.planning.run.plan_city`: each
    calls it between steps, and the first call past the limit raises, so the analysis ends at its
    next step, nothing half-done is kept, and the page says why.

    Raises
    ------
    AnalysisTimeLimitError
        Code ``analysis_too_long`` with ``analysis`` (``what``) and the limit ``seconds``.

    >>> ticks = iter([0.0, 1.0, 700.0])
    >>> step = time_limited(None, "zoning", seconds=600, clock=lambda: next(ticks))
    >>> step("pairs")
    >>> step("zones")
    Traceback (most recent call last):
    ...
    geo.io.limits.AnalysisTimeLimitError: the zoning ran longer than 600 s and was stopped: work on a part of the city (one district), or ask the administrator to raise PLANNER_MAX_ANALYSIS_SECONDS
    """
    limit = float(analysis_seconds() if seconds is None else seconds)
    started = clock()

    def step(*args: object) -> None:
        if progress is not None:
            progress(*args)
        if clock() - started > limit:
            raise AnalysisTimeLimitError(
                f"the {what} ran longer than {limit:g} s and was stopped: work on a part of the city (one "
                f"district), or ask the administrator to raise {SECONDS_ENV}",
                code="analysis_too_long", params={"analysis": what, "seconds": int(limit), "env": SECONDS_ENV})

    return step
