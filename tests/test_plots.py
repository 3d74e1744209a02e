"""The plots draw what the results say: axis labels, one artist per series, heights equal to the tables.

Every test runs on a small synthetic `Results` whose numbers are known (`synthetic_results`), under the
Agg backend.
"""

from __future__ import annotations

import inspect
import re

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import PolyCollection

from riskmodel import metrics, plots
from riskmodel.results import CONTRACT_FIELDS, TAIL_FIGURE, Results, compare

CLASSES = ("ig", "western_fixed", "domestic", "none", "scheme:rv_pool")
NEVER = 99


def synthetic_results(
    name: str = "synthetic",
    *,
    n_trials: int = 2_000,
    n_years: int = 4,
    start_year: int = 2026,
    seed: int = 1,
    scale: float = 1.0,
    scheme: bool = True,
) -> Results:
    """A small `Results` with two contracts, five payers, a market, and (if ``scheme``) two candidates.

    Draws depend only on ``seed`` (so two calls with one seed share "common random numbers"); ``scale``
    multiplies every loss, as a scenario that makes the tail heavier would.
    """
    rng = np.random.default_rng(seed)
    shape = (n_trials, n_years)
    hit = rng.random(shape) < 0.3
    severity = rng.pareto(1.5, shape) * 10.0
    events = hit * severity * scale
    contracts: dict[str, dict[str, np.ndarray]] = {}
    for cid, share, prem in (("gxl_layer1", 0.05, 1.2), ("hull_xol", 0.02, 0.4)):
        loss = share * events
        contracts[cid] = {
            "loss": loss,
            "premium": np.full(shape, prem),
            "reinstatement_premium": 0.1 * loss,
            "max_event_loss": 0.8 * loss,
            "blocked_delayed": 0.01 * loss,
            "blocked_permanent": np.zeros(shape),
        }
    contracts["portfolio"] = {f: sum(c[f] for c in contracts.values()) for f in CONTRACT_FIELDS}
    payers = {
        "owner": 0.2 * events + 1.0,
        "ig_pool": 0.3 * events,
        "fund_1992": 0.1 * events,
        "uncompensated": 0.3 * events,
        "scheme:rv_pool": 0.1 * events if scheme else np.zeros(shape),
    }
    years = np.arange(n_years)
    tonnage = np.zeros((n_trials, n_years, len(CLASSES)))
    tonnage[..., 0] = 300e6 - 5e6 * years
    tonnage[..., 1] = 40e6
    tonnage[..., 2] = 60e6 - (5e6 * years if scheme else 0.0)
    tonnage[..., 3] = 50e6
    tonnage[..., 4] = 10e6 * years if scheme else 0.0
    year_arrays = {f"payer:{p}": v for p, v in payers.items()}
    year_arrays |= {
        "tonnage_gt": tonnage if scheme else tonnage[..., :4],
        "base:ig_gxl_premium": np.full(shape, 400.0),
        "spills_7t": hit.astype(float),
        "detentions": rng.poisson(2.0, shape).astype(float),
        "designated_share": np.full(shape, 0.4),
        "blocked_delayed": 0.01 * events,
        "blocked_permanent": 0.002 * events,
    }
    slots = pd.DataFrame(
        {
            "scheme": ["rv_pool"] * 4,
            "state": ["RUS", "VEN", "IRN", "BLR"],
            "founder": [True, True, False, False],
        }
    )
    if scheme:
        join = np.column_stack(
            [
                np.zeros(n_trials, int),
                np.zeros(n_trials, int),
                np.where(rng.random(n_trials) < 0.6, rng.integers(0, n_years, n_trials), NEVER),
                np.where(rng.random(n_trials) < 0.3, n_years - 1, NEVER),
            ]
        )
    else:
        slots = slots.iloc[:0]
        join = np.zeros((n_trials, 0), int)
    return Results(
        scenario_name=name,
        start_year=start_year,
        n_years=n_years,
        n_trials=n_trials,
        seed=seed,
        contracts=contracts,
        year_arrays=year_arrays,
        trial_arrays={"z": rng.standard_normal(n_trials), "join_year": join},
        class_names=CLASSES if scheme else CLASSES[:4],
        scheme_ids=("rv_pool",) if scheme else (),
        slots=slots,
        notes=("synthetic results for tests",),
        contract_exposure={
            "gxl_layer1": metrics.contract_exposure(["ig_gxl_layer1"], 20.0),
            "hull_xol": metrics.contract_exposure(["scheme:rv_pool", "hm_tanker_western"], 8.0),
        },
        provenance={
            "scenario": name,
            "seed": seed,
            "trials": n_trials,
            "chunk_trials": 4096,
            "executor": "test",
        },
    )


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def labelled_lines(ax):
    return [ln for ln in ax.get_lines() if not ln.get_label().startswith("_")]


def bar_heights(container) -> np.ndarray:
    return np.array([p.get_height() for p in container.patches])


