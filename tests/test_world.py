"""World reference data: loads, validates, reconciles with the fleet, and states the conventions' facts."""

from __future__ import annotations

import math
import os
import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.special import ndtr

from riskmodel.world import (
    DATA_DIR,
    World,
    WorldDataError,
    fit_productivity,
    load_world,
    loader,
    parse_mix,
    reference_incident_counts,
    sanctioned_gt_share,
    sanctioned_volume_share,
)

SDR_USD = 1.366


@pytest.fixture(scope="module")
def world() -> World:
    return load_world()


# ------------------------------------------------------------------------------------------------
# Loading and validation
# ------------------------------------------------------------------------------------------------
def test_loads_validates_and_is_cached(world: World) -> None:
    """The files are read once; each call gets its own copy of what was read (edited below)."""
    assert isinstance(world, World)
    read = loader._load_cached.cache_info()
    again = load_world()
    assert loader._load_cached.cache_info().misses == read.misses  # (not read again)
    assert again is not world and again.states is not world.states and again.severity is not world.severity
    pd.testing.assert_frame_equal(again.trades, world.trades)
    assert again.severity == world.severity
    assert world.states.index.name == "iso3"
    assert world.zones.index.name == "zone"
    assert world.segments.index.name == "segment"
    assert world.trades.index.name == "trade"
    assert world.incident_types.index.name == "type"
    assert isinstance(world.ig, dict) and isinstance(world.severity, dict)


def test_all_iso_3166_alpha3_codes(world: World) -> None:
    """All 249 ISO 3166-1 codes (states and territories), so scenario codes can be checked."""
    assert len(world.states) == 249
    assert all(len(c) == 3 and c.isupper() and c.isalpha() for c in world.state_codes)
    for code in ("RUS", "VEN", "IRN", "GAB", "CMR", "COK", "PLW", "HKG", "TWN", "GIB", "ATA", "NAM"):
        assert code in world.states.index
    # 'NAM' (Namibia) must not be read as a missing value
    assert world.states.at["NAM", "name"] == "Namibia"


def test_every_value_has_a_source(world: World) -> None:
    for name in ("states", "zones", "segments", "trades", "incident_types"):
        table = getattr(world, name)
        assert table["source"].str.len().min() > 10, name


def test_every_mix_sums_to_one(world: World) -> None:
    for name, row, value in (
        ("trade_segments", "trade", "share"),
        ("trade_zones", "trade", "share"),
        ("trade_flags", "trade", "share"),
        ("zone_coastal", "zone", "weight"),
    ):
        sums = getattr(world, name).groupby(row)[value].sum()
        assert np.allclose(sums.to_numpy(), 1.0, atol=1e-9), name
        rows = world.trades.index if row == "trade" else world.zones.index
        assert set(sums.index) == set(rows), name
        assert np.allclose(world.mix_matrix(name).sum(axis=1).to_numpy(), 1.0, atol=1e-9), name
    cover = world.trades[["cover_ig", "cover_western_fixed", "cover_domestic", "cover_none"]].sum(axis=1)
    assert np.allclose(cover.to_numpy(), 1.0, atol=1e-9)
    causes = world.incident_types[["cause_marine", "cause_war", "cause_sabotage"]].sum(axis=1)
    assert np.allclose(causes.to_numpy(), 1.0, atol=1e-9)


def test_every_referenced_code_exists(world: World) -> None:
    states = set(world.state_codes)
    assert set(world.trade_segments["segment"]) <= set(world.segment_codes)
    assert set(world.trade_zones["zone"]) <= set(world.zone_codes)
    assert set(world.trade_flags["flag"]) <= states
    assert set(world.zone_coastal["iso3"]) <= states
    assert set(world.trades["origin"]) <= states and set(world.trades["destination"]) <= states
    assert set(world.states["sovereign"]) <= states
    for col in world.incident_types["zone_factor_column"]:
        assert col == "none" or col in world.zones.columns
    assert set(world.severity["wreck_removal"]["zone_factor"]) == set(world.zone_codes)
    assert set(world.ig["excess_war_pi"]["excluded_coastal_states"]) <= states


