"""Algebraic activations (square roots and ratios): softsign, squareplus, ISRU, ISRLU,
bent identity.

Shared numerics: never square x where x^2 can overflow (|x| > 1e154) unless the
result underflows anyway; use hypot for sqrt(x^2 + c); rewrite a + sqrt(a^2 + c)
for a < 0 as c / (sqrt(a^2 + c) - a) so nothing cancels.

float16/32 inputs (``float32_kernels``): x^2 is exact in float64 and cannot overflow,
so sqrt(x*x + c) replaces hypot (a scalar libm loop, ~15 ns per element) and ISRU
needs no double-double. Each formula is then a few roundings of 2**-53, far inside
float32's half ulp of 2**-24. f and f' both have such kernels (these f are monotonic:
their f' has no interior zero for tests/test_blocks.py to probe; the standard grid of
test_accuracy checks them).
"""

from __future__ import annotations

import math
import sys
from types import MappingProxyType
from typing import Any

import numpy as np

from actlab.activation import Activation, Param
from actlab.backend import const_like, two_prod, two_square
from actlab.registry import register

Array = Any

#: clip bound for +-inf in the float16/32 kernels: above float32's max (3.4e38), so no
#: finite input moves, and x*x <= 1.6e77.
_X32 = 4e38
#: the constants c for which x*x + c cannot overflow there
_C32 = 1e300


def _root32(x: Array, c: float) -> Array:
    """sqrt(x^2 + c) for float16/32 inputs (or +-_X32, +-inf) and 0 < c <= _C32: two
    roundings (x*x is exact)."""
    return np.sqrt(x * x + c)


@register
class Softsign(Activation):
    r"""Softsign: a sigmoid-shaped ratio that saturates polynomially, not exponentially.

    .. math:: f(x) = \frac{x}{1 + |x|},\quad f'(x) = \frac{1}{(1 + |x|)^2},\quad
              f''(x) = \frac{-2\operatorname{sign}(x)}{(1 + |x|)^3}

    f'' jumps at 0 (from 2 to -2); we return f''(0) = 0, the mean (sign(0) = 0).

    Reference: Bergstra et al. (2009); Glorot & Bengio (2010).

    >>> import actlab
    >>> actlab.get("softsign")([-1.0, 3.0])
    array([-0.5 ,  0.75])
    """

    name = "softsign"
    formula = "x / (1 + abs(x))"
    reference = "Glorot & Bengio, AISTATS 2010"
    kinks = "f''(0) = 0 (f'' jumps from 2 to -2; sign(0) = 0)."
    cost = "algebraic"
    torch_equivalent = staticmethod(lambda F, x: F.softsign(x))
    naive = staticmethod(lambda np, x: x / (1 + np.abs(x)))

    @staticmethod
    def f(xp: Any, x: Array) -> Array:
        # clipped, inf / inf would be nan; f(+-1e300) is +-1 to 1e-300 (and overflow-free)
        xc = xp.clip(x, -1e300, 1e300)
        return xc / (1.0 + xp.abs(xc))

    @staticmethod
    def df(xp: Any, x: Array) -> Array:
        r = 1.0 / (1.0 + xp.abs(x))  # squaring r, not (1 + |x|), cannot overflow
        return r * r

    @staticmethod
    def d2f(xp: Any, x: Array) -> Array:
        r = 1.0 / (1.0 + xp.abs(x))
        return -2.0 * xp.sign(x) * (r * r * r)


def _squareplus_f(xp: Any, x: Array, h: Array, b: float) -> Array:
    """f from h = sqrt(x^2 + b)."""
    # NOTE: halves before the sum: h + |x| overflows at |x| = 0.9e308, (x + h)/2 does not.
    s = 0.5 * h + 0.5 * xp.abs(x)
    return xp.where(x >= 0, s, (0.25 * b) / s)


