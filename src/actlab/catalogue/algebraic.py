"""Algebraic activations (square roots and ratios): softsign, squareplus, ISRU, ISRLU,
bent identity.

Shared numerics: never square x where x^2 can overflow (|x| > 1e154) unless the
result underflows anyway, or clip x first where f is constant to the last bit beyond
the clip; rewrite a + sqrt(a^2 + c) for a < 0 as c / (sqrt(a^2 + c) - a) so nothing
cancels. sqrt(x*x + c) (two roundings) stands for hypot (a scalar libm loop, ~12 ns per
element against ~1 for sqrt) wherever x*x neither overflows nor underflows next to c.

NumPy fast paths (``f_block``, ``backward_block``): the float64 kernels' operations, in
the same order (so the same bits), computed in per-thread buffers (actlab.scratch)
instead of a new array per operation; float32 blocks are converted chunk by chunk.
"""

from __future__ import annotations

import math
import sys
from typing import Any

import numpy as np

from actlab.activation import Activation, Param
from actlab.backend import NUMPY, constant, two_prod, two_square
from actlab.registry import register
from actlab.scratch import evaluate

Array = Any


def _softsign_f_step(x: np.ndarray, bufs: list[np.ndarray], dst: np.ndarray, _: None) -> None:
    xc, t = bufs
    np.clip(x, -1e300, 1e300, out=xc)
    np.abs(xc, out=t)
    t += 1.0
    np.divide(xc, t, out=dst)


def _softsign_backward_step(x: np.ndarray, bufs: list[np.ndarray], dst: np.ndarray,
                            g: np.ndarray) -> None:
    (t,) = bufs
    np.abs(x, out=t)
    t += 1.0
    np.divide(1.0, t, out=t)
    t *= t
    np.multiply(t, g, out=dst)


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

    f_block = staticmethod(lambda x, out: evaluate(
        _softsign_f_step, 2, lambda v: Softsign.f(NUMPY, v), x, out))
    backward_block = staticmethod(lambda x, g, out: evaluate(
        _softsign_backward_step, 1, lambda v: Softsign.df(NUMPY, v), x, out, g))


def _squareplus_sums(xp: Any, x: Array, b: float) -> tuple[Array, Array, Array, Array]:
    """(a, q, h, s) = (|x|, x*x + b, sqrt(q), h + |x|), for _B_MIN <= b; where q
    overflows, h and s are inf (the callers patch those elements)."""
    a = xp.abs(x)
    q = x * x + b
    h = xp.sqrt(q)
    return a, q, h, h + a


def _squareplus_from_sums(xp: Any, x: Array, b: float, a: Array, q: Array, h: Array,
                          s: Array, order: int) -> Array:
    """f (order 0) or f' (order 1) from _squareplus_sums."""
    # f(x) - f(-x) = x, and f(-|x|) = (b/2)/s (= (h - |x|)/2 without the cancellation): one
    # formula for both signs, no select. f' = f/h = (b/2 + max(x, 0) s) / (h s), with
    # h s = q + h |x|: q is one rounding closer than h^2 (mean error 0.3 ulp against 0.45
    # for f/h; both reach ~4.3 where f' is just below 1/2 or 1, measured on 8e5 points).
    # NOTE: the fast paths below repeat these operations in this order (same bits).
    if order == 0:
        return xp.maximum(x, 0.0) + (0.5 * b) / s
    return (0.5 * b + xp.maximum(x, 0.0) * s) / (q + h * a)


def _squareplus_f_wide(xp: Any, x: Array, b: float) -> Array:
    """f for every x and b (hypot, ~12 ns per element): where x^2 + b overflows, and for
    b < _B_MIN."""
    h = xp.hypot(x, math.sqrt(b))
    # NOTE: halves before the sum: h + |x| overflows at |x| = 0.9e308, (x + h)/2 does not.
    return xp.maximum(x, 0.0) + (0.25 * b) / (0.5 * h + 0.5 * xp.abs(x))


