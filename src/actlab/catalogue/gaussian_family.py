"""Activations built on the Gaussian: GELU (exact and tanh-approximated) and the
Gaussian bump exp(-x^2).

Shared numerics: exp(-x^2) amplifies the rounding error of x^2 by x^2 (400x at
x = 20), so x^2 is carried exactly as a double-double (two_square) and folded in as
exp(-p) (1 - e). The normal CDF comes from :func:`actlab.special.ndtr`, accurate in
the far tail (SciPy's ndtr is off by up to ~1000 ulp there).
"""

from __future__ import annotations

import math
from types import MappingProxyType
from typing import Any

import numpy as np

from actlab.activation import Activation
from actlab.backend import (
    EXP_TAIL,
    exp_tail,
    scaled_exp_neg,
    split_constant,
    two_prod,
    two_square,
    two_sum,
)
from actlab.catalogue.sigmoid_family import _sig, _sig_dd, sig_grad_tail
from actlab.ndtr32 import ndtr_pdf
from actlab.registry import register
from actlab.special import ndtr
from actlab.taylor import ZeroPatch

Array = Any

_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


def _pdf(xp: Any, x: Array, factor: Array | float = 1.0) -> Array:
    """factor * phi(x) = factor * exp(-x^2/2) / sqrt(2 pi), with x^2 exact."""
    p, e = two_square(xp, x)
    return scaled_exp_neg(xp, 0.5 * p, 0.5 * e, factor * _INV_SQRT_2PI)


_GELU = "x * erfc(-x / sqrt(2)) / 2"
_TAIL = -36.0  # below: Phi(x) is subnormal; use the asymptotic series instead


def _mills_series(xp: Any, x: Array) -> Array:
    """S(x) = |x| Phi(x) / phi(x) = 1 - 1/x^2 + 3/x^4 - ... (10 terms; x <= -36).

    Terms shrink by (2k+1)/x^2 < 1/60, so 10 terms leave < 1e-18. Used where Phi(x)
    is subnormal: x Phi(x) = -phi(x) S(x) then rounds into the subnormal range once.
    """
    t = 1.0 / (x * x)
    acc = 1.0
    for k in range(10, 0, -1):
        acc = 1.0 - (2 * k - 1) * t * acc
    return acc
_GELU_D1_ZERO = ZeroPatch(_GELU, 1, guess=-0.7518, radius=0.4, terms=32)
_GELU_D1_ZERO_32 = _GELU_D1_ZERO.narrowed(1e-5, 4)  # for the float32 kernel


def _gelu32(x: Array) -> Array:
    """x Phi(x) for float32 values (GELU's float32 kernel)."""
    value = ndtr_pdf(x)[0]
    value *= np.clip(x, -40.0, np.inf)  # -inf * Phi(-inf) = -inf * 0 would be nan; the limit is -0
    return value


def _gelu32_d1(xp: Any, x: Array) -> Array:
    """Phi(x) + x phi(x) for float32 values (GELU's float32 kernel), zero patch included."""
    cdf, value = ndtr_pdf(x)
    value *= np.clip(x, -40.0, 40.0)  # +-inf * phi(+-inf) = +-inf * 0 would be nan
    value += cdf
    return _GELU_D1_ZERO_32(xp, value, x)


