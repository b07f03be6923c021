"""Facilities of the synthetic city: public ones per block and private ones inside compounds.

Private helper of :mod:`geo.synthetic.city`. Public facilities (clinics, markets, schools...) fall on
built blocks at a rate scaled by a smooth random service level, so whole areas, often in the old
core, have none within 300, 500 or 1000 m. Compounds add their own (property offices in managed
compounds, kindergartens and parcel lockers in new ones). Vectorised over blocks and communities.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely

from geo.synthetic import names as nm
from geo.synthetic.town import Plan, smooth_field
from geo.io.schema import FACILITY_KINDS

#: Public facilities per built block at the average service level.
BLOCK_RATE: dict[str, float] = {
    "elderly_care": 0.08, "childcare": 0.05, "kindergarten": 0.07, "clinic": 0.12,
    "market": 0.06, "convenience_store": 0.5, "parcel_locker": 0.1, "ev_charging": 0.04,
    "fitness": 0.1, "property_office": 0.0, "community_service": 0.0, "post_station": 0.3,
    "school": 0.045,
}
#: Kinds the old core is especially short of (their rate is halved in old blocks).
SCARCE_IN_OLD_CORE = ("elderly_care", "childcare", "clinic", "fitness", "ev_charging",
                      "parcel_locker", "kindergarten")

_PUBLIC_NAME = {   # name = place word + suffix
    "elderly_care": ("老年日间照料中心", "老年活动中心"), "childcare": ("托育园", "托育中心"),
    "kindergarten": ("幼儿园",), "clinic": ("社区卫生服务站",),
    "market": ("农贸市场", "菜市场"), "convenience_store": ("便利店", "超市"),
    "parcel_locker": ("智能快件箱",), "ev_charging": ("充电站",), "fitness": ("健身广场", "体育公园"),
    "post_station": ("快递驿站", "邮政所"), "school": ("小学", "中学"),
}
_COMPOUND_NAME = {   # name = community name + suffix
    "property_office": "物业服务中心", "kindergarten": "幼儿园", "fitness": "健身场地",
    "parcel_locker": "智能快件箱", "ev_charging": "充电桩", "convenience_store": "便利店",
    "elderly_care": "老年活动室",
}


def _uniform_in(rng: np.random.Generator, bounds: np.ndarray, margin: float) -> np.ndarray:
    x0, y0, x1, y1 = bounds.T
    mx = np.minimum(margin, (x1 - x0) / 4.0)
    my = np.minimum(margin, (y1 - y0) / 4.0)
    return np.column_stack([rng.uniform(x0 + mx, x1 - mx), rng.uniform(y0 + my, y1 - my)])


def facilities(rng: np.random.Generator, plan: Plan, built_blocks: np.ndarray,
               block_is_old: np.ndarray, comm_block: np.ndarray, anchor: np.ndarray,
               communities: gpd.GeoDataFrame, committee: np.ndarray,
               corridors: list[shapely.Geometry], origin: tuple[float, float]) -> dict[str, np.ndarray]:
    """Facility points as columns ``kind``, ``name`` and ``geometry`` (the id is added by the caller).

    Parameters
    ----------
    rng
        The generator's random stream.
    plan
        The town plan; ``built_blocks`` lists the blocks with communities.
    block_is_old
        Per block of the plan, whether it is old-style.
    comm_block, anchor
        Per community, its block and a rectangle inside it next to its street (local metres).
    communities
        The communities layer (``name``, ``households``, ``build_year``, ``property_mgmt``).
    committee
        社区 name of each superblock.
    corridors
        River and railway bands (local metres): public facilities falling there are dropped.
    origin
        Map coordinates of the local origin.

    Returns
    -------
    dict of str to numpy.ndarray
    """
    kinds, names, points = [], [], []

    def add(kind: str, name: np.ndarray, xy: np.ndarray) -> None:
        kinds.append(np.full(len(xy), kind, dtype=object))
        names.append(np.asarray(name, dtype=object))
        points.append(xy)

    b = built_blocks
    bb = plan.block_bounds[b]
    cx, cy = (bb[:, 0] + bb[:, 2]) / 2.0, (bb[:, 1] + bb[:, 3]) / 2.0
    general = smooth_field(rng, cx, cy, wavelength_m=2500.0)
    old = block_is_old[b]
    for kind in FACILITY_KINDS:
        rate = BLOCK_RATE[kind]
        if rate == 0.0:
            continue
        own = smooth_field(rng, cx, cy, wavelength_m=1800.0)
        level = 2.0 / (1.0 + np.exp(-(1.6 * general + 0.9 * own)))    # 0 (none) to 2 (rich)
        if kind in SCARCE_IN_OLD_CORE:
            level = np.where(old, 0.5 * level, level)
        count = rng.poisson(rate * level)
        where = np.repeat(np.arange(len(b)), count)
        place = nm.pick(rng, nm.PLACES, len(where))
        suffix = nm.pick(rng, _PUBLIC_NAME[kind], len(where))
        if kind == "school":
            place = nm.concat("昌吉市", place)
        if kind == "clinic":
            place = committee[plan.block_sb[b[where]]].astype(object)
            suffix = np.full(len(where), "卫生服务站", dtype=object)
        xy = _uniform_in(rng, bb[where], 10.0)
        clear = ~np.any([shapely.intersects_xy(c, xy[:, 0], xy[:, 1]) for c in corridors], axis=0)
        add(kind, nm.concat(place, suffix)[clear], xy[clear])

    # inside compounds
    m = len(communities)
    year = communities["build_year"].to_numpy()
    hh = communities["households"].to_numpy()
    mgmt = communities["property_mgmt"].to_numpy(dtype=object)
    new = year >= 2000
    prob = {
        "property_office": np.select([mgmt == "professional", mgmt == "self"], [0.9, 0.2], 0.0),
        "kindergarten": np.where(new & (hh >= 600), 0.3, 0.0),
        "fitness": np.where(new, 0.6, np.where(hh > 250, 0.2, 0.05)),
        "parcel_locker": np.where(new, 0.85, 0.25),
        "ev_charging": np.where(year >= 2010, 0.5, 0.03),
        "convenience_store": np.where(new & (hh >= 500), 0.4, 0.0),
        "elderly_care": np.where(new & (hh >= 1000), 0.15, 0.0),
    }
    cname = communities["name"].to_numpy(dtype=object)
    for kind in FACILITY_KINDS:
        if kind not in prob:
            continue
        take = rng.random(m) < prob[kind]
        add(kind, nm.concat(cname[take], _COMPOUND_NAME[kind]),
            _uniform_in(rng, anchor[take], 3.0))

    # one community service station for most committees, in one of its communities
    sb = plan.block_sb[comm_block]
    order = np.lexsort((rng.random(m), sb))
    first = order[np.r_[True, sb[order][1:] != sb[order][:-1]]]
    first = first[rng.random(len(first)) < 0.85]
    add("community_service", nm.concat(committee[sb[first]].astype(object), "党群服务中心"),
        _uniform_in(rng, anchor[first], 3.0))

    kind = np.concatenate(kinds)
    for missing in FACILITY_KINDS:   # tiny cities: every kind at least once
        if not (kind == missing).any():
            add(missing, np.array([nm.PLACES[0] + _PUBLIC_NAME.get(missing, ("服务站",))[0]]),
                _uniform_in(rng, anchor[:1], 3.0))
    xy = np.round(np.concatenate(points) + np.asarray(origin), 2)
    return {"kind": np.concatenate(kinds), "name": np.concatenate(names),
            "geometry": shapely.points(xy)}
