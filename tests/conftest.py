"""Shared test fixtures: the repository's paths and the `riskmodel` command line run in-process.

Property-based tests (hypothesis) run derandomized: every run tries the same examples, so a test that
passes on one machine passes on all, and a failure is reproducible. `HYPOTHESIS_PROFILE=explore` draws new
examples each run (and keeps failing ones in `.hypothesis/`), for hunting bugs by hand.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import settings

from riskmodel.cli import main

settings.register_profile("fixed", derandomize=True, database=None, print_blob=True)
settings.register_profile("explore", derandomize=False, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "fixed"))

REPO_ROOT = Path(__file__).resolve().parents[1]
SCENARIOS_DIR = REPO_ROOT / "scenarios"


@pytest.fixture
def scenarios_dir() -> Path:
    """The shipped scenario files."""
    return SCENARIOS_DIR


CliRunner = Callable[..., tuple[int, str, str]]


@pytest.fixture
def run_cli(capsys: pytest.CaptureFixture[str]) -> CliRunner:
    """`run_cli("validate", path)` -> (exit code, stdout, stderr) of `riskmodel` run in-process."""

    def run(*argv: object) -> tuple[int, str, str]:
        capsys.readouterr()
        code = main([str(a) for a in argv])
        out, err = capsys.readouterr()
        return code, out, err

    return run
