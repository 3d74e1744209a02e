"""Sanctions lists read from local files: designated vessels and designated organisations (insurers).

In: files the user downloaded (no network at run time; docs/screening.md says where to get them):
- a simple CSV with the columns `imo, name, list, date` and optionally `flag`, `flag_changed` (date of the
  vessel's last flag change), `past_flags` (ISO codes separated by `;`); dates are `YYYY-MM-DD` or blank;
  several rows for one IMO with different flags and dates are read as the vessel's flag history;
- an OpenSanctions / FollowTheMoney entity export (JSON lines, `.json`, `.jsonl`, `.ndjson`, optionally
  `.gz`): `Vessel` entities give vessels (`imoNumber`, `name`, `alias`, `previousName`, `weakAlias`,
  `flag`, `pastFlags`), one entry per dataset in `datasets`; `Organization` and `Company` entities give
  designated organisations; `Sanction` entities, when present, give the designation date (`listingDate`
  or `startDate`) of their entity in their own dataset, otherwise the entity's `first_seen` is used
  (`date_basis` says which);
- a designated-insurers list: a CSV with a `name` column (optionally `list`, `date`) or a text file with
  one name per line.
List labels are written in one spelling (`normalise_list_labels`) and mapped to a regime (`list_regimes`).
A file whose header is that of a fleet list (or another list kind) is refused, naming the option it
belongs to.
Out: a `SanctionsLists` holding three DataFrames: `vessels` (one row per entry and name variant),
`organisations` and `problems` (entries reported: an invalid IMO, an unknown flag code, neither a valid
IMO nor a flag, a name without Latin letters, a list of no known regime).
A file that cannot be read raises `ListFormatError` listing every bad row (`InsurersFormatError`, a kind of
it, for a designated-insurers list).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import gzip
import json
import re
import zlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from riskmodel.scenario.errors import misspelt_columns
from riskmodel.screening.fleet import (
    IMO_ALL_ZEROS,
    IMO_LEADING_ZERO,
    ISO_DATE,
    LAST_AS_OF,
    UNREADABLE,
    InputRowsError,
    NotUtf8Error,
    RowError,
    _ascii_upper,
    decode_utf8,
    imo_check_digits,
    imo_valid,
    normalise_header,
    normalise_org_names,
    not_utf8,
    read_text_table,
    require_file,
    unreadable,
    wrong_kind,
)

# ------------------------------------------------------------------------------------------ country codes
#: ISO 3166-1 alpha-2 -> alpha-3, as pairs (source: ISO 3166-1 via the Debian iso-codes package), plus
#: Kosovo (XK -> XKX), which OpenSanctions and several registries use.
_ISO2_ISO3 = """
ADAND AEARE AFAFG AGATG AIAIA ALALB AMARM AOAGO AQATA ARARG ASASM ATAUT AUAUS AWABW AXALA AZAZE
BABIH BBBRB BDBGD BEBEL BFBFA BGBGR BHBHR BIBDI BJBEN BLBLM BMBMU BNBRN BOBOL BQBES BRBRA BSBHS
BTBTN BVBVT BWBWA BYBLR BZBLZ CACAN CCCCK CDCOD CFCAF CGCOG CHCHE CICIV CKCOK CLCHL CMCMR CNCHN
COCOL CRCRI CUCUB CVCPV CWCUW CXCXR CYCYP CZCZE DEDEU DJDJI DKDNK DMDMA DODOM DZDZA ECECU EEEST
EGEGY EHESH ERERI ESESP ETETH FIFIN FJFJI FKFLK FMFSM FOFRO FRFRA GAGAB GBGBR GDGRD GEGEO GFGUF
GGGGY GHGHA GIGIB GLGRL GMGMB GNGIN GPGLP GQGNQ GRGRC GSSGS GTGTM GUGUM GWGNB GYGUY HKHKG HMHMD
HNHND HRHRV HTHTI HUHUN IDIDN IEIRL ILISR IMIMN ININD IOIOT IQIRQ IRIRN ISISL ITITA JEJEY JMJAM
JOJOR JPJPN KEKEN KGKGZ KHKHM KIKIR KMCOM KNKNA KPPRK KRKOR KWKWT KYCYM KZKAZ LALAO LBLBN LCLCA
LILIE LKLKA LRLBR LSLSO LTLTU LULUX LVLVA LYLBY MAMAR MCMCO MDMDA MEMNE MFMAF MGMDG MHMHL MKMKD
MLMLI MMMMR MNMNG MOMAC MPMNP MQMTQ MRMRT MSMSR MTMLT MUMUS MVMDV MWMWI MXMEX MYMYS MZMOZ NANAM
NCNCL NENER NFNFK NGNGA NINIC NLNLD NONOR NPNPL NRNRU NUNIU NZNZL OMOMN PAPAN PEPER PFPYF PGPNG
PHPHL PKPAK PLPOL PMSPM PNPCN PRPRI PSPSE PTPRT PWPLW PYPRY QAQAT REREU ROROU RSSRB RURUS RWRWA
SASAU SBSLB SCSYC SDSDN SESWE SGSGP SHSHN SISVN SJSJM SKSVK SLSLE SMSMR SNSEN SOSOM SRSUR SSSSD
STSTP SVSLV SXSXM SYSYR SZSWZ TCTCA TDTCD TFATF TGTGO THTHA TJTJK TKTKL TLTLS TMTKM TNTUN TOTON
TRTUR TTTTO TVTUV TWTWN TZTZA UAUKR UGUGA UMUMI USUSA UYURY UZUZB VAVAT VCVCT VEVEN VGVGB VIVIR
VNVNM VUVUT WFWLF WSWSM YEYEM YTMYT ZAZAF ZMZMB ZWZWE XKXKX
"""
ISO2_TO_ISO3: dict[str, str] = {pair[:2]: pair[2:] for pair in _ISO2_ISO3.split()}
ISO3_CODES: frozenset[str] = frozenset(ISO2_TO_ISO3.values())


def _iso3(code: str) -> str:
    """One flag code, ISO alpha-2 or alpha-3 in any case, as ISO3; "" if unknown."""
    c = code.strip().upper()
    return ISO2_TO_ISO3.get(c, c if c in ISO3_CODES else "")


def flags_to_iso3(codes: pd.Series) -> pd.Series:
    """ISO alpha-2 (any case, as OpenSanctions writes them) or alpha-3 flag codes to ISO3; NA if unknown.

    >>> flags_to_iso3(pd.Series(["pa", "LBR", "", "zz"])).tolist()
    ['PAN', 'LBR', <NA>, <NA>]
    """
    text = codes.astype("string").str.strip().str.upper()
    iso3 = text.map(ISO2_TO_ISO3).astype("string")
    return iso3.fillna(text.where(text.isin(list(ISO3_CODES)))).astype("string")


# ------------------------------------------------------------------------------------------- vessel names
_VESSEL_PREFIX = re.compile(r"^\s*(?:M\s*[/.]?\s*[TVS]|S\s*[/.]?\s*S)\.?(?=[\s.]|$)[\s.]*")


def normalise_vessel_names(names: pd.Series) -> pd.Series:
    """Vessel names reduced for the lower-confidence name match.

    Upper-case ASCII, a leading type prefix dropped (`M/T`, `MT`, `M.T.`, `MV`, `M/S`, `SS`),
    apostrophes removed, other punctuation read as a space, spaces collapsed.

    >>> normalise_vessel_names(pd.Series(["M/T Sea-Jewel", "mt  ocean's  pride.", "MTK Star"])).tolist()
    ['SEA JEWEL', 'OCEANS PRIDE', 'MTK STAR']
    """
    text = _ascii_upper(names).str.replace(_VESSEL_PREFIX, "", regex=True)
    text = text.str.replace(r"['`’]", "", regex=True).str.replace(r"[^A-Z0-9]+", " ", regex=True)
    return text.str.strip().astype("string")


_ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII", "XIII", "XIV", "XV")
_ROMAN_LAST = re.compile(rf"(?<=\S) ({'|'.join(sorted(_ROMAN, key=len, reverse=True))})$")


def vessel_name_keys(names: pd.Series) -> pd.Series:
    """The keys vessel names are matched by: `normalise_vessel_names`, then a Roman numeral ending a name
    of more than one word as its number (`II` as `2`, up to `XV`), then spaces removed, so that `SEA
    JEWEL II`, `Seajewel 2` and `M/T Sea-Jewel II` are one name.

    >>> names = ["SEA JEWEL II", "Seajewel 2", "M/T Sea-Jewel II", "X", "Star I"]
    >>> vessel_name_keys(pd.Series(names)).tolist()
    ['SEAJEWEL2', 'SEAJEWEL2', 'SEAJEWEL2', 'X', 'STAR1']
    """
    number = {roman: str(i) for i, roman in enumerate(_ROMAN, start=1)}
    text = normalise_vessel_names(names).fillna("")
    text = text.str.replace(_ROMAN_LAST, lambda m: " " + number[m.group(1)], regex=True)
    return text.str.replace(" ", "", regex=False).astype("string")


# ------------------------------------------------------------------------------------------ IMO numbers
_IMO_DIGITS = r"^\s*(?:IMO)?[\s:.-]*(\d+)(?:\.0+)?\s*$"


def parse_list_imos(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """IMO numbers of list entries, vectorised: (Int64 IMO, NA unless valid; problem text, NA if none).

    A blank IMO is no problem (the entry can still match by name and flag).
    """
    text = values.astype("string").fillna("").str.strip()
    digits = text.str.upper().str.extract(_IMO_DIGITS, expand=False).astype("string")
    number = pd.to_numeric(digits, errors="coerce")
    valid = imo_valid(number) & (digits.str.len() == 7).fillna(False).to_numpy(dtype=bool)
    n = number.fillna(0).astype("int64").to_numpy()
    expected = imo_check_digits(n // 10)
    problem = pd.Series(pd.NA, index=values.index, dtype="string")
    blank = (text == "").to_numpy(dtype=bool)
    not_number = digits.isna().to_numpy(dtype=bool) & ~blank
    wrong_length = ~blank & ~not_number & (digits.str.len() != 7).fillna(False).to_numpy(dtype=bool)
    seven = ~blank & ~not_number & ~wrong_length
    zeros = seven & (digits == "0000000").fillna(False).to_numpy(dtype=bool)
    leading_zero = seven & ~zeros & digits.str.startswith("0").fillna(False).to_numpy(dtype=bool)
    bad_digit = seven & ~zeros & ~leading_zero & ~valid
    problem[not_number] = "not an IMO number"
    problem[wrong_length] = "an IMO number has 7 digits"
    problem[zeros] = IMO_ALL_ZEROS
    problem[leading_zero] = IMO_LEADING_ZERO
    problem[bad_digit] = [
        f"invalid IMO check digit: the last digit should be {e}" for e in expected[bad_digit]
    ]
    imo = pd.Series(np.where(valid, n, 0), index=values.index).astype("Int64").where(valid)
    return imo, problem


# ------------------------------------------------------------------------------------ list labels, regimes
#: The sanctioning regimes the exposure is split by.
REGIMES: tuple[str, ...] = ("EU", "UK", "US", "UN")
#: The start of a normalised list label -> its regime: OpenSanctions dataset prefixes (`eu_fsf`,
#: `gb_fcdo_sanctions`, `us_ofac_sdn`, `un_sc_sanctions`) and the usual names of the official lists and
#: their keepers (`OFAC SDN`, `HM Treasury`, `OFSI`, `UK sanctions list`, `United Nations`, `UN Security
#: Council`, `European Union`, `US Treasury`). Each start is whole words (`_`-separated).
REGIME_BY_LABEL_START: dict[str, str] = {
    "eu": "EU",
    "european_union": "EU",
    "uk": "UK",
    "gb": "UK",
    "hmt": "UK",
    "hm_treasury": "UK",
    "ofsi": "UK",
    "fcdo": "UK",
    "united_kingdom": "UK",
    "us": "US",
    "usa": "US",
    "ofac": "US",
    "united_states": "US",
    "un": "UN",
    "unsc": "UN",
    "united_nations": "UN",
}


def normalise_list_labels(labels: pd.Series) -> pd.Series:
    """List labels in one spelling: lower-case ASCII, each run of spaces and punctuation one `_`, so that
    one list does not appear under two spellings (OpenSanctions dataset names are unchanged).

    >>> normalise_list_labels(pd.Series(["OFAC SDN", "ofac-sdn ", "us_ofac_sdn", "EU"])).tolist()
    ['ofac_sdn', 'ofac_sdn', 'us_ofac_sdn', 'eu']
    """
    text = _ascii_upper(labels).str.lower().str.replace(r"[^a-z0-9]+", "_", regex=True)
    return text.str.strip("_").astype("string")


def list_regimes(labels: pd.Series) -> pd.Series:
    """The regime (`REGIMES`) of each normalised list label, from its start (`REGIME_BY_LABEL_START`,
    longest first); "" when unknown.

    >>> labels = ["ofac_sdn", "gb_fcdo_sanctions", "eu", "un_sc", "hm_treasury", "united_nations", "ch_seco"]
    >>> list_regimes(pd.Series(labels)).tolist()
    ['US', 'UK', 'EU', 'UN', 'UK', 'UN', '']
    """
    text = labels.astype("string").fillna("")
    regime = pd.Series("", index=labels.index, dtype="string")
    for start in sorted(REGIME_BY_LABEL_START, key=len):  # a longer start, later, wins
        whole_words = (text == start) | text.str.startswith(start + "_")
        regime = regime.mask(whole_words, REGIME_BY_LABEL_START[start])
    return regime


# ---------------------------------------------------------------------------------------- the tables
VESSEL_ENTRY_COLUMNS: tuple[str, ...] = (
    "source",
    "line",
    "entity_id",
    "list",
    "regime",
    "date",
    "date_basis",
    "imo_given",
    "imo",
    "name",
    "name_kind",
    "name_norm",
    "flag",
    "flag_changed",
    "past_flags",
)
ORGANISATION_COLUMNS: tuple[str, ...] = (
    *("source", "line", "entity_id", "list", "regime", "date", "date_basis", "name", "name_norm"),
)
#: What an entry's `date` is: the list's own date column (`list`), the `listingDate`/`startDate` of an
#: OpenSanctions Sanction entity of the same dataset (`sanction`), the date OpenSanctions first saw the
#: entity in any of its datasets (`first_seen`: not a listing date, it can be earlier or later than this
#: list's designation); blank when there is no date.
DATE_BASES: tuple[str, ...] = ("list", "sanction", "first_seen")
PROBLEM_COLUMNS: tuple[str, ...] = ("source", "line", "entity_id", "column", "value", "problem")


def _empty(columns: Sequence[str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="object") for c in columns})


@dataclass(frozen=True)
class SanctionsLists:
    """Designated vessels and organisations from one or more local files.

    `vessels`: one row per list entry and name variant (`name_kind` `primary` for the entry's main name,
    `name`, `alias`, `previous_name`, `weak_alias` for the others; IMO matching uses the primary rows).
    `list` is the list's label in one spelling and `regime` its regime (`list_regimes`). `imo` is NA when
    the entry has no IMO or an invalid one (`imo_given` keeps the text). `organisations`: designated
    organisations, one row per name variant. `problems`: entries reported: an invalid IMO (not matched by
    IMO), a flag code not understood, an entry that can match nothing (no valid IMO and neither a flag nor
    a name in Latin letters), a list of no known regime.
    """

    vessels: pd.DataFrame = field(default_factory=lambda: _empty(VESSEL_ENTRY_COLUMNS))
    organisations: pd.DataFrame = field(default_factory=lambda: _empty(ORGANISATION_COLUMNS))
    problems: pd.DataFrame = field(default_factory=lambda: _empty(PROBLEM_COLUMNS))

    @classmethod
    def concat(cls, parts: Iterable[SanctionsLists]) -> SanctionsLists:
        """All the entries of several lists in one."""
        parts = list(parts)

        def stack(name: str, columns: Sequence[str]) -> pd.DataFrame:
            frames = [getattr(p, name) for p in parts if not getattr(p, name).empty]
            return pd.concat(frames, ignore_index=True) if frames else _empty(columns)

        problems = stack("problems", PROBLEM_COLUMNS)
        # a list of no known regime is reported once, though several files may hold it
        repeated = (problems["problem"] == UNKNOWN_REGIME) & problems.duplicated(
            ["column", "value", "problem"]
        )
        return cls(
            vessels=stack("vessels", VESSEL_ENTRY_COLUMNS),
            organisations=stack("organisations", ORGANISATION_COLUMNS),
            problems=problems[~repeated].reset_index(drop=True),
        )


class ListFormatError(InputRowsError):
    """A sanctions or insurers list that cannot be read; every bad row is listed."""

    kind = "sanctions list"


class InsurersFormatError(ListFormatError):
    """A designated-insurers list that cannot be read; every bad row is listed."""

    kind = "designated-insurers list"


#: File types of the other inputs, said when one is given as a list: (suffixes, what it is, its option).
_OTHER_INPUTS: tuple[tuple[tuple[str, ...], str, str], ...] = (
    ((".xlsx", ".xlsm", ".xls"), "an Excel workbook is a fleet list", "--fleet"),
    ((".txt",), "a .txt file is a designated-insurers list", "--insurers"),
    ((".json", ".jsonl", ".ndjson", ".gz"), "a JSON lines file is a sanctions list", "--lists"),
)


def _other_input(suffix: str, option: str) -> str:
    """` (an Excel workbook is a fleet list: give it with --fleet)` for a file of `suffix` given with
    `option` when it is the file type of another option's input; "" otherwise."""
    for suffixes, what, its_option in _OTHER_INPUTS:
        if suffix in suffixes and its_option != option:
            return f" ({what}: give it with {its_option})"
    return ""


