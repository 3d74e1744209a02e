"""Executors: where chunks of trials (and whole scenarios) run.

In: a function of one task and the ordered list of tasks; the compiled model is passed once per worker,
not once per task. Out: the task results *in task order*, whatever ran them, so a reduction in that
order is bit-identical on every executor.

- `InProcess`: the calling process, one task after another.
- `ProcessPool(workers)`: a local pool of processes (the default); numeric libraries single-threaded.
- `DaskExecutor(address=..., local_workers=...)`: a `dask.distributed` cluster at a scheduler address,
  or a `LocalCluster` it starts itself. Workers need the package installed (docs/batch.md).

A number of local workers is an int from 1 to `riskmodel.arguments.max_workers()` (4 per CPU, as the
command line's ``--workers``), or None for the default; anything else is refused when the executor is made.
"""

from __future__ import annotations

import collections
import contextlib
import os
import signal
import sys
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any, Protocol

from riskmodel.arguments import check_scheduler_address, check_workers

__all__ = ["DaskExecutor", "Executor", "InProcess", "ProcessPool", "make_executor"]

_SINGLE_THREAD = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
_shared: dict[str, Any] = {}


class Executor(Protocol):
    name: str

    def map(self, fn: Callable[[Any, Any], Any], shared: Any, tasks: Sequence[Any]) -> Iterator[Any]:
        """Yield fn(shared, task) for each task, in task order."""
        ...

    def close(self, abandon: bool = False) -> None:
        """Release the workers; with `abandon` (an interruption or an error) without waiting for the tasks
        in flight, whose results nobody will take."""
        ...


def _windowed(submit: Callable[[Any], Any], tasks: Sequence[Any], workers: int) -> Iterator[Any]:
    """The results of `submit(task)` futures in task order, with at most twice `workers` tasks in flight:
    a result waits on the workers only until it is taken, so memory stays flat in the number of tasks.
    A future is let go once its result is taken (`release`, where the future has it: Dask).

    Interrupted (Ctrl-C) or failing while it waits for a result, it attaches to the exception, as
    `salvaged`, the results of the later tasks in flight that are already done, as (task index, result)
    pairs: a caller that keeps what it receives (`batch`) then loses only the tasks still running."""
    window = 2 * max(workers, 1)
    pending = collections.deque((i, submit(t)) for i, t in enumerate(tasks[:window]))
    nxt = len(pending)
    while pending:
        try:
            result = pending[0][1].result()
        except BaseException as exc:
            with contextlib.suppress(Exception):  # (an exception that takes no attribute salvages nothing)
                exc.salvaged = _done_results(list(pending)[1:])  # type: ignore[union-attr]
            raise
        future = pending.popleft()[1]
        if hasattr(future, "release"):
            future.release()
        del future
        if nxt < len(tasks):
            pending.append((nxt, submit(tasks[nxt])))
            nxt += 1
        yield result


def _done_results(in_flight: Sequence[tuple[int, Any]]) -> list[tuple[int, Any]]:
    """(task index, result) of the futures that are done and succeeded."""
    out = []
    for i, future in in_flight:
        try:
            if future.done() and not future.cancelled():
                out.append((i, future.result(timeout=5)))
        except Exception:  # (failed, or no longer reachable: nothing to salvage)
            continue
    return out


class InProcess:
    """Run every task in the calling process."""

    name = "in-process"
    workers = 1

    def map(self, fn: Callable[[Any, Any], Any], shared: Any, tasks: Sequence[Any]) -> Iterator[Any]:
        for task in tasks:
            yield fn(shared, task)

    def close(self, abandon: bool = False) -> None:
        pass

    def __enter__(self) -> InProcess:
        return self

    def __exit__(self, exc_type: object, *exc: object) -> None:
        self.close(abandon=exc_type is not None)


