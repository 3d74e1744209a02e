"""The results store: a run folder round-trips a `Results` exactly, its tables follow their declarations,
and no failure leaves a partial file under a final name or a folder that looks complete."""

from __future__ import annotations

import contextlib
import json
import math
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from riskmodel import store
from riskmodel.engine.simulate import simulate
from riskmodel.results import (
    BASIS,
    EVERY_YEAR_ALIKE,
    LOSS_UNIT,
    MARKET_UNIT,
    POOLED_TAIL_UNIT,
    PREMIUM_UNIT,
    SAME_EACH_YEAR_UNIT,
    TVAR_FIGURE,
    Results,
)
from riskmodel.scenario import load_scenario_from_dict
from riskmodel.tables import read_table
from riskmodel.world import load_world

PERILS = {
    "name": "Perils only",
    "horizon": {"start_year": 2026, "years": 2},
    "simulation": {"trials": 8192, "seed": 11, "chunk_trials": 4096, "world_model": False},
    "perils": {
        "storm": {
            "frequency": {"distribution": "poisson", "mean": 2.0},
            "severity": {"distribution": "lognormal", "mean_usd_m": 20, "cv": 1.5},
        }
    },
    "portfolio": {
        "name": "Test book",
        "contracts": {
            "storm_xol": {
                "source": "peril:storm",
                "type": "xol",
                "attachment_usd_m": 10,
                "limit_usd_m": 40,
                "participation": 0.5,
                "reinstatements": [{"rate": 1.0}],
                "premium": {"fixed_usd_m": 5},
            },
            "retro": {
                "source": "scheme_reinsurance:pool",
                "type": "quota_share",
                "participation": 0.1,
                "premium": {"fixed_usd_m": 1},
            },
        },
    },
}


@pytest.fixture(scope="module")
def scenario():
    return load_scenario_from_dict(PERILS)


@pytest.fixture(scope="module")
def results(scenario):
    return simulate(scenario, keep_events=True, progress=False)


def save(tmp_path, results, scenario, name="run"):
    identity = store.run_hash(scenario, results.n_trials, results.seed, results.events is not None)
    return tmp_path / name, store.save_run(tmp_path / name, results, scenario, identity=identity)


def test_a_run_on_another_world_is_not_stored(tmp_path, scenario):
    """A run's identity covers the package's files, not a World in memory: `save_run` refuses a run on a
    World of other content, writing nothing (a later batch took it for a run of the package's data); a
    run on a World of the package's content is stored."""
    world = load_world()
    same = simulate(scenario, trials=4096, progress=False, world=world)
    world.zones["pollution_cost_usd_per_t"] *= 10.0
    other = simulate(scenario, trials=4096, progress=False, world=world)
    with pytest.raises(
        ValueError, match=r"'Perils only' ran on another World \(.*world_sha256 [0-9a-f]{64}\)"
    ):
        save(tmp_path, other, scenario, name="other")
    assert not (tmp_path / "other").exists()
    run_dir, manifest = save(tmp_path, same, scenario, name="same")
    assert store.load_manifest(run_dir)["run_hash"] == manifest["run_hash"]


def assert_same_results(a: Results, b: Results) -> None:
    """Every array bit for bit (values and dtypes), and every label."""
    for name in ("scenario_name", "start_year", "n_years", "n_trials", "seed", "class_names", "scheme_ids"):
        assert getattr(a, name) == getattr(b, name), name
    assert a.labels == b.labels and a.notes == b.notes
    assert a.contract_exposure == b.contract_exposure
    pd.testing.assert_frame_equal(a.slots, b.slots)
    assert (a.events is None) == (b.events is None)
    assert a.contracts.keys() == b.contracts.keys()
    pairs = [
        ("year_arrays", a.year_arrays, b.year_arrays),
        ("trial_arrays", a.trial_arrays, b.trial_arrays),
        ("events", a.events or {}, b.events or {}),
        *((f"contract {cid}", a.contracts[cid], b.contracts[cid]) for cid in a.contracts),
    ]
    for where, x, y in pairs:
        assert x.keys() == y.keys(), where
        for k in x:
            assert x[k].dtype == y[k].dtype, (where, k)
            assert np.array_equal(x[k], y[k], equal_nan=True), (where, k)


def test_a_run_folder_round_trips_the_results_exactly(tmp_path, results, scenario):
    run_dir, manifest = save(tmp_path, results, scenario)
    loaded = store.load_results(run_dir)
    assert_same_results(results, loaded)
    assert loaded.provenance == json.loads(json.dumps(results.provenance))
    assert manifest["trials"] == 8192 and manifest["seed"] == 11 and manifest["keep_events"]
    assert manifest["numpy_version"] == np.__version__ and manifest["chunk_trials"] == 4096


