"""What identifies a World's content: `world_fingerprint`, a SHA-256 of what compiling reads from it.

In: a `World` (perhaps edited in place). Out: a hex digest, equal for Worlds of equal content. The engine
keeps what it compiles from the world data alone under this key (`riskmodel.engine.compile`), a run's
provenance names it (`world_sha256`), and the scenario loader notes it for the World a scenario was
validated against, so that a run on another content checks the scenario's codes again.
"""

from __future__ import annotations

import functools
import hashlib
import pickle

from riskmodel.world.loader import World

__all__ = ["WORLD_TABLES", "shared_world_fingerprint", "world_fingerprint"]

#: The World's tables that compiling reads (`riskmodel.engine.compile`, besides the `ig` and `severity`
#: dicts); its derived tables (tidy mixes, vessel-years) are not read: compiling derives what it needs.
WORLD_TABLES = ("states", "zones", "segments", "trades", "incident_types")


def world_fingerprint(world: World) -> str | None:
    """SHA-256 of what compiling reads from `world`: each of `WORLD_TABLES` (its columns, dtypes, index
    and values) and the `ig` and `severity` dicts; None when a value cannot be pickled.

    The values are taken as Python objects (`to_numpy(dtype=object)`), not as the frames' blocks, so that
    two tables of equal content agree whatever their memory layout or pandas' internal caches. Pickling is
    faithful, so different contents never share a fingerprint (a float differs from an int of the same
    value, a dict's order counts); equal contents almost always do (pickle refers back to an object seen
    before, so a table holding one object twice may differ from one holding two equal objects: such a
    World compiles its part again). 1.6-3 ms of CPU for the package's world data.
    """
    tables = []
    for name in WORLD_TABLES:
        df = getattr(world, name)
        tables.append(
            (
                name,
                df.columns.tolist(),
                [str(dtype) for dtype in df.dtypes],
                list(df.index.names),
                df.index.tolist(),
                df.to_numpy(dtype=object).tolist(),
            )
        )
    try:
        data = pickle.dumps((tables, world.ig, world.severity), protocol=5)
    except (pickle.PicklingError, TypeError, AttributeError):
        return None
    return hashlib.sha256(data).hexdigest()


@functools.lru_cache(maxsize=4)
def shared_world_fingerprint(world: World) -> str | None:
    """`world_fingerprint` of a World nobody edits (`riskmodel.world.loader.shared_world`, the one
    `load_world` copies), computed once per such World (they are told apart by identity)."""
    return world_fingerprint(world)
