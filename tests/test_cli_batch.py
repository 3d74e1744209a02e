"""`riskmodel run`, `compare` and `sweep` from the command line: outputs, exit codes, and runs killed
mid-batch (SIGINT, SIGKILL) that leave no partial file and resume without recomputing finished runs."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from perils_book import BASE, STRESSED, write

import riskmodel as rm
from riskmodel import store
from riskmodel.checkpoints import CHUNKS
from riskmodel.cli import main
from riskmodel.engine.simulate import simulate
from riskmodel.results import BASIS, COMPARISON_BASIS, MARKET_UNIT, PREMIUM_UNIT
from riskmodel.scenario import load_scenario
from riskmodel.tables import read_table


@pytest.fixture
def scenarios(tmp_path) -> Path:
    write(tmp_path / "scenarios", "base.yaml", BASE)
    return write(tmp_path / "scenarios", "stressed.yaml", STRESSED).parent


def riskmodel(*args: object) -> int:
    return main([str(a) for a in args])


# ---------------------------------------------------------------------------------------------- run
def test_runs_without_a_portfolio_are_saved_summarised_and_reported(tmp_path, capsys):
    """A perils-only scenario with no portfolio (its summary: the peril's payer column, mean 2 × 20 a year
    here), and a scenario with a portfolio against a baseline without one: both run, are saved and
    reported (the summary of the first had no rows and failed to save; the report drew the baseline's
    missing portfolio curve)."""
    folder = tmp_path / "scenarios"
    bare = {k: v for k, v in BASE.items() if k != "portfolio"}
    write(folder, "bare.yaml", {**bare, "name": "bare"})
    write(folder, "booked.yaml", {"name": "booked", "extends": "bare.yaml", "portfolio": BASE["portfolio"]})
    out = tmp_path / "out"
    args = ("--trials", 4096, "--workers", 1, "--out", out, "--report")
    assert riskmodel("run", folder / "bare.yaml", folder / "booked.yaml", *args) == 0
    assert store.is_complete(out / "bare") and store.is_complete(out / "booked")
    assert (out / "report.html").is_file()
    row = store.load_results(out / "bare").summary().loc["payer peril:storm"]
    assert abs(row["mean"] - 40.0) <= 3 * row["standard_error"]
    assert "payer peril:storm" in capsys.readouterr().out


def test_a_runs_model_notes_reach_the_terminal(tmp_path, capsys):
    """A contract on a scheme the scenario lacks earns nothing: the note was only in summary.md."""
    folder = tmp_path / "scenarios"
    book = {
        **BASE["portfolio"],
        "contracts": {
            **BASE["portfolio"]["contracts"],
            "retro": {
                "source": "scheme_reinsurance:rv_pool",
                "type": "quota_share",
                "premium": {"fixed_usd_m": 1},
            },
        },
    }
    write(folder, "a.yaml", {**BASE, "name": "a", "portfolio": book})
    assert riskmodel("run", folder, "--trials", 4096, "--workers", 1, "--out", tmp_path / "out") == 0
    err = capsys.readouterr().err
    assert "note: a: contract retro: " in err and "earns no premium" in err


def test_run_stores_each_scenario_and_prints_the_comparison_with_its_baseline(scenarios, tmp_path, capsys):
    out = tmp_path / "out"
    assert riskmodel("run", scenarios, "--out", out, "--workers", 1) == 0
    stdout, stderr = capsys.readouterr()
    assert "2 runs" in stdout and "2 computed" in stdout
    assert "stressed − base" in stdout and "CRN s.e." in stdout and "storm_xol: ceded loss" not in stdout
    assert "portfolio: ceded loss" in stdout
    # both tables say which rows are the reinsurer's share and which the market's; the peril's row says so
    assert stdout.count(BASIS) == 2 and re.search(rf"payer peril:storm +{re.escape(MARKET_UNIT)} ", stdout)
    # the premium, headline and comparison alike, is said to include the reinstatement premium
    assert re.search(rf"portfolio: premium +{re.escape(PREMIUM_UNIT)} ", stdout)
    assert (
        "(a year; USD m unless a count; tonnage in million GT; a premium row with its reinstatement "
        in stdout
    )
    assert store.is_complete(out / "base") and store.is_complete(out / "stressed")
    comparison = read_table("comparison", out / "comparison.csv")  # (the declared table: docs/outputs.md)
    assert set(comparison["scenario_run"]) == {"stressed"} and set(comparison["baseline_run"]) == {"base"}
    assert comparison.set_index("figure").loc["payer:peril:storm", "unit"] == "USD m a year (market, 100%)"

    assert riskmodel("run", scenarios, "--out", out, "--workers", 1) == 0
    stdout, stderr = capsys.readouterr()
    assert "0 computed, 2 up to date" in stdout and "up to date" in stderr
    assert "stressed − base" in stdout  # the comparison is shown again, from the store


def test_the_printed_comparison_names_its_two_runs():
    """`comparison_view` names the two runs' columns (crackdown against rv_pool read "scenario" and
    "baseline"); two runs of one name, from two batches, are told apart as A and B."""
    from riskmodel.cli.run import comparison_view

    columns = ["scenario", "baseline", "difference", "standard_error", "independent_standard_error"]
    table = pd.DataFrame([[1.0, 0.5, 0.5, 0.1, 0.2]], columns=columns, index=["x"])
    view = ["crackdown", "rv_pool", "difference", "CRN s.e.", "indep. s.e."]
    assert list(comparison_view(table, ("crackdown", "rv_pool")).columns) == view
    assert list(comparison_view(table, ("rv_pool", "rv_pool")).columns)[:2] == ["A: rv_pool", "B: rv_pool"]


def test_the_printed_comparison_shows_a_tiny_error_as_too_small_to_show(capsys):
    """The terminal printed a standard error of 0.0002 as 0.000, which reads as a difference the same in
    every trial: it is "<0.0005" now (`display.fixed_error`), as in summary.md and the report; 0.000 is
    left for an error that is zero, or float noise against the row's figures (two equal premiums of 20:
    their difference is 0, its independent error the noise of each run's mean)."""
    from riskmodel.cli.run import comparison_view, print_frame

    columns = ["scenario", "baseline", "difference", "standard_error", "independent_standard_error"]
    table = pd.DataFrame(
        [[1.0002, 1.0, 0.0002, 0.0002, 0.012], [20.0, 20.0, 0.0, 0.0, 3e-15]],
        columns=columns,
        index=["x", "p"],
    )
    view = comparison_view(table, ("a", "b"))
    assert list(view["CRN s.e."]) == ["<0.0005", "0.000"]
    assert list(view["indep. s.e."]) == ["0.012", "0.000"]
    print_frame(view)
    assert "<0.0005" in capsys.readouterr().out


