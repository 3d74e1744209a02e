"""The HTML report: one self-contained page per batch, checked as HTML and rendered in headless Chromium.

The runs are synthetic `Results` (`test_plots.synthetic_results`) saved with `riskmodel.store.save_run`,
so these tests do not depend on the engine: `baseline`, `rv_pool` (losses × 1.5) and `crackdown`
(losses × 1.2) share their seed, as runs of one batch share common random numbers.
"""

from __future__ import annotations

import base64
import dataclasses
import html
import os
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest
from test_plots import NEVER, synthetic_results

from riskmodel import metrics
from riskmodel.report import (
    LOSS_RATIO,
    REPORT_FILE,
    NoRunsError,
    Run,
    contracts_table,
    describe_difference,
    ep_by_year,
    ep_extract,
    headline_table,
    is_material_difference,
    ledger_table,
    sanctions_annual,
    scheme_solvency_words,
    write_report,
)
from riskmodel.results import EVERY_YEAR_ALIKE, POOLED_TAIL_FIGURE, TAIL_FIGURE, Results
from riskmodel.scenario import Scenario, load_scenario_from_dict
from riskmodel.store import run_hash, sanctions_frame, save_run

TRIALS = 2_000
CHROMIUM = "/usr/bin/chromium"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _store(folder: Path, scenario: Scenario, results: Results, baseline: str | None = None) -> None:
    """Save `results` of `scenario` as the finished run `folder`, compared with the run `baseline`."""
    save_run(
        folder,
        results,
        scenario,
        identity=run_hash(scenario, TRIALS, results.seed, False),
        baseline={"file": "baseline.yaml", "run": baseline} if baseline else None,
    )


def _save(folder: Path, name: str, scale: float, scheme: bool, baseline: str | None) -> None:
    scenario = load_scenario_from_dict({"name": name, "description": f"The {name} story, in one line."})
    _store(
        folder / name,
        scenario,
        synthetic_results(name, n_trials=TRIALS, scale=scale, scheme=scheme),
        baseline,
    )


@pytest.fixture(scope="module")
def batch_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A batch folder: three finished runs, one interrupted (no manifest) and one damaged (a truncated
    file)."""
    folder = tmp_path_factory.mktemp("batch")
    _save(folder, "baseline", 1.0, False, None)
    _save(folder, "rv_pool", 1.5, True, "baseline")
    _save(folder, "crackdown", 1.2, True, "baseline")
    (folder / "interrupted").mkdir()
    (folder / "interrupted" / "arrays.npz").write_bytes(b"")
    shutil.copytree(folder / "crackdown", folder / "damaged")
    arrays = folder / "damaged" / "arrays.npz"
    arrays.write_bytes(arrays.read_bytes()[:100])
    return folder


@pytest.fixture(scope="module")
def report(batch_dir: Path) -> Path:
    return write_report(batch_dir)


class Page(HTMLParser):
    """What the checks need from a page: tags with their attributes, tables by id and their cells."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.tables: dict[str, list[list[str]]] = {}
        self._table: str | None = None
        self._cell: list[str] | None = None
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.tags.append((tag, a))
        if tag == "table" and a.get("id"):
            self._table = a["id"]
            self.tables[self._table] = []
        elif tag == "tr" and self._table:
            self.tables[self._table].append([])
        elif tag in ("td", "th") and self._table:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._table and self._cell is not None:
            self.tables[self._table][-1].append("".join(self._cell).strip())
            self._cell = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)

    def all(self, tag: str) -> list[dict[str, str | None]]:
        return [a for t, a in self.tags if t == tag]


def test_report_is_one_self_contained_page(report: Path, batch_dir: Path):
    """No scripts, no style sheets or images from elsewhere: every image is an embedded PNG."""
    assert report == batch_dir / REPORT_FILE
    text = report.read_text(encoding="utf-8")
    page = Page(text)
    assert page.all("script") == [] and page.all("link") == [] and page.all("iframe") == []
    images = page.all("img")
    # overview AEP and OEP; per scenario EP of a policy year and of the horizon, contracts, ledger, market
    # (+ deltas vs baseline, + adoption)
    assert len(images) == 2 + 3 * 5 + 2 * 2
    for img in images:
        src = img["src"] or ""
        assert src.startswith("data:image/png;base64,")
        assert base64.b64decode(src.split(",", 1)[1])[:8] == PNG_MAGIC
        assert img["alt"]
    for tag, attrs in page.tags:
        for key in ("src", "href"):
            value = attrs.get(key) or ""
            assert value.startswith(("data:", "#")) or not value, (tag, key, value[:60])
    assert "url(" not in text


def test_headline_table_lists_each_scenario_with_its_difference_from_the_baseline(report: Path, batch_dir):
    """Baseline first; rv_pool's losses are 1.5 × the baseline's trial by trial, so its difference in the
    portfolio's mean annual ceded loss is 0.5 × the baseline's, with the paired standard error."""
    rows = Page(report.read_text(encoding="utf-8")).tables["headline"]
    header, body = rows[0], rows[1:]
    assert header[0] == "scenario"
    assert [r[0] for r in body] == ["baseline", "crackdown", "rv_pool"]
    diff_col = header.index("difference in ceded loss (USD m a year)")
    assert [r[header.index("compared with")] for r in body] == ["–", "baseline", "baseline"]
    base = synthetic_results("baseline", n_trials=TRIALS, scheme=False).contracts["portfolio"]["loss"]
    rv = synthetic_results("rv_pool", n_trials=TRIALS, scale=1.5).contracts["portfolio"]["loss"]
    d = metrics.paired_difference(rv.mean(axis=1), base.mean(axis=1))
    assert d.mean == pytest.approx(0.5 * base.mean())
    assert body[2][diff_col] == f"{d.mean:+,.3f} ± {d.se:,.3f}"
    assert body[0][diff_col] == "–"
    assert body[0][header.index("trials")] == "2,000"
    loss_col = header.index("expected ceded loss (USD m a year)")
    assert body[0][loss_col].startswith(f"{base.mean():,.3f} ± ")
    # the summary's premium holds the reinstatement premium: the column says so
    book = synthetic_results("baseline", n_trials=TRIALS, scheme=False).contracts["portfolio"]
    premium = (book["premium"] + book["reinstatement_premium"]).mean()
    assert body[0][header.index("premium incl. reinstatements (USD m a year)")].startswith(
        f"{premium:,.3f} ± "
    )


def test_contracts_table_puts_each_contract_on_one_row():
    """gxl_layer1's premium is 1.2 and its reinstatement premium 10% of its loss: the table shows the two
    apart (the loss ratio's caption used to call its denominator "the premium the portfolio file states",
    while it held the reinstatement premium too), and the loss ratio, named for its denominator, is
    EL / (1.2 + 0.1 EL). A figure the same in every trial has no "±", as in the who-pays and sanctions
    tables (the table showed "1.200 ± 0.000" for the fixed premium and "0.000 ± 0.000" for a reinstatement
    premium no loss earns, where those tables wrote the bare figure): here hull_xol earns none."""
    r = synthetic_results(n_trials=TRIALS)
    r.contracts["hull_xol"]["reinstatement_premium"] = np.zeros((TRIALS, r.n_years))
    s = r.summary()
    t = contracts_table(r, s)
    assert list(t.index) == ["gxl_layer1", "hull_xol", "portfolio"]
    loss = s.loc["gxl_layer1: ceded loss"]
    assert t.loc["gxl_layer1", "expected loss"] == f"{loss['mean']:,.3f} ± {loss['standard_error']:,.3f}"
    assert t.loc["gxl_layer1", "premium"] == "1.200"
    assert t.loc["hull_xol", "reinstatement premium"] == "0.000"
    reinstatement = 0.1 * r.contracts["gxl_layer1"]["loss"].mean(axis=1)
    se = reinstatement.std(ddof=1) / np.sqrt(TRIALS)
    assert t.loc["gxl_layer1", "reinstatement premium"] == f"{reinstatement.mean():,.3f} ± {se:,.3f}"
    assert LOSS_RATIO == "loss ratio (on premium + reinstatement premium)"
    assert t.loc["gxl_layer1", LOSS_RATIO] == f"{loss['mean'] / (1.2 + 0.1 * loss['mean']):.0%}"
    # the 1-in-200: the annual loss's inverted-CDF 99.5% quantile in the policy year where it is largest
    loss = r.contracts["portfolio"]["loss"]
    per_year = [np.quantile(loss[:, i], 0.995, method="inverted_cdf") for i in range(r.n_years)]
    tail = s.loc[f"portfolio: {TAIL_FIGURE}"]
    assert tail["mean"] == pytest.approx(max(per_year), rel=1e-12)
    year = r.start_year + int(np.argmax(per_year))
    assert tail["unit"] == f"USD m in {year} (reinsurer's share)" and tail["year"] == year
    assert pd.isna(s.loc["portfolio: ceded loss", "year"])  # an annual average is of no one year
    assert t.loc["portfolio", TAIL_FIGURE] == f"{tail['mean']:,.3f} ± {tail['standard_error']:,.3f} in {year}"


