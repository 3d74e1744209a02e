"""Benchmark: time and peak memory against the number of trial-years, each size in a fresh process.

The perils-only single line (`bench_single_line`) at 100k, 300k, 1M and 3M trial-years, and the full
model (`rv_pool`, 5-year horizon) at a few smaller sizes (whole chunks). Each size runs twice, each time
in a child process: once for its wall time and its peak resident memory (VmHWM; the memory before the run,
after imports, is reported too), once with `tracemalloc` for the peak of the memory numpy and Python
allocate. Time should be linear in trial-years and event-level memory flat (bounded by the chunk size):
what grows is the year loss table the results keep. The resident peak also holds what the allocator
keeps after arrays are freed (it grows with the number of chunks run), so flatness is judged on the
traced peak less the results' arrays.

Run alone: `.venv/bin/python -m benchmarks.bench_scaling [--perils 100000,300000,...] [--full 4096,...]`.
A child: `python -m benchmarks.bench_scaling --child perils|full N`.
"""

from __future__ import annotations

import argparse
import time
import tracemalloc

import numpy as np

from benchmarks.common import ROOT, Section, peak_rss_mib, run_child, table

PERILS_SIZES = (100_000, 300_000, 1_000_000, 3_000_000)
FULL_TRIALS = (8192, 16384, 32768)  # x 5 years: 1, 2 and 4 chunks of the scenario's 8,192 trials


def _result_bases(res) -> list[np.ndarray]:
    """The buffers the results' arrays (contracts, year and trial arrays) live in, each once (a view
    shares its base's memory)."""
    arrays = [v for c in res.contracts.values() for v in c.values()]
    arrays += [*res.year_arrays.values(), *res.trial_arrays.values()]
    bases = {id(b): b for a in arrays for b in [a if a.base is None else a.base] if isinstance(b, np.ndarray)}
    return list(bases.values())


def _resident_bytes(bases: list[np.ndarray]) -> int:
    """Bytes the buffers hold in memory: none for an array of zeros that was never written (`np.zeros`
    memory is not resident until touched)."""
    flat = (b.reshape(-1).view(np.uint8) if b.flags.c_contiguous else b for b in bases)
    return sum(b.nbytes for b, f in zip(bases, flat, strict=True) if f.any())


def child(kind: str, n: int, traced: bool = False) -> None:
    """Run one size and print `key=value` lines for the parent (with `traced`, the traced peak only)."""
    from riskmodel.engine.executors import InProcess
    from riskmodel.engine.simulate import simulate
    from riskmodel.scenario import load_scenario, load_scenario_from_dict

    if kind == "perils":
        from benchmarks.bench_single_line import scenario_dict

        scenario = load_scenario_from_dict(scenario_dict(n, 1))
        trials = n
    else:
        scenario = load_scenario(ROOT / "scenarios" / "rv_pool.yaml")
        trials = n
    if traced:
        tracemalloc.start()
        res = simulate(scenario, trials=trials, executor=InProcess(), progress=False)
        _, traced_peak = tracemalloc.get_traced_memory()
        allocated = sum(b.nbytes for b in _result_bases(res))  # touched or not: what tracemalloc counts
        print(f"traced_peak_mib={traced_peak / 2**20}")
        print(f"allocated_results_mib={allocated / 2**20}")
        return
    rss0 = peak_rss_mib()
    t0 = time.perf_counter()
    res = simulate(scenario, trials=trials, executor=InProcess(), progress=False)
    wall = time.perf_counter() - t0
    peak = peak_rss_mib()  # (before the results are read below)
    kept = _resident_bytes(_result_bases(res))
    print(f"wall={wall}")
    print(f"trial_years={trials * res.n_years}")
    print(f"rss_before_mib={rss0}")
    print(f"peak_rss_mib={peak}")
    print(f"results_mib={kept / 2**20}")
    print(f"chunk_trials={scenario.simulation.chunk_trials}")


