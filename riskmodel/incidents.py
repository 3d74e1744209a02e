"""Stage D: incidents, drawn from a scenario-independent candidate event set and thinned per scenario.

In: a `CandidatePlan` compiled from the world data only (strata of trade × segment × zone × incident
type with their envelope rates), the run's seed, a trial block and a year; then, per scenario, the market
stage's base-class shares before the scheme uptake, the schemes' takes from them and the scheme that takes
each trade's tonnage (`market.cover_shares`'s `before_uptake_out` and `taken_out`,
`market.scheme_takers`), and the class rate factors.
Out: `Candidates` (per candidate: trial, stratum, time and a fixed row of keyed uniforms) and, after
thinning, the indices of the candidates that are real events together with their P&I class.

Why candidates (MODEL.md section 6): every scenario sees the same candidates with the same uniforms. A
candidate's class is found by comparing its class uniform with that trial-year's cover shares, and it is
real with probability rate(class) / envelope rate. Events common to two scenarios share every draw (common
random numbers) and the cost is proportional to candidates (not vessels × trials). The shares are laid out
on [0, 1) so that a scheme moves only the candidates of the tonnage it takes (`class_cuts`): each base
class's interval is its share before the uptake, and the scheme's take from it sits at its top, so two
scenarios whose shares before the uptake agree give a common candidate the same base class unless a
scheme took it. (Runs that draw different worlds draw the candidates each: holding a block's candidates
for another run would cost about 0.5 GB for a tenth of a run.) The envelope uses `CLASS_FACTOR_MAX`, the
schema's bound on class factors.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from riskmodel.engine.random import Stream, generator

__all__ = [
    "N_UNIFORMS",
    "U",
    "CandidatePlan",
    "Candidates",
    "EventUniforms",
    "class_cuts",
    "draw_candidates",
    "keyed_uniforms",
    "thin_candidates",
]


class U:
    """Columns of each real event's fixed row of uniforms (`event_uniforms`). Append only: never renumber."""

    TIME = 0
    CLASS = 1
    THIN = 2
    LADEN = 3
    CAUSE = 4
    SPILL = 5
    SPILL_SIZE = 6
    DAMAGE = 7
    COAST = 8
    TOTAL_LOSS = 9
    HULL_FRACTION = 10
    WRECK = 11
    COUNTERPARTY = 12
    BLAME = 13
    COUNTERPARTY_IG = 14
    INFRASTRUCTURE = 15
    PAYS = 16
    DESIGNATED = 17
    LICENCE = 18
    FLAG = 19
    CREW = 20


N_UNIFORMS = 21
GUIDE_SIZE = 1 << 16
#: Candidates are looked up and thinned in pieces of this many, whose arrays stay in the processor's cache
#: (twice as fast as whole years of a block); results do not depend on it.
PIECE = 1 << 18
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


def event_keys(base: np.uint64, ident: np.ndarray) -> np.ndarray:
    """uint64 keys of events with identities `ident` (whole numbers ≥ 0): base + ident × `_GOLDEN`, in
    wrapping 64-bit arithmetic, for `keyed_uniforms`."""
    ident = np.asarray(ident)
    with np.errstate(over="ignore"):
        keys = (ident.view(np.uint64) if ident.dtype == np.int64 else ident.astype(np.uint64)) * _GOLDEN
        keys += base
    return keys


_COLUMN = np.uint64(0xD1B54A32D192ED03)


#: The splitmix64 finaliser, a bijective mix of 64-bit integers (wrapping arithmetic), as its steps:
#: x ^= x >> 30, x *= 0xBF58476D1CE4E5B9; x ^= x >> 27, x *= 0x94D049BB133111EB; x ^= x >> 31.
_SPLITMIX_STEPS = (
    (np.uint64(30), np.uint64(0xBF58476D1CE4E5B9)),
    (np.uint64(27), np.uint64(0x94D049BB133111EB)),
    (np.uint64(31), None),
)


