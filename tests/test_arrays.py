"""`riskmodel.arrays`: the branch-free `where0` and `select` and the integer-keyed `stable_argsort` give
numpy's own results bit for bit (the engine's results must not move by a bit when they replace
`np.where` and `np.argsort(kind="stable")`), on the values where floats are awkward (−0.0, NaN with
payloads, infinities, subnormals, ties) and on views that are not plain contiguous arrays."""

from __future__ import annotations

import numpy as np
import pytest

from riskmodel.arrays import select, stable_argsort, where0

_NAN_PAYLOAD = np.array([0x7FF8000000000ABC, 0xFFF0000000000001], dtype=np.uint64).view(np.float64)
AWKWARD = np.concatenate(  # and a quiet NaN with a payload, a negative signalling NaN
    [
        [0.0, -0.0, 1.0, -1.0, np.inf, -np.inf, 5e-324, -5e-324, 2.2250738585072014e-308, 1e308, 7.5, 7.5],
        _NAN_PAYLOAD,
    ]
)


def _bits(x: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(x).view(np.uint64)


def _samples(rng: np.random.Generator, n: int) -> np.ndarray:
    return np.concatenate([AWKWARD, rng.choice(AWKWARD, n), rng.normal(0, 1e3, n)])


def test_where0_and_select_are_numpys_where_bit_for_bit():
    rng = np.random.default_rng(3)
    x, y = _samples(rng, 500), _samples(rng, 500)[::-1].copy()
    mask = rng.random(x.size) < 0.5
    for xv, yv, m in (
        (x, y, mask),
        (x[::-2], y[::2], mask[::2]),  # strided and negative strides
        (np.asfortranarray(x.reshape(2, -1)), y.reshape(2, -1), mask.reshape(2, -1)),  # F-order, 2-D
        (x[:0], y[:0], mask[:0]),  # empty
    ):
        np.testing.assert_array_equal(_bits(where0(m, xv)), _bits(np.where(m, xv, 0.0)))
        np.testing.assert_array_equal(_bits(select(m, xv, yv)), _bits(np.where(m, xv, yv)))
    # other inputs are numpy's: lists, broadcast shapes, other dtypes
    assert where0([True, False], [1.0, 2.0]).tolist() == [1.0, 0.0]
    np.testing.assert_array_equal(where0(mask[:3], np.float64(2.0)), np.where(mask[:3], 2.0, 0.0))
    np.testing.assert_array_equal(
        where0(mask[:3], x[:3].astype(np.float32)), np.where(mask[:3], x[:3].astype(np.float32), 0.0)
    )
    before = x.copy()
    out = where0(mask, x)
    out[:] = 1.0  # a fresh array: writing to it leaves the input alone
    np.testing.assert_array_equal(_bits(x), _bits(before))


@pytest.mark.parametrize("case", ["non-negative", "with ties", "awkward", "negative", "empty", "strided"])
def test_stable_argsort_is_numpys_stable_argsort(case: str):
    rng = np.random.default_rng(5)
    key = {
        "non-negative": rng.random(10_000) * 1e6,
        "with ties": np.floor(rng.random(10_000) * 50.0),  # many equal keys: the order of ties matters
        "awkward": _samples(rng, 2_000),  # −0.0, NaN, inf, subnormals: the float path
        "negative": rng.normal(size=5_000),
        "empty": np.zeros(0),
        "strided": (rng.random(10_000) * 9.0)[::-3],
    }[case]
    np.testing.assert_array_equal(stable_argsort(key), np.argsort(key, kind="stable"))
