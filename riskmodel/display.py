"""How a figure is written for a reader: one rounding rule for the report, summary.md and the terminal.

In: a number (or a standard error and the figure it is of) and the decimals to show. Out: its text; and
a 1-in-200 that sits on a point mass (a layer's full limit) in words (`point_mass_words`: its error none,
or one the trials cannot bound), a paired
difference of two runs (a `Comparison.table` row's) in words for a sentence (`describe_difference`, by
the rule of `is_material_difference`), and a figure's trend in the number of joiners (`trend_shape`).
Used by every table a person reads (`riskmodel.report`, `riskmodel.store.summary_markdown`, the CLI's
printed tables) and by the notebooks' sentences, so one figure reads the same in each of them.

The rule: halves round away from zero, after the float noise of the figure's last bits is set aside (the
figure is first taken at 12 significant digits), and a figure that rounds to zero has no sign. Why: the
same mean reached by two summation orders can fall either side of a half (0.0015 of a premium came out as
0.0015000000000000002 in one table and 0.0014999999999999998 in another, printed 0.002 and 0.001 on one
page), and a difference of -0.0002 printed "-0.000", a sign on nothing.

A standard error (`fixed_error`) follows the same rule, except that one too small to show is not written
as nothing: "<0.0005" (at three decimals) for a premium that varies a little from trial to trial, "0.000"
only for a figure that is the same in every trial; "∞" for one the trials cannot bound, "–" for none.
Why: "± 0.000" on a premium read as a certain figure when it was not (a rated line's premium varies with
its modelled base).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal, localcontext
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from riskmodel.metrics import RankTrend
    from riskmodel.results import Results

__all__ = [
    "MATERIAL_SHARE",
    "NO_ERROR",
    "TREND_RHO",
    "UNBOUNDED_ERROR",
    "describe_difference",
    "dominant_trial_words",
    "error_texts",
    "event_cap",
    "fixed",
    "fixed_error",
    "is_float_noise",
    "is_material_difference",
    "not_written_cells",
    "point_mass_words",
    "trend_shape",
]

#: A standard error in a table (`fixed_error`) that the trials cannot bound (infinite: too few trials for
#: a 1-in-200) ...
UNBOUNDED_ERROR = "∞"
#: ... and none at all (one trial). A sentence says both as `describe_difference` does: "no standard
#: error to judge it by (too few trials)".
NO_ERROR = "–"

#: Significant digits a figure is taken at before it is rounded to the decimals shown: what lies beyond
#: them is the noise of summation order (a double carries about 16).
SIGNIFICANT = 12


def fixed(value: float, digits: int = 3, *, sign: bool = False, thousands: bool = True) -> str:
    """`value` at `digits` decimals (thousands separated unless not `thousands`; with `sign` a "+" before
    a positive figure): halves away from zero once the float noise is set aside, and no sign on a figure
    that rounds to zero. A NaN or an infinity is written as Python writes it.

    >>> fixed(0.0015000000000000002), fixed(0.0014999999999999998), fixed(0.0025)
    ('0.002', '0.002', '0.003')
    >>> fixed(-0.0002), fixed(-0.0002, sign=True), fixed(0.0004, sign=True), fixed(0.0005, sign=True)
    ('0.000', '0.000', '0.000', '+0.001')
    >>> fixed(-1234.5678, 2), fixed(1234.5, 0, thousands=False), fixed(float("nan"))
    ('-1,234.57', '1235', 'nan')
    """
    v = float(value)
    if not math.isfinite(v):
        return str(v)
    with localcontext() as ctx:
        ctx.prec = 1_000  # (room for any double's every digit: quantize must not run out of precision)
        exact = Decimal(v)
        if v:
            # (the place of the 12th significant digit, never coarser than two places past those shown)
            places = max(SIGNIFICANT - 1 - math.floor(math.log10(abs(v))), digits + 2)
            exact = exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN)
        shown = exact.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
    if shown.is_zero():
        shown = shown.copy_abs()
    return format(shown, f"{'+' if sign and not shown.is_zero() else ''}{',' if thousands else ''}.{digits}f")


def fixed_error(standard_error: float, figure: float, digits: int = 3) -> str:
    """A standard error of `figure` at `digits` decimals, by `fixed`'s rule, except that one not zero but
    too small to show is "under half the last place shown" (``<0.0005`` at three decimals), so that a
    reader does not take a figure that varies for a certain one. An error within the float noise of its
    figure (under a part in 10^`SIGNIFICANT` of it: the spread of summing a constant in another order, as
    a fixed premium's mean over the years) is zero: the figure is the same in every trial. An infinite
    error (too few trials to bound it: a 1-in-200 below a few hundred) is `UNBOUNDED_ERROR`, none (one
    trial) `NO_ERROR`: in every table alike (the report's, summary.md's, the terminal's), where they read
    "inf" and "nan" in some.

    >>> fixed_error(2.25e-05, 6.519), fixed_error(0.0004999, 0.243), fixed_error(0.0005, 0.243)
    ('<0.0005', '<0.0005', '0.001')
    >>> fixed_error(0.0, 2.5), fixed_error(3.4e-21, 0.0015), fixed_error(-0.0, 0.0), fixed_error(2e-06, 0.0)
    ('0.000', '0.000', '0.000', '<0.0005')
    >>> fixed_error(0.004, 1.0, 2), fixed_error(0.3, 12.0, 0), fixed_error(math.inf, 1.0)
    ('<0.005', '<0.5', '∞')
    >>> fixed_error(math.nan, 1.0)
    '–'
    """
    if math.isnan(standard_error):
        return NO_ERROR
    if math.isinf(standard_error):
        return UNBOUNDED_ERROR
    se = 0.0 if is_float_noise(standard_error, figure) else float(standard_error)
    shown = fixed(se, digits)
    if se and shown == fixed(0.0, digits):
        return "<" + fixed(0.5 * 10.0**-digits, digits + 1)
    return shown


def is_float_noise(standard_error: float, figure: float) -> bool:
    """Whether a standard error is zero, or within the float noise of its `figure` (under a part in
    10^`SIGNIFICANT` of it): the error of a figure the same in every trial, which `fixed_error` writes
    0.000.

    >>> is_float_noise(0.0, 0.0), is_float_noise(9.1e-16, 20.0), is_float_noise(2e-06, 0.0)
    (True, True, False)
    """
    se, level = float(standard_error), float(figure)
    noise = abs(level) * 10.0**-SIGNIFICANT if math.isfinite(level) else 0.0
    return math.isfinite(se) and abs(se) <= noise


def error_texts(standard_errors: Iterable[float], figures: Iterable[float], digits: int = 3) -> list[str]:
    """`fixed_error` of each standard error with its figure: a table's error column as a reader sees it
    (summary.md's, the terminal's).

    >>> error_texts([0.054, 2.3e-05, 3.4e-21], [3.852, 6.519, 0.0015])
    ['0.054', '<0.0005', '0.000']
    """
    return [fixed_error(se, m, digits) for se, m in zip(standard_errors, figures, strict=True)]


def dominant_trial_words(values: Any) -> str:
    """A note for a mean (of per-trial `values`: a figure's, or two runs' paired differences) when one
    trial holds more than `metrics.DOMINANT_TRIAL_SHARE` of its variance (`metrics.largest_trial_share`):
    the share, and the mean and standard error without that trial, so the reader sees what it carries;
    "" when no trial does, and for runs of fewer than `metrics.DOMINANCE_MIN_TRIALS` trials.

    >>> dominant_trial_words([1.0] * 999 + [2.0] * 999 + [50.0])
    'one trial holds 82% of its variance; without it: 1.500 ± 0.011'
    >>> dominant_trial_words([1.0, 2.0] * 600), dominant_trial_words([1.0] * 99 + [500.0])
    ('', '')
    """
    import numpy as np

    from riskmodel.metrics import (
        DOMINANCE_MIN_TRIALS,
        DOMINANT_TRIAL_SHARE,
        largest_trial_share,
        standard_error,
    )

    x = np.asarray(values, dtype=np.float64)
    if x.size < DOMINANCE_MIN_TRIALS:
        return ""
    share = largest_trial_share(x)
    if not share > DOMINANT_TRIAL_SHARE:
        return ""
    rest = np.delete(x, int(np.argmax(np.abs(x - x.mean()))))
    without = (
        f"{fixed(float(rest.mean()), 3)} ± {fixed_error(float(standard_error(rest)), float(rest.mean()))}"
    )
    return f"one trial holds {share:.0%} of its variance; without it: {without}"


def point_mass_words(
    results: Results, contract: str, tail: pd.Series, cap: float | None = None
) -> str | None:
    """A contract's 1-in-200 (its `Results.summary` row `tail`) on a point mass, in words; None when it is
    not on one.

    A standard error of 0 (or float noise, `is_float_noise`) on a positive 1-in-200 is no precision: so
    many policy years lose exactly that amount (a layer's full limit, a stress of fixed size) that the
    quantile's interval is the amount itself. The words say which, with the share of policy years that
    reach it: of its ``year`` for the largest year's (``year_basis`` `results.LARGEST_YEAR`), of all of
    them for one the same in every year or with the policy years pooled. "The full limit" when it is the
    contract's per-event `cap` (USD m at our share, from its terms: `event_cap`; "2 full limits" at twice
    it), or, with no limit given, the most one event ceded in the run (a layer capped by its source, as
    the IG GXL lines are, or a `Results` without its terms: `Results.summary`'s note); else "a point
    mass".

    An infinite standard error on such an amount (at least two of those policy years lose it: a tie,
    which losses drawn from continuous severities do not make) is worded too, with "; too few trials to
    bound it above": the trials cannot bound the quantile above, and a limit several trials reach is no
    proof that the loss cannot exceed it (a reinstatement, the sum of several years: `metrics.quantile_ci`),
    so the error stays open. The words then say why a year's 1-in-200 at the limit has no error where the
    policy years pooled, more draws, bound it at the limit.

    >>> import numpy as np, pandas as pd
    >>> from riskmodel.results import Results
    >>> loss = np.array([[0.0, 5.0], [5.0, 5.0], [0.0, 5.0], [5.0, 0.0]])  # 5 in 2 of 4, 3 of 4 years
    >>> fields = {"loss": loss, "max_event_loss": loss}
    >>> r = Results("x", 2026, 2, 4, 1, {"xl": fields}, {}, {}, (), (), pd.DataFrame())
    >>> def row(se, year, basis):
    ...     return pd.Series({"mean": 5.0, "standard_error": se, "year": year, "year_basis": basis})
    >>> point_mass_words(r, "xl", row(0.0, 2026, "every policy year alike"), 5.0)  # (5 of 8 policy years)
    'the full limit, reached in 62.5% of policy years'
    >>> point_mass_words(r, "xl", row(9e-16, 2027, "largest policy year"), 5.0)
    'the full limit, reached in 75.0% of policy years'
    >>> point_mass_words(r, "xl", row(0.0, pd.NA, "policy years pooled"))
    'the full limit of one event (the most any event ceded), reached in 62.5% of policy years'
    >>> point_mass_words(r, "xl", row(math.inf, 2027, "largest policy year"), 5.0)
    'the full limit, reached in 75.0% of policy years; too few trials to bound it above'
    >>> point_mass_words(r, "xl", row(0.5, 2027, "largest policy year"), 5.0) is None
    True
    """
    from riskmodel.results import LARGEST_YEAR

    value, se = float(tail["mean"]), float(tail["standard_error"])
    exact = is_float_noise(se, value)
    if not value > 0 or not (exact or math.isinf(se)):
        return None
    c = results.contracts[contract]
    one_year = tail["year_basis"] == LARGEST_YEAR
    loss = c["loss"][:, int(tail["year"]) - results.start_year] if one_year else c["loss"]
    if not exact and (abs(loss - value) <= value * 1e-9).sum() < 2:
        return None
    share = float((loss >= value * (1 - 1e-9)).mean())
    what = "a point mass"
    if cap:
        k = round(value / cap)
        if k >= 1 and math.isclose(value, k * cap, rel_tol=1e-9):
            what = "the full limit" if k == 1 else f"{k} full limits"
    elif math.isclose(value, float(c["max_event_loss"].max()), rel_tol=1e-9):
        what = "the full limit of one event (the most any event ceded)"
    open_end = "" if exact else "; too few trials to bound it above"
    return f"{what}, reached in {share:.1%} of policy years{open_end}"


def event_cap(manifest: Mapping[str, Any], contract: str) -> float | None:
    """The per-event (for a stop loss, annual) limit of a contract at our share, USD m, from the terms in
    the run's manifest; None where its terms state none (a quota share of an IG GXL layer: the layer's own
    limit caps it) or the manifest does not have them."""
    terms = (((manifest.get("scenario") or {}).get("portfolio") or {}).get("contracts") or {}).get(contract)
    if not isinstance(terms, Mapping) or terms.get("limit_usd_m") is None:
        return None
    return float(terms["limit_usd_m"]) * float(terms.get("participation", 1.0))


# ------------------------------------------------------------------------- a difference in words
#: A difference under this share of the level it changes is not material, however precise.
MATERIAL_SHARE = 0.01


def _known(level: float | None) -> float | None:
    """A level to judge materiality by: None when not given or not a number."""
    return None if level is None or not math.isfinite(float(level)) else float(level)


def is_material_difference(difference: float, standard_error: float, level: float | None = None) -> bool:
    """Whether a paired difference is a change worth a signed figure: beyond twice its standard error
    and, given the `level` it changes (the baseline's figure; NaN counts as not given), at least
    `MATERIAL_SHARE` (1%) of it. A difference without a finite standard error is not. `describe_difference`
    words the same rule.

    >>> is_material_difference(0.008, 0.003), is_material_difference(0.008, 0.003, level=5.75)
    (True, False)
    """
    if not math.isfinite(standard_error) or abs(difference) <= 2 * standard_error:
        return False
    known = _known(level)
    return known is None or abs(difference) >= MATERIAL_SHARE * abs(known)


def describe_difference(
    difference: float,
    standard_error: float,
    level: float | None = None,
    digits: int = 4,
    *,
    note: object = "",
) -> str:
    """A paired difference (USD m, e.g. a `Comparison.table` row's) in words, for a sentence.

    The rule (`is_material_difference`): a signed figure only beyond twice its standard error; given the
    `level` it changes (the baseline's figure), one under `MATERIAL_SHARE` (1%) of it is "not material".
    In order: "no change" when the difference and its error are both exactly 0; a difference within twice
    its error is no difference beyond that error; one without Monte Carlo error (the same in every trial)
    is beyond it whatever its size; one beyond it and under 1% of the level is not material; else the
    signed figure with its error. Amounts print at `digits` decimals, and one too small to show as
    "under" the smallest they show. Without a standard error (a run of one trial) the figure is given
    unjudged.

    >>> describe_difference(0.0, 0.0)
    'no change'
    >>> describe_difference(0.005, 0.0)
    'USD +0.0050m (no Monte Carlo error)'
    >>> describe_difference(0.004, 0.003)
    'no difference beyond its Monte Carlo error (+0.0040m ± 0.0030m, within two standard errors)'
    >>> describe_difference(0.008, 0.00003, level=5.75)
    'USD +0.0080m (± under 0.0001m), 0.139% of USD 5.75m: not material'
    >>> describe_difference(0.004, 0.0019, digits=2)
    'USD +under 0.01m (± under 0.01m)'
    >>> describe_difference(-1.25, 0.2, level=5.75, digits=2)
    'USD -1.25m (± 0.20m)'
    >>> describe_difference(1.0, float("nan"))
    '+1.0000m with no standard error to judge it by (too few trials)'

    `note`: the difference's one-trial note, where one trial holds more than half of the variance of the
    paired differences (a `Comparison.table` row's ``note``, or `dominant_trial_words` of the per-trial
    differences): the error, and so the judgement, is mostly that trial's; said inside the words' last
    brackets, or in brackets after them. Anything but a non-empty string is no note (NaN: the note column
    of a comparison.csv written before it, read by a plain `pandas.read_csv`).

    >>> per_trial = [-10.0, -12.0] * 500 + [-10000.0]  # (their mean −20.98, its s.e. 9.98)
    >>> describe_difference(-20.98, 9.98, digits=1, note=dominant_trial_words(per_trial))
    'USD -21.0m (± 10.0m; one trial holds 100% of its variance; without it: -11.000 ± 0.032)'
    >>> describe_difference(-1.25, 0.2, digits=2, note=float("nan"))
    'USD -1.25m (± 0.20m)'
    """
    words = _difference_words(difference, standard_error, level, digits)
    if not isinstance(note, str) or not note:
        return words
    return f"{words[:-1]}; {note})" if words.endswith(")") else f"{words} ({note})"


def _difference_words(difference: float, standard_error: float, level: float | None, digits: int) -> str:
    """`describe_difference` without a note."""
    d, se, known = float(difference), float(standard_error), _known(level)
    smallest = f"under {10**-digits:.{digits}f}m"
    figure = f"{'+' if d > 0 else '-'}{smallest}" if d and round(d, digits) == 0 else f"{d:+,.{digits}f}m"
    if not math.isfinite(se):
        return f"{figure} with no standard error to judge it by (too few trials)"
    if d == 0 and se == 0:
        return "no change"
    error = (
        "no Monte Carlo error"
        if se == 0
        else f"± {se:,.{digits}f}m"
        if round(se, digits)
        else f"± {smallest}"
    )
    if abs(d) <= 2 * se:
        return f"no difference beyond its Monte Carlo error ({figure} {error}, within two standard errors)"
    if known is not None and not is_material_difference(d, se, known):
        return f"USD {figure} ({error}), {100 * abs(d / known):.3g}% of USD {abs(known):,.4g}m: not material"
    return f"USD {figure} ({error})"


def not_written_cells(table: pd.DataFrame) -> pd.DataFrame:
    """A `Comparison.table` (its rows and run columns, ``scenario`` and ``baseline``, as a person reads
    them) with "not written" in the cells of a contract that run's portfolio lacks (``attrs
    ["not_written"]``): not 0.000, which reads as a contract written that ceded nothing. The terminal's and
    the report's tables alike.

    >>> import pandas as pd
    >>> t = pd.DataFrame({"scenario": [0.0, 1.5], "baseline": [0.25, 1.0]}, index=["xl: premium", "all"])
    >>> t.attrs["not_written"] = {"scenario": ("xl: premium",), "baseline": ()}
    >>> not_written_cells(t)["scenario"].to_list()
    ['not written', 1.5]
    """
    out = table.astype({"scenario": object, "baseline": object})
    for run, figures in table.attrs.get("not_written", {}).items():
        out.loc[out.index.intersection(list(figures)), run] = "not written"
    return out


# ------------------------------------------------------------------------- a trend in words
#: The smallest Spearman |ρ| the joiners' verdict calls a trend (with p < 0.05): at 8,192 trials any
#: |ρ| above 0.022 has p < 0.05, and "a rising trend" for ρ +0.03 told of a figure that barely moves.
TREND_RHO = 0.1


def trend_shape(trend: RankTrend) -> str:
    """A figure's trend in the number of joiners in words (`metrics.rank_trend`'s ρ and p): "a rising
    (falling) trend" where p < 0.05 and |ρ| ≥ `TREND_RHO`, "a weak rising (falling) trend" where p < 0.05
    with a smaller |ρ| (at thousands of trials a tiny ρ is significant), else "no monotone trend". The
    report's verdicts and notebook 02 word it here.

    >>> from riskmodel.metrics import RankTrend
    >>> [trend_shape(RankTrend(r, p)) for r, p in ((0.3, 0.001), (-0.03, 0.002), (0.2, 0.3))]
    ['a rising trend', 'a weak falling trend', 'no monotone trend']
    """
    if not trend.p_value < 0.05:
        return "no monotone trend"
    weak = "weak " if abs(trend.rho) < TREND_RHO else ""
    return f"a {weak}{'rising' if trend.rho > 0 else 'falling'} trend"
