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
    7   Fjord Runner      25  0.20    HM     HULL      11 MHL  ig        - (list has another valid IMO)
    8   Golden Tern       60  0.70    HM     PI        27 GRC  ig        -
    9   Harbour Light     22  0.25    HM     (none)    10 MLT  western   -
    10  Iris Tide         15  0.40    HM     HULL      17 CMR  none      IMO (UK); flag changed 2026-03-01
    11  Juniper Sound     35  0.45    NW     (none)    16 PAN  none      P&I designated (insurers list)
    12  Kestrel Point     28  0.22    HM     PI         5 NOR  ig        -
    13  Lantern Bay       10  0.12    NW     HULL      13 SGP  ig        H&M designated
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
from hypothesis import given
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
    flags of convenience PAN, LBR, MHL, MLT, GAB, COM; shadow flags GAB, CMR, COM."""

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


@given(st.integers(min_value=1_000_000, max_value=9_999_999))
def test_vectorised_imo_check_agrees_with_the_scalar_one(number: int):
    scalar = number % 10 == imo_check_digit(number // 10)
    assert bool(imo_valid(np.array([number]))[0]) == scalar
    assert int(imo_check_digits(np.array([number // 10]))[0]) == imo_check_digit(number // 10)


# ---------------------------------------------------------------------------------------- fleet list
def test_sample_fleet_reads_and_derives_columns(world):
    fleet = read_fleet(FLEET, world=world, current_year=2026).set_index("row")
    assert len(fleet) == 12
    # 105,000 DWT is an Aframax (80-120k); 49,000 DWT an MR (25-55k).
    assert fleet.at[3, "segment"] == "AFRAMAX" and fleet.at[9, "segment"] == "MR"
    # GT given for Aurora Spirit only; the others get their segment's mean GT.
    assert fleet.at[2, "gt"] == 160_000 and not fleet.at[2, "gt_estimated"]
    assert fleet.at[3, "gt"] == 58_000 and fleet.at[3, "gt_estimated"]
    assert fleet["pi_class"].to_dict() == {
        2: "ig", 3: "none", 4: "ig", 5: "none", 6: "ig", 7: "ig",
        8: "ig", 9: "western_fixed", 10: "none", 11: "none", 12: "ig", 13: "ig",
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
        "row 5, column imo, value '3100019': duplicate IMO 3100019, first in row 2; "
        "allowed: each IMO once per fleet list",
        "row 5, column premium_usd_m, value '-0.3': Input should be greater than or equal to 0; "
        "allowed: the premium in USD millions, a number ≥ 0",
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
    assert [str(p).split(": ", 1)[1] for p in caught.value.problems] == [
        "row 3, column imo, value '3100019': duplicate IMO 3100019, first in row 2; "
        "allowed: each IMO once per fleet list",
        "row 4, column imo, value 'IMO 3100019': duplicate IMO 3100019, first in row 2; "
        "allowed: each IMO once per fleet list",
    ]


def test_header_problems_name_the_column(world, tmp_path):
    header = HEADER.replace("sum_insured_usd_m", "sum_insured").replace("cedant", "name")
    path = write_fleet(tmp_path, GOOD_ROW, header=header)
    with pytest.raises(FleetValidationError) as caught:
        read_fleet(path, world=world, current_year=2026)
    assert [str(p) for p in caught.value.problems] == [
        "fleet.csv: row 1, column name, value 'name': column given twice (also as 'name')",
        "fleet.csv: row 1, column sum_insured_usd_m, empty: required column missing (is it 'sum_insured'?); "
        "allowed: the sum insured in USD millions, a number ≥ 0",
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
        ("bad.xlsx", 4, "flag", "XXX")
    ]


def test_unreadable_fleet_files_are_input_errors(world, tmp_path):
    (tmp_path / "fleet.xlsx").write_text("not a workbook", encoding="utf-8")
    with pytest.raises(FleetValidationError, match=r"fleet.xlsx: cannot be read as a table \(BadZipFile"):
        read_fleet(tmp_path / "fleet.xlsx", world=world)
    (tmp_path / "fleet.txt").write_text(HEADER, encoding="utf-8")
    with pytest.raises(FleetValidationError, match=r"unknown file type; allowed: \.csv, \.xlsx, \.xlsm"):
        read_fleet(tmp_path / "fleet.txt", world=world)


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
    coral = vessels[vessels["entity_id"] == "sample-v-002"]
    assert sorted(coral["list"]) == ["eu_fsf", "us_ofac_sdn"]
    assert set(coral["date"]) == {pd.Timestamp("2024-02-23")}  # the Sanction entity's listingDate
    baltic = vessels[vessels["entity_id"] == "sample-v-001"].iloc[0]
    assert baltic["date"] == pd.Timestamp("2025-06-05")  # no Sanction entity: first_seen
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
    assert lists.problems[["entity_id", "column", "problem"]].values.tolist() == [
        ["t5", "name", "no name and no IMO: the entry can match no vessel"]
    ]
    assert lists.organisations["name_norm"].tolist() == ["POLAR SHIELD"]  # no `target`: read


def test_designated_insurers_from_text_and_csv(tmp_path):
    assert read_designated_insurers(INSURERS).organisations["name_norm"].tolist() == [
        "STEPPE MARINE INSURANCE"
    ]
    (tmp_path / "ins.csv").write_text("name,list,date\nPolar Shield,UK,2024-05-02\n", encoding="utf-8")
    orgs = read_designated_insurers(tmp_path / "ins.csv").organisations
    assert orgs[["line", "list", "name_norm"]].values.tolist() == [[2, "UK", "POLAR SHIELD"]]


def test_list_format_errors_name_the_row(tmp_path):
    (tmp_path / "l.csv").write_text("imo,name,list,date\n3100019,A,EU,2025-13-01\n,,EU,\n", encoding="utf-8")
    with pytest.raises(ListFormatError) as caught:
        read_sanctions_csv(tmp_path / "l.csv")
    assert [str(p) for p in caught.value.problems] == [
        "l.csv: row 2, column date, value '2025-13-01': not a date; allowed: YYYY-MM-DD",
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
    assert sorted(imo.loc[imo["row"] == 3, "list"]) == ["EU", "UK", "us_ofac_sdn"]
    assert rows_of(result.vessels, "designated_vessel") == {3, 4, 10}


def test_name_only_matches_are_marked_lower_confidence(result):
    """Delta Horizon: the OpenSanctions entry has no IMO (its name and alias match once). Eastern Pearl: the
    list's IMO 3100058 fails the check digit, so it is reported and matched by name and flag only. Fjord
    Runner: the list's entry has another *valid* IMO, so it is a different ship and does not match."""
    by_name = result.matches[result.matches["match_type"] == "name_flag"]
    assert by_name[["row", "confidence", "entry_imo"]].values.tolist() == [
        [5, "low", ""],
        [6, "low", "3100058"],
    ]
    assert rows_of(result.vessels, "designated_vessel_name_only") == {5, 6}
    assert 7 not in set(result.matches["row"])


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


