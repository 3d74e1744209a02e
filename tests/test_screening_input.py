"""Screening input checked, not guessed: the OpenSanctions `target` flag, the dates of the lists, the
flag-change window and the date arguments of the public API.

The cases came from a red-team review. Each was a silent default or a traceback: a `target` of `"false"`,
`0` or `null` read as designated; a list date `2025` read as 2025-01-01 (which decides
`listed_after_as_of`); `--flag-change-days 99999999999999999999` ending in `OutOfBoundsTimedelta`;
`screen(..., as_of="2026-06-30")` ending in a `TypeError` from a comparison. The rule: bad input gets a
clear error naming the file, the field and what is allowed.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pandas as pd
import pytest

from riskmodel.screening import (
    FleetValidationError,
    ListFormatError,
    fleet_profile,
    read_designated_insurers,
    read_fleet,
    read_opensanctions,
    read_sanctions_csv,
    screen,
    validate_fleet,
)
from riskmodel.world import load_world

SAMPLES = Path(__file__).resolve().parents[1] / "riskmodel" / "screening" / "samples"
FLEET = SAMPLES / "sample_fleet.csv"
LIST_CSV = SAMPLES / "sample_sanctions.csv"
AS_OF = dt.date(2026, 6, 30)
TARGET_ALLOWED = (
    "allowed: true (designated), false (a related entity, skipped) or no target field (designated)"
)
LIST_DATE_ALLOWED = "allowed: YYYY-MM-DD from 1900-01-01 to 2199-12-31, or blank"
WINDOW_ALLOWED = "allowed: a whole number of days from 1 to 36,500 (100 years)"
DATE_ALLOWED = (
    "allowed: a datetime.date, a datetime or pandas.Timestamp (its date), or a string YYYY-MM-DD, from "
    "1950-01-01 to 2199-12-31"
)
YEAR_ALLOWED = "allowed: a whole number from 1950 to 2199 (the screening date's year)"


@pytest.fixture(scope="module")
def world():
    return load_world()


@pytest.fixture(scope="module")
def fleet(world):
    return read_fleet(FLEET, world=world, current_year=AS_OF.year)


def problems_of(call, *args) -> list[str]:
    with pytest.raises((ListFormatError, FleetValidationError)) as caught:
        call(*args)
    return [str(p) for p in caught.value.problems]


def write_entities(path: Path, *entities: dict) -> Path:
    path.write_text("".join(json.dumps(e) + "\n" for e in entities), encoding="utf-8")
    return path


def vessel(entity_id: str, imo: str, **fields: object) -> dict:
    return {
        "id": entity_id,
        "schema": "Vessel",
        "properties": {"name": ["SEA LARK"], "imoNumber": [imo], "flag": ["pa"]},
        "datasets": ["eu_fsf"],
        "first_seen": "2025-01-01",
        **fields,
    }


# ------------------------------------------------------------------------------- OpenSanctions target
def test_target_true_false_or_absent_decide_what_is_designated(tmp_path):
    """`true` and an absent `target` (a plain FollowTheMoney entity has none) are designated; `false` is a
    related entity, skipped. (As before the fix: this pins what it keeps.)"""
    path = write_entities(
        tmp_path / "l.jsonl",
        vessel("v-true", "IMO3100019", target=True),
        vessel("v-false", "IMO3100021", target=False),
        vessel("v-absent", "IMO3100033"),
    )
    assert read_opensanctions(path).vessels["entity_id"].tolist() == ["v-true", "v-absent"]


@pytest.mark.parametrize(
    ("target", "shown", "got"),
    [
        ("false", "'false'", "a string"),
        ("true", "'true'", "a string"),
        (0, "'0'", "a number"),
        (1, "'1'", "a number"),
        (None, "'null'", "null"),
        ([False], "'[false]'", "a list holding true/false"),
    ],
)
def test_a_target_that_is_not_a_boolean_is_a_list_problem(tmp_path, target, shown, got):
    """Only the literal `false` skipped an entity: `"false"`, `0` and `null` were read as designated."""
    organisation = {"id": "o-1", "schema": "Company", "properties": {"name": ["Norse Hull AS"]}}
    path = write_entities(
        tmp_path / "l.jsonl",
        vessel("v-1", "IMO3100019", target=target),
        {**organisation, "datasets": ["eu_fsf"], "target": target},
    )
    message = f"expected true or false, got {got}; {TARGET_ALLOWED}"
    assert problems_of(read_opensanctions, path) == [
        f"l.jsonl: line 1, field target, value {shown}: {message}",
        f"l.jsonl: line 2, field target, value {shown}: {message}",
    ]


def test_the_target_of_a_sanction_entity_is_not_read(tmp_path):
    """A Sanction entity dates a designation whatever its `target` (OpenSanctions writes `false`). (As
    before the fix: only vessels' and organisations' `target` is read.)"""
    sanction = {
        "id": "s-1",
        "schema": "Sanction",
        "properties": {"entity": ["v-1"], "listingDate": ["2024-02-23"]},
        "datasets": ["eu_fsf"],
        "target": "no",
    }
    path = write_entities(tmp_path / "l.jsonl", vessel("v-1", "IMO3100019", target=True), sanction)
    entries = read_opensanctions(path).vessels
    assert entries[["date", "date_basis"]].values.tolist() == [[pd.Timestamp("2024-02-23"), "sanction"]]


# ------------------------------------------------------------------------------------------ list dates
LOOSE_DATES = ["2025", "2025-01", "2025/01/01", "20250102", "2025-1-2", "2025-01-02T10:00", "02/01/2025"]


@pytest.mark.parametrize("value", LOOSE_DATES)
def test_sanctions_csv_dates_are_yyyy_mm_dd_only(tmp_path, value):
    """`2025` was read as 2025-01-01 and `20250102` as 2025-01-02, though the message said "allowed:
    YYYY-MM-DD"; both the listing `date` and `flag_changed` are strict now."""
    (tmp_path / "l.csv").write_text(
        f"imo,name,list,date,flag_changed\n3100019,SEA LARK,EU,{value},\n3100021,NORSE ONE,EU,2025-01-02,"
        f"{value}\n",
        encoding="utf-8",
    )
    assert problems_of(read_sanctions_csv, tmp_path / "l.csv") == [
        f"l.csv: row 2, column date, value {value!r}: not a date; {LIST_DATE_ALLOWED}",
        f"l.csv: row 3, column flag_changed, value {value!r}: not a date; {LIST_DATE_ALLOWED}",
    ]


