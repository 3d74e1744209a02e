"""The shipped scenario and portfolio files, and the generated reference in docs/scenarios.md.

Every shipped file validates; the scenarios say what SCENARIOS.md asks of them (founders, candidates and
their probabilities, a rationale for each, the inheritance between files); and the field reference in
docs/scenarios.md is exactly what the schema generates, naming every key.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import riskmodel as rm
from riskmodel import payers
from riskmodel.batch import simulate_together
from riskmodel.sanctions import BLOCS, scheme_designations
from riskmodel.scenario import load_portfolio, load_scenario, scenario_notes, with_overrides
from riskmodel.scenario.docs import (
    DOCS_PATH,
    _sections,
    generated_part,
    json_schema,
    render_reference,
)
from riskmodel.scenario.loader import validate_file

SCENARIOS = sorted((Path(__file__).resolve().parents[1] / "scenarios").glob("*.yaml"))
PORTFOLIO = Path(__file__).resolve().parents[1] / "scenarios" / "portfolios" / "example_reinsurer.yaml"


def test_the_expected_files_ship(scenarios_dir: Path) -> None:
    names = {p.name for p in SCENARIOS}
    assert {
        "baseline.yaml",
        "rv_pool.yaml",
        "brics_scheme.yaml",
        "crackdown.yaml",
        "spill_stress.yaml",
        "thin_capital.yaml",
    } <= names
    assert PORTFOLIO.is_file()


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.name)
def test_shipped_scenario_is_valid(path: Path) -> None:
    result = validate_file(path)
    assert result.problems == []
    assert result.scenario is not None
    assert result.scenario.simulation.chunk_trials % 4096 == 0
    assert result.scenario.portfolio is not None


def test_shipped_portfolio_is_valid() -> None:
    book = load_portfolio(PORTFOLIO)
    sources = {s for c in book.contracts.values() for s in c.sources}
    assert {
        "ig_gxl_layer1",
        "ig_gxl_layer2",
        "ig_gxl_layer3",
        "hm_tanker_western",
        "counterparty_hm",
        "energy_property",
        "war_hull",
        "war_pi",
        "scheme_reinsurance:rv_pool",
    } <= sources
    assert {c.type for c in book.contracts.values()} == {"quota_share", "xol", "stop_loss"}
    assert all(c.description for c in book.contracts.values())


def test_baseline_is_the_status_quo() -> None:
    s = load_scenario(SCENARIOS[0].parent / "baseline.yaml")
    assert s.schemes == {}
    assert (s.horizon.start_year, s.horizon.years) == (2026, 5)
    assert (s.simulation.trials, s.simulation.chunk_trials) == (10_000, 8192)
    assert (s.price_cap.eu_uk_cap_usd, s.price_cap.us_cap_usd) == (44.10, 60.0)
    # The retro line on the RV pool's reinsurer cedes nothing here, and the user is told so.
    assert any("rv_pool_retro" in n and "cedes nothing" in n for n in scenario_notes(s))


def test_rv_pool_follows_the_scenario_guidance(scenarios_dir: Path) -> None:
    s = load_scenario(scenarios_dir / "rv_pool.yaml")
    pool = s.schemes["rv_pool"]
    assert pool.founders == ["RUS", "VEN"]
    assert pool.start_year == 2026
    assert pool.correlation == 0.4
    p = {code: c.p_join for code, c in pool.candidates.items()}
    assert {k: p[k] for k in ("IRN", "BLR", "CUB", "NIC", "PRK", "SYR")} == {
        "IRN": 0.6,
        "BLR": 0.5,
        "CUB": 0.4,
        "NIC": 0.3,
        "PRK": 0.2,
        "SYR": 0.05,
    }
    assert all(0.1 <= p[k] <= 0.3 for k in ("GAB", "CMR", "COM", "SLE"))
    assert all(0.02 <= p[k] <= 0.05 for k in ("CHN", "IND", "TUR", "ARE"))
    assert {c.by_year for c in pool.candidates.values()} == {2030}
    assert pool.reinsurance is not None and pool.reinsurance.quota_share == 0.5
    assert 0.5 <= pool.payment_reliability <= 0.8
    assert 0.5 <= pool.uptake.share <= 0.7
    assert pool.port_acceptance["TUR"] == 0.9
    assert s.portfolio is not None and s.horizon.start_year == 2026  # inherited from baseline.yaml
    assert pool.reinsurance.listed_by == ["EU", "UK"]  # RNRC, sanctioned by the UK and EU (FACTS.md)
    (note,) = scenario_notes(s)  # the one note: the retro line on RNRC is blocked by its clause
    assert note.startswith("portfolio.contracts.rv_pool_retro.source:") and "blocks every claim" in note


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.name)
def test_every_candidate_has_a_rationale(path: Path) -> None:
    s = load_scenario(path)
    for scheme in s.schemes.values():
        for code, candidate in scheme.candidates.items():
            assert len(candidate.rationale) > 20, code


def test_crackdown_changes_only_what_it_says(scenarios_dir: Path) -> None:
    base = load_scenario(scenarios_dir / "rv_pool.yaml").schemes["rv_pool"]
    hard = load_scenario(scenarios_dir / "crackdown.yaml")
    pool = hard.schemes["rv_pool"]
    assert pool.port_acceptance == {**base.port_acceptance, "IND": 0.3}
    assert pool.model_dump(exclude={"port_acceptance"}) == base.model_dump(exclude={"port_acceptance"})
    # the story's premise: the West designates the scheme in its first year, in every trial (a hazard of 1
    # with no loading by the geopolitical factor, which would lower it below 1 where Z < 0)
    designation = hard.sanctions.scheme_designation
    hazards = np.array([designation.blocs[b].hazard for b in BLOCS])
    z = np.linspace(-4.0, 4.0, 101)
    designated = scheme_designations(
        1,
        0,
        z.size,
        "rv_pool",
        z,
        np.zeros((z.size, 5)),
        np.ones(5, bool),
        hazards,
        designation.z_loading,
        designation.size_loading,
    )
    assert designated[:, 0, :].all()
    assert hard.price_cap.eu_uk_cap_usd < 44.10
    assert len(hard.sanctions.enforcement.zones) >= 4


def test_thin_capital_changes_only_the_schemes_money(scenarios_dir: Path) -> None:
    """thin_capital is rv_pool with the scheme's capital, per-event limit and sovereign backstop changed,
    within SCENARIOS.md's ranges (capital USD 0.5-2bn, limit USD 300m-1bn), and nothing else."""
    rv = load_scenario(scenarios_dir / "rv_pool.yaml")
    thin = load_scenario(scenarios_dir / "thin_capital.yaml")
    base, pool = rv.schemes["rv_pool"], thin.schemes["rv_pool"]
    story = {"capital_usd_m", "per_event_limit_usd_m", "recapitalisation"}
    assert pool.model_dump(exclude=story) == base.model_dump(exclude=story)
    assert thin.schemes.keys() == rv.schemes.keys()
    rest = {"name", "description", "extends", "schemes"}
    assert thin.model_dump(exclude=rest) == rv.model_dump(exclude=rest)
    assert 500 <= pool.capital_usd_m < base.capital_usd_m
    assert base.per_event_limit_usd_m < pool.per_event_limit_usd_m <= 1000
    # one event at the limit can take the whole capital: what the scheme retains of it (1 - quota share)
    assert pool.reinsurance is not None
    assert (1.0 - pool.reinsurance.quota_share) * pool.per_event_limit_usd_m >= pool.capital_usd_m
    # the sovereign, asked below the same threshold, tops the scheme up less often and by less
    assert pool.recapitalisation is not None and base.recapitalisation is not None
    assert pool.recapitalisation.threshold_usd_m == base.recapitalisation.threshold_usd_m
    assert pool.recapitalisation.probability < base.recapitalisation.probability
    assert pool.recapitalisation.amount_usd_m < base.recapitalisation.amount_usd_m


