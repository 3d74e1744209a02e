"""The digest guard: fresh runs of `digest.RUNS` are bit for bit those of a record (tests/digest.py).

The record is tests/data/digests.json, or the file ``$RISKMODEL_DIGESTS`` names (a record of one's own, made
at the base commit, for a local before/after check: tests/digest.py's docstring). The digests are always
computed: all equal to the record, the test passes whatever the environment; some differ in the
environment the record was made in (`digest.fingerprint`), it fails, naming the run and each entry; some
differ in another environment, it is skipped, naming the fingerprint fields that differ: results are
promised bit-identical across workers and chunking, not across library versions. An optimisation must
leave every result unchanged; a change meant to move results re-records the file and says so in its
commit. The digest's own sensitivity (one ulp in one array or one other result) is checked everywhere.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import digest
import numpy as np
import pytest

from riskmodel.engine.executors import Executor, InProcess, ProcessPool

#: The run checked again in one chunk and on two workers (perils only: a fraction of a second).
CHUNKED = next(run for run in digest.RUNS if run.chunk_trials)
MAX_LISTED = 25


@pytest.fixture(scope="module")
def record() -> tuple[Path, dict[str, Any]]:
    """The record's path and contents (read now: ``$RISKMODEL_DIGESTS`` as the session sets it)."""
    path = digest.digests_file()
    try:
        return path, digest.load(path)
    except digest.RecordError as e:
        pytest.fail(str(e), pytrace=False)


def _check(
    record: tuple[Path, dict[str, Any]], run: digest.Run, fresh: dict[str, Any], how: str = ""
) -> None:
    """Pass when no entry differs from the record; else fail naming the run and each entry that differs,
    or skip when the record was made in another environment."""
    path, doc = record
    entry = _recorded(record, run)
    changes = digest.changed_arrays(entry["arrays"], fresh["arrays"])
    here = digest.fingerprint()
    outcome = digest.verdict(changes, doc["fingerprint"], here)
    if outcome == "ok":
        assert fresh["digest"] == entry["digest"], f"{run.name}: the run digest differs, its entries do not"
        return
    if outcome == "other environment":
        differ = digest.fingerprint_difference(doc["fingerprint"], here)
        pytest.skip(
            f"run {run.name}{how}: differs from {path.name} in {digest.entries(len(changes))}, recorded in "
            f"another environment ({digest.show_difference(differ)}); {digest.NOT_ACROSS_VERSIONS}"
        )
    lines = digest.describe_changes(run.name, changes, MAX_LISTED)
    if fresh.get("scenario_hash", entry["scenario_hash"]) != entry["scenario_hash"]:
        lines.append("    (the scenario itself changed too: its scenario_hash differs from the record)")
    pytest.fail(
        f"run {run.name}{how}: {len(changes)} of {len(entry['arrays'])} entries differ from {path}:\n"
        + "\n".join(lines)
        + f"\n{digest.record_hint(path)}; {digest.SAME_ENVIRONMENT_HINT}.",
        pytrace=False,
    )


def _recorded(record: tuple[Path, dict[str, Any]], run: digest.Run) -> dict[str, Any]:
    """The run's record, failing when it has none or one of another setup (trials, seed, overrides...)."""
    path, doc = record
    entry = doc["runs"].get(run.name)
    if entry is None or entry.get("setup") != run.setup():
        pytest.fail(
            f"run {run.name} is not recorded in {path} as tests/digest.py sets it up: "
            f"{digest.record_hint(path)}.",
            pytrace=False,
        )
    return entry


def test_the_record_holds_no_other_runs(record: tuple[Path, dict[str, Any]]) -> None:
    path, doc = record
    extra = sorted(set(doc["runs"]) - {run.name for run in digest.RUNS})
    assert not extra, f"recorded runs that tests/digest.py no longer has: {extra}; {digest.record_hint(path)}"


@pytest.mark.parametrize("run", digest.RUNS, ids=lambda run: run.name)
def test_a_run_gives_the_recorded_bits(record: tuple[Path, dict[str, Any]], run: digest.Run) -> None:
    _check(record, run, digest.compute(run))