def test_probabilities_and_counts_in_range(world: World) -> None:
    it = world.incident_types
    for col in ("p_spill_laden", "p_spill_ballast", "p_total_loss"):
        assert it[col].between(0, 1).all()
    assert (it["p_spill_laden"] >= it["p_spill_ballast"]).all()
    assert world.zones["enforcement"].between(0, 1).all()
    assert (world.segments["count"] > 0).all()
    assert world.trades["productivity"].between(0, 1, inclusive="right").all()
    assert world.trades["laden_share"].between(0, 1).all()


def test_expected_zones_segments_and_types(world: World) -> None:
    for z in (
        "BALTIC",
        "NORTH_SEA",
        "ATLANTIC_EUROPE",
        "MEDITERRANEAN",
        "BLACK_SEA",
        "RED_SEA",
        "GULF",
        "ARABIAN_SEA",
        "MALACCA",
        "CHINA_COAST",
        "NE_ASIA",
        "CARIBBEAN",
        "US_GULF",
        "WEST_AFRICA",
        "OPEN_OCEAN",
    ):
        assert z in world.zones.index
    assert world.segment_codes == ("VLCC", "SUEZMAX", "AFRAMAX", "PANAMAX", "MR", "HANDY")
    assert set(world.incident_type_codes) == {
        "collision",
        "grounding",
        "fire_explosion",
        "machinery",
        "infrastructure",
        "war",
        "seizure",
    }
    assert set(world.trades["oil_type"]) <= set(loader.OIL_TYPES)
    assert set(world.trades["price_cap"]) <= set(loader.PRICE_CAPS)


# ------------------------------------------------------------------------------------------------
# Fleet reconciliation and the productivity fit (MODEL.md 2.1)
# ------------------------------------------------------------------------------------------------
SEGMENT_TOLERANCE = 0.15  # per segment
TOTAL_TOLERANCE = 0.05  # whole fleet


def test_fleet_defaults_of_model_2_1(world: World) -> None:
    expected = {
        "VLCC": (900, 160_000),
        "SUEZMAX": (650, 81_000),
        "AFRAMAX": (1_150, 58_000),
        "PANAMAX": (450, 42_000),
        "MR": (2_050, 29_000),
        "HANDY": (2_400, 15_000),
    }
    for seg, (count, gt) in expected.items():
        assert world.segments.at[seg, "count"] == count
        assert world.segments.at[seg, "mean_gt"] == gt
    assert world.segments["count"].sum() == 7_600


def test_trades_reconcile_with_fleet_counts(world: World) -> None:
    """Vessel-years of the trades by segment match the fleet within ±15%, the total within ±5%."""
    vy = world.vessel_years_by_segment()
    fleet = world.segments["count"].astype(float)
    ratio = vy / fleet
    assert ratio.between(1 - SEGMENT_TOLERANCE, 1 + SEGMENT_TOLERANCE).all(), ratio.round(3).to_dict()
    assert abs(vy.sum() / fleet.sum() - 1) <= TOTAL_TOLERANCE


def test_vessel_years_formula(world: World) -> None:
    t = world.trades.loc["VEN_CRUDE_CHN"]
    s = world.segments.loc["AFRAMAX"]
    expected = (
        t["volume_mt_per_year"] * 1e6 * 0.96 / (s["cargo_t"] * t["voyages_per_year"] * t["productivity"])
    )
    row = world.vessel_years.query("trade == 'VEN_CRUDE_CHN' and segment == 'AFRAMAX'")
    assert row["vessel_years"].item() == pytest.approx(expected)
    assert row["gt_years"].item() == pytest.approx(expected * s["mean_gt"])


def test_voyages_per_year_follow_the_route_formula(world: World) -> None:
    """voyages = 365 × 0.82 / (laden_nm × (1 + ballast_ratio) / (11 kn × 24) + port_days), 2 decimals."""
    t = world.trades
    days = t["laden_distance_nm"] * (1 + t["ballast_ratio"]) / (11.0 * 24) + t["port_days"]
    assert np.allclose(t["voyages_per_year"], 365 * 0.82 / days, atol=0.006)


def test_seaborne_volumes(world: World) -> None:
    """Crude about 2bn t, products (incl. fuel oil) about 1.1bn t a year (SCENARIOS.md)."""
    t = world.trades
    crude = t.loc[t["oil_type"] == "crude", "volume_mt_per_year"].sum()
    products = t.loc[t["oil_type"].isin(["products", "fuel_oil"]), "volume_mt_per_year"].sum()
    assert crude == pytest.approx(2_000, rel=0.05)
    assert products == pytest.approx(1_100, rel=0.05)


