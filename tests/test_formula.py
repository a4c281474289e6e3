"""The formula language: what it accepts, and what it must refuse without running it."""

from __future__ import annotations

import pytest
import sympy

from actlab.formula import FormulaError, X, parse


def test_parses_the_catalogue_language() -> None:
    b = sympy.Symbol("b", real=True)
    swish = parse("x * sigmoid(b * x)", ["b"])
    assert swish.rewrite(sympy.exp) == X / (1 + sympy.exp(-b * X))
    assert sympy.simplify((swish.diff(X) - sympy.diff(X / (1 + sympy.exp(-b * X)), X))
                          .rewrite(sympy.exp)) == 0
    assert parse("0.044715") == sympy.Rational(44715, 10**6)  # exact decimal
    assert parse("where(x > 0, x, 0)") == sympy.Piecewise((X, X > 0), (0, True))
    assert parse("where(-3 < x <= 3, 1, 0)") == sympy.Piecewise(
        (1, sympy.And(X > -3, X <= 3)), (0, True))
    assert parse("max(x, 0)").diff(X).subs(X, 0) == 0  # the else branch at ties
    assert parse("abs(x)").diff(X).subs(X, 0) == 0


HOSTILE = [
    "__import__('os').system('touch /tmp/actlab_pwned')",
    "x.__class__",
    "x.__class__.__bases__[0].__subclasses__()",
    "lambda: 1",
    "open('f')",
    "exec('1')",
    "eval('1')",
    "getattr(x, 'real')",
    "'abc'",
    "b'abc'",
    "[x for x in range(10)]",
    "x[0]",
    "{x: 1}",
    "(x := 2)",
    "x if x else 1",
    "sin(x, key=1)",
    "f'{x}'",
    "import os",
    "x; x",
    "(" * 1000 + "x" + ")" * 1000,
    "x+" * 5000 + "x",
    "-" * 500 + "x",
    "exp(" * 80 + "x" + ")" * 80,
    "sympify('x')",
    "True",
    "x == 1",
    "exp(x > 0)",
    "where(x, 1, 0)",
    "unknown_fn(x)",
    "y",
]


@pytest.mark.parametrize("text", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_input_is_rejected_with_one_line(text: str, tmp_path) -> None:
    with pytest.raises(FormulaError) as info:
        parse(text)
    msg = str(info.value)
    assert msg.startswith("formula: ") and "\n" not in msg and len(msg) < 600


def test_unknown_names_suggest() -> None:
    with pytest.raises(FormulaError, match="did you mean .*'tanh'"):
        parse("tahn(x)")
    with pytest.raises(FormulaError, match="did you mean 'beta'"):
        parse("x * sigmoid(betta * x)", ["beta"])
