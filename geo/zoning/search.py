"""The search behind :mod:`geo.zoning.zones`: partition one connected group of communities into zones.

Works on plain arrays (no GeoDataFrames): nodes are communities (or groups a planner locked
together), edges are uncut neighbour pairs. A zone is a connected set of nodes with total
households in [min, max], at most ``max_members`` communities, a span (largest distance between
any two members) of at most ``max_span_m``, at most one anchor (a larger community that takes its
small neighbours in), no forbidden pair, and at least two communities.

Objective, lexicographic: most candidates placed; then least *hull slack* (convex-hull area of a
zone minus its members' footprint area, summed: compact zones fill their hull); then the least
spread of build years; then the most zones (max-p's rule: no zone larger than it needs to be).

Groups of up to ``exact_max_nodes`` nodes are solved exactly (every feasible zone enumerated,
then a dynamic programme over subsets); larger groups by seeded greedy growth from the hardest
nodes, enclave assignment, repair moves and a compactness local search, over a few restarts.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import shapely

from geo.zoning.rules import MAX_ANCHORS, ZoneRules


@dataclass
class Problem:
    """One connected group: node attributes, edges and the rules (indices are local).

    The thresholds (``min_households``, ``max_households``, ``max_members``, ``max_span_m``: the
    span limit with its tolerance) are read from ``rules``, the one home of the may-merge rule
    (:class:`geo.zoning.rules.ZoneRules`); the loops below test them on plain numbers for speed.
    """

    households: list[int]
    size: list[int]  # communities per node (a locked group counts all its members)
    anchor: list[bool]  # node holds a non-candidate (an anchor)
    candidates: list[int]  # candidates per node (what the objective counts)
    year_min: list[float]
    year_max: list[float]
    area: list[float]
    points: list[np.ndarray]  # convex-hull vertices of each node, (k, 2)
    nbrs: list[set[int]]
    forbidden: list[set[int]]
    rules: ZoneRules
    _span_cache: dict[tuple[int, int], float] = field(default_factory=dict)

    @property
    def n(self) -> int:
        """Number of nodes."""
        return len(self.households)

    def __post_init__(self) -> None:
        self.min_households = self.rules.min_households
        self.max_households = self.rules.max_households
        self.max_members = self.rules.max_members
        self.max_span_m = self.rules.span_limit_m
        self.max_anchors = MAX_ANCHORS
        sizes = [len(p) for p in self.points]
        self._span_matrix = None
        self._span_rows: list[list[float]] | None = None
        if sum(sizes) <= 2500:  # all pairwise spans at once: one small distance matrix
            pts = np.vstack(self.points) if self.points else np.zeros((0, 2))
            d = np.sqrt(((pts[:, None, :] - pts[None, :, :]) ** 2).sum(axis=2))
            starts = np.cumsum([0, *sizes[:-1]])
            per_row = np.maximum.reduceat(d, starts, axis=0) if len(pts) else d
            self._span_matrix = np.maximum.reduceat(per_row, starts, axis=1) if len(pts) else per_row
            self._span_rows = self._span_matrix.tolist()  # plain floats: faster to index one by one
            self._coords = pts
        else:
            self._coords = None  # every node's hull points, stacked (see zone_coords), when first needed
        self._counts = np.array(sizes, dtype=np.int64)
        self._starts = np.concatenate([[0], np.cumsum(self._counts)[:-1]]).astype(np.int64)

    def pair_span(self, u: int, v: int) -> float:
        """Largest distance between a point of node u and a point of node v (u == v: diameter)."""
        if self._span_matrix is not None:
            return float(self._span_matrix[u, v])
        key = (u, v) if u <= v else (v, u)
        hit = self._span_cache.get(key)
        if hit is None:
            a, b = self.points[u], self.points[v]
            d = a[:, None, :] - b[None, :, :]
            hit = float(np.sqrt((d * d).sum(axis=2).max()))
            self._span_cache[key] = hit
        return hit

    def span_with(self, members: Iterable[int], span: float, v: int) -> float:
        """Span of ``members`` (whose span is ``span``) once ``v`` joins."""
        out = max(span, self.pair_span(v, v))
        for m in members:
            out = max(out, self.pair_span(m, v))
        return out

    def slack(self, members: Iterable[int]) -> float:
        """Convex-hull area of the members minus their footprint area (m²)."""
        return float(self.slacks([list(members)])[0])

    def slacks(self, zones: list[list[int]]) -> np.ndarray:
        """:meth:`slack` of many zones in one vectorised GEOS call."""
        return zone_slacks([(self, zones)])

    def zone_coords(self, zones: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
        """The members' hull points of each zone, stacked zone after zone, and per-zone counts."""
        if self._coords is None:
            self._coords = np.vstack(self.points) if self.points else np.zeros((0, 2))
        flat = np.fromiter((m for z in zones for m in z), dtype=np.int64)
        lengths = self._counts[flat]
        total = int(lengths.sum())
        # row k of a member's block is its start + k: one arange, shifted per block
        shift = np.repeat(self._starts[flat] - (np.cumsum(lengths) - lengths), lengths)
        rows = shift + np.arange(total, dtype=np.int64)
        zone_len = np.fromiter((len(z) for z in zones), dtype=np.int64, count=len(zones))
        ends = np.cumsum(zone_len)
        per_zone = np.add.reduceat(lengths, ends - zone_len) if len(flat) else np.zeros(len(zones), np.int64)
        return self._coords[rows], per_zone

    def year_spread(self, members: Iterable[int]) -> float:
        members = list(members)
        return max(self.year_max[m] for m in members) - min(self.year_min[m] for m in members)

    def can_join(self, members: set[int], hh: int, size: int, anchors: int, span: float, v: int) -> float | None:
        """The span after ``v`` joins, or None when a hard rule forbids it."""
        if hh + self.households[v] > self.max_households or size + self.size[v] > self.max_members:
            return None
        if anchors + self.anchor[v] > self.max_anchors or self.forbidden[v] & members:
            return None
        new_span = self.span_with(members, span, v)
        return None if new_span > self.max_span_m else new_span

    def feasible(self, members: set[int]) -> bool:
        """Every hard rule holds for ``members`` (connectivity included)."""
        members = set(members)
        if not members:
            return False
        hh = sum(self.households[m] for m in members)
        size = sum(self.size[m] for m in members)
        if not (self.min_households <= hh <= self.max_households) or size > self.max_members or size < 2:
            return False
        if sum(self.anchor[m] for m in members) > self.max_anchors or sum(self.candidates[m] for m in members) == 0:
            return False
        if any(self.forbidden[m] & members for m in members):
            return False
        if not connected(members, self.nbrs):
            return False
        span = 0.0
        ordered = sorted(members)
        for k, m in enumerate(ordered):
            span = max(span, self.span_with(ordered[:k], span, m))
        return span <= self.max_span_m

    def cost(self, zones: list[set[int]]) -> tuple[float, float, float, float]:
        """Objective of a set of zones, smaller is better."""
        placed = sum(self.candidates[m] for z in zones for m in z)
        slack = float(self.slacks([list(z) for z in zones]).sum())
        years = sum(self.year_spread(z) for z in zones)
        return (-placed, round(slack, 3), years, -len(zones))


