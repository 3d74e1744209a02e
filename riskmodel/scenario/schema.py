"""The scenario and portfolio file formats, as pydantic models.

In: parsed YAML mappings (after `extends` has been resolved by the loader). Out: validated, immutable
`Scenario` and `Portfolio` objects. Checks that need the world data (state codes, zones) or the whole
file (years inside the horizon, a founder in two schemes, contract sources) live in `checks.py`; this
module checks types, ranges and the shape of each block.

Units are in the field names: `_usd_m` is USD millions, `_usd` plain USD, `_per_gt_usd` USD per gross
ton a year. Probabilities are in [0, 1]. Every model forbids unknown keys, so a misspelt key is an error.
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    field_validator,
    model_validator,
)

from riskmodel.scenario.errors import AtMost

if TYPE_CHECKING:
    from riskmodel.world import World

#: Upper bound of every provider-class operating factor. The candidate event set is drawn at the rate of
#: this factor, so scenarios can only thin it: raising the bound changes the event set of every scenario.
CLASS_FACTOR_MAX = 3.0
#: Bounds of a run's size: trials and policy years (also for the CLI's --trials and event files' ids).
MAX_TRIALS = 100_000_000
MAX_YEARS = 30
#: Trials per random-number block: fixed for ever, so chunking never changes a draw.
BLOCK_TRIALS = 4096

#: The years any year field may name; the horizon's last policy year too.
FIRST_YEAR = 1990
LAST_YEAR = 2100
#: Ceiling of every amount in USD m (USD 10^15): far above any real figure (the largest, limits and
#: capacities, are about 1e4) and low enough that sums over events, years and trials stay finite.
MAX_USD_M = 1e9
#: Ceiling of a premium rate per gross ton (real rates are a few USD): times the tonnage of the world's
#: tankers it stays below `MAX_USD_M`.
MAX_RATE_PER_GT_USD = 1e4
#: Ceiling of an oil price or price cap, USD/bbl (real prices are below 150).
MAX_PRICE_USD = 1e4


def _at_most(ceiling: float, words: str) -> AfterValidator:
    """An upper bound whose message names its unit (`words`: the bound as the message writes it); the
    JSON Schema (and so the reference) gets it as the field's `maximum`, and a number too large for any
    float is told the same bound (`errors.AtMost`)."""
    return AfterValidator(AtMost(ceiling, words))


_MONEY_CEILING = _at_most(MAX_USD_M, "1e9 (USD m), i.e. USD 10^15, far above any real amount")
Probability = Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)]
PositiveMoney = Annotated[
    float, Field(gt=0.0, allow_inf_nan=False, json_schema_extra={"maximum": MAX_USD_M}), _MONEY_CEILING
]
NonNegativeMoney = Annotated[
    float, Field(ge=0.0, allow_inf_nan=False, json_schema_extra={"maximum": MAX_USD_M}), _MONEY_CEILING
]
RatePerGT = Annotated[
    float,
    Field(ge=0.0, allow_inf_nan=False, json_schema_extra={"maximum": MAX_RATE_PER_GT_USD}),
    _at_most(MAX_RATE_PER_GT_USD, "10000 (USD per GT a year; real rates are a few USD)"),
]
Price = Annotated[
    float,
    Field(gt=0.0, allow_inf_nan=False, json_schema_extra={"maximum": MAX_PRICE_USD}),
    _at_most(MAX_PRICE_USD, "10000 (USD/bbl; real prices are below 150)"),
]
#: Ceiling of a premium rate: a share of a premium base, or a reinstatement's rate (1.0 = 100%).
MAX_RATE = 100.0
Rate = Annotated[
    float,
    Field(ge=0.0, allow_inf_nan=False, json_schema_extra={"maximum": MAX_RATE}),
    _at_most(MAX_RATE, "100 (10,000%)"),
]
Year = Annotated[int, Field(ge=FIRST_YEAR, le=LAST_YEAR)]
StateCode = Annotated[str, Field(pattern=r"^[A-Z]{3}$", description="ISO 3166-1 alpha-3 state code")]
Identifier = Annotated[str, Field(pattern=r"^[A-Za-z0-9_][A-Za-z0-9_\-]*$", max_length=64)]
#: A name: text with at least one character that is not a space.
Name = Annotated[str, Field(min_length=1, pattern=r"\S")]
Bloc = Literal["EU", "UK", "US"]
PIClass = Literal["ig", "western_fixed", "domestic", "none"]


class Strict(BaseModel):
    """Base of every file-format model: unknown keys are errors, objects are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)


