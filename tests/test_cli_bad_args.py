"""Bad command-line arguments: an empty path, an output location nothing can be written to, a `--set` file
that cannot be read, a file `compare` cannot take, a run folder of another store format, a batch whose
baseline run is gone. Each gets a message naming the option (or the file or folder), what is wrong and
what is allowed; no traceback, nothing written in the current folder.

The batch is the perils-only book of `perils_book` (a base and a stressed child), 4,096 trials, run once
per module and copied by each test that changes it.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from perils_book import BASE, STRESSED, write

from riskmodel import store
from riskmodel.checkpoints import CHUNKS
from riskmodel.cli import main

TRIALS = 4096
SAMPLES = Path(__file__).resolve().parents[1] / "riskmodel" / "screening" / "samples"
NO_PLACE = Path("/proc/nope")  # (a folder in which nothing can be created, even by root)
needs_proc = pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc (Linux)")


@pytest.fixture(scope="module")
def saved(tmp_path_factory) -> tuple[Path, Path]:
    """(the scenarios folder, the batch folder of its two runs: `base` and `stressed`, whose baseline is
    `base`)."""
    folder = tmp_path_factory.mktemp("saved")
    write(folder / "scenarios", "base.yaml", BASE)
    write(folder / "scenarios", "stressed.yaml", STRESSED)
    batch = folder / "batch"
    args = ["run", folder / "scenarios", "--out", batch, "--trials", TRIALS, "--workers", 1]
    assert main([str(a) for a in args]) == 0
    return folder / "scenarios", batch


@pytest.fixture
def batch(saved, tmp_path) -> Path:
    return Path(shutil.copytree(saved[1], tmp_path / "batch"))


def assert_bad_input(code: int, err: str, *phrases: str) -> None:
    assert code == 2, err
    assert "Traceback" not in err and "Errno" not in err
    for phrase in phrases:
        assert phrase in err, err


# ------------------------------------------------------------------------------- S6: an empty path
EMPTY_PATHS = {
    "run --out": ["run", "{scenario}", "--out", ""],
    "compare --out": ["compare", "{run}", "{run}", "--out", ""],
    "sweep --out": ["sweep", "{scenario}", "--set", "simulation.seed=1,2", "--out", ""],
    "report --out": ["report", "{batch}", "--out", ""],
    "apply-terms --out": ["apply-terms", "--events", "{run}", "--portfolio", "{scenario}", "--out", ""],
    "screen --out": ["screen", "--fleet", "{fleet}", "--lists", "{lists}", "--out", ""],
    "apply-terms --portfolio": ["apply-terms", "--events", "{run}", "--portfolio", "", "--out", "x"],
    "report RUN_DIR": ["report", ""],
    "run SCENARIO_OR_DIR": ["run", ""],
    "validate FILE": ["validate", ""],
}


@pytest.mark.parametrize("case", EMPTY_PATHS, ids=list(EMPTY_PATHS))
def test_an_empty_path_is_refused_naming_its_option_and_nothing_is_written(
    case, saved, tmp_path, monkeypatch, run_cli
):
    """`Path("")` is the current folder: `--out ''` wrote the run folders (or ylt.csv, plt.csv) there."""
    scenarios, batch = saved
    where = tmp_path / "cwd"
    where.mkdir()
    write(where, "stray.yaml", BASE)  # (what an empty scenario path would have run, or validated)
    monkeypatch.chdir(where)
    values = {
        "scenario": scenarios / "base.yaml",
        "run": batch / "base",
        "batch": batch,
        "fleet": SAMPLES / "sample_fleet.csv",
        "lists": SAMPLES / "sample_sanctions.csv",
    }
    argv = [a.format(**values) for a in EMPTY_PATHS[case]]
    code, _out, err = run_cli(*argv)
    option = case.split(" ", 1)[1]
    assert_bad_input(
        code, err, f"argument {option}: '' is not allowed: must be a path, not empty (write . for the current"
    )
    assert sorted(p.name for p in where.iterdir()) == ["stray.yaml"]


# ---------------------------------------------------- U10b: an output location nothing can be made in
@needs_proc
def test_run_and_sweep_refuse_an_out_where_nothing_can_be_created(saved, run_cli):
    scenario = saved[0] / "base.yaml"
    for argv in (
        ["run", scenario, "--out", NO_PLACE, "--workers", 1],
        ["sweep", scenario, "--set", "simulation.seed=1,2", "--out", NO_PLACE / "sweep"],
    ):
        code, _out, err = run_cli(*argv)
        assert_bad_input(
            code,
            err,
            f"{argv[-1] if argv[0] == 'sweep' else NO_PLACE}: cannot be written: nothing can be created in "
            "/proc (the system answers: No such file or directory); give another --out for the results "
            "store, in a folder you can write to",
        )
        assert "FileNotFoundError" not in err


@needs_proc
def test_compare_and_report_refuse_an_out_file_where_nothing_can_be_created(batch, run_cli):
    code, out, err = run_cli("compare", batch / "stressed", batch / "base", "--out", NO_PLACE / "c.csv")
    assert_bad_input(
        code,
        err,
        f"{NO_PLACE}: cannot be written: nothing can be created in /proc (the system answers: No such file "
        "or directory); give another --out for c.csv",
    )
    assert out == ""  # (refused before the table is computed)
    code, out, err = run_cli("report", batch, "--out", NO_PLACE / "r.html")
    assert_bad_input(code, err, f"error: {NO_PLACE}: cannot be written: nothing can be created in /proc")


@needs_proc
def test_screen_refuses_an_out_where_nothing_can_be_created(run_cli):
    code, _out, err = run_cli(
        "screen", "--fleet", SAMPLES / "sample_fleet.csv", "--lists", SAMPLES / "sample_sanctions.csv",
        "--out", NO_PLACE,
    )  # fmt: skip
    assert_bad_input(
        code,
        err,
        f"argument --out: {NO_PLACE}: cannot be written: nothing can be created in /proc (the system "
        "answers: No such file or directory); allowed: a folder you can write to",
    )


# ----------------------------------------------------- U10c: a --set portfolio file that cannot be read
def test_sweep_names_the_set_of_a_portfolio_file_that_cannot_be_read(saved, tmp_path, monkeypatch, run_cli):
    monkeypatch.chdir(tmp_path)
    code, _out, err = run_cli("sweep", saved[0] / "base.yaml", "--set", "portfolio=nope.yaml", "--out", "sw")
    assert_bad_input(
        code,
        err,
        "nope.yaml: cannot be read: No such file or directory (named by --set portfolio=nope.yaml; "
        "allowed: the path of a portfolio file, relative to the current folder)",
    )
    assert not (tmp_path / "sw").exists()


# ------------------------------------------------------------ U10d: a file compare cannot take
def test_compare_says_a_fleet_list_is_not_a_run_folder_or_scenario_file(batch, run_cli):
    fleet = SAMPLES / "sample_fleet.csv"
    code, _out, err = run_cli("compare", batch / "stressed", fleet)
    assert_bad_input(
        code,
        err,
        f"{fleet}: is a .csv file, not a run folder or a scenario file; allowed: a run folder of the results "
        "store (a folder holding manifest.json) or a scenario file (YAML)",
    )
    assert "top level" not in err


def test_compare_takes_a_scenario_file_of_any_other_name(saved, run_cli, tmp_path):
    """As `run` does: a scenario file without .yaml in its name is still read as one (its own errors, not
    a refusal by name)."""
    plain = tmp_path / "stressed_scenario"
    plain.write_text((saved[0] / "base.yaml").read_text())
    code, _out, err = run_cli("compare", plain, plain, "--trials", 64)
    assert code == 0, err


# ------------------------------------------------------- U10e: a run folder of another store format
def _set_format(run_dir: Path, value: object) -> None:
    path = run_dir / store.MANIFEST
    manifest = json.loads(path.read_text())
    manifest["store_format"] = value
    path.write_text(json.dumps(manifest))


def test_a_run_of_a_newer_store_format_is_said_to_be_newer(batch, run_cli):
    newer = store.STORE_FORMAT + 96
    _set_format(batch / "stressed", newer)
    code, _out, err = run_cli("compare", batch / "stressed", batch / "base")
    assert_bad_input(
        code,
        err,
        f"{batch / 'stressed'}: stored by a newer version of riskmodel (store format {newer}; this version "
        f"reads format {store.STORE_FORMAT}); read it with that version, or rerun the batch with this one",
    )
    assert "older" not in err
    assert store.incomplete_reason(batch / "stressed") == (
        f"stored by a newer version of riskmodel (store format {newer}; this version reads format "
        f"{store.STORE_FORMAT})"
    )


def test_a_run_of_an_older_or_unknown_store_format_is_said_so(batch):
    _set_format(batch / "stressed", store.STORE_FORMAT - 1)
    assert store.incomplete_reason(batch / "stressed") == (
        f"stored by an older version of riskmodel (store format {store.STORE_FORMAT - 1}; this version "
        f"reads format {store.STORE_FORMAT})"
    )
    _set_format(batch / "stressed", "three")
    assert store.incomplete_reason(batch / "stressed") == (
        f"of an unknown store format ('three'; this version of riskmodel reads format {store.STORE_FORMAT})"
    )


# ----------------------------------------------------------------- S7: a batch without its baseline
def test_report_warns_when_the_baseline_run_is_gone(batch, run_cli):
    """The page shows '–' where the difference would be: without a warning, a reader could take it for no
    difference."""
    shutil.rmtree(batch / "base")
    code, _out, err = run_cli("report", batch)
    assert code == 0, err
    assert err.strip() == (
        f"warning: {batch}: stressed is compared with no baseline: its baseline run 'base' is missing (no "
        f"folder {batch / 'base'}); the report shows '–' where the difference would be (no comparison, not "
        f"no difference); rerun the batch into {batch} to restore 'base'"
    )
    # the page says it too, on the scenario's section, where a reader meets the '–'
    page = (batch / "report.html").read_text(encoding="utf-8")
    assert (
        "Its baseline <b>base</b> is not in this report: no comparison is shown, and a '–' in its place "
        "means no comparison, not no difference (rerun the batch to restore it)."
    ) in page


def test_report_warns_when_the_manifest_names_a_missing_baseline_run(batch, run_cli):
    path = batch / "stressed" / store.MANIFEST
    manifest = json.loads(path.read_text())
    manifest["baseline"]["run"] = "gone"
    path.write_text(json.dumps(manifest))
    for target in (batch, batch / "stressed"):
        code, _out, err = run_cli("report", target, "--out", batch / "r.html")
        assert code == 0, err
        assert "stressed is compared with no baseline: its baseline run 'gone' is missing (no folder " in err
        assert str(batch / "gone") in err


@pytest.mark.parametrize(
    ("leave", "state"),
    [
        ("empty", "the folder {base} is empty"),
        (
            "other files",
            "the folder {base} holds no run: no manifest.json, results.json, arrays.npz or chunks/",
        ),
        ("a file", "{base} is a file, not a run folder"),
    ],
)
def test_report_says_what_stands_where_the_baseline_run_was(batch, run_cli, leave, state):
    """The baseline's folder is there but holds no run: the warning said "no folder X" of a folder that
    was there (a batch), or "unfinished or damaged: no manifest.json: interrupted before it finished" of an
    empty one (a run folder given by name), and listed it among the runs left out. Both now say what is
    there, and the page lists no run left out."""
    base = batch / "base"
    shutil.rmtree(base)
    if leave == "a file":
        base.write_text("not a run")
    else:
        base.mkdir()
        if leave == "other files":
            (base / "notes.txt").write_text("kept by hand")
    for target in (batch, batch / "stressed"):
        code, _out, err = run_cli("report", target, "--out", batch / "r.html")
        assert code == 0, err
        assert err.strip() == (
            f"warning: {batch}: stressed is compared with no baseline: its baseline run 'base' is missing "
            f"({state.format(base=base)}); the report shows '–' where the difference would be (no "
            f"comparison, not no difference); rerun the batch into {batch} to restore 'base'"
        ), target
        assert "Runs left out" not in (batch / "r.html").read_text(encoding="utf-8")


def test_a_baseline_run_stopped_part_way_is_named_unfinished_and_left_out(batch, run_cli):
    """A batch stopped during a run leaves its folder with the chunks computed so far (to resume from) and
    nothing else: the reports of the batch and of a run compared with it say it is unfinished and list it
    among the runs left out (it was said to hold no run, and left off the list)."""
    base = batch / "base"
    shutil.rmtree(base)
    (base / CHUNKS).mkdir(parents=True)
    (base / CHUNKS / "chunk-0.npz").write_bytes(b"kept")
    for target in (batch, batch / "stressed"):
        code, _out, err = run_cli("report", target, "--out", batch / "r.html")
        assert code == 0, err
        assert (
            "its baseline run 'base' is missing (unfinished or damaged: no manifest.json: interrupted before "
            "it finished)"
        ) in err, target
        page = (batch / "r.html").read_text(encoding="utf-8")
        assert "Runs left out (rerun the batch to redo them): base (no manifest.json" in page, target


def test_report_of_a_damaged_baseline_warns_with_the_reason(batch, run_cli):
    (batch / "base" / store.ARRAYS).unlink()
    code, _out, err = run_cli("report", batch)
    assert code == 0, err
    assert "its baseline run 'base' is missing (unfinished or damaged: arrays.npz is missing)" in err


@pytest.mark.parametrize("command", ["report", "compare"])
def test_a_damaged_run_asked_for_by_name_is_refused_with_the_reason(command, batch, run_cli):
    """A run folder given to `report` or `compare` is checked against its manifest (sizes and SHA-256) as a
    batch's runs are: bytes added to its arrays (still readable) were read without a word."""
    arrays = batch / "stressed" / store.ARRAYS
    listed = arrays.stat().st_size
    with arrays.open("ab") as f:
        f.write(b"\0\0")
    args = [batch / "stressed"] + ([batch / "base"] if command == "compare" else [])
    code, _out, err = run_cli(command, *args, "--out", batch / ("r.html" if command == "report" else "c.csv"))
    assert_bad_input(
        code,
        err,
        f"{batch / 'stressed'}: arrays.npz is {listed + 2:,} bytes, the manifest says {listed:,}; rerun its "
        f"batch (`riskmodel run SCENARIOS --out {batch}`)",
    )
    assert not (batch / "r.html").exists() and not (batch / "c.csv").exists()


