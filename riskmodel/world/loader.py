"""World reference data: load, validate and derive the tables shipped in `riskmodel/world/data`.

In: the package's CSV and YAML files (or another directory with the same files, or tables a scenario
has overridden). Out: a `World` holding one pandas DataFrame per table (indexed by its code), the IG and
severity dicts, the parsed mix columns as tidy DataFrames, and the vessel-years of every (trade,
segment). Nothing here touches the network; a directory's files are read, validated and derived once
per process for each version of them (a file edited on disk is read again), and every `load_world()`
gets its own copy of the result, free to edit.

Validation happens at load and names the file, the line (CSV: header = line 1) or key path, and the
column of every problem: mixes sum to 1 (±1e-9), referenced codes exist (states, zones, segments),
probabilities lie in [0, 1], counts are positive. All problems are reported together. The YAML files
are checked by their pydantic models (`riskmodel/world/schema.py`), which refuse unknown keys.

Column semantics are documented in `docs/world-data.md`; the derived quantities here:
- vessel-years of (trade t, segment s) = volume_t × 10⁶ × segment_share(t, s)
  / (cargo_t(s) × voyages_per_year_t × productivity_t), and GT-years = vessel-years × mean_gt(s);
- the sanctioned trades' share of GT-years and of oil volume, and `fit_productivity`, the one common
  factor that sets the sanctioned trades' productivity (MODEL.md 2.1).
"""

from __future__ import annotations

import copy
import difflib
import functools
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml
from scipy.special import ndtr

from riskmodel.world.schema import TableCodes, yaml_problems

__all__ = [
    "DATA_DIR",
    "MIX_TOLERANCE",
    "OIL_TYPES",
    "PRICE_CAPS",
    "World",
    "WorldDataError",
    "build_world",
    "fit_productivity",
    "load_world",
    "parse_mix",
    "reference_incident_counts",
    "sanctioned_gt_share",
    "sanctioned_volume_share",
    "shared_world",
]

DATA_DIR = Path(__file__).resolve().parent / "data"
MIX_TOLERANCE = 1e-9

#: Oil types of trades; `non_oil` (chemicals, vegetable oils) is not persistent oil: no CLC pollution
#: from its cargo, and it is left out of the oil volumes.
OIL_TYPES = ("crude", "fuel_oil", "products", "non_oil")
PRICE_CAPS = ("crude", "products", "none")
COVER_COLUMNS = ("cover_ig", "cover_western_fixed", "cover_domestic", "cover_none")
ZONE_FACTOR_COLUMNS = ("collision_factor", "grounding_factor", "war_risk", "infrastructure_at_risk")

# Common state aliases that difflib cannot guess from the codes or names.
_STATE_ALIASES = {
    "UK": "GBR",
    "ENG": "GBR",
    "GER": "DEU",
    "UAE": "ARE",
    "KSA": "SAU",
    "ROK": "KOR",
    "DPRK": "PRK",
    "RSA": "ZAF",
    "HOL": "NLD",
    "SPA": "ESP",
    "POR": "PRT",
    "SUI": "CHE",
    "CRO": "HRV",
    "DEN": "DNK",
}


class WorldDataError(ValueError):
    """The world data failed validation; `errors` lists every problem (file, line or key, column)."""

    def __init__(self, errors: list[str]):
        self.errors = list(errors)
        shown = "\n".join(f"  - {e}" for e in self.errors[:50])
        more = f"\n  ... and {len(self.errors) - 50} more" if len(self.errors) > 50 else ""
        super().__init__(f"world data invalid ({len(self.errors)} problem(s)):\n{shown}{more}")


