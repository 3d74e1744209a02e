"""The world's YAML files as pydantic models (riskmodel/world/schema.py): every key known, an unknown one
refused with the keys allowed there and a did-you-mean, every problem of a file reported together in the
loader's words (file, key path, what is wrong, the value), never pydantic's."""

from __future__ import annotations

import copy
import shutil
from pathlib import Path
from typing import Any, get_args

import pytest
import yaml

from riskmodel.world import DATA_DIR, OIL_TYPES, World, WorldDataError, load_world
from riskmodel.world.schema import (
    IgFile,
    OilType,
    OilTypeFactor,
    RateClassByOilType,
    SeverityFile,
    yaml_problems,
)


@pytest.fixture(scope="module")
def world() -> World:
    return load_world()


def _shipped(name: str) -> dict[str, Any]:
    return yaml.safe_load((DATA_DIR / name).read_text(encoding="utf-8"))


@pytest.fixture
def ig() -> dict[str, Any]:
    return _shipped("ig.yaml")


@pytest.fixture
def sev() -> dict[str, Any]:
    return _shipped("severity.yaml")


def _errors(world: World, **changes: Any) -> list[str]:
    with pytest.raises(WorldDataError) as info:
        world.replace(**changes)
    errors = info.value.errors
    for e in errors:  # the loader's words, never pydantic's
        assert "Input should" not in e and "pydantic" not in e and "Traceback" not in e, e
    return errors


# ------------------------------------------------------------------------------------ the shipped files
def test_the_shipped_files_load_unchanged(world: World) -> None:
    """`World.ig` and `World.severity` are the files' own mappings, as `yaml.safe_load` reads them: the
    models check them and change no value."""
    assert world.ig == _shipped("ig.yaml")
    assert world.severity == _shipped("severity.yaml")
    assert isinstance(world.ig, dict) and isinstance(world.severity, dict)
    assert yaml_problems("ig.yaml", world.ig) == [] and yaml_problems("severity.yaml", world.severity) == []


def test_every_key_of_the_shipped_files_is_in_a_model() -> None:
    """Each mapping of a fixed set of keys is a model, so validating the shipped files with unknown keys
    forbidden passing means the models name every key, the reference-only ones too."""
    ig = IgFile.model_validate(_shipped("ig.yaml"))
    sev = SeverityFile.model_validate(_shipped("severity.yaml"))
    assert ig.excess_war_pi.attaches_above == "hull_war_value"
    assert ig.structures["2025/26"].passengers_crew_cap == 3000.0
    assert sev.inflation is not None and sev.inflation.fx_usd_per_unit["JPY"][1997] == 0.00826
    assert sev.pollution.anchors["kerch_2024"].damage_usd_m_2025 == [550, 940]
    assert sev.war_seizure.detention is not None and sev.war_seizure.detention.months_median == 4.0


def test_the_models_oil_types_are_the_loaders() -> None:
    """The schema cannot import the loader (the loader imports it): its oil types are checked here."""
    assert get_args(OilType) == OIL_TYPES
    assert tuple(k for k in OilTypeFactor.model_fields if k != "source") == OIL_TYPES
    assert tuple(RateClassByOilType.model_fields) == OIL_TYPES


# ------------------------------------------------------------------------------------------ unknown keys
def test_an_unknown_top_level_key_is_refused_with_a_did_you_mean(world: World, ig: dict) -> None:
    ig["backgrund"] = {"frequency_per_year": 17.0}
    assert _errors(world, ig=ig) == [
        "ig.yaml key backgrund: unknown key; allowed here: currency, policy_year_start, structures, "
        "structure_for_later_years, gxl_rates_usd_per_gt, gxl_rate_class_by_oil_type, "
        "non_tanker_entered_gt, excess_war_pi, background; did you mean background?"
    ]


def test_an_unknown_nested_key_is_refused_with_a_did_you_mean(world: World, sev: dict) -> None:
    """A misspelt key beside the right one (which the old checks did not notice) or an optional one."""
    sev["spill"]["size_given_spill"]["sigam"] = 2.0
    sev["infrastructure"]["cap_usd"] = 900.0
    assert _errors(world, severity=sev) == [
        "severity.yaml key spill.size_given_spill.sigam: unknown key; allowed here: distribution, median_t, "
        "sigma, source; did you mean sigma?",
        "severity.yaml key infrastructure.cap_usd: unknown key; allowed here: distribution, median_usd_m, "
        "sigma, cap_usd_m, source; did you mean cap_usd_m?",
    ]


