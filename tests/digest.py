"""Stored SHA-256 digests of a few small runs: a guard that an optimisation leaves every result bit for bit.

Why: the engine promises the same bits for the same scenario, seed and trial count, whatever the workers,
chunking or executor, and `tests/test_reproducibility.py` checks that within one process. Nothing there
notices a speed-up that moves a result by one ulp; this guard does, against digests recorded earlier.

In: the runs of `RUNS` (shipped scenarios, some with `with_overrides` variants, a `simulate_together` pair
and a perils-only book; a few hundred to a few thousand trials, together some seconds on one core).
Out: per run, a SHA-256 of each numeric array of its `Results` (dtype, shape and raw bytes), named
``contracts/<id>/<field>``, ``year_arrays/<name>``, ``trial_arrays/<name>`` and ``events/<column>``, of each
of its other results (``meta/<name>``: the slots, labels, class names, scheme ids, contract exposure,
notes, trial and year counts and start year, as canonical JSON with floats in `float.hex`), and one digest
of the run over the sorted (name, digest) pairs, so an added or missing entry changes it too. A pair run
prefixes each name with its member's label (``<label>/contracts/...``).

The verdict (`tests/test_digest.py`, and ``python -m tests.digest``): the digests are always computed. All
equal to the record: pass, whatever the environment. Some differ in the environment the record was made
in (its `fingerprint`: numpy, scipy, pandas, Python major.minor, libc, machine, numpy's SIMD loops, the
BLAS, the environment variables of `BIT_ENV_VARS`): fail, naming the runs and entries. Some differ in
another environment: inconclusive (the test skips, naming the fingerprint fields that differ): results are
promised bit-identical across workers and chunking, not across library versions.

The record: `tests/data/digests.json` (`DEFAULT_FILE`), or the file named by ``$RISKMODEL_DIGESTS``
(read when checked, not when imported). Commands::

    python -m tests.digest [--workers N]            # check against the record
    python -m tests.digest --against PATH           # check against another record
    python -m tests.digest --write [PATH] [--force] # record (the tracked file unless PATH)

(with the project's interpreter, e.g. ``.venv/bin/python``, in a worktree as well). ``--write`` computes
every run first, prints which entries changed against the record it replaces, and refuses to replace one
made under another fingerprint (or without one) unless ``--force``; it writes atomically. Re-record the
tracked file only for a change meant to move results, and say so in the commit.

Checking a speed change here, whatever machine made the tracked record: record the base commit's bits in
a file git does not track, then check the changed tree against it::

    git worktree add --detach /tmp/riskmodel-base HEAD      # the base commit (HEAD: the change uncommitted)
    (cd /tmp/riskmodel-base && python -m tests.digest --write /tmp/digests-base.json)
    git worktree remove /tmp/riskmodel-base
    python -m tests.digest --against /tmp/digests-base.json  # in this tree, with the change
    RISKMODEL_DIGESTS=/tmp/digests-base.json python -m pytest tests/test_digest.py   # (the same, as the test)

(``python -m`` from the worktree imports the worktree's `riskmodel`: the current folder comes first.)
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import scipy

from riskmodel.batch import simulate_together
from riskmodel.engine.executors import Executor, InProcess, ProcessPool
from riskmodel.engine.simulate import simulate
from riskmodel.results import Results
from riskmodel.scenario import Scenario, load_scenario, load_scenario_from_dict, with_overrides

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_FILE = REPO_ROOT / "tests" / "data" / "digests.json"
#: Names another record file to check against (and the default of ``--write``/``--against``).
FILE_VARIABLE = "RISKMODEL_DIGESTS"
#: Environment variables that change bits when set: the BLAS kernel (OpenBLAS, MKL), libm's and numpy's
#: choice of SIMD loops.
BIT_ENV_VARS = (
    "OPENBLAS_CORETYPE",
    "GLIBC_TUNABLES",
    "MKL_CBWR",
    "NPY_DISABLE_CPU_FEATURES",
    "NPY_ENABLE_CPU_FEATURES",
)
NOT_ACROSS_VERSIONS = (
    "results are promised bit-identical across workers and chunking, not across library versions"
)
SAME_ENVIRONMENT_HINT = (
    "if you changed no model code, run `python -m tests.digest` at the base commit; if that fails too, "
    "the environment differs in a way the fingerprint misses"
)

#: Perils only (no world model): negative binomial and Poisson frequencies, Pareto (capped) and lognormal
#: severities, an XoL with a reinstatement and an aggregate limit, a stop-loss, a quota share, and an XoL
#: inuring to a quota share written as a line on a larger treaty (`quota`). Its first contracts copy
#: tests/test_reproducibility.py's book on purpose: the record's inputs are frozen here, so that editing a
#: test cannot move it.
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
            "storm_quota": {
                "source": "peril:storm",
                "type": "quota_share",
                "quota": 0.4,
                "participation": 0.1,
                "premium": {"fixed_usd_m": 0.5},
            },
            "storm_net_xol": {
                "source": "peril:storm",
                "type": "xol",
                "attachment_usd_m": 10,
                "limit_usd_m": 40,
                "reinstatements": [{"rate": 0.5}],
                "inures": ["storm_quota"],
                "premium": {"fixed_usd_m": 3},
            },
        },
    },
}

#: Contracts with a sanctions clause on sources the sanctions flags reach (not a listed reinsurer's): the
#: scheme's retained share and the domestic insurers of sanctioned states.
CLAUSE_CONTRACTS: dict[str, Any] = {
    "portfolio.contracts.scheme_clause_qs": {
        "source": "scheme:rv_pool",
        "type": "quota_share",
        "participation": 0.05,
        "premium": {"fixed_usd_m": 0.5},
        "sanctions_clause": True,
    },
    "portfolio.contracts.domestic_clause_xol": {
        "source": "domestic",
        "cedant_share": 0.2,
        "type": "xol",
        "participation": 0.1,
        "attachment_usd_m": 2,
        "limit_usd_m": 20,
        "premium": {"fixed_usd_m": 0.2},
        "sanctions_clause": True,
    },
}

#: rv_pool with little capital (tests/test_scheme_solvency.py): 50, topped up by 60 with probability 0.7
#: when below 40, so the scheme is recapitalised in some trial-years and insolvent for good in others.
STRESSED_SCHEME: dict[str, Any] = {
    "schemes.rv_pool.capital_usd_m": 50.0,
    "schemes.rv_pool.recapitalisation": {"threshold_usd_m": 40.0, "probability": 0.7, "amount_usd_m": 60.0},
}


@dataclass(frozen=True)
class Run:
    """One digested run: a scenario file (relative to the repository) or ``PERILS``, `with_overrides`
    changes to it, and `simulate`'s arguments. With `partner` (overrides of the same scenario, labelled
    `labels[1]`), the scenario and its variant run through `simulate_together` and both are digested.
    `nonzero`: entries that must be non-zero somewhere, or the run no longer covers what it is for."""

    name: str
    scenario: str
    trials: int
    seed: int
    keep_events: bool
    chunk_trials: int | None = None
    overrides: Mapping[str, Any] = field(default_factory=dict, hash=False)
    partner: Mapping[str, Any] | None = field(default=None, hash=False)
    labels: tuple[str, str] = ("scenario", "variant")
    nonzero: tuple[str, ...] = field(default=(), compare=False)
    why: str = field(default="", compare=False)

    def load(self) -> Scenario:
        if self.scenario == "PERILS":
            base = load_scenario_from_dict(PERILS, origin="tests/digest.py:PERILS")
        else:
            base = load_scenario(REPO_ROOT / self.scenario)
        return (
            with_overrides(base, self.overrides, origin=f"tests/digest.py:{self.name}")
            if self.overrides
            else base
        )

    def setup(self) -> dict[str, Any]:
        """What the run is, as stored beside its digests."""
        out = {
            "scenario": self.scenario,
            "trials": self.trials,
            "seed": self.seed,
            "keep_events": self.keep_events,
            "chunk_trials": self.chunk_trials,
        }
        if self.overrides:
            out["overrides"] = json.loads(json.dumps(self.overrides))
        if self.partner is not None:
            out["together"] = {"labels": list(self.labels), "partner": json.loads(json.dumps(self.partner))}
        return out

    def simulate(
        self, executor: Executor | None = None, chunk_trials: int | None = None
    ) -> dict[str, Results]:
        """The run's results, by label ("" for a single run)."""
        scenario = self.load()
        if self.partner is None:
            results = simulate(
                scenario,
                trials=self.trials,
                seed=self.seed,
                executor=executor,
                keep_events=self.keep_events,
                chunk_trials=chunk_trials or self.chunk_trials,
                progress=False,
            )
            return {"": results}
        if self.keep_events or chunk_trials or self.chunk_trials:
            raise ValueError(f"run {self.name}: a pair runs without events, in its scenario's chunks")
        variant = with_overrides(scenario, self.partner, origin=f"tests/digest.py:{self.name}:partner")
        pair = simulate_together([scenario, variant], self.trials, self.seed, executor, progress=False)
        return dict(zip(self.labels, pair, strict=True))


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
        "brics_scheme",
        "scenarios/brics_scheme.yaml",
        300,
        7,
        keep_events=False,
        why="adoption conditions (India joins only with China), a scheme starting after the first year",
    ),
    Run(
        "thin_capital",
        "scenarios/thin_capital.yaml",
        300,
        7,
        keep_events=False,
        nonzero=("year_arrays/scheme_insolvent:rv_pool", "year_arrays/scheme_recapitalised:rv_pool"),
        why="the thin-capital scheme as shipped: a 1bn per-event limit on 500 of capital and a strained "
        "sovereign, recapitalising the scheme in some trials; in others it is insolvent",
    ),
    Run(
        "scheme_solvency",
        "scenarios/rv_pool.yaml",
        400,
        7,
        keep_events=False,
        overrides=STRESSED_SCHEME,
        nonzero=("year_arrays/scheme_insolvent:rv_pool", "year_arrays/scheme_recapitalised:rv_pool"),
        why="a scheme out of capital: recapitalised by the sovereign, or insolvent and paying nothing after",
    ),
    Run(
        "rv_pool_two_blocks",
        "scenarios/rv_pool.yaml",
        4396,
        7,
        keep_events=False,
        overrides={"horizon.years": 1},
        why="the world model over a full 4,096-trial random block and a second, partial one",
    ),
    Run(
        "crackdown_clause",
        "scenarios/crackdown.yaml",
        300,
        7,
        keep_events=False,
        overrides=CLAUSE_CONTRACTS,
        nonzero=(
            "contracts/scheme_clause_qs/blocked_permanent",
            "contracts/domestic_clause_xol/blocked_permanent",
        ),
        why="sanctions clauses blocking flagged events on sources the flags reach, not a listed reinsurer",
    ),
    Run(
        "rv_pool_together",
        "scenarios/rv_pool.yaml",
        300,
        7,
        keep_events=False,
        partner={"portfolio.contracts.tanker_hull_xol.attachment_usd_m": 1.0},
        labels=("rv_pool", "hull_attachment_1"),
        why="simulate_together: rv_pool and a contract-terms point sharing the world (one attachment moved)",
    ),
    Run(
        "perils_two_chunks",
        "PERILS",
        8192,
        7,
        keep_events=True,
        chunk_trials=4096,
        nonzero=("contracts/storm_net_xol/loss",),
        why="perils without the world model, in two chunks (two random blocks), with the event table and "
        "an XoL inuring to a quota share",
    ),
)


