"""Speed and memory of the pipelines overlay at national scale (geo/pipelines/overlay.py).

The target of the issue: 1,000,000 pipeline segments overlaid with 220,000 communities (the
synthetic national city) in under 2 minutes and 12 GB on this machine (2 CPUs).

``geo.synthetic.city.make_city(220_000)`` draws 4.3 million segments (six networks split at every
junction and tee, plus one service line per community and kind). The benchmark keeps a uniform
random sample of 1,000,000 of them (seeded; every kind, mains and service lines in their
proportions, spread over the whole city), so each community still meets about a quarter of its
pipes; ``--segments 0`` keeps all 4.3 million.

Steps timed, each with the peak resident memory of the process so far (``ru_maxrss``, which
includes the city itself): the city, the sample, :func:`segment_condition`,
:func:`overlay_pipelines` (the overlay proper), :func:`pipeline_table` + :func:`renovation_needs`,
:func:`operator_table`, :func:`assign_segments` + :func:`work_list`. The overlay target applies to
the overlay plus the tables built from it (everything after the sample).

Usage (from the repository root)::

    .venv/bin/python benchmarks/pipelines.py                     # 220,000 communities, 1,000,000 segments
    .venv/bin/python benchmarks/pipelines.py --communities 20000 --segments 100000   # a quick run
    .venv/bin/python benchmarks/pipelines.py --segments 0        # every segment (4.3 million)
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from geo.pipelines import overlay as pl
from geo.synthetic.city import make_city

TARGET_S = 120.0
TARGET_GB = 12.0


def peak_gb() -> float:
    """Peak resident memory of this process so far (GB; Linux reports ru_maxrss in KB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2


class Clock:
    """Prints one line per step: seconds, and the peak memory so far."""

    def __init__(self) -> None:
        self.rows: list[tuple[str, float, float]] = []

    def step(self, name: str, fn, *args, **kwargs):
        start = time.perf_counter()
        result = fn(*args, **kwargs)
        seconds = time.perf_counter() - start
        self.rows.append((name, seconds, peak_gb()))
        print(f"  {name:42s} {seconds:8.2f} s   peak {peak_gb():6.2f} GB", flush=True)
        return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--communities", type=int, default=220_000)
    parser.add_argument("--segments", type=int, default=1_000_000,
                        help="random sample of the city's segments (0: all of them)")
    parser.add_argument("--seed", type=int, default=20211015)
    parser.add_argument("--year", type=int, default=2026, help="reference year of the aged rules")
    args = parser.parse_args(argv)

    clock = Clock()
    print(f"pipelines overlay benchmark: {args.communities:,} communities, "
          f"{'all' if not args.segments else f'{args.segments:,}'} segments, 2 CPUs")
    city = clock.step("make_city", make_city, args.communities, seed=args.seed)
    communities, all_pipes = city["communities"], city["pipelines"]
    del city
    n_all = len(all_pipes)
    if args.segments and args.segments < n_all:
        rng = np.random.default_rng(args.seed)
        keep = np.sort(rng.choice(n_all, size=args.segments, replace=False))
        pipelines = clock.step("sample segments", lambda frame: frame.iloc[keep].reset_index(drop=True), all_pipes)
    else:
        pipelines = all_pipes
    del all_pipes
    print(f"  city: {len(communities):,} communities; {n_all:,} segments made, {len(pipelines):,} used "
          f"({pipelines.length.sum() / 1000:,.0f} km; kinds: "
          + ", ".join(f"{k} {v:,}" for k, v in pipelines['kind'].value_counts().items()) + ")")

    rules = pl.PipelineRules(reference_year=args.year)
    t0 = time.perf_counter()
    condition = clock.step("segment_condition", pl.segment_condition, pipelines, rules=rules)
    overlay = clock.step("overlay_pipelines (communities, 30 m)", pl.overlay_pipelines, communities, pipelines,
                         service_m=rules.service_m)
    t_overlay = clock.rows[-1][1]
    table = clock.step("pipeline_table + renovation_needs", lambda: pl.renovation_needs(
        pl.pipeline_table(communities, pipelines, rules=rules, overlay=overlay, condition=condition),
        rules=rules))
    ops = clock.step("operator_table", pl.operator_table, communities, pipelines, rules=rules, overlay=overlay,
                     condition=condition)
    work = clock.step("assign_segments + work_list", lambda: pl.work_list(
        pipelines, communities, rules=rules, condition=condition,
        assignment=pl.assign_segments(pipelines, communities, overlay=overlay, service_m=rules.service_m)))
    total = time.perf_counter() - t0
    peak = peak_gb()

    print(f"  pairs (community, segment) within 30 m: {len(overlay):,}; table rows {len(table):,}; "
          f"operator rows {len(ops):,}; work-list segments {len(work):,}")
    need = table.groupby("need").size().to_dict()
    print("  needs: " + ", ".join(f"{k} {v:,}" for k, v in need.items()))
    print()
    print(f"overlay alone: {t_overlay:.1f} s; overlay + tables + work lists: {total:.1f} s "
          f"(target {TARGET_S:.0f} s: {'met' if total < TARGET_S else 'NOT met'})")
    print(f"peak memory: {peak:.2f} GB including the city (target {TARGET_GB:.0f} GB: "
          f"{'met' if peak < TARGET_GB else 'NOT met'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
