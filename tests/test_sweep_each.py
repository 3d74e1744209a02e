"""`riskmodel sweep --each` and `--joiners`: one key at a time from the scenario as written, each key's
swing with its paired error, the one-trial note, the tornado chart, and bad input (exit 2)."""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from perils_book import BASE, write

from riskmodel import batch, plots, store
from riskmodel.results import Results
from riskmodel.scenario import ScenarioError, load_scenario, load_scenario_from_dict

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
    """The severity is swept to 15 and 30 (the scenario's own is 20, so its swing, 30's point − 15's,
    is not 30's difference from the reference); the limit's one value, 40, is its own and reproduces the
    reference: its differences are exactly 0 with an error of exactly 0, and its swing (from the
    reference) too. Each swing is computed here from the two stored runs' trials. A second command finds
    every point up to date."""
    out = tmp_path / "each"
    argv = ("sweep", base, "--each", "--set", f"{SEVERITY}=15,30", "--set", f"{LIMIT}=40")
    argv += ("--metrics", "aal", "premium", "var99", "--workers", 1, "--trials", 4096, "--out", out)
    code, printed, _ = run_cli(*argv)
    assert code == 0
    table = pd.read_csv(out / "sweep.csv", keep_default_na=False)
    assert table["run"].tolist() == [
        "000_reference",
        "001_mean_usd_m=15",
        "002_mean_usd_m=30",
        "003_limit_usd_m=40",
    ]
    assert table[SEVERITY].tolist() == [20, 15, 30, 20]  # the scenario's own where a point does not set it
    assert table[LIMIT].tolist() == [40, 40, 40, 40]
    same = table.iloc[3]
    for m in ("aal:portfolio", "premium:portfolio"):
        assert same[f"{m}_delta"] == 0.0 and same[f"{m}_delta_se"] == 0.0
        assert same[m] == table.loc[0, m] and same[f"{m}_se"] == table.loc[0, m + "_se"]
    assert same["var99:portfolio"] == table.loc[0, "var99:portfolio"]
    assert table["aal:portfolio_delta"][1] < 0 < table["aal:portfolio_delta"][2]  # smaller storms cede less
    assert (table["note"] == "").all()  # (4,096 trials, no trial holding half of a difference's variance)

    swing = pd.read_csv(out / "swing.csv", keep_default_na=False)
    assert swing.columns.tolist() == [
        "key", "from", "to", "from_value", "to_value", "from_run", "to_run", "aal:portfolio_swing",
        "aal:portfolio_swing_se", "premium:portfolio_swing", "premium:portfolio_swing_se", "note",
    ]  # fmt: skip
    assert swing["key"].tolist() == [SEVERITY, LIMIT]  # the severity swings the loss most: first
    row = swing.iloc[0]
    assert (row["from"], row["to"], row["from_run"], row["to_run"]) == (
        15,
        30,
        "001_mean_usd_m=15",
        "002_mean_usd_m=30",
    )
    mean, se = paired(per_trial_loss(out / "002_mean_usd_m=30"), per_trial_loss(out / "001_mean_usd_m=15"))
    assert row["aal:portfolio_swing"] == pytest.approx(mean, rel=1e-9)
    assert row["aal:portfolio_swing_se"] == pytest.approx(se, rel=1e-9)
    assert row["aal:portfolio_swing"] == pytest.approx(
        table["aal:portfolio"][2] - table["aal:portfolio"][1], rel=1e-9
    )
    # last − first, not last − the reference (which would be 30's delta)
    assert row["aal:portfolio_swing"] > table["aal:portfolio_delta"][2] * 1.01
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
    argv = ("sweep", small_pool, "--joiners", "rv_pool", "--set", "schemes.rv_pool.class_factor=1.2")
    argv += ("--metrics", "payer:uncompensated", "aal", "--trials", 300, "--workers", 1, "--out", out)
    code, printed, err = run_cli(*argv)
    assert code == 0, err
    # under the swing table: what a state's swing measures, and (300 trials) that one trial's share of a
    # difference's variance is not judged
    from riskmodel.cli.sweep import JOINER_READING

    assert f"note: {JOINER_READING}" in printed
    assert "note: below 1,000 trials the note column does not say where one trial" in printed
    table = pd.read_csv(out / "sweep.csv", keep_default_na=False)
    irn, cub = "schemes.rv_pool.candidates.IRN", "schemes.rv_pool.candidates.CUB"
    runs = table["run"].tolist()
    assert runs == [
        "000_reference",
        "001_IRN=never",
        "002_IRN=member",
        "003_CUB=never",
        "004_CUB=member",
        "005_class_factor=1.2",
    ]
    # the CSV keeps each value whole: the scenario's own entry with its rationale, then the two profiles
    own = str(load_scenario(small_pool).schemes["rv_pool"].candidates["IRN"].model_dump())
    assert table[irn][0] == own and "Kish P&I" in own
    assert table[irn].tolist()[1:3] == ["{'p_join': 0, 'by_year': 2026}", "{'p_join': 1, 'by_year': 2026}"]
    assert table["schemes.rv_pool.class_factor"].tolist() == [batch.NOT_SET] * 5 + ["1.2"]
    # the terminal's set column and swing table word the profiles
    assert "IRN=never" in printed and "IRN=member from 2026" in printed
    assert re.search(r"\nIRN +never +member from 2026 ", printed)
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
    assert (swing.loc[irn, "from"], swing.loc[irn, "to"]) == ("never", "member from 2026")
    assert swing.loc[irn, "to_value"] == "{'p_join': 1, 'by_year': 2026}"
    assert (swing["note"] == "").all()  # (no other scheme lists IRN or CUB: a member in every trial)


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
    assert "last value − its first (of one value: − the reference)" in ax.get_xlabel()
    plots.close(ax)
    # two schemes' capital_usd_m: named whole, as the terminal's swing table names them; a swing of
    # points that could not be paired has its label and no bar
    two = pd.DataFrame(
        {
            "key": ["schemes.a.capital_usd_m", "schemes.b.capital_usd_m", "simulation.trials"],
            "from": [1, 1, 128],
            "to": [2, 2, 256],
            "aal:portfolio_swing": [1.0, 2.0, math.nan],
            "aal:portfolio_swing_se": [0.1, 0.1, math.nan],
        }
    )
    ax = plots.plot_swing(two, "aal:portfolio")
    assert [t.get_text() for t in ax.get_yticklabels()] == [
        "trials (128 → 256) (not paired: no swing)",
        "schemes.a.capital_usd_m (1 → 2)",
        "schemes.b.capital_usd_m (1 → 2)",
    ]
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
    for path, words in (
        ("schemes", "sets all of schemes, the candidates of rv_pool among it"),
        ("schemes.rv_pool", "sets all of schemes.rv_pool, the candidates of rv_pool among it"),
        ("schemes.rv_pool.candidates", "sets the candidates of rv_pool, whose candidates --joiners rv_pool"),
    ):
        code, _, err = run_cli(
            "sweep", small_pool, "--joiners", "rv_pool", "--set", f"{path}=null", "--out", out
        )
        assert code == 2 and f"--set: {path}: {words}" in err, err
    # a scheme without candidates: named, with the scenario's schemes
    left = {c: None for c in load_scenario(small_pool).schemes["rv_pool"].candidates}  # (IRN, CUB)
    doc = {"name": "no candidates", "extends": str(small_pool), "schemes": {"rv_pool": {"candidates": left}}}
    bare = write(tmp_path / "scenarios", "bare.yaml", doc)
    code, _, err = run_cli("sweep", bare, "--joiners", "rv_pool", "--out", out)
    assert code == 2
    assert (
        "schemes.rv_pool.candidates: has no candidate states for --joiners to sweep (its founders are "
        "members throughout; schemes: rv_pool; with candidates: none)" in err
    ), err
    assert not out.exists()


