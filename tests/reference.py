"""Correctly rounded reference values, computed with mpmath from a SymPy expression.

The library is tested against these values, never against itself. The pieces:

* :func:`round_to_dtype` -- correctly rounded (round-half-even) conversion of an mpmath
  ``mpf`` to float16 / float32 / float64, done on the exact binary mantissa (no detour
  through a Python float, so no double rounding), with gradual underflow and overflow.
* :func:`ulp_distance` -- elementwise distance in ulps between two float arrays.
* :class:`Reference` -- evaluates a SymPy expression in one symbol at float64 points with
  an escalating-precision loop and returns the reference rounded to a dtype; limits at
  +-inf are computed numerically; results are memoised per (expression, point) and,
  optionally, persisted on disk.
* :func:`standard_grid` -- the accuracy grid for a dtype.

Why the values of :class:`Reference` can be trusted
---------------------------------------------------

1. The input is exact: a float64 is an mpf with a 53-bit mantissa, and mpf values keep
   their full mantissa whatever the working precision, so every evaluation sees exactly
   the float64 point (and the limit points 2**1329 ~ 1.1e400, 2**1462 ~ 1.2e440 are
   exact too).
2. Every constant of the lambdified expression is re-evaluated at the working precision
   (``mpf(1)/mpf(3)``, ``pi``, ``sqrt(2)``...), and every mpmath operation is accurate to
   (close to) its working precision. So an evaluation at D digits carries rounding errors
   of relative size ~10**-D at every step, and its total error is ~``K * 10**-D``, where
   K (the amplification by cancellation) depends on the expression and the point but not
   on D -- *as long as no information is lost outright* (see 4).
3. Escalation: the values at D and at 2D digits are compared. Their difference is
   dominated by the error of the D-digit one, ``K * 10**-D``. If they agree to a relative
   1e-25, then ``K * 10**-D <~ 1e-25`` and the error of the 2D-digit value, ``K * 10**-2D``,
   is below ``1e-25 * 10**-D <= 1e-65`` (relative). Correct rounding to at most 53 bits
   needs ~1e-16 plus "the true value is not within 1e-65 of a rounding boundary". That can
   fail only for values that sit exactly on a midpoint (exact dyadic numbers, which are
   computed exactly: rational operations on 53-bit inputs are exact at >= 133 bits) or
   absurdly close to one (probability ~1e-49 per point).
4. Absorption, where 2-3 fails: the error model of 2 breaks when a term is absorbed
   *completely* at both precisions. ``log(1 + exp(x))`` at x = -280: ``1 + 1e-122`` is
   exactly 1 at 40 and at 80 digits, so log gives exactly 0 at both; in
   ``mish' = tanh(log(1 + exp(x))) + x*sigmoid(x)*(...)`` that lost term is masked by the
   other one, the two precisions agree, and plain D/2D escalation returns a value off by a
   relative 1/280 (1.8e13 ulp; measured). Hence a second check before accepting: the
   lower precision is evaluated again with the result of every function perturbed by a
   random ~256 ulp, and the argument too for the functions that are ill-conditioned at
   moderate arguments (log near 1, sin near its zeros...; see ``_PERTURBED_ARGUMENTS``).
   ``log(1 + 1e-122)`` then gives ~1e-38 of noise instead of 0, the check disagrees, and
   the escalation goes on until 1e-122 is resolved. Agreement of the perturbed D value
   with the 2D value bounds the sensitivity of the result to errors at the function
   boundaries by 1e-25 / 256 ulp(D), so whatever was absorbed at 2D (below 1 ulp(2D))
   changes the result by < 1e-25 * 10**-D. This is a (strong) heuristic, not a proof:
   absorption inside pure arithmetic (``(1 + x) - 1`` masked by another term) is not
   perturbed; SymPy simplifies most of that away, and a total cancellation still shows
   up as an exact zero (5). Interval arithmetic would be rigorous, but ``mpmath.iv`` has
   no tanh, atan, erf, erfc, sinh or cosh.
5. An exact zero is never trusted below the cap: total cancellation (``1 - tanh(x)**2``
   at x = 400 is exactly 0 until ~350 digits) looks like a zero, so a zero escalates
   until it either becomes nonzero or the cap (``max_dps``, 2000) is reached, and only
   there is it accepted (status ``"cap_zero"`` in :meth:`Reference.problems`; likewise
   a nonzero value at the cap that is not confirmed but is below 2**-1075, so rounds to
   +-0 in every dtype: ``"cap_tiny"``). A result that is a Python ``int`` is exact by
   construction (it can only come from an integer literal of the expression, e.g. a
   ``Piecewise`` branch or ``Max(0, x)``; mpmath arithmetic always returns mpf), so it is
   accepted at once.
6. A non-real result (``sqrt`` of a slightly negative cancelled value gives an ``mpc``),
   an mpmath NaN, or an arithmetic exception (``ZeroDivisionError`` ...) also escalates,
   since each can be an artefact of too few digits; if it persists up to the cap the
   reference is NaN (genuine domain error, e.g. ``sqrt(x)`` at x < 0, or a removable
   singularity that the expression does not handle -- write those with ``Piecewise``).
7. What is evaluated is ``expr`` after a few exact rewrites that remove a constant
   cancelling an erf/erfc/tanh (``1 + erf(u)`` -> ``erfc(-u)``, ``1 - tanh(u)**2`` ->
   ``sech(u)**2``...; see :func:`_stabilize`). They change nothing in the value, only the
   digits needed: the Gaussian tail of GELU went from ~100 s to ~2 s per grid.

Limits: at x = +-inf the expression is evaluated (with the same escalation) at +-2**1329
(~1.1e400) and +-2**1462 (~1.2e440), far beyond every float. Powers of two rather than
10**400 (a 929-bit mantissa): x**2, x**3 and x/2 stay exact at any precision, otherwise
``exp(-x**2)`` there needs ~850 digits just to round its argument (erfc's limit took 2 s
instead of 10 ms). Both are rounded to the dtype and, if they round to
the same value, that is the reference, else the limit is taken not to exist (NaN; e.g.
``sin``). Caveat: this is numerical, so an expression that multiplies a total cancellation
by something huge (``exp(x) * log(1 + exp(-x))``) gets 0 there instead of 1, and so it
does at huge finite points (1e5, the dtype max): more than 2000 digits would be needed.
Such points are reported as ``"cap_zero"`` by :meth:`Reference.problems` -- check it.
"""