# --------------------------------------------------------------------------------------------- horizon
class Horizon(Strict):
    """The policy years simulated in every trial."""

    start_year: Year = Field(2026, description="First policy year (P&I years start 20 February).")
    years: int = Field(
        5,
        ge=1,
        le=MAX_YEARS,
        description=f"Number of policy years simulated per trial; the last (start_year + years − 1) at most "
        f"{LAST_YEAR}.",
    )

    @model_validator(mode="after")
    def _ends_by_last_year(self) -> Horizon:
        if self.last_year > LAST_YEAR:
            raise ValueError(
                f"the horizon's last policy year start_year + years − 1 = {self.last_year} is after "
                f"{LAST_YEAR}, the last year any year field allows: give years at most "
                f"{LAST_YEAR - self.start_year + 1} for start_year {self.start_year}"
            )
        return self

    @property
    def last_year(self) -> int:
        return self.start_year + self.years - 1


class Simulation(Strict):
    """How many trials, from which seed, in work units of how many trials."""

    trials: int = Field(10_000, ge=1, le=MAX_TRIALS, description="Simulated paths of the horizon.")
    seed: int = Field(20250507, ge=0, le=2**63 - 1, description="Seed of every random stream.")
    chunk_trials: int = Field(
        2 * BLOCK_TRIALS,
        ge=BLOCK_TRIALS,
        le=MAX_TRIALS,
        description=f"Trials per work unit; a multiple of the {BLOCK_TRIALS}-trial random block.",
    )
    materiality_usd_m: PositiveMoney = Field(
        5.0,
        description="Loss threshold of a serious incident; smaller losses enter as an attritional aggregate.",
    )
    world_model: bool = Field(True, description="False: a perils-only run (only user-defined perils).")
    keep_events: bool = Field(False, description="Keep the event loss table (memory grows with events).")

    @field_validator("chunk_trials")
    @classmethod
    def _whole_blocks(cls, v: int) -> int:
        if v % BLOCK_TRIALS:
            raise ValueError(f"must be a multiple of {BLOCK_TRIALS} (the random-number block), got {v}")
        return v


# ----------------------------------------------------------------------------------------------- world
class ClassFactors(Strict):
    """Operating-standard factors on incident rates by P&I class (1 = IG standard)."""

    ig: float = Field(
        1.0,
        ge=0.5,
        le=CLASS_FACTOR_MAX,
        allow_inf_nan=False,
        description="IG-entered tankers (the reference).",
    )
    western_fixed: float = Field(
        1.2, ge=0.5, le=CLASS_FACTOR_MAX, allow_inf_nan=False, description="Western fixed-premium P&I."
    )
    domestic: float = Field(
        1.8,
        ge=0.5,
        le=CLASS_FACTOR_MAX,
        allow_inf_nan=False,
        description="Domestic insurers of sanctioned states.",
    )
    none: float = Field(
        2.2,
        ge=0.5,
        le=CLASS_FACTOR_MAX,
        allow_inf_nan=False,
        description="Uninsured, fraudulent or unknown cover.",
    )
    scheme: float = Field(
        1.8,
        ge=0.5,
        le=CLASS_FACTOR_MAX,
        allow_inf_nan=False,
        description="Tankers insured by an alternative scheme.",
    )


class ConventionOverride(Strict):
    """Convention memberships of one state, overriding the world data (None keeps the world value)."""

    clc92: bool | None = Field(None, description="Party to the 1992 Civil Liability Convention.")
    fund92: bool | None = Field(None, description="Party to the 1992 Fund Convention.")
    supp: bool | None = Field(None, description="Party to the 2003 Supplementary Fund Protocol.")
    opa: bool | None = Field(None, description="The US Oil Pollution Act 1990 applies in its waters.")
    llmc96: bool | None = Field(
        None, description="Party to LLMC 1996: property claims are limited (wreck removal reserved)."
    )


class WorldOverrides(Strict):
    """Overrides of the world reference data and of market assumptions."""

    sdr_usd: float = Field(1.366, gt=0.5, lt=3.0, description="USD per SDR (IMF, Oct 2025: 1.3657).")
    class_factors: ClassFactors = Field(
        default_factory=ClassFactors, description="Incident-rate factors by P&I class (1 = IG standard)."
    )
    gxl_elasticity: float = Field(
        0.3,
        ge=0.0,
        le=2.0,
        description=(
            "Elasticity of the IG GXL programme cost to entered tonnage (MODEL.md 4; an assumption well "
            "below 1, a sensitivity)."
        ),
    )
    hm_rate_pct: float = Field(
        0.25, ge=0.0, le=10.0, description="Western H&M premium rate, % of insured hull value a year."
    )
    none_owner_pays_share: Probability = Field(
        0.05, description="Share of its liabilities an uninsured single-ship owner pays itself."
    )
    domestic_payment_reliability: Probability = Field(
        0.8, description="Probability that domestic insurers of sanctioned states pay a foreign claim."
    )
    western_fixed_limit_usd_m: PositiveMoney = Field(
        1000.0, description="Per-event limit of non-IG Western fixed-premium P&I (USD 500m-1bn)."
    )
    domestic_capacity_usd_m: PositiveMoney = Field(
        400.0, description="Annual capacity of domestic insurers of sanctioned states (all claims)."
    )
    conventions: dict[StateCode, ConventionOverride] = Field(
        default_factory=dict, description="Per-state convention membership overrides."
    )


