"""Batch orchestration: which scenarios a batch runs, baselines once per batch, resume, sweeps."""

from __future__ import annotations

import contextlib
import gc
import json
import shutil
import weakref
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from perils_book import BASE, STRESSED, write

import riskmodel
from riskmodel import batch, compare, store
from riskmodel.engine.simulate import compile_run, simulate
from riskmodel.scenario import ScenarioError, load_scenario, with_overrides


@pytest.fixture
def scenarios(tmp_path) -> Path:
    folder = tmp_path / "scenarios"
    write(folder, "base.yaml", BASE)
    write(folder, "stressed.yaml", STRESSED)
    write(folder / "portfolios", "book.yaml", BASE["portfolio"])  # not a scenario: never discovered
    return folder


# ------------------------------------------------------------------------------------------- planning
def test_a_folder_means_its_yaml_files_not_its_subfolders(scenarios):
    assert [p.name for p in batch.discover([scenarios])] == ["base.yaml", "stressed.yaml"]


def test_a_folder_means_its_yml_files_too(scenarios):
    """`riskmodel validate` takes `.yml` files of a folder: a batch of the folder skipped them silently."""
    (scenarios / "base.yaml").rename(scenarios / "base.yml")
    assert [p.name for p in batch.discover([scenarios])] == ["base.yml", "stressed.yaml"]


def test_missing_paths_are_invalid_input(tmp_path):
    with pytest.raises(ScenarioError, match="no such scenario file or folder"):
        batch.discover([tmp_path / "nope.yaml"])
    (tmp_path / "empty").mkdir()
    with pytest.raises(ScenarioError, match="folder without"):
        batch.discover([tmp_path / "empty"])


def test_the_baseline_runs_first_and_once_with_the_same_trials_and_seed(scenarios):
    specs = batch.plan_runs([scenarios / "stressed.yaml", scenarios], trials=4096, seed=3)
    assert [(s.name, s.baseline) for s in specs] == [("base", None), ("stressed", "base")]
    assert {(s.trials, s.seed) for s in specs} == {(4096, 3)}


def test_a_named_baseline_overrides_extends(scenarios):
    write(scenarios, "other.yaml", {**BASE, "name": "Other"})
    write(scenarios, "stressed.yaml", {**STRESSED, "baseline": "other.yaml"})
    specs = batch.plan_runs([scenarios / "stressed.yaml"])
    assert [(s.name, s.baseline) for s in specs] == [("other", None), ("stressed", "other")]


def test_every_invalid_file_is_reported_at_once(scenarios):
    write(scenarios, "bad1.yaml", {**BASE, "horizon": {"years": 0}})
    write(scenarios, "bad2.yaml", {**BASE, "simulation": {"trials": -1}})
    with pytest.raises(ScenarioError) as err:
        batch.plan_runs([scenarios])
    text = str(err.value)
    assert "bad1.yaml" in text and "horizon.years" in text
    assert "bad2.yaml" in text and "simulation.trials" in text


# --------------------------------------------------------------------------------------------- resume
def manifest_of(run_dir: Path) -> dict:
    return json.loads((run_dir / "manifest.json").read_text())


def test_a_rerun_skips_finished_runs_and_redoes_incomplete_ones(scenarios, tmp_path):
    out = tmp_path / "out"
    specs = batch.plan_runs([scenarios])
    first = batch.run_batch(specs, out, echo=None, progress=False)
    assert [o.status for o in first] == ["computed", "computed"]
    saved = {s.name: manifest_of(out / s.name)["saved"] for s in specs}
    mtime = (out / "base" / "arrays.npz").stat().st_mtime_ns

    (out / "stressed" / "manifest.json").unlink()  # as if killed before the manifest was written
    again = batch.run_batch(specs, out, echo=None, progress=False)
    assert [o.status for o in again] == ["up to date", "computed"]
    assert manifest_of(out / "base")["saved"] == saved["base"]
    assert (out / "base" / "arrays.npz").stat().st_mtime_ns == mtime
    assert manifest_of(out / "stressed")["saved"] != saved["stressed"]


def test_changing_the_trials_or_forcing_recomputes(scenarios, tmp_path):
    out = tmp_path / "out"
    batch.run_batch(batch.plan_runs([scenarios / "base.yaml"]), out, echo=None, progress=False)
    more = batch.plan_runs([scenarios / "base.yaml"], trials=12288)
    assert [o.status for o in batch.run_batch(more, out, echo=None, progress=False)] == ["computed"]
    assert manifest_of(out / "base")["trials"] == 12288
    forced = batch.run_batch(more, out, echo=None, progress=False, force=True)
    assert [o.status for o in forced] == ["computed"]


