"""Bounds and cross-field checks of scenario and portfolio files that `validate` once let through: values
that then crashed `run` (a negative binomial's count law, an infinite loss), or ran silently into
something else than what the file says (a founder never a member, a convention override dropped, a
cedant share that cedes nothing, a null bloc read as EU, a horizon past the last year).

Each case writes a tiny file, runs `riskmodel validate`, and asserts the file, the key path, what was
wrong and what is allowed; the largest values validate accepts also compile and run.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

import riskmodel as rm
from riskmodel.scenario import load_scenario_from_dict
from riskmodel.scenario.schema import MAX_CV, MAX_PERIL_EVENTS, MAX_USD_M, MIN_PARETO_ALPHA

CliRun = Callable[..., tuple[int, str, str]]

SCHEME: dict[str, Any] = {
    "name": "pool",
    "founders": ["RUS", "VEN"],
    "start_year": 2026,
    "capital_usd_m": 1000,
    "per_event_limit_usd_m": 300,
    "uptake": {"share": 0.6},
}


def _perils_only(**perils: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": "t",
        "horizon": {"start_year": 2026, "years": 1},
        "simulation": {"world_model": False, "trials": 64, "seed": 1},
        "perils": perils,
    }


def _peril(frequency: dict[str, Any] | None = None, severity: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "frequency": frequency or {"distribution": "poisson", "mean": 2},
        "severity": severity or {"distribution": "fixed", "value_usd_m": 10},
    }


def _invalid(run_cli: CliRun, tmp_path: Path, doc: dict[str, Any] | str, name: str = "t.yaml") -> str:
    """Write `doc`, run `riskmodel validate`: exit 2, no traceback; the problems (stderr), each line with
    the file's path shortened to its name (`t.yaml:7: perils.p...`)."""
    path = tmp_path / name
    path.write_text(doc if isinstance(doc, str) else yaml.safe_dump(doc, sort_keys=False))
    code, out, err = run_cli("validate", path)
    assert code == 2, (out, err)
    assert "Traceback" not in out + err
    return "\n".join(re.sub(r"^\S*/(?=[^/]+\.yaml:)", "", line) for line in err.splitlines())


def _located(err: str, message: str, name: str = "t.yaml") -> bool:
    """Some line of `err` is `<name>:<line>: <message>` (the message may go on: a hint)."""
    return any(re.match(rf"{re.escape(name)}:\d+: {re.escape(message)}", line) for line in err.splitlines())


# --------------------------------------------------------------------------------- C5: count laws
@pytest.mark.parametrize(
    ("frequency", "expected"),
    [
        (
            {"distribution": "negative_binomial", "mean": 1000, "cv": 1.0e300},
            "perils.p.frequency.cv: 1e+300 is not allowed: must be greater than 0 and at most 100",
        ),
        (
            {"distribution": "negative_binomial", "mean": 1.0e-300, "cv": 1.0e200},
            "perils.p.frequency.cv: 1e+200 is not allowed: must be greater than 0 and at most 100",
        ),
        (
            {"distribution": "negative_binomial", "mean": 1.0e-6, "cv": 100},
            "perils.p.frequency: a negative_binomial needs cv > 1/√mean = 1000 (variance above the mean); "
            "with cv at most 100 the mean must exceed 0.0001; for less dispersion use poisson",
        ),
        (
            {"distribution": "negative_binomial", "mean": 1000, "cv": 3},
            "perils.p.frequency: a negative_binomial needs cv² × mean (its variance over its mean, about the "
            "events of a clustered year) at most 5,000, got 9000: the engine holds a year's events at once; "
            "give cv at most 2.236 for this mean",
        ),
    ],
    ids=["huge_cv", "tiny_mean", "mean_below_1e-4", "too_clustered"],
)
def test_negative_binomial_bounds(run_cli: CliRun, tmp_path: Path, frequency: dict, expected: str) -> None:
    err = _invalid(run_cli, tmp_path, _perils_only(p=_peril(frequency=frequency)))
    assert _located(err, expected), err


