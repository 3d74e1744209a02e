"""The world's YAML files, `ig.yaml` and `severity.yaml`, as pydantic models.

In: a parsed YAML mapping (`yaml.safe_load` of the file, or a dict a scenario or test gives
`World.replace`), and optionally the codes of the world's CSV tables (`TableCodes`: zones, states,
incident types) as validation context. Out: `yaml_problems(file, data, codes)`, the list of every problem
in the file as the loader words them,

    ig.yaml key structures.2025/26.layers[1].limit: must be a number greater than 0, got -650
    ig.yaml key backgrund: unknown key; allowed here: currency, ..., background; did you mean background?

or an empty list. The models describe every key of the shipped files, the reference-only ones too
(`source`, notes, anchors, `inflation`, `distribution`, ...), and forbid any other, so a misspelt or
removed key is an error instead of being read as nothing. Mappings whose keys are data (policy years,
zones, incident types, CPI years, currencies) are typed dicts with their keys checked. The loader keeps
the file's own mapping as `World.ig` / `World.severity`: validation changes no value.

Numbers are strict (a quoted "1.5" or `true` is not a number) and finite. Checks across keys of one file
(IG layers contiguous from `pool_top` to `overspill_attachment`, min <= max) are validators of the model
holding both keys; checks against the CSV tables (a wreck zone factor for every zone, known states and
incident types) run when `TableCodes` is given as context.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from riskmodel.scenario.errors import (
    NO_VALUE,
    Problem,
    did_you_mean,
    format_path,
    problems_from_validation_error,
)
from riskmodel.scenario.errors import show_value as _show

__all__ = [
    "IgFile",
    "SeverityFile",
    "TableCodes",
    "yaml_problems",
]

#: Classes of the IG's GXL rates per GT (ig.yaml `gxl_rates_usd_per_gt`).
RateClass = Literal["dirty_tanker", "clean_tanker", "dry", "container"]
OilType = Literal["crude", "fuel_oil", "products", "non_oil"]


@dataclass(frozen=True)
class TableCodes:
    """The codes of the world's CSV tables that the YAML files refer to (validation context)."""

    zones: frozenset[str]
    states: frozenset[str]
    incident_types: frozenset[str]


class _Model(BaseModel):
    """Base of the world's YAML models: every key is known, an unknown one is an error."""

    model_config = ConfigDict(extra="forbid")


# --------------------------------------------------------------------------------------------- values
_NUMBER = {"strict": True, "allow_inf_nan": False}
Positive = Annotated[float, Field(gt=0, **_NUMBER)]
NonNegative = Annotated[float, Field(ge=0, **_NUMBER)]
Share = Annotated[float, Field(ge=0, le=1, **_NUMBER)]
#: Reference text (a source, a note, a pointer to where the engine reads the value).
Text = Annotated[str, Field(strict=True, min_length=1)]


def _policy_year(label: str) -> str:
    """A policy year label: 'YYYY/yy', the year it starts and the next one's last two digits."""
    m = re.fullmatch(r"(\d{4})/(\d{2})", label)
    if m is None or (int(m[1]) + 1) % 100 != int(m[2]):
        raise ValueError("must be a policy year label like '2025/26' (the start year / the next year's yy)")
    return label


PolicyYear = Annotated[str, Field(strict=True), AfterValidator(_policy_year)]
CpiYear = Annotated[int, Field(strict=True, ge=1900, le=2100)]


def _codes(info: ValidationInfo) -> TableCodes | None:
    return info.context if isinstance(info.context, TableCodes) else None


def _unknown(what: str, code: str, known: Collection[str]) -> str:
    """`unknown zone 'PERSIAN'`, with the closest codes (state and zone codes are upper case, incident
    types lower case: the code is matched as written and in their case)."""
    close = difflib.get_close_matches(code, sorted(known), n=3, cutoff=0.6) or difflib.get_close_matches(
        code.upper() if code.islower() else code.lower(), sorted(known), n=3, cutoff=0.6
    )
    did = f"; did you mean {', '.join(close)}?" if close else ""
    return f"unknown {what} {code!r}{did}"