def _capped(losses: np.ndarray) -> Results:
    """A synthetic run whose contract ``layer`` cedes `losses` (trial, year), each year's loss one event."""
    r = synthetic_results(n_trials=TRIALS)
    zero = np.zeros_like(losses)
    layer = {"loss": losses, "premium": np.full_like(losses, 0.5), "reinstatement_premium": zero}
    layer |= {"max_event_loss": losses, "blocked_delayed": zero, "blocked_permanent": zero}
    return dataclasses.replace(r, contracts={"layer": layer, "portfolio": layer})


def test_a_full_limit_with_a_standard_error_of_float_noise_is_still_worded():
    """A limit reached in some years whose interval's width is float noise (9e-16 on 20 in a real run:
    the limit computed as 20.000000000000004 in some years) is the same point mass: the page, summary.md
    and the terminal said "20.000 ± 0.000" there (`display.point_mass_words` asked for exactly 0)."""
    hit = np.random.default_rng(4).random((TRIALS, 4)) < 0.03
    r = _capped(np.where(hit, 5.0, 0.0))
    s = r.summary()
    s.loc[f"layer: {TAIL_FIGURE}", "standard_error"] = 9e-16
    terms = {"scenario": {"portfolio": {"contracts": {"layer": {"limit_usd_m": 50.0, "participation": 0.1}}}}}
    cell = contracts_table(r, s, manifest=terms).loc["layer", TAIL_FIGURE]
    assert cell == f"5.000 in each policy year: the full limit, reached in {hit.mean():.1%} of policy years"


def test_the_headline_words_a_one_layer_portfolios_full_limit_as_the_contracts_table_does():
    """A portfolio of one layer is that layer: its headline 1-in-200 at the layer's full limit says so, as
    the contracts table, summary.md and the terminal do (the headline showed "5.000 ± 0.000 in every
    year": read as a precise estimate, and as 5 lost every year)."""
    hit = np.random.default_rng(5).random((TRIALS, 4)) < 0.03
    terms = {"scenario": {"portfolio": {"contracts": {"layer": {"limit_usd_m": 50.0, "participation": 0.1}}}}}
    run = Run("one_layer", _capped(np.where(hit, 5.0, 0.0)), terms)
    table = headline_table([run], {"one_layer": run})
    cell = table.loc["one_layer", "1-in-200 annual loss (USD m, largest of the policy years')"]
    assert cell == f"5.000 in each policy year: the full limit, reached in {hit.mean():.1%} of policy years"


def test_a_one_in_200_at_the_full_limit_says_so():
    """A layer that loses its full limit of 5 in 3% of policy years (and else nothing) has its 99.5%
    quantile at 5 in every year, with a standard error of exactly 0: the order-statistic interval collapses
    on the point mass. The page said "5.000 ± 0.000 in every year", read as a precise estimate; it now
    says "the full limit" and how often it is reached, when the terms give the limit (5 = 50 × 10%), the
    most one event ceded when they give none (a quota share of an IG GXL layer), twice the limit as 2, and
    another amount as a point mass. A 1-in-200 with an error keeps its ± (the portfolio of
    `synthetic_results`)."""
    hit = np.random.default_rng(3).random((TRIALS, 4)) < 0.03
    r = _capped(np.where(hit, 5.0, 0.0))
    share = hit.mean()
    tail = r.summary().loc[f"layer: {TAIL_FIGURE}"]
    assert tail["mean"] == 5.0 and tail["standard_error"] == 0.0 and tail["year_basis"] == EVERY_YEAR_ALIKE
    terms = {"scenario": {"portfolio": {"contracts": {"layer": {"limit_usd_m": 50.0, "participation": 0.1}}}}}
    cell = contracts_table(r, manifest=terms).loc["layer", TAIL_FIGURE]
    assert cell == f"5.000 in each policy year: the full limit, reached in {share:.1%} of policy years"
    assert contracts_table(r).loc["layer", TAIL_FIGURE] == (
        f"5.000 in each policy year: the full limit of one event (the most any event ceded), reached in "
        f"{share:.1%} of policy years"
    )
    half = {"scenario": {"portfolio": {"contracts": {"layer": {"limit_usd_m": 25.0, "participation": 0.1}}}}}
    twice = contracts_table(r, manifest=half).loc["layer", TAIL_FIGURE]
    assert "5.000 in each policy year: 2 full limits" in twice
    # the amount by the page's one rounding rule (display.fixed: halves away from zero), as every other
    # cell: a limit of 2.0625 read "2.062" through Python's format (exact binary half, to even)
    quarter = _capped(np.where(hit, 2.0625, 0.0))
    cell = contracts_table(quarter).loc["layer", TAIL_FIGURE]
    assert cell.startswith("2.063 in each policy year: the full limit")
    # a stress of fixed size under a larger limit (spill_stress's retro line: 2 of a limit of 4)
    wide = {"scenario": {"portfolio": {"contracts": {"layer": {"limit_usd_m": 80.0, "participation": 0.1}}}}}
    assert (
        "5.000 in each policy year: a point mass, reached in"
        in contracts_table(r, manifest=wide).loc["layer", TAIL_FIGURE]
    )
    t = contracts_table(synthetic_results(n_trials=TRIALS))
    assert " ± " in t.loc["portfolio", TAIL_FIGURE] and "limit" not in t.loc["portfolio", TAIL_FIGURE]


def test_the_pooled_1_in_200_stands_beside_the_largest_years_on_the_page():
    """The headline and contracts tables give, in the column after the largest year's 1-in-200, the
    1-in-200 with the policy years pooled: the inverted-CDF 99.5% quantile of all the trial-years, ± its
    standard error (`metrics.pooled_quantile`'s), of no one year; the captions say what it is. With one
    policy year the two are one figure, and the caption says so in place of the bias."""
    from riskmodel.display import fixed, fixed_error
    from riskmodel.report import render_report

    r = synthetic_results("run", n_trials=TRIALS)
    run = Run("run", r)
    headline = headline_table([run], {"run": run})
    largest, pooled = (
        "1-in-200 annual loss (USD m, largest of the policy years')",
        ("1-in-200 annual loss (USD m, policy years pooled)"),
    )
    assert list(headline.columns).index(pooled) == list(headline.columns).index(largest) + 1
    contracts = contracts_table(r)
    assert list(contracts.columns).index(POOLED_TAIL_FIGURE) == list(contracts.columns).index(TAIL_FIGURE) + 1
    for cid in ("gxl_layer1", "hull_xol", "portfolio"):
        loss = r.contracts[cid]["loss"]
        value = np.quantile(loss.ravel(), 0.995, method="inverted_cdf")
        se = metrics.pooled_quantile(loss, 0.995).se
        assert np.isfinite(se) and se > 0
        assert contracts.loc[cid, POOLED_TAIL_FIGURE] == f"{fixed(value)} ± {fixed_error(se, value)}"
    assert headline.loc["run", pooled] == contracts.loc["portfolio", POOLED_TAIL_FIGURE]
    plain = html.unescape(render_report([run]))
    assert "Beside it, the 1-in-200 with the policy years pooled" in plain
    assert "of no one year and not biased up by taking the largest of several estimates" in plain
    assert "beside it the 1-in-200 with every policy year of every trial pooled" in plain
    one = synthetic_results("one", n_trials=TRIALS, n_years=1)
    s = one.summary()
    assert s.loc[f"portfolio: {POOLED_TAIL_FIGURE}", ["mean", "standard_error"]].tolist() == (
        s.loc[f"portfolio: {TAIL_FIGURE}", ["mean", "standard_error"]].tolist()
    )
    assert "(with one policy year, the same figure)" in html.unescape(render_report([Run("one", one)]))


def test_the_pooled_1_in_200_at_the_full_limit_says_so():
    """A layer whose full limit of 5 is lost in 3% of the policy years has its pooled 1-in-200 at 5 with
    no error: the page words it as the largest year's, with the share of all the policy years."""
    hit = np.random.default_rng(6).random((TRIALS, 4)) < 0.03
    r = _capped(np.where(hit, 5.0, 0.0))
    assert r.summary().loc[f"layer: {POOLED_TAIL_FIGURE}", "standard_error"] == 0.0
    terms = {"scenario": {"portfolio": {"contracts": {"layer": {"limit_usd_m": 50.0, "participation": 0.1}}}}}
    cell = contracts_table(r, manifest=terms).loc["layer", POOLED_TAIL_FIGURE]
    assert cell == f"5.000: the full limit, reached in {hit.mean():.1%} of policy years"
    run = Run("one_layer", r, terms)
    cell = headline_table([run], {"one_layer": run}).loc[
        "one_layer", "1-in-200 annual loss (USD m, policy years pooled)"
    ]
    assert cell == f"5.000: the full limit, reached in {hit.mean():.1%} of policy years"


