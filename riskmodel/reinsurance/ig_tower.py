"""The International Group's pooling and General Excess of Loss tower (MODEL.md 8.3; FACTS.md, IG section).

In: per event, the total P&I claim of an IG-entered ship (all heads summed: pollution, wreck, collision
liability, crew, infrastructure), its oil-pollution part, and a group index (trial-year) so that Hydra's
annual aggregate deductible is consumed in event order within the year; one `IGStructure` for the policy
year. Out: `IGTowerShares`, the claim split over the payer columns `ig_club_retention`, `ig_pool`,
`ig_hydra`, `ig_gxl_layer1..3`, `ig_overspill`, and `uncovered` (above the tower, or the pollution part
above the USD 1bn cap), which the engine leaves with the owner or the claimants.

Money in USD millions. The structures are plain frozen dataclasses so the engine can build them from the
world data; `IG_2025_26` and `IG_2026_27` are the published programmes.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

from riskmodel.liability import IG_POLLUTION_CAP_USD_M, consume_capacity

FloatArray = NDArray[np.float64]


class GXLLayer(NamedTuple):
    """One GXL layer: `limit` xs `attachment` (USD millions), and the share placed on the open market.

    The rest of the layer (1 − open_market_share) is the clubs' private placements (IG-internal).
    """

    attachment: float
    limit: float
    open_market_share: float


@dataclass(frozen=True)
class IGStructure:
    """The IG programme of one policy year (per event unless stated), USD millions.

    Attributes
    ----------
    club_retention : what the entering club keeps (10).
    pool_top : top of the pool, shared by the clubs above the retention (100).
    layers : the three GXL layers, bottom up, contiguous from pool_top.
    overspill_attachment : where the collective overspill starts (top of layer 3).
    overspill_limit : the overspill's size (USD 1bn).
    hydra_aad : Hydra's annual aggregate deductible in layer 1 (107.1), per policy year.
    pollution_cap : the clubs' cover limit for oil pollution (USD 1bn per event).
    """

    club_retention: float
    pool_top: float
    layers: tuple[GXLLayer, ...]
    overspill_attachment: float
    overspill_limit: float
    hydra_aad: float
    pollution_cap: float


#: 2025/26 (from 20 Feb 2025): 650 xs 100 (75% open market), 750 xs 750, 600 xs 1,500; overspill from
#: 2,100. Source: West P&I and Skuld renewal circulars, Dec 2024.
IG_2025_26 = IGStructure(
    club_retention=10.0,
    pool_top=100.0,
    layers=(GXLLayer(100.0, 650.0, 0.75), GXLLayer(750.0, 750.0, 1.0), GXLLayer(1_500.0, 600.0, 1.0)),
    overspill_attachment=2_100.0,
    overspill_limit=1_000.0,
    hydra_aad=107.1,
    pollution_cap=IG_POLLUTION_CAP_USD_M,
)

#: 2026/27 (from 20 Feb 2026): layer 3 becomes 850 xs 1,500, overspill from 2,350, private placements take
#: 27.5% of layer 1. Source: renewal circulars, Dec 2025. Assumption: Hydra's AAD stays at 107.1 (no
#: 2026/27 figure was published).
IG_2026_27 = IGStructure(
    club_retention=10.0,
    pool_top=100.0,
    layers=(GXLLayer(100.0, 650.0, 0.725), GXLLayer(750.0, 750.0, 1.0), GXLLayer(1_500.0, 850.0, 1.0)),
    overspill_attachment=2_350.0,
    overspill_limit=1_000.0,
    hydra_aad=107.1,
    pollution_cap=IG_POLLUTION_CAP_USD_M,
)


def structure_for_policy_year(year: int) -> IGStructure:
    """The IG structure of a policy year, labelled by the calendar year in which it starts (20 February).

    2025 → `IG_2025_26`; 2026 and later → `IG_2026_27` (assumption: the 2026/27 programme persists until
    a later one is published). Years before 2025 also get `IG_2025_26`: the model does not hold earlier
    programmes, so a back-test before 2025 uses the 2025/26 tower.

    >>> structure_for_policy_year(2030) is IG_2026_27
    True
    """
    return IG_2026_27 if year >= 2026 else IG_2025_26


@dataclass(frozen=True, eq=False)
class IGTowerShares:
    """An IG claim split over the tower (USD millions, float64 arrays of one shape).

    The fields of an event sum to its claim. `ig_hydra` holds Hydra's aggregate deductible in layer 1
    and the clubs' private placements of the GXL layers (both IG-internal, so reported together);
    `ig_gxl_layerN` is the open market's share of layer N, the 100% basis of a reinsurer's
    participation. `uncovered` is not a payer: the engine leaves it with the owner or the claimants.
    """

    ig_club_retention: FloatArray
    ig_pool: FloatArray
    ig_hydra: FloatArray
    ig_gxl_layer1: FloatArray
    ig_gxl_layer2: FloatArray
    ig_gxl_layer3: FloatArray
    ig_overspill: FloatArray
    uncovered: FloatArray

    def as_dict(self) -> dict[str, FloatArray]:
        """Field name → array, in tower order (uncovered last)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def total(self) -> FloatArray:
        """Sum of all columns per event: equals the claim."""
        return np.sum(list(self.as_dict().values()), axis=0)


