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


PERILS_BOOK = """\
name: book
horizon: {start_year: 2026, years: 1}
simulation: {world_model: false}
perils:
  storm:
    frequency: {distribution: poisson, mean: 1.0}
    severity: {distribution: lognormal, mean_usd_m: 20, cv: 1.0}
portfolio:
  name: Book
  contracts:
    idle:
      source: peril:storm
      type: quota_share
      participation: 0
    capped:
      source: peril:storm
      type: xol
      attachment_usd_m: 10
      limit_usd_m: 40
      aggregate_limit_usd_m: 30
      reinstatements: [{rate: 1.0}, {rate: 0.5}]
    two_of_three:
      source: peril:storm
      type: xol
      limit_usd_m: 10
      aggregate_limit_usd_m: 25
      reinstatements: [{rate: 1.0}, {rate: 1.0}, {rate: 1.0}]
    fine:
      source: peril:storm
      type: xol
      limit_usd_m: 10
      aggregate_limit_usd_m: 25
      reinstatements: [{rate: 1.0}, {rate: 1.0}]
"""


def test_a_contract_that_writes_nothing_or_reinstatements_it_cannot_use_get_notes(
    run_cli: Run, tmp_path: Path
) -> None:
    """Valid slips that loaded without a word: participation 0 writes nothing; an aggregate limit of 30 below
    the per-event limit of 40 ends the year's cover before one limit is used up, so neither reinstatement
    is ever used (terms.py step 6 caps the reinstated limit at aggregate − limit = −10); on a limit of 10
    the j-th reinstated limit pays from 10 j, so an aggregate of 25 reaches the first two (from 10 and
    20), not the third (from 30), and the contract with two has nothing to note. The same notes for the
    portfolio as a file of its own."""
    path = tmp_path / "s.yaml"
    path.write_text(PERILS_BOOK)
    code, out, err = run_cli("validate", path)
    assert code == 0, err
    notes = [line.split(": note: ", 1)[1] for line in out.splitlines() if ": note: " in line]
    assert notes == [
        "portfolio.contracts.idle.participation: participation 0: the contract writes nothing (every loss, "
        "premium and blocked amount is multiplied by it); give the reinsurer's share, greater than 0 and "
        "at most 1, or remove the contract",
        "portfolio.contracts.capped.reinstatements: neither of its 2 reinstatements can be used: the "
        "aggregate limit (aggregate_limit_usd_m 30) is below one limit (limit_usd_m 40), so the year's "
        "cover ends before one limit is used up and none is reinstated (nor earns premium); raise the "
        "aggregate limit to (reinstatements + 1) × limit (120) to use them all, or remove those it does "
        "not reach",
        "portfolio.contracts.two_of_three.reinstatements: the 3rd of its 3 reinstatements cannot be "
        "used: the aggregate limit (aggregate_limit_usd_m 25) ends the year's cover before the 3rd "
        "reinstated limit, which would pay from 30; raise the aggregate limit to (reinstatements + 1) × "
        "limit (40) to use them all, or remove those it does not reach",
    ]
    (tmp_path / "book.yaml").write_text(
        "\n".join(line[2:] for line in PERILS_BOOK.split("portfolio:\n", 1)[1].splitlines()) + "\n"
    )
    code, out, err = run_cli("validate", tmp_path / "book.yaml")
    assert code == 0, err
    assert [line.split(": note: ", 1)[1] for line in out.splitlines() if ": note: " in line] == [
        n.removeprefix("portfolio.") for n in notes
    ]


