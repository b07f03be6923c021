"""Coordinate reference systems the way Chinese planning data arrives, and the analysis CRS.

What this module knows:

* CGCS2000 (EPSG:4490) and its Gauss-Krüger zones. The 3-degree zones by central meridian are
  EPSG:4534 (75°E) to EPSG:4554 (135°E), without a zone number in the easting; EPSG:4513-4533
  are the same zones with the zone number prefixed to the easting (zone 29 = 87°E), and
  EPSG:4491-4501 the 6-degree zones with prefix. CGCS2000 and WGS84 agree to well under a metre
  for planning purposes and are treated as one datum here.
* Web-map datums GCJ-02 (Amap, Tencent) and BD-09 (Baidu) are not CRSs PROJ knows: they are
  stated by the user and converted to WGS84 on import by :mod:`geo.crs.datums`.
* Xian 1980 and Beijing 1954 cannot be converted to CGCS2000 exactly by PROJ (it silently treats
  them as the same datum): such input is used as it is, with a warning, never shifted silently.
* Analysis runs in one local metric CRS: the CGCS2000 3-degree Gauss-Krüger zone of the data's
  centre inside China, UTM elsewhere (:func:`local_metric_crs`). Maps and GeoJSON use EPSG:4326.

Obvious mistakes are caught with a message that says what to do: projected numbers under a
geographic CRS, swapped axes (Chinese surveyors write X for northing), eastings with a zone
prefix under a CRS without one, data far from the stated zone.

Example
-------
>>> local_metric_crs(87.30, 44.01).to_epsg()
4538
>>> local_metric_crs(2.35, 48.85).to_epsg()
32631
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError as ProjCRSError

from geo.crs.datums import normalize_datum
from geo.errors import CRSError

#: Rough extent of China (lon, lat), used to choose a Gauss-Krüger zone over UTM.
CHINA_BOUNDS = (73.0, 3.0, 136.0, 54.0)
#: Datums whose conversion to CGCS2000 PROJ cannot do exactly.
LEGACY_DATUMS = ("Xian 1980", "Beijing 1954", "New Beijing")


def parse_crs(value: object, *, source: str = "") -> CRS:
    """Read a CRS the way a user states it: ``EPSG:4538``, ``4538``, a WKT or a PROJ string.

    Raises
    ------
    CRSError
        With the text it could not read and examples of what works.

    Example
    -------
    >>> parse_crs("4490").name
    'China Geodetic Coordinate System 2000'
    """
    if isinstance(value, CRS):
        return value
    text = str(value).strip()
    if text.isdigit():
        text = f"EPSG:{text}"
    try:
        return CRS.from_user_input(text)
    except ProjCRSError as exc:
        where = f" for {source}" if source else ""
        raise CRSError(
            f"could not read the CRS '{value}'{where}: {exc}. State it as an EPSG code, e.g. "
            "EPSG:4490 (CGCS2000), EPSG:4538 (CGCS2000 3-degree Gauss-Kruger CM 87E) or "
            "EPSG:4326 (WGS84)",
            code="crs_unreadable", params={"value": str(value), "file": source, "detail": str(exc)},
        ) from None


def gk_zone_epsg(lon: float) -> int:
    """EPSG code of the CGCS2000 3-degree Gauss-Krüger zone (central-meridian form) for ``lon``.

    Example
    -------
    >>> gk_zone_epsg(87.3), gk_zone_epsg(102.7)
    (4538, 4543)
    """
    central = int(min(max(3 * round(lon / 3.0), 75), 135))
    return 4534 + (central - 75) // 3


def in_china(lon: float, lat: float) -> bool:
    """True when (lon, lat) falls in the rough extent of China used to pick the analysis CRS."""
    west, south, east, north = CHINA_BOUNDS
    return west <= lon <= east and south <= lat <= north


def local_metric_crs(lon: float, lat: float) -> CRS:
    """The metric CRS analysis runs in for data centred at (lon, lat).

    The CGCS2000 3-degree Gauss-Krüger zone inside China (EPSG:4534-4554), the WGS84 UTM zone
    elsewhere.

    Example
    -------
    >>> local_metric_crs(102.71, 25.04).name
    'CGCS2000 / 3-degree Gauss-Kruger CM 102E'
    """
    if in_china(lon, lat):
        return CRS.from_epsg(gk_zone_epsg(lon))
    zone = int((lon + 180) // 6) % 60 + 1
    return CRS.from_epsg((32600 if lat >= 0 else 32700) + zone)


def _crs_label(crs: CRS) -> str:
    """The shortest name of a CRS a planner can look up (``EPSG:4538``, else its name), for params."""
    code = crs.to_epsg()
    return f"EPSG:{code}" if code else crs.name


def _number(value: float) -> float | int:
    """A coordinate for an error's params: degrees to 6 decimals, metres to the metre."""
    value = float(value)
    return int(round(value)) if abs(value) >= 1000 or value.is_integer() else round(value, 6)


