"""The scenario loader: `extends` merging, null removal, portfolio paths, provenance, overrides and the
wording of problems. Each test states the rule it checks; the files are written inline so the expected
merge can be read beside them.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from riskmodel.scenario import (
    Problem,
    Scenario,
    ScenarioError,
    load_portfolio,
    load_scenario,
    load_scenario_from_dict,
    resolved_document,
    scenario_hash,
    scenario_notes,
    with_overrides,
)
from riskmodel.scenario.errors import format_path, range_text, show_value
from riskmodel.scenario.loader import merge, validate_file

PARENT = """\
name: parent
horizon: {start_year: 2026, years: 5}
schemes:
  rv_pool:
    name: RV pool
    founders: [RUS, VEN]
    start_year: 2026
    capital_usd_m: 1000
    per_event_limit_usd_m: 300
    uptake: {share: 0.6}
    reinsurance: {reinsurer: RNRC, quota_share: 0.5, capacity_usd_m: 1000}
    candidates:
      IRN: {p_join: 0.6, by_year: 2030}
      SYR: {p_join: 0.05, by_year: 2030}
    port_acceptance: {TUR: 0.9, IND: 0.5}
  other:
    name: Other
    founders: [PRK]
    start_year: 2027
    capital_usd_m: 100
    per_event_limit_usd_m: 100
    uptake: {share: 0.5}
portfolio: book/book.yaml
"""
BOOK = """\
name: book
contracts:
  gxl1: {source: ig_gxl_layer1, type: quota_share, participation: 0.05}
  retro: {source: "scheme_reinsurance:rv_pool", type: xol, attachment_usd_m: 10, limit_usd_m: 100}
"""


@pytest.fixture
def family(tmp_path: Path) -> Path:
    """A parent scenario with a portfolio file in a sub-directory; children are written by each test."""
    (tmp_path / "book").mkdir()
    (tmp_path / "book" / "book.yaml").write_text(BOOK)
    (tmp_path / "parent.yaml").write_text(PARENT)
    return tmp_path


def child(family: Path, text: str, name: str = "child.yaml") -> Scenario:
    path = family / name
    path.write_text(text)
    return load_scenario(path)


# ------------------------------------------------------------------------------------------- extends
def test_child_changes_one_field_of_one_scheme(family: Path) -> None:
    """Mappings merge recursively: capital changes, founders, candidates and the other scheme stay."""
    s = child(family, "name: child\nextends: parent.yaml\nschemes:\n  rv_pool:\n    capital_usd_m: 2000\n")
    assert s.schemes["rv_pool"].capital_usd_m == 2000
    assert s.schemes["rv_pool"].founders == ["RUS", "VEN"]
    assert set(s.schemes["rv_pool"].candidates) == {"IRN", "SYR"}
    assert s.schemes["rv_pool"].per_event_limit_usd_m == 300
    assert s.schemes["other"].capital_usd_m == 100
    assert s.name == "child"


def test_child_changes_one_port_and_keeps_the_others(family: Path) -> None:
    s = child(family, "name: c\nextends: parent.yaml\nschemes: {rv_pool: {port_acceptance: {IND: 0.3}}}\n")
    assert s.schemes["rv_pool"].port_acceptance == {"TUR": 0.9, "IND": 0.3}


def test_lists_replace(family: Path) -> None:
    s = child(family, "name: c\nextends: parent.yaml\nschemes: {rv_pool: {founders: [RUS]}}\n")
    assert s.schemes["rv_pool"].founders == ["RUS"]


def test_null_removes_a_candidate_a_block_and_a_scheme(family: Path) -> None:
    text = """\
name: c
extends: parent.yaml
schemes:
  rv_pool:
    candidates: {SYR: null}
    reinsurance: null
  other: null
