"""A deterministic synthetic city of old residential communities, modelled on Changji (Xinjiang).

:func:`make_city` returns the six layers of :mod:`geo.io.schema` (communities, pipelines, facilities,
barriers, admin, roads) in CGCS2000 / 3-degree Gauss-Kruger CM 87E (EPSG:4538). The city grows as a grid
of superblocks between arterial roads, cut by a river and a railway; an old core of small
work-unit compounds (家属院, 单栋楼) built 1975-1999 is ringed by newer gated compounds (2000-2020).
Pipelines of six kinds run along every street as connected networks with a service line into each
community; facilities are spread unevenly so that some areas lack services; the roads layer holds
the centrelines of the arterials and of the lanes of the built-up superblocks, as a network.

Same ``(n_communities, seed)``, same city: only ``numpy.random.default_rng(seed)`` draws numbers.
Everything is vectorised over superblocks, blocks, communities and segments, so
``make_city(220_000)`` (a national inventory: 4.3 million pipeline segments) takes about 20 s and
3.3 GB on two cores; the 1,100-community demo takes a tenth of a second.

Example
-------
>>> from geo.synthetic.city import make_city
>>> city = make_city(300, seed=1)
>>> sorted(city)
['admin', 'barriers', 'communities', 'facilities', 'pipelines', 'roads']
>>> len(city["communities"])
300
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import shapely
from pyproj import Transformer

from geo import policy
from geo.synthetic import names as nm
from geo.synthetic.facilities import facilities as make_facilities
from geo.synthetic.pipelines import Areas, Services, pipelines as make_pipelines
from geo.synthetic.roads import roads as make_roads
from geo.synthetic.town import (
    RAILWAY_HALF_CORRIDOR_M, RIVER_BANK_M, Plan, Plots, clear_of, make_plan, make_plots,
    railway_line, river_polygon, smooth_field,
)
from geo.io.schema import LAYERS

#: CRS of every layer: CGCS2000 / 3-degree Gauss-Kruger CM 87E (metres).
CRS = "EPSG:4538"
#: Defaults of :func:`make_city`: the demo city (data/demo.gpkg). The seed is the date of the
#: Changji implementation opinions (2021-10-15).
DEFAULT_COMMUNITIES = 1100
DEFAULT_SEED = 20211015
#: City centre (CGCS2000 longitude, latitude): central Changji.
DEFAULT_ORIGIN_LONLAT = (87.30, 44.01)
#: Target share of communities in old-style blocks (the realised pre-2000 share is close to it).
OLD_SHARE = 0.6
#: Communities per old-style and new-style block, blocks per superblock (measured; size the grid).
_PER_OLD_BLOCK, _PER_NEW_BLOCK, _BLOCKS_PER_SUPERBLOCK = 4.6, 1.34, 6.8
#: Largest share of the square grid's blocks the city may fill before the grid grows.
_MAX_FILL = 0.72


@dataclass(frozen=True)
class _Town:
    """The communities' plots in development order, with the age score of their blocks."""

    block: np.ndarray
    bounds: np.ndarray
    service: np.ndarray
    old_block: np.ndarray     # the plot lies in an old-style block
    age_score: np.ndarray     # 0 at the centre of the old core, 1 at its edge, up to 2 outside
    built_blocks: np.ndarray  # every developed block
    block_is_old: np.ndarray  # per block of the plan: old-style


def gk_origin(lonlat: tuple[float, float]) -> tuple[float, float]:
    """Gauss-Kruger (EPSG:4538) easting and northing of a CGCS2000 longitude/latitude.

    Example
    -------
    >>> [round(v) for v in gk_origin((87.30, 44.01))]
    [524058, 4874977]
    """
    transformer = Transformer.from_crs("EPSG:4490", CRS, always_xy=True)
    x, y = transformer.transform(*lonlat)
    return float(x), float(y)


def _subset(plots: Plots, mask: np.ndarray) -> Plots:
    return Plots(block=plots.block[mask], bounds=plots.bounds[mask], service=plots.service[mask])


