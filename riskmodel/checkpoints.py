"""Chunk checkpoints: the chunks of a run a batch has received, kept on disk until the run is saved, so
that an interrupted batch resumes at the chunks it had not yet received.

In: a run folder of the store and the run's identity (`store.run_hash`); each `ChunkResult` of the run
as the batch receives it (`RunChunks.save`). Out: those chunk results read back exactly (`RunChunks.load`)
when the batch is run again with the same identity and the same chunk boundaries; the folder is removed
once the run is saved (`RunChunks.discard`).

Layout: ``<run folder>/chunks/identity.txt`` (the run's identity and numpy's version: chunks of another
scenario, seed, trial count, model or numpy are thrown away) and one ``<start>-<stop>.npz`` per chunk:
every array of the chunk result (uncompressed) and a JSON index of what each array is. Files are written
under a temporary name and renamed when whole (as the store's files are), without waiting for the disk: a
file a power cut left unreadable is found when the batch starts again (`open` reads every file whole), and
that chunk is computed again.

Why it is correct: each chunk's results depend only on the model, the seed and the chunk's trials (the
keyed random streams of `engine.random`), so a kept chunk is the chunk a new computation would give, bit
for bit, and `simulate` reduces kept and new chunks alike, in chunk order.
"""

from __future__ import annotations

import json
import re
import shutil
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from riskmodel.engine.chunk import Chunk, ChunkResult
from riskmodel.store import atomic_write, clean_temporaries

__all__ = ["CHUNKS", "ChunkFileError", "RunChunks", "discard_chunks"]

#: The sub-folder of a run folder that holds its checkpoints.
CHUNKS = "chunks"
_IDENTITY = "identity.txt"
_NAME = re.compile(r"^(\d+)-(\d+)\.npz$")
_INDEX = "index"
_SECTIONS = ("contracts", "year_arrays", "trial_arrays", "events")


class ChunkFileError(RuntimeError):
    """A kept chunk that cannot be read back (damaged after the batch started)."""


def _file_name(start: int, stop: int) -> str:
    return f"{start:012d}-{stop:012d}.npz"


def _arrays_of(part: ChunkResult) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """The chunk result as named arrays (``a0``, ``a1``...) and an index of where each belongs."""
    arrays: dict[str, np.ndarray] = {}

    def named(value: np.ndarray) -> str:
        value = np.asarray(value)
        if value.dtype.hasobject:  # (loading refuses pickled objects: a chunk result has none)
            raise TypeError("a chunk result array holds Python objects: it cannot be kept")
        name = f"a{len(arrays)}"
        arrays[name] = value
        return name

    index: dict[str, Any] = {
        "start": part.start,
        "stop": part.stop,
        "contracts": {cid: {f: named(v) for f, v in fs.items()} for cid, fs in part.contracts.items()},
        "year_arrays": {k: named(v) for k, v in part.year_arrays.items()},
        "trial_arrays": {k: named(v) for k, v in part.trial_arrays.items()},
        "events": None if part.events is None else {k: named(v) for k, v in part.events.items()},
    }
    return index, arrays


def _read_index(npz: Any) -> dict[str, Any]:
    index = json.loads(str(npz[_INDEX][()]))
    if not isinstance(index, dict) or any(s not in index for s in ("start", "stop", *_SECTIONS)):
        raise ValueError("the index is incomplete")
    return index


def _whole(path: Path, start: int, stop: int) -> bool:
    """Whether a kept chunk file reads back whole: a zip whose members all match their checksums, with an
    index of these trials that names only arrays the file holds. Anything else (empty, truncated,
    damaged, or not a chunk at all) is not."""
    try:
        with zipfile.ZipFile(path) as z:
            if z.testzip() is not None:
                return False
            members = {name.removesuffix(".npy") for name in z.namelist()}
        with np.load(path, allow_pickle=False) as npz:
            index = _read_index(npz)
        named = [
            a
            for section in ("year_arrays", "trial_arrays", "events")
            for a in (index[section] or {}).values()
        ]
        named += [a for figures in index["contracts"].values() for a in figures.values()]
        return (index["start"], index["stop"]) == (start, stop) and set(named) <= members
    except Exception:  # (whatever a damaged or foreign file raises: it is not a kept chunk)
        return False


