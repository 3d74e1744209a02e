"""Results of a simulation: what `simulate` returns, with pandas views of every table.

In: the reduced arrays of every chunk (in trial order) and the compiled model's labels.
Out: a `Results` object: year loss tables per contract and for the portfolio, the payer ledger, market
tonnage and premium bases, adoption, sanctions and incident counts per (trial, year), the event loss
table when kept; metrics (ALT, EPT, VaR/TVaR with errors) through `riskmodel.metrics`; plotting methods
in `riskmodel.plots`.

Computing and holding results are separate jobs: this module only holds, reshapes and summarises.
"""

from __future__ import annotations

import html
import itertools
import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from riskmodel import metrics
from riskmodel.arguments import (
    check_level,
    check_levels,
    check_rel_error,
    check_return_periods,
    not_an_int,
    shown,
    whole_number,
)

__all__ = [
    "ANNUAL_AVERAGE",
    "BASIS",
    "CALIBRATION_CAVEAT",
    "EVERY_YEAR_ALIKE",
    "LARGEST_YEAR",
    "LOSS_UNIT",
    "MARKET_UNIT",
    "POOLED_TAIL_FIGURE",
    "POOLED_TAIL_UNIT",
    "PREMIUM_UNIT",
    "COMPARISON_BASIS",
    "COMPARISON_SHOWN",
    "COMPARISON_STATISTICS",
    "COMPARISON_UNITS",
    "SAME_EACH_YEAR_UNIT",
    "TAIL_FIGURE",
    "TONNAGE_UNIT",
    "TVAR_FIGURE",
    "YEARS_POOLED",
    "Comparison",
    "Results",
    "UnknownContractError",
    "compare",
    "figure_unit",
]

#: The summary's tail row of each contract: `metrics.worst_year` at 99.5% of the annual ceded loss.
TAIL_FIGURE = "1-in-200 annual loss"

#: The ``year_basis`` of a row of `Results.summary`: which policy years its figure is of. An annual
#: average over the horizon (each trial's mean over its policy years, averaged over the trials) ...
ANNUAL_AVERAGE = "annual average"
#: ... the 1-in-200 of the policy year where it is largest (`metrics.worst_year`, its ``year``) ...
LARGEST_YEAR = "largest policy year"
#: ... that 1-in-200 when it is the same in every policy year (a layer's full limit; its ``year`` the
#: first, as `Results.annual_tail` and `plots.WORST_YEAR` take it) ...
EVERY_YEAR_ALIKE = "every policy year alike"
#: ... or the 1-in-200 with every policy year of every trial pooled (`POOLED_TAIL_FIGURE`), of no one year.
YEARS_POOLED = "policy years pooled"

#: The portfolio's TVaR row of the summary: `metrics.worst_year` of the annual ceded loss at 99.5% with
#: ``statistic="tvar"`` (the mean of a policy year's worst 0.5%), in the policy year where it is largest:
#: the basis of `TAIL_FIGURE`.
TVAR_FIGURE = "TVaR 99.5% annual loss"

#: The tail row's companion: the 99.5% quantile of the annual ceded loss with every policy year of every
#: trial pooled (`metrics.pooled_quantile`), of no one year and free of the largest year's upward bias.
POOLED_TAIL_FIGURE = f"{TAIL_FIGURE} ({YEARS_POOLED})"

#: The two bases a summary mixes, for the tables that show both (summary.md, the terminal).
BASIS = (
    "the contracts' and the portfolio's figures are the reinsurer's share (its line on each contract); "
    "the payers' are the whole market at 100%"
)

# (whose figure a row is, in its unit: `BASIS` in two words)
_OURS = "reinsurer's share"
_MARKET = "market, 100%"

#: The unit of a contract's (or the portfolio's) expected ceded loss in `Results.summary` and
#: `Comparison.table`: an annual average at the reinsurer's share.
LOSS_UNIT = f"USD m a year ({_OURS})"

#: The unit of a ``premium`` row: the premium with the reinstatement premium the losses earn, one figure
#: (the report shows the two apart, and its loss ratio on their sum).
PREMIUM_UNIT = f"USD m a year ({_OURS}, with reinstatement premium)"

#: The unit of a payer's row (and of a premium base): what that payer bears of every incident, the whole
#: market at 100%, not our share.
MARKET_UNIT = f"USD m a year ({_MARKET})"

#: The unit of a `POOLED_TAIL_FIGURE` row: of one policy year's loss, whichever year.
POOLED_TAIL_UNIT = f"USD m in a policy year ({_OURS})"

#: The unit of a 1-in-200 the same in each policy year (a layer's full limit): "USD m in every year" read
#: as that amount lost every year.
SAME_EACH_YEAR_UNIT = f"USD m, the same in each policy year ({_OURS})"

#: The unit of tonnage and of a tonnage base (``base:ig_entered_gt``) in `Comparison.table`.
TONNAGE_UNIT = "million GT"

#: The units of the counts a year, and of the claims blocked at the direct links (`BLOCKED_CLAIMS`), by
#: figure.
_COUNT_UNITS = {
    "spills_7t": "spills a year",
    "spills_700t": "spills a year",
    "detentions": "detentions a year",
}

#: The claims blocked by sanctions at the direct links, per trial-year (USD m, the whole market): what the
#: payers pay late under a licence, and what they would have paid but for a permanent block
#: (docs/model.md §4). Not by bloc: a claim is blocked when any bloc's sanctions reach it.
BLOCKED_CLAIMS = ("blocked_delayed", "blocked_permanent")

#: The per-year statistics of `Comparison.table` (beside the contracts, payers, bases and tonnage by
#: class): the one list of them, each with its unit in `figure_unit`.
COMPARISON_STATISTICS = ("spills_7t", "detentions", *BLOCKED_CLAIMS)


def figure_unit(figure: str, year: int | None = None, *, every_year: bool = False) -> str:
    """The unit of a figure of `Results.summary` or `Comparison.table`, and whose figure it is (`BASIS`):
    the one source of both tables' ``unit`` words, so a figure reads the same in each. `figure` is a row's
    name in either table (``payer uncompensated`` or ``payer:uncompensated``); a 1-in-200 of the largest
    policy year names its `year` (the summary's), "its worst policy year" without one (the comparison's,
    whose two runs may differ), or with `every_year` says it is the same in each (`SAME_EACH_YEAR_UNIT`).
    "" for a figure of no known kind.

    >>> figure_unit("portfolio: ceded loss"), figure_unit("payer uncompensated")
    ("USD m a year (reinsurer's share)", 'USD m a year (market, 100%)')
    >>> figure_unit(f"portfolio: {TAIL_FIGURE}", 2027), figure_unit(f"portfolio: {TAIL_FIGURE}")
    ("USD m in 2027 (reinsurer's share)", "USD m in its worst policy year (reinsurer's share)")
    >>> figure_unit("base:ig_entered_gt"), figure_unit("base:ig_gxl_premium"), figure_unit("detentions")
    ('million GT', 'USD m a year (market, 100%)', 'detentions a year')
    >>> figure_unit("blocked_permanent"), figure_unit(f"portfolio: {TVAR_FIGURE}", 2028)
    ('USD m a year (market, 100%)', "USD m in 2028 (reinsurer's share)")
    """
    from riskmodel.scenario.checks import is_premium_base

    if figure.endswith(": ceded loss"):
        return LOSS_UNIT
    if figure.endswith(": premium"):
        return PREMIUM_UNIT
    if figure.endswith(f": {POOLED_TAIL_FIGURE}"):
        return POOLED_TAIL_UNIT
    if figure.endswith((f": {TAIL_FIGURE}", f": {TVAR_FIGURE}")):
        if every_year:
            return SAME_EACH_YEAR_UNIT
        return f"USD m in {'its worst policy year' if year is None else int(year)} ({_OURS})"
    kind, _, name = (f"payer:{figure[6:]}" if figure.startswith("payer ") else figure).partition(":")
    if kind == "payer" or (kind == "base" and is_premium_base(name)) or figure in BLOCKED_CLAIMS:
        return MARKET_UNIT
    if kind in ("base", "tonnage"):
        return TONNAGE_UNIT
    return _COUNT_UNITS.get(figure, "")


#: Under the world model's figures: the held-out checks that fail (docs/model.md §10 (d), (e)).
CALIBRATION_CAVEAT = (
    "Calibration status (docs/model.md §10): two held-out checks fail. The Western tankers' hull loss "
    "ratio is about 150% (the hull damage of a serious incident is likely overstated), and the IOPC "
    "Funds pay far more than their record (the pollution cost level, fitted on three notorious spills, "
    "likely overstates small and medium spills). Read the hull sources, the Funds, the uncompensated "
    "damage and the pollution part of the IG pool as upper-biased."
)

CONTRACT_FIELDS = (
    "loss",
    "premium",
    "reinstatement_premium",
    "max_event_loss",
    "blocked_delayed",
    "blocked_permanent",
)

#: The columns of `Results.summary` (its index, ``figure``, first).
_SUMMARY_COLUMNS = (
    "figure",
    "unit",
    "year",
    "year_basis",
    "mean",
    "standard_error",
    "converged",
    "note",
)


def _summary_row(
    figure: str,
    unit: str,
    year: int | None,
    basis: str,
    mean: float,
    se: float,
    converged: bool = False,
) -> dict[str, Any]:
    """One row of `Results.summary`, without a note."""
    values = (figure, unit, year, basis, float(mean), float(se), converged, "")
    return dict(zip(_SUMMARY_COLUMNS, values, strict=True))


def _named(codes: np.ndarray, names: Sequence[str]) -> pd.Categorical:
    """Codes of an event attribute as a categorical of `names`, with "" (the last category) for −1: an
    event without one (a non-tanker IG claim, a user peril).

    >>> _named(np.array([1, -1, 0]), ("ig", "none")).tolist()
    ['none', '', 'ig']
    """
    return pd.Categorical.from_codes(np.where(codes < 0, len(names), codes), categories=[*names, ""])


