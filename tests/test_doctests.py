"""Every docstring example in the package runs and gives what it shows.

The modules are found by their source (any `>>>`), so a new example is tested without being listed here,
and a module whose examples disappeared (or stopped being collected) fails instead of passing vacuously.
"""

from __future__ import annotations

import doctest
import importlib
from pathlib import Path

import pytest

import riskmodel

PACKAGE = Path(riskmodel.__file__).parent
MODULES = sorted(
    ".".join(("riskmodel", *p.relative_to(PACKAGE).with_suffix("").parts))
    for p in PACKAGE.rglob("*.py")
    if ">>>" in p.read_text(encoding="utf-8")
)


def test_the_examples_are_found():
    assert len(MODULES) >= 15 and "riskmodel.metrics" in MODULES


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0, f"{name}: no example ran (the `>>>` is not in a docstring doctest finds)"
    assert result.failed == 0, name