def test_run_keeps_events_when_asked(scenarios, tmp_path):
    out = tmp_path / "out"
    assert riskmodel("run", scenarios / "base.yaml", "--out", out, "--workers", 1, "--keep-events") == 0
    assert len(read_table("elt", out / "base" / "elt.parquet")) > 0


def test_invalid_scenarios_exit_2_with_every_message(scenarios, tmp_path, capsys):
    write(scenarios, "bad.yaml", {**BASE, "horizon": {"years": 0}})
    assert riskmodel("run", scenarios, "--out", tmp_path / "out") == 2
    stderr = capsys.readouterr().err
    assert "bad.yaml" in stderr and "horizon.years" in stderr and "Traceback" not in stderr
    assert not (tmp_path / "out").exists()  # nothing ran
    assert riskmodel("run", tmp_path / "missing.yaml") == 2
    assert "no such scenario file or folder" in capsys.readouterr().err


def test_a_runtime_failure_exits_1_with_a_one_line_cause(scenarios, tmp_path, capsys, monkeypatch):
    """A failure that is not bad input (here the disk filling up while a run is saved) exits 1 with one
    line naming the cause; bad input (e.g. --out naming a file) exits 2, tests/test_cli_errors.py."""

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(store, "save_run", disk_full)
    assert riskmodel("run", scenarios / "base.yaml", "--out", tmp_path / "out", "--workers", 1) == 1
    stderr = capsys.readouterr().err
    assert stderr.startswith("error: ") and "No space left on device" in stderr
    assert len(stderr.strip().splitlines()) == 1