# --------------------------------------------------------------------------------------------------
# Table specifications: column -> kind. Kinds: key (the index code, upper case), id (an index id of
# letters, digits, underscores), code (an upper-case code), str,
# list (';'-separated codes, may be empty), bool (0/1), float, pos (> 0), nonneg (>= 0), prob ([0, 1]),
# mix ('KEY:weight;...' summing to 1), source (non-empty text).
# --------------------------------------------------------------------------------------------------
_SPECS: dict[str, dict[str, str]] = {
    "states": {
        "iso3": "key",
        "name": "str",
        "blocs": "list",
        "clc92": "bool",
        "fund92": "bool",
        "supp": "bool",
        "llmc96": "bool",
        "opa": "bool",
        "shadow_flag": "bool",
        "flag_of_convenience": "bool",
        "sanctioned_by": "list",
        "statutory_env_damage": "bool",
        "sovereign": "code",
        "source": "source",
    },
    "zones": {
        "zone": "key",
        "name": "str",
        "coastal_mix": "mix",
        "pollution_cost_usd_per_t": "pos",
        "collision_factor": "nonneg",
        "grounding_factor": "nonneg",
        "infrastructure_at_risk": "bool",
        "war_risk": "nonneg",
        "enforcement": "prob",
        "source": "source",
    },
    "segments": {
        "segment": "key",
        "count": "pos",
        "mean_gt": "pos",
        "mean_dwt": "pos",
        "cargo_t": "pos",
        "hull_value_usd_m": "pos",
        "hull_value_new_usd_m": "pos",
        "depreciation_per_year": "nonneg",
        "scrap_value_usd_m": "nonneg",
        "bunker_t": "pos",
        "source": "source",
    },
    "trades": {
        "trade": "key",
        "origin": "code",
        "destination": "code",
        "oil_type": "str",
        "volume_mt_per_year": "nonneg",
        "segment_mix": "mix",
        "zone_mix": "mix",
        "flag_mix": "mix",
        "cover_ig": "prob",
        "cover_western_fixed": "prob",
        "cover_domestic": "prob",
        "cover_none": "prob",
        "displaced_domestic": "prob",
        "price_cap": "str",
        "sanctioned": "bool",
        "mean_age_mainstream": "pos",
        "mean_age_shadow": "pos",
        "voyages_per_year": "pos",
        "productivity": "prob",
        "laden_share": "prob",
        "laden_distance_nm": "pos",
        "ballast_ratio": "nonneg",
        "port_days": "nonneg",
        "productivity_relative": "pos",
        "source": "source",
    },
    "incident_types": {
        "type": "id",
        "base_rate_per_vessel_year": "nonneg",
        "cause_marine": "prob",
        "cause_war": "prob",
        "cause_sabotage": "prob",
        "p_spill_laden": "prob",
        "p_spill_ballast": "prob",
        "p_total_loss": "prob",
        "zone_factor_column": "str",
        "source": "source",
    },
}
_FILES = {name: f"{name}.csv" for name in _SPECS}
_YAML_FILES = {name: f"{name}.yaml" for name in ("ig", "severity")}
_KEYS = {name: next(c for c, k in spec.items() if k in ("key", "id")) for name, spec in _SPECS.items()}
_INT_COLUMNS = {"segments": ("count",)}


def parse_mix(text: str) -> dict[str, float]:
    """Parse 'KEY:weight;KEY:weight' into a dict (keys stripped, weights floats). Raises ValueError.

    >>> parse_mix("VLCC:0.75; SUEZMAX:0.25")
    {'VLCC': 0.75, 'SUEZMAX': 0.25}
    """
    out: dict[str, float] = {}
    for part in str(text).split(";"):
        part = part.strip()
        if not part:
            continue
        key, sep, value = part.partition(":")
        key = key.strip()
        if not sep or not key:
            raise ValueError(f"item {part!r} is not KEY:weight")
        if key in out:
            raise ValueError(f"key {key} appears twice")
        try:
            out[key] = float(value)
        except ValueError:
            raise ValueError(f"weight {value.strip()!r} of {key} is not a number") from None
    if not out:
        raise ValueError("empty mix")
    return out


def _split_list(text: Any) -> tuple[str, ...]:
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return ()
    return tuple(p.strip() for p in str(text).split(";") if p.strip())


