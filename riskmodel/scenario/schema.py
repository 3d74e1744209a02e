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
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

#: Upper bound of every provider-class operating factor. The candidate event set is drawn at the rate of
#: this factor, so scenarios can only thin it: raising the bound changes the event set of every scenario.
CLASS_FACTOR_MAX = 3.0
#: Trials per random-number block: fixed for ever, so chunking never changes a draw.
BLOCK_TRIALS = 4096

Probability = Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)]
PositiveMoney = Annotated[float, Field(gt=0.0, allow_inf_nan=False)]
NonNegativeMoney = Annotated[float, Field(ge=0.0, allow_inf_nan=False)]
Year = Annotated[int, Field(ge=1990, le=2100)]
StateCode = Annotated[str, Field(pattern=r"^[A-Z]{3}$", description="ISO 3166-1 alpha-3 state code")]
Identifier = Annotated[str, Field(pattern=r"^[A-Za-z0-9_][A-Za-z0-9_\-]*$", max_length=64)]
Bloc = Literal["EU", "UK", "US"]
PIClass = Literal["ig", "western_fixed", "domestic", "none"]


class Strict(BaseModel):
    """Base of every file-format model: unknown keys are errors, objects are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)


# --------------------------------------------------------------------------------------------- horizon
class Horizon(Strict):
    start_year: Year = Field(2026, description="First policy year (P&I years start 20 February).")
    years: int = Field(5, ge=1, le=30, description="Number of policy years simulated per trial.")

    @property
    def last_year(self) -> int:
        return self.start_year + self.years - 1


class Simulation(Strict):
    trials: int = Field(10_000, ge=1, le=100_000_000, description="Simulated paths of the horizon.")
    seed: int = Field(20250507, ge=0, le=2**63 - 1, description="Seed of every random stream.")
    chunk_trials: int = Field(
        2 * BLOCK_TRIALS,
        ge=BLOCK_TRIALS,
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

    ig: float = Field(1.0, ge=0.5, le=CLASS_FACTOR_MAX, allow_inf_nan=False)
    western_fixed: float = Field(1.2, ge=0.5, le=CLASS_FACTOR_MAX, allow_inf_nan=False)
    domestic: float = Field(1.8, ge=0.5, le=CLASS_FACTOR_MAX, allow_inf_nan=False)
    none: float = Field(2.2, ge=0.5, le=CLASS_FACTOR_MAX, allow_inf_nan=False)
    scheme: float = Field(1.8, ge=0.5, le=CLASS_FACTOR_MAX, allow_inf_nan=False)


class ConventionOverride(Strict):
    """Convention memberships of one state, overriding the world data (None keeps the world value)."""

    clc92: bool | None = None
    fund92: bool | None = None
    supp: bool | None = None
    opa: bool | None = None


class WorldOverrides(Strict):
    sdr_usd: float = Field(1.366, gt=0.5, lt=3.0, description="USD per SDR (IMF, Oct 2025: 1.3657).")
    class_factors: ClassFactors = Field(default_factory=ClassFactors)
    gxl_elasticity: float = Field(
        0.3, ge=0.0, le=2.0, description="Elasticity of the IG GXL programme cost to entered tonnage."
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
    domestic_capacity_usd_m: PositiveMoney = Field(
        400.0, description="Annual capacity of domestic insurers of sanctioned states (all claims)."
    )
    conventions: dict[StateCode, ConventionOverride] = Field(
        default_factory=dict, description="Per-state convention membership overrides."
    )


# --------------------------------------------------------------------------------------------- schemes
class Candidate(Strict):
    p_join: Probability | None = Field(None, description="Probability of having joined by `by_year`.")
    by_year: Year | None = Field(None, description="Year by which `p_join` applies.")
    earliest_year: Year | None = Field(None, description="First year the state can join (default: start).")
    schedule: dict[Year, Probability] | None = Field(
        None, description="Explicit cumulative join probability by year, instead of p_join/by_year."
    )
    conditions: list[StateCode] = Field(
        default_factory=list, description="States that must already be members before this one joins."
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
    reinsurer: str = Field(..., min_length=1, description="Name of the scheme's reinsurer (e.g. RNRC).")
    quota_share: Probability = Field(..., description="Share of each retained claim ceded to the reinsurer.")
    capacity_usd_m: PositiveMoney = Field(..., description="Reinsurer's annual aggregate capacity.")


class Uptake(Strict):
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


class Recapitalisation(Strict):
    threshold_usd_m: NonNegativeMoney = Field(..., description="Capital below which a backstop is sought.")
    probability: Probability = Field(..., description="Probability the sovereign recapitalises that year.")
    amount_usd_m: PositiveMoney = Field(..., description="Capital injected when it does.")


class Scheme(Strict):
    name: str = Field(..., min_length=1)
    founders: list[StateCode] = Field(..., min_length=1)
    start_year: Year
    correlation: float = Field(0.4, ge=0.0, lt=1.0, description="ρ of the one-factor Gaussian copula.")
    candidates: dict[StateCode, Candidate] = Field(default_factory=dict)
    capital_usd_m: PositiveMoney
    per_event_limit_usd_m: PositiveMoney
    rate_per_gt_usd: NonNegativeMoney = Field(2.0, description="Annual P&I premium per GT covered.")
    expense_ratio: Probability = Field(0.3, description="Share of premium spent on expenses.")
    reinsurance: SchemeReinsurance | None = None
    payment_reliability: Probability = Field(
        0.7, description="Probability the scheme pays a claim from a non-member state."
    )
    uptake: Uptake
    hull_cover: bool = Field(True, description="The scheme also writes hull cover for its members' tonnage.")
    recapitalisation: Recapitalisation | None = None
    certifying_flags: dict[StateCode, Probability] = Field(
        default_factory=dict, description="Flag states that may issue CLC certificates on the scheme's cover."
    )
    port_acceptance: dict[StateCode, Probability] = Field(
        default_factory=dict, description="Destination states that may accept the scheme's certificates."
    )


# ------------------------------------------------------------------------------------------- sanctions
class BlocDesignation(Strict):
    hazard: Probability = Field(..., description="Yearly probability the bloc designates the scheme.")


class SchemeDesignation(Strict):
    blocs: dict[Bloc, BlocDesignation] = Field(
        default_factory=lambda: {
            "EU": BlocDesignation(hazard=0.10),
            "UK": BlocDesignation(hazard=0.12),
            "US": BlocDesignation(hazard=0.10),
        }
    )
    z_loading: float = Field(0.5, ge=0.0, le=3.0, description="Escalation factor Z raises the hazard.")
    size_loading: float = Field(0.1, ge=0.0, le=2.0, description="Hazard grows per member beyond founders.")


class VesselDesignation(Strict):
    initial_share: Probability = Field(
        0.6, description="Share of shadow vessel-years already designated at the start (BRS: ~78%)."
    )
    hazard: Probability = Field(0.1, description="Yearly share of undesignated shadow tonnage designated.")
    z_loading: float = Field(0.3, ge=0.0, le=3.0)


class Enforcement(Strict):
    zones: dict[str, Probability] = Field(
        default_factory=dict, description="Inspection intensity by zone (overrides the world default)."
    )
    detention_probability: Probability = Field(
        0.02,
        description="Detention probability a vessel-year in a fully enforcing zone, without accepted cover.",
    )


class Sanctions(Strict):
    scheme_designation: SchemeDesignation = Field(default_factory=SchemeDesignation)
    vessel_designation: VesselDesignation = Field(default_factory=VesselDesignation)
    licence_probability: Probability = Field(
        0.3, description="Probability a blocked payment is licensed and paid later (a delayed block)."
    )
    enforcement: Enforcement = Field(default_factory=Enforcement)


class PriceCap(Strict):
    eu_uk_cap_usd: PositiveMoney = Field(44.10, description="EU/UK crude cap, USD/bbl (from Feb 2026).")
    us_cap_usd: PositiveMoney = Field(60.0, description="US crude cap, USD/bbl.")
    urals_mean_usd: PositiveMoney = Field(58.0, description="Year's average Urals price, USD/bbl.")
    dispersion: float = Field(0.12, gt=0.0, le=2.0, description="Lognormal σ of cargo prices around it.")
    z_loading: float = Field(0.05, ge=-1.0, le=1.0, description="Log price shift per unit of Z.")
    product_cap_usd: PositiveMoney = Field(100.0, description="Premium-to-crude products cap, USD/bbl.")
    product_mean_usd: PositiveMoney = Field(85.0, description="Average Russian product price, USD/bbl.")
    western_fixed_blocs: list[Bloc] = Field(
        default_factory=lambda: ["US"], description="Blocs whose cap binds Western fixed-premium P&I."
    )
    licensed_share_iran_venezuela: Probability = Field(
        0.0, description="Share of Iranian/Venezuelan cargo Western providers may carry under licence."
    )


# ----------------------------------------------------------------------------------------------- perils
class PoissonFrequency(Strict):
    distribution: Literal["poisson"]
    mean: NonNegativeMoney = Field(..., description="Expected events per year.")


class NegBinFrequency(Strict):
    distribution: Literal["negative_binomial"]
    mean: NonNegativeMoney
    cv: PositiveMoney = Field(..., description="Coefficient of variation of the yearly count (> 1/√mean).")


class LognormalSeverity(Strict):
    distribution: Literal["lognormal"]
    mean_usd_m: PositiveMoney
    cv: PositiveMoney


class ParetoSeverity(Strict):
    distribution: Literal["pareto"]
    threshold_usd_m: PositiveMoney
    alpha: PositiveMoney
    cap_usd_m: PositiveMoney | None = None


class FixedSeverity(Strict):
    distribution: Literal["fixed"]
    value_usd_m: PositiveMoney


class Peril(Strict):
    description: str = ""
    frequency: Annotated[PoissonFrequency | NegBinFrequency, Field(discriminator="distribution")]
    severity: Annotated[
        LognormalSeverity | ParetoSeverity | FixedSeverity, Field(discriminator="distribution")
    ]
    source: str | None = Field(
        None, description="Payer column the losses land in (default: its own source `peril:<id>`)."
    )
    years: list[Year] | None = Field(None, description="Policy years in which it applies (default: all).")


# -------------------------------------------------------------------------------------------- portfolio
class ShareBy(Strict):
    by: Literal["segment", "zone", "flag"]
    shares: dict[str, Probability] = Field(..., min_length=1)
    default: Probability = Field(0.0, description="Share for keys not listed.")


class FixedPremium(Strict):
    fixed_usd_m: NonNegativeMoney


class RatedPremium(Strict):
    rate_on_base: NonNegativeMoney = Field(..., description="Premium as a share of the premium base.")
    base: str = Field(
        ..., description="Premium base: ig_gxl_premium, hm_western_premium or scheme_premium:<id>."
    )


class Reinstatement(Strict):
    rate: NonNegativeMoney = Field(..., description="Premium rate for this reinstatement (1.0 = 100%).")


class Contract(Strict):
    description: str = ""
    source: str | list[str] = Field(..., description="Cession source(s): payer columns (MODEL.md 8).")
    cedant_share: Probability | ShareBy = Field(1.0, description="The cedant's share of the source.")
    type: Literal["xol", "stop_loss", "quota_share"]
    participation: Probability = Field(1.0, description="The reinsurer's share of the contract.")
    attachment_usd_m: NonNegativeMoney = 0.0
    limit_usd_m: PositiveMoney | None = Field(None, description="Per-occurrence (or aggregate) limit.")
    aad_usd_m: NonNegativeMoney = Field(0.0, description="Annual aggregate deductible.")
    aggregate_limit_usd_m: PositiveMoney | None = Field(
        None, description="Annual aggregate limit; default (reinstatements + 1) × limit."
    )
    reinstatements: list[Reinstatement] = Field(default_factory=list)
    premium: FixedPremium | RatedPremium = Field(default_factory=lambda: FixedPremium(fixed_usd_m=0.0))
    inures: list[Identifier] = Field(
        default_factory=list, description="Quota shares of this portfolio whose cessions apply first."
    )
    sanctions_clause: bool = Field(True, description="LMA 3100-type clause at the reinsurance link.")

    @model_validator(mode="after")
    def _terms(self) -> Contract:
        if self.type in ("xol", "stop_loss") and self.limit_usd_m is None:
            raise ValueError(f"a {self.type} contract needs limit_usd_m")
        if self.reinstatements and self.limit_usd_m is None:
            raise ValueError("reinstatements need a finite limit_usd_m")
        if self.type == "quota_share" and self.attachment_usd_m:
            raise ValueError("a quota_share has no attachment_usd_m")
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


class Portfolio(Strict):
    name: str = Field(..., min_length=1)
    description: str = ""
    bloc: Bloc | Literal["none"] = Field("EU", description="Sanctions bloc the reinsurer answers to.")
    contracts: dict[Identifier, Contract] = Field(default_factory=dict)


# --------------------------------------------------------------------------------------------- scenario
class Scenario(Strict):
    name: str = Field(..., min_length=1)
    description: str = ""
    extends: str | None = Field(None, description="Parent scenario file, relative to this file.")
    baseline: str | None = Field(
        None, description="Scenario to compare against (a file relative to this one); default: `extends`."
    )
    horizon: Horizon = Field(default_factory=Horizon)
    simulation: Simulation = Field(default_factory=Simulation)
    world: WorldOverrides = Field(default_factory=WorldOverrides)
    schemes: dict[Identifier, Scheme] = Field(default_factory=dict)
    sanctions: Sanctions = Field(default_factory=Sanctions)
    price_cap: PriceCap = Field(default_factory=PriceCap)
    perils: dict[Identifier, Peril] = Field(default_factory=dict)
    portfolio: Portfolio | None = Field(
        None, description="Inline portfolio, or a path resolved by the loader."
    )

    def peril_source(self, peril_id: str) -> str:
        peril = self.perils[peril_id]
        return peril.source or f"peril:{peril_id}"