def test_sanctioned_shares_of_volume_and_tonnage(world: World) -> None:
    """Sanctioned trades: ~13% of seaborne oil, ~18% of tanker GT (the productivity fit)."""
    assert sanctioned_volume_share(world) == pytest.approx(0.13, abs=0.01)
    assert sanctioned_gt_share(world) == pytest.approx(0.18, abs=0.002)


def test_productivity_is_one_fitted_factor(world: World) -> None:
    t = world.trades
    sanctioned = t[t["sanctioned"] == 1]
    mainstream = t[t["sanctioned"] == 0]
    assert (mainstream["productivity"] == 1.0).all()
    assert (sanctioned["productivity"] < 1.0).all()
    p_star = fit_productivity(world, 0.18)
    assert np.allclose(sanctioned["productivity"], p_star * sanctioned["productivity_relative"], atol=6e-4)
    # a higher target share needs less productive sanctioned trades
    assert fit_productivity(world, 0.20) < p_star < fit_productivity(world, 0.16)
    # refitting to the data's own share returns the data's factor
    assert fit_productivity(world, sanctioned_gt_share(world)) == pytest.approx(p_star, rel=1e-3)


def test_sanctioned_flows_present(world: World) -> None:
    t = world.trades
    s = t[t["sanctioned"] == 1]
    assert set(s["origin"]) == {"RUS", "IRN", "VEN"}
    assert {"IND", "CHN", "TUR"} <= set(s.loc[s["origin"] == "RUS", "destination"])
    assert set(s.loc[s["origin"] == "RUS", "price_cap"]) == {"crude", "products"}
    assert (t.loc[t["sanctioned"] == 0, "price_cap"] == "none").all()
    ven = parse_mix(t.at["VEN_CRUDE_CHN", "segment_mix"])
    assert ven["AFRAMAX"] == pytest.approx(0.96)
    baltic = world.trade_zones.query("zone == 'BALTIC'")["trade"]
    assert "RUS_BALTIC_CRUDE" in set(baltic)
    # reference cover before sanctions responses: Russian trades mostly IG, Iran/Venezuela mostly shadow
    assert (t.loc[t["origin"] == "RUS", "cover_ig"] >= 0.5).all()
    for tid in ("IRN_CRUDE_CHN", "VEN_CRUDE_CHN"):
        assert t.at[tid, "cover_domestic"] + t.at[tid, "cover_none"] >= 0.8
    # shadow tonnage older (about 20 years against 15)
    assert (t.loc[t["sanctioned"] == 1, "mean_age_shadow"] >= 19).all()


# ------------------------------------------------------------------------------------------------
# Conventions, blocs, flags (FACTS.md)
# ------------------------------------------------------------------------------------------------
EU_COASTAL = (
    "BEL",
    "BGR",
    "HRV",
    "CYP",
    "DNK",
    "EST",
    "FIN",
    "FRA",
    "DEU",
    "GRC",
    "IRL",
    "ITA",
    "LVA",
    "LTU",
    "MLT",
    "NLD",
    "POL",
    "PRT",
    "ROU",
    "SVN",
    "ESP",
    "SWE",
)


def test_supplementary_fund_about_32_parties(world: World) -> None:
    """About 32 states (FACTS); territories do not count as parties."""
    n = int(world.sovereign_states()["supp"].sum())
    assert 29 <= n <= 35
    for iso in ("GBR", "NOR", "JPN", "CAN", "AUS", "FRA", "DEU", "ESP", "ITA", "GRC", "DNK", "FIN", "SWE"):
        assert world.states.at[iso, "supp"] == 1, iso


def test_korea_is_a_supplementary_fund_party_today(world: World) -> None:
    """Korea joined the Supplementary Fund in 2010, after Hebei Spirit (2007): today's status is 1."""
    assert world.states.loc["KOR", ["clc92", "fund92", "supp"]].tolist() == [1, 1, 1]


def test_usa_opa_only_and_china_clc_without_fund(world: World) -> None:
    assert world.states.loc["USA", ["clc92", "fund92", "supp", "opa"]].tolist() == [0, 0, 0, 1]
    assert world.states.loc["CHN", ["clc92", "fund92"]].tolist() == [1, 0]
    assert world.states.loc["HKG", ["clc92", "fund92"]].tolist() == [1, 1]
    assert world.states["opa"].sum() == (world.states["sovereign"] == "USA").sum()


