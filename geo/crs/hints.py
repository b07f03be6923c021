"""Notice a layer whose lon/lat are really GCJ-02 or BD-09: its offset against another layer.

Coordinates copied from Amap, Tencent (GCJ-02) or Baidu (BD-09) and loaded without a stated datum
are read as WGS84/CGCS2000 and sit 300-600 m (about 1 km for BD-09) away from surveyed data of the
same place. Nothing in the file says so; the offset shows only next to another layer. This module
measures it and says so, and never converts anything itself: a layer's datum is stated by the
planner, never guessed silently.

How the offset is measured
--------------------------
Both layers (in one metric CRS) are drawn on a common grid of ``cell_m`` cells: every vertex of a
line, every boundary vertex of a polygon (densified to the cell size), every point. The
cross-correlation of the two grids (one FFT) gives the shift that makes them fit best within
±2 km. When that shift is the one GCJ-02 (or BD-09) applies at the layer's centre (within a few
cells), the suspect layer is converted from that datum with :func:`geo.crs.datums.to_wgs84` and the
fit measured again: the hint is given only when the converted layer fits much better than the one
as loaded (:data:`MIN_GAIN`, :data:`MIN_GAIN_DIFFERENCE`). Data that is right fits best unshifted,
so it is never named. Nearest-feature distances do not work for this: in a dense old town a layer shifted by
500 m still lies as close to *some* community as the true one.

Example
-------
>>> import geopandas as gpd
>>> from shapely import LineString, box
>>> from geo.crs.datums import wgs84_to_gcj02
>>> blocks = [box(87.30 + 0.003 * i, 44.00 + 0.002 * j, 87.302 + 0.003 * i, 44.0015 + 0.002 * j)
...           for i in range(8) for j in range(8) if (i * 7 + j * 3) % 5]
>>> cgcs = gpd.GeoDataFrame(geometry=blocks, crs=4490).to_crs(4538)
>>> lines = [LineString(b.exterior.coords) for b in blocks]
>>> lines = [shapely.transform(g, lambda xy: np.column_stack(wgs84_to_gcj02(xy[:, 0], xy[:, 1])))
...          for g in lines]
>>> amap = gpd.GeoDataFrame(geometry=lines, crs=4326).to_crs(4538)
>>> [(h.layer, h.datum, h.reference) for h in datum_offset_hints(
...     {"communities": cgcs, "pipelines": amap}, suspects=["pipelines", "communities"])]
[('pipelines', 'gcj02', 'communities')]
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache

import geopandas as gpd
import numpy as np
import shapely
from pyproj import CRS, Transformer

from geo.crs.datums import to_wgs84, wgs84_to_bd09, wgs84_to_gcj02

#: Web datums a hint can name, with their forward conversion from WGS84 and the words for them.
WEB_DATUMS: dict[str, tuple[str, str]] = {
    "gcj02": ("GCJ-02", "Amap/Gaode or Tencent maps"),
    "bd09": ("BD-09", "Baidu maps"),
}
_FORWARD = {"gcj02": wgs84_to_gcj02, "bd09": wgs84_to_bd09}

#: Grid cell of the comparison (metres); coarser for large areas (at most ``_MAX_CELLS`` a side).
DEFAULT_CELL_M = 20.0
#: How far the fitting shift is searched (metres each way); BD-09 reaches about 1.2 km.
SEARCH_M = 2000.0
_MAX_CELLS = 1600
_MAX_POINTS = 2_000_000
#: The converted layer must fit this much better than the layer as loaded (ratio and difference of
#: the fits; a regular street grid fits itself fairly well even one block off).
MIN_GAIN = 1.25
MIN_GAIN_DIFFERENCE = 0.05
#: ... and at least this well (a correlation of the two grids; unrelated layers stay near 0).
MIN_FIT = 0.08


@dataclass(frozen=True)
class DatumHint:
    """A layer that fits another one much better once converted from a web datum.

    Attributes
    ----------
    layer, reference
        The suspect layer and the layer it was measured against.
    datum
        ``gcj02`` or ``bd09``: the datum the suspect layer's coordinates look to be in.
    offset_m, east_m, north_m
        The measured offset of the suspect layer from the reference (metres; east and north parts).
    fit_before, fit_after
        How well the two layers fit as loaded and after converting the suspect layer (0-1).
    """

    layer: str
    reference: str
    datum: str
    offset_m: float
    east_m: float
    north_m: float
    fit_before: float
    fit_after: float

    def message(self) -> str:
        """The warning for the load report: layer, pattern, measured offset and the fix.

        Example
        -------
        >>> print(DatumHint("pipelines", "communities", "gcj02", 296.0, 260.0, 141.0, 0.16, 0.35).message())
        ... # doctest: +NORMALIZE_WHITESPACE
        pipelines lies about 296 m (260 m east, 141 m north) off communities, the offset of GCJ-02
        coordinates (Amap/Gaode or Tencent maps) read as WGS84/CGCS2000: converted from GCJ-02 it fits
        communities much better (fit 0.16 -> 0.35). Nothing was converted. If the file comes from
        Amap/Gaode or Tencent maps, load it again with the datum GCJ-02 (command line: --datum gcj02;
        on the page: Datum GCJ-02)
        """
        name, source = WEB_DATUMS[self.datum]
        east = f"{abs(self.east_m):.0f} m {'east' if self.east_m >= 0 else 'west'}"
        north = f"{abs(self.north_m):.0f} m {'north' if self.north_m >= 0 else 'south'}"
        return (f"{self.layer} lies about {self.offset_m:.0f} m ({east}, {north}) off {self.reference}, the "
                f"offset of {name} coordinates ({source}) read as WGS84/CGCS2000: converted from {name} it "
                f"fits {self.reference} much better (fit {self.fit_before:.2f} -> {self.fit_after:.2f}). "
                f"Nothing was converted. If the file comes from {source}, load it again with the datum "
                f"{name} (command line: --datum {self.datum}; on the page: Datum {name})")


def _sample_points(geoms: np.ndarray, step: float) -> np.ndarray:
    """(n, 2) points along every geometry: vertices of lines and polygon boundaries every ``step``."""
    geoms = np.asarray(geoms, dtype=object)
    geoms = geoms[~shapely.is_missing(geoms)]
    if not len(geoms):
        return np.empty((0, 2))
    polygonal = np.isin(shapely.get_type_id(geoms), [3, 6])
    geoms = geoms.copy()
    geoms[polygonal] = shapely.boundary(geoms[polygonal])
    xy = shapely.get_coordinates(shapely.segmentize(geoms, step))
    xy = xy[np.isfinite(xy).all(axis=1)]
    if len(xy) > _MAX_POINTS:
        xy = xy[np.random.default_rng(0).choice(len(xy), _MAX_POINTS, replace=False)]
    return xy


@dataclass(frozen=True)
class _Grid:
    x0: float
    y0: float
    nx: int
    ny: int
    cell: float

    def draw(self, xy: np.ndarray) -> np.ndarray:
        """A 0/1 raster of the cells holding a point, centred (mean 0) and scaled to norm 1."""
        h, _, _ = np.histogram2d(xy[:, 0], xy[:, 1], bins=[self.nx, self.ny],
                                 range=[[self.x0, self.x0 + self.nx * self.cell],
                                        [self.y0, self.y0 + self.ny * self.cell]])
        h = (h > 0).astype(float)
        h -= h.mean()
        norm = np.linalg.norm(h)
        return h / norm if norm > 0 else h


def _same_place(a: np.ndarray, b: np.ndarray) -> bool:
    """True when two point sets lie within the search distance of each other (bounding boxes)."""
    lo = np.maximum(a.min(axis=0), b.min(axis=0))
    hi = np.minimum(a.max(axis=0), b.max(axis=0))
    return bool(np.all(lo <= hi + SEARCH_M))


def _grid(sets: Iterable[np.ndarray], cell_m: float) -> _Grid:
    """One grid over every point set, plus the search margin (so that shifts do not wrap around)."""
    sets = list(sets)
    lo = np.min([p.min(axis=0) for p in sets], axis=0) - SEARCH_M
    hi = np.max([p.max(axis=0) for p in sets], axis=0) + SEARCH_M
    cell = max(cell_m, float((hi - lo).max()) / _MAX_CELLS)
    nx, ny = (int(v) + 1 for v in (hi - lo) / cell)
    return _Grid(float(lo[0]), float(lo[1]), nx, ny, cell)


def _best_shift(a_fft: np.ndarray, b_fft: np.ndarray, shape: tuple[int, int], cell: float
                ) -> tuple[float, float, float]:
    """(east, north, fit): the shift of raster ``a`` from raster ``b`` (given by their FFTs) that fits
    best within ±SEARCH_M."""
    corr = np.fft.irfft2(np.conj(b_fft) * a_fft, s=shape)
    k = int(SEARCH_M / cell)
    window = np.roll(corr, (k, k), axis=(0, 1))[: 2 * k + 1, : 2 * k + 1]
    i, j = np.unravel_index(int(np.argmax(window)), window.shape)
    return (i - k) * cell, (j - k) * cell, float(window[i, j])


def _fit(a: np.ndarray, b: np.ndarray) -> float:
    """How well two rasters fit as they are (best of the shifts by at most one cell)."""
    return max(float(np.sum(np.roll(a, (di, dj), axis=(0, 1)) * b))
               for di in (-1, 0, 1) for dj in (-1, 0, 1))


@lru_cache(maxsize=8)
def _transformers(wkt: str) -> tuple[Transformer, Transformer]:
    """(to lon/lat, from lon/lat) for a CRS (made once: PROJ takes a tenth of a second for each)."""
    return (Transformer.from_crs(CRS.from_wkt(wkt), 4326, always_xy=True),
            Transformer.from_crs(4326, CRS.from_wkt(wkt), always_xy=True))


def _datum_shifts(xy: np.ndarray, crs: CRS) -> dict[str, np.ndarray]:
    """Datum -> the (east, north) shift in metres it applies at the centre of ``xy`` (in ``crs``)."""
    x, y = np.median(xy, axis=0)
    to_ll, from_ll = _transformers(crs.to_wkt())
    lon, lat = to_ll.transform(x, y)
    out = {}
    for datum, forward in _FORWARD.items():
        wx, wy = forward(lon, lat)
        sx, sy = from_ll.transform(float(wx), float(wy))
        out[datum] = np.array([sx - x, sy - y])
    return out


def _converted(geoms: gpd.GeoSeries, datum: str) -> np.ndarray:
    """The geometries read as ``datum`` lon/lat and converted to WGS84, back in their CRS."""
    lonlat = geoms.to_crs(4326)
    return np.asarray(to_wgs84(lonlat, datum).to_crs(geoms.crs).values, dtype=object)


def datum_offset_hints(
    layers: Mapping[str, gpd.GeoDataFrame | gpd.GeoSeries],
    suspects: Iterable[str],
    *,
    cell_m: float = DEFAULT_CELL_M,
) -> list[DatumHint]:
    """The suspect layers that look like GCJ-02 or BD-09 next to another layer (at most one hint each).

    Parameters
    ----------
    layers
        Layer name -> features, all in one projected metric CRS (a :class:`geo.io.load.Dataset`'s).
    suspects
        The layers that may be in a web datum: read as lon/lat with no datum stated. The others
        serve only as references.
    cell_m
        Grid cell of the comparison in metres.

    Returns
    -------
    list of DatumHint
        In the order of ``layers``; the reference is the communities when they show the offset,
        else the best fitting other layer.
    """
    suspects = [name for name in layers if name in set(suspects)]
    if not suspects or len(layers) < 2:
        return []
    crs = next(iter(layers.values())).crs
    if crs is None or not crs.is_projected:
        return []
    series = {name: (g.geometry if isinstance(g, gpd.GeoDataFrame) else g) for name, g in layers.items()}
    points = {name: _sample_points(np.asarray(s.values, dtype=object), cell_m) for name, s in series.items()}
    points = {name: xy for name, xy in points.items() if len(xy) >= 20}
    suspects = [name for name in suspects if name in points]
    if not suspects or len(points) < 2:
        return []
    grid = _grid(points.values(), cell_m)
    rasters = {name: grid.draw(xy) for name, xy in points.items()}
    ffts = {name: np.fft.rfft2(r) for name, r in rasters.items()}
    found: dict[str, DatumHint] = {}
    for name in suspects:
        shifts = _datum_shifts(points[name], crs)
        converted: dict[str, np.ndarray] = {}
        for other in points:
            if other == name or not _same_place(points[name], points[other]):
                continue
            east, north, best = _best_shift(ffts[name], ffts[other], rasters[name].shape, grid.cell)
            if best < MIN_FIT:
                continue
            for datum, expected in shifts.items():
                tolerance = max(3 * grid.cell, 0.2 * float(np.hypot(*expected)))
                if np.hypot(east - expected[0], north - expected[1]) > tolerance:
                    continue
                before = _fit(rasters[name], rasters[other])
                if datum not in converted:
                    after_xy = _sample_points(_converted(series[name], datum), cell_m)
                    converted[datum] = grid.draw(after_xy) if len(after_xy) else np.zeros_like(rasters[name])
                after = _fit(converted[datum], rasters[other])
                if (after < MIN_FIT or after < MIN_GAIN * max(before, 0.01)
                        or after - before < MIN_GAIN_DIFFERENCE or after < 0.7 * best):
                    continue
                hint = DatumHint(name, other, datum, float(np.hypot(east, north)), float(east), float(north),
                                 round(max(before, 0.0), 2), round(after, 2))
                def rank(h: DatumHint) -> tuple[bool, float]:
                    return h.reference == "communities", h.fit_after  # "off communities" reads best

                if name not in found or rank(hint) > rank(found[name]):
                    found[name] = hint
    return [found[name] for name in layers if name in found]