# ------------------------------------------------------------------------------------------------ EP
def test_plot_ep_draws_oep_and_aep_with_bands_on_a_log_return_period_axis():
    """Two labelled lines (OEP, AEP), two bands, the 1-in-200 mark; the AEP at 200 horizons equals the
    horizon AEP of `metrics.ep_curve` (sum of the policy years of each trial); a policy year's chart
    counts its return periods in years."""
    r = synthetic_results()
    ax = plots.plot_ep(r, year=None)
    lines = labelled_lines(ax)
    assert [ln.get_label() for ln in lines] == ["OEP", "AEP"]
    assert sum(isinstance(c, PolyCollection) for c in ax.collections) == 2
    assert ax.get_xscale() == "log"
    assert ax.get_xlabel() == "return period (horizons of 4 years, log scale)"
    assert plots.plot_ep(r, year=2027).get_xlabel() == "return period (years, log scale)"
    assert ax.get_ylabel() == "loss (USD m)"
    assert "horizon 2026–2029 (AEP: the sum of its 4 policy years)" in ax.get_title()
    aep = lines[1]
    x, y = aep.get_xdata(), aep.get_ydata()
    horizon = r.contracts["portfolio"]["loss"].sum(axis=1)
    expected = metrics.ep_curve(horizon, [200.0])["loss"].iloc[0]
    assert y[np.flatnonzero(x == 200.0)[0]] == pytest.approx(expected)
    # the curve stops where fewer than 5 trials lie beyond: 2,000 trials -> 400 years
    assert x.max() == pytest.approx(400.0)
    assert ax.get_ylim()[0] == 0.0
    # every plotted loss is an order statistic: between the smallest and largest horizon loss
    assert y.min() >= horizon.min() and y.max() <= horizon.max()
    # the 1-in-200 mark
    assert any(ln.get_label() == "_1 in 200" and ln.get_xdata()[0] == 200.0 for ln in ax.get_lines())


def test_plot_ep_oep_is_at_most_aep_and_bands_contain_the_curve():
    r = synthetic_results()
    curves = plots.ep_curves(r, "gxl_layer1", year=2027)
    oep = curves[curves.ep_type == "OEP"].set_index("return_period")
    aep = curves[curves.ep_type == "AEP"].set_index("return_period")
    assert (oep["loss"] <= aep["loss"] + 1e-12).all()
    bounded = aep.dropna()
    assert ((bounded["ci_lower"] <= bounded["loss"]) & (bounded["loss"] <= bounded["ci_upper"])).all()
    assert np.allclose(
        aep.loc[[10.0, 100.0], "loss"],
        metrics.ep_curve(r.contracts["gxl_layer1"]["loss"][:, 1], [10, 100])["loss"],
    )


def test_plot_ep_with_a_baseline_adds_dashed_lines_named_by_scenario():
    r = synthetic_results("rv_pool", scale=2.0)
    base = synthetic_results("baseline")
    ax = plots.plot_ep(r, baseline=base, year=2026)
    lines = labelled_lines(ax)
    assert [ln.get_label() for ln in lines] == [
        "rv_pool: OEP",
        "rv_pool: AEP",
        "baseline: OEP",
        "baseline: AEP",
    ]
    assert [ln.get_linestyle() for ln in lines] == ["-", "-", "--", "--"]
    # same seed, losses doubled: the scenario's curve is twice the baseline's at every return period
    assert np.allclose(lines[1].get_ydata(), 2.0 * lines[3].get_ydata())
    assert "policy year 2026" in ax.get_title()


def test_plot_ep_uses_the_results_baseline_attribute():
    r = synthetic_results("rv_pool")
    r.baseline = synthetic_results("baseline")
    assert len(labelled_lines(plots.plot_ep(r))) == 4


def test_plot_ep_errors_name_what_is_allowed():
    r = synthetic_results()
    with pytest.raises(ValueError, match=r"year 2040 is outside the run's policy years 2026–2029"):
        plots.plot_ep(r, year=2040)
    with pytest.raises(
        KeyError, match=r"unknown contract 'nope'; the run has: gxl_layer1, hull_xol, portfolio"
    ):
        plots.plot_ep(r, "nope")
    # every year and the horizon alike, and with the closest id for a misspelt one
    for year in (None, 2027, plots.WORST_YEAR):
        with pytest.raises(KeyError, match=r"the run has: .*\(did you mean 'hull_xol'\?\)$"):
            plots.plot_ep(r, "Hull_XOL", year=year)