@pytest.mark.parametrize(
    ("aggregate", "which", "ends"),
    [
        (
            10,
            "none of its 3 reinstatements can be used",
            "is equal to one limit (limit_usd_m 10), so the year's cover ends when one limit is used up",
        ),
        (
            20,
            "the 2nd and 3rd of its 3 reinstatements cannot be used",
            "before the 2nd reinstated limit, which would pay from 20",
        ),
        (15, "the 2nd and 3rd of its 3 reinstatements cannot be used", "before the 2nd reinstated limit"),
    ],
)
def test_the_reinstatements_an_aggregate_limit_never_reaches_are_named(aggregate, which, ends) -> None:
    """Limit 10, three reinstatements: the j-th reinstated limit pays from 10 j. An aggregate of 10 ends
    the cover exactly when the first limit is used up (none reinstated); 20 ends it where the 2nd would
    start paying, and 15 halfway through the 1st, so the 2nd and 3rd are never used."""
    from riskmodel.scenario.checks import unreachable_reinstatement_notes

    contract = {
        "type": "xol",
        "limit_usd_m": 10,
        "aggregate_limit_usd_m": aggregate,
        "reinstatements": [1, 1, 1],
    }
    [note] = unreachable_reinstatement_notes({"contracts": {"c": contract}})
    assert note.message.startswith(f"{which}: ") and ends in note.message


def test_five_reinstatements_of_which_three_are_never_reached_are_named_as_a_range() -> None:
    """Limit 10, aggregate 25: the 1st (from 10) and 2nd (from 20) are used, the 3rd to 5th (30 to 50) not."""
    from riskmodel.scenario.checks import unreachable_reinstatement_notes

    contract = {"type": "xol", "limit_usd_m": 10, "aggregate_limit_usd_m": 25, "reinstatements": [1] * 5}
    [note] = unreachable_reinstatement_notes({"contracts": {"c": contract}})
    assert note.message.startswith("the 3rd to 5th of its 5 reinstatements cannot be used: ")


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


# ------------------------------------------------------------------ errors first, inherited notes once
ROOT = Path(__file__).resolve().parents[1]
COMMAND = "import sys; from riskmodel.cli import main; sys.exit(main())"


def _worked_example() -> tuple[str, str]:
    """docs/scenarios.md's worked example: the YAML of scenarios/rv_big.yaml and the output it shows for
    the file with two slips."""
    docs = (ROOT / "docs" / "scenarios.md").read_text(encoding="utf-8")
    after = docs.split("Save this as `scenarios/rv_big.yaml`:", 1)[1]
    yaml_text = after.split("```yaml\n", 1)[1].split("```", 1)[0]
    shown = after.split("```text\n", 1)[1].split("```", 1)[0]
    return yaml_text, shown


def _shipped_copy(tmp_path: Path, scenarios_dir: Path) -> Path:
    """The shipped scenarios (and portfolios) in tmp_path/scenarios, as the docs' reader has them."""
    import shutil

    shutil.copytree(scenarios_dir, tmp_path / "scenarios")
    return tmp_path / "scenarios"


def test_the_docs_worked_example_prints_what_the_docs_show(tmp_path: Path, scenarios_dir: Path) -> None:
    """The file of the worked example, with the slips it names, validated as a shell runs it (stdout and
    stderr in one stream): the problems first, then the file's own note, then one line for the five notes
    it shares with rv_pool.yaml (they came first, six lines, and the docs showed none). The docs show
    exactly this; the file without the slips is valid, with the same notes after its `ok:` line."""
    import os
    import subprocess
    import sys

    yaml_text, shown = _worked_example()
    folder = _shipped_copy(tmp_path, scenarios_dir)
    slips = yaml_text.replace("p_join: 0.95", "p_jion: 0.95").replace(
        "capital_usd_m: 2000", "capital_usd_m: -2000"
    )
    assert slips.count("p_jion") == 1 and slips.count("-2000") == 1

    def validate(text: str) -> subprocess.CompletedProcess[str]:
        (folder / "rv_big.yaml").write_text(text, encoding="utf-8")
        return subprocess.run(
            [sys.executable, "-c", COMMAND, "validate", "scenarios/rv_big.yaml"],
            cwd=tmp_path,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=120,
        )

    bad = validate(slips)
    assert bad.returncode == 2
    assert bad.stdout == shown
    good = validate(yaml_text)
    assert good.returncode == 0
    first, *notes = good.stdout.splitlines()
    assert first.startswith("ok: scenarios/rv_big.yaml (scenario 'RV pool, large and with Iran'")
    assert notes == [line for line in shown.splitlines() if ": note: " in line]