# --------------------------------------------------------------------------------------------------
# The World
# --------------------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class World:
    """The world reference data, validated, with its derived tables.

    A `World` from `load_world()` (or `copy()`) is the caller's own: edit its tables and dicts in place
    freely (`w.states.loc["USA", "clc92"] = 1`, `w.severity["spill"]["min_t"] = 10`); no other
    `World` sees the edit, and what is compiled on it follows its content at the time of compiling
    (`riskmodel.engine.compile`). An edit in place is not validated, and the derived tables below are
    not derived again: `w.replace()` does both, giving a new `World`.

    Tables (index = code, in file order): `states` (iso3), `zones` (zone), `segments` (segment),
    `trades` (trade), `incident_types` (type). Dicts: `ig` (ig.yaml), `severity` (severity.yaml).
    Tidy mixes (one row per pair with a positive weight, in table order): `trade_segments` (trade,
    segment, share), `trade_zones` (trade, zone, share), `trade_flags` (trade, flag, share),
    `zone_coastal` (zone, iso3, weight). `vessel_years`: (trade, segment, vessel_years, gt_years).
    """

    states: pd.DataFrame
    zones: pd.DataFrame
    segments: pd.DataFrame
    trades: pd.DataFrame
    incident_types: pd.DataFrame
    ig: dict[str, Any]
    severity: dict[str, Any]
    trade_segments: pd.DataFrame
    trade_zones: pd.DataFrame
    trade_flags: pd.DataFrame
    zone_coastal: pd.DataFrame
    vessel_years: pd.DataFrame
    source: str = "<memory>"

    # ---- codes ----
    @property
    def state_codes(self) -> tuple[str, ...]:
        """ISO 3166-1 alpha-3 codes of all states and territories, in file (alphabetical) order."""
        return tuple(self.states.index)

    @property
    def zone_codes(self) -> tuple[str, ...]:
        return tuple(self.zones.index)

    @property
    def segment_codes(self) -> tuple[str, ...]:
        return tuple(self.segments.index)

    @property
    def trade_codes(self) -> tuple[str, ...]:
        return tuple(self.trades.index)

    @property
    def incident_type_codes(self) -> tuple[str, ...]:
        return tuple(self.incident_types.index)

    @property
    def bloc_codes(self) -> tuple[str, ...]:
        """Every bloc code used in `states.blocs` or `states.sanctioned_by`, sorted."""
        codes: set[str] = set()
        for col in ("blocs", "sanctioned_by"):
            for v in self.states[col]:
                codes.update(_split_list(v))
        return tuple(sorted(codes))

    def suggest_state(self, code: str, n: int = 3) -> list[str]:
        """Did-you-mean: up to `n` state codes close to `code` (a mistyped code, an alias such as
        'UK', or a country name). Returns [code] itself if it is valid.

        >>> load_world().suggest_state("RUSS")[0]
        'RUS'
        >>> load_world().suggest_state("Germany")
        ['DEU']
        """
        raw = str(code).strip()
        up = raw.upper()
        codes = self.state_codes
        if up in self.states.index:
            return [up]
        out: list[str] = []
        if up in _STATE_ALIASES:
            out.append(_STATE_ALIASES[up])
        names = {str(nm).lower(): iso for iso, nm in self.states["name"].items()}
        low = raw.lower()
        for nm, iso in names.items():  # exact name, then names starting with the text
            if nm == low and iso not in out:
                out.insert(0, iso)
        if len(low) >= 3:
            out += [iso for nm, iso in names.items() if nm.startswith(low) and iso not in out]
        out += [c for c in difflib.get_close_matches(up, codes, n=n, cutoff=0.6) if c not in out]
        out += [
            names[m]
            for m in difflib.get_close_matches(low, list(names), n=n, cutoff=0.75)
            if names[m] not in out
        ]
        return out[:n]

    def check_state(self, code: str, where: str = "") -> str:
        """Return the upper-case code if it is a state, else raise ValueError with suggestions."""
        up = str(code).strip().upper()
        if up in self.states.index:
            return up
        hint = self.suggest_state(code)
        did = f"; did you mean {', '.join(hint)}?" if hint else ""
        loc = f"{where}: " if where else ""
        raise ValueError(f"{loc}unknown state code {code!r} (ISO 3166-1 alpha-3 expected){did}")

    # ---- states ----
    def state_blocs(self, iso3: str) -> tuple[str, ...]:
        return _split_list(self.states.at[iso3, "blocs"])

    def sanctioned_by(self, iso3: str) -> tuple[str, ...]:
        return _split_list(self.states.at[iso3, "sanctioned_by"])

    def states_in_bloc(self, bloc: str) -> tuple[str, ...]:
        return tuple(iso for iso, b in self.states["blocs"].items() if bloc in _split_list(b))

    def sovereign_states(self) -> pd.DataFrame:
        """States that are their own sovereign (territories excluded), e.g. to count convention parties."""
        return self.states[self.states["sovereign"] == self.states.index]

    # ---- mixes ----
    def mix_matrix(self, name: str) -> pd.DataFrame:
        """A mix as a dense matrix (rows in table order, zeros where absent).

        `name` is one of 'trade_segments' (trades × all segments), 'trade_zones' (trades × all zones),
        'trade_flags' (trades × flag states used, in state order) or 'zone_coastal' (zones × coastal
        states used, in state order). Rows sum to 1.
        """
        spec = {
            "trade_segments": ("trade", "segment", "share", self.trade_codes, self.segment_codes),
            "trade_zones": ("trade", "zone", "share", self.trade_codes, self.zone_codes),
            "trade_flags": ("trade", "flag", "share", self.trade_codes, None),
            "zone_coastal": ("zone", "iso3", "weight", self.zone_codes, None),
        }
        if name not in spec:
            raise KeyError(f"unknown mix {name!r}; one of {', '.join(spec)}")
        row, col, val, rows, cols = spec[name]
        tidy: pd.DataFrame = getattr(self, name)
        if cols is None:
            used = set(tidy[col])
            cols = tuple(c for c in self.state_codes if c in used)
        m = tidy.pivot_table(index=row, columns=col, values=val, aggfunc="sum", fill_value=0.0)
        return m.reindex(index=list(rows), columns=list(cols), fill_value=0.0).astype(np.float64)

    def zone_vessel_time(self) -> pd.Series:
        """Share of the fleet's vessel-time spent in each zone (vessel-years × zone mix), sums to 1."""
        vy = self.vessel_years.groupby("trade", sort=False)["vessel_years"].sum()
        m = self.mix_matrix("trade_zones")
        t = m.mul(vy.reindex(m.index).fillna(0.0), axis=0).sum(axis=0)
        return t / t.sum()

    def vessel_years_by_segment(self) -> pd.Series:
        """Vessel-years of all trades by segment (segment order), to reconcile with `segments.count`."""
        s = self.vessel_years.groupby("segment", sort=False)["vessel_years"].sum()
        return s.reindex(self.segment_codes, fill_value=0.0)

    def hull_value_usd_m(self, segment: str, age: float | np.ndarray) -> float | np.ndarray:
        """Hull value at an age: max(new × exp(−depreciation × age), scrap) (segments.csv, USD m)."""
        r = self.segments.loc[segment]
        v = np.maximum(
            r["hull_value_new_usd_m"] * np.exp(-r["depreciation_per_year"] * np.asarray(age, float)),
            r["scrap_value_usd_m"],
        )
        return float(v) if np.ndim(v) == 0 else v

    def ig_structure(self, policy_year: str | int) -> dict[str, Any]:
        """The IG structure dict of a policy year ('2025/26' or the start year 2025); later years reuse
        the last listed structure (`structure_for_later_years`)."""
        structures: dict[str, Any] = self.ig["structures"]
        label = (
            policy_year if isinstance(policy_year, str) else f"{policy_year}/{(policy_year + 1) % 100:02d}"
        )
        if label in structures:
            return structures[label]
        first = min(structures, key=lambda k: int(k[:4]))
        if int(label[:4]) < int(first[:4]):
            return structures[first]
        return structures[self.ig.get("structure_for_later_years", max(structures, key=lambda k: int(k[:4])))]

    # ---- copies and overrides ----
    def copy(self) -> World:
        """A deep copy: its own tables and dicts, so that editing either World leaves the other as it is.

        >>> mine = load_world()
        >>> theirs = mine.copy()
        >>> mine.states.loc["USA", "clc92"] = 1
        >>> int(theirs.states.at["USA", "clc92"])
        0
        """
        return World(**{f.name: copy.deepcopy(getattr(self, f.name)) for f in fields(self)})

    def replace(self, **changes: Any) -> World:
        """A new World with some raw tables or dicts replaced (states, zones, segments, trades,
        incident_types, ig, severity), re-validated and re-derived. With no argument, the World as its
        raw tables and dicts now are, validated and derived again (after an edit in place)."""
        allowed = {"states", "zones", "segments", "trades", "incident_types", "ig", "severity"}
        bad = set(changes) - allowed
        if bad:
            raise TypeError(f"World.replace: unknown table(s) {sorted(bad)}; allowed {sorted(allowed)}")
        kw: dict[str, Any] = {k: getattr(self, k) for k in allowed}
        kw.update(changes)
        source = f"{self.source} (overridden: {', '.join(sorted(changes))})" if changes else self.source
        return build_world(**kw, source=source)


