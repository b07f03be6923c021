"""Zoning benchmark: :func:`geo.zoning.zones.propose_zones` against max-p, an exact optimum, and scale.

Every zoning is measured with the same yardstick, :func:`geo.zoning.score.score_zoning` under the
default :class:`geo.zoning.zones.ZoneRules` (300-2000 households, at most 10 communities, span at most
500 m, connected through uncut pairs, one street, at most one anchor).

1. **Ours vs max-p** (spopt ``MaxPHeuristic``; pygeoda ``maxp_greedy`` when it imports) on one
   common problem per city: units = the merge candidates (``merge_candidates`` with default
   rules); graph = the uncut candidate-candidate pairs of ``community_pairs`` (gap 15 m,
   barriers, same street) as a ``libpysal.weights.W`` built from neighbour dicts (islands
   kept); threshold attribute = households; minimum = 300. Ours runs with
   ``allow_anchor=False`` on the candidate subset with the same pairs. Max-p has no maximum
   and no span, so its zones are scored for the rules they break. Units a method leaves
   without a region are counted as left out. Cities: the demo city and ``make_city(n)`` for
   n = 1,000, 2,000, 5,000 (``--quick``: demo and 1,000; ``--cities`` picks them). Our time is
   the ``propose_zones`` call (search, every zone's figures, the reasons of every candidate left
   out); the zones' outlines are drawn when ``result.zones`` is first read, and the row
   ``ours + outlines`` adds that drawing. ``--repeats N`` times each method N times (fastest,
   median and every time printed; other jobs share the machine).
2. **Ours vs the exact optimum** on small windows (20-40 communities, candidates and possible
   anchors) cut out of synthetic cities: ``propose_zones`` with default rules, once with
   ``exact_max_nodes=0`` (the heuristic alone) and once with the default; the optimum is
   computed here, independently of the engine: every feasible zone enumerated, then a set
   packing solved with OR-Tools CP-SAT, maximising the candidates placed; once with anchors of
   more than 300 households (README.md's rule, which the engine applies) and once with any
   non-candidate as anchor. Each of our zones is also checked against the independent
   enumeration, and the default run is repeated on the rows in reverse order (the engine
   promises the same zones). One more window surrounds each group of more than
   ``exact_max_nodes`` nodes in ``make_city(20_000)``: the groups the default run gives the
   heuristic (random windows rarely hold one).
3. **Scale** (``--scale``): ``community_pairs`` + ``propose_zones`` on ``make_city(220_000)``
   (``--scale-n``), wall time and peak memory, in a fresh process that only loads the
   communities and barriers (the city is generated in another process, not counted).

Usage
-----
::

    .venv/bin/python benchmarks/zones.py             # parts 1 and 2 (about 4 minutes)
    .venv/bin/python benchmarks/zones.py --quick     # smoke run: demo and 1,000 only
    .venv/bin/python benchmarks/zones.py --parts spopt --cities 2000 --repeats 3   # the 100x target
    .venv/bin/python benchmarks/zones.py --scale     # also part 3 (220,000 communities)
    .venv/bin/python benchmarks/zones.py --parts scale --scale-n 50000
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import hashlib
import io
import json
import os
import platform
import pstats
import resource
import shlex
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from importlib import metadata
from pathlib import Path
from typing import Self

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from geo.zoning.adjacency import community_pairs
from geo.io.load import load_demo
from geo.synthetic.city import DEFAULT_SEED, make_city
from geo.zoning.score import score_zoning
from geo.zoning.zones import ZoneRules, merge_candidates, propose_zones

#: Cities of part 1 (``None`` = the demo city); ``--quick`` keeps the first two.
CITY_SIZES = (None, 1_000, 2_000, 5_000)
#: spopt's README example: ``numpy.random.seed(123456)``, ``top_n=2``, the class defaults
#: ``max_iterations_construction=99`` and ``max_iterations_sa=10``.
SPOPT_SEED = 123456
SPOPT_PARAMS = {"top_n": 2, "max_iterations_construction": 99, "max_iterations_sa": 10}
#: pygeoda's documented defaults (iterations 99, seed 123456789: "the same as GeoDa").
PYGEODA_PARAMS = {"iterations": 99, "random_seed": 123456789}
#: A max-p run that has not answered after this long is stopped and reported as such.
METHOD_TIMEOUT_S = 300.0
#: Part 2: window sources and sizes.
WINDOW_SOURCES = (None, 1, 2, 3)  # None = the demo city, k = make_city(2_000, seed=k)
WINDOW_CITY_N = 2_000
WINDOW_SIZES = (20, 40)
LARGE_GROUP_CITY_N = 20_000
#: Part 3 targets on this machine.
SCALE_N = 220_000
TARGET_SECONDS = 60.0
TARGET_GB = 8.0
PROFILE_N = 20_000
ENGINE_FILES = ("geo/zoning/adjacency.py", "geo/zoning/zones.py", "geo/zoning/search.py", "geo/zoning/score.py")
PACKAGES = ("numpy", "pandas", "shapely", "geopandas", "networkx", "scipy", "libpysal", "spopt",
            "pygeoda", "ortools")


# --- output -------------------------------------------------------------------------------------


def table(rows: list[dict], columns: list[str] | None = None) -> str:
    """Plain-text table of ``rows`` (dicts); numbers right-aligned, None shown as '-'."""
    if not rows:
        return "(no rows)"
    columns = columns or list(rows[0])

    def cell(value) -> str:
        if value is None or (isinstance(value, float) and np.isnan(value)):
            return "-"
        if isinstance(value, float):
            return f"{value:,.3f}" if abs(value) < 10 else f"{value:,.1f}"
        if isinstance(value, (int, np.integer)):
            return f"{value:,}"
        return str(value)

    cells = [[cell(r.get(c)) for c in columns] for r in rows]
    numeric = [all(isinstance(r.get(c), (int, float, np.integer, np.floating)) or r.get(c) is None
                   for r in rows) for c in columns]
    widths = [max(len(c), *(len(row[k]) for row in cells)) for k, c in enumerate(columns)]

    def fmt(values: list[str]) -> str:
        return "  ".join(v.rjust(w) if num else v.ljust(w) for v, w, num in zip(values, widths, numeric))

    lines = [fmt(columns), "  ".join("-" * w for w in widths)]
    lines += [fmt(row) for row in cells]
    return "\n".join(line.rstrip() for line in lines)


def heading(text: str) -> None:
    print(f"\n{'=' * len(text)}\n{text}\n{'=' * len(text)}", flush=True)


def machine() -> dict:
    """CPU count, memory, Python and package versions, and the engine files' hashes."""
    mem = {}
    with open("/proc/meminfo") as f:
        for line in f:
            key, value = line.split(":", 1)
            mem[key] = int(value.split()[0])
    cpu = "?"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    hashes = {}
    for rel in ENGINE_FILES:
        path = ROOT / rel
        hashes[rel] = hashlib.sha256(path.read_bytes()).hexdigest()[:12] if path.exists() else "missing"
    try:
        commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                                capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--", *ENGINE_FILES],
                               capture_output=True, text=True, check=True).stdout.strip()
        commit += " (engine files modified or untracked)" if dirty else ""
    except (OSError, subprocess.CalledProcessError):
        commit = "?"
    return {
        "nproc": os.cpu_count(), "affinity": len(os.sched_getaffinity(0)), "cpu": cpu,
        "mem_gb": round(mem.get("MemTotal", 0) / 2**20, 1), "python": platform.python_version(),
        "platform": platform.platform(), "versions": versions, "engine": hashes, "commit": commit,
    }


