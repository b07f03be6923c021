"""`python -m geo plan` end to end on the demo city: every output read back and checked."""

from __future__ import annotations

import contextlib
import io
import json
import re
from html.parser import HTMLParser

import geopandas as gpd
import pandas as pd
import pytest

from geo.cli.main import build_parser, main
from geo.cli.plan import _zones_from_assignments, _zones_from_file, plan_settings
from geo.io.load import DEMO_PATH

BUDGET_WAN = 30000
ARGS = ["--propose-zones", "--year", "2027", "--budget-wan", str(BUDGET_WAN), "--target-year", "2030",
        "--budget-per-year-wan", str(BUDGET_WAN), "--notice-start", "2026-09-01"]
FILES = ["annual_plan.csv", "annual_plan.xlsx", "reserve.csv", "scores.csv", "service_gaps.csv",
         "service_gaps_wide.csv", "items.csv", "funding.csv", "duplicates.csv", "roadmap.csv",
         "roadmap_summary.csv", "roadmap.geojson", "zones.geojson", "sheets/index.html"]


def run_cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """One plan of the demo city, shared by the tests of this module."""
    out = tmp_path_factory.mktemp("plan") / "plan"  # not there yet: the command makes it
    code, stdout, stderr = run_cli("plan", str(DEMO_PATH), "--out", str(out), *ARGS)
    return code, stdout, stderr, out


def read_csv(path):
    assert path.read_bytes()[:3] == b"\xef\xbb\xbf", f"{path.name} has no byte-order mark"
    return pd.read_csv(path, encoding="utf-8-sig")


def planned_ids(plan: pd.DataFrame) -> set[str]:
    return {m for cell in plan["小区编号"] for m in str(cell).split("、")}


def test_exit_code_and_every_file(run):
    code, stdout, stderr, out = run
    assert code == 0, stderr
    missing = [name for name in FILES if not (out / name).is_file()]
    assert missing == []
    plan = read_csv(out / "annual_plan.csv")
    pages = [p for p in (out / "sheets").glob("*.html") if p.name != "index.html"]
    assert len(pages) == len(plan) > 0
    assert f"wrote {len(FILES) - 1 + len(pages) + 1} files" in stdout


def test_plan_within_budget_and_zones_kept_whole(run):
    _, _, _, out = run
    plan = read_csv(out / "annual_plan.csv")
    funding = read_csv(out / "funding.csv")
    chosen = funding[funding["in_plan"]]
    assert set(chosen["project_id"]) == set(plan["项目编号"])
    assert chosen["cost_yuan"].sum() <= BUDGET_WAN * 1e4
    sources = [c for c in funding.columns if c.endswith("_yuan") and c != "cost_yuan"]
    assert (funding[sources].sum(axis=1) == funding["cost_yuan"].round()).all()  # whole yuan, adding up
    planned = planned_ids(plan)
    zones = json.loads((out / "zones.geojson").read_text(encoding="utf-8"))["features"]
    assert len(zones) > 10
    for zone in zones:
        members = set(zone["properties"]["members"])
        assert members <= planned or not members & planned, zone["properties"]["zone_id"]
    assert any(set(z["properties"]["members"]) <= planned for z in zones)  # some zone is planned


def test_printed_totals_equal_the_csv(run):
    _, stdout, _, out = run
    plan = read_csv(out / "annual_plan.csv")
    m = re.search(r"plan 2027: (\d+) projects, ([\d,]+) communities, ([\d,]+) households, ([\d,.]+) 万元",
                  stdout)
    assert m, stdout
    projects, communities, households, cost_wan = (float(g.replace(",", "")) for g in m.groups())
    assert projects == len(plan)
    assert communities == plan["小区数"].sum()
    assert households == plan["户数"].sum()
    assert cost_wan == pytest.approx(plan["投资估算（万元）"].sum(), abs=0.01 * len(plan))
    assert cost_wan <= BUDGET_WAN
    assert "受限于年度预算" in stdout  # the binding limit in words
    assert "public notice: 2026-09-01" in stdout and "中央补助资金" in stdout


def test_workbook_sheets(run):
    _, _, _, out = run
    book = pd.read_excel(out / "annual_plan.xlsx", sheet_name=None)
    assert list(book) == ["年度计划", "未纳入项目", "合计"]
    plan = read_csv(out / "annual_plan.csv")
    assert book["年度计划"]["项目编号"].tolist() == plan["项目编号"].tolist()
    totals = dict(zip(book["合计"]["指标"], book["合计"]["数值"]))
    assert float(totals["投资估算（万元）"]) <= BUDGET_WAN
    reserve = read_csv(out / "reserve.csv")
    assert len(book["未纳入项目"]) == len(reserve) - len(plan)


