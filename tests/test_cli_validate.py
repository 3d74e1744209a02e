"""The `riskmodel` command line: the dispatcher's exit codes and error handling, `validate` and `schema`.

Exit codes: 0 success, 2 invalid input (messages, no traceback), 1 any other failure (`error: ...`,
traceback only with --debug), 130 interrupted.
"""

from __future__ import annotations

import importlib
import json
import types
from collections.abc import Callable
from pathlib import Path

import pytest

import riskmodel.cli as cli
from riskmodel.scenario import Problem, ScenarioError

Run = Callable[..., tuple[int, str, str]]


def test_validate_every_shipped_file(run_cli: Run, scenarios_dir: Path) -> None:
    code, out, err = run_cli("validate", scenarios_dir)
    assert code == 0, err
    assert out.count("ok: ") == len(list(scenarios_dir.rglob("*.yaml")))
    assert "ok: " in out and "portfolio 'Example EU marine reinsurer'" in out
    assert "note: portfolio.contracts.rv_pool_retro.source:" in out
    assert err == ""


def test_a_contract_on_a_listed_reinsurer_gets_a_note() -> None:
    """A contract ceding a scheme reinsurer's share that the portfolio's bloc lists is noted: with its
    clause every claim is blocked; without one it pays a listed party. Another bloc's portfolio, or a
    reinsurer listed by none, gets no such note."""
    from riskmodel.scenario.checks import note_problems

    doc = {
        "schemes": {"s": {"reinsurance": {"listed_by": ["EU", "UK"]}}},
        "portfolio": {"bloc": "EU", "contracts": {"r": {"source": "scheme_reinsurance:s"}}},
    }

    def listing_notes(d: dict) -> list[str]:
        return [p.message for p in note_problems(d) if "lists" in p.message]

    (note,) = listing_notes(doc)
    assert "bloc EU lists (schemes.s.reinsurance.listed_by): the sanctions clause blocks every claim" in note
    doc["portfolio"]["contracts"]["r"]["sanctions_clause"] = False
    (note,) = listing_notes(doc)
    assert "has no sanctions clause: it pays them" in note
    assert listing_notes({**doc, "portfolio": {**doc["portfolio"], "bloc": "US"}}) == []
    assert listing_notes({**doc, "schemes": {"s": {"reinsurance": {"listed_by": []}}}}) == []


def test_candidates_that_move_no_tonnage_get_a_note(run_cli: Run, scenarios_dir: Path) -> None:
    """A candidate that is no trade's origin or destination and no flag of a trade's tankers moves nothing
    in the market: validate says so (a reviewer found half of rv_pool's expected joins were such states,
    acting only through the designation hazard). The reference is the world data's trade tables read here."""
    from riskmodel.scenario import load_scenario
    from riskmodel.world import load_world

    world = load_world()
    reach = set(world.trades["origin"]) | set(world.trades["destination"]) | set(world.trade_flags["flag"])
    code, out, _ = run_cli("validate", scenarios_dir / "rv_pool.yaml")
    assert code == 0
    candidates = load_scenario(scenarios_dir / "rv_pool.yaml").schemes["rv_pool"].candidates
    expected = sorted(c for c in candidates if c not in reach)
    noted = sorted(
        line.split("candidates.")[1].split(":")[0] for line in out.splitlines() if "moves no tonnage" in line
    )
    assert noted == expected and "BLR" in noted and "IRN" not in noted


def test_validate_quiet_prints_nothing_when_valid(run_cli: Run, scenarios_dir: Path) -> None:
    assert run_cli("validate", "--quiet", scenarios_dir / "rv_pool.yaml") == (0, "", "")


def test_validate_a_directory_without_yaml(run_cli: Run, tmp_path: Path) -> None:
    code, _, err = run_cli("validate", tmp_path)
    assert code == 2
    assert "no YAML files found" in err


def test_validate_as_a_given_kind(run_cli: Run, scenarios_dir: Path) -> None:
    """A portfolio file checked as a scenario (or run): it says it is a portfolio file, not that its keys
    are unknown to a scenario."""
    code, _, err = run_cli(
        "validate", "--kind", "scenario", scenarios_dir / "portfolios" / "example_reinsurer.yaml"
    )
    assert code == 2
    assert "example_reinsurer.yaml: is a portfolio file, not a scenario: a scenario names it under" in err
    assert "unknown key" not in err


def test_a_scenario_file_named_as_a_portfolio(run_cli: Run, scenarios_dir: Path, tmp_path: Path) -> None:
    """A scenario file given where a portfolio file goes (a scenario's `portfolio:`, `validate --kind
    portfolio`, `apply-terms --portfolio`) is named as such once, not as one unknown key per section."""
    text = (scenarios_dir / "baseline.yaml").read_text()
    (tmp_path / "b.yaml").write_text(text.replace("portfolios/example_reinsurer.yaml", "other.yaml"))
    (tmp_path / "other.yaml").write_text((scenarios_dir / "rv_pool.yaml").read_text())
    (tmp_path / "baseline.yaml").write_text(text)  # other.yaml extends it
    expected = "other.yaml: is a scenario file (it has extends, schemes, sanctions), not a portfolio file"
    code, _, err = run_cli("validate", tmp_path / "b.yaml")
    assert code == 2
    line = text.splitlines().index(next(t for t in text.splitlines() if t.startswith("portfolio:"))) + 1
    assert expected in err and f"b.yaml:{line})" in err and "(named by `portfolio:` at " in err
    assert "unknown key" not in err
    code, _, err = run_cli("validate", "--kind", "portfolio", tmp_path / "other.yaml")
    assert code == 2 and expected in err and "unknown key" not in err


