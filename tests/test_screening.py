"""Sanctions screening of a fleet list: the IMO check digit, fleet validation with row-level errors, the
list readers, matching, at-risk profiles, the exposure report by hand, the fleet profile and the CLI.

Most tests use `StubWorld`, whose flag classification is written below, so the hand sums do not move when
the shipped world data is revised; `test_sample_with_shipped_world` runs the same sample against
`riskmodel.world.load_world()`.

The sample book (riskmodel/screening/samples/sample_fleet.csv, screened as of 2026-06-30; cedants NW =
Northwind Marine, HM = Harbour Mutual; contracts HULL = HULL-XL-26, PI = PI-XL-26):

    row vessel            SI  premium cedant contract age flag P&I class finding
    2   Aurora Spirit     95  0.80    NW     HULL       7 LBR  ig        -
    3   Baltic Meridian   18  0.42    NW     HULL      22 GAB  none      IMO (EU, UK, OFAC); P&I designated
    4   Coral Venture     40  0.50    NW     PI        18 PAN  ig        IMO (OFAC, EU via OpenSanctions)
    5   M/T Delta Horizon 12  0.30    NW     PI        23 CMR  none      name+flag only (no IMO on the list)
    6   Eastern Pearl     30  0.36    HM     HULL      15 PAN  ig        name+flag only (list IMO invalid)
    7   Fjord Runner      25  0.20    HM     HULL      11 MHL  ig        name+flag, another valid IMO on list
    8   Golden Tern       60  0.70    HM     PI        27 GRC  ig        - (old, but not under a FoC)
    9   Harbour Light     22  0.25    HM     (none)    10 MLT  western   -
    10  Iris Tide         15  0.40    HM     HULL      17 CMR  none      IMO (UK); flag changed 2026-03-01
    11  Juniper Sound     35  0.45    NW     (none)    16 PAN  none      P&I designated (insurers list)
    12  Kestrel Point     28  0.22    HM     PI         5 NOR  ig        -
    13  Lantern Bay       10  0.12    NW     HULL      13 SGP  ig        H&M designated
    14  Taiga Star        20  0.30    HM     PI        14 RUS  ig        - (flag of a sanctioned state)

At-risk profiles (stub world): sanctioned-state flag row 14 (RUS); shadow flag rows 3 (GAB), 5, 10 (CMR);
age 20+ under a flag of convenience row 3 (22 years, GAB); P&I neither IG nor Western fixed-premium
(`non_western_pi`) rows 3, 5, 10, 11; recent flag change row 10. A flag of convenience alone (rows 2, 4,
6, 7, 9, 11), an age of 20+ alone (rows 5, 8) or Western fixed-premium P&I (row 9, British Marine) is not
an at-risk profile.
"""

from __future__ import annotations

import argparse
import datetime as dt
import difflib
import gzip
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from riskmodel.cli import main
from riskmodel.cli import screen as screen_cli
from riskmodel.screening import (
    EXPOSURE_CATEGORIES,
    SEGMENTS,
    TABLES,
    FleetValidationError,
    ListFormatError,
    fleet_profile,
    imo_check_digit,
    provider_class,
    read_designated_insurers,
    read_fleet,
    read_lists,
    read_opensanctions,
    read_sanctions_csv,
    screen,
    validate_fleet,
)
from riskmodel.screening.fleet import imo_check_digits, imo_valid, parse_imo
from riskmodel.screening.lists import flags_to_iso3, normalise_vessel_names
from riskmodel.screening.screen import EXPOSURE_GROUPINGS
from riskmodel.world import load_world

SAMPLES = Path(__file__).resolve().parents[1] / "riskmodel" / "screening" / "samples"
DOCS = Path(__file__).resolve().parents[1] / "docs" / "screening.md"
FLEET = SAMPLES / "sample_fleet.csv"
INVALID_FLEET = SAMPLES / "sample_fleet_invalid.csv"
LIST_CSV = SAMPLES / "sample_sanctions.csv"
LIST_FTM = SAMPLES / "sample_opensanctions.jsonl"
INSURERS = SAMPLES / "sample_insurers.txt"
AS_OF = dt.date(2026, 6, 30)

HEADER = (
    "imo,name,segment,dwt,gt,year_built,flag,pi_provider,hm_insurer,"
    "sum_insured_usd_m,premium_usd_m,cedant,contract"
)


class StubWorld:
    """The world interface screening uses, with a fixed flag classification (the shipped data's, 2025):
    flags of convenience PAN, LBR, MHL, MLT, GAB, COM; shadow flags GAB, CMR, COM; RUS sanctioned by the
    EU, UK and US."""

    CODES = ("LBR", "GAB", "PAN", "CMR", "MHL", "GRC", "MLT", "NOR", "SGP", "COM", "RUS")
    FOC = frozenset({"PAN", "LBR", "MHL", "MLT", "GAB", "COM"})
    SHADOW = frozenset({"GAB", "CMR", "COM"})

    def __init__(self) -> None:
        self.state_codes = frozenset(self.CODES)
        self.trade_codes = frozenset({"RUS_BALTIC_CRUDE", "IRN_CHN_CRUDE"})
        self.states = pd.DataFrame(
            {
                "iso3": self.CODES,
                "flag_of_convenience": [c in self.FOC for c in self.CODES],
                "shadow_flag": [c in self.SHADOW for c in self.CODES],
                "sanctioned_by": ["EU;UK;US" if c == "RUS" else "" for c in self.CODES],
            }
        )

    def suggest_state(self, code: str) -> list[str]:
        return difflib.get_close_matches(code.upper(), self.state_codes, n=1)


@pytest.fixture(scope="module")
def world() -> StubWorld:
    return StubWorld()


@pytest.fixture(scope="module")
def result(world: StubWorld):
    return screen(FLEET, [LIST_CSV, LIST_FTM], INSURERS, world=world, as_of=AS_OF)


def rows_of(vessels: pd.DataFrame, column: str) -> set[int]:
    return set(vessels.loc[vessels[column], "row"])


def write_fleet(tmp_path: Path, *lines: str, header: str = HEADER) -> Path:
    path = tmp_path / "fleet.csv"
    path.write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")
    return path


GOOD_ROW = "3100019,Aurora Spirit,vlcc,,,2019,LBR,Gard,,95,0.80,Northwind Marine,HULL-XL-26"


# ---------------------------------------------------------------------------------------------- IMO
def test_imo_check_digit_worked_example():
    """IMO 9074729: 9×7 + 0×6 + 7×5 + 4×4 + 7×3 + 2×2 = 63 + 0 + 35 + 16 + 21 + 4 = 139 → 9."""
    assert imo_check_digit(907472) == 9
    assert parse_imo("IMO 9074729") == 9074729
    with pytest.raises(ValueError, match="the last digit should be 9"):
        parse_imo("9074728")
    with pytest.raises(ValueError, match="7 digits"):
        parse_imo("907472")