def keyed_uniforms(key: np.ndarray, columns: range | list[int]) -> np.ndarray:
    """Uniforms in [0, 1) of 53 bits, a pure function of (candidate key, column): shape (n, len(columns)).

    Counter-based, so a candidate's uniforms exist without being stored and are the same in every
    scenario; only the candidates that become real events ever compute them.
    """
    cols = [int(c) for c in columns]
    out = np.empty((len(cols), key.size))  # (a column at a time, in place: no temporaries to fault in)
    x, t = np.empty(key.size, dtype=np.uint64), np.empty(key.size, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for j, c in enumerate(cols):
            np.add(key, np.uint64(c + 1) * _COLUMN, out=x)
            for shift, factor in _SPLITMIX_STEPS:
                np.right_shift(x, shift, out=t)
                x ^= t
                if factor is not None:
                    x *= factor
            x >>= np.uint64(11)
            np.multiply(x, 1.0 / 9007199254740992.0, out=out[j], casting="unsafe")
    return out.T


@dataclass(frozen=True)
class CandidatePlan:
    """Strata of the envelope and what the scenario needs to thin them; world data only."""

    trade: np.ndarray  # int64 (n_strata,)
    segment: np.ndarray  # int64 (n_strata,)
    zone: np.ndarray  # int64 (n_strata,)
    itype: np.ndarray  # int64 (n_strata,)
    envelope_rate: np.ndarray  # float64 (n_strata,): expected candidates per trial-year
    cumulative: np.ndarray  # float64 (n_strata,): cumulative share of the envelope rate, last = 1
    max_factor: np.ndarray  # float64 (n_strata,): class × age factor of the envelope

    guide: np.ndarray  # int64 (GUIDE_SIZE,): first stratum whose cumulative share reaches k / GUIDE_SIZE

    @property
    def total_rate(self) -> float:
        return float(self.envelope_rate.sum())

    def stratum_of(self, u: np.ndarray) -> np.ndarray:
        """The stratum of each uniform: the first with cumulative share > u (a guide-table lookup).

        Start at the guide entry of u's cell and step right while the cumulative share is ≤ u; with
        a guide of more cells than strata, few steps are needed. Equal to
        `searchsorted(cumulative, u, side="right")`.
        """
        out = np.empty(u.size, dtype=np.int64)
        for a in range(0, u.size, PIECE):
            out[a : a + PIECE] = self._stratum_piece(u[a : a + PIECE])
        return out

    def _stratum_piece(self, u: np.ndarray) -> np.ndarray:
        last = self.cumulative.size - 1
        idx = self.guide[(u * GUIDE_SIZE).astype(np.int64)]
        todo = np.flatnonzero(self.cumulative[idx] <= u)
        while todo.size:
            # only the entries stepped can pass the last stratum: clamp those, not the whole piece
            step = np.minimum(idx[todo] + 1, last)
            idx[todo] = step
            todo = todo[(self.cumulative[step] <= u[todo]) & (step < last)]
        return idx

    @staticmethod
    def guide_table(cumulative: np.ndarray) -> np.ndarray:
        """Guide table for `stratum_of`: for cell k, the first stratum with cumulative > k / GUIDE_SIZE."""
        edges = np.arange(GUIDE_SIZE) / GUIDE_SIZE
        return np.minimum(np.searchsorted(cumulative, edges, side="right"), cumulative.size - 1)


@dataclass(frozen=True)
class Candidates:
    """Candidate events of one trial block and one year, in draw order."""

    trial: np.ndarray  # int64: trial index within the block
    stratum: np.ndarray  # int64
    u_time: np.ndarray
    u_class: np.ndarray
    u_thin: np.ndarray
    base: np.uint64  # candidate i's identity is base + i × golden (mod 2^64), for its other uniforms

    @property
    def size(self) -> int:
        return int(self.trial.size)

    @property
    def key(self) -> np.ndarray:
        """uint64 identity of every candidate (`keys` computes only the ones asked for)."""
        return self.keys(np.arange(self.size))

    def keys(self, idx: np.ndarray) -> np.ndarray:
        """uint64 identities of the candidates `idx`: only real events ever need theirs."""
        return event_keys(self.base, idx)

    def event_uniforms(self, idx: np.ndarray) -> EventUniforms:
        """The uniforms (columns `U`) of the candidates `idx`, computed column by column on first use."""
        return EventUniforms(self.keys(idx), self.u_time[idx], self.u_class[idx], self.u_thin[idx])


class EventUniforms:
    """The fixed row of uniforms of each real event, one column (`U`) at a time: `u[U.SPILL]`.

    Columns other than time, class and thinning are a pure function of the candidate's key, computed
    when first asked for, so memory holds only the columns a stage uses. The class and thinning
    uniforms are drawn with the candidates; once the events are known they may be left out (None).
    """

    def __init__(
        self, key: np.ndarray, time: np.ndarray, u_class: np.ndarray | None, u_thin: np.ndarray | None
    ) -> None:
        self.key = key
        self._cols: dict[int, np.ndarray] = {U.TIME: time}
        for col, values in ((U.CLASS, u_class), (U.THIN, u_thin)):
            if values is not None:
                self._cols[col] = values

    def __len__(self) -> int:
        return int(self.key.size)

    def __getitem__(self, col: int) -> np.ndarray:
        if col not in self._cols:
            if col in (U.CLASS, U.THIN):
                raise KeyError(f"column {col} (a candidate draw) was not kept with these events")
            self._cols[col] = keyed_uniforms(self.key, [col])[:, 0]
        return self._cols[col]

    def column(self, col: int, idx: np.ndarray) -> np.ndarray:
        """Column `col` of the rows `idx` only: the same values as `self[col][idx]`, without computing (or
        keeping) the column for every row. For draws that only some events need (a spill's size, a
        collision's counterparty)."""
        if col in self._cols:
            return self._cols[col][idx]
        return keyed_uniforms(self.key[idx], [col])[:, 0]

    def _rows(self, rows: np.ndarray | slice) -> EventUniforms:
        out = EventUniforms(self.key[rows], self._cols[U.TIME][rows], None, None)
        for c, v in self._cols.items():
            out._cols[c] = v[rows]
        return out

    def take(self, idx: np.ndarray) -> EventUniforms:
        """The rows `idx` (computed columns are carried over)."""
        return self._rows(idx)

    def slice(self, start: int, stop: int) -> EventUniforms:
        """The rows start..stop-1 as views (computed columns are carried over)."""
        return self._rows(slice(start, stop))

    @staticmethod
    def concatenate(parts: list[EventUniforms]) -> EventUniforms:
        """The rows of several parts, one after another (the columns every part has are carried over)."""
        common = set.intersection(*(set(p._cols) for p in parts))
        out = EventUniforms(
            np.concatenate([p.key for p in parts]), np.concatenate([p[U.TIME] for p in parts]), None, None
        )
        for c in sorted(common):
            out._cols[c] = np.concatenate([p._cols[c] for p in parts])
        return out


def draw_candidates(
    plan: CandidatePlan,
    seed: int,
    block: int,
    year: int,
    block_trials: int,
    buffer: np.ndarray | None = None,
    n_trials: int | None = None,
) -> Candidates:
    """One Poisson count per trial at the envelope rate, then each candidate's stratum and uniforms.

    The stratum is found from a uniform with the guide table of the cumulative envelope weights
    (`CandidatePlan.stratum_of`), which depend only on the world data, so every scenario sees the same
    candidates. A candidate's identity (for its other uniforms) is computed only if it becomes an event.

    `buffer` (optional, float64, contiguous) holds the candidates' uniforms when it has room for them (4
    per candidate): the same draws, in memory the caller reuses from one year to the next rather than in
    about 70 MB a block-year freshly mapped (and faulted in page by page); the candidates returned use it.

    `n_trials` (optional, at most `block_trials`): only the candidates of the block's first `n_trials`
    trials, the same draws as theirs among the whole block's. The block's counts are drawn, then each row
    of uniforms (stratum, time, class, thinning: the block's candidates one after another) is read up to
    the last candidate needed and the stream advanced past the rest (`PCG64.advance`: one step a double),
    so a short last block of a run does not draw the candidates of trials it does not have.
    """
    rng = generator(seed, Stream.CANDIDATES, block, year)
    counts = rng.poisson(plan.total_rate, block_trials)
    n_all = int(counts.sum())
    if n_trials is None or n_trials >= block_trials:
        n_trials, n = block_trials, n_all
    else:
        counts = counts[:n_trials]
        n = int(counts.sum())
    u = buffer[: 4 * n].reshape(4, n) if buffer is not None and buffer.size >= 4 * n else np.empty((4, n))
    if n == n_all:
        rng.random(out=u)
    else:
        for row in u:
            rng.random(out=row)
            rng.bit_generator.advance(n_all - n)
    base = rng.integers(0, 2**63, dtype=np.uint64)
    trial = np.repeat(np.arange(n_trials, dtype=np.int64), counts)
    stratum = plan.stratum_of(u[0])
    return Candidates(trial=trial, stratum=stratum, u_time=u[1], u_class=u[2], u_thin=u[3], base=base)


def class_cuts(before: np.ndarray, taken: np.ndarray | None) -> tuple[np.ndarray, np.ndarray | None]:
    """Where the class uniforms of one year's candidates are cut into P&I classes, from the market's
    shares of the year (`market.cover_shares`'s `before_uptake_out` and `taken_out`): `before` (4, n_trials,
    n_trades), each base class's share before the scheme uptake, and `taken` (the same shape), what the
    schemes took from it (None without schemes).

    The base classes lie on [0, 1) in order (ig, western_fixed, domestic, none), each over its share
    before the uptake: `cum` (4, n_trials, n_trades), their cumulative shares, is the upper end of each.
    Within class c's interval [lo, hi), the take sits at the top, [hi − taken, hi), the slot of the scheme
    that takes the trade's tonnage in that trial (`market.scheme_takers`: one scheme at most); the class
    keeps [lo, hi − taken). `scheme_cuts` (4, n_trials, n_trades), None without schemes, holds the lower
    end of the take's slot, hi − taken (+inf where nothing was taken). So a candidate changes class only if
    a scheme took its slice of the tonnage, and its base class is the one of any scenario whose shares
    before the uptake are the same: the draws of scenarios with and without schemes stay coupled.

    >>> before = np.array([0.5, 0.2, 0.2, 0.1])[:, None, None]  # 1 trial, 1 trade
    >>> taken = np.array([0.0, 0.0, 0.1, 0.05])[:, None, None]
    >>> cum, scheme_cuts = class_cuts(before, taken)
    >>> cum.ravel().round(2).tolist(), scheme_cuts.ravel().round(2).tolist()
    ([0.5, 0.7, 0.9, 1.0], [inf, inf, 0.8, 0.95])
    """
    # (class by class on whole (trial, trade) arrays: `np.cumsum` along the short class axis is slower)
    cum = np.empty(before.shape)
    cum[0] = before[0]
    for c in range(1, before.shape[0]):
        np.add(cum[c - 1], before[c], out=cum[c])
    if taken is None:
        return cum, None
    cuts = np.subtract(cum, taken)
    np.copyto(cuts, np.inf, where=taken <= 0.0)
    return cum, cuts


def thin_candidates(
    plan: CandidatePlan,
    cand: Candidates,
    cum_shares: np.ndarray,
    class_factor: np.ndarray,
    age_factor: np.ndarray,
    scheme_cuts: np.ndarray | None = None,
    takers: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Which candidates are real events in this scenario, and their P&I class.

    `cum_shares` (n_base, n_trials, n_trades) are the cumulative shares of the base classes in the
    candidate's year and `scheme_cuts` (n_base, n_trials, n_trades), or None, the lower ends of the
    schemes' slots within each (`class_cuts`), with `takers` (n_trials, n_trades) the scheme of each slot
    (`market.scheme_takers`); candidates of trials beyond their second axis (the padding of a short last
    block) are dropped. `class_factor` (n_classes,) and `age_factor` (n_trades, n_classes) are the rate
    factors of the base classes, then the schemes. A candidate's base class is the number of cumulative
    shares (all but the last) at or below its class uniform; if its base class's scheme cut is at or below
    it, its class is the scheme `takers` names (n_base + s) instead. It is real when its thinning uniform ×
    the envelope factor is below its class's factor. Returns (indices of real events, in draw order; their
    class).

    Candidates that no class of their trade could keep are dropped before their class is looked up (a
    bound on the thinning uniform per stratum), the class is found one cut at a time on the (trial, trade)
    rows, and the scheme cuts are looked up only on trades a scheme took from: the same events as
    comparing every candidate with its whole row, at a fraction of the memory traffic. The candidates go
    through in pieces of `PIECE`.
    """
    n_base, n_rows, n_trades = cum_shares.shape
    n_cells = n_rows * n_trades
    k = class_factor.size
    factor = class_factor[None, :] * age_factor  # (n_trades, k): the same products as per candidate
    # A candidate can only be real if u_thin × envelope factor < the largest factor of its trade: a
    # per-stratum bound on u_thin, loosened by a relative 1e-9 so that the exact test below decides.
    bound = factor.max(axis=1)[plan.trade] / plan.max_factor * (1.0 + 1e-9)
    cuts = cum_shares[:-1].reshape(n_base - 1, n_cells)  # (a view of class-first shares)
    if scheme_cuts is not None:
        if takers is None:
            raise ValueError("scheme_cuts need their takers (market.scheme_takers)")
        s_cuts = scheme_cuts.reshape(-1)  # the scheme cut of base class c on row r: [c × cells + r]
        flat_takers = takers.reshape(-1)
        on_scheme_trade = np.isfinite(scheme_cuts).any(axis=(0, 1))[plan.trade]  # per stratum
    flat_factor = factor.ravel()
    last_row = n_rows if cand.size and int(cand.trial[-1]) >= n_rows else None  # trials are in draw order
    kept, classes = [], []
    for a in range(0, cand.size, PIECE):
        b = min(a + PIECE, cand.size)
        trial, stratum, u_thin = cand.trial[a:b], cand.stratum[a:b], cand.u_thin[a:b]
        maybe = u_thin < bound.take(stratum)
        if last_row is not None:
            maybe &= trial < last_row
        idx = np.flatnonzero(maybe)
        st = stratum.take(idx)
        t = plan.trade.take(st)
        row = trial.take(idx) * n_trades + t
        u_class = cand.u_class[a:b].take(idx)
        cls = np.zeros(idx.size, dtype=np.int64)
        for c in range(n_base - 1):
            cls += u_class >= cuts[c].take(row)
        if scheme_cuts is not None:
            sub = np.flatnonzero(on_scheme_trade.take(st))
            row_sub = row.take(sub)
            hit = np.flatnonzero(u_class.take(sub) >= s_cuts.take(cls.take(sub) * n_cells + row_sub))
            cls[sub.take(hit)] = n_base + flat_takers.take(row_sub.take(hit))
        keep = np.flatnonzero(u_thin.take(idx) * plan.max_factor.take(st) < flat_factor.take(t * k + cls))
        kept.append(idx.take(keep) + a)
        classes.append(cls.take(keep))
    if not kept:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    return np.concatenate(kept), np.concatenate(classes)