"""
    s = child(family, text)
    assert set(s.schemes) == {"rv_pool"}
    assert set(s.schemes["rv_pool"].candidates) == {"IRN"}
    assert s.schemes["rv_pool"].reinsurance is None


def test_null_of_a_required_key_is_reported_at_the_null(family: Path) -> None:
    path = family / "c.yaml"
    path.write_text("name: c\nextends: parent.yaml\nschemes:\n  rv_pool:\n    capital_usd_m: null\n")
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert "c.yaml:5: schemes.rv_pool.capital_usd_m: is required but missing" in str(err.value)


def test_grandchild_merges_through_two_levels(family: Path) -> None:
    (family / "child.yaml").write_text(
        "name: c\nextends: parent.yaml\nschemes: {rv_pool: {capital_usd_m: 2000}}\n"
    )
    s = child(
        family, "name: g\nextends: child.yaml\nschemes: {rv_pool: {per_event_limit_usd_m: 500}}\n", "g.yaml"
    )
    assert (s.schemes["rv_pool"].capital_usd_m, s.schemes["rv_pool"].per_event_limit_usd_m) == (2000, 500)
    assert s.extends == "child.yaml"


def test_extends_and_baseline_are_not_inherited(family: Path) -> None:
    (family / "child.yaml").write_text("name: c\nextends: parent.yaml\nbaseline: parent.yaml\n")
    s = child(family, "name: g\nextends: child.yaml\n", "g.yaml")
    assert s.extends == "child.yaml"
    assert s.baseline is None


def test_parent_in_another_directory(family: Path) -> None:
    """`extends` and `portfolio` paths are relative to the file that says them."""
    sub = family / "variants"
    sub.mkdir()
    s = child(sub, "name: v\nextends: ../parent.yaml\n", "v.yaml")
    assert set(s.portfolio.contracts) == {"gxl1", "retro"}  # type: ignore[union-attr]


def test_inline_portfolio_merges_over_the_parents(family: Path) -> None:
    text = """\
name: c
extends: parent.yaml
portfolio:
  contracts:
    gxl1: {participation: 0.1}
    war: {source: [war_hull, war_pi], type: xol, attachment_usd_m: 10, limit_usd_m: 50}
