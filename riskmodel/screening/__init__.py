"""Sanctions screening of a cedant's fleet list, and the exposure it reveals.

`read_fleet` validates a fleet list (CSV or Excel), `read_lists` reads sanctions lists from local files
(simple CSV, OpenSanctions JSON lines, designated-insurer names), `screen` matches them and reports the
limit and premium on designated vessels, on vessels with designated insurers and on at-risk profiles, by
cedant and contract. `fleet_profile` summarises a fleet for the engine's fleet override.
docs/screening.md is the user's guide.
"""

from riskmodel.screening.fleet import (
    FLEET_COLUMNS,
    IG_CLUBS,
    SEGMENTS,
    FleetValidationError,
    RowError,
    fleet_profile,
    imo_check_digit,
    provider_class,
    read_fleet,
    validate_fleet,
)
from riskmodel.screening.lists import (
    ListFormatError,
    SanctionsLists,
    read_designated_insurers,
    read_lists,
    read_opensanctions,
    read_sanctions_csv,
)
from riskmodel.screening.screen import EXPOSURE_CATEGORIES, TABLES, ScreeningResult, screen

__all__ = [
    "EXPOSURE_CATEGORIES",
    "FLEET_COLUMNS",
    "IG_CLUBS",
    "SEGMENTS",
    "TABLES",
    "FleetValidationError",
    "ListFormatError",
    "RowError",
    "SanctionsLists",
    "ScreeningResult",
    "fleet_profile",
    "imo_check_digit",
    "provider_class",
    "read_designated_insurers",
    "read_fleet",
    "read_lists",
    "read_opensanctions",
    "read_sanctions_csv",
    "screen",
    "validate_fleet",
]
