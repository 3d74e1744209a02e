"""Shared test fixtures: the repository's paths and the `riskmodel` command line run in-process."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from riskmodel.cli import main

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