def test_a_contract_the_scenario_does_not_write_says_so():
    """rv_pool_retro under the baseline (no rv_pool scheme) cedes nothing and earns nothing: its row read
    "0.000 ± 0.000 ... yes" (converged), as if written and loss-free. A contract of no loss and no premium
    in any trial-year now reads "not written" when the run's notes say so, and "nothing ceded or earned"
    when they do not; its other cells are "–"."""
    r = _capped(np.zeros((TRIALS, 4)))
    r.contracts["layer"] = {f: np.zeros((TRIALS, 4)) for f in r.contracts["layer"]}
    noted = dataclasses.replace(r, notes=("contract layer: no losses from x in this scenario (not written)",))
    row = contracts_table(noted).loc["layer"]
    assert row["expected loss"] == "not written"
    assert (row.drop("expected loss") == "–").all()
    assert contracts_table(r).loc["layer", "expected loss"] == "nothing ceded or earned"
    assert contracts_table(r).loc["portfolio", "expected loss"].startswith("0.000 ± ")


def test_ep_tables_say_what_a_return_period_counts():
    """Over a horizon of 4 years a return period counts horizons; per policy year it counts years, and
    the 1-in-200 AEP of a year is the inverted-CDF 99.5% quantile of that year's ceded loss."""
    r = synthetic_results(n_trials=TRIALS)
    assert "return period (horizons of 4 years)" in ep_extract(r).columns
    assert "return period (years)" in ep_extract(r, year=2027).columns
    by_year = ep_by_year(r)
    assert list(by_year.columns.get_level_values(0).unique()) == ["2026", "2027", "2028", "2029"]
    loss = r.contracts["portfolio"]["loss"]
    for i, year in enumerate(["2026", "2027", "2028", "2029"]):
        expected = np.quantile(loss[:, i], 1 - 1 / 200, method="inverted_cdf")
        assert by_year.loc[("AEP", 200), (year, "loss (USD m)")] == pytest.approx(expected, rel=1e-12)
    one_year = synthetic_results(n_trials=TRIALS, n_years=1)
    assert "return period (years)" in ep_extract(one_year).columns


def test_the_sanctions_table_of_the_report_is_annual():
    """The stored table's horizon rows sum the policy years (premium, blocks): the report shows their
    average a year, next to the annual exposed limit."""
    r = synthetic_results(n_trials=TRIALS)
    stored = sanctions_frame(r)
    shown = sanctions_annual(stored)
    horizon = stored[stored["year"] == metrics.HORIZON_TOTAL].set_index("contract")
    for col in ("exposed_premium", "mean_blocked_delayed", "mean_blocked_permanent"):
        np.testing.assert_allclose(shown[col], horizon.loc[shown.index, col] / r.n_years, rtol=1e-12)
    np.testing.assert_array_equal(shown["exposed_limit"], horizon.loc[shown.index, "exposed_limit"])
    assert shown.loc["hull_xol", "exposed_premium"] > 0 and shown.loc["hull_xol", "exposed_limit"] == 4.0
    assert shown.loc["hull_xol", "mean_blocked_delayed"] > 0
    np.testing.assert_array_equal(
        shown["share of trials with a block in the horizon"], horizon.loc[shown.index, "prob_any_block"]
    )


def _annual_page(r: Results) -> tuple[str, Page]:
    """The page of one run (`r`, folder name ``run``) with its stored sanctions table."""
    from riskmodel.report import Run, render_report

    text = render_report([Run("run", r, sanctions=sanctions_frame(r))])
    return text, Page(text)


def test_the_page_shows_ep_of_a_policy_year_with_the_ept_intervals():
    """The reviewer's finding 7: the page's EP charts were of the horizon only (return periods counting
    horizons), the headline 1-in-200 is of a policy year, and the table by policy year had no intervals.
    Now the table by policy year gives each figure with the 95% order-statistic interval of the EPT
    (`Results.ep_table`, the same `metrics.ep_curve`), its caption names the year the headline 1-in-200 is
    taken from (the largest of the years'); the per-scenario chart is of that policy year (its alt text
    says so), the horizon's beside it, and the headline and the overview charts say which basis."""
    from riskmodel import plots
    from riskmodel.display import fixed
    from riskmodel.report import REPORT_RETURN_PERIODS

    r = synthetic_results("run", n_trials=TRIALS)
    table = ep_by_year(r)
    ept = r.ep_table(return_periods=REPORT_RETURN_PERIODS)
    for year in r.years:
        for name, code in (("OEP", metrics.OEP), ("AEP", metrics.AEP)):
            rows = ept[(ept.year == year) & (ept.ep_type == code)].set_index("return_period")
            shown = table.loc[name, str(year)]
            for col, ends in (("95% lower", "ci_lower"), ("95% upper", "ci_upper")):
                expected = rows.loc[shown.index, ends].to_numpy()
                np.testing.assert_array_equal(shown[col], np.where(np.isfinite(expected), expected, np.nan))
    worst = plots.worst_policy_year(r)
    assert worst == r.summary().loc[f"portfolio: {TAIL_FIGURE}", "year"]

    text, page = _annual_page(r)
    rows = page.tables["ep-by-year-run"]
    assert rows[0] == ["EP", "return period (years)", *map(str, r.years)]
    aep_200 = next(row for row in rows if row[:2] == ["AEP", "200"])
    v, lo, hi = table.loc[("AEP", 200), str(worst)]
    assert aep_200[2 + worst - r.start_year] == f"{fixed(v)} [{fixed(lo)}, {fixed(hi)}]"
    plain = html.unescape(text)
    assert f"the largest of the 4 policy years' AEP at 200 years, {worst}'s" in plain
    # the bias of the largest of four estimates, sized (it said "biased up a little": in rv_pool, five
    # years, it was +1.9 against a standard error of 2.1), in the same words in the section and the
    # headline (which said "about one standard error for five years" of any horizon: 0.6 for two years)
    sized = f"by up to about {metrics.worst_year_bias(4):.1f} standard errors for 4 policy years"
    assert f"the largest of 4 estimates is biased up, {sized} (the mean of" in plain
    headline = plain.split('id="headline"')[1].split("</caption>")[0]
    assert f"the largest of several estimates is biased up, {sized};" in headline
    assert "biased up a little" not in plain and "five years" not in plain
    # every year's 1-in-200 the same (a loss capped below each year's quantile): the summary says so
    # ("every policy year alike"), and so does the caption, where it named the first year ("2026's")
    capped = synthetic_results("run", n_trials=TRIALS)
    book = capped.contracts["portfolio"]
    cap = 0.5 * float(np.quantile(book["loss"], 0.995, axis=0).min())
    book["loss"] = np.minimum(book["loss"], cap)
    assert capped.summary().loc[f"portfolio: {TAIL_FIGURE}", "year_basis"] == EVERY_YEAR_ALIKE
    plain = html.unescape(_annual_page(capped)[0])
    # (and no bias is stated: a figure the same in every year is no selection)
    assert "the largest of the 4 policy years' AEP at 200 years, the same in every policy year" in plain
    assert "estimates is biased up, by up to" not in plain
    assert "the largest of the policy years' 1-in-200 estimates, in the year named" in plain
    alts = [a["alt"] for a in page.all("img")]
    assert f"run: EP curves of the portfolio, policy year {worst} (a policy year's loss)" in alts
    assert "run: EP curves of the portfolio over the horizon 2026–2029 (return periods in horizons)" in alts
    assert "portfolio AEP by scenario, a policy year's loss (each in the year of its 1-in-200)" in alts
    assert "1-in-200 annual loss (USD m, largest of the policy years')" in page.tables["headline"][0]


