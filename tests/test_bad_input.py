"""Bad scenario and portfolio files: every mistake is reported by `riskmodel validate` with the file, the
line where known, the key path, the offending value and what is allowed, without a traceback, exit 2.

Most cases start from `BASE`, a small valid scenario, change one thing and assert the exact words of the
message; a property-based test mutates the shipped scenario files at random and asserts that validation
only ever answers "valid" (0) or "invalid" (2).
"""

from __future__ import annotations

import copy
import math
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

BASE_TEXT = """\
name: test scenario
horizon:
  start_year: 2026
  years: 5
schemes:
  rv_pool:
    name: RV pool
    founders: [RUS, VEN]
    start_year: 2026
    capital_usd_m: 1000
    per_event_limit_usd_m: 300
    uptake: {share: 0.6}
    candidates:
      IRN: {p_join: 0.6, by_year: 2030}
      BLR: {p_join: 0.5, by_year: 2030, conditions: [IRN]}
portfolio:
  name: test book
  contracts:
    gxl1: {source: ig_gxl_layer1, type: quota_share, participation: 0.05}
    hull_qs: {source: hm_tanker_western, type: quota_share, participation: 0.5}
    hull_xol:
      source: hm_tanker_western
      type: xol
      attachment_usd_m: 5
      limit_usd_m: 20
      inures: [hull_qs]
"""
BASE: dict[str, Any] = yaml.safe_load(BASE_TEXT)
#: The screening samples shipped in the package, among them a valid fleet list and one with a bad row.
SAMPLES = Path(__file__).resolve().parents[1] / "riskmodel" / "screening" / "samples"


def write(path: Path, content: str | dict[str, Any]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content if isinstance(content, str) else yaml.safe_dump(content, sort_keys=False))
    return path


def validate_bad(run_cli: Callable[..., tuple[int, str, str]], *paths: Path) -> str:
    """Run `riskmodel validate`, assert exit 2 and no traceback; return stderr."""
    code, out, err = run_cli("validate", *paths)
    assert code == 2, (out, err)
    assert "Traceback" not in out + err
    return err


