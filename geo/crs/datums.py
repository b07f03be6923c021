"""Convert Chinese web-map datums (GCJ-02, BD-09) to WGS84.

Background
----------
Maps published in mainland China must not show true WGS84 positions. The
national surveying authority therefore prescribes **GCJ-02** ("国测局坐标",
nicknamed *Mars coordinates*): a secret, non-linear, position-dependent
offset added to WGS84 longitude/latitude. It is used by Amap/Gaode, Tencent
and Google Maps in China. The shift is typically 100-700 m and varies
smoothly over the country. **BD-09** is Baidu's own second obfuscation
applied on top of GCJ-02 (another ~0.006-0.0065 degree shift with a small
rotation/scale wiggle), so Baidu coordinates sit roughly 1 km away from
WGS84.

Neither is a geodetic datum in the PROJ sense: there is no Helmert
transformation, grid file or EPSG code for them, so ``pyproj`` cannot
convert them. GCJ-02 data is often mislabelled ``EPSG:4326``; the error is
then silently several hundred metres, which is larger than a residential
block. This module implements the published (reverse-engineered) algorithm
instead. CGCS2000 (``EPSG:4490``) and WGS84 agree to a few centimetres at
the scale we care about and are treated as identical here.

Accuracy
--------
* Forward directions (WGS84 -> GCJ-02, GCJ-02 -> BD-09) reproduce the widely
  published algorithm exactly (Krasovsky 1940 ellipsoid ``a = 6378245.0``,
  ``ee = 0.00669342162296594323``, the standard ``transformlat`` /
  ``transformlon`` polynomials; the standard BD-09 formulas with
  ``x_pi = pi * 3000 / 180``). Coordinates obtained from the map services
  themselves agree with it to better than 1 m (0.6-0.75 m for the
  service-derived reference cities in ``tests/test_datums.py``); that is the
  accuracy of the published algorithm, not of this implementation.
* Inverse directions (GCJ-02 -> WGS84, BD-09 -> GCJ-02) have no closed form.
  They are solved by fixed-point iteration on the forward formula, vectorised
  over arrays, until the round-trip error is below ``tol`` (default
  ``1e-10`` degree, about 0.01 mm); this takes 3-4 iterations in China. The
  crude one-step inverses found in many snippets (errors up to ~5 m for
  GCJ-02 and ~0.2 m for BD-09) are *not* used.

Out-of-China rule
-----------------
The official services only apply GCJ-02 inside China. As every open-source
converter does, a point is treated as "outside China" when it lies outside
the rectangle ``72.004 <= lon <= 137.8347`` and ``0.8293 <= lat <= 55.8271``
(:func:`out_of_china`). For such points the GCJ-02 step is the identity
(the input is returned unchanged). The BD-09 <-> GCJ-02 step has no such
rule and is applied everywhere. The rectangle is crude (it includes e.g.
Mongolia, Korea and western Japan, and cuts nothing of mainland China);
callers that handle data near the borders must decide themselves whether
the source applied GCJ-02. For :func:`gcj02_to_wgs84` the test is made on
the GCJ-02 input, so a point within a few hundred metres of the rectangle's
edge may not round-trip; this never concerns mainland China.

All functions are pure: they never modify their inputs and contain no Python
loop over points (only over iterations of the inverse solvers).

Examples
--------
>>> from geo.crs.datums import gcj02_to_wgs84, wgs84_to_gcj02
>>> lon, lat = wgs84_to_gcj02(116.377817, 39.911954)  # Beijing
>>> round(float(lon), 6), round(float(lat), 6)
(116.384047, 39.913345)
>>> back = gcj02_to_wgs84(lon, lat)
>>> round(float(back[0]), 9), round(float(back[1]), 9)
(116.377817, 39.911954)
"""

from __future__ import annotations

import math
import warnings
from typing import TYPE_CHECKING, Callable, Final, TypeVar, overload

import numpy as np
import pandas as pd
import shapely
from geopandas import GeoSeries
from geopandas.array import GeometryArray, from_shapely
from numpy.typing import ArrayLike, NDArray

from geo.errors import CRSError

if TYPE_CHECKING:
    from shapely.geometry.base import BaseGeometry

