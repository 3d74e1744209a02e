"""End-to-end properties of `simulate` on the shipped scenarios (small trial counts, fixed seeds)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import riskmodel as rm
from riskmodel import metrics
from riskmodel.engine import chunk
from riskmodel.engine.simulate import compile_scenario
from riskmodel.scenario import load_scenario, load_scenario_from_dict, with_overrides

TRIALS = 4096


@pytest.fixture(scope="module")
def rv_pool() -> rm.Results:
    return rm.simulate("scenarios/rv_pool.yaml", trials=TRIALS, seed=2, keep_events=True, progress=False)


def test_every_event_is_paid_exactly_once(rv_pool):
    """The payer columns of every event sum to its damage (MODEL.md 8: each amount in one column)."""
    e = rv_pool.elt()
    payers = [c for c in e.columns if c.startswith("payer:")]
    np.testing.assert_allclose(e[payers].sum(axis=1), e["damage"], rtol=1e-9, atol=1e-9)
    assert (e[payers].to_numpy() >= -1e-9).all()


def test_the_elt_gives_the_columns_asked_for(rv_pool):
    """`elt(columns)`: those columns, in that order, the same values as the whole table's (names for
    codes, calendar years); an unknown name is an error naming the columns there are."""
    whole = rv_pool.elt()
    for columns in (["pi_class", "year", "payer:uncompensated"], ["trial", "cause", "zone"]):
        some = rv_pool.elt(columns=columns)
        assert list(some.columns) == columns
        pd.testing.assert_frame_equal(some, whole[columns], check_exact=True)  # (exact: fast on categoricals)
    with pytest.raises(
        ValueError,
        match=r"no column 'payer:nobody' in the event table; it has: .*payer:uncompensated, .*trial",
    ):
        rv_pool.elt(columns=["trial", "payer:nobody"])


def test_events_are_in_time_order_and_material(rv_pool):
    """Events sorted by (trial, year, time); tanker events at or above the materiality threshold."""
    e = rv_pool.elt()
    key = (e["trial"] * 10 + (e["year"] - 2026)).to_numpy() + e["time"].to_numpy()
    assert (np.diff(key) >= 0).all()
    tanker = e["type"] != ""
    assert (e.loc[tanker, "damage"] >= 5.0).all()


def test_ledger_is_every_event_summed_whatever_the_materiality():
    """Each payer's ledger holds every event: the material ones through the event table, the others as
    attritional aggregates. With the threshold near zero every event is in the table, and its plain sum
    per trial-year is the reference; the run at the default threshold (the same events and waterfall, most
    of them attritional) must give the same ledger."""
    base = with_overrides(load_scenario("scenarios/rv_pool.yaml"), {"horizon.years": 2})
    default = rm.simulate(base, trials=1024, seed=4, progress=False)
    everything = with_overrides(base, {"simulation.materiality_usd_m": 1e-9})
    ref = rm.simulate(everything, trials=1024, seed=4, keep_events=True, progress=False)
    e = ref.elt()
    threshold = base.simulation.materiality_usd_m
    assert ((e["type"] != "") & (e["damage"] < threshold)).mean() > 0.2  # many events are attritional
    cell = e["trial"].to_numpy() * 2 + (e["year"] - ref.start_year).to_numpy()
    payers = [k.removeprefix("payer:") for k in default.year_arrays if k.startswith("payer:")]
    assert len(payers) > 20 and {f"payer:{p}" for p in payers} <= set(e.columns)
    for payer in payers:
        events = np.bincount(cell, weights=e[f"payer:{payer}"].to_numpy(), minlength=1024 * 2)
        ledger = default.year_arrays[f"payer:{payer}"].ravel()
        np.testing.assert_allclose(ledger, events, rtol=1e-9, atol=1e-6, err_msg=payer)
        assert np.array_equal(ref.year_arrays[f"payer:{payer}"].ravel() > 0, events > 0), payer


def test_scheme_members_carry_its_tonnage(rv_pool):
    """Founders are members from the start, so the scheme holds tonnage in every year, more as members
    join (that it comes only from members' trades: tests/test_scheme_membership.py)."""
    adoption = rv_pool.adoption()
    assert adoption.loc[("rv_pool", "RUS")].eq(1.0).all()
    assert adoption.loc[("rv_pool", "VEN")].eq(1.0).all()
    market = rv_pool.market()
    assert (market["scheme:rv_pool"] > 0).all()
    assert market["scheme:rv_pool"].is_monotonic_increasing


def test_perils_only_run_matches_its_distributions():
    """A perils-only scenario (world model off), against the laws the file states, each within 3 standard
    errors: `line` Poisson 2 a year, lognormal mean 20 CV 3 (log-losses normal with σ² = ln(1 + CV²) = ln 10,
    mean ln 20 − σ²/2), annual mean 40 with Var = λ E[X²] = 2 × 20² × (1 + 3²) = 8,000; `burst` negative
    binomial mean 3 CV 0.8 (variance (0.8 × 3)²), its severity fixed at 7."""
    doc = {
        "name": "line",
        "horizon": {"start_year": 2026, "years": 1},
        "simulation": {"world_model": False, "trials": 40960, "seed": 5, "keep_events": True},
        "perils": {
            "line": {
                "frequency": {"distribution": "poisson", "mean": 2.0},
                "severity": {"distribution": "lognormal", "mean_usd_m": 20.0, "cv": 3.0},
            },
            "burst": {
                "frequency": {"distribution": "negative_binomial", "mean": 3.0, "cv": 0.8},
                "severity": {"distribution": "fixed", "value_usd_m": 7.0},
            },
        },
        "portfolio": {
            "name": "p",
            "contracts": {"qs": {"source": "peril:line", "type": "quota_share"}},
        },
    }
    res = rm.simulate(load_scenario_from_dict(doc), progress=False)
    n = res.n_trials
    annual = res.contracts["qs"]["loss"][:, 0]
    assert abs(annual.mean() - 40.0) <= 3 * np.sqrt(8000.0 / n)
    assert set(res.payers()) == {"peril:line", "peril:burst"}

    e = res.elt()
    line = e.loc[e["payer:peril:line"] > 0, "payer:peril:line"].to_numpy()
    logs, s2 = np.log(line), np.log(10.0)
    assert abs(logs.mean() - (np.log(20.0) - s2 / 2)) <= 3 * np.sqrt(s2 / logs.size)
    assert abs(logs.var(ddof=1) - s2) <= 3 * s2 * np.sqrt(2.0 / (logs.size - 1))

    burst = e["payer:peril:burst"].to_numpy() > 0
    assert np.all(e.loc[burst, "payer:peril:burst"] == 7.0)
    laws = {"line": stats.poisson(2.0), "burst": _negative_binomial(3.0, 0.8)}
    for name, law in laws.items():
        counts = np.bincount(e.loc[e[f"payer:peril:{name}"] > 0, "trial"], minlength=n)
        mean, var, kurt = (float(x) for x in law.stats(moments="mvk"))
        assert abs(counts.mean() - mean) <= 3 * np.sqrt(var / n), name
        # the sample variance's standard error from the law's fourth central moment (kurtosis + 3) σ⁴
        se_var = np.sqrt(((kurt + 3.0) * var**2 - var**2) / n)
        assert abs(counts.var(ddof=1) - var) <= 3 * se_var, name


def _negative_binomial(mean: float, cv: float) -> stats.rv_discrete:
    """The negative binomial of a given mean and coefficient of variation, in scipy's (r, p) form."""
    var = (cv * mean) ** 2
    p = mean / var
    return stats.nbinom(mean * p / (1.0 - p), p)


def test_sanctions_flags_do_not_reach_third_parties_sources(monkeypatch):
    """A flagged event (designated tanker or scheme) blocks payments for the tanker's side only: contracts
    on the IG tower, the other ship's hull or the infrastructure insurer never see a block, while
    scheme reinsurance does. With the flags reaching every source, the same events block the GXL (the IG
    counterparty's claims), so the test can fail; the scheme contract's blocks are the same either way."""

    def run() -> rm.Results:
        return rm.simulate("scenarios/rv_pool.yaml", trials=4096, seed=2, progress=False)

    exempt = ("gxl_layer1", "gxl_layer2", "gxl_layer3", "counterparty_hull_xol", "energy_property_xol")
    res = run()
    monkeypatch.setattr(chunk, "THIRD_PARTY_SOURCES", frozenset())
    everywhere = run()
    for cid in exempt:
        assert (
            not res.contracts[cid]["blocked_permanent"].any()
            and not res.contracts[cid]["blocked_delayed"].any()
        )
    assert everywhere.contracts["gxl_layer1"]["blocked_permanent"].sum() > 0
    assert res.contracts["rv_pool_retro"]["blocked_permanent"].sum() > 0
    for field in ("blocked_permanent", "blocked_delayed", "loss"):
        np.testing.assert_array_equal(
            res.contracts["rv_pool_retro"][field], everywhere.contracts["rv_pool_retro"][field]
        )


def test_each_trades_flag_mix_ends_at_exactly_one():
    """An event's flag is picked from its trade's cumulative mix: a row ending below 1 would let a
    uniform past it pick the last flag of all (perhaps another trade's). Each row ends at 1 exactly
    (the shipped mixes' sums come out up to 4e-16 off) and never falls."""
    m = compile_scenario(load_scenario("scenarios/rv_pool.yaml"), 4096, 1)
    assert (m.trade_flag_cum[:, -1] == 1.0).all()
    assert (np.diff(m.trade_flag_cum, axis=1, prepend=0.0) >= 0).all()


def test_hulls_are_valued_at_their_class_age(rv_pool):
    """A tanker's hull is worth the value of its segment at the mean age of its class's fleet (D4 fixed):
    mainstream age for IG and Western fixed entries, the shadow age for domestic, uninsured and scheme
    tonnage (`World.hull_value_usd_m`, the depreciation curve of segments.csv). A hull loss is that value
    times 1 (total loss), the seizure share, or a partial fraction in [0.05, 0.35]; total losses must
    equal the value of some trade of the segment for that class, and the shadow fleet's total losses are
    worth less than the 15-year reference value."""
    from riskmodel.world import load_world

    world = load_world()
    trades = world.trades
    e = rv_pool.elt()
    e = e[(e["type"] != "") & (e["hull"] > 0)]
    shadow_seen = 0
    for (seg, cls), g in e.groupby(["segment", "pi_class"], observed=True):
        ages = trades["mean_age_mainstream" if cls in ("ig", "western_fixed") else "mean_age_shadow"]
        values = np.unique(world.hull_value_usd_m(seg, ages.to_numpy(float)))
        hull = g["hull"].to_numpy()
        ratio = hull[:, None] / values[None, :]
        fits = (
            np.isclose(ratio, 1.0, rtol=1e-12)
            | np.isclose(ratio, 0.25, rtol=1e-12)
            | ((ratio >= 0.05 - 1e-12) & (ratio <= 0.35 + 1e-12))
        ).any(axis=1)
        assert fits.all(), (seg, cls, hull[~fits][:5], values)
        total = hull > 0.35 * values.max() + 1e-9
        assert np.isclose(hull[total, None], values[None, :], rtol=1e-12).any(axis=1).all(), (seg, cls)
        if cls in ("none", "domestic"):
            reference = world.segments.loc[seg, "hull_value_usd_m"]  # the 15-year value
            assert (hull[total] < reference).all(), (seg, cls)
            shadow_seen += int(total.sum())
    assert shadow_seen >= 20  # the check above saw enough shadow total losses to mean something


def test_llmc_parties_come_from_the_world_data_with_the_scenarios_overrides():
    """The compiled LLMC 1996 flag of each state is `states.csv` `llmc96`, except where the scenario's
    `world.conventions` sets it (the US made a party, Finland taken out)."""
    from riskmodel.world import load_world

    states = load_world().states
    scenario = with_overrides(
        load_scenario("scenarios/baseline.yaml"),
        {"world.conventions": {"USA": {"llmc96": True}, "FIN": {"llmc96": False}}},
    )
    m = compile_scenario(scenario)
    expected = states["llmc96"].astype(bool).to_numpy().copy()
    codes = list(m.state_codes)
    assert not expected[codes.index("USA")] and expected[codes.index("FIN")]  # what the overrides change
    expected[codes.index("USA")], expected[codes.index("FIN")] = True, False
    np.testing.assert_array_equal(m.state_llmc, expected)


#: What the int checks say of a float (`arguments.not_an_int`).
INT = "; an int is a whole number written without a decimal point: 5, not 5.0"


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"trials": 0}, ValueError, "trials must be an int from 1 to 100,000,000, got 0"),
        (
            {"trials": 64.5},
            ValueError,
            f"trials must be an int from 1 to 100,000,000, got 64.5 (a float{INT})",
        ),
        ({"trials": 5.0}, ValueError, f"trials must be an int from 1 to 100,000,000, got 5.0 (a float{INT})"),
        ({"trials": True}, ValueError, "trials must be an int from 1 to 100,000,000, got True (a bool)"),
        ({"seed": 2**70}, ValueError, "seed must be an int from 0 to 2**63 - 1"),
        ({"seed": -1}, ValueError, "seed must be an int from 0 to 2**63 - 1, got -1"),
        ({"seed": 7.0}, ValueError, f"seed must be an int from 0 to 2**63 - 1, got 7.0 (a float{INT})"),
        ({"chunk_trials": 1000}, ValueError, "chunk_trials must be a positive multiple of 4,096, got 1000"),
        ({"keep_events": "no"}, TypeError, "keep_events must be True, False or None, got 'no'"),
        ({"executor": "dask"}, TypeError, "executor must be one of riskmodel.engine.executors"),
        ({"world": "data/"}, TypeError, "world must be a riskmodel.world.World (load_world()) or None"),
    ],
)
def test_simulate_refuses_bad_arguments_naming_them(kwargs, error, message):
    """Before: trials=0 returned empty results, keep_events="no" kept the events, seed=2**70 ran. Then
    trials=5.0 was refused as "must be a whole number ..., got 5.0", which 5.0 is: an int, the words of
    every int check (`arguments.not_an_int`)."""
    with pytest.raises(error) as info:
        rm.simulate("scenarios/baseline.yaml", progress=False, **kwargs)
    assert str(info.value).startswith(message)
    # a mapping: pointed to load_scenario_from_dict, in the words load_scenario uses ("got dict" only)
    with pytest.raises(TypeError) as simulated:
        rm.simulate({"name": "x"}, progress=False)
    with pytest.raises(TypeError) as loaded:
        rm.load_scenario({"name": "x"})  # type: ignore[arg-type]
    hint = (
        "for a scenario given as a mapping, use riskmodel.scenario.load_scenario_from_dict(doc, base_dir=...)"
    )
    assert str(simulated.value) == (
        "scenario must be a Scenario (riskmodel.load_scenario) or the path of a scenario file, got "
        f"{{'name': 'x'}} (a dict): {hint}"
    )
    assert str(loaded.value).endswith(f": {hint}")
    with pytest.raises(TypeError, match=r"scenario file, got 5 \(an int\)$"):
        rm.simulate(5, progress=False)  # type: ignore[arg-type]


