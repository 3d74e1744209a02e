"""Trial-level views of a run's market and adoption (`Results.tonnage`, `Results.members`): each trial's
tonnage by class and each candidate's membership, whose means over trials are `market()` and
`adoption()`, computed here from the stored arrays by another route."""

from __future__ import annotations

import numpy as np
import pytest
from test_plots import synthetic_results


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
