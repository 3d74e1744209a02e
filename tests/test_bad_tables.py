"""Malformed tabular inputs of apply-terms (event files, premium base and attritional files): each is an
error naming the file, the row (header = row 1) and the column, what is wrong and what is allowed; never a
Python traceback, an Arrow message or a silent reading.

The cases come from a red-team review: parquet cells holding lists or structs, a null in a nullable boolean
column, a repeated column name in parquet, trial ids beyond int64, an empty CSV, a parquet trial column of
booleans, and losses too large to mean anything.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from riskmodel.cli import main
from riskmodel.reinsurance.event_files import MAX_LOSS_USD_M, EventFileError, apply_terms_to_file
from riskmodel.reinsurance.terms import ContractTerms

QS = ContractTerms(
    "qs", ("energy_property",), kind="quota_share", premium_rate=0.1, premium_base="ig_gxl_premium"
)
BASES = "base,amount\nig_gxl_premium,900\n"
EVENTS = "trial,year,time,source,loss\n0,0,0.1,energy_property,50\n1,0,0.2,energy_property,60\n"
ZONES = "BALTIC, NORTH_SEA, ATLANTIC_EUROPE, "


def events_parquet(tmp_path: Path, **columns: pa.Array | list) -> Path:
    """Two events of energy_property in trials 0 and 1, with `columns` added or replaced."""
    table = {
        "trial": [0, 1],
        "year": [0, 0],
        "time": [0.1, 0.2],
        "source": ["energy_property"] * 2,
        "loss": [50.0, 60.0],
    }
    path = tmp_path / "events.parquet"
    pq.write_table(pa.table({**table, **columns}), path)
    return path


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def error_of(tmp_path: Path, events: Path, **kw) -> str:
    """The message of the error apply-terms raises; nothing is written."""
    if "premium_base_path" not in kw:
        kw["premium_base_path"] = write(tmp_path, "default_bases.csv", BASES)
    with pytest.raises(EventFileError) as info:
        apply_terms_to_file(events, [QS], tmp_path / "out", **kw)
    assert not (tmp_path / "out").exists()
    return str(info.value)


# ---------------------------------------------------------------------- cells holding several values
NESTED = [
    ("zone", pa.array([["BALTIC"], ["BALTIC"]]), f"a list, not a code; allowed: {ZONES}"),
    ("zone", pa.array([{"a": 1}, {"a": 2}]), f"a struct, not a code; allowed: {ZONES}"),
    (
        "segment",
        pa.array([[("a", 1)], [("b", 2)]], type=pa.map_(pa.string(), pa.int64())),
        "a list, not a code; allowed: VLCC, ",
    ),
    ("flag", pa.array([{"a": 1}, {"a": 2}]), "a struct, not a code; allowed: an ISO 3166-1 alpha-3 code"),
    (
        "source",
        pa.array([{"a": 1}, {"a": 2}]),
        "a struct, not a source name; allowed: owner, ig_club_retention",
    ),
    (
        "licensed",
        pa.array([[True], [False]]),
        "a list, not true/false; allowed: true or false, or t/f, yes/no, y/n, 1/0, 1.0/0.0, in any case "
        "(TRUE, Yes, Y ...)",
    ),
    (
        "sanctioned_US",
        pa.array([{"a": True}, {"a": False}]),
        "a struct, not true/false; allowed: true or false",
    ),
]


@pytest.mark.parametrize(
    ("column", "cells", "message"), NESTED, ids=[f"{c}-{m.split(',')[0]}" for c, _, m in NESTED]
)
def test_a_list_or_struct_cell_of_an_event_file_is_an_error(tmp_path, column, cells, message):
    """pandas cannot hash a parquet list (an array) or struct (a dict): it was a TypeError out of
    `pd.factorize`."""
    events = events_parquet(tmp_path, **{column: cells})
    text = error_of(tmp_path, events)
    assert text.startswith(f"{events}, row 2, column {column!r}: {message}")
    assert text.endswith("(and 1 more row like it)")


def test_a_list_or_struct_cell_of_a_premium_base_or_attritional_file_is_an_error(tmp_path):
    events = write(tmp_path, "events.csv", EVENTS)
    bases = tmp_path / "bases.parquet"
    pq.write_table(pa.table({"base": pa.array([{"a": 1}]), "amount": [900.0]}), bases)
    assert error_of(tmp_path, events, premium_base_path=bases) == (
        f"{bases}, row 2, column 'base': a struct, not a premium base; allowed: ig_gxl_premium, "
        "hm_western_premium, scheme_premium:<id>"
    )
    attritional = tmp_path / "attritional.parquet"
    pq.write_table(pa.table({"source": pa.array([["energy_property"]]), "amount": [5.0]}), attritional)
    assert error_of(tmp_path, events, attritional_path=attritional).startswith(
        f"{attritional}, row 2, column 'source': a list, not a source name; allowed: owner, "
    )


def test_cli_says_which_cell_holds_a_list_without_a_traceback(tmp_path, capsys):
    events = events_parquet(tmp_path, zone=pa.array([["BALTIC"], ["BALTIC"]]))
    portfolio = write(
        tmp_path,
        "portfolio.yaml",
        "name: t\nbloc: EU\ncontracts:\n  qs:\n    source: energy_property\n    type: quota_share\n",
    )
    code = main(
        ["apply-terms", "--events", str(events), "--portfolio", str(portfolio), "--out", str(tmp_path / "o")]
    )
    err = capsys.readouterr().err
    assert code == 2
    assert f"error: {events}, row 2, column 'zone': a list, not a code; allowed: BALTIC" in err
    assert "Traceback" not in err and "TypeError" not in err


# --------------------------------------------------------------------------------- nulls and names
#: What a true/false column of an event file accepts, as its error lists it.
ALLOWED = "; allowed: true or false, or t/f, yes/no, y/n, 1/0, 1.0/0.0, in any case (TRUE, Yes, Y ...)"


def test_a_null_in_a_parquet_boolean_column_reads_as_a_blank_csv_cell(tmp_path):
    """A nullable boolean column with a null: pandas' own 'cannot convert to bool-dtype' message, with no
    file, row or column; the CSV's blank cell said `'' is not true/false`."""
    events = events_parquet(tmp_path, sanctioned_EU=pa.array([True, None]))
    assert (
        error_of(tmp_path, events)
        == f"{events}, row 3, column 'sanctioned_EU': '' is not true/false{ALLOWED}"
    )
    csv = write(
        tmp_path,
        "events.csv",
        EVENTS.replace("loss\n", "loss,sanctioned_EU\n")
        .replace("50\n", "50,true\n")
        .replace("60\n", "60,\n"),
    )
    assert error_of(tmp_path, csv) == f"{csv}, row 3, column 'sanctioned_EU': '' is not true/false{ALLOWED}"