def test_major_states_conventions(world: World) -> None:
    for iso in ("RUS", "IND", "VEN", "IRN", "TUR"):
        assert world.states.loc[iso, ["clc92", "fund92"]].tolist() == [1, 1], iso
    for iso in (*EU_COASTAL, "GBR", "NOR", "JPN", "KOR", "CAN", "AUS"):
        assert world.states.at[iso, "clc92"] == 1, iso
    sov = world.sovereign_states()
    assert 135 <= sov["clc92"].sum() <= 155  # about 140 states (FACTS)
    assert 110 <= sov["fund92"].sum() <= 125  # about 120
    assert not ((world.states["fund92"] == 1) & (world.states["clc92"] == 0)).any()
    assert not ((world.states["supp"] == 1) & (world.states["fund92"] == 0)).any()


def test_blocs_sanctions_and_flags(world: World) -> None:
    assert len(world.states_in_bloc("EU")) - 7 == 27  # 27 members + 7 outermost regions/Aland
    assert set(world.states_in_bloc("G7")) == {"CAN", "FRA", "DEU", "ITA", "JPN", "GBR", "USA"}
    assert "UK" in world.state_blocs("GBR") and "US" in world.state_blocs("USA")
    for iso in ("RUS", "IRN", "PRK", "BLR"):
        assert set(world.sanctioned_by(iso)) == {"EU", "UK", "US"}, iso
    assert world.sanctioned_by("VEN") == ("US",) and world.sanctioned_by("CUB") == ("US",)
    assert set(world.states.index[world.states["sanctioned_by"] != ""]) == {
        "RUS",
        "BLR",
        "IRN",
        "PRK",
        "VEN",
        "CUB",
    }
    assert world.states.index[world.states["statutory_env_damage"] == 1].tolist() == ["RUS"]
    for iso in ("GAB", "CMR", "COM", "SLE", "COK", "PLW"):
        assert world.states.at[iso, "shadow_flag"] == 1, iso
    for iso in ("PAN", "LBR", "MHL", "GRC", "NOR"):
        assert world.states.at[iso, "shadow_flag"] == 0, iso
    assert set(world.bloc_codes) >= {"EU", "UK", "US", "G7", "BRICS"}


# ------------------------------------------------------------------------------------------------
# Zones
# ------------------------------------------------------------------------------------------------
def test_zone_factors_average_one_over_vessel_time(world: World) -> None:
    """Collision, grounding and war factors are normalised: 1 = fleet-time-weighted world average."""
    vt = world.zone_vessel_time()
    assert vt.sum() == pytest.approx(1.0)
    for col in ("collision_factor", "grounding_factor", "war_risk"):
        assert float((world.zones[col] * vt).sum()) == pytest.approx(1.0, abs=0.01), col


def test_zone_levels(world: World) -> None:
    z = world.zones
    assert z.loc[["BALTIC", "NORTH_SEA"], "infrastructure_at_risk"].tolist() == [1, 1]
    for hot in ("RED_SEA", "BLACK_SEA", "GULF"):
        assert z.at[hot, "war_risk"] > 2, hot
    assert z.loc[["BALTIC", "NORTH_SEA"], "enforcement"].min() >= 0.5
    assert (
        z.at["OPEN_OCEAN", "pollution_cost_usd_per_t"] < z.at["ATLANTIC_EUROPE", "pollution_cost_usd_per_t"]
    )
    assert 50_000 <= z.at["ATLANTIC_EUROPE", "pollution_cost_usd_per_t"] <= 200_000  # order of 100k for EU
    # an event in the Baltic can fall on Russia, whose statutory damages differ
    assert "RUS" in set(world.zone_coastal.query("zone == 'BALTIC'")["iso3"])


# ------------------------------------------------------------------------------------------------
# IG and severity
# ------------------------------------------------------------------------------------------------
def test_ig_structures(world: World) -> None:
    s25 = world.ig_structure("2025/26")
    assert s25["club_retention"] == 10 and s25["pool_top"] == 100
    assert [(x["attachment"], x["limit"]) for x in s25["layers"]] == [(100, 650), (750, 750), (1500, 600)]
    assert s25["layers"][0]["open_market_share"] == 0.75
    assert s25["overspill_attachment"] == 2100 and s25["hydra_aad"] == 107.1 and s25["pollution_cap"] == 1000
    s26 = world.ig_structure(2026)
    assert s26["layers"][2]["limit"] == 850 and s26["overspill_attachment"] == 2350
    assert s26["layers"][0]["open_market_share"] == 0.725
    assert world.ig_structure(2030) is s26 and world.ig_structure(2020) is s25
    assert world.ig["excess_war_pi"]["limit"] == 500
    assert world.ig["excess_war_pi"]["buyback_limit"] == {"2025/26": 100, "2026/27": 125}