class UnknownContractError(KeyError):
    """A contract id the run does not have: a `KeyError`, as the lookup in `Results.contracts` raises, whose
    message names the run's contracts and the closest to the id given (``GXL_layer1`` for ``gxl_layer1``).
    Printed as its message, without the quotes a `KeyError` puts around its key."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


@dataclass
class Results:
    """A simulated scenario: per (trial, year) arrays and the labels to read them.

    Attributes
    ----------
    scenario_name, start_year, n_years, n_trials, seed : the run's identity.
    contracts : contract id (and ``"portfolio"``) → field → (n_trials, n_years) array, fields
        `CONTRACT_FIELDS` (USD m at the reinsurer's participation). The portfolio of one contract is that
        contract: `simulate` gives it read-only views of the contract's arrays, whatever the executor
        (loaded from the store, they are copies). Treat the arrays of a `Results` as read-only.
    year_arrays : name → (n_trials, n_years[, k]) array, per trial and policy year:
        ``payer:<column>`` (what each payer bears, USD m; `ledger`), ``base:<name>`` (premium and tonnage
        bases; `premium_bases`), ``tonnage_gt`` (tanker GT by P&I class, the last axis in `class_names`;
        `market`), ``shadow_mean_age`` and ``designated_share`` (of shadow tonnage), ``detentions``; the
        tanker incidents: ``events`` (serious incidents), ``total_losses``, ``spills_7t`` and
        ``spills_700t`` (marine spills of 7 t and 700 t or more, ITOPF's counts) with their
        ``expected:<name>`` means, ``pollution_damage`` and ``damage:<class>`` (USD m, by the tanker's
        P&I class), ``blocked_delayed`` and ``blocked_permanent`` (claims blocked at the direct links,
        USD m); the non-tanker IG background: ``background_claims`` and ``background_gxl_claims`` (those
        reaching GXL layer 1 or Hydra); per scheme ``scheme_capital:<id>`` (at the year end),
        ``scheme_recapitalised:<id>``, ``scheme_insolvent:<id>`` and ``scheme_designated:<id>:<bloc>``
        (0/1). `statistic` gives the mean of any of them by year.
    trial_arrays : ``z`` (climate factor) and ``join_year`` (trial, slot) — a slot is one
        (scheme, state) of the adoption plan, labelled by `slots`.
    contract_exposure : contract id → `metrics.contract_exposure` of its terms: the share of its sources
        that cover sanctioned or at-risk tonnage and its exposed annual limit (`sanctions_by_contract`).
    """

    scenario_name: str
    start_year: int
    n_years: int
    n_trials: int
    seed: int
    contracts: dict[str, dict[str, np.ndarray]]
    year_arrays: dict[str, np.ndarray]
    trial_arrays: dict[str, np.ndarray]
    class_names: tuple[str, ...]
    scheme_ids: tuple[str, ...]
    slots: pd.DataFrame  # columns scheme, state, founder
    events: dict[str, np.ndarray] | None = None
    labels: dict[str, tuple[str, ...]] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    provenance: dict[str, Any] = field(default_factory=dict)
    baseline: Results | None = None
    contract_exposure: dict[str, dict[str, float]] = field(default_factory=dict)

    # ------------------------------------------------------------------------------------ table views
    @property
    def years(self) -> np.ndarray:
        return self.start_year + np.arange(self.n_years)

    @property
    def horizon(self) -> str:
        """The policy years as a label, e.g. ``2026–2030`` (one year: ``2026``): two runs of one label pair
        their years."""
        last = self.start_year + self.n_years - 1
        return f"{self.start_year}–{last}" if last != self.start_year else str(last)

    @property
    def contract_ids(self) -> tuple[str, ...]:
        return tuple(c for c in self.contracts if c != "portfolio")

    def _contract(self, contract: str) -> dict[str, np.ndarray]:
        """The arrays of `contract` (an id or ``"portfolio"``): the one lookup of the tables, metrics and
        plots of one contract. An id the run lacks is an `UnknownContractError` naming the run's contracts
        and, for a misspelt one, the closest (`riskmodel.scenario.errors.suggestion`, as for scenario
        keys).

        >>> import numpy as np, pandas as pd
        >>> r = Results("x", 2026, 1, 2, 1, {"gxl_layer1": {"loss": np.zeros((2, 1))}}, {}, {}, (), (),
        ...             pd.DataFrame())
        >>> try:
        ...     r._contract("GXL_layer1")
        ... except KeyError as e:
        ...     print(e)
        unknown contract 'GXL_layer1'; the run has: gxl_layer1 (did you mean 'gxl_layer1'?)
        """
        if contract not in self.contracts:
            from riskmodel.scenario.errors import suggestion

            known = ", ".join(self.contracts) or "none (the run has no portfolio)"
            hint = suggestion(contract, self.contracts)
            raise UnknownContractError(f"unknown contract {contract!r}; the run has: {known}{hint}")
        return self.contracts[contract]

    def payers(self) -> tuple[str, ...]:
        return tuple(sorted(k.split(":", 1)[1] for k in self.year_arrays if k.startswith("payer:")))

    def ylt(self, contract: str | None = None) -> pd.DataFrame:
        """Year loss table (ORD YLT), the declared table ``ylt`` (docs/outputs.md; the run folder's
        ``ylt.parquet``, there with policy-year indices): one row per trial, policy year (calendar here) and
        contract, the contracts only, with ``result`` = premium + reinstatement premium − loss. The
        portfolio's figures are these rows summed per trial and year (`losses` gives its loss); it is no
        contract of the table, so ``ylt("portfolio")`` is a `ValueError` saying so. `contract`: one of the
        run's contracts, or None for all (an unknown id is an `UnknownContractError`)."""
        from riskmodel.tables import conform, empty_frame

        if contract == "portfolio":
            raise ValueError(
                "the year loss table holds the contracts; the portfolio's figures are their rows summed "
                "per trial and year: ylt().groupby(['trial', 'year']).sum(numeric_only=True), or "
                "losses('portfolio') for its loss"
            )
        ids = [contract] if contract is not None else list(self.contract_ids)
        frames = []
        trial = np.repeat(np.arange(self.n_trials, dtype=np.int64), self.n_years)
        year = np.tile(self.years.astype(np.int64), self.n_trials)
        for cid in ids:
            c = self._contract(cid)
            columns = {f: c[f].ravel() for f in CONTRACT_FIELDS}
            columns["result"] = columns["premium"] + columns["reinstatement_premium"] - columns["loss"]
            frames.append(pd.DataFrame({"trial": trial, "year": year, "contract": cid, **columns}))
        if not frames:
            return empty_frame("ylt")
        return conform("ylt", pd.concat(frames, ignore_index=True))

    def ledger(self) -> pd.DataFrame:
        """Payer ledger: mean amount paid by each payer column per policy year and on average (USD m)."""
        rows = {p: self.year_arrays[f"payer:{p}"].mean(axis=0) for p in self.payers()}
        df = pd.DataFrame(rows, index=pd.Index(self.years, name="year")).T
        df.index.name = "payer"
        df["mean"] = df.mean(axis=1)
        return df.sort_values("mean", ascending=False)

    def ledger_standard_errors(self) -> pd.DataFrame:
        """The Monte Carlo standard errors of `ledger`'s means, in its rows and columns: per policy year the
        error of that year's mean over the trials (`metrics.standard_error`); for the ``mean`` over the
        horizon, the error of the mean of each trial's average over its years: a trial's years share its
        draws (the climate factor, the joins), so the trials are the independent draws, not the
        trial-years. Exactly 0 for a figure the same in every trial; NaN with one trial."""
        ledger = self.ledger()
        rows = {}
        for p in ledger.index:
            x = self.year_arrays[f"payer:{p}"]
            by_year = np.atleast_1d(metrics.standard_error(x, exact_zero=True))
            rows[p] = [*by_year, float(metrics.standard_error(x.mean(axis=1), exact_zero=True))]
        out = pd.DataFrame.from_dict(rows, orient="index", columns=ledger.columns)
        out.index.name = ledger.index.name
        return out

    def payer_ylt(self) -> pd.DataFrame:
        """Payer totals per (trial, year), wide: one column per payer."""
        data = {p: self.year_arrays[f"payer:{p}"].ravel() for p in self.payers()}
        idx = pd.MultiIndex.from_product([np.arange(self.n_trials), self.years], names=["trial", "year"])
        return pd.DataFrame(data, index=idx)

    def market(self) -> pd.DataFrame:
        """Mean tanker tonnage (million GT) by P&I provider class and policy year."""
        if "tonnage_gt" not in self.year_arrays:
            return pd.DataFrame()
        t = self.year_arrays["tonnage_gt"].mean(axis=0) / 1e6
        return pd.DataFrame(t, index=pd.Index(self.years, name="year"), columns=list(self.class_names))

    def adoption(self) -> pd.DataFrame:
        """Probability that each (scheme, state) slot is a member by each policy year."""
        if "join_year" not in self.trial_arrays or self.slots.empty:
            return pd.DataFrame()
        jy = self.trial_arrays["join_year"]
        probs = (jy[:, :, None] <= np.arange(self.n_years)[None, None, :]).mean(axis=0)
        idx = pd.MultiIndex.from_frame(self.slots[["scheme", "state"]])
        return pd.DataFrame(probs, index=idx, columns=pd.Index(self.years, name="year"))

    def tonnage(self, year: int | None = None) -> pd.DataFrame:
        """Each trial's tanker tonnage (million GT) by P&I provider class, in policy year `year` (a calendar
        year of the run as an int, `_year_index`; default the last): rows by trial, the trial-level view of
        `market` (its means), for paired differences between runs. Empty for a run without the world
        model."""
        if "tonnage_gt" not in self.year_arrays:
            return pd.DataFrame()
        t = self.year_arrays["tonnage_gt"][:, self._year_index(year), :] / 1e6
        return pd.DataFrame(
            t, index=pd.RangeIndex(self.n_trials, name="trial"), columns=list(self.class_names)
        )

    def members(self, year: int | None = None, founders: bool = False) -> pd.DataFrame:
        """Whether each candidate state (and with `founders` each founder) is a member of its scheme by the
        end of policy year `year` (a calendar year; default the last), trial by trial: rows by trial, one
        bool column per (scheme, state); ``.sum(axis=1)`` counts each trial's members. The trial-level view
        of `adoption` (its means). Empty for a run without schemes. `year` as `tonnage`'s."""
        if "join_year" not in self.trial_arrays or self.slots.empty:
            return pd.DataFrame()
        keep = np.ones(len(self.slots), dtype=bool) if founders else ~self.slots["founder"].to_numpy(bool)
        member = self.trial_arrays["join_year"][:, keep] <= self._year_index(year)
        columns = pd.MultiIndex.from_frame(self.slots.loc[keep, ["scheme", "state"]])
        return pd.DataFrame(member, index=pd.RangeIndex(self.n_trials, name="trial"), columns=columns)

    def _year_index(self, year: object, none: str = "None for the last") -> int:
        """The index of policy year `year` (None: the last): the one check of every argument that names a
        policy year (`tonnage`, `members`, `by_joiners`, `tail_contributions`, the EP charts of
        `riskmodel.plots`, which take None for the horizon before they ask). A policy year is a calendar
        year of the run as an int (a numpy integer too, as `years` gives them): a float (2027.5 would be
        truncated), a string or a bool is a `TypeError`, a year outside the run a `ValueError`, each naming
        the run's policy years and `none`, what the caller takes instead of a year.

        >>> import pandas as pd
        >>> r = Results("x", 2026, 4, 1, 1, {}, {}, {}, (), (), pd.DataFrame())
        >>> r._year_index(2027), r._year_index(r.years[-1]), r._year_index(None)
        (1, 3, 3)
        >>> r._year_index("2027")
        Traceback (most recent call last):
        ...
        TypeError: year must be an int from 2026 to 2029 (the run's policy years), ..., got '2027' (a str)
        """
        if year is None:
            return self.n_years - 1
        last = self.start_year + self.n_years - 1
        years = f"from {self.start_year} to {last}" if self.n_years > 1 else f"{last}"
        allowed = f"an int {years} (the run's policy years), or {none}"
        y = whole_number(year)
        if y is None:
            raise TypeError(f"year must be {allowed}, got {not_an_int(year)}")
        if not self.start_year <= y <= last:
            raise ValueError(f"year {y} is outside the run's policy years {self.horizon}: give {allowed}")
        return y - self.start_year

    def premium_bases(self) -> pd.DataFrame:
        """Mean premium bases (USD m) and IG-entered GT by policy year."""
        rows = {
            k.split(":", 1)[1]: v.mean(axis=0) for k, v in self.year_arrays.items() if k.startswith("base:")
        }
        return pd.DataFrame(rows, index=pd.Index(self.years, name="year"))

    def statistic(self, name: str) -> pd.DataFrame:
        """Mean and standard error by policy year of a per-(trial, year) statistic: an array of
        `year_arrays` with one figure a trial-year, by its name (``spills_7t``, ``detentions``,
        ``payer:uncompensated``, ``base:ig_gxl_premium``, ...). A name the run lacks is a `ValueError`
        naming the run's statistics and the closest to the one given. The error is the SD over trials / √n
        (`metrics.standard_error`): exactly 0 for a figure the same in every trial, NaN with one trial."""
        x = self.year_arrays.get(name) if isinstance(name, str) else None
        if x is None or x.ndim != 2:
            from riskmodel.scenario.errors import suggestion

            names = sorted(k for k, v in self.year_arrays.items() if v.ndim == 2)
            why = f"no statistic {name!r} in this run"
            if x is not None:  # (tonnage by P&I class: `market` and `tonnage` read it)
                why = (
                    f"{name!r} has several figures a trial-year (shape {x.shape}; see market() and tonnage())"
                )
            raise ValueError(f"{why}: give one of {', '.join(names) or 'none'}{suggestion(name, names)}")
        return pd.DataFrame(
            {"mean": x.mean(axis=0), "standard_error": metrics.standard_error(x, exact_zero=True)},
            index=pd.Index(self.years, name="year"),
        )

    def elt(self, columns: Sequence[str] | None = None) -> pd.DataFrame:
        """The event loss table, when the run kept it (`simulation.keep_events`): wide, one row per
        material event, with a ``payer:<source>`` column per payer column (USD m) and the event's
        attributes (``trial``, ``year`` as a calendar year, ``time``, ``pi_class`` the tanker's P&I class,
        ``zone``, ``coastal_state``, ``type``, ``cause``, ``segment``, ``flag``, ``gt``, damage components
        and sanctions flags). The run folder's ``elt.parquet`` holds the same losses long (docs/outputs.md,
        ``elt``). About 200 events a trial-year: keep it for a few thousand trials, not for a million.

        The coded attributes (``pi_class``, ``zone``, ``coastal_state``, ``flag``, ``type``, ``cause``,
        ``segment``) are pandas categoricals of names, one byte an event where a string column takes a
        dozen: their categories are every name the run knows, in the model's order (the P&I classes as
        `class_names`), and "" for an event without one (a non-tanker IG claim). Compare, filter and write
        them as strings (``e["pi_class"] == "none"``, ``.isin``, ``.str``, CSV), and group by them with
        ``groupby(..., observed=True)`` (pandas 3's default; pandas 2 without it warns and gives a row for
        every category, those of no event too); two more things differ: ``value_counts`` lists every
        category, those of no event with 0, and a value outside the categories cannot be assigned (rename
        one with ``.cat.rename_categories``, or take ``.astype(str)`` for a plain string column).

        `columns` picks some columns (in that order): the frame is a copy of the run's arrays, about 8
        bytes an event a number column, so a few columns of a large table take a fraction of the memory of
        all (an unknown name is an error)."""
        if self.events is None:
            raise ValueError(
                "this run did not keep events: set simulation.keep_events: true or keep_events=True"
            )
        if columns is not None:
            unknown = [c for c in columns if c not in self.events]
            if unknown:
                raise ValueError(
                    f"no column {', '.join(map(repr, unknown))} in the event table; it has: "
                    + ", ".join(self.events)
                )
        names = {  # (a column whose labels the run lacks keeps its codes)
            column: self.labels[label]
            for column, label in (
                ("segment", "segment"),
                ("zone", "zone"),
                ("flag", "state"),
                ("coastal_state", "state"),
                ("type", "type"),
                ("pi_class", "class"),
            )
            if label in self.labels
        } | {"cause": ("marine", "war", "sabotage")}
        data: dict[str, Any] = {}
        for c in self.events if columns is None else columns:
            x = self.events[c]
            data[c] = self.start_year + x if c == "year" else _named(x, names[c]) if c in names else x
        return pd.DataFrame(data)

    def sanctions_exposure(self) -> pd.DataFrame:
        """Sanctions exposure by policy year (means, USD m unless stated).

        Claims blocked at the direct links (delayed: what the payers pay late under a licence; permanent:
        what they would have paid but for the block, docs/model.md §4), the portfolio's ceded
        losses blocked by its sanctions clauses, the shadow share of tanker tonnage, the designated share
        of shadow tonnage, and detentions a year. Per contract: `sanctions_by_contract`.
        """
        means = {k: x.mean(axis=0) for k, x in self._sanctions_exposure_arrays().items()}
        return pd.DataFrame(means, index=pd.Index(self.years, name="year"))

    def sanctions_exposure_standard_errors(self) -> pd.DataFrame:
        """The Monte Carlo standard errors of `sanctions_exposure`'s means, in its rows and columns: each
        policy year's figure is a mean over the trials, which are independent draws
        (`metrics.standard_error` of that year's values; exactly 0 for a figure the same in every trial)."""
        arrays = self._sanctions_exposure_arrays()
        errors = {k: metrics.standard_error(x, exact_zero=True) for k, x in arrays.items()}
        return pd.DataFrame(errors, index=pd.Index(self.years, name="year"))

    def _sanctions_exposure_arrays(self) -> dict[str, np.ndarray]:
        """The (n_trials, n_years) values whose means by year are `sanctions_exposure`."""
        out: dict[str, np.ndarray] = {}
        for k in ("blocked_delayed", "blocked_permanent"):
            if k in self.year_arrays:
                out[f"claims_{k}"] = self.year_arrays[k]
        if "portfolio" in self.contracts:
            for k in ("blocked_delayed", "blocked_permanent"):
                out[f"ceded_{k}"] = self.contracts["portfolio"][k]
        if "tonnage_gt" in self.year_arrays:
            t = self.year_arrays["tonnage_gt"]
            western = t[..., 0] + t[..., 1]
            out["shadow_share_of_tonnage"] = 1.0 - western / t.sum(axis=-1)
        for k in ("designated_share", "detentions"):
            if k in self.year_arrays:
                out[k] = self.year_arrays[k]
        return out

    def sanctions_by_contract(self, *, every_contract: bool = False) -> pd.DataFrame:
        """Sanctions exposure per contract and the portfolio, per policy year and for the horizon (−1).

        Premium and limit linked to sanctioned or at-risk tonnage, ceded losses blocked by each contract's
        sanctions clause (delayed and permanent) and the share of trials with a block
        (`metrics.sanctions_table`). Rows of the contracts with any of these figures, in portfolio
        order, then the portfolio's (its figures the sums over every contract). A contract with none in
        any year (most of a book: contracts on Western sources whose clauses block nothing) is left out
        and named in ``attrs["without_exposure"]`` (a tuple of ids) and ``attrs["note"]``.
        ``every_contract=True`` keeps every contract: the run folder's ``sanctions.csv`` with calendar
        years.
        """
        table = self._calendar(metrics.sanctions_table(self.contracts, self.contract_exposure))
        if every_contract:
            return table
        figures = table.drop(columns=["contract", "year"])
        exposed = figures.ne(0).any(axis=1).groupby(table["contract"], sort=False).any()
        without = tuple(
            str(cid) for cid, any_figure in exposed.items() if not any_figure and cid != "portfolio"
        )
        out = table[~table["contract"].isin(without)].reset_index(drop=True)
        out.attrs["without_exposure"] = without
        if without:
            out.attrs["note"] = (
                f"{len(without)} of {len(self.contract_ids)} contracts left out, without premium or limit on "
                f"sanctioned or at-risk tonnage and with nothing blocked in any year: {', '.join(without)} "
                "(every_contract=True lists them)"
            )
        return out

    def scheme_finances(self) -> pd.DataFrame:
        """Each scheme's finances by policy year (means over trials; USD m unless stated).

        Premium earned (nothing once insolvent), retained claims paid, its reinsurer's payments (user
        perils on these sources included), capital at the year end of the trials in which the scheme is
        still solvent (mean and 1st percentile; NaN when it is solvent in none), the share of trials in
        which the sovereign recapitalises it that year, and the share in which it is insolvent at the year
        end (for good: from the next policy year it pays nothing). Empty when the scenario has no scheme.
        """
        frames = []
        for sid in self.scheme_ids:
            if f"scheme_capital:{sid}" not in self.year_arrays:
                continue
            capital = self.year_arrays[f"scheme_capital:{sid}"]
            nan = np.full_like(capital, np.nan)  # (runs made before insolvency was modelled lack the flags)
            insolvent = self.year_arrays.get(f"scheme_insolvent:{sid}")
            closed = np.zeros(capital.shape, dtype=bool) if insolvent is None else insolvent > 0
            # premium is earned in a policy year the scheme starts solvent
            lapsed = np.zeros_like(closed)
            lapsed[:, 1:] = closed[:, :-1]
            zero = np.zeros_like(capital)
            columns = {
                "premium_earned": np.where(
                    lapsed, 0.0, self.year_arrays.get(f"base:scheme_premium:{sid}", zero)
                ),
                "retained_claims_paid": self.year_arrays.get(f"payer:scheme:{sid}", zero),
                "reinsurer_paid": self.year_arrays.get(f"payer:scheme_reinsurance:{sid}", zero),
            }
            frame = pd.DataFrame({k: v.mean(axis=0) for k, v in columns.items()}, index=self.years)
            open_capital = np.where(closed, np.nan, capital)
            with warnings.catch_warnings():  # (a year in which every trial is closed: NaN, said above)
                warnings.simplefilter("ignore", RuntimeWarning)
                frame["capital_end"] = np.nanmean(open_capital, axis=0)
                frame["capital_end_p01"] = np.nanquantile(open_capital, 0.01, axis=0)
            frame["recapitalised_share"] = self.year_arrays.get(f"scheme_recapitalised:{sid}", nan).mean(
                axis=0
            )
            frame["insolvent_share"] = (nan if insolvent is None else insolvent).mean(axis=0)
            frame.index = pd.MultiIndex.from_product([[sid], self.years], names=["scheme", "year"])
            frames.append(frame)
        if not frames:
            return pd.DataFrame()
        return pd.concat(frames)

    # ----------------------------------------------------------------------------------------- metrics
    def losses(self, contract: str = "portfolio") -> np.ndarray:
        """(n_trials, n_years) ceded loss of a contract or the portfolio."""
        return self._contract(contract)["loss"]

    def _calendar(self, table: pd.DataFrame) -> pd.DataFrame:
        """Policy-year indices → calendar years; the horizon rows keep `metrics.HORIZON_TOTAL` (−1)."""
        year = table["year"].to_numpy()
        table["year"] = np.where(year == metrics.HORIZON_TOTAL, year, year + self.start_year)
        return table

    def _declared(self, name: str, contract: str, table: pd.DataFrame) -> pd.DataFrame:
        """`contract`'s rows of the declared table `name` (`riskmodel.tables`): its ``contract`` column
        added, calendar years, the declared columns in their order and dtypes, and after them any column
        the frame adds (the EPT's ``ep_type_name``)."""
        from riskmodel.tables import conform, spec

        table = self._calendar(table.assign(contract=contract))
        declared = spec(name).names
        extra = [c for c in table.columns if c not in declared]
        return pd.concat([conform(name, table[declared]), table[extra]], axis=1)

    def alt(self, contract: str = "portfolio", rel_error: float = 0.05) -> pd.DataFrame:
        """ALT: mean, SD and standard error of the ceded loss per policy year and for the horizon (−1), and
        whether each has converged: its standard error at most `rel_error` (a finite number > 0) of it. The
        declared table ``alt`` (docs/outputs.md), `contract`'s rows, with calendar years: the run folder's
        ``alt.csv`` holds every contract's and the portfolio's, with policy-year indices."""
        rel_error = check_rel_error(rel_error)
        return self._declared("alt", contract, metrics.alt_table(self.losses(contract), rel_error=rel_error))

    def ep_table(
        self,
        contract: str = "portfolio",
        return_periods: float | Sequence[float] = metrics.DEFAULT_RETURN_PERIODS,
    ) -> pd.DataFrame:
        """EPT: OEP, OEP-TVaR, AEP, AEP-TVaR per policy year and for the horizon (year −1), at each of
        `return_periods`: one or a sequence, each a finite number > 1 (in years; on the horizon's rows, in
        horizons). The declared table ``ept`` (docs/outputs.md), `contract`'s rows, with calendar years,
        and beside it ``ep_type_name`` (OEP, OEP TVaR, AEP, AEP TVaR)."""
        return_periods = check_return_periods(return_periods)
        c = self._contract(contract)
        t = metrics.ept_table(c["loss"], c["max_event_loss"], return_periods=return_periods)
        t["ep_type_name"] = t["ep_type"].map(metrics.EP_TYPE_NAMES)
        return self._declared("ept", contract, t)

    def metrics(
        self,
        contract: str = "portfolio",
        levels: float | Sequence[float] = (0.99, 0.995),
        rel_error: float = 0.05,
    ) -> pd.DataFrame:
        """Summary metrics of a contract's (or the portfolio's) ceded loss, each with its Monte Carlo error
        and a convergence verdict: per policy year (calendar years) and for the horizon (year −1, of the
        horizon's total loss), the AAL, SD, probability of any loss, and VaR and TVaR at each of `levels`
        (one level or a sequence, each a number in (0, 1) such as 0.995; empty: no VaR or TVaR rows).

        Long format (`metrics.metrics_table`; the declared table ``metrics``, docs/outputs.md): columns
        ``contract``, ``year``, ``metric`` (aal, sd, prob_any_loss, var, tvar), ``level`` (p of var and
        tvar, else NaN), ``estimate`` (USD m at the reinsurer's share, a probability for prob_any_loss),
        ``standard_error``, ``ci_lower`` and ``ci_upper`` (95%), and ``converged`` (the error at most
        `rel_error` of the estimate; `rel_error` a finite number > 0). The summary's 1-in-200 annual loss
        is the largest of the policy years' var at 0.995 (`annual_tail`). An unknown `contract` is an
        `UnknownContractError` naming the run's.

        >>> import numpy as np, pandas as pd
        >>> loss = np.array([[0.0, 4.0], [1.0, 0.0], [2.0, 0.0], [3.0, 0.0]])
        >>> r = Results("x", 2026, 2, 4, 1, {"xl": {"loss": loss}}, {}, {}, (), (), pd.DataFrame())
        >>> m = r.metrics("xl", levels=(0.5,))
        >>> m[m.metric == "aal"].set_index("year")["estimate"].to_dict()  # a year's mean; the horizon's total
        {2026: 1.5, 2027: 1.0, -1: 2.5}
        """
        levels, rel_error = check_levels(levels), check_rel_error(rel_error)
        table = metrics.metrics_table(self.losses(contract), levels=levels, rel_error=rel_error)
        return self._declared("metrics", contract, table)

    @property
    def calibration_caveat(self) -> str | None:
        """`CALIBRATION_CAVEAT` for a run with the world model's figures (the report and summary.md show
        it under them), None for a run of user perils only."""
        return CALIBRATION_CAVEAT if "payer:fund_1992" in self.year_arrays else None

    def summary(self, rel_error: float = 0.05) -> pd.DataFrame:
        """Headline figures, each with its unit, the policy years it is of, its Monte Carlo standard error
        and a convergence verdict.

        Rows (indexed by ``figure``): each contract's and the portfolio's expected annual ceded loss and
        premium (the ``premium`` row is the premium *with* its reinstatement premium, one figure, the
        denominator of a loss ratio on earned premium), its 1-in-200 annual loss (`TAIL_FIGURE`: the 99.5%
        quantile of a policy year's aggregate ceded loss, the AEP, in the policy year where it is largest,
        `metrics.worst_year`) and beside it the same quantile with every policy year of every trial pooled
        (`POOLED_TAIL_FIGURE`, `pooled_tail`: of a policy year, not the largest of several estimates, so
        not biased up by the choice; its error counts a trial's years as one draw); the portfolio's TVaR
        at 99.5% (`TVAR_FIGURE`: the mean of a policy year's worst 0.5%, on the 1-in-200's basis, the
        policy year where it is largest, `metrics.worst_year` with ``statistic="tvar"``, its error
        `metrics.tvar_standard_error`); the uncompensated damage and the payer figures that matter most;
        spills and detentions a year.

        Columns:

        - ``unit``: what the figure is in and whose it is, in the words `Comparison.table` gives the same
          figure (`figure_unit`): `LOSS_UNIT` "USD m a year (reinsurer's share)", `PREMIUM_UNIT`,
          `MARKET_UNIT` "USD m a year (market, 100%)" for a payer (what it bears of every incident, not
          our share: `BASIS`), "USD m in 2027 (reinsurer's share)" for a 1-in-200 of its largest year
          (`SAME_EACH_YEAR_UNIT` when every year's is the same), `POOLED_TAIL_UNIT`, "spills a year",
          "detentions a year".
        - ``year``: the policy year of a 1-in-200 of the largest year (a nullable ``Int64``, so
          ``s["year"] == 2027`` filters; the first year when every year's is the same, the year
          `plots.WORST_YEAR` draws); missing (``<NA>``) for a figure of no one year.
        - ``year_basis``: which policy years the figure is of: `ANNUAL_AVERAGE`, `LARGEST_YEAR`,
          `EVERY_YEAR_ALIKE` or `YEARS_POOLED`.
        - ``mean``, ``standard_error`` and ``converged`` (the error at most `rel_error` of the figure;
          `rel_error` a finite number > 0; and, for an annual average, no one trial holding more than
          `metrics.DOMINANT_TRIAL_SHARE` of its variance: then the error is that trial's).
        - ``note``: "" or, for an annual average whose error rests on one trial, that trial's share of its
          variance in words (`riskmodel.display.dominant_trial_words`); for a 1-in-200 on a point mass, what
          its standard error of 0 means: not a precise estimate, but so many policy years lose exactly that
          amount (a layer's full limit) that the quantile's interval is the amount itself
          (`riskmodel.display.point_mass_words`, with the share of policy years that reach it); or, where
          the trials are too few to bound it above (an infinite error: a layer's limit several trials reach
          is not taken for the most it can lose), the same words and "too few trials to bound it above". A
          `Results` does not hold the contracts' terms (a contract's most in a year is not inferred from the
          trials): the note says "the full limit of one event (the most any event ceded)" where summary.md,
          the terminal and the report, which read the limit from the run's manifest, say "the full limit".

        >>> import numpy as np, pandas as pd
        >>> loss = np.array([[0.0, 5.0], [5.0, 5.0], [0.0, 0.0], [5.0, 1.0]] * 500)  # 5 in half the years
        >>> none = np.zeros_like(loss)
        >>> xl = {"loss": loss, "max_event_loss": loss, "premium": none + 0.5, "reinstatement_premium": none}
        >>> s = Results("x", 2026, 2, 2000, 1, {"xl": xl}, {}, {}, (), (), pd.DataFrame()).summary()
        >>> s.loc["xl: ceded loss", ["unit", "year_basis"]].tolist(), s["year"].dtype
        (["USD m a year (reinsurer's share)", 'annual average'], Int64Dtype())
        >>> tail = s.loc[f"xl: {TAIL_FIGURE}"]
        >>> tail["unit"], int(tail["year"]), tail["year_basis"], float(tail["standard_error"])
        ("USD m, the same in each policy year (reinsurer's share)", 2026, 'every policy year alike', 0.0)
        >>> tail["note"]
        'the full limit of one event (the most any event ceded), reached in 50.0% of policy years'
        """
        from riskmodel.display import dominant_trial_words, point_mass_words

        rel_error = check_rel_error(rel_error)
        rows: list[dict[str, Any]] = []
        n = self.n_trials

        def add(figure: str) -> None:
            x = self.per_trial_year(figure)
            mean, se = self.annual_mean(x)
            note = dominant_trial_words(x.mean(axis=1))
            converged = bool(metrics.converged(mean, se, rel_error)) if n > 1 and not note else False
            row = _summary_row(figure, figure_unit(figure), None, ANNUAL_AVERAGE, mean, se, converged)
            rows.append({**row, "note": note})

        def add_tail(cid: str, row: dict[str, Any]) -> None:
            row["converged"] = bool(metrics.converged(row["mean"], row["standard_error"], rel_error))
            row["note"] = point_mass_words(self, cid, pd.Series(row)) or ""
            rows.append(row)

        for cid in self.contracts:
            add(f"{cid}: ceded loss")
            add(f"{cid}: premium")
            tail, year, basis = self.annual_tail(cid)
            figure = f"{cid}: {TAIL_FIGURE}"
            unit = figure_unit(figure, year, every_year=tail.every_year)
            add_tail(cid, _summary_row(figure, unit, year, basis, tail.value, tail.se))
            pooled = self.pooled_tail(cid)
            figure = f"{cid}: {POOLED_TAIL_FIGURE}"
            add_tail(cid, _summary_row(figure, POOLED_TAIL_UNIT, None, YEARS_POOLED, pooled.value, pooled.se))
            if cid == "portfolio":
                tvar = metrics.worst_year(self.contracts[cid]["loss"], 0.995, "tvar")
                year, figure = int(self.years[tvar.year]), f"{cid}: {TVAR_FIGURE}"
                unit = figure_unit(figure, year, every_year=tvar.every_year)
                basis = EVERY_YEAR_ALIKE if tvar.every_year else LARGEST_YEAR
                add_tail(cid, _summary_row(figure, unit, year, basis, tvar.value, tvar.se))
        perils = sorted(k.split(":", 1)[1] for k in self.year_arrays if k.startswith("payer:peril:"))
        for payer in ("uncompensated", "fund_1992", "ig_gxl_layer1", "ig_pool", *perils):
            if f"payer:{payer}" in self.year_arrays:
                add(f"payer {payer}")
        for stat in ("spills_7t", "spills_700t", "detentions"):
            if stat in self.year_arrays:
                add(stat)
        out = pd.DataFrame(rows, columns=list(_SUMMARY_COLUMNS))
        out["year"] = pd.array(out["year"].tolist(), dtype="Int64")
        out["converged"] = out["converged"].astype(bool)
        return out.set_index("figure")

    def annual_tail(self, contract: str = "portfolio") -> tuple[metrics.YearTail, int, str]:
        """A contract's 1-in-200 annual loss (`TAIL_FIGURE`: `metrics.worst_year` at 99.5% of its annual
        ceded loss), the policy year it is of (a label such as 2026; the first of years that tie), and its
        ``year_basis`` in `summary`: `LARGEST_YEAR`, or `EVERY_YEAR_ALIKE` when every policy year's is the
        same (a layer's full limit). The one place the year is found: the report's EP chart of that year
        (`plots.worst_policy_year`) and its captions read it here.

        >>> import numpy as np, pandas as pd
        >>> loss = np.array([[0.0, 5.0], [1.0, 2.0], [2.0, 9.0], [3.0, 1.0]])
        >>> r = Results("x", 2026, 2, 4, 1, {"xl": {"loss": loss}}, {}, {}, (), (), pd.DataFrame())
        >>> tail, year, basis = r.annual_tail("xl")  # the 99.5% quantiles of the years: 3 and 9
        >>> tail.value, year, basis
        (9.0, 2027, 'largest policy year')
        >>> r.contracts["xl"]["loss"] = np.ones((4, 2))
        >>> r.annual_tail("xl")[1:]
        (2026, 'every policy year alike')
        """
        tail = metrics.worst_year(self._contract(contract)["loss"], 0.995)
        return tail, int(self.years[tail.year]), EVERY_YEAR_ALIKE if tail.every_year else LARGEST_YEAR

    def pooled_tail(self, contract: str = "portfolio") -> metrics.PooledQuantile:
        """A contract's 1-in-200 annual loss with its policy years pooled (`POOLED_TAIL_FIGURE`): the 99.5%
        quantile of the annual ceded loss over every trial-year, with its interval and standard error
        counting a trial's years as one cluster (`metrics.pooled_quantile`). Where the years are alike it
        estimates what `annual_tail` does, without the upward bias of taking the largest of the years'
        estimates (`metrics.worst_year_bias`); where the years differ (exposure ramps over the horizon) it
        is the 1-in-200 of a policy year drawn at random from the horizon, between the lowest and the
        highest of the years' own.

        >>> import numpy as np, pandas as pd
        >>> loss = np.array([[0.0, 5.0], [1.0, 2.0], [2.0, 9.0], [3.0, 1.0]])
        >>> r = Results("x", 2026, 2, 4, 1, {"xl": {"loss": loss}}, {}, {}, (), (), pd.DataFrame())
        >>> r.pooled_tail("xl").value  # the largest of the 8 trial-years (the ⌈8 × 0.995⌉-th)
        9.0
        """
        return metrics.pooled_quantile(self._contract(contract)["loss"], 0.995)

    def annual_mean(self, x: np.ndarray) -> tuple[float, float]:
        """(mean, standard error) of an (n_trials, n_years) array's annual average over the horizon: the
        mean over the trials of each trial's average over its policy years, and the Monte Carlo error of
        that mean over the trials, whose years share their draws (`metrics.standard_error`: exactly 0 for
        a figure the same in every trial, a fixed premium, not its float noise; NaN with one trial). The
        annual averages of `summary`, and the report's premium and reinstatement premium apart.

        >>> import numpy as np, pandas as pd
        >>> r = Results("x", 2026, 2, 3, 1, {}, {}, {}, (), (), pd.DataFrame())
        >>> r.annual_mean(np.array([[0.0, 2.0], [1.0, 3.0], [2.0, 4.0]]))  # trials' averages 1, 2, 3
        (2.0, 0.5773502691896258)
        >>> r.annual_mean(np.full((3, 2), 0.1))
        (0.10000000000000002, 0.0)
        """
        per_trial = x.mean(axis=1)
        return float(per_trial.mean()), float(metrics.standard_error(per_trial, exact_zero=True))

    def per_trial(self, figure: str, exclude: str | Sequence[str] | None = ()) -> np.ndarray:
        """Each trial's mean annual value over the horizon of an annual-average figure of `summary`:
        ``<contract>: ceded loss``, ``<contract>: premium`` (with its reinstatement premium), ``payer
        <column>`` (any payer column, not only the summary's) or any per-(trial, year) array of
        `year_arrays` by its name, such as ``spills_7t``. The last include stocks such as
        ``scheme_capital:<id>`` (capital at each year's end), whose mean over the years is an average
        level, not an annual flow. For paired differences between runs and for groups of trials
        (`by_joiners`). An unknown name is a `ValueError` naming the kinds allowed, the run's names of
        each and the closest to the name given.

        `exclude` (the portfolio's figures only; None or an empty sequence: nothing): contract ids left out,
        for "the book but one line". A contract the run does not write (one on payer columns its scenario
        lacks: ``rv_pool_retro`` under baseline.yaml) is in its portfolio with zeros, so excluding it takes
        nothing away: one call serves a scenario and its baseline. An id not in the run's portfolio is a
        `ValueError`.
        """
        return self.per_trial_year(figure, exclude).mean(axis=1)

    def per_trial_year(self, figure: str, exclude: str | Sequence[str] | None = ()) -> np.ndarray:
        """Each trial's value of `figure` in each policy year, (n_trials, n_years): what `per_trial`
        averages over the horizon (the same names and `exclude`), for annual figures such as the annual
        TVaR of `by_joiners`."""
        if not isinstance(figure, str):
            raise TypeError(
                "figure must be the name of a figure, a str such as 'portfolio: ceded loss', got "
                f"{shown(figure)}"
            )
        cid, _, what = figure.rpartition(": ")
        if exclude is None:
            ids: list[str] = []
        else:  # (a string is one id; any other iterable, an array included, its ids each once)
            ids = [exclude] if isinstance(exclude, str) else list(dict.fromkeys(exclude))
        if ids and cid != "portfolio":
            raise ValueError(f"exclude applies to the portfolio's figures, not to {figure!r}")
        if unknown := [c for c in ids if c not in self.contract_ids]:
            known = ", ".join(self.contract_ids) or "none (the run has no portfolio)"
            raise ValueError(
                f"not a contract of the run's portfolio: {', '.join(map(repr, unknown))}; it has: {known}"
            )
        if cid in self.contracts and what in ("ceded loss", "premium"):

            def field(c: dict[str, np.ndarray]) -> np.ndarray:
                return c["loss"] if what == "ceded loss" else c["premium"] + c["reinstatement_premium"]

            x = field(self.contracts[cid])
            for other in ids:
                x = x - field(self.contracts[other])
        elif figure.startswith("payer ") and f"payer:{figure[6:]}" in self.year_arrays:
            x = self.year_arrays[f"payer:{figure[6:]}"]
        elif figure in self.year_arrays and self.year_arrays[figure].ndim == 2:
            x = self.year_arrays[figure]
        else:
            raise ValueError(self._no_figure(figure))
        return x

    def _no_figure(self, figure: str) -> str:
        """Why `per_trial_year` has no `figure`: the kinds of name it takes with this run's names of each
        (contracts, payer columns, per-year statistics), and the closest of those names to `figure`
        (`riskmodel.scenario.errors.suggestion`, as for a contract id).

        >>> import numpy as np, pandas as pd
        >>> year = {"spills_7t": np.zeros((2, 1)), "payer:fund_1992": np.zeros((2, 1))}
        >>> r = Results("x", 2026, 1, 2, 1, {"xl": {}}, year, {}, (), (), pd.DataFrame())
        >>> why = r._no_figure("xl: ceded_loss")
        >>> why.split(" (contracts")[0]
        "no figure 'xl: ceded_loss' in this run: give '<contract>: ceded loss' or '<contract>: premium'"
        >>> why.split("(statistics: ")[1]
        "spills_7t) (did you mean 'xl: ceded loss'?)"
        """
        from riskmodel.scenario.errors import suggestion

        payers = self.payers()
        stats = sorted(k for k, v in self.year_arrays.items() if v.ndim == 2 and not k.startswith("payer:"))
        names = [f"{c}: {what}" for c in self.contracts for what in ("ceded loss", "premium")]
        names += [f"payer {p}" for p in payers] + stats
        return (
            f"no figure {figure!r} in this run: give '<contract>: ceded loss' or '<contract>: premium' "
            f"(contracts: {', '.join(self.contracts) or 'none'}), 'payer <column>' (columns: "
            f"{', '.join(payers) or 'none'}) or a per-year statistic (statistics: "
            f"{', '.join(stats) or 'none'}){suggestion(figure, names)}"
        )

    def by_joiners(
        self,
        figures: str | Sequence[str] = ("portfolio: ceded loss", "portfolio: premium", "payer uncompensated"),
        year: int | None = None,
        groups: Sequence[int] = (0, 1, 2, 3, 5),
        tail: float = 0.95,
    ) -> pd.DataFrame:
        """How the figures grow as more states join: the trials grouped by how many candidate states are
        members of a scheme by the end of policy year `year` (a calendar year of the run as an int; default
        the last; a state that is a candidate of two schemes counts twice).

        `groups` are the groups' lowest counts, integers increasing from 0 (any iterable of them but a
        string: a numpy array, a pandas Series or Index too): (0, 1, 2, 3, 5) makes "0",
        "1", "2", "3-4" and "5+" (a group no trial reaches is left out). Per group: its trials and their
        share; per figure (`per_trial`: each trial's mean annual value over the whole horizon, whatever
        `year`; the portfolio's figures are left out of a run without one, another unknown name is an
        error) ``<figure>: mean`` and ``<figure>: standard_error``, and for the first figure its annual
        TVaR at `tail` (``<figure>: TVaR 95%``: of a policy year's value, every policy year of the group's
        trials pooled, `metrics.pooled_tvar`: all the years, where the summary's 1-in-200 annual loss is the
        largest single year's; `tail` a number in (0, 1)) with its error where at least 20 of the group's
        trials have a policy year beyond the quantile (`metrics.trials_beyond`; else NaN); the scheme
        tonnage in `year` (million GT). The groups are what happened in the scenario's trials,
        not controlled: a group's mean is the figure *when* that many states have joined, and whatever
        else goes with many joins (a high geopolitical factor). ``attrs["p_value"]``: per figure the
        permutation test that the groups share one mean (`metrics.groups_differ_p_value`; below 0.05 the
        figure moves with the joins, which is not to say by much, nor in one direction). ``attrs["trend"]``:
        per figure a `metrics.RankTrend`, Spearman's rank correlation of the trials' figure with their
        number of joined states (the count itself, not its group) and its p-value: whether the figure rises
        or falls as more states join, which groups can differ without (high at one count, lower either
        side). Empty (with ``attrs["p_value"]`` and ``attrs["trend"]`` {}) for a run without candidate
        states.
        """
        if isinstance(figures, str):
            figures = (figures,)
        self._year_index(year)  # (a year outside the run is an error, schemes or not)
        tail = check_level(tail, "tail")
        # (an ordered sequence of whole numbers: a list, a tuple, an array, a pandas Series or Index, a
        # range; not a string, a set or dict (no order), nor a DataFrame (its iteration gives its labels))
        ordered = Sequence | np.ndarray | pd.Series | pd.Index
        given = list(groups) if isinstance(groups, ordered) and not isinstance(groups, str | bytes) else []
        bounds = [b for g in given if (b := whole_number(g)) is not None]
        increasing = all(a < b for a, b in itertools.pairwise(bounds))
        if not bounds or len(bounds) < len(given) or bounds[0] != 0 or not increasing:
            allowed = "integers increasing from 0, such as (0, 1, 2, 3, 5)"
            raise ValueError(f"groups must be {allowed}, got {groups!r}")
        members = self.members(year)
        if members.empty:
            out = pd.DataFrame()
            out.attrs["p_value"], out.attrs["trend"] = {}, {}
            return out
        # (a run without a portfolio lacks its figures: left out; any other unknown name is an error)
        annual = {
            f: self.per_trial_year(f)
            for f in figures
            if f.rpartition(": ")[0] != "portfolio" or "portfolio" in self.contracts
        }
        values = {f: x.mean(axis=1) for f, x in annual.items()}
        joined = members.to_numpy().sum(axis=1)
        edges = [*bounds, None]
        labels = [
            f"{lo}+" if hi is None else str(lo) if hi == lo + 1 else f"{lo}-{hi - 1}"
            for lo, hi in itertools.pairwise(edges)
        ]
        group = np.searchsorted(np.asarray(bounds), joined, side="right") - 1
        scheme_gt = self.tonnage(year)
        scheme_cols = [c for c in scheme_gt.columns if c.startswith("scheme:")]
        tail_label = f"TVaR {100 * tail:g}%"
        rows = []
        for g, label in enumerate(labels):
            sel = group == g
            n = int(sel.sum())
            if not n:
                continue  # (a count no trial reaches)
            row: dict[str, Any] = {"joined": label, "trials": n, "share_of_trials": n / self.n_trials}
            for i, (f, x) in enumerate(values.items()):
                xs = x[sel]
                row[f"{f}: mean"] = float(xs.mean())
                row[f"{f}: standard_error"] = float(metrics.standard_error(xs)) if n > 1 else np.nan
                if i == 0:
                    # (fewer trials beyond it: the error runs low; its trial-years beyond can be a few
                    # trials' bad years, and the trials are the draws)
                    enough = metrics.trials_beyond(annual[f][sel], tail) >= 20
                    value, se = metrics.pooled_tvar(annual[f][sel], tail) if enough else (np.nan, np.nan)
                    row[f"{f}: {tail_label}"], row[f"{f}: {tail_label} standard_error"] = value, se
            if scheme_cols:
                row["scheme tonnage (million GT)"] = float(scheme_gt.loc[sel, scheme_cols].sum(axis=1).mean())
            rows.append(row)
        out = pd.DataFrame(rows).set_index("joined")
        out.attrs["p_value"] = {f: metrics.groups_differ_p_value(x, group) for f, x in values.items()}
        out.attrs["trend"] = {f: metrics.rank_trend(x, joined) for f, x in values.items()}
        return out

    def tail_contributions(self, level: float = 0.995, year: int | None = None) -> pd.DataFrame:
        """Which contracts drive the portfolio's tail: each contract's contribution to the portfolio's TVaR
        at `level` (a number in (0, 1); the Euler, or co-TVaR, allocation: the contract's mean ceded loss
        in the portfolio's worst (1 − level) of policy years), its share of that TVaR, and its own TVaR at
        `level` beside it, each with its Monte Carlo error (`metrics.tail_contributions`). USD m at the
        reinsurer's share, of a policy year's aggregate ceded loss: the annual basis of the summary's
        1-in-200 (`TAIL_FIGURE`).

        The contributions add up to the portfolio's TVaR, where the contracts' own 1-in-200s or TVaRs do
        not: a contract's contribution is at most its own TVaR, and the difference is what the rest of the
        book diversifies of it (a line whose bad years are not the portfolio's contributes little). They
        add up because the portfolio's ceded loss is the plain sum of its contracts' in every trial-year
        (`reinsurance.terms.apply_portfolio`): the retro line is business the reinsurer writes, like any
        other, and a contract the run does not write (``rv_pool_retro`` under baseline.yaml) is in it with
        zeros, so it contributes exactly 0; `metrics.tail_contributions` refuses a portfolio that is not the
        sum.

        The tail is taken over every policy year of every trial pooled (year None; as `by_joiners`' TVaR,
        `metrics.pooled_tvar`), not in the worst policy year (`annual_tail`, the summary's 1-in-200): the
        pooled tail rests on n_years times as many trial-years, so its contributions are steadier, and it
        is not biased up by taking the largest of the years' estimates (`metrics.worst_year_bias`). Where
        exposure ramps over the horizon it mixes the years; `year` (a calendar year) takes that policy year
        alone (``year=results.annual_tail()[1]``: the summary's). The errors take a trial's years as one
        draw (they share its climate factor and joins); read ``attrs["trials_beyond"]``, the trials with a
        year in the tail, before the last digit: the errors run low for a heavy tail (by about a third for
        a Pareto line of α 1.5 with about 100 trial-years beyond VaR; more with a few dozen, docs/model.md
        §9); a contract with losses but none where the sample sees the tail has NaN errors
        (``attrs["unseen_in_tail"]``).

        Rows: the contracts, in the run's order, then ``portfolio``; columns as
        `metrics.tail_contributions`. ``attrs``: ``level``, ``var`` (the portfolio's VaR at `level`, where
        its tail starts), ``trials_beyond``, ``unseen_in_tail``, ``years`` (the policy years pooled, e.g.
        "2026–2030", or the one policy year, "2027") and ``unit``. A run without a portfolio is a
        `ValueError`.

        >>> import numpy as np, pandas as pd
        >>> a, b = np.array([[4.0, 0.0], [0.0, 1.0]]), np.array([[0.0, 3.0], [3.0, 1.0]])
        >>> c = {"a": {"loss": a}, "b": {"loss": b}, "portfolio": {"loss": a + b}}
        >>> r = Results("x", 2026, 2, 2, 1, c, {}, {}, (), (), pd.DataFrame())
        >>> r.tail_contributions(0.5)["contribution"].to_dict()  # the portfolio's worst years: 4, 3 and 3
        {'a': 2.0, 'b': 1.5, 'portfolio': 3.5}
        >>> r.tail_contributions(0.5, year=2027)["contribution"].to_dict()  # totals 3 (all b) and 2
        {'a': 0.0, 'b': 3.0, 'portfolio': 3.0}
        """
        level = check_level(level, "level")
        index = None if year is None else self._year_index(year, none="None for every policy year pooled")
        if "portfolio" not in self.contracts:
            raise ValueError("this run has no portfolio: no contract to allocate a tail to")
        years = slice(None) if index is None else slice(index, index + 1)
        parts = {cid: self.contracts[cid]["loss"][:, years] for cid in self.contract_ids}
        out = metrics.tail_contributions(parts, level, total=self.contracts["portfolio"]["loss"][:, years])
        one = year is not None or self.n_years == 1
        out.attrs["years"] = str(int(year) if year is not None else self.start_year) if one else self.horizon
        out.attrs["unit"] = POOLED_TAIL_UNIT
        return out

    def _repr_html_(self) -> str:
        """The summary in a notebook: the run, its Monte Carlo verdict, the `summary` table (without
        ``year``, which the unit names, and without ``note`` when no row has one), and under it the bases
        of its rows (`BASIS`) and, for a run with the world model's figures, `calibration_caveat`."""
        s = self.summary()
        verdict = (
            "converged" if bool(s["converged"].all()) else "not all figures converged (5% relative error)"
        )
        head = (
            f"<h4>{html.escape(self.scenario_name)}: {self.n_trials:,} trials × {self.n_years} years "
            f"({self.horizon}), seed {self.seed}</h4>"
            f"<p>Monte Carlo verdict: {verdict}</p>"
        )
        shown = s.drop(columns=["year"] if s["note"].ne("").any() else ["year", "note"])
        foot = [f"Bases: {BASIS}.", *([self.calibration_caveat] if self.calibration_caveat else [])]
        small = "".join(f'<p style="font-size: smaller">{html.escape(text)}</p>' for text in foot)
        return head + shown.to_html(float_format=lambda v: f"{v:,.3f}") + small

    def __repr__(self) -> str:
        return (
            f"Results({self.scenario_name!r}, trials={self.n_trials}, years={self.n_years}, seed={self.seed})"
        )

    # ------------------------------------------------------------- plots (riskmodel.plots, matplotlib)
    def plot_ep(
        self,
        contract: str = "portfolio",
        baseline: Results | None = None,
        year: int | str | None = "worst",
        **kw,
    ):
        """OEP and AEP with confidence bands against return period; see `riskmodel.plots.plot_ep`.

        By default of the policy year of the contract's 1-in-200 annual loss (``"worst"``,
        `plots.WORST_YEAR`: the annual figure the summary headlines, as the report draws it); `year` a
        policy-year label for another year, or None for the horizon (the AEP the sum of its policy
        years). A baseline's curves that coincide with the run's are labelled so in the legend."""
        from riskmodel import plots

        return plots.plot_ep(self, contract, baseline, year, **kw)

    def plot_ledger(self, **kw):
        """Who pays, stacked by payer per policy year; see `riskmodel.plots.plot_ledger`."""
        from riskmodel import plots

        return plots.plot_ledger(self, **kw)

    def plot_adoption(self, **kw):
        """Probability that each candidate has joined by year; see `riskmodel.plots.plot_adoption`."""
        from riskmodel import plots

        return plots.plot_adoption(self, **kw)

    def plot_market(self, **kw):
        """Tonnage by P&I provider class per year, stacked; see `riskmodel.plots.plot_market`."""
        from riskmodel import plots

        return plots.plot_market(self, **kw)

    def plot_contracts(self, **kw):
        """Expected loss against premium, and 1-in-200, per contract; see `riskmodel.plots.plot_contracts`."""
        from riskmodel import plots

        return plots.plot_contracts(self, **kw)

    def plot_tail_contributions(self, level: float = 0.995, **kw):
        """Each contract's contribution to the portfolio's TVaR beside its own; see
        `riskmodel.plots.plot_tail_contributions`."""
        from riskmodel import plots

        return plots.plot_tail_contributions(self, level, **kw)


#: What the figures of a comparison are, in the caption of every table of one: `Comparison.table`'s
#: ``attrs["caption"]``, the terminal's (`riskmodel run`, `riskmodel compare`) and the report's. A premium
#: row is the premium with its reinstatement premium, as in the report's comparison table.
COMPARISON_UNITS = (
    "a year; USD m unless a count; tonnage in million GT; a premium row with its reinstatement premium"
)

#: `COMPARISON_UNITS` with whose figures the rows are (`BASIS`, and the market's figures that no payer
#: bears): the words each row's ``unit`` in `Comparison.table` says of that row.
COMPARISON_BASIS = (
    f"{COMPARISON_UNITS}; {BASIS}; the premium and tonnage bases, spills and detentions are the whole "
    "market's"
)

#: The columns of `Comparison.table` that the tables a person reads show under the caption
#: `COMPARISON_BASIS` (the terminal's and the report's): each run's figure, the difference and its two
#: errors. The ``unit``, ``z`` and ``p_value`` columns are the frame's and its CSV's.
COMPARISON_SHOWN = ("scenario", "baseline", "difference", "standard_error", "independent_standard_error")


@dataclass
class Comparison:
    """A scenario against its baseline: paired differences with common random numbers."""

    scenario: Results
    baseline: Results
    _table: pd.DataFrame | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def shares_random_numbers(self) -> bool:
        """Whether trial i of one run is trial i of the other: the same trial count, seed and horizon (other
        portfolios share them still)."""
        a, b = self.scenario, self.baseline
        return a.n_trials == b.n_trials and a.seed == b.seed and a.horizon == b.horizon

    def _only_in(self) -> dict[str, tuple[str, ...]]:
        """The contracts (and the portfolio) each run has and the other lacks, by run."""
        sc, bl = self.scenario.contracts, self.baseline.contracts
        return {
            "scenario": tuple(c for c in sc if c not in bl),
            "baseline": tuple(c for c in bl if c not in sc),
        }

    def mismatches(self) -> list[str]:
        """What keeps the two runs from sharing their random numbers trial by trial (another trial count,
        seed, or horizon: another start year or number of years), and other portfolios (a contract one
        run has and the other lacks), as sentences; empty when nothing does. With another seed or start
        year the paired standard error is still valid, but no smaller than the independent one; with
        another number of policy years (the same start and seed) the runs share their common years' draws,
        but each figure averages other years; with another trial count there is no paired table. Other
        terms of the same contracts are no mismatch: a what-if of terms is what a comparison is for (and a
        `Results` does not hold the terms)."""
        a, b = self.scenario, self.baseline
        out = []
        if a.n_trials != b.n_trials:
            out.append(
                f"trial counts differ ({a.n_trials:,} and {b.n_trials:,}): trial i of one is not trial i of "
                "the other, so there is no paired table (run both with the same trials)"
            )
        if a.seed != b.seed:
            out.append(
                f"seeds differ ({a.seed} and {b.seed}): the runs do not share random numbers, so read the "
                "independent s.e."
            )
        if a.horizon != b.horizon:
            if a.start_year != b.start_year:
                why = (
                    "policy year i of one run is another calendar year than year i of the other (the draws "
                    "of year i are the same), so the differences mix the change with the years"
                )
            else:
                shared = " (the shorter run's years are the longer's first years, draw for draw)"
                why = (
                    f"the averages are over other policy years{shared if a.seed == b.seed else ''}, so the "
                    "differences mix the change with the years"
                )
            out.append(f"horizons differ ({a.horizon} and {b.horizon}): {why}")
        if only := {run: ids for run, ids in self._only_in().items() if ids}:
            where = "; ".join(f"{', '.join(ids)} only in the {run}" for run, ids in only.items())
            out.append(
                f"portfolios differ ({where}): the run without a contract did not write it (its figures "
                "there read 'not written', counted as 0 in the differences), and the portfolio's rows "
                "compare two books"
            )
        return out

    def table(self) -> pd.DataFrame:
        """Mean annual difference (scenario − baseline) of each figure, its CRN standard error, the
        standard error the same difference would have with independent seeds, and how far the difference
        is beyond its error.

        Figures are the contracts' ceded losses and premiums, the portfolio's 1-in-200 annual loss (the
        summary's; its error from a paired bootstrap, `metrics.paired_tail_difference`), the payers'
        ledgers, the premium and tonnage bases, the tanker tonnage by P&I class (``tonnage:<class>``), the
        spill and detention counts and the claims blocked by sanctions at the direct links
        (`COMPARISON_STATISTICS`: ``blocked_delayed``, ``blocked_permanent``, USD m a year, the whole market)
        of either run: a figure that only one run has (a scheme's payers or
        contract the baseline lacks, a peril of a stress scenario) counts as zero in the other. A contract's
        figures in the run whose portfolio lacks it are listed in ``attrs["not_written"]`` (run → figures),
        which the tables a person reads show as "not written" (`mismatches` says the portfolios differ).
        Runs of different lengths (numbers of policy years) have no 1-in-200 row (their year loss tables
        cannot be resampled trial by trial together). The summary's TVaR row (`TVAR_FIGURE`) has no
        comparison row: `metrics.paired_tail_difference` bootstraps the quantile only.

        Indexed by ``figure``; columns ``unit`` (the row's unit and whose figure it is, `figure_unit`: the
        words of `Results.summary`'s unit for the same figure; "USD m a year (reinsurer's share)", "USD m a
        year (market, 100%)", "million GT" for tonnage, a tonnage base such as ``base:ig_entered_gt``
        included, "spills a year", ...), ``scenario`` and ``baseline`` (each run's
        annual mean, as its `Results.summary` gives it), ``difference``, ``standard_error`` (paired),
        ``independent_standard_error``, ``z`` (the difference over its paired standard error) and
        ``p_value`` (two-sided, of the normal distribution: the chance of a difference at least so far
        from 0 were the runs the same), and ``note``: "" or, where one trial holds more than
        `metrics.DOMINANT_TRIAL_SHARE` of the paired differences' variance, that share and the difference
        without that trial (`riskmodel.display.dominant_trial_words`): the error, z and p-value are mostly
        that one trial's.
        ``attrs["caption"]`` says the units and bases of every row (`COMPARISON_BASIS`).

        A p-value, not a yes or no at 5%: a table of fifty figures has two or three below 0.05 by chance
        alone, and the reader can judge at the level (or with the correction for many rows) they need;
        `riskmodel.display.describe_difference` words a difference beyond twice its error (p < 0.046).
        An error of exactly 0 is a figure without Monte Carlo error (the same in every trial, float noise
        set aside: `metrics.paired_difference`'s `exact_zero`): a difference of 0 then has z 0 and p-value
        1 (no change), any other z ±inf and p-value 0 (certain, as a fixed premium's change). An infinite
        error (a 1-in-200 of too few trials to bound it) or none (one trial) gives z and p-value NaN: no
        error to judge the difference by (not p 1, which read as "certainly no change").
        A p-value below the smallest double (|z| above about 38) is 0 too. The 1-in-200's p-value rests on
        a bootstrap error: a guide, not to the last digit.

        Computed once (the tail's bootstrap is the costly part); each call returns its own copy.

        >>> import numpy as np, pandas as pd
        >>> def run(name, loss, premium):  # (one policy year of three trials, a fixed premium)
        ...     fields = {"loss": np.array(loss), "premium": np.full((3, 1), premium)}
        ...     fields["reinstatement_premium"] = np.zeros((3, 1))
        ...     return Results(name, 2026, 1, 3, 1, {"xl": fields}, {}, {}, (), (), pd.DataFrame())
        >>> a, b = run("a", [[1.0], [3.0], [8.0]], 0.0015), run("b", [[1.0], [2.0], [6.0]], 0.0015)
        >>> t = Comparison(a, b).table()  # differences 0, 1, 2: mean 1, SD 1, s.e. 1/√3
        >>> row = t.loc["xl: ceded loss"]
        >>> row["unit"], float(row["difference"]), round(float(row["z"]), 4), round(float(row["p_value"]), 4)
        ("USD m a year (reinsurer's share)", 1.0, 1.7321, 0.0833)
        >>> errors = ["difference", "standard_error", "independent_standard_error", "z", "p_value"]
        >>> t.loc["xl: premium", errors].astype(float).to_list()  # the same in both: exactly no change
        [0.0, 0.0, 0.0, 0.0, 1.0]
        >>> t = Comparison(run("a", [[1.0], [3.0], [8.0]], 0.002), b).table()
        >>> t.loc["xl: premium", errors[1:]].astype(float).to_list()  # a fixed premium's change is certain
        [0.0, 0.0, inf, 0.0]
        """
        if self._table is None:
            self._table = self._compute_table()
        return self._table.copy()

    @staticmethod
    def _significance(difference: float, standard_error: float) -> tuple[float, float]:
        """(z, two-sided normal p-value) of a difference and its standard error; an error of exactly 0 is
        no Monte Carlo error: z 0 and p 1 for a difference of 0, else ±inf and 0; an infinite error or none
        (NaN) judges nothing: NaN and NaN.

        >>> Comparison._significance(0.0, 0.0), Comparison._significance(-0.5, 0.0)
        ((0.0, 1.0), (-inf, 0.0))
        >>> z, p = Comparison._significance(2.0, 1.0)
        >>> z, round(p, 4), Comparison._significance(1.0, math.nan), Comparison._significance(1.0, math.inf)
        (2.0, 0.0455, (nan, nan), (nan, nan))
        """
        d, se = float(difference), float(standard_error)
        if not math.isfinite(se):
            return math.nan, math.nan
        if se == 0:
            return (0.0, 1.0) if d == 0 else (math.copysign(math.inf, d), 0.0)
        z = d / se
        return z, math.erfc(abs(z) / math.sqrt(2.0))

    def _tonnage_pairs(self) -> list[tuple[str, np.ndarray, np.ndarray]]:
        """Tanker tonnage by P&I class (million GT, each trial-year), ``tonnage:<class>``, of either run:
        a class one run lacks (a scheme's) holds nothing there. None without the world model."""
        ta, tb = self.scenario.year_arrays.get("tonnage_gt"), self.baseline.year_arrays.get("tonnage_gt")
        if ta is None or tb is None or ta.shape[:2] != tb.shape[:2]:
            return []
        names_a, names_b = list(self.scenario.class_names), list(self.baseline.class_names)
        none = np.zeros(ta.shape[:2])
        out = []
        for cls in [*names_a, *(c for c in names_b if c not in names_a)]:
            a = ta[:, :, names_a.index(cls)] / 1e6 if cls in names_a else none
            b = tb[:, :, names_b.index(cls)] / 1e6 if cls in names_b else none
            out.append((f"tonnage:{cls}", a, b))
        return out

    def _compute_table(self) -> pd.DataFrame:
        from riskmodel.display import dominant_trial_words

        if self.scenario.n_trials != self.baseline.n_trials:
            raise ValueError("a paired comparison needs the same trial count in both runs")
        rows = []
        pairs: list[tuple[str, np.ndarray, np.ndarray]] = []
        absent = np.zeros((self.scenario.n_trials, 1))
        empty = {"loss": absent, "premium": absent, "reinstatement_premium": absent}
        sc, bl = self.scenario.contracts, self.baseline.contracts
        ids = [*sc, *(c for c in bl if c not in sc)]
        for cid in [c for c in ids if c != "portfolio"] + ["portfolio"] * ("portfolio" in ids):
            a, b = sc.get(cid, empty), bl.get(cid, empty)
            pairs.append((f"{cid}: ceded loss", a["loss"], b["loss"]))
            premium_a = a["premium"] + a["reinstatement_premium"]
            pairs.append((f"{cid}: premium", premium_a, b["premium"] + b["reinstatement_premium"]))
        ya, yb = self.scenario.year_arrays, self.baseline.year_arrays
        for k in sorted(set(ya) | set(yb)):
            if k.startswith(("payer:", "base:")) or k in COMPARISON_STATISTICS:
                a, b = ya.get(k, absent), yb.get(k, absent)
                if a.ndim == 2 and b.ndim == 2:
                    if figure_unit(k) == TONNAGE_UNIT:  # (a tonnage base, in GT: as the tonnage rows)
                        a, b = a / 1e6, b / 1e6
                    pairs.append((k, a, b))
        pairs += self._tonnage_pairs()
        for name, a, b in pairs:
            # (each run's figure is the mean of its trials' annual means, as in `summary`, to the last bit:
            # summed in another order, a premium of 0.0015 printed 0.002 there and 0.001 here)
            per_a, per_b = a.mean(axis=1), b.mean(axis=1)
            d = metrics.paired_difference(per_a, per_b, exact_zero=True)
            rows.append(
                {
                    "figure": name,
                    "scenario": float(per_a.mean()),
                    "baseline": float(per_b.mean()),
                    "difference": d.mean,
                    "standard_error": d.se,
                    "independent_standard_error": d.se_independent,
                    "note": dominant_trial_words(metrics.paired_deltas(per_a, per_b, exact_zero=True)),
                }
            )
            if name == "portfolio: ceded loss":
                # the tail as the summary gives it, its difference with a paired bootstrap error (a run
                # without a portfolio cedes nothing in any year)
                a, b = (np.zeros_like(b) if a is absent else a), (np.zeros_like(a) if b is absent else b)
                if a.shape != b.shape:  # (horizons differ: no year to pair)
                    continue
                t = metrics.paired_tail_difference(a, b)
                rows.append(
                    {
                        "figure": f"portfolio: {TAIL_FIGURE}",
                        "scenario": t.a,
                        "baseline": t.b,
                        "difference": t.mean,
                        "standard_error": t.se,
                        "independent_standard_error": t.se_independent,
                        "note": "",
                    }
                )
        for row in rows:
            row["unit"] = figure_unit(row["figure"])
            row["z"], row["p_value"] = self._significance(row["difference"], row["standard_error"])
        columns = ["figure", "unit", "scenario", "baseline", "difference", "standard_error"]
        out = pd.DataFrame(rows, columns=[*columns, "independent_standard_error", "z", "p_value", "note"])
        out = out.set_index("figure")
        out.attrs["not_written"] = {  # (the figures of the contracts each run lacks: the other's only)
            run: tuple(
                f
                for cid in self._only_in()[other]
                for f in (f"{cid}: ceded loss", f"{cid}: premium", f"{cid}: {TAIL_FIGURE}")
                if f in out.index
            )
            for run, other in (("scenario", "baseline"), ("baseline", "scenario"))
        }
        out.attrs["caption"] = (
            "Mean annual difference (scenario − baseline) of each figure, with its common-random-number "
            f"standard error and, for contrast, the one with independent seeds ({COMPARISON_BASIS}); z: the "
            "difference over its common-random-number standard error; p_value: two-sided, normal (an error "
            "of exactly 0, a difference the same in every trial or, for the 1-in-200, every resample: "
            "p_value 1 for no difference, 0 for one; an infinite error or none: NaN)"
        )
        return out


def compare(scenario: Results, baseline: Results) -> Comparison:
    """Compare two runs trial by trial (they share common random numbers when run with the same seed and
    horizon; otherwise a `UserWarning` says why they do not, `Comparison.mismatches`)."""
    for name, r in (("scenario", scenario), ("baseline", baseline)):
        if not isinstance(r, Results):
            raise TypeError(
                f"compare: the {name} must be a Results (from riskmodel.simulate or a stored run), "
                f"got {type(r).__name__}"
            )
    comparison = Comparison(scenario, baseline)
    for message in comparison.mismatches():
        warnings.warn(message, UserWarning, stacklevel=2)
    return comparison
