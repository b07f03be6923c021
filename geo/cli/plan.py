"""``python -m geo plan DATA --out DIR``: from zones to plans in one command.

Reads the city (a GeoPackage laid out like ``data/demo.gpkg``, or a communities file with the
other layers given separately), the zones (a file of ``python -m geo zones``, its assignments
CSV, or proposed here), runs :func:`geo.planning.run.plan_city` and writes every table of the plan:
the year's plan (CSV, XLSX), the reserve, the scores with their breakdown, the service gaps, the
items with costs, the funding split, the duplicate check, the roadmap and one HTML plan sheet
per chosen project. Every input is read and every option checked before anything is written;
bad input ends in one line on stderr and the exit codes of :data:`geo.cli.options.EXIT_CODES`
(1 the data or a rule value, 2 usage).

Example
-------
>>> shares = _shares(["residents=5%"])     # the local budget (0.709 by default) takes the change
>>> shares.residents, round(shares.local_budget, 4)
(0.05, 0.6621)
>>> _weights("policy", ["service_gaps=0.2"])["service_gaps"]
0.2
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import time
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

import geopandas as gpd
import pandas as pd

from geo import policy
from geo.cli import options as opt
from geo.errors import CRSError, RuleError, SchemaError, ValidationError
from geo.planning.money import YUAN_PER_WAN
from geo.zoning.members import parse_members

#: Layers of DATA the plan uses besides the communities (barriers only to propose zones).
_USED = ("pipelines", "facilities", "roads")


def add_plan_parser(sub) -> argparse.ArgumentParser:
    """Register ``plan`` on the subparsers of ``python -m geo``."""
    plan = sub.add_parser("plan", help="from zones to plans: priority, items, costs, funding, the year's "
                                       "plan, the roadmap and one plan sheet per project")
    plan.add_argument("data", help="GeoPackage with the layers communities, pipelines, facilities, roads, "
                                   "barriers (like data/demo.gpkg), or a communities file")
    plan.add_argument("--out", required=True, help="folder to write the plan in (made when missing)")
    opt.add_input_options(plan)
    plan.add_argument("--communities-layer", dest="layer", help="layer of the communities (same as --layer)")
    for name in (*_USED, "earlier"):
        what = "footprints of earlier years' projects, for the duplicate check" if name == "earlier" else \
            f"{name} file, instead of DATA's {name} layer"
        plan.add_argument(f"--{name}", metavar="FILE",
                          help=what + " (its own CRS; --crs when it states none)")
    zones = plan.add_argument_group("zones (default: every eligible community its own project)")
    zones.add_argument("--zones", metavar="FILE",
                       help="zones from `python -m geo zones` (GeoJSON or GeoPackage)")
    zones.add_argument("--zones-layer", help="layer of the zones file")
    zones.add_argument("--assignments", metavar="CSV",
                       help="community_id, zone_id (from `geo zones --assignments`)")
    zones.add_argument("--propose-zones", action="store_true", help="propose zones with the default rules "
                                                                    "and DATA's barriers")
    opts = plan.add_argument_group("plan settings")
    opts.add_argument("--year", type=opt.whole_number, help="the year planned (default: next year)")
    opts.add_argument("--cutoff-year", type=opt.whole_number,
                      help=f"communities built up to this year are in the programme ({policy.CUTOFF_YEAR})")
    opts.add_argument("--preset", choices=("policy", "yunnan"), default="policy", help="priority weights")
    opts.add_argument("--weight", action="append", metavar="FACTOR=W", help="a factor's weight; repeatable")
    opts.add_argument("--unit-costs", metavar="CSV", help="item, unit, unit_cost_yuan over the defaults")
    opts.add_argument("--item-edits", metavar="JSON",
                      help="the planner's added and removed items (the file the app's Items tab saves)")
    opts.add_argument("--shares", action="append", metavar="SOURCE=SHARE",
                      help="funding share of a source (0.3 or 30%%); the local budget takes the rest")
    opts.add_argument("--budget-wan", type=opt.number, help="the year's budget, 万元 (10,000 yuan)")
    for flag, what in (("--max-households", "households"), ("--max-projects", "projects"),
                       ("--max-communities", "eligible communities")):
        opts.add_argument(flag, type=opt.whole_number, help=f"most {what} in the year's plan")
    opts.add_argument("--target-year", type=opt.whole_number,
                      help="roadmap: every eligible community covered by this year")
    opts.add_argument("--budget-per-year-wan", type=opt.number, help="roadmap: yearly budget, 万元")
    opts.add_argument("--households-per-year", type=opt.number, help="roadmap: yearly household limit")
    opts.add_argument("--notice-start", metavar="YYYY-MM-DD", type=_date,
                      help="first day of the plans' public notice")
    opts.add_argument("--lang", choices=("zh", "en"), default="zh",
                      help="language of the plan tables and sheets")
    opts.add_argument("--circle", action="append", metavar="KIND=M", help="a facility kind's walking circle; "
                                                                          "repeatable")
    plan.set_defaults(func=cmd_plan)
    return plan


# --- options -----------------------------------------------------------------------------------

def _pair_number(text: str, flag: str) -> float:
    """The number of a ``NAME=VALUE`` option's value (``--weight households=0.1``).

    Raises
    ------
    UsageError
        Not a number (exit code 2, as argparse ends on a number option that is not one).
    """
    try:
        return opt.number(text)
    except argparse.ArgumentTypeError:
        raise opt.UsageError(f"{flag} takes a number, got '{text}'", code="option_not_a_number",
                             params={"option": flag, "value": text}) from None


def _weights(preset: str, pairs: Sequence[str] | None) -> str | dict:
    """The preset's name, or its weights with the ``FACTOR=W`` overrides (checked)."""
    from geo.planning.priority import FACTORS, PRESETS, PriorityWeights

    given = opt.parse_pairs(pairs, "--weight", "service_gaps=0.2")
    if not given:
        return preset
    opt.known_names(given, FACTORS, "--weight", "factor")
    values = asdict(PRESETS[preset]) | {k: opt.at_least(_pair_number(v, f"--weight {k}"), f"--weight {k}")
                                        for k, v in given.items()}
    PriorityWeights.from_mapping(values)  # all zero -> SchemaError
    return values