def test_report_writes_the_batch_page(scenarios, tmp_path, monkeypatch):
    written = []

    def write_report(folder):
        written.append(folder)
        return folder / "report.html"

    # (the module itself stays: summary.md and the terminal word a full-limit 1-in-200 by its words)
    monkeypatch.setattr("riskmodel.report.write_report", write_report)
    out = tmp_path / "out"
    assert riskmodel("run", scenarios, "--out", out, "--workers", 1, "--report") == 0
    assert written == [out]


# ------------------------------------------------------------------------------------------ compare
def test_compare_two_run_folders_writes_the_table(scenarios, tmp_path, capsys):
    out = tmp_path / "out"
    assert riskmodel("run", scenarios, "--out", out, "--workers", 1) == 0
    capsys.readouterr()
    csv = tmp_path / "cmp.csv"
    assert riskmodel("compare", out / "stressed", out / "base", "--out", csv) == 0
    printed = capsys.readouterr().out
    # the title names the runs as the columns do (it named the scenarios, "Perils stressed − Perils base",
    # over columns named by the folders), and says the basis of the rows, as `run`'s does
    from riskmodel.results import BASIS

    title = next(line for line in printed.splitlines() if " − " in line)
    assert title.startswith("stressed − base: ") and BASIS in title and COMPARISON_BASIS in title
    # the columns are named by the runs, not "scenario" and "baseline" (the comparator need not be one)
    assert re.search(r"^ +stressed +base +difference +CRN s\.e\. +indep\. s\.e\.$", printed, re.M)
    table = pd.read_csv(csv, index_col="figure")
    row = table.loc["storm_xol: ceded loss"]
    assert row["difference"] == pytest.approx(row["scenario"] - row["baseline"])
    assert row["standard_error"] < row["independent_standard_error"]
    # the file is the declared table `comparison` (docs/outputs.md), each row with its runs, unit and verdict,
    # the figures those of `Comparison.table()` to the dollar
    declared = read_table("comparison", csv).set_index("figure")
    assert set(declared["scenario_run"]) == {"stressed"} and set(declared["baseline_run"]) == {"base"}
    api = rm.compare(store.load_results(out / "stressed"), store.load_results(out / "base")).table()
    assert list(declared.index) == list(api.index) and declared["unit"].equals(api["unit"])
    for column in ("scenario", "difference", "standard_error", "z", "p_value"):
        np.testing.assert_allclose(declared[column], api[column], rtol=1e-7, atol=5e-7, err_msg=column)
    assert declared.loc["storm_xol: ceded loss", "unit"] == "USD m a year (reinsurer's share)"
    # a file name whose suffix names no format the table is written in: refused before any work
    assert riskmodel("compare", out / "stressed", out / "base", "--out", tmp_path / "cmp.txt") == 2
    assert "--out takes a .csv (or .parquet) file name" in capsys.readouterr().err
    assert not (tmp_path / "cmp.txt").exists()
    # options that set the runs of scenario files change nothing for run folders: refused, not ignored
    assert riskmodel("compare", out / "stressed", out / "base", "--trials", 4096, "--seed", 3) == 2
    assert "are run folders, already computed: --trials and --seed would not change them" in (
        capsys.readouterr().err
    )


def test_compare_out_says_its_suffixes_in_the_help_and_the_docs(capsys):
    """`--out` writes CSV or parquet by the name's suffix and refuses any other; its metavar said FILE.csv
    and docs/batch.md that it wrote "(columns `scenario` and `baseline`, A and B)", not the declared
    table `comparison`. The help names both suffixes; the docs' synopsis is the parser's."""
    assert main(["compare", "--help"]) == 0
    shown = " ".join(capsys.readouterr().out.split())
    assert "--out FILE.csv|FILE.parquet" in shown and "another suffix is refused" in shown
    assert "`comparison`, docs/outputs.md" in shown
    docs = (Path(__file__).parents[1] / "docs" / "batch.md").read_text(encoding="utf-8")
    assert "[--out FILE.csv|FILE.parquet]" in docs
    paragraph = next(p for p in docs.split("\n\n") if p.startswith("**`compare`**"))
    assert "`comparison` (docs/outputs.md" in paragraph and "another suffix is refused" in paragraph