@register
class GELU(Activation):
    r"""Gaussian error linear unit (exact, with the normal CDF).

    .. math:: f(x) = x\,\Phi(x),\quad f'(x) = \Phi(x) + x\,\varphi(x),\quad
              f''(x) = \varphi(x)\,(2 - x^2)

    Accurate in the left tail: gelu(-20) = -5.5e-88. (PyTorch evaluates
    x (1 + erf(x/sqrt 2))/2, which cancels: 4e-11 relative error at x = -5 and exactly
    0 below x ~ -8.3 in float64; SciPy's ndtr is up to ~1000 ulp off there.) Phi comes
    from :func:`actlab.special.ndtr`; below x = -36, where Phi is subnormal, from the
    asymptotic series of the Mills ratio, rounded once. The zero of f' at
    x = -0.7518 is evaluated from a Taylor polynomial about it.

    Reference: Hendrycks & Gimpel (2016), "Gaussian error linear units (GELUs)".

    >>> import actlab
    >>> float(actlab.get("gelu")(-20.0))
    -5.5072482372124e-88
    """

    name = "gelu"
    formula = _GELU
    reference = "Hendrycks & Gimpel, arXiv:1606.08415 (2016)"
    cost = "erf"
    torch_equivalent = staticmethod(lambda F, x: F.gelu(x))

    @staticmethod
    def f(xp: Any, x: Array) -> Array:
        xl = xp.maximum(x, -1e300)  # -inf * 0 would be nan; the limit is -0
        return xp.patch(xl * ndtr(xp, xl), x < _TAIL, lambda xt: _pdf(xp, xt, -_mills_series(xp, xt)),
                        xp.maximum(x, -40.0))

    @staticmethod
    def df(xp: Any, x: Array) -> Array:
        xc = xp.clip(x, -40.0, 40.0)  # phi(40) = 0 in float64
        value = xp.patch(ndtr(xp, x) + _pdf(xp, xc, xc), x < _TAIL,
                         lambda xt: _pdf(xp, xt, xt - _mills_series(xp, xt) / xt), xc)  # phi (x + S/|x|)
        return _GELU_D1_ZERO(xp, value, x)

    @staticmethod
    def d2f(xp: Any, x: Array) -> Array:
        xc = xp.clip(x, -40.0, 40.0)
        p, e = two_square(xp, xc)
        return _pdf(xp, xc, (2.0 - p) - e)  # 2 - p is exact near the zeros +-sqrt 2

    # For float16/32 inputs: Phi and phi from actlab.ndtr32 (branch-free NumPy passes,
    # relative error < 1e-13): 2.6x faster per block than SciPy's scalar ndtr loop.
    float32_kernels = MappingProxyType({
        "f": lambda xp, x: _gelu32(x),
        "df": _gelu32_d1,
    })


# tanh approximation: 0.5 x (1 + tanh(k (x + c x^3))) = x sigma(u), u = 2k (x + c x^3),
# with k = sqrt(2/pi) and c = 0.044715 exactly (decimal). In the left tail sigma(u) ~ e^u
# multiplies the error of u by |u| (~600 at x = -20), so u is a double-double.
_GT_C = split_constant(lambda mp: mp.mpf("0.044715"))
_GT_K2 = split_constant(lambda mp: 2 * mp.sqrt(2 / mp.pi))
_GELU_TANH = "x * sigmoid(2 * sqrt(2 / pi) * (x + 0.044715 * x**3))"
_GELU_TANH_D1_ZERO = ZeroPatch(_GELU_TANH, 1, guess=-0.7518, radius=0.4, terms=32)
_GELU_TANH_D1_ZERO_32 = _GELU_TANH_D1_ZERO.narrowed(1e-5, 4)  # for the float32 kernel
_GELU_TANH_D2_ZEROS = (ZeroPatch(_GELU_TANH, 2, guess=-1.41, radius=0.25, terms=24),
                       ZeroPatch(_GELU_TANH, 2, guess=1.41, radius=0.25, terms=24))


def _gelu_tanh_u(xp: Any, x: Array, dd: bool = True) -> tuple[Array, Array | float]:
    """u = 2k (x + c x^3) as a double-double (u, u_lo), for |x| <= 1e3.

    ``dd=False`` (float16/32 inputs): u alone, u_lo = 0. Its relative error ~1e-16 |u|
    is then below 1e-13 wherever a float32 result is nonzero (|u| < 110).
    """
    (c_hi, c_lo), (k_hi, k_lo) = _GT_C, _GT_K2
    if not dd:
        return k_hi * (x + c_hi * (x * x * x)), 0.0
    p2, e2 = two_square(xp, x)
    p3, e3 = two_prod(xp, p2, x)
    x3_lo = e3 + e2 * x
    q, qe = two_prod(xp, p3, c_hi)
    w, we = two_sum(x, q)
    w_lo = we + (qe + p3 * c_lo + x3_lo * c_hi)
    u, ue = two_prod(xp, w, k_hi)
    return u, ue + w * k_lo + w_lo * k_hi


