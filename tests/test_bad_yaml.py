"""Bad YAML and odd scalars and keys: each is a located, worded problem, never a traceback or a silent value.

The cases came from a red-team review: whole numbers too large for a float (a crash in the checks, or "must
be a number greater than 0" for 10^400), whole numbers past Python's 4,300 digits (a crash inside the YAML
parser) and decimals beyond every float (read as infinity), all "too large for a number"; deep nesting (a
RecursionError), YAML 1.1's number forms (`010` read as 8, `1:30` as 90), keys that are not text (`1:`,
`~:`, `yes:`, dates, printed as Python writes them), a blank name, and a portfolio file taken for a
scenario (a misspelt `contracts:`, a portfolio named by `extends:`).
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from riskmodel.scenario.errors import ScenarioError
from riskmodel.scenario.loader import (
    MAX_DEPTH,
    load_scenario_from_dict,
    parse_value,
    validate_file,
    with_overrides,
)

#: A small valid scenario: one scheme, a quota share with a per-event limit and an xol on a world source.
BASE = """\
name: tiny
horizon: {start_year: 2026, years: 3}
schemes:
  rv_pool:
    name: RV pool
    founders: [RUS]
    start_year: 2026
    capital_usd_m: 1000
    per_event_limit_usd_m: 300
    uptake: {share: 0.6}
    candidates:
      IRN: {p_join: 0.5, by_year: 2029}
portfolio:
  name: book
  contracts:
    hull_qs: {source: hm_tanker_western, type: quota_share, participation: 0.5, limit_usd_m: 50}
    hull_xol:
      source: hm_tanker_western
      type: xol
      attachment_usd_m: 5
      limit_usd_m: 20
      cedant_share: {by: zone, shares: {BALTIC: 0.5}, default: 0.2}
"""


@pytest.fixture(autouse=True)
def _in_tmp_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Files are named relative to the working directory: work in `tmp_path`, so messages read `s.yaml`."""
    monkeypatch.chdir(tmp_path)


BIG = "1" + "0" * 400  # 10^400: a whole number, too large for a float
BIG_SHOWN = "1000000000…0000 (401 digits)"
TOO_LARGE = f"{BIG_SHOWN} is too large for a number:"
#: The ceiling of a money field (USD m), as a value above it is told.
MONEY_CEILING = "must be at most 1e9 (USD m), i.e. USD 10^15, far above any real amount"


def problems_of(tmp_path: Path, text: str, name: str = "s.yaml") -> list[str]:
    """The problems `validate_file` finds in `text` written to `name`, as printed."""
    path = tmp_path / name
    path.write_text(text)
    return [str(p) for p in validate_file(path).problems]


def replaced(old: str, new: str) -> str:
    assert BASE.count(old) == 1, old
    return BASE.replace(old, new)