"""
    s = child(family, text)
    assert s.portfolio is not None
    assert set(s.portfolio.contracts) == {"gxl1", "retro", "war"}
    assert s.portfolio.contracts["gxl1"].participation == 0.1
    assert s.portfolio.contracts["gxl1"].source == "ig_gxl_layer1"


def test_portfolio_path_in_a_child_replaces_the_parents(family: Path) -> None:
    (family / "other.yaml").write_text(
        "name: other\ncontracts:\n  sl: {source: owner, type: stop_loss, limit_usd_m: 5}\n"
    )
    s = child(family, "name: c\nextends: parent.yaml\nportfolio: other.yaml\n")
    assert s.portfolio is not None
    assert set(s.portfolio.contracts) == {"sl"}


def test_merge_does_not_change_its_inputs() -> None:
    parent = {"a": {"x": 1, "y": [1, 2]}, "b": 1}
    child_doc = {"a": {"x": None}, "b": 2}
    merged = merge(parent, child_doc)
    assert merged == {"a": {"y": [1, 2]}, "b": 2}
    assert parent == {"a": {"x": 1, "y": [1, 2]}, "b": 1}
    assert child_doc == {"a": {"x": None}, "b": 2}


def test_yaml_merge_keys_are_not_duplicates(tmp_path: Path) -> None:
    """YAML anchors and `<<` merge keys work; an explicit key overrides a merged one without error."""
    path = tmp_path / "anchors.yaml"
    path.write_text(
        "name: a\nschemes:\n  s:\n    name: S\n    founders: [RUS]\n    start_year: 2026\n"
        "    capital_usd_m: 1\n    per_event_limit_usd_m: 1\n    uptake: {share: 0.5}\n    candidates:\n"
        "      IRN: &c {p_join: 0.3, by_year: 2030}\n      BLR: {<<: *c, p_join: 0.2}\n"
    )
    s = load_scenario(path)
    assert s.schemes["s"].candidates["BLR"].p_join == 0.2
    assert s.schemes["s"].candidates["BLR"].by_year == 2030


# ------------------------------------------------------------------------------ provenance and APIs
def test_resolved_document_is_the_merged_mapping(family: Path) -> None:
    (family / "c.yaml").write_text("name: c\nextends: parent.yaml\nschemes: {rv_pool: {capital_usd_m: 5}}\n")
    doc = resolved_document(family / "c.yaml")
    assert type(doc) is dict
    assert doc["schemes"]["rv_pool"]["capital_usd_m"] == 5
    assert doc["schemes"]["rv_pool"]["founders"] == ["RUS", "VEN"]
    assert doc["portfolio"]["name"] == "book"
    json.dumps(doc)


def test_scenario_hash_ignores_layout_and_sees_values(family: Path) -> None:
    a = child(family, "name: c\nextends: parent.yaml\n", "a.yaml")
    b = child(family, "# a comment\nextends: parent.yaml\nname: c   # same, other order\n", "b.yaml")
    c = child(family, "name: c\nextends: parent.yaml\nschemes: {rv_pool: {capital_usd_m: 1001}}\n", "c.yaml")
    assert scenario_hash(a) == scenario_hash(b)
    assert scenario_hash(a) != scenario_hash(c)
    assert len(scenario_hash(a)) == 64


def test_load_scenario_from_dict_resolves_relative_to_base_dir(family: Path) -> None:
    s = load_scenario_from_dict({"name": "nb", "extends": "parent.yaml"}, base_dir=family)
    assert s.schemes["rv_pool"].capital_usd_m == 1000


def test_load_scenario_from_dict_reports_problems_with_the_origin() -> None:
    with pytest.raises(ScenarioError) as err:
        load_scenario_from_dict({"name": "nb", "horizon": {"years": 0}}, origin="<notebook>")
    assert str(err.value) == "<notebook>: horizon.years: 0 is not allowed: must be between 1 and 30"


def test_with_overrides_sets_dotted_paths(family: Path) -> None:
    s = child(family, "name: c\nextends: parent.yaml\n")
    t = with_overrides(
        s,
        {
            "schemes.rv_pool.capital_usd_m": 2000,
            "schemes.rv_pool.candidates.CUB": {"schedule": {2027: 0.1, 2029: 0.3}},
            "schemes.rv_pool.candidates.SYR": None,
            "simulation.trials": 500,
        },
    )
    assert t.schemes["rv_pool"].capital_usd_m == 2000
    assert t.schemes["rv_pool"].candidates["CUB"].schedule == {2027: 0.1, 2029: 0.3}
    assert "SYR" not in t.schemes["rv_pool"].candidates
    assert t.simulation.trials == 500
    assert s.schemes["rv_pool"].capital_usd_m == 1000  # the original is untouched


def test_with_overrides_schedule_year_key(family: Path) -> None:
    s = with_overrides(
        child(family, "name: c\nextends: parent.yaml\n"),
        {"schemes.rv_pool.candidates.CUB": {"schedule": {2027: 0.1}}},
    )
    t = with_overrides(s, {"schemes.rv_pool.candidates.CUB.schedule.2027": 0.2})
    assert t.schemes["rv_pool"].candidates["CUB"].schedule == {2027: 0.2}


def test_with_overrides_inside_a_missing_entry_names_the_entries(family: Path) -> None:
    """A key set inside a scheme the scenario lacks says so (not that the new scheme misses its name)."""
    s = child(family, "name: c\nextends: parent.yaml\n")
    with pytest.raises(ScenarioError) as err:
        with_overrides(s, {"schemes.nopool.capital_usd_m": 5})
    assert str(err.value) == "<overrides>: no scheme 'nopool' (schemes: rv_pool, other)"


def test_with_overrides_invalid_value_names_the_path(family: Path) -> None:
    s = child(family, "name: c\nextends: parent.yaml\n")
    with pytest.raises(ScenarioError) as err:
        with_overrides(s, {"schemes.rv_pool.capital_usd_m": -5, "horizon.yeras": 3})
    text = str(err.value)
    assert "<overrides>: schemes.rv_pool.capital_usd_m: -5 is not allowed: must be greater than 0" in text
    assert "horizon.yeras: unknown key 'yeras' (did you mean 'years'?)" in text


def test_with_overrides_through_a_number_is_a_problem(family: Path) -> None:
    s = child(family, "name: c\nextends: parent.yaml\n")
    with pytest.raises(ScenarioError) as err:
        with_overrides(s, {"horizon.years.x": 3})
    assert "horizon.years: is 5, not a mapping: cannot set horizon.years.x" in str(err.value)


def test_a_variant_is_named_after_its_parent_and_what_it_sets(family: Path) -> None:
    """A variant kept its parent's name: its results printed the same repr, and plots and reports gave two
    runs one title. It gains the values it sets (as YAML writes them; numpy scalars as numbers), the first
    three and a count of the rest; a given name wins; settings that change no figure leave the name."""
    import numpy as np

    s = child(family, "name: c\nextends: parent.yaml\n")
    one = with_overrides(s, {"schemes.rv_pool.capital_usd_m": np.int64(2000)})
    assert one.name == "c (with schemes.rv_pool.capital_usd_m=2000)"
    gone = with_overrides(s, {"schemes.rv_pool.reinsurance": None, "simulation.keep_events": True})
    assert gone.name == "c (with schemes.rv_pool.reinsurance=null)"
    many = {"horizon.years": 3, "schemes.rv_pool.capital_usd_m": 9, "schemes.rv_pool.founders": ["RUS"]}
    many |= {"sanctions": None}
    assert with_overrides(s, many).name == (
        "c (with horizon.years=3, schemes.rv_pool.capital_usd_m=9, schemes.rv_pool.founders=['RUS'] and "
        "1 more)"
    )
    assert with_overrides(s, {**many, "name": "mine"}).name == "mine"
    same = {"simulation.keep_events": True, "simulation.chunk_trials": 4096, "description": "kept"}
    assert with_overrides(s, same).name == "c" and with_overrides(s, {}).name == "c"
    assert scenario_hash(with_overrides(s, {"simulation.keep_events": False})) == scenario_hash(s)


def test_a_variants_name_does_not_state_its_trials_or_seed(family: Path) -> None:
    """``with_overrides(s, {"simulation.trials": 50})`` was named "c (with simulation.trials=50)", and
    `simulate(variant, trials=150)` gave a 150-trial run under that name. The trials and the seed are how
    a variant is run, not what it models: `simulate`'s arguments override them, and every run states its
    own (`Results.n_trials`, `Results.seed`, in each heading), so the name leaves them out as it leaves
    out the other run settings; the values are still set."""
    s = child(family, "name: c\nextends: parent.yaml\n")
    t = with_overrides(s, {"simulation.trials": 50, "simulation.seed": 3})
    assert t.name == "c" and (t.simulation.trials, t.simulation.seed) == (50, 3)
    mixed = with_overrides(s, {"simulation.trials": 50, "horizon.years": 3})
    assert mixed.name == "c (with horizon.years=3)"


def test_variants_over_portfolio_files_in_one_folder_have_distinct_names(
    family: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A value was cut at 40 characters from the front, so a sweep over
    books/underwriting_2026/cedant_book_variant_a.yaml and _b.yaml named both points
    "c (with portfolio='books/underwriting_2026/cedant_book_va…)" (a `Path` as "PosixPath('books/…"). A
    path is shortened from the left: its file name shows, whole even when longer than the 40."""
    s = child(family, "name: c\nextends: parent.yaml\n")
    folder = family / "books" / "underwriting_2026"
    folder.mkdir(parents=True)
    stems = ["cedant_book_variant_a", "cedant_book_variant_b"]
    stems += [f"cedant_book_for_the_underwriting_year_2026_variant_{x}" for x in "ab"]
    files = [folder / f"{stem}.yaml" for stem in stems]
    for file in files:
        file.write_text(BOOK)
    assert all(len(str(file)) > 40 for file in files)
    for kind in (str, Path):
        names = [with_overrides(s, {"portfolio": kind(file)}).name for file in files]
        assert len(set(names)) == len(files), names
        for file, name in zip(files, names, strict=True):
            assert name.startswith("c (with portfolio='…") and name.endswith(f"/{file.name}')"), name
    monkeypatch.chdir(family)  # (a path relative to the current folder, and short: as it is)
    short = with_overrides(s, {"portfolio": "book/book.yaml"})
    assert short.name == "c (with portfolio='book/book.yaml')"


