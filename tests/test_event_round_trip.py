"""A run folder's event loss table given back to `riskmodel apply-terms` reproduces the run.

A run that keeps its events writes `elt.parquet` (with each event's sanctions flags), its attritional
losses and its premium bases (docs/outputs.md). `riskmodel apply-terms --events <run folder>` reads the
three with the run's trials and years; with the run's own portfolio the year loss table it writes is the
run's, value for value. That makes a stored run a base for terms what-ifs without simulating again.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import riskmodel as rm
from riskmodel.scenario import load_portfolio, load_scenario, with_overrides
from riskmodel.store import run_hash, save_run

TRIALS, SEED = 512, 3
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
    a sanctions clause (`rv_pool_retro`) that blocks payments on the designated scheme's reinsurer."""
    code, out, err = run_cli(
        "apply-terms", "--events", run_dir, "--portfolio", PORTFOLIO, "--out", tmp_path, "--format", "parquet"
    )
    assert code == 0, err
    assert f"{TRIALS} trials x 2 years" in out
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


def test_a_run_folder_sets_its_own_trials_and_needs_its_events(run_dir: Path, tmp_path: Path, run_cli):
    manifest = json.loads((run_dir / "manifest.json").read_text())
    code, _, err = run_cli(
        "apply-terms", "--events", run_dir, "--portfolio", PORTFOLIO, "--out", tmp_path, "--trials", 100
    )
    assert code == 2
    assert f"--trials 100 differs from the run's {manifest['trials']}: a run folder sets its own" in err
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
    res = apply_terms_to_file(events, contracts, tmp_path / "out").results
    np.testing.assert_allclose(res["own"].loss, [[0.0]])
    np.testing.assert_allclose(res["own"].blocked_permanent, [[10.0]])
    np.testing.assert_allclose(res["fund"].loss, [[30.0]])
    np.testing.assert_allclose(res["fund"].blocked_permanent, [[0.0]])