from __future__ import annotations

import builtins
import hashlib
import math
import os
import random
import tempfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import mpmath
import numpy as np
import sympy
from mpmath import libmp

from actlab.formula import MPMATH_FUNCTIONS

__all__ = [
    "DTYPES",
    "NAN_MISMATCH",
    "Reference",
    "round_to_dtype",
    "standard_grid",
    "ulp_distance",
]

DTYPES = (np.float16, np.float32, np.float64)

#: ``ulp_distance`` of NaN against a non-NaN (larger than any finite distance, which is
#: saturated at ``NAN_MISMATCH - 1``).
NAN_MISMATCH = int(np.iinfo(np.int64).max)


# ----------------------------------------------------------------------------- formats


@dataclass(frozen=True)
class _Format:
    dtype: np.dtype
    p: int  # significand bits, implicit bit included
    emin: int  # exponent of the smallest normal: 2**emin
    emax: int  # exponent of the largest binade: max = (2 - 2**(1-p)) * 2**emax
    int_type: type  # same-width signed integer, for bit patterns


def _make_format(t: type, int_type: type) -> _Format:
    fi = np.finfo(t)
    return _Format(np.dtype(t), fi.nmant + 1, fi.minexp, fi.maxexp - 1, int_type)


_FORMATS = {
    np.dtype(np.float16): _make_format(np.float16, np.int16),
    np.dtype(np.float32): _make_format(np.float32, np.int32),
    np.dtype(np.float64): _make_format(np.float64, np.int64),
}


def _format(dtype: Any) -> _Format:
    try:
        return _FORMATS[np.dtype(dtype)]
    except (KeyError, TypeError):
        raise TypeError(f"dtype must be float16, float32 or float64, got {dtype!r}") from None


# ----------------------------------------------------------------------------- rounding


def _exact_mpf(v: Any) -> mpmath.mpf:
    """``v`` as an mpf, without rounding (ints and floats are converted exactly)."""
    if isinstance(v, mpmath.mpf):
        return v
    if isinstance(v, (bool, int, np.integer)):
        return mpmath.mpf(libmp.from_int(int(v)))  # prec=0: exact mantissa
    if isinstance(v, (float, np.floating)):
        return mpmath.mpf(libmp.from_float(float(v)))  # 53 bits: exact
    if isinstance(v, mpmath.mpc):
        if v.imag != 0:
            raise ValueError(f"not a real number: {v}")
        return v.real
    raise TypeError(f"cannot convert {type(v).__name__} to mpf exactly")