def test_ig_gxl_rate_and_background(world: World) -> None:
    rate = world.ig["gxl_rates_usd_per_gt"]["2024/25"]["dirty_tanker"]
    assert 160_000 * rate == pytest.approx(99_000, rel=0.01)  # FACTS: a VLCC pays about USD 99k
    bg = world.ig["background"]
    sev = bg["severity"]
    assert 15 <= bg["frequency_per_year"] <= 25
    gxl_claims = bg["frequency_per_year"] * (sev["threshold"] / 100.0) ** sev["alpha"]
    assert 0.5 <= gxl_claims <= 1.0  # a claim above USD 100m once every one or two years


def test_spill_size_distribution_matches_itopf_ratio(world: World) -> None:
    s = world.severity["spill"]["size_given_spill"]
    med, sig = s["median_t"], s["sigma"]
    p7 = ndtr((math.log(med) - math.log(7)) / sig)
    p700 = ndtr((math.log(med) - math.log(700)) / sig)
    assert p700 / p7 == pytest.approx(0.30, abs=0.01)


def _median_damage_usd_m(world: World, zone: str, oil_type: str, tonnes: float) -> float:
    c = world.zones.at[zone, "pollution_cost_usd_per_t"]
    b = world.severity["pollution"]["damage_exponent"]
    f = world.severity["spill"]["oil_type_factor"][oil_type]
    return c * 1000 * (tonnes / 1000) ** b * f / 1e6


def test_damage_anchors_starting_values(world: World) -> None:
    """Starting c_zone: fit anchors within a factor 1.6, Nakhodka within 2, Hebei Spirit above 203m SDR."""
    anchors = world.severity["pollution"]["anchors"]
    for name in ("erika", "prestige", "agia_zoni_ii"):
        a = anchors[name]
        model = _median_damage_usd_m(world, a["zone"], a["oil_type"], a["spill_t"])
        assert 1 / 1.6 <= model / a["damage_usd_m_2025"] <= 1.6, name
    n = anchors["nakhodka"]
    assert (
        0.5 <= _median_damage_usd_m(world, "NE_ASIA", "fuel_oil", n["spill_t"]) / n["damage_usd_m_2025"] <= 2
    )
    assert _median_damage_usd_m(world, "NE_ASIA", "crude", 10_900) > 203 * SDR_USD
    assert world.severity["pollution"]["damage_exponent"] == 0.73
    assert world.severity["pollution"]["sigma"] == 0.9


def test_reference_incident_counts_near_itopf(world: World) -> None:
    """At age 15 and class factor 1 the rate table gives ITOPF-like counts before the shadow fleet's
    higher factors: spills >= 7 t about 4.5-7 a year, large 1-2.5; collisions + groundings ~59% of large."""
    c = reference_incident_counts(world)
    assert 4.5 <= c["marine_spills"].sum() <= 7.0
    assert 1.0 <= c["large_spills"].sum() <= 2.5
    share = c.loc[["collision", "grounding"], "large_spills"].sum() / c["large_spills"].sum()
    assert share == pytest.approx(0.59, abs=0.05)
    assert 1.0 <= c["total_losses"].sum() <= 4.0
    assert c.loc["infrastructure", "marine_spills"] == 0


def test_hull_value_by_age(world: World) -> None:
    assert world.hull_value_usd_m("VLCC", 15) == pytest.approx(
        world.segments.at["VLCC", "hull_value_usd_m"], abs=0.06
    )
    assert world.hull_value_usd_m("VLCC", 20) < world.hull_value_usd_m("VLCC", 15)
    assert world.hull_value_usd_m("HANDY", 60) == world.segments.at["HANDY", "scrap_value_usd_m"]


