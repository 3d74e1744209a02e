"""Screening a fleet against sanctions lists, and the exposure report.

In: a validated fleet (`read_fleet`), a `SanctionsLists` (`read_lists`), the world's states (flags of
convenience and shadow-fleet flags) and the screening date. Out: a `ScreeningResult` with
- `matches`: one row per (vessel, list entry) hit: by IMO (check digit verified, confidence `high`); by
  normalised name and flag for list entries without a valid IMO (confidence `low`); by the P&I provider's
  or H&M insurer's name against designated organisations;
- `vessels`: the fleet with a column per finding and per at-risk profile (age ≥ 20, flag of convenience or
  shadow flag, non-IG P&I, recent flag change known from the lists);
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

from riskmodel.screening.fleet import (
    FIRST_YEAR_BUILT,
    VALIDATED_FLEET_COLUMNS,
    StateRegistry,
    default_world,
    normalise_org_names,
    read_fleet,
    validate_fleet,
    vessel_age,
)
from riskmodel.screening.lists import PROBLEM_COLUMNS, SanctionsLists, normalise_vessel_names, read_lists

#: Age from which a vessel has an at-risk profile (the shadow fleet averages 20.2 years, BRS 2025).
AT_RISK_AGE = 20
#: A flag change this recent (days before the screening date) is an at-risk profile.
FLAG_CHANGE_WINDOW_DAYS = 365
NO_CONTRACT = "(none)"


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
        "hop), `pi_insurer` or `hm_insurer` (the insurer's normalised name equals a designated "
        "organisation's).",
    ),
    TableColumn(
        "confidence", "string", "`high` for IMO and insurer-name matches, `low` for name-and-flag matches."
    ),
    TableColumn("list", "string", "The list (CSV `list` column, or the OpenSanctions dataset)."),
    TableColumn(
        "list_date", "datetime64[ns]", "Designation date given by the list (OpenSanctions: see docs)."
    ),
    TableColumn("entry_name", "string", "Name of the list entry that matched."),
    TableColumn("entry_imo", "string", "IMO number as written in the list entry."),
    TableColumn("entry_flag", "string", "Flag of the list entry (ISO3)."),
    TableColumn("source", "string", "File of the list entry."),
    TableColumn("source_line", "int64", "Line (JSON) or row (CSV, header = row 1) of the entry in its file."),
    TableColumn("entity_id", "string", "OpenSanctions entity id of the entry (blank for CSV lists)."),
)

VESSEL_FINDING_COLUMNS: tuple[TableColumn, ...] = (
    TableColumn("age", "int64", "Age in years at the screening date (year difference)."),
    TableColumn("designated_vessel", "bool", "Matched by IMO to at least one list entry."),
    TableColumn("designated_vessel_name_only", "bool", "Matched only by name and flag (lower confidence)."),
    TableColumn("designated_lists", "string", "Lists that matched the vessel, `;`-separated."),
    TableColumn(
        "designated_pi_insurer", "bool", "The P&I provider's name matches a designated organisation."
    ),
    TableColumn("designated_hm_insurer", "bool", "The H&M insurer's name matches a designated organisation."),
    TableColumn("designated_insurer", "bool", "Either insurer is designated."),
    TableColumn("age_20_plus", "bool", f"Age ≥ {AT_RISK_AGE} years."),
    TableColumn("flag_of_convenience", "bool", "The flag state is a flag of convenience (world data)."),
    TableColumn("shadow_flag", "bool", "The flag state's registry is a shadow-fleet flag (world data)."),
    TableColumn("shadow_or_convenience_flag", "bool", "Either of the two above."),
    TableColumn("non_ig_pi", "bool", "P&I provider class other than `ig`."),
    TableColumn(
        "flag_change_date",
        "datetime64[ns]",
        "Last flag change known from the lists (a `flag_changed` date; an entry whose flag differs from the "
        "IMO's previous entry; or, when the fleet's flag differs from the latest entry, that entry's date, "
        "the earliest the change can have happened).",
    ),
    TableColumn(
        "recent_flag_change",
        "bool",
        f"`flag_change_date` within {FLAG_CHANGE_WINDOW_DAYS} days before the date.",
    ),
    TableColumn(
        "at_risk_profile",
        "bool",
        "Any of: age_20_plus, shadow_or_convenience_flag, non_ig_pi, recent_flag_change.",
    ),
    TableColumn("risk_reasons", "string", "The at-risk profiles that apply, `;`-separated."),
    TableColumn(
        "any_concern", "bool", "Designated (by IMO or by name), designated insurer, or an at-risk profile."
    ),
)

EXPOSURE_COLUMNS: tuple[TableColumn, ...] = (
    TableColumn("by", "string", "`total`, `cedant` or `contract`."),
    TableColumn(
        "group",
        "string",
        f"The cedant or contract (`{NO_CONTRACT}` for vessels without one); `all` for the total.",
    ),
    TableColumn("category", "string", "See the exposure categories."),
    TableColumn("vessels", "int64", "Vessels in the category."),
    TableColumn("sum_insured_usd_m", "float64", "Limit: sum insured of those vessels, USD m."),
    TableColumn("premium_usd_m", "float64", "Premium of those vessels, USD m."),
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
            "Column with the problem (`imo` or `flag`).",
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
    "designated_vessel_name_only": (
        "designated_vessel_name_only",
        "Vessels matched only by name and flag (lower confidence: check them).",
    ),
    "designated_insurer": ("designated_insurer", "Vessels whose P&I provider or H&M insurer is designated."),
    "at_risk_profile": ("at_risk_profile", "Vessels with at least one at-risk profile."),
    "age_20_plus": ("age_20_plus", f"Vessels aged {AT_RISK_AGE} years or more."),
    "shadow_or_convenience_flag": (
        "shadow_or_convenience_flag",
        "Vessels under a flag of convenience or shadow flag.",
    ),
    "non_ig_pi": ("non_ig_pi", "Vessels without IG P&I cover."),
    "recent_flag_change": ("recent_flag_change", "Vessels with a recent flag change."),
    "any_concern": (
        "any_concern",
        "Vessels in any of the categories above except the book (each counted once).",
    ),
}

RISK_REASONS: tuple[str, ...] = (
    "age_20_plus",
    "shadow_or_convenience_flag",
    "non_ig_pi",
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
        """The exposure as a table: one row per group of `by`, one column per category, values `measure`."""
        rows = self.exposure[self.exposure["by"] == by]
        table = rows.pivot(index="group", columns="category", values=measure)
        return table[[c for c in EXPOSURE_CATEGORIES if c in table.columns]]

    def write(self, out_dir: str | Path) -> list[Path]:
        """Write `vessels.csv`, `matches.csv`, `exposure.csv` and `list_problems.csv`; return the paths.

        The folder is created if missing; `NotADirectoryError` when `out_dir` (or a parent) is a file."""
        out = Path(out_dir)
        problem = output_dir_problem(out)
        if problem:
            raise NotADirectoryError(problem)
        out.mkdir(parents=True, exist_ok=True)
        paths = []
        for name in TABLES:
            path = out / f"{name}.csv"
            getattr(self, name).to_csv(path, index=False, date_format="%Y-%m-%d")
            paths.append(path)
        return paths


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


#: Screening dates allowed: from the first year a fleet's vessels may be built (a date before it makes
#: every vessel "built after the screening date") to a date pandas can still add the window to.
FIRST_AS_OF = dt.date(FIRST_YEAR_BUILT, 1, 1)
LAST_AS_OF = dt.date(2199, 12, 31)


def check_screening_options(as_of: dt.date, flag_change_window_days: int) -> None:
    """`ValueError` saying what is allowed when the screening date or the flag-change window is not."""
    if not FIRST_AS_OF <= as_of <= LAST_AS_OF:
        raise ValueError(
            f"screening date {as_of.isoformat()} out of range; allowed: {FIRST_AS_OF.isoformat()} to "
            f"{LAST_AS_OF.isoformat()} (fleet lists hold vessels built from {FIRST_YEAR_BUILT})"
        )
    days = flag_change_window_days
    if isinstance(days, bool) or not isinstance(days, int | np.integer) or days < 1:
        raise ValueError(f"flag-change window {days!r} days; allowed: a whole number of days ≥ 1")


def screen(
    fleet: pd.DataFrame | str | Path,
    lists: SanctionsLists | str | Path | Sequence[str | Path],
    insurers: str | Path | Sequence[str | Path] | None = None,
    *,
    world: StateRegistry | None = None,
    as_of: dt.date | None = None,
    flag_change_window_days: int = FLAG_CHANGE_WINDOW_DAYS,
) -> ScreeningResult:
    """Screen a fleet against sanctions lists and report the exposure.

    Parameters
    ----------
    fleet : a validated fleet (`read_fleet`) or the path of a fleet list.
    lists : a `SanctionsLists`, or the path(s) of vessel lists (CSV or OpenSanctions JSON lines).
    insurers : path(s) of designated-insurer lists (names), added to the organisations of `lists`.
    world : the world reference data (default `riskmodel.world.load_world()`).
    as_of : the screening date (ages, recent flag changes); default today.
    flag_change_window_days : how recent a flag change makes an at-risk profile.

    Returns
    -------
    ScreeningResult with `matches`, `vessels`, `exposure` and `list_problems`.

    The order: IMO matches; name-and-flag matches for entries without a valid IMO; insurer matches;
    at-risk profiles; exposure sums by category for the book, each cedant and each contract.
    """
    as_of = as_of or dt.date.today()
    check_screening_options(as_of, flag_change_window_days)
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
    vessel_matches = match_vessels(vessels, lists.vessels)
    insurer_matches = match_insurers(vessels, lists.organisations)
    matches = pd.concat([vessel_matches, insurer_matches], ignore_index=True)
    matches = matches.sort_values(["row", "match_type", "list"], kind="stable", ignore_index=True)

    vessels = add_designations(vessels, vessel_matches, insurer_matches)
    vessels = add_risk_profiles(vessels, lists.vessels, _state_flags(world), as_of, flag_change_window_days)
    exposure = exposure_report(vessels)
    return ScreeningResult(
        vessels=_typed(vessels.reset_index(drop=True), VESSEL_FINDING_COLUMNS),
        matches=_typed(matches, MATCH_COLUMNS),
        exposure=_typed(exposure, EXPOSURE_COLUMNS),
        list_problems=_typed(lists.problems.reset_index(drop=True), LIST_PROBLEM_COLUMNS),
        as_of=as_of,
    )


# ------------------------------------------------------------------------------------------- matching
_FLEET_KEYS = ["row", "imo", "name", "flag", "cedant", "contract"]


def _match_frame(pairs: pd.DataFrame, match_type: str, confidence: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            **{k: pairs[k].to_numpy() for k in _FLEET_KEYS},
            "match_type": match_type,
            "confidence": confidence,
            "list": pairs["list"].to_numpy(),
            "list_date": pairs["date"].to_numpy(),
            "entry_name": pairs["entry_name"].to_numpy(),
            "entry_imo": pairs["imo_given"].to_numpy(),
            "entry_flag": pairs["entry_flag"].to_numpy(),
            "source": pairs["source"].to_numpy(),
            "source_line": pairs["line"].to_numpy(),
            "entity_id": pairs["entity_id"].to_numpy(),
        }
    )


def match_vessels(vessels: pd.DataFrame, entries: pd.DataFrame) -> pd.DataFrame:
    """Vessel-to-entry matches: exact IMO (primary name rows of entries with a valid IMO), then normalised
    name and flag for entries without a valid IMO (any name variant; one match per vessel and entry): the
    entry's flag (`name_flag`), else one of its past flags (`name_past_flag`: the vessel has hopped back
    to a flag it flew before, or the list is behind).

    An entry with a valid IMO never matches by name: IMO numbers are permanent, so a different valid IMO
    is a different ship, whatever its name.
    """
    entries = entries.rename(columns={"name": "entry_name"})
    by_imo = entries[(entries["name_kind"] == "primary") & entries["imo"].notna()].assign(
        imo=lambda e: e["imo"].astype("int64"), entry_flag=lambda e: e["flag"]
    )
    imo_pairs = vessels[_FLEET_KEYS].merge(by_imo.drop(columns=["flag"]), on="imo", how="inner")

    by_name = entries[entries["imo"].isna() & (entries["name_norm"].fillna("") != "")]
    fleet_names = vessels[_FLEET_KEYS].assign(name_norm=normalise_vessel_names(vessels["name"]))
    entry = ["row", "source", "line", "list"]
    now = by_name[by_name["flag"].notna()].drop(columns=["imo"]).assign(entry_flag=lambda e: e["flag"])
    name_pairs = fleet_names.merge(now, on=["name_norm", "flag"], how="inner").drop_duplicates(entry)
    past = (
        by_name.drop(columns=["imo"])
        .assign(entry_flag=lambda e: e["flag"], flag=by_name["past_flags"].fillna("").str.split(";"))
        .explode("flag")
    )
    past = past[past["flag"].fillna("") != ""]
    hop_pairs = fleet_names.merge(past, on=["name_norm", "flag"], how="inner").drop_duplicates(entry)
    hop_pairs = hop_pairs.merge(name_pairs[entry], on=entry, how="left", indicator=True)
    hop_pairs = hop_pairs[hop_pairs["_merge"] == "left_only"].drop(columns="_merge")
    return pd.concat(
        [
            _match_frame(imo_pairs, "imo", "high"),
            _match_frame(name_pairs, "name_flag", "low"),
            _match_frame(hop_pairs, "name_past_flag", "low"),
        ],
        ignore_index=True,
    )


def match_insurers(vessels: pd.DataFrame, organisations: pd.DataFrame) -> pd.DataFrame:
    """P&I provider and H&M insurer names equal (`normalise_org_names`) to a designated organisation's."""
    orgs = organisations[organisations["name_norm"].fillna("") != ""].rename(columns={"name": "entry_name"})
    orgs = orgs.drop_duplicates(["name_norm", "source", "line", "list"])
    frames = []
    for column, match_type in (("pi_provider", "pi_insurer"), ("hm_insurer", "hm_insurer")):
        keyed = vessels[_FLEET_KEYS].assign(name_norm=normalise_org_names(vessels[column]).fillna(""))
        keyed = keyed[keyed["name_norm"] != ""]
        pairs = keyed.merge(orgs, on="name_norm", how="inner").assign(imo_given=pd.NA, entry_flag=pd.NA)
        frames.append(_match_frame(pairs, match_type, "high"))
    return pd.concat(frames, ignore_index=True)


