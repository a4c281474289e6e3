r"""Mean-field signal propagation in deep random networks (Poole et al. 2016).

A layer ``h' = W f(h) + b`` with weights of variance ``sw2 / fan_in`` and biases of
variance ``sb2``, in the infinitely wide limit, maps the variance q of a
pre-activation to the next one by the *length map*

.. math:: \mathcal{L}(q) = \sigma_w^2\,\mathbb{E}_z\bigl[f(\sqrt q\,z)^2\bigr] + \sigma_b^2,
          \qquad z \sim N(0, 1),

whose attracting fixed point is q*. Perturbations grow or shrink per layer by

.. math:: \chi_1 = \sigma_w^2\,\mathbb{E}_z\bigl[f'(\sqrt{q^*}\,z)^2\bigr]:

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
(0.814644, 1.0)
"""

from __future__ import annotations

import functools
import math
import warnings
from collections.abc import Callable

import numpy as np
from scipy.optimize import brentq

from actlab.activation import Activation
from actlab.properties import normal_nodes
from actlab.registry import accepts_names

#: The length map is followed in steps q -> q * 2^(+-1/4) at least, up to q0 * 1e12:
#: beyond that q* counts as infinite. (Two fixed points closer than 2^(1/4), about to
#: merge and vanish, could be stepped over; finer steps cost more evaluations.)
_FACTOR = 2.0**0.25
_Q_HUGE = 1e12
#: Below this, q* is taken to be 0 when 0 is a fixed point.
_Q_TINY = 1e-12


class NoCriticalPoint(UserWarning):
    """:func:`critical_init` found no critical sw2 for a value of sb2 (the text says why)."""


def _mean_square(act: Activation, q: float, *, grad: bool = False) -> float:
    """E[g(sqrt(q) z)^2], z ~ N(0, 1), 0 <= q <= inf, for g = f (or f' if ``grad``).

    At q = 0 and q = inf the expectation is the average of the two one-sided values
    (at 0 -+ tiny, or at -+inf): the sign of z is all that remains.
    """
    g = act.grad if grad else act
    with np.errstate(all="ignore"):
        if q == 0 or math.isinf(q):
            y = g(np.array([-1.0, 1.0]) * (1e-300 if q == 0 else math.inf))
            return float(np.mean(y * y))
        x, w = normal_nodes(act, q)
        y = g(x)
        return float(w @ (y * y))


@functools.cache
def _homogeneous(act: Activation) -> bool:
    """Whether f(t x) = t f(x) for t > 0 (relu, leaky relu, identity): then the length
    map is linear, L(q) = sw2 E[f(z)^2] q + sb2, and chi1 does not depend on q."""
    x = np.concatenate([-np.geomspace(1e-6, 1e6, 61), np.geomspace(1e-6, 1e6, 61)])
    fx = act(x)
    return all(np.allclose(act(t * x), t * fx, rtol=1e-14, atol=0.0) for t in (2.0, 3.0))


def _check(sw2: float, sb2: float, **q: float) -> None:
    """Errors name the argument, its value and what is allowed (``q`` may be inf)."""
    rules = [("sw2", sw2, 0 < sw2 < math.inf, "a finite number > 0"),
             ("sb2", sb2, 0 <= sb2 < math.inf, "a finite number >= 0")]
    rules += [(k, v, v >= 0 and (k == "q" or v < math.inf),
               "a number >= 0" if k == "q" else "a finite number >= 0") for k, v in q.items()]
    for name, value, ok, allowed in rules:
        if not ok:
            raise ValueError(f"{name} must be {allowed}. Got {value!r} instead.")


def length_map(act: Activation, q: float, sw2: float, sb2: float) -> float:
    """L(q) = sw2 E[f(sqrt(q) z)^2] + sb2: the next layer's pre-activation variance.

    >>> import actlab
    >>> length_map(actlab.get("relu"), 3.0, 2.0, 0.5)
    3.5
    """
    _check(sw2, sb2, q=q)
    return sw2 * _mean_square(act, q) + sb2


def fixed_point(act: Activation, sw2: float, sb2: float, *, q0: float = 1.0) -> float:
    """The fixed point q* = L(q*) that iterating the length map from ``q0`` reaches.

    Returns ``math.inf`` when the iteration diverges (relu with sw2 > 2, or sw2 = 2 and
    sb2 > 0) and 0.0 when it dies out (tanh with sw2 < 1, sb2 = 0). For a positively
    homogeneous f at criticality with sb2 = 0 (relu, sw2 = 2) every q is a fixed point
    and ``q0`` is returned: the variance stays where it starts.

    Method: homogeneous f in closed form (the map is linear). Otherwise q is followed
    from q0 in the direction L(q0) - q0 points, by the iteration itself or by steps of
    a factor 2^(1/4) where the iteration moves less, to the first sign change of
    L(q) - q, then Brent's method polishes the root to full precision. Above q0 * 1e12
    q* counts as infinite, below 1e-12 as 0 when L(0) = 0. Raises ValueError if the
    fixed point is not attracting (|L'(q*)| > 1: the variance oscillates).

    >>> import actlab
    >>> selu = actlab.get("selu")
    >>> abs(fixed_point(selu, 1.0, 0.0) - 1.0) < 1e-12
    True
    """
    _check(sw2, sb2, q0=q0)
    if _homogeneous(act):
        slope = sw2 * _mean_square(act, 1.0)
        if abs(slope - 1) <= 1e-12:  # critical: q -> q + sb2
            return q0 if sb2 == 0 else math.inf
        return sb2 / (1 - slope) if slope < 1 else math.inf

    def h(q: float) -> float:
        return sw2 * _mean_square(act, q) + sb2 - q

    prev, h_prev = q0, h(q0)
    if h_prev == 0:
        return q0
    up = h_prev > 0
    while True:
        # NOTE: the next point is the next iterate L(prev) = prev + h_prev when that goes
        # further than one fine step: the orbit passes through it, so the point the
        # iteration reaches is unchanged; fine steps are only probes for a sign change.
        q = max(prev * _FACTOR, prev + h_prev) if up else min(prev / _FACTOR, prev + h_prev)
        if up and q > q0 * _Q_HUGE:
            return math.inf
        if not up and q < _Q_TINY:  # dying out: 0 is the fixed point, or one below prev
            if h(0.0) == 0:  # (the limit q -> 0+, see _mean_square)
                return 0.0
            q_star = brentq(h, 0.0, prev, xtol=1e-300, rtol=1e-15)
            break
        h_q = h(q)
        if (h_q <= 0) if up else (h_q >= 0):
            q_star = brentq(h, *sorted((prev, q)), xtol=1e-300, rtol=1e-15)
            break
        prev, h_prev = q, h_q
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
    _check(sw2, sb2, q0=q0)
    q = 1.0 if _homogeneous(act) else fixed_point(act, sw2, sb2, q0=q0)
    return sw2 * _mean_square(act, q, grad=True)


