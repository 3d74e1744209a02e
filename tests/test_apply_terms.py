"""Deterministic terms mode: `apply_terms_to_file` and `riskmodel apply-terms`, good files and bad ones."""

from __future__ import annotations

import argparse
import dataclasses
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from riskmodel import tables
from riskmodel.cli import apply_terms as cli
from riskmodel.reinsurance import event_files
from riskmodel.reinsurance.event_files import EventFileError, apply_terms_to_file
from riskmodel.reinsurance.terms import ContractTerms
from riskmodel.scenario.schema import Portfolio

EVENTS = """\
trial,year,time,source,loss,segment
0,0,0.1,ig_gxl_layer1,8,VLCC
0,0,0.5,ig_gxl_layer1,20,AFRAMAX
0,0,0.9,ig_gxl_layer1,12,VLCC
1,0,0.3,ig_pool,40,VLCC
"""

PORTFOLIO = """\
name: test
bloc: EU
contracts:
  gxl:
    source: ig_gxl_layer1
    type: xol
    attachment_usd_m: 5
    limit_usd_m: 10
    reinstatements: [{rate: 1.0}, {rate: 0.5}]
    premium: {fixed_usd_m: 2.0}
  qs:
    source: [ig_pool, "scheme:rv_pool"]
    type: quota_share
    participation: 0.25
    cedant_share: {by: segment, shares: {VLCC: 0.5}, default: 0.1}
"""

GXL = ContractTerms(
    "gxl", ("ig_gxl_layer1",), attachment=5, limit=10, reinstatement_rates=(1.0, 0.5), premium_fixed=2.0
)


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


def portfolio_model(text: str = PORTFOLIO):
    return Portfolio.model_validate(yaml.safe_load(textwrap.dedent(text)))


ZONE_QS = """\
name: by zone
bloc: EU
contracts:
  qs:
    source: ig_pool
    type: quota_share
    participation: 0.5
    cedant_share: {by: zone, shares: {BALTIC: 0.8}, default: 0.1}
"""


def args_for(events: Path, portfolio: Path, out: Path, **kw) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    cli.add_parser(parser.add_subparsers(dest="command"))
    extra = [x for k, v in kw.items() for x in (f"--{k.replace('_', '-')}", str(v))]
    return parser.parse_args(
        ["apply-terms", "--events", str(events), "--portfolio", str(portfolio), "--out", str(out), *extra]
    )


# ---------------------------------------------------------------------------------------- good files
def test_worked_example_through_a_loaded_portfolio(tmp_path):
    """gxl: 10 xs 5 on events 8, 20, 12 → 3, 10, 7 = 20, RP 1.5 × 2 = 3 (trial 0); trial 1 has no layer loss.
    qs: 25% of the cedant's share (VLCC 0.5) of 40 = 5 in trial 1; its scheme source is absent → a note."""
    events = write(tmp_path, "events.csv", EVENTS)
    result = apply_terms_to_file(events, portfolio_model(), tmp_path / "out", n_trials=2, n_years=1)
    ylt = tables.read_table("ylt", result.paths["ylt"]).set_index(["trial", "contract"])
    assert ylt.loc[(0, "gxl"), ["loss", "reinstatement_premium", "premium"]].tolist() == [20.0, 3.0, 2.0]
    assert ylt.loc[(1, "gxl"), "loss"] == 0.0
    assert ylt.loc[(1, "qs"), "loss"] == 5.0
    assert result.notes == [
        f"{events} has no sanctioned_EU column: the sanctions clauses answering to the EU (contracts 'gxl', "
        "'qs') block nothing",
        f"contract 'qs': source 'scheme:rv_pool' has no losses in {events}; it cedes nothing from it",
    ]
    plt = tables.read_table("plt", result.paths["plt"])
    gxl = plt[plt.contract == "gxl"]
    assert gxl["loss"].tolist() == [3.0, 10.0, 7.0]
    assert gxl["reinstatement_premium"].tolist() == pytest.approx([0.6, 1.7, 0.7])


def test_parquet_events_event_ids_and_all_trials(tmp_path):
    """Two sources of one event (event id 7) are summed; --trials 3 writes the empty trial 2 too."""
    df = pd.DataFrame(
        {
            "trial": [0, 0, 1],
            "year": [1, 1, 0],
            "event": [7, 7, 8],
            "time": [0.5, 0.5, 0.2],
            "source": ["ig_gxl_layer1", "ig_pool", "ig_gxl_layer1"],
            "loss": [9.0, 6.0, 30.0],
        }
    )
    df.to_parquet(tmp_path / "events.parquet")
    both = ContractTerms("both", ("ig_gxl_layer1", "ig_pool"), attachment=5, limit=10)
    result = apply_terms_to_file(
        tmp_path / "events.parquet", [both], tmp_path / "out", fmt="parquet", n_trials=3
    )
    ylt = tables.read_table("ylt", result.paths["ylt"])
    assert len(ylt) == 3 * 2
    np.testing.assert_allclose(result.results["both"].loss, [[0, 10], [10, 0], [0, 0]])
    plt = tables.read_table("plt", result.paths["plt"])
    assert plt["event"].tolist() == [7, 8]