# ------------------------------------------------------------------------------------------ simple CSV
LIST_CSV_REQUIRED = ("imo", "name", "list", "date")
LIST_CSV_OPTIONAL = ("flag", "flag_changed", "past_flags")
_LIST_CSV_ALIASES = {"previous_flags": "past_flags", "flag_change_date": "flag_changed", "imo_number": "imo"}


def _misspelt_columns(file: str, columns: Iterable[str], known: Sequence[str]) -> list[RowError]:
    """A column spelt almost like one of the format's that the file lacks (`near_miss`): read as the user's
    own, its values (a flag change, a date) would be silently left out, so it is an error."""
    columns = list(columns)
    return [
        RowError(
            file,
            1,
            column,
            column,
            f"unknown column, spelt almost like {meant!r}: rename it, or give a column of your own a name "
            f"unlike these; allowed: {', '.join(known)}",
        )
        for column, meant in misspelt_columns(columns, known, set(columns))
    ]


def _with_unread(
    lists: SanctionsLists, file: str, columns: Sequence[str], known: Sequence[str]
) -> SanctionsLists:
    """`lists` with a problem row for each column of the file that is not read (kept for the reader)."""
    if not columns:
        return lists
    rows = pd.DataFrame(
        {
            "source": file,
            "line": 1,
            "entity_id": pd.array([pd.NA] * len(columns), dtype="string"),
            "column": list(columns),
            "value": list(columns),
            "problem": f"a column of your own: not read (the format's columns: {', '.join(known)})",
        }
    )
    problems = pd.concat([lists.problems, rows], ignore_index=True) if not lists.problems.empty else rows
    return dataclasses.replace(lists, problems=problems[list(PROBLEM_COLUMNS)])


