"""Stored SHA-256 digests of a few small runs: a guard that an optimisation leaves every result bit for bit.

Why: the engine promises the same bits for the same scenario, seed and trial count, whatever the workers,
chunking or executor, and `tests/test_reproducibility.py` checks that within one process. Nothing there
notices a speed-up that moves a result by one ulp; this guard does, against digests recorded earlier.

In: the runs of `RUNS` (shipped scenarios and a perils-only book, a few hundred to a few thousand trials,
together a few seconds on one core), each through the public `riskmodel.simulate`.
Out: per run, a SHA-256 of each numeric array of its `Results` (dtype, shape and raw bytes), named
``contracts/<id>/<field>``, ``year_arrays/<name>``, ``trial_arrays/<name>`` and ``events/<column>``, and
one digest of the run over the sorted (name, digest) pairs, so an added or missing array changes it too.
``python -m tests.digest --write`` records them in `DIGESTS_FILE` with the `fingerprint` of the
environment that decides the bits (numpy's random streams, scipy's special functions, libm, the CPU's
SIMD loops); ``python -m tests.digest [--workers N]`` checks a fresh computation against it.
`tests/test_digest.py` is the test.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import platform
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import scipy

from riskmodel.engine.executors import Executor, InProcess, ProcessPool
from riskmodel.engine.simulate import simulate
from riskmodel.results import Results
from riskmodel.scenario import Scenario, load_scenario, load_scenario_from_dict

REPO_ROOT = Path(__file__).resolve().parents[1]
DIGESTS_FILE = REPO_ROOT / "tests" / "data" / "digests.json"
RECORD_HINT = (
    "if the change is meant to change results, re-record with `python -m tests.digest --write` "
    "and say so in the commit"
)

#: Perils only (no world model): negative binomial and Poisson frequencies, Pareto (capped) and lognormal
#: severities, an XoL with a reinstatement and an aggregate limit, a stop-loss and a quota share.
PERILS: dict[str, Any] = {
    "name": "Digest perils book",
    "horizon": {"start_year": 2026, "years": 2},
    "simulation": {"trials": 8192, "seed": 7, "chunk_trials": 4096, "world_model": False},
    "perils": {
        "storm": {
            "frequency": {"distribution": "negative_binomial", "mean": 1.5, "cv": 1.2},
            "severity": {"distribution": "pareto", "threshold_usd_m": 5, "alpha": 1.4, "cap_usd_m": 2000},
        },
        "quake": {
            "frequency": {"distribution": "poisson", "mean": 0.2},
            "severity": {"distribution": "lognormal", "mean_usd_m": 80, "cv": 2.0},
        },
    },
    "portfolio": {
        "name": "Digest book",
        "contracts": {
            "cat_xol": {
                "source": ["peril:storm", "peril:quake"],
                "type": "xol",
                "attachment_usd_m": 20,
                "limit_usd_m": 100,
                "aggregate_limit_usd_m": 200,
                "reinstatements": [{"rate": 1.0}],
                "premium": {"fixed_usd_m": 8},
            },
            "storm_stop_loss": {
                "source": "peril:storm",
                "type": "stop_loss",
                "attachment_usd_m": 30,
                "limit_usd_m": 50,
                "premium": {"fixed_usd_m": 2},
            },
            "quake_quota": {
                "source": "peril:quake",
                "type": "quota_share",
                "participation": 0.25,
                "premium": {"fixed_usd_m": 1},
            },
        },
    },
}


@dataclass(frozen=True)
class Run:
    """One digested run: a scenario file (relative to the repository) or `PERILS`, and `simulate`'s
    arguments."""

    name: str
    scenario: str
    trials: int
    seed: int
    keep_events: bool
    chunk_trials: int | None = None
    why: str = field(default="", compare=False)

    def load(self) -> Scenario:
        if self.scenario == "PERILS":
            return load_scenario_from_dict(PERILS, origin="tests/digest.py:PERILS")
        return load_scenario(REPO_ROOT / self.scenario)

    def setup(self) -> dict[str, Any]:
        """What the run is, as stored beside its digests."""
        return {
            "scenario": self.scenario,
            "trials": self.trials,
            "seed": self.seed,
            "keep_events": self.keep_events,
            "chunk_trials": self.chunk_trials,
        }

    def simulate(self, executor: Executor | None = None, chunk_trials: int | None = None) -> Results:
        return simulate(
            self.load(),
            trials=self.trials,
            seed=self.seed,
            executor=executor,
            keep_events=self.keep_events,
            chunk_trials=chunk_trials or self.chunk_trials,
            progress=False,
        )


RUNS: tuple[Run, ...] = (
    Run(
        "rv_pool_events",
        "scenarios/rv_pool.yaml",
        300,
        7,
        keep_events=True,
        why="world model, a scheme, recognition, the waterfall, the example portfolio, the event table",
    ),
    Run(
        "baseline",
        "scenarios/baseline.yaml",
        300,
        7,
        keep_events=False,
        why="the status quo without a scheme (no adoption slots); rv_pool's common-random-number partner",
    ),
    Run(
        "crackdown",
        "scenarios/crackdown.yaml",
        300,
        7,
        keep_events=False,
        why="sanctions blocks (delayed and permanent) at the payers and the contracts' clauses; lean path",
    ),
    Run(
        "spill_stress",
        "scenarios/spill_stress.yaml",
        300,
        7,
        keep_events=False,
        why="a user-defined peril on top of the world model, ceded through the scheme's reinsurer",
    ),
    Run(
        "perils_two_chunks",
        "PERILS",
        8192,
        7,
        keep_events=True,
        chunk_trials=4096,
        why="perils without the world model, in two chunks (two random blocks), with the event table",
    ),
)


def named_arrays(results: Results) -> dict[str, np.ndarray]:
    """Every numeric array of `results`, by name."""
    arrays = {
        f"contracts/{cid}/{name}": a
        for cid, fields in results.contracts.items()
        for name, a in fields.items()
    }
    arrays |= {f"year_arrays/{name}": a for name, a in results.year_arrays.items()}
    arrays |= {f"trial_arrays/{name}": a for name, a in results.trial_arrays.items()}
    arrays |= {f"events/{name}": a for name, a in (results.events or {}).items()}
    return arrays


def array_digest(a: np.ndarray) -> str:
    """SHA-256 of an array's dtype (with byte order), shape and raw bytes in C order."""
    if a.dtype.hasobject:
        raise TypeError(f"cannot digest an array of dtype {a.dtype}: its bytes are pointers")
    h = hashlib.sha256(f"{a.dtype.str} {a.shape}\n".encode())
    h.update(np.ascontiguousarray(a).data)
    return h.hexdigest()