def test_rated_premium_and_attritional_files(tmp_path):
    """Premium 10% of a base of 20 (year 0) and 30 (year 1); a QS of 50% takes attritional 4 in year 1."""
    events = write(
        tmp_path, "events.csv", "trial,year,time,source,loss\n0,0,0.5,ig_pool,10\n0,1,0.5,ig_pool,0\n"
    )
    base = write(tmp_path, "base.csv", "base,year,amount\nig_gxl_premium,0,20\nig_gxl_premium,1,30\n")
    attr = write(tmp_path, "attr.csv", "source,year,amount\nig_pool,1,4\nowner,1,9\n")
    qs = ContractTerms(
        "qs",
        ("ig_pool",),
        kind="quota_share",
        participation=0.5,
        premium_rate=0.1,
        premium_base="ig_gxl_premium",
    )
    result = apply_terms_to_file(
        events, [qs], tmp_path / "out", premium_base_path=base, attritional_path=attr
    )
    np.testing.assert_allclose(result.results["qs"].premium, [[1.0, 1.5]])
    np.testing.assert_allclose(result.results["qs"].loss, [[5.0, 2.0]])
    # a source no contract cedes gets a note, as an unused premium base does
    assert f"attritional source 'owner' in {attr} is ceded by no contract" in result.notes


def test_a_source_no_contract_cedes_gets_one_note_in_event_and_attritional_files(tmp_path):
    """A misspelt source, ``peril:strom`` for the contract's ``peril:storm``: its losses go nowhere and the
    contract cedes nothing. The attritional file's got a note, the event file's none: both get the same
    one now, with the contract source meant."""
    events = write(tmp_path, "events.csv", "trial,year,time,source,loss\n0,0,0.1,peril:strom,10\n")
    attr = write(tmp_path, "attr.csv", "source,amount\nperil:strom,30\nowner,1\n")
    storm = ContractTerms("storm", ("peril:storm",), attachment=5, limit=10)
    result = apply_terms_to_file(
        events, [storm], tmp_path / "out", attritional_path=attr, n_trials=1, n_years=1
    )
    meant = "'peril:strom' (did you mean 'peril:storm'?)"
    assert f"source {meant} in {events} is ceded by no contract" in result.notes, result.notes
    assert f"attritional sources 'owner', {meant} in {attr} are ceded by no contract" in result.notes
    # the event file right, the attritional file still wrong: its note alone (the attritional file lacks
    # the contract's source, whatever the event file has)
    events = write(tmp_path, "events.csv", "trial,year,time,source,loss\n0,0,0.1,peril:storm,10\n")
    attr = write(tmp_path, "attr.csv", "source,amount\nperil:strom,30\n")
    result = apply_terms_to_file(
        events, [storm], tmp_path / "out", attritional_path=attr, n_trials=1, n_years=1
    )
    assert f"attritional source {meant} in {attr} is ceded by no contract" in result.notes, result.notes
    assert not [n for n in result.notes if n.startswith("source ")], result.notes


def test_missing_premium_base_is_reported(tmp_path):
    events = write(
        tmp_path, "events.csv", "trial,year,time,source,loss\n0,0,0.5,ig_pool,10\n0,1,0.5,ig_pool,1\n"
    )
    qs = ContractTerms(
        "qs", ("ig_pool",), kind="quota_share", premium_rate=0.1, premium_base="ig_gxl_premium"
    )
    with pytest.raises(EventFileError, match="base 'ig_gxl_premium', which is not given"):
        apply_terms_to_file(events, [qs], tmp_path / "out")
    base = write(tmp_path, "base.csv", "base,year,amount\nig_gxl_premium,0,20\n")
    with pytest.raises(EventFileError, match="no amount for trial 0, year 1"):
        apply_terms_to_file(events, [qs], tmp_path / "out", premium_base_path=base)


def test_cli_success_with_a_portfolio_file(tmp_path, capsys):
    events = write(tmp_path, "events.csv", EVENTS)
    portfolio = write(tmp_path, "portfolio.yaml", PORTFOLIO)
    assert cli.run(args_for(events, portfolio, tmp_path / "out")) == 0
    captured = capsys.readouterr()
    assert "wrote ylt" in captured.out and "note: contract 'qs'" in captured.err
    assert (tmp_path / "out" / "ylt.csv").exists()