def read_sanctions_csv(path: str | Path) -> SanctionsLists:
    """Read a simple sanctions CSV: `imo, name, list, date`, optional `flag`, `flag_changed`, `past_flags`."""
    path = Path(path)
    raw = _read_text_csv(path)
    _require_kind(path, raw.columns, "sanctions")
    raw.columns = [_LIST_CSV_ALIASES.get(c, c) for c in (normalise_header(h) for h in raw.columns)]
    problems = [
        RowError(path.name, 1, column, "", "required column missing; allowed: imo, name, list, date")
        for column in LIST_CSV_REQUIRED
        if column not in raw.columns
    ] + [
        RowError(path.name, 1, column, column, "column given twice")
        for column in sorted(set(raw.columns[raw.columns.duplicated()]))
    ]
    known = (*LIST_CSV_REQUIRED, *LIST_CSV_OPTIONAL)
    problems += _misspelt_columns(path.name, raw.columns, known)
    if problems:
        raise ListFormatError(path.name, problems)
    others = [c for c in raw.columns if c not in known]
    for column in LIST_CSV_OPTIONAL:
        if column not in raw.columns:
            raw[column] = ""
    raw = raw.fillna("").astype(str).apply(lambda col: col.str.strip())
    raw = raw[(raw != "").any(axis=1)]
    if raw.empty:  # (as an export without entities is: a list that lists nothing is a wrong file)
        raise ListFormatError(path.name, [RowError(path.name, None, "-", "", "the list has no entries")])

    date = _parse_dates(raw["date"], path.name, "date", problems)
    flag_changed = _parse_dates(raw["flag_changed"], path.name, "flag_changed", problems)
    for row in raw.index[(raw["imo"] == "") & (raw["name"] == "")]:
        problems.append(RowError(path.name, int(row), "name", "", "an entry needs an IMO number or a name"))
    for row in raw.index[raw["list"] == ""]:
        problems.append(
            RowError(path.name, int(row), "list", "", "a value is required; allowed: the list's name")
        )
    if problems:
        raise ListFormatError(path.name, sorted(problems, key=lambda p: p.row))

    entries = pd.DataFrame(
        {
            "source": path.name,
            "line": raw.index.to_numpy(),
            "entity_id": pd.array([pd.NA] * len(raw), dtype="string"),
            "list": raw["list"].astype("string").to_numpy(),
            "date": date.to_numpy(),
            "date_basis": np.where(date.notna(), "list", ""),
            "imo_given": raw["imo"].astype("string").to_numpy(),
            "name": raw["name"].astype("string").to_numpy(),
            "name_kind": "primary",
            "flag_given": raw["flag"].astype("string").to_numpy(),
            "flag_changed": flag_changed.to_numpy(),
            "past_flags_given": raw["past_flags"].astype("string").to_numpy(),
        }
    )
    return _with_unread(_vessel_lists(entries), path.name, others, known)


