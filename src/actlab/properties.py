"""Properties of an activation read off its values: for now, the output range.

>>> import actlab
>>> str(output_range(actlab.get("tanh"))), str(output_range(actlab.get("relu")))
('(-1, 1)', '[0, inf)')
>>> str(output_range(actlab.get("silu")))
'[-0.278, inf)'
"""

from __future__ import annotations

import numpy as np
import sympy
from scipy.optimize import minimize_scalar

from actlab.activation import Activation
from actlab.formula import parse

# Log-spaced points reach the tails (where saturation shows), linear ones resolve the
# middle (where the interior extrema of the catalogue are); 0 itself is in linspace.
_LOG = np.logspace(-8, 8, 161)
_GRID = np.unique(np.concatenate([-_LOG, _LOG, np.linspace(-20.0, 20.0, 4001)]))


class Range(tuple):
    """``(lo, hi)``, the inf and sup of f over the reals; ``closed`` says which are attained."""

    closed: tuple[bool, bool]

    def __new__(cls, lo: float, hi: float, closed: tuple[bool, bool]) -> Range:
        self = super().__new__(cls, (lo, hi))
        self.closed = closed
        return self

    def __str__(self) -> str:
        return format_range(*self, closed=self.closed)


def output_range(act: Activation) -> Range:
    """The inf and sup of ``act`` over the reals, and whether each is attained.

    Candidates are f(-inf), f(+inf) (the kernels return the limits) and f on a dense
    grid; an interior extremum is polished with a bounded scalar minimisation. A bound
    that equals a limit and is also hit on the grid is attained only if the exact formula
    agrees at that point: in float64, tanh(20) == 1 although tanh never reaches 1.
    """
    with np.errstate(all="ignore"):  # nan at +-inf (e.g. sin) just means "no limit"
        ys, limits = act(_GRID), act(np.array([-np.inf, np.inf]))
    lo, lo_closed = _inf(act, ys, limits, 1.0)
    hi, hi_closed = _inf(act, ys, limits, -1.0)
    return Range(lo, -hi, (lo_closed, hi_closed))


def _inf(act: Activation, ys: np.ndarray, limits: np.ndarray, sign: float) -> tuple[float, bool]:
    """inf of sign * f and whether it is attained (sign = -1 gives minus the sup)."""
    g, g_lim = sign * ys, sign * limits
    i = int(np.nanargmin(g))
    m_lim = float(np.nanmin(g_lim)) if not np.isnan(g_lim).all() else np.inf
    if m_lim < g[i]:  # approached at +-inf only (or never reached on the grid)
        return m_lim, False
    if g[i] < m_lim:  # interior extremum: attained (f is continuous there); polish it
        a, b = _GRID[max(i - 1, 0)], _GRID[min(i + 1, len(_GRID) - 1)]
        res = minimize_scalar(lambda x: sign * float(act(x)), bounds=(a, b), method="bounded",
                              options={"xatol": 1e-12})
        return min(float(g[i]), float(res.fun)), True
    # The grid reaches a limit value: genuinely (a plateau, as relu) or by rounding.
    # Check the hit nearest 0: saturation by rounding happens far out, plateaus start near.
    hits = _GRID[g == g[i]]
    return float(g[i]), _exactly(act, float(hits[np.argmin(np.abs(hits))]), sign * float(g[i]))


def _exactly(act: Activation, x0: float, value: float) -> bool:
    """Whether the formula, in exact arithmetic, gives ``value`` at ``x0``.

    SymPy's ``is_zero`` decides it symbolically (log(1 + e^-800) is not 0), where a
    fixed-precision evaluation would round to 0 again; "unknown" counts as no.
    """
    expr = parse(act.formula, act.params)
    exact = {s: sympy.Rational(x0 if s.name == "x" else act.params[s.name])
             for s in expr.free_symbols}
    return (expr.subs(exact) - sympy.Rational(value)).is_zero is True


def format_range(lo: float, hi: float, closed: tuple[bool, bool] = (False, False)) -> str:
    """``"[0, inf)"``: brackets for attained bounds, 3 significant digits.

    >>> format_range(-1.0, 1.0), format_range(0.0, np.inf, (True, False))
    ('(-1, 1)', '[0, inf)')
    """
    left = "[" if closed[0] and np.isfinite(lo) else "("
    right = "]" if closed[1] and np.isfinite(hi) else ")"
    return f"{left}{lo + 0.0:.3g}, {hi + 0.0:.3g}{right}"  # + 0.0 turns -0.0 into 0