def test_a_contract_on_nothing_the_scenario_has_earns_no_premium():
    """The retro line on the RV pool's reinsurer (fixed premium 0.25 at 100%, 2% participation) is not
    written where there is no RV pool: in the baseline it cedes nothing and earns nothing (it used to
    earn its fixed premium on no cover), so the scenario with the pool shows its premium as business the
    scheme brings. A contract with a source the scenario has keeps its premium."""
    base = rm.simulate("scenarios/baseline.yaml", trials=64, seed=3, progress=False)
    pool = rm.simulate("scenarios/rv_pool.yaml", trials=64, seed=3, progress=False)
    assert not base.contracts["rv_pool_retro"]["premium"].any()
    assert not base.contracts["rv_pool_retro"]["loss"].any()
    np.testing.assert_allclose(pool.contracts["rv_pool_retro"]["premium"], 0.25 * 0.02)
    assert any("rv_pool_retro" in n and "earns no premium" in n for n in base.notes)
    both = with_overrides(
        load_scenario("scenarios/baseline.yaml"),
        {"portfolio.contracts.rv_pool_retro.source": ["scheme_reinsurance:rv_pool", "war_pi"]},
    )
    kept = rm.simulate(both, trials=64, seed=3, progress=False)
    np.testing.assert_allclose(kept.contracts["rv_pool_retro"]["premium"], 0.25 * 0.02)