def _require_kind(path: Path, headers: Iterable[object], expected: str) -> None:
    """`ListFormatError` when the header is that of another kind of input (`wrong_kind`)."""
    other = wrong_kind(path.name, headers, expected)
    if other is not None:
        raise ListFormatError(path.name, [other])


def _read_text_csv(path: Path) -> pd.DataFrame:
    require_file(path, "list", ListFormatError, "a list file (.csv)")
    try:
        return read_text_table(path)
    except UNREADABLE as exc:
        raise ListFormatError(path.name, [unreadable(path, exc)]) from None


#: The dates a list may give (`date`, `flag_changed`, and the OpenSanctions dates): a year before 1900 or
#: after the last screening date is a typing error, and pandas cannot hold one beyond 1677-2262.
FIRST_LIST_DATE = dt.date(1900, 1, 1)
LAST_LIST_DATE = LAST_AS_OF
LIST_DATE_RANGE = f"from {FIRST_LIST_DATE.isoformat()} to {LAST_LIST_DATE.isoformat()}"


def _parse_dates(text: pd.Series, source: str, column: str, problems: list[RowError]) -> pd.Series:
    """A date column of a list, read strictly as `YYYY-MM-DD` (blank: no date); every other value is a
    problem naming the row and column. pandas' ISO 8601 parser would take `2025`, `2025-01`, `20250102`
    and `2025/01/01`, and a year alone as its 1 January: a guess that decides `listed_after_as_of`."""
    text = text.astype(str).str.strip()
    written = text.str.fullmatch(ISO_DATE.pattern)
    dates = pd.to_datetime(text.where(written), errors="coerce", format="%Y-%m-%d")
    in_range = dates.between(pd.Timestamp(FIRST_LIST_DATE), pd.Timestamp(LAST_LIST_DATE))
    for row in text.index[(text != "") & ~in_range]:
        message = "not a date" if pd.isna(dates[row]) else "date out of range"
        allowed = f"allowed: YYYY-MM-DD {LIST_DATE_RANGE}, or blank"
        problems.append(RowError(source, int(row), column, text[row], f"{message}; {allowed}"))
    return dates.where(in_range).astype("datetime64[ns]")


