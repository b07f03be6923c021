"""Write the synthetic demo city to a GeoPackage (see data/README.md).

Usage::

    python data/make_demo.py [--communities N] [--seed S] [--out PATH]

The defaults rebuild ``data/demo.gpkg`` exactly as committed; ``tests/test_synthetic.py`` checks
that the file and :func:`geo.synthetic.city.make_city` have not drifted apart.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:          # run as a plain script from anywhere
    sys.path.insert(0, str(ROOT))

from geo.synthetic.city import DEFAULT_COMMUNITIES, DEFAULT_SEED, make_city, write_city  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    """Parse the arguments, generate the city, write it and print what was written."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--communities", type=int, default=DEFAULT_COMMUNITIES,
                        help=f"number of communities (default {DEFAULT_COMMUNITIES})")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED,
                        help=f"random seed (default {DEFAULT_SEED})")
    parser.add_argument("--out", type=Path, default=ROOT / "data" / "demo.gpkg",
                        help="GeoPackage to write (default data/demo.gpkg)")
    args = parser.parse_args(argv)
    if args.communities < 1:
        parser.error(f"--communities must be at least 1, got {args.communities}")

    start = time.perf_counter()
    layers = make_city(args.communities, seed=args.seed)
    built = time.perf_counter()
    path = write_city(layers, args.out)
    done = time.perf_counter()
    for name, gdf in layers.items():
        print(f"{name:12s} {len(gdf):>9,d} features")
    print(f"wrote {path} ({path.stat().st_size / 1e6:.1f} MB) in {done - start:.1f} s "
          f"(generate {built - start:.1f} s, write {done - built:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
