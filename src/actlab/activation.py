"""The Activation base class: parameters, validation, dtype policy and backends.

A catalogue entry subclasses :class:`Activation` and supplies, side by side, its
definition (``formula``, in the language of :mod:`actlab.formula`) and three kernels
written against an array namespace ``xp`` (:mod:`actlab.backend`)::

    f(xp, x, **params)        the activation
    df(xp, x, **params)       df/dx
    d2f(xp, x, **params)      d2f/dx2
    dparams(xp, x, **params)  {name: df/dparam} for each learnable parameter

This module turns those into the public API (``act(x)``, ``act.grad(x)``, ...), which
accepts NumPy arrays, Python scalars and torch tensors, keeps shape and dtype, and
writes into ``out=`` when given one.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, ClassVar

import numpy as np

from actlab import backend, blocks

Array = Any


#: the cost classes of :attr:`Activation.cost`, cheapest first: a threshold, sqrt and
#: division, exp/log, sin/atan, erf (the experiment ``exp-cost`` measures the gap)
COSTS = ("piecewise-linear", "algebraic", "exp", "trig", "erf")


def cost_rank(cost: str) -> int:
    """Position of a cost class in :data:`COSTS` (unknown classes last)."""
    return COSTS.index(cost) if cost in COSTS else len(COSTS)


@dataclass(frozen=True)
class Param:
    """A parameter of an activation: its default, allowed interval and role.

    The interval is ``lo < v < hi`` with ``lo_open``/``hi_open`` saying whether the
    ends are excluded; values must always be finite.
    """

    name: str
    default: float
    lo: float = -math.inf
    hi: float = math.inf
    lo_open: bool = True
    hi_open: bool = True
    learnable: bool = False
    doc: str = ""

    def allowed(self) -> str:
        """The allowed range in words, e.g. 'a finite number > 0'."""
        parts = []
        if self.lo > -math.inf:
            parts.append(f"{'>' if self.lo_open else '>='} {self.lo:g}")
        if self.hi < math.inf:
            parts.append(f"{'<' if self.hi_open else '<='} {self.hi:g}")
        return "a finite number" + (" " + " and ".join(parts) if parts else "")

    def validate(self, owner: str, value: Any) -> float:
        ok_type = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(
            value, (bool, np.bool_))
        v = float(value) if ok_type else math.nan
        inside = (
            ok_type and math.isfinite(v)
            and (v > self.lo if self.lo_open else v >= self.lo)
            and (v < self.hi if self.hi_open else v <= self.hi)
        )
        if not inside:
            raise ValueError(f"The {self.name!r} parameter of {owner} must be {self.allowed()}. "
                             f"Got {value!r} instead.")
        return v


class Activation:
    """Base class of every activation; see the module docstring for the contract."""

    #: canonical name (lower case, underscores)
    name: ClassVar[str]
    aliases: ClassVar[tuple[str, ...]] = ()
    parameters: ClassVar[tuple[Param, ...]] = ()
    #: the definition, in the formula language; SymPy derives f' and f'' from it
    formula: ClassVar[str]
    #: where it comes from
    reference: ClassVar[str] = ""
    #: what f', f'' are at points where f is not (twice) differentiable
    kinks: ClassVar[str] = "none: f is smooth (infinitely differentiable)."
    #: the same function in PyTorch, for parity tests and benchmarks: (F, x, **params) -> y,
    #: where F is torch.nn.functional; None when PyTorch has no such function
    torch_equivalent: ClassVar[Callable[..., Array] | None] = None
    #: the tutorials' NumPy one-liner, for benchmarks: a function (np, x, **params)
    naive: ClassVar[Callable[..., Array] | None] = None
    #: what one evaluation costs: one of :data:`COSTS`
    cost: ClassVar[str] = "exp"
    #: evaluate without floating-point warnings (user formulas; catalogue entries never warn)
    quiet: ClassVar[bool] = False

    # kernels: provided by subclasses -------------------------------------------------
    f: ClassVar[Callable[..., Array]]
    df: ClassVar[Callable[..., Array]]
    d2f: ClassVar[Callable[..., Array]]
    #: optional fast paths for one float32/float64 NumPy block, given in its own dtype, for
    #: entries where the float64 round trip costs more than the function (piecewise-linear
    #: ones): ``f_block(x, out, **params)`` writes f(x) into ``out`` (which may be x),
    #: ``backward_block(x, g, out, **params)`` writes g * f'(x) (``out`` may be g). They
    #: must give the values of f and g * df (tests/test_blocks.py checks it).
    f_block: ClassVar[Callable[..., None] | None] = None
    backward_block: ClassVar[Callable[..., None] | None] = None
    #: optional cheaper kernels {"f" | "df" | "d2f": kernel} for float16/float32 NumPy
    #: arrays (still given float64 arrays). For such inputs x^2 is exact in float64, and a
    #: float64 error below ~1e-12 relative moves the rounded result by at most one ulp,
    #: so SciPy's ufuncs and uncorrected formulas suffice; test_accuracy.py holds them to
    #: the same bars as the others.
    float32_kernels: ClassVar[Mapping[str, Callable[..., Array]]] = MappingProxyType({})

    @staticmethod
    def dparams(xp: Any, x: Array, **params: float) -> dict[str, Array]:
        return {}

    @classmethod
    def check(cls, params: dict[str, float]) -> None:
        """Constraints between parameters (override); raise ValueError naming them."""

    # construction ----------------------------------------------------------------------
    def __init__(self, **params: Any) -> None:
        known = {p.name: p for p in self.parameters}
        unknown = [k for k in params if k not in known]
        if unknown:
            allowed = ", ".join(known) or "none"
            raise ValueError(f"{self.name} got an unexpected parameter {unknown[0]!r}; "
                             f"its parameters are: {allowed}.")
        values = {name: p.validate(self.name, params.get(name, p.default))
                  for name, p in known.items()}
        type(self).check(values)
        self._params = values

    @property
    def params(self) -> Mapping[str, float]:
        """The parameter values (read-only)."""
        return MappingProxyType(self._params)

    @property
    def properties(self) -> Any:
        """Computed properties (range, monotonicity, max slope, moments, ...); see
        :func:`actlab.properties.properties`."""
        from actlab.properties import properties

        return properties(self)

    @property
    def learnable(self) -> tuple[str, ...]:
        """Names of the parameters that are trained by default."""
        return tuple(p.name for p in self.parameters if p.learnable)

    def spec(self) -> dict[str, Any]:
        """``{"name": ..., **params}``; ``actlab.get(**act.spec()) == act``."""
        return {"name": self.name, **self._params}

    def replace(self, **params: Any) -> Activation:
        """A copy with some parameters changed (activations are immutable)."""
        return type(self)(**{**self._params, **params})

    def __repr__(self) -> str:
        args = "".join(f", {k}={v!r}" for k, v in self._params.items())
        return f"actlab.get({self.name!r}{args})"

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other._params == self._params  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((type(self), tuple(self._params.items())))

    # evaluation --------------------------------------------------------------------------
    def __call__(self, x: Array, *, out: Array | None = None) -> Array:
        """f(x), elementwise. Same shape and dtype as ``x``; written into ``out`` if given."""
        if type(x) is np.ndarray and x.dtype == _F64:  # fast path (training loops)
            return self._numpy(type(self).f, x, None, out) if x.ndim else self._eval(
                type(self).f, x, out)
        if backend.is_torch(x) and _needs_autograd(x):
            from actlab.torch.function import apply

            return _into(apply(self, x), out)
        return self._eval(type(self).f, x, out)

    forward = __call__

    def grad(self, x: Array, *, out: Array | None = None) -> Array:
        """f'(x), elementwise, from the analytic derivative."""
        return self._eval(type(self).df, x, out)

    def grad2(self, x: Array, *, out: Array | None = None) -> Array:
        """f''(x), elementwise, from the analytic second derivative."""
        return self._eval(type(self).d2f, x, out)

    def backward(self, x: Array, g: Array, *, out: Array | None = None) -> Array:
        """g * f'(x): the vector-Jacobian product used in backpropagation.

        For float32/float64 NumPy arrays of one shape and dtype this is one pass: f'
        is evaluated in float64 block by block and multiplied by g before the single
        rounding to the dtype. ``out`` may be ``g`` itself (in-place update).
        """
        if (type(x) is np.ndarray and type(g) is np.ndarray and x.ndim and g.shape == x.shape
                and g.dtype == x.dtype and (x.dtype == _F64 or x.dtype == _F32)):
            return self._numpy(type(self).df, x, g, out)
        d = self.grad(x)
        if out is None:
            return d * g
        if type(out) is np.ndarray and out.shape == d.shape and out.dtype == d.dtype:
            return np.multiply(d, g, out=out)
        return _into(d * g, out)

    def param_grads(self, x: Array) -> dict[str, Array]:
        """{param: df/dparam(x)} elementwise, for each learnable parameter."""
        xp, x64, restore = _prepare(x)
        with xp.errstate(self.quiet):  # the cast back may overflow float16 too
            grads = type(self).dparams(xp, x64, **self._params)
            return {k: restore(v) for k, v in grads.items()}

    def _eval(self, kernel: Callable[..., Array], x: Array, out: Array | None) -> Array:
        if type(x) is np.ndarray and x.ndim and (x.dtype == _F64 or x.dtype == _F32
                                                 or x.dtype == _F16):
            return self._numpy(kernel, x, None, out)
        xp, x64, restore = _prepare(x)
        with xp.errstate(self.quiet):  # the cast back may overflow float16 too
            result = restore(kernel(xp, x64, **self._params))
        return _into(result, out)

    def _numpy(self, kernel: Callable[..., Array], x: np.ndarray, g: np.ndarray | None,
               out: Array | None) -> Array:
        """kernel(x), or g * kernel(x), for a float NumPy array x (ndim >= 1).

        Arrays above ``blocks.DIRECT`` elements go through :func:`actlab.blocks.run`;
        smaller ones are one block on this thread. Either way every block is computed
        the same way (in float64 and rounded once into the result, or by the entry's
        exact fast path), so both give the same bits.
        """
        if out is not None and not (type(out) is np.ndarray and out.dtype == x.dtype
                                    and out.shape == x.shape):
            return _into(self._numpy(kernel, x, g, None), out)  # casts, or raises
        params = self._params
        cls = type(self)
        fast = (cls.f_block if kernel is cls.f else None) if g is None else cls.backward_block
        if x.dtype != _F64:
            fast = None if x.dtype == _F16 else fast  # float16: the float64 kernels
            if cls.float32_kernels:
                which = {cls.f: "f", cls.df: "df", cls.d2f: "d2f"}.get(kernel)
                kernel = cls.float32_kernels.get(which, kernel) if which else kernel
        if x.size <= blocks.DIRECT:
            with backend.NUMPY.errstate(self.quiet):
                if out is None and g is None and fast is None and x.dtype == np.float64:
                    return kernel(backend.NUMPY, x, **params)
                dst = np.empty(x.shape, x.dtype) if out is None else out
                _block(kernel, fast, params, x, g, dst)
            return dst
        if out is not None and not _blockable(out, x, g):
            return _into(self._numpy(kernel, x, g, None), out)
        dst = np.empty(x.shape, x.dtype) if out is None else out
        xf, df = x.reshape(-1), dst.reshape(-1)  # df: a view (dst is C-contiguous)
        gf = None if g is None else g.reshape(-1)
        # Fast paths make few temporaries: larger blocks, less Python overhead per element.
        blocks.run(lambda s, e: _block(kernel, fast, params, xf[s:e],
                                       None if gf is None else gf[s:e], df[s:e]),
                   x.size, lambda: backend.NUMPY.errstate(self.quiet),
                   blocks.BLOCK * (blocks.FAST_BLOCKS if fast is not None else 1))
        return dst


