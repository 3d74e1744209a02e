"""World reference data: states, zones, fleet segments, trades, incident types, IG and severity.

`load_world()` returns a validated `World` built from the CSV and YAML files shipped in
`riskmodel/world/data` (read once per process; each call gets its own copy, free to edit), see
`docs/world-data.md` for every column and its source and for editing a World. `world_fingerprint(w)`
is the SHA-256 of a World's content (what a run's provenance names `world_sha256`).
"""

from riskmodel.world.fingerprint import world_fingerprint
from riskmodel.world.loader import (
    DATA_DIR,
    OIL_TYPES,
    PRICE_CAPS,
    World,
    WorldDataError,
    build_world,
    fit_productivity,
    load_world,
    parse_mix,
    reference_incident_counts,
    sanctioned_gt_share,
    sanctioned_volume_share,
)

__all__ = [
    "DATA_DIR",
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
    "world_fingerprint",
]
