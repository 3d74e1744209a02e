"""Branch-free equivalents of `np.where` on float64 arrays, bit for bit.

`np.where` tests its condition element by element with a branch; on the masks of a slice's events
(which class, which cause, which events spill: irregular, from random draws) the processor mispredicts
many of those branches, and one `np.where` over 230,000 events costs 0.6-0.9 ms. Selecting the bits
with a mask widened to 64-bit words of all ones or all zeros (0 − True = −1 = 0xFF…FF) does the same
in a few passes without a branch: 5-7x faster for `where0`, 2-3x for `select`. The values are moved as
bit patterns, never as numbers, so NaNs, infinities and −0.0 come out exactly as `np.where` gives them.
`stable_argsort` sorts non-negative float keys as integers, which compare faster than floats.
"""

from __future__ import annotations

import numpy as np

__all__ = ["select", "stable_argsort", "where0"]


def _word_mask(mask: np.ndarray) -> np.ndarray:
    """int64 words: −1 (all bits set) where `mask` is True, 0 where it is False."""
    words = np.empty(mask.shape, dtype=np.int64)
    np.negative(mask.view(np.int8), out=words, casting="unsafe")
    return words


def where0(mask: np.ndarray, x: np.ndarray) -> np.ndarray:
    """`np.where(mask, x, 0.0)` for a bool `mask` and a float64 `x` of the same shape, bit for bit. The
    mask's bytes must be 0 or 1, as numpy's comparisons and logical operators give (a bool view of other
    bytes would select only some bits); any other input goes to `np.where`.

    >>> x = np.array([1.5, -0.0, np.inf, -2.0])
    >>> where0(np.array([True, True, False, True]), x).tolist()
    [1.5, -0.0, 0.0, -2.0]
    """
    if not isinstance(mask, np.ndarray) or not isinstance(x, np.ndarray):
        return np.where(mask, x, 0.0)
    if mask.dtype != np.bool_ or x.dtype != np.float64 or mask.shape != x.shape:
        return np.where(mask, x, 0.0)
    words = _word_mask(mask)
    words &= x.view(np.int64)
    return words.view(np.float64)


def select(mask: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """`np.where(mask, a, b)` for a bool `mask` (bytes 0 or 1, as `where0`) and float64 `a` and `b`, all of
    one shape, bit for bit: b ^ ((a ^ b) & mask) on the values' bits; any other input goes to `np.where`.

    >>> select(np.array([True, False]), np.array([1.0, 2.0]), np.array([-1.0, np.nan])).tolist()
    [1.0, nan]
    """
    if not all(isinstance(v, np.ndarray) for v in (mask, a, b)):
        return np.where(mask, a, b)
    if (
        mask.dtype != np.bool_
        or a.dtype != np.float64
        or b.dtype != np.float64
        or not mask.shape == a.shape == b.shape
    ):
        return np.where(mask, a, b)
    b_bits = b.view(np.int64)
    bits = np.bitwise_xor(a.view(np.int64), b_bits)
    bits &= _word_mask(mask)
    bits ^= b_bits
    return bits.view(np.float64)


#: The bits of +inf: an int64 view at or above this is an infinity or a NaN.
_INF_BITS = np.float64(np.inf).view(np.int64)


def stable_argsort(key: np.ndarray) -> np.ndarray:
    """`np.argsort(key, kind="stable")` of a float64 key, the same permutation, about 30% faster when the
    key's values are finite and non-negative (+0.0 included): such doubles are ordered, and equal, as
    the int64 words of their bits are, and numpy's stable sort compares integers without the NaN tests
    it needs for floats. Other keys (a sign bit, an infinity, a NaN) are sorted as floats.

    >>> stable_argsort(np.array([2.5, 0.0, 1.0, 0.0])).tolist()
    [1, 3, 2, 0]
    """
    if not isinstance(key, np.ndarray) or key.dtype != np.float64 or key.ndim != 1:
        return np.argsort(key, kind="stable")
    bits = key.view(np.int64)
    if bits.size and (bits.min() < 0 or bits.max() >= _INF_BITS):
        return np.argsort(key, kind="stable")
    return np.argsort(bits, kind="stable")