def test_plot_ep_refuses_a_baseline_or_a_year_of_the_wrong_kind_before_drawing():
    """``plot_ep(baseline="x")`` failed with "'str' object has no attribute 'years'", and
    ``year=2027.5`` drew policy year 2027. Each is now an error that says what is allowed, raised before
    a figure is opened; the year by the check every method taking a policy year shares
    (`Results._year_index`)."""
    r = synthetic_results()
    before = plt.get_fignums()
    with pytest.raises(
        TypeError, match=r"^baseline must be a Results \(another run of the contract: .*got 'x' \(a str\)$"
    ):
        r.plot_ep(baseline="x")
    with pytest.raises(TypeError, match=r"^baseline must be a Results .*got \{'loss': 1\} \(a dict\)$"):
        plots.plot_ep(r, baseline={"loss": 1})
    allowed = (
        "an int from 2026 to 2029 (the run's policy years), or None for the horizon, or 'worst' for the "
        "policy year of the 1-in-200 annual loss"
    )
    for wrong in (2027.5, 2027.0, True):
        with pytest.raises(TypeError, match=f"^year must be {re.escape(allowed)}, got {wrong!r} "):
            r.plot_ep(year=wrong)
        with pytest.raises(TypeError, match=r"^year must be an int from 2026 to 2029"):
            plots.ep_curves(r, year=wrong)
    assert plt.get_fignums() == before
    assert plots.ep_curves(r, year=np.int64(2027)).equals(plots.ep_curves(r, year=2027))


def test_plot_ep_by_default_draws_the_policy_year_of_the_summarys_1_in_200():
    """The default chart was of the horizon (a 1 in 200 *horizons* of about 160 against the summary's
    86.2 a year); it is now of the policy year the summary's 1-in-200 annual loss is of, as the report's
    first chart, with that figure on its AEP at 200 years; the horizon is drawn when asked (None).
    `Results.plot_ep` has the same default."""
    r = _worst_in(synthetic_results("rv_pool"), 2028)
    for ax in (plots.plot_ep(r), r.plot_ep(), r.plot_ep("gxl_layer1")):
        assert "policy year 2028 (the policy year of its largest 1-in-200 annual loss)" in ax.get_title()
        assert ax.get_xlabel() == "return period (years, log scale)" and mark_text(ax) == "1 in 200 years"
        plt.close(ax.figure)
    aep = labelled_lines(plots.plot_ep(r))[1]
    at_200 = np.flatnonzero(aep.get_xdata() == 200.0)[0]
    assert aep.get_ydata()[at_200] == r.summary().loc[f"portfolio: {TAIL_FIGURE}", "mean"]
    horizon = r.plot_ep(year=None)
    assert "horizon 2026–2029" in horizon.get_title() and mark_text(horizon) == "1 in 200 horizons"
    assert inspect.signature(Results.plot_ep).parameters["year"].default == plots.WORST_YEAR


def test_a_baseline_curve_under_the_scenarios_says_so():
    """A baseline whose curves are the scenario's, or all but (rv_pool against the baseline: its
    portfolio's curves within 1-3% of each other), was drawn dashed under the solid lines, out of sight:
    its legend entries now say it lies under the scenario's, as the same curve or within the largest gap
    at any return period (under `HIDDEN_GAP`, 1%, of the chart's height); a baseline that differs more
    is labelled as before."""
    r, same = synthetic_results("rv_pool"), synthetic_results("baseline")
    ax = plots.plot_ep(r, baseline=same)
    labels = [ln.get_label() for ln in labelled_lines(ax)]
    assert labels[2:] == [
        "baseline: OEP (under the solid line: the same curve)",
        "baseline: AEP (under the solid line: the same curve)",
    ]
    assert [t.get_text() for t in ax.get_legend().get_texts()][2:] == labels[2:]
    # the OEP only the same: a scenario that moves only the aggregate, far beyond the chart's 1%
    other = synthetic_results("baseline")
    other.contracts["portfolio"] = dict(other.contracts["portfolio"])
    other.contracts["portfolio"]["loss"] = other.contracts["portfolio"]["loss"] * 1.5
    labels = [ln.get_label() for ln in labelled_lines(plots.plot_ep(r, baseline=other))]
    assert labels[2:] == ["baseline: OEP (under the solid line: the same curve)", "baseline: AEP"]
    # all but the same: losses 0.2% lower, the largest gap is under 1% of the chart's height
    close = synthetic_results("close", scale=0.998)
    ax = plots.plot_ep(r, baseline=close, year=None)
    curves = plots.ep_curves(r, year=None)
    base = plots.ep_curves(close, year=None, return_periods=curves["return_period"].unique())
    height = ax.get_ylim()[1]
    for line, name in zip(labelled_lines(ax)[2:], ("OEP", "AEP"), strict=True):
        gap = float(
            (curves[curves.ep_type == name]["loss"].values - base[base.ep_type == name]["loss"].values).max()
        )
        assert 0 < gap < plots.HIDDEN_GAP * height
        assert line.get_label() == f"close: {name} (under the solid line, within USD {gap:,.2g}m)"
    labels = [ln.get_label() for ln in labelled_lines(plots.plot_ep(r, baseline=synthetic_results(scale=2)))]
    assert labels[2:] == ["synthetic: OEP", "synthetic: AEP"]