def test_the_base_is_valid(tmp_path: Path) -> None:
    assert problems_of(tmp_path, BASE) == []


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "attachment_usd_m: 5",
            f"attachment_usd_m: {BIG}",
            f"portfolio.contracts.hull_xol.attachment_usd_m: {TOO_LARGE} {MONEY_CEILING}",
        ),
        (
            "BALTIC: 0.5",
            f"BALTIC: {BIG}",
            f"portfolio.contracts.hull_xol.cedant_share.shares.BALTIC: {TOO_LARGE} must be a number "
            "between 0 and 1",
        ),
        (
            "participation: 0.5",
            f"participation: {BIG}",
            f"portfolio.contracts.hull_qs.participation: {TOO_LARGE} must be a number between 0 and 1",
        ),
        (
            "participation: 0.5, limit_usd_m: 50",
            f"participation: 0.5, limit_usd_m: {BIG}",
            f"portfolio.contracts.hull_qs.limit_usd_m: {TOO_LARGE} {MONEY_CEILING}",
        ),
        (
            "horizon: {start_year: 2026, years: 3}",
            f"horizon: {{start_year: 2026, years: 3}}\nsimulation: {{materiality_usd_m: {BIG}}}",
            f"simulation.materiality_usd_m: {TOO_LARGE} {MONEY_CEILING}",
        ),
        (
            "capital_usd_m: 1000",
            f"capital_usd_m: {BIG}",
            f"schemes.rv_pool.capital_usd_m: {TOO_LARGE} {MONEY_CEILING}",
        ),
        (
            "capital_usd_m: 1000",
            f"capital_usd_m: -{BIG}",
            f"schemes.rv_pool.capital_usd_m: -{BIG_SHOWN} is too small for a number: must be a number "
            "greater than 0",
        ),
    ],
    ids=[
        "attachment",
        "cedant_share",
        "participation",
        "quota_share_limit",
        "materiality",
        "capital",
        "negative_capital",
    ],
)
def test_a_whole_number_too_large_for_a_float_is_said_to_be_too_large(
    tmp_path: Path, old: str, new: str, expected: str
) -> None:
    """10^400 crashed the xol and quota-share checks (float() overflowed) or was "not allowed: must be a
    number greater than 0", which it is; now it is too large, printed shortened, at its key's line, with
    the field's bound it is beyond: on a money field its ceiling, as 10^300 is told (it was told "must be
    a number, at least 0"), on a share its range; a negative one is too small (not "too large ... must be
    greater than 0"), with the floor."""
    found = problems_of(tmp_path, replaced(old, new))
    assert len(found) == 1 and expected in found[0], found
    assert BIG not in found[0]


def test_too_large_on_the_command_line_is_no_traceback(
    tmp_path: Path, run_cli: Callable[..., tuple[int, str, str]]
) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(replaced("attachment_usd_m: 5", f"attachment_usd_m: {BIG}"))
    code, out, err = run_cli("validate", path)
    assert code == 2 and "OverflowError" not in out + err
    assert f"s.yaml:20: portfolio.contracts.hull_xol.attachment_usd_m: {BIG_SHOWN} is too large" in out + err


def test_a_whole_number_past_4300_digits_is_a_located_problem(tmp_path: Path) -> None:
    """Python reads at most 4,300 digits: the ValueError escaped the YAML parser as a crash. It is kept (as
    a number beyond every float) for its field to judge, as 10^400 is: too large for a whole number of
    years, with its range; not text in a list of text; not a key. Each gives one problem (the loader had
    dropped it, and said "[null] is not allowed" of the list it had been in)."""
    nines = "9" * 5000
    text = replaced("years: 3}", f"years: {nines}}}") + f"description: [{nines}]\n? {nines}\n: 1\n"
    found = problems_of(tmp_path, text)
    shown = "9999999999…9999 (5000 digits)"
    assert found == [
        f"s.yaml:2: horizon.years: {shown} is too large for a number: must be between 1 and 30",
        f"s.yaml:23: description: [{shown}] is not allowed: must be text",
        f"s.yaml:24: key {shown} is not allowed (a key is text); {TOP_KEYS}",
    ]


def test_a_value_past_4300_digits_given_on_the_command_line(tmp_path: Path) -> None:
    """`--set simulation.trials=999…9` (5000 digits) is judged by the field as 10^400 is: its range."""
    value = parse_value("9" * 5000)
    assert str(value) == "9999999999…9999 (5000 digits)"
    scenario = load_scenario_from_dict({"name": "x"})
    shown = r"simulation.trials: 9999999999…9999 \(5000 digits\) is too large for a number: "
    with pytest.raises(ScenarioError, match=shown + "must be between 1 and 100000000$"):
        with_overrides(scenario, {"simulation.trials": value})


