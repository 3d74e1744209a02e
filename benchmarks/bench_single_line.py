"""Benchmark: one Poisson–lognormal line through one layer, `simulate` against hand-written numpy floors.

The scenario is built in Python: no world model, one user-defined peril (Poisson frequency 2 a year,
lognormal severity of mean 20 and CV 3, USD m) ceded to one contract, 50 xs 25 per occurrence with one
reinstatement at 100% (aggregate limit 100) and a premium of 5. All sides produce the outputs the issue
names: the year loss table (ceded loss and reinstatement premium per year), the AAL with its standard
error and the 1-in-200 annual loss.

Two floors, both the plainest numpy that does the job:

- `floor`: annual figures only. Poisson counts, lognormal severities, the layer per event, annual sums
  with `bincount`, the aggregate limit, the reinstatement premium (pro rata as to amount, so the year's
  total needs no event order), the mean, its error and a sort for the quantile.
- `floor_ylt`: the same year loss table as the engine's, which also holds each year's largest ceded
  event (the OEP basis). Under an aggregate limit an event's ceded amount depends on the events before
  it, so this floor also draws event times, orders the events within each year and runs the aggregate
  limit in that order (a global cumsum less each year's start).

`simulate` does more than either (keyed random streams per block of trials, the payer ledger, blocked
amounts, results objects); the ratios are the price of that generality.

Run alone: `.venv/bin/python -m benchmarks.bench_single_line [--years N] [--repeat R]`.
"""

from __future__ import annotations

import argparse
import math

import numpy as np

from benchmarks.common import Section, alternate, table
from riskmodel import metrics
from riskmodel.engine.simulate import simulate
from riskmodel.scenario import load_scenario_from_dict

FREQUENCY = 2.0
MEAN, CV = 20.0, 3.0
ATTACHMENT, LIMIT, AGG_LIMIT, PREMIUM = 25.0, 50.0, 100.0, 5.0
SEED = 7


def scenario_dict(trials: int, years: int) -> dict:
    return {
        "name": "Single line (benchmark)",
        "horizon": {"start_year": 2026, "years": years},
        "simulation": {"trials": trials, "seed": SEED, "chunk_trials": 65536, "world_model": False},
        "perils": {
            "cat": {
                "frequency": {"distribution": "poisson", "mean": FREQUENCY},
                "severity": {"distribution": "lognormal", "mean_usd_m": MEAN, "cv": CV},
            }
        },
        "portfolio": {
            "name": "One layer",
            "contracts": {
                "layer": {
                    "source": "peril:cat",
                    "type": "xol",
                    "attachment_usd_m": ATTACHMENT,
                    "limit_usd_m": LIMIT,
                    "reinstatements": [{"rate": 1.0}],
                    "premium": {"fixed_usd_m": PREMIUM},
                }
            },
        },
    }


def floor(n_years: int, seed: int = SEED) -> dict[str, float]:
    """The hand-written numpy simulation of the same line: n_years independent years."""
    rng = np.random.default_rng(seed)
    counts = rng.poisson(FREQUENCY, n_years)
    sigma = math.sqrt(math.log1p(CV**2))
    x = rng.lognormal(math.log(MEAN) - sigma**2 / 2, sigma, int(counts.sum()))
    y = np.minimum(np.maximum(x - ATTACHMENT, 0.0), LIMIT)
    annual = np.bincount(np.repeat(np.arange(n_years), counts), weights=y, minlength=n_years)
    loss = np.minimum(annual, AGG_LIMIT)
    rp = PREMIUM * np.minimum(loss, AGG_LIMIT - LIMIT) / LIMIT
    q = np.sort(loss)[math.ceil(n_years * 0.995) - 1]
    return {
        "aal": float(loss.mean()),
        "aal_se": float(loss.std(ddof=1) / math.sqrt(n_years)),
        "var_200": float(q),
        "rp_mean": float(rp.mean()),
        "max_event_mean": float("nan"),
    }


def floor_ylt(n_years: int, seed: int = SEED) -> dict[str, float]:
    """The hand-written simulation of the engine's year loss table: events in time order within each year,
    the aggregate limit applied in that order, each year's largest ceded event."""
    rng = np.random.default_rng(seed)
    counts = rng.poisson(FREQUENCY, n_years)
    n = int(counts.sum())
    sigma = math.sqrt(math.log1p(CV**2))
    x = rng.lognormal(math.log(MEAN) - sigma**2 / 2, sigma, n)
    t = rng.random(n)
    year = np.repeat(np.arange(n_years), counts)
    order = np.argsort(year + t, kind="stable")
    y = np.minimum(np.maximum(x[order] - ATTACHMENT, 0.0), LIMIT)
    cs = np.cumsum(y)
    before = np.concatenate(([0.0], cs))[np.concatenate(([0], np.cumsum(counts)[:-1]))]
    cum = cs - np.repeat(before, counts)  # running total within the year
    paid = np.minimum(cum, AGG_LIMIT) - np.minimum(cum - y, AGG_LIMIT)
    loss = np.bincount(year, weights=paid, minlength=n_years)
    largest = np.zeros(n_years)
    np.maximum.at(largest, year, paid)
    rp = PREMIUM * np.minimum(loss, AGG_LIMIT - LIMIT) / LIMIT
    q = np.sort(loss)[math.ceil(n_years * 0.995) - 1]
    return {
        "aal": float(loss.mean()),
        "aal_se": float(loss.std(ddof=1) / math.sqrt(n_years)),
        "var_200": float(q),
        "rp_mean": float(rp.mean()),
        "max_event_mean": float(largest.mean()),
    }