def add_designations(
    vessels: pd.DataFrame, vessel_matches: pd.DataFrame, insurer_matches: pd.DataFrame
) -> pd.DataFrame:
    """The vessel columns of the designation findings (see `VESSEL_FINDING_COLUMNS`)."""
    out = vessels.copy()
    by_type = vessel_matches.groupby("match_type")["row"].unique()
    imo_rows = by_type.get("imo", np.array([], dtype="int64"))
    name_rows = np.concatenate(
        [by_type.get(t, np.array([], dtype="int64")) for t in ("name_flag", "name_past_flag")]
    )
    out["designated_vessel"] = out["row"].isin(imo_rows)
    out["designated_vessel_name_only"] = out["row"].isin(name_rows) & ~out["designated_vessel"]
    lists = (
        vessel_matches.drop_duplicates(["row", "list"])
        .groupby("row")["list"]
        .agg(lambda s: ";".join(sorted(s)))
    )
    out["designated_lists"] = out["row"].map(lists).astype("string").fillna("")
    insurer_rows = insurer_matches.groupby("match_type")["row"].unique()
    out["designated_pi_insurer"] = out["row"].isin(insurer_rows.get("pi_insurer", []))
    out["designated_hm_insurer"] = out["row"].isin(insurer_rows.get("hm_insurer", []))
    out["designated_insurer"] = out["designated_pi_insurer"] | out["designated_hm_insurer"]
    return out