def test_plot_ep_draws_on_a_given_axes_and_results_delegates():
    r = synthetic_results()
    _, ax = plt.subplots()
    assert r.plot_ep(ax=ax) is ax
    assert len(labelled_lines(ax)) == 2


def test_plot_scenarios_ep_draws_one_line_per_run():
    runs = {"baseline": synthetic_results("baseline"), "rv_pool": synthetic_results("rv_pool", scale=1.5)}
    ax = plots.plot_scenarios_ep(runs, ep_type="OEP", year=None)
    lines = labelled_lines(ax)
    assert [ln.get_label() for ln in lines] == ["baseline", "rv_pool"]
    assert np.allclose(lines[1].get_ydata(), 1.5 * lines[0].get_ydata())
    assert ax.get_title().startswith("OEP of portfolio by scenario, horizon 2026–2029")
    with pytest.raises(ValueError, match="ep_type must be 'AEP' or 'OEP'"):
        plots.plot_scenarios_ep(runs, ep_type="TVaR")


def _worst_in(results: Results, year: int, factor: float = 3.0) -> Results:
    """`results` with every contract's losses of policy year `year` times `factor`: that year's 1-in-200
    is then the largest (the portfolio is rebuilt as the sum of its contracts)."""
    i = year - results.start_year
    for cid in results.contract_ids:
        for f in ("loss", "max_event_loss"):
            a = results.contracts[cid][f].copy()
            a[:, i] *= factor
            results.contracts[cid][f] = a
    ids = results.contract_ids
    results.contracts["portfolio"] = {f: sum(results.contracts[c][f] for c in ids) for f in CONTRACT_FIELDS}
    return results


def test_the_annual_ep_chart_is_of_the_policy_year_of_the_summarys_1_in_200():
    """The page's EP chart was of the horizon only (return periods counting horizons of 5 years), while
    the headline 1-in-200 is of a policy year's loss, the largest of the years' (docs/model.md §9).
    ``year=WORST_YEAR`` draws the policy year of the summary's 1-in-200: losses of 2028 tripled make it
    2028; its AEP at 200 years is the summary's figure, to the bit, within the order-statistic band of
    `metrics.ep_curve` (the EPT's); the title says which year and why; the baseline is drawn in that
    same year (not its own worst); a year that is neither a label, None nor "worst" is an error."""
    r = _worst_in(synthetic_results("rv_pool"), 2028)
    base = synthetic_results("baseline")
    assert plots.worst_policy_year(r) == 2028
    ax = plots.plot_ep(r, baseline=base, year=plots.WORST_YEAR)
    assert "policy year 2028 (the policy year of its largest 1-in-200 annual loss)" in ax.get_title()
    assert ax.get_xlabel() == "return period (years, log scale)"
    assert mark_text(ax) == "1 in 200 years"
    lines = labelled_lines(ax)
    aep, base_aep = lines[1], lines[3]
    at_200 = np.flatnonzero(aep.get_xdata() == 200.0)[0]
    assert aep.get_ydata()[at_200] == r.summary().loc[f"portfolio: {TAIL_FIGURE}", "mean"]
    assert r.summary().loc[f"portfolio: {TAIL_FIGURE}", "year"] == 2028
    expected = metrics.ep_curve(base.contracts["portfolio"]["loss"][:, 2], [200.0])["loss"].iloc[0]
    assert base_aep.get_ydata()[at_200] == expected
    ept = r.ep_table(return_periods=[200.0])
    row = ept[(ept.year == 2028) & (ept.ep_type == metrics.AEP)].iloc[0]
    curves = plots.ep_curves(r, year=plots.WORST_YEAR, return_periods=[200.0])
    aep_200 = curves[curves.ep_type == "AEP"].iloc[0]
    assert (aep_200["ci_lower"], aep_200["ci_upper"]) == (row["ci_lower"], row["ci_upper"])
    with pytest.raises(
        TypeError, match=r"year must be an int from 2026 to 2029 .*or 'worst' .*, got 'last' \(a str\)$"
    ):
        plots.plot_ep(r, year="last")


def test_the_annual_chart_of_scenarios_takes_each_in_its_own_policy_year():
    """Each run in the policy year of its own 1-in-200, named in its legend; the title says the curves
    are of a policy year's loss, and the mark counts years."""
    runs = {
        "baseline": _worst_in(synthetic_results("baseline"), 2027),
        "rv_pool": _worst_in(synthetic_results("rv_pool", scale=1.5), 2029),
    }
    ax = plots.plot_scenarios_ep(runs, year=plots.WORST_YEAR)
    lines = labelled_lines(ax)
    assert [ln.get_label() for ln in lines] == ["baseline (2027)", "rv_pool (2029)"]
    x, y = lines[1].get_xdata(), lines[1].get_ydata()
    loss = runs["rv_pool"].contracts["portfolio"]["loss"][:, 3]
    assert y[np.flatnonzero(x == 200.0)[0]] == metrics.ep_curve(loss, [200.0])["loss"].iloc[0]
    assert "a policy year's loss, each in the year of its largest 1-in-200" in ax.get_title()
    assert mark_text(ax) == "1 in 200 years"