@pytest.mark.parametrize(
    ("mean", "cv"),
    [(1.0, math.sqrt(MAX_PERIL_EVENTS) * 0.999), (0.001, MAX_CV), (MAX_PERIL_EVENTS / 4, 2 * 0.999)],
    ids=["most_clustered", "rarest", "largest_mean"],
)
def test_the_extreme_negative_binomials_validate_accepts_run(mean: float, cv: float) -> None:
    """The corners of the accepted laws compile and run to finite results (they crashed before: an
    OverflowError in (cv × mean)², a NaN count table)."""
    doc = _perils_only(p=_peril(frequency={"distribution": "negative_binomial", "mean": mean, "cv": cv}))
    doc["portfolio"] = {"name": "b", "contracts": {"qs": {"source": "peril:p", "type": "quota_share"}}}
    res = rm.simulate(load_scenario_from_dict(doc), progress=False)
    assert np.isfinite(res.contracts["qs"]["loss"]).all()


# ------------------------------------------------------------------------------ C6: money ceilings
@pytest.mark.parametrize(
    ("severity", "key", "value"),
    [
        ({"distribution": "fixed", "value_usd_m": 1.0e308}, "value_usd_m", "1e+308"),
        ({"distribution": "lognormal", "mean_usd_m": 1.0e300, "cv": 2}, "mean_usd_m", "1e+300"),
        (
            {"distribution": "pareto", "threshold_usd_m": 1, "alpha": 0.5, "cap_usd_m": 1.0e300},
            "cap_usd_m",
            "1e+300",
        ),
    ],
    ids=["fixed", "lognormal", "pareto_cap"],
)
def test_losses_at_most_the_money_ceiling(
    run_cli: CliRun, tmp_path: Path, severity: dict, key: str, value: str
) -> None:
    err = _invalid(run_cli, tmp_path, _perils_only(p=_peril(severity=severity)))
    assert _located(
        err,
        f"perils.p.severity.{key}: {value} is not allowed: must be at most 1e9 (USD m), i.e. "
        "USD 10^15, far above any real amount",
    ), err


def test_lognormal_cv_and_pareto_alpha_bounded(run_cli: CliRun, tmp_path: Path) -> None:
    doc = _perils_only(
        a=_peril(severity={"distribution": "lognormal", "mean_usd_m": 10, "cv": 1.0e100}),
        b=_peril(severity={"distribution": "pareto", "threshold_usd_m": 1, "alpha": 1.0e-10, "cap_usd_m": 9}),
    )
    err = _invalid(run_cli, tmp_path, doc)
    assert _located(
        err, "perils.a.severity.cv: 1e+100 is not allowed: must be greater than 0 and at most 100"
    ), err
    assert _located(err, "perils.b.severity.alpha: 1e-10 is not allowed: must be at least 0.1"), err


def test_the_largest_losses_validate_accepts_stay_finite() -> None:
    """At the ceilings (value, mean and cap 1e9 USD m, lognormal cv 100, Pareto alpha 0.1 up to the cap)
    every result is finite: the reports' axes need it."""
    doc = _perils_only(
        f=_peril(severity={"distribution": "fixed", "value_usd_m": MAX_USD_M}),
        ln=_peril(severity={"distribution": "lognormal", "mean_usd_m": MAX_USD_M, "cv": MAX_CV}),
        pa=_peril(
            severity={
                "distribution": "pareto",
                "threshold_usd_m": 1,
                "alpha": MIN_PARETO_ALPHA,
                "cap_usd_m": MAX_USD_M,
            }
        ),
    )
    doc["portfolio"] = {
        "name": "b",
        "contracts": {"qs": {"source": ["peril:f", "peril:ln", "peril:pa"], "type": "quota_share"}},
    }
    res = rm.simulate(load_scenario_from_dict(doc), progress=False)
    assert np.isfinite(res.contracts["qs"]["loss"]).all()