#: Trials of the thin-capital runs below: a few in a thousand end insolvent, so some thousands are needed
#: for the share to stand clear of zero (the three runs share their world: about 8 s on one core).
THIN_TRIALS = 4096
THIN_SEED = 20250507  # the scenarios' own seed (baseline.yaml)


@pytest.fixture(scope="module")
def thin_runs() -> dict[str, rm.Results]:
    """thin_capital, rv_pool, and thin_capital with capital enough never to fail (2,000: four events at
    the limit in one year), on common random numbers: the same events in the same trials."""
    thin = load_scenario(SCENARIOS[0].parent / "thin_capital.yaml")
    solvent = with_overrides(thin, {"schemes.rv_pool.capital_usd_m": 2000.0})
    rv = load_scenario(SCENARIOS[0].parent / "rv_pool.yaml")
    results = simulate_together([thin, rv, solvent], THIN_TRIALS, THIN_SEED, progress=False)
    return dict(zip(("thin", "rv_pool", "solvent"), results, strict=True))


def _insolvent(results: rm.Results) -> np.ndarray:
    return results.year_arrays["scheme_insolvent:rv_pool"].astype(bool)


def test_thin_capital_makes_the_scheme_insolvent_in_some_trials(thin_runs: dict[str, rm.Results]) -> None:
    """The scheme ends the horizon insolvent in some trials, more than twice the binomial standard error
    of that share above zero, and in no trial of rv_pool (the same trials); in most it does not: a real,
    not a certain, outcome. Its finances say so."""
    thin, rv = thin_runs["thin"], thin_runs["rv_pool"]
    insolvent = _insolvent(thin)
    share = insolvent[:, -1].mean()
    assert share > 2.0 * np.sqrt(share * (1.0 - share) / THIN_TRIALS)
    assert share < 0.5
    assert (np.diff(insolvent.astype(int), axis=1) >= 0).all()  # for good
    finances = thin.scheme_finances().loc["rv_pool", "insolvent_share"]
    np.testing.assert_allclose(finances, insolvent.mean(axis=0))
    assert finances.iloc[-1] > rv.scheme_finances().loc["rv_pool", "insolvent_share"].iloc[-1]
    assert not _insolvent(rv).any()
    assert not rv.year_arrays["scheme_recapitalised:rv_pool"].any()
    # the strained sovereign is asked, and sometimes does top the scheme up
    assert thin.year_arrays["scheme_recapitalised:rv_pool"].any()


