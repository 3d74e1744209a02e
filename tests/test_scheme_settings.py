"""Settings a scheme may take for itself: its tankers' incident-rate factor and its designation hazards.

Each replaces the scenario-wide value for that scheme only (`world.class_factors.scheme`,
`sanctions.scheme_designation.blocs`); another scheme, and every other class, keeps the shared one.
"""

from __future__ import annotations

import numpy as np
import pytest

import riskmodel as rm
from riskmodel.engine.simulate import compile_scenario
from riskmodel.scenario import load_scenario, with_overrides

TRIALS = 1024


@pytest.fixture(scope="module")
def rv_pool():
    return with_overrides(load_scenario("scenarios/rv_pool.yaml"), {"horizon.years": 2})


def _two_schemes(rv_pool, **own):
    """rv_pool with a second scheme beside its own: BRICS's, founded by Iran alone in 2026 without
    candidates, its settings updated by `own`. Iran leaves rv_pool's candidates: a state joins one scheme
    at most, and a founder of one cannot be a candidate of another (validate rejects it)."""
    other = load_scenario("scenarios/brics_scheme.yaml").schemes["brics_re"].model_dump(mode="python")
    other.update(founders=["IRN"], start_year=2026, candidates={}, **own)
    return with_overrides(rv_pool, {"schemes.brics_re": other, "schemes.rv_pool.candidates.IRN": None})


def test_each_scheme_compiles_its_own_factor_and_hazards(rv_pool):
    """A scheme's own setting replaces the shared one for it alone; a bloc it leaves out has hazard 0."""
    s = _two_schemes(rv_pool, class_factor=2.6, designation={"US": {"hazard": 0.3}})
    m = compile_scenario(s)
    assert m.scheme_ids == ("rv_pool", "brics_re")
    shared = s.world.class_factors
    np.testing.assert_array_equal(
        m.class_factor, [shared.ig, shared.western_fixed, shared.domestic, shared.none, shared.scheme, 2.6]
    )
    blocs = s.sanctions.scheme_designation.blocs
    np.testing.assert_array_equal(m.designation_hazards[0], [blocs[b].hazard for b in ("EU", "UK", "US")])
    np.testing.assert_array_equal(m.designation_hazards[1], [0.0, 0.0, 0.3])


def _tanker_events(results: rm.Results):
    e = results.elt()
    e = e[e["type"] != ""]
    return e.set_index(["trial", "year", "time"]).sort_index()


def test_a_schemes_class_factor_thins_only_its_own_tankers(rv_pool):
    """Halving the scheme's factor (1.8 → 0.9) keeps each of its events with probability 1/2 (the same
    candidates, thinned by the same uniforms) and leaves every other event as it was. The count kept is
    Binomial(n, 1/2) given the n events at 1.8: within 4 of its standard errors."""
    assert rv_pool.world.class_factors.scheme == 1.8 and rv_pool.schemes["rv_pool"].class_factor is None
    full = _tanker_events(rm.simulate(rv_pool, trials=TRIALS, seed=3, keep_events=True, progress=False))
    half = with_overrides(rv_pool, {"schemes.rv_pool.class_factor": 0.9})
    thin = _tanker_events(rm.simulate(half, trials=TRIALS, seed=3, keep_events=True, progress=False))
    scheme = "scheme:rv_pool"
    others_full, others_thin = full[full["pi_class"] != scheme], thin[thin["pi_class"] != scheme]
    assert others_full.index.equals(others_thin.index)
    np.testing.assert_array_equal(others_full["damage"], others_thin["damage"])
    kept, all_ = thin[thin["pi_class"] == scheme], full[full["pi_class"] == scheme]
    assert kept.index.isin(all_.index).all()
    np.testing.assert_array_equal(kept["damage"], all_.loc[kept.index, "damage"])
    n = len(all_)
    assert n > 2000
    assert abs(len(kept) - n / 2) < 4 * np.sqrt(n / 4), (len(kept), n)


def test_a_schemes_designation_replaces_the_shared_hazards(rv_pool):
    """With every bloc certain to designate schemes (hazard 1, no escalation loading, so no trial's hazard
    falls below 1), a scheme whose own hazards name only the US is designated by the US in every year and
    never by the EU or the UK."""
    certain = {b: {"hazard": 1.0} for b in ("EU", "UK", "US")}
    s = with_overrides(
        rv_pool,
        {
            "sanctions.scheme_designation.blocs": certain,
            "sanctions.scheme_designation.z_loading": 0.0,
            "schemes.rv_pool.designation": {"US": {"hazard": 1.0}},
        },
    )
    ya = rm.simulate(s, trials=TRIALS, seed=3, progress=False).year_arrays
    assert (ya["scheme_designated:rv_pool:US"] == 1.0).all()
    assert (ya["scheme_designated:rv_pool:EU"] == 0.0).all()
    assert (ya["scheme_designated:rv_pool:UK"] == 0.0).all()
    shared = rm.simulate(
        with_overrides(
            rv_pool,
            {"sanctions.scheme_designation.blocs": certain, "sanctions.scheme_designation.z_loading": 0.0},
        ),
        trials=TRIALS,
        seed=3,
        progress=False,
    ).year_arrays
    assert (shared["scheme_designated:rv_pool:EU"] == 1.0).all()  # without its own, the shared hazards
