"""Activations from a formula: ``actlab.define("x * tanh(softplus(x))")``.

The formula is parsed by the whitelisted parser (:mod:`actlab.formula`: no user code
runs), rewritten to stable forms, differentiated by SymPy, and lowered to the array
namespaces, so the result is an :class:`~actlab.activation.Activation` like any
catalogue entry: f, f', f'', learnable parameters, properties, gains, plots, torch
modules.

Stable rewriting (applied before differentiation, so derivatives inherit it)::

    log(1 + exp(u))  ->  softplus(u)       (no overflow, exact tails)
    1 / (1 + exp(u)) ->  sigmoid(-u)
    log(1 + u)       ->  log1p(u)
    exp(u) - 1       ->  expm1(u)
    1 - tanh(u)^2    ->  4 sigmoid(2u) sigmoid(-2u)   (sech^2, no cancellation)
    2 - erfc(u), 1 + erf(u)  ->  erfc(-u); erfc(-u/sqrt 2) -> 2 ncdf(u)  (exact tails)

:func:`lowering_report` compares the naive and the rewritten lowering with mpmath on
a grid and says where the naive one overflows or loses accuracy (``actlab show``
prints it).

>>> import actlab
>>> act = actlab.define("x * tanh(log(1 + exp(x)))", name="my_mish")
>>> act.stable_formula
'x*tanh(softplus(x))'
>>> float(act(1.0)), float(act.grad(-800.0))
(0.86509838826731, -0.0)
"""

from __future__ import annotations

import keyword
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any

import numpy as np
import sympy

from actlab import backend, special
from actlab.activation import Activation, Param
from actlab.formula import X, derivative, expm1, log1p, ncdf, parse, sigmoid, softplus

Array = Any
Kernel = Callable[..., Array]


# ------------------------------------------------------------------------- rewriting
def rewrite_stable(expr: sympy.Expr) -> sympy.Expr:
    """``expr`` with the unstable patterns replaced by stable named functions."""
    if expr.is_Atom:
        return expr
    args = [rewrite_stable(a) for a in expr.args]
    e = expr.func(*args) if tuple(args) != expr.args else expr
    one = sympy.S.One
    if isinstance(e, sympy.log) and e.args[0].is_Add and one in e.args[0].args:
        rest = e.args[0] - 1
        return softplus(rest.args[0]) if isinstance(rest, sympy.exp) else log1p(rest)
    if e.is_Pow and e.exp == -1 and e.base.is_Add and one in e.base.args:
        rest = e.base - 1
        if isinstance(rest, sympy.exp):
            return sigmoid(-rest.args[0])
    if e.is_Add and sympy.S.NegativeOne in e.args:
        rest = e + 1
        if isinstance(rest, sympy.exp):
            return expm1(rest.args[0])
    if e.is_Add and one in e.args:  # 1 - tanh(u)^2 (from d/dx tanh), also inside sums
        for term in e.args:
            u = _match_neg_tanh_squared(term)
            if u is not None:  # sech^2 u = 4 sigmoid(2u) sigmoid(-2u): no cancellation
                return e - 1 - term + 4 * sigmoid(2 * u) * sigmoid(-2 * u)
    if e.is_Add and len(e.args) == 2:  # 2 - erfc(u) and 1 + erf(u) are erfc(-u)
        for c, t in (e.args, e.args[::-1]):
            if c == 2 and isinstance(-t, sympy.erfc):
                return _erfc_stable(-(-t).args[0])
            if c == 1 and isinstance(t, sympy.erf):
                return _erfc_stable(-t.args[0])
            if c.is_Number and c != 0 and isinstance(-t / c, ncdf):  # c (1 - Phi(v)) = c Phi(-v)
                return c * ncdf(-(-t / c).args[0])
    if isinstance(e, sympy.erfc):
        return _erfc_stable(e.args[0])
    if e.is_Add and len(e.args) == 2:  # sigmoid(-u) - sigmoid(u) = -tanh(u/2)
        a, b = e.args
        for p, q in ((a, b), (b, a)):
            if isinstance(p, sigmoid) and isinstance(-q, sigmoid) and (-q).args[0] == -p.args[0]:
                return sympy.tanh(p.args[0] / 2)
    return e


def _erfc_stable(arg: sympy.Expr) -> sympy.Expr:
    """erfc(arg), as 2 ncdf(v) when arg = -v/sqrt(2) for a v free of sqrt(2) (then the
    scaling by 1/sqrt 2 is not rounded before the tail amplifies it), else unevaluated
    (SymPy would turn erfc(-u) back into 2 - erfc(u))."""
    v = sympy.expand(-sympy.sqrt(2) * arg)
    if not v.has(sympy.sqrt(2)):
        return 2 * ncdf(v)
    return sympy.erfc(arg, evaluate=False)


