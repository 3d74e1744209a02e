"""A run folder's event loss table given back to `riskmodel apply-terms` reproduces the run.

A run that keeps its events writes `elt.parquet` (with each event's sanctions flags), its attritional
losses and its premium bases (docs/outputs.md). `riskmodel apply-terms --events <run folder>` reads the
three with the run's trials and years; with the run's own portfolio the year loss table it writes is the
run's, value for value. That makes a stored run a base for terms what-ifs without simulating again.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import riskmodel as rm
from riskmodel.scenario import load_portfolio, load_scenario, with_overrides
from riskmodel.store import run_hash, save_run

TRIALS, SEED = 4608, 3  # (more than one 4,096-trial block: the join of blocks is covered)
PORTFOLIO = Path("scenarios/portfolios/example_reinsurer.yaml")


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """rv_pool over two years, events kept, saved as a run folder."""
    scenario = with_overrides(load_scenario("scenarios/rv_pool.yaml"), {"horizon.years": 2})
    assert scenario.portfolio == load_portfolio(PORTFOLIO)  # (the file the command is given)
    results = rm.simulate(scenario, trials=TRIALS, seed=SEED, keep_events=True, progress=False)
    folder = tmp_path_factory.mktemp("runs") / "rv_pool"
    save_run(folder, results, scenario, identity=run_hash(scenario, TRIALS, SEED, True))
    return folder


def test_apply_terms_on_a_run_folder_gives_back_its_year_loss_table(run_dir: Path, tmp_path: Path, run_cli):
    """Every contract's ceded loss, premium, reinstatement premium, largest event and sanctions blocks
    equal the run's. The run has all of it: attritional losses under the GXL layers, rated premiums, and
    a sanctions clause (`rv_pool_retro`) that blocks payments on the scheme's reinsurer, which the EU
    lists (`listed_by`): the run folder brings the listing, so every retro claim is blocked again."""
    code, out, err = run_cli(
        "apply-terms", "--events", run_dir, "--portfolio", PORTFOLIO, "--out", tmp_path, "--format", "parquet"
    )
    assert code == 0, err
    assert f"{TRIALS:,} trials x 2 years".replace(",", "") in out.replace(",", "")
    assert "note:" not in err  # (a run folder's own bases and sources are not "unused")
    mine = pd.read_parquet(tmp_path / "ylt.parquet").set_index(["trial", "year", "contract"]).sort_index()
    run = pd.read_parquet(run_dir / "ylt.parquet").set_index(["trial", "year", "contract"]).sort_index()
    assert list(mine.columns) == list(run.columns)
    pd.testing.assert_frame_equal(mine, run.loc[mine.index], check_exact=False, rtol=1e-12, atol=1e-12)
    # (the run's ylt lists each contract in every trial-year: nothing is left out of the comparison)
    assert len(mine) == len(run)
    # what the comparison covers: attritional losses, a permanent block and rated premiums
    assert pd.read_parquet(run_dir / "attritional.parquet")["amount"].sum() > 0
    assert run.xs("rv_pool_retro", level="contract")["blocked_permanent"].sum() > 0
    assert run.xs("gxl_layer1", level="contract")["premium"].nunique() > 1


def test_the_event_table_keeps_each_events_sanctions_flags(run_dir: Path):
    """`elt.parquet` flags the events of designated tankers: every source of an event carries its flags,
    and without them the retro clause would block nothing."""
    elt = pd.read_parquet(run_dir / "elt.parquet")
    flags = ["licensed", "sanctioned_EU", "sanctioned_UK", "sanctioned_US"]
    per_event = elt.groupby("event")[flags].nunique()
    assert (per_event == 1).all().all()
    retro = elt[elt["source"] == "scheme_reinsurance:rv_pool"]
    assert retro["sanctioned_EU"].any() and not retro["sanctioned_EU"].all()


def test_other_terms_on_a_run_folder_give_what_a_run_with_them_gives(run_dir: Path, tmp_path: Path):
    """The what-if the round trip is for: other contract terms on the stored run equal a new run with
    them at the same seed (the same events), contract by contract: a layer moved up, a sanctions clause
    taken off, a quota share rated on the scheme's premium base (the others stay as they were)."""
    from riskmodel.reinsurance.event_files import apply_terms_to_run

    scenario = with_overrides(load_scenario("scenarios/rv_pool.yaml"), {"horizon.years": 2})
    changed = with_overrides(
        scenario,
        {
            "portfolio.contracts.tanker_hull_xol.attachment_usd_m": 3.0,
            "portfolio.contracts.rv_pool_retro.sanctions_clause": False,
            "portfolio.contracts.scheme_qs": {
                "source": "scheme:rv_pool",
                "type": "quota_share",
                "participation": 0.1,
                "premium": {"rate_on_base": 0.2, "base": "scheme_premium:rv_pool"},
            },
        },
    )
    again = rm.simulate(changed, trials=TRIALS, seed=SEED, progress=False)
    mine = apply_terms_to_run(run_dir, changed.portfolio, tmp_path / "out", fmt="parquet").results
    for cid in ("tanker_hull_xol", "rv_pool_retro", "scheme_qs"):
        for f in ("loss", "premium", "reinstatement_premium", "blocked_permanent", "max_event_loss"):
            np.testing.assert_allclose(getattr(mine[cid], f), again.contracts[cid][f], rtol=1e-12, atol=1e-12)
    assert (
        again.contracts["scheme_qs"]["loss"].sum() > 0 and again.contracts["rv_pool_retro"]["loss"].sum() > 0
    )