def test_money_fields_of_schemes_and_portfolios_bounded(run_cli: CliRun, tmp_path: Path) -> None:
    doc = {
        "name": "t",
        "schemes": {"pool": {**SCHEME, "capital_usd_m": 1.0e300, "rate_per_gt_usd": 1.0e300}},
        "price_cap": {"urals_mean_usd": 1.0e300},
        "portfolio": {
            "name": "b",
            "contracts": {
                "x": {
                    "source": "war_hull",
                    "type": "xol",
                    "attachment_usd_m": 10,
                    "limit_usd_m": 2.0e9,
                    "premium": {"rate_on_base": 1.0e300, "base": "ig_gxl_premium"},
                }
            },
        },
    }
    err = _invalid(run_cli, tmp_path, doc)
    ceiling = "must be at most 1e9 (USD m), i.e. USD 10^15, far above any real amount"
    assert _located(err, f"schemes.pool.capital_usd_m: 1e+300 is not allowed: {ceiling}"), err
    assert _located(err, f"portfolio.contracts.x.limit_usd_m: 2000000000 is not allowed: {ceiling}"), err
    assert _located(
        err,
        "schemes.pool.rate_per_gt_usd: 1e+300 is not allowed: must be at most 10000 (USD per GT a year; "
        "real rates are a few USD)",
    ), err
    assert _located(
        err,
        "price_cap.urals_mean_usd: 1e+300 is not allowed: must be at most 10000 (USD/bbl; real prices are "
        "below 150)",
    ), err
    assert _located(
        err,
        "portfolio.contracts.x.premium.rate_on_base: 1e+300 is not allowed: must be at most 100 (10,000%)",
    ), err


# ----------------------------------------------------------------------------------- S1: bloc null
@pytest.mark.parametrize("null", ["null", "~", ""])
def test_a_null_bloc_is_an_error_not_eu(run_cli: CliRun, tmp_path: Path, null: str) -> None:
    text = f"name: p\nbloc: {null}\ncontracts:\n  c1: {{source: ig_gxl_layer1, type: quota_share}}\n"
    err = _invalid(run_cli, tmp_path, text, "p.yaml")
    assert _located(
        err,
        "bloc: null is not allowed: write none for no bloc (a portfolio without a bloc is EU's)",
        "p.yaml",
    ), err


def test_a_child_scenario_cannot_null_its_portfolios_bloc(run_cli: CliRun, tmp_path: Path) -> None:
    parent = {"name": "p", "portfolio": {"name": "b", "bloc": "UK"}}
    (tmp_path / "parent.yaml").write_text(yaml.safe_dump(parent))
    err = _invalid(run_cli, tmp_path, "name: c\nextends: parent.yaml\nportfolio:\n  bloc: null\n")
    assert _located(err, "portfolio.bloc: null is not allowed: write none for no bloc"), err


def test_only_the_portfolios_own_bloc_keeps_its_null() -> None:
    """The null rule is the portfolio's `bloc` alone: a scheme, contract or peril whose id is `bloc` is
    removed by null as any other key; and an override (`with_overrides`, `sweep --set`) that nulls the
    portfolio's bloc is the same error as in a file (it fell back to EU)."""
    from riskmodel.scenario import ScenarioError, with_overrides
    from riskmodel.scenario.loader import merge

    parent = {"schemes": {"bloc": {"x": 1}, "rv": {"x": 2}}, "portfolio": {"bloc": "UK"}}
    assert merge(parent, {"schemes": {"bloc": None}}) == {
        "schemes": {"rv": {"x": 2}},
        "portfolio": {"bloc": "UK"},
    }
    assert merge(parent, {"portfolio": {"bloc": None}})["portfolio"] == {
        "bloc": None
    }  # (kept: then rejected)
    doc = _perils_only(p1=_peril())
    doc["portfolio"] = {
        "name": "b",
        "bloc": "UK",
        "contracts": {"c": {"source": "peril:p1", "type": "quota_share"}},
    }
    scenario = load_scenario_from_dict(doc)
    with pytest.raises(ScenarioError, match=r"portfolio\.bloc: null is not allowed: write none for no bloc"):
        with_overrides(scenario, {"portfolio.bloc": None})