__all__ = [
    "DATUMS",
    "bd09_to_gcj02",
    "bd09_to_wgs84",
    "gcj02_to_bd09",
    "gcj02_to_wgs84",
    "normalize_datum",
    "out_of_china",
    "to_wgs84",
    "wgs84_to_bd09",
    "wgs84_to_gcj02",
]

#: Canonical datum names accepted by :func:`normalize_datum` and :func:`to_wgs84`.
DATUMS: Final[tuple[str, ...]] = ("wgs84", "cgcs2000", "gcj02", "bd09")

# Krasovsky 1940 ellipsoid, as used by the published GCJ-02 algorithm.
_A: Final = 6378245.0
_EE: Final = 0.00669342162296594323
# BD-09 constant.
_X_PI: Final = math.pi * 3000.0 / 180.0

# The "out of China" rectangle of the published algorithm.
_CHINA_LON_MIN: Final = 72.004
_CHINA_LON_MAX: Final = 137.8347
_CHINA_LAT_MIN: Final = 0.8293
_CHINA_LAT_MAX: Final = 55.8271

_DEFAULT_TOL: Final = 1e-10  # degrees, ~0.01 mm
_DEFAULT_MAX_ITER: Final = 30

_ALIASES: Final[dict[str, str]] = {
    "wgs84": "wgs84",
    "cgcs2000": "cgcs2000",
    "gcj02": "gcj02",
    "bd09": "bd09",
    "bd09ll": "bd09",  # Baidu's own name for its lon/lat coordinates
}

FloatArray = NDArray[np.float64]
LonLat = tuple[FloatArray, FloatArray]
_Pair = Callable[[FloatArray, FloatArray], LonLat]
_G = TypeVar("_G", GeoSeries, pd.Series, GeometryArray)


# --------------------------------------------------------------------------- helpers


def _as_float_pair(lon: ArrayLike, lat: ArrayLike) -> LonLat:
    """Broadcast ``lon`` and ``lat`` to float64 arrays of a common shape (no copy needed: never written)."""
    x = np.asarray(lon, dtype=np.float64)
    y = np.asarray(lat, dtype=np.float64)
    x, y = np.broadcast_arrays(x, y)
    return x, y


def _unwrap(x: FloatArray) -> FloatArray:
    """Return 0-d results as ``numpy.float64`` scalars, arrays unchanged."""
    return x[()] if x.ndim == 0 else x


