"""The benchmarks' draw counter (`benchmarks/draws.py`) counts what the model draws and changes nothing:
the full model's random-number floor is only as honest as these counts."""

from __future__ import annotations

import numpy as np

import riskmodel.engine.random as rm_random
from benchmarks.draws import count_draws
from riskmodel import adoption, incidents, sanctions, severity
from riskmodel.engine import chunk
from riskmodel.incidents import U, draw_candidates
from tests.test_incidents import _plan


def test_the_counter_counts_each_kind_of_draw_and_changes_no_value():
    modules = (chunk, incidents, sanctions, adoption, rm_random)
    originals = {(m.__name__, "generator"): m.generator for m in modules}
    originals |= {
        ("incidents", "keyed_uniforms"): incidents.keyed_uniforms,
        ("severity", "ndtri"): severity.ndtri,
    }
    plan = _plan(np.random.default_rng(5))
    alone = draw_candidates(plan, 3, 0, 1, 256)
    with count_draws() as draws:
        cand = draw_candidates(plan, 3, 0, 1, 256)
        u = cand.event_uniforms(np.arange(10))
        spill, wreck = u[U.SPILL], u.column(U.WRECK, np.arange(3))
        damage = severity._lognormal(np.linspace(0.1, 0.9, 5), 1.0, 0.5)
    for a, b in ((alone.trial, cand.trial), (alone.stratum, cand.stratum), (alone.u_time, cand.u_time)):
        assert np.array_equal(a, b)
    again = alone.event_uniforms(np.arange(10))
    assert np.array_equal(again[U.SPILL], spill) and np.array_equal(again[U.WRECK][:3], wreck)
    # one Poisson count a trial, four uniforms a candidate, one base key; 10 + 3 keyed uniforms; 5 normals
    assert draws.by_method() == {"poisson": 256, "random": 4 * cand.size, "integers": 1}
    assert draws.keyed == 13 and draws.normals == 5
    # a draw into a buffer (the engine draws a block's candidate uniforms into one) counts its buffer's size
    with count_draws() as buffered:
        into = draw_candidates(plan, 3, 0, 1, 256, np.empty(8 * cand.size))
    assert np.array_equal(into.u_time, cand.u_time)
    assert buffered.by_method() == {"poisson": 256, "random": 4 * cand.size, "integers": 1}
    assert np.allclose(damage, np.exp(0.5 * np.array([-1.2815516, -0.5244005, 0.0, 0.5244005, 1.2815516])))
    # the model's own functions are back in place afterwards
    assert all(m.generator is originals[(m.__name__, "generator")] for m in modules)
    assert incidents.keyed_uniforms is originals[("incidents", "keyed_uniforms")]
    assert severity.ndtri is originals[("severity", "ndtri")]


def test_the_floor_draws_as_many_random_numbers_as_counted(monkeypatch):
    with count_draws() as draws:
        draw_candidates(_plan(np.random.default_rng(5)), 3, 0, 1, 64)
    draws.keyed, draws.normals = 7, 2
    drawn: list[tuple[str, int]] = []
    real = np.random.default_rng

    class Recording:
        def __init__(self, seed: int) -> None:
            self._rng = real(seed)

        def __getattr__(self, name: str):
            def call(*args, **kwargs):
                out = getattr(self._rng, name)(*args, **kwargs)
                drawn.append((name, np.size(out)))
                return out

            return call

    monkeypatch.setattr(np.random, "default_rng", Recording)
    draws.floor()
    total: dict[str, int] = {}
    for name, size in drawn:
        total[name] = total.get(name, 0) + size
    counted = draws.by_method()
    assert total == {
        "poisson": counted["poisson"],
        "random": counted["random"] + 5,
        "integers": 1,
        "standard_normal": 2,
    }