def mutated(change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    doc = copy.deepcopy(BASE)
    change(doc)
    return doc


def scheme(doc: dict[str, Any]) -> dict[str, Any]:
    return doc["schemes"]["rv_pool"]


def contracts(doc: dict[str, Any]) -> dict[str, Any]:
    return doc["portfolio"]["contracts"]


def test_base_is_valid(tmp_path: Path, run_cli: Callable[..., tuple[int, str, str]]) -> None:
    code, out, err = run_cli("validate", write(tmp_path / "base.yaml", BASE_TEXT))
    assert code == 0, err
    assert "ok: " in out


# ------------------------------------------------------------------------------- one change of BASE
def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(doc: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node = doc
        for p in parents:
            node = node.setdefault(p, {})
        node[last] = value

    return change


def _peril(
    frequency: dict[str, Any] | None = None, severity: dict[str, Any] | None = None, **extra: Any
) -> Callable[[dict[str, Any]], None]:
    """Add peril `p` (Poisson 1 a year, a fixed loss of 1, unless given) with `extra` keys."""
    peril = {
        "frequency": frequency or {"distribution": "poisson", "mean": 1},
        "severity": severity or {"distribution": "fixed", "value_usd_m": 1},
        **extra,
    }
    return lambda d: d.update(perils={"p": peril})


# peril `spill` of the cases that name it, before their one change: Poisson 0.1 a year, a fixed loss of 100
SPILL: dict[str, Any] = {
    "frequency": {"distribution": "poisson", "mean": 0.1},
    "severity": {"distribution": "fixed", "value_usd_m": 100},
}


def _delete(path: str) -> Callable[[dict[str, Any]], None]:
    def change(doc: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node = doc
        for p in parents:
            node = node[p]
        del node[last]

    return change


CASES: list[tuple[str, Callable[[dict[str, Any]], None], list[str]]] = [
    (
        "probability_above_one",
        _set("schemes.rv_pool.candidates.IRN.p_join", 1.5),
        ["schemes.rv_pool.candidates.IRN.p_join: 1.5 is not allowed: must be between 0 and 1"],
    ),
    (
        "negative_probability",
        _set("schemes.rv_pool.payment_reliability", -0.1),
        ["schemes.rv_pool.payment_reliability: -0.1 is not allowed: must be between 0 and 1"],
    ),
    (
        "negative_limit",
        _set("portfolio.contracts.hull_xol.limit_usd_m", -20),
        ["portfolio.contracts.hull_xol.limit_usd_m: -20 is not allowed: must be greater than 0"],
    ),
    (
        "negative_capital",
        _set("schemes.rv_pool.capital_usd_m", -1000),
        ["schemes.rv_pool.capital_usd_m: -1000 is not allowed: must be greater than 0"],
    ),
    (
        "nan_correlation",
        _set("schemes.rv_pool.correlation", math.nan),
        ["schemes.rv_pool.correlation: .nan is not allowed: must be a finite number"],
    ),
    (
        "infinite_limit",
        _set("portfolio.contracts.hull_xol.limit_usd_m", math.inf),
        ["portfolio.contracts.hull_xol.limit_usd_m: .inf is not allowed", "leave the key out for no limit"],
    ),
    (
        "minus_infinity",
        _set("schemes.rv_pool.per_event_limit_usd_m", -math.inf),
        ["schemes.rv_pool.per_event_limit_usd_m: -.inf is not allowed: must be a finite number"],
    ),
    (
        "text_for_a_whole_number",
        _set("horizon.years", "five"),
        ["horizon.years: 'five' is not allowed: must be a whole number between 1 and 30"],
    ),
    (
        "quoted_number",
        _set("schemes.rv_pool.capital_usd_m", "1000"),
        ["schemes.rv_pool.capital_usd_m: '1000' is not allowed: must be a number greater than 0"],
    ),
    (
        "boolean_for_a_number",
        _set("schemes.rv_pool.candidates.IRN.p_join", True),
        ["schemes.rv_pool.candidates.IRN.p_join: true is not allowed: must be a number between 0 and 1"],
    ),
    (
        "fraction_for_a_year",
        _set("schemes.rv_pool.start_year", 2026.5),
        ["schemes.rv_pool.start_year: 2026.5 is not allowed: must be a whole number between 1990 and 2100"],
    ),
    (
        "string_for_a_list",
        _set("schemes.rv_pool.founders", "RUS"),
        ["schemes.rv_pool.founders: 'RUS' is not allowed: must be a list (for one item write [RUS])"],
    ),
    (
        "number_for_a_block",
        _set("horizon", 5),
        ["horizon: 5 is not allowed: must be a mapping with keys start_year, years"],
    ),
    (
        "unknown_top_level_key",
        lambda d: d.update(horizn={"years": 3}),
        ["horizn: unknown key 'horizn' (did you mean 'horizon'?)"],
    ),
    (
        "misspelt_candidate_key",
        lambda d: scheme(d)["candidates"]["IRN"].update(p_jion=scheme(d)["candidates"]["IRN"].pop("p_join")),
        ["schemes.rv_pool.candidates.IRN.p_jion: unknown key 'p_jion' (did you mean 'p_join'?)"],
    ),
    (
        "misspelt_contract_key",
        lambda d: contracts(d)["hull_xol"].update(limit_usd=contracts(d)["hull_xol"].pop("limit_usd_m")),
        ["portfolio.contracts.hull_xol.limit_usd: unknown key 'limit_usd' (did you mean 'limit_usd_m'?)"],
    ),
    (
        "lower_case_state",
        _set("schemes.rv_pool.founders", ["RUS", "ven"]),
        [
            "schemes.rv_pool.founders[1]: 'ven' is not allowed: must be an ISO 3166-1 alpha-3",
            "did you mean 'VEN'?",
        ],
    ),
    (
        "unknown_state_founder",
        _set("schemes.rv_pool.founders", ["RUS", "VNZ"]),
        ["schemes.rv_pool.founders[1]: 'VNZ' is not allowed: must be a state of the world reference data"],
    ),
    (
        "unknown_state_candidate",
        lambda d: scheme(d)["candidates"].update(IRM={"p_join": 0.1, "by_year": 2030}),
        ["schemes.rv_pool.candidates.IRM: 'IRM' is not allowed: must be a state of the world reference data"],
    ),
    (
        "unknown_state_port",
        _set("schemes.rv_pool.port_acceptance", {"TUR": 0.9, "CHA": 0.7}),
        ["schemes.rv_pool.port_acceptance.CHA: 'CHA' is not allowed: must be a state", "did you mean"],
    ),
    (
        "port_that_no_trade_reaches",
        _set("schemes.rv_pool.port_acceptance", {"TUR": 0.9, "MYS": 0.3}),
        [
            "schemes.rv_pool.port_acceptance.MYS: 'MYS' is not allowed: must be the destination of a "
            "trade in the world data (else it changes nothing): BRA, CHN, GBR, IND, ITA, JPN, KOR, MEX, "
            "NLD, SGP, TUR, USA"
        ],
    ),
    (
        "certifying_flag_no_tanker_flies",
        _set("schemes.rv_pool.certifying_flags", {"GAB": 0.6, "ARE": 0.5}),
        [
            "schemes.rv_pool.certifying_flags.ARE: 'ARE' is not allowed: must be a flag that tankers of a "
            "trade in the world data fly (else it changes nothing): BHS, BRB, CHN"
        ],
    ),
    (
        "xol_attaching_below_materiality",
        _set("portfolio.contracts.hull_xol.attachment_usd_m", 2),
        [
            "portfolio.contracts.hull_xol.attachment_usd_m: 2 is not allowed: must be at least 5 for a "
            "per-occurrence xol on hm_tanker_western: simulation.materiality_usd_m (5) × the largest cedant "
            "share (1), before any inuring cessions; losses of smaller events are attritional"
        ],
    ),
    (
        "source_named_twice",
        _set("portfolio.contracts.hull_xol.source", ["hm_tanker_western", "hm_tanker_western"]),
        [
            "portfolio.contracts.hull_xol.source[1]: 'hm_tanker_western' is not allowed: must be named once: "
            "'hm_tanker_western' is given twice in source"
        ],
    ),
    (
        "inuring_contract_named_twice",
        _set("portfolio.contracts.hull_xol.inures", ["hull_qs", "hull_qs"]),
        ["portfolio.contracts.hull_xol.inures[1]: 'hull_qs' is not allowed: must be named once"],
    ),
    (
        "listed_by_an_unknown_bloc",
        _set(
            "schemes.rv_pool.reinsurance",
            {"reinsurer": "RNRC", "quota_share": 0.5, "capacity_usd_m": 1000, "listed_by": ["EU", "RU"]},
        ),
        ["schemes.rv_pool.reinsurance.listed_by[1]: 'RU' is not allowed: must be one of 'EU', 'UK', 'US'"],
    ),
    (
        "listed_by_a_bloc_twice",
        _set(
            "schemes.rv_pool.reinsurance",
            {"reinsurer": "RNRC", "quota_share": 0.5, "capacity_usd_m": 1000, "listed_by": ["EU", "EU"]},
        ),
        ["schemes.rv_pool.reinsurance.listed_by[1]: 'EU' is not allowed: must be named once"],
    ),
    (
        "reinstatements_on_a_quota_share",
        lambda d: contracts(d)["hull_qs"].update(limit_usd_m=10, reinstatements=[{"rate": 1.0}]),
        ["portfolio.contracts.hull_qs: reinstatements apply to an xol only, not a quota_share"],
    ),
    (
        "negative_binomial_not_overdispersed",
        _peril(frequency={"distribution": "negative_binomial", "mean": 4, "cv": 0.1}),
        ["perils.p.frequency", "a negative_binomial needs cv > 1/√mean = 0.5"],
    ),
    (
        "peril_events_beyond_memory",  # (20,000 a year over the baseline's 5 years: a MemoryError)
        _peril(frequency={"distribution": "poisson", "mean": 2000}),
        [
            "perils.p.frequency.mean",
            "2000 is not allowed: the perils draw 10,000 events a trial over the horizon",
            "at most 5,000",
        ],
    ),
    (
        "peril_mean_beyond_any_horizon",
        _peril(frequency={"distribution": "poisson", "mean": 1e9}),
        ["perils.p.frequency.mean", "1000000000 is not allowed: must be between 0 and 5000"],
    ),
    (
        "pareto_cap_below_threshold",
        _peril(severity={"distribution": "pareto", "threshold_usd_m": 10, "alpha": 1.5, "cap_usd_m": 5}),
        ["perils.p.severity", "cap_usd_m (5) must exceed threshold_usd_m (10)"],
    ),
    (
        "pareto_infinite_mean",
        _peril(severity={"distribution": "pareto", "threshold_usd_m": 10, "alpha": 0.5}),
        ["perils.p.severity", "alpha 0.5 ≤ 1 has an infinite mean loss: give cap_usd_m"],
    ),
    (
        "peril_in_no_year",
        _peril(years=[]),
        ["perils.p.years: [] is not allowed: must have at least 1 item"],
    ),
    (
        "exponent_number_read_as_text",
        _set("schemes.rv_pool.capital_usd_m", "1e9"),
        ["schemes.rv_pool.capital_usd_m: '1e9' is not allowed", "write 1.0e+9 or 1000000000"],
    ),
    (
        "founder_in_two_schemes",
        lambda d: d["schemes"].update(
            second={
                "name": "second",
                "founders": ["IRN", "RUS"],
                "start_year": 2027,
                "capital_usd_m": 500,
                "per_event_limit_usd_m": 300,
                "uptake": {"share": 0.5},
            }
        ),
        ["schemes.second.founders[1]: 'RUS' is not allowed: already a founder of scheme 'rv_pool'"],
    ),
    (
        "founder_named_twice",  # (once, not also by the founders' own check)
        _set("schemes.rv_pool.founders", ["RUS", "VEN", "RUS"]),
        [
            "schemes.rv_pool.founders[2]: 'RUS' is not allowed: must be named once: 'RUS' is "
            "given twice in founders\n1 of 1 file invalid, 1 problem"
        ],
    ),
    (
        "condition_peril_year_and_bloc_named_twice",
        lambda d: (
            _set("schemes.rv_pool.candidates.BLR.conditions", ["IRN", "IRN"])(d),
            _peril(years=[2027, 2028, 2027])(d),
            d.update(price_cap={"western_fixed_blocs": ["US", "UK", "US"]}),
        ),
        [
            "schemes.rv_pool.candidates.BLR.conditions[1]: 'IRN' is not allowed: must be named once",
            "perils.p.years[2]: 2027 is not allowed: must be named once: 2027 is given twice in years",
            "price_cap.western_fixed_blocs[2]: 'US' is not allowed: must be named once",
            "1 of 1 file invalid, 3 problems",
        ],
    ),
    (
        "repeats_under_an_unknown_key_are_the_schemas_to_report",  # (one problem, not also "given twice")
        lambda d: d.update(foo=[1, 1]),
        ["foo: unknown key 'foo'", "1 of 1 file invalid, 1 problem"],
    ),
    (
        "founder_also_candidate",
        lambda d: scheme(d)["candidates"].update(VEN={"p_join": 0.5, "by_year": 2030}),
        ["schemes.rv_pool.candidates.VEN: 'VEN' is not allowed: already a founder of this scheme"],
    ),
    (
        "scheme_starts_after_the_horizon",
        _set("schemes.rv_pool.start_year", 2032),
        ["schemes.rv_pool.start_year: 2032 is not allowed: must lie inside the horizon 2026–2030"],
    ),
    (
        "earliest_year_after_the_horizon",
        lambda d: scheme(d)["candidates"]["IRN"].update(earliest_year=2031, by_year=2032),
        ["schemes.rv_pool.candidates.IRN.earliest_year: 2031 is not allowed: must lie between"],
    ),
    (
        "by_year_before_the_scheme",
        lambda d: scheme(d)["candidates"]["IRN"].update(by_year=2025),
        [
            "schemes.rv_pool.candidates.IRN.by_year: 2025 is not allowed: "
            "must not be before the scheme's start"
        ],
    ),
    (
        "schedule_year_outside_the_horizon",
        lambda d: scheme(d)["candidates"].update(CUB={"schedule": {2027: 0.1, 2035: 0.4}}),
        ["schemes.rv_pool.candidates.CUB.schedule[2035]: 2035 is not allowed: must lie between"],
    ),
    (
        "peril_year_outside_the_horizon",
        lambda d: d.update(perils={"spill": {**SPILL, "years": [2026, 2040]}}),
        ["perils.spill.years[1]: 2040 is not allowed: must lie inside the horizon 2026–2030"],
    ),
    (
        "both_p_join_and_schedule",
        lambda d: scheme(d)["candidates"]["IRN"].update(schedule={2028: 0.3}),
        [
            "schemes.rv_pool.candidates.IRN: give either p_join and by_year, or a schedule, not both",
            "p_join: 0.6",
        ],
    ),
    (
        "decreasing_schedule",
        lambda d: scheme(d)["candidates"].update(CUB={"schedule": {2027: 0.4, 2029: 0.2}}),
        ["schemes.rv_pool.candidates.CUB: schedule must be non-decreasing", "2029: 0.2"],
    ),
    (
        "chunk_not_whole_blocks",
        _set("simulation.chunk_trials", 5000),
        ["simulation.chunk_trials: must be a multiple of 4096", "5000"],
    ),
    (
        "unknown_contract_source",
        _set("portfolio.contracts.gxl1.source", "ig_gxl_layer4"),
        [
            "portfolio.contracts.gxl1.source: 'ig_gxl_layer4' is not allowed: must be a payer column",
            "did you mean",
        ],
    ),
    (
        "misspelt_scheme_source_prefix",
        _set("portfolio.contracts.gxl1.source", "schem:rv_pool"),
        ["portfolio.contracts.gxl1.source: 'schem:rv_pool' is not allowed", "did you mean 'scheme:rv_pool'?"],
    ),
    (
        "source_list_with_a_number",
        _set("portfolio.contracts.gxl1.source", ["ig_gxl_layer1", 3]),
        ["portfolio.contracts.gxl1.source[1]: 3 is not allowed: must be text"],
    ),
    (
        "inures_names_a_non_quota_share",
        _set("portfolio.contracts.hull_qs.inures", ["hull_xol"]),
        ["portfolio.contracts.hull_qs.inures[0]: 'hull_xol' is not allowed: names a xol contract"],
    ),
    (
        "contradictory_convention_overrides",
        _set(
            "world.conventions",
            {"FIN": {"clc92": False, "fund92": True}, "USA": {"clc92": True, "opa": True}},
        ),
        [
            "world.conventions.FIN.fund92: true is not allowed: contradicts clc92: false (the 1992 Fund "
            "Convention is open only to parties to CLC 1992)",
            "world.conventions.USA.opa: true is not allowed: contradicts clc92: true",
        ],
    ),
    (
        "contract_named_like_the_whole_book",
        _set("portfolio.contracts.portfolio", {"source": "owner", "type": "quota_share"}),
        [
            "portfolio.contracts.portfolio: 'portfolio' is not allowed: is the name of the whole book in the "
            "results: rename the contract"
        ],
    ),
    (
        "inuring_cycle",
        lambda doc: (
            _set("portfolio.contracts.hull_qs.inures", ["hull_qs2"])(doc),
            _set(
                "portfolio.contracts.hull_qs2",
                {"source": "hm_tanker_western", "type": "quota_share", "inures": ["hull_qs"]},
            )(doc),
        ),
        [
            "portfolio.contracts.hull_qs2.inures[0]: 'hull_qs' is not allowed: closes an inuring cycle "
            "(hull_qs -> hull_qs2 -> hull_qs)"
        ],
    ),
    (
        "inures_to_a_quota_share_on_more_sources",
        _set("portfolio.contracts.hull_qs.source", ["hm_tanker_western", "owner"]),
        [
            "portfolio.contracts.hull_xol.inures[0]: 'hull_qs' is not allowed: names a quota share on "
            "sources ['hm_tanker_western', 'owner'], not all among this contract's own ['hm_tanker_western']"
        ],
    ),
    (
        "stop_loss_with_an_aad",
        _set(
            "portfolio.contracts.sl",
            {
                "source": "owner",
                "type": "stop_loss",
                "attachment_usd_m": 5,
                "limit_usd_m": 50,
                "aad_usd_m": 3,
            },
        ),
        [
            "portfolio.contracts.sl: a stop_loss takes its annual retention and limit as attachment_usd_m "
            "and limit_usd_m: remove aad_usd_m"
        ],
    ),
    (
        "inures_names_an_unknown_contract",
        _set("portfolio.contracts.hull_xol.inures", ["hull_q"]),
        ["portfolio.contracts.hull_xol.inures[0]: 'hull_q' is not allowed", "did you mean 'hull_qs'?"],
    ),
    (
        "misspelt_contract_type",
        _set("portfolio.contracts.hull_xol.type", "xoll"),
        [
            "portfolio.contracts.hull_xol.type: 'xoll' is not allowed: "
            "must be one of 'xol', 'stop_loss', 'quota_share'"
        ],
    ),
    (
        "misspelt_premium_base",
        _set("portfolio.contracts.gxl1.premium", {"rate_on_base": 0.01, "base": "ig_gxl_premum"}),
        [
            "portfolio.contracts.gxl1.premium.base: 'ig_gxl_premum' is not allowed",
            "did you mean 'ig_gxl_premium'?",
        ],
    ),
    (
        "premium_with_keys_of_both_forms",
        _set("portfolio.contracts.gxl1.premium", {"rate_on_base": -0.01, "base": "ig_gxl_premium"}),
        ["portfolio.contracts.gxl1.premium.rate_on_base: -0.01 is not allowed: must be at least 0"],
    ),
    (
        "cedant_share_as_text",
        _set("portfolio.contracts.gxl1.cedant_share", "half"),
        [
            "portfolio.contracts.gxl1.cedant_share: 'half' is not allowed: "
            "must be a number between 0 and 1, or a"
        ],
    ),
    (
        "cedant_share_by_unknown_zone",
        _set("portfolio.contracts.gxl1.cedant_share", {"by": "zone", "shares": {"BALTC": 0.2}}),
        [
            "portfolio.contracts.gxl1.cedant_share.shares.BALTC: 'BALTC' is not allowed",
            "did you mean 'BALTIC'?",
        ],
    ),
    (
        "cedant_share_mapping_misspelt_key",
        _set(
            "portfolio.contracts.gxl1.cedant_share", {"by": "zone", "shares": {"BALTIC": 0.2}, "defualt": 0.1}
        ),
        ["portfolio.contracts.gxl1.cedant_share.defualt: unknown key 'defualt' (did you mean 'default'?)"],
    ),
    (
        "unknown_enforcement_zone",
        _set("sanctions.enforcement.zones", {"BALTIK": 1.0}),
        [
            "sanctions.enforcement.zones.BALTIK: 'BALTIK' is not allowed: must be a zone",
            "did you mean 'BALTIC'?",
        ],
    ),
    (
        "condition_not_in_the_scheme",
        lambda d: scheme(d)["candidates"]["BLR"].update(conditions=["CUB"]),
        [
            "schemes.rv_pool.candidates.BLR.conditions[0]: 'CUB' is not allowed: "
            "must be a founder or a candidate"
        ],
    ),
    (
        "conditions_in_a_cycle",
        lambda d: scheme(d)["candidates"]["IRN"].update(conditions=["BLR"]),
        ["conditions form a cycle", "IRN → BLR → IRN"],
    ),
    (
        "peril_routed_to_a_missing_scheme",
        lambda d: d.update(perils={"spill": {**SPILL, "source": "scheme:brics_re"}}),
        ["perils.spill.source: 'scheme:brics_re' is not allowed: names scheme 'brics_re'"],
    ),
    (
        "misspelt_distribution",
        lambda d: d.update(perils={"spill": {**SPILL, "frequency": {"distribution": "poison", "mean": 0.1}}}),
        ["perils.spill.frequency.distribution: 'poison' is not allowed", "did you mean 'poisson'?"],
    ),
    (
        "perils_only_run_without_perils",
        _set("simulation.world_model", False),
        [
            "simulation.world_model: false is not allowed: "
            "a perils-only run needs at least one entry under perils"
        ],
    ),
    (
        "missing_required_key",
        _delete("schemes.rv_pool.capital_usd_m"),
        ["schemes.rv_pool.capital_usd_m: is required but missing: give a number greater than 0"],
    ),
    (
        "scheme_id_with_a_space",
        lambda d: d["schemes"].update({"rv pool": d["schemes"].pop("rv_pool")}),
        ["schemes.rv pool: key 'rv pool' is not allowed: must be an id of letters, digits"],
    ),
    (
        "unknown_bloc",
        _set("portfolio.bloc", "EUU"),
        [
            "portfolio.bloc: 'EUU' is not allowed: "
            "must be one of 'EU', 'UK', 'US', 'none' (did you mean 'EU'?)"
        ],
    ),
    # what `run` would reject later is found by `validate`: the baseline file (missing, a folder, this file
    # itself), folders given for files, and the fleet list's own problems and cedants
    (
        "baseline_is_this_file",
        _set("baseline", "bad.yaml"),
        ["baseline: 'bad.yaml' is not allowed", "it names this file itself"],
    ),
    (
        "baseline_missing",
        _set("baseline", "nothere.yaml"),
        ["baseline: 'nothere.yaml' is not allowed", "no such file"],
    ),
    ("baseline_a_folder", _set("baseline", "."), ["baseline: '.' is not allowed", "is a folder, not a file"]),
    ("extends_a_folder", _set("extends", "."), ["extends: '.' is not allowed", "is a folder, not a file"]),
    (
        "portfolio_a_folder",
        _set("portfolio", "."),
        ["portfolio: '.' is not allowed", "is a folder, not a portfolio file"],
    ),
    (
        "fleet_list_with_a_bad_row",
        _set("fleet", {"path": str(SAMPLES / "sample_fleet_invalid.csv")}),
        ["fleet.path:", "must be a valid fleet list (sample_fleet_invalid.csv: row 3, column imo"],
    ),
    (
        "fleet_cedant_not_in_the_list",
        _set("fleet", {"path": str(SAMPLES / "sample_fleet.csv"), "cedant": "Nobody"}),
        ["fleet.cedant: 'Nobody' is not allowed: must be a cedant of the fleet list: Harbour Mutual"],
    ),
    (
        "fleet_path_a_folder",
        _set("fleet", {"path": "."}),
        ["fleet.path: '.' is not allowed", "is a folder, not a file"],
    ),
]


@pytest.mark.parametrize(("change", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_one_mistake(
    tmp_path: Path,
    run_cli: Callable[..., tuple[int, str, str]],
    change: Callable[[dict[str, Any]], None],
    expected: list[str],
) -> None:
    err = validate_bad(run_cli, write(tmp_path / "bad.yaml", mutated(change)))
    for text in expected:
        assert text in err, err
    assert "bad.yaml:" in err


@pytest.mark.parametrize(
    ("source", "hint"),
    [
        ("peril:", "('peril:' must be followed by an id of letters, digits, _ or -, not starting with -)"),
        ("scheme:", "('scheme:' must be followed by an id of letters, digits, _ or -, not starting with -)"),
        ("scheme:RV POOL", "('scheme:' must be followed by an id of letters, digits, _ or -, not starting"),
        ("perl:a b", "('peril:' must be followed by an id of letters, digits, _ or -, not starting with -)"),
        ("hm_scheme:-x", "('hm_scheme:' must be followed by an id"),
    ],
)
def test_a_malformed_source_id_is_explained_not_suggested_back(
    tmp_path: Path, run_cli: Callable[..., tuple[int, str, str]], source: str, hint: str
) -> None:
    """`validate` answered ``source: 'peril:'`` with "(did you mean 'peril:'?)", the value given: the prefix
    was right and the id after it missing or malformed. It now says what must follow the colon, and
    suggests only a source that is valid (a misspelt prefix before a good id: misspelt_scheme_source_prefix
    above)."""
    err = validate_bad(
        run_cli, write(tmp_path / "bad.yaml", mutated(_set("portfolio.contracts.gxl1.source", source)))
    )
    assert f"portfolio.contracts.gxl1.source: {source!r} is not allowed: must be a payer column" in err, err
    assert hint in err, err
    assert f"did you mean {source!r}" not in err and err.count("did you mean") <= hint.count("did you mean")


# ---------------------------------------------------------------------------- raw text and files
FILE_CASES: list[tuple[str, str, str, list[str]]] = [
    (
        "invalid_yaml_cites_the_parser_line",
        "bad.yaml",
        "name: x\nhorizon:\n  years: [5\n  start_year: 2026\n",
        ["bad.yaml:4: invalid YAML:", "column"],
    ),
    ("tab_indentation", "bad.yaml", "name: x\nhorizon:\n\tyears: 5\n", ["bad.yaml:3: invalid YAML:", "tab"]),
    ("empty_file", "empty.yaml", "", ["empty.yaml: the file is empty"]),
    ("comments_only_file", "c.yaml", "# just a comment\n\n", ["c.yaml: the file is empty"]),
    (
        "top_level_list",
        "l.yaml",
        "- name: x\n- name: y\n",
        ["l.yaml:1: the top level must be a mapping of keys", "[{name: 'x'}, {name: 'y'}]"],
    ),
    (
        "two_documents",
        "two.yaml",
        "name: x\n---\nname: y\n",
        ["two.yaml:2: invalid YAML: expected a single document"],
    ),
    (
        "duplicate_key_gives_both_lines",
        "dup.yaml",
        BASE_TEXT.replace("    capital_usd_m: 1000\n", "    capital_usd_m: 1000\n    capital_usd_m: 2000\n"),
        ["dup.yaml:11: duplicate key 'capital_usd_m' (first given on line 10)"],
    ),
    (
        "duplicate_state_in_a_flow_mapping",
        "dup.yaml",
        BASE_TEXT.replace(
            "    uptake: {share: 0.6}\n",
            "    uptake: {share: 0.6}\n    port_acceptance: {TUR: 0.9, TUR: 0.5}\n",
        ),
        ["dup.yaml:13: duplicate key 'TUR'"],
    ),
    (
        "line_number_of_a_bad_value",
        "x.yaml",
        BASE_TEXT.replace("IRN: {p_join: 0.6", "IRN: {p_join: 1.5"),
        ["x.yaml:14: schemes.rv_pool.candidates.IRN.p_join: 1.5 is not allowed: must be between 0 and 1"],
    ),
    (
        "unhashable_key",
        "k.yaml",
        "name: x\n? [a, b]\n: 1\n",
        ["k.yaml:2: a mapping key must be a single value, got ['a', 'b']"],
    ),
    (
        "recursive_alias",
        "r.yaml",
        "name: x\nworld: &w\n  conventions: *w\n",
        ["r.yaml: invalid YAML: an alias refers to a node that contains it"],
    ),
    (
        "python_tag_is_refused",
        "t.yaml",
        "name: !!python/object/apply:os.system ['true']\n",
        ["t.yaml:1: invalid YAML:", "python/object/apply:os.system"],
    ),
    # the parser's message gave a position in "<unicode string>", not a line
    (
        "a_control_character_names_its_line",
        "c.yaml",
        "name: x\ndescription: a\x07b\n",
        ["c.yaml:2: invalid YAML: character #x0007 is not allowed (a control character"],
    ),
    # NO (Norway's ISO2 code, or a typo for NOR) is false to YAML: the message said 'key false' only
    (
        "a_key_yaml_reads_as_a_boolean_says_so",
        "n.yaml",
        "name: x\nworld: {conventions: {NO: {clc92: true}}}\n",
        ["key false is not allowed", "quote the key, e.g. 'NO'"],
    ),
    (
        "extends_itself",
        "self.yaml",
        "name: a\nextends: self.yaml\n",
        ["self.yaml:2: extends: 'self.yaml' is not allowed: makes a cycle of extends"],
    ),
    (
        "portfolio_neither_mapping_nor_path",
        "s.yaml",
        "name: s\nportfolio: 5\nextends: 7\n",
        [
            "s.yaml:2: portfolio: 5 is not allowed: must be a mapping with keys name, description, bloc",
            "or the path of a portfolio file",
            "s.yaml:3: extends: 7 is not allowed: must be the path of a parent scenario file",
            "2 problems",
        ],
    ),
    (
        "invalid_portfolio_file_alone",
        "book.yaml",
        "name: book\ncontracts:\n  a: {source: ig_gxl_layr1, type: quota_share}\n",
        ["book.yaml:3: contracts.a.source: 'ig_gxl_layr1' is not allowed", "did you mean 'ig_gxl_layer1'?"],
    ),
]


@pytest.mark.parametrize(
    ("name", "text", "expected"), [c[1:] for c in FILE_CASES], ids=[c[0] for c in FILE_CASES]
)
def test_one_file(
    tmp_path: Path, run_cli: Callable[..., tuple[int, str, str]], name: str, text: str, expected: list[str]
) -> None:
    """Validating the file `name` that holds `text` fails, and the message says each of `expected`."""
    err = validate_bad(run_cli, write(tmp_path / name, text))
    for message in expected:
        assert message in err, err


def test_not_utf8(tmp_path: Path, run_cli: Callable[..., tuple[int, str, str]]) -> None:
    path = tmp_path / "latin.yaml"
    path.write_bytes("name: Société\n".encode("latin-1"))
    err = validate_bad(run_cli, path)
    assert "latin.yaml: is not UTF-8 text" in err


def test_missing_file(tmp_path: Path, run_cli: Callable[..., tuple[int, str, str]]) -> None:
    err = validate_bad(run_cli, tmp_path / "nope.yaml")
    assert "nope.yaml: cannot be read: No such file or directory" in err


def test_extends_cycle_names_the_chain(tmp_path: Path, run_cli: Callable[..., tuple[int, str, str]]) -> None:
    write(tmp_path / "a.yaml", "name: a\nextends: b.yaml\n")
    write(tmp_path / "b.yaml", "name: b\nextends: a.yaml\n")
    err = validate_bad(run_cli, tmp_path / "a.yaml")
    assert "b.yaml:2: extends: 'a.yaml' is not allowed: makes a cycle of extends:" in err
    assert "a.yaml → " in err
    assert "b.yaml → " in err


def test_missing_parent(tmp_path: Path, run_cli: Callable[..., tuple[int, str, str]]) -> None:
    write(tmp_path / "baseline.yaml", BASE_TEXT)
    err = validate_bad(run_cli, write(tmp_path / "child.yaml", "name: c\nextends: basline.yaml\n"))
    assert "child.yaml:2: extends: 'basline.yaml' is not allowed: no such file" in err
    assert "did you mean 'baseline.yaml'?" in err


def test_error_in_parent_cites_the_parent(
    tmp_path: Path, run_cli: Callable[..., tuple[int, str, str]]
) -> None:
    write(tmp_path / "base.yaml", BASE_TEXT.replace("capital_usd_m: 1000", "capital_usd_m: -1"))
    err = validate_bad(run_cli, write(tmp_path / "child.yaml", "name: c\nextends: base.yaml\n"))
    assert "base.yaml:10: schemes.rv_pool.capital_usd_m: -1 is not allowed" in err


def test_bad_portfolio_path(tmp_path: Path, run_cli: Callable[..., tuple[int, str, str]]) -> None:
    write(tmp_path / "portfolios" / "book.yaml", "name: book\ncontracts: {}\n")
    doc = mutated(lambda d: d.update(portfolio="portfolios/bok.yaml"))
    err = validate_bad(run_cli, write(tmp_path / "s.yaml", doc))
    assert "portfolio: 'portfolios/bok.yaml' is not allowed: no such portfolio file" in err
    assert "did you mean 'portfolios/book.yaml'?" in err


def test_portfolio_problem_cites_the_portfolio_file(
    tmp_path: Path, run_cli: Callable[..., tuple[int, str, str]]
) -> None:
    write(
        tmp_path / "book.yaml", "name: book\ncontracts:\n  a: {source: ig_pool, type: xol, limit_usd_m: 0}\n"
    )
    err = validate_bad(run_cli, write(tmp_path / "s.yaml", "name: s\nportfolio: book.yaml\n"))
    assert "book.yaml:3: portfolio.contracts.a.limit_usd_m: 0 is not allowed: must be greater than 0" in err


def test_every_problem_is_listed(tmp_path: Path, run_cli: Callable[..., tuple[int, str, str]]) -> None:
    def three(d: dict[str, Any]) -> None:
        scheme(d)["candidates"]["IRN"]["p_join"] = 1.5
        scheme(d)["founders"] = ["RUS", "VNZ"]
        contracts(d)["gxl1"]["source"] = "ig_gxl_layer9"

    err = validate_bad(run_cli, write(tmp_path / "many.yaml", mutated(three)))
    assert "candidates.IRN.p_join: 1.5" in err
    assert "founders[1]: 'VNZ'" in err
    assert "gxl1.source: 'ig_gxl_layer9'" in err
    assert "1 of 1 file invalid, 3 problems" in err


def test_every_file_is_listed(tmp_path: Path, run_cli: Callable[..., tuple[int, str, str]]) -> None:
    good = write(tmp_path / "good.yaml", BASE_TEXT)
    bad1 = write(tmp_path / "bad1.yaml", mutated(_set("horizon.years", 0)))
    bad2 = write(tmp_path / "bad2.yaml", mutated(_set("simulation.trials", -5)))
    code, out, err = run_cli("validate", good, bad1, bad2)
    assert code == 2
    assert "ok: " in out
    assert "horizon.years: 0 is not allowed" in err
    assert "simulation.trials: -5 is not allowed" in err
    assert "2 of 3 files invalid" in err


def validate_in_subprocess(path: Path) -> subprocess.CompletedProcess[str]:
    """Run `riskmodel validate path` in a fresh Python process, as a shell would."""
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from riskmodel.cli import main; sys.exit(main())",
            "validate",
            path,
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_subprocess_bad_file_has_no_traceback(tmp_path: Path) -> None:
    path = write(tmp_path / "bad.yaml", mutated(_set("schemes.rv_pool.candidates.IRN.p_join", 1.5)))
    proc = validate_in_subprocess(path)
    assert proc.returncode == 2
    assert "schemes.rv_pool.candidates.IRN.p_join: 1.5 is not allowed: must be between 0 and 1" in proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr


def test_subprocess_invalid_yaml(tmp_path: Path) -> None:
    path = write(tmp_path / "bad.yaml", "name: [unclosed\n")
    proc = validate_in_subprocess(path)
    assert proc.returncode == 2
    assert "bad.yaml:2: invalid YAML" in proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr


# -------------------------------------------------------------------------------- property-based test
SHIPPED = Path(__file__).resolve().parents[1] / "scenarios"
SHIPPED_FILES = sorted(p.relative_to(SHIPPED) for p in SHIPPED.rglob("*.yaml"))
ODD_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(["", "IRN", "irn", "scheme:rv_pool", "ig_pool", "xol", "2030", "baseline.yaml", "∞"]),
    st.text(max_size=8),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix] if prefix else []
    if isinstance(node, dict):
        for k, v in node.items():
            out.extend(_paths(v, (*prefix, k)))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out.extend(_paths(v, (*prefix, i)))
    return out


def _mutate(doc: dict[str, Any], path: tuple[Any, ...], op: str, value: Any, other: Any) -> None:
    parent: Any = doc
    for key in path[:-1]:
        parent = parent[key]
    key = path[-1]
    if op == "delete":
        del parent[key]
    elif op == "replace":
        parent[key] = value
    elif op == "unknown_key":
        target = parent[key]
        if isinstance(target, dict):
            target[f"x_{other}"] = value
        else:
            parent[key] = {"unexpected": value}
    elif op == "negative":
        current = parent[key]
        if isinstance(current, int | float) and not isinstance(current, bool):
            parent[key] = -abs(current) - 1
    elif op == "huge":
        parent[key] = 1e308
    elif op == "swap":
        parent[key] = str(other)


@pytest.fixture(scope="module")
def mutant_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the shipped scenarios; each example mutates one file and restores it afterwards."""
    work = tmp_path_factory.mktemp("mutants")
    shutil.copytree(SHIPPED, work, dirs_exist_ok=True)
    return work


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    file_index=st.integers(min_value=0, max_value=len(SHIPPED_FILES) - 1),
    path_index=st.integers(min_value=0),
    op=st.sampled_from(["delete", "replace", "unknown_key", "negative", "huge", "swap"]),
    value=ODD_VALUES,
    other=st.sampled_from(["RUS", "xol", "scheme:none", "peril:x", "quota_share", "BALTIC", "nan"]),
)
def test_random_mutations_never_crash(
    mutant_dir: Path,
    run_cli: Callable[..., tuple[int, str, str]],
    file_index: int,
    path_index: int,
    op: str,
    value: Any,
    other: Any,
) -> None:
    """Any single mutation of a shipped file is judged valid (0) or invalid (2), never a crash.

    The mutated file is validated, and so is spill_stress.yaml, which reads rv_pool.yaml, baseline.yaml and
    the portfolio: a mutation of a parent or of the portfolio is seen through a child too.
    """
    rel = SHIPPED_FILES[file_index]
    doc = yaml.safe_load((SHIPPED / rel).read_text())
    paths = _paths(doc)
    _mutate(doc, paths[path_index % len(paths)], op, value, other)
    (mutant_dir / rel).write_text(yaml.safe_dump(doc, allow_unicode=True))
    try:
        code, out, err = run_cli("validate", mutant_dir / rel, mutant_dir / "spill_stress.yaml")
    finally:
        shutil.copyfile(SHIPPED / rel, mutant_dir / rel)
    assert code in (0, 2), err
    assert "Traceback" not in out + err
    assert "error:" not in err


@pytest.mark.parametrize(
    ("contract", "materiality", "ok"),
    [
        # a cedant share by zone without a default: the largest share any event gets is 0.25 → bound 1.25
        (
            {"source": "hm_tanker_western", "cedant_share": {"by": "zone", "shares": {"BALTIC": 0.25}}},
            5,
            True,
        ),
        (
            {"source": "hm_tanker_western", "cedant_share": {"by": "zone", "shares": {"BALTIC": 0.5}}},
            5,
            False,
        ),
        # the GXL sees nothing of an event below the club retention (10), so a layer from 0 is exact...
        ({"source": "ig_gxl_layer1", "attachment_usd_m": 0}, 5, True),
        # ... unless the materiality threshold lies above the retention
        ({"source": "ig_gxl_layer1", "attachment_usd_m": 0}, 20, False),
        ({"source": "ig_club_retention", "attachment_usd_m": 4}, 5, False),
        ({"source": "ig_club_retention", "type": "quota_share", "attachment_usd_m": 0}, 5, True),
        # a quota share's per-event limit must hold what an attritional event cedes (they are ceded in
        # aggregate, without it): 5 × 0.5 = 2.5 here
        ({"source": "owner", "type": "quota_share", "limit_usd_m": 2, "cedant_share": 0.5}, 5, False),
        ({"source": "owner", "type": "quota_share", "limit_usd_m": 2.5, "cedant_share": 0.5}, 5, True),
        ({"source": "peril:p", "type": "quota_share", "limit_usd_m": 0.1}, 5, True),
    ],
)
def test_xol_materiality_check_rejects_only_what_could_miss_losses(contract, materiality, ok):
    """An XoL must attach at or above what an event under the materiality threshold can cede to it."""
    from riskmodel.scenario import checks

    terms = {"type": "xol", "attachment_usd_m": 2, "limit_usd_m": 50, **contract}
    doc = {"simulation": {"materiality_usd_m": materiality}, "portfolio": {"contracts": {"c": terms}}}
    problems = checks.check_xol_above_materiality(doc, checks.default_world_codes())
    assert (not problems) == ok, problems
