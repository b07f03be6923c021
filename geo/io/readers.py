"""Read the files planners actually have into raw GeoDataFrames, with one clear error per bad file.

Formats: GeoJSON, GeoPackage (any layer, by name), Shapefile (plain or zipped, including GBK /
GB18030 text with or without a ``.cpg``), CSV and XLSX with a WKT column or lon/lat (x/y) columns,
and anything else GDAL reads through pyogrio. Nothing here maps columns or validates values: the
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
import os
import struct
import warnings
import zipfile
import zlib
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

VECTOR_SUFFIXES = (".geojson", ".json", ".gpkg", ".shp", ".zip", ".fgb", ".kml", ".gml", ".gdb")
TABLE_SUFFIXES = (".csv", ".txt", ".tsv", ".xlsx", ".xlsm", ".xls")
SUPPORTED = (
    "GeoJSON (.geojson/.json), GeoPackage (.gpkg), Shapefile (.shp or zipped .zip), "
    "CSV/XLSX with a WKT column or lon/lat columns"
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


def _zip_members(path: Path) -> list[str]:
    """The files in a zip (folders and macOS resource forks left out), each one read through once
    so that a damaged, encrypted or oddly compressed member is found here, named, and not in GDAL;
    a zip that would expand beyond the bounds (:data:`MAX_ZIP_BYTES` …) is refused first."""
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            _zip_bomb(path, infos)
            for info in infos:
                if not info.is_dir():
                    _check_zip_member(path, zf, info)
            return [n for n in zf.namelist() if not n.endswith("/") and "__MACOSX" not in n]
    except InputFileError:
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, NotImplementedError):
        # damaged central directory, or a header that promises what the archive does not hold
        raise InputFileError(f"{path.name} is not a valid zip file (damaged or truncated)",
                             code="zip_invalid", params={"file": path.name}) from None


def _check_zip_member(path: Path, zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    """Read one member of a zip through (its CRC checked on the way)."""
    member = info.filename
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
    return f"/vsizip/{path.resolve()}/{member}" if member else str(path)


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
    """
    try:
        try:
            return pyogrio.read_info(vsi, layer=layer)
        except UnicodeDecodeError:
            return pyogrio.read_info(vsi, layer=layer, encoding="latin1")
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
        raise _gdal_error(display, exc, opened=vsi) from None
    except (UnicodeError, LookupError):
        raise _encoding_error(display, None) from None
    except Exception as exc:  # noqa: BLE001 - pyogrio itself fails on some damaged files (e.g. UnboundLocalError on a garbled .prj)
        raise _gdal_error(display, exc, opened=vsi) from None


def _zip_datasets(path: Path) -> list[str]:
    members = _zip_members(path)
    data = [m for m in members if m.lower().endswith((".shp", ".gpkg", ".geojson", ".json"))]
    if not data:
        shown = ", ".join(members[:8]) or "nothing"
        raise InputFileError(
            f"{path.name}: the zip holds no .shp (nor .gpkg/.geojson); it has {shown}. "
            "Zip the .shp together with its .shx, .dbf, .prj (and .cpg)",
            code="zip_no_layer", params={"file": path.name, "members": members[:8]},
        )
    return data


def _zip_layers(path: Path) -> list[tuple[str, str, str | None]]:
    """(member, layer name shown to the user, layer inside the member) for every zipped layer."""
    out = []
    for member in _zip_datasets(path):
        if member.lower().endswith(".shp"):
            out.append((member, Path(member).stem, None))
            continue
        inner = _list_dataset(_vsi(path, member), display=Path(member))
        out.extend((member, name, name) for name, _ in inner)
    return out


def _pick_zip_member(path: Path, layer: str | None, kind: str | None) -> tuple[str, str | None]:
    """(member, inner layer) of the zipped layer asked for."""
    layers = _zip_layers(path)
    names = [shown for _, shown, _ in layers]
    if layer is not None:
        chosen = [item for item in layers if item[1] == layer]
        if not chosen:
            raise LayerNotFoundError(
                f"{path.name} has no layer '{layer}'; its layers are: {', '.join(names)}",
                code="layer_not_found", params={"file": path.name, "layer": layer, "layers": names},
            )
    elif len(layers) == 1:
        chosen = layers
    else:
        chosen = [item for item in layers if item[1] == pick_layer(path, None, kind)]
    member, _, inner = chosen[0]
    return member, inner