# ------------------------------------------------------------------------------------------------
# Did-you-mean and error messages
# ------------------------------------------------------------------------------------------------
def test_suggest_state(world: World) -> None:
    assert world.suggest_state("RUS") == ["RUS"]
    assert world.suggest_state("rus") == ["RUS"]
    assert world.suggest_state("RUSS")[0] == "RUS"
    assert world.suggest_state("Germany")[0] == "DEU"
    assert world.suggest_state("UK")[0] == "GBR"
    assert world.suggest_state("GER")[0] == "DEU"
    assert world.suggest_state("Venezuela")[0] == "VEN"
    assert "IRN" in world.suggest_state("IRA")
    with pytest.raises(ValueError, match=r"unknown state code 'RUSS'.*did you mean RUS"):
        world.check_state("RUSS", "scenario.yaml schemes.rv_pool.founders[0]")
    assert world.check_state("ven") == "VEN"


def _raises(world: World, match: str, **changes: object) -> WorldDataError:
    with pytest.raises(WorldDataError) as info:
        world.replace(**changes)
    assert any(re.search(match, e) for e in info.value.errors), info.value.errors
    return info.value


def test_errors_name_file_line_and_column(world: World) -> None:
    trades = world.trades.copy()
    trades.loc["VEN_CRUDE_CHN", "segment_mix"] = "AFRAMAX:0.9;VLCC:0.04"
    _raises(
        world,
        r"trades\.csv line 9 \(VEN_CRUDE_CHN\), column segment_mix: weights sum to 0\.94",
        trades=trades,
    )

    trades = world.trades.copy()
    trades.loc["IRN_CRUDE_CHN", "flag_mix"] = trades.loc["IRN_CRUDE_CHN", "flag_mix"].replace("IRN:", "IRNN:")
    _raises(
        world,
        r"trades\.csv line 8 \(IRN_CRUDE_CHN\), column flag_mix: unknown state 'IRNN'.*did you mean IRN",
        trades=trades,
    )

    zones = world.zones.copy()
    zones.loc["BALTIC", "enforcement"] = 1.5
    _raises(world, r"zones\.csv line 2 \(BALTIC\), column enforcement: must be a probability", zones=zones)

    segments = world.segments.copy()
    segments.loc["MR", "count"] = 0
    _raises(world, r"segments\.csv line 6 \(MR\), column count: must be positive", segments=segments)

    types = world.incident_types.copy()
    types.loc["war", "p_spill_laden"] = -0.1
    _raises(world, r"incident_types\.csv line 7 \(war\), column p_spill_laden", incident_types=types)

    trades = world.trades.copy()
    trades.loc["GULF_CRUDE_CHN", "zone_mix"] = trades.loc["GULF_CRUDE_CHN", "zone_mix"].replace(
        "GULF:", "PERSIAN:"
    )
    _raises(world, r"column zone_mix: unknown zone 'PERSIAN'", trades=trades)

    ig = dict(world.ig)
    ig["background"] = {**ig["background"], "pollution_share": 2}
    _raises(world, r"ig\.yaml key background\.pollution_share", ig=ig)


def test_replace_keeps_a_valid_world(world: World) -> None:
    zones = world.zones.copy()
    zones.loc["RED_SEA", "war_risk"] = 1.0
    w2 = world.replace(zones=zones)
    assert w2.zones.at["RED_SEA", "war_risk"] == 1.0
    assert world.zones.at["RED_SEA", "war_risk"] > 1.0  # the cached world is untouched
    pd.testing.assert_frame_equal(w2.vessel_years, world.vessel_years)


def test_replace_gives_a_world_independent_of_its_source() -> None:
    """`replace()`, with or without tables, copies the nested ig/severity dicts: an edit in place of
    either World's nested dict leaves the other as it is (docs/world-data.md, Editing a World)."""
    w = load_world()
    sigma = w.severity["spill"]["size_given_spill"]["sigma"]
    same, other_zones = w.replace(), w.replace(zones=w.zones.copy())
    w.severity["spill"]["size_given_spill"]["sigma"] = 2 * sigma
    w.ig["excess_war_pi"]["excluded_coastal_states"].append("USA")
    for derived in (same, other_zones):
        assert derived.severity["spill"]["size_given_spill"]["sigma"] == sigma
        assert "USA" not in derived.ig["excess_war_pi"]["excluded_coastal_states"]
    same.severity["spill"]["size_given_spill"]["sigma"] = 3 * sigma
    assert w.severity["spill"]["size_given_spill"]["sigma"] == 2 * sigma