def test_compare_runs_scenario_files_with_the_same_seed(scenarios, tmp_path, capsys):
    csv = tmp_path / "cmp.csv"
    code = riskmodel(
        "compare", scenarios / "stressed.yaml", scenarios / "base.yaml", "--trials", 4096, "--out", csv
    )
    assert code == 0
    assert "4,096 trials, seed 7" in capsys.readouterr().out
    assert "portfolio: ceded loss" in pd.read_csv(csv)["figure"].tolist()


def test_compare_says_when_runs_share_no_random_numbers(scenarios, tmp_path, capsys):
    """Another horizon (or seed): the CLI warns, and so does `riskmodel.compare` (a reviewer compared 2026-27
    with 2030-32 without a word, under "CRN s.e." columns); the API refuses what is not a Results."""
    later = write(
        scenarios, "later.yaml", {"name": "later", "extends": "base.yaml", "horizon": {"start_year": 2030}}
    )
    code = riskmodel("compare", later, scenarios / "base.yaml", "--trials", 4096, "--workers", 1)
    assert code == 0
    assert "warning: horizons differ (2030–2031 and 2026–2027)" in capsys.readouterr().err
    a = simulate(load_scenario(later), 4096, progress=False)
    b = simulate(load_scenario(scenarios / "base.yaml"), 4096, seed=8, progress=False)
    with pytest.warns(UserWarning) as caught:
        rm.compare(a, b)
    assert [str(w.message).split(" (")[0] for w in caught] == ["seeds differ", "horizons differ"]
    with pytest.raises(TypeError, match=r"the baseline must be a Results .* got NoneType"):
        rm.compare(a, None)


def test_compare_of_horizons_of_other_lengths_says_the_years_differ_not_the_draws(scenarios):
    """The same start year and seed, 3 policy years against 2: the longer run's first two years are the
    shorter run (bit for bit, tests/test_reproducibility.py), so the warning says the averages cover other
    years, not that year i is another year (it said so, and once it was also true of the draws)."""
    longer = write(
        scenarios, "longer.yaml", {"name": "longer", "extends": "base.yaml", "horizon": {"years": 3}}
    )
    a = simulate(load_scenario(longer), 256, progress=False)
    b = simulate(load_scenario(scenarios / "base.yaml"), 256, progress=False)
    with pytest.warns(UserWarning) as caught:
        rm.compare(a, b)
    [message] = [str(w.message) for w in caught]
    assert message.startswith(
        "horizons differ (2026–2028 and 2026–2027): the averages are over other policy years"
    )
    assert np.array_equal(a.year_arrays["payer:peril:storm"][:, :2], b.year_arrays["payer:peril:storm"])


def test_compare_refuses_runs_of_different_trial_counts(scenarios, tmp_path, capsys):
    out = tmp_path / "out"
    assert riskmodel("run", scenarios / "base.yaml", "--out", out / "a", "--workers", 1) == 0
    assert riskmodel("run", scenarios / "base.yaml", "--out", out / "b", "--trials", 4096) == 0
    capsys.readouterr()
    assert riskmodel("compare", out / "a" / "base", out / "b" / "base") == 2
    assert "the same trials" in capsys.readouterr().err