def test_an_xol_below_the_runs_materiality_is_refused(run_dir: Path, tmp_path: Path):
    """The run's table holds events of USD 5m or more: the hull XoL (cedant share 0.08) attaching at 0.3
    instead of 1.5 would miss the layer losses of smaller events (0.08 × 5 = 0.4), so it is refused, as
    a scenario would refuse it."""
    from riskmodel.reinsurance.event_files import EventFileError, apply_terms_to_run

    text = PORTFOLIO.read_text(encoding="utf-8")
    assert text.count("attachment_usd_m: 1.5\n") == 1
    low = tmp_path / "low.yaml"
    low.write_text(text.replace("attachment_usd_m: 1.5\n", "attachment_usd_m: 0.3\n"), encoding="utf-8")
    with pytest.raises(EventFileError) as caught:
        apply_terms_to_run(run_dir, low, tmp_path / "out")
    # the portfolio file and the key path, as `riskmodel validate` names them (the file was "portfolio")
    assert str(caught.value).startswith(
        f"{low}: contracts.tanker_hull_xol.attachment_usd_m: attachment 0.3 must be at least 0.4"
    )
    # (the file's 1.5 passes: the round trip above applies it); a quota share's per-event limit likewise
    qs = tmp_path / "qs.yaml"
    qs.write_text(
        "name: qs\ncontracts:\n  owner_qs:\n    source: owner\n    type: quota_share\n    limit_usd_m: 1\n",
        encoding="utf-8",
    )
    with pytest.raises(EventFileError) as caught:
        apply_terms_to_run(run_dir, qs, tmp_path / "out_qs")
    assert str(caught.value).startswith(
        f"{qs}: contracts.owner_qs.limit_usd_m: limit 1 must be at least 5 for a quota share's per-event "
        "limit"
    )


def test_a_run_folder_brings_its_own_inputs_and_needs_its_events(run_dir: Path, tmp_path: Path, run_cli):
    code, _, err = run_cli(
        "apply-terms",
        "--events",
        run_dir,
        "--portfolio",
        PORTFOLIO,
        "--out",
        tmp_path,
        "--trials",
        100,
        "--attritional",
        run_dir / "attritional.parquet",
    )
    assert code == 2
    assert (
        "a run folder brings its own premium bases, attritional losses, trials and years: leave out " in err
    )
    assert "--attritional, --trials" in err
    # its event table given as a file: a note says what is left behind
    code, _, err = run_cli(
        "apply-terms",
        "--events",
        run_dir / "elt.parquet",
        "--portfolio",
        PORTFOLIO,
        "--out",
        tmp_path / "f",
        "--premium-base",
        run_dir / "premium_bases.parquet",
    )
    assert code == 0 and f"is a run folder's event table: give the folder (--events {run_dir})" in err
    # a run folder whose name ends in .parquet is still a run folder, not a parquet dataset
    import shutil

    named = tmp_path / "rv_pool.parquet"
    shutil.copytree(run_dir, named)
    code, _, err = run_cli(
        "apply-terms", "--events", named, "--portfolio", PORTFOLIO, "--out", tmp_path / "n"
    )
    assert code == 0, err
    # a run without its events
    scenario = with_overrides(load_scenario("scenarios/baseline.yaml"), {"horizon.years": 1})
    bare = tmp_path / "bare"
    save_run(bare, rm.simulate(scenario, trials=8, seed=1, progress=False), scenario, identity="x")
    code, _, err = run_cli("apply-terms", "--events", bare, "--portfolio", PORTFOLIO, "--out", tmp_path / "o")
    assert code == 2
    assert "this run did not keep its events" in err and "--keep-events" in err
    assert "Traceback" not in err


def test_a_damaged_run_folder_is_refused(run_dir: Path, tmp_path: Path, run_cli):
    """A file changed since the run wrote it (same size) is not read as the run's."""
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(run_dir, copy)
    path = copy / "attritional.parquet"
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    code, _, err = run_cli("apply-terms", "--events", copy, "--portfolio", PORTFOLIO, "--out", tmp_path / "o")
    assert code == 2
    assert "attritional.parquet has changed since it was written" in err


