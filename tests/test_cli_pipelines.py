"""`python -m geo pipelines` end to end on the demo city: outputs read back and checked."""

from __future__ import annotations

import json

import geopandas as gpd
import pandas as pd
import pytest

from geo.cli.main import main
from geo.io.load import DEMO_PATH
from tests.test_epanet import INP


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """Zones for the demo city, then the pipelines command with them."""
    tmp = tmp_path_factory.mktemp("pipelines")
    zones = tmp / "zones.geojson"
    assert main(["zones", str(DEMO_PATH), "--barriers", str(DEMO_PATH), "--out", str(zones)]) == 0
    out = tmp / "out"
    code = main(["pipelines", str(DEMO_PATH), str(DEMO_PATH), "--zones", str(zones), "--out", str(out),
                 "--year", "2026", "--lead", "Z0001=中国联通昌吉分公司"])
    return code, out, zones


def read_csv(path) -> pd.DataFrame:
    return pd.read_csv(path, encoding="utf-8-sig")


def test_exit_code_and_files(run):
    code, out, _ = run
    assert code == 0
    names = {p.name for p in out.iterdir()}
    assert names >= {"communities_pipelines.csv", "communities_operators.csv", "zones_pipelines.csv",
                     "zones_operators.csv", "zones_lead_telecom.csv", "zones_phasing.csv",
                     "network_findings.csv", "network_findings.geojson", "work_lists"}
    assert (out / "communities_pipelines.csv").read_bytes().startswith(b"\xef\xbb\xbf")  # Excel-ready


def test_community_table(run, demo):
    _, out, _ = run
    table = read_csv(out / "communities_pipelines.csv")
    assert len(table) == len(demo.layers["communities"]) * 6
    assert set(table["need"]) == {"none", "partial", "full"}
    assert table["reason_zh"].str.contains("管线").all()
    water = table[table["kind"] == "water_supply"]
    assert (water["length_service_m"] > 0).all()


def test_operator_work_lists_add_up_to_the_layer(run, demo):
    _, out, _ = run
    pipes = demo.layers["pipelines"]
    summary = read_csv(out / "work_lists" / "operators.csv")
    # the layer's length per operator, and nine operators in all
    layer = pipes.length.groupby(pipes["operator"]).sum()
    assert sorted(summary["operator"]) == sorted(layer.index)
    assert summary.set_index("operator")["length_m"].sort_index().to_numpy() == pytest.approx(
        layer.sort_index().to_numpy(), abs=0.05)
    total = 0.0
    ids: list[str] = []
    for row in summary.itertuples():
        table = read_csv(out / "work_lists" / row.csv)
        features = gpd.read_file(out / "work_lists" / row.geojson)
        assert len(table) == len(features) == row.listed_segments
        assert (table["operator"] == row.operator).all()
        assert table["length_m"].sum() == pytest.approx(row.listed_m, abs=0.05)
        assert table["length_m"].sum() == pytest.approx(row.replace_m + row.overhead_m, abs=0.05)
        assert features.crs.to_epsg() == 4326
        total += table["length_m"].sum()
        ids += table["pipeline_id"].tolist()
    assert len(ids) == len(set(ids))  # each segment once
    from geo.pipelines.overlay import PipelineRules, segment_condition

    cond = segment_condition(pipes, rules=PipelineRules(reference_year=2026))
    listed = cond["aged"] | cond["overhead"]
    assert set(ids) == set(pipes.loc[listed, "pipeline_id"])
    assert total == pytest.approx(cond.loc[listed, "length_m"].sum(), abs=1.0)


def test_zone_outputs(run):
    _, out, zones_path = run
    zones = gpd.read_file(zones_path)
    ztable = read_csv(out / "zones_pipelines.csv")
    assert set(ztable["zone_id"]) == set(zones["zone_id"])
    lead = read_csv(out / "zones_lead_telecom.csv").set_index("zone_id")
    assert lead.loc["Z0001", ["lead_operator", "chosen_by"]].tolist() == ["中国联通昌吉分公司", "planner"]
    by_length = lead[lead["chosen_by"] == "length"]
    assert len(by_length) == len(zones) - 1
    assert (by_length["lead_share"] > 0).all() and (by_length["lead_share"] <= 1).all()
    phases = read_csv(out / "zones_phasing.csv")
    order = {"underground": 1, "ground": 2, "aerial": 3}
    for _, steps in phases.groupby("zone_id"):
        ranks = steps.sort_values("step")["phase"].map(order).tolist()
        assert ranks == sorted(ranks)
        assert (1 in ranks) == (2 in ranks)  # trenches are restored where there are underground works
        assert steps["step"].tolist() == list(range(1, len(steps) + 1))
    assert set(phases["phase"]) == {"underground", "ground", "aerial"}


def test_findings_layer(run):
    _, out, _ = run
    doc = json.loads((out / "network_findings.geojson").read_text(encoding="utf-8"))
    table = read_csv(out / "network_findings.csv")
    assert len(doc["features"]) == len(table)
    assert set(table["finding"]) <= {"fragment", "near_miss", "dangling_end", "snapped"}
    assert {"words_zh", "words_en", "kind"} <= set(table.columns)


def test_without_zones_phases_per_community(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["pipelines", str(DEMO_PATH), str(DEMO_PATH), "--out", str(out), "--year", "2026",
                 "--service-m", "20", "--full-share", "0.7"]) == 0
    printed = capsys.readouterr().out
    assert "work lists: 9 operators" in printed and "community needs" in printed
    assert (out / "communities_phasing.csv").exists() and not (out / "zones_pipelines.csv").exists()
    table = read_csv(out / "communities_pipelines.csv")
    assert table["reason_en"].str.contains("within 20 m").any() or (table["length_service_m"] > 0).all()
    full = table[table["need"] == "full"]
    assert (full["aged_share"] >= 0.7).all()


def test_epanet_model_as_pipelines(tmp_path, demo):
    inp = tmp_path / "net.inp"
    inp.write_text(INP, encoding="utf-8")
    out = tmp_path / "out"
    assert main(["pipelines", str(DEMO_PATH), str(inp), "--pipelines-crs", "EPSG:4538", "--operator", "水务集团",
                 "--out", str(out), "--year", "2026"]) == 0
    summary = read_csv(out / "work_lists" / "operators.csv")
    assert set(summary["operator"]) == {"水务集团", "昌吉市供排水公司"}
    findings = read_csv(out / "network_findings.csv")
    assert "fragment" not in set(findings["finding"])


def test_bad_input_is_one_line(tmp_path, capsys):
    inp = tmp_path / "net.inp"
    inp.write_text(INP, encoding="utf-8")
    code = main(["pipelines", str(DEMO_PATH), str(inp), "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert code == 1 and err.startswith("error: ") and "coordinate system" in err and "Traceback" not in err
    code = main(["pipelines", str(DEMO_PATH), str(DEMO_PATH), "--zones", str(DEMO_PATH), "--zones-layer",
                 "communities", "--out", str(tmp_path / "o2")])
    err = capsys.readouterr().err
    assert code == 1 and "zone_id" in err


def test_a_missing_zones_file_is_an_error_before_anything_is_written(tmp_path, capsys):
    out = tmp_path / "out"
    code = main(["pipelines", str(DEMO_PATH), str(DEMO_PATH), "--zones", str(tmp_path / "nope.geojson"),
                 "--out", str(out)])
    assert code != 0
    assert "nope.geojson" in capsys.readouterr().err
    assert not list(out.glob("*.csv"))