def test_who_pays_and_the_sanctions_tables_carry_standard_errors():
    """The reviewer's finding 9: the who-pays-by-year and the sanctions tables showed means only. Each
    mean now has its Monte Carlo standard error: a year's over the trials; an average over the horizon's
    years over the trials' averages (a payer of one value a trial, repeated in every year: the error of
    those values, not one √4 smaller); a figure the same in every trial shows without "± 0" (the exposed
    limit, fixed by the terms; a contract on no at-risk source)."""
    from riskmodel.display import fixed

    r = synthetic_results("run", n_trials=TRIALS)
    per_trial = np.random.default_rng(3).exponential(2.0, TRIALS)
    r.year_arrays["payer:war_pi"] = np.repeat(per_trial[:, None], r.n_years, axis=1)
    r.year_arrays["payer:flat"] = np.full((TRIALS, r.n_years), 0.5)
    se = per_trial.std(ddof=1) / np.sqrt(TRIALS)
    who_pays = ledger_table(r)
    for col in ("2026", "mean"):
        assert who_pays.loc["war_pi", col] == f"{fixed(per_trial.mean())} ± {fixed(se)}"
    assert fixed(se) != fixed(se / 2)  # (the error over trial-years would read half)
    assert who_pays.loc["flat", "2027"] == "0.500"

    stored = sanctions_frame(r)
    shown = sanctions_annual(stored, r)
    hull = r.contracts["hull_xol"]
    share = r.contract_exposure["hull_xol"]["share"]
    exposed = ((hull["premium"] + hull["reinstatement_premium"]) * share).mean(axis=1)
    assert shown.loc["hull_xol", "exposed_premium standard_error"] == pytest.approx(
        exposed.std(ddof=1) / np.sqrt(TRIALS), rel=1e-12
    )
    blocked = hull["blocked_delayed"].mean(axis=1)
    assert shown.loc["hull_xol", "mean_blocked_delayed standard_error"] == pytest.approx(
        blocked.std(ddof=1) / np.sqrt(TRIALS), rel=1e-12
    )
    p = shown.loc["hull_xol", "share of trials with a block in the horizon"]
    assert shown.loc[
        "hull_xol", "share of trials with a block in the horizon standard_error"
    ] == pytest.approx(np.sqrt(p * (1 - p) / (TRIALS - 1)), rel=1e-12)
    assert "exposed_limit standard_error" not in shown

    _, page = _annual_page(r)
    assert [row[0] for row in page.tables["who-pays-run"][1:]] == list(who_pays.index)
    header, *rows = page.tables["sanctions-run"]
    cells = dict(zip(header, next(row for row in rows if row[0] == "hull_xol"), strict=True))
    any_block = "share of trials with a block in the horizon"
    assert cells[any_block] == f"{fixed(p)} ± {fixed(np.sqrt(p * (1 - p) / (TRIALS - 1)))}"
    assert 0 < shown.loc["hull_xol", "exposed_premium standard_error"] < 0.0005  # (too small to show)
    assert cells["exposed_premium"] == f"{fixed(exposed.mean())} ± <0.0005"
    assert cells["exposed_limit"] == "4.000"
    gxl = dict(zip(header, next(row for row in rows if row[0] == "gxl_layer1"), strict=True))
    assert gxl["exposed_premium"] == "0.000"  # (no at-risk source: nothing exposed in any trial)
    header, *rows = page.tables["sanctions-market-run"]
    cells = dict(zip(header, rows[0], strict=True))
    detentions = r.year_arrays["detentions"][:, 0]
    assert cells["detentions"] == (
        f"{fixed(detentions.mean())} ± {fixed(detentions.std(ddof=1) / np.sqrt(TRIALS))}"
    )
    assert cells["designated_share"] == "0.400"


def test_who_pays_lists_every_payer(tmp_path: Path):
    """Twenty payers with something to pay: the report's table shows all of them, the smallest too."""
    scenario = load_scenario_from_dict({"name": "many"})
    results = synthetic_results("many", n_trials=TRIALS)
    for i in range(16):
        results.year_arrays[f"payer:extra_{i:02d}"] = np.full((TRIALS, results.n_years), 0.01 * (i + 1))
    _store(tmp_path / "many", scenario, results)
    text = write_report(tmp_path).read_text(encoding="utf-8")
    assert all(f"extra_{i:02d}" in text for i in range(16))
    assert "Who pays, in the whole market" in text


def test_the_schemes_table_shows_each_schemes_finances(tmp_path: Path):
    """A run with a scheme's capital, recapitalisation and insolvency: the report's table holds
    `Results.scheme_finances` (premium earned only while solvent)."""
    scenario = load_scenario_from_dict({"name": "thin"})
    results = synthetic_results("thin", n_trials=TRIALS)
    rng = np.random.default_rng(5)
    shape = (TRIALS, results.n_years)
    insolvent = np.maximum.accumulate(rng.random(shape) < 0.1, axis=1).astype(float)
    results.year_arrays |= {
        "scheme_capital:rv_pool": rng.uniform(0.0, 500.0, shape),
        "scheme_recapitalised:rv_pool": (rng.random(shape) < 0.05).astype(float),
        "scheme_insolvent:rv_pool": insolvent,
        "base:scheme_premium:rv_pool": np.full(shape, 20.0),
    }
    _store(tmp_path / "thin", scenario, results)
    text = write_report(tmp_path).read_text(encoding="utf-8")
    page = Page(text)
    rows = page.tables["schemes-thin"]
    finances = results.scheme_finances().loc["rv_pool"]
    assert rows[0][:3] == ["scheme", "year", "premium_earned"]
    assert [r[1] for r in rows[1:]] == [str(y) for y in results.years]
    solvent_start = 1.0 - np.concatenate([np.zeros((TRIALS, 1)), insolvent[:, :-1]], axis=1)
    np.testing.assert_allclose(finances["premium_earned"], (20.0 * solvent_start).mean(axis=0))
    assert finances["premium_earned"].iloc[-1] < 20.0  # (some trials closed before the last year)
    for row, (_, f) in zip(rows[1:], finances.iterrows(), strict=True):
        assert float(row[2].replace(",", "")) == pytest.approx(f["premium_earned"], abs=1e-3)
        assert float(row[-1]) == pytest.approx(f["insolvent_share"], abs=1e-3)
    # above the table, the counts of trials the shares come from (0.001 of a yearly share is a trial or two)
    failed = int(insolvent[:, -1].sum())
    rescued = int(results.year_arrays["scheme_recapitalised:rv_pool"].any(axis=1).sum())
    assert 0 < failed < TRIALS and 0 < rescued < TRIALS
    share = failed / TRIALS
    se = np.sqrt(share * (1 - share) / TRIALS)
    section = text.split('<section id="scenario-thin">')[1]
    note = (
        f"rv_pool: insolvent by the end of {results.years[-1]} in {failed:,} of {TRIALS:,} trials "
        f"({100 * share:.2f}% ± {100 * se:.2f}%, binomial s.e.): from the next policy year it, its reinsurer "
        f"and its hull cover pay nothing and its members are uninsured; recapitalised by its sovereign at "
        f"least once in {rescued:,} ({100 * rescued / TRIALS:.2f}%)."
    )
    assert f'<p class="note">{note}</p>' in section
    assert section.index(note) < section.index('id="schemes-thin"')
    # summary.md has them too (it said nothing of a scheme's capital): the words and the table by year
    md = (tmp_path / "thin" / "summary.md").read_text(encoding="utf-8")
    block = md.split("## The schemes' capital")[1].split("\n## ")[0]
    assert f"- {note}" in block
    table = [line for line in block.splitlines() if line.startswith("| rv_pool |")]
    assert [line.split(" | ")[1] for line in table] == [str(y) for y in results.years]
    assert [float(line.split(" | ")[-1].rstrip(" |")) for line in table] == pytest.approx(
        finances["insolvent_share"].to_list(),
        abs=5.01e-4,  # (three decimals, a half rounded up)
    )


def test_the_solvency_words_of_a_scheme_that_never_failed() -> None:
    """A scheme insolvent and recapitalised in no trial says so, with its lowest year-end capital (how far
    it was from failing); a run without a scheme, or made before insolvency was modelled, says nothing."""
    results = synthetic_results("solid", n_trials=TRIALS)
    shape = (TRIALS, results.n_years)
    capital = np.full(shape, 1000.0)
    capital[3, 2] = 657.25
    flags = {
        "scheme_capital:rv_pool": capital,
        "scheme_recapitalised:rv_pool": np.zeros(shape),
        "scheme_insolvent:rv_pool": np.zeros(shape),
    }
    results.year_arrays |= flags
    assert scheme_solvency_words(results) == [
        f"rv_pool: insolvent in none of the {TRIALS:,} trials (its lowest year-end capital: 657); never "
        "recapitalised."
    ]
    del results.year_arrays["scheme_insolvent:rv_pool"]
    assert scheme_solvency_words(results) == []
    # and summary.md of a run without a scheme has no section on one
    from riskmodel.store import summary_markdown

    assert "## The schemes' capital" not in summary_markdown(synthetic_results("none", n_trials=TRIALS), {})


def test_report_has_a_section_per_scenario_and_names_unfinished_runs(report: Path):
    text = report.read_text(encoding="utf-8")
    page = Page(text)
    sections = [a.get("id") for a in page.all("section")]
    assert sections == ["scenario-baseline", "scenario-crackdown", "scenario-rv_pool"]
    assert "The rv_pool story, in one line." in text
    assert "Runs left out (rerun the batch to redo them)" in text
    assert "interrupted (no manifest.json: interrupted before it finished)" in text
    assert re.search(r"damaged \(arrays\.npz is 100 bytes, the manifest says [\d,]+\)", text)
    assert "Against baseline: mean annual difference" in text
    assert "Portfolio EP over the horizon 2026–2029" in text
    assert "Sanctions exposure, annual figures over the horizon 2026–2029" in text
    assert "Portfolio EP by policy year" in text


