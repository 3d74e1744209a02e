"""Screening a fleet against sanctions lists, and the exposure report.

In: a validated fleet (`read_fleet`), a `SanctionsLists` (`read_lists`), the world's states (flags of
convenience, shadow-fleet flags, the blocs sanctioning each state) and the screening date.
Out: a `ScreeningResult` with
- `matches`: one row per (vessel, list entry) hit: by IMO (check digit verified, confidence `high`); by
  normalised name and flag (confidence `low`); by the P&I provider's or H&M insurer's name against
  designated organisations (`high` or `low`, `match_basis` says how); entries dated after the screening
  date are reported (`listed_after_as_of`) but not counted;
- `vessels`: the fleet with a column per finding and per at-risk profile (the flag of a sanctioned state,
  a shadow-fleet flag, age ≥ 20 under a flag of convenience, P&I outside the IG and Western fixed-premium
  market, a recent flag change known from the lists); a ship's findings (designations, its flag- and
  age-based profiles, flag changes) hold in every row (cover) of its IMO, an insurer's in its own row,
  and `conflicting_rows` names the rows of one IMO that disagree on the ship;
- `exposure`: vessels, limit (sum insured) and premium per category (`EXPOSURE_CATEGORIES`), for the
  whole book, by cedant and by contract;
- `list_problems`: list entries reported but not matched by IMO.
Every step is a pandas merge or a column operation: no loop over vessels.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from riskmodel.arguments import not_an_int, shown
from riskmodel.screening.fleet import (
    IG_CLUBS,
    VALIDATED_FLEET_COLUMNS,
    WESTERN_FIXED_PI,
    StateRegistry,
    canonical_insurers,
    default_world,
    normalise_org_names,
    read_fleet,
    screening_date,
    validate_fleet,
    vessel_age,
)
from riskmodel.screening.lists import (
    PROBLEM_COLUMNS,
    REGIMES,
    SanctionsLists,
    read_lists,
    vessel_name_keys,
)

#: Age from which a vessel has an at-risk profile (the shadow fleet averages 20.2 years, BRS 2025).
AT_RISK_AGE = 20
#: A flag change this recent (days before the screening date) is an at-risk profile.
FLAG_CHANGE_WINDOW_DAYS = 365
#: The longest window allowed: 100 years, longer than any ship sails (and a window pandas can subtract
#: from every screening date allowed).
MAX_FLAG_CHANGE_WINDOW_DAYS = 36_500
#: The vessel columns and exposure categories of IMO matches by regime, in the order of `REGIMES`.
REGIME_CATEGORIES: tuple[str, ...] = tuple(f"designated_vessel_{regime}" for regime in REGIMES)
NO_CONTRACT = "(none)"
#: Between the cedant and the contract in the `group` of the exposure by contract.
CONTRACT_GROUP_SEPARATOR = " / "


@dataclass(frozen=True)
class TableColumn:
    """One column of an output table: name, dtype as written, meaning."""

    name: str
    dtype: str
    description: str


MATCH_COLUMNS: tuple[TableColumn, ...] = (
    TableColumn("row", "int64", "Row of the vessel in the fleet list (header = row 1)."),
    TableColumn("imo", "int64", "The vessel's IMO number."),
    TableColumn("name", "string", "The vessel's name in the fleet list."),
    TableColumn("flag", "string", "The vessel's flag in the fleet list (ISO3)."),
    TableColumn("cedant", "string", "The cedant whose book holds the vessel."),
    TableColumn("contract", "string", f"The contract of the vessel, `{NO_CONTRACT}` when blank."),
    TableColumn(
        "match_type",
        "string",
        "`imo` (IMO equal), `name_flag` (normalised name and flag equal, the entry has no valid IMO), "
        "`name_past_flag` (the name, and the vessel's flag equals one of the entry's past flags: a flag "
        "hop), `name_flag_other_imo` (name and flag equal, IMO differs: the entry has another valid IMO), "
        "`pi_insurer` or `hm_insurer` (the insurer's name matches a designated organisation's).",
    ),
    TableColumn(
        "confidence",
        "string",
        "`high` for IMO matches and insurer names equal, known aliases of one insurer or a branch of the "
        "designated insurer; `low` for name-and-flag matches and insurer names matched only once the "
        "designated name's bracketed part is dropped or by generic words (check these by hand).",
    ),
    TableColumn(
        "match_basis",
        "string",
        "Insurer matches: `name` (equal names), `known_alias` (two names of one domestic insurer of a "
        "sanctioned state), `branch` (the fleet's name less its bracketed part equals the designated "
        "name: `Sogaz (Russia)` against `Sogaz`), `bracket_dropped` (equal only once the designated name's "
        "bracketed part is dropped: `Gard (Russia) LLC` against `Gard`), `token_subset` (one name is the "
        "other plus generic insurer words: `Sogaz Insurance Group` against `Sogaz`); blank for vessel "
        "matches.",
    ),
    TableColumn(
        "list",
        "string",
        "The list (CSV `list` column, or the OpenSanctions dataset), lower-case with `_` for spaces and "
        "punctuation (`OFAC SDN` is `ofac_sdn`).",
    ),
    TableColumn(
        "regime",
        "string",
        "`EU`, `UK`, `US` or `UN`, from the start of the list's name (`eu`, `european_union`; `uk`, `gb`, "
        "`hm_treasury`, `ofsi`; `us`, `ofac`; `un`, `united_nations`; see docs); blank for a list of no "
        "known regime.",
    ),
    TableColumn(
        "list_date",
        "datetime64[ns]",
        "The entry's date: a designation date with `date_basis` `list` or `sanction`; with `first_seen`, "
        "not a listing date (see `date_basis`).",
    ),
    TableColumn(
        "date_basis",
        "string",
        "What `list_date` is: `list` (the list's date column), `sanction` (an OpenSanctions Sanction "
        "entity's listing or start date in the same dataset), `first_seen` (when OpenSanctions first saw "
        "the entity, in any of its datasets: not a listing date, it can be earlier or later than this "
        "list's designation); blank without a date.",
    ),
    TableColumn("entry_name", "string", "Name of the list entry that matched."),
    TableColumn("entry_imo", "string", "IMO number as written in the list entry."),
    TableColumn("entry_flag", "string", "Flag of the list entry (ISO3)."),
    TableColumn("source", "string", "File of the list entry."),
    TableColumn("source_line", "int64", "Line (JSON) or row (CSV, header = row 1) of the entry in its file."),
    TableColumn("entity_id", "string", "OpenSanctions entity id of the entry (blank for CSV lists)."),
    TableColumn(
        "listed_after_as_of",
        "bool",
        "The entry's listing date (`date_basis` `list` or `sanction`) is after the screening date: listed "
        "after it, so reported here but not counted as a designation at that date (not in the vessel "
        "findings or the exposure). Never true for a `first_seen` date, which is not a listing date.",
    ),
)

VESSEL_FINDING_COLUMNS: tuple[TableColumn, ...] = (
    TableColumn("age", "int64", "This row's age in years at the screening date (year difference)."),
    TableColumn(
        "conflicting_rows",
        "string",
        "The other rows of this IMO whose name, flag or year built differ from this row's, with the "
        "columns that differ (`3 (flag); 5 (name, year_built)`); blank when they agree. The ship's findings "
        "hold in all its rows, so one row's data can set another's.",
    ),
    TableColumn(
        "name_unmatchable",
        "bool",
        "The name has no Latin letters or digits (`ВОЛГА`), once a type prefix is dropped: it can match no "
        "list entry by name, only by IMO (transliterate it: `VOLGA`).",
    ),
    TableColumn(
        "designated_vessel", "bool", "The ship (IMO) is matched by IMO to a list entry, in any of its rows."
    ),
    *(
        TableColumn(category, "bool", f"The ship is matched by IMO to an entry of a list of the {regime}.")
        for regime, category in zip(REGIMES, REGIME_CATEGORIES, strict=True)
    ),
    TableColumn(
        "designated_vessel_name_only",
        "bool",
        "The ship is matched only by name and flag to an entry without a valid IMO (`name_flag`, "
        "`name_past_flag`; lower confidence), in any of its rows, and not by IMO.",
    ),
    TableColumn(
        "designated_vessel_other_imo",
        "bool",
        "The ship's name and flag equal those of an entry whose valid IMO differs (`name_flag_other_imo`; "
        "low confidence: probably another ship, check for a false IMO), in any of its rows, and it is "
        "matched neither by IMO nor by name only.",
    ),
    TableColumn("designated_lists_imo", "string", "Lists that matched the ship by IMO, `;`-separated."),
    TableColumn(
        "designated_lists_name_only",
        "string",
        "Lists whose entries without a valid IMO matched the ship by name and flag (lower confidence), "
        "`;`-separated.",
    ),
    TableColumn(
        "designated_lists_other_imo",
        "string",
        "Lists whose entries with another valid IMO matched the ship's name and flag, `;`-separated.",
    ),
    TableColumn(
        "designated_pi_insurer",
        "bool",
        "This row's P&I provider's name matches a designated organisation's with high confidence.",
    ),
    TableColumn(
        "designated_hm_insurer",
        "bool",
        "This row's H&M insurer's name matches a designated organisation's with high confidence.",
    ),
    TableColumn("designated_insurer", "bool", "Either insurer is designated (high confidence)."),
    TableColumn(
        "designated_insurer_low_confidence",
        "bool",
        "An insurer of this row matches a designated organisation only with low confidence (the designated "
        "name's bracketed part dropped, or generic words): check by hand.",
    ),
    TableColumn(
        "age_20_plus",
        "bool",
        f"This row's age ≥ {AT_RISK_AGE} years (information: at risk only under a flag of convenience).",
    ),
    TableColumn(
        "flag_of_convenience",
        "bool",
        "This row's flag is a flag of convenience (world data; information: at risk only with age 20+).",
    ),
    TableColumn(
        "flag_sanctioned_by",
        "string",
        "The blocs that sanction this row's flag state (world data `sanctioned_by`, `;`-separated; blank if "
        "none).",
    ),
    TableColumn(
        "sanctioned_state_flag",
        "bool",
        "The ship's flag state (in any of its rows) is sanctioned by at least one bloc.",
    ),
    TableColumn(
        "shadow_flag", "bool", "The ship's flag (in any of its rows) is a shadow-fleet registry (world data)."
    ),
    TableColumn(
        "old_under_convenience_flag",
        "bool",
        f"Age ≥ {AT_RISK_AGE} years and a flag of convenience, both together (in any row of the ship).",
    ),
    TableColumn(
        "non_western_pi",
        "bool",
        "This row's P&I provider class is other than `ig` and `western_fixed` (the mainstream market).",
    ),
    TableColumn(
        "flag_change_date",
        "datetime64[ns]",
        "Last flag change of the ship known from the lists at the screening date (a `flag_changed` date; "
        "an entry whose flag differs from the IMO's previous entry; or, when a row's flag differs from the "
        "latest entry, that entry's date, the earliest the change can have happened). Entries listed "
        "after the screening date (as `listed_after_as_of`) and `flag_changed` dates after it are left "
        "out; an entry dated by `first_seen` after it is known at it, as in matching, and dated at it.",
    ),
    TableColumn(
        "recent_flag_change",
        "bool",
        f"`flag_change_date` within {FLAG_CHANGE_WINDOW_DAYS} days before the date.",
    ),
    TableColumn(
        "at_risk_profile",
        "bool",
        "Any of: sanctioned_state_flag, shadow_flag, old_under_convenience_flag, non_western_pi, "
        "recent_flag_change.",
    ),
    TableColumn("risk_reasons", "string", "The at-risk profiles that apply, `;`-separated."),
    TableColumn(
        "any_concern",
        "bool",
        "Designated (by IMO, by name only, or by name and flag with another IMO), designated insurer (of "
        "either confidence), or an at-risk profile: the low-confidence findings count, as items to check.",
    ),
)

EXPOSURE_COLUMNS: tuple[TableColumn, ...] = (
    TableColumn("by", "string", "`total`, `cedant` or `contract`."),
    TableColumn(
        "group",
        "string",
        "`all` for the total; the cedant; or `cedant / contract` for a contract (two cedants' contracts of "
        f"the same id are apart; `{NO_CONTRACT}` for rows without a contract).",
    ),
    TableColumn("category", "string", "See the exposure categories."),
    TableColumn(
        "vessels",
        "int64",
        "Distinct vessels (IMO numbers) in the category: a ship under two covers counts once.",
    ),
    TableColumn(
        "sum_insured_usd_m",
        "float64",
        "Limit: sum insured of the fleet rows in the category, USD m (adds over covers).",
    ),
    TableColumn("premium_usd_m", "float64", "Premium of the fleet rows in the category, USD m."),
    TableColumn("share_of_sum_insured", "float64", "Their sum insured over the group's whole book (0–1)."),
)

LIST_PROBLEM_COLUMNS: tuple[TableColumn, ...] = tuple(
    TableColumn(name, "string" if name != "line" else "int64", text)
    for name, text in zip(
        PROBLEM_COLUMNS,
        (
            "File of the entry.",
            "Line (JSON) or row (CSV, header = row 1) of the entry.",
            "OpenSanctions entity id (blank for CSV lists).",
            "Column with the problem (`imo`, `flag`, `past_flags`, `name`, `list`).",
            "The value as written.",
            "What is wrong, and what the screening did about it.",
        ),
        strict=True,
    )
)

#: Exposure categories, in report order, with the vessel column that defines each.
EXPOSURE_CATEGORIES: dict[str, tuple[str | None, str]] = {
    "book": (None, "Every vessel of the fleet list."),
    "designated_vessel": ("designated_vessel", "Vessels matched by IMO (high confidence)."),
    **{
        category: (
            category,
            f"Vessels matched by IMO to a list of the {regime} (on several regimes' lists: in each).",
        )
        for regime, category in zip(REGIMES, REGIME_CATEGORIES, strict=True)
    },
    "designated_vessel_name_only": (
        "designated_vessel_name_only",
        "Vessels matched only by name and flag to an entry without a valid IMO (lower confidence: check "
        "them).",
    ),
    "designated_vessel_other_imo": (
        "designated_vessel_other_imo",
        "Vessels whose name and flag equal a list entry's whose IMO differs, and matched no other way: "
        "probably another ship; check for a false IMO.",
    ),
    "designated_insurer": ("designated_insurer", "Vessels whose P&I provider or H&M insurer is designated."),
    "designated_insurer_low_confidence": (
        "designated_insurer_low_confidence",
        "Vessels whose insurer matches a designated organisation only with low confidence (check them).",
    ),
    "at_risk_profile": ("at_risk_profile", "Vessels with at least one at-risk profile."),
    "sanctioned_state_flag": ("sanctioned_state_flag", "Vessels under the flag of a sanctioned state."),
    "shadow_flag": ("shadow_flag", "Vessels under a shadow-fleet flag."),
    "old_under_convenience_flag": (
        "old_under_convenience_flag",
        f"Vessels aged {AT_RISK_AGE} years or more under a flag of convenience.",
    ),
    "non_western_pi": (
        "non_western_pi",
        "Vessels whose P&I cover is neither an IG club nor a Western fixed-premium provider.",
    ),
    "recent_flag_change": ("recent_flag_change", "Vessels with a recent flag change."),
    "any_concern": (
        "any_concern",
        "Vessels in any of the categories above except the book (each counted once).",
    ),
}

#: The groupings of the exposure (its ``by`` column; `ScreeningResult.exposure_table`'s ``by``).
EXPOSURE_GROUPINGS: tuple[str, ...] = ("total", "cedant", "contract")

#: The figures of the exposure, one column each (`ScreeningResult.exposure_table`'s ``measure``).
EXPOSURE_MEASURES: tuple[str, ...] = tuple(
    c.name for c in EXPOSURE_COLUMNS if c.name not in ("by", "group", "category")
)

#: The at-risk profiles, in the order `risk_reasons` lists them. A flag of convenience or an age of 20+
#: alone is ordinary tonnage (most of a mainstream book): each counts only together with the other.
RISK_REASONS: tuple[str, ...] = (
    "sanctioned_state_flag",
    "shadow_flag",
    "old_under_convenience_flag",
    "non_western_pi",
    "recent_flag_change",
)
TABLES: dict[str, tuple[TableColumn, ...]] = {
    "matches": MATCH_COLUMNS,
    "vessels": VESSEL_FINDING_COLUMNS,
    "exposure": EXPOSURE_COLUMNS,
    "list_problems": LIST_PROBLEM_COLUMNS,
}


@dataclass(frozen=True)
class ScreeningResult:
    """The outcome of `screen`: the tables described in the module docstring and the screening date."""

    vessels: pd.DataFrame
    matches: pd.DataFrame
    exposure: pd.DataFrame
    list_problems: pd.DataFrame
    as_of: dt.date

    def exposure_table(self, by: str = "cedant", measure: str = "sum_insured_usd_m") -> pd.DataFrame:
        """The exposure as a table: one row per group of `by` (`EXPOSURE_GROUPINGS`), one column per
        category, values `measure` (`EXPOSURE_MEASURES`). Another `by` or `measure` is an error saying what
        is allowed and, for a misspelt one, the closest (a typo gave an empty table, as if of no exposure).
        """
        _check_choice(by, "by", "grouping", EXPOSURE_GROUPINGS)
        _check_choice(measure, "measure", "measure", EXPOSURE_MEASURES)
        rows = self.exposure[self.exposure["by"] == by]
        table = rows.pivot(index="group", columns="category", values=measure)
        return table[[c for c in EXPOSURE_CATEGORIES if c in table.columns]]

    def write(self, out_dir: str | Path) -> list[Path]:
        """Write `vessels.csv`, `matches.csv`, `exposure.csv` and `list_problems.csv`; return the paths.

        The folder is created if missing; `NotADirectoryError` when `out_dir` (or a parent) is a file, a
        `ValueError` when it is a stored run's folder or lies in one (`stored_run_problem`)."""
        out = Path(out_dir)
        problem = output_dir_problem(out)
        if problem:
            raise NotADirectoryError(problem)
        problem = stored_run_problem(out, "out_dir")
        if problem:
            raise ValueError(problem)
        out.mkdir(parents=True, exist_ok=True)
        paths = []
        for name in TABLES:
            path = out / f"{name}.csv"
            getattr(self, name).to_csv(path, index=False, date_format="%Y-%m-%d")
            paths.append(path)
        return paths