def round_to_dtype(v: Any, dtype: Any) -> np.floating:
    """The correctly rounded (round-half-even) value of the real number ``v`` in ``dtype``.

    ``v`` is an ``mpmath.mpf`` (ints, floats and real ``mpc`` are accepted and converted
    exactly). Values below the normal range are quantised to multiples of the smallest
    subnormal; ``|v| >= max + ulp(max)/2`` overflows to +-inf; mpf +-inf and NaN map to
    themselves. mpmath has no negative zero, so an exact 0 gives +0.0; a nonzero negative
    value that underflows gives -0.0.
    """
    fmt = _format(dtype)
    v = _exact_mpf(v)
    if mpmath.isnan(v):
        return fmt.dtype.type(np.nan)
    if mpmath.isinf(v):
        return fmt.dtype.type(np.inf if v > 0 else -np.inf)
    sign, man, exp, bc = v._mpf_
    if not man:
        return fmt.dtype.type(0.0)
    e = exp + bc - 1  # 2**e <= |v| < 2**(e+1)
    # Bits available at this magnitude: p for normals, fewer in the subnormal range,
    # where the quantum is fixed at 2**(emin - p + 1).
    prec = fmt.p - max(0, fmt.emin - e)
    if prec >= 1:
        sign, man, exp, bc = libmp.normalize(sign, man, exp, bc, prec, "n")
    elif prec == 0:
        # q/2 <= |v| < q with q the smallest subnormal; the tie |v| == q/2 (mantissa 1,
        # mpf mantissas are odd) goes to the even neighbour, 0.
        if man == 1:
            man = 0
        else:
            man, exp, bc = 1, fmt.emin - fmt.p + 1, 1
    else:
        man = 0  # |v| < q/2
    if not man:
        return fmt.dtype.type(-0.0 if sign else 0.0)
    if exp + bc - 1 > fmt.emax:
        return fmt.dtype.type(-np.inf if sign else np.inf)
    # man has at most p <= 53 bits and man * 2**exp is representable in fmt, hence in
    # float64: ldexp and the final conversion are exact.
    mag = math.ldexp(man, exp)
    return fmt.dtype.type(-mag if sign else mag)


# ----------------------------------------------------------------------------- ulps


def _monotone_key(a: np.ndarray, fmt: _Format) -> np.ndarray:
    """int64 image of the bit patterns, monotone in the value; +0 and -0 both map to 0."""
    bits = a.view(fmt.int_type).astype(np.int64)
    nbits = fmt.dtype.itemsize * 8
    mag = bits & ((1 << (nbits - 1)) - 1)
    return np.where(bits < 0, -mag, mag)


def ulp_distance(a: Any, b: Any) -> np.ndarray:
    """Elementwise ``|a - b|`` in ulps, for arrays of one float dtype (float16/32/64).

    The difference of the monotone integer images of the bit patterns: +0 and -0 are 0
    apart, the largest finite and inf are 1 apart, subnormals count in units of the
    smallest subnormal. NaN vs NaN is 0, NaN vs non-NaN is :data:`NAN_MISMATCH`. Finite
    distances too large for int64 (only in float64, across zero) saturate at
    ``NAN_MISMATCH - 1``. Returns an int64 array of the broadcast shape.
    """
    a = np.asarray(a)
    b = np.asarray(b)
    if a.dtype != b.dtype:
        raise TypeError(f"dtypes differ: {a.dtype} vs {b.dtype}")
    fmt = _format(a.dtype)
    a, b = np.broadcast_arrays(a, b)
    a = np.ascontiguousarray(a)
    b = np.ascontiguousarray(b)
    ka = _monotone_key(a, fmt)
    kb = _monotone_key(b, fmt)
    same_side = (ka >= 0) == (kb >= 0)
    with np.errstate(over="ignore"):
        # Same side: |ka - kb| < 2**63, exact. Opposite sides: |ka| + |kb| < 2**64, exact in
        # uint64, then saturated.
        d_same = np.abs(np.where(same_side, ka - kb, 0))
        d_opp = np.abs(ka).astype(np.uint64) + np.abs(kb).astype(np.uint64)
    d_opp = np.minimum(d_opp, np.uint64(NAN_MISMATCH - 1)).astype(np.int64)
    d = np.where(same_side, d_same, d_opp)
    na = np.isnan(a)
    nb = np.isnan(b)
    d = np.where(na & nb, 0, d)
    d = np.where(na ^ nb, NAN_MISMATCH, d)
    return d.astype(np.int64)


# ----------------------------------------------------------------------------- grid


def _total_order_key(xs: np.ndarray) -> np.ndarray:
    """Injective, value-monotone int64 key of float64 bit patterns (-0 < +0 < ... NaN)."""
    bits = xs.view(np.int64)
    return np.where(bits < 0, -(bits & np.int64(0x7FFF_FFFF_FFFF_FFFF)) - 1, bits)


