"""Pipeline networks of the synthetic city: six connected networks of mains plus service lines.

Private helper of :mod:`geo.synthetic.city`. Each kind runs along every arterial and every lane of the
built-up superblocks, shifted off the centreline by its own offset (the same shift in x and y, so
junctions stay junctions). Mains are split at every junction and at every tee where a service line
leaves for a community, so a graph built from segment end points is connected. Everything is
vectorised over segments; attributes follow the area's age, the kind and the era.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import shapely

from geo.synthetic.names import (
    GAS_OPERATORS, HEATING_OPERATOR, MATERIALS, POWER_OPERATOR, TELECOM_OPERATORS, WATER_OPERATOR,
)
from geo.synthetic.town import Plan
from geo.io.schema import PIPELINE_KINDS

#: Offset of each kind from the street centreline (m), applied to x and y alike; all fit in a lane.
KIND_OFFSET_M: dict[str, float] = {
    "water_supply": 3.5, "drainage": -0.5, "gas": -3.0, "heating": 1.5, "power": -5.0,
    "telecom": 5.5,
}


@dataclass(frozen=True)
class Areas:
    """What the pipes need to know about each superblock (arrays of shape (S,))."""

    year: np.ndarray          # typical build year of the area (filled for empty superblocks)
    county: np.ndarray        # 0 or 1
    renewed: np.ndarray       # year of a completed renovation programme, NaN if none
    overhead_power: np.ndarray
    overhead_telecom: np.ndarray
    telecom_operator: np.ndarray  # index into TELECOM_OPERATORS


@dataclass(frozen=True)
class Services:
    """One service connection per community (arrays of shape (M,))."""

    line: np.ndarray          # horizontal line id of the main it leaves
    t: np.ndarray             # x of the tee
    end_y: np.ndarray         # y where it ends (on or just inside the community)
    superblock: np.ndarray
    build_year: np.ndarray
    households: np.ndarray
    renewed: np.ndarray       # plan year of a completed renovation, NaN otherwise
    has_gas: np.ndarray


def street_junctions(plan: Plan, built: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(line, t) of every end point and junction of the street network of the built-up area.

    The pipes run along these streets and the road layer (:mod:`geo.synthetic.roads`) is built on them.
    """
    lines, g1 = plan.lines, plan.size + 1
    kept = (lines.arterial >= 0) | built[np.maximum(lines.superblock, 0)]
    ii, jj = np.meshgrid(np.arange(g1), np.arange(g1))
    ii, jj = ii.ravel(), jj.ravel()
    parts_line = [jj, g1 + ii]
    parts_t = [plan.x[ii], plan.y[jj]]
    lane = np.nonzero(kept & (lines.arterial < 0))[0]
    sb = lines.superblock[lane]
    horiz = lines.horizontal[lane]
    # each lane's ends, and the T-junctions they make on the arterials around their superblock
    parts_line += [lane, lane,
                   np.where(horiz, g1 + plan.sb_i[sb], plan.sb_j[sb]),
                   np.where(horiz, g1 + plan.sb_i[sb] + 1, plan.sb_j[sb] + 1)]
    parts_t += [lines.lo[lane], lines.hi[lane], lines.coord[lane], lines.coord[lane]]
    # crossings of the lanes of one superblock
    s_built = np.nonzero(built)[0]
    h = plan.lane_h[s_built][:, :, None]
    v = plan.lane_v[s_built][:, None, :]
    hh, vv = np.broadcast_arrays(h, v)
    ok = (hh >= 0) & (vv >= 0)
    hh, vv = hh[ok], vv[ok]
    parts_line += [hh, vv]
    parts_t += [lines.coord[vv], lines.coord[hh]]
    return np.concatenate(parts_line), np.concatenate(parts_t)


