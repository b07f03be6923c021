"""Read the files planners actually have into raw GeoDataFrames, with one clear error per bad file.

Formats: GeoJSON, GeoPackage (any layer, by name), Shapefile (plain or zipped, including GBK /
GB18030 text with or without a ``.cpg``), FileGDB (a ``.gdb`` folder, or zipped: ``.gdb.zip``),
GeoParquet (``.parquet``/``.geoparquet``), KML/KMZ (with the attributes of their ``ExtendedData``),
GPX (waypoints, routes, tracks), CSV and XLSX with a WKT column or lon/lat (x/y) columns (UTF-8,
UTF-16 or GB18030, by their byte-order mark or by trying), and anything else GDAL reads through
pyogrio. Zips made by Windows tools (member names in GBK, without the UTF-8 flag) show their real
names. Nothing here maps columns or validates values: the
result is the file as it is, plus what was noticed while reading (encoding chosen, z dropped,
rows whose geometry text could not be read). :mod:`geo.io.load` does the rest.

Example
-------
>>> from geo.io.load import DEMO_PATH
>>> from geo.io.readers import read_layer
>>> raw = read_layer(DEMO_PATH, layer="communities")
>>> raw.frame.crs.to_epsg(), len(raw.frame)
(4538, 1100)
"""

from __future__ import annotations

import io
import json
import os
import struct
import warnings
import zipfile
import zlib
from xml.parsers import expat
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyproj import CRS

from geo.errors import InputFileError, LayerNotFoundError
from geo.io.limits import check_features, check_vertices
from geo.io.schema import normalize_header
from geo.io.validate import nonfinite_message, nonfinite_vertices

VECTOR_SUFFIXES = (".geojson", ".json", ".gpkg", ".shp", ".zip", ".fgb", ".kml", ".kmz", ".gpx", ".gml", ".gdb",
                   ".parquet", ".geoparquet")
TABLE_SUFFIXES = (".csv", ".txt", ".tsv", ".xlsx", ".xlsm", ".xls")
PARQUET_SUFFIXES = (".parquet", ".geoparquet")
SUPPORTED = (
    "GeoJSON (.geojson/.json), GeoPackage (.gpkg), Shapefile (.shp or zipped .zip), FileGDB (.gdb or "
    "zipped .gdb.zip), GeoParquet (.parquet), KML/KMZ, GPX, CSV/XLSX with a WKT column or lon/lat columns"
)
WKT_ALIASES = ("wkt", "geometry", "geom", "the_geom", "shape", "几何", "空间信息", "坐标串")
LON_ALIASES = ("lon", "lng", "long", "longitude", "x", "经度", "东经", "x坐标", "横坐标")
LAT_ALIASES = ("lat", "latitude", "y", "纬度", "北纬", "y坐标", "纵坐标")


@dataclass
class ReadNote:
    """Something noticed while reading one row (``position`` 0-based) or the whole file (None).

    ``code`` is the report's reason (``read``: the geometry text cannot be read;
    ``bad_coordinates``: a coordinate is NaN or infinite), ``column`` the file's column it is in.
    """

    position: int | None
    message: str
    reject: bool = False
    code: str = "read"
    column: str | None = None


@dataclass
class RawLayer:
    """A file layer as read: attributes untouched, geometry possibly missing per row.

    Attributes
    ----------
    frame
        The rows, with a ``geometry`` column (GeoSeries, may hold None).
    source
        The path given.
    layer
        The layer (or sheet) name inside the file.
    crs
        The CRS the file states, or None.
    encoding
        The text encoding used, when the format has one.
    notes
        What was noticed while reading.
    row_base
        Add to a 0-based position to get the number a person finds the row by: 1 for features
        (feature 1 is the first), 2 for CSV/XLSX (line 1 is the header).
    row_word
        "feature" or "row", for messages.
    """

    frame: gpd.GeoDataFrame
    source: str
    layer: str
    crs: CRS | None
    encoding: str | None = None
    notes: list[ReadNote] = field(default_factory=list)
    row_base: int = 1
    row_word: str = "feature"

    @property
    def where(self) -> str:
        """'file.gpkg, layer x' for messages."""
        name = Path(self.source).name
        return f"{name}, layer '{self.layer}'" if self.layer and self.layer != Path(name).stem else name

    @property
    def place(self) -> dict[str, str]:
        """The params of :attr:`where` for an error's words: ``file`` (the name) and ``layer``
        (``""`` when the file has one layer named like itself)."""
        name = Path(self.source).name
        return {"file": name, "layer": self.layer if self.layer and self.layer != Path(name).stem else ""}


@dataclass(frozen=True)
class LayerListing:
    """One layer of a file: name, geometry type and feature count (None when unknown)."""

    name: str
    geometry_type: str | None
    features: int | None


# --- helpers -------------------------------------------------------------------------------


def check_path(path: str | os.PathLike) -> Path:
    """``path`` as a :class:`~pathlib.Path` when it names a file that can be read (a ``.gdb`` folder counts).

    Raises
    ------
    InputFileError
        ``file_missing``, ``file_is_folder`` or ``file_empty`` (0 bytes), naming the file only.

    Example
    -------
    >>> check_path("no/such/file.csv")
    Traceback (most recent call last):
    ...
    geo.errors.InputFileError: no/such/file.csv: no such file. Check the path
    """
    p = Path(path)
    if not p.exists():
        raise InputFileError(f"{p}: no such file. Check the path", code="file_missing",
                             params={"file": p.name})
    if p.is_dir() and p.suffix.lower() != ".gdb":
        raise InputFileError(f"{p} is a folder; give a file ({SUPPORTED})", code="file_is_folder",
                             params={"file": p.name})
    if p.is_file() and p.stat().st_size == 0:
        raise InputFileError(f"{p.name} is empty (0 bytes): export the layer again", code="file_empty",
                             params={"file": p.name})
    return p


