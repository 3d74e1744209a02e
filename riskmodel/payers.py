"""Payer columns: who pays for an event, and the cession sources a contract can name.

In: nothing. Out: the fixed payer column names (MODEL.md section 8), the patterns of the per-scheme and
per-peril columns, `is_valid_source`, the one check of a contract's source, and `is_at_risk_source`, the
one place that says which sources cover sanctioned or at-risk tonnage.
Every amount of an event lands in exactly one of these columns; the columns of an event sum to its damage.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

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