def test_the_folder_holds_every_declared_table(tmp_path, results, scenario):
    run_dir, manifest = save(tmp_path, results, scenario)
    expected = {"manifest.json", "results.json", "arrays.npz", "ylt.parquet", "elt.parquet", "alt.csv"}
    expected |= {"ept.csv", "ledger.csv", "sanctions.csv", "summary.md"}
    expected |= {"attritional.parquet", "premium_bases.parquet"}  # (the run kept its events)
    assert {p.name for p in run_dir.iterdir()} == expected
    assert set(manifest["files"]) == expected - {"manifest.json"}
    ylt = read_table("ylt", run_dir / "ylt.parquet")
    assert len(ylt) == 8192 * 2 * 2  # trials × years × contracts (the portfolio is their sum)
    xol = ylt[ylt.contract == "storm_xol"]
    assert np.array_equal(xol["loss"].to_numpy(), results.contracts["storm_xol"]["loss"].ravel())
    assert set(read_table("alt", run_dir / "alt.csv")["contract"]) == {"storm_xol", "retro", "portfolio"}
    ept = read_table("ept", run_dir / "ept.csv")
    assert set(ept["ep_type"]) == {1, 2, 3, 4}
    assert read_table("payer_ledger", run_dir / "ledger.csv")["payer"].tolist() == ["peril:storm"] * 3
    assert "Perils only" in (run_dir / "summary.md").read_text()


def test_the_elt_lists_every_payer_loss_of_every_event(tmp_path, results, scenario):
    """Long form: the losses of a source summed over the ELT equal that source's event column."""
    run_dir, _ = save(tmp_path, results, scenario)
    elt = read_table("elt", run_dir / "elt.parquet")
    assert len(elt) == int((results.events["payer:peril:storm"] != 0).sum())
    assert elt["loss"].sum() == pytest.approx(results.events["payer:peril:storm"].sum(), rel=1e-12)
    assert set(elt["segment"]) == {""}  # perils have no fleet segment


def _at_risk(trials: int) -> dict:
    """PERILS with a second peril whose losses land on `domestic` (domestic insurers of sanctioned states,
    an at-risk source) and `retro` on that column: a perils-only scenario lacks every scheme's."""
    doc = {
        **PERILS,
        "perils": {**PERILS["perils"], "dom": {**PERILS["perils"]["storm"], "source": "domestic"}},
        "simulation": {**PERILS["simulation"], "trials": trials},
    }
    doc["portfolio"] = {**PERILS["portfolio"], "contracts": dict(PERILS["portfolio"]["contracts"])}
    doc["portfolio"]["contracts"]["retro"] = {**doc["portfolio"]["contracts"]["retro"], "source": "domestic"}
    return doc


@pytest.fixture(scope="module")
def at_risk():
    scenario = load_scenario_from_dict(_at_risk(64))
    return scenario, simulate(scenario, progress=False)


def test_sanctions_exposure_counts_contracts_on_at_risk_sources(at_risk, results):
    """retro cedes from domestic insurers of sanctioned states (a peril's losses here): its whole premium
    (1 a year × our 10% line = 0.1) and its limit are exposed; the quota share has no limit, so the exposed
    limit is unbounded. storm_xol's source is not at risk. On a scheme this scenario lacks (PERILS), retro
    is not written: no premium and no limit exposed."""
    t = store.sanctions_frame(at_risk[1]).set_index(["contract", "year"])
    assert t.loc[("retro", 0), "exposed_premium"] == pytest.approx(0.1)
    assert t.loc[("retro", -1), "exposed_premium"] == pytest.approx(0.2)  # horizon: the sum of 2 years
    assert math.isinf(t.loc[("retro", 0), "exposed_limit"])
    assert t.loc[("storm_xol", 0), "exposed_premium"] == 0.0
    assert t.loc[("storm_xol", 0), "exposed_limit"] == 0.0
    assert t.loc[("portfolio", 0), "exposed_premium"] == pytest.approx(0.1)
    unwritten = store.sanctions_frame(results).set_index(["contract", "year"])
    assert unwritten.loc[("retro", 0), ["exposed_premium", "exposed_limit"]].tolist() == [0.0, 0.0]


@pytest.mark.parametrize(
    ("reinstatements", "limit"),
    [([{"rate": 1.0}], 40.0), ([], 20.0), ([{"rate": 1.0}, {"rate": 0.5}], 60.0)],
)
def test_exposed_limit_of_an_xol_is_limit_times_reinstatements_plus_one_times_line(reinstatements, limit):
    """40 xs 10 on an at-risk source, 50% line: (n + 1) × 40 × 0.5 a year with n reinstatements (none:
    the limit once, MODEL.md section 9)."""
    doc = _at_risk(16)
    xol = {
        **doc["portfolio"]["contracts"]["storm_xol"],
        "source": "domestic",
        "reinstatements": reinstatements,
    }
    doc["portfolio"]["contracts"]["storm_xol"] = xol
    r = simulate(load_scenario_from_dict(doc), progress=False)
    assert r.contract_exposure["storm_xol"] == {"share": 1.0, "limit": pytest.approx(limit)}
    t = store.sanctions_frame(r).set_index(["contract", "year"])
    assert t.loc[("storm_xol", 0), "exposed_limit"] == pytest.approx(limit)