def _block(kernel: Callable[..., Array], fast: Callable[..., None] | None,
           params: dict[str, float], x: np.ndarray, g: np.ndarray | None,
           dst: np.ndarray) -> None:
    """Write kernel(x) (or g * kernel(x)) for one block into dst: through the entry's
    fast path if it has one, else in float64, rounded once to dst's dtype."""
    if fast is not None:
        if g is None:
            fast(x, dst, **params)
        else:
            fast(x, g, dst, **params)
        return
    store(kernel(backend.NUMPY, x if x.dtype == _F64 else x.astype(np.float64), **params),
          g, dst)


def store(r: np.ndarray, g: np.ndarray | None, dst: np.ndarray) -> None:
    """Write the float64 kernel values r (or g * r) into dst, rounded once to its dtype."""
    if g is None:
        dst[...] = r
    elif g.dtype == _F64:
        np.multiply(r, g, out=dst)
    else:  # the same product; a mixed-dtype ufunc loop (buffered casts) is ~30% slower
        t = g.astype(np.float64)
        np.multiply(r, t, out=t)
        dst[...] = t


def _needs_autograd(x: Array) -> bool:
    import torch

    return bool(torch.is_grad_enabled() and x.requires_grad)


_ACCEPTED = (np.float16, np.float32, np.float64)
_F16, _F32, _F64 = np.dtype(np.float16), np.dtype(np.float32), np.dtype(np.float64)


