"""Compile a scenario and the world data once into plain numpy arrays.

In: a validated `Scenario` and the `World` reference data. Out: a `CompiledModel`, a picklable bundle of
numpy arrays and small dataclasses that every chunk of trials reads and none modifies; no pydantic or
pandas object crosses into the per-chunk loop (MODEL.md section 1).

The candidate event set (`CandidatePlan`) depends on the world data only (and a fleet list that replaces
the world's fleet), never on schemes or the portfolio, so two scenarios on the same world share it and keep
common random numbers. What comes from the world data alone (codes, the fleet by trade, coastal mixes,
severity parameters, the candidate plan) is computed once per *content* of the world data and shared,
read-only, by every model compiled on a `World` of that content (`_world_part`, keyed by
`world_fingerprint`): a `World` edited in place between two compiles compiles afresh, and two Worlds
of equal content share the part. A compiled model holds no view of the World's tables, so an edit after
compiling leaves it as it is.
"""

from __future__ import annotations

import functools
import math
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from riskmodel.adoption import AdoptionPlan, cumulative_join_probability
from riskmodel.incidents import CandidatePlan
from riskmodel.market import BASE_CLASSES, MarketPlan, SchemeUptake
from riskmodel.payers import listed_payees, present_premium_bases, present_sources
from riskmodel.reinsurance.ig_tower import GXLLayer, IGStructure
from riskmodel.reinsurance.terms import ContractTerms, as_written, terms_from_contract, with_listings
from riskmodel.scenario.schema import CLASS_FACTOR_MAX, Scenario
from riskmodel.severity import SeverityParams, p_spill_above
from riskmodel.waterfall import SchemeFinance, WaterfallParams
from riskmodel.world import OIL_TYPES, World, parse_mix
from riskmodel.world.fingerprint import WORLD_TABLES, world_fingerprint

__all__ = ["WORLD_TABLES", "CompiledModel", "PerilPlan", "compile_model", "world_fingerprint"]

WEST = ("EU", "UK", "US")
#: Domestic insurers of sanctioned states cover at least the CLC limit (a CLC certificate requires it) and
#: at least this per event: Kerch 2024's Russian cover was USD 29.85m pollution + 6.7m wreck (FACTS).
DOMESTIC_MIN_LIMIT_USD_M = 36.55
LARGE_SPILL_T = 700.0  # ITOPF's large spill
AGE_BETA = 0.05  # age factor exp(β (age − 15)); MODEL.md 6, docs/model.md for the calibration


@dataclass(frozen=True)
class PerilPlan:
    """A user-defined peril, compiled.

    Every draw is by inversion, so that two scenarios that differ in the peril's frequency or severity
    keep common random numbers: a trial-year's count is the inverse of the count distribution at that
    trial-year's uniform (`counts`), so a slightly higher mean adds an event to a few trial-years and
    leaves the others alone; an event's loss and time are keyed on (trial, year, its ordinal in the
    year), so the events two runs share have the same uniforms.
    """

    peril_id: str
    source: str
    key: int
    frequency: str  # "poisson" | "negative_binomial"
    mean: float
    nb_r: float  # negative binomial shape (inf for Poisson)
    severity: str  # "lognormal" | "pareto" | "fixed"
    sev_a: float  # lognormal: mu; pareto: threshold; fixed: value
    sev_b: float  # lognormal: sigma; pareto: alpha
    sev_cap: float
    years: np.ndarray  # bool (n_years,)

    def _count_law(self) -> Any:  # (a frozen scipy.stats distribution)
        return _count_law(self.mean, self.nb_r)

    @property
    def count_cdf(self) -> np.ndarray:
        """F(0), F(1), … of the yearly count, up to where 1 − F is below 1e-14 or `COUNT_TABLE` entries
        (computed once per law, kept outside the plan so that it neither travels nor enters digests)."""
        return _count_cdf(self.mean, self.nb_r)

    def counts(self, u: np.ndarray) -> np.ndarray:
        """The yearly counts at uniforms `u` (any shape): the smallest k with F(k) > u, from the table of
        F, or from the distribution's own quantile beyond the table (1e-14 of draws, or the far tail of a
        very dispersed negative binomial).

        The table is searched through a guide (`_count_guide`): u's cell of 1/`COUNT_GUIDE` gives the
        answer unless a value of F lies in the cell at or below u, and only those uniforms (few, on a short
        table) are searched (the same k as `searchsorted(F, u, side="right")` for all, about twice as fast
        for a Poisson of mean 2, and faster still on a long table).
        """
        cdf, guide = _count_guide(self.mean, self.nb_r)
        flat = u.ravel()
        k = guide[(flat * COUNT_GUIDE).astype(np.int64)]  # (u < 1: u × 2^12 is exact, its floor the cell)
        todo = np.flatnonzero(cdf[k] <= flat)  # (cdf ends in +inf: the search stops one past the table)
        if todo.size:  # (a search, not steps: a cell of a long table may hold thousands of values of F)
            k[todo] = np.searchsorted(cdf, flat[todo], side="right")
        beyond = k >= cdf.size - 1
        if beyond.any():
            k[beyond] = self._count_law().ppf(flat[beyond]).astype(np.int64)
        return k.reshape(u.shape)

    def losses(self, u: np.ndarray) -> np.ndarray:
        """The losses at uniforms `u` in [0, 1) (inverse of the severity distribution)."""
        if self.severity == "lognormal":
            from scipy.special import ndtri

            x = np.asarray(ndtri(u))  # exp(a + b z), in place: no temporaries of the events' size
            x *= self.sev_b
            x += self.sev_a
            return np.exp(x, out=x)
        if self.severity == "pareto":
            return np.minimum(self.sev_a * (1.0 - u) ** (-1.0 / self.sev_b), self.sev_cap)
        return np.full(u.shape, self.sev_a)


#: A user peril's count table holds at most this many entries (beyond it, the law's own quantile).
COUNT_TABLE = 1 << 16


def _count_law(mean: float, nb_r: float) -> Any:
    """The yearly count law: Poisson (`nb_r` infinite) or negative binomial of shape `nb_r`."""
    from scipy import stats

    if math.isinf(nb_r):
        return stats.poisson(mean)
    return stats.nbinom(nb_r, nb_r / (nb_r + mean))


@functools.lru_cache(maxsize=64)
def _count_cdf(mean: float, nb_r: float) -> np.ndarray:
    law = _count_law(mean, nb_r)
    size = min(int(law.ppf(1.0 - 1e-14)) + 2, COUNT_TABLE)
    cdf = law.cdf(np.arange(size))
    cdf.flags.writeable = False
    return cdf


