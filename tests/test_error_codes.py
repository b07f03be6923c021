"""Every error of the input path carries a code and params, and the page words it in zh and en.

The rule: geo/ raises errors with codes and parameters, ui/ words them from one catalogue
(``ui.i18n.TEXT``, ``error_<code>``). The first tests read the raise sites from the source (ast),
the others feed bad files through the readers the upload page calls (``list_layers``,
``read_layer``, ``load_raw``) and read the words a Chinese planner would see.
"""

import ast
import importlib
import inspect
import json
import pickle
import pkgutil
import re
import string
import zipfile
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest
from shapely import Point, box

from geo.crs.datums import to_wgs84
from geo.errors import CRSError, GeoError, InputFileError, LayerNotFoundError, SchemaError
from geo.io.load import load_raw
from geo.io.readers import list_layers, read_layer
from ui.i18n import TEXT
from ui.messages import error_params, error_words, fill, without_paths

INPUT_MODULES = ("geo.io.readers", "geo.crs.systems", "geo.io.schema", "geo.io.load", "geo.crs.datums", "geo.io.parse",
                 "geo.io.validate")

#: Packages every module of which raises coded errors only, and the single modules besides.
CODED_PACKAGES = ("geo", "geo.cli", "geo.io", "geo.crs", "geo.store", "geo.access", "geo.pipelines", "geo.zoning",
                  "geo.planning", "geo.reports", "geo.synthetic")
CODED_SINGLE_MODULES = ()


def package_modules(package: str) -> tuple[str, ...]:
    """Every module of ``package`` (found on disk: a new module is checked without listing it)."""
    path = importlib.import_module(package).__path__
    return tuple(f"{package}.{m.name}" for m in pkgutil.iter_modules(path) if not m.ispkg)


#: Every module whose GeoErrors must carry a code with words (the input path among them).
CODED_MODULES = tuple(sorted({*INPUT_MODULES, *CODED_SINGLE_MODULES,
                              *(m for p in CODED_PACKAGES for m in package_modules(p))}))

#: Three or more ASCII words in a row: an English phrase (EPSG:4490, GBK or .shp are not).
ENGLISH_RUN = re.compile(r"[A-Za-z][A-Za-z'-]*(?:[ ,]+[A-Za-z][A-Za-z'-]*){2,}")


@dataclass(frozen=True)
class Site:
    """One construction (or bare raise) of a GeoError subclass in the source."""

    where: str  # file:line
    node: ast.AST  # the Call (or the Name of a bare ``raise CRSError``)
    scope: ast.AST  # the innermost function around it (the module at top level)
    cls: type | None = None  # the error class constructed

    @property
    def keywords(self) -> dict[str, ast.AST]:
        return {k.arg: k.value for k in getattr(self.node, "keywords", [])}

    def _literal(self, name: str) -> str | None:
        value = self.keywords.get(name)
        return value.value if isinstance(value, ast.Constant) and isinstance(value.value, str) else None

    @property
    def code(self) -> str | None:
        """The literal ``code=``, or the code the class states itself (``ProposalNameError.code``)."""
        literal = self._literal("code")
        if literal or self.cls is None:
            return literal
        own = inspect.getattr_static(self.cls, "code", None)
        return own if isinstance(own, str) else None

    @property
    def words_key(self) -> str | None:
        """The catalogue key of the words: ``error_<code>``, or for an error whose code is its
        ``kind`` (a save conflict, :class:`geo.store.workspace.ConflictError`) ``conflict_<kind>``."""
        if self.code:
            return f"error_{self.code}"
        if self.cls is not None and isinstance(inspect.getattr_static(self.cls, "code", None), property):
            kind = self._literal("kind")
            return f"conflict_{kind}" if kind else None
        return None


