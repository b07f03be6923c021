"""Unit costs (defaults and a planner's CSV), costed items, totals, funding split and gap."""

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.planning.costs import (DEFAULT_UNIT_COSTS, SOURCES, YUNNAN_2020_TOTAL_YI, FundingShares, combine_unit_costs,
                       cost_by_unit, cost_items, funding_gap, funding_split, read_unit_costs)
from geo.errors import InputFileError, SchemaError
from geo.planning.items import ITEMS


def test_default_table_covers_every_item_with_its_unit_and_a_note():
    table = DEFAULT_UNIT_COSTS.set_index("item")
    assert set(table.index) == set(ITEMS)
    assert all(table.loc[k, "unit"] == ITEMS[k][3] for k in ITEMS)
    assert (table["unit_cost_yuan"] > 0).all()
    assert 250_000 <= table.loc["lift_retrofit", "unit_cost_yuan"] <= 350_000
    assert table["note"].str.contains("replace").all() and table["note_zh"].str.contains("替换").all()


def write(tmp_path, text, encoding="utf-8", name="costs.csv"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_read_utf8_with_bom_blank_cost_and_unknown_item(tmp_path):
    path = write(tmp_path, "item,unit,unit_cost_yuan,note\npipe_gas,m,\"1,050\",tender 2024\n"
                           "roof_waterproofing,m2,,\nmural,item,20000,文化墙\n", encoding="utf-8-sig")
    t = read_unit_costs(path)
    assert t["item"].tolist() == ["pipe_gas", "roof_waterproofing", "mural"]
    assert t["unit_cost_yuan"].iloc[0] == 1050.0 and math.isnan(t["unit_cost_yuan"].iloc[1])
    assert t["status"].tolist() == ["ok", "no_cost", "unknown_item"]
    assert t["known"].tolist() == [True, True, False]
    assert t["row"].tolist() == [2, 3, 4]
    assert t["status_zh"].iloc[1] and t["status_en"].iloc[2]


def test_read_gbk_with_chinese_headers(tmp_path):
    path = write(tmp_path, "项目,单位,单价\nlift_retrofit,lift,320000\npipe_water_supply,m,650\n", encoding="gbk")
    t = read_unit_costs(path).set_index("item")
    assert t.loc["lift_retrofit", "unit_cost_yuan"] == 320000.0
    assert t.loc["pipe_water_supply", "unit_cost_yuan"] == 650.0


@pytest.mark.parametrize("text, match", [
    ("item,unit\npipe_gas,m\n", r"no column 'unit_cost_yuan'.*item,unit,unit_cost_yuan"),
    ("item,unit,unit_cost_yuan\npipe_gas,m,800\nlift_retrofit,lift,30万\n", r"line 3 \(lift_retrofit\).*not a number"),
    ("item,unit,unit_cost_yuan\npipe_gas,m2,800\n", r"line 2 \(pipe_gas\).*measured in 'm'"),
    ("item,unit,unit_cost_yuan\npipe_gas,km,800\n", r"unit 'km' is not one of"),
    ("item,unit,unit_cost_yuan\npipe_gas,m,-5\n", r"must be a number >= 0"),
    ("item,unit,unit_cost_yuan\npipe_gas,m,800\npipe_gas,m,900\n", r"lines 2, 3: pipe_gas is listed more than once"),
    ("item,unit,unit_cost_yuan\n,m,800\n", r"line 2: the item is blank"),
])
def test_read_errors_name_the_line_and_the_fix(tmp_path, text, match):
    with pytest.raises(SchemaError, match=match):
        read_unit_costs(write(tmp_path, text))


def test_read_missing_or_empty_file(tmp_path):
    with pytest.raises(InputFileError, match="no such file"):
        read_unit_costs(tmp_path / "none.csv")
    with pytest.raises(InputFileError, match="empty"):
        read_unit_costs(write(tmp_path, ""))


def items_table():
    return pd.DataFrame({
        "unit_id": ["a", "a", "a", "Z1", "Z1"], "unit_kind": ["community"] * 3 + ["zone"] * 2,
        "item": ["pipe_gas", "lift_retrofit", "roof_waterproofing", "clinic", "mural"],
        "category": ["basic", "improvement", "basic", "upgrading", "upgrading"],
        "quantity": [100.0, 2.0, np.nan, 1.0, 1.0], "unit": ["m", "lift", "m2", "site", "item"]})


def test_cost_items_never_costs_unknown_things_as_zero():
    costed = cost_items(items_table())
    assert costed["cost_yuan"].iloc[:2].tolist() == [80_000.0, 600_000.0]
    assert math.isnan(costed["cost_yuan"].iloc[2]) and "quantity unknown" in costed["cost_note_en"].iloc[2]
    assert costed["cost_yuan"].iloc[3] == 500_000.0
    assert math.isnan(costed["cost_yuan"].iloc[4]) and "no unit cost" in costed["cost_note_en"].iloc[4]
    assert costed["cost_note_zh"].iloc[0] == "" and costed["cost_note_zh"].iloc[4]


def test_cost_items_with_a_planners_table_and_unit_mismatch(tmp_path):
    user = read_unit_costs(write(tmp_path, "item,unit,unit_cost_yuan\nmural,item,20000\nclinic,site,\n"))
    costed = cost_items(items_table(), combine_unit_costs(user))
    assert costed["cost_yuan"].iloc[4] == 20_000.0
    assert math.isnan(costed["cost_yuan"].iloc[3]) and "empty" in costed["cost_note_en"].iloc[3]
    wrong = items_table().assign(unit=["m2", "lift", "m2", "site", "item"])
    assert "per m" in cost_items(wrong)["cost_note_en"].iloc[0]
    with pytest.raises(SchemaError, match="more than once"):
        cost_items(items_table(), pd.concat([DEFAULT_UNIT_COSTS, DEFAULT_UNIT_COSTS.iloc[:1]]))


def test_cost_by_unit_totals_per_category():
    units = cost_by_unit(cost_items(items_table()))
    assert units["unit_id"].tolist() == ["a", "Z1"]
    a, z = units.iloc[0], units.iloc[1]
    assert (a["basic_yuan"], a["improvement_yuan"], a["upgrading_yuan"], a["cost_yuan"]) == (80_000, 600_000, 0, 680_000)
    assert (z["unit_kind"], z["upgrading_yuan"], z["uncosted_items"]) == ("zone", 500_000, 1)
    assert a["uncosted_items"] == 1
    with pytest.raises(SchemaError, match="cost_items"):
        cost_by_unit(items_table())


# --- funding ----------------------------------------------------------------------------------

def test_default_shares_are_yunnan_2020():
    f = FundingShares()
    s = f.shares()
    assert list(s) == list(SOURCES) and sum(s.values()) == pytest.approx(1, abs=1e-12)
    assert f.central_subsidy + f.special_bonds == pytest.approx((31.26 + 3.15 + 1.9) / YUNNAN_2020_TOTAL_YI)
    assert f.residents == pytest.approx(0.46 / 147.92) and f.bank_credit == pytest.approx(4.7 / 147.92)
    assert f.pipeline_operators == pytest.approx(1.57 / 147.92)
    assert f.local_budget == pytest.approx((147.92 - 36.31 - 0.46 - 1.57 - 4.7) / 147.92)


def test_shares_are_validated():
    with pytest.raises(SchemaError, match=r"sum to 1; they sum to 1\.1"):
        FundingShares(central_subsidy=0.5, local_budget=0.6, special_bonds=0, residents=0, pipeline_operators=0,
                      social_capital=0, bank_credit=0)
    with pytest.raises(SchemaError, match=">= 0"):
        FundingShares(central_subsidy=1.5, local_budget=-0.5, special_bonds=0, residents=0, pipeline_operators=0,
                      social_capital=0, bank_credit=0)
    with pytest.raises(SchemaError, match="unknown funding source"):
        FundingShares.from_amounts({"lottery": 1})
    assert FundingShares.from_amounts({"central_subsidy": 1, "residents": 1}).residents == 0.5


_amounts = st.lists(st.floats(0, 100), min_size=7, max_size=7).filter(lambda a: sum(a) > 1e-3)


@settings(max_examples=80, deadline=None)
@given(costs=st.lists(st.floats(0, 5e9), min_size=1, max_size=20), amounts=_amounts)
def test_funding_parts_add_up_exactly(costs, amounts):
    shares = FundingShares.from_amounts(dict(zip(SOURCES, amounts)))
    cost = pd.Series(costs, index=[f"u{i}" for i in range(len(costs))])
    split = funding_split(cost, shares=shares)
    assert split.index.equals(cost.index)
    assert list(split.columns) == [f"{s}_yuan" for s in SOURCES]
    total = np.floor(cost.to_numpy() + 0.5)
    assert (split.sum(axis=1).to_numpy(dtype=np.int64) == total.astype(np.int64)).all()
    exact = total[:, None] * np.array(list(shares.shares().values()))[None, :]
    assert (np.abs(split.to_numpy(dtype=float) - exact) <= 1 + 1e-6 * total[:, None]).all()
    assert (split.to_numpy(dtype=np.int64) >= 0).all()


def test_funding_split_hand_case_nan_and_negative():
    thirds = FundingShares.from_amounts({"central_subsidy": 1, "local_budget": 1, "residents": 1})
    split = funding_split(pd.Series([100.0, np.nan]), shares=thirds)
    assert split.iloc[0][["central_subsidy_yuan", "local_budget_yuan", "residents_yuan"]].tolist() == [34, 33, 33]
    assert split.iloc[1].isna().all()
    with pytest.raises(SchemaError, match=">= 0"):
        funding_split(pd.Series([-1.0]))


def test_funding_gap_default_committed_and_zero_cost():
    units = pd.DataFrame({"unit_id": ["a", "b", "c", "d"], "cost_yuan": [1000.0, 1000.0, 0.0, 1000.0]})
    f = FundingShares()
    gap = funding_gap(units, f)
    assert gap["a"] == pytest.approx(f.local_budget + f.bank_credit) and gap["c"] == 0.0
    pledged = pd.DataFrame({"unit_id": ["b", "d"], "residents_yuan": [100.0, 900.0],
                            "central_subsidy_yuan": [200.0, 900.0]})
    gap2 = funding_gap(units, f, committed=pledged)
    assert gap2["b"] == pytest.approx(0.7) and gap2["d"] == 0.0       # over-committed: clipped to 0
    assert gap2["a"] == pytest.approx(gap["a"])
    with pytest.raises(SchemaError, match="_yuan"):
        funding_gap(units, f, committed=pd.DataFrame({"unit_id": ["a"], "money": [1.0]}))