def print_header(args: argparse.Namespace) -> None:
    m = machine()
    command = " ".join(shlex.quote(a) for a in [os.path.relpath(sys.executable, ROOT), *sys.argv])
    print(f"command : {command}  (cwd {os.getcwd()})")
    print(f"machine : nproc={m['nproc']} (usable {m['affinity']}), {m['cpu']}, {m['mem_gb']} GB RAM, "
          f"{m['platform']}")
    print(f"python  : {m['python']}; " + ", ".join(f"{k} {v}" for k, v in m["versions"].items()))
    hashes = ", ".join(f"{k} {v}" for k, v in m["engine"].items())
    print(f"engine  : git {m['commit']}; sha256[:12] {hashes}")
    print(f"started : {time.strftime('%Y-%m-%d %H:%M:%S %Z')}")


# --- running a method in a forked child (timeouts, crashes) --------------------------------------


@dataclass
class Outcome:
    """What a method returned: unit labels (position -> region, None when unplaced) or an error."""

    seconds: float | None
    labels: list | None = None
    error: str | None = None
    times: list[float] = field(default_factory=list)  # every run's time when repeated


def run_isolated(fn: Callable[[], tuple[float, list]], timeout: float) -> Outcome:
    """Run ``fn`` (returns (seconds, labels)) in a forked child: a crash or a hang is reported,
    not fatal. The child inherits the parent's data, so nothing big is pickled in."""
    import multiprocessing as mp

    ctx = mp.get_context("fork")
    recv, send = ctx.Pipe(duplex=False)

    def child() -> None:
        try:
            warnings.filterwarnings("ignore")
            send.send(("ok", fn()))
        except BaseException as exc:  # noqa: BLE001 - report anything the method raises
            send.send(("error", f"{type(exc).__name__}: {exc}"))

    start = time.perf_counter()
    proc = ctx.Process(target=child, daemon=True)
    proc.start()
    send.close()
    try:
        if recv.poll(timeout):
            status, payload = recv.recv()
        else:
            status, payload = "timeout", f"no answer after {timeout:.0f} s (stopped)"
    except EOFError:
        status, payload = "error", f"the process died (exit code {proc.exitcode})"
    if proc.is_alive():
        proc.terminate()
    proc.join()
    if status == "ok":
        seconds, labels = payload
        return Outcome(seconds, list(labels))
    return Outcome(time.perf_counter() - start if status == "timeout" else None, error=payload)


# --- part 1: ours vs max-p -----------------------------------------------------------------------


@dataclass
class Ground:
    """The common problem of part 1 for one city."""

    name: str
    communities: gpd.GeoDataFrame
    barriers: gpd.GeoDataFrame
    pairs: gpd.GeoDataFrame
    units: gpd.GeoDataFrame  # the merge candidates, sorted by id, index 0..n-1
    neighbours: dict[int, list[int]]  # uncut candidate-candidate pairs, by unit position
    households: np.ndarray

    @property
    def ids(self) -> list[str]:
        return self.units["community_id"].tolist()

    def components(self) -> np.ndarray:
        """Connected-component label of each unit over ``neighbours``."""
        graph = nx.Graph()
        graph.add_nodes_from(self.neighbours)
        graph.add_edges_from((i, j) for i, js in self.neighbours.items() for j in js)
        label = np.empty(len(self.units), int)
        for k, comp in enumerate(nx.connected_components(graph)):
            label[list(comp)] = k
        return label

    def feasible_units(self, minimum: float) -> np.ndarray:
        """Positions of units whose component reaches ``minimum`` households (spopt's 'drop')."""
        label = self.components()
        totals = np.bincount(label, weights=self.households)
        return np.flatnonzero(totals[label] >= minimum)


def load_cities(sizes: tuple[int | None, ...], seed: int) -> list[tuple[str, dict]]:
    out = []
    for n in sizes:
        if n is None:
            out.append(("demo", load_demo().layers))
        else:
            out.append((f"synthetic {n:,}", make_city(n, seed=seed)))
    return out


def common_ground(name: str, layers: dict, rules: ZoneRules) -> Ground:
    """Units, graph and attribute shared by every method of part 1."""
    communities = layers["communities"].copy()
    communities["community_id"] = communities["community_id"].astype(str)
    barriers = layers["barriers"]
    pairs = community_pairs(communities, gap_m=rules.gap_m, barriers=barriers,
                            respect_streets=rules.same_street)
    units = communities[merge_candidates(communities, rules).to_numpy()]
    units = units.sort_values("community_id").reset_index(drop=True)
    pos = {cid: k for k, cid in enumerate(units["community_id"])}
    uncut = pairs[~pairs["cut"].to_numpy(bool)]
    neighbours: dict[int, list[int]] = {k: [] for k in range(len(units))}
    for a, b in zip(uncut["a"], uncut["b"]):
        if a in pos and b in pos:
            neighbours[pos[a]].append(pos[b])
            neighbours[pos[b]].append(pos[a])
    households = pd.to_numeric(units["households"]).to_numpy(float)
    return Ground(name, communities, barriers, pairs, units, neighbours, households)


def method_frame(ground: Ground) -> gpd.GeoDataFrame:
    """The units as max-p sees them: households (threshold) and centroid x, y in metres
    (the similarity attributes, so that max-p's own objective favours compact regions)."""
    frame = gpd.GeoDataFrame({"hh": ground.households}, geometry=ground.units.geometry.to_numpy(),
                             crs=ground.units.crs)
    centroids = shapely.centroid(np.asarray(frame.geometry.array))
    frame["x"], frame["y"] = shapely.get_x(centroids), shapely.get_y(centroids)
    return frame