@contextlib.contextmanager
def _package_copy(tmp_path: Path) -> Iterator[Path]:
    """A copy of the package taken for the package within the block (`riskmodel.__file__`, which
    `store.model_digest` reads); the digest is read afresh inside and after the block."""
    copy = tmp_path / "package"
    shutil.copytree(Path(riskmodel.__file__).parent, copy, ignore=shutil.ignore_patterns("__pycache__"))
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(riskmodel, "__file__", str(copy / "__init__.py"))
        store._model_digest.cache_clear()
        try:
            yield copy
        finally:
            store._model_digest.cache_clear()
    store._model_digest.cache_clear()


def test_the_model_digest_follows_the_code_and_the_reference_data(tmp_path):
    real = store.model_digest()
    with _package_copy(tmp_path) as copy:
        # compiled files, an editor's lock file (a dangling link) and a hidden file are not the model's;
        # neither are the parts that only present results; nor do line endings count
        (copy / "__pycache__").mkdir()
        (copy / "__pycache__" / "x.pyc").write_bytes(b"compiled")
        (copy / ".#severity.py").symlink_to(copy / "no-such-file")
        (copy / ".scratch.py").write_text("x = 1\n")
        with open(copy / "plots.py", "ab") as f:
            f.write(b"# a comment\n")
        zones = copy / "world" / "data" / "zones.csv"
        zones.write_bytes(zones.read_bytes().replace(b"\n", b"\r\n"))
        assert store.model_digest() == real
        for name, edit in (("world/data/zones.csv", b"\n"), ("severity.py", b"# a comment\n")):
            with open(copy / name, "ab") as f:
                f.write(edit)
            store._model_digest.cache_clear()
            assert store.model_digest() != real, name
    assert store.model_digest() == real


def test_the_model_digest_follows_world_data_edited_in_the_process(tmp_path):
    """`load_world` reads a world data file edited on disk again, so the digest follows it at once (a
    notebook's run of the edited data was stored under the old digest and later taken as up to date)."""
    with _package_copy(tmp_path) as copy:
        before = store.model_digest()
        with open(copy / "world" / "data" / "zones.csv", "a") as f:
            f.write("\n")
        assert store.model_digest() != before


def test_a_change_of_the_model_recomputes_stored_runs_and_says_why(scenarios, tmp_path):
    """A run stored before the model's code or reference data changed is not reported as up to date."""
    out = tmp_path / "out"
    plan = batch.plan_runs([scenarios / "base.yaml"])
    batch.run_batch(plan, out, echo=None, progress=False)
    assert manifest_of(out / "base")["model_digest"] == store.model_digest()
    said: list[str] = []
    with _package_copy(tmp_path) as copy:
        with open(copy / "world" / "data" / "zones.csv", "a") as f:
            f.write("\n")
        changed = batch.run_batch(
            batch.plan_runs([scenarios / "base.yaml"]), out, echo=said.append, progress=False
        )
        assert manifest_of(out / "base")["model_digest"] == store.model_digest()
    assert [o.status for o in changed] == ["computed"]
    assert "(recomputed: computed by another version of the model" in said[0], said
    # back to the model as it is: recomputed again, then up to date
    assert [o.status for o in batch.run_batch(plan, out, echo=None, progress=False)] == ["computed"]
    assert [o.status for o in batch.run_batch(plan, out, echo=None, progress=False)] == ["up to date"]
    # a forced rerun says so too
    forced = batch.run_batch(plan, out, echo=said.append, progress=False, force=True)
    assert [o.status for o in forced] == ["computed"] and "(recomputed: --force)" in said[-2], said


