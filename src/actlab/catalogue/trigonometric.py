"""Trigonometric activations: sinusoid (periodic) and arctan (a sigmoid shape)."""

from __future__ import annotations

import math
from types import MappingProxyType
from typing import Any

import numpy as np

from actlab.activation import Activation
from actlab.backend import NUMPY
from actlab.registry import register
from actlab.scratch import SMALL, evaluate

Array = Any


def _finite(xp: Any, x: Array) -> Array:
    # sin(+-inf) is NaN (no limit); computing it on a NaN avoids NumPy's warning.
    return xp.where(xp.isinf(x), math.nan, x)


def _trig32(fn: Any, x: Array) -> Array:
    """np.sin or np.cos of float16/32 inputs in NumPy's float32 loop (SIMD, ~15x faster
    than float64's libm loop). The float32 result is exact in float64, so g * f' (formed
    in float64 by the caller) is still rounded once."""
    # NOTE: NumPy's float32 sin/cos are not correctly rounded. Checked exhaustively (every
    # finite float32, against float64 libm rounded to float32) on NumPy 2.4's x86-64-v4
    # loop: within 1.49 ulp, inside the 4-ulp bar. Re-check when NumPy changes that loop.
    with np.errstate(invalid="ignore"):  # sin(+-inf) = NaN, as wanted
        return fn(x, dtype=np.float32)


@register
class Sinusoid(Activation):
    r"""Sine: a periodic activation (SIREN-style networks).

    .. math:: f(x) = \sin x,\quad f'(x) = \cos x,\quad f''(x) = -\sin x

    f(+-inf) is NaN (no limit).

    Reference: Sitzmann et al. (2020), "Implicit neural representations with periodic
    activation functions".

    >>> import actlab
    >>> actlab.get("sin")([0.0, 1.5707963267948966])
    array([0., 1.])
    """

    name = "sinusoid"
    aliases = ("sin", "sine")
    formula = "sin(x)"
    reference = "Sitzmann et al., NeurIPS 2020 (SIREN)"
    cost = "trig"
    naive = staticmethod(lambda np, x: np.sin(x))

    @staticmethod
    def f(xp: Any, x: Array) -> Array:
        return xp.sin(_finite(xp, x))

    @staticmethod
    def df(xp: Any, x: Array) -> Array:
        return xp.cos(_finite(xp, x))

    @staticmethod
    def d2f(xp: Any, x: Array) -> Array:
        return -xp.sin(_finite(xp, x))

    float32_kernels = MappingProxyType({
        "f": lambda xp, x: _trig32(np.sin, x),
        "df": lambda xp, x: _trig32(np.cos, x),
    })


def _arctan_f_block(x: np.ndarray, out: np.ndarray) -> None:
    # the float64 loop for float32 too (NumPy's float32 arctan is not correctly rounded);
    # the output cast rounds once. (Converting first is cheaper on small arrays.)
    if x.size <= SMALL:
        np.copyto(out, np.arctan(x.astype(np.float64, copy=False)))
    else:
        np.arctan(x, out=out, dtype=np.float64)


def _arctan_backward_step(x: np.ndarray, bufs: list[np.ndarray], dst: np.ndarray,
                          g: np.ndarray) -> None:
    """g * Arctan.df on one chunk, the same operations (same bits)."""
    (q,) = bufs
    np.multiply(x, x, out=q)
    big = q > 1e300
    tail = (1.0 / x[big]) / x[big] if big.any() else None
    q += 1.0
    np.divide(1.0, q, out=q)
    if tail is not None:
        q[big] = tail
    np.multiply(q, g, out=dst)


@register
class Arctan(Activation):
    r"""Arctangent: a sigmoid shape with range (-pi/2, pi/2) and polynomial tails.

    .. math:: f(x) = \arctan x,\quad f'(x) = \frac{1}{1 + x^2},\quad
              f''(x) = \frac{-2x}{(1 + x^2)^2}

    f' = 1/(1 + x^2) is three roundings with no cancellation; beyond |x| = 1e150, where
    x^2 overflows, it is evaluated as (1/x)/x.

    >>> import actlab
    >>> actlab.get("arctan").grad([0.0, 1e150])
    array([1.e+000, 1.e-300])
    """

    name = "arctan"
    aliases = ("atan",)
    formula = "atan(x)"
    reference = "common in activation surveys; see e.g. Nwankpa et al., arXiv:1811.03378"
    cost = "trig"
    naive = staticmethod(lambda np, x: np.arctan(x))

    @staticmethod
    def f(xp: Any, x: Array) -> Array:
        return xp.atan(x)

    @staticmethod
    def df(xp: Any, x: Array) -> Array:
        q = x * x
        # NOTE: 1/(1 + inf) would be 0 where the value is 1e-300 (x = 1e150 is the doctest)
        return xp.patch(1.0 / (1.0 + q), q > 1e300, lambda v: (1.0 / v) / v, x)

    # x*x exact; the patch of df never applies (at +-inf both give 0): the same values
    float32_kernels = MappingProxyType({"df": lambda xp, x: 1.0 / (1.0 + x * x)})
    f_block = staticmethod(_arctan_f_block)
    backward_block = staticmethod(lambda x, g, out: evaluate(
        _arctan_backward_step, 1, lambda v: (Arctan.df if x.dtype == np.float64 else
                                             Arctan.float32_kernels["df"])(NUMPY, v), x, out, g))

    @staticmethod
    def d2f(xp: Any, x: Array) -> Array:
        big = xp.abs(x) > 1.0
        xb = xp.where(big, x, 2.0)  # keeps the unused branch away from 0/0 at x = -1
        r = 1.0 / xb
        inv = 1.0 / (xb + r)  # for |x| > 1: -2x/(1+x^2)^2 = -2 (r/(x+r)) (1/(x+r))
        xs = xp.where(big, 0.0, x)
        small = 1.0 / (1.0 + xs * xs)
        return xp.where(big, -2.0 * (r * inv) * inv, -2.0 * xs * small * small)