def test_the_listed_scheme_reinsurer_is_blocked_from_the_first_year():
    """rv_pool's reinsurer is listed by the EU (`listed_by`, as RNRC is): the EU portfolio's retro line on it
    has every claim blocked, designated scheme or not, so what it pays is the licensed claims (its loss is
    its delayed blocks, trial-year by trial-year). Without the listing only claims after the EU designates
    the scheme are blocked, and some trial-year pays unblocked. Both block the same cession: loss +
    permanent blocks is the cession without the clause."""
    listed = load_scenario("scenarios/rv_pool.yaml")
    assert "EU" in listed.schemes["rv_pool"].reinsurance.listed_by
    unlisted = with_overrides(listed, {"schemes.rv_pool.reinsurance.listed_by": []})
    free = with_overrides(listed, {"portfolio.contracts.rv_pool_retro.sanctions_clause": False})
    a, b, c = (
        rm.simulate(s, trials=512, seed=5, progress=False).contracts["rv_pool_retro"]
        for s in (listed, unlisted, free)
    )
    assert c["loss"].sum() > 0
    np.testing.assert_allclose(a["loss"], a["blocked_delayed"], rtol=1e-12, atol=1e-12)
    assert ((b["loss"] - b["blocked_delayed"]) > 1e-9).any()
    for r in (a, b):
        np.testing.assert_allclose(r["loss"] + r["blocked_permanent"], c["loss"], rtol=1e-9, atol=1e-12)
    assert a["blocked_permanent"].sum() > b["blocked_permanent"].sum()