def _die_with(parent: int) -> None:
    """Linux: have the kernel send this worker SIGTERM when the process that started it dies. A batch
    killed outright (SIGKILL, the out-of-memory killer) otherwise left its workers waiting for ever, each
    holding its memory. Elsewhere, or without prctl, nothing is done."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, int(signal.SIGTERM))  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # (it died before the request was made: nothing will be sent)
        os._exit(1)


def _init_worker(shared: Any, parent: int | None = None) -> None:
    if parent is not None:
        _die_with(parent)
    os.environ.update(_SINGLE_THREAD)
    # Ctrl-C reaches the whole process group: the parent handles it (and shuts the pool down), so the
    # workers ignore it instead of each printing a traceback; SIGTERM (the parent's way to stop them)
    # ends a worker at once, whatever handler a forking parent had installed
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _shared["value"] = shared


def _call_with_shared(fn: Callable[[Any, Any], Any], task: Any) -> Any:
    return fn(_shared["value"], task)


class ProcessPool:
    """A local pool of worker processes; the shared object is sent once to each worker.

    `workers`: an int from 1 to `riskmodel.arguments.max_workers()` (4 per CPU), or None for one per CPU;
    anything else (0, a negative number, 2.5) is a `ValueError` or `TypeError` saying so."""

    def __init__(self, workers: int | None = None) -> None:
        self.workers = check_workers(workers) or os.cpu_count() or 1
        self.name = f"process-pool({self.workers})"
        self._pool_of: tuple[Any, ProcessPoolExecutor] | None = None

    def _pool(self, shared: Any) -> ProcessPoolExecutor:
        """The pool whose workers hold `shared`; a new shared object gets a fresh pool."""
        if self._pool_of is None or self._pool_of[0] is not shared:
            self.close()
            pool = ProcessPoolExecutor(self.workers, initializer=_init_worker, initargs=(shared, os.getpid()))
            self._pool_of = (shared, pool)
        return self._pool_of[1]

    def map(self, fn: Callable[[Any, Any], Any], shared: Any, tasks: Sequence[Any]) -> Iterator[Any]:
        pool = self._pool(shared)
        yield from _windowed(lambda t: pool.submit(_call_with_shared, fn, t), tasks, self.workers)

    def close(self, abandon: bool = False) -> None:
        if self._pool_of is None:
            return
        pool = self._pool_of[1]
        self._pool_of = None
        if abandon:
            # the chunks in flight would run to their end before `shutdown` returns, only to be thrown
            # away: stop the workers now (the pool keeps its processes in `_processes`)
            processes = list(getattr(pool, "_processes", {}).values())
            for process in processes:
                process.terminate()
            for process in processes:
                process.join(timeout=10)
            # a worker stopped while it was sending a result leaves the pool's manager thread waiting for
            # the rest of the message, and the interpreter waits for that thread at exit (a hang after
            # Ctrl-C): close this process's copy of the result pipe's writing end, so that the thread
            # reads the end of the pipe instead, takes the pool for broken and ends
            with contextlib.suppress(Exception):
                pool._result_queue._writer.close()  # type: ignore[attr-defined]
            manager = getattr(pool, "_executor_manager_thread", None)
            pool.shutdown(wait=False, cancel_futures=True)
            # ... and let that thread finish its clean-up now: racing the interpreter's exit, it closed its
            # wake-up pipe while the exit was writing to it ("Exception ignored ... Bad file descriptor")
            if manager is not None:
                manager.join(timeout=10)
        else:
            pool.shutdown(cancel_futures=True)

    def __enter__(self) -> ProcessPool:
        return self

    def __exit__(self, exc_type: object, *exc: object) -> None:
        self.close(abandon=exc_type is not None)


class DaskExecutor:
    """Tasks on a `dask.distributed` cluster: at `address` (a scheduler address such as
    ``tcp://10.0.0.5:8786``; of the form ``[protocol://]HOST:PORT``, as the command line's ``--scheduler``,
    or an in-process cluster's ``inproc://...``: `riskmodel.arguments.check_scheduler_address`), or a
    `LocalCluster` of `local_workers` (an int from 1 to `riskmodel.arguments.max_workers()`, or None for
    2). One or the other: a `ValueError` for both."""

    def __init__(self, address: str | None = None, local_workers: int | None = None) -> None:
        local_workers = check_workers(local_workers, "local_workers", none="None for 2")
        address = check_scheduler_address(address, none="None for a local cluster")
        if address is not None and local_workers is not None:
            raise ValueError(
                "give address (a cluster's scheduler) or local_workers (a local cluster), not both: "
                f"got address={address!r} and local_workers={local_workers}"
            )
        from dask.distributed import Client, LocalCluster

        self._cluster = None
        if address is None:
            from riskmodel.engine.dask_plugins import IgnoreCtrlC

            # Its workers are in this process's group, so Ctrl-C at a terminal reaches them: they ignore
            # it (`IgnoreCtrlC`), but only once it is registered: one in the cluster's first second or
            # two may still print their tracebacks.
            self._cluster = LocalCluster(
                n_workers=local_workers or 2,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                env=_SINGLE_THREAD,
            )
            try:
                self.client = Client(self._cluster)
                self.client.register_plugin(IgnoreCtrlC())
            except BaseException:  # (stopped while the client starts: no cluster is left behind)
                self._cluster.close()
                raise
        else:
            self.client = Client(address)
        self.workers = len(self.client.scheduler_info().get("workers", {})) or (local_workers or 1)
        self.name = f"dask({address or 'local'}, {self.workers} workers)"

    def map(self, fn: Callable[[Any, Any], Any], shared: Any, tasks: Sequence[Any]) -> Iterator[Any]:
        shared_future = self.client.scatter(shared, broadcast=True)
        submit = self.client.submit
        yield from _windowed(lambda t: submit(fn, shared_future, t, pure=False), tasks, self.workers)

    def close(self, abandon: bool = False) -> None:
        self.client.close()  # (the cluster cancels what the closed client had asked for)
        if self._cluster is not None:
            self._cluster.close()

    def __enter__(self) -> DaskExecutor:
        return self

    def __exit__(self, exc_type: object, *exc: object) -> None:
        self.close(abandon=exc_type is not None)


def make_executor(
    workers: int | None = None, scheduler: str | None = None, dask_local: int | None = None
) -> Executor:
    """The executor the CLI options ask for: Dask when a scheduler or a local cluster is named, else a
    process pool (one worker runs in-process, which avoids the cost of starting a process). At most one of
    the three; `workers` and `dask_local` as `ProcessPool`'s and `DaskExecutor`'s."""
    check_workers(workers)
    check_workers(dask_local, "dask_local", none="None")
    scheduler = check_scheduler_address(scheduler, "scheduler")
    given = [
        f"{k}={v!r}"
        for k, v in (("workers", workers), ("scheduler", scheduler), ("dask_local", dask_local))
        if v is not None
    ]
    if len(given) > 1:
        raise ValueError(
            f"give one of workers, scheduler and dask_local, not several: got {', '.join(given)}"
        )
    if scheduler is not None or dask_local is not None:
        return DaskExecutor(address=scheduler, local_workers=dask_local)
    if workers == 1:
        return InProcess()
    return ProcessPool(workers)
