"""The layer model's aliases and the value parsers: what planners type is read, or reported."""

import math

import pandas as pd
import pytest

from geo.errors import SchemaError
from geo.io.parse import parse_choice, parse_column, parse_number, parse_share, parse_year
from geo.io.schema import LAYERS, guess_layer, layer_spec, match_columns, normalize_header


# Every alias the issue names, per layer, must land on its canonical column.
@pytest.mark.parametrize(
    ("layer", "header", "canonical"),
    [
        ("communities", "小区名称", "name"),
        ("communities", "名称", "name"),
        ("communities", "name", "name"),
        ("communities", "建成年代", "build_year"),
        ("communities", "建成年份", "build_year"),
        ("communities", "竣工年份", "build_year"),
        ("communities", "户数", "households"),
        ("communities", "住户数", "households"),
        ("communities", "总户数", "households"),
        ("communities", "楼栋数", "buildings"),
        ("communities", "街道", "street"),
        ("communities", "街道办", "street"),
        ("communities", "社区", "committee"),
        ("communities", "物业管理", "property_mgmt"),
        ("communities", "改造意愿", "willingness"),
        ("communities", "Build_Year", "build_year"),
        ("communities", "户数（户）", "households"),
        ("communities", " 建筑面积(m2) ", "floor_area_m2"),
        ("pipelines", "管线类型", "kind"),
        ("pipelines", "类别", "kind"),
        ("pipelines", "权属单位", "operator"),
        ("pipelines", "产权单位", "operator"),
        ("pipelines", "埋设年代", "install_year"),
        ("pipelines", "敷设年份", "install_year"),
        ("pipelines", "管径", "diameter_mm"),
        ("pipelines", "材质", "material"),
        ("pipelines", "敷设方式", "placement"),
        ("facilities", "设施类型", "kind"),
        ("facilities", "名称", "name"),
        ("barriers", "类型", "kind"),
        ("admin", "街道", "street"),
        ("admin", "区县", "county"),
        ("communities", "电梯数量", "lifts"),
        ("communities", "加装电梯", "lifts"),
        ("roads", "道路等级", "kind"),
        ("roads", "路名", "name"),
        ("roads", "道路编号", "road_id"),
    ],
)
def test_alias_maps_to_canonical(layer, header, canonical):
    match = match_columns([header, "unrelated"], layer)
    traces = {c.name: header for c in layer_spec(layer).columns
              if c.original_of is not None and c.original_of.name == canonical}
    assert match.mapping == {canonical: header, **traces}  # kind_original reads the kind's column
    assert match.unmapped == ["unrelated"]


def test_canonical_name_beats_alias_and_duplicates_are_reported():
    match = match_columns(["名称", "name", "小区名称"], "communities")
    assert match.mapping == {"name": "name"}
    assert match.ambiguous == {"name": ["小区名称", "名称"]}


def test_user_mapping_wins_and_is_checked():
    match = match_columns(["A", "户数"], "communities", user_mapping={"name": "A"})
    assert match.mapping == {"name": "A", "households": "户数"}
    with pytest.raises(SchemaError, match="not a column of layer 'communities'"):
        match_columns(["A"], "communities", user_mapping={"nme": "A"})
    with pytest.raises(SchemaError, match="does not have"):
        match_columns(["A"], "communities", user_mapping={"name": "B"})


def test_every_layer_has_its_issue_columns():
    assert LAYERS["communities"].column_names == [
        "community_id", "name", "county", "street", "committee", "build_year", "households",
        "buildings", "floors_max", "lifts", "floor_area_m2", "property_mgmt", "willingness",
        "participation", "status", "plan_year",
    ]
    assert LAYERS["pipelines"].column_names == [
        "pipeline_id", "kind", "operator", "material", "diameter_mm", "install_year", "placement",
    ]
    assert set(LAYERS["facilities"].column("kind").choices) >= {
        "elderly_care", "childcare", "kindergarten", "clinic", "market", "convenience_store",
        "parcel_locker", "ev_charging", "fitness", "property_office", "community_service",
        "post_station", "school",
    }
    assert LAYERS["barriers"].column("kind").choices == ("arterial_road", "river", "railway")
    assert LAYERS["admin"].column_names == ["county", "street"]
    assert LAYERS["roads"].column_names == ["road_id", "kind", "name"]
    assert LAYERS["roads"].column("kind").choices == (
        "arterial", "secondary", "branch", "lane", "path", "road")
    assert not LAYERS["roads"].column("kind").required     # an ungraded network still walks
    with pytest.raises(SchemaError, match="expected one of.*roads"):
        layer_spec("streetlights")


def test_value_aliases_point_at_real_choices():
    for spec in LAYERS.values():
        for col in spec.columns:
            assert set(col.value_aliases.values()) <= set(col.choices), (spec.name, col.name)


def test_normalize_header_folds_width_case_units():
    assert normalize_header("ＢＵＩＬＤ＿ＹＥＡＲ") == "buildyear"
    assert normalize_header("户数【户】") == "户数"