def test_comparisons_with_baselines_come_from_the_store_when_runs_are_skipped(scenarios, tmp_path):
    out = tmp_path / "out"
    specs = batch.plan_runs([scenarios])
    fresh = batch.BaselineComparisons(specs)
    batch.run_batch(specs, out, echo=None, progress=False, on_results=fresh)
    resumed = batch.BaselineComparisons(specs)
    batch.run_batch(specs, out, echo=None, progress=False, on_results=resumed)
    table = resumed.tables[("stressed", "base")]
    assert table.equals(fresh.tables[("stressed", "base")])
    assert table.loc["storm_xol: ceded loss", "difference"] > 0  # a heavier severity cedes more
    # through a link to the run folder, its baseline is still its sibling in the batch (it was looked
    # for beside the link, and quietly not found)
    (tmp_path / "link").symlink_to(out / "stressed", target_is_directory=True)
    linked = store.load_results(tmp_path / "link", with_baseline=True)
    assert linked.baseline is not None
    assert linked.baseline.scenario_name == store.load_results(out / "base").scenario_name


def _ig_block(summary_md: str) -> str:
    """summary.md's block of the tonnage and premium leaving the IG, to the next section."""
    start = summary_md.index("## Tonnage and premium leaving the IG")
    return summary_md[start : summary_md.index("## Who pays", start)]


def test_a_batch_writes_each_runs_ig_block_with_its_difference_from_the_baseline(scenarios_dir, tmp_path):
    """summary.md of a run in a batch had the tonnage and premium leaving the IG without the difference
    from its baseline (the report had it). The baseline runs first and its results are at hand when the
    scenario is saved: summary.md is the one written from the stored run and its stored baseline, with
    the difference column. A run recomputed after its baseline was stored (resumed) takes the baseline
    from the store: the same file; the baseline, up to date, keeps its own summary.md."""
    out = tmp_path / "out"
    specs = batch.plan_runs([scenarios_dir / "rv_pool.yaml"], trials=4096)
    assert [(s.name, s.baseline) for s in specs] == [("baseline", None), ("rv_pool", "baseline")]
    batch.run_batch(specs, out, echo=None, progress=False)
    written = (out / "rv_pool" / "summary.md").read_text(encoding="utf-8")
    loaded = store.load_results(out / "rv_pool", with_baseline=True)
    assert written == store.summary_markdown(loaded, store.load_manifest(out / "rv_pool"))
    block = _ig_block(written)
    assert "| figure | unit | annual average | difference from baseline |" in block
    assert "the difference from baseline with its common-random-number standard error" in block
    from riskmodel.ig_exit import IG_EXIT_READING

    assert IG_EXIT_READING in block
    gt = next(line for line in block.splitlines() if line.startswith("| IG-entered tonnage"))
    assert gt.count(" ± ") == 2 and "| – |" not in gt  # (the run's average and its difference, with errors)
    # the baseline, compared with nothing, says nothing of a difference
    base_md = (out / "baseline" / "summary.md").read_bytes()
    assert "difference" not in _ig_block(base_md.decode("utf-8"))

    (out / "rv_pool" / "manifest.json").unlink()  # (as if killed before its manifest was written)
    again = batch.run_batch(specs, out, echo=None, progress=False)
    assert [o.status for o in again] == ["up to date", "computed"]
    assert (out / "rv_pool" / "summary.md").read_text(encoding="utf-8") == written
    assert (out / "baseline" / "summary.md").read_bytes() == base_md


def test_a_run_saved_before_its_baseline_says_where_its_differences_are(scenarios_dir, tmp_path, monkeypatch):
    """Runs whose groups cannot all follow their baselines' (a cycle) may be saved before the baseline
    finishes: summary.md does not rewrite a finished run's file later (the manifest lists its SHA-256);
    it says that it was written without the baseline and where the difference is. Forced here by running
    the groups the other way round."""
    monkeypatch.setattr(batch, "_baselines_first", lambda groups, specs: list(reversed(groups)))
    out = tmp_path / "out"
    specs = batch.plan_runs([scenarios_dir / "rv_pool.yaml"], trials=4096)
    batch.run_batch(specs, out, echo=None, progress=False)
    assert store.load_manifest(out / "rv_pool")["saved"] < store.load_manifest(out / "baseline")["saved"]
    block = _ig_block((out / "rv_pool" / "summary.md").read_text(encoding="utf-8"))
    assert "difference from baseline |" not in block
    assert (
        "this file was written without the results of baseline, the run it is compared with: the difference "
        "from it is in the batch's comparison.csv (`riskmodel run`; rows `base:ig_gxl_premium`, "
        "`base:ig_entered_gt`, `base:hm_western_premium` and `tonnage:<class>`) and in its report.html"
    ) in " ".join(block.split())
    assert store.incomplete_reason(out / "rv_pool") is None


