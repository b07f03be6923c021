"""Network graphs per kind: snapping, findings (fragment, near miss, dangling end), bridges, impact."""

from __future__ import annotations

import geopandas as gpd
import networkx as nx
import pandas as pd
import pytest
from shapely import LineString, MultiLineString, Point, box

from geo.errors import CRSError
from geo.pipelines.networks import (
    FINDING_COLUMNS,
    attach_communities,
    build_network,
    build_networks,
    critical_segments,
    network_findings,
    works_impact,
)

CRS = 4538
X0, Y0 = 524000.0, 4874000.0


def net(*lines, kind: str = "water_supply", ids=None) -> gpd.GeoDataFrame:
    """Segments from local coordinate lists."""
    geoms = [LineString([(X0 + x, Y0 + y) for x, y in line]) for line in lines]
    ids = ids or [f"p{i + 1}" for i in range(len(geoms))]
    return gpd.GeoDataFrame({"pipeline_id": ids, "kind": [kind] * len(geoms)}, geometry=geoms, crs=CRS)


def homes(*boxes) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"community_id": [b[0] for b in boxes]},
                            geometry=[box(X0 + b[1], Y0 + b[2], X0 + b[3], Y0 + b[4]) for b in boxes], crs=CRS)


def kinds_of(findings: pd.DataFrame) -> list[str]:
    return sorted(findings["finding"])


# --- snapping ----------------------------------------------------------------------------------

def test_identical_ends_make_one_node():
    g = build_network(net([(0, 0), (100, 0)], [(100, 0), (200, 0)]), "water_supply").graph
    assert g.number_of_nodes() == 3 and nx.is_connected(g)


@pytest.mark.parametrize("gap, snap_m, connected", [
    (0.15, 0.2, True), (0.15, 0.1, False), (0.0, 0.0, True), (0.3, 0.5, True), (0.6, 0.5, False),
])
def test_snapping_tolerance(gap, snap_m, connected):
    pipes = net([(0, 0), (100, 0)], [(100 + gap, 0), (200, 0)])
    network = build_network(pipes, "water_supply", snap_m=snap_m)
    assert nx.is_connected(network.graph) is connected
    findings = network_findings(pipes, networks={"water_supply": network}, snap_m=snap_m)
    assert ("snapped" in set(findings["finding"])) is (connected and gap > 0)


def test_snapped_node_sits_between_the_ends_and_finding_names_both():
    pipes = net([(0, 0), (100, 0)], [(100.1, 0), (200, 0)])
    network = build_network(pipes, "water_supply", snap_m=0.2)
    middle = network.node_xy[network.snapped > 1][0]
    assert middle[0] == pytest.approx(X0 + 100.05)
    f = network_findings(pipes, networks={"water_supply": network})
    snap = f[f["finding"] == "snapped"].iloc[0]
    assert snap["pipeline_ids"] == "p1,p2" and snap["severity"] == "note"
    assert snap["words_zh"] == "给水管线2个端点相距不足0.2米，已按同一节点连接"


def test_snapping_is_transitive_but_only_within_the_kind():
    pipes = pd.concat([net([(0, 0), (10, 0)], [(10.15, 0), (20, 0)], ids=["w1", "w2"]),
                       net([(10.3, 0), (30, 0)], kind="gas", ids=["g1"])], ignore_index=True)
    nets = build_networks(pipes, snap_m=0.2)
    assert nx.is_connected(nets["water_supply"].graph)
    assert nets["gas"].graph.number_of_nodes() == 2


def test_multilinestring_parts_are_edges():
    geom = MultiLineString([[(X0, Y0), (X0 + 10, Y0)], [(X0 + 10, Y0), (X0 + 20, Y0)]])
    pipes = gpd.GeoDataFrame({"pipeline_id": ["m"], "kind": ["gas"]}, geometry=[geom], crs=CRS)
    g = build_network(pipes, "gas").graph
    assert g.number_of_edges() == 2 and nx.is_connected(g)
    assert {d["pipeline_id"] for *_, d in g.edges(data=True)} == {"m"}


def test_network_refuses_degrees():
    with pytest.raises(CRSError, match="degrees"):
        build_network(net([(0, 0), (10, 0)]).to_crs(4326), "water_supply")


# --- findings ----------------------------------------------------------------------------------

def test_clean_loop_has_no_findings():
    pipes = net([(0, 0), (100, 0)], [(100, 0), (100, 100)], [(100, 100), (0, 100)], [(0, 100), (0, 0)])
    f = network_findings(pipes)
    assert f.empty and list(f.columns) == FINDING_COLUMNS