def _shares(pairs: Sequence[str] | None):
    """Funding shares: the defaults with the given sources; local budget takes what is left."""
    from geo.planning.costs import SOURCES, FundingShares

    given = opt.parse_pairs(pairs, "--shares", "residents=0.05")
    if not given:
        return FundingShares()
    opt.known_names(given, SOURCES, "--shares", "source")
    shares = asdict(FundingShares())
    for source, text in given.items():
        pct = text.endswith("%")
        value = opt.at_least(_pair_number(text.rstrip("%"), f"--shares {source}"), f"--shares {source}")
        shares[source] = value / 100 if pct else value
    if "local_budget" not in given:
        rest = 1.0 - sum(v for k, v in shares.items() if k != "local_budget")
        if rest < -1e-9:
            others = ", ".join(f"{k} {v:.4g}" for k, v in shares.items()
                               if k not in given and k != "local_budget")
            raise RuleError(f"--shares: the sources given with the default shares of the others ({others}) "
                            f"add up to {1 - rest:.4g}, more than 1; lower one or give the others too",
                            code="shares_above_one", params={"option": "--shares", "value": round(1 - rest, 4)})
        shares["local_budget"] = max(rest, 0.0)
    return FundingShares(**shares)


def _circles(pairs: Sequence[str] | None) -> dict[str, float] | None:
    """Walking circles: the defaults with the ``KIND=M`` overrides (checked)."""
    from geo.access.facilities import DEFAULT_CIRCLES
    from geo.io.schema import FACILITY_KINDS

    given = opt.parse_pairs(pairs, "--circle", "school=1000")
    if not given:
        return None
    opt.known_names(given, FACILITY_KINDS, "--circle", "facility kind")
    return dict(DEFAULT_CIRCLES) | {k: opt.at_least(_pair_number(v, f"--circle {k}"), f"--circle {k}")
                                    for k, v in given.items()}


def _date(text: str) -> _dt.date:
    """An argparse ``type``: a date as YYYY-MM-DD."""
    try:
        return _dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"takes a date as YYYY-MM-DD (e.g. 2026-09-01), got '{text}'") from None


