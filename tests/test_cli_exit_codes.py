"""The exit codes of ``python -m geo``, one meaning in every command, and bad rule values refused.

0 ok; 1 the data or a rule value (a GeoError, one line); 2 usage (argparse, malformed options,
options that do not fit together); 3 a bug (one line with a reference, the traceback in a log).
"""

import contextlib
import io
import re
from pathlib import Path

import geopandas as gpd
import pytest
from shapely import box

import geo.cli.main as cli
from geo.cli.main import build_parser, main
from geo.cli.options import EXIT_CODES, bug_log_path

DEMO_PATH = Path(__file__).resolve().parent.parent / "data" / "demo.gpkg"


def run_cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def small_city(tmp_path_factory) -> Path:
    """Four small communities in a row, in a metric CRS."""
    path = tmp_path_factory.mktemp("city") / "xq.geojson"
    frame = gpd.GeoDataFrame({"community_id": [f"C{i}" for i in range(4)], "households": [120, 90, 150, 80],
                              "build_year": [1990, 1992, 1988, 1995], "street": ["s"] * 4},
                             geometry=[box(500000 + 45 * i, 4870000, 500040 + 45 * i, 4870040) for i in range(4)],
                             crs=4538)
    frame.to_crs(4326).to_file(path)
    return path


def test_the_help_documents_every_exit_code():
    words = build_parser().format_help()
    assert "exit codes:" in words
    for code, meaning in EXIT_CODES.items():
        assert f"  {code}  {meaning}" in words
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    for code in EXIT_CODES:
        assert re.search(rf"^\s*[-*|]?\s*`?{code}`?\s", readme, re.M), f"README lacks exit code {code}"


def test_help_is_0_and_argparse_errors_are_2(capsys):
    assert main(["--help"]) == 0
    assert main(["no-such-command"]) == 2
    assert main(["zones", "x.geojson"]) == 2  # --out is required
    assert main(["zones", "x.geojson", "--out", "z.geojson", "--max-households", "many"]) == 2
    err = capsys.readouterr().err
    assert "invalid int value: 'many'" in err


@pytest.mark.parametrize("argv", [
    ["pipelines", "c.gpkg", "p.gpkg", "--out", "o", "--partial-share", "a tenth"],
    ["pipelines", "c.gpkg", "p.gpkg", "--out", "o", "--service-m", "nan"],
    ["plan", "c.gpkg", "--out", "o", "--budget-wan", "lots"],
    ["plan", "c.gpkg", "--out", "o", "--year", "2026.5"],
    ["plan", "c.gpkg", "--out", "o", "--notice-start", "1 Sept"],
    ["demo", "--communities", "0", "--out", "o.gpkg"],
    ["demo", "--communities", "-5", "--out", "o.gpkg"],
    ["demo", "--seed", "one", "--out", "o.gpkg"],
])
def test_a_number_option_that_is_no_number_is_usage(argv, capsys):
    assert main(argv) == 2
    assert "error: argument" in capsys.readouterr().err


def test_the_data_is_1(tmp_path, capsys):
    code = main(["info", str(tmp_path / "nope.geojson")])
    err = capsys.readouterr().err
    assert code == 1 and err.startswith("error: ") and "nope.geojson" in err and err.count("\n") == 1


def test_a_bug_is_3_with_a_reference_and_a_log(monkeypatch, capsys):
    def broken(args):
        raise RuntimeError("a bug in the demo")

    monkeypatch.setattr(cli, "cmd_demo", broken)
    code = main(["demo", "--out", "x.gpkg"])
    err = capsys.readouterr().err
    assert code == 3 and err.count("\n") == 1 and "Traceback" not in err
    ref = re.search(r"reference ([0-9a-f]{8})", err)[1]
    log = bug_log_path(ref)
    assert str(log) in err
    assert "RuntimeError: a bug in the demo" in log.read_text(encoding="utf-8") and ref in log.read_text()
    log.unlink()
    assert main(["--debug", "demo", "--out", "x.gpkg"]) == 3
    err = capsys.readouterr().err
    assert "Traceback" in err and "a bug in the demo" in err and re.search(r"reference [0-9a-f]{8}", err)


