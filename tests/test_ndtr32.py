"""actlab.ndtr32 (Phi and phi for float32 values) and the float32 GELU kernels built on it."""

from __future__ import annotations

import numpy as np
from reference import ulp_distance

import actlab
from actlab import ndtr32
from actlab.backend import NUMPY
from actlab.special import ndtr


def _float32_sweep(lo: float, hi: float, stride: int) -> np.ndarray:
    """Every stride-th float32 in [lo, hi] (lo < 0 < hi), -0 and +0 included."""
    def bits(v: float) -> int:
        return int(np.array(v, np.float32).view(np.uint32))

    pos = np.arange(0, bits(hi) + 1, stride, dtype=np.uint32)
    neg = np.arange(bits(-0.0), bits(lo) + 1, stride, dtype=np.uint32)
    return np.concatenate([neg[::-1], pos]).view(np.float32)


def test_shipped_coefficients_are_recomputed_exactly() -> None:
    assert ndtr32.coefficients() == ndtr32._P, (
        "regenerate with: python -m actlab.ndtr32 and paste into _P")


def test_ndtr_pdf_relative_error() -> None:
    # where gelu's float32 results are nonzero (x > -14.55), and a little beyond
    x = _float32_sweep(-15.0, 9.0, 4099).astype(np.float64)
    cdf, pdf = ndtr32.ndtr_pdf(x)
    want_cdf = ndtr(NUMPY, x)  # <= 2 ulp (float64) from mpmath
    want_pdf = np.exp(-0.5 * (x * x)) / np.sqrt(2.0 * np.pi)  # x^2 exact
    assert np.abs(cdf / want_cdf - 1.0).max() < 1e-13
    assert np.abs(pdf / want_pdf - 1.0).max() < 1e-15


def test_ndtr_pdf_special_values() -> None:
    cdf, pdf = ndtr32.ndtr_pdf(np.array([-np.inf, np.inf, np.nan, -0.0, 0.0, -1e30, 1e30]))
    np.testing.assert_array_equal(cdf[:2], [0.0, 1.0])
    np.testing.assert_array_equal(pdf[:2], [0.0, 0.0])
    assert np.isnan(cdf[2]) and np.isnan(pdf[2])
    np.testing.assert_allclose(cdf[3:5], 0.5, rtol=1e-13)
    np.testing.assert_array_equal(cdf[5:], [0.0, 1.0])


def test_gelu_float32_kernels_against_float64() -> None:
    """Every 2**10-th float32 in [-15, 6] (f and f' are -0, x or 1 beyond), f and f'
    within 1 ulp of the float64 kernels' results rounded to float32 (<= 1 ulp is what
    an exhaustive run over every float32 measured); special values exactly."""
    act = actlab.get("gelu")
    x = _float32_sweep(-15.0, 6.0, 1 << 10)
    x64 = x.astype(np.float64)
    for fn in (act, act.grad):
        got, want = fn(x), fn(x64).astype(np.float32)
        assert got.dtype == np.float32
        err = ulp_distance(got, want)
        assert err.max() <= 1, (fn, x[err.argmax()], got[err.argmax()], want[err.argmax()])
    special = np.array([-np.inf, np.inf, np.nan, -0.0, 0.0, -1e30, -20.0], np.float32)
    f, df = act(special), act.grad(special)
    assert f.view(np.uint32).tolist()[:2] == np.array([-0.0, np.inf], np.float32).view(
        np.uint32).tolist()
    np.testing.assert_array_equal(np.signbit(f), [True, False, False, True, False, True, True])
    np.testing.assert_array_equal(f[[3, 4, 5, 6]], 0.0)
    np.testing.assert_array_equal(df[[0, 1, 3, 4, 5, 6]], [0.0, 1.0, 0.5, 0.5, 0.0, 0.0])
    np.testing.assert_array_equal(np.signbit(df[[0, 5, 6]]), [False, False, True])
    assert np.isnan(f[2]) and np.isnan(df[2])