# -------------------------------------------------------------------------------------------- sweep
def test_sweep_gives_one_row_per_grid_point(scenarios, tmp_path, capsys):
    out = tmp_path / "sweep"
    code = riskmodel(
        "sweep",
        scenarios / "base.yaml",
        "--set",
        "perils.storm.severity.mean_usd_m=20,30",
        "--set",
        "portfolio.contracts.storm_xol.limit_usd_m=20,40",
        "--metrics",
        "aal,var99.5",
        "payer:peril:storm",
        "--trials",
        4096,
        "--workers",
        1,
        "--out",
        out,
    )
    assert code == 0
    table = pd.read_csv(out / "sweep.csv")
    assert len(table) == 4
    swept = ["perils.storm.severity.mean_usd_m", "portfolio.contracts.storm_xol.limit_usd_m"]
    assert table[swept].to_numpy().tolist() == [[20, 20], [20, 40], [30, 20], [30, 40]]
    # the contract metrics given without a contract are the portfolio's, and their columns say so
    portfolio = ["aal:portfolio", "aal:portfolio_se", "aal:portfolio_delta", "aal:portfolio_delta_se"]
    columns = {*portfolio, "var99.5:portfolio", "var99.5:portfolio_year", "payer:peril:storm"}
    assert columns <= set(table.columns) and not {"aal", "var99.5"} & set(table.columns)
    # the 99.5% of the worst policy year's annual loss, that year named: the run's own, recomputed
    first = store.load_results(next(p for p in sorted(out.iterdir()) if p.is_dir()))
    loss = first.contracts["portfolio"]["loss"]
    per_year = [np.quantile(loss[:, i], 0.995, method="inverted_cdf") for i in range(first.n_years)]
    assert table["var99.5:portfolio"][0] == pytest.approx(max(per_year), rel=1e-12)
    assert table["var99.5:portfolio_year"][0] == first.start_year + int(np.argmax(per_year))
    assert table["aal:portfolio"][0] == pytest.approx(loss.mean(), rel=1e-12)
    assert len([p for p in out.iterdir() if p.is_dir()]) == 4
    printed = capsys.readouterr().out
    assert (
        "4 points" in printed
        and "the :portfolio and :CONTRACT columns (aal:portfolio) are the reinsurer" in printed
    )


def test_sweep_of_no_metric_or_a_portfolio_file(scenarios, tmp_path, capsys):
    """`--metrics ""` wrote a table without metrics (exit 0); a portfolio may be swept as a file's path,
    as a scenario names one (it was refused with a message saying files were allowed)."""
    base = scenarios / "base.yaml"
    assert (
        riskmodel("sweep", base, "--set", "horizon.years=1,2", "--metrics", "", "--out", tmp_path / "s") == 2
    )
    assert "--metrics: names no metric" in capsys.readouterr().err
    book = write(tmp_path, "book.yaml", {**BASE["portfolio"], "name": "other book"})
    out = tmp_path / "p"
    args = ("--set", f"portfolio={book}", "--trials", 4096, "--workers", 1, "--out", out, "--metrics", "aal")
    assert riskmodel("sweep", base, *args) == 0
    table = pd.read_csv(out / "sweep.csv")
    point = store.load_results(next(p for p in out.iterdir() if p.is_dir()))
    assert table["aal:portfolio"][0] == pytest.approx(point.contracts["portfolio"]["loss"].mean(), rel=1e-12)
    assert (
        store.load_manifest(next(p for p in out.iterdir() if p.is_dir()))["scenario"]["portfolio"]["name"]
        == "other book"
    )


def test_sweep_of_paths_one_inside_the_other_exits_2(scenarios, tmp_path, capsys):
    """A contract's limit and the whole portfolio: the later --set replaced the earlier, so the points'
    labels showed limits the runs did not use."""
    book = write(tmp_path, "book.yaml", BASE["portfolio"])
    sets = ("--set", "portfolio.contracts.storm_xol.limit_usd_m=20,30", "--set", f"portfolio={book}")
    assert riskmodel("sweep", scenarios / "base.yaml", *sets, "--out", tmp_path / "s") == 2
    assert "portfolio.contracts.storm_xol.limit_usd_m lies inside portfolio" in capsys.readouterr().err
    assert not (tmp_path / "s").exists()