STORM = {
    "frequency": {"distribution": "poisson", "mean": 1.0},
    "severity": {"distribution": "fixed", "value_usd_m": 10.0},
}
FIXED_QS = {"type": "quota_share", "premium": {"fixed_usd_m": 1.0}}


def _perils_only(contracts: dict, **extra) -> dict:
    return {
        "name": "notes",
        "horizon": {"start_year": 2026, "years": 1},
        "simulation": {"trials": 16, "seed": 1, "world_model": False},
        "perils": {"storm": STORM},
        "portfolio": {"name": "book", "contracts": contracts},
        **extra,
    }


def _unwritten_cases() -> dict[str, tuple]:
    """case → (scenario, what validate says of `lost`, what the run says of it)."""
    rv_pool = load_scenario("scenarios/rv_pool.yaml")
    unwritten = ("earns no premium", "earns no premium")
    return {
        "the world model's columns without it": (
            load_scenario_from_dict(
                _perils_only(
                    {
                        "lost": {**FIXED_QS, "source": "ig_gxl_layer1"},
                        "kept": {**FIXED_QS, "source": "peril:storm"},
                    }
                )
            ),
            *unwritten,
        ),
        "a peril's losses elsewhere": (
            load_scenario_from_dict(
                _perils_only(
                    {
                        "lost": {**FIXED_QS, "source": "peril:storm"},
                        "kept": {**FIXED_QS, "source": "domestic"},
                    },
                    perils={"storm": {**STORM, "source": "domestic"}},
                )
            ),
            *unwritten,
        ),
        "a scheme's columns without the world model": (
            with_overrides(
                rv_pool,
                {
                    "simulation.world_model": False,
                    "perils": {"storm": STORM},
                    "portfolio.contracts": {
                        "lost": {**FIXED_QS, "source": "scheme_reinsurance:rv_pool"},
                        "kept": {**FIXED_QS, "source": "peril:storm"},
                    },
                },
            ),
            *unwritten,
        ),
        "a scheme's hull cover it does not write": (
            with_overrides(
                rv_pool,
                {
                    "schemes.rv_pool.hull_cover": False,
                    "portfolio.contracts": {
                        "lost": {**FIXED_QS, "source": "hm_scheme:rv_pool"},
                        "kept": {**FIXED_QS, "source": "scheme:rv_pool"},
                    },
                },
            ),
            *unwritten,
        ),
        "a rate on the world's base without it": (
            load_scenario_from_dict(
                _perils_only(
                    {
                        "lost": {
                            "type": "quota_share",
                            "source": "peril:storm",
                            "premium": {"rate_on_base": 0.1, "base": "ig_gxl_premium"},
                        },
                        "kept": {**FIXED_QS, "source": "peril:storm"},
                    }
                )
            ),
            "the premium is zero here",
            "its premium is 0",
        ),
    }