def _develop(rng: np.random.Generator, plan: Plan, old: Plots, new: Plots, n: int) -> _Town | None:
    """Choose which blocks are built and how, nearest the centre first, until ``n`` communities.

    Blocks are developed in order of a noisy distance to the centre. Each block is old-style or
    new-style by a second, noisier distance, whose threshold is set by bisection so that about
    ``OLD_SHARE`` of the communities are old-style. Returns ``None`` when the grid is too small.
    """
    n_blocks = len(plan.block_sb)
    b = plan.block_bounds
    cx, cy = (b[:, 0] + b[:, 2]) / 2.0, (b[:, 1] + b[:, 3]) / 2.0
    sb_noise = rng.normal(0.0, 1.0, len(plan.sb_i))[plan.block_sb]
    dist = np.hypot(cx / 1.1, cy) * np.exp(0.08 * sb_noise + 0.05 * rng.normal(0, 1, n_blocks))
    order = np.argsort(dist, kind="stable")
    score = dist * np.exp(0.25 * rng.normal(0.0, 1.0, n_blocks))
    c_old = np.bincount(old.block, minlength=n_blocks)
    c_new = np.bincount(new.block, minlength=n_blocks)

    def walk(theta: float) -> tuple[int, float] | None:
        is_old = (score < theta)[order]
        count = np.where(is_old, c_old[order], c_new[order])
        cum = np.cumsum(count)
        if cum[-1] < n:
            return None
        k = int(np.searchsorted(cum, n))
        olds = count[: k + 1][is_old[: k + 1]].sum() - (cum[k] - n if is_old[k] else 0)
        return k, olds / n

    lo, hi = 0.0, float(score.max()) + 1.0
    if walk(hi) is None:
        return None
    for _ in range(50):
        mid = (lo + hi) / 2.0
        res = walk(mid)
        if res is None or res[1] < OLD_SHARE:
            lo = mid
        else:
            hi = mid
    last, _ = walk(hi)
    if last + 1 > _MAX_FILL * n_blocks:   # the city would fill the square: grow the grid
        return None
    built = order[: last + 1]
    rank = np.full(n_blocks, n_blocks)
    rank[built] = np.arange(len(built))
    is_old = score < hi
    take_old = is_old[old.block] & (rank[old.block] < n_blocks)
    take_new = ~is_old[new.block] & (rank[new.block] < n_blocks)
    block = np.concatenate([old.block[take_old], new.block[take_new]])
    plot_order = np.lexsort((np.arange(len(block)), rank[block]))[:n]
    outer = score[built].max()
    age = np.where(is_old, score / hi, 1.0 + (score - hi) / max(outer - hi, 1e-9))
    block = block[plot_order]
    bounds = np.concatenate([old.bounds[take_old], new.bounds[take_new]])[plot_order]
    service = np.concatenate([old.service[take_old], new.service[take_new]])[plot_order]
    return _Town(block=block, bounds=bounds, service=service, old_block=is_old[block],
                 age_score=np.clip(age[block], 0.0, 2.0), built_blocks=built,
                 block_is_old=is_old)


def _build_years(rng: np.random.Generator, town: _Town, n_blocks: int) -> np.ndarray:
    """Build years: 1975 at the heart of the old core to 1999 at its edge, then 2000-2020 outwards."""
    block_noise = rng.normal(0.0, 2.0, n_blocks)[town.block]
    own = rng.normal(0.0, 2.5, len(town.block))
    old = 1975.0 + 24.0 * town.age_score + block_noise + own
    new = 2000.0 + 20.0 * np.clip(town.age_score - 1.0, 0.0, 1.0) ** 0.9 + block_noise + own
    year = np.where(town.old_block, np.clip(old, 1975, 2004), np.clip(new, 1996, 2020))
    return np.rint(year).astype(np.int64)