def test_the_docs_variant_is_named_as_they_show() -> None:
    """docs/scenarios.md shows the name of its `with_overrides` example: it is the one given."""
    import re

    docs = (Path(__file__).parents[1] / "docs" / "scenarios.md").read_text(encoding="utf-8")
    shown = re.search(r"^thin\.name  # '(.*)'$", docs, re.MULTILINE)
    assert shown is not None
    s = load_scenario(Path(__file__).parents[1] / "scenarios" / "rv_pool.yaml")
    thin = with_overrides(
        s,
        {
            "schemes.rv_pool.capital_usd_m": 50,
            "schemes.rv_pool.recapitalisation": None,
            "schemes.rv_pool.candidates.SYR": None,
        },
    )
    assert thin.name == shown.group(1)
    assert (
        thin.schemes["rv_pool"].recapitalisation is None and "SYR" not in thin.schemes["rv_pool"].candidates
    )


def test_load_portfolio(family: Path) -> None:
    p = load_portfolio(family / "book" / "book.yaml")
    assert set(p.contracts) == {"gxl1", "retro"}


def test_a_mapping_or_another_object_is_no_path_of_a_file(family: Path) -> None:
    """`load_scenario({...})` failed in pathlib ("expected str, bytes or os.PathLike object, not dict").
    A mapping is refused, not read: its `extends` and portfolio path would resolve against the working
    directory, not a file's, which is what `load_scenario_from_dict` and its `base_dir` are for; the
    error names it."""
    doc = {"name": "c", "extends": "parent.yaml"}
    with pytest.raises(TypeError) as caught:
        load_scenario(doc)
    assert str(caught.value) == (
        "load_scenario takes the path of a YAML file (a str or a pathlib.Path), got {'name': 'c', "
        "'extends': 'parent.yaml'} (a dict): for a scenario given as a mapping, use "
        "riskmodel.scenario.load_scenario_from_dict(doc, base_dir=...)"
    )
    assert load_scenario_from_dict(doc, base_dir=family).name == "c"  # (what the message says works)
    with pytest.raises(
        TypeError, match=r"^load_portfolio takes .*got \{'name': 'b'\} \(a dict\): a portfolio "
    ):
        load_portfolio({"name": "b"})
    for wrong, kind in ((None, "a NoneType"), (b"parent.yaml", "a bytes"), (5, "an int")):
        with pytest.raises(
            TypeError, match=rf"^load_scenario takes .*, got {re.escape(repr(wrong))} \({kind}\)$"
        ):
            load_scenario(wrong)
        with pytest.raises(TypeError, match=r"^validate_file takes the path of a YAML file"):
            validate_file(wrong)


