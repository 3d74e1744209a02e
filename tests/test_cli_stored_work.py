"""The command line loses no stored work without saying so, and takes each option once.

- `--out` of `apply-terms`, `compare` and `report` may not be a stored run's folder, nor lie in one (it
  wrote over the run's `ylt.parquet` or its manifest, exit 0, and the next batch recomputed the "damaged"
  run); `report --out` must be an .html page; `apply-terms` and `screen` say which of their tables they
  replace in a folder.
- `report` names the runs it leaves out on stderr, as the page does.
- An option given twice is a usage error (argparse kept the last value without a word).
- `sweep` of a run folder says it is a run folder.

Runs are of the perils-only book of `perils_book` at 4,096 trials (one chunk), saved once per module.
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

import pytest
from perils_book import BASE, write

from riskmodel import batch, store
from riskmodel.cli import GivenOnce, build_parser
from riskmodel.cli import apply_terms as apply_terms_cli
from riskmodel.scenario import load_scenario

TRIALS = 4096
SMALL = {**BASE, "simulation": {**BASE["simulation"], "trials": TRIALS}}
SAMPLES = Path(__file__).resolve().parents[1] / "riskmodel" / "screening" / "samples"
EVENTS = "trial,year,time,source,loss\n0,0,0.1,peril:storm,30\n1,1,0.5,peril:storm,60\n"


@pytest.fixture(scope="module")
def saved(tmp_path_factory) -> Path:
    """A batch folder `batch` of three finished runs, `a`, `b`, `c` (the tiny book from `base.yaml`), with
    the portfolio of the book in `book.yaml` and an event file `events.csv` beside it."""
    folder = tmp_path_factory.mktemp("saved")
    scenario_file = write(folder / "scenarios", "base.yaml", SMALL)
    out = folder / "batch"
    for name in ("a", "b", "c"):
        spec = batch.make_spec(name, load_scenario(scenario_file), scenario_file)
        batch.run_batch([spec], out, progress=False, echo=None)
    write(folder, "book.yaml", BASE["portfolio"])
    (folder / "events.csv").write_text(EVENTS)
    return folder


@pytest.fixture
def folder(saved, tmp_path) -> Path:
    return Path(shutil.copytree(saved, tmp_path / "saved"))


def snapshot(run_dir: Path) -> dict[str, bytes]:
    """Every file of a run folder, by name, with its bytes."""
    return {p.name: p.read_bytes() for p in sorted(run_dir.iterdir()) if p.is_file()}


def assert_refused(code: int, err: str, *phrases: str) -> None:
    assert code == 2, err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1, err  # (one line: the path and why)
    for phrase in phrases:
        assert phrase in err, err


# ----------------------------------------------------------------------------- --out in a run folder
def test_apply_terms_refuses_a_run_folder_as_its_out_and_the_run_stays_as_it_was(folder, run_cli):
    """`--out results/baseline --format parquet` wrote its ylt.parquet over the run's, exit 0."""
    run = folder / "batch" / "a"
    before = snapshot(run)
    common = ["apply-terms", "--events", folder / "events.csv", "--portfolio", folder / "book.yaml"]
    code, out, err = run_cli(*common, "--out", run, "--format", "parquet", "--trials", 2, "--years", 2)
    assert_refused(code, err, f"{run}: is the run folder {run} of a stored run", "give --out another folder")
    assert out == "" and snapshot(run) == before and store.is_complete(run)
    code, _, err = run_cli(*common, "--out", run / "terms", "--trials", 2, "--years", 2)
    assert_refused(code, err, f"{run / 'terms'}: is in the run folder {run} of a stored run")
    assert not (run / "terms").exists()
    # a batch folder is no run folder: the tables go beside its runs, which stay as they were
    code, _, err = run_cli(*common, "--out", folder / "batch", "--trials", 2, "--years", 2)
    assert code == 0, err
    assert snapshot(run) == before and store.is_complete(run)


