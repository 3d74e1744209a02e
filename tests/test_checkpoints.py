"""An interrupted batch keeps the chunks it has received (`riskmodel.checkpoints`): run again, it computes
only the chunks it did not have and ends with the results of an uninterrupted run, bit for bit."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from perils_book import BASE, write

from riskmodel import batch, store
from riskmodel.checkpoints import CHUNKS, RunChunks
from riskmodel.engine.chunk import make_chunks, run_chunk
from riskmodel.engine.simulate import compile_scenario, simulate
from riskmodel.scenario import load_scenario, with_overrides
from tests.test_reproducibility import assert_identical

BLOCK = 4096


class Stopping:
    """Runs tasks in this process and records them; raises KeyboardInterrupt (as Ctrl-C would) when asked
    for the task after the first `after`."""

    name = "in-process"
    workers = 1

    def __init__(self, after: int | None = None) -> None:
        self.after = after
        self.tasks: list = []

    def map(self, fn, shared, tasks):
        for i, task in enumerate(tasks):
            if i == self.after:
                raise KeyboardInterrupt
            self.tasks.append(task)
            yield fn(shared, task)

    def close(self, abandon: bool = False) -> None:
        pass


def chunk_files(run_dir: Path) -> list[str]:
    return sorted(p.name for p in (run_dir / CHUNKS).glob("*.npz"))


def computed(ex: Stopping) -> list[tuple[tuple[int, ...], int]]:
    """(runs, first trial) of every task the executor computed."""
    return [(ks, c.start) for ks, c in ex.tasks]


def interrupt(specs, out: Path, after: int, **kw) -> Stopping:
    ex = Stopping(after)
    with pytest.raises(KeyboardInterrupt):
        batch.run_batch(specs, out, ex, progress=False, echo=None, **kw)
    return ex


@pytest.fixture(scope="module")
def perils(tmp_path_factory):
    """A perils-only scenario of five chunks, and its results run alone."""
    doc = {**BASE, "simulation": {**BASE["simulation"], "trials": 5 * BLOCK, "chunk_trials": BLOCK}}
    path = write(tmp_path_factory.mktemp("perils"), "base.yaml", doc)
    scenario = load_scenario(path)
    return path, scenario, simulate(scenario, progress=False)


def test_an_interrupted_run_resumes_from_the_chunks_it_received(perils, tmp_path):
    path, scenario, alone = perils
    spec = batch.make_spec("base", scenario, path)
    out = tmp_path / "out"
    interrupt([spec], out, after=3)
    run_dir = out / "base"
    assert not (run_dir / store.MANIFEST).exists()
    assert chunk_files(run_dir) == [f"{i * BLOCK:012d}-{(i + 1) * BLOCK:012d}.npz" for i in range(3)]

    said: list[str] = []
    ex = Stopping()
    (outcome,) = batch.run_batch([spec], out, ex, progress=False, echo=said.append)
    assert computed(ex) == [((0,), 3 * BLOCK), ((0,), 4 * BLOCK)]  # only the chunks not received
    assert outcome.status == "computed"
    assert any("resumed: 3 of 5 chunks kept from an interrupted batch" in line for line in said), said
    assert_identical(alone, store.load_results(run_dir))
    assert not (run_dir / CHUNKS).exists()  # removed once the run is saved


def test_a_group_of_runs_resumes_each_run_from_its_own_chunks(tmp_path):
    """Runs computed together (a capital point shares the first run's world; a join-probability point
    takes the trials whose join years are the same from it): a chunk one of them lacks is computed for
    that run alone, and every run ends with its results alone."""
    rv = with_overrides(load_scenario("scenarios/rv_pool.yaml"), {"horizon.years": 1})
    points = {
        "first": rv,
        "capital": with_overrides(rv, {"schemes.rv_pool.capital_usd_m": 300}),
        "iran": with_overrides(rv, {"schemes.rv_pool.candidates.IRN.p_join": 0.3}),
    }
    specs = [
        batch.make_spec(name, with_overrides(s, {"simulation.chunk_trials": BLOCK}), None, trials=3 * BLOCK)
        for name, s in points.items()
    ]
    out = tmp_path / "out"
    interrupt(specs, out, after=2)
    for name in points:
        assert len(chunk_files(out / name)) == 2, name
    # the capital point's second chunk is lost (as if its file had never been written)
    (out / "capital" / CHUNKS / f"{BLOCK:012d}-{2 * BLOCK:012d}.npz").unlink()

    ex = Stopping()
    batch.run_batch(specs, out, ex, progress=False, echo=None)
    assert computed(ex) == [((1,), BLOCK), ((0, 1, 2), 2 * BLOCK)]
    for spec in specs:
        assert_identical(simulate(spec.scenario, progress=False), store.load_results(out / spec.name))
        assert not (out / spec.name / CHUNKS).exists()


def name(i: int, j: int | None = None) -> str:
    """The file of the chunk of blocks i..j-1 (j = i + 1 by default)."""
    return f"{i * BLOCK:012d}-{(i + 1 if j is None else j) * BLOCK:012d}.npz"


def test_chunks_of_another_identity_or_other_trials_are_not_used(perils, tmp_path, monkeypatch):
    path, scenario, _ = perils
    out = tmp_path / "out"
    spec = batch.make_spec("base", scenario, path)
    interrupt([spec], out, after=2)

    # another seed: the run's identity changes, its kept chunks are thrown away
    other = batch.make_spec("base", scenario, path, seed=99)
    ex = interrupt([other], out, after=1)
    assert computed(ex) == [((0,), 0)]
    assert chunk_files(out / "base") == [name(0)]  # only the new identity's

    # so does another version of numpy (it makes the numbers)
    with monkeypatch.context() as m:
        m.setattr(np, "__version__", "0.0.0")
        interrupt([other], out, after=0)
    assert chunk_files(out / "base") == []

    # other chunk boundaries: a kept chunk is used only for the very same trials, the others are removed
    interrupt([other], out, after=2)
    ex = interrupt([other], out, after=1, chunk_trials=2 * BLOCK)
    assert computed(ex) == [((0,), 0)]
    assert chunk_files(out / "base") == [name(0, 2)]
    # ... and the chunks of a --chunk-trials are used by a batch with the same --chunk-trials
    ex = Stopping()
    batch.run_batch([other], out, ex, progress=False, echo=None, chunk_trials=2 * BLOCK)
    assert computed(ex) == [((0,), 2 * BLOCK), ((0,), 4 * BLOCK)]
    assert_identical(simulate(other.scenario, progress=False), store.load_results(out / "base"))


def test_damaged_or_foreign_chunk_files_are_computed_again(perils, tmp_path):
    """What a power cut before the disk had a file, a damaged disk or a stray file may leave: each is found
    when the batch starts, said, and its chunk computed again."""
    path, scenario, alone = perils
    spec = batch.make_spec("base", scenario, path)
    out = tmp_path / "out"
    interrupt([spec], out, after=4)
    folder = out / "base" / CHUNKS
    (folder / name(0)).write_bytes(b"")  # empty
    data = bytearray((folder / name(1)).read_bytes())
    data[len(data) // 2] ^= 0xFF  # one byte flipped in an array
    (folder / name(1)).write_bytes(bytes(data))
    with open(folder / name(2), "wb") as f:  # an array saved under a chunk's name
        np.save(f, np.arange(10.0))
    (folder / name(4)).write_bytes((folder / name(3)).read_bytes())  # another chunk's trials
    said: list[str] = []
    ex = Stopping()
    batch.run_batch([spec], out, ex, progress=False, echo=said.append)
    assert computed(ex) == [((0,), i * BLOCK) for i in (0, 1, 2, 4)]
    assert any("resumed: 1 of 5 chunks kept" in s and "4 unreadable, computed again" in s for s in said)
    assert_identical(alone, store.load_results(out / "base"))


def test_force_drops_every_kept_chunk(perils, tmp_path):
    path, scenario, alone = perils
    spec = batch.make_spec("base", scenario, path)
    out = tmp_path / "out"
    interrupt([spec], out, after=3)
    ex = Stopping()
    batch.run_batch([spec], out, ex, progress=False, echo=None, force=True)
    assert computed(ex) == [((0,), i * BLOCK) for i in range(5)]
    assert_identical(alone, store.load_results(out / "base"))


def test_only_runs_the_batch_reached_have_chunks_and_finished_runs_have_none(perils, tmp_path):
    path, scenario, _ = perils
    first, second = (batch.make_spec(n, scenario, path) for n in ("first", "second"))
    out = tmp_path / "out"
    interrupt([first, second], out, after=7)  # the first run saved, two chunks of the second received
    assert not (out / "first" / CHUNKS).exists()
    assert chunk_files(out / "second") == [name(0), name(1)]
    # a batch stopped after a run's manifest was written, before its chunks were removed
    (out / "first" / CHUNKS).mkdir()
    (out / "first" / CHUNKS / name(0)).write_bytes((out / "second" / CHUNKS / name(0)).read_bytes())
    third = batch.make_spec("third", scenario, path)
    interrupt([first, third], out, after=0)
    assert not (out / "first" / CHUNKS).exists()  # a finished run's leftovers are removed
    assert not (out / "third").exists()  # a run the batch never reached leaves no folder


def test_a_run_of_one_chunk_keeps_no_chunk(perils, tmp_path, monkeypatch):
    path, scenario, _ = perils
    kept = []
    monkeypatch.setattr(RunChunks, "save", lambda self, part: kept.append(part.start))
    spec = batch.make_spec("base", scenario, path, trials=BLOCK)
    batch.run_batch([spec], tmp_path / "out", Stopping(), progress=False, echo=None)
    assert kept == []
    assert not (tmp_path / "out" / "base" / CHUNKS).exists()


def test_a_group_stopped_while_its_runs_are_saved_computes_nothing_again(tmp_path):
    """Runs of one chunk computed together finish together and are saved one after another: stopped after
    the first is saved, the batch has kept the others' chunk, and the next run computes nothing."""
    rv = with_overrides(load_scenario("scenarios/rv_pool.yaml"), {"horizon.years": 1})
    specs = [
        batch.make_spec(
            f"capital_{c}", with_overrides(rv, {"schemes.rv_pool.capital_usd_m": c}), None, trials=BLOCK
        )
        for c in (1000, 300, 100)
    ]
    out = tmp_path / "out"

    def stop(spec, results):
        raise KeyboardInterrupt

    ex = Stopping()
    with pytest.raises(KeyboardInterrupt):
        batch.run_batch(specs, out, ex, progress=False, echo=None, on_results=stop)
    assert computed(ex) == [((0, 1, 2), 0)]  # one task: the group's only chunk
    assert (out / "capital_1000" / store.MANIFEST).exists()
    assert [chunk_files(out / s.name) for s in specs[1:]] == [[name(0)], [name(0)]]

    ex = Stopping()
    batch.run_batch(specs, out, ex, progress=False, echo=None)
    assert computed(ex) == []
    for spec in specs:
        assert_identical(simulate(spec.scenario, progress=False), store.load_results(out / spec.name))


