"""Results store: one folder per scenario run, written so that an interrupted run leaves nothing half-done.

In: a `Results` (from `simulate`), the scenario that produced it and the run's identity (`run_hash`).
Out: a run folder, and `load_results(run_dir) -> Results` that reads it back exactly.

Layout of a run folder (docs/batch.md)::

    manifest.json   provenance (package and numpy versions, resolved scenario and its hash, seed, trials,
                    chunk size, executor, start and end time, notes); written LAST: a folder without it
                    is incomplete and the next batch redoes it
    results.json    metadata of `arrays.npz`: scalar fields, labels, notes and the array index
    arrays.npz      every array of the `Results` (uncompressed), so `load_results` round-trips it exactly
    ylt.parquet     year loss table per contract                      (tables.TABLES["ylt"])
    elt.parquet     event loss table with the payer split, long form  (only when events were kept)
    attritional.parquet  losses below the materiality threshold per trial, year and source (idem)
    premium_bases.parquet  premium bases per trial, year and base     (idem; with the two above, the
                    input of `riskmodel apply-terms` on the run folder, which reproduces the run's YLT)
    alt.csv         average loss table per contract and portfolio     (ORD ALT)
    ept.csv         exceedance probability table                      (ORD EPT, EP type codes 1-4)
    ledger.csv      payer ledger: who pays for incidents              (tables.TABLES["payer_ledger"])
    sanctions.csv   sanctions exposure per contract                   (tables.TABLES["sanctions_exposure"])
    summary.md      headline figures with their standard errors
    chunks/         only while a run of several chunks is computed: the chunks received so far
                    (`riskmodel.checkpoints`), removed once the run is saved

A batch folder (the folder of run folders) has ``.lock``, locked (``flock``) by the command writing runs
into it and empty when none is (`store_lock`): a second command writing there at the same time is
refused (`StoreLockedError`).

Every file is written under a temporary name (``.<name>.<pid>.tmp``) in the same folder and renamed when
complete, so no partial file ever carries a final name; temporary files of a killed process are removed
by `clean_temporaries` on the next run.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import functools
import hashlib
import json
import math
import os
import platform
import re
import shlex
import sys
import threading
import time
import zipfile
from collections.abc import Callable, Collection, Iterator, Mapping
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd

import riskmodel
from riskmodel import metrics
from riskmodel.display import UNBOUNDED_ERROR, error_texts, event_cap, fixed, point_mass_words
from riskmodel.payers import perils_sentence
from riskmodel.reinsurance.terms import BLOCS
from riskmodel.results import BASIS, POOLED_TAIL_FIGURE, TAIL_FIGURE, TVAR_FIGURE, Results
from riskmodel.scenario.checks import is_premium_base, scenario_listings, scenario_sources
from riskmodel.scenario.schema import Scenario
from riskmodel.tables import empty_frame, write_table
from riskmodel.world.fingerprint import shared_world_fingerprint
from riskmodel.world.loader import _file_versions, shared_world

__all__ = [
    "BATCH_FILES",
    "COMPARISON_FILE",
    "LOCK",
    "MANIFEST",
    "REPORT_FILE",
    "STORE_FORMAT",
    "SWEEP_FILE",
    "SWING_FILE",
    "CorruptRunError",
    "IncompleteRunError",
    "StoreLockedError",
    "alt_frame",
    "atomic_write",
    "clean_temporaries",
    "damage_error",
    "effective_scenario",
    "elt_frame",
    "ept_frame",
    "event_inputs",
    "format_mismatch",
    "year_level_frame",
    "incomplete_reason",
    "is_complete",
    "ledger_frame",
    "load_manifest",
    "load_results",
    "model_digest",
    "overwrite_problem",
    "ran_another_file",
    "read_manifest",
    "run_folder_of",
    "run_hash",
    "sanctions_frame",
    "save_run",
    "scenario_without_settings",
    "store_lock",
    "stored_scenario_path",
    "summary_markdown",
    "ylt_frame",
]

#: Version of the folder layout; part of every run's identity, so a new layout recomputes old runs.
STORE_FORMAT = 3
MANIFEST = "manifest.json"
METADATA = "results.json"
ARRAYS = "arrays.npz"
#: Every file a run may leave in its folder (removed before a folder is redone).
RESULT_FILES = (
    METADATA,
    ARRAYS,
    "ylt.parquet",
    "elt.parquet",
    "attritional.parquet",
    "premium_bases.parquet",
    "alt.csv",
    "ept.csv",
    "ledger.csv",
    "sanctions.csv",
    "summary.md",
)
_TEMPORARY = re.compile(r"^\..+\.(\d+)\.tmp$")
#: The files written at the top of a batch folder (the `out` of `riskmodel.batch.run_batch`), beside its
#: run folders: `riskmodel run`'s table of every comparison of the batch, `riskmodel sweep`'s table and
#: the batch's HTML page (`riskmodel report`, `run --report`). Each name → (what it holds, what writes it);
#: no other command writes a file of these names there, nor `report` of one of the batch's runs, whose page
#: goes in that run's folder (`overwrite_problem`).
COMPARISON_FILE = "comparison.csv"
SWEEP_FILE = "sweep.csv"
SWING_FILE = "swing.csv"
REPORT_FILE = "report.html"
BATCH_FILES: dict[str, tuple[str, str]] = {
    COMPARISON_FILE: ("the table of every comparison", "riskmodel run"),
    SWEEP_FILE: ("the sweep table", "riskmodel sweep"),
    SWING_FILE: ("the swing table of a one-at-a-time sweep", "riskmodel sweep --each"),
    REPORT_FILE: ("the report", "riskmodel report"),
}


class IncompleteRunError(FileNotFoundError):
    """A run folder without a manifest: the run did not finish (rerun the batch to complete it).

    `run_dir` is the folder, `reason` what is wrong and what to do (the message is ``<run_dir>: <reason>``).
    """

    def __init__(self, run_dir: str | Path, reason: str) -> None:
        self.run_dir = Path(run_dir)
        self.reason = reason
        super().__init__(f"{run_dir}: {reason}")

    def __str__(self) -> str:
        return f"{self.run_dir}: {self.reason}"

    def __reduce__(self) -> tuple[Any, ...]:  # (picklable: raised in a worker, it reaches the caller)
        return (type(self), (self.run_dir, self.reason))


class CorruptRunError(IncompleteRunError):
    """A run folder whose manifest or results cannot be read (damaged, truncated or missing files)."""


def _rerun_advice(run_dir: Path) -> str:
    """What to do about a corrupt run folder: rerun its batch, which recomputes it. The batch's folder is
    the one that holds the run itself, its links resolved (as `overwrite_problem` names it): through a
    link to the run, the folder holding the link would start another batch there."""
    batch_dir = run_dir.resolve().parent
    return (
        f"rerun its batch (`riskmodel run SCENARIOS --out {batch_dir}`), which recomputes runs with "
        "missing or damaged files; add --force if it reports this run as up to date"
    )


# --------------------------------------------------------------------------------------- identity
def effective_scenario(scenario: Scenario, trials: int, seed: int, keep_events: bool) -> Scenario:
    """The scenario with the trial count, seed and event setting the run actually uses."""
    sim = scenario.simulation.model_copy(update={"trials": trials, "seed": seed, "keep_events": keep_events})
    return scenario.model_copy(update={"simulation": sim})


#: The files of the package that make its numbers: its code and reference data ...
_MODEL_FILES = ("*.py", "*.csv", "*.yaml")
#: ... but for the parts that only present or check them, or screen fleets (relative paths, or folders
#: ending in "/"): a change there leaves every stored run as it is.
_NOT_MODEL = (
    "cli/",
    "plots.py",
    "report.py",
    "calibration.py",
    "scenario/docs.py",
    "screening/lists.py",  # (screening/fleet.py reads a scenario's fleet list: it is the model's)
    "screening/screen.py",
    "screening/samples/",
)


def model_digest() -> str:
    """SHA-256 of the model's own files: `_MODEL_FILES` under the package but `_NOT_MODEL`, regular files
    not hidden, each by its relative path and its bytes with line endings as LF (the same on every
    platform). A change of the code or the reference data changes it, so that a stored run is
    recomputed rather than reported. Computed once per process for each version of the world data files
    (path, modification time and size, as `load_world` reads them again when edited: a run of the data
    as edited is not stored under the digest of the data before); a code file edited after the first
    call counts from the next process on, which is the one that imports it."""
    root = Path(riskmodel.__file__).resolve().parent
    return _model_digest(root, _file_versions(root / "world" / "data"))


@functools.lru_cache(maxsize=8)
def _model_digest(root: Path, data_versions: tuple[tuple[str, int, int] | None, ...]) -> str:
    """`model_digest` of the package at `root`, its world data files at `data_versions`."""
    del data_versions  # (the cache key: another version of a data file is another digest)
    files: dict[str, Path] = {}
    for pattern in _MODEL_FILES:
        for path in root.rglob(pattern):
            rel = path.relative_to(root).as_posix()
            hidden = any(part.startswith(".") or part == "__pycache__" for part in rel.split("/"))
            skip = any(rel == x or (x.endswith("/") and rel.startswith(x)) for x in _NOT_MODEL)
            if not hidden and not skip and path.is_file() and not path.is_symlink():
                files[rel] = path
    h = hashlib.sha256()
    for rel in sorted(files):
        h.update(rel.encode() + b"\0")
        h.update(hashlib.sha256(files[rel].read_bytes().replace(b"\r\n", b"\n")).digest())
    return h.hexdigest()


def is_package_world(world_sha256: str | None) -> bool:
    """Whether a World of this `world_fingerprint` (None: one that could not be fingerprinted) is the
    package's world data as its files now are. A run on any other World cannot be stored: its identity
    (`run_hash`) covers the package's files, not a World in memory, so a later batch would take it for a
    run of the package's data (`save_run`, `riskmodel.batch.run_batch` refuse it)."""
    return world_sha256 is not None and world_sha256 == shared_world_fingerprint(shared_world())