def _blockable(out: np.ndarray, x: np.ndarray, g: np.ndarray | None) -> bool:
    """True if results can be written straight into ``out`` block by block: C-contiguous,
    writeable, and x (or g) itself or overlapping neither (a block must not overwrite
    input that a later block reads). One block needs none of this: each ufunc handles
    overlap between its own operands."""
    flags = out.flags
    if not (flags.c_contiguous and flags.writeable):
        return False
    for a in (x, g):
        if (a is not None and a is not out and np.may_share_memory(out, a)
                and (a.ctypes.data != out.ctypes.data or a.strides != out.strides)):
            return False
    return True


def _prepare(x: Array) -> tuple[Any, Array, Callable[[Array], Array]]:
    """Return (namespace, float64 copy of x, function casting a result back).

    Computing float16 and float32 in float64 makes their results correctly rounded up
    to a double rounding, so the float64 kernels carry the whole accuracy burden.
    """
    if backend.is_torch(x):
        import torch

        if not (x.is_floating_point() and x.dtype in (torch.float16, torch.bfloat16,
                                                      torch.float32, torch.float64)):
            raise TypeError(f"x must be a floating-point tensor (float16, bfloat16, float32 or "
                            f"float64). Got dtype {x.dtype} instead.")
        dtype = x.dtype
        return backend.torch_ops(), x.to(torch.float64), lambda r: r.to(dtype)
    arr = np.asarray(x)
    scalar = arr.ndim == 0 and not isinstance(x, np.ndarray)
    if arr.dtype.kind in "biu":
        dtype = np.dtype(np.float64)
    elif arr.dtype.type in _ACCEPTED:
        dtype = arr.dtype
    else:
        raise TypeError(f"x must be real numbers (float16, float32, float64 or integers). "
                        f"Got dtype {arr.dtype} instead.")
    x64 = arr.astype(np.float64, copy=False)
    if scalar:
        return backend.NUMPY, x64, lambda r: dtype.type(r)
    return backend.NUMPY, x64, lambda r: np.asarray(r).astype(dtype, copy=False)


def _into(result: Array, out: Array | None) -> Array:
    if out is None:
        return result
    if backend.is_torch(out):
        out.copy_(result)
        return out
    if not isinstance(out, np.ndarray):
        raise TypeError(f"out must be a numpy.ndarray. Got {type(out).__name__} instead.")
    if out.shape != np.shape(result):
        raise ValueError(f"out must have shape {np.shape(result)}. Got {out.shape} instead.")
    if out.dtype.kind != "f":
        raise TypeError(f"out must have a floating dtype. Got {out.dtype} instead.")
    np.copyto(out, result, casting="same_kind")
    return out
