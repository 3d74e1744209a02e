"""Keyed random streams: every draw is tied to fixed integer identities, never to execution order.

In: the run's seed, a stream id (one per model stage), the trial block and optional extra keys (a year,
a state's index in the world table, a peril's CRC32). Out: a `numpy.random.Generator`.

Trials are grouped in blocks of `BLOCK_TRIALS`; a trial's draws are those it gets in a full block (a
short last block draws the full size and slices what it needs, or, where the draws come trial by trial
after every trial's count, draws only its trials' share: the candidates, `incidents.draw_candidates`,
and the background claims), so the number of trials, the chunk size, the number of workers and the
executor never change a draw, and two scenarios run with the same seed share common random numbers
stream by stream.
"""

from __future__ import annotations

import zlib

import numpy as np

from riskmodel.scenario.schema import BLOCK_TRIALS

__all__ = ["BLOCK_TRIALS", "Stream", "generator", "key_of"]


class Stream:
    """Stream ids: fixed integers, one per use. Never renumber: it would change every result."""

    CLIMATE = 1  # the common geopolitical factor Z per trial
    ADOPTION = 2  # idiosyncratic join latents per (trial, state)
    RECOGNITION = 3  # certifying flags and port acceptance per (trial, scheme, state)
    PRICE = 4  # Russian cargo price level per (trial, year)
    DESIGNATION = 5  # scheme and vessel designations per (trial, year)
    CANDIDATES = 6  # candidate tanker events per (trial, year)
    BACKGROUND = 7  # non-tanker IG background events per (trial, year)
    PERIL = 8  # user-defined perils, keyed by CRC32 of the peril id
    CAPITAL = 9  # scheme recapitalisation draws per (trial, year), keyed by scheme id
    DETENTION = 10  # detentions at enforcing zones per (trial, year)
    PERIL_EVENTS = 11  # the key base of user-peril events' losses and times, keyed by CRC32 of the peril id


def key_of(name: str) -> int:
    """A stable integer key for a string id (CRC32; Python's `hash()` is salted per process)."""
    return zlib.crc32(name.encode("utf-8"))


def generator(seed: int, stream: int, block: int, *keys: int) -> np.random.Generator:
    """The generator of one stream for one trial block (and optional further keys).

    >>> a = generator(1, Stream.CLIMATE, 0).standard_normal(3)
    >>> b = generator(1, Stream.CLIMATE, 0).standard_normal(3)
    >>> bool((a == b).all())
    True
    """
    ss = np.random.SeedSequence(entropy=seed, spawn_key=(stream, block, *keys))
    return np.random.Generator(np.random.PCG64(ss))