def test_a_child_shows_the_notes_it_causes_and_counts_those_of_its_parent(
    run_cli: Run, tmp_path: Path, scenarios_dir: Path
) -> None:
    """Notes the parent's validation gives word for word are counted, not repeated (--all-notes prints
    them); a note located in an inherited file that the child's change causes is printed in full: without
    the scheme, the retro contract of the inherited portfolio cedes nothing."""
    from riskmodel.scenario.loader import validate_file

    folder = _shipped_copy(tmp_path, scenarios_dir)
    parent = validate_file(folder / "rv_pool.yaml")
    assert len(parent.notes) == 6
    (folder / "child.yaml").write_text("name: child\nextends: rv_pool.yaml\nhorizon: {years: 3}\n")
    code, out, err = run_cli("validate", folder / "child.yaml")
    assert (code, err) == (0, "")
    child = validate_file(folder / "child.yaml").file
    assert out.splitlines() == [
        f"ok: {child} (scenario 'child', 3 years from 2026, 1 scheme, 9 contracts)",
        f"{child}: note: 6 notes as in {parent.file}, which it extends, not repeated "
        "(--all-notes prints them)",
    ]
    code, out, _ = run_cli("validate", "--all-notes", folder / "child.yaml")
    assert out.count(": note: ") == 6 and "not repeated" not in out

    (folder / "no_pool.yaml").write_text("name: no pool\nextends: rv_pool.yaml\nschemes: {rv_pool: null}\n")
    code, out, _ = run_cli("validate", folder / "no_pool.yaml")
    assert code == 0
    caused = [line for line in out.splitlines() if "example_reinsurer.yaml" in line]
    assert len(caused) == 1 and "names scheme 'rv_pool', which this scenario does not define" in caused[0]
    assert "moves no tonnage" not in out and "not repeated" not in out  # (nothing shared with rv_pool)


def test_the_count_of_shared_notes_names_a_command_that_prints_them_at_any_depth(
    run_cli: Run, tmp_path: Path, scenarios_dir: Path
) -> None:
    """A child of crackdown.yaml (which extends rv_pool.yaml, which extends baseline.yaml) shares its six
    notes with crackdown.yaml. The count said "`riskmodel validate scenarios/crackdown.yaml` prints them",
    but that printed none of the six: crackdown.yaml counts them in turn, as rv_pool.yaml's. The hint is
    --all-notes, and it does print them, word for word."""
    folder = _shipped_copy(tmp_path, scenarios_dir)
    (folder / "grandchild.yaml").write_text("name: gc\nextends: crackdown.yaml\nhorizon: {years: 3}\n")
    code, out, err = run_cli("validate", folder / "grandchild.yaml")
    assert (code, err) == (0, "")
    *_, count = out.splitlines()
    assert count.endswith(", which it extends, not repeated (--all-notes prints them)")
    assert "crackdown.yaml" in count and "6 notes as in" in count

    _, parents, _ = run_cli("validate", folder / "crackdown.yaml")
    assert [line for line in parents.splitlines() if ": note: " in line and "not repeated" not in line] == []

    def notes(*args: object) -> list[str]:
        _, out, _ = run_cli("validate", *args)
        return [line.split(": note: ", 1)[1] for line in out.splitlines() if ": note: " in line]

    every = notes("--all-notes", folder / "grandchild.yaml")
    assert len(every) == 6 and not any("not repeated" in n for n in every)
    assert every == notes("--all-notes", folder / "crackdown.yaml")


def test_the_error_of_a_file_that_extends_another_is_its_problems_alone(
    tmp_path: Path, scenarios_dir: Path
) -> None:
    """In Python the `ScenarioError` of a child of rv_pool.yaml (six notes) is its one problem: the
    notes stay in `validate_file`'s result and `scenario_notes`."""
    from riskmodel.scenario import load_scenario
    from riskmodel.scenario.loader import validate_file

    folder = _shipped_copy(tmp_path, scenarios_dir)
    bad = folder / "bad.yaml"
    bad.write_text("name: bad\nextends: rv_pool.yaml\nhorizon: {years: 0}\n")
    assert len(validate_file(bad).notes) == 6
    with pytest.raises(ScenarioError) as info:
        load_scenario(bad)
    assert (
        str(info.value)
        == f"{validate_file(bad).file}:3: horizon.years: 0 is not allowed: must be between 1 and 30"
    )