def test_a_repeated_column_of_a_parquet_file_is_named_as_in_a_csv(tmp_path):
    """pyarrow's dataset reader answered with its internals (`FieldRef.Name(loss)`, `__fragment_index`)."""
    events = tmp_path / "events.parquet"
    arrays = [[0, 1], [0, 0], [0.1, 0.2], ["energy_property"] * 2, [5.0, 6.0], [5.0, 6.0]]
    names = ["trial", "year", "time", "source", "loss", "loss"]
    pq.write_table(pa.Table.from_arrays([pa.array(a) for a in arrays], names=names), events)
    assert error_of(tmp_path, events) == (
        f"{events}, column 'loss': columns 5 and 6 are both named 'loss'; each column may appear once"
    )


# -------------------------------------------------------------------------------- trials and years
def test_a_trial_id_beyond_int64_names_its_row_and_the_largest_allowed(tmp_path):
    """Cast to int64, 99999999999999999999999 wrapped to a negative trial count and 2**63 + 5 to
    -9223372036854775808; the messages named neither file nor row."""
    csv = write(
        tmp_path, "events.csv", "trial,year,time,source,loss\n99999999999999999999999,0,0.1,ig_pool,5\n"
    )
    assert error_of(tmp_path, csv) == (
        f"{csv}, row 2, column 'trial': trial 99999999999999999999999 is beyond the largest allowed, "
        "99,999,999"
    )
    events = events_parquet(tmp_path, trial=pa.array([0, 2**63 + 5], type=pa.uint64()))
    assert error_of(tmp_path, events) == (
        f"{events}, row 3, column 'trial': trial 9223372036854775813 is beyond the largest allowed, "
        "99,999,999"
    )


def test_an_event_id_beyond_2_to_the_53_is_an_error(tmp_path):
    """Event ids are read through float64, exact below 2^53: two ids above it could merge into one event
    (2^53 and 2^53 + 1 did, their losses summed). 2^53 − 1 is allowed, 2^53 is not."""
    top = 2**53 - 1
    rows = f"0,0,0.1,ig_pool,5,{top}\n0,0,0.2,ig_pool,6,{top - 1}\n"
    ok = write(tmp_path, "ok.csv", "trial,year,time,source,loss,event\n" + rows)
    bases = write(tmp_path, "default_bases.csv", BASES)
    apply_terms_to_file(ok, [QS], tmp_path / "ok", premium_base_path=bases)  # (two ids, two events: no error)
    for value, shown in ((2**53, str(2**53)), ("1e19", "1e19")):
        csv = write(tmp_path, "events.csv", f"trial,year,time,source,loss,event\n0,0,0.1,ig_pool,5,{value}\n")
        assert error_of(tmp_path, csv) == (
            f"{csv}, row 2, column 'event': event {shown} is beyond the largest allowed, "
            "9,007,199,254,740,991"
        )