def _check_choice(value: object, argument: str, what: str, allowed: Sequence[str]) -> None:
    """`TypeError` (not a string) or `ValueError` (another name) for a value of `argument` not in
    `allowed`, naming them and, for a misspelt name, the closest (`riskmodel.scenario.errors.suggestion`)."""
    if isinstance(value, str) and value in allowed:
        return
    from riskmodel.scenario.errors import suggestion

    names = ", ".join(repr(a) for a in allowed)
    if not isinstance(value, str):
        raise TypeError(f"{argument}={shown(value)} is no {what} of the exposure; allowed: {names}")
    hint = suggestion(value, allowed)
    raise ValueError(f"{argument}={value!r} is no {what} of the exposure; allowed: {names}{hint}")


def output_dir_problem(out_dir: Path) -> str | None:
    """What stops `out_dir` from being the output folder (it, or a parent, is a file); None if nothing."""
    from riskmodel.tables import nearest_existing

    path = nearest_existing(out_dir)
    if path.is_dir():
        return None
    where = "the output path" if path == out_dir else f"its parent {path}"
    return (
        f"{out_dir}: {where} is a file, not a folder; allowed: a folder for the output tables "
        "(created if missing)"
    )


def stored_run_problem(out_dir: Path, option: str = "--out") -> str | None:
    """What stops `out_dir` from being the output folder because it is a stored run's folder of
    `riskmodel run`, or lies in one, whose files the tables would join (`riskmodel.store.overwrite_problem`,
    what to give `option` instead); None if nothing."""
    from riskmodel.store import overwrite_problem

    tables = ", ".join(TABLES)
    why = overwrite_problem(
        out_dir, instead=f"another folder for the output tables ({tables})", option=option
    )
    return None if why is None else f"{out_dir}: {why}"