def test_a_broken_rule_object_is_a_bug_not_the_data(monkeypatch, capsys):
    """A bare ValueError (no GeoError) is a bug of ours: exit 3, not 1."""
    from geo.pipelines import overlay

    def broken(**kwargs):
        raise ValueError("not a coded error")

    monkeypatch.setattr(overlay, "PipelineRules", broken)
    code = main(["pipelines", "c.gpkg", "p.gpkg", "--out", "o"])
    err = capsys.readouterr().err
    assert code == 3 and "internal error" in err
    bug_log_path(re.search(r"reference ([0-9a-f]{8})", err)[1]).unlink()


# --- rule values: refused with the option, the value and the allowed range, never replaced -------


@pytest.mark.parametrize("argv, words", [
    (["--max-households", "0"], ["--max-households", "0", "between 1 and 50000"]),
    (["--max-households", "-10"], ["--max-households", "-10", "between 1 and 50000"]),
    (["--min-households", "3000"], ["--min-households", "3000", "--max-households", "2000"]),
    (["--min-households", "0"], ["--min-households", "0", "between 1 and 50000"]),
    (["--small-max-households", "0"], ["--small-max-households", "0", "between 1 and 50000"]),
    (["--max-members", "1"], ["--max-members", "1", "between 2 and 1000"]),
    (["--max-members", "0"], ["--max-members", "0", "between 2 and 1000"]),
    (["--gap-m", "-1"], ["--gap-m", "-1", "between 0 and 1000"]),
    (["--max-span-m", "0"], ["--max-span-m", "0", "between 1 and 10000"]),
])
def test_zones_refuses_a_bad_rule_value(small_city, tmp_path, argv, words):
    out = tmp_path / "z" / "zones.geojson"
    code, _, err = run_cli("zones", str(small_city), "--out", str(out), *argv)
    assert code == 1, err
    assert err.startswith("error: ") and err.count("\n") == 1 and "internal error" not in err
    for word in words:
        assert word in err, (word, err)
    assert not out.parent.exists()  # refused before anything is read or written


def test_zones_takes_a_rule_value_as_given(small_city, tmp_path, monkeypatch):
    """0 is a value, not "absent": each option reaches ZoneRules as typed, the others keep their defaults."""
    from geo.zoning import rules as zone_rules

    seen = []

    class Spy(zone_rules.ZoneRules):
        def __post_init__(self):
            super().__post_init__()
            seen.append(self)

    monkeypatch.setattr(zone_rules, "ZoneRules", Spy)
    code, _, err = run_cli("zones", str(small_city), "--out", str(tmp_path / "z.geojson"), "--gap-m", "0",
                           "--max-households", "250", "--min-households", "150", "--max-members", "2",
                           "--small-max-households", "100", "--seed", "0")
    assert code == 0, err
    rules = seen[0]
    assert (rules.gap_m, rules.max_households, rules.min_households, rules.max_members,
            rules.small_max_households, rules.seed) == (0.0, 250, 150, 2, 100, 0)
    assert rules.max_span_m == zone_rules.ZoneRules().max_span_m  # not given: the default


@pytest.mark.parametrize("argv, words", [
    (["--partial-share", "1.5"], ["--partial-share", "1.5", "between 0 and 1"]),
    (["--full-share", "-0.1"], ["--full-share", "-0.1", "between 0 and 1"]),
    (["--partial-share", "0.6", "--full-share", "0.5"], ["--partial-share", "--full-share", "0.6", "0.5",
                                                         "0 <= --partial-share <= --full-share <= 1"]),
    (["--service-m", "-5"], ["--service-m", "-5", "between 0 and 1000"]),
    (["--snap-m", "-1"], ["--snap-m", "-1", "0 or more"]),
    (["--near-miss-m", "-2"], ["--near-miss-m", "-2", "0 or more"]),
])
def test_pipelines_refuses_a_bad_rule_value(tmp_path, argv, words):
    out = tmp_path / "out"
    code, _, err = run_cli("pipelines", str(DEMO_PATH), str(DEMO_PATH), "--out", str(out), *argv)
    assert code == 1, err
    assert err.startswith("error: ") and err.count("\n") == 1
    for word in words:
        assert word in err, (word, err)
    assert not out.exists()


def test_a_malformed_pair_is_usage(tmp_path, capsys):
    code = main(["pipelines", str(DEMO_PATH), str(DEMO_PATH), "--out", str(tmp_path / "o"), "--lead", "Z1"])
    assert code == 2 and "--lead takes NAME=VALUE" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()