def test_load_world_gives_each_caller_a_world_of_its_own() -> None:
    """Edits of one `load_world()` reach neither another caller's World nor a later `load_world()`."""
    mine, theirs = load_world(), load_world()
    assert mine is not theirs
    usa = theirs.states.at["USA", "clc92"]
    sigma = theirs.severity["spill"]["size_given_spill"]["sigma"]
    mine.states.loc["USA", "clc92"] = 1 - usa
    mine.severity["spill"]["size_given_spill"]["sigma"] = 2 * sigma
    mine.ig["excess_war_pi"]["excluded_coastal_states"].append("USA")
    mine.vessel_years.loc[0, "vessel_years"] = -1.0
    for other in (theirs, load_world()):
        assert other.states.at["USA", "clc92"] == usa
        assert other.severity["spill"]["size_given_spill"]["sigma"] == sigma
        assert "USA" not in other.ig["excess_war_pi"]["excluded_coastal_states"]
        assert other.vessel_years.loc[0, "vessel_years"] > 0


def test_replace_with_nothing_validates_and_derives_an_edit_in_place() -> None:
    """An edit in place is neither validated nor derived (docs/world-data.md, Editing a World);
    `replace()` does both, keeping the World's source."""
    w = load_world()
    trade = "GULF_CRUDE_CHN"
    rows = w.vessel_years["trade"] == trade
    before = w.vessel_years.loc[rows, "vessel_years"].to_numpy().copy()
    w.trades.loc[trade, "volume_mt_per_year"] *= 2.0
    np.testing.assert_array_equal(w.vessel_years.loc[rows, "vessel_years"], before)  # (not derived)
    again = w.replace()
    assert again.source == w.source
    np.testing.assert_allclose(again.vessel_years.loc[rows, "vessel_years"], 2.0 * before, rtol=1e-12)
    w.trades.loc[trade, "zone_mix"] = "GULF:0.5"
    with pytest.raises(
        WorldDataError, match=r"trades\.csv line \d+ \(GULF_CRUDE_CHN\), column zone_mix: weights"
    ):
        w.replace()


def test_broken_file_on_disk_is_named(tmp_path: Path, world: World) -> None:
    for f in DATA_DIR.iterdir():
        if f.suffix in (".csv", ".yaml"):
            shutil.copy(f, tmp_path / f.name)
    assert load_world(tmp_path).state_codes == world.state_codes
    text = (tmp_path / "states.csv").read_text(encoding="utf-8").replace("\nRUS,", "\nRUZZ,", 1)
    (tmp_path / "states.csv").write_text(text, encoding="utf-8")
    (tmp_path / "sub").mkdir()
    for f in tmp_path.iterdir():
        if f.is_file():
            shutil.copy(f, tmp_path / "sub" / f.name)
    with pytest.raises(WorldDataError, match=r"states\.csv line \d+ \(RUZZ\), column iso3"):
        load_world(tmp_path / "sub")
    (tmp_path / "sub" / "ig.yaml").unlink()
    with pytest.raises(WorldDataError, match=r"ig\.yaml: file not found"):
        load_world(tmp_path / "sub")


def test_parse_mix_errors() -> None:
    assert parse_mix("A:0.5;B:0.5;") == {"A": 0.5, "B": 0.5}
    for bad, msg in (
        ("A0.5", "not KEY:weight"),
        ("A:x", "not a number"),
        ("A:0.5;A:0.5", "twice"),
        ("", "empty"),
    ):
        with pytest.raises(ValueError, match=msg):
            parse_mix(bad)


# ------------------------------------------------------------------------------------------------
# Reading a folder: files edited on disk, and what is wrong with a file said plainly
# ------------------------------------------------------------------------------------------------
def _data_copy(tmp_path: Path) -> Path:
    """A copy of the package's world data files in a folder of their own."""
    folder = tmp_path / "data"
    folder.mkdir()
    for f in DATA_DIR.iterdir():
        if f.suffix in (".csv", ".yaml"):
            shutil.copy(f, folder / f.name)
    return folder


def _edit(path: Path, old: str, new: str) -> None:
    """Replace `old` (once) in a text file and move its modification time on by a second, so that an edit
    of the same size, within the file system's clock tick, is seen as a new version too."""
    text = path.read_text(encoding="utf-8")
    assert old in text
    before = path.stat().st_mtime_ns
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    os.utime(path, ns=(before + 10**9, before + 10**9))