@pytest.mark.parametrize(
    "case",
    [
        "the world model's columns without it",
        "a peril's losses elsewhere",
        "a scheme's columns without the world model",
        "a scheme's hull cover it does not write",
        "a rate on the world's base without it",
    ],
)
def test_validate_and_the_engine_agree_on_a_contract_without_premium(case):
    """`riskmodel validate`'s notes and the run apply one rule (`payers.present_sources`,
    `present_premium_bases`): a contract on nothing the scenario produces is not written (no premium), and
    one rated on a base it lacks earns none; both say so, and the run does not fail (a rate on the world's
    base in a perils-only run did). A contract on a column the scenario has keeps its premium."""
    from riskmodel.scenario import scenario_notes

    scenario, says, run_says = _unwritten_cases()[case]
    for notes, text in ((scenario_notes(scenario), says), (compile_scenario(scenario).notes, run_says)):
        assert [n for n in notes if text in n and "lost" in n], notes
        assert not [n for n in notes if "kept" in n], notes
    res = rm.simulate(scenario, trials=16, progress=False)
    assert not res.contracts["lost"]["premium"].any()
    np.testing.assert_allclose(res.contracts["kept"]["premium"], 1.0)


def _storm(mean: float, severity_mean: float = 20.0) -> rm.Results:
    doc = {
        "name": "storm",
        "horizon": {"start_year": 2026, "years": 2},
        "simulation": {"world_model": False, "trials": 4096, "seed": 11},
        "perils": {
            "storm": {
                "frequency": {"distribution": "poisson", "mean": mean},
                "severity": {"distribution": "lognormal", "mean_usd_m": severity_mean, "cv": 1.5},
            }
        },
    }
    return rm.simulate(load_scenario_from_dict(doc), progress=False)