def plan_settings(args: argparse.Namespace, unit_costs: pd.DataFrame | None = None):
    """The :class:`geo.planning.run.PlanSettings` of the command's options (money in 万元 -> yuan).

    Raises
    ------
    RuleError
        A budget, limit, weight, share or circle below 0, or a target year before the plan year.
    UsageError
        Roadmap limits without ``--target-year``; a malformed or unknown ``NAME=VALUE``.
    """
    from geo.planning.items import read_item_edits
    from geo.planning.run import PlanSettings

    wan = {name: opt.at_least(getattr(args, name), "--" + name.replace("_", "-"))
           for name in ("budget_wan", "budget_per_year_wan")}
    limits = {name: opt.at_least(getattr(args, name), "--" + name.replace("_", "-"))
              for name in ("max_households", "max_projects", "max_communities")}
    year, target = args.year, args.target_year
    yearly = opt.at_least(args.households_per_year, "--households-per-year")
    if target is None and (wan["budget_per_year_wan"] is not None or yearly is not None):
        raise opt.UsageError("--budget-per-year-wan and --households-per-year set the roadmap: "
                             "give --target-year too", code="option_needs",
                             params={"option": "--budget-per-year-wan, --households-per-year",
                                     "needs": "--target-year"})
    cutoff = args.cutoff_year
    settings = PlanSettings(
        cutoff_year=policy.CUTOFF_YEAR if cutoff is None else cutoff,
        weights=_weights(args.preset, args.weight), circles=_circles(args.circle), unit_costs=unit_costs,
        shares=_shares(args.shares),
        item_edits=tuple(read_item_edits(args.item_edits)) if args.item_edits else (),
        budget_yuan=None if wan["budget_wan"] is None else wan["budget_wan"] * YUAN_PER_WAN,
        **limits, target_year=target, households_per_year=yearly, notice_start=args.notice_start,
        budget_per_year_yuan=None if wan["budget_per_year_wan"] is None else wan["budget_per_year_wan"] * YUAN_PER_WAN,
        **({} if year is None else {"plan_year": year}))
    if target is not None and target < settings.plan_year:
        raise RuleError(f"--target-year {target} is before the plan year {settings.plan_year}; "
                        "give a later one", code="target_before_plan_year",
                        params={"option": "--target-year", "value": target, "plan_year": settings.plan_year})
    return settings


# --- inputs ------------------------------------------------------------------------------------

def _load_city(args: argparse.Namespace) -> tuple[dict[str, gpd.GeoDataFrame], list[str]]:
    """DATA's layers (communities with the input options) and the separate files, one analysis CRS."""
    from geo.io.load import load_dataset, load_raw
    from geo.io.readers import list_layers, read_layer

    names = {listing.name for listing in list_layers(args.data)}
    shared = {k: v for k, v in {"crs": args.crs, "datum": args.datum, "encoding": args.encoding}.items() if v}
    sources = {"communities": {"path": args.data, "file_layer": args.layer or
                               ("communities" if "communities" in names else None), **opt.input_options(args)}}
    for name in (*_USED, "barriers"):
        if name in names and name != args.layer and not getattr(args, name, None) and \
                (name != "barriers" or args.propose_zones):
            sources[name] = {"path": args.data, "file_layer": name, **shared}
    ds = load_dataset(sources)
    layers, lines = dict(ds.layers), []
    for name, report in ds.reports.items():
        crs = f" ({report.crs_out})" if name == "communities" else ""
        lines.append(f"{name}: {report.summary()}{crs}")
        lines += ["  " + line for line in report.lines(limit=3)]
    for name in _USED:
        path = getattr(args, name)
        if path:
            raw = read_layer(path, kind=name)
            loaded = load_raw(raw, name, crs=args.crs if raw.crs is None else None, target_crs=ds.crs)
            layers[name] = loaded.gdf
            lines.append(f"{name} ({path}): {loaded.report.summary()}")
            lines += ["  " + line for line in loaded.report.lines(limit=3)]
    return layers, lines


def _earlier(path: str | None, crs, target_crs) -> gpd.GeoDataFrame | None:
    """Earlier projects' footprints as they are, in the analysis CRS."""
    from geo.io.readers import read_layer

    if not path:
        return None
    frame = read_layer(path).frame
    if frame.crs is None:
        if crs is None:
            raise CRSError(f"{path}: the earlier projects state no coordinate system; give --crs",
                           code="earlier_no_crs", params={"file": Path(path).name})
        frame = frame.set_crs(crs)
    return frame.to_crs(target_crs)