def run(perils: tuple[int, ...] = PERILS_SIZES, full: tuple[int, ...] = FULL_TRIALS) -> Section:
    sec = Section(
        "Scaling: time and peak memory",
        "Each size runs twice, each time in a fresh process (in-process executor, one core): once for "
        "the time and the resident memory (`peak RSS` is the child's high-water mark, `before` its "
        "resident memory after imports, `results` the arrays the Results keep and have written: year "
        "loss tables, payer ledger, year statistics), once with `tracemalloc` (`traced peak`: the most "
        "memory numpy and Python held at once; `allocated results` the results' arrays, written or "
        "not). The results must grow linearly; the rest, the event-level work, should stay flat.",
    )
    for kind, sizes, label in (
        ("perils", perils, "single line (perils only)"),
        ("full", full, "full model (rv_pool)"),
    ):
        rows = []
        base = None
        for n in sizes:
            _, v = run_child("benchmarks.bench_scaling", "--child", kind, str(n))
            _, t = run_child("benchmarks.bench_scaling", "--child", kind, str(n), "--traced")
            ty = int(v["trial_years"])
            wall = float(v["wall"])
            peak, before, kept = float(v["peak_rss_mib"]), float(v["rss_before_mib"]), float(v["results_mib"])
            traced, allocated = float(t["traced_peak_mib"]), float(t["allocated_results_mib"])
            if base is None:
                base = wall / ty
            rows.append(
                [
                    f"{ty:,}",
                    wall,
                    ty / wall,
                    (wall / ty) / base,
                    before,
                    peak,
                    kept,
                    peak - before - kept,
                    traced,
                    allocated,
                    traced - allocated,
                ]
            )
        if len(rows) > 1:
            rel = [r[3] for r in rows]
            resident = [r[7] for r in rows]
            work = [r[10] for r in rows]
            sec.target(
                f"scaling ({label}): time linear, event-level memory flat",
                f"time per trial-year {min(rel):.2f}-{max(rel):.2f} of the smallest size; event-level memory "
                f"(traced) {min(work):,.1f}-{max(work):,.1f} MiB (resident {min(resident):,.0f}-"
                f"{max(resident):,.0f} MiB)",
                max(rel) < 1.3 and max(work) - min(work) < 0.05 * max(work) + 8,
            )
        if rows:
            sec.tables.append(
                f"**{label}** (chunks of {v['chunk_trials']} trials)\n\n"
                + table(
                    [
                        "trial-years",
                        "wall s",
                        "trial-years/s",
                        "time per trial-year (rel.)",
                        "RSS before MiB",
                        "peak RSS MiB",
                        "results MiB",
                        "resident working MiB (peak - before - results)",
                        "traced peak MiB",
                        "allocated results MiB",
                        "event-level MiB (traced peak - allocated results)",
                    ],
                    rows,
                )
            )
    sec.notes.append(
        "Each chunk's results are copied into the run's result arrays as they arrive (`simulate`), so the "
        "peak holds the results once. The last column, the event-level working memory that numpy and "
        "Python allocate, is flat: bounded by the chunk (and for the world model by the 4,096-trial "
        "block, whose candidates are drawn at once), not by the number of trials. The resident working "
        "memory grows somewhat with the number of chunks run: the allocator keeps part of the memory of "
        "freed temporaries (it is not held by any array)."
    )
    return sec


def _sizes(text: str) -> tuple[int, ...]:
    return tuple(int(x) for x in text.split(",") if x.strip())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--child", nargs=2, metavar=("KIND", "N"))
    ap.add_argument("--traced", action="store_true", help="(a child) the traced peak only")
    ap.add_argument("--perils", default=",".join(map(str, PERILS_SIZES)))
    ap.add_argument("--full", default=",".join(map(str, FULL_TRIALS)))
    args = ap.parse_args()
    if args.child:
        child(args.child[0], int(args.child[1]), args.traced)
        return
    print(run(_sizes(args.perils), _sizes(args.full)).markdown())


if __name__ == "__main__":
    main()