# --------------------------------------------------------------------------------------------- schemes
class Candidate(Strict):
    """A state that may join a scheme: `p_join` by `by_year` (a constant yearly hazard), or a `schedule`."""

    p_join: Probability | None = Field(None, description="Probability of having joined by `by_year`.")
    by_year: Year | None = Field(None, description="Year by which `p_join` applies.")
    earliest_year: Year | None = Field(None, description="First year the state can join (default: start).")
    schedule: dict[Year, Probability] | None = Field(
        None, description="Explicit cumulative join probability by year, instead of p_join/by_year."
    )
    conditions: list[StateCode] = Field(
        default_factory=list,
        description="States that must be members by the year this one joins (the same year counts).",
    )
    rationale: str = Field("", description="Why this probability: for the next underwriter.")

    @model_validator(mode="after")
    def _profile(self) -> Candidate:
        if self.schedule is None:
            if self.p_join is None or self.by_year is None:
                raise ValueError("give either p_join and by_year, or a schedule of cumulative probabilities")
        else:
            if self.p_join is not None or self.by_year is not None:
                raise ValueError("give either p_join and by_year, or a schedule, not both")
            years = sorted(self.schedule)
            probs = [self.schedule[y] for y in years]
            if any(b < a for a, b in itertools.pairwise(probs)):
                raise ValueError(f"schedule must be non-decreasing in the year, got {self.schedule}")
        if self.earliest_year is not None and self.by_year is not None and self.by_year < self.earliest_year:
            raise ValueError(f"by_year {self.by_year} is before earliest_year {self.earliest_year}")
        return self


class SchemeReinsurance(Strict):
    """The scheme's reinsurer (e.g. a state reinsurer) and the quota share of each claim it takes."""

    reinsurer: str = Field(..., min_length=1, description="Name of the scheme's reinsurer (e.g. RNRC).")
    quota_share: Probability = Field(..., description="Share of each retained claim ceded to the reinsurer.")
    capacity_usd_m: PositiveMoney = Field(..., description="Reinsurer's annual aggregate capacity.")
    listed_by: list[Bloc] = Field(
        default_factory=list,
        description="Blocs that already sanction the reinsurer, before any designation of the scheme (the EU "
        "and UK list RNRC): a portfolio of such a bloc with a sanctions clause has every payment on this "
        "reinsurer's share (scheme_reinsurance:<id>) blocked, flagged or not. Empty: listed by none.",
    )


class Uptake(Strict):
    """How much of its members' export carriage the scheme insures, and where that tonnage comes from."""

    share: Probability = Field(..., description="Share of a member's export carriage moving to the scheme.")
    ramp_years: int = Field(2, ge=1, le=20, description="Years to reach the full share (linear).")
    from_classes: dict[PIClass, Annotated[float, Field(ge=0.0, allow_inf_nan=False)]] = Field(
        default_factory=lambda: {"none": 0.5, "domestic": 0.4, "western_fixed": 0.05, "ig": 0.05},
        description="Relative weights of the classes the tonnage is taken from.",
    )

    @field_validator("from_classes")
    @classmethod
    def _some_weight(cls, v: dict[str, float]) -> dict[str, float]:
        if not v or sum(v.values()) <= 0:
            raise ValueError("needs at least one class with a positive weight")
        return v


class BlocDesignation(Strict):
    """One bloc's designation of a scheme."""

    hazard: Probability = Field(..., description="Yearly probability the bloc designates the scheme.")


class Recapitalisation(Strict):
    """A sovereign backstop: when capital falls below a threshold, or the scheme cannot pay, a top-up."""

    threshold_usd_m: NonNegativeMoney = Field(..., description="Capital below which a backstop is sought.")
    probability: Probability = Field(..., description="Probability the sovereign recapitalises that year.")
    amount_usd_m: PositiveMoney = Field(..., description="Capital injected when it does.")


