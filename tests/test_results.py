"""Trial-level views of a run (`Results.tonnage`, `Results.members`, `Results.per_trial`): each
trial's tonnage by class and each candidate's membership, whose means over trials are `market()` and
`adoption()`, and the portfolio less some contracts, which is the other contracts summed; each computed
here from the stored arrays by another route."""

from __future__ import annotations

import math
import re
import warnings
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from test_plots import NEVER, synthetic_results

from riskmodel import metrics, store
from riskmodel.results import (
    ANNUAL_AVERAGE,
    BASIS,
    CALIBRATION_CAVEAT,
    COMPARISON_BASIS,
    COMPARISON_SHOWN,
    COMPARISON_UNITS,
    CONTRACT_FIELDS,
    EVERY_YEAR_ALIKE,
    LARGEST_YEAR,
    LOSS_UNIT,
    MARKET_UNIT,
    POOLED_TAIL_FIGURE,
    POOLED_TAIL_UNIT,
    PREMIUM_UNIT,
    SAME_EACH_YEAR_UNIT,
    TAIL_FIGURE,
    TVAR_FIGURE,
    YEARS_POOLED,
    Comparison,
    Results,
    UnknownContractError,
    compare,
    figure_unit,
)


def test_tonnage_and_members_are_the_trials_behind_market_and_adoption():
    r = synthetic_results(n_trials=500, n_years=4)
    for year in (None, 2027):
        t = r.tonnage(year)
        label = r.years[-1] if year is None else year
        assert list(t.columns) == list(r.class_names) and len(t) == r.n_trials
        np.testing.assert_allclose(t.mean().to_numpy(), r.market().loc[label].to_numpy(), rtol=1e-12)
        m = r.members(year)
        candidates = r.slots.loc[~r.slots["founder"].astype(bool), ["scheme", "state"]]
        assert [tuple(c) for c in m.columns] == [tuple(x) for x in candidates.to_numpy()]
        expected = r.adoption().loc[[tuple(x) for x in candidates.to_numpy()], label].to_numpy()
        np.testing.assert_allclose(m.mean().to_numpy(), expected, rtol=1e-12)
        assert m.dtypes.eq(bool).all()
    # from the synthetic run's construction (tests/test_plots.py): the IG holds 300 − 5y million GT and the
    # scheme 10y in policy year y; BLR joins, if at all, in the last year only, and the founders at once
    assert (r.tonnage(2027)[r.class_names[0]] == 295.0).all() and (
        r.tonnage(2027)[r.class_names[4]] == 10.0
    ).all()
    assert not r.members(2028)[("rv_pool", "BLR")].any() and r.members(2029)[("rv_pool", "BLR")].any()
    assert r.members(2026, founders=True)[[("rv_pool", "RUS"), ("rv_pool", "VEN")]].all().all()
    # a member by 2027 is a member by the last year (memberships stay), and founders are added on request
    assert (r.members(2027).to_numpy() <= r.members().to_numpy()).all()
    assert r.members(founders=True).shape[1] == len(r.slots)
    with pytest.raises(ValueError, match="outside the run's policy years 2026–2029"):
        r.tonnage(2031)


# ----------------------------------------------------------------------- the portfolio but some lines
RETRO = "rv_pool_retro"


def with_retro(written: bool, seed: int = 1) -> Results:
    """The synthetic run (gxl_layer1, hull_xol) with a third contract, the retro: written, it cedes a
    share of the scheme's payments and earns 0.3 a year; not written (a scenario without the scheme, as
    baseline.yaml), it is in the portfolio with zero arrays. The portfolio is summed again."""
    r = synthetic_results(n_trials=500, seed=seed)
    ceded = 0.2 * r.year_arrays["payer:scheme:rv_pool"] if written else np.zeros((r.n_trials, r.n_years))
    contracts = {cid: c for cid, c in r.contracts.items() if cid != "portfolio"}
    contracts[RETRO] = {f: np.zeros_like(ceded) for f in CONTRACT_FIELDS} | {
        "loss": ceded,
        "premium": np.full_like(ceded, 0.3 if written else 0.0),
        "max_event_loss": 0.9 * ceded,
        "blocked_permanent": 0.5 * ceded,
    }
    contracts["portfolio"] = {f: sum(c[f] for c in contracts.values()) for f in CONTRACT_FIELDS}
    return replace(r, contracts=contracts)


def test_the_portfolio_less_some_contracts_is_the_others_summed():
    """The portfolio's ceded loss and premium (with reinstatement premium) less one or two contracts are,
    trial by trial, the other contracts' summed."""
    r = with_retro(written=True)
    ids = r.contract_ids
    assert ids == ("gxl_layer1", "hull_xol", RETRO)

    def figure(c: dict, what: str) -> np.ndarray:
        return (c["loss"] if what == "ceded loss" else c["premium"] + c["reinstatement_premium"]).mean(axis=1)

    for what in ("ceded loss", "premium"):
        np.testing.assert_array_equal(
            r.per_trial(f"portfolio: {what}"), figure(r.contracts["portfolio"], what)
        )
        for nothing in (None, (), np.array([], dtype=str)):
            np.testing.assert_array_equal(
                r.per_trial(f"portfolio: {what}", exclude=nothing), figure(r.contracts["portfolio"], what)
            )
        for exclude in ([RETRO], ["hull_xol", "gxl_layer1"], ids):
            expected = sum((figure(r.contracts[c], what) for c in ids if c not in exclude), np.zeros(500))
            got = r.per_trial(f"portfolio: {what}", exclude=exclude)
            np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)
    # one id as a string; an id given twice is taken away once
    others = figure(r.contracts["gxl_layer1"], "ceded loss") + figure(r.contracts["hull_xol"], "ceded loss")
    np.testing.assert_allclose(r.per_trial("portfolio: ceded loss", exclude=RETRO), others, rtol=1e-12)
    np.testing.assert_allclose(
        r.per_trial("portfolio: ceded loss", exclude=(RETRO, RETRO)), others, rtol=1e-12
    )
    np.testing.assert_allclose(  # (an array of ids, as a pandas or numpy selection gives them)
        r.per_trial("portfolio: ceded loss", exclude=np.array([RETRO])), others, rtol=1e-12
    )
    assert r.contracts[RETRO]["loss"].any()  # (the retro does cede: the case is not vacuous)


def test_a_contract_the_run_does_not_write_is_excluded_as_nothing():
    """Under a baseline without the scheme the retro is not written: excluding it takes nothing away, so
    the same call pairs a scenario and its baseline, and the portfolio's difference is the retro's plus
    every other contract's."""
    scenario, baseline = with_retro(written=True), with_retro(written=False)
    assert not baseline.contracts[RETRO]["loss"].any() and not baseline.contracts[RETRO]["premium"].any()
    for what in ("ceded loss", "premium"):
        np.testing.assert_array_equal(
            baseline.per_trial(f"portfolio: {what}", exclude=RETRO), baseline.per_trial(f"portfolio: {what}")
        )
    others = metrics.paired_difference(
        scenario.per_trial("portfolio: ceded loss", exclude=RETRO),
        baseline.per_trial("portfolio: ceded loss", exclude=RETRO),
    )
    whole = metrics.paired_difference(scenario.losses().mean(axis=1), baseline.losses().mean(axis=1))
    retro = scenario.losses(RETRO).mean() - baseline.losses(RETRO).mean()
    assert whole.mean == pytest.approx(retro + others.mean, rel=1e-12)
    assert others.mean == pytest.approx(0.0, abs=1e-12)  # (same seed: the other contracts are the same)


def test_excluding_contracts_names_what_is_allowed():
    r = with_retro(written=True)
    with pytest.raises(
        ValueError,
        match=r"not a contract of the run's portfolio: 'nope', 'portfolio'; "
        r"it has: gxl_layer1, hull_xol, rv_pool_retro",
    ):
        r.per_trial("portfolio: ceded loss", exclude=["nope", "portfolio", RETRO])
    with pytest.raises(ValueError, match="exclude applies to the portfolio's figures, not to 'payer owner'"):
        r.per_trial("payer owner", exclude=RETRO)
    bare = replace(r, contracts={})
    with pytest.raises(ValueError, match=r"'rv_pool_retro'; it has: none \(the run has no portfolio\)"):
        bare.per_trial("portfolio: ceded loss", exclude=RETRO)


# ------------------------------------------------------------------------------- the event table
def with_events(n_events: int = 5_000, seed: int = 3) -> Results:
    """The synthetic run with an event table: random codes of every coded attribute (−1: an event
    without one), a payer column and the trial and policy year of each event."""
    r = synthetic_results(n_trials=200, n_years=2)
    rng = np.random.default_rng(seed)
    labels = {"state": ("RUS", "GAB", "NOR"), "zone": ("BALTIC", "RED_SEA"), "segment": ("vlcc", "aframax")}
    labels |= {"type": ("collision", "grounding", "fire"), "class": r.class_names}
    sizes = {"segment": 2, "zone": 2, "flag": 3, "coastal_state": 3, "type": 3, "pi_class": 5, "cause": 3}
    events = {c: rng.integers(-1, k, n_events) for c, k in sizes.items()}
    events |= {
        "trial": np.sort(rng.integers(0, r.n_trials, n_events)),
        "year": rng.integers(0, r.n_years, n_events),
        "payer:owner": rng.exponential(3.0, n_events),
    }
    return replace(r, events=events, labels=labels)


