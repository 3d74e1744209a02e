"""Payer columns: who pays for an event, and the cession sources a contract can name.

In: nothing. Out: the fixed payer column names (MODEL.md section 8), the patterns of the per-scheme and
per-peril columns, `is_valid_source`, the one check of a contract's source, and `is_at_risk_source`, the
one place that says which sources cover sanctioned or at-risk tonnage.
Every amount of an event lands in exactly one of these columns; the columns of an event sum to its damage.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from riskmodel.results import Results

#: The IG tower's columns, bottom up: the entering club's retention, then (beyond it) the pool, Hydra's
#: share of layer 1 and the open-market GXL layers, and the collective overspill.
IG_TOWER_PAYERS: tuple[str, ...] = (
    "ig_club_retention",
    "ig_pool",
    "ig_hydra",
    "ig_gxl_layer1",
    "ig_gxl_layer2",
    "ig_gxl_layer3",
    "ig_overspill",
)

FIXED_PAYERS: tuple[str, ...] = (
    "owner",
    *IG_TOWER_PAYERS,
    "western_fixed_pi",
    "hm_tanker_western",
    "hm_domestic",
    "counterparty_hm",
    "energy_property",
    "war_hull",
    "war_pi",
    "domestic",
    "fund_1992",
    "fund_supplementary",
    "osltf",
    "uncompensated",
)

#: What each payer column is, in a line: the one description of every column and column pattern, read by
#: the report's glossary (`payer_glossary`). The money of every column is the whole market's, at 100%.
PAYER_DESCRIPTIONS: dict[str, str] = {
    "owner": "the tanker's owner: the hull and the P&I it has no insurer for (uninsured tankers pay 5% of "
    "their P&I obligation)",
    "ig_club_retention": "the International Group club that entered the ship: the first USD 10m of each "
    "claim, of IG-entered tankers (their STOPIA and TOPIA indemnities included) and of the other IG-entered "
    "ships (the non-tanker background claims)",
    "ig_pool": "the International Group's pool, shared by the clubs: USD 10m to 100m of a claim, tankers' "
    "and the non-tanker background's alike (so are the GXL layers, Hydra and the overspill)",
    "ig_hydra": "Hydra, the clubs' own captive: its private placements of GXL layer 1, with the layer's "
    "annual aggregate deductible",
    "ig_gxl_layer1": "the open market's share of the International Group's general excess of loss (GXL) "
    "layer 1 (650 xs 100), after Hydra's deductible",
    "ig_gxl_layer2": "the open market's share of the IG GXL layer 2 (750 xs 750)",
    "ig_gxl_layer3": "the open market's share of the IG GXL layer 3 (from 1,500)",
    "ig_overspill": "the IG clubs' collective overspill cover above the GXL, up to USD 1bn more",
    "western_fixed_pi": "Western fixed-premium P&I insurers (outside the International Group)",
    "hm_tanker_western": "the tanker's Western hull and machinery insurers (paired with IG or fixed-premium "
    "P&I)",
    "hm_domestic": "the hull insurers of tankers with domestic P&I",
    "counterparty_hm": "the other ship's hull insurers in a collision, net of what they recover",
    "energy_property": "the property insurers of infrastructure a tanker damages (terminals, pipelines)",
    "war_hull": "war-risk hull insurers (Western classes)",
    "war_pi": "war-risk P&I insurers (Western classes: the IG excess war P&I or its buy-back)",
    "domestic": "domestic P&I insurers of sanctioned states (Russian insurers and the like)",
    "fund_1992": "the 1992 IOPC Fund: pollution damage above the CLC limit, up to 203m SDR, in its states",
    "fund_supplementary": "the IOPC Supplementary Fund: pollution damage from 203m to 750m SDR, in its "
    "states",
    "osltf": "the US Oil Spill Liability Trust Fund: pollution in US waters above the OPA limit the "
    "insurer pays, up to USD 1bn",
    "uncompensated": "damage no one pays: above every limit and fund, refused, blocked for good or left by "
    "an insolvent insurer; it stays with the claimants",
    "scheme:{id}": "an alternative P&I scheme's retained share of its members' claims, up to its capital",
    "scheme_reinsurance:{id}": "that scheme's reinsurer's quota share, up to its annual capacity",
    "hm_scheme:{id}": "that scheme's hull cover, when it writes one",
    "peril:{id}": "a user peril's losses, a stress the scenario adds (or the column the peril names)",
}

#: The words beside the payers in a glossary: STOPIA and TOPIA, which the IG's columns hold.
PAYER_TERMS: dict[str, str] = {
    "STOPIA / TOPIA": "the IG owners' voluntary indemnities to the 1992 Fund (small tankers, STOPIA 2006) "
    "and to the Supplementary Fund (half of its payments, TOPIA 2006), insured by its club: part of the "
    "club's claim through the IG tower (club retention, pool, GXL), the Funds net of them",
}

#: Per-scheme and per-peril column patterns; `{id}` is the scheme's or peril's id in the scenario.
SCHEME_PAYER_PATTERNS: tuple[str, ...] = ("scheme:{id}", "scheme_reinsurance:{id}", "hm_scheme:{id}")
PERIL_PAYER_PATTERN = "peril:{id}"

#: Payer columns that, on a tanker's event, pay parties other than the tanker's owner and its insurers: the
#: IG tower (a designated or scheme-covered tanker is never IG-entered, so on a flagged event these answer
#: for an IG-entered counterparty), the other ship's hull insurer, the infrastructure owner's property
#: insurer, and the compensation funds and the uncompensated. A sanctions flag on the tanker does not reach
#: them (`EventLossTable.unflagged_sources`): a clause blocks payments to or for a sanctioned party only.
THIRD_PARTY_SOURCES: frozenset[str] = frozenset(
    (
        *IG_TOWER_PAYERS,
        "counterparty_hm",
        "energy_property",
        "fund_1992",
        "fund_supplementary",
        "osltf",
        "uncompensated",
    )
)

#: IG tower columns a claim reaches only beyond the club retention: the pool and the layers above it.
TOWER_SOURCES_ABOVE_RETENTION: tuple[str, ...] = IG_TOWER_PAYERS[1:]

#: Kinds of source whose cover is sanctioned or at risk by construction (MODEL.md section 5): an alternative
#: scheme, its reinsurer and its hull cover, and the domestic insurers of sanctioned states.
AT_RISK_KINDS: frozenset[str] = frozenset({"scheme", "scheme_reinsurance", "hm_scheme", "domestic"})

_ID = r"[A-Za-z0-9_][A-Za-z0-9_\-]*"
_PATTERN = re.compile(rf"^(scheme|scheme_reinsurance|hm_scheme|peril):({_ID})$")


def payer_description(name: str) -> str:
    """The line of `PAYER_DESCRIPTIONS` for a payer column: a fixed column's, or its pattern's for a
    scheme's or peril's column; "" for a name that is neither.

    >>> payer_description("scheme_reinsurance:rv_pool")
    "that scheme's reinsurer's quota share, up to its annual capacity"
    """
    kind, ident = split_source(name)
    return PAYER_DESCRIPTIONS.get(name if ident is None else f"{kind}:{{id}}", "")


def scheme_payers(scheme_id: str) -> tuple[str, ...]:
    """The payer columns a scheme adds: its retained share, its reinsurer's share, its hull cover."""
    return tuple(p.format(id=scheme_id) for p in SCHEME_PAYER_PATTERNS)


