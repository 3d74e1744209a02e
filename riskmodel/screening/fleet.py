"""Fleet lists: a cedant's book of vessels, read from CSV or Excel and validated row by row.

In: a CSV or Excel file (first sheet), header in row 1, one cover per row (a vessel under a cedant's
contract: one IMO may appear under several cedants or contracts), with the columns of `FLEET_COLUMNS`
(headers are matched case-insensitively, `P&I provider` reads as `pi_provider`).
Out: a DataFrame with one row per cover in the canonical columns, plus the derived columns `row` (the
row number the user sees in the file), `segment` (filled from DWT or GT when not given), `gt`
(segment mean when not given, `gt_estimated` says so), `pi_class` and `pi_provider_recognised`;
or a `FleetValidationError` listing every problem, each with its row, column, value and what is allowed.

Also here: the IMO check digit, the mapping of P&I provider names to provider classes, and
`fleet_profile`, the counts and tonnage by segment, age band, provider class and flag that the engine's
fleet override consumes.
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import io
import re
import unicodedata
import zipfile
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator

from riskmodel.scenario.errors import misspelt_columns

# ------------------------------------------------------------------------------------------- world data


class StateRegistry(Protocol):
    """What screening needs from `riskmodel.world.World`: state codes, a suggestion for a misspelt one, the
    states table (flag-of-convenience and shadow-flag columns) and the trade codes."""

    @property
    def state_codes(self) -> Collection[str]: ...

    @property
    def trade_codes(self) -> Collection[str]: ...

    @property
    def states(self) -> pd.DataFrame: ...

    def suggest_state(self, code: str) -> Any: ...


def default_world() -> StateRegistry:
    """The shipped world reference data (`riskmodel.world.load_world()`)."""
    # Imported here so that importing the screening package does not load the world data.
    from riskmodel.world import load_world

    return load_world()


# ------------------------------------------------------------------------------------------- IMO number
IMO_WEIGHTS = (7, 6, 5, 4, 3, 2)


def imo_check_digits(first_six: np.ndarray | int) -> np.ndarray:
    """Check digits of IMO ship numbers from their first six digits (vectorised).

    Each of the six digits is multiplied by its weight, 7 down to 2; the check digit is the last digit of
    the sum. IMO 9074729: 9×7 + 0×6 + 7×5 + 4×4 + 7×3 + 2×2 = 139, check digit 9.

    >>> imo_check_digits(np.array([907472, 310001]))
    array([9, 9])
    """
    return np.asarray(_weighted_digit_sum(np.asarray(first_six, dtype=np.int64)))


def imo_check_digit(first_six: int) -> int:
    """Check digit of one IMO number from its first six digits (the formula of `imo_check_digits`).

    >>> imo_check_digit(907472)
    9
    """
    return int(_weighted_digit_sum(first_six))


def _weighted_digit_sum(n: Any) -> Any:
    """The IMO check digit of `n` (six digits): an int for an int, an array for an array."""
    return sum(((n // 10 ** (5 - i)) % 10) * w for i, w in enumerate(IMO_WEIGHTS)) % 10


def imo_valid(numbers: np.ndarray | pd.Series) -> np.ndarray:
    """Vectorised check of 7-digit IMO numbers (int array; NA or out-of-range numbers are invalid).

    >>> imo_valid(np.array([9074729, 9074728, 123]))
    array([ True, False, False])
    """
    values = pd.to_numeric(pd.Series(numbers), errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    in_range = np.isfinite(values) & (values >= 1_000_000) & (values <= 9_999_999)
    n = np.where(in_range, values, 0).astype(np.int64)
    return in_range & (imo_check_digits(n // 10) == n % 10)


IMO_ALL_ZEROS = "0000000 is a placeholder, not an IMO number: give the vessel's IMO number"
IMO_LEADING_ZERO = "an IMO number does not start with 0"
_IMO_TEXT = re.compile(r"^\s*(?:IMO)?[\s:.-]*(\d+)(?:\.0+)?\s*$", re.IGNORECASE)


def parse_imo(value: object) -> int:
    """`"IMO 9074729"`, `"9074729"`, `9074729.0` -> 9074729; ValueError saying what is wrong otherwise."""
    m = _IMO_TEXT.match(str(value))
    if not m:
        raise ValueError("not an IMO number")
    digits = m.group(1)
    if len(digits) != 7:
        raise ValueError(f"an IMO number has 7 digits, this one has {len(digits)}")
    if digits == "0000000":
        raise ValueError(IMO_ALL_ZEROS)
    if digits.startswith("0"):
        raise ValueError(IMO_LEADING_ZERO)
    number = int(digits)
    expected = imo_check_digit(number // 10)
    if number % 10 != expected:
        raise ValueError(f"invalid IMO check digit: the last digit should be {expected} for {digits[:6]}_")
    return number


# ----------------------------------------------------------------------------------- provider classes
#: The twelve International Group clubs and the names they are written under in fleet lists, including
#: the names of clubs since merged (North of England and Standard: NorthStandard, 2023).
IG_CLUBS: dict[str, tuple[str, ...]] = {
    "American Club": (
        "American Club",
        "American P&I Club",
        "American Steamship Owners Mutual Protection and Indemnity Association",
    ),
    "Britannia": (
        "Britannia",
        "Britannia P&I",
        "Britannia P&I Club",
        "Britannia Steam Ship Insurance Association",
    ),
    "Gard": ("Gard", "Gard P&I", "Gard P&I Bermuda", "Gard Marine & Energy"),
    "Japan P&I Club": (
        "Japan P&I Club",
        "JPI",
        "Japan Ship Owners' Mutual Protection & Indemnity Association",
    ),
    "London P&I Club": (
        "London P&I Club",
        "London Club",
        "London Steam-Ship Owners' Mutual Insurance Association",
    ),
    "NorthStandard": (
        "NorthStandard",
        "North Standard",
        "North of England P&I",
        "North of England P&I Association",
        "North P&I",
        "Standard Club",
        "Standard P&I Club",
    ),
    "Shipowners' Club": (
        "Shipowners' Club",
        "Shipowners Club",
        "Shipowners' Mutual Protection and Indemnity Association",
    ),
    "Skuld": ("Skuld", "Skuld P&I", "Assuranceforeningen Skuld"),
    "Steamship Mutual": ("Steamship Mutual", "Steamship Mutual Underwriting Association", "Steamship P&I"),
    "The Swedish Club": ("Swedish Club", "The Swedish Club", "Sveriges Angfartygs Assurans Forening"),
    "UK P&I Club": (
        "UK P&I Club",
        "UK Club",
        "UK P&I",
        "United Kingdom Mutual Steam Ship Assurance Association",
    ),
    "West of England": (
        "West of England",
        "West P&I",
        "West of England P&I Club",
        "West of England Ship Owners",
    ),
}

#: Non-IG Western fixed-premium P&I providers (a starting list (?); set `pi_class` in the file to override).
WESTERN_FIXED_PI: tuple[str, ...] = (
    "British Marine",
    "QBE Marine",
    "Thomas Miller Specialty",
    "Carina P&I",
    "Lodestar Marine",
    "Hanseatic Underwriters",
    "Raets Marine",
    "Eagle Ocean Marine",
    "Ascot Marine",
    "Navigators P&I",
    "Sunderland Marine",
)

#: Insurers of sanctioned states outside any scheme (FACTS.md, shadow fleet and alternative insurers),
#: each with the names it is written under.
DOMESTIC_INSURERS: dict[str, tuple[str, ...]] = {
    "Ingosstrakh": ("Ingosstrakh", "Ingosstrakh Insurance Company"),
    "AlfaStrakhovanie": ("AlfaStrakhovanie", "Alfa Insurance"),
    "Sogaz": ("Sogaz",),
    "VSK": ("VSK", "VSK Insurance"),
    "Rosgosstrakh": ("Rosgosstrakh",),
    "Soglasie": ("Soglasie",),
    "RESO-Garantia": ("RESO-Garantia",),
    "Russian National Reinsurance Company": ("Russian National Reinsurance Company", "RNRC"),
    "Kish P&I": ("Kish P&I", "Kish Protection and Indemnity"),
    "Central Insurance of Iran": ("Central Insurance of Iran",),
    "Iran Insurance Company": ("Iran Insurance Company",),
}
DOMESTIC_PI: tuple[str, ...] = tuple(name for names in DOMESTIC_INSURERS.values() for name in names)

#: Values meaning "no P&I cover" or "cover unknown".
NO_PI: tuple[str, ...] = ("none", "uninsured", "unknown", "n/a", "na", "-", "nil")

PI_CLASSES: tuple[str, ...] = ("ig", "western_fixed", "domestic", "none")
_SCHEME_CLASS = re.compile(r"^scheme:[A-Za-z0-9_][A-Za-z0-9_\-]*$")

_LEGAL_FORMS = frozenset(
    {
        *("THE", "LTD", "LIMITED", "LLC", "INC", "PLC", "CO", "CORP", "CORPORATION", "COMPANY"),
        *("SA", "AG", "AS", "ASA", "AB", "NV", "BV", "GMBH"),
        *("JSC", "PJSC", "OJSC", "CJSC", "AO", "OAO", "PAO", "ZAO", "SAO", "OOO"),
    }
)
_PARENTHESES = re.compile(r"\([^)]*\)")
#: Legal forms spelled out, dropped as a whole before the one-word forms of `_LEGAL_FORMS`.
_LEGAL_PHRASES = re.compile(
    r"\b(?:(?:PUBLIC|OPEN|CLOSED|PRIVATE) )?JOINT STOCK COMPANY\b"
    r"|\bLIMITED LIABILITY (?:COMPANY|PARTNERSHIP)\b"
)
_NON_ALNUM = re.compile(r"[^A-Z0-9]+")


def _ascii_upper(values: pd.Series) -> pd.Series:
    text = values.astype("string").fillna("")
    return text.str.normalize("NFKD").str.encode("ascii", "ignore").str.decode("ascii").str.upper()


def on_distinct(normalise: Any, values: pd.Series) -> pd.Series:
    """Apply a Series-to-Series function to the distinct values only (insurer names repeat a lot)."""
    codes, distinct = pd.factorize(values.astype("string"), use_na_sentinel=True)
    done = normalise(pd.Series(distinct, dtype="string")).astype("string").to_numpy()
    out = pd.Series(pd.array(np.empty(len(values), dtype=object), dtype="string"), index=values.index)
    known = codes >= 0
    out[known] = done[codes[known]]
    return out


def normalise_org_names(names: pd.Series, *, keep_parenthesised: bool = False) -> pd.Series:
    """Insurer and company names reduced for exact comparison.

    Upper-case ASCII, parenthesised parts dropped (`(Bermuda)`; with `keep_parenthesised` their words are
    kept and only the brackets go), `&` read as `AND`, apostrophes removed,
    other punctuation read as a space, spaces collapsed, legal forms (`LTD`, `JSC`, `COMPANY`, spelled out
    as `JOINT STOCK COMPANY` or `LIMITED LIABILITY COMPANY`, ...) and `THE` dropped.

    >>> normalise_org_names(pd.Series(['JSC "Sogaz"', "Gard P&I (Bermuda) Ltd."])).tolist()
    ['SOGAZ', 'GARD P AND I']
    >>> names = ["Joint Stock Company Sogaz", "Shipowners' Club", "Limited Liability Company Polar Shield"]
    >>> normalise_org_names(pd.Series(names)).tolist()
    ['SOGAZ', 'SHIPOWNERS CLUB', 'POLAR SHIELD']
    >>> normalise_org_names(pd.Series(["Gard (Russia) LLC"]), keep_parenthesised=True).tolist()
    ['GARD RUSSIA']
    """
    if keep_parenthesised:
        return on_distinct(_normalise_org_names_kept, names)
    return on_distinct(_normalise_org_names, names)


def _normalise_org_names_kept(names: pd.Series) -> pd.Series:
    return _normalise_org_names(names.astype("string").str.replace(r"[()]", " ", regex=True))


def _normalise_org_names(names: pd.Series) -> pd.Series:
    text = (
        _ascii_upper(names).str.replace(_PARENTHESES, " ", regex=True).str.replace("&", " AND ", regex=False)
    )
    text = text.str.replace(r"['`’]", "", regex=True).str.replace(_NON_ALNUM, " ", regex=True)
    tokens = text.str.replace(_LEGAL_PHRASES, " ", regex=True).str.split()
    return tokens.map(lambda ts: " ".join(t for t in ts if t not in _LEGAL_FORMS), na_action="ignore").astype(
        "string"
    )


def _alias_table(names_by_class: Mapping[str, Iterable[str]]) -> pd.Series:
    rows = [(alias, cls) for cls, aliases in names_by_class.items() for alias in aliases]
    keys = normalise_org_names(pd.Series([alias for alias, _ in rows]))
    table = pd.Series([cls for _, cls in rows], index=pd.Index(keys, dtype="string"))
    return table[~table.index.duplicated()]


_PROVIDER_CLASS_BY_NAME = _alias_table(
    {
        "ig": [alias for aliases in IG_CLUBS.values() for alias in aliases],
        "western_fixed": WESTERN_FIXED_PI,
        "domestic": DOMESTIC_PI,
        "none": NO_PI,
    }
)


#: Known aliases shorter than this (letters and digits of the normalised name) are not used: `JPI`, `VSK`,
#: `RNRC` are also the initials of other organisations.
MIN_ALIAS_LETTERS = 5

#: Each name (normalised) of a domestic insurer of a sanctioned state -> its canonical name, so that
#: `Ingosstrakh` and `Ingosstrakh Insurance Company` are one insurer. Only these insurers: the IG clubs'
#: short forms (`JPI`, `North`, `London Club`) are other organisations' names too, and a designated
#: `JPI` is not the Japan P&I Club.
_CANONICAL_INSURER = _alias_table(DOMESTIC_INSURERS)
_CANONICAL_INSURER = _CANONICAL_INSURER[
    _CANONICAL_INSURER.index.str.replace(" ", "", regex=False).str.len() >= MIN_ALIAS_LETTERS
]


def canonical_insurers(keys: pd.Series) -> pd.Series:
    """The canonical name (`DOMESTIC_INSURERS`) of each normalised insurer name; NA if unknown, and for
    names of fewer than `MIN_ALIAS_LETTERS` letters and digits.

    >>> names = pd.Series(["Ingosstrakh Insurance Company", "Acme", "JPI", "Japan P&I Club", "RNRC"])
    >>> canonical_insurers(normalise_org_names(names)).tolist()
    ['Ingosstrakh', <NA>, <NA>, <NA>, <NA>]
    """
    return keys.map(_CANONICAL_INSURER).astype("string")


def provider_class(pi_provider: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Provider class of each P&I provider name, and whether the name was recognised.

    Names are compared after `normalise_org_names` with the IG club names (`IG_CLUBS`), the Western
    fixed-premium providers, the domestic insurers of sanctioned states and the "none" words. A blank or
    unrecognised name is class `none` (MODEL.md 2.4: uninsured, fraudulent or unknown cover); blanks
    count as recognised, unrecognised names do not, so a report can list them.

    >>> cls, known = provider_class(pd.Series(["Gard P&I (Bermuda) Ltd", "Ingosstrakh", "", "Acme Mutual"]))
    >>> cls.tolist(), known.tolist()
    (['ig', 'domestic', 'none', 'none'], [True, True, True, False])
    """
    keys = normalise_org_names(pi_provider).fillna("")
    mapped = keys.map(_PROVIDER_CLASS_BY_NAME)
    blank = keys == ""
    recognised = mapped.notna() | blank
    return mapped.fillna("none").astype("string"), recognised.astype(bool)