def hull_area(points: list[tuple[float, float]]) -> float:
    """Area of the convex hull of a few points (Andrew's monotone chain; plain Python is
    faster than a GEOS call for the handful of vertices a zone has).

    Example
    -------
    >>> hull_area([(0, 0), (2, 0), (2, 2), (0, 2), (1, 1)])
    4.0
    """
    pts = sorted(set(points))
    if len(pts) < 3:
        return 0.0

    def cross(o, a, b):
        return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])

    lower: list[tuple[float, float]] = []
    for pt in pts:
        while len(lower) >= 2 and cross(lower[-2], lower[-1], pt) <= 0:
            lower.pop()
        lower.append(pt)
    upper: list[tuple[float, float]] = []
    for pt in reversed(pts):
        while len(upper) >= 2 and cross(upper[-2], upper[-1], pt) <= 0:
            upper.pop()
        upper.append(pt)
    ring = lower[:-1] + upper[:-1]
    area = 0.0
    for k in range(len(ring)):
        x1, y1 = ring[k]
        x2, y2 = ring[(k + 1) % len(ring)]
        area += x1 * y2 - x2 * y1
    return abs(area) / 2.0


def zone_slacks(batches: list[tuple[Problem, list[list[int]]]]) -> np.ndarray:
    """Hull slack of every zone of every problem, in order, in one vectorised GEOS call.

    Each zone's hull is GEOS's convex hull of its members' hull points in member order, taken
    of a line through them (built from a ragged array: no point objects; the same hull as of
    the multipoint), its footprint the members' areas summed in the same order.
    """
    batches = [(p, zones) for p, zones in batches if zones]
    if not batches:
        return np.zeros(0)
    # every problem's points stacked; each zone's rows gathered in one pass
    flat: list[int] = []
    zone_len: list[int] = []
    footprint: list[float] = []
    base = 0
    for p, zones in batches:
        if p._coords is None:
            p._coords = np.vstack(p.points) if p.points else np.zeros((0, 2))
        area = p.area
        flat.extend(m + base for z in zones for m in z)
        zone_len.extend(len(z) for z in zones)
        footprint.extend(sum(area[m] for m in z) for z in zones)
        base += p.n
    all_coords = np.concatenate([p._coords for p, _ in batches])
    node_counts = np.concatenate([p._counts for p, _ in batches])
    node_starts = np.concatenate([[0], np.cumsum(node_counts)[:-1]]).astype(np.int64)
    flat = np.array(flat, dtype=np.int64)
    lengths = node_counts[flat]
    rows = np.repeat(node_starts[flat] - (np.cumsum(lengths) - lengths), lengths) + np.arange(int(lengths.sum()))
    coords = all_coords[rows]
    zone_len = np.array(zone_len, dtype=np.int64)
    counts = np.bincount(np.repeat(np.arange(len(zone_len)), zone_len), weights=lengths,
                         minlength=len(zone_len)).astype(np.int64)
    offsets = (np.concatenate([[0], np.cumsum(counts)]),)
    # a line through the points has their hull, and is far cheaper to build than a multipoint
    kind = shapely.GeometryType.LINESTRING if (counts >= 2).all() else shapely.GeometryType.MULTIPOINT
    shapes = shapely.from_ragged_array(kind, coords, offsets)
    return np.maximum(shapely.area(shapely.convex_hull(shapes)) - np.array(footprint, dtype=float), 0.0)