# ----------------------------------------------------------------------------------------- bad files
BAD_FILES = [
    (
        "trial,year,time,source\n0,0,0.1,ig_pool\n",
        ": missing column 'loss' (required: trial, year, time, source, loss)",
    ),
    (
        "trial,year,time,source,loss\n0,0,0.1,ig_pool,5\n0,0,0.2,ig_pool,-3\n",
        ", row 3, column 'loss': negative loss -3",
    ),
    (
        "trial,year,time,source,loss\n0,0,0.1,ig_pool,5\n0,0,0.2,ig_pool,abc\n",
        ", row 3, column 'loss': 'abc' is not a number",
    ),
    ("trial,year,time,source,loss\n0,0,0.1,ig_pool,NaN\n", ", row 2, column 'loss': NaN is not allowed"),
    ("trial,year,time,source,loss\n0,0,0.1,ig_pool,\n", ", row 2, column 'loss': missing value"),
    ("trial,year,time,source,loss\n0,0,0.1,ig_pool,inf\n", ", row 2, column 'loss': infinite value 'inf'"),
    (
        "trial,year,time,source,loss\n0,0,0.1,ig_pool,1\n0,0,0.3,ig_gxl4,2\n",
        ", row 3, column 'source': unknown source 'ig_gxl4'",
    ),
    (
        "trial,year,time,source,loss\n0,0,1.5,ig_pool,1\n",
        ", row 2, column 'time': time 1.5 is outside [0, 1)",
    ),
    (
        "trial,year,time,source,loss\n0.5,0,0.1,ig_pool,1\n",
        ", row 2, column 'trial': '0.5' is not a whole number >= 0",
    ),
    ("trial,year,time,source,loss\n0,x,0.1,ig_pool,1\n", ", row 2, column 'year': 'x' is not a number"),
    (
        "trial,year,event,time,source,loss\n0,0,1,0.1,ig_pool,1\n0,0,1,0.2,ig_hydra,1\n",
        ", row 3, column 'time': 0.2 differs from 0.1 on row 2 of the same event",
    ),
    (
        "trial,year,time,source,loss,licensed\n0,0,0.1,ig_pool,1,maybe\n",
        ", row 2, column 'licensed': 'maybe' is not true/false; allowed: true or false, or t/f, yes/no, y/n, "
        "1/0, 1.0/0.0, in any case (TRUE, Yes, Y ...)",
    ),
    (
        "trial,year,time,source,loss\n1000000000000,0,0.1,owner,3\n",
        ", row 2, column 'trial': trial 1000000000000 is beyond the largest allowed, 99,999,999",
    ),
    (
        "trial,year,time,source,loss\n0,31,0.1,owner,3\n",
        ", row 2, column 'year': year 31 is beyond the largest",
    ),
    (
        "trial,year,time,source,loss\n0,0,0.1,owner,1e308\n0,0,0.1,owner,1e308\n",
        ", row 2, column 'loss': loss 1e+308 is above the largest allowed, 1,000,000,000 (losses are in "
        "USD m)",
    ),
    # blank rows (an empty line, or empty cells only) are skipped and counted, as a spreadsheet shows them
    (
        "trial,year,time,source,loss\n0,0,0.1,ig_pool,8\n\n0,0,0.2,ig_pool,abc\n",
        ", row 4, column 'loss': 'abc' is not a number",
    ),
    (
        "trial,year,time,source,loss\n\n0,0,0.1,ig_pool,8\n, , ,,\n0,0,0.2,ig_pool,-3\n",
        ", row 5, column 'loss': negative loss -3",
    ),
]


@pytest.mark.parametrize(
    ("text", "message"), BAD_FILES, ids=[m.split(":")[0].strip(", ") for _, m in BAD_FILES]
)
def test_malformed_event_files_are_rejected_with_file_row_and_column(tmp_path, text, message):
    events = write(tmp_path, "events.csv", text)
    with pytest.raises(EventFileError) as info:
        apply_terms_to_file(events, [GXL], tmp_path / "out")
    assert str(info.value).startswith(f"{events}{message}")
    assert not (tmp_path / "out").exists()


def test_one_reading_lists_each_column_s_problem_and_counts_its_rows(tmp_path):
    """A large file with mistakes in several columns: each column's first bad row, how many more rows
    share its problem, and every column with a problem, not the first only."""
    rows = ["trial,year,time,source,loss,zone,licensed", "0,0,0.1,ig_pool,5,,no"]
    rows += ["0,0,1.5,ig_pool,-1,,no"] * 3  # rows 3-5: time and loss
    rows += ["1,0,0.2,ig_pol,2,nowhere,perhaps"] * 2  # rows 6-7: source, zone, licensed
    events = write(tmp_path, "events.csv", "\n".join(rows) + "\n")
    with pytest.raises(EventFileError) as info:
        apply_terms_to_file(events, [GXL], tmp_path / "out")
    lines = str(info.value).splitlines()
    assert [line.partition(": ")[0] for line in lines] == [
        f"{events}, row {row}, column {column!r}"
        for row, column in ((3, "time"), (3, "loss"), (6, "source"), (6, "zone"), (6, "licensed"))
    ]
    assert lines[0].endswith("time 1.5 is outside [0, 1) (and 2 more rows like it)")
    assert lines[1].endswith("negative loss -1 (and 2 more rows like it)")
    assert "unknown source 'ig_pol'" in lines[2] and lines[2].endswith("(and 1 more row like it)")
    assert "unknown zone 'nowhere'" in lines[3] and lines[4].endswith(
        "'perhaps' is not true/false; allowed: true or false, or t/f, yes/no, y/n, 1/0, 1.0/0.0, in any "
        "case (TRUE, Yes, Y ...) (and 1 more row like it)"
    )
    assert not (tmp_path / "out").exists()


