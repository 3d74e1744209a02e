"""One rounding rule for every table a person reads (`riskmodel.display.fixed`), and the tables that use it:
the report's, summary.md's and the terminal's."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from riskmodel import store
from riskmodel.cli.run import _number
from riskmodel.display import fixed
from riskmodel.report import _table, _with_se


def test_a_half_reached_by_two_summation_orders_rounds_the_same_way():
    """0.0015 as the mean of five years of a 0.0015 premium, summed two ways: 0.0015000000000000002 and
    0.0014999999999999998 (Python's own formatting prints 0.002 and 0.001); both print 0.002, as 0.0015
    does, halves away from zero. A figure that is not a half is rounded as usual, whatever its size."""
    premium = np.full((4096, 5), 0.0015)
    two_ways = {float(premium.mean()), float(premium.mean(axis=1).mean()), 0.0015000000000000002}
    two_ways |= {0.0014999999999999998}
    assert {f"{v:.3f}" for v in two_ways} == {"0.001", "0.002"}  # (the trouble: one figure, two texts)
    assert {fixed(v) for v in two_ways} == {"0.002"}
    assert fixed(-0.0015) == "-0.002" and fixed(0.0025) == "0.003" and fixed(2.675, 2) == "2.68"
    assert fixed(0.00149) == "0.001" and fixed(450.8764999) == "450.876" and fixed(12345.6785) == "12,345.679"
    assert fixed(123456789012.3456) == "123,456,789,012.346"


@pytest.mark.parametrize("value", [-0.0002, -0.0004999, -1e-18, -0.0, 0.0, 0.0004])
def test_a_figure_that_rounds_to_zero_has_no_sign(value):
    assert fixed(value) == "0.000" and fixed(value, sign=True) == "0.000"


def test_signs_thousands_and_what_is_not_a_number():
    assert fixed(0.0005, sign=True) == "+0.001" and fixed(-3.5, 0, sign=True) == "-4"
    assert fixed(1234.5, 1) == "1,234.5" and fixed(1234.5, 1, thousands=False) == "1234.5"
    assert fixed(math.nan) == "nan" and fixed(math.inf) == "inf" and fixed(-math.inf) == "-inf"


def test_the_report_summary_md_and_the_terminal_print_no_signed_zero():
    """Each table a reader sees goes through the rule: a difference of -0.0002 is "0.000" in the report's
    tables and its "mean ± SE" cells, in summary.md's tables and in the terminal's, and a 0.0015 premium
    reached either way is 0.002 in each."""
    frame = pd.DataFrame(
        {"difference": [-0.0002, 0.0014999999999999998], "standard_error": [0.0001, 0.0]},
        index=pd.Index(["gxl_layer1: premium", "counterparty_hull_xol: premium"], name="figure"),
    )
    page = _table(frame)
    assert "-0.000" not in page and ">0.000<" in page and ">0.002<" in page
    assert _with_se(-0.0002, -0.0) == "0.000 ± 0.000" and _with_se(0.0014999999999999998, 0.0001) == (
        "0.002 ± 0.000"
    )
    markdown = store._markdown_table(frame)
    assert "| gxl_layer1: premium | 0.000 | 0.000 |" in markdown
    assert "| counterparty_hull_xol: premium | 0.002 | 0.000 |" in markdown
    assert _number(-0.0002) == "0.000" and _number(0.0014999999999999998) == "0.002"