class Scheme(Strict):
    """An alternative (re)insurance scheme: who founds it, who may join, its capital, limits and reach."""

    name: Name = Field(..., description="Display name of the scheme.")
    founders: list[StateCode] = Field(
        ..., min_length=1, description="States founding the scheme: members from `start_year`."
    )
    start_year: Year = Field(..., description="First policy year the scheme writes cover.")
    correlation: float = Field(0.4, ge=0.0, lt=1.0, description="ρ of the one-factor Gaussian copula.")
    candidates: dict[StateCode, Candidate] = Field(
        default_factory=dict, description="States that may join, keyed by state code."
    )
    capital_usd_m: PositiveMoney = Field(..., description="Initial capital.")
    per_event_limit_usd_m: PositiveMoney = Field(
        ..., description="Limit per event, on the sum of all P&I heads of the claim."
    )
    rate_per_gt_usd: RatePerGT = Field(2.0, description="Annual P&I premium per GT covered.")
    expense_ratio: Probability = Field(0.3, description="Share of premium spent on expenses.")
    reinsurance: SchemeReinsurance | None = Field(None, description="The scheme's reinsurer; none if absent.")
    payment_reliability: Probability = Field(
        0.7, description="Probability the scheme pays a claim from a non-member state."
    )
    uptake: Uptake = Field(..., description="The share of members' carriage the scheme insures.")
    hull_cover: bool = Field(True, description="The scheme also writes hull cover for its members' tonnage.")
    recapitalisation: Recapitalisation | None = Field(
        None,
        description="A sovereign backstop, asked each year the scheme ends below the threshold or cannot pay "
        "its claims; none if absent. A scheme that cannot pay (even with the year's premium) and is not "
        "recapitalised is insolvent: it pays nothing afterwards.",
    )
    certifying_flags: dict[StateCode, Probability] = Field(
        default_factory=dict, description="Flag states that may issue CLC certificates on the scheme's cover."
    )
    port_acceptance: dict[StateCode, Probability] = Field(
        default_factory=dict, description="Destination states that may accept the scheme's certificates."
    )
    class_factor: float | None = Field(
        None,
        ge=0.5,
        le=CLASS_FACTOR_MAX,
        allow_inf_nan=False,
        description="Incident-rate factor of the scheme's tankers (1 = IG standard); none: "
        "world.class_factors.scheme.",
    )
    designation: dict[Bloc, BlocDesignation] | None = Field(
        None,
        description="Yearly designation hazard of this scheme by bloc, replacing "
        "sanctions.scheme_designation.blocs (a bloc left out never designates it); none: those.",
    )


# ------------------------------------------------------------------------------------------- sanctions
class SchemeDesignation(Strict):
    """Designation of a scheme (and its reinsurer) by Western blocs: a yearly hazard per bloc."""

    blocs: dict[Bloc, BlocDesignation] = Field(
        default_factory=lambda: {
            "EU": BlocDesignation(hazard=0.10),
            "UK": BlocDesignation(hazard=0.12),
            "US": BlocDesignation(hazard=0.10),
        },
        description="Designation hazard by bloc.",
    )
    z_loading: float = Field(0.5, ge=0.0, le=3.0, description="Escalation factor Z raises the hazard.")
    size_loading: float = Field(0.1, ge=0.0, le=2.0, description="Hazard grows per member beyond founders.")


class VesselDesignation(Strict):
    """Designation of vessels: the shadow fleet has a share designated at the start, then a yearly hazard;
    Western-insured tonnage on sanctioned trades starts undesignated and the same hazard designates it
    (designated tonnage loses its Western cover)."""

    initial_share: Probability = Field(
        0.6, description="Share of shadow vessel-years already designated at the start (BRS: ~78%)."
    )
    hazard: Probability = Field(
        0.1,
        description="Yearly share of undesignated tonnage designated: of the shadow fleet, and of the "
        "Western-insured tonnage on sanctioned trades (which then moves to the shadow classes).",
    )
    z_loading: float = Field(0.3, ge=0.0, le=3.0, description="Escalation factor Z raises the hazard.")


class Enforcement(Strict):
    """Insurance checks at sea: where, and how likely a detention is."""

    zones: dict[str, Probability] = Field(
        default_factory=dict, description="Inspection intensity by zone (overrides the world default)."
    )
    detention_probability: Probability = Field(
        0.02,
        description="Detention probability a vessel-year in a fully enforcing zone, without accepted cover.",
    )


class Sanctions(Strict):
    """Designations, licences and enforcement."""

    scheme_designation: SchemeDesignation = Field(
        default_factory=SchemeDesignation, description="Designation of schemes by Western blocs."
    )
    vessel_designation: VesselDesignation = Field(
        default_factory=VesselDesignation,
        description="Designation of vessels: the shadow fleet's, and Western-insured tonnage on sanctioned "
        "trades (which then leaves Western cover).",
    )
    licence_probability: Probability = Field(
        0.3, description="Probability a blocked payment is licensed and paid later (a delayed block)."
    )
    enforcement: Enforcement = Field(default_factory=Enforcement, description="Insurance checks at sea.")