#: Cells of the guide table of a count law (a power of 2, so that a uniform's cell is exact).
COUNT_GUIDE = 1 << 12


@functools.lru_cache(maxsize=64)
def _count_guide(mean: float, nb_r: float) -> tuple[np.ndarray, np.ndarray]:
    """F(0), F(1), … with +inf appended, and for each cell i of [0, 1) in `COUNT_GUIDE` the smallest k
    with F(k) > i / `COUNT_GUIDE` (every u of the cell has its count at or after it)."""
    cdf = np.append(_count_cdf(mean, nb_r), np.inf)
    guide = np.searchsorted(cdf, np.arange(COUNT_GUIDE) / COUNT_GUIDE, side="right")
    cdf.flags.writeable = guide.flags.writeable = False
    return cdf, guide


@dataclass(frozen=True)
class BackgroundPlan:
    """The non-tanker IG background: pool claims above the club retention."""

    rate: float  # claims a year
    threshold: float  # USD m
    alpha: float  # Pareto tail index
    cap: float
    pollution_share: float


@dataclass(frozen=True)
class CompiledModel:
    scenario_name: str
    seed: int
    n_trials: int
    chunk_trials: int
    n_years: int
    start_year: int
    materiality: float
    world_model: bool
    keep_events: bool
    # world
    state_codes: tuple[str, ...]
    zone_codes: tuple[str, ...]
    segment_codes: tuple[str, ...]
    trade_codes: tuple[str, ...]
    type_codes: tuple[str, ...]
    class_names: tuple[str, ...]
    scheme_ids: tuple[str, ...]
    adoption: AdoptionPlan
    slot_scheme_founder: np.ndarray  # bool (n_slots,)
    market: MarketPlan
    candidates: CandidatePlan
    class_factor: np.ndarray  # (n_classes,)
    age_factor: np.ndarray  # (n_trades, n_classes)
    trade_gt: np.ndarray
    trade_hull: np.ndarray
    trade_vessel_years: np.ndarray  # (n_trades,)
    trade_zone_share: np.ndarray  # (n_trades, n_zones)
    trade_laden: np.ndarray
    trade_oil: np.ndarray
    trade_oil_cargo: np.ndarray  # bool: the trade's cargo is persistent oil
    trade_age_shadow: np.ndarray
    trade_weights: dict[str, np.ndarray]  # outcome → (n_trades,) expected count per unit class factor
    trade_flag_cum: np.ndarray  # (n_trades, n_flags) cumulative flag mix
    flag_states: np.ndarray  # (n_flags,) world state index of each flag
    segment_gt: np.ndarray
    segment_cargo: np.ndarray
    segment_bunker: np.ndarray
    hull_value: np.ndarray  # (n_trades, n_segs, n_classes): a hull's value at its class's mean age
    zone_coastal_cum: np.ndarray  # (n_zones, k)
    zone_coastal_state: np.ndarray  # (n_zones, k) world state index
    state_war_excluded: np.ndarray  # bool (n_states,): waters under the IG war exclusion (buy-back only)
    zone_infrastructure: np.ndarray
    zone_intensity: np.ndarray
    state_clc: np.ndarray
    state_fund: np.ndarray
    state_supp: np.ndarray
    state_opa: np.ndarray
    state_llmc: np.ndarray  # bool (n_states,): LLMC 1996 limits property claims in its waters
    state_sanctioned_west: np.ndarray
    state_bloc: np.ndarray  # (n_states, 3) bool membership of EU, UK, US
    state_statutory: np.ndarray
    severity: SeverityParams
    waterfall: WaterfallParams
    designation_hazards: np.ndarray  # (n_schemes, 3)
    designation_z: float
    designation_size: float
    scheme_start: np.ndarray  # (n_schemes,) horizon-year index the scheme starts
    vessel_initial: float
    vessel_hazard: float
    vessel_z: float
    detention_probability: float
    premium: dict[str, float]
    scheme_rates: tuple[float, ...]
    background: BackgroundPlan
    perils: tuple[PerilPlan, ...]
    contracts: dict[str, ContractTerms]
    portfolio_bloc: str
    notes: tuple[str, ...] = field(default=())
    #: The payer columns the scenario produces (`payers.present_sources`): a contract's others are absent.
    sources: frozenset[str] = field(default=frozenset())


def _latest(by_year: dict, start_year: int) -> object:
    """The entry of a `{"2025/26": ..., ...}` mapping in force in a policy year (the latest not after it)."""
    labels = sorted((k for k in by_year if str(k)[:4].isdigit()), key=lambda k: int(str(k)[:4]))
    chosen = labels[0]
    for k in labels:
        if int(str(k)[:4]) <= start_year:
            chosen = k
    return by_year[chosen]


def _bool(df: pd.DataFrame, col: str) -> np.ndarray:
    return df[col].astype(int).to_numpy().astype(bool)


def _blocs(text: object) -> set[str]:
    if not isinstance(text, str):
        return set()
    return {b.strip() for b in text.split(";") if b.strip()}


@dataclass(frozen=True, eq=False)
class _WorldPart:
    """What compiling takes from the world data alone, whatever the scenario: codes, convention and bloc
    membership before overrides, the fleet by trade, zones' coastal mixes, severity parameters, and the
    candidate plan of the world's own fleet. Computed once per content of the world data (`_world_part`),
    from a copy of the World, so that it shares no memory with a World its caller may edit; every array
    is read-only, so the compiled models that share it cannot change it."""

    state_codes: tuple[str, ...]
    zone_codes: tuple[str, ...]
    segment_codes: tuple[str, ...]
    trade_codes: tuple[str, ...]
    types: pd.DataFrame
    type_codes: tuple[str, ...]
    conventions: dict[str, np.ndarray]  # clc92, fund92, supp, opa, llmc96 as in the world data
    state_sanctioned_west: np.ndarray
    state_bloc: np.ndarray
    state_statutory: np.ndarray
    state_war_excluded: np.ndarray
    segment_gt: np.ndarray
    segment_cargo: np.ndarray
    segment_bunker: np.ndarray
    vy: np.ndarray  # (n_trades, n_segs) vessel-years of the world fleet
    zone_share: np.ndarray  # (n_trades, n_zones)
    flag_codes: tuple[str, ...]
    trade_flags: np.ndarray  # (n_trades, n_flags)
    flag_cum: np.ndarray  # (n_trades, n_flags): each row's cumulative mix, ending at exactly 1
    flag_states: np.ndarray
    ref: np.ndarray  # (n_trades, 4) reference cover shares
    age_main: np.ndarray
    age_shadow: np.ndarray
    origin: tuple[str, ...]
    destination: tuple[str, ...]
    destinations: tuple[str, ...]
    trade_dest: np.ndarray
    laden: np.ndarray
    oil: np.ndarray
    oil_cargo: np.ndarray
    zone_coastal_state: np.ndarray
    zone_coastal_cum: np.ndarray
    zone_infrastructure: np.ndarray
    severity: SeverityParams
    #: the candidate plan and trade weights of the world's own fleet (a fleet list makes its own)
    plain: tuple[CandidatePlan, dict[str, np.ndarray]]

    @property
    def state_idx(self) -> dict[str, int]:
        return {c: i for i, c in enumerate(self.state_codes)}