def test_notes_for_a_scheme_the_scenario_lacks(family: Path) -> None:
    s = child(family, "name: c\nextends: parent.yaml\nschemes: {rv_pool: null}\n")
    notes = scenario_notes(s)
    assert notes == [
        "portfolio.contracts.retro.source: 'scheme_reinsurance:rv_pool' names scheme 'rv_pool', which this "
        "scenario does not define: the contract cedes nothing and earns no premium here"
    ]
    result = validate_file(family / "child.yaml")
    assert result.ok
    assert [n.where for n in result.notes] == [f"{result.notes[0].file}:4"]
    assert result.notes[0].file.endswith("book.yaml")


def test_a_contract_with_another_source_keeps_its_premium_note(family: Path) -> None:
    """A contract that still has a source the scenario produces keeps its premium: only the lacking
    source is noted, as ceding nothing."""
    book = "portfolio:\n  contracts:\n    both: {source: [ig_pool, 'scheme:rv_pool'], type: quota_share}\n"
    s = child(family, "name: c\nextends: parent.yaml\nschemes: {rv_pool: null}\n" + book)
    assert scenario_notes(s)[1:] == [
        "portfolio.contracts.both.source[1]: 'scheme:rv_pool' names scheme 'rv_pool', which this scenario "
        "does not define: the contract cedes nothing here"
    ]
    assert "retro" in scenario_notes(s)[0] and "earns no premium" in scenario_notes(s)[0]