def test_the_event_tables_coded_attributes_are_categoricals_of_their_names():
    """Each coded attribute is a categorical whose values are the names the codes stand for (`labels`;
    "" for −1), as the plain strings were: a filter, a group's sums (`observed=True`, which pandas 2 needs)
    and the CSV, byte for byte, are those of the same table with each attribute a string column built from
    the codes by another route."""
    r = with_events()
    e = r.elt()
    reference = e.copy()
    label = {"flag": "state", "coastal_state": "state", "pi_class": "class"}
    for c in ("segment", "zone", "flag", "coastal_state", "type", "pi_class", "cause"):
        assert isinstance(e[c].dtype, pd.CategoricalDtype), c
        names = ("marine", "war", "sabotage") if c == "cause" else r.labels[label.get(c, c)]
        assert list(e[c].cat.categories) == [*names, ""]
        codes = r.events[c]
        strings = [names[k] if k >= 0 else "" for k in codes]
        assert e[c].tolist() == strings and "" in strings  # (events without one are there)
        reference[c] = pd.Series(strings, dtype=str)
    assert (e["year"] == r.start_year + r.events["year"]).all()
    assert e.to_csv(index=False) == reference.to_csv(index=False)
    none = e["pi_class"] == "none"
    assert none.equals(reference["pi_class"] == "none") and none.any()
    by_class = e.groupby(["pi_class", "zone"], observed=True)["payer:owner"].sum().to_dict()
    expected = reference.groupby(["pi_class", "zone"])["payer:owner"].sum().to_dict()
    assert by_class == pytest.approx(expected, rel=1e-12) and len(expected) == 6 * 3
    some = r.elt(columns=["zone", "payer:owner"])
    pd.testing.assert_frame_equal(some, e[["zone", "payer:owner"]])


def test_an_event_table_without_labels_keeps_its_codes():
    """A run whose labels lack a coded attribute's (a table built by hand) gives that attribute's codes."""
    r = with_events()
    e = replace(r, labels={k: v for k, v in r.labels.items() if k != "zone"}).elt()
    np.testing.assert_array_equal(e["zone"].to_numpy(), r.events["zone"])
    assert isinstance(e["segment"].dtype, pd.CategoricalDtype)


# --------------------------------------------------------------------------------- groups of trials
def test_per_trial_gives_the_summary_figures_trial_by_trial():
    r = synthetic_results(n_trials=300)
    s = r.summary()
    for figure in ("gxl_layer1: ceded loss", "portfolio: premium", "payer uncompensated", "spills_7t"):
        x = r.per_trial(figure)
        assert x.shape == (r.n_trials,) and x.mean() == pytest.approx(s.loc[figure, "mean"], rel=1e-12)
    c = r.contracts["hull_xol"]
    np.testing.assert_array_equal(
        r.per_trial("hull_xol: premium"), (c["premium"] + c["reinstatement_premium"]).mean(1)
    )
    np.testing.assert_array_equal(r.per_trial("payer owner"), r.year_arrays["payer:owner"].mean(axis=1))
    for wrong in ("nope: ceded loss", "payer nobody", "tonnage_gt", "gxl_layer1: loss"):
        with pytest.raises(ValueError, match="no figure"):
            r.per_trial(wrong)


def test_an_unknown_figure_is_told_the_names_there_are_and_the_closest():
    """`per_trial("portfolio: ceded_loss")` said only "a per-year statistic such as 'spills_7t'": not the
    run's statistics, nor that a space was meant. The message names every name of each kind the run has
    and the closest to the one given, for `per_trial` and `per_trial_year` alike."""
    r = synthetic_results(n_trials=20)
    stats = sorted(k for k, v in r.year_arrays.items() if v.ndim == 2 and not k.startswith("payer:"))
    assert "spills_7t" in stats and "detentions" in stats
    for method in (r.per_trial, r.per_trial_year):
        for wrong, meant in (
            ("portfolio: ceded_loss", "portfolio: ceded loss"),
            ("GXL_layer1: premium", "gxl_layer1: premium"),
            ("spill_7t", "spills_7t"),
            ("payer uncompensatd", "payer uncompensated"),
        ):
            with pytest.raises(ValueError) as caught:
                method(wrong)
            said = str(caught.value)
            assert said.startswith(f"no figure {wrong!r} in this run: "), said
            assert f"(contracts: {', '.join(r.contracts)})" in said
            assert f"(columns: {', '.join(r.payers())})" in said
            assert f"(statistics: {', '.join(stats)})" in said
            assert said.endswith(f" (did you mean {meant!r}?)"), said
    with pytest.raises(ValueError) as caught:
        r.per_trial("something else entirely")
    assert "did you mean" not in str(caught.value)
    with pytest.raises(TypeError, match=r"^figure must be the name of a figure, .*got None \(a NoneType\)$"):
        r.per_trial(None)  # type: ignore[arg-type]


def _clustered(n_trials: int = 3000) -> Results:
    """`synthetic_results` whose portfolio cedes exp(1.5 T + 0.5 e) in a policy year, T the trial's factor
    and e the year's (standard normals): a trial's bad years come together, as the model's share its
    climate factor and joins (design effect about 3 at 99.5%)."""
    r = synthetic_results(n_trials=n_trials, n_years=4)
    rng = np.random.default_rng(8)
    loss = np.exp(1.5 * rng.standard_normal((n_trials, 1)) + 0.5 * rng.standard_normal((n_trials, 4)))
    r.contracts["portfolio"] = {**r.contracts["portfolio"], "loss": loss}
    return r


def test_the_summary_gives_the_pooled_1_in_200_beside_the_largest_years():
    """Each contract's 1-in-200 of a policy year with every trial-year pooled follows its largest-year
    row: the inverted-CDF 99.5% quantile of all 12,000 trial-years, which lies between the years' own
    (a share of at least 99.5% in each year at the largest, so of all), of no one year (no ``year``; its
    ``year_basis`` "policy years pooled"). Its standard error is its
    interval's half-width over z, the interval computed here the long way: the trials' shares of years
    at or below it, their design effect d = 4 Var(shares) / (F (1 − F)), the binomial ranks of
    `quantile_ci` at round(12,000 / d) draws, mapped back onto the trial-years."""
    r = _clustered()
    s = r.summary()
    figures = list(s.index)
    for cid in r.contracts:
        assert figures.index(f"{cid}: {POOLED_TAIL_FIGURE}") == figures.index(f"{cid}: {TAIL_FIGURE}") + 1
    loss = r.contracts["portfolio"]["loss"]
    row = s.loc[f"portfolio: {POOLED_TAIL_FIGURE}"]
    value = np.quantile(loss.ravel(), 0.995, method="inverted_cdf")
    per_year = np.quantile(loss, 0.995, axis=0, method="inverted_cdf")
    assert row["mean"] == value and per_year.min() <= value <= per_year.max()
    assert row["unit"] == POOLED_TAIL_UNIT == "USD m in a policy year (reinsurer's share)"
    assert pd.isna(row["year"]) and row["year_basis"] == YEARS_POOLED
    largest = s.index.str.endswith((f": {TAIL_FIGURE}", f": {TVAR_FIGURE}"))  # (of the largest year)
    assert s.loc[~largest, "year"].isna().all() and s.loc[largest, "year"].notna().all()
    shares = (loss <= value).mean(axis=1)
    f = shares.mean()
    d = max(4 * shares.var() / (f * (1 - f)), 1.0)
    draws = round(loss.size / d)
    lower, upper = stats.binom.ppf([0.025, 0.975], draws, 0.995).astype(int)
    lo, hi = np.sort(loss.ravel())[[math.ceil(loss.size * k / draws) - 1 for k in (lower, upper + 1)]]
    assert d > 2 and row["standard_error"] == pytest.approx((hi - lo) / (2 * stats.norm.ppf(0.975)))
    assert bool(row["converged"]) == (row["standard_error"] <= 0.05 * value)
    # the trial-years taken as independent would give a narrower interval
    naive = metrics.quantile_ci(loss.ravel(), 0.995)
    assert naive[1] - naive[0] < hi - lo
    assert r.pooled_tail().value == value


