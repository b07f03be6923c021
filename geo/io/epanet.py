"""Import an EPANET model (.inp) as a pipelines layer: water utilities keep their networks this way.

The pipes of ``[PIPES]`` become ``water_supply`` segments drawn from their start node through
their ``[VERTICES]`` to their end node (node positions from ``[COORDINATES]``), with the diameter
in millimetres (converted from inches when the model's ``[OPTIONS] Units`` are US units), and
material, install year and operator read from the pipe's comment or ``[TAGS]`` where the model
has them. Pumps and valves are kept as short links (``link_type``) so the network stays
connected. Reservoirs and tanks are returned as the network's *sources*
(:func:`geo.pipelines.networks.build_networks` uses them for the impact of works).

EPANET files carry no CRS: the user states it (``crs="EPSG:4543"``), as for any file without
one; then :func:`geo.io.load.load_raw` does what it does for every layer: CRS checks, conversion to
the analysis CRS, id, geometry and range validation, and the report.

Why a small reader and not ``wntr``: wntr 1.5.0 installs with the pinned numpy/pandas/networkx,
but it (a) pulls scipy and matplotlib into the application (neither is a runtime dependency here;
together over 100 MB), (b) imports ``six`` without declaring it (a clean install fails on import),
(c) fails with ``AttributeError`` on a model without an ``[OPTIONS] Units`` line, which EPANET
itself reads as GPM, (d) drops the end-of-line comments where utilities record a pipe's material
and install year, and (e) takes 2.5 s to import. Reading the few sections a map needs is a page
of code, tested in ``tests/test_epanet.py``.

Comments and tags: ``key=value`` (or ``key:value``) pairs are read, with keys
``material``/``材质``/``管材``, ``year``/``install_year``/``埋设年代``/``敷设年份``/``建设年代``,
``operator``/``权属单位``/``owner``, ``placement``; a bare year (``1985``, ``1985年``) is the install
year. A pipe's comment is the one at the end of its line, else a comment line directly above it.
Anything else is kept as text in ``comment`` / ``tag``.

Example
-------
>>> import tempfile, pathlib
>>> inp = pathlib.Path(tempfile.mkdtemp()) / "net.inp"
>>> _ = inp.write_text('''[RESERVOIRS]
... R1 50
... [JUNCTIONS]
... J1 10 1
... [PIPES]
... P1 R1 J1 100 300 100 0 Open ;material=灰口铸铁 year=1985
... [COORDINATES]
... R1 524000 4874000
... J1 524100 4874000
... [OPTIONS]
... Units LPS
... [END]
... ''', encoding="utf-8")
>>> model = load_epanet(inp, crs="EPSG:4538")
>>> model.pipelines.gdf[["pipeline_id", "kind", "material", "diameter_mm", "install_year"]].values.tolist()
[['P1', 'water_supply', '灰口铸铁', 300.0, 1985]]
>>> model.sources[["node_id", "source_type"]].values.tolist()
[['R1', 'reservoir']]
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from geo.crs.datums import to_wgs84
from geo.errors import InputFileError, ValidationError
from geo.io.load import LoadedLayer, load_raw
from geo.io.readers import RawLayer, ReadNote
from geo.io.schema import normalize_header
from geo.io.validate import RowIssue

#: EPANET flow units whose lengths are feet and diameters inches (the others are SI: m and mm).
US_UNITS = ("CFS", "GPM", "MGD", "IMGD", "AFD")
SI_UNITS = ("LPS", "LPM", "MLD", "CMH", "CMD")
#: EPANET's own default when [OPTIONS] states no Units.
DEFAULT_UNITS = "GPM"

_KEYS = {
    "material": ("material", "mat", "材质", "管材"),
    "install_year": ("year", "installyear", "install", "埋设年代", "敷设年份", "敷设年代", "埋设年份",
                     "建设年代", "建设年份", "安装年份", "年代"),
    "operator": ("operator", "owner", "权属单位", "产权单位", "管理单位"),
    "placement": ("placement", "敷设方式", "埋设方式"),
}
_KEY_OF = {normalize_header(a): k for k, aliases in _KEYS.items() for a in aliases}
_PAIR = re.compile(r"([^\s=:：;,，]+)\s*[=:：]\s*([^\s;,，]+)")
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?:\s*年)?(?!\d)")


@dataclass
class EpanetModel:
    """An imported EPANET model.

    Attributes
    ----------
    pipelines
        The canonical pipelines layer (``kind`` = ``water_supply``) and its load report, in the
        analysis CRS. Extra columns: ``link_type`` (pipe / pump / valve), ``node1``, ``node2``,
        ``length_model_m`` (the length the model states), ``roughness``, ``status``,
        ``comment``, ``tag``.
    sources
        Reservoirs and tanks as points (``node_id``, ``source_type``, ``kind``), same CRS.
    units
        The model's flow units and whether they were stated.
    """

    pipelines: LoadedLayer
    sources: gpd.GeoDataFrame
    units: str
    units_stated: bool = True
    notes: list[str] = field(default_factory=list)


@dataclass
class _Line:
    values: list[str]
    comment: str | None
    number: int


def _read_text(path: Path) -> tuple[str, str]:
    if not path.exists():
        raise InputFileError(f"{path}: no such file", code="file_missing", params={"file": path.name})
    data = path.read_bytes()
    if not data.strip():
        raise InputFileError(f"{path}: the file is empty", code="file_empty", params={"file": path.name})
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise InputFileError(f"{path}: the text is neither UTF-8 nor GBK/GB18030; re-save it as UTF-8",
                         code="encoding_unknown", params={"file": path.name})


def parse_inp(text: str) -> dict[str, list[_Line]]:
    """Split an .inp text into sections of data lines, each with its comment.

    A data line's comment is its end-of-line comment, else the comment line directly above it.

    Example
    -------
    >>> s = parse_inp("[PIPES]\\n;ID N1 N2\\n;old main\\nP1 A B 10 100 ;DN100\\n[END]")
    >>> [(l.values[0], l.comment) for l in s["PIPES"]]
    [('P1', 'DN100')]
    >>> s = parse_inp("[PIPES]\\nP0 A B 1 1\\n;material=钢\\nP1 A B 10 100\\n")
    >>> s["PIPES"][1].comment
    'material=钢'
    """
    sections: dict[str, list[_Line]] = {}
    current: str | None = None
    pending: str | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            pending = None
            continue
        if line.startswith("["):
            current = line.strip("[] \t").upper()
            sections.setdefault(current, [])
            pending = None
            continue
        if line.startswith(";"):
            # a comment line describes the next element, once the section has data or it says key=value
            body = line[1:].strip()
            pending = body if (current and (sections[current] or _PAIR.search(body))) else None
            continue
        if current is None:
            continue
        data, _, comment = line.partition(";")
        comment = comment.strip() or pending
        pending = None
        sections[current].append(_Line(data.split(), comment or None, number))
    return sections


def _attributes(text: str | None) -> dict[str, str]:
    """Canonical attributes read from a comment or tag: key=value pairs and a bare year.

    Example
    -------
    >>> _attributes("材质=灰口铸铁 1978年")
    {'material': '灰口铸铁', 'install_year': '1978'}
    """
    out: dict[str, str] = {}
    if not text:
        return out
    for key, value in _PAIR.findall(text):
        canonical = _KEY_OF.get(normalize_header(key))
        if canonical and canonical not in out:
            out[canonical] = value
    if "install_year" not in out:
        rest = _PAIR.sub(" ", text)
        years = _YEAR.findall(rest)
        if len(years) == 1:
            out["install_year"] = years[0]
    return out


def _float(value: str | None) -> float:
    try:
        return float(value) if value is not None else np.nan
    except ValueError:
        return np.nan


def _units(sections: dict[str, list[_Line]]) -> tuple[str, bool]:
    for line in sections.get("OPTIONS", []):
        if line.values and line.values[0].upper() == "UNITS" and len(line.values) > 1:
            return line.values[1].upper(), True
    return DEFAULT_UNITS, False


def read_epanet(path: str | os.PathLike, *, units: str | None = None) -> tuple[RawLayer, gpd.GeoDataFrame, str, bool]:
    """Read an .inp file into a raw pipelines layer (no CRS) and its sources (no CRS).

    Rows whose nodes have no coordinates, or that name a node the model lacks, are rejected with
    the reason (line number and the node named).

    Returns
    -------
    (RawLayer, GeoDataFrame, units, units_stated)

    Raises
    ------
    InputFileError
        Missing, empty or undecodable file; a model without pipes or coordinates; unknown units.
    """
    path = Path(path)
    text, encoding = _read_text(path)
    sections = parse_inp(text)
    if not sections.get("PIPES"):
        raise InputFileError(f"{path}: no [PIPES] section with pipes: is this an EPANET .inp file?",
                             code="inp_no_pipes", params={"file": Path(path).name})
    if not sections.get("COORDINATES"):
        raise InputFileError(
            f"{path}: no [COORDINATES] section: the model has no node positions, so its pipes cannot be "
            "drawn. Export the model with coordinates (EPANET: File > Export > Network)",
            code="inp_no_coordinates", params={"file": Path(path).name})
    unit, stated = (units.upper(), True) if units else _units(sections)
    if unit not in US_UNITS + SI_UNITS:
        raise InputFileError(f"{path}: unknown flow units '{unit}' in [OPTIONS]; expected one of "
                             f"{', '.join(SI_UNITS + US_UNITS)} (state them with units=...)",
                             code="inp_units_unknown",
                             params={"file": Path(path).name, "value": unit, "allowed": list(SI_UNITS + US_UNITS)})
    us = unit in US_UNITS
    to_mm, to_m = (25.4, 0.3048) if us else (1.0, 1.0)

    xy: dict[str, tuple[float, float]] = {}
    for line in sections["COORDINATES"]:
        if len(line.values) >= 3:
            x, y = _float(line.values[1]), _float(line.values[2])
            if np.isfinite(x) and np.isfinite(y):
                xy[line.values[0]] = (x, y)
    vertices: dict[str, list[tuple[float, float]]] = {}
    for line in sections.get("VERTICES", []):
        if len(line.values) >= 3:
            vertices.setdefault(line.values[0], []).append((_float(line.values[1]), _float(line.values[2])))
    tags = {line.values[1]: " ".join(line.values[2:]) for line in sections.get("TAGS", [])
            if len(line.values) >= 3 and line.values[0].upper() == "LINK"}
    nodes = {line.values[0] for s in ("JUNCTIONS", "RESERVOIRS", "TANKS") for line in sections.get(s, [])
             if line.values}

    rows: list[dict[str, Any]] = []
    notes: list[ReadNote] = [ReadNote(None, f"EPANET model read as {encoding}; flow units {unit}"
                                            + ("" if stated else " (not stated: EPANET's default)")
                                            + (": diameters in inches, lengths in feet, converted" if us else ""))]
    links = ([("pipe", line) for line in sections["PIPES"]]
             + [("pump", line) for line in sections.get("PUMPS", [])]
             + [("valve", line) for line in sections.get("VALVES", [])])
    for link_type, line in links:
        v = line.values
        position = len(rows)
        if len(v) < 3:
            notes.append(ReadNote(position, f"line {line.number}: a {link_type} needs an id and two nodes, "
                                            f"got '{' '.join(v)}'", reject=True))
            rows.append({"pipeline_id": v[0] if v else None, "link_type": link_type, "geometry": None})
            continue
        link_id, n1, n2 = v[0], v[1], v[2]
        attrs = _attributes(line.comment)
        tag = tags.get(link_id)
        for key, value in _attributes(tag).items():
            attrs.setdefault(key, value)
        geometry = None
        unknown = [n for n in (n1, n2) if nodes and n not in nodes]
        unplaced = [n for n in (n1, n2) if n not in xy]
        if unknown:
            notes.append(ReadNote(position, f"line {line.number}: {link_type} {link_id} names node(s) "
                                            f"{', '.join(unknown)} that the model does not define", reject=True))
        elif unplaced:
            notes.append(ReadNote(position, f"line {line.number}: {link_type} {link_id}: node(s) "
                                            f"{', '.join(unplaced)} have no [COORDINATES]; add them to draw "
                                            "the pipe", reject=True))
        else:
            geometry = shapely.linestrings([xy[n1], *vertices.get(link_id, []), xy[n2]])
        if link_type == "pipe":
            diameter, length = _float(v[4] if len(v) > 4 else None), _float(v[3] if len(v) > 3 else None)
            roughness = _float(v[5] if len(v) > 5 else None)
            status = v[7] if len(v) > 7 else "Open"
        elif link_type == "valve":
            diameter, length, roughness, status = _float(v[3] if len(v) > 3 else None), np.nan, np.nan, (
                v[4] if len(v) > 4 else None)
        else:
            diameter, length, roughness, status = np.nan, np.nan, np.nan, None
        rows.append({
            "pipeline_id": link_id,
            "material": attrs.get("material"),
            "diameter_mm": round(diameter * to_mm, 1) if np.isfinite(diameter) and diameter > 0 else None,
            "install_year": attrs.get("install_year"),
            "operator": attrs.get("operator"),
            "placement": attrs.get("placement", "underground"),
            "link_type": link_type,
            "node1": n1, "node2": n2,
            "length_model_m": round(length * to_m, 2) if np.isfinite(length) else None,
            "roughness": roughness if np.isfinite(roughness) else None,
            "status": status,
            "comment": line.comment,
            "tag": tag,
            "geometry": geometry,
        })
    n_pumps = sum(1 for t, _ in links if t == "pump")
    n_valves = sum(1 for t, _ in links if t == "valve")
    if n_pumps or n_valves:
        notes.append(ReadNote(None, f"{n_pumps} pump(s) and {n_valves} valve(s) kept as short links "
                                    "(link_type) so the network stays connected"))
    columns = ["pipeline_id", "material", "diameter_mm", "install_year", "operator", "placement", "link_type",
               "node1", "node2", "length_model_m", "roughness", "status", "comment", "tag"]
    frame = pd.DataFrame([{c: r.get(c) for c in columns} for r in rows], columns=columns, dtype=object)
    raw = RawLayer(frame=gpd.GeoDataFrame(frame, geometry=[r["geometry"] for r in rows]),
                   source=str(path), layer="PIPES", crs=None, encoding=encoding, notes=notes,
                   row_base=1, row_word="link")

    src_rows = []
    for section, kind in (("RESERVOIRS", "reservoir"), ("TANKS", "tank")):
        for line in sections.get(section, []):
            if line.values and line.values[0] in xy:
                src_rows.append({"node_id": line.values[0], "source_type": kind,
                                 "geometry": shapely.Point(xy[line.values[0]])})
    sources = gpd.GeoDataFrame(
        pd.DataFrame({"node_id": pd.Series([r["node_id"] for r in src_rows], dtype=object),
                      "source_type": pd.Series([r["source_type"] for r in src_rows], dtype=object),
                      "kind": pd.Series(["water_supply"] * len(src_rows), dtype=object)}),
        geometry=[r["geometry"] for r in src_rows])
    return raw, sources, unit, stated


def load_epanet(
    path: str | os.PathLike,
    *,
    crs: object | None = None,
    datum: str | None = None,
    target_crs: object | None = None,
    units: str | None = None,
    operator: str | None = None,
    mapping: Mapping[str, str] | None = None,
) -> EpanetModel:
    """Load an EPANET .inp file as a canonical pipelines layer plus its sources.

    Parameters
    ----------
    path
        The .inp file (UTF-8 or GBK).
    crs
        The CRS of the model's coordinates (required: .inp files state none), e.g. ``EPSG:4543``.
    datum
        ``gcj02`` / ``bd09`` when the coordinates are lon/lat copied from a web map.
    target_crs
        The analysis CRS (that of the communities); by default the local metric CRS.
    units
        Override the model's flow units (which decide inches or millimetres).
    operator
        The water utility, for every pipe whose comment names none.
    mapping
        canonical column -> column of the raw table (``{"material": "tag"}`` when a model keeps
        materials as tags).

    Returns
    -------
    EpanetModel

    Raises
    ------
    InputFileError, CRSError, ValidationError
        With the file, the line and the fix.
    """
    raw, sources, unit, stated = read_epanet(path, units=units)
    if operator is not None:
        frame = raw.frame.copy()
        frame["operator"] = frame["operator"].where(frame["operator"].notna(), operator)
        raw = RawLayer(frame=frame, source=raw.source, layer=raw.layer, crs=raw.crs, encoding=raw.encoding,
                       notes=raw.notes, row_base=raw.row_base, row_word=raw.row_word)
    user_mapping = dict(mapping or {})
    loaded = load_raw(raw, "pipelines", mapping=user_mapping, defaults={"kind": "water_supply"}, crs=crs,
                      datum=datum, target_crs=target_crs)
    if not stated:
        loaded.report.issues.append(RowIssue(
            None, "warning", "units",
            f"the model states no flow units ([OPTIONS] Units): EPANET's default {DEFAULT_UNITS} assumed, so "
            "diameters were read as inches and lengths as feet; if the model is metric, add 'Units LPS' "
            "to [OPTIONS] or pass units='LPS'"))
    out_crs = loaded.gdf.crs
    if len(sources):
        stated_crs = CRS.from_user_input(crs) if crs is not None else CRS.from_epsg(4326)
        geoms = np.asarray(sources.geometry.array, dtype=object)
        if datum and datum.lower() in ("gcj02", "bd09"):
            geoms = np.asarray(to_wgs84(geoms, datum.lower()), dtype=object)
            stated_crs = CRS.from_epsg(4326)
        sources = gpd.GeoDataFrame(sources.drop(columns="geometry"), geometry=list(geoms),
                                   crs=stated_crs).to_crs(out_crs)
    else:
        sources = gpd.GeoDataFrame(sources, geometry=sources.geometry, crs=out_crs)
    if loaded.report.rows_kept == 0:  # pragma: no cover - load_raw raises first
        raise ValidationError(f"{path}: no pipe could be loaded", code="inp_no_pipe_loaded",
                              params={"file": Path(path).name})
    return EpanetModel(pipelines=loaded, sources=sources, units=unit, units_stated=stated)