def describe_crs(crs: CRS | None) -> str:
    """One line a planner can read: code, name, datum and units.

    Example
    -------
    >>> describe_crs(CRS.from_epsg(4538))
    'EPSG:4538 CGCS2000 / 3-degree Gauss-Kruger CM 87E (datum China 2000, metre)'
    """
    if crs is None:
        return "none (the file states no CRS)"
    code = crs.to_epsg()
    head = f"EPSG:{code} " if code else ""
    unit = crs.axis_info[0].unit_name if crs.axis_info else "?"
    datum = crs.datum.name if crs.datum is not None else "unknown"
    return f"{head}{crs.name} (datum {datum}, {unit})"


def legacy_datum_warning(crs: CRS) -> str | None:
    """A warning for Xian 1980 / Beijing 1954 input, which PROJ cannot convert exactly."""
    datum = crs.datum.name if crs.datum is not None else ""
    if any(name.lower() in datum.lower() for name in LEGACY_DATUMS):
        return (
            f"the data is in {datum} ({describe_crs(crs)}). PROJ has no exact transformation "
            "from it to CGCS2000 and treats the two as the same datum, so positions may be off "
            "by tens of metres or more. The coordinates are used as they are; for accurate work "
            "convert the file with your surveying bureau's parameters first"
        )
    return None


def _tm_params(crs: CRS) -> tuple[float, float] | None:
    """(central meridian, false easting) of a Transverse Mercator CRS, else None."""
    op = crs.coordinate_operation
    if op is None or "Transverse Mercator" not in (op.method_name or ""):
        return None
    central = easting = None
    for p in op.params:
        if p.name == "Longitude of natural origin":
            central = float(p.value)
        elif p.name == "False easting":
            easting = float(p.value)
    if central is None or easting is None:
        return None
    return central, easting