def test_a_perils_frequency_or_severity_change_keeps_common_random_numbers():
    """Counts invert the count law at one uniform per trial-year, and an event's loss is keyed on its trial,
    year and ordinal: a higher Poisson mean (1.5 → 1.56) can only add events, so no trial-year loses loss
    and most keep exactly theirs; a severity mean 10% higher (same CV) makes every loss 10% higher. The
    paired standard error of the frequency change is then far below the independent one (a bulk draw,
    which shifted every later event's loss, gave a variance reduction of about 1)."""
    base, more, dearer = _storm(1.5), _storm(1.56), _storm(1.5, 22.0)
    a, b = base.year_arrays["payer:peril:storm"], more.year_arrays["payer:peril:storm"]
    assert (b >= a).all()
    # a trial-year keeps its loss exactly when its count does: when its uniform is not in any
    # [F_1.56(k), F_1.5(k)), probability 1 − Σ_k (F_1.5(k) − F_1.56(k)) (about 0.94); within 4 SE
    k = np.arange(60)
    kept = 1.0 - float(np.sum(stats.poisson(1.5).cdf(k) - stats.poisson(1.56).cdf(k)))
    assert abs((b == a).mean() - kept) <= 4 * math.sqrt(kept * (1 - kept) / a.size)
    np.testing.assert_allclose(dearer.year_arrays["payer:peril:storm"], 1.1 * a, rtol=1e-12)
    d = metrics.paired_difference(b.mean(axis=1), a.mean(axis=1))
    assert d.variance_reduction > 10