@accepts_names
def critical_init(act: Activation, sb2_values: tuple[float, ...] = (0.0, 0.01, 0.05, 0.1),
                  *, q0: float = 1.0) -> list[tuple[float, float]]:
    """(sw2, sb2) with chi1 = 1, for each sb2 that has one: the edge of chaos.

    chi1 is taken at the fixed point reached from ``q0`` (unit-variance inputs by
    default). For each sb2, chi1(sw2) - 1 is scanned over sw2 in [1e-2, 1e4] (4 points
    a decade) and its first sign change is solved with Brent's method; the root is kept
    if chi1 = 1 there to 1e-8 with a finite q*. Each sb2 without one is skipped with a
    :class:`NoCriticalPoint` warning saying why: relu with sb2 > 0 (at sw2 = 2 the
    length map is q -> q + sb2 and q* diverges); silu with small sb2 (chi1 stays < 1
    until q* jumps to infinity, where chi1 = sw2 / 2 > 1).

    >>> import actlab
    >>> [round(sw2, 4) for sw2, _ in critical_init(actlab.get("tanh"), (0.0, 0.05))]
    [1.0, 1.761]
    """
    out = []
    for sb2 in sb2_values:
        _check(1.0, sb2, q0=q0)
        try:
            out.append((_critical_sw2(act, sb2, q0), sb2))
        except _NoSolution as reason:
            warnings.warn(f"{act!r}: no critical sw2 for sb2={sb2:g}: {reason}",
                          NoCriticalPoint, stacklevel=2)
    return out


class _NoSolution(Exception):
    pass


def _critical_sw2(act: Activation, sb2: float, q0: float) -> float:
    if _homogeneous(act):
        dm2 = _mean_square(act, 1.0, grad=True)
        if dm2 == 0:
            raise _NoSolution("f' = 0 almost everywhere, so chi1 = 0 for every sw2")
        if sb2 > 0:
            raise _NoSolution(f"f is positively homogeneous: chi1 = 1 at sw2 = {1 / dm2:.6g}, "
                              f"where the length map is q -> q + sb2 and q* diverges")
        return 1 / dm2

    def excess(sw2: float) -> float:
        try:
            return chi1(act, sw2, sb2, q0=q0) - 1
        except ValueError:  # no attracting fixed point there
            return math.nan

    grid = np.geomspace(1e-2, 1e4, 25)
    prev_sw2, prev = grid[0], excess(grid[0])
    for sw2 in grid[1:]:
        value = excess(sw2)
        if prev * value <= 0:  # (nan compares False: no bracket across a gap)
            return _solve_critical(act, sb2, q0, excess, prev_sw2, sw2)
        prev_sw2, prev = sw2, value
    raise _NoSolution("chi1 - 1 does not change sign for sw2 in [0.01, 1e4]")


def _solve_critical(act: Activation, sb2: float, q0: float,
                    excess: Callable[[float], float], a: float, b: float) -> float:
    """The root of chi1 - 1 in [a, b], or _NoSolution if chi1 jumps across 1 there."""
    # Coarse first: Brent's method spends its iterations creeping onto a jump.
    root = brentq(excess, a, b, rtol=1e-7)
    side = [root * (1 - 1e-6), root * (1 + 1e-6)]
    c = [excess(v) + 1 for v in side]
    if min(abs(c[0] - 1), abs(c[1] - 1)) > 1e-4:
        q = [fixed_point(act, v, sb2, q0=q0) for v in side]
        raise _NoSolution(f"at sw2 = {root:.6g} q* jumps from {q[0]:.4g} to {q[1]:.4g} "
                          f"and chi1 from {c[0]:.6g} to {c[1]:.6g}, never equal to 1")
    if excess(side[0]) * excess(side[1]) < 0:
        root = brentq(excess, *side, xtol=1e-15, rtol=1e-13)
    if abs(excess(root)) > 1e-8 or math.isinf(fixed_point(act, root, sb2, q0=q0)):
        raise _NoSolution(f"chi1 = {excess(root) + 1:.6g} at sw2 = {root:.6g}, q* = "
                          f"{fixed_point(act, root, sb2, q0=q0):.4g}: no finite critical point")
    return float(root)