def _squareplus_df(xp: Any, x: Array, h: Array, b: float) -> Array:
    """f' from h = sqrt(x^2 + b), for finite x (x/h at +-inf would be nan)."""
    # NOTE: 1 + x/h cancels for x < 0; there f' = (b/2) / (h (h + |x|)), which does not.
    # Two divisions: h (h + |x|) overflows first.
    return xp.where(x >= 0, 0.5 + 0.5 * (x / h), (0.5 * b) / h / (h + xp.abs(x)))


@register
class Squareplus(Activation):
    r"""Squareplus: a softplus-like ramp made of a square root.

    .. math:: f(x) = \frac{x + \sqrt{x^2 + b}}{2},\quad
              f'(x) = \frac12\Bigl(1 + \frac{x}{\sqrt{x^2 + b}}\Bigr),\quad
              f''(x) = \frac{b}{2\,(x^2 + b)^{3/2}}

    With h = hypot(x, sqrt b) and S = (h + |x|)/2: f = S for x >= 0 and f = (b/4)/S
    for x < 0 (= (x + h)/2 without the cancellation); f' = 1/2 + x/(2h) for x >= 0 and
    (b/2) / (h (h + |x|)) for x < 0.

    Reference: Barron (2021), "Squareplus: a softplus-like algebraic rectifier".

    >>> import actlab
    >>> actlab.get("squareplus")([-1e10, 0.0, 1e10])
    array([1.e-10, 1.e+00, 1.e+10])
    """

    name = "squareplus"
    parameters = (Param("b", 4.0, lo=0.0, doc="curvature at 0; b -> 0 gives relu"),)
    formula = "(x + sqrt(x**2 + b)) / 2"
    reference = "Barron, arXiv:2112.11687 (2021)"
    cost = "algebraic"
    naive = staticmethod(lambda np, x, b: (x + np.sqrt(x * x + b)) / 2)

    @staticmethod
    def f(xp: Any, x: Array, b: float) -> Array:
        return _squareplus_f(xp, x, xp.hypot(x, math.sqrt(b)), b)

    @staticmethod
    def df(xp: Any, x: Array, b: float) -> Array:
        xc = xp.clip(x, -1e300, 1e300)  # x/h -> sign(x) at +-inf, not inf/inf
        return _squareplus_df(xp, xc, xp.hypot(xc, math.sqrt(b)), b)

    @staticmethod
    def d2f(xp: Any, x: Array, b: float) -> Array:
        h = xp.hypot(x, math.sqrt(b))
        return (0.5 * b) / h / h / h

    # float16/32 inputs: sqrt(x*x + b) for hypot (b beyond _C32: hypot)
    float32_kernels = MappingProxyType({
        "f": lambda xp, x, b: _squareplus_f(xp, x, _root32(x, b) if b <= _C32 else
                                            xp.hypot(x, math.sqrt(b)), b),
        "df": lambda xp, x, b: _squareplus_df(xp, xc := xp.clip(x, -_X32, _X32), _root32(xc, b)
                                              if b <= _C32 else xp.hypot(xc, math.sqrt(b)), b),
    })


def _isru_s(xp: Any, x: Array, alpha: float) -> Array:
    """s = 1 + alpha x^2, with x^2 and alpha x^2 carried exactly to one rounding."""
    p, e = two_square(xp, x)
    if alpha == 1.0:
        return 1.0 + p + e
    if math.frexp(alpha)[0] == 0.5:  # a power of two: alpha p is exact
        return 1.0 + alpha * p + alpha * e
    ap, ae = two_prod(xp, p, alpha)
    return 1.0 + ap + (ae + alpha * e)


def _isru_f(xp: Any, x: Array, alpha: float) -> Array:
    s = _isru_s(xp, x, alpha)
    big = xp.isinf(s)  # alpha x^2 overflowed: f = sign(x)/sqrt(alpha), and inf/inf is nan
    value = xp.where(big, 0.0, x) / xp.sqrt(s)
    return xp.patch(value, big, lambda v: xp.sign(v) / math.sqrt(alpha), x)