#: Parts of this many contents of the world data are kept, the last used (the package's is 0.7 MB).
WORLD_PARTS_KEPT = 4
_WORLD_PARTS: OrderedDict[str, _WorldPart] = OrderedDict()
_WORLD_PARTS_LOCK = threading.Lock()


def _world_part(world: World, key: str | None = None) -> _WorldPart:
    """The `_WorldPart` of `world`'s content: the kept part of a World of the same content
    (`world_fingerprint`, or `key` when the caller has just computed it), or one computed now from a
    copy of `world` and kept, the least recently used of more than `WORLD_PARTS_KEPT` dropped. A World
    edited in place since its last compile has another content, so it gets a part of its own; one whose
    content cannot be fingerprinted gets a new part each time."""
    if key is None:
        key = world_fingerprint(world)
    with _WORLD_PARTS_LOCK:
        part = _WORLD_PARTS.get(key) if key is not None else None
        if part is not None:
            _WORLD_PARTS.move_to_end(key)
            return part
    part = _compile_world(world.copy())
    if key is not None:
        with _WORLD_PARTS_LOCK:
            _WORLD_PARTS[key] = part
            _WORLD_PARTS.move_to_end(key)
            while len(_WORLD_PARTS) > WORLD_PARTS_KEPT:
                _WORLD_PARTS.popitem(last=False)
    return part


def _read_only(value: Any) -> Any:
    """`value` with every numpy array in it (also inside dicts, tuples and dataclasses) made read-only."""
    if isinstance(value, np.ndarray):
        value.flags.writeable = False
    elif isinstance(value, dict):
        for v in value.values():
            _read_only(v)
    elif isinstance(value, tuple):
        for v in value:
            _read_only(v)
    elif hasattr(value, "__dataclass_fields__"):
        for name in value.__dataclass_fields__:
            _read_only(getattr(value, name))
    return value


def _compile_world(world: World) -> _WorldPart:
    states = world.states
    state_codes = tuple(states.index)
    state_idx = {c: i for i, c in enumerate(state_codes)}
    zones = world.zones
    zone_codes = tuple(zones.index)
    segs = world.segments
    segment_codes = tuple(segs.index)
    trades = world.trades
    trade_codes = tuple(trades.index)
    types = (
        world.incident_types.set_index("type")
        if "type" in world.incident_types.columns
        else world.incident_types
    )
    sanctioned_by = [_blocs(x) for x in states["sanctioned_by"]]
    bloc_sets = [_blocs(x) for x in states["blocs"]]

    segment_gt = segs["mean_gt"].to_numpy(float)
    segment_cargo = segs["cargo_t"].to_numpy(float)
    seg_idx = {c: i for i, c in enumerate(segment_codes)}
    zone_idx = {c: i for i, c in enumerate(zone_codes)}
    n_trades, n_segs, n_zones = len(trade_codes), len(segment_codes), len(zone_codes)
    vy = np.zeros((n_trades, n_segs))
    zone_share = np.zeros((n_trades, n_zones))
    flag_codes: list[str] = []
    flag_rows: list[dict[str, float]] = []
    for t, (_, row) in enumerate(trades.iterrows()):
        # vessel-years by segment: each segment carries its share of the volume at its own cargo size
        voyages = float(row["voyages_per_year"]) * float(row["productivity"])
        volume_t = float(row["volume_mt_per_year"]) * 1e6
        for s, w in parse_mix(row["segment_mix"]).items():
            vy[t, seg_idx[s]] = volume_t * w / (segment_cargo[seg_idx[s]] * voyages)
        for z, w in parse_mix(row["zone_mix"]).items():
            zone_share[t, zone_idx[z]] = w
        flags = parse_mix(row["flag_mix"])
        flag_rows.append(flags)
        for f in flags:
            if f not in flag_codes:
                flag_codes.append(f)
    trade_flags = np.zeros((n_trades, len(flag_codes)))
    for t, flags in enumerate(flag_rows):
        for f, w in flags.items():
            trade_flags[t, flag_codes.index(f)] = w
    # each trade's cumulative flag mix ends at exactly 1 (a mix summing to 1 - 1e-12 would let a uniform
    # past it pick the last flag of all, perhaps another trade's)
    flag_cum = np.cumsum(trade_flags, axis=1)
    flag_cum /= flag_cum[:, -1:]
    ref = trades[["cover_ig", "cover_western_fixed", "cover_domestic", "cover_none"]].to_numpy(float)
    destination = tuple(str(d) for d in trades["destination"])
    destinations = tuple(sorted(set(destination)))
    laden = trades["laden_share"].to_numpy(float)
    age_main = trades["mean_age_mainstream"].to_numpy(float)
    age_shadow = trades["mean_age_shadow"].to_numpy(float)

    # ----- zones
    k_max = max(len(parse_mix(m)) for m in zones["coastal_mix"])
    zc_state = np.zeros((n_zones, k_max), dtype=np.int64)
    zc_cum = np.ones((n_zones, k_max))
    for z, m in enumerate(zones["coastal_mix"]):
        mix = parse_mix(m)
        codes = list(mix)
        w = np.cumsum([mix[c] for c in codes])
        zc_state[z, : len(codes)] = [state_idx[c] for c in codes]
        zc_state[z, len(codes) :] = state_idx[codes[-1]]
        zc_cum[z, : len(codes)] = w / w[-1]

    part = _WorldPart(
        state_codes=state_codes,
        zone_codes=zone_codes,
        segment_codes=segment_codes,
        trade_codes=trade_codes,
        types=types,
        type_codes=tuple(types.index),
        conventions={col: _bool(states, col) for col in ("clc92", "fund92", "supp", "opa", "llmc96")},
        state_sanctioned_west=np.array([bool(b & set(WEST)) for b in sanctioned_by]),
        state_bloc=np.array([[b in s for b in WEST] for s in bloc_sets], dtype=bool),
        state_statutory=_bool(states, "statutory_env_damage"),
        state_war_excluded=np.isin(state_codes, world.ig["excess_war_pi"]["excluded_coastal_states"]),
        segment_gt=segment_gt,
        segment_cargo=segment_cargo,
        segment_bunker=segs["bunker_t"].to_numpy(float),
        vy=vy,
        zone_share=zone_share,
        flag_codes=tuple(flag_codes),
        trade_flags=trade_flags,
        flag_cum=flag_cum,
        flag_states=np.array([state_idx[f] for f in flag_codes], dtype=np.int64),
        ref=ref / ref.sum(axis=1, keepdims=True),
        age_main=age_main,
        age_shadow=age_shadow,
        origin=tuple(str(o) for o in trades["origin"]),
        destination=destination,
        destinations=destinations,
        trade_dest=np.array([destinations.index(d) for d in destination], dtype=np.int64),
        laden=laden,
        oil=np.array([OIL_TYPES.index(str(o)) for o in trades["oil_type"]], dtype=np.int64),
        oil_cargo=np.array([str(o) != "non_oil" for o in trades["oil_type"]]),
        zone_coastal_state=zc_state,
        zone_coastal_cum=zc_cum,
        zone_infrastructure=_bool(zones, "infrastructure_at_risk"),
        severity=_severity_params(world, types, zones, zone_codes),
        plain=(None, {}),  # type: ignore[arg-type]  (set below, from the part's own fleet)
    )
    plain = _candidate_plan(world, part, vy, age_main, age_shadow)
    return _read_only(replace(part, plain=plain))