# ------------------------------------------------------------------------------------- segments, ages
@dataclass(frozen=True)
class Segment:
    """A tanker fleet segment: its size band and the default mean GT of the world fleet (MODEL.md 2.1)."""

    id: str
    label: str
    dwt_min: float
    gt_min: float
    mean_gt: float


#: Tanker segments, largest first, with the ids of the world data (riskmodel/world/data/segments.csv).
#: DWT bands are the trade's usual cuts; GT bands (used only when DWT is missing) are set between the
#: segments' mean GT (?). Mean GT: MODEL.md 2.1 default world fleet, as in segments.csv.
SEGMENTS: tuple[Segment, ...] = (
    Segment("VLCC", "VLCC", 200_000, 120_000, 160_000),
    Segment("SUEZMAX", "Suezmax", 120_000, 70_000, 81_000),
    Segment("AFRAMAX", "Aframax/LR2", 80_000, 50_000, 58_000),
    Segment("PANAMAX", "Panamax/LR1", 55_000, 35_000, 42_000),
    Segment("MR", "MR", 25_000, 20_000, 29_000),
    Segment("HANDY", "Handysize/small", 0, 0, 15_000),
)
#: Vessels other than tankers (screened, but not part of the engine's tanker fleet).
OTHER_SEGMENT = "OTHER"
SEGMENT_IDS: tuple[str, ...] = (*(s.id for s in SEGMENTS), OTHER_SEGMENT)
_SEGMENT_ALIASES: dict[str, str] = {
    **{s.id: s.id for s in SEGMENTS},
    **{s.label.upper().replace(" ", ""): s.id for s in SEGMENTS},
    "ULCC": "VLCC",
    "LR2": "AFRAMAX",
    "LR1": "PANAMAX",
    "MR1": "MR",
    "MR2": "MR",
    "HANDYMAX": "MR",
    "HANDYSIZE": "HANDY",
    "SMALL": "HANDY",
    OTHER_SEGMENT: OTHER_SEGMENT,
}


