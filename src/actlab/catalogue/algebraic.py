"""Algebraic activations (square roots and ratios): softsign, squareplus, ISRU, ISRLU,
bent identity.

Shared numerics: never square x where x^2 can overflow (|x| > 1e154) unless the
result underflows anyway; use hypot for sqrt(x^2 + c); rewrite a + sqrt(a^2 + c)
for a < 0 as c / (sqrt(a^2 + c) - a) so nothing cancels.
"""

from __future__ import annotations

import math
from typing import Any

from actlab.activation import Activation, Param
from actlab.backend import two_prod, two_square
from actlab.registry import register

Array = Any


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
        fin = xp.where(xp.isinf(x), 0.0, x)  # inf / inf would be nan
        return xp.where(xp.isinf(x), xp.sign(x), fin / (1.0 + xp.abs(fin)))

    @staticmethod
    def df(xp: Any, x: Array) -> Array:
        r = 1.0 / (1.0 + xp.abs(x))  # squaring r, not (1 + |x|), cannot overflow
        return r * r

    @staticmethod
    def d2f(xp: Any, x: Array) -> Array:
        r = 1.0 / (1.0 + xp.abs(x))
        return -2.0 * xp.sign(x) * (r * r * r)


@register
class Squareplus(Activation):
    r"""Squareplus: a softplus-like ramp made of a square root.

    .. math:: f(x) = \frac{x + \sqrt{x^2 + b}}{2},\quad
              f'(x) = \frac12\Bigl(1 + \frac{x}{\sqrt{x^2 + b}}\Bigr),\quad
              f''(x) = \frac{b}{2\,(x^2 + b)^{3/2}}

    For x < 0 evaluated as (b/2) / (h - x) with h = hypot(x, sqrt b), which does not
    cancel.

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
        xn, xq = xp.minimum(x, 0.0), xp.maximum(x, 0.0)  # each branch sees its own sign
        sb = math.sqrt(b)
        # halves inside the denominator: h - x would overflow at x = -1.8e308
        neg = (0.25 * b) / (0.5 * xp.hypot(xn, sb) - 0.5 * xn)
        return xp.where(x >= 0, 0.5 * xq + 0.5 * xp.hypot(xq, sb), neg)

    @staticmethod
    def df(xp: Any, x: Array, b: float) -> Array:
        xf = xp.where(xp.isinf(x), xp.sign(x) * 1e300, x)  # x/h -> sign(x) at +-inf
        xn, xq = xp.minimum(xf, 0.0), xp.maximum(xf, 0.0)
        sb = math.sqrt(b)
        hn = xp.hypot(xn, sb)
        return xp.where(x >= 0, 0.5 + 0.5 * (xq / xp.hypot(xq, sb)), (0.5 * b) / hn / (hn - xn))

    @staticmethod
    def d2f(xp: Any, x: Array, b: float) -> Array:
        h = xp.hypot(x, math.sqrt(b))
        return (0.5 * b) / h / h / h


def _isru_s(xp: Any, x: Array, alpha: float) -> Array:
    """s = 1 + alpha x^2, with x^2 and alpha x^2 carried exactly to one rounding."""
    p, e = two_square(xp, x)
    ap, ae = two_prod(xp, p, alpha)
    return 1.0 + ap + (ae + alpha * e)


def _isru_f(xp: Any, x: Array, alpha: float) -> Array:
    s = _isru_s(xp, x, alpha)
    fin = xp.where(xp.isinf(s), 0.0, x)
    return xp.where(xp.isinf(s), xp.sign(x) / math.sqrt(alpha), fin / xp.sqrt(s))


def _isru_df(xp: Any, x: Array, alpha: float) -> Array:
    s = _isru_s(xp, x, alpha)
    return (1.0 / s) * (1.0 / xp.sqrt(s))  # two factors: s * sqrt(s) would overflow first


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

    @staticmethod
    def f(xp: Any, x: Array, alpha: float) -> Array:
        return xp.where(x >= 0, x, _isru_f(xp, xp.minimum(x, 0.0), alpha))

    @staticmethod
    def df(xp: Any, x: Array, alpha: float) -> Array:
        return xp.where(x >= 0, 1.0, _isru_df(xp, xp.minimum(x, 0.0), alpha))

    @staticmethod
    def d2f(xp: Any, x: Array, alpha: float) -> Array:
        return xp.where(x >= 0, 0.0, _isru_d2f(xp, xp.minimum(x, 0.0), alpha))


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
        fin = xp.where(xp.isinf(x), 0.0, x)
        h = xp.hypot(fin, 1.0)
        return xp.where(xp.isinf(x), x, fin + (0.5 * fin) * (fin / (h + 1.0)))

    @staticmethod
    def df(xp: Any, x: Array) -> Array:
        xf = xp.where(xp.isinf(x), xp.sign(x) * 1e300, x)  # x/h -> sign(x) at +-inf
        return 1.0 + 0.5 * (xf / xp.hypot(xf, 1.0))

    @staticmethod
    def d2f(xp: Any, x: Array) -> Array:
        h = xp.hypot(x, 1.0)
        return 0.5 / h / h / h