def connected(members: set[int], nbrs: list[set[int]]) -> bool:
    """True when ``members`` form one connected piece of the graph."""
    members = set(members)
    if not members:
        return True
    start = next(iter(members))
    seen = {start}
    stack = [start]
    while stack:
        u = stack.pop()
        for w in nbrs[u] & members:
            if w not in seen:
                seen.add(w)
                stack.append(w)
    return len(seen) == len(members)


# --- exact: every feasible zone, then a dynamic programme over subsets ---------------------


def _feasible_zones(p: Problem) -> list[tuple[int, int, list[int], int, float]]:
    """Every feasible zone, by ESU enumeration: (lowest node, bitmask, members, candidates,
    build-year spread), in the order the search finds them (the order breaks ties later).

    Sets of neighbours are kept as bitmasks for the tests (ESU's exclusive neighbourhood, the
    forbidden pairs); the sets that decide the order of the search are built as before.
    """
    found: list[tuple[int, int, list[int], int, float]] = []
    households, size, anchor, candidates = p.households, p.size, p.anchor, p.candidates
    year_min, year_max, nbrs = p.year_min, p.year_max, p.nbrs
    min_hh, max_hh, max_members, max_span = p.min_households, p.max_households, p.max_members, p.max_span_m
    max_anchors = p.max_anchors
    nbr_mask = [sum(1 << x for x in nb) for nb in nbrs]
    forbidden_mask = [sum(1 << x for x in fb) for fb in p.forbidden]
    rows = p._span_rows
    if rows is None:  # too many points for one matrix: spans pair by pair, cached
        rows = [_LazySpanRow(p, v) for v in range(p.n)]

    def extend(members: list[int], mask: int, near: int, ext: set[int], hh: int, n_size: int, anchors: int,
               span: float, cands: int, y_lo: float, y_hi: float, root: int) -> None:
        if hh >= min_hh and n_size >= 2 and cands:
            found.append((root, mask, members, cands, y_hi - y_lo))
        ext = set(ext)
        while ext:
            w = ext.pop()
            # Problem.can_join, with masks
            if hh + households[w] > max_hh or n_size + size[w] > max_members:
                continue
            if anchors + anchor[w] > max_anchors or forbidden_mask[w] & mask:
                continue
            row = rows[w]
            new_span = max(span, row[w], *[row[m] for m in members])
            if new_span > max_span:
                continue
            excluded = mask | near  # members and their neighbours: ESU's exclusive neighbourhood
            new_ext = ext | {x for x in nbrs[w] if x > root and not (excluded >> x) & 1 and x not in ext}
            extend(members + [w], mask | (1 << w), near | nbr_mask[w], new_ext, hh + households[w],
                   n_size + size[w], anchors + anchor[w], new_span, cands + candidates[w],
                   min(y_lo, year_min[w]), max(y_hi, year_max[w]), root)

    for v in range(p.n):
        extend([v], 1 << v, nbr_mask[v], {x for x in nbrs[v] if x > v}, households[v], size[v],
               int(anchor[v]), p.pair_span(v, v), candidates[v], year_min[v], year_max[v], v)
    return found