def test_rows_like_it_are_rows_with_the_same_value(tmp_path):
    """'(and N more rows like it)' counts the rows that share the first bad row's problem; the column's other
    bad values and other unknown names are said apart."""
    rows = ["trial,year,time,source,loss,flag"]
    rows += ["0,0,0.1,bad1,NaN,XX", "0,0,0.2,bad2,x,YY", "0,0,0.3,bad1,inf,XX", "0,0,0.4,ig_pool,NaN,"]
    events = write(tmp_path, "events.csv", "\n".join(rows) + "\n")
    with pytest.raises(EventFileError) as info:
        apply_terms_to_file(events, [GXL], tmp_path / "out")
    loss, source, flag = str(info.value).splitlines()
    assert loss.endswith(
        "row 2, column 'loss': NaN is not allowed (missing value?) (and 1 more row like it); "
        "2 more rows with another value that is not a number"
    )
    assert "unknown source 'bad1'" in source and source.endswith(
        "(and 1 more row like it); also unknown: 'bad2'"
    )
    assert "unknown flag 'XX'" in flag and flag.endswith("(and 1 more row like it); also unknown: 'YY'")


@pytest.mark.parametrize(
    ("text", "message"), BAD_FILES[:7], ids=[m.split(":")[0].strip(", ") for _, m in BAD_FILES[:7]]
)
def test_cli_exits_2_with_the_message(tmp_path, capsys, text, message):
    """Through `run`, the function the CLI calls; the portfolio need not exist: events are read first."""
    events = write(tmp_path, "events.csv", text)
    code = cli.run(args_for(events, tmp_path / "no_portfolio.yaml", tmp_path / "out"))
    err = capsys.readouterr().err
    assert code == 2
    assert f"riskmodel apply-terms: error: {events}{message}" in err
    assert "Traceback" not in err


def test_nan_in_a_parquet_file(tmp_path):
    path = tmp_path / "events.parquet"
    pd.DataFrame(
        {
            "trial": [0, 0],
            "year": [0, 0],
            "time": [0.1, 0.2],
            "source": ["ig_pool"] * 2,
            "loss": [1.0, np.nan],
        }
    ).to_parquet(path)
    with pytest.raises(EventFileError, match=r"row 3, column 'loss': (missing value|NaN is not allowed)"):
        apply_terms_to_file(path, [GXL], tmp_path / "out")


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("events.txt", "x", "unsupported file type '.txt': use .csv or .parquet"),
        ("missing.csv", None, "file not found"),
        ("events.parquet", "not parquet", "cannot be read"),
    ],
)
def test_unreadable_event_files(tmp_path, name, content, message):
    path = tmp_path / name
    if content is not None:
        path.write_text(content)
    with pytest.raises(EventFileError, match=message):
        apply_terms_to_file(path, [GXL], tmp_path / "out")


def test_trials_option_bounds_the_trial_ids(tmp_path):
    events = write(
        tmp_path, "events.csv", "trial,year,time,source,loss\n0,0,0.1,ig_pool,1\n5,0,0.1,ig_pool,1\n"
    )
    with pytest.raises(EventFileError, match=r"row 3, column 'trial': trial 5 >= the 3 trials asked for"):
        apply_terms_to_file(events, [GXL], tmp_path / "out", n_trials=3)


def test_cli_subprocess_malformed_file_exit_code_and_no_traceback(tmp_path):
    events = write(tmp_path, "events.csv", "trial,year,time,source,loss\n0,0,0.1,ig_pool,-1\n")
    argv = ["--events", str(events), "--portfolio", "p.yaml", "--out", str(tmp_path / "o")]
    code = f"import sys; from riskmodel.cli.apply_terms import main; sys.exit(main({argv!r}))"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    assert f"{events}, row 2, column 'loss': negative loss -1" in proc.stderr


def test_sanctions_columns_in_the_event_file(tmp_path):
    """The worked example on the tanker's own hull cover, with event 2 EU-sanctioned and licensed (delayed)
    and event 3 EU-sanctioned without licence (permanent): loss 3 + 10 = 13, blocked 10 delayed and 7
    permanent."""
    events = write(
        tmp_path,
        "events.csv",
        """\
        trial,year,time,source,loss,sanctioned_EU,licensed
        0,0,0.1,hm_tanker_western,8,false,false
        0,0,0.5,hm_tanker_western,20,true,yes
        0,0,0.9,hm_tanker_western,12,TRUE,0
        """,
    )
    gxl = ContractTerms(
        "gxl",
        ("hm_tanker_western",),
        attachment=5,
        limit=10,
        reinstatement_rates=(1.0, 0.5),
        sanctions_clause=True,
        reinsurer_bloc="EU",
    )
    result = apply_terms_to_file(events, [gxl], tmp_path / "out")
    row = tables.read_table("ylt", result.paths["ylt"]).iloc[0]
    assert (row.loss, row.blocked_delayed, row.blocked_permanent) == (13.0, 10.0, 7.0)
    assert not [n for n in result.notes if "sanctions clause" in n]
    # a reinsurer answering to the UK finds no sanctioned_UK column: nothing blocked, and a note says so
    uk = dataclasses.replace(gxl, reinsurer_bloc="UK")
    result = apply_terms_to_file(events, [uk], tmp_path / "out_uk")
    row = tables.read_table("ylt", result.paths["ylt"]).iloc[0]
    assert (row.blocked_delayed, row.blocked_permanent) == (0.0, 0.0)
    expected = (
        f"{events} has no sanctioned_UK column: the sanctions clauses answering to the UK (contract "
        "'gxl') block nothing"
    )
    assert expected in result.notes