def test_a_comparison_shows_each_runs_figure_and_unit_as_its_summary_does():
    """The comparison's scenario and baseline columns are the two summaries' means, bit for bit, so a
    page that shows both tables shows one figure once (summed in another order, a premium of 0.0015
    printed 0.002 in the contracts table and 0.001 in the comparison); and each figure has one unit in
    both (`figure_unit`): the summary said "USD m" of an expected loss the comparison called "USD m a year
    (reinsurer's share)", and "a year" of detentions it called "detentions a year" (notebook 01 rewrote
    the summary's units by hand). The payers' rows carry the market's unit, the contracts' the
    reinsurer's share, and the premium rows say they include the reinstatement premium."""
    a, b = synthetic_results("a", scale=1.5, seed=2), synthetic_results("b", seed=2)
    table = compare(a, b).table()
    sa, sb = a.summary(), b.summary()
    shared = [f for f in sa.index if f.replace("payer ", "payer:") in table.index]
    assert len(shared) >= 10 and "detentions" in shared and "spills_7t" in shared
    for f in shared:
        row = table.loc[f.replace("payer ", "payer:")]
        assert (row["scenario"], row["baseline"]) == (sa.loc[f, "mean"], sb.loc[f, "mean"]), f
        if not f.endswith(TAIL_FIGURE):  # (below)
            assert row["unit"] == sa.loc[f, "unit"] == figure_unit(f), f
    payers = sa.index.str.startswith("payer ")
    assert payers.any() and (sa.loc[payers, "unit"] == MARKET_UNIT).all()
    assert MARKET_UNIT == "USD m a year (market, 100%)"
    assert (sa.loc[sa.index.str.endswith(": ceded loss"), "unit"] == LOSS_UNIT).all()
    assert LOSS_UNIT == "USD m a year (reinsurer's share)"
    # (a premium row is the premium with its reinstatement premium, and its unit says so)
    assert (sa.loc[sa.index.str.endswith(": premium"), "unit"] == PREMIUM_UNIT).all()
    assert PREMIUM_UNIT == "USD m a year (reinsurer's share, with reinstatement premium)"
    assert "reinsurer's share" in BASIS and "whole market at 100%" in BASIS
    # the 1-in-200 of the largest year names its year in the summary; the comparison's, of two runs whose
    # largest years may differ, "its worst policy year"; both say whose figure it is
    tail = sa.loc[f"portfolio: {TAIL_FIGURE}"]
    assert tail["unit"] == f"USD m in {tail['year']} (reinsurer's share)"
    worst = "USD m in its worst policy year (reinsurer's share)"
    assert table.loc[f"portfolio: {TAIL_FIGURE}", "unit"] == figure_unit(f"portfolio: {TAIL_FIGURE}") == worst


def test_the_summary_year_is_a_number_and_its_basis_says_which_years():
    """The summary's ``year`` held NaN, "2027", "every year" and "pooled" as text: it could not be
    filtered as a number. It is a nullable Int64, the policy year of a 1-in-200 of the largest year (the
    first when every year's is the same, as `plot_ep` draws), NA for a figure of no one year; and
    ``year_basis`` says which years each figure is of. Here the portfolio's quantiles by year are computed
    by hand: the largest is its year."""
    r = synthetic_results(n_trials=2000)
    s = r.summary()
    assert s["year"].dtype == "Int64"
    loss = r.contracts["portfolio"]["loss"]
    worst = r.start_year + int(np.argmax(np.quantile(loss, 0.995, axis=0, method="inverted_cdf")))
    # (the contracts' losses are shares of the same events: one worst year)
    assert list(s.index[s["year"] == worst]) == [f"{c}: {TAIL_FIGURE}" for c in r.contracts]
    basis = s["year_basis"]
    averages = s.index.str.endswith((": ceded loss", ": premium")) | ~s.index.str.contains(": ")
    assert (basis[averages] == ANNUAL_AVERAGE).all() and s.loc[averages, "year"].isna().all()
    assert (basis[s.index.str.endswith(f": {TAIL_FIGURE}")] == LARGEST_YEAR).all()
    assert (basis[s.index.str.endswith(f": {POOLED_TAIL_FIGURE}")] == YEARS_POOLED).all()
    assert set(basis) == {ANNUAL_AVERAGE, LARGEST_YEAR, YEARS_POOLED}
    # a 1-in-200 the same in every year (the portfolio capped below each year's quantile): its year the
    # first, its basis and unit say it is every year's
    capped = synthetic_results(n_trials=2000)
    book = capped.contracts["portfolio"]
    book["loss"] = np.minimum(book["loss"], 0.5 * float(np.quantile(book["loss"], 0.995, axis=0).min()))
    tail = capped.summary().loc[f"portfolio: {TAIL_FIGURE}"]
    assert (tail["year"], tail["year_basis"]) == (2026, EVERY_YEAR_ALIKE)
    assert tail["unit"] == SAME_EACH_YEAR_UNIT == "USD m, the same in each policy year (reinsurer's share)"


def test_the_summary_notes_a_1_in_200_on_a_point_mass():
    """A layer of 5 (its full limit, one event a year) lost in 5% of the policy years of 2027 and 0.2% of
    the others has its 1-in-200 at 5 in 2027 with a standard error of 0 and "converged": it read as a
    precise estimate (gxl_layer2's "37.5 ± 0.000, converged True"). Its rows' note says what the CLI and
    the report say (`point_mass_words`): the most one event ceded, and the share of policy years that
    reach it, here counted by hand: of 2027 for the largest year's, of all the years for the pooled row
    (about 1.4%, over 0.5%: its quantile is 5 too) and for a layer that loses 5 in 3% of every year, whose
    1-in-200 is the same in each. A 1-in-200 with an error has no note."""
    r = synthetic_results(n_trials=2000)
    rng = np.random.default_rng(3)

    def layer(hit: np.ndarray) -> dict[str, np.ndarray]:
        return {f: np.zeros((2000, 4)) for f in CONTRACT_FIELDS} | {
            "loss": 5.0 * hit,
            "max_event_loss": 5.0 * hit,
        }

    one_year = rng.random((2000, 4)) < np.array([0.002, 0.05, 0.002, 0.002])
    every_year = rng.random((2000, 4)) < 0.03
    r = replace(r, contracts={**r.contracts, "layer": layer(one_year), "flat": layer(every_year)})
    s = r.summary()
    tail, pooled = s.loc[f"layer: {TAIL_FIGURE}"], s.loc[f"layer: {POOLED_TAIL_FIGURE}"]
    assert (tail["mean"], tail["standard_error"], tail["converged"]) == (5.0, 0.0, True)
    assert (tail["year"], tail["year_basis"], pooled["mean"], pooled["standard_error"]) == (
        2027,
        LARGEST_YEAR,
        5.0,
        0.0,
    )
    what = "the full limit of one event (the most any event ceded), reached in"
    assert tail["note"] == f"{what} {one_year[:, 1].mean():.1%} of policy years"
    assert pooled["note"] == f"{what} {one_year.mean():.1%} of policy years"
    flat = s.loc[f"flat: {TAIL_FIGURE}"]
    assert flat["year_basis"] == EVERY_YEAR_ALIKE
    assert flat["note"] == f"{what} {every_year.mean():.1%} of policy years"
    noted = [f"{c}: {t}" for c in ("layer", "flat") for t in (TAIL_FIGURE, POOLED_TAIL_FIGURE)]
    tails = s.index.str.endswith(TAIL_FIGURE) | s.index.str.endswith(POOLED_TAIL_FIGURE)
    assert (s[tails].drop(index=noted)["note"] == "").all()


def test_the_largest_years_and_the_pooled_1_in_200_of_a_point_mass_say_why_they_differ():
    """A one-line book of 200 trials × 5 years whose layer loses its limit, 0.6 (computed along paths that
    differ in the last bits), in about 5% of each year. 200 trials cannot bound a year's 1-in-200 above,
    and a limit the trials reach is no ceiling (a reinstatement, a horizon's sum exceed it): the largest
    year's row is 0.6, s.e. inf, not converged, beside the pooled 0.6 of 1,000 trial-years with an s.e.
    of exactly 0 (not 2.8e-17), converged. They read as a contradiction: the year's row had no note.
    Both now say what they are: "the full limit of one event (the most any event ceded), reached in x%
    of policy years", the year's with "; too few trials to bound it above" (summary.md's error cell
    "∞: " and the words). The tail's contributions have errors of exactly 0. The comparison of two such
    runs has an infinite 1-in-200 error paired and unpaired alike (the unpaired read 0 beside ∞)."""
    from riskmodel.store import summary_cells

    rng = np.random.default_rng(8)
    hit = rng.random((200, 5)) < 0.05
    hit[:12, 0] = True  # (at least 6% in the first year, the one an every-year-alike row is of)
    loss = np.where(hit, 0.6 + rng.choice([0.0, 1.1e-16, 2.2e-16], (200, 5)), 0.5 * rng.random((200, 5)))
    fields = {f: np.zeros((200, 5)) for f in CONTRACT_FIELDS} | {"loss": loss, "max_event_loss": loss}
    r = Results("x", 2026, 5, 200, 1, {"solo": fields, "portfolio": fields}, {}, {}, (), (), pd.DataFrame())
    s = r.summary()
    tail, pooled = s.loc[f"solo: {TAIL_FIGURE}"], s.loc[f"solo: {POOLED_TAIL_FIGURE}"]
    assert tail["mean"] == pytest.approx(0.6) and tail["standard_error"] == math.inf and not tail["converged"]
    assert pooled["mean"] == pytest.approx(0.6) and pooled["standard_error"] == 0.0 and pooled["converged"]
    what = (
        f"the full limit of one event (the most any event ceded), reached in {hit.mean():.1%} of policy years"
    )
    assert (
        tail["year_basis"] == EVERY_YEAR_ALIKE and tail["note"] == f"{what}; too few trials to bound it above"
    )
    assert pooled["note"] == what
    terms = {"scenario": {"portfolio": {"contracts": {"solo": {"limit_usd_m": 0.6}}}}}
    cells = summary_cells(r, terms)
    share = f"{hit.mean():.1%} of policy years"
    assert cells.loc[f"solo: {TAIL_FIGURE}", "standard_error"] == (
        f"∞: the full limit, reached in {share}; too few trials to bound it above"
    )
    assert (
        cells.loc[f"solo: {POOLED_TAIL_FIGURE}", "standard_error"]
        == f"none: the full limit, reached in {share}"
    )
    assert (r.tail_contributions()["contribution_standard_error"] == 0.0).all()
    more = np.where(rng.random((200, 5)) < 0.02, 0.6, loss)
    other = {f: np.zeros((200, 5)) for f in CONTRACT_FIELDS} | {"loss": more, "max_event_loss": more}
    b = Results("y", 2026, 5, 200, 1, {"solo": other, "portfolio": other}, {}, {}, (), (), pd.DataFrame())
    row = Comparison(b, r).table().loc[f"portfolio: {TAIL_FIGURE}"]
    assert row["standard_error"] == row["independent_standard_error"] == math.inf
    few = rng.random((300, 1)) * 0.5
    few[:1] = 0.6  # (one trial at its top: no tie, no point mass, no words)
    fields = {f: np.zeros((300, 1)) for f in CONTRACT_FIELDS} | {"loss": few, "max_event_loss": few}
    r = Results("x", 2026, 1, 300, 1, {"solo": fields}, {}, {}, (), (), pd.DataFrame())
    tail = r.summary().loc[f"solo: {TAIL_FIGURE}"]
    assert tail["standard_error"] == math.inf and tail["note"] == ""