def test_a_list_among_blank_and_plain_cells_is_named_at_its_own_row(tmp_path):
    """A null or a plain value beside a list: the list's own row is named, the others are not counted."""
    events = events_parquet(tmp_path, zone=pa.array([None, ["BALTIC"]]))
    text = error_of(tmp_path, events)
    assert text.startswith(f"{events}, row 3, column 'zone': a list, not a code; allowed: {ZONES}"), text
    assert "more row" not in text
    events = events_parquet(tmp_path, licensed=pa.array([None, [True]]))
    assert error_of(tmp_path, events).startswith(
        f"{events}, row 3, column 'licensed': a list, not true/false"
    )


def test_a_loss_just_above_the_ceiling_is_shown_as_written(tmp_path):
    csv = write(tmp_path, "events.csv", "trial,year,time,source,loss\n0,0,0.1,ig_pool,1000000500\n")
    assert error_of(tmp_path, csv) == (
        f"{csv}, row 2, column 'loss': loss 1000000500 is above the largest allowed, 1,000,000,000 (losses "
        "are in USD m)"
    )


def test_a_trial_of_an_annual_file_beyond_int64_is_an_error(tmp_path):
    events = write(tmp_path, "events.csv", EVENTS)
    bases = write(tmp_path, "bases.csv", "base,amount,trial\nig_gxl_premium,900,99999999999999999999999\n")
    assert error_of(tmp_path, events, premium_base_path=bases) == (
        f"{bases}, row 2, column 'trial': trial 99999999999999999999999 is beyond the largest allowed, "
        "99,999,999"
    )


def test_a_parquet_trial_column_of_booleans_is_an_error(tmp_path):
    """pandas reads True and False as 1 and 0: the events went to trials 1 and 0 silently."""
    events = events_parquet(tmp_path, trial=[True, False])
    assert error_of(tmp_path, events) == (
        f"{events}, row 2, column 'trial': true/false value True, not a whole number >= 0 "
        "(and 1 more row like it)"
    )
    events = events_parquet(tmp_path, loss=[True, False])
    assert error_of(tmp_path, events).startswith(
        f"{events}, row 2, column 'loss': true/false value True, not a number"
    )


# ------------------------------------------------------------------------------------- empty files
@pytest.mark.parametrize("text", ["", "\n  \n"])
def test_an_empty_file_names_the_columns_it_needs(tmp_path, text):
    """pandas said 'No columns to parse from file'."""
    events = write(tmp_path, "events.csv", text)
    assert error_of(tmp_path, events) == (
        f"{events}: is empty: give a header row naming its columns "
        "(required: trial, year, time, source, loss)"
    )
    bases = write(tmp_path, "empty_bases.csv", text)
    assert error_of(tmp_path, write(tmp_path, "ok.csv", EVENTS), premium_base_path=bases) == (
        f"{bases}: is empty: give a header row naming its columns (required: base, amount)"
    )


# ----------------------------------------------------------------------------------- huge amounts
def test_a_loss_above_the_ceiling_is_an_error(tmp_path):
    """A loss of 1e308 ran, with numpy overflow warnings and infinite results; 1e9 USD m is the ceiling of
    the money fields of scenario files, and itself allowed."""
    assert MAX_LOSS_USD_M == 1e9
    events = write(
        tmp_path, "events.csv", EVENTS + "1,0,0.5,energy_property,1e308\n1,0,0.6,energy_property,2e9\n"
    )
    assert error_of(tmp_path, events) == (
        f"{events}, row 4, column 'loss': loss 1e+308 is above the largest allowed, 1,000,000,000 "
        "(losses are in USD m) (and 1 more row like it)"
    )
    at_ceiling = write(tmp_path, "at_ceiling.csv", EVENTS + "1,0,0.5,energy_property,1e9\n")
    bases = write(tmp_path, "bases.csv", BASES)
    result = apply_terms_to_file(at_ceiling, [QS], tmp_path / "out", premium_base_path=bases)
    assert np.isfinite(result.results["qs"].loss).all()


def test_an_annual_amount_above_the_ceiling_is_an_error(tmp_path):
    events = write(tmp_path, "events.csv", EVENTS)
    attritional = write(tmp_path, "attritional.csv", "source,amount\nenergy_property,1e308\n")
    assert error_of(tmp_path, events, attritional_path=attritional) == (
        f"{attritional}, row 2, column 'amount': amount 1e+308 is above the largest allowed, 1,000,000,000 "
        "(amounts are in USD m)"
    )


def test_a_list_cell_of_a_number_column_is_named_as_a_list(tmp_path):
    """As in the code and true/false columns: a parquet list in `loss` is "a list", not "'[5.0]' is not a
    number"."""
    events = events_parquet(tmp_path, loss=pa.array([[5.0], [6.0]]))
    assert error_of(tmp_path, events).startswith(f"{events}, row 2, column 'loss': a list, not a number")