#: The flag-change windows allowed, in words.
FLAG_CHANGE_WINDOW_ALLOWED = f"a whole number of days from 1 to {MAX_FLAG_CHANGE_WINDOW_DAYS:,} (100 years)"


def check_flag_change_window(days: object) -> int:
    """The flag-change window as an int; saying what is allowed, `TypeError` when it is not a whole
    number (an int or a numpy integer, not a bool: ``"365"`` too), `ValueError` when it is not from 1
    to `MAX_FLAG_CHANGE_WINDOW_DAYS`."""
    if isinstance(days, bool) or not isinstance(days, int | np.integer):
        raise TypeError(
            f"flag-change window {not_an_int(days)} is not an int; allowed: {FLAG_CHANGE_WINDOW_ALLOWED}"
        )
    if not 1 <= days <= MAX_FLAG_CHANGE_WINDOW_DAYS:
        raise ValueError(
            f"flag-change window {days!r} days out of range; allowed: {FLAG_CHANGE_WINDOW_ALLOWED}"
        )
    return int(days)


def screen(
    fleet: pd.DataFrame | str | Path,
    lists: SanctionsLists | str | Path | Sequence[str | Path],
    insurers: str | Path | Sequence[str | Path] | None = None,
    *,
    world: StateRegistry | None = None,
    as_of: dt.date | str | None = None,
    flag_change_window_days: int = FLAG_CHANGE_WINDOW_DAYS,
) -> ScreeningResult:
    """Screen a fleet against sanctions lists and report the exposure.

    Parameters
    ----------
    fleet : a validated fleet (`read_fleet`) or the path of a fleet list.
    lists : a `SanctionsLists`, or the path(s) of vessel lists (CSV or OpenSanctions JSON lines).
    insurers : path(s) of designated-insurer lists (names), added to the organisations of `lists`.
    world : the world reference data (default `riskmodel.world.load_world()`).
    as_of : the screening date (ages, recent flag changes, entries listed after it); default today. A
        `datetime.date`, a datetime or `pandas.Timestamp` (its date) or a string `YYYY-MM-DD`, from
        1950-01-01 to 2199-12-31; `TypeError` or `ValueError` otherwise (`screening_date`).
    flag_change_window_days : how recent a flag change makes an at-risk profile, in days: a whole number
        from 1 to 36,500 (`MAX_FLAG_CHANGE_WINDOW_DAYS`); `TypeError` for another kind of value (a
        string ``"365"``, a float), `ValueError` for one out of range.

    Returns
    -------
    ScreeningResult with `matches`, `vessels`, `exposure` and `list_problems`.

    The order: IMO matches; name-and-flag matches; insurer matches; the date filter (matches with an
    entry listed after `as_of` are kept in `matches` but count for nothing else: the lists are read as
    given, not as they stood on `as_of`; see `listed_after`); designations and at-risk profiles (a ship's
    in every row of its IMO, an insurer's in its own row); exposure sums by category for the book, each
    cedant and each contract of a cedant.
    """
    as_of = screening_date(as_of) if as_of is not None else dt.date.today()
    flag_change_window_days = check_flag_change_window(flag_change_window_days)
    world = world if world is not None else default_world()
    if not isinstance(fleet, pd.DataFrame):
        fleet = read_fleet(fleet, world=world, current_year=as_of.year)
    elif not set(VALIDATED_FLEET_COLUMNS) <= set(fleet.columns):
        fleet = validate_fleet(fleet, source="fleet DataFrame", world=world, current_year=as_of.year)
    if not isinstance(lists, SanctionsLists):
        lists = read_lists([lists] if isinstance(lists, str | Path) else lists)
    if insurers is not None:
        lists = SanctionsLists.concat(
            [lists, read_lists([], [insurers] if isinstance(insurers, str | Path) else insurers)]
        )

    vessels = fleet.copy()
    vessels["contract"] = vessels["contract"].astype("string").fillna(NO_CONTRACT)
    vessels["age"] = vessel_age(vessels["year_built"], as_of)
    name_keys = vessel_name_keys(vessels["name"])
    vessels["conflicting_rows"] = conflicting_rows(vessels, name_keys)
    # an empty key (no Latin letters or digits, `ВОЛГА`, or a type prefix only, `M/T`) matches no entry
    vessels["name_unmatchable"] = name_keys == ""
    matches = pd.concat(
        [match_vessels(vessels, name_keys, lists.vessels), match_insurers(vessels, lists.organisations)],
        ignore_index=True,
    )
    matches = matches.sort_values(["row", "match_type", "list"], kind="stable", ignore_index=True)
    matches["listed_after_as_of"] = listed_after(matches["list_date"], matches["date_basis"], as_of)

    vessels = add_designations(vessels, matches)
    vessels = add_risk_profiles(vessels, lists.vessels, _state_flags(world), as_of, flag_change_window_days)
    exposure = exposure_report(vessels)
    return ScreeningResult(
        vessels=_typed(vessels.reset_index(drop=True), VESSEL_FINDING_COLUMNS),
        matches=_typed(matches, MATCH_COLUMNS),
        exposure=_typed(exposure, EXPOSURE_COLUMNS),
        list_problems=_typed(lists.problems.reset_index(drop=True), LIST_PROBLEM_COLUMNS),
        as_of=as_of,
    )