def _checked(pairs: list[tuple[str, str]], communities: gpd.GeoDataFrame,
             source: str) -> tuple[dict, list[str]]:
    """community -> zone, refusing a community in two zones and ids DATA does not have."""
    known = set(communities["community_id"].astype(str))
    zone_of: dict[str, str] = {}
    twice = sorted({c for c, z in pairs if zone_of.setdefault(c, z) != z})
    if twice:
        raise ValidationError(f"{source}: communities {', '.join(twice[:5])} are in two zones each; "
                              "a community belongs to one zone at most", code="zones_community_twice",
                              params={"file": Path(source).name, "ids": twice[:5]})
    unknown = sorted(set(zone_of) - known)
    if zone_of and len(unknown) == len(zone_of):
        raise ValidationError(f"{source}: no community of the zones is in the communities layer (first: "
                              f"{', '.join(unknown[:3])}); were the zones made from another file?",
                              code="zones_other_data", params={"file": Path(source).name, "ids": unknown[:3]})
    notes = [f"  {len(unknown)} community ids of the zones are not in the communities layer, left out "
             f"(first: {', '.join(unknown[:3])})"] if unknown else []
    return {c: z for c, z in zone_of.items() if c in known}, notes


def _zones_from_file(zones: gpd.GeoDataFrame, communities: gpd.GeoDataFrame, source: str):
    """The zones' ``members``, or else which outline each community's inside point falls in."""
    if "members" in zones.columns:
        pairs = [(m, str(z)) for z, ms in zip(zones["zone_id"], zones["members"]) for m in parse_members(ms)]
    else:
        points = communities.geometry.representative_point()
        inside, zone = zones.sindex.query(points, predicate="within")
        ids = communities["community_id"].astype(str).to_numpy()
        pairs = [(ids[i], str(zones["zone_id"].iloc[j])) for i, j in zip(inside, zone)]
    return _checked(pairs, communities, source)


def _zones_from_assignments(path: str, communities: gpd.GeoDataFrame):
    from geo.io.readers import check_path, read_csv_table

    table, _ = read_csv_table(check_path(path), None)
    missing = [c for c in ("community_id", "zone_id") if c not in table.columns]
    if missing:
        raise SchemaError(f"{path}: no column {', '.join(missing)} (columns: "
                          f"{', '.join(map(str, table.columns))}); write it with "
                          "`python -m geo zones --assignments CSV`", code="assignments_columns_missing",
                          params={"file": Path(path).name, "missing": missing,
                                  "columns": [str(c) for c in table.columns]})
    table = table.dropna(subset=["zone_id"])
    table = table[table["zone_id"].astype(str).str.strip() != ""]
    pairs = list(zip(table["community_id"].astype(str).str.strip(), table["zone_id"].astype(str).str.strip()))
    return _checked(pairs, communities, path)


def _zoning(args, layers) -> tuple[dict[str, str], gpd.GeoDataFrame | None, list[str]]:
    """community -> zone, the zones' outlines (when known) and lines for the summary."""
    communities = layers["communities"]
    if args.propose_zones and (args.zones or args.assignments):
        raise opt.UsageError("--propose-zones makes the zones: give it without --zones and --assignments",
                             code="options_exclusive",
                             params={"option": "--propose-zones", "others": ["--zones", "--assignments"]})
    if args.propose_zones:
        from geo.zoning.zones import propose_zones

        barriers = layers.get("barriers")
        result = propose_zones(communities, barriers=barriers)
        s = result.summary()
        lines = [f"zones proposed: {s['zones']:,} covering {s['households_in_zones']:,} households "
                 f"({s['placed']:,} of {s['candidates']:,} candidates placed)"]
        if barriers is None:
            lines.append("  no barriers layer: zones may cross arterial roads, rivers and railways")
        return result.assignment(), result.zones, lines
    outlines, zone_of, notes = None, {}, []
    if args.zones:
        outlines = opt.read_zones(args.zones, args.zones_layer, communities.crs)
        zone_of, notes = _zones_from_file(outlines, communities, args.zones)
    if args.assignments:
        zone_of, notes = _zones_from_assignments(args.assignments, communities)
    if not (args.zones or args.assignments):
        return {}, None, ["zones: none given, every eligible community is its own project"]
    line = f"zones: {len(set(zone_of.values())):,} with {len(zone_of):,} communities"
    return zone_of, outlines, [line, *notes]


# --- outputs -----------------------------------------------------------------------------------

def _joined(frame: pd.DataFrame) -> pd.DataFrame:
    """Tuples of ids joined with ``、`` for CSV."""
    out = frame.copy()
    for column in out.columns:
        if out[column].map(lambda v: isinstance(v, tuple)).any():
            out[column] = out[column].map(lambda v: "、".join(map(str, v)) if isinstance(v, tuple) else v)
    return out


def _project_of(projects: pd.DataFrame) -> dict[str, str]:
    """community id -> id of the project it is a member of."""
    return {str(m): str(p) for p, ms in zip(projects["project_id"], projects["members"]) for m in ms}


