"""Town plan of the synthetic city in local metres: arterial grid, lanes, blocks, plots, river, railway.

Private helper of :mod:`geo.synthetic.city`. Everything is vectorised with numpy over superblocks,
blocks and plots; the only Python loops are the bisection that sets the old core's size.

Vocabulary
----------
superblock
    The land between four arterial centrelines (400-800 m apart); arterial corridors are 30-40 m.
block
    A residential block (居住街坊, 150-250 m) between lanes 12-20 m wide inside a superblock.
plot
    The land of one community: a block is cut into one or two rows of one to five plots, separated
    by walls (gap 0), narrow passages (3-12 m) or, sometimes, wider gaps (20-45 m).
line
    A street centreline, horizontal (east-west) or vertical (north-south): arterials run across
    the whole grid, lanes across one superblock. Lines carry the pipeline mains.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely

#: Arterial centreline spacing range (m).
ARTERIAL_SPACING_M = (400.0, 800.0)
#: Arterial corridor half-width range (m): corridors are 30-40 m wide.
ARTERIAL_HALF_WIDTH_M = (15.0, 20.0)
#: Lane width range (m).
LANE_WIDTH_M = (12.0, 20.0)
#: Target block size used to choose how many blocks a superblock holds (m).
BLOCK_TARGET_M = 220.0
#: Half-widths of the bands kept free of communities along the river (beyond its banks) and railway.
RIVER_BANK_M = 12.0
RAILWAY_HALF_CORRIDOR_M = 25.0

_MAX_BLOCKS = 4   # blocks per superblock axis
_MAX_COLS = 5     # plots per block row


@dataclass(frozen=True)
class Lines:
    """Street centrelines: ``horizontal`` ones run east-west at y=``coord`` from x=``lo`` to ``hi``."""

    horizontal: np.ndarray
    coord: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    arterial: np.ndarray     # index of the arterial among its orientation, -1 for lanes
    superblock: np.ndarray   # superblock of a lane, -1 for arterials
    half_width: np.ndarray   # corridor or lane half-width


@dataclass(frozen=True)
class Plan:
    """Arterial grid, superblocks, lanes and blocks of the city (local metres, centre at 0, 0)."""

    x: np.ndarray            # N-S arterial centrelines, shape (G+1,)
    y: np.ndarray            # E-W arterial centrelines, shape (G+1,)
    sb_i: np.ndarray         # superblock column, shape (S,)
    sb_j: np.ndarray         # superblock row
    lines: Lines
    lane_h: np.ndarray       # (S, 3) line id of each E-W lane of a superblock, -1 if none
    lane_v: np.ndarray       # (S, 3) line id of each N-S lane, -1 if none
    block_sb: np.ndarray     # superblock of each block, shape (B,)
    block_bounds: np.ndarray  # (B, 4) x0, y0, x1, y1 of the block's buildable land
    block_line: np.ndarray   # (B, 2) line id below and above the block
    block_line_y: np.ndarray  # (B, 2) their centreline y

    @property
    def size(self) -> int:
        """Number of superblocks per side."""
        return len(self.x) - 1


@dataclass(frozen=True)
class Plots:
    """Plots of a layout: one row per plot, ``service`` 0 when its mains run below it, 1 above."""

    block: np.ndarray
    bounds: np.ndarray       # (P, 4) x0, y0, x1, y1
    service: np.ndarray


def arterial_grid(rng: np.random.Generator, size: int) -> tuple[np.ndarray, ...]:
    """Centrelines (x, y) and corridor half-widths (hx, hy) of a ``size`` x ``size`` arterial grid."""
    out = []
    for _ in range(2):
        pos = np.concatenate([[0.0], np.cumsum(rng.uniform(*ARTERIAL_SPACING_M, size))])
        out.append(pos - np.round((pos[0] + pos[-1]) / 2.0))
    hx, hy = (rng.uniform(*ARTERIAL_HALF_WIDTH_M, size + 1) for _ in range(2))
    return out[0], out[1], hx, hy


def _split(rng: np.random.Generator, lo: np.ndarray, hi: np.ndarray):
    """Cut each interval [lo, hi] into 2-4 blocks separated by lanes; vectorised over intervals."""
    count = len(lo)
    k = np.arange(_MAX_BLOCKS)
    n_blocks = np.clip(np.rint((hi - lo + 16.0) / BLOCK_TARGET_M), 2, _MAX_BLOCKS).astype(int)
    has_lane = k[None, :-1] < (n_blocks - 1)[:, None]
    lane_w = np.where(has_lane, rng.uniform(*LANE_WIDTH_M, (count, _MAX_BLOCKS - 1)), 0.0)
    weight = np.where(k[None, :] < n_blocks[:, None],
                      rng.uniform(0.85, 1.15, (count, _MAX_BLOCKS)), 0.0)
    width = (hi - lo - lane_w.sum(1))[:, None] * weight / weight.sum(1, keepdims=True)
    step = np.cumsum(width[:, :-1] + lane_w, axis=1)
    start = lo[:, None] + np.concatenate([np.zeros((count, 1)), step], axis=1)
    end = start + width
    lane_c = end[:, :-1] + lane_w / 2.0
    return n_blocks, start, end, lane_c, lane_w / 2.0, has_lane


def make_plan(rng: np.random.Generator, size: int) -> Plan:
    """Lay out a ``size`` x ``size`` grid of superblocks with their lanes and blocks."""
    x, y, hx, hy = arterial_grid(rng, size)
    sb_i = np.tile(np.arange(size), size)
    sb_j = np.repeat(np.arange(size), size)
    n_sb = size * size
    nbx, sx0, sx1, lane_xc, lane_xh, has_vx = _split(rng, x[sb_i] + hx[sb_i],
                                                     x[sb_i + 1] - hx[sb_i + 1])
    nby, sy0, sy1, lane_yc, lane_yh, has_hy = _split(rng, y[sb_j] + hy[sb_j],
                                                     y[sb_j + 1] - hy[sb_j + 1])

    # line table: E-W arterials, N-S arterials, E-W lanes, N-S lanes
    g1 = size + 1
    hs, hk = np.nonzero(has_hy)
    vs, vk = np.nonzero(has_vx)
    n_h, n_v = len(hs), len(vs)
    lane_h = np.full((n_sb, _MAX_BLOCKS - 1), -1)
    lane_h[hs, hk] = 2 * g1 + np.arange(n_h)
    lane_v = np.full((n_sb, _MAX_BLOCKS - 1), -1)
    lane_v[vs, vk] = 2 * g1 + n_h + np.arange(n_v)
    lines = Lines(
        horizontal=np.concatenate([np.ones(g1, bool), np.zeros(g1, bool),
                                   np.ones(n_h, bool), np.zeros(n_v, bool)]),
        coord=np.concatenate([y, x, lane_yc[hs, hk], lane_xc[vs, vk]]),
        lo=np.concatenate([np.full(g1, x[0]), np.full(g1, y[0]), x[sb_i[hs]], y[sb_j[vs]]]),
        hi=np.concatenate([np.full(g1, x[-1]), np.full(g1, y[-1]),
                           x[sb_i[hs] + 1], y[sb_j[vs] + 1]]),
        arterial=np.concatenate([np.arange(g1), np.arange(g1), np.full(n_h + n_v, -1)]),
        superblock=np.concatenate([np.full(2 * g1, -1), hs, vs]),
        half_width=np.concatenate([hy, hx, lane_yh[hs, hk], lane_xh[vs, vk]]),
    )

    # blocks: every (superblock, column kx, row ky) with kx < nbx and ky < nby
    kk = np.arange(_MAX_BLOCKS)
    valid = (kk[None, :, None] < nbx[:, None, None]) & (kk[None, None, :] < nby[:, None, None])
    bs, kx, ky = np.nonzero(valid)
    below = np.where(ky == 0, sb_j[bs], lane_h[bs, np.maximum(ky - 1, 0)])
    above = np.where(ky == nby[bs] - 1, sb_j[bs] + 1, lane_h[bs, np.minimum(ky, 2)])
    return Plan(
        x=x, y=y, sb_i=sb_i, sb_j=sb_j, lines=lines, lane_h=lane_h, lane_v=lane_v,
        block_sb=bs,
        block_bounds=np.column_stack([sx0[bs, kx], sy0[bs, ky], sx1[bs, kx], sy1[bs, ky]]),
        block_line=np.column_stack([below, above]),
        block_line_y=np.column_stack([lines.coord[below], lines.coord[above]]),
    )


def _gaps(rng: np.random.Generator, shape: tuple[int, ...], *, wide: float) -> np.ndarray:
    """Gaps between neighbouring plots: walls (0 m), passages (3-12 m) or a share ``wide`` of 20-45 m."""
    u = rng.random(shape)
    return np.select([u < 0.3, u < 1.0 - wide],
                     [0.0, rng.uniform(3.0, 12.0, shape)], rng.uniform(20.0, 45.0, shape))


def make_plots(rng: np.random.Generator, plan: Plan, *, old: bool) -> Plots:
    """Cut every block into plots, the dense old way (``old``) or the compound way (new areas).

    Old blocks mostly hold two rows of two to five plots (staff housing, single buildings) and
    sometimes a whole-row compound; new blocks mostly hold one compound filling the block.
    """
    bounds = plan.block_bounds
    n_b = len(bounds)
    x0, y0, x1, y1 = bounds.T
    p_two_rows = 0.75 if old else 0.2
    rows = np.where(rng.random(n_b) < p_two_rows, 2, 1)
    col_p = [0.1, 0.2, 0.3, 0.25, 0.15] if old else [0.8, 0.18, 0.02, 0.0, 0.0]
    cols = 1 + rng.choice(_MAX_COLS, size=(n_b, 2), p=col_p)
    min_plot = 38.0 if old else 90.0
    cols = np.minimum(cols, np.maximum(1, ((x1 - x0) // min_plot).astype(int))[:, None])

    split = y0 + (y1 - y0) * rng.uniform(0.4, 0.6, n_b)
    row_lo = np.column_stack([y0, split])
    row_hi = np.column_stack([np.where(rows == 2, split, y1), y1])

    c = np.arange(_MAX_COLS + 1)
    weight = np.where(c[None, None, :-1] < cols[:, :, None],
                      rng.uniform(0.6, 1.4, (n_b, 2, _MAX_COLS)), 0.0)
    edges = x0[:, None, None] + (x1 - x0)[:, None, None] * np.concatenate(
        [np.zeros((n_b, 2, 1)), np.cumsum(weight, 2) / weight.sum(2, keepdims=True)], axis=2)
    gap = _gaps(rng, (n_b, 2, _MAX_COLS + 1), wide=0.12 if old else 0.05)
    setback = rng.uniform(0.0, 6.0, (n_b, 2, _MAX_COLS + 1))
    col_idx = c[None, None, :]
    inner = (col_idx > 0) & (col_idx < cols[:, :, None])
    half = np.where(inner, gap / 2.0, setback)          # inset on each column edge
    row_inset = np.where(rng.random((n_b, 2, _MAX_COLS)) < 0.45, 0.0,
                         _gaps(rng, (n_b, 2, _MAX_COLS), wide=0.1) / 2.0)
    outer_inset = rng.uniform(0.0, 6.0, (n_b, 2, _MAX_COLS))

    b, r, k = np.nonzero((np.arange(2)[None, :, None] < rows[:, None, None])
                         & (c[None, None, :-1] < cols[:, :, None]))
    px0 = edges[b, r, k] + half[b, r, k]
    px1 = edges[b, r, k + 1] - half[b, r, k + 1]
    two = rows[b] == 2
    py0 = row_lo[b, r] + np.where(r == 1, row_inset[b, r, k], outer_inset[b, 0, k])
    py1 = row_hi[b, r] - np.where((r == 0) & two, row_inset[b, r, k], outer_inset[b, 1, k])
    service = np.where(two, r, (rng.random(n_b) < 0.5)[b].astype(int))
    keep = (px1 - px0 >= 24.0) & (py1 - py0 >= 24.0)
    keep &= rng.random(len(b)) >= (0.1 if old else 0.04)   # schools, offices, open space
    return Plots(block=b[keep], bounds=np.column_stack([px0, py0, px1, py1])[keep],
                 service=service[keep])


def river_polygon(rng: np.random.Generator, plan: Plan) -> shapely.Polygon:
    """A meandering river 40-80 m wide crossing the grid south to north.

    The banks are offset along the normals of the centreline, so the width is a true width.
    """
    x_span = plan.x[-1] - plan.x[0]
    x_mid = plan.x[0] + x_span * rng.uniform(0.3, 0.4)
    amp1, amp2 = rng.uniform(100.0, 200.0), rng.uniform(30.0, 60.0)
    len1, len2, len3 = rng.uniform(2000.0, 3200.0), rng.uniform(500.0, 900.0), rng.uniform(900, 1500)
    ph = rng.uniform(0.0, 2 * np.pi, 3)
    yy = np.arange(plan.y[0] - 300.0, plan.y[-1] + 300.0, 10.0)
    xx = (x_mid + amp1 * np.sin(2 * np.pi * yy / len1 + ph[0])
          + amp2 * np.sin(2 * np.pi * yy / len2 + ph[1]))
    half = 30.0 + 10.0 * np.sin(2 * np.pi * yy / len3 + ph[2])       # 20-40 m half-width
    dx, dy = np.gradient(xx), np.gradient(yy)
    norm = np.hypot(dx, dy)
    nx, ny = dy / norm, -dx / norm
    left = np.column_stack([xx - nx * half, yy - ny * half])
    right = np.column_stack([xx + nx * half, yy + ny * half])
    ring = np.concatenate([left, right[::-1], left[:1]])
    return shapely.Polygon(ring)


def railway_line(rng: np.random.Generator, plan: Plan) -> np.ndarray:
    """Vertices of a gently curving railway crossing the northern part of the grid west to east."""
    y_mid = plan.y[0] + (plan.y[-1] - plan.y[0]) * rng.uniform(0.72, 0.8)
    xx = np.arange(plan.x[0] - 300.0, plan.x[-1] + 300.0 + 1.0, 100.0)
    amp, wave, ph = rng.uniform(40.0, 80.0), rng.uniform(6000.0, 9000.0), rng.uniform(0, 2 * np.pi)
    return np.column_stack([xx, y_mid + amp * np.sin(2 * np.pi * xx / wave + ph)])


def clear_of(plots: Plots, corridors: list[shapely.Geometry]) -> np.ndarray:
    """Mask of the plots whose rectangle touches none of ``corridors`` (river and railway bands)."""
    tree = shapely.STRtree(shapely.box(*plots.bounds.T))
    hit = tree.query(np.asarray(corridors, dtype=object), predicate="intersects")
    keep = np.ones(len(plots.block), bool)
    keep[hit[1]] = False
    return keep


def smooth_field(rng: np.random.Generator, x: np.ndarray, y: np.ndarray, *,
                 wavelength_m: float, waves: int = 8) -> np.ndarray:
    """A smooth random field of mean 0 and variance about 1 (a sum of random plane waves).

    Used for everything that varies by area rather than by community: willingness, service levels,
    which telecom operator built the ducts.
    """
    angle = rng.uniform(0.0, 2 * np.pi, waves)
    k = 2 * np.pi / (wavelength_m * rng.uniform(0.7, 1.4, waves))
    phase = rng.uniform(0.0, 2 * np.pi, waves)
    arg = (np.multiply.outer(x, k * np.cos(angle)) + np.multiply.outer(y, k * np.sin(angle))
           + phase)
    return np.sqrt(2.0 / waves) * np.cos(arg).sum(axis=-1)