def test_a_kept_chunk_reads_back_exactly(tmp_path):
    """Every array of a chunk result, the event table's included, with its dtype and values."""
    doc = {**BASE, "simulation": {**BASE["simulation"], "keep_events": True}}
    model = compile_scenario(load_scenario(write(tmp_path, "s.yaml", doc)), trials=BLOCK)
    chunk = make_chunks(BLOCK, BLOCK)[0]
    part = run_chunk(model, chunk)
    assert part.events and part.contracts and part.year_arrays
    chunks = RunChunks(tmp_path / "run", "identity")
    chunks.open([chunk])
    chunks.save(part)
    reopened = RunChunks(tmp_path / "run", "identity")
    assert reopened.open([chunk]) == 1
    back = reopened.load(chunk)
    assert (back.start, back.stop) == (part.start, part.stop)
    for name in ("year_arrays", "trial_arrays", "events"):
        mine, theirs = getattr(part, name), getattr(back, name)
        assert mine.keys() == theirs.keys(), name
        for k, v in mine.items():
            assert theirs[k].dtype == v.dtype and np.array_equal(theirs[k], v), (name, k)
    assert part.contracts.keys() == back.contracts.keys()
    for cid, figures in part.contracts.items():
        for f, v in figures.items():
            assert back.contracts[cid][f].dtype == v.dtype and np.array_equal(back.contracts[cid][f], v)
    assert RunChunks(tmp_path / "run", "another identity").open([chunk]) == 0