@pytest.mark.parametrize("number", ["1.0e+400", "1_000.0e+999"])
def test_a_decimal_beyond_every_float_is_too_large_not_infinity(tmp_path: Path, number: str) -> None:
    """YAML reads 1.0e+400 as infinity: the message said ".inf is not allowed: must be a finite number",
    a value nobody wrote. It is too large, as written, at its line, with the field's bound (its ceiling),
    as a whole number beyond every float is; and `.inf`, written, is still infinity."""
    found = problems_of(tmp_path, replaced("attachment_usd_m: 5", f"attachment_usd_m: {number}"))
    assert found == [
        f"s.yaml:20: portfolio.contracts.hull_xol.attachment_usd_m: {number} is too large for a number: "
        f"{MONEY_CEILING}"
    ]
    assert str(parse_value(number)) == number and parse_value(number) > sys.float_info.max
    assert parse_value("-.inf") == -math.inf and parse_value("1.7e+308") == 1.7e308


def test_a_negative_decimal_beyond_every_float_is_too_small(tmp_path: Path) -> None:
    """-2.5e+308 on a field that must be at least 0: too small, with that floor (never "too large" before
    "must be ... at least 0")."""
    found = problems_of(tmp_path, replaced("attachment_usd_m: 5", "attachment_usd_m: -2.5e+308"))
    assert found == [
        "s.yaml:20: portfolio.contracts.hull_xol.attachment_usd_m: -2.5e+308 is too small for a number: must "
        "be a number, at least 0"
    ]


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "limit_usd_m: 20",
            "limit_usd_m: 1.0e+400",
            f"s.yaml:21: portfolio.contracts.hull_xol.limit_usd_m: 1.0e+400 is too large for a number: "
            f"{MONEY_CEILING}",
        ),
        (
            "participation: 0.5",
            "participation: 1.0e+400",
            "s.yaml:16: portfolio.contracts.hull_qs.participation: 1.0e+400 is too large for a number: "
            "must be a number between 0 and 1",
        ),
        (
            "horizon: {start_year: 2026, years: 3}",
            "horizon: {start_year: 2026, years: 3}\nsimulation: {trials: 1.0e+400}",
            "s.yaml:3: simulation.trials: 1.0e+400 is too large for a number: must be between 1 and "
            "100000000",
        ),
    ],
    ids=["limit", "participation", "trials"],
)
def test_a_decimal_beyond_every_float_is_one_problem_with_the_fields_bound(
    tmp_path: Path, old: str, new: str, expected: str
) -> None:
    """The loader dropped 1.0e+400 with "must be between about -1.8e+308 and 1.8e+308", never the field's
    own range, and a second, false problem followed from the missing value ("a xol contract needs
    limit_usd_m"). It is one problem, with the field's bound, in a file and given by --set alike."""
    assert problems_of(tmp_path, replaced(old, new)) == [expected]
    scenario = load_scenario_from_dict(parse_value(BASE))
    path = expected.split(": ")[1]
    message = expected.split(": ", 2)[2]
    with pytest.raises(ScenarioError) as caught:
        with_overrides(scenario, {path: parse_value("1.0e+400")})
    assert [p.message for p in caught.value.problems] == [message]


def test_a_key_beyond_every_float_is_one_problem(tmp_path: Path) -> None:
    """A key `1.0e+400:` under perils was deleted, and a perils-only run then "needs at least one entry
    under perils": the key is kept, and is the one problem, not text."""
    text = (
        "name: x\nsimulation: {world_model: false}\nperils:\n  1.0e+400:\n"
        "    frequency: {distribution: poisson, mean: 2.0}\n"
        "    severity: {distribution: lognormal, mean_usd_m: 20, cv: 1.5}\n"
    )
    assert problems_of(tmp_path, text) == ["s.yaml:4: perils: key 1.0e+400 is not allowed: must be text"]


