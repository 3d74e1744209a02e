"""Stage E on the compiled world severity: which oil a spill is, and so its damage factor."""

from __future__ import annotations

import dataclasses

import numpy as np

from riskmodel.engine.simulate import compile_scenario
from riskmodel.incidents import EventUniforms
from riskmodel.scenario import load_scenario
from riskmodel.severity import event_damage
from riskmodel.world import OIL_TYPES

N = 2000


def damage(laden_share: float, oil: str, oil_cargo: bool):
    """N events of type 0 in zone 0 with the same keys (so the same uniforms), every one spilling."""
    m = compile_scenario(load_scenario("scenarios/baseline.yaml"), trials=4096)
    p = m.severity
    p = dataclasses.replace(
        p, p_spill_laden=np.ones_like(p.p_spill_laden), p_spill_ballast=np.ones_like(p.p_spill_ballast)
    )
    keys = np.arange(N, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15)
    u = EventUniforms(keys, np.linspace(0.0, 0.99, N), None, None)
    full = np.full(N, 1.0)
    return event_damage(
        p,
        u,
        np.zeros(N, np.int64),
        np.zeros(N, np.int64),
        np.full(N, laden_share),
        np.full(N, OIL_TYPES.index(oil)),
        np.full(N, oil_cargo),
        np.full(N, 60_000.0),
        np.full(N, 100_000.0),  # cargo and bunkers the same, so spill sizes are too
        np.full(N, 100_000.0),
        full,
        np.zeros(N, bool),
        np.zeros(N, bool),
    )


def test_a_ballast_spill_is_bunker_fuel_whatever_the_cargo():
    """Ballast spills of a crude, a products and a chemical tanker cost the same: fuel oil's damage. A laden
    crude spill costs crude's factor over fuel oil's (1.25 / 1.40) of the same spill in ballast, and a
    laden chemical tanker's spill is its bunkers too (its cargo is not persistent oil)."""
    ballast = {oil: damage(0.0, oil, oil != "non_oil").pollution for oil in ("crude", "products", "non_oil")}
    assert (ballast["crude"] > 0).all()
    np.testing.assert_array_equal(ballast["crude"], ballast["products"])
    np.testing.assert_array_equal(ballast["crude"], ballast["non_oil"])
    laden_crude = damage(1.0, "crude", True).pollution
    np.testing.assert_allclose(laden_crude / ballast["crude"], 1.25 / 1.40, rtol=1e-12)
    np.testing.assert_array_equal(damage(1.0, "non_oil", False).pollution, ballast["crude"])