def test_the_sweep_table_writes_errors_as_every_table_does_and_its_csv_keeps_the_numbers(
    scenarios, tmp_path, capsys
):
    """The sweep's terminal table printed "inf" for a 1-in-10,000 of too few trials and "NaN" for a
    difference from a first point of other trials (no pairing), where every other table a person reads
    writes "∞" and "–" (`display.fixed_error`). sweep.csv keeps the numbers (inf, empty), as
    comparison.csv does."""
    out = tmp_path / "sweep"
    sets = ["--set", "simulation.trials=4096,8192", "--set", "portfolio.contracts.storm_xol.limit_usd_m=4000"]
    code = riskmodel(
        "sweep", scenarios / "base.yaml", *sets, "--metrics", "aal,var99.99", "--workers", 1, "--out", out
    )
    assert code == 0
    table = pd.read_csv(out / "sweep.csv").set_index("run")
    assert np.isinf(table["var99.99:portfolio_se"]).all()
    assert table["aal:portfolio_delta"].isna().to_list() == [False, True]
    assert table["aal:portfolio_delta_se"].isna().to_list() == [False, True]
    assert table["note"].fillna("").to_list() == ["", "trials differ (4,096 vs 8,192): not paired"]
    printed = capsys.readouterr().out
    assert "trials differ (4,096 vs 8,192): not paired" in printed  # (the why of the "–", in the note column)
    lines = [line.replace("trials differ (4,096 vs 8,192): not paired", "") for line in printed.splitlines()]
    rows = {line.split()[0]: line.split()[1:] for line in lines if line.startswith("00")}
    columns = next(line for line in lines if "aal:portfolio_se" in line).split()[:-1]  # (not the note)
    cells = {run: dict(zip(columns, cells[-len(columns) :], strict=True)) for run, cells in rows.items()}
    first, second = sorted(cells)
    assert cells[first]["var99.99:portfolio_se"] == cells[second]["var99.99:portfolio_se"] == "∞"
    assert cells[second]["aal:portfolio_delta"] == cells[second]["aal:portfolio_delta_se"] == "–"
    assert cells[first]["aal:portfolio_delta"] == cells[first]["aal:portfolio_delta_se"] == "0.000"
    assert cells[first]["aal:portfolio_se"] == f"{table.loc[first, 'aal:portfolio_se']:.3f}"
    assert not re.search(r"\b(inf|nan|NaN|<NA>)\b", printed)


def test_sweep_of_an_invalid_path_or_value_exits_2_before_running(scenarios, tmp_path, capsys):
    out = tmp_path / "sweep"
    base = scenarios / "base.yaml"
    assert riskmodel("sweep", base, "--set", "perils.storm.severity.mean_usd=20,30", "--out", out) == 2
    assert "unknown key 'mean_usd'" in capsys.readouterr().err
    assert riskmodel("sweep", base, "--set", "perils.storm.severity.mean_usd_m=20,-5", "--out", out) == 2
    assert "perils.storm.severity.mean_usd_m" in capsys.readouterr().err
    assert riskmodel("sweep", base, "--set", "oops", "--out", out) == 2
    assert riskmodel("sweep", base, "--set", "horizon.years=1", "--metrics", "aal:nope", "--out", out) == 2
    assert not out.exists()


