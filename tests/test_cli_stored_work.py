"""The command line loses no stored work without saying so, and takes each option once.

- `--out` of `apply-terms`, `compare`, `report`, `run`, `sweep` and `screen` may not be a stored run's
  folder, nor lie in one (it wrote over the run's `ylt.parquet` or its manifest, exit 0, and the next
  batch recomputed the "damaged" run; `run` and `sweep` stored runs inside it); nor a batch's own file
  (`compare --out results/main/comparison.csv`); `report --out` must be an .html page; `apply-terms` and
  `screen` say which of their tables they replace in a folder.
- A run folder is named after its scenario file: a file of the same name elsewhere would take the folder
  of another scenario's finished run: refused without `--force`, naming both. The same file with other
  settings replaces its run, and the batch says which and why before it computes.
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
from perils_book import BASE, STRESSED, write

from riskmodel import batch, store
from riskmodel.cli import GivenOnce, build_parser
from riskmodel.cli import apply_terms as apply_terms_cli
from riskmodel.scenario import ScenarioError, load_scenario
from tests.test_checkpoints import Stopping

TRIALS = 4096
SMALL = {**BASE, "simulation": {**BASE["simulation"], "trials": TRIALS}}
#: Another scenario of the same book: storms twice as frequent.
OTHER = {
    **SMALL,
    "perils": {"storm": {**BASE["perils"]["storm"], "frequency": {"distribution": "poisson", "mean": 4.0}}},
}
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
    # the report.html of the folder reported, where `report` writes it, and an .htm page elsewhere: written
    for reported, target in ((runs, runs / "report.html"), (runs / "a", runs / "a" / "report.html")):
        code, out, err = run_cli("report", reported, "--out", target)
        assert (code, out.strip()) == (0, str(target)), err
    code, out, err = run_cli("report", runs, "--out", folder / "page.htm")
    assert (code, out.strip()) == (0, str(folder / "page.htm")), err
    assert store.is_complete(runs / "a")


def test_report_writes_report_html_only_in_the_folder_it_reports(folder, run_cli):
    """Any report.html got through: `report batch/a --out batch/report.html` replaced the batch's page
    with one run's, and `report batch/a --out batch/b/report.html` put a's page in b's run folder (the
    batch's page over run a's too). A report.html is written only in the folder reported."""
    runs = folder / "batch"
    code, _, err = run_cli("report", runs)
    assert code == 0, err
    batch_page = (runs / "report.html").read_bytes()
    code, _, err = run_cli("report", runs / "a", "--out", runs / "report.html")
    assert_refused(
        code,
        err,
        f"{runs / 'report.html'}: is the report of the batch in {runs} (its report.html, which `riskmodel "
        "report` writes beside the batch's runs)",
        "give --out another name",
    )
    before = snapshot(runs / "b")
    for reported in (runs / "a", runs):
        code, out, err = run_cli("report", reported, "--out", runs / "b" / "report.html")
        assert_refused(
            code, err, f"{runs / 'b' / 'report.html'}: is in the run folder {runs / 'b'} of a stored run"
        )
        assert out == ""
    assert snapshot(runs / "b") == before and (runs / "report.html").read_bytes() == batch_page
    # a folder given as --out: the page name suggested is one it then writes
    code, _, err = run_cli("report", runs / "a", "--out", runs)
    assert_refused(code, err, f"{runs}: is a folder: --out takes a file name, e.g. {runs / 'a_report.html'}")
    code, out, err = run_cli("report", runs / "a", "--out", runs / "a_report.html")
    assert (code, out.strip()) == (0, str(runs / "a_report.html")), err
    code, _, err = run_cli("report", runs / "a", "--out", runs / "a")
    assert_refused(
        code, err, f"{runs / 'a'}: is a folder: --out takes a file name, e.g. {runs / 'a' / 'report.html'}"
    )
    code, _, err = run_cli("report", runs / "a", "--out", runs / "b")
    assert_refused(code, err, f"{runs / 'b'}: is the run folder {runs / 'b'} of a stored run")
    assert (runs / "report.html").read_bytes() == batch_page and snapshot(runs / "b") == before


def test_an_out_through_a_link_to_a_run_folder_is_refused_and_the_batch_folder_named(folder, run_cli):
    """A link to a run folder is that folder: `--out` through it is refused as the folder itself is. The
    advice named the folder holding the link (`run x.yaml --out rl` after `ln -s batch/a rl` said "the
    folder that holds the run, <the link's folder>"), where a run would start another batch; it names
    the batch's folder. A report.html through a link is the reported folder's when the link leads there."""
    runs, scenario = folder / "batch", folder / "scenarios" / "base.yaml"
    elsewhere = folder / "links"
    elsewhere.mkdir()
    (elsewhere / "rl").symlink_to(runs / "a", target_is_directory=True)
    link = elsewhere / "rl"
    before = snapshot(runs / "a")
    code, out, err = run_cli("run", scenario, "--out", link, "--workers", 1)
    assert_refused(
        code,
        err,
        f"{link}: is the run folder {link} of a stored run",
        f"give --out another folder (the folder that holds the run, {runs}, to resume or add to its batch)",
    )
    assert out == "" and str(elsewhere) + "," not in err
    code, _, err = run_cli("compare", runs / "a", runs / "b", "--out", link / "a_vs_b.csv")
    assert_refused(code, err, f"{link / 'a_vs_b.csv'}: is in the run folder {link} of a stored run")
    code, _, err = run_cli("report", runs / "b", "--out", link / "report.html")
    assert_refused(code, err, f"{link / 'report.html'}: is in the run folder {link} of a stored run")
    assert snapshot(runs / "a") == before
    # the reported run's own page, through the link: written, in the run folder
    code, out, err = run_cli("report", runs / "a", "--out", link / "report.html")
    assert code == 0 and out.strip() == str(link / "report.html"), err
    assert (runs / "a" / "report.html").is_file() and store.is_complete(runs / "a")


def test_run_and_sweep_refuse_an_out_in_a_run_folder_and_take_the_batch_folder(folder, run_cli):
    """`run base.yaml --out batch/a` stored a run inside the finished run `a` (exit 0), and so did a
    sweep: refused before any work, naming the run folder and the folder that holds it, where a batch
    resumes. The batch folder itself is the store of its runs: a run goes in beside them."""
    runs, scenario = folder / "batch", folder / "scenarios" / "base.yaml"
    before = {name: snapshot(runs / name) for name in ("a", "b", "c")}
    advice = (
        f"give --out another folder (the folder that holds the run, {runs}, to resume or add to its batch)"
    )
    code, out, err = run_cli("run", scenario, "--out", runs / "a", "--workers", 1)
    assert_refused(code, err, f"{runs / 'a'}: is the run folder {runs / 'a'} of a stored run", advice)
    assert out == ""
    code, _, err = run_cli("run", scenario, "--out", runs / "a" / "more", "--workers", 1)
    assert_refused(
        code, err, f"{runs / 'a' / 'more'}: is in the run folder {runs / 'a'} of a stored run", advice
    )
    code, _, err = run_cli(
        "sweep", scenario, "--set", "simulation.seed=1,2", "--out", runs / "b", "--workers", 1
    )
    assert_refused(code, err, f"{runs / 'b'}: is the run folder {runs / 'b'} of a stored run")
    # a folder named as one of the batch's own files: refused too (the batch's table would be a folder)
    code, _, err = run_cli("run", scenario, "--out", runs / "sweep.csv", "--workers", 1)
    assert_refused(code, err, f"{runs / 'sweep.csv'}: is the sweep table of the batch in {runs}")
    assert not (runs / "a" / "more").exists() and not (runs / "sweep.csv").exists()
    assert {name: snapshot(runs / name) for name in before} == before
    # the API refuses it alike, before any work
    spec = batch.make_spec("d", load_scenario(scenario), scenario)
    with pytest.raises(ScenarioError) as refused:
        batch.run_batch([spec], runs / "c", Stopping(), progress=False, echo=None)
    assert str(refused.value) == (
        f"{runs / 'c'}: is the run folder {runs / 'c'} of a stored run (it holds manifest.json): files "
        "written there change the run, and one that differs from its manifest makes it read as damaged, "
        "so that the next `riskmodel run` recomputes it; give `out` another folder (the folder that holds "
        f"the run, {runs}, to resume or add to its batch)"
    )
    assert not (runs / "c" / "d").exists()
    code, _, err = run_cli("run", scenario, "--out", runs, "--workers", 1)
    assert code == 0, err
    assert store.is_complete(runs / "base")
    assert {name: snapshot(runs / name) for name in before} == before


def test_compare_refuses_the_batchs_own_files_as_its_out(folder, run_cli):
    """`compare A B --out results/main/comparison.csv` wrote over the table of every comparison that
    `run` writes there (and the next `run` wrote over it in turn), exit 0: refused, as the batch's
    other files are (`store.BATCH_FILES`); another name beside the runs is written."""
    runs = folder / "batch"
    (runs / "comparison.csv").write_text("the batch's\n")
    code, out, err = run_cli("compare", runs / "a", runs / "b", "--out", runs / "comparison.csv")
    assert_refused(
        code,
        err,
        f"{runs / 'comparison.csv'}: is the table of every comparison of the batch in {runs} (its "
        "comparison.csv, which `riskmodel run` writes beside the batch's runs)",
        "give --out another name (a batch folder's own: comparison.csv, sweep.csv, swing.csv, report.html)",
    )
    assert out == "" and (runs / "comparison.csv").read_text() == "the batch's\n"
    code, _, err = run_cli("compare", runs / "a", runs / "b", "--out", runs / store.SWEEP_FILE)
    assert_refused(code, err, f"{runs / 'sweep.csv'}: is the sweep table of the batch in {runs}")
    assert not (runs / store.SWEEP_FILE).exists()
    # a folder: the name suggested is no batch file
    code, _, err = run_cli("compare", runs / "a", runs / "b", "--out", runs)
    assert_refused(code, err, f"{runs}: is a folder: --out takes a file name, e.g. {runs / 'a_vs_b.csv'}")
    # a run folder: refused as such, not told a file name in it that is then refused (it said "e.g.
    # batch/b/a_vs_b.csv"); nor a suffix's example a batch's own file (it said "e.g. comparison.csv")
    code, _, err = run_cli("compare", runs / "a", runs / "b", "--out", runs / "b")
    assert_refused(
        code,
        err,
        f"{runs / 'b'}: is the run folder {runs / 'b'} of a stored run",
        "give --out a file outside the run folder",
    )
    assert "e.g." not in err
    code, _, err = run_cli("compare", runs / "a", runs / "b", "--out", runs / "a_vs_b.txt")
    assert_refused(code, err, "--out takes a .csv (or .parquet) file name, e.g. a_vs_b.csv:")
    code, out, err = run_cli("compare", runs / "a", runs / "b", "--out", runs / "a_vs_b.csv")
    assert code == 0 and f"written: {runs / 'a_vs_b.csv'}" in out, err
    # the same name where no batch is: written
    code, _, err = run_cli("compare", runs / "a", runs / "b", "--out", folder / "comparison.csv")
    assert code == 0, err
    assert (folder / "comparison.csv").is_file()


def test_screen_refuses_an_out_in_a_run_folder(folder, run_cli):
    """`screen --out batch/a` wrote its four tables among the run's files (exit 0); refused now, as the
    other commands refuse it, and by `ScreeningResult.write`; the batch folder takes them beside the runs."""
    from riskmodel.screening import read_fleet, read_lists, screen

    run = folder / "batch" / "a"
    before = snapshot(run)
    args = ["screen", "--fleet", SAMPLES / "sample_fleet.csv", "--lists", SAMPLES / "sample_sanctions.csv"]
    args += ["--as-of", "2026-06-30"]
    code, out, err = run_cli(*args, "--out", run)
    assert code == 2 and out == "" and "Traceback" not in err, err
    assert (
        f"error: argument --out: {run}: is the run folder {run} of a stored run (it holds manifest.json)"
        in err
    )
    assert (
        "; give --out another folder for the output tables (matches, vessels, exposure, list_problems)" in err
    )
    assert snapshot(run) == before
    result = screen(
        read_fleet(SAMPLES / "sample_fleet.csv"),
        read_lists([SAMPLES / "sample_sanctions.csv"]),
        as_of="2026-06-30",
    )
    with pytest.raises(
        ValueError, match=r"is in the run folder .* give out_dir another folder for the output"
    ):
        result.write(run / "screening")
    assert snapshot(run) == before and not (run / "screening").exists()
    code, _, err = run_cli(*args, "--out", folder / "batch")
    assert code == 0, err
    assert snapshot(run) == before and store.is_complete(run)


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


# ------------------------------------------------------------------------ a run folder taken by a name
@pytest.fixture
def two_files(tmp_path) -> tuple[Path, Path]:
    """`perils/p.yaml` and `other/p.yaml`: two scenarios of the same name."""
    return write(tmp_path / "perils", "p.yaml", SMALL), write(tmp_path / "other", "p.yaml", OTHER)


def test_a_file_of_the_same_name_replaces_another_files_run_only_with_force(two_files, tmp_path, run_cli):
    """`run other/p.yaml --out st` after `run perils/p.yaml --out st` deleted the finished run and
    recomputed it, saying only "(recomputed: another scenario, seed or trial count)" afterwards."""
    first, second = two_files
    st = tmp_path / "st"
    code, _, err = run_cli("run", first, "--out", st, "--workers", 1)
    assert code == 0, err
    before = snapshot(st / "p")
    code, out, err = run_cli("run", second, "--out", st, "--workers", 1)
    assert_refused(
        code,
        err,
        f"{st / 'p'}: holds the run of another scenario file, {first} (4,096 trials, seed 7), which this "
        f"batch would delete to store {second} (4,096 trials, seed 7) there",
        f"give another --out for {second}, or --force to replace the stored run",
    )
    assert out == "" and snapshot(st / "p") == before
    code, _, err = run_cli("run", second, "--out", st, "--workers", 1, "--force")
    assert code == 0, err
    assert f"p: replacing the run of {first} (4,096 trials, seed 7) stored in {st / 'p'} by {second}" in err
    assert store.load_manifest(st / "p")["scenario_file"] == str(second)


def test_the_same_file_moved_or_edited_is_no_other_file(two_files, tmp_path, run_cli):
    """A copy with the same contents (the folder moved, or named from elsewhere) is the same scenario, and
    so is the file edited in place: their runs are replaced with a word, not refused. (With the same
    settings the copy's run is the stored one: up to date, whoever ran it.)"""
    first, _ = two_files
    st = tmp_path / "st"
    assert run_cli("run", first, "--out", st, "--workers", 1)[0] == 0
    moved = Path(shutil.copytree(first.parent, tmp_path / "moved")) / "p.yaml"
    code, _, err = run_cli("run", moved, "--out", st, "--workers", 1)
    assert code == 0 and "up to date" in err, err
    code, _, err = run_cli("run", moved, "--out", st, "--workers", 1, "--trials", 2 * TRIALS)
    assert code == 0, err
    said = f"[1/1] p: replacing the run of {first.resolve()} (4,096 trials, seed 7) stored in {st / 'p'}: "
    assert f"{said}4,096 trials then, 8,192 now" in err.splitlines(), err
    assert store.load_manifest(st / "p")["scenario_file"] == str(moved)
    write(moved.parent, "p.yaml", {**SMALL, "horizon": {"start_year": 2026, "years": 1}})
    code, _, err = run_cli("run", moved, "--out", st, "--workers", 1, "--trials", 2 * TRIALS)
    assert code == 0, err
    assert f"p: replacing the run of {moved.resolve()} (8,192 trials, seed 7) stored in {st / 'p'}: " in err
    assert f"its scenario file {moved} (or a file it extends or reads) has changed since" in err


def test_a_file_named_from_another_folder_is_told_apart_by_where_it_is(
    two_files, tmp_path, monkeypatch, run_cli
):
    """The manifest kept the file as typed (``p.yaml``), read from the current folder: `run p.yaml` from
    `other/` replaced the run made from `perils/` (exit 0, "its scenario file p.yaml ... has changed
    since"), and `perils/p.yaml` edited, run from its parent, was refused as another file."""
    first, second = two_files
    st = tmp_path / "st"
    monkeypatch.chdir(first.parent)
    assert run_cli("run", "p.yaml", "--out", st, "--workers", 1)[0] == 0
    assert store.load_manifest(st / "p")["scenario_file_resolved"] == str(first.resolve())
    before = snapshot(st / "p")
    monkeypatch.chdir(second.parent)
    code, _, err = run_cli("run", "p.yaml", "--out", st, "--workers", 1)
    assert_refused(code, err, f"holds the run of another scenario file, {first.resolve()} (4,096 trials")
    assert "(a run folder is named after its file: 'p')" in err
    assert snapshot(st / "p") == before
    monkeypatch.chdir(tmp_path)
    write(first.parent, "p.yaml", {**SMALL, "horizon": {"start_year": 2026, "years": 1}})
    code, _, err = run_cli("run", "perils/p.yaml", "--out", st, "--workers", 1)
    assert code == 0, err
    assert "its scenario file perils/p.yaml (or a file it extends or reads) has changed since" in err


def test_a_manifest_with_a_relative_file_name_is_judged_by_the_contents(two_files, tmp_path, monkeypatch):
    """A manifest saved before the resolved path was kept names its file as typed: where it was is
    unknown. The name read from the current folder is taken for the file it names (the same command from
    the same folder, as `make run`); otherwise only the SHA-256 tells whether a file is the one it ran."""
    first, second = two_files
    old = {"scenario_file": "p.yaml", "scenario_file_sha256": store._file_sha256(first)}
    monkeypatch.chdir(first.parent)
    assert not store.ran_another_file(old, "p.yaml")
    assert store.ran_another_file(old, second)
    monkeypatch.chdir(second.parent)  # (the old name read from here is `second`: taken for it)
    assert not store.ran_another_file(old, "p.yaml")
    assert not store.ran_another_file(old, first)
    monkeypatch.chdir(tmp_path)  # (from here the old name is no file: the contents decide)
    assert store.ran_another_file(old, second)
    assert not store.ran_another_file(old, first)
    assert store.stored_scenario_path(old) is None
    assert store.stored_scenario_path({"scenario_file": str(first)}) == first
    out = tmp_path / "st"
    batch.run_batch(batch.plan_runs([first]), out, progress=False, echo=None)
    manifest = json.loads((out / "p" / store.MANIFEST).read_text())
    del manifest["scenario_file_resolved"]
    (out / "p" / store.MANIFEST).write_text(json.dumps({**manifest, "scenario_file": "p.yaml"}))
    with pytest.raises(ScenarioError) as refused:
        batch.run_batch(batch.plan_runs([second]), out, Stopping(), progress=False, echo=None)
    assert "holds the run of p.yaml (4,096 trials" in str(refused.value)
    assert "a file its manifest names relative to the folder it ran from" in str(refused.value)


def test_an_old_manifests_file_of_the_same_contents_is_the_same_whatever_its_parent_became(
    tmp_path, monkeypatch
):
    """A manifest of before the resolved path: a child file unchanged while its parent was edited is the
    same file (its run is replaced, not refused, though the scenario it resolves to differs, as an edited
    parent makes it); the same file edited is refused in words that say it may be this file edited, and
    `--force` once replaces it and keeps the resolved path."""
    write(tmp_path / "sc", "base.yaml", SMALL)
    child = write(tmp_path / "sc", "p.yaml", STRESSED)
    out = tmp_path / "st"
    path = out / "p" / store.MANIFEST

    def made_old() -> dict:  # the manifest as this version's predecessor wrote it
        manifest = json.loads(path.read_text())
        del manifest["scenario_file_resolved"]
        path.write_text(json.dumps({**manifest, "scenario_file": "p.yaml"}))
        return store.load_manifest(out / "p")

    batch.run_batch(batch.plan_runs([child]), out, progress=False, echo=None)
    old = made_old()
    write(tmp_path / "sc", "base.yaml", {**SMALL, "horizon": {"start_year": 2026, "years": 1}})
    now = batch.plan_runs([child])[0].scenario.model_dump(mode="json")
    assert store.scenario_without_settings(now) != store.scenario_without_settings(old["scenario"])
    assert not store.ran_another_file(old, child, now)
    batch.run_batch(batch.plan_runs([child]), out, progress=False, echo=None)  # replaced, not refused
    made_old()
    write(tmp_path / "sc", "p.yaml", {**STRESSED, "name": "Perils stressed, edited"})
    with pytest.raises(ScenarioError) as refused:
        batch.run_batch(batch.plan_runs([child]), out, progress=False, echo=None)
    assert "it may be another file, or this one edited since" in str(refused.value)
    batch.run_batch(batch.plan_runs([child]), out, progress=False, echo=None, force=True)
    assert store.load_manifest(out / "p")["scenario_file_resolved"] == str(child.resolve())
    # run from the folder its old name is read in (as `make run` from the repository), an edited file
    # is the same file: replaced, not refused
    made_old()
    write(tmp_path / "sc", "p.yaml", {**STRESSED, "name": "Perils stressed, edited again"})
    monkeypatch.chdir(tmp_path / "sc")
    batch.run_batch(batch.plan_runs([Path("p.yaml")]), out, progress=False, echo=None)
    assert store.load_manifest(out / "p")["scenario"]["name"] == "Perils stressed, edited again"


def test_a_copy_that_extends_another_parent_is_another_file(tmp_path, run_cli):
    """`eu/p.yaml` and `uk/p.yaml` are byte-identical, but each extends its own `base.yaml`: the second
    sweep replaced the first one's points with only a note, as if they were the same scenario. Refused,
    as any other file's runs, naming both; nothing is deleted."""
    write(tmp_path / "eu", "base.yaml", SMALL)
    write(tmp_path / "uk", "base.yaml", {**SMALL, "horizon": {"start_year": 2026, "years": 1}})
    eu, uk = write(tmp_path / "eu", "p.yaml", STRESSED), write(tmp_path / "uk", "p.yaml", STRESSED)
    assert eu.read_bytes() == uk.read_bytes()
    st = tmp_path / "st"
    sweep = ("--set", "simulation.seed=1", "--out", st, "--workers", 1)
    code, _, err = run_cli("sweep", eu, *sweep)
    assert code == 0, err
    (point,) = [p for p in st.iterdir() if p.is_dir()]
    before = snapshot(point)
    code, out, err = run_cli("sweep", uk, *sweep)
    assert_refused(
        code,
        err,
        f"{point}: holds the run of another scenario file, {eu.resolve()} (4,096 trials, seed 1), which "
        f"this batch would delete to store {uk} (4,096 trials, seed 1) there",
    )
    assert "named after its file" not in err  # (a sweep's point is named after the point)
    assert out == "" and snapshot(point) == before
    assert store.load_manifest(point)["scenario_file"] == str(eu)


def test_the_batch_says_which_run_it_replaces_before_computing(two_files, tmp_path, run_cli):
    """Fewer trials, another seed: the stored run is replaced, and the line that says so comes before the
    work (it came after, as "(recomputed: another scenario, seed or trial count)")."""
    first, _ = two_files
    st = tmp_path / "st"
    assert run_cli("run", first, "--out", st, "--workers", 1, "--trials", 8192)[0] == 0
    code, _, err = run_cli("run", first, "--out", st, "--workers", 1, "--trials", 4096, "--seed", 3)
    assert code == 0, err
    lines = err.splitlines()
    said = f"[1/1] p: replacing the run of {first} (8,192 trials, seed 7) stored in {st / 'p'}: "
    said += "8,192 trials then, 4,096 now; seed 7 then, 3 now"
    assert said in lines, err
    done = next(i for i, line in enumerate(lines) if "4,096 trials in" in line)
    assert lines.index(said) < done
    assert "(recomputed: 8,192 trials then, 4,096 now; seed 7 then, 3 now)" in lines[done]


def test_a_replacement_stopped_part_way_resumes_without_force(tmp_path):
    """`--force` replaced another file's run and was stopped: its chunks are kept, and the stored run of
    the other file is still there until the new one is saved. Run again without --force, as the stop
    message says, it resumes (it is not refused for the other file's run it had begun to replace)."""
    doc = {**SMALL, "simulation": {**SMALL["simulation"], "trials": 2 * TRIALS, "chunk_trials": TRIALS}}
    first = write(tmp_path / "perils", "p.yaml", doc)
    second = write(tmp_path / "other", "p.yaml", {**OTHER, "simulation": doc["simulation"]})
    out = tmp_path / "st"
    batch.run_batch(batch.plan_runs([first]), out, progress=False, echo=None)
    plan = batch.plan_runs([second])
    with pytest.raises(ScenarioError, match="holds the run of another scenario file"):
        batch.run_batch(plan, out, Stopping(), progress=False, echo=None)
    with pytest.raises(KeyboardInterrupt):
        batch.run_batch(plan, out, Stopping(after=1), progress=False, echo=None, force=True)
    assert store.load_manifest(out / "p")["scenario_file"] == str(first)
    said: list[str] = []
    ex = Stopping()
    (outcome,) = batch.run_batch(plan, out, ex, progress=False, echo=said.append)
    assert outcome.status == "computed" and len(ex.tasks) == 1, said  # (one chunk of two kept)
    assert any("(resuming the replacement an earlier batch began)" in line for line in said), said
    assert any("resumed: 1 of 2 chunks kept" in line for line in said), said
    assert store.load_manifest(out / "p")["scenario_file"] == str(second)


def test_a_replacement_stopped_before_its_first_chunk_resumes_without_force(two_files, tmp_path):
    """Stopped before the replacing run had saved a chunk, the `--force` batch had left nothing to show
    it had begun: run again without --force, as the stop message says, it was refused."""
    first, second = two_files
    out = tmp_path / "st"
    batch.run_batch(batch.plan_runs([first]), out, progress=False, echo=None)
    plan = batch.plan_runs([second])
    with pytest.raises(KeyboardInterrupt):
        batch.run_batch(plan, out, Stopping(after=0), progress=False, echo=None, force=True)
    assert store.load_manifest(out / "p")["scenario_file"] == str(first)
    said: list[str] = []
    (outcome,) = batch.run_batch(plan, out, Stopping(), progress=False, echo=said.append)
    assert outcome.status == "computed", said
    assert any("(resuming the replacement an earlier batch began)" in line for line in said), said
    assert store.load_manifest(out / "p")["scenario_file"] == str(second)
    assert not (out / "p" / "chunks").exists()


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
    ran = store.load_manifest(run)["scenario_file_resolved"]
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