def test_thin_capital_insolvent_scheme_pays_nothing_afterwards(thin_runs: dict[str, rm.Results]) -> None:
    """docs/model.md §7 step 4: from the policy year after its insolvency the scheme, its reinsurer and its
    hull cover pay nothing and it earns no premium; its members are uninsured, so what the scheme would
    have paid (the same scheme with capital enough, on the same events) falls on the owners and the
    others, the claimants' uncompensated damage among them. In the trial-years before, with the same
    events, the two pay alike: the thin capital changes nothing until the scheme cannot pay."""
    thin, solvent = thin_runs["thin"], thin_runs["solvent"]
    insolvent = _insolvent(thin)
    assert not _insolvent(solvent).any()
    lapsed = np.zeros_like(insolvent)
    lapsed[:, 1:] = insolvent[:, :-1]  # insolvent at the start of the policy year
    assert lapsed.sum() >= 5  # (enough lapsed trial-years for the checks to mean something)
    scheme = ("scheme:rv_pool", "scheme_reinsurance:rv_pool", "hm_scheme:rv_pool")
    for payer in scheme:
        paid = thin.year_arrays[f"payer:{payer}"]
        assert (paid[lapsed] == 0.0).all(), payer
        assert paid[~lapsed].sum() > 0.0, payer
    premium = thin.year_arrays["base:scheme_premium:rv_pool"]
    earned = thin.scheme_finances().loc["rv_pool", "premium_earned"]
    np.testing.assert_allclose(earned, np.where(lapsed, 0.0, premium).mean(axis=0))

    def payer(results: rm.Results, name: str) -> np.ndarray:
        return results.year_arrays[f"payer:{name}"]

    would_have_paid = sum(payer(solvent, p) for p in scheme)[lapsed]
    others = [p for p in thin.payers() if p not in scheme]
    moved = sum(payer(thin, p) - payer(solvent, p) for p in others)[lapsed]
    assert would_have_paid.sum() > 0.0
    np.testing.assert_allclose(moved, would_have_paid, rtol=1e-9, atol=1e-6)
    # the owners pay their uninsured hulls and their share of P&I (in a trial-year with members' events);
    # the claimants are left more on the whole (in a trial-year the 1992 Fund, paying when the insurer
    # does not, may leave them less)
    owner_more = payer(thin, "owner")[lapsed] - payer(solvent, "owner")[lapsed]
    assert (owner_more >= 0.0).all() and (owner_more > 0.0).sum() >= 5
    assert (payer(thin, "uncompensated") - payer(solvent, "uncompensated"))[lapsed].sum() > 0.0
    untouched = ~lapsed & ~insolvent  # (the year of the insolvency itself pays in part)
    for name in thin.payers():  # (to a rounding step: capital consumed from another amount)
        np.testing.assert_allclose(payer(thin, name)[untouched], payer(solvent, name)[untouched], 1e-12, 1e-9)


