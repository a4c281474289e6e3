"""Accuracy of actlab.special against mpmath (50 digits), on both backends.

Errors are counted in ulps as the distance between the float64 bit patterns (so in
units of the smallest subnormal where the result is subnormal; +0 and -0 are equal).
Run with ``pytest -W error``: the kernels must not emit floating-point warnings.
"""

from __future__ import annotations

import functools
import warnings

import mpmath
import numpy as np
import pytest

from actlab import special
from actlab.backend import NUMPY

# name -> (grid half-width, max ulps, extra points where the result is subnormal)
CASES = {
    "erf": (30.0, 1, []),
    "erfc": (30.0, 2, [(26.5, 27.3)]),
    "ndtr": (40.0, 2, [(-38.6, -37.4)]),
}
_TINY = [0.0, 5e-324, 2.2250738585072014e-308, 1.7976931348623157e308, np.inf]
SPECIALS = np.array(_TINY + [-v for v in _TINY] + [np.nan])


def _grid(half_width: float, subnormal_ranges: list[tuple[float, float]]) -> np.ndarray:
    mags = np.logspace(-300, 3, 600)
    parts = [np.linspace(-half_width, half_width, 4001), mags, -mags, SPECIALS]
    parts += [np.linspace(lo, hi, 200) for lo, hi in subnormal_ranges]
    return np.concatenate(parts)


def _nearest_float(v: mpmath.mpf) -> float:
    """mpf -> nearest float64 (ties to even, subnormals included) via exact int division."""
    if not mpmath.isfinite(v) or v == 0:
        return float(v)
    sign, man, exp, _ = v._mpf_
    r = float(man << exp) if exp >= 0 else man / (1 << -exp)  # correctly rounded in CPython
    return -r if sign else r


def _mp_ref(name: str, x: float) -> float:
    if np.isnan(x):
        return np.nan
    if np.isinf(x) or abs(x) > 1e4:  # the limits; mpmath's erfc gives up near 1e308
        x = float(np.sign(x)) * 1e4
    t = mpmath.mpf(x)
    v = {"erf": mpmath.erf, "erfc": mpmath.erfc, "ndtr": mpmath.ncdf}[name](t)
    return _nearest_float(v)


@functools.cache
def _reference(name: str) -> tuple[np.ndarray, np.ndarray]:
    half_width, _, subnormal = CASES[name]
    x = _grid(half_width, subnormal)
    with mpmath.workdps(50):
        want = np.array([_mp_ref(name, v) for v in x])
    return x, want


def _ordered(a: np.ndarray) -> np.ndarray:
    """float64 bit patterns as integers that are monotonic in the value (-0 -> 0)."""
    i = np.ascontiguousarray(a, dtype=np.float64).view(np.int64)
    return np.where(i < 0, -(i & 0x7FFFFFFFFFFFFFFF), i)


def ulp_distance(got: np.ndarray, want: np.ndarray) -> np.ndarray:
    d = np.abs(_ordered(got) - _ordered(want)).astype(np.float64)
    got_nan, want_nan = np.isnan(got), np.isnan(want)
    d = np.where(got_nan & want_nan, 0.0, d)
    return np.where(got_nan ^ want_nan, np.inf, d)


def _run(backend: str, name: str, x: np.ndarray) -> np.ndarray:
    fn = getattr(special, name)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        if backend == "numpy":
            out = fn(NUMPY, x)
            assert isinstance(out, np.ndarray) and out.dtype == np.float64
            return out
        torch = pytest.importorskip("torch")
        from actlab.backend import torch_ops

        out = fn(torch_ops(), torch.from_numpy(x))
        assert out.dtype == torch.float64
        return out.numpy()


BACKENDS = ["numpy", "torch"]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("name", list(CASES))
def test_accuracy_ulps(backend: str, name: str) -> None:
    x, want = _reference(name)
    x_in = x.copy()
    got = _run(backend, name, x_in)
    np.testing.assert_array_equal(x_in, x)  # input untouched
    d = ulp_distance(got, want)
    k = int(np.argmax(d))
    assert d[k] <= CASES[name][1], (
        f"{name}[{backend}]: {d[k]} ulp at x={x[k]!r}: got {got[k]!r}, want {want[k]!r}")


@pytest.mark.parametrize("backend", BACKENDS)
def test_special_values(backend: str) -> None:
    x = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 5e-324, -5e-324])
    erf = _run(backend, "erf", x)
    np.testing.assert_array_equal(erf, [0.0, -0.0, 1.0, -1.0, np.nan, 5e-324, -5e-324])
    assert np.signbit(erf[1]) and not np.signbit(erf[0])
    np.testing.assert_array_equal(_run(backend, "erfc", x), [1, 1, 0, 2, np.nan, 1, 1])
    np.testing.assert_array_equal(_run(backend, "ndtr", x), [0.5, 0.5, 1, 0, np.nan, 0.5, 0.5])


@pytest.mark.parametrize("backend", BACKENDS)
def test_shapes(backend: str) -> None:
    x = np.linspace(-40.0, 40.0, 24).reshape(2, 3, 4)
    for name in CASES:
        flat = _run(backend, name, x.ravel())
        np.testing.assert_array_equal(_run(backend, name, x), flat.reshape(x.shape))
        np.testing.assert_array_equal(_run(backend, name, np.array(x[1, 2, 3])), flat[-1])


def test_numpy_ndtr_takes_the_bits_of_the_formulas_for_negative_x() -> None:
    """On NumPy, ndtr groups x < 0 by range before forming its argument (_ndtr_numpy):
    every x, the range edges and their neighbours included, must get _ndtr's bits."""
    edges = [special._X_MID, special._X_TAIL, special._X_FAR, -special._T_MAX, -38.5]
    near = [np.nextafter(e, d) for e in edges for d in (-np.inf, np.inf)]
    rng = np.random.default_rng(5)
    x = np.concatenate([edges, near, rng.normal(0.0, 3.0, 5000), rng.uniform(-60.0, 0.0, 5000),
                        [-np.inf, -1e308, -5e-324, -0.0]])
    x = -np.abs(x)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_array_equal(special.ndtr(NUMPY, x).view(np.int64),
                                      special._ndtr(NUMPY, x).view(np.int64))
