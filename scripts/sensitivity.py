"""Sensitivity of the headline figures to the invented levers (docs/model.md §12).

Runs `scenarios/rv_pool.yaml` once as it stands (the reference) and once per lever setting, every run with
the same trials and seed, so trial i of a run and of the reference share their random draws (common random
numbers). For each setting it reports the paired difference from the reference (mean, paired SE in
brackets) of per-trial horizon-average figures, USD m a year: the example portfolio's ceded loss, the
`uncompensated` and `fund_1992` payer columns, and one or two further figures in the "other" column. It
prints the Markdown table of §12 and the reference values.

Run from the repository root (19 runs of 4,096 trials, about a minute on two cores):

    .venv/bin/python scripts/sensitivity.py
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

import riskmodel
from riskmodel.metrics import paired_difference
from riskmodel.results import Results
from riskmodel.scenario import Scenario, load_scenario, with_overrides

SCENARIO = Path(__file__).resolve().parents[1] / "scenarios" / "rv_pool.yaml"
TRIALS, SEED = 4096, 4
SCHEME = "rv_pool"

Figures = dict[str, np.ndarray]  # name → per-trial horizon average


def figures(res: Results) -> Figures:
    """The per-trial horizon averages the table reports (USD m a year unless stated)."""
    ya = res.year_arrays
    gt = ya["tonnage_gt"]  # (trial, year, class)
    western = gt[..., res.class_names.index("ig")] + gt[..., res.class_names.index("western_fixed")]
    return {
        "ceded": res.contracts["portfolio"]["loss"].mean(axis=1),
        "uncompensated": ya["payer:uncompensated"].mean(axis=1),
        "fund": ya["payer:fund_1992"].mean(axis=1),
        "blocked": ya["blocked_permanent"].mean(axis=1),
        "GXL layer 1": ya["payer:ig_gxl_layer1"].mean(axis=1),
        "GXL premium": ya["base:ig_gxl_premium"].mean(axis=1),
        "scheme": gt[..., res.class_names.index(f"scheme:{SCHEME}")].mean(axis=1) / 1e6,  # m GT
        "shadow share": 100.0 * (1.0 - western / gt.sum(axis=-1)).mean(axis=1),  # % of GT
        "lowest capital": ya[f"scheme_capital:{SCHEME}"].min(axis=1),  # the scheme's, over the horizon
        "insolvent": 100.0 * ya[f"scheme_insolvent:{SCHEME}"][:, -1],  # % of trials, at the horizon's end
        "scheme paid": ya[f"payer:scheme:{SCHEME}"].mean(axis=1)
        + ya[f"payer:scheme_reinsurance:{SCHEME}"].mean(axis=1),
    }


def fmt(mean: float, se: float, min_decimals: int, unit: str = "") -> str:
    """A mean with as many decimals as its SE supports (at least `min_decimals`, at most 3), SE in brackets
    unless it rounds to zero; "0" when the mean is exactly zero."""
    if abs(mean) < 1e-9:
        return "0"
    decimals = min_decimals if se <= 0 else max(min_decimals, min(3, -math.floor(math.log10(se))))
    text = f"{mean:+.{decimals}f}".replace("-", "−")
    if round(mean, decimals) == 0:
        text = text[1:]  # no sign on a difference that rounds to zero
    return f"{text}{unit}" if se < 0.5 * 10**-decimals else f"{text}{unit} ({se:.{decimals}f})"


def diff(run: Figures, ref: Figures, key: str, min_decimals: int = 1, unit: str = "") -> str:
    d = paired_difference(run[key], ref[key])
    return fmt(d.mean, d.se, min_decimals, unit)


def other_cell(keys: tuple[str, ...], run: Figures, ref: Figures) -> str:
    """The "other" cell: the paired difference of each key (shadow share, lowest capital: their level)."""
    parts = []
    for key in keys:
        if key == "shadow share":
            parts.append(f"shadow share {run[key].mean():.1f}%")
        elif key == "lowest capital":  # below the recapitalisation threshold in no trial: no effect
            parts.append(f"lowest scheme capital {run[key].min():.0f} (reference {ref[key].min():.0f})")
        elif key == "insolvent":
            parts.append(
                f"insolvent by the end {run[key].mean():.1f}% of trials (reference {ref[key].mean():.1f}%)"
            )
        elif key == "scheme":
            parts.append(f"scheme {diff(run, ref, key, 2, 'm GT')}")
        else:
            parts.append(f"{key} {diff(run, ref, key)}")
    return "; ".join(parts)


def levers(base: Scenario) -> list[tuple[str, tuple[str, ...], dict[str, dict[str, Any]]]]:
    """Each lever: its label (with the default), the keys of its "other" cell, its settings' overrides."""
    sch, sanctions, world = base.schemes[SCHEME], base.sanctions, base.world
    blocs = sanctions.scheme_designation.blocs
    recap = sch.recapitalisation
    assert recap is not None, f"{SCHEME} has no recapitalisation to switch off"

    def hazards(k: float) -> dict[str, Any]:
        return {f"sanctions.scheme_designation.blocs.{b}.hazard": d.hazard * k for b, d in blocs.items()}

    def values(key: str, *vs: float, spec: str = "g") -> dict[str, dict[str, Any]]:
        return {format(v, spec): {key: v} for v in vs}

    hz = "/".join(f"{b.hazard:.2f}" for b in blocs.values())
    recap_label = f"{recap.probability:.0%} chance of {recap.amount_usd_m:g} below {recap.threshold_usd_m:g}"
    return [
        (f"scheme designation hazards ({hz})", ("blocked",), {"× 0": hazards(0), "× 2": hazards(2)}),
        (
            f"licence probability ({sanctions.licence_probability:g})",
            ("blocked", "GXL layer 1"),
            values("sanctions.licence_probability", 0, 1),
        ),
        (
            f"recapitalisation (`{SCHEME}`: {recap_label})",
            ("lowest capital",),
            {"none": {f"schemes.{SCHEME}.recapitalisation": None}},
        ),
        (
            f"scheme capital (`{SCHEME}`: {sch.capital_usd_m:,.0f}; {recap_label})",
            ("insolvent", "scheme paid"),
            {
                "50": {f"schemes.{SCHEME}.capital_usd_m": 50.0},
                "50, no backstop": {
                    f"schemes.{SCHEME}.capital_usd_m": 50.0,
                    f"schemes.{SCHEME}.recapitalisation": None,
                },
            },
        ),
        (
            f"GXL elasticity ({world.gxl_elasticity:g})",
            ("GXL premium",),
            values("world.gxl_elasticity", 0, 1),
        ),
        (
            f"vessel designation initial share ({sanctions.vessel_designation.initial_share:g})",
            ("blocked", "shadow share"),
            values("sanctions.vessel_designation.initial_share", 0.3, 0.9),
        ),
        (
            f"vessel designation hazard ({sanctions.vessel_designation.hazard:g})",
            ("shadow share", "scheme"),
            values("sanctions.vessel_designation.hazard", 0.05, 0.2),
        ),
        (
            f"scheme payment reliability ({sch.payment_reliability:g})",
            (),
            values(f"schemes.{SCHEME}.payment_reliability", 0.5, 0.8),
        ),
        (
            f"domestic payment reliability ({world.domestic_payment_reliability:g})",
            (),
            values("world.domestic_payment_reliability", 0.6, 1.0, spec=".1f"),
        ),
        (
            f"cargo price dispersion ({base.price_cap.dispersion:g})",
            ("scheme",),
            values("price_cap.dispersion", 0.06, 0.24),
        ),
    ]


