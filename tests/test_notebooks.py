"""Every notebook in notebooks/ runs end to end, and is stored without outputs.

Each notebook runs in a fresh kernel started with this interpreter (the venv's Python, whatever kernels
are installed elsewhere), from the notebooks folder, with ``RISKMODEL_NB_TRIALS=4096`` (one block of
trials) so the whole set stays within a few minutes. Any error in any cell fails the test and names the
cell.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import ipykernel  # noqa: F401  (the kernel the notebooks run on: a missing one is a failure, not a skip)
import nbclient
import nbformat
import pytest
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import AsyncKernelManager
from nbclient.exceptions import CellExecutionError, DeadKernelError

NOTEBOOKS_DIR = Path(__file__).resolve().parents[1] / "notebooks"
NOTEBOOKS = sorted(NOTEBOOKS_DIR.glob("*.ipynb"))
CI_TRIALS = "4096"
CELL_TIMEOUT_S = 900


def _kernel_manager(tmp_path: Path) -> AsyncKernelManager:
    """A manager whose only kernel, ``python3``, is this interpreter with ipykernel."""
    spec_dir = tmp_path / "kernels" / "python3"
    spec_dir.mkdir(parents=True)
    spec = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (riskmodel)",
        "language": "python",
    }
    (spec_dir / "kernel.json").write_text(json.dumps(spec))
    specs = KernelSpecManager(kernel_dirs=[str(tmp_path / "kernels")], ensure_native_kernel=False)
    return AsyncKernelManager(kernel_name="python3", kernel_spec_manager=specs)


def test_there_are_five_notebooks():
    assert [p.stem for p in NOTEBOOKS] == [
        "01_quickstart",
        "02_scheme_expansion",
        "03_who_pays",
        "04_portfolio_what_if",
        "05_sanctions_exposure",
    ]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_stored_without_outputs(path: Path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    dirty = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and (c.outputs or c.execution_count)]
    assert dirty == [], f"{path.name}: cells {dirty} carry outputs; clear them before committing"
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# ")
    text = "\n".join(c.source for c in nb.cells)
    if "rm.simulate(" in text:
        assert "RISKMODEL_NB_TRIALS" in text, f"{path.name} must read its trial count from the environment"


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_end_to_end(path: Path, tmp_path: Path):
    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(
        nb,
        km=_kernel_manager(tmp_path),
        timeout=CELL_TIMEOUT_S,
        allow_errors=False,
        resources={"metadata": {"path": str(NOTEBOOKS_DIR)}},
    )
    env = {**os.environ, "RISKMODEL_NB_TRIALS": CI_TRIALS, "PYTHONWARNINGS": "default"}
    env.pop("MPLBACKEND", None)  # the kernel's inline backend draws the figures
    try:
        client.execute(env=env)
    except CellExecutionError as exc:
        pytest.fail(f"{path.name} failed:\n{exc}", pytrace=False)
    except DeadKernelError:
        pytest.fail(
            f"{path.name}: the kernel died (out of memory? one simulate of {CI_TRIALS} trials peaks at "
            "about 5 GB; run fewer things at once)",
            pytrace=False,
        )
    executed = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.execution_count for c in executed), f"{path.name}: not every cell ran"
    images = sum(1 for c in executed for o in c.outputs if "image/png" in o.get("data", {}))
    assert images >= 1, f"{path.name} drew no figure"