def standard_grid(dtype: Any, *, seed: int = 20240611) -> np.ndarray:
    """The accuracy grid for ``dtype``, as float64 numbers exactly representable in it.

    0, -0; +-logspace(1e-30, 1e3) (301 points per sign); linspace(-50, 50, 2001); 1000
    seeded uniform points on [-50, 50]; +-(max, smallest normal, smallest subnormal);
    +-inf; NaN. Everything is rounded to ``dtype`` (so for float16 the tiny values flush to
    subnormals or zero), deduplicated by bit pattern (so -0 and +0 both stay), and sorted
    (-inf ... -0, +0 ... inf, NaN last).
    """
    fmt = _format(dtype)
    fi = np.finfo(fmt.dtype)
    logs = np.logspace(-30.0, 3.0, 301)
    specials = [fi.max, fi.smallest_normal, fi.smallest_subnormal, np.inf]
    parts = [
        np.array([0.0, -0.0]),
        logs,
        -logs,
        np.linspace(-50.0, 50.0, 2001),
        np.random.default_rng(seed).uniform(-50.0, 50.0, 1000),
        np.array([float(s) for s in specials]),
        -np.array([float(s) for s in specials]),
        np.array([np.nan]),
    ]
    xs = np.concatenate(parts).astype(np.float64)
    with np.errstate(over="ignore", under="ignore"):
        xs = xs.astype(fmt.dtype).astype(np.float64)
    _, idx = np.unique(xs.view(np.int64), return_index=True)
    xs = xs[idx]
    return xs[np.argsort(_total_order_key(xs), kind="stable")]


# ----------------------------------------------------------------------------- evaluation

# mpmath.erfc raises OverflowError for x >~ 1.3e154 (it squares int(x) as a float when
# choosing its algorithm). Above 2**64 use the asymptotic series ourselves: it is
# alternating with terms shrinking by (2k-1)/(2x**2) <= 2**-120, so the truncation error is
# below the first omitted term.
_ERFC_ASYMPTOTIC_FROM = mpmath.mpf(2) ** 64


def _erfc(z: Any) -> Any:
    if isinstance(z, mpmath.mpf) and z > _ERFC_ASYMPTOTIC_FROM:
        with mpmath.extraprec(20):
            t = 1 / (2 * z * z)
            term = s = mpmath.mpf(1)
            k = 1
            while True:
                term *= -(2 * k - 1) * t
                s += term
                if abs(term) < mpmath.eps * abs(s):
                    break
                k += 1
            r = mpmath.exp(-(z * z)) * s / (z * mpmath.sqrt(mpmath.pi))
        return +r
    return mpmath.erfc(z)


class _ErfcOfMinus(sympy.Function):
    """erfc(-u), kept unevaluated (SymPy turns ``erfc(-u)`` into ``2 - erfc(u)``)."""

    nargs = 1


def _erfc_of_minus(u: Any) -> Any:
    return _erfc(-u)


def _stabilize(expr: sympy.Expr) -> sympy.Expr:
    """Exact rewrites of ``k + c*f`` (k, c numbers) that remove a constant cancelling ``f``.

    ``1 + erf(u)`` (the Gaussian CDF) and ``2 - erfc(u)`` (which SymPy makes of
    ``erfc(-u)``) cancel catastrophically for u -> -inf: ~x**2/4.6 digits at x = u*sqrt(2),
    i.e. mpmath's erf at 640-2000 digits for x in [-100, -35], which is slow (0.05-4 s a
    call, 100x the whole rest of a grid). Likewise ``1 +- tanh(u)`` and ``1 - tanh(u)**2``
    (every derivative of tanh) beyond |u| ~ 30, which hit the 2000-digit cap for
    |u| > 2300. The identities used (a form only when its constant is exactly 0):

    * ``k + c*erf(u) = (k - c) + c*erfc(-u) = (k + c) - c*erfc(u)``
    * ``k + c*erfc(u) = (k + 2c) - c*erfc(-u) = (k + c) - c*erf(u)``
    * ``c + c*tanh(u) = 2c / (1 + exp(-2u))``, ``-c + c*tanh(u) = -2c / (1 + exp(2u))``
    * ``-c + c*tanh(u)**2 = -c*sech(u)**2``

    The escalation then certifies the rewritten form like any other (same value).
    """

    def fix(add: sympy.Expr) -> sympy.Expr:
        k = sympy.Add(*[a for a in add.args if a.is_Number])
        if k == 0:
            return add
        terms = [a for a in add.args if not a.is_Number]
        for i, t in enumerate(terms):
            c, f = t.as_coeff_Mul()
            new = None
            if isinstance(f, sympy.erf):
                if k - c == 0:
                    new = c * _ErfcOfMinus(f.args[0])
                elif k + c == 0:
                    new = -c * sympy.erfc(f.args[0])
            elif isinstance(f, sympy.erfc):
                if k + 2 * c == 0:
                    new = -c * _ErfcOfMinus(f.args[0])
                elif k + c == 0:
                    new = -c * sympy.erf(f.args[0])
            elif isinstance(f, sympy.tanh):
                u = f.args[0]
                if k == c:
                    new = 2 * c / (1 + sympy.exp(-2 * u))
                elif k == -c:
                    new = -2 * c / (1 + sympy.exp(2 * u))
            elif f.is_Pow and isinstance(f.base, sympy.tanh) and f.exp == 2 and k == -c:
                new = -c * sympy.sech(f.base.args[0]) ** 2
            if new is not None:
                return sympy.Add(*terms[:i], new, *terms[i + 1 :])
        return add

    if not expr.has(sympy.erf, sympy.erfc, sympy.tanh):
        return expr
    return expr.replace(lambda e: isinstance(e, sympy.Add), fix)