@pytest.mark.parametrize(
    ("name", "headers", "types", "expected"),
    [
        ("老旧小区", ["名称", "户数"], ["Polygon"], "communities"),
        ("layer1", ["管线类型", "管径", "材质"], ["LineString"], "pipelines"),
        ("poi", ["设施类型", "名称"], ["Point"], "facilities"),
        ("streets", ["街道", "区县"], ["MultiPolygon"], "admin"),
        ("roads", ["name", "kind"], ["LineString"], "roads"),
        ("路网2023", ["道路名称", "道路等级"], ["MultiLineString"], "roads"),
        ("road_network", [], ["LineString"], "roads"),
        ("barriers", ["名称", "类型"], ["LineString", "Polygon"], "barriers"),
        ("whatever", ["foo"], ["Point"], None),
    ],
)
def test_guess_layer(name, headers, types, expected):
    assert guess_layer(name, headers, types) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1987年", 1987), ("1987", 1987), (1987, 1987), (1987.0, 1987), ("1987-05", 1987),
        ("1987年5月", 1987), ("1987.05.12", 1987), ("１９８７年", 1987),
        (pd.Timestamp("1987-06-01"), 1987),
    ],
)
def test_years_read(value, expected):
    assert parse_year(value) == (expected, None, None)


def test_decade_is_read_with_a_warning():
    year, warning, error = parse_year("1980年代")
    assert (year, error) == (1980, None)
    assert "decade" in warning and "1980" in warning


@pytest.mark.parametrize("value", ["87年", "1985-1990", "八十年代", "unknown year", 1987.5])
def test_years_never_guessed(value):
    year, _, error = parse_year(value)
    assert year is None and error


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [
        ("312户", "households", 312), ("1,234", "households", 1234), ("３１２户", "households", 312),
        ("3栋", "buildings", 3), ("6层", "floors", 6), ("1.2万㎡", "m2", 12000),
        ("8500平方米", "m2", 8500), ("DN300", "mm", 300), ("Φ200", "mm", 200), ("150mm", "mm", 150),
        (42, None, 42),
    ],
)
def test_numbers_with_units(value, unit, expected):
    assert parse_number(value, unit=unit) == (expected, None)


@pytest.mark.parametrize(("value", "unit"), [("约300", "households"), ("300米", "households"),
                                             ("many", None), (float("inf"), None), (True, None)])
def test_numbers_not_guessed(value, unit):
    number, reason = parse_number(value, unit=unit)
    assert number is None and reason


def test_shares():
    assert parse_share("85%") == (0.85, None, None)
    assert parse_share("0.6") == (0.6, None, None)
    share, warning, _ = parse_share(85)
    assert math.isclose(share, 0.85) and "85 %" in warning
    assert parse_share("most")[2]


def test_choice_aliases():
    kind = layer_spec("pipelines").column("kind")
    assert parse_choice("给水", kind) == ("water_supply", None)
    assert parse_choice("Water_Supply", kind) == ("water_supply", None)
    assert parse_choice("中水", kind)[0] is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [("主干路", "arterial"), ("快速路", "arterial"), ("次干路", "secondary"), ("支路", "branch"),
     ("巷道", "lane"), ("街巷", "lane"), ("小区道路", "lane"), ("步行道", "path"), ("人行道", "path"),
     ("road", "road"), ("道路", "road")],
)
def test_road_kind_aliases(value, expected):
    assert parse_choice(value, layer_spec("roads").column("kind")) == (expected, None)


def test_arterial_roads_still_load_as_barriers():
    kind = layer_spec("barriers").column("kind")
    assert parse_choice("主干路", kind) == ("arterial_road", None)
    assert parse_choice("arterial", kind) == ("arterial_road", None)


def test_parse_column_reports_every_unreadable_value_and_keeps_alignment():
    series = pd.Series(["312户", "不详", "约300", None, 45.0], index=[10, 11, 12, 13, 14])
    values, notes = parse_column(series, "int", column=layer_spec("communities").column("households"))
    assert values.dtype == "Int64"
    assert list(values.index) == [10, 11, 12, 13, 14]
    assert values.tolist()[0] == 312 and values.tolist()[4] == 45
    assert pd.isna(values.iloc[1]) and pd.isna(values.iloc[2]) and pd.isna(values.iloc[3])
    assert [(n.position, n.severity) for n in notes] == [(2, "error")]


def test_parse_column_text_keeps_ids_readable():
    values, notes = parse_column(pd.Series([101.0, "A-7", " x "]), "id")
    assert values.tolist() == ["101", "A-7", "x"] and notes == []


@pytest.mark.parametrize("value", ["none", "None", "无", "无物业"])
def test_none_is_a_choice_of_property_mgmt_not_missing_data(value):
    """'none' (no property management) is a value of its own, not 'no data' (it was read as missing)."""
    parsed, notes = parse_column(pd.Series([value, "专业物业", None]), "choice",
                                 column=LAYERS["communities"].column("property_mgmt"))
    assert parsed.tolist() == ["none", "professional", None]
    assert notes == []


def test_none_is_still_missing_where_it_is_no_choice():
    parsed, _ = parse_column(pd.Series(["none", "312户"]), "int", column=LAYERS["communities"].column("households"))
    assert parsed.isna().tolist() == [True, False]