def test_an_unknown_key_with_nothing_close_gets_no_guess(world: World, sev: dict) -> None:
    sev["hull"]["partial_fraction"]["notes"] = "an extra block"
    (e,) = _errors(world, severity=sev)
    assert e == (
        "severity.yaml key hull.partial_fraction.notes: unknown key; allowed here: distribution, min, max, "
        "source, by_type_beta"
    )


def test_premium_elasticity_says_where_the_setting_is(world: World, ig: dict) -> None:
    ig["premium_elasticity"] = 0.3
    (e,) = _errors(world, ig=ig)
    assert e.startswith("ig.yaml key premium_elasticity: unknown key; allowed here: currency, ")
    assert e.endswith(
        "; premium_elasticity was removed (the engine never read it): the GXL cost's elasticity is the "
        "scenario's world.gxl_elasticity, so set it there"
    )
    # the setting it names is the scenario's
    from riskmodel.scenario.schema import WorldOverrides

    assert "gxl_elasticity" in WorldOverrides.model_fields


def test_a_world_directory_with_an_extra_key_fails_to_load(tmp_path: Path) -> None:
    for f in DATA_DIR.iterdir():
        if f.suffix in (".csv", ".yaml"):
            shutil.copy(f, tmp_path / f.name)
    text = (tmp_path / "severity.yaml").read_text(encoding="utf-8")
    (tmp_path / "severity.yaml").write_text(
        text.replace("  sigma: 0.9 ", "  sigma: 0.9\n  sgima: 0.8 ", 1), encoding="utf-8"
    )
    with pytest.raises(
        WorldDataError, match=r"severity\.yaml key pollution\.sgima: unknown key; .*did you mean sigma\?"
    ):
        load_world(tmp_path)


# ------------------------------------------------------------------------------------ values and shapes
def test_a_wrong_type_deep_in_a_list_names_its_path(world: World, ig: dict) -> None:
    ig["structures"]["2025/26"]["layers"][1]["limit"] = "750"
    assert _errors(world, ig=ig) == [
        "ig.yaml key structures.2025/26.layers[1].limit: must be a number greater than 0, got '750'"
    ]


def test_a_missing_key_is_named_with_what_to_give(world: World, ig: dict, sev: dict) -> None:
    """`infrastructure.cap_usd_m` is read by the engine: the old checks let it go missing."""
    del ig["structures"]["2026/27"]["pool_top"]
    del sev["infrastructure"]["cap_usd_m"]
    assert _errors(world, ig=ig, severity=sev) == [
        "ig.yaml key structures.2026/27.pool_top: missing; give a number, at least 0",
        "severity.yaml key infrastructure.cap_usd_m: missing; give a number greater than 0",
    ]


def test_several_problems_are_reported_together(world: World, ig: dict, sev: dict) -> None:
    ig["premium_elasticity"] = 0.3
    ig["background"]["severity"]["alpha"] = True  # not a number
    ig["gxl_rates_usd_per_gt"]["2025/26"]["dry"] = -0.6
    del ig["excess_war_pi"]["limit"]
    sev["spill"]["bunker_share"] = 1.5
    sev["collision"]["blame"]["mean"] = 0.5
    sev["pollution"]["eps_median"] = 0.9
    errors = _errors(world, ig=ig, severity=sev)
    assert [e.split(":")[0] for e in errors] == [
        "ig.yaml key gxl_rates_usd_per_gt.2025/26.dry",
        "ig.yaml key excess_war_pi.limit",
        "ig.yaml key background.severity.alpha",
        "ig.yaml key premium_elasticity",
        "severity.yaml key spill.bunker_share",
        "severity.yaml key pollution.eps_median",
        "severity.yaml key collision.blame.mean",
    ]
    assert "ig.yaml key background.severity.alpha: must be a number greater than 0, got true" in errors
    assert "severity.yaml key spill.bunker_share: must be between 0 and 1, got 1.5" in errors
    assert "severity.yaml key pollution.eps_median: the median of eps must be 1, got 0.9" in errors


