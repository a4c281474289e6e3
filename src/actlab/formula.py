"""The formula language: a safe, whitelisted parser from text to a SymPy expression.

Every catalogue entry states its definition in this language (``Activation.formula``);
SymPy differentiates it, and the tests evaluate it with mpmath as the reference.
The same parser reads formulas typed by users (``actlab.define``, ``actlab show "..."``).

Security: the text is parsed with :func:`ast.parse` (which runs nothing) and the tree
is walked against a whitelist of node types, names and functions; nothing is passed
to ``eval``, ``exec`` or :func:`sympy.sympify`. Length and nesting are bounded before
parsing, so hostile input fails fast with a one-line :class:`FormulaError`.

Grammar (Python expression syntax)::

    numbers, x, parameter names, pi, e
    + - * / ** (unary + and -)
    exp log log1p expm1 sqrt sin cos tan sinh cosh tanh atan arctan erf erfc
    abs sign sigmoid softplus ncdf (normal CDF) max(a, b) min(a, b)
    where(condition, a, b)      condition: comparisons (< <= > >=, chained), & |

Number literals are exact: ``0.044715`` means 44715/10**6, not the nearest double.

Kinks follow the conditions: ``where(x > 0, x, 0)`` has derivative 0 at 0 (the
``else`` branch applies there); ``max(a, b)`` is ``where(a > b, a, b)``; ``abs`` has
derivative ``sign``, which is 0 at 0.

>>> parse("x * sigmoid(beta * x)", params=["beta"])
x*sigmoid(beta*x)
>>> parse("__import__('os')")
Traceback (most recent call last):
...
actlab.formula.FormulaError: formula: unknown name '__import__'; allowed names: x, pi, e and the functions abs, arctan, atan, cos, cosh, erf, erfc, exp, expm1, log, log1p, max, min, ncdf, sigmoid, sign, sin, sinh, softplus, sqrt, tan, tanh, where
"""

from __future__ import annotations

import ast
import difflib
from collections.abc import Callable, Iterable

import sympy

#: The variable every formula is a function of.
X = sympy.Symbol("x", real=True)

MAX_LENGTH = 2000
MAX_DEPTH = 60


class FormulaError(ValueError):
    """A formula that is not in the whitelisted language (one-line message)."""


# Named functions whose naive expansion loses terms at any fixed precision: log(1 + u)
# absorbs u = 1e-122 even at 40 digits, and a lost term that is *not* the whole result
# (mish' = tanh(softplus(x)) + ..., at x = -280) cannot be detected by comparing two
# precisions. SymPy keeps them as functions (with their derivatives); mpmath evaluates
# them stably (MPMATH_FUNCTIONS, used by every lambdify of a formula).
class sigmoid(sympy.Function):  # noqa: N801 - the name users write
    """1 / (1 + exp(-u))."""

    def fdiff(self, argindex: int = 1) -> sympy.Expr:
        u = self.args[0]
        return sigmoid(u) * sigmoid(-u)

    def _eval_rewrite_as_exp(self, u: sympy.Expr, **_: object) -> sympy.Expr:
        return 1 / (1 + sympy.exp(-u))


class softplus(sympy.Function):  # noqa: N801
    """log(1 + exp(u))."""

    def fdiff(self, argindex: int = 1) -> sympy.Expr:
        return sigmoid(self.args[0])

    def _eval_rewrite_as_exp(self, u: sympy.Expr, **_: object) -> sympy.Expr:
        return sympy.log(1 + sympy.exp(u))


class ncdf(sympy.Function):  # noqa: N801
    """The standard normal CDF Phi(u) = erfc(-u/sqrt(2))/2."""

    def fdiff(self, argindex: int = 1) -> sympy.Expr:
        u = self.args[0]
        return sympy.exp(-(u**2) / 2) / sympy.sqrt(2 * sympy.pi)

    def _eval_rewrite_as_erfc(self, u: sympy.Expr, **_: object) -> sympy.Expr:
        return sympy.erfc(-u / sympy.sqrt(2)) / 2


class log1p(sympy.Function):  # noqa: N801
    """log(1 + u)."""

    def fdiff(self, argindex: int = 1) -> sympy.Expr:
        return 1 / (1 + self.args[0])


