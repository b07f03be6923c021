"""Neighbour pairs: polygon distance, shared boundary, barrier and street cuts, row-order independence."""

import geopandas as gpd
import numpy as np
import pytest
from shapely import LineString, box

from geo.zoning.adjacency import community_pairs
from geo.errors import CRSError, SchemaError


def grid(gaps=(0.0, 10.0), streets=None) -> gpd.GeoDataFrame:
    """A row of 50 m boxes with the given gaps between them (metres, EPSG:4538)."""
    x, geoms = 0.0, []
    for gap in (0.0, *gaps):
        x += gap
        geoms.append(box(x, 0, x + 50, 50))
        x += 50
    n = len(geoms)
    return gpd.GeoDataFrame({"community_id": [f"c{k}" for k in range(n)],
                             "street": streets or ["s1"] * n}, geometry=geoms, crs=4538)


def test_touching_and_lane_separated_are_pairs_far_ones_are_not():
    pairs = community_pairs(grid(gaps=(0.0, 10.0, 40.0)), gap_m=15)
    assert pairs[["a", "b"]].values.tolist() == [["c0", "c1"], ["c1", "c2"]]
    assert pairs["gap_m"].tolist() == [0.0, 10.0]
    assert not pairs["cut"].any()


def test_polygon_distance_not_centroid_distance():
    # Two long blocks 10 m apart whose centroids are 210 m apart: still neighbours.
    homes = gpd.GeoDataFrame({"community_id": ["long", "next"]},
                             geometry=[box(0, 0, 200, 20), box(210, 0, 410, 20)], crs=4538)
    assert len(community_pairs(homes, gap_m=15)) == 1


def test_shared_boundary_length():
    pairs = community_pairs(grid(gaps=(0.0, 10.0)), gap_m=15)
    # touching 50 m boxes share their 50 m wall; 10 m apart, each face lies within the gap
    assert pairs["shared_boundary_m"].tolist() == pytest.approx([50 + 2 * 15, 50 + 2 * 5], abs=0.5)


def test_line_barrier_cuts_with_its_name():
    homes = grid(gaps=(12.0,))
    road = gpd.GeoDataFrame({"kind": ["arterial_road"], "name": ["北京南路"]},
                            geometry=[LineString([(56, -100), (56, 200)])], crs=4538)
    pairs = community_pairs(homes, gap_m=15, barriers=road)
    row = pairs.iloc[0]
    assert (row["cut"], row["reason"], row["barrier_kind"], row["barrier_name"]) == (True, "barrier", "arterial_road", "北京南路")


def test_polygon_barrier_cuts_only_when_crossed():
    homes = grid(gaps=(14.0, 14.0))
    river = gpd.GeoDataFrame({"kind": ["river"], "name": ["三屯河"]},
                             geometry=[box(52, -100, 62, 200)], crs=4538)  # in the first gap only
    pairs = community_pairs(homes, gap_m=15, barriers=river)
    assert pairs.set_index("b")["reason"].to_dict() == {"c1": "barrier", "c2": None}


def test_touching_pair_is_never_cut_by_a_barrier_drawn_on_the_wall():
    homes = grid(gaps=(0.0,))
    wall = gpd.GeoDataFrame({"kind": ["railway"]}, geometry=[LineString([(50, -10), (50, 60)])], crs=4538)
    assert not community_pairs(homes, barriers=wall)["cut"].any()


def test_street_cut_and_unknown_street():
    homes = grid(gaps=(0.0, 0.0), streets=["甲街道", "乙街道", None])
    pairs = community_pairs(homes, gap_m=15)
    assert pairs["reason"].tolist() == ["street", None]
    assert pairs["same_street"].tolist() == [False, None]
    relaxed = community_pairs(homes, gap_m=15, respect_streets=False)
    assert not relaxed["cut"].any()


def test_barrier_reason_wins_over_street():
    homes = grid(gaps=(12.0,), streets=["甲", "乙"])
    rail = gpd.GeoDataFrame({"kind": ["railway"]}, geometry=[LineString([(56, -10), (56, 60)])], crs=4538)
    assert community_pairs(homes, barriers=rail)["reason"].tolist() == ["barrier"]


def test_independent_of_row_order():
    homes = grid(gaps=(0.0, 5.0, 12.0, 0.0, 3.0))
    a = community_pairs(homes)
    b = community_pairs(homes.sample(frac=1.0, random_state=7))
    assert a.drop(columns="geometry").equals(b.drop(columns="geometry"))
    assert all(ga.equals_exact(gb, 1e-9) or ga.reverse().equals_exact(gb, 1e-9)
               for ga, gb in zip(a.geometry, b.geometry))


def test_refuses_degrees_and_duplicates():
    with pytest.raises(CRSError, match="degrees"):
        community_pairs(grid().to_crs(4326))
    dup = grid()
    dup["community_id"] = "same"
    with pytest.raises(SchemaError, match="unique"):
        community_pairs(dup)


def test_demo_city_pairs(demo):
    pairs = community_pairs(demo.layers["communities"], barriers=demo.layers["barriers"], gap_m=50)
    assert len(pairs) > 1000
    assert (pairs["gap_m"] <= 50).all() and (pairs["a"] < pairs["b"]).all()
    cut = pairs[pairs["cut"]]
    assert len(cut) > 0 and set(cut["barrier_kind"]) <= {"arterial_road", "river", "railway"}
    assert np.isclose(pairs.geometry.length, pairs["gap_m"], atol=0.01).all()


def test_pair_exactly_gap_apart_is_found_from_either_side():
    # A prepared distance test can round 14.999999999999998 m the other way in one direction;
    # the pair must be found whatever the order of the two footprints.
    a = box(0, 0, 50, 50)
    b = box(50 + 14.999999999999998, 0, 120, 50)
    for order in ([a, b], [b, a]):
        homes = gpd.GeoDataFrame({"community_id": ["x", "y"]}, geometry=order, crs=4538)
        assert len(community_pairs(homes, gap_m=15)) == 1