def list_layers(path: str | os.PathLike) -> list[LayerListing]:
    """The layers of a file (one for single-layer formats; sheets of a workbook).

    Only what a listing needs is read: layer names, geometry types and feature counts. Text
    the file's declared encoding cannot decode does not stop it (the upload form asks for the
    encoding only once the layers are listed); :func:`read_layer` reports it.

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
    if suffix == ".zip":
        out = []
        for member, shown, inner in _zip_layers(p):
            info = _layer_info(_vsi(p, member), inner, display=Path(member))
            out.append(LayerListing(shown, info.get("geometry_type"), int(info["features"])))
        return out
    return [LayerListing(name, gtype, int(_layer_info(str(p), name, display=p)["features"]))
            for name, gtype in _list_dataset(str(p), display=p)]


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


def read_csv_table(p: Path, encoding: str | None) -> tuple[pd.DataFrame, str]:
    """A CSV (or ``.tsv``) file as text cells, and the encoding it was read with.

    Parameters
    ----------
    p
        The file (checked with :func:`check_path` first).
    encoding
        The planner's encoding; None tries UTF-8 (with or without BOM), then GB18030 (GBK).

    Returns
    -------
    (DataFrame, str)
        Every cell as text (empty cells are ``""``), the separator sniffed; the codec used.

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
    """
    raw = p.read_bytes()
    candidates = [encoding] if encoding else ["utf-8-sig", "gb18030"]
    for codec in candidates:
        try:
            text = raw.decode(codec)
        except (UnicodeDecodeError, LookupError):
            continue
        sep = "\t" if p.suffix.lower() == ".tsv" else None
        try:
            frame = pd.read_csv(io.StringIO(text), sep=sep, engine="python", dtype=object,
                                keep_default_na=False, skipinitialspace=True)
        except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
            raise InputFileError(f"{p.name} is not a readable CSV table ({exc})", code="csv_unreadable",
                                 params={"file": p.name, "detail": _detail(exc, p)}) from None
        return frame, codec
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
        The file: GeoJSON, GeoPackage, Shapefile (or a zip holding one), CSV, XLSX.
    layer
        Layer (GeoPackage, zip with several shapefiles) or sheet (XLSX) name; needed only when
        the file has several and none is named like ``kind``.
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
            table, used = read_csv_table(p, encoding)
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
            used = None
        if table.empty and len(table.columns) == 0:
            raise InputFileError(f"{p.name} has no table in it: export it again", code="table_empty",
                                 params={"file": p.name})
        check_features(p.name, len(table))
        frame, geo_notes = _table_geometry(table, source=p.name, wkt=wkt, lon=lon, lat=lat, row_base=2)
        check_vertices(p.name, count_vertices(frame.geometry.values))
        notes.extend(geo_notes)
        if used and used != "utf-8-sig":
            notes.append(ReadNote(None, f"text read as {used.upper()}"))
        return RawLayer(frame, str(path), name, None, used, notes, row_base=2, row_word="row")

    member, layer_name = None, layer
    if suffix == ".zip":
        member, layer_name = _pick_zip_member(p, layer, kind)
    is_shapefile = (member or str(p)).lower().endswith(".shp")
    display = Path(member) if member else p
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
    check_features(display.name, _feature_count(_vsi(p, member), layer_name))
    frame = _read_vector(_vsi(p, member), layer_name, encoding=encoding, display=display)
    check_features(display.name, len(frame))
    check_vertices(display.name, count_vertices(frame.geometry.values))
    crs = CRS.from_user_input(frame.crs) if frame.crs is not None else None
    if len(frame) and bool(np.any(shapely.has_z(np.asarray(frame.geometry.values)))):
        frame = frame.set_geometry(shapely.force_2d(frame.geometry.values))
        notes.append(ReadNote(None, "z coordinates dropped: the analysis is 2-D"))
    name = layer_name or (Path(member).stem if member else p.stem)
    frame = frame.reset_index(drop=True)
    return RawLayer(frame, str(path), name, crs, encoding, notes)
