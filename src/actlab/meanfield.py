"""Mean-field signal propagation in deep random networks (Poole et al. 2016).

A layer ``h' = W f(h) + b`` with weights of variance ``sw2 / fan_in`` and biases of
variance ``sb2``, in the infinitely wide limit, maps the variance q of a
pre-activation to the next one by the *length map*

.. math:: \\mathcal{L}(q) = \\sigma_w^2\\,\\mathbb{E}_z\\bigl[f(\\sqrt q\\,z)^2\\bigr] + \\sigma_b^2,
          \\qquad z \\sim N(0, 1),

whose attracting fixed point is q*. Perturbations grow or shrink per layer by

.. math:: \\chi_1 = \\sigma_w^2\\,\\mathbb{E}_z\\bigl[f'(\\sqrt{q^*}\\,z)^2\\bigr]:

chi1 < 1 is the ordered phase (gradients vanish), chi1 > 1 the chaotic one (they
explode); chi1 = 1 is the critical initialisation ("edge of chaos", Schoenholz et al.
2017), where signals and gradients travel deepest.

The expectations use the quadrature of :func:`actlab.properties.normal_nodes` (relative
error ~1e-15, exact across kinks).

References: Poole, Lahiri, Raghu, Sohl-Dickstein & Ganguli, "Exponential expressivity in
deep neural networks through transient chaos", NIPS 2016; Schoenholz, Gilmer, Ganguli &
Sohl-Dickstein, "Deep information propagation", ICLR 2017.

>>> import actlab
>>> relu, tanh = actlab.get("relu"), actlab.get("tanh")
>>> critical_init(relu, sb2_values=(0.0,)), chi1(relu, 2.0, 0.0)
([(2.0, 0.0)], 1.0)
>>> round(fixed_point(tanh, 2.0, 0.1), 6), round(critical_init(tanh, (0.0,))[0][0], 9)
(1.125284, 1.0)
"""

from __future__ import annotations

import functools
import math
import warnings

import numpy as np
from scipy.optimize import brentq

from actlab.activation import Activation
from actlab.properties import normal_nodes

#: The length map is followed up to q = q0 * 2^60 (~1e18): beyond that q* is infinite.
_DOUBLINGS = 60
#: Below this, q* is taken to be 0 when 0 is a fixed point.
_Q_TINY = 1e-12


class NoCriticalPoint(UserWarning):
    """:func:`critical_init` found no critical sw2 for a value of sb2 (the text says why)."""


def _moments(act: Activation, q: float) -> tuple[float, float]:
    """(E[f(sqrt(q) z)^2], E[f'(sqrt(q) z)^2]), z ~ N(0, 1), for 0 <= q <= inf.

    At q = 0 and q = inf the expectation is the average of the two one-sided values
    (at 0 -+ tiny, or at -+inf): the sign of z is all that remains.
    """
    with np.errstate(all="ignore"):
        if q == 0 or math.isinf(q):
            x = np.array([-1.0, 1.0]) * (1e-300 if q == 0 else math.inf)
            f, d = act(x), act.grad(x)
            return float(np.mean(f * f)), float(np.mean(d * d))
        x, w = normal_nodes(act, q)
        f, d = act(x), act.grad(x)
        return float(w @ (f * f)), float(w @ (d * d))


@functools.lru_cache(maxsize=None)
def _homogeneous(act: Activation) -> bool:
    """Whether f(t x) = t f(x) for t > 0 (relu, leaky relu, identity): then the length
    map is linear, L(q) = sw2 E[f(z)^2] q + sb2, and chi1 does not depend on q."""
    x = np.concatenate([-np.geomspace(1e-6, 1e6, 61), np.geomspace(1e-6, 1e6, 61)])
    fx = act(x)
    return all(np.allclose(act(t * x), t * fx, rtol=1e-14, atol=0.0) for t in (2.0, 3.0))


def _check(sw2: float, sb2: float, q: float = 1.0) -> None:
    """Errors name the argument, its value and what is allowed (q may be inf)."""
    for name, value, ok, allowed in (("sw2", sw2, 0 < sw2 < math.inf, "a finite number > 0"),
                                     ("sb2", sb2, 0 <= sb2 < math.inf, "a finite number >= 0"),
                                     ("q", q, q >= 0, "a number >= 0")):
        if not ok:
            raise ValueError(f"{name} must be {allowed}. Got {value!r} instead.")


def length_map(act: Activation, q: float, sw2: float, sb2: float) -> float:
    """L(q) = sw2 E[f(sqrt(q) z)^2] + sb2: the next layer's pre-activation variance.

    >>> import actlab
    >>> length_map(actlab.get("relu"), 3.0, 2.0, 0.5)
    3.5
    """
    _check(sw2, sb2, q)
    return sw2 * _moments(act, q)[0] + sb2