def _ig_entered_line(run_dir: Path) -> str:
    block = _ig_block((run_dir / "summary.md").read_text(encoding="utf-8"))
    return next(line for line in block.splitlines() if line.startswith("| IG-entered tonnage"))


def test_a_run_whose_baseline_file_changed_alone_is_recomputed_with_the_new_differences(
    scenarios_dir, tmp_path
):
    """A scenario may name a `baseline:` file it does not extend; editing only that file leaves the
    scenario's identity as it was. Its summary.md and manifest held the differences from the old
    baseline and the run stayed "up to date" (the reviewer's case: IG-entered tonnage +1.960 against
    +4.093 from the new baseline). Now it is recomputed, saying why, and its files are those of a run
    saved with the new baseline; the next batch finds both up to date."""
    folder = tmp_path / "sc"
    shutil.copytree(scenarios_dir / "portfolios", folder / "portfolios")
    for name in ("baseline.yaml", "rv_pool.yaml"):
        shutil.copy(scenarios_dir / name, folder / name)
    (folder / "alt.yaml").write_text("name: alt\nextends: rv_pool.yaml\nbaseline: crack.yaml\n")
    crack = "name: crack\nextends: rv_pool.yaml\nsanctions:\n  vessel_designation:\n    hazard: {}\n"
    (folder / "crack.yaml").write_text(crack.format(0.25))
    out = tmp_path / "out"
    specs = batch.plan_runs([folder / "alt.yaml"], trials=512)
    assert [(s.name, s.baseline) for s in specs] == [("crack", None), ("alt", "crack")]
    batch.run_batch(specs, out, echo=None, progress=False)
    before = _ig_entered_line(out / "alt")

    (folder / "crack.yaml").write_text(crack.format(0.6))
    specs_now = batch.plan_runs([folder / "alt.yaml"], trials=512)
    assert specs_now[1].identity == specs[1].identity and specs_now[0].identity != specs[0].identity
    said: list[str] = []
    outcomes = batch.run_batch(specs_now, out, echo=said.append, progress=False)
    assert [o.status for o in outcomes] == ["computed", "computed"]
    assert any(
        line.startswith("[2/2] alt: ") and "(recomputed: its baseline changed)" in line for line in said
    )
    manifest = store.load_manifest(out / "alt")
    assert manifest["baseline"]["identity"] == specs_now[0].identity
    loaded = store.load_results(out / "alt", with_baseline=True)
    assert (out / "alt" / "summary.md").read_text(encoding="utf-8") == store.summary_markdown(
        loaded, manifest
    )
    assert _ig_entered_line(out / "alt") != before  # (a harder crackdown moves more tonnage)
    again = batch.run_batch(specs_now, out, echo=None, progress=False)
    assert [o.status for o in again] == ["up to date", "up to date"]


def test_a_held_baseline_has_no_events_is_read_once_and_is_let_go_after_its_last_run(
    scenarios, tmp_path, monkeypatch
):
    """A baseline is held for summary.md's differences until its last scenario is saved: without its event
    table (summary.md never reads it; with --keep-events it is the bulk of a run), and no longer than
    that (`other`, saved after `stressed`, finds it gone). Run again with `stressed` unfinished: the
    up-to-date baseline is read from the store once, for `on_results` (with its events) and for
    `stressed`'s summary.md alike."""
    other = write(
        scenarios, "other.yaml", {**BASE, "name": "Other", "simulation": {**BASE["simulation"], "seed": 8}}
    )
    specs = batch.plan_runs([scenarios / "stressed.yaml", other], trials=4096, keep_events=True)
    assert [(s.name, s.baseline) for s in specs] == [("base", None), ("stressed", "base"), ("other", None)]
    given: dict[str, weakref.ref] = {}
    let_go: dict[str, bool] = {}
    save_run = store.save_run

    def saving(run_dir, results, *args, baseline_results=None, **kwargs):
        name = Path(run_dir).name
        gc.collect()
        let_go[name] = all(ref() is None for ref in given.values())  # (the baselines given before)
        if baseline_results is not None:
            given[name] = weakref.ref(baseline_results)
            assert results.events is not None and baseline_results.events is None
        return save_run(run_dir, results, *args, baseline_results=baseline_results, **kwargs)

    monkeypatch.setattr(store, "save_run", saving)
    out = tmp_path / "out"
    batch.run_batch(specs, out, echo=None, progress=False)
    assert set(given) == {"stressed"} and let_go["other"]
    assert store.load_manifest(out / "base")["keep_events"]

    (out / "stressed" / "manifest.json").unlink()  # (as if killed before its manifest was written)
    reads: list[str] = []
    load_results = store.load_results

    def reading(run_dir, **kwargs):
        reads.append(Path(run_dir).name)
        return load_results(run_dir, **kwargs)

    monkeypatch.setattr(store, "load_results", reading)
    given.clear()
    handed: list[tuple[str, bool]] = []
    again = batch.run_batch(
        specs,
        out,
        echo=None,
        progress=False,
        on_results=lambda s, r: handed.append((s.name, r.events is not None)),
    )
    assert [o.status for o in again] == ["up to date", "computed", "up to date"]
    assert reads.count("base") == 1 and "stressed" in given
    assert handed == [("base", True), ("stressed", True), ("other", True)]


