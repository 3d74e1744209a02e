"""A small progress display for long runs: trials done, rate and time left, on stderr.

It stays silent for the first few seconds, so quick runs print nothing, and rewrites one line in
terminals and notebooks alike.
"""

from __future__ import annotations

import sys
import time

__all__ = ["Progress"]


class Progress:
    def __init__(self, total: int, label: str = "", enabled: bool = True, delay_s: float = 3.0) -> None:
        self.total = total
        self.label = label
        self.enabled = enabled
        self.delay_s = delay_s
        self.done = 0
        self._start = time.perf_counter()
        self._last = 0.0
        self._shown = False

    def update(self, n: int) -> None:
        self.done += n
        if not self.enabled:
            return
        now = time.perf_counter()
        elapsed = now - self._start
        if elapsed < self.delay_s or (now - self._last < 0.5 and self.done < self.total):
            return
        self._last = now
        rate = self.done / elapsed if elapsed > 0 else 0.0
        left = (self.total - self.done) / rate if rate > 0 else float("inf")
        sys.stderr.write(
            f"\r{self.label} {self.done:,}/{self.total:,} trials  {rate:,.0f}/s  {left:,.0f} s left   "
        )
        sys.stderr.flush()
        self._shown = True

    def close(self) -> None:
        if self._shown:
            elapsed = time.perf_counter() - self._start
            sys.stderr.write(f"\r{self.label} {self.done:,} trials in {elapsed:,.1f} s{' ' * 30}\n")
            sys.stderr.flush()