def test_a_number_beyond_every_float_on_a_field_without_a_ceiling(tmp_path: Path) -> None:
    """chunk_trials had no upper bound and would have taken ±10^309, the stand-in the loader keeps (the
    loader then said it was beyond every number): it is bounded by the trials' ceiling now and says so.
    A decimal field without a ceiling (a class weight, at least 0) names the floats' bound after its
    floor, not only "at least 0"."""
    text = replaced("years: 3}", "years: 3}\nsimulation: {chunk_trials: 1.0e+400}")
    assert problems_of(tmp_path, text) == [
        "s.yaml:3: simulation.chunk_trials: 1.0e+400 is too large for a number: must be between 4096 and "
        "100000000"
    ]
    text = replaced("uptake: {share: 0.6}", "uptake: {share: 0.6, from_classes: {none: 1.0e+400}}")
    assert problems_of(tmp_path, text) == [
        "s.yaml:10: schemes.rv_pool.uptake.from_classes.none: 1.0e+400 is too large for a number: must be a "
        "number, at least 0 and at most about 1.8e+308"
    ]


@pytest.mark.parametrize("text", ["1e400", "1e300"])
def test_an_exponent_written_as_text_offers_no_form_beyond_the_fields_bound(
    tmp_path: Path, text: str
) -> None:
    """`1e400` is text (YAML 1.1's form needs a point): the hint said to write 1.0e+400, itself too large;
    then that as a number it would be beyond every float, when the money field's own ceiling is 1e9. It
    names the ceiling now, as it does for `1e300` (it said to write 1.0e+300, which the field refuses); on
    a share, its range (it said the floats' range)."""
    found = problems_of(tmp_path, replaced("attachment_usd_m: 5", f"attachment_usd_m: {text}"))
    assert found == [
        f"s.yaml:20: portfolio.contracts.hull_xol.attachment_usd_m: '{text}' is not allowed: must be a "
        f"number, at least 0 (YAML reads {text} as text; as a number, it would be too large: {MONEY_CEILING})"
    ]
    found = problems_of(tmp_path, replaced("BALTIC: 0.5", "BALTIC: 1e400"))
    assert found == [
        "s.yaml:22: portfolio.contracts.hull_xol.cedant_share.shares.BALTIC: '1e400' is not allowed: must "
        "be a number between 0 and 1 (YAML reads 1e400 as text; as a number, it would be too large: must "
        "be between 0 and 1)"
    ]


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "participation: 0.5",
            "participation: 1e5",
            "portfolio.contracts.hull_qs.participation: '1e5' is not allowed: must be a number between 0 "
            "and 1 (YAML reads 1e5 as text; as a number, it would be too large: must be between 0 and 1)",
        ),
        (
            "years: 3}",
            "years: 3}\nsimulation: {trials: 1e9}",
            "simulation.trials: '1e9' is not allowed: must be a whole number between 1 and 100000000 (YAML "
            "reads 1e9 as text; as a number, it would be too large: must be between 1 and 100000000)",
        ),
        (
            "capital_usd_m: 1000",
            "capital_usd_m: -1e3",
            "schemes.rv_pool.capital_usd_m: '-1e3' is not allowed: must be a number greater than 0 (YAML "
            "reads -1e3 as text; as a number, it would be too small: must be greater than 0)",
        ),
        (
            "participation: 0.5",
            "participation: 5e-1",
            "portfolio.contracts.hull_qs.participation: '5e-1' is not allowed: must be a number between 0 "
            "and 1 (YAML reads 5e-1 as text: write 5.0e-1)",
        ),
    ],
    ids=["participation", "trials", "negative_capital", "within"],
)
def test_an_exponent_written_as_text_outside_the_fields_range_is_told_the_range(
    tmp_path: Path, old: str, new: str, expected: str
) -> None:
    """The hint knew only a money field's ceiling: `participation: 1e5` was told to write 1.0e+5 or 100000,
    and `trials: 1e9` to write 1000000000, which the fields refuse (0 to 1; at most 100000000). Outside
    the field's bounds, it says which; within them, it says how to write the number."""
    found = problems_of(tmp_path, replaced(old, new))
    assert len(found) == 1 and found[0].split(":", 2)[2].strip() == expected, found