# --------------------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------------------
def load_world(data_dir: str | Path | None = None) -> World:
    """Load and validate the world data (the package's by default).

    A directory is read, validated and derived once per process for each version of its files (a file
    whose modification time or size has changed since is read again); each call returns its own copy
    (`World.copy`, 0.5-1 ms), so the caller may edit it in place without changing what any other
    caller, or a later `load_world()`, gets.

    >>> w = load_world()
    >>> w.states.loc["USA", ["clc92", "opa"]].tolist()
    [0, 1]
    """
    return shared_world(data_dir).copy()


def shared_world(data_dir: str | Path | None = None) -> World:
    """The process's own World of a directory (the package's by default) as its files now are: the one
    `load_world` copies. It is shared by every caller, so it must never be edited; the engine compiles on
    it when a run names no World (no copy to make, and its fingerprint computed once)."""
    path = Path(data_dir).resolve() if data_dir is not None else DATA_DIR
    return _load_cached(str(path), _file_versions(path))


def _file_versions(base: Path) -> tuple[tuple[str, int, int] | None, ...]:
    """(name, modification time in ns, size) of each world file of `base`, None for a file that cannot
    be stat'ed: the key under which its World is kept (`_fleet_problems_cached` keys a fleet list so)."""
    versions: list[tuple[str, int, int] | None] = []
    for fname in (*_FILES.values(), *_YAML_FILES.values()):
        try:
            stat = os.stat(base / fname)
        except OSError:
            versions.append(None)
            continue
        versions.append((fname, stat.st_mtime_ns, stat.st_size))
    return tuple(versions)


@functools.lru_cache(maxsize=8)
def _load_cached(path: str, versions: tuple[tuple[str, int, int] | None, ...]) -> World:
    """The World of a directory at one version of its files (`_file_versions`), read once (never handed
    out as it is: `load_world` returns copies of it)."""
    del versions  # (the cache key: another version of a file is another World)
    base = Path(path)
    if not base.is_dir():
        what = "is a file, not a folder" if base.exists() else "no such folder"
        raise WorldDataError([f"world data folder {base}: {what}"])
    errors: list[str] = []
    tables: dict[str, pd.DataFrame] = {}
    for name, fname in _FILES.items():
        table = _read_csv(base / fname, errors)
        if table is not None:
            tables[name] = table
    dicts: dict[str, Any] = {}
    for name, fname in _YAML_FILES.items():
        text = _read_text(base / fname, errors)
        if text is None:
            continue
        try:
            dicts[name] = yaml.safe_load(text)
        except yaml.YAMLError as e:
            errors.append(f"{fname}: invalid YAML: {e}")
    if errors:
        raise WorldDataError(errors)
    return build_world(**tables, **dicts, source=str(base))