def test_compare_refuses_an_out_in_a_run_folder_naming_the_file_it_would_damage(folder, run_cli):
    runs = folder / "batch"
    before = snapshot(runs / "a")
    code, out, err = run_cli("compare", runs / "a", runs / "b", "--out", runs / "a" / "ylt.parquet")
    assert_refused(
        code,
        err,
        f"{runs / 'a' / 'ylt.parquet'}: is the stored run's ylt.parquet, listed in its manifest.json",
        "give --out a file outside the run folder",
    )
    assert out == "" and snapshot(runs / "a") == before
    code, _, err = run_cli("compare", runs / "a", runs / "b", "--out", runs / "b" / "c.csv")
    assert_refused(code, err, f"{runs / 'b' / 'c.csv'}: is in the run folder {runs / 'b'}")
    # through `..`: the same folder
    code, _, err = run_cli("compare", runs / "a", runs / "b", "--out", runs / "c" / ".." / "a" / "x.csv")
    assert_refused(code, err, f"is in the run folder {runs / 'a'} of a stored run")
    assert store.is_complete(runs / "a") and store.is_complete(runs / "b")


def test_report_refuses_a_manifest_or_a_name_that_is_not_html(folder, run_cli):
    runs = folder / "batch"
    manifest = runs / "a" / store.MANIFEST
    before = manifest.read_bytes()
    code, out, err = run_cli("report", runs, "--out", manifest)
    assert_refused(code, err, f"{manifest}: is the stored run's manifest ({runs / 'a'})")
    assert out == "" and manifest.read_bytes() == before and store.is_complete(runs / "a")
    keep = folder / "keep.csv"
    keep.write_text("precious\n")
    code, _, err = run_cli("report", runs, "--out", keep)
    assert_refused(code, err, f"{keep}: --out takes an .html (or .htm) file name")
    assert keep.read_text() == "precious\n"
    # a run's own report.html, where `report RUN` writes it, and an .htm page elsewhere: written
    for target in (runs / "a" / "report.html", folder / "page.htm"):
        code, out, err = run_cli("report", runs, "--out", target)
        assert (code, out.strip()) == (0, str(target)), err
    assert store.is_complete(runs / "a")


def test_a_manifest_of_something_else_makes_no_run_folder(tmp_path):
    """A project folder with a manifest.json of its own (a web app's) is no stored run: --out may be there."""
    (tmp_path / "manifest.json").write_text(json.dumps({"name": "web app", "icons": []}))
    assert store.run_folder_of(tmp_path / "out" / "table.csv") is None
    assert store.overwrite_problem(tmp_path / "table.csv") is None
    (tmp_path / "manifest.json").write_text("{oops")  # (unreadable, but beside no run's results)
    assert store.run_folder_of(tmp_path / "table.csv") is None
    (tmp_path / store.ARRAYS).write_bytes(b"")
    assert store.run_folder_of(tmp_path / "table.csv") == tmp_path  # (a damaged run's manifest)


def test_apply_terms_and_screen_say_which_tables_they_replace(folder, tmp_path, run_cli):
    """Both write their tables into a folder, replacing those of the same names, as their docs say: the
    second run says so (it replaced them without a word)."""
    out = tmp_path / "terms"
    args = ["apply-terms", "--events", folder / "events.csv", "--portfolio", folder / "book.yaml"]
    args += ["--out", out, "--trials", 2, "--years", 2]
    code, _, err = run_cli(*args)
    assert code == 0 and "replaced" not in err, err
    code, _, err = run_cli(*args)
    assert code == 0, err
    assert f"note: {out}: replaced the ylt.csv and plt.csv that were there" in err
    screened = tmp_path / "screening"
    args = ["screen", "--fleet", SAMPLES / "sample_fleet.csv", "--lists", SAMPLES / "sample_sanctions.csv"]
    args += ["--out", screened, "--as-of", "2026-06-30"]
    code, _, err = run_cli(*args)
    assert code == 0 and "replaced" not in err, err
    code, _, err = run_cli(*args)
    assert code == 0, err
    assert f"note: {screened}: replaced the " in err and "vessels.csv" in err


# ----------------------------------------------------------------------------- report: runs left out
def test_report_names_every_run_it_leaves_out_on_stderr(folder, run_cli):
    """Two damaged runs of three: the page listed them, the terminal printed only the page's path."""
    runs = folder / "batch"
    (runs / "b" / store.ARRAYS).unlink()
    (runs / "c" / store.MANIFEST).write_text("{oops")
    code, out, err = run_cli("report", runs)
    assert code == 0 and out.strip() == str(runs / "report.html"), err
    assert err.splitlines() == [
        f"warning: {runs}: run left out of the report: b (arrays.npz is missing); rerun the batch into "
        f"{runs} to redo it",
        f"warning: {runs}: run left out of the report: c (manifest.json is unreadable); rerun the batch "
        f"into {runs} to redo it",
    ]