@pytest.mark.parametrize(
    ("executor", "chunk_trials"),
    [
        pytest.param(InProcess, CHUNKED.trials, id="one-chunk"),
        pytest.param(
            lambda: ProcessPool(2), CHUNKED.chunk_trials, id="two-workers", marks=pytest.mark.timeout(120)
        ),
    ],
)
def test_chunks_and_workers_give_the_recorded_bits(
    record: tuple[Path, dict[str, Any]], executor: Callable[[], Executor], chunk_trials: int
) -> None:
    """The run of two chunks, in one chunk in this process and in two chunks on a pool of two workers."""
    with executor() as ex:
        fresh = digest.compute(CHUNKED, ex, chunk_trials=chunk_trials)
    _check(record, CHUNKED, fresh, f" ({ex.name}, chunks of {chunk_trials})")


def test_the_digest_names_the_one_array_a_single_ulp_changed() -> None:
    results = CHUNKED.simulate()[""]
    arrays = digest.named_arrays(results)
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


def test_the_other_results_are_digested_to_the_last_bit() -> None:
    """Every result besides the arrays has its ``meta/`` entry, and one ulp of a float in one changes it."""
    results = CHUNKED.simulate()[""]
    entries = digest.result_digests(results)
    meta = {n for n in entries if n.startswith("meta/")}
    names = ("slots", "labels", "class_names", "scheme_ids", "contract_exposure", "notes")
    assert meta == {f"meta/{n}" for n in (*names, "n_trials", "n_years", "start_year")}
    x = {"a": {"share": 0.1, "limit": 2.0}, "b": (1, True, "x")}
    y = {"a": {"share": float(np.nextafter(0.1, 1.0)), "limit": 2.0}, "b": (1, True, "x")}
    assert digest.canonical_json(x) != digest.canonical_json(y)
    assert digest.canonical_json({"b": 1, "a": 2}) == digest.canonical_json({"a": 2, "b": 1})
    assert json.loads(digest.canonical_json(x))["a"]["share"] == (0.1).hex()


def test_the_verdict_passes_equal_bits_anywhere_and_fails_only_where_recorded() -> None:
    here = digest.fingerprint()
    elsewhere = here | {"numpy": "0.0.1"}
    assert digest.verdict({}, here, here) == "ok"
    assert digest.verdict({}, elsewhere, here) == "ok"
    assert digest.verdict({"year_arrays/z": "changed"}, here, here) == "differ"
    assert digest.verdict({"year_arrays/z": "changed"}, elsewhere, here) == "other environment"
    assert digest.show_difference(digest.fingerprint_difference(elsewhere, here)) == (
        f"numpy 0.0.1 → {here['numpy']}"
    )


def test_the_record_file_is_read_when_checked(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(digest.FILE_VARIABLE, raising=False)
    assert digest.digests_file() == digest.DEFAULT_FILE
    monkeypatch.setenv(digest.FILE_VARIABLE, str(tmp_path / "mine.json"))
    assert digest.digests_file() == tmp_path / "mine.json"


def test_a_record_without_a_fingerprint_says_so(tmp_path: Path) -> None:
    path = tmp_path / "old.json"
    path.write_text(json.dumps({"runs": {}}))
    with pytest.raises(digest.RecordError, match="has no fingerprint"):
        digest.load(path)
    with pytest.raises(digest.RecordError, match="is missing"):
        digest.load(tmp_path / "none.json")


def test_write_keeps_a_record_of_another_environment_unless_forced(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """(`_write` on made-up digests: no run is computed.)"""
    fresh = {run.name: {"setup": run.setup(), "arrays": {"a": "1"}, "digest": "d"} for run in digest.RUNS}
    path = tmp_path / "record.json"
    assert digest._write(fresh, path, force=False) == 0
    doc = digest.load(path)
    doc["fingerprint"]["numpy"] = "0.0.1"
    path.write_text(json.dumps(doc))
    changed = {name: entry | {"arrays": {"a": "2"}} for name, entry in fresh.items()}
    assert digest._write(changed, path, force=False) == 1
    out, err = capsys.readouterr()
    assert f"{CHUNKED.name}: changes in 1 entry" in out and "changed: a" in out
    assert "recorded in another environment (numpy 0.0.1 →" in err and "--force" in err
    assert digest.load(path)["fingerprint"]["numpy"] == "0.0.1"  # (kept)
    assert digest._write(changed, path, force=True) == 0
    assert digest.load(path)["runs"][CHUNKED.name]["arrays"] == {"a": "2"}
    assert [p.name for p in tmp_path.iterdir()] == ["record.json"]  # (no temporary file left)
    path.write_text(json.dumps({"runs": {}}))
    assert digest._write(fresh, path, force=False) == 1
    assert "has no fingerprint" in capsys.readouterr().err
