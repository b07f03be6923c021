"""The synthetic city: deterministic, on schema, and realistic enough for the analyses to mean something."""

from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
import shapely
from geopandas.testing import assert_geodataframe_equal
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.io.schema import FACILITY_KINDS, LAYERS, PIPELINE_KINDS
from geo.synthetic.city import (
    CRS, DEFAULT_COMMUNITIES, DEFAULT_ORIGIN_LONLAT, gk_origin, make_city, write_city,
)

DEMO = Path(__file__).resolve().parent.parent / "data" / "demo.gpkg"


@pytest.fixture(scope="module")
def city():
    return make_city()


@pytest.fixture(scope="module")
def small():
    return make_city(300, seed=5)


def assert_same_city(a, b):
    assert list(a) == list(b)
    for name in a:
        assert_geodataframe_equal(a[name], b[name])
        assert shapely.equals_exact(a[name].geometry.values, b[name].geometry.values, tolerance=0).all()
        pd.testing.assert_frame_equal(a[name].drop(columns="geometry"), b[name].drop(columns="geometry"),
                                      check_exact=True)


# --- determinism -----------------------------------------------------------------------------

def test_same_seed_same_city(small):
    assert_same_city(small, make_city(300, seed=5))


def test_other_seed_other_city(small):
    other = make_city(300, seed=6)
    assert not other["communities"].geometry.geom_equals_exact(
        small["communities"].geometry, tolerance=0).all()
    assert not other["communities"]["households"].equals(small["communities"]["households"])


def test_demo_file_is_make_city_with_defaults(city):
    assert DEMO.exists(), "data/demo.gpkg is missing: run python data/make_demo.py"
    for name, expected in city.items():
        got = gpd.read_file(DEMO, layer=name, engine="pyogrio")
        assert_geodataframe_equal(got, expected)
        assert shapely.equals_exact(got.geometry.values, expected.geometry.values, tolerance=0).all()


def test_write_city_round_trips(small, tmp_path):
    path = write_city(small, tmp_path / "city.gpkg")
    write_city(small, path)        # replaces, does not append
    for name, expected in small.items():
        assert_geodataframe_equal(gpd.read_file(path, layer=name, engine="pyogrio"), expected)


@pytest.mark.parametrize("bad", [0, -5, 2.5])
def test_rejects_a_bad_count(bad):
    with pytest.raises(ValueError, match="positive integer"):
        make_city(bad)


# --- schema ----------------------------------------------------------------------------------

@pytest.mark.parametrize("layer", list(LAYERS))
def test_layer_matches_schema(city, layer):
    spec = LAYERS[layer]
    gdf = city[layer]
    assert list(gdf.columns) == [*spec.column_names, "geometry"]
    assert gdf.crs.to_epsg() == 4538 and gdf.crs == CRS
    assert set(gdf.geom_type) <= set(spec.geometry_types)
    assert gdf.geometry.is_valid.all() and not gdf.geometry.is_empty.any()
    if spec.id_column:
        assert gdf[spec.id_column].is_unique and gdf[spec.id_column].notna().all()
    for col in (spec.column(n) for n in spec.column_names):
        values = gdf[col.name].dropna()
        if col.kind == "choice":
            assert set(values) <= set(col.choices), col.name
        if col.minimum is not None:
            assert (values >= col.minimum).all(), col.name
        if col.maximum is not None:
            assert (values <= col.maximum).all(), col.name
        if col.kind in ("text", "id", "choice"):
            assert gdf[col.name].notna().all() and (gdf[col.name].str.len() > 0).all(), col.name


def test_community_types_and_statuses(city):
    com = city["communities"]
    for col in ("build_year", "households", "buildings", "floors_max"):
        assert com[col].dtype == np.int64, col
    assert com["willingness"].isna().any() and com["willingness"].notna().mean() > 0.9
    none = com["status"] == "candidate"
    assert com.loc[none, "plan_year"].isna().all()
    assert com.loc[~none, "plan_year"].between(2019, 2023).all()
    assert (com.loc[~none, "build_year"] <= 2000).all()
    done = com["status"] == "completed"
    assert done.any() and com.loc[done, "plan_year"].le(2021).all()
    assert com["status"].value_counts()["candidate"] > 0.6 * len(com)