class _LazySpanRow:
    """``row[m]`` = ``p.pair_span(v, m)``, for problems too large for one span matrix."""

    def __init__(self, p: Problem, v: int):
        self.p, self.v = p, v

    def __getitem__(self, m: int) -> float:
        return self.p.pair_span(self.v, m)


def _zones_by_root(p: Problem, found, slacks: np.ndarray) -> dict[int, list[tuple[int, tuple]]]:
    by_root: dict[int, list[tuple[int, tuple]]] = {v: [] for v in range(p.n)}
    for (root, mask, _, cands, years), slack in zip(found, slacks.tolist()):
        by_root[root].append((mask, (-cands, round(slack, 3), years, -1)))
    return by_root


def enumerate_zones(p: Problem) -> dict[int, list[tuple[int, tuple]]]:
    """Feasible zones by lowest node: {v: [(bitmask, cost tuple), ...]} (ESU enumeration)."""
    found = _feasible_zones(p)
    return _zones_by_root(p, found, p.slacks([members for _, _, members, _, _ in found]))


def _best_zoning(p: Problem, zones: dict[int, list[tuple[int, tuple]]]) -> list[set[int]]:
    """Dynamic programme over subsets: the lowest node is left out or opens one of its zones."""
    memo: dict[int, tuple[tuple, tuple[int, ...]]] = {0: ((0, 0.0, 0.0, 0), ())}

    def best(mask: int) -> tuple[tuple, tuple[int, ...]]:
        low = mask & -mask
        rest_mask = mask ^ low
        hit = memo.get(rest_mask)
        cost, chosen = hit if hit is not None else best(rest_mask)
        for zmask, (z0, z1, z2, z3) in zones[low.bit_length() - 1]:
            if zmask & mask != zmask:
                continue
            rest_mask = mask & ~zmask
            hit = memo.get(rest_mask)
            (r0, r1, r2, r3), rest = hit if hit is not None else best(rest_mask)
            total = (z0 + r0, round(z1 + r1, 3), z2 + r2, z3 + r3)
            if total < cost:
                cost, chosen = total, (zmask, *rest)
        memo[mask] = (cost, chosen)
        return cost, chosen

    _, chosen = best((1 << p.n) - 1)
    return [{i for i in range(p.n) if (m >> i) & 1} for m in chosen]