def test_report_of_a_whole_batch_does_not_warn(batch, run_cli):
    code, _out, err = run_cli("report", batch)
    assert (code, err) == (0, "")


def _compared_with_stressed(batch: Path) -> Path:
    """A third run, `worse`, compared with `stressed` (itself compared with `base`): a copy of `stressed`
    whose manifest names `stressed` as its baseline (as a scenario extending stressed.yaml would)."""
    worse = Path(shutil.copytree(batch / "stressed", batch / "worse"))
    path = worse / store.MANIFEST
    manifest = json.loads(path.read_text())
    manifest["baseline"]["run"] = "stressed"
    path.write_text(json.dumps(manifest))
    return worse


def _baseline_notes(page: Path) -> list[str]:
    """The runs' sentences on their baselines, in the page's order."""
    text = page.read_text(encoding="utf-8")
    return re.findall(r"Compared with <b>\w+</b>|Its baseline <b>\w+</b> is not in this report", text)


def test_report_of_one_run_shows_the_runs_it_is_compared_with_in_turn(batch, run_cli):
    """`report worse` shows `stressed`, its baseline, and `base`, the baseline of that: every run on the page
    is compared with its own (the page said that `base` was not in the report, told the reader to rerun
    the batch, and the command warned of nothing: `base` was there, beside)."""
    worse = _compared_with_stressed(batch)
    code, _out, err = run_cli("report", worse)
    assert (code, err) == (0, "")
    assert _baseline_notes(worse / "report.html") == [
        "Compared with <b>base</b>",
        "Compared with <b>stressed</b>",
    ]


