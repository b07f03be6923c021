"""Service gaps: walking distances along hand-made road networks, computed by hand."""

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely import LineString, MultiLineString, Point, Polygon, box

from geo.errors import CRSError, SchemaError
from geo.access.facilities import (
    COLUMNS, DEFAULT_CIRCLES, LIFE_CIRCLES_M, gaps_wide, road_graph, service_gaps, zone_service,
)
from geo.io.schema import FACILITY_KINDS
from geo.synthetic.city import make_city

CRS = 4538


def frame(geoms, crs=CRS, **cols):
    return gpd.GeoDataFrame(cols, geometry=list(geoms), crs=crs)


def river_roads(bridge: bool = False) -> gpd.GeoDataFrame:
    """A U of roads round a river between x=0 and x=200; optionally a bridge at y=200 drawn
    without splitting the banks' roads (its ends stop on their sides: T-junctions)."""
    lines = [LineString([(0, 0), (0, 400)]), LineString([(0, 400), (200, 400)]),
             LineString([(200, 400), (200, 0)])]
    if bridge:
        lines.append(LineString([(0, 200), (200, 200)]))
    return frame(lines)


def west_home() -> gpd.GeoDataFrame:
    return frame([box(-40, 0, 0, 40)], community_id=["west"])     # touches the west road


def east_shop(kind: str = "market") -> gpd.GeoDataFrame:
    return frame([Point(210, 20)], facility_id=["f1"], kind=[kind])  # 10 m east of the east road


def one(gaps: pd.DataFrame, community: str = "west", kind: str = "market") -> pd.Series:
    rows = gaps[(gaps["community_id"] == community) & (gaps["kind"] == kind)]
    assert len(rows) == 1
    return rows.iloc[0]


# --- defaults ------------------------------------------------------------------------------------

def test_default_circles_follow_gb50180():
    assert dict(LIFE_CIRCLES_M) == {"5min": 300.0, "10min": 500.0, "15min": 1000.0}
    assert set(DEFAULT_CIRCLES) == set(FACILITY_KINDS)
    assert set(DEFAULT_CIRCLES.values()) <= set(LIFE_CIRCLES_M.values())
    for kind in ("kindergarten", "convenience_store", "parcel_locker", "elderly_care", "clinic"):
        assert DEFAULT_CIRCLES[kind] == 300.0
    assert DEFAULT_CIRCLES["market"] == DEFAULT_CIRCLES["school"] == 500.0
    with pytest.raises(TypeError):
        DEFAULT_CIRCLES["clinic"] = 1.0          # configuration is replaced, never mutated


# --- network distance ----------------------------------------------------------------------------

def test_network_goes_round_the_river():
    gaps = service_gaps(west_home(), east_shop(), roads=river_roads(), circles={"market": 500})
    row = one(gaps)
    # up the west bank 360 (straight from the footprint's corner at y=40 to the junction at
    # y=400), across 200, down 380, then the 10 m access leg: 950; straight across: 210
    assert row["distance_m"] == pytest.approx(950.0)
    assert row["method"] == "network" and row["facility_id"] == "f1"
    assert not row["served"] and row["circle_m"] == 500.0
    straight = one(service_gaps(west_home(), east_shop(), circles={"market": 500}))
    assert straight["distance_m"] == pytest.approx(210.0)
    assert straight["method"] == "straight_line" and straight["served"]


def test_a_bridge_drawn_without_nodes_is_joined_at_its_t_junctions():
    graph = road_graph(river_roads(bridge=True))
    assert graph.graph.number_of_nodes() == 6 and graph.graph.number_of_edges() == 6
    gaps = service_gaps(west_home(), east_shop(), roads=graph, circles={"market": 500})
    # west bank up to the bridge 160, across 200, down 180, leg 10
    assert one(gaps)["distance_m"] == pytest.approx(550.0)


def test_a_facility_on_the_communitys_own_street_is_reached_along_it():
    road = frame([LineString([(0, 0), (1000, 0)])])
    home = frame([box(100, 10, 140, 50)], community_id=["a"])            # 10 m north of the road
    shop = frame([Point(400, -5)], kind=["clinic"], facility_id=["c"])  # 5 m south of it
    row = one(service_gaps(home, shop, roads=road, circles={"clinic": 300}), "a", "clinic")
    # straight from the footprint to the shop's road point (400, 0), then its 5 m leg
    assert row["distance_m"] == pytest.approx(math.hypot(260, 10) + 5)
    assert row["served"]


def test_a_community_off_its_streets_joins_at_the_nearest_road_point():
    road = frame([LineString([(0, 0), (1000, 0)])])
    home = frame([Polygon([(120, 50), (160, 90), (80, 90)])], community_id=["a"])   # 50 m away
    shop = frame([Point(400, -5)], kind=["clinic"], facility_id=["c"])
    row = one(service_gaps(home, shop, roads=road, circles={"clinic": 300}, gate_m=30), "a", "clinic")
    assert row["distance_m"] == pytest.approx(50 + 280 + 5) and row["method"] == "network"