def main() -> None:
    base = load_scenario(SCENARIO)
    ref = figures(riskmodel.simulate(base, trials=TRIALS, seed=SEED, progress=False))
    print(
        f"Reference values: example portfolio ceded loss {ref['ceded'].mean():.3f}, uncompensated "
        f"{ref['uncompensated'].mean():.1f}, 1992 Fund {ref['fund'].mean():.1f}, GXL programme premium "
        f"{ref['GXL premium'].mean():.1f}, scheme tonnage {ref['scheme'].mean():.2f}m GT, claims blocked "
        f"permanently {ref['blocked'].mean():.1f}, all USD m a year (mean over the horizon); shadow share "
        f"{ref['shadow share'].mean():.2f}%.\n"
    )
    print("| lever (default) | setting | portfolio ceded | uncompensated | 1992 Fund | other |")
    print("|---|---|---:|---:|---:|---|")
    for label, keys, settings in levers(base):
        for i, (setting, overrides) in enumerate(settings.items()):
            scenario = with_overrides(base, overrides)
            run = figures(riskmodel.simulate(scenario, trials=TRIALS, seed=SEED, progress=False))
            cells = [diff(run, ref, "ceded", 3), diff(run, ref, "uncompensated"), diff(run, ref, "fund")]
            cells.append(other_cell(keys, run, ref))
            print(f"| {label if i == 0 else ''} | {setting} | " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
