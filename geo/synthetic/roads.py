"""The roads layer of the synthetic city: arterial and lane centrelines, split at every junction.

Private helper of :mod:`geo.synthetic.city`. The roads are derived from the :class:`~geo.synthetic.town.Plan`
alone, without drawing a random number, so adding them changed no other layer. They follow the
same street lines as the pipeline mains (every arterial, every lane of a built-up superblock), cut
at the same junctions (crossings and T-junctions), on the centreline itself: segment end points
that meet are bit-identical, so the layer is a proper walking network.

Names: arterials take the names of the barriers layer (two halves split at the central crossing);
lanes are numbered along the arterial they leave, west or south end first: ``北京南路3巷``.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import shapely

from geo.synthetic.pipelines import street_junctions, street_segments, street_xy
from geo.synthetic.town import Plan


def _rank_in_group(group: np.ndarray, key: np.ndarray) -> np.ndarray:
    """1-based rank of each row by ``key`` among the rows of its ``group``.

    Example
    -------
    >>> _rank_in_group(np.array([0, 1, 0, 0]), np.array([5.0, 1.0, 2.0, 9.0])).tolist()
    [2, 1, 1, 3]
    """
    order = np.lexsort((key, group))
    g = group[order]
    start = np.ones(len(g), bool)
    start[1:] = g[1:] != g[:-1]
    first = np.maximum.accumulate(np.where(start, np.arange(len(g)), 0))
    rank = np.empty(len(g), np.int64)
    rank[order] = np.arange(len(g)) - first + 1
    return rank


def _line_names(plan: Plan, built: np.ndarray, ns: np.ndarray, ew: np.ndarray) -> np.ndarray:
    """Name of every line of the plan (object array; None for lanes of unbuilt superblocks).

    Arterial names here are those of the half west/south of the central crossing; the caller
    picks the half per segment.
    """
    lines, g1 = plan.lines, plan.size + 1
    names = np.empty(len(lines.coord), dtype=object)
    ic, jc = int(np.argmin(np.abs(plan.x))), int(np.argmin(np.abs(plan.y)))
    lane = np.nonzero((lines.arterial < 0) & built[np.maximum(lines.superblock, 0)])[0]
    sb = lines.superblock[lane]
    horiz = lines.horizontal[lane]
    # an E-W lane leaves the N-S arterial at the west edge of its superblock, and vice versa
    art = np.where(horiz, plan.sb_i[sb], plan.sb_j[sb])
    half = np.where(horiz, (lines.coord[lane] >= plan.y[jc]).astype(int),
                    (lines.coord[lane] >= plan.x[ic]).astype(int))
    road = np.where(horiz, ns[art, half], ew[art, half])
    group = np.where(horiz, 0, 2 * g1) + art * 2 + half
    number = _rank_in_group(group, lines.coord[lane])
    names[lane] = [f"{r}{k}巷" for r, k in zip(road.tolist(), number.tolist())]
    return names


def roads(plan: Plan, built: np.ndarray, ns: np.ndarray, ew: np.ndarray,
          origin: tuple[float, float]) -> dict[str, object]:
    """Columns and geometry of the roads layer (``road_id`` excepted).

    Parameters
    ----------
    plan
        The town plan.
    built
        Per superblock: built up (its lanes are roads).
    ns, ew
        Names of the N-S and E-W arterials, shape (G+1, 2): west/south half, east/north half.
    origin
        Map coordinates of the plan's (0, 0).

    Returns
    -------
    dict
        ``kind`` (``arterial`` / ``lane``), ``name`` and ``geometry`` (two-point LineStrings,
        arterials first, then lanes, each in line order and along the line).
    """
    lines, g1 = plan.lines, plan.size + 1
    line, t0, t1 = street_segments(*street_junctions(plan, built))
    x0, y0 = street_xy(plan, line, t0, 0.0, origin)
    x1, y1 = street_xy(plan, line, t1, 0.0, origin)
    geometry = shapely.linestrings(np.stack([np.column_stack([x0, y0]), np.column_stack([x1, y1])],
                                            axis=1))
    is_art = lines.arterial[line] >= 0
    ic, jc = int(np.argmin(np.abs(plan.x))), int(np.argmin(np.abs(plan.y)))
    horiz = lines.horizontal[line]
    # arterials: the half beyond the central crossing takes the second name
    central = np.where(horiz, plan.x[ic], plan.y[jc])
    half = (t0 >= central).astype(int)
    idx = lines.arterial[line]
    art_name = np.where(horiz, ew[np.maximum(idx, 0), half], ns[np.maximum(idx, 0), half])
    name = np.where(is_art, art_name, _line_names(plan, built, ns, ew)[line])
    order = np.argsort(~is_art, kind="stable")      # arterials first
    kind = np.where(is_art, "arterial", "lane").astype(object)
    return {"kind": pa.array(kind[order].tolist()), "name": pa.array(name[order].tolist()),
            "geometry": geometry[order]}