def segment_from_size(dwt: pd.Series, gt: pd.Series) -> pd.Series:
    """Tanker segment from DWT, or from GT where DWT is missing; NA where both are missing."""
    out = pd.Series(pd.NA, index=dwt.index, dtype="string")
    for size, cut in ((gt, "gt_min"), (dwt, "dwt_min")):
        values = pd.to_numeric(size, errors="coerce")
        choice = pd.Series(pd.NA, index=dwt.index, dtype="string")
        for segment in reversed(SEGMENTS):
            choice = choice.mask(values >= getattr(segment, cut), segment.id)
        out = choice.where(values.notna(), out)
    return out


AGE_BANDS: tuple[tuple[int, int | None, str], ...] = (
    (0, 4, "0-4"),
    (5, 9, "5-9"),
    (10, 14, "10-14"),
    (15, 19, "15-19"),
    (20, 24, "20-24"),
    (25, None, "25+"),
)


def age_band(age: pd.Series) -> pd.Series:
    """Five-year age bands, the last open: `0-4`, ..., `20-24`, `25+`."""
    edges = [lo for lo, _, _ in AGE_BANDS] + [np.inf]
    labels = [label for _, _, label in AGE_BANDS]
    return pd.cut(age, bins=edges, labels=labels, right=False).astype("string")


# ----------------------------------------------------------------------------------------- the format
@dataclass(frozen=True)
class FleetColumn:
    """One column of the fleet-list format: canonical name, whether required, aliases, what is allowed."""

    name: str
    required: bool
    allowed: str
    aliases: tuple[str, ...] = ()


FIRST_YEAR_BUILT = 1950

#: The most a vessel's sum insured or premium may be, USD m: the dearest ships are insured for about USD
#: 1-2bn and the IG's cover reaches about USD 3.1bn (FACTS.md: the overspill, 1bn xs 2.1bn), so a figure
#: above it is in another unit, most likely dollars rather than millions.
VESSEL_USD_M_MAX = 10_000.0

FLEET_COLUMNS: tuple[FleetColumn, ...] = (
    FleetColumn(
        "imo", True, "a 7-digit IMO number whose last digit is its check digit", ("imo_number", "imo_no")
    ),
    FleetColumn("name", True, "the vessel's name", ("vessel_name", "vessel", "ship_name")),
    FleetColumn(
        "segment", False, f"one of {', '.join(SEGMENT_IDS)} (or give dwt or gt)", ("vessel_segment",)
    ),
    FleetColumn("dwt", False, "deadweight in tonnes, a positive number", ("deadweight", "dwt_t")),
    FleetColumn("gt", False, "gross tonnage, a positive number", ("gross_tonnage", "grt")),
    FleetColumn(
        "year_built",
        True,
        f"a year from {FIRST_YEAR_BUILT} to the year of the screening date (--as-of, default today)",
        ("built", "year"),
    ),
    FleetColumn("flag", True, "an ISO3 state code of the world data", ("flag_state", "flag_iso3")),
    FleetColumn(
        "pi_provider",
        True,
        "the P&I insurer's name (blank: none or unknown)",
        ("p_and_i_provider", "p_and_i", "p_and_i_club", "pi_club", "p_i_provider"),
    ),
    FleetColumn(
        "pi_class",
        False,
        f"one of {', '.join(PI_CLASSES)} or scheme:<id> (blank: from the P&I provider's name)",
        ("p_and_i_class", "provider_class"),
    ),
    FleetColumn(
        "hm_insurer",
        True,
        "the hull and machinery insurer's name (blank: none or unknown)",
        ("h_and_m_insurer", "h_and_m", "hull_insurer", "h_m_insurer"),
    ),
    FleetColumn(
        "sum_insured_usd_m",
        True,
        f"the sum insured in USD millions, a number from 0 to {VESSEL_USD_M_MAX:,.0f}",
    ),
    FleetColumn(
        "premium_usd_m", True, f"the premium in USD millions, a number from 0 to {VESSEL_USD_M_MAX:,.0f}"
    ),
    FleetColumn("cedant", True, "the cedant's name"),
    FleetColumn("contract", False, "the reinsurance contract's id (blank: none)", ("contract_id", "treaty")),
    FleetColumn("trade", False, "a trade id of the world data (blank: unknown)", ("trade_id",)),
)
_COLUMN_BY_NAME = {c.name: c for c in FLEET_COLUMNS}
_HEADER_ALIASES = {alias: c.name for c in FLEET_COLUMNS for alias in (c.name, *c.aliases)}
SIZE_COLUMNS = ("segment", "dwt", "gt")