def test_spill_stress_exposes_the_portfolio(scenarios_dir: Path) -> None:
    s = load_scenario(scenarios_dir / "spill_stress.yaml")
    assert s.portfolio is not None
    peril_sources = {s.peril_source(pid) for pid in s.perils}
    contract_sources = {src for c in s.portfolio.contracts.values() for src in c.sources}
    assert peril_sources & contract_sources
    assert all(payers.is_valid_source(src) for src in peril_sources)


def test_brics_scheme_is_larger_than_the_rv_pool(scenarios_dir: Path) -> None:
    brics = load_scenario(scenarios_dir / "brics_scheme.yaml").schemes["brics_re"]
    rv = load_scenario(scenarios_dir / "rv_pool.yaml").schemes["rv_pool"]
    assert brics.capital_usd_m > rv.capital_usd_m
    assert brics.per_event_limit_usd_m > rv.per_event_limit_usd_m
    assert brics.port_acceptance["CHN"] > rv.port_acceptance["CHN"]


# ------------------------------------------------------------------------------------------- docs
def test_docs_reference_is_generated_from_the_schema() -> None:
    """docs/scenarios.md cannot drift: fix a failure with `python -m riskmodel.scenario.docs --write`."""
    assert generated_part(DOCS_PATH.read_text(encoding="utf-8")) == render_reference()


def test_docs_name_every_key_of_every_block() -> None:
    reference = render_reference()
    schema = json_schema("scenario")
    sections = _sections(schema)
    assert {name for name, _, _ in sections} == {"Scenario", *schema["$defs"]}
    for name, node, _ in sections:
        block = reference.split(f"### {name}\n", 1)[1].split("\n### ", 1)[0]
        for key in node.get("properties", {}):
            assert f"| `{key}` |" in block, (name, key)
    for source in payers.FIXED_PAYERS:
        assert f"`{source}`" in reference


def test_json_schema_allows_a_portfolio_path() -> None:
    schema = json_schema("scenario")
    kinds = [
        option.get("type") or option.get("$ref") for option in schema["properties"]["portfolio"]["anyOf"]
    ]
    assert "string" in kinds
    assert schema["$schema"].startswith("https://json-schema.org/")
    assert "contracts" in json_schema("portfolio")["properties"]


def test_the_reference_says_a_limit_is_the_layers_width() -> None:
    """An underwriter writes "50 xs 10": `limit_usd_m` is the width above the attachment (50), not the
    layer's top (60). The reference (and the JSON schema an editor shows) said only "Per-occurrence (or
    aggregate) limit", which reads either way."""
    contract = render_reference().split("### Contract\n", 1)[1].split("\n### ", 1)[0]
    row = next(line for line in contract.splitlines() if line.startswith("| `limit_usd_m` |"))
    assert "width above the attachment" in row and "`50 xs 10`: limit 50" in row
    described = json_schema("scenario")["$defs"]["Contract"]["properties"]["limit_usd_m"]["description"]
    assert "`50 xs 10`: limit 50, covering a loss from 10 to 60" in described