def run_ours(ground: Ground, rules: ZoneRules) -> tuple[Outcome, dict]:
    """propose_zones on the candidates only, no anchors, with the common pairs.

    The time is the ``propose_zones`` call: the search, every zone's figures, the reasons and
    relaxations of every candidate left out. The zones' outlines are drawn when
    ``result.zones`` is first read; that is timed too, on its own (``summary["draw_s"]``).
    """
    ours_rules = replace(rules, allow_anchor=False)
    start = time.perf_counter()
    result = propose_zones(ground.units, pairs=ground.pairs, barriers=ground.barriers, rules=ours_rules)
    seconds = time.perf_counter() - start
    zone_of = result.assignment()
    labels = [zone_of.get(cid) for cid in ground.ids]
    summary = result.summary()
    start = time.perf_counter()
    result.zones  # noqa: B018 - draws the outlines
    summary["draw_s"] = time.perf_counter() - start
    return Outcome(seconds, labels), summary


def repeated(run: Callable[[], Outcome], repeats: int) -> Outcome:
    """``run`` ``repeats`` times: the labels of the first run, its fastest time, and every time.

    Other jobs share the machine, so the minimum is the figure least disturbed by them; the
    median and the spread are printed beside it.
    """
    outcomes = [run() for _ in range(max(1, repeats))]
    first = outcomes[0]
    times = [o.seconds for o in outcomes if o.seconds is not None and o.error is None]
    if first.error is not None or not times:
        return first
    return Outcome(min(times), first.labels, first.error, times=times)


def run_spopt(ground: Ground, policy: str, minimum: float, timeout: float) -> Outcome:
    """spopt MaxPHeuristic with the README's parameters, numpy's global RNG seeded first.

    With ``policy='drop'`` spopt removes the components that cannot reach the minimum and
    returns labels for the remaining units only (in their original order); those units are
    mapped back here and the dropped ones are left out. ``'single'`` (spopt's default) adds a
    link from each such component to its nearest feasible one, outside the common graph.
    """
    import libpysal
    from spopt.region import MaxPHeuristic
    from spopt.region.base import infeasible_components

    frame = method_frame(ground)

    def solve() -> tuple[float, list]:
        w = libpysal.weights.W({k: list(v) for k, v in ground.neighbours.items()}, silence_warnings=True)
        kept = np.arange(len(frame))
        if policy == "drop":  # the units spopt keeps, found as spopt.region.base.modify_components does
            dropped = infeasible_components(frame.copy(), w, "hh", minimum)
            kept = np.flatnonzero(~np.isin(w.component_labels, dropped))
        np.random.seed(SPOPT_SEED)
        start = time.perf_counter()
        model = MaxPHeuristic(frame, w, ["x", "y"], "hh", minimum, policy=policy, **SPOPT_PARAMS)
        model.solve()
        seconds = time.perf_counter() - start
        raw = np.asarray(model.labels_)
        if len(raw) != len(kept):
            raise RuntimeError(f"spopt returned {len(raw)} labels for {len(kept)} kept units")
        labels: list = [None] * len(frame)
        for k, lab in zip(kept, raw.tolist()):
            labels[k] = None if lab is None or lab <= 0 else f"S{lab}"
        return seconds, labels

    return run_isolated(solve, timeout)


def run_pygeoda(ground: Ground, minimum: float, threads: int, timeout: float) -> Outcome:
    """pygeoda maxp_greedy on the units of components that can reach the minimum.

    maxp_greedy does not return when some component cannot reach the minimum (a two-unit
    graph of 110 households and an island of 100, minimum 300, ran until stopped), so it gets
    the same units spopt keeps with ``policy='drop'``; the others are left out. The graph is
    handed over as a GAL file (pygeoda builds weights from files or geometries only).
    """
    try:
        import pygeoda
    except Exception as exc:  # noqa: BLE001 - any import failure is reported
        return Outcome(None, error=f"pygeoda does not import ({type(exc).__name__}: {exc}); "
                                   "pip install pygeoda failed or was not run")
    frame = method_frame(ground)
    kept = ground.feasible_units(minimum)
    local = {int(k): n for n, k in enumerate(kept)}

    def solve() -> tuple[float, list]:
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "units.gal")
            with open(path, "w") as f:
                f.write(f"0 {len(kept)} units UNIT\n")
                for k in kept:
                    nbrs = sorted(local[j] + 1 for j in ground.neighbours[int(k)] if j in local)
                    f.write(f"{local[int(k)] + 1} {len(nbrs)}\n{' '.join(map(str, nbrs))}\n")
            w = pygeoda.read_gal(path, [str(n + 1) for n in range(len(kept))])
        data = frame[["x", "y"]].iloc[kept].reset_index(drop=True)
        start = time.perf_counter()
        result = pygeoda.maxp_greedy(w, data, frame["hh"].iloc[kept].tolist(), minimum,
                                     cpu_threads=threads, **PYGEODA_PARAMS)
        seconds = time.perf_counter() - start
        labels: list = [None] * len(frame)
        for k, lab in zip(kept, result["Clusters"]):
            labels[int(k)] = None if lab <= 0 else f"G{lab}"
        return seconds, labels

    return run_isolated(solve, timeout)


RULE_COLUMNS = {
    "max_households": "max_hh", "max_span": "max_span", "max_members": "max_memb",
    "too_few_members": "1_member", "min_households": "min_hh", "disconnected": "disconn",
    "cross_street": "x_street", "anchors": "anchors",
}


def measure(ground: Ground, labels: list, rules: ZoneRules) -> dict:
    """Score a labelling of the units with score_zoning: zones, left out, violations by rule."""
    assignment = {cid: lab for cid, lab in zip(ground.ids, labels) if lab is not None}
    candidates = pd.Series(True, index=ground.units["community_id"])
    score = score_zoning(ground.units, assignment, pairs=ground.pairs, barriers=ground.barriers,
                         rules=rules, candidates=candidates)
    totals = score.totals()
    broken = score.violations
    bad_zones = set(broken["zone_id"].dropna())
    in_valid = int(score.zones.loc[~score.zones["zone_id"].isin(bad_zones), "n_members"].sum())
    counts = Counter(broken["rule"])
    row = {
        "zones": totals["zones"], "left_out": len(ground.ids) - len(assignment),
        "bad_zones": len(bad_zones), "in_valid": in_valid,
    }
    for rule, short in RULE_COLUMNS.items():
        row[short] = counts.get(rule, 0)
    row["other"] = sum(v for k, v in counts.items() if k not in RULE_COLUMNS)
    row["compact"] = totals["mean_compactness"]
    row["max_n"] = int(score.zones["n_members"].max()) if len(score.zones) else 0
    row["max_hh_z"] = int(score.zones["households"].max()) if len(score.zones) else 0
    return row


