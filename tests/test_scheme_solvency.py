"""A scheme's solvency through the engine (MODEL.md 3): capital carried over, the sovereign backstop, and
insolvency for good when the backstop does not come.

The rules, hand-computed, are in `test_waterfall.py`; these tests check the engine applies them to
every trial-year: what an insolvent scheme pays, how often the backstop comes, and that the run's
figures (`Results.scheme_finances`) say so.
"""

from __future__ import annotations

import numpy as np
import pytest

import riskmodel as rm
from riskmodel.engine.simulate import compile_scenario
from riskmodel.scenario import load_scenario, with_overrides

TRIALS = 2048
PROBABILITY = 0.7


@pytest.fixture(scope="module")
def stressed():
    """rv_pool with little capital: 50, topped up by 60 with probability 0.7 when below 40."""
    scenario = with_overrides(
        load_scenario("scenarios/rv_pool.yaml"),
        {
            "schemes.rv_pool.capital_usd_m": 50.0,
            "schemes.rv_pool.recapitalisation": {
                "threshold_usd_m": 40.0,
                "probability": PROBABILITY,
                "amount_usd_m": 60.0,
            },
        },
    )
    return rm.simulate(scenario, trials=TRIALS, seed=11, progress=False)


def _flags(results: rm.Results) -> tuple[np.ndarray, np.ndarray]:
    ya = results.year_arrays
    return ya["scheme_insolvent:rv_pool"].astype(bool), ya["scheme_recapitalised:rv_pool"].astype(bool)


def test_an_insolvent_scheme_pays_nothing_in_later_years(stressed):
    """Once insolvent a scheme stays so, and in every later policy year it, its reinsurer and its hull
    cover pay nothing and it earns no premium; in its other trial-years they pay."""
    insolvent, _ = _flags(stressed)
    assert (np.diff(insolvent.astype(int), axis=1) >= 0).all()
    lapsed = np.zeros_like(insolvent)
    lapsed[:, 1:] = insolvent[:, :-1]  # insolvent at the start of the policy year
    assert lapsed.sum() > 50  # (enough lapsed trial-years for the check to mean something)
    for payer in ("scheme:rv_pool", "scheme_reinsurance:rv_pool", "hm_scheme:rv_pool"):
        paid = stressed.year_arrays[f"payer:{payer}"]
        assert (paid[lapsed] == 0.0).all(), payer
        assert paid[~lapsed].sum() > 0.0, payer
    finances = stressed.scheme_finances().loc["rv_pool"]
    premium = stressed.year_arrays["base:scheme_premium:rv_pool"]
    np.testing.assert_allclose(finances["premium_earned"], np.where(lapsed, 0.0, premium).mean(axis=0))
    np.testing.assert_allclose(finances["insolvent_share"], insolvent.mean(axis=0))
    capital = stressed.year_arrays["scheme_capital:rv_pool"]  # (a closed scheme's is left out)
    np.testing.assert_allclose(
        finances["capital_end"], [capital[~c, y].mean() for y, c in enumerate(insolvent.T)]
    )


def _asked(results: rm.Results) -> np.ndarray:
    """Trial-years in which the sovereign was asked (the scheme solvent, and below the threshold of 40 or
    out of capital at the year end): recapitalised then, newly insolvent (out of capital, not rescued),
    or left below the threshold."""
    insolvent, recapitalised = _flags(results)
    before = np.zeros_like(insolvent)
    before[:, 1:] = insolvent[:, :-1]
    failed = insolvent & ~before
    below = ~insolvent & ~recapitalised & (results.year_arrays["scheme_capital:rv_pool"] < 40.0)
    return recapitalised | failed | below


def test_the_backstop_comes_with_its_probability(stressed):
    """A scheme the sovereign is asked to rescue is recapitalised with the backstop's probability: the
    share is Binomial(n, 0.7) / n, within 4 standard errors. A scheme is closed only when it could not
    pay its claims even with the year's premium, which leaves it nothing; a rescued one holds less than
    the threshold plus the top-up."""
    insolvent, recapitalised = _flags(stressed)
    asked = _asked(stressed)
    n = int(asked.sum())
    assert n > 200
    share = recapitalised.sum() / n
    se = np.sqrt(PROBABILITY * (1 - PROBABILITY) / n)
    assert abs(share - PROBABILITY) < 4 * se, (share, n)
    before = np.zeros_like(insolvent)
    before[:, 1:] = insolvent[:, :-1]
    failed = insolvent & ~before
    assert failed.sum() > 20
    capital = stressed.year_arrays["scheme_capital:rv_pool"]
    np.testing.assert_allclose(capital[failed], 0.0, atol=1e-9)
    assert (capital[recapitalised] < 40.0 + 60.0).all()


def test_a_certain_backstop_keeps_the_scheme_solvent_on_the_same_events():
    """With probability 1 the same stressed scheme is never insolvent (same seed: the same events), it is
    recapitalised in the trial-years where the first run saw distress, and it pays more."""
    base = load_scenario("scenarios/rv_pool.yaml")
    recap = {"threshold_usd_m": 40.0, "amount_usd_m": 60.0}
    runs = {}
    for p in (PROBABILITY, 1.0):
        scenario = with_overrides(
            base,
            {
                "schemes.rv_pool.capital_usd_m": 50.0,
                "schemes.rv_pool.recapitalisation": {**recap, "probability": p},
                "horizon.years": 3,
            },
        )
        runs[p] = rm.simulate(scenario, trials=512, seed=11, progress=False)
    insolvent, recapitalised = _flags(runs[1.0])
    assert not insolvent.any()
    # the first year does not depend on earlier draws: the trials asked then are all recapitalised now
    np.testing.assert_array_equal(recapitalised[:, 0], _asked(runs[PROBABILITY])[:, 0])
    paid = {p: r.year_arrays["payer:scheme:rv_pool"].sum() for p, r in runs.items()}
    assert paid[1.0] > paid[PROBABILITY]


