"""Exact evaluation near interior zeros: local Taylor polynomials about the zero.

Near a zero x0 of, say, silu'(x) = sigmoid(x) (1 + x sigmoid(-x)), every direct
formula subtracts two nearly equal numbers, and the relative error grows like
1/|x - x0|; no rearrangement helps. There we evaluate instead

    g(x) = sum_k c_k d^k,    d = (x - x0_hi) - x0_lo,

where x0 = x0_hi + x0_lo is the zero to ~106 bits and c_k = g^(k)(x0)/k!. Both come
from the entry's own definition (its SymPy formula, evaluated with mpmath at 50
digits), computed once on first use, so nothing here is typed in by hand.
``x - x0_hi`` is exact near x0 (Sterbenz), hence d and the result keep full
relative accuracy right down to the zero.
"""

from __future__ import annotations

import functools
import threading
from typing import Any

import mpmath
import sympy

from actlab.formula import MPMATH_FUNCTIONS, X, parse

Array = Any
_MPMATH = threading.Lock()
#: every ZeroPatch made (the catalogue's, at import): what taylor_table.py must hold
INSTANCES: list[ZeroPatch] = []


class ZeroPatch:
    """The ``order``-th derivative of ``formula`` near its zero closest to ``guess``.

    ``radius`` is the half-width of the window where the polynomial replaces the
    direct formula; ``terms`` the number of Taylor terms (enough that the first
    neglected term is below 2**-60 of the result at the window's edge; checked in
    ``tests/test_taylor.py``).
    """

    def __init__(self, formula: str, order: int, guess: float, radius: float, terms: int) -> None:
        self.formula, self.order, self.guess = formula, order, guess
        self.radius, self.terms = radius, terms
        INSTANCES.append(self)

    def key(self) -> str:
        """What the coefficients depend on: the key of the shipped table."""
        return f"{self.formula} | d{self.order} | {self.guess!r} | {self.terms}"

    @functools.cached_property
    def coefficients(self) -> tuple[float, float, tuple[float, ...]]:
        """(x0_hi, x0_lo, (c_1, c_2, ...)); c_0 = 0 by definition of x0.

        From :mod:`actlab.taylor_table` when shipped there (tests/test_taylor_table.py
        recomputes every entry), else computed with mpmath (0.2-0.7 s).
        """
        from actlab.taylor_table import COEFFICIENTS

        shipped = COEFFICIENTS.get(self.key())
        if shipped is not None:
            return shipped
        # NOTE: first use may happen in several of actlab.blocks' threads at once, and
        # mpmath's working precision is global: one computation at a time.
        with _MPMATH:
            return self.compute()

    def compute(self) -> tuple[float, float, tuple[float, ...]]:
        """The coefficients from the formula, with mpmath at 60 digits."""
        expr = sympy.diff(parse(self.formula), X, self.order)
        g = sympy.lambdify(X, expr, modules=[MPMATH_FUNCTIONS, "mpmath"])
        with mpmath.workdps(60):
            x0 = mpmath.findroot(g, mpmath.mpf(self.guess))
            # Finite differences at 60 digits: ~40 ms, agrees with Cauchy's integral
            # (method="quad", 50x slower) to all printed digits for these functions.
            cs = mpmath.taylor(g, x0, self.terms)
            hi = float(x0)
            lo = float(x0 - hi)
            return hi, lo, tuple(float(c) for c in cs[1:])

    def root(self) -> float:
        return self.coefficients[0]

    def narrowed(self, radius: float, terms: int) -> ZeroPatch:
        """The first ``terms`` terms of this polynomial on a narrower window, sharing its
        coefficients (no second mpmath run).

        For float32 kernels: there a direct float64 formula with absolute error ~1e-15
        is off by less than 1e-9 relative (a fraction of a float32 ulp) once
        |x - x0| > ~1e-6, so the window can shrink to 1e-5 and a few terms reach the
        float64 precision on it. The mask is then almost always empty: ~0.5 ns per
        element instead of ~8 for the full window.
        """
        return _Narrowed(self, radius, terms)

    def __call__(self, xp: Any, value: Array, u: Array, u_lo: Array | float = 0.0) -> Array:
        """``value`` with the window around the zero re-evaluated from u (+ u_lo)."""
        hi, lo, cs = self.coefficients
        mask = xp.abs(u - hi) < self.radius
        if isinstance(u_lo, (int, float)):
            return xp.patch(value, mask, lambda v: self._poly((v - hi) - lo, cs), u)
        return xp.patch(value, mask, lambda v, w: self._poly((v - hi) + (w - lo), cs), u, u_lo)

    @staticmethod
    def _poly(d: Array, cs: tuple[float, ...]) -> Array:
        acc = cs[-1]
        for c in reversed(cs[:-1]):
            acc = acc * d + c
        return acc * d


class _Narrowed(ZeroPatch):
    def __init__(self, parent: ZeroPatch, radius: float, terms: int) -> None:
        self.formula, self.order, self.guess = parent.formula, parent.order, parent.guess
        self.radius, self.terms = radius, terms
        self.parent = parent

    @functools.cached_property
    def coefficients(self) -> tuple[float, float, tuple[float, ...]]:
        hi, lo, cs = self.parent.coefficients
        return hi, lo, cs[:self.terms]


def table_source() -> str:
    """The source of actlab/taylor_table.py, computed for every patch of the catalogue:
    ``python -m actlab.taylor > src/actlab/taylor_table.py``."""
    import actlab
    from actlab import taylor  # this module, also when it runs as __main__

    actlab.names()  # loads the catalogue, which makes the patches

    lines = ['"""Taylor coefficients of the catalogue ZeroPatch instances, precomputed with',
             "mpmath (``python -m actlab.taylor > src/actlab/taylor_table.py``; generated, do not",
             'edit). tests/test_taylor_table.py recomputes every entry and fails if one differs."""',
             "", "COEFFICIENTS: dict[str, tuple[float, float, tuple[float, ...]]] = {"]
    for p in sorted(taylor.INSTANCES, key=lambda p: p.key()):
        hi, lo, cs = p.compute()
        lines.append(f"    {p.key()!r}: (")
        lines.append(f"        {hi!r}, {lo!r}, (")
        lines += [f"            {c!r}," for c in cs]
        lines.append("        ),")
        lines.append("    ),")
    lines.append("}")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(table_source(), end="")