def test_the_cli_says_how_to_resume_when_stopped(perils, tmp_path, monkeypatch, capsys):
    from riskmodel.cli import main

    path, _, _ = perils

    def stop(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(batch, "simulate_many", stop)
    assert main(["run", str(path), "--out", str(tmp_path / "out"), "--workers", "1"]) == 130
    err = capsys.readouterr().err
    assert "chunks received so far are kept" in err and "run the same command again to resume" in err
    # --force again would recompute what was saved and drop the chunks kept
    assert main(["run", str(path), "--out", str(tmp_path / "out"), "--workers", "1", "--force"]) == 130
    assert "run the same command again without --force to resume" in capsys.readouterr().err


class _Future:
    """A finished (or running) future: `result` returns its value or raises its exception."""

    def __init__(self, value=None, *, done: bool = True, error: BaseException | None = None) -> None:
        self.value, self._done, self.error = value, done, error

    def done(self) -> bool:
        return self._done

    def cancelled(self) -> bool:
        return False

    def result(self, timeout=None):
        if self.error is not None:
            raise self.error
        return self.value


def test_a_stopped_executor_hands_over_the_results_already_done():
    """Ctrl-C while the pool waits for the first task in flight: the later tasks already done (1 and 3 of
    the four in flight) come with the interruption; a running or failed one does not."""
    from riskmodel.engine.executors import _windowed

    futures = {
        0: _Future(error=KeyboardInterrupt()),
        1: _Future("one"),
        2: _Future(done=False),
        3: _Future("three"),
        4: _Future("four"),  # (not submitted: beyond the window of two workers)
    }
    stream = _windowed(lambda t: futures[t], [0, 1, 2, 3, 4], workers=2)
    with pytest.raises(KeyboardInterrupt) as stopped:
        next(stream)
    assert stopped.value.salvaged == [(1, "one"), (3, "three")]
    futures[0] = _Future("zero")
    futures[3] = _Future(error=ValueError("failed in a worker"))
    stream = _windowed(lambda t: futures[t], [0, 1, 2, 3], workers=2)
    assert next(stream) == "zero"
    assert next(stream) == "one"
    futures[2].error = KeyboardInterrupt()
    with pytest.raises(KeyboardInterrupt) as stopped:
        next(stream)
    assert stopped.value.salvaged == []


class Salvaging(Stopping):
    """Hands over the first task's results, then stops as a pool does when the results of tasks 2 and 3
    were in while it waited for task 1 (`executors._windowed`)."""

    def map(self, fn, shared, tasks):
        self.tasks.append(tasks[0])
        yield fn(shared, tasks[0])
        stop = KeyboardInterrupt()
        stop.salvaged = [(i, fn(shared, tasks[i])) for i in (2, 3)]
        raise stop


def test_an_interrupted_batch_keeps_the_chunks_done_out_of_order(perils, tmp_path):
    path, scenario, alone = perils
    spec = batch.make_spec("base", scenario, path)
    out = tmp_path / "out"
    with pytest.raises(KeyboardInterrupt):
        batch.run_batch([spec], out, Salvaging(), progress=False, echo=None)
    assert chunk_files(out / "base") == [name(0), name(2), name(3)]
    ex = Stopping()
    batch.run_batch([spec], out, ex, progress=False, echo=None)
    assert computed(ex) == [((0,), BLOCK), ((0,), 4 * BLOCK)]
    assert_identical(alone, store.load_results(out / "base"))