def test_reference_keys_are_typed(world: World, ig: dict, sev: dict) -> None:
    """Keys the engine does not read still say something true of the file: a distribution it does not
    draw, another currency, a policy year label that is no policy year, a CPI year that is not a year."""
    ig["background"]["severity"]["distribution"] = "lognormal"
    ig["currency"] = "EUR m"
    ig["excess_war_pi"]["buyback_limit"]["2027/29"] = 150.0
    sev["inflation"]["cpi_u"]["twenty"] = 330.0
    sev["pollution"]["anchors"]["erika"]["damage_usd_m_2025"] = [800, 1540]  # a fit anchor needs one number
    assert _errors(world, ig=ig, severity=sev) == [
        "ig.yaml key currency: must be one of 'USD m', got 'EUR m' (did you mean 'USD m'?)",
        "ig.yaml key excess_war_pi.buyback_limit.2027/29: key must be a policy year label like '2025/26' "
        "(the start year / the next year's yy), got '2027/29'",
        "ig.yaml key background.severity.distribution: must be one of 'pareto', got 'lognormal'",
        "severity.yaml key inflation.cpi_u.twenty: key must be a whole number between 1900 and 2100, "
        "got 'twenty'",
        "severity.yaml key pollution.anchors.erika: an anchor with use: fit needs damage_usd_m_2025 as one "
        "number (USD m)",
    ]


def test_a_file_that_is_not_a_mapping(world: World) -> None:
    (e,) = _errors(world, ig=[1, 2])
    assert e.startswith("ig.yaml: must be a mapping with keys currency, ") and e.endswith(", got [1, 2]")


# --------------------------------------------------------------------------- the checks across keys
def test_the_ig_layers_continue_from_pool_top_to_the_overspill(world: World, ig: dict) -> None:
    s = ig["structures"]["2026/27"]
    s["layers"][1]["attachment"] = 700.0  # 650 xs 100 tops at 750
    ig["structures"]["2025/26"]["overspill_attachment"] = 2000.0  # the layers top at 2100
    ig["structures"]["2025/26"]["club_retention"] = 150.0  # above pool_top 100
    assert _errors(world, ig=ig) == [
        "ig.yaml key structures.2025/26.pool_top: must be at least club_retention (150), got 100",
        "ig.yaml key structures.2025/26.overspill_attachment: must be the top of the last layer, 2100, "
        "got 2000",
        "ig.yaml key structures.2026/27.layers: layers[1].attachment 700 does not continue from the top of "
        "layers[0], 750; layers[2].attachment 1500 does not continue from the top of layers[1], 1450",
    ]


def test_later_years_reuse_a_listed_structure(world: World, ig: dict) -> None:
    ig["structure_for_later_years"] = "2030/31"
    assert _errors(world, ig=ig) == [
        "ig.yaml key structure_for_later_years: must be one of the structures' policy years: 2025/26, "
        "2026/27, got '2030/31'"
    ]


def test_min_is_not_above_max(world: World, sev: dict) -> None:
    sev["hull"]["partial_fraction"]["min"] = 0.5
    sev["collision"]["blame"]["max"] = 0.1
    assert _errors(world, severity=sev) == [
        "severity.yaml key hull.partial_fraction.max: must be at least min (0.5), got 0.35",
        "severity.yaml key collision.blame.max: must be at least min (0.2), got 0.1",
    ]


def test_codes_are_checked_against_the_tables(world: World, ig: dict, sev: dict) -> None:
    """States, zones and incident types the YAML names come from the CSV tables."""
    ig["excess_war_pi"]["excluded_coastal_states"].append("UKRR")
    sev["hull"]["partial_fraction"]["by_type_beta"]["colision"] = [1.5, 6.0]
    sev["pollution"]["anchors"]["erika"]["zone"] = "BALTC"
    assert _errors(world, ig=ig, severity=sev) == [
        "ig.yaml key excess_war_pi.excluded_coastal_states[3]: unknown state 'UKRR'; did you mean UKR?",
        "severity.yaml key pollution.anchors.erika.zone: unknown zone 'BALTC'; did you mean BALTIC?",
        "severity.yaml key hull.partial_fraction.by_type_beta.colision: unknown incident type 'colision'; "
        "did you mean collision?",
    ]


def test_a_wreck_factor_for_every_zone_and_no_other(world: World, sev: dict) -> None:
    factors = sev["wreck_removal"]["zone_factor"]
    del factors["GULF"], factors["RED_SEA"]
    assert _errors(world, severity=copy.deepcopy(sev)) == [
        "severity.yaml key wreck_removal.zone_factor: missing for zone(s) GULF, RED_SEA: give a factor for "
        "every zone"
    ]
    factors["PERSIAN"] = 0.6
    assert _errors(world, severity=sev) == [
        "severity.yaml key wreck_removal.zone_factor.PERSIAN: unknown zone 'PERSIAN'"
    ]


def test_without_the_tables_the_codes_are_not_checked(sev: dict) -> None:
    sev["pollution"]["anchors"]["erika"]["zone"] = "NOWHERE"
    assert yaml_problems("severity.yaml", sev) == []