def _missing_file(f: Path) -> str | None:
    """Why the world file `f` cannot be read as a file (a folder of that name, or none), or None."""
    if f.is_dir():
        return f"{f.name}: is a folder in {f.parent}, not a file"
    if not f.is_file():
        return f"{f.name}: file not found in {f.parent}"
    return None


def _read_csv(f: Path, errors: list[str]) -> pd.DataFrame | None:
    """A world CSV file as text columns, or None with its problem in `errors`."""
    if (why := _missing_file(f)) is not None:
        errors.append(why)
        return None
    try:
        return pd.read_csv(f, dtype=str, keep_default_na=False, na_values=[""], encoding="utf-8")
    except pd.errors.EmptyDataError:
        errors.append(f"{f.name}: the file is empty")
    except UnicodeDecodeError:
        errors.append(_not_utf8(f))
    except pd.errors.ParserError as e:
        errors.append(f"{f.name}: cannot be read as CSV: {e}")
    return None


def _read_text(f: Path, errors: list[str]) -> str | None:
    """A world YAML file's text, or None with its problem in `errors`."""
    if (why := _missing_file(f)) is not None:
        errors.append(why)
        return None
    try:
        return f.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        errors.append(_not_utf8(f))
    return None


def _not_utf8(f: Path) -> str:
    """Where a file that is not UTF-8 text first fails to decode: its line (1-based) and column, and the
    byte (pandas and Python name only a position in a buffer)."""
    for number, line in enumerate(f.read_bytes().split(b"\n"), 1):
        try:
            line.decode("utf-8")
        except UnicodeDecodeError as e:
            column = len(line[: e.start].decode("utf-8")) + 1
            byte = line[e.start]
            return (
                f"{f.name} line {number}, column {column}: byte 0x{byte:02x} is not UTF-8 text "
                "(save the file as UTF-8)"
            )
    return f"{f.name}: is not UTF-8 text (save the file as UTF-8)"


def build_world(
    states: pd.DataFrame,
    zones: pd.DataFrame,
    segments: pd.DataFrame,
    trades: pd.DataFrame,
    incident_types: pd.DataFrame,
    ig: Mapping[str, Any],
    severity: Mapping[str, Any],
    source: str = "<memory>",
) -> World:
    """Validate raw tables (as read from CSV, strings or typed; indexed by their code or not) and build
    the `World`. Raises `WorldDataError` listing every problem."""
    errors: list[str] = []
    raw = {
        "states": states,
        "zones": zones,
        "segments": segments,
        "trades": trades,
        "incident_types": incident_types,
    }
    t = {name: _typed_table(name, df, errors) for name, df in raw.items()}
    if any(v is None for v in t.values()):
        raise WorldDataError(errors)
    st, zo, se, tr, it = (t[k] for k in ("states", "zones", "segments", "trades", "incident_types"))
    assert st is not None and zo is not None and se is not None and tr is not None and it is not None

    state_set, zone_set, seg_set = set(st.index), set(zo.index), set(se.index)

    # -- states: codes, sovereigns, bloc codes
    for i, (iso, row) in enumerate(st.iterrows()):
        where = f"states.csv line {i + 2} ({iso})"
        if not (len(iso) == 3 and iso.isalpha() and iso.isupper()):
            errors.append(f"{where}, column iso3: {iso!r} is not an upper-case ISO 3166-1 alpha-3 code")
        if row["sovereign"] not in state_set:
            errors.append(f"{where}, column sovereign: unknown state {row['sovereign']!r}")
    blocs = {b for v in st["blocs"] for b in _split_list(v)}
    for i, (iso, v) in enumerate(st["sanctioned_by"].items()):
        for b in _split_list(v):
            if b not in blocs:
                errors.append(
                    f"states.csv line {i + 2} ({iso}), column sanctioned_by: bloc {b!r} is no state's bloc"
                )

    # -- zones: coastal mix
    zone_coastal = _tidy_mix(
        "zones.csv", zo, "coastal_mix", "zone", "iso3", "weight", state_set, "state", errors, st
    )

    # -- trades
    for i, (tid, row) in enumerate(tr.iterrows()):
        where = f"trades.csv line {i + 2} ({tid})"
        for col in ("origin", "destination"):
            if row[col] not in state_set:
                errors.append(f"{where}, column {col}: {_unknown_state(row[col], st)}")
        if row["oil_type"] not in OIL_TYPES:
            errors.append(f"{where}, column oil_type: {row['oil_type']!r} not one of {', '.join(OIL_TYPES)}")
        if row["price_cap"] not in PRICE_CAPS:
            errors.append(
                f"{where}, column price_cap: {row['price_cap']!r} not one of {', '.join(PRICE_CAPS)}"
            )
        total = sum(float(row[c]) for c in COVER_COLUMNS)
        if abs(total - 1.0) > MIX_TOLERANCE:
            errors.append(
                f"{where}, columns {'+'.join(COVER_COLUMNS)}: cover shares sum to {total:.12g}, not 1"
            )
        if row["productivity"] <= 0:
            errors.append(f"{where}, column productivity: must be in (0, 1], got {row['productivity']}")
    trade_segments = _tidy_mix(
        "trades.csv", tr, "segment_mix", "trade", "segment", "share", seg_set, "segment", errors
    )
    trade_zones = _tidy_mix("trades.csv", tr, "zone_mix", "trade", "zone", "share", zone_set, "zone", errors)
    trade_flags = _tidy_mix(
        "trades.csv", tr, "flag_mix", "trade", "flag", "share", state_set, "state", errors, st
    )

    # -- incident types
    for i, (typ, row) in enumerate(it.iterrows()):
        where = f"incident_types.csv line {i + 2} ({typ})"
        total = row["cause_marine"] + row["cause_war"] + row["cause_sabotage"]
        if abs(total - 1.0) > MIX_TOLERANCE:
            errors.append(f"{where}, columns cause_*: causes sum to {total:.12g}, not 1")
        zf = row["zone_factor_column"]
        if zf != "none" and (zf not in ZONE_FACTOR_COLUMNS or zf not in zo.columns):
            errors.append(
                f"{where}, column zone_factor_column: {zf!r} not 'none' or one of "
                f"{', '.join(ZONE_FACTOR_COLUMNS)}"
            )

    # -- YAML: the file models (riskmodel/world/schema.py), with the tables' codes for the keys naming them
    codes = TableCodes(
        zones=frozenset(zone_set), states=frozenset(state_set), incident_types=frozenset(it.index)
    )
    errors.extend(yaml_problems("ig.yaml", ig, codes))
    errors.extend(yaml_problems("severity.yaml", severity, codes))

    if errors:
        raise WorldDataError(errors)

    vy = _vessel_years(tr, se, trade_segments)
    return World(
        states=st,
        zones=zo,
        segments=se,
        trades=tr,
        incident_types=it,
        ig=copy.deepcopy(ig),  # (deep: a World shares no nested dict with its source, `replace`'s World)
        severity=copy.deepcopy(severity),
        trade_segments=trade_segments,
        trade_zones=trade_zones,
        trade_flags=trade_flags,
        zone_coastal=zone_coastal,
        vessel_years=vy,
        source=source,
    )