@pytest.mark.parametrize("value", LOOSE_DATES)
def test_insurers_csv_dates_are_yyyy_mm_dd_only(tmp_path, value):
    (tmp_path / "ins.csv").write_text(f"name,list,date\nPolar Shield,UK,{value}\n", encoding="utf-8")
    assert problems_of(read_designated_insurers, tmp_path / "ins.csv") == [
        f"ins.csv: row 2, column date, value {value!r}: not a date; {LIST_DATE_ALLOWED}"
    ]


def test_list_dates_written_yyyy_mm_dd_or_blank_are_read(tmp_path):
    """A full date (spaces around it trimmed) or a blank is read. (As before the fix: this pins what it
    keeps.)"""
    (tmp_path / "l.csv").write_text(
        "imo,name,list,date,flag_changed\n3100019,SEA LARK,EU, 2025-01-02 ,\n3100021,NORSE ONE,EU,,"
        "1999-12-31\n",
        encoding="utf-8",
    )
    entries = read_sanctions_csv(tmp_path / "l.csv").vessels
    assert entries["date"].tolist()[0] == pd.Timestamp("2025-01-02") and pd.isna(entries["date"].iloc[1])
    assert pd.isna(entries["flag_changed"].iloc[0])
    assert entries["flag_changed"].iloc[1] == pd.Timestamp("1999-12-31")
    assert entries["date_basis"].tolist() == ["list", ""]


@pytest.mark.parametrize("value", ["0001-01-01", "1677-01-01", "1899-12-31", "2200-01-01", "9999-12-31"])
def test_list_dates_out_of_range_are_problems_not_tracebacks(tmp_path, value):
    """`9999-12-31` in a sanctions CSV or as an OpenSanctions date ended in pandas' OutOfBoundsDatetime."""
    (tmp_path / "l.csv").write_text(f"imo,name,list,date\n3100019,SEA LARK,EU,{value}\n", encoding="utf-8")
    assert problems_of(read_sanctions_csv, tmp_path / "l.csv") == [
        f"l.csv: row 2, column date, value {value!r}: date out of range; {LIST_DATE_ALLOWED}"
    ]
    path = write_entities(tmp_path / "l.jsonl", vessel("v-1", "IMO3100019", first_seen=value))
    assert problems_of(read_opensanctions, path) == [
        f"l.jsonl: line 1, field first_seen, value {value!r}: date out of range; allowed: a date from "
        "1900-01-01 to 2199-12-31"
    ]


# ---------------------------------------------------------------------------------- flag-change window
@pytest.mark.parametrize("days", ["99999999999999999999", "36501"])
def test_flag_change_days_beyond_100_years_is_a_usage_error(run_cli, tmp_path, days):
    """`--flag-change-days 99999999999999999999` ended in `error: OutOfBoundsTimedelta`, exit 1."""
    code, _, err = run_cli(
        "screen", "--fleet", FLEET, "--lists", LIST_CSV, "--out", tmp_path / "out", "--flag-change-days", days
    )
    assert code == 2
    assert f"argument --flag-change-days: {days} days is out of range; {WINDOW_ALLOWED}" in err
    assert "OutOfBounds" not in err and "Traceback" not in err


