"""Planning benchmark: :func:`geo.planning.run.plan_city` step by step, on the demo city and larger ones.

For each city: the zones are proposed first (not counted), then ``plan_city`` runs with a budget
of 3 亿元 per 1,100 communities (scaled with the city), a roadmap of four years under the same
yearly budget, and the notice; printed: the time of each step (service gaps along the roads,
pipeline needs, items and costs, priority, plan and roadmap), the peak memory of the process, and
the plan sheets of the chosen projects written to a temporary folder.

Usage
-----
::

    .venv/bin/python benchmarks/planning.py                       # demo, 10,000
    .venv/bin/python benchmarks/planning.py --sizes demo 10000 50000
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from geo.io.load import load_demo  # noqa: E402
from geo.reports.plan_html import write_plan_sheets  # noqa: E402
from geo.planning.run import PlanSettings, plan_city  # noqa: E402
from geo.synthetic.city import make_city  # noqa: E402
from geo.zoning.zones import propose_zones  # noqa: E402


def city(size: str) -> dict:
    """The demo city's layers, or a synthetic city of ``size`` communities."""
    if size == "demo":
        return load_demo().layers
    return make_city(int(size), seed=7)


def run(size: str) -> dict:
    layers = city(size)
    n = len(layers["communities"])
    zoning = propose_zones(layers["communities"], barriers=layers["barriers"])
    marks: list[tuple[str, float]] = []
    settings = PlanSettings(plan_year=2027, budget_yuan=3e8 * n / 1100, target_year=2030,
                            budget_per_year_yuan=3e8 * n / 1100, notice_start=dt.date(2027, 3, 1))
    start = time.perf_counter()
    result = plan_city(layers, zone_of=zoning.assignment(), zones=zoning.zones, settings=settings,
                       progress=lambda step: marks.append((step, time.perf_counter())))
    total = time.perf_counter() - start
    marks.append(("end", time.perf_counter()))
    steps = {name: marks[i + 1][1] - t for i, (name, t) in enumerate(marks[:-1])}
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        pages = write_plan_sheets(result.plan, Path(tmp), communities=layers["communities"], items=result.items,
                                  funding=result.funding, operators=result.operators,
                                  pipelines=layers.get("pipelines"), notice_start=settings.notice_start,
                                  zones=zoning.zones)
        sheets_s = time.perf_counter() - t
    return {"size": size, "communities": n, "zones": len(zoning.zones), "reserve": len(result.reserve),
            "planned": result.plan.totals["projects"], "total_s": total, **{f"{k}_s": v for k, v in steps.items()},
            "sheets": len(pages) - 1, "sheets_s": sheets_s,
            "peak_rss_gb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", nargs="+", default=["demo", "10000"])
    args = parser.parse_args(argv)
    print(f"machine: {os.cpu_count()} CPUs, {platform.platform()}; python {platform.python_version()}")
    print(f"started: {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M:%S} UTC")
    steps = ("service_gaps", "pipelines", "items", "priority", "plan")
    header = ["size", "communities", "zones", "reserve", "planned", *[f"{s}_s" for s in steps], "total_s",
              "sheets", "sheets_s", "peak_rss_gb"]
    print("  ".join(f"{h:>12}" for h in header))
    for size in args.sizes:
        row = run(size)
        print("  ".join(f"{row[h]:>12.2f}" if isinstance(row[h], float) else f"{row[h]:>12,}"
                        if isinstance(row[h], int) else f"{row[h]:>12}" for h in header), flush=True)
    print("peak_rss_gb is the process's peak so far (it grows with the largest city run).")


if __name__ == "__main__":
    main()
