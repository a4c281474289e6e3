"""Activations built on the logistic sigmoid: sigmoid, tanh, softplus, swish/SiLU, mish.

Numerics shared by the family (each function below says which it uses):

* sigma(u) is evaluated with exp(-|u|) only (never overflows); sigma'(u) =
  e/(1+e)^2 with e = exp(-|u|), *not* s(1-s): the latter is exactly 0 beyond
  u ~ 37 (float64) where the true value is tiny but not 0 (PyTorch's choice).
* tanh'(x) = 4 sigma'(2x) = sech^2(x), again never 1 - tanh^2.
* u = beta * x is carried as a double-double (u, u_lo): in the tails sigma(u) ~ e^u
  turns the rounding error of beta*x into a relative error |u| times larger. First-
  order corrections sigma(u + u_lo) = sigma(u) (1 + sigma(-u) u_lo) remove it.
* Interior zeros of f' and f'' (silu' at -1.278..., mish' at -1.192...) are handled
  by :class:`actlab.taylor.ZeroPatch`.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

import numpy as np

from actlab.activation import Activation, Param
from actlab.backend import EXP_TAIL, const_like, exp_tail, two_prod
from actlab.registry import register
from actlab.taylor import ZeroPatch

Array = Any


def sigmoid_grad(xp: Any, u: Array) -> Array:
    """sigma'(u) = sigma(u) sigma(-u) = e / (1 + e)^2 with e = exp(-|u|)."""
    e = xp.exp(-xp.abs(u))
    t = 1.0 + e
    return e / t / t


def _exact(u_lo: Array | float) -> bool:
    """True when u has no low part (u_lo is the number 0: beta = 1, or u = x)."""
    return isinstance(u_lo, float) and u_lo == 0.0


def _sig(xp: Any, u: Array, u_lo: Array | float) -> Array:
    """sigma(u + u_lo) alone (the first of _sig_dd, without computing the others)."""
    s = xp.sigmoid(u)
    return s if _exact(u_lo) else s * (1.0 + xp.sigmoid(-u) * u_lo)


def sig_grad_tail(xp: Any, u: Array, u_lo: Array | float, factor: Array | float) -> Array:
    """factor * sigma'(u) for |u| > EXP_TAIL, where sigma'(u) = e^-|u|, rounded once."""
    return exp_tail(xp, -xp.abs(u), -xp.sign(u) * u_lo, factor)


def _sig_dd(xp: Any, u: Array, u_lo: Array | float) -> tuple[Array, Array, Array]:
    """sigma(u), sigma(-u), sigma'(u) at the double-double point u + u_lo."""
    s, sm, d = xp.sigmoid_parts(u)
    if _exact(u_lo):
        return s, sm, d
    half_tanh = xp.tanh(0.5 * u)  # 1 - 2 sigma(u) = -tanh(u/2)
    return s * (1.0 + sm * u_lo), sm * (1.0 - s * u_lo), d * (1.0 - half_tanh * u_lo)


@register
class Sigmoid(Activation):
    r"""Logistic sigmoid.

    .. math:: \sigma(x) = \frac{1}{1 + e^{-x}},\quad \sigma'(x) = \sigma(x)\sigma(-x)
              \le \tfrac14,\quad \sigma''(x) = -\sigma'(x)\tanh(x/2)

    Computed from x, never from the output: sigma'(40) = 4.25e-18, not 0.

    Reference: Verhulst (1845); Rumelhart, Hinton & Williams (1986).

    >>> import actlab
    >>> s = actlab.get("sigmoid")
    >>> s([0.0, 800.0, -700.0]), float(s.grad(40.0))
    (array([5.00000000e-001, 1.00000000e+000, 9.85967654e-305]), 4.2483542552915e-18)
    """

    name = "sigmoid"
    aliases = ("logistic",)
    formula = "sigmoid(x)"
    reference = "Rumelhart, Hinton & Williams, Nature 323 (1986)"
    torch_equivalent = staticmethod(lambda F, x: F.sigmoid(x))
    naive = staticmethod(lambda np, x: 1 / (1 + np.exp(-x)))

    @staticmethod
    def f(xp: Any, x: Array) -> Array:
        return xp.sigmoid(x)

    @staticmethod
    def df(xp: Any, x: Array) -> Array:
        return sigmoid_grad(xp, x)

    @staticmethod
    def d2f(xp: Any, x: Array) -> Array:
        return -sigmoid_grad(xp, x) * xp.tanh(0.5 * x)

    # float16/32 inputs: one exp. It overflows (to 1/inf = 0) only below x = -709, where
    # float32 results are 0 anyway.
    float32_kernels = MappingProxyType({"f": lambda xp, x: 1.0 / (1.0 + np.exp(-x))})