# ------------------------------------------------------------------------------------ at-risk profiles
def _state_flags(world: StateRegistry) -> pd.DataFrame:
    """Flag-of-convenience and shadow-flag booleans by ISO3 code (False where the world has no column)."""
    states = world.states
    codes = next(
        (states[c] for c in ("iso3", "code", "state") if c in states.columns),
        pd.Series(states.index, index=states.index),
    ).astype(str)
    table = pd.DataFrame(index=pd.Index(codes.to_numpy(), name="flag"))
    for column in ("flag_of_convenience", "shadow_flag"):
        values = states[column] if column in states.columns else pd.Series(False, index=states.index)
        table[column] = values.fillna(False).astype(bool).to_numpy()
    return table[~table.index.duplicated()]


def last_flag_change(entries: pd.DataFrame, vessels: pd.DataFrame) -> pd.Series:
    """Date of the last flag change known from the lists, by IMO (see `flag_change_date`)."""
    history = entries[(entries["name_kind"] == "primary") & entries["imo"].notna()]
    history = history.assign(imo=history["imo"].astype("int64"))
    stated = history.groupby("imo")["flag_changed"].max()

    dated = history[history["flag"].notna() & history["date"].notna()].sort_values(
        ["imo", "date"], kind="stable"
    )
    previous = dated.groupby("imo")["flag"].shift()
    changed = dated[previous.notna() & (dated["flag"] != previous)]
    from_history = changed.groupby("imo")["date"].max()

    latest = dated.drop_duplicates("imo", keep="last").set_index("imo")
    fleet_flag = vessels.set_index("imo")["flag"]
    differs = latest["flag"] != fleet_flag.reindex(latest.index)
    since_latest = latest.loc[differs.fillna(False).to_numpy(dtype=bool), "date"]

    dates = pd.concat([stated, from_history, since_latest], axis=1)
    return dates.max(axis=1).astype("datetime64[ns]")