def _zone(code: str, info: ValidationInfo) -> str:
    codes = _codes(info)
    if codes is not None and code not in codes.zones:
        raise ValueError(_unknown("zone", code, codes.zones))
    return code


def _state(code: str, info: ValidationInfo) -> str:
    codes = _codes(info)
    if codes is not None and code not in codes.states:
        raise ValueError(_unknown("state", code, codes.states))
    return code


def _incident_type(code: str, info: ValidationInfo) -> str:
    codes = _codes(info)
    if codes is not None and code not in codes.incident_types:
        raise ValueError(_unknown("incident type", code, codes.incident_types))
    return code


Zone = Annotated[str, Field(strict=True), AfterValidator(_zone)]
State = Annotated[str, Field(strict=True), AfterValidator(_state)]
IncidentType = Annotated[str, Field(strict=True), AfterValidator(_incident_type)]


# --------------------------------------------------------------------------------------------- ig.yaml
class Layer(_Model):
    """One GXL layer: `limit` xs `attachment`, `open_market_share` of it placed in the open market."""

    attachment: NonNegative
    limit: Positive
    open_market_share: Share


class Structure(_Model):
    """The IG programme of one policy year (keys of `ig_tower.IGStructure`), USD m."""

    source: Text | None = None
    club_retention: NonNegative
    pool_top: NonNegative
    hydra_pool_attachment: NonNegative | None = None
    layers: list[Layer] = Field(min_length=1)
    overspill_attachment: NonNegative
    overspill_limit: NonNegative
    hydra_aad: NonNegative
    pollution_cap: NonNegative
    passengers_crew_cap: NonNegative | None = None

    @field_validator("pool_top")
    @classmethod
    def _above_retention(cls, top: float, info: ValidationInfo) -> float:
        retention = info.data.get("club_retention")
        if retention is not None and retention > top:
            raise ValueError(f"must be at least club_retention ({_show(retention)})")
        return top

    @field_validator("layers")
    @classmethod
    def _contiguous(cls, layers: list[Layer], info: ValidationInfo) -> list[Layer]:
        top = info.data.get("pool_top")
        below = "pool_top"
        gaps = []
        for j, layer in enumerate(layers):
            if top is not None and abs(layer.attachment - top) > 1e-9:
                gaps.append(
                    f"layers[{j}].attachment {_show(layer.attachment)} does not continue from {below}, "
                    f"{_show(top)}"
                )
            top, below = layer.attachment + layer.limit, f"the top of layers[{j}]"
        if gaps:
            raise ValueError("; ".join(gaps))
        return layers

    @field_validator("overspill_attachment")
    @classmethod
    def _above_the_layers(cls, attachment: float, info: ValidationInfo) -> float:
        layers = info.data.get("layers")
        if layers:
            top = layers[-1].attachment + layers[-1].limit
            if abs(attachment - top) > 1e-9:
                raise ValueError(f"must be the top of the last layer, {_show(top)}")
        return attachment


class GxlRates(_Model):
    """GXL premium of one policy year, USD per GT a year (not millions), by rate class."""

    source: Text
    dirty_tanker: Positive
    clean_tanker: Positive
    dry: Positive
    container: Positive


class RateClassByOilType(_Model):
    """The GXL rate class of a tanker, by the oil type of its trade."""

    crude: RateClass
    fuel_oil: RateClass
    products: RateClass
    non_oil: RateClass


class NonTankerEnteredGt(_Model):
    """IG-entered tonnage of other ships (GT), the rest of the GXL programme's premium base."""

    source: Text | None = None
    dry: NonNegative
    container: NonNegative


class ExcessWarPi(_Model):
    """Excess war P&I per vessel per event (USD m), above the ship's hull war value."""

    source: Text | None = None
    limit: Positive
    attaches_above: Literal["hull_war_value"] = "hull_war_value"
    excluded_coastal_states: list[State]
    buyback_limit: dict[PolicyYear, Positive] = Field(min_length=1)