def test_scores_breakdown_and_reserve(run):
    _, _, _, out = run
    scores = read_csv(out / "scores.csv")
    assert len(scores) == 1100 and scores["community_id"].is_unique
    ok = scores[scores["eligible"]]
    points = ok.filter(like="points_").sum(axis=1)
    assert (points - ok["score"]).abs().max() < 1e-9
    assert sorted(ok["rank"].astype(int)) == list(range(1, len(ok) + 1))
    assert scores.loc[~scores["eligible"], "score"].isna().all()
    assert {"missing_factors", "eligibility_reason_zh", "eligibility_reason_en"} <= set(scores.columns)
    plan = read_csv(out / "annual_plan.csv")
    assert set(scores.loc[scores["in_plan"], "community_id"]) <= planned_ids(plan)


def test_gaps_items_tables(run):
    _, _, _, out = run
    gaps = read_csv(out / "service_gaps.csv")
    wide = read_csv(out / "service_gaps_wide.csv")
    assert len(wide) == 1100 and len(gaps) == 1100 * (wide.shape[1] - 2)
    assert (wide["n_gaps"] == wide.filter(like="gap_").sum(axis=1)).all()
    assert set(gaps["method"]) <= {"network", "straight_line"}
    items = read_csv(out / "items.csv")
    assert {"unit_id", "item", "category", "quantity", "unit_cost_yuan", "cost_yuan"} <= set(items.columns)
    assert set(items["category"]) == {"basic", "improvement", "upgrading"}
    assert "community_id" in read_csv(out / "duplicates.csv").columns


def test_roadmap(run):
    _, _, _, out = run
    summary = read_csv(out / "roadmap_summary.csv")
    years = summary[~summary["unassigned"]]
    assert years["year"].astype(int).tolist() == [2027, 2028, 2029, 2030]
    assert (years["cost_yuan"] <= BUDGET_WAN * 1e4).all()
    roadmap = read_csv(out / "roadmap.csv")
    assert len(roadmap) == len(read_csv(out / "reserve.csv")) == summary["projects"].sum()
    raw = json.loads((out / "roadmap.geojson").read_text(encoding="utf-8"))
    assert "crs" not in raw
    layer = gpd.read_file(out / "roadmap.geojson")
    assert layer.crs.to_epsg() == 4326
    minx, miny, maxx, maxy = layer.total_bounds
    assert 73 < minx < maxx < 136 and 18 < miny < maxy < 54
    given = layer["roadmap_year"].dropna().astype(int)
    assert set(given) <= {2027, 2028, 2029, 2030} and len(given) > 0
    planned = planned_ids(read_csv(out / "annual_plan.csv"))
    assert planned <= set(layer["community_id"])


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.urls = set(), []

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        self.urls += [v for k, v in attrs if k in ("src", "href") and v]


def test_plan_sheets_are_offline_pages_with_a_map(run):
    _, _, _, out = run
    index = _Links()
    index.feed((out / "sheets" / "index.html").read_text(encoding="utf-8"))
    pages = sorted(p.name for p in (out / "sheets").glob("*.html") if p.name != "index.html")
    assert sorted(index.urls) == pages
    for name in pages:
        page = _Links()
        page.feed((out / "sheets" / name).read_text(encoding="utf-8"))
        assert "svg" in page.tags, name
        assert not [u for u in page.urls if u.startswith(("http:", "https:", "//"))], name


@pytest.mark.parametrize("argv, exit_code, words", [
    (["--weight", "speed=1"], 2, "unknown factor speed"),
    (["--weight", "build_year"], 2, "--weight takes NAME=VALUE"),
    (["--weight", "households=much"], 2, "--weight households takes a number, got 'much'"),
    (["--propose-zones", "--zones", "z.geojson"], 2, "--propose-zones makes the zones"),
    (["--households-per-year", "900"], 2, "give --target-year too"),
    (["--budget-wan", "-1"], 1, "--budget-wan must be 0 or more, got -1"),
    (["--max-households", "-5"], 1, "--max-households must be 0 or more, got -5"),
    (["--weight", "households=-0.1"], 1, "--weight households must be 0 or more, got -0.1"),
    (["--shares", "residents=-5%"], 1, "--shares residents must be 0 or more, got -5"),
    (["--shares", "central_subsidy=0.99"], 1, "add up to"),
    (["--circle", "school=-100"], 1, "--circle school must be 0 or more, got -100"),
    (["--year", "2030", "--target-year", "2028"], 1, "--target-year 2028 is before the plan year 2030"),
])
def test_bad_options_exit_before_anything_is_written(tmp_path, argv, exit_code, words):
    """A rule value out of range is the data's exit code 1 (with the range); a malformed or
    unknown option, or two that do not fit, is usage, exit code 2."""
    out = tmp_path / "out"
    code, _, err = run_cli("plan", str(DEMO_PATH), "--out", str(out), *argv)
    assert code == exit_code and words in err
    assert err.startswith("error: ") and err.count("\n") == 1 and "Traceback" not in err
    assert not out.exists()


