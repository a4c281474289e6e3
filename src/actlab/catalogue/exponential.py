"""Exponential linear units: ELU, SELU, CELU.

Identity for x > 0, a saturating exponential alpha (e^x - 1) below. Evaluated with
expm1 (exact near 0) on min(x, 0), so the unused branch never overflows. Kink at 0:
the negative branch is used, as PyTorch (f'(0) = alpha for ELU).
"""

from __future__ import annotations

from typing import Any

from actlab.activation import Activation, Param
from actlab.backend import two_prod
from actlab.registry import register

Array = Any


def _elu(xp: Any, x: Array, alpha: float, scale: float = 1.0) -> Array:
    neg = alpha * xp.expm1(xp.minimum(x, 0.0))
    if alpha > 0.0 and xp.name == "numpy":
        # NOTE: where(x > 0, x, neg) without a select (~2 ns/element): one of max(x, 0)
        # and neg is exactly 0 (expm1(0) = 0), so their sum is f, except for the sign of
        # a zero: f(-0) = alpha expm1(-0) = -0, as is a neg that underflows, but the sum
        # is +0. Only zeros take x's sign (np.copysign on the whole block costs ~0.5 ns
        # per element, as much as the rest of f).
        value = xp.maximum(x, 0.0) + neg
        value = xp.patch(value, value == 0.0, xp.copysign, value, x)
        return value if scale == 1.0 else scale * value
    return xp.where(x > 0, x, neg) if scale == 1.0 else xp.where(x > 0, scale * x, scale * neg)


def _elu_grad(xp: Any, x: Array, alpha: float, scale: float, pos: float) -> Array:
    # NaN is not > 0, so it takes the negative branch, which is NaN there.
    neg = (scale * alpha) * xp.exp(xp.minimum(x, 0.0))
    return xp.where(x > 0, pos, neg)


@register
class ELU(Activation):
    r"""Exponential linear unit.

    .. math:: f(x) = \begin{cases} x & x > 0 \\ \alpha(e^x - 1) & x \le 0 \end{cases},\quad
              f'(x) = \begin{cases} 1 & x > 0 \\ \alpha e^x & x \le 0 \end{cases},\quad
              f''(x) = \begin{cases} 0 & x > 0 \\ \alpha e^x & x \le 0 \end{cases}

    Kink: f'(0) = alpha and f''(0) = alpha (the negative branch), as PyTorch; for
    alpha = 1, f is C^1. Outputs saturate at -alpha, pushing mean activations to 0.

    Reference: Clevert, Unterthiner & Hochreiter (2016).

    >>> import actlab
    >>> actlab.get("elu")([-1000.0, -1.0, 2.0])
    array([-1.        , -0.63212056,  2.        ])
    """

    name = "elu"
    parameters = (Param("alpha", 1.0, doc="saturation value -alpha for x -> -inf"),)
    formula = "where(x > 0, x, alpha * expm1(x))"
    reference = "Clevert, Unterthiner & Hochreiter, ICLR 2016"
    kinks = "f'(0) = alpha, f''(0) = alpha (the negative branch), as PyTorch."
    torch_equivalent = staticmethod(lambda F, x, alpha: F.elu(x, alpha))
    naive = staticmethod(lambda np, x, alpha: np.where(x > 0, x, alpha * (np.exp(x) - 1)))

    @staticmethod
    def f(xp: Any, x: Array, alpha: float) -> Array:
        return _elu(xp, x, alpha)

    @staticmethod
    def df(xp: Any, x: Array, alpha: float) -> Array:
        return _elu_grad(xp, x, alpha, 1.0, 1.0)

    @staticmethod
    def d2f(xp: Any, x: Array, alpha: float) -> Array:
        return _elu_grad(xp, x, alpha, 1.0, 0.0)


# The published constants (Klambauer et al. 2017), to 32 digits; the formula keeps them
# exact, the kernels use their float64 roundings.
_SELU_ALPHA = "1.6732632423543772848170429916717"
_SELU_SCALE = "1.0507009873554804934193349852946"
SELU_ALPHA, SELU_SCALE = float(_SELU_ALPHA), float(_SELU_SCALE)


