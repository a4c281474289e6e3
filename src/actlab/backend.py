"""Array namespaces: the few dozen operations the catalogue is written against.

Every activation kernel is written once, as ``kernel(xp, x, **params)``, where ``xp``
is one of the namespaces below. ``NUMPY`` runs on NumPy arrays (vectorised ufuncs
only: SciPy's ufuncs are scalar loops, 5-20x slower than NumPy's exp/log1p, and are
used only where nothing else is accurate); ``torch_ops()`` runs on PyTorch tensors.
Both offer the same names with the same numerical contract, so a kernel cannot tell
which one it was given. Where a library's own function is not accurate enough it is
wrapped or replaced here (SciPy's expit flushes below -709.8; torch.sigmoid overflows);
tests/test_accuracy.py checks every kernel, on both namespaces, against mpmath.

Kernels always receive float64 arrays; the wrappers in :mod:`actlab.activation` convert
float16/float32 inputs to float64 (block by block, :mod:`actlab.blocks`) and cast
results back to the caller's dtype.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable
from typing import Any

import numpy as np

Array = Any

#: Smallest array NumpyOps.where blends with bit operations (below, np.where's one call is
#: cheaper than the blend's five).
_BLEND = 256


def _bits64(v: Any, shape: tuple[int, ...]) -> Any:
    """A float64 operand of NumpyOps.where as int64 bits (an array of ``shape`` or a
    scalar), or None if it is anything else (then np.where is used as it is)."""
    if type(v) is np.ndarray:
        return v.view(np.int64) if v.dtype == np.float64 and v.shape == shape else None
    if type(v) in (float, int, np.float64):
        return np.float64(v).view(np.int64)
    return None


#: Length of the cached constant arrays (every block of actlab.blocks fits), and how
#: many distinct constants are cached (kernels use a handful; learned parameters that
#: change every step must not grow the cache without bound).
_CONST_SIZE, _CONST_MAX = 1 << 17, 64
_CONSTS: dict[str, np.ndarray] = {}


def constant(c: float, like: np.ndarray) -> np.ndarray | None:
    """A read-only float64 array of ``c`` with ``like``'s shape (a view of a cached one),
    or None if ``like`` has more than _CONST_SIZE elements or the cache is full.

    NOTE: np.maximum/np.minimum with a number as second operand run a loop ~3x slower
    than with an array (NumPy 2.4, 32k float64: 16 us against 5; np.clip 6.6 and it is
    slower below ~4k elements); with an array of the number they give the same bits
    (checked on signed zeros and NaN).
    """
    if like.size > _CONST_SIZE:
        return None
    key = c.hex()  # not c: -0.0 == 0.0 as a dict key
    arr = _CONSTS.get(key)
    if arr is None:
        if len(_CONSTS) >= _CONST_MAX:
            return None
        arr = np.full(_CONST_SIZE, c)
        arr.flags.writeable = False
        arr = _CONSTS.setdefault(key, arr)
    return arr[:like.size].reshape(like.shape)


constant(0.0, np.empty(0))  # always cached: fast paths use constant(0.0, x) as an operand


#: Below this many elements the lookup costs more (~1 us) than the array operand saves.
_CONST_FROM = 2048


def _with_constant(op: Any, x: Array, c: Array | float) -> Array:
    """op(x, c) for op = np.maximum or np.minimum, with c as an array when it is a number
    (the same bits either way, so the size threshold cannot change a result)."""
    if (type(c) is float and type(x) is np.ndarray and x.size >= _CONST_FROM
            and x.dtype == np.float64):
        arr = constant(c, x)
        if arr is not None:
            return op(x, arr)
    return op(x, c)


def _gated(e: Array, x: Array, side: Any) -> Array:
    """e^min(x, 0) (side = np.greater_equal) or e^-max(x, 0) (np.less_equal) from
    e = e^-|x|, the same values: e where the exponent is -|x|, else e^0 = 1, which is
    max(e, 1) as e <= 1 (and max(e, 0) = e on the other side; NaN stays NaN).

    NOTE: a second exp costs ~0.5 ns per element, this ~0.2 (the comparison is written
    as 0.0/1.0 straight into a float64 array, then one SIMD maximum of two arrays).
    """
    step = side(x, 0.0, out=np.empty(np.shape(x)))
    return np.maximum(step, e, out=step)


class NumpyOps:
    """NumPy (+ SciPy ufuncs) namespace."""

    name = "numpy"
    float64 = np.float64
    exp = staticmethod(np.exp)
    expm1 = staticmethod(np.expm1)
    log = staticmethod(np.log)
    log1p = staticmethod(np.log1p)
    sqrt = staticmethod(np.sqrt)
    tanh = staticmethod(np.tanh)
    sin = staticmethod(np.sin)
    cos = staticmethod(np.cos)
    atan = staticmethod(np.arctan)
    hypot = staticmethod(np.hypot)
    abs = staticmethod(np.abs)
    sign = staticmethod(np.sign)
    copysign = staticmethod(np.copysign)
    isnan = staticmethod(np.isnan)
    isinf = staticmethod(np.isinf)
    isfinite = staticmethod(np.isfinite)
    logical_and = staticmethod(np.logical_and)
    logical_or = staticmethod(np.logical_or)

    @staticmethod
    def maximum(x: Array, c: Array | float) -> Array:
        """np.maximum(x, c), bit for bit; faster where c is a number (see constant)."""
        return _with_constant(np.maximum, x, c)

    @staticmethod
    def minimum(x: Array, c: Array | float) -> Array:
        """np.minimum(x, c), bit for bit; faster where c is a number (see constant)."""
        return _with_constant(np.minimum, x, c)

    @staticmethod
    def log_sigmoid(x: Array) -> Array:
        # -softplus(-x), as the softplus kernel computes it (the same accuracy): SciPy's
        # log_expit is a scalar loop, ~18 ns per element against ~4 for this.
        return NumpyOps.minimum(x, 0.0) - np.log1p(np.exp(-np.abs(x)))

    @staticmethod
    def sigmoid(x: Array) -> Array:
        # e^min(x, 0) / (1 + e^-|x|): 1/(1 + e^-x) for x >= 0, e^x/(1 + e^x) below, with no
        # overflow and no branch; e^x is never flushed (SciPy's expit flushes to 0 below
        # x = -709.8). NumPy's vectorised exp makes this ~1.5x faster than expit's scalar
        # loop; error <= 1 ulp (exp) + 0.5 (sum) + 0.5 (quotient).
        e = np.exp(-np.abs(x))
        return _gated(e, x, np.greater_equal) / (1.0 + e)

    @staticmethod
    def where(cond: Array, a: Array | float, b: Array | float) -> Array:
        """np.where(cond, a, b), bit for bit, for float64 operands.

        np.where branches per element: on masks that follow the sign of random data it
        costs ~8 ns per element (mispredictions), more than an exp. On arrays of at
        least _BLEND elements, float64 ``a``/``b`` (arrays of cond's shape, or numbers)
        are selected with integer bit operations instead, a ^ ((a ^ b) & m) with m all
        ones where cond is false: ~2 ns per element, the same bits.
        """
        if type(cond) is not np.ndarray or cond.size < _BLEND or cond.dtype != np.bool_:
            return np.where(cond, a, b)
        ai, bi = _bits64(a, cond.shape), _bits64(b, cond.shape)
        if ai is None or bi is None:
            return np.where(cond, a, b)
        m = cond.astype(np.int64)
        np.add(m, -1, out=m)  # 0 where cond, -1 (all ones) elsewhere
        np.bitwise_and(m, np.bitwise_xor(ai, bi), out=m)
        np.bitwise_xor(m, ai, out=m)
        return m.view(np.float64)

    @staticmethod
    def sigmoid_parts(x: Array) -> tuple[Array, Array, Array]:
        """(sigma(x), sigma(-x), sigma'(x)), the same values as ``sigmoid(x)``,
        ``sigmoid(-x)`` and ``e/(1+e)^2`` (e = e^-|x|) computed apart, sharing e and 1+e:
        three exps instead of five."""
        e = np.exp(-np.abs(x))
        t = 1.0 + e
        return _gated(e, x, np.greater_equal) / t, _gated(e, x, np.less_equal) / t, e / t / t

    @staticmethod
    def clip(x: Array, lo: float, hi: float) -> Array:
        return np.clip(x, lo, hi)

    @staticmethod
    def errstate(quiet: bool = False) -> Any:
        # Kernels may overflow to +-inf in intermediates on purpose (x*x for |x| > 1e154,
        # then handled explicitly); invalid operations and division by zero still warn.
        # ``quiet``: user formulas, whose numerical trouble is reported by actlab instead.
        return np.errstate(all="ignore") if quiet else np.errstate(over="ignore")

    @staticmethod
    def full_like(x: Array, value: float) -> Array:
        return np.full_like(x, value)

    @staticmethod
    def clear_low_bits(x: Array, nbits: int) -> Array:
        """x with the lowest ``nbits`` of its float64 significand set to zero (exact)."""
        mask = np.int64(~((1 << nbits) - 1))
        return (np.ascontiguousarray(x).view(np.int64) & mask).view(np.float64)

    @staticmethod
    def patch(base: Array, mask: Array, fn: Callable[[Array], Array], *args: Array) -> Array:
        """Replace ``base[mask]`` by ``fn(args[0][mask], ...)``; evaluates fn on the subset only.

        ``xp.where(mask, fn(*args), base)`` with fn evaluated where it is used: rare
        branches (tails, windows around zeros) then cost one comparison per element.
        Arguments that are plain numbers are passed as they are.
        """
        if mask.any():
            base = np.array(base, copy=True) if not base.flags.writeable else base
            base[mask] = fn(*(a[mask] if isinstance(a, np.ndarray) and a.ndim else a
                              for a in args))
        return base


class TorchOps:
    """PyTorch namespace (imported lazily; torch is an optional dependency)."""

    name = "torch"

    def __init__(self) -> None:
        import torch

        self.torch = torch
        self.float64 = torch.float64
        # where/maximum/minimum/hypot are methods below: torch would turn Python-float
        # operands into float32 tensors (its default dtype), not float64.
        for op in ("exp", "expm1", "log", "log1p", "sqrt", "tanh", "sin", "cos", "atan", "abs", "sign",
                   "isnan", "isinf", "isfinite", "logical_and", "logical_or"):
            setattr(self, op, getattr(torch, op))

    def _t(self, v: Any, like: Array) -> Array:
        return v if isinstance(v, self.torch.Tensor) else self.torch.as_tensor(
            v, dtype=like.dtype, device=like.device)

    def where(self, cond: Array, a: Any, b: Any) -> Array:  # type: ignore[no-redef]
        like = a if isinstance(a, self.torch.Tensor) else b
        if not isinstance(like, self.torch.Tensor):
            like = self.torch.zeros((), dtype=self.torch.float64, device=cond.device)
        return self.torch.where(cond, self._t(a, like), self._t(b, like))

    def maximum(self, a: Array, b: Any) -> Array:  # type: ignore[no-redef]
        return self.torch.maximum(a, self._t(b, a))

    def minimum(self, a: Array, b: Any) -> Array:  # type: ignore[no-redef]
        return self.torch.minimum(a, self._t(b, a))

    def hypot(self, a: Array, b: Any) -> Array:  # type: ignore[no-redef]
        return self.torch.hypot(a, self._t(b, a))

    def sigmoid(self, x: Array) -> Array:
        # NOTE: torch.sigmoid is 1/(1+exp(-x)); exp overflows for x < -709 and returns 0
        # where the true value is a subnormal. Branch on the sign like SciPy's expit.
        e = self.torch.exp(-self.torch.abs(x))
        return self.torch.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))

    def sigmoid_parts(self, x: Array) -> tuple[Array, Array, Array]:
        e = self.torch.exp(-self.torch.abs(x))
        t = 1.0 + e
        return self.sigmoid(x), self.sigmoid(-x), e / t / t

    def log_sigmoid(self, x: Array) -> Array:
        return self.torch.minimum(x, self.torch.zeros_like(x)) - self.torch.log1p(
            self.torch.exp(-self.torch.abs(x)))

    def clip(self, x: Array, lo: float, hi: float) -> Array:
        return self.torch.clamp(x, lo, hi)

    def errstate(self, quiet: bool = False) -> Any:
        return contextlib.nullcontext()

    def full_like(self, x: Array, value: float) -> Array:
        return self.torch.full_like(x, value)

    def clear_low_bits(self, x: Array, nbits: int) -> Array:
        mask = ~((1 << nbits) - 1)
        return (x.contiguous().view(self.torch.int64) & mask).view(self.torch.float64)

    def patch(self, base: Array, mask: Array, fn: Callable[..., Array], *args: Array) -> Array:
        if bool(mask.any()):
            base = base.clone()
            base[mask] = fn(*(a[mask] if isinstance(a, self.torch.Tensor) and a.dim() else a
                              for a in args))
        return base


NUMPY = NumpyOps()
_TORCH: TorchOps | None = None


def torch_ops() -> TorchOps:
    global _TORCH
    if _TORCH is None:
        _TORCH = TorchOps()
    return _TORCH


def is_torch(x: Any) -> bool:
    """True for a torch.Tensor, without importing torch when it was never imported."""
    import sys

    torch = sys.modules.get("torch")
    return torch is not None and isinstance(x, torch.Tensor)


# ----------------------------------------------------------------------------------
# Error-free transformations (double-double pieces). They let a kernel carry the
# rounding error of u = a*b into functions that amplify it, e.g. exp(-x^2) whose
# relative error is x^2 times that of x^2.
# ----------------------------------------------------------------------------------
_SPLIT = 134217729.0  # 2**27 + 1, Veltkamp's constant for float64
_SPLIT_LIMIT = 2.0**996  # above this, SPLIT * a overflows


def halves(a: Any) -> tuple[Any, Any]:
    """Veltkamp's split a = hi + lo, exactly, each half with at most 26 significant bits
    (so products of halves are exact), for |a| < 2**996 (_split guards larger ones)."""
    hi = _SPLIT * a
    hi -= hi - a  # c - (c - a), c = SPLIT * a, in place
    return hi, a - hi


def two_prod(xp: Any, a: Array, b: Array | float) -> tuple[Array, Array]:
    """Return (p, e) with p = fl(a*b) and a*b = p + e exactly (Dekker's algorithm).

    Factors beyond 2**996 in magnitude (where the low part is irrelevant to every
    caller) give e = 0 instead of overflowing; so do non-finite products.
    """
    p = a * b
    ah, al, a_ok = _split(xp, a)
    if isinstance(b, (int, float)):
        (bh, bl), b_ok = halves(b), True
    else:
        bh, bl, b_ok = _split(xp, b)
    ok = xp.logical_and(a_ok, b_ok) if b_ok is not True else a_ok
    ok = xp.logical_and(ok, xp.isfinite(p))
    p0 = xp.where(ok, p, 0.0)
    e = ((ah * bh - p0) + ah * bl + al * bh) + al * bl
    return p, xp.where(ok, e, 0.0)


def _split(xp: Any, a: Array) -> tuple[Array, Array, Array]:
    ok = xp.abs(a) < _SPLIT_LIMIT
    ah, al = halves(xp.where(ok, a, 0.0))
    return ah, al, ok


def two_square(xp: Any, a: Array) -> tuple[Array, Array]:
    """Return (p, e) with p = fl(a*a) and a*a = p + e exactly (e = 0 where |a| > 2**500)."""
    p = a * a
    ok = xp.abs(a) < 2.0**500
    ah, al, _ = _split(xp, xp.where(ok, a, 0.0))
    e = ((ah * ah - xp.where(ok, p, 0.0)) + 2.0 * ah * al) + al * al
    return p, e


def two_sum(a: Array, b: Array) -> tuple[Array, Array]:
    """Return (s, e) with s = fl(a+b) and a+b = s + e exactly (Knuth)."""
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


#: Below -EXP_TAIL, exp is within a factor 10 of the subnormal range, and 1 + e^v == 1.
EXP_TAIL = 700.0


def exp_tail(xp: Any, v: Array, v_lo: Array | float, factor: Array | float) -> Array:
    """factor * exp(v + v_lo), meant for v <= -EXP_TAIL (elsewhere a finite placeholder).

    Use it where a result is (factor x a tiny exponential): sigma(u), sigma'(u) and the
    like all equal e^-|u| there to 1e-304 relative, and multiplying a subnormal by a
    factor would magnify its rounding error. ``factor`` must be finite.
    """
    vc = xp.minimum(v, -EXP_TAIL)
    lo = v_lo if isinstance(v_lo, (int, float)) else xp.where(v <= -EXP_TAIL, v_lo, 0.0)
    return scaled_exp_neg(xp, -vc, -lo, factor)


def scaled_exp_neg(xp: Any, p: Array, e: Array, factor: Array | float) -> Array:
    """factor * exp(-(p + e)) for p >= 0 and a low part |e| << 1 (e.g. p + e = x^2).

    NOTE: where exp(-p) is subnormal, multiplying it by a large factor would magnify
    its absolute rounding error; there it is evaluated as (factor * h) * h with
    h = exp(-p/2), so the only rounding into the subnormal range is the last one.
    """
    direct = factor * (xp.exp(-p) * (1.0 - e))

    def tiny(p: Array, e: Array | float, factor: Array | float) -> Array:
        h = xp.exp(-0.5 * p)
        return (factor * (1.0 - e) * h) * h
    return xp.patch(direct, p > 700.0, tiny, p, e, factor)


def const_like(xp: Any, x: Array, value: float) -> Array:
    """``value`` everywhere, NaN where x is NaN (derivatives of NaN are NaN)."""
    return xp.where(xp.isnan(x), x, value)


def split_constant(value: Callable[[Any], Any]) -> tuple[float, float]:
    """A constant, given as ``mpmath -> mpf``, as an unevaluated float64 pair (hi, lo)."""
    import mpmath

    with mpmath.workdps(60):
        v = mpmath.mpf(value(mpmath))
        hi = float(v)
        lo = float(v - hi)
    return hi, lo


SQRT_2PI = math.sqrt(2.0 * math.pi)