def normalise_header(header: object) -> str:
    """`"P&I provider"` -> `"p_and_i_provider"`, `"Sum insured (USD m)"` -> `"sum_insured_usd_m"`."""
    text = unicodedata.normalize("NFKD", str(header)).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "_", text.lower().replace("&", "_and_")).strip("_")


class FleetRow(BaseModel):
    """One vessel of a fleet list, as validated. The validation context carries `state_codes`,
    `suggest_state`, `trade_codes` and `current_year`."""

    model_config = ConfigDict(extra="ignore", frozen=True, str_strip_whitespace=True)

    imo: int
    name: str = Field(min_length=1)
    segment: str | None = None
    dwt: float | None = Field(None, gt=0, allow_inf_nan=False)
    gt: float | None = Field(None, gt=0, allow_inf_nan=False)
    year_built: int
    flag: str
    pi_provider: str = ""
    pi_class: str | None = None
    hm_insurer: str = ""
    sum_insured_usd_m: float = Field(ge=0, allow_inf_nan=False)
    premium_usd_m: float = Field(ge=0, allow_inf_nan=False)
    cedant: str = Field(min_length=1)
    contract: str | None = None
    trade: str | None = None

    @field_validator("imo", mode="before")
    @classmethod
    def _imo(cls, v: object) -> int:
        return parse_imo(v)

    @field_validator("sum_insured_usd_m", "premium_usd_m")
    @classmethod
    def _in_millions(cls, v: float) -> float:
        if v > VESSEL_USD_M_MAX:
            raise ValueError(
                f"more than any one vessel's cover (USD {VESSEL_USD_M_MAX / 1000:,.0f}bn): is it in dollars "
                "or thousands rather than USD millions?"
            )
        return v

    @field_validator("year_built", mode="before")
    @classmethod
    def _year_number(cls, v: object) -> object:
        if isinstance(v, str) and re.fullmatch(r"\s*\d{4}\.0*\s*", v):
            return v.split(".")[0]
        return v

    @field_validator("year_built")
    @classmethod
    def _year_possible(cls, v: int, info: ValidationInfo) -> int:
        current = (info.context or {}).get("current_year") or dt.date.today().year
        if not FIRST_YEAR_BUILT <= v <= current:
            cause = ""
            if v > current and current < dt.date.today().year:
                # The bound is the screening date's year: a past --as-of, not the fleet list, may be wrong.
                cause = f" (built after the screening date's year {current}: is the screening date right?)"
            raise ValueError(f"impossible year built {v}{cause}; allowed: {FIRST_YEAR_BUILT} to {current}")
        return v

    @field_validator("flag")
    @classmethod
    def _known_flag(cls, v: str, info: ValidationInfo) -> str:
        code = v.upper()
        context = info.context or {}
        if code not in context["state_codes"]:
            hint = _suggestion(context["suggest_state"], code)
            raise ValueError(f"unknown flag state {v!r}" + (f" (did you mean {hint}?)" if hint else ""))
        return code

    @field_validator("segment")
    @classmethod
    def _known_segment(cls, v: str | None) -> str | None:
        if v is None:
            return None
        key = v.upper().replace(" ", "")
        if key not in _SEGMENT_ALIASES:
            raise ValueError(f"unknown segment {v!r}")
        return _SEGMENT_ALIASES[key]

    @field_validator("trade")
    @classmethod
    def _known_trade(cls, v: str | None, info: ValidationInfo) -> str | None:
        codes = (info.context or {})["trade_codes"]
        if v is not None and v not in codes:
            close = difflib.get_close_matches(v.upper(), codes, n=1)
            raise ValueError(f"unknown trade {v!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
        return v

    @field_validator("pi_class")
    @classmethod
    def _known_class(cls, v: str | None) -> str | None:
        if v is not None and v not in PI_CLASSES and not _SCHEME_CLASS.match(v):
            raise ValueError(f"unknown provider class {v!r}")
        return v


def _suggestion(suggest: Any, code: str) -> str:
    hint = suggest(code)
    if not hint:
        return ""
    if isinstance(hint, str):
        return repr(hint)
    hints = [repr(h) for h in list(hint)[:3]]
    return hints[0] if len(hints) == 1 else f"{', '.join(hints[:-1])} or {hints[-1]}"


# ------------------------------------------------------------------------------------- screening dates
#: Screening dates allowed: from the first year a fleet's vessels may be built (a date before it makes
#: every vessel "built after the screening date") to a date pandas can still add the window to.
FIRST_AS_OF = dt.date(FIRST_YEAR_BUILT, 1, 1)
LAST_AS_OF = dt.date(2199, 12, 31)
#: A date as written in the lists and options: a four-digit year, a two-digit month and day (ASCII
#: digits: ``\d`` also matches other scripts' digits, which no date parser here reads).
ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
#: What a date argument of the public API may be.
DATE_ARGUMENT_TYPES = "a datetime.date, a datetime or pandas.Timestamp (its date), or a string YYYY-MM-DD"


def parse_iso_date(text: str) -> dt.date:
    """`YYYY-MM-DD`, exactly, as a date; `ValueError` otherwise: ``not a date YYYY-MM-DD`` for text
    written another way, ``no such day`` for one written so that names no day (``2026-06-31``).

    A date written another way is refused, not guessed: `datetime.date.fromisoformat` also takes
    `20260630` and week dates (`2026-W26-2`), and pandas' ISO 8601 parser a year alone (`2026`) as its
    1 January.

    >>> parse_iso_date("2026-06-30")
    datetime.date(2026, 6, 30)
    """
    if not ISO_DATE.fullmatch(text):
        raise ValueError(f"not a date YYYY-MM-DD: {text!r}")
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise ValueError(f"no such day: {text!r} ({exc})") from None


def screening_date(value: object, argument: str = "as_of") -> dt.date:
    """A date argument of the public API (`screen`'s and `fleet_profile`'s `as_of`) as a `datetime.date`.

    Accepted: a `datetime.date`; a `datetime.datetime` or `pandas.Timestamp` (its date); a string
    `YYYY-MM-DD`; each from `FIRST_AS_OF` to `LAST_AS_OF`. Otherwise `TypeError` (another type) or
    `ValueError` (another string, `NaT`, a date out of range), naming `argument` and what is allowed.

    >>> screening_date("2026-06-30"), screening_date(pd.Timestamp("2026-06-30 18:00"))
    (datetime.date(2026, 6, 30), datetime.date(2026, 6, 30))
    """
    allowed = f"allowed: {DATE_ARGUMENT_TYPES}, from {FIRST_AS_OF.isoformat()} to {LAST_AS_OF.isoformat()}"
    if value is pd.NaT:  # (a datetime whose date() fails)
        raise ValueError(f"{argument}=NaT is not a date; {allowed}")
    if isinstance(value, dt.datetime):
        date = value.date()
    elif isinstance(value, dt.date):
        date = value
    elif isinstance(value, str):
        try:
            date = parse_iso_date(value)
        except ValueError:
            what = "is no such day" if ISO_DATE.fullmatch(value) else "is not a date YYYY-MM-DD"
            raise ValueError(f"{argument}={value!r} {what}; {allowed}") from None
    else:
        raise TypeError(f"{argument}={value!r} ({type(value).__name__}) is not a date; {allowed}")
    if not FIRST_AS_OF <= date <= LAST_AS_OF:
        raise ValueError(
            f"{argument}: screening date {date.isoformat()} out of range (fleet lists hold vessels built "
            f"from {FIRST_YEAR_BUILT}); {allowed}"
        )
    return date


def screening_year(value: object, argument: str = "current_year") -> int:
    """A year argument of the public API (`read_fleet`'s and `validate_fleet`'s `current_year`, the last
    year a vessel may be built) as an int: a whole number (an int or a numpy integer, not a bool or a
    float) from `FIRST_AS_OF`'s year to `LAST_AS_OF`'s; `TypeError` or `ValueError` naming `argument` and
    what is allowed otherwise.
    """
    allowed = (
        f"allowed: a whole number from {FIRST_AS_OF.year} to {LAST_AS_OF.year} (the screening date's year)"
    )
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise TypeError(f"{argument}={value!r} ({type(value).__name__}) is not a year; {allowed}")
    if not FIRST_AS_OF.year <= value <= LAST_AS_OF.year:
        raise ValueError(f"{argument}={value} out of range; {allowed}")
    return int(value)


# --------------------------------------------------------------------------------------------- errors
@dataclass(frozen=True)
class RowError:
    """One problem in an input file: the row as the user sees it (header = row 1; `unit` is `line` for
    JSON lines), column (`-` for a whole row), value; `row` None for a problem of the whole file."""

    source: str
    row: int | None
    column: str
    value: str
    message: str
    unit: str = "row"

    def __str__(self) -> str:
        if self.row is None:
            return f"{self.source}: {self.message}"
        # JSON lines have fields where tables have columns.
        label = "field" if self.unit == "line" else "column"
        where = f"{self.unit} {self.row}" + (f", {label} {self.column}" if self.column != "-" else "")
        value = f", value {self.value!r}" if self.value != "" else ""
        if self.value == "" and self.column != "-":
            value = ", empty"
        return f"{self.source}: {where}{value}: {self.message}"


class InputRowsError(ValueError):
    """An input file with problems; `problems` lists every one of them, not only the first."""

    kind = "input file"

    def __init__(self, source: str, problems: Sequence[RowError]) -> None:
        self.source = source
        self.problems = list(problems)
        super().__init__(str(self))

    def __str__(self) -> str:
        n = len(self.problems)
        head = f"{self.source}: {n} problem{'s' if n != 1 else ''} in the {self.kind}"
        return "\n".join([head, *(str(p) for p in self.problems)])


class FleetValidationError(InputRowsError):
    """A fleet list with invalid rows or columns."""

    kind = "fleet list"


# ----------------------------------------------------------------------------------------- reading
def read_fleet(
    path: str | Path,
    *,
    world: StateRegistry | None = None,
    current_year: int | None = None,
) -> pd.DataFrame:
    """Read and validate a fleet list (`.csv`, or `.xlsx`/`.xlsm` whose first sheet is read; messages then
    name the sheet).

    `current_year` is the screening date's year, the last a vessel may be built (default: this year), a
    whole number from 1950 to 2199.

    Returns the validated fleet (see the module docstring); raises `FleetValidationError` listing every
    problem; `FileNotFoundError` when the file does not exist.
    """
    if current_year is not None:
        current_year = screening_year(current_year)
    path = Path(path)
    require_file(path, "fleet list", FleetValidationError, "a .csv, .xlsx or .xlsm file")
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx", ".xlsm"):
        message = f"unknown file type{_OTHER_OPTION_BY_SUFFIX.get(suffix, '')}; allowed: .csv, .xlsx, .xlsm"
        raise FleetValidationError(path.name, [RowError(path.name, None, "-", suffix, message)])
    source = path.name
    try:
        if suffix == ".csv":
            raw = read_text_table(path)
        else:
            raw, source = _first_sheet(path)
    except UNREADABLE as exc:
        raise FleetValidationError(path.name, [unreadable(path, exc)]) from None
    try:
        return validate_fleet(raw, source=source, world=world, current_year=current_year, first_row=2)
    except FleetValidationError as exc:  # (a workbook's formulas are looked at only when something failed)
        note = _unsaved_formulas_note(path, source) if suffix != ".csv" else None
        if note is None:
            raise
        raise FleetValidationError(exc.source, [*exc.problems, note]) from None


#: File types of the other inputs, said when one is given as the fleet list.
_OTHER_OPTION_BY_SUFFIX = {
    **dict.fromkeys(
        (".json", ".jsonl", ".ndjson", ".gz"),
        " (a JSON lines file is a sanctions list: give it with --lists)",
    ),
    ".txt": " (a .txt file is a designated-insurers list: give it with --insurers)",
}


def _first_sheet(path: Path) -> tuple[pd.DataFrame, str]:
    """The first sheet of a workbook as text cells with their header, and the source to cite in messages:
    the file and the sheet (`book.xlsx (sheet 'Fleet')`; with more sheets, which ones there are)."""
    with pd.ExcelFile(path, engine="openpyxl") as book:
        sheets = [str(name) for name in book.sheet_names]
        cells = pd.read_excel(book, sheet_name=0, header=None, dtype=str, keep_default_na=False)
    others = f", the first of {len(sheets)}: {', '.join(map(repr, sheets))}" if len(sheets) > 1 else ""
    if cells.empty and len(sheets) > 1:
        raise _SheetProblem(
            f"the first sheet {sheets[0]!r} is empty, and a fleet list is read from the first sheet (the "
            f"workbook's sheets: {', '.join(map(repr, sheets))}): move the list to the first sheet"
        )
    return _with_header(cells), f"{path.name} (sheet {sheets[0]!r}{others})"


class _SheetProblem(ValueError):
    """A workbook whose first sheet cannot be read as a fleet list as it stands; the message says why."""


def _unsaved_formulas_note(path: Path, source: str) -> RowError | None:
    """A note on the first sheet's formulas saved without a value, which every reader (pandas included)
    sees as blank cells, or None when there are none. Excel saves each formula's value; a workbook written
    by a script often does not. (A formula whose saved value is an empty text reads the same way, so the
    note says "if".) Looked for only when the list has problems: it reads the workbook twice more."""
    import openpyxl

    def cells(data_only: bool) -> dict[str, object]:  # coordinate → value (a formula's text, or its value)
        book = openpyxl.load_workbook(path, read_only=True, data_only=data_only)
        try:
            found = {}
            for row in book.worksheets[0].iter_rows():
                for c in row:  # (empty cells of a read-only sheet have no coordinate)
                    if getattr(c, "data_type", None) == "f" or (data_only and c.value is not None):
                        found[c.coordinate] = getattr(c.value, "text", c.value)  # (an array formula's text)
            return found
        finally:
            book.close()

    try:
        formulas = cells(data_only=False)
        values = cells(data_only=True) if formulas else {}
    except Exception:  # (a note, not a check: the problems found stand without it)
        return None
    unsaved = [(cell, str(text)) for cell, text in formulas.items() if values.get(cell) is None]
    if not unsaved:
        return None
    shown = ", ".join(f"{cell} ({formula})" for cell, formula in unsaved[:5])
    more = f" and {len(unsaved) - 5} more" if len(unsaved) > 5 else ""
    message = (
        f"note: cells {shown}{more} hold formulas without a saved value and read as blank: if the workbook "
        "was written by a program that does not calculate formulas, open and save it in Excel, or write the "
        "values themselves"
    )
    return RowError(source, None, "-", "", message)


def require_file(path: Path, what: str, error: type[InputRowsError], allowed: str) -> None:
    """`FileNotFoundError` when `path` does not exist; `error` (an input error) when it is a folder."""
    if path.is_dir():
        problem = RowError(str(path), None, "-", "", f"is a folder, not a file; allowed: {allowed}")
        raise error(str(path), [problem])
    if not path.is_file():
        raise FileNotFoundError(f"{path}: {what} not found")


class NotUtf8Error(ValueError):
    """Text that is not UTF-8; `problem` says where (the row or line when known) and what to do."""

    def __init__(self, problem: RowError) -> None:
        self.problem = problem
        super().__init__(problem.message)


SAVE_AS_UTF8 = "save it as CSV UTF-8 (Excel: Save As, file type 'CSV UTF-8 (Comma delimited)')"


def decode_utf8(data: bytes, source: str, *, unit: str = "row", remedy: str = SAVE_AS_UTF8) -> str:
    """`data` as text (a UTF-8 byte-order mark dropped); `NotUtf8Error` naming the row (line) of the first
    byte that is not UTF-8, or the file when it is UTF-16 or binary."""
    whole_file = None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        whole_file = "the file is UTF-16 text, not UTF-8"
    elif b"\x00" in data:
        whole_file = "the file has NUL bytes: it is UTF-16 or binary, not UTF-8 text"
    if whole_file:
        raise NotUtf8Error(RowError(source, None, "-", "", f"{whole_file}; {remedy}"))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        row = data.count(b"\n", 0, exc.start) + 1
        raise NotUtf8Error(RowError(source, row, "-", "", not_utf8(data, exc, remedy), unit)) from None


def not_utf8(data: bytes, exc: UnicodeDecodeError, remedy: str) -> str:
    """What is wrong with `data`, which `exc` says is not UTF-8, and what to do."""
    byte = data[exc.start : exc.start + 1].hex().upper()
    try:
        data.decode("cp1252")
        guess = " (it looks like Latin-1/Windows-1252)"
    except UnicodeDecodeError:
        guess = ""
    return f"not UTF-8 text: byte 0x{byte} cannot be read{guess}; {remedy}"


#: What pandas and openpyxl raise on a file that is not the table it claims to be.
UNREADABLE: tuple[type[Exception], ...] = (
    pd.errors.ParserError,
    pd.errors.EmptyDataError,
    UnicodeDecodeError,
    ValueError,
    zipfile.BadZipFile,
)


class OtherSeparatorError(ValueError):
    """A CSV whose header another separator than the comma splits; `problem` says which and what to do."""

    def __init__(self, problem: RowError) -> None:
        self.problem = problem
        super().__init__(problem.message)


#: The separators a CSV saved by a spreadsheet may use instead of the comma, by name.
OTHER_SEPARATORS = {";": "semicolons", "\t": "tabs", "|": "vertical bars"}


def comma_separated(
    text: str, source: str, *, instead: str = "a fleet list may also be given as .xlsx"
) -> None:
    """`OtherSeparatorError` when the header (the first line of `text`) is one column that another
    separator splits: Excel saves a "CSV" with semicolons where the comma is the decimal mark, and read
    with commas its header is one column, so every required column would be "missing". `instead`: what
    else the reader takes, said last."""
    header = text.split("\n", 1)[0].rstrip("\r")
    if len(next(csv.reader([header]), [])) != 1:
        return
    for separator, called in OTHER_SEPARATORS.items():
        if len(next(csv.reader([header], delimiter=separator), [])) > 1:
            shown = header if len(header) <= 40 else header[:39] + "…"
            message = (
                f"the header is one column, {shown!r}, with {header.count(separator)} {called} in it: the "
                f"file is separated by {called}, not commas; allowed: values separated by commas (Excel's "
                "'CSV UTF-8' uses the list separator of the computer's region settings: set it to a comma "
                f"before saving; {instead})"
            )
            raise OtherSeparatorError(RowError(source, 1, "-", "", message))


def read_text_table(path: Path) -> pd.DataFrame:
    """A CSV as text: headers exactly as written (a repeated header stays repeated), blank lines kept so
    that the index is the row number the user sees (header = row 1). `NotUtf8Error` if not UTF-8,
    `OtherSeparatorError` if separated by semicolons or tabs (`comma_separated`)."""
    text = decode_utf8(path.read_bytes(), path.name)
    comma_separated(text, path.name)
    cells = pd.read_csv(
        io.StringIO(text), header=None, dtype=str, keep_default_na=False, skip_blank_lines=False
    )
    return _with_header(cells)


def _with_header(cells: pd.DataFrame) -> pd.DataFrame:
    if cells.empty:
        raise pd.errors.EmptyDataError("the file is empty")
    cells = cells.fillna("").astype(str)
    header = [h.strip() or f"unnamed_{i + 1}" for i, h in enumerate(cells.iloc[0])]
    table = pd.DataFrame(cells.iloc[1:].to_numpy(), columns=header, index=pd.RangeIndex(2, len(cells) + 1))
    unnamed_blank = [
        i for i, h in enumerate(cells.iloc[0]) if not h.strip() and (table.iloc[:, i].str.strip() == "").all()
    ]
    return table.iloc[:, [i for i in range(len(header)) if i not in unnamed_blank]]


UNCLOSED_QUOTE = (
    'a quote (") opened in this row is never closed, so the rest of the file would read as one value; '
    'allowed: a value in quotes ends with a quote (a quote inside it is written twice: "")'
)


def unclosed_quote_row(exc: Exception) -> int | None:
    """The row (header = row 1) of the quote that pandas' `ParserError` `exc` found never closed, or None
    for another error. (pandas counts the rows from 0, the header's.)"""
    unclosed = re.search(r"EOF inside string starting at row (\d+)", str(exc))
    return None if unclosed is None else int(unclosed.group(1)) + 1


def unreadable(path: Path, exc: Exception) -> RowError:
    """The problem of a file that cannot be read as a table at all."""
    if isinstance(exc, NotUtf8Error | OtherSeparatorError):
        return exc.problem
    if isinstance(exc, _SheetProblem):
        return RowError(path.name, None, "-", "", str(exc))
    if isinstance(exc, pd.errors.EmptyDataError):
        return RowError(path.name, None, "-", "", "the file is empty: give a header row and a row per vessel")
    fields = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(exc))
    if fields:
        header, row, saw = (int(x) for x in fields.groups())
        message = (
            f"has {saw} values where the header names {header} columns: give one value per column (a "
            "value with a comma needs quotes)"
        )
        return RowError(path.name, row, "-", "", message)
    if (row := unclosed_quote_row(exc)) is not None:
        return RowError(path.name, row, "-", "", UNCLOSED_QUOTE)
    return RowError(path.name, None, "-", "", f"cannot be read as a table ({type(exc).__name__}: {exc})")