def test_deep_nesting_is_refused_with_the_limit(tmp_path: Path) -> None:
    """200 nested lists in `description` ran _drop_nulls out of recursion."""
    found = problems_of(tmp_path, "name: x\ndescription: " + "[" * 200 + "]" * 200 + "\n")
    assert found == [
        f"s.yaml:2: description: lists and mappings nest more than {MAX_DEPTH} deep here: at most "
        f"{MAX_DEPTH} levels are allowed (a scenario needs fewer than ten)"
    ]


def test_nesting_within_the_limit_is_judged_by_the_schema(tmp_path: Path) -> None:
    found = problems_of(tmp_path, "name: x\ndescription: " + "[" * 20 + "]" * 20 + "\n")
    assert len(found) == 1, found
    assert found[0].startswith("s.yaml:2: description: [[[") and "must be text" in found[0]


def test_numbers_are_read_as_yaml_1_2_reads_them(tmp_path: Path) -> None:
    """YAML 1.1 read 010 as 8, 0777 as 511 and 1:30 as 90 (base 60). A leading zero is now text, refused
    by a number field with a hint (YAML 1.2 would read ten: a seed of 0123 must not silently change from
    83 to 123); 1:30 is text; 0o, 0x, 0b and digits grouped by _ read as numbers."""
    assert parse_value("010") == "010" and parse_value("-0777") == "-0777" and parse_value("0") == 0
    assert parse_value("0o777") == 511 and parse_value("0x1f") == 31 and parse_value("1_000") == 1000
    assert parse_value("1:30") == "1:30" and parse_value("1:30.5") == "1:30.5" and parse_value("0x_") == "0x_"
    assert parse_value("2.5") == 2.5 and parse_value(".inf") == float("inf")
    found = problems_of(tmp_path, replaced("years: 3}", "years: 010}") + "simulation: {seed: 0123}\n")
    assert found == [
        "s.yaml:2: horizon.years: '010' is not allowed: must be a whole number between 1 and 30 (a whole "
        "number with a leading zero is ambiguous: YAML 1.1 reads 010 as octal, YAML 1.2 as decimal: write "
        "10, or 0o10 for octal)",
        "s.yaml:23: simulation.seed: '0123' is not allowed: must be a whole number between 0 and "
        "9223372036854775807 (a whole number with a leading zero is ambiguous: YAML 1.1 reads 0123 as "
        "octal, YAML 1.2 as decimal: write 123, or 0o123 for octal)",
    ]


def test_base_60_is_text_not_a_number(tmp_path: Path) -> None:
    found = problems_of(tmp_path, replaced("years: 3}", "years: 1:30}"))
    assert found == [
        "s.yaml:2: horizon.years: '1:30' is not allowed: must be a whole number between 1 and 30"
    ]


TOP_KEYS = (
    "allowed keys: name, description, extends, baseline, horizon, simulation, world, schemes, sanctions, "
    "price_cap, perils, fleet, portfolio"
)
YAML_BOOL = "YAML reads an unquoted yes, no, on, off, true, false as true or false, and ~ as null"


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("1: 2", f"s.yaml:2: key 1 is not allowed (a key is text); {TOP_KEYS}"),
        ("~: 2", f"s.yaml:2: key null is not allowed (a key is text; {YAML_BOOL}); {TOP_KEYS}"),
        ("yes: 2", f"s.yaml:2: key true is not allowed (a key is text; {YAML_BOOL}); {TOP_KEYS}"),
    ],
    ids=["int", "null", "yes"],
)
def test_a_top_level_key_that_is_not_text(tmp_path: Path, line: str, expected: str) -> None:
    """The key was printed as a list index (`[1]: 1`), or as Python's None without a line, and the allowed
    keys were not listed."""
    assert problems_of(tmp_path, f"name: x\n{line}\n") == [expected]


def test_a_date_where_a_year_is_expected(tmp_path: Path) -> None:
    """YAML reads 2026-02-20 as a date: it was printed as datetime.date(2026, 2, 20)."""
    found = problems_of(tmp_path, replaced("start_year: 2026, years: 3", "start_year: 2026-02-20, years: 3"))
    assert any(
        p
        == "s.yaml:2: horizon.start_year: 2026-02-20 is not allowed: must be a whole number between 1990 and "
        "2100 (YAML reads 2026-02-20 as a date: a year is a whole number, e.g. 2026)"
        for p in found
    ), found