def add_risk_profiles(
    vessels: pd.DataFrame,
    entries: pd.DataFrame,
    state_flags: pd.DataFrame,
    as_of: dt.date,
    flag_change_window_days: int = FLAG_CHANGE_WINDOW_DAYS,
) -> pd.DataFrame:
    """The at-risk profile columns (see `VESSEL_FINDING_COLUMNS`), and `any_concern` for the exposure."""
    out = vessels.copy()
    out["age_20_plus"] = out["age"] >= AT_RISK_AGE
    flags = state_flags.reindex(out["flag"].to_numpy()).fillna(False)
    out["flag_of_convenience"] = flags["flag_of_convenience"].astype(bool).to_numpy()
    out["shadow_flag"] = flags["shadow_flag"].astype(bool).to_numpy()
    out["shadow_or_convenience_flag"] = out["flag_of_convenience"] | out["shadow_flag"]
    out["non_ig_pi"] = out["pi_class"] != "ig"
    # reindex, not map: Series.map fails on an empty datetime Series (lists without a valid IMO).
    changes = last_flag_change(entries, out).reindex(out["imo"].to_numpy())
    out["flag_change_date"] = pd.Series(changes.to_numpy(), index=out.index).astype("datetime64[ns]")
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
        | out["designated_insurer"]
        | out["at_risk_profile"]
    )
    return out


