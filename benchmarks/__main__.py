"""Run every benchmark, print the tables and write `benchmarks/results.md`: `make bench`.

    .venv/bin/python -m benchmarks                    # everything, about 5-10 minutes on 2 busy cores
    .venv/bin/python -m benchmarks --quick            # every benchmark at a small size (about a minute)
    .venv/bin/python -m benchmarks --only single,full # some of: single, full, scaling, batch, screening

Sizes: `--single-years`, `--single-repeat`, `--full-trials`, `--full-repeat`, `--scaling-perils`,
`--scaling-full`, `--batch-trials`; `--out` names the report (default benchmarks/results.md).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from benchmarks.common import ROOT, Section, load_average, machine, table

BENCHES = ("single", "full", "scaling", "batch", "screening")


def _screening() -> Section:
    from benchmarks import bench_screening

    r = bench_screening.run()
    sec = Section(
        "Screening: 100,000 vessels against 50,000 list entries",
        "`benchmarks/bench_screening.py`: synthetic fleet and lists written as files, then read, validated "
        "and screened.",
    )
    sec.tables.append(
        table(
            ["step", "seconds"],
            [
                ["read and validate the fleet", r["read_fleet_s"]],
                ["read the lists", r["read_lists_s"]],
                ["screen", r["screen_s"]],
            ],
        )
    )
    sec.notes.append(
        f"{r['vessels']:,} vessels, {r['list_entries']:,} list entries; designated vessels "
        f"{r['designated_vessel']:,} (by name only {r['designated_vessel_name_only']:,}), designated insurer "
        f"{r['designated_insurer']:,}, recent flag change {r['recent_flag_change']:,}, list problems "
        f"{r['list_problems']:,}."
    )
    return sec


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n")[0])
    ap.add_argument(
        "--only", default=",".join(BENCHES), help=f"comma-separated subset of {', '.join(BENCHES)}"
    )
    ap.add_argument("--quick", action="store_true", help="every benchmark at a small size")
    ap.add_argument("--single-years", type=int, default=None, help="simulated years of the single line (1M)")
    ap.add_argument("--single-repeat", type=int, default=None, help="alternated runs of engine and floor (5)")
    ap.add_argument(
        "--full-trials", type=int, default=None, help="trials of the full model (16,384 x 5 years)"
    )
    ap.add_argument("--full-repeat", type=int, default=None, help="runs on 1 and 2 workers (1)")
    ap.add_argument("--scaling-perils", default=None, help="trial-years of the single line (100k,...,3M)")
    ap.add_argument("--scaling-full", default=None, help="trials of the full model (8192,16384,32768)")
    ap.add_argument("--batch-trials", type=int, default=None, help="trials per scenario of the batch (4,096)")
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results.md")
    args = ap.parse_args(argv)
    only = [b.strip() for b in args.only.split(",") if b.strip()]
    unknown = sorted(set(only) - set(BENCHES))
    if unknown:
        ap.error(f"unknown benchmark(s) {unknown}; choose from {', '.join(BENCHES)}")
    q = args.quick

    def pick(value, normal, quick):
        return value if value is not None else (quick if q else normal)

    info = machine()
    started = time.perf_counter()
    sections: list[Section] = []
    timings: list[list[object]] = []
    for name in BENCHES:
        if name not in only:
            continue
        t0 = time.perf_counter()
        print(f"== {name} ...", file=sys.stderr, flush=True)
        if name == "single":
            from benchmarks import bench_single_line

            sec = bench_single_line.run(
                pick(args.single_years, 1_000_000, 200_000), pick(args.single_repeat, 5, 3)
            )
        elif name == "full":
            from benchmarks import bench_full_model

            sec = bench_full_model.run(pick(args.full_trials, 16384, 8192), pick(args.full_repeat, 1, 1))
        elif name == "scaling":
            from benchmarks import bench_scaling

            perils = bench_scaling._sizes(
                pick(args.scaling_perils, "100000,300000,1000000,3000000", "100000,300000")
            )
            full = bench_scaling._sizes(pick(args.scaling_full, "8192,16384,32768", "8192"))
            sec = bench_scaling.run(perils, full)
        elif name == "batch":
            from benchmarks import bench_batch

            sec = bench_batch.run(pick(args.batch_trials, 4096, 1024))
        else:
            sec = _screening()
        sections.append(sec)
        timings.append([name, time.perf_counter() - t0])
        print(sec.markdown(), flush=True)

    header = [
        "# Benchmarks",
        "",
        "Written by `make bench` (`.venv/bin/python -m benchmarks`); see `benchmarks/__main__.py` for the "
        "options that shrink each measurement.",
        "",
        table(["", ""], [[k, v] for k, v in info.items()] + [["load average at end", load_average()]]),
        "",
        "**Load caveat.** The machine is shared (2 cores; other sessions run tests and notebooks), so "
        "absolute times move by tens of percent from run to run. Comparisons are measured side by side in "
        "one run (alternated, medians and best runs), and ratios are the figures to trust.",
        "",
    ]
    targets = [t for sec in sections for t in sec.targets]
    summary = (
        ["## Targets (issue 7)", "", table(["target", "measured", "met"], targets), ""] if targets else []
    )
    footer = [
        "## Run time",
        "",
        table(["benchmark", "seconds"], [*timings, ["all", time.perf_counter() - started]]),
        "",
    ]
    text = (
        "\n".join(header + summary)
        + "\n"
        + "\n".join(s.markdown() for s in sections)
        + "\n"
        + "\n".join(footer)
    )
    notes = ROOT / "benchmarks" / "notes.md"  # hand-written analysis, kept with the numbers
    if notes.exists():
        text += notes.read_text(encoding="utf-8")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.out.with_suffix(".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(args.out)
    print(f"wrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