def _transform_lat(x: FloatArray, y: FloatArray) -> FloatArray:
    """Published GCJ-02 latitude polynomial (metres-ish units) of offsets from (105, 35)."""
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
    ret = ret + (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    ret = ret + (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
    ret = ret + (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    return ret


def _transform_lon(x: FloatArray, y: FloatArray) -> FloatArray:
    """Published GCJ-02 longitude polynomial (metres-ish units) of offsets from (105, 35)."""
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
    ret = ret + (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    ret = ret + (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
    ret = ret + (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0
    return ret


def _gcj02_offset(lon: FloatArray, lat: FloatArray) -> LonLat:
    """GCJ-02 minus WGS84 in degrees at WGS84 position (lon, lat), ignoring the out-of-China rule."""
    dlat = _transform_lat(lon - 105.0, lat - 35.0)
    dlon = _transform_lon(lon - 105.0, lat - 35.0)
    radlat = lat / 180.0 * np.pi
    magic = 1.0 - _EE * np.sin(radlat) ** 2
    sqrtmagic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1.0 - _EE)) / (magic * sqrtmagic) * np.pi)
    dlon = (dlon * 180.0) / (_A / sqrtmagic * np.cos(radlat) * np.pi)
    return dlon, dlat


def _gcj02_forward(lon: FloatArray, lat: FloatArray) -> LonLat:
    """WGS84 -> GCJ-02 everywhere (no out-of-China rule)."""
    dlon, dlat = _gcj02_offset(lon, lat)
    return lon + dlon, lat + dlat


def _bd09_forward(lon: FloatArray, lat: FloatArray) -> LonLat:
    """GCJ-02 -> BD-09 (published formula)."""
    z = np.hypot(lon, lat) + 0.00002 * np.sin(lat * _X_PI)
    theta = np.arctan2(lat, lon) + 0.000003 * np.cos(lon * _X_PI)
    return z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006


def _bd09_crude_inverse(lon: FloatArray, lat: FloatArray) -> LonLat:
    """One-step BD-09 -> GCJ-02 approximation; only a starting point for the iteration."""
    x = lon - 0.0065
    y = lat - 0.006
    z = np.hypot(x, y) - 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _X_PI)
    return z * np.cos(theta), z * np.sin(theta)


def _invert(
    forward: _Pair,
    lon: FloatArray,
    lat: FloatArray,
    lon0: FloatArray,
    lat0: FloatArray,
    *,
    tol: float,
    max_iter: int,
    name: str,
) -> LonLat:
    """Solve ``forward(x, y) == (lon, lat)`` by fixed-point iteration from ``(lon0, lat0)``.

    Both forward maps are the identity plus a slowly varying offset whose
    Jacobian is far below 1 in norm, so ``p <- p - (forward(p) - target)``
    is a contraction that gains about two digits per iteration.
    """
    # tol and max_iter are set by this module's callers, never by a planner: builtin errors
    if not tol > 0:
        raise ValueError(f"tol must be a positive number of degrees, got {tol!r}")
    if max_iter < 1:  # builtin, as tol above
        raise ValueError(f"max_iter must be at least 1, got {max_iter!r}")
    x, y = lon0, lat0
    err = np.zeros_like(lon)
    for _ in range(max_iter):
        fx, fy = forward(x, y)
        ex, ey = fx - lon, fy - lat
        err = np.maximum(np.abs(ex), np.abs(ey))
        # NaN > tol is False, so non-finite input never blocks convergence.
        if not np.any(err > tol):
            break
        x, y = x - ex, y - ey
    else:
        fx, fy = forward(x, y)
        err = np.maximum(np.abs(fx - lon), np.abs(fy - lat))
    if np.any(err > tol):
        warnings.warn(
            f"{name}: {int(np.count_nonzero(err > tol))} point(s) did not converge to "
            f"{tol:g} degree within {max_iter} iterations (max residual {float(np.nanmax(err)):.3g} "
            "degree); are the coordinates longitude/latitude in degrees?",
            RuntimeWarning,
            stacklevel=3,
        )
    return x, y


# --------------------------------------------------------------------------- point API


def out_of_china(lon: ArrayLike, lat: ArrayLike) -> NDArray[np.bool_]:
    """Tell which points lie outside the rectangle where GCJ-02 is applied.

    Parameters
    ----------
    lon, lat : array_like
        Longitude and latitude in degrees (broadcast against each other).

    Returns
    -------
    numpy.ndarray of bool
        ``True`` where ``lon < 72.004 or lon > 137.8347 or lat < 0.8293 or
        lat > 55.8271``. NaN coordinates count as inside (they stay NaN).

    Examples
    --------
    >>> out_of_china([116.4, 2.35], [39.9, 48.86]).tolist()
    [False, True]
    """
    x, y = _as_float_pair(lon, lat)
    return (x < _CHINA_LON_MIN) | (x > _CHINA_LON_MAX) | (y < _CHINA_LAT_MIN) | (y > _CHINA_LAT_MAX)


def wgs84_to_gcj02(lon: ArrayLike, lat: ArrayLike) -> LonLat:
    """Convert WGS84 longitude/latitude to GCJ-02 (Amap/Gaode, Tencent).

    Implements the published forward algorithm exactly. Points outside China
    (see :func:`out_of_china`) are returned unchanged.

    Parameters
    ----------
    lon, lat : array_like
        WGS84 longitude and latitude in degrees; broadcast against each other.
        Inputs are never modified.

    Returns
    -------
    lon, lat : numpy.ndarray of float64
        GCJ-02 coordinates with the broadcast shape of the inputs. Scalar
        inputs give ``numpy.float64`` scalars (a ``float`` subclass).

    Examples
    --------
    >>> lon, lat = wgs84_to_gcj02([121.5272106, 2.35], [31.1774276, 48.86])
    >>> lon.round(6).tolist(), lat.round(6).tolist()
    ([121.531542, 2.35], [31.175304, 48.86])
    """
    x, y = _as_float_pair(lon, lat)
    inside = ~out_of_china(x, y)
    out_x, out_y = np.array(x), np.array(y)  # fresh copies; outside points stay unchanged
    out_x[inside], out_y[inside] = _gcj02_forward(x[inside], y[inside])
    return _unwrap(out_x), _unwrap(out_y)


def gcj02_to_wgs84(
    lon: ArrayLike,
    lat: ArrayLike,
    *,
    tol: float = _DEFAULT_TOL,
    max_iter: int = _DEFAULT_MAX_ITER,
) -> LonLat:
    """Convert GCJ-02 longitude/latitude to WGS84 by iterative inversion.

    Starts from ``gcj - offset(gcj)`` and iterates ``wgs <- wgs - (F(wgs) - gcj)``
    with ``F`` = :func:`wgs84_to_gcj02`, for all points at once, until
    ``|F(wgs) - gcj| < tol`` for every point. Points outside China (tested on
    the GCJ-02 input, see :func:`out_of_china`) are returned unchanged.

    Parameters
    ----------
    lon, lat : array_like
        GCJ-02 longitude and latitude in degrees; broadcast against each other.
    tol : float, default 1e-10
        Round-trip tolerance in degrees (1e-10 degree is about 0.01 mm).
    max_iter : int, default 30
        Iteration cap; a ``RuntimeWarning`` is issued if some point has not
        converged by then (never happens for longitude/latitude in China).

    Returns
    -------
    lon, lat : numpy.ndarray of float64
        WGS84 coordinates, same shape rules as :func:`wgs84_to_gcj02`.

    Examples
    --------
    >>> lon, lat = gcj02_to_wgs84(121.531541859215, 31.17530398364597)
    >>> round(float(lon), 7), round(float(lat), 7)
    (121.5272106, 31.1774276)
    """
    x, y = _as_float_pair(lon, lat)
    inside = ~out_of_china(x, y)
    out_x, out_y = np.array(x), np.array(y)  # fresh copies; outside points stay unchanged
    gx, gy = x[inside], y[inside]
    dx, dy = _gcj02_offset(gx, gy)
    out_x[inside], out_y[inside] = _invert(
        _gcj02_forward, gx, gy, gx - dx, gy - dy, tol=tol, max_iter=max_iter, name="gcj02_to_wgs84"
    )
    return _unwrap(out_x), _unwrap(out_y)


def gcj02_to_bd09(lon: ArrayLike, lat: ArrayLike) -> LonLat:
    """Convert GCJ-02 longitude/latitude to BD-09 (Baidu).

    Implements the published formula exactly. It has no out-of-China rule and
    is applied everywhere.

    Parameters
    ----------
    lon, lat : array_like
        GCJ-02 longitude and latitude in degrees; broadcast against each other.

    Returns
    -------
    lon, lat : numpy.ndarray of float64
        BD-09 coordinates, same shape rules as :func:`wgs84_to_gcj02`.

    Examples
    --------
    >>> lon, lat = gcj02_to_bd09(123.0, 45.0)
    >>> round(float(lon), 6), round(float(lat), 6)
    (123.006365, 45.006369)
    """
    x, y = _as_float_pair(lon, lat)
    bx, by = _bd09_forward(x, y)
    return _unwrap(bx), _unwrap(by)


def bd09_to_gcj02(
    lon: ArrayLike,
    lat: ArrayLike,
    *,
    tol: float = _DEFAULT_TOL,
    max_iter: int = _DEFAULT_MAX_ITER,
) -> LonLat:
    """Convert BD-09 longitude/latitude to GCJ-02 by iterative inversion.

    Starts from the usual one-step approximation and iterates on
    :func:`gcj02_to_bd09` until the round-trip error is below ``tol`` for
    every point. Applied everywhere (no out-of-China rule).

    Parameters
    ----------
    lon, lat : array_like
        BD-09 longitude and latitude in degrees; broadcast against each other.
    tol : float, default 1e-10
        Round-trip tolerance in degrees.
    max_iter : int, default 30
        Iteration cap; a ``RuntimeWarning`` is issued if some point has not
        converged by then.

    Returns
    -------
    lon, lat : numpy.ndarray of float64
        GCJ-02 coordinates, same shape rules as :func:`wgs84_to_gcj02`.

    Examples
    --------
    >>> lon, lat = bd09_to_gcj02(*gcj02_to_bd09(123.0, 45.0))
    >>> round(float(lon), 9), round(float(lat), 9)
    (123.0, 45.0)
    """
    x, y = _as_float_pair(lon, lat)
    x0, y0 = _bd09_crude_inverse(x, y)
    gx, gy = _invert(_bd09_forward, x, y, x0, y0, tol=tol, max_iter=max_iter, name="bd09_to_gcj02")
    return _unwrap(gx), _unwrap(gy)


def wgs84_to_bd09(lon: ArrayLike, lat: ArrayLike) -> LonLat:
    """Convert WGS84 longitude/latitude to BD-09 (via GCJ-02).

    Outside China the GCJ-02 step is the identity but the BD-09 step is still
    applied (see the module docstring).

    Parameters
    ----------
    lon, lat : array_like
        WGS84 longitude and latitude in degrees; broadcast against each other.

    Returns
    -------
    lon, lat : numpy.ndarray of float64
        BD-09 coordinates, same shape rules as :func:`wgs84_to_gcj02`.

    Examples
    --------
    >>> lon, lat = wgs84_to_bd09(123.0, 45.0)
    >>> round(float(lon), 5), round(float(lat), 5)
    (123.01245, 45.00833)
    """
    return gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))