def mark_text(ax) -> str:
    """The 1-in-200 mark's words (the only text the EP charts draw on their axes)."""
    (text,) = ax.texts
    return text.get_text().strip()


def test_the_1_in_200_mark_names_what_its_return_periods_count():
    """Years for a policy year's chart or a one-year run, horizons for a horizon of several years; on a
    chart of runs that count different things (years and horizons, or horizons of 4 and of 5 years), no
    unit."""
    four, five, one = (synthetic_results(n_years=n) for n in (4, 5, 1))
    assert mark_text(plots.plot_ep(four, year=None)) == "1 in 200 horizons"
    assert mark_text(plots.plot_ep(four, year=2027)) == "1 in 200 years"
    assert mark_text(plots.plot_ep(one, year=None)) == "1 in 200 years"
    assert mark_text(plots.plot_scenarios_ep({"a": four, "b": four}, year=None)) == "1 in 200 horizons"
    assert mark_text(plots.plot_scenarios_ep({"a": four, "b": five}, year=2026)) == "1 in 200 years"
    assert mark_text(plots.plot_scenarios_ep({"a": four, "b": five}, year=None)) == "1 in 200"
    assert mark_text(plots.plot_scenarios_ep({"a": four, "b": one}, year=None)) == "1 in 200"
    # (by default each run in its worst policy year: years, whatever the horizons)
    assert mark_text(plots.plot_scenarios_ep({"a": four, "b": five})) == "1 in 200 years"


def test_the_ep_functions_default_to_the_policy_year_of_the_1_in_200():
    """`plot_ep` drew the worst policy year by default while `ep_curves`, whose curves it draws, and
    `plot_scenarios_ep` drew the horizon: every EP function now defaults to `WORST_YEAR` (the horizon
    with year=None), so a table of `ep_curves()` is the chart of `plot_ep()`. Here 2028's losses are
    tripled: its AEP at 200 years is the summary's 1-in-200."""
    r = _worst_in(synthetic_results("rv_pool"), 2028)
    for function in (plots.ep_curves, plots.plot_ep, plots.plot_scenarios_ep, Results.plot_ep):
        assert inspect.signature(function).parameters["year"].default == plots.WORST_YEAR, function
    curves = plots.ep_curves(r, return_periods=[200.0])
    tail = r.summary().loc[f"portfolio: {TAIL_FIGURE}"]
    assert tail["year"] == 2028
    assert curves.loc[curves["ep_type"] == "AEP", "loss"].tolist() == [tail["mean"]]
    ax = plots.plot_scenarios_ep({"rv_pool": r})
    assert [ln.get_label() for ln in labelled_lines(ax)] == ["rv_pool (2028)"]
    assert "each in the year of its largest 1-in-200" in ax.get_title()


# -------------------------------------------------------------------------------------------- ledger
def test_plot_ledger_stacks_each_payer_per_year_to_the_ledger_totals():
    """Five paying payers, four years: five containers of four bars; the stack's top is the sum of the
    ledger, and the largest payer (owner: 0.2 × events + 1) is at the bottom."""
    r = synthetic_results()
    ax = r.plot_ledger()
    ledger = r.ledger()
    assert len(ax.containers) == 5
    assert all(len(c.patches) == r.n_years for c in ax.containers)
    labels = [c.get_label() for c in ax.containers]
    assert labels == list(ledger.index)
    assert np.allclose(bar_heights(ax.containers[0]), ledger.loc[labels[0], list(r.years)])
    tops = np.array([p.get_y() + p.get_height() for p in ax.containers[-1].patches])
    assert np.allclose(tops, ledger[list(r.years)].sum(axis=0))
    assert ax.get_ylabel() == "mean amount paid (USD m a year)"
    assert ax.get_xlabel() == "policy year"
    assert [t.get_text() for t in ax.get_xticklabels()] == ["2026", "2027", "2028", "2029"]


def test_plot_ledger_groups_small_payers_as_other():
    r = synthetic_results()
    ax = plots.plot_ledger(r, top=2)
    labels = [c.get_label() for c in ax.containers]
    assert labels[-1] == "other payers (3)"
    assert len(labels) == 3
    tops = np.array([p.get_y() + p.get_height() for p in ax.containers[-1].patches])
    assert np.allclose(tops, r.ledger()[list(r.years)].sum(axis=0))


def test_plot_ledger_leaves_out_payers_that_never_pay():
    r = synthetic_results(scheme=False)
    ax = plots.plot_ledger(r)
    assert "scheme:rv_pool" not in [c.get_label() for c in ax.containers]
    assert len(ax.containers) == 4