def scheme_of(name: str) -> str | None:
    """The scheme whose column `name` is (`scheme:`, `scheme_reinsurance:`, `hm_scheme:<id>`), else None.

    >>> scheme_of("scheme_reinsurance:rv_pool"), scheme_of("peril:storm"), scheme_of("ig_pool")
    ('rv_pool', None, None)
    """
    kind, ident = split_source(name)
    return ident if kind != "peril" else None


def peril_payer(peril_id: str) -> str:
    """The payer column of a user-defined peril."""
    return PERIL_PAYER_PATTERN.format(id=peril_id)


def split_source(name: str) -> tuple[str, str | None]:
    """`"scheme:rv_pool"` -> `("scheme", "rv_pool")`; `"ig_pool"` -> `("ig_pool", None)`."""
    m = _PATTERN.match(name)
    if m:
        return m.group(1), m.group(2)
    return name, None


def is_valid_source(name: str) -> bool:
    """True for a fixed payer column or a well-formed per-scheme / per-peril column.

    >>> is_valid_source("ig_gxl_layer1"), is_valid_source("scheme:rv_pool"), is_valid_source("ig_gxl4")
    (True, True, False)
    """
    return name in FIXED_PAYERS or bool(_PATTERN.match(name))


def present_sources(
    world_model: bool, schemes: Mapping[str, bool], peril_sources: Iterable[str]
) -> frozenset[str]:
    """The payer columns a scenario produces: with the world model, the fixed ones and each scheme's
    (`schemes`: id → whether it writes hull cover, without which it has no `hm_scheme:` column); and each
    peril's (its own `peril:<id>`, or the column it names). A contract on none of them is not written in
    that scenario: it cedes nothing and earns no premium.

    >>> sorted(c for c in present_sources(True, {"rv": False}, []) if c.endswith(":rv"))
    ['scheme:rv', 'scheme_reinsurance:rv']
    >>> sorted(present_sources(False, {"rv": True}, ["peril:storm", "scheme:rv"]))
    ['peril:storm', 'scheme:rv']
    """
    out = set(peril_sources)
    if world_model:
        out |= set(FIXED_PAYERS)
        for sid, hull_cover in schemes.items():
            out |= {c for c in scheme_payers(sid) if hull_cover or not c.startswith("hm_scheme:")}
    return frozenset(out)