def test_the_html_summary_says_its_bases_and_the_calibration_caveat():
    """A notebook shows a `Results` as HTML: it showed neither whose figures its rows are (`BASIS`) nor
    the calibration caveat that summary.md and the report print under the world model's figures. Both
    are under the table, escaped, as is the run's name; the note column appears when a row has a note."""
    import html

    r = replace(synthetic_results(n_trials=500), scenario_name="a <b> & c")
    page = r._repr_html_()
    assert html.escape(BASIS) in page and html.escape(CALIBRATION_CAVEAT) in page
    where = [page.index(text) for text in ("</table>", html.escape(BASIS), html.escape(CALIBRATION_CAVEAT))]
    assert where == sorted(where)
    assert "a &lt;b&gt; &amp; c" in page and "<b>" not in page
    assert "year_basis" in page and LOSS_UNIT in page
    assert (">note<" in page) == r.summary()["note"].ne("").any()  # (its Pareto tails: one trial's variance)
    # a run of user perils only (no Funds' figures): no caveat
    plain = replace(r, year_arrays={k: v for k, v in r.year_arrays.items() if k != "payer:fund_1992"})
    assert plain.calibration_caveat is None and html.escape(BASIS) in plain._repr_html_()
    assert "Calibration status" not in plain._repr_html_()
    capped = replace(r, contracts={"layer": {**r.contracts["hull_xol"], "loss": np.full((500, 4), 2.0)}})
    capped.contracts["layer"]["max_event_loss"] = capped.contracts["layer"]["loss"]
    assert ">note<" in capped._repr_html_() and "the full limit of one event" in capped._repr_html_()


def test_by_joiners_groups_the_trials_by_their_members():
    """Each group's figures are those of its trials, found independently from `members`; the groups
    partition the trials; the p-value is the permutation test of the trials' figures by group. The TVaR is
    annual: of a policy year's loss, the group's trial-years pooled (400 trials, 4 years: 71 trials in the
    top group, 284 trial-years, under the 400 needed for 20 beyond the 95% quantile; it needs 20 trials
    with a year beyond it, `metrics.trials_beyond`)."""
    r = synthetic_results(n_trials=400, n_years=4)
    t = r.by_joiners(groups=(0, 1, 2))
    joined = r.members().to_numpy().sum(axis=1)  # 0, 1 or 2 of the two candidates
    assert list(t.index) == ["0", "1", "2+"] and t["trials"].sum() == r.n_trials
    np.testing.assert_allclose(t["share_of_trials"].sum(), 1.0)
    loss = r.contracts["portfolio"]["loss"].mean(axis=1)
    unc = r.year_arrays["payer:uncompensated"].mean(axis=1)
    for label, n in (("0", 0), ("1", 1), ("2+", 2)):
        sel = joined == n
        assert t.loc[label, "trials"] == sel.sum()
        assert t.loc[label, "portfolio: ceded loss: mean"] == pytest.approx(loss[sel].mean(), rel=1e-12)
        se = loss[sel].std(ddof=1) / np.sqrt(sel.sum())
        assert t.loc[label, "portfolio: ceded loss: standard_error"] == pytest.approx(se)
        tvar = t.loc[label, "portfolio: ceded loss: TVaR 95%"]
        # (the TVaR needs 20 trials with a year beyond the pooled 95% quantile)
        group = r.contracts["portfolio"]["loss"][sel]
        years = group.ravel()
        beyond = int((group > np.quantile(years, 0.95, method="inverted_cdf")).any(axis=1).sum())
        assert tvar == pytest.approx(metrics.tvar(years, 0.95)) if beyond >= 20 else np.isnan(tvar)
        assert t.loc[label, "payer uncompensated: mean"] == pytest.approx(unc[sel].mean(), rel=1e-12)
        # the synthetic scheme holds 10 million GT a year of the horizon: 30 in the last, whoever joined
        assert t.loc[label, "scheme tonnage (million GT)"] == pytest.approx(30.0)
    assert (t["trials"] >= 100).any() and (t["trials"] < 100).any()  # (both TVaR cases are seen)
    p = t.attrs["p_value"]["portfolio: ceded loss"]
    assert p == metrics.groups_differ_p_value(loss, np.minimum(joined, 2))
    # joins are drawn independently of the losses here: the groups should not differ (a 1-in-1000 miss)
    assert p > 0.001
    # the trend is the rank correlation with the count of joiners itself, not with its group
    assert t.attrs["trend"]["portfolio: ceded loss"] == metrics.rank_trend(loss, joined)
    assert set(t.attrs["trend"]) == set(t.attrs["p_value"])
    # the default groups: counts no trial reaches are left out; the year moves the counts
    assert list(r.by_joiners().index) == ["0", "1", "2"]
    assert r.by_joiners(year=2026)["trials"].sum() == r.n_trials
    assert (r.by_joiners(year=2026).index.astype(int) <= 1).all()  # BLR joins in the last year only
    assert list(r.by_joiners("payer owner").columns[2:4]) == [
        "payer owner: mean",
        "payer owner: standard_error",
    ]
    for same in (pd.Series([0, 1, 2]), pd.Index([0, 1, 2]), np.array([0, 1, 2], np.int32), range(3)):
        pd.testing.assert_frame_equal(r.by_joiners(groups=same), t)  # (t's groups as a tuple)
    for wrong in (
        (1, 2),
        (0, 2, 2),
        (0, 1.5),
        (),
        "012",
        pd.Series(["0", "1"]),
        {0, 1},
        pd.DataFrame({0: [5], 1: [6]}),
    ):
        with pytest.raises(ValueError, match="groups must be integers increasing from 0"):
            r.by_joiners(groups=wrong)
    bare = synthetic_results(n_trials=50, scheme=False)
    assert bare.by_joiners().empty and bare.by_joiners().attrs["p_value"] == {}
    assert bare.by_joiners().attrs["trend"] == {}
    with pytest.raises(ValueError, match="outside the run's policy years"):
        bare.by_joiners(year=1999)


def test_by_joiners_needs_twenty_trials_beyond_the_quantile_for_its_tvar():
    """The pooled TVaR's error counts the trials as the draws, so the rule for showing it counts trials: a
    group of about 210 trials (840 trial-years, 42 beyond its 95% quantile) whose bad years are 8 trials'
    every year (32 trial-years of 1,000) and a few others' has 42 trial-years but under 20 trials beyond
    it: NaN, where counting trial-years (20 needed) showed it."""
    r = synthetic_results(n_trials=400, n_years=4)
    joined = r.members().to_numpy().sum(axis=1)
    sel = joined == 1
    loss = np.random.default_rng(4).random((r.n_trials, r.n_years))
    loss[np.flatnonzero(sel)[:8]] = 1000.0
    r.contracts["portfolio"]["loss"] = loss
    group = loss[sel]
    assert sel.sum() * r.n_years * 0.05 >= 20 and metrics.trials_beyond(group, 0.95) < 20
    t = r.by_joiners(groups=(0, 1, 2))
    assert np.isnan(t.loc["1", "portfolio: ceded loss: TVaR 95%"])
    assert np.isnan(t.loc["1", "portfolio: ceded loss: TVaR 95% standard_error"])