def _candidate_plan(
    world: World, part: _WorldPart, vy: np.ndarray, age_main: np.ndarray, age_shadow: np.ndarray
) -> tuple[CandidatePlan, dict[str, np.ndarray]]:
    """The envelope strata of a fleet (vessel-years by trade and segment, mean ages by trade) on the world
    data, and each trade's expected counts of each outcome per unit class factor (`trade_weights`)."""
    types, zones = part.types, world.zones
    n_trades, n_segs = vy.shape
    n_zones, n_types = len(part.zone_codes), len(part.type_codes)
    max_age = np.exp(AGE_BETA * (np.maximum(age_main, age_shadow) - 15.0))
    base_rate = types["base_rate_per_vessel_year"].to_numpy(float)
    zf = np.ones((n_zones, n_types))
    for k, col in enumerate(types["zone_factor_column"]):
        if isinstance(col, str) and col and col != "none":
            zf[:, k] = zones[col].to_numpy(float)
    t_i, g_i, z_i, k_i = np.meshgrid(
        np.arange(n_trades), np.arange(n_segs), np.arange(n_zones), np.arange(n_types), indexing="ij"
    )
    max_factor = CLASS_FACTOR_MAX * max_age
    rate = (
        vy[:, :, None, None]
        * part.zone_share[:, None, :, None]
        * base_rate[None, None, None, :]
        * zf[None, None, :, :]
    )
    rate = rate * max_factor[:, None, None, None]
    keep = rate > 0
    env = rate[keep]
    # per trade, Σ over its strata of envelope rate / envelope factor × P(outcome): multiplied by the
    # trial-year's class-weighted factor, the expected count of each outcome (calibration checks)
    sev_size = world.severity["spill"]["size_given_spill"]
    med_t, sig_t = float(sev_size["median_t"]), float(sev_size["sigma"])
    laden_oil = np.where(part.oil_cargo, part.laden, 0.0)
    unit = rate / max_factor[:, None, None, None]  # (t, g, z, k) events a year at factor 1
    p_l = types["p_spill_laden"].to_numpy(float)
    p_b = types["p_spill_ballast"].to_numpy(float)
    marine = types["cause_marine"].to_numpy(float)
    big_laden = p_spill_above(LARGE_SPILL_T, med_t, sig_t, part.segment_cargo)  # (g,)
    big_ballast = p_spill_above(LARGE_SPILL_T, med_t, sig_t, part.segment_bunker)
    spill_p = laden_oil[:, None] * p_l[None, :] + (1 - laden_oil[:, None]) * p_b[None, :]  # (t, k)
    large_p = (
        laden_oil[:, None, None] * p_l[None, None, :] * big_laden[None, :, None]
        + (1 - laden_oil[:, None, None]) * p_b[None, None, :] * big_ballast[None, :, None]
    )  # (t, g, k)
    trade_weights = {
        "events": unit.sum(axis=(1, 2, 3)),
        "spills_7t": np.einsum("tgzk,tk,k->t", unit, spill_p, marine),
        "spills_700t": np.einsum("tgzk,tgk,k->t", unit, large_p, marine),
    }
    cumulative = np.cumsum(env) / env.sum()
    candidates = CandidatePlan(
        trade=t_i[keep].astype(np.int64),
        segment=g_i[keep].astype(np.int64),
        zone=z_i[keep].astype(np.int64),
        itype=k_i[keep].astype(np.int64),
        envelope_rate=env,
        cumulative=cumulative,
        guide=CandidatePlan.guide_table(cumulative),
        max_factor=max_factor[t_i[keep]],
    )
    return candidates, trade_weights


