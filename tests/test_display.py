"""One rounding rule for every table a person reads (`riskmodel.display.fixed`), and the tables that use it:
the report's, summary.md's and the terminal's."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from perils_book import BASE

from riskmodel import store
from riskmodel.cli.run import _headline, _number
from riskmodel.display import error_texts, fixed, fixed_error
from riskmodel.engine.simulate import simulate
from riskmodel.report import _table, _with_se
from riskmodel.results import PREMIUM_UNIT
from riskmodel.scenario import load_scenario_from_dict


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
        "0.002 ± <0.0005"
    )
    markdown = store._markdown_table(frame)
    assert "| gxl_layer1: premium | 0.000 | 0.000 |" in markdown
    assert "| counterparty_hull_xol: premium | 0.002 | 0.000 |" in markdown
    assert _number(-0.0002) == "0.000" and _number(0.0014999999999999998) == "0.002"


def test_a_standard_error_too_small_to_show_is_not_written_as_zero():
    """The review's baseline at 4,096 trials: gxl_layer1's premium (a rate times a modelled base) 6.519 with
    a standard error of 2.3e-05, and tanker_hull_xol's (with its reinstatement premium) 0.243 with 0.00036,
    both printed "± 0.000" as if certain. They read "<0.0005" (under half the last place shown). A fixed
    premium's error of 3.4e-21 (0.0015 a year summed in another order) is float noise: the figure is the
    same in every trial and stays 0.000, as an error of exactly 0 does."""
    assert fixed_error(2.253103271038549e-05, 6.519391141497443) == "<0.0005"
    assert fixed_error(0.0003618848488039585, 0.24262802096287056) == "<0.0005"
    assert fixed_error(3.388545455069535e-21, 0.0015000000000000002) == "0.000"
    assert fixed_error(0.0, 2.5) == "0.000" and fixed_error(-0.0, 0.0) == "0.000"
    assert fixed_error(0.0005, 1.0) == "0.001" and fixed_error(0.054, 3.85) == "0.054"
    assert fixed_error(1e-07, 0.0) == "<0.0005"  # (a figure of 0 that varies: not noise)
    assert fixed_error(0.004, 1.0, digits=2) == "<0.005" and fixed_error(0.3, 12.0, digits=0) == "<0.5"
    assert fixed_error(math.nan, 1.0) == "–" and fixed_error(math.inf, 1.0) == "∞"
    assert error_texts([2.3e-05, 3.4e-21], [6.519, 0.0015]) == ["<0.0005", "0.000"]


def test_no_standard_error_reads_alike_in_every_table_and_sentence():
    """A 1-in-200 of 100 trials has an infinite standard error (too few trials to bound it), and a run of
    one trial none. The report wrote them "∞" and "–", the terminal and summary.md "inf" and "nan", the
    comparison frame z 0 and p-value 1 for the first ("certainly no change"), and the report's headline
    "(no error: too few trials)" where `describe_difference` says "no standard error to judge it by".
    Now one cell text for each (`fixed_error`) in the terminal, summary.md and the report, z and p-value
    NaN, and one sentence."""
    from test_plots import synthetic_results

    from riskmodel.cli.run import comparison_view
    from riskmodel.display import describe_difference
    from riskmodel.report import _comparison_cells
    from riskmodel.results import COMPARISON_SHOWN, TAIL_FIGURE, compare

    a = synthetic_results("a", scale=1.5, seed=2, n_trials=100)
    b = synthetic_results("b", seed=2, n_trials=100)
    table = compare(a, b).table()
    tail = f"portfolio: {TAIL_FIGURE}"
    assert math.isinf(table.at[tail, "standard_error"]) and table.loc[tail, ["z", "p_value"]].isna().all()
    assert comparison_view(table).at[tail, "CRN s.e."] == "∞"
    assert _comparison_cells(table[list(COMPARISON_SHOWN)]).at[tail, "standard_error"] == "∞"
    md = store.summary_markdown(a, {})
    assert f"| {tail} | USD m in 2028 (reinsurer's share) | 16.498 | ∞ | no |" in md
    words = describe_difference(table.at[tail, "difference"], table.at[tail, "standard_error"])
    assert words.endswith("with no standard error to judge it by (too few trials)")
    one = synthetic_results(n_trials=1)
    alone = compare(one, one).table()
    none = alone.index[alone["standard_error"].isna()]
    assert len(none) >= 10 and alone.loc[none, ["z", "p_value"]].isna().all().all()
    assert (comparison_view(alone).loc[none, "CRN s.e."] == "–").all()
    assert (_comparison_cells(alone[list(COMPARISON_SHOWN)]).loc[none, "standard_error"] == "–").all()


def test_summary_md_the_terminal_and_the_report_write_a_tiny_error_alike(monkeypatch):
    """One rule for an error too small to show in summary.md's error column, the terminal's "s.e." and the
    report's "mean ± SE" cells: "<0.0005" for a premium that varies a little, "0.000" for a fixed one."""
    results = simulate(
        load_scenario_from_dict({**BASE, "simulation": {**BASE["simulation"], "trials": 4096}})
    )
    frame = results.summary()
    tiny, noise = (6.519391141497443, 2.253103271038549e-05), (0.0015000000000000002, 3.388545455069535e-21)
    frame.loc["storm_xol: premium", ["mean", "standard_error"]] = noise
    frame.loc["portfolio: premium", ["mean", "standard_error"]] = tiny
    monkeypatch.setattr(results, "summary", lambda: frame)
    md = store.summary_markdown(results, {})
    assert f"| storm_xol: premium | {PREMIUM_UNIT} | 0.002 | 0.000 | yes |" in md
    assert f"| portfolio: premium | {PREMIUM_UNIT} | 6.519 | <0.0005 | yes |" in md
    assert md.count("<0.0005") == 1
    headline = _headline(results, {})
    assert headline.loc["portfolio: premium", "s.e."] == "<0.0005"
    assert headline.loc["portfolio: ceded loss", "s.e."] == fixed(
        frame.loc["portfolio: ceded loss", "standard_error"]
    )
    assert _with_se(*tiny) == "6.519 ± <0.0005" and _with_se(*noise) == "0.002 ± 0.000"


def test_the_words_of_a_trend_live_with_the_other_words_of_a_figure():
    """`trend_shape` (a trend in the number of joiners in words, by `TREND_RHO`) was in the report module,
    which notebook 02 imported for it; it lives in `riskmodel.display` with the other words of a figure,
    and the report re-exports it, one function for the page and the notebooks. No notebook imports the
    report module's undocumented helpers."""
    from pathlib import Path

    import nbformat

    from riskmodel import display, report
    from riskmodel.metrics import RankTrend

    assert report.trend_shape is display.trend_shape and report.TREND_RHO == display.TREND_RHO == 0.1
    # (|ρ| 0.1 is a trend; under it, with p < 0.05, a weak one)
    assert display.trend_shape(RankTrend(-0.1, 0.01)) == "a falling trend"
    assert display.trend_shape(RankTrend(0.099, 0.01)) == "a weak rising trend"
    notebooks = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))
    assert len(notebooks) == 5
    for path in notebooks:
        code = "\n".join(c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code")
        assert "riskmodel.report" not in code and "from riskmodel import report" not in code, path.name
