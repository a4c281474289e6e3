r"""Weight initialisers for NumPy arrays and PyTorch tensors.

Every initialiser takes, as its first argument, either

* a **shape** (an int or a tuple of ints): it returns a new NumPy array of that shape
  (dtype ``float64`` unless ``dtype=`` says otherwise), drawn with ``rng=``, a
  :class:`numpy.random.Generator`; or
* a **torch tensor**: it fills the tensor in place (under ``torch.no_grad()``, like
  ``torch.nn.init.*_``), keeps its dtype and device, draws with ``generator=`` (a
  :class:`torch.Generator`, or None for torch's global one) and returns the tensor.

Randomness is always explicit and keyword-only: there is no hidden global state on the
NumPy side, so ``rng`` is required there.

Fans. The initialisers that scale with the layer size need at least 2 dimensions (use
:func:`zeros` for biases). The two backends store weights differently, and the fans
follow the storage, so that the *same layer* gets the *same variance* on both:

* NumPy (the JAX convention): a dense weight is ``(in, out)``, used as ``y = x @ W``; a
  conv kernel is ``(*kernel, in, out)``. With ``rf = prod(shape[:-2])`` (the receptive
  field), ``fan_in = shape[-2] * rf`` and ``fan_out = shape[-1] * rf``.
* torch (torch's own layout, ``nn.Linear.weight``, ``nn.Conv2d.weight``): a dense weight
  is ``(out, in)``, used as ``y = x @ W.T``; a conv kernel is ``(out, in, *kernel)``.
  With ``rf = prod(shape[2:])``, ``fan_in = shape[1] * rf`` and ``fan_out = shape[0] * rf``.

>>> import numpy as np
>>> from actlab import init
>>> w = init.he_normal((400, 300), rng=np.random.default_rng(0))  # 400 inputs -> 300 units
>>> w.shape, w.dtype, round(float(w.var() * 400), 1)  # variance 2 / fan_in
((400, 300), dtype('float64'), 2.0)
>>> init.get("kaiming_uniform") is init.he_uniform
True
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.special import erfinv

from actlab import backend
from actlab.activation import Activation, Param

Array = Any
Shape = Any  # an int, a tuple of ints, or a torch.Tensor to fill

_BY_NAME: dict[str, Callable[..., Array]] = {}
_ALIASES: dict[str, str] = {}


def _register(fn: Callable[..., Array]) -> Callable[..., Array]:
    _BY_NAME[fn.__name__] = fn
    return fn


def _alias(alias: str, fn: Callable[..., Array]) -> Callable[..., Array]:
    _ALIASES[alias] = fn.__name__
    return fn


# ----------------------------------------------------------------------------------
# The boundary: what the caller passed, validated once.
# ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Target:
    """A validated request: a new NumPy array (``tensor is None``) or a tensor to fill."""

    owner: str
    shape: tuple[int, ...]
    tensor: Any = None
    rng: np.random.Generator | None = None
    generator: Any = None
    dtype: np.dtype | None = None

    def fans(self) -> tuple[int, int]:
        s = self.shape
        if self.tensor is None:  # NumPy / JAX: (*kernel, in, out)
            rf = math.prod(s[:-2])
            return s[-2] * rf, s[-1] * rf
        rf = math.prod(s[2:])  # torch: (out, in, *kernel)
        return s[1] * rf, s[0] * rf


_NOT_RANDOM = object()


def _target(owner: str, shape: Shape, dtype: Any, *, rng: Any = _NOT_RANDOM,
            generator: Any = None, min_ndim: int = 0) -> _Target:
    random = rng is not _NOT_RANDOM
    if backend.is_torch(shape):
        import torch

        if not shape.is_floating_point():
            raise TypeError(f"The tensor passed to {owner} must have a floating dtype. "
                            f"Got {shape.dtype} instead.")
        if dtype is not None:
            raise ValueError(f"The 'dtype' parameter of {owner} must be None when filling a "
                             f"tensor (the tensor keeps its dtype, {shape.dtype}). "
                             f"Got {dtype!r} instead.")
        if random and rng is not None:
            raise TypeError(f"rng must be None when filling a torch tensor (pass generator=, "
                            f"a torch.Generator). Got {type(rng).__name__} instead.")
        if generator is not None and not isinstance(generator, torch.Generator):
            raise TypeError(f"generator must be a torch.Generator or None. "
                            f"Got {type(generator).__name__} instead.")
        dims, tensor, np_dtype = tuple(shape.shape), shape, None
        described = f"a tensor of shape {dims}"
    else:
        dims, tensor = _dims(owner, shape), None
        described = repr(shape)
        if random and not isinstance(rng, np.random.Generator):
            got = "None" if rng is None else type(rng).__name__
            raise TypeError(f"rng must be a numpy.random.Generator (e.g. "
                            f"np.random.default_rng(0)). Got {got} instead.")
        if generator is not None:
            raise TypeError(f"generator is for torch tensors; pass rng= (a "
                            f"numpy.random.Generator) for a NumPy shape. "
                            f"Got {type(generator).__name__} instead.")
        np_dtype = _float_dtype(owner, dtype)
    if len(dims) < min_ndim:
        raise ValueError(f"The 'shape' parameter of {owner} must have at least {min_ndim} "
                         f"dimensions (fan_in, fan_out); use zeros for biases. "
                         f"Got {described} instead.")
    return _Target(owner, dims, tensor, rng if random else None, generator, np_dtype)


def _dims(owner: str, shape: Any) -> tuple[int, ...]:
    items = (shape,) if isinstance(shape, (int, np.integer)) else shape
    ok = isinstance(items, (tuple, list)) and all(
        isinstance(n, (int, np.integer)) and not isinstance(n, (bool, np.bool_)) and n >= 0
        for n in items)
    if not ok:
        got = f"an ndarray of shape {shape.shape}" if isinstance(shape, np.ndarray) else repr(shape)
        raise ValueError(f"The 'shape' parameter of {owner} must be a non-negative int or a "
                         f"tuple of them (or a torch tensor to fill). Got {got} instead.")
    return tuple(int(n) for n in items)


def _float_dtype(owner: str, dtype: Any) -> np.dtype:
    if dtype is None:
        return np.dtype(np.float64)
    try:
        dt = np.dtype(dtype)
    except TypeError:
        dt = None
    if dt is None or dt.kind != "f":
        raise ValueError(f"The 'dtype' parameter of {owner} must be a floating dtype "
                         f"(float16, float32, float64). Got {dtype!r} instead.")
    return dt


def _choice(owner: str, name: str, value: Any, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise ValueError(f"The {name!r} parameter of {owner} must be one of "
                         f"{', '.join(repr(a) for a in allowed)}. Got {value!r} instead.")
    return value


_MODES = ("fan_in", "fan_out", "fan_avg")
_DISTRIBUTIONS = ("normal", "truncated_normal", "uniform")
_NONNEG = {name: Param(name, 1.0, lo=0.0, lo_open=False) for name in ("std", "scale", "gain")}


def _finite(owner: str, name: str, value: Any) -> float:
    return Param(name, 0.0).validate(owner, value)


# ----------------------------------------------------------------------------------
# Sampling: the NumPy and torch versions of each distribution, side by side.
# ----------------------------------------------------------------------------------
#: std of N(0, 1) truncated to [-2, 2]: sqrt(1 - 4 phi(2) / (2 Phi(2) - 1))
_TRUNCATED_STD = 0.87962566103423978
_ERF_SQRT2 = math.erf(math.sqrt(2.0))  # P(|z| < 2) = 2 Phi(2) - 1 for z ~ N(0, 1)


def _draw(t: _Target, kind: str, p: float, q: float) -> Array:
    """Samples: "normal" (mean p, std q), "uniform" (on [p, q]) or "truncated_normal"
    (p + q z, z ~ N(0, 1) truncated to [-2, 2]); computed in float64 for NumPy and in
    float32/float64 for torch, then stored in the target dtype."""
    if t.tensor is None:
        rng = t.rng
        if kind == "normal":
            x = rng.normal(p, q, t.shape)
        elif kind == "uniform":
            x = rng.uniform(p, q, t.shape)
        else:
            # NOTE: inverse-CDF sampling (as JAX and torch do): erfinv maps
            # U(-erf(sqrt 2), erf(sqrt 2)) onto [-2, 2] / sqrt 2. The clip only absorbs
            # erfinv's last-ulp rounding at the ends, so |w| <= 2 q holds exactly.
            u = rng.uniform(-_ERF_SQRT2, _ERF_SQRT2, t.shape)
            x = p + q * np.clip(math.sqrt(2.0) * erfinv(u), -2.0, 2.0)
        return np.asarray(x).astype(t.dtype, copy=False)

    def fill(work: Array) -> None:
        g = t.generator
        if kind == "normal":
            work.normal_(p, q, generator=g)
        elif kind == "uniform":
            work.uniform_(p, q, generator=g)
        else:
            work.uniform_(-_ERF_SQRT2, _ERF_SQRT2, generator=g).erfinv_()
            work.mul_(math.sqrt(2.0)).clamp_(-2.0, 2.0).mul_(q).add_(p)

    return _fill_tensor(t.tensor, fill)


def _fill_tensor(tensor: Array, fill: Callable[[Array], None]) -> Array:
    """Run ``fill`` on a float32/float64 working copy (float16/bfloat16 tensors are
    drawn in float32, like everything else in actlab) and copy it into ``tensor``."""
    import torch

    with torch.no_grad():
        work_dtype = torch.float64 if tensor.dtype == torch.float64 else torch.float32
        work = tensor if tensor.dtype == work_dtype else torch.empty_like(tensor, dtype=work_dtype)
        fill(work)
        if work is not tensor:
            tensor.copy_(work)
    return tensor


def _scaled(t: _Target, scale: float, mode: str, distribution: str) -> Array:
    """The variance-scaling draw, once its arguments are validated."""
    fan_in, fan_out = t.fans()
    fan = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[mode]
    # fan is 0 only for a shape with a 0 dimension, where nothing is drawn
    variance = scale / fan if fan else 0.0
    if distribution == "normal":
        return _draw(t, "normal", 0.0, math.sqrt(variance))
    if distribution == "truncated_normal":
        return _draw(t, "truncated_normal", 0.0, math.sqrt(variance) / _TRUNCATED_STD)
    limit = math.sqrt(3.0 * variance)
    return _draw(t, "uniform", -limit, limit)


# ----------------------------------------------------------------------------------
# Constant and plain random initialisers.
# ----------------------------------------------------------------------------------
@_register
def zeros(shape: Shape, *, dtype: Any = None) -> Array:
    """All zeros: the initialiser for biases (for weights it makes every unit of a layer
    compute, and learn, the same thing).

    Args:
        shape: an int or tuple of ints, or a torch tensor to fill in place.
        dtype: NumPy floating dtype of a new array (default float64); None for a tensor.

    >>> zeros((2, 3), dtype=np.float32)
    array([[0., 0., 0.],
           [0., 0., 0.]], dtype=float32)
    """
    return _constant("zeros", shape, 0.0, dtype)


@_register
def constant(shape: Shape, value: float, *, dtype: Any = None) -> Array:
    """Every entry equal to ``value``, a finite number (finite in ``dtype`` too).

    >>> constant(3, 0.1)
    array([0.1, 0.1, 0.1])
    """
    return _constant("constant", shape, value, dtype)


def _constant(owner: str, shape: Shape, value: float, dtype: Any) -> Array:
    t = _target(owner, shape, dtype)
    v = _finite(owner, "value", value)
    if t.tensor is not None:
        return _fill_tensor(t.tensor, lambda w: w.fill_(v))
    with np.errstate(over="ignore"):  # an overflow to inf is reported just below
        stored = t.dtype.type(v)
    if not np.isfinite(stored):
        raise ValueError(f"The 'value' parameter of {owner} must be finite in {t.dtype}. "
                         f"Got {value!r} instead.")
    return np.full(t.shape, stored, dtype=t.dtype)


@_register
def normal(shape: Shape, std: float = 1.0, mean: float = 0.0, *, rng: Any = None,
           generator: Any = None, dtype: Any = None) -> Array:
    r"""Gaussian entries, :math:`w \sim \mathcal{N}(\text{mean}, \text{std}^2)`.

    Args:
        shape: an int or tuple of ints, or a torch tensor to fill in place.
        std: standard deviation, a finite number >= 0.
        mean: a finite number.
        rng: a :class:`numpy.random.Generator` (required for a shape).
        generator: a :class:`torch.Generator` or None (only for a tensor).
        dtype: NumPy floating dtype of a new array (default float64).

    >>> w = normal((200, 300), std=0.5, mean=1.0, rng=np.random.default_rng(0))
    >>> round(float(w.mean()), 2), round(float(w.std()), 2)
    (1.0, 0.5)
    """
    t = _target("normal", shape, dtype, rng=rng, generator=generator)
    s = _NONNEG["std"].validate("normal", std)
    return _draw(t, "normal", _finite("normal", "mean", mean), s)


@_register
def uniform(shape: Shape, a: float = -1.0, b: float = 1.0, *, rng: Any = None,
            generator: Any = None, dtype: Any = None) -> Array:
    r"""Uniform entries, :math:`w \sim U(a, b)`: mean :math:`(a+b)/2`, variance
    :math:`(b-a)^2/12`.

    Args:
        a, b: the interval, finite numbers with ``a <= b``.
        (the rest as in :func:`normal`)

    >>> w = uniform((200, 300), 0.0, 2.0, rng=np.random.default_rng(0))
    >>> bool(0.0 <= w.min() < w.max() < 2.0), round(float(w.var()), 2)  # (b - a)^2 / 12
    (True, 0.33)
    """
    t = _target("uniform", shape, dtype, rng=rng, generator=generator)
    lo, hi = _finite("uniform", "a", a), _finite("uniform", "b", b)
    if lo > hi:
        raise ValueError(f"The 'b' parameter of uniform must be >= a (a = {a!r}). "
                         f"Got {b!r} instead.")
    return _draw(t, "uniform", lo, hi)


@_register
def small_random(shape: Shape, *, rng: Any = None, generator: Any = None, scale: float = 0.01,
                 dtype: Any = None) -> Array:
    r"""The tutorials' ``np.random.randn(*shape) * 0.01``: :math:`w \sim
    \mathcal{N}(0, \text{scale}^2)`, whatever the layer size.

    Fine for a shallow network; in a deep one the signal shrinks by a factor of about
    ``scale * sqrt(fan_in)`` per layer, which is what the variance-scaling
    initialisers fix.

    >>> w = small_random((200, 300), rng=np.random.default_rng(0))
    >>> round(float(w.std()), 3)
    0.01
    """
    t = _target("small_random", shape, dtype, rng=rng, generator=generator)
    return _draw(t, "normal", 0.0, _NONNEG["scale"].validate("small_random", scale))


# ----------------------------------------------------------------------------------
# Variance scaling and its presets.
# ----------------------------------------------------------------------------------
@_register
def variance_scaling(shape: Shape, scale: float = 1.0, mode: str = "fan_in",
                     distribution: str = "normal", *, rng: Any = None, generator: Any = None,
                     dtype: Any = None) -> Array:
    r"""Zero-mean entries with variance scaled to the layer size (JAX/Keras semantics).

    .. math:: \operatorname{Var}(w) = \frac{\text{scale}}{n},\qquad
              n = \text{fan\_in},\ \text{fan\_out}\ \text{or}\
              \tfrac12(\text{fan\_in} + \text{fan\_out})

    (``mode`` = "fan_in", "fan_out", "fan_avg"; fans as in the module docstring).

    ``distribution``:

    * "normal": :math:`\mathcal{N}(0, \sigma^2)`, :math:`\sigma = \sqrt{\text{scale}/n}`;
    * "truncated_normal": :math:`\mathcal{N}(0, s^2)` cut at :math:`\pm 2s`, with
      :math:`s = \sigma / 0.87962566103423978`; the constant is the standard deviation of
      N(0, 1) truncated to [-2, 2], so the variance is exactly :math:`\sigma^2` and
      :math:`|w| \le 2s`;
    * "uniform": :math:`U(-\ell, \ell)` with :math:`\ell = \sqrt{3\,\text{scale}/n}`.

    Args:
        shape: a shape with at least 2 dimensions, or a torch tensor to fill in place.
        scale: a finite number >= 0.
        mode: "fan_in" (keeps the forward signal's variance), "fan_out" (the backward
            gradient's) or "fan_avg" (a compromise).
        distribution: "normal", "truncated_normal" or "uniform".
        rng, generator, dtype: as in :func:`normal`.

    >>> w = variance_scaling((400, 300), 2.0, "fan_out", "truncated_normal",
    ...                      rng=np.random.default_rng(0))
    >>> round(float(w.var() * 300), 1), bool(np.abs(w).max() <= 2 * np.sqrt(2 / 300) / 0.8796)
    (2.0, True)
    """
    t = _target("variance_scaling", shape, dtype, rng=rng, generator=generator, min_ndim=2)
    s = _NONNEG["scale"].validate("variance_scaling", scale)
    m = _choice("variance_scaling", "mode", mode, _MODES)
    d = _choice("variance_scaling", "distribution", distribution, _DISTRIBUTIONS)
    return _scaled(t, s, m, d)


def _preset(owner: str, shape: Shape, scale: float, mode: str, distribution: str, rng: Any,
            generator: Any, dtype: Any) -> Array:
    t = _target(owner, shape, dtype, rng=rng, generator=generator, min_ndim=2)
    return _scaled(t, scale, mode, distribution)


# NOTE: the *_normal presets draw from the plain normal, as the papers and torch do; JAX
# and Keras use "truncated_normal" there (same variance, tails cut at 2 std). For theirs,
# call variance_scaling(shape, scale, mode, "truncated_normal").
@_register
def xavier_normal(shape: Shape, gain: float = 1.0, *, rng: Any = None, generator: Any = None,
                  dtype: Any = None) -> Array:
    r"""Glorot/Xavier normal: :math:`w \sim \mathcal{N}(0, \sigma^2)`,
    :math:`\sigma^2 = \text{gain}^2 \cdot \frac{2}{\text{fan\_in} + \text{fan\_out}}`.

    Keeps the variance of activations and of gradients roughly constant across layers of
    a network with a symmetric, unit-slope activation (tanh near 0). Alias:
    ``glorot_normal``. Reference: Glorot & Bengio (2010), "Understanding the difficulty
    of training deep feedforward neural networks", AISTATS.

    Args:
        gain: multiplies the standard deviation; a finite number >= 0.

    >>> w = xavier_normal((400, 300), rng=np.random.default_rng(0))
    >>> round(float(w.var() * (400 + 300) / 2), 1)
    1.0
    """
    g = _NONNEG["gain"].validate("xavier_normal", gain)
    return _preset("xavier_normal", shape, g * g, "fan_avg", "normal", rng, generator, dtype)


@_register
def xavier_uniform(shape: Shape, gain: float = 1.0, *, rng: Any = None, generator: Any = None,
                   dtype: Any = None) -> Array:
    r"""Glorot/Xavier uniform: :math:`w \sim U(-\ell, \ell)`,
    :math:`\ell = \text{gain} \sqrt{\frac{6}{\text{fan\_in} + \text{fan\_out}}}`
    (variance :math:`\text{gain}^2 \cdot 2/(\text{fan\_in} + \text{fan\_out})`).

    Alias: ``glorot_uniform``. Reference: Glorot & Bengio (2010), AISTATS.

    >>> w = xavier_uniform((400, 300), rng=np.random.default_rng(0))
    >>> bool(np.abs(w).max() <= np.sqrt(6 / 700)), round(float(w.var() * 350), 1)
    (True, 1.0)
    """
    g = _NONNEG["gain"].validate("xavier_uniform", gain)
    return _preset("xavier_uniform", shape, g * g, "fan_avg", "uniform", rng, generator, dtype)


def _he_scale(owner: str, negative_slope: float) -> float:
    a = _finite(owner, "negative_slope", negative_slope)
    return 2.0 / (1.0 + a * a)


@_register
def he_normal(shape: Shape, negative_slope: float = 0.0, *, rng: Any = None,
              generator: Any = None, dtype: Any = None) -> Array:
    r"""He/Kaiming normal: :math:`w \sim \mathcal{N}(0, \sigma^2)`,
    :math:`\sigma^2 = \frac{2}{(1 + a^2)\,\text{fan\_in}}` with ``a = negative_slope``.

    A ReLU (a = 0) zeroes half of its input, halving the second moment; the factor 2
    restores it, so the forward signal neither explodes nor vanishes with depth. With
    ``a`` it is the leaky-ReLU version (torch's ``kaiming_normal_(a=a,
    nonlinearity="leaky_relu")``). Alias: ``kaiming_normal``. Reference: He, Zhang, Ren &
    Sun (2015), "Delving deep into rectifiers", ICCV.

    >>> w = he_normal((400, 300), negative_slope=1.0, rng=np.random.default_rng(0))
    >>> round(float(w.var() * 400), 1)  # a = 1 is linear: variance 1 / fan_in
    1.0
    """
    scale = _he_scale("he_normal", negative_slope)
    return _preset("he_normal", shape, scale, "fan_in", "normal", rng, generator, dtype)


@_register
def he_uniform(shape: Shape, negative_slope: float = 0.0, *, rng: Any = None,
               generator: Any = None, dtype: Any = None) -> Array:
    r"""He/Kaiming uniform: :math:`w \sim U(-\ell, \ell)`,
    :math:`\ell = \sqrt{\frac{6}{(1 + a^2)\,\text{fan\_in}}}` (variance
    :math:`2/((1+a^2)\,\text{fan\_in})`).

    Alias: ``kaiming_uniform``. Reference: He et al. (2015), ICCV.

    >>> w = he_uniform((400, 300), rng=np.random.default_rng(0))
    >>> bool(np.abs(w).max() <= np.sqrt(6 / 400)), round(float(w.var() * 400), 1)
    (True, 2.0)
    """
    scale = _he_scale("he_uniform", negative_slope)
    return _preset("he_uniform", shape, scale, "fan_in", "uniform", rng, generator, dtype)


@_register
def lecun_normal(shape: Shape, *, rng: Any = None, generator: Any = None,
                 dtype: Any = None) -> Array:
    r"""LeCun normal: :math:`w \sim \mathcal{N}(0, 1/\text{fan\_in})`.

    Unit-variance inputs give unit-variance pre-activations; the initialiser SELU's
    self-normalisation assumes. Reference: LeCun, Bottou, Orr & Müller (1998), "Efficient
    BackProp", in Neural Networks: Tricks of the Trade.

    >>> w = lecun_normal((400, 300), rng=np.random.default_rng(0))
    >>> round(float(w.var() * 400), 1)
    1.0
    """
    return _preset("lecun_normal", shape, 1.0, "fan_in", "normal", rng, generator, dtype)


@_register
def lecun_uniform(shape: Shape, *, rng: Any = None, generator: Any = None,
                  dtype: Any = None) -> Array:
    r"""LeCun uniform: :math:`w \sim U(-\ell, \ell)`, :math:`\ell = \sqrt{3/\text{fan\_in}}`
    (variance :math:`1/\text{fan\_in}`). Reference: LeCun et al. (1998), "Efficient
    BackProp".

    >>> w = lecun_uniform((400, 300), rng=np.random.default_rng(0))
    >>> bool(np.abs(w).max() <= np.sqrt(3 / 400)), round(float(w.var() * 400), 1)
    (True, 1.0)
    """
    return _preset("lecun_uniform", shape, 1.0, "fan_in", "uniform", rng, generator, dtype)


glorot_normal = _alias("glorot_normal", xavier_normal)
glorot_uniform = _alias("glorot_uniform", xavier_uniform)
kaiming_normal = _alias("kaiming_normal", he_normal)
kaiming_uniform = _alias("kaiming_uniform", he_uniform)


@_register
def orthogonal(shape: Shape, gain: float = 1.0, *, rng: Any = None, generator: Any = None,
               dtype: Any = None) -> Array:
    r"""A (semi-)orthogonal matrix times ``gain``, uniformly (Haar) distributed.

    .. math:: W = \text{gain}\cdot Q,\qquad A = QR,\ A_{ij} \sim \mathcal{N}(0, 1),
              \qquad Q \leftarrow Q\,\operatorname{diag}(\operatorname{sign} R_{ii})

    so :math:`W^\top W = \text{gain}^2 I` (more rows than columns) or :math:`W W^\top =
    \text{gain}^2 I`. All singular values equal ``gain``: a deep linear network keeps the
    norm of every signal, which is what makes its learning dynamics depth-independent.
    The sign correction makes Q Haar-distributed (without it QR's convention biases the
    signs), as in ``torch.nn.init.orthogonal_``.

    A shape with more than 2 dimensions is orthogonal as the matrix of its linear map:
    NumPy (as JAX) ``W.reshape(-1, shape[-1])``, the kernel and input dims flattened into
    rows; torch (as torch) ``W.reshape(shape[0], -1)``. Reference: Saxe, McClelland &
    Ganguli (2014), "Exact solutions to the nonlinear dynamics of learning in deep linear
    neural networks", ICLR.

    Args:
        gain: a finite number >= 0.

    >>> w = orthogonal((4, 3), gain=2.0, rng=np.random.default_rng(0))
    >>> np.allclose(w.T @ w, 4 * np.eye(3))
    True
    """
    t = _target("orthogonal", shape, dtype, rng=rng, generator=generator, min_ndim=2)
    g = _NONNEG["gain"].validate("orthogonal", gain)
    if t.tensor is None:
        rows, cols = math.prod(t.shape[:-1]), t.shape[-1]
    else:
        rows, cols = t.shape[0], math.prod(t.shape[1:])
    if rows * cols == 0:
        return _draw(t, "normal", 0.0, 0.0)  # nothing to draw
    tall = (max(rows, cols), min(rows, cols))
    if t.tensor is None:
        q, r = np.linalg.qr(t.rng.standard_normal(tall))
        q = q * np.where(np.diag(r) < 0, -1.0, 1.0)
        q = q if rows >= cols else q.T
        return (g * q).reshape(t.shape).astype(t.dtype, copy=False)

    def fill(work: Array) -> None:
        import torch

        q, r = torch.linalg.qr(work.new_empty(tall).normal_(0.0, 1.0, generator=t.generator))
        q = q * torch.where(torch.diagonal(r) < 0, -1.0, 1.0).to(q.dtype)
        q = q if rows >= cols else q.T
        work.copy_((g * q).reshape(t.shape))

    return _fill_tensor(t.tensor, fill)


@_register
def auto(shape: Shape, act: str | Activation, *, rng: Any = None, generator: Any = None,
         distribution: str = "normal", mode: str = "fan_in", dtype: Any = None) -> Array:
    r"""Variance scaling with the activation's own gain:

    .. math:: \operatorname{Var}(w) = \frac{\operatorname{gain}(f)^2}{n}

    with ``gain`` from :func:`actlab.properties.gain` and ``n`` as in
    :func:`variance_scaling` (``mode``). For ReLU (gain :math:`\sqrt 2`) this is
    :func:`he_normal`; for the identity it is :func:`lecun_normal`; it also covers the
    activations PyTorch has no gain for (GELU, SiLU, Mish, ...).

    Args:
        act: an activation name (``actlab.get(act)``) or an activation object.
        distribution, mode: as in :func:`variance_scaling`.

    >>> w = auto((400, 300), "relu", rng=np.random.default_rng(0))
    >>> round(float(w.var() * 400), 1)  # gain(relu)^2 = 2
    2.0
    """
    t = _target("auto", shape, dtype, rng=rng, generator=generator, min_ndim=2)
    m = _choice("auto", "mode", mode, _MODES)
    d = _choice("auto", "distribution", distribution, _DISTRIBUTIONS)
    # Lazily: properties is heavy (SymPy, SciPy optimisers) and only auto needs it.
    from actlab.properties import gain
    from actlab.registry import get as get_activation

    activation = get_activation(act)
    g = float(gain(activation))
    if not (math.isfinite(g) and g > 0):
        raise ValueError(f"auto needs a finite gain > 0, but actlab.properties.gain"
                         f"({activation!r}) is {g!r}.")
    return _scaled(t, g * g, m, d)


# ----------------------------------------------------------------------------------
# The registry of initialisers (for the CLI and the network).
# ----------------------------------------------------------------------------------
def names() -> list[str]:
    """Sorted canonical names of every initialiser.

    >>> "he_normal" in names(), "kaiming_normal" in names()
    (True, False)
    """
    return sorted(_BY_NAME)


def aliases() -> dict[str, str]:
    """{alias: canonical name}, e.g. ``{"glorot_normal": "xavier_normal", ...}``."""
    return dict(_ALIASES)


def get(name: str) -> Callable[..., Array]:
    """The initialiser called ``name`` or one of its aliases (case, '-' and '_' alike).

    >>> get("Kaiming-Normal").__name__
    'he_normal'
    """
    from actlab.registry import lookup

    return _BY_NAME[lookup("initialiser", name, _BY_NAME, _ALIASES)]


__all__ = ["aliases", "get", "names", *_BY_NAME, *_ALIASES]