def _vessel_lists(entries: pd.DataFrame) -> SanctionsLists:
    """Finish raw vessel entries: parse IMOs and flags, normalise names, collect the problems."""
    imo, imo_problem = parse_list_imos(entries["imo_given"])
    flag = flags_to_iso3(entries["flag_given"])
    past = entries["past_flags_given"].fillna("").str.split(r"[;,\s]+", regex=True)
    past_iso3 = past.map(lambda codes: ";".join(filter(None, map(_iso3, codes))))
    unknown_past = past.map(lambda codes: ";".join(c for c in codes if c and not _iso3(c)))
    labels = normalise_list_labels(entries["list"])
    vessels = entries.assign(
        list=labels,
        regime=list_regimes(labels),
        imo=imo,
        name_norm=normalise_vessel_names(entries["name"]),
        flag=flag,
        past_flags=past_iso3.astype("string"),
    )[list(VESSEL_ENTRY_COLUMNS)]

    primary = (entries["name_kind"] == "primary").to_numpy()
    bad_imo = primary & imo_problem.notna().to_numpy()
    given_flag = entries["flag_given"].fillna("").str.strip() != ""
    bad_flag = primary & (given_flag & flag.isna()).to_numpy()
    bad_past = primary & (unknown_past != "").to_numpy()
    # a name is matched only with a flag: an entry with neither a valid IMO nor a flag cannot be matched
    # an entry is named when any of its name variants has Latin letters (names are compared in them)
    entry = [vessels[c].fillna("").astype(str) for c in ("source", "line", "list", "imo_given")]
    named = (vessels["name_norm"].fillna("") != "").groupby(entry).transform("max").to_numpy(dtype=bool)
    given_name = (entries["name"].fillna("").str.strip() != "").to_numpy(dtype=bool)
    no_imo = imo.isna().to_numpy()
    no_past = (past_iso3 == "").to_numpy()
    no_flag = primary & named & no_imo & ~given_flag.to_numpy() & no_past
    nameless = primary & ~named & ~given_name & no_imo & ~bad_imo
    not_latin = primary & ~named & given_name & no_imo
    flag_problem = pd.Series("unknown flag code; not used for name matching", index=entries.index)
    flag_problem[imo.isna()] += "; with no valid IMO the entry cannot be matched (check it by hand)"
    problems = pd.concat(
        [
            _problems(
                entries[bad_imo],
                "imo",
                entries.loc[bad_imo, "imo_given"],
                imo_problem[bad_imo] + "; not matched by IMO",
            ),
            _problems(entries[bad_flag], "flag", entries.loc[bad_flag, "flag_given"], flag_problem[bad_flag]),
            _problems(
                entries[nameless],
                "name",
                entries.loc[nameless, "name"].fillna(""),
                "no name and no IMO: the entry can match no vessel",
            ),
            _problems(
                entries[not_latin],
                "name",
                entries.loc[not_latin, "name"],
                "the name has no Latin letters: transliterate it (names are compared in Latin letters, "
                "ВОЛГА as VOLGA); with no valid IMO the entry can match no vessel",
            ),
            _problems(
                entries[bad_past],
                "past_flags",
                unknown_past[bad_past],
                "unknown flag code(s); not used for name matching",
            ),
            _problems(
                entries[no_flag],
                "flag",
                entries.loc[no_flag, "flag_given"].fillna(""),
                "no flag and no valid IMO: a name alone is not matched (check the entry by hand)",
            ),
            _unknown_regimes(vessels),
        ],
        ignore_index=True,
    )
    return SanctionsLists(vessels=vessels.reset_index(drop=True), problems=problems)


UNKNOWN_REGIME = (
    "a list of no known regime: its IMO matches count as designated vessels, but under none of EU, UK, "
    "US, UN; to count them under one, name the list starting with eu (or European Union), uk (or gb, HM "
    "Treasury, OFSI), us (or OFAC) or un (or United Nations)"
)


def _unknown_regimes(vessels: pd.DataFrame) -> pd.DataFrame:
    """One problem row per list label of no known regime, at its first entry."""
    first = vessels[vessels["regime"] == ""].drop_duplicates("list")
    return _problems(first, "list", first["list"], UNKNOWN_REGIME)


def _problems(entries: pd.DataFrame, column: str, value: pd.Series, problem: pd.Series | str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "source": entries["source"].to_numpy(),
            "line": entries["line"].to_numpy(),
            "entity_id": entries["entity_id"].to_numpy(),
            "column": column,
            "value": value.to_numpy(),
            "problem": problem.to_numpy() if isinstance(problem, pd.Series) else problem,
        },
        columns=list(PROBLEM_COLUMNS),
    )


# --------------------------------------------------------------------------------- OpenSanctions / FtM
FTM_VESSEL = "Vessel"
FTM_ORGANISATIONS = frozenset({"Organization", "Company"})
FTM_SANCTION = "Sanction"
_FTM_SCHEMAS = (FTM_VESSEL, FTM_SANCTION, *FTM_ORGANISATIONS)