def test_a_very_dispersed_count_law_keeps_a_small_table_outside_the_plan():
    """A negative binomial of mean 100 and CV 100 reaches 1 − 1e-14 only past 3e6 events: the table stops
    at `COUNT_TABLE` entries and the law's own quantile inverts beyond it (it took 10 s and 1.2 GB a run).
    The table is not kept in the plan, so reading it changes neither its pickle nor a model's digests."""
    import pickle

    from scipy import stats as st

    from riskmodel.engine.compile import COUNT_TABLE, PerilPlan

    r = 100.0**2 / ((100.0 * 100.0) ** 2 - 100.0)
    plan = PerilPlan(
        "p", "peril:p", 1, "negative_binomial", 100.0, r, "fixed", 1.0, 0.0, math.inf, np.ones(1, bool)
    )
    before = pickle.dumps(plan)
    assert plan.count_cdf.size == COUNT_TABLE
    assert pickle.dumps(plan) == before
    u = np.array([0.0, 0.5, 0.999, 1.0 - 1e-9, 1.0 - 2.0**-53])
    law = st.nbinom(r, r / (r + 100.0))
    np.testing.assert_array_equal(plan.counts(u), np.maximum(law.ppf(u), 0).astype(np.int64))


@pytest.mark.parametrize(
    ("mean", "nb_r"),
    [
        (2.0, math.inf),
        (0.01, math.inf),
        (60.0, math.inf),
        (3.0, 0.05),
        (0.5, 2.0),
        (100.0, 100.0**2 / ((100.0 * 100.0) ** 2 - 100.0)),  # (a table cut at COUNT_TABLE entries)
    ],
)
def test_count_guide_gives_the_counts_of_a_plain_search(mean: float, nb_r: float) -> None:
    """`PerilPlan.counts` looks the count up through a guide table; it must give exactly the smallest k
    with F(k) > u, as `searchsorted` does, at uniforms on and next to every value of F (where a step
    past the guide is needed), at 0 and just below 1 (past the table: the law's own quantile), and at
    random uniforms, whatever the array's shape."""
    from riskmodel.engine.compile import PerilPlan, _count_cdf, _count_law

    plan = PerilPlan("p", "peril:p", 1, "poisson", mean, nb_r, "fixed", 1.0, 0.0, math.inf, np.ones(1, bool))
    cdf = _count_cdf(mean, nb_r)
    edges = cdf[cdf < 1.0]
    u = np.concatenate(
        [
            [0.0, np.nextafter(1.0, 0.0), 1.0 - 1e-15],
            edges,
            np.nextafter(edges, 0.0),
            np.nextafter(edges, 1.0),
            np.random.default_rng(3).random(5000),
        ]
    )
    u = u[: u.size // 4 * 4]
    expected = np.searchsorted(cdf, u, side="right")
    beyond = expected >= cdf.size
    expected[beyond] = _count_law(mean, nb_r).ppf(u[beyond]).astype(np.int64)
    np.testing.assert_array_equal(plan.counts(u.reshape(-1, 4)), expected.reshape(-1, 4))


def test_a_written_contract_that_cedes_nothing_in_the_run_is_noted():
    """A war XoL at 80 on events of a few million ceded 0 in every trial, and its rows of zeros read as a
    result. Storms of a fixed 10 (USD m), about one a year: `high` (50 xs 80 per occurrence) and `stop`
    (a stop loss attaching at 1,000 a year) never reach, and each note names its attachment and the
    storms' largest year; `calm` protects a peril of no events: its source bore none; `nil` is a quota
    share of a cedant share of 0. `low` (xs 5) cedes; `lost` (a world-model column, not written in a
    perils-only run) has its own note; `idle` has no participation: no note for any of these."""
    contracts = {
        "high": {"type": "xol", "source": "peril:storm", "attachment_usd_m": 80, "limit_usd_m": 50},
        "stop": {"type": "stop_loss", "source": "peril:storm", "attachment_usd_m": 1000, "limit_usd_m": 50},
        "calm": {"type": "xol", "source": "peril:calm", "attachment_usd_m": 1, "limit_usd_m": 50},
        "nil": {**FIXED_QS, "source": "peril:storm", "cedant_share": 0.0},
        "low": {"type": "xol", "source": "peril:storm", "attachment_usd_m": 5, "limit_usd_m": 50},
        "lost": {**FIXED_QS, "source": "ig_gxl_layer1"},
        "idle": {
            "type": "xol",
            "source": "peril:storm",
            "attachment_usd_m": 80,
            "limit_usd_m": 50,
            "participation": 0,
        },
    }
    calm = {**STORM, "frequency": {"distribution": "poisson", "mean": 0.0}}
    scenario = load_scenario_from_dict(_perils_only(contracts, perils={"storm": STORM, "calm": calm}))
    res = rm.simulate(scenario, trials=64, progress=False)
    storms = res.year_arrays["payer:peril:storm"]
    assert storms.any() and not res.contracts["high"]["loss"].any() and res.contracts["low"]["loss"].any()
    noted = {n.split(":", 1)[0].removeprefix("contract "): n for n in res.notes if "no loss in any" in n}
    assert sorted(noted) == ["calm", "high", "nil", "stop"]
    run = "no loss in any of the 64 trials × 1 year of this run"
    largest = f"(the largest year: USD {storms.max():,.1f}m for the whole market, the cedant's share"
    assert noted["high"] == (
        f"contract high: {run}, though its source peril:storm bore losses {largest} 1): it attaches at USD "
        "80m per occurrence, perhaps above every event ceded to it (more trials may reach it)"
    )
    assert "it attaches at USD 1000m a year, perhaps above every year's total ceded to it" in noted["stop"]
    assert noted["calm"] == f"contract calm: {run}: its source peril:calm bore none"
    assert f"{largest} 0): the cedant's share of them may be nothing where they fell" in noted["nil"]
    (lost,) = [n for n in compile_scenario(scenario).notes if n.startswith("contract lost:")]
    assert [n for n in res.notes if n.startswith("contract lost:")] == [lost] and "not written" in lost


def test_the_note_of_a_contract_held_back_by_its_aad_names_the_aad():
    """An XoL at 5 on storms of 10 (5 ceded each) with an annual aggregate deductible of 100,000 cedes
    nothing: the note blamed the attachment ("it attaches at USD 5m per occurrence, perhaps above every
    event ceded to it", though each storm is above it); it names the AAD, and a quota share's too. A run of
    one trial says "1 trial", not "1 trials"."""
    contracts = {
        "aad": {
            "type": "xol",
            "source": "peril:storm",
            "attachment_usd_m": 5,
            "limit_usd_m": 50,
            "aad_usd_m": 100000,
        },
        "qs_aad": {**FIXED_QS, "source": "peril:storm", "aad_usd_m": 100000},
    }
    scenario = load_scenario_from_dict(_perils_only(contracts))
    res = rm.simulate(scenario, trials=64, progress=False)
    assert res.year_arrays["payer:peril:storm"].max() >= 10  # (a storm: above the attachment)
    noted = {n.split(":", 1)[0].removeprefix("contract "): n for n in res.notes if "no loss in any" in n}
    assert sorted(noted) == ["aad", "qs_aad"]
    deductible = (
        "its annual aggregate deductible of USD 100000m is perhaps above every year's total ceded to it"
    )
    assert f"{deductible} (the parts of events above its USD 5m attachment) (more trials" in noted["aad"]
    assert f"{deductible} (more trials may reach it)" in noted["qs_aad"]
    assert not any("it attaches at" in n for n in noted.values())

    one = rm.simulate(scenario, trials=1, progress=False)
    (note,) = [n for n in one.notes if n.startswith("contract aad:")]
    assert "no loss in any of the 1 trial × 1 year of this run" in note