def validate_fleet(
    raw: pd.DataFrame,
    source: str = "<fleet>",
    *,
    world: StateRegistry | None = None,
    current_year: int | None = None,
    first_row: int = 2,
) -> pd.DataFrame:
    """Validate a fleet list (columns = the headers as given, one row per vessel; the first vessel is in
    row `first_row` of the file, so that messages cite the rows the user sees).

    Checks, each with its own function: the header (unknown columns are kept as they are, required
    ones must be there, each once), every row against `FleetRow` (IMO check digit, known flag, possible
    year, numbers, at least one of segment/DWT/GT), and an IMO number repeated for the same cedant and
    contract. `current_year` is as `read_fleet`'s.
    """
    if current_year is not None:
        current_year = screening_year(current_year)
    world = world if world is not None else default_world()
    columns, header_problems = _check_header(raw.columns, source)
    if header_problems:
        raise FleetValidationError(source, header_problems)
    table = raw.set_axis(columns, axis=1).astype(object)
    table = table.where(table.notna(), "").astype(str)
    table.index = pd.RangeIndex(first_row, first_row + len(table), name="row")
    table = table[(table.apply(lambda col: col.str.strip()) != "").any(axis=1)]
    if table.empty:
        raise FleetValidationError(
            source, [RowError(source, None, "-", "", "no vessels: the list has no rows")]
        )

    context = {
        "state_codes": frozenset(world.state_codes),
        "suggest_state": world.suggest_state,
        "trade_codes": frozenset(world.trade_codes),
        "current_year": current_year if current_year is not None else dt.date.today().year,
    }
    rows, problems = _validate_rows(table, source, context)
    problems += _check_duplicate_imos(table, source)
    if problems:
        problems.sort(
            key=lambda p: (
                p.row,
                list(_COLUMN_BY_NAME).index(p.column) if p.column in _COLUMN_BY_NAME else 99,
            )
        )
        raise FleetValidationError(source, problems)
    return _fleet_frame(table, rows)