def _match_neg_tanh_squared(e: sympy.Expr) -> sympy.Expr | None:
    """u if e == -tanh(u)**2, else None."""
    neg = -e
    if neg.is_Pow and neg.exp == 2 and isinstance(neg.base, sympy.tanh):
        return neg.base.args[0]
    return None


def _derivative(expr: sympy.Expr, sym: sympy.Symbol) -> sympy.Expr:
    """d expr / d sym, in stable form (factored so that sigmoid(-u) - sigmoid(u) and
    1 - tanh(u)^2 appear as such and get rewritten). Dirac masses at kinks are dropped."""
    return rewrite_stable(sympy.factor_terms(derivative(expr, sym)))


# -------------------------------------------------------------------------- lowering
def _softplus(xp: Any, u: Array) -> Array:
    return xp.maximum(u, 0.0) + xp.log1p(xp.exp(-xp.abs(u)))


_UNARY: dict[Any, Callable[[Any, Array], Array]] = {
    sympy.exp: lambda xp, u: xp.exp(u),
    sympy.log: lambda xp, u: xp.log(u),
    sympy.sin: lambda xp, u: xp.sin(u),
    sympy.cos: lambda xp, u: xp.cos(u),
    sympy.tan: lambda xp, u: xp.sin(u) / xp.cos(u),
    sympy.tanh: lambda xp, u: xp.tanh(u),
    sympy.sinh: lambda xp, u: 0.5 * (xp.exp(u) - xp.exp(-u)),
    sympy.cosh: lambda xp, u: 0.5 * (xp.exp(u) + xp.exp(-u)),
    sympy.atan: lambda xp, u: xp.atan(u),
    sympy.Abs: lambda xp, u: xp.abs(u),
    sympy.sign: lambda xp, u: xp.sign(u),
    sympy.erf: lambda xp, u: special.erf(xp, u),
    sympy.erfc: lambda xp, u: special.erfc(xp, u),
    ncdf: lambda xp, u: special.ndtr(xp, u),
    sigmoid: lambda xp, u: xp.sigmoid(u),
    softplus: _softplus,
    log1p: lambda xp, u: xp.log1p(u),
    expm1: lambda xp, u: xp.expm1(u),
}
_RELATIONS: dict[type, Callable[[Array, Array], Array]] = {
    sympy.StrictLessThan: lambda a, b: a < b,
    sympy.LessThan: lambda a, b: a <= b,
    sympy.StrictGreaterThan: lambda a, b: a > b,
    sympy.GreaterThan: lambda a, b: a >= b,
}


def lower(expr: sympy.Basic) -> Kernel:
    """Compile a SymPy expression of x and parameters into ``kernel(xp, x, **params)``.

    At x = +-inf the kernel returns the limit of the expression (computed once per
    parameter values with mpmath, see :func:`limit_at_inf`), not the lowered
    arithmetic's inf * 0 = nan.
    """
    fn = _lower(expr)

    def kernel(xp: Any, x: Array, **params: float) -> Array:
        inf = xp.isinf(x)
        out = fn(xp, xp.where(inf, 0.0, x), params)
        if isinstance(out, (int, float, bool)) and not isinstance(out, np.generic):  # constant
            return backend.const_like(xp, x, float(out))
        lo, hi = (limit_at_inf(expr, tuple(params.items()), s) for s in (-1, 1))
        return xp.where(inf, xp.where(x > 0, hi, lo), out)

    return kernel


@lru_cache(maxsize=1024)
def limit_at_inf(expr: sympy.Basic, params: tuple[tuple[str, float], ...], sign: int) -> float:
    """The limit of an expression at sign * inf, as a float (nan if there is none).

    Evaluated with mpmath at +-10**400 and +-10**440 (beyond every float): if both round
    to the same float, that is the limit; if not (sin), there is none.
    """
    import mpmath

    from actlab.formula import MPMATH_FUNCTIONS

    expr = expr.subs({sympy.Symbol(k, real=True): sympy.Rational(v) for k, v in params})
    fn = sympy.lambdify(X, expr, modules=[MPMATH_FUNCTIONS, "mpmath"])
    values = []
    with mpmath.workdps(60):
        for mag in (400, 440):
            try:
                values.append(float(fn(sign * mpmath.mpf(10) ** mag)))
            except (ArithmeticError, ValueError, TypeError):
                return float("nan")
    same = values[0] == values[1] or (np.isnan(values[0]) and np.isnan(values[1]))
    return values[0] if same else float("nan")