def bd09_to_wgs84(
    lon: ArrayLike,
    lat: ArrayLike,
    *,
    tol: float = _DEFAULT_TOL,
    max_iter: int = _DEFAULT_MAX_ITER,
) -> LonLat:
    """Convert BD-09 longitude/latitude to WGS84 (via GCJ-02, both steps iterated).

    Parameters
    ----------
    lon, lat : array_like
        BD-09 longitude and latitude in degrees; broadcast against each other.
    tol : float, default 1e-10
        Round-trip tolerance in degrees for each of the two inverse steps.
    max_iter : int, default 30
        Iteration cap for each of the two inverse steps.

    Returns
    -------
    lon, lat : numpy.ndarray of float64
        WGS84 coordinates, same shape rules as :func:`wgs84_to_gcj02`.

    Examples
    --------
    >>> lon, lat = bd09_to_wgs84(*wgs84_to_bd09(116.377817, 39.911954))
    >>> round(float(lon), 9), round(float(lat), 9)
    (116.377817, 39.911954)
    """
    gx, gy = bd09_to_gcj02(lon, lat, tol=tol, max_iter=max_iter)
    return gcj02_to_wgs84(gx, gy, tol=tol, max_iter=max_iter)


# --------------------------------------------------------------------------- geometry API

_TO_WGS84: Final[dict[str, _Pair]] = {
    "gcj02": gcj02_to_wgs84,
    "bd09": bd09_to_wgs84,
}


