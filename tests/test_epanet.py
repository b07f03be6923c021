"""EPANET .inp import: geometry, units, attributes from comments and tags, sources, errors."""

from __future__ import annotations

import networkx as nx
import pytest

from geo.io.epanet import load_epanet, parse_inp, read_epanet
from geo.errors import CRSError, InputFileError
from geo.pipelines.networks import build_networks, network_findings, works_impact

# A small metric model in CGCS2000 / GK CM 87E: reservoir R1 feeds a loop J1-J2-J3-J4 through
# P1; P6 branches to J5 and carries a bend; a valve links J3 to the tank T1.
INP = """[TITLE]
Test network 测试管网

[JUNCTIONS]
;ID   Elev  Demand  Pattern
 J1   10    0
 J2   10    1.5
 J3   10    1.5
 J4   10    1.5
 J5   10    0.5

[RESERVOIRS]
;ID  Head
 R1  60

[TANKS]
;ID  Elev  InitLvl  MinLvl  MaxLvl  Diam  MinVol
 T1  30    3        0       6       10    0

[PIPES]
;ID  Node1  Node2  Length  Diameter  Roughness  MinorLoss  Status
 P1  R1     J1     100     400       100        0          Open   ;material=灰口铸铁 year=1978
 P2  J1     J2     100     300       100        0          Open   ;材质：球墨铸铁 2008年 权属单位=昌吉市供排水公司
;埋设年代=1992
 P3  J2     J3     100     300       100        0          Open
 P4  J3     J4     100     200       100        0          Closed
 P5  J4     J1     100     200       100        0          Open
 P6  J2     J5     150     100       100        0          Open   ;new branch

[VALVES]
;ID  Node1  Node2  Diameter  Type  Setting  MinorLoss
 V1  J3     T1     200       PRV   40       0

[TAGS]
 LINK  P5  material=镀锌钢管
 LINK  P4  1985
 NODE  J1  zone_a

[COORDINATES]
;Node  X-Coord    Y-Coord
 R1    523900.00  4874000.00
 J1    524000.00  4874000.00
 J2    524100.00  4874000.00
 J3    524100.00  4874100.00
 J4    524000.00  4874100.00
 J5    524200.00  4873900.00
 T1    524130.00  4874100.00

[VERTICES]
;Link  X-Coord    Y-Coord
 P6    524200.00  4874000.00

[OPTIONS]
 Units      LPS
 Headloss   H-W

[END]
"""


@pytest.fixture
def inp(tmp_path):
    path = tmp_path / "net.inp"
    path.write_text(INP, encoding="utf-8")
    return path


def test_pipes_become_a_water_supply_layer(inp):
    model = load_epanet(inp, crs="EPSG:4538")
    gdf = model.pipelines.gdf.set_index("pipeline_id")
    assert model.pipelines.report.rows_read == 7 and model.pipelines.report.rows_kept == 7
    assert set(gdf["kind"]) == {"water_supply"}
    assert gdf.crs.to_epsg() == 4538
    assert gdf.loc["P1", "diameter_mm"] == 400.0 and gdf.loc["V1", "diameter_mm"] == 200.0
    assert gdf.loc["P1", "length_model_m"] == 100.0
    assert gdf.loc["P4", "status"] == "Closed"
    assert gdf["link_type"].value_counts().to_dict() == {"pipe": 6, "valve": 1}
    # the bend of P6 through its vertex: 100 m east then 100 m south
    assert gdf.loc["P6"].geometry.length == pytest.approx(200.0)
    assert len(gdf.loc["P6"].geometry.coords) == 3


def test_attributes_from_comments_and_tags(inp):
    gdf = load_epanet(inp, crs="EPSG:4538").pipelines.gdf.set_index("pipeline_id")
    assert gdf.loc["P1", ["material", "install_year"]].tolist() == ["灰口铸铁", 1978]
    assert gdf.loc["P2", ["material", "install_year", "operator"]].tolist() == ["球墨铸铁", 2008, "昌吉市供排水公司"]
    assert gdf.loc["P3", "install_year"] == 1992             # the comment line above the pipe
    assert gdf.loc["P4", "install_year"] == 1985             # a bare year as a tag
    assert gdf.loc["P5", "material"] == "镀锌钢管"            # key=value tag
    assert gdf.loc["P6", "comment"] == "new branch"
    assert gdf.loc["P6", "install_year"] is None or str(gdf.loc["P6", "install_year"]) == "<NA>"


def test_default_operator_fills_only_the_gaps(inp):
    gdf = load_epanet(inp, crs="EPSG:4538", operator="水务集团").pipelines.gdf.set_index("pipeline_id")
    assert gdf.loc["P2", "operator"] == "昌吉市供排水公司"
    assert gdf.loc["P1", "operator"] == "水务集团"


def test_sources_are_reservoirs_and_tanks(inp):
    model = load_epanet(inp, crs="EPSG:4538")
    assert model.sources[["node_id", "source_type"]].values.tolist() == [["R1", "reservoir"], ["T1", "tank"]]
    assert model.sources.crs == model.pipelines.gdf.crs
    assert model.sources.geometry.iloc[0].x == pytest.approx(523900.0)