def _detail(exc: BaseException, path: Path, *, opened: str = "") -> str:
    """The first line of a library's error about ``path`` (``opened``: what the library was
    given), with the server's folders cut from the paths it names."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    for full in sorted({opened, str(path.resolve()), str(path)} - {"", path.name}, key=len, reverse=True):
        text = text.replace(full, path.name)
    return text


def _gdal_error(path: Path, exc: Exception, *, opened: str = "") -> InputFileError:
    """The error for a file GDAL cannot read, worded by its format (``path``: the file or zip member;
    ``opened``: what GDAL was given). GDAL's words are kept, the server's folders cut from them."""
    text = _detail(exc, path, opened=opened)
    head, tail = f"{path.name} cannot be read:", f". (GDAL said: {text})"
    params = {"file": path.name, "detail": text}
    suffix = path.suffix.lower()
    if suffix == ".geojson":
        return InputFileError(f"{head} the GeoJSON is malformed or truncated; export it again{tail}",
                              code="geojson_unreadable", params=params)
    if suffix == ".json":
        return InputFileError(f"{head} the JSON is malformed or truncated, or not GeoJSON; export it "
                              f"again{tail}", code="json_unreadable", params=params)
    if suffix == ".gpkg":
        return InputFileError(f"{head} the GeoPackage is damaged or not a GeoPackage; export it again{tail}",
                              code="gpkg_unreadable", params=params)
    if suffix == ".shp":
        return InputFileError(f"{head} the Shapefile is incomplete or damaged (.shp, .shx and .dbf belong "
                              f"together){tail}", code="shapefile_unreadable", params=params)
    if suffix in (".kml", ".kmz"):
        return InputFileError(f"{head} the KML is malformed, truncated or damaged; export it again{tail}",
                              code="kml_unreadable", params=params)
    if suffix == ".gpx":
        return InputFileError(f"{head} the GPX is malformed or truncated; export it again{tail}",
                              code="gpx_unreadable", params=params)
    if suffix == ".gdb":
        return InputFileError(f"{head} the FileGDB is incomplete or damaged (zip the whole .gdb folder); "
                              f"export it again{tail}", code="filegdb_unreadable", params=params)
    return InputFileError(f"{head} is it one of: {SUPPORTED}?{tail}", code="format_unreadable", params=params)


def _encoding_error(display: Path, encoding: str | None) -> InputFileError:
    """The error for text GDAL cannot decode in ``encoding`` (None: the one the file declares)."""
    message = (f"{display.name}: the text is not in {encoding or 'the encoding the file declares'} "
               "(in a shapefile, a Chinese column name cut at the 10-byte limit does this too). "
               "State the right encoding with --encoding (e.g. gbk, utf-8), or rename the column")
    if encoding:
        return InputFileError(message, code="encoding_wrong",
                              params={"file": display.name, "encoding": encoding})
    return InputFileError(message, code="encoding_declared_wrong", params={"file": display.name})


def _shapefile_encoding(dbf: bytes, cpg: str | None, *, source: str) -> tuple[str | None, str | None]:
    """Choose the text encoding of a DBF: (encoding, note). None means plain ASCII."""
    if len(dbf) < 32:
        raise InputFileError(f"{source}: the .dbf is truncated ({len(dbf)} bytes)", code="dbf_truncated",
                             params={"file": source, "bytes": len(dbf)})
    header_len = struct.unpack("<H", dbf[8:10])[0]
    body = dbf[header_len:]
    if not any(b >= 0x80 for b in body):
        return None, None
    non_ascii = sum(1 for b in body if b >= 0x80)

    def clean(codec: str) -> bool:
        try:
            text = body.decode(codec, errors="replace")
        except LookupError:
            return False
        # A writer may cut a multi-byte character at a field's width: tolerate a few.
        return text.count("\ufffd") <= max(2, non_ascii // 100)

    if cpg:
        codec = cpg.strip().lower()
        codec = {"65001": "utf-8", "936": "gbk", "utf8": "utf-8", "ansi 936": "gbk"}.get(codec, codec)
        if clean(codec):
            return codec, f"text encoding {codec} (from the .cpg file)"
        note = f"the .cpg says {cpg.strip()!r} but the text is not in that encoding; "
    else:
        note = "no .cpg file; "
    if clean("utf-8"):
        return "utf-8", note + "text read as UTF-8"
    if clean("gb18030"):
        text = body.decode("gb18030", errors="replace")
        wide = [c for c in text if ord(c) >= 0x80]
        cjk = sum(1 for c in wide if "\u3000" <= c <= "\u9fff" or "\uff00" <= c <= "\uffef")
        if wide and cjk / len(wide) > 0.8:
            return "gb18030", note + "text read as GBK/GB18030 (Chinese)"
    raise InputFileError(
        f"{source}: the text in the .dbf is in an unknown encoding (not UTF-8, not GBK). "
        "State it with --encoding (e.g. gbk, big5, utf-8, latin1), or add a .cpg file "
        "naming it",
        code="dbf_encoding_unknown", params={"file": source},
    )


#: Bounds of what a zip may expand to (an archive bomb is refused before anything reads it through).
MAX_ZIP_MEMBERS = 10_000
MAX_ZIP_BYTES = 4 * 1024**3
#: A member larger than ``ZIP_RATIO_FROM`` bytes may expand at most this many times its packed size
#: (map data packs 3-20 times; a bomb packs 1,000 times and more).
MAX_ZIP_RATIO = 200
ZIP_RATIO_FROM = 16 * 1024**2


def _zip_bomb(path: Path, infos: list[zipfile.ZipInfo]) -> None:
    """Refuse a zip that would expand beyond the bounds above (by what its directory declares)."""
    files = [i for i in infos if not i.is_dir()]
    total = sum(i.file_size for i in files)
    worst = max(files, key=lambda i: i.file_size / max(i.compress_size, 1), default=None)
    too_packed = worst is not None and worst.file_size > ZIP_RATIO_FROM and \
        worst.file_size / max(worst.compress_size, 1) > MAX_ZIP_RATIO
    if len(files) > MAX_ZIP_MEMBERS or total > MAX_ZIP_BYTES or too_packed:
        raise InputFileError(
            f"{path.name} would expand to {total / 1024**2:,.0f} MB in {len(files):,} files, beyond what is read "
            f"here (at most {MAX_ZIP_BYTES // 1024**2:,} MB, {MAX_ZIP_MEMBERS:,} files, each packed at most "
            f"{MAX_ZIP_RATIO} times); zip only the layer's files",
            code="zip_too_large",
            params={"file": path.name, "mb": round(total / 1024**2), "files": len(files),
                    "limit_mb": MAX_ZIP_BYTES // 1024**2, "limit_files": MAX_ZIP_MEMBERS, "ratio": MAX_ZIP_RATIO},
        )


def zip_member_name(info: zipfile.ZipInfo) -> str:
    """The name a member of a zip was given, as a person reads it.

    A zip records a member's name in UTF-8 when its flag bit 11 says so, and otherwise in "the
    system's code page": Windows tools in China write GBK (CP936) there, which :mod:`zipfile`
    decodes as CP437 (``老旧小区.shp`` becomes ``└╧╛╔╨í╟°.shp``). Such a name is decoded again from its
    bytes: as UTF-8 when it is valid UTF-8 (Linux and macOS tools that leave the flag unset), else as
    GBK when that reads back to the same bytes. GDAL's ``/vsizip/`` names the member as
    :mod:`zipfile` does (CP437, unless ``CPL_ZIP_ENCODING`` says otherwise): open it by
    ``info.filename``, show it by this name.

    Example
    -------
    >>> info = zipfile.ZipInfo("老旧小区.shp".encode("gbk").decode("cp437"))
    >>> info.filename, zip_member_name(info)
    ('└╧╛╔╨í╟°.shp', '老旧小区.shp')
    >>> zip_member_name(zipfile.ZipInfo("xq.shp"))
    'xq.shp'
    """
    name = info.filename
    if info.flag_bits & 0x800 or name.isascii():
        return name
    try:
        raw = name.encode("cp437")
    except UnicodeEncodeError:  # not a CP437 decoding: zipfile read it as UTF-8 already
        return name
    for codec in ("utf-8", "gbk"):
        try:
            decoded = raw.decode(codec)
        except UnicodeDecodeError:
            continue
        if decoded.encode(codec) == raw:
            return decoded
    return name


def _zip_members(path: Path) -> dict[str, str]:
    """The files in a zip (folders and macOS resource forks left out), each one read through once
    so that a damaged, encrypted or oddly compressed member is found here, named, and not in GDAL;
    a zip that would expand beyond the bounds (:data:`MAX_ZIP_BYTES` …) is refused first.

    Returns each member's name as GDAL and :mod:`zipfile` open it, mapped to the name shown
    (:func:`zip_member_name`).
    """
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            _zip_bomb(path, infos)
            for info in infos:
                if not info.is_dir():
                    _check_zip_member(path, zf, info)
            return {i.filename: zip_member_name(i) for i in infos
                    if not i.filename.endswith("/") and "__MACOSX" not in i.filename}
    except InputFileError:
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, NotImplementedError):
        # damaged central directory, or a header that promises what the archive does not hold
        raise InputFileError(f"{path.name} is not a valid zip file (damaged or truncated)",
                             code="zip_invalid", params={"file": path.name}) from None


def _check_zip_member(path: Path, zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    """Read one member of a zip through (its CRC checked on the way)."""
    member = zip_member_name(info)
    if info.flag_bits & 0x1:
        raise InputFileError(
            f"{path.name}: {member} is encrypted; zip the files again without a password",
            code="zip_unsupported", params={"file": path.name, "member": member},
        )
    try:
        with zf.open(info) as stream:  # reads at most the declared size (zipfile checks it, and the CRC)
            while stream.read(1 << 20):
                pass
    except (NotImplementedError, RuntimeError):  # Deflate64, a newer zip version, strong encryption
        raise InputFileError(
            f"{path.name}: {member} is compressed in a way that cannot be read here (encrypted, or "
            "Deflate64 or another rare method); zip the files again with the ordinary method (Deflate) "
            "and no password",
            code="zip_unsupported", params={"file": path.name, "member": member},
        ) from None
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError):
        raise InputFileError(f"{path.name}: the zip is damaged at {member}; zip the files again",
                             code="zip_damaged", params={"file": path.name, "member": member}) from None


def _shapefile_parts(path: Path, member: str | None) -> tuple[bytes, str | None, list[str]]:
    """(dbf bytes, cpg text or None, missing companion extensions) of a shapefile."""
    stem = member[:-4] if member else str(path)[:-4]
    missing = []
    if member:
        with zipfile.ZipFile(path) as zf:
            names = {n.lower(): n for n in zf.namelist()}

            def get(ext: str) -> bytes | None:
                name = names.get((stem + ext).lower())
                return zf.read(name) if name else None

            dbf, cpg, shx = get(".dbf"), get(".cpg"), get(".shx")
    else:
        def get_file(ext: str) -> bytes | None:
            for candidate in (Path(stem + ext), Path(stem + ext.upper())):
                if candidate.exists():
                    return candidate.read_bytes()
            return None

        dbf, cpg, shx = get_file(".dbf"), get_file(".cpg"), get_file(".shx")
    if dbf is None:
        missing.append(".dbf")
    if shx is None:
        missing.append(".shx")
    cpg_text = cpg.decode("ascii", errors="replace") if cpg else None
    return dbf or b"", cpg_text, missing


def _vsi(path: Path, member: str | None) -> str:
    """What GDAL opens: ``path``, or its zip member (``""``: the zip's top folder, a FileGDB zipped flat)."""
    return f"/vsizip/{path.resolve()}/{member}" if member is not None else str(path)


# --- listing -------------------------------------------------------------------------------


def _list_dataset(vsi: str, *, display: Path) -> list[tuple[str, str | None]]:
    """(layer name, geometry type) of every layer GDAL sees in ``vsi``."""
    try:
        return [(str(name), gtype) for name, gtype in pyogrio.list_layers(vsi)]
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
        raise _gdal_error(display, exc, opened=vsi) from None
    except UnicodeError:  # a layer name that is not UTF-8 (a damaged GeoPackage)
        raise _encoding_error(display, None) from None
    except Exception as exc:  # noqa: BLE001 - pyogrio itself fails on some damaged files (e.g. UnboundLocalError on a garbled .prj)
        raise _gdal_error(display, exc, opened=vsi) from None


def _layer_info(vsi: str, layer: str | None, *, display: Path) -> dict:
    """pyogrio's :func:`~pyogrio.read_info` of one layer, for listing it.

    A listing needs the layer's geometry type and feature count, not its field names. A field
    name the declared encoding cannot decode (a UTF-8 Chinese name a shapefile writer cut
    mid-character at the DBF's 10-byte limit) is therefore read again as latin1, which decodes
    any byte: the layer is listed, and :func:`read_layer` says what is wrong with its text.
    A format that does not record its feature count (GPX, KML) is counted.
    """
    try:
        try:
            info = pyogrio.read_info(vsi, layer=layer)
            encoding = None
        except UnicodeDecodeError:
            info = pyogrio.read_info(vsi, layer=layer, encoding="latin1")
            encoding = "latin1"
        if info.get("features") is not None and int(info["features"]) < 0:
            info = pyogrio.read_info(vsi, layer=layer, encoding=encoding, force_feature_count=True)
        return info
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
        raise _gdal_error(display, exc, opened=vsi) from None
    except (UnicodeError, LookupError):
        raise _encoding_error(display, None) from None
    except Exception as exc:  # noqa: BLE001 - pyogrio itself fails on some damaged files (e.g. UnboundLocalError on a garbled .prj)
        raise _gdal_error(display, exc, opened=vsi) from None


#: What a zip may hold as a layer besides FileGDB folders (``X.gdb/``).
ZIP_DATA_SUFFIXES = (".shp", ".gpkg", ".geojson", ".json", ".kml", ".gpx")


def _zip_datasets(path: Path) -> list[tuple[str, str]]:
    """(member as GDAL opens it, member as shown) of every dataset in a zip: files of a format
    GDAL reads, and FileGDB folders (a ``X.gdb/`` folder, or ``.gdbtable`` files at the top: ``""``)."""
    members = _zip_members(path)
    gdbs: dict[str, str] = {}
    for name, shown in members.items():
        folder, _, base = name.rpartition("/")
        if base.lower().endswith(".gdbtable") and (folder == "" or folder.lower().endswith(".gdb")):
            gdbs.setdefault(folder, shown.rpartition("/")[0])

    def in_gdb(name: str) -> bool:
        return any((name.startswith(folder + "/") if folder else "/" not in name) for folder in gdbs)

    data = list(gdbs.items()) + [(m, shown) for m, shown in members.items()
                                 if m.lower().endswith(ZIP_DATA_SUFFIXES) and not in_gdb(m)]
    if not data:
        listed = list(members.values())
        shown = ", ".join(listed[:8]) or "nothing"
        raise InputFileError(
            f"{path.name}: the zip holds no .shp (nor .gpkg/.geojson); it has {shown}. "
            "Zip the .shp together with its .shx, .dbf, .prj (and .cpg)",
            code="zip_no_layer", params={"file": path.name, "members": listed[:8]},
        )
    return data


def _member_display(path: Path, shown: str) -> Path:
    """The name errors give a zip member: its own (shown) name, or the zip's for its top folder."""
    return Path(shown) if shown else path


def _nonempty_gpx(vsi: str, layers: list[tuple[str, str | None]], *, display: Path) -> list[tuple[str, str | None]]:
    """The layers of a GPX file that hold features (GDAL lists all five: waypoints, routes, tracks,
    route_points, track_points); all of them when none does."""
    kept = [(name, gtype) for name, gtype in layers if _layer_info(vsi, name, display=display).get("features")]
    return kept or layers


def _zip_layers(path: Path) -> list[tuple[str, str, str, str | None]]:
    """(member, member shown, layer name shown to the user, layer inside the member) for every zipped layer."""
    out = []
    for member, shown in _zip_datasets(path):
        if member.lower().endswith(".shp"):
            out.append((member, shown, Path(shown).stem, None))
            continue
        display = _member_display(path, shown)
        if member.lower().endswith(".kml"):
            kml_extended_data(_kml_bytes(path, member, KML_PROLOG_BYTES), file=display.name, prolog_only=True)
        inner = _list_dataset(_vsi(path, member), display=display)
        if member.lower().endswith(".gpx"):
            inner = _nonempty_gpx(_vsi(path, member), inner, display=display)
        out.extend((member, shown, name, name) for name, _ in inner)
    return out


def _pick_zip_member(path: Path, layer: str | None, kind: str | None) -> tuple[str, str, str | None]:
    """(member, member shown, inner layer) of the zipped layer asked for."""
    layers = _zip_layers(path)
    names = [name for _, _, name, _ in layers]
    if layer is not None:
        chosen = [item for item in layers if item[2] == layer]
        if not chosen:
            raise LayerNotFoundError(
                f"{path.name} has no layer '{layer}'; its layers are: {', '.join(names)}",
                code="layer_not_found", params={"file": path.name, "layer": layer, "layers": names},
            )
    elif len(layers) == 1:
        chosen = layers
    else:
        chosen = [item for item in layers if item[2] == pick_layer(path, None, kind)]
    member, shown, _, inner = chosen[0]
    return member, shown, inner


def _kmz_member(path: Path) -> str:
    """The KML inside a KMZ (a zip): ``doc.kml`` at its top, else its first ``.kml``; the zip is
    checked as any zip is (:func:`_zip_members`) before GDAL opens it."""
    kmls = [m for m in _zip_members(path) if m.lower().endswith(".kml")]
    if not kmls:
        raise InputFileError(f"{path.name} holds no .kml file: a KMZ is a zip of a doc.kml; export it again",
                             code="kmz_no_kml", params={"file": path.name})
    return next((m for m in kmls if m.lower() == "doc.kml"), min(kmls, key=lambda m: (m.count("/"), m)))


def _opened(p: Path) -> tuple[str, str | None]:
    """(what GDAL opens, zip member or None) for a file that is not a ``.zip``."""
    if p.suffix.lower() == ".kmz":
        member = _kmz_member(p)
        return _vsi(p, member), member
    return str(p), None


def _parquet_via_gdal() -> bool:
    """Whether GeoParquet is read by GDAL (its Parquet driver) rather than by pyarrow.

    Without the Parquet driver, GDAL hands a ``.parquet`` file to its ADBC driver, which needs
    DuckDB (``libduckdb.so``) and fails when it is absent: that is read by pyarrow instead.
    """
    return "Parquet" in pyogrio.list_drivers()


def _parquet_file(p: Path):
    """pyarrow's ParquetFile of ``p``, or the coded error for a file that is not Parquet."""
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise InputFileError(
            f"{p.name}: GeoParquet cannot be read on this server (the pyarrow package is missing); "
            "ask the administrator to install it, or export the layer as GeoPackage",
            code="parquet_unsupported", params={"file": p.name}) from None
    try:
        return pq.ParquetFile(p)
    except Exception as exc:  # noqa: BLE001 - pyarrow raises ArrowInvalid, OSError... for a damaged file
        raise InputFileError(f"{p.name} cannot be read: the Parquet file is damaged or not Parquet; export it "
                             f"again ({_detail(exc, p)})", code="parquet_unreadable",
                             params={"file": p.name, "detail": _detail(exc, p)}) from None


def _geo_metadata(parquet) -> dict | None:
    """The GeoParquet ``geo`` metadata of a ParquetFile (None: a plain Parquet table)."""
    meta = parquet.schema_arrow.metadata or {}
    if b"geo" not in meta:
        return None
    try:
        geo = json.loads(meta[b"geo"])
    except (ValueError, UnicodeDecodeError):
        return None
    return geo if isinstance(geo, dict) else None


def _list_parquet(p: Path) -> list[LayerListing]:
    if _parquet_via_gdal():
        return [LayerListing(name, gtype, int(_layer_info(str(p), name, display=p)["features"]))
                for name, gtype in _list_dataset(str(p), display=p)]
    parquet = _parquet_file(p)
    geo = _geo_metadata(parquet) or {}
    column = (geo.get("columns") or {}).get(geo.get("primary_column")) or {}
    types = column.get("geometry_types") if isinstance(column, dict) else None
    gtype = types[0] if isinstance(types, list) and len(types) == 1 else None
    return [LayerListing(p.stem, gtype, int(parquet.metadata.num_rows))]


def list_layers(path: str | os.PathLike) -> list[LayerListing]:
    """The layers of a file (one for single-layer formats; sheets of a workbook).

    Only what a listing needs is read: layer names, geometry types and feature counts. Text
    the file's declared encoding cannot decode does not stop it (the upload form asks for the
    encoding only once the layers are listed); :func:`read_layer` reports it. A GPX file lists
    the layers that hold features; a zip lists the layers of every dataset in it (shapefiles,
    GeoPackages, GeoJSON, KML, GPX, FileGDB folders), by their real names.

    Raises
    ------
    InputFileError
        Missing, empty, damaged, encrypted or unsupported file; never a bare decoding error.
    """
    p = check_path(path)
    suffix = p.suffix.lower()
    if suffix in (".csv", ".txt", ".tsv"):
        return [LayerListing(p.stem, None, None)]
    if suffix in (".xlsx", ".xlsm", ".xls"):
        try:
            sheets = pd.ExcelFile(p).sheet_names
        except Exception as exc:  # openpyxl raises many types for a damaged workbook
            raise InputFileError(f"{p.name} is not a readable Excel workbook ({exc})", code="xlsx_unreadable",
                                 params={"file": p.name, "detail": _detail(exc, p)}) from None
        return [LayerListing(s, None, None) for s in sheets]
    if suffix in PARQUET_SUFFIXES:
        return _list_parquet(p)
    if suffix == ".zip":
        out = []
        for member, shown, name, inner in _zip_layers(p):
            info = _layer_info(_vsi(p, member), inner, display=_member_display(p, shown))
            out.append(LayerListing(name, info.get("geometry_type"), int(info["features"])))
        return out
    vsi, member = _opened(p)
    if suffix in (".kml", ".kmz"):
        kml_extended_data(_kml_bytes(p, member, KML_PROLOG_BYTES), file=p.name, prolog_only=True)  # before GDAL
    layers = _list_dataset(vsi, display=p)
    if suffix == ".gpx":
        layers = _nonempty_gpx(vsi, layers, display=p)
    return [LayerListing(name, gtype, int(_layer_info(vsi, name, display=p)["features"])) for name, gtype in layers]


def pick_layer(path: str | os.PathLike, layer: str | None, kind: str | None) -> str:
    """Choose the layer to read: the one named, the only one, or the one named like ``kind``.

    Raises
    ------
    LayerNotFoundError
        The named layer is absent, or several layers and no way to choose; lists the layers.
    """
    listing = list_layers(path)
    names = [item.name for item in listing]
    name = Path(path).name
    if layer is not None:
        if layer in names:
            return layer
        raise LayerNotFoundError(
            f"{name} has no layer '{layer}'; its layers are: {', '.join(names)}",
            code="layer_not_found", params={"file": name, "layer": layer, "layers": names},
        )
    if len(names) == 1:
        return names[0]
    if kind is not None:
        from geo.io.schema import layer_spec

        aliases = [normalize_header(a) for a in layer_spec(kind).layer_aliases]
        hits = [n for n in names if normalize_header(n) in aliases]
        if len(hits) == 1:
            return hits[0]
    raise LayerNotFoundError(
        f"{name} has {len(names)} layers: {', '.join(names)}. Choose one with --layer NAME",
        code="layer_choose", params={"file": name, "count": len(names), "layers": names},
    )


# --- reading -------------------------------------------------------------------------------


def count_vertices(geoms) -> int:
    """The vertices (coordinate pairs) of all ``geoms``, missing ones counting none.

    >>> count_vertices(np.array([shapely.Point(0, 0), None, shapely.box(0, 0, 1, 1)], dtype=object))
    6
    """
    geoms = np.asarray(geoms, dtype=object)
    present = ~pd.isna(geoms)
    return int(shapely.get_num_coordinates(geoms[present]).sum()) if present.any() else 0


def _feature_count(vsi: str, layer: str | None) -> int | None:
    """The features GDAL says a layer has, without reading them (None when it cannot say cheaply:
    reading reports the real trouble)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            count = pyogrio.read_info(vsi, layer=layer).get("features")
    except Exception:  # noqa: BLE001 - the read that follows names the problem with the file
        return None
    return int(count) if count is not None and int(count) >= 0 else None


def _read_vector(vsi: str, layer: str | None, *, encoding: str | None, display: Path) -> gpd.GeoDataFrame:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            warnings.simplefilter("ignore", UserWarning)
            frame = pyogrio.read_dataframe(vsi, layer=layer, encoding=encoding, on_invalid="ignore")
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError,
            pyogrio.errors.FieldError, pyogrio.errors.GeometryError) as exc:
        raise _gdal_error(display, exc, opened=vsi) from None
    except UnicodeDecodeError:
        raise _encoding_error(display, encoding) from None
    except Exception as exc:  # noqa: BLE001 - pyogrio itself fails on some damaged files (e.g. UnboundLocalError on a garbled .prj)
        raise _gdal_error(display, exc, opened=vsi) from None
    if not isinstance(frame, gpd.GeoDataFrame):
        frame = gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries([None] * len(frame), index=frame.index))
    return frame


# --- KML: the attributes of ExtendedData ------------------------------------------------------

#: The most of a KML (or of the KML in a KMZ) scanned for its ExtendedData; a larger one is read
#: by GDAL alone (with the attributes GDAL sees) and a note says so.
MAX_KML_BYTES = 256 * 1024**2
#: The most text one KML element contributes (a name, a value): longer text is cut.
MAX_KML_TEXT = 64 * 1024
#: Columns GDAL's LIBKML driver adds for KML's own styling: dropped (``id``, ``description``,
#: ``timestamp``, ``begin``, ``end`` are dropped too when no feature has one).
KML_STYLE_COLUMNS = ("altitudeMode", "tessellate", "extrude", "visibility", "drawOrder", "icon")
KML_OPTIONAL_COLUMNS = ("id", "description", "timestamp", "begin", "end", "snippet")


class _Prolog(Exception):
    """The first element of a KML is reached: its prolog held no DOCTYPE."""


def kml_extended_data(data: bytes, *, file: str,
                      prolog_only: bool = False) -> list[tuple[str | None, list[tuple[str | None, dict[str, str]]]]]:
    """The ExtendedData of every Placemark of a KML, by the Document or Folder holding it.

    GDAL reads a KML layer per Document or Folder (of the Placemarks directly in it). Its LIBKML
    driver reads ``SchemaData`` attributes but leaves ``<Data name=...>`` ones out when the file
    also has a ``<Schema>``; its KML driver reads neither. This scan finds both, so
    :func:`read_layer` adds what GDAL left out.

    The XML is parsed defensively (as ``defusedxml`` does): a file with a DOCTYPE (where entities
    are declared, for an "XML bomb" or to read files of the server) is refused before GDAL reads it;
    text is bounded (:data:`MAX_KML_TEXT` per element).

    Parameters
    ----------
    data
        The KML's bytes.
    file
        The file's name, for the error.
    prolog_only
        Only check the prolog (no DOCTYPE) and stop at the first element (a listing does this).

    Returns
    -------
    list of (container name, [(placemark name, {attribute: text})])
        In the order the containers end; placemark names are None when absent. Empty when the
        XML cannot be parsed here (GDAL's reading says what is wrong with it).

    Raises
    ------
    InputFileError
        ``xml_unsafe``: the file declares a DOCTYPE or entities.

    Example
    -------
    >>> kml = ('<kml xmlns="http://www.opengis.net/kml/2.2"><Document><name>小区</name><Placemark>'
    ...        '<name>甲</name><ExtendedData><Data name="户数"><value>320</value></Data>'
    ...        '<SchemaData><SimpleData name="建成年份">1987</SimpleData></SchemaData></ExtendedData>'
    ...        '</Placemark></Document></kml>')
    >>> kml_extended_data(kml.encode(), file="a.kml")
    [('小区', [('甲', {'户数': '320', '建成年份': '1987'})])]
    >>> kml_extended_data(b'<!DOCTYPE kml [<!ENTITY a "x">]><kml/>', file="a.kml")
    Traceback (most recent call last):
    ...
    geo.errors.InputFileError: a.kml declares a DOCTYPE or entities, which are not read here (a KML needs none): export it again
    """
    unsafe = InputFileError(f"{file} declares a DOCTYPE or entities, which are not read here (a KML needs none): "
                            "export it again", code="xml_unsafe", params={"file": file})
    done: list[tuple[str | None, list[tuple[str | None, dict[str, str]]]]] = []
    containers: list[list] = []  # [name, placemarks]
    path: list[str] = []
    state: dict = {"placemark": None, "data": None, "target": None, "text": []}

    def refuse(*_: object) -> None:
        raise unsafe

    def start(tag: str, attrs: dict[str, str]) -> None:
        if prolog_only:
            raise _Prolog
        local = tag.rpartition(" ")[2]
        parent = path[-1] if path else None
        path.append(local)
        placemark = state["placemark"]
        if local in ("Document", "Folder"):
            containers.append([None, []])
        elif local == "Placemark":
            state["placemark"] = [None, {}]
        elif local == "name" and parent in ("Document", "Folder") and placemark is None and containers:
            state["target"] = ("container", None)
        elif local == "name" and parent == "Placemark" and placemark is not None:
            state["target"] = ("placemark", None)
        elif local == "Data" and placemark is not None:
            state["data"] = attrs.get("name")
        elif local == "value" and parent == "Data" and placemark is not None and state["data"]:
            state["target"] = ("field", state["data"])
        elif local == "SimpleData" and placemark is not None and attrs.get("name"):
            state["target"] = ("field", attrs["name"])
        if state["target"] is not None and local in ("name", "value", "SimpleData"):
            state["text"] = []

    def text(chunk: str) -> None:
        if state["target"] is not None and sum(map(len, state["text"])) < MAX_KML_TEXT:
            state["text"].append(chunk)

    def end(tag: str) -> None:
        local = path.pop() if path else tag.rpartition(" ")[2]
        target, placemark = state["target"], state["placemark"]
        if target is not None and local in ("name", "value", "SimpleData"):
            value = "".join(state["text"])[:MAX_KML_TEXT].strip()
            kind, key = target
            if kind == "container":
                containers[-1][0] = value or None
            elif kind == "placemark":
                placemark[0] = value or None
            else:
                placemark[1][key] = value
            state["target"] = None
        elif local == "Data":
            state["data"] = None
        elif local == "Placemark" and placemark is not None:
            if containers:
                containers[-1][1].append((placemark[0], placemark[1]))
            state["placemark"] = None
        elif local in ("Document", "Folder") and containers:
            name, placemarks = containers.pop()
            done.append((name, placemarks))

    parser = expat.ParserCreate(namespace_separator=" ")
    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.ExternalEntityRefHandler = refuse
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text
    try:
        for at in range(0, len(data), 1 << 20):
            parser.Parse(data[at:at + (1 << 20)], False)
        parser.Parse(b"", True)
    except _Prolog:
        return []
    except expat.ExpatError:
        # an encoding expat does not know (GBK): no DOCTYPE may hide behind it either
        if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
            raise unsafe from None
        return []
    return done


#: What a listing reads of a KML to check its prolog (a DOCTYPE cut off by it is still found).
KML_PROLOG_BYTES = 1024**2


def _kml_bytes(p: Path, member: str | None, limit: int = MAX_KML_BYTES + 1) -> bytes:
    """The first ``limit`` bytes of a KML file or zip member (a byte past :data:`MAX_KML_BYTES`
    says the KML is larger)."""
    if member is None:
        with open(p, "rb") as stream:
            return stream.read(limit)
    with zipfile.ZipFile(p) as zf, zf.open(member) as stream:
        return stream.read(limit)


def _blank(values: pd.Series) -> pd.Series:
    """Which cells hold nothing (None, NaN, NaT or blank text)."""
    return values.isna() | values.map(lambda v: isinstance(v, str) and not v.strip())


def _kml_columns(frame: gpd.GeoDataFrame, scanned: list, layer: str | None, *,
                 truncated: bool) -> tuple[gpd.GeoDataFrame, list[ReadNote]]:
    """``frame`` (a KML layer as GDAL read it) with the ExtendedData attributes GDAL left out, and
    without LIBKML's styling columns; notes say what was added or could not be."""
    notes: list[ReadNote] = []
    frame = frame.drop(columns=[c for c in KML_STYLE_COLUMNS if c in frame.columns])
    frame = frame.drop(columns=[c for c in KML_OPTIONAL_COLUMNS if c in frame.columns and _blank(frame[c]).all()])
    if truncated:
        notes.append(ReadNote(None, f"the KML is larger than {MAX_KML_BYTES // 1024**2} MB: its attributes are "
                                    "the ones GDAL reads (ExtendedData <Data> of a layer with a <Schema> left out)"))
        return frame, notes
    named = [pms for name, pms in scanned if name == layer and len(pms) == len(frame)]
    filled = [pms for _, pms in scanned if pms]
    group = named[0] if named else (filled[0] if len(filled) == 1 and len(filled[0]) == len(frame) else None)
    if group is not None and "Name" in frame.columns:  # the features in the same order, or no match
        given = [None if pd.isna(n) or not str(n).strip() else str(n).strip() for n in frame["Name"]]
        if given != [n for n, _ in group]:
            group = None
    pool = group if group is not None else [pm for name, pms in scanned if name == layer for pm in pms]
    missing = [k for k in dict.fromkeys(k for _, data in pool for k in data) if k not in frame.columns]
    if not missing:
        return frame, notes
    if group is None:
        notes.append(ReadNote(None, "the ExtendedData attributes " + ", ".join(missing) + " could not be matched "
                                    "to the layer's features; they are left out"))
        return frame, notes
    frame = frame.copy()
    for key in missing:
        frame[key] = pd.Series([data.get(key) for _, data in group], index=frame.index, dtype=object)
    frame = frame.set_geometry(frame.geometry.name)
    notes.append(ReadNote(None, "attributes read from the KML's ExtendedData: " + ", ".join(missing)))
    return frame, notes


def _drop_blank_columns(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """``frame`` without the columns no row fills (GPX: GDAL gives every GPX field, mostly empty)."""
    blank = [c for c in frame.columns if c != frame.geometry.name and _blank(frame[c]).all()]
    return frame.drop(columns=blank) if len(frame) else frame


def _find_column(columns: list[str], aliases: tuple[str, ...], given: str | None, *,
                 source: str) -> str | None:
    if given is not None:
        if given not in columns:
            raise InputFileError(f"there is no column '{given}'; the columns are: {', '.join(columns)}",
                                 code="column_not_found",
                                 params={"file": source, "column": given, "columns": columns})
        return given
    folded = {normalize_header(c): c for c in columns}
    for alias in aliases:
        if normalize_header(alias) in folded:
            return folded[normalize_header(alias)]
    return None


#: Byte-order marks, longest first, and the codec each one names.
BOMS = ((b"\xff\xfe\x00\x00", "utf-32"), (b"\x00\x00\xfe\xff", "utf-32"), (b"\x84\x31\x95\x33", "gb18030"),
        (b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))


def bom_codec(raw: bytes) -> str | None:
    """The codec a byte-order mark at the start of ``raw`` names, or None.

    >>> bom_codec("户数".encode("utf-16")), bom_codec(b"\\x84\\x31\\x95\\x33" + "户数".encode("gb18030"))
    ('utf-16', 'gb18030')
    >>> bom_codec("户数".encode("gbk")) is None
    True
    """
    return next((codec for mark, codec in BOMS if raw.startswith(mark)), None)


def unique_headers(headers: list) -> tuple[list[str], dict[str, list[str]]]:
    """``headers`` with each repeated name made unique (``户数``, ``户数_2``...), and what was renamed.

    Blank headers are left to the caller (pandas names them ``Unnamed: n``).

    >>> unique_headers(["户数", "户数", "户数_2", "名称"])
    (['户数', '户数_3', '户数_2', '名称'], {'户数': ['户数', '户数_3']})
    """
    names = ["" if h is None or (isinstance(h, float) and np.isnan(h)) else str(h) for h in headers]
    taken = set(names)
    seen: dict[str, int] = {}
    out, renamed = [], {}
    for name in names:
        if not name.strip() or name not in seen:
            seen.setdefault(name, 1)
            out.append(name)
            continue
        k = seen[name] + 1
        while f"{name}_{k}" in taken:
            k += 1
        seen[name] = k
        out.append(f"{name}_{k}")
        taken.add(out[-1])
        renamed.setdefault(name, [name]).append(out[-1])
    return out, renamed


def _dedupe_columns(frame: pd.DataFrame, header: list, notes: list[ReadNote] | None) -> pd.DataFrame:
    """``frame`` (columns as pandas named them) with the file's repeated ``header`` names made unique."""
    if len(header) != len(frame.columns):
        return frame
    unique, renamed = unique_headers(header)
    if not renamed:
        return frame
    frame.columns = [u if str(h).strip() and not pd.isna(h) else c for u, h, c in zip(unique, header, frame.columns)]
    for name, names in renamed.items():
        if notes is not None:
            notes.append(ReadNote(None, f"the column '{name}' appears {len(names)} times in the header: read as "
                                        + ", ".join(names), code="duplicate_column", column=name))
    return frame


def _head(p: Path, size: int = 4) -> bytes:
    """The first ``size`` bytes of a file."""
    with open(p, "rb") as stream:
        return stream.read(size)


def read_csv_table(p: Path, encoding: str | None, *, notes: list[ReadNote] | None = None) -> tuple[pd.DataFrame, str]:
    """A CSV (or ``.tsv``) file as text cells, and the encoding it was read with.

    Parameters
    ----------
    p
        The file (checked with :func:`check_path` first).
    encoding
        The planner's encoding; None reads the one a byte-order mark names (UTF-8, UTF-16,
        UTF-32, GB18030), else tries UTF-8, then GB18030 (GBK).
    notes
        Where to note what was noticed (a repeated column name made unique), when given.

    Returns
    -------
    (DataFrame, str)
        Every cell as text (empty cells are ``""``), the separator sniffed, a repeated header
        name made unique (``户数``, ``户数_2``); the codec used.

    Raises
    ------
    InputFileError
        ``csv_unreadable`` (not a table) or ``encoding_unknown`` (neither UTF-8 nor GBK).

    Example
    -------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "t.csv"
    >>> _ = path.write_bytes("名称,户数\\n小区甲,120\\n".encode("gbk"))
    >>> frame, codec = read_csv_table(path, None)
    >>> frame.to_dict("records"), codec
    ([{'名称': '小区甲', '户数': '120'}], 'gb18030')
    >>> _ = path.write_bytes("户数,户数\\n1,2\\n".encode("utf-16"))
    >>> frame, codec = read_csv_table(path, None)
    >>> frame.to_dict("records"), codec
    ([{'户数': '1', '户数_2': '2'}], 'utf-16')
    """
    raw = p.read_bytes()
    marked = bom_codec(raw)
    candidates = [encoding] if encoding else ([marked] if marked else []) + ["utf-8-sig", "gb18030"]
    for codec in dict.fromkeys(candidates):
        try:
            text = raw.decode(codec)
        except (UnicodeDecodeError, LookupError):
            continue
        text = text.removeprefix("\ufeff")  # a mark the codec keeps (GB18030's, or one the planner's codec sees)
        sep = "\t" if p.suffix.lower() == ".tsv" else None
        options = {"sep": sep, "engine": "python", "dtype": object, "keep_default_na": False,
                   "skipinitialspace": True}
        try:
            frame = pd.read_csv(io.StringIO(text), **options)
            header = pd.read_csv(io.StringIO(text), header=None, nrows=1, **options).iloc[0].tolist() \
                if len(frame.columns) > 1 else list(frame.columns)
        except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
            raise InputFileError(f"{p.name} is not a readable CSV table ({exc})", code="csv_unreadable",
                                 params={"file": p.name, "detail": _detail(exc, p)}) from None
        return _dedupe_columns(frame, header, notes), codec
    raise InputFileError(
        f"{p.name}: the text is neither UTF-8 nor GBK. State its encoding with --encoding",
        code="encoding_unknown", params={"file": p.name},
    )


def _table_geometry(
    frame: pd.DataFrame,
    *,
    source: str,
    wkt: str | None,
    lon: str | None,
    lat: str | None,
    row_base: int,
) -> tuple[gpd.GeoDataFrame, list[ReadNote]]:
    """Build geometries of a table from a WKT column or lon/lat columns; note unreadable rows."""
    columns = [str(c) for c in frame.columns]
    frame = frame.copy()
    frame.columns = columns
    notes: list[ReadNote] = []
    wkt_col = _find_column(columns, WKT_ALIASES, wkt, source=source) if lon is None and lat is None else None
    if wkt_col is not None:
        text = frame[wkt_col].astype(object).where(frame[wkt_col].astype(str).str.strip() != "", None)
        with warnings.catch_warnings():  # "invalid value" for a NaN in the text: reported row by row below
            warnings.simplefilter("ignore", RuntimeWarning)
            geoms = shapely.from_wkt(text.to_numpy(dtype=object), on_invalid="ignore")
        for pos in np.flatnonzero(pd.isna(geoms) & text.notna().to_numpy()):
            sample = str(text.iloc[pos])[:40]
            notes.append(ReadNote(int(pos), f"the WKT in column '{wkt_col}' cannot be read: '{sample}...'", True,
                                  column=wkt_col))
        for pos, (vertex, x, y) in nonfinite_vertices(geoms).items():
            notes.append(ReadNote(pos, nonfinite_message(geoms[pos].geom_type, vertex, x, y,
                                                         where=f"in column '{wkt_col}', "),
                                  True, code="bad_coordinates", column=wkt_col))
            geoms[pos] = None
        return gpd.GeoDataFrame(frame.drop(columns=[wkt_col]), geometry=list(geoms)), notes
    lon_col = _find_column(columns, LON_ALIASES, lon, source=source)
    lat_col = _find_column(columns, LAT_ALIASES, lat, source=source)
    if lon_col is None or lat_col is None:
        raise InputFileError(
            f"{source}: no geometry found. A table needs a WKT column (named one of "
            f"{', '.join(WKT_ALIASES[:4])}) or longitude and latitude columns (lon/lat, x/y, "
            f"经度/纬度); name them with --wkt COL or --lon COL --lat COL. Columns are: "
            + ", ".join(columns),
            code="table_no_geometry", params={"file": source, "columns": columns},
        )
    lon_text = frame[lon_col].astype(str).str.strip()
    lat_text = frame[lat_col].astype(str).str.strip()
    xs = pd.to_numeric(lon_text, errors="coerce")
    ys = pd.to_numeric(lat_text, errors="coerce")
    bad = ~(np.isfinite(xs.to_numpy(dtype=float)) & np.isfinite(ys.to_numpy(dtype=float)))
    for pos in np.flatnonzero(bad):
        lon_value, lat_value = frame[lon_col].iloc[pos], frame[lat_col].iloc[pos]
        spelled = [(c, v) for c, t, v in ((lon_col, lon_text.iloc[pos], lon_value), (lat_col, lat_text.iloc[pos], lat_value))
                   if t.lower().lstrip("+-") in ("nan", "inf", "infinity")]
        if spelled:  # a number the file spells NaN or infinite: a coordinate that cannot be placed
            column, value = spelled[0]
            notes.append(ReadNote(int(pos), f"'{value}' in column '{column}' is not a finite number: "
                                            "give the point's coordinates (or delete the row) and load it again",
                                  True, code="bad_coordinates", column=column))
            continue
        notes.append(ReadNote(
            int(pos),
            f"'{lon_value}', '{lat_value}' in columns "
            f"'{lon_col}', '{lat_col}' are not coordinates",
            True,
        ))
    points = shapely.points(np.where(bad, 0.0, xs.to_numpy(dtype=float)), np.where(bad, 0.0, ys.to_numpy(dtype=float)))
    points[bad] = None
    return gpd.GeoDataFrame(frame.drop(columns=[lon_col, lat_col]), geometry=list(points)), notes


def _read_parquet(p: Path, encoding: str | None, *, wkt: str | None, lon: str | None,
                  lat: str | None) -> tuple[gpd.GeoDataFrame, list[ReadNote], str]:
    """A GeoParquet file (or a plain Parquet table with WKT or lon/lat columns) as it is, read by
    pyarrow (:func:`_parquet_via_gdal` says when GDAL reads it instead): (frame, notes, row word)."""
    if _parquet_via_gdal():
        check_features(p.name, _feature_count(str(p), None))
        return _read_vector(str(p), None, encoding=encoding, display=p), [], "feature"
    parquet = _parquet_file(p)
    check_features(p.name, int(parquet.metadata.num_rows))
    geo = _geo_metadata(parquet)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            frame = gpd.read_parquet(p) if geo is not None else parquet.read().to_pandas()
    except Exception as exc:  # noqa: BLE001 - pyarrow, shapely (a bad WKB), geopandas (bad geo metadata)
        raise InputFileError(f"{p.name} cannot be read: the Parquet file is damaged or not Parquet; export it "
                             f"again ({_detail(exc, p)})", code="parquet_unreadable",
                             params={"file": p.name, "detail": _detail(exc, p)}) from None
    if geo is not None:
        return frame, [], "feature"
    table = frame.astype(object).where(pd.notna(frame), "")
    table, notes = _table_geometry(table, source=p.name, wkt=wkt, lon=lon, lat=lat, row_base=1)
    return table, notes, "row"


def read_layer(
    path: str | os.PathLike,
    *,
    layer: str | None = None,
    kind: str | None = None,
    encoding: str | None = None,
    wkt: str | None = None,
    lon: str | None = None,
    lat: str | None = None,
) -> RawLayer:
    """Read one layer of a file as it is.

    Parameters
    ----------
    path
        The file: GeoJSON, GeoPackage, Shapefile (or a zip holding one), FileGDB (a ``.gdb``
        folder or a zip of one), GeoParquet, KML/KMZ, GPX, CSV, XLSX.
    layer
        Layer (GeoPackage, FileGDB, KML folder, GPX, zip with several shapefiles) or sheet (XLSX)
        name; needed only when the file has several and none is named like ``kind``.
    kind
        The canonical layer wanted (``communities``...), to pick a layer by name.
    encoding
        Text encoding, when detection fails or is wrong (e.g. ``gbk``).
    wkt, lon, lat
        Geometry columns of a table, when their names are not recognised.

    Returns
    -------
    RawLayer

    Raises
    ------
    InputFileError
        Missing, empty, truncated, damaged, of an unknown encoding or without geometry.
    LayerNotFoundError
        The layer is not in the file, or must be chosen.
    """
    p = check_path(path)
    suffix = p.suffix.lower()
    notes: list[ReadNote] = []

    if suffix in TABLE_SUFFIXES:
        if suffix in (".csv", ".txt", ".tsv"):
            table, used = read_csv_table(p, encoding, notes=notes)
            name = p.stem
        else:
            name = pick_layer(p, layer, kind)
            try:
                table = pd.read_excel(p, sheet_name=name, dtype=object)
            except Exception as exc:
                raise InputFileError(
                    f"{p.name}: sheet '{name}' cannot be read ({exc})", code="sheet_unreadable",
                    params={"file": p.name, "sheet": name, "detail": _detail(exc, p)},
                ) from None
            table = table.where(pd.notna(table), None)
            try:
                header = pd.read_excel(p, sheet_name=name, header=None, nrows=1, dtype=object).iloc[0].tolist()
            except Exception:  # noqa: BLE001 - the sheet was read above; an empty one has no header row
                header = []
            table = _dedupe_columns(table, header, notes)
            used = None
        if table.empty and len(table.columns) == 0:
            raise InputFileError(f"{p.name} has no table in it: export it again", code="table_empty",
                                 params={"file": p.name})
        check_features(p.name, len(table))
        frame, geo_notes = _table_geometry(table, source=p.name, wkt=wkt, lon=lon, lat=lat, row_base=2)
        check_vertices(p.name, count_vertices(frame.geometry.values))
        notes.extend(geo_notes)
        if used and used != "utf-8-sig":
            notes.append(ReadNote(None, f"text read as {used.upper()}"
                                        + (" (from its byte-order mark)" if bom_codec(_head(p)) else "")))
        return RawLayer(frame, str(path), name, None, used, notes, row_base=2, row_word="row")

    if suffix in PARQUET_SUFFIXES:
        frame, geo_notes, row_word = _read_parquet(p, encoding, wkt=wkt, lon=lon, lat=lat)
        notes.extend(geo_notes)
        check_vertices(p.name, count_vertices(frame.geometry.values))
        crs = CRS.from_user_input(frame.crs) if frame.crs is not None else None
        return RawLayer(frame.reset_index(drop=True), str(path), p.stem, crs, None, notes, row_word=row_word)

    member, shown, layer_name = None, None, layer
    if suffix == ".zip":
        member, shown, layer_name = _pick_zip_member(p, layer, kind)
        display = _member_display(p, shown)
    else:
        _, member = _opened(p)  # a KMZ: its KML
        display = p
    opened = member if suffix == ".zip" else p.name
    is_shapefile = (opened or "").lower().endswith(".shp")
    is_kml = (opened or "").lower().endswith((".kml", ".kmz"))
    scanned, truncated = [], False
    if is_kml:
        data = _kml_bytes(p, member)
        truncated = len(data) > MAX_KML_BYTES
        scanned = kml_extended_data(data, file=display.name, prolog_only=truncated)
        del data
        pyogrio.set_gdal_config_options({"LIBKML_LAUNDER_FIELD_NAMES": "NO"})  # keep Chinese <Data> names
    if is_shapefile:
        dbf, cpg, missing = _shapefile_parts(p, member)
        if missing:
            raise InputFileError(
                f"{display.name}: the shapefile's {' and '.join(missing)} "
                f"{'is' if len(missing) == 1 else 'are'} missing"
                + (f" from {p.name}" if member else "")
                + ". A shapefile is several files: zip .shp, .shx, .dbf, .prj (and .cpg) together",
                code="shapefile_incomplete", params={"file": display.name, "missing": missing},
            )
        if encoding is None:
            encoding, note = _shapefile_encoding(dbf, cpg, source=display.name)
            if note:
                notes.append(ReadNote(None, note))
        layer_name = None
    elif suffix != ".zip":
        layer_name = pick_layer(p, layer, kind)
    vsi = _vsi(p, member)
    check_features(display.name, _feature_count(vsi, layer_name))
    frame = _read_vector(vsi, layer_name, encoding=encoding, display=display)
    if is_kml:
        frame, kml_notes = _kml_columns(frame, scanned, layer_name, truncated=truncated)
        notes.extend(kml_notes)
    elif (opened or "").lower().endswith(".gpx"):
        frame = _drop_blank_columns(frame)
    check_features(display.name, len(frame))
    check_vertices(display.name, count_vertices(frame.geometry.values))
    crs = CRS.from_user_input(frame.crs) if frame.crs is not None else None
    if len(frame) and bool(np.any(shapely.has_z(np.asarray(frame.geometry.values)))):
        frame = frame.set_geometry(shapely.force_2d(frame.geometry.values))
        notes.append(ReadNote(None, "z coordinates dropped: the analysis is 2-D"))
    name = layer_name or (Path(shown).stem if shown else p.stem)
    frame = frame.reset_index(drop=True)
    return RawLayer(frame, str(path), name, crs, encoding, notes)