# ------------------------------------------------------------------------------- two commands, one --out
@pytest.mark.parametrize("how", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_second_command_into_a_folder_being_written_is_refused_and_the_lock_freed_on_a_stop(
    tmp_path, how, capsys
):
    """A batch runs in another process (long: 400 chunks, far more than the test needs; it is stopped);
    once it has written itself in its lock, `run` and `sweep` into its folder exit 2 naming its pid, host
    and start, before any work, and leave its lock alone; a run into another folder goes ahead. Stopped
    (Ctrl-C, SIGTERM), the batch frees the folder (its lock file emptied), and a command there then runs."""
    doc = {**BASE, "simulation": {**BASE["simulation"], "trials": 400 * 4096, "chunk_trials": 4096}}
    long_one = write(tmp_path / "long", "long.yaml", doc)
    small = write(tmp_path / "small", "base.yaml", BASE)
    out = tmp_path / "out"
    proc = start_batch(long_one.parent, out, workers=1)
    try:
        deadline = time.monotonic() + 60
        while not lock_holder(out):
            assert proc.poll() is None, proc.stderr.read().decode()
            assert time.monotonic() < deadline, "the batch took no lock"
            time.sleep(0.01)
        capsys.readouterr()
        assert riskmodel("run", small, "--trials", 4096, "--out", out) == 2
        err = capsys.readouterr().err
        assert f"pid {proc.pid} on " in err and "another riskmodel command is writing runs" in err
        assert riskmodel("sweep", small, "--set", "horizon.years=1,2", "--out", out) == 2
        assert f"pid {proc.pid} on " in capsys.readouterr().err
        assert not (out / "base").exists() and not list(out.glob("sweep*"))
        assert json.loads((out / store.LOCK).read_text())["pid"] == proc.pid
        assert riskmodel("run", small, "--trials", 4096, "--out", tmp_path / "elsewhere") == 0
        assert proc.poll() is None, "the batch ended before it was stopped: give it more trials"
        os.killpg(proc.pid, how) if how == signal.SIGINT else os.kill(proc.pid, how)
        _, stderr = proc.communicate(timeout=60)
        assert proc.returncode == {signal.SIGINT: 130, signal.SIGTERM: 143}[how], stderr.decode()
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
    assert (out / store.LOCK).read_text() == ""
    assert riskmodel("run", small, "--trials", 4096, "--out", out) == 0
    assert (out / store.LOCK).read_text() == ""


def lock_holder(out: Path) -> dict[str, Any]:
    """What the holder of `out`'s lock wrote in it; {} while there is none, or it is not yet written."""
    try:
        return json.loads((out / store.LOCK).read_text())
    except (FileNotFoundError, ValueError):
        return {}


# -------------------------------------------------------------------------------- interrupted batches
TRIALS = 49152
COPIES = ("a", "b", "c", "d", "e", "f")


@pytest.fixture(scope="module")
def big_batch(tmp_path_factory):
    """Copies of one scenario, each long enough (about half a second) and enough of them for a kill to
    land mid-batch, after the first is saved, and the uninterrupted results they must all end up with."""
    folder = tmp_path_factory.mktemp("big")
    doc = {**BASE, "simulation": {**BASE["simulation"], "trials": TRIALS, "chunk_trials": 16384}}
    for name in COPIES:
        write(folder, f"{name}.yaml", doc)
    return folder, simulate(load_scenario(folder / "a.yaml"), progress=False)


def start_batch(folder: Path, out: Path, workers: int = 2) -> subprocess.Popen:
    # Ctrl-C as from a terminal: a shell that started these tests in the background leaves SIGINT ignored
    # in its children, which Python would keep
    code = (
        "import signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
        "from riskmodel.cli import main; sys.exit(main())"
    )
    return subprocess.Popen(
        [sys.executable, "-c", code, "run", str(folder), "--out", str(out), "--workers", str(workers)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )


def kept_chunks(out: Path) -> dict[str, int]:
    """Chunks kept (`checkpoints`) of each run not finished."""
    counts: dict[str, int] = {}
    for p in out.glob(f"*/{CHUNKS}/*.npz"):
        if not (p.parent.parent / store.MANIFEST).exists():
            counts[p.parent.parent.name] = counts.get(p.parent.parent.name, 0) + 1
    return counts


def pause_mid_run(proc: subprocess.Popen, out: Path, timeout: float = 120) -> None:
    """Stop the batch's process group (SIGSTOP) once a run is finished and another has kept a chunk but
    is not finished: the kill then lands mid-batch and mid-run. (Looked at again once stopped: a run may
    have finished in between, and then the batch goes on to the next chance.)"""
    deadline = time.monotonic() + timeout

    def mid_run() -> bool:
        return bool(list(out.glob(f"*/{store.MANIFEST}"))) and bool(kept_chunks(out))

    while True:
        assert proc.poll() is None, proc.stderr.read().decode()
        assert time.monotonic() < deadline, "no run was caught mid-way in time"
        if mid_run():
            os.killpg(proc.pid, signal.SIGSTOP)
            if mid_run():
                return
            os.killpg(proc.pid, signal.SIGCONT)
        time.sleep(0.005)


def assert_no_partial_file(out: Path) -> None:
    """Every file under a final name is whole: it reads back (the chunks kept of a run in progress too)."""
    for run_dir in (p for p in out.iterdir() if p.is_dir()):
        for p in [*run_dir.iterdir(), *(run_dir / CHUNKS).glob("*")]:
            if p.name.endswith(".tmp") or p.is_dir():
                continue
            if p.suffix == ".json":
                json.loads(p.read_text())
            elif p.suffix == ".npz":
                with np.load(p) as npz:
                    [npz[k] for k in npz.files]
            elif p.suffix in (".csv", ".parquet"):
                table = {"ylt": "ylt", "alt": "alt", "ept": "ept", "ledger": "payer_ledger"}
                read_table(table.get(p.stem, "sanctions_exposure"), p)


def assert_resumed(out: Path, reference, finished_before: dict[str, tuple[str, int]]) -> None:
    for name in COPIES:
        results = store.load_results(out / name)
        for cid, fields in reference.contracts.items():
            for f, v in fields.items():
                assert np.array_equal(v, results.contracts[cid][f]), (name, cid, f)
        for k, v in reference.year_arrays.items():
            assert np.array_equal(v, results.year_arrays[k]), (name, k)
    for name, (saved, mtime) in finished_before.items():  # finished runs were not recomputed
        assert json.loads((out / name / "manifest.json").read_text())["saved"] == saved
        assert (out / name / "arrays.npz").stat().st_mtime_ns == mtime
    assert not list(out.rglob("*.tmp"))


def finished(out: Path) -> dict[str, tuple[str, int]]:
    return {
        p.parent.name: (json.loads(p.read_text())["saved"], (p.parent / "arrays.npz").stat().st_mtime_ns)
        for p in out.glob("*/manifest.json")
    }


def worker_pids(pid: int) -> list[int]:
    """The child processes of `pid` (Linux /proc)."""
    try:
        return [int(x) for x in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except FileNotFoundError:
        return []


def alive(pid: int) -> bool:
    """The process exists and is not a zombie."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, ProcessLookupError):
        return False


@pytest.mark.parametrize(
    "how", [signal.SIGINT, signal.SIGKILL, signal.SIGTERM], ids=["SIGINT", "SIGKILL", "SIGTERM"]
)
def test_a_batch_killed_mid_way_resumes_to_the_uninterrupted_results(big_batch, tmp_path, how, capsys):
    """Ctrl-C and SIGKILL reach the process group; SIGTERM the batch process alone (as a job scheduler
    sends it), which left its pool's workers running for good, orphaned: they must stop with it."""
    folder, reference = big_batch
    out = tmp_path / "out"
    proc = start_batch(folder, out)
    try:
        pause_mid_run(proc, out)
        workers = worker_pids(proc.pid)
        if how == signal.SIGTERM:
            os.kill(proc.pid, how)
        else:
            os.killpg(proc.pid, how)  # Ctrl-C reaches the batch and its workers; SIGKILL kills them all
        os.killpg(proc.pid, signal.SIGCONT)  # (the signal is taken as the group wakes up)
        _, stderr = proc.communicate(timeout=60)
        if how != signal.SIGKILL:
            assert proc.returncode == {signal.SIGINT: 130, signal.SIGTERM: 143}[how]
            assert "Traceback" not in stderr.decode()
            assert workers and not any(alive(w) for w in workers)  # stopped, not left computing
    finally:
        with contextlib.suppress(ProcessLookupError):  # whatever is left of the group (orphaned workers)
            os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
    done = finished(out)
    assert 1 <= len(done) < len(COPIES), "the kill did not land mid-batch"
    assert_no_partial_file(out)
    if how != signal.SIGKILL:
        assert not list(out.rglob("*.tmp"))  # Ctrl-C and SIGTERM clean up after themselves
    # (the folder's lock: freed and emptied by a stop; freed by the kernel on a kill, the file still naming
    # the killed batch, and taken over with a note)
    assert lock_holder(out).get("pid") == (proc.pid if how == signal.SIGKILL else None)
    kept = kept_chunks(out)
    assert kept  # what the batch had received of the run it was on
    assert riskmodel("run", folder, "--out", out, "--workers", 1) == 0
    printed = capsys.readouterr()
    took_over = f"note: {out}: took over the lock of pid {proc.pid} on this host"
    assert (took_over in printed.err) == (how == signal.SIGKILL)
    assert (out / store.LOCK).read_text() == ""
    assert f"{len(COPIES) - len(done)} computed, {len(done)} up to date" in printed.out
    for name, n in kept.items():
        assert f"{name}: resumed: {n} of 3 chunks kept from an interrupted batch" in printed.err
    assert_resumed(out, reference, done)
    assert not list(out.glob(f"*/{CHUNKS}"))