def _isru_df(xp: Any, x: Array, alpha: float) -> Array:
    s = _isru_s(xp, x, alpha)
    return (1.0 / s) * (1.0 / xp.sqrt(s))  # two factors: s * sqrt(s) would overflow first


def _isru_f32(xp: Any, x: Array, alpha: float, linear_right: bool = False) -> Array:
    """ISRU (ISRLU if linear_right) for float16/32 inputs: m / sqrt(1 + y^2), m = x
    clipped to [-L, L] (ISRLU: to [-L, inf]), y = sqrt(alpha) m (ISRLU: 0 for x >= 0,
    so f = x exactly). Beyond L = 2**32/sqrt(alpha), alpha x^2 > 2**64 and f is
    +-1/sqrt(alpha) to 2**-65: clipping there keeps y^2 finite for every alpha."""
    c = math.sqrt(alpha)
    lim = 2.0**32 / c
    m = xp.maximum(x, -lim) if linear_right else xp.clip(x, -lim, lim)
    y = xp.minimum(m, 0.0) if linear_right else m
    y = y if alpha == 1.0 else c * y
    return m / xp.sqrt(1.0 + y * y)


def _isru_df32(xp: Any, x: Array, alpha: float) -> Array:
    """(1 + alpha x^2)^(-3/2) for float16/32 inputs (x*x exact). Overflow of s or of
    s sqrt(s) gives 0, right: the value is then below 1e-307, 0 in float32."""
    s = 1.0 + (x * x if alpha == 1.0 else alpha * (x * x))
    return 1.0 / (s * xp.sqrt(s))


def _isru_d2f(xp: Any, x: Array, alpha: float) -> Array:
    s = _isru_s(xp, x, alpha)
    xs = xp.where(xp.isinf(s), 0.0, x)  # beyond overflow of s the value is 0 (underflow)
    return (-3.0 * alpha) * (xs / s) * (1.0 / s) * (1.0 / xp.sqrt(s))


@register
class ISRU(Activation):
    r"""Inverse square root unit: a sigmoid-shaped ratio with range (-1/sqrt(a), 1/sqrt(a)).

    .. math:: f(x) = \frac{x}{\sqrt{1 + \alpha x^2}},\quad f'(x) = (1 + \alpha x^2)^{-3/2},
              \quad f''(x) = -3\alpha x\,(1 + \alpha x^2)^{-5/2}

    Reference: Carlile, Delamarter, Kinney, Marti & Whitney (2017), "Improving deep
    learning by inverse square root linear units (ISRLUs)".

    >>> import actlab
    >>> actlab.get("isru")([-1e300, 0.0, 1.0])
    array([-1.        ,  0.        ,  0.70710678])
    """

    name = "isru"
    parameters = (Param("alpha", 1.0, lo=0.0, doc="saturation at +-1/sqrt(alpha)"),)
    formula = "x / sqrt(1 + alpha * x**2)"
    reference = "Carlile et al., arXiv:1710.09967 (2017)"
    cost = "algebraic"
    naive = staticmethod(lambda np, x, alpha: x / np.sqrt(1 + alpha * x * x))
    f = staticmethod(_isru_f)
    df = staticmethod(_isru_df)
    d2f = staticmethod(_isru_d2f)
    float32_kernels = MappingProxyType({"f": _isru_f32, "df": _isru_df32})