@pytest.mark.parametrize(
    "damage, why",
    [
        ("unlink", "arrays.npz is missing"),
        ("append", "arrays.npz is {size} bytes, the manifest says {listed}"),
    ],
    ids=["arrays gone", "arrays grown"],
)
def test_report_of_one_run_warns_as_the_batchs_does_when_a_baseline_on_its_page_is_damaged(
    damage, why, batch, run_cli
):
    """`base` damaged (its arrays gone, or still readable with bytes added): the report of `worse` (which
    shows `stressed`, compared with `base`) and the report of the batch say the same on stderr, and both
    pages say that `base` is not in them, with `base` among the runs left out. (The report of one run
    warned of nothing for `stressed`, it failed on a base it could not read, and compared `stressed` with
    a damaged base it could read while warning that it was missing.)"""
    worse = _compared_with_stressed(batch)
    arrays = batch / "base" / store.ARRAYS
    listed = arrays.stat().st_size
    if damage == "unlink":
        arrays.unlink()
    else:
        with arrays.open("ab") as f:
            f.write(b"\0\0")
    reason = why.format(size=f"{listed + 2:,}", listed=f"{listed:,}")
    expected = (  # (the run left out, as the page lists it; then the comparison it leaves out)
        f"warning: {batch}: run left out of the report: base ({reason}); rerun the batch into {batch} to "
        "redo it\n"
        f"warning: {batch}: stressed is compared with no baseline: its baseline run 'base' is missing "
        f"(unfinished or damaged: {reason}); the report shows '–' where the difference would be (no "
        f"comparison, not no difference); rerun the batch into {batch} to restore 'base'"
    )
    for target in (worse, batch / "stressed", batch):
        code, _out, err = run_cli("report", target, "--out", batch / "r.html")
        assert (code, err.strip()) == (0, expected), target
        notes = _baseline_notes(batch / "r.html")
        assert "Its baseline <b>base</b> is not in this report" in notes
        assert "Compared with <b>base</b>" not in notes
        assert f"Runs left out (rerun the batch to redo them): base ({reason})" in (
            batch / "r.html"
        ).read_text(encoding="utf-8")


def test_report_of_the_current_run_folder_finds_its_baseline_beside_it(batch, run_cli, monkeypatch):
    """`report .` inside a run folder: its baseline is in the folder's parent (the '.' has no name and no
    parent of its own: it warned that the baseline was missing and put a note on the page)."""
    monkeypatch.chdir(batch / "stressed")
    code, _out, err = run_cli("report", ".")
    assert (code, err) == (0, ""), err
    page = (batch / "stressed" / "report.html").read_text(encoding="utf-8")
    assert "is not in this report" not in page and "Compared with <b>base</b>" in page