def test_results_give_the_stored_sanctions_table_by_calendar_year(tmp_path, at_risk):
    """`Results.sanctions_by_contract(every_contract=True)` is the run folder's sanctions.csv with calendar
    years, before and after a round trip through the store (the exposure of each contract is saved with the
    run); without it, the rows of the contracts that have a figure."""
    scenario, results = at_risk
    run_dir, _ = save(tmp_path, results, scenario)
    saved = json.loads((run_dir / "results.json").read_text())["contract_exposure"]
    assert saved["retro"] == {"share": 1.0, "limit": None}  # unlimited: null, JSON has no infinity
    stored = read_table("sanctions_exposure", run_dir / "sanctions.csv")
    stored["year"] = np.where(stored["year"] == -1, -1, stored["year"] + 2026)
    for r in (results, store.load_results(run_dir)):
        every = r.sanctions_by_contract(every_contract=True)
        pd.testing.assert_frame_equal(every, stored, check_exact=False, rtol=1e-12)
        shown = r.sanctions_by_contract()
        left_out = set(every["contract"]) - set(shown["contract"])
        assert left_out == set(shown.attrs["without_exposure"])
        assert (every[every["contract"].isin(left_out)].drop(columns=["contract", "year"]) == 0).all().all()


def test_results_give_the_stored_tables_as_declared(tmp_path, results, scenario):
    """The run folder's tables and the `Results` frames of the same name are one declaration
    (docs/outputs.md): `ylt()` held a ``portfolio`` row and no ``result`` column, and `alt()`,
    `ep_table()` and `metrics()` had no ``contract`` column though the declarations key them by it. Each
    frame is now the declared table (the EPT with its ``ep_type_name`` beside), with calendar years where
    the files have policy-year indices; the files are unchanged."""
    from riskmodel.tables import conform, spec

    run_dir, _ = save(tmp_path, results, scenario)

    def calendar(frame: pd.DataFrame) -> pd.DataFrame:
        frame["year"] = np.where(frame["year"] == -1, -1, frame["year"] + 2026)
        return frame

    stored = calendar(read_table("ylt", run_dir / "ylt.parquet"))
    pd.testing.assert_frame_equal(results.ylt(), stored, check_exact=True)
    assert set(stored["contract"]) == set(results.contract_ids)
    stored = calendar(read_table("alt", run_dir / "alt.csv"))
    for cid in results.contracts:
        alt = results.alt(cid)
        assert list(alt.columns) == spec("alt").names and (alt["contract"] == cid).all()
        mine = stored[stored["contract"] == cid].reset_index(drop=True)
        pd.testing.assert_frame_equal(alt, mine, check_exact=False, rtol=0, atol=5e-7)  # (CSV: %.6f)
        ept = results.ep_table(cid)
        assert list(ept.columns) == [*spec("ept").names, "ep_type_name"]
        pd.testing.assert_frame_equal(
            conform("ept", ept.drop(columns="ep_type_name")), ept.drop(columns="ep_type_name")
        )
        m = results.metrics(cid)
        assert list(m.columns) == spec("metrics").names and (m["contract"] == cid).all()
        pd.testing.assert_frame_equal(conform("metrics", m), m)


def test_runs_of_an_older_store_format_are_not_read(tmp_path, results, scenario):
    run_dir, manifest = save(tmp_path, results, scenario)
    manifest["store_format"] = store.STORE_FORMAT - 1
    (run_dir / "manifest.json").write_text(json.dumps(manifest))
    assert not store.is_complete(run_dir)
    with pytest.raises(store.IncompleteRunError, match="store format"):
        store.load_results(run_dir)