# ------------------------------------------------------------------------------------------ adoption
def test_plot_adoption_draws_one_line_per_candidate_not_founders():
    """IRN joins in a uniform year of 0..3 with probability 0.6, BLR in year 3 with probability 0.3."""
    r = synthetic_results()
    ax = r.plot_adoption()
    lines = labelled_lines(ax)
    assert len(lines) == 2
    irn, blr = lines  # sorted by the last year's probability, highest first
    assert irn.get_label().startswith("IRN (") and blr.get_label().startswith("BLR (")
    table = r.adoption()
    assert np.allclose(irn.get_ydata(), table.loc[("rv_pool", "IRN")])
    assert np.allclose(blr.get_ydata(), table.loc[("rv_pool", "BLR")])
    assert list(irn.get_xdata()) == [2026, 2027, 2028, 2029]
    assert np.all(np.diff(irn.get_ydata()) >= 0)
    assert irn.get_ydata()[-1] == pytest.approx(0.6, abs=3 * np.sqrt(0.6 * 0.4 / r.n_trials))
    assert blr.get_ydata()[:3].tolist() == [0.0, 0.0, 0.0]
    assert ax.get_ylim() == (0.0, 1.02)
    assert ax.get_ylabel() == "probability of membership (share of trials)"


def test_plot_adoption_without_a_scheme_says_so():
    ax = plots.plot_adoption(synthetic_results(scheme=False))
    assert labelled_lines(ax) == []
    assert [t.get_text() for t in ax.texts] == ["no candidate states in this scenario"]
    with pytest.raises(KeyError, match="unknown scheme 'x'"):
        plots.plot_adoption(synthetic_results(), scheme="x")


# -------------------------------------------------------------------------------------------- market
def test_plot_market_stacks_tonnage_by_class_in_million_gt():
    """IG 300 − 5y, Western fixed 40, domestic 60 − 5y, none 50, scheme 10y million GT: total 450."""
    r = synthetic_results()
    ax = r.plot_market()
    assert [c.get_label() for c in ax.containers] == [
        "IG clubs",
        "Western fixed-premium P&I",
        "domestic insurers",
        "uninsured / opaque",
        "scheme rv_pool",
    ]
    assert np.allclose(bar_heights(ax.containers[0]), [300, 295, 290, 285])
    assert np.allclose(bar_heights(ax.containers[4]), [0, 10, 20, 30])
    tops = np.array([p.get_y() + p.get_height() for p in ax.containers[-1].patches])
    assert np.allclose(tops, 450.0)
    assert ax.get_ylabel() == "tanker tonnage (million GT)"


# ----------------------------------------------------------------------------------------- contracts
def test_plot_contracts_compares_expected_loss_premium_and_1_in_200():
    """Premium of gxl_layer1 is 1.2 a year plus 10% of its loss in reinstatements."""
    r = synthetic_results()
    fig = r.plot_contracts()
    left, right = fig.axes
    el, prem = left.containers
    (tail,) = right.containers
    widths = lambda c: np.array([p.get_width() for p in c.patches])  # noqa: E731
    loss = r.contracts["gxl_layer1"]["loss"]
    assert widths(el)[0] == pytest.approx(loss.mean())
    assert widths(prem)[0] == pytest.approx(1.2 + 0.1 * loss.mean())
    worst = max(np.quantile(loss[:, i], 0.995, method="inverted_cdf") for i in range(r.n_years))
    assert widths(tail)[0] == pytest.approx(worst, rel=1e-12)  # the annual loss of the worst policy year
    assert [t.get_text() for t in left.get_yticklabels()] == ["gxl_layer1", "hull_xol"]
    assert left.get_xlabel() == "USD m a year" and right.get_xlabel() == "USD m"
    assert any(t.get_text().strip().startswith("LR ") for t in left.texts)
    # the 1-in-200 shown is the summary's
    s = r.summary()
    assert widths(tail)[0] == pytest.approx(s.loc[f"gxl_layer1: {TAIL_FIGURE}", "mean"])
    assert right.get_title() == "1-in-200 annual loss (largest of the policy years')"


def test_contract_figures_of_one_year():
    r = synthetic_results()
    t = plots.contract_figures(r, year=2028, include_portfolio=True)
    assert list(t.index) == ["gxl_layer1", "hull_xol", "portfolio"]
    loss = r.contracts["hull_xol"]["loss"][:, 2]
    assert t.loc["hull_xol", "expected_loss"] == pytest.approx(loss.mean())
    assert t.loc["hull_xol", "loss_1_in_200"] == pytest.approx(metrics.var(loss, 0.995))