# --------------------------------------------------------------------------------------------- digests
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


def _plain(x: Any) -> Any:
    """`x` as JSON values: floats as `float.hex` strings (every bit), numpy scalars as Python ones, a
    frame as its columns, index and values."""
    if x is None or isinstance(x, str):
        return x
    if isinstance(x, bool | np.bool_):
        return bool(x)
    if isinstance(x, int | np.integer):
        return int(x)
    if isinstance(x, float | np.floating):
        return float(x).hex()
    if isinstance(x, pd.DataFrame):
        return {
            "columns": [str(c) for c in x.columns],
            "index": _plain(x.index.tolist()),
            "values": {str(c): _plain(x[c].tolist()) for c in x.columns},
        }
    if isinstance(x, Mapping):
        return {str(k): _plain(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_plain(v) for v in x]
    raise TypeError(f"cannot digest a {type(x).__name__}")


def canonical_json(x: Any) -> str:
    """`x` as canonical JSON: sorted keys, no spaces, floats as `float.hex`."""
    return json.dumps(_plain(x), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def named_meta(results: Results) -> dict[str, str]:
    """The results besides the arrays, by name (``meta/<name>``), as canonical JSON."""
    names = ("slots", "labels", "class_names", "scheme_ids", "contract_exposure", "notes")
    names += ("n_trials", "n_years", "start_year")
    return {f"meta/{name}": canonical_json(getattr(results, name)) for name in names}


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
    """One digest over the sorted (name, digest) pairs."""
    lines = "".join(f"{name} {digests[name]}\n" for name in sorted(digests))
    return hashlib.sha256(lines.encode()).hexdigest()


def result_digests(results: Results) -> dict[str, str]:
    """Name → digest of every array and every other result (``meta/...``) of one `Results`."""
    digests = array_digests(named_arrays(results))
    digests |= {name: hashlib.sha256(text.encode()).hexdigest() for name, text in named_meta(results).items()}
    return dict(sorted(digests.items()))


def digest_results(by_label: Mapping[str, Results]) -> dict[str, Any]:
    """A run's entry: its digest and its entries' digests (under ``<label>/`` for a pair's members)."""
    digests = {
        f"{label}/{name}" if label else name: d
        for label, results in by_label.items()
        for name, d in result_digests(results).items()
    }
    digests = dict(sorted(digests.items()))
    return {"digest": run_digest(digests), "arrays": digests}


class CoverageError(AssertionError):
    """A run no longer exercises what it is in `RUNS` for (an entry of its `nonzero` is zero everywhere)."""


def check_coverage(run: Run, by_label: Mapping[str, Results]) -> None:
    arrays = {
        f"{label}/{name}" if label else name: a
        for label, results in by_label.items()
        for name, a in named_arrays(results).items()
    }
    missing = [name for name in run.nonzero if name not in arrays or not np.any(arrays[name])]
    if missing:
        raise CoverageError(
            f"run {run.name} no longer covers what it is for ({run.why}): {', '.join(missing)} "
            "absent or zero everywhere; change its setup in tests/digest.py"
        )


def compute(run: Run, executor: Executor | None = None, chunk_trials: int | None = None) -> dict[str, Any]:
    """A run's stored entry: its setup, its scenario's hash (a hint when digests change) and its digests."""
    by_label = run.simulate(executor, chunk_trials)
    check_coverage(run, by_label)
    hashes = {label: r.provenance["scenario_hash"] for label, r in by_label.items()}
    about = {"setup": run.setup(), "scenario_hash": hashes.get("", hashes)}
    return about | digest_results(by_label)


def changed_arrays(stored: Mapping[str, str], fresh: Mapping[str, str]) -> dict[str, str]:
    """Entry name → ``changed``, ``removed`` (recorded, no longer computed) or ``added`` (computed, not
    recorded), for each that differs."""
    out = {n: "removed" for n in stored.keys() - fresh.keys()}
    out |= {n: "added" for n in fresh.keys() - stored.keys()}
    out |= {n: "changed" for n in stored.keys() & fresh.keys() if stored[n] != fresh[n]}
    return dict(sorted(out.items()))


# ----------------------------------------------------------------------------------------- environment
def _simd_and_blas() -> tuple[str, str]:
    """numpy's SIMD extensions found on this CPU (its dispatched loops) and its BLAS, from the public
    `np.show_config`; ``unknown`` for what it does not say."""
    try:
        config: Any = np.show_config(mode="dicts")
    except Exception:  # (numpy < 1.26 has no `mode`; a missing optional dependency)
        config = None

    def at(*keys: str) -> Any:
        value = config
        for key in keys:
            value = value.get(key) if isinstance(value, Mapping) else None
        return value

    simd = at("SIMD Extensions")
    found = at("SIMD Extensions", "found")
    simd_text = (
        " ".join(map(str, found)) if found else ("baseline" if isinstance(simd, Mapping) else "unknown")
    )
    blas = " ".join(str(v) for k in ("name", "version") if (v := at("Build Dependencies", "blas", k)))
    return simd_text, blas or "unknown"


def fingerprint() -> dict[str, str]:
    """What besides the code decides the bits: numpy (random streams and their algorithms, SIMD math
    loops chosen by the CPU's features, its BLAS), scipy (`ndtr`/`ndtri` of the copulas and severities),
    pandas (parsing the world's CSV tables), Python (major.minor: 3.12 changed `sum()` of floats), the C
    library (libm), the machine, and the environment variables of `BIT_ENV_VARS`."""
    libc = " ".join(platform.libc_ver()).strip()
    simd, blas = _simd_and_blas()
    major, minor = sys.version_info[:2]
    out = {
        "blas": blas,
        "byteorder": sys.byteorder,
        "libc": libc or "unknown",
        "machine": platform.machine(),
        "numpy": np.__version__,
        "numpy_simd": simd,
        "pandas": pd.__version__,
        "python": f"{platform.python_implementation()} {major}.{minor}",
        "scipy": scipy.__version__,
        "system": platform.system(),
    }
    out |= {f"env:{name}": os.environ.get(name, "(unset)") for name in BIT_ENV_VARS}
    return out


def fingerprint_difference(stored: Mapping[str, str], here: Mapping[str, str]) -> dict[str, tuple[str, str]]:
    """Field → (stored, here) for each field of the two fingerprints that differs."""
    return {
        k: (stored.get(k, "(absent)"), here.get(k, "(absent)"))
        for k in sorted(stored.keys() | here.keys())
        if stored.get(k) != here.get(k)
    }


def show_difference(differ: Mapping[str, tuple[str, str]]) -> str:
    """``numpy 2.4.6 → 2.5.0, python CPython 3.11 → CPython 3.12`` (recorded → here)."""
    return ", ".join(f"{k} {was} → {now}" for k, (was, now) in differ.items())


# --------------------------------------------------------------------------------------------- records
class RecordError(Exception):
    """A record file that is missing or not a record of this module."""


def digests_file() -> Path:
    """The record to check: ``$RISKMODEL_DIGESTS`` when set (read now, not at import), else
    `DEFAULT_FILE`."""
    value = os.environ.get(FILE_VARIABLE)
    return Path(value) if value else DEFAULT_FILE


def record_hint(path: Path) -> str:
    """How to re-record `path` for a change meant to move results."""
    target = "" if path.resolve() == DEFAULT_FILE else f" {path}"
    return (
        f"if the change is meant to change results, re-record with `python -m tests.digest --write{target}` "
        "and say so in the commit"
    )


def load(path: Path | None = None) -> dict[str, Any]:
    """A record, checked to hold a fingerprint and runs (`RecordError` if not)."""
    path = digests_file() if path is None else path
    if not path.exists():
        raise RecordError(f"{path} is missing: record it with `python -m tests.digest --write {path}`")
    try:
        doc = json.loads(path.read_text())
    except (OSError, ValueError) as e:
        raise RecordError(f"{path} is not a digest record ({e})") from e
    if not isinstance(doc, dict) or not isinstance(doc.get("runs"), dict):
        raise RecordError(f"{path} is not a digest record: it has no runs")
    if not isinstance(doc.get("fingerprint"), dict):
        raise RecordError(
            f"{path} has no fingerprint (the environment it was recorded in): re-record it with "
            f"`python -m tests.digest --write {path} --force`"
        )
    return doc


def write(runs: Mapping[str, Mapping[str, Any]], path: Path) -> None:
    """The digests and the fingerprint as sorted, indented JSON, written atomically (a temporary file in
    the same folder, then `os.replace`)."""
    doc = {
        "about": "SHA-256 digests of tests/digest.py's runs; checked by tests/test_digest.py. "
        "Re-record with `python -m tests.digest --write` only for a change meant to move results.",
        "fingerprint": fingerprint(),
        "runs": dict(runs),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w") as f:
            f.write(json.dumps(doc, indent=2, sort_keys=True) + "\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def run_changes(run: Run, stored: Mapping[str, Any], fresh: Mapping[str, Any]) -> dict[str, str] | None:
    """Entry → how it differs between a run's record and a fresh computation; None when the record has
    no such run or one of another setup (a change of tests/digest.py, not of the bits)."""
    entry = stored["runs"].get(run.name)
    if entry is None or entry.get("setup") != run.setup():
        return None
    return changed_arrays(entry.get("arrays", {}), fresh["arrays"])


def verdict(changes: Mapping[str, str], recorded: Mapping[str, str], here: Mapping[str, str]) -> str:
    """``ok`` (no entry differs, whatever the fingerprints), ``differ`` (some do, in the environment the
    record was made in) or ``other environment`` (some do, in another: inconclusive)."""
    if not changes:
        return "ok"
    return "other environment" if fingerprint_difference(recorded, here) else "differ"


def entries(n: int) -> str:
    return f"{n} {'entry' if n == 1 else 'entries'}"


def describe_changes(name: str, changes: Mapping[str, str], limit: int | None = None) -> list[str]:
    lines = [f"    {how}: {array}" for array, how in list(changes.items())[:limit]]
    if limit is not None and len(changes) > limit:
        lines.append(f"    ... and {len(changes) - limit} more")
    return lines


# ------------------------------------------------------------------------------------ command line
def _check(fresh: Mapping[str, Mapping[str, Any]], path: Path) -> int:
    doc = load(path)
    differing, unrecorded = [], []
    for run in RUNS:
        entry = fresh[run.name]
        changes = run_changes(run, doc, entry)
        if changes is None:
            unrecorded.append(run.name)
            print(f"{run.name}: not recorded in {path} as tests/digest.py sets it up")
        elif changes:
            differing.append(run.name)
            print(f"{run.name}: differs in {entries(len(changes))} ({entry['digest'][:16]})")
            print("\n".join(describe_changes(run.name, changes)))
        else:
            print(f"{run.name}: ok ({entry['digest'][:16]})")
    extra = sorted(set(doc["runs"]) - {run.name for run in RUNS})
    if extra:
        unrecorded += extra
        print(f"recorded runs that tests/digest.py no longer has: {', '.join(extra)}")
    if differing:
        differ = fingerprint_difference(doc["fingerprint"], fingerprint())
        if differ:
            print(
                f"recorded in another environment ({show_difference(differ)}): inconclusive; "
                f"{NOT_ACROSS_VERSIONS}"
            )
        else:
            print(f"{record_hint(path)}; {SAME_ENVIRONMENT_HINT}")
    if unrecorded:
        print(f"the record does not match tests/digest.py's runs: {record_hint(path)}")
    return 1 if differing or unrecorded else 0


def _write(fresh: Mapping[str, Mapping[str, Any]], path: Path, force: bool) -> int:
    previous: dict[str, Any] | None = None
    refuse = ""
    if path.exists():
        try:
            previous = load(path)
        except RecordError as e:
            refuse = str(e)
    if previous is not None:
        for run in RUNS:
            changes = run_changes(run, previous, fresh[run.name])
            if changes is None:
                print(f"{run.name}: new, or recorded with another setup")
            elif changes:
                print(f"{run.name}: changes in {entries(len(changes))}")
                print("\n".join(describe_changes(run.name, changes)))
            else:
                print(f"{run.name}: unchanged")
        for name in sorted(set(previous["runs"]) - set(fresh)):
            print(f"{name}: dropped")
        differ = fingerprint_difference(previous["fingerprint"], fingerprint())
        if differ:
            refuse = f"{path} was recorded in another environment ({show_difference(differ)})"
    if refuse and not force:
        print(f"not written: {refuse}; --force to replace it", file=sys.stderr)
        return 1
    write(fresh, path)
    print(f"recorded {len(fresh)} runs in {path}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.digest", description=__doc__.split("\n")[0])
    what = parser.add_mutually_exclusive_group()
    what.add_argument(
        "--write",
        nargs="?",
        const="",
        metavar="PATH",
        help=f"record the digests (in ${FILE_VARIABLE} or {DEFAULT_FILE.relative_to(REPO_ROOT)} unless PATH)",
    )
    what.add_argument("--against", metavar="PATH", help="check against this record")
    parser.add_argument("--force", action="store_true", help="replace a record of another environment")
    parser.add_argument("--workers", type=int, default=0, help="run on a process pool of N workers")
    args = parser.parse_args(argv)
    path = Path(args.write or args.against or digests_file())
    if args.write is None:
        try:  # (before computing: say at once that there is nothing to check against)
            load(path)
        except RecordError as e:
            print(e, file=sys.stderr)
            return 2
    with ProcessPool(args.workers) if args.workers else InProcess() as executor:
        fresh = {run.name: compute(run, executor) for run in RUNS}
    return _write(fresh, path, args.force) if args.write is not None else _check(fresh, path)


if __name__ == "__main__":
    sys.exit(main())