# ---------------------------------------------------------------------- S2: cedant share on a peril
def test_cedant_share_by_zone_on_a_peril_source(run_cli: CliRun, tmp_path: Path) -> None:
    """A contract by zone that takes a peril's events, on `peril:<id>` or on the world source the peril is
    routed to, must give the share of events without a zone (`default`); given, it validates, also on a
    contract of mixed sources (a world source's events do carry zones)."""
    doc = _perils_only(p1=_peril(), p2={**_peril(), "source": "war_hull"})
    contract = {"type": "quota_share", "cedant_share": {"by": "zone", "shares": {"BALTIC": 1}}}
    doc["portfolio"] = {
        "name": "b",
        "contracts": {"pc": {**contract, "source": "peril:p1"}, "wc": {**contract, "source": "war_hull"}},
    }
    err = _invalid(run_cli, tmp_path, doc)
    for cid, peril in (("pc", "p1"), ("wc", "p2")):
        assert _located(
            err,
            f"portfolio.contracts.{cid}.cedant_share.by: 'zone' is not allowed: contract {cid!r} takes the "
            f"events of peril {peril!r}, which carry no zone, segment or flag: each would take the default "
            "share, 0, as none is given; give cedant_share.default (the share of events without one), or "
            "cedant_share as a number",
        ), err
    mixed = {**contract, "source": ["war_hull", "peril:p1"]}
    mixed["cedant_share"] = {**contract["cedant_share"], "default": 0.5}
    doc["portfolio"]["contracts"] = {"mc": mixed}
    assert load_scenario_from_dict(doc).portfolio.contracts["mc"].cedant_share.default == 0.5


# ------------------------------------------------------------------- S3: founder of another scheme
def test_founder_of_one_scheme_is_no_candidate_of_another(run_cli: CliRun, tmp_path: Path) -> None:
    doc = {
        "name": "t",
        "schemes": {
            "p2": {**SCHEME, "founders": ["IRN"], "candidates": {"RUS": {"p_join": 1.0, "by_year": 2026}}},
            "rv_pool": SCHEME,
        },
    }
    err = _invalid(run_cli, tmp_path, doc)
    assert _located(
        err,
        "schemes.p2.candidates.RUS: 'RUS' is not allowed: a founder of scheme 'rv_pool' cannot be a "
        "candidate of scheme 'p2': a state joins at most one scheme, and a founder is a member of its own "
        "from its start_year (remove RUS from the candidates of 'p2', or from the founders of 'rv_pool')",
    ), err


def test_a_candidate_that_founds_its_own_scheme_and_another_is_named_for_its_own(
    run_cli: CliRun, tmp_path: Path
) -> None:
    """A state listed as founder of two schemes (an error of its own) and as a candidate of the second: the
    candidacy is named as of its own scheme, not of the first it founds."""
    doc = {
        "name": "t",
        "schemes": {
            "p2": {**SCHEME, "founders": ["RUS"]},
            "rv_pool": {**SCHEME, "candidates": {"RUS": {"p_join": 0.5, "by_year": 2030}}},
        },
    }
    err = _invalid(run_cli, tmp_path, doc)
    assert _located(
        err,
        "schemes.rv_pool.candidates.RUS: 'RUS' is not allowed: already a founder of this scheme, so it "
        "cannot also be a candidate",
    ), err