class BackgroundSeverity(_Model):
    """A background claim's ground-up size (USD m) above the club retention: Pareto, capped."""

    distribution: Literal["pareto"] = "pareto"
    threshold: Positive
    alpha: Positive
    cap: Positive


class Background(_Model):
    """The non-tanker IG background peril: pool claims of all other entered ships."""

    source: Text | None = None
    frequency_per_year: NonNegative
    severity: BackgroundSeverity
    pollution_share: Share
    attritional_below_threshold: Literal["none"] = "none"


class IgFile(_Model):
    """ig.yaml: IG pooling structures, GXL rates, excess war P&I and the background peril."""

    currency: Literal["USD m"] = "USD m"
    policy_year_start: Literal["02-20"] = "02-20"
    structures: dict[PolicyYear, Structure] = Field(min_length=1)
    structure_for_later_years: PolicyYear | None = None
    gxl_rates_usd_per_gt: dict[PolicyYear, GxlRates] = Field(min_length=1)
    gxl_rate_class_by_oil_type: RateClassByOilType
    non_tanker_entered_gt: NonTankerEnteredGt
    excess_war_pi: ExcessWarPi
    background: Background

    @field_validator("structure_for_later_years")
    @classmethod
    def _a_listed_structure(cls, label: str | None, info: ValidationInfo) -> str | None:
        structures = info.data.get("structures")
        if label is not None and structures is not None and label not in structures:
            raise ValueError(f"must be one of the structures' policy years: {', '.join(structures)}")
        return label


# ---------------------------------------------------------------------------------------- severity.yaml
def _currency(code: str) -> str:
    if not re.fullmatch(r"[A-Z]{3}", code):
        did = " (did you mean 'source'?)" if did_you_mean(code, ["source"]) else ""
        raise ValueError(f"must be a currency code of three upper-case letters (EUR) or 'source'{did}")
    return code


def _without_source(table: Any) -> Any:
    """`fx_usd_per_unit` lists currencies beside its `source` text: the currencies alone are the table."""
    if isinstance(table, Mapping) and isinstance(table.get("source"), str):
        return {k: v for k, v in table.items() if k != "source"}
    return table


Currency = Annotated[str, Field(strict=True), AfterValidator(_currency)]
FxTable = Annotated[dict[Currency, dict[CpiYear, Positive]], BeforeValidator(_without_source)]


class Inflation(_Model):
    """US CPI-U by year and exchange rates (USD per unit, by currency and year) for the damage anchors."""

    source: Text | None = None
    cpi_u: dict[CpiYear, Positive]
    fx_usd_per_unit: FxTable = Field(
        default_factory=dict, description="USD per unit of a currency by year, with a `source` key."
    )


class SpillSize(_Model):
    """A spill's size given a spill (t): lognormal truncated below at `spill.min_t`, then capped by the
    oil on board."""

    distribution: Literal["lognormal_truncated"] = "lognormal_truncated"
    median_t: Positive
    sigma: Positive
    source: Text | None = None


class OilTypeFactor(_Model):
    """Multipliers of pollution damage by oil type (light crude = 1)."""

    source: Text | None = None
    crude: NonNegative
    fuel_oil: NonNegative
    products: NonNegative
    non_oil: NonNegative


class Spill(_Model):
    """Spills given an incident that spills: the smallest counted, their size, the oil type factors."""

    min_t: Positive
    size_given_spill: SpillSize
    cap: Text | None = None
    bunker_share: Share
    oil_type_factor: OilTypeFactor


class Anchor(_Model):
    """A historical spill used to fit (`fit`) or check (`validate`) the damage law, or neither (`none`)."""

    use: Literal["fit", "validate", "none"]
    zone: Zone
    oil_type: OilType
    spill_t: Positive
    damage_local: Text | None = None
    damage_usd_m_2025: Positive | Annotated[list[Positive], Field(min_length=2, max_length=2)] | None = None
    implied_c_usd_per_t: Positive | None = None
    model_median_usd_m: Positive | None = None
    source: Text | None = None

    @model_validator(mode="after")
    def _fit_needs_a_damage(self) -> Anchor:
        if self.use == "fit" and not isinstance(self.damage_usd_m_2025, float | int):
            raise ValueError("an anchor with use: fit needs damage_usd_m_2025 as one number (USD m)")
        return self