def solve_exact(p: Problem) -> list[set[int]]:
    """The best zoning of a small group (see the module docstring for the objective)."""
    return _best_zoning(p, enumerate_zones(p))


# --- heuristic: seeded growth, enclaves, repair, local search ------------------------------


class _State:
    """Zones under construction: node -> zone index, and each zone's running figures."""

    def __init__(self, p: Problem):
        self.p = p
        self.zone_of: list[int | None] = [None] * p.n
        self.zones: list[set[int]] = []

    def figures(self, members: set[int]) -> tuple[int, int, int, float]:
        p = self.p
        ordered = sorted(members)
        span = 0.0
        for k, m in enumerate(ordered):
            span = max(span, p.span_with(ordered[:k], span, m))
        return (sum(p.households[m] for m in members), sum(p.size[m] for m in members),
                sum(p.anchor[m] for m in members), span)

    def add_zone(self, members: set[int]) -> None:
        index = len(self.zones)
        self.zones.append(set(members))
        for m in members:
            self.zone_of[m] = index

    def result(self) -> list[set[int]]:
        return [z for z in self.zones if z]


def _grow(p: Problem, st: _State, seed: int, order_key: dict[int, float]) -> set[int] | None:
    """Grow a zone from ``seed`` over free nodes until it reaches the minimum, compactly."""
    members = {seed}
    hh, size, anchors, span = p.households[seed], p.size[seed], int(p.anchor[seed]), p.pair_span(seed, seed)
    while hh < p.min_households or size < 2:
        best = None
        frontier = set().union(*(p.nbrs[m] for m in members)) - members
        for w in frontier:
            if st.zone_of[w] is not None:
                continue
            new_span = p.can_join(members, hh, size, anchors, span, w)
            if new_span is None:
                continue
            # prefer the smallest growth of the span, then candidates over anchors, then order
            key = (new_span, p.anchor[w], order_key[w])
            if best is None or key < best[0]:
                best = (key, w, new_span)
        if best is None:
            return None
        _, w, span = best
        members.add(w)
        hh += p.households[w]
        size += p.size[w]
        anchors += p.anchor[w]
    return members


def _enclaves(p: Problem, st: _State) -> bool:
    """Give free candidates to a neighbouring zone that can take them; True if anything moved."""
    moved = False
    changed = True
    while changed:
        changed = False
        for v in range(p.n):
            if st.zone_of[v] is not None or not p.candidates[v]:
                continue
            options = []
            for w in p.nbrs[v]:
                z = st.zone_of[w]
                if z is None or any(o[1] == z for o in options):
                    continue
                members = st.zones[z]
                hh, size, anchors, span = st.figures(members)
                new_span = p.can_join(members, hh, size, anchors, span, v)
                if new_span is not None:
                    options.append((new_span, z))
            if options:
                _, z = min(options)
                st.zones[z].add(v)
                st.zone_of[v] = z
                changed = moved = True
    return moved


def _can_give(p: Problem, st: _State, z: int, v: int) -> bool:
    """Zone z stays feasible without node v."""
    rest = st.zones[z] - {v}
    return p.feasible(rest)


