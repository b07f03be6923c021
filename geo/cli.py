"""Command line: ``python -m geo info FILE`` and ``python -m geo demo``.

Every error a user can cause ends in one line on stderr and a non-zero exit, never a traceback
(``--debug`` shows it for developers).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from geo.datums import DATUMS
from geo.errors import GeoError
from geo.schema import LAYERS


def _pairs(values: Sequence[str] | None, flag: str) -> dict[str, str]:
    """Parse ``NAME=VALUE`` options (``--map households=户数``)."""
    out: dict[str, str] = {}
    for item in values or []:
        if "=" not in item:
            raise GeoError(f"{flag} takes NAME=VALUE (e.g. {flag} households=户数), got '{item}'")
        name, value = item.split("=", 1)
        out[name.strip()] = value.strip()
    return out


def _add_input_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--layer", help="layer (or sheet) inside the file, when it has several")
    parser.add_argument("--kind", choices=list(LAYERS), help="which of the five layers the file holds")
    parser.add_argument("--crs", help="the CRS when the file states none or a wrong one, e.g. EPSG:4538")
    parser.add_argument("--datum", choices=list(DATUMS),
                        help="web-map datum of lon/lat data: gcj02 (Amap, Tencent) or bd09 (Baidu) "
                             "are converted to WGS84")
    parser.add_argument("--encoding", help="text encoding when detection fails, e.g. gbk")
    parser.add_argument("--map", action="append", metavar="COLUMN=FILE_COLUMN",
                        help="map a canonical column to a file column; repeatable")
    parser.add_argument("--set", action="append", metavar="COLUMN=VALUE",
                        help="one value for every row, e.g. --set kind=river; repeatable")
    parser.add_argument("--swap-xy", action="store_true", help="swap x and y (lat/lon written as lon/lat)")
    parser.add_argument("--wkt", help="WKT column of a CSV/XLSX table")
    parser.add_argument("--lon", help="longitude (or x) column of a table")
    parser.add_argument("--lat", help="latitude (or y) column of a table")


def _input_options(args: argparse.Namespace) -> dict:
    options = {
        "mapping": _pairs(args.map, "--map"),
        "defaults": _pairs(args.set, "--set"),
        "crs": args.crs,
        "datum": args.datum,
        "swap_xy": args.swap_xy,
        "encoding": args.encoding,
        "wkt": args.wkt,
        "lon": args.lon,
        "lat": args.lat,
    }
    return {k: v for k, v in options.items() if v not in (None, {}, False)}


def cmd_info(args: argparse.Namespace) -> int:
    """Print what is in a file; exit 1 when a layer could not be loaded."""
    from geo.info import describe_file, format_description
    from geo.readers import list_layers

    path = Path(args.file)
    listing = list_layers(path)
    print(f"{path}: {len(listing)} layer{'s' if len(listing) != 1 else ''}")
    descriptions = describe_file(path, layer=args.layer, kind=args.kind, options=_input_options(args))
    failed = 0
    frames = []
    for desc in descriptions:
        print()
        print("\n".join(format_description(desc, limit=None if args.all else 20)))
        failed += desc.error is not None
        if desc.loaded is not None:
            table = desc.loaded.report.to_frame()
            table.insert(0, "layer", desc.layer)
            frames.append(table)
    if args.report:
        table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
        table.to_csv(args.report, index=False, encoding="utf-8-sig")
        print(f"\nfull report written to {args.report}")
    return 1 if failed else 0


def cmd_demo(args: argparse.Namespace) -> int:
    """Generate a synthetic city (the demo, or a large one for benchmarks)."""
    from geo.synthetic import make_city, write_city

    start = time.perf_counter()
    layers = make_city(args.communities, seed=args.seed)
    write_city(layers, args.out)
    counts = ", ".join(f"{name} {len(gdf):,}" for name, gdf in layers.items())
    print(f"wrote {args.out}: {counts} ({time.perf_counter() - start:.1f} s)")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``python -m geo``."""
    parser = argparse.ArgumentParser(
        prog="python -m geo",
        description="Old-community renovation planning: inspect files, make demo data.",
    )
    parser.add_argument("--debug", action="store_true", help="show tracebacks")
    sub = parser.add_subparsers(dest="command", required=True)

    info = sub.add_parser("info", help="what is in a file: layers, CRS, columns, validation")
    info.add_argument("file")
    _add_input_options(info)
    info.add_argument("--all", action="store_true", help="list every issue, not the first 20 of each kind")
    info.add_argument("--report", metavar="CSV", help="write every issue to a CSV (opens in Excel)")
    info.set_defaults(func=cmd_info)

    demo = sub.add_parser("demo", help="generate a synthetic city GeoPackage")
    demo.add_argument("--communities", type=int, default=1100, help="number of communities (default 1100)")
    demo.add_argument("--seed", type=int, default=20211015)
    demo.add_argument("--out", default="demo.gpkg", help="GeoPackage to write")
    demo.set_defaults(func=cmd_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except GeoError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # output piped into `head` and closed: nothing to report
        sys.stderr.close()
        return 0
    except Exception as exc:  # a bug, not the user's fault: say so, briefly
        if args.debug:
            raise
        print(f"internal error ({type(exc).__name__}: {exc}). Run again with --debug and report it.",
              file=sys.stderr)
        return 3


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
