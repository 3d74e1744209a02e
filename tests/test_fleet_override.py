"""A scenario driven by a fleet list instead of the world-average fleet (issue 8, part 5)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import riskmodel as rm
from riskmodel.scenario import ScenarioError

ROOT = Path(__file__).resolve().parents[1]
N_VESSELS = 400
TRIALS = 4096


def imo(serial: int) -> str:
    """A 7-digit IMO number with a valid check digit (weights 7..2 on the first six digits)."""
    body = f"{serial:06d}"
    check = sum(int(d) * w for d, w in zip(body, range(7, 1, -1), strict=True)) % 10
    return body + str(check)


def write_fleet(path: Path, *, year_built: int, pi_provider: str, pi_class: str, flag: str) -> Path:
    columns = (
        "imo,name,segment,year_built,flag,pi_provider,pi_class,hm_insurer,sum_insured_usd_m,premium_usd_m"
    )
    rows = [columns + ",cedant"]
    for i in range(N_VESSELS):
        cover = f"{pi_provider},{pi_class},Hull Mutual"
        rows.append(f"{imo(300000 + i)},Test Tanker {i},AFRAMAX,{year_built},{flag},{cover},30,0.3,Cedant A")
    path.write_text("\n".join(rows) + "\n")
    return path


def scenario(tmp: Path, fleet: Path, name: str) -> Path:
    path = tmp / f"{name}.yaml"
    path.write_text(
        f"name: {name}\nextends: {ROOT / 'scenarios' / 'baseline.yaml'}\nfleet:\n  path: {fleet.name}\n"
    )
    return path


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, rm.Results]:
    tmp = tmp_path_factory.mktemp("fleet")
    old = write_fleet(
        tmp / "old.csv", year_built=2000, pi_provider="Unknown Cover Ltd", pi_class="none", flag="GAB"
    )
    young = write_fleet(tmp / "young.csv", year_built=2016, pi_provider="Gard", pi_class="ig", flag="LBR")
    out = {}
    for name, fleet in (("old_shadow", old), ("young_ig", young)):
        out[name] = rm.simulate(
            rm.load_scenario(scenario(tmp, fleet, name)), trials=TRIALS, seed=9, progress=False
        )
    return out


def _annual(res: rm.Results, key: str) -> np.ndarray:
    return res.year_arrays[key].mean(axis=1)


def test_fleet_list_replaces_the_world_fleet(runs):
    """400 Aframaxes: the tonnage simulated is 400 × 58,000 GT, all in the list's P&I class."""
    t = runs["young_ig"].market()
    assert t.sum(axis=1).iloc[0] == pytest.approx(N_VESSELS * 58_000 / 1e6, rel=1e-9)
    assert t["ig"].iloc[0] == pytest.approx(t.sum(axis=1).iloc[0], rel=1e-9)
    assert runs["old_shadow"].market()["none"].iloc[0] == pytest.approx(N_VESSELS * 58_000 / 1e6, rel=1e-9)


def test_older_uninsured_list_has_more_incidents_and_uncompensated_damage(runs):
    """Same ships, older and uninsured: more incidents (age and operating factors) and more damage left
    uncompensated, each by more than 3 standard errors of the difference of independent means."""
    for key in ("events", "payer:uncompensated"):
        a, b = _annual(runs["old_shadow"], key), _annual(runs["young_ig"], key)
        se = np.sqrt(a.var(ddof=1) / a.size + b.var(ddof=1) / b.size)
        assert a.mean() - b.mean() > 3 * se, key
    assert runs["young_ig"].year_arrays["damage:ig"].mean() > 0
    assert runs["young_ig"].year_arrays["damage:none"].sum() == 0
    assert runs["old_shadow"].year_arrays["damage:ig"].sum() == 0


def test_missing_fleet_file_is_a_validation_error(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(
        f"name: s\nextends: {ROOT / 'scenarios' / 'baseline.yaml'}\nfleet:\n  path: nowhere.csv\n"
    )
    with pytest.raises(ScenarioError, match=r"fleet\.path"):
        rm.load_scenario(path)


def test_the_fleet_lists_contents_are_part_of_a_runs_identity(tmp_path):
    """A stored run of a fleet-list scenario is not up to date once the list changes (same path)."""
    from riskmodel import store

    fleet = write_fleet(tmp_path / "f.csv", year_built=2000, pi_provider="Gard", pi_class="ig", flag="LBR")
    sc = rm.load_scenario(scenario(tmp_path, fleet, "s"))
    before = store.run_hash(sc, TRIALS, 9, False)
    assert store.run_hash(sc, TRIALS, 9, False) == before
    write_fleet(fleet, year_built=2001, pi_provider="Gard", pi_class="ig", flag="LBR")
    assert store.run_hash(sc, TRIALS, 9, False) != before


def test_scheme_insured_vessels_count_as_none_with_a_note(tmp_path):
    """A list's `scheme:<id>` cover is not a class the reference shares hold: the vessels count as 'none',
    exactly as a list saying 'none' (the same compiled cover), and a note says so."""
    from riskmodel.engine.simulate import compile_scenario

    scheme = write_fleet(
        tmp_path / "s.csv", year_built=2005, pi_provider="X", pi_class="scheme:nope", flag="GAB"
    )
    none = write_fleet(tmp_path / "n.csv", year_built=2005, pi_provider="X", pi_class="none", flag="GAB")
    a = compile_scenario(rm.load_scenario(scenario(tmp_path, scheme, "a")))
    b = compile_scenario(rm.load_scenario(scenario(tmp_path, none, "b")))
    np.testing.assert_array_equal(a.market.ref_shares, b.market.ref_shares)
    assert any(f"{N_VESSELS} vessel(s) insured by scheme:nope count as 'none'" in n for n in a.notes)
    assert not any("count as 'none'" in n for n in b.notes)


def test_a_ship_under_two_covers_counts_once_and_a_disagreement_is_noted(tmp_path):
    """The same ship under a second cedant is one ship of the fleet (the compiled world equals the list
    without the repeat); a repeat that describes the ship differently (another P&I class) is named in a
    note, the first row being used."""
    from riskmodel.engine.simulate import compile_scenario

    base = write_fleet(tmp_path / "f.csv", year_built=2005, pi_provider="Gard", pi_class="ig", flag="LBR")
    lines = base.read_text().splitlines()
    same = tmp_path / "same.csv"
    same.write_text("\n".join([*lines, lines[1].replace("Cedant A", "Cedant B")]) + "\n")
    other = tmp_path / "other.csv"
    other.write_text(
        "\n".join([*lines, lines[1].replace("Cedant A", "Cedant B").replace(",ig,", ",none,")]) + "\n"
    )
    a, b, c = (compile_scenario(rm.load_scenario(scenario(tmp_path, f, f.stem))) for f in (base, same, other))
    for m in (b, c):
        np.testing.assert_array_equal(m.market.ref_shares, a.market.ref_shares)
        np.testing.assert_array_equal(m.trade_gt, a.trade_gt)
    assert not any("described differently" in n for n in (*a.notes, *b.notes))
    assert any(
        f"1 ship(s) listed under several covers are described differently (pi_class; IMO {imo(300000)})" in n
        for n in c.notes
    ), c.notes