@register
class Tanh(Activation):
    r"""Hyperbolic tangent: a zero-centred sigmoid, tanh(x) = 2 sigma(2x) - 1.

    .. math:: f'(x) = \operatorname{sech}^2 x = 4\sigma'(2x),\quad f''(x) = -2\tanh(x)\,f'(x)

    f' is computed as 4 sigma'(2x), exact in the tails: tanh'(-40) = 7.2e-35, where
    1 - tanh^2 gives 0.

    Reference: LeCun, Bottou, Orr & Mueller (1998), "Efficient BackProp".

    >>> import actlab
    >>> float(actlab.get("tanh").grad(-40.0))
    7.2194055513816e-35
    """

    name = "tanh"
    formula = "tanh(x)"
    reference = "LeCun, Bottou, Orr & Mueller, 'Efficient BackProp' (1998)"
    torch_equivalent = staticmethod(lambda F, x: F.tanh(x))
    naive = staticmethod(lambda np, x: (np.exp(x) - np.exp(-x)) / (np.exp(x) + np.exp(-x)))

    @staticmethod
    def f(xp: Any, x: Array) -> Array:
        return xp.tanh(x)

    @staticmethod
    def df(xp: Any, x: Array) -> Array:
        return 4.0 * sigmoid_grad(xp, 2.0 * x)

    @staticmethod
    def d2f(xp: Any, x: Array) -> Array:
        return -8.0 * xp.tanh(x) * sigmoid_grad(xp, 2.0 * x)


@register
class LogSigmoid(Activation):
    r"""Log of the sigmoid: log sigma(x) = -softplus(-x).

    .. math:: f'(x) = \sigma(-x),\quad f''(x) = -\sigma'(x)

    Reference: the log-likelihood of logistic regression.

    >>> import actlab
    >>> float(actlab.get("logsigmoid")(-1000.0))
    -1000.0
    """

    name = "logsigmoid"
    formula = "-softplus(-x)"
    reference = "logistic regression log-likelihood"
    torch_equivalent = staticmethod(lambda F, x: F.logsigmoid(x))
    naive = staticmethod(lambda np, x: np.log(1 / (1 + np.exp(-x))))

    @staticmethod
    def f(xp: Any, x: Array) -> Array:
        return xp.log_sigmoid(x)

    @staticmethod
    def df(xp: Any, x: Array) -> Array:
        return xp.sigmoid(-x)

    @staticmethod
    def d2f(xp: Any, x: Array) -> Array:
        return -sigmoid_grad(xp, x)


def _softplus_u(xp: Any, u: Array, u_lo: Array | float) -> Array:
    # softplus(u) = max(u, 0) + log1p(exp(-|u|)): no overflow, exact in both tails.
    sp = xp.maximum(u, 0.0) + xp.log1p(xp.exp(-xp.abs(u)))
    # first-order correction for the low part of u (softplus' = sigma)
    return sp if _exact(u_lo) else sp + xp.sigmoid(u) * u_lo


@register
class Softplus(Activation):
    r"""Softplus ("SmoothReLU"): a smooth ReLU whose derivative is the sigmoid.

    .. math:: f(x) = \frac{1}{\beta}\log(1 + e^{\beta x}),\quad f'(x) = \sigma(\beta x),
              \quad f''(x) = \beta\,\sigma'(\beta x)

    Evaluated as (max(u, 0) + log1p(exp(-|u|))) / beta with u = beta x: softplus(1000)
    is 1000 exactly and softplus(-700) = 9.86e-305 (the tutorials' log(1 + exp(x))
    overflows at 710 and returns 0 below -37). Unlike PyTorch's, no ``threshold``
    switch to the identity: that switch is an error of up to e^-20 relative.

    Reference: Dugas et al. (2001); Glorot, Bordes & Bengio (2011).

    >>> import actlab
    >>> sp = actlab.get("smooth_relu")
    >>> float(sp(1000.0)), float(sp(-700.0))
    (1000.0, 9.85967654375977e-305)
    """

    name = "softplus"
    aliases = ("smooth_relu",)
    parameters = (Param("beta", 1.0, lo=0.0, doc="sharpness; softplus -> relu as beta -> inf"),)
    formula = "softplus(beta * x) / beta"
    reference = "Dugas, Bengio, Belisle, Nadeau & Garcia, NIPS 2001"
    torch_equivalent = staticmethod(lambda F, x, beta: F.softplus(x, beta))
    naive = staticmethod(lambda np, x, beta: np.log(1 + np.exp(beta * x)) / beta)

    @staticmethod
    def f(xp: Any, x: Array, beta: float) -> Array:
        sp = _softplus_u(xp, *_gate_arg(xp, x, beta))
        return sp if beta == 1.0 else sp / beta

    @staticmethod
    def df(xp: Any, x: Array, beta: float) -> Array:
        return _sig(xp, *_gate_arg(xp, x, beta))

    @staticmethod
    def d2f(xp: Any, x: Array, beta: float) -> Array:
        return beta * _sig_dd(xp, *_gate_arg(xp, x, beta))[2]