# -------------------------------------------------------------------------------------------- deltas
def test_plot_deltas_shows_differences_with_crn_error_bars():
    r, base = synthetic_results("rv_pool", scale=1.5), synthetic_results("baseline")
    cmp = compare(r, base)
    ax = plots.plot_deltas(cmp)
    table = cmp.table()
    rows = [f for f in table.index if f.endswith((": ceded loss", ": premium"))]
    widths = np.array([p.get_width() for p in ax.containers[0].patches])
    assert np.allclose(widths, table.loc[rows, "difference"])
    assert [t.get_text() for t in ax.get_yticklabels()] == rows
    # the difference is named by its comparator, which need not be the batch's baseline (a reviewer read
    # "scenario − baseline" on crackdown's chart against rv_pool)
    assert ax.get_xlabel() == "rv_pool − baseline (USD m a year)"
    assert ax.get_title() == "rv_pool against baseline"
    ax = plots.plot_deltas(cmp, names=("crackdown", "rv_pool"))
    assert (
        ax.get_xlabel() == "crackdown − rv_pool (USD m a year)"
        and ax.get_title() == "crackdown against rv_pool"
    )
    with pytest.raises(KeyError, match="not in the comparison: nope"):
        plots.plot_deltas(cmp, ["nope"])


def test_plot_deltas_labels_its_axis_by_the_figures_unit_and_refuses_mixed_units():
    """Every chart of differences was labelled "USD m a year", whatever it drew: the IG-entered tonnage in
    million GT and the spill count sat on a USD axis. The axis now says the unit of the figures it draws
    (`Comparison.table`'s ``unit``, whose figures they are set aside), and figures of different units
    (money, tonnage, counts) are refused, naming each unit's figures, rather than drawn on one axis.
    Money a year and the 1-in-200 of a worst policy year are both USD m: one axis, both units named."""
    r, base = (
        synthetic_results("rv_pool", scale=1.5, n_trials=300),
        synthetic_results("baseline", n_trials=300),
    )
    cmp = compare(r, base)
    assert plots.plot_deltas(cmp, ["tonnage:ig", "tonnage:domestic"]).get_xlabel() == (
        "rv_pool − baseline (million GT)"
    )
    assert plots.plot_deltas(cmp, ["spills_7t"]).get_xlabel() == "rv_pool − baseline (spills a year)"
    both = plots.plot_deltas(cmp, ["portfolio: ceded loss", f"portfolio: {TAIL_FIGURE}"]).get_xlabel()
    assert both == "rv_pool − baseline (USD m a year; USD m in its worst policy year)"
    with pytest.raises(ValueError) as caught:
        plots.plot_deltas(cmp, ["portfolio: ceded loss", "tonnage:ig", "spills_7t", "payer:owner"])
    assert str(caught.value) == (
        "plot_deltas draws figures of one unit on one axis, and these are of three: USD m (portfolio: ceded "
        "loss, payer:owner), million GT (tonnage:ig), spills a year (spills_7t); plot each unit's figures "
        "apart"
    )
    plt.close("all")


def test_plot_deltas_marks_a_difference_without_an_error_bar():
    """The 1-in-200 of a few hundred trials has an infinite standard error: its error bar was dropped
    without a word, and its bar read as a difference known to be what it shows. It now carries a marker
    and its label says why there is no bar; so does a figure without any error (one trial)."""
    r, base = (
        synthetic_results("rv_pool", scale=1.5, n_trials=100),
        synthetic_results("baseline", n_trials=100),
    )
    cmp = compare(r, base)
    tail = f"portfolio: {TAIL_FIGURE}"
    assert np.isinf(cmp.table().at[tail, "standard_error"])
    ax = plots.plot_deltas(cmp, ["portfolio: ceded loss", tail])
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == ["portfolio: ceded loss", f"{tail} (s.e. ∞: too few trials, no error bar)"]
    marked = [ln for ln in ax.get_lines() if ln.get_label().startswith("no error bar")]
    assert len(marked) == 1 and np.allclose(marked[0].get_xdata(), [cmp.table().at[tail, "difference"]])
    assert marked[0].get_ydata()[0] == 0  # (the lower row: the tail's)
    plt.close("all")


def test_plot_deltas_of_one_trial_says_there_is_no_standard_error():
    """One trial has no standard error (NaN, not infinite): no error bar, and its label says why, in
    other words than the infinite error of too few trials beside it."""
    r, base = synthetic_results("rv_pool", scale=1.5, n_trials=1), synthetic_results("baseline", n_trials=1)
    cmp = compare(r, base)
    tail = f"portfolio: {TAIL_FIGURE}"
    table = cmp.table()
    assert np.isnan(table.at["portfolio: ceded loss", "standard_error"])
    assert np.isinf(table.at[tail, "standard_error"])
    ax = plots.plot_deltas(cmp, ["portfolio: ceded loss", tail])
    assert [t.get_text() for t in ax.get_yticklabels()] == [
        "portfolio: ceded loss (no s.e.: one trial, no error bar)",
        f"{tail} (s.e. ∞: too few trials, no error bar)",
    ]
    marked = [ln for ln in ax.get_lines() if ln.get_label().startswith("no error bar")]
    assert len(marked) == 1 and np.allclose(
        marked[0].get_xdata(), table.loc[["portfolio: ceded loss", tail], "difference"]
    )