def test_by_year_past_the_horizon_is_allowed(family: Path) -> None:
    """by_year sets the yearly hazard; the hazard continues past it and before it, so 2035 is fine."""
    s = child(
        family, "name: c\nextends: parent.yaml\nschemes: {rv_pool: {candidates: {IRN: {by_year: 2035}}}}\n"
    )
    assert s.schemes["rv_pool"].candidates["IRN"].by_year == 2035


# ---------------------------------------------------------------------------------------- wording
def test_problem_format() -> None:
    p = Problem(
        "x.yaml", ("schemes", "rv_pool", "founders", 1), "'VNZ' is not allowed: ...", value="VNZ", line=9
    )
    assert str(p) == "x.yaml:9: schemes.rv_pool.founders[1]: 'VNZ' is not allowed: ..."
    assert str(Problem("x.yaml", (), "the file is empty")) == "x.yaml: the file is empty"


def test_scenario_error_lists_one_problem_per_line() -> None:
    err = ScenarioError([Problem("a.yaml", ("x",), "one", line=1), Problem("a.yaml", ("y",), "two", line=2)])
    assert str(err).splitlines() == ["a.yaml:1: x: one", "a.yaml:2: y: two"]


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (1.5, "1.5"),
        (1.0, "1"),
        (float("nan"), ".nan"),
        (float("-inf"), "-.inf"),
        (True, "true"),
        (None, "null"),
        ("RUS", "'RUS'"),
        ({"a": [1, "b"]}, "{a: [1, 'b']}"),
    ],
)
def test_values_are_shown_as_written_in_yaml(value: object, shown: str) -> None:
    assert show_value(value) == shown


def test_range_wording() -> None:
    assert range_text({"ge": 0, "le": 1}) == "must be between 0 and 1"
    assert range_text({"gt": 0.5, "lt": 3}) == "must be greater than 0.5 and less than 3"
    assert range_text({"ge": 4096}, kind="a whole number") == "must be a whole number, at least 4096"
    assert format_path(("a", 0, "b")) == "a[0].b"


def test_union_errors_report_the_branch_the_input_meant(tmp_path: Path) -> None:
    """A mapping given for `cedant_share` is judged as a share-by mapping, not as a number."""
    path = tmp_path / "book.yaml"
    path.write_text(
        "name: b\ncontracts:\n  a:\n    source: ig_pool\n    type: quota_share\n"
        "    cedant_share: {by: zone, shares: {BALTIC: 1.2}}\n"
    )
    result = validate_file(path)
    assert [str(p) for p in result.problems] == [
        f"{result.file}:6: contracts.a.cedant_share.shares.BALTIC: 1.2 is not allowed: "
        "must be between 0 and 1"
    ]