class PriceCap(Strict):
    """The oil price cap: which Russian cargoes Western providers may carry."""

    eu_uk_cap_usd: Price = Field(
        44.10, description="EU/UK crude cap in the first policy year, USD/bbl (from Feb 2026)."
    )
    eu_uk_discount: float = Field(
        0.15,
        ge=0.0,
        lt=1.0,
        description="The dynamic EU/UK cap: from the second policy year on, this discount below the trial's "
        "average crude price (15% since Sep 2025).",
    )
    eu_uk_cap_dynamic: bool = Field(
        True, description="false keeps eu_uk_cap_usd in every policy year (no reset by eu_uk_discount)."
    )
    us_cap_usd: Price = Field(60.0, description="US crude cap, USD/bbl.")
    urals_mean_usd: Price = Field(
        51.88,
        description="Year's average Urals price, USD/bbl (default: the average the Feb 2026 EU/UK cap was "
        "set 15% below, 44.10 / 0.85).",
    )
    dispersion: float = Field(0.12, gt=0.0, le=2.0, description="Lognormal σ of cargo prices around it.")
    z_loading: float = Field(0.05, ge=-1.0, le=1.0, description="Log price shift per unit of Z.")
    product_cap_usd: Price = Field(100.0, description="Premium-to-crude products cap, USD/bbl.")
    product_mean_usd: Price = Field(85.0, description="Average Russian product price, USD/bbl.")
    western_fixed_blocs: list[Bloc] = Field(
        default_factory=lambda: ["US"], description="Blocs whose cap binds Western fixed-premium P&I."
    )
    licensed_share_iran_venezuela: Probability = Field(
        0.0, description="Share of Iranian/Venezuelan cargo Western providers may carry under licence."
    )


# ----------------------------------------------------------------------------------------------- perils
#: The user perils' expected events in a trial over the horizon (each peril's mean × the years it applies,
#: summed) at most: a block of 4,096 trials holds all its events at once, about 150 bytes each (3 GB at
#: this bound). A stress, not a claims file.
MAX_PERIL_EVENTS = 5_000


#: Largest coefficient of variation of a peril's yearly count or loss per event: far above any stress, and
#: below the values where a negative binomial's count law or a lognormal's σ leave floating point.
MAX_CV = 100.0
#: Smallest Pareto tail index: a loss is threshold × (1 − u)^(−1/alpha), and for the largest uniform
#: (1 − u = 2^−53) 2^(53/alpha) times a threshold up to `MAX_USD_M` stays finite only for alpha above
#: about 0.053 (at 0.1: 2^530 ≈ 3.5e159).
MIN_PARETO_ALPHA = 0.1
#: A peril's expected events a year (with `MAX_PERIL_EVENTS` over the horizon, all perils together).
EventsPerYear = Annotated[float, Field(le=MAX_PERIL_EVENTS, allow_inf_nan=False)]
CV = Annotated[float, Field(gt=0.0, le=MAX_CV, allow_inf_nan=False)]


class PoissonFrequency(Strict):
    """Poisson number of events a year."""

    distribution: Literal["poisson"] = Field(..., description="`poisson`.")
    mean: EventsPerYear = Field(
        ...,
        ge=0.0,
        description=f"Expected events per year (all perils: at most {MAX_PERIL_EVENTS:,} over the horizon).",
    )


class NegBinFrequency(Strict):
    """Negative binomial number of events a year (over-dispersed: clustered years)."""

    distribution: Literal["negative_binomial"] = Field(..., description="`negative_binomial`.")
    mean: EventsPerYear = Field(
        ...,
        gt=0.0,
        description=f"Expected events per year (all perils: at most {MAX_PERIL_EVENTS:,} over the horizon; "
        f"above 1/cv², so above {1 / MAX_CV**2:g}).",
    )
    cv: CV = Field(
        ...,
        description=f"Coefficient of variation of the yearly count: above 1/√mean, at most {MAX_CV:g}, and "
        f"cv² × mean (a clustered year's events, about) at most {MAX_PERIL_EVENTS:,}.",
    )

    @model_validator(mode="after")
    def _overdispersed(self) -> NegBinFrequency:
        ratio = self.cv * self.cv * self.mean  # the variance over the mean
        if ratio <= 1.0:
            least_mean = f"; with cv at most {MAX_CV:g} the mean must exceed {1 / MAX_CV**2:g}"
            raise ValueError(
                f"a negative_binomial needs cv > 1/√mean = {1.0 / self.mean**0.5:.4g} (variance above the "
                f"mean){least_mean if self.mean * MAX_CV**2 <= 1.0 else ''}; for less dispersion use poisson"
            )
        if ratio > MAX_PERIL_EVENTS:
            raise ValueError(
                f"a negative_binomial needs cv² × mean (its variance over its mean, about the events of a "
                f"clustered year) at most {MAX_PERIL_EVENTS:,}, got {ratio:.4g}: the engine holds a year's "
                f"events at once; give cv at most {(MAX_PERIL_EVENTS / self.mean) ** 0.5:.4g} for this mean"
            )
        return self