JSON_LINES_REMEDY = "a JSON lines file is UTF-8 text, one JSON object a line (is it a binary file?)"
FTM_DATE = "YYYY-MM-DD (or YYYY-MM, YYYY; a time may follow, as in 2025-06-05T10:00:00)"
_FTM_DATE = re.compile(r"^(\d{4}(?:-\d{2}(?:-\d{2})?)?)(?:[T ]\S*)?$")
_ENTITY = "not a FollowTheMoney entity"
FTM_TARGET = "allowed: true (designated), false (a related entity, skipped) or no target field (designated)"


def _open_lines(path: Path) -> Iterator[tuple[int, str]]:
    """(line number, text) of a JSON lines file, gzipped when its name ends in `.gz`; `ListFormatError`
    for a line that is not UTF-8 and for a `.gz` file that is not gzip, truncated or corrupt."""
    gzipped = path.suffix.lower() == ".gz"
    opener: Any = gzip.open if gzipped else open
    line_number = 0

    def fail(message: str, row: int | None = None) -> ListFormatError:
        return ListFormatError(path.name, [RowError(path.name, row, "-", "", message, "line")])

    try:
        with opener(path, "rb") as handle:
            for line_number, raw in enumerate(handle, start=1):
                try:
                    text = raw.decode("utf-8-sig" if line_number == 1 else "utf-8")
                except UnicodeDecodeError as exc:
                    raise fail(not_utf8(raw, exc, JSON_LINES_REMEDY), line_number) from None
                yield line_number, text
    except gzip.BadGzipFile:
        raise fail("not a gzip file, though its name ends in .gz; allowed: gzipped JSON lines") from None
    except EOFError:
        raise fail(
            f"the gzip file is truncated: it ends before its compressed data does (after line "
            f"{line_number}); download it again"
        ) from None
    except zlib.error as exc:
        raise fail(f"the gzip file is corrupt ({exc}); download it again") from None


def _json_type(value: object) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return f"a list holding {_json_type(next(v for v in value if not isinstance(v, str)))}"
    return "null" if value is None else "a string"


class _Entity:
    """One JSON line's entity, read field by field; every field of the wrong type or format is a problem."""

    def __init__(self, entity: dict[str, Any], path: Path, line_number: int, problems: list[RowError]):
        self.entity = entity
        self.path = path
        self.line_number = line_number
        self.problems = problems
        properties = entity.get("properties")
        if properties is not None and not isinstance(properties, dict):
            self._problem("properties", properties, f"expected an object, got {_json_type(properties)}")
            properties = None
        self.properties: dict[str, Any] = properties or {}

    def _problem(self, field: str, value: object, message: str) -> None:
        shown = value if isinstance(value, str) else json.dumps(value)[:60]
        self.problems.append(RowError(self.path.name, self.line_number, field, shown, message, "line"))

    def strings(self, name: str, *, top: bool = False) -> list[str]:
        """A property's values (a top-level field's with `top`): FtM gives lists of strings; a single string
        is read as a one-element list."""
        value = (self.entity if top else self.properties).get(name)
        if value is None:
            return []
        if isinstance(value, str):
            return [value]
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return value
        field = name if top else f"properties.{name}"
        self._problem(field, value, f"expected a list of strings (or one string), got {_json_type(value)}")
        return []

    def target(self) -> None:
        """Check the `target` field of a vessel or organisation: `true`, `false` (skipped before this) or
        absent (a plain FollowTheMoney entity, which has no such field: read as designated). Any other
        value is a problem: `"false"`, `0` or `null` is not `false`, and read as designated it would be a
        guess."""
        if "target" not in self.entity or isinstance(self.entity["target"], bool):
            return
        value = self.entity["target"]
        self._problem("target", value, f"expected true or false, got {_json_type(value)}; {FTM_TARGET}")

    def text(self, name: str) -> str:
        """A top-level text field (`id`, `first_seen`); blank when absent."""
        value = self.entity.get(name)
        if value is None or isinstance(value, str):
            return value or ""
        self._problem(name, value, f"expected a string, got {_json_type(value)}")
        return ""

    def dates(self, values: Iterable[str], field: str) -> list[str]:
        """The date part (`YYYY[-MM[-DD]]`) of each value; a value that is not a date, or one out of
        `LIST_DATE_RANGE`, is a problem."""
        out = []
        for value in values:
            m = _FTM_DATE.match(value.strip())
            try:
                if not m:
                    raise ValueError(value)
                pd.to_datetime(m.group(1), format="ISO8601")
            except ValueError:
                self._problem(field, value, f"not a date; allowed: {FTM_DATE}")
                continue
            if not FIRST_LIST_DATE.year <= int(m.group(1)[:4]) <= LAST_LIST_DATE.year:
                self._problem(field, value, f"date out of range; allowed: a date {LIST_DATE_RANGE}")
                continue
            out.append(m.group(1))
        return out

    def base(self) -> list[dict[str, Any]]:
        """The fields every entry of the entity shares, one record per dataset."""
        datasets = self.strings("datasets", top=True) or [self.path.stem]
        first_seen = self.dates([s] if (s := self.text("first_seen")) else [], "first_seen")
        entity_id = self.text("id") or None
        return [
            {
                "source": self.path.name,
                "line": self.line_number,
                "entity_id": entity_id,
                "list": ds,
                "first_seen": first_seen[0] if first_seen else "",
            }
            for ds in datasets
        ]