def _scores(result, communities: pd.DataFrame) -> pd.DataFrame:
    s = result.scores
    project = _project_of(result.reserve)
    chosen = set(result.plan.chosen["project_id"].astype(str))
    first = ["community_id", "eligible", "eligibility_reason", "eligibility_reason_zh",
             "eligibility_reason_en", "score", "rank"]
    points = [c for c in s.columns if c.startswith("points_")]
    out = s[first + points + ["missing_factors", "duplicate_of"]].copy()
    out.insert(1, "name", communities["name"].to_numpy() if "name" in communities else None)
    out["project_id"] = out["community_id"].astype(str).map(project)
    out["in_plan"] = out["project_id"].isin(chosen)
    return out


def _funding(result) -> pd.DataFrame:
    reserve = result.reserve.set_index(result.reserve["project_id"].astype(str))
    out = reserve[["project_id", "project_kind", "members", "households", "cost_yuan"]].join(
        result.funding.set_axis(result.funding.index.astype(str)))
    out["in_plan"] = out["project_id"].astype(str).isin(set(result.plan.chosen["project_id"].astype(str)))
    return _joined(out.reset_index(drop=True))


def _roadmap_geojson(result, communities: gpd.GeoDataFrame, path: Path) -> Path:
    from geo.reports.export import geojson_features
    from geo.planning.run import project_years

    years = project_years(result.roadmap)
    project = _project_of(result.roadmap)
    ids = communities["community_id"].astype(str)
    rows = communities.loc[ids.isin(years.index).to_numpy(), ["community_id", "name", "geometry"]].copy()
    rows["project_id"] = rows["community_id"].astype(str).map(project)
    rows["roadmap_year"] = rows["community_id"].astype(str).map(years).astype(object).where(
        rows["community_id"].astype(str).map(years).notna(), None)
    doc = {"type": "FeatureCollection", "features": geojson_features(rows, id_column="community_id")}
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return path


def _write(result, out: Path, layers, outlines, lang: str) -> list[Path]:
    from geo.access.facilities import gaps_wide
    from geo.reports.plan_html import write_plan_sheets
    from geo.reports.plan_sheets import plan_table, plan_workbook, write_plan_csv, write_plan_xlsx

    communities = layers["communities"]
    out.mkdir(parents=True, exist_ok=True)
    written = [write_plan_csv(plan_table(result.plan, lang=lang), out / "annual_plan.csv"),
               write_plan_xlsx(plan_workbook(result.plan, lang=lang), out / "annual_plan.xlsx"),
               write_plan_csv(plan_table(result.reserve, lang=lang), out / "reserve.csv"),
               opt.write_csv(_scores(result, communities), out / "scores.csv"),
               opt.write_csv(result.items, out / "items.csv"), opt.write_csv(_funding(result), out / "funding.csv"),
               opt.write_csv(result.duplicates, out / "duplicates.csv")]
    if result.gaps is not None:  # none without a facilities layer
        written += [opt.write_csv(result.gaps, out / "service_gaps.csv"),
                    opt.write_csv(gaps_wide(result.gaps), out / "service_gaps_wide.csv")]
    if outlines is not None:
        from geo.reports.export import write_geojson

        written.append(write_geojson(outlines, out / "zones.geojson"))
    if result.roadmap is not None:
        written += [write_plan_csv(plan_table(result.roadmap, lang=lang), out / "roadmap.csv"),
                    opt.write_csv(result.roadmap_summary, out / "roadmap_summary.csv"),
                    _roadmap_geojson(result, communities, out / "roadmap.geojson")]
    sheets = out / "sheets"
    for stale in sheets.glob("*.html") if sheets.is_dir() else ():  # pages of an earlier run's projects
        stale.unlink()
    written += write_plan_sheets(result.plan, sheets, communities=communities, items=result.items,
                                 funding=result.funding, pipelines=layers.get("pipelines"),
                                 notice_start=result.settings.notice_start, lang=lang, zones=outlines)
    return written


# --- the summary -------------------------------------------------------------------------------

