"""The scenario language: schema, loader, checks and error messages.

In: scenario and portfolio YAML files (or mappings). Out: validated, immutable `Scenario` and `Portfolio`
objects, or a `ScenarioError` listing every problem with its file, line, key path, value and what is allowed.
The reference of every field is docs/scenarios.md.
"""

from riskmodel.scenario.checks import scenario_notes
from riskmodel.scenario.errors import Problem, ScenarioError
from riskmodel.scenario.loader import (
    load_portfolio,
    load_scenario,
    load_scenario_from_dict,
    resolved_document,
    scenario_hash,
    scenario_world,
    validate_file,
    with_overrides,
)
from riskmodel.scenario.schema import Portfolio, Scenario

__all__ = [
    "Portfolio",
    "Problem",
    "Scenario",
    "ScenarioError",
    "load_portfolio",
    "load_scenario",
    "load_scenario_from_dict",
    "resolved_document",
    "scenario_hash",
    "scenario_notes",
    "scenario_world",
    "validate_file",
    "with_overrides",
]