@pytest.mark.parametrize(
    ("header", "meant"),
    [
        ("sanctioned_eu", "sanctioned_EU"),
        ("Sanctioned EU", "sanctioned_EU"),
        ("sanctions_EU", "sanctioned_EU"),
        ("licenced", "licensed"),
    ],
)
def test_a_column_that_looks_like_an_event_file_column_is_an_error(tmp_path, header, meant):
    """Read as an unknown column, a misspelt flag would leave every event unflagged: the clause would block
    nothing, with only a note that the file has no flag column."""
    events = write(
        tmp_path, "events.csv", f"trial,year,time,source,loss,{header}\n0,0,0.5,hm_tanker_western,8,true\n"
    )
    with pytest.raises(
        EventFileError,
        match=f"column '{header}' is not a column this file type reads but looks like '{meant}', which the "
        f"file lacks: rename it '{meant}', or give a column of your own a name unlike these",
    ):
        apply_terms_to_file(events, [GXL], tmp_path / "out")


@pytest.mark.parametrize("own", ["peril", "tonnes", "ceded", "event_type", "sanctions", "sanctioned_EUR"])
def test_other_columns_of_an_event_file_are_not_read_and_a_note_says_so(tmp_path, own):
    """Columns of the user's own, some close to a column of the file type (`peril` and `trial`, `tonnes`
    and `zone`, `ceded` and `licensed`, a known name with more after it): not read, and a note says so
    (a first check refused them as misspellings)."""
    events = write(tmp_path, "events.csv", f"trial,year,time,source,loss,{own}\n0,0,0.5,ig_gxl_layer1,8,x\n")
    result = apply_terms_to_file(events, [GXL], tmp_path / "out", n_trials=1, n_years=1)
    assert result.notes[0].startswith(
        f"{events}: column '{own}' is not read (an event file's columns: trial,"
    )


@pytest.mark.parametrize(
    ("kind", "text", "message"),
    [
        (
            "premium",
            "base,amount,yr\nig_gxl_premium,20,0\n",
            "unknown column 'yr' \\(columns: base, amount, and optionally year and trial\\)",
        ),
        ("attritional", "source,amount,yaer\nig_pool,4,1\n", "unknown column 'yaer'"),
        ("attritional", "source,amuont,year\nig_pool,4,1\n", "column 'amuont' is not a column this file"),
        (
            "attritional",
            "source,amount,note\nig_pool,4,x\n",
            "unknown column 'note' \\(columns: source, amount, and optionally year and trial\\)",
        ),
    ],
)
def test_annual_files_take_only_their_own_columns(tmp_path, kind, text, message):
    """A premium base file whose `yr` column was not read applied year 0's base to every year."""
    events = write(
        tmp_path, "events.csv", "trial,year,time,source,loss\n0,0,0.5,ig_pool,10\n0,1,0.5,ig_pool,1\n"
    )
    annual = write(tmp_path, "annual.csv", text)
    rated = {"premium_rate": 0.1, "premium_base": "ig_gxl_premium"} if kind == "premium" else {}
    qs = ContractTerms("qs", ("ig_pool",), kind="quota_share", **rated)
    paths = {"premium_base_path": annual} if kind == "premium" else {"attritional_path": annual}
    with pytest.raises(EventFileError, match=message):
        apply_terms_to_file(events, [qs], tmp_path / "out", **paths)


def test_rows_of_one_source_at_one_time_are_one_occurrence_with_a_note(tmp_path):
    """Without an event column, two losses of 8 of one source at the same time are one occurrence of 16:
    10 xs 5 cedes 10 (a note says so); with event ids 1 and 2 they are two occurrences ceding 3 + 3."""
    xl = ContractTerms("xl", ("ig_pool",), attachment=5, limit=10)
    same = write(tmp_path, "same.csv", "trial,year,time,source,loss\n0,0,0.1,ig_pool,8\n0,0,0.1,ig_pool,8\n")
    result = apply_terms_to_file(same, [xl], tmp_path / "out", n_trials=1, n_years=1)
    np.testing.assert_allclose(result.results["xl"].loss, [[10.0]])
    assert any(n.startswith(f"1 row of {same} repeats the source of an earlier row") for n in result.notes)
    apart = write(
        tmp_path, "apart.csv", "trial,year,event,time,source,loss\n0,0,1,0.1,ig_pool,8\n0,0,2,0.1,ig_pool,8\n"
    )
    result = apply_terms_to_file(apart, [xl], tmp_path / "out2", n_trials=1, n_years=1)
    np.testing.assert_allclose(result.results["xl"].loss, [[6.0]])
    assert not any("repeat" in n for n in result.notes)