def test_a_missing_file_exits_1_naming_it(tmp_path):
    code, _, err = run_cli("plan", str(tmp_path / "city.gpkg"), "--out", str(tmp_path / "out"))
    assert code == 1 and "city.gpkg: no such file" in err
    code, _, err = run_cli("plan", str(DEMO_PATH), "--out", str(tmp_path / "out"), "--zones",
                           str(tmp_path / "zones.geojson"))
    assert code == 1 and "zones.geojson" in err and not (tmp_path / "out").exists()


def test_options_map_onto_the_settings():
    args = build_parser().parse_args(["plan", "x.gpkg", "--out", "o", "--budget-wan", "2.5", "--year", "2028",
                                      "--preset", "yunnan", "--weight", "households=0.1", "--shares",
                                      "central_subsidy=40%", "--shares", "residents=0.05", "--circle",
                                      "school=1000", "--target-year", "2030", "--households-per-year", "900"])
    s = plan_settings(args)
    assert s.budget_yuan == 25000 and s.plan_year == 2028 and s.target_year == 2030
    assert s.weights["households"] == 0.1 and s.weights["service_gaps"] == 0.2  # preset kept, one overridden
    shares = s.shares.shares()
    assert shares["central_subsidy"] == 0.4 and shares["residents"] == 0.05
    assert sum(shares.values()) == pytest.approx(1.0)
    assert s.circles["school"] == 1000 and s.circles["market"] == 500
    assert s.households_per_year == 900 and s.limits() == {"budget_yuan": 25000}


def test_zones_from_the_members_the_outlines_or_the_assignments(demo, tmp_path):
    from geo.zoning.zones import propose_zones

    communities = demo.layers["communities"]
    result = propose_zones(communities, barriers=demo.layers["barriers"])
    expected = result.assignment()
    members, _ = _zones_from_file(result.zones, communities, "zones.geojson")
    assert members == expected
    outlines, _ = _zones_from_file(result.zones.drop(columns="members"), communities, "zones.geojson")
    assert outlines == expected  # each community's inside point lies in its own zone's outline
    path = tmp_path / "assignments.csv"
    result.assignments.to_csv(path, index=False, encoding="utf-8-sig")
    assert _zones_from_assignments(str(path), communities)[0] == expected
    twice = pd.DataFrame({"community_id": ["CJ000001", "CJ000001"], "zone_id": ["Z1", "Z2"]})
    twice.to_csv(path, index=False)
    with pytest.raises(Exception, match="CJ000001 are in two zones"):
        _zones_from_assignments(str(path), communities)


def test_item_edits_from_the_app_are_applied_and_costed(run, tmp_path):
    """The JSON the app's Items tab saves: a lift added to the first project, an item removed."""
    _, _, _, out = run
    items = read_csv(out / "items.csv")
    plan = read_csv(out / "annual_plan.csv")
    first = plan["小区编号"].iloc[0].split("、")[0]
    mine = items[items["unit_id"] == first]
    removed = mine["item"].iloc[0]
    edits = tmp_path / "item_edits.json"
    edits.write_text(json.dumps([{"action": "add", "unit_id": first, "item": "lift_retrofit", "quantity": 3,
                                  "unit_kind": "community"},
                                 {"action": "remove", "unit_id": first, "item": removed}]), encoding="utf-8")
    again = tmp_path / "again"
    code, _, stderr = run_cli("plan", str(DEMO_PATH), "--out", str(again), *ARGS, "--item-edits", str(edits))
    assert code == 0, stderr
    after = read_csv(again / "items.csv")
    lift = after[(after["unit_id"] == first) & (after["item"] == "lift_retrofit")]
    assert len(lift) == 1 and lift["quantity"].iloc[0] == 3 and lift["source"].iloc[0] == "planner"
    assert lift["cost_yuan"].iloc[0] == 3 * lift["unit_cost_yuan"].iloc[0]
    assert removed not in set(after.loc[after["unit_id"] == first, "item"])
    assert len(after) == len(items) - 1 + (0 if "lift_retrofit" in set(mine["item"]) else 1)


@pytest.mark.parametrize("content, words", [
    ("not json", "cannot read the item edits"),
    ('{"action": "add"}', "expected a JSON list"),
    ('[{"action": "add", "unit_id": "CJ000001"}]', "edit 1 lacks item"),
    ('[{"action": "move", "unit_id": "CJ000001", "item": "fitness"}]', "expected 'add' or 'remove'"),
])
def test_bad_item_edits_are_one_clear_line(tmp_path, content, words):
    edits = tmp_path / "edits.json"
    edits.write_text(content, encoding="utf-8")
    code, stdout, stderr = run_cli("plan", str(DEMO_PATH), "--out", str(tmp_path / "o"), "--item-edits", str(edits))
    assert code == 1 and words in stderr and str(edits) in stderr
    assert not (tmp_path / "o").exists()