def test_at_risk_profiles(result):
    v = result.vessels.set_index("row")
    assert set(v.index[v["age_20_plus"]]) == {3, 5, 8}  # built 2004, 2003, 1999
    assert set(v.index[v["shadow_or_convenience_flag"]]) == {2, 3, 4, 5, 6, 7, 9, 10, 11}
    assert set(v.index[v["non_ig_pi"]]) == {3, 5, 9, 10, 11}
    assert set(v.index[v["recent_flag_change"]]) == {10}
    assert v.at[3, "risk_reasons"] == "age_20_plus;shadow_or_convenience_flag;non_ig_pi"
    assert set(v.index[~v["at_risk_profile"]]) == {12, 13}


def test_flag_change_dates_from_the_list_history(world):
    """Baltic Meridian: UK lists it under CMR (2025-02-24), EU under GAB (2025-05-20): changed 2025-05-20,
    outside 365 days of 2026-06-30, inside 365 days of 2026-01-01. Iris Tide: `flag_changed` 2026-03-01."""
    early = screen(FLEET, [LIST_CSV, LIST_FTM], world=world, as_of=dt.date(2026, 1, 1)).vessels
    early = early.set_index("row")[["flag_change_date", "recent_flag_change"]]
    assert early.loc[3].tolist() == [pd.Timestamp("2025-05-20"), True]
    # A flag change dated after the screening date does not count.
    assert early.loc[10].tolist() == [pd.Timestamp("2026-03-01"), False]


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
    book: 95+18+40+12+30+25+60+22+15+35+28+10 = 390; 0.80+0.42+0.50+0.30+0.36+0.20+0.70+0.25+0.40+0.45
          +0.22+0.12 = 4.72
    designated by IMO, rows 3, 4, 10: 18+40+15 = 73; 0.42+0.50+0.40 = 1.32
    name and flag only, rows 5, 6: 12+30 = 42; 0.30+0.36 = 0.66
    designated insurer, rows 3, 11, 13: 18+35+10 = 63; 0.42+0.45+0.12 = 0.99
    at risk, all but rows 12 and 13: 390-28-10 = 352; 4.72-0.22-0.12 = 4.38
    age ≥ 20, rows 3, 5, 8: 18+12+60 = 90; 0.42+0.30+0.70 = 1.42
    flag of convenience or shadow, rows 2-7, 9-11: 95+18+40+12+30+25+22+15+35 = 292;
          0.80+0.42+0.50+0.30+0.36+0.20+0.25+0.40+0.45 = 3.68
    non-IG P&I, rows 3, 5, 9, 10, 11: 18+12+22+15+35 = 102; 0.42+0.30+0.25+0.40+0.45 = 1.82
    recent flag change, row 10: 15; 0.40
    any concern, all but row 12: 390-28 = 362; 4.72-0.22 = 4.50
    """
    expected = {
        "book": (12, 390, 4.72),
        "designated_vessel": (3, 73, 1.32),
        "designated_vessel_name_only": (2, 42, 0.66),
        "designated_insurer": (3, 63, 0.99),
        "at_risk_profile": (10, 352, 4.38),
        "age_20_plus": (3, 90, 1.42),
        "shadow_or_convenience_flag": (9, 292, 3.68),
        "non_ig_pi": (5, 102, 1.82),
        "recent_flag_change": (1, 15, 0.40),
        "any_concern": (11, 362, 4.50),
    }
    assert set(expected) == set(EXPOSURE_CATEGORIES)
    for category, (n, limit, premium) in expected.items():
        assert exposure(result, "total", "all", category) == (n, pytest.approx(limit), pytest.approx(premium))
    share = result.exposure_table("total", "share_of_sum_insured").at["all", "designated_vessel"]
    assert share == pytest.approx(73 / 390)


def test_exposure_by_cedant_and_contract_equals_hand_sums(result):
    """Northwind Marine (rows 2, 3, 4, 5, 11, 13): book 95+18+40+12+35+10 = 210, 0.80+0.42+0.50+0.30+0.45+0.12
    = 2.59; designated by IMO rows 3, 4: 58, 0.92; insurer rows 3, 11, 13: 63, 0.99.
    Harbour Mutual: book 390-210 = 180, 4.72-2.59 = 2.13; designated by IMO row 10: 15, 0.40; name only row 6:
    30, 0.36; insurer: none.
    HULL-XL-26 (rows 2, 3, 6, 7, 10, 13): book 95+18+30+25+15+10 = 193; designated by IMO rows 3, 10: 33,
    0.82; insurer rows 3, 13: 28, 0.54. PI-XL-26 (rows 4, 5, 8, 12): book 40+12+60+28 = 140; by IMO row 4:
    40, 0.50.
    No contract (rows 9, 11): book 22+35 = 57, 0.25+0.45 = 0.70; insurer row 11: 35, 0.45."""
    assert exposure(result, "cedant", "Northwind Marine", "book") == (6, 210, pytest.approx(2.59))
    assert exposure(result, "cedant", "Northwind Marine", "designated_vessel") == (2, 58, pytest.approx(0.92))
    assert exposure(result, "cedant", "Northwind Marine", "designated_insurer") == (
        3,
        63,
        pytest.approx(0.99),
    )
    assert exposure(result, "cedant", "Harbour Mutual", "book") == (6, 180, pytest.approx(2.13))
    assert exposure(result, "cedant", "Harbour Mutual", "designated_vessel") == (1, 15, pytest.approx(0.40))
    assert exposure(result, "cedant", "Harbour Mutual", "designated_vessel_name_only") == (1, 30, 0.36)
    assert exposure(result, "cedant", "Harbour Mutual", "designated_insurer") == (0, 0, 0)
    assert exposure(result, "contract", "HULL-XL-26", "book")[:2] == (6, 193)
    assert exposure(result, "contract", "HULL-XL-26", "designated_vessel") == (2, 33, pytest.approx(0.82))
    assert exposure(result, "contract", "HULL-XL-26", "designated_insurer") == (2, 28, pytest.approx(0.54))
    assert exposure(result, "contract", "PI-XL-26", "book")[:2] == (4, 140)
    assert exposure(result, "contract", "PI-XL-26", "designated_vessel") == (1, 40, pytest.approx(0.50))
    assert exposure(result, "contract", "(none)", "book") == (2, 57, pytest.approx(0.70))
    assert exposure(result, "contract", "(none)", "designated_insurer") == (1, 35, pytest.approx(0.45))
    by_cedant = result.exposure_table("cedant")
    assert by_cedant["book"].sum() == pytest.approx(390)


def test_fleet_profile_counts_and_tonnage(world):
    """GT: 160,000 given for Aurora Spirit; segment means for the rest: Aframax 3 × 58,000, Suezmax
    2 × 81,000, MR 3 × 29,000, Panamax 42,000, VLCC 160,000, Handy 15,000: 160,000 + 174,000 + 162,000
    + 87,000 + 42,000 + 160,000 + 15,000 = 800,000."""
    fleet = read_fleet(FLEET, world=world, current_year=2026)
    profile = fleet_profile(fleet, as_of=AS_OF)
    assert profile["vessels"].sum() == 12 and profile["gt"].sum() == 800_000
    aframax = profile[profile["segment"] == "AFRAMAX"]
    assert aframax[["age_band", "pi_class", "flag", "vessels"]].values.tolist() == [
        ["15-19", "ig", "PAN", 1],
        ["15-19", "none", "CMR", 1],
        ["20-24", "none", "GAB", 1],
    ]
    by_cedant = fleet_profile(fleet, as_of=AS_OF, by=("cedant", "pi_class"))
    assert by_cedant.set_index(["cedant", "pi_class"])["vessels"].to_dict() == {
        ("Harbour Mutual", "ig"): 4,
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
    assert "Screened 12 vessels of 2 cedant(s)" in out
    assert "designated_vessel                    3          73.0       1.32" in out
    assert (
        "2 list entry problem(s) (invalid IMO, unknown or missing flag, a column not read): see "
        "list_problems.csv" in out
    )
    exposure_csv = pd.read_csv(tmp_path / "exposure.csv")
    book = exposure_csv[(exposure_csv["by"] == "total") & (exposure_csv["category"] == "book")]
    assert book["sum_insured_usd_m"].item() == 390


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
    sanction["properties"]["listingDate"] = ["23/02/2024"]
    path = write_lines(tmp_path / "l.jsonl", ftm_line(first_seen="yesterday"), sanction)
    allowed = "allowed: YYYY-MM-DD (or YYYY-MM, YYYY; a time may follow, as in 2025-06-05T10:00:00)"
    assert problems_of(read_opensanctions, path) == [
        f"l.jsonl: line 1, field first_seen, value 'yesterday': not a date; {allowed}",
        f"l.jsonl: line 2, field properties.listingDate, value '23/02/2024': not a date; {allowed}",
    ]
    sanction["properties"]["listingDate"] = ["2024-02"]  # FtM dates may be partial
    lists = read_opensanctions(write_lines(tmp_path / "ok.jsonl", ftm_line(), sanction))
    assert set(lists.vessels["date"]) == {pd.Timestamp("2024-02-01")}


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
            f"argument --flag-change-days: not a number of days: '{days}'; allowed: a whole number ≥ 1" in err
        )
    with pytest.raises(ValueError, match="allowed: a whole number of days ≥ 1"):
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
    assert rows_of(shipped.vessels, "designated_insurer") == {3, 11, 13}
    assert rows_of(shipped.vessels, "shadow_flag") >= {5, 10}  # Cameroon


def test_cli_through_the_main_entry_point(tmp_path, capsys):
    argv = ["screen", "--fleet", str(FLEET), "--lists", str(LIST_CSV), "--out", str(tmp_path)]
    assert main([*argv, "--as-of", "2026-06-30"]) == 0
    assert (tmp_path / "vessels.csv").is_file()
    invalid = ["screen", "--fleet", str(INVALID_FLEET), "--lists", str(LIST_CSV), "--out", str(tmp_path)]
    assert main(invalid) == 2
    assert "Traceback" not in capsys.readouterr().err
