"""Piecewise-linear (and piecewise-polynomial) activations: ReLU and its relatives.

These are exact in floating point (one rounding at most), so they need no special
numerics; what matters is the convention at the kinks. actlab uses PyTorch's choice
everywhere, which for the ReLU family is f'(0) = 0: at a kink the derivative of the
flat (or, for leaky variants, the negative) branch is returned. f'' of a piecewise
linear function is 0 everywhere (the Dirac masses at kinks are not represented).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from actlab.activation import Activation, Param
from actlab.backend import NUMPY, const_like
from actlab.registry import register

Array = Any


def _step(xp: Any, cond: Array, x: Array, on: float = 1.0, off: float = 0.0) -> Array:
    """``on`` where cond else ``off``, and NaN where x is NaN."""
    return xp.where(xp.isnan(x), x, xp.where(cond, on, off))


def _zero(xp: Any, x: Array, **_: float) -> Array:
    return const_like(xp, x, 0.0)


# Fast paths for one NumPy block (Activation.f_block / backward_block): these functions
# are exact, so most need no float64 round trip; and np.where, which branches per element
# (~8 ns on random signs), is avoided.
def _times_step(x: np.ndarray, g: np.ndarray | float, out: np.ndarray, slope: Array) -> None:
    """out = g * slope(x), NaN where x is NaN. ``slope`` is a boolean mask (g * 1 or
    g * 0, exact in any dtype) or float64 values (the product is rounded once)."""
    nan = np.isnan(x)  # before out (which may be x or g) is written
    nans = x[nan] if nan.any() else None
    np.multiply(g, slope, out=out)
    if nans is not None:
        out[nan] = nans


def _exact_in(x: np.ndarray, *values: float) -> np.ndarray:
    """x if the constants are exact in its dtype (so clipping there is exact), else x in
    float64 (clip(x32, 0.1, ...) would clip at float32(0.1), not at 0.1 rounded later)."""
    return x if all(float(x.dtype.type(v)) == v for v in values) else x.astype(np.float64)


def _clip_block(x: np.ndarray, out: np.ndarray, lo: float, hi: float) -> None:
    np.clip(_exact_in(x, lo, hi), lo, hi, out=out)
    np.add(out, 0.0, out=out)  # -0.0 -> +0.0 where lo == 0 (no-op elsewhere: |out| > 0)


def _leaky_block(x: np.ndarray, out: np.ndarray, alpha: float) -> None:
    # NOTE: where(x > 0, x, alpha x) = max(x, alpha x) for 0 < alpha <= 1 and min for
    # alpha > 1, including -0, +-inf and NaN (alpha = 0 fails at +inf: 0 * inf = NaN).
    if not alpha > 0.0:
        out[...] = _leaky(NUMPY, x.astype(np.float64), alpha)
        return
    # alpha*x rounded once, in float64: straight into out when that is float64 and does
    # not hold x (which the max still reads)
    if x.dtype == np.float64 and not np.may_share_memory(out, x):
        ax = np.multiply(x, alpha, out=out)
    else:
        ax = np.multiply(x, alpha, dtype=np.float64)
    (np.maximum if alpha <= 1.0 else np.minimum)(ax, x, out=out)


def _leaky_backward(x: np.ndarray, g: np.ndarray, out: np.ndarray, alpha: float) -> None:
    _times_step(x, g, out, NUMPY.where(x > 0, 1.0, alpha))


@register
class Identity(Activation):
    r"""Identity (linear) activation.

    .. math:: f(x) = x,\quad f'(x) = 1,\quad f''(x) = 0

    A network of identity layers collapses to one linear map, whatever its depth.

    >>> import actlab
    >>> actlab.get("linear")([-2.0, 3.0])
    array([-2.,  3.])
    """

    name = "identity"
    aliases = ("linear",)
    formula = "x"
    reference = "-"
    cost = "piecewise-linear"
    naive = staticmethod(lambda np, x: x)

    @staticmethod
    def f(xp: Any, x: Array) -> Array:
        return x * 1.0  # a new array (never a view of the input); keeps -0.0

    @staticmethod
    def df(xp: Any, x: Array) -> Array:
        return const_like(xp, x, 1.0)

    d2f = staticmethod(_zero)

    @staticmethod
    def f_block(x: np.ndarray, out: np.ndarray) -> None:
        np.copyto(out, x)

    @staticmethod
    def backward_block(x: np.ndarray, g: np.ndarray, out: np.ndarray) -> None:
        _times_step(x, g, out, True)


@register
class ReLU(Activation):
    r"""Rectified linear unit.

    .. math:: f(x) = \max(0, x),\quad f'(x) = [x > 0],\quad f''(x) = 0

    Kink: f'(0) = 0 (as PyTorch). Units whose input stays negative get no gradient
    ("dead" units).

    Reference: Nair & Hinton (2010); Glorot, Bordes & Bengio (2011).

    >>> import actlab
    >>> relu = actlab.get("relu")
    >>> relu([-1.0, 0.0, 2.0]), relu.grad([-1.0, 0.0, 2.0])
    (array([0., 0., 2.]), array([0., 0., 1.]))
    """

    name = "relu"
    formula = "where(x > 0, x, 0)"
    reference = "Nair & Hinton, ICML 2010; Glorot, Bordes & Bengio, AISTATS 2011"
    kinks = "f'(0) = 0 (the flat branch), as PyTorch."
    cost = "piecewise-linear"
    torch_equivalent = staticmethod(lambda F, x: F.relu(x))
    naive = staticmethod(lambda np, x: np.maximum(0, x))

    @staticmethod
    def f(xp: Any, x: Array) -> Array:
        return xp.maximum(x, 0.0) + 0.0  # + 0.0 turns -0.0 into +0.0

    @staticmethod
    def df(xp: Any, x: Array) -> Array:
        return _step(xp, x > 0, x)

    d2f = staticmethod(_zero)

    @staticmethod
    def f_block(x: np.ndarray, out: np.ndarray) -> None:
        np.maximum(x, 0.0, out=out)
        np.add(out, 0.0, out=out)  # -0.0 -> +0.0

    @staticmethod
    def backward_block(x: np.ndarray, g: np.ndarray, out: np.ndarray) -> None:
        _times_step(x, g, out, x > 0)


def _leaky(xp: Any, x: Array, alpha: float) -> Array:
    return xp.where(x > 0, x, alpha * x)


def _leaky_grad(xp: Any, x: Array, alpha: float) -> Array:
    return _step(xp, x > 0, x, 1.0, alpha)


@register
class LeakyReLU(Activation):
    r"""Leaky ReLU: a small slope ``alpha`` for negative inputs, so no unit dies.

    .. math:: f(x) = \begin{cases} x & x > 0 \\ \alpha x & x \le 0 \end{cases},\quad
              f'(x) = \begin{cases} 1 & x > 0 \\ \alpha & x \le 0 \end{cases},\quad f'' = 0

    For 0 <= alpha <= 1 this is max(alpha x, x). Kink: f'(0) = alpha (as PyTorch).

    Reference: Maas, Hannun & Ng (2013).

    >>> import actlab
    >>> actlab.get("leaky_relu")([-100.0, 3.0])
    array([-1.,  3.])
    """

    name = "leaky_relu"
    parameters = (Param("alpha", 0.01, doc="slope for x <= 0"),)
    formula = "where(x > 0, x, alpha * x)"
    reference = "Maas, Hannun & Ng, ICML Workshop on Deep Learning 2013"
    kinks = "f'(0) = alpha (the negative branch), as PyTorch."
    cost = "piecewise-linear"
    torch_equivalent = staticmethod(lambda F, x, alpha: F.leaky_relu(x, alpha))
    naive = staticmethod(lambda np, x, alpha: np.maximum(alpha * x, x))
    f = staticmethod(_leaky)
    df = staticmethod(_leaky_grad)
    d2f = staticmethod(_zero)
    f_block = staticmethod(_leaky_block)
    backward_block = staticmethod(_leaky_backward)


@register
class PReLU(Activation):
    r"""Parametric ReLU: leaky ReLU whose slope ``alpha`` is learned.

    .. math:: f(x) = \begin{cases} x & x > 0 \\ \alpha x & x \le 0 \end{cases},\quad
              \frac{\partial f}{\partial \alpha} = \min(x, 0)

    Kink: f'(0) = alpha (as PyTorch). One shared alpha per activation here; the
    torch module can hold one per channel.

    Reference: He, Zhang, Ren & Sun (2015), "Delving deep into rectifiers".

    >>> import actlab
    >>> actlab.get("prelu").param_grads([-2.0, 3.0])["alpha"]
    array([-2.,  0.])
    """

    name = "prelu"
    parameters = (Param("alpha", 0.25, learnable=True, doc="learned slope for x <= 0"),)
    formula = "where(x > 0, x, alpha * x)"
    reference = "He, Zhang, Ren & Sun, ICCV 2015"
    kinks = "f'(0) = alpha (the negative branch), as PyTorch."
    cost = "piecewise-linear"
    torch_equivalent = staticmethod(
        lambda F, x, alpha: F.prelu(x, x.new_tensor([alpha])))
    naive = staticmethod(lambda np, x, alpha: np.where(x > 0, x, alpha * x))
    f = staticmethod(_leaky)
    df = staticmethod(_leaky_grad)
    d2f = staticmethod(_zero)
    f_block = staticmethod(_leaky_block)
    backward_block = staticmethod(_leaky_backward)

    @staticmethod
    def dparams(xp: Any, x: Array, alpha: float) -> dict[str, Array]:
        return {"alpha": xp.minimum(x, 0.0)}


@register
class RReLU(Activation):
    r"""Randomised leaky ReLU, evaluated deterministically.

    In training the negative slope is drawn from U(lower, upper) per element; outside
    training (and everywhere in this catalogue) the slope is the mean
    a = (lower + upper) / 2:

    .. math:: f(x) = \begin{cases} x & x > 0 \\ a x & x \le 0 \end{cases}

    The torch module samples slopes in training mode. Kink: f'(0) = a (as PyTorch).

    Reference: Xu, Wang, Chen & Li (2015), "Empirical evaluation of rectified
    activations in convolutional network".

    >>> import actlab
    >>> float(actlab.get("rrelu", lower=0.1, upper=0.3)(-1.0))
    -0.2
    """

    name = "rrelu"
    parameters = (
        Param("lower", 1 / 8, lo=0.0, lo_open=False, doc="lower bound of the slope"),
        Param("upper", 1 / 3, lo=0.0, lo_open=False, doc="upper bound of the slope"),
    )
    formula = "where(x > 0, x, (lower + upper) / 2 * x)"
    reference = "Xu, Wang, Chen & Li, arXiv:1505.00853 (2015)"
    kinks = "f'(0) = (lower + upper)/2 (the negative branch), as PyTorch."
    cost = "piecewise-linear"
    torch_equivalent = staticmethod(
        lambda F, x, lower, upper: F.rrelu(x, lower, upper, training=False))

    @classmethod
    def check(cls, params: dict[str, float]) -> None:
        if params["lower"] > params["upper"]:
            raise ValueError(f"The 'lower' parameter of rrelu must be <= 'upper' "
                             f"({params['upper']!r}). Got {params['lower']!r} instead.")

    @staticmethod
    def f(xp: Any, x: Array, lower: float, upper: float) -> Array:
        return _leaky(xp, x, (lower + upper) / 2)

    @staticmethod
    def df(xp: Any, x: Array, lower: float, upper: float) -> Array:
        return _leaky_grad(xp, x, (lower + upper) / 2)

    @staticmethod
    def f_block(x: np.ndarray, out: np.ndarray, lower: float, upper: float) -> None:
        _leaky_block(x, out, (lower + upper) / 2)

    @staticmethod
    def backward_block(x: np.ndarray, g: np.ndarray, out: np.ndarray, lower: float,
                       upper: float) -> None:
        _leaky_backward(x, g, out, (lower + upper) / 2)

    d2f = staticmethod(_zero)


def _clip_grad(xp: Any, x: Array, lo: float, hi: float) -> Array:
    return _step(xp, xp.logical_and(x > lo, x < hi), x)


@register
class ReLU6(Activation):
    r"""ReLU capped at 6.

    .. math:: f(x) = \min(\max(0, x), 6),\quad f'(x) = [0 < x < 6]

    Kinks: f'(0) = f'(6) = 0 (the flat branches), as PyTorch.

    Reference: Krizhevsky (2010); Howard et al. (2017), MobileNets.

    >>> import actlab
    >>> actlab.get("relu6")([-1.0, 3.0, 9.0])
    array([0., 3., 6.])
    """

    name = "relu6"
    formula = "where(x <= 0, 0, where(x >= 6, 6, x))"
    reference = "Krizhevsky, 'Convolutional deep belief networks on CIFAR-10' (2010)"
    kinks = "f'(0) = f'(6) = 0 (the flat branches), as PyTorch."
    cost = "piecewise-linear"
    torch_equivalent = staticmethod(lambda F, x: F.relu6(x))

    @staticmethod
    def f(xp: Any, x: Array) -> Array:
        return xp.clip(x, 0.0, 6.0) + 0.0

    @staticmethod
    def df(xp: Any, x: Array) -> Array:
        return _clip_grad(xp, x, 0.0, 6.0)

    d2f = staticmethod(_zero)

    @staticmethod
    def f_block(x: np.ndarray, out: np.ndarray) -> None:
        _clip_block(x, out, 0.0, 6.0)

    @staticmethod
    def backward_block(x: np.ndarray, g: np.ndarray, out: np.ndarray) -> None:
        _times_step(x, g, out, (x > 0.0) & (x < 6.0))


@register
class HardTanh(Activation):
    r"""Hard tanh: the identity clipped to [min_val, max_val].

    .. math:: f(x) = \min(\max(x, a), b),\quad f'(x) = [a < x < b]

    Kinks: f'(a) = f'(b) = 0 (the flat branches), as PyTorch.

    Reference: Collobert (2004), "Large scale machine learning".

    >>> import actlab
    >>> actlab.get("hardtanh")([-3.0, 0.5, 3.0])
    array([-1. ,  0.5,  1. ])
    """

    name = "hardtanh"
    parameters = (Param("min_val", -1.0, doc="lower clip"), Param("max_val", 1.0, doc="upper clip"))
    formula = "where(x <= min_val, min_val, where(x >= max_val, max_val, x))"
    reference = "Collobert, PhD thesis, 2004"
    kinks = "f'(min_val) = f'(max_val) = 0 (the flat branches), as PyTorch."
    cost = "piecewise-linear"
    torch_equivalent = staticmethod(lambda F, x, min_val, max_val: F.hardtanh(x, min_val, max_val))

    @classmethod
    def check(cls, params: dict[str, float]) -> None:
        if not params["min_val"] < params["max_val"]:
            raise ValueError(f"The 'min_val' parameter of hardtanh must be < 'max_val' "
                             f"({params['max_val']!r}). Got {params['min_val']!r} instead.")

    @staticmethod
    def f(xp: Any, x: Array, min_val: float, max_val: float) -> Array:
        return xp.clip(x, min_val, max_val)

    @staticmethod
    def df(xp: Any, x: Array, min_val: float, max_val: float) -> Array:
        return _clip_grad(xp, x, min_val, max_val)

    @staticmethod
    def f_block(x: np.ndarray, out: np.ndarray, min_val: float, max_val: float) -> None:
        np.clip(_exact_in(x, min_val, max_val), min_val, max_val, out=out)

    @staticmethod
    def backward_block(x: np.ndarray, g: np.ndarray, out: np.ndarray, min_val: float,
                       max_val: float) -> None:
        xe = _exact_in(x, min_val, max_val)
        _times_step(x, g, out, (xe > min_val) & (xe < max_val))

    @staticmethod
    def d2f(xp: Any, x: Array, min_val: float, max_val: float) -> Array:
        return const_like(xp, x, 0.0)


@register
class HardSigmoid(Activation):
    r"""Hard sigmoid: a piecewise-linear sigmoid, relu6(x + 3) / 6.

    .. math:: f(x) = \begin{cases} 0 & x \le -3 \\ x/6 + 1/2 & -3 < x < 3 \\ 1 & x \ge 3
              \end{cases},\quad f'(x) = [-3 < x < 3] / 6

    Kinks: f'(-3) = f'(3) = 0 (the flat branches), as PyTorch.

    Reference: Howard et al. (2019), "Searching for MobileNetV3".

    >>> import actlab
    >>> actlab.get("hardsigmoid")([-4.0, 0.0, 1.5])
    array([0.  , 0.5 , 0.75])
    """

    name = "hardsigmoid"
    formula = "where(x <= -3, 0, where(x >= 3, 1, x / 6 + 1 / 2))"
    reference = "Howard et al., ICCV 2019 (MobileNetV3)"
    kinks = "f'(-3) = f'(3) = 0 (the flat branches), as PyTorch."
    cost = "piecewise-linear"
    torch_equivalent = staticmethod(lambda F, x: F.hardsigmoid(x))

    @staticmethod
    def f(xp: Any, x: Array) -> Array:
        # (x + 3) is exact near -3 (Sterbenz), so the result has one rounding there.
        return xp.clip(x + 3.0, 0.0, 6.0) / 6.0

    @staticmethod
    def f_block(x: np.ndarray, out: np.ndarray) -> None:
        t = np.add(x, 3.0, dtype=np.float64)  # f's operations, in place on one temporary
        np.clip(t, 0.0, 6.0, out=t)
        np.divide(t, 6.0, out=out)

    @staticmethod
    def df(xp: Any, x: Array) -> Array:
        return _step(xp, xp.logical_and(x > -3.0, x < 3.0), x, 1.0 / 6.0)

    d2f = staticmethod(_zero)

    @staticmethod
    def backward_block(x: np.ndarray, g: np.ndarray, out: np.ndarray) -> None:
        _times_step(x, g, out, ((x > -3.0) & (x < 3.0)) * (1.0 / 6.0))  # float64 slope


@register
class HardSwish(Activation):
    r"""Hard swish: x * relu6(x + 3) / 6, a piecewise-quadratic swish.

    .. math:: f(x) = \begin{cases} 0 & x < -3 \\ x(x+3)/6 & -3 \le x \le 3 \\ x & x > 3
              \end{cases},\quad f'(x) = \begin{cases} 0 & x < -3 \\ (2x+3)/6 & -3 \le x \le 3
              \\ 1 & x > 3 \end{cases},\quad f''(x) = [-3 \le x \le 3] / 3

    Kinks: at -3 and 3 the middle branch is used (f'(-3) = -1/2, f'(3) = 3/2), as
    PyTorch. f' is computed as (2x + 3)/6, exact near its root -3/2 (PyTorch's
    x/3 + 1/2 cancels there).

    Reference: Howard et al. (2019), "Searching for MobileNetV3".

    >>> import actlab
    >>> actlab.get("hardswish")([-4.0, 1.0, 4.0])
    array([-0.        ,  0.66666667,  4.        ])
    """

    name = "hardswish"
    formula = "where(x < -3, 0, where(x <= 3, x * (x + 3) / 6, x))"
    reference = "Howard et al., ICCV 2019 (MobileNetV3)"
    kinks = "at x = -3 and x = 3 the middle branch: f'(-3) = -1/2, f'(3) = 3/2 (as PyTorch)."
    cost = "piecewise-linear"
    torch_equivalent = staticmethod(lambda F, x: F.hardswish(x))

    @staticmethod
    def f(xp: Any, x: Array) -> Array:
        return xp.maximum(x, -1e300) * xp.clip(x + 3.0, 0.0, 6.0) / 6.0  # -inf * 0 -> -0

    @staticmethod
    def f_block(x: np.ndarray, out: np.ndarray) -> None:
        # f's operations in float64 on two temporaries; x is clipped at -4 instead of
        # -1e300 (any x < -3 gives x * 0 = -0, and np.clip is a SIMD loop where
        # np.maximum with a number is not)
        xm = np.clip(x, -4.0, np.inf, dtype=np.float64)
        t = np.add(xm, 3.0)
        np.clip(t, 0.0, 6.0, out=t)
        np.multiply(t, xm, out=t)
        np.divide(t, 6.0, out=out)

    @staticmethod
    def df(xp: Any, x: Array) -> Array:
        mid = (2.0 * x + 3.0) / 6.0
        return xp.where(x < -3.0, 0.0, xp.where(x <= 3.0, mid, const_like(xp, x, 1.0)))

    @staticmethod
    def backward_block(x: np.ndarray, g: np.ndarray, out: np.ndarray) -> None:
        # df without selects: mid [-3 <= x <= 3] + [x > 3], the same values (mid on a
        # clipped x, so +-inf give 0 * finite; the -0 that x < -3 gives becomes +0 when
        # [x > 3] = 0 is added; NaN stays NaN, as in df).
        s = np.clip(x, -4.0, 4.0, dtype=np.float64)
        np.multiply(s, 2.0, out=s)
        np.add(s, 3.0, out=s)
        np.divide(s, 6.0, out=s)
        np.multiply(s, (x >= -3.0) & (x <= 3.0), out=s)
        np.add(s, x > 3.0, out=s)
        np.multiply(s, g, out=s)
        out[...] = s

    @staticmethod
    def d2f(xp: Any, x: Array) -> Array:
        return _step(xp, xp.logical_and(x >= -3.0, x <= 3.0), x, 1.0 / 3.0)


@register
class SoftShrink(Activation):
    r"""Soft shrinkage (soft thresholding): moves x towards 0 by lambd, 0 inside.

    .. math:: f(x) = \begin{cases} x - \lambda & x > \lambda \\ x + \lambda & x < -\lambda
              \\ 0 & \text{otherwise} \end{cases},\quad f'(x) = [|x| > \lambda]

    Kinks: f'(+-lambd) = 0 (the flat branch), as PyTorch.

    Reference: Donoho (1995), "De-noising by soft-thresholding".

    >>> import actlab
    >>> actlab.get("softshrink")([-2.0, 0.2, 2.0])
    array([-1.5,  0. ,  1.5])
    """

    name = "softshrink"
    parameters = (Param("lambd", 0.5, lo=0.0, lo_open=False, doc="threshold"),)
    formula = "where(x > lambd, x - lambd, where(x < -lambd, x + lambd, 0))"
    reference = "Donoho, IEEE Trans. Inf. Theory 41 (1995)"
    kinks = "f'(+-lambd) = 0 (the flat branch), as PyTorch."
    cost = "piecewise-linear"
    torch_equivalent = staticmethod(lambda F, x, lambd: F.softshrink(x, lambd))

    @staticmethod
    def f(xp: Any, x: Array, lambd: float) -> Array:
        # Exact: x - clip(x) is x -+ lambd outside (one rounding) and x - x = 0 inside.
        return x - xp.clip(x, -lambd, lambd)

    @staticmethod
    def f_block(x: np.ndarray, out: np.ndarray, lambd: float) -> None:
        xe = _exact_in(x, lambd)  # x -+ lambd rounded once, in x's dtype if lambd is exact
        np.subtract(xe, np.clip(xe, -lambd, lambd), out=out)

    @staticmethod
    def backward_block(x: np.ndarray, g: np.ndarray, out: np.ndarray, lambd: float) -> None:
        _times_step(x, g, out, np.abs(_exact_in(x, lambd)) > lambd)

    @staticmethod
    def df(xp: Any, x: Array, lambd: float) -> Array:
        return _step(xp, xp.abs(x) > lambd, x)

    @staticmethod
    def d2f(xp: Any, x: Array, lambd: float) -> Array:
        return const_like(xp, x, 0.0)


@register
class HardShrink(Activation):
    r"""Hard shrinkage (hard thresholding): x where |x| > lambd, else 0.

    .. math:: f(x) = x\,[|x| > \lambda],\quad f'(x) = [|x| > \lambda]

    Kinks: f'(+-lambd) = 0 (the flat branch), as PyTorch.

    Reference: Donoho & Johnstone (1994), "Ideal spatial adaptation by wavelet shrinkage".

    >>> import actlab
    >>> actlab.get("hardshrink")([-2.0, 0.2, 2.0])
    array([-2.,  0.,  2.])
    """

    name = "hardshrink"
    parameters = (Param("lambd", 0.5, lo=0.0, lo_open=False, doc="threshold"),)
    formula = "where(x > lambd, x, where(x < -lambd, x, 0))"
    reference = "Donoho & Johnstone, Biometrika 81 (1994)"
    kinks = "f'(+-lambd) = 0 and f(+-lambd) = 0 (the flat branch), as PyTorch."
    cost = "piecewise-linear"
    torch_equivalent = staticmethod(lambda F, x, lambd: F.hardshrink(x, lambd))

    @staticmethod
    def f(xp: Any, x: Array, lambd: float) -> Array:
        return xp.where(xp.abs(x) <= lambd, 0.0, x)

    @staticmethod
    def f_block(x: np.ndarray, out: np.ndarray, lambd: float) -> None:
        # NOTE: x * [|x| > lambd] is x or a signed zero (NaN stays NaN, inf is kept);
        # + 0.0 turns the -0 of negative x into the +0 of the where() above.
        np.multiply(x, np.abs(_exact_in(x, lambd)) > lambd, out=out)
        np.add(out, 0.0, out=out)

    @staticmethod
    def backward_block(x: np.ndarray, g: np.ndarray, out: np.ndarray, lambd: float) -> None:
        _times_step(x, g, out, np.abs(_exact_in(x, lambd)) > lambd)

    @staticmethod
    def df(xp: Any, x: Array, lambd: float) -> Array:
        return _step(xp, xp.abs(x) > lambd, x)

    @staticmethod
    def d2f(xp: Any, x: Array, lambd: float) -> Array:
        return const_like(xp, x, 0.0)


@register
class Heaviside(Activation):
    r"""Heaviside step: the perceptron's threshold unit.

    .. math:: f(x) = [x \ge 0],\quad f'(x) = 0,\quad f''(x) = 0

    Convention: f(0) = 1, and f' = 0 everywhere, including at 0: the Dirac mass at 0
    is not represented, so gradient descent gets no signal through a step unit.

    Reference: Rosenblatt (1958); McCulloch & Pitts (1943).

    >>> import actlab
    >>> step = actlab.get("heaviside")
    >>> step([-1.0, 0.0, 2.0]), step.grad([-1.0, 0.0, 2.0])
    (array([0., 1., 1.]), array([0., 0., 0.]))
    """

    name = "heaviside"
    aliases = ("step",)
    formula = "where(x < 0, 0, 1)"
    reference = "Rosenblatt, Psychological Review 65 (1958)"
    kinks = "f(0) = 1; f'(x) = 0 everywhere, including x = 0 (the Dirac mass is dropped)."
    cost = "piecewise-linear"
    torch_equivalent = staticmethod(lambda F, x: (x >= 0).to(x.dtype).where(~x.isnan(), x))
    naive = staticmethod(lambda np, x: np.heaviside(x, 1.0))

    @staticmethod
    def f(xp: Any, x: Array) -> Array:
        return _step(xp, x >= 0, x)

    df = staticmethod(_zero)
    d2f = staticmethod(_zero)

    @staticmethod
    def f_block(x: np.ndarray, out: np.ndarray) -> None:
        _times_step(x, 1.0, out, x >= 0)

    @staticmethod
    def backward_block(x: np.ndarray, g: np.ndarray, out: np.ndarray) -> None:
        _times_step(x, g, out, False)  # g * 0: signed zeros, NaN for g = +-inf, as g * f'