def geo_error_sites(module_name: str) -> list[Site]:
    """Every construction (raise or return) of a GeoError subclass in a module's source."""
    module = importlib.import_module(module_name)
    path = Path(module.__file__)
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))

    def error_class(node: ast.AST) -> type | None:
        name = getattr(node, "id", None) or getattr(node, "attr", None)
        if isinstance(name, str) and isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            owner = getattr(module, node.value.id, None)  # opt.UsageError: the module imported as opt
            cls = getattr(owner, name, None)
        else:
            cls = getattr(module, name, None) if isinstance(name, str) else None
        return cls if isinstance(cls, type) and issubclass(cls, GeoError) else None

    def is_geo_error(node: ast.AST) -> bool:
        return error_class(node) is not None

    sites = []

    def visit(node: ast.AST, scope: ast.AST) -> None:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            scope = node
        if isinstance(node, ast.Call) and is_geo_error(node.func):
            sites.append(Site(f"{path.name}:{node.lineno}", node, scope, error_class(node.func)))
        elif isinstance(node, ast.Raise) and node.exc is not None and is_geo_error(node.exc):
            # raise CRSError, no call
            sites.append(Site(f"{path.name}:{node.lineno}", node.exc, scope, error_class(node.exc)))
        for child in ast.iter_child_nodes(node):
            visit(child, scope)

    visit(tree, tree)
    return sites


def site_codes(modules=INPUT_MODULES) -> dict[str, list[str]]:
    """code -> the sites that raise it."""
    codes: dict[str, list[str]] = {}
    for module in modules:
        for site in geo_error_sites(module):
            if site.code:
                codes.setdefault(site.code, []).append(site.where)
    return codes


def site_words_keys(modules=CODED_MODULES) -> dict[str, list[str]]:
    """catalogue key (``error_<code>`` or ``conflict_<kind>``) -> the sites whose words it is."""
    keys: dict[str, list[str]] = {}
    for module in modules:
        for site in geo_error_sites(module):
            if site.words_key:
                keys.setdefault(site.words_key, []).append(site.where)
    return keys


def placeholders(words: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(words) if name}


def english_sentences(message: str) -> list[str]:
    """The English phrases of a message: its sentences and clauses of three words or more."""
    parts = re.split(r"[.;:!?()]\s*|,\s+|\s+-\s+", message)
    return [p.strip() for p in parts if len(re.findall(r"[A-Za-z]{2,}", p)) >= 3]


def assert_planner_words(exc: GeoError, file: str, tmp_path: Path) -> str:
    """The zh words of ``exc`` as the upload page shows them, checked; returns them."""
    assert exc.code and f"error_{exc.code}" in TEXT, exc.code
    json.dumps(exc.params)  # JSON-able: a session store or a log keeps them
    zh = error_words(exc, "zh", file=file)
    en = error_words(exc, "en", file=file)
    assert zh == without_paths(text_for(exc, "zh", file)), zh  # the catalogue's words, not a fallback
    for sentence in english_sentences(str(exc)):
        assert sentence not in zh, (sentence, zh)
    assert not ENGLISH_RUN.search(re.sub(r"\([^)]*\)", "", zh.replace(file, ""))), zh
    assert "详细信息" not in zh and str(tmp_path) not in zh and str(tmp_path) not in en
    assert Path(file).stem in zh and Path(file).stem in en
    return zh


def text_for(exc: GeoError, lang: str, file: str) -> str:
    """The catalogue's words for ``exc``, filled in."""
    return fill(TEXT[f"error_{exc.code}"][0 if lang == "zh" else 1], error_params(exc, lang, file=file), lang)


# --- the raise sites -----------------------------------------------------------------------


def test_the_input_path_raises_coded_errors():
    codes = site_codes()
    assert {"crs_missing", "columns_missing", "zip_invalid", "layer_not_found"} <= codes.keys()
    assert len(codes) >= 40


@pytest.mark.parametrize("key", sorted(site_words_keys()))
def test_every_code_has_words_in_both_languages(key):
    assert key in TEXT, f"{key} (raised at {', '.join(site_words_keys()[key])}) has no words in ui.i18n.TEXT"
    zh, en = TEXT[key]
    assert zh.strip() and en.strip()
    assert re.search(r"[\u4e00-\u9fff]", zh), zh
    english = ENGLISH_RUN.search(re.sub(r"\{[^}]*\}", "", zh))
    assert english is None, f"{key}: English in the Chinese words: {english[0]!r}"
    for sentence in english_sentences(re.sub(r"\{[^}]*\}", "", en)):
        assert sentence not in zh
    for words in (zh, en):
        assert without_paths(words) == words, f"{key}: the path cutter would eat part of {words!r}"