def test_a_date_as_a_schedule_key(tmp_path: Path) -> None:
    """The path read `...schedule.datetime.date(2027, 1, 1)`; now the key is written as in the file."""
    found = problems_of(tmp_path, replaced("{p_join: 0.5, by_year: 2029}", "{schedule: {2027-01-01: 0.5}}"))
    assert found == [
        "s.yaml:12: schemes.rv_pool.candidates.IRN.schedule: key 2027-01-01 is not allowed: must be a whole "
        "number between 1990 and 2100 (YAML reads 2027-01-01 as a date: a year is a whole number, e.g. 2027)"
    ]


def test_a_true_year_key_is_not_told_to_be_quoted(tmp_path: Path) -> None:
    """Quoting `true` would make it text, still not a year: the quote-it hint is for keys that are text."""
    found = problems_of(tmp_path, replaced("{p_join: 0.5, by_year: 2029}", "{schedule: {true: 0.5}}"))
    assert found == [
        "s.yaml:12: schemes.rv_pool.candidates.IRN.schedule: key true is not allowed: must be a whole number "
        "between 1990 and 2100"
    ]


def test_a_false_state_key_is_still_told_to_be_quoted(tmp_path: Path) -> None:
    found = problems_of(tmp_path, replaced("IRN: {p_join", "NO: {p_join"))
    assert found == [
        "s.yaml:12: schemes.rv_pool.candidates: key false is not allowed: must be text (YAML reads an "
        "unquoted NO, YES, ON, OFF, TRUE, FALSE as true or false, and ~ or null as null: quote the key, "
        "e.g. 'NO')"
    ]


def test_a_float_where_a_whole_number_is_expected_is_shown_as_written(tmp_path: Path) -> None:
    found = problems_of(tmp_path, replaced("years: 3}", "years: 3.0}"))
    assert found == ["s.yaml:2: horizon.years: 3.0 is not allowed: must be a whole number between 1 and 30"]


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "name: tiny",
            "name: '   '",
            "s.yaml:1: name: '   ' is not allowed: must not be empty or only spaces",
        ),
        (
            "name: RV pool",
            "name: ' '",
            "s.yaml:5: schemes.rv_pool.name: ' ' is not allowed: must not be empty or only spaces",
        ),
        (
            "name: book",
            "name: '\t'",
            "s.yaml:14: portfolio.name: '\\t' is not allowed: must not be empty or only spaces",
        ),
    ],
    ids=["scenario", "scheme", "portfolio"],
)
def test_a_blank_name_is_refused(tmp_path: Path, old: str, new: str, expected: str) -> None:
    assert problems_of(tmp_path, replaced(old, new)) == [expected]


def test_a_portfolio_with_a_misspelt_contracts_key_is_judged_as_a_portfolio(tmp_path: Path) -> None:
    """It was taken for a scenario: `bloc` and `contracs` were unknown keys of a scenario."""
    text = "name: p\nbloc: EU\ncontracs:\n  c1: {source: hm_tanker_western, type: quota_share}\n"
    assert problems_of(tmp_path, text, "p.yaml") == [
        "p.yaml:3: contracs: unknown key 'contracs' (did you mean 'contracts'?); allowed keys: name, "
        "description, bloc, contracts"
    ]


def test_extends_naming_a_portfolio_file_says_so(tmp_path: Path) -> None:
    (tmp_path / "book.yaml").write_text("name: p\ncontracts: {}\n")
    assert problems_of(tmp_path, "name: x\nextends: book.yaml\n") == [
        "s.yaml:2: extends: 'book.yaml' is not allowed: must be the path of a parent scenario file, relative "
        "to this file: it is a portfolio file, not a scenario (a scenario names a portfolio under "
        "`portfolio:`)"
    ]


