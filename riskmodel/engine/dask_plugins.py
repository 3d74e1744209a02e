"""A Dask worker plugin for the workers of the LocalCluster that `DaskExecutor` starts.

In: nothing. Out: `IgnoreCtrlC`, which a client registers once; the scheduler runs its `setup` on every
worker, those that join or restart later included. Imported only with Dask (`executors.DaskExecutor`).
"""

from __future__ import annotations

import contextlib
import signal
from typing import Any

from distributed.diagnostics.plugin import WorkerPlugin


class IgnoreCtrlC(WorkerPlugin):
    """Each worker process ignores Ctrl-C (SIGINT). At a terminal, Ctrl-C reaches the whole process group
    of a LocalCluster, and its workers each printed a traceback, while the batch stops them itself
    (`DaskExecutor.close`)."""

    name = "riskmodel-ignore-ctrl-c"

    def setup(self, worker: Any) -> None:
        with contextlib.suppress(ValueError):  # (not the process's main thread: nothing to change)
            signal.signal(signal.SIGINT, signal.SIG_IGN)