def test_a_baselines_group_runs_before_the_group_that_needs_it_with_the_same_results(scenarios_dir, tmp_path):
    """x and s share their world, s's baseline does not: in plan order (x, base, s) the group (x, s) would
    run first and s be saved without its baseline. `_baselines_first` moves base's group first, so s's
    summary.md has the difference column, s's results are bit for bit those of `simulate` alone, and a
    resumed s (its baseline read from the store) writes the same summary.md. (In rv_pool's own batch the
    baseline comes first in plan order anyway.)"""
    rv = load_scenario(scenarios_dir / "rv_pool.yaml")
    x = with_overrides(rv, {"name": "x", "schemes.rv_pool.capital_usd_m": 700})
    specs = [
        batch.make_spec("x", x, None, trials=512, seed=7),
        batch.make_spec("base", load_scenario(scenarios_dir / "baseline.yaml"), None, trials=512, seed=7),
        batch.make_spec("s", rv, None, trials=512, seed=7, baseline="base"),
    ]
    groups = batch._groups([compile_run(s.scenario, s.trials, s.seed, s.keep_events).model for s in specs])
    assert groups == [(0, 2), (1,)]
    assert batch._baselines_first(groups, specs) == [(1,), (0, 2)]
    out = tmp_path / "out"
    handed: list[str] = []
    batch.run_batch(
        specs, out, echo=None, progress=False, on_results=lambda spec, r: handed.append(spec.name)
    )
    assert handed == ["x", "base", "s"]  # (on_results in plan order all the same)
    assert store.load_manifest(out / "base")["saved"] < store.load_manifest(out / "s")["saved"]
    written = (out / "s" / "summary.md").read_bytes()
    assert "| figure | unit | annual average | difference from base |" in _ig_block(written.decode("utf-8"))
    alone = simulate(rv, trials=512, seed=7, progress=False)
    got = store.load_results(out / "s")
    for name, array in alone.year_arrays.items():
        np.testing.assert_array_equal(got.year_arrays[name], array, err_msg=name)
    for cid, fields in alone.contracts.items():
        for f, array in fields.items():
            np.testing.assert_array_equal(got.contracts[cid][f], array, err_msg=f"{cid} {f}")

    (out / "s" / "manifest.json").unlink()  # (as if killed before its manifest was written)
    again = batch.run_batch(specs, out, echo=None, progress=False)
    assert [o.status for o in again] == ["up to date", "up to date", "computed"]
    assert (out / "s" / "summary.md").read_bytes() == written


def test_groups_run_after_the_groups_of_their_baselines_unless_in_a_cycle():
    """A group waits for the groups holding its runs' baselines (plan order otherwise); in a cycle the
    first of the groups left runs (its runs are saved without their baseline's results)."""

    class Spec:
        def __init__(self, name: str, baseline: str | None = None) -> None:
            self.name, self.baseline = name, baseline

    # x and s share a world; s's baseline b does not: b's group first
    specs = [Spec("x"), Spec("b"), Spec("s", "b")]
    assert batch._baselines_first([(0, 2), (1,)], specs) == [(1,), (0, 2)]
    # a baseline in the same group, or not in the batch (in the store): nothing to wait for
    specs = [Spec("b"), Spec("s", "b"), Spec("t", "stored")]
    assert batch._baselines_first([(2,), (0, 1)], specs) == [(2,), (0, 1)]
    # a cycle: (0, 3) needs (1, 2) for run 3, which needs (0, 3) for run 2: plan order
    specs = [Spec("a"), Spec("b"), Spec("c", "a"), Spec("d", "b"), Spec("e", "d")]
    assert batch._baselines_first([(0, 3), (1, 2), (4,)], specs) == [(0, 3), (1, 2), (4,)]


