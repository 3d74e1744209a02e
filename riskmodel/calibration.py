"""Calibration and validation helpers (MODEL.md section 12).

In: the world data's damage anchors (`severity.yaml` `pollution.anchors`) and its damage law. Out: the
fitted cost level c (USD per tonne at a 1,000 t spill, light-crude basis) and the modelled median damage of
any spill, for the fit on Erika, Prestige and Agia Zoni II and the hold-out checks on Nakhodka and Hebei
Spirit. The frequency side (expected spill counts given the market) is computed by the engine per
trial-year (`Results.year_arrays["expected:spills_7t"]`); tests compare both with the simulation.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["DamageFit", "fit_cost_level", "median_damage_usd_m"]

FIT_ANCHORS = ("erika", "prestige", "agia_zoni_ii")


def median_damage_usd_m(cost_per_t_usd: float, spill_t: float, exponent: float, oil_factor: float) -> float:
    """Median admissible pollution damage of a spill: c × 1000 × (V/1000)^b × oil factor (ε has median 1).

    >>> round(median_damage_usd_m(100_000, 8_000, 0.73, 1.0), 1)
    456.3
    """
    return cost_per_t_usd * 1000.0 * (spill_t / 1000.0) ** exponent * oil_factor / 1e6


@dataclass(frozen=True)
class DamageFit:
    cost_per_t_usd: float  # fitted c (light-crude basis)
    log_residual_sd: float  # spread of the anchors around the fit (3 points: indicative only)
    implied: dict[str, float]  # each anchor's own implied c


def fit_cost_level(severity: Mapping[str, Any], anchors: tuple[str, ...] = FIT_ANCHORS) -> DamageFit:
    """Fit c on the anchors: the maximum-likelihood estimate of log c under ε lognormal with median 1 is
    the mean of the anchors' log implied c, log D − log(1000 (V/1000)^b f)."""
    pol = severity["pollution"]
    b = float(pol["damage_exponent"])
    factors = severity["spill"]["oil_type_factor"]
    implied = {}
    for name in anchors:
        a = pol["anchors"][name]
        unit = median_damage_usd_m(1.0, float(a["spill_t"]), b, float(factors[a["oil_type"]]))
        implied[name] = float(a["damage_usd_m_2025"]) / unit
    logs = [math.log(v) for v in implied.values()]
    mean = sum(logs) / len(logs)
    sd = math.sqrt(sum((x - mean) ** 2 for x in logs) / (len(logs) - 1)) if len(logs) > 1 else 0.0
    return DamageFit(math.exp(mean), sd, implied)