def test_schema_prints_json(run_cli: Run) -> None:
    code, out, _ = run_cli("schema")
    assert code == 0
    schema = json.loads(out)
    assert schema["title"] == "Scenario"
    assert "schemes" in schema["properties"]
    code, out, _ = run_cli("schema", "--portfolio")
    assert json.loads(out)["title"] == "Portfolio"


def test_help_and_usage_errors(run_cli: Run) -> None:
    assert run_cli("--help")[0] == 0
    code, _, err = run_cli("no-such-command")
    assert code == 2
    assert "invalid choice" in err
    assert run_cli("validate")[0] == 2  # FILE is required


def _fake_command(monkeypatch: pytest.MonkeyPatch, action: Callable[[], int]) -> None:
    """Replace `validate`'s run with `action` (the dispatcher's error handling is what is tested)."""
    from riskmodel.cli import validate

    monkeypatch.setattr(validate, "run", lambda args: action())


def test_unexpected_error_is_one_line_without_traceback(
    monkeypatch: pytest.MonkeyPatch, run_cli: Run
) -> None:
    def boom() -> int:
        raise KeyError("rv_pool")

    _fake_command(monkeypatch, boom)
    code, _, err = run_cli("validate", "x.yaml")
    assert code == 1
    assert err.startswith("error: KeyError: 'rv_pool'")
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


def test_debug_shows_the_traceback(monkeypatch: pytest.MonkeyPatch, run_cli: Run) -> None:
    def boom() -> int:
        raise KeyError("rv_pool")

    _fake_command(monkeypatch, boom)
    with pytest.raises(KeyError):
        run_cli("--debug", "validate", "x.yaml")
    with pytest.raises(KeyError):
        run_cli("validate", "x.yaml", "--debug")


def test_scenario_error_exits_2_with_every_problem(monkeypatch: pytest.MonkeyPatch, run_cli: Run) -> None:
    def invalid() -> int:
        raise ScenarioError([Problem("a.yaml", ("x",), "one", line=1), Problem("a.yaml", ("y",), "two")])

    _fake_command(monkeypatch, invalid)
    code, _, err = run_cli("validate", "x.yaml")
    assert code == 2
    assert err.splitlines() == ["a.yaml:1: x: one", "a.yaml: y: two"]


def test_interrupt_exits_130(monkeypatch: pytest.MonkeyPatch, run_cli: Run) -> None:
    def interrupted() -> int:
        raise KeyboardInterrupt

    _fake_command(monkeypatch, interrupted)
    code, _, err = run_cli("validate", "x.yaml")
    assert code == 130
    assert "interrupted" in err


def test_a_missing_subcommand_module_is_reported_not_skipped(
    monkeypatch: pytest.MonkeyPatch, run_cli: Run
) -> None:
    monkeypatch.setattr(cli, "SUBCOMMAND_MODULES", ("validate", "not_written_yet"))
    code, _, err = run_cli("not-written-yet")
    assert code == 1
    assert "the 'not_written_yet' command could not be loaded: ModuleNotFoundError" in err


def test_a_broken_subcommand_does_not_break_the_others(
    monkeypatch: pytest.MonkeyPatch, run_cli: Run, scenarios_dir: Path
) -> None:
    monkeypatch.setattr(cli, "SUBCOMMAND_MODULES", ("validate", "broken"))
    real_import = importlib.import_module

    def fake_import(name: str) -> types.ModuleType:
        if name.endswith(".broken"):
            raise ImportError("no module named riskmodel.engine.missing")
        return real_import(name)

    fake = types.SimpleNamespace(import_module=fake_import)
    monkeypatch.setattr(cli, "importlib", fake)
    assert run_cli("validate", scenarios_dir / "baseline.yaml")[0] == 0
    code, _, err = run_cli("broken")
    assert code == 1
    assert "the 'broken' command could not be loaded: ImportError" in err


def test_candidate_notes_count_origins_destinations_and_flags_as_reach() -> None:
    """Only a candidate that is none of a trade's origin, destination or flag is noted (in the shipped
    files the destinations are also flags, so this separates the three)."""
    from riskmodel.scenario.checks import WorldCodes, candidate_notes

    world = WorldCodes(
        states=frozenset({"ORI", "DST", "FLG", "NON", "RUS"}),
        zones=frozenset(),
        origins=frozenset({"ORI", "RUS"}),
        destinations=frozenset({"DST"}),
        flags=frozenset({"FLG"}),
    )
    doc = {
        "schemes": {"s": {"founders": ["RUS"], "candidates": {c: {} for c in ("ORI", "DST", "FLG", "NON")}}}
    }
    assert [p.path for p in candidate_notes(doc, world)] == [("schemes", "s", "candidates", "NON")]
    assert candidate_notes({**doc, "simulation": {"world_model": False}}, world) == []
