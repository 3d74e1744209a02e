"""One chunk of trials through every stage: adoption → market → sanctions → incidents → severity →
liability → contracts.

In: the `CompiledModel` and a `Chunk` (a range of trials made of whole random-number blocks).
Out: a `ChunkResult` of per-(trial, year) arrays (year loss tables per contract, payer ledger, market,
sanctions, counts) and, when asked, the event loss table. Each block of trials draws from its own keyed
streams, so the result of a trial does not depend on the chunk it ran in.

How a block runs (`run_block`): the year-level stages (adoption, market, sanctions) and the candidates of
each year are drawn for the whole block (a short last block draws only its own trials' candidates and
background claims, the same draws); the candidates are thinned and the real events put in (trial,
year, time) order. Severity, the waterfall, the event loss table and the contracts then run on slices of
the block's trials of about `SLICE_EVENTS` events, so that their many passes over per-event arrays stay
in cache. Every running total within a trial-year is summed on its own (`liability.cumsum_runs`) and
every per-trial-year sum adds its own events in time order, so the results do not depend on the slices
(nor on the chunk). A scenario without the world model draws each block's peril events from the block's
streams and runs the events of groups of blocks (about `PERIL_EVENTS` events) through one event table
each (`_perils_chunk`). `run_chunk` joins a chunk's results; `run_chunk_parts` hands them over part by
part (blocks, or groups of blocks) for a caller that joins them itself (`simulate`). `stage_clock` times
the stages for benchmarks.

Several models with the same `world_key` (a sweep of what comes after the world: capital, reinsurance,
contract terms) can run a chunk together (`run_chunk_group`): each block's world is drawn once and shared,
read-only, by all of them; so are each slice's damage (`damage_key`), its obligations before capacity
(`obligations_key`: models that differ in a scheme's capital or reinsurance) and, for models that differ
only in their contracts' terms, each slice's waterfall and event loss table (`table_key`). A model that
differs from an earlier one only in the states' join probabilities (`join_key`) runs its event stages on
the trials whose join years differ and takes the others' results from it (`_changed_steps`).
"""

from __future__ import annotations

import hashlib
import pickle
import time
from collections import Counter
from collections.abc import Generator, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from typing import Any, NamedTuple

import numpy as np

from riskmodel.adoption import draw_latents, join_years
from riskmodel.arrays import stable_argsort
from riskmodel.engine.compile import LARGE_SPILL_T, CompiledModel, PerilPlan
from riskmodel.engine.random import BLOCK_TRIALS, Stream, generator, key_of, uniforms_by_year
from riskmodel.incidents import (
    EventUniforms,
    U,
    class_cuts,
    draw_candidates,
    event_keys,
    keyed_uniforms,
    thin_candidates,
)
from riskmodel.liability import CAUSE_MARINE
from riskmodel.market import DOMESTIC, NONE, cover_shares, premium_bases, scheme_takers
from riskmodel.payers import THIRD_PARTY_SOURCES, scheme_of
from riskmodel.reinsurance.terms import EventLossTable, apply_portfolio
from riskmodel.results import CONTRACT_FIELDS
from riskmodel.sanctions import BLOCS, designated_share, detentions, scheme_designations
from riskmodel.scenario.schema import MAX_YEARS
from riskmodel.severity import Damage, event_damage
from riskmodel.waterfall import (
    EventRecord,
    IGClaims,
    Obligations,
    obligation_terms,
    obligations,
    route_events,
)

__all__ = [
    "DAMAGE_FIELDS",
    "TABLE_FIELDS",
    "WORLD_FIELDS",
    "Chunk",
    "ChunkResult",
    "StageClock",
    "make_chunks",
    "run_block",
    "run_chunk",
    "run_chunk_group",
    "damage_key",
    "frame_key",
    "join_key",
    "run_chunk_parts",
    "ceded_sources",
    "obligations_key",
    "stage_clock",
    "table_key",
    "world_key",
]


@dataclass(frozen=True)
class Chunk:
    index: int
    start: int  # first global trial
    stop: int  # one past the last global trial


def make_chunks(n_trials: int, chunk_trials: int) -> list[Chunk]:
    """Split trials into chunks of whole blocks (the last may be short)."""
    if chunk_trials % BLOCK_TRIALS:
        raise ValueError(f"chunk_trials must be a multiple of {BLOCK_TRIALS}, got {chunk_trials}")
    return [
        Chunk(i, start, min(start + chunk_trials, n_trials))
        for i, start in enumerate(range(0, n_trials, chunk_trials))
    ]


@dataclass
class ChunkResult:
    """Per (trial, year) arrays of one chunk; `year_arrays` keys are stable names (see `results`)."""

    start: int
    stop: int
    contracts: dict[str, dict[str, np.ndarray]]  # contract id (and "portfolio") → field → (n, H)
    year_arrays: dict[str, np.ndarray] = field(default_factory=dict)
    trial_arrays: dict[str, np.ndarray] = field(default_factory=dict)
    events: dict[str, np.ndarray] | None = None


class StageClock:
    """Seconds spent in each stage of `run_block`, summed over the blocks it timed (for benchmarks):
    wall-clock `seconds` and this process's `cpu_seconds` (steadier on a shared machine).

    >>> with stage_clock() as clock:
    ...     pass  # run blocks here
    >>> dict(clock.seconds)
    {}
    """

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.cpu_seconds: dict[str, float] = {}
        self.start()

    def start(self) -> None:
        self._wall = time.perf_counter()
        self._cpu = time.process_time()

    def lap(self, stage: str) -> None:
        wall, cpu = time.perf_counter(), time.process_time()
        self.seconds[stage] = self.seconds.get(stage, 0.0) + wall - self._wall
        self.cpu_seconds[stage] = self.cpu_seconds.get(stage, 0.0) + cpu - self._cpu
        self._wall, self._cpu = wall, cpu


class _NoClock:
    def start(self) -> None:
        pass

    def lap(self, stage: str) -> None:
        pass


_clock: StageClock | _NoClock = _NoClock()


@contextmanager
def stage_clock() -> Iterator[StageClock]:
    """Time the stages of every `run_block` in this process while the context is open."""
    global _clock
    clock, previous = StageClock(), _clock
    _clock = clock
    try:
        yield clock
    finally:
        _clock = previous


#: Events handled together after the candidates are drawn: a block's trials are processed in slices of
#: about this many events, so the many passes of severity, waterfall and contracts stay in cache.
SLICE_EVENTS = 1 << 18