_MP_OVERRIDES = {
    "erfc": _erfc,
    "_ErfcOfMinus": _erfc_of_minus,
    **MPMATH_FUNCTIONS,  # stable named functions of formulas
}

# The checking evaluation (see "absorption" in the module docstring) perturbs the result of
# every function the printer may emit (plus the overrides), and also the argument of those
# whose condition number |u f'(u) / f(u)| can be huge at moderate arguments (log near 1,
# sin near its zeros, ...). The others (exp, tanh, erf, atan, sqrt, sigmoid, ...) have a
# condition number of at most ~|u| or ~u**2: an argument perturbation would only force the
# huge-argument points (dtype max, 1e400) to high precision for nothing. abs, sign,
# max/min, arithmetic and relationals are not perturbed.
_PERTURBED_RESULTS = (
    "exp", "log", "sqrt", "sin", "cos", "tan", "sec", "csc", "cot", "sinh", "cosh", "tanh",
    "sech", "csch", "coth", "asin", "acos", "atan", "atan2", "asinh", "acosh", "atanh",
    "acoth", "erf", "erfc", "log1p", "expm1", "cbrt", "root", "gamma", "loggamma",
)  # fmt: skip
_PERTURBED_ARGUMENTS = frozenset(
    ["log", "log1p", "sin", "cos", "tan", "sec", "csc", "cot", "asin", "acos", "acosh",
     "atanh", "acoth", "gamma", "loggamma", "root"]
)  # fmt: skip
#: Overrides known to be well conditioned in their argument (unknown ones get both).
_WELL_CONDITIONED_OVERRIDES = frozenset(["erfc", "_ErfcOfMinus", "sigmoid", "softplus", "expm1"])

_RNG = random.Random(0)  # reseeded before every perturbed evaluation: reproducible


def _perturb(v: Any) -> Any:
    """``v * (1 + d)`` with a random ``|d|`` in [2**-(prec-7), 2**-(prec-8)] (256x the
    rounding error of the working precision), kept exactly (computed at prec + 40 bits)."""
    if not isinstance(v, mpmath.mpf):
        if not hasattr(v, "_mpf_"):  # ints, mpc, bools: left alone
            return v
        v = mpmath.mpf(v)  # an mpmath constant (pi, e...) at the working precision
    if not v or not mpmath.isfinite(v):
        return v
    prec = mpmath.mp.prec
    k = _RNG.randint(1 << 20, 1 << 21) * _RNG.choice((-1, 1))
    with mpmath.workprec(prec + 40):
        return v + v * mpmath.ldexp(k, -(prec + 13))


def _perturbing(f: Callable[..., Any], arguments: bool) -> Callable[..., Any]:
    if arguments:

        def g(*args: Any) -> Any:
            return _perturb(f(*(_perturb(a) for a in args)))

    else:

        def g(*args: Any) -> Any:
            return _perturb(f(*args))

    g.__name__ = getattr(f, "__name__", "perturbed")
    return g


def _perturbed_namespace(
    functions: Mapping[str, Callable[..., Any]] | None = None,
) -> dict[str, Callable[..., Any]]:
    ns = {}
    for name in _PERTURBED_RESULTS:
        f = getattr(mpmath, name, None)
        if f is not None:
            ns[name] = _perturbing(f, name in _PERTURBED_ARGUMENTS)
    for name, f in {**_MP_OVERRIDES, **(functions or {})}.items():
        arguments = name in _PERTURBED_ARGUMENTS or name not in _WELL_CONDITIONED_OVERRIDES
        ns[name] = _perturbing(f, arguments)
    return ns


#: Exceptions an evaluation may raise at too low a precision (or at a genuine singularity).
_EVAL_ERRORS = (ArithmeticError, ValueError, mpmath.libmp.NoConvergence)

_FAIL = object()  # evaluation failed at this precision (error, nan, non-real)