def normalize_datum(name: str) -> str:
    """Return the canonical name of a datum (one of :data:`DATUMS`).

    Matching ignores case, surrounding blanks, ``-``, ``_`` and inner spaces,
    so ``"GCJ-02"``, ``"gcj_02"`` and ``"BD-09"`` are accepted; ``"bd09ll"``
    (Baidu's own name) maps to ``"bd09"``.

    Parameters
    ----------
    name : str
        Datum name as written by a user or a data provider.

    Returns
    -------
    str
        ``"wgs84"``, ``"cgcs2000"``, ``"gcj02"`` or ``"bd09"``.

    Raises
    ------
    CRSError
        (a ``ValueError``) if the name is unknown or not a string; the
        message lists the accepted values.

    Examples
    --------
    >>> normalize_datum("GCJ-02"), normalize_datum(" BD-09 "), normalize_datum("WGS84")
    ('gcj02', 'bd09', 'wgs84')
    """
    key = name.strip().lower() if isinstance(name, str) else None
    if key is not None:
        for ch in "-_ ":
            key = key.replace(ch, "")
    if key is None or key not in _ALIASES:
        raise CRSError(
            f"Unknown datum {name!r}: expected one of {', '.join(DATUMS)} "
            "(case-insensitive; 'gcj-02' and 'bd-09' are accepted too). "
            "Use 'gcj02' for Amap/Gaode/Tencent coordinates, 'bd09' for Baidu, "
            "'wgs84' or 'cgcs2000' for GPS/survey data.",
            code="datum_unknown", params={"datum": str(name), "allowed": list(DATUMS)},
        )
    return _ALIASES[key]


@overload
def to_wgs84(geoms: _G, datum: str) -> _G: ...
@overload
def to_wgs84(geoms: BaseGeometry, datum: str) -> BaseGeometry: ...
@overload
def to_wgs84(geoms: ArrayLike, datum: str) -> NDArray[np.object_]: ...