@pytest.mark.parametrize("key", ["extends", "baseline"])
def test_overrides_cannot_set_what_is_resolved_when_the_file_is_read(key):
    """`--set extends=...` and `--set baseline=...` were accepted and did nothing."""
    scenario = load_scenario("scenarios/rv_pool.yaml")
    with pytest.raises(ScenarioError) as info:
        with_overrides(scenario, {key: "nope.yaml"})
    assert f"{key}: 'nope.yaml' is not allowed: {key} is resolved when the file is read" in str(info.value)


def test_a_baseline_must_itself_be_a_valid_scenario(tmp_path):
    """validate passed a baseline that was invalid or a portfolio file; run then failed on it."""
    (tmp_path / "bad.yaml").write_text("name: bad\nhorizon: {years: 0}\n")
    (tmp_path / "book.yaml").write_text("name: book\ncontracts: {}\n")
    (tmp_path / "a.yaml").write_text("name: a\nbaseline: b.yaml\n")  # baselines of each other: fine
    (tmp_path / "b.yaml").write_text("name: b\nbaseline: a.yaml\n")
    for ref, expected in (
        # (the baseline's own problem names it as messages name files: relative to the working folder)
        (
            "bad.yaml",
            ("the baseline is not a valid scenario: ", "bad.yaml:2: horizon.years: 0 is not allowed"),
        ),
        ("book.yaml", ("it is a portfolio file, not a scenario",)),
    ):
        (tmp_path / "s.yaml").write_text(f"name: s\nbaseline: {ref}\n")
        problems = validate_file(tmp_path / "s.yaml").problems
        assert [p.dotted_path for p in problems] == ["baseline"], problems
        assert all(part in problems[0].message for part in expected), problems[0].message
    assert validate_file(tmp_path / "a.yaml").problems == []


def test_overrides_take_numpy_scalars_as_their_python_values():
    """A sweep built with numpy (np.arange) gave np.int64(3): 'is not allowed: must be a whole number'."""
    import numpy as np

    scenario = load_scenario("scenarios/rv_pool.yaml")
    changed = with_overrides(scenario, {"horizon.years": np.int64(3), "simulation.seed": np.uint32(9)})
    assert (changed.horizon.years, changed.simulation.seed) == (3, 9)


def test_a_missing_parent_of_an_inline_scenario_says_where_it_was_looked_for(tmp_path):
    """An inline scenario has no file to be extended by: the message said '(extended by )'."""
    with pytest.raises(ScenarioError) as info:
        load_scenario_from_dict({"name": "x", "extends": "nope.yaml"}, base_dir=tmp_path)
    message = str(info.value)
    assert message.startswith("<inline>: extends: 'nope.yaml' is not allowed: no such file ")
    assert f"{tmp_path / 'nope.yaml'}; extends takes a path relative to base_dir, here {tmp_path}" in message
    assert "extended by" not in message