def describe_part1(args: argparse.Namespace, rules: ZoneRules) -> None:
    """Print the common ground and each method's settings."""
    spopt_params = ", ".join(f"{k}={v}" for k, v in SPOPT_PARAMS.items())
    pygeoda_params = ", ".join(f"{k}={v}" for k, v in PYGEODA_PARAMS.items())
    print("units = merge candidates; graph = uncut candidate-candidate pairs (gap "
          f"{rules.gap_m:g} m, barriers, same street) as a libpysal W, islands kept; threshold = "
          f"households >= {rules.min_households}.")
    print(f"ours: propose_zones(candidates, pairs, allow_anchor=False), seed {rules.seed}, default workers; "
          "its time includes the search, every zone's figures and the reasons; the outlines are drawn when "
          "result.zones is first read: 'ours + outlines' adds that.")
    print(f"spopt: MaxPHeuristic(attrs=[centroid x, y], {spopt_params}) = its README example (top_n=2) "
          f"with the class defaults; numpy.random.seed({SPOPT_SEED}) before each run (no seed argument).")
    print("  policy=drop: components below the minimum removed first (same graph; removed units are "
          "absent from labels_ and count as left out);")
    print("  policy=single (spopt's default): each such component joined to the nearest feasible one "
          "by an added link that is NOT in the common graph.")
    print(f"pygeoda: maxp_greedy({pygeoda_params}, cpu_threads={args.threads}, standardised centroid x, y) "
          "on the units spopt's 'drop' keeps.")
    print("Scored with score_zoning under the default rules (max 2,000 households, 10 members, 500 m). "
          "time = the solve call; ratio = time / ours.")


def compare_city(args: argparse.Namespace, rules: ZoneRules, ground: Ground) -> tuple[list[dict], list[str]]:
    """Every method on one city's common ground: table rows, and notes (checks, errors)."""
    summaries: list[dict] = []

    def ours_once() -> Outcome:
        outcome, summary = run_ours(ground, rules)
        summaries.append(summary)
        return outcome

    ours = repeated(ours_once, args.repeats)
    summary = summaries[0]
    notes = [f"ours left out by reason: {summary.get('left_out_by_reason', {})}"]
    with_outlines = [t + s["draw_s"] for t, s in zip(ours.times or [ours.seconds], summaries)]
    drawn = Outcome(min(with_outlines), ours.labels, times=with_outlines)
    shuffled = ground.units.sample(frac=1.0, random_state=1)
    again = propose_zones(shuffled, pairs=ground.pairs, barriers=ground.barriers,
                          rules=replace(rules, allow_anchor=False)).assignment()
    same = again == {cid: z for cid, z in zip(ground.ids, ours.labels) if z is not None}
    notes.append(f"ours on the rows shuffled gives {'the same' if same else 'DIFFERENT'} zones")
    runs: list[tuple[str, Outcome]] = [("ours", ours), ("ours + outlines", drawn)]
    for policy in args.spopt_policies:
        runs.append((f"spopt {policy}", repeated(
            lambda: run_spopt(ground, policy, rules.min_households, args.method_timeout), args.repeats)))
    if not args.no_pygeoda:
        runs.append(("pygeoda greedy", repeated(
            lambda: run_pygeoda(ground, rules.min_households, args.threads, args.method_timeout), args.repeats)))
    rows = []
    for method, outcome in runs:
        row = {"city": ground.name, "units": len(ground.units), "method": method, "time_s": outcome.seconds}
        if outcome.labels is None:
            notes.append(f"{method}: {outcome.error}")
        else:
            row["ratio"] = outcome.seconds / ours.seconds if ours.seconds else None
            row.update(measure(ground, outcome.labels, rules))
        rows.append(row)
        spread = ""
        if len(outcome.times) > 1:
            spread = (f"  (min of {len(outcome.times)}; median {float(np.median(outcome.times)):.3f} s; all "
                      + ", ".join(f"{t:.3f}" for t in outcome.times) + ")")
            notes.append(f"{method}: min {min(outcome.times):.3f} s, median {float(np.median(outcome.times)):.3f} s "
                         f"over {len(outcome.times)} runs")
        print(f"  {ground.name:>16} {method:<16} {outcome.seconds or 0:8.3f} s{spread}"
              + (f"  ERROR {outcome.error}" if outcome.error else ""), flush=True)
    spopt_drop = next((o for m, o in runs if m == "spopt drop" and o.error is None), None)
    if spopt_drop is not None:
        notes.append(f"spopt drop / ours = {spopt_drop.seconds / ours.seconds:.1f}x (the propose_zones call); "
                     f"/ ours + outlines drawn = {spopt_drop.seconds / drawn.seconds:.1f}x")
    return rows, notes


def part_spopt(args: argparse.Namespace, rules: ZoneRules) -> list[dict]:
    heading("1. Ours vs max-p (spopt MaxPHeuristic, pygeoda maxp_greedy) on the same problem")
    describe_part1(args, rules)
    sizes = args.cities if args.cities is not None else (CITY_SIZES[:2] if args.quick else CITY_SIZES)
    rows: list[dict] = []
    notes: list[str] = []
    for name, layers in load_cities(sizes, args.city_seed):
        city_rows, city_notes = compare_city(args, rules, common_ground(name, layers, rules))
        rows += city_rows
        notes += [f"{name}: {note}" for note in city_notes]
    columns = ["city", "units", "method", "time_s", "ratio", "zones", "left_out", "in_valid", "bad_zones",
               *RULE_COLUMNS.values(), "other", "compact", "max_n", "max_hh_z"]
    print()
    print(table(rows, columns))
    for note in notes:
        print(f"  {note}")
    print("columns: left_out = units in no region; in_valid = units in zones that break no rule; "
          "bad_zones = zones breaking at least one rule; max_hh .. anchors = violations by rule "
          "(1_member: a one-community zone); compact = mean footprint/convex-hull area; "
          "max_n, max_hh_z = largest zone's communities and households.")
    return rows


# --- part 2: ours vs the exact optimum -----------------------------------------------------------


@dataclass
class Instance:
    """A window of communities cut out of a city."""

    name: str
    source: str
    centre: str
    communities: gpd.GeoDataFrame
    barriers: gpd.GeoDataFrame
    pairs: gpd.GeoDataFrame = field(repr=False)


def window_instances(count: int, seed: int, city_seed: int) -> list[Instance]:
    """``count`` windows: the k (20-40) communities nearest, by centroid, to a random candidate
    that has an uncut neighbour; sources taken in turn (demo, make_city(2,000, seed=1..3))."""
    rng = np.random.default_rng(seed)
    rules = ZoneRules()
    sources = []
    for s in WINDOW_SOURCES:
        if s is None:
            sources.append(("demo", load_demo().layers))
        else:
            sources.append((f"make_city({WINDOW_CITY_N}, seed={s})", make_city(WINDOW_CITY_N, seed=s)))
    prepared = []
    for label, layers in sources:
        comm = layers["communities"].copy()
        comm["community_id"] = comm["community_id"].astype(str)
        comm = comm.sort_values("community_id").reset_index(drop=True)
        pairs = community_pairs(comm, gap_m=rules.gap_m, barriers=layers["barriers"])
        uncut = pairs[~pairs["cut"].to_numpy(bool)]
        linked = set(uncut["a"]) | set(uncut["b"])
        cand = is_candidate(comm, rules)
        centres = [k for k in np.flatnonzero(cand) if comm.at[k, "community_id"] in linked]
        xy = shapely.get_coordinates(shapely.centroid(np.asarray(comm.geometry.array)))
        prepared.append((label, comm, layers["barriers"], centres, xy))
    out = []
    for k in range(count):
        label, comm, barriers, centres, xy = prepared[k % len(prepared)]
        centre = int(rng.choice(centres))
        size = int(rng.integers(WINDOW_SIZES[0], WINDOW_SIZES[1] + 1))
        nearest = np.argsort(np.hypot(*(xy - xy[centre]).T), kind="stable")[:size]
        window = comm.iloc[np.sort(nearest)].reset_index(drop=True)
        pairs = community_pairs(window, gap_m=rules.gap_m, barriers=barriers)
        out.append(Instance(f"W{k + 1:02d}", label, comm.at[centre, "community_id"], window, barriers, pairs))
    return out