class expm1(sympy.Function):  # noqa: N801
    """exp(u) - 1."""

    def fdiff(self, argindex: int = 1) -> sympy.Expr:
        return sympy.exp(self.args[0])


def _mp_softplus(u):  # type: ignore[no-untyped-def]
    import mpmath

    return mpmath.log1p(mpmath.exp(u)) if u < 0 else u + mpmath.log1p(mpmath.exp(-u))


def _mp_sigmoid(u):  # type: ignore[no-untyped-def]
    import mpmath

    return 1 / (1 + mpmath.exp(-u))


def _mp_ncdf(u):  # type: ignore[no-untyped-def]
    import mpmath

    # mpmath's erfc overflows beyond ~1e154; there the first asymptotic term is exact
    # to 1/u^2 < 1e-38.
    if abs(u) > 2**64:
        tail = mpmath.npdf(u) / abs(u)
        return tail if u < 0 else 1 - tail
    return mpmath.ncdf(u)


def _mp_log1p(u):  # type: ignore[no-untyped-def]
    import mpmath

    return mpmath.log1p(u)


def _mp_expm1(u):  # type: ignore[no-untyped-def]
    import mpmath

    return mpmath.expm1(u)


#: mpmath implementations of the named functions, for ``sympy.lambdify(..., modules=
#: [MPMATH_FUNCTIONS, "mpmath"])``.
MPMATH_FUNCTIONS = {"sigmoid": _mp_sigmoid, "softplus": _mp_softplus, "log1p": _mp_log1p,
                    "expm1": _mp_expm1, "ncdf": _mp_ncdf}


_FUNCTIONS: dict[str, tuple[int, Callable[..., sympy.Expr]]] = {
    "exp": (1, sympy.exp),
    "log": (1, sympy.log),
    "log1p": (1, log1p),
    "expm1": (1, expm1),
    "sqrt": (1, sympy.sqrt),
    "sin": (1, sympy.sin),
    "cos": (1, sympy.cos),
    "tan": (1, sympy.tan),
    "sinh": (1, sympy.sinh),
    "cosh": (1, sympy.cosh),
    "tanh": (1, sympy.tanh),
    "atan": (1, sympy.atan),
    "arctan": (1, sympy.atan),
    "erf": (1, sympy.erf),
    "erfc": (1, sympy.erfc),
    "abs": (1, sympy.Abs),
    "sign": (1, sympy.sign),
    "sigmoid": (1, sigmoid),
    "ncdf": (1, ncdf),
    "softplus": (1, softplus),
    "max": (2, lambda a, b: sympy.Piecewise((a, a > b), (b, True))),
    "min": (2, lambda a, b: sympy.Piecewise((a, a < b), (b, True))),
    "where": (3, lambda c, a, b: sympy.Piecewise((a, c), (b, True))),
}
_CONSTANTS = {"pi": sympy.pi, "e": sympy.E}
_COMPARE: dict[type, Callable[[sympy.Expr, sympy.Expr], sympy.Basic]] = {
    ast.Lt: sympy.Lt, ast.LtE: sympy.Le, ast.Gt: sympy.Gt, ast.GtE: sympy.Ge,
}
_BINOPS: dict[type, Callable[[sympy.Expr, sympy.Expr], sympy.Expr]] = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
    ast.Pow: lambda a, b: a**b,
}