# silu(u) = u sigma(u) and its derivatives in u, for u = u + u_lo (double-double).
_SILU = "x * sigmoid(x)"
_SILU_D1_ZERO = ZeroPatch(_SILU, 1, guess=-1.2785, radius=0.6, terms=32)
_SILU_D1_ZERO_32 = _SILU_D1_ZERO.narrowed(1e-5, 4)  # for the float32 kernel
_SILU_D2_ZEROS = (ZeroPatch(_SILU, 2, guess=-2.3994, radius=0.3, terms=24),
                  ZeroPatch(_SILU, 2, guess=2.3994, radius=0.3, terms=24))


def _silu_d1(xp: Any, u: Array, u_lo: Array | float, zero: ZeroPatch = _SILU_D1_ZERO) -> Array:
    s, sm, _ = _sig_dd(xp, u, u_lo)
    # Evaluated on a clipped u: at u = -inf, u * sigma(-u) * sigma(u) is -inf * 1 * 0.
    uc = xp.clip(u, -800.0, 800.0)
    value = s * (1.0 + uc * sm)
    # u < -700: sigma(u) = e^u, and silu' = e^u (1 + u), rounded once (no subnormal * u).
    value = xp.patch(value, u < -EXP_TAIL, lambda *a: exp_tail(xp, *a), u, u_lo, 1.0 + uc)
    return zero(xp, value, u, u_lo)


def _silu_d1_32(x: Array) -> Array:
    xc = np.clip(x, -800.0, 800.0)  # no inf * 0; e^800 overflows to a gate of 0
    return (1.0 + xc / (1.0 + np.exp(xc))) / (1.0 + np.exp(-xc))


def _silu_d2(xp: Any, u: Array, u_lo: Array | float) -> Array:
    _, _, d = _sig_dd(xp, u, u_lo)
    uc = xp.clip(u, -800.0, 800.0)
    value = d * (2.0 - uc * xp.tanh(0.5 * uc))
    # |u| > 700: sigma'(u) = e^-|u| and silu'' = e^-|u| (2 - |u|), rounded once.
    au = xp.abs(uc)
    value = xp.patch(value, au > EXP_TAIL, lambda *a: sig_grad_tail(xp, *a), u, u_lo, 2.0 - au)
    for patch in _SILU_D2_ZEROS:
        value = patch(xp, value, u, u_lo)
    return value


def _silu_f(xp: Any, x: Array, u: Array, u_lo: Array | float) -> Array:
    """x sigma(u): the swish/silu forward; x * e^u rounded once in the far left tail."""
    s = _sig(xp, u, u_lo)
    # At x = +-inf the gate s is 0 or 1: where it is closed, the limit is 0, and
    # inf * 0 must not happen.
    value = xp.where(xp.logical_and(xp.isinf(x), s < 0.5), 0.0, x) * s
    xc = xp.clip(x, -1e300, 1e300)
    return xp.patch(value, u < -EXP_TAIL, lambda *a: exp_tail(xp, *a), u, u_lo, xc)


def _silu_f32(x: Array) -> Array:
    """silu for float16/32 inputs: x / (1 + e^-x); e^-x overflowing below x = -709 gives
    -0 (float32 results are -0 there anyway); -inf is moved to -1e300 (not -inf/inf)."""
    return np.maximum(x, -1e300) / (1.0 + np.exp(-x))


def _silu_df32(xp: Any, x: Array) -> Array:
    """silu' for float16/32 inputs, likewise; the zero at -1.2785 is still patched."""
    return _SILU_D1_ZERO_32(xp, _silu_d1_32(x), x, 0.0)