# ----------------------------------------------------------------------------------- values and pairing
def synthetic_for(spec: batch.RunSpec, per_trial: np.ndarray | None = None) -> Results:
    """`synthetic` results of the spec's trial count: 1 or 2 a trial, alternately, unless `per_trial`."""
    return synthetic(
        spec.name, np.tile([1.0, 2.0], spec.trials)[: spec.trials] if per_trial is None else per_trial
    )


def test_the_csvs_keep_each_swept_value_whole_and_the_terminal_a_short_one():
    """Two entries of IRN that differ only past the 60th character, and one whose rationale (free text
    with spaces) is all that tells it from the profile before it: sweep.csv and swing.csv keep each whole
    (`str`, as a grid's columns), so no two points read the same; the terminal's cells (`shown`) are
    short."""
    scenario = load_scenario("scenarios/rv_pool.yaml")
    path = "schemes.rv_pool.candidates.IRN"
    long = "x" * 70
    values = [
        {"p_join": 0.2, "by_year": 2030, "rationale": long + "a"},
        {"p_join": 0.2, "by_year": 2030, "rationale": long + "b"},
        {"p_join": 0.2, "by_year": 2030, "rationale": "An ally of both founders."},
    ]
    specs = batch.each_specs(scenario, None, [(path, values)], trials=64)
    table = batch.SweepTable(specs, ["aal"])
    for spec in specs:
        table(spec, synthetic_for(spec))
    column = table.frame()[path].tolist()
    assert column[1:] == [str(v) for v in values]
    assert len(set(column)) == 4
    assert "rationale" in column[0] and "Kish P&I" in column[0]  # the scenario's own entry, whole
    (swing,) = table.swing().to_dict("records")
    assert (swing["from_value"], swing["to_value"]) == (str(values[0]), str(values[2]))
    assert swing["to"] == "{p_join: 0.2, by_year: 2030}" and len(swing["from"]) == 60  # (the terminal's)