def _one(median: float) -> float:
    if median != 1:
        raise ValueError("the median of eps must be 1")
    return median


class Pollution(_Model):
    """Pollution damage D = c_zone x 1000 x (V/1000)^b x oil factor x eps, eps lognormal with median 1."""

    damage_exponent: Positive
    sigma: Positive
    eps_median: Annotated[float, Field(**_NUMBER), AfterValidator(_one)]
    kontovas_coefficient_usd2009: Positive | None = None
    c_zone: Text | None = None
    anchors: dict[str, Anchor] = Field(default_factory=dict)


class Statutory(_Model):
    """Formula-based statutory damages: a multiple of the admissible pollution damage, lognormal."""

    multiple_median: NonNegative
    sigma: NonNegative
    source: Text | None = None


class UniformShare(_Model):
    """A share drawn uniformly between `min` and `max`."""

    distribution: Literal["uniform"] = "uniform"
    min: Share
    max: Share
    source: Text | None = None

    @field_validator("max")
    @classmethod
    def _not_below_min(cls, high: float, info: ValidationInfo) -> float:
        low = info.data.get("min")
        if low is not None and low > high:
            raise ValueError(f"must be at least min ({_show(low)})")
        return high


class TalleyRatio(_Model):
    """Talley's other-property ratio, recorded and not used (it would double count)."""

    value: Positive
    used: Annotated[bool, Field(strict=True)]


class PartialFraction(UniformShare):
    """The share of hull value lost when not a total loss: uniform (min, max), or Beta(a, b) by type."""

    by_type_beta: dict[IncidentType, tuple[Positive, Positive]]


class Hull(_Model):
    """Hull damage short of a total loss (the hull value itself is in segments.csv)."""

    value: Text | None = None
    partial_fraction: PartialFraction


class WreckRemoval(_Model):
    """Wreck removal cost of a total loss in coastal waters: lognormal USD per GT x the zone's factor."""

    distribution: Literal["lognormal"] = "lognormal"
    median_usd_per_gt: Positive
    sigma: NonNegative
    source: Text | None = None
    zone_factor: dict[Zone, NonNegative]
    coastal_zones_exclude: list[Zone] = Field(default_factory=list)

    @field_validator("zone_factor")
    @classmethod
    def _every_zone(cls, factors: dict[str, float], info: ValidationInfo) -> dict[str, float]:
        codes = _codes(info)
        missing = sorted(codes.zones - set(factors)) if codes is not None else []
        if missing:
            raise ValueError(f"missing for zone(s) {', '.join(missing)}: give a factor for every zone")
        return factors


class Lognormal(_Model):
    """A lognormal amount, USD m: its median and sigma (log-scale SD)."""

    distribution: Literal["lognormal"] = "lognormal"
    median_usd_m: NonNegative
    sigma: NonNegative


class PositiveLognormal(Lognormal):
    median_usd_m: Positive


class Collision(_Model):
    """The other ship of a collision: its hull damage, the tanker's blame, who insures it."""

    counterparty_hull: PositiveLognormal
    blame: UniformShare
    p_counterparty_ig: Share
    running_down_clause_hm_share: Share
    p_counterparty_tanker: Share | None = None


class Infrastructure(PositiveLognormal):
    """Damage to cables and pipelines (anchor drag), lognormal USD m, capped at `cap_usd_m`."""

    cap_usd_m: Positive
    source: Text | None = None


class Detention(_Model):
    """A seized ship's detention: months held (lognormal) and the cost of a month, USD m."""

    months_median: Positive
    months_sigma: NonNegative
    cost_usd_m_per_month: NonNegative