def listed_after(dates: pd.Series, date_bases: pd.Series, as_of: dt.date) -> pd.Series:
    """Whether each list entry was listed after `as_of`, by its date and `date_basis`: the date is later
    and is a listing date. A `first_seen` date is not one: OpenSanctions first saw the entity then, in any
    of its datasets, which may be before this list designated it (seen first on another list) or after
    (OpenSanctions started later), so it neither dates the listing nor makes the entry unknown at `as_of`.
    The one rule for matches (`listed_after_as_of`) and for the flag history (`last_flag_change`).

    >>> dates = pd.to_datetime(pd.Series(["2026-07-01", "2026-07-01", "2026-06-30", None]))
    >>> bases = pd.Series(["list", "first_seen", "sanction", ""])
    >>> listed_after(dates, bases, dt.date(2026, 6, 30)).tolist()
    [True, False, False, False]
    """
    later = (dates > pd.Timestamp(as_of)).fillna(False).astype(bool)
    return later & (date_bases != "first_seen").to_numpy()


# ------------------------------------------------------------------------------------------- matching
_FLEET_KEYS = ["row", "imo", "name", "flag", "cedant", "contract"]
#: Name-and-flag matches to entries without a valid IMO: `designated_vessel_name_only`.
NAME_ONLY_MATCH_TYPES = ("name_flag", "name_past_flag")
#: Name-and-flag matches to entries with another valid IMO: `designated_vessel_other_imo`.
OTHER_IMO_MATCH_TYPE = "name_flag_other_imo"


def _match_frame(pairs: pd.DataFrame, match_type: str, confidence: str | np.ndarray) -> pd.DataFrame:
    return pd.DataFrame(
        {
            **{k: pairs[k].to_numpy() for k in _FLEET_KEYS},
            "match_type": match_type,
            "confidence": confidence,
            "match_basis": "",
            "list": pairs["list"].to_numpy(),
            "regime": pairs["regime"].to_numpy(),
            "list_date": pairs["date"].to_numpy(),
            "date_basis": pairs["date_basis"].to_numpy(),
            "entry_name": pairs["entry_name"].to_numpy(),
            "entry_imo": pairs["imo_given"].to_numpy(),
            "entry_flag": pairs["entry_flag"].to_numpy(),
            "source": pairs["source"].to_numpy(),
            "source_line": pairs["line"].to_numpy(),
            "entity_id": pairs["entity_id"].to_numpy(),
        }
    )