# -------------------------------------------------------------------------------- codes: zone, segment, flag
@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("zone", "MARS", "unknown zone 'MARS'; allowed: BALTIC, NORTH_SEA, "),
        ("zone", "baltic", "unknown zone 'baltic' (did you mean 'BALTIC'?); allowed: BALTIC, "),
        ("segment", "Aframax", "unknown segment 'Aframax' (did you mean 'AFRAMAX'?); allowed: VLCC, "),
        ("flag", "rus", "unknown flag 'rus' (did you mean 'RUS'?); allowed: an ISO 3166-1 alpha-3 code"),
        ("flag", "XXX", "unknown flag 'XXX'; allowed: an ISO 3166-1 alpha-3 code of the "),
    ],
)
def test_unknown_or_wrong_case_codes_are_errors_with_the_allowed_codes(tmp_path, column, value, message):
    """Before: any name was accepted and took the contract's default share without a word."""
    events = write(
        tmp_path,
        "events.csv",
        f"trial,year,time,source,loss,{column}\n0,0,0.1,ig_pool,8,\n0,0,0.2,ig_pool,8,{value}\n",
    )
    with pytest.raises(EventFileError) as info:
        apply_terms_to_file(events, portfolio_model(ZONE_QS), tmp_path / "out", n_trials=1)
    assert str(info.value).startswith(f"{events}, row 3, column '{column}': {message}")
    assert "or a blank cell for none" in str(info.value)


def test_blank_code_takes_the_default_share_with_a_note(tmp_path):
    """Documented: a blank zone is "no zone" and takes the default share 0.1; BALTIC takes 0.8.
    QS 50%: 0.5 x (0.8 x 10 + 0.1 x 20) = 5."""
    events = write(
        tmp_path,
        "events.csv",
        "trial,year,time,source,loss,zone\n0,0,0.1,ig_pool,10,BALTIC\n0,0,0.2,ig_pool,20,\n",
    )
    result = apply_terms_to_file(events, portfolio_model(ZONE_QS), tmp_path / "out", n_trials=1, n_years=1)
    np.testing.assert_allclose(result.results["qs"].loss, [[5.0]])
    assert result.notes == [
        f"contract 'qs': 1 event in {events} has a blank zone; the default cedant share 0.1 applies",
        f"{events} has no sanctioned_EU column: the sanctions clauses answering to the EU (contract 'qs') "
        "block nothing",
    ]
    assert "a blank cell means no code" in cli._EPILOG
    assert "A blank cell means the event has no code" in event_files.__doc__


def test_missing_code_column_a_contract_needs_is_an_error_naming_the_contract(tmp_path, capsys):
    events = write(tmp_path, "events.csv", "trial,year,time,source,loss\n0,0,0.1,ig_pool,8\n")
    message = f"{events}: missing column 'zone', which contract 'qs' needs: its cedant share is by zone"
    with pytest.raises(EventFileError, match=message):
        apply_terms_to_file(events, portfolio_model(ZONE_QS), tmp_path / "out", n_trials=1)
    by_segment = ContractTerms("seg", ("ig_pool",), kind="quota_share", share_by="segment", shares={0: 1.0})
    with pytest.raises(EventFileError, match="missing column 'segment', which contract 'seg' needs"):
        apply_terms_to_file(events, [by_segment], tmp_path / "out", n_trials=1)
    portfolio = write(tmp_path, "portfolio.yaml", ZONE_QS)
    assert cli.run(args_for(events, portfolio, tmp_path / "out", trials=1)) == 2
    assert f"riskmodel apply-terms: error: {message}" in capsys.readouterr().err


def test_a_contract_without_losses_in_the_file_needs_no_code_column(tmp_path):
    """The zone-share quota share cedes from ig_pool; a file with losses on other sources only needs no
    zone column (it cedes nothing here, with a note), as before the column check."""
    events = write(tmp_path, "events.csv", "trial,year,time,source,loss\n0,0,0.1,war_hull,8\n")
    result = apply_terms_to_file(events, portfolio_model(ZONE_QS), tmp_path / "out", n_trials=1)
    assert any("source 'ig_pool' has no losses" in n for n in result.notes)
    assert result.results["qs"].loss.sum() == 0


def test_the_blank_code_note_counts_the_contracts_own_events(tmp_path):
    """Two events with a blank zone, one on the contract's source: the note says one."""
    events = write(
        tmp_path,
        "events.csv",
        "trial,year,time,source,loss,zone\n0,0,0.1,ig_pool,8,\n0,0,0.2,war_hull,5,\n0,0,0.3,ig_pool,4,BALTIC\n",
    )
    result = apply_terms_to_file(events, portfolio_model(ZONE_QS), tmp_path / "out", n_trials=1)
    assert any("contract 'qs': 1 event in" in n and "has a blank zone" in n for n in result.notes), (
        result.notes
    )


def test_trailing_empty_columns_of_a_spreadsheet_export_are_ignored(tmp_path):
    events = write(tmp_path, "events.csv", "trial,year,time,source,loss,,\n0,0,0.5,ig_pool,10,,\n")
    result = apply_terms_to_file(events, [GXL], tmp_path / "out", n_trials=1, n_years=1)
    assert result.results["gxl"].loss.shape == (1, 1)