def _gate32(xp: Any, x: Array, beta: float) -> Array:
    """u = beta x for float16/32 inputs: its rounding (1e-16 relative, amplified by at
    most |u| ~ 100 where float32 results are nonzero) needs no double-double."""
    return const_like(xp, x, 0.0) if beta == 0.0 else x if beta == 1.0 else beta * x


def _gate_arg(xp: Any, x: Array, beta: float) -> tuple[Array, Array | float]:
    """u = beta x as a double-double; for beta = 0, u = 0 also at x = +-inf (not nan);
    for beta = 1 (the default), u = x exactly and the corrections are skipped."""
    if beta == 0.0:
        return const_like(xp, x, 0.0), 0.0
    if beta == 1.0:
        return x, 0.0
    return two_prod(xp, x, beta)


@register
class Swish(Activation):
    r"""Swish: x sigma(beta x), with a learnable beta (beta = 1 is SiLU).

    .. math:: f(x) = x\,\sigma(\beta x),\quad
              f'(x) = \sigma(u)\,(1 + u\,\sigma(-u)),\quad
              f''(x) = \beta\,\sigma'(u)\,(2 - u\tanh(u/2)),\quad u = \beta x

    .. math:: \frac{\partial f}{\partial\beta} = x^2\,\sigma'(\beta x)

    f' has a zero at u = -1.2785 (the minimum of f); it is evaluated there from a
    Taylor polynomial about the zero, so the relative accuracy holds right up to it.

    Reference: Ramachandran, Zoph & Le (2017), "Searching for activation functions".

    >>> import actlab
    >>> sw = actlab.get("swish", beta=2.0)
    >>> float(sw(1.0)), sw.learnable
    (0.8807970779778823, ('beta',))
    """

    name = "swish"
    parameters = (Param("beta", 1.0, learnable=True, doc="learned gate sharpness"),)
    formula = "x * sigmoid(beta * x)"
    reference = "Ramachandran, Zoph & Le, arXiv:1710.05941 (2017)"
    naive = staticmethod(lambda np, x, beta: x / (1 + np.exp(-beta * x)))

    @staticmethod
    def f(xp: Any, x: Array, beta: float) -> Array:
        return _silu_f(xp, x, *_gate_arg(xp, x, beta))

    float32_kernels = MappingProxyType({
        "f": lambda xp, x, beta: _silu_f32(x) if beta == 1.0 else _silu_f(
            xp, x, _gate32(xp, x, beta), 0.0),
        "df": lambda xp, x, beta: _silu_df32(xp, x) if beta == 1.0 else _silu_d1(
            xp, _gate32(xp, x, beta), 0.0, _SILU_D1_ZERO_32),
    })

    @staticmethod
    def df(xp: Any, x: Array, beta: float) -> Array:
        return _silu_d1(xp, *_gate_arg(xp, x, beta))

    @staticmethod
    def d2f(xp: Any, x: Array, beta: float) -> Array:
        return beta * _silu_d2(xp, *_gate_arg(xp, x, beta))

    @staticmethod
    def dparams(xp: Any, x: Array, beta: float) -> dict[str, Array]:
        u, u_lo = _gate_arg(xp, x, beta)
        xc = xp.clip(x, -1e300, 1e300)  # x * x * 0 at +-inf must be 0, not nan
        return {"beta": xc * (xc * _sig_dd(xp, u, u_lo)[2])}


@register
class SiLU(Activation):
    r"""SiLU (sigmoid-weighted linear unit): x sigma(x), i.e. swish with beta = 1.

    .. math:: f(x) = x\,\sigma(x),\quad f'(x) = \sigma(x)(1 + x\,\sigma(-x)),\quad
              f''(x) = \sigma'(x)\,(2 - x\tanh(x/2))

    The zeros of f' (x = -1.2785) and f'' (x = +-2.3994) are evaluated from Taylor
    polynomials about them (full relative accuracy near the zeros).

    Reference: Elfwing, Uchibe & Doya (2018); Hendrycks & Gimpel (2016).

    >>> import actlab
    >>> float(actlab.get("silu")(-800.0))
    -0.0
    """

    name = "silu"
    formula = "x * sigmoid(x)"
    reference = "Elfwing, Uchibe & Doya, Neural Networks 107 (2018)"
    torch_equivalent = staticmethod(lambda F, x: F.silu(x))
    naive = staticmethod(lambda np, x: x / (1 + np.exp(-x)))

    @staticmethod
    def f(xp: Any, x: Array) -> Array:
        return _silu_f(xp, x, x, 0.0)

    float32_kernels = MappingProxyType({
        "f": lambda xp, x: _silu_f32(x),
        "df": lambda xp, x: _silu_df32(xp, x),
    })

    @staticmethod
    def df(xp: Any, x: Array) -> Array:
        return _silu_d1(xp, x, 0.0)

    @staticmethod
    def d2f(xp: Any, x: Array) -> Array:
        return _silu_d2(xp, x, 0.0)