def test_by_joiners_finds_a_figure_that_grows_with_the_joins():
    """A figure built to rise by 1 per joined state (plus noise of SD 1) moves between the groups by about
    1 per state, and the permutation test says so (its smallest p-value, 1/1000)."""
    r = synthetic_results(n_trials=2_000, n_years=4)
    joined = r.members().to_numpy().sum(axis=1)
    rng = np.random.default_rng(3)
    grows = joined[:, None] + rng.standard_normal((r.n_trials, r.n_years))
    r.year_arrays["payer:uncompensated"] = grows
    t = r.by_joiners(figures=("payer uncompensated",), groups=(0, 1, 2))
    means, ses = t["payer uncompensated: mean"], t["payer uncompensated: standard_error"]
    for label, n in (("0", 0), ("1", 1), ("2+", 2)):
        assert abs(means[label] - n) < 4 * ses[label]
    assert t.attrs["p_value"]["payer uncompensated"] == pytest.approx(1 / 1000)
    trend = t.attrs["trend"]["payer uncompensated"]
    assert trend.rho > 0.1 and trend.p_value < 1e-6


def test_by_joiners_tells_groups_that_differ_from_a_trend():
    """The joins set so that a third of the trials have 0, 1 and 2 joiners: a figure high with one joiner
    and equally low with none and with two (the same values in both) differs between the groups (the
    permutation test's smallest p-value) but has no trend: its rank correlation with the count is 0
    (p = 1). One that rises by 1 per joiner has both."""
    r = synthetic_results(n_trials=3_000, n_years=4)
    third = r.n_trials // 3
    irn = np.repeat([NEVER, 0, 0], third)  # IRN a member in the second and third thirds, BLR in the third
    blr = np.repeat([NEVER, NEVER, 0], third)
    r.trial_arrays["join_year"] = np.column_stack([np.zeros(r.n_trials, int)] * 2 + [irn, blr])
    joined = np.repeat([0, 1, 2], third)
    assert (r.members().to_numpy().sum(axis=1) == joined).all()
    rng = np.random.default_rng(8)
    side = rng.standard_normal(third)
    bump = np.concatenate([side, 1.0 + rng.standard_normal(third), side])
    r.year_arrays["payer:uncompensated"] = np.repeat(bump[:, None], r.n_years, axis=1)
    r.year_arrays["payer:owner"] = joined[:, None] + rng.standard_normal((r.n_trials, r.n_years))
    t = r.by_joiners(figures=("payer uncompensated", "payer owner"), groups=(0, 1, 2))
    assert t.attrs["p_value"]["payer uncompensated"] == pytest.approx(1 / 1000)
    flat = t.attrs["trend"]["payer uncompensated"]
    assert abs(flat.rho) < 1e-12 and flat.p_value == pytest.approx(1.0)
    assert t.attrs["p_value"]["payer owner"] == pytest.approx(1 / 1000)
    rising = t.attrs["trend"]["payer owner"]
    assert rising.rho > 0.3 and rising.p_value < 1e-12


def test_the_ledger_and_the_market_sanctions_have_their_standard_errors():
    """`ledger_standard_errors` and `sanctions_exposure_standard_errors` are in the shape of the means they
    belong to. A year's error is that of the trials' values in that year; the ledger's average over the
    horizon (``mean``) has the error of the trials' averages over their years (a payer of one value a
    trial repeated in every year: SD/√n, not SD/√(n × years)); a figure the same in every trial (the
    designated share 0.4 of `synthetic_results`) has an error of exactly 0."""
    r = synthetic_results(n_trials=1_000)
    per_trial = np.random.default_rng(4).exponential(2.0, r.n_trials)
    r.year_arrays["payer:war_pi"] = np.repeat(per_trial[:, None], r.n_years, axis=1)
    ledger, errors = r.ledger(), r.ledger_standard_errors()
    assert errors.index.equals(ledger.index) and errors.columns.equals(ledger.columns)
    trials_se = per_trial.std(ddof=1) / np.sqrt(r.n_trials)
    np.testing.assert_allclose(errors.loc["war_pi"], trials_se, rtol=1e-12)
    owner = r.year_arrays["payer:owner"]
    np.testing.assert_allclose(
        errors.loc["owner", list(r.years)], owner.std(axis=0, ddof=1) / np.sqrt(r.n_trials), rtol=1e-12
    )
    exposure, exposure_se = r.sanctions_exposure(), r.sanctions_exposure_standard_errors()
    assert exposure_se.index.equals(exposure.index) and exposure_se.columns.equals(exposure.columns)
    assert (exposure_se["designated_share"] == 0).all()
    detentions = r.year_arrays["detentions"]
    np.testing.assert_allclose(
        exposure_se["detentions"], detentions.std(axis=0, ddof=1) / np.sqrt(r.n_trials), rtol=1e-12
    )
    assert (exposure_se["claims_blocked_delayed"] > 0).all()


def test_sanctions_by_contract_leaves_out_and_names_the_contracts_without_a_figure():
    """A book's table was mostly rows of zeros (a reviewer counted 48 before the two that mattered). A
    contract with no exposed premium or limit and nothing blocked in any year (gxl_layer1 here, its blocks
    removed) is left out and named; one with blocks but no exposure (hull_xol) or with exposure (the
    retro) keeps every row, as `every_contract=True` (the run folder's sanctions.csv) has it, and the
    portfolio's rows come last, its figures still the sums over every contract."""
    r = with_retro(written=True)
    contracts = dict(r.contracts)
    zero = np.zeros((r.n_trials, r.n_years))
    contracts["gxl_layer1"] = contracts["gxl_layer1"] | {"blocked_delayed": zero, "blocked_permanent": zero}
    contracts["portfolio"] = {
        f: sum(c[f] for cid, c in contracts.items() if cid != "portfolio") for f in CONTRACT_FIELDS
    }
    nothing = {"share": 0.0, "limit": 0.0}
    exposure = {"gxl_layer1": nothing, "hull_xol": nothing, RETRO: {"share": 1.0, "limit": 4.0}}
    r = replace(r, contracts=contracts, contract_exposure=exposure)

    full = r.sanctions_by_contract(every_contract=True)
    table = r.sanctions_by_contract()
    assert list(dict.fromkeys(full["contract"])) == ["gxl_layer1", "hull_xol", RETRO, "portfolio"]
    assert list(dict.fromkeys(table["contract"])) == ["hull_xol", RETRO, "portfolio"]
    assert (full.loc[full["contract"] == "gxl_layer1"].drop(columns=["contract", "year"]) == 0).all().all()
    kept = full[full["contract"] != "gxl_layer1"].reset_index(drop=True)
    assert table.equals(kept) and table.dtypes.equals(full.dtypes)
    assert table.attrs["without_exposure"] == ("gxl_layer1",)
    assert table.attrs["note"].startswith("1 of 3 contracts left out, without premium or limit on sanctioned")
    assert "gxl_layer1 (every_contract=True lists them)" in table.attrs["note"]
    assert (
        len(table) == 3 * (r.n_years + 1)
        and (table["contract"].iloc[-(r.n_years + 1) :] == "portfolio").all()
    )

    everything = replace(r, contract_exposure={cid: {"share": 1.0, "limit": 1.0} for cid in exposure})
    table = everything.sanctions_by_contract()
    assert table.equals(everything.sanctions_by_contract(every_contract=True))
    assert table.attrs["without_exposure"] == () and "note" not in table.attrs


# ------------------------------------------------------------------------- a comparison's units and verdict
def _with_fixed_premiums(r: Results, premium: float) -> Results:
    """`r` with a contract ``fixed`` that earns `premium` in every trial-year and cedes nothing, and the
    IG-entered tonnage (a tonnage base, in GT, as the market stage writes it): the IG clubs' tanker GT
    plus 1,080 million GT of other ships."""
    shape = (r.n_trials, r.n_years)
    fixed = {f: np.zeros(shape) for f in CONTRACT_FIELDS} | {"premium": np.full(shape, premium)}
    entered = r.year_arrays["tonnage_gt"][..., 0] + 1.08e9
    return replace(
        r,
        contracts={**r.contracts, "fixed": fixed},
        year_arrays={**r.year_arrays, "base:ig_entered_gt": entered},
    )