def _unknown_state(code: Any, states: pd.DataFrame) -> str:
    close = difflib.get_close_matches(str(code).upper(), list(states.index), n=3, cutoff=0.6)
    did = f"; did you mean {', '.join(close)}?" if close else ""
    return f"unknown state {code!r}{did}"


def _typed_table(name: str, df: pd.DataFrame, errors: list[str]) -> pd.DataFrame | None:
    """Check columns and convert each by its kind; returns the table indexed by its key, or None."""
    fname = _FILES[name]
    spec = _SPECS[name]
    key = _KEYS[name]
    df = df.copy()
    if df.index.name == key:
        df = df.reset_index()
    missing = [c for c in spec if c not in df.columns]
    if missing:
        unknown = [str(c) for c in df.columns if c not in spec]
        errors.append(f"{fname}: missing column(s) {', '.join(_column_guess(c, unknown) for c in missing)}")
        return None
    if len(df) == 0:
        errors.append(f"{fname}: no rows")
        return None
    out = pd.DataFrame(index=pd.RangeIndex(len(df)))
    keys = [str(k).strip() if _present(k) else "" for k in df[key]]
    for col in df.columns:  # extra columns are kept as they are
        if col not in spec:
            out[col] = df[col].to_numpy()
    for col, kind in spec.items():
        values = df[col].tolist()
        conv: list[Any] = []
        for i, v in enumerate(values):
            where = f"{fname} line {i + 2} ({keys[i] or '?'}), column {col}"
            conv.append(_convert(v, kind, where, errors))
        if col in _INT_COLUMNS.get(name, ()):
            for i, c in enumerate(conv):
                if c is not None and c != int(c):
                    where = f"{fname} line {i + 2} ({keys[i] or '?'}), column {col}"
                    errors.append(f"{where}: must be a whole number, got {values[i]!r}")
                    conv[i] = None
        if kind == "bool" or col in _INT_COLUMNS.get(name, ()):
            ok = all(c is not None for c in conv)
            out[col] = np.array([int(c) for c in conv], dtype=np.int64) if ok else conv
        elif kind in ("float", "pos", "nonneg", "prob"):
            out[col] = np.array([np.nan if c is None else c for c in conv], dtype=np.float64)
        else:
            out[col] = conv
    # keys: non-empty, unique
    seen: dict[str, int] = {}
    for i, k in enumerate(keys):
        if not k:
            errors.append(f"{fname} line {i + 2}, column {key}: empty code")
        elif k in seen:
            errors.append(
                f"{fname} line {i + 2}, column {key}: duplicate code {k!r} (first at line {seen[k] + 2})"
            )
        else:
            seen[k] = i
    cols = [c for c in spec if c != key] + [c for c in df.columns if c not in spec]
    out.index = pd.Index(keys, name=key)
    return out[cols].copy()  # (its numeric columns in one block per dtype: `World.copy` takes half the time)