def test_a_negative_number_with_a_leading_zero_gets_a_negative_octal_hint() -> None:
    from riskmodel.scenario.errors import _number_as_text_hint

    assert _number_as_text_hint("-010") == (
        " (a whole number with a leading zero is ambiguous: YAML 1.1 reads -010 as octal, YAML 1.2 as "
        "decimal: write -10, or -0o10 for octal)"
    )


def test_every_whole_number_field_of_the_files_has_an_upper_bound():
    """A number beyond every float is kept as ±10^309 for its field to judge (`errors.BeyondEveryFloat`): a
    whole-number field without an upper bound would take it (chunk_trials did) and pass it on to the
    engine's arithmetic. Each int field of the scenario and portfolio schema has one."""
    from annotated_types import Le, Lt
    from pydantic import BaseModel

    from riskmodel.scenario import schema

    unbounded = []
    for model in vars(schema).values():
        if not (isinstance(model, type) and issubclass(model, BaseModel)) or model is BaseModel:
            continue
        for name, info in model.model_fields.items():
            if info.annotation is not int:
                continue
            if not any(isinstance(m, Le | Lt) for m in info.metadata):
                unbounded.append(f"{model.__name__}.{name}")
    assert unbounded == []


PERIL = """\
perils:
  storm:
    frequency: {distribution: poisson, mean: 0.5}
    severity: {distribution: fixed, value_usd_m: 10}
"""


@pytest.mark.parametrize(
    "old, new, expected",
    [
        (
            "years: 3}",
            "years: 1.0e+400}",
            "s.yaml:2: horizon.years: 1.0e+400 is too large for a number: must be between 1 and 30",
        ),
        (
            "start_year: 2026, years",
            "start_year: 1.0e+400, years",
            "s.yaml:2: horizon.start_year: 1.0e+400 is too large for a number: must be between 1990 and 2100",
        ),
    ],
    ids=["years", "start_year"],
)
def test_a_horizon_beyond_every_float_is_one_problem(tmp_path: Path, old: str, new: str, expected: str):
    """The checks after the schema did arithmetic with the stand-in of a number beyond every float: with a
    peril, `horizon.years: 1.0e+400` ended in "OverflowError: int too large to convert to float", and a
    start year so gave a second, false problem ("must lie inside the horizon" of 310 digits)."""
    assert problems_of(tmp_path, replaced(old, new) + PERIL) == [expected]


def test_two_keys_beyond_every_float_are_two_keys(tmp_path: Path):
    """Numbers beyond every float are kept as ±10^309: two of them as keys of one mapping were told
    "duplicate key" (equal stand-ins); each is its own key, refused for what it is."""
    two = replaced("IRN: {p_join", "1.0e+400: {p_join: 0.1}\n      3.0e+400: {p_join")
    found = problems_of(tmp_path, two)
    assert found and not any("duplicate" in p for p in found), found
    assert any("key 1.0e+400" in p for p in found) and any("key 3.0e+400" in p for p in found), found


@pytest.mark.parametrize("value", ["", " null", " ~"])
def test_extends_with_no_value_is_an_error_not_a_scenario_of_defaults(tmp_path: Path, value: str) -> None:
    """`extends:` left empty loaded as a scenario with no parent (every setting a default), without a word:
    `extends` is not inherited, so null has nothing to remove (docs/scenarios.md, rule 3)."""
    assert problems_of(tmp_path, f"name: x\nextends:{value}\n") == [
        "s.yaml:2: extends: null is not allowed: must be the path of a parent scenario file, relative to "
        "this file (or an absolute path); remove the key for a scenario of its own"
    ]


def test_a_mapping_may_say_extends_none_as_a_scenarios_dump_does() -> None:
    doc = load_scenario_from_dict(yaml.safe_load(BASE)).model_dump(mode="json")
    assert doc["extends"] is None
    assert load_scenario_from_dict(doc).extends is None