def _pick(cum: np.ndarray, row: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Column of the category a uniform falls in, given its row's cumulative weights: the first column
    whose cumulative weight exceeds u (the last column if none does), as
    `searchsorted(cum[row], u, side="right")` clipped to the row, for every uniform at once.

    A guide table of 256 cells per row gives a column at or before the answer; a few vectorised steps
    to the right reach it.

    >>> cum = np.array([[0.5, 1.0, 1.0], [0.2, 0.6, 1.0]])
    >>> _pick(cum, np.array([0, 0, 1, 1]), np.array([0.1, 0.7, 0.1, 0.7]))
    array([0, 1, 0, 2])
    """
    width = cum.shape[1]
    cells = 256
    edges = np.arange(cells) / cells
    guide = np.stack([np.searchsorted(c, edges, side="right") for c in cum])
    np.minimum(guide, width - 1, out=guide)
    flat = cum.ravel()
    base = row * width
    col = guide.ravel()[row * cells + np.minimum((u * cells).astype(np.int64), cells - 1)]
    todo = np.flatnonzero((col < width - 1) & (flat[base + col] <= u))
    while todo.size:
        col[todo] += 1
        step = todo
        todo = step[(col[step] < width - 1) & (flat[base[step] + col[step]] <= u[step])]
    return col


@dataclass
class _Events:
    """Events of one block sorted by (trial, year, time), with `first[t]` the first event of trial t."""

    trial: np.ndarray  # within the block
    year: np.ndarray
    time: np.ndarray
    first: np.ndarray  # (n + 1,)

    def rows(self, a: int, b: int) -> slice:
        return slice(int(self.first[a]), int(self.first[b]))


def _first_of_trial(trial: np.ndarray, n: int) -> np.ndarray:
    first = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(trial, minlength=n), out=first[1:])
    return first


def _peril_draws(
    m: CompiledModel, p: PerilPlan, blocks: list[tuple[int, int]]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The events of a user-defined peril in consecutive blocks of trials: counts, then losses and times.

    In: the (block, number of trials used) of each block, in trial order (whole blocks but for the last).
    Out: the (n, H) counts of all their trials, and per event its cell (trial × H + year, counting from
    the first block's first trial), its time and its loss, in (cell, time) order.

    A trial-year's count inverts the count distribution at one uniform of the block's stream, drawn for
    every year (a `years:` list zeroes counts, it does not move draws); an event's loss and time are
    keyed uniforms of (the peril, its global trial and year, its ordinal in the year), the same in any
    chunking. Two runs that differ in the peril's frequency or severity therefore share their common
    events (`PerilPlan`): common random numbers for a sweep of either.
    """
    H = m.n_years
    counts = []
    for block, n in blocks:
        u = uniforms_by_year(generator(m.seed, Stream.PERIL, block, p.key), BLOCK_TRIALS, H, n)
        c = p.counts(u)
        if not p.years.all():
            c[:, ~p.years] = 0
        counts.append(c)
    all_counts = np.concatenate(counts) if len(counts) > 1 else counts[0]
    per_cell = all_counts.ravel()
    cell = np.repeat(np.arange(per_cell.size), per_cell)
    # an event's identity: its (global trial × MAX_YEARS + year) × 2^31 + its ordinal in the cell, i.e. the
    # cell's offset (its identity × 2^31 less the cell's first event index) + the event's index (below 2^63:
    # at most MAX_TRIALS × MAX_YEARS = 3e9 cells; 2^31 events in one cell would not fit in memory as `cell`
    # above). Not counting cells over the run's horizon: a shorter horizon keeps a longer one's first years.
    first_cell = blocks[0][0] * BLOCK_TRIALS * H
    global_trial, year = np.divmod(np.arange(first_cell, first_cell + per_cell.size, dtype=np.int64), H)
    offset = ((global_trial * MAX_YEARS + year) << 31) - (np.cumsum(per_cell) - per_cell)
    del global_trial, year
    ident = offset[cell]
    ident += np.arange(cell.size, dtype=np.int64)
    base = generator(m.seed, Stream.PERIL_EVENTS, 0, p.key).integers(0, 2**63, dtype=np.uint64)
    u = keyed_uniforms(event_keys(base, ident), [0, 1])  # an event's loss and time
    x, t = p.losses(u[:, 0]), u[:, 1]
    loss, time_ = np.empty(cell.size), np.empty(cell.size)
    at = row = 0
    for c in counts:  # sort each block's events by (cell, time), in the block's own numbers
        size = int(c.sum())
        rows = slice(at, at + size)
        key = cell[rows] - row * H + t[rows]  # the block's cell (an exact integer) + time
        order = stable_argsort(key)  # grouped by cell already: a cheap sort
        np.take(x[rows], order, out=loss[rows], mode="clip")  # (clip: the indices are valid; no buffer)
        np.take(t[rows], order, out=time_[rows], mode="clip")
        at += size
        row += c.shape[0]
    return all_counts, cell, time_, loss


def _peril_events(
    m: CompiledModel, p: PerilPlan, block: int, n: int, first: bool = True
) -> tuple[_Events, np.ndarray]:
    """User-defined peril events of trials [0, n) of one block, sorted by (trial, year, time), and their
    losses (`first`: index the events by trial)."""
    counts, cell, time_, loss = _peril_draws(m, p, [(block, n)])
    H = m.n_years
    trial, year = (cell, np.zeros_like(cell)) if H == 1 else np.divmod(cell, H)
    if first:
        starts = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(counts.sum(axis=1), out=starts[1:])
    return _Events(trial, year, time_, starts if first else trial[:0]), loss


def _group_sum(values: np.ndarray, group: np.ndarray, n_cells: int) -> np.ndarray:
    # (float64 even without events: bincount of nothing is an integer array)
    return np.bincount(group, weights=values, minlength=n_cells).astype(np.float64, copy=False)


class _Cells:
    """Sums per cell of per-event values, for events whose cell ids are sorted (non-decreasing).

    Each non-empty cell's run of events is added up by `np.add.reduceat`: a cell's sum depends only on
    its own values in their order, not on the other cells, and it reads the values once, in order (several
    times faster than `np.bincount`, which scatters).

    >>> _Cells(np.array([0, 0, 2]), 4).sum(np.array([1.0, 2.0, 5.0])).tolist()
    [3.0, 0.0, 5.0, 0.0]
    """

    def __init__(self, cell: np.ndarray, n_cells: int) -> None:
        self.n_cells = n_cells
        if 16 * n_cells < cell.size:  # many events a cell: a search per cell, not a pass over the events
            bounds = np.searchsorted(cell, np.arange(n_cells + 1))
            nonempty = bounds[:-1] < bounds[1:]
            self.cell = np.flatnonzero(nonempty)
            self.first = bounds[:-1][nonempty]
        else:
            # (`!= 0`: numpy finds the non-zero entries of a bool array several times faster than of ints)
            starts = np.diff(cell, prepend=-1) != 0
            self.first = np.flatnonzero(starts) if cell.size else np.zeros(0, np.int64)
            self.cell = cell.take(self.first)

    def sum(self, values: np.ndarray) -> np.ndarray:
        out = np.zeros(self.n_cells)
        if self.first.size:
            out[self.cell] = np.add.reduceat(values, self.first)
        return out


@dataclass
class _World:
    """What the world model draws for a whole block, before the slices: year-level state, the real
    tanker events in (trial, year, time) order and the background IG claims."""

    join: np.ndarray
    desig: np.ndarray  # (n, H, T, C) float32: the designated share of each trade's tonnage in each class
    scheme_des: np.ndarray  # (n, H, max(S, 1), 3)
    bases: dict[str, np.ndarray]
    scheme_premium: np.ndarray  # (n, H, S)
    recap_u: np.ndarray  # (n, H, max(S, 1))
    ev: _Events
    stratum: np.ndarray
    cls: np.ndarray
    u: EventUniforms
    bg: _Events
    bg_claim: np.ndarray


def _world_block(
    m: CompiledModel,
    block: int,
    n: int,
    year_arrays: dict[str, np.ndarray],
    trial_arrays: dict[str, np.ndarray],
) -> _World:
    """Stages A-C for a block and the candidates of stage D, thinned and put in time order."""
    H = m.n_years
    clock = _clock
    # ---- A: adoption
    z, eps = draw_latents(m.seed, block, BLOCK_TRIALS, m.adoption.state_of_slot)
    z, eps = z[:n], eps[:n]
    join = join_years(m.adoption, z, eps)
    trial_arrays["z"] = z
    trial_arrays["join_year"] = join
    clock.lap("adoption")

    # ---- C (first part): vessel designations, needed by the market. The shadow fleet starts with its
    # designated share; Western-insured tonnage on sanctioned trades starts with none (designated tonnage
    # cannot hold Western cover), and the same yearly hazard designates it from the first year
    desig = designated_share(z, H, m.vessel_initial, m.vessel_hazard, m.vessel_z)
    desig_west = designated_share(z, H, 0.0, m.vessel_hazard, m.vessel_z)

    # ---- B: market
    certifies, accepts = [], []
    for s, sid in enumerate(m.scheme_ids):
        scheme = m.market.schemes[s]
        rng = generator(m.seed, Stream.RECOGNITION, block, key_of(sid))
        certifies.append(rng.random((BLOCK_TRIALS, scheme.certify_prob.size))[:n] < scheme.certify_prob)
        accepts.append(rng.random((BLOCK_TRIALS, scheme.accept_prob.size))[:n] < scheme.accept_prob)
    moved = np.empty((n, H, m.trade_gt.size, 4 + len(m.scheme_ids)))
    # each base class's share before the uptake and the schemes' takes from it, with the scheme that takes
    # each trade's tonnage in each trial (one at most): the class draw's layout
    before = np.empty((4, n, H, m.trade_gt.size))
    taken = np.empty_like(before) if m.scheme_ids else None
    takers = scheme_takers(m.market, join, H)
    shares = cover_shares(
        m.market,
        z,
        join,
        certifies,
        accepts,
        desig_west,
        H,
        designated_out=moved,
        before_uptake_out=before,
        taken_out=taken,
    )
    # the designated share of each trade's tonnage in each shadow class (domestic, none, schemes): D of the
    # shadow fleet's own tonnage, and all of the tonnage the designations moved out of Western cover
    came = np.divide(moved, shares, out=moved, where=shares > 0).clip(0.0, 1.0, out=moved)  # (in place)
    came *= 1.0 - desig[:, :, None, None]
    came += desig[:, :, None, None]
    desig_cls = came.astype(np.float32)
    del moved, came
    bases = premium_bases(
        shares,
        m.trade_gt,
        m.trade_hull,
        gxl_programme_usd_m=m.premium["gxl_programme_usd_m"],
        ig_reference_gt=m.premium["ig_reference_gt"],
        non_tanker_gt=m.premium["non_tanker_gt"],
        gxl_elasticity=m.premium["gxl_elasticity"],
        hm_rate_pct=m.premium["hm_rate_pct"],
        scheme_rates_per_gt_usd=m.scheme_rates,
        scheme_ids=m.scheme_ids,
    )
    year_arrays["tonnage_gt"] = np.einsum("nytc,t->nyc", shares, m.trade_gt)
    # analytic expectations given this trial-year's market (calibration checks, docs/model.md)
    rate = shares * (m.class_factor[None, None, None, :] * m.age_factor[None, None, :, :])
    for name, weight in m.trade_weights.items():
        year_arrays[f"expected:{name}"] = np.einsum("nytc,t->ny", rate, weight)
    shadow_gt = np.einsum("nytc,t->nyt", shares[..., 2:], m.trade_gt)
    shadow_total = shadow_gt.sum(-1)
    aged = np.einsum("nyt,t->ny", shadow_gt, m.trade_age_shadow)
    year_arrays["shadow_mean_age"] = np.divide(
        aged, shadow_total, out=np.full_like(aged, np.nan), where=shadow_total > 0
    )

    # ---- C: scheme designations and detentions
    n_s = len(m.scheme_ids)
    scheme_des = np.zeros((n, H, max(n_s, 1), len(BLOCS)), dtype=bool)
    for s, sid in enumerate(m.scheme_ids):
        slots = np.flatnonzero((m.adoption.scheme_of_slot == s) & ~m.slot_scheme_founder)
        extra = (join[:, slots, None] <= np.arange(H)[None, None, :]).sum(axis=1)
        active = np.arange(H) >= m.scheme_start[s]
        scheme_des[:, :, s, :] = scheme_designations(
            m.seed,
            block,
            BLOCK_TRIALS,
            sid,
            z,
            extra,
            active,
            m.designation_hazards[s],
            m.designation_z,
            m.designation_size,
        )
    for b, bloc in enumerate(BLOCS):
        for s, sid in enumerate(m.scheme_ids):
            year_arrays[f"scheme_designated:{sid}:{bloc}"] = scheme_des[:, :, s, b].astype(np.float64)
    designated_gt = shares * desig_cls  # (n, H, T, C): designated tonnage shares (shadow classes read)
    exposed_share = shares[..., NONE] + designated_gt[..., DOMESTIC] + designated_gt[..., 4:].sum(axis=-1)
    if n_s:
        any_des = scheme_des[:, :, :n_s, :].any(axis=-1)  # (n, H, S)
        undesignated = shares[..., 4:] - designated_gt[..., 4:]
        exposed_share = exposed_share + np.einsum("nyts,nys->nyt", undesignated, any_des)
        del undesignated
    exposed = np.einsum("nyt,t,tz->nyz", exposed_share, m.trade_vessel_years, m.trade_zone_share)
    year_arrays["detentions"] = detentions(
        m.seed, block, BLOCK_TRIALS, exposed, m.zone_intensity, m.detention_probability
    ).astype(np.float64)
    # the designated share of all shadow tonnage (GT-weighted over trades and classes), as events are flagged
    designated_sum = np.einsum("nytc,t->ny", designated_gt[..., DOMESTIC:], m.trade_gt)
    year_arrays["designated_share"] = np.divide(
        designated_sum, shadow_total, out=desig.copy(), where=shadow_total > 0
    )
    # one recapitalisation uniform per (trial, year) for each scheme, from its own stream (keyed by its id,
    # as its designations and recognition are): adding a scheme moves no other scheme's draws
    recap_u = np.zeros((n, H, max(n_s, 1)))
    for s, sid in enumerate(m.scheme_ids):
        rng = generator(m.seed, Stream.CAPITAL, block, key_of(sid))
        recap_u[:, :, s] = uniforms_by_year(rng, BLOCK_TRIALS, H, n)
    scheme_premium = (
        np.stack([bases[f"scheme_premium:{sid}"] for sid in m.scheme_ids], axis=-1)
        if n_s
        else np.zeros((n, H, 0))
    )
    # the market's (trial, year, trade, class) arrays are spent: freed before the candidates are drawn, the
    # world stage's peak (`before` and `taken` go on to the class draw, `desig_cls` to the slices)
    del shares, rate, designated_gt, shadow_gt, exposed_share
    clock.lap("market")

    # ---- D: candidates, thinned; each year's events sorted by (trial, time), then the years merged
    parts = []
    # the candidates' uniforms of every year in one buffer (room for 1% above the expected count; a larger
    # year draws into fresh memory). Only the block's first n trials' candidates are drawn (a short last
    # block), the same draws as in a whole block
    buffer = np.empty(int(4 * 1.01 * m.candidates.total_rate * n))
    for y in range(H):
        cand = draw_candidates(m.candidates, m.seed, block, y, BLOCK_TRIALS, buffer, n_trials=n)
        cum, scheme_cuts = class_cuts(before[:, :, y], None if taken is None else taken[:, :, y])
        idx, cls = thin_candidates(m.candidates, cand, cum, m.class_factor, m.age_factor, scheme_cuts, takers)
        trial = cand.trial.take(idx)
        time_ = cand.u_time.take(idx)
        order = stable_argsort((trial * H + y) + time_)  # (non-negative keys: sorted as integers)
        idx = idx.take(order)
        # (`trial` is non-decreasing, as candidates are drawn trial by trial, and the order only sorts
        # within trials: it is already the sorted trials)
        parts.append((trial, cand.stratum.take(idx), cls.take(order), cand.keys(idx), time_[order]))
        # (freed before the next year's candidates are drawn)
        del cand, cum, scheme_cuts, idx, cls, trial, time_, order
    del buffer, before, taken, takers
    # year y's events of trial t go after trial t's events of earlier years: a merge by counting
    counts = np.stack([np.bincount(p[0], minlength=n) for p in parts], axis=1)  # (n, H)
    cell_start = np.concatenate(([0], np.cumsum(counts.ravel())[:-1])).reshape(n, H)
    total = int(counts.sum())
    # compact integer types for the block's events (the slices widen them): a block holds millions
    trial = np.repeat(np.arange(n, dtype=np.int32), counts.sum(axis=1))
    year = np.repeat(np.tile(np.arange(H, dtype=np.int16), n), counts.ravel())
    stratum = np.empty(total, dtype=np.int32)
    cls = np.empty(total, dtype=np.int16)
    key = np.empty(total, dtype=np.uint64)
    time_ = np.empty(total)
    for y in range(H):
        t, st, c, k, tm = parts[y]
        parts[y] = ()  # each year's part is freed once merged
        year_first = np.concatenate(([0], np.cumsum(counts[:, y])[:-1]))
        pos = cell_start[t, y] + (np.arange(t.size) - year_first[t])
        stratum[pos], cls[pos], key[pos], time_[pos] = st, c, k, tm
        del t, st, c, k, tm, pos
    u = EventUniforms(key, time_, None, None)  # the class and thinning draws are spent
    ev = _Events(trial, year, time_, _first_of_trial(trial, n))

    # ---- background IG claims of non-tanker ships, in (trial, year, time) order
    bg = m.background
    # each policy year's claims from its own stream, keyed by the year's index as the candidates are (a
    # shorter horizon draws a longer one's first years); the block's first n trials' claims: the first
    # rows of a whole block's draws (they are in trial order)
    bg_cells, bg_draws = [], []
    for y in range(H):
        rng = generator(m.seed, Stream.BACKGROUND, block, y)
        counts_y = rng.poisson(bg.rate, BLOCK_TRIALS)[:n]
        bg_draws.append(rng.random((int(counts_y.sum()), 2)))
        bg_cells.append(np.repeat(np.arange(y, n * H, H), counts_y))
    bg_cell, bg_u = np.concatenate(bg_cells), np.concatenate(bg_draws)
    order = stable_argsort(bg_cell + bg_u[:, 1])
    bg_cell, bg_u = bg_cell[order], bg_u[order]
    bg_claim = np.minimum(bg.threshold * (1.0 - bg_u[:, 0]) ** (-1.0 / bg.alpha), bg.cap)
    bg_trial = bg_cell // H
    bg_ev = _Events(bg_trial, bg_cell % H, bg_u[:, 1], _first_of_trial(bg_trial, n))
    clock.lap("incidents")
    return _World(
        join, desig_cls, scheme_des, bases, scheme_premium, recap_u, ev, stratum, cls, u, bg_ev, bg_claim
    )


@dataclass
class _Stream:
    """One sorted stream of events of a slice, for the event loss table."""

    trial: np.ndarray
    year: np.ndarray
    time: np.ndarray
    losses: dict[str, np.ndarray]
    codes: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None  # segment, zone, flag
    sanctioned: np.ndarray | None = None  # (n, 3) bool
    licensed: np.ndarray | None = None
    extra: dict[str, np.ndarray] | None = None  # keep_events: type, cause, pi_class, ...


#: Incident record kept per event (`keep_events`): codes (−1 where not a tanker event) and amounts.
EVENT_CODES = ("type", "cause", "pi_class", "coastal_state")
DAMAGE_COMPONENTS = (
    "spill_t",
    "pollution",
    "statutory",
    "wreck",
    "hull",
    "counterparty_hull",
    "infrastructure",
    "crew",
)
EVENT_AMOUNTS = ("gt", *DAMAGE_COMPONENTS, "damage")


#: The fields of a `CompiledModel` that `_slice_events` reads besides `WORLD_FIELDS`: two models with the
#: same world and equal fields here give a slice the same events, damage and sanctions status
#: (tests/test_world_reuse.py).
DAMAGE_FIELDS = (
    "n_years",
    "candidates",
    "zone_coastal_state",
    "zone_coastal_cum",
    "trade_flag_cum",
    "flag_states",
    "segment_gt",
    "severity",
    "trade_laden",
    "trade_oil",
    "trade_oil_cargo",
    "segment_cargo",
    "segment_bunker",
    "hull_value",
    "state_statutory",
    "zone_infrastructure",
    "state_codes",
    "state_bloc",
    "state_sanctioned_west",
    "state_war_excluded",
    "state_clc",
    "state_fund",
    "state_supp",
    "state_opa",
    "state_llmc",
)


@dataclass
class _SliceEvents:
    """The tanker events of trials a..b-1 of a block with their attributes, damage (stages D-E) and
    sanctions status, and the slice's background claims: what the waterfall starts from. Trials are
    counted from the slice's first trial."""

    trial: np.ndarray
    year: np.ndarray
    cls: np.ndarray
    u: EventUniforms
    trade: np.ndarray
    seg: np.ndarray
    zone: np.ndarray
    itype: np.ndarray
    coast: np.ndarray
    flag: np.ndarray
    gt: np.ndarray
    dmg: Damage
    record: EventRecord  # what the waterfall takes
    other: IGClaims  # the slice's background IG claims
    designated: np.ndarray  # bool: the vessel is designated
    scheme_designated: np.ndarray  # (n, 3) bool: the event's scheme is designated by EU, UK, US


def _slice_events(m: CompiledModel, w: _World, a: int, b: int) -> _SliceEvents:
    """Trials a..b-1 of a block: each event's coastal state, flag, damage components and sanctions status,
    and the record the waterfall takes."""
    clock = _clock
    r = w.ev.rows(a, b)
    trial = w.ev.trial[r].astype(np.int64) - a
    year = w.ev.year[r].astype(np.int64)
    stratum = w.stratum[r]
    cls = w.cls[r].astype(np.int64)
    u = w.u.slice(r.start, r.stop)
    cp = m.candidates
    trade, seg, zone, itype = cp.trade[stratum], cp.segment[stratum], cp.zone[stratum], cp.itype[stratum]
    coast = m.zone_coastal_state[zone, _pick(m.zone_coastal_cum, zone, u[U.COAST])]
    flag = m.flag_states[_pick(m.trade_flag_cum, trade, u[U.FLAG])]
    gt = m.segment_gt[seg]
    clock.lap("incidents")

    # ---- E: severity
    dmg = event_damage(
        m.severity,
        u,
        itype,
        zone,
        m.trade_laden[trade],
        m.trade_oil[trade],
        m.trade_oil_cargo[trade],
        gt,
        m.segment_cargo[seg],
        m.segment_bunker[seg],
        m.hull_value[trade, seg, cls],
        m.state_statutory[coast],
        m.zone_infrastructure[zone],
    )
    clock.lap("severity")

    # sanctions status of each event
    n_ev = trial.size
    n_s = len(m.scheme_ids)
    shadow_cls = np.flatnonzero((cls == DOMESTIC) | (cls == NONE) | (cls >= 4))
    designated = np.zeros(n_ev, dtype=bool)
    designated[shadow_cls] = (
        u.column(U.DESIGNATED, shadow_cls)
        < w.desig[trial[shadow_cls] + a, year[shadow_cls], trade[shadow_cls], cls[shadow_cls]]
    )
    in_scheme = np.flatnonzero(cls >= 4)
    # the designations of the scheme of each scheme event and whether they block its claim, a bloc at a time
    # (1-D gathers at its (trial, year, scheme) cell: rows of three bools gather several times slower)
    _, n_years, n_cols, n_blocs = w.scheme_des.shape
    cell = ((trial[in_scheme] + a) * n_years + year[in_scheme]) * n_cols + (cls[in_scheme] - 4)
    coast_s = coast[in_scheme]
    by_cell = w.scheme_des.reshape(-1, n_blocs)
    ev_scheme_des = np.zeros((n_ev, n_blocs), dtype=bool)
    blocked_s = np.zeros(in_scheme.size, dtype=bool)
    for i in range(n_blocs):
        des_i = by_cell[:, i].take(cell)
        ev_scheme_des[in_scheme, i] = des_i
        blocked_s |= des_i & m.state_bloc[:, i].take(coast_s)
    scheme_blocked = np.zeros(n_ev, dtype=bool)
    scheme_blocked[in_scheme] = blocked_s
    claimant_member = np.zeros(n_ev, dtype=bool)
    for s in range(n_s):
        mine = np.flatnonzero(cls == 4 + s)
        if not mine.size:
            continue
        slot_of_state = np.full(len(m.state_codes), -1)
        slots = np.flatnonzero(m.adoption.scheme_of_slot == s)
        slot_of_state[m.adoption.state_of_slot[slots]] = slots
        sl = slot_of_state[coast[mine]]
        claimant_member[mine] = (sl >= 0) & (w.join[trial[mine] + a, np.clip(sl, 0, None)] <= year[mine])
    dom = cls == DOMESTIC
    claimant_member[dom] = m.state_sanctioned_west[coast[dom]]

    # ---- F: the waterfall, with the background claims of these trials
    rb = w.bg.rows(a, b)
    other = IGClaims(
        trial=w.bg.trial[rb] - a,
        year=w.bg.year[rb],
        time=w.bg.time[rb],
        claim=w.bg_claim[rb],
        pollution=m.background.pollution_share * w.bg_claim[rb],
    )
    rec = EventRecord(
        trial=trial,
        year=year,
        time=u[U.TIME],
        pi_class=cls,
        cause=dmg.cause,
        gt=gt,
        war_excluded=m.state_war_excluded[coast],
        clc=m.state_clc[coast],
        fund=m.state_fund[coast],
        supp=m.state_supp[coast],
        opa=m.state_opa[coast],
        llmc=m.state_llmc[coast],
        claimant_sanctioned=m.state_sanctioned_west[coast],
        claimant_in_west=m.state_bloc.any(axis=1)[coast],
        claimant_member=claimant_member,
        scheme_blocked=scheme_blocked,
        u_pays=u[U.PAYS],
        u_licence=u[U.LICENCE],
        pollution=dmg.pollution,
        statutory=dmg.statutory,
        wreck=dmg.wreck,
        hull=dmg.hull,
        counterparty_hull=dmg.counterparty_hull,
        blame=dmg.blame,
        counterparty_ig=dmg.counterparty_ig,
        infrastructure=dmg.infrastructure,
        crew=dmg.crew,
    )
    clock.lap("liability")
    return _SliceEvents(
        trial,
        year,
        cls,
        u,
        trade,
        seg,
        zone,
        itype,
        coast,
        flag,
        gt,
        dmg,
        rec,
        other,
        designated,
        ev_scheme_des,
    )


def _world_slice(
    m: CompiledModel,
    w: _World,
    a: int,
    b: int,
    year_arrays: dict[str, np.ndarray],
    ceded: frozenset[str],
    events: _SliceEvents | None = None,
    owed: Obligations | None = None,
) -> tuple[list[_Stream], dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Trials a..b-1 of a block through severity and the waterfall (`events`: the slice's events and
    damage when already computed, by a model with the same world and `DAMAGE_FIELDS`; `owed`: their
    obligations, computed by a model with the same `obligations_key`). The tanker stream carries the
    payer columns in `ceded` (all of them when the event table is kept).

    Returns the event streams of the slice (tanker events above the materiality threshold, background
    claims), and per payer and trial-year the attritional losses (events below the threshold) and the
    sum over the material tanker events. Per trial-year statistics go into `year_arrays`.
    """
    clock = _clock
    H = m.n_years
    ns = b - a
    cells = ns * H
    se = events if events is not None else _slice_events(m, w, a, b)
    trial, year, cls, u = se.trial, se.year, se.cls, se.u
    seg, zone, itype, coast, flag, gt, dmg = se.seg, se.zone, se.itype, se.coast, se.flag, se.gt, se.dmg

    rec, other, designated, ev_scheme_des = se.record, se.other, se.designated, se.scheme_designated
    u_licence = rec.u_licence
    wf = route_events(rec, m.waterfall, other, w.scheme_premium[a:b], w.recap_u[a:b], ns, H, owed)
    clock.lap("liability")

    for s, sid in enumerate(m.scheme_ids):
        year_arrays[f"scheme_capital:{sid}"] = wf.scheme_capital_end[:, :, s]
        year_arrays[f"scheme_recapitalised:{sid}"] = wf.scheme_recapitalised[:, :, s].astype(np.float64)
        year_arrays[f"scheme_insolvent:{sid}"] = wf.scheme_insolvent[:, :, s].astype(np.float64)
    damage = rec.damage()
    group = trial * H + year
    material = damage >= m.materiality
    sel = np.flatnonzero(material)
    # material events enter the event table; the others each source's attritional aggregate: each column
    # is gathered material events first, the others after, and the material events' sums go in cells
    # 0..cells-1, the others' in cells..2 cells-1 (both runs stay sorted). The gathered column's first
    # part is the material events' column of the event table (one gather, not two)
    material_first = np.concatenate([sel, np.flatnonzero(~material)])
    split = _Cells(
        np.concatenate([group.take(sel), group.take(material_first[sel.size :]) + cells]), 2 * cells
    )
    attritional: dict[str, np.ndarray] = {}
    material_sums: dict[str, np.ndarray] = {}
    material_cols: dict[str, np.ndarray] = {}
    for name, col in wf.columns.items():
        by_materiality = col.take(material_first)
        if m.keep_events or name in ceded:
            material_cols[name] = by_materiality[: sel.size]
        both = split.sum(by_materiality)
        material_sums[name] = both[:cells]
        if both[cells:].any():  # (an all-zero aggregate would change nothing: it is left out)
            attritional[name] = both[cells:]

    # year-level statistics
    spilled = dmg.spilled & (dmg.cause == CAUSE_MARINE)  # ITOPF counts exclude war
    year_arrays["spills_7t"] = _count(group[spilled], cells)
    year_arrays["spills_700t"] = _count(group[spilled & (dmg.spill_t > LARGE_SPILL_T)], cells)
    year_arrays["events"] = _count(group, cells)
    year_arrays["total_losses"] = _count(group[dmg.total_loss], cells)
    by_cell = _Cells(group, cells)
    year_arrays["pollution_damage"] = by_cell.sum(dmg.pollution)
    year_arrays["blocked_delayed"] = by_cell.sum(wf.blocked_delayed)
    year_arrays["blocked_permanent"] = by_cell.sum(wf.blocked_permanent)
    by_class = _group_sum(damage, cls * cells + group, len(m.class_names) * cells)
    for c, name in enumerate(m.class_names):
        year_arrays[f"damage:{name}"] = by_class[c * cells : (c + 1) * cells]
    bg_group = other.trial * H + other.year
    # (the non-tanker IG background only: its claims, and those of them that reach GXL layer 1 or Hydra)
    year_arrays["background_gxl_claims"] = _count(
        bg_group[wf.other_ig["ig_gxl_layer1"] + wf.other_ig["ig_hydra"] > 0], cells
    )
    year_arrays["background_claims"] = _count(bg_group, cells)

    # the material events' sanctions flags, a bloc at a time: the same as `(designated[:, None] |
    # ev_scheme_des)[sel]`, by 1-D gathers (rows of three bools gather several times slower)
    designated_sel = designated.take(sel)
    sanctioned = np.empty((sel.size, len(BLOCS)), dtype=bool)
    for i in range(len(BLOCS)):
        np.bitwise_or(designated_sel, ev_scheme_des[:, i].take(sel), out=sanctioned[:, i])
    extra = None
    if m.keep_events:
        record = {"type": itype, "cause": dmg.cause, "pi_class": cls, "coastal_state": coast, "gt": gt}
        record |= {k: getattr(dmg, k) for k in DAMAGE_COMPONENTS} | {"damage": damage}
        extra = {k: v[sel] for k, v in record.items()}
    # the event table needs only the columns the contracts cede: every payer's ledger is summed per stream
    tanker = _Stream(
        trial=trial[sel],
        year=year[sel],
        time=u[U.TIME][sel],
        losses=material_cols,
        codes=(seg[sel], zone[sel], flag[sel]),
        sanctioned=sanctioned,
        licensed=u_licence[sel] < m.waterfall.licence_probability,
        extra=extra,
    )
    background = _Stream(
        trial=other.trial,
        year=other.year,
        time=other.time,
        losses=wf.other_ig,
        extra={"damage": other.claim} if m.keep_events else None,
    )
    clock.lap("events")
    return [tanker, background], attritional, material_sums


def _count(group: np.ndarray, cells: int) -> np.ndarray:
    return np.bincount(group, minlength=cells).astype(np.float64)


def ceded_sources(m: CompiledModel) -> frozenset[str]:
    """The payer columns the model's contracts cede: the columns its event table carries."""
    return frozenset(src for c in m.contracts.values() for src in c.sources)


def _event_table(
    m: CompiledModel,
    streams: list[_Stream],
    a: int,
    ns: int,
    t0: int,
    attritional: dict[str, np.ndarray],
    material: dict[str, np.ndarray],
    bases: dict[str, np.ndarray],
    year_arrays: dict[str, np.ndarray],
    needed: frozenset[str],
) -> tuple[EventLossTable, dict[str, np.ndarray] | None]:
    """The event loss table of a slice (its streams merged in (trial, year, time) order) with the payer
    columns in `needed`, the payer ledger (into `year_arrays`) and, when the model keeps them, the
    slice's events with every column.

    `material` holds the payers' sums over the first stream's events per trial-year. A payer's ledger is
    the sum of its streams' sums (`_Cells`), so it needs no column in the merged table unless a contract
    cedes it or the event table is kept, and it is the same either way.
    """
    H = m.n_years
    cells = ns * H
    sizes = [s.trial.size for s in streams]
    total = sum(sizes)
    order = None
    if len(streams) > 1:
        # every stream is sorted: a stable sort of their concatenation merges them (ties: stream order)
        key = np.concatenate([(s.trial * H + s.year) + s.time for s in streams])
        order = stable_argsort(key)
    offsets = np.concatenate(([0], np.cumsum(sizes)))

    def merged(parts: list[np.ndarray | None], fill: float | int | bool, dtype: type) -> np.ndarray:
        if all(p is None for p in parts) and not m.keep_events:
            return np.broadcast_to(np.array(fill, dtype=dtype), (total,))  # read-only, no memory
        if order is None:
            p = parts[0]
            return p.astype(dtype, copy=False) if p is not None else np.full(total, fill, dtype=dtype)
        out = np.empty(total, dtype=dtype)
        for p, lo, hi in zip(parts, offsets[:-1], offsets[1:], strict=True):
            out[lo:hi] = fill if p is None else p
        return out[order]

    e_trial = merged([s.trial for s in streams], 0, np.int64)
    e_year = merged([s.year for s in streams], 0, np.int64)
    e_time = merged([s.time for s in streams], 0.0, np.float64)
    names = sorted({k for s in streams for k in s.losses} | set(material))
    losses: dict[str, np.ndarray] = {}
    cell_of: list[np.ndarray | None] = [None] * len(streams)
    for name in names:
        parts = [s.losses.get(name) for s in streams]
        if name in needed or m.keep_events:
            losses[name] = merged(parts, 0.0, np.float64)
        # the ledger: each stream's sums per trial-year, stream after stream (the first stream's are the
        # material sums when given), then the attritional losses: the same whether the table is kept
        sums = []
        for i, p in enumerate(parts):
            if i == 0 and name in material:
                sums.append(material[name])
            elif p is not None:  # a few events a trial-year (background claims, perils): bincount
                cell = cell_of[i]
                if cell is None:
                    s_i = streams[i]
                    cell = cell_of[i] = s_i.trial if H == 1 else s_i.trial * H + s_i.year
                sums.append(_group_sum(p, cell, cells))
        ledger = sums[0] if sums else np.zeros(cells)
        for x in sums[1:]:
            ledger = ledger + x
        year_arrays[f"payer:{name}"] = ledger + attritional[name] if name in attritional else ledger

    codes = [
        merged([None if s.codes is None else s.codes[i] for s in streams], -1, np.int64) for i in range(3)
    ]
    sanctioned = {
        bloc: merged([None if s.sanctioned is None else s.sanctioned[:, i] for s in streams], False, bool)
        for i, bloc in enumerate(BLOCS)
    }
    elt = EventLossTable(
        trial=e_trial + (t0 + a),
        year=e_year,
        time=e_time,
        losses={k: v for k, v in losses.items() if k in needed},
        segment=codes[0],
        zone=codes[1],
        flag=codes[2],
        sanctioned=sanctioned,
        licensed=merged([s.licensed for s in streams], False, bool),
        attritional=attritional,
        premium_base={k: v[a : a + ns] for k, v in bases.items()},
        trial_offset=t0 + a,
        n_trials=ns,
        n_years=H,
        unflagged_sources=THIRD_PARTY_SOURCES,
    )
    events = None
    if m.keep_events:
        events = {
            "trial": elt.trial,
            "year": elt.year,
            "time": elt.time,
            "segment": elt.segment,
            "zone": elt.zone,
            "flag": elt.flag,
        }
        for k in (*EVENT_CODES, *EVENT_AMOUNTS):
            fill, dtype = (-1, np.int64) if k in EVENT_CODES else (0.0, np.float64)
            events[k] = merged([None if s.extra is None else s.extra.get(k) for s in streams], fill, dtype)
        for k, v in losses.items():
            events[f"payer:{k}"] = v
        # what a run folder needs to give the event table back to `apply-terms` (docs/outputs.md `elt`):
        # the sanctions status of each event and each source's attritional losses per trial-year
        events["licensed"] = elt.licensed
        for bloc in BLOCS:
            events[f"sanctioned_{bloc}"] = sanctioned[bloc]
        for k in names:  # (every payer, so that each slice has the same arrays)
            year_arrays[f"attritional:{k}"] = attritional[k] if k in attritional else np.zeros(cells)
    _clock.lap("events")
    return elt, events


def _apply_contracts(m: CompiledModel, elt: EventLossTable) -> dict[str, dict[str, np.ndarray]]:
    """The model's contracts on a slice's event loss table: each contract's and the portfolio's figures."""
    contracts: dict[str, dict[str, np.ndarray]] = {}
    if m.contracts:
        res = apply_portfolio(elt, list(m.contracts.values()))
        for cid, r in res.items():
            contracts[cid] = {f: getattr(r, f) for f in CONTRACT_FIELDS}
        contracts["portfolio"] = {f: getattr(res.total, f) for f in CONTRACT_FIELDS}
    _clock.lap("terms")
    return contracts


def _slices(n: int, n_events: int) -> list[tuple[int, int]]:
    """Trial ranges of a block, each holding about `SLICE_EVENTS` events (a power of two of trials)."""
    per_trial = max(n_events / max(n, 1), 1.0)
    size = 1 << max(0, int(np.floor(np.log2(max(SLICE_EVENTS / per_trial, 1.0)))))
    size = min(max(size, 64), BLOCK_TRIALS)
    return [(a, min(a + size, n)) for a in range(0, n, size)]


#: The fields of a `CompiledModel` that `_world_block` reads (tests/test_world_reuse.py checks the list):
#: two models equal in these draw the same world for a block, which a group of runs computes once.
WORLD_FIELDS = (
    "seed",
    "n_years",
    "adoption",
    "slot_scheme_founder",
    "scheme_ids",
    "market",
    "vessel_initial",
    "vessel_hazard",
    "vessel_z",
    "trade_gt",
    "trade_hull",
    "premium",
    "scheme_rates",
    "class_factor",
    "age_factor",
    "trade_weights",
    "trade_age_shadow",
    "scheme_start",
    "designation_hazards",
    "designation_z",
    "designation_size",
    "trade_vessel_years",
    "trade_zone_share",
    "zone_intensity",
    "detention_probability",
    "candidates",
    "background",
)


def _digest(m: CompiledModel, names: tuple[str, ...], *more: object) -> str:
    """A digest of the model's fields `names` and of `more`."""
    values = tuple(getattr(m, f) for f in names)
    return hashlib.sha256(pickle.dumps((values, *more) if more else values, protocol=5)).hexdigest()


#: The fields of a `CompiledModel` that a slice's waterfall and event loss table read (`_world_slice`,
#: `_event_table`) besides `WORLD_FIELDS` and `DAMAGE_FIELDS`; the perils' events join the table, and the
#: contracts enter only through the columns they cede (`ceded_sources`). Two models equal in these and in
#: their ceded columns build the same table: a sweep of contract terms applies each point's contracts to it.
TABLE_FIELDS = ("materiality", "keep_events", "waterfall", "scheme_ids", "class_names", "perils")


def world_key(m: CompiledModel) -> str | None:
    """A digest of the model's `WORLD_FIELDS` (None without the world model): equal keys, equal worlds."""
    return _digest(m, WORLD_FIELDS) if m.world_model else None


def damage_key(m: CompiledModel) -> str | None:
    """A digest of the model's `WORLD_FIELDS` and `DAMAGE_FIELDS`: equal keys, equal events and damage."""
    return _digest(m, WORLD_FIELDS + DAMAGE_FIELDS) if m.world_model else None


def obligations_key(m: CompiledModel) -> str | None:
    """A digest of the model's world, damage and the waterfall's `obligation_terms`: equal keys, equal
    obligations of each slice's events (a sweep of a scheme's capital or reinsurance)."""
    if not m.world_model:
        return None
    return _digest(m, WORLD_FIELDS + DAMAGE_FIELDS, obligation_terms(m.waterfall))


def table_key(m: CompiledModel) -> str | None:
    """A digest of the model's world, damage and `TABLE_FIELDS` and of its ceded columns: equal keys,
    equal event loss tables and payer ledgers."""
    if not m.world_model:
        return None
    return _digest(m, WORLD_FIELDS + DAMAGE_FIELDS + TABLE_FIELDS, sorted(ceded_sources(m)))


#: The adoption plan's fields that only set how likely and when states join (not which slots exist).
JOIN_ODDS = ("cum_prob", "conditions", "rho")


def _adoption_frame(m: CompiledModel) -> tuple:
    """The adoption plan without `JOIN_ODDS`: its slots, which scheme and state each is, the horizon."""
    a = m.adoption
    return tuple(getattr(a, f.name) for f in fields(a) if f.name not in JOIN_ODDS)


def frame_key(m: CompiledModel) -> str | None:
    """A digest of the model's `WORLD_FIELDS`, the adoption plan's `JOIN_ODDS` left out: equal keys, the
    same world but for the years states join (a run of a batch goes with the others of its frame)."""
    if not m.world_model:
        return None
    return _digest(m, tuple(f for f in WORLD_FIELDS if f != "adoption"), _adoption_frame(m))


def join_key(m: CompiledModel) -> str | None:
    """A digest of every field of the model but the adoption plan's `JOIN_ODDS` (and its name and
    notes): two models with equal keys differ at most in the years states join, so a trial whose join
    years are the same in both has the same results in both (`run_chunk_group` copies them)."""
    if not m.world_model or m.keep_events:
        return None
    names = tuple(f.name for f in fields(m) if f.name not in ("adoption", "scenario_name", "notes"))
    return _digest(m, names, _adoption_frame(m))


class _Keys(NamedTuple):
    """A model's `world_key`, `damage_key`, `obligations_key` and `table_key` (computed once for a
    group)."""

    world: str | None
    damage: str | None
    owed: str | None
    table: str | None

    @staticmethod
    def of(m: CompiledModel) -> _Keys:
        return _Keys(world_key(m), damage_key(m), obligations_key(m), table_key(m))


class _Shared:
    """What the models of a group have computed for the block at hand, for the others: worlds by
    `world_key`, a slice's events and damage by (`damage_key`, a, b), their obligations by
    (`obligations_key`, a, b), a slice's event loss table with its year arrays and kept events by
    (`table_key`, a, b). Only what another model of the group will take is kept (`wanted`): a key no
    other model has is not stored."""

    def __init__(self, keys: Sequence[_Keys]) -> None:
        self._count = Counter((f, k) for ks in keys for f, k in zip(_Keys._fields, ks, strict=True) if k)
        self.worlds: dict[str | None, tuple[_World, dict, dict]] = {}
        self.damage: dict[tuple[str | None, int, int], _SliceEvents] = {}
        self.owed: dict[tuple[str | None, int, int], Obligations] = {}
        self.tables: dict[tuple[str | None, int, int], tuple[EventLossTable, dict, dict | None]] = {}

    def wanted(self, kind: str, key: str | None) -> bool:
        """Whether another model of the group has this key (`kind`: its field of `_Keys`)."""
        return self._count[(kind, key)] > 1


def _block_world(
    m: CompiledModel,
    block: int,
    n: int,
    shared: _Shared | None = None,
    key: str | None = None,
) -> tuple[_World | None, dict[str, np.ndarray], dict[str, np.ndarray]]:
    """The world of a block with the year and trial arrays it fills: from `shared` (drawn by another model
    with the same `world_key` `key`) or drawn now, and then left there for the others."""
    year_arrays: dict[str, np.ndarray] = {}
    trial_arrays: dict[str, np.ndarray] = {}
    if not m.world_model:
        return None, year_arrays, trial_arrays
    if shared is not None and key in shared.worlds:
        world, ya, ta = shared.worlds[key]
        # the world's arrays are shared, read-only; each result gets its own copies of the year arrays
        return world, {k: v.copy() for k, v in ya.items()}, {k: v.copy() for k, v in ta.items()}
    world = _world_block(m, block, n, year_arrays, trial_arrays)
    if shared is not None and shared.wanted("world", key):
        shared.worlds[key] = (world, dict(year_arrays), dict(trial_arrays))
    return world, year_arrays, trial_arrays


def _block_steps(
    m: CompiledModel,
    block: int,
    n: int,
    t0: int,
    shared: _Shared | None = None,
    keys: _Keys | None = None,
) -> Generator[None, None, ChunkResult]:
    """Trials [t0, t0 + n) of one random-number block (n ≤ BLOCK_TRIALS): the world and the perils'
    events drawn now, then `_event_steps` over them. `shared` (a group of runs) holds what other models
    with the same `keys` have drawn or computed, and takes what this one does for them."""
    _clock.start()
    world, year_arrays, trial_arrays = _block_world(m, block, n, shared, keys.world if keys else None)
    perils = [(p, *_peril_events(m, p, block, n)) for p in m.perils]
    _clock.lap("incidents")
    return _event_steps(m, world, perils, n, t0, year_arrays, trial_arrays, shared, keys)


def _rows_of(events: _Events, keep: np.ndarray, rank: np.ndarray) -> tuple[np.ndarray, _Events]:
    """The events of the trials `keep` (bool per trial) and those events renumbered by `rank`."""
    idx = np.flatnonzero(keep[events.trial])
    trial = rank[events.trial[idx]].astype(events.trial.dtype)
    n = int(keep.sum())
    return idx, _Events(trial, events.year[idx], events.time[idx], _first_of_trial(trial, n))


def _trial_rank(trials: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Of a block's n trials, which are in `trials` (sorted; bool per trial) and their new numbers."""
    keep = np.zeros(n, dtype=bool)
    keep[trials] = True
    return keep, np.cumsum(keep) - 1


def _world_rows(w: _World, trials: np.ndarray, n: int) -> _World:
    """The world of the block's trials `trials` (sorted) only, numbered 0.. in their order."""
    keep, rank = _trial_rank(trials, n)
    idx, ev = _rows_of(w.ev, keep, rank)
    bg_idx, bg = _rows_of(w.bg, keep, rank)
    return _World(
        join=w.join[trials],
        desig=w.desig[trials],
        scheme_des=w.scheme_des[trials],
        bases={k: v[trials] for k, v in w.bases.items()},
        scheme_premium=w.scheme_premium[trials],
        recap_u=w.recap_u[trials],
        ev=ev,
        stratum=w.stratum[idx],
        cls=w.cls[idx],
        u=w.u.take(idx),
        bg=bg,
        bg_claim=w.bg_claim[bg_idx],
    )


@dataclass
class _Rows:
    """A model's block computed on some trials only (`_changed_steps`): the trials, the world's year and
    trial arrays of every trial, and the result of the event stages on those trials (None for none)."""

    trials: np.ndarray
    year_arrays: dict[str, np.ndarray]
    trial_arrays: dict[str, np.ndarray]
    result: ChunkResult | None


def _changed_steps(
    m: CompiledModel,
    block: int,
    n: int,
    t0: int,
    donor: CompiledModel,
    shared: _Shared,
    world_key_: str | None,
) -> Generator[None, None, _Rows]:
    """Trials [t0, t0 + n) of a block of a model that differs from `donor` (the same `join_key`) in the
    years states join at most: its world is drawn for every trial, the event stages run only on the
    trials whose join years differ from the donor's (`_merge_rows` takes the others from the donor)."""
    _clock.start()
    world, year_arrays, trial_arrays = _block_world(m, block, n, shared, world_key_)
    assert world is not None
    z, eps = draw_latents(donor.seed, block, BLOCK_TRIALS, donor.adoption.state_of_slot)
    donor_join = join_years(donor.adoption, z[:n], eps[:n])
    trials = np.flatnonzero((world.join != donor_join).any(axis=1))
    _clock.lap("adoption")
    if not trials.size:
        return _Rows(trials, year_arrays, trial_arrays, None)
    keep, rank = _trial_rank(trials, n)
    perils = []
    for p in m.perils:
        events, loss = _peril_events(m, p, block, n)
        idx, rows = _rows_of(events, keep, rank)
        perils.append((p, rows, loss[idx]))
    _clock.lap("incidents")
    result = yield from _event_steps(m, _world_rows(world, trials, n), perils, trials.size, t0, {}, {})
    return _Rows(trials, year_arrays, trial_arrays, result)


def _merge_rows(donor: ChunkResult, rows: _Rows) -> ChunkResult:
    """A model's block result from its `_Rows` and the donor's result of the same block: the world's
    arrays its own, every other array the donor's but on the trials it computed itself."""
    sub = rows.result
    if sub is not None:
        expected = set(donor.year_arrays) - set(rows.year_arrays)
        if set(sub.year_arrays) != expected or set(sub.contracts) != set(donor.contracts):
            raise AssertionError("a model of the same join_key gave other arrays than its donor")

    def merged(mine: np.ndarray | None, theirs: np.ndarray) -> np.ndarray:
        out = theirs.copy()
        if mine is not None:
            out[rows.trials] = mine
        return out

    year_arrays = {
        k: rows.year_arrays[k].copy()
        if k in rows.year_arrays
        else merged(None if sub is None else sub.year_arrays[k], v)
        for k, v in donor.year_arrays.items()
    }
    contracts = {
        cid: {f: merged(None if sub is None else sub.contracts[cid][f], v) for f, v in figures.items()}
        for cid, figures in donor.contracts.items()
    }
    return ChunkResult(donor.start, donor.stop, contracts, year_arrays, dict(rows.trial_arrays), None)


def run_block(m: CompiledModel, block: int, n: int, t0: int) -> ChunkResult:
    """Trials [t0, t0 + n) of one random-number block (n ≤ BLOCK_TRIALS)."""
    return _drain(_block_steps(m, block, n, t0))


def run_chunk_group(models: Sequence[CompiledModel], chunk: Chunk) -> list[ChunkResult]:
    """One chunk of trials of several models (the same seed and trials), block by block: models whose
    `world_key` is equal share each block's world (adoption, market, sanctions, candidates and their
    thinning, background claims), drawn once; those whose `damage_key` is equal also share each slice's
    events and damage (severity), those whose `obligations_key` is equal the events' obligations before
    capacity (`waterfall.obligations`), and those whose `table_key` is equal each slice's waterfall and
    event loss table (a sweep of contract terms: each model applies its own contracts). A model whose
    world differs from an earlier one's only in the join odds (`join_key`; no model computed in full
    draws its world) runs its event stages only on the trials whose join years differ and takes the
    others' results from the earlier one (`_changed_steps`, `_merge_rows`). The models go through a
    block's slices in step, so that only the slice at hand is kept for the others. Each result is
    `run_chunk(model, chunk)`, bit for bit."""
    if not any(m.world_model for m in models):
        return [run_chunk(m, chunk) for m in models]
    parts: list[list[ChunkResult]] = [[] for _ in models]
    for i, m in enumerate(models):
        if not m.world_model:
            parts[i].append(run_chunk(m, chunk))
    group = [i for i, m in enumerate(models) if m.world_model]
    keys = {i: _Keys.of(models[i]) for i in group}
    # a model whose world differs from an earlier one's only in the years states join takes from it the
    # trials whose join years are the same (its donor: the first of its `join_key`, computed in full)
    donor: dict[int, int] = {}
    first_of: dict[str, int] = {}
    for i in group:
        jk = join_key(models[i])
        if jk is None:
            continue
        d = first_of.setdefault(jk, i)
        if d != i and keys[d].world != keys[i].world:
            donor[i] = d
    # ... unless a model computed in full draws its very world: sharing that world (and its damage,
    # obligations or event table) costs less than recomputing the trials whose join years change
    changed = True
    while changed:
        full_worlds = {keys[j].world for j in group if j not in donor}
        changed = False
        for i in list(donor):
            if keys[i].world in full_worlds:
                del donor[i]
                changed = True
    for i in donor:
        keys[i] = _Keys(keys[i].world, None, None, None)  # its slices are of other trials: not shared
    for t0 in range(chunk.start, chunk.stop, BLOCK_TRIALS):
        block = t0 // BLOCK_TRIALS
        n = min(BLOCK_TRIALS, chunk.stop - t0)
        shared = _Shared(list(keys.values()))
        steps: dict[int, Generator[None, None, Any]] = {
            i: _changed_steps(models[i], block, n, t0, models[donor[i]], shared, keys[i].world)
            if i in donor
            else _block_steps(models[i], block, n, t0, shared, keys[i])
            for i in group
        }
        rows: dict[int, _Rows] = {}
        while steps:  # one slice of every model, then the next
            for i in list(steps):
                _clock.start()  # (each run's stages timed on their own, as `run_block` times them)
                try:
                    next(steps[i])
                except StopIteration as done:
                    if i in donor:
                        rows[i] = done.value
                    else:
                        parts[i].append(done.value)
                    del steps[i]
            shared.damage.clear()
            shared.owed.clear()
            shared.tables.clear()
        del shared
        for i, r in rows.items():  # (the donors' results of this block are in)
            parts[i].append(_merge_rows(parts[donor[i]][-1], r))
    return [join_results(p) for p in parts]


#: Expected events a chunk without the world model handles at a time: its blocks go through in groups
#: of about this many events, so that the per-event arrays stay small (in cache, and memory the allocator
#: reuses rather than fresh pages from the system).
PERIL_EVENTS = 1 << 17


def _perils_chunk(m: CompiledModel, chunk: Chunk) -> Iterator[ChunkResult]:
    """A chunk of a scenario without the world model, in consecutive groups of whole blocks of about
    `PERIL_EVENTS` expected events (each result is computed when the previous one has been taken). Each
    block draws its peril counts from its own streams and its events' losses and times are keyed on their
    trial, year and ordinal (`_peril_draws`); a group's events go through one event table (a trial-year's
    results depend only on its own events, so they are the same as block by block)."""
    per_block = BLOCK_TRIALS * sum(p.mean * int(p.years.sum()) for p in m.perils)
    step = BLOCK_TRIALS * max(1, int(PERIL_EVENTS // max(per_block, 1.0)))
    for t0 in range(chunk.start, chunk.stop, step):
        yield _perils_trials(m, t0, min(t0 + step, chunk.stop))


def _perils_trials(m: CompiledModel, start: int, stop: int) -> ChunkResult:
    """Trials [start, stop) (whole blocks, but for the last) of a scenario without the world model."""
    _clock.start()
    n = stop - start
    H = m.n_years
    blocks = [(t0 // BLOCK_TRIALS, min(BLOCK_TRIALS, stop - t0)) for t0 in range(start, stop, BLOCK_TRIALS)]
    perils = []
    for p in m.perils:
        counts, cell, time_, loss = _peril_draws(m, p, blocks)
        if H > 1:
            trial, year = np.divmod(cell, H)
        elif m.keep_events:  # (the event table keeps the year: an array of its own)
            trial, year = cell, np.zeros_like(cell)
        else:  # one policy year: every event's is 0 (a read-only view of one zero, no memory)
            trial, year = cell, np.broadcast_to(np.zeros(1, dtype=np.int64), cell.shape)
        first = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(counts.sum(axis=1) if H > 1 else counts.ravel(), out=first[1:])
        perils.append((p, _Events(trial, year, time_, first), loss))
    _clock.lap("incidents")
    return _drain(_event_steps(m, None, perils, n, start, {}, {}))


def _drain(steps: Generator[None, None, ChunkResult]) -> ChunkResult:
    """Run `_event_steps` to the end and return its `ChunkResult`."""
    while True:
        try:
            next(steps)
        except StopIteration as done:
            return done.value


def _peril_flags(
    m: CompiledModel,
    world: _World | None,
    p: PerilPlan,
    trial: np.ndarray,
    year: np.ndarray,
    time: np.ndarray,
) -> tuple[np.ndarray | None, np.ndarray | None]:
    """The sanctions flags of a user peril's events (`trial` within the block): on a scheme's source
    (`scheme:`, `scheme_reinsurance:`, `hm_scheme:<id>`) an event is flagged for each bloc that has
    designated the scheme that year, as the scheme's own tankers' events are; a block of it is licensed
    with `sanctions.licence_probability`, by a uniform keyed on the event (its time, itself a keyed
    uniform of the event, and the peril), so the same in any chunking. Other sources: no flags (None)."""
    sid = scheme_of(p.source)
    if world is None or sid not in m.scheme_ids:
        return None, None
    s = m.scheme_ids.index(sid)
    sanctioned = world.scheme_des[trial, year, s, :]
    with np.errstate(over="ignore"):  # (wrapping 64-bit arithmetic)
        key = time.view(np.uint64) ^ (np.uint64(p.key) * _PERIL_LICENCE_KEY)
    licensed = keyed_uniforms(key, [0])[:, 0] < m.waterfall.licence_probability
    return sanctioned, licensed


#: Mixes a peril's key into the keys of its events' licence uniforms (an odd 64-bit constant).
_PERIL_LICENCE_KEY = np.uint64(0x9E3779B97F4A7C15)


def _lapsed_scheme(m: CompiledModel, ya: dict[str, np.ndarray], source: str) -> np.ndarray | None:
    """For a scheme's payer column (`scheme:`, `scheme_reinsurance:`, `hm_scheme:<id>`), the slice's
    (trial, year) cells in which the scheme starts the policy year insolvent (it pays nothing then);
    None for any other column or a model without the scheme's solvency (no world model)."""
    sid = scheme_of(source)
    insolvent = ya.get(f"scheme_insolvent:{sid}") if sid is not None else None
    if insolvent is None:
        return None
    lapsed = np.zeros(insolvent.shape, dtype=bool)
    lapsed[:, 1:] = insolvent[:, :-1] > 0
    return lapsed


def _slice_table(
    m: CompiledModel,
    world: _World | None,
    perils: list[tuple[PerilPlan, _Events, np.ndarray]],
    a: int,
    b: int,
    t0: int,
    bases: dict[str, np.ndarray],
    ceded: frozenset[str],
    shared: _Shared | None,
    keys: _Keys | None,
) -> tuple[dict[str, np.ndarray], EventLossTable, dict[str, np.ndarray] | None]:
    """Trials a..b-1 of a block through severity and the waterfall (world model) into the slice's event
    loss table: the slice's year arrays, the table, and the slice's events when the model keeps them.
    The slice's events and damage, and their obligations, come from `shared` when another model has
    computed them."""
    ya: dict[str, np.ndarray] = {}
    streams: list[_Stream] = []
    attritional: dict[str, np.ndarray] = {}
    material: dict[str, np.ndarray] = {}
    if world is not None:
        se, owed = None, None
        if shared is not None and keys is not None:
            se = shared.damage.get((keys.damage, a, b))
            if se is None:
                se = _slice_events(m, world, a, b)
                if shared.wanted("damage", keys.damage):
                    shared.damage[(keys.damage, a, b)] = se
            owed = shared.owed.get((keys.owed, a, b))
            if owed is None and shared.wanted("owed", keys.owed):
                owed = shared.owed[(keys.owed, a, b)] = obligations(se.record, m.waterfall)
        streams, attritional, material = _world_slice(m, world, a, b, ya, ceded, se, owed)
    for p, e, loss in perils:
        r = e.rows(a, b)
        trial = e.trial[r] - a if a else e.trial[r]
        losses = {p.source: loss[r]}
        lapsed = _lapsed_scheme(m, ya, p.source)
        if lapsed is not None:  # a peril on an insolvent scheme's source: unpaid, the claimants keep it
            dead = lapsed[trial, e.year[r]]
            if dead.any():
                losses = {
                    p.source: np.where(dead, 0.0, loss[r]),
                    "uncompensated": np.where(dead, loss[r], 0.0),
                }
        sanctioned, licensed = _peril_flags(m, world, p, e.trial[r], e.year[r], e.time[r])
        streams.append(
            _Stream(
                trial=trial,
                year=e.year[r],
                time=e.time[r],
                losses=losses,
                sanctioned=sanctioned,
                licensed=licensed,
                extra={"damage": loss[r]} if m.keep_events else None,
            )
        )
    elt, events = _event_table(m, streams, a, b - a, t0, attritional, material, bases, ya, ceded)
    return ya, elt, events


def _event_steps(
    m: CompiledModel,
    world: _World | None,
    perils: list[tuple[PerilPlan, _Events, np.ndarray]],
    n: int,
    t0: int,
    year_arrays: dict[str, np.ndarray],
    trial_arrays: dict[str, np.ndarray],
    shared: _Shared | None = None,
    keys: _Keys | None = None,
) -> Generator[None, None, ChunkResult]:
    """The events of trials [t0, t0 + n) through severity, the waterfall (world model) and the contracts,
    in slices of trials, joined along the trials: a generator that pauses after each slice and returns the
    `ChunkResult` (`_drain` runs it through).

    `shared` (optional, with the model's `keys`) holds slices' events and damage by (`damage_key`, first
    trial, end) and their event loss tables by (`table_key`, first trial, end): what is found there is not
    computed again, and what is computed here is left there when another model will take it."""
    H = m.n_years
    bases = world.bases if world is not None else {}
    n_events = (world.ev.trial.size if world is not None else 0) + sum(e.trial.size for _, e, _ in perils)
    ceded = ceded_sources(m)
    t_key = keys.table if keys is not None else None
    slice_parts: list[tuple[dict, dict, dict | None]] = []
    for a, b in _slices(n, n_events) if world is not None else [(0, n)]:
        found = shared.tables.get((t_key, a, b)) if shared is not None else None
        if found is not None:  # another model's table: its year arrays copied, its events as they are
            elt, ya, events = found[0], {k: v.copy() for k, v in found[1].items()}, found[2]
            _clock.lap("events")
        else:
            ya, elt, events = _slice_table(m, world, perils, a, b, t0, bases, ceded, shared, keys)
            if shared is not None and shared.wanted("table", t_key):
                shared.tables[(t_key, a, b)] = (elt, dict(ya), events)
        contracts = _apply_contracts(m, elt)
        slice_parts.append((ya, contracts, events))
        yield

    # join the slices along the trials
    def rows(arrays: list[np.ndarray]) -> np.ndarray:
        if len(arrays) == 1:
            return arrays[0].reshape(-1, H)
        return np.concatenate([x.reshape(-1, H) for x in arrays])

    for k in slice_parts[0][0]:
        year_arrays[k] = rows([p[0][k] for p in slice_parts])
    for name, v in bases.items():
        year_arrays[f"base:{name}"] = v.copy()  # (the world may be shared by a group of runs)
    contracts = {
        cid: {f: rows([p[1][cid][f] for p in slice_parts]) for f in CONTRACT_FIELDS}
        for cid in slice_parts[0][1]
    }
    events = None
    if m.keep_events:
        events = {k: np.concatenate([p[2][k] for p in slice_parts]) for k in slice_parts[0][2]}  # type: ignore[index]
    return ChunkResult(t0, t0 + n, contracts, year_arrays, trial_arrays, events)


def run_chunk(m: CompiledModel, chunk: Chunk) -> ChunkResult:
    """Run the blocks of one chunk and join them in trial order."""
    return join_results(list(run_chunk_parts(m, chunk)))


def run_chunk_parts(m: CompiledModel, chunk: Chunk) -> Iterator[ChunkResult]:
    """The results of one chunk in consecutive parts of its trials (its blocks, or groups of blocks
    without the world model), each computed when the previous one has been taken: for a caller that joins
    them itself as they come (`simulate`), so that no part waits for the others. `run_chunk` joins them."""
    if not m.world_model:
        yield from _perils_chunk(m, chunk)
        return
    for t0 in range(chunk.start, chunk.stop, BLOCK_TRIALS):
        yield run_block(m, t0 // BLOCK_TRIALS, min(BLOCK_TRIALS, chunk.stop - t0), t0)


def join_results(parts: list[ChunkResult]) -> ChunkResult:
    """Concatenate consecutive results along the trial axis (in the order given)."""
    if len(parts) == 1:
        return parts[0]
    first = parts[0]

    contracts = {
        cid: {f: np.concatenate([p.contracts[cid][f] for p in parts]) for f in first.contracts[cid]}
        for cid in first.contracts
    }
    year_keys = sorted(set().union(*(p.year_arrays for p in parts)))
    year_arrays = {}
    for k in year_keys:
        year_arrays[k] = np.concatenate(
            [p.year_arrays.get(k, np.zeros((p.stop - p.start, _years(first)))) for p in parts]
        )
    trial_arrays = {k: np.concatenate([p.trial_arrays[k] for p in parts]) for k in first.trial_arrays}
    events = None
    if first.events is not None:
        keys = sorted(set().union(*(p.events for p in parts if p.events)))
        events = {}
        for k in keys:
            events[k] = np.concatenate(
                [p.events.get(k, np.zeros(p.events["trial"].size)) for p in parts if p.events]
            )
    return ChunkResult(first.start, parts[-1].stop, contracts, year_arrays, trial_arrays, events)


def _years(r: ChunkResult) -> int:
    for v in r.year_arrays.values():
        return v.shape[1]
    for c in r.contracts.values():
        for v in c.values():
            return v.shape[1]
    return 1