def _squareplus_df_wide(xp: Any, x: Array, b: float) -> Array:
    """f' for every x and b (see _squareplus_f_wide)."""
    xc = xp.clip(x, -1e300, 1e300)  # x/h -> sign(x) at +-inf, not inf/inf
    h = xp.hypot(xc, math.sqrt(b))
    # NOTE: 1 + x/h cancels for x < 0; there f' = (b/2) / (h (h + |x|)), which does not.
    # Two divisions: h (h + |x|) overflows first.
    return xp.where(xc >= 0, 0.5 + 0.5 * (xc / h), (0.5 * b) / h / (h + xp.abs(xc)))


#: b for the sqrt(x*x + b) kernels (others: hypot). Below _B_MIN, x*x below the normal
#: range (|x| < 1.5e-154) would err next to b (above, by at most 2**-1075); up to _B_MAX,
#: q + h |x| cannot overflow for |x| <= 1e150.
_B_MIN, _B_MAX = 1e-290, 1e300


def _squareplus_f(xp: Any, x: Array, b: float) -> Array:
    if b < _B_MIN:
        return _squareplus_f_wide(xp, x, b)
    sums = _squareplus_sums(xp, x, b)
    # q overflowed (|x| > 1.3e154, +-inf): hypot on that subset
    return xp.patch(_squareplus_from_sums(xp, x, b, *sums, 0), sums[2] == math.inf,
                    lambda v: _squareplus_f_wide(xp, v, b), x)


def _squareplus_df(xp: Any, x: Array, b: float) -> Array:
    if not _B_MIN <= b <= _B_MAX:
        return _squareplus_df_wide(xp, x, b)
    xc = xp.clip(x, -1e150, 1e150)  # nothing overflows (inf/inf) in the products
    sums = _squareplus_sums(xp, xc, b)
    return xp.patch(_squareplus_from_sums(xp, xc, b, *sums, 1), sums[0] == 1e150,
                    lambda v: _squareplus_df_wide(xp, v, b), x)


def _squareplus_f_step(x: np.ndarray, bufs: list[np.ndarray], dst: np.ndarray,
                       _: None, b: float) -> None:
    """_squareplus_f on one chunk, into dst (which may be x)."""
    a, h = bufs
    np.abs(x, out=a)
    np.multiply(x, x, out=h)
    h += b
    np.sqrt(h, out=h)
    big = h == math.inf
    wide = _squareplus_f_wide(NUMPY, x[big], b) if big.any() else None
    np.add(h, a, out=h)
    np.divide(0.5 * b, h, out=h)
    np.add(np.maximum(x, constant(0.0, x), out=a), h, out=dst)
    if wide is not None:
        dst[big] = wide


def _squareplus_backward_step(x: np.ndarray, bufs: list[np.ndarray], dst: np.ndarray,
                              g: np.ndarray, b: float) -> None:
    """g * _squareplus_df on one chunk, into dst (which may be x or g)."""
    xc, a, q, h, t = bufs
    np.clip(x, -1e150, 1e150, out=xc)
    np.abs(xc, out=a)
    big = a == 1e150
    wide = _squareplus_df_wide(NUMPY, x[big], b) if big.any() else None
    np.multiply(xc, xc, out=q)
    q += b
    np.sqrt(q, out=h)
    np.add(h, a, out=t)  # s
    np.multiply(h, a, out=a)
    np.add(q, a, out=a)  # q + h |x|
    np.maximum(xc, constant(0.0, x), out=q)
    q *= t
    np.add(0.5 * b, q, out=q)
    np.divide(q, a, out=q)
    if wide is not None:
        q[big] = wide
    np.multiply(q, g, out=dst)