# ------------------------------------------------------------ S4: overrides against the world data
@pytest.mark.parametrize(
    ("conventions", "expected"),
    [
        (
            {"USA": {"fund92": True}},
            "world.conventions.USA.fund92: true is not allowed: USA has clc92: false in the world data, and "
            "the 1992 Fund Convention is open only to parties to CLC 1992: also set clc92: true for USA (or "
            "leave fund92 out)",
        ),
        (
            {"GBR": {"opa": True}},
            "world.conventions.GBR.opa: true is not allowed: GBR has clc92: true in the world data, and a "
            "state's waters are under CLC 1992 or the US Oil Pollution Act, not both: also set clc92: false "
            "for GBR (or leave opa out)",
        ),
        (
            {"USA": {"clc92": True}},
            "world.conventions.USA.clc92: true is not allowed: USA has opa: true in the world data, and a "
            "state's waters are under CLC 1992 or the US Oil Pollution Act, not both: also set opa: false "
            "for USA (or leave clc92 out)",
        ),
        (
            {"GBR": {"clc92": False}},
            "world.conventions.GBR.clc92: false is not allowed: GBR has fund92: true in the world data, and "
            "the 1992 Fund Convention is open only to parties to CLC 1992: also set fund92: false for GBR "
            "(or leave clc92 out)",
        ),
    ],
    ids=["fund_without_clc", "opa_with_clc", "clc_ends_opa", "no_clc_ends_fund"],
)
def test_convention_override_the_engine_would_drop(
    run_cli: CliRun, tmp_path: Path, conventions: dict, expected: str
) -> None:
    err = _invalid(run_cli, tmp_path, {"name": "t", "world": {"conventions": conventions}})
    assert _located(err, expected), err


def test_convention_override_with_its_prerequisite_is_valid(run_cli: CliRun, tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    doc = {"name": "t", "world": {"conventions": {"USA": {"clc92": True, "fund92": True, "opa": False}}}}
    path.write_text(yaml.safe_dump(doc))
    code, out, err = run_cli("validate", path)
    assert code == 0, (out, err)


# ------------------------------------------------------------------------------- S8c: horizon's end
def test_horizon_ends_by_2100(run_cli: CliRun, tmp_path: Path) -> None:
    err = _invalid(run_cli, tmp_path, {"name": "t", "horizon": {"start_year": 2100, "years": 30}})
    assert _located(
        err,
        "horizon: the horizon's last policy year start_year + years − 1 = 2129 is after 2100, the "
        "last year any year field allows: give years at most 1 for start_year 2100",
    ), err


# ------------------------------------------------------------------ a threshold that is itself invalid
@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (".nan", ".nan is not allowed: must be a finite number: NaN and infinity are not allowed"),
        (".inf", ".inf is not allowed: must be a finite number: NaN and infinity are not allowed"),
        ("2000000000", "2000000000 is not allowed: must be at most 1e9 (USD m)"),
    ],
    ids=["nan", "inf", "above_the_ceiling"],
)
def test_an_invalid_materiality_is_reported_once_not_on_the_contracts(
    run_cli: CliRun, tmp_path: Path, scenarios_dir: Path, value: str, expected: str
) -> None:
    """A child of rv_pool.yaml with an invalid `simulation.materiality_usd_m` got that error and five more
    blamed on the valid portfolios/example_reinsurer.yaml ("attachment_usd_m: 1.5 is not allowed: must be
    at least nan"): the bound an XoL's attachment must reach is derived from the threshold, so it is not
    checked against one the schema refuses."""
    text = f"name: t\nextends: {scenarios_dir / 'rv_pool.yaml'}\nsimulation:\n  materiality_usd_m: {value}\n"
    err = _invalid(run_cli, tmp_path, text)
    assert _located(err, f"simulation.materiality_usd_m: {expected}"), err
    assert "1 of 1 file invalid, 1 problem" in err and "example_reinsurer.yaml" not in err, err