def test_fragment():
    pipes = net([(0, 0), (100, 0)], [(100, 0), (200, 0)], [(0, 50), (30, 50)], [(30, 50), (60, 50)])
    f = network_findings(pipes, edge_m=0)
    frag = f[f["finding"] == "fragment"]
    assert len(frag) == 1
    row = frag.iloc[0]
    assert row["pipeline_ids"] == "p3,p4" and row["n_segments"] == 2 and row["length_m"] == pytest.approx(60)
    assert row["severity"] == "warning"
    assert row["words_en"] == ("Water supply fragment: 2 segment(s), 60 m, not connected to the main network "
                               "or a source")
    assert row["words_zh"] == "给水管线孤立段：2段共60米，与主管网（或气源、水源、电源）不连通"
    assert row.geometry.length == pytest.approx(60)


def test_fragment_with_sources_is_any_part_without_one():
    pipes = net([(0, 0), (100, 0)], [(300, 0), (400, 0)], [(600, 0), (700, 0)])
    plants = gpd.GeoDataFrame({"kind": ["water_supply", "water_supply"]},
                              geometry=[Point(X0 + 305, Y0), Point(X0 + 703, Y0 + 2)], crs=CRS)
    nets = build_networks(pipes, sources=plants)
    assert len(nets["water_supply"].sources) == 2
    f = network_findings(pipes, networks=nets)
    assert f.loc[f["finding"] == "fragment", "pipeline_ids"].tolist() == ["p1"]


def test_dangling_end_versus_served_end_and_map_edge():
    # a main along the top; two stubs south: one ends at a community, one in the street
    pipes = net([(0, 100), (100, 100)], [(100, 100), (200, 100)], [(50, 100), (50, 62)], [(150, 100), (150, 60)],
                [(100, 100), (100, 40)])
    pipes = pipes.drop(index=[2]).reset_index(drop=True)  # p3 would meet p1 mid-segment; keep it simple
    c = homes(("a", 130, 0, 170, 58))
    f = network_findings(pipes, communities=c)
    dangling = f[f["finding"] == "dangling_end"]
    # p4 ends 2 m from community a: a service connection; p5 ends at (100, 40): lower edge of the
    # layer's extent, so the network leaves the map there. Nothing dangles.
    assert dangling.empty
    f2 = network_findings(pipes)                       # no communities: p4's end dangles
    assert f2.loc[f2["finding"] == "dangling_end", "pipeline_ids"].tolist() == ["p4"]
    row = f2[f2["finding"] == "dangling_end"].iloc[0]
    assert row.geometry.equals(Point(X0 + 150, Y0 + 60))
    assert row["words_en"] == "Water supply dangling end: meets no other pipe, source or community"
    f3 = network_findings(pipes, edge_m=0)             # the map edge no longer excuses p5, nor the main's ends
    assert sorted(f3.loc[f3["finding"] == "dangling_end", "pipeline_ids"]) == ["p1", "p2", "p4", "p5"]


@pytest.mark.parametrize("gap, expected", [(1.5, "near_miss"), (0.0, "near_miss"), (3.0, None)])
def test_near_miss_undershoot_and_unsplit_junction(gap, expected):
    # a branch from the south stops short of the main (or touches it mid-segment without a node)
    pipes = net([(0, 100), (200, 100)], [(100, 0), (100, 100 - gap)], [(200, 100), (300, 100)])
    f = network_findings(pipes, near_miss_m=2.0, edge_m=0)
    found = f[f["finding"] == "near_miss"]
    if expected is None:
        assert found.empty
        assert "dangling_end" in set(f["finding"])
    else:
        assert found["pipeline_ids"].tolist() == ["p2,p1"]
        assert found["distance_m"].iloc[0] == pytest.approx(gap)
        assert "p1" in found["words_zh"].iloc[0] and "未连接" in found["words_zh"].iloc[0]


def test_near_miss_ignores_the_pipe_it_comes_from():
    # a 1 m stub off a junction is close to the main it leaves, but that is not a near miss
    pipes = net([(0, 0), (100, 0)], [(100, 0), (200, 0)], [(100, 0), (100, 1)])
    f = network_findings(pipes, edge_m=0)
    assert "near_miss" not in set(f["finding"])
    assert sorted(f.loc[f["finding"] == "dangling_end", "pipeline_ids"]) == ["p1", "p2", "p3"]


def test_findings_are_per_kind():
    water = net([(0, 0), (100, 0)], [(100, 0), (200, 0)], ids=["w1", "w2"])
    gas = net([(0, 1.5), (100, 1.5)], kind="gas", ids=["g1"])
    f = network_findings(pd.concat([water, gas], ignore_index=True), edge_m=50)
    assert "near_miss" not in set(f["finding"])  # a gas end 1.5 m from a water pipe is no near miss


