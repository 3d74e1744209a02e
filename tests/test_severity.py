"""Stage E on the compiled world severity: which oil a spill is, and so its damage factor; and that the
engine's pollution damage is the calibrated damage law (`calibration.median_damage_usd_m`) on the world
data, so the formula the calibration tests check is the one the simulation runs."""

from __future__ import annotations

import csv
import dataclasses
import functools
import itertools
from pathlib import Path

import numpy as np
import pytest
import yaml

import riskmodel.calibration
import riskmodel.world
from riskmodel.calibration import median_damage_usd_m
from riskmodel.engine.simulate import compile_scenario
from riskmodel.incidents import N_UNIFORMS, EventUniforms, U
from riskmodel.liability import CAUSE_MARINE
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


# ---- the engine's spill damage against the calibrated law, every input read from the data files ----------

DATA = Path(riskmodel.world.__file__).parent / "data"
TOP = float(np.nextafter(1.0, 0.0))  # the largest uniform below 1


def _csv(name: str) -> list[dict[str, str]]:
    with open(DATA / name, newline="") as f:
        return list(csv.DictReader(f))


@functools.cache
def _data():
    """What the expected damages are computed from, read straight from the world data files: c_zone
    (zones.csv), b and the oil factors (severity.yaml), the segments' cargo and bunker tonnes (the spill
    caps, segments.csv), and the marine incident types that can spill laden and in ballast."""
    sev = yaml.safe_load((DATA / "severity.yaml").read_text())
    c_zone = {r["zone"]: float(r["pollution_cost_usd_per_t"]) for r in _csv("zones.csv")}
    factor = {k: float(v) for k, v in sev["spill"]["oil_type_factor"].items() if k != "source"}
    caps = sorted({float(r[k]) for r in _csv("segments.csv") for k in ("cargo_t", "bunker_t")})
    marine = [
        r["type"]
        for r in _csv("incident_types.csv")
        if float(r["cause_marine"]) == 1.0
        and float(r["p_spill_laden"]) > 0
        and float(r["p_spill_ballast"]) > 0
    ]
    return sev, c_zone, factor, caps, marine


@functools.cache
def _model():
    return compile_scenario(load_scenario("scenarios/rv_pool.yaml"))


class _ForcedUniforms:
    """The two ways `event_damage` reads an event's uniforms (`u[col]`, `u.column(col, idx)`), with fixed
    columns: LADEN 0 and SPILL 0 (a laden spill wherever the trade has persistent oil on board), CAUSE just
    below 1 (a marine cause for every type with cause_war + cause_sabotage < 1), DAMAGE 0.5 (ε at its
    median, 1), SPILL_SIZE as given; every other column 0.5."""

    def __init__(self, n: int, spill_size_u: float) -> None:
        fixed = {U.LADEN: 0.0, U.SPILL: 0.0, U.CAUSE: TOP, U.DAMAGE: 0.5, U.SPILL_SIZE: spill_size_u}
        self._cols = {c: np.full(n, fixed.get(c, 0.5)) for c in range(N_UNIFORMS)}

    def __getitem__(self, col: int) -> np.ndarray:
        return self._cols[col]

    def column(self, col: int, idx: np.ndarray) -> np.ndarray:
        return self._cols[col][idx]


def _forced_spills(p, spill_size_u, itype, zone, laden_share, oil, oil_cargo, cap_t):
    """`event_damage` as `chunk._slice_events` calls it, on forced uniforms; cargo and bunkers are `cap_t`."""
    n = zone.size
    return event_damage(
        p,
        _ForcedUniforms(n, spill_size_u),
        itype,
        zone,
        laden_share,
        oil,
        oil_cargo,
        np.full(n, 60_000.0),
        cap_t,
        cap_t,
        np.full(n, 50.0),
        np.zeros(n, bool),
        np.zeros(n, bool),
    )