def _zone_from_prefixed_easting(x: float) -> int | None:
    """EPSG code implied by an easting carrying a zone prefix (e.g. 29 500 000 -> zone 29)."""
    zone = int(x // 1_000_000)
    if 25 <= zone <= 45:  # 3-degree zones with prefix, EPSG:4513-4533
        return 4513 + zone - 25
    if 13 <= zone <= 23:  # 6-degree zones with prefix, EPSG:4491-4501
        return 4491 + zone - 13
    return None


def prefixed_zone_error(xy: np.ndarray, *, source: str) -> None:
    """Raise the CRS to state for a file without CRS whose eastings carry a Gauss-Krüger zone prefix.

    Surveyed CGCS2000 drawings often write the 3-degree zone number in front of the easting
    (zone 39: x = 39 500 000): such numbers name their zone, hence the EPSG code (EPSG:4513-4533
    for 3-degree zones 25-45, EPSG:4491-4501 for 6-degree zones 13-23). Returns quietly when the
    typical point does not look like that.

    Raises
    ------
    CRSError
        ``crs_missing_gk_prefixed`` (or ``crs_missing_gk_prefixed_swapped`` when the prefixed
        number is the second coordinate, X = northing as Chinese survey drawings write it).

    Example
    -------
    >>> prefixed_zone_error(np.array([[39_512_345.0, 4_420_000.0]]), source="survey.shp")
    Traceback (most recent call last):
    ...
    geo.errors.CRSError: survey.shp: ... zone prefix 39 ... CGCS2000 / 3-degree Gauss-Kruger zone 39 (central
    meridian 117°E). State it: --crs EPSG:4527 ...
    >>> prefixed_zone_error(np.array([[500_000.0, 4_420_000.0]]), source="survey.shp") is None
    True
    """
    xy = np.asarray(xy, dtype=float)
    xy = xy[np.isfinite(xy).all(axis=1)] if xy.size else xy.reshape(0, 2)
    if len(xy) == 0:
        return None
    x, y = (float(v) for v in np.median(xy, axis=0))
    swapped = False
    epsg = _zone_from_prefixed_easting(x) if x >= 1e7 and 1e5 < y < 1e7 else None
    if epsg is None and y >= 1e7 and 1e5 < x < 1e7:
        epsg, swapped = _zone_from_prefixed_easting(y), True
    if epsg is None:
        return None
    crs = CRS.from_epsg(epsg)
    tm = _tm_params(crs)
    central = tm[0] if tm else None
    zone = int((y if swapped else x) // 1_000_000)
    params = {"file": source, "x": _number(x), "y": _number(y), "epsg": epsg,
              "central": _number(central) if central is not None else ""}
    sample = f"a typical point is ({x:.0f}, {y:.0f})"
    where = f" (central meridian {central:g}°E)" if central is not None else ""
    fix = (f"State it: --crs EPSG:{epsg} (on the page: CRS EPSG:{epsg}). If the survey is in Xian 1980 "
           "or Beijing 1954, state that system's zone instead")
    if swapped:
        raise CRSError(
            f"{source}: the file states no coordinate system, and its second coordinate carries the "
            f"Gauss-Krüger zone prefix {zone} ({sample}): X is the northing, as survey drawings write "
            f"it. Swap the axes (--swap-xy) and state {crs.name}{where}: --crs EPSG:{epsg}",
            code="crs_missing_gk_prefixed_swapped", params=params,
        )
    raise CRSError(
        f"{source}: the file states no coordinate system, but its eastings carry the Gauss-Krüger zone "
        f"prefix {zone} ({sample}): they are {crs.name}{where}. {fix}",
        code="crs_missing_gk_prefixed", params=params,
    )


@dataclass(frozen=True)
class CoordinateCheck:
    """The outcome of :func:`check_coordinates`: warnings to report (errors are raised)."""

    warnings: list[str]


def check_coordinates(xy: np.ndarray, crs: CRS, *, source: str) -> CoordinateCheck:
    """Catch systematic coordinate mistakes before anything is projected.

    Parameters
    ----------
    xy
        An (n, 2) array of typical coordinates, one per feature (e.g. each feature's first
        vertex or bounds corner); non-finite rows are ignored. The median decides, so a few
        stray features do not trigger an error (they are rejected row by row later).
    crs
        The CRS the coordinates are said to be in.
    source
        The file (and layer) name, for messages.

    Returns
    -------
    CoordinateCheck

    Raises
    ------
    CRSError
        Projected numbers under a geographic CRS, degrees under a projected CRS, swapped axes,
        a zone prefix the CRS does not expect, or data far from the stated Gauss-Krüger zone.
    """
    xy = np.asarray(xy, dtype=float)
    xy = xy[np.isfinite(xy).all(axis=1)] if xy.size else xy.reshape(0, 2)
    if len(xy) == 0:
        return CoordinateCheck([])
    x, y = (float(v) for v in np.median(xy, axis=0))
    warnings: list[str] = []
    legacy = legacy_datum_warning(crs)
    if legacy:
        warnings.append(legacy)
    sample = f"a typical point is ({x:.6g}, {y:.6g})"

    params = {"file": source, "crs": _crs_label(crs), "x": _number(x), "y": _number(y)}

    if crs.is_geographic:
        if abs(x) > 180 or abs(y) > 90:
            message = (f"{source}: the CRS is geographic ({describe_crs(crs)}) but the coordinates are "
                       f"not degrees: {sample}.")
            fix = " State the projected CRS the file really uses (--crs EPSG:CODE)"
            epsg = _zone_from_prefixed_easting(y if y > x else x) if max(x, y) > 1e7 else None
            if epsg:
                raise CRSError(f"{message} They look like Gauss-Krüger metres: try EPSG:{epsg}.{fix}",
                               code="coords_gk_prefixed", params={**params, "epsg": epsg})
            if 1e5 < min(x, y) and max(x, y) < 1e7:
                raise CRSError(f"{message} They look like Gauss-Krüger metres: state the zone, e.g. "
                               f"EPSG:4538 for 87°E.{fix}", code="coords_gk_metres", params=params)
            raise CRSError(f"{message}{fix}", code="coords_not_degrees", params=params)
        lon_lat_swapped = (abs(x) <= 90 < abs(y)) or (15 <= x <= 55 and 70 <= y <= 140)
        if lon_lat_swapped:
            raise CRSError(
                f"{source}: latitude and longitude look swapped: {sample}, which reads as "
                f"longitude {x:.4f}, latitude {y:.4f}. Swap the axes (--swap-xy) or fix the "
                "column mapping (lon=..., lat=...)",
                code="coords_latlon_swapped", params=params,
            )
        return CoordinateCheck(warnings)

    if abs(x) <= 180 and abs(y) <= 90:
        raise CRSError(
            f"{source}: the CRS is projected ({describe_crs(crs)}) but the coordinates look "
            f"like degrees: {sample}. State a geographic CRS (--crs EPSG:4490 for CGCS2000, "
            "EPSG:4326 for WGS84)",
            code="coords_look_like_degrees", params=params,
        )
    tm = _tm_params(crs)
    if tm is not None:
        central, false_easting = tm
        east_offset = abs(x - false_easting)
        north_offset = abs(y - false_easting)
        if east_offset > 1_000_000 and north_offset < 400_000 and 1e6 < x < 1e7:
            raise CRSError(
                f"{source}: the axes look swapped (X is northing in Chinese survey drawings): "
                f"{sample}. Swap the axes (--swap-xy)",
                code="coords_axes_swapped", params=params,
            )
        if east_offset > 1_000_000:
            epsg = _zone_from_prefixed_easting(x)
            message = (f"{source}: eastings around {x:.0f} do not fit {describe_crs(crs)}, whose false "
                       f"easting is {false_easting:.0f}.")
            fix = " State the right CRS (--crs EPSG:CODE)"
            params = {**params, "false_easting": _number(false_easting)}
            if epsg:
                raise CRSError(f"{message} The easting carries a zone prefix: the CRS is probably "
                               f"EPSG:{epsg}.{fix}", code="coords_easting_prefixed",
                               params={**params, "epsg": epsg})
            raise CRSError(f"{message}{fix}", code="coords_easting_mismatch", params=params)
    to_lonlat = Transformer.from_crs(crs, 4326, always_xy=True)
    lon, lat = to_lonlat.transform(x, y)
    if not (np.isfinite(lon) and np.isfinite(lat)) or abs(lat) > 90:
        raise CRSError(
            f"{source}: {sample} cannot be placed on Earth under {describe_crs(crs)}; "
            "is the CRS right? State it with --crs EPSG:CODE",
            code="coords_off_earth", params=params,
        )
    if tm is not None:
        central = tm[0]
        half_width = 1.5 if "3-degree" in crs.name else 3.0
        if abs(lon - central) > 2 * half_width:
            raise CRSError(
                f"{source}: the data lies at {lon:.2f}°E, {abs(lon - central):.1f}° from the "
                f"central meridian {central:g}°E of {describe_crs(crs)}: the CRS is probably "
                f"wrong. Data at {lon:.1f}°E belongs in EPSG:{gk_zone_epsg(lon)}",
                code="coords_wrong_zone",
                params={**params, "lon": round(float(lon), 2), "offset": round(abs(float(lon) - central), 1),
                        "central": _number(central), "epsg": gk_zone_epsg(lon)},
            )
        if abs(lon - central) > half_width + 0.5:
            warnings.append(
                f"the data lies at {lon:.2f}°E, outside the {2 * half_width:g}-degree zone of "
                f"{describe_crs(crs)}: distortion grows; check the CRS"
            )
    return CoordinateCheck(warnings)


def resolve_crs(
    file_crs: CRS | None,
    *,
    stated_crs: object | None = None,
    datum: str | None = None,
    source: str = "",
    sample_xy: np.ndarray | None = None,
) -> tuple[CRS, str, list[str]]:
    """Decide the CRS of a layer from what the file says and what the user stated.

    Parameters
    ----------
    file_crs
        The CRS read from the file, or ``None``.
    stated_crs
        A CRS the user stated (``--crs``); it wins over the file's, with a warning when they differ.
    datum
        A datum the user stated (``--datum``): ``wgs84`` and ``cgcs2000`` also state EPSG:4326 /
        EPSG:4490 for a file without CRS; ``gcj02`` and ``bd09`` require geographic coordinates.
    source
        File (and layer) name for messages.
    sample_xy
        Typical coordinates of the features ((n, 2), as for :func:`check_coordinates`): when the
        file states no CRS, eastings with a Gauss-Krüger zone prefix name the CRS to state.

    Returns
    -------
    (CRS, datum, warnings)
        ``datum`` is the normalised web datum to convert from (``wgs84`` when there is none).

    Raises
    ------
    CRSError
        No CRS at all (``crs_missing_gk_prefixed`` when the eastings carry a zone prefix), or a web
        datum stated for projected coordinates.

    Example
    -------
    >>> crs, datum, _ = resolve_crs(None, datum="gcj02", source="aoi.csv")
    >>> crs.to_epsg(), datum
    (4326, 'gcj02')
    """
    warnings: list[str] = []
    datum_name = normalize_datum(datum) if datum else None
    crs = file_crs
    if stated_crs is not None:
        stated = parse_crs(stated_crs, source=source)
        if file_crs is not None and not stated.equals(file_crs, ignore_axis_order=True):
            warnings.append(
                f"the file says {describe_crs(file_crs)}, you stated {describe_crs(stated)}: "
                "using yours"
            )
        crs = stated
    if crs is None:
        if datum_name in ("wgs84", "gcj02", "bd09"):
            crs = CRS.from_epsg(4326)
        elif datum_name == "cgcs2000":
            crs = CRS.from_epsg(4490)
        else:
            if sample_xy is not None:
                prefixed_zone_error(sample_xy, source=source)
            raise CRSError(
                f"{source}: the file states no coordinate system. Say which one it uses: "
                "--crs EPSG:4490 (CGCS2000 lon/lat), --crs EPSG:4538 (CGCS2000 3-degree "
                "Gauss-Kruger CM 87E; 4534-4554 for 75E-135E), --crs EPSG:4326 (WGS84), or "
                "--datum gcj02 / bd09 for coordinates copied from Amap, Tencent or Baidu maps",
                code="crs_missing", params={"file": source},
            )
    if crs.is_geocentric:
        raise CRSError(f"{source}: {describe_crs(crs)} is geocentric; state a geographic or projected CRS",
                       code="crs_geocentric", params={"file": source, "crs": _crs_label(crs)})
    if len(crs.axis_info) > 2:
        crs = crs.to_2d()
    if datum_name in ("gcj02", "bd09") and not crs.is_geographic:
        raise CRSError(
            f"{source}: {datum_name.upper()} applies to longitude/latitude, but the CRS is "
            f"projected ({describe_crs(crs)}). Web-map coordinates are always lon/lat: state "
            "--crs EPSG:4326 or drop --datum",
            code="datum_needs_lonlat",
            params={"file": source, "datum": datum_name.upper(), "crs": _crs_label(crs)},
        )
    return crs, datum_name or "wgs84", warnings