def compile_model(
    scenario: Scenario,
    world: World,
    trials: int | None = None,
    seed: int | None = None,
    *,
    _world_sha256: str | None = None,
) -> CompiledModel:
    """Compile the scenario against the world data into a `CompiledModel`.

    The part that depends on the world data alone is computed once per content of `world` and reused
    (`_world_part`): `world` may be edited in place between compiles, and each model follows the content
    `world` had when it was compiled; the model holds no view of `world`'s tables. `_world_sha256` (the
    engine's own: trusted as the key of the world part, a stale value would give another content's): the
    `world_fingerprint` of `world` as it is now, when the caller has it (computed here otherwise).

    The scenario is taken as valid on `world` (`riskmodel.engine.simulate.compile_scenario` checks it
    first): a code `world` lacks is a `KeyError` here."""
    sim = scenario.simulation
    n_years = scenario.horizon.years
    start = scenario.horizon.start_year
    notes: list[str] = []

    wp = _world_part(world, _world_sha256)
    trades = world.trades
    segs = world.segments
    state_codes, zone_codes, segment_codes = wp.state_codes, wp.zone_codes, wp.segment_codes
    trade_codes, type_codes = wp.trade_codes, wp.type_codes
    state_idx = wp.state_idx
    seg_idx = {c: i for i, c in enumerate(segment_codes)}
    zone_idx = {c: i for i, c in enumerate(zone_codes)}
    n_trades = len(trade_codes)
    scheme_ids = tuple(scenario.schemes)
    n_schemes = len(scheme_ids)
    class_names = (*BASE_CLASSES, *(f"scheme:{s}" for s in scheme_ids))

    # ----- states, with the scenario's convention overrides
    def conv(col: str, key: str) -> np.ndarray:
        arr = wp.conventions[col].copy()
        for code, ov in scenario.world.conventions.items():
            value = getattr(ov, key)
            if value is not None:
                arr[state_idx[code]] = value
        return arr

    state_clc = conv("clc92", "clc92")
    state_fund = conv("fund92", "fund92") & state_clc
    state_supp = conv("supp", "supp") & state_fund
    state_opa = conv("opa", "opa") & ~state_clc
    state_llmc = conv("llmc96", "llmc96")

    # ----- segments and trades (a fleet list replaces the world's fleet)
    segment_gt = wp.segment_gt
    vy, ref, age_main, age_shadow = wp.vy, wp.ref, wp.age_main, wp.age_shadow
    observed = np.zeros(n_trades, dtype=bool)  # cover taken from a fleet list: no sanctions moves
    if scenario.fleet is not None:
        vy, ref, age_main, age_shadow, observed, fleet_notes = _fleet_override(
            scenario, world, vy, ref, age_main, age_shadow, seg_idx
        )
        notes += fleet_notes
        notes.append(f"fleet list {scenario.fleet.path}: {vy.sum():,.0f} vessels replace the world fleet")
    trade_gt = (vy * segment_gt).sum(axis=1)  # (not `vy @ segment_gt`: a BLAS kernel picked at run time)
    hull_at = _hull_value_at(segs)
    trade_hull = (vy * hull_at(age_main)).sum(axis=1)  # the mainstream (IG, Western fixed) hulls insured
    trade_vy = vy.sum(axis=1)
    origin, destination = wp.origin, wp.destination
    flag_codes = wp.flag_codes

    # ----- adoption slots
    slot_scheme: list[int] = []
    slot_state: list[int] = []
    slot_founder: list[bool] = []
    cum_rows: list[np.ndarray] = []
    cond_rows: list[list[str]] = []
    slot_key: dict[tuple[int, str], int] = {}
    rho = np.zeros(n_schemes)
    scheme_start = np.zeros(n_schemes, dtype=np.int64)
    for s, (sid, sch) in enumerate(scenario.schemes.items()):
        rho[s] = sch.correlation
        scheme_start[s] = max(0, sch.start_year - start)
        for code in sch.founders:
            slot_key[(s, code)] = len(slot_scheme)
            slot_scheme.append(s)
            slot_state.append(state_idx[code])
            slot_founder.append(True)
            cum_rows.append(
                cumulative_join_probability(
                    horizon_start=start, n_years=n_years, scheme_start=sch.start_year, founder=True
                )
            )
            cond_rows.append([])
        for code, cand in sch.candidates.items():
            slot_key[(s, code)] = len(slot_scheme)
            slot_scheme.append(s)
            slot_state.append(state_idx[code])
            slot_founder.append(False)
            cum_rows.append(
                cumulative_join_probability(
                    horizon_start=start,
                    n_years=n_years,
                    scheme_start=sch.start_year,
                    p_join=cand.p_join,
                    by_year=cand.by_year,
                    earliest_year=cand.earliest_year,
                    schedule=cand.schedule,
                )
            )
            cond_rows.append(list(cand.conditions))
        del sid
    max_c = max((len(c) for c in cond_rows), default=0)
    conditions = np.full((len(slot_scheme), max_c), -1, dtype=np.int64)
    for i, conds in enumerate(cond_rows):
        for j, code in enumerate(conds):
            conditions[i, j] = slot_key.get((slot_scheme[i], code), -1)
    adoption = AdoptionPlan(
        n_years=n_years,
        scheme_of_slot=np.array(slot_scheme, dtype=np.int64),
        state_of_slot=np.array(slot_state, dtype=np.int64),
        cum_prob=np.array(cum_rows).reshape(len(slot_scheme), n_years),
        conditions=conditions,
        rho=rho,
    )

    # ----- market
    to_dom = trades["displaced_domestic"].to_numpy(dtype=np.float64, copy=True)  # (no view of the World)
    pc = scenario.price_cap
    caps = {"EU": pc.eu_uk_cap_usd, "UK": pc.eu_uk_cap_usd, "US": pc.us_cap_usd}
    cap_ig = min(caps.values())
    cap_wf = min(caps[b] for b in pc.western_fixed_blocs) if pc.western_fixed_blocs else math.inf
    cap_kind = np.array(
        [{"none": 0, "crude": 1, "products": 2}[str(k)] for k in trades["price_cap"]], dtype=np.int64
    )
    destinations = wp.destinations
    uptakes = []
    for s, (_sid, sch) in enumerate(scenario.schemes.items()):
        w = np.array([sch.uptake.from_classes.get(c, 0.0) for c in BASE_CLASSES])
        uptakes.append(
            SchemeUptake(
                share=sch.uptake.share,
                ramp_years=sch.uptake.ramp_years,
                from_weights=w / w.sum(),
                origin_slot=np.array([slot_key.get((s, o), -1) for o in origin], dtype=np.int64),
                destination_slot=np.array([slot_key.get((s, d), -1) for d in destination], dtype=np.int64),
                flag_slots=np.array([slot_key.get((s, f), -1) for f in flag_codes], dtype=np.int64),
                certify_prob=np.array([sch.certifying_flags.get(f, 0.0) for f in flag_codes]),
                accept_prob=np.array([sch.port_acceptance.get(d, 0.0) for d in destinations]),
            )
        )
    market = MarketPlan(
        ref_shares=ref,
        shadow_to_domestic=to_dom,
        barred=np.array([o in ("IRN", "VEN") for o in origin]) & ~observed,
        licensed_share=pc.licensed_share_iran_venezuela,
        cap_kind=np.where(observed, 0, cap_kind),
        sanctioned=_bool(trades, "sanctioned") & ~observed,
        log_price_crude=math.log(pc.urals_mean_usd),
        log_price_products=math.log(pc.product_mean_usd),
        # the products cap (USD 100 premium-to-crude) is common to the coalition; a provider that answers
        # to no bloc (western_fixed_blocs: []) is bound by no cap
        log_cap_ig=(math.log(cap_ig), math.log(pc.product_cap_usd)),
        log_cap_wf=(math.log(cap_wf), math.log(pc.product_cap_usd))
        if math.isfinite(cap_wf)
        else (50.0, 50.0),
        dispersion=pc.dispersion,
        price_z_loading=pc.z_loading,
        log_euuk_discount=math.log(1.0 - pc.eu_uk_discount) if pc.eu_uk_cap_dynamic else None,
        euuk_binds=(True, bool({"EU", "UK"} & set(pc.western_fixed_blocs))),
        log_cap_other=(
            math.log(pc.us_cap_usd),
            math.log(pc.us_cap_usd) if "US" in pc.western_fixed_blocs else math.inf,
        ),
        trade_flags=wp.trade_flags,
        trade_destination=wp.trade_dest,
        schemes=tuple(uptakes),
    )

    # ----- incident rates: envelope strata from the world data (and a fleet list) only
    cf = scenario.world.class_factors
    class_factor = np.array(
        [cf.ig, cf.western_fixed, cf.domestic, cf.none]
        + [cf.scheme if sch.class_factor is None else sch.class_factor for sch in scenario.schemes.values()]
    )
    ages = np.column_stack([age_main, age_main, age_shadow, age_shadow] + [age_shadow] * n_schemes)
    hull_value = np.stack([hull_at(ages[:, c]) for c in range(ages.shape[1])], axis=2)
    age_factor = np.exp(AGE_BETA * (ages - 15.0))
    candidates, trade_weights = (
        wp.plain if scenario.fleet is None else _candidate_plan(world, wp, vy, age_main, age_shadow)
    )

    intensity = world.zones["enforcement"].to_numpy(float).copy()
    for code, value in scenario.sanctions.enforcement.zones.items():
        intensity[zone_idx[code]] = value

    ig = world.ig
    waterfall = WaterfallParams(
        sdr_usd=scenario.world.sdr_usd,
        none_owner_pays_share=scenario.world.none_owner_pays_share,
        domestic_reliability=scenario.world.domestic_payment_reliability,
        domestic_capacity=scenario.world.domestic_capacity_usd_m,
        domestic_min_limit=DOMESTIC_MIN_LIMIT_USD_M,
        western_fixed_limit=scenario.world.western_fixed_limit_usd_m,
        war_pi_limit=float(ig["excess_war_pi"]["limit"]),
        war_buyback_limit=tuple(
            float(_latest(ig["excess_war_pi"]["buyback_limit"], start + y)) for y in range(n_years)
        ),
        licence_probability=scenario.sanctions.licence_probability,
        running_down_hm_share=float(world.severity["collision"]["running_down_clause_hm_share"]),
        ig_structures=tuple(_ig_structure(world, start + y) for y in range(n_years)),
        schemes=tuple(
            SchemeFinance(
                scheme_id=sid,
                per_event_limit=sch.per_event_limit_usd_m,
                quota_share=sch.reinsurance.quota_share if sch.reinsurance else 0.0,
                reinsurer_capacity=sch.reinsurance.capacity_usd_m if sch.reinsurance else 0.0,
                payment_reliability=sch.payment_reliability,
                capital=sch.capital_usd_m,
                expense_ratio=sch.expense_ratio,
                recap_threshold=sch.recapitalisation.threshold_usd_m if sch.recapitalisation else 0.0,
                recap_probability=sch.recapitalisation.probability if sch.recapitalisation else 0.0,
                recap_amount=sch.recapitalisation.amount_usd_m if sch.recapitalisation else 0.0,
                hull_cover=sch.hull_cover,
            )
            for sid, sch in scenario.schemes.items()
        ),
    )
    des = scenario.sanctions.scheme_designation
    hazards = np.zeros((n_schemes, len(WEST)))
    for s, sch in enumerate(scenario.schemes.values()):
        blocs = des.blocs if sch.designation is None else sch.designation
        hazards[s] = [blocs[b].hazard if b in blocs else 0.0 for b in WEST]

    # ----- premium bases
    ref_ig_gt = float((ref[:, 0] * trade_gt).sum())
    rates = _latest(ig["gxl_rates_usd_per_gt"], start)
    rate_class = ig["gxl_rate_class_by_oil_type"]
    tanker_rate = np.array([float(rates[rate_class[o]]) for o in trades["oil_type"]])
    entered = ig["non_tanker_entered_gt"]
    non_tanker_gt = float(entered["dry"]) + float(entered["container"])
    non_tanker_cost = float(rates["dry"]) * float(entered["dry"]) + float(rates["container"]) * float(
        entered["container"]
    )
    premium = {
        "gxl_programme_usd_m": (float((ref[:, 0] * trade_gt * tanker_rate).sum()) + non_tanker_cost) / 1e6,
        "ig_reference_gt": ref_ig_gt,
        "non_tanker_gt": non_tanker_gt,
        "gxl_elasticity": scenario.world.gxl_elasticity,
        "hm_rate_pct": scenario.world.hm_rate_pct,
    }

    bg = ig["background"]
    background = BackgroundPlan(
        rate=float(bg["frequency_per_year"]) if sim.world_model else 0.0,
        threshold=float(bg["severity"]["threshold"]),
        alpha=float(bg["severity"]["alpha"]),
        cap=float(bg["severity"]["cap"]),
        pollution_share=float(bg["pollution_share"]),
    )

    perils = tuple(_peril_plan(pid, p, scenario, n_years) for pid, p in scenario.perils.items())
    portfolio = scenario.portfolio
    contracts: dict[str, ContractTerms] = {}
    bloc = "none"
    sources = present_sources(
        scenario.simulation.world_model,
        {sid: s.hull_cover for sid, s in scenario.schemes.items()},
        (scenario.peril_source(p) for p in scenario.perils),
    )
    if portfolio is not None:
        bloc = portfolio.bloc
        codes = {
            "segment": seg_idx,
            "zone": zone_idx,
            "flag": state_idx,
        }
        bases = present_premium_bases(scenario.simulation.world_model, scheme_ids)
        listed = listed_payees(
            {sid: sch.reinsurance.listed_by for sid, sch in scenario.schemes.items() if sch.reinsurance}
        )
        for cid, contract in portfolio.contracts.items():
            # a contract on nothing this scenario has (a retro on a scheme it lacks) is not written here, so
            # that the scenario that has the source shows the contract's premium as business it brings
            terms, why = as_written(
                with_listings(terms_from_contract(cid, contract, bloc, codes), listed),
                sources,
                bases,
                "this scenario",
            )
            missing = [src for src in terms.sources if src not in sources]
            if why is not None:
                notes.append(why)
            elif missing:
                notes.append(
                    f"contract {cid}: no losses from {', '.join(missing)} in this scenario (cedes nothing)"
                )
            contracts[cid] = terms

    return CompiledModel(
        scenario_name=scenario.name,
        seed=sim.seed if seed is None else seed,
        n_trials=sim.trials if trials is None else trials,
        chunk_trials=sim.chunk_trials,
        n_years=n_years,
        start_year=start,
        materiality=sim.materiality_usd_m,
        world_model=sim.world_model,
        keep_events=sim.keep_events,
        state_codes=state_codes,
        zone_codes=zone_codes,
        segment_codes=segment_codes,
        trade_codes=trade_codes,
        type_codes=type_codes,
        class_names=class_names,
        scheme_ids=scheme_ids,
        adoption=adoption,
        slot_scheme_founder=np.array(slot_founder, dtype=bool),
        market=market,
        candidates=candidates,
        class_factor=class_factor,
        age_factor=age_factor,
        trade_gt=trade_gt,
        trade_hull=trade_hull,
        trade_vessel_years=trade_vy,
        trade_zone_share=wp.zone_share,
        trade_laden=wp.laden,
        trade_oil=wp.oil,
        trade_oil_cargo=wp.oil_cargo,
        trade_age_shadow=age_shadow,
        trade_weights=dict(trade_weights),  # (its arrays are read-only; the dict is each model's own)
        trade_flag_cum=wp.flag_cum,
        flag_states=wp.flag_states,
        segment_gt=segment_gt,
        segment_cargo=wp.segment_cargo,
        segment_bunker=wp.segment_bunker,
        hull_value=hull_value,
        zone_coastal_cum=wp.zone_coastal_cum,
        zone_coastal_state=wp.zone_coastal_state,
        state_war_excluded=wp.state_war_excluded,
        zone_infrastructure=wp.zone_infrastructure,
        zone_intensity=intensity,
        state_clc=state_clc,
        state_fund=state_fund,
        state_supp=state_supp,
        state_opa=state_opa,
        state_llmc=state_llmc,
        state_sanctioned_west=wp.state_sanctioned_west,
        state_bloc=wp.state_bloc,
        state_statutory=wp.state_statutory,
        severity=wp.severity,
        waterfall=waterfall,
        designation_hazards=hazards,
        designation_z=des.z_loading,
        designation_size=des.size_loading,
        scheme_start=scheme_start,
        vessel_initial=scenario.sanctions.vessel_designation.initial_share,
        vessel_hazard=scenario.sanctions.vessel_designation.hazard,
        vessel_z=scenario.sanctions.vessel_designation.z_loading,
        detention_probability=scenario.sanctions.enforcement.detention_probability,
        premium=premium,
        scheme_rates=tuple(sch.rate_per_gt_usd for sch in scenario.schemes.values()),
        background=background,
        perils=perils,
        contracts=contracts,
        portfolio_bloc=bloc,
        notes=tuple(notes),
        sources=sources,
    )