def to_wgs84(
    geoms: pd.Series | GeometryArray | BaseGeometry | ArrayLike, datum: str
) -> pd.Series | GeometryArray | BaseGeometry | NDArray[np.object_]:
    """Return a copy of geographic geometries with coordinates converted to WGS84.

    Uses :func:`shapely.transform`, so all geometries are converted in one
    vectorised call; geometry types, holes, multi-parts, empty geometries and
    missing values (``None``) are kept, and z values of 3-D geometries are
    kept unchanged.

    Parameters
    ----------
    geoms : GeoSeries, pandas.Series, GeometryArray, shapely geometry or array_like of geometries
        Geometries in geographic coordinates (x = longitude, y = latitude,
        degrees) in the given ``datum``. Never modified.
    datum : str
        Datum of ``geoms``: one of :data:`DATUMS` (see :func:`normalize_datum`
        for accepted spellings). ``"wgs84"`` and ``"cgcs2000"`` give an
        unchanged copy.

    Returns
    -------
    GeoSeries, pandas.Series, GeometryArray, shapely geometry or numpy.ndarray of object
        Same container type as the input. A (Geo)Series keeps its index and
        name, a GeoSeries/GeometryArray its ``crs`` (GCJ-02/BD-09 have no EPSG
        code, so such data is usually unlabelled or labelled ``EPSG:4326``;
        set the crs yourself if needed). Other array-likes come back as a
        numpy object array.

    Raises
    ------
    CRSError
        (a ``ValueError``) for an unknown datum, or if the input carries a
        projected CRS (coordinates must be longitude/latitude in degrees).
    TypeError
        For a GeoDataFrame: pass ``gdf.geometry`` and use ``gdf.set_geometry``.

    Examples
    --------
    >>> from geopandas import GeoSeries
    >>> from shapely import Point
    >>> s = GeoSeries([Point(121.531541859215, 31.17530398364597), None], index=["a", "b"])
    >>> out = to_wgs84(s, "GCJ-02")
    >>> out.index.tolist(), round(out["a"].x, 7), round(out["a"].y, 7), out["b"] is None
    (['a', 'b'], 121.5272106, 31.1774276, True)
    """
    canonical = normalize_datum(datum)
    if isinstance(geoms, pd.DataFrame):  # builtin: a programmer's call with the wrong type
        raise TypeError(
            "to_wgs84 expects geometries, got a DataFrame; use "
            "gdf.set_geometry(to_wgs84(gdf.geometry, datum)) instead."
        )
    crs = getattr(geoms, "crs", None)
    if crs is not None and not crs.is_geographic:
        raise CRSError(
            f"to_wgs84 needs longitude/latitude in degrees, but the input CRS is projected "
            f"({crs.name}); convert {canonical} data before projecting it.",
            code="datum_needs_lonlat",
            params={"datum": canonical.upper(),
                    "crs": f"EPSG:{crs.to_epsg()}" if crs.to_epsg() else crs.name},
        )

    if canonical in ("wgs84", "cgcs2000"):
        if isinstance(geoms, (pd.Series, GeometryArray)):
            return geoms.copy()
        if isinstance(geoms, shapely.Geometry):
            return geoms  # shapely geometries are immutable
        return np.array(geoms, dtype=object, copy=True)

    convert = _TO_WGS84[canonical]

    def _coords(xyz: FloatArray) -> FloatArray:
        lon, lat = convert(xyz[:, 0], xyz[:, 1])
        out = np.array(xyz, dtype=np.float64, copy=True)
        out[:, 0] = lon
        out[:, 1] = lat
        return out

    if isinstance(geoms, GeoSeries):
        data = shapely.transform(np.asarray(geoms.values), _coords, include_z=True)
        return GeoSeries(data, index=geoms.index.copy(), crs=geoms.crs, name=geoms.name)
    if isinstance(geoms, pd.Series):
        data = shapely.transform(np.asarray(geoms, dtype=object), _coords, include_z=True)
        return pd.Series(data, index=geoms.index.copy(), name=geoms.name, dtype=object)
    if isinstance(geoms, GeometryArray):
        return from_shapely(shapely.transform(np.asarray(geoms), _coords, include_z=True), crs=geoms.crs)
    if isinstance(geoms, shapely.Geometry):
        return shapely.transform(geoms, _coords, include_z=True)
    return shapely.transform(np.asarray(geoms, dtype=object), _coords, include_z=True)