@register
class SELU(Activation):
    r"""Scaled ELU: lambda * elu(x; alpha) with the self-normalising constants.

    .. math:: f(x) = \lambda\begin{cases} x & x > 0 \\ \alpha(e^x - 1) & x \le 0
              \end{cases},\quad \alpha = 1.67326\ldots,\ \lambda = 1.05070\ldots

    With these constants a N(0, 1) input keeps mean 0 and variance 1. Kink: f'(0) =
    lambda alpha (the negative branch), as PyTorch.

    Reference: Klambauer, Unterthiner, Mayr & Hochreiter (2017), "Self-normalizing
    neural networks".

    >>> import actlab
    >>> float(actlab.get("selu")(-1000.0))
    -1.7580993408473766
    """

    name = "selu"
    formula = f"{_SELU_SCALE} * where(x > 0, x, {_SELU_ALPHA} * expm1(x))"
    reference = "Klambauer, Unterthiner, Mayr & Hochreiter, NeurIPS 2017"
    kinks = "f'(0) = f''(0) = lambda alpha (the negative branch), as PyTorch."
    torch_equivalent = staticmethod(lambda F, x: F.selu(x))

    @staticmethod
    def f(xp: Any, x: Array) -> Array:
        return _elu(xp, x, SELU_ALPHA, SELU_SCALE)

    @staticmethod
    def df(xp: Any, x: Array) -> Array:
        return _elu_grad(xp, x, SELU_ALPHA, SELU_SCALE, SELU_SCALE)

    @staticmethod
    def d2f(xp: Any, x: Array) -> Array:
        return _elu_grad(xp, x, SELU_ALPHA, SELU_SCALE, 0.0)


def _exp_over(xp: Any, x: Array, alpha: float) -> Array:
    """exp(x / alpha) for x <= 0, with x/alpha carried as a double-double.

    exp amplifies the rounding error of q = x/alpha by |q|; the exact remainder
    r = x - q alpha (computed with two_prod) gives the correction exp(q) (1 + r/alpha).
    """
    xn = xp.clip(x, -800.0 * alpha, 0.0)  # exp(-800) = 0: no need to go further
    if alpha == 1.0:  # q = x exactly: the correction is 0
        return xp.exp(xn)
    q = xn / alpha
    p, e = two_prod(xp, q, alpha)
    return xp.exp(q) * (1.0 + ((xn - p) - e) / alpha)


@register
class CELU(Activation):
    r"""Continuously differentiable ELU.

    .. math:: f(x) = \begin{cases} x & x > 0 \\ \alpha(e^{x/\alpha} - 1) & x \le 0
              \end{cases},\quad f'(x) = \begin{cases} 1 & x > 0 \\ e^{x/\alpha} & x \le 0
              \end{cases},\quad f''(x) = \begin{cases} 0 & x > 0 \\ e^{x/\alpha}/\alpha & x \le 0
              \end{cases}

    f is C^1 for every alpha; f''(0) = 1/alpha (the negative branch).

    Reference: Barron (2017), "Continuously differentiable exponential linear units".

    >>> import actlab
    >>> float(actlab.get("celu", alpha=2.0)(-1000.0))
    -2.0
    """

    name = "celu"
    parameters = (Param("alpha", 1.0, lo=0.0, doc="saturation value -alpha and scale"),)
    formula = "where(x > 0, x, alpha * expm1(x / alpha))"
    reference = "Barron, arXiv:1704.07483 (2017)"
    kinks = "f'(0) = 1 (both sides agree); f''(0) = 1/alpha (the negative branch)."
    torch_equivalent = staticmethod(lambda F, x, alpha: F.celu(x, alpha))

    @staticmethod
    def f(xp: Any, x: Array, alpha: float) -> Array:
        return xp.where(x > 0, x, alpha * xp.expm1(xp.minimum(x, 0.0) / alpha))

    @staticmethod
    def df(xp: Any, x: Array, alpha: float) -> Array:
        return xp.where(x > 0, 1.0, _exp_over(xp, x, alpha))  # NaN: _exp_over(NaN) = NaN

    @staticmethod
    def d2f(xp: Any, x: Array, alpha: float) -> Array:
        return xp.where(x > 0, 0.0, _exp_over(xp, x, alpha) / alpha)