# ----------------------------------------------------------------------------------------- exposure
def exposure_report(vessels: pd.DataFrame) -> pd.DataFrame:
    """Vessels, sum insured and premium per category, for the book (`by` = `total`), each cedant and each
    contract; `share_of_sum_insured` divides by the group's whole book (NaN when that is zero).

    One indicator column per category; each measure is the group sum of indicator × measure.
    """
    categories = list(EXPOSURE_CATEGORIES)
    indicator = pd.DataFrame(
        {
            c: vessels[col].to_numpy(dtype=bool) if col else True
            for c, (col, _) in EXPOSURE_CATEGORIES.items()
        },
        index=vessels.index,
    ).astype("int64")
    measures = pd.concat(
        {
            "vessels": indicator,
            "sum_insured_usd_m": indicator.mul(vessels["sum_insured_usd_m"], axis=0),
            "premium_usd_m": indicator.mul(vessels["premium_usd_m"], axis=0),
        },
        axis=1,
    )
    frames = []
    for by, keys in (
        ("total", pd.Series("all", index=vessels.index)),
        ("cedant", vessels["cedant"]),
        ("contract", vessels["contract"]),
    ):
        sums = measures.groupby(keys.astype(str).to_numpy(), sort=True).sum()
        long = sums.stack(level=1, future_stack=True).reindex(
            pd.MultiIndex.from_product([sums.index, categories])
        )
        book = long["sum_insured_usd_m"].xs("book", level=1).replace(0.0, np.nan)
        frames.append(
            pd.DataFrame(
                {
                    "by": by,
                    "group": long.index.get_level_values(0),
                    "category": long.index.get_level_values(1),
                    "vessels": long["vessels"].astype("int64").to_numpy(),
                    "sum_insured_usd_m": long["sum_insured_usd_m"].astype("float64").to_numpy(),
                    "premium_usd_m": long["premium_usd_m"].astype("float64").to_numpy(),
                    "share_of_sum_insured": (
                        long["sum_insured_usd_m"] / book.reindex(long.index.get_level_values(0)).to_numpy()
                    ).to_numpy(),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)[[c.name for c in EXPOSURE_COLUMNS]]


def _typed(table: pd.DataFrame, columns: Sequence[TableColumn]) -> pd.DataFrame:
    """The declared columns in their declared dtypes (other columns, the user's own, left as they are)."""
    out = table.copy()
    for column in columns:
        out[column.name] = out[column.name].astype(column.dtype)
    return out[
        [*(c for c in out.columns if c not in {col.name for col in columns}), *(c.name for c in columns)]
    ]
