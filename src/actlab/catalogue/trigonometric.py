"""Trigonometric activations: sinusoid (periodic) and arctan (a sigmoid shape)."""

from __future__ import annotations

import math
from typing import Any

from actlab.activation import Activation
from actlab.registry import register

Array = Any


def _finite(xp: Any, x: Array) -> Array:
    # sin(+-inf) is NaN (no limit); computing it on a NaN avoids NumPy's warning.
    return xp.where(xp.isinf(x), math.nan, x)


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


@register
class Arctan(Activation):
    r"""Arctangent: a sigmoid shape with range (-pi/2, pi/2) and polynomial tails.

    .. math:: f(x) = \arctan x,\quad f'(x) = \frac{1}{1 + x^2},\quad
              f''(x) = \frac{-2x}{(1 + x^2)^2}

    For |x| > 1, f' = r / (x + r) with r = 1/x, which neither overflows nor cancels.

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
        big = xp.abs(x) > 1.0
        xb = xp.where(big, x, 2.0)  # keeps the unused branch away from 0/0 at x = -1
        r = 1.0 / xb
        xs = xp.where(big, 0.0, x)  # the small-|x| branch only ever sees |x| <= 1
        return xp.where(big, r / (xb + r), 1.0 / (1.0 + xs * xs))

    @staticmethod
    def d2f(xp: Any, x: Array) -> Array:
        big = xp.abs(x) > 1.0
        xb = xp.where(big, x, 2.0)  # keeps the unused branch away from 0/0 at x = -1
        r = 1.0 / xb
        inv = 1.0 / (xb + r)  # for |x| > 1: -2x/(1+x^2)^2 = -2 (r/(x+r)) (1/(x+r))
        xs = xp.where(big, 0.0, x)
        small = 1.0 / (1.0 + xs * xs)
        return xp.where(big, -2.0 * (r * inv) * inv, -2.0 * xs * small * small)