def test_a_files_sanctions_flags_mark_the_tanker_not_third_parties(tmp_path: Path):
    """An event file flagged for the EU: a clause answering to the EU blocks the tanker's own insurer's
    payment (`owner` here) but not what the 1992 Fund pays the claimants, as in the world model
    (`payers.THIRD_PARTY_SOURCES`, docs/model.md D10)."""
    from riskmodel.reinsurance.event_files import apply_terms_to_file
    from riskmodel.reinsurance.terms import ContractTerms

    events = tmp_path / "events.csv"
    events.write_text(
        "trial,year,time,source,loss,licensed,sanctioned_EU\n"
        "0,0,0.5,owner,10,false,true\n"
        "0,0,0.5,fund_1992,30,false,true\n"
    )
    terms = dict(kind="quota_share", sanctions_clause=True, reinsurer_bloc="EU")
    contracts = [
        ContractTerms(id="own", sources=("owner",), **terms),
        ContractTerms(id="fund", sources=("fund_1992",), **terms),
    ]
    result = apply_terms_to_file(events, contracts, tmp_path / "out")
    res = result.results
    assert any(n.startswith("contract 'fund': 1 flagged loss on fund_1992") for n in result.notes)
    assert not any(n.startswith("contract 'own'") for n in result.notes)
    np.testing.assert_allclose(res["own"].loss, [[0.0]])
    np.testing.assert_allclose(res["own"].blocked_permanent, [[10.0]])
    np.testing.assert_allclose(res["fund"].loss, [[30.0]])
    np.testing.assert_allclose(res["fund"].blocked_permanent, [[0.0]])


def test_a_peril_on_a_schemes_source_is_flagged_when_the_scheme_is_designated():
    """spill_stress's peril lands on the scheme's reinsurer: each of its events is flagged for exactly
    the blocs that designated the scheme that trial-year (as the scheme's own tankers' events are), and a
    block of it is licensed with the scenario's licence probability (Binomial, within 4 SE). The same
    events and flags whatever the chunk size."""
    scenario = with_overrides(load_scenario("scenarios/spill_stress.yaml"), {"horizon.years": 2})
    results = rm.simulate(scenario, trials=8192, seed=2, keep_events=True, progress=False, chunk_trials=8192)
    ev = results.events
    loss = ev["payer:scheme_reinsurance:rv_pool"]
    peril = (ev["type"] == -1) & (loss > 0) & (ev["damage"] == loss)
    trial, year = ev["trial"][peril], ev["year"][peril]
    assert peril.sum() > 500
    for bloc in ("EU", "UK", "US"):
        designated = results.year_arrays[f"scheme_designated:rv_pool:{bloc}"][trial, year] > 0
        np.testing.assert_array_equal(ev[f"sanctioned_{bloc}"][peril], designated)
    p = scenario.sanctions.licence_probability
    n = int(peril.sum())
    assert abs(ev["licensed"][peril].mean() - p) < 4 * np.sqrt(p * (1 - p) / n)
    other = rm.simulate(scenario, trials=8192, seed=2, keep_events=True, progress=False, chunk_trials=4096)
    for k in ("trial", "time", "licensed", "sanctioned_EU", "payer:scheme_reinsurance:rv_pool"):
        np.testing.assert_array_equal(other.events[k], ev[k])


def test_a_run_without_a_contracts_sources_gives_back_its_year_loss_table(tmp_path: Path):
    """The baseline has no RV pool, so the retro line on its reinsurer is not written there (no premium):
    apply-terms on the baseline's folder with the same portfolio says so and gives back the run's year
    loss table, that contract's zero premium included."""
    from riskmodel.reinsurance.event_files import apply_terms_to_run

    scenario = with_overrides(load_scenario("scenarios/baseline.yaml"), {"horizon.years": 2})
    results = rm.simulate(scenario, trials=512, seed=SEED, keep_events=True, progress=False)
    folder = tmp_path / "baseline"
    save_run(folder, results, scenario, identity=run_hash(scenario, 512, SEED, True))
    mine = apply_terms_to_run(folder, PORTFOLIO, tmp_path / "out", fmt="parquet")
    assert any("rv_pool_retro" in n and "earns no premium" in n for n in mine.notes)
    for cid, arrays in results.contracts.items():
        if cid == "portfolio":
            continue
        for f in ("loss", "premium", "reinstatement_premium", "blocked_permanent", "max_event_loss"):
            np.testing.assert_allclose(getattr(mine.results[cid], f), arrays[f], rtol=1e-12, atol=1e-12)
    assert not results.contracts["rv_pool_retro"]["premium"].any()


def test_a_run_of_another_model_version_is_re_priced_with_a_note(run_dir: Path, tmp_path: Path):
    """A run folder computed by another version of the model (its digest differs) is re-priced, and the
    note says that its own portfolio may not give back its year loss table (this version's rules for
    contract terms apply); the run of this version has no such note."""
    import json
    import shutil

    from riskmodel.reinsurance.event_files import apply_terms_to_run
    from riskmodel.store import MANIFEST

    same = apply_terms_to_run(run_dir, PORTFOLIO, tmp_path / "same", fmt="parquet")
    assert not [n for n in same.notes if "another version" in n]
    old = tmp_path / "old"
    shutil.copytree(run_dir, old)
    manifest = json.loads((old / MANIFEST).read_text())
    (old / MANIFEST).write_text(json.dumps({**manifest, "model_digest": "an older model"}))
    notes = apply_terms_to_run(old, PORTFOLIO, tmp_path / "out", fmt="parquet").notes
    assert [n for n in notes if "computed by another version of the model" in n]