def test_plot_deltas_names_the_run_that_did_not_write_a_contract():
    """A contract one run's portfolio lacks counts 0 there: its bar is the other run's figure, and its
    label names the run that did not write it (by the names given, or the scenarios'), whichever side."""
    import dataclasses
    import warnings

    def without_hull(r: Results) -> Results:
        contracts = {cid: c for cid, c in r.contracts.items() if cid not in ("hull_xol", "portfolio")}
        portfolio = {f: sum(c[f] for c in contracts.values()) for f in CONTRACT_FIELDS}
        return dataclasses.replace(r, contracts={**contracts, "portfolio": portfolio})

    full = synthetic_results("baseline", n_trials=300)
    lacking = without_hull(synthetic_results("rv_pool", scale=1.5, n_trials=300))
    figures = ["gxl_layer1: ceded loss", "hull_xol: ceded loss", "hull_xol: premium"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # (portfolios differ: `Comparison.mismatches`)
        scenario_lacks, baseline_lacks = compare(lacking, full), compare(full, lacking)
    labels = [t.get_text() for t in plots.plot_deltas(scenario_lacks, figures).get_yticklabels()]
    assert labels == [
        "gxl_layer1: ceded loss",
        "hull_xol: ceded loss (not written in rv_pool)",
        "hull_xol: premium (not written in rv_pool)",
    ]
    ax = plots.plot_deltas(baseline_lacks, figures, names=("crackdown", "without_hull"))
    assert [t.get_text() for t in ax.get_yticklabels()][1:] == [
        "hull_xol: ceded loss (not written in without_hull)",
        "hull_xol: premium (not written in without_hull)",
    ]
    # the bars: what the run that writes it cedes and earns (premium with its reinstatement premium) − 0
    hull = full.contracts["hull_xol"]
    widths = np.array([bar.get_width() for bar in ax.containers[0].patches])
    assert np.allclose(
        widths[1:], [hull["loss"].mean(), (hull["premium"] + hull["reinstatement_premium"]).mean()]
    )


def test_plot_scenarios_ep_of_a_contract_no_run_has_names_the_contracts_there_are():
    """With no run holding the contract the chart was empty but for matplotlib's "No artists with labels"
    warning. It is now an error naming the contracts the runs have and the closest to the one asked."""
    runs = {"baseline": synthetic_results("baseline"), "rv_pool": synthetic_results("rv_pool")}
    with pytest.raises(KeyError) as caught:
        plots.plot_scenarios_ep(runs, "hull_xl")
    assert caught.value.args[0] == (
        "no run has contract 'hull_xl'; they have: gxl_layer1, hull_xol, portfolio (did you mean 'hull_xol'?)"
    )
    with pytest.raises(ValueError, match=r"^plot_scenarios_ep needs at least one run, got none$"):
        plots.plot_scenarios_ep({})
    plt.close("all")


def test_titles_of_long_scenario_names_stay_inside_the_figure():
    """A title is centred over its axes; with the legend outside them, a long scenario name ran off both
    edges of the report's figures (the tonnage chart of "RV pool (Russia-Venezuela insurance system,
    2026)", the differences of one long name against another). Titles now wrap to the figure: drawn at
    the report's sizes, every title lies inside its figure."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    long_name = "RV pool with a Gulf of Finland spill stress (Russia-Venezuela insurance system, 2026)"
    r, base = (
        synthetic_results(long_name),
        synthetic_results("Baseline 2026 (status quo, no alternative scheme)"),
    )
    charts = {
        "market": (lambda fig: plots.plot_market(r, ax=fig.subplots()), (8.0, 4.5)),
        "ledger": (lambda fig: plots.plot_ledger(r, ax=fig.subplots()), (9.0, 4.8)),
        "adoption": (lambda fig: plots.plot_adoption(r, ax=fig.subplots()), (8.0, 4.5)),
        "ep": (lambda fig: plots.plot_ep(r, "portfolio", base, ax=fig.subplots()), (8.0, 4.5)),
        "deltas": (lambda fig: plots.plot_deltas(compare(r, base), ax=fig.subplots()), (9.0, 3.8)),
        "contracts": (lambda fig: plots.plot_contracts(r, fig=fig), (10.0, 2.5)),
    }
    for name, (draw, size) in charts.items():
        fig = Figure(figsize=size, layout="constrained")
        draw(fig)
        canvas = FigureCanvasAgg(fig)  # (the report's PNGs are Agg's)
        canvas.draw()
        renderer = canvas.get_renderer()
        texts = [ax.title for ax in fig.axes] + ([fig._suptitle] if fig._suptitle is not None else [])
        for text in texts:
            box = text.get_window_extent(renderer)
            assert box.x0 >= -0.5 and box.x1 <= fig.bbox.x1 + 0.5, (name, text.get_text(), box)