def read_opensanctions(path: str | Path) -> SanctionsLists:
    """Read an OpenSanctions / FollowTheMoney entity export (JSON lines).

    Vessels: one entry per (dataset, IMO number) with the first `name` as primary name and the other
    names and `alias` values as name variants. Organisations: every `name` and `alias`. The date of an
    entry (entity and dataset) is the earliest `listingDate`/`startDate` of the entity's `Sanction`
    entities of that dataset (`date_basis` `sanction`), else the entity's `first_seen` (the date
    OpenSanctions first saw it in any dataset, `date_basis` `first_seen`, not a listing date): one
    regime's listing does not date another's.
    Other schemas are skipped, and so are vessels and organisations marked `"target": false` (entities
    related to a designated one, which OpenSanctions exports for context, not themselves designated).
    `target` is `true`, `false` or absent (a plain FollowTheMoney entity has none: read as designated).

    Property values are lists of strings (a single string is read as a one-element list); dates are
    `YYYY-MM-DD`, `YYYY-MM` or `YYYY`, a time may follow, from 1900 to 2199. A line that is not JSON, a
    value of another type (a `target` of `"false"`, `0` or `null` too) and a date that is not one raise
    `ListFormatError` naming the line and field.
    """
    path = Path(path)
    require_file(path, "list", ListFormatError, "a JSON lines file (.json, .jsonl, .ndjson, .gz)")
    vessels: list[dict[str, Any]] = []
    organisations: list[dict[str, Any]] = []
    sanction_dates: dict[tuple[str, str], str] = {}
    problems: list[RowError] = []
    for line_number, line in _open_lines(path):
        text = line.strip()
        if not text:
            continue
        # Only lines naming a schema we read are parsed: the full export is mostly people and addresses.
        # The others are skipped when they look like a JSON object with a schema (a cheap check).
        if (
            text.startswith('{"')
            and text.endswith("}")
            and '"schema"' in text
            and not any(f'"{s}"' in text for s in _FTM_SCHEMAS)
        ):
            continue
        try:
            entity = json.loads(text)
        except json.JSONDecodeError as exc:
            message = f"{_ENTITY}: not JSON ({exc.msg}, column {exc.colno}); allowed: one JSON object a line"
            problems.append(RowError(path.name, line_number, "-", text[:60], message, "line"))
            continue
        if not isinstance(entity, dict) or not isinstance(entity.get("schema"), str):
            what = "no schema field" if isinstance(entity, dict) else f"{_json_type(entity)}, not an object"
            message = f"{_ENTITY} ({what}); allowed: one JSON object with a schema a line"
            problems.append(RowError(path.name, line_number, "-", text[:60], message, "line"))
            continue
        schema = entity["schema"]
        if schema not in _FTM_SCHEMAS:
            continue
        if schema != FTM_SANCTION and entity.get("target") is False:
            continue  # a related entity (e.g. a sanctioned company's owner), not itself designated
        read = _Entity(entity, path, line_number, problems)
        if schema != FTM_SANCTION:
            read.target()
        if schema == FTM_SANCTION:
            dates = [
                *read.dates(read.strings("listingDate"), "properties.listingDate"),
                *read.dates(read.strings("startDate"), "properties.startDate"),
            ]
            datasets = read.strings("datasets", top=True) or [path.stem]
            for key in ((e, ds) for e in read.strings("entity") for ds in datasets):
                for date in dates:
                    if key not in sanction_dates or date < sanction_dates[key]:
                        sanction_dates[key] = date
        elif schema == FTM_VESSEL:
            vessels += _ftm_vessel_entries(read)
        else:
            organisations += _ftm_names(read)
    if not (vessels or organisations or sanction_dates or problems):
        problems.append(
            RowError(
                path.name, None, "-", "", "no Vessel, Organization, Company or Sanction entity in the file"
            )
        )
    if problems:
        raise ListFormatError(path.name, problems)

    lists = _vessel_lists(_ftm_frame(vessels, sanction_dates, VESSEL_ENTRY_COLUMNS))
    orgs = _ftm_frame(organisations, sanction_dates, ORGANISATION_COLUMNS)
    labels = normalise_list_labels(orgs["list"])
    orgs = orgs.assign(name_norm=normalise_org_names(orgs["name"]), list=labels, regime=list_regimes(labels))
    orgs = orgs[list(ORGANISATION_COLUMNS)]
    return SanctionsLists(vessels=lists.vessels, organisations=orgs, problems=lists.problems)


#: The FollowTheMoney vessel properties read as name variants besides `name`, and their `name_kind`.
FTM_NAME_VARIANTS: dict[str, str] = {
    "alias": "alias",
    "previousName": "previous_name",
    "weakAlias": "weak_alias",
}


def _ftm_vessel_entries(read: _Entity) -> list[dict[str, Any]]:
    names = list(dict.fromkeys(read.strings("name")))
    variants = [(n, "primary" if i == 0 else "name") for i, n in enumerate(names)]
    for prop, kind in FTM_NAME_VARIANTS.items():
        seen = {name for name, _ in variants}
        variants += [(v, kind) for v in dict.fromkeys(read.strings(prop)) if v not in seen]
    flags = read.strings("flag")
    past_flags = ";".join(read.strings("pastFlags"))
    imos = read.strings("imoNumber") or [""]
    return [
        {
            **base,
            "imo_given": imo,
            "name": name,
            "name_kind": kind,
            "flag_given": flags[0] if flags else "",
            "flag_changed": pd.NaT,
            "past_flags_given": past_flags,
        }
        for base in read.base()
        for imo in imos
        for name, kind in variants or [("", "primary")]
    ]


def _ftm_names(read: _Entity) -> list[dict[str, Any]]:
    names = dict.fromkeys([*read.strings("name"), *read.strings("alias")])
    return [{**base, "name": name} for base in read.base() for name in names]


def _ftm_frame(
    records: list[dict[str, Any]], sanction_dates: dict[tuple[str, str], str], columns: Sequence[str]
) -> pd.DataFrame:
    """Entity records as a table, each dated by its own dataset's Sanction entities (`date_basis`
    `sanction`), else by the entity's `first_seen` (`first_seen`)."""
    if not records:
        frame = _empty([*columns, "first_seen", "flag_given", "past_flags_given"])
        frame["date"] = pd.Series(dtype="datetime64[ns]")
        return frame
    frame = pd.DataFrame.from_records(records)
    keys = pd.Series(list(zip(frame["entity_id"], frame["list"], strict=True)), index=frame.index)
    sanctioned = keys.map(sanction_dates).astype("string")
    listed = sanctioned.fillna(frame["first_seen"])
    frame["date"] = pd.to_datetime(listed.where(listed != ""), errors="coerce", format="ISO8601").astype(
        "datetime64[ns]"
    )
    basis = np.where(sanctioned.notna(), "sanction", np.where(frame["first_seen"] != "", "first_seen", ""))
    frame["date_basis"] = pd.array(basis, dtype="string")
    for column in ("entity_id", "list", "name"):
        frame[column] = frame[column].astype("string")
    return frame