def test_the_flag_change_window_is_bounded_in_the_api_too(fleet, world):
    with pytest.raises(
        ValueError, match=re.escape(f"flag-change window 36501 days out of range; {WINDOW_ALLOWED}")
    ):
        screen(fleet, LIST_CSV, world=world, as_of=AS_OF, flag_change_window_days=36_501)
    with pytest.raises(ValueError, match="flag-change window 100000000000000000000 days out of range"):
        screen(fleet, LIST_CSV, world=world, as_of=AS_OF, flag_change_window_days=10**20)
    for wrong in ("365", 365.0, True):
        with pytest.raises(TypeError, match=re.escape(f"flag-change window {wrong!r} (")):
            screen(fleet, LIST_CSV, world=world, as_of=AS_OF, flag_change_window_days=wrong)
    # (365.0 is a whole number of days: it is refused as no int, in the words of every int check)
    with pytest.raises(TypeError) as caught:
        screen(fleet, LIST_CSV, world=world, as_of=AS_OF, flag_change_window_days=365.0)
    assert str(caught.value) == (
        "flag-change window 365.0 (a float; an int is a whole number written without a decimal point: 5, not "
        f"5.0) is not an int; {WINDOW_ALLOWED}"
    )
    longest = screen(fleet, LIST_CSV, world=world, as_of=AS_OF, flag_change_window_days=36_500)
    assert longest.vessels["recent_flag_change"].any()


# ------------------------------------------------------------------------------------ API date arguments
@pytest.mark.parametrize(
    "as_of", ["2026-06-30", dt.datetime(2026, 6, 30, 18, 0), pd.Timestamp("2026-06-30 18:00")]
)
def test_screen_takes_a_date_a_timestamp_or_an_iso_string(fleet, world, as_of):
    """`screen(..., as_of="2026-06-30")` ended in `TypeError: '<=' not supported between ... date and
    str`; a datetime or Timestamp in "can't compare datetime.datetime to datetime.date"."""
    given = screen(fleet, LIST_CSV, world=world, as_of=as_of)
    assert given.as_of == AS_OF and type(given.as_of) is dt.date
    expected = screen(fleet, LIST_CSV, world=world, as_of=AS_OF)
    pd.testing.assert_frame_equal(given.vessels, expected.vessels)
    pd.testing.assert_frame_equal(given.matches, expected.matches)


@pytest.mark.parametrize(
    ("as_of", "error", "message"),
    [
        ("20260630", ValueError, "as_of='20260630' is not a date YYYY-MM-DD"),
        ("2026-06-31", ValueError, "as_of='2026-06-31' is no such day"),
        ("٢٠٢٦-٠٦-٣٠", ValueError, "as_of='٢٠٢٦-٠٦-٣٠' is not a date YYYY-MM-DD"),
        ("2026", ValueError, "as_of='2026' is not a date YYYY-MM-DD"),
        (pd.NaT, ValueError, "as_of=NaT is not a date"),
        (20260630, TypeError, "as_of=20260630 (int) is not a date"),
        ("1949-12-31", ValueError, "as_of: screening date 1949-12-31 out of range"),
    ],
)
def test_other_as_of_values_name_the_argument_and_what_is_allowed(fleet, world, as_of, error, message):
    with pytest.raises(error) as caught:
        screen(fleet, LIST_CSV, world=world, as_of=as_of)
    assert str(caught.value).startswith(message) and str(caught.value).endswith(DATE_ALLOWED)
    with pytest.raises(error, match=re.escape(message)):
        fleet_profile(fleet, as_of=as_of)


def test_fleet_profile_takes_an_iso_string(fleet):
    pd.testing.assert_frame_equal(
        fleet_profile(fleet, as_of="2026-01-01"), fleet_profile(fleet, as_of=dt.date(2026, 1, 1))
    )


@pytest.mark.parametrize(
    ("year", "error", "message"),
    [
        ("2026", TypeError, "current_year='2026' (str) is not a year"),
        (2026.0, TypeError, "current_year=2026.0 (float) is not a year"),
        (True, TypeError, "current_year=True (bool) is not a year"),
        (0, ValueError, "current_year=0 out of range"),
        (1800, ValueError, "current_year=1800 out of range"),
    ],
)
def test_current_year_is_a_whole_number_in_range(world, year, error, message):
    """`current_year="2026"` ended in a comparison's TypeError inside the row check; `0` meant this year,
    silently; `True` and `1800` made every vessel's year built impossible."""
    for call in (
        lambda: read_fleet(FLEET, world=world, current_year=year),
        lambda: validate_fleet(pd.read_csv(FLEET, dtype=str), world=world, current_year=year),
    ):
        with pytest.raises(error) as caught:
            call()
        assert str(caught.value) == f"{message}; {YEAR_ALLOWED}"