def test_the_batch_results_are_those_of_simulate_alone(scenarios):
    """Chunks of several scenarios share one stream of tasks; each scenario's results are unchanged."""
    specs = batch.plan_runs([scenarios])
    for spec, results in batch.simulate_many(specs, progress=False):
        alone = simulate(spec.scenario, spec.trials, spec.seed, progress=False)
        for k, v in alone.contracts["portfolio"].items():
            assert np.array_equal(v, results.contracts["portfolio"][k])


def test_simulate_together_given_one_scenario_says_it_takes_a_sequence(scenarios):
    """One Scenario on its own (not in a list) failed nine frames down in pathlib: "expected str, bytes or
    os.PathLike object, not tuple" (iterating a pydantic model gives its fields as pairs); one path went
    letter by letter. Each is now a TypeError at once saying what it takes; in a list, it runs. A mapping
    and a number are TypeErrors too, each with its own advice."""
    scenario = load_scenario(scenarios / "base.yaml")
    for alone, kind in (
        (scenario, "Scenario"),
        (str(scenarios / "base.yaml"), "str"),
        (scenarios, "PosixPath"),
    ):
        with pytest.raises(TypeError) as caught:
            riskmodel.simulate_together(alone, trials=4096, progress=False)
        assert str(caught.value) == (
            "simulate_together takes a sequence of scenarios, each a Scenario (riskmodel.load_scenario) or "
            f"the path of a scenario file, e.g. [scenario, variant]; got one {kind}: give [it] (or run it "
            "with riskmodel.simulate)"
        )
    takes = (
        "simulate_together takes a sequence of scenarios, each a Scenario (riskmodel.load_scenario) or the "
        "path of a scenario file, e.g. [scenario, variant]"
    )
    # a dict passed the check and its keys were read as files ("base: cannot be read: No such file ..."); a
    # number was advised "give [it]", which takes no number either
    with pytest.raises(TypeError) as caught:
        riskmodel.simulate_together({"base": scenario}, trials=4096, progress=False)
    assert str(caught.value).startswith(f"{takes}; got a dict: give list(scenarios.values()), ")
    with pytest.raises(TypeError) as caught:
        riskmodel.simulate_together(5, trials=4096, progress=False)  # type: ignore[arg-type]
    assert str(caught.value) == f"{takes}; got int"
    with pytest.raises(TypeError, match=r"each a Scenario .* got NoneType and int among them$"):
        riskmodel.simulate_together([scenario, None, 3], trials=4096, progress=False)
    # a scenario as a mapping is load_scenario_from_dict's, as simulate and load_scenario say
    with pytest.raises(TypeError) as caught:
        riskmodel.simulate_together([scenario, {"name": "x"}], trials=4096, progress=False)
    assert str(caught.value).endswith(
        "got dict among them (for a scenario given as a mapping, use "
        "riskmodel.scenario.load_scenario_from_dict(doc, base_dir=...))"
    )
    [results] = riskmodel.simulate_together((scenario,), trials=4096, progress=False)
    assert results.n_trials == 4096


# --------------------------------------------------------------------------------------------- sweeps
def test_set_values_are_read_as_yaml_and_split_outside_brackets():
    assert batch.parse_set("a.b=1,2.5,x") == ("a.b", [1, 2.5, "x"])
    assert batch.parse_set("s.founders=[RUS,VEN],[RUS]") == ("s.founders", [["RUS", "VEN"], ["RUS"]])
    for bad in ("no_equals", "=1,2", "a.b=", "a.b=1,,2"):
        with pytest.raises(ScenarioError):
            batch.parse_set(bad)


def test_a_sweep_is_one_run_per_grid_point_with_the_same_seed(scenarios):
    base = load_scenario(scenarios / "base.yaml")
    sets = [
        ("perils.storm.frequency.mean", [1.0, 2.0, 3.0]),
        ("portfolio.contracts.storm_xol.limit_usd_m", [20, 40]),
    ]
    specs = batch.sweep_specs(base, scenarios / "base.yaml", sets, trials=4096)
    assert len(specs) == 6
    assert len({s.name for s in specs}) == 6 and len({s.identity for s in specs}) == 6
    assert {(s.trials, s.seed) for s in specs} == {(4096, 7)}
    assert specs[5].overrides == {
        "perils.storm.frequency.mean": 3.0,
        "portfolio.contracts.storm_xol.limit_usd_m": 40,
    }
    assert specs[5].scenario.perils["storm"].frequency.mean == 3.0