@register
class ISRLU(Activation):
    r"""Inverse square root linear unit: identity for x >= 0, ISRU below.

    .. math:: f(x) = \begin{cases} x & x \ge 0 \\ x / \sqrt{1 + \alpha x^2} & x < 0
              \end{cases}

    f is C^2 at 0 (f'(0) = 1, f''(0) = 0 from both sides).

    Reference: Carlile et al. (2017).

    >>> import actlab
    >>> actlab.get("isrlu")([-1e300, 2.0])
    array([-1.,  2.])
    """

    name = "isrlu"
    parameters = (Param("alpha", 1.0, lo=0.0, doc="saturation at -1/sqrt(alpha)"),)
    formula = "where(x >= 0, x, x / sqrt(1 + alpha * x**2))"
    reference = "Carlile et al., arXiv:1710.09967 (2017)"
    kinks = "none: f', f'' are continuous at 0 (1 and 0 from both sides)."
    cost = "algebraic"

    # ISRU is evaluated on the x < 0 subset only (its double-double s is the cost).
    @staticmethod
    def f(xp: Any, x: Array, alpha: float) -> Array:
        return xp.patch(1.0 * x, x < 0, lambda v: _isru_f(xp, v, alpha), x)

    @staticmethod
    def df(xp: Any, x: Array, alpha: float) -> Array:
        return xp.patch(const_like(xp, x, 1.0), x < 0, lambda v: _isru_df(xp, v, alpha), x)

    @staticmethod
    def d2f(xp: Any, x: Array, alpha: float) -> Array:
        return xp.where(x >= 0, 0.0, _isru_d2f(xp, xp.minimum(x, 0.0), alpha))

    float32_kernels = MappingProxyType({
        "f": lambda xp, x, alpha: _isru_f32(xp, x, alpha, linear_right=True),
        "df": lambda xp, x, alpha: _isru_df32(xp, xp.minimum(x, 0.0), alpha),
    })


def _bent_f(x: Array, xc: Array, h: Array) -> Array:
    """f = x + (x/2) t, t = x/(h + 1), from xc (x with +-inf clipped to finite numbers
    that no finite input exceeds) and h = sqrt(xc^2 + 1)."""
    # NOTE: xc, not x, in (x/2) t: at x = -inf that would be -inf + inf. (x (1 + t/2)
    # also avoids it, but rounds worse: up to 2 ulp where this stays within 1.)
    return x + (0.5 * xc) * (xc / (h + 1.0))


def _bent_df32(xc: Array) -> Array:
    return 1.0 + 0.5 * (xc / _root32(xc, 1.0))


@register
class BentIdentity(Activation):
    r"""Bent identity: identity plus a gentle hyperbolic bend.

    .. math:: f(x) = \frac{\sqrt{x^2 + 1} - 1}{2} + x,\quad
              f'(x) = \frac{x}{2\sqrt{x^2 + 1}} + 1,\quad f''(x) = \frac{1}{2(x^2 + 1)^{3/2}}

    (sqrt(x^2 + 1) - 1)/2 is evaluated as (x/2) (x / (h + 1)), h = hypot(x, 1):
    exact near 0 and free of overflow.

    >>> import actlab
    >>> float(actlab.get("bent_identity")(1e-20))
    1e-20
    """

    name = "bent_identity"
    formula = "(sqrt(x**2 + 1) - 1) / 2 + x"
    reference = "common in activation surveys; see e.g. Nwankpa et al., arXiv:1811.03378"
    cost = "algebraic"
    naive = staticmethod(lambda np, x: (np.sqrt(x * x + 1) - 1) / 2 + x)

    @staticmethod
    def f(xp: Any, x: Array) -> Array:
        xc = xp.clip(x, -sys.float_info.max, sys.float_info.max)  # inf/inf would be nan
        return _bent_f(x, xc, xp.hypot(xc, 1.0))

    @staticmethod
    def df(xp: Any, x: Array) -> Array:
        xc = xp.clip(x, -1e300, 1e300)  # x/h -> sign(x) at +-inf
        return 1.0 + 0.5 * (xc / xp.hypot(xc, 1.0))

    @staticmethod
    def d2f(xp: Any, x: Array) -> Array:
        h = xp.hypot(x, 1.0)
        return 0.5 / h / h / h

    float32_kernels = MappingProxyType({
        "f": lambda xp, x: _bent_f(x, xc := xp.clip(x, -_X32, _X32), _root32(xc, 1.0)),
        "df": lambda xp, x: _bent_df32(xp.clip(x, -_X32, _X32)),
    })