def match_vessels(vessels: pd.DataFrame, name_keys: pd.Series, entries: pd.DataFrame) -> pd.DataFrame:
    """Vessel-to-entry matches, one per vessel and entry, by kind (`name_keys` are the vessels' name keys,
    `vessel_name_keys` of their names; the entries' are computed alike, from the names as written):
    - `imo` (high): the IMO equals the entry's valid IMO (primary name rows);
    - `name_flag` (low): for entries without a valid IMO, a name variant's key (`vessel_name_keys`) and the
      flag equal the vessel's;
    - `name_past_flag` (low): the same with one of the entry's past flags (the vessel has hopped back to
      a flag it flew before, or the list is behind);
    - `name_flag_other_imo` (low): an entry with a valid IMO other than the vessel's whose name key and
      flag equal the vessel's. IMO numbers are permanent, so it is most likely another ship of the same
      name; but a ship can sail under a false IMO number, so it is reported, to check.
    """
    # the key of the name as written: `name_norm` is normalised already, and a second normalisation would
    # drop a second type prefix (`M/T MV Star` as `STAR`, not `MVSTAR` as in the fleet)
    entries = entries.rename(columns={"name": "entry_name"}).assign(
        name_key=lambda e: vessel_name_keys(e["entry_name"]), entry_flag=lambda e: e["flag"]
    )
    fleet = vessels[_FLEET_KEYS].assign(name_key=name_keys.to_numpy())
    fleet = fleet[fleet["name_key"] != ""]
    by_imo = entries[(entries["name_kind"] == "primary") & entries["imo"].notna()]
    imo_pairs = vessels[_FLEET_KEYS].merge(
        by_imo.drop(columns=["flag"]).assign(imo=lambda e: e["imo"].astype("int64")), on="imo"
    )
    named = entries[entries["name_key"].fillna("") != ""]
    by_name = named[named["imo"].isna()].drop(columns=["imo"])
    name_pairs = _name_pairs(fleet, by_name[by_name["flag"].notna()])
    past = by_name.assign(flag=by_name["past_flags"].fillna("").str.split(";")).explode("flag")
    hop_pairs = _without(_name_pairs(fleet, past[past["flag"].fillna("") != ""]), name_pairs)
    other = named[named["imo"].notna() & named["flag"].notna()].rename(columns={"imo": "entry_imo_number"})
    other_pairs = _name_pairs(fleet, other)
    other_pairs = other_pairs[other_pairs["imo"] != other_pairs["entry_imo_number"].astype("int64")]
    return pd.concat(
        [
            _match_frame(imo_pairs, "imo", "high"),
            _match_frame(name_pairs, "name_flag", "low"),
            _match_frame(hop_pairs, "name_past_flag", "low"),
            _match_frame(other_pairs, OTHER_IMO_MATCH_TYPE, "low"),
        ],
        ignore_index=True,
    )


_ENTRY = ["row", "source", "line", "list"]


def _name_pairs(fleet: pd.DataFrame, entries: pd.DataFrame) -> pd.DataFrame:
    """Fleet rows and entries whose name key and flag are equal, one pair per vessel and entry."""
    return fleet.merge(entries.drop(columns=["name_norm"]), on=["name_key", "flag"]).drop_duplicates(_ENTRY)


def _without(pairs: pd.DataFrame, found: pd.DataFrame) -> pd.DataFrame:
    """`pairs` less the vessel-and-entry pairs already in `found`."""
    marked = pairs.merge(found[_ENTRY], on=_ENTRY, how="left", indicator=True)
    return marked[marked["_merge"] == "left_only"].drop(columns="_merge")


#: How an insurer name matched a designated organisation's, best first, with the confidence of each:
#: `name` (equal once legal forms and punctuation are dropped), `known_alias` (two names of one domestic
#: insurer of a sanctioned state, `DOMESTIC_INSURERS`), `branch` (the fleet's name less its bracketed part
#: equals the designated name, which has none: `Sogaz (Russia)` is a branch or subsidiary of a designated
#: `Sogaz`, caught as the insurer itself is), `bracket_dropped` (equal only once the designated name's
#: bracketed part is dropped: `Gard (Russia) LLC` is not Gard), `token_subset` (one name is the other plus
#: generic insurer words: `Sogaz Insurance Group` and `Sogaz`).
INSURER_MATCH_BASES: dict[str, str] = {
    "name": "high",
    "known_alias": "high",
    "branch": "high",
    "bracket_dropped": "low",
    "token_subset": "low",
}
#: Words that do not tell one insurer from another. Two names match by `token_subset` only when they
#: share a word not among them and every word one has and the other lacks is among them.
GENERIC_INSURER_WORDS = frozenset(
    {
        *("AND", "OF", "P", "I", "PI", "INSURANCE", "INSURER", "INSURERS", "REINSURANCE", "ASSURANCE"),
        *("MARINE", "MUTUAL", "CLUB", "ASSOCIATION", "PROTECTION", "INDEMNITY", "UNDERWRITERS"),
        *("UNDERWRITING", "SHIPOWNERS", "STEAMSHIP", "STEAM", "SHIP", "SHIPPING", "HULL", "GROUP"),
        *("HOLDING", "HOLDINGS", "INTERNATIONAL", "GLOBAL", "NATIONAL", "GENERAL", "SERVICES"),
        *("MANAGEMENT", "TRADING", "CAPITAL", "FINANCE", "BANK", "FUND", "SYNDICATE", "LLOYDS"),
    }
)


def distinctive_words(keys: pd.Series) -> pd.Series:
    """The words of normalised insurer names that are not generic (`GENERIC_INSURER_WORDS`), sorted and
    joined by a space: `NORTH P AND I` and `NORTH` are both `NORTH`."""
    words = keys.fillna("").str.split()
    return words.map(lambda ws: " ".join(sorted({w for w in ws if w not in GENERIC_INSURER_WORDS})))


#: The distinctive words of every name of an IG club or a Western fixed-premium P&I provider.
_MAINSTREAM_WORDS = frozenset(
    distinctive_words(
        normalise_org_names(
            pd.Series([*(alias for aliases in IG_CLUBS.values() for alias in aliases), *WESTERN_FIXED_PI])
        )
    )
) - {""}


def mainstream_insurers(words: pd.Series) -> pd.Series:
    """Whether each insurer name, given by its distinctive words (`distinctive_words`), names an IG club
    or a Western fixed-premium provider: the words are those of one of their names (`North P&I Club` as
    `North P&I`). Such a name is that insurer: it is not matched by `token_subset` to a designated `North`
    or `London`.

    >>> names = normalise_org_names(pd.Series(["North P&I Club", "Sogaz Insurance"]))
    >>> mainstream_insurers(distinctive_words(names)).tolist()
    [True, False]
    """
    return words.isin(_MAINSTREAM_WORDS)


def insurer_name_keys(names: pd.Series, stripped: pd.Series | None = None) -> pd.DataFrame:
    """The keys insurer names are compared by (one row per name): `full` (`normalise_org_names` keeping
    bracketed words), `stripped` (bracketed parts dropped: the names' `normalise_org_names`, given as
    `stripped` when known already, as the lists' `name_norm`), each as its known insurer when it is the
    name of one (`canon_full`, `canon_stripped`: `canonical_insurers`, marked so that a canonical name
    never equals a name that is not a known alias), and `bracketed` (the name has a bracketed part)."""
    full = normalise_org_names(names, keep_parenthesised=True).fillna("")
    stripped = normalise_org_names(names) if stripped is None else stripped.set_axis(names.index)
    stripped = stripped.astype("string").fillna("")
    return pd.DataFrame(
        {
            "full": full,
            "stripped": stripped,
            "canon_full": ("=" + canonical_insurers(full)).fillna(full),
            "canon_stripped": ("=" + canonical_insurers(stripped)).fillna(stripped),
            "bracketed": full != stripped,
        },
        index=names.index,
    )