#: Columns only a fleet list has: two of them make a file a fleet list.
FLEET_ONLY_COLUMNS: tuple[str, ...] = (
    "year_built",
    "pi_provider",
    "hm_insurer",
    "sum_insured_usd_m",
    "premium_usd_m",
    "cedant",
)
#: What each kind of input is called, and the option it is given with.
INPUT_KINDS: dict[str, tuple[str, str]] = {
    "fleet": ("a fleet list", "--fleet"),
    "sanctions": ("a sanctions list of vessels", "--lists"),
    "insurers": ("a designated-insurers list", "--insurers"),
}


def input_kind(headers: Iterable[object]) -> str | None:
    """Which input a header row is the header of: `fleet` (two or more of `FLEET_ONLY_COLUMNS`, under
    any of their names), `sanctions` (`imo` and `list`), `insurers` (`name`, and only `list` or `date`
    besides); None when it is none of these.

    >>> input_kind(["IMO", "Cedant", "Sum insured (USD m)"]), input_kind(["imo", "name", "list", "date"])
    ('fleet', 'sanctions')
    """
    names = {_HEADER_ALIASES.get(normalise_header(h), normalise_header(h)) for h in headers}
    if len(names & set(FLEET_ONLY_COLUMNS)) >= 2:
        return "fleet"
    if {"imo", "list"} <= names:
        return "sanctions"
    if "name" in names and names <= {"name", "list", "date"}:
        return "insurers"
    return None