def run_hash(scenario: Scenario, trials: int, seed: int, keep_events: bool) -> str:
    """The identity of a run: SHA-256 of the resolved scenario with its seed, trials and event setting,
    of its fleet list's contents (if it names one), and of the model's code and reference data
    (`model_digest`).

    The chunk size is left out (it does not change any number), and so is the executor (results do not
    depend on it).
    """
    doc = effective_scenario(scenario, trials, seed, keep_events).model_dump(mode="json")
    doc["simulation"].pop("chunk_trials", None)
    ident = {"store_format": STORE_FORMAT, "model": model_digest(), "scenario": doc}
    fleet = None if scenario.fleet is None else Path(scenario.fleet.path)
    if fleet is not None and fleet.is_file():  # read at run time: its contents are part of the run
        ident["fleet_sha256"] = _file_sha256(fleet)
    return hashlib.sha256(json.dumps(ident, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def read_manifest(run_dir: str | Path) -> dict[str, Any] | None:
    """The manifest of a run folder, or None when it is missing or unreadable (an incomplete run).

    `load_manifest` says which of the two it is.
    """
    try:
        return load_manifest(run_dir)
    except IncompleteRunError:
        return None


def load_manifest(run_dir: str | Path) -> dict[str, Any]:
    """The manifest of a run folder; raises `IncompleteRunError` when it is missing (the run did not
    finish) and `CorruptRunError` when it cannot be read or is not a JSON object."""
    run_dir = Path(run_dir)
    path = run_dir / MANIFEST
    if not path.is_file():
        raise IncompleteRunError(
            run_dir,
            f"not a finished run (no {MANIFEST}); rerun the batch (`riskmodel run SCENARIOS --out "
            f"{run_dir.resolve().parent}`) to finish it",
        )
    return _json_object(run_dir, MANIFEST)


def _json_object(run_dir: Path, name: str, *, needs: str | None = None) -> dict[str, Any]:
    """A JSON file of a run folder as an object (with an object under key `needs`, when given);
    `CorruptRunError` when it cannot be read or has another shape."""
    try:
        doc = json.loads((run_dir / name).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CorruptRunError(
            run_dir, f"{name} is unreadable ({_cause(exc)}); {_rerun_advice(run_dir)}"
        ) from None
    if not isinstance(doc, dict) or (needs is not None and not isinstance(doc.get(needs), dict)):
        shape = "a JSON object" + (f" with {needs!r}" if needs else "")
        raise CorruptRunError(run_dir, f"{name} is corrupt (not {shape}); {_rerun_advice(run_dir)}")
    return doc


def _cause(exc: BaseException) -> str:
    """The first line of an exception, with its type: ``JSONDecodeError: Expecting value: line 1...``."""
    lines = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {lines[0]}" if lines else type(exc).__name__


def _is_format(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def format_mismatch(found: Any) -> str:
    """Why a run folder of store format `found` (its manifest's ``store_format``) is not read as this
    version's `STORE_FORMAT`: saved by an older version, by a newer one, or of no format this knows.

    >>> format_mismatch(STORE_FORMAT + 1).startswith("stored by a newer version of riskmodel (store format")
    True
    >>> format_mismatch(None)[:40], format_mismatch(STORE_FORMAT - 1)[:36]
    ('of an unknown store format (None; this v', 'stored by an older version of riskmo')
    """
    if not _is_format(found):
        return (
            f"of an unknown store format ({found!r}; this version of riskmodel reads format {STORE_FORMAT})"
        )
    age = "a newer" if found > STORE_FORMAT else "an older"
    return (
        f"stored by {age} version of riskmodel (store format {found}; this version reads format "
        f"{STORE_FORMAT})"
    )


def run_folder_of(path: str | Path) -> Path | None:
    """The run folder that `path` is or lies in (the nearest folder at or above it holding a run's
    `MANIFEST`), or None. A file written there changes a stored run: one its manifest lists then reads as
    damaged, and the next batch recomputes the run. Checked on the path as given and with its links and
    ``..`` resolved. A ``manifest.json`` of something else (a JSON file without ``store_format``, in a
    folder without a run's results) does not make a run folder."""
    p = Path(path)
    for candidate in dict.fromkeys((Path(os.path.abspath(p)), p.resolve())):
        for folder in (candidate, *candidate.parents):
            if (folder / MANIFEST).is_file() and _holds_run_manifest(folder):
                return folder
    return None


def overwrite_problem(
    path: str | Path,
    *,
    instead: str = "a path outside the run folder",
    option: str = "--out",
    allowed: str | Path | None = None,
    resume: bool = False,
) -> str | None:
    """Why the output `path` (a file, or a folder of output tables or of runs) may not be written, and what
    to give `option` instead; None when it may. It may not be:

    - a stored run's folder, nor lie in one (`run_folder_of`): it would overwrite the run's files (its
      ``ylt.parquet``, its manifest) or add to them. What to give: `instead` (``a file outside the run
      folder``); with `resume` (an output folder of runs: `run`, `sweep`), also the folder that holds
      the run, where its batch resumes (the folder that holds the run itself, not a link to it);
    - a file a batch writes at its top (`BATCH_FILES`: ``comparison.csv``, ``sweep.csv``, ``swing.csv``,
      ``report.html``) in a folder that holds a batch's runs: it would replace the batch's, and the
      batch's next run would replace it. What to give: another name.

    `allowed`: the one file that may be written though it is in a run folder or a batch's own, compared
    with its links and ``..`` resolved: the ``report.html`` of the folder `riskmodel report` reports (a
    run's or a batch's), where it writes its page; no other run's, nor the batch's of a run's report.

    >>> overwrite_problem("/nonexistent/folder/table.csv") is None
    True
    """
    p = Path(path)
    if allowed is not None and p.resolve() == Path(allowed).resolve():
        return None
    run_dir = run_folder_of(p)
    if run_dir is None:
        return _batch_file_problem(p, option)
    parent = p.resolve().parent
    advice = f"give {option} {instead}"
    if resume:  # (the batch's folder: through a link to the run folder, not the folder holding the link)
        batch_dir = run_dir.resolve().parent
        advice += f" (the folder that holds the run, {batch_dir}, to resume or add to its batch)"
    listed = (read_manifest(run_dir) or {}).get("files")
    if parent == run_dir.resolve() and (
        p.name == MANIFEST or (isinstance(listed, dict) and p.name in listed)
    ):
        what = "manifest" if p.name == MANIFEST else f"{p.name}, listed in its {MANIFEST}"
        return (
            f"is the stored run's {what} ({run_dir}): written over, the run reads as damaged and the next "
            f"`riskmodel run` recomputes it; {advice}"
        )
    where = "is the run folder" if run_dir.resolve() == p.resolve() else "is in the run folder"
    return (
        f"{where} {run_dir} of a stored run (it holds {MANIFEST}): files written there change the run, and "
        "one that differs from its manifest makes it read as damaged, so that the next `riskmodel run` "
        f"recomputes it; {advice}"
    )


def _batch_file_problem(path: Path, option: str) -> str | None:
    """`overwrite_problem` of a `path` in no run folder: why it may not be a batch's own file (one of
    `BATCH_FILES` in a folder holding a run folder), or None."""
    if path.name not in BATCH_FILES:
        return None
    batch_dir = path.parent
    try:
        holds_runs = any(sub.is_dir() and _holds_run_manifest(sub) for sub in batch_dir.iterdir())
    except OSError:  # (no such folder yet, or not one: no batch there)
        return None
    if not holds_runs:
        return None
    holds, writer = BATCH_FILES[path.name]
    return (
        f"is {holds} of the batch in {batch_dir} (its {path.name}, which `{writer}` writes beside the "
        f"batch's runs): written there, it replaces the batch's, and the next `{writer}` into {batch_dir} "
        f"replaces it in turn; give {option} another name (a batch folder's own: {', '.join(BATCH_FILES)})"
    )


def _holds_run_manifest(folder: Path) -> bool:
    """Whether `folder`'s `MANIFEST` is a run's: a JSON object with ``store_format``, or a damaged one
    beside a run's results."""
    try:
        doc = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return any((folder / name).is_file() for name in (METADATA, ARRAYS))
    return isinstance(doc, dict) and "store_format" in doc


def stored_scenario_path(manifest: Mapping[str, Any]) -> Path | None:
    """The scenario file a stored run ran, as an absolute path: the manifest's ``scenario_file_resolved``,
    or its ``scenario_file`` when that is absolute; None when the manifest names no file, or only one
    relative to the folder the run was made from (manifests saved before the resolved path was kept),
    which says nothing about where the file is."""
    resolved = manifest.get("scenario_file_resolved")
    if isinstance(resolved, str) and resolved:
        return Path(resolved)
    stored = manifest.get("scenario_file")
    if isinstance(stored, str) and stored and Path(stored).is_absolute():
        return Path(stored).resolve()
    return None


def ran_another_file(
    manifest: Mapping[str, Any], file: str | Path | None, scenario: Mapping[str, Any] | None = None
) -> bool:
    """Whether the run of `manifest` came from another scenario file than `file`: the file it ran
    (`stored_scenario_path`) is not `file` resolved, and `file` is no copy of it either. A copy (the
    same file moved, or named from elsewhere) has its SHA-256 and, when `scenario` (the resolved
    scenario of `file`, as JSON) is given, resolves to the same scenario but for the run settings
    (`scenario_without_settings`): a byte-identical copy whose ``extends``, portfolio or fleet resolve
    to other files is another file. A manifest that names its file only relative to the folder it ran
    from (saved before the resolved path was kept) is taken to name `file` when that name, read from the
    current folder, is `file` (the usual case: the same command from the same folder, e.g. `make run`;
    a run from another folder with a file of that name would be taken for it: such manifests are of
    older versions only); otherwise the SHA-256 alone decides: the same contents are the same file,
    whatever the files it extends became since, and other contents count as another file (the batch
    words it as possibly this one edited, and asks for --force once). False when either side names no
    file (a run of a scenario built in code): nothing tells them apart. `file` itself edited since the
    run is the same file."""
    stored = manifest.get("scenario_file")
    if file is None or not isinstance(stored, str) or not stored:
        return False
    file = Path(file)
    where = stored_scenario_path(manifest)
    if where == file.resolve():
        return False
    if where is None and Path(stored).resolve() == file.resolve():
        return False  # (an old manifest's name, read from the current folder, is this file: the same)
    digest = manifest.get("scenario_file_sha256")
    if not (isinstance(digest, str) and file.is_file() and _file_sha256(file) == digest):
        return True
    return (
        where is not None
        and scenario is not None
        and scenario_without_settings(manifest.get("scenario")) != scenario_without_settings(scenario)
    )


#: The settings of a run, apart from the rest of its scenario (`scenario_without_settings`).
RUN_SETTINGS = ("trials", "seed", "keep_events", "chunk_trials")


def scenario_without_settings(doc: Any) -> Any:
    """A resolved scenario (a manifest's ``scenario``, or a scenario's ``model_dump(mode="json")``)
    without `RUN_SETTINGS`, as plain JSON values, so that two can be compared; None for anything but a
    mapping.

    >>> scenario_without_settings({"name": "x", "simulation": {"trials": 8, "world_model": False}})
    {'name': 'x', 'simulation': {'world_model': False}}
    """
    if not isinstance(doc, Mapping):
        return None
    plain = json.loads(json.dumps(doc, default=str))
    if isinstance(plain.get("simulation"), dict):
        for key in RUN_SETTINGS:
            plain["simulation"].pop(key, None)
    return plain


def is_complete(run_dir: str | Path, expected_hash: str | None = None) -> bool:
    """Whether the folder holds a finished run (with identity `expected_hash`, when given): a readable
    manifest, and every file it lists present with the size it lists (so a missing or truncated file
    makes the run incomplete, and the next batch redoes it)."""
    return incomplete_reason(run_dir, expected_hash) is None


def incomplete_reason(
    run_dir: str | Path, expected_hash: str | None = None, files: Collection[str] | None = None
) -> str | None:
    """Why the folder does not hold a finished run (with identity `expected_hash`, when given), in a
    few words for a listing; None when it does (`is_complete`). `files`: check only these of the
    manifest's files (each must be listed), not every one."""
    run_dir = Path(run_dir)
    try:
        manifest = load_manifest(run_dir)
    except CorruptRunError:  # (a kind of IncompleteRunError: caught first)
        return f"{MANIFEST} is unreadable"
    except IncompleteRunError:
        return f"no {MANIFEST}: interrupted before it finished"
    if manifest.get("store_format") != STORE_FORMAT:
        return format_mismatch(manifest.get("store_format"))
    if expected_hash is not None and manifest.get("run_hash") != expected_hash:
        if manifest.get("model_digest") != model_digest():
            return "computed by another version of the model (its code or reference data)"
        return "another scenario, seed or trial count"
    listed = manifest.get("files", {})
    if not isinstance(listed, dict):
        return f"{MANIFEST} is corrupt (no list of files)"
    if files is not None:
        missing = [name for name in files if name not in listed]
        if missing:
            return f"the manifest lists no {', '.join(missing)}"
        listed = {name: listed[name] for name in files}
    for name, size in listed.items():
        path = run_dir / str(name)
        if not path.is_file():
            return f"{name} is missing"
        actual = path.stat().st_size
        if isinstance(size, int) and actual != size:
            return f"{name} is {actual:,} bytes, the manifest says {size:,}"
    digests = manifest.get("files_sha256", {})  # (absent in runs saved before it was recorded)
    for name, digest in digests.items() if isinstance(digests, dict) else ():
        if name not in listed:
            continue
        if _file_sha256(run_dir / str(name)) != digest:
            return f"{name} has changed since it was written (its SHA-256 is not the manifest's)"
    return None


# ------------------------------------------------------------------------------------ atomic files
def _temporary(path: Path) -> Path:
    return path.with_name(f".{path.name}.{os.getpid()}.tmp")


def atomic_write(path: str | Path, write: Callable[[IO[bytes]], object], *, sync: bool = True) -> Path:
    """Call ``write(file)`` on a temporary file beside `path`, then rename it to `path`.

    An exception (or Ctrl-C) on the way removes the temporary file; a killed process leaves it for
    `clean_temporaries`. Nothing ever appears under `path` half-written. `sync`: wait until the file is
    on the disk before the rename (without it, a power cut may leave the file empty or damaged, for files
    whose reader checks them: `checkpoints`).
    """
    path = Path(path)
    tmp = _temporary(path)
    try:
        with open(tmp, "wb") as f:
            write(f)
            f.flush()
            if sync:
                os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def _write_text(path: Path, text: str) -> Path:
    return atomic_write(path, lambda f: f.write(text.encode()))


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return False  # ours, but not open: left by an earlier failure in this process
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def clean_temporaries(directory: str | Path) -> list[Path]:
    """Remove the temporary files (``.<name>.<pid>.tmp``) of dead processes in `directory` and in its
    immediate sub-folders (the run folders); returns what was removed."""
    directory = Path(directory)
    if not directory.is_dir():
        return []
    removed = []
    folders = [directory, *(p for p in directory.iterdir() if p.is_dir())]
    for folder in folders:
        for p in folder.iterdir():
            m = _TEMPORARY.match(p.name)
            if m and p.is_file() and not _pid_alive(int(m.group(1))):
                p.unlink(missing_ok=True)
                removed.append(p)
    return removed


# ------------------------------------------------------------------------------------ the store's lock
#: The lock file of a batch folder, held while a command writes runs into it (`store_lock`).
LOCK = ".lock"
#: How long a held lock whose holder has not yet written its details is read again before it is reported
#: without them: the holder writes them just after it takes the lock.
_LOCK_READ_SECONDS = 0.5


class StoreLockedError(RuntimeError):
    """A batch folder that another command is writing runs into (it holds the folder's `LOCK`), or whose
    lock cannot be taken (a folder this process cannot create or write): two commands writing into one
    folder overwrite each other's runs.

    `folder` is the batch folder, `holder` what the holder wrote in the lock (``pid``, ``host``,
    ``command``, ``started``; empty when it has not yet written them, or the lock could not be taken),
    `reason` what is wrong and what to do (the message is ``<folder>: <reason>``).
    """

    def __init__(self, folder: str | Path, reason: str, holder: Mapping[str, Any] | None = None) -> None:
        self.folder = Path(folder)
        self.reason = reason
        self.holder = dict(holder or {})
        super().__init__(f"{folder}: {reason}")

    def __str__(self) -> str:
        return f"{self.folder}: {self.reason}"

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.folder, self.reason, self.holder))


#: The locks this process holds: the resolved folder → (the thread holding it, how many `store_lock`s of
#: that thread are open, the lock file's descriptor); read and written under `_HELD_GUARD`.
_HELD: dict[Path, tuple[int, int, int]] = {}
_HELD_GUARD = threading.Lock()


def _forget_held_locks() -> None:
    """In a forked child (a pool's worker), hold none of the parent's locks: close the child's copies of
    their descriptors (the parent's lock stays: it is freed only by the parent's explicit unlock or last
    close), so that a worker outliving its parent does not keep the folder locked."""
    global _HELD_GUARD  # (a guard another thread held at the fork would stay held for good)
    for _, _, fd in _HELD.values():
        with contextlib.suppress(OSError):
            os.close(fd)
    _HELD.clear()
    _HELD_GUARD = threading.Lock()


os.register_at_fork(after_in_child=_forget_held_locks)


@contextlib.contextmanager
def store_lock(folder: str | Path, *, say: Callable[[str], None] | None = None) -> Iterator[Path]:
    """Hold the lock of the batch folder `folder` (created if missing) while the block runs: a kernel lock
    (``flock``, exclusive) on its `LOCK` file, in which the holder writes its ``pid``, ``host``,
    ``command`` and the time it ``started`` for the message of a command refused. Every command that
    writes runs or a batch's own files into a folder holds it (`riskmodel.batch.run_batch`; `riskmodel
    run` and `sweep` from before their batch to their last table); readers (`load_results`, `report`,
    `compare`) need none. Linux only, like the project (``fcntl.flock``; on NFS, Linux takes it as an
    NFS lock, seen by every client).

    The kernel frees the lock when its holder ends, however it ends (SIGKILL, a crash), so no lock is
    ever left behind: the next command takes it and, when the file still names the process that ended,
    `say`s that it took over from it. On the way out of the block, whether it ends, raises or is
    interrupted (Ctrl-C, and SIGTERM, which the command line raises as an interruption), the file is
    emptied and the lock freed; the file itself stays (removing it would let two commands lock two
    files of one name).

    The thread holding the lock may take it again (`run` holds it around `run_batch`): the outermost
    block frees it. Another thread of this process is refused like another process, and a forked child
    holds none of it. `folder` is locked as resolved: a symlink to a folder shares the folder's lock.
    Yields the lock's path.

    Raises `StoreLockedError`, before the block, when another process or thread holds the lock (naming
    it once it has written itself in; `--force` recomputes runs, it does not break locks), or when the
    lock cannot be taken (a folder that cannot be created or written, naming the cause).
    """
    folder = Path(folder)
    key = _lock_folder(folder)
    me = threading.get_ident()
    with _HELD_GUARD:
        thread, depth, fd = _HELD.get(key, (me, 0, -1))
        again = thread == me and depth > 0
        if again:
            _HELD[key] = (me, depth + 1, fd)
    if not again:
        fd = _take_lock(folder, key / LOCK, say)
        with _HELD_GUARD:
            _HELD[key] = (me, 1, fd)
    try:
        yield folder / LOCK
    finally:
        with _HELD_GUARD:
            thread, depth, fd = _HELD.pop(key)
            if depth > 1:
                _HELD[key] = (thread, depth - 1, fd)
        if depth == 1:
            _release_lock(fd)


def _lock_folder(folder: Path) -> Path:
    """`folder`, created if missing, resolved (the key of its lock); `StoreLockedError` if it cannot be."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        return folder.resolve(strict=True)
    except OSError as exc:
        raise StoreLockedError(folder, _cannot_lock(folder / LOCK, exc)) from None


def _take_lock(folder: Path, path: Path, say: Callable[[str], None] | None) -> int:
    """Lock the `LOCK` file at `path` (of `folder`) and write this process in it; returns its descriptor,
    to keep open until `_release_lock`. Raises `StoreLockedError` when another holds it (read again for
    a moment while its holder has not yet written its details) or it cannot be taken."""
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise StoreLockedError(folder, _cannot_lock(path, exc)) from None
    try:
        deadline = time.monotonic() + _LOCK_READ_SECONDS
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                holder = _lock_holder(fd)
                if holder or time.monotonic() >= deadline:
                    raise StoreLockedError(folder, _locked_reason(path, holder), holder) from None
                time.sleep(0.05)
        if (gone := _lock_holder(fd)) and say is not None:  # (its holder ended without emptying it)
            host = "this host" if gone["host"] == platform.node() else gone["host"]
            say(
                f"{folder}: took over the lock of pid {gone['pid']} on {host} (since {gone.get('started')}: "
                f"{gone.get('command')}), which is no longer running"
            )
        mine = {
            "pid": os.getpid(),
            "host": platform.node(),
            "command": shlex.join(sys.argv) if sys.argv and sys.argv[0] else "python",
            "started": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        }
        os.ftruncate(fd, 0)
        os.pwrite(fd, (json.dumps(mine) + "\n").encode(), 0)
    except OSError as exc:  # (flock refused by the file system, a full disk)
        os.close(fd)
        raise StoreLockedError(folder, _cannot_lock(path, exc)) from None
    except BaseException:
        os.close(fd)
        raise
    return fd


def _release_lock(fd: int) -> None:
    """Empty the lock file of descriptor `fd`, free its lock and close it."""
    try:
        with contextlib.suppress(OSError):  # (emptied while still held: no later holder's details go)
            os.ftruncate(fd, 0)
        fcntl.flock(fd, fcntl.LOCK_UN)  # (explicitly: a child forked meanwhile may share the descriptor)
    finally:
        os.close(fd)


def _locked_reason(path: Path, holder: Mapping[str, Any]) -> str:
    """`StoreLockedError`'s reason for a lock (at `path`) held by `holder` (empty: not yet written)."""
    who = (
        f"another riskmodel command is writing runs into this folder (pid {holder['pid']} on "
        f"{holder['host']}, since {holder.get('started')}: {holder.get('command')})"
        if holder
        else f"its lock ({path}) is held by another process, its details not yet written"
    )
    return (
        f"{who}; two commands writing into one folder overwrite each other's runs. Wait until it has "
        "finished (then run again: finished runs are skipped), or give another folder (--out). The lock "
        "ends with its process, however that ends: there is nothing to delete (--force recomputes runs, "
        "it does not break locks)"
    )


def _cannot_lock(path: Path, exc: OSError) -> str:
    """`StoreLockedError`'s reason for a lock at `path` that cannot be taken (`exc`)."""
    return (
        f"cannot take its lock {path} ({exc.strerror or exc}): a command writing runs must be able to "
        "create and write files there; give a folder it can write to (--out)"
    )


def _lock_holder(fd: int) -> dict[str, Any]:
    """What the holder wrote in the lock file of descriptor `fd` (`_take_lock`); {} when it is empty or
    not a lock riskmodel wrote (not yet, or not wholly, written)."""
    try:
        doc = json.loads(os.pread(fd, 1 << 16, 0).decode("utf-8"))
    except (OSError, ValueError):
        return {}
    pid, host = (doc.get("pid"), doc.get("host")) if isinstance(doc, dict) else (None, None)
    if not (isinstance(pid, int) and not isinstance(pid, bool) and pid > 0 and isinstance(host, str)):
        return {}
    return doc


# ---------------------------------------------------------------------------------------- tables
def ylt_frame(results: Results) -> pd.DataFrame:
    """The YLT: `Results.ylt` (one row per trial, policy year and contract; the portfolio is the sum of the
    rows) with the policy years as indices, 0 = the horizon's first."""
    frame = results.ylt()
    frame["year"] -= results.start_year
    return frame


def _per_contract(results: Results, table: Callable[[str], pd.DataFrame]) -> pd.DataFrame:
    frames = [table(cid).assign(contract=cid) for cid in results.contracts]
    if not frames:
        return pd.DataFrame()
    return pd.concat(frames, ignore_index=True)


def alt_frame(results: Results, rel_error: float = 0.05) -> pd.DataFrame:
    """ALT rows of every contract and of the portfolio, per policy year and for the horizon."""
    return _per_contract(results, lambda cid: metrics.alt_table(results.losses(cid), rel_error=rel_error))


def ept_frame(results: Results) -> pd.DataFrame:
    """EPT rows (OEP, OEP TVaR, AEP, AEP TVaR) of every contract and of the portfolio."""

    def one(cid: str) -> pd.DataFrame:
        c = results.contracts[cid]
        return metrics.ept_table(c["loss"], c["max_event_loss"])

    return _per_contract(results, one)


def ledger_frame(results: Results) -> pd.DataFrame:
    """The payer ledger: mean annual amount each payer bears, per policy year and for the horizon total,
    with its standard error and its share of the damage borne by all payers that year."""
    payers = results.payers()
    rows = []
    n = results.n_trials
    for name in payers:
        for year, x in metrics.year_columns(results.year_arrays[f"payer:{name}"]):
            s = float(x.std(ddof=1)) if n > 1 else 0.0
            rows.append((year, name, float(x.mean()), s, s / math.sqrt(n)))
    df = pd.DataFrame(rows, columns=["year", "payer", "mean_paid", "sd_paid", "standard_error"])
    total = df.groupby("year")["mean_paid"].transform("sum")
    df["share_of_damage"] = np.where(total > 0, df["mean_paid"] / total.where(total > 0, 1.0), 0.0)
    return df


def sanctions_frame(results: Results) -> pd.DataFrame:
    """Sanctions exposure per contract (and the portfolio), per policy year and for the horizon
    (`metrics.sanctions_table` with the run's `Results.contract_exposure`)."""
    table = metrics.sanctions_table(results.contracts, results.contract_exposure)
    return table if len(table) else empty_frame("sanctions_exposure")


def elt_frame(results: Results) -> pd.DataFrame:
    """The event loss table in long form: one row per event and payer column with a loss.

    ``event`` is the event's row in `Results.events` (the same whatever the chunk size), codes are
    turned into the world's labels (empty for events without a segment, zone or flag).
    """
    ev = results.events
    if ev is None:
        raise ValueError("this run did not keep events: run with --keep-events for elt.parquet")
    sources = sorted(k.split(":", 1)[1] for k in ev if k.startswith("payer:"))
    n_events = int(ev["trial"].size)
    if sources:
        matrix = np.column_stack([ev[f"payer:{s}"] for s in sources])
        event, col = np.nonzero(matrix)
        loss = matrix[event, col]
    else:
        event = col = np.zeros(0, dtype=np.int64)
        loss = np.zeros(0)

    def text(codes: np.ndarray, label: str) -> np.ndarray:
        names = np.array([*results.labels.get(label, ()), ""], dtype=object)
        c = np.asarray(codes, dtype=np.int64)
        return names[np.where(c >= 0, c, len(names) - 1)]

    assert event.size == 0 or int(event.max()) < n_events
    return pd.DataFrame(
        {
            "trial": ev["trial"][event].astype(np.int64),
            "year": ev["year"][event].astype(np.int64),
            "event": event.astype(np.int64),
            "time": ev["time"][event].astype(np.float64),
            "source": np.array(sources, dtype=object)[col] if sources else np.zeros(0, dtype=object),
            "loss": loss.astype(np.float64),
            "segment": text(ev["segment"][event], "segment"),
            "zone": text(ev["zone"][event], "zone"),
            "flag": text(ev["flag"][event], "state"),
            # (events built without them, e.g. synthetic results: nothing flagged)
            **{
                k: ev[k][event].astype(bool) if k in ev else np.zeros(event.size, dtype=bool)
                for k in ("licensed", *(f"sanctioned_{b}" for b in BLOCS))
            },
        }
    )


def year_level_frame(results: Results, prefix: str, key: str, *, zeros: bool) -> pd.DataFrame:
    """The year arrays named ``<prefix>:<name>`` in long form: ``trial, year, <key>, amount``, one row per
    trial, policy year and name (only those with a non-zero amount unless `zeros`): `tables.TABLES`
    ``attritional`` (``"attritional", "source"``: a missing cell is no loss) and ``premium_bases``
    (``"base", "base", zeros=True``: apply-terms refuses a rated contract on a missing cell)."""
    names = sorted(k.split(":", 1)[1] for k in results.year_arrays if k.startswith(f"{prefix}:"))
    if prefix == "base":  # (the year arrays also hold tonnage bases, e.g. ig_entered_gt: no premium base)
        names = [n for n in names if is_premium_base(n)]
    parts = []
    for name in names:
        x = results.year_arrays[f"{prefix}:{name}"]
        trial, year = np.nonzero(np.ones(x.shape, dtype=bool) if zeros else x)
        parts.append(
            pd.DataFrame(
                {
                    "trial": trial.astype(np.int64),
                    "year": year.astype(np.int64),
                    key: np.full(trial.size, name, dtype=object),
                    "amount": x[trial, year].astype(np.float64),
                }
            )
        )
    if not parts:
        return pd.DataFrame({"trial": [], "year": [], key: [], "amount": []}).astype(
            {"trial": np.int64, "year": np.int64, key: object, "amount": np.float64}
        )
    return pd.concat(parts, ignore_index=True)


def _markdown_table(df: pd.DataFrame, digits: int = 3) -> str:
    """A GitHub Markdown table of a frame (index included when it is named; numbers by `display.fixed`)."""
    frame = df.reset_index() if df.index.name else df
    head = [str(c) for c in frame.columns]

    def cell(v: Any) -> str:
        if isinstance(v, bool | np.bool_):
            return "yes" if v else "no"
        if isinstance(v, float | np.floating):
            return fixed(v, digits)
        return str(v)

    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join(lines)


def _how_run(n_trials: int, manifest: Mapping[str, Any]) -> str:
    """``, run in 3 chunks of 8,192 trials (the last of 3,616), on a pool of 4 worker processes``: the
    chunks the run was cut into (its manifest's chunk size, or the whole run when that is larger) and the
    executor (`riskmodel.engine.executors` names) in words; what the manifest lacks is left out ("" when
    it has neither).

    >>> _how_run(4096, {"chunk_trials": 8192, "executor": "in-process"})
    ', run in one chunk of 4,096 trials, in one process'
    >>> _how_run(20000, {"chunk_trials": 8192, "executor": "process-pool(4)"})
    ', run in 3 chunks of 8,192 trials (the last of 3,616), on a pool of 4 worker processes'
    >>> _how_run(8192, {"chunk_trials": 4096, "executor": "dask(local, 2 workers)"})
    ', run in 2 chunks of 4,096 trials, on Dask (local, 2 workers)'
    >>> _how_run(4096, {})
    ''
    """
    parts = []
    chunk = manifest.get("chunk_trials")
    if isinstance(chunk, int) and chunk > 0 and n_trials > 0:
        if chunk >= n_trials:
            parts.append(f" in one chunk of {n_trials:,} trials")
        else:
            count, rest = -(-n_trials // chunk), n_trials % chunk
            last = f" (the last of {rest:,})" if rest else ""
            parts.append(f" in {count:,} chunks of {chunk:,} trials{last}")
    executor = manifest.get("executor")
    if executor:
        name = str(executor)
        pool = re.fullmatch(r"process-pool\((\d+)\)", name)
        dask = re.fullmatch(r"dask\((.*)\)", name)
        if name == "in-process":
            parts.append(" in one process")
        elif pool:
            workers = int(pool.group(1))
            parts.append(f" on a pool of {workers} worker process{'es' if workers != 1 else ''}")
        elif dask:
            parts.append(f" on Dask ({dask.group(1)})")
        else:
            parts.append(f" on {name}")
    return ", run" + ",".join(parts) if parts else ""


def summary_cells(
    results: Results, manifest: Mapping[str, Any], summary: pd.DataFrame | None = None
) -> pd.DataFrame:
    """`results.summary()` (or `summary`) as summary.md and the terminal print it: each standard error as
    text (`display.error_texts`: "<0.0005" when too small to show), and a 1-in-200 on a point mass (a
    layer's full limit, reached in a share of the policy years: its error 0, or float noise) in the words
    the report page gives it (`display.point_mass_words`, with the contract's limit from the terms in the
    run's `manifest`) in place of "0.000", which reads as a figure the same in every trial, and in its
    ``note`` (the summary's, which lacks the terms, says "the full limit of one event"); so is the
    1-in-200 with the policy years pooled (`POOLED_TAIL_FIGURE`: the share of all policy years) and the
    portfolio's TVaR (`TVAR_FIGURE`: every trial beyond its VaR loses that amount). One on a point mass
    whose error the trials cannot bound (too few for a 1-in-200) reads "∞: " and the words, which say so,
    in place of "none: ". An annual average whose error rests on one trial has its note beside its error
    (`display.dominant_trial_words`).

    >>> import numpy as np
    >>> loss = np.array([[0.0, 5.0], [5.0, 5.0], [0.0, 0.0], [5.0, 1.0]] * 500)  # the limit in 50% of years
    >>> none = np.zeros_like(loss)
    >>> xl = {"loss": loss, "max_event_loss": loss, "premium": none, "reinstatement_premium": none}
    >>> r = Results("x", 2026, 2, 2000, 1, {"xl": xl}, {}, {}, (), (), pd.DataFrame())
    >>> terms = {"scenario": {"portfolio": {"contracts": {"xl": {"limit_usd_m": 10, "participation": 0.5}}}}}
    >>> cells = summary_cells(r, terms)
    >>> cells.loc["xl: 1-in-200 annual loss", "standard_error"]
    'none: the full limit, reached in 50.0% of policy years'
    >>> cells.loc["xl: 1-in-200 annual loss (policy years pooled)", "note"]  # (the summary's: "of one event")
    'the full limit, reached in 50.0% of policy years'
    """
    s = results.summary() if summary is None else summary
    errors, notes = error_texts(s["standard_error"], s["mean"]), list(s["note"])
    for i, (figure, row) in enumerate(s.iterrows()):
        name = str(figure)
        tail = next(
            (f for f in (POOLED_TAIL_FIGURE, TAIL_FIGURE, TVAR_FIGURE) if name.endswith(f": {f}")), None
        )
        if tail is None:
            if notes[i]:  # an annual average whose error rests on one trial: said beside the error
                errors[i] = f"{errors[i]} ({notes[i]})"
            continue
        cid = name.removesuffix(f": {tail}")
        words = point_mass_words(results, cid, row, event_cap(manifest, cid))
        if words:
            error = UNBOUNDED_ERROR if math.isinf(row["standard_error"]) else "none"
            errors[i], notes[i] = f"{error}: {words}", words
    return s.assign(standard_error=errors, note=notes)


#: The columns of `Results.summary` that summary.md leaves out: the unit names a 1-in-200's year and says
#: whether it is the same in every year; a note's words stand in its error's cell (`summary_cells`).
_NOT_IN_SUMMARY_MD = ["year", "year_basis", "note"]


def _ig_exit_markdown(
    results: Results, manifest: Mapping[str, Any], baseline: Results | None = None
) -> list[str]:
    """summary.md's block of the tonnage and premium leaving the IG (`riskmodel.ig_exit`), with the
    difference from the run it is compared with when `baseline` (default `Results.baseline`, as
    `load_results(..., with_baseline=True)` gives it) is that run, of the same trials; no lines for a run
    without the world model. A run whose manifest names a baseline that is not given says where the
    difference is: the batch's comparison.csv and report.html (in a batch, a run saved before its
    baseline finished)."""
    from riskmodel.ig_exit import IG_EXIT_FIGURES, IG_EXIT_READING, IG_EXIT_TITLE, ig_exit_table
    from riskmodel.results import Comparison

    base = results.baseline if baseline is None else baseline
    named = manifest.get("baseline")
    named_run = named.get("run") if isinstance(named, Mapping) and named.get("run") else None
    comparison, name, paired = None, None, True
    if base is not None and base.n_trials == results.n_trials:
        pair = Comparison(results, base)
        comparison, paired = pair.table(), pair.shares_random_numbers
        name = named_run or base.scenario_name
    table = ig_exit_table(results, comparison, name)
    if table.empty:
        return []
    against = ""
    if comparison is not None:
        against = (
            f"; the difference from {name} with its common-random-number standard error"
            if paired
            else f"; the difference from {name} with its standard error, not paired (another seed or "
            "horizon: that of independent runs)"
        )
    elif named_run is not None:
        rows = ", ".join(f"`{figure}`" for figure, _ in IG_EXIT_FIGURES)
        against = (
            f"; this file was written without the results of {named_run}, the run it is compared with: the "
            f"difference from it is in the batch's comparison.csv (`riskmodel run`; rows {rows} and "
            f"`tonnage:<class>`) and in its report.html (`riskmodel report` of the batch's folder)"
        )
    return [
        f"## {IG_EXIT_TITLE} (the whole market at 100%)",
        "",
        "Annual averages over the horizon with Monte Carlo standard errors (none for a figure the same in "
        "every trial)" + against + ". The IG GXL "
        "premium base and the IG-entered tonnage count every IG-entered ship (tankers and the non-tanker "
        "entries); the Western hull premium base and the tonnage by P&I class count the model's tankers "
        f"only. {IG_EXIT_READING}",
        "",
        _markdown_table(table),
        "",
    ]


def _schemes_markdown(results: Results) -> list[str]:
    """summary.md's section on the schemes' capital (none without a scheme): how often each failed or was
    rescued, in trials, and `Results.scheme_finances` by policy year, as the report shows them."""
    from riskmodel.solvency import SCHEMES_CAPTION, scheme_solvency_words

    finances = results.scheme_finances()
    if finances.empty:
        return []
    words = [f"- {line}" for line in scheme_solvency_words(results)]
    table = _markdown_table(finances.reset_index())
    return ["## The schemes' capital", "", *words, "", f"{SCHEMES_CAPTION}.", "", table, ""]


def summary_markdown(results: Results, manifest: Mapping[str, Any], baseline: Results | None = None) -> str:
    """The run's `summary.md`: what was run, the headline figures with their errors, the tonnage and premium
    leaving the IG (`_ig_exit_markdown`: with the difference from `baseline`, default
    `Results.baseline`, the run it is compared with), every payer that pays (those that never do
    named below the table), and the schemes' capital, rescues and failures (`_schemes_markdown`)."""
    summary = results.summary()
    verdict = "every figure converged" if bool(summary["converged"].all()) else "not every figure converged"
    ledger = results.ledger()
    pays = [p for p in ledger.index if results.year_arrays[f"payer:{p}"].any()]
    lines = [
        f"# {results.scenario_name}",
        "",
        f"{results.n_trials:,} trials × {results.n_years} policy years ({results.horizon}), "
        f"seed {results.seed}{_how_run(results.n_trials, manifest)}; riskmodel "
        f"{manifest.get('package_version')}, numpy {manifest.get('numpy_version')}.",
        "",
        f"Scenario file: `{manifest.get('scenario_file')}`; run hash `{str(manifest.get('run_hash'))[:16]}`.",
        "",
        "## Headline figures",
        "",
        "Annual averages over the horizon (USD m unless stated), with Monte Carlo standard errors; a "
        "contract's 1-in-200 annual loss is the 99.5% quantile of its aggregate ceded loss in one policy "
        "year (AEP), in the year where it is largest (named in the unit), and with the policy years pooled "
        "the same quantile over every policy year of every trial together (of no one year, and not biased "
        "up by taking the largest of several estimates; its standard error counts a trial's policy years "
        "as one draw); the portfolio's TVaR 99.5% annual loss is the mean ceded loss of a policy year's "
        "worst 0.5% of trials, in the policy year where it is largest, as the 1-in-200; converged = "
        "standard error ≤ 5% of the figure, and no one trial holding more than half of its variance (the "
        f"note beside its error gives the figure without it) ({verdict}). A 1-in-200 on a point mass (a "
        "layer's full limit) has no standard error, or one the trials cannot bound (∞): the share of "
        f"policy years that reach it is given in its place. Two bases: {BASIS} (their unit says so), as "
        "are the counts.",
        "",
        # (an error too small to show is "<0.0005": `display.fixed_error`)
        _markdown_table(summary_cells(results, manifest, summary).drop(columns=_NOT_IN_SUMMARY_MD)),
        "",
        *_ig_exit_markdown(results, manifest, baseline),
        "## Who pays (the whole market at 100%: mean annual amount, USD m)",
        "",
        # (a stress lands on one payer column: the Funds and the claimants are as without it, which a
        # reader of spill_stress's table against rv_pool's took for a mistake)
        *([sentence, ""] if (sentence := perils_sentence(manifest.get("scenario") or {}, results)) else []),
        # (every payer that pays, as the report shows them: a scheme's own payers came 21st and 22nd of 23,
        # past a cut at 12 that the table did not mention)
        _markdown_table(ledger.loc[pays]),
        "",
    ]
    if idle := [p for p in ledger.index if p not in pays]:
        lines += [f"Paid nothing in any trial-year: {', '.join(idle)} (ledger.csv holds every payer).", ""]
    lines += _schemes_markdown(results)
    if results.calibration_caveat:
        lines += [results.calibration_caveat, ""]
    if results.notes:
        lines += ["## Notes", "", *(f"- {note}" for note in results.notes), ""]
    return "\n".join(lines)


# ----------------------------------------------------------------------------------- save and load
def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, Path | dt.datetime | dt.date):
        return str(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def _dumps(doc: Any) -> str:
    return json.dumps(doc, indent=2, default=_json_default, allow_nan=True) + "\n"


def _plain_array(column: pd.Series) -> np.ndarray:
    """A column as a numpy array that loads without pickle (text as fixed-width unicode)."""
    if column.dtype.kind in "biuf":
        return column.to_numpy()
    return np.array([str(v) for v in column], dtype=str)


def _array_index(results: Results) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """The nested index of every array of `results` (names → npz keys) and the arrays by key."""
    arrays: dict[str, np.ndarray] = {}

    def put(value: np.ndarray) -> str:
        key = f"a{len(arrays)}"
        arrays[key] = np.asarray(value)
        return key

    index = {
        "contracts": {cid: {f: put(v) for f, v in c.items()} for cid, c in results.contracts.items()},
        "year_arrays": {k: put(v) for k, v in results.year_arrays.items()},
        "trial_arrays": {k: put(v) for k, v in results.trial_arrays.items()},
        "events": None if results.events is None else {k: put(v) for k, v in results.events.items()},
        "slots": {col: put(_plain_array(results.slots[col])) for col in results.slots.columns},
    }
    return index, arrays


def _save_arrays(results: Results, run_dir: Path) -> None:
    index, arrays = _array_index(results)
    meta = {
        "store_format": STORE_FORMAT,
        "scenario_name": results.scenario_name,
        "start_year": results.start_year,
        "n_years": results.n_years,
        "n_trials": results.n_trials,
        "seed": results.seed,
        "class_names": list(results.class_names),
        "scheme_ids": list(results.scheme_ids),
        "labels": {k: list(v) for k, v in results.labels.items()},
        "notes": list(results.notes),
        "provenance": results.provenance,
        # (an unlimited exposed limit is saved as null: JSON has no infinity)
        "contract_exposure": {
            cid: {k: None if math.isinf(v) else v for k, v in e.items()}
            for cid, e in results.contract_exposure.items()
        },
        "slot_columns": list(results.slots.columns),
        "arrays": index,
    }
    atomic_write(run_dir / ARRAYS, lambda f: np.savez(f, **arrays))
    _write_text(run_dir / METADATA, _dumps(meta))


def _begin(run_dir: Path) -> None:
    """Make the folder a fresh, visibly incomplete run: the manifest goes first, then old results."""
    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / MANIFEST).unlink(missing_ok=True)
    for name in RESULT_FILES:
        (run_dir / name).unlink(missing_ok=True)
    clean_temporaries(run_dir)


def _file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def save_run(
    run_dir: str | Path,
    results: Results,
    scenario: Scenario,
    *,
    identity: str,
    scenario_file: str | Path | None = None,
    baseline: Mapping[str, Any] | None = None,
    baseline_results: Results | None = None,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Write a run folder for `results` and return its manifest.

    `scenario` is the effective scenario (`effective_scenario`), `identity` its `run_hash`, `baseline`
    what the run is compared with (``{"file": ..., "run": <folder name>}``) and `baseline_results` that
    run's `Results`, when at hand, for summary.md's differences (`summary_markdown`; without it summary.md
    says where they are), `extra` more manifest keys
    (e.g. a sweep's overrides). Any earlier run in the folder is removed first, its manifest before
    anything else; the new manifest is written last, so the folder only counts as complete at the end.

    Raises `ValueError`, before writing anything, for `results` of a run on a World of other content than
    the package's world data (`is_package_world` of its provenance's `world_sha256`).
    """
    prov = results.provenance
    if "world_sha256" in prov and not is_package_world(prov["world_sha256"]):
        raise ValueError(
            f"save_run stores runs on the package's world data only, and {results.scenario_name!r} ran on "
            f"another World ({prov.get('world_source')}, world_sha256 {prov['world_sha256']}): a stored "
            "run's identity (run_hash) covers the package's files, not a World in memory, so a later batch "
            "would take it for a run of the package's data. Keep these Results in memory, or run the "
            "scenario without world= (loaded without world=) to store it"
        )
    run_dir = Path(run_dir)
    _begin(run_dir)
    _save_arrays(results, run_dir)
    write_table("ylt", ylt_frame(results), run_dir / "ylt.parquet")
    if results.events is not None:
        write_table("elt", elt_frame(results), run_dir / "elt.parquet")
        write_table(
            "attritional",
            year_level_frame(results, "attritional", "source", zeros=False),
            run_dir / "attritional.parquet",
        )
        write_table(
            "premium_bases",
            year_level_frame(results, "base", "base", zeros=True),
            run_dir / "premium_bases.parquet",
        )
    if results.contracts:
        write_table("alt", alt_frame(results), run_dir / "alt.csv")
        write_table("ept", ept_frame(results), run_dir / "ept.csv")
    write_table("payer_ledger", ledger_frame(results), run_dir / "ledger.csv")
    write_table("sanctions_exposure", sanctions_frame(results), run_dir / "sanctions.csv")

    manifest: dict[str, Any] = {
        "store_format": STORE_FORMAT,
        "run_hash": identity,
        "package_version": riskmodel.__version__,
        "model_digest": model_digest(),
        "numpy_version": np.__version__,
        "python_version": platform.python_version(),
        "host": platform.node(),
        "scenario_name": results.scenario_name,
        "scenario_file": None if scenario_file is None else str(scenario_file),
        "scenario_file_resolved": None if scenario_file is None else str(Path(scenario_file).resolve()),
        "scenario_file_sha256": None if scenario_file is None else _file_sha256(Path(scenario_file)),
        "scenario_hash": prov.get("scenario_hash"),
        "seed": results.seed,
        "trials": results.n_trials,
        "years": results.n_years,
        "start_year": results.start_year,
        "chunk_trials": prov.get("chunk_trials"),
        "keep_events": results.events is not None,
        "executor": prov.get("executor"),
        "started": prov.get("started"),
        "finished": prov.get("finished"),
        "saved": dt.datetime.now(dt.UTC).isoformat(),
        "notes": list(results.notes),
        "baseline": dict(baseline) if baseline else None,
        **dict(extra or {}),
        "scenario": scenario.model_dump(mode="json"),
    }
    _write_text(run_dir / "summary.md", summary_markdown(results, manifest, baseline_results))
    written = [p for p in sorted(run_dir.iterdir()) if p.name in RESULT_FILES]
    manifest["files"] = {p.name: p.stat().st_size for p in written}
    manifest["files_sha256"] = {p.name: _file_sha256(p) for p in written}
    _write_text(run_dir / MANIFEST, _dumps(manifest))
    return manifest


#: A run folder's files `riskmodel apply-terms` reads (`event_inputs`), by the argument they stand for.
EVENT_FILES = {
    "events": "elt.parquet",
    "premium_base": "premium_bases.parquet",
    "attritional": "attritional.parquet",
}


def event_inputs(run_dir: str | Path) -> dict[str, Any]:
    """What `riskmodel apply-terms` reads from a run folder that kept its events: ``events`` (elt.parquet),
    ``premium_base`` and ``attritional`` (their files), ``n_trials`` and ``n_years`` (the manifest's),
    ``materiality_usd_m`` (the run's threshold; None without the world model), ``sources`` (the payer
    columns its scenario produces, `scenario_sources`: a contract on none of them is not written),
    ``listed`` (the columns whose payee a bloc lists, `scenario_listings`) and ``same_model`` (whether
    this version's model computed it). With the run's own portfolio, and the same model, they reproduce
    its year loss table.

    Raises `IncompleteRunError` (a kind of `FileNotFoundError`) for an unfinished run, one saved by another
    store format or one whose event files differ from the manifest (`incomplete_reason`; only these three
    files are checked); a run without events raises `ValueError` saying how to keep them.
    """
    run_dir = Path(run_dir)
    manifest = load_manifest(run_dir)
    if manifest.get("store_format") == STORE_FORMAT and not manifest.get("keep_events"):
        raise ValueError(
            f"{run_dir}: this run did not keep its events, so it has no event loss table: rerun it with "
            "--keep-events (or simulation.keep_events: true)"
        )
    reason = incomplete_reason(run_dir, files=tuple(EVENT_FILES.values()))
    if reason is not None:
        raise IncompleteRunError(run_dir, f"{reason}; {_rerun_advice(run_dir)}")
    simulation = (manifest.get("scenario") or {}).get("simulation") or {}
    materiality = simulation.get("materiality_usd_m") if simulation.get("world_model", True) else None
    return {
        **{k: run_dir / name for k, name in EVENT_FILES.items()},
        "n_trials": int(manifest["trials"]),
        "n_years": int(manifest["years"]),
        "materiality_usd_m": None if materiality is None else float(materiality),
        # (None, the rule left out, for a manifest without its scenario: hand-made or damaged)
        "sources": scenario_sources(doc) if isinstance(doc := manifest.get("scenario"), Mapping) else None,
        "listed": scenario_listings(doc) if isinstance(doc, Mapping) else {},
        "same_model": manifest.get("model_digest") == model_digest(),
    }


def damage_error(run_dir: str | Path) -> IncompleteRunError | None:
    """None when a finished run folder of this store format matches its manifest (every file's size and
    SHA-256, `incomplete_reason`), else the error to show: the one reading it raises, which names the
    file (missing, unreadable, corrupt), or, for a run that reads but not as it was saved (bytes added or
    changed), a `CorruptRunError` with the file's difference. For `report` and `compare` of a run folder
    named by the user, checked as a batch's runs are. Reads the whole run when it does not match."""
    run_dir = Path(run_dir)
    manifest = read_manifest(run_dir)
    if manifest is None or manifest.get("store_format") != STORE_FORMAT:
        return None  # (reading it names what is wrong: no manifest, another format)
    reason = incomplete_reason(run_dir)
    if reason is None:
        return None
    try:
        load_results(run_dir)
    except IncompleteRunError as exc:
        return exc
    return CorruptRunError(run_dir, f"{reason}; {_rerun_advice(run_dir)}")


def load_results(run_dir: str | Path, *, with_baseline: bool = False) -> Results:
    """Read a run folder back into the `Results` that was saved, array for array.

    With `with_baseline`, the run named as its baseline in the manifest (a sibling folder) is loaded into
    `Results.baseline` too. Raises `IncompleteRunError` for a folder without a manifest, and
    `CorruptRunError` (a kind of it) naming the file when a file of the run is missing or damaged.
    """
    run_dir = Path(run_dir)
    manifest = load_manifest(run_dir)
    found = manifest.get("store_format")
    if found != STORE_FORMAT:
        newer = _is_format(found) and found > STORE_FORMAT
        advice = (
            "read it with that version, or rerun the batch with this one (it recomputes the run)"
            if newer
            else "rerun the batch (it recomputes runs of other formats)"
        )
        raise IncompleteRunError(run_dir, f"{format_mismatch(found)}; {advice}")
    meta = _read_metadata(run_dir)
    arrays = _read_arrays(run_dir)
    try:
        results = _results_from(meta, arrays)
    except (KeyError, IndexError, TypeError, ValueError, AttributeError) as exc:
        raise CorruptRunError(
            run_dir,
            f"{METADATA} and {ARRAYS} do not match ({_cause(exc)}); {_rerun_advice(run_dir)}",
        ) from None
    baseline = (manifest.get("baseline") or {}).get("run")
    if with_baseline and baseline:
        with contextlib.suppress(IncompleteRunError):
            # (the baseline is the run folder's sibling: through a link, the folder holding the run)
            results.baseline = load_results(run_dir.resolve().parent / baseline)
    return results


def _missing(run_dir: Path, name: str) -> CorruptRunError:
    return CorruptRunError(run_dir, f"{name} is missing (the manifest lists it); {_rerun_advice(run_dir)}")


def _read_metadata(run_dir: Path) -> dict[str, Any]:
    """`results.json` of a run folder as a JSON object; `CorruptRunError` when missing or damaged."""
    if not (run_dir / METADATA).is_file():
        raise _missing(run_dir, METADATA)
    return _json_object(run_dir, METADATA, needs="arrays")


def _read_arrays(run_dir: Path) -> dict[str, np.ndarray]:
    """Every array of `arrays.npz`; `CorruptRunError` when it is missing, truncated or damaged."""
    path = run_dir / ARRAYS
    if not path.is_file():
        raise _missing(run_dir, ARRAYS)
    try:
        with np.load(path, allow_pickle=False) as npz:
            return {k: npz[k] for k in npz.files}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile, AttributeError) as exc:
        raise CorruptRunError(
            run_dir, f"{ARRAYS} is unreadable ({_cause(exc)}); {_rerun_advice(run_dir)}"
        ) from None


def _results_from(meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> Results:
    """The `Results` described by `results.json` (`meta`) with the arrays of `arrays.npz`."""
    index = meta["arrays"]
    return Results(
        scenario_name=meta["scenario_name"],
        start_year=meta["start_year"],
        n_years=meta["n_years"],
        n_trials=meta["n_trials"],
        seed=meta["seed"],
        contracts={cid: {f: arrays[k] for f, k in c.items()} for cid, c in index["contracts"].items()},
        year_arrays={k: arrays[v] for k, v in index["year_arrays"].items()},
        trial_arrays={k: arrays[v] for k, v in index["trial_arrays"].items()},
        class_names=tuple(meta["class_names"]),
        scheme_ids=tuple(meta["scheme_ids"]),
        slots=pd.DataFrame(
            {
                col: arrays[index["slots"][col]]
                if arrays[index["slots"][col]].dtype.kind != "U"
                else arrays[index["slots"][col]].astype(object).tolist()
                for col in meta["slot_columns"]
            }
        ),
        events=None if index["events"] is None else {k: arrays[v] for k, v in index["events"].items()},
        labels={k: tuple(v) for k, v in meta["labels"].items()},
        notes=tuple(meta["notes"]),
        provenance=meta["provenance"],
        contract_exposure={
            cid: {k: math.inf if v is None else v for k, v in e.items()}
            for cid, e in meta["contract_exposure"].items()
        },
    )