def _repair(p: Problem, st: _State, order_key: dict[int, float]) -> bool:
    """Build a zone around a free candidate from free nodes and nodes other zones can spare."""
    improved = False
    for v in sorted((v for v in range(p.n) if st.zone_of[v] is None and p.candidates[v]), key=order_key.get):
        if st.zone_of[v] is not None:
            continue
        members = {v}
        hh, size, anchors, span = p.households[v], p.size[v], int(p.anchor[v]), p.pair_span(v, v)
        taken: list[tuple[int, int]] = []
        while hh < p.min_households or size < 2:
            best = None
            frontier = set().union(*(p.nbrs[m] for m in members)) - members
            for w in frontier:
                z = st.zone_of[w]
                if z is not None and not _can_give(p, st, z, w):
                    continue
                new_span = p.can_join(members, hh, size, anchors, span, w)
                if new_span is None:
                    continue
                key = (z is not None, new_span, order_key[w])
                if best is None or key < best[0]:
                    best = (key, w, new_span, z)
            if best is None:
                break
            _, w, span, z = best
            if z is not None:
                st.zones[z].discard(w)
                st.zone_of[w] = None
                taken.append((w, z))
            members.add(w)
            hh += p.households[w]
            size += p.size[w]
            anchors += p.anchor[w]
        if hh >= p.min_households and size >= 2:
            st.add_zone(members)
            improved = True
        else:  # undo what was borrowed
            for w, z in taken:
                st.zones[z].add(w)
                st.zone_of[w] = z
    return improved


def _local_search(p: Problem, st: _State, *, passes: int = 3) -> None:
    """Move boundary nodes between neighbouring zones while total hull slack drops."""
    for _ in range(passes):
        moved = False
        for v in range(p.n):
            a = st.zone_of[v]
            if a is None:
                continue
            for w in p.nbrs[v]:
                b = st.zone_of[w]
                if b is None or b == a:
                    continue
                src, dst = st.zones[a], st.zones[b]
                new_src, new_dst = src - {v}, dst | {v}
                if not (p.feasible(new_src) and p.feasible(new_dst)):
                    continue
                before = p.slack(src) + p.slack(dst)
                after = p.slack(new_src) + p.slack(new_dst)
                if after < before - 1e-6:
                    st.zones[a], st.zones[b] = new_src, new_dst
                    st.zone_of[v] = b
                    moved = True
                    break
        if not moved:
            return


def solve_heuristic(p: Problem, *, seed: int = 0, restarts: int = 4) -> list[set[int]]:
    """A good zoning of a large group: the best of a few seeded greedy constructions."""
    rng = np.random.default_rng(seed)
    degree = [len(p.nbrs[v]) for v in range(p.n)]
    best_zones: list[set[int]] | None = None
    best_cost = None
    for attempt in range(max(1, restarts)):
        jitter = rng.random(p.n)
        order_key = {v: float(jitter[v]) for v in range(p.n)}
        # hardest first: fewest neighbours, then random (attempt 0: fewest, then position)
        seeds = sorted(range(p.n), key=lambda v: (degree[v], order_key[v] if attempt else v))
        st = _State(p)
        for s in seeds:
            if st.zone_of[s] is not None or not p.candidates[s]:
                continue
            zone = _grow(p, st, s, order_key)
            if zone is not None:
                st.add_zone(zone)
        _enclaves(p, st)
        while _repair(p, st, order_key):
            _enclaves(p, st)
        _local_search(p, st)
        zones = [z for z in st.result() if p.feasible(z)]
        cost = p.cost(zones)
        if best_cost is None or cost < best_cost:
            best_cost, best_zones = cost, zones
    return best_zones or []


def solve(p: Problem, *, seed: int = 0, exact_max_nodes: int = 12) -> list[set[int]]:
    """Zones of one connected group: exact when small enough, heuristic otherwise."""
    if p.n <= exact_max_nodes:
        return solve_exact(p)
    return solve_heuristic(p, seed=seed)


#: From this many groups on, ``solve_all`` uses every CPU unless told otherwise.
PARALLEL_MIN_GROUPS = 5_000