# Status of a point (see Reference.problems): "ok" (two precisions agreed), "exact" (an
# int, exact by construction), "cap_zero" (zero accepted at the cap), "cap_tiny" (a value
# below 2**-1075 at the cap, not confirmed by the previous precision: rounds to +-0),
# "nan" (evaluation failed or stayed non-real / NaN up to the cap: reference NaN),
# "unresolved" (nonzero values that never agreed: reference NaN).
_GOOD = ("ok", "exact")
_STATUSES = ("ok", "exact", "cap_zero", "cap_tiny", "nan", "unresolved")  # on-disk codes

# Half the smallest float64 subnormal: anything smaller in magnitude rounds to +-0 in all
# three dtypes.
_BELOW_ALL_SUBNORMALS = mpmath.mpf(2) ** -1075

# Limit points (see the module docstring): exact, 1-bit mantissas.
with mpmath.workprec(1100):
    _LIMIT_POINTS = (mpmath.mpf(2) ** 1329, mpmath.mpf(2) ** 1462)
    _NEG_LIMIT_POINTS = (-_LIMIT_POINTS[0], -_LIMIT_POINTS[1])

# In-process memo: (srepr, settings) -> {float64 bits -> entry}. An entry is
# (mpf value, status) for a finite point and ((v400, s400), (v440, s440)) for +-inf.
_MEMO: dict[tuple, dict[int, Any]] = {}


#: Bump when the evaluation or rounding changes: part of the on-disk cache key.
_CACHE_VERSION = 4


def _bits(x: float) -> int:
    return int(np.float64(x).view(np.int64))


def _entry_status(entry: Any) -> str:
    if isinstance(entry[0], tuple):
        bad = [e[1] for e in entry if e[1] not in _GOOD]
        return bad[0] if bad else "ok"
    return entry[1]


def _points_hash(bits: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(bits, dtype=np.int64).tobytes()).hexdigest()[:32]


