"""`riskmodel sweep --each` and `--joiners`: one key at a time from the scenario as written, each key's
swing with its paired error, the one-trial note, the tornado chart, and bad input (exit 2)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from perils_book import BASE, write

from riskmodel import batch, plots, store
from riskmodel.results import Results
from riskmodel.scenario import ScenarioError, load_scenario

SEVERITY = "perils.storm.severity.mean_usd_m"
LIMIT = "portfolio.contracts.storm_xol.limit_usd_m"


@pytest.fixture
def base(tmp_path) -> Path:
    return write(tmp_path / "scenarios", "base.yaml", BASE)


@pytest.fixture
def small_pool(tmp_path, scenarios_dir) -> Path:
    """rv_pool.yaml over two policy years with two of its candidates, IRN and CUB (the others removed)."""
    candidates = yaml.safe_load((scenarios_dir / "rv_pool.yaml").read_text())["schemes"]["rv_pool"][
        "candidates"
    ]
    doc = {
        "name": "small pool",
        "extends": str(scenarios_dir / "rv_pool.yaml"),
        "horizon": {"years": 2},
        "schemes": {"rv_pool": {"candidates": {c: None for c in candidates if c not in ("IRN", "CUB")}}},
    }
    return write(tmp_path / "scenarios", "small_pool.yaml", doc)


def per_trial_loss(run_dir: Path) -> np.ndarray:
    """Each trial's mean annual ceded loss of the portfolio, read back from a stored run."""
    return store.load_results(run_dir).contracts["portfolio"]["loss"].mean(axis=1)