def dict_keys(node: ast.AST, scope: ast.AST, seen: frozenset = frozenset()) -> set[str] | None:
    """The keys a params value can hold: a dict literal's, following ``**name`` and a bare name to
    every dict assigned to that name in ``scope``; None when built from something else."""
    if isinstance(node, ast.Name):
        if node.id in seen:
            return set()
        values = [a.value for a in ast.walk(scope) if isinstance(a, ast.Assign)
                  and any(isinstance(t, ast.Name) and t.id == node.id for t in a.targets)]
        if not values or not all(isinstance(v, ast.Dict) for v in values):
            return None
        found = [dict_keys(v, scope, seen | {node.id}) for v in values]
        return None if None in found else set().union(*found)
    if not isinstance(node, ast.Dict):
        return None
    keys: set[str] = set()
    for key, value in zip(node.keys, node.values):
        if key is None:  # **spread
            spread = dict_keys(value, scope, seen)
            if spread is None:
                return None
            keys |= spread
        elif isinstance(key, ast.Constant):
            keys.add(key.value)
    return keys


def test_the_words_name_only_facts_the_raise_site_gives():
    checked = 0
    for module in CODED_MODULES:
        for site in geo_error_sites(module):
            if not site.code or f"error_{site.code}" not in TEXT:
                continue
            params = site.keywords.get("params")
            keys = set() if params is None else dict_keys(params, site.scope)
            if keys is None:
                continue  # built from something else (RawLayer.place): the behaviour tests cover it
            given = keys | {"file", "where"}  # the page always fills these two
            for words in TEXT[f"error_{site.code}"]:
                assert placeholders(words) <= given, (site.where, placeholders(words) - given)
            checked += 1
    assert checked >= 100


@pytest.mark.parametrize("module", CODED_MODULES)
def test_no_error_a_user_can_cause_is_raised_without_a_code(module):
    missing = [site.where for site in geo_error_sites(module) if not site.words_key]
    assert missing == [], f"GeoError raised without code=... at {missing}"


def test_the_coded_modules_are_found_on_disk():
    assert {"geo.cli.main", "geo.cli.plan", "geo.cli.options", "geo.store.workspace", "geo.io.epanet",
            "geo.pipelines.analysis", "geo.access.roads", "geo.planning.costs"} <= set(CODED_MODULES)