def test_points_of_other_trials_or_horizons_are_not_paired_and_other_seeds_are_said():
    """The base scenario runs 8,192 trials with seed 7 over 2026-2027. Against it (and key by key): 128 and
    256 trials share no trial i, so neither a delta nor the swing is computed, and the note says why; a
    horizon of 3 years averages other years: no delta, no swing; seeds 1 and 2 are differenced (an
    independent-runs s.e.) with a note; a horizon of 2 years is the reference's own: paired, no note.
    The terminal writes the swing it lacks as "–"."""
    from riskmodel.cli.sweep import swing_view

    sets = [("simulation.trials", [128, 256]), ("simulation.seed", [1, 2]), ("horizon.years", [2, 3])]
    specs = batch.each_specs(load_scenario_from_dict(BASE), None, sets)
    table = batch.SweepTable(specs, ["aal"])
    for spec in specs:
        table(spec, synthetic_for(spec))
    frame = table.frame().set_index("run")
    notes = frame["note"].to_dict()
    assert notes["001_trials=128"] == "trials differ (8,192 vs 128): not paired"
    assert notes["003_seed=1"].startswith("seeds differ (7 vs 1): the points do not share random numbers")
    assert notes["005_years=2"] == ""
    assert notes["006_years=3"] == "horizons differ (2026-2027 vs 2026-2028): not paired"
    delta = frame["aal:portfolio_delta"]
    assert delta.isna().to_dict() == {
        "000_reference": False,
        "001_trials=128": True,
        "002_trials=256": True,
        "003_seed=1": False,
        "004_seed=2": False,
        "005_years=2": False,
        "006_years=3": True,
    }
    swing = table.swing().set_index("key")
    assert swing.loc["simulation.trials", "note"] == "trials differ (128 vs 256): not paired"
    assert swing.loc["horizon.years", "note"] == "horizons differ (2026-2027 vs 2026-2028): not paired"
    assert swing.loc["simulation.seed", "note"].startswith("seeds differ (1 vs 2)")
    assert swing["aal:portfolio_swing"].isna().to_dict() == {
        "simulation.seed": False,
        "simulation.trials": True,
        "horizon.years": True,
    }  # (in tornado order: the ones that could not be computed last)
    shown = swing_view(table.swing(), ["aal:portfolio"], table.paths).set_index("key")
    assert shown.loc["trials", ["aal:portfolio_swing", "aal:portfolio_swing_se"]].tolist() == ["–", "–"]
    assert "NaN" not in shown.to_string() and "nan" not in shown.to_string()

    grid = batch.sweep_specs(load_scenario_from_dict(BASE), None, [("horizon.years", [1, 2])])
    table = batch.SweepTable(grid, ["aal"])
    for spec in grid:
        table(spec, synthetic_for(spec))
    frame = table.frame()
    assert math.isnan(frame["aal:portfolio_delta"][1])
    assert frame["note"].tolist() == ["", "horizons differ (2026 vs 2026-2027): not paired"]


# ------------------------------------------------------------------------------- a state of two schemes
def two_schemes(scenarios_dir: Path) -> dict:
    """rv_pool (from 2027, its one candidate IRN) and a rival listing IRN too, from 2026 (founded by
    CHN), with IRN's join probability 0.5 by 2026: over 2026-2027, the rival takes IRN in 2026 in about
    half the trials, before rv_pool starts."""
    candidates = yaml.safe_load((scenarios_dir / "rv_pool.yaml").read_text())["schemes"]["rv_pool"][
        "candidates"
    ]
    return {
        "name": "two schemes",
        "extends": str(scenarios_dir / "rv_pool.yaml"),
        "horizon": {"years": 2},
        "schemes": {
            "rv_pool": {"start_year": 2027, "candidates": {c: None for c in candidates if c != "IRN"}},
            "rival": {
                "name": "A rival scheme",
                "founders": ["CHN"],
                "start_year": 2026,
                "candidates": {"IRN": {"p_join": 0.5, "by_year": 2026}},
                "capital_usd_m": 500,
                "per_event_limit_usd_m": 100,
                "uptake": {"share": 0.2},
            },
        },
    }