def solve_many(problems: list[Problem], *, seed: int = 0, exact_max_nodes: int = 12) -> list[list[set[int]]]:
    """:func:`solve` of each problem, with the hull slacks of every exactly solved group's
    feasible zones computed in one vectorised call (the same zones as one at a time)."""
    exact = [p.n <= exact_max_nodes for p in problems]
    found = [_feasible_zones(p) if small else None for p, small in zip(problems, exact)]
    slacks = zone_slacks([(p, [z[2] for z in f]) for p, f in zip(problems, found) if f is not None])
    out: list[list[set[int]]] = []
    at = 0
    for p, f in zip(problems, found):
        if f is None:
            out.append(solve_heuristic(p, seed=seed))
            continue
        out.append(_best_zoning(p, _zones_by_root(p, f, slacks[at:at + len(f)])))
        at += len(f)
    return out


def _solve_chunk(args: tuple[list[Problem], int, int]) -> list[list[set[int]]]:
    problems, seed, exact_max_nodes = args
    return solve_many(problems, seed=seed, exact_max_nodes=exact_max_nodes)


def solve_all(
    problems: list[Problem],
    *,
    seed: int = 0,
    exact_max_nodes: int = 12,
    workers: int | None = None,
    progress=None,
) -> list[list[set[int]]]:
    """Solve many independent groups, in ``workers`` processes when there are many.

    Each group's result depends only on the group and the seed, so the answer is the same
    for any number of workers. By default (``workers=None``) one process per CPU from
    ``PARALLEL_MIN_GROUPS`` groups on, one below: on this 2-core machine two workers solved the
    220,000-community city in 38.5 s against 44.0 s for one, while on small inputs starting the
    processes costs more than it saves (``benchmarks/zones.py --scale`` measures both).
    """
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    total = len(problems)
    if workers is None:
        workers = (os.cpu_count() or 1) if total >= PARALLEL_MIN_GROUPS else 1
    if workers <= 1 or total < 400:
        out = []
        for k in range(0, total, 200):  # progress every 200 groups
            out.extend(solve_many(problems[k:k + 200], seed=seed, exact_max_nodes=exact_max_nodes))
            if progress is not None:
                progress(len(out), total)
        return out
    size = max(50, total // (workers * 8))
    chunks = [problems[k:k + size] for k in range(0, total, size)]
    out = []
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("fork")) as pool:
        for chunk, result in zip(chunks, pool.map(_solve_chunk, [(c, seed, exact_max_nodes) for c in chunks])):
            out.extend(result)
            if progress is not None:
                progress(len(out), total)
    return out


def hull_points(geoms: np.ndarray) -> list[np.ndarray]:
    """Convex-hull vertices of each geometry, as (k, 2) arrays (vectorised).

    Example
    -------
    >>> from shapely import box
    >>> [p.shape for p in hull_points(np.array([box(0, 0, 1, 1), box(2, 2, 4, 3)]))]
    [(4, 2), (4, 2)]
    """
    hulls = shapely.convex_hull(geoms)
    coords, owner = shapely.get_coordinates(hulls, return_index=True)
    polygon = shapely.get_type_id(hulls) == 3
    # a polygon hull repeats its first vertex at the end: drop it
    last = np.r_[owner[1:] != owner[:-1], True]
    keep = ~(last & polygon[owner])
    coords, owner = coords[keep], owner[keep]
    cuts = np.searchsorted(owner, np.arange(1, len(geoms)))
    return np.split(coords, cuts)


def span_of(points: list[np.ndarray]) -> float:
    """Largest distance between any two of the points."""
    pts = np.vstack(points)
    if len(pts) < 2:
        return 0.0
    hull = shapely.convex_hull(shapely.multipoints(pts))
    h = shapely.get_coordinates(hull)
    d = h[:, None, :] - h[None, :, :]
    return float(math.sqrt((d * d).sum(axis=2).max()))