def listed_payees(reinsurer_listings: Mapping[str, Iterable[str]]) -> dict[str, frozenset[str]]:
    """The payer columns whose payee a bloc lists whatever the event: each scheme's reinsurer's share
    (`scheme_reinsurance:<id>`) for the blocs that sanction that reinsurer (`reinsurer_listings`: scheme
    id → blocs, a scheme's `reinsurance.listed_by`). Bloc → columns; a bloc listing none is left out.

    >>> listed_payees({"rv": ["EU", "UK"], "other": []})
    {'EU': frozenset({'scheme_reinsurance:rv'}), 'UK': frozenset({'scheme_reinsurance:rv'})}
    """
    out: dict[str, set[str]] = {}
    for sid, blocs in reinsurer_listings.items():
        for bloc in blocs:
            out.setdefault(bloc, set()).add(f"scheme_reinsurance:{sid}")
    return {bloc: frozenset(columns) for bloc, columns in sorted(out.items())}


def present_premium_bases(world_model: bool, scheme_ids: Iterable[str]) -> frozenset[str]:
    """The premium (and tonnage) bases a scenario produces: its market stage's, so none without the
    world model. A contract rated on another base earns no premium there."""
    if not world_model:
        return frozenset()
    out = {"ig_gxl_premium", "hm_western_premium", "ig_entered_gt"}
    for sid in scheme_ids:
        out |= {f"scheme_premium:{sid}", f"scheme_gt:{sid}"}
    return frozenset(out)


def is_at_risk_source(name: str) -> bool:
    """True for a source whose cover is sanctioned or at risk by construction (`AT_RISK_KINDS`).

    >>> [is_at_risk_source(s) for s in ("scheme_reinsurance:rv_pool", "domestic", "ig_pool")]
    [True, True, False]
    """
    return split_source(name)[0] in AT_RISK_KINDS


def all_source_names_hint() -> str:
    """Human-readable list of allowed sources, for error messages."""
    return ", ".join(FIXED_PAYERS) + ", scheme:<id>, scheme_reinsurance:<id>, hm_scheme:<id>, peril:<id>"


def perils_sentence(scenario: Mapping[str, Any], results: Results | None = None) -> str:
    """The page's sentence on a scenario's user perils (its manifest's resolved ``scenario``): each peril's
    payer column, and that it moves no other payer; "" for a scenario without perils. Without the
    scenario's terms, the perils are those of the run's own ``peril:<id>`` columns.

    A user peril adds its losses to one payer column (`riskmodel.payers.peril_payer` unless it names
    another, docs/scenarios.md) after the world model has run: the scheme's retained claims, capital and
    solvency, the Funds, the owners and the claimants are what they would be without it (a reviewer read
    a scheme's reinsurer paying twice the scheme's retention under a 50% quota share, the scheme's
    capital unchanged, with nothing on the page to say why). A peril on the column of a scheme already
    insolvent goes unpaid, to the uncompensated damage.

    >>> perils_sentence({"perils": {"spill": {"source": "scheme_reinsurance:rv_pool"}, "storm": {}}})[:93]
    'User perils (stresses of the scenario): spill lands on scheme_reinsurance:rv_pool only, storm'
    >>> on_retained = perils_sentence({"perils": {"x": {"source": "scheme:s"}}})
    >>> "the scheme's capital and solvency, the Funds" in on_retained
    True
    """
    perils = scenario.get("perils")
    if perils is None and results is not None:
        perils = {
            k.removeprefix("payer:peril:"): {} for k in results.year_arrays if k.startswith("payer:peril:")
        }
    if not perils:
        return ""
    sources = {pid: (terms or {}).get("source") or peril_payer(pid) for pid, terms in perils.items()}
    landing = ", ".join(f"{pid} lands on {source} only" for pid, source in sources.items())
    schemes = any(scheme_of(source) for source in sources.values())
    # (a peril on a scheme's own column is in its retained claims, but not drawn from its capital)
    retained = any(source.startswith("scheme:") for source in sources.values())
    held = "capital and solvency" if retained else "retained claims, capital and solvency"
    others = (
        f"the scheme's {held}, the Funds, the owners and the uncompensated damage are as they would be "
        "without it (only a peril on the column of a scheme already insolvent goes unpaid, to the "
        "uncompensated damage)"
        if schemes
        else "the Funds, the owners and the uncompensated damage are as they would be without it"
    )
    return (
        f"User perils (stresses of the scenario): {landing}. A user peril adds its losses to that one payer "
        f"column and moves no other: {others}; the tables below read so, and the scenario's description says "
        "what the stress assumes."
    )