def test_as_of_option_is_yyyy_mm_dd_only(run_cli, tmp_path):
    """Python 3.11's `date.fromisoformat` read `--as-of 20260630` and `2026-W26-2` as dates."""
    for text in ("20260630", "2026-W26-2"):
        code, _, err = run_cli(
            "screen", "--fleet", FLEET, "--lists", LIST_CSV, "--out", tmp_path / "out", "--as-of", text
        )
        assert code == 2
        assert f"argument --as-of: not a date: {text!r}; allowed: a date YYYY-MM-DD from 1950-01-01" in err
    code, _, err = run_cli(
        "screen", "--fleet", FLEET, "--lists", LIST_CSV, "--out", tmp_path / "out", "--as-of", "2026-06-31"
    )
    assert code == 2
    assert "argument --as-of: no such day: '2026-06-31'; allowed: a date YYYY-MM-DD from 1950-01-01" in err


SEPARATED_BY = (
    "allowed: values separated by commas (Excel's 'CSV UTF-8' uses the list separator of the computer's "
    "region settings: set it to a comma before saving; a fleet list may also be given as .xlsx)"
)


@pytest.mark.parametrize(("separator", "called"), [(";", "semicolons"), ("\t", "tabs")])
def test_a_file_separated_by_semicolons_or_tabs_is_one_problem_that_says_so(
    world, tmp_path, separator, called
):
    """Excel saves a 'CSV' with semicolons where the comma is the decimal mark (most of Europe): the
    header read as one column, and the fleet list got ten "required column missing" problems, the
    sanctions list four, none saying why."""
    lists = tmp_path / "lists.csv"
    lists.write_text(LIST_CSV.read_text(encoding="utf-8").replace(",", separator), encoding="utf-8")
    insurers = tmp_path / "insurers.csv"
    insurers.write_text(f"name{separator}list\nSteppe Marine Insurance{separator}EU\n", encoding="utf-8")
    fleet = tmp_path / "fleet.csv"
    fleet.write_text(FLEET.read_text(encoding="utf-8").replace(",", separator), encoding="utf-8")
    for path, call in (
        (fleet, lambda p: read_fleet(p, world=world, current_year=2026)),
        (lists, read_sanctions_csv),
        (insurers, read_designated_insurers),
    ):
        header = path.read_text(encoding="utf-8").splitlines()[0]
        count = header.count(separator)
        shown = header if len(header) <= 40 else header[:39] + "…"
        assert problems_of(call, path) == [
            f"{path.name}: row 1: the header is one column, {shown!r}, with {count} {called} in it: "
            f"the file is separated by {called}, not commas; {SEPARATED_BY}"
        ]


def test_a_header_of_one_column_without_a_separator_is_judged_as_before(world, tmp_path):
    """Only a header that another separator splits is taken for one: an insurers list of its one
    column `name` reads, and a fleet list of one column lacks its columns."""
    insurers = tmp_path / "insurers.csv"
    insurers.write_text("name\nSteppe Marine Insurance; Polar Shield\n", encoding="utf-8")
    names = read_designated_insurers(insurers).organisations["name"]
    assert names.tolist() == ["Steppe Marine Insurance; Polar Shield"]
    fleet = tmp_path / "fleet.csv"
    fleet.write_text("imo\n3100019\n", encoding="utf-8")
    assert "required column missing" in problems_of(read_fleet, fleet)[0]


def test_a_quote_never_closed_is_cited_at_its_spreadsheet_row(world, tmp_path):
    """pandas' own text was shown, "EOF inside string starting at row 5", counting from 0 (the
    spreadsheet's row 6), and without what to do."""
    rows = FLEET.read_text(encoding="utf-8").splitlines()
    rows[5] = rows[5].replace(",", ',"', 1)  # the fifth vessel: spreadsheet row 6
    path = tmp_path / "fleet.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    lists = tmp_path / "lists.csv"
    lines = LIST_CSV.read_text(encoding="utf-8").splitlines()
    lines[2] = lines[2].replace(",", ',"', 1)
    lists.write_text("\n".join(lines) + "\n", encoding="utf-8")
    message = (
        'a quote (") opened in this row is never closed, so the rest of the file would read as one '
        'value; allowed: a value in quotes ends with a quote (a quote inside it is written twice: "")'
    )
    assert problems_of(lambda p: read_fleet(p, world=world), path) == [f"fleet.csv: row 6: {message}"]
    assert problems_of(read_sanctions_csv, lists) == [f"lists.csv: row 3: {message}"]