def _hull_value_at(segs: pd.DataFrame) -> Callable[[np.ndarray], np.ndarray]:
    """Hull values by trade and segment at ages by trade, (n_trades,) → (n_trades, n_segs): the newbuild
    price depreciated exponentially, not below scrap (segments.csv; `World.hull_value_usd_m`)."""
    new = segs["hull_value_new_usd_m"].to_numpy(float)
    depreciation = segs["depreciation_per_year"].to_numpy(float)
    scrap = segs["scrap_value_usd_m"].to_numpy(float)
    return lambda age: np.maximum(new * np.exp(-depreciation * age[:, None]), scrap)


def _fleet_override(
    scenario: Scenario,
    world: World,
    vy: np.ndarray,
    ref: np.ndarray,
    age_main: np.ndarray,
    age_shadow: np.ndarray,
    seg_idx: dict[str, int],
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, list[str]]:
    """Vessel-years, cover shares and ages by trade from a fleet list (issue 8), and notes.

    Each vessel is one vessel-year a year. A vessel with a `trade` goes to that trade; one without is
    spread over the trades its segment serves, in proportion to the world's vessel-years. A trade's cover
    shares are its vessels' P&I classes weighted by GT, and its mainstream (IG, Western fixed) and
    shadow (domestic, none) ages their mean ages; trades without vessels keep the world values (they have
    no vessel-years). The list's cover is observed, so the bar, the price cap and designations do not
    move it again; scheme uptake still does. Vessels a scheme insures (`scheme:<id>`) count as `none`,
    the class scheme tonnage mostly comes from, before uptake: a note says how many.
    """
    from riskmodel.screening import read_fleet

    spec = scenario.fleet
    assert spec is not None
    fleet = read_fleet(spec.path, world=world)
    if spec.cedant is not None:
        fleet = fleet[fleet["cedant"] == spec.cedant]
        if fleet.empty:
            raise ValueError(f"fleet list {spec.path} has no vessel of cedant {spec.cedant!r}")
    # A ship under several covers (cedants, contracts) is one ship of the fleet: one vessel-year a year,
    # described by its first row; covers that describe it differently are named in a note
    used = [c for c in ("segment", "trade", "pi_class", "gt", "year_built") if c in fleet.columns]
    differ = fleet.groupby("imo", sort=False)[used].nunique(dropna=False).gt(1)
    disagree = differ[differ.any(axis=1)]
    fleet = fleet.drop_duplicates("imo")
    trade_idx = {c: i for i, c in enumerate(world.trades.index)}
    n_trades, n_segs = vy.shape
    seg_share = vy / np.where(vy.sum(axis=0) > 0, vy.sum(axis=0), 1.0)  # trade weights per segment
    weight = np.zeros((len(fleet), n_trades))
    segs = np.array([seg_idx.get(str(s), -1) for s in fleet["segment"]])
    if (segs < 0).any():
        bad = sorted({str(s) for s, g in zip(fleet["segment"], segs, strict=True) if g < 0})
        raise ValueError(f"fleet list {spec.path}: segments {bad} are not tanker segments of the model")
    trade_col = fleet["trade"] if "trade" in fleet.columns else pd.Series([None] * len(fleet))
    for i, (g, trade) in enumerate(zip(segs, trade_col, strict=True)):
        if isinstance(trade, str) and trade:
            weight[i, trade_idx[trade]] = 1.0
        else:
            weight[i] = seg_share[:, g]
    new_vy = np.zeros_like(vy)
    for g in range(n_segs):
        new_vy[:, g] = weight[segs == g].sum(axis=0)
    base = {"ig": 0, "western_fixed": 1, "domestic": 2, "none": 3}
    classes = [str(c) for c in fleet["pi_class"]]
    cls = np.array([base.get(c, 3) for c in classes])
    in_schemes = [c for c in classes if c not in base]
    notes = []
    if len(disagree):
        fields = ", ".join(c for c in used if disagree[c].any())
        shown = ", ".join(str(i) for i in disagree.index[:5]) + (" ..." if len(disagree) > 5 else "")
        notes.append(
            f"fleet list {spec.path}: {len(disagree)} ship(s) listed under several covers are described "
            f"differently ({fields}; IMO {shown}): the model takes each ship's first row"
        )
    if in_schemes:
        names = ", ".join(sorted(set(in_schemes)))
        notes.append(
            f"fleet list {spec.path}: {len(in_schemes)} vessel(s) insured by {names} count as 'none' "
            "(uninsured or opaque cover); the scenario's schemes take up tonnage from the classes by uptake"
        )
    gt = fleet["gt"].to_numpy(float)
    age = scenario.horizon.start_year - fleet["year_built"].to_numpy(float)
    cover = np.zeros((n_trades, 4))
    for c in range(4):
        cover[:, c] = (weight * (gt * (cls == c))[:, None]).sum(axis=0)
    has = cover.sum(axis=1) > 0
    new_ref = ref.copy()
    new_ref[has] = cover[has] / cover[has].sum(axis=1, keepdims=True)

    def mean_age(mask: np.ndarray, fallback: np.ndarray) -> np.ndarray:
        w = weight * mask[:, None]
        total = w.sum(axis=0)
        return np.where(total > 0, (w * age[:, None]).sum(axis=0) / np.where(total > 0, total, 1.0), fallback)

    return (
        new_vy,
        new_ref,
        mean_age(cls <= 1, age_main),
        mean_age(cls >= 2, age_shadow),
        new_vy.sum(axis=1) > 0,
        notes,
    )