def test_no_duplicate_or_overlapping_communities(city):
    geom = city["communities"].geometry
    assert not geom.to_wkb().duplicated().any()
    overlaps = geom.sindex.query(geom.values, predicate="overlaps")
    assert overlaps.shape[1] == 0


# --- realism: communities --------------------------------------------------------------------

def test_community_count_and_age_mix(city):
    com = city["communities"]
    assert len(com) == DEFAULT_COMMUNITIES and 800 <= len(com) <= 1500
    assert 0.4 <= (com["build_year"] <= 2000).mean() <= 0.8
    assert com["build_year"].between(1975, 2020).all()
    centre = shapely.Point(*gk_origin(DEFAULT_ORIGIN_LONLAT))
    dist = com.geometry.centroid.distance(centre)
    old = com["build_year"] < 2000
    assert dist[old].median() < dist[~old].median()


@pytest.mark.parametrize("n", [300, 1200])
def test_count_follows_n(n):
    assert abs(len(make_city(n, seed=11)["communities"]) - n) <= 0.1 * n


def test_many_small_communities_have_close_neighbours(city):
    com = city["communities"]
    i, j = com.sindex.query(com.geometry.values, predicate="dwithin", distance=15.0)
    has_neighbour = np.zeros(len(com), bool)
    has_neighbour[i[i != j]] = True
    small = com["households"].to_numpy() <= 250
    assert small.sum() > 0.4 * len(com)
    assert (has_neighbour & small).sum() > 0.8 * small.sum()
    # walls (touching) and lanes (a few metres) both occur
    gaps = shapely.distance(com.geometry.values[i[i < j]], com.geometry.values[j[i < j]])
    assert (gaps == 0).sum() > 50 and ((gaps > 2) & (gaps <= 12)).sum() > 50


def test_sizes_are_plausible(city):
    com = city["communities"]
    per_household = com["floor_area_m2"] / com["households"]
    assert per_household.between(60, 110).all()
    large = com["households"] >= 300
    assert (com.loc[large & (com["build_year"] >= 2000), "buildings"] >= 5).all()
    small_old = (com["households"] <= 250) & (com["build_year"] < 2000)
    assert com.loc[small_old, "buildings"].le(3).mean() > 0.8
    assert com.loc[com["build_year"] < 2000, "floors_max"].between(4, 7).all()
    assert com.loc[small_old, "property_mgmt"].isin(["none", "self"]).mean() > 0.7
    assert com.loc[com["build_year"] >= 2005, "property_mgmt"].eq("professional").mean() > 0.8


def test_communities_keep_clear_of_barriers(city):
    com, bar = city["communities"], city["barriers"]
    assert set(bar["kind"]) == {"arterial_road", "river", "railway"}
    arterials = bar.loc[bar["kind"] == "arterial_road"].geometry.values
    assert com.sindex.query(arterials, predicate="dwithin", distance=15.0).shape[1] == 0
    river = bar.loc[bar["kind"] == "river"].geometry.values
    assert set(shapely.get_type_id(river)) == {3}    # Polygon
    assert com.sindex.query(river, predicate="dwithin", distance=10.0).shape[1] == 0
    railway = bar.loc[bar["kind"] == "railway"].geometry.values
    assert com.sindex.query(railway, predicate="dwithin", distance=20.0).shape[1] == 0
    # both cross the city
    extent = shapely.box(*city["admin"].total_bounds)
    for line in (river, railway):
        assert shapely.intersection(line[0], extent).length > 0.8 * min(
            np.diff(city["admin"].total_bounds.reshape(2, 2), axis=0).ravel())


