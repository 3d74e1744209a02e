"""Reinsurance contract terms applied to an event loss table, in event time order within each year.

In: an `EventLossTable` (one chunk of trials: events with the loss of every payer column, sanctions flags,
attritional annual losses and premium bases) and `ContractTerms` (plain numbers, compiled once from the
portfolio file by `terms_from_contract`). Out: per contract a `ContractYearLosses` of (n_trials, n_years)
float64 arrays (ceded loss, premium, reinstatement premium, largest ceded event, blocked amounts), and for
a portfolio the same summed per trial-year (`apply_portfolio`).

Order of the financial terms (each step is tested by itself in tests/test_terms.py):

1. **Cedant's share** of the source(s): x = share × Σ_sources loss, per event. The share is a scalar or
   looked up by the event's segment, zone or flag code (`share_by`); attritional losses, which have no
   codes, take the scalar `cedant_share` (the default share).
2. **Inuring quota shares**: x ← max(x − Σ cessions of the quota shares listed in `inures`, 0). The
   cessions are the whole treaty's, for a quota share with a `quota` (a 10% line on a 40% quota share
   deducts 40% of the loss); without one the treaty is the reinsurer's alone, and its cession after its
   participation is deducted. They are taken *whether recoverable or not* (a sanctions block on the
   quota share does not restore the excess's subject loss).
3. **Occurrence terms**: `xol` y = min(max(x − attachment, 0), limit); `quota_share` y = min(q x, limit)
   with q its `quota` (1 when not given) and an optional per-event limit; `stop_loss` y = x.
4. **Annual aggregate terms**, on cumulative sums per trial-year in event time order:
   G(c) = clip(c − D, 0, AAL) and the ceded amount of event k is G(C_k) − G(C_k − y_k), which is
   diff(G(C)) when there are no attritional losses. D is the AAD (for a stop loss: the attachment) and
   AAL the aggregate limit (for a stop loss: the limit; for an XoL with n ≥ 0 reinstatements and no
   stated aggregate limit (n + 1) × limit, so an XoL without reinstatements pays its limit once a year;
   for a quota share unlimited unless stated). Quota shares and stop losses also take the
   attritional annual loss A of their sources, accruing evenly over the year: C_k = A × t_k + Σ_{j≤k} y_j,
   and the annual total is G(A + Σ y). Per-occurrence XoL sees only the material events (attritional
   losses are below the materiality threshold, far below any XoL attachment).
5. **Participation**: every amount above is at 100% of the contract; loss, premium, reinstatement
   premium and blocked amounts are multiplied by `participation`.
6. **Reinstatement premium** (XoL only), pro rata as to amount, not as to time: with cumulative paid
   limit Q, the premium earned by an event that takes Q from Q⁻ to Q⁺ is
   P / limit × Σ_k r_k × (|[Q⁻, Q⁺] ∩ [k × limit, (k + 1) × limit]|) for the k-th reinstatement at rate r_k
   (k from 0), with Q capped at AAL − limit: a reinstatement cannot restore cover the aggregate limit
   does not leave (this matters only when the aggregate limit is stated below (n + 1) × limit).
   Limit 10 xs 5, two reinstatements at 100% and 50%, events 8, 20, 12: recoveries 3, 10, 7 and
   reinstatement premiums 0.30P, 0.85P, 0.35P (1.5P in all).
7. **Sanctions clause** at the reinsurance link (MODEL.md section 5): where the reinsurer's bloc sanctions
   an event (`elt.sanctioned[bloc]`), the payment is blocked. A *delayed* block (`elt.licensed`) is paid
   later under licence: it stays in `loss` (and in its reinstatement premium) and is also reported in
   `blocked_delayed`. A *permanent* block puts the claim outside the cover (the reinsurer "shall not be
   liable", LMA 3100): the cedant keeps it, it neither erodes the aggregate deductible and limit nor earns
   reinstatement premium, and `blocked_permanent` is what it takes away (the year's cession without the
   block less the year's with it), so no figure depends on where in the year it falls. Attritional
   losses carry no event flags: only a listed payee's are blocked (below). Flags do not reach the sources in
   `elt.unflagged_sources` (in the world model and event files those that pay parties other than the
   sanctioned tanker, `payers.THIRD_PARTY_SOURCES`): a contract on such sources only is never blocked,
   and one on sources of both kinds has the share of each payment that comes from the reached sources
   blocked (that share taken on the gross, before inuring cessions). A source in `listed_sources` pays a
   party the reinsurer's bloc already lists (a scheme's reinsurer sanctioned before any designation, as
   the EU and UK list RNRC): its part of every event is blocked, flagged or not, and licensed as a flagged
   event's would be; its attritional losses (no event to license) are blocked for good.

Premium P (100%) is fixed, or a rate times the trial-year's premium base `elt.premium_base[name]`; a
missing base is an error (`validate_portfolio`), never a silent zero. A source absent from the event loss
table cedes nothing (`absent_sources` lists them for the caller's note).

Everything is vectorised: the events are sorted by (trial, year, time) once per table (`np.lexsort`),
trial-years are runs of the sorted order, and each run's cumulative sums are summed on their own
(`riskmodel.liability.cumsum_runs`), so a trial-year's results do not depend on the other events of the
table. Each contract works only on the events where its occurrence cession is not zero. No Python loop
runs over trials, years or events (only over contracts, sources and reinstatements, and over the
positions within a trial-year of the longest run).

Reading event and annual loss files and writing the year and period loss tables (the deterministic terms
mode) is `riskmodel.reinsurance.event_files`, which builds on this module.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import TYPE_CHECKING, Literal

import numpy as np

from riskmodel.liability import cumsum_runs

if TYPE_CHECKING:
    from riskmodel.scenario.schema import Contract, Portfolio

__all__ = [
    "BLOCS",
    "KINDS",
    "SHARE_BY",
    "ContractTerms",
    "ContractYearLosses",
    "EventLossTable",
    "InuringCessions",
    "PortfolioYearLosses",
    "absent_sources",
    "apply_contract",
    "as_written",
    "apply_portfolio",
    "portfolio_terms",
    "terms_from_contract",
    "validate_portfolio",
    "with_listings",
    "written_on",
]

Kind = Literal["xol", "stop_loss", "quota_share"]
KINDS: tuple[str, ...] = ("xol", "stop_loss", "quota_share")
SHARE_BY: tuple[str, ...] = ("segment", "zone", "flag")
BLOCS: tuple[str, ...] = ("EU", "UK", "US")


# ------------------------------------------------------------------------------------- event loss table
@dataclass(eq=False)
class EventLossTable:
    """One chunk of events, the meeting point of the engine and the contracts (docs/architecture.md).

    One row per event; the arrays are treated as immutable once built. Events need not be sorted: the
    contracts sort them by (trial, year, time) once per table and cache the order.

    Attributes
    ----------
    trial, year : int64 arrays
        Global trial index, in ``[trial_offset, trial_offset + n_trials)``, and policy-year index, in
        ``[0, n_years)``.
    time : float64 array
        Time of the event within its policy year, in ``[0, 1)``.
    losses : dict of str to float64 array
        Payer column -> loss per event (USD m). Columns absent from the dict are zero.
    segment, zone, flag : int64 arrays
        Codes into the World tables (-1 when the event has none), for cedant shares by segment/zone/flag.
    sanctioned : dict of str to bool array
        Bloc (``EU``, ``UK``, ``US``) -> a payment on this event by a payer of that bloc is exposed to
        sanctions.
    unflagged_sources : frozenset of str
        Payer columns the ``sanctioned`` flags do not reach: they pay parties other than the sanctioned
        one (`payers.THIRD_PARTY_SOURCES`, for the world model's tables and event files alike). Empty by
        default: the flags reach every source.
    licensed : bool array
        A block on this event is licensed later (a delayed block) rather than permanent.
    attritional : dict of str to (n_trials, n_years) float64 array
        Source -> annual aggregate of the losses below the materiality threshold.
    premium_base : dict of str to (n_trials, n_years) float64 array
        Premium base name (``ig_gxl_premium``, ``hm_western_premium``, ``scheme_premium:<id>``) -> amount.
    trial_offset, n_trials, n_years : int
        The chunk's first global trial, its number of trials and of policy years.
    """

    trial: np.ndarray
    year: np.ndarray
    time: np.ndarray
    losses: dict[str, np.ndarray]
    segment: np.ndarray
    zone: np.ndarray
    flag: np.ndarray
    sanctioned: dict[str, np.ndarray]
    licensed: np.ndarray
    attritional: dict[str, np.ndarray]
    premium_base: dict[str, np.ndarray]
    trial_offset: int
    n_trials: int
    n_years: int
    unflagged_sources: frozenset[str] = frozenset()

    @classmethod
    def from_arrays(
        cls,
        trial: Sequence[int] | np.ndarray,
        year: Sequence[int] | np.ndarray,
        time: Sequence[float] | np.ndarray,
        losses: Mapping[str, Sequence[float] | np.ndarray],
        *,
        n_trials: int | None = None,
        n_years: int | None = None,
        trial_offset: int = 0,
        segment: Sequence[int] | np.ndarray | None = None,
        zone: Sequence[int] | np.ndarray | None = None,
        flag: Sequence[int] | np.ndarray | None = None,
        sanctioned: Mapping[str, Sequence[bool] | np.ndarray] | None = None,
        licensed: Sequence[bool] | np.ndarray | None = None,
        attritional: Mapping[str, np.ndarray] | None = None,
        premium_base: Mapping[str, np.ndarray] | None = None,
        unflagged_sources: Iterable[str] = (),
    ) -> EventLossTable:
        """Build a validated table from array-likes, with neutral defaults for what is not given.

        Codes default to -1, flags to False; ``n_trials`` and ``n_years`` default to the smallest that
        hold every event.

        >>> elt = EventLossTable.from_arrays([0, 0, 1], [0, 0, 0], [0.2, 0.7, 0.5], {"ig_pool": [8, 20, 12]})
        >>> elt.n_events, elt.n_trials, elt.n_years
        (3, 2, 1)
        """
        trial_a = np.asarray(trial, dtype=np.int64)
        year_a = np.asarray(year, dtype=np.int64)
        n = trial_a.size
        if n_trials is None:
            n_trials = int(trial_a.max()) - trial_offset + 1 if n else 0
        if n_years is None:
            n_years = int(year_a.max()) + 1 if n else 1

        def codes(a: Sequence[int] | np.ndarray | None) -> np.ndarray:
            return np.full(n, -1, np.int64) if a is None else np.asarray(a, dtype=np.int64)

        elt = cls(
            trial=trial_a,
            year=year_a,
            time=np.asarray(time, dtype=np.float64),
            losses={k: np.asarray(v, dtype=np.float64) for k, v in losses.items()},
            segment=codes(segment),
            zone=codes(zone),
            flag=codes(flag),
            sanctioned={k: np.asarray(v, dtype=bool) for k, v in (sanctioned or {}).items()},
            licensed=np.zeros(n, bool) if licensed is None else np.asarray(licensed, dtype=bool),
            attritional={k: np.asarray(v, dtype=np.float64) for k, v in (attritional or {}).items()},
            premium_base={k: np.asarray(v, dtype=np.float64) for k, v in (premium_base or {}).items()},
            trial_offset=int(trial_offset),
            n_trials=int(n_trials),
            n_years=int(n_years),
            unflagged_sources=frozenset(unflagged_sources),
        )
        elt.validate()
        return elt

    @property
    def n_events(self) -> int:
        """Number of events (rows)."""
        return int(self.trial.size)

    def summed(self, sources: Iterable[str]) -> np.ndarray:
        """Each event's loss summed over `sources` (a source without a column adds nothing); in row order.
        One source's column is returned as it is (treat it as read-only)."""
        columns = [self.losses[s] for s in sources if s in self.losses]
        if len(columns) == 1:
            return columns[0]
        total = np.zeros(self.n_events)
        for column in columns:
            total += column
        return total

    @property
    def shape(self) -> tuple[int, int]:
        """Shape of the year-level arrays: (n_trials, n_years)."""
        return (self.n_trials, self.n_years)

    def validate(self) -> None:
        """Check lengths, dtypes and ranges; raise ValueError saying what is wrong. O(events)."""
        n = self.n_events
        if self.n_trials < 0 or self.n_years < 1:
            raise ValueError(f"n_trials must be >= 0 and n_years >= 1, got {self.n_trials}, {self.n_years}")
        per_event: dict[str, np.ndarray] = {
            "year": self.year,
            "time": self.time,
            "segment": self.segment,
            "zone": self.zone,
            "flag": self.flag,
            "licensed": self.licensed,
        }
        per_event |= {f"losses[{k!r}]": v for k, v in self.losses.items()}
        per_event |= {f"sanctioned[{k!r}]": v for k, v in self.sanctioned.items()}
        for name, a in per_event.items():
            if a.shape != (n,):
                raise ValueError(f"{name} has shape {a.shape}, expected ({n},) like `trial`")
        for name, a in {**self.attritional, **self.premium_base}.items():
            if a.shape != self.shape:
                raise ValueError(f"year-level array {name!r} has shape {a.shape}, expected {self.shape}")
        if n == 0:
            return
        rel = self.trial - self.trial_offset
        if rel.min() < 0 or rel.max() >= self.n_trials:
            raise ValueError(
                f"trial outside [{self.trial_offset}, {self.trial_offset + self.n_trials}): "
                f"found {self.trial.min()}..{self.trial.max()}"
            )
        if self.year.min() < 0 or self.year.max() >= self.n_years:
            raise ValueError(f"year outside [0, {self.n_years}): found {self.year.min()}..{self.year.max()}")
        if not (np.all(self.time >= 0.0) and np.all(self.time < 1.0)):
            raise ValueError("time must lie in [0, 1)")
        for k, v in self.losses.items():
            if not np.all(np.isfinite(v)) or v.min() < 0:
                raise ValueError(f"losses[{k!r}] must be finite and non-negative")

    @cached_property
    def _order(self) -> _EventOrder:
        return _EventOrder.of(self)


#: Runs of events up to this long are summed by `_Runs` a rank at a time (the usual case: a few events a
#: trial-year); a table with a longer run uses `cumsum_runs`, which sums long runs with `np.cumsum`.
_SHORT_RUN = 64


@dataclass(frozen=True, eq=False)
class _Runs:
    """Events grouped into trial-year runs: `cell` of each event (in sorted order) and the first event
    of each run (`starts`)."""

    cell: np.ndarray
    starts: np.ndarray
    n_cells: int

    @staticmethod
    def of_cells(cell: np.ndarray, n_cells: int) -> _Runs:
        n = cell.size
        new_run = np.empty(n, bool)
        if n:
            new_run[0] = True
            np.not_equal(cell[1:], cell[:-1], out=new_run[1:])
        return _Runs(cell, np.flatnonzero(new_run), n_cells)

    @cached_property
    def _ranks(self) -> list[np.ndarray] | None:
        """The positions of the k-th event after the first of its run, for k = 1, 2, ... (each event
        once); None when a run is longer than `_SHORT_RUN` (a Python step per position would be slow)."""
        n, starts = self.cell.size, self.starts
        if n == 0 or starts.size == n:
            return []
        later = np.ones(n + 1, bool)  # (position n, past the end, is no event of a run)
        later[starts] = False
        later[n] = False
        ranks = []
        pos = starts + 1
        pos = pos[later[pos]]
        while pos.size:
            if len(ranks) == _SHORT_RUN:
                return None
            ranks.append(pos)
            pos = pos + 1
            pos = pos[later[pos]]
        return ranks

    def run_cumsum(self, x: np.ndarray) -> np.ndarray:
        """Cumulative sum within each trial-year run, each run summed on its own in event order: exactly
        `np.cumsum` of each run (one addition per event, in order, rank by rank; long runs:
        `cumsum_runs`)."""
        ranks = self._ranks
        if ranks is None:
            return cumsum_runs(x, self.starts)
        out = np.array(x, dtype=np.float64)  # a copy: the first event of each run is its own total
        for pos in ranks:
            out[pos] += out[pos - 1]
        return out

    def cell_sum(self, x: np.ndarray) -> np.ndarray:
        if not x.size:  # (bincount of nothing is an integer array)
            return np.zeros(self.n_cells)
        return np.bincount(self.cell, weights=x, minlength=self.n_cells)

    def cell_max(self, x: np.ndarray) -> np.ndarray:
        """Largest value per trial-year (0 where there is no event; x is non-negative)."""
        out = np.zeros(self.n_cells)
        if not x.size:
            return out
        ranks = self._ranks
        if ranks is None:
            out[self.cell[self.starts]] = np.maximum.reduceat(x, self.starts)
            return out
        top = np.array(x, dtype=np.float64)  # the largest so far in its run, rank by rank
        for pos in ranks:
            top[pos] = np.maximum(top[pos], top[pos - 1])
        last = np.append(self.starts[1:], x.size) - 1
        out[self.cell[last]] = top[last]
        return out


@dataclass(frozen=True, eq=False)
class _EventOrder(_Runs):
    """Events sorted by (trial, year, time) and grouped into trial-year runs."""

    order: np.ndarray | None = None  # permutation into sorted order; None when already sorted

    @staticmethod
    def of(elt: EventLossTable) -> _EventOrder:
        cell = elt.trial - elt.trial_offset
        if elt.n_years != 1:
            cell *= elt.n_years
        cell += elt.year
        n_cells = elt.n_trials * elt.n_years
        n = cell.size
        new_run = np.empty(n, bool)
        if n:
            new_run[0] = True
            np.not_equal(cell[1:], cell[:-1], out=new_run[1:])
        # sorted: the cells never decrease, and times never decrease within a run of one cell
        already = n < 2 or bool(
            not (cell[1:] < cell[:-1]).any() and (new_run[1:] | (elt.time[1:] >= elt.time[:-1])).all()
        )
        if already:
            return _EventOrder(cell, np.flatnonzero(new_run), n_cells, None)
        order = np.lexsort((elt.time, elt.year, elt.trial))
        runs = _Runs.of_cells(cell[order], n_cells)
        return _EventOrder(runs.cell, runs.starts, n_cells, order)

    def sort(self, a: np.ndarray) -> np.ndarray:
        return a if self.order is None else a[self.order]

    def unsort(self, a: np.ndarray) -> np.ndarray:
        if self.order is None:
            return a
        out = np.empty_like(a)
        out[self.order] = a
        return out

    def subset(self, idx: np.ndarray) -> _Subset:
        """The events at sorted positions `idx` (increasing), grouped into their own runs."""
        runs = _Runs.of_cells(self.cell[idx], self.n_cells)
        return _Subset(runs.cell, runs.starts, runs.n_cells, idx)

    def all(self) -> _Subset:
        """Every event, as a subset."""
        return _Subset(self.cell, self.starts, self.n_cells, np.arange(self.cell.size))


@dataclass(frozen=True, eq=False)
class _Subset(_Runs):
    """Some of a table's events (sorted positions `idx`): the ones a contract's terms can act on."""

    idx: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))

    def full(self, x: np.ndarray, n: int) -> np.ndarray:
        """A per-event array over all n sorted events: x on the subset, 0 elsewhere."""
        out = np.zeros(n)
        out[self.idx] = x
        return out


