"""End to end on rv_pool: the scheme holds tonnage only through trades whose origin state has joined it
(MODEL.md section 4, uptake), checked per trial-year against the run's own join years."""

from __future__ import annotations

from pathlib import Path

import numpy as np

import riskmodel
from riskmodel.engine.simulate import compile_scenario
from riskmodel.scenario import load_scenario

PATH = Path(__file__).resolve().parents[1] / "scenarios" / "rv_pool.yaml"
TRIALS, SEED = 4096, 11


def test_scheme_tonnage_comes_only_from_trades_whose_origin_has_joined():
    """For scheme s, a trade t and year y: scheme share ≤ target = min(share × ramp, certifying share) ×
    usable, where ramp = clip((y − origin's join year + 1) / ramp_years, 0, 1) is 0 until the origin
    joins; a flag can certify only if its state has joined by y or it is drawn as certifying (certifying
    probability > 0), a port is usable only if its state has joined by y or it may accept (acceptance
    probability > 0). Hence per trial-year, with GT_t the trade's GT:
    (a) scheme GT ≤ Σ GT_t over trades whose origin has joined;
    (b) scheme GT ≤ Σ GT_t × min(share × ramp_t, certifying ceiling_t) × usable ceiling_t;
    (c) the founders (RUS, VEN) are members from the first year, so "no member, no tonnage" is read on the
    other exporters (IRN, ARE): in trial-years where none of them has joined, the scheme holds no more
    than the ceiling (b) of the founders' trades alone."""
    res = riskmodel.simulate(PATH, trials=TRIALS, seed=SEED, progress=False)
    model = compile_scenario(load_scenario(PATH), TRIALS, SEED)
    (sid,) = res.scheme_ids
    scheme = model.market.schemes[0]
    n_years, gt = res.n_years, model.trade_gt
    held = res.year_arrays["tonnage_gt"][..., res.class_names.index(f"scheme:{sid}")]  # (trials, years)
    np.testing.assert_array_equal(held, res.year_arrays[f"base:scheme_gt:{sid}"])
    assert held.shape == (TRIALS, n_years)

    join = res.trial_arrays["join_year"]  # (trials, slots), slots labelled by res.slots
    assert list(res.slots["scheme"].unique()) == [sid] and join.shape == (TRIALS, len(res.slots))
    years = np.arange(n_years)

    def joined_by(slots: np.ndarray) -> np.ndarray:
        """(trials, years, k): slot k's state is a member in year y; -1 (not a candidate) never."""
        j = np.where(slots[None, :] >= 0, join[:, np.clip(slots, 0, None)], n_years + 1)
        return j[:, None, :] <= years[None, :, None]

    origin = scheme.origin_slot
    origin_join = np.where(origin[None, :] >= 0, join[:, np.clip(origin, 0, None)], n_years + 1)
    origin_in = joined_by(origin)
    ramp = np.clip((years[None, :, None] - origin_join[:, None, :] + 1) / scheme.ramp_years, 0.0, 1.0)
    may_certify = joined_by(scheme.flag_slots) | (scheme.certify_prob > 0)[None, None, :]
    certifying = np.minimum(np.einsum("tf,nyf->nyt", model.market.trade_flags, may_certify), 1.0)
    dest = model.market.trade_destination
    usable = joined_by(scheme.destination_slot) | (scheme.accept_prob[dest] > 0)[None, None, :]
    ceiling = np.minimum(scheme.share * ramp, certifying) * usable * gt  # (trials, years, trades)
    tol = 1e-9 * gt.sum()

    # (a) and (b)
    assert (held <= (origin_in * gt).sum(axis=-1) + tol).all()
    assert (held <= ceiling.sum(axis=-1) + tol).all()

    # (c) the non-founders' trades hold nothing until their origin joins
    founder_slots = np.flatnonzero(res.slots["founder"].to_numpy())
    assert set(res.slots["state"].to_numpy()[founder_slots]) == {"RUS", "VEN"}
    assert (join[:, founder_slots] == 0).all()
    founders_trade = np.isin(origin, founder_slots)
    others = (origin >= 0) & ~founders_trade
    assert others.any() and founders_trade.any()
    none_joined = ~origin_in[..., others].any(axis=-1)  # (trials, years)
    assert none_joined.sum() > TRIALS  # a real share of the trial-years, in every year
    assert none_joined.any(axis=0).all()
    founders_ceiling = (ceiling * founders_trade).sum(axis=-1)
    assert (held[none_joined] <= founders_ceiling[none_joined] + tol).all()
    assert (held[none_joined] > 0).mean() > 0.9  # the bound is not met by holding nothing
