"""How a figure is written for a reader: one rounding rule for the report, summary.md and the terminal.

In: a number and the decimals to show. Out: its text. Used by every table a person reads
(`riskmodel.report`, `riskmodel.store.summary_markdown`, the CLI's printed tables), so one figure reads
the same in each of them.

The rule: halves round away from zero, after the float noise of the figure's last bits is set aside (the
figure is first taken at 12 significant digits), and a figure that rounds to zero has no sign. Why: the
same mean reached by two summation orders can fall either side of a half (0.0015 of a premium came out as
0.0015000000000000002 in one table and 0.0014999999999999998 in another, printed 0.002 and 0.001 on one
page), and a difference of -0.0002 printed "-0.000", a sign on nothing.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal, localcontext

__all__ = ["fixed"]

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