# ------------------------------------------------------------------------------------------ the terms
@dataclass(frozen=True)
class ContractTerms:
    """The terms of one contract, as plain numbers (USD m, at 100% of the contract).

    Build it from the portfolio file with `terms_from_contract`; the module docstring states the order in
    which the terms apply.

    Attributes
    ----------
    id : str
        Contract id.
    sources : tuple of str
        Payer columns ceded (summed per event).
    kind : {"xol", "stop_loss", "quota_share"}
        Per-occurrence excess of loss, aggregate excess of loss on the annual total, or quota share.
    cedant_share : float
        The cedant's share of the sources; with ``share_by``, the share of codes not in ``shares`` and of
        attritional losses.
    share_by : {"segment", "zone", "flag"} or None
        Event code that selects the cedant's share from ``shares`` (code -> share).
    participation : float
        This reinsurer's share of the contract.
    quota : float or None
        A quota share's cession rate: the treaty (100% of the contract) takes ``quota`` × each loss, of
        which ``participation`` is this reinsurer's line; an excess inuring to it deducts the whole
        treaty's cession. None: the treaty is this reinsurer's alone (it takes the whole loss at 100%, and
        an inuring deduction is ``participation`` × that, participation read as the quota).
    attachment, limit : float
        Per occurrence (xol), on the annual aggregate (stop_loss), or limit per event (quota_share).
        ``limit`` may be ``inf``.
    aad, aggregate_limit : float
        Annual aggregate deductible and limit (xol, quota_share). ``aggregate_limit=None`` means, for an
        XoL with a finite limit, (n + 1) × limit with n ≥ 0 reinstatements; else unlimited. With
        reinstatements a stated one may not exceed (n + 1) × limit; without, a larger one reinstates the
        limit free up to it.
    reinstatement_rates : tuple of float
        Premium rate of each reinstatement (1.0 = 100%), pro rata as to amount.
    premium_fixed, premium_rate, premium_base : float, float, str
        Annual premium: fixed, or ``premium_rate`` × the trial-year's ``elt.premium_base[premium_base]``.
    inures : tuple of str
        Ids of quota shares of the portfolio whose cessions apply before this contract.
    sanctions_clause : bool, reinsurer_bloc : str or None
        Whether an LMA 3100-type clause blocks payments on events sanctioned by the reinsurer's bloc.
    listed_sources : tuple of str
        Sources whose payee the reinsurer's bloc lists whatever the event (`with_listings`): with the
        clause, their part of every event and their attritional losses are blocked. Any iterable is
        taken; it is kept sorted (so the terms pickle, and digest, the same in every process).
    """

    id: str
    sources: tuple[str, ...]
    kind: Kind = "xol"
    cedant_share: float = 1.0
    share_by: str | None = None
    shares: Mapping[int, float] = field(default_factory=dict)
    participation: float = 1.0
    quota: float | None = None
    attachment: float = 0.0
    limit: float = math.inf
    aad: float = 0.0
    aggregate_limit: float | None = None
    reinstatement_rates: tuple[float, ...] = ()
    premium_fixed: float | None = None
    premium_rate: float | None = None
    premium_base: str | None = None
    inures: tuple[str, ...] = ()
    sanctions_clause: bool = False
    reinsurer_bloc: str | None = None
    listed_sources: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for name in ("sources", "reinstatement_rates", "inures"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        object.__setattr__(self, "listed_sources", tuple(sorted(set(self.listed_sources))))
        problems = list(self._problems())
        if problems:
            raise ValueError(f"contract {self.id!r}: " + "; ".join(problems))

    def _problems(self) -> Iterable[str]:
        if self.kind not in KINDS:
            yield f"kind must be one of {KINDS}, got {self.kind!r}"
        if not self.sources:
            yield "needs at least one source"
        for name in ("cedant_share", "participation"):
            v = getattr(self, name)
            if not 0.0 <= v <= 1.0:
                yield f"{name} must lie in [0, 1], got {v}"
        if self.share_by is not None and self.share_by not in SHARE_BY:
            yield f"share_by must be one of {SHARE_BY}, got {self.share_by!r}"
        if self.shares and self.share_by is None:
            yield "shares given without share_by"
        if any(k < 0 or not 0.0 <= v <= 1.0 for k, v in self.shares.items()):
            yield "shares must map codes >= 0 to shares in [0, 1]"
        if not (self.attachment >= 0 and math.isfinite(self.attachment)):
            yield f"attachment must be finite and >= 0, got {self.attachment}"
        if not self.limit > 0:
            yield f"limit must be > 0, got {self.limit}"
        if not (self.aad >= 0 and math.isfinite(self.aad)):
            yield f"aad must be finite and >= 0, got {self.aad}"
        if self.aggregate_limit is not None and not self.aggregate_limit > 0:
            yield f"aggregate_limit must be > 0, got {self.aggregate_limit}"
        if any(not (r >= 0 and math.isfinite(r)) for r in self.reinstatement_rates):
            yield "reinstatement rates must be finite and >= 0"
        if self.reinstatement_rates:
            if self.kind != "xol":
                yield "reinstatements apply to an xol only"
            if not math.isfinite(self.limit):
                yield "reinstatements need a finite limit"
            elif self.aggregate_limit is not None and self.aggregate_limit > (
                len(self.reinstatement_rates) + 1
            ) * self.limit * (1 + 1e-12):
                yield "aggregate_limit exceeds (reinstatements + 1) × limit"
        if self.kind == "stop_loss" and (self.aad or self.aggregate_limit is not None):
            yield "a stop_loss takes its annual retention and limit as attachment and limit, no aad"
        if self.kind == "quota_share" and self.attachment:
            yield "a quota_share has no attachment"
        if self.quota is not None and (self.kind != "quota_share" or not 0.0 < self.quota <= 1.0):
            yield f"quota applies to a quota_share only, in (0, 1], got {self.quota}"
        if self.premium_fixed is not None and self.premium_rate is not None:
            yield "premium is fixed or a rate on a base, not both"
        if self.premium_rate is not None and not self.premium_base:
            yield "premium_rate needs a premium_base"
        if self.id in self.inures:
            yield "a contract cannot inure to itself"
        if stray := sorted(set(self.listed_sources) - set(self.sources)):
            yield f"listed_sources {stray} are not among its sources"

    @property
    def aggregate_deductible(self) -> float:
        """D in G(c) = clip(c − D, 0, AAL): the AAD, or a stop loss's attachment."""
        return self.attachment if self.kind == "stop_loss" else self.aad

    @property
    def effective_aggregate_limit(self) -> float:
        """AAL in G(c): stated; else for an XoL (n + 1) × limit with n ≥ 0 reinstatements (MODEL.md
        section 9: without reinstatements the limit is paid once a year); a stop loss's limit; else inf.

        >>> xl = ContractTerms("x", ("ig_pool",), attachment=5, limit=10, reinstatement_rates=(1, 0.5))
        >>> xl.effective_aggregate_limit, ContractTerms("y", ("ig_pool",), limit=10).effective_aggregate_limit
        (30.0, 10.0)
        """
        if self.kind == "stop_loss":
            return float(self.limit)
        if self.aggregate_limit is not None:
            return float(self.aggregate_limit)
        if self.kind == "xol" and math.isfinite(self.limit):
            return (len(self.reinstatement_rates) + 1) * float(self.limit)
        return math.inf

    @property
    def uses_attritional(self) -> bool:
        """Quota shares and stop losses take attritional losses; a per-occurrence XoL does not."""
        return self.kind != "xol"


# ----------------------------------------------------------------------------------------- the results
@dataclass(eq=False)
class ContractYearLosses:
    """One contract's (or the portfolio's) results per trial-year: (n_trials, n_years) float64 arrays.

    ``loss`` is what the reinsurer pays (including delayed blocks, excluding permanent ones); ``premium``
    the annual premium and ``reinstatement_premium`` the premiums for reinstated limit, all at the
    reinsurer's participation. ``max_event_loss`` is the largest paid event of the year (for the OEP).
    ``event_ceded`` and ``event_reinstatement_premium`` (per event, in the table's row order) are kept
    only when asked for.
    """

    loss: np.ndarray
    reinstatement_premium: np.ndarray
    premium: np.ndarray
    max_event_loss: np.ndarray
    blocked_delayed: np.ndarray
    blocked_permanent: np.ndarray
    event_ceded: np.ndarray | None = None
    event_reinstatement_premium: np.ndarray | None = None

    @property
    def result(self) -> np.ndarray:
        """Underwriting result: premium + reinstatement premium − loss."""
        return self.premium + self.reinstatement_premium - self.loss


#: The per trial-year arrays of a `ContractYearLosses` (its other fields are per event).
_YEAR_FIELDS = (
    "loss",
    "reinstatement_premium",
    "premium",
    "max_event_loss",
    "blocked_delayed",
    "blocked_permanent",
)


class PortfolioYearLosses(dict[str, ContractYearLosses]):
    """Contract id -> `ContractYearLosses`, plus ``total``: the portfolio summed per trial-year.

    ``total.max_event_loss`` is the largest per-event sum over contracts (after each contract's terms in
    time order), the basis of the portfolio OEP; it is not the sum of the contracts' maxima. The total of
    a one-contract portfolio is that contract: its arrays are read-only views of the contract's (unless
    the per-event cessions are kept).
    """

    total: ContractYearLosses


@dataclass(frozen=True, eq=False)
class InuringCessions:
    """Cessions of inuring quota shares, subtracted from a contract's subject loss before its terms.

    ``event`` per event in the table's row order; ``attritional`` (n_trials, n_years).
    """

    event: np.ndarray
    attritional: np.ndarray


@dataclass(frozen=True, eq=False)
class _Ceded:
    """A contract's cessions at 100%, on the events with a non-zero occurrence cession (internal).

    Events whose occurrence cession y is zero neither take nor erode anything (their aggregate cession
    G(C) − G(C − 0) and reinstatement premium are zero), so the terms are computed on the others only.
    """

    events: _Subset  # the events with y != 0, in sorted order
    event_100: np.ndarray  # per event of `events` after aggregate terms, 100% of the contract
    attritional_100: np.ndarray  # per cell, the attritional part of the annual cession, 100% (0 for xol)
    rp_event_100: np.ndarray | None  # per event of `events` reinstatement premium, 100%
    premium_100: np.ndarray  # per cell
    blocked_share: np.ndarray | float  # per event of `events`: share of its gross the clause blocks
    blocks: _Blocks | None  # the sanctions clause's blocks of `events` (None: the clause blocks nothing)


@dataclass
class _Blocks:
    """The events of a contract that its sanctions clause blocks (internal): masks over its events."""

    delayed: np.ndarray  # bool: blocked and licensed (paid late)
    permanent: np.ndarray  # bool: blocked for good (outside the cover)
    permanent_100: np.ndarray  # per cell: the annual cession the permanent blocks take away, 100%


# --------------------------------------------------------------------------------------------- kernels
def _clip_aggregate(c: np.ndarray, deductible: float, agg_limit: float) -> np.ndarray:
    """G(c) = clip(c − D, 0, AAL)."""
    return np.clip(c - deductible, 0.0, agg_limit)


def _reinstated(q: np.ndarray, limit: float, rates: tuple[float, ...]) -> np.ndarray:
    """Σ_k r_k × (paid limit in the k-th reinstated tranche [k L, (k+1) L]) / L, for cumulative paid q."""
    total = np.zeros_like(q)
    for k, rate in enumerate(rates):
        total += rate * np.clip(q - k * limit, 0.0, limit)
    return total / limit


def _event_share(
    elt: EventLossTable, terms: ContractTerms, order: _EventOrder, idx: np.ndarray | None
) -> np.ndarray | float:
    """The cedant's share of the events at sorted positions `idx` (None: every event)."""
    if terms.share_by is None:
        return terms.cedant_share
    codes = order.sort(getattr(elt, terms.share_by))
    if idx is not None:
        codes = codes[idx]
    if not terms.shares:
        return terms.cedant_share
    keys = np.fromiter(terms.shares.keys(), np.int64, len(terms.shares))
    size = max(int(keys.max()), int(codes.max()) if codes.size else 0) + 1
    table = np.full(size, terms.cedant_share)
    table[keys] = np.fromiter(terms.shares.values(), np.float64, len(terms.shares))
    return np.where(codes >= 0, table[np.maximum(codes, 0)], terms.cedant_share)


def _premium_100(elt: EventLossTable, terms: ContractTerms) -> np.ndarray:
    n_cells = elt.n_trials * elt.n_years
    if terms.premium_rate is not None:
        base = elt.premium_base.get(terms.premium_base or "")
        if base is None:
            raise ValueError(
                f"contract {terms.id!r}: premium base {terms.premium_base!r} is not available "
                f"(available: {sorted(elt.premium_base) or 'none'})"
            )
        return terms.premium_rate * base.reshape(n_cells)
    return np.full(n_cells, terms.premium_fixed or 0.0)


def _cede(
    elt: EventLossTable,
    terms: ContractTerms,
    order: _EventOrder,
    inuring: InuringCessions | None,
    blocks_apply: bool = True,
) -> _Ceded:
    """Steps 1-4 and the reinstatement premium at 100% (module docstring), in sorted event order, on the
    events where some source has a loss; with the permanent blocks of step 7 outside the cover unless
    `blocks_apply` is False (a quota share's cessions as an inuring contract deducts them)."""
    n_cells = order.n_cells
    uses_attritional = terms.uses_attritional
    attritional = np.zeros(n_cells if uses_attritional else 0)  # an xol sees only the events
    if uses_attritional:
        for source in terms.sources:
            if source in elt.attritional:
                attritional += elt.attritional[source].reshape(n_cells)
    present = [source for source in terms.sources if source in elt.losses]
    gross = order.sort(elt.summed(present))
    # a sparse source (most payer columns of the world model): work on its non-zero events only
    # (`gross != 0`: numpy finds the non-zero entries of a bool array several times faster than of floats)
    nz = None
    has_loss = gross != 0
    if gross.size and np.count_nonzero(has_loss) < gross.size // 2:
        nz = np.flatnonzero(has_loss)
        gross = gross[nz]
    share = _event_share(elt, terms, order, nz)
    x = gross if isinstance(share, float) and share == 1.0 else share * gross
    attritional *= terms.cedant_share
    if inuring is not None:
        cession = order.sort(inuring.event)
        x = np.maximum(x - (cession if nz is None else cession[nz]), 0.0)
        if uses_attritional:
            attritional = np.maximum(attritional - inuring.attritional.reshape(n_cells), 0.0)

    if terms.quota is not None:  # a quota share's treaty takes its quota of each loss
        x = terms.quota * x
        if uses_attritional:
            attritional = terms.quota * attritional
    if terms.kind == "xol":  # only the events above the attachment cede (x − a > 0 exactly when x > a)
        acting = np.flatnonzero(x > terms.attachment)
        y = np.minimum(x[acting] - terms.attachment, terms.limit)
    else:
        y = np.minimum(x, terms.limit) if terms.kind == "quota_share" else x
        acting = np.flatnonzero(y)
        y = y if acting.size == y.size else y[acting]
    if acting.size == gross.size and nz is None:
        events = order.all()
    else:
        events = order.subset(acting if nz is None else nz[acting])

    d, agg = terms.aggregate_deductible, terms.effective_aggregate_limit
    y_unblocked = y
    blocked_share, blocks, attritional_unblocked = 1.0, None, None
    if blocks_apply:  # (an inuring quota share's cessions are taken whether blocked or not: step 2)
        blocked_share, blocks = _clause(elt, terms, order, present, events, gross, acting)
        listed_share = _listed_attritional_share(elt, terms, n_cells) if uses_attritional else None
        if listed_share is not None:
            # the attritional losses of a source whose payee is listed are blocked for good (they carry
            # no event, so no licence), in proportion to the sources' attritional losses
            attritional_unblocked = attritional
            attritional = attritional * (1.0 - listed_share)
    if blocks is not None and blocks.permanent.any():
        # a claim blocked for good is outside the cover (the reinsurer "shall not be liable"): the part the
        # flags reach neither erodes the aggregate deductible and limit nor earns reinstatement premium, so
        # the year's cessions do not depend on where in the year it falls
        y = y * np.where(blocks.permanent, 1.0 - blocked_share, 1.0)
    cum = events.run_cumsum(y)
    if uses_attritional:
        cum = cum + attritional[events.cell] * order.sort(elt.time)[events.idx]
    paid_after = _clip_aggregate(cum, d, agg)
    paid_before = _clip_aggregate(cum - y, d, agg)
    # without aggregate terms an event cedes its own amount exactly (the difference of the running sums
    # would carry their rounding: 1000.1 then 0.3 gives 0.2999999999999545)
    event_100 = y if d == 0 and math.isinf(agg) else paid_after - paid_before
    if uses_attritional:
        annual = _clip_aggregate(attritional + events.cell_sum(y), d, agg)
        attritional_100 = np.where(attritional > 0, np.maximum(annual - events.cell_sum(event_100), 0.0), 0.0)
    else:
        attritional_100 = np.zeros(n_cells)
    if y is not y_unblocked or attritional_unblocked is not None:
        # what the blocks take away: the year's cession without them less the year's with them (a year's
        # cession is the clipped total, whatever the order of its events)
        base = attritional if uses_attritional else 0.0
        before = base if attritional_unblocked is None else attritional_unblocked
        permanent_100 = _clip_aggregate(before + events.cell_sum(y_unblocked), d, agg) - _clip_aggregate(
            base + events.cell_sum(y), d, agg
        )
        if blocks is None:  # (only the attritional part is blocked)
            none = np.zeros(events.idx.size, bool)
            blocks = _Blocks(none, none, permanent_100)
        else:
            blocks.permanent_100 = permanent_100

    premium = _premium_100(elt, terms)
    rp = None
    if terms.reinstatement_rates:
        rates, limit = terms.reinstatement_rates, terms.limit
        reinstatable = max(agg - limit, 0.0)  # a reinstatement cannot restore cover beyond the AAL
        rp = premium[events.cell] * (
            _reinstated(np.minimum(paid_after, reinstatable), limit, rates)
            - _reinstated(np.minimum(paid_before, reinstatable), limit, rates)
        )
    return _Ceded(events, event_100, attritional_100, rp, premium, blocked_share, blocks)


def _listed_attritional_share(elt: EventLossTable, terms: ContractTerms, n_cells: int) -> np.ndarray | None:
    """Per trial-year, the share of a contract's attritional losses that comes from sources whose payee
    the reinsurer's bloc lists (`terms.listed_sources`); None when the clause blocks none of them."""
    if not terms.sanctions_clause or terms.reinsurer_bloc is None:
        return None
    listed = [s for s in terms.sources if s in terms.listed_sources and s in elt.attritional]
    if not listed:
        return None
    total = sum(elt.attritional[s].reshape(n_cells) for s in terms.sources if s in elt.attritional)
    part = sum(elt.attritional[s].reshape(n_cells) for s in listed)
    return np.divide(part, total, out=np.zeros(n_cells), where=total > 0)


def _clause(
    elt: EventLossTable,
    terms: ContractTerms,
    order: _EventOrder,
    present: list[str],
    events: _Subset,
    gross: np.ndarray,
    acting: np.ndarray,
) -> tuple[np.ndarray | float, _Blocks | None]:
    """Step 7 on `events`: the share of each one's gross that the sanctions clause blocks where it blocks
    the event, and its masks (None: the clause blocks nothing; the share is then not used). An event is
    blocked where the reinsurer's bloc flags it, for the sources the flags reach (not in
    `elt.unflagged_sources`), and every event for the sources whose payee the bloc lists
    (`terms.listed_sources`). The share is taken on the gross, before inuring cessions: exact unless an
    inuring quota share cedes the blocked and other sources in other proportions."""
    bloc = terms.reinsurer_bloc
    if not terms.sanctions_clause or bloc is None:
        return 1.0, None
    listed = [s for s in present if s in terms.listed_sources]
    reached = [s for s in present if s not in elt.unflagged_sources and s not in terms.listed_sources]
    flags = elt.sanctioned.get(bloc)
    flagged = None if flags is None or not reached else order.sort(flags)[events.idx]
    if flagged is not None and not flagged.any():
        flagged = None
    if not listed and flagged is None:
        return 0.0, None
    whole = gross[acting]  # the gross of `events` (`_cede` took them as `acting` of its `gross`)

    def part(sources: list[str]) -> np.ndarray:
        return order.sort(elt.summed(sources))[events.idx]

    if not listed:  # (the flags alone)
        blocked = flagged
        if len(reached) == len(present):
            share: np.ndarray | float = 1.0
        else:
            share = np.divide(part(reached), whole, out=np.zeros_like(whole), where=whole > 0)
    elif len(listed) == len(present):  # (every source's payee listed: every event, in full)
        blocked, share = np.ones(events.idx.size, bool), 1.0
    else:
        listed_part = part(listed)
        blocked_part = listed_part if flagged is None else listed_part + np.where(flagged, part(reached), 0.0)
        share = np.divide(blocked_part, whole, out=np.zeros_like(whole), where=whole > 0)
        blocked = listed_part > 0 if flagged is None else flagged | (listed_part > 0)
    licensed = order.sort(elt.licensed)[events.idx]
    return share, _Blocks(blocked & licensed, blocked & ~licensed, np.zeros(order.n_cells))


def _finish(
    elt: EventLossTable, terms: ContractTerms, order: _EventOrder, ceded: _Ceded
) -> tuple[ContractYearLosses, np.ndarray, np.ndarray | None]:
    """Steps 5 and 7: participation and the sanctions clause; per-trial-year sums. Returns the results
    and the paid amount and reinstatement premium of each event of `ceded.events`."""
    part = terms.participation
    events = ceded.events

    def at_part(x: np.ndarray) -> np.ndarray:
        return x if part == 1.0 else part * x  # (x × 1.0 is x, bit for bit)

    event = at_part(ceded.event_100)
    rp = None if ceded.rp_event_100 is None else at_part(ceded.rp_event_100)
    blocked_delayed = np.zeros(order.n_cells)
    blocked_permanent = np.zeros(order.n_cells)
    blocks, share = ceded.blocks, ceded.blocked_share
    if blocks is not None:
        # a delayed block is paid (late): in `loss` and its reinstatement premium, and reported; a block for
        # good left the cover in `_cede` (the reached part of the claim: all of it when every source is)
        delayed_part = event if isinstance(share, float) else share * event
        blocked_delayed = events.cell_sum(np.where(blocks.delayed, delayed_part, 0.0))
        blocked_permanent = at_part(blocks.permanent_100)
    shape = elt.shape
    result = ContractYearLosses(
        loss=(
            events.cell_sum(event)
            if not terms.uses_attritional
            else events.cell_sum(event) + part * ceded.attritional_100
        ).reshape(shape),
        reinstatement_premium=(np.zeros(order.n_cells) if rp is None else events.cell_sum(rp)).reshape(shape),
        premium=at_part(ceded.premium_100).reshape(shape),
        max_event_loss=events.cell_max(event).reshape(shape),
        blocked_delayed=blocked_delayed.reshape(shape),
        blocked_permanent=blocked_permanent.reshape(shape),
    )
    return result, event, rp


def _check_shapes(elt: EventLossTable) -> None:
    n = elt.n_events
    for name in ("year", "time", "segment", "zone", "flag", "licensed"):
        if getattr(elt, name).shape != (n,):
            raise ValueError(f"event loss table: {name} does not have one value per event")


# ------------------------------------------------------------------------------------------ public API
def apply_contract(
    elt: EventLossTable,
    terms: ContractTerms,
    inuring_ceded: InuringCessions | None = None,
    *,
    keep_event_ceded: bool = False,
) -> ContractYearLosses:
    """Apply one contract's terms to an event loss table, in event time order within each trial-year.

    The order of the terms is in the module docstring: cedant share → inuring quota shares → occurrence
    terms → annual aggregate deductible and limit → participation → reinstatement premium → sanctions.

    Parameters
    ----------
    elt : EventLossTable
    terms : ContractTerms
    inuring_ceded : InuringCessions, optional
        Cessions of the quota shares in ``terms.inures`` (`apply_portfolio` computes them).
    keep_event_ceded : bool
        Also return the paid amount and reinstatement premium of every event (``event_ceded``).

    Returns
    -------
    ContractYearLosses

    Examples
    --------
    Limit 10 xs 5, premium 1, reinstatements at 100% and 50%; events of 8, 20 and 12 in one year:

    >>> elt = EventLossTable.from_arrays([0, 0, 0], [0, 0, 0], [0.1, 0.5, 0.9], {"ig_pool": [8, 20, 12]})
    >>> xl = ContractTerms("xl", ("ig_pool",), attachment=5, limit=10, reinstatement_rates=(1.0, 0.5),
    ...                    premium_fixed=1.0)
    >>> r = apply_contract(elt, xl, keep_event_ceded=True)
    >>> r.event_ceded.tolist(), r.event_reinstatement_premium.round(2).tolist()
    ([3.0, 10.0, 7.0], [0.3, 0.85, 0.35])
    >>> float(r.loss[0, 0]), float(r.reinstatement_premium[0, 0])
    (20.0, 1.5)
    """
    if terms.inures and inuring_ceded is None:
        raise ValueError(
            f"contract {terms.id!r} has inuring quota shares {list(terms.inures)}: "
            "use apply_portfolio, or pass inuring_ceded"
        )
    _check_shapes(elt)
    order = elt._order
    ceded = _cede(elt, terms, order, inuring_ceded)
    result, event, rp = _finish(elt, terms, order, ceded)
    if keep_event_ceded:
        n = elt.n_events
        result.event_ceded = order.unsort(ceded.events.full(event, n))
        result.event_reinstatement_premium = order.unsort(ceded.events.full(0.0 if rp is None else rp, n))
    return result


def validate_portfolio(
    contracts: Iterable[ContractTerms], *, premium_bases: Iterable[str] | None = None
) -> list[ContractTerms]:
    """Check a portfolio as a whole and return its contracts with inuring quota shares first.

    Errors: duplicate ids; an ``inures`` entry that is unknown, not a quota share, on other sources, or
    part of a cycle; with ``premium_bases`` given, a rated premium on a base not in it. This is the
    compile-time check: a missing premium base must never become a silent zero.

    >>> qs = ContractTerms("qs", ("ig_pool",), kind="quota_share", participation=0.3)
    >>> xl = ContractTerms("xl", ("ig_pool",), attachment=5, limit=10, inures=("qs",))
    >>> [c.id for c in validate_portfolio([xl, qs])]
    ['qs', 'xl']
    """
    contracts = list(contracts)
    by_id: dict[str, ContractTerms] = {}
    for c in contracts:
        if c.id in by_id:
            raise ValueError(f"duplicate contract id {c.id!r}")
        by_id[c.id] = c
    for c in contracts:
        for q in c.inures:
            if q not in by_id:
                raise ValueError(f"contract {c.id!r} inures to unknown contract {q!r}")
            if by_id[q].kind != "quota_share":
                raise ValueError(
                    f"contract {c.id!r} inures to {q!r}, which is a {by_id[q].kind}, not a quota_share"
                )
            if not set(by_id[q].sources) <= set(c.sources):
                raise ValueError(
                    f"contract {c.id!r} inures to {q!r}, whose sources {list(by_id[q].sources)} are not "
                    f"among its own {list(c.sources)}"
                )
    if premium_bases is not None:
        available = set(premium_bases)
        for c in contracts:
            if c.premium_rate is not None and c.premium_base not in available:
                raise ValueError(
                    f"contract {c.id!r}: premium base {c.premium_base!r} is not available "
                    f"(available: {sorted(available) or 'none'})"
                )
    ordered: list[ContractTerms] = []
    state: dict[str, int] = {}  # 1 visiting, 2 done

    def visit(cid: str, path: tuple[str, ...]) -> None:
        if state.get(cid) == 2:
            return
        if state.get(cid) == 1:
            raise ValueError("inuring cycle: " + " -> ".join((*path, cid)))
        state[cid] = 1
        for q in by_id[cid].inures:
            visit(q, (*path, cid))
        state[cid] = 2
        ordered.append(by_id[cid])

    for c in contracts:
        visit(c.id, ())
    return ordered


def as_written(
    terms: ContractTerms, sources: Collection[str], bases: Collection[str], where: str
) -> tuple[ContractTerms, str | None]:
    """A contract as a scenario producing the payer columns `sources` and the premium bases `bases`
    (`payers.present_sources`, `present_premium_bases`) writes it, and why its premium is 0 if it is:
    one on none of the columns is not written (it cedes nothing and earns no premium); one rated on a base
    the scenario lacks earns none. `where` names the scenario in the note (`compile_scenario` and
    `apply-terms` on a run folder apply the one rule).

    >>> c = ContractTerms("r", ("scheme:rv",), premium_fixed=1.0)
    >>> written, why = as_written(c, {"ig_pool"}, set(), "this scenario")
    >>> written.premium_fixed, why.split(": ", 2)[2]
    (0.0, 'it cedes nothing and earns no premium (not written without its sources)')
    """
    if not written_on(terms, sources):
        why = (
            f"contract {terms.id}: no losses from {', '.join(terms.sources)} in {where}: it cedes nothing "
            "and earns no premium (not written without its sources)"
        )
    elif terms.premium_rate is not None and terms.premium_base not in bases:
        why = f"contract {terms.id}: premium base {terms.premium_base} does not exist in {where}; "
        why += "its premium is 0"
    else:
        return terms, None
    return replace(terms, premium_rate=None, premium_base=None, premium_fixed=0.0), why


def with_listings(terms: ContractTerms, listed: Mapping[str, Collection[str]]) -> ContractTerms:
    """The contract with its `listed_sources`: those of its sources whose payee its reinsurer's bloc lists
    (`listed`: bloc → payer columns, `payers.listed_payees` of the scenario's schemes), added to any it
    has. A contract without a bloc gains none.

    >>> c = ContractTerms("r", ("scheme_reinsurance:rv", "owner"), sanctions_clause=True, reinsurer_bloc="EU")
    >>> sorted(with_listings(c, {"EU": {"scheme_reinsurance:rv"}, "US": {"owner"}}).listed_sources)
    ['scheme_reinsurance:rv']
    """
    bloc = listed.get(terms.reinsurer_bloc or "", ())
    chosen = tuple(sorted({*terms.listed_sources, *(s for s in terms.sources if s in bloc)}))
    return terms if chosen == terms.listed_sources else replace(terms, listed_sources=chosen)


def written_on(terms: ContractTerms, sources: Collection[str]) -> bool:
    """Whether a scenario producing the payer columns `sources` writes the contract: one of its sources is
    among them (`as_written`)."""
    return any(src in sources for src in terms.sources)


def absent_sources(elt: EventLossTable, contracts: Iterable[ContractTerms]) -> dict[str, tuple[str, ...]]:
    """Contract id -> its sources with neither event nor attritional losses in the table (they cede zero)."""
    present = set(elt.losses) | set(elt.attritional)
    out = {c.id: tuple(s for s in c.sources if s not in present) for c in contracts}
    return {k: v for k, v in out.items() if v}


def apply_portfolio(
    elt: EventLossTable, contracts: Iterable[ContractTerms], *, keep_event_ceded: bool = False
) -> PortfolioYearLosses:
    """Apply every contract of a portfolio; inuring quota shares go first.

    Returns a dict of contract id -> `ContractYearLosses` (in the order given) whose ``total`` attribute
    holds the portfolio summed per trial-year, with the OEP basis ``total.max_event_loss`` taken from the
    per-event sum over contracts (for one contract, read-only views of its arrays). The table is sorted
    once for all contracts.

    >>> elt = EventLossTable.from_arrays([0, 0], [0, 0], [0.1, 0.5], {"ig_pool": [10, 30]})
    >>> qs = ContractTerms("qs", ("ig_pool",), kind="quota_share", participation=0.5)
    >>> xl = ContractTerms("xl", ("ig_pool",), attachment=5, limit=10, inures=("qs",))
    >>> res = apply_portfolio(elt, [qs, xl])
    >>> float(res["qs"].loss[0, 0]), float(res["xl"].loss[0, 0]), float(res.total.max_event_loss[0, 0])
    (20.0, 10.0, 25.0)
    """
    given = list(contracts)
    ordered = validate_portfolio(given, premium_bases=elt.premium_base)
    _check_shapes(elt)
    order = elt._order
    n, n_cells = elt.n_events, order.n_cells
    # cessions of quota shares (after participation): sorted events and values, cell attritional
    qs_cessions: dict[str, tuple[_Subset, np.ndarray, np.ndarray]] = {}
    results: dict[str, ContractYearLosses] = {}
    # the per-event sum over contracts: the OEP basis of several contracts, or kept
    event_total = np.zeros(n) if len(ordered) != 1 or keep_event_ceded else None
    inured = {q for t in ordered for q in t.inures}  # the quota shares that another contract deducts
    for terms in ordered:
        inuring = None
        if terms.inures:
            ev = np.zeros(n)
            att = np.zeros(n_cells)
            for q in terms.inures:
                events, values, attritional = qs_cessions[q]
                ev[events.idx] += values
                att = att + attritional
            inuring = InuringCessions(order.unsort(ev), att.reshape(elt.shape))
        ceded = _cede(elt, terms, order, inuring)
        if terms.kind == "quota_share" and terms.id in inured:
            # an inuring contract deducts the whole treaty's cessions (this line's when no quota is given:
            # the treaty is the reinsurer's alone), whether recoverable or not (step 2)
            part = terms.participation if terms.quota is None else 1.0
            gross = ceded
            if ceded.blocks is not None and ceded.blocks.permanent.any():
                gross = _cede(elt, terms, order, inuring, blocks_apply=False)
            qs_cessions[terms.id] = (gross.events, part * gross.event_100, part * gross.attritional_100)
        result, event, rp = _finish(elt, terms, order, ceded)
        if event_total is not None:
            event_total[ceded.events.idx] += event
        if keep_event_ceded:
            result.event_ceded = order.unsort(ceded.events.full(event, n))
            result.event_reinstatement_premium = order.unsort(ceded.events.full(0.0 if rp is None else rp, n))
        results[terms.id] = result
    out = PortfolioYearLosses((t.id, results[t.id]) for t in given)
    if len(results) == 1 and not keep_event_ceded:  # the portfolio is its one contract
        only = next(iter(results.values()))
        out.total = ContractYearLosses(**{f: _read_only(getattr(only, f)) for f in _YEAR_FIELDS})
        return out

    def total(name: str) -> np.ndarray:
        parts = [getattr(r, name) for r in results.values()]
        if not parts:
            return np.zeros(elt.shape)
        out = parts[0].copy()
        for p in parts[1:]:
            out += p
        return out

    if len(results) == 1:  # the portfolio's largest event is its one contract's
        max_event = next(iter(results.values())).max_event_loss.copy()
    else:
        assert event_total is not None
        paying = order.subset(np.flatnonzero(event_total != 0))  # (a bool array: faster, as in `_cede`)
        max_event = paying.cell_max(event_total[paying.idx]).reshape(elt.shape)
    out.total = ContractYearLosses(
        loss=total("loss"),
        reinstatement_premium=total("reinstatement_premium"),
        premium=total("premium"),
        max_event_loss=max_event,
        blocked_delayed=total("blocked_delayed"),
        blocked_permanent=total("blocked_permanent"),
        event_ceded=order.unsort(event_total) if event_total is not None and keep_event_ceded else None,
    )
    return out


def _read_only(a: np.ndarray) -> np.ndarray:
    """A view of `a` that cannot be written to."""
    view = a.view()
    view.flags.writeable = False
    return view


# ------------------------------------------------------------------------------ adapter from the schema
def terms_from_contract(
    contract_id: str,
    contract: Contract,
    bloc: str | None,
    codes: Mapping[str, Mapping[str, int]] | None = None,
) -> ContractTerms:
    """Compile a portfolio file's `Contract` into `ContractTerms`.

    ``bloc`` is the portfolio's sanctions bloc (``"none"`` or None: no bloc, nothing blocked). ``codes``
    maps ``segment``/``zone``/``flag`` -> name -> code (the World tables); it is needed only for a
    cedant share by segment, zone or flag, and a name it lacks is an error.
    """
    share = contract.cedant_share
    share_by: str | None = None
    shares: dict[int, float] = {}
    if isinstance(share, int | float):
        cedant_share = float(share)
    else:
        share_by, cedant_share = share.by, float(share.default)
        table = (codes or {}).get(share.by)
        if table is None:
            raise ValueError(
                f"contract {contract_id!r}: a cedant share by {share.by} needs the {share.by} codes"
            )
        unknown = sorted(set(share.shares) - set(table))
        if unknown:
            raise ValueError(
                f"contract {contract_id!r}: cedant_share.shares names unknown {share.by} {unknown} "
                f"(known: {sorted(table)})"
            )
        shares = {int(table[k]): float(v) for k, v in share.shares.items()}
    premium = contract.premium
    rate = getattr(premium, "rate_on_base", None)
    return ContractTerms(
        id=contract_id,
        sources=tuple(contract.sources),
        kind=contract.type,
        cedant_share=cedant_share,
        share_by=share_by,
        shares=shares,
        participation=float(contract.participation),
        quota=None if contract.quota is None else float(contract.quota),
        attachment=float(contract.attachment_usd_m),
        limit=math.inf if contract.limit_usd_m is None else float(contract.limit_usd_m),
        aad=float(contract.aad_usd_m),
        aggregate_limit=None
        if contract.aggregate_limit_usd_m is None
        else float(contract.aggregate_limit_usd_m),
        reinstatement_rates=tuple(float(r.rate) for r in contract.reinstatements),
        premium_fixed=None if rate is not None else float(premium.fixed_usd_m),
        premium_rate=None if rate is None else float(rate),
        premium_base=None if rate is None else premium.base,
        inures=tuple(contract.inures),
        sanctions_clause=bool(contract.sanctions_clause),
        reinsurer_bloc=None if bloc in (None, "none") else bloc,
    )


def portfolio_terms(
    portfolio: Portfolio, codes: Mapping[str, Mapping[str, int]] | None = None
) -> list[ContractTerms]:
    """Every contract of a loaded `Portfolio` as `ContractTerms`, in file order."""
    return [terms_from_contract(cid, c, portfolio.bloc, codes) for cid, c in portfolio.contracts.items()]