def test_invalid_sweep_paths_and_values_say_what_is_wrong(scenarios):
    base = load_scenario(scenarios / "base.yaml")
    with pytest.raises(ScenarioError, match="unknown key 'capital'"):
        batch.sweep_specs(base, None, [("perils.storm.capital", [1])])
    with pytest.raises(ScenarioError, match=r"perils\.storm\.frequency\.mean") as err:
        batch.sweep_specs(base, None, [("perils.storm.frequency.mean", [1.0, -2.0, "x"])])
    assert len(err.value.problems) == 2  # both bad values, none of the good one


def test_the_sweep_table_has_one_row_per_point_and_crn_differences(scenarios, tmp_path):
    base = load_scenario(scenarios / "base.yaml")
    """The same events with severities 1.5 times larger: the storm losses grow by half, and the paired
    standard error of that growth is well below the standard error of either level."""
    specs = batch.sweep_specs(base, None, [("perils.storm.severity.mean_usd_m", [20, 30])], trials=4096)
    table = batch.SweepTable(specs, ["aal", "premium", "var99", "payer:peril:storm", "aal:portfolio"])
    batch.run_batch(specs, tmp_path / "sweep", echo=None, progress=False, on_results=table)
    frame = table.frame()
    assert len(frame) == 2
    assert list(frame.columns).count("aal:portfolio") == 1 and frame.columns.is_unique  # aal given twice
    assert frame["perils.storm.severity.mean_usd_m"].tolist() == [20, 30]
    assert frame.loc[0, "aal:portfolio_delta"] == 0.0
    storm = frame["payer:peril:storm"]
    assert storm[1] == pytest.approx(1.5 * storm[0], rel=1e-9)
    assert frame.loc[1, "payer:peril:storm_delta_se"] < frame.loc[1, "payer:peril:storm_se"] / 2


def test_a_sweep_gives_a_fixed_premium_errors_of_exactly_zero(scenarios, tmp_path):
    """A fixed premium is the same in every trial: its standard error and that of its change between grid
    points are 0, not the float noise of averaging a constant (0.003 and 0.004 at our 50% line, USD
    0.0015m and 0.002m a year: errors of 1.4e-20 and 3.4e-21, printed as if the premium varied), as
    `Results.summary` and `Comparison.table` give them (`metrics.paired_difference`'s `exact_zero`). The
    loss, which varies, keeps its error."""
    base = load_scenario(scenarios / "base.yaml")
    path = "portfolio.contracts.storm_xol.premium.fixed_usd_m"
    specs = batch.sweep_specs(base, None, [(path, [0.003, 0.004])], trials=4096)
    table = batch.SweepTable(specs, ["premium", "aal"])
    batch.run_batch(specs, tmp_path / "sweep", echo=None, progress=False, on_results=table)
    frame = table.frame()
    assert frame["premium:portfolio"].tolist() == pytest.approx([0.0015, 0.002], rel=1e-12)
    assert frame["premium:portfolio_se"].tolist() == [0.0, 0.0]
    assert frame.loc[1, "premium:portfolio_delta"] == pytest.approx(0.0005, rel=1e-12)
    assert frame.loc[1, "premium:portfolio_delta_se"] == 0.0
    assert (frame["aal:portfolio_se"] > 0).all()


def test_a_contract_metric_names_its_contract_the_portfolio_too():
    """A sweep's `aal` and `var99.5` columns did not say they were the portfolio's (beside `aal:storm_xol`
    and the market's `payer:` columns): a metric without a contract is named for the portfolio, and the
    same metric given both ways is one metric (one column)."""
    assert batch.parse_metric("aal", ["storm_xol"]).name == "aal:portfolio"
    assert batch.parse_metric("tvar99:storm_xol", ["storm_xol"]).name == "tvar99:storm_xol"
    assert batch.parse_metric("payer:peril:storm", []).name == "payer:peril:storm"
    assert batch.parse_metric("spills_7t", []).name == "spills_7t"
    quantile = batch.parse_metric("var99.5", [])
    assert (quantile.name, quantile.kind, quantile.level) == (
        "var99.5:portfolio",
        "var",
        pytest.approx(0.995),
    )


