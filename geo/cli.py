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
    if parser.prog.endswith("info"):
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


def _progress(stream=sys.stderr):
    """A progress printer for long zoning runs: one line, updated in place on a terminal."""
    state = {"last": 0.0}

    def report(done: int, total: int) -> None:
        now = time.perf_counter()
        if done < total and now - state["last"] < 1.0:
            return
        state["last"] = now
        end = "\n" if done >= total or not stream.isatty() else "\r"
        print(f"  zoning groups: {done:,}/{total:,}", end=end, file=stream, flush=True)

    return report


def cmd_zones(args: argparse.Namespace) -> int:
    """Propose consolidated management zones and write them."""
    from geo.export import write_assignments_csv, write_geojson, write_gpkg
    from geo.load import load_layer
    from geo.zones import ZoneRules, propose_zones

    start = time.perf_counter()
    options = _input_options(args)
    loaded = load_layer(args.file, "communities", file_layer=args.layer, **options)
    print(f"communities: {loaded.report.summary()} ({loaded.report.crs_out})")
    for line in loaded.report.lines(limit=5):
        print("  " + line)
    barriers = None
    if args.barriers:
        b = load_layer(args.barriers, "barriers", file_layer=args.barriers_layer, crs=args.barriers_crs,
                       datum=args.datum, target_crs=loaded.gdf.crs)
        print(f"barriers: {b.report.summary()}")
        barriers = b.gdf
    defaults = ZoneRules()
    rules = ZoneRules(
        gap_m=args.gap_m if args.gap_m is not None else defaults.gap_m,
        small_max_households=args.small_max_households or defaults.small_max_households,
        min_households=args.min_households if args.min_households is not None else defaults.min_households,
        max_households=args.max_households or defaults.max_households,
        max_span_m=args.max_span_m or defaults.max_span_m,
        max_members=args.max_members or defaults.max_members,
        same_street=not args.any_street,
        allow_anchor=not args.no_anchor,
        seed=args.seed,
    )
    large = len(loaded.gdf) >= 5000
    result = propose_zones(loaded.gdf, barriers=barriers, rules=rules,
                           progress=_progress() if large else None, workers=args.workers)
    write_geojson(result.zones, args.out)
    written = [args.out]
    if args.assignments:
        written.append(str(write_assignments_csv(result.assignments, args.assignments)))
    if args.gpkg:
        written.append(str(write_gpkg(result.zones, loaded.gdf, result.assignments, args.gpkg)))
    summary = result.summary()
    print(f"zones: {summary['zones']:,} covering {summary['households_in_zones']:,} households")
    print(f"candidates: {summary['candidates']:,}, placed {summary['placed']:,}, left out {summary['left_out']:,}")
    from geo.zones import reason_text

    for code, count in sorted(summary["left_out_by_reason"].items(), key=lambda kv: -kv[1]):
        print(f"  {count:6,}  {code}: {reason_text(code)}")
    if summary["violations"]:
        print(f"rules broken: {summary['violations']} (see the zones' properties)")
    print(f"wrote {', '.join(written)} in {time.perf_counter() - start:.1f} s")
    return 0


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

    zones = sub.add_parser("zones", help="propose consolidated management zones for small old communities")
    zones.add_argument("file", help="the communities file")
    zones.add_argument("--out", required=True, help="GeoJSON to write (one Feature per zone, EPSG:4326)")
    _add_input_options(zones)
    zones.add_argument("--barriers", help="file of arterial roads, rivers, railways")
    zones.add_argument("--barriers-layer", help="layer of the barriers file")
    zones.add_argument("--barriers-crs", help="CRS of the barriers file when it states none")
    zones.add_argument("--gap-m", type=float, help="largest gap between neighbours, metres (default 15)")
    zones.add_argument("--small-max-households", type=int, help="largest merge candidate (default 300)")
    zones.add_argument("--min-households", type=int, help="smallest zone (default 300)")
    zones.add_argument("--max-households", type=int, help="largest zone (default 2000)")
    zones.add_argument("--max-span-m", type=float, help="largest distance between two members (default 500)")
    zones.add_argument("--max-members", type=int, help="most communities in a zone (default 10)")
    zones.add_argument("--any-street", action="store_true", help="zones may cross street boundaries")
    zones.add_argument("--no-anchor", action="store_true", help="no larger neighbour may anchor a zone")
    zones.add_argument("--seed", type=int, default=0)
    zones.add_argument("--workers", type=int, default=None,
                       help="processes (same result); default: every CPU from 5,000 groups on, else one")
    zones.add_argument("--assignments", metavar="CSV", help="one row per community: zone and reason")
    zones.add_argument("--gpkg", help="GeoPackage with the zones and the communities")
    zones.set_defaults(func=cmd_zones)

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