def _column_guess(column: str, unknown: list[str]) -> str:
    """A missing column, with the file's column that may be it misspelt (among those it does not know)."""
    close = difflib.get_close_matches(column, unknown, n=1, cutoff=0.6)
    return f"{column} (the file has a column {close[0]!r}: did you mean {column}?)" if close else column


def _present(v: Any) -> bool:
    return not (
        v is None or (isinstance(v, float) and math.isnan(v)) or (isinstance(v, str) and not v.strip())
    )


def _convert(v: Any, kind: str, where: str, errors: list[str]) -> Any:
    if kind == "list":
        return ";".join(_split_list(v)) if _present(v) else ""
    if not _present(v):
        if kind == "source":
            errors.append(f"{where}: every value needs its source")
        else:
            errors.append(f"{where}: empty")
        return None
    if kind == "id":
        s = str(v).strip()
        if not s.replace("_", "").isalnum():
            errors.append(f"{where}: id {s!r} must be letters, digits and underscores")
        return s
    if kind in ("key", "code"):
        s = str(v).strip()
        if s != s.upper() or " " in s:
            errors.append(f"{where}: code {s!r} must be upper case without spaces")
        return s
    if kind in ("str", "source"):
        return str(v).strip()
    if kind == "mix":
        return str(v).strip()
    try:
        x = float(v)
    except (TypeError, ValueError):
        errors.append(f"{where}: {v!r} is not a number")
        return None
    if math.isnan(x) or math.isinf(x):
        errors.append(f"{where}: {v!r} is not a finite number")
        return None
    if kind == "bool" and x not in (0.0, 1.0):
        errors.append(f"{where}: must be 0 or 1, got {v!r}")
    elif kind == "pos" and x <= 0:
        errors.append(f"{where}: must be positive, got {v!r}")
    elif kind == "nonneg" and x < 0:
        errors.append(f"{where}: must be >= 0, got {v!r}")
    elif kind == "prob" and not 0.0 <= x <= 1.0:
        errors.append(f"{where}: must be a probability in [0, 1], got {v!r}")
    return x


def _tidy_mix(
    fname: str,
    table: pd.DataFrame,
    column: str,
    row_name: str,
    key_name: str,
    value_name: str,
    valid: set[str],
    what: str,
    errors: list[str],
    states: pd.DataFrame | None = None,
) -> pd.DataFrame:
    rows: list[tuple[str, str, float]] = []
    for i, (code, text) in enumerate(table[column].items()):
        where = f"{fname} line {i + 2} ({code}), column {column}"
        if text is None:
            continue
        try:
            mix = parse_mix(text)
        except ValueError as e:
            errors.append(f"{where}: {e}")
            continue
        total = 0.0
        for k, w in mix.items():
            if k not in valid:
                msg = _unknown_state(k, states) if states is not None else f"unknown {what} {k!r}"
                errors.append(f"{where}: {msg}")
            if not 0.0 <= w <= 1.0 or math.isnan(w):
                errors.append(f"{where}: weight of {k} must be in [0, 1], got {w}")
            total += w
            if w > 0:
                rows.append((str(code), k, w))
        if abs(total - 1.0) > MIX_TOLERANCE:
            errors.append(f"{where}: weights sum to {total:.12g}, not 1")
    return pd.DataFrame(rows, columns=[row_name, key_name, value_name])


def _vessel_years(trades: pd.DataFrame, segments: pd.DataFrame, trade_segments: pd.DataFrame) -> pd.DataFrame:
    ts = trade_segments
    tr = trades.loc[ts["trade"]]
    sg = segments.loc[ts["segment"]]
    vy = (
        tr["volume_mt_per_year"].to_numpy()
        * 1e6
        * ts["share"].to_numpy()
        / (sg["cargo_t"].to_numpy() * tr["voyages_per_year"].to_numpy() * tr["productivity"].to_numpy())
    )
    return pd.DataFrame(
        {
            "trade": ts["trade"].to_numpy(),
            "segment": ts["segment"].to_numpy(),
            "vessel_years": vy,
            "gt_years": vy * sg["mean_gt"].to_numpy(),
        }
    )


# --------------------------------------------------------------------------------------------------
# Productivity fit (MODEL.md 2.1)
# --------------------------------------------------------------------------------------------------
def _oil(trades: pd.DataFrame) -> pd.Series:
    return trades["oil_type"] != "non_oil"


def sanctioned_volume_share(world: World) -> float:
    """Sanctioned-origin trades' share of seaborne *oil* volume (non_oil trades excluded)."""
    tr = world.trades[_oil(world.trades)]
    return float(tr.loc[tr["sanctioned"] == 1, "volume_mt_per_year"].sum() / tr["volume_mt_per_year"].sum())