# ---------------------------------------------------------------------------------- designated insurers
def read_designated_insurers(path: str | Path) -> SanctionsLists:
    """Read designated insurers: a CSV with a `name` column (optional `list`, `date`) or one name a line.

    `InsurersFormatError` lists every problem of a file that cannot be read."""
    try:
        return _read_designated_insurers(Path(path))
    except ListFormatError as exc:  # some raised by the readers the lists share: named for insurers here
        raise InsurersFormatError(exc.source, exc.problems) from None


def _read_designated_insurers(path: Path) -> SanctionsLists:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _read_insurers_csv(path)
    if suffix not in (".txt", ""):
        require_file(path, "designated-insurers list", InsurersFormatError, "a .csv or .txt file")
        other = _other_input(suffix, "--insurers")
        message = (
            f"unsupported file type {path.suffix!r}{other}; allowed: a .csv with a name column, or a .txt"
        )
        raise InsurersFormatError(path.name, [RowError(path.name, None, "-", "", message)])
    return _read_insurers_text(path)


_INSURERS_CSV_COLUMNS = ("name", "list", "date")


def _read_insurers_csv(path: Path) -> SanctionsLists:
    """A designated-insurers CSV: a `name` column, optional `list` and `date`; other columns not read."""
    raw = _read_text_csv(path)
    _require_kind(path, raw.columns, "insurers")
    raw.columns = [normalise_header(h) for h in raw.columns]
    header_problems = _misspelt_columns(path.name, raw.columns, _INSURERS_CSV_COLUMNS)
    if "name" not in raw.columns:
        header_problems.insert(0, RowError(path.name, 1, "name", "", "required column missing"))
    if header_problems:
        raise ListFormatError(path.name, header_problems)
    names = raw["name"].fillna("").astype(str).str.strip()
    lists = raw["list"] if "list" in raw.columns else pd.Series(path.stem, index=raw.index)
    problems: list[RowError] = []
    dates = _parse_dates(
        raw.get("date", pd.Series("", index=raw.index)).fillna(""), path.name, "date", problems
    )
    if problems:
        raise ListFormatError(path.name, problems)
    unread = [c for c in raw.columns if c not in _INSURERS_CSV_COLUMNS]
    return _with_unread(_insurer_lists(path, names, lists, dates), path.name, unread, _INSURERS_CSV_COLUMNS)


def _read_insurers_text(path: Path) -> SanctionsLists:
    """A designated-insurers text file: one name a line, `#` starts a comment; the list is the file's stem."""
    require_file(path, "list", ListFormatError, "a designated-insurers file (.csv or .txt)")
    try:
        text = decode_utf8(path.read_bytes(), path.name, unit="line", remedy="save it as UTF-8 text")
    except NotUtf8Error as exc:
        raise ListFormatError(path.name, [exc.problem]) from None
    lines = text.splitlines()
    first = next((line for line in lines if line.strip() and not line.lstrip().startswith("#")), "")
    _require_kind(path, first.split(","), "insurers")
    names = pd.Series([n.strip() for n in lines], index=pd.RangeIndex(1, len(lines) + 1))
    lists = pd.Series(path.stem, index=names.index)
    dates = pd.Series(pd.NaT, index=names.index, dtype="datetime64[ns]")
    return _insurer_lists(path, names, lists, dates)


def _insurer_lists(path: Path, names: pd.Series, lists: pd.Series, dates: pd.Series) -> SanctionsLists:
    """The organisations of a designated-insurers file from its names, list labels and dates (by row);
    blank names and `#` comments skipped, `ListFormatError` when no name is left."""
    keep = (names != "") & ~names.str.startswith("#")
    if not keep.any():
        message = "no insurer names (one a line, # starts a comment; or a CSV name column)"
        raise ListFormatError(path.name, [RowError(path.name, None, "-", "", message)])
    labels = normalise_list_labels(lists[keep].fillna("").replace("", path.stem))
    organisations = pd.DataFrame(
        {
            "source": path.name,
            "line": names.index[keep].to_numpy(),
            "entity_id": pd.array([pd.NA] * int(keep.sum()), dtype="string"),
            "list": labels.to_numpy(),
            "regime": list_regimes(labels).to_numpy(),
            "date": dates[keep].to_numpy(),
            "date_basis": np.where(dates[keep].notna(), "list", ""),
            "name": names[keep].astype("string").to_numpy(),
        }
    )
    organisations["name_norm"] = normalise_org_names(organisations["name"])
    return SanctionsLists(organisations=organisations[list(ORGANISATION_COLUMNS)])


# ------------------------------------------------------------------------------------------- dispatch
FTM_SUFFIXES = (".json", ".jsonl", ".ndjson", ".gz")


def read_list(path: str | Path) -> SanctionsLists:
    """Read one vessel list, choosing the format by the file's suffix (`.csv` or JSON lines)."""
    path = Path(path)
    require_file(path, "list", ListFormatError, "a list file (.csv, .json, .jsonl, .ndjson, .gz)")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return read_sanctions_csv(path)
    if suffix in FTM_SUFFIXES and [s.lower() for s in path.suffixes[-2:]] != [".csv", ".gz"]:
        return read_opensanctions(path)
    other = _other_input(suffix, "--lists")
    message = f"unknown list format {suffix!r}{other}; allowed: .csv, .json, .jsonl, .ndjson, .gz"
    raise ListFormatError(path.name, [RowError(path.name, None, "-", "", message)])


def read_lists(paths: Iterable[str | Path], insurers: Iterable[str | Path] = ()) -> SanctionsLists:
    """Read every vessel list and every designated-insurers list into one `SanctionsLists`."""
    return SanctionsLists.concat(
        [*(read_list(p) for p in paths), *(read_designated_insurers(p) for p in insurers)]
    )