def test_a_comparison_says_each_rows_unit_and_basis():
    """`Comparison.table()` had no units: USD m at our share, USD m of the whole market, counts and the
    IG-entered tonnage in plain GT (1.365e9, among figures of a few USD m) side by side. Each row now says
    its unit and whose figure it is, in the words of the terminal's and the report's caption
    (`COMPARISON_BASIS`, in ``attrs["caption"]``); the tonnage base is in million GT, as the tonnage rows:
    1,080 + 300 − 5y million GT in policy year y of the synthetic run, 1,372.5 on average over its four."""
    a = _with_fixed_premiums(synthetic_results("a", scale=1.5, seed=2), 0.0015)
    b = _with_fixed_premiums(synthetic_results("b", seed=2), 0.0015)
    table = compare(a, b).table()
    assert list(table.columns) == [
        "unit",
        "scenario",
        "baseline",
        "difference",
        "standard_error",
        "independent_standard_error",
        "z",
        "p_value",
        "note",
    ]
    unit = table["unit"]
    assert (
        unit["gxl_layer1: ceded loss"] == unit["portfolio: ceded loss"] == "USD m a year (reinsurer's share)"
    )
    assert unit["hull_xol: premium"] == "USD m a year (reinsurer's share, with reinstatement premium)"
    assert unit[f"portfolio: {TAIL_FIGURE}"] == "USD m in its worst policy year (reinsurer's share)"
    market = [f for f in table.index if f.startswith("payer:")] + ["base:ig_gxl_premium"]
    assert len(market) == 6 and (unit[market] == "USD m a year (market, 100%)").all()
    gt = [f for f in table.index if f.startswith("tonnage:")] + ["base:ig_entered_gt"]
    assert len(gt) == 6 and (unit[gt] == "million GT").all()
    assert (unit["spills_7t"], unit["detentions"]) == ("spills a year", "detentions a year")
    assert table.loc["base:ig_entered_gt", "scenario"] == pytest.approx(1372.5, rel=1e-12)
    assert table.loc["base:ig_entered_gt", "scenario"] - table.loc["tonnage:ig", "scenario"] == (
        pytest.approx(1080.0, rel=1e-12)
    )
    # one set of words for the frame, the terminal and the page
    caption = table.attrs["caption"]
    assert COMPARISON_BASIS in caption and COMPARISON_UNITS in COMPARISON_BASIS and BASIS in COMPARISON_BASIS
    from riskmodel.cli.run import comparison_title

    assert COMPARISON_BASIS in comparison_title(("a", "b"), 4096, 7)
    assert table.loc[["hull_xol: premium"]].attrs["caption"] == caption  # (a selection keeps it)


def test_a_comparison_judges_each_difference_by_its_standard_error():
    """``z`` is the difference over its paired standard error and ``p_value`` its two-sided normal p-value.
    A figure the same in every trial has errors of exactly 0, not float noise (an independent s.e. of
    6.9e-21 on a fixed premium of 0.0015): the same in both runs, z 0 and p-value 1 (no change); a fixed
    premium of 0.002 against 0.0015, z +inf and p-value 0 (certain). A run against itself: nothing moves.
    With one trial there is no error, and no verdict."""
    from scipy.stats import norm

    a = _with_fixed_premiums(synthetic_results("a", scale=1.5, seed=2), 0.0015)
    b = _with_fixed_premiums(synthetic_results("b", seed=2), 0.0015)
    table = compare(a, b).table()
    varies = table[table["standard_error"] > 0]
    assert len(varies) >= 10
    np.testing.assert_allclose(varies["z"], varies["difference"] / varies["standard_error"], rtol=1e-15)
    np.testing.assert_allclose(varies["p_value"], 2 * norm.sf(varies["z"].abs()), rtol=1e-9)
    loss = table.loc["gxl_layer1: ceded loss"]
    assert loss["z"] > 3 and loss["p_value"] < 0.003  # (losses times 1.5: a clear rise)
    # the fixed premium: its float noise (the case the finding met) is set aside
    per_trial = a.per_trial("fixed: premium")
    assert metrics.paired_difference(per_trial, per_trial).se_independent > 0
    same = table.loc["fixed: premium", ["difference", "standard_error", "independent_standard_error"]]
    assert same.to_list() == [0.0, 0.0, 0.0]
    assert table.loc["fixed: premium", ["z", "p_value"]].to_list() == [0.0, 1.0]
    dearer = compare(_with_fixed_premiums(synthetic_results("a", scale=1.5, seed=2), 0.002), b).table()
    row = dearer.loc["fixed: premium"]
    assert row["difference"] == pytest.approx(0.0005) and row["standard_error"] == 0.0
    assert (row["z"], row["p_value"]) == (np.inf, 0.0)
    itself = compare(a, a).table()
    assert (itself["difference"] == 0).all() and (itself["standard_error"] == 0).all()
    assert (itself["z"] == 0).all() and (itself["p_value"] == 1).all()
    one = synthetic_results(n_trials=1)
    alone = compare(one, one).table()
    assert alone.loc["portfolio: ceded loss", ["z", "p_value"]].isna().all()


def test_a_difference_whose_error_is_infinite_has_no_z_or_p_value():
    """A 1-in-200 of too few trials to bound its error (100 here: its bootstrap s.e. is infinite) had z 0
    and p-value 1, whatever the difference (+5.5 here, the 1-in-200 of losses times 1.5): filtering
    ``p_value < 0.05`` hid the row and p 1 read as "certainly no change". With no error to judge it by
    there is no z and no p-value: NaN, as with one trial, and as `describe_difference` words it."""
    a = synthetic_results("a", scale=1.5, seed=2, n_trials=100)
    b = synthetic_results("b", seed=2, n_trials=100)
    row = compare(a, b).table().loc[f"portfolio: {TAIL_FIGURE}"]
    assert math.isinf(row["standard_error"]) and row["difference"] > 5  # (scaled by 1.5: a clear rise)
    assert math.isnan(row["z"]) and math.isnan(row["p_value"])
    assert Comparison._significance(5.5, math.inf) == Comparison._significance(5.5, math.nan)
    assert all(math.isnan(v) for v in Comparison._significance(0.0, math.inf))


def _without(r: Results, contract: str) -> Results:
    """`r` with a portfolio that lacks `contract`: the other contracts as they are, the portfolio their
    sum (a run of a book that never wrote it)."""
    contracts = {cid: c for cid, c in r.contracts.items() if cid not in (contract, "portfolio")}
    portfolio = {f: sum(c[f] for c in contracts.values()) for f in CONTRACT_FIELDS}
    return replace(r, contracts={**contracts, "portfolio": portfolio})


def test_a_comparison_of_two_portfolios_says_so_and_marks_the_contracts_one_run_lacks():
    """compare() of a run whose book lacks hull_xol against one whose book has it gave no warning:
    hull_xol's rows read 0.000 for the run without it, and the portfolio's rows were the difference of
    two books, as if the scenario had changed the losses. The portfolios are now a mismatch line (a
    `UserWarning`, as another seed is), and each table a person reads marks the contract's figures in the
    run that lacks it "not written" (the report's word for a contract with nothing written), where the
    frame still counts them 0 (what that book cedes and earns on it) and lists them in
    ``attrs["not_written"]``. The runs still share their random numbers: the shared contract's rows are
    paired as before, and the report does not call them unpaired."""
    from riskmodel.cli.run import comparison_view
    from riskmodel.report import _comparison_cells

    b = synthetic_results("b", seed=2, n_trials=300)
    a = _without(synthetic_results("a", scale=1.5, seed=2, n_trials=300), "hull_xol")
    with pytest.warns(UserWarning) as caught:
        comparison = compare(a, b)
    line = (
        "portfolios differ (hull_xol only in the baseline): the run without a contract did not write it "
        "(its figures there read 'not written', counted as 0 in the differences), and the portfolio's rows "
        "compare two books"
    )
    assert [str(w.message) for w in caught] == [line] and comparison.mismatches() == [line]
    assert comparison.shares_random_numbers
    table = comparison.table()
    lacking = ("hull_xol: ceded loss", "hull_xol: premium")
    assert table.attrs["not_written"] == {"scenario": lacking, "baseline": ()}
    assert (table.loc[list(lacking), "scenario"] == 0).all() and (
        table.loc[list(lacking), "baseline"] > 0
    ).all()
    assert table.loc[list(lacking), "difference"].equals(-table.loc[list(lacking), "baseline"])
    view = comparison_view(table, ("a", "b"))
    assert (view.loc[list(lacking), "a"] == "not written").all()
    assert view.loc[list(lacking), "b"].to_list() == table.loc[list(lacking), "baseline"].to_list()
    assert view.loc["gxl_layer1: ceded loss", "a"] == table.loc["gxl_layer1: ceded loss", "scenario"]
    cells = _comparison_cells(table.loc[:, list(COMPARISON_SHOWN)])
    assert (cells.loc[list(lacking), "scenario"] == "not written").all()
    # the other way round, and the same book in both: no line, nothing marked
    with pytest.warns(UserWarning, match=r"^portfolios differ \(hull_xol only in the scenario\)"):
        assert compare(b, a).table().attrs["not_written"] == {"scenario": (), "baseline": lacking}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        same = compare(synthetic_results("a", scale=1.5, seed=2, n_trials=300), b)
    assert same.mismatches() == [] and same.table().attrs["not_written"] == {"scenario": (), "baseline": ()}


