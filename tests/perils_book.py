"""A small perils-only book shared by the batch, checkpoint and CLI tests (the store tests keep their own,
with hand-computed exposures): two scenarios (a base and a stressed child that `extends` it) and a writer
for scenario files."""

from __future__ import annotations

from pathlib import Path

import yaml

BASE = {
    "name": "Perils base",
    "horizon": {"start_year": 2026, "years": 2},
    "simulation": {"trials": 8192, "seed": 7, "chunk_trials": 4096, "world_model": False},
    "perils": {
        "storm": {
            "frequency": {"distribution": "poisson", "mean": 2.0},
            "severity": {"distribution": "lognormal", "mean_usd_m": 20, "cv": 1.5},
        }
    },
    "portfolio": {
        "name": "Test book",
        "contracts": {
            "storm_xol": {
                "source": "peril:storm",
                "type": "xol",
                "attachment_usd_m": 10,
                "limit_usd_m": 40,
                "participation": 0.5,
                "premium": {"fixed_usd_m": 5},
            }
        },
    },
}
STRESSED = {
    "name": "Perils stressed",
    "extends": "base.yaml",
    "perils": {"storm": {"severity": {"distribution": "lognormal", "mean_usd_m": 30, "cv": 1.5}}},
}


def write(folder: Path, name: str, doc: dict) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path
