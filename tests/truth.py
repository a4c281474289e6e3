"""The reference side of the accuracy tests: an entry's definition as SymPy, differentiated.

Everything here comes from ``Activation.formula`` (the definition in the formula
language) and SymPy's differentiation, evaluated by mpmath in ``reference.py``; the
kernels under test are never consulted.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import sympy
from reference import Reference

import actlab
from actlab.formula import X, derivative, parse

#: ulps allowed against the correctly rounded value, by derivative order (the issue's bar)
TOLERANCE = {0: 4, 1: 4, 2: 32}


@cache
def truth(name: str, params: tuple[tuple[str, float], ...], order: int, wrt: str = "x") -> sympy.Expr:
    cls = actlab.definition(name)
    expr = parse(cls.formula, [k for k, _ in params])
    sym = X if wrt == "x" else sympy.Symbol(wrt, real=True)
    expr = derivative(expr, sym, order if wrt == "x" else 1)
    # Rational(float) is the exact binary value the kernels use.
    return expr.subs({sympy.Symbol(k, real=True): sympy.Rational(v) for k, v in params})


def reference(name: str, params: dict[str, float], order: int, cache_dir=None,
              wrt: str = "x") -> Reference:
    return Reference(truth(name, tuple(params.items()), order, wrt), X, cache_dir=cache_dir)


def worst(xs: np.ndarray, got: np.ndarray, want: np.ndarray, err: np.ndarray, k: int = 5) -> str:
    idx = np.argsort(err)[::-1][:k]
    return "; ".join(f"x={xs[i]!r}: got {got[i]!r}, want {want[i]!r} ({err[i]} ulp)" for i in idx)