def test_a_peril_on_an_insolvent_schemes_reinsurer_is_unpaid():
    """spill_stress's peril lands on the scheme's reinsurer (a fixed loss a spill). With the scheme's capital
    at 20 and no backstop it is closed in about 20% of trials; in the policy years after that the
    reinsurer pays nothing of the peril either, and its loss stays with the claimants (`uncompensated`).
    Against the same run without the peril (same seed: the same world and the same insolvencies), the
    peril adds exactly its losses: to the reinsurer while the scheme is solvent, to `uncompensated` after."""
    thin = {"schemes.rv_pool.capital_usd_m": 20.0, "schemes.rv_pool.recapitalisation": None}
    stress = with_overrides(load_scenario("scenarios/spill_stress.yaml"), thin)
    runs = {
        name: rm.simulate(s, trials=1024, seed=5, progress=False)
        for name, s in (
            ("with", stress),
            ("without", with_overrides(stress, {"perils.gof_aframax_spill": None})),
        )
    }
    insolvent, _ = _flags(runs["with"])
    np.testing.assert_array_equal(insolvent, _flags(runs["without"])[0])
    lapsed = np.zeros_like(insolvent)
    lapsed[:, 1:] = insolvent[:, :-1]

    def added(payer: str) -> np.ndarray:
        return runs["with"].year_arrays[f"payer:{payer}"] - runs["without"].year_arrays[f"payer:{payer}"]

    to_reinsurer, to_claimants = added("scheme_reinsurance:rv_pool"), added("uncompensated")
    np.testing.assert_allclose(to_reinsurer[lapsed], 0.0, atol=1e-9)
    np.testing.assert_allclose(to_claimants[~lapsed], 0.0, atol=1e-9)
    each = stress.perils["gof_aframax_spill"].severity.value_usd_m
    spills = to_reinsurer + to_claimants  # a whole number of spills of `each`
    np.testing.assert_allclose(spills / each, np.round(spills / each), atol=1e-9)
    assert to_claimants[lapsed].sum() >= each and to_reinsurer[~lapsed].sum() >= each


def test_a_second_scheme_leaves_the_firsts_finances_as_they_were():
    """MODEL.md 1: a change in one scenario parameter does not shift another's draws. A second scheme,
    founded by Kazakhstan (the origin of the CPC trade, which no rv_pool state ships), takes tonnage only
    from trades rv_pool cannot take from (a state is in one scheme at most), so rv_pool's tankers, events
    and premium are those of the run without it; its recapitalisation draws come from its own stream
    (keyed by its id), so the stressed scheme's capital, rescues and insolvency are the same bit for bit.
    The second scheme is listed first, so rv_pool is the first scheme of one run and the second of the
    other: a stream keyed by the scheme's position would move its draws. (Drawn from one stream for all
    schemes, a trial-year's draw moved with the number of schemes.)"""
    stressed = {
        "schemes.rv_pool.capital_usd_m": 50.0,
        "schemes.rv_pool.recapitalisation": {
            "threshold_usd_m": 40.0,
            "probability": 0.5,
            "amount_usd_m": 60.0,
        },
        "horizon.years": 3,
    }
    alone = with_overrides(load_scenario("scenarios/rv_pool.yaml"), stressed)
    second = {
        "name": "KAZ pool",
        "founders": ["KAZ"],
        "start_year": 2026,
        "capital_usd_m": 100.0,
        "per_event_limit_usd_m": 100.0,
        "uptake": {"share": 0.5, "from_classes": {"ig": 0.6, "western_fixed": 0.3, "none": 0.1}},
        "certifying_flags": {"LBR": 1.0, "MHL": 1.0, "PAN": 1.0},  # the CPC trade's first flags
        "port_acceptance": {"ITA": 0.5},  # its destination
    }
    rv_pool = alone.schemes["rv_pool"].model_dump(mode="python")
    both = with_overrides(alone, {"schemes": {"kaz_pool": second, "rv_pool": rv_pool}})
    assert compile_scenario(both, trials=512).scheme_ids == ("kaz_pool", "rv_pool")
    runs = {
        name: rm.simulate(s, trials=512, seed=11, progress=False)
        for name, s in (("alone", alone), ("both", both))
    }
    assert runs["both"].year_arrays["base:scheme_gt:kaz_pool"].mean() > 0.0  # (it does take tonnage)
    assert runs["alone"].year_arrays["scheme_recapitalised:rv_pool"].sum() > 20  # (rescues to compare)
    for name in ("scheme_capital", "scheme_recapitalised", "scheme_insolvent", "base:scheme_premium"):
        key = f"{name}:rv_pool"
        np.testing.assert_array_equal(runs["both"].year_arrays[key], runs["alone"].year_arrays[key], key)
    # a payer's ledger adds up a trial-year's events of every class (others' zeros among them) in time
    # order, and numpy's unrolled summation groups terms by position: the second scheme's events may move
    # the last bit of a sum, never more
    for payer in ("scheme", "scheme_reinsurance", "hm_scheme"):
        key = f"payer:{payer}:rv_pool"
        np.testing.assert_allclose(
            runs["both"].year_arrays[key], runs["alone"].year_arrays[key], 1e-13, 0, key
        )