def _lower(e: sympy.Basic) -> Callable[[Any, Array, Mapping[str, float]], Any]:
    if e == X:
        return lambda xp, x, p: x
    if isinstance(e, sympy.Symbol):
        name = e.name
        return lambda xp, x, p: p[name]
    if e.is_Number or isinstance(e, sympy.NumberSymbol):
        v = float(e)
        return lambda xp, x, p: v
    if e is sympy.true or e is sympy.false:
        v = bool(e)
        return lambda xp, x, p: v
    if isinstance(e, sympy.Piecewise):
        pieces = [(_lower(v), _lower(c)) for v, c in e.args]

        def piecewise(xp: Any, x: Array, p: Mapping[str, float]) -> Array:
            out = pieces[-1][0](xp, x, p)
            for value, cond in reversed(pieces[:-1]):
                out = xp.where(cond(xp, x, p), value(xp, x, p), out)
            return xp.where(xp.isnan(x), x, out)  # NaN in, NaN out: no branch holds

        return piecewise
    parts = [_lower(a) for a in e.args]
    if e.is_Add:
        return lambda xp, x, p: _fold(lambda a, b: a + b, [f(xp, x, p) for f in parts])
    if e.is_Mul:
        return lambda xp, x, p: _fold(lambda a, b: a * b, [f(xp, x, p) for f in parts])
    if e.is_Pow:
        base, ex = parts
        if e.exp == sympy.Rational(1, 2):
            return lambda xp, x, p: xp.sqrt(base(xp, x, p))
        if e.exp == sympy.Rational(-1, 2):
            return lambda xp, x, p: 1.0 / xp.sqrt(base(xp, x, p))
        if e.exp.is_Integer and e.exp < 0:
            n = int(-e.exp)
            return lambda xp, x, p: 1.0 / base(xp, x, p) ** n
        return lambda xp, x, p: base(xp, x, p) ** ex(xp, x, p)
    if e.func in _UNARY:
        op, (arg,) = _UNARY[e.func], parts
        return lambda xp, x, p: op(xp, arg(xp, x, p))
    if type(e) in _RELATIONS:
        rel, (a, b) = _RELATIONS[type(e)], parts
        return lambda xp, x, p: rel(a(xp, x, p), b(xp, x, p))
    if isinstance(e, (sympy.And, sympy.Or)):
        comb = "logical_and" if isinstance(e, sympy.And) else "logical_or"
        return lambda xp, x, p: _fold(getattr(xp, comb), [f(xp, x, p) for f in parts])
    raise ValueError(f"cannot lower {type(e).__name__} ({e}) to array operations")


def _fold(op: Callable[[Any, Any], Any], values: list[Any]) -> Any:
    acc = values[0]
    for v in values[1:]:
        acc = op(acc, v)
    return acc


# ------------------------------------------------------------------------ the class
class FormulaActivation(Activation):
    """An activation defined by a formula (see :func:`define`)."""

    reference = "user formula"
    kinks = ("derivatives by SymPy: at a where() boundary the branch whose condition holds "
             "at the point applies; Dirac masses are dropped; abs'(0) = sign(0) = 0.")
    quiet = True  # numerical trouble in user formulas is reported, not warned
    stable_formula: str = ""

    def __repr__(self) -> str:
        params = f", params={dict(self._params)!r}" if self._params else ""
        learn = f", learnable={self.learnable!r}" if self.learnable else ""
        return f"actlab.define({self.formula!r}, name={self.name!r}{params}{learn})"

    def spec(self) -> dict[str, Any]:
        return {"name": self.formula, **self._params}

    def replace(self, **params: Any) -> FormulaActivation:
        return define(self.formula, name=self.name, params={**self._params, **params},
                      learnable=self.learnable)

    def __reduce__(self) -> tuple[Any, ...]:
        # The class is made at run time; pickle the recipe, not the class.
        return (_rebuild, (self.formula, self.name, dict(self._params), self.learnable))

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, FormulaActivation) and other.formula == self.formula
                and other._params == self._params)

    def __hash__(self) -> int:
        return hash((self.formula, tuple(self._params.items())))


def define(formula: str, *, name: str | None = None, params: Mapping[str, float] | None = None,
           learnable: tuple[str, ...] | list[str] = ()) -> FormulaActivation:
    """An activation from ``formula`` in x (and named parameters).

    Args:
        formula: e.g. ``"x * sigmoid(b * x)"`` (see :mod:`actlab.formula` for the language).
        name: display name (default: the formula).
        params: parameter names and values, e.g. ``{"b": 1.0}``.
        learnable: which parameters are trained (their derivatives come from SymPy).

    Raises:
        ValueError: formula not in the language, or bad parameter names/values.
    """
    params = dict(params or {})
    for p in params:
        if not (isinstance(p, str) and p.isidentifier()) or keyword.iskeyword(p) or p in (
                "x", "e", "pi"):
            raise ValueError(f"The 'params' parameter of define must map identifiers other than "
                             f"x, e, pi to numbers. Got name {p!r} instead.")
    for p in learnable:
        if p not in params:
            raise ValueError(f"The 'learnable' parameter of define names {p!r}, which is not in "
                             f"params ({', '.join(params) or 'none'}).")
    cls = _formula_class(formula.strip(), tuple(params), tuple(learnable))
    act = cls(**params)
    if name is not None:
        act.name = name  # type: ignore[misc]  # display name of this instance
    return act