def sanctioned_gt_share(world: World) -> float:
    """Sanctioned-origin trades' share of all trades' GT-years (the tanker tonnage they need)."""
    vy = world.vessel_years
    sanctioned = world.trades["sanctioned"].reindex(vy["trade"]).to_numpy() == 1
    return float(vy["gt_years"].to_numpy()[sanctioned].sum() / vy["gt_years"].sum())


def fit_productivity(world: World, target_gt_share: float = 0.18) -> float:
    """The common factor p* such that productivity = p* × productivity_relative for every sanctioned
    trade gives the sanctioned trades `target_gt_share` of GT-years (closed form; mainstream trades keep
    productivity 1). With G_s the sanctioned GT-years at productivity = productivity_relative and G_m
    the others': share = (G_s/p*) / (G_s/p* + G_m), so p* = G_s (1 − share) / (share × G_m).
    """
    if not 0.0 < target_gt_share < 1.0:
        raise ValueError(f"target_gt_share must be in (0, 1), got {target_gt_share}")
    tr = world.trades
    vy = world.vessel_years
    trade = vy["trade"].to_numpy()
    sanctioned = tr["sanctioned"].reindex(trade).to_numpy() == 1
    # GT-years at productivity = productivity_relative (undo the current productivity)
    scale = (tr["productivity"] / tr["productivity_relative"]).reindex(trade).to_numpy()
    g = vy["gt_years"].to_numpy()
    g_s = float((g * scale)[sanctioned].sum())
    g_m = float(g[~sanctioned].sum())
    if g_s <= 0 or g_m <= 0:
        raise ValueError("need both sanctioned and mainstream tonnage to fit productivity")
    return g_s * (1.0 - target_gt_share) / (target_gt_share * g_m)


# --------------------------------------------------------------------------------------------------
# Reference incident arithmetic (for calibration, MODEL.md 12)
# --------------------------------------------------------------------------------------------------
LARGE_SPILL_T = 700.0


def reference_incident_counts(world: World) -> pd.DataFrame:
    """Expected incidents a year by type at the reference factors: every vessel-year at age 15 with
    operating (class) factor 1, zone factors from zones.csv, laden time from trades.laden_share.

    Columns: `events`, `marine_spills` (spills >= min_t from events of marine cause; ITOPF excludes
    war), `large_spills` (> 700 t), `total_losses`. Spill sizes follow severity.yaml (lognormal
    truncated below at min_t, capped by cargo_t when laden or bunker_t in ballast); a `non_oil` trade's
    laden time counts as ballast (its cargo is not oil). The engine multiplies the rates by the age and
    class factors, so the simulated counts exceed these by the fleet's mean factor.
    """
    it = world.incident_types
    vy = world.vessel_years
    tz = world.trade_zones
    sp = world.severity["spill"]
    med = float(sp["size_given_spill"]["median_t"])
    sig = float(sp["size_given_spill"]["sigma"])
    min_t = float(sp["min_t"])
    p_min = ndtr((np.log(med) - np.log(min_t)) / sig)
    p_large = ndtr((np.log(med) - np.log(LARGE_SPILL_T)) / sig) / p_min  # P(> 700 | >= min_t), uncapped

    # strata (trade, segment, zone) with their vessel-years
    st = vy.merge(tz, on="trade")
    v = (st["vessel_years"] * st["share"]).to_numpy()
    tr = world.trades.loc[st["trade"]]
    sg = world.segments.loc[st["segment"]]
    zo = world.zones.loc[st["zone"]]
    laden = tr["laden_share"].to_numpy()
    oil = (tr["oil_type"] != "non_oil").to_numpy()
    cap_laden = np.where(oil, sg["cargo_t"].to_numpy(), sg["bunker_t"].to_numpy())
    large_laden = np.where(cap_laden > LARGE_SPILL_T, p_large, 0.0)
    large_ballast = np.where(sg["bunker_t"].to_numpy() > LARGE_SPILL_T, p_large, 0.0)
    out = {}
    for typ, k in it.iterrows():
        zf = 1.0 if k["zone_factor_column"] == "none" else zo[k["zone_factor_column"]].to_numpy()
        n = v * k["base_rate_per_vessel_year"] * zf
        pl = np.where(oil, k["p_spill_laden"], k["p_spill_ballast"])
        pb = k["p_spill_ballast"]
        spills = n * (laden * pl + (1 - laden) * pb) * k["cause_marine"]
        large = n * (laden * pl * large_laden + (1 - laden) * pb * large_ballast) * k["cause_marine"]
        out[typ] = {
            "events": float(n.sum()),
            "marine_spills": float(spills.sum()),
            "large_spills": float(large.sum()),
            "total_losses": float((n * k["p_total_loss"]).sum()),
        }
    return pd.DataFrame.from_dict(out, orient="index").rename_axis("type")