#: The rank of each insurer match basis, best (0) first.
_INSURER_BASIS_RANK: dict[str, int] = {basis: i for i, basis in enumerate(INSURER_MATCH_BASES)}


def insurer_name_pairs(
    names: pd.Series, org_names: pd.Series, org_names_norm: pd.Series | None = None
) -> pd.DataFrame:
    """Every (insurer, organisation) pair that matches, with its best `basis` (`INSURER_MATCH_BASES`).

    `names` are the fleet's distinct insurer names; `org_names` the designated organisations' names (index
    kept as `org`), `org_names_norm` their `normalise_org_names` when known (the lists' `name_norm`).
    Returns columns `insurer` (a name of `names`), `org`, `basis`.
    """
    ours = insurer_name_keys(names).assign(insurer=names.to_numpy())
    ours = ours[ours["stripped"] != ""]
    ours = ours.assign(words=distinctive_words(ours["stripped"]))
    theirs = insurer_name_keys(org_names, org_names_norm).rename_axis("org").reset_index()
    theirs = theirs[theirs["stripped"] != ""]
    columns = ["insurer", "org"]
    found = [
        ours.merge(theirs, on=key, suffixes=("", "_org"))[columns].assign(basis=basis)
        for key, basis in (
            ("full", "name"),
            ("canon_full", "known_alias"),
            ("canon_stripped", "bracket_dropped"),
        )
    ]
    # the bracket on the fleet's side only: a branch of the designated insurer
    unbracketed = theirs.loc[~theirs["bracketed"], ["org", "canon_full"]]
    branch = ours[ours["bracketed"]].merge(unbracketed, left_on="canon_stripped", right_on="canon_full")
    found.append(branch[columns].assign(basis="branch"))
    found.append(_token_subset_pairs(ours[~mainstream_insurers(ours["words"])], theirs))
    pairs = pd.concat(found, ignore_index=True)
    return (
        pairs.assign(rank=pairs["basis"].map(_INSURER_BASIS_RANK))
        .sort_values("rank", kind="stable")
        .drop_duplicates(["insurer", "org"])[["insurer", "org", "basis"]]
    )


def _token_subset_pairs(ours: pd.DataFrame, theirs: pd.DataFrame) -> pd.DataFrame:
    """Pairs whose words (of the `stripped` keys) are one among the other's, sharing a word that is not
    generic, the other's further words all generic (`GENERIC_INSURER_WORDS`): equal distinctive words
    (`ours` carries them as `words`; the organisations' are found for the candidate pairs only).
    Candidates come from the shared distinctive words; the subset test counts the words each pair
    shares."""
    our_words = ours[["insurer", "stripped"]].assign(word=ours["stripped"].str.split()).explode("word")
    their_words = theirs[["org", "stripped"]].assign(word=theirs["stripped"].str.split()).explode("word")
    our_words = our_words.drop_duplicates(["insurer", "word"])
    their_words = their_words[their_words["word"].isin(set(our_words["word"]))].drop_duplicates(
        ["org", "word"]
    )
    distinctive = our_words[~our_words["word"].isin(GENERIC_INSURER_WORDS)]
    candidates = distinctive.merge(their_words, on="word")[["insurer", "org"]].drop_duplicates()
    shared = (
        candidates.merge(our_words[["insurer", "word"]], on="insurer")
        .merge(their_words[["org", "word"]], on=["org", "word"])
        .groupby(["insurer", "org"])
        .size()
        .rename("shared")
        .reset_index()
    )
    our_size = ours.set_index("insurer")["stripped"].str.split().str.len()
    their_size = theirs.set_index("org")["stripped"].str.split().str.len()
    subset = (shared["shared"] == shared["insurer"].map(our_size)) | (
        shared["shared"] == shared["org"].map(their_size)
    )
    shared = shared[subset]
    their_stripped = theirs.set_index("org")["stripped"]
    their_core = distinctive_words(their_stripped[their_stripped.index.isin(shared["org"])])
    our_core = ours.set_index("insurer")["words"]
    same_core = shared["insurer"].map(our_core).to_numpy() == shared["org"].map(their_core).to_numpy()
    return shared.loc[same_core, ["insurer", "org"]].assign(basis="token_subset")


def match_insurers(vessels: pd.DataFrame, organisations: pd.DataFrame) -> pd.DataFrame:
    """P&I provider and H&M insurer names matched to designated organisations' (`insurer_name_pairs`): one
    match per vessel, insurer column and organisation entry (source, line, list), the best basis kept."""
    orgs = organisations.rename(columns={"name": "entry_name"}).reset_index(drop=True)
    insurer_names = pd.concat([vessels["pi_provider"], vessels["hm_insurer"]]).astype("string").dropna()
    distinct = pd.Series(insurer_names.unique(), dtype="string")
    pairs = insurer_name_pairs(distinct, orgs["entry_name"].astype("string"), orgs["name_norm"])
    pairs = pairs.merge(orgs, left_on="org", right_index=True)
    frames = []
    for column, match_type in (("pi_provider", "pi_insurer"), ("hm_insurer", "hm_insurer")):
        keyed = vessels[_FLEET_KEYS].assign(insurer=vessels[column].astype("string"))
        hits = keyed.merge(pairs, on="insurer").assign(imo_given=pd.NA, entry_flag=pd.NA)
        hits = hits.assign(rank=hits["basis"].map(_INSURER_BASIS_RANK)).sort_values(["rank"], kind="stable")
        hits = hits.drop_duplicates(_ENTRY).sort_index()
        confidence = hits["basis"].map(INSURER_MATCH_BASES).to_numpy()
        frames.append(_match_frame(hits, match_type, confidence).assign(match_basis=hits["basis"].to_numpy()))
    return pd.concat(frames, ignore_index=True)