# ------------------------------------------------------------------------------- an unknown contract
def test_an_unknown_contract_names_the_runs_and_the_closest():
    """`losses`, `ylt`, `alt`, `ep_table`, `metrics` and `annual_tail` raised a bare ``KeyError:
    'gxl_layer4'``; each now says which contracts the run has, and for a misspelt id the closest (as the
    plots did, without the closest): one lookup for every table and chart of a contract. Still a
    KeyError, as a lookup in `contracts` is."""
    r = synthetic_results(n_trials=300)
    calls = {
        "losses": r.losses,
        "ylt": r.ylt,
        "alt": r.alt,
        "ep_table": r.ep_table,
        "metrics": r.metrics,
        "annual_tail": r.annual_tail,
    }
    for name, call in calls.items():
        with pytest.raises(UnknownContractError) as caught:
            call("GXL_layer1")
        assert isinstance(caught.value, KeyError), name
        assert str(caught.value) == (
            "unknown contract 'GXL_layer1'; the run has: gxl_layer1, hull_xol, portfolio "
            "(did you mean 'gxl_layer1'?)"
        ), name
        with pytest.raises(
            KeyError, match=r"^unknown contract 'storm_xol'; the run has: gxl_layer1, hull_xol, portfolio$"
        ):
            call("storm_xol")
    assert Results.metrics.__doc__ and "VaR and TVaR" in Results.metrics.__doc__


# ----------------------------------------------------------------------- arguments checked at the door
def test_an_unknown_statistic_names_the_runs_and_the_closest():
    """`statistic("nope")` raised a bare ``KeyError: 'nope'`` and ``statistic("tonnage_gt")`` a pandas
    error about 1-dimensional data; each now says which statistics the run has (its arrays of one figure a
    trial-year), and for a misspelt name the closest."""
    r = synthetic_results(n_trials=50)
    known = sorted(k for k, v in r.year_arrays.items() if v.ndim == 2)
    assert "spills_7t" in known and "tonnage_gt" not in known
    with pytest.raises(ValueError) as caught:
        r.statistic("spill_7t")
    assert str(caught.value) == (
        f"no statistic 'spill_7t' in this run: give one of {', '.join(known)} (did you mean 'spills_7t'?)"
    )
    with pytest.raises(
        ValueError, match=r"^'tonnage_gt' has several figures a trial-year \(shape \(50, 4, 5\)"
    ):
        r.statistic("tonnage_gt")
    with pytest.raises(ValueError, match=r"^no statistic 7 in this run: give one of base:ig_gxl_premium, "):
        r.statistic(7)
    np.testing.assert_array_equal(r.statistic("spills_7t")["mean"], r.year_arrays["spills_7t"].mean(axis=0))