def fixed_point(act: Activation, sw2: float, sb2: float, *, q0: float = 1.0) -> float:
    """The fixed point q* = L(q*) that iterating the length map from ``q0`` reaches.

    Returns ``math.inf`` when the iteration diverges (relu with sw2 > 2, or sw2 = 2 and
    sb2 > 0) and 0.0 when it dies out (tanh with sw2 < 1, sb2 = 0). For a positively
    homogeneous f at criticality with sb2 = 0 (relu, sw2 = 2) every q is a fixed point
    and ``q0`` is returned: the variance stays where it starts.

    Method: homogeneous f in closed form (the map is linear). Otherwise the map is
    followed in doublings (or halvings) of q from q0, in the direction L(q0) - q0
    points, to the first sign change of L(q) - q, then polished with Brent's method to
    full precision. Raises ValueError if the fixed point is not attracting (|L'(q*)| > 1:
    the iteration oscillates instead of settling).

    >>> import actlab
    >>> selu = actlab.get("selu")
    >>> abs(fixed_point(selu, 1.0, 0.0) - 1.0) < 1e-12
    True
    """
    _check(sw2, sb2, q0)
    if _homogeneous(act):
        slope = sw2 * _moments(act, 1.0)[0]
        if abs(slope - 1) <= 1e-12:  # critical: q -> q + sb2
            return q0 if sb2 == 0 else math.inf
        return sb2 / (1 - slope) if slope < 1 else math.inf

    def h(q: float) -> float:
        return sw2 * _moments(act, q)[0] + sb2 - q

    h0 = h(q0)
    if h0 == 0:
        return q0
    factor = 2.0 if h0 > 0 else 0.5
    prev = q0
    for _ in range(_DOUBLINGS):
        q = prev * factor
        if factor > 1 and h(q) <= 0 or factor < 1 and h(q) >= 0:
            q_star = brentq(h, *sorted((prev, q)), xtol=1e-300, rtol=1e-15)
            break
        if q < _Q_TINY:  # dying out: 0 is the fixed point, or a positive one below q
            if h(0.0) == 0:
                return 0.0
            q_star = brentq(h, 0.0, q, xtol=1e-300, rtol=1e-15)
            break
        prev = q
    else:
        return math.inf
    step = 1e-6 * q_star
    slope = (h(q_star + step) - h(q_star - step)) / (2 * step) + 1 if q_star > step else 0.0
    if abs(slope) > 1 + 1e-6:
        raise ValueError(f"{act!r} with sw2={sw2:g}, sb2={sb2:g}: the fixed point q*={q_star:.6g} "
                         f"is not attracting (L'(q*) = {slope:.4g}); the variance oscillates.")
    return float(q_star)


def chi1(act: Activation, sw2: float, sb2: float, *, q0: float = 1.0) -> float:
    """chi1 = sw2 E[f'(sqrt(q*) z)^2], the per-layer growth of a small perturbation.

    For a positively homogeneous f, f' depends only on the sign of x, so chi1 =
    sw2 E[f'(z)^2] whatever q* is (relu: sw2 / 2).

    >>> import actlab
    >>> chi1(actlab.get("tanh"), 0.5, 0.0)
    0.5
    """
    _check(sw2, sb2, q0)
    q = 1.0 if _homogeneous(act) else fixed_point(act, sw2, sb2, q0=q0)
    return sw2 * _moments(act, q)[1]


def critical_init(act: Activation, sb2_values: tuple[float, ...] = (0.0, 0.01, 0.05, 0.1),
                  ) -> list[tuple[float, float]]:
    """(sw2, sb2) with chi1 = 1, for each sb2 that has one: the edge of chaos.

    For each sb2, chi1(sw2) - 1 is scanned over sw2 in [1e-2, 1e4] (4 points a
    decade) and the first sign change is solved with Brent's method; the result is kept
    if chi1 = 1 there to 1e-8 and q* is finite. Each sb2 without a solution is skipped
    with a :class:`NoCriticalPoint` warning saying why (relu with sb2 > 0: at sw2 = 2
    the length map is q -> q + sb2 and q* diverges).

    >>> import actlab
    >>> [round(sw2, 4) for sw2, _ in critical_init(actlab.get("tanh"), (0.0, 0.05))]
    [1.0, 1.7591]
    """
    out = []
    for sb2 in sb2_values:
        _check(1.0, sb2)
        try:
            out.append((_critical_sw2(act, sb2), sb2))
        except _NoSolution as reason:
            warnings.warn(f"{act!r}: no critical sw2 for sb2={sb2:g}: {reason}",
                          NoCriticalPoint, stacklevel=2)
    return out


class _NoSolution(Exception):
    pass


def _critical_sw2(act: Activation, sb2: float) -> float:
    if _homogeneous(act):
        dm2 = _moments(act, 1.0)[1]
        if dm2 == 0:
            raise _NoSolution("f' = 0 almost everywhere, so chi1 = 0 for every sw2")
        if sb2 > 0:
            raise _NoSolution(f"f is positively homogeneous: chi1 = 1 at sw2 = {1 / dm2:.6g}, "
                              f"where the length map is q -> q + sb2 and q* diverges")
        return 1 / dm2

    def excess(sw2: float) -> float:
        try:
            return chi1(act, sw2, sb2) - 1
        except ValueError:  # no attracting fixed point there
            return math.nan

    grid = np.geomspace(1e-2, 1e4, 25)
    prev_sw2, prev = grid[0], excess(grid[0])
    for sw2 in grid[1:]:
        value = excess(sw2)
        if prev * value <= 0:  # (nan compares False: no bracket across a gap)
            root = prev_sw2 if prev == 0 else sw2 if value == 0 else \
                brentq(excess, prev_sw2, sw2, xtol=1e-14, rtol=1e-14)
            if abs(excess(root)) <= 1e-8 and math.isfinite(fixed_point(act, root, sb2)):
                return float(root)
            raise _NoSolution(f"chi1 jumps across 1 near sw2 = {root:.6g} (the fixed point "
                              f"q* changes branch or diverges there)")
        prev_sw2, prev = sw2, value
    raise _NoSolution("chi1 - 1 does not change sign for sw2 in [0.01, 1e4]")