def _squareplus_f_block(x: np.ndarray, out: np.ndarray, b: float) -> None:
    if b < _B_MIN:
        out[...] = _squareplus_f_wide(NUMPY, x.astype(np.float64), b)
    else:
        evaluate(lambda *c: _squareplus_f_step(*c, b), 2, lambda v: _squareplus_f(NUMPY, v, b),
                 x, out)


def _squareplus_backward_block(x: np.ndarray, g: np.ndarray, out: np.ndarray, b: float) -> None:
    if not _B_MIN <= b <= _B_MAX:
        t = g.astype(np.float64)
        np.multiply(_squareplus_df_wide(NUMPY, x.astype(np.float64), b), t, out=t)
        out[...] = t
    else:
        evaluate(lambda *c: _squareplus_backward_step(*c, b), 5,
                 lambda v: _squareplus_df(NUMPY, v, b), x, out, g)


@register
class Squareplus(Activation):
    r"""Squareplus: a softplus-like ramp made of a square root.

    .. math:: f(x) = \frac{x + \sqrt{x^2 + b}}{2},\quad
              f'(x) = \frac12\Bigl(1 + \frac{x}{\sqrt{x^2 + b}}\Bigr),\quad
              f''(x) = \frac{b}{2\,(x^2 + b)^{3/2}}

    With h = sqrt(x^2 + b) and s = h + |x|: f = max(x, 0) + (b/2)/s (= (x + h)/2 without
    the cancellation at x < 0, since f(x) - f(-x) = x) and f' = f/h =
    (b/2 + max(x, 0) s)/(x^2 + b + h |x|). Where x^2 overflows (|x| > 1.3e154), h is
    hypot(x, sqrt b).

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
    f = staticmethod(_squareplus_f)
    df = staticmethod(_squareplus_df)
    f_block = staticmethod(_squareplus_f_block)
    backward_block = staticmethod(_squareplus_backward_block)

    @staticmethod
    def d2f(xp: Any, x: Array, b: float) -> Array:
        h = xp.hypot(x, math.sqrt(b))
        return (0.5 * b) / h / h / h


def _isru_s(xp: Any, x: Array, alpha: float) -> Array:
    """s = 1 + alpha x^2, with x^2 and alpha x^2 carried exactly to one rounding."""
    p, e = two_square(xp, x)
    if alpha == 1.0:
        return 1.0 + p + e
    if _isru_cheap(alpha):  # a power of two: alpha p is exact
        return 1.0 + alpha * p + alpha * e
    ap, ae = two_prod(xp, p, alpha)
    return 1.0 + ap + (ae + alpha * e)


def _isru_clip(alpha: float) -> float:
    """L = 2**32/sqrt(alpha): beyond it alpha x^2 > 2**64 and f is +-1/sqrt(alpha) to
    2**-65, so x is clipped there (alpha x^2 stays finite, nothing is inf/inf)."""
    return 2.0**32 / math.sqrt(alpha)


def _isru_cheap(alpha: float) -> bool:
    """True if alpha is a power of two (1 included): alpha x^2 is then exact."""
    return math.frexp(alpha)[0] == 0.5


def _isru_sq(xp: Any, y: Array, alpha: float) -> Array:
    """s = 1 + alpha y^2. For alpha a power of two, fl(y*y) and the sum are the only
    roundings: f, f' measured within 2.1 and 3.6 ulp on 8e5 points, as with the
    double-double _isru_s. Any other alpha adds the rounding of alpha y^2 (f' to 4.4
    ulp), so there the double-double is kept (f' within 3.8)."""
    if not _isru_cheap(alpha):
        return _isru_s(xp, y, alpha)
    q = y * y
    return 1.0 + (q if alpha == 1.0 else alpha * q)


def _isru_sq_into(y: np.ndarray, alpha: float, out: np.ndarray) -> None:
    """_isru_sq on a chunk, into out (the same operations)."""
    if not _isru_cheap(alpha):
        out[...] = _isru_s(NUMPY, y, alpha)
        return
    np.multiply(y, y, out=out)
    if alpha != 1.0:
        out *= alpha
    np.add(1.0, out, out=out)


def _isru_f(xp: Any, x: Array, alpha: float, linear_right: bool = False) -> Array:
    """ISRU (ISRLU if linear_right) as m / sqrt(1 + alpha y^2), m = x clipped to [-L, L]
    (ISRLU: [-L, inf]), y = m (ISRLU: clipped to [-L, 0], so f = x exactly for x >= 0)."""
    lim = _isru_clip(alpha)
    # (maximum/minimum, and clip in the fast paths, give the same values: each is the
    # cheaper one on its array sizes)
    m = xp.maximum(x, -lim) if linear_right else xp.clip(x, -lim, lim)
    y = xp.minimum(m, 0.0) if linear_right else m
    # NOTE: the fast paths below repeat these operations in this order (same bits).
    return m / xp.sqrt(_isru_sq(xp, y, alpha))


def _isru_df(xp: Any, x: Array, alpha: float, linear_right: bool = False) -> Array:
    """(1 + alpha y^2)^(-3/2), y = x (ISRLU: min(x, 0)), as r sqrt(r) with r = 1/s: one
    division; s = inf (x beyond 1e154) gives 0, right (the value is below 1e-460)."""
    r = 1.0 / _isru_sq(xp, xp.minimum(x, 0.0) if linear_right else x, alpha)
    return r * xp.sqrt(r)


def _isru_f_step(x: np.ndarray, bufs: list[np.ndarray], dst: np.ndarray, _: None,
                 alpha: float, linear_right: bool) -> None:
    m, q = bufs
    lim = _isru_clip(alpha)
    np.clip(x, -lim, math.inf if linear_right else lim, out=m)
    _isru_sq_into(np.clip(x, -lim, 0.0, out=q) if linear_right else m, alpha, q)
    np.sqrt(q, out=q)
    np.divide(m, q, out=dst)


def _isru_backward_step(x: np.ndarray, bufs: list[np.ndarray], dst: np.ndarray,
                        g: np.ndarray, alpha: float, linear_right: bool) -> None:
    r, t = bufs
    _isru_sq_into(np.clip(x, -math.inf, 0.0, out=r) if linear_right else x, alpha, r)
    np.divide(1.0, r, out=r)
    np.sqrt(r, out=t)
    t *= r
    np.multiply(t, g, out=dst)


def _isru_f_block(x: np.ndarray, out: np.ndarray, alpha: float, linear_right: bool) -> None:
    evaluate(lambda *c: _isru_f_step(*c, alpha, linear_right), 2,
             lambda v: _isru_f(NUMPY, v, alpha, linear_right), x, out)


def _isru_backward_block(x: np.ndarray, g: np.ndarray, out: np.ndarray, alpha: float,
                         linear_right: bool) -> None:
    evaluate(lambda *c: _isru_backward_step(*c, alpha, linear_right), 2,
             lambda v: _isru_df(NUMPY, v, alpha, linear_right), x, out, g)


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
    f_block = staticmethod(lambda x, out, alpha: _isru_f_block(x, out, alpha, False))
    backward_block = staticmethod(
        lambda x, g, out, alpha: _isru_backward_block(x, g, out, alpha, False))


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
        return _isru_f(xp, x, alpha, linear_right=True)

    @staticmethod
    def df(xp: Any, x: Array, alpha: float) -> Array:
        return _isru_df(xp, x, alpha, linear_right=True)

    @staticmethod
    def d2f(xp: Any, x: Array, alpha: float) -> Array:
        return xp.where(x >= 0, 0.0, _isru_d2f(xp, xp.minimum(x, 0.0), alpha))

    f_block = staticmethod(lambda x, out, alpha: _isru_f_block(x, out, alpha, True))
    backward_block = staticmethod(
        lambda x, g, out, alpha: _isru_backward_block(x, g, out, alpha, True))


#: |x| beyond which sqrt(x^2 + 1) = |x| and x/(sqrt(x^2 + 1) + 1) = sign(x) in float64
#: (x^2 + 1 rounds to x^2), and below which x*x cannot overflow: x is clipped there
_BENT_CLIP = 1e154


def _bent_f(xp: Any, x: Array) -> Array:
    """f = x + (x/2) t with t = x/(h + 1) = (h - 1)/x, h = sqrt(x^2 + 1): exact near 0,
    no cancellation (f' > 1/2)."""
    xc = xp.clip(x, -_BENT_CLIP, _BENT_CLIP)
    # NOTE: x/2 is clipped below at -max: at x = -inf, x/2 t would be -inf + inf. (x (1 +
    # t/2) also avoids it, but rounds worse; this is within 2.4 ulp, measured on 8e5 points.)
    # The fast path below repeats these operations in this order (same bits).
    return x + (0.5 * xp.maximum(x, -sys.float_info.max)) * (
        xc / (xp.sqrt(xc * xc + 1.0) + 1.0))


def _bent_df(xp: Any, x: Array) -> Array:
    xc = xp.clip(x, -_BENT_CLIP, _BENT_CLIP)
    return 1.0 + 0.5 * (xc / xp.sqrt(xc * xc + 1.0))


def _bent_f_step(x: np.ndarray, bufs: list[np.ndarray], dst: np.ndarray, _: None) -> None:
    xc, t = bufs
    np.clip(x, -_BENT_CLIP, _BENT_CLIP, out=xc)
    np.multiply(xc, xc, out=t)
    t += 1.0
    np.sqrt(t, out=t)
    t += 1.0
    np.divide(xc, t, out=t)
    np.clip(x, -sys.float_info.max, math.inf, out=xc)
    xc *= 0.5
    t *= xc
    np.add(x, t, out=dst)


def _bent_backward_step(x: np.ndarray, bufs: list[np.ndarray], dst: np.ndarray,
                        g: np.ndarray) -> None:
    xc, t = bufs
    np.clip(x, -_BENT_CLIP, _BENT_CLIP, out=xc)
    np.multiply(xc, xc, out=t)
    t += 1.0
    np.sqrt(t, out=t)
    np.divide(xc, t, out=t)
    t *= 0.5
    t += 1.0
    np.multiply(t, g, out=dst)


@register
class BentIdentity(Activation):
    r"""Bent identity: identity plus a gentle hyperbolic bend.

    .. math:: f(x) = \frac{\sqrt{x^2 + 1} - 1}{2} + x,\quad
              f'(x) = \frac{x}{2\sqrt{x^2 + 1}} + 1,\quad f''(x) = \frac{1}{2(x^2 + 1)^{3/2}}

    (sqrt(x^2 + 1) - 1)/2 is evaluated as (x/2) (x / (h + 1)), h = sqrt(x^2 + 1), with x
    clipped to +-1e154 inside h and the ratio: exact near 0 and free of overflow.

    >>> import actlab
    >>> float(actlab.get("bent_identity")(1e-20))
    1e-20
    """

    name = "bent_identity"
    formula = "(sqrt(x**2 + 1) - 1) / 2 + x"
    reference = "common in activation surveys; see e.g. Nwankpa et al., arXiv:1811.03378"
    cost = "algebraic"
    naive = staticmethod(lambda np, x: (np.sqrt(x * x + 1) - 1) / 2 + x)

    f = staticmethod(_bent_f)
    df = staticmethod(_bent_df)
    f_block = staticmethod(lambda x, out: evaluate(
        _bent_f_step, 2, lambda v: _bent_f(NUMPY, v), x, out))
    backward_block = staticmethod(lambda x, g, out: evaluate(
        _bent_backward_step, 2, lambda v: _bent_df(NUMPY, v), x, out, g))

    @staticmethod
    def d2f(xp: Any, x: Array) -> Array:
        h = xp.hypot(x, 1.0)
        return 0.5 / h / h / h