def test_report_of_one_run_folder_brings_in_its_baseline(batch_dir: Path, tmp_path: Path):
    out = write_report(batch_dir / "rv_pool", tmp_path / "one.html")
    page = Page(out.read_text(encoding="utf-8"))
    assert [r[0] for r in page.tables["headline"][1:]] == ["baseline", "rv_pool"]
    assert len(page.all("img")) == 2 + 5 + 7


def test_report_of_a_folder_without_runs_says_what_to_do(tmp_path: Path, run_cli):
    with pytest.raises(NoRunsError, match=r"no finished run folder here .*run `riskmodel run SCENARIOS"):
        write_report(tmp_path)
    code, out, err = run_cli("report", tmp_path / "missing")
    assert code == 2 and out == ""
    assert "missing: no such folder (give a batch output folder or one run folder)" in err


def test_report_command_prints_the_page_it_wrote(tmp_path: Path, run_cli):
    _save(tmp_path / "batch", "baseline", 1.0, False, None)
    code, out, err = run_cli("report", tmp_path / "batch", "--out", tmp_path / "r.html")
    assert (code, err) == (0, "")
    assert out.strip() == str(tmp_path / "r.html")
    assert len(Page((tmp_path / "r.html").read_text(encoding="utf-8")).all("img")) == 2 + 5


# --------------------------------------------------------------------------------------- in a browser
def _chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    cmd = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'chromium-profile'}",
        "--enable-logging=stderr",
        "--v=0",
        *args,
    ]
    env = {**os.environ, "HOME": str(tmp_path)}
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, env=env, check=False)


def _console_messages(log: str) -> list[str]:
    """Lines of Chromium's log that come from the page: console output, uncaught errors, failed loads.

    The page runs no script, so any console line is a problem (a failed load or a browser complaint)."""
    return [ln for ln in log.splitlines() if ":CONSOLE" in ln or "net::ERR_" in ln]


@pytest.mark.skipif(
    not (Path(CHROMIUM).exists() and shutil.which(CHROMIUM)),
    reason=f"headless Chromium not found at {CHROMIUM}: install it with `apt-get install chromium` "
    "(Debian; .ci/run does this before `make test`)",
)
def test_report_renders_in_headless_chromium(report: Path, tmp_path: Path):
    url = report.resolve().as_uri()
    dom = _chromium(tmp_path, "--dump-dom", url)
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert _console_messages(dom.stderr) == []
    page = Page(dom.stdout)
    headline = page.tables["headline"]
    assert [r[0] for r in headline[1:]] == ["baseline", "crackdown", "rv_pool"]
    images = [a["src"] or "" for a in page.all("img")]
    assert len(images) == 21 and all(src.startswith("data:image/png;base64,") for src in images)

    shot = tmp_path / "report.png"
    run = _chromium(tmp_path, f"--screenshot={shot}", "--window-size=1280,2000", url)
    assert run.returncode == 0, run.stderr[-2000:]
    assert _console_messages(run.stderr) == []
    assert shot.is_file() and shot.read_bytes()[:8] == PNG_MAGIC
    assert shot.stat().st_size > 50_000  # a blank page of this size compresses to a few kB


def test_the_world_models_figures_carry_the_calibration_caveat(report: Path, batch_dir: Path):
    """Two held-out checks fail (docs/model.md §10 (d), (e)): the report and summary.md say so under the
    world model's figures (the synthetic runs have its payers), and not for a run without them."""
    from riskmodel.results import CALIBRATION_CAVEAT
    from riskmodel.store import summary_markdown

    assert html.escape(CALIBRATION_CAVEAT) in report.read_text(encoding="utf-8")
    r = synthetic_results(n_trials=TRIALS)
    assert CALIBRATION_CAVEAT in summary_markdown(r, {"chunk_trials": 4096})
    perils_only = dataclasses.replace(
        r, year_arrays={k: v for k, v in r.year_arrays.items() if k != "payer:fund_1992"}
    )
    assert CALIBRATION_CAVEAT not in summary_markdown(perils_only, {"chunk_trials": 4096})


def test_a_comparison_is_named_by_its_comparator_and_a_user_peril_by_its_source():
    """spill_stress is compared with rv_pool, the scenario it extends, not with the batch's baseline: its
    section's caption, columns and chart said "scenario − baseline" and "baseline"; they now name both
    runs. Its user peril lands on the scheme's reinsurer alone, so the schemes' table shows the reinsurer
    paying more than the scheme under a 50% quota share: the section now names each peril's payer column
    and says the other payers are not moved by it; a scenario without perils has no such sentence."""
    from riskmodel.report import Run, perils_sentence, render_report

    base = Run("rv_pool", synthetic_results("rv_pool", n_trials=TRIALS, seed=7))
    perils = {"gof_aframax_spill": {"source": "scheme_reinsurance:rv_pool"}, "storm": {"source": None}}
    stress = Run(
        "spill_stress",
        synthetic_results("spill_stress", n_trials=TRIALS, seed=7),
        {"baseline": {"run": "rv_pool"}, "scenario": {"perils": perils}},
    )
    page = render_report([base, stress])
    section = page.split('<section id="scenario-spill_stress">')[1]
    assert "Against rv_pool: mean annual difference (spill_stress − rv_pool)" in section
    header = section.split("Against rv_pool")[1].split("</thead>")[0]
    assert "<th>spill_stress</th><th>rv_pool</th>" in header and ">baseline<" not in header
    assert "scenario − baseline" not in page
    sentence = perils_sentence(stress.manifest["scenario"])
    assert sentence.startswith(
        "User perils (stresses of the scenario): gof_aframax_spill lands on scheme_reinsurance:rv_pool "
        "only, storm lands on peril:storm only. A user peril adds its losses to that one payer column and "
        "moves no other: the scheme's retained claims, capital and solvency, the Funds, the owners and the "
        "uncompensated damage are as they would be without it"
    )
    base_section = page.split('<section id="scenario-rv_pool">')[1].split("</section>")[0]
    assert html.escape(sentence) in section and "User perils" not in base_section
    assert perils_sentence({"perils": {"storm": {}}}) == (
        "User perils (stresses of the scenario): storm lands on peril:storm only. A user peril adds its "
        "losses to that one payer column and moves no other: the Funds, the owners and the uncompensated "
        "damage are as they would be without it; the tables below read so, and the scenario's description "
        "says what the stress assumes."
    )
    # without the scenario's terms, the run's own peril columns
    base.results.year_arrays["payer:peril:storm"] = np.zeros((TRIALS, 4))
    assert perils_sentence({}, base.results).startswith("User perils (stresses of the scenario): storm lands")
    assert perils_sentence({"perils": {}}, base.results) == ""
    # summary.md says it above its who-pays table too (it did not: a stress's Funds and claimants read as
    # a mistake beside the scenario's without it)
    from riskmodel.store import summary_markdown

    md = summary_markdown(base.results, {"scenario": {"perils": {"storm": {}}}})
    who_pays = md.split("## Who pays")[1]
    assert who_pays.index(
        "User perils (stresses of the scenario): storm lands on peril:storm only"
    ) < who_pays.index("| payer |")
    del base.results.year_arrays["payer:peril:storm"]
    assert "User perils" not in summary_markdown(base.results, {})