def apply_ig_tower(
    claim: ArrayLike, pollution: ArrayLike, group: ArrayLike, structure: IGStructure
) -> IGTowerShares:
    """Split IG claims over the club retention, the pool, Hydra, the GXL layers and the overspill.

    Parameters
    ----------
    claim : float64 per event, the total P&I claim with all heads summed (USD millions, >= 0).
    pollution : float64 per event, the oil-pollution part of the claim (0 <= pollution <= claim).
    group : int64 per event, the trial-year index; events sorted in time order within each group and
        the events of a group contiguous.
    structure : the programme of the policy year (one per call; the engine calls once per policy year).

    Returns
    -------
    IGTowerShares; for each event the columns sum to its claim.

    Order of the tower, applied per event except step 4:
    1. Pollution cap: the covered claim is C = min(pollution, pollution_cap) + (claim − pollution); the
       pollution above the cap goes to `uncovered`.
    2. Club retention: min(C, club_retention).
    3. Pool: C between club_retention and pool_top. (Hydra's reinsurance of part of the pool is not split
       out: the pool column holds it.)
    4. GXL layer 1, x1 = C in (attachment, attachment + limit]: Hydra's annual aggregate deductible erodes
       the whole of x1 first, in event order within the year (`consume_capacity`); of the rest, the
       open-market share goes to `ig_gxl_layer1` and the private-placement share to `ig_hydra`.
    5. GXL layers 2 and 3: the open-market share to `ig_gxl_layer2/3`, any private share to `ig_hydra`.
    6. Collective overspill: C between overspill_attachment and overspill_attachment + overspill_limit.
    7. Above the overspill: `uncovered`.
    No reinstatement premium is charged on the GXL (the default of MODEL.md 8.3).

    Examples
    --------
    >>> s = apply_ig_tower([50.0], [0.0], [0], IG_2025_26)
    >>> float(s.ig_club_retention[0]), float(s.ig_pool[0]), float(s.ig_gxl_layer1[0])
    (10.0, 40.0, 0.0)
    """
    check_ig_structure(structure)
    c = np.asarray(claim, dtype=np.float64)
    p = np.asarray(pollution, dtype=np.float64)
    grp = np.asarray(group, dtype=np.int64)
    if c.ndim != 1 or p.shape != c.shape or grp.shape != c.shape:
        raise ValueError(
            "claim, pollution and group must be 1-D arrays of one length; got shapes "
            f"{c.shape}, {p.shape} and {grp.shape}"
        )
    if np.any(~((c >= 0) & np.isfinite(c))):
        raise ValueError("claim must be non-negative and finite (USD millions)")
    if np.any(~((p >= 0) & (p <= c))):
        raise ValueError("pollution must lie between 0 and the claim it is part of")

    capped_pollution = np.minimum(p, structure.pollution_cap)
    covered = capped_pollution + (c - p)

    retention, pool = retention_and_pool(covered, structure)

    gxl: list[FloatArray] = []
    hydra = np.zeros_like(covered)
    for k, (attachment, limit, open_share) in enumerate(structure.layers):  # three layers, fixed
        layer_loss = _layer(covered, attachment, limit)
        if k == 0:
            aad = consume_capacity(layer_loss, grp, structure.hydra_aad)
            hydra = hydra + aad
            layer_loss = layer_loss - aad
        market = open_share * layer_loss
        gxl.append(market)
        hydra = hydra + (layer_loss - market)

    overspill = _layer(covered, structure.overspill_attachment, structure.overspill_limit)
    uncovered = above_tower(c, p, structure)
    return IGTowerShares(
        ig_club_retention=retention,
        ig_pool=pool,
        ig_hydra=hydra,
        ig_gxl_layer1=gxl[0],
        ig_gxl_layer2=gxl[1],
        ig_gxl_layer3=gxl[2],
        ig_overspill=overspill,
        uncovered=uncovered,
    )


