"""The random numbers a run draws, counted, and the time numpy takes to draw as many: the full model's
random-number floor (issue 7: "an engine close to the cost of its random numbers").

`count_draws(fn)` runs `fn` with three kinds of draws counted, without changing a single value:
- every call on a numpy `Generator` made by `riskmodel.engine.random.generator` (method and arguments
  are recorded, so the floor can replay exactly those calls);
- the keyed uniforms of events (`riskmodel.incidents.keyed_uniforms`);
- the normal quantiles (`ndtri`) the severity stage takes of keyed uniforms (lognormal damage).

`Draws.floor()` then draws as many random numbers with numpy's PCG64 as the run consumed: the recorded
generator calls replayed, one uniform for each keyed uniform that stays uniform, one standard normal for
each that became a normal. That is the cost of the random numbers alone, with nothing done with them
(and without setting up a generator for each stream and block, which the run does: a few per block).
"""

from __future__ import annotations

import contextlib
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

import riskmodel.engine.random as rm_random
import riskmodel.incidents as rm_incidents

#: Keyed uniforms and normals are drawn again in pieces of at most this many (memory stays bounded).
PIECE = 1 << 22


@dataclass
class Draws:
    """What a run drew: its generator calls (method, args, kwargs), keyed uniforms and normal quantiles."""

    calls: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = field(default_factory=list)
    keyed: int = 0
    normals: int = 0

    def by_method(self) -> Counter[str]:
        """Numbers drawn per generator method (elements of each call's output)."""
        out: Counter[str] = Counter()
        for method, args, kwargs in self.calls:
            out[method] += int(np.prod(_size(method, args, kwargs), dtype=np.int64))
        return out

    def floor(self, seed: int = 0) -> None:
        """Draw as many random numbers as the run did with numpy's PCG64 (see the module docstring)."""
        rng = np.random.default_rng(seed)
        for method, args, kwargs in self.calls:
            getattr(rng, method)(*args, **kwargs)
        for n, draw in ((self.keyed - self.normals, rng.random), (self.normals, rng.standard_normal)):
            for a in range(0, max(n, 0), PIECE):
                draw(min(PIECE, n - a))


#: Where each `Generator` method the model calls takes its `size` among the positional arguments.
_SIZE_AT = {
    "random": 0,
    "standard_normal": 0,
    "poisson": 1,
    "exponential": 1,
    "integers": 2,
    "lognormal": 2,
    "gamma": 2,
    "normal": 2,
    "uniform": 2,
}


def _size(method: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[int, ...]:
    """The output shape of a `Generator` call given its recorded arguments: its `out` array's (a draw into
    a buffer), its `size`, else the shape its array parameters broadcast to."""
    if kwargs.get("out") is not None:
        return tuple(np.shape(kwargs["out"]))
    at = _SIZE_AT[method]
    size = kwargs.get("size", args[at] if len(args) > at else None)
    if size is not None:
        return tuple(int(x) for x in np.atleast_1d(size))
    params = [np.asarray(a) for a in args[:at]]
    return np.broadcast(*params).shape if params else ()


class _CountingGenerator:
    """A numpy Generator that records each call made on it, then makes it."""

    def __init__(self, rng: np.random.Generator, draws: Draws) -> None:
        self._rng = rng
        self._draws = draws

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._rng, name)
        if not callable(attr):
            return attr

        def call(*args: Any, **kwargs: Any) -> Any:
            self._draws.calls.append((name, args, kwargs))
            return attr(*args, **kwargs)

        return call


@contextlib.contextmanager
def count_draws() -> Iterator[Draws]:
    """Within the block, every random number riskmodel draws is counted into the `Draws` yielded."""
    draws = Draws()
    original_generator = rm_random.generator
    original_keyed = rm_incidents.keyed_uniforms

    def generator(*key: Any, **kw: Any) -> _CountingGenerator:
        return _CountingGenerator(original_generator(*key, **kw), draws)

    def keyed_uniforms(key: np.ndarray, columns: Any) -> np.ndarray:
        draws.keyed += int(key.size) * len(columns)
        return original_keyed(key, columns)

    patched: list[tuple[Any, str, Any]] = []
    for module in list(sys.modules.values()):
        if not getattr(module, "__name__", "").startswith("riskmodel"):
            continue
        if getattr(module, "generator", None) is original_generator:
            patched.append((module, "generator", generator))
        if getattr(module, "keyed_uniforms", None) is original_keyed:
            patched.append((module, "keyed_uniforms", keyed_uniforms))
        ndtri = getattr(module, "ndtri", None)
        if ndtri is not None:
            patched.append((module, "ndtri", _counting_ndtri(ndtri, draws)))
    saved = [(module, name, getattr(module, name)) for module, name, _ in patched]
    try:
        for module, name, value in patched:
            setattr(module, name, value)
        yield draws
    finally:
        for module, name, value in saved:
            setattr(module, name, value)


def _counting_ndtri(ndtri: Callable[..., Any], draws: Draws) -> Callable[..., Any]:
    def counted(u: Any, *args: Any, **kwargs: Any) -> Any:
        draws.normals += int(np.size(u))
        return ndtri(u, *args, **kwargs)

    return counted