def test_a_baseline_of_another_seed_or_horizon_is_named_as_not_paired():
    """The meta line said "(same seed and trials)" of any baseline, and the headline's difference sat under
    a caption promising a common-random-number error. A baseline of another seed is now named as such in
    both; one of another horizon is not drawn beside the scenario's EP curves (its return periods count
    other years); and no table shows the summary's year column, which only the 1-in-200 rows fill, nor the
    who-pays table a year_basis or note column that says nothing there."""
    from riskmodel.report import Run, render_report

    base = Run("baseline", synthetic_results("baseline", n_trials=TRIALS, seed=7))
    other_seed = Run(
        "rv_pool", synthetic_results("rv_pool", n_trials=TRIALS, seed=8), {"baseline": {"run": "baseline"}}
    )
    # (the damage by class and the block leaving the IG: their differences' errors are no CRN errors either)
    for run, level in ((base, 10.0), (other_seed, 12.0)):
        noise = np.random.default_rng(run.results.seed).normal(0, 1, (TRIALS, run.results.n_years))
        run.results.year_arrays["damage:ig"] = level + noise
        run.results.year_arrays["base:ig_entered_gt"] = 1e9 * (level + noise)
    page = render_report([base, other_seed])
    assert "same seed" not in page and "Compared with <b>baseline</b>, but seeds differ (8 and 7)" in page
    headline = Page(page).tables["headline"]
    diff_col = headline[0].index("difference in ceded loss (USD m a year)")
    assert headline[2][diff_col].endswith("(not paired: see the run's section)")
    leaving = Page(page).tables["leaving-ig"]
    rows = [row for row in leaving[1:] if row[0] == "rv_pool"]
    assert rows and all(
        row[leaving[0].index("compared with")].endswith("(not paired: see the run's section)") for row in rows
    )
    caption = page.split('id="damage-by-class-rv_pool"')[1].split("</caption>")[0]
    assert "not paired" in caption and "common-random-number" not in caption
    who_pays = page.split("Who pays and how often")[1].split("</thead>")[0]
    assert ">nan<" not in page and ">year<" not in who_pays and ">unit<" in who_pays
    # nor its year_basis ("annual average" in every row, as the caption says) or a note column empty in
    # each row (the synthetic payers' Pareto tails give some rows a note: one trial's share of the variance)
    assert ">year_basis<" not in who_pays and ">standard_error<" in who_pays
    table = page.split("Who pays and how often")[1].split("</table>")[0]
    assert (">note<" in who_pays) == ("one trial holds" in table)
    paired = Run(
        "rv_pool", synthetic_results("rv_pool", n_trials=TRIALS, seed=7), {"baseline": {"run": "baseline"}}
    )
    page = render_report([base, paired])
    assert "(same seed, trials and horizon: common random numbers)" in page
    caption = page.split('id="damage-by-class-rv_pool"')[1].split("</caption>")[0]
    assert "not paired" not in caption and "common-random-number" in caption
    leaving = Page(page).tables["leaving-ig"]
    assert not any("not paired" in cell for row in leaving for cell in row)
    # (the same draws: no difference, said so, as a difference within twice its error is; a zero unsigned)
    assert (
        Page(page).tables["headline"][2][diff_col]
        == "0.000 ± 0.000 (within 2 SE: not distinguishable from zero)"
    )

    import warnings

    from riskmodel import compare, plots

    with pytest.warns(UserWarning, match="trial counts differ"):
        fewer = compare(paired.results, synthetic_results("baseline", n_trials=TRIALS // 2, seed=7))
    with pytest.raises(ValueError, match="same trial count"):
        fewer.table()

    shorter = synthetic_results("baseline", n_trials=TRIALS, seed=7, n_years=3)
    with pytest.warns(UserWarning, match="another horizon"):
        ax = plots.plot_ep(paired.results, "portfolio", baseline=shorter, year=None)
    assert not [line for line in ax.get_lines() if line.get_linestyle() == "--"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ax = plots.plot_ep(paired.results, "portfolio", baseline=base.results, year=None)
    assert len([line for line in ax.get_lines() if line.get_linestyle() == "--"]) == 2
    marks = [t.get_text() for t in ax.texts]
    assert marks == [" 1 in 200 horizons"]  # the horizon chart's 200 counts horizons of 4 years
    ax = plots.plot_ep(paired.results, "portfolio", year=2027)
    assert [t.get_text() for t in ax.texts] == [" 1 in 200 years"]


def test_a_difference_too_small_to_show_has_an_error_that_says_so():
    """A standard error of a difference under half the last place shown reads "<0.0005", not "0.000": in
    rv_pool against baseline gxl_layer1's premium moved by −0.000465 ± 2.7e-06 and its row read "0.000 |
    0.000 | 0.000", as if the premium were the same in every trial. Here (no reinstatement premiums, so
    that a premium row is the fixed premium) the scenario's gxl_layer1 premium is 0.0004 lower, varying by
    1% of that from trial-year to trial-year (an SE of about 4e-06 / √4 / √2,000), and its portfolio loss
    1e-5 of its own higher (an SE of the order of 1e-07): both errors "<0.0005" in the "Against" table and
    the headline; hull_xol's premium, 0.4 in both runs, has none ("0.000")."""
    from riskmodel.report import Run, render_report

    base = synthetic_results("baseline", n_trials=TRIALS, seed=7)
    scenario = synthetic_results("rv_pool", n_trials=TRIALS, seed=7)
    for run in (base, scenario):
        for c in run.contracts.values():
            c["reinstatement_premium"] = np.zeros_like(c["premium"])
    rng = np.random.default_rng(3)
    premium = scenario.contracts["gxl_layer1"]["premium"]
    premium -= 0.0004 * (1.0 + 0.01 * rng.standard_normal(premium.shape))
    scenario.contracts["portfolio"]["loss"] = scenario.contracts["portfolio"]["loss"] * (1.0 + 1e-5)
    page = Page(
        render_report([Run("baseline", base), Run("rv_pool", scenario, {"baseline": {"run": "baseline"}})])
    )
    rows = page.tables["against-rv_pool"]
    head = rows[0]
    cells = {row[0]: dict(zip(head, row, strict=True)) for row in rows[1:]}
    moved = cells["gxl_layer1: premium"]
    assert moved["difference"] == "0.000"
    assert moved["standard_error"] == moved["independent_standard_error"] == "<0.0005"
    fixed_premium = cells["hull_xol: premium"]
    assert fixed_premium["standard_error"] == fixed_premium["independent_standard_error"] == "0.000"
    headline = page.tables["headline"]
    diff = headline[2][headline[0].index("difference in ceded loss (USD m a year)")]
    assert diff.startswith("+0.000 ± <0.0005") or diff.startswith("0.000 ± <0.0005")


def test_a_baseline_of_another_portfolio_is_named_and_its_missing_contract_not_written():
    """A run whose book lacks hull_xol, against a baseline whose book has it: the page said nothing, its
    table read 0.000 for hull_xol in the run, and the headline's portfolio difference read as the
    scenario's effect. The meta line now says the portfolios differ (the runs still share their random
    numbers, so the headline is not called unpaired), and the comparison table's hull_xol cells of the run
    read "not written"."""
    from dataclasses import replace

    from riskmodel.report import Run, render_report

    base = synthetic_results("baseline", n_trials=TRIALS, seed=7)
    full = synthetic_results("rv_pool", n_trials=TRIALS, seed=7)
    contracts = {"gxl_layer1": full.contracts["gxl_layer1"]}
    book = replace(full, contracts={**contracts, "portfolio": contracts["gxl_layer1"]})
    page = render_report([Run("baseline", base), Run("rv_pool", book, {"baseline": {"run": "baseline"}})])
    assert (
        "Compared with <b>baseline</b> (same seed, trials and horizon: common random numbers), but "
        "portfolios differ (hull_xol only in the baseline)"
    ) in page
    tables = Page(page).tables
    rows = tables["against-rv_pool"]
    cells = {row[0]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}
    assert cells["hull_xol: ceded loss"]["rv_pool"] == cells["hull_xol: premium"]["rv_pool"] == "not written"
    assert cells["hull_xol: ceded loss"]["baseline"] != "not written"
    assert cells["gxl_layer1: ceded loss"]["rv_pool"] == cells["gxl_layer1: ceded loss"]["baseline"]
    headline = tables["headline"]
    diff = headline[2][headline[0].index("difference in ceded loss (USD m a year)")]
    assert diff.startswith("-") and "not paired" not in diff


def test_the_comparison_carries_tonnage_by_class():
    """Where tonnage goes is the first question of a scheme's effect on the IG clubs: the comparison table
    has a row per P&I class (million GT, horizon average), the difference paired by trial; a class one run
    lacks (a scheme's) holds nothing there. Reference: the synthetic runs' tonnage by construction
    (tests/test_plots.py: IG 300 − 5y, the scheme 10y million GT in policy year y)."""
    from riskmodel.results import Comparison

    with_scheme = synthetic_results("s", n_trials=TRIALS, seed=7)
    without = synthetic_results("b", n_trials=TRIALS, seed=7, scheme=False)
    t = Comparison(with_scheme, without).table()
    years = np.arange(with_scheme.n_years)
    scheme_row, ig_row = (
        t.loc[f"tonnage:{with_scheme.class_names[4]}"],
        t.loc[f"tonnage:{with_scheme.class_names[0]}"],
    )
    assert scheme_row["baseline"] == 0.0 and scheme_row["scenario"] == pytest.approx((10.0 * years).mean())
    assert (
        scheme_row["difference"] == pytest.approx((10.0 * years).mean())
        and scheme_row["standard_error"] == 0.0
    )
    assert ig_row["scenario"] == pytest.approx((300.0 - 5.0 * years).mean()) and ig_row["difference"] == 0.0


# ------------------------------------------------------------------------------- a difference in words
@pytest.mark.parametrize(
    ("difference", "se", "level", "words", "material"),
    [
        # zero with zero error: both round to 0 at 4 decimals (the yes or no does not round: beyond 2 SE)
        (0.0, 0.0, 5.75, "no change", False),
        # beyond twice its error but too small to show: said so, not "no change"
        (0.00004, 0.00001, None, "USD +under 0.0001m (± under 0.0001m)", True),
        (0.0, 0.0, None, "no change", False),
        # zero error: the same in every trial, so beyond twice it; 0.005 is 0.5% of 1 (not material), 50%
        # of 0.01
        (0.005, 0.0, None, "USD +0.0050m (no Monte Carlo error)", True),
        (0.005, 0.0, 1.0, "USD +0.0050m (no Monte Carlo error), 0.5% of USD 1m: not material", False),
        # within 2 SE: |−0.006| ≤ 2 × 0.003, whatever the level
        (
            -0.006,
            0.003,
            0.1,
            "no difference beyond its Monte Carlo error (-0.0060m ± 0.0030m, within two standard errors)",
            False,
        ),
        # beyond 2 SE (0.008 > 0.0056) but under 1% of 5.75 (0.0575): 0.008 / 5.75 = 0.139%
        (0.008, 0.0028, 5.75, "USD +0.0080m (± 0.0028m), 0.139% of USD 5.75m: not material", False),
        # beyond both: 0.08 > 0.0056 and 0.08 ≥ 0.0575; without a level only the error counts
        (0.08, 0.0028, 5.75, "USD +0.0800m (± 0.0028m)", True),
        (0.008, 0.0028, None, "USD +0.0080m (± 0.0028m)", True),
        # an error under the last decimal shown
        (-0.5, 0.00002, 1.0, "USD -0.5000m (± under 0.0001m)", True),
    ],
)
def test_a_difference_is_worded_by_one_rule(difference, se, level, words, material):
    """A signed figure only beyond twice the standard error; "not material" when under 1% of the level;
    `is_material_difference` is the same rule as a yes or no."""
    assert describe_difference(difference, se, level) == words
    assert is_material_difference(difference, se, level) is material


def test_a_difference_in_words_at_other_precisions_and_without_an_error():
    """`digits` sets the decimals of the difference and its error (the level and share take four and three
    significant digits: 0.00999 of 1 is 0.999%, not "1.00%"); a run of one trial has no standard error:
    the figure is given, unjudged, and is not material; a NaN level is no level."""
    assert describe_difference(0.004, 0.44, digits=2) == (
        "no difference beyond its Monte Carlo error (+under 0.01m ± 0.44m, within two standard errors)"
    )
    assert (
        describe_difference(0.00999, 0.001, 1.0) == "USD +0.0100m (± 0.0010m), 0.999% of USD 1m: not material"
    )
    assert describe_difference(0.5, 0.01, float("nan")) == "USD +0.5000m (± 0.0100m)"
    # 12.345 is 1.23% of 1,000: material; 9.5 (0.95%) is not
    assert describe_difference(12.345, 1.5, 1000.0, digits=1) == "USD +12.3m (± 1.5m)"
    assert describe_difference(-9.5, 1.5, -1000.0, digits=1) == (
        "USD -9.5m (± 1.5m), 0.95% of USD 1,000m: not material"
    )
    assert describe_difference(1.0, float("nan"), 5.0) == (
        "+1.0000m with no standard error to judge it by (too few trials)"
    )
    assert not is_material_difference(1.0, float("nan"))


def test_the_joiners_table_is_by_joiners_in_words(report: Path):
    """Per group of trials: its share and each figure's mean ± SE from `Results.by_joiners`, the TVaR named
    with its figure, "–" where the group is too small for it; the p-values in a sentence, a figure said to
    differ only when its groups also differ by 1% of it or more, and with or without a trend in the
    number of joiners (Spearman's rho): groups can differ without one (a reviewer read "the groups
    differ" for means of 5.50, 6.57, 5.74, 6.00 and 5.61 as "more joiners raise our loss"). On the page
    for a run with candidates, not for the baseline (no scheme)."""
    from riskmodel.report import joiners_table

    r = synthetic_results("rv_pool", n_trials=TRIALS)
    table, tests = joiners_table(r)
    t = r.by_joiners()
    assert list(table.index) == list(t.index)
    first = t.index[0]
    n, share = t.loc[first, "trials"], t.loc[first, "share_of_trials"]
    assert table.loc[first, "trials"] == f"{n:,} ({share:.0%})"
    m, se = t.loc[first, "portfolio: ceded loss: mean"], t.loc[first, "portfolio: ceded loss: standard_error"]
    assert table.loc[first, "portfolio: ceded loss (USD m a year)"] == f"{m:,.3f} ± {se:,.3f}"
    # annual, and named so: of a policy year's loss, the group's trial-years pooled (it was the TVaR of a
    # trial's mean over the horizon, unnamed, 25 against an annual 59 in rv_pool); "–" under 20 trials with
    # a year beyond the group's 95% quantile
    tvar = table["annual TVaR 95% of portfolio: ceded loss (USD m, a policy year)"]
    joined = r.members().to_numpy().sum(axis=1)
    group = np.searchsorted([0, 1, 2, 3, 5], joined, side="right") - 1
    loss = r.contracts["portfolio"]["loss"]
    few = [metrics.trials_beyond(loss[group == g], 0.95) < 20 for g in np.unique(group)]
    assert (tvar == "–").tolist() == few
    value, se = metrics.pooled_tvar(
        r.contracts["portfolio"]["loss"][r.members().to_numpy().sum(axis=1) == 0], 0.95
    )
    assert tvar.loc["0"] == f"{value:,.3f} ± {se:,.3f}"
    p = t.attrs["p_value"]["payer uncompensated"]
    assert f"payer uncompensated: p {'≤ 0.001' if p <= 0.001 else f'= {p:.2g}'}" in tests
    # a figure that grows by 1 per joined state differs; one that grows by 0.5 on a level of 1,000 is
    # beyond chance but immaterial
    joined = r.members().to_numpy().sum(axis=1)[:, None]
    noise = np.random.default_rng(5).standard_normal((r.n_trials, r.n_years))
    r.year_arrays["payer:uncompensated"] = joined + noise
    book = r.contracts["portfolio"]
    book["premium"], book["reinstatement_premium"] = 1000.0 + 0.5 * joined + 0.1 * noise, np.zeros_like(noise)
    _, tests = joiners_table(r)
    trend = "trend in the number of joiners: Spearman ρ"
    rising = rf"with a rising {trend} \+0\.\d\d, p ≤ 0\.001\)"
    assert re.search(rf"payer uncompensated: p ≤ 0\.001 \(the groups differ, {rising}", tests)
    assert re.search(
        rf"portfolio: premium: p ≤ 0\.001 \(beyond chance, but by under 1% of the figure, {rising}", tests
    )
    # a trend beyond chance but of |ρ| under 0.1 is weak: at 8,192 trials any |ρ| above 0.022 has p < 0.05,
    # and the page called ρ +0.03 "a rising trend"; here 0.05 per joined state under noise of SD 0.5 a trial
    r.year_arrays["payer:uncompensated"] = 0.05 * joined + noise
    weak = metrics.rank_trend(r.per_trial("payer uncompensated"), joined[:, 0])
    assert weak.p_value < 0.05 and 0 < weak.rho < 0.1
    _, tests = joiners_table(r)
    assert f"a weak rising {trend} {weak.rho:+.2f}, p = {weak.p_value:.2g})" in tests
    # a third of the trials with 0, 1 and 2 joiners: a figure high with one joiner and the same values with
    # none and with two differs without a trend; one with the same values in every group does neither
    thirds = synthetic_results("rv_pool", n_trials=3_000)
    irn, blr = np.repeat([NEVER, 0, 0], 1_000), np.repeat([NEVER, NEVER, 0], 1_000)
    thirds.trial_arrays["join_year"] = np.column_stack([np.zeros(3_000, int)] * 2 + [irn, blr])
    rng = np.random.default_rng(6)
    side = rng.standard_normal(1_000)
    bump = np.concatenate([side, 1.0 + rng.standard_normal(1_000), side])
    thirds.year_arrays["payer:uncompensated"] = np.repeat(bump[:, None], thirds.n_years, axis=1)
    book = thirds.contracts["portfolio"]
    book["premium"] = np.repeat(np.tile(10.0 + side, 3)[:, None], thirds.n_years, axis=1)
    book["reinstatement_premium"] = np.zeros_like(book["premium"])
    _, tests = joiners_table(thirds)
    assert (
        f"payer uncompensated: p ≤ 0.001 (the groups differ, with no monotone {trend} 0.00, p = 1)" in tests
    )
    assert (
        f"portfolio: premium: p = 1 (no difference beyond chance, and no monotone {trend} 0.00, p = 1)"
        in tests
    )
    assert joiners_table(synthetic_results("baseline", n_trials=TRIALS, scheme=False))[0].empty
    # the scheme's tonnage by the page's one rounding rule (display.fixed): 12.25m GT read "12.2"
    thirds.year_arrays["tonnage_gt"][:, -1, -1] = 12.25e6
    assert set(joiners_table(thirds)[0]["scheme tonnage (million GT)"]) == {"12.3"}
    page = report.read_text(encoding="utf-8")
    section = {s.split('"')[0]: s for s in page.split('<section id="scenario-')[1:]}
    assert "As more states join" in section["rv_pool"] and "As more states join" not in section["baseline"]


# ------------------------------------------------------------------- the underwriter's first questions
def test_the_headline_section_shows_the_tonnage_and_premium_leaving_the_ig(report: Path):
    """Beside the headline, a block per scenario: the IG GXL premium base (all IG-entered ships) and the
    tanker tonnage by P&I class (tankers only), with the difference from the run compared with and its
    paired error. Reference: the synthetic runs' construction (tests/test_plots.py): a GXL base of 400
    in every trial-year; IG tankers 300 − 5y and a scheme's 10y million GT in policy year y (0..3), its
    domestic tankers 60 − 5y: over four years IG 292.5, the scheme 15 (+15 on a baseline without it),
    domestic 52.5 (−7.5 on the baseline's 60), all the same in every trial (no ±)."""
    from riskmodel.ig_exit import IG_EXIT_READING

    text = report.read_text(encoding="utf-8")
    caption = text.split('id="leaving-ig"')[1].split("</caption>")[0]
    assert html.escape(IG_EXIT_READING) in caption  # (how to read the GXL base and an insolvent scheme)
    rows = Page(text).tables["leaving-ig"]
    header, body = rows[0], rows[1:]
    assert header == [
        "scenario",
        "figure",
        "unit",
        "annual average",
        "compared with",
        "difference (± common-random-number s.e.)",
    ]
    cells = {(r[0], r[1]): r[2:] for r in body}
    gxl = "IG GXL premium base (the GXL programme's cost), all IG-entered ships"
    assert cells[("baseline", gxl)] == ["USD m a year (market, 100%)", "400.000", "–", "–"]
    assert cells[("rv_pool", gxl)] == ["USD m a year (market, 100%)", "400.000", "baseline", "0.000 ± 0.000"]
    ig, scheme = (
        "tanker tonnage with P&I class ig, tankers only",
        "tanker tonnage with P&I class scheme:rv_pool, tankers only",
    )
    domestic = "tanker tonnage with P&I class domestic, tankers only"
    assert cells[("rv_pool", ig)] == ["million GT", "292.500", "baseline", "0.000 ± 0.000"]
    assert cells[("rv_pool", scheme)] == ["million GT", "15.000", "baseline", "+15.000 ± 0.000"]
    assert cells[("crackdown", domestic)] == ["million GT", "52.500", "baseline", "-7.500 ± 0.000"]
    assert ("baseline", scheme) not in cells


def test_the_headline_gives_the_portfolios_tvar_beside_its_1_in_200(report: Path):
    """The portfolio's TVaR 99.5% of a policy year's loss, in the year where it is largest, ± its error
    (`metrics.worst_year` with the TVaR), as the 1-in-200's cell is written."""
    rows = Page(report.read_text(encoding="utf-8")).tables["headline"]
    header, body = rows[0], rows[1:]
    column = header.index("TVaR 99.5% annual loss (USD m, largest of the policy years')")
    for row, (name, scale, scheme) in zip(
        body, (("baseline", 1.0, False), ("crackdown", 1.2, True), ("rv_pool", 1.5, True)), strict=True
    ):
        loss = synthetic_results(name, n_trials=TRIALS, scale=scale, scheme=scheme).contracts["portfolio"][
            "loss"
        ]
        t = metrics.worst_year(loss, 0.995, "tvar")
        assert row[column] == f"{t.value:,.3f} ± {t.se:,.3f} in {2026 + t.year}", name


def test_the_scenario_comparison_carries_the_claims_blocked_by_sanctions(report: Path):
    """The comparison of each scenario with its baseline has the claims blocked at the direct links, late
    (licensed) and for good, the whole market's: synthetic runs block 0.01 and 0.002 of the events, so
    rv_pool (1.5 × the losses) blocks 1.5 × the baseline's, trial by trial."""
    rows = Page(report.read_text(encoding="utf-8")).tables["against-rv_pool"]
    header, body = rows[0], {r[0]: r for r in rows[1:]}
    base = synthetic_results("baseline", n_trials=TRIALS, scheme=False)
    for name in ("blocked_delayed", "blocked_permanent"):
        mean = base.year_arrays[name].mean()
        assert body[name][header.index("baseline")] == f"{mean:,.3f}"
        assert body[name][header.index("difference")] == f"{0.5 * mean:,.3f}"


def test_the_glossary_defines_every_payer_and_the_money_basis_from_one_declaration(report: Path):
    """One section defines every payer column (the fixed ones and the schemes' and perils' patterns), the
    terms beside them (STOPIA and TOPIA) and the money basis (2025 USD m; year −1 the horizon total),
    each payer in the words of `payers.PAYER_DESCRIPTIONS`, the one place they are written."""
    from riskmodel.payers import FIXED_PAYERS, PAYER_DESCRIPTIONS, SCHEME_PAYER_PATTERNS, payer_description

    rows = Page(report.read_text(encoding="utf-8")).tables["glossary-terms"]
    assert rows[0] == ["term", "meaning"]
    meaning = dict(rows[1:])
    patterns = [p.replace("{id}", "<id>") for p in (*SCHEME_PAYER_PATTERNS, "peril:{id}")]
    for name in (*FIXED_PAYERS, *patterns):
        assert meaning.get(name), name
    for name in FIXED_PAYERS:
        assert meaning[name] == PAYER_DESCRIPTIONS[name] == payer_description(name)
    assert meaning["scheme:<id>"] == payer_description("scheme:rv_pool")
    assert "1992 Fund" in meaning["STOPIA / TOPIA"] and "Supplementary Fund" in meaning["STOPIA / TOPIA"]
    assert "2025" in meaning["USD m"] and "horizon total" in meaning["year -1"]
    assert '<a href="#glossary">' in report.read_text(encoding="utf-8")


def test_each_scenario_shows_the_damage_by_the_causing_tankers_class_against_its_baseline(tmp_path: Path):
    """Beside the who-pays table, the damage of the events each P&I class's tankers cause (the year arrays'
    ``damage:<class>``), against the baseline with the paired error; the split of who pays by class needs
    the event table, and the caption says where to get it. Hand-computed: the baseline's IG tankers cause
    12 a trial-year and its uninsured 3; the scenario's IG 10, its uninsured 3 but 403 in trial 0's first
    year (an average of 3 + 400/4 in that trial, 3 + 100/2,000 = 3.05 over 2,000 trials; its SD
    100/√2,000, s.e. 100/2,000 = 0.05), its scheme 2 (none in the baseline): differences −2, +0.05 ± 0.05
    (one trial holds all of its variance; without it 0) and +2, the constant ones without Monte Carlo
    error."""
    for name, ig, none, scheme, baseline in (
        ("baseline", 12.0, 3.0, None, None),
        ("rv_pool", 10.0, 3.0, 2.0, "baseline"),
    ):
        scenario = load_scenario_from_dict({"name": name})
        results = synthetic_results(name, n_trials=TRIALS, scheme=scheme is not None)
        shape = (TRIALS, results.n_years)
        results.year_arrays["damage:ig"] = np.full(shape, ig)
        results.year_arrays["damage:none"] = np.full(shape, none)
        if scheme is not None:
            results.year_arrays["damage:scheme:rv_pool"] = np.full(shape, scheme)
            results.year_arrays["damage:none"][0, 0] += 400.0
        _store(tmp_path / name, scenario, results, baseline)
    page = Page(write_report(tmp_path).read_text(encoding="utf-8"))
    header, *body = page.tables["damage-by-class-rv_pool"]
    assert header == ["P&I class of the causing tanker", "rv_pool", "baseline", "difference"]
    cells = {row[0]: row[1:] for row in body}
    assert cells["ig"] == ["10.000", "12.000", "-2.000 ± 0.000"]
    assert cells["scheme:rv_pool"] == ["2.000", "0.000", "+2.000 ± 0.000"]
    note = "one trial holds 100% of its variance; without it: "
    assert cells["none"] == [
        f"3.050 ± 0.050 ({note}3.000 ± 0.000)",
        "3.000",
        f"+0.050 ± 0.050 ({note}0.000 ± 0.000)",
    ]
    header, *body = page.tables["damage-by-class-baseline"]  # (compared with nothing: its own figures)
    assert header == ["P&I class of the causing tanker", "baseline"] and [row[0] for row in body] == [
        "ig",
        "none",
    ]
    text = (tmp_path / REPORT_FILE).read_text(encoding="utf-8")
    assert text.count("--keep-events (elt.parquet); notebook 05 splits each payer") == 2  # (under each table)