def parse(text: str, params: Iterable[str] = ()) -> sympy.Expr:
    """Parse ``text`` into a SymPy expression of :data:`X` and the named parameters.

    Raises :class:`FormulaError` (a ``ValueError``) naming what is not allowed.
    """
    if not isinstance(text, str):
        raise FormulaError(f"formula: expected a string, got {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise FormulaError(f"formula: too long ({len(text)} characters; at most {MAX_LENGTH})")
    depth = max_depth = 0
    for ch in text:  # bound nesting before the parser's own recursion sees it
        depth += ch in "([{"
        depth -= ch in ")]}"
        max_depth = max(max_depth, depth)
    if max_depth > MAX_DEPTH:
        raise FormulaError(f"formula: nested too deeply ({max_depth} levels; at most {MAX_DEPTH})")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except (SyntaxError, ValueError, MemoryError, RecursionError) as exc:
        msg = exc.msg if isinstance(exc, SyntaxError) else str(exc)
        raise FormulaError(f"formula: not a valid expression ({msg})") from None
    symbols = {name: sympy.Symbol(name, real=True) for name in params}
    return _Builder(text, symbols).build(tree.body, 0)


def derivative(expr: sympy.Expr, sym: sympy.Symbol = X, order: int = 1) -> sympy.Expr:
    """d^order expr / d sym^order under actlab's convention: the Dirac masses SymPy
    produces at kinks (d/dx sign, d/dx Heaviside) are dropped, as every kernel does."""
    return sympy.diff(expr, sym, order).replace(sympy.DiracDelta, lambda *a: sympy.S.Zero)


class _Builder:
    def __init__(self, text: str, symbols: dict[str, sympy.Symbol]) -> None:
        self.text = text
        self.symbols = symbols

    def fail(self, what: str) -> FormulaError:
        return FormulaError(f"formula: {what}")

    def build(self, node: ast.AST, depth: int) -> sympy.Basic:
        if depth > MAX_DEPTH:
            raise self.fail(f"nested too deeply (at most {MAX_DEPTH} levels)")
        d = depth + 1
        if isinstance(node, ast.Constant):
            if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
                raise self.fail(f"only numbers are allowed as constants, got {node.value!r}")
            # Exact decimal: read the literal's own text rather than the rounded float.
            src = ast.get_source_segment(self.text.strip(), node) or repr(node.value)
            return sympy.Rational(src.replace("_", ""))
        if isinstance(node, ast.Name):
            if node.id == "x":
                return X
            if node.id in self.symbols:
                return self.symbols[node.id]
            if node.id in _CONSTANTS:
                return _CONSTANTS[node.id]
            raise self.fail(self._unknown(node.id))
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            operand = self.build(node.operand, d)
            return -operand if isinstance(node.op, ast.USub) else operand
        if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
            return _BINOPS[type(node.op)](self.build(node.left, d), self.build(node.right, d))
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.BitAnd, ast.BitOr)):
            left, right = self.build(node.left, d), self.build(node.right, d)
            if any(isinstance(v, sympy.Expr) for v in (left, right)):
                raise self.fail("'&' and '|' combine comparisons only")
            return sympy.And(left, right) if isinstance(node.op, ast.BitAnd) else sympy.Or(left, right)
        if isinstance(node, ast.Compare):
            terms = [self.build(node.left, d)] + [self.build(c, d) for c in node.comparators]
            parts = []
            for op, a, b in zip(node.ops, terms, terms[1:], strict=False):
                if type(op) not in _COMPARE:
                    raise self.fail(f"comparison {type(op).__name__} is not allowed; use < <= > >=")
                parts.append(_COMPARE[type(op)](a, b))
            return sympy.And(*parts)
        if isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name) or node.func.id not in _FUNCTIONS:
                name = node.func.id if isinstance(node.func, ast.Name) else ast.unparse(node.func)
                raise self.fail(self._unknown(name))
            if node.keywords:
                raise self.fail(f"{node.func.id}() takes no keyword arguments")
            arity, fn = _FUNCTIONS[node.func.id]
            if len(node.args) != arity:
                raise self.fail(f"{node.func.id}() takes {arity} argument(s), got {len(node.args)}")
            args = [self.build(a, d) for a in node.args]
            if node.func.id == "where":
                if isinstance(args[0], sympy.Expr) or not isinstance(args[0], sympy.Basic):
                    raise self.fail("where() needs a comparison as its first argument")
            elif not all(isinstance(a, sympy.Expr) for a in args):
                raise self.fail(f"{node.func.id}() takes numbers, not comparisons")
            return fn(*args)
        raise self.fail(f"{type(node).__name__} is not allowed in a formula "
                        f"(allowed: numbers, names, + - * / **, function calls, comparisons)")

    def _unknown(self, name: str) -> str:
        known = ["x", *self.symbols, *_CONSTANTS, *_FUNCTIONS]
        close = difflib.get_close_matches(name, known, n=3)
        hint = f" (did you mean {', '.join(repr(c) for c in close)}?)" if close else ""
        allowed = ", ".join(["x", *self.symbols, "pi", "e"])
        return (f"unknown name {name!r}{hint}; allowed names: {allowed} and the functions "
                f"{', '.join(sorted(_FUNCTIONS))}")