def test_a_facility_inside_the_community_is_at_zero():
    home = frame([box(0, 10, 50, 60)], community_id=["a"])
    shop = frame([Point(25, 35), Point(50, 20)], kind=["market", "clinic"], facility_id=["m", "c"])
    gaps = service_gaps(home, shop, roads=frame([LineString([(0, 0), (500, 0)])]),
                        circles={"market": 300, "clinic": 300})
    assert gaps["distance_m"].tolist() == [0.0, 0.0]            # inside, and on the boundary
    assert gaps["facility_id"].tolist() == ["m", "c"] and gaps["served"].all()


def test_snapping_joins_nearly_meeting_road_ends():
    roads = frame([LineString([(0, 0), (100, 0)]), LineString([(100.5, 0), (200, 0)])])
    home = frame([box(0, 5, 10, 15)], community_id=["a"])
    shop = frame([Point(195, -5)], kind=["market"], facility_id=["m"])
    joined = one(service_gaps(home, shop, roads=roads, snap_m=1.0, circles={"market": 500}), "a")
    assert joined["method"] == "network"
    # the ends meet at (100.25, 0): straight from the footprint's corner (10, 5) to that junction,
    # then 94.5 along the second road and the 5 m leg
    assert joined["distance_m"] == pytest.approx(math.hypot(90.25, 5) + 94.5 + 5)
    apart = one(service_gaps(home, shop, roads=roads, snap_m=0.1, circles={"market": 500}), "a")
    assert math.isnan(apart["distance_m"]) and not apart["served"]
    assert apart["method"] == "network" and apart["facility_id"] is None


def test_multilinestrings_and_rings_are_walked():
    roads = frame([MultiLineString([[(0, 0), (100, 0)], [(100, 0), (100, 100)]]),
                   LineString([(100, 100), (200, 100), (200, 200), (100, 200), (100, 100)])])
    graph = road_graph(roads)
    assert graph.graph.number_of_nodes() == 3
    home = frame([box(0, -20, 10, -5)], community_id=["a"])
    shop = frame([Point(200, 150)], kind=["market"], facility_id=["m"])
    row = one(service_gaps(home, shop, roads=graph, circles={"market": 500}), "a")
    # straight from the footprint's corner (10, -5) to the junction (100, 0), 100 north, then
    # round the ring the shorter way (150 of its 400 m); the shop is on the ring (no leg)
    assert row["distance_m"] == pytest.approx(math.hypot(90, 5) + 100 + 150)


# --- the straight-line fallback ------------------------------------------------------------------

def test_far_from_every_road_is_a_straight_line_and_says_so():
    road = frame([LineString([(0, 0), (300, 0)])])
    homes = frame([box(0, 10, 20, 30), box(0, 400, 20, 420)], community_id=["near", "far"])
    shop = frame([Point(300, 400)], kind=["market"], facility_id=["m"])   # also far from the road
    gaps = service_gaps(homes, shop, roads=road, circles={"market": 500}, max_access_m=150)
    far, near = one(gaps, "far"), one(gaps, "near")
    assert far["method"] == "straight_line" and far["distance_m"] == pytest.approx(280.0)
    # the shop cannot be reached along the road: the near community is measured straight too
    assert near["method"] == "straight_line"
    assert near["distance_m"] == pytest.approx(math.hypot(280, 370))


def test_without_roads_every_row_is_straight_line():
    homes = frame([box(0, 0, 10, 10), box(1000, 0, 1010, 10)], community_id=["a", "b"])
    shop = frame([Point(15, 5)], kind=["clinic"], facility_id=["c"])
    gaps = service_gaps(homes, shop, circles={"clinic": 300}, cutoff_m=600)
    assert set(gaps["method"]) == {"straight_line"}
    assert gaps["distance_m"].iloc[0] == pytest.approx(5.0)
    assert math.isnan(gaps["distance_m"].iloc[1])              # 985 m: beyond the search distance


# --- configuration and table shape ---------------------------------------------------------------

def test_circles_are_configuration():
    homes = frame([box(0, 0, 10, 10)], community_id=["a"])
    shop = frame([Point(410, 5)], kind=["clinic"], facility_id=["c"])
    gaps = service_gaps(homes, shop, circles={"clinic": 300, "market": 500})
    assert list(gaps.columns) == COLUMNS
    assert gaps["kind"].tolist() == ["clinic", "market"]
    assert gaps["served"].tolist() == [False, False]
    assert gaps["circle_m"].tolist() == [300.0, 500.0]
    assert math.isnan(gaps["distance_m"].iloc[1]) and gaps["facility_id"].iloc[1] is None
    wider = service_gaps(homes, shop, circles={"clinic": 450})
    assert wider["served"].tolist() == [True]
    default = service_gaps(homes, shop)
    assert default["kind"].tolist() == list(DEFAULT_CIRCLES)
    with pytest.raises(ValueError, match="positive distance"):
        service_gaps(homes, shop, circles={"clinic": -1})