def test_the_checker_sees_a_raise_without_a_code(tmp_path, monkeypatch):
    sample = tmp_path / "sample_raises.py"
    sample.write_text("from geo.errors import CRSError\n\ndef f():\n    raise CRSError('no code')\n\n"
                      "def g():\n    raise CRSError('coded', code='crs_missing')\n\n"
                      "def h():\n    raise CRSError\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    sites = geo_error_sites("sample_raises")
    assert [(s.where, s.code) for s in sites] == [
        ("sample_raises.py:4", None), ("sample_raises.py:7", "crs_missing"), ("sample_raises.py:10", None)]


def test_the_checker_takes_a_class_code_and_a_conflict_kind(tmp_path, monkeypatch):
    sample = tmp_path / "sample_classes.py"
    sample.write_text("from geo.store.workspace import ConflictError, ProposalNameError, WorkspaceError\n\n"
                      "def f():\n    raise ProposalNameError('no name')\n\n"
                      "def g(p):\n    raise ConflictError('x', kind='deleted', proposal_id='p', name='n', "
                      "expected_revision=1, disk_revision=None, path=p)\n\n"
                      "def h(p, **more):\n    raise ConflictError('x', **more)\n\n"
                      "def i():\n    raise WorkspaceError('no code')\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    sites = geo_error_sites("sample_classes")
    assert [s.words_key for s in sites] == ["error_name_empty", "conflict_deleted", None, None]


# --- the error object ------------------------------------------------------------------------


def test_code_and_params_survive_pickling_and_keep_the_english_message():
    exc = LayerNotFoundError("a.gpkg has no layer 'x'", code="layer_not_found",
                             params={"file": "a.gpkg", "layer": "x", "layers": ["a", "b"]})
    back = pickle.loads(pickle.dumps(exc))
    assert (str(back), back.code, back.params) == (str(exc), "layer_not_found", exc.params)
    assert isinstance(back, KeyError) and isinstance(back, OSError)
    assert GeoError("plain").code is None and dict(GeoError("plain").params) == {}


def test_an_error_without_a_code_keeps_its_english_detail():
    words = error_words(SchemaError("the table lacks unit_id"), "zh", file="c.csv")
    assert "c.csv" in words and "the table lacks unit_id" in words


def test_list_params_are_joined_and_the_callers_file_fills_in():
    exc = SchemaError("x", code="columns_missing",
                      params={"kind": "pipelines", "missing": ["kind"], "columns": ["编号", "管径"]})
    zh = error_words(exc, "zh", file="管线.csv")
    assert zh.startswith("管线.csv 中没有管线图层必需的字段：管线类型。") and "编号、管径" in zh
    assert "File column" in error_words(exc, "en", file="管线.csv") and "编号, 管径" in error_words(exc, "en")


# --- bad files through the upload path -------------------------------------------------------


def three_boxes(crs=4490) -> gpd.GeoDataFrame:
    geoms = [box(87.300 + i * 0.002, 44.010, 87.301 + i * 0.002, 44.011) for i in range(3)]
    return gpd.GeoDataFrame({"小区名称": ["供电局家属院", "粮食局小区", "纺织厂宿舍楼"], "户数": [120, 80, 200]},
                            geometry=geoms, crs=4326).to_crs(crs)


def upload(path, kind="communities", **kwargs):
    """What the upload form does: list the layers, read one, load it."""
    list_layers(path)
    raw = read_layer(path, kind=kind, **kwargs)
    return load_raw(raw, kind)


def test_geojson_without_crs_and_projected_coordinates(tmp_path):
    # Gauss-Krüger metres (as in EPSG:4538) in a GeoJSON that states no CRS: GDAL reads it as WGS84
    rings = [[[x, 4870000], [x + 50, 4870000], [x + 50, 4870050], [x, 4870000]]
             for x in (500000, 500100, 500200)]
    features = [{"type": "Feature", "properties": {"小区名称": f"小区{i}"},
                 "geometry": {"type": "Polygon", "coordinates": [ring]}} for i, ring in enumerate(rings)]
    path = tmp_path / "老旧小区.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False),
                    encoding="utf-8")
    with pytest.raises(CRSError, match="not degrees") as caught:
        upload(path)
    exc = caught.value
    assert exc.code == "coords_gk_metres"
    assert exc.params["file"] == "老旧小区.geojson" and (exc.params["x"], exc.params["y"]) == (500100, 4870000)
    zh = assert_planner_words(exc, "老旧小区.geojson", tmp_path)
    assert "(500100, 4870000)" in zh and "EPSG:4538" in zh and "“坐标系”" in zh


def test_csv_without_a_required_column(tmp_path):
    path = tmp_path / "管线.csv"
    path.write_text("编号,管径,wkt\nP1,300,\"LINESTRING (87.30 44.01, 87.31 44.01)\"\n", encoding="utf-8")
    with pytest.raises(SchemaError, match="no column for kind") as caught:
        upload(path, kind="pipelines")
    exc = caught.value
    assert exc.code == "columns_missing"
    assert exc.params == {"file": "管线.csv", "layer": "", "kind": "pipelines", "missing": ["kind"],
                          "columns": ["编号", "管径"]}
    zh = assert_planner_words(exc, "管线.csv", tmp_path)
    assert "管线类型" in zh and "编号、管径" in zh and "文件字段" in zh


def test_a_zip_that_is_not_a_zip(tmp_path):
    path = tmp_path / "小区.zip"
    path.write_bytes(b"PK\x03\x04 this is not really a zip archive")
    with pytest.raises(InputFileError, match="not a valid zip file") as caught:
        upload(path)
    assert caught.value.code == "zip_invalid" and caught.value.params == {"file": "小区.zip"}
    assert "不是有效的 zip 压缩包" in assert_planner_words(caught.value, "小区.zip", tmp_path)


def test_a_shapefile_without_prj(tmp_path):
    folder = tmp_path / "shp"
    folder.mkdir()
    shp = folder / "xq.shp"
    # a DBF field name holds 10 bytes: two Chinese characters in UTF-8
    pyogrio.write_dataframe(three_boxes().rename(columns={"小区名称": "名称"}), shp, encoding="UTF-8")
    shp.with_suffix(".prj").unlink()
    path = tmp_path / "xq.zip"
    with zipfile.ZipFile(path, "w") as zf:
        for part in sorted(folder.iterdir()):
            zf.write(part, arcname=part.name)
    with pytest.raises(CRSError, match="states no coordinate system") as caught:
        upload(path)
    exc = caught.value
    assert exc.code == "crs_missing" and exc.params["file"] == "xq.zip"
    zh = assert_planner_words(exc, "xq.zip", tmp_path)
    assert zh.startswith("xq.zip 未注明坐标系") and "EPSG:4490" in zh and "GCJ-02" in zh


def test_an_unknown_layer_of_a_geopackage(tmp_path):
    path = tmp_path / "city.gpkg"
    three_boxes().to_file(path, layer="老旧小区", driver="GPKG")
    three_boxes().to_file(path, layer="other", driver="GPKG")
    with pytest.raises(LayerNotFoundError, match="no layer 'nope'") as caught:
        upload(path, layer="nope")
    exc = caught.value
    assert exc.code == "layer_not_found"
    assert exc.params == {"file": "city.gpkg", "layer": "nope", "layers": ["老旧小区", "other"]}
    zh = assert_planner_words(exc, "city.gpkg", tmp_path)
    assert "“nope”" in zh and "老旧小区、other" in zh and "文件中的图层" in zh


def test_a_layer_of_a_geopackage_is_named_with_its_file(tmp_path):
    path = tmp_path / "city.gpkg"
    frame = three_boxes()
    frame.to_file(path, layer="老旧小区", driver="GPKG")
    frame.to_file(path, layer="other", driver="GPKG")
    raw = read_layer(path, layer="老旧小区")
    raw.crs = None
    with pytest.raises(CRSError) as caught:
        load_raw(raw, "communities")
    assert caught.value.params["file"] == "city.gpkg" and caught.value.params["layer"] == "老旧小区"
    assert error_words(caught.value, "zh").startswith("city.gpkg（图层“老旧小区”）未注明坐标系")
    assert error_words(caught.value, "en").startswith("city.gpkg, layer '老旧小区': the file states no")


def test_a_damaged_geopackage_names_no_server_path(tmp_path):
    path = tmp_path / "demo.gpkg"
    path.write_text("not a geopackage")
    with pytest.raises(InputFileError) as caught:
        upload(path)
    exc = caught.value
    assert exc.code == "gpkg_unreadable" and str(tmp_path) not in json.dumps(exc.params, ensure_ascii=False)
    assert "GeoPackage 已损坏" in assert_planner_words(exc, "demo.gpkg", tmp_path)


def test_a_web_datum_error_without_a_file_takes_the_callers(tmp_path):
    projected = gpd.GeoSeries([Point(500000, 4870000)], crs=4538)
    with pytest.raises(CRSError) as caught:
        to_wgs84(projected, "gcj02")
    exc = caught.value
    assert exc.code == "datum_needs_lonlat" and "file" not in exc.params
    zh = assert_planner_words(exc, "高德坐标.csv", tmp_path)
    assert zh.startswith("高德坐标.csv：GCJ02 坐标基准只适用于经纬度")


def test_a_zipped_shapefile_with_a_field_name_cut_mid_character(tmp_path):
    folder = tmp_path / "export"
    folder.mkdir()
    shp = folder / "xq.shp"
    pyogrio.write_dataframe(three_boxes().rename(columns={"小区名称": "NAMEXXXXXX"}), shp, encoding="UTF-8")
    dbf = bytearray(shp.with_suffix(".dbf").read_bytes())
    dbf[32:42] = "小区名称".encode("utf-8")[:10]  # 小区名 and the first of 称's three bytes
    shp.with_suffix(".dbf").write_bytes(bytes(dbf))
    path = tmp_path / "小区.zip"
    with zipfile.ZipFile(path, "w") as zf:
        for part in sorted(folder.iterdir()):
            zf.write(part, arcname=part.name)
    assert [(item.name, item.features) for item in list_layers(path)] == [("xq", 3)]
    with pytest.raises(InputFileError, match="10-byte limit") as caught:
        upload(path)
    assert caught.value.code == "encoding_wrong"
    assert caught.value.params == {"file": "xq.shp", "encoding": "utf-8"}
    zh = assert_planner_words(caught.value, "xq.shp", tmp_path)
    assert "10 字节长度限制" in zh and "“文字编码”" in zh


def test_a_zip_member_that_cannot_be_unpacked(tmp_path):
    path = tmp_path / "小区.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("xq.shp", b"\0" * 100)
    data = bytearray(path.read_bytes())
    central = data.rindex(b"PK\x01\x02")
    data[8:10] = data[central + 10:central + 12] = (9).to_bytes(2, "little")  # Deflate64
    path.write_bytes(bytes(data))
    with pytest.raises(InputFileError) as caught:
        upload(path)
    assert caught.value.code == "zip_unsupported"
    zh = assert_planner_words(caught.value, "小区.zip", tmp_path)
    assert "xq.shp" in zh and "Deflate64" in zh


# --- server paths and spacing in the page's words --------------------------------------------


@pytest.mark.parametrize("words", [
    "主干路/河流/铁路",
    "a/b/c",
    "there is no column 'a/b/c'; the columns are: 编号, a/b/c",
    "字段“类型（主干路/河流/铁路）”",
    "类型 /主干路/河流/铁路",
    "lon/lat, x/y, 经度/纬度",
    "2024/01/02",
    "https://example.com/a/b",
    "/tmp",
    "~/x.shp",
])
def test_words_with_slashes_are_not_paths(words):
    assert without_paths(words) == words


@pytest.mark.parametrize(("words", "shown"), [
    ("/tmp/oldcommunity_uploads/ab12/小区.zip", "小区.zip"),
    ("C:\\data\\x.shp", "x.shp"),
    ("D:/数据/老旧小区.gpkg: no layer", "老旧小区.gpkg: no layer"),
    ("cannot open /work/main/data/demo.gpkg now", "cannot open demo.gpkg now"),
    ("'/tmp/oldcommunity_uploads/ab12/小区.zip' not recognized as a supported file format",
     "'小区.zip' not recognized as a supported file format"),
    ('"/tmp/my uploads/ab12/x.shp" is damaged', '"x.shp" is damaged'),
    ("/vsizip//tmp/oldcommunity_uploads/ab12/x.zip/export/xq.shp: bad", "xq.shp: bad"),
    ("~/data/x.shp", "x.shp"),
    ("\\\\server\\share\\x.shp", "x.shp"),
    ("（/tmp/a/小区.zip）", "（小区.zip）"),
])
def test_server_paths_are_cut_to_the_file_name(words, shown):
    assert without_paths(words) == shown


def test_list_params_with_slashes_are_shown_whole():
    exc = InputFileError("x", code="column_not_found",
                         params={"file": "管线.csv", "column": "主干路/河流/铁路", "columns": ["a/b/c", "编号"]})
    assert error_words(exc, "zh") == "管线.csv 中没有字段“主干路/河流/铁路”；文件中的字段有：a/b/c、编号。"
    assert "'主干路/河流/铁路'" in error_words(exc, "en") and "a/b/c, 编号" in error_words(exc, "en")


#: A value for every param the words name, Chinese where a planner's data may be Chinese.
SAMPLE_PARAMS = {
    "layer": "老旧小区", "kind": "communities", "kinds": ["communities", "pipelines"], "missing": ["name"],
    "column": "小区名称", "columns": ["编号", "管径"], "layer_columns": ["name"], "layers": ["老旧小区", "other"],
    "members": ["说明.txt"], "member": "xq.shp", "sheet": "小区", "value": "北京54", "encoding": "gbk",
    "crs": "EPSG:4538", "epsg": 4538, "x": 500100, "y": 4870000, "lon": 87.3, "central": 87, "offset": 6,
    "false_easting": 500000, "datum": "GCJ02", "allowed": ["gcj02", "bd09"], "detail": "not a file",
    "bytes": 12, "count": 2, "rows": 3, "row": 2, "reason": "no_geometry", "source": "名称",
    "zones": "Z1", "zone": "Z1", "zone_id": "Z1", "zone_ids": ["Z1"], "ids": ["C1", "C2"], "name": "方案一",
    "mb": 40, "files": 5, "limit_mb": 4096, "limit_files": 10000, "ratio": 200,
    "option": "--max-households", "example": "--map households=户数", "names": ["speed"], "min": 0, "max": 1,
    "needs": "--target-year", "others": ["--zones", "--assignments"], "plan_year": 2027, "rule": "service_m",
    "geometry_type": "Polygon", "facility": "school", "partial_share": 0.6, "full_share": 0.5,
    "item": "lift_retrofit", "category": "基础类", "unit": "处", "unit_kind": "zone", "unit_id": "CJ000001",
    "other": "max_households", "dataset": "演示数据",
    "formats": ["pdf"], "limits": ["budget_yuan -1"], "project": "Z001", "unit_kinds": ["street"],
    "target_year": 2026, "start_year": 2027,
    "entry": "op=move", "op": "teleport", "codes": ["too_far"], "factors": ["build_year"],
    "values": ["-1"], "oldest": 2000, "newest": 1990, "underground_weight": 0, "households_full": 2000,
    "known": ["build_year", "willingness"], "preset": "fast", "presets": ["balanced"], "expected": ["replace"],
    "community": "CJ000001", "role": "viewer", "action": "save", "owner": "zhou", "problem": "mode = 'open'", "analysis": "zoning", "seconds": 600,
    "env": "PLANNER_MAX_ANALYSIS_SECONDS",
}
FULL_WIDTH_THEN_SPACE = re.compile(r"[）”] ")
SPACE_BETWEEN_HAN = re.compile(r"[\u4e00-\u9fff] (?=[\u4e00-\u9fff])")


@pytest.mark.parametrize("code", sorted(k[len("error_"):] for k in TEXT if k.startswith("error_")))
@pytest.mark.parametrize("place", [{"file": "city.gpkg", "layer": "老旧小区"}, {"file": "city.gpkg"},
                                   {"file": "老旧小区.geojson"}, {}])
def test_chinese_words_have_no_space_after_full_width_text(code, place):
    params = {k: v for k, v in SAMPLE_PARAMS.items() if k in placeholders(TEXT[f"error_{code}"][0])} | place
    zh = error_words(GeoError("x", code=code, params=params), "zh", file=None if place else "")
    assert "{" not in zh, zh  # every param given: the catalogue's words filled in
    assert not FULL_WIDTH_THEN_SPACE.search(zh), zh
    assert not SPACE_BETWEEN_HAN.search(zh), zh


def test_the_space_before_a_latin_file_name_stays_and_values_are_untouched():
    exc = CRSError("x", code="crs_missing", params={"file": "city.gpkg", "layer": "老旧 小区"})
    assert error_words(exc, "zh").startswith("city.gpkg（图层“老旧 小区”）未注明坐标系。")
    plain = CRSError("x", code="crs_missing", params={"file": "x.shp"})
    assert error_words(plain, "zh").startswith("x.shp 未注明")
    assert error_words(GeoError("x", code="input"), "zh") == "该文件无法使用。"
    assert fill("{a} 与 {b}", {"a": "甲", "b": "B"}, "zh") == "甲与 B"


# --- builtin errors are for our own mistakes only --------------------------------------------

#: Builtin exceptions a planner's input must never end in (a GeoError subclass says what to fix).
BUILTIN_RAISES = {"ValueError", "KeyError", "TypeError", "RuntimeError", "IndexError", "LookupError",
                  "OSError", "IOError", "Exception", "ArithmeticError", "ZeroDivisionError"}


def builtin_raises(path: Path) -> list[tuple[int, str]]:
    """``(line, name)`` of each ``raise <builtin>(...)`` in ``path`` with no ``builtin`` remark.

    A builtin error is allowed where no user input reaches (a caller's mistake in our own code);
    the remark on the raise line or the three lines above it says why (``# builtin: ...``).
    """
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines()
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Raise) or node.exc is None:
            continue
        target = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
        if isinstance(target, ast.Name) and target.id in BUILTIN_RAISES:
            remark = " ".join(lines[max(0, node.lineno - 4):node.lineno]).lower()
            if "builtin" not in remark:
                found.append((node.lineno, target.id))
    return found


def test_no_builtin_error_is_raised_where_a_user_can_cause_it():
    root = Path(__file__).resolve().parent.parent / "geo"
    unexplained = {f"{p.relative_to(root.parent)}:{line}": name for p in sorted(root.rglob("*.py"))
                   for line, name in builtin_raises(p)}
    assert unexplained == {}, ("raise a coded GeoError, or say why no user input reaches it "
                               "(# builtin: ...)")


def test_the_builtin_checker_sees_a_bare_value_error(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("def f(x):\n    if x:\n        raise ValueError('bad')\n"
                      "    # builtin: our own callers pass x\n    raise KeyError(x)\n", encoding="utf-8")
    assert builtin_raises(sample) == [(3, "ValueError")]
