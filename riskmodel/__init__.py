"""riskmodel: a Monte Carlo model of sanctions exposure and maritime insurance risk for reinsurers.

The public API, used alike by notebooks and the command line:

- `load_scenario(path)`: read and validate a scenario file (YAML), resolving `extends` and the portfolio.
- `simulate(scenario, trials=None, seed=None, executor=None)`: run it; returns a `Results`.
- `simulate_together([scenario, variant, ...], trials, seed)`: several runs at once, each as `simulate`
  gives it; variants that share their world share the work (a what-if of contract terms costs a tenth to
  a fifth of a run).
- `compare(results, baseline)`: scenario against baseline with common-random-number standard errors;
  its `.table()` gives each figure's unit, difference, errors, z and p-value, the basis in
  ``attrs["caption"]``, and `riskmodel.display.describe_difference` words a row's difference for a sentence.
- `apply_terms_to_file(...)`: a portfolio's contract terms on an event loss file from another model.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = [
    "Results",
    "ScenarioError",
    "apply_terms_to_file",
    "compare",
    "load_portfolio",
    "load_scenario",
    "simulate",
    "simulate_together",
]

if TYPE_CHECKING:
    from riskmodel.batch import simulate_together
    from riskmodel.engine.simulate import simulate
    from riskmodel.reinsurance.event_files import apply_terms_to_file
    from riskmodel.results import Results, compare
    from riskmodel.scenario import ScenarioError, load_portfolio, load_scenario

_LAZY = {
    "simulate": "riskmodel.engine.simulate",
    "simulate_together": "riskmodel.batch",
    "Results": "riskmodel.results",
    "compare": "riskmodel.results",
    "apply_terms_to_file": "riskmodel.reinsurance.event_files",
    "load_scenario": "riskmodel.scenario",
    "load_portfolio": "riskmodel.scenario",
    "ScenarioError": "riskmodel.scenario",
}


def __getattr__(name: str) -> Any:
    """Import the public API on first use, so `import riskmodel` stays light for the CLI."""
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'riskmodel' has no attribute {name!r}")