def summary_lines(result, *, lang: str = "zh") -> list[str]:
    """What a planner reads after a run: eligibility, reserve, the plan, funding, roadmap, notes."""
    from geo.planning.reserve import LIMITS
    from geo.planning.costs import SOURCE_LABELS
    from geo.planning.money import format_wan
    from geo.planning.notice import notice_end_date

    k = 0 if lang == "zh" else 1
    s, reserve, plan = result.scores, result.reserve, result.plan
    lines = [f"eligible communities: {int(s['eligible'].sum()):,} of {len(s):,}"]
    for text, n in s.loc[~s["eligible"], f"eligibility_reason_{lang}"].value_counts().items():
        lines.append(f"  {n:6,}  not eligible: {text}")
    uncosted = int(result.items["cost_yuan"].isna().sum())
    lines.append(f"items: {len(result.items):,}" + (f", {uncosted:,} without a cost (not in the totals: give "
                                                     "their unit costs)" if uncosted else ", every one costed"))
    zones = int((reserve["project_kind"] == "zone").sum())
    lines.append(f"reserve: {len(reserve):,} projects ({zones:,} zones, {len(reserve) - zones:,} single "
                 f"communities), {int(reserve['households'].sum()):,} households, "
                 f"{format_wan(reserve['cost_yuan'].sum(), digits=2, unit=True)}")
    t = plan.totals
    lines.append(f"plan {plan.year}: {t['projects']:,} projects, {t['communities']:,} communities, "
                 f"{t['households']:,} households, {format_wan(t['cost_yuan'], digits=2, unit=True)}")
    for name, f in plan.limits.items():
        show = (lambda v: format_wan(v, digits=2, unit=True)) if name == "budget_yuan" else (lambda v: f"{v:,.0f}")
        lines.append(f"  {LIMITS[name][1 + k]}: {show(f['limit'])}, used {show(f['used'])}, "
                     f"left {show(f['left'])}")
    lines.append(f"  {plan.binding_text(lang)}")
    totals = result.funding_totals()
    lines.append("funding of the plan:")
    for column, yuan in totals.items():
        label = SOURCE_LABELS[column.removesuffix("_yuan")][k]
        share = yuan / t["cost_yuan"] if t["cost_yuan"] else 0.0
        pad = " " * max(18 - sum(2 if ord(ch) > 0x2E7F else 1 for ch in label), 1)  # CJK: two columns
        lines.append(f"  {label}{pad}{format_wan(yuan, digits=2, unit=True):>18s} {share:6.1%}")
    if result.roadmap_summary is not None:
        lines.append(f"roadmap {result.settings.plan_year}-{result.settings.target_year} (the first year is "
                     "the plan above; the rest of the reserve spread over the later years):")
        for _, r in result.roadmap_summary.iterrows():
            year = "no year" if r["unassigned"] else str(r["year"])
            lines.append(f"  {year:>7s}: {r['projects']:4,} projects, {r['households']:7,} households, "
                         f"{format_wan(r['cost_yuan'], digits=2, unit=True)}")
        lines.append("  " + result.roadmap_shortfall[f"text_{lang}"])
    if result.settings.notice_start is not None:
        lines.append("public notice: " + notice_end_date(result.settings.notice_start).note(lang))
    for note in result.notes:
        lines.append("note: " + note[lang])
    return lines


def _unit_cost_lines(table: pd.DataFrame | None, lang: str) -> list[str]:
    if table is None:
        return ["unit costs: the indicative defaults (replace them with local prices: --unit-costs CSV)"]
    bad = table[table["status"] != "ok"]
    lines = [f"unit costs: {len(table) - len(bad)} of {len(table)} rows used"]
    return lines + [f"  line {r['row']}: {r['item']}: {r[f'status_{lang}']}" for _, r in bad.iterrows()]


def cmd_plan(args: argparse.Namespace) -> int:
    """Run the plan command: every option and input checked before anything is written.

    Errors are left to :func:`geo.cli.main.main`, which ends them with the documented exit codes.
    """
    from geo.planning.costs import read_unit_costs
    from geo.planning.run import plan_city

    start = time.perf_counter()
    unit_costs = read_unit_costs(args.unit_costs) if args.unit_costs else None
    settings = plan_settings(args, unit_costs)  # every option checked before the (slower) loading
    layers, lines = _load_city(args)
    print("\n".join(lines))
    zone_of, outlines, lines = _zoning(args, layers)
    print("\n".join(lines))
    earlier = _earlier(args.earlier, args.crs, layers["communities"].crs)
    print("\n".join(_unit_cost_lines(unit_costs, args.lang)))
    result = plan_city(layers, zone_of=zone_of, settings=settings, earlier=earlier)
    print("\n".join(summary_lines(result, lang=args.lang)))
    written = _write(result, Path(args.out).expanduser(), layers, outlines, args.lang)
    print(f"wrote {len(written)} files to {args.out} in {time.perf_counter() - start:.1f} s")
    return 0