def add_designations(vessels: pd.DataFrame, matches: pd.DataFrame) -> pd.DataFrame:
    """The vessel columns of the designation findings (see `VESSEL_FINDING_COLUMNS`), from the matches
    that count at the screening date: those with an entry listed after it (`listed_after_as_of`) do not.

    A ship's vessel findings rank by confidence: by IMO, else by name only (an entry without a valid IMO),
    else by name and flag with another IMO (probably another ship of the same name). Each holds in every
    row of its IMO: the ship is designated under each of its covers, though the name-and-flag match may
    hold for one row's flag only. An insurer is designated for its own cover (row) only."""
    out = vessels.copy()
    counted = matches[~matches["listed_after_as_of"]]
    by_imo = counted[counted["match_type"] == "imo"]
    by_name = counted[counted["match_type"].isin(NAME_ONLY_MATCH_TYPES)]
    by_other_imo = counted[counted["match_type"] == OTHER_IMO_MATCH_TYPE]
    out["designated_vessel"] = out["imo"].isin(by_imo["imo"])
    out["designated_vessel_name_only"] = out["imo"].isin(by_name["imo"]) & ~out["designated_vessel"]
    out["designated_vessel_other_imo"] = (
        out["imo"].isin(by_other_imo["imo"]) & ~out["designated_vessel"] & ~out["designated_vessel_name_only"]
    )
    for regime, category in zip(REGIMES, REGIME_CATEGORIES, strict=True):
        out[category] = out["imo"].isin(by_imo.loc[by_imo["regime"] == regime, "imo"])
    out["designated_lists_imo"] = _lists_by_imo(by_imo, out["imo"])
    out["designated_lists_name_only"] = _lists_by_imo(by_name, out["imo"])
    out["designated_lists_other_imo"] = _lists_by_imo(by_other_imo, out["imo"])
    insurer = counted[counted["match_type"].isin(["pi_insurer", "hm_insurer"])]
    sure = insurer[insurer["confidence"] == "high"]
    out["designated_pi_insurer"] = out["row"].isin(sure.loc[sure["match_type"] == "pi_insurer", "row"])
    out["designated_hm_insurer"] = out["row"].isin(sure.loc[sure["match_type"] == "hm_insurer", "row"])
    out["designated_insurer"] = out["designated_pi_insurer"] | out["designated_hm_insurer"]
    out["designated_insurer_low_confidence"] = out["row"].isin(insurer["row"]) & ~out["designated_insurer"]
    return out


def _lists_by_imo(matches: pd.DataFrame, imos: pd.Series) -> pd.Series:
    """For each fleet row, the lists of the `matches` of its IMO, sorted and `;`-separated ("" if none)."""
    lists = matches.drop_duplicates(["imo", "list"]).groupby("imo")["list"].agg(lambda s: ";".join(sorted(s)))
    return imos.map(lists).astype("string").fillna("")


#: The fleet columns every row of one IMO should agree on (they describe the ship, not the cover).
SHIP_COLUMNS: tuple[str, ...] = ("name", "flag", "year_built")


def conflicting_rows(vessels: pd.DataFrame, name_keys: pd.Series) -> pd.Series:
    """For each fleet row, the other rows of its IMO that differ from it in name, flag or year built, with
    the columns that differ: `"3 (flag); 5 (name, year_built)"`, "" when they agree. Names are compared
    by their matching keys (`name_keys`, `vessel_name_keys` of the names): `M/T Delta Horizon` and
    `DELTA HORIZON` agree."""
    shared = vessels["imo"].duplicated(keep=False).to_numpy()
    ships = pd.DataFrame(
        {
            "row": vessels["row"].to_numpy()[shared],
            "imo": vessels["imo"].to_numpy()[shared],
            "name": name_keys.to_numpy()[shared],
            "flag": vessels["flag"].astype("string").to_numpy()[shared],
            "year_built": vessels["year_built"].to_numpy()[shared],
        }
    )
    pairs = ships.merge(ships, on="imo", suffixes=("", "_other"))
    pairs = pairs[pairs["row"] != pairs["row_other"]].sort_values(["row", "row_other"])
    columns = pd.Series("", index=pairs.index, dtype=object)
    for column in SHIP_COLUMNS:
        differs = (pairs[column] != pairs[f"{column}_other"]).to_numpy(dtype=bool)
        columns = columns + np.where(differs, f", {column}", "")
    differ = columns != ""
    text = pairs["row_other"].astype(str)[differ] + " (" + columns[differ].str.removeprefix(", ") + ")"
    by_row = text.groupby(pairs.loc[differ, "row"]).agg("; ".join)
    return vessels["row"].map(by_row).astype("string").fillna("")


# ------------------------------------------------------------------------------------ at-risk profiles
def _state_flags(world: StateRegistry) -> pd.DataFrame:
    """By ISO3 code: `flag_of_convenience` and `shadow_flag` (booleans, False where the world has no such
    column) and `flag_sanctioned_by` (the world's `sanctioned_by` text, blank where none)."""
    states = world.states
    codes = next(
        (states[c] for c in ("iso3", "code", "state") if c in states.columns),
        pd.Series(states.index, index=states.index),
    ).astype(str)
    table = pd.DataFrame(index=pd.Index(codes.to_numpy(), name="flag"))
    for column in ("flag_of_convenience", "shadow_flag"):
        values = states[column] if column in states.columns else pd.Series(False, index=states.index)
        table[column] = values.fillna(False).astype(bool).to_numpy()
    blocs = (
        states["sanctioned_by"] if "sanctioned_by" in states.columns else pd.Series("", index=states.index)
    )
    table["flag_sanctioned_by"] = blocs.fillna("").astype(str).str.strip().to_numpy()
    return table[~table.index.duplicated()]


def last_flag_change(entries: pd.DataFrame, vessels: pd.DataFrame, as_of: dt.date) -> pd.Series:
    """Date of the last flag change known from the lists at `as_of`, for each fleet row (see
    `flag_change_date`). Entries listed after `as_of` (`listed_after`, as in matching) and `flag_changed`
    dates after it are left out: the lists did not know them at that date. An entry dated by `first_seen`
    after `as_of` is kept, as in matching: it is known at `as_of`, so the change it shows happened by
    then, and its date counts as `as_of`."""
    end = pd.Timestamp(as_of)
    known = ~listed_after(entries["date"], entries["date_basis"], as_of)
    history = entries[(entries["name_kind"] == "primary") & entries["imo"].notna() & known]
    history = history.assign(imo=history["imo"].astype("int64"))
    stated = history["flag_changed"].where(history["flag_changed"] <= end).groupby(history["imo"]).max()

    dated = history[history["flag"].notna() & history["date"].notna()].sort_values(
        ["imo", "date"], kind="stable"
    )
    dated = dated.assign(date=dated["date"].clip(upper=end))
    previous = dated.groupby("imo")["flag"].shift()
    changed = dated[previous.notna() & (dated["flag"] != previous)]
    from_history = changed.groupby("imo")["date"].max()
    by_imo = pd.concat([stated, from_history], axis=1).max(axis=1)

    # reindex, not map: Series.map fails on an empty datetime Series (lists without a valid IMO).
    imos = vessels["imo"].to_numpy()
    latest = dated.drop_duplicates("imo", keep="last").set_index("imo").reindex(imos)
    listed_flag = latest["flag"].astype("string")
    differs = listed_flag.notna() & (listed_flag != vessels["flag"].astype("string").to_numpy())
    since_latest = latest["date"].where(differs.fillna(False).to_numpy(dtype=bool))
    dates = pd.DataFrame(
        {"lists": by_imo.reindex(imos).to_numpy(), "since_latest": since_latest.to_numpy()},
        index=vessels.index,
    )
    return dates.max(axis=1).astype("datetime64[ns]")


#: P&I provider classes of the mainstream market: the IG clubs and Western fixed-premium providers.
MAINSTREAM_PI_CLASSES: tuple[str, ...] = ("ig", "western_fixed")