@settings(deadline=None)  # (a shared machine under load can take more than the default 200 ms)
@given(st.integers(min_value=1_000_000, max_value=9_999_999))
def test_vectorised_imo_check_agrees_with_the_scalar_one(number: int):
    scalar = number % 10 == imo_check_digit(number // 10)
    assert bool(imo_valid(np.array([number]))[0]) == scalar
    assert int(imo_check_digits(np.array([number // 10]))[0]) == imo_check_digit(number // 10)


# ---------------------------------------------------------------------------------------- fleet list
def test_sample_fleet_reads_and_derives_columns(world):
    fleet = read_fleet(FLEET, world=world, current_year=2026).set_index("row")
    assert len(fleet) == 13
    # 105,000 DWT is an Aframax (80-120k); 49,000 DWT an MR (25-55k).
    assert fleet.at[3, "segment"] == "AFRAMAX" and fleet.at[9, "segment"] == "MR"
    # GT given for Aurora Spirit only; the others get their segment's mean GT.
    assert fleet.at[2, "gt"] == 160_000 and not fleet.at[2, "gt_estimated"]
    assert fleet.at[3, "gt"] == 58_000 and fleet.at[3, "gt_estimated"]
    assert fleet["pi_class"].to_dict() == {
        2: "ig", 3: "none", 4: "ig", 5: "none", 6: "ig", 7: "ig",
        8: "ig", 9: "western_fixed", 10: "none", 11: "none", 12: "ig", 13: "ig", 14: "ig",
    }  # fmt: skip
    assert set(fleet.index[~fleet["pi_provider_recognised"]]) == {3, 11}  # two unknown insurer names


def test_invalid_fleet_lists_every_problem_with_row_column_value(world):
    with pytest.raises(FleetValidationError) as caught:
        read_fleet(INVALID_FLEET, world=world, current_year=2026)
    lines = str(caught.value).splitlines()
    assert lines[0] == "sample_fleet_invalid.csv: 7 problems in the fleet list"
    assert all(line.startswith("sample_fleet_invalid.csv: row ") for line in lines[1:])
    assert [line.removeprefix("sample_fleet_invalid.csv: ") for line in lines[1:]] == [
        "row 3, column imo, value '3100022': invalid IMO check digit: the last digit should be 1 for "
        "310002_; allowed: a 7-digit IMO number whose last digit is its check digit",
        "row 4, column year_built, value '1890': impossible year built 1890; allowed: 1950 to 2026",
        "row 4, column flag, value 'PNM': unknown flag state 'PNM' (did you mean 'PAN'?); "
        "allowed: an ISO3 state code of the world data",
        "row 5, column imo, value '3100019': duplicate IMO 3100019 for cedant 'Northwind Marine' and "
        "contract 'HULL-XL-26', first in row 2; allowed: each IMO once per cedant and contract",
        "row 5, column premium_usd_m, value '-0.3': Input should be greater than or equal to 0; "
        "allowed: the premium in USD millions, a number from 0 to 10,000",
        "row 6, column segment, empty: no segment, dwt or gt; give at least one of them",
        "row 6, column cedant, empty: a value is required; allowed: the cedant's name",
    ]
    assert [(p.row, p.column) for p in caught.value.problems][:2] == [(3, "imo"), (4, "year_built")]


def test_row_numbers_count_blank_lines_and_the_header(world, tmp_path):
    path = write_fleet(tmp_path, GOOD_ROW, "", GOOD_ROW.replace("3100019", "3100021").replace("2019", "2031"))
    with pytest.raises(FleetValidationError) as caught:
        read_fleet(path, world=world, current_year=2026)
    assert [(p.row, p.column, p.value) for p in caught.value.problems] == [(4, "year_built", "2031")]


def test_duplicates_are_reported_against_the_first_row(world, tmp_path):
    path = write_fleet(tmp_path, GOOD_ROW, GOOD_ROW, GOOD_ROW.replace("3100019", "IMO 3100019"))
    with pytest.raises(FleetValidationError) as caught:
        read_fleet(path, world=world, current_year=2026)
    repeated = "duplicate IMO 3100019 for cedant 'Northwind Marine' and contract 'HULL-XL-26', first in row 2"
    assert [str(p).split(": ", 1)[1] for p in caught.value.problems] == [
        f"row 3, column imo, value '3100019': {repeated}; allowed: each IMO once per cedant and contract",
        f"row 4, column imo, value 'IMO 3100019': {repeated}; allowed: each IMO once per cedant and contract",
    ]


def test_header_problems_name_the_column(world, tmp_path):
    header = HEADER.replace("sum_insured_usd_m", "sum_insured").replace("cedant", "name")
    path = write_fleet(tmp_path, GOOD_ROW, header=header)
    with pytest.raises(FleetValidationError) as caught:
        read_fleet(path, world=world, current_year=2026)
    assert [str(p) for p in caught.value.problems] == [
        "fleet.csv: row 1, column name, value 'name': column given twice (also as 'name')",
        "fleet.csv: row 1, column sum_insured_usd_m, empty: required column missing (is it 'sum_insured'?); "
        "allowed: the sum insured in USD millions, a number from 0 to 10,000",
        "fleet.csv: row 1, column cedant, empty: required column missing; allowed: the cedant's name",
    ]


def test_a_column_spelt_almost_like_an_optional_one_is_an_error(world, tmp_path):
    """`contrat` and `pi_clas` were kept as the user's own columns, so every vessel had no contract and the
    P&I class of an unknown provider, while a column named `region` stays the user's own."""
    header = HEADER.replace("contract", "contrat") + ",pi_clas,region"
    path = write_fleet(tmp_path, GOOD_ROW + ",ig,north", header=header)
    with pytest.raises(FleetValidationError) as caught:
        read_fleet(path, world=world, current_year=2026)
    assert [(p.column, p.message.split(":")[0]) for p in caught.value.problems] == [
        ("contrat", "unknown column, spelt almost like 'contract'"),
        ("pi_clas", "unknown column, spelt almost like 'pi_class'"),
    ]
    # columns of one's own, some close to the list's (grade and trade, trader and trade): kept as they are
    mine = ",region,grade,trader,ice class"
    fleet = read_fleet(
        write_fleet(tmp_path, GOOD_ROW + ",north,crude,X,1A", header=HEADER + mine), world=world
    )
    assert fleet[["region", "grade", "trader", "ice class"]].values.tolist() == [
        ["north", "crude", "X", "1A"]
    ]


def test_list_files_take_only_their_own_columns(tmp_path):
    """`flag_change` and `past_flag` were dropped without a word, so a recent flag change went unflagged:
    now an error; a column of one's own (`program`, `remarks`) is not read, with a problem row saying so."""
    allowed = "allowed: imo, name, list, date, flag, flag_changed, past_flags"
    (tmp_path / "l.csv").write_text(
        "imo,name,list,date,flag,flag_change,past_flag\n3100019,X,OFAC,2024-01-01,CMR,2026-06-01,PAN\n",
        encoding="utf-8",
    )
    with pytest.raises(ListFormatError) as caught:
        read_sanctions_csv(tmp_path / "l.csv")
    spelt = "unknown column, spelt almost like {!r}: rename it, or give a column of your own a name unlike "
    spelt += "these; "
    assert [(p.column, p.message) for p in caught.value.problems] == [
        ("flag_change", spelt.format("flag_changed") + allowed),
        ("past_flag", spelt.format("past_flags") + allowed),
    ]
    (tmp_path / "ok.csv").write_text(
        "imo,name,list,date,program,remarks\n3100019,X,OFAC,2024-01-01,RUSSIA-EO14024,tanker\n",
        encoding="utf-8",
    )
    problems = read_sanctions_csv(tmp_path / "ok.csv").problems
    assert problems[["line", "column"]].values.tolist() == [[1, "program"], [1, "remarks"]]
    assert problems["problem"].str.startswith("a column of your own: not read").all()
    (tmp_path / "ins2.csv").write_text("name,country\nIngosstrakh,RUS\n", encoding="utf-8")
    assert read_designated_insurers(tmp_path / "ins2.csv").problems["column"].tolist() == ["country"]


def test_trade_must_be_a_world_trade(world, tmp_path):
    second = GOOD_ROW.replace("3100019", "3100021") + ",RUS_BALTIC"
    path = write_fleet(tmp_path, GOOD_ROW + ",RUS_BALTIC_CRUDE", second, header=HEADER + ",trade")
    with pytest.raises(FleetValidationError) as caught:
        read_fleet(path.rename(tmp_path / "f.csv"), world=world, current_year=2026)
    assert [str(p) for p in caught.value.problems] == [
        "f.csv: row 3, column trade, value 'RUS_BALTIC': unknown trade 'RUS_BALTIC' (did you mean "
        "'RUS_BALTIC_CRUDE'?); allowed: a trade id of the world data (blank: unknown)"
    ]


def test_rows_longer_than_the_header_and_empty_files_are_named(world, tmp_path):
    """pandas' own text (ParserError, EmptyDataError) was shown instead of the row and what to do."""
    with pytest.raises(FleetValidationError) as info:
        read_fleet(
            write_fleet(tmp_path, GOOD_ROW, GOOD_ROW.replace("3100019", "3100021") + ",extra"), world=world
        )
    assert "fleet.csv: row 3: has 14 values where the header names 13 columns" in str(info.value)
    (tmp_path / "empty.csv").write_text("")
    with pytest.raises(FleetValidationError, match="the file is empty: give a header row"):
        read_fleet(tmp_path / "empty.csv", world=world)


def test_headers_as_people_write_them(world, tmp_path):
    header = "IMO,Vessel name,DWT,Year built,Flag,P&I provider,H&M insurer,Sum insured (USD m),Premium,Cedant"
    header = header.replace("Premium", "Premium (USD m)")
    path = write_fleet(
        tmp_path, "3100019,Aurora Spirit,300000,2019,lbr,Gard,,95,0.8,Northwind", header=header
    )
    fleet = read_fleet(path, world=world, current_year=2026)
    assert fleet.loc[0, ["imo", "segment", "flag", "pi_class"]].tolist() == [3100019, "VLCC", "LBR", "ig"]


def test_own_columns_travel_with_the_vessels_and_an_empty_list_is_an_error(world, tmp_path):
    path = write_fleet(tmp_path, GOOD_ROW + ",POL-001", header=HEADER + ",Policy ref")
    result = screen(path, LIST_CSV, world=world, as_of=AS_OF)
    assert result.vessels.loc[0, "Policy ref"] == "POL-001"
    with pytest.raises(FleetValidationError, match=r"fleet\.csv: no vessels: the list has no rows"):
        read_fleet(write_fleet(tmp_path), world=world)


def test_excel_reads_like_csv_and_cites_spreadsheet_rows(world, tmp_path):
    table = pd.read_csv(FLEET)
    table.to_excel(tmp_path / "fleet.xlsx", index=False)
    from_csv = read_fleet(FLEET, world=world, current_year=2026)
    from_excel = read_fleet(tmp_path / "fleet.xlsx", world=world, current_year=2026)
    pd.testing.assert_frame_equal(from_excel, from_csv)

    table.loc[2, "flag"] = "XXX"  # third vessel: spreadsheet row 4
    table.to_excel(tmp_path / "bad.xlsx", index=False)
    with pytest.raises(FleetValidationError) as caught:
        read_fleet(tmp_path / "bad.xlsx", world=world, current_year=2026)
    assert [(p.source, p.row, p.column, p.value) for p in caught.value.problems] == [
        ("bad.xlsx (sheet 'Sheet1')", 4, "flag", "XXX")  # messages name the sheet read
    ]
    # A workbook whose first sheet is a cover page: the message says which sheet was read, and which others
    # there are.
    with pd.ExcelWriter(tmp_path / "two.xlsx") as book:
        pd.DataFrame({"Bordereau Q2 2026": []}).to_excel(book, sheet_name="Cover", index=False)
        table.to_excel(book, sheet_name="Fleet", index=False)
    with pytest.raises(FleetValidationError) as caught:
        read_fleet(tmp_path / "two.xlsx", world=world, current_year=2026)
    assert str(caught.value.problems[0]).startswith(
        "two.xlsx (sheet 'Cover', the first of 2: 'Cover', 'Fleet'): row 1, column imo, empty: required "
        "column missing"
    )


def test_unreadable_fleet_files_are_input_errors(world, tmp_path):
    (tmp_path / "fleet.xlsx").write_text("not a workbook", encoding="utf-8")
    with pytest.raises(FleetValidationError, match=r"fleet.xlsx: cannot be read as a table \(BadZipFile"):
        read_fleet(tmp_path / "fleet.xlsx", world=world)
    (tmp_path / "fleet.txt").write_text(HEADER, encoding="utf-8")
    with pytest.raises(
        FleetValidationError, match=r"unknown file type \(a \.txt file is a designated-insurers "
    ):
        read_fleet(tmp_path / "fleet.txt", world=world)
    (tmp_path / "fleet.doc").write_text(HEADER, encoding="utf-8")
    with pytest.raises(FleetValidationError, match=r"unknown file type; allowed: \.csv, \.xlsx, \.xlsm"):
        read_fleet(tmp_path / "fleet.doc", world=world)


def test_a_dataframe_validates_like_a_file(world):
    raw = pd.read_csv(FLEET)  # numbers as numbers, blanks as NaN
    fleet = validate_fleet(raw, source="book", world=world, current_year=2026)
    pd.testing.assert_frame_equal(fleet, read_fleet(FLEET, world=world, current_year=2026))


def test_segments_agree_with_the_world_data():
    """The segment ids and mean GT used for fleet lists are those of riskmodel/world/data/segments.csv."""
    world_segments = pd.read_csv(SAMPLES.parents[1] / "world" / "data" / "segments.csv", index_col="segment")
    assert {s.id: s.mean_gt for s in SEGMENTS} == world_segments["mean_gt"].to_dict()


def test_provider_classes_from_names():
    names = pd.Series(
        ["Gard P&I (Bermuda) Ltd", "The Standard Club", "British Marine", "SOGAZ", "n/a", "Acme"]
    )
    classes, recognised = provider_class(names)
    assert classes.tolist() == ["ig", "ig", "western_fixed", "domestic", "none", "none"]
    assert recognised.tolist() == [True, True, True, True, True, False]


# ------------------------------------------------------------------------------------------- lists
def test_sanctions_csv_entries_and_problems():
    lists = read_sanctions_csv(LIST_CSV)
    assert len(lists.vessels) == 7
    assert lists.vessels["imo"].notna().sum() == 5  # 3100058 (check digit) and 12345 (length) not usable
    assert lists.problems[["line", "column", "value", "problem"]].values.tolist() == [
        [4, "imo", "3100058", "invalid IMO check digit: the last digit should be 7; not matched by IMO"],
        [8, "imo", "12345", "an IMO number has 7 digits; not matched by IMO"],
    ]


def test_opensanctions_export():
    lists = read_opensanctions(LIST_FTM)
    vessels = lists.vessels
    # Baltic Meridian (1 dataset) + Coral Venture (2 datasets) + Delta Horizon (name and alias); no Person.
    assert len(vessels) == 5
    coral = vessels[vessels["entity_id"] == "sample-v-002"].set_index("list")
    # The Sanction entity (listingDate 2024-02-23) is of us_ofac_sdn only: it does not date the eu_fsf
    # listing, which falls back to the entity's first_seen (2024-03-01).
    assert coral[["date", "date_basis"]].sort_index().values.tolist() == [
        [pd.Timestamp("2024-03-01"), "first_seen"],
        [pd.Timestamp("2024-02-23"), "sanction"],
    ]
    baltic = vessels[vessels["entity_id"] == "sample-v-001"].iloc[0]
    assert (baltic["date"], baltic["date_basis"]) == (pd.Timestamp("2025-06-05"), "first_seen")
    assert (baltic["imo"], baltic["flag"], baltic["past_flags"]) == (3100021, "GAB", "CMR")
    delta = vessels[vessels["entity_id"] == "sample-v-003"]
    assert delta["imo"].isna().all() and set(delta["name_norm"]) == {"DELTA HORIZON"}
    orgs = lists.organisations
    assert sorted(set(orgs["name_norm"])) == [
        "POLAR SHIELD",
        "POLAR SHIELD INSURANCE",
        "TUNDRA SHIPMANAGEMENT",
    ]


def test_an_entry_that_can_match_nothing_is_reported(tmp_path):
    """A name with neither an IMO nor a flag matches no vessel (names are matched with their flag): it is
    a list problem, as is an invalid IMO without a flag."""
    (tmp_path / "l.csv").write_text(
        "imo,name,list,date,flag\n,NORDIC STAR,EU,2025-01-01,\n3100058,SEA LARK,EU,2025-01-01,\n"
        ",OCEAN ROSE,EU,2025-01-01,PAN\n",
        encoding="utf-8",
    )
    problems = read_sanctions_csv(tmp_path / "l.csv").problems
    assert problems[["line", "column", "problem"]].values.tolist() == [
        [3, "imo", "invalid IMO check digit: the last digit should be 7; not matched by IMO"],
        [2, "flag", "no flag and no valid IMO: a name alone is not matched (check the entry by hand)"],
        [3, "flag", "no flag and no valid IMO: a name alone is not matched (check the entry by hand)"],
    ]


def test_unknown_past_flag_codes_are_reported(tmp_path):
    """docs/screening.md: flag codes that are not ISO codes are reported; past flags' were not."""
    (tmp_path / "l.csv").write_text(
        "imo,name,list,date,past_flags\n3100021,BALTIC MERIDIAN,UK,2025-01-01,QQ;cm;ZZ\n", encoding="utf-8"
    )
    lists = read_sanctions_csv(tmp_path / "l.csv")
    assert lists.problems[["line", "column", "value", "problem"]].values.tolist() == [
        [2, "past_flags", "QQ;ZZ", "unknown flag code(s); not used for name matching"]
    ]
    assert lists.vessels["past_flags"].tolist() == ["CMR"]


def test_lists_that_list_nothing_are_errors(tmp_path):
    """A header-only sanctions CSV and an insurers file of comments only were read as empty lists (an
    empty OpenSanctions file was already an error); an insurers file of another type was read as text."""
    (tmp_path / "l.csv").write_text("imo,name,list,date\n\n", encoding="utf-8")
    with pytest.raises(ListFormatError, match="the list has no entries"):
        read_sanctions_csv(tmp_path / "l.csv")
    (tmp_path / "ins.txt").write_text("# nobody yet\n\n", encoding="utf-8")
    with pytest.raises(ListFormatError, match="no insurer names"):
        read_designated_insurers(tmp_path / "ins.txt")
    (tmp_path / "ins.pdf").write_bytes(b"%PDF-1.4")
    with pytest.raises(ListFormatError, match=r"unsupported file type '\.pdf'"):
        read_designated_insurers(tmp_path / "ins.pdf")


def test_opensanctions_entities_that_are_not_targets_are_not_designated(tmp_path):
    """OpenSanctions exports related entities with `"target": false` for context: they are not read as
    designated vessels or organisations."""
    lines = [
        {
            "id": "t1",
            "schema": "Vessel",
            "properties": {"name": ["SEA LARK"], "imoNumber": ["IMO3100019"]},
            "datasets": ["eu_fsf"],
            "first_seen": "2025-01-01",
            "target": True,
        },
        {
            "id": "t2",
            "schema": "Vessel",
            "properties": {"name": ["NORSE ONE"], "imoNumber": ["IMO3100021"]},
            "datasets": ["eu_fsf"],
            "first_seen": "2025-01-01",
            "target": False,
        },
        {
            "id": "t3",
            "schema": "Company",
            "properties": {"name": ["Norse Hull AS"]},
            "datasets": ["eu_fsf"],
            "first_seen": "2025-01-01",
            "target": False,
        },
        {
            "id": "t4",
            "schema": "Company",
            "properties": {"name": ["Polar Shield"]},
            "datasets": ["eu_fsf"],
            "first_seen": "2025-01-01",
        },
    ]
    (tmp_path / "l.jsonl").write_text("\n".join(json.dumps(x) for x in lines) + "\n", encoding="utf-8")
    nameless = {"id": "t5", "schema": "Vessel", "datasets": ["x"], "first_seen": "2025-01-01"}
    with (tmp_path / "l.jsonl").open("a", encoding="utf-8") as f:
        f.write(json.dumps(nameless) + "\n")
    lists = read_opensanctions(tmp_path / "l.jsonl")
    assert lists.vessels["entity_id"].tolist() == ["t1", "t5"]
    assert lists.problems[["entity_id", "column", "value"]].values.tolist() == [
        ["t5", "name", ""],
        ["t5", "list", "x"],  # dataset `x`: of no known regime
    ]
    assert lists.problems["problem"].iloc[0] == "no name and no IMO: the entry can match no vessel"
    assert lists.organisations["name_norm"].tolist() == ["POLAR SHIELD"]  # no `target`: read


def test_designated_insurers_from_text_and_csv(tmp_path):
    assert read_designated_insurers(INSURERS).organisations["name_norm"].tolist() == [
        "STEPPE MARINE INSURANCE"
    ]
    (tmp_path / "ins.csv").write_text("name,list,date\nPolar Shield,UK,2024-05-02\n", encoding="utf-8")
    orgs = read_designated_insurers(tmp_path / "ins.csv").organisations
    assert orgs[["line", "list", "name_norm"]].values.tolist() == [[2, "uk", "POLAR SHIELD"]]


def test_list_format_errors_name_the_row(tmp_path):
    (tmp_path / "l.csv").write_text("imo,name,list,date\n3100019,A,EU,2025-13-01\n,,EU,\n", encoding="utf-8")
    with pytest.raises(ListFormatError) as caught:
        read_sanctions_csv(tmp_path / "l.csv")
    assert [str(p) for p in caught.value.problems] == [
        "l.csv: row 2, column date, value '2025-13-01': not a date; allowed: YYYY-MM-DD from 1900-01-01 to "
        "2199-12-31, or blank",
        "l.csv: row 3, column name, empty: an entry needs an IMO number or a name",
    ]
    (tmp_path / "l.jsonl").write_text(LIST_FTM.read_text().splitlines()[0] + '\n{"schema": "Vessel", \n')
    with pytest.raises(ListFormatError, match=r"l.jsonl: line 2, value .*: not a FollowTheMoney entity"):
        read_opensanctions(tmp_path / "l.jsonl")
    (tmp_path / "people.json").write_text(LIST_FTM.read_text().splitlines()[-1] + "\n")
    with pytest.raises(
        ListFormatError, match=r"people\.json: no Vessel, Organization, Company or Sanction entity"
    ):
        read_opensanctions(tmp_path / "people.json")
    (tmp_path / "l.xml").write_text("<sdn/>")
    with pytest.raises(ListFormatError, match="unknown list format"):
        read_lists([tmp_path / "l.xml"])


def test_names_and_flags_are_normalised():
    names = pd.Series(["M/T Delta Horizon", "MT. DELTA-HORIZON", "m.v. Ocean's Pride", "Mtk Star", "SS"])
    assert normalise_vessel_names(names).tolist() == [
        "DELTA HORIZON", "DELTA HORIZON", "OCEANS PRIDE", "MTK STAR", "",
    ]  # fmt: skip
    assert flags_to_iso3(pd.Series(["ga", "CM", "PAN", "xx", None])).tolist() == [
        "GAB",
        "CMR",
        "PAN",
        pd.NA,
        pd.NA,
    ]


# ---------------------------------------------------------------------------------------- screening
def test_exact_imo_matches(result):
    imo = result.matches[result.matches["match_type"] == "imo"]
    assert set(imo["row"]) == {3, 4, 10}
    assert (imo["confidence"] == "high").all()
    assert imo.loc[imo["row"] == 3, ["list", "regime"]].values.tolist() == [
        ["eu", "EU"],
        ["uk", "UK"],
        ["us_ofac_sdn", "US"],
    ]
    assert rows_of(result.vessels, "designated_vessel") == {3, 4, 10}
    coral = imo[imo["row"] == 4].sort_values("list")
    assert coral[["list", "list_date", "date_basis"]].values.tolist() == [
        ["eu_fsf", pd.Timestamp("2024-03-01"), "first_seen"],
        ["us_ofac_sdn", pd.Timestamp("2024-02-23"), "sanction"],
    ]
    assert set(imo.loc[imo["source"] == "sample_sanctions.csv", "date_basis"]) == {"list"}


def test_regimes_and_list_spellings(world, tmp_path):
    """`OFAC SDN` and `ofac-sdn` are one list, `ofac_sdn` (US); `HMT` is the UK's; `SECO` (Swiss) is of no
    known regime: its IMO match counts as designated, under no regime, and the list is reported once
    though two files hold it. Aurora Spirit matches EU by IMO and UK by name only: the two are listed
    apart."""
    (tmp_path / "a.csv").write_text(
        "imo,name,list,date,flag\n3100019,AURORA SPIRIT,EU,2025-01-01,LBR\n"
        ",AURORA SPIRIT,HMT,2025-01-01,LBR\n3100021,X,OFAC SDN,2025-01-01,\n3100033,Y,SECO,2025-01-01,\n"
    )
    (tmp_path / "b.csv").write_text(
        "imo,name,list,date\n3100021,X,ofac-sdn ,2025-02-01\n3100033,Y,SECO,2025-01-01\n"
    )
    rows = [GOOD_ROW, *(GOOD_ROW.replace("3100019,Aurora", f"{imo},Other") for imo in (3100021, 3100033))]
    result = screen(write_fleet(tmp_path, *rows), [tmp_path / "a.csv", tmp_path / "b.csv"], world=world)
    v = result.vessels.set_index("row")
    assert v[["designated_lists_imo", "designated_lists_name_only"]].values.tolist() == [
        ["eu", "hmt"],
        ["ofac_sdn", ""],
        ["seco", ""],
    ]
    regimes = v[[f"designated_vessel_{r}" for r in ("EU", "UK", "US", "UN")]].astype(int).values.tolist()
    assert regimes == [[1, 0, 0, 0], [0, 0, 1, 0], [0, 0, 0, 0]]  # name-only UK match: no regime count
    assert v["designated_vessel"].tolist() == [True, True, True]
    assert result.list_problems[["source", "line", "column", "value"]].values.tolist() == [
        ["a.csv", 5, "list", "seco"]
    ]
    assert result.list_problems["problem"].iloc[0].startswith("a list of no known regime")


def test_regimes_of_the_official_lists_by_their_usual_names(world, tmp_path):
    """List names as people write them: HM Treasury, OFSI and the UK sanctions list are the UK's; the
    United Nations and the UN Security Council the UN's; the European Union the EU's; OFAC and the US
    Treasury the US's (any case). `United Arab Emirates` is none of them."""
    expected = {
        "HM Treasury": "UK",
        "OFSI consolidated list": "UK",
        "UK sanctions list": "UK",
        "United Nations": "UN",
        "UN Security Council": "UN",
        "european union": "EU",
        "OFAC": "US",
        "US Treasury": "US",
        "United Arab Emirates": "",
    }
    body = "".join(f"3100019,AURORA SPIRIT,{name},2025-01-01\n" for name in expected)
    (tmp_path / "l.csv").write_text("imo,name,list,date\n" + body)
    matches = screen(write_fleet(tmp_path, GOOD_ROW), tmp_path / "l.csv", world=world, as_of=AS_OF).matches
    assert dict(zip(matches["source_line"] - 2, matches["regime"], strict=True)) == dict(
        enumerate(expected.values())
    )


def test_name_only_matches_are_marked_lower_confidence(result):
    """Delta Horizon: the OpenSanctions entry has no IMO (its name and alias match once). Eastern Pearl: the
    list's IMO 3100058 fails the check digit, so it is reported and matched by name and flag only. Fjord
    Runner: the list's entry has another *valid* IMO (3200015) with the same name and flag: most likely
    another ship, but reported as a low match to check, apart from the name-only matches."""
    by_name = result.matches[result.matches["match_type"].str.startswith("name_")]
    assert by_name[["row", "match_type", "confidence", "entry_imo"]].values.tolist() == [
        [5, "name_flag", "low", ""],
        [6, "name_flag", "low", "3100058"],
        [7, "name_flag_other_imo", "low", "3200015"],
    ]
    assert rows_of(result.vessels, "designated_vessel_name_only") == {5, 6}
    assert rows_of(result.vessels, "designated_vessel_other_imo") == {7}
    fjord = result.vessels.set_index("row").loc[7]
    assert fjord[["designated_lists_name_only", "designated_lists_other_imo"]].tolist() == ["", "eu"]


def test_a_name_match_to_an_entry_with_another_imo_is_not_name_only(world, tmp_path):
    """The list names AURORA SPIRIT under LBR with IMO 3200015 (valid, not the fleet's 3100019): probably
    another ship of that name, so `designated_vessel_other_imo`, not name-only. KESTREL POINT has no IMO:
    name-only. JUNIPER SOUND is on both kinds of entry: name-only, the stronger finding, only. Aurora
    Spirit's second cover (Harbour Mutual, PAN: the entry's flag is not its own) carries the finding too.
    Rows 2, 3: 1 vessel, 95 + 50 = 145, premium 0.80 + 0.50 = 1.30 (Harbour Mutual: 50, 0.50);
    name only rows 4, 5: 2 vessels, 40 + 30 = 70, 0.40 + 0.30 = 0.70. Aurora Spirit (IG P&I, 7 years old,
    no risk profile) is of concern by this finding alone."""
    (tmp_path / "l.csv").write_text(
        "imo,name,list,date,flag\n3200015,AURORA SPIRIT,EU,2025-01-01,LBR\n,KESTREL POINT,UK,2025-01-01,LBR\n"
        ",JUNIPER SOUND,UK,2025-01-01,LBR\n3200027,JUNIPER SOUND,US,2025-01-01,LBR\n"
    )
    rows = [
        GOOD_ROW,
        GOOD_ROW.replace("LBR", "PAN").replace("95,0.80,Northwind Marine", "50,0.50,Harbour Mutual"),
        GOOD_ROW.replace("3100019,Aurora Spirit", "3100021,Kestrel Point").replace("95,0.80", "40,0.40"),
        GOOD_ROW.replace("3100019,Aurora Spirit", "3100033,Juniper Sound").replace("95,0.80", "30,0.30"),
    ]
    result = screen(write_fleet(tmp_path, *rows), tmp_path / "l.csv", world=world, as_of=AS_OF)
    assert result.matches[["row", "match_type", "confidence", "entry_imo"]].values.tolist() == [
        [2, "name_flag_other_imo", "low", "3200015"],
        [4, "name_flag", "low", ""],
        [5, "name_flag", "low", ""],
        [5, "name_flag_other_imo", "low", "3200027"],
    ]
    v = result.vessels.set_index("row")
    assert v["designated_vessel_other_imo"].to_dict() == {2: True, 3: True, 4: False, 5: False}
    assert v["designated_vessel_name_only"].to_dict() == {2: False, 3: False, 4: True, 5: True}
    assert v["designated_lists_other_imo"].tolist() == ["eu", "eu", "", "us"]
    assert v["designated_lists_name_only"].tolist() == ["", "", "uk", "uk"]
    assert not v["designated_vessel"].any() and not v.loc[[2, 3], "at_risk_profile"].any()
    assert v["any_concern"].all()
    assert exposure(result, "total", "all", "designated_vessel_other_imo") == (1, 145, pytest.approx(1.30))
    assert exposure(result, "cedant", "Harbour Mutual", "designated_vessel_other_imo") == (1, 50, 0.50)
    assert exposure(result, "total", "all", "designated_vessel_name_only") == (2, 70, pytest.approx(0.70))


def test_name_variants_and_spellings_match(world, tmp_path):
    """OpenSanctions `previousName` and `weakAlias` are name variants (the review's l2.jsonl: `NEW NAME`
    under LR matched nothing); `SEA JEWEL II` and `Seajewel 2` are one name (spaces and a final Roman
    numeral). Each is a low-confidence name-and-flag match."""
    entities = [
        {"id": "v1", "schema": "Vessel", "properties": {"name": ["OLD NAME"], "previousName": ["NEW NAME"]}},
        {"id": "v2", "schema": "Vessel", "properties": {"name": ["OLDER"], "weakAlias": ["NEW NAME"]}},
        {"id": "v3", "schema": "Vessel", "properties": {"name": ["SEA JEWEL II"]}},
    ]
    for entity in entities:
        entity["properties"]["flag"] = ["lr"]
        entity |= {"datasets": ["us_ofac_sdn"], "first_seen": "2025-06-05"}
    path = write_lines(tmp_path / "l.jsonl", *entities)
    kinds = read_opensanctions(path).vessels[["entity_id", "name_kind"]].values.tolist()
    assert kinds == [
        ["v1", "primary"],
        ["v1", "previous_name"],
        ["v2", "primary"],
        ["v2", "weak_alias"],
        ["v3", "primary"],
    ]
    rows = [
        GOOD_ROW.replace("Aurora Spirit", "New Name"),
        GOOD_ROW.replace("3100019,Aurora Spirit", "3100021,Seajewel 2"),
    ]
    matches = screen(write_fleet(tmp_path, *rows), path, world=world, as_of=AS_OF).matches
    assert matches[["row", "match_type", "entity_id"]].values.tolist() == [
        [2, "name_flag", "v1"],
        [2, "name_flag", "v2"],
        [3, "name_flag", "v3"],
    ]


def test_a_name_with_two_type_prefixes_is_normalised_once_on_both_sides(world, tmp_path):
    """The review's dbl.py: fleet and list both write `M/T MV Star` under LBR. One normalisation drops
    `M/T` only, on both sides: `MVSTAR` and `MVSTAR`, a name-and-flag match (the list's name, normalised
    twice, was `STAR` and matched nothing)."""
    (tmp_path / "l.csv").write_text("imo,name,list,date,flag\n,M/T MV Star,UK,2025-01-01,LBR\n")
    fleet = write_fleet(tmp_path, GOOD_ROW.replace("Aurora Spirit", "M/T MV Star"))
    result = screen(fleet, tmp_path / "l.csv", world=world, as_of=AS_OF)
    assert result.matches[["row", "match_type", "confidence", "entry_name"]].values.tolist() == [
        [2, "name_flag", "low", "M/T MV Star"]
    ]
    assert result.vessels.loc[0, "designated_vessel_name_only"]


def test_check_digit_failures_are_reported_not_matched_by_imo(result):
    assert result.list_problems["value"].tolist() == ["3100058", "12345"]
    assert "3100058" not in set(result.matches.loc[result.matches["match_type"] == "imo", "entry_imo"])


def test_designated_insurers(result):
    """Baltic Meridian's P&I 'Polar Shield Insurance' = 'Polar Shield Insurance JSC' (OpenSanctions, two
    datasets); Lantern Bay's H&M insurer the same; Juniper Sound's P&I 'Steppe Marine Insurance Co.' =
    'Steppe Marine Insurance' (insurers list)."""
    v = result.vessels
    assert rows_of(v, "designated_pi_insurer") == {3, 11}
    assert rows_of(v, "designated_hm_insurer") == {13}
    insurer = result.matches[result.matches["match_type"].isin(["pi_insurer", "hm_insurer"])]
    assert insurer.groupby("row")["list"].apply(sorted).to_dict() == {
        3: ["gb_fcdo_sanctions", "us_ofac_sdn"],
        11: ["sample_insurers"],
        13: ["gb_fcdo_sanctions", "us_ofac_sdn"],
    }


def test_insurer_matches_and_their_confidence(world, tmp_path):
    """The review's insurers list: `Gard (Russia) LLC` matched every Gard vessel with high confidence;
    `Ingosstrakh` did not match `Ingosstrakh Insurance Company`; `Polar Shield` did not match `Polar
    Shield Insurance Co`. Now: Gard matches only once the designated name's bracketed part is dropped
    (low); `Gard P&I (Bermuda) Ltd` names the IG club, and `Gard P&I` is neither the designated name nor
    one of its known aliases (IG short forms are not), so it does not match; Ingosstrakh's two names are
    known aliases of one insurer (high); `Polar Shield` is `Polar Shield Insurance` less the generic word
    `Insurance` (low); `Marine Insurance` shares only generic words with `Steppe Marine Insurance` (no
    match). Low matches set `designated_insurer_low_confidence`, not `designated_insurer`."""
    (tmp_path / "ins.txt").write_text(
        "Ingosstrakh\nGard (Russia) LLC\nPolar Shield\nSteppe Marine Insurance\n"
    )
    covers = [
        ("Gard", ""),
        ("Gard P&I (Bermuda) Ltd", ""),
        ("Ingosstrakh Insurance Company", ""),
        ("Skuld", "Polar Shield Insurance Co"),
        ("Skuld", "Marine Insurance Co"),
    ]
    imos = ("3100019", "3100021", "3100033", "3100045", "3100057")
    rows = [
        GOOD_ROW.replace("3100019", imo).replace("LBR,Gard,,", f"LBR,{pi},{hm},")
        for imo, (pi, hm) in zip(imos, covers, strict=True)
    ]
    result = screen(write_fleet(tmp_path, *rows), LIST_CSV, tmp_path / "ins.txt", world=world, as_of=AS_OF)
    insurer = result.matches[result.matches["match_type"].isin(["pi_insurer", "hm_insurer"])]
    assert insurer[
        ["row", "name", "match_type", "confidence", "match_basis", "entry_name"]
    ].values.tolist() == [
        [2, "Aurora Spirit", "pi_insurer", "low", "bracket_dropped", "Gard (Russia) LLC"],
        [4, "Aurora Spirit", "pi_insurer", "high", "known_alias", "Ingosstrakh"],
        [5, "Aurora Spirit", "hm_insurer", "low", "token_subset", "Polar Shield"],
    ]
    v = result.vessels.set_index("row")
    assert v["designated_insurer"].to_dict() == {2: False, 3: False, 4: True, 5: False, 6: False}
    assert v["designated_insurer_low_confidence"].to_dict() == {
        2: True,
        3: False,
        4: False,
        5: True,
        6: False,
    }


def test_a_branch_of_a_designated_insurer_is_designated_and_club_names_are_not(world, tmp_path):
    """The review's b/ins.py. Designated: Sogaz, Ingosstrakh, West, London, JPI, North, Sun, American,
    and `West P&I`, `RNRC`, `VSK Insurance`.
    - `Sogaz (Russia)`, `Ingosstrakh (Moscow branch)`: the designated name with a bracket on the fleet's
      side, a branch of the designated insurer (caught under the US 50% rule): high, `branch` (they were
      low, `bracket_dropped`);
    - `Sogaz Insurance Group`, `Ingosstrakh Marine Insurance`: the designated name plus generic insurer
      words only: low, `token_subset`, kept;
    - `West of England` (ENGLAND is not generic), `London P&I Club`, `North P&I`, `American Club` (IG
      clubs: their extra words are generic, but the names are the clubs'), `Royal & Sun Alliance`
      (ROYAL, ALLIANCE) no longer match `West`, `London`, `North`, `American`, `Sun` (low, `token_subset`);
    - `Japan P&I Club` no longer matches `JPI` (high, `known_alias`): an IG club's short form, of three
      letters, is not a known alias; nor `West of England` a designated `West P&I` (an IG club's short
      form of five letters and more), nor `Russian National Reinsurance Company` a designated `RNRC` (a
      domestic insurer's short form of four letters); `VSK` is `VSK Insurance` less a generic word, low
      (`token_subset`), not high as a known alias;
    - Britannia, Skuld, Gard match nothing, as before."""
    clubs = [
        "Sogaz (Russia)", "Ingosstrakh (Moscow branch)", "West of England", "London P&I Club",
        "Japan P&I Club", "North P&I", "Britannia", "Royal & Sun Alliance", "Sogaz Insurance Group",
        "Ingosstrakh Marine Insurance", "American Club", "Skuld", "Gard",
        "Russian National Reinsurance Company", "VSK",
    ]  # fmt: skip
    imos = [3100019, 3100021, 3100033, 3100045, 3100057, 3100069, 3100071, 3100083, 3100095, 3100100]
    imos += [3100112, 3100124, 3100136, 3100148, 3100150]
    rows = [
        GOOD_ROW.replace("3100019", str(imo)).replace("LBR,Gard,", f"NOR,{club},")
        for imo, club in zip(imos, clubs, strict=True)
    ]
    designated = ["Sogaz", "Ingosstrakh", "West", "London", "JPI", "North", "Sun", "American"]
    designated += ["West P&I", "RNRC", "VSK Insurance"]
    (tmp_path / "ins.txt").write_text("\n".join(designated) + "\n")
    result = screen(write_fleet(tmp_path, *rows), LIST_CSV, tmp_path / "ins.txt", world=world, as_of=AS_OF)
    insurer = result.matches[result.matches["match_type"] == "pi_insurer"]
    found = insurer.merge(result.vessels[["row", "pi_provider"]], on="row")
    assert found[["pi_provider", "confidence", "match_basis", "entry_name"]].values.tolist() == [
        ["Sogaz (Russia)", "high", "branch", "Sogaz"],
        ["Ingosstrakh (Moscow branch)", "high", "branch", "Ingosstrakh"],
        ["Sogaz Insurance Group", "low", "token_subset", "Sogaz"],
        ["Ingosstrakh Marine Insurance", "low", "token_subset", "Ingosstrakh"],
        ["VSK", "low", "token_subset", "VSK Insurance"],
    ]
    assert rows_of(result.vessels, "designated_insurer") == {2, 3}
    assert rows_of(result.vessels, "designated_insurer_low_confidence") == {10, 11, 16}


def test_at_risk_profiles(result):
    """See the module docstring: a flag of convenience or age 20+ alone is not at risk, both together are;
    a sanctioned state's flag is, whatever the P&I cover (row 14: RUS under an IG club)."""
    v = result.vessels.set_index("row")
    assert set(v.index[v["age_20_plus"]]) == {3, 5, 8}  # built 2004, 2003, 1999 (information only)
    assert set(v.index[v["flag_of_convenience"]]) == {2, 3, 4, 6, 7, 9, 11}  # information only
    assert set(v.index[v["sanctioned_state_flag"]]) == {14}
    assert v.at[14, "flag_sanctioned_by"] == "EU;UK;US" and v.at[2, "flag_sanctioned_by"] == ""
    assert set(v.index[v["shadow_flag"]]) == {3, 5, 10}
    assert set(v.index[v["old_under_convenience_flag"]]) == {3}
    assert set(v.index[v["non_western_pi"]]) == {3, 5, 10, 11}  # row 9: British Marine, western_fixed
    assert set(v.index[v["recent_flag_change"]]) == {10}
    assert v.at[3, "risk_reasons"] == "shadow_flag;old_under_convenience_flag;non_western_pi"
    assert v.at[14, "risk_reasons"] == "sanctioned_state_flag"
    assert v.at[8, "risk_reasons"] == "" and v.at[2, "risk_reasons"] == "" and v.at[9, "risk_reasons"] == ""
    assert set(v.index[v["at_risk_profile"]]) == {3, 5, 10, 11, 14}


def test_a_sanctioned_flag_on_ig_cover_is_at_risk_and_a_convenience_flag_alone_is_not(world, tmp_path):
    """The review's book: a Russian-flagged tanker on IG cover was not flagged, while a young Liberian one
    on IG cover was. Now: RUS (sanctioned by the EU, UK, US) is at risk; LBR built 2019 is not; LBR built
    2001 (25 years at 2026-06-30) is, as old under a flag of convenience."""
    path = write_fleet(
        tmp_path,
        GOOD_ROW.replace("LBR", "RUS"),
        GOOD_ROW.replace("3100019", "3100021"),
        GOOD_ROW.replace("3100019", "3100033").replace("2019", "2001"),
    )
    v = screen(path, LIST_CSV, world=world, as_of=AS_OF).vessels
    assert v["risk_reasons"].tolist() == ["sanctioned_state_flag", "", "old_under_convenience_flag"]
    assert v["at_risk_profile"].tolist() == [True, False, True]


def test_flag_change_dates_from_the_list_history(world):
    """Baltic Meridian: UK lists it under CMR (2025-02-24), EU under GAB (2025-05-20): changed 2025-05-20,
    outside 365 days of 2026-06-30, inside 365 days of 2026-01-01. Iris Tide: `flag_changed` 2026-03-01,
    after 2026-01-01: the lists did not know it then, so no flag change is known at that date (its entry,
    2025-10-10 under CMR, agrees with the fleet's CMR)."""
    early = screen(FLEET, [LIST_CSV, LIST_FTM], world=world, as_of=dt.date(2026, 1, 1)).vessels
    early = early.set_index("row")[["flag_change_date", "recent_flag_change"]]
    assert early.loc[3].tolist() == [pd.Timestamp("2025-05-20"), True]
    assert pd.isna(early.at[10, "flag_change_date"]) and not early.at[10, "recent_flag_change"]


def test_flag_history_stops_at_the_screening_date(world, tmp_path):
    """The review's t.py: UK lists Aurora under GAB on 2025-01-01 and under CMR on 2026-03-01, EU under COM
    on 2026-09-01; the fleet says CMR. At 2026-06-30 the EU entry is not yet listed: the last change is
    GAB -> CMR on 2026-03-01, 121 days before (recent). It was 2026-09-01, not recent. At 2026-02-15 only
    the GAB entry is known; the fleet's CMR differs from it, so the change is dated at that entry,
    2025-01-01, 410 days before (not recent). A `flag_changed` date after the screening date is left
    out too."""
    (tmp_path / "l.csv").write_text(
        "imo,name,list,date,flag,flag_changed\n3100019,AURORA,UK,2025-01-01,GAB,\n"
        "3100019,AURORA,UK,2026-03-01,CMR,\n3100019,AURORA,EU,2026-09-01,COM,\n"
    )
    fleet = write_fleet(tmp_path, GOOD_ROW.replace("LBR", "CMR"))
    expected = {
        dt.date(2026, 6, 30): [pd.Timestamp("2026-03-01"), True],
        dt.date(2026, 2, 15): [pd.Timestamp("2025-01-01"), False],
    }
    for as_of, dates in expected.items():
        v = screen(fleet, tmp_path / "l.csv", world=world, as_of=as_of).vessels
        assert v.loc[0, ["flag_change_date", "recent_flag_change"]].tolist() == dates, as_of
    (tmp_path / "c.csv").write_text(
        "imo,name,list,date,flag,flag_changed\n3100019,AURORA,UK,2025-01-01,CMR,2026-09-01\n"
    )
    v = screen(fleet, tmp_path / "c.csv", world=world, as_of=AS_OF).vessels
    assert pd.isna(v.loc[0, "flag_change_date"]) and not v.loc[0, "recent_flag_change"]


def test_an_entry_dated_by_first_seen_is_in_the_flag_history_as_in_matching(world, tmp_path):
    """UK lists Aurora Spirit under GAB on 2025-01-01; OpenSanctions (eu_fsf, no Sanction entity) has it
    under CMR, first seen 2026-08-01, after the screening date 2026-06-30. A `first_seen` date is not a
    listing date, so the entry counts at 2026-06-30 (not `listed_after_as_of`), and the flag history uses
    it too: GAB -> CMR is known at the screening date, so it happened by then and is dated 2026-06-30,
    0 days before (recent). The fleet's GAB differs from the latest entry's CMR: also dated 2026-06-30.
    (Dropped from the history, as it was, the fleet's GAB agreed with the UK entry: no change known.)"""
    (tmp_path / "l.csv").write_text("imo,name,list,date,flag\n3100019,AURORA SPIRIT,UK,2025-01-01,GAB\n")
    seen = ftm_line(id="f1", datasets=["eu_fsf"], first_seen="2026-08-01")
    seen["properties"] = {"name": ["AURORA SPIRIT"], "imoNumber": ["IMO3100019"], "flag": ["cm"]}
    path = write_lines(tmp_path / "l.jsonl", seen)
    fleet = write_fleet(tmp_path, GOOD_ROW.replace("LBR", "GAB"))
    result = screen(fleet, [tmp_path / "l.csv", path], world=world, as_of=AS_OF)
    assert result.matches[["list", "date_basis", "listed_after_as_of"]].values.tolist() == [
        ["eu_fsf", "first_seen", False],
        ["uk", "list", False],
    ]
    v = result.vessels
    assert v.loc[0, ["flag_change_date", "recent_flag_change"]].tolist() == [pd.Timestamp("2026-06-30"), True]
    assert "recent_flag_change" in v.loc[0, "risk_reasons"].split(";")
    text = DOCS.read_text(encoding="utf-8")
    assert "`first_seen` after the screening date is in the flag history too" in text


def test_fleet_flag_differing_from_the_latest_list_record(world, tmp_path):
    """The list last saw the ship under CMR on 2026-02-01; the fleet says PAN: it changed flag since then,
    so within 365 days of 2026-06-30."""
    (tmp_path / "l.csv").write_text("imo,name,list,date,flag\n3100019,AURORA SPIRIT,EU,2026-02-01,CMR\n")
    vessels = screen(
        write_fleet(tmp_path, GOOD_ROW.replace("LBR", "PAN")), tmp_path / "l.csv", world=world, as_of=AS_OF
    ).vessels
    assert vessels.loc[0, ["flag_change_date", "recent_flag_change"]].tolist() == [
        pd.Timestamp("2026-02-01"),
        True,
    ]


def test_a_flag_hop_back_to_a_past_flag_matches_by_name(world, tmp_path):
    """A name-only entry last seen under PAN that flew CMR before matches the fleet's Aurora Spirit under
    CMR (`name_past_flag`, low confidence); under a flag the entry never flew, it does not match. An
    entry with past flags only is not reported as unmatchable."""
    (tmp_path / "l.csv").write_text(
        "imo,name,list,date,flag,past_flags\n,AURORA SPIRIT,EU,2025-01-01,PAN,CMR;GAB\n"
        ",KESTREL POINT,EU,2025-01-01,,CMR\n"
    )
    cmr = screen(write_fleet(tmp_path, GOOD_ROW.replace("LBR", "CMR")), tmp_path / "l.csv", world=world)
    m = cmr.matches
    assert m[["row", "match_type", "confidence", "entry_flag"]].values.tolist() == [
        [2, "name_past_flag", "low", "PAN"]
    ]
    assert cmr.vessels.loc[0, "designated_vessel_name_only"]
    assert cmr.list_problems.empty
    now = screen(write_fleet(tmp_path, GOOD_ROW.replace("LBR", "PAN")), tmp_path / "l.csv", world=world)
    assert now.matches["match_type"].tolist() == ["name_flag"]  # the present flag: not a hop
    other = screen(write_fleet(tmp_path, GOOD_ROW.replace("LBR", "MHL")), tmp_path / "l.csv", world=world)
    assert other.matches.empty


def test_entries_listed_after_the_screening_date_are_reported_not_counted(world, tmp_path):
    """Aurora Spirit is listed on 2026-07-01 (EU) and its P&I club on 2026-08-01, both after the screening
    date 2026-06-30: the matches are reported with `listed_after_as_of`, but the vessel is neither
    designated nor has a designated insurer at that date. The UK listing on the screening date itself
    counts. Screened at 2026-08-01, all three count."""
    (tmp_path / "l.csv").write_text(
        "imo,name,list,date\n3100019,AURORA SPIRIT,EU,2026-07-01\n3100021,BALTIC MERIDIAN,UK,2026-06-30\n"
    )
    (tmp_path / "ins.csv").write_text("name,list,date\nGard,OFAC,2026-08-01\n")
    fleet = write_fleet(tmp_path, GOOD_ROW, GOOD_ROW.replace("3100019", "3100021").replace("Gard", "Skuld"))
    early = screen(fleet, tmp_path / "l.csv", tmp_path / "ins.csv", world=world, as_of=AS_OF)
    assert early.matches[["row", "match_type", "listed_after_as_of"]].values.tolist() == [
        [2, "imo", True],
        [2, "pi_insurer", True],
        [3, "imo", False],
    ]
    v = early.vessels.set_index("row")
    assert v["designated_vessel"].to_dict() == {2: False, 3: True}
    assert not v["designated_insurer"].any() and v.at[2, "designated_lists_imo"] == ""
    assert exposure(early, "total", "all", "designated_vessel") == (1, 95, pytest.approx(0.80))
    note = screen_cli.headline(early, n_entries=2, n_organisations=1).splitlines()[-1]
    assert note == (
        "2 match(es) with list entries dated after the screening date, not counted as designations at that "
        "date: see matches.csv (listed_after_as_of)"
    )
    late = screen(fleet, tmp_path / "l.csv", tmp_path / "ins.csv", world=world, as_of=dt.date(2026, 8, 1))
    assert not late.matches["listed_after_as_of"].any()
    assert late.vessels["designated_vessel"].all() and late.vessels.loc[0, "designated_insurer"]


def exposure(result, by: str, group: str, category: str) -> tuple[int, float, float]:
    e = result.exposure
    row = e[(e["by"] == by) & (e["group"] == group) & (e["category"] == category)].iloc[0]
    return (
        int(row["vessels"]),
        round(float(row["sum_insured_usd_m"]), 6),
        round(float(row["premium_usd_m"]), 6),
    )


def test_exposure_of_the_whole_book_equals_hand_sums(result):
    """Sum insured / premium (USD m), rows as in the module docstring:
    book: 95+18+40+12+30+25+60+22+15+35+28+10+20 = 410; 0.80+0.42+0.50+0.30+0.36+0.20+0.70+0.25+0.40
          +0.45+0.22+0.12+0.30 = 5.02
    designated by IMO, rows 3, 4, 10: 18+40+15 = 73; 0.42+0.50+0.40 = 1.32; by regime (row 3 is on EU, UK
          and OFAC lists, row 4 on OFAC and EU, row 10 on the UK's): EU rows 3, 4: 18+40 = 58, 0.42+0.50
          = 0.92; UK rows 3, 10: 18+15 = 33, 0.42+0.40 = 0.82; US rows 3, 4: 58, 0.92; UN none
    name and flag only (entries without a valid IMO), rows 5, 6: 12+30 = 42; 0.30+0.36 = 0.66
    name and flag with another IMO, row 7: 25; 0.20
    designated insurer, rows 3, 11, 13: 18+35+10 = 63; 0.42+0.45+0.12 = 0.99
    at risk, rows 3, 5, 10, 11, 14: 18+12+15+35+20 = 100; 0.42+0.30+0.40+0.45+0.30 = 1.87
    sanctioned-state flag, row 14: 20; 0.30
    shadow flag, rows 3, 5, 10: 18+12+15 = 45; 0.42+0.30+0.40 = 1.12
    age 20+ under a flag of convenience, row 3: 18; 0.42
    P&I neither IG nor Western fixed-premium, rows 3, 5, 10, 11: 18+12+15+35 = 80; 0.42+0.30+0.40+0.45
          = 1.57 (row 9, British Marine, is Western fixed-premium: not at risk)
    recent flag change, row 10: 15; 0.40
    any concern (row 7 by its other-IMO match alone), rows 3, 4, 5, 6, 7, 10, 11, 13, 14:
          18+40+12+30+25+15+35+10+20 = 205;
          0.42+0.50+0.30+0.36+0.20+0.40+0.45+0.12+0.30 = 3.05
    """
    expected = {
        "book": (13, 410, 5.02),
        "designated_vessel": (3, 73, 1.32),
        "designated_vessel_EU": (2, 58, 0.92),
        "designated_vessel_UK": (2, 33, 0.82),
        "designated_vessel_US": (2, 58, 0.92),
        "designated_vessel_UN": (0, 0, 0),
        "designated_vessel_name_only": (2, 42, 0.66),
        "designated_vessel_other_imo": (1, 25, 0.20),
        "designated_insurer": (3, 63, 0.99),
        "designated_insurer_low_confidence": (0, 0, 0),  # see test_insurer_matches_and_their_confidence
        "at_risk_profile": (5, 100, 1.87),
        "sanctioned_state_flag": (1, 20, 0.30),
        "shadow_flag": (3, 45, 1.12),
        "old_under_convenience_flag": (1, 18, 0.42),
        "non_western_pi": (4, 80, 1.57),
        "recent_flag_change": (1, 15, 0.40),
        "any_concern": (9, 205, 3.05),
    }
    assert set(expected) == set(EXPOSURE_CATEGORIES)
    for category, (n, limit, premium) in expected.items():
        assert exposure(result, "total", "all", category) == (n, pytest.approx(limit), pytest.approx(premium))
    share = result.exposure_table("total", "share_of_sum_insured").at["all", "designated_vessel"]
    assert share == pytest.approx(73 / 410)


def test_exposure_by_cedant_and_contract_equals_hand_sums(result):
    """Northwind Marine (rows 2, 3, 4, 5, 11, 13): book 95+18+40+12+35+10 = 210, 0.80+0.42+0.50+0.30+0.45+0.12
    = 2.59; designated by IMO rows 3, 4: 58, 0.92; insurer rows 3, 11, 13: 63, 0.99.
    Harbour Mutual (rows 6, 7, 8, 9, 10, 12, 14): book 30+25+60+22+15+28+20 = 200, 0.36+0.20+0.70+0.25+0.40
    +0.22+0.30 = 2.43; designated by IMO row 10: 15, 0.40; name only row 6: 30, 0.36; name with another
    IMO row 7: 25, 0.20; insurer: none.
    Contracts are the cedant's: both cedants write a HULL-XL-26 and a PI-XL-26, kept apart.
    NW / HULL-XL-26 (rows 2, 3, 13): book 95+18+10 = 123, 0.80+0.42+0.12 = 1.34; by IMO row 3: 18, 0.42;
    insurer rows 3, 13: 28, 0.54. HM / HULL-XL-26 (rows 6, 7, 10): book 30+25+15 = 70, 0.36+0.20+0.40 =
    0.96; by IMO row 10: 15, 0.40. NW / PI-XL-26 (rows 4, 5): book 52, 0.80; by IMO row 4: 40, 0.50.
    HM / PI-XL-26 (rows 8, 12, 14): book 60+28+20 = 108, 0.70+0.22+0.30 = 1.22.
    No contract: NW row 11: 35, 0.45, insurer designated; HM row 9: 22, 0.25."""
    nw, hm = "Northwind Marine", "Harbour Mutual"
    assert exposure(result, "cedant", nw, "book") == (6, 210, pytest.approx(2.59))
    assert exposure(result, "cedant", nw, "designated_vessel") == (2, 58, pytest.approx(0.92))
    assert exposure(result, "cedant", nw, "designated_insurer") == (3, 63, pytest.approx(0.99))
    assert exposure(result, "cedant", hm, "book") == (7, 200, pytest.approx(2.43))
    assert exposure(result, "cedant", hm, "designated_vessel") == (1, 15, pytest.approx(0.40))
    assert exposure(result, "cedant", hm, "designated_vessel_name_only") == (1, 30, pytest.approx(0.36))
    assert exposure(result, "cedant", hm, "designated_vessel_other_imo") == (1, 25, pytest.approx(0.20))
    assert exposure(result, "cedant", hm, "designated_insurer") == (0, 0, 0)
    assert exposure(result, "contract", f"{nw} / HULL-XL-26", "book") == (3, 123, pytest.approx(1.34))
    assert exposure(result, "contract", f"{nw} / HULL-XL-26", "designated_vessel") == (1, 18, 0.42)
    assert exposure(result, "contract", f"{nw} / HULL-XL-26", "designated_insurer") == (2, 28, 0.54)
    assert exposure(result, "contract", f"{hm} / HULL-XL-26", "book") == (3, 70, pytest.approx(0.96))
    assert exposure(result, "contract", f"{hm} / HULL-XL-26", "designated_vessel") == (1, 15, 0.40)
    assert exposure(result, "contract", f"{nw} / PI-XL-26", "book") == (2, 52, pytest.approx(0.80))
    assert exposure(result, "contract", f"{nw} / PI-XL-26", "designated_vessel") == (1, 40, 0.50)
    assert exposure(result, "contract", f"{hm} / PI-XL-26", "book") == (3, 108, pytest.approx(1.22))
    assert exposure(result, "contract", f"{nw} / (none)", "designated_insurer") == (1, 35, 0.45)
    assert exposure(result, "contract", f"{hm} / (none)", "book") == (1, 22, 0.25)
    assert set(result.exposure.loc[result.exposure["by"] == "contract", "group"]) == {
        f"{c} / {k}" for c in (nw, hm) for k in ("HULL-XL-26", "PI-XL-26", "(none)")
    }
    by_cedant = result.exposure_table("cedant")
    assert by_cedant["book"].sum() == pytest.approx(410)


def test_an_exposure_table_of_an_unknown_grouping_or_measure_says_what_there_is(result):
    """``exposure_table(by="cedants")`` (a typo) and ``by=None`` returned an empty 0x0 frame, as if the
    book had no exposure, and ``measure="nope"`` raised pandas' bare ``KeyError: 'nope'``. Each now says
    what is allowed and, for a misspelt name, the closest."""
    groupings = "allowed: 'total', 'cedant', 'contract'"
    measures = "allowed: 'vessels', 'sum_insured_usd_m', 'premium_usd_m', 'share_of_sum_insured'"
    with pytest.raises(ValueError) as caught:
        result.exposure_table(by="cedants")
    assert (
        str(caught.value)
        == f"by='cedants' is no grouping of the exposure; {groupings} (did you mean 'cedant'?)"
    )
    with pytest.raises(TypeError) as caught:
        result.exposure_table(by=None)
    assert str(caught.value) == f"by=None (a NoneType) is no grouping of the exposure; {groupings}"
    with pytest.raises(ValueError) as caught:
        result.exposure_table(measure="nope")
    assert str(caught.value) == f"measure='nope' is no measure of the exposure; {measures}"
    with pytest.raises(ValueError, match=r"did you mean 'premium_usd_m'\?\)$"):
        result.exposure_table(measure="premium_usd")
    with pytest.raises(ValueError, match="is no measure of the exposure"):
        result.exposure_table(measure="category")  # (a column of the frame, not a measure)
    assert result.exposure_table(by="contract", measure="vessels").shape == (6, len(EXPOSURE_CATEGORIES))
    assert tuple(dict.fromkeys(result.exposure["by"])) == EXPOSURE_GROUPINGS  # (the words are the table's)


def test_one_ship_under_two_cedants_is_one_vessel_with_two_covers(world, tmp_path):
    """The same IMO under cedants A and B (or two contracts of A) is allowed: a reinsurer sees the ship
    across cedants. The book counts 2 distinct vessels (3100019 and 3100021) in 4 rows; the sum insured
    adds the covers: 95 + 50 + 40 + 30 = 215, premium 0.80 + 0.50 + 0.40 + 0.30 = 2.00; Northwind Marine
    (rows 1, 3, 4) 95 + 40 + 30 = 165, 0.80 + 0.40 + 0.30 = 1.50, 2 vessels. GT once per vessel: 2 VLCCs
    of 160,000. Only the repeat of (IMO, cedant, contract) is an error."""
    rows = [
        GOOD_ROW,
        GOOD_ROW.replace("95,0.80,Northwind Marine", "50,0.50,Harbour Mutual"),
        GOOD_ROW.replace("95,0.80", "40,0.40").replace("HULL-XL-26", "PI-XL-26"),
        GOOD_ROW.replace("3100019", "3100021").replace("95,0.80", "30,0.30"),
    ]
    result = screen(write_fleet(tmp_path, *rows), LIST_CSV, world=world, as_of=AS_OF)
    assert exposure(result, "total", "all", "book") == (2, 215, pytest.approx(2.00))
    assert exposure(result, "cedant", "Northwind Marine", "book") == (2, 165, pytest.approx(1.50))
    # 3100021 (Baltic Meridian's IMO) is designated: 1 vessel, 30
    assert exposure(result, "total", "all", "designated_vessel") == (1, 30, pytest.approx(0.30))
    assert screen_cli.headline(result, n_entries=7, n_organisations=0).startswith(
        "Screened 2 vessels (4 rows: a ship under several covers counts once) of 2 cedant(s)"
    )
    profile = fleet_profile(result.vessels, as_of=AS_OF, by=("segment",))
    assert profile[["vessels", "gt", "sum_insured_usd_m"]].values.tolist() == [[2, 320_000.0, 215.0]]
    with pytest.raises(FleetValidationError) as caught:
        read_fleet(write_fleet(tmp_path, *rows, rows[1]), world=world, current_year=2026)
    assert [str(p) for p in caught.value.problems] == [
        "fleet.csv: row 6, column imo, value '3100019': duplicate IMO 3100019 for cedant 'Harbour Mutual' "
        "and contract 'HULL-XL-26', first in row 3; allowed: each IMO once per cedant and contract"
    ]


def test_a_ships_findings_hold_under_each_of_its_covers(world, tmp_path):
    """The review's c/prop.py: one IMO under cedant A (CMR, sum insured 12) and cedant B (LBR, 50), and a
    third cover of A (`M/T Delta Horizon`, CMR, built 2001, 8); the list names `DELTA HORIZON` under CMR
    with no IMO. The ship is designated by name in all three rows, so the exposure is 1 vessel, 12 + 50 +
    8 = 70, premium 0.30 + 0.50 + 0.10 = 0.90 (it was 1 vessel, 12, and B's row 0). Ship profiles spread
    too: shadow flag (CMR, rows 2 and 4) and 20+ under a flag of convenience (LBR, built 2003: 23 years,
    row 3) hold in all three rows. Insurer findings stay with their cover: only row 3's H&M insurer,
    Polar Shield, is designated, and only rows 2 and 4 (no P&I) have P&I outside the mainstream market.
    `conflicting_rows` names the rows that disagree: row 3's flag differs from rows 2 and 4, and row 4's
    year built from rows 2 and 3 (`M/T Delta Horizon` and `Delta Horizon` are one name)."""
    rows = [
        "3100045,Delta Horizon,MR,,,2003,CMR,,,12,0.30,A,C",
        "3100045,Delta Horizon,MR,,,2003,LBR,Gard,Polar Shield,50,0.50,B,C",
        "3100045,M/T Delta Horizon,MR,,,2001,CMR,,,8,0.10,A,D",
    ]
    (tmp_path / "l.csv").write_text("imo,name,list,date,flag\n,DELTA HORIZON,UK,2025-01-01,CMR\n")
    (tmp_path / "ins.txt").write_text("Polar Shield\n")
    fleet = write_fleet(tmp_path, *rows)
    result = screen(fleet, tmp_path / "l.csv", tmp_path / "ins.txt", world=world, as_of=AS_OF)
    v = result.vessels.set_index("row")
    assert result.matches.loc[result.matches["match_type"] == "name_flag", "row"].tolist() == [2, 4]
    assert v["designated_vessel_name_only"].to_dict() == {2: True, 3: True, 4: True}
    assert v["designated_lists_name_only"].tolist() == ["uk", "uk", "uk"]
    assert exposure(result, "total", "all", "designated_vessel_name_only") == (1, 70, pytest.approx(0.90))
    assert exposure(result, "cedant", "B", "designated_vessel_name_only") == (1, 50, pytest.approx(0.50))
    assert v["shadow_flag"].all() and v["old_under_convenience_flag"].all()
    assert v["flag_of_convenience"].to_dict() == {2: False, 3: True, 4: False}  # the row's own flag
    assert v["designated_insurer"].to_dict() == {2: False, 3: True, 4: False}
    assert v["non_western_pi"].to_dict() == {2: True, 3: False, 4: True}
    assert v["conflicting_rows"].to_dict() == {
        2: "3 (flag); 4 (year_built)",
        3: "2 (flag); 4 (flag, year_built)",
        4: "2 (year_built); 3 (flag, year_built)",
    }
    assert screen_cli.headline(result, n_entries=1, n_organisations=1).splitlines()[-1] == (
        "1 IMO number(s) whose rows disagree on name, flag or year built (a ship's findings hold in all "
        "its rows; check the fleet list): IMO 3100045 rows 2, 3, 4; see vessels.csv (conflicting_rows)"
    )
    two_cedants = write_fleet(tmp_path, GOOD_ROW, GOOD_ROW.replace("Marine,", "Re,"))
    agreeing = screen(two_cedants, LIST_CSV, world=world, as_of=AS_OF)
    assert agreeing.vessels["conflicting_rows"].tolist() == ["", ""]


def test_a_first_seen_date_is_not_a_listing_date(world, tmp_path):
    """OpenSanctions' `first_seen` is the entity's, over all its datasets, not this list's listing date:
    a vessel first seen on 2026-08-01 (after the screening date 2026-06-30) with no Sanction entity is
    counted as designated (it was reported as listed after the screening date and not counted). A
    Sanction's listing date of 2026-08-01 still is a listing date: not counted."""
    first_seen = ftm_line(id="f1", datasets=["eu_fsf"], first_seen="2026-08-01")
    first_seen["properties"]["imoNumber"] = ["IMO3100019"]
    listed = ftm_line(id="f2", datasets=["us_ofac_sdn"], first_seen="2024-01-01")
    sanction = {"id": "s2", "schema": "Sanction", "datasets": ["us_ofac_sdn"]}
    sanction["properties"] = {"entity": ["f2"], "listingDate": ["2026-08-01"]}
    path = write_lines(tmp_path / "l.jsonl", first_seen, listed, sanction)
    fleet = write_fleet(tmp_path, GOOD_ROW, GOOD_ROW.replace("3100019", "3100021"))
    result = screen(fleet, path, world=world, as_of=AS_OF)
    assert result.matches[["row", "date_basis", "listed_after_as_of"]].values.tolist() == [
        [2, "first_seen", False],
        [3, "sanction", True],
    ]
    assert result.vessels["designated_vessel"].tolist() == [True, False]
    text = DOCS.read_text(encoding="utf-8")
    assert "can be later than the designation" not in text and "can be later than the real" not in text
    assert "not a listing date" in text


def test_pi_outside_the_ig_and_western_fixed_market_is_at_risk(world, tmp_path):
    """`non_western_pi`: an IG club (Gard) and a Western fixed-premium provider (British Marine) are the
    mainstream market, not at risk (British Marine was, as `non_ig_pi`); a domestic insurer (Sogaz), no
    cover (blank) and a scheme (`scheme:brics`) are."""
    covers = [("Gard", ""), ("British Marine", ""), ("Sogaz", ""), ("", ""), ("Acme", "scheme:brics")]
    rows = [
        GOOD_ROW.replace("3100019", imo).replace("LBR,Gard,", f"NOR,{pi},{cls},")
        for imo, (pi, cls) in zip(
            ("3100019", "3100021", "3100033", "3100045", "3100057"), covers, strict=True
        )
    ]
    header = HEADER.replace("pi_provider,", "pi_provider,pi_class,")
    v = screen(write_fleet(tmp_path, *rows, header=header), LIST_CSV, world=world, as_of=AS_OF).vessels
    assert v["pi_class"].tolist() == ["ig", "western_fixed", "domestic", "none", "scheme:brics"]
    assert v["non_western_pi"].tolist() == [False, False, True, True, True]
    assert v["risk_reasons"].tolist() == ["", "", "non_western_pi", "non_western_pi", "non_western_pi"]


def test_a_ships_flag_state_and_flag_change_hold_under_each_of_its_covers(world, tmp_path):
    """One IMO under cedant A flying RUS and under B flying PAN (the fleet list disagrees). The UK lists
    it under RUS on 2026-01-01. RUS is sanctioned (EU, UK, US), so the ship has `sanctioned_state_flag`
    in both rows, while `flag_sanctioned_by` is row 2's own; B's PAN differs from the list's latest flag,
    so the ship changed flag on or after 2026-01-01, 180 days before 2026-06-30: `recent_flag_change` in
    both rows (it was row 3's only)."""
    rows = [GOOD_ROW.replace("LBR", "RUS"), GOOD_ROW.replace("LBR", "PAN").replace("Marine,", "Re,")]
    (tmp_path / "l.csv").write_text("imo,name,list,date,flag\n3100019,AURORA SPIRIT,UK,2026-01-01,RUS\n")
    v = screen(write_fleet(tmp_path, *rows), tmp_path / "l.csv", world=world, as_of=AS_OF).vessels
    assert v["flag_sanctioned_by"].tolist() == ["EU;UK;US", ""]
    assert v["sanctioned_state_flag"].tolist() == [True, True]
    assert v["flag_change_date"].tolist() == [pd.Timestamp("2026-01-01")] * 2
    assert v["recent_flag_change"].tolist() == [True, True]
    assert v["risk_reasons"].tolist() == ["sanctioned_state_flag;recent_flag_change"] * 2
    assert v["conflicting_rows"].tolist() == ["3 (flag)", "2 (flag)"]


def test_the_engine_counts_a_ship_under_two_covers_once(tmp_path):
    """A scenario's fleet override (riskmodel/engine/compile.py) reads the fleet with `read_fleet`, which
    now allows one IMO under several cedants or contracts: 2 ships in 4 rows are 2 vessels, and the cover
    shares are those of the 2-row list."""
    import riskmodel as rm
    from riskmodel.engine.simulate import compile_scenario

    header = HEADER.replace("dwt,gt,", "")
    ship_a = "3100019,A,AFRAMAX,2010,LBR,Gard,,10,0.1"
    ship_b = "3100021,B,MR,2000,GAB,,,10,0.1,A,C1"
    fleets = {
        "once": [f"{ship_a},A,C1", ship_b],
        "covers": [f"{ship_a},A,C1", ship_b, f"{ship_a},B,C1", f"{ship_a},A,C2"],
    }
    compiled = {}
    for name, rows in fleets.items():
        (tmp_path / f"{name}.csv").write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
        baseline = Path(__file__).resolve().parents[1] / "scenarios" / "baseline.yaml"
        (tmp_path / f"{name}.yaml").write_text(
            f"name: {name}\nextends: {baseline}\nfleet:\n  path: {name}.csv\n"
        )
        compiled[name] = compile_scenario(rm.load_scenario(tmp_path / f"{name}.yaml"))
    for name in fleets:
        assert any(f"{name}.csv: 2 vessels replace the world fleet" in n for n in compiled[name].notes), name
    np.testing.assert_array_equal(compiled["once"].market.ref_shares, compiled["covers"].market.ref_shares)


def test_fleet_profile_counts_and_tonnage(world):
    """GT: 160,000 given for Aurora Spirit; segment means for the rest: Aframax 4 × 58,000, Suezmax
    2 × 81,000, MR 3 × 29,000, Panamax 42,000, VLCC 160,000, Handy 15,000: 160,000 + 232,000 + 162,000
    + 87,000 + 42,000 + 160,000 + 15,000 = 858,000."""
    fleet = read_fleet(FLEET, world=world, current_year=2026)
    profile = fleet_profile(fleet, as_of=AS_OF)
    assert profile["vessels"].sum() == 13 and profile["gt"].sum() == 858_000
    aframax = profile[profile["segment"] == "AFRAMAX"]
    assert aframax[["age_band", "pi_class", "flag", "vessels"]].values.tolist() == [
        ["10-14", "ig", "RUS", 1],
        ["15-19", "ig", "PAN", 1],
        ["15-19", "none", "CMR", 1],
        ["20-24", "none", "GAB", 1],
    ]
    by_cedant = fleet_profile(fleet, as_of=AS_OF, by=("cedant", "pi_class"))
    assert by_cedant.set_index(["cedant", "pi_class"])["vessels"].to_dict() == {
        ("Harbour Mutual", "ig"): 5,
        ("Harbour Mutual", "none"): 1,
        ("Harbour Mutual", "western_fixed"): 1,
        ("Northwind Marine", "ig"): 3,
        ("Northwind Marine", "none"): 3,
    }


# ------------------------------------------------------------------------------- tables, docs, files
def test_tables_have_their_declared_columns(result, tmp_path):
    for name, columns in TABLES.items():
        declared = [c.name for c in columns]
        table = getattr(result, name)
        assert [c for c in table.columns if c in declared] == declared, name
    assert list(result.vessels.columns[:3]) == ["row", "imo", "name"]
    written = result.write(tmp_path / "out")
    assert [p.name for p in written] == ["matches.csv", "vessels.csv", "exposure.csv", "list_problems.csv"]
    again = pd.read_csv(tmp_path / "out" / "exposure.csv")
    assert len(again) == len(result.exposure)


def test_docs_describe_every_column_and_category():
    text = DOCS.read_text(encoding="utf-8")
    names = {c.name for columns in TABLES.values() for c in columns} | set(EXPOSURE_CATEGORIES)
    missing = sorted(n for n in names if f"`{n}`" not in text)
    assert not missing, f"docs/screening.md does not describe {missing}"


# ------------------------------------------------------------------------------------------------ CLI
def cli(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="riskmodel")
    screen_cli.add_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(argv)
    return args.func(args)


@pytest.fixture
def stub_cli_world(monkeypatch, world):
    monkeypatch.setattr(screen_cli, "default_world", lambda: world)


@pytest.mark.usefixtures("stub_cli_world")
def test_cli_writes_the_report(tmp_path, capsys):
    argv = [
        "screen",
        "--fleet",
        str(FLEET),
        "--lists",
        str(LIST_CSV),
        str(LIST_FTM),
        "--insurers",
        str(INSURERS),
    ]
    assert cli([*argv, "--out", str(tmp_path), "--as-of", "2026-06-30"]) == 0
    out = capsys.readouterr().out
    assert "Screened 13 vessels of 2 cedant(s)" in out
    # The headline leads with the designations (by regime below), then name-only, name with another IMO,
    # insurers, at risk (by reason below); the figures are those of
    # test_exposure_of_the_whole_book_equals_hand_sums.
    table = [line.split() for line in out.splitlines()[2:18]]
    assert table == [
        ["book", "13", "410.0", "5.02"],
        ["designated_vessel", "3", "73.0", "1.32"],
        ["designated_vessel_EU", "2", "58.0", "0.92"],
        ["designated_vessel_UK", "2", "33.0", "0.82"],
        ["designated_vessel_US", "2", "58.0", "0.92"],
        ["designated_vessel_UN", "0", "0.0", "0.00"],
        ["designated_vessel_name_only", "2", "42.0", "0.66"],
        ["designated_vessel_other_imo", "1", "25.0", "0.20"],
        ["designated_insurer", "3", "63.0", "0.99"],
        ["designated_insurer_low_confidence", "0", "0.0", "0.00"],
        ["at_risk_profile", "5", "100.0", "1.87"],
        ["sanctioned_state_flag", "1", "20.0", "0.30"],
        ["shadow_flag", "3", "45.0", "1.12"],
        ["old_under_convenience_flag", "1", "18.0", "0.42"],
        ["non_western_pi", "4", "80.0", "1.57"],
        ["recent_flag_change", "1", "15.0", "0.40"],
    ]
    assert "    designated_vessel_EU" in out and "any_concern" not in out
    assert (
        "2 list entry problem(s) (invalid IMO, unknown or missing flag, a list of no known regime, a column "
        "not read): see list_problems.csv" in out
    )
    exposure_csv = pd.read_csv(tmp_path / "exposure.csv")
    book = exposure_csv[(exposure_csv["by"] == "total") & (exposure_csv["category"] == "book")]
    assert book["sum_insured_usd_m"].item() == 410


@pytest.mark.usefixtures("stub_cli_world")
def test_cli_invalid_fleet_exits_2_listing_every_problem(tmp_path, capsys):
    code = cli(["screen", "--fleet", str(INVALID_FLEET), "--lists", str(LIST_CSV), "--out", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 2
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 8 and all(line.startswith("sample_fleet_invalid.csv: ") for line in lines)
    assert "row 4, column flag, value 'PNM'" in err


@pytest.mark.usefixtures("stub_cli_world")
def test_cli_missing_and_bad_list_files_exit_2(tmp_path, capsys):
    fleet = ["screen", "--fleet", str(FLEET), "--out", str(tmp_path)]
    assert cli([*fleet, "--lists", str(tmp_path / "none.csv")]) == 2
    assert "none.csv: list not found" in capsys.readouterr().err
    (tmp_path / "bad.jsonl").write_text("imo,name\n" + json.dumps({"schema": "Vessel"})[:-1] + "\n")
    assert cli([*fleet, "--lists", str(tmp_path / "bad.jsonl")]) == 2
    allowed = "allowed: one JSON object a line"
    assert capsys.readouterr().err.splitlines()[1:] == [
        f"bad.jsonl: line 1, value 'imo,name': not a FollowTheMoney entity: not JSON (Expecting value, "
        f"column 1); {allowed}",
        'bad.jsonl: line 2, value \'{"schema": "Vessel"\': not a FollowTheMoney entity: not JSON '
        f"(Expecting ',' delimiter, column 20); {allowed}",
    ]


# ------------------------------------------------------------------------------------ bad input
def ftm_line(**changes) -> dict:
    """The sample export's first Vessel entity (Baltic Meridian, IMO 3100021), with `changes`."""
    entity = json.loads(LIST_FTM.read_text(encoding="utf-8").splitlines()[0])
    properties = {**entity["properties"], **changes.pop("properties", {})}
    return {**entity, "properties": properties, **changes}


def write_lines(path: Path, *entities: dict | str) -> Path:
    path.write_text("".join((e if isinstance(e, str) else json.dumps(e)) + "\n" for e in entities))
    return path


def problems_of(call, *args, **kwargs) -> list[str]:
    with pytest.raises((ListFormatError, FleetValidationError)) as caught:
        call(*args, **kwargs)
    return [str(p) for p in caught.value.problems]


def test_opensanctions_line_that_is_not_json_is_an_error(tmp_path):
    path = write_lines(tmp_path / "l.jsonl", ftm_line(), "{not json")
    assert problems_of(read_opensanctions, path) == [
        "l.jsonl: line 2, value '{not json': not a FollowTheMoney entity: not JSON (Expecting property "
        "name enclosed in double quotes, column 2); allowed: one JSON object a line"
    ]


def test_opensanctions_single_strings_read_as_one_element_lists(tmp_path):
    path = write_lines(
        tmp_path / "l.jsonl", ftm_line(datasets="eu_fsf", properties={"imoNumber": "IMO3100021"})
    )
    lists = read_opensanctions(path)
    assert lists.vessels[["list", "imo", "name"]].values.tolist() == [["eu_fsf", 3100021, "BALTIC MERIDIAN"]]
    assert lists.problems.empty
    path = write_lines(tmp_path / "n.jsonl", ftm_line(datasets=[7], properties={"imoNumber": 3100021}))
    expected = "expected a list of strings (or one string), got"
    assert problems_of(read_opensanctions, path) == [
        f"n.jsonl: line 1, field properties.imoNumber, value '3100021': {expected} a number",
        f"n.jsonl: line 1, field datasets, value '[7]': {expected} a list holding a number",
    ]


def test_opensanctions_dates_that_are_not_dates_are_errors(tmp_path):
    sanction = {"id": "s1", "schema": "Sanction", "properties": {"entity": ["sample-v-001"]}}
    sanction["datasets"] = ["us_ofac_sdn"]  # the vessel's dataset (ftm_line)
    sanction["properties"]["listingDate"] = ["23/02/2024"]
    path = write_lines(tmp_path / "l.jsonl", ftm_line(first_seen="yesterday"), sanction)
    allowed = "allowed: YYYY-MM-DD (or YYYY-MM, YYYY; a time may follow, as in 2025-06-05T10:00:00)"
    assert problems_of(read_opensanctions, path) == [
        f"l.jsonl: line 1, field first_seen, value 'yesterday': not a date; {allowed}",
        f"l.jsonl: line 2, field properties.listingDate, value '23/02/2024': not a date; {allowed}",
    ]
    sanction["properties"]["listingDate"] = ["2024-02"]  # FtM dates may be partial
    lists = read_opensanctions(write_lines(tmp_path / "ok.jsonl", ftm_line(), sanction))
    assert lists.vessels[["date", "date_basis"]].values.tolist() == [[pd.Timestamp("2024-02-01"), "sanction"]]


@pytest.mark.usefixtures("stub_cli_world")
def test_binary_and_broken_gzip_lists_are_input_errors(tmp_path, capsys):
    (tmp_path / "bin.jsonl").write_bytes(b'{"schema": "Vessel"}\n\x89PNG\xff\xfe\x01\n')
    whole = gzip.compress(LIST_FTM.read_bytes())
    (tmp_path / "cut.jsonl.gz").write_bytes(whole[: len(whole) // 2])
    (tmp_path / "plain.jsonl.gz").write_bytes(LIST_FTM.read_bytes())
    expected = {
        "bin.jsonl": "bin.jsonl: line 2: not UTF-8 text: byte 0x89 cannot be read",
        "cut.jsonl.gz": "cut.jsonl.gz: the gzip file is truncated",
        "plain.jsonl.gz": "plain.jsonl.gz: not a gzip file, though its name ends in .gz",
    }
    for name, message in expected.items():
        assert problems_of(read_opensanctions, tmp_path / name)[0].startswith(message)
        argv = ["screen", "--fleet", str(FLEET), "--lists", str(tmp_path / name), "--out", str(tmp_path)]
        assert cli(argv) == 2
        assert message in capsys.readouterr().err


@pytest.mark.usefixtures("stub_cli_world")
def test_a_file_of_the_other_kind_is_named_with_its_option(tmp_path, capsys):
    """The review: the fleet list given to --insurers was read as designated organisations (its vessel
    names); a sanctions list given as --fleet gave 7 missing-column messages. Now each is one problem
    saying what the file is and which option takes it."""
    fleet_txt = tmp_path / "fleet.txt"
    fleet_txt.write_text(FLEET.read_text(encoding="utf-8"), encoding="utf-8")
    base = ["screen", "--out", str(tmp_path / "out")]
    cases = {
        "insurers": (
            [*base, "--fleet", str(FLEET), "--lists", str(LIST_CSV), "--insurers", str(FLEET)],
            "sample_fleet.csv: row 1: this is a fleet list (columns imo, name, segment, dwt, gt, year_built, "
            "...), not a designated-insurers list: give it with --fleet, and a designated-insurers list with "
            "--insurers",
        ),
        "insurers as text": (
            [*base, "--fleet", str(FLEET), "--lists", str(LIST_CSV), "--insurers", str(fleet_txt)],
            "fleet.txt: row 1: this is a fleet list (columns imo, name, segment, dwt, gt, year_built, ...), "
            "not a designated-insurers list: give it with --fleet",
        ),
        "fleet": (
            [*base, "--fleet", str(LIST_CSV), "--lists", str(LIST_CSV)],
            "sample_sanctions.csv: row 1: this is a sanctions list of vessels (columns imo, name, list, "
            "date, flag, flag_changed), not a fleet list: give it with --lists, and a fleet list with "
            "--fleet",
        ),
        "lists": (
            [*base, "--fleet", str(FLEET), "--lists", str(FLEET)],
            "sample_fleet.csv: row 1: this is a fleet list (columns imo, name, segment, dwt, gt, year_built, "
            "...), not a sanctions list of vessels: give it with --fleet",
        ),
    }
    for case, (argv, message) in cases.items():
        assert cli(argv) == 2, case
        err = capsys.readouterr().err.splitlines()
        assert len(err) == 2 and err[1].startswith(message), (case, err)


@pytest.mark.usefixtures("stub_cli_world")
def test_a_workbook_or_text_file_given_as_a_list_names_its_option(tmp_path, capsys):
    """An .xlsx fleet given to --lists named no option ('unknown list format; allowed: ...'), nor did a
    .txt insurers list; an insurers file's problems were headed 'problem in the sanctions list'."""
    pd.read_csv(FLEET).to_excel(tmp_path / "book.xlsx", index=False)
    (tmp_path / "empty.txt").write_text("# nobody yet\n")
    base = ["screen", "--fleet", str(FLEET), "--out", str(tmp_path / "out")]
    cases = {
        "xlsx to --lists": (
            ["--lists", str(tmp_path / "book.xlsx")],
            [
                "book.xlsx: 1 problem in the sanctions list",
                "book.xlsx: unknown list format '.xlsx' (an Excel workbook is a fleet list: give it with "
                "--fleet); allowed: .csv, .json, .jsonl, .ndjson, .gz",
            ],
        ),
        "txt to --lists": (
            ["--lists", str(INSURERS)],
            [
                "sample_insurers.txt: 1 problem in the sanctions list",
                "sample_insurers.txt: unknown list format '.txt' (a .txt file is a designated-insurers list: "
                "give it with --insurers); allowed: .csv, .json, .jsonl, .ndjson, .gz",
            ],
        ),
        "xlsx to --insurers": (
            ["--lists", str(LIST_CSV), "--insurers", str(tmp_path / "book.xlsx")],
            [
                "book.xlsx: 1 problem in the designated-insurers list",
                "book.xlsx: unsupported file type '.xlsx' (an Excel workbook is a fleet list: give it with "
                "--fleet); allowed: a .csv with a name column, or a .txt",
            ],
        ),
        "empty insurers": (
            ["--lists", str(LIST_CSV), "--insurers", str(tmp_path / "empty.txt")],
            [
                "empty.txt: 1 problem in the designated-insurers list",
                "empty.txt: no insurer names (one a line, # starts a comment; or a CSV name column)",
            ],
        ),
    }
    for case, (argv, expected) in cases.items():
        assert cli([*base, *argv]) == 2, case
        assert capsys.readouterr().err.splitlines() == expected, case


def test_a_fleet_name_without_latin_letters_is_reported(world, tmp_path):
    """A fleet name in Cyrillic (`ВОЛГА`) can never match a list entry by name, and it was screened without
    a word: `vessels.csv` now marks it (`name_unmatchable`) and the CLI names the row."""
    rows = [GOOD_ROW.replace("Aurora Spirit", "ВОЛГА"), GOOD_ROW.replace("3100019", "3100021")]
    result = screen(write_fleet(tmp_path, *rows), LIST_CSV, world=world, as_of=AS_OF)
    assert result.vessels["name_unmatchable"].tolist() == [True, False]
    assert screen_cli.headline(result, n_entries=7, n_organisations=0).splitlines()[-1] == (
        "1 vessel name(s) without Latin letters, screened by IMO only (transliterate them: ВОЛГА as "
        "VOLGA): row 2 'ВОЛГА'"
    )


def test_an_imo_of_zeros_is_no_imo_on_either_side(world, tmp_path):
    """The fleet accepted IMO 0000000 (its check digit, 0, is right) while the lists rejected it, and the
    lists said 'the last digit should be 0' for 0123450, whose last digit is 0: 0×7 + 1×6 + 2×5 + 3×4 + 4×3
    + 5×2 = 50, check digit 0; only the leading 0 is wrong. Both sides now say what is wrong."""
    rows = [GOOD_ROW.replace("3100019", "0000000"), GOOD_ROW.replace("3100019", "0123450")]
    assert [
        str(p).split(": ", 1)[1] for p in problems_of(read_fleet, write_fleet(tmp_path, *rows), world=world)
    ] == [
        "row 2, column imo, value '0000000': 0000000 is a placeholder, not an IMO number: give the "
        "vessel's IMO number; allowed: a 7-digit IMO number whose last digit is its check digit",
        "row 3, column imo, value '0123450': an IMO number does not start with 0; allowed: a 7-digit IMO "
        "number whose last digit is its check digit",
    ]
    (tmp_path / "l.csv").write_text("imo,name,list,date,flag\n0000000,A,EU,,PAN\n0123450,B,EU,,PAN\n")
    assert read_sanctions_csv(tmp_path / "l.csv").problems["problem"].tolist() == [
        "0000000 is a placeholder, not an IMO number: give the vessel's IMO number; not matched by IMO",
        "an IMO number does not start with 0; not matched by IMO",
    ]


def test_a_list_name_without_latin_letters_is_reported_as_such(tmp_path):
    """`ВОЛГА` was reported as 'no name and no IMO'. An OpenSanctions entry whose primary name is Cyrillic
    but with a Latin alias can match by that alias: no problem."""
    (tmp_path / "l.csv").write_text("imo,name,list,date,flag\n,ВОЛГА,UK,2025-01-01,RU\n", encoding="utf-8")
    assert read_sanctions_csv(tmp_path / "l.csv").problems[
        ["line", "column", "value", "problem"]
    ].values.tolist() == [
        [
            2,
            "name",
            "ВОЛГА",
            "the name has no Latin letters: transliterate it (names are compared in Latin letters, ВОЛГА as "
            "VOLGA); with no valid IMO the entry can match no vessel",
        ]
    ]
    entity = ftm_line(properties={"name": ["ВОЛГА"], "alias": ["VOLGA"], "imoNumber": []})
    assert read_opensanctions(write_lines(tmp_path / "l.jsonl", entity)).problems.empty


def test_csv_that_is_not_utf8_names_the_row(world, tmp_path):
    latin1 = FLEET.read_text(encoding="utf-8").replace("Coral Venture", "Coral Venturé")
    (tmp_path / "latin1.csv").write_text(latin1, encoding="latin-1")
    (tmp_path / "utf16.csv").write_text(latin1, encoding="utf-16")
    save_as = "save it as CSV UTF-8"
    assert problems_of(read_fleet, tmp_path / "latin1.csv", world=world) == [
        "latin1.csv: row 4: not UTF-8 text: byte 0xE9 cannot be read (it looks like Latin-1/Windows-1252); "
        f"{save_as} (Excel: Save As, file type 'CSV UTF-8 (Comma delimited)')"
    ]
    [utf16] = problems_of(read_fleet, tmp_path / "utf16.csv", world=world)
    assert utf16.startswith(f"utf16.csv: the file is UTF-16 text, not UTF-8; {save_as}")
    (tmp_path / "l.csv").write_bytes(b"imo,name,list,date\n3100021,BALTIC M\xc9RIDIAN,EU,\n")
    assert problems_of(read_sanctions_csv, tmp_path / "l.csv")[0].startswith("l.csv: row 2: not UTF-8")
    (tmp_path / "ins.txt").write_bytes(b"# designated\nSt\xe9ppe Marine\n")
    assert problems_of(read_designated_insurers, tmp_path / "ins.txt")[0].startswith(
        "ins.txt: line 2: not UTF-8 text"
    )


def test_flag_change_days_must_be_a_positive_whole_number(world, tmp_path, capsys):
    argv = ["screen", "--fleet", str(FLEET), "--lists", str(LIST_CSV), "--out", str(tmp_path)]
    for days in ("-5", "0", "1.5"):
        assert main([*argv, "--flag-change-days", days]) == 2
        err = capsys.readouterr().err
        assert (
            f"argument --flag-change-days: not a number of days: '{days}'; allowed: a whole number of days "
            "from 1 to 36,500 (100 years)"
        ) in err
    with pytest.raises(ValueError, match=r"allowed: a whole number of days from 1 to 36,500 \(100 years\)"):
        screen(FLEET, LIST_CSV, world=world, as_of=AS_OF, flag_change_window_days=-5)


@pytest.mark.usefixtures("stub_cli_world")
def test_as_of_before_the_fleet_years_is_rejected_at_the_option(tmp_path, capsys):
    argv = ["screen", "--fleet", str(FLEET), "--lists", str(LIST_CSV), "--out", str(tmp_path)]
    assert main([*argv, "--as-of", "1900-01-01"]) == 2
    err = capsys.readouterr().err
    assert "argument --as-of: screening date 1900-01-01 out of range" in err
    assert "allowed: a date YYYY-MM-DD from 1950-01-01 to 2199-12-31" in err
    assert "sample_fleet.csv" not in err
    # A screening date after 1950 but before some vessels were built names the date as the cause.
    assert cli([*argv, "--as-of", "2015-06-30"]) == 2
    assert (
        "sample_fleet.csv: row 12, column year_built, value '2021': impossible year built 2021 (built after "
        "the screening date's year 2015: is the screening date right?); allowed: 1950 to 2015"
    ) in capsys.readouterr().err


@pytest.mark.usefixtures("stub_cli_world")
def test_a_folder_given_as_a_file_is_named_as_a_folder(world, tmp_path, capsys):
    assert problems_of(read_fleet, tmp_path, world=world) == [
        f"{tmp_path}: is a folder, not a file; allowed: a .csv, .xlsx or .xlsm file"
    ]
    assert cli(["screen", "--fleet", str(tmp_path), "--lists", str(LIST_CSV), "--out", str(tmp_path)]) == 2
    assert f"{tmp_path}: is a folder, not a file" in capsys.readouterr().err
    assert problems_of(read_lists, [tmp_path])[0].startswith(f"{tmp_path}: is a folder, not a file")


def test_out_that_is_a_file_is_rejected(result, tmp_path, capsys):
    taken = tmp_path / "report.csv"
    taken.write_text("mine\n")
    argv = ["screen", "--fleet", str(FLEET), "--lists", str(LIST_CSV), "--out", str(taken)]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert f"argument --out: {taken}: the output path is a file, not a folder; allowed: a folder" in err
    assert "Traceback" not in err and "FileExistsError" not in err
    with pytest.raises(NotADirectoryError, match=f"its parent {taken} is a file, not a folder"):
        result.write(taken / "sub")
    assert taken.read_text() == "mine\n"


def test_lists_without_a_valid_imo_screen_by_name(world, tmp_path):
    (tmp_path / "names.csv").write_text("imo,name,list,date,flag\n,M/T DELTA HORIZON,EU,2025-01-01,CMR\n")
    screened = screen(FLEET, tmp_path / "names.csv", world=world, as_of=AS_OF)
    assert rows_of(screened.vessels, "designated_vessel_name_only") == {5}
    assert screened.vessels["flag_change_date"].isna().all()


def test_docs_say_the_header_is_row_1():
    text = DOCS.read_text(encoding="utf-8")
    numbering = text[text.index("**Row and line numbers.**") :].split("\n\n")[0]
    assert "header is row 1" in numbering
    assert all(f in numbering for f in ("fleet list", "sanctions CSV", "JSON lines"))


# ----------------------------------------------------------------------------------- shipped world
def test_sample_with_shipped_world():
    """The sample's flags are all known to the shipped world, and the findings that do not depend on the
    flag classification are those of the stub world."""
    shipped = screen(FLEET, [LIST_CSV, LIST_FTM], INSURERS, world=load_world(), as_of=AS_OF)
    assert rows_of(shipped.vessels, "designated_vessel") == {3, 4, 10}
    assert rows_of(shipped.vessels, "designated_vessel_name_only") == {5, 6}
    assert rows_of(shipped.vessels, "designated_vessel_other_imo") == {7}
    assert rows_of(shipped.vessels, "designated_insurer") == {3, 11, 13}
    assert rows_of(shipped.vessels, "shadow_flag") >= {5, 10}  # Cameroon


def test_cli_through_the_main_entry_point(tmp_path, capsys):
    argv = ["screen", "--fleet", str(FLEET), "--lists", str(LIST_CSV), "--out", str(tmp_path)]
    assert main([*argv, "--as-of", "2026-06-30"]) == 0
    assert (tmp_path / "vessels.csv").is_file()
    invalid = ["screen", "--fleet", str(INVALID_FLEET), "--lists", str(LIST_CSV), "--out", str(tmp_path)]
    assert main(invalid) == 2
    assert "Traceback" not in capsys.readouterr().err


def test_a_sum_insured_in_dollars_is_named_as_one(world, tmp_path):
    """A sum insured or premium above what any one vessel's cover can be (USD 10bn) is taken for a figure
    in dollars, not millions: an error naming the row, the column and the unit; 10,000 itself is allowed."""
    dollars = GOOD_ROW.replace(",95,0.80,", ",95000000,0.80,")
    premium = GOOD_ROW.replace(",95,0.80,", ",95,800000,").replace("3100019", "3100021")
    edge = GOOD_ROW.replace(",95,0.80,", ",10000,0.80,").replace("HULL-XL-26", "HULL-XL-27")
    with pytest.raises(FleetValidationError) as caught:
        read_fleet(write_fleet(tmp_path, dollars, premium, edge), world=world, current_year=2026)
    assert [(p.row, p.column, p.value) for p in caught.value.problems] == [
        (2, "sum_insured_usd_m", "95000000"),
        (3, "premium_usd_m", "800000"),
    ]
    assert str(caught.value.problems[0]).endswith(
        "value '95000000': more than any one vessel's cover (USD 10bn): is it in dollars or thousands rather "
        "than USD millions?; allowed: the sum insured in USD millions, a number from 0 to 10,000"
    )


def test_an_empty_first_sheet_is_named_with_the_sheets_the_workbook_has(world, tmp_path):
    """A fleet list is read from the first sheet: when that sheet is empty and the list is on another,
    the message names the sheets and says to move the list (not merely "the file is empty")."""
    with pd.ExcelWriter(tmp_path / "book.xlsx") as book:
        pd.DataFrame().to_excel(book, sheet_name="Notes", index=False)
        pd.read_csv(FLEET).to_excel(book, sheet_name="Fleet", index=False)
    with pytest.raises(FleetValidationError) as caught:
        read_fleet(tmp_path / "book.xlsx", world=world, current_year=2026)
    assert [str(p) for p in caught.value.problems] == [
        "book.xlsx: the first sheet 'Notes' is empty, and a fleet list is read from the first sheet (the "
        "workbook's sheets: 'Notes', 'Fleet'): move the list to the first sheet"
    ]


def test_formulas_without_saved_values_are_named(world, tmp_path):
    """A workbook written by a script holds formulas without their values; every reader sees them blank.
    When the list has problems, a note names the cells and their formulas and says what to do (each cell
    said only "empty: a value is required"); a valid list is not read again for formulas. (A formula
    saved with its value, as Excel saves it, reads as the value: openpyxl cannot write one.)"""
    import openpyxl

    table = pd.read_csv(FLEET)
    table.to_excel(tmp_path / "fleet.xlsx", index=False)
    book = openpyxl.load_workbook(tmp_path / "fleet.xlsx")
    sheet = book.worksheets[0]
    column = list(table.columns).index("sum_insured_usd_m") + 1
    sheet.cell(row=2, column=column, value="=1/0")
    sheet.cell(row=3, column=column, value="=2*9")
    optional = list(table.columns).index("contract") + 1
    book.save(tmp_path / "formulas.xlsx")
    with pytest.raises(FleetValidationError) as caught:
        read_fleet(tmp_path / "formulas.xlsx", world=world, current_year=2026)
    letter = openpyxl.utils.get_column_letter(column)
    problems = [str(p) for p in caught.value.problems]
    assert problems[0].startswith("formulas.xlsx (sheet 'Sheet1'): row 2, column sum_insured_usd_m, empty")
    assert problems[-1] == (
        f"formulas.xlsx (sheet 'Sheet1'): note: cells {letter}2 (=1/0), {letter}3 (=2*9) hold formulas "
        "without a saved value and read as blank: if the workbook was written by a program that does not "
        "calculate formulas, open and save it in Excel, or write the values themselves"
    )
    # a formula in an optional column, blank either way: the list is valid, and read as such
    book = openpyxl.load_workbook(tmp_path / "fleet.xlsx")
    book.worksheets[0].cell(row=2, column=optional, value='=IF(1=1,"","x")')
    book.save(tmp_path / "optional.xlsx")
    fleet = read_fleet(tmp_path / "optional.xlsx", world=world, current_year=2026)
    assert len(fleet) == len(table)