def test_arterial_spacing(city):
    bar = city["barriers"]
    lines = bar.loc[bar["kind"] == "arterial_road"].geometry
    xy = shapely.get_coordinates(lines.values).reshape(-1, 2, 2)
    vertical = xy[:, 0, 0] == xy[:, 1, 0]
    for coords in (np.unique(xy[vertical, 0, 0]), np.unique(xy[~vertical, 0, 1])):
        assert len(coords) >= 4
        assert np.diff(coords).min() >= 400 and np.diff(coords).max() <= 800
    assert bar["name"].str.endswith(("路", "大道")).loc[bar["kind"] == "arterial_road"].all()


def test_admin_tiles_the_city(city):
    admin, com = city["admin"], city["communities"]
    assert admin["county"].nunique() == 2 and len(admin) >= 6 and admin["street"].is_unique
    assert admin.sindex.query(admin.geometry.values, predicate="overlaps").shape[1] == 0
    union = admin.union_all()
    assert union.area == pytest.approx(admin.area.sum(), rel=1e-9)
    assert union.area == pytest.approx(shapely.envelope(union).area, rel=1e-9)   # no gaps
    c, a = admin.sindex.query(com.geometry.values, predicate="within")
    assert np.array_equal(np.sort(c), np.arange(len(com)))                       # exactly one each
    assert (admin["street"].to_numpy()[a] == com["street"].to_numpy()[c]).all()
    assert (admin["county"].to_numpy()[a] == com["county"].to_numpy()[c]).all()
    assert com["committee"].str.endswith("社区").all()
    assert com.groupby("committee")["street"].nunique().max() == 1


# --- realism: pipelines and facilities -------------------------------------------------------

def test_each_pipeline_kind_is_one_network(city):
    pipes = city["pipelines"]
    assert set(pipes["kind"]) == set(PIPELINE_KINDS)
    for kind, group in pipes.groupby("kind"):
        ends = np.round(shapely.get_coordinates(group.geometry.values), 2).reshape(-1, 2, 2)
        graph = nx.Graph()
        graph.add_edges_from(zip(map(tuple, ends[:, 0]), map(tuple, ends[:, 1])))
        assert nx.number_connected_components(graph) == 1, kind
    assert 10_000 <= len(pipes) <= 30_000


def test_roads_are_one_network_of_the_streets(city):
    roads, bar, com = city["roads"], city["barriers"], city["communities"]
    assert set(roads["kind"]) == {"arterial", "lane"}
    ends = shapely.get_coordinates(roads.geometry.values).reshape(-1, 2, 2)
    graph = nx.Graph()
    graph.add_edges_from(zip(map(tuple, ends[:, 0]), map(tuple, ends[:, 1])))
    assert nx.number_connected_components(graph) == 1      # end points meet exactly
    # split at every junction: no segment crosses another or runs on through a junction
    tree = shapely.STRtree(roads.geometry.values)
    assert tree.query(roads.geometry.values, predicate="crosses").shape[1] == 0
    nodes = shapely.points(np.array(list(graph.nodes)))
    r, _ = tree.query(nodes, predicate="contains_properly")
    assert len(r) == 0
    # the arterials are the barriers' centrelines, with their names
    arterial = roads.loc[roads["kind"] == "arterial"]
    barrier = bar.loc[bar["kind"] == "arterial_road"]
    a, b = barrier.sindex.query(arterial.geometry.values, predicate="within")
    assert np.array_equal(np.sort(a), np.arange(len(arterial)))
    assert (arterial["name"].to_numpy()[a] == barrier["name"].to_numpy()[b]).all()
    assert arterial.geometry.length.sum() == pytest.approx(barrier.geometry.length.sum())
    # lanes border the communities: every community has a road within 25 m
    near = np.unique(roads.sindex.query(com.geometry.values, predicate="dwithin", distance=25.0)[0])
    assert len(near) == len(com)
    assert roads.loc[roads["kind"] == "lane", "name"].str.endswith("巷").all()


