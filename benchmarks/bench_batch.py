"""Benchmark: a batch of 8 scenarios on the process pool against one after another.

The five shipped scenarios (baseline, rv_pool, brics_scheme, crackdown, spill_stress) and three sweep
points of rv_pool (scheme capital 500 and 2,000, reinsurer quota share 0.8), each with the same trials
and seed. One after another: `simulate` in-process, scenario by scenario. Batch: `riskmodel.batch.
simulate_many` on a `ProcessPool`, which streams every scenario's chunks through one pool (workers stay
busy across scenario boundaries) and reduces each scenario in chunk order.

Run alone: `.venv/bin/python -m benchmarks.bench_batch [--trials N] [--workers W]`.
"""

from __future__ import annotations

import argparse

import numpy as np

from benchmarks.common import ROOT, Section, table, time_once
from riskmodel.engine.executors import InProcess, ProcessPool
from riskmodel.engine.random import BLOCK_TRIALS
from riskmodel.engine.simulate import simulate
from riskmodel.scenario import load_scenario, with_overrides

SHIPPED = ("baseline", "rv_pool", "brics_scheme", "crackdown", "spill_stress")
SWEEP = (
    {"schemes.rv_pool.capital_usd_m": 500},
    {"schemes.rv_pool.capital_usd_m": 2000},
    {"schemes.rv_pool.reinsurance.quota_share": 0.8},
)


def scenarios() -> list[tuple[str, object]]:
    out = [(name, load_scenario(ROOT / "scenarios" / f"{name}.yaml")) for name in SHIPPED]
    rv = out[1][1]
    for ov in SWEEP:
        out.append(
            ("rv_pool " + ", ".join(f"{k.split('.')[-1]}={v}" for k, v in ov.items()), with_overrides(rv, ov))
        )
    return out


def run(trials: int = BLOCK_TRIALS, workers: int = 2) -> Section:
    from riskmodel import batch

    items = scenarios()
    seed = 20250507
    chunk = BLOCK_TRIALS
    simulate(items[0][1], trials=BLOCK_TRIALS // 8, progress=False)  # first-call costs out of the way

    def one_after_another() -> dict[str, float]:
        out = {}
        for name, sc in items:
            res = simulate(
                sc, trials=trials, seed=seed, executor=InProcess(), chunk_trials=chunk, progress=False
            )
            out[name] = float(res.contracts["portfolio"]["loss"].mean())
        return out

    def pooled() -> dict[str, float]:
        specs = [batch.make_spec(name, sc, None, trials=trials, seed=seed) for name, sc in items]
        out = {}
        with ProcessPool(workers) as pool:
            for spec, res in batch.simulate_many(specs, pool, chunk_trials=chunk, progress=False):
                out[spec.name] = float(res.contracts["portfolio"]["loss"].mean())
        return out

    seq_wall, _, seq = time_once(one_after_another)
    pool_wall, _, pooled_res = time_once(pooled)
    same = all(np.isclose(seq[k], pooled_res[k], rtol=0, atol=0) for k in seq)
    ty = trials * sum(sc.horizon.years for _, sc in items)
    sec = Section(
        "Batch: 8 scenarios",
        f"{len(items)} scenarios ({', '.join(name for name, _ in items)}), {trials:,} trials each "
        f"({ty:,} trial-years in all), one after another in-process against `batch.simulate_many` on a "
        f"process pool of {workers}.",
    )
    sec.tables.append(
        table(
            ["how", "wall s", "trial-years/s", "speed-up"],
            [
                ["one after another (1 process)", seq_wall, ty / seq_wall, 1.0],
                [
                    f"process pool ({workers} workers, incl. start-up)",
                    pool_wall,
                    ty / pool_wall,
                    seq_wall / pool_wall,
                ],
            ],
        )
    )
    sec.notes.append(
        "Portfolio AAL of every scenario identical (bit for bit) both ways: " + ("yes" if same else "NO")
    )
    sec.target(
        "batch: the process pool faster than one after another",
        f"{seq_wall / pool_wall:.2f}x",
        seq_wall > pool_wall,
    )
    return sec


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--trials", type=int, default=BLOCK_TRIALS)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    print(run(args.trials, args.workers).markdown())


if __name__ == "__main__":
    main()