def large_group_instances(city_n: int, city_seed: int, rules: ZoneRules) -> list[Instance]:
    """One window per group of more than ``exact_max_nodes`` nodes in make_city(city_n): the
    communities nearest the group's centre until the whole group is in, at least 20. These are
    the groups the default run hands to the heuristic (random windows rarely hold one)."""
    city = make_city(city_n, seed=city_seed)
    comm = city["communities"].copy()
    comm["community_id"] = comm["community_id"].astype(str)
    comm = comm.sort_values("community_id").reset_index(drop=True)
    pairs = community_pairs(comm, gap_m=rules.gap_m, barriers=city["barriers"])
    cand = is_candidate(comm, rules)
    xy = shapely.get_coordinates(shapely.centroid(np.asarray(comm.geometry.array)))
    large = [sorted(g) for g in pool_groups(comm, pairs, cand, rules) if len(g) > rules.exact_max_nodes]
    out = []
    for k, group in enumerate(sorted(large, key=lambda g: (-len(g), g[0]))):
        order = np.argsort(np.hypot(*(xy - xy[group].mean(axis=0)).T), kind="stable")
        rank = np.empty(len(order), int)
        rank[order] = np.arange(len(order))
        size = max(WINDOW_SIZES[0], int(rank[group].max()) + 1)
        window = comm.iloc[np.sort(order[:size])].reset_index(drop=True)
        out.append(Instance(f"G{k + 1:02d}", f"make_city({city_n}), group of {len(group)}",
                            comm.at[group[0], "community_id"], window, city["barriers"],
                            community_pairs(window, gap_m=rules.gap_m, barriers=city["barriers"])))
    return out


def is_candidate(frame: pd.DataFrame, rules: ZoneRules) -> np.ndarray:
    """Merge candidates, written out here from the rules (not the engine's code)."""
    hh = pd.to_numeric(frame["households"], errors="coerce").to_numpy(float)
    year = pd.to_numeric(frame["build_year"], errors="coerce").to_numpy(float)
    status = frame["status"].astype(object).to_numpy()
    with np.errstate(invalid="ignore"):
        return (~np.isnan(hh) & (hh <= rules.small_max_households) & ~np.isnan(year)
                & (year <= rules.cutoff_year) & (status != "completed"))


def span_matrix(geoms: np.ndarray) -> np.ndarray:
    """Largest distance between any point of footprint u and any point of footprint v
    (attained at vertices), for every pair; the diagonal is each footprint's diameter."""
    coords, owner = shapely.get_coordinates(geoms, return_index=True)
    d = np.sqrt(((coords[:, None, :] - coords[None, :, :]) ** 2).sum(axis=2))
    n = len(geoms)
    out = np.zeros((n, n))
    for u in range(n):
        rows = d[owner == u]
        for v in range(u, n):
            out[u, v] = out[v, u] = rows[:, owner == v].max()
    return out


def feasible_zones(inst: Instance, rules: ZoneRules, *, large_anchors: bool
                   ) -> tuple[dict[frozenset, int], np.ndarray]:
    """Every feasible zone of the instance: frozenset of positions -> candidates in it.

    A zone is a connected set (over pairs that are not cut) of 2..max_members communities with
    known households, total households in [min, max], span <= max_span_m, at most one anchor
    (non-candidate) and at least one candidate. With ``large_anchors`` an anchor must also have
    more than ``small_max_households`` households (README.md's rule table and geo/zoning/zones.py);
    without, any non-candidate may anchor (a looser rule, for reference). Every rule but the
    minimum only gets harder as members are added, so sets are grown one neighbour at a time
    and pruned on those rules; each set is visited once.
    """
    frame = inst.communities
    n = len(frame)
    hh = pd.to_numeric(frame["households"], errors="coerce").to_numpy(float)
    cand = is_candidate(frame, rules)
    known = ~np.isnan(hh) & (hh >= 0)
    if large_anchors:
        known &= cand | (hh > rules.small_max_households)
    span = span_matrix(np.asarray(frame.geometry.array))
    pos = {cid: k for k, cid in enumerate(frame["community_id"])}
    reason = inst.pairs["reason"].astype(object)
    usable = reason.isna() | ((reason == "street") & (not rules.same_street))
    nbrs: list[set[int]] = [set() for _ in range(n)]
    for a, b in zip(inst.pairs.loc[usable, "a"], inst.pairs.loc[usable, "b"]):
        i, j = pos[a], pos[b]
        if known[i] and known[j]:
            nbrs[i].add(j)
            nbrs[j].add(i)
    zones: dict[frozenset, int] = {}
    seen: set[frozenset] = set()
    limit = rules.max_span_m + 1e-6
    for v in range(n):
        if not known[v] or hh[v] > rules.max_households or span[v, v] > limit:
            continue
        start = frozenset([v])
        seen.add(start)
        stack = [(start, hh[v], int(not cand[v]))]
        while stack:
            members, total, anchors = stack.pop()
            if len(members) >= 2 and total >= rules.min_households and anchors < len(members):
                zones[members] = int(sum(cand[m] for m in members))
            if len(members) == rules.max_members:
                continue
            frontier = set().union(*(nbrs[m] for m in members)) - members
            for w in frontier:
                grown = members | {w}
                if grown in seen:
                    continue
                seen.add(grown)
                new_total, new_anchors = total + hh[w], anchors + int(not cand[w])
                if new_total > rules.max_households or new_anchors > 1:
                    continue
                if max(span[w, m] for m in grown) > limit:
                    continue
                stack.append((grown, new_total, new_anchors))
    return zones, cand