def _ig_structure(world: World, policy_year: int) -> IGStructure:
    """The IG programme of a policy year from the world data (`ig.yaml`)."""
    d = world.ig_structure(policy_year)
    return IGStructure(
        club_retention=float(d["club_retention"]),
        pool_top=float(d["pool_top"]),
        layers=tuple(
            GXLLayer(float(x["attachment"]), float(x["limit"]), float(x["open_market_share"]))
            for x in d["layers"]
        ),
        overspill_attachment=float(d["overspill_attachment"]),
        overspill_limit=float(d["overspill_limit"]),
        hydra_aad=float(d["hydra_aad"]),
        pollution_cap=float(d["pollution_cap"]),
    )


def _severity_params(
    world: World, types: pd.DataFrame, zones: pd.DataFrame, zone_codes: tuple[str, ...]
) -> SeverityParams:
    sev = world.severity
    type_codes = list(types.index)

    def is_type(name: str) -> np.ndarray:
        return np.array([t == name for t in type_codes])

    oil = sev["spill"]["oil_type_factor"]
    size = sev["spill"]["size_given_spill"]
    wreck = sev["wreck_removal"]
    coll = sev["collision"]
    infra = sev["infrastructure"]
    return SeverityParams(
        p_spill_laden=types["p_spill_laden"].to_numpy(float),
        p_spill_ballast=types["p_spill_ballast"].to_numpy(float),
        cause_war=types["cause_war"].to_numpy(float),
        cause_sabotage=types["cause_sabotage"].to_numpy(float),
        p_total_loss=types["p_total_loss"].to_numpy(float),
        spill_median_t=float(size["median_t"]),
        spill_sigma=float(size["sigma"]),
        damage_exponent=float(sev["pollution"]["damage_exponent"]),
        damage_sigma=float(sev["pollution"]["sigma"]),
        cost_per_t_usd=zones["pollution_cost_usd_per_t"].to_numpy(float),
        oil_factor=np.array([float(oil[o]) for o in OIL_TYPES]),
        bunker_oil_type=OIL_TYPES.index("fuel_oil"),
        statutory_multiple=float(sev["statutory"]["multiple_median"]),
        partial_min=float(sev["hull"]["partial_fraction"]["min"]),
        partial_max=float(sev["hull"]["partial_fraction"]["max"]),
        wreck_usd_per_gt=float(wreck["median_usd_per_gt"]),
        wreck_sigma=float(wreck["sigma"]),
        wreck_zone_factor=np.array([float(wreck["zone_factor"].get(z, 1.0)) for z in zone_codes]),
        counterparty_hull_median_usd_m=float(coll["counterparty_hull"]["median_usd_m"]),
        counterparty_hull_sigma=float(coll["counterparty_hull"]["sigma"]),
        blame_min=float(coll["blame"]["min"]),
        blame_max=float(coll["blame"]["max"]),
        p_counterparty_ig=float(coll["p_counterparty_ig"]),
        infrastructure_median_usd_m=float(infra["median_usd_m"]),
        infrastructure_sigma=float(infra["sigma"]),
        infrastructure_cap_usd_m=float(infra["cap_usd_m"]),
        crew_median_usd_m=float(sev["crew_other_pi"]["median_usd_m"]),
        crew_sigma=float(sev["crew_other_pi"]["sigma"]),
        war_crew_median_usd_m=float(sev["war_seizure"]["crew_pi_war"]["median_usd_m"]),
        war_crew_sigma=float(sev["war_seizure"]["crew_pi_war"]["sigma"]),
        is_collision=is_type("collision"),
        is_infrastructure=is_type("infrastructure"),
        is_seizure=is_type("seizure"),
        seizure_hull_fraction=float(sev["war_seizure"]["seizure_hull_fraction"]),
    )