def _rebuild(formula: str, name: str, params: dict[str, float],
             learnable: tuple[str, ...]) -> FormulaActivation:
    return define(formula, name=name, params=params, learnable=learnable)


@lru_cache(maxsize=256)
def _formula_class(formula: str, names: tuple[str, ...], learnable: tuple[str, ...]) -> type:
    expr = parse(formula, names)
    stable = rewrite_stable(expr)
    d1 = _derivative(stable, X)
    d2 = _derivative(d1, X)
    dparams = {p: lower(_derivative(stable, sympy.Symbol(p, real=True))) for p in learnable}
    f, df, d2f = lower(stable), lower(d1), lower(d2)

    def param_grads(xp: Any, x: Array, **p: float) -> dict[str, Array]:
        return {k: fn(xp, x, **p) for k, fn in dparams.items()}

    attrs = {
        "name": formula,
        "formula": formula,
        "stable_formula": str(stable),
        "parameters": tuple(Param(n, 0.0, learnable=n in learnable) for n in names),
        "cost": _cost(stable),
        "f": staticmethod(f),
        "df": staticmethod(df),
        "d2f": staticmethod(d2f),
        "dparams": staticmethod(param_grads),
        "naive_kernels": (lower(expr), lower(_derivative(expr, X))),
        "__doc__": f"Formula activation f(x) = {formula} (stable form: {stable}).",
    }
    return type("FormulaActivation", (FormulaActivation,), attrs)


def _cost(expr: sympy.Expr) -> str:
    if expr.has(sympy.erf, sympy.erfc):
        return "erf"
    if expr.has(sympy.exp, sympy.log, sigmoid, softplus, log1p, expm1, sympy.tanh):
        return "exp"
    if expr.has(sympy.sin, sympy.cos, sympy.atan):
        return "trig"
    return "algebraic" if expr.has(sympy.sqrt) or any(
        p.exp.is_negative for p in expr.atoms(sympy.Pow)) else "piecewise-linear"


# ---------------------------------------------------------------- lowering report
def lowering_report(act: FormulaActivation, *, points: int = 4001) -> list[str]:
    """Where the naive lowering of the formula fails and whether the stable one holds.

    Compares, on a grid (+-logspace(-30, 3) and linspace(-50, 50)), the naive lowering
    (the formula as typed) and the rewritten one against mpmath at 50 digits. Returns
    one line per finding (empty: nothing to report).
    """
    import mpmath

    from actlab.formula import MPMATH_FUNCTIONS

    mags = np.logspace(-30, 3, points // 4)
    xs = np.unique(np.concatenate([-mags, mags, np.linspace(-50, 50, points // 2)]))
    expr = rewrite_stable(parse(act.formula, act.params.keys())).subs(
        {sympy.Symbol(k, real=True): sympy.Rational(v) for k, v in act.params.items()})
    ref_fn = sympy.lambdify(X, expr, modules=[MPMATH_FUNCTIONS, "mpmath"])
    with mpmath.workdps(50):
        ref = np.array([float(ref_fn(mpmath.mpf(float(v)))) for v in xs])
    lines = []
    naive_f = type(act).naive_kernels[0]  # type: ignore[attr-defined]
    for label, kernel in (("as typed", naive_f), ("stable form", type(act).f)):
        with np.errstate(all="ignore"):
            got = np.asarray(kernel(backend.NUMPY, xs, **act.params), dtype=np.float64)
        finite = np.isfinite(ref)
        blown = finite & ~np.isfinite(got)
        rel = np.abs(got - ref) / np.maximum(np.abs(ref), np.finfo(float).tiny)
        wrong = finite & np.isfinite(got) & (rel > 1e-12)
        if blown.any():
            lines.append(f"{label}: overflow or NaN at {blown.sum()} grid points, "
                         f"x in [{xs[blown].min():.4g}, {xs[blown].max():.4g}]")
        if wrong.any():
            i = np.argmax(np.where(wrong, rel, 0.0))
            lines.append(f"{label}: relative error > 1e-12 at {wrong.sum()} grid points, "
                         f"x in [{xs[wrong].min():.4g}, {xs[wrong].max():.4g}] "
                         f"(worst {rel[i]:.2g} at x = {xs[i]:.4g})")
        if not (blown.any() or wrong.any()):
            lines.append(f"{label}: accurate to 1e-12 relative on the grid")
    return lines