def street_segments(line: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Consecutive (line, t0, t1) between the sorted, de-duplicated split points of each line."""
    order = np.lexsort((t, line))
    line, t = line[order], t[order]
    first = np.ones(len(t), bool)
    first[1:] = (line[1:] != line[:-1]) | (t[1:] != t[:-1])
    line, t = line[first], t[first]
    same = line[1:] == line[:-1]
    return line[:-1][same], t[:-1][same], t[1:][same]


def street_xy(plan: Plan, line: np.ndarray, t: np.ndarray, d: float,
        origin: tuple[float, float]) -> tuple[np.ndarray, np.ndarray]:
    """Map coordinates of the point at ``t`` along ``line``, shifted by ``d``, rounded to 1 cm.

    Every end point of every segment goes through this one expression, so shared points are
    bit-identical.
    """
    horiz = plan.lines.horizontal[line]
    c = plan.lines.coord[line]
    x = np.where(horiz, t, c) + d
    y = np.where(horiz, c, t) + d
    return np.round(x + origin[0], 2), np.round(y + origin[1], 2)


def _choice(rng: np.random.Generator, values: tuple, size: int, p=None) -> np.ndarray:
    return np.asarray(values)[rng.choice(len(values), size=size, p=p)]


def _materials(rng: np.random.Generator, kind: str, year: np.ndarray, diameter: np.ndarray,
               service: np.ndarray, overhead: np.ndarray) -> np.ndarray:
    """Material per segment from its kind, install year, size and placement (one vocabulary)."""
    m = MATERIALS
    n = len(year)
    u = rng.random(n)
    if kind == "water_supply":
        main = np.select(
            [year < 1990, year < 2005],
            [np.where(u < 0.8, m["grey_cast_iron"], m["steel"]),
             np.where(u < 0.5, m["ductile_iron"], np.where(u < 0.75, m["grey_cast_iron"], m["steel"]))],
            np.where(diameter >= 200, m["ductile_iron"], m["pe"]))
        return np.where(service, np.where(year < 2000, m["steel"], m["pe"]), main)
    if kind == "drainage":
        modern = np.where(diameter >= 800, m["concrete"], np.where(u < 0.6, m["hdpe"], m["pvc_u"]))
        modern = np.where(service, m["pvc_u"], modern)
        return np.where(year < 2000, m["concrete"], modern)
    if kind == "gas":
        return np.where((year >= 2000) & (diameter <= 200), m["pe"], m["steel"])
    if kind == "heating":
        return np.full(n, m["steel"])
    if kind == "power":
        cable = np.where((year < 1990) & (u < 0.4), m["paper_cable"], m["xlpe_cable"])
        return np.where(overhead, m["overhead_line"], cable)
    # telecom: new ducts carry fibre; about half the older ones have been re-cabled (光进铜退)
    fibre = (year >= 2008) | (u < 0.5)
    return np.where(fibre, m["fibre"], m["copper"])


def _diameters(rng: np.random.Generator, kind: str, arterial: np.ndarray, service: np.ndarray,
               households: np.ndarray, overhead: np.ndarray) -> np.ndarray:
    """Nominal diameter (mm) per segment; cable ducts for power and telecom, NaN when overhead."""
    n = len(arterial)
    sizes = {  # (arterial mains, lane mains, service by size of community: small, medium, large)
        "water_supply": ((300, 400, 500, 600), (100, 150, 200), (32, 50, 100)),
        "drainage": ((800, 1000, 1200), (300, 400, 500, 600), (200, 200, 300)),
        "gas": ((200, 250, 300), (100, 150), (50, 80, 100)),
        "heating": ((400, 500), (150, 200, 250, 300), (80, 100, 150)),
        "power": ((200,), (150,), (100, 100, 150)),
        "telecom": ((110,), (110,), (50, 50, 110)),
    }[kind]
    art = _choice(rng, sizes[0], n)
    lane = _choice(rng, sizes[1], n)
    serv = np.asarray(sizes[2])[np.digitize(households, (120, 600))]
    out = np.where(service, serv, np.where(arterial, art, lane)).astype(float)
    return np.where(overhead, np.nan, out)


def _geometry(plan: Plan, junctions: tuple[np.ndarray, np.ndarray], services: Services,
              serve: np.ndarray, d: float, origin: tuple[float, float]):
    """Mains split at junctions and tees, then service lines, of one kind shifted by ``d``.

    Returns the linestrings, the line each main runs along and the (t0, t1) of each main.
    """
    line, t0, t1 = street_segments(np.concatenate([junctions[0], services.line[serve]]),
                             np.concatenate([junctions[1], services.t[serve]]))
    x0, y0 = street_xy(plan, line, t0, d, origin)
    x1, y1 = street_xy(plan, line, t1, d, origin)
    tee_x, tee_y = street_xy(plan, services.line[serve], services.t[serve], d, origin)
    end_y = np.round(services.end_y[serve] + origin[1], 2)
    start = np.column_stack([np.concatenate([x0, tee_x]), np.concatenate([y0, tee_y])])
    end = np.column_stack([np.concatenate([x1, tee_x]), np.concatenate([y1, end_y])])
    return shapely.linestrings(np.stack([start, end], axis=1)), line, t0, t1


def _superblock_of_mains(plan: Plan, line: np.ndarray, t0: np.ndarray, t1: np.ndarray) -> np.ndarray:
    """Superblock of each main: its lane's, or for an arterial the one north or east of it."""
    lines, g = plan.lines, plan.size
    mid = (t0 + t1) / 2.0
    horiz = lines.horizontal[line]
    ii = np.clip(np.searchsorted(plan.x, np.where(horiz, mid, lines.coord[line])) - 1, 0, g - 1)
    jj = np.clip(np.searchsorted(plan.y, np.where(horiz, lines.coord[line], mid)) - 1, 0, g - 1)
    return np.where(lines.arterial[line] >= 0, jj * g + ii, lines.superblock[line])


def _install_years(rng: np.random.Generator, kind: str, area_year: np.ndarray, is_art: np.ndarray,
                   is_serv: np.ndarray, serv_year: np.ndarray, programme: np.ndarray,
                   serv_renewed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Install years and a renewed flag: laid with the area (trunks a little earlier), and since
    renewed in part: a quarter of the old mains at random, most lanes of a completed renovation
    programme, the service lines of completed communities. Piped gas reached old areas in 1993-2004.
    """
    n = len(area_year)
    year = np.where(is_art, area_year - rng.uniform(0, 8, n), area_year - rng.uniform(0, 4, n))
    year[is_serv] = serv_year - rng.uniform(0, 1, len(serv_year))
    renew = (area_year < 2000) & (rng.random(n) < 0.25) & ~is_serv
    year = np.where(renew, rng.uniform(2003, 2021.99, n), year)
    by_programme = ~is_art & ~is_serv & np.isfinite(programme) & (rng.random(n) < 0.8)
    year = np.where(by_programme, programme, year)
    year = np.where(np.isfinite(serv_renewed), serv_renewed, year)
    if kind == "gas":
        year = np.maximum(year, rng.uniform(1993, 2004, n))
    renewed = renew | by_programme | np.isfinite(serv_renewed)
    return np.clip(np.floor(year), 1968, 2021).astype(np.int64), renewed


def _operators(kind: str, county: np.ndarray, arterial: np.ndarray,
               area_telecom: np.ndarray) -> np.ndarray:
    """Operator per segment: one for water and drainage, gas by county, telecom by area.

    ``arterial`` is the arterial index of a main (-1 for lanes and service lines): trunk ducts
    along arterials alternate between the two largest telecom operators.
    """
    n = len(county)
    if kind in ("water_supply", "drainage"):
        return np.full(n, WATER_OPERATOR)
    if kind == "gas":
        return np.asarray(GAS_OPERATORS)[county]
    if kind == "heating":
        return np.full(n, HEATING_OPERATOR)
    if kind == "power":
        return np.full(n, POWER_OPERATOR)
    return np.asarray(TELECOM_OPERATORS)[np.where(arterial >= 0, arterial % 2, area_telecom)]


def pipelines(rng: np.random.Generator, plan: Plan, built: np.ndarray, areas: Areas,
              services: Services, origin: tuple[float, float]) -> dict[str, np.ndarray | pa.Array]:
    """All pipeline segments as columns (``geometry`` plus the canonical attributes but the id).

    Parameters
    ----------
    rng
        The generator's random stream.
    plan
        The town plan; ``built`` marks the superblocks with communities (their lanes get mains).
    areas, services
        Per-superblock context and one service connection per community.
    origin
        Map coordinates of the local origin.

    Returns
    -------
    dict of str to numpy.ndarray or pyarrow.Array
        ``kind``, ``operator``, ``material``, ``diameter_mm``, ``install_year``, ``placement``,
        ``geometry``; mains first, then service lines, kind by kind. Text columns are arrow
        arrays (no Python string per segment: there are millions at national scale).
    """
    junctions = street_junctions(plan, built)
    cols: dict[str, list] = {k: [] for k in (
        "kind", "operator", "material", "diameter_mm", "install_year", "placement", "geometry")}
    for kind in PIPELINE_KINDS:
        serve = services.has_gas if kind == "gas" else np.ones(len(services.line), bool)
        geom, line, t0, t1 = _geometry(plan, junctions, services, serve, KIND_OFFSET_M[kind], origin)
        n_main, n_serv = len(line), int(serve.sum())
        sb = np.concatenate([_superblock_of_mains(plan, line, t0, t1), services.superblock[serve]])
        arterial = np.concatenate([plan.lines.arterial[line], np.full(n_serv, -1)])
        is_art = arterial >= 0
        is_serv = np.arange(n_main + n_serv) >= n_main
        year, renewed = _install_years(
            rng, kind, areas.year[sb], is_art, is_serv, services.build_year[serve], areas.renewed[sb],
            np.concatenate([np.full(n_main, np.nan), services.renewed[serve]]))
        # overhead lines survive on lanes and old service lines of unrenewed old areas
        old_area = {"power": areas.overhead_power, "telecom": areas.overhead_telecom}.get(kind)
        new_serv = np.concatenate([np.zeros(n_main, bool), services.build_year[serve] >= 2000])
        overhead = (np.zeros(len(sb), bool) if old_area is None
                    else old_area[sb] & ~is_art & ~renewed & ~new_serv)
        households = np.concatenate([np.zeros(n_main), services.households[serve]])
        diameter = _diameters(rng, kind, is_art, is_serv, households, overhead)

        cols["kind"].append(pa.array(np.full(len(sb), kind)))
        cols["operator"].append(pa.array(
            _operators(kind, areas.county[sb], arterial, areas.telecom_operator[sb])))
        cols["material"].append(pa.array(_materials(rng, kind, year, diameter, is_serv, overhead)))
        cols["diameter_mm"].append(diameter)
        cols["install_year"].append(year)
        cols["placement"].append(pa.array(np.where(overhead, "overhead", "underground")))
        cols["geometry"].append(geom)
    return {k: pa.concat_arrays(v) if isinstance(v[0], pa.Array) else np.concatenate(v)
            for k, v in cols.items()}