def engine(trials: int, years: int) -> dict[str, float]:
    """`simulate` the same line and take the same outputs from its year loss table."""
    res = simulate(load_scenario_from_dict(scenario_dict(trials, years)), progress=False)
    c = res.contracts["layer"]
    loss, rp = c["loss"].ravel(), c["reinstatement_premium"].ravel()
    return {
        "aal": float(metrics.aal(loss)),
        "aal_se": float(metrics.standard_error(loss)),
        "var_200": float(metrics.var(loss, 0.995)),
        "rp_mean": float(rp.mean()),
        "max_event_mean": float(c["max_event_loss"].mean()),
    }


def _check(a: dict[str, float], b: dict[str, float]) -> list[str]:
    """The two agree in distribution: AAL within 4 combined standard errors, the reinstatement premium
    within 4%, the 1-in-200 loss within 5% (it is at the aggregate limit here)."""
    problems = []
    se = math.hypot(a["aal_se"], b["aal_se"])
    if abs(a["aal"] - b["aal"]) > 4 * se:
        problems.append(f"AAL differs: {a['aal']:.4f} vs {b['aal']:.4f} (SE {se:.4f})")
    if abs(a["rp_mean"] - b["rp_mean"]) > 0.04 * a["rp_mean"]:
        problems.append(f"reinstatement premium differs: {a['rp_mean']:.4f} vs {b['rp_mean']:.4f}")
    if abs(a["var_200"] - b["var_200"]) > 0.05 * a["var_200"]:
        problems.append(f"1-in-200 differs: {a['var_200']:.3f} vs {b['var_200']:.3f}")
    return problems


def run(years: int = 1_000_000, repeat: int = 5, shapes: tuple[int, ...] = (1, 5)) -> Section:
    """Engine and floors alternated `repeat` times for each horizon shape (1M trials × 1 year, 200k × 5)."""
    sec = Section(
        "Single line against hand-written numpy floors",
        f"One peril (Poisson {FREQUENCY:g}, lognormal mean {MEAN:g} CV {CV:g}) through 50 xs 25 with one "
        f"reinstatement at 100%, {years:,} simulated years: `simulate` + metrics against plain numpy, "
        f"alternated {repeat} times in one process (medians). `floor`: annual totals only; `floor_ylt`: "
        "the engine's year loss table, i.e. also events in time order within the year and each year's "
        "largest ceded event (see `benchmarks/bench_single_line.py`). "
        "Target: `simulate` at most 2x the floor.",
    )
    rows, out_rows = [], []
    for horizon in shapes:
        trials = max(years // horizon, 1)
        warm = min(trials, 65536)
        engine(warm, horizon)  # imports, world data and first-call costs out of the way
        floor(warm * horizon)
        floor_ylt(warm * horizon)
        f, fy, e = alternate(
            [
                ("floor", lambda t=trials, h=horizon: floor(t * h)),
                ("floor_ylt", lambda t=trials, h=horizon: floor_ylt(t * h)),
                ("simulate", lambda t=trials, h=horizon: engine(t, h)),
            ],
            repeat,
        )
        shape = f"{trials:,} trials x {horizon} yr"
        rows.append(
            [
                shape,
                f.median,
                fy.median,
                e.median,
                e.median / f.median,
                e.cpu_median / f.cpu_median,
                e.median / fy.median,
                e.cpu_median / fy.cpu_median,
                trials * horizon / e.median,
            ]
        )
        sec.target(
            f"single line ({shape}): simulate at most 2x the floor",
            f"{e.median / f.median:.2f}x the annual-totals floor; "
            f"{e.median / fy.median:.2f}x the floor of the same year loss table",
            e.median / f.median <= 2.0,
        )
        for label, r in (("floor", f.result), ("floor_ylt", fy.result), ("simulate", e.result)):
            out_rows.append(
                [shape, label, r["aal"], r["aal_se"], r["var_200"], r["rp_mean"], r["max_event_mean"]]
            )
        for other in (f.result, fy.result):
            for p in _check(other, e.result):
                sec.notes.append(f"{shape}: OUTPUTS DISAGREE: {p}")
    sec.tables.append(
        table(
            [
                "shape",
                "floor s",
                "floor_ylt s",
                "simulate s",
                "ratio to floor",
                "(CPU)",
                "ratio to floor_ylt",
                "(CPU)",
                "simulated years/s",
            ],
            rows,
        )
    )
    sec.tables.append(
        table(
            ["shape", "who", "AAL", "AAL SE", "1-in-200", "mean reinstatement premium", "mean largest event"],
            out_rows,
        )
    )
    sec.notes.append(
        "Same seed, different streams: the three agree in distribution (AAL within 4 SE, 1-in-200 and "
        "reinstatement premium within a few %), not draw for draw."
    )
    return sec


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--years", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    print(run(args.years, args.repeat).markdown())


if __name__ == "__main__":
    main()
