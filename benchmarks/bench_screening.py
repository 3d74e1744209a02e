"""Benchmark: screening 100,000 vessels against 50,000 list entries.

A synthetic book and synthetic lists (fixed seed) are written to a temporary directory as the files a
user would have: a fleet CSV, a sanctions CSV and a designated-insurers list. The benchmark times reading
and validating the fleet, reading the lists, and `screen` itself (the issue's target: seconds).

Run: `.venv/bin/python benchmarks/bench_screening.py`.
"""

from __future__ import annotations

import datetime as dt
import json
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from riskmodel.screening import read_fleet, read_lists, screen
from riskmodel.screening.fleet import IG_CLUBS, SEGMENT_IDS, StateRegistry, default_world, imo_check_digits

SEED = 20251126
N_VESSELS = 100_000
N_ENTRIES = 50_000
AS_OF = dt.date(2026, 6, 30)


def _imos(prefixes: np.ndarray) -> np.ndarray:
    return prefixes * 10 + imo_check_digits(prefixes)


def synthetic_files(directory: Path, world: StateRegistry, seed: int = SEED) -> dict[str, Path]:
    """Write a synthetic fleet, sanctions list and insurers list; return their paths.

    Of the 50,000 entries: 5,000 carry IMOs of the book (2,000 of them a second time, with another flag
    and a later date, as a flag history), 2,500 carry a book vessel's name and flag with a wrong check
    digit (reported, matched by name), 2,500 have no IMO, and the rest are other ships.
    """
    rng = np.random.default_rng(seed)
    flags = np.array(sorted(world.state_codes))
    prefixes = rng.choice(np.arange(100_000, 1_000_000), size=N_VESSELS + N_ENTRIES, replace=False)
    fleet_imos, other_imos = _imos(prefixes[:N_VESSELS]), _imos(prefixes[N_VESSELS:])
    names = np.char.add("VESSEL ", np.arange(N_VESSELS).astype(str))
    fleet_flags = rng.choice(flags, N_VESSELS)
    designated_orgs = [f"Designated Insurer {i} JSC" for i in range(200)]
    providers = np.array([*IG_CLUBS, "British Marine", "", "Acme Mutual", *designated_orgs[:5]])
    weights = np.array([0.07] * len(IG_CLUBS) + [0.06, 0.04, 0.02] + [0.002] * 5)
    fleet = pd.DataFrame(
        {
            "imo": fleet_imos,
            "name": names,
            "segment": rng.choice(np.array(SEGMENT_IDS[:-1]), N_VESSELS),
            "year_built": rng.integers(1990, 2026, N_VESSELS),
            "flag": fleet_flags,
            "pi_provider": rng.choice(providers, N_VESSELS, p=weights / weights.sum()),
            "hm_insurer": rng.choice(
                np.array(["Aegir Hull Mutual", "", designated_orgs[7]]), N_VESSELS, p=[0.8, 0.19, 0.01]
            ),
            "sum_insured_usd_m": rng.uniform(5, 120, N_VESSELS).round(2),
            "premium_usd_m": rng.uniform(0.05, 1.5, N_VESSELS).round(3),
            "cedant": rng.choice(np.char.add("Cedant ", np.arange(20).astype(str)), N_VESSELS),
            "contract": rng.choice(np.char.add("XL-", np.arange(50).astype(str)), N_VESSELS),
        }
    )

    on_list = rng.choice(N_VESSELS, 5_000, replace=False)
    history = on_list[:2_000]
    misspelt = rng.choice(np.setdiff1d(np.arange(N_VESSELS), on_list), 2_500, replace=False)
    n_other = N_ENTRIES - 5_000 - 2_000 - 2_500 - 2_500
    dates = pd.Timestamp("2022-03-01") + pd.to_timedelta(rng.integers(0, 1_500, N_ENTRIES), unit="D")
    entries = pd.DataFrame(
        {
            "imo": np.concatenate(
                [
                    fleet_imos[on_list].astype(str),
                    fleet_imos[history].astype(str),
                    (fleet_imos[misspelt] // 10 * 10 + (fleet_imos[misspelt] % 10 + 1) % 10).astype(str),
                    np.full(2_500, ""),
                    other_imos[:n_other].astype(str),
                ]
            ),
            "name": np.concatenate(
                [
                    names[on_list],
                    names[history],
                    names[misspelt],
                    np.char.add("UNLISTED ", np.arange(2_500).astype(str)),
                    np.char.add("OTHER ", np.arange(n_other).astype(str)),
                ]
            ),
            "list": rng.choice(np.array(["OFAC SDN", "EU", "UK"]), N_ENTRIES),
            "date": dates.strftime("%Y-%m-%d"),
            "flag": np.concatenate(
                [
                    fleet_flags[on_list],
                    rng.choice(flags, 2_000),
                    fleet_flags[misspelt],
                    rng.choice(flags, 2_500 + n_other),
                ]
            ),
        }
    )
    paths = {
        "fleet": directory / "fleet.csv",
        "lists": directory / "sanctions.csv",
        "insurers": directory / "insurers.txt",
    }
    fleet.to_csv(paths["fleet"], index=False)
    entries.to_csv(paths["lists"], index=False)
    paths["insurers"].write_text("\n".join(designated_orgs) + "\n", encoding="utf-8")
    return paths


def run(world: StateRegistry | None = None) -> dict[str, float | int]:
    """Time reading, validation and screening of the synthetic book; returns seconds and counts."""
    world = world if world is not None else default_world()
    with tempfile.TemporaryDirectory() as tmp:
        paths = synthetic_files(Path(tmp), world)
        t0 = time.perf_counter()
        fleet = read_fleet(paths["fleet"], world=world, current_year=AS_OF.year)
        t1 = time.perf_counter()
        lists = read_lists([paths["lists"]], [paths["insurers"]])
        t2 = time.perf_counter()
        result = screen(fleet, lists, world=world, as_of=AS_OF)
        t3 = time.perf_counter()
    vessels = result.vessels
    return {
        "vessels": len(vessels),
        "list_entries": len(lists.vessels),
        "read_fleet_s": round(t1 - t0, 3),
        "read_lists_s": round(t2 - t1, 3),
        "screen_s": round(t3 - t2, 3),
        "designated_vessel": int(vessels["designated_vessel"].sum()),
        "designated_vessel_name_only": int(vessels["designated_vessel_name_only"].sum()),
        "designated_insurer": int(vessels["designated_insurer"].sum()),
        "recent_flag_change": int(vessels["recent_flag_change"].sum()),
        "list_problems": len(result.list_problems),
    }


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