class RunChunks:
    """The checkpoints of one run: `open` first (it keeps the chunks of the same identity and says how
    many), then `has`/`load` for the chunks kept and `save` for each chunk received; `discard` when the
    run is saved. A kept chunk is used only for a chunk of the very same trials."""

    def __init__(self, run_dir: str | Path, identity: str) -> None:
        self.folder = Path(run_dir) / CHUNKS
        # (numpy's version too: its generators and arithmetic make the numbers, and a run must not mix
        # chunks of two versions)
        self.identity = f"{identity} numpy {np.__version__}"
        self._kept: dict[tuple[int, int], Path] = {}
        self.unreadable = 0  # kept files found damaged by `open` (removed: those chunks are computed)

    def open(self, chunks: Sequence[Chunk]) -> int:
        """Take stock of the folder for a run cut into `chunks`: kept chunks of another identity or other
        trials are removed, and so are files that do not read back whole (every member's checksum and
        every array the index names). Returns the number of chunks kept. The folder itself is made by
        the first `save` (or `mark`), so a run the batch never reached leaves nothing behind."""
        wanted = {(c.start, c.stop) for c in chunks}
        self._kept.clear()
        self.unreadable = 0
        if not self.folder.is_dir():
            return 0
        clean_temporaries(self.folder)
        try:
            same = (self.folder / _IDENTITY).read_text().strip() == self.identity
        except (OSError, UnicodeDecodeError):
            same = False
        if not same:
            self.discard()
            return 0
        for path in sorted(self.folder.iterdir()):
            m = _NAME.match(path.name)
            if m is None:
                continue
            start, stop = int(m.group(1)), int(m.group(2))
            if (start, stop) in wanted and _whole(path, start, stop):
                self._kept[(start, stop)] = path
                continue
            path.unlink(missing_ok=True)
            self.unreadable += (start, stop) in wanted
        return len(self._kept)

    def begun(self) -> bool:
        """Whether chunks of this run (its identity) are kept: a batch began it and was stopped. Nothing
        is read but the identity, and nothing removed."""
        try:
            return (self.folder / _IDENTITY).read_text().strip() == self.identity
        except (OSError, UnicodeDecodeError):
            return False

    def mark(self) -> None:
        """Record that a batch has begun this run (its identity, with no chunk yet), so that `begun` holds
        from now on: a batch that replaces another file's run says so before its first chunk arrives."""
        self.folder.mkdir(parents=True, exist_ok=True)
        atomic_write(self.folder / _IDENTITY, lambda f: f.write(self.identity.encode()))

    def has(self, chunk: Chunk) -> bool:
        """Whether a chunk of exactly these trials is kept."""
        return (chunk.start, chunk.stop) in self._kept

    def load(self, chunk: Chunk) -> ChunkResult:
        """The kept result of `chunk` (`has(chunk)` must hold)."""
        path = self._kept[(chunk.start, chunk.stop)]
        try:
            with np.load(path, allow_pickle=False) as npz:
                index = _read_index(npz)

                def section(names: dict[str, str]) -> dict[str, np.ndarray]:
                    return {k: npz[a] for k, a in names.items()}

                return ChunkResult(
                    start=int(index["start"]),
                    stop=int(index["stop"]),
                    contracts={cid: section(fs) for cid, fs in index["contracts"].items()},
                    year_arrays=section(index["year_arrays"]),
                    trial_arrays=section(index["trial_arrays"]),
                    events=None if index["events"] is None else section(index["events"]),
                )
        except Exception as exc:  # (checked whole by `open`: changed on the disk since)
            raise ChunkFileError(
                f"{path}: a kept chunk of an interrupted run cannot be read back ({exc}); remove the "
                f"folder {self.folder} and run the batch again"
            ) from exc

    def save(self, part: ChunkResult) -> None:
        """Keep a chunk result just received (written whole under its final name, or not at all)."""
        if not self.folder.is_dir():  # (the first chunk of the run)
            self.mark()
        index, arrays = _arrays_of(part)
        arrays[_INDEX] = np.array(json.dumps(index))
        path = self.folder / _file_name(part.start, part.stop)
        atomic_write(path, lambda f: np.savez(f, **arrays), sync=False)
        self._kept[(part.start, part.stop)] = path

    def discard(self) -> None:
        """Remove the checkpoints (the run is saved, or must be computed afresh)."""
        shutil.rmtree(self.folder, ignore_errors=True)
        self._kept.clear()


def discard_chunks(run_dir: str | Path) -> None:
    """Remove a run folder's checkpoints, whatever their identity."""
    shutil.rmtree(Path(run_dir) / CHUNKS, ignore_errors=True)