def test_unknown_metrics_are_invalid_input():
    with pytest.raises(ScenarioError, match="no contract 'nope'"):
        batch.parse_metric("aal:nope", ["storm_xol"])
    with pytest.raises(ScenarioError, match="not a payer column"):
        batch.parse_metric("payer:nobody", [])
    assert batch.parse_metric("tvar99.5:storm_xol", ["storm_xol"]).level == pytest.approx(0.995)
    for level in ("0", "100", "150"):
        with pytest.raises(ScenarioError, match=r"the level must be P in percent, above 0 and below 100"):
            batch.parse_metric(f"var{level}", [])


def test_load_or_run_mixes_run_folders_and_scenario_files(scenarios, tmp_path):
    out = tmp_path / "out"
    batch.run_batch(batch.plan_runs([scenarios / "base.yaml"], trials=4096), out, echo=None, progress=False)
    stored, fresh = batch.load_or_run([out / "base", scenarios / "stressed.yaml"], progress=False)
    assert fresh.n_trials == stored.n_trials == 4096 and fresh.seed == stored.seed
    with pytest.raises(ScenarioError, match="not a finished run"):
        (out / "base" / store.MANIFEST).unlink()
        batch.load_or_run([out / "base", scenarios / "stressed.yaml"], progress=False)


def test_a_comparison_counts_what_one_run_lacks_as_zero(tmp_path):
    """A figure only one run has (a peril and a contract the baseline lacks, a contract only the baseline
    writes) is compared with zero: its difference is its own mean, with its own standard error."""
    extra = {
        "name": "Perils with quake",
        "extends": "base.yaml",
        "simulation": {"trials": 4096},
        "perils": {
            "quake": {
                "frequency": {"distribution": "poisson", "mean": 0.5},
                "severity": {"distribution": "lognormal", "mean_usd_m": 50, "cv": 2.0},
            }
        },
        "portfolio": {
            "contracts": {
                "storm_xol": None,
                "quake_xol": {
                    "source": "peril:quake",
                    "type": "xol",
                    "attachment_usd_m": 20,
                    "limit_usd_m": 100,
                    "premium": {"fixed_usd_m": 3},
                },
            }
        },
    }
    write(tmp_path, "base.yaml", BASE | {"simulation": BASE["simulation"] | {"trials": 4096}})
    scenario = simulate(load_scenario(write(tmp_path, "quake.yaml", extra)), progress=False)
    baseline = simulate(load_scenario(tmp_path / "base.yaml"), progress=False)
    differ = r"^portfolios differ \(quake_xol only in the scenario; storm_xol only in the baseline\)"
    with pytest.warns(UserWarning, match=differ):  # (said, and the contracts' cells marked where shown)
        table = compare(scenario, baseline).table()
    assert table.attrs["not_written"] == {
        "scenario": ("storm_xol: ceded loss", "storm_xol: premium"),
        "baseline": ("quake_xol: ceded loss", "quake_xol: premium"),
    }
    only_here = {
        "quake_xol: ceded loss": scenario.contracts["quake_xol"]["loss"],
        "payer:peril:quake": scenario.year_arrays["payer:peril:quake"],
    }
    only_there = {"storm_xol: ceded loss": baseline.contracts["storm_xol"]["loss"]}
    for figure, values in only_here.items():
        row = table.loc[figure]
        assert row["baseline"] == 0.0 and row["difference"] == pytest.approx(values.mean(), rel=1e-12)
        se = values.mean(axis=1).std(ddof=1) / np.sqrt(values.shape[0])
        assert row["standard_error"] == pytest.approx(se, rel=1e-9) and se > 0
    for figure, values in only_there.items():
        row = table.loc[figure]
        assert row["scenario"] == 0.0 and row["difference"] == pytest.approx(-values.mean(), rel=1e-12)
    assert table.loc["quake_xol: premium", "difference"] == pytest.approx(3.0)
    storm = BASE["portfolio"]["contracts"]["storm_xol"]  # no reinstatements: the fixed premium, our share
    expected = -storm["premium"]["fixed_usd_m"] * storm["participation"]
    assert table.loc["storm_xol: premium", "difference"] == pytest.approx(expected)