def test_a_statistic_of_one_trial_has_no_error_and_no_warning():
    """`statistic` of a one-trial run gave NaN errors with numpy's RuntimeWarning "Degrees of freedom <= 0"
    where `ledger_standard_errors` and the others give NaN quietly: one trial tells nothing of the spread.
    With more trials the error is the SD over trials / √n, exactly 0 for a figure the same in every
    trial (not its float noise)."""
    one = synthetic_results(n_trials=1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        table = one.statistic("spills_7t")
    assert table["standard_error"].isna().all() and table["mean"].notna().all()
    r = synthetic_results(n_trials=50)
    x = r.year_arrays["spills_7t"]
    expected = [np.std(x[:, y], ddof=1) / math.sqrt(50) for y in range(r.n_years)]
    np.testing.assert_allclose(r.statistic("spills_7t")["standard_error"], expected, rtol=1e-12)
    flat = replace(r, year_arrays={**r.year_arrays, "flat": np.full((50, r.n_years), 0.1)})
    assert (flat.statistic("flat")["standard_error"] == 0.0).all()


def test_a_horizon_of_one_year_is_that_year():
    """`horizon` labelled a one-year run "2026–2026" (EP chart titles, the comparison's mismatch line);
    one year is "2026", several "2026–2029"."""
    assert synthetic_results(n_trials=5, n_years=1).horizon == "2026"
    assert synthetic_results(n_trials=5, n_years=4).horizon == "2026–2029"
    assert synthetic_results(n_trials=5, n_years=2, start_year=2030).horizon == "2030–2031"


def test_the_year_loss_table_is_the_declared_one_of_the_contracts():
    """`ylt()` held a ``portfolio`` row beside the contracts (summed per trial-year it gave twice the
    portfolio's loss, 13.19 for 6.59) and lacked the declared ``result`` column. It is the declared table
    ``ylt`` (docs/outputs.md): one row per trial, policy year (calendar) and contract, the contracts only,
    whose rows summed per trial-year are the portfolio's figures; ``result`` = premium + reinstatement
    premium − loss. The portfolio is no contract of it: `ylt("portfolio")` says how to get its figures."""
    from riskmodel.tables import spec

    r = synthetic_results(n_trials=30, n_years=3)
    y = r.ylt()
    assert list(y.columns) == spec("ylt").names
    assert set(y["contract"]) == set(r.contract_ids) and "portfolio" not in set(y["contract"])
    assert len(y) == 30 * 3 * len(r.contract_ids)
    summed = y.groupby(["trial", "year"])[["loss", "premium", "reinstatement_premium"]].sum()
    portfolio = r.contracts["portfolio"]
    for column in ("loss", "premium", "reinstatement_premium"):
        np.testing.assert_allclose(summed[column].to_numpy(), portfolio[column].ravel(), rtol=1e-12)
    assert set(y["year"]) == {2026, 2027, 2028}
    one = r.ylt("hull_xol")
    c = r.contracts["hull_xol"]
    np.testing.assert_array_equal(
        one["result"], (c["premium"] + c["reinstatement_premium"] - c["loss"]).ravel()
    )
    assert (one["trial"].to_numpy() == np.repeat(np.arange(30), 3)).all()
    with pytest.raises(ValueError, match=r"^the year loss table holds the contracts; the portfolio's"):
        r.ylt("portfolio")
    with pytest.raises(UnknownContractError):
        r.ylt("hull")
    empty = Results("x", 2026, 2, 3, 1, {}, {}, {}, (), (), pd.DataFrame()).ylt()
    assert list(empty.columns) == spec("ylt").names and empty.empty


def test_levels_and_tails_are_numbers_between_0_and_1():
    """`metrics(levels=0.99)` failed with "'float' object is not iterable", ``levels=["0.99"]`` with "'<'
    not supported", and ``by_joiners(tail="0.99")`` with "Unknown format code 'g'". One level is now a
    list of one; a string, a bool or a level outside (0, 1) is refused naming the argument."""
    r = synthetic_results(n_trials=300)
    pd.testing.assert_frame_equal(r.metrics(levels=0.99), r.metrics(levels=[0.99]))
    pd.testing.assert_frame_equal(r.metrics(levels=np.array([0.99])), r.metrics(levels=[0.99]))
    allowed = "must be a number between 0 and 1, exclusive, such as 0.995"
    calls = {
        "levels[0]": lambda v: r.metrics(levels=[v]),
        "tail": lambda v: r.by_joiners(tail=v),
        "level": lambda v: r.tail_contributions(v),
    }
    for name, call in calls.items():
        pattern = re.escape(f"{name} {allowed}, got ")
        with pytest.raises(TypeError, match=f"^{pattern}'0.99' \\(a str\\)$"):
            call("0.99")
        with pytest.raises(TypeError, match=f"^{pattern}True \\(a bool\\)$"):
            call(True)
        for wrong in (0, 1.0, 99.5, math.nan):
            with pytest.raises(ValueError, match=f"^{pattern}{wrong}$"):
                call(wrong)
    with pytest.raises(TypeError, match=r"^levels must be a level or a sequence of levels"):
        r.metrics(levels="0.99")


def test_a_relative_error_is_a_finite_number_above_0():
    """`alt` and `summary` took ``rel_error=-1`` or NaN and read every row as not converged; now refused."""
    r = synthetic_results(n_trials=300)
    allowed = re.escape(
        "rel_error must be a finite number greater than 0 (0.05: a standard error of at most "
    )
    for call in (
        lambda e: r.alt(rel_error=e),
        lambda e: r.summary(rel_error=e),
        lambda e: r.metrics(rel_error=e),
    ):
        for wrong in (-1, 0, math.nan, math.inf):
            with pytest.raises(ValueError, match=f"^{allowed}.*, got {wrong}$"):
                call(wrong)
        with pytest.raises(TypeError, match=f"^{allowed}.*, got '0.05' \\(a str\\)$"):
            call("0.05")
    # (any finite bound above 0 is taken; a figure with an error that rests on no one trial)
    s = r.summary()
    figure = s.index[(s["note"] == "") & (s["standard_error"] > 0) & (s["year_basis"] == "annual average")][0]
    assert r.summary(rel_error=1e6).loc[figure, "converged"] and not r.summary(1e-12).loc[figure, "converged"]


def test_return_periods_are_finite_and_above_1():
    """``ep_table(return_periods=[inf])`` gave rows of NaN and a RuntimeWarning for each; now refused, as
    a string is (read as a number before). One return period is a list of one."""
    r = synthetic_results(n_trials=300)
    pd.testing.assert_frame_equal(r.ep_table(return_periods=200), r.ep_table(return_periods=[200]))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # (no RuntimeWarning before the error)
        with pytest.raises(
            ValueError, match=r"^return_periods\[0\] must be a finite number greater than 1 .*inf$"
        ):
            r.ep_table(return_periods=[math.inf])
    for wrong in (1, 0.5, -5, math.nan):
        with pytest.raises(ValueError, match=rf"^return_periods\[1\] must be .*, got {wrong}$"):
            r.ep_table(return_periods=[200, wrong])
    with pytest.raises(TypeError, match=r"^return_periods\[0\] must be .*, got '100' \(a str\)$"):
        r.ep_table(return_periods=["100"])


def test_every_policy_year_argument_is_one_int_year_of_the_run():
    """`members(2027.5)` and `tonnage(2027.5)` read policy year 2027, and they (as `by_joiners` and
    `tail_contributions`) took ``"2027"``, which `plot_ep` refused: one check now takes a policy year
    everywhere: an int of the run's years (a numpy integer too), else an error naming them and what None
    means there."""
    r = synthetic_results(n_trials=300)
    calls = [
        (r.members, "the last"),
        (r.tonnage, "the last"),
        (lambda y: r.by_joiners(year=y), "the last"),
        (lambda y: r.tail_contributions(year=y), "every policy year pooled"),
    ]
    for call, none in calls:
        allowed = re.escape(f"an int from 2026 to 2029 (the run's policy years), or None for {none}")
        whole = "; an int is a whole number written without a decimal point: 5, not 5.0"
        for wrong, kind in (
            (2027.5, f"a float{whole}"),
            (2027.0, f"a float{whole}"),
            ("2027", "a str"),
            (True, "a bool"),
        ):
            with pytest.raises(
                TypeError, match=f"^year must be {allowed}, got {re.escape(repr(wrong))} \\({kind}\\)$"
            ):
                call(wrong)
        outside = "year 2031 is outside the run's policy years 2026–2029: give "
        with pytest.raises(ValueError, match=f"^{outside}{allowed}$"):
            call(2031)
        pd.testing.assert_frame_equal(call(np.int64(2027)), call(2027))
    one = synthetic_results(n_trials=50, n_years=1)
    with pytest.raises(
        ValueError, match=r"give an int 2026 \(the run's policy years\), or None for the last$"
    ):
        one.members(2027)


def test_an_annual_average_whose_error_rests_on_one_trial_is_not_converged_and_says_so():
    """Uncompensated damage with one Russian statutory assessment of a whole Aframax cargo among 2,000
    trials (docs/model.md §14): its standard error is within 5% of the mean, but one trial holds most of
    the variance, so the error is that trial's; the row is not converged and its note gives the share and
    the figure without that trial, and summary.md writes the words beside the error. A figure of light
    tails keeps its verdict, as does a run of too few trials to judge."""
    rng = np.random.default_rng(3)
    light = rng.gamma(4.0, 100.0, (2000, 2))
    heavy = light.copy()
    heavy[7] = 8_000.0
    arrays = {"payer:uncompensated": heavy, "payer:fund_1992": light}
    r = Results("x", 2026, 2, 2000, 1, {}, arrays, {}, (), (), pd.DataFrame())
    s = r.summary()
    per_trial = heavy.mean(axis=1)
    share = metrics.largest_trial_share(per_trial)
    assert share > metrics.DOMINANT_TRIAL_SHARE
    assert s.loc["payer uncompensated", "standard_error"] < 0.05 * s.loc["payer uncompensated", "mean"]
    assert not s.loc["payer uncompensated", "converged"]
    rest = np.delete(per_trial, 7)
    without = f"{rest.mean():,.3f} ± {metrics.standard_error(rest):,.3f}"
    words = f"one trial holds {share:.0%} of its variance; without it: {without}"
    assert s.loc["payer uncompensated", "note"] == words
    assert s.loc["payer fund_1992", "converged"] and s.loc["payer fund_1992", "note"] == ""
    cells = store.summary_cells(r, {})
    assert cells.loc["payer uncompensated", "standard_error"].endswith(f"({words})")
    few = Results("x", 2026, 2, 500, 1, {}, {"payer:uncompensated": heavy[:500]}, {}, (), (), pd.DataFrame())
    assert metrics.largest_trial_share(heavy[:500].mean(axis=1)) > metrics.DOMINANT_TRIAL_SHARE
    assert few.summary().loc["payer uncompensated", "note"] == ""


def test_a_comparison_carries_the_claims_blocked_by_sanctions():
    """The claims blocked at the direct links are figures of the comparison, in the market's unit: the
    underwriter's first sanctions question had no scenario comparison (only each run's table by year).
    Reference: the synthetic runs block 0.01 (delayed) and 0.002 (permanent) of each trial-year's events,
    so a run of 1.5 × the losses blocks 1.5 × as much, trial by trial: the difference is 0.5 × the
    baseline's mean, and its paired error 0.5 × the baseline's own standard error (the difference is
    0.5 × the baseline in every trial)."""
    a, b = synthetic_results("a", scale=1.5, seed=4), synthetic_results("b", seed=4)
    table = Comparison(a, b).table()
    for name in ("blocked_delayed", "blocked_permanent"):
        row, base = table.loc[name], b.year_arrays[name]
        mean, se = b.annual_mean(base)
        assert row["unit"] == figure_unit(name) == MARKET_UNIT, name
        assert row["baseline"] == pytest.approx(mean) and row["difference"] == pytest.approx(0.5 * mean)
        assert row["standard_error"] == pytest.approx(0.5 * se)
        assert row["z"] > 2


def test_the_summary_gives_the_portfolios_tvar_on_the_1_in_200s_basis():
    """The portfolio's TVaR 99.5%, of the policy year where it is largest as the 1-in-200 (its unit names
    the year), with `metrics.tvar_standard_error`'s error. Hand-computed: 400 trials, so VaR at 99.5% is
    the 398th smallest (the 3rd largest) and TVaR the mean of the 2 largest: 2026's largest are 50 and 40
    (TVaR 45), 2027's 100 and 90 (TVaR 95); the contracts have no TVaR row."""
    loss = np.zeros((400, 2))
    loss[:3, 0] = (50.0, 40.0, 30.0)
    loss[:3, 1] = (100.0, 90.0, 80.0)
    zero = np.zeros_like(loss)
    xl = {"loss": loss, "max_event_loss": loss, "premium": zero, "reinstatement_premium": zero}
    r = Results("x", 2026, 2, 400, 1, {"xl": xl, "portfolio": dict(xl)}, {}, {}, (), (), pd.DataFrame())
    s = r.summary()
    row = s.loc[f"portfolio: {TVAR_FIGURE}"]
    assert (
        row["mean"] == pytest.approx(95.0) and int(row["year"]) == 2027 and row["year_basis"] == LARGEST_YEAR
    )
    assert (
        row["unit"] == "USD m in 2027 (reinsurer's share)" == figure_unit(f"portfolio: {TVAR_FIGURE}", 2027)
    )
    assert row["standard_error"] == pytest.approx(metrics.tvar_standard_error(loss[:, 1], 0.995))
    assert f"xl: {TVAR_FIGURE}" not in s.index


def test_a_paired_difference_whose_error_rests_on_one_trial_says_so_wherever_it_is_shown():
    """rv_pool − baseline in uncompensated damage was −16.07 ± 4.20 with one trial (an uncapped Russian
    statutory assessment in one run, not the other) holding 97.7% of the paired differences' variance:
    without it −11.92 ± 0.64 (an underwriter's review). The comparison's note gives the share, and the
    terminal and the report write it beside the paired error; a difference of light tails has none."""
    from riskmodel.cli.run import comparison_view
    from riskmodel.report import _comparison_cells

    rng = np.random.default_rng(5)
    base = rng.gamma(4.0, 100.0, (2000, 2))
    scen = base * 0.97 + rng.normal(0.0, 5.0, base.shape)
    fund = rng.gamma(4.0, 50.0, (2000, 2))
    scen[11] -= 4_000.0  # one trial's extreme assessment in the baseline only
    arrays = {"payer:uncompensated": scen, "payer:fund_1992": fund + 1.0}
    a = Results("a", 2026, 2, 2000, 1, {}, arrays, {}, (), (), pd.DataFrame())
    b = Results(
        "b",
        2026,
        2,
        2000,
        1,
        {},
        {"payer:uncompensated": base, "payer:fund_1992": fund},
        {},
        (),
        (),
        pd.DataFrame(),
    )
    table = Comparison(a, b).table()
    d = scen.mean(axis=1) - base.mean(axis=1)
    share, rest = metrics.largest_trial_share(d), np.delete(d, 11)
    assert share > 0.9
    without = f"{rest.mean():,.3f} ± {metrics.standard_error(rest):,.3f}"
    words = f"one trial holds {share:.0%} of its variance; without it: {without}"
    assert table.loc["payer:uncompensated", "note"] == words
    assert table.loc["payer:fund_1992", "note"] == ""  # a difference of exactly 1 in every trial
    assert comparison_view(table).loc["payer:uncompensated", "CRN s.e."].endswith(f"({words})")
    assert comparison_view(table).loc["payer:fund_1992", "CRN s.e."] == "0.000"
    cells = _comparison_cells(table[[*COMPARISON_SHOWN, "note"]])
    assert "note" not in cells and cells.loc["payer:uncompensated", "standard_error"].endswith(f"({words})")