def test_demo_networks_are_connected(demo):
    p = demo.layers["pipelines"]
    nets = build_networks(p)
    assert set(nets) == {"water_supply", "drainage", "gas", "heating", "power", "telecom"}
    assert all(nx.is_connected(n.graph) for n in nets.values())
    f = network_findings(p, networks=nets, communities=demo.layers["communities"])
    assert set(f["finding"]) <= {"snapped"}
    assert f.crs == p.crs


# --- bridges and impact ------------------------------------------------------------------------

def loop_with_stubs():
    """A loop fed at its west end, a spur east with two communities on service lines."""
    pipes = net(
        [(0, 0), (100, 0)], [(100, 0), (100, 100)], [(100, 100), (0, 100)], [(0, 100), (0, 0)],  # loop p1-p4
        [(100, 0), (200, 0)], [(200, 0), (300, 0)],                                              # spur p5, p6
        [(200, 0), (200, -38)], [(300, 0), (300, -38)],                                          # services p7, p8
        [(50, 100), (50, 138)],                                                                   # p9 (unsplit)
    )
    c = homes(("a", 180, -80, 220, -40), ("b", 280, -80, 320, -40), ("far", 1000, 1000, 1040, 1040))
    return pipes, c


def test_critical_segments_are_the_bridges():
    pipes, _ = loop_with_stubs()
    network = build_network(pipes.iloc[:8], "water_supply")
    assert sorted(pipes["pipeline_id"].iloc[critical_segments(network)]) == ["p5", "p6", "p7", "p8"]


def test_parallel_pipes_are_not_bridges():
    pipes = net([(0, 0), (100, 0)], [(0, 0), (100, 0)], [(100, 0), (200, 0)])
    assert critical_segments(build_network(pipes, "water_supply")).tolist() == [2]


def test_attach_communities():
    pipes, c = loop_with_stubs()
    network = build_network(pipes, "water_supply")
    links = attach_communities(network, c)
    assert sorted(links["community_id"]) == ["a", "b"]


@pytest.mark.parametrize("works, lost", [
    (["p1"], []),                      # in the loop: supply goes round
    (["p7"], ["a"]),                   # a's service line
    (["p6"], ["b"]),                   # the spur beyond a
    (["p5"], ["a", "b"]),              # the spur's first segment: both
    (["p1", "p4"], []),                # the loop's west corner is cut off, but no one is connected there
    (["p1", "p2"], []),                # spur (276 m) and loop rest (200 m) part: without sources the
                                       # longer part keeps supply (see the test with a source)
    (["nope"], []),
])
def test_works_impact_without_sources(works, lost):
    pipes, c = loop_with_stubs()
    impact = works_impact(build_networks(pipes), works, c)
    assert sorted(impact["community_id"]) == lost


def test_works_impact_words_and_cut_by():
    pipes, c = loop_with_stubs()
    impact = works_impact(build_networks(pipes), ["p5", "p6"], c).set_index("community_id")
    # a and b are cut off together, from the region bounded by p5 (p6 runs between them)
    assert impact.loc["a", "cut_by"] == impact.loc["b", "cut_by"] == "p5,p6"
    assert impact.loc["a", "words_en"] == "loses water supply during the works: supplied only through p5, p6"
    assert impact.loc["a", "words_zh"] == "施工期间停给水：供应仅经由管段p5、p6"
    single = works_impact(build_networks(pipes), ["p7"], c)
    assert single[["community_id", "cut_by"]].values.tolist() == [["a", "p7"]]


def test_works_impact_with_a_source_follows_supply_not_size():
    # the source sits at the east end: cutting p5 leaves the (longer) loop without supply
    pipes, c = loop_with_stubs()
    c2 = pd.concat([c, homes(("w", -45, -20, -3, 20))], ignore_index=True)  # at the loop's west corner
    plant = gpd.GeoDataFrame({"kind": ["water_supply"]}, geometry=[Point(X0 + 303, Y0)], crs=CRS)
    nets = build_networks(pipes, sources=plant)
    assert sorted(works_impact(nets, ["p5"], c2)["community_id"]) == ["w"]
    # without the source, the loop is the main network and the spur loses supply
    assert sorted(works_impact(build_networks(pipes), ["p5"], c2)["community_id"]) == ["a", "b"]


def test_works_impact_only_affects_its_kind(demo):
    p, c = demo.layers["pipelines"], demo.layers["communities"]
    nets = build_networks(p)
    water = nets["water_supply"]
    bridges = critical_segments(water)
    service = p["pipeline_id"].iloc[bridges[0]]
    impact = works_impact(nets, [service], c)
    assert impact["kind"].unique().tolist() == ["water_supply"]
    assert len(impact) >= 1
    # the cut-off community is the one the service line enters
    cut = c[c["community_id"].isin(impact["community_id"])]
    assert cut.distance(p.geometry.iloc[bridges[0]]).min() < 5