def wrong_kind(source: str, headers: Iterable[object], expected: str) -> RowError | None:
    """The problem of a file whose header is that of another kind of input than `expected` (a key of
    `INPUT_KINDS`), saying which option it belongs to; None when it is not."""
    headers = [str(h) for h in headers]
    kind = input_kind(headers)
    if kind is None or kind == expected:
        return None
    (what, option), (expected_what, expected_option) = INPUT_KINDS[kind], INPUT_KINDS[expected]
    shown = ", ".join(headers[:6]) + (", ..." if len(headers) > 6 else "")
    message = (
        f"this is {what} (columns {shown}), not {expected_what}: give it with {option}, and "
        f"{expected_what} with {expected_option}"
    )
    return RowError(source, 1, "-", "", message)


def _check_header(headers: Iterable[object], source: str) -> tuple[list[str], list[RowError]]:
    headers = list(headers)
    other = wrong_kind(source, headers, "fleet")
    if other is not None:
        return [str(h) for h in headers], [other]
    problems: list[RowError] = []
    columns: list[str] = []
    seen: dict[str, str] = {}
    for header in headers:
        key = normalise_header(header)
        name = _HEADER_ALIASES.get(key, str(header))
        if name in seen:
            problems.append(
                RowError(source, 1, str(header), str(header), f"column given twice (also as {seen[name]!r})")
            )
        seen[name] = str(header)
        columns.append(name)
    unknown = {normalise_header(h): h for h in seen.values() if normalise_header(h) not in _HEADER_ALIASES}
    for column in FLEET_COLUMNS:
        if column.required and column.name not in seen:
            close = difflib.get_close_matches(column.name, list(unknown), n=1, cutoff=0.6)
            hint = f" (is it {unknown[close[0]]!r}?)" if close else ""
            problems.append(
                RowError(
                    source, 1, column.name, "", f"required column missing{hint}; allowed: {column.allowed}"
                )
            )
    # a column of the user's own is kept as it is, but one spelt almost like an optional column the list
    # lacks (`near_miss`) is that column misspelt: read as the user's own, its values would be left out
    optional = [alias for c in FLEET_COLUMNS if not c.required for alias in (c.name, *c.aliases)]
    given = {alias for alias in optional if _HEADER_ALIASES[normalise_header(alias)] in seen}
    for key, meant in misspelt_columns(unknown, optional, given):
        header = unknown[key]
        name = _HEADER_ALIASES[normalise_header(meant)]
        like = repr(name) if meant == name else f"{meant!r} (a name of the {name!r} column)"
        message = (
            f"unknown column, spelt almost like {like}: rename it, or give a column of your own a name "
            "unlike the list's columns"
        )
        problems.append(RowError(source, 1, str(header), str(header), message))
    if not any(c in seen for c in SIZE_COLUMNS):
        problems.append(RowError(source, 1, "segment", "", "give a segment, dwt or gt column"))
    return columns, problems


def _validate_rows(
    table: pd.DataFrame, source: str, context: dict[str, Any]
) -> tuple[dict[int, FleetRow], list[RowError]]:
    rows: dict[int, FleetRow] = {}
    problems: list[RowError] = []
    known = [c for c in table.columns if c in _COLUMN_BY_NAME]
    cells = table[known].to_numpy(dtype=object)
    for row_number, values in zip(table.index, cells, strict=True):
        record = dict(zip(known, values, strict=True))
        given = {k: v for k, v in record.items() if v.strip() != ""}
        row_problems = []
        if not any(c in given for c in SIZE_COLUMNS):
            row_problems.append(
                RowError(
                    source, int(row_number), "segment", "", "no segment, dwt or gt; give at least one of them"
                )
            )
        try:
            row = FleetRow.model_validate(given, context=context)
        except ValidationError as exc:
            row_problems += [_row_error(source, int(row_number), error, record) for error in exc.errors()]
        if row_problems:
            problems += row_problems
        else:
            rows[int(row_number)] = row
    return rows, problems


def _row_error(source: str, row_number: int, error: Mapping[str, Any], record: Mapping[str, str]) -> RowError:
    column = str(error["loc"][0]) if error["loc"] else "-"
    message = str(error["msg"]).removeprefix("Value error, ")
    if error["type"] == "missing":
        message = "a value is required"
    if "allowed:" not in message and column in _COLUMN_BY_NAME:
        message += f"; allowed: {_COLUMN_BY_NAME[column].allowed}"
    return RowError(source, row_number, column, record.get(column, ""), message)


