"""CRS decisions and the coordinate mistakes planners make, each caught with the fix."""

import numpy as np
import pytest
from pyproj import CRS, Transformer

from geo.crs.systems import (
    check_coordinates,
    gk_zone_epsg,
    legacy_datum_warning,
    local_metric_crs,
    parse_crs,
    resolve_crs,
)
from geo.errors import CRSError

CHANGJI = (87.30, 44.01)


def gk(lon, lat, epsg=4538):
    x, y = Transformer.from_crs(4326, epsg, always_xy=True).transform(lon, lat)
    return np.array([[x, y]])


@pytest.mark.parametrize(
    ("lon", "lat", "epsg"),
    [(87.30, 44.01, 4538), (102.71, 25.04, 4543), (116.40, 39.90, 4548), (121.47, 31.23, 4549),
     (75.99, 39.47, 4534), (77.0, 39.5, 4535), (134.9, 48.0, 4554), (73.6, 39.0, 4534)],
)
def test_local_crs_is_the_gauss_kruger_zone_in_china(lon, lat, epsg):
    crs = local_metric_crs(lon, lat)
    assert crs.to_epsg() == epsg
    assert "3-degree Gauss-Kruger" in crs.name


@pytest.mark.parametrize(("lon", "lat", "epsg"), [(2.35, 48.85, 32631), (151.2, -33.9, 32756), (-74.0, 40.7, 32618)])
def test_local_crs_is_utm_elsewhere(lon, lat, epsg):
    assert local_metric_crs(lon, lat).to_epsg() == epsg


def test_gk_zone_numbers_follow_the_central_meridian():
    for epsg in range(4534, 4555):
        central = 75 + 3 * (epsg - 4534)
        assert gk_zone_epsg(central) == epsg
        assert f"CM {central}E" in CRS.from_epsg(epsg).name


def test_parse_crs_accepts_codes_and_explains_failures():
    assert parse_crs("4490").to_epsg() == 4490
    assert parse_crs("EPSG:4538").to_epsg() == 4538
    with pytest.raises(CRSError, match="EPSG:4490"):
        parse_crs("not a crs", source="x.shp")


def test_no_crs_is_an_error_with_the_fix():
    with pytest.raises(CRSError, match="states no coordinate system.*--crs EPSG:4490"):
        resolve_crs(None, source="x.shp")


def test_stated_datum_states_a_crs_for_a_table():
    assert resolve_crs(None, datum="cgcs2000")[0].to_epsg() == 4490
    crs, datum, _ = resolve_crs(None, datum="BD-09")
    assert (crs.to_epsg(), datum) == (4326, "bd09")


def test_stated_crs_wins_with_a_warning():
    crs, _, warnings = resolve_crs(CRS.from_epsg(4326), stated_crs="EPSG:4490", source="a")
    assert crs.to_epsg() == 4490
    assert "using yours" in warnings[0]


def test_web_datum_under_projected_crs_is_refused():
    with pytest.raises(CRSError, match="GCJ02 applies to longitude/latitude"):
        resolve_crs(CRS.from_epsg(4538), datum="gcj02", source="a")


def test_3d_crs_becomes_2d():
    crs, _, _ = resolve_crs(CRS.from_epsg(4979))
    assert len(crs.axis_info) == 2 and crs.is_geographic


def test_projected_numbers_under_geographic_crs():
    with pytest.raises(CRSError, match="not degrees.*EPSG:4538"):
        check_coordinates(gk(*CHANGJI), CRS.from_epsg(4326), source="a.geojson")


def test_prefixed_eastings_under_geographic_crs_name_the_zone():
    xy = gk(*CHANGJI) + [[29_000_000, 0]]
    with pytest.raises(CRSError, match="EPSG:4517"):
        check_coordinates(xy, CRS.from_epsg(4490), source="a")


def test_swapped_lat_lon():
    with pytest.raises(CRSError, match="swapped.*--swap-xy"):
        check_coordinates(np.array([[44.01, 87.30]]), CRS.from_epsg(4326), source="pipes.geojson")


def test_degrees_under_projected_crs():
    with pytest.raises(CRSError, match="look like degrees.*EPSG:4490"):
        check_coordinates(np.array([[87.3, 44.01]]), CRS.from_epsg(4538), source="a")


def test_zone_prefix_under_crs_without_one():
    xy = gk(*CHANGJI) + [[29_000_000, 0]]
    with pytest.raises(CRSError, match="zone prefix.*EPSG:4517"):
        check_coordinates(xy, CRS.from_epsg(4538), source="a")


def test_northing_easting_swapped_in_survey_drawing():
    xy = gk(*CHANGJI)[:, ::-1]
    with pytest.raises(CRSError, match="axes look swapped"):
        check_coordinates(xy, CRS.from_epsg(4538), source="a")


def test_data_far_from_stated_zone():
    # Hami data (93.5E) projected into Changji's zone: the numbers fit, the place does not.
    xy = gk(93.5, 42.8, epsg=4538)
    with pytest.raises(CRSError, match="central meridian 87.*EPSG:4540"):
        check_coordinates(xy, CRS.from_epsg(4538), source="a")


def test_data_projected_into_a_distant_zone():
    # Kunming (102.7E) forced into the 87E zone: eastings 1,500 km off the false easting.
    with pytest.raises(CRSError, match="do not fit"):
        check_coordinates(gk(102.71, 25.04, epsg=4538), CRS.from_epsg(4538), source="a")


def test_data_at_the_zone_edge_only_warns():
    xy = gk(89.6, 44.0, epsg=4538)
    result = check_coordinates(xy, CRS.from_epsg(4538), source="a")
    assert any("outside the 3-degree zone" in w for w in result.warnings)


def test_good_data_passes_quietly():
    assert check_coordinates(gk(*CHANGJI), CRS.from_epsg(4538), source="a").warnings == []
    assert check_coordinates(np.array([CHANGJI]), CRS.from_epsg(4490), source="a").warnings == []


def test_stray_features_do_not_decide():
    xy = np.vstack([np.repeat(gk(*CHANGJI), 9, axis=0), [[0.0, 0.0]], [[np.nan, np.nan]]])
    assert check_coordinates(xy, CRS.from_epsg(4538), source="a").warnings == []


@pytest.mark.parametrize("epsg", [4610, 4214, 2383, 2436])
def test_xian_and_beijing_get_a_warning(epsg):
    crs = CRS.from_epsg(epsg)
    assert "no exact transformation" in legacy_datum_warning(crs)
    lon, lat = (114.3, 30.6)
    x, y = Transformer.from_crs(4326, crs, always_xy=True).transform(lon, lat)
    result = check_coordinates(np.array([[x, y]]), crs, source="a")
    assert any("no exact transformation" in w for w in result.warnings)


def test_cgcs2000_gets_no_legacy_warning():
    assert legacy_datum_warning(CRS.from_epsg(4490)) is None
    assert legacy_datum_warning(CRS.from_epsg(4538)) is None