class Reference:
    """Correctly rounded reference values of ``expr`` (a SymPy expression in ``x`` only).

    ``values(xs, dtype)`` evaluates at the float64 points ``xs`` (exactly) and rounds to
    ``dtype``. Parameters must already be substituted, preferably by exact numbers
    (``Rational``, ``sqrt(2)``...): a SymPy ``Float`` enters as its binary value.

    ``cache_dir``: optional directory for a persistent cache of the rounded values, keyed
    by (srepr of expr, hash of the points, settings); e.g.
    ``request.config.cache.mkdir("actlab-reference")``. Without it only the in-process
    memo is used.

    ``functions``: mpmath implementations of functions lambdify cannot translate, by the
    name it prints (e.g. ``{"DiracDelta": lambda u: 0}``); ``actlab.formula``'s named
    functions (sigmoid, softplus, log1p, expm1) are always included. A name with no
    implementation raises ValueError here, not at the first point.

    Settings: ``start_dps`` (first precision, then doubled), ``max_dps`` (cap), ``rtol``
    (agreement required between consecutive precisions), ``cse`` (common subexpression
    elimination in lambdify; default: on unless the expression contains ``Piecewise``,
    because CSE hoists subexpressions out of the branches and evaluates them everywhere,
    where they may raise).

    Cost (2 cores, pure-Python mpmath): ~0.1-0.5 s per 3600-point grid for most
    expressions, up to ~5 s where the +-inf limit / dtype-max points need thousands of
    digits of exp of a huge argument (``exp(x**3)``-type). Points are memoised per
    process (so the three dtypes of a grid cost one evaluation) and, with ``cache_dir``,
    on disk (a reload is ~5 ms).
    """

    def __init__(
        self,
        expr: Any,
        x: sympy.Symbol,
        *,
        cache_dir: str | os.PathLike | None = None,
        start_dps: int = 40,
        max_dps: int = 2000,
        rtol: float = 1e-25,
        cse: bool | None = None,
        functions: Mapping[str, Callable[..., Any]] | None = None,
    ) -> None:
        expr = sympy.sympify(expr)
        extra = expr.free_symbols - {x}
        if extra:
            raise ValueError(
                f"expression has free symbols other than {x}: {sorted(map(str, extra))}"
            )
        if start_dps < 20 or max_dps < 2 * start_dps:
            raise ValueError("need start_dps >= 20 and max_dps >= 2 * start_dps")
        self.expr = expr
        self.x = x
        self.start_dps = int(start_dps)
        self.max_dps = int(max_dps)
        self.rtol = mpmath.mpf(rtol)
        if cse is None:
            cse = not expr.has(sympy.Piecewise)
        #: What is actually evaluated: ``expr`` after exact, cancellation-removing rewrites.
        self.evaluated_expr = _stabilize(expr)
        plain = {**_MP_OVERRIDES, **(functions or {})}
        self._func: Callable[[mpmath.mpf], Any] = sympy.lambdify(
            x, self.evaluated_expr, modules=[plain, "mpmath"], cse=cse
        )
        self._func_perturbed: Callable[[mpmath.mpf], Any] = sympy.lambdify(
            x, self.evaluated_expr, modules=[_perturbed_namespace(functions), "mpmath"], cse=cse
        )
        # Fail now, not at the first point, on a function lambdify could not translate.
        missing = sorted(
            n for n in self._func.__code__.co_names
            if n not in self._func.__globals__ and not hasattr(builtins, n)
        )  # fmt: skip
        if missing:
            raise ValueError(
                f"no mpmath implementation for {missing} in {expr}; pass functions={{name: f}}"
            )
        self.srepr = sympy.srepr(expr)
        extra_fns = tuple(
            sorted((k, getattr(f, "__qualname__", repr(f))) for k, f in (functions or {}).items())
        )
        settings = (self.start_dps, self.max_dps, repr(rtol), extra_fns)
        self._memo = _MEMO.setdefault((self.srepr, settings), {})
        disk_id = (_CACHE_VERSION, mpmath.__version__, self.srepr, settings)
        self._disk_key = hashlib.sha256(repr(disk_id).encode()).hexdigest()[:32]
        self.cache_dir = Path(cache_dir) if cache_dir is not None else None
        self._disk_status: dict[int, str] = {}

    def __repr__(self) -> str:
        return f"Reference({self.expr})"

    # -- evaluation ---------------------------------------------------------------

    def _eval_at(self, xm: mpmath.mpf, dps: int, perturbed: bool = False) -> Any:
        """One evaluation at ``dps`` digits: an mpf, an int (exact) or _FAIL."""
        with mpmath.workdps(dps):
            try:
                if perturbed:
                    _RNG.seed(hash((xm, dps)))
                    r = self._func_perturbed(xm)
                else:
                    r = self._func(xm)
            except _EVAL_ERRORS:
                return _FAIL
            if isinstance(r, (bool, int)):
                return int(r)
            if isinstance(r, mpmath.mpc):
                if r.imag != 0:
                    return _FAIL
                r = r.real
            elif not isinstance(r, mpmath.mpf):
                r = mpmath.mpf(r)  # e.g. a Python float: exact at any dps >= 16
            if mpmath.isnan(r):
                return _FAIL
            return r

    def _agree(self, a: Any, b: mpmath.mpf, dps: int) -> bool:
        if a is _FAIL:
            return False
        if mpmath.isinf(a) or mpmath.isinf(b):
            return a == b
        with mpmath.workdps(dps):
            return abs(a - b) <= self.rtol * abs(b)

    def mp_value(self, xm: Any) -> tuple[mpmath.mpf, str]:
        """High-precision value at the (exact) real ``xm`` and its status (no memo)."""
        xm = _exact_mpf(xm)
        dps = self.start_dps
        prev = self._eval_at(xm, dps)
        if isinstance(prev, int):
            return _exact_mpf(prev), "exact"
        while True:
            lower, dps = dps, min(2 * dps, self.max_dps)
            cur = self._eval_at(xm, dps)
            if isinstance(cur, int):
                return _exact_mpf(cur), "exact"
            if cur is not _FAIL and cur != 0 and self._agree(prev, cur, dps):
                # Absorption check: the lower precision again, with every function's
                # result (and the argument of the ill-conditioned ones) perturbed by
                # ~256 ulps, must agree as well.
                check = self._eval_at(xm, lower, perturbed=True)
                if isinstance(check, int) or self._agree(check, cur, dps):
                    return cur, "ok"
            if dps >= self.max_dps:
                if cur is _FAIL:
                    return mpmath.mpf("nan"), "nan"
                if cur == 0:
                    return cur, "cap_zero"
                if abs(cur) < _BELOW_ALL_SUBNORMALS:
                    # Unconfirmed, but rounds to +-0 in every dtype: the same trust as a
                    # zero at the cap (a value this small at the cap, typically after a
                    # total cancellation at the previous precision).
                    return cur, "cap_tiny"
                return mpmath.mpf("nan"), "unresolved"
            prev = cur

    def _entry(self, x: float) -> Any:
        bits = _bits(x)
        entry = self._memo.get(bits)
        if entry is None:
            if math.isnan(x):
                entry = (mpmath.mpf("nan"), "ok")
            elif math.isinf(x):
                far = _LIMIT_POINTS if x > 0 else _NEG_LIMIT_POINTS
                entry = tuple(self.mp_value(p) for p in far)
            else:
                entry = self.mp_value(x)
            self._memo[bits] = entry
        return entry

    @staticmethod
    def _round_entry(entry: Any, dtype: Any) -> np.floating:
        if isinstance(entry[0], tuple):  # limit: both far points must round alike
            r1 = round_to_dtype(entry[0][0], dtype)
            r2 = round_to_dtype(entry[1][0], dtype)
            if r1 == r2 or (np.isnan(r1) and np.isnan(r2)):
                return r2
            return _format(dtype).dtype.type(np.nan)
        return round_to_dtype(entry[0], dtype)

    # -- public -------------------------------------------------------------------

    def values(self, xs: Any, dtype: Any) -> np.ndarray:
        """Correctly rounded reference at the float64 points ``xs``, as ``dtype``."""
        fmt = _format(dtype)
        xs = np.asarray(xs)
        if xs.dtype.kind != "f":
            raise TypeError(f"points must be floating point, got {xs.dtype}")
        xs = xs.astype(np.float64)  # exact from float16/32
        flat = np.ascontiguousarray(xs.ravel())
        out = self._load_disk(flat, fmt)
        if out is None:
            out = np.empty(flat.shape, dtype=fmt.dtype)
            for i, x in enumerate(flat.tolist()):
                out[i] = self._round_entry(self._entry(x), fmt.dtype)
            self._store_disk(flat)
        return out.reshape(xs.shape)

    def mpf_values(self, xs: Iterable[float]) -> list[Any]:
        """The memoised high-precision values (limit points give a pair of mpf)."""
        out = []
        for x in np.asarray(xs, dtype=np.float64).ravel().tolist():
            e = self._entry(x)
            out.append((e[0][0], e[1][0]) if isinstance(e[0], tuple) else e[0])
        return out

    def problems(self, xs: Iterable[float] | None = None) -> dict[float, str]:
        """Points whose value was not certified by two agreeing precisions.

        Maps the point to its status: ``"cap_zero"`` / ``"cap_tiny"`` (zero, or a value
        rounding to +-0, accepted at the cap), ``"nan"`` (error / NaN / non-real up to the
        cap: reference NaN), ``"unresolved"`` (never agreed: reference NaN). For +-inf the
        status of the two far points that is not "ok" is reported. Without ``xs``: every
        point evaluated in this process or loaded from the disk cache; with ``xs``: those
        points (evaluating them if needed).
        """
        if xs is None:
            statuses = dict(self._disk_status)
            statuses.update((b, _entry_status(e)) for b, e in self._memo.items())
        else:
            statuses = {}
            for x in np.asarray(xs, dtype=np.float64).ravel().tolist():
                b = _bits(x)
                if b in self._memo or b not in self._disk_status:
                    statuses[b] = _entry_status(self._entry(x))
                else:
                    statuses[b] = self._disk_status[b]
        return {
            float(np.int64(b).view(np.float64)): st for b, st in statuses.items() if st not in _GOOD
        }

    # -- persistent cache -----------------------------------------------------------

    def _disk_path(self, flat: np.ndarray) -> Path | None:
        if self.cache_dir is None:
            return None
        return self.cache_dir / f"{self._disk_key}-{_points_hash(flat.view(np.int64))}.npz"

    def _load_disk(self, flat: np.ndarray, fmt: _Format) -> np.ndarray | None:
        path = self._disk_path(flat)
        if path is None or not path.exists():
            return None
        try:
            with np.load(path, allow_pickle=False) as data:
                if str(data["srepr"]) != self.srepr or not np.array_equal(
                    data["points"].view(np.int64), flat.view(np.int64)
                ):
                    return None
                out = data[fmt.dtype.name].copy()
                status = [_STATUSES[i] for i in data["status"].tolist()]
        except (OSError, KeyError, ValueError):
            return None  # unreadable: recompute (and overwrite)
        for b, st in zip(flat.view(np.int64).tolist(), status, strict=True):
            if st not in _GOOD:
                self._disk_status[b] = st
        return out

    def _store_disk(self, flat: np.ndarray) -> None:
        path = self._disk_path(flat)
        if path is None:
            return
        # All points are in the memo now; rounding to the other dtypes is cheap.
        arrays = {
            t.name: np.array([self._round_entry(self._entry(x), t) for x in flat.tolist()], dtype=t)
            for t in map(np.dtype, DTYPES)
        }
        arrays["status"] = np.array(
            [_STATUSES.index(_entry_status(self._entry(x))) for x in flat.tolist()], dtype=np.uint8
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp.npz")
        try:
            with os.fdopen(fd, "wb") as fh:
                np.savez_compressed(fh, srepr=np.array(self.srepr), points=flat, **arrays)  # type: ignore[arg-type]
            os.replace(tmp, path)  # atomic: concurrent writers cannot leave a torn file
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