def test_converted_to_the_analysis_crs(inp):
    model = load_epanet(inp, crs="EPSG:4538", target_crs="EPSG:32645")
    assert model.pipelines.gdf.crs.to_epsg() == 32645
    assert model.sources.crs.to_epsg() == 32645
    # lengths survive the change of projection to within a fraction of a percent
    assert model.pipelines.gdf.set_index("pipeline_id").loc["P2"].geometry.length == pytest.approx(100, rel=2e-3)


def test_crs_must_be_stated(inp):
    with pytest.raises(CRSError, match="states no coordinate system"):
        load_epanet(inp)


def test_us_units_convert_inches_and_feet(tmp_path):
    text = INP.replace(" Units      LPS", " Units      GPM")
    path = tmp_path / "us.inp"
    path.write_text(text, encoding="utf-8")
    model = load_epanet(path, crs="EPSG:4538")
    gdf = model.pipelines.gdf.set_index("pipeline_id")
    assert gdf.loc["P6", "diameter_mm"] == pytest.approx(2540.0)
    assert gdf.loc["P2", "length_model_m"] == pytest.approx(30.48)
    # 400 inches is 10.2 m: outside the layer's range, so P1 is rejected, and the report says why
    assert "P1" not in gdf.index
    assert any(i.row_id == "P1" and i.column == "diameter_mm" for i in model.pipelines.report.rejected)


def test_missing_units_is_epanet_default_with_a_warning(tmp_path):
    path = tmp_path / "nounits.inp"
    path.write_text(INP.replace(" Units      LPS\n", ""), encoding="utf-8")
    model = load_epanet(path, crs="EPSG:4538")
    assert (model.units, model.units_stated) == ("GPM", False)
    warnings = [i.message for i in model.pipelines.report.warnings if i.code == "units"]
    assert warnings and "Units LPS" in warnings[0]
    assert load_epanet(path, crs="EPSG:4538", units="LPS").pipelines.gdf["diameter_mm"].max() == 400.0


def test_bad_links_are_rejected_with_their_line(tmp_path):
    text = INP.replace(" P6  J2     J5", " P6  J2     J9").replace(" J5    524200.00  4873900.00\n", "")
    text = text.replace("[VALVES]", "[PUMPS]\n U1  J4  J6  HEAD 1\n\n[VALVES]")
    text = text.replace(" J4    524000.00  4874100.00", " J4    524000.00  4874100.00\n J6    bad  4874100")
    text = text.replace("[JUNCTIONS]\n", "[JUNCTIONS]\n J6 10 0\n")
    path = tmp_path / "bad.inp"
    path.write_text(text, encoding="utf-8")
    model = load_epanet(path, crs="EPSG:4538")
    report = model.pipelines.report
    messages = {i.row_id or "": i.message for i in report.rejected}
    lines = [i.message for i in report.rejected]
    assert any("P6 names node(s) J9" in m and "line" in m for m in lines)
    assert any("U1: node(s) J6 have no [COORDINATES]" in m for m in lines)
    assert report.rows_kept == 6
    assert "P6" not in set(model.pipelines.gdf["pipeline_id"])
    assert messages  # every rejection is reported


@pytest.mark.parametrize("text, match", [
    ("", "empty"),
    ("[JUNCTIONS]\nJ1 10\n[COORDINATES]\nJ1 0 0\n", r"no \[PIPES\]"),
    ("[PIPES]\nP1 A B 1 100\n", r"no \[COORDINATES\]"),
    ("[PIPES]\nP1 A B 1 100\n[COORDINATES]\nA 0 0\nB 1 1\n[OPTIONS]\nUnits XYZ\n", "unknown flow units"),
])
def test_unreadable_models(tmp_path, text, match):
    path = tmp_path / "x.inp"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputFileError, match=match):
        read_epanet(path)


def test_missing_file(tmp_path):
    with pytest.raises(InputFileError, match="no such file"):
        load_epanet(tmp_path / "none.inp", crs="EPSG:4538")


def test_gbk_file(tmp_path):
    path = tmp_path / "gbk.inp"
    path.write_bytes(INP.encode("gb18030"))
    gdf = load_epanet(path, crs="EPSG:4538").pipelines.gdf.set_index("pipeline_id")
    assert gdf.loc["P1", "material"] == "灰口铸铁"


def test_parse_inp_header_comment_is_not_a_description():
    sections = parse_inp("[PIPES]\n;ID Node1 Node2 Length 1985\nP1 A B 10 100\n")
    assert sections["PIPES"][0].comment is None


def test_imported_model_is_one_network_fed_by_its_sources(inp):
    model = load_epanet(inp, crs="EPSG:4538")
    nets = build_networks(model.pipelines.gdf, sources=model.sources)
    water = nets["water_supply"]
    assert nx.is_connected(water.graph) and len(water.sources) == 2
    assert network_findings(model.pipelines.gdf, networks=nets).query("finding == 'fragment'").empty
    # the branch P6 is a bridge: a community at J5 loses water while P6 is replaced
    import geopandas as gpd
    from shapely import box
    homes = gpd.GeoDataFrame({"community_id": ["c5"]}, geometry=[box(524190, 4873850, 524240, 4873898)],
                             crs=model.pipelines.gdf.crs)
    assert works_impact(nets, ["P6"], homes)["community_id"].tolist() == ["c5"]
    assert works_impact(nets, ["P3"], homes).empty