class WarSeizure(_Model):
    """Costs of war and seizure incidents beyond the hull's."""

    hull_total_loss: Text | None = None
    crew_pi_war: Lognormal
    detention: Detention | None = None
    p_confiscation: Share
    seizure_hull_fraction: Share


class SeverityFile(_Model):
    """severity.yaml: spill sizes and the damage, hull, wreck, collision, infrastructure and war laws."""

    currency_basis: Literal["2025 USD"] = "2025 USD"
    inflation: Inflation | None = None
    spill: Spill
    pollution: Pollution
    statutory: Statutory
    talley_other_property_ratio: TalleyRatio | None = None
    hull: Hull
    wreck_removal: WreckRemoval
    collision: Collision
    infrastructure: Infrastructure
    crew_other_pi: Lognormal
    war_seizure: WarSeizure


# ---------------------------------------------------------------------------------------------- errors
_MODELS: dict[str, type[_Model]] = {"ig.yaml": IgFile, "severity.yaml": SeverityFile}

#: Keys that were removed, by file and path: why, and where the setting is now.
REMOVED_KEYS: dict[tuple[str, tuple[str | int, ...]], str] = {
    ("ig.yaml", ("premium_elasticity",)): (
        "premium_elasticity was removed (the engine never read it): the GXL cost's elasticity is the "
        "scenario's world.gxl_elasticity, so set it there"
    ),
}


def yaml_problems(fname: str, data: Any, codes: TableCodes | None = None) -> list[str]:
    """Every problem of a world YAML file (`fname`: 'ig.yaml' or 'severity.yaml') parsed into `data`,
    each as `"<file> key <path>: <what is wrong>, got <value>"`; empty when the file is valid. With
    `codes`, the keys naming zones, states and incident types are checked against the CSV tables.

    >>> yaml_problems("ig.yaml", [])
    ['ig.yaml: must be a mapping with keys currency, policy_year_start, structures, ..., got []']
    """
    model = _MODELS[fname]
    try:
        model.model_validate(data, context=codes)
    except ValidationError as exc:
        return [_line(fname, data, p) for p in problems_from_validation_error(exc, model)]
    return []


def _dotted(data: Any, path: tuple[Any, ...]) -> str:
    """The key path as the loader writes it, `structures.2025/26.layers[1].limit`: a list's items by
    index, a mapping's keys after a dot (a whole-number key too: `inflation.cpi_u.1997`)."""
    out, node = "", data
    for part in path:
        if isinstance(node, list) and isinstance(part, int):
            out += f"[{part}]"
            node = node[part] if 0 <= part < len(node) else None
            continue
        whole = isinstance(part, int) and not isinstance(part, bool)
        out += ("." if out else "") + (str(part) if whole else format_path((part,)))
        node = node.get(part) if isinstance(node, Mapping) else None
    return out


def _line(fname: str, data: Any, p: Problem) -> str:
    """A problem the scenario's translator words (`Problem`: path, value, what is allowed, hint) in the
    loader's layout."""
    path = p.path if p.key is NO_VALUE else (*p.path, p.key)
    head = f"{fname} key {_dotted(data, path)}" if path else fname
    allowed = p.allowed or p.message
    if allowed.startswith("allowed keys: "):  # an unknown key (or a key that is not text) of a model
        keys = allowed.removeprefix("allowed keys: ").split(", ")
        key = path[-1] if path else p.value
        text = f"{head}: unknown key; allowed here: {', '.join(keys)}"
        removed = REMOVED_KEYS.get((fname, tuple(path)))
        if removed:
            return f"{text}; {removed}"
        best = did_you_mean(key, keys)
        return f"{text}; did you mean {best}?" if best else text
    if p.value is NO_VALUE:
        return f"{head}: missing; give {allowed}"
    if p.message.startswith(allowed):  # a check's own sentence, naming the values it compared
        return f"{head}: {allowed}"
    hint = p.message.split(allowed, 1)[1] if allowed in p.message else ""
    key = "key " if p.message.startswith("key ") else ""
    return f"{head}: {key}{allowed}, got {_show(p.value)}{hint}"
