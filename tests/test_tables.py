"""Output tables: declarations, writers/readers for CSV and parquet, atomic writes, docs in sync."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from riskmodel import metrics, store, tables

DOCS = Path(__file__).resolve().parents[1] / "docs" / "outputs.md"


def sample(name: str, n: int = 5) -> pd.DataFrame:
    """A frame of table ``name`` with n rows of plausible values."""
    rng = np.random.default_rng(0)
    data = {}
    for c in tables.TABLES[name].columns:
        kind = np.dtype(c.dtype).kind
        if c.is_text:
            data[c.name] = [f"{c.name}_{i}" for i in range(n)]
        elif kind == "i":
            data[c.name] = np.arange(n, dtype=np.int64) - 1
        elif kind == "b":
            data[c.name] = np.arange(n) % 2 == 0
        elif c.fmt == "%g":  # six significant digits: return periods are whole years
            data[c.name] = np.array([2.0, 10.0, 250.0, 1000.0, 5.0][:n] * (n // 5 + 1))[:n]
        else:
            data[c.name] = np.round(rng.exponential(10, n), 6)
    return pd.DataFrame(data)


def test_declarations_are_well_formed():
    for name, t in tables.TABLES.items():
        assert t.name == name
        assert len(set(t.names)) == len(t.names), name
        assert set(t.key) <= set(t.names), name
        for c in t.columns:
            np.dtype(c.dtype)
            assert c.description.strip(), (name, c.name)
            assert c.fmt.startswith("%")
    assert {"ylt", "plt", "elt", "alt", "ept", "payer_ledger", "sanctions_exposure"} <= set(tables.TABLES)


def test_ept_uses_the_ord_ep_type_codes():
    text = tables.TABLES["ept"].column("ep_type").description
    assert "1 OEP, 2 OEP TVaR, 3 AEP, 4 AEP TVaR" in text


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
@pytest.mark.parametrize("name", list(tables.TABLES))
def test_round_trip(tmp_path, name, suffix):
    df = sample(name)
    path = tables.write_table(name, df[list(reversed(df.columns))], tmp_path / f"{name}{suffix}")
    back = tables.read_table(name, path)
    assert list(back.columns) == tables.TABLES[name].names  # declared order, whatever the input order
    for c in tables.TABLES[name].columns:
        if c.is_text:
            assert list(back[c.name]) == list(df[c.name])
        else:
            assert back[c.name].dtype == np.dtype(c.dtype), c.name
            np.testing.assert_allclose(back[c.name].astype(float), df[c.name].astype(float), atol=1e-6)
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary file left behind


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_a_file_written_before_a_column_was_added_reads_with_the_column_filled(tmp_path, suffix):
    """comparison.csv gained its `note` column in the nineteenth session: a file of an earlier version
    (without it) reads as the table, its notes empty, not as "missing columns ['note']"."""
    df = sample("comparison")
    old = df.drop(columns="note")
    path = tmp_path / f"comparison{suffix}"
    old.to_csv(path, index=False) if suffix == ".csv" else old.to_parquet(path, index=False)
    back = tables.read_table("comparison", path)
    assert list(back.columns) == tables.TABLES["comparison"].names and (back["note"] == "").all()
    np.testing.assert_allclose(back["difference"], df["difference"])
    lacking = df.drop(columns="difference")  # a column the table always had: still refused
    lacking.to_csv(path, index=False) if suffix == ".csv" else lacking.to_parquet(path, index=False)
    with pytest.raises(ValueError, match=r"missing columns \['difference'\]"):
        tables.read_table("comparison", path)


def test_csv_uses_declared_formats(tmp_path):
    df = sample("ept", 1).assign(loss=1 / 3, return_period=250.0, ci_upper=np.inf)
    text = tables.write_table("ept", df, tmp_path / "ept.csv").read_text().splitlines()
    assert text[0] == ",".join(tables.TABLES["ept"].names)
    row = dict(zip(text[0].split(","), text[1].split(","), strict=True))
    assert (row["loss"], row["return_period"], row["ci_upper"]) == ("0.333333", "250", "inf")


def test_empty_frame_writes(tmp_path):
    for suffix in (".csv", ".parquet"):
        path = tables.write_table("plt", tables.empty_frame("plt"), tmp_path / f"plt{suffix}")
        assert len(tables.read_table("plt", path)) == 0


def test_rejects_frames_that_disagree_with_the_declaration(tmp_path):
    df = sample("ylt")
    with pytest.raises(ValueError, match=r"missing columns \['loss'\]"):
        tables.write_table("ylt", df.drop(columns="loss"), tmp_path / "y.csv")
    with pytest.raises(ValueError, match=r"unexpected columns \['extra'\]"):
        tables.write_table("ylt", df.assign(extra=1), tmp_path / "y.csv")
    with pytest.raises(ValueError, match=r"wrong dtype: trial \(float64, declared int64\)"):
        tables.write_table("ylt", df.assign(trial=0.5), tmp_path / "y.csv")
    with pytest.raises(ValueError, match=r"unsupported table format '\.xlsx'"):
        tables.write_table("ylt", df, tmp_path / "y.xlsx")
    with pytest.raises(KeyError, match="unknown table 'yltt'"):
        tables.write_table("yltt", df, tmp_path / "y.csv")


def test_a_failed_write_leaves_the_previous_file(tmp_path):
    path = tables.write_table("ylt", sample("ylt"), tmp_path / "ylt.csv")
    before = path.read_text()
    with pytest.raises(ValueError):
        tables.write_table("ylt", sample("ylt").drop(columns="loss"), path)
    assert path.read_text() == before and len(list(tmp_path.iterdir())) == 1


def test_metric_frames_fit_their_tables(tmp_path):
    """ALT, EPT and metrics frames from riskmodel.metrics, with a contract column, are valid tables."""
    losses = np.random.default_rng(1).exponential(size=(1000, 2))
    frames = {
        "alt": metrics.alt_table(losses),
        "ept": metrics.ept_table(losses, losses / 2),
        "metrics": metrics.metrics_table(losses),
    }
    for name, frame in frames.items():
        path = tables.write_table(name, frame.assign(contract="gxl"), tmp_path / f"{name}.parquet")
        assert len(tables.read_table(name, path)) == len(frame)


def test_docs_outputs_md_is_in_sync():
    """docs/outputs.md is generated: `python -m riskmodel.tables > docs/outputs.md`."""
    assert DOCS.read_text() == tables.render_docs()


def test_every_table_says_where_it_is_written():
    """`tables.WRITTEN` names each table's files, and a run folder's files are among the store's."""
    assert set(tables.WRITTEN) == set(tables.TABLES)
    in_run_folder = [where.split("`")[1] for where in tables.WRITTEN.values() if "in a run folder" in where]
    table_files = [f for f in store.RESULT_FILES if f.endswith((".parquet", ".csv"))]
    assert sorted(in_run_folder) == sorted(table_files) and table_files
