"""Command line: ``python -m geo info|zones|pipelines|plan|demo``.

Every error a user can cause ends in one line on stderr and a documented exit code, never a
traceback (:data:`geo.cli.options.EXIT_CODES`: 1 the data or a rule, 2 usage, 3 a bug with a
log reference; ``--debug`` shows a bug's traceback for developers).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from geo.cli import options as opt
from geo.cli.plan import add_plan_parser
from geo.cli.users import add_users_parser
from geo.crs.datums import DATUMS
from geo.errors import GeoError


def cmd_info(args: argparse.Namespace) -> int:
    """Print what is in a file; exit 1 when a layer could not be loaded."""
    from dataclasses import replace

    from geo.io.info import describe_file, format_description
    from geo.io.readers import list_layers
    from geo.io.validate import apply_kinds

    path = Path(args.file)
    kinds = opt.read_kinds(args.kinds)
    listing = list_layers(path)
    print(f"{path}: {len(listing)} layer{'s' if len(listing) != 1 else ''}")
    descriptions = describe_file(path, layer=args.layer, kind=args.kind, options=opt.input_options(args))
    failed = 0
    frames = []
    for desc in descriptions:
        if kinds and desc.loaded is not None:
            gdf, report = apply_kinds(desc.loaded.gdf, desc.loaded.report, kinds)
            desc.loaded = replace(desc.loaded, gdf=gdf, report=report)
        print()
        print("\n".join(format_description(desc, limit=None if args.all else 20)))
        failed += desc.error is not None
        if desc.loaded is not None:
            table = desc.loaded.report.to_frame()
            table.insert(0, "layer", desc.layer)
            frames.append(table)
    if args.report:
        table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
        opt.write_csv(table, Path(args.report))
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


#: The rules of ``zones`` given as options of the same name (``--max-households`` -> ``max_households``).
ZONE_RULES = ("gap_m", "small_max_households", "min_households", "max_households", "max_span_m", "max_members",
              "seed")


def cmd_zones(args: argparse.Namespace) -> int:
    """Propose consolidated management zones and write them."""
    from geo.reports.export import write_assignments_csv, write_geojson, write_gpkg
    from geo.io.load import load_layer
    from geo.zoning.rules import ZoneRules
    from geo.zoning.zones import propose_zones

    start = time.perf_counter()
    with opt.rules_as_options(ZONE_RULES):  # checked before anything is read or written
        rules = ZoneRules(**opt.rule_values(args, ZONE_RULES), same_street=not args.any_street,
                          allow_anchor=not args.no_anchor)
    for target in (args.out, args.assignments, args.gpkg):
        if target:  # a new folder for the results is made, as a planner would expect
            Path(target).expanduser().parent.mkdir(parents=True, exist_ok=True)
    options = opt.input_options(args)
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
    from geo.zoning.zones import reason_text

    for code, count in sorted(summary["left_out_by_reason"].items(), key=lambda kv: -kv[1]):
        print(f"  {count:6,}  {code}: {reason_text(code)}")
    if summary["violations"]:
        print(f"rules broken: {summary['violations']} (see the zones' properties)")
    print(f"wrote {', '.join(written)} in {time.perf_counter() - start:.1f} s")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    """Generate a synthetic city (the demo, or a large one for benchmarks)."""
    from geo.synthetic.city import make_city, write_city

    start = time.perf_counter()
    layers = make_city(args.communities, seed=args.seed)
    write_city(layers, args.out)
    counts = ", ".join(f"{name} {len(gdf):,}" for name, gdf in layers.items())
    print(f"wrote {args.out}: {counts} ({time.perf_counter() - start:.1f} s)")
    return 0


#: The rules of ``pipelines`` given as options (``--partial-share`` -> ``partial_share``), and the
#: one whose option has another name.
PIPELINE_RULES = ("service_m", "partial_share", "full_share", "reference_year")
PIPELINE_FLAGS = {"reference_year": "--year"}


def cmd_pipelines(args: argparse.Namespace) -> int:
    """Pipelines per community and zone, needs, lead telecom, network checks, operator work lists."""
    from geo.io.load import load_layer
    from geo.io.parse import parse_kinds
    from geo.io.schema import layer_spec
    from geo.io.validate import apply_kinds
    from geo.pipelines import overlay as pl
    from geo.pipelines.analysis import analyse_pipelines

    start = time.perf_counter()
    with opt.rules_as_options(PIPELINE_RULES, PIPELINE_FLAGS):  # checked before anything is read or written
        rules = pl.PipelineRules(**opt.rule_values(args, PIPELINE_RULES))
    for flag, value in (("--snap-m", args.snap_m), ("--near-miss-m", args.near_miss_m)):
        opt.at_least(value, flag)
    lead_choices = opt.parse_pairs(args.lead, "--lead", "Z001=中国电信")
    kinds = opt.read_kinds(args.kinds)
    parse_kinds(kinds, layer_spec("pipelines").column("kind"))  # a kind none of ours: said before anything is read
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    loaded = load_layer(args.communities, "communities", file_layer=args.layer, **opt.input_options(args))
    communities = loaded.gdf
    print(f"communities: {loaded.report.summary()} ({loaded.report.crs_out})")
    sources = None
    if str(args.pipelines).lower().endswith(".inp"):
        from geo.io.epanet import load_epanet

        model = load_epanet(args.pipelines, crs=args.pipelines_crs, datum=args.pipelines_datum,
                            target_crs=communities.crs, units=args.units, operator=args.operator)
        pipes_report, sources = model.pipelines.report, model.sources
        pipelines = model.pipelines.gdf
        print(f"EPANET model: units {model.units}, {len(sources)} source(s)")
    else:
        p = load_layer(args.pipelines, "pipelines", file_layer=args.pipelines_layer, crs=args.pipelines_crs,
                       datum=args.pipelines_datum,
                       mapping=opt.parse_pairs(args.pipelines_map, "--pipelines-map"),
                       defaults=opt.parse_pairs(args.pipelines_set, "--pipelines-set", "kind=给水"),
                       target_crs=communities.crs)
        pipelines, pipes_report = apply_kinds(p.gdf, p.report, kinds)
    print(f"pipelines: {pipes_report.summary()}")
    for line in pipes_report.lines(limit=5):
        print("  " + line)
    zones = opt.read_zones(args.zones, args.zones_layer, communities.crs) if args.zones else None  # before writing

    a = analyse_pipelines(communities, pipelines, zones=zones, rules=rules, snap_m=args.snap_m,
                          near_miss_m=args.near_miss_m, sources=sources)
    condition, table, work, findings = a.condition, a.communities, a.work, a.findings
    written = [opt.write_csv(table, out / "communities_pipelines.csv"),
               opt.write_csv(pl.operator_table(communities, pipelines, rules=rules, overlay=a.overlay,
                                               condition=condition), out / "communities_operators.csv")]
    if a.zones is not None:
        lead = pl.lead_telecom(a.zone_operators, choices=lead_choices)
        written += [opt.write_csv(a.zones, out / "zones_pipelines.csv"),
                    opt.write_csv(a.zone_operators, out / "zones_operators.csv"),
                    opt.write_csv(lead, out / "zones_lead_telecom.csv")]
    files = pl.write_work_lists(work, out / "work_lists")
    summary = a.summary.merge(files[["operator", "csv", "geojson"]], on="operator", how="left")
    written.append(opt.write_csv(summary, out / "work_lists" / "operators.csv"))
    if a.zones is not None:
        written.append(opt.write_csv(pl.phase_works(work), out / "zones_phasing.csv"))
    else:
        written.append(opt.write_csv(pl.phase_works(work, by="community_id"), out / "communities_phasing.csv"))

    opt.write_csv(pd.DataFrame(findings.drop(columns="geometry")), out / "network_findings.csv")
    findings_path = out / "network_findings.geojson"
    if findings_path.exists():
        findings_path.unlink()
    import pyogrio

    pyogrio.write_dataframe(findings.to_crs(4326), findings_path, driver="GeoJSON",
                            layer_options={"RFC7946": "YES"})
    written += [out / "network_findings.csv", findings_path]

    print(f"aged (reference year {rules.reference_year}): {condition['aged'].mean():.0%} of segments, "
          f"{(condition['length_m'] * condition['aged']).sum() / 1000:,.1f} km of "
          f"{condition['length_m'].sum() / 1000:,.1f} km")
    needs = table.groupby(["kind", "need"]).size().unstack(fill_value=0)
    print("community needs (none / partial / full):")
    for kind in needs.index:
        row = needs.loc[kind]
        print(f"  {kind:13s} {row.get('none', 0):7,} {row.get('partial', 0):7,} {row.get('full', 0):7,}")
    print(f"work lists: {len(files)} operators, {len(work):,} segments, {work['length_m'].sum() / 1000:,.1f} km"
          f" -> {out / 'work_lists'}")
    for _, r in summary.head(10).iterrows():
        print(f"  {r['operator']}: {r['listed_segments']:,} segments, {r['listed_m'] / 1000:,.1f} km")
    counts = findings.groupby(["finding"]).size().to_dict() if len(findings) else {}
    print("network findings: " + (", ".join(f"{k} {v:,}" for k, v in counts.items()) or "none"))
    print(f"wrote {len(written) + 2 * len(files)} files to {out} in {time.perf_counter() - start:.1f} s")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``python -m geo``."""
    parser = argparse.ArgumentParser(
        prog="python -m geo",
        description="Old-community renovation planning: inspect files, propose zones, pipelines work lists, "
                    "the year's plan, demo data.",
        epilog=opt.exit_codes_epilog(), formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--debug", action="store_true",
                        help="on a bug (exit code 3), print the traceback here instead of to a log file")
    sub = parser.add_subparsers(dest="command", required=True)

    info = sub.add_parser("info", help="what is in a file: layers, CRS, columns, validation")
    info.add_argument("file")
    opt.add_input_options(info, kind=True)
    info.add_argument("--all", action="store_true", help="list every issue, not the first 20 of each kind")
    info.add_argument("--report", metavar="CSV", help="write every issue to a CSV (opens in Excel)")
    opt.add_kinds_option(info, what="pipelines or facilities")
    info.set_defaults(func=cmd_info)

    zones = sub.add_parser("zones", help="propose consolidated management zones for small old communities")
    zones.add_argument("file", help="the communities file")
    zones.add_argument("--out", required=True, help="GeoJSON to write (one Feature per zone, EPSG:4326)")
    opt.add_input_options(zones)
    zones.add_argument("--barriers", help="file of arterial roads, rivers, railways")
    zones.add_argument("--barriers-layer", help="layer of the barriers file")
    zones.add_argument("--barriers-crs", help="CRS of the barriers file when it states none")
    zones.add_argument("--gap-m", type=opt.number, help="largest gap between neighbours, metres (default 15)")
    zones.add_argument("--small-max-households", type=int, help="largest merge candidate (default 300)")
    zones.add_argument("--min-households", type=int, help="smallest zone (default 300)")
    zones.add_argument("--max-households", type=int, help="largest zone (default 2000)")
    zones.add_argument("--max-span-m", type=opt.number, help="largest distance between two members (default 500)")
    zones.add_argument("--max-members", type=int, help="most communities in a zone (default 10)")
    zones.add_argument("--any-street", action="store_true", help="zones may cross street boundaries")
    zones.add_argument("--no-anchor", action="store_true", help="no larger neighbour may anchor a zone")
    zones.add_argument("--seed", type=int, default=0)
    zones.add_argument("--workers", type=int, default=None,
                       help="processes (same result); default: every CPU from 5,000 groups on, else one")
    zones.add_argument("--assignments", metavar="CSV", help="one row per community: zone and reason")
    zones.add_argument("--gpkg", help="GeoPackage with the zones and the communities")
    zones.set_defaults(func=cmd_zones)

    pipes = sub.add_parser("pipelines", help="pipelines per community and zone, needs, network checks, "
                                             "operator work lists")
    pipes.add_argument("communities", help="the communities file")
    pipes.add_argument("pipelines", help="the pipelines file, or an EPANET model (.inp)")
    pipes.add_argument("--out", required=True, help="folder to write the tables and work lists in")
    opt.add_input_options(pipes)
    pipes.add_argument("--pipelines-layer", help="layer of the pipelines file")
    pipes.add_argument("--pipelines-crs", help="CRS of the pipelines file when it states none (always for .inp)")
    pipes.add_argument("--pipelines-datum", choices=list(DATUMS), help="web-map datum of the pipelines")
    pipes.add_argument("--pipelines-map", action="append", metavar="COLUMN=FILE_COLUMN",
                       help="map a canonical pipelines column to a file column; repeatable")
    pipes.add_argument("--pipelines-set", action="append", metavar="COLUMN=VALUE",
                       help="one value for every pipeline, e.g. --pipelines-set kind=给水; repeatable")
    opt.add_kinds_option(pipes)
    pipes.add_argument("--units", help="EPANET flow units when the model states none (LPS, CMH, GPM...)")
    pipes.add_argument("--operator", help="EPANET: the operator of every pipe whose comment names none")
    pipes.add_argument("--zones", help="zones from `python -m geo zones` (GeoJSON or GeoPackage)")
    pipes.add_argument("--zones-layer", help="layer of the zones file")
    pipes.add_argument("--service-m", type=opt.number, help="service distance around a community, m (default 30)")
    pipes.add_argument("--partial-share", type=opt.number, help="aged share from which a need is partial (0.10)")
    pipes.add_argument("--full-share", type=opt.number, help="aged share from which a need is full (0.50)")
    pipes.add_argument("--year", dest="reference_year", type=int,
                       help="year ages are counted to (default: this year)")
    pipes.add_argument("--snap-m", type=opt.number, default=0.2, help="ends closer than this are one node (0.2)")
    pipes.add_argument("--near-miss-m", type=opt.number, default=2.0,
                       help="an end this close to another pipe without meeting it is a near miss (2.0)")
    pipes.add_argument("--lead", action="append", metavar="ZONE=OPERATOR",
                       help="the planner's lead telecom operator of a zone; repeatable")
    pipes.set_defaults(func=cmd_pipelines)

    add_plan_parser(sub)
    add_users_parser(sub)

    demo = sub.add_parser("demo", help="generate a synthetic city GeoPackage")
    demo.add_argument("--communities", type=opt.positive_whole_number, default=1100, help="number of communities (default 1100)")
    demo.add_argument("--seed", type=opt.whole_number, default=20211015)
    demo.add_argument("--out", default="demo.gpkg", help="GeoPackage to write")
    demo.set_defaults(func=cmd_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code (:data:`geo.cli.options.EXIT_CODES`).

    0 ok; 1 the data or a rule (any :class:`geo.errors.GeoError`, in one line on stderr);
    2 usage (argparse's own errors, :class:`geo.cli.options.UsageError`); 3 a bug (one line with
    a reference, the traceback in a log file or, with ``--debug``, on stderr).
    """
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse: usage errors (2) and --help (0)
        return exc.code if isinstance(exc.code, int) else opt.EXIT_USAGE
    try:
        return args.func(args)
    except opt.UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return opt.EXIT_USAGE
    except GeoError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return opt.EXIT_DATA
    except BrokenPipeError:  # output piped into `head` and closed: nothing to report
        sys.stderr.close()
        return opt.EXIT_OK
    except OSError as exc:  # the system refused (a folder not writable, a full disk): not a bug
        print(f"error: {exc}", file=sys.stderr)
        return opt.EXIT_DATA
    except Exception as exc:  # a bug, not the user's fault: one line, the traceback in a log
        return opt.report_bug(exc, debug=args.debug, stderr=sys.stderr)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