# ---------------------------------------------------------------------------------------- premium bases
def test_unknown_premium_base_is_an_error_listing_the_bases_the_contracts_use(tmp_path):
    events = write(tmp_path, "events.csv", "trial,year,time,source,loss\n0,0,0.5,ig_pool,10\n")
    qs = ContractTerms(
        "qs", ("ig_pool",), kind="quota_share", premium_rate=0.1, premium_base="ig_gxl_premium"
    )
    base = write(tmp_path, "base.csv", "base,amount\nig_gxl_premium,20\nnosuch,5\n")
    with pytest.raises(EventFileError) as info:
        apply_terms_to_file(events, [qs], tmp_path / "out", premium_base_path=base)
    assert str(info.value).startswith(
        f"{base}, row 3, column 'base': unknown premium base 'nosuch': the portfolio's contracts use "
        "'ig_gxl_premium' (premium bases of the model: "
    )
    with pytest.raises(EventFileError, match="no contract of the portfolio has a rated premium"):
        apply_terms_to_file(events, [GXL], tmp_path / "out", premium_base_path=base)
    # a premium base of the model that no contract uses is no error, but a note
    base = write(tmp_path, "base.csv", "base,amount\nig_gxl_premium,20\nhm_western_premium,5\n")
    result = apply_terms_to_file(events, [qs], tmp_path / "out", premium_base_path=base)
    assert f"premium base 'hm_western_premium' in {base} is used by no contract" in result.notes


# ------------------------------------------------------------------------------------ columns and rows
def test_a_repeated_column_is_an_error(tmp_path):
    events = write(tmp_path, "events.csv", "trial,year,time,source,loss, loss\n0,0,0.1,ig_pool,8,9\n")
    with pytest.raises(EventFileError) as info:
        apply_terms_to_file(events, [GXL], tmp_path / "out")
    assert str(info.value) == (
        f"{events}, column 'loss': columns 5 and 6 are both named 'loss'; each column may appear once"
    )


def test_rows_longer_than_the_header_are_an_error_not_a_shifted_table(tmp_path):
    """Every row one field longer than the header: pandas would make the first column the index and shift
    the values under the wrong names; it is an error instead."""
    events = write(
        tmp_path, "events.csv", "trial,year,time,source,loss\n0,0,0.5,ig_pool,10,99\n1,0,0.5,ig_pool,5,98\n"
    )
    with pytest.raises(EventFileError, match="more fields than its header names"):
        apply_terms_to_file(events, [GXL], tmp_path / "out")


def test_rows_count_the_header_as_row_1_like_riskmodel_screen(tmp_path):
    """Spreadsheet convention in every message: the first data row is row 2 (event and annual files)."""
    events = write(tmp_path, "events.csv", "trial,year,time,source,loss\n0,0,0.1,ig_pool,-1\n")
    with pytest.raises(EventFileError, match=r"events.csv, row 2, column 'loss'"):
        apply_terms_to_file(events, [GXL], tmp_path / "out")
    events = write(tmp_path, "events.csv", "trial,year,time,source,loss\n0,0,0.1,ig_pool,1\n")
    attr = write(tmp_path, "attr.csv", "source,amount\nig_pool,1\nig_pool,2\n")
    with pytest.raises(EventFileError, match=r"attr.csv, row 3: source 'ig_pool' is given twice"):
        apply_terms_to_file(events, [GXL], tmp_path / "out", attritional_path=attr)


# ------------------------------------------------------------------------------- trials, years, empty files
def test_empty_event_file_needs_trials_and_then_means_no_losses(tmp_path, capsys):
    """Header only: without --trials the number of trials is unknown (error); with it, zero losses and
    no numpy warnings (before: exit 0, 'Mean of empty slice' and a mean of nan)."""
    events = write(tmp_path, "events.csv", "trial,year,time,source,loss\n")
    with pytest.raises(EventFileError, match="no events, so the number of trials is unknown: pass"):
        apply_terms_to_file(events, [GXL], tmp_path / "out")
    portfolio = write(
        tmp_path, "portfolio.yaml", PORTFOLIO.replace("segment", "zone").replace("VLCC", "GULF")
    )
    events = write(tmp_path, "events.csv", "trial,year,time,source,loss,zone\n")
    assert cli.run(args_for(events, portfolio, tmp_path / "out")) == 2
    assert "no events, so the number of trials is unknown" in capsys.readouterr().err
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert cli.run(args_for(events, portfolio, tmp_path / "out", trials=4, years=2)) == 0
    out = capsys.readouterr().out
    assert "2 contracts, 4 trials x 2 years: mean annual ceded loss 0, reinstatement premium 0" in out
    ylt = tables.read_table("ylt", tmp_path / "out" / "ylt.csv")
    assert len(ylt) == 2 * 4 * 2 and (ylt["loss"] == 0).all()