def _peril_plan(pid: str, peril, scenario: Scenario, n_years: int) -> PerilPlan:
    from riskmodel.engine.random import key_of

    f = peril.frequency
    if f.distribution == "poisson":
        nb_r = math.inf
    else:
        var = (f.cv * f.mean) ** 2
        nb_r = f.mean**2 / (var - f.mean) if var > f.mean else math.inf
    s = peril.severity
    if s.distribution == "lognormal":
        sigma = math.sqrt(math.log1p(s.cv**2))
        a, b, cap = math.log(s.mean_usd_m) - sigma**2 / 2, sigma, math.inf
    elif s.distribution == "pareto":
        a, b, cap = s.threshold_usd_m, s.alpha, s.cap_usd_m or math.inf
    else:
        a, b, cap = s.value_usd_m, 0.0, math.inf
    start = scenario.horizon.start_year
    years = np.ones(n_years, dtype=bool)
    if peril.years is not None:
        years = np.isin(start + np.arange(n_years), peril.years)
    return PerilPlan(
        peril_id=pid,
        source=scenario.peril_source(pid),
        key=key_of(pid),
        frequency=f.distribution,
        mean=f.mean,
        nb_r=nb_r,
        severity=s.distribution,
        sev_a=a,
        sev_b=b,
        sev_cap=cap,
        years=years,
    )