def paired(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """Mean of a − b and its standard error, computed here from the trials: sd(a − b) / √n."""
    d = a - b
    return float(d.mean()), float(d.std(ddof=1) / math.sqrt(d.size))


# ---------------------------------------------------------------------------------------------- points
def test_the_points_are_the_scenario_as_written_then_one_per_value_of_each_key(base):
    scenario = load_scenario(base)
    specs = batch.each_specs(scenario, base, [(SEVERITY, [20, 30]), (LIMIT, [20, 40, 60])], trials=4096)
    assert [s.name for s in specs] == [
        "000_reference",
        "001_mean_usd_m=20",
        "002_mean_usd_m=30",
        "003_limit_usd_m=20",
        "004_limit_usd_m=40",
        "005_limit_usd_m=60",
    ]
    assert [s.overrides for s in specs] == [
        {},
        {SEVERITY: 20},
        {SEVERITY: 30},
        {LIMIT: 20},
        {LIMIT: 40},
        {LIMIT: 60},
    ]
    assert specs[0].scenario.perils["storm"] == scenario.perils["storm"]
    assert specs[0].identity == batch.make_spec("x", scenario, base, trials=4096).identity
    # only its own key changes at a point: the limit's points keep the scenario's severity
    assert {s.scenario.perils["storm"].severity.mean_usd_m for s in specs[3:]} == {20}
    assert [s.scenario.portfolio.contracts["storm_xol"].limit_usd_m for s in specs[3:]] == [20, 40, 60]
    assert {(s.trials, s.seed) for s in specs} == {(4096, 7)}


def test_each_refuses_what_a_grid_refuses_and_validates_every_point_first(base):
    scenario = load_scenario(base)
    with pytest.raises(ScenarioError, match="each PATH may be swept once"):
        batch.each_specs(scenario, None, [(LIMIT, [20]), (LIMIT, [40])])
    with pytest.raises(ScenarioError, match="lies inside portfolio"):
        batch.each_specs(scenario, None, [("portfolio", [None]), (LIMIT, [40])])
    with pytest.raises(ScenarioError) as err:
        batch.each_specs(scenario, None, [(SEVERITY, [-1, 20]), (LIMIT, [40, -5])])
    assert len(err.value.problems) == 2  # both bad values, none of the good ones


def test_a_key_the_scenario_leaves_unset_says_so():
    """A path with no value in the scenario (null or absent) is shown as such, not as NaN."""
    scenario = load_scenario("scenarios/rv_pool.yaml")
    assert batch.own_value(scenario, "schemes.rv_pool.class_factor") == batch.NOT_SET
    assert batch.own_value(scenario, "schemes.rv_pool.nothing.here") == batch.NOT_SET
    assert batch.own_value(scenario, "schemes.rv_pool.capital_usd_m") == 1000
    assert batch.own_value(scenario, "schemes.rv_pool.founders.1") == "VEN"


# ------------------------------------------------------------------------------------------------ runs
def test_each_from_the_command_line_its_reference_its_equal_value_and_its_swing(base, tmp_path, run_cli):
    """The severity's own value (20) reproduces the reference: its differences are exactly 0 with an error
    of exactly 0. Each key's swing is its last value's point − its first's, as computed here from the
    two stored runs' trials; the limit's one value (40, its own) swings from the reference. A second
    command finds every point up to date."""
    out = tmp_path / "each"
    argv = ("sweep", base, "--each", "--set", f"{SEVERITY}=20,30", "--set", f"{LIMIT}=40")
    argv += ("--metrics", "aal", "premium", "var99", "--workers", 1, "--trials", 4096, "--out", out)
    code, printed, _ = run_cli(*argv)
    assert code == 0
    table = pd.read_csv(out / "sweep.csv", keep_default_na=False)
    assert table["run"].tolist() == [
        "000_reference",
        "001_mean_usd_m=20",
        "002_mean_usd_m=30",
        "003_limit_usd_m=40",
    ]
    assert table[SEVERITY].tolist() == [20, 20, 30, 20]  # the scenario's own where a point does not set it
    assert table[LIMIT].tolist() == [40, 40, 40, 40]
    same = table.iloc[1]
    for m in ("aal:portfolio", "premium:portfolio"):
        assert same[f"{m}_delta"] == 0.0 and same[f"{m}_delta_se"] == 0.0
        assert same[m] == table.loc[0, m] and same[f"{m}_se"] == table.loc[0, m + "_se"]
    assert same["var99:portfolio"] == table.loc[0, "var99:portfolio"]
    assert table["aal:portfolio_delta"][2] > 0  # storms half as large again cede more
    assert (table["note"] == "").all()  # (4,096 trials, no trial holding half of a difference's variance)

    swing = pd.read_csv(out / "swing.csv", keep_default_na=False)
    assert swing.columns.tolist() == [
        "key", "from", "to", "from_run", "to_run", "aal:portfolio_swing", "aal:portfolio_swing_se",
        "premium:portfolio_swing", "premium:portfolio_swing_se", "note",
    ]  # fmt: skip
    assert swing["key"].tolist() == [SEVERITY, LIMIT]  # the severity swings the loss most: first
    row = swing.iloc[0]
    assert (row["from"], row["to"], row["from_run"], row["to_run"]) == (
        20,
        30,
        "001_mean_usd_m=20",
        "002_mean_usd_m=30",
    )
    mean, se = paired(per_trial_loss(out / "002_mean_usd_m=30"), per_trial_loss(out / "001_mean_usd_m=20"))
    assert row["aal:portfolio_swing"] == pytest.approx(mean, rel=1e-9)
    assert row["aal:portfolio_swing_se"] == pytest.approx(se, rel=1e-9)
    assert row["aal:portfolio_swing"] == pytest.approx(
        table["aal:portfolio"][2] - table["aal:portfolio"][1], rel=1e-9
    )
    assert row["premium:portfolio_swing"] == 0.0 and row["premium:portfolio_swing_se"] == 0.0  # fixed premium
    limit = swing.iloc[1]
    assert (limit["from_run"], limit["to_run"], limit["from"], limit["to"]) == (
        "000_reference",
        "003_limit_usd_m=40",
        40,
        40,
    )
    assert limit["aal:portfolio_swing"] == 0.0 and limit["aal:portfolio_swing_se"] == 0.0
    assert "_delta = difference from the reference (000_reference" in printed and "mean_usd_m=30" in printed

    code, _, err = run_cli(*argv)
    assert code == 0 and err.count("up to date") == 4
    assert pd.read_csv(out / "swing.csv", keep_default_na=False).equals(swing)


def test_joiners_sweep_each_candidate_never_and_from_the_start(small_pool, tmp_path, run_cli):
    """`--joiners rv_pool` sweeps IRN and CUB (file order): at "p_join 1" the state is a member in every
    trial from the scheme's start year (2026, the first policy year: join year index 0), at "p_join 0"
    in none; its swing is the member point − the never point, trial by trial. A key the scenario leaves
    unset (the scheme's class_factor) says so at the points that do not set it."""
    out = tmp_path / "joiners"
    code, _, err = run_cli(
        "sweep", small_pool, "--joiners", "rv_pool", "--set", "schemes.rv_pool.class_factor=1.2",
        "--metrics", "payer:uncompensated", "aal", "--trials", 300, "--workers", 1, "--out", out,
    )  # fmt: skip
    assert code == 0, err
    table = pd.read_csv(out / "sweep.csv", keep_default_na=False)
    irn, cub = "schemes.rv_pool.candidates.IRN", "schemes.rv_pool.candidates.CUB"
    assert len(table) == 6 and table[irn][0] == "{p_join: 0.6, by_year: 2030}"
    assert table[irn].tolist()[1:3] == ["{p_join: 0, by_year: 2026}", "{p_join: 1, by_year: 2026}"]
    assert table["schemes.rv_pool.class_factor"].tolist() == [batch.NOT_SET] * 5 + ["1.2"]
    runs = table["run"].tolist()
    for state, never, member in (("IRN", runs[1], runs[2]), ("CUB", runs[3], runs[4])):
        joined = store.load_results(out / member).members(year=2026)[("rv_pool", state)]
        assert (
            joined.all()
            and not store.load_results(out / never).members(year=2026 + 1)[("rv_pool", state)].any()
        )
    results = store.load_results(out / runs[2])
    slot = results.slots.index[(results.slots["state"] == "IRN").to_numpy()][0]
    assert (results.trial_arrays["join_year"][:, slot] == 0).all()

    swing = pd.read_csv(out / "swing.csv", keep_default_na=False).set_index("key")
    assert set(swing.index) == {irn, cub, "schemes.rv_pool.class_factor"}
    size = swing["payer:uncompensated_swing"].abs().tolist()
    assert size == sorted(size, reverse=True)  # tornado order
    # each trial's mean annual amount, from the stored year arrays (trials × policy years)
    uncompensated = {
        r: store.load_results(out / r).year_arrays["payer:uncompensated"].mean(axis=1) for r in runs
    }
    mean, se = paired(uncompensated[runs[2]], uncompensated[runs[1]])
    assert swing.loc[irn, "payer:uncompensated_swing"] == pytest.approx(mean, rel=1e-9, abs=1e-12)
    assert swing.loc[irn, "payer:uncompensated_swing_se"] == pytest.approx(se, rel=1e-9, abs=1e-12)


def test_joiners_expand_to_every_candidate_in_file_order_without_their_delays(scenarios_dir):
    """Every candidate of the scheme, in the file's order; the member profile drops an earliest year and
    conditions (brics_scheme.yaml: CHN not before 2028, IND only with CHN), so the state is a member from
    the scheme's start in every trial."""
    for name in ("rv_pool.yaml", "brics_scheme.yaml"):
        doc = yaml.safe_load((scenarios_dir / name).read_text())
        scenario = load_scenario(scenarios_dir / name)
        (scheme,) = scenario.schemes
        sets = batch.joiner_sets(scenario, scheme)
        listed = list(doc["schemes"][scheme]["candidates"])
        assert [p for p, _ in sets] == [f"schemes.{scheme}.candidates.{c}" for c in listed]
        specs = batch.each_specs(scenario, None, sets)
        assert len(specs) == 1 + 2 * len(listed)
        start = scenario.schemes[scheme].start_year
        for spec in specs[2::2]:  # (the member points)
            (path,) = spec.overrides
            candidate = spec.scenario.schemes[scheme].candidates[path.rsplit(".", 1)[-1]]
            assert (candidate.p_join, candidate.by_year, candidate.earliest_year, candidate.conditions) == (
                1,
                start,
                None,
                [],
            )
    brics = load_scenario(scenarios_dir / "brics_scheme.yaml")
    assert brics.schemes["brics_re"].candidates["IND"].conditions == ["CHN"]  # (what the test relies on)


# ------------------------------------------------------------------------------------------------ note
def synthetic(name: str, per_trial: np.ndarray) -> Results:
    """A run of one policy year whose portfolio cedes `per_trial` (one value a trial) for a fixed premium."""
    n = per_trial.size
    fields = {
        "loss": per_trial[:, None],
        "premium": np.full((n, 1), 2.0),
        "reinstatement_premium": np.zeros((n, 1)),
    }
    return Results(name, 2026, 1, n, 1, {"portfolio": fields}, {}, {}, (), (), pd.DataFrame())


def test_one_trial_holding_most_of_a_differences_variance_is_noted(base):
    """Points of 2,000 trials: the reference loses 1 or 2 a trial; point 1 adds 0.01 in every trial but
    one, which adds 50 (that trial's share of the differences' variance: about 99.9%); point 2 adds 0.01
    or 0.02 alternately (no trial dominates). The note names the first's delta and swing, not the
    second's, and not the fixed premium (no variance)."""
    specs = batch.each_specs(load_scenario(base), None, [(LIMIT, [20, 60])])
    table = batch.SweepTable(specs, ["aal", "premium"])
    ref = np.tile([1.0, 2.0], 1000)
    spike = ref + 0.01
    spike[7] += 50.0
    table(specs[0], synthetic("ref", ref))
    table(specs[1], synthetic("spike", spike))
    table(specs[2], synthetic("even", ref + np.tile([0.01, 0.02], 1000)))
    notes = table.frame()["note"].tolist()
    assert notes[0] == "" and notes[2] == ""
    assert notes[1].startswith(
        "aal:portfolio_delta: one trial holds 100% of its variance; without it: 0.010 ±"
    )
    (swing,) = table.swing().to_dict("records")  # last − first: the even point − the spiked one
    assert swing["note"].startswith("aal:portfolio_swing: one trial holds 100% of its variance")
    assert swing["aal:portfolio_swing"] == pytest.approx((ref + 0.015).mean() - spike.mean(), rel=1e-12)
    assert swing["premium:portfolio_swing"] == 0.0 and swing["premium:portfolio_swing_se"] == 0.0


def test_a_grid_has_no_swing(base):
    specs = batch.sweep_specs(load_scenario(base), None, [(LIMIT, [20, 60])])
    with pytest.raises(ValueError, match="a grid sweep"):
        batch.SweepTable(specs, ["aal"]).swing()


# ------------------------------------------------------------------------------------------------ plot
def test_the_tornado_draws_each_swing_largest_on_top_with_its_error_bar():
    swing = pd.DataFrame(
        {
            "key": ["a.IRN", "a.CUB", "a.BLR"],
            "from": [0, 0, 0],
            "to": [1, 1, 1],
            "aal:portfolio_swing": [-3.0, 1.0, 2.0],
            "aal:portfolio_swing_se": [0.5, 0.1, math.inf],
        }
    )
    ax = plots.plot_swing(swing, "aal:portfolio")
    bars = sorted(ax.patches, key=lambda b: b.get_y())
    assert [b.get_width() for b in bars] == [1.0, 2.0, -3.0]  # bottom to top: the largest on top
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == ["CUB (0 → 1)", "BLR (0 → 1) (no error bar: s.e. ∞ or none)", "IRN (0 → 1)"]
    (segments,) = [c for c in ax.collections if len(c.get_segments()) == 3]
    widths = [s[1][0] - s[0][0] for s in segments.get_segments()]
    assert widths == pytest.approx([2 * 1.96 * 0.1, 0.0, 2 * 1.96 * 0.5])
    assert "USD m a year" in ax.get_xlabel() and "aal:portfolio" in ax.get_xlabel()
    plots.close(ax)
    with pytest.raises(KeyError, match="it has: aal:portfolio"):
        plots.plot_swing(swing, "premium")


# ------------------------------------------------------------------------------------------- bad input
def test_bad_input_exits_2_saying_what_is_wrong_and_what_is_allowed(base, small_pool, tmp_path, run_cli):
    out = tmp_path / "bad"
    code, _, err = run_cli("sweep", small_pool, "--joiners", "nopool", "--out", out)
    assert code == 2
    assert (
        f"{small_pool}: schemes.nopool: no scheme 'nopool' to sweep the candidates of (--joiners; "
        "schemes: rv_pool)" in err
    )
    code, _, err = run_cli("sweep", base, "--each", "--out", out)
    assert code == 2
    assert (
        "--set: no key to sweep: --each sweeps the --set keys one at a time: give at least one --set" in err
    )
    code, _, err = run_cli("sweep", base, "--out", out)
    assert code == 2 and "no key to sweep: give at least one --set PATH=V1,V2,..." in err
    code, _, err = run_cli(
        "sweep",
        small_pool,
        "--joiners",
        "rv_pool",
        "--set",
        "schemes.rv_pool.candidates.IRN.p_join=0.2",
        "--out",
        out,
    )
    assert code == 2
    assert (
        "--set: schemes.rv_pool.candidates.IRN.p_join: sets a candidate of rv_pool, whose candidates "
        "--joiners rv_pool sweeps" in err
    )
    code, _, err = run_cli("sweep", base, "--joiners", "rv_pool", "--out", out)
    assert code == 2 and "schemes: none" in err
    assert not out.exists()