def add_risk_profiles(
    vessels: pd.DataFrame,
    entries: pd.DataFrame,
    state_flags: pd.DataFrame,
    as_of: dt.date,
    flag_change_window_days: int = FLAG_CHANGE_WINDOW_DAYS,
) -> pd.DataFrame:
    """The at-risk profile columns (see `VESSEL_FINDING_COLUMNS`), and `any_concern` for the exposure.

    `age`, `age_20_plus`, `flag_of_convenience` and `flag_sanctioned_by` describe the row as the fleet
    list gives it. The ship's profiles (`sanctioned_state_flag`, `shadow_flag`,
    `old_under_convenience_flag`, `flag_change_date`, `recent_flag_change`) hold in every row of its IMO
    when one row's data give them (rows of one IMO that disagree: `conflicting_rows`); `non_western_pi` is
    the cover's (row's) own."""
    out = vessels.copy()
    out["age_20_plus"] = out["age"] >= AT_RISK_AGE
    flags = state_flags.reindex(out["flag"].to_numpy())
    out["flag_of_convenience"] = flags["flag_of_convenience"].fillna(False).astype(bool).to_numpy()
    out["flag_sanctioned_by"] = flags["flag_sanctioned_by"].fillna("").astype("string").to_numpy()
    out["sanctioned_state_flag"] = (out["flag_sanctioned_by"] != "").groupby(out["imo"]).transform("any")
    shadow = pd.Series(flags["shadow_flag"].fillna(False).astype(bool).to_numpy(), index=out.index)
    out["shadow_flag"] = shadow.groupby(out["imo"]).transform("any")
    old_foc = out["age_20_plus"] & out["flag_of_convenience"]
    out["old_under_convenience_flag"] = old_foc.groupby(out["imo"]).transform("any")
    out["non_western_pi"] = ~out["pi_class"].isin(MAINSTREAM_PI_CLASSES)
    out["flag_change_date"] = last_flag_change(entries, out, as_of)
    out["flag_change_date"] = out["flag_change_date"].groupby(out["imo"]).transform("max")
    end = pd.Timestamp(as_of) + pd.Timedelta(days=1)
    start = pd.Timestamp(as_of) - pd.Timedelta(days=flag_change_window_days)
    out["recent_flag_change"] = ((out["flag_change_date"] >= start) & (out["flag_change_date"] < end)).fillna(
        False
    )
    out["at_risk_profile"] = out[list(RISK_REASONS)].any(axis=1)
    reasons = pd.Series("", index=out.index, dtype="string")
    for reason in RISK_REASONS:
        reasons = reasons + np.where(out[reason].to_numpy(dtype=bool), reason + ";", "")
    out["risk_reasons"] = reasons.str.rstrip(";")
    out["any_concern"] = (
        out["designated_vessel"]
        | out["designated_vessel_name_only"]
        | out["designated_vessel_other_imo"]
        | out["designated_insurer"]
        | out["designated_insurer_low_confidence"]
        | out["at_risk_profile"]
    )
    return out


# ----------------------------------------------------------------------------------------- exposure
def exposure_report(vessels: pd.DataFrame) -> pd.DataFrame:
    """Vessels, sum insured and premium per category, for the book (`by` = `total`), each cedant and each
    contract of a cedant (group `cedant / contract`: two cedants' treaties of the same id are apart).

    `vessels` counts distinct IMO numbers (one ship under two cedants or contracts is one vessel of the
    book); `sum_insured_usd_m` and `premium_usd_m` add over the fleet's rows (each row is a cover);
    `share_of_sum_insured` divides by the group's whole book (NaN when that is zero).
    """
    indicator = category_indicators(vessels)
    groupings = {
        "total": pd.Series("all", index=vessels.index),
        "cedant": vessels["cedant"].astype(str),
        "contract": vessels["cedant"].astype(str)
        + CONTRACT_GROUP_SEPARATOR
        + vessels["contract"].astype(str),
    }
    frames = [_group_exposure(by, keys, indicator, vessels) for by, keys in groupings.items()]
    return pd.concat(frames, ignore_index=True)[[c.name for c in EXPOSURE_COLUMNS]]


def category_indicators(vessels: pd.DataFrame) -> pd.DataFrame:
    """One boolean column per exposure category (`EXPOSURE_CATEGORIES`), one row per fleet row."""
    return pd.DataFrame(
        {
            c: vessels[col].to_numpy(dtype=bool) if col else True
            for c, (col, _) in EXPOSURE_CATEGORIES.items()
        },
        index=vessels.index,
    )


def _group_exposure(by: str, keys: pd.Series, indicator: pd.DataFrame, vessels: pd.DataFrame) -> pd.DataFrame:
    """The exposure rows of one grouping: distinct IMOs and summed measures per (group, category)."""
    categories = list(indicator.columns)
    groups = sorted(keys.unique())
    full = pd.MultiIndex.from_product([groups, categories], names=["group", "category"])
    flags = indicator.to_numpy(dtype=bool)
    sums = {}
    for measure in ("sum_insured_usd_m", "premium_usd_m"):
        values = pd.DataFrame(flags * vessels[measure].to_numpy()[:, None], columns=categories)
        sums[measure] = values.groupby(keys.to_numpy()).sum().stack(future_stack=True).reindex(full)
    counts = pd.Series(_distinct_vessels(keys, vessels["imo"], flags).T.ravel(), index=full, dtype="int64")
    book = sums["sum_insured_usd_m"].xs("book", level="category").replace(0.0, np.nan)
    return pd.DataFrame(
        {
            "by": by,
            "group": full.get_level_values("group"),
            "category": full.get_level_values("category"),
            "vessels": counts.to_numpy(),
            "sum_insured_usd_m": sums["sum_insured_usd_m"].to_numpy(dtype="float64"),
            "premium_usd_m": sums["premium_usd_m"].to_numpy(dtype="float64"),
            "share_of_sum_insured": (
                sums["sum_insured_usd_m"].to_numpy() / book.reindex(full.get_level_values("group")).to_numpy()
            ),
        }
    )


def _distinct_vessels(keys: pd.Series, imos: pd.Series, flags: np.ndarray) -> np.ndarray:
    """Distinct IMO numbers per (sorted group of `keys`, category column of `flags`): a (category, group)
    array. Each (group, IMO) pair is coded as one integer, so that a category's distinct pairs are one
    `np.unique`."""
    group_codes, groups = pd.factorize(keys, sort=True)
    imo_codes, distinct_imos = pd.factorize(imos)
    pair = group_codes.astype("int64") * len(distinct_imos) + imo_codes
    counts = np.zeros((flags.shape[1], len(groups)), dtype="int64")
    for i in range(flags.shape[1]):
        counts[i] = np.bincount(np.unique(pair[flags[:, i]]) // len(distinct_imos), minlength=len(groups))
    return counts


def _typed(table: pd.DataFrame, columns: Sequence[TableColumn]) -> pd.DataFrame:
    """The declared columns in their declared dtypes (other columns, the user's own, left as they are)."""
    out = table.copy()
    for column in columns:
        out[column.name] = out[column.name].astype(column.dtype)
    return out[
        [*(c for c in out.columns if c not in {col.name for col in columns}), *(c.name for c in columns)]
    ]