# --------------------------------------------------------------------------------- an option twice
TWICE = {
    "run --trials": (
        ["run", "{scenario}", "--trials", "300", "--trials", "400"],
        "--trials",
        "300, then 400",
    ),
    "run --out": (["run", "{scenario}", "--out", "{tmp}/a", "--out", "{tmp}/b"], "--out", "{tmp}/a, then"),
    "screen --as-of": (
        [
            "screen",
            "--fleet",
            "f.csv",
            "--lists",
            "l.csv",
            "--out",
            "{tmp}/s",
            "--as-of",
            "2026-01-31",
            "--as-of",
            "2026-02-28",
        ],
        "--as-of",
        "2026-01-31, then 2026-02-28",
    ),
    "screen --lists": (
        ["screen", "--fleet", "f.csv", "--lists", "a.csv", "b.csv", "--lists", "c.csv", "--out", "{tmp}/s"],
        "--lists",
        "a.csv b.csv, then c.csv): give it once; list every value after one --lists",
    ),
    "compare --seed": (
        ["compare", "{scenario}", "{scenario}", "--seed", "1", "--seed", "2"],
        "--seed",
        "1, then 2",
    ),
    "sweep --metrics": (
        ["sweep", "{scenario}", "--set", "horizon.years=1,2", "--metrics", "aal", "--metrics", "premium"],
        "--metrics",
        "aal, then premium",
    ),
    "apply-terms --format": (
        [
            "apply-terms",
            "--events",
            "e.csv",
            "--portfolio",
            "p.yaml",
            "--out",
            "{tmp}/t",
            "--format",
            "csv",
            "--format",
            "parquet",
        ],
        "--format",
        "csv, then parquet",
    ),
    "report --out": (
        ["report", "{tmp}", "--out", "{tmp}/a.html", "--out", "{tmp}/b.html"],
        "--out",
        "{tmp}/a.html, then {tmp}/b.html",
    ),
    "run --workers": (["run", "{scenario}", "--workers", "1", "--workers", "2"], "--workers", "1, then 2"),
}


@pytest.mark.parametrize("case", TWICE, ids=list(TWICE))
def test_an_option_given_twice_is_a_usage_error_naming_it(case, tmp_path, run_cli):
    """`run --trials 300 --trials 400` ran 400 trials; two --out wrote to the second; a second --lists
    dropped the lists of the first."""
    argv, option, values = TWICE[case]
    scenario = write(tmp_path, "base.yaml", SMALL)
    fill = {"scenario": str(scenario), "tmp": str(tmp_path)}
    code, out, err = run_cli(*(a.format(**fill) for a in argv))
    assert code == 2 and out == "", err
    assert f"error: argument {option}: given twice ({values.format(**fill)}" in err, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["base.yaml"]  # nothing run, nothing written


def test_every_option_that_takes_a_value_is_given_once():
    """One action for all: a sub-command added later gets it too (`Parser` registers it as `store`)."""
    parser = build_parser()
    commands = next(a for a in parser._actions if a.dest == "command").choices
    assert len(commands) >= 8
    for name, sub in commands.items():
        for action in sub._actions:
            if action.option_strings and action.nargs != 0 and not isinstance(action, argparse._AppendAction):
                assert isinstance(action, GivenOnce), (name, action.option_strings)


def test_the_stand_alone_apply_terms_takes_each_option_once(capsys):
    with pytest.raises(SystemExit) as stop:
        apply_terms_cli.main(["--events", "a.csv", "--events", "b.csv", "--portfolio", "p", "--out", "o"])
    assert stop.value.code == 2
    assert "argument --events: given twice (a.csv, then b.csv)" in capsys.readouterr().err


# ------------------------------------------------------------------------------------ sweep of a run
def test_sweep_of_a_run_folder_says_it_is_one(folder, run_cli):
    run = folder / "batch" / "a"
    ran = store.load_manifest(run)["scenario_file"]
    code, _, err = run_cli("sweep", run, "--set", "horizon.years=1,2")
    assert_refused(
        code,
        err,
        f"{run}: is a run folder (a run's results; it ran the scenario file {ran})",
        "sweep takes a scenario file (YAML)",
    )
    code, _, err = run_cli("sweep", folder / "batch", "--set", "horizon.years=1,2")
    assert_refused(code, err, f"{folder / 'batch'}: is a folder; sweep takes one scenario file")
    code, _, err = run_cli("sweep", folder / "nothing.yaml", "--set", "horizon.years=1,2")
    assert_refused(code, err, f"{folder / 'nothing.yaml'}: no such scenario file")