def test_result_does_not_depend_on_row_order():
    city = make_city(200, seed=3)
    com, fac = city["communities"], city["facilities"]
    net = road_graph(city["roads"])
    a = service_gaps(com, fac, roads=net)
    b = service_gaps(com.iloc[::-1], fac.sample(frac=1.0, random_state=1), roads=net)
    b = b.set_index(["community_id", "kind"]).loc[list(zip(a["community_id"], a["kind"]))]
    np.testing.assert_allclose(a["distance_m"], b["distance_m"], rtol=1e-9)
    assert (a["served"].to_numpy() == b["served"].to_numpy()).all()


def test_network_never_beats_the_straight_line():
    city = make_city(300, seed=9)
    com, fac = city["communities"], city["facilities"]
    net = service_gaps(com, fac, roads=city["roads"])
    line = service_gaps(com, fac)
    assert set(net["method"]) == {"network"}      # every community and facility near a road
    both = net["distance_m"].notna()
    assert (net.loc[both, "distance_m"] >= line.loc[both, "distance_m"] - 1e-6).all()
    assert (net["served"] <= line["served"]).all()
    assert net["served"].mean() < line["served"].mean()


# --- zones and wide tables -----------------------------------------------------------------------

def test_a_zone_is_served_by_any_member():
    homes = frame([box(0, 0, 10, 10), box(600, 0, 610, 10), box(2000, 0, 2010, 10)],
                  community_id=["a", "b", "c"])
    shop = frame([Point(700, 5)], kind=["market"], facility_id=["m"])
    gaps = service_gaps(homes, shop, circles={"market": 500}, cutoff_m=1000)
    zones = zone_service(gaps, {"a": "Z1", "b": "Z1", "c": "Z2"})
    assert list(zones.columns) == ["zone_id", *COLUMNS[1:]]
    z1, z2 = zones.iloc[0], zones.iloc[1]
    assert (z1["zone_id"], z1["served"], z1["distance_m"], z1["facility_id"]) == ("Z1", True, 90.0, "m")
    assert z2["zone_id"] == "Z2" and not z2["served"] and math.isnan(z2["distance_m"])
    assert zone_service(gaps, {}).empty                      # communities in no zone are left out


def test_gaps_wide_counts_the_gaps():
    homes = frame([box(0, 0, 10, 10), box(600, 0, 610, 10)], community_id=["a", "b"])
    shops = frame([Point(5, 5), Point(640, 5)], kind=["clinic", "market"], facility_id=["c", "m"])
    gaps = service_gaps(homes, shops, circles={"clinic": 300, "market": 500})
    wide = gaps_wide(gaps)
    assert wide.to_dict("records") == [
        {"community_id": "a", "gap_clinic": False, "gap_market": True, "n_gaps": 1},
        {"community_id": "b", "gap_clinic": True, "gap_market": False, "n_gaps": 1},
    ]
    zone = gaps_wide(zone_service(gaps, {"a": "Z", "b": "Z"}), id_column="zone_id")
    assert zone.to_dict("records") == [
        {"zone_id": "Z", "gap_clinic": False, "gap_market": False, "n_gaps": 0}]


# --- errors --------------------------------------------------------------------------------------

def test_a_geographic_crs_is_refused():
    homes = frame([box(87.3, 44.0, 87.301, 44.001)], crs=4490, community_id=["a"])
    shops = frame([Point(87.3, 44.0)], crs=4490, kind=["clinic"])
    with pytest.raises(CRSError, match="degrees.*Project it"):
        service_gaps(homes, shops)
    with pytest.raises(CRSError, match="roads layer.*degrees"):
        road_graph(frame([LineString([(87.3, 44.0), (87.31, 44.0)])], crs=4490))


def test_layers_in_different_crss_are_refused():
    homes = frame([box(0, 0, 10, 10)], community_id=["a"])
    shops = frame([Point(5, 5)], kind=["clinic"])
    with pytest.raises(CRSError, match="different CRSs"):
        service_gaps(homes, shops, roads=frame([LineString([(0, 0), (9, 0)])], crs=4543))


def test_missing_kind_column_is_a_clear_error():
    homes = frame([box(0, 0, 10, 10)], community_id=["a"])
    shops = frame([Point(5, 5)], name=["卫生站"])
    with pytest.raises(SchemaError, match="no 'kind' column.*--map kind=COLUMN"):
        service_gaps(homes, shops)
    with pytest.raises(SchemaError, match="no 'community_id' column"):
        service_gaps(frame([box(0, 0, 1, 1)], name=["x"]), frame([Point(5, 5)], kind=["clinic"]))


def test_roads_must_be_lines():
    with pytest.raises(SchemaError, match="must hold lines"):
        road_graph(frame([box(0, 0, 10, 10)]))