class LognormalSeverity(Strict):
    """Lognormal loss per event."""

    distribution: Literal["lognormal"] = Field(..., description="`lognormal`.")
    mean_usd_m: PositiveMoney = Field(..., description="Mean loss per event.")
    cv: CV = Field(..., description=f"Coefficient of variation of the loss (at most {MAX_CV:g}).")


class ParetoSeverity(Strict):
    """Pareto loss per event above a threshold, optionally capped."""

    distribution: Literal["pareto"] = Field(..., description="`pareto`.")
    threshold_usd_m: PositiveMoney = Field(..., description="Smallest loss (the Pareto scale).")
    alpha: float = Field(
        ...,
        ge=MIN_PARETO_ALPHA,
        allow_inf_nan=False,
        description=f"Tail index, at least {MIN_PARETO_ALPHA:g} (below, the largest draws overflow); at or "
        "below 1 the mean is infinite, so a cap is required.",
    )
    cap_usd_m: PositiveMoney | None = Field(
        None, description="Largest loss, above threshold_usd_m; none for no cap (alpha above 1)."
    )

    @model_validator(mode="after")
    def _finite(self) -> ParetoSeverity:
        if self.cap_usd_m is not None and self.cap_usd_m <= self.threshold_usd_m:
            raise ValueError(
                f"cap_usd_m ({self.cap_usd_m:g}) must exceed threshold_usd_m ({self.threshold_usd_m:g})"
            )
        if self.cap_usd_m is None and self.alpha <= 1.0:
            raise ValueError(
                f"alpha {self.alpha:g} ≤ 1 has an infinite mean loss: give cap_usd_m, or alpha above 1"
            )
        return self


class FixedSeverity(Strict):
    """The same loss for every event."""

    distribution: Literal["fixed"] = Field(..., description="`fixed`.")
    value_usd_m: PositiveMoney = Field(..., description="Loss of every event.")


class Peril(Strict):
    """A user-defined stress: a frequency and a severity, its losses routed to one cession source."""

    description: str = Field("", description="What the stress is, for the reader.")
    frequency: Annotated[
        PoissonFrequency | NegBinFrequency,
        Field(discriminator="distribution", description="Number of events a year."),
    ]
    severity: Annotated[
        LognormalSeverity | ParetoSeverity | FixedSeverity,
        Field(discriminator="distribution", description="Loss per event (USD m)."),
    ]
    source: str | None = Field(
        None,
        description="Payer column the losses land in (default: its own source `peril:<id>`). On a "
        "scheme's column (`scheme:`, `scheme_reinsurance:`, `hm_scheme:<id>`) the losses follow the "
        "scheme: unpaid once it is insolvent, flagged for the blocs that designated it.",
    )
    years: list[Year] | None = Field(
        None, min_length=1, description="Policy years in which it applies (default: all)."
    )


# -------------------------------------------------------------------------------------------- portfolio
class ShareBy(Strict):
    """The cedant's share of a source by fleet segment, zone or flag state of the event."""

    by: Literal["segment", "zone", "flag"] = Field(
        ..., description="The event attribute the shares are keyed by."
    )
    shares: dict[str, Probability] = Field(
        ..., min_length=1, description="Share per fleet segment, zone code or flag state code."
    )
    default: Probability = Field(0.0, description="Share for keys not listed.")


class FixedPremium(Strict):
    """A fixed annual premium."""

    fixed_usd_m: NonNegativeMoney = Field(..., description="Annual premium.")


class RatedPremium(Strict):
    """A premium that moves with a premium base the model computes per trial and year."""

    rate_on_base: Rate = Field(..., description="Premium as a share of the premium base.")
    base: str = Field(
        ..., description="Premium base: ig_gxl_premium, hm_western_premium or scheme_premium:<id>."
    )


class Reinstatement(Strict):
    """One reinstatement of the limit."""

    rate: Rate = Field(..., description="Premium rate for this reinstatement (1.0 = 100%).")