def optimum(zones: dict[frozenset, int], n: int, time_limit: float) -> tuple[int, int, str]:
    """Most candidates placed by disjoint feasible zones (CP-SAT set packing):
    (best found, proven upper bound, status name); the two are equal when OPTIMAL."""
    from ortools.sat.python import cp_model

    if not zones:
        return 0, 0, "OPTIMAL"
    model = cp_model.CpModel()
    items = list(zones.items())
    x = [model.NewBoolVar(f"z{k}") for k in range(len(items))]
    covering: list[list] = [[] for _ in range(n)]
    for var, (members, _) in zip(x, items):
        for m in members:
            covering[m].append(var)
    for vars_ in covering:
        if len(vars_) > 1:
            model.AddAtMostOne(vars_)
    model.Maximize(sum(c * var for var, (_, c) in zip(x, items)))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = os.cpu_count() or 1
    solver.parameters.max_time_in_seconds = time_limit
    status = solver.Solve(model)
    name = solver.StatusName(status)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return 0, sum(zones.values()), name
    return round(solver.ObjectiveValue()), round(solver.BestObjectiveBound()), name


def check_ours(inst: Instance, zones: dict[frozenset, int], members_lists) -> list[str]:
    """Our zones that are not feasible zones by the independent enumeration."""
    pos = {cid: k for k, cid in enumerate(inst.communities["community_id"])}
    bad = []
    for members in members_lists:
        key = frozenset(pos[m] for m in members)
        if key not in zones:
            bad.append("+".join(members))
    return bad


def compare_window(args: argparse.Namespace, rules: ZoneRules, inst: Instance) -> dict:
    """Ours (heuristic alone, default) and the two optima on one window, with consistency notes."""
    run = {}
    for key, run_rules in (("heur", replace(rules, exact_max_nodes=0)), ("default", rules)):
        t = time.perf_counter()
        run[key] = propose_zones(inst.communities, pairs=inst.pairs, barriers=inst.barriers, rules=run_rules)
        run[f"t_{key}"] = time.perf_counter() - t
    reversed_rows = propose_zones(inst.communities.iloc[::-1], pairs=inst.pairs, barriers=inst.barriers,
                                  rules=rules)
    n = len(inst.communities)
    t = time.perf_counter()
    zones, cand = feasible_zones(inst, rules, large_anchors=True)
    best, bound, status = optimum(zones, n, args.cpsat_seconds)
    t_opt = time.perf_counter() - t
    any_zones, _ = feasible_zones(inst, rules, large_anchors=False)
    best_any, bound_any, status_any = optimum(any_zones, n, args.cpsat_seconds)
    h, d = run["heur"].summary()["placed"], run["default"].summary()["placed"]
    notes = []
    for label, st, lo, hi in (("opt", status, best, bound), ("opt_any", status_any, best_any, bound_any)):
        if st != "OPTIMAL":
            notes.append(f"{label} not proven in {args.cpsat_seconds:g} s: CP-SAT {st}, "
                         f"found {lo}, bound {hi}")
    if (merge_candidates(inst.communities, rules).to_numpy() != cand).any():
        notes.append("candidate sets differ")
    bad = check_ours(inst, any_zones, [*run["heur"].zones["members"], *run["default"].zones["members"]])
    if bad:
        notes.append(f"zones not feasible by enumeration: {bad}")
    if len(run["heur"].violations) or len(run["default"].violations):
        notes.append(f"engine reports violations: {len(run['heur'].violations)} (heur), "
                     f"{len(run['default'].violations)} (default)")
    if reversed_rows.assignment() != run["default"].assignment():
        notes.append("rows reversed -> different zones")
    if h > bound_any or d > bound_any:
        notes.append("ours above the optimum's bound")
    elif h > bound or d > bound:
        notes.append("ours above the large-anchor optimum (small anchors used)")
    return {
        "inst": inst.name, "source": inst.source, "centre": inst.centre, "n": n,
        "cands": int(cand.sum()), "big_grp": largest_group(inst, cand, rules), "feas_zones": len(zones),
        "opt_any": best_any, "opt": best, "heur": h, "default": d, "gap_h": best - h, "gap_d": best - d,
        "t_heur": run["t_heur"], "t_def": run["t_default"], "t_opt": t_opt, "notes": "; ".join(notes) or None,
    }


def part_exact(args: argparse.Namespace, rules: ZoneRules) -> list[dict]:
    heading("2. Ours vs the exact optimum on small windows (candidates placed)")
    print(f"{args.instances} windows of {WINDOW_SIZES[0]}-{WINDOW_SIZES[1]} communities (nearest by centroid "
          f"to a random linked candidate; numpy default_rng({args.instance_seed})), sources in turn: demo, "
          f"make_city({WINDOW_CITY_N}, seed=1..3). Default rules (anchors allowed).")
    print("heur = propose_zones(exact_max_nodes=0): the heuristic alone; default = exact_max_nodes="
          f"{rules.exact_max_nodes} (groups up to that many nodes solved exactly); opt = independent "
          "enumeration + CP-SAT with anchors of more than small_max_households households (README.md's "
          "rule, applied by geo/zoning/zones.py); opt_any = the same with any non-candidate as anchor. "
          "big_grp = largest connected group of candidates + possible anchors (nodes); feas_zones = "
          "feasible zones enumerated for opt.")
    if args.large_groups_city:
        print(f"G.. = one window around each group of more than {rules.exact_max_nodes} nodes in "
              f"make_city({args.large_groups_city:,}) (the groups the default run gives the heuristic).")
    instances = window_instances(args.instances, args.instance_seed, args.city_seed)
    if args.large_groups_city:
        instances += large_group_instances(args.large_groups_city, args.city_seed, rules)
    rows = []
    dumps = []
    for inst in instances:
        row = compare_window(args, rules, inst)
        rows.append(row)
        if min(row["heur"], row["default"]) < row["opt"] and args.dump_dir:
            dumps.append(dump_instance(inst, Path(args.dump_dir)))
        print(f"  {inst.name} n={row['n']:2d} opt={row['opt']:3d} heur={row['heur']:3d} "
              f"default={row['default']:3d}" + (f"  {row['notes']}" if row["notes"] else ""), flush=True)
    print()
    print(table(rows, ["inst", "source", "centre", "n", "cands", "big_grp", "feas_zones", "opt_any", "opt",
                       "heur", "default", "gap_h", "gap_d", "t_heur", "t_def", "t_opt", "notes"]))
    n = len(rows)
    total = {key: sum(r[key] for r in rows) for key in ("opt", "opt_any", "heur", "default", "cands")}
    summary = []
    for label, key, seconds in (
        ("heuristic (exact_max_nodes=0)", "heur", "t_heur"),
        (f"default (exact_max_nodes={rules.exact_max_nodes})", "default", "t_def"),
        ("exact: enumeration + CP-SAT", "opt", "t_opt"),
    ):
        summary.append({
            "run": label, "placed": total[key], "opt": total["opt"], "gap": total["opt"] - total[key],
            "at_opt": f"{sum(r[key] == r['opt'] for r in rows)}/{n}", "opt_any": total["opt_any"],
            "gap_any": total["opt_any"] - total[key],
            "at_opt_any": f"{sum(r[key] == r['opt_any'] for r in rows)}/{n}",
            "seconds": sum(r[seconds] for r in rows),
        })
    print()
    print(table(summary))
    print("gap = optimum - placed under the engine's anchor rule (opt: anchors of more than "
          f"{rules.small_max_households} households, README.md's rule); gap_any = the same against opt_any "
          "(any non-candidate may anchor: a looser rule, for reference). seconds: "
          "opt's column is enumeration + CP-SAT for opt only.")
    print(f"candidates in all windows: {total['cands']}")
    for path in dumps:
        print(f"  instance below the optimum written to {path}")
    return rows


