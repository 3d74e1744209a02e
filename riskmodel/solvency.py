"""The schemes' capital, rescues and failures, for the report and each run's summary.md.

In: a run's `Results` (the year arrays ``scheme_capital:<id>``, ``scheme_recapitalised:<id>`` and
``scheme_insolvent:<id>`` that the waterfall writes, and `Results.scheme_finances`). Out: per scheme a
sentence counting, in trials, how often it failed or was rescued over the horizon (the finances table's
yearly shares round a few trials in a thousand to 0.000), and the table's caption, declared once.
"""

from __future__ import annotations

import math

from riskmodel.display import fixed
from riskmodel.results import Results

__all__ = ["SCHEMES_CAPTION", "scheme_solvency_words"]

#: What `Results.scheme_finances` holds, the caption of its table in the report and in summary.md.
SCHEMES_CAPTION = (
    "Schemes by policy year (means over trials, USD m): premium earned (gross: the scheme's capital gets "
    "(1 − expense ratio) × (1 − quota share) of it, the rest its expenses and its reinsurer's share), "
    "retained claims paid, the scheme's reinsurer's payments, capital at the year end (mean and 1st "
    "percentile, over the trials in which the scheme is still solvent), and the shares of trials in which "
    "the sovereign recapitalises the scheme that year and in which it is insolvent at the year end (for "
    "good: it pays nothing afterwards)"
)


def scheme_solvency_words(r: Results) -> list[str]:
    """Per scheme, in words, how often it failed or was rescued over the horizon, counted in trials (the
    schemes table's yearly shares round a few trials in a thousand to 0.000 or 0.001): "rv_pool: insolvent
    by the end of 2030 in 39 of 8,192 trials (0.48% ± 0.08%, binomial s.e.) ...", or that it never was, with
    its lowest year-end capital. A run made before insolvency was modelled (no flags) says nothing."""
    lines = []
    last = r.start_year + r.n_years - 1
    for sid in r.scheme_ids:
        insolvent = r.year_arrays.get(f"scheme_insolvent:{sid}")
        recapitalised = r.year_arrays.get(f"scheme_recapitalised:{sid}")
        capital = r.year_arrays.get(f"scheme_capital:{sid}")
        if insolvent is None or recapitalised is None or capital is None:
            continue
        n = r.n_trials
        failed = int((insolvent[:, -1] > 0).sum())
        rescued = int((recapitalised > 0).any(axis=1).sum())
        if failed:
            share = failed / n
            se = math.sqrt(share * (1.0 - share) / n)
            text = (
                f"{sid}: insolvent by the end of {last} in {failed:,} of {n:,} trials ({100 * share:.2f}% ± "
                f"{100 * se:.2f}%, binomial s.e.): from the next policy year it, its reinsurer and its hull "
                "cover pay nothing and its members are uninsured"
            )
        else:
            lowest = float(capital.min())
            text = (
                f"{sid}: insolvent in none of the {n:,} trials (its lowest year-end capital: "
                f"{fixed(lowest, 0)})"
            )
        text += (
            f"; recapitalised by its sovereign at least once in {rescued:,} ({100 * rescued / n:.2f}%)."
            if rescued
            else "; never recapitalised."
        )
        lines.append(text)
    return lines