def _grid(volumes):
    """Every zone × oil type × laden or ballast × marine spilling type × volume of the world data, with the
    damage law's median for each: the cargo's oil factor for a laden spill of persistent oil, fuel oil's for
    any other (its bunkers; docs/model.md section 6)."""
    _, c_zone, factor, _, marine = _data()
    m = _model()
    rows = list(itertools.product(c_zone, factor, (1.0, 0.0), marine, volumes))
    z, o, laden, t, v = zip(*rows, strict=True)
    persistent = np.array([factor[x] > 0 for x in o])
    args = dict(
        itype=np.array([m.type_codes.index(x) for x in t]),
        zone=np.array([m.zone_codes.index(x) for x in z]),
        laden_share=np.array(laden),
        oil=np.array([OIL_TYPES.index(x) for x in o]),
        oil_cargo=persistent,
        cap_t=np.array(v, dtype=float),
    )
    b = float(_data()[0]["pollution"]["damage_exponent"])
    spilled_oil = [
        x if (lad == 1.0 and factor[x] > 0) else "fuel_oil" for x, lad in zip(o, laden, strict=True)
    ]
    expected = np.array(
        [
            median_damage_usd_m(c_zone[zz], vv, b, factor[so])
            for zz, vv, so in zip(z, v, spilled_oil, strict=True)
        ]
    )
    return args, expected


def test_engine_pollution_is_the_calibrated_median_at_the_spill_cap():
    """With a spill size uniform just below 1 the lognormal draw (median 186 t, σ 2.25: ~10^9 t at the top)
    is capped by the oil on board, so V is the cap exactly; with ε at its median the engine's pollution
    damage must be c_zone × 1000 × (V/1000)^b × oil factor / 10^6 (`median_damage_usd_m`) for every zone,
    oil, laden state and V: the segments' cargo and bunker tonnes and the calibration anchors' spill sizes.
    Both take V in tonnes (the anchors' spill_t already are), so nothing is converted. At V = 1,000 t
    (V/1000)^b is 1 whatever b, so the volumes must include others."""
    sev, *_, caps, _ = _data()
    anchors = sorted({float(a["spill_t"]) for a in sev["pollution"]["anchors"].values()})
    volumes = caps + anchors
    assert any(v != 1000.0 for v in volumes)
    args, expected = _grid(volumes)
    dmg = _forced_spills(_model().severity, TOP, **args)
    assert (dmg.cause == CAUSE_MARINE).all()
    assert dmg.spilled.all()
    np.testing.assert_array_equal(dmg.spill_t, args["cap_t"])
    assert (expected > 0).all()
    np.testing.assert_allclose(dmg.pollution, expected, rtol=1e-9, atol=0.0)


@pytest.mark.parametrize("volume_t", [7.5, 186.0, 700.0, 6_000.0, 63_000.0])
def test_engine_pollution_is_the_calibrated_median_at_the_size_median(volume_t):
    """The same through the size distribution instead of the cap: the compiled severity with the spill-size
    median set to V and σ to 1e-9 (`dataclasses.replace`; the truncation at 7 t then has no mass below V)
    and a size uniform of 0.5 draws V itself, far below the cap."""
    p = dataclasses.replace(_model().severity, spill_median_t=volume_t, spill_sigma=1e-9)
    args, expected = _grid([volume_t])
    args["cap_t"] = np.full(args["zone"].size, 1e7)
    dmg = _forced_spills(p, 0.5, **args)
    assert dmg.spilled.all()
    np.testing.assert_allclose(dmg.spill_t, volume_t, rtol=1e-12)
    np.testing.assert_allclose(dmg.pollution, expected, rtol=1e-9, atol=0.0)


@pytest.mark.parametrize("anchor", ["nakhodka", "hebei_spirit"])
def test_engine_pollution_matches_the_hand_computed_hold_out_medians(anchor):
    """severity.yaml writes out the modelled median of the two hold-out spills by hand (Nakhodka
    90,000 × 1000 × 6^0.73 × 1.4 = 466; Hebei Spirit 90,000 × 1000 × 10.9^0.73 × 1.25 = 643): the engine's
    damage of that spill in that zone must match them to the rounding of the figures (USD 0.5m)."""
    sev, *_, marine = _data()
    a = sev["pollution"]["anchors"][anchor]
    m = _model()
    dmg = _forced_spills(
        m.severity,
        TOP,
        itype=np.array([m.type_codes.index(marine[0])]),
        zone=np.array([m.zone_codes.index(a["zone"])]),
        laden_share=np.array([1.0]),
        oil=np.array([OIL_TYPES.index(a["oil_type"])]),
        oil_cargo=np.array([True]),
        cap_t=np.array([float(a["spill_t"])]),
    )
    assert dmg.pollution[0] == pytest.approx(float(a["model_median_usd_m"]), abs=0.5)
