"""The digest guard: fresh runs of `digest.RUNS` are bit for bit those recorded in tests/data/digests.json.

An optimisation must leave every result unchanged; a change meant to move results re-records the file
(``python -m tests.digest --write``) and says so in its commit. Recorded under another environment (numpy,
scipy, pandas, Python, libm, machine: `digest.fingerprint`), the comparisons are skipped, with both
fingerprints in the reason: results are promised bit-identical across workers, not across library
versions. The digest's own sensitivity (one ulp in one array) is checked everywhere.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import digest
import numpy as np
import pytest

from riskmodel.engine.executors import Executor, InProcess, ProcessPool

#: The run checked again in one chunk and on two workers (perils only: a fraction of a second).
CHUNKED = next(run for run in digest.RUNS if run.chunk_trials)
MAX_LISTED = 25


def _show(fp: dict[str, str]) -> str:
    return ", ".join(f"{k}={v}" for k, v in sorted(fp.items()))


@pytest.fixture(scope="module")
def stored() -> dict[str, Any]:
    """The recorded digests, when recorded in this environment; else the test is skipped, saying why."""
    if not digest.DIGESTS_FILE.exists():
        pytest.fail(f"{digest.DIGESTS_FILE} is missing: record it with `python -m tests.digest --write`")
    doc = digest.load()
    here = digest.fingerprint()
    differ = digest.fingerprint_difference(doc["fingerprint"], here)
    if differ:
        fields = "; ".join(f"{k}: recorded {a}, here {b}" for k, (a, b) in differ.items())
        pytest.skip(
            f"digests recorded in another environment ({fields}). Recorded: {_show(doc['fingerprint'])}. "
            f"Here: {_show(here)}. numpy's random streams and libm may differ across versions; results "
            "are promised bit-identical across workers, not across library versions: re-record with "
            "`python -m tests.digest --write` to guard this environment"
        )
    return doc


def _check(name: str, entry: dict[str, Any], fresh: dict[str, Any], how: str = "") -> None:
    """Fail naming the run and each array that differs from the record."""
    changes = digest.changed_arrays(entry["arrays"], fresh["arrays"])
    if not changes:
        assert fresh["digest"] == entry["digest"], f"{name}: the run digest differs, its arrays do not"
        return
    lines = [f"    {kind}: {array}" for array, kind in list(changes.items())[:MAX_LISTED]]
    if len(changes) > MAX_LISTED:
        lines.append(f"    ... and {len(changes) - MAX_LISTED} more")
    if fresh.get("scenario_hash", entry["scenario_hash"]) != entry["scenario_hash"]:
        lines.append("    (the scenario itself changed too: its scenario_hash differs from the record)")
    pytest.fail(
        f"run {name}{how}: {len(changes)} of {len(entry['arrays'])} arrays differ from "
        f"{digest.DIGESTS_FILE.name}:\n" + "\n".join(lines) + f"\n{digest.RECORD_HINT}.",
        pytrace=False,
    )


def _recorded(stored: dict[str, Any], run: digest.Run) -> dict[str, Any]:
    """The run's record, failing when it has none or one of another setup (trials, seed, ...)."""
    entry = stored["runs"].get(run.name)
    if entry is None or entry["setup"] != run.setup():
        pytest.fail(f"run {run.name} is not recorded as tests/digest.py sets it up: {digest.RECORD_HINT}.")
    return entry


def test_the_record_holds_no_other_runs(stored: dict[str, Any]) -> None:
    extra = sorted(set(stored["runs"]) - {run.name for run in digest.RUNS})
    assert not extra, f"recorded runs that tests/digest.py no longer has: {extra}; {digest.RECORD_HINT}"


@pytest.mark.parametrize("run", digest.RUNS, ids=lambda run: run.name)
def test_a_run_gives_the_recorded_bits(stored: dict[str, Any], run: digest.Run) -> None:
    _check(run.name, _recorded(stored, run), digest.compute(run))


@pytest.mark.parametrize(
    ("executor", "chunk_trials"),
    [(InProcess, CHUNKED.trials), (lambda: ProcessPool(2), CHUNKED.chunk_trials)],
    ids=["one-chunk", "two-workers"],
)
def test_chunks_and_workers_give_the_recorded_bits(
    stored: dict[str, Any], executor: Callable[[], Executor], chunk_trials: int
) -> None:
    """The run of two chunks, in one chunk in this process and in two chunks on a pool of two workers."""
    entry = _recorded(stored, CHUNKED)
    with executor() as ex:
        fresh = digest.digest_results(CHUNKED.simulate(ex, chunk_trials=chunk_trials))
    _check(CHUNKED.name, entry, fresh, f" ({ex.name}, chunks of {chunk_trials})")


def test_the_digest_names_the_one_array_a_single_ulp_changed() -> None:
    arrays = digest.named_arrays(CHUNKED.simulate())
    before = digest.array_digests(arrays)
    name = "contracts/cat_xol/loss"
    a = arrays[name]
    i = int(np.flatnonzero(a)[0])
    nudged = a.copy()
    nudged.flat[i] = np.nextafter(a.flat[i], np.inf)
    after = digest.array_digests(arrays | {name: nudged})
    assert digest.changed_arrays(before, after) == {name: "changed"}
    assert digest.run_digest(after) != digest.run_digest(before)
    # the same bytes under another dtype or shape, and a removed array, count too
    assert digest.changed_arrays(before, digest.array_digests(arrays | {name: a.view(np.int64)})) == {
        name: "changed"
    }
    assert digest.changed_arrays(before, digest.array_digests(arrays | {name: a.reshape(-1)})) == {
        name: "changed"
    }
    del arrays[name]
    assert digest.changed_arrays(before, digest.array_digests(arrays)) == {name: "removed"}