def test_a_joiner_another_scheme_takes_first_is_named_and_its_member_share_given(
    scenarios_dir, tmp_path, run_cli
):
    """IRN's member point of rv_pool (a member from 2027) has it a member of rv_pool only in the trials
    where the rival did not take it in 2026: the command names the rival before it runs, and the sweep
    table's note and the swing's give the count of trials, as the stored member run's join years show."""
    doc = two_schemes(scenarios_dir)
    assert batch.joiner_rivals(load_scenario_from_dict(doc), "rv_pool") == {"IRN": ["rival"]}
    file = write(tmp_path / "scenarios", "two.yaml", doc)
    out = tmp_path / "two"
    argv = ("sweep", file, "--joiners", "rv_pool", "--metrics", "aal", "--trials", 200, "--workers", 1)
    code, _, err = run_cli(*argv, "--out", out)
    assert code == 0, err
    assert "note: IRN is also listed by rival; a state joins one scheme only" in err
    member = store.load_results(out / "002_IRN=member").members(year=2027)[("rv_pool", "IRN")]
    n = int(member.sum())
    assert 50 < n < 150  # (about half of 200)
    said = f"IRN a member of rv_pool from 2027 in {n} of 200 trials ({n / 200:.1%}): a state joins one scheme"
    table = pd.read_csv(out / "sweep.csv", keep_default_na=False).set_index("run")
    assert (
        table.loc["002_IRN=member", "note"].startswith(said)
        and "rival took it first" in table.loc["002_IRN=member", "note"]
    )
    assert table.loc["001_IRN=never", "note"] == ""
    swing = pd.read_csv(out / "swing.csv", keep_default_na=False)
    assert swing["note"][0].startswith(said)

    # the points are known by their run hash, not their names (001_IRN=never): a second command finds
    # them all up to date
    code, _, err = run_cli(*argv, "--out", out)
    assert code == 0 and err.count("up to date") == 3


# ------------------------------------------------------------------------------------- the notebook API
def test_sweep_each_runs_the_points_in_memory_as_the_command_does(base, tmp_path, run_cli):
    """`batch.sweep_each` (nothing stored) gives the table and swing the command writes, figure for
    figure, at the same trials and seed."""
    sets = [(SEVERITY, [15, 30]), (LIMIT, [60])]
    table = batch.sweep_each(base, sets, ["aal", "premium"], trials=256, progress=False)
    out = tmp_path / "api"
    code, _, err = run_cli(
        "sweep", base, "--each", "--set", f"{SEVERITY}=15,30", "--set", f"{LIMIT}=60",
        "--metrics", "aal", "premium", "--trials", 256, "--workers", 1, "--out", out,
    )  # fmt: skip
    assert code == 0, err
    stored = pd.read_csv(out / "sweep.csv", keep_default_na=False)
    frame = table.frame()
    assert frame["run"].tolist() == stored["run"].tolist()
    for column in ("aal:portfolio", "aal:portfolio_delta", "aal:portfolio_delta_se", "premium:portfolio"):
        assert frame[column].to_numpy() == pytest.approx(stored[column].to_numpy(), rel=1e-12)
    swing = pd.read_csv(out / "swing.csv", keep_default_na=False)
    assert table.swing()["key"].tolist() == swing["key"].tolist() == [SEVERITY, LIMIT]
    assert table.swing()["aal:portfolio_swing"].to_numpy() == pytest.approx(
        swing["aal:portfolio_swing"].to_numpy(), rel=1e-12
    )


def test_a_grid_into_the_folder_of_an_each_sweep_removes_its_swing_table(base, tmp_path, run_cli):
    """swing.csv describes the points of the --each sweep that wrote it; a grid sweep into the same --out
    writes none, so it removes that one (and says so) rather than leave it beside its own sweep.csv. A file
    of that name that is no swing table is left, with a warning."""
    from riskmodel.cli.sweep import _drop_stale_swing

    out = tmp_path / "same"
    common = ("--metrics", "aal", "--trials", 256, "--workers", 1, "--out", out)
    assert run_cli("sweep", base, "--each", "--set", f"{LIMIT}=60", *common)[0] == 0
    assert (out / "swing.csv").is_file()
    code, _, err = run_cli("sweep", base, "--set", f"{LIMIT}=20,60", *common)
    assert code == 0, err
    assert not (out / "swing.csv").exists() and f"removed: {out / 'swing.csv'}" in err
    other = tmp_path / "other"
    other.mkdir()
    (other / "swing.csv").write_text("a,b\n1,2\n")
    _drop_stale_swing(other)
    assert (other / "swing.csv").read_text() == "a,b\n1,2\n"