def test_a_copy_of_a_shipped_scenario_is_told_to_extend_it_where_it_is(tmp_path: Path) -> None:
    """A shipped scenario copied to a folder of one's own keeps its relative `extends: baseline.yaml`,
    which names nothing there. The message names the shipped parent's path (not a near file's name, as
    'did you mean' did) and says that `extends` may be absolute; a child that extends the shipped file by
    its absolute path loads, with the shipped file's values."""
    from riskmodel.scenario.loader import SHIPPED_SCENARIOS

    shipped = SHIPPED_SCENARIOS / "rv_pool.yaml"
    (tmp_path / "bad1.yaml").write_text("name: a near name\n")
    copy = tmp_path / "rv_copy.yaml"
    copy.write_text(shipped.read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario(copy)
    message = str(info.value)
    assert "extends: 'baseline.yaml' is not allowed: no such file" in message
    assert f"(the shipped scenario baseline.yaml is {SHIPPED_SCENARIOS / 'baseline.yaml'})" in message
    assert "did you mean" not in message
    assert "extends takes a path relative to the folder of the file that names it" in message
    assert (
        "or an absolute path: to build on a shipped scenario, extend it where it is rather than copy it"
        in message
    )

    child_file = tmp_path / "mine.yaml"
    child_file.write_text(f"name: mine\nextends: {shipped}\nschemes: {{rv_pool: {{capital_usd_m: 2000}}}}\n")
    mine, original = load_scenario(child_file), load_scenario(shipped)
    assert mine.schemes["rv_pool"].capital_usd_m == 2000
    assert mine.portfolio == original.portfolio
    assert mine.schemes["rv_pool"].candidates == original.schemes["rv_pool"].candidates


def test_notes_on_a_raw_document_take_the_schemas_defaults() -> None:
    """`riskmodel validate` reads the file as written: a key left out takes the schema's default (the
    world model on, a scheme's hull cover on), as the run does."""
    from riskmodel.scenario.checks import note_problems

    contracts = {"hull": {"source": "hm_scheme:s"}, "gxl": {"source": "ig_gxl_layer1"}}
    doc = {"schemes": {"s": {"founders": ["RUS"]}}, "portfolio": {"contracts": contracts}}
    assert note_problems(doc) == []
    no_hull = {**doc, "schemes": {"s": {"founders": ["RUS"], "hull_cover": False}}}
    assert [p.path for p in note_problems(no_hull)] == [("portfolio", "contracts", "hull", "source")]
    perils_only = {**doc, "simulation": {"world_model": False}}
    assert [p.path[2] for p in note_problems(perils_only)] == ["hull", "gxl"]


def test_a_line_on_an_inuring_quota_share_without_its_quota_gets_a_note() -> None:
    """An excess inuring to a quota share written at 10% without `quota` deducts 10% of each loss: right
    for a 10% quota share of one's own, too little for a 10% line on a larger treaty, so a note asks."""
    from riskmodel.scenario.checks import note_problems

    def doc(**qs) -> dict:
        contracts = {
            "qs": {"source": "owner", "type": "quota_share", **qs},
            "xl": {
                "source": "owner",
                "type": "xol",
                "attachment_usd_m": 10,
                "limit_usd_m": 20,
                "inures": ["qs"],
            },
        }
        return {"portfolio": {"contracts": contracts}}

    [note] = note_problems(doc(participation=0.1))
    assert note.path == ("portfolio", "contracts", "qs", "participation")
    assert "'xl' inures to this quota share, whose participation (0.1) is read as its quota" in str(note)
    assert note_problems(doc(participation=0.1, quota=0.4)) == []
    assert note_problems(doc(participation=1.0)) == []


def test_a_misspelt_premium_base_is_an_error_without_a_note() -> None:
    """A premium base that is no base at all is an error of the file; the note that a perils-only scenario
    has no bases is for real bases only (it told a world-model scenario that it ran none)."""
    from riskmodel.scenario.checks import note_problems

    def doc(base: str, **extra) -> dict:
        rated = {"source": "peril:p", "premium": {"rate_on_base": 0.1, "base": base}}
        return {"perils": {"p": {}}, "portfolio": {"contracts": {"c": rated}}, **extra}

    assert note_problems(doc("ig_gxl_premum")) == []
    assert note_problems(doc("ig_gxl_premium")) == []
    perils_only = {"simulation": {"world_model": False}}
    assert note_problems(doc("ig_gxl_premum", **perils_only)) == []
    [note] = note_problems(doc("ig_gxl_premium", **perils_only))
    assert note.path[3:] == ("premium", "base") and "the premium is zero here" in str(note)
    [note] = note_problems(doc("scheme_premium:rv_pol", schemes={"rv_pool": {}}))
    assert "names scheme 'rv_pol', which this scenario does not define (did you mean 'rv_pool'?)" in str(note)