def test_a_damaged_run_reached_through_a_link_names_the_batch_folder_that_holds_it(
    tmp_path, results, scenario
):
    """The advice to rerun the batch named the folder holding the link (``links``), where `run --out`
    starts another batch beside the link; it names the folder that holds the run itself, as
    `overwrite_problem` does: through a link to the run, and through a link to its batch folder alike."""
    batch_dir = tmp_path / "batch"
    run_dir, _ = save(batch_dir, results, scenario)
    (tmp_path / "links").mkdir()
    to_run, to_batch = tmp_path / "links" / "run", tmp_path / "links" / "batch"
    to_run.symlink_to(run_dir, target_is_directory=True)
    to_batch.symlink_to(batch_dir, target_is_directory=True)
    data = bytearray((run_dir / "elt.parquet").read_bytes())  # (a file `event_inputs` checks too)
    data[len(data) // 2] ^= 0xFF
    (run_dir / "elt.parquet").write_bytes(bytes(data))
    advice = f"rerun its batch (`riskmodel run SCENARIOS --out {batch_dir.resolve()}`)"
    for through in (to_run, to_batch / "run", run_dir):
        error = store.damage_error(through)
        assert isinstance(error, store.CorruptRunError) and advice in error.reason, (through, error)
        with pytest.raises(store.IncompleteRunError) as raised:
            store.event_inputs(through)
        assert advice in raised.value.reason and str(tmp_path / "links") + "`" not in raised.value.reason


def test_an_unfinished_run_reached_through_a_link_names_the_batch_folder_that_holds_it(
    tmp_path, results, scenario
):
    """The advice of a run folder without a manifest named the folder holding the link, as the damaged
    run's did (above)."""
    batch_dir = tmp_path / "batch"
    run_dir, _ = save(batch_dir, results, scenario)
    (run_dir / "manifest.json").unlink()
    (tmp_path / "links").mkdir()
    (tmp_path / "links" / "run").symlink_to(run_dir, target_is_directory=True)
    with pytest.raises(store.IncompleteRunError) as raised:
        store.load_manifest(tmp_path / "links" / "run")
    assert f"--out {batch_dir.resolve()}`" in raised.value.reason, raised.value.reason


def test_a_failed_save_leaves_no_manifest_and_no_temporary_file(tmp_path, results, scenario, monkeypatch):
    """A second save into a finished folder fails half-way: the old manifest went first, so the folder
    is incomplete (redone by the next batch), and no temporary file is left behind."""
    run_dir, manifest = save(tmp_path, results, scenario)
    assert store.is_complete(run_dir, manifest["run_hash"])

    def broken(name, df, path):
        raise OSError("disk full")

    monkeypatch.setattr(store, "write_table", broken)
    with pytest.raises(OSError, match="disk full"):
        save(tmp_path, results, scenario)
    assert not (run_dir / "manifest.json").exists()
    assert not store.is_complete(run_dir, manifest["run_hash"])
    assert not [p for p in run_dir.iterdir() if p.name.endswith(".tmp")]
    with pytest.raises(store.IncompleteRunError, match="rerun the batch"):
        store.load_results(run_dir)


def test_temporary_files_of_dead_processes_are_cleaned(tmp_path):
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    dead = run_dir / ".ylt.parquet.999999999.tmp"  # no process has this id
    alive = run_dir / f".alt.csv.{os.getppid()}.tmp"  # our parent is alive: maybe still writing
    kept = run_dir / "alt.csv"
    for p in (dead, alive, kept):
        p.write_text("x")
    assert store.clean_temporaries(tmp_path) == [dead]
    assert alive.exists() and kept.exists()


def test_the_run_identity_ignores_the_chunk_size_only(scenario):
    h = store.run_hash(scenario, 8192, 11, False)
    bigger_chunks = scenario.model_copy(
        update={"simulation": scenario.simulation.model_copy(update={"chunk_trials": 8192})}
    )
    assert store.run_hash(bigger_chunks, 8192, 11, False) == h
    assert store.run_hash(scenario, 8192, 12, False) != h
    assert store.run_hash(scenario, 4096, 11, False) != h
    assert store.run_hash(scenario, 8192, 11, True) != h


def test_the_manifest_is_the_last_file_written(tmp_path, results, scenario, monkeypatch):
    order = []
    real = store.atomic_write

    def spy(path, write):
        order.append(os.path.basename(path))
        return real(path, write)

    monkeypatch.setattr(store, "atomic_write", spy)
    save(tmp_path, results, scenario)
    assert order[-1] == "manifest.json"
    assert order.count("manifest.json") == 1


def test_summary_md_says_how_the_run_was_cut_and_where_it_ran(results):
    """The chunks the run was actually cut into (a chunk size larger than the run is one chunk of the
    run's trials) and the executor in words; the manifest's names ("in-process", "process-pool(2)") were
    printed as they were: "chunks of 16,384 trials on in-process" for an 8,192-trial run."""
    md = store.summary_markdown(results, {"chunk_trials": 4096, "executor": "in-process"})
    assert "seed 11, run in 2 chunks of 4,096 trials, in one process; riskmodel" in md
    md = store.summary_markdown(results, {"chunk_trials": 16384, "executor": "process-pool(2)"})
    assert "seed 11, run in one chunk of 8,192 trials, on a pool of 2 worker processes; riskmodel" in md
    assert "16,384" not in md and "process-pool" not in md
    assert "seed 11; riskmodel" in store.summary_markdown(results, {})


def test_summary_md_names_the_basis_of_its_rows(results):
    """The contracts' rows are the reinsurer's share, the payers' the whole market at 100%: a sentence
    says so, each payer row's unit says so, and so does the heading of the who-pays table."""
    md = store.summary_markdown(results, {})
    assert BASIS in md
    assert f"| storm_xol: ceded loss | {LOSS_UNIT} |" in md and f"| payer peril:storm | {MARKET_UNIT} |" in md
    assert LOSS_UNIT == "USD m a year (reinsurer's share)" and MARKET_UNIT == "USD m a year (market, 100%)"
    assert "## Who pays (the whole market at 100%: mean annual amount, USD m)" in md


def test_summary_md_shows_every_payer_that_pays_and_names_those_that_never_do():
    """The who-pays table stopped at 12 payers without a word: rv_pool's own payers (``scheme:rv_pool``,
    ``scheme_reinsurance:rv_pool``) were the 21st and 22nd of 23 and were left out. Every payer that pays
    is now shown, in the ledger's order; one that never pays in the run is named below the table, with
    the file that holds the whole ledger. A synthetic run of 17 payers: payer k pays k + 1 in every
    trial-year, except ``never_pays``, 0."""
    from dataclasses import replace

    from test_plots import synthetic_results

    r = synthetic_results(n_trials=20, n_years=2)
    shape = next(iter(r.year_arrays.values())).shape[:2]
    payers = {f"payer:p{k:02d}": np.full(shape, k + 1.0) for k in range(16)}
    payers["payer:never_pays"] = np.zeros(shape)
    keep = {k: v for k, v in r.year_arrays.items() if not k.startswith("payer:")}
    r = replace(r, year_arrays={**keep, **payers})
    md = store.summary_markdown(r, {})
    who = md.split("## Who pays", 1)[1].split("\n## ", 1)[0]
    rows = [line.split(" | ")[0].lstrip("| ") for line in who.splitlines() if line.startswith("| p")]
    assert rows[1:] == [f"p{k:02d}" for k in reversed(range(16))]  # (after the header's "payer")
    assert "| p00 | 1.000 | 1.000 | 1.000 |" in who
    assert "never_pays" not in rows
    assert "Paid nothing in any trial-year: never_pays (ledger.csv holds every payer)." in who


def test_summary_md_and_the_terminal_word_a_full_limit_1_in_200(tmp_path):
    """A layer of 40 at 50% without reinstatements loses its full limit, 20, in a fifth of the policy
    years: its 1-in-200 is 20 in each year, with an error of float noise (9e-16). summary.md and the
    terminal printed "20.000 | 0.000" with the unit "USD m in every year", read as 20 lost every year by
    a figure the same in every trial; they give the report page's words (`display.point_mass_words`): the
    full limit, and the share of policy years that reach it. The summary's unit (`SAME_EACH_YEAR_UNIT`)
    and note say so too; its note, without the terms' limit, names the most one event ceded."""
    from riskmodel.cli.run import _headline

    doc = {**PERILS, "simulation": {**PERILS["simulation"], "trials": 4096}}
    xol = {k: v for k, v in PERILS["portfolio"]["contracts"]["storm_xol"].items() if k != "reinstatements"}
    doc["portfolio"] = {"name": "Test book", "contracts": {"storm_xol": xol}}
    scenario = load_scenario_from_dict(doc)
    results = simulate(scenario, progress=False)
    run_dir, _ = save(tmp_path, results, scenario)
    tail = results.summary().loc["storm_xol: 1-in-200 annual loss"]
    assert tail["mean"] == pytest.approx(20.0) and tail["year_basis"] == EVERY_YEAR_ALIKE
    share = float((results.contracts["storm_xol"]["loss"] >= 20.0 - 1e-9).mean())
    assert 0.1 < share < 0.5  # (not the same in every trial)
    assert tail["unit"] == SAME_EACH_YEAR_UNIT
    assert (
        tail["note"]
        == f"the full limit of one event (the most any event ceded), reached in {share:.1%} of policy years"
    )
    words = f"none: the full limit, reached in {share:.1%} of policy years"
    md = (run_dir / "summary.md").read_text()
    assert f"| storm_xol: 1-in-200 annual loss | {SAME_EACH_YEAR_UNIT} | 20.000 | {words} | yes |" in md
    assert "in every year" not in md and "| 20.000 | 0.000 |" not in md
    headline = _headline(results, store.load_manifest(run_dir))
    assert headline.loc["portfolio: 1-in-200 annual loss", "unit"] == SAME_EACH_YEAR_UNIT
    assert headline.loc["portfolio: 1-in-200 annual loss", "s.e."].startswith("none: the full limit")
    # the 1-in-200 with the policy years pooled is the same limit, of all the policy years (the share above)
    pooled = "storm_xol: 1-in-200 annual loss (policy years pooled)"
    assert f"| {pooled} | {POOLED_TAIL_UNIT} | 20.000 | {words} | yes |" in md
    pooled = "portfolio: 1-in-200 annual loss (policy years pooled)"
    assert headline.loc[pooled, "unit"] == POOLED_TAIL_UNIT
    assert headline.loc[pooled, "s.e."] == headline.loc["portfolio: 1-in-200 annual loss", "s.e."]


def test_summary_md_says_a_premium_includes_its_reinstatement_premium(results):
    """storm_xol earns reinstatement premiums (one reinstatement at 100%): its premium row, 5 × 0.5 = 2.5
    stated and more with the reinstatements, read as the premium alone; the report shows the two apart.
    The unit of each premium row says what it holds."""
    md = store.summary_markdown(results, {})
    mean = results.summary().loc["storm_xol: premium", "mean"]
    assert mean > 2.5 and f"| storm_xol: premium | {PREMIUM_UNIT} | {mean:.3f} |" in md
    assert f"| portfolio: premium | {PREMIUM_UNIT} |" in md and "reinstatement premium" in PREMIUM_UNIT


def _market_run(name: str, ig_gt: float, seed: int = 5) -> Results:
    """Two trials, two policy years, with the world model's bases and tanker tonnage by P&I class: IG
    tankers `ig_gt` million GT (and 1,080 of non-tanker entries in ``base:ig_entered_gt``), GXL premium
    base 900 − (300 − ig_gt), hull base 450 + trial noise (1 and −1), 40 million GT with no P&I."""
    shape = (2, 2)
    tonnage = np.zeros((*shape, 2))
    tonnage[..., 0], tonnage[..., 1] = ig_gt * 1e6, 40e6
    noise = np.array([[1.0, 1.0], [-1.0, -1.0]])
    year = {
        "base:ig_gxl_premium": np.full(shape, 900.0 - (300.0 - ig_gt)),
        "base:ig_entered_gt": np.full(shape, (1080.0 + ig_gt) * 1e6),
        "base:hm_western_premium": 450.0 + noise,
        "tonnage_gt": tonnage,
    }
    return Results(name, 2026, 2, 2, seed, {}, year, {}, ("ig", "none"), (), pd.DataFrame())


def test_summary_md_shows_the_tonnage_and_premium_leaving_the_ig():
    """A block of its own: the IG GXL premium base, the IG-entered GT, the Western hull premium base and
    the tanker tonnage by P&I class, each labelled as of tankers only or of every IG-entered ship, and,
    for a run that carries its baseline, the difference from it with its paired error. Hand-computed: 10
    million GT of IG tankers leave (300 → 290), so the GXL base falls 10 and the IG-entered GT 10
    (1,380 → 1,370); the hull base is 450 ± 1 (trials 451 and 449: SD √2, s.e. 1) and the same in both
    runs (difference 0, no error)."""
    scenario, base = _market_run("crackdown", 290.0), _market_run("baseline", 300.0)
    md = store.summary_markdown(scenario, {"baseline": {"run": "baseline"}})
    assert "## Tonnage and premium leaving the IG (the whole market at 100%)" in md
    assert "difference from baseline" not in md  # (no baseline carried: the run's own figures)
    scenario.baseline = base
    md = store.summary_markdown(scenario, {"baseline": {"run": "baseline"}})
    rows = {line.split(" | ")[0].lstrip("| "): line for line in md.splitlines() if line.startswith("| ")}
    gxl = rows["IG GXL premium base (the GXL programme's cost), all IG-entered ships"]
    assert gxl.endswith(f"| {MARKET_UNIT} | 890.000 | -10.000 ± 0.000 |")
    gt = rows["IG-entered tonnage, all IG-entered ships (tankers and non-tanker entries)"]
    assert gt.endswith("| million GT | 1,370.000 | -10.000 ± 0.000 |")
    hull = rows["Western hull premium base, tankers only (with IG or fixed-premium P&I)"]
    assert hull.endswith(f"| {MARKET_UNIT} | 450.000 ± 1.000 | 0.000 ± 0.000 |")
    assert rows["tanker tonnage with P&I class ig, tankers only"].endswith("| 290.000 | -10.000 ± 0.000 |")
    assert rows["tanker tonnage with P&I class none, tankers only"].endswith("| 40.000 | 0.000 ± 0.000 |")
    assert "| figure | unit | annual average | difference from baseline |" in md


def test_the_ig_block_notes_an_error_that_rests_on_one_trial():
    """The block's cells carry the one-trial note of the summary and the comparison, by their rule (more
    than half of the variance, from 1,000 trials). Hand-computed: 1,000 trials of one policy year, the
    Western hull premium base 450 in each but trial 7 of the scenario, 1,450: mean 451; deviations 999 ×
    (−1) and one 999, sum of squares 999 × 1,000, sample variance 1,000, s.e. √(1,000 / 1,000) = 1; that
    trial holds 999² / 999,000 = 99.9% of the variance; without it 450 ± 0 (a difference of 0 ± 0). The
    baseline, the same in every trial, has no note."""
    from riskmodel.ig_exit import ig_exit_table
    from riskmodel.results import Comparison

    def run(name: str, bump: float) -> Results:
        hull = np.full((1000, 1), 450.0)
        hull[7, 0] += bump
        return Results(
            name, 2026, 1, 1000, 5, {}, {"base:hm_western_premium": hull}, {}, (), (), pd.DataFrame()
        )

    scenario, base = run("crackdown", 1000.0), run("baseline", 0.0)
    note = "one trial holds 100% of its variance; without it:"
    [row] = ig_exit_table(scenario, Comparison(scenario, base).table(), "baseline").to_dict("records")
    assert row["annual average"] == f"451.000 ± 1.000 ({note} 450.000 ± 0.000)"
    assert row["difference from baseline"] == f"+1.000 ± 1.000 ({note} 0.000 ± 0.000)"
    md = store.summary_markdown(scenario, {"baseline": {"run": "baseline"}}, base)
    assert f"| 451.000 ± 1.000 ({note} 450.000 ± 0.000) | +1.000 ± 1.000 ({note} 0.000 ± 0.000) |" in md
    [row] = ig_exit_table(base, Comparison(base, base).table(), "baseline").to_dict("records")
    assert row["annual average"] == "450.000" and row["difference from baseline"] == "0.000 ± 0.000"


def test_summary_md_gives_the_portfolios_tvar(results):
    """The portfolio's TVaR 99.5% annual loss is a row of summary.md beside the 1-in-200, of its basis
    (`metrics.worst_year` of the TVaR). In this book every trial beyond the VaR loses the storm layer's
    whole aggregate (40 xs 10 at 50%, one reinstatement: 2 × 20 = 40) in every policy year: a point mass,
    whose error of 0 (float noise) is worded as the 1-in-200's is, with the share of policy years that
    reach it, not "0.000" (a figure the same in every trial)."""
    from riskmodel import metrics

    loss = results.losses("portfolio")
    tvar = metrics.worst_year(loss, 0.995, "tvar")
    assert tvar.value == pytest.approx(40.0) and tvar.every_year and tvar.se < 1e-12  # (float noise)
    md = store.summary_markdown(results, {})
    line = next(x for x in md.splitlines() if x.startswith(f"| portfolio: {TVAR_FIGURE} |"))
    share = (loss >= 40.0 * (1 - 1e-9)).mean()
    assert line == (
        f"| portfolio: {TVAR_FIGURE} | {SAME_EACH_YEAR_UNIT} | 40.000 | none: a point mass, reached in "
        f"{100 * share:.1f}% of policy years | yes |"
    )


# ------------------------------------------------------------------------------------- the store's lock
HOLD_LOCK = (
    "import sys; from riskmodel import store\n"
    "with store.store_lock(sys.argv[1]):\n"
    "    print('held', flush=True); sys.stdin.read()\n"
)
#: A process that locks a folder's lock file the way `store_lock` does but writes nothing in it (yet).
HOLD_SILENT_LOCK = (
    "import fcntl, os, sys\n"
    "os.makedirs(sys.argv[1], exist_ok=True)\n"
    "fd = os.open(os.path.join(sys.argv[1], '.lock'), os.O_RDWR | os.O_CREAT, 0o644)\n"
    "fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)\n"
    "print('held', flush=True); sys.stdin.read()\n"
)


@contextlib.contextmanager
def child_holding(out: Path, script: str = HOLD_LOCK) -> Iterator[subprocess.Popen[str]]:
    """A child process running `script` on `out`, once it says it holds the lock (stopped at the end)."""
    child = subprocess.Popen(
        [sys.executable, "-c", script, str(out)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    try:
        assert child.stdout.readline() == "held\n"
        yield child
    finally:
        with contextlib.suppress(BrokenPipeError):
            child.stdin.close()
        child.wait(timeout=30)


@pytest.fixture
def held_lock(tmp_path):
    """A batch folder whose lock a live child process holds (until the test ends); yields (folder, pid)."""
    out = tmp_path / "held"
    with child_holding(out) as child:
        yield out, child.pid


@contextlib.contextmanager
def thread_holding(folder: Path) -> Iterator[threading.Thread]:
    """Another thread of this process holding `store_lock(folder)` until the block ends."""
    held, done = threading.Event(), threading.Event()
    failed: list[BaseException] = []

    def hold() -> None:
        try:
            with store.store_lock(folder):
                held.set()
                done.wait(30)
        except BaseException as exc:  # (reported by the test's thread)
            failed.append(exc)
            held.set()

    thread = threading.Thread(target=hold)
    thread.start()
    try:
        assert held.wait(30)
        if failed:
            raise failed[0]
        yield thread
    finally:
        done.set()
        thread.join(30)


def test_a_folder_locked_by_a_live_process_is_refused_naming_the_holder(held_lock, scenario):
    import platform

    from riskmodel import batch

    out, pid = held_lock
    holder = json.loads((out / store.LOCK).read_text())
    assert holder["pid"] == pid and holder["host"] == platform.node() and holder["command"]
    spec = batch.make_spec("run", scenario, None)
    with pytest.raises(store.StoreLockedError) as err:
        batch.run_batch([spec], out, progress=False, echo=None)
    text = str(err.value)
    assert text.startswith(f"{out}: ")
    for part in (f"pid {pid}", f"on {platform.node()}", f"since {holder['started']}", "another folder"):
        assert part in text, part
    assert (
        f"delete {out / store.LOCK}" not in text and "nothing to delete" in text
    )  # (it ends with its process)
    assert err.value.folder == out and err.value.holder["pid"] == pid
    assert not (out / "run").exists()  # refused before any work
    assert json.loads((out / store.LOCK).read_text()) == holder  # and the holder's lock is left alone


def test_a_locked_folder_leaves_other_folders_and_readers_alone(held_lock, tmp_path, results, scenario):
    out, _ = held_lock
    with store.store_lock(tmp_path / "other") as lock:  # another folder: its own lock
        assert lock == tmp_path / "other" / store.LOCK and json.loads(lock.read_text())["pid"] == os.getpid()
    assert lock.read_text() == ""  # (freed: emptied, never removed)
    save(out, results, scenario)  # (a run beside the lock: readers list the folder)
    assert store.clean_temporaries(out) == []
    assert (out / store.LOCK).is_file()
    assert store.overwrite_problem(out / "table.csv") is None
    from riskmodel.report import find_runs

    assert find_runs(out) == ([out / "run"], [])


def test_a_lock_whose_holder_was_killed_is_taken_over_and_said(tmp_path):
    """SIGKILL leaves the holder no chance to free its lock: the kernel frees it, the file still names
    the holder, and the next `store_lock` takes it over at once, saying whose it was."""
    out = tmp_path / "out"
    with child_holding(out) as child:
        holder = json.loads((out / store.LOCK).read_text())
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
        assert json.loads((out / store.LOCK).read_text()) == holder  # (left as it was)
    said: list[str] = []
    with store.store_lock(out, say=said.append):
        assert json.loads((out / store.LOCK).read_text())["pid"] == os.getpid()
    assert said == [
        f"{out}: took over the lock of pid {child.pid} on this host (since {holder['started']}: "
        f"{holder['command']}), which is no longer running"
    ]
    assert (out / store.LOCK).read_text() == ""
    assert [p.name for p in out.iterdir()] == [store.LOCK]


def test_a_lock_file_naming_a_running_process_is_no_lock_unless_held(tmp_path):
    """Only the kernel's lock counts, not the pid written in the file: one that names a running process
    (this one's parent, a pid reused, a process of another host or container) but that nobody holds is
    taken over; so is a file that is no lock riskmodel wrote, without a note."""
    out = tmp_path / "out"
    out.mkdir()
    other = {
        "pid": os.getppid(),
        "host": "elsewhere.example",
        "command": "riskmodel run x",
        "started": "then",
    }
    (out / store.LOCK).write_text(json.dumps(other))
    said: list[str] = []
    with store.store_lock(out, say=said.append):
        pass
    assert len(said) == 1 and f"took over the lock of pid {os.getppid()} on elsewhere.example" in said[0]
    (out / store.LOCK).write_text("not json")
    with store.store_lock(out, say=said.append):
        assert json.loads((out / store.LOCK).read_text())["pid"] == os.getpid()
    assert len(said) == 1


def test_a_lock_held_before_its_holder_wrote_itself_in_is_refused_all_the_same(tmp_path):
    out = tmp_path / "out"
    with child_holding(out, HOLD_SILENT_LOCK):
        with pytest.raises(store.StoreLockedError) as err, store.store_lock(out):
            pass
        assert "held by another process, its details not yet written" in str(err.value)
        assert err.value.holder == {} and "another folder" in str(err.value)
        assert (out / store.LOCK).read_text() == ""
    with store.store_lock(out):  # (freed when that process ended)
        pass


def test_another_thread_of_this_process_is_refused_until_the_holder_releases(tmp_path):
    """The holding thread may take the lock again; another thread of the same process may not (the
    kernel's lock belongs to an open file, not a process), and takes it once the first has let go."""
    out = tmp_path / "out"
    with thread_holding(out) as holder:
        with pytest.raises(store.StoreLockedError) as err, store.store_lock(out):
            pass
        assert f"pid {os.getpid()} on " in str(err.value)
        assert json.loads((out / store.LOCK).read_text())["pid"] == os.getpid()  # (still the thread's)
    assert not holder.is_alive()
    with store.store_lock(out):
        assert json.loads((out / store.LOCK).read_text())["pid"] == os.getpid()
    assert (out / store.LOCK).read_text() == ""


def test_the_lock_is_released_on_an_exception_and_taken_again_within_the_thread(tmp_path):
    out = tmp_path / "out"
    with pytest.raises(KeyboardInterrupt), store.store_lock(out):
        with store.store_lock(out):  # (the same thread again: `run` holds it around `run_batch`)
            pass
        mine = json.loads((out / store.LOCK).read_text())  # (the inner one leaves it to the outer)
        with pytest.raises(store.StoreLockedError), thread_holding(out):
            pass
        raise KeyboardInterrupt
    assert mine["pid"] == os.getpid()
    assert (out / store.LOCK).read_text() == ""
    with thread_holding(out):  # (freed: another thread takes it)
        pass


def test_a_symlinked_folder_shares_the_lock_of_the_folder_it_points_to(tmp_path):
    real = tmp_path / "real"
    real.mkdir()
    link = tmp_path / "link"
    link.symlink_to(real)
    with store.store_lock(link) as lock:
        assert lock == link / store.LOCK and (real / store.LOCK).is_file()
        with store.store_lock(real):  # (the same folder again, by its own name: the same thread's lock)
            pass
        assert json.loads((real / store.LOCK).read_text())["pid"] == os.getpid()
        with pytest.raises(store.StoreLockedError), thread_holding(real):
            pass
    with store.store_lock(real), pytest.raises(store.StoreLockedError), thread_holding(link):
        pass


def test_a_forked_child_holds_none_of_its_parents_locks(tmp_path):
    """A pool's worker forked while the batch holds the lock: to it the folder is another's (it cannot
    write runs there), and its copy of the lock's descriptor is closed."""
    out = tmp_path / "out"
    with store.store_lock(out):
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # (the child: report and leave at once)
            try:
                with store.store_lock(out):
                    verdict = b"taken"
            except store.StoreLockedError:
                verdict = b"refused"
            except BaseException:
                verdict = b"error"
            os.write(write, verdict)
            os._exit(0)
        os.close(write)
        os.waitpid(pid, 0)
        with os.fdopen(read, "rb") as f:
            assert f.read() == b"refused"
        assert json.loads((out / store.LOCK).read_text())["pid"] == os.getpid()  # (the child left it alone)
    assert (out / store.LOCK).read_text() == ""


def test_a_folder_whose_lock_cannot_be_taken_is_an_error_naming_it(tmp_path, scenario):
    """A lock file that cannot be opened for writing (here a folder in its place, which fails even for
    root; a read-only store fails the same way) is `StoreLockedError` naming the folder and the cause,
    also through `run_batch`, not a bare OSError."""
    from riskmodel import batch

    out = tmp_path / "out"
    (out / store.LOCK).mkdir(parents=True)
    with pytest.raises(store.StoreLockedError) as err:
        batch.run_batch([batch.make_spec("run", scenario, None)], out, progress=False, echo=None)
    assert str(err.value).startswith(f"{out}: cannot take its lock {out / store.LOCK} (Is a directory)")
    assert "--out" in str(err.value) and not (out / "run").exists()
    (tmp_path / "f").write_text("a file, not a folder")
    with (
        pytest.raises(store.StoreLockedError, match="cannot take its lock"),
        store.store_lock(tmp_path / "f"),
    ):
        pass