def _mish_parts(xp: Any, x: Array, with_q: bool = True) -> tuple[Array, Array | None]:
    """t = tanh(softplus(x)) and q = sech^2(softplus(x)), without cancellation.

    With n = e^x (e^x + 2): t = n/(n+2) and q = 4(n+1)/(n+2)^2. For x >= 0 both are
    rewritten in e = exp(-x) (no overflow), for x < 0 in e = exp(x). ``with_q=False``
    (f needs t only): q is None.
    """
    neg = x < 0
    e = xp.exp(-xp.abs(x))
    den_pos = 1.0 + 2.0 * e * (1.0 + e)  # (n + 2) e^2 for x >= 0
    den_neg = 2.0 + e * (e + 2.0)  # n + 2 for x < 0
    t = xp.where(neg, e * (e + 2.0) / den_neg, (1.0 + 2.0 * e) / den_pos)
    if not with_q:
        return t, None
    one_e = 1.0 + e
    q = xp.where(neg, 4.0 * (one_e / den_neg) * (one_e / den_neg),
                 4.0 * (e * one_e / den_pos) * (e * one_e / den_pos))
    return t, q


def _mish_d1_32(xp: Any, x: Array) -> Array:
    t = np.tanh(np.log1p(np.exp(x)))
    return t + x * (1.0 - t * t) * xp.sigmoid(x)


_MISH = "x * tanh(softplus(x))"
_MISH_D1_ZERO = ZeroPatch(_MISH, 1, guess=-1.1924, radius=0.6, terms=32)
_MISH_D1_ZERO_32 = _MISH_D1_ZERO.narrowed(1e-5, 4)  # for the float32 kernel
_MISH_D2_ZEROS = (ZeroPatch(_MISH, 2, guess=-2.2, radius=0.3, terms=24),
                  ZeroPatch(_MISH, 2, guess=1.6, radius=0.3, terms=24))


@register
class Mish(Activation):
    r"""Mish: x tanh(softplus(x)).

    .. math:: f(x) = x\,t,\quad f'(x) = t + x\,q\,\sigma(x),\quad
              f''(x) = q\,\sigma(x)\,\bigl(2 + x(\sigma(-x) - 2t\sigma(x))\bigr)

    with t = tanh(softplus(x)) and q = sech^2(softplus(x)) = 1 - t^2, both computed
    as ratios of polynomials in e^{-|x|} (no cancellation, no overflow). Zeros of f'
    (-1.1924) and f'' are evaluated from Taylor polynomials about them.

    Reference: Misra (2019), "Mish: a self regularized non-monotonic activation function".

    >>> import actlab
    >>> float(actlab.get("mish")(1.0))
    0.86509838826731
    """

    name = "mish"
    formula = "x * tanh(softplus(x))"
    reference = "Misra, BMVC 2020 (arXiv:1908.08681)"
    torch_equivalent = staticmethod(lambda F, x: F.mish(x))
    naive = staticmethod(lambda np, x: x * np.tanh(np.log(1 + np.exp(x))))

    # Below x = -700, t = sigma(x) = e^x and q = 1 to 1e-304: f = x e^x, f' = e^x (1 + x),
    # f'' = e^x (2 + x), each rounded once (exp_tail).

    # float16/32 inputs: the textbook x tanh(log1p(e^x)) (e^x overflowing to inf above
    # 709 gives tanh(inf) = 1), and f' = t + x (1 - t^2) sigma(x): 1 - t^2 loses its
    # relative accuracy only where t ~ 1 makes that term negligible; zero still patched.
    float32_kernels = MappingProxyType({
        "f": lambda xp, x: np.maximum(x, -1e300) * np.tanh(np.log1p(np.exp(x))),
        "df": lambda xp, x: _MISH_D1_ZERO_32(xp, _mish_d1_32(xp, np.clip(x, -800.0, 800.0)), x),
    })

    @staticmethod
    def f(xp: Any, x: Array) -> Array:
        value = xp.maximum(x, -1e300) * _mish_parts(xp, x, with_q=False)[0]  # -inf * 0 -> -0
        return xp.patch(value, x < -EXP_TAIL, lambda x: exp_tail(xp, x, 0.0, xp.maximum(x, -800.0)),
                        x)

    @staticmethod
    def df(xp: Any, x: Array) -> Array:
        t, q = _mish_parts(xp, x)
        xc = xp.clip(x, -800.0, 800.0)
        pos = t + xc * q * xp.sigmoid(x)
        # For x < 0 in e = e^x: f' = e B / D^2 with D = e^2 + 2e + 2 and
        # B = e^3 + 4e^2 + (6 + 4x) e + 4(1 + x); 6 + 4x and 1 + x are exact near the
        # zero, so B keeps its accuracy where t + x q sigma would cancel.
        e = xp.exp(xp.minimum(xc, 0.0))
        d = 2.0 + e * (e + 2.0)
        b = ((e + 4.0) * e + (6.0 + 4.0 * xc)) * e + 4.0 * (1.0 + xc)
        value = xp.where(x < 0, e * b / d / d, pos)
        value = xp.patch(value, x < -EXP_TAIL, lambda x, c: exp_tail(xp, x, 0.0, c), x, 1.0 + xc)
        return _MISH_D1_ZERO(xp, value, x)

    @staticmethod
    def d2f(xp: Any, x: Array) -> Array:
        t, q = _mish_parts(xp, x)
        s = xp.sigmoid(x)
        xc = xp.clip(x, -800.0, 800.0)
        value = q * s * (2.0 + xc * (xp.sigmoid(-x) - 2.0 * t * s))
        value = xp.patch(value, x < -EXP_TAIL, lambda x, c: exp_tail(xp, x, 0.0, c), x, 2.0 + xc)
        for patch in _MISH_D2_ZEROS:
            value = patch(xp, value, x)
        return value