def pool_groups(communities: pd.DataFrame, pairs: pd.DataFrame, cand: np.ndarray,
                rules: ZoneRules) -> list[set[int]]:
    """Connected groups (positions) of candidates and possible anchors over uncut pairs, no
    anchor-anchor link, holding a candidate and at least two nodes: the engine's search units,
    recomputed here; a group of more than ``exact_max_nodes`` goes to the heuristic."""
    hh = pd.to_numeric(communities["households"], errors="coerce").to_numpy(float)
    pool = cand | (~cand & (hh > rules.small_max_households) & (hh <= rules.max_households))
    pos = {cid: k for k, cid in enumerate(communities["community_id"])}
    graph = nx.Graph()
    graph.add_nodes_from(np.flatnonzero(pool).tolist())
    usable = pairs["reason"].astype(object).isna().to_numpy()
    for a, b in zip(pairs["a"].to_numpy()[usable], pairs["b"].to_numpy()[usable]):
        i, j = pos[a], pos[b]
        if pool[i] and pool[j] and (cand[i] or cand[j]):
            graph.add_edge(i, j)
    return [c for c in nx.connected_components(graph) if len(c) >= 2 and any(cand[k] for k in c)]


def largest_group(inst: Instance, cand: np.ndarray, rules: ZoneRules) -> int:
    """Nodes in the instance's largest group (see :func:`pool_groups`)."""
    return max((len(g) for g in pool_groups(inst.communities, inst.pairs, cand, rules)), default=0)


def dump_instance(inst: Instance, folder: Path) -> Path:
    """Write an instance (communities, barriers) to a GeoPackage for the engine's author."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{inst.name}.gpkg"
    inst.communities.to_file(path, layer="communities", driver="GPKG")
    inst.barriers.to_file(path, layer="barriers", driver="GPKG")
    return path


# --- part 3: scale ---------------------------------------------------------------------------------


def tree_pss_kb(pid: int) -> int:
    """Proportional set size (kB) of a process and its descendants (shared pages split)."""
    total = 0
    pids = [pid]
    while pids:
        p = pids.pop()
        try:
            with open(f"/proc/{p}/smaps_rollup") as f:
                total += next(int(line.split()[1]) for line in f if line.startswith("Pss:"))
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as f:
                    pids.extend(int(c) for c in f.read().split())
        except (OSError, StopIteration, ValueError):
            continue
    return total


class PeakSampler:
    """Samples the PSS of this process tree every ``interval`` s while active."""

    def __init__(self, interval: float = 0.2):
        self.interval = interval
        self.peak_kb = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak_kb = max(self.peak_kb, tree_pss_kb(os.getpid()))
            self._stop.wait(self.interval)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.peak_kb = max(self.peak_kb, tree_pss_kb(os.getpid()))


def rss_kb() -> int:
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))


def scale_generate(n: int, seed: int, folder: str) -> None:
    """Child process: generate the city and keep only what zoning needs (not timed)."""
    city = make_city(n, seed=seed)
    city["communities"].to_parquet(os.path.join(folder, "communities.parquet"))
    city["barriers"].to_parquet(os.path.join(folder, "barriers.parquet"))


def scale_measure(folder: str, workers: int | None) -> dict:
    """Child process: load communities and barriers, then time adjacency and zoning."""
    t = time.perf_counter()
    communities = gpd.read_parquet(os.path.join(folder, "communities.parquet"))
    barriers = gpd.read_parquet(os.path.join(folder, "barriers.parquet"))
    load_s = time.perf_counter() - t
    gc.collect()
    loaded_kb = rss_kb()
    with PeakSampler() as sampler:
        t = time.perf_counter()
        pairs = community_pairs(communities, barriers=barriers)
        pairs_s = time.perf_counter() - t
        t = time.perf_counter()
        result = propose_zones(communities, pairs=pairs, barriers=barriers, workers=workers)
        zones_s = time.perf_counter() - t
        t = time.perf_counter()
        _ = result.zones  # the outlines, drawn on first read: counted here, a planner needs them
        outlines_s = time.perf_counter() - t
    return {
        "n": len(communities), "load_s": load_s, "pairs_s": pairs_s, "zones_s": zones_s + outlines_s,
        "outlines_s": outlines_s,
        "pairs": len(pairs), "summary": result.summary(), "loaded_kb": loaded_kb,
        "maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        "children_maxrss_kb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
        "tree_pss_peak_kb": sampler.peak_kb,
    }


def child(*argv: str) -> dict | None:
    """Run this script's hidden worker mode in a fresh interpreter; its last line is JSON."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", *argv]
    proc = subprocess.run(cmd, check=False, capture_output=True, text=True)
    if proc.returncode != 0:
        print(f"  worker {' '.join(argv)} failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}")
        return None
    lines = proc.stdout.strip().splitlines()
    return json.loads(lines[-1]) if lines else {}