class Contract(Strict):
    """A reinsurance contract: the source(s) it protects, the cedant's share, and its terms."""

    description: str = Field("", description="What the contract protects, for the reader.")
    source: str | list[str] = Field(..., description="Cession source(s): payer columns (MODEL.md 8).")
    cedant_share: Probability | ShareBy = Field(1.0, description="The cedant's share of the source.")
    type: Literal["xol", "stop_loss", "quota_share"] = Field(
        ...,
        description="xol: per-occurrence excess of loss; stop_loss: annual aggregate; quota_share: a share.",
    )
    participation: Probability = Field(1.0, description="The reinsurer's share of the contract.")
    quota: Annotated[float, Field(gt=0.0, le=1.0, allow_inf_nan=False)] | None = Field(
        None,
        description="quota_share only: the share of each loss the cedant cedes to the treaty, of which "
        "participation is this reinsurer's line (a 10% line on a 40% quota share: quota 0.4, participation "
        "0.1). An excess inuring to it deducts the whole treaty's cession. Without it the treaty is the "
        "reinsurer's alone: participation is the quota, and an inuring deduction is that share.",
    )
    attachment_usd_m: NonNegativeMoney = Field(
        0.0,
        description="Where the layer starts: per occurrence for an xol, on the year's aggregate for a "
        "stop_loss (`50 xs 10`: attachment 10).",
    )
    limit_usd_m: PositiveMoney | None = Field(
        None,
        description="The layer's width above the attachment, not its top: the most it pays per occurrence "
        "for an xol, a year for a stop_loss (`50 xs 10`: limit 50, covering a loss from 10 to 60); for a "
        "quota_share an optional limit per event. At 100% of the contract: the reinsurer's part is "
        "participation × limit.",
    )
    aad_usd_m: NonNegativeMoney = Field(0.0, description="Annual aggregate deductible.")
    aggregate_limit_usd_m: PositiveMoney | None = Field(
        None,
        description="Annual aggregate limit; default for an xol (reinstatements + 1) × limit (the limit once "
        "a year without reinstatements), for a quota_share unlimited. With reinstatements it may not exceed "
        "(reinstatements + 1) × limit; without, a larger one reinstates the limit free up to it.",
    )
    reinstatements: list[Reinstatement] = Field(
        default_factory=list,
        description="Reinstatements of the limit (xol only), in order, each with its premium rate.",
    )
    premium: FixedPremium | RatedPremium = Field(
        default_factory=lambda: FixedPremium(fixed_usd_m=0.0),
        description="A fixed premium, or a rate on a premium base.",
    )
    inures: list[Identifier] = Field(
        default_factory=list, description="Quota shares of this portfolio whose cessions apply first."
    )
    sanctions_clause: bool = Field(True, description="LMA 3100-type clause at the reinsurance link.")

    @model_validator(mode="after")
    def _terms(self) -> Contract:
        if self.type in ("xol", "stop_loss") and self.limit_usd_m is None:
            raise ValueError(f"a {self.type} contract needs limit_usd_m")
        if self.reinstatements and self.type != "xol":
            raise ValueError(f"reinstatements apply to an xol only, not a {self.type}")
        if self.quota is not None and self.type != "quota_share":
            raise ValueError(f"quota applies to a quota_share only, not a {self.type}")
        if self.reinstatements and self.limit_usd_m is None:
            raise ValueError("reinstatements need a finite limit_usd_m")
        if self.type == "quota_share" and self.attachment_usd_m:
            raise ValueError("a quota_share has no attachment_usd_m")
        if self.type == "stop_loss" and (self.aad_usd_m or self.aggregate_limit_usd_m is not None):
            extra = "aad_usd_m" if self.aad_usd_m else "aggregate_limit_usd_m"
            raise ValueError(
                f"a stop_loss takes its annual retention and limit as attachment_usd_m and limit_usd_m: "
                f"remove {extra}"
            )
        if (
            self.aggregate_limit_usd_m is not None
            and self.limit_usd_m is not None
            and self.aggregate_limit_usd_m > (len(self.reinstatements) + 1) * self.limit_usd_m + 1e-9
            and self.reinstatements
        ):
            raise ValueError(
                "aggregate_limit_usd_m exceeds (reinstatements + 1) × limit_usd_m "
                f"= {(len(self.reinstatements) + 1) * self.limit_usd_m:g}"
            )
        return self

    @property
    def sources(self) -> tuple[str, ...]:
        return (self.source,) if isinstance(self.source, str) else tuple(self.source)