@register
class GELUTanh(Activation):
    r"""GELU, tanh approximation (as in GPT-2 and BERT).

    .. math:: f(x) = \tfrac12 x\bigl(1 + \tanh(\sqrt{2/\pi}\,(x + 0.044715x^3))\bigr)
              = x\,\sigma(u),\quad u = 2\sqrt{2/\pi}\,(x + 0.044715x^3)

    .. math:: f'(x) = \sigma(u)(1 + x u' \sigma(-u)),\quad
              f''(x) = \sigma'(u)\bigl(2u' + x u'' - x u'^2\tanh(u/2)\bigr)

    The constants are exact (0.044715 is decimal). Zeros of f' and f'' are evaluated
    from Taylor polynomials about them.

    Reference: Hendrycks & Gimpel (2016); Radford et al. (2019), GPT-2.

    >>> import actlab
    >>> float(actlab.get("gelu_tanh")(1.0))
    0.8411919906082768
    """

    name = "gelu_tanh"
    formula = _GELU_TANH
    reference = "Hendrycks & Gimpel, arXiv:1606.08415 (2016)"
    torch_equivalent = staticmethod(lambda F, x: F.gelu(x, approximate="tanh"))
    naive = staticmethod(lambda np, x: 0.5 * x * (
        1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x**3))))

    # Where |u| > 700, sigma(u) (u < 0) and sigma'(u) equal e^-|u| to 1e-304: there the
    # results are (factor x e^-|u|), rounded once by exp_tail / sig_grad_tail.

    @staticmethod
    def f(xp: Any, x: Array, dd: bool = True) -> Array:
        xc = xp.clip(x, -1e3, 1e3)
        u, u_lo = _gelu_tanh_u(xp, xc, dd)
        value = xp.maximum(x, -1e300) * _sig(xp, u, u_lo)
        return xp.patch(value, u < -EXP_TAIL, lambda *a: exp_tail(xp, *a), u, u_lo, xc)

    @staticmethod
    def df(xp: Any, x: Array, dd: bool = True) -> Array:
        xc = xp.clip(x, -1e3, 1e3)
        u, u_lo = _gelu_tanh_u(xp, xc, dd)
        s, sm, _ = _sig_dd(xp, u, u_lo)
        du = _GT_K2[0] * (1.0 + 3.0 * _GT_C[0] * xc * xc)
        value = s * (1.0 + xc * du * sm)
        value = xp.patch(value, u < -EXP_TAIL, lambda *a: exp_tail(xp, *a), u, u_lo,
                         1.0 + xc * du)
        return (_GELU_TANH_D1_ZERO if dd else _GELU_TANH_D1_ZERO_32)(xp, value, x)

    @staticmethod
    def d2f(xp: Any, x: Array) -> Array:
        xc = xp.clip(x, -1e3, 1e3)
        u, u_lo = _gelu_tanh_u(xp, xc)
        d = _sig_dd(xp, u, u_lo)[2]
        du = _GT_K2[0] * (1.0 + 3.0 * _GT_C[0] * xc * xc)
        d2u = _GT_K2[0] * 6.0 * _GT_C[0] * xc
        value = d * (2.0 * du + xc * d2u - xc * du * du * xp.tanh(0.5 * u))
        factor = 2.0 * du + xc * d2u - xc * du * du * xp.sign(u)
        value = xp.patch(value, xp.abs(u) > EXP_TAIL, lambda *a: sig_grad_tail(xp, *a), u, u_lo,
                         factor)
        for patch in _GELU_TANH_D2_ZEROS:
            value = patch(xp, value, x)
        return value

    float32_kernels = MappingProxyType({
        "f": lambda xp, x: GELUTanh.f(xp, x, dd=False),
        "df": lambda xp, x: GELUTanh.df(xp, x, dd=False),
    })


def _gauss(xp: Any, xc: Array, factor: Array | float = 1.0) -> Array:
    p, e = two_square(xp, xc)
    return scaled_exp_neg(xp, p, e, factor)


@register
class Gaussian(Activation):
    r"""Gaussian bump: a radial-basis activation.

    .. math:: f(x) = e^{-x^2},\quad f'(x) = -2x\,e^{-x^2},\quad f''(x) = (4x^2 - 2)\,e^{-x^2}

    x^2 is carried exactly (two_square), so f(20) = 1.9e-174 is correct to the last
    bit, and 4x^2 - 2 does not cancel near the zeros +-1/sqrt 2 of f''.

    Reference: Broomhead & Lowe (1988), radial basis function networks.

    >>> import actlab
    >>> float(actlab.get("gaussian")(20.0))
    1.9151695967140057e-174
    """

    name = "gaussian"
    formula = "exp(-x**2)"
    reference = "Broomhead & Lowe, Complex Systems 2 (1988)"
    naive = staticmethod(lambda np, x: np.exp(-x * x))

    @staticmethod
    def f(xp: Any, x: Array) -> Array:
        return _gauss(xp, xp.clip(x, -40.0, 40.0))  # exp(-1600) = 0 in float64

    @staticmethod
    def df(xp: Any, x: Array) -> Array:
        xc = xp.clip(x, -40.0, 40.0)
        return _gauss(xp, xc, -2.0 * xc)

    @staticmethod
    def d2f(xp: Any, x: Array) -> Array:
        xc = xp.clip(x, -40.0, 40.0)
        p, e = two_square(xp, xc)
        return _gauss(xp, xc, 4.0 * ((p - 0.5) + e))