def part_scale(args: argparse.Namespace) -> None:
    heading(f"3. Scale: community_pairs + propose_zones on make_city({args.scale_n:,})")
    print(f"targets: under {TARGET_SECONDS:g} s and {TARGET_GB:g} GB on this machine "
          f"({os.cpu_count()} CPUs). "
          "The city is generated in one process (not counted); a fresh process loads communities and "
          "barriers from GeoParquet, then runs the step.")
    print("peak RSS = that process's ru_maxrss (data loaded + step); worker RSS = largest child "
          "(RUSAGE_CHILDREN, when the engine uses worker processes); tree PSS = sampled every 0.2 s "
          "during the step over the process and its children, shared pages counted once.")
    rows = []
    with tempfile.TemporaryDirectory(prefix="zones_scale_") as folder:
        t = time.perf_counter()
        if child("generate", str(args.scale_n), str(args.city_seed), folder) is None:
            return
        print(f"  generated in {time.perf_counter() - t:.1f} s (incl. interpreter start and GeoParquet)",
              flush=True)
        exceeded = False
        for workers in args.scale_workers:
            out = child("measure", folder, str(workers))
            if out is None:
                continue
            total = out["pairs_s"] + out["zones_s"]
            peak_gb = out["maxrss_kb"] / 2**20
            exceeded |= total > TARGET_SECONDS or peak_gb > TARGET_GB
            s = out["summary"]
            rows.append({
                "n": out["n"], "workers": "default" if workers == "default" else workers,
                "pairs": out["pairs"], "pairs_s": out["pairs_s"], "zones_s": out["zones_s"],
                "total_s": total, "target_s": TARGET_SECONDS, "loaded_GB": out["loaded_kb"] / 2**20,
                "peak_rss_GB": peak_gb, "worker_rss_GB": out["children_maxrss_kb"] / 2**20,
                "tree_pss_GB": out["tree_pss_peak_kb"] / 2**20, "zones": s["zones"],
                "placed": s["placed"], "left_out": s["left_out"], "violations": s["violations"],
            })
            print(f"  workers={workers}: pairs {out['pairs_s']:.1f} s + zones {out['zones_s']:.1f} s "
                  f"(of which outlines {out['outlines_s']:.1f} s) = "
                  f"{total:.1f} s; peak RSS {peak_gb:.2f} GB; left out by reason "
                  f"{s['left_out_by_reason']}", flush=True)
    print()
    print(table(rows))
    verdict = "within" if not exceeded else "OVER"
    print(f"verdict: {verdict} the targets ({TARGET_SECONDS:g} s, {TARGET_GB:g} GB)")
    if exceeded or args.profile:
        profile_zoning(args.profile_n, args.city_seed)


def profile_zoning(n: int, seed: int, top: int = 15) -> None:
    """cProfile of propose_zones (pairs precomputed) on make_city(n): top functions."""
    heading(f"Profile of propose_zones on make_city({n:,}) (pairs precomputed), top {top}")
    city = make_city(n, seed=seed)
    communities, barriers = city["communities"], city["barriers"]
    pairs = community_pairs(communities, barriers=barriers)
    profiler = cProfile.Profile()
    t = time.perf_counter()
    profiler.enable()
    propose_zones(communities, pairs=pairs, barriers=barriers, workers=1)
    profiler.disable()
    print(f"propose_zones: {time.perf_counter() - t:.2f} s under the profiler (workers=1)")
    for key in ("cumulative", "tottime"):
        buf = io.StringIO()
        pstats.Stats(profiler, stream=buf).sort_stats(key).print_stats(top)
        text = buf.getvalue().replace(f"{Path(sys.prefix)}/lib/python{sys.version_info.major}."
                                      f"{sys.version_info.minor}/site-packages/", "").replace(f"{ROOT}/", "")
        start = text.find("   ncalls")
        print(f"\nby {key}:\n" + text[start:].rstrip())


# --- entry point ---------------------------------------------------------------------------------


def worker_main(argv: list[str]) -> None:
    """Hidden worker mode for part 3 (a fresh interpreter per stage)."""
    stage = argv[0]
    if stage == "generate":
        scale_generate(int(argv[1]), int(argv[2]), argv[3])
        print(json.dumps({}))
    elif stage == "measure":
        workers = None if argv[2] == "default" else int(argv[2])
        print(json.dumps(scale_measure(argv[1], workers)))
    else:
        raise SystemExit(f"unknown worker stage {stage}")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Zoning benchmark: propose_zones against max-p (spopt, "
                                     "pygeoda), an exact optimum, and at national scale.",
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="part 1 on the demo and 1,000 only (smoke run)")
    parser.add_argument("--parts", default="spopt,exact",
                        help="comma-separated parts to run: spopt, exact, scale (default: spopt,exact)")
    parser.add_argument("--scale", action="store_true", help="also run part 3 (220,000 communities)")
    parser.add_argument("--scale-n", type=int, default=SCALE_N,
                        help="communities in part 3 (default 220,000)")
    parser.add_argument("--scale-workers", default="default",
                        help="comma-separated propose_zones worker counts for part 3 ('default' = the "
                             "engine's default), e.g. default,2")
    parser.add_argument("--profile", action="store_true",
                        help="print the zoning profile even when part 3 meets the targets")
    parser.add_argument("--profile-n", type=int, default=PROFILE_N,
                        help="communities in the profile (default 20,000)")
    parser.add_argument("--cities", default=None,
                        help="part 1 cities, comma-separated: demo and/or community counts, e.g. 2000 "
                             "(default demo,1000,2000,5000; --quick: demo,1000)")
    parser.add_argument("--repeats", type=int, default=1,
                        help="part 1: time each method this many times and report the fastest "
                             "(the median and every time are printed too; default 1)")
    parser.add_argument("--city-seed", type=int, default=DEFAULT_SEED, help="seed of make_city")
    parser.add_argument("--spopt-policies", default="drop,single",
                        help="spopt island policies to run (default drop,single; keep crashes on islands)")
    parser.add_argument("--no-pygeoda", action="store_true", help="skip pygeoda")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1, help="pygeoda cpu_threads")
    parser.add_argument("--method-timeout", type=float, default=METHOD_TIMEOUT_S,
                        help="seconds before a spopt or pygeoda run is stopped (default 300)")
    parser.add_argument("--instances", type=int, default=40, help="windows in part 2 (default 40)")
    parser.add_argument("--instance-seed", type=int, default=2024, help="seed of the windows")
    parser.add_argument("--large-groups-city", type=int, default=LARGE_GROUP_CITY_N,
                        help="also a window around every group the heuristic solves in make_city(N) "
                             "(default 20,000; 0 = none)")
    parser.add_argument("--cpsat-seconds", type=float, default=60.0, help="CP-SAT time limit per window")
    parser.add_argument("--dump-dir", default=None,
                        help="write windows where ours is below the optimum to GeoPackages here")
    args = parser.parse_args(argv)
    args.parts = {p.strip() for p in args.parts.split(",") if p.strip()}
    if args.scale:
        args.parts.add("scale")
    unknown = args.parts - {"spopt", "exact", "scale"}
    if unknown:
        parser.error(f"unknown parts: {', '.join(sorted(unknown))}")
    if args.cities is not None:
        args.cities = tuple(None if c.strip() == "demo" else int(c.strip().replace("_", ""))
                            for c in args.cities.split(",") if c.strip())
    args.spopt_policies = [p.strip() for p in args.spopt_policies.split(",") if p.strip()]
    args.scale_workers = [w.strip() for w in args.scale_workers.split(",") if w.strip()]
    return args


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--worker"]:
        worker_main(argv[1:])
        return
    args = parse_args(argv)
    warnings.filterwarnings("ignore", message=".*disconnected components.*")
    warnings.filterwarnings("ignore", message=".*islands.*")
    print_header(args)
    rules = ZoneRules()
    start = time.perf_counter()
    if "spopt" in args.parts:
        part_spopt(args, rules)
    if "exact" in args.parts:
        part_exact(args, rules)
    if "scale" in args.parts:
        part_scale(args)
    print(f"\ntotal wall time: {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