def array_digests(arrays: Mapping[str, np.ndarray]) -> dict[str, str]:
    """Name → `array_digest`, in order of name."""
    return {name: array_digest(arrays[name]) for name in sorted(arrays)}


def run_digest(digests: Mapping[str, str]) -> str:
    """One digest over the sorted (name, array digest) pairs."""
    lines = "".join(f"{name} {digests[name]}\n" for name in sorted(digests))
    return hashlib.sha256(lines.encode()).hexdigest()


def digest_results(results: Results) -> dict[str, Any]:
    """A run's entry: its digest and its arrays' digests."""
    arrays = array_digests(named_arrays(results))
    return {"digest": run_digest(arrays), "arrays": arrays}


def compute(run: Run, executor: Executor | None = None) -> dict[str, Any]:
    """A run's stored entry: its setup, its scenario's hash (a hint when digests change) and its digests."""
    results = run.simulate(executor)
    about = {"setup": run.setup(), "scenario_hash": results.provenance["scenario_hash"]}
    return about | digest_results(results)


def changed_arrays(stored: Mapping[str, str], fresh: Mapping[str, str]) -> dict[str, str]:
    """Array name → ``changed``, ``removed`` (recorded, no longer computed) or ``added`` (computed, not
    recorded), for each that differs."""
    out = {n: "removed" for n in stored.keys() - fresh.keys()}
    out |= {n: "added" for n in fresh.keys() - stored.keys()}
    out |= {n: "changed" for n in stored.keys() & fresh.keys() if stored[n] != fresh[n]}
    return dict(sorted(out.items()))


def fingerprint() -> dict[str, str]:
    """What besides the code decides the bits: numpy (random streams and their algorithms, SIMD math
    loops chosen by the CPU's features), scipy (`ndtr`/`ndtri` of the copulas and severities), pandas
    (parsing the world's CSV tables), Python, the C library (libm) and the machine."""
    try:
        from numpy._core._multiarray_umath import __cpu_dispatch__, __cpu_features__
    except ImportError:  # numpy < 2
        from numpy.core._multiarray_umath import __cpu_dispatch__, __cpu_features__
    libc = " ".join(platform.libc_ver()).strip()
    return {
        "libc": libc or "unknown",
        "machine": platform.machine(),
        "numpy": np.__version__,
        "numpy_simd": " ".join(f for f in __cpu_dispatch__ if __cpu_features__.get(f)) or "baseline",
        "pandas": pd.__version__,
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "scipy": scipy.__version__,
        "system": platform.system(),
        "byteorder": sys.byteorder,
    }


def fingerprint_difference(stored: Mapping[str, str], here: Mapping[str, str]) -> dict[str, tuple[str, str]]:
    """Field → (stored, here) for each field of the two fingerprints that differs."""
    return {
        k: (stored.get(k, "?"), here.get(k, "?"))
        for k in sorted(stored.keys() | here.keys())
        if stored.get(k) != here.get(k)
    }


def load(path: Path = DIGESTS_FILE) -> dict[str, Any]:
    return json.loads(path.read_text())


def write(runs: dict[str, dict[str, Any]], path: Path = DIGESTS_FILE) -> None:
    """The digests and the fingerprint as sorted, indented JSON."""
    doc = {
        "about": "SHA-256 digests of tests/digest.py's runs; checked by tests/test_digest.py. "
        "Re-record with `python -m tests.digest --write`.",
        "fingerprint": fingerprint(),
        "runs": runs,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, indent=2, sort_keys=True) + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.digest", description=__doc__.split("\n")[0])
    parser.add_argument("--write", action="store_true", help=f"record the digests in {DIGESTS_FILE}")
    parser.add_argument("--workers", type=int, default=0, help="run on a process pool of N workers")
    args = parser.parse_args(argv)
    with ProcessPool(args.workers) if args.workers else InProcess() as executor:
        fresh = {run.name: compute(run, executor) for run in RUNS}
    if args.write:
        write(fresh)
        print(f"recorded {len(fresh)} runs in {DIGESTS_FILE.relative_to(REPO_ROOT)}")
        return 0
    stored = load()
    for k, (was, now) in fingerprint_difference(stored["fingerprint"], fingerprint()).items():
        print(f"fingerprint differs: {k}: stored {was}, here {now}")
    failed = False
    for name, entry in fresh.items():
        changes = changed_arrays(stored["runs"].get(name, {}).get("arrays", {}), entry["arrays"])
        failed |= bool(changes)
        print(f"{name}: {f'{len(changes)} arrays differ' if changes else 'ok'} ({entry['digest'][:16]})")
        for array, how in changes.items():
            print(f"    {how}: {array}")
    if failed:
        print(RECORD_HINT)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