# Lambert's continued fraction tanh x = x / (1 + K), K = x^2/(3 + x^2/(5 + ...)),
# gives x - tanh x = x K / (1 + K) with no subtraction. Truncated after n levels, its
# relative error for |x| <= 2 is (mpmath) 2e-12 for n = 8, 1e-18 for 11, 6e-21 for 12:
# 12 levels for float64, 8 for float16/32 results.
_CF_LEVELS = 12
_CF_LEVELS_32 = 8


def _tanhshrink_small(xp: Any, x: Array, levels: int = _CF_LEVELS) -> Array:
    x2 = x * x
    t = 2.0 * levels + 1.0
    for k in range(levels - 1, 0, -1):
        t = (2.0 * k + 1.0) + x2 / t
    k_ = x2 / t
    return x * (k_ / (1.0 + k_))


@register
class TanhShrink(Activation):
    r"""Tanh shrink: x - tanh(x).

    .. math:: f'(x) = \tanh^2 x,\quad f''(x) = 2\tanh(x)\operatorname{sech}^2 x

    Near 0 the difference cancels (f(x) ~ x^3/3); for |x| < 2 it is evaluated from
    Lambert's continued fraction for tanh, which needs no subtraction.

    Reference: PyTorch's torch.nn.Tanhshrink.

    >>> import actlab
    >>> float(actlab.get("tanhshrink")(1e-30))
    3.333333333333333e-91
    """

    name = "tanhshrink"
    formula = "x - tanh(x)"
    reference = "torch.nn.Tanhshrink"
    torch_equivalent = staticmethod(lambda F, x: F.tanhshrink(x))
    naive = staticmethod(lambda np, x: x - np.tanh(x))

    @staticmethod
    def f(xp: Any, x: Array) -> Array:
        return xp.patch(x - xp.tanh(x), xp.abs(x) < 2.0, _tanhshrink_small_fn(xp), x)

    float32_kernels = MappingProxyType({
        "f": lambda xp, x: xp.patch(x - np.tanh(x), np.abs(x) < 2.0,
                                    _tanhshrink_small_fn(xp, _CF_LEVELS_32), x),
    })

    @staticmethod
    def df(xp: Any, x: Array) -> Array:
        t = xp.tanh(x)
        return t * t

    @staticmethod
    def d2f(xp: Any, x: Array) -> Array:
        return 8.0 * xp.tanh(x) * sigmoid_grad(xp, 2.0 * x)


def _tanhshrink_small_fn(xp: Any, levels: int = _CF_LEVELS) -> Any:
    return lambda v: _tanhshrink_small(xp, v, levels)
