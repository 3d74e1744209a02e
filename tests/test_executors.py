"""The local process pool stops cleanly when a batch is interrupted (`ProcessPool.close(abandon=True)`)."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from riskmodel.engine.executors import DaskExecutor, InProcess, ProcessPool, make_executor

# A worker stopped while it sends a result leaves the pool's manager thread reading the rest of the
# message. The script puts the pool in that state for sure: a result's header (1,000 bytes to come)
# and 10 bytes of it, written to the result pipe, then abandons the pool as Ctrl-C does and exits.
SCRIPT = textwrap.dedent(
    """
    import struct, sys, threading, time
    from riskmodel.engine.executors import ProcessPool, _call_with_shared

    def task(shared, t):
        return t

    pool = ProcessPool(2)
    inner = pool._pool(None)
    assert inner.submit(_call_with_shared, task, 1).result(timeout=60) == 1  # (workers up, thread running)
    inner._result_queue._writer._send(struct.pack("!i", 1000) + b"x" * 10)
    time.sleep(0.5)  # (the manager thread is now waiting for the other 990 bytes)
    pool.close(abandon=True)
    # its threads have ended when `close` returns (the interpreter's exit would otherwise race them)
    alive = [t.name for t in threading.enumerate() if t is not threading.main_thread()]
    print("alive:", alive, flush=True)
    sys.exit(1 if alive else 0)
    """
)


@pytest.mark.parametrize("half_sent", [True, False], ids=["a result half sent", "workers idle"])
def test_an_abandoned_pool_has_ended_its_threads_when_close_returns(half_sent):
    """A half-sent result: before the fix the manager thread waited for ever and the interpreter with it
    (a batch printed "interrupted" after Ctrl-C and then hung). Either way, the thread must have ended
    when `close` returns: left to finish during the interpreter's exit, it closed its wake-up pipe while
    the exit was writing to it, and the batch printed a traceback after "interrupted"."""
    script = SCRIPT if half_sent else SCRIPT.replace("inner._result_queue._writer._send(", "(")
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=90)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "alive: []" in proc.stdout
    assert "Traceback" not in proc.stderr and "Exception ignored" not in proc.stderr


ORPHANS = textwrap.dedent(
    """
    import os, sys, time
    from riskmodel.engine.executors import ProcessPool, _call_with_shared

    def task(shared, t):
        time.sleep(120)

    pool = ProcessPool(2)
    inner = pool._pool(None)
    futures = [inner.submit(_call_with_shared, task, i) for i in range(4)]
    time.sleep(1.0)  # (the workers are up and busy)
    print(" ".join(str(p) for p in inner._processes), flush=True)
    time.sleep(120)
    """
)


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the parent-death signal is Linux's")
def test_workers_stop_when_the_batch_is_killed_outright():
    """SIGKILL (or the out-of-memory killer) to the batch process alone: its workers used to wait for ever,
    holding their memory; they now get SIGTERM from the kernel when it dies."""
    proc = subprocess.Popen([sys.executable, "-c", ORPHANS], stdout=subprocess.PIPE, text=True)
    try:
        workers = [int(p) for p in proc.stdout.readline().split()]
        assert len(workers) == 2 and all(_alive(w) for w in workers)
        proc.kill()
        proc.wait(timeout=30)
        deadline = time.monotonic() + 20
        while any(_alive(w) for w in workers) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not any(_alive(w) for w in workers)
    finally:
        proc.kill()
        for w in workers if "workers" in locals() else []:
            with contextlib.suppress(ProcessLookupError):
                os.kill(w, signal.SIGKILL)


def test_a_number_of_workers_is_an_int_from_1_to_4_per_cpu(monkeypatch):
    """`ProcessPool(0)` started one process per CPU, `ProcessPool(-1)` one, `ProcessPool(2.5)` failed deep in
    multiprocessing, and no number was too many, where the command line's ``--workers`` stops at 4 per
    CPU. The executors now take an int from 1 to that bound (`max_workers`, which the command line
    shares) or None, and refuse anything else when they are made, before a process or a cluster starts
    (3 CPUs here: 12 allowed, 13 refused)."""
    import argparse

    from riskmodel.arguments import max_workers
    from riskmodel.cli.run import worker_count

    monkeypatch.setattr("os.cpu_count", lambda: 3)
    assert max_workers() == 12 and worker_count("12") == 12 and ProcessPool(12).workers == 12
    assert ProcessPool().workers == 3 and ProcessPool(np.int64(2)).workers == 2
    with pytest.raises(argparse.ArgumentTypeError, match="must be at most 12"):
        worker_count("13")
    allowed = re.escape("must be an int from 1 to 12 (4 per CPU of this machine, which has 3), or None")
    for wrong in (0, -1, 13):
        with pytest.raises(ValueError, match=f"^workers {allowed} for one per CPU, got {wrong}$"):
            ProcessPool(wrong)
    whole = "; an int is a whole number written without a decimal point: 5, not 5.0"
    for wrong, kind in ((2.5, f"a float{whole}"), ("2", "a str"), (True, "a bool")):
        with pytest.raises(
            TypeError, match=f"^workers {allowed} .*, got {re.escape(repr(wrong))} \\({kind}\\)$"
        ):
            ProcessPool(wrong)
    # Dask's local cluster: the same bound; and an address or a local cluster, not both
    with pytest.raises(ValueError, match=f"^local_workers {allowed} for 2, got 0$"):
        DaskExecutor(local_workers=0)
    with pytest.raises(TypeError, match=f"^local_workers {allowed} for 2, got 2.5 \\(a float{whole}\\)$"):
        DaskExecutor(local_workers=2.5)
    with pytest.raises(ValueError, match=r"^give address .* or local_workers .*, not both"):
        DaskExecutor(address="tcp://10.0.0.5:8786", local_workers=2)
    with pytest.raises(
        TypeError, match=r"^address must be a Dask scheduler address .*, got 8786 \(an int\)$"
    ):
        DaskExecutor(address=8786)
    # (`make_executor(dask_local=0)` made a process pool: 0 read as "no Dask")
    with pytest.raises(ValueError, match=f"^dask_local {allowed}, got 0$"):
        make_executor(dask_local=0)
    with pytest.raises(ValueError, match=r"^give one of workers, scheduler and dask_local, not several"):
        make_executor(workers=2, dask_local=2)
    assert isinstance(make_executor(1), InProcess) and make_executor().workers == 3


@pytest.mark.parametrize("address", ["tcp://host", "host:port", "10.0.0.5", "host:99999", "http//h:1"])
def test_a_scheduler_address_is_checked_by_the_api_as_by_the_command_line(address):
    """`DaskExecutor(address="tcp://host")` was handed to Dask's client as it was, which tried to connect
    for 30 s before it failed ("Timed out trying to connect"), where `--scheduler tcp://host` is refused
    at once. The executor now refuses it when it is made, before Dask is imported, by the rule and in
    the words of the command line (one function); `make_executor` names its own argument."""
    import argparse

    from riskmodel.cli.run import scheduler_address

    with pytest.raises(argparse.ArgumentTypeError) as cli:
        scheduler_address(address)
    said = f"not a scheduler address: {address!r}; give [tcp://]HOST:PORT, e.g. tcp://10.0.0.5:8786"
    assert str(cli.value).startswith(said)
    with pytest.raises(ValueError) as api:
        DaskExecutor(address=address)
    assert str(api.value) == f"address: {cli.value}"
    with pytest.raises(ValueError) as made:
        make_executor(scheduler=address)
    assert str(made.value) == f"scheduler: {cli.value}"


def _scaled(shared: int, task: int) -> int:
    return shared * task


def test_an_in_process_cluster_is_reached_through_its_address():
    """`LocalCluster(processes=False)`'s scheduler is at ``inproc://HOST/PID/N``, which Dask's own client
    connects to: `DaskExecutor(address=...)` refused it as no ``HOST:PORT``. The API takes it now and runs
    tasks there; the command line, a process of its own that such an address cannot reach, refuses it in
    words that say why (one rule, `scheduler_address_problem`, for both)."""
    import argparse

    from dask.distributed import LocalCluster

    from riskmodel.cli.run import scheduler_address

    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None) as cluster:
        address = cluster.scheduler_address
        assert address.startswith("inproc://")
        with DaskExecutor(address=address) as executor:
            assert list(executor.map(_scaled, 3, [1, 2, 5])) == [3, 6, 15]
            assert executor.name == f"dask({address}, 1 workers)"
        with make_executor(scheduler=address) as executor:
            assert list(executor.map(_scaled, 2, [4])) == [8]
    with pytest.raises(argparse.ArgumentTypeError) as cli:
        scheduler_address(address)
    assert str(cli.value) == (
        f"{address!r} is the address of an in-process cluster (inproc://), which only the Python process "
        "that made it can reach, not this command; give [tcp://]HOST:PORT, e.g. tcp://10.0.0.5:8786 (the "
        "address `dask scheduler` prints)"
    )


@pytest.mark.parametrize(
    "address", ["[fe80::1%eth0]:8786", "tcp://[fe80::1%2]:8786", "ucxx://10.0.0.5:8786", "ucx://h:1"]
)
def test_addresses_dask_accepts_are_accepted_by_the_api_and_the_command_line(address):
    """An IPv6 address with its scope (``[fe80::1%eth0]:8786``, a link-local scheduler) and the ``ucxx``
    protocol are Dask's, and were refused as no scheduler address."""
    from riskmodel.arguments import check_scheduler_address
    from riskmodel.cli.run import scheduler_address

    assert check_scheduler_address(address) == scheduler_address(address) == address


@pytest.mark.parametrize(
    "address", ["inproc://host", "inproc://h/pid/1", "[fe80::1%]:8786", "[fe80::1%eth0]", "ucxx://h"]
)
def test_an_address_near_an_accepted_one_is_still_refused_at_once(address):
    import argparse

    from riskmodel.arguments import check_scheduler_address
    from riskmodel.cli.run import scheduler_address

    said = f"not a scheduler address: {address!r}; give [tcp://]HOST:PORT"
    with pytest.raises(ValueError, match=f"^address: {re.escape(said)}"):
        check_scheduler_address(address)
    with pytest.raises(argparse.ArgumentTypeError, match=f"^{re.escape(said)}"):
        scheduler_address(address)