def _footprints(rng: np.random.Generator, town: _Town,
                origin: tuple[float, float]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Community polygons, their areas (m2) and a rectangle inside each next to its street.

    A quarter of the larger plots become L-shapes, notched on the side away from the street.
    """
    x0, y0, x1, y1 = town.bounds.T
    w, h = x1 - x0, y1 - y0
    m = len(w)
    notched = (w >= 50) & (h >= 50) & (rng.random(m) < 0.25)
    fw = np.where(notched, rng.uniform(0.25, 0.45, m), 0.0)
    fh = np.where(notched, rng.uniform(0.25, 0.45, m), 0.0)
    flip_x = rng.random(m) < 0.5
    # a unit L with the notch at the top right, mirrored into place
    u = np.array([0, 1, 1, 1, 1, 0, 0], float)[None, :] - np.outer(fw, [0, 0, 0, 1, 1, 0, 0])
    v = np.array([0, 0, 1, 1, 1, 1, 0], float)[None, :] - np.outer(fh, [0, 0, 1, 1, 0, 0, 0])
    u = np.where(flip_x[:, None], 1.0 - u, u)
    v = np.where((town.service == 1)[:, None], 1.0 - v, v)
    xs = np.round(x0[:, None] + u * w[:, None] + origin[0], 2)
    ys = np.round(y0[:, None] + v * h[:, None] + origin[1], 2)
    geom = np.empty(m, dtype=object)
    geom[notched] = shapely.polygons(np.stack([xs[notched], ys[notched]], axis=2))
    rect = ~notched
    geom[rect] = shapely.box(xs[rect, 0], ys[rect, 0], xs[rect, 2], ys[rect, 2])
    area = w * h * (1.0 - fw * fh)
    # the part next to the street, whole in every shape: where facilities inside go
    near_h = h * (1.0 - fh)
    anchor = np.column_stack([x0, np.where(town.service == 0, y0, y1 - near_h), x1,
                              np.where(town.service == 0, y0 + near_h, y1)])
    return geom, area, anchor


def _communities(rng: np.random.Generator, plan: Plan, town: _Town, year: np.ndarray,
                 area: np.ndarray) -> dict[str, np.ndarray]:
    """Attribute columns of the communities (but their names, admin units and statuses).

    Lifts are derived, not drawn: one per building where the tallest has 7 floors or more (the
    threshold of GB 50096 for a lift), none for 6 floors or fewer (the walk-ups of before 2000
    that the lift retrofit 加装电梯 is about).
    """
    m = len(year)
    old = year < 2000
    floors_old = np.clip(np.rint(4.2 + 2.6 * (year - 1975) / 24.0 + rng.normal(0, 0.7, m)), 4, 7)
    tall = np.clip((year - 2000) / 20.0, 0, 1)
    floors_new = np.where(rng.random(m) < 0.75 - 0.6 * tall,
                          rng.choice([6, 7, 11], m),
                          rng.choice([11, 18, 26, 33], m, p=[0.3, 0.3, 0.25, 0.15]))
    floors = np.where(old, floors_old, floors_new).astype(np.int64)
    coverage = np.where(old, rng.uniform(0.22, 0.35, m), rng.uniform(0.18, 0.28, m))
    mean_floors = np.where(old, floors, np.maximum(floors * rng.uniform(0.7, 0.9, m), 5.0))
    far = np.minimum(coverage * mean_floors, 3.2)
    unit = np.where(old, rng.uniform(60, 80, m), rng.uniform(88, 110, m))
    households = np.clip(np.rint(area * far / unit), 16, 2000).astype(np.int64)
    floor_area = np.round(households * unit, 1)
    footprint = np.where(old, rng.uniform(450, 900, m), rng.uniform(500, 900, m))
    buildings = np.rint(floor_area / (mean_floors * footprint))
    buildings = np.where(~old & (households >= 300), np.maximum(buildings, 5), buildings)
    buildings = np.clip(buildings, 1, 30).astype(np.int64)
    lifts = np.where(floors >= 7, buildings, 0).astype(np.int64)
    small = households <= 250
    u = rng.random(m)
    mgmt = np.select(
        [old & small, old],
        [np.select([u < 0.55, u < 0.9], ["none", "self"], "professional"),
         np.select([u < 0.45, u < 0.75], ["professional", "self"], "none")],
        np.select([u < 0.93, u < 0.98], ["professional", "self"], "none")).astype(object)

    sb = plan.block_sb[town.block]
    cx = (plan.x[plan.sb_i] + plan.x[plan.sb_i + 1]) / 2.0
    cy = (plan.y[plan.sb_j] + plan.y[plan.sb_j + 1]) / 2.0
    f_will = smooth_field(rng, cx, cy, wavelength_m=3000.0)[sb]
    f_part = smooth_field(rng, cx, cy, wavelength_m=2500.0)[sb]
    will = np.clip(0.6 + 0.12 * f_will + 0.06 * old + rng.normal(0, 0.1, m), 0.05, 1.0)
    part = np.clip(0.45 + 0.1 * f_part + 0.35 * (will - 0.6) + rng.normal(0, 0.1, m), 0.02, 1.0)
    will = np.where(rng.random(m) < 0.03, np.nan, np.round(will, 2))
    part = np.where(rng.random(m) < 0.03, np.nan, np.round(part, 2))
    return {"build_year": year, "households": households, "buildings": buildings,
            "floors_max": floors, "lifts": lifts, "floor_area_m2": floor_area, "property_mgmt": mgmt,
            "willingness": will, "participation": part}


def _statuses(rng: np.random.Generator, sb: np.ndarray, n_sb: int,
              year: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Renovation status and plan year, mostly by area (a programme covers most of a superblock).

    Only communities built up to the programme's cut-off (:data:`geo.policy.CUTOFF_YEAR`) get a
    programme; returns (status, plan_year, the completed
    programme year of each superblock or NaN).
    """
    u = rng.random(n_sb)
    prog = np.select([u < 0.14, u < 0.21, u < 0.30], [3, 2, 1], 0)    # completed, started, planned
    prog_year = np.select(
        [prog == 3, prog == 2, prog == 1],
        [rng.choice([2019, 2020, 2021], n_sb), rng.choice([2022, 2023], n_sb, p=[0.7, 0.3]),
         rng.choice([2022, 2023], n_sb, p=[0.3, 0.7])], 0)
    m = len(sb)
    eligible = year <= policy.CUTOFF_YEAR
    joined = eligible & (prog[sb] > 0) & (rng.random(m) < 0.75)
    v = rng.random(m)
    alone = eligible & ~joined & (v < 0.05)
    code = np.where(joined, prog[sb], np.where(alone, np.where(v < 0.03, 3, 1), 0))
    alone_year = np.where(v < 0.03, rng.choice([2019, 2020, 2021], m), rng.choice([2022, 2023], m))
    plan_year = np.where(joined, prog_year[sb], np.where(alone, alone_year, np.nan))
    status = np.array(["candidate", "planned", "started", "completed"], dtype=object)[code]
    renewed_sb = np.where(prog == 3, prog_year, np.nan).astype(float)
    return status, plan_year.astype(float), renewed_sb


def _names(rng: np.random.Generator, year: np.ndarray, households: np.ndarray,
           road: np.ndarray) -> np.ndarray:
    """Community names in the styles of their era: 家属院, 宿舍楼, X号院 for small old ones..."""
    m = len(year)
    unit, place = nm.pick(rng, nm.UNITS, m), nm.pick(rng, nm.PLACES, m)
    number = rng.integers(1, 200, m).astype(str).astype(object)
    u = rng.random(m)
    small_old = nm.concat(
        np.select([u < 0.5, u < 0.65, u < 0.85, u < 0.95],
                  [unit, unit, nm.concat(road, number), unit], place),
        np.select([u < 0.5, u < 0.65, u < 0.85, u < 0.95],
                  ["家属院", "宿舍楼", "号院", "家属楼"], "小区").astype(object))
    large_old = nm.concat(np.where(u < 0.55, place, unit),
                          np.select([u < 0.55, u < 0.8], ["小区", "生活区"], "家属院").astype(object))
    new = nm.concat(place, nm.pick(rng, ("花园", "小区", "家园", "苑", "嘉园", "华府", "名苑"), m))
    return np.where(year >= 2000, new, np.where(households <= 250, small_old, large_old))


def _cut(keys: tuple[np.ndarray, np.ndarray], weight: np.ndarray, share: float) -> int:
    """Position, in ``keys`` order, of the cut between whole rows of keys[0] nearest ``share``."""
    order = np.lexsort((keys[1], keys[0]))
    primary = keys[0][order]
    ends = np.nonzero(primary[1:] != primary[:-1])[0] + 1      # where a new row starts
    cum = np.cumsum(weight[order])
    return int(ends[np.argmin(np.abs(cum[ends - 1] - cum[-1] * share))])


def _partition(plan: Plan, idx: np.ndarray, weight: np.ndarray, k: int) -> list[np.ndarray]:
    """Cut the rectangle of superblocks ``idx`` into ``k`` rectangles of similar ``weight``.

    A k-d bisection: each cut runs along an arterial across the longer side, so every group is
    a rectangle of whole superblocks (contiguous, bounded by arterial centrelines).
    """
    stack, out = [(idx, k)], []
    while stack:
        idx, k = stack.pop()
        i, j = plan.sb_i[idx], plan.sb_j[idx]
        if k == 1 or len(idx) == 1:
            out.append(idx)
            continue
        keys = (i, j) if np.ptp(i) >= np.ptp(j) else (j, i)
        order = np.lexsort((keys[1], keys[0]))
        idx = idx[order]
        cut = _cut((keys[0][order], keys[1][order]), weight[idx], (k // 2) / k)
        stack += [(idx[cut:], k - k // 2), (idx[:cut], k // 2)]
    return out


def _streets(plan: Plan, sb: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Streets (街道) of about 140 communities each: the old city to the west, the zone to the east.

    Returns (street index per superblock, street names, county index per street).
    """
    n_sb = len(plan.sb_i)
    weight = np.bincount(sb, minlength=n_sb) + 0.3
    k = max(8, int(round(n / 140)))
    k_zone = max(2, int(round(0.3 * k)))
    west_first = np.lexsort((plan.sb_j, plan.sb_i))
    cut = _cut((plan.sb_i[west_first], plan.sb_j[west_first]), weight[west_first],
               (k - k_zone) / k)
    groups, county = [], []
    for c, (part, kk) in enumerate(((west_first[:cut], k - k_zone), (west_first[cut:], k_zone))):
        found = _partition(plan, part, weight, kk)
        groups += found
        county += [c] * len(found)
    street = np.empty(n_sb, dtype=np.int64)
    for g, members in enumerate(groups):
        street[members] = g
    county_arr = np.asarray(county)
    cx = (plan.x[plan.sb_i] + plan.x[plan.sb_i + 1]) / 2.0
    cy = (plan.y[plan.sb_j] + plan.y[plan.sb_j + 1]) / 2.0
    w = np.bincount(street, weights=weight)
    centre = np.hypot(np.bincount(street, weights=weight * cx) / w,
                      np.bincount(street, weights=weight * cy) / w)
    names = np.empty(len(groups), dtype=object)
    for c, base in enumerate((nm.CITY_STREETS, nm.ZONE_STREETS)):
        idx = np.nonzero(county_arr == c)[0]
        idx = idx[np.argsort(centre[idx], kind="stable")]
        names[idx] = nm.cycle_names(base, len(idx), suffix="街道")
    return street, names, county_arr


def _barriers(plan: Plan, river: shapely.Polygon, rail: np.ndarray,
              origin: tuple[float, float]) -> gpd.GeoDataFrame:
    """Arterial centrelines (each cut in two halves at the central crossing), river and railway."""
    g1 = plan.size + 1
    ic, jc = int(np.argmin(np.abs(plan.x))), int(np.argmin(np.abs(plan.y)))
    ns, ew = _road_names(plan)
    ox, oy = origin
    x, y = np.round(plan.x + ox, 2), np.round(plan.y + oy, 2)
    seg = []  # (x0, y0, x1, y1, name)
    for i in range(g1):
        seg += [(x[i], y[0], x[i], y[jc], ns[i, 0]), (x[i], y[jc], x[i], y[-1], ns[i, 1])]
    for j in range(g1):
        seg += [(x[0], y[j], x[ic], y[j], ew[j, 0]), (x[ic], y[j], x[-1], y[j], ew[j, 1])]
    coords = np.array([s[:4] for s in seg], float).reshape(-1, 2, 2)
    roads = shapely.linestrings(coords)
    river_map = shapely.transform(river, lambda c: np.round(c + origin, 2))
    rail_map = shapely.linestrings(np.round(rail + origin, 2))
    return gpd.GeoDataFrame(
        {"kind": ["arterial_road"] * len(seg) + ["river", "railway"],
         "name": [s[4] for s in seg] + [nm.RIVER_NAME, nm.RAILWAY_NAME]},
        geometry=list(roads) + [river_map, rail_map], crs=CRS)


def _committees(plan: Plan, built_sb: np.ndarray) -> np.ndarray:
    """社区 committee name of each built superblock (None elsewhere), central ones first."""
    centre = np.hypot((plan.x[plan.sb_i] + plan.x[plan.sb_i + 1]) / 2.0,
                      (plan.y[plan.sb_j] + plan.y[plan.sb_j + 1]) / 2.0)
    ranked = np.nonzero(built_sb)[0]
    ranked = ranked[np.argsort(centre[ranked], kind="stable")]
    committee = np.empty(len(built_sb), dtype=object)
    committee[ranked] = nm.cycle_names(tuple(p + "社区" for p in nm.PLACES), len(ranked),
                                       suffix="社区")
    return committee


def _road_names(plan: Plan) -> tuple[np.ndarray, np.ndarray]:
    """Names of the N-S and E-W arterials, shape (G+1, 2): the famous names go to central roads."""
    def by_centrality(names: np.ndarray, pos: np.ndarray) -> np.ndarray:
        return names[np.argsort(np.argsort(np.abs(pos), kind="stable"))]

    return (by_centrality(nm.road_names(nm.NS_ROADS, len(plan.x)), plan.x),
            by_centrality(nm.road_names(nm.EW_ROADS, len(plan.y)), plan.y))


def _south_road(plan: Plan) -> np.ndarray:
    """Name of the arterial (half) along the south edge of each superblock, for X号院 names."""
    _, ew = _road_names(plan)
    east = plan.x[plan.sb_i] >= plan.x[int(np.argmin(np.abs(plan.x)))]
    return ew[plan.sb_j, east.astype(int)]


def _admin(plan: Plan, street_of_sb: np.ndarray, names: np.ndarray, county_of_street: np.ndarray,
           origin: tuple[float, float]) -> gpd.GeoDataFrame:
    """Street polygons: unions of whole superblocks, out to the arterial centrelines."""
    cells = shapely.box(plan.x[plan.sb_i], plan.y[plan.sb_j], plan.x[plan.sb_i + 1],
                        plan.y[plan.sb_j + 1])
    cells = shapely.transform(cells, lambda c: np.round(c + origin, 2))
    order = np.argsort(street_of_sb, kind="stable")
    streets, first = np.unique(street_of_sb[order], return_index=True)
    geom = [shapely.coverage_union_all(part) for part in np.split(cells[order], first[1:])]
    county = np.asarray(nm.COUNTIES, dtype=object)[county_of_street[streets]]
    return _frame("admin", {"county": county, "street": names[streets]}, geom)


def _frame(layer: str, columns: dict[str, np.ndarray], geometry) -> gpd.GeoDataFrame:
    """A layer with exactly the canonical columns of ``layer``, in order, plus geometry."""
    data = {}
    for c in LAYERS[layer].column_names:
        values = columns[c]
        if not isinstance(values, pa.Array):
            values = np.asarray(values)
        if isinstance(values, pa.Array) or values.dtype.kind in "OU":
            # text goes to pandas' "str" dtype through arrow, without a Python string per row
            values = pd.array(pa.array(values), dtype="str")
        data[c] = values
    return gpd.GeoDataFrame(data, geometry=gpd.GeoSeries(geometry, crs=CRS).values, crs=CRS)


def _ids(prefix: str, count: int) -> pa.Array:
    """``prefix`` + a zero-padded running number from 1 (at least six digits), built as bytes.

    Example
    -------
    >>> _ids("CJ", 2).to_pylist()
    ['CJ000001', 'CJ000002']
    """
    width = max(6, len(str(count)))
    number = np.arange(1, count + 1, dtype=np.int64)
    chars = np.empty((count, len(prefix) + width), dtype=np.uint8)
    chars[:, : len(prefix)] = np.frombuffer(prefix.encode("ascii"), np.uint8)
    for k in range(width):   # one pass per digit, least significant last
        chars[:, len(prefix) + k] = (number // 10 ** (width - 1 - k)) % 10 + ord("0")
    return pa.array(chars.view(f"S{chars.shape[1]}").ravel()).cast(pa.string())


def make_city(n_communities: int = DEFAULT_COMMUNITIES, *, seed: int = DEFAULT_SEED,
              origin_lonlat: tuple[float, float] = DEFAULT_ORIGIN_LONLAT,
              ) -> dict[str, gpd.GeoDataFrame]:
    """Generate a synthetic city with ``n_communities`` residential communities.

    Parameters
    ----------
    n_communities
        Number of communities; the grid of superblocks grows with it (about 1,100 make a city
        of Changji's size, 220,000 a national inventory).
    seed
        Seed of :func:`numpy.random.default_rng`; the same ``(n_communities, seed)`` gives the
        same layers, attribute for attribute and vertex for vertex.
    origin_lonlat
        CGCS2000 longitude and latitude of the city centre.

    Returns
    -------
    dict of str to geopandas.GeoDataFrame
        ``communities``, ``pipelines``, ``facilities``, ``barriers``, ``admin`` and ``roads``, each with
        exactly the canonical columns of :mod:`geo.io.schema` plus ``geometry``, in EPSG:4538.

    Raises
    ------
    ValueError
        When ``n_communities`` is not a positive integer.

    Example
    -------
    >>> city = make_city(300, seed=7)
    >>> city["communities"].crs.to_epsg(), city["communities"]["community_id"].iloc[0]
    (4538, 'CJ000001')
    """
    n = int(n_communities)
    if n < 1 or n != n_communities:  # builtin: `geo demo --communities` is checked by the CLI's parser
        raise ValueError(f"n_communities must be a positive integer, got {n_communities!r}")
    rng = np.random.default_rng(seed)
    origin = gk_origin(origin_lonlat)
    blocks = n * (OLD_SHARE / _PER_OLD_BLOCK + (1 - OLD_SHARE) / _PER_NEW_BLOCK)
    size = max(3, int(np.ceil(np.sqrt(blocks / _BLOCKS_PER_SUPERBLOCK / (_MAX_FILL - 0.04)))))
    while True:
        plan = make_plan(rng, size)
        river = river_polygon(rng, plan)
        rail = railway_line(rng, plan)
        corridors = [shapely.buffer(river, RIVER_BANK_M),
                     shapely.buffer(shapely.LineString(rail), RAILWAY_HALF_CORRIDOR_M)]
        shapely.prepare(corridors)
        old, new = (make_plots(rng, plan, old=flag) for flag in (True, False))
        town = _develop(rng, plan, _subset(old, clear_of(old, corridors)),
                        _subset(new, clear_of(new, corridors)), n)
        if town is not None:
            break
        size += 1

    n_sb = len(plan.sb_i)
    sb = plan.block_sb[town.block]
    year = _build_years(rng, town, len(plan.block_sb))
    geom, area, anchor = _footprints(rng, town, origin)
    cols = _communities(rng, plan, town, year, area)
    status, plan_year, renewed_sb = _statuses(rng, sb, n_sb, year)
    street_of_sb, street_names, county_of_street = _streets(plan, sb, n)
    built_sb = np.zeros(n_sb, bool)
    built_sb[plan.block_sb[town.built_blocks]] = True
    committee = _committees(plan, built_sb)
    county_sb = county_of_street[street_of_sb]
    cols.update(
        community_id=_ids("CJ", n),
        name=_names(rng, year, cols["households"], _south_road(plan)[sb]),
        county=np.asarray(nm.COUNTIES, dtype=object)[county_sb[sb]],
        street=street_names[street_of_sb[sb]],
        committee=committee[sb],
        status=status,
        plan_year=plan_year,
    )
    communities = _frame("communities", cols, geom)

    sb_year = np.bincount(sb, weights=year, minlength=n_sb) / np.maximum(
        np.bincount(sb, minlength=n_sb), 1)
    sb_year = np.where(built_sb, sb_year, rng.uniform(2008, 2020, n_sb))   # trunks to the fringe
    cx = (plan.x[plan.sb_i] + plan.x[plan.sb_i + 1]) / 2.0
    cy = (plan.y[plan.sb_j] + plan.y[plan.sb_j + 1]) / 2.0
    telecom_pref = np.stack([smooth_field(rng, cx, cy, wavelength_m=3500.0) for _ in range(4)], 1)
    telecom_pref += np.log([0.35, 0.3, 0.2, 0.15])
    unrenewed_old = (sb_year < 1997) & ~np.isfinite(renewed_sb)
    areas = Areas(
        year=sb_year, county=county_sb, renewed=renewed_sb,
        overhead_power=unrenewed_old & (rng.random(n_sb) < 0.6),
        overhead_telecom=unrenewed_old & (rng.random(n_sb) < 0.5),
        telecom_operator=np.argmax(telecom_pref, axis=1),
    )
    x0, y0, x1, y1 = town.bounds.T
    inside = rng.uniform(0.5, 2.0, n)       # service lines end on or just inside the boundary
    services = Services(
        line=plan.block_line[town.block, town.service], t=(x0 + x1) / 2.0,
        end_y=np.where(town.service == 0, y0 + inside, y1 - inside),
        superblock=sb, build_year=year, households=cols["households"],
        renewed=np.where(status == "completed", plan_year, np.nan),
        has_gas=~((year < 1990) & (cols["households"] <= 250) & (rng.random(n) < 0.15)),
    )
    pipe = make_pipelines(rng, plan, built_sb, areas, services, origin)
    pipe["pipeline_id"] = _ids("PL", len(pipe["kind"]))

    fac = make_facilities(rng, plan, town.built_blocks, town.block_is_old, town.block, anchor,
                          communities, committee, corridors, origin)
    fac["facility_id"] = _ids("FA", len(fac["kind"]))
    road = make_roads(plan, built_sb, *_road_names(plan), origin)
    road["road_id"] = _ids("RD", len(road["geometry"]))
    return {
        "communities": communities,
        "pipelines": _frame("pipelines", pipe, pipe["geometry"]),
        "facilities": _frame("facilities", fac, fac["geometry"]),
        "barriers": _barriers(plan, river, rail, origin),
        "admin": _admin(plan, street_of_sb, street_names, county_of_street, origin),
        "roads": _frame("roads", road, road["geometry"]),
    }


def write_city(layers: dict[str, gpd.GeoDataFrame], path: str | os.PathLike) -> Path:
    """Write the layers to one GeoPackage, one layer per key, replacing any existing file.

    Parameters
    ----------
    layers
        Layer name -> GeoDataFrame, as returned by :func:`make_city`.
    path
        Target ``.gpkg`` file.

    Returns
    -------
    pathlib.Path
        The file written.

    Example
    -------
    >>> import tempfile, pyogrio
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     out = write_city(make_city(300), Path(tmp) / "city.gpkg")
    ...     [str(name) for name, _ in pyogrio.list_layers(out)]
    ['communities', 'pipelines', 'facilities', 'barriers', 'admin', 'roads']
    """
    path = Path(path)
    path.unlink(missing_ok=True)
    for name, gdf in layers.items():
        gdf.to_file(path, layer=name, driver="GPKG", engine="pyogrio")
    return path