#: Key paths whose null in a file is an error rather than "absent" (path from the document's top → what to
#: write instead): their default is not the "nothing" a null suggests, so the loader keeps the null for
#: the schema to reject. A portfolio's bloc, in a portfolio file or in a scenario's `portfolio:`; a scheme,
#: contract or peril whose id happens to be `bloc` is removed by null as any other.
_NO_BLOC = "write none for no bloc (a portfolio without a bloc is EU's)"
NULL_NOT_ALLOWED: dict[tuple[str, ...], str] = {("bloc",): _NO_BLOC, ("portfolio", "bloc"): _NO_BLOC}


class Portfolio(Strict):
    """A reinsurer's contracts, keyed by id."""

    name: Name = Field(..., description="Name of the portfolio (the reinsurer's book).")
    description: str = Field("", description="What the book is, for the reader.")
    bloc: Bloc | Literal["none"] = Field(
        "EU", description="Sanctions bloc the reinsurer answers to; `none` for none (null is an error)."
    )
    contracts: dict[Identifier, Contract] = Field(default_factory=dict, description="Contracts keyed by id.")

    @field_validator("bloc", mode="before")
    @classmethod
    def _no_null_bloc(cls, v: object) -> object:
        if v is None:
            raise ValueError(_NO_BLOC)
        return v


# ------------------------------------------------------------------------------------------------ fleet
class FleetOverride(Strict):
    """A fleet list that replaces the world-average fleet (issue 8): the engine uses its vessels by trade,
    segment, age and P&I class. A ship listed under several covers (cedants, contracts) counts once, by
    its first row; a note names ships whose rows describe them differently."""

    path: str = Field(..., min_length=1, description="Fleet list (.csv or .xlsx), relative to this file.")
    cedant: str | None = Field(None, description="Use only this cedant's vessels (default: all).")


# --------------------------------------------------------------------------------------------- scenario
class Scenario(Strict):
    """A scenario: the world's schemes, sanctions and enforcement, the perils, and the portfolio to run."""

    name: Name = Field(..., description="Name of the scenario, shown in reports.")
    description: str = Field("", description="The story of the scenario, for the reader.")
    extends: str | None = Field(
        None, description="Parent scenario file: a path relative to this file, or an absolute path."
    )
    baseline: str | None = Field(
        None, description="Scenario to compare against (a file relative to this one); default: `extends`."
    )
    horizon: Horizon = Field(default_factory=Horizon, description="The policy years simulated.")
    simulation: Simulation = Field(default_factory=Simulation, description="Trials, seed and chunking.")
    world: WorldOverrides = Field(default_factory=WorldOverrides, description="Overrides of the world data.")
    schemes: dict[Identifier, Scheme] = Field(
        default_factory=dict, description="Alternative insurance schemes keyed by id (none: status quo)."
    )
    sanctions: Sanctions = Field(default_factory=Sanctions, description="Designations and enforcement.")
    price_cap: PriceCap = Field(default_factory=PriceCap, description="The oil price cap.")
    perils: dict[Identifier, Peril] = Field(
        default_factory=dict, description="User-defined stress perils keyed by id."
    )
    fleet: FleetOverride | None = Field(
        None, description="A fleet list to simulate instead of the world-average fleet."
    )
    portfolio: Portfolio | None = Field(
        None, description="Inline portfolio, or a path resolved by the loader."
    )

    # Not fields (neither in the schema, a dump nor `scenario_hash`): set by the loader, kept by
    # `model_copy`, `copy.deepcopy`, pickling (a process pool's or Dask's workers get the World too) and
    # `with_overrides`. Read them through `riskmodel.scenario.loader.scenario_world`.
    #: The World the loader validated the scenario against (`load_scenario(path, world=w)`), which
    #: `simulate` runs on unless given another; None: the package's world data.
    _world: World | None = PrivateAttr(default=None)
    #: The `world_fingerprint` of the world data the loader checked the scenario's codes against (the
    #: package's, or `_world` as it then was); None when never checked against a World (a Scenario built
    #: directly, or validated against bare `WorldCodes`): a run checks it on its world first.
    _checked_on: str | None = PrivateAttr(default=None)

    def __eq__(self, other: object) -> bool:
        """Equal type and fields. The private attributes above are not the scenario (pydantic's own
        `__eq__` compares them): a scenario loaded with `world=w` equals the same file loaded without it,
        and a copy or a pickled round trip equals its original. The hash is pydantic's, of the fields."""
        if not isinstance(other, BaseModel):
            return NotImplemented
        return type(self) is type(other) and all(
            getattr(self, name) == getattr(other, name) for name in type(self).model_fields
        )

    def peril_source(self, peril_id: str) -> str:
        peril = self.perils[peril_id]
        return peril.source or f"peril:{peril_id}"