def test_lifts_follow_floors(city):
    com = city["communities"]
    assert com["lifts"].dtype == np.int64
    tall = com["floors_max"] >= 7
    assert (com.loc[tall, "lifts"] == com.loc[tall, "buildings"]).all()
    assert (com.loc[~tall, "lifts"] == 0).all()
    old = com["build_year"] < 2000
    assert (com.loc[old, "lifts"] == 0).mean() > 0.5      # most old walk-ups have none


def test_pipelines_reach_every_community(city):
    com, pipes = city["communities"], city["pipelines"]
    c, p = pipes.sindex.query(com.geometry.values, predicate="intersects")
    kinds_per_community = pd.Series(pipes["kind"].to_numpy()[p]).groupby(c).nunique()
    assert len(kinds_per_community) == len(com) and kinds_per_community.min() >= 5


def test_pipeline_attributes_follow_kind_and_age(city):
    pipes, com = city["pipelines"], city["communities"]
    overhead = pipes["placement"] == "overhead"
    assert overhead.any() and set(pipes.loc[overhead, "kind"]) == {"power", "telecom"}
    assert pipes.loc[overhead, "diameter_mm"].isna().all()
    assert pipes.loc[~overhead, "diameter_mm"].notna().all()
    for kind, lo, hi in [("water_supply", 25, 600), ("drainage", 200, 1200), ("gas", 50, 300),
                         ("heating", 80, 500)]:
        assert pipes.loc[pipes["kind"] == kind, "diameter_mm"].between(lo, hi).all(), kind
    assert pipes.groupby("kind")["operator"].nunique()["telecom"] >= 3
    assert pipes["install_year"].between(1960, 2021).all()
    # mains (not touching a community) are older where the nearest communities are older
    touching = np.unique(pipes.sindex.query(com.geometry.values, predicate="intersects")[1])
    mains = pipes.drop(index=pipes.index[touching])
    _, nearest = com.sindex.nearest(mains.geometry.values, return_all=False)
    near_year = com["build_year"].to_numpy()[nearest]
    assert np.corrcoef(mains["install_year"], near_year)[0, 1] > 0.3
    installed = mains["install_year"].to_numpy()
    assert installed[near_year < 2000].mean() < installed[near_year >= 2000].mean() - 5


def test_facilities_are_uneven(city):
    fac, com, bar = city["facilities"], city["communities"], city["barriers"]
    assert set(fac["kind"]) == set(FACILITY_KINDS)
    clinics = fac.loc[fac["kind"] == "clinic"]
    served = np.unique(clinics.sindex.query(com.geometry.values, predicate="dwithin", distance=500)[0])
    assert 0.05 * len(com) < len(com) - len(served) < 0.6 * len(com)
    offices = fac.loc[fac["kind"] == "property_office"]
    c, _ = com.sindex.query(offices.geometry.values, predicate="within")
    assert len(np.unique(c)) == len(offices)          # every property office inside a compound
    river = bar.loc[bar["kind"] == "river"].geometry.iloc[0]
    assert not fac.geometry.intersects(river).any()


# --- invariants over seeds and sizes ---------------------------------------------------------

@settings(max_examples=12, deadline=None)
@given(n=st.integers(1, 400), seed=st.integers(0, 2**32 - 1))
def test_any_city_is_consistent(n, seed):
    layers = make_city(n, seed=seed)
    com = layers["communities"]
    assert len(com) == n and com["community_id"].is_unique
    assert com.geometry.is_valid.all()
    assert com.sindex.query(com.geometry.values, predicate="overlaps").shape[1] == 0
    c, _ = layers["admin"].sindex.query(com.geometry.values, predicate="within")
    assert np.array_equal(np.sort(c), np.arange(n))
    arterials = layers["barriers"].query("kind == 'arterial_road'").geometry.values
    assert com.sindex.query(arterials, predicate="dwithin", distance=15.0).shape[1] == 0