def _check_duplicate_imos(table: pd.DataFrame, source: str) -> list[RowError]:
    """Every row whose IMO (valid or not), cedant and contract repeat an earlier row's, with the row it
    repeats. One ship under two cedants, or two contracts of one cedant, is two covers: allowed."""
    digits = table["imo"].str.upper().str.extract(_IMO_TEXT.pattern, expand=False)
    imos = pd.to_numeric(digits, errors="coerce").dropna()
    cover = pd.DataFrame(
        {
            "imo": imos.astype("int64"),
            "cedant": _stripped(table, "cedant").loc[imos.index],
            "contract": _stripped(table, "contract").loc[imos.index],
        }
    )
    rows = pd.Series(cover.index, index=cover.index)
    first_row = rows.groupby([cover["imo"], cover["cedant"], cover["contract"]]).transform("min")
    repeated = cover[cover.index != first_row]
    return [
        RowError(
            source,
            int(row_number),
            "imo",
            table.at[row_number, "imo"],
            f"duplicate IMO {imo:07d} for cedant {cedant!r} and {_contract_words(contract)}, first in row "
            f"{int(first_row[row_number])}; allowed: each IMO once per cedant and contract",
        )
        for row_number, imo, cedant, contract in repeated.itertuples()
    ]


def _stripped(table: pd.DataFrame, column: str) -> pd.Series:
    """A text column with spaces trimmed; all blank when the table lacks it (`contract` is optional)."""
    if column not in table.columns:
        return pd.Series("", index=table.index)
    return table[column].astype(str).str.strip()


def _contract_words(contract: str) -> str:
    return f"contract {contract!r}" if contract else "no contract"


def _fleet_frame(table: pd.DataFrame, rows: Mapping[int, FleetRow]) -> pd.DataFrame:
    fleet = pd.DataFrame([r.model_dump() for r in rows.values()], index=pd.Index(list(rows), name="row"))
    numbers = {"imo": "int64", "year_built": "int64", "dwt": "float64", "gt": "float64"}
    numbers |= {"sum_insured_usd_m": "float64", "premium_usd_m": "float64"}
    texts = [name for name in FleetRow.model_fields if name not in numbers]
    fleet = fleet.astype(numbers | dict.fromkeys(texts, "string"))
    extra = table.loc[fleet.index, [c for c in table.columns if c not in _COLUMN_BY_NAME]]
    return complete_fleet(fleet, extra=extra)


#: The columns `complete_fleet` adds: a DataFrame that has them has been validated.
VALIDATED_FLEET_COLUMNS: tuple[str, ...] = ("row", "gt_estimated", "pi_provider_recognised")


def complete_fleet(fleet: pd.DataFrame, extra: pd.DataFrame | None = None) -> pd.DataFrame:
    """Add the derived columns to fleet rows in canonical columns (index = file row number).

    `segment` from DWT or GT where not given, `gt` as the segment's mean GT where not given (with
    `gt_estimated`), `pi_class` from the P&I provider's name where not given (with
    `pi_provider_recognised`), and the user's own extra columns at the end.
    """
    out = fleet.copy()
    given_segment = out["segment"].astype("string")
    out["segment"] = given_segment.fillna(segment_from_size(out["dwt"], out["gt"]))
    mean_gt = pd.Series({s.id: float(s.mean_gt) for s in SEGMENTS})
    out["gt_estimated"] = out["gt"].isna() & out["segment"].isin(list(mean_gt.index))
    out["gt"] = out["gt"].fillna(out["segment"].map(mean_gt).astype("float64"))
    mapped, recognised = provider_class(out["pi_provider"])
    given_class = out["pi_class"].astype("string")
    out["pi_class"] = given_class.fillna(mapped)
    out["pi_provider_recognised"] = recognised | given_class.notna()
    out["contract"] = out["contract"].astype("string")
    out = out.reset_index()
    if extra is not None and not extra.empty:
        out = pd.concat([out, extra.reset_index(drop=True)], axis=1)
    return out


# ------------------------------------------------------------------------------------------- profile
PROFILE_KEYS: tuple[str, ...] = ("segment", "age_band", "pi_class", "flag")


def vessel_age(year_built: pd.Series, as_of: dt.date) -> pd.Series:
    """Age in whole years at `as_of` (the year difference; a vessel built this year is 0)."""
    return (as_of.year - year_built).astype("int64")


def fleet_profile(
    fleet: pd.DataFrame,
    *,
    as_of: dt.date | str | None = None,
    by: Sequence[str] = PROFILE_KEYS,
) -> pd.DataFrame:
    """Vessel counts and tonnage of a validated fleet by segment, age band, P&I provider class and flag.

    This is what the engine's fleet override needs in place of the world-average fleet. Add `"cedant"`,
    `"contract"` or `"trade"` to `by` for a finer split (a blank trade is `""`). Ages are at `as_of` (default
    today): a `datetime.date`, a datetime or `pandas.Timestamp` (its date) or a string `YYYY-MM-DD`
    (`screening_date`).

    Returns one row per group with `vessels` (distinct IMO numbers), `gt` (sum over those vessels; segment
    means where the list had no GT), `mean_age`, and `sum_insured_usd_m` and `premium_usd_m` (sums over the
    rows: a ship under two covers adds both), sorted by `by`.

    >>> fleet = complete_fleet(pd.DataFrame({
    ...     "row": [2, 3, 4], "imo": [9074729, 9176187, 9321483], "name": ["A", "B", "C"],
    ...     "segment": ["VLCC", None, "MR"], "dwt": [None, 105_000.0, None], "gt": [None, 60_000.0, 30_000.0],
    ...     "year_built": [2001, 2003, 2020], "flag": ["PAN", "PAN", "LBR"],
    ...     "pi_provider": ["Gard", "Gard", "Ingosstrakh"], "pi_class": [None, None, None],
    ...     "hm_insurer": ["", "", ""], "sum_insured_usd_m": [30.0, 20.0, 25.0],
    ...     "premium_usd_m": [0.3, 0.2, 0.25], "cedant": ["C1"] * 3, "contract": [None] * 3,
    ...     "trade": [None] * 3}).set_index("row"))
    >>> fleet_profile(fleet, as_of=dt.date(2026, 1, 1))[["segment", "age_band", "pi_class", "vessels", "gt"]]
       segment age_band  pi_class  vessels        gt
    0  AFRAMAX    20-24        ig        1   60000.0
    1       MR      5-9  domestic        1   30000.0
    2     VLCC      25+        ig        1  160000.0
    """
    as_of = screening_date(as_of) if as_of is not None else dt.date.today()
    data = fleet.copy()
    data["age"] = vessel_age(data["year_built"], as_of)
    data["age_band"] = age_band(data["age"])
    for key in by:
        data[key] = data[key].astype("string").fillna("")
    # A ship listed under several covers (cedants, contracts) is one vessel: its count, tonnage and age
    # are taken once per group, its sums insured and premiums for every cover.
    once = ~data.duplicated([*by, "imo"])
    data["vessel_gt"] = data["gt"].where(once, 0.0)
    data["vessel_age"] = data["age"].where(once)
    profile = data.groupby(list(by), sort=False).agg(
        vessels=("imo", "nunique"),
        gt=("vessel_gt", "sum"),
        mean_age=("vessel_age", "mean"),
        sum_insured_usd_m=("sum_insured_usd_m", "sum"),
        premium_usd_m=("premium_usd_m", "sum"),
    )
    band_order = {label: i for i, (_, _, label) in enumerate(AGE_BANDS)}
    profile = profile.reset_index().sort_values(
        list(by), key=lambda s: s.map(band_order) if s.name == "age_band" else s, ignore_index=True
    )
    return profile
