"""The local process pool stops cleanly when a batch is interrupted (`ProcessPool.close(abandon=True)`)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

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