def test_default_trials_run_from_0_to_the_largest_id_with_a_note(tmp_path):
    """Only trial 5 in the file: 6 trials (0..5), as --help says; before: '1 trials' and a mean 6x too big."""
    events = write(tmp_path, "events.csv", "trial,year,time,source,loss\n5,0,0.1,ig_gxl_layer1,8\n")
    result = apply_terms_to_file(events, [GXL], tmp_path / "out")
    assert result.results["gxl"].loss.shape == (6, 1)
    np.testing.assert_allclose(result.results["gxl"].loss[:, 0], [0, 0, 0, 0, 0, 3])
    ylt = tables.read_table("ylt", result.paths["ylt"])
    assert ylt["trial"].tolist() == [0, 1, 2, 3, 4, 5]
    assert result.notes[0].startswith(
        f"--trials not given: 6 trials, 0..5, up to the largest trial id in {events}"
    )
    assert result.notes[0].endswith("pass --trials")
    assert result.notes[1].startswith("--years not given: 1 policy year, 0..0")
    result = apply_terms_to_file(events, [GXL], tmp_path / "out", n_trials=10, n_years=1)
    assert result.notes == []


@pytest.mark.parametrize(
    ("option", "value"),
    [("trials", "0"), ("years", "-1"), ("trials", "2.5"), ("trials", "100000001"), ("years", "31")],
)
def test_trials_and_years_must_be_whole_numbers_above_0(tmp_path, capsys, option, value):
    """From 1 to the schema's bounds (100,000,000 trials, 30 years): a larger count failed for memory."""
    with pytest.raises(SystemExit) as info:
        args_for(tmp_path / "e.csv", tmp_path / "p.yaml", tmp_path / "out", **{option: value})
    assert info.value.code == 2
    bound = {"trials": "100,000,000", "years": "30"}[option]
    assert f"argument --{option}: must be a whole number from 1 to {bound}, got {value!r}" in (
        capsys.readouterr().err
    )
    events = write(tmp_path, "events.csv", "trial,year,time,source,loss\n0,0,0.1,ig_pool,1\n")
    with pytest.raises(ValueError, match=f"n_{option} must be a whole number >= 1"):
        apply_terms_to_file(events, [GXL], tmp_path / "out", **{f"n_{option}": 0})


# ----------------------------------------------------------------------------------- files and folders
def test_output_path_that_is_a_file_and_an_events_folder(tmp_path, capsys):
    events = write(tmp_path, "events.csv", "trial,year,time,source,loss\n0,0,0.1,ig_pool,1\n")
    a_file = write(tmp_path, "taken.txt", "x")
    assert cli.run(args_for(events, tmp_path / "p.yaml", a_file)) == 2
    err = capsys.readouterr().err
    assert f"riskmodel apply-terms: error: {a_file}: is a file, not a folder" in err
    assert "FileExistsError" not in err and "Errno" not in err
    folder = tmp_path / "events_dir"
    folder.mkdir()
    assert cli.run(args_for(folder, tmp_path / "p.yaml", tmp_path / "out")) == 2
    err = capsys.readouterr().err
    assert f"riskmodel apply-terms: error: {folder}: is a folder, not a file" in err
    assert not (tmp_path / "out").exists()


def test_an_event_file_that_is_not_utf8_names_the_row(tmp_path):
    """A Latin-1 byte gave pandas' codec message without a row."""
    events = tmp_path / "events.csv"
    events.write_bytes(b"trial,year,time,source,loss\n0,0,0.1,owner,3\n0,0,0.2,own\xe9r,3\n")
    with pytest.raises(EventFileError) as info:
        apply_terms_to_file(events, [GXL], tmp_path / "out")
    assert str(info.value).startswith(f"{events}, row 3: not UTF-8 text: byte 0xE9 cannot be read")


@pytest.mark.parametrize(("separator", "called"), [(";", "semicolons"), ("\t", "tabs")])
def test_an_event_file_separated_by_semicolons_or_tabs_says_so(tmp_path, separator, called):
    """Excel saves a 'CSV' with semicolons where the comma is the decimal mark: the header read as one
    column, and the message was "missing columns 'trial', 'year', 'time', 'source', 'loss'"."""
    header = separator.join(["trial", "year", "time", "source", "loss"])
    events = write(tmp_path, "events.csv", f"{header}\n" + separator.join(["0", "0", "0.1", "owner", "3"]))
    with pytest.raises(EventFileError) as info:
        apply_terms_to_file(events, [GXL], tmp_path / "out")
    assert str(info.value) == (
        f"{events}, row 1: the header is one column, {header!r}, with 4 {called} in it: the file is "
        f"separated by {called}, not commas; allowed: values separated by commas (Excel's 'CSV UTF-8' uses "
        "the list separator of the computer's region settings: set it to a comma before saving; or give "
        "a .parquet file)"
    )


def test_a_quote_never_closed_in_an_event_file_is_cited_at_its_row(tmp_path):
    """pandas' own text was shown, "EOF inside string starting at row 2", counting from 0 (row 3)."""
    events = write(
        tmp_path,
        "events.csv",
        'trial,year,time,source,loss\n0,0,0.1,owner,3\n0,1,"0.1,owner,3\n1,0,0.1,owner,3\n',
    )
    with pytest.raises(EventFileError) as info:
        apply_terms_to_file(events, [GXL], tmp_path / "out")
    assert str(info.value) == (
        f'{events}, row 3: a quote (") opened in this row is never closed, so the rest of the file would '
        "read as one value; allowed: a value in quotes ends with a quote (a quote inside it is written "
        'twice: "")'
    )