def above_tower(claim: FloatArray, pollution: FloatArray, structure: IGStructure) -> FloatArray:
    """`uncovered` of `apply_ig_tower`: each claim's oil pollution above the cap and its covered claim above
    the overspill. A function of the claim alone (not of the year's other claims).

    >>> float(above_tower(np.array([1500.0]), np.array([1200.0]), IG_2025_26)[0])
    200.0
    """
    capped_pollution = np.minimum(pollution, structure.pollution_cap)
    covered = capped_pollution + (claim - pollution)
    tower_top = structure.overspill_attachment + structure.overspill_limit
    return (pollution - capped_pollution) + np.maximum(covered - tower_top, 0.0)


def retention_and_pool(covered: FloatArray, structure: IGStructure) -> tuple[FloatArray, FloatArray]:
    """The club retention and the pool's share of covered claims (steps 2 and 3 of `apply_ig_tower`): all
    there is to the split of a claim that stops below GXL layer 1.

    >>> r, p = retention_and_pool(np.array([5.0, 50.0]), IG_2025_26)
    >>> r.tolist(), p.tolist()
    ([5.0, 10.0], [0.0, 40.0])
    """
    retention = np.minimum(covered, structure.club_retention)
    return retention, _layer(covered, structure.club_retention, structure.pool_top - structure.club_retention)


def check_ig_structure(structure: IGStructure) -> None:
    """Raise ValueError, naming the field, unless the structure is a contiguous three-layer tower.

    Checks: 0 <= club_retention <= pool_top; exactly three layers; layer 1 attaches at pool_top and each
    layer at the top of the one below; open-market shares in [0, 1]; the overspill attaches at the top of
    layer 3; limits, hydra_aad and pollution_cap non-negative.
    """
    s = structure
    if not 0 <= s.club_retention <= s.pool_top:
        raise ValueError(
            f"club_retention ({s.club_retention}) must lie between 0 and pool_top ({s.pool_top})"
        )
    if len(s.layers) != 3:
        raise ValueError(f"layers must hold exactly three GXL layers; got {len(s.layers)}")
    top = s.pool_top
    for k, (attachment, limit, share) in enumerate(s.layers, start=1):
        if attachment != top:
            raise ValueError(
                f"layer {k} attaches at {attachment} but the tower below it ends at {top}: "
                "layers must be contiguous from pool_top"
            )
        if limit < 0:
            raise ValueError(f"layer {k} has a negative limit ({limit})")
        if not 0 <= share <= 1:
            raise ValueError(f"layer {k} open_market_share ({share}) must lie in [0, 1]")
        top = attachment + limit
    if s.overspill_attachment != top:
        raise ValueError(
            f"overspill_attachment ({s.overspill_attachment}) must equal the top of layer 3 ({top})"
        )
    for name in ("overspill_limit", "hydra_aad", "pollution_cap"):
        if getattr(s, name) < 0:
            raise ValueError(f"{name} must be non-negative; got {getattr(s, name)}")


def _layer(amount: FloatArray, attachment: float, limit: float) -> FloatArray:
    """The part of `amount` in the band (attachment, attachment + limit]."""
    return np.clip(amount - attachment, 0.0, limit)