def _problems(folder: Path) -> list[str]:
    with pytest.raises(WorldDataError) as info:
        load_world(folder)
    return info.value.errors


def test_a_file_edited_on_disk_is_read_again(tmp_path: Path) -> None:
    """Within one process, `load_world(folder)` follows the files: an edit to a valid value gives the new
    value, an edit to an invalid one the loader's error, and an unchanged folder is not read again."""
    folder = _data_copy(tmp_path)
    zones = folder / "zones.csv"
    assert load_world(folder).zones.at["BALTIC", "enforcement"] == 0.8
    _edit(zones, ",0.8,", ",0.7,")  # (the same size: only the modification time tells)
    assert load_world(folder).zones.at["BALTIC", "enforcement"] == 0.7
    _edit(zones, ",0.7,", ",1.7,")
    assert _problems(folder) == [
        "zones.csv line 2 (BALTIC), column enforcement: must be a probability in [0, 1], got '1.7'"
    ]
    _edit(zones, ",1.7,", ",0.65,")
    assert load_world(folder).zones.at["BALTIC", "enforcement"] == 0.65
    read = loader._load_cached.cache_info()
    assert load_world(folder).zones.at["BALTIC", "enforcement"] == 0.65
    assert loader._load_cached.cache_info().misses == read.misses


@pytest.mark.parametrize("name", ["segments.csv", "trades.csv", "incident_types.csv", "states.csv"])
def test_an_empty_file_is_named(tmp_path: Path, name: str) -> None:
    folder = _data_copy(tmp_path)
    (folder / name).write_bytes(b"")
    assert _problems(folder) == [f"{name}: the file is empty"]


def test_a_count_that_is_not_a_whole_number_is_refused(tmp_path: Path) -> None:
    """`segments.count` is a number of ships: 900.5 is named (file, line, code, column), not cut to 900."""
    folder = _data_copy(tmp_path)
    _edit(folder / "segments.csv", "\nVLCC,900,", "\nVLCC,900.5,")
    assert _problems(folder) == [
        "segments.csv line 2 (VLCC), column count: must be a whole number, got '900.5'"
    ]


def test_a_missing_folder_is_one_problem(tmp_path: Path) -> None:
    assert _problems(tmp_path / "nowhere") == [f"world data folder {tmp_path / 'nowhere'}: no such folder"]
    (tmp_path / "afile").write_text("x", encoding="utf-8")
    assert _problems(tmp_path / "afile") == [
        f"world data folder {tmp_path / 'afile'}: is a file, not a folder"
    ]


def test_a_folder_in_place_of_a_file_is_said_to_be_one(tmp_path: Path) -> None:
    folder = _data_copy(tmp_path)
    (folder / "zones.csv").unlink()
    (folder / "zones.csv").mkdir()
    (folder / "ig.yaml").unlink()
    assert _problems(folder) == [
        f"zones.csv: is a folder in {folder}, not a file",
        f"ig.yaml: file not found in {folder}",
    ]


def test_a_misspelt_column_gets_a_did_you_mean(tmp_path: Path) -> None:
    folder = _data_copy(tmp_path)
    _edit(folder / "states.csv", ",sovereign,", ",sovreign,")
    _edit(folder / "segments.csv", ",mean_gt,", ",tonnage,")  # (nothing close: no guess)
    assert _problems(folder) == [
        "states.csv: missing column(s) sovereign (the file has a column 'sovreign': did you mean sovereign?)",
        "segments.csv: missing column(s) mean_gt",
    ]


def test_a_file_that_is_not_utf8_names_the_line(tmp_path: Path) -> None:
    """A Latin-1 'é' in states.csv (line 41) and in severity.yaml (line 3): the line and column where the
    text stops being UTF-8, not a position in pandas' buffer (nor a traceback, for the YAML)."""
    folder = _data_copy(tmp_path)
    for name, line in (("states.csv", 41), ("severity.yaml", 3)):
        rows = (folder / name).read_bytes().split(b"\n")
        rows[line - 1] = b"\xe9" + rows[line - 1]
        (folder / name).write_bytes(b"\n".join(rows))
    assert _problems(folder) == [
        "states.csv line 41, column 1: byte 0xe9 is not UTF-8 text (save the file as UTF-8)",
        "severity.yaml line 3, column 1: byte 0xe9 is not UTF-8 text (save the file as UTF-8)",
    ]
