"""Keyed random streams: every draw is tied to fixed integer identities, never to execution order.

In: the run's seed, a stream id (one per model stage), the trial block and optional extra keys (a year,
a state's index in the world table, a peril's CRC32). Out: a `numpy.random.Generator`.

Trials are grouped in blocks of `BLOCK_TRIALS`; a trial's draws are those it gets in a full block (a
short last block draws the full size and slices what it needs, or, where the draws come trial by trial
after every trial's count, draws only its trials' share: the candidates, `incidents.draw_candidates`,
and the background claims), so the number of trials, the chunk size, the number of workers and the
executor never change a draw, and two scenarios run with the same seed share common random numbers
stream by stream.

Draws made per (trial, year) come year by year: a policy year's draws are keyed by its index in the
horizon (the candidates, the background claims) or follow those of every earlier year in the stream
(`uniforms_by_year`), so a run's first policy years draw the same whatever its horizon: a 1-year run
is the first year of the 5-year run of the same seed, bit for bit.
"""

from __future__ import annotations

import zlib

import numpy as np

from riskmodel.scenario.schema import BLOCK_TRIALS

__all__ = ["BLOCK_TRIALS", "Stream", "generator", "key_of", "uniforms_by_year"]


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


def uniforms_by_year(
    rng: np.random.Generator, block_trials: int, n_years: int, n_trials: int, *inner: int
) -> np.ndarray:
    """Uniforms (n_trials, n_years, *inner) of a block's first `n_trials` trials, drawn year by year.

    Year y's draws for the whole block follow those of years 0 to y − 1, so they do not depend on the
    number of years after it: the same stream gives a shorter horizon the first years of a longer one.

    >>> a = uniforms_by_year(generator(1, Stream.DETENTION, 0), 8, 5, 3)
    >>> b = uniforms_by_year(generator(1, Stream.DETENTION, 0), 8, 2, 3)
    >>> a.shape, bool((a[:, :2] == b).all())
    ((3, 5), True)
    """
    return np.moveaxis(rng.random((n_years, block_trials, *inner)), 0, 1)[:n_trials]
