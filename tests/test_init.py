"""actlab.init: sampled statistics against the formulas (never against our own code),
orthogonality, NumPy/torch agreement, seeds, dtypes, validation messages, the registry.

Statistical tolerances are 5 standard errors of the estimate for the sample at hand,
so a correct initialiser fails with probability ~1e-6 per check (and the seeds are fixed,
so the suite is deterministic).
"""

from __future__ import annotations

import inspect
import math
import re

import numpy as np
import pytest

import actlab
import actlab.properties
from actlab import init

try:
    import torch
except ImportError:  # torch is optional
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="torch is not installed")
BACKENDS = ["numpy", pytest.param("torch", marks=needs_torch)]

# The same layer in both layouts, and its fans worked out by hand:
# NumPy (*kernel, in, out); torch (out, in, *kernel); rf = 5 * 5 = 25.
LAYERS = {
    "dense": {"numpy": (400, 300), "torch": (300, 400), "fan_in": 400, "fan_out": 300},
    "conv": {"numpy": (5, 5, 64, 128), "torch": (128, 64, 5, 5), "fan_in": 1600,
             "fan_out": 3200},
}


def _truncated_std(c: float = 2.0) -> float:
    """Std of N(0, 1) truncated to [-c, c]: sqrt(1 - 2 c phi(c) / (2 Phi(c) - 1))."""
    phi = math.exp(-c * c / 2) / math.sqrt(2 * math.pi)
    return math.sqrt(1 - 2 * c * phi / math.erf(c / math.sqrt(2)))


def make(backend: str, fn, layer: str, seed: int = 0, **kw) -> np.ndarray:
    """Draw ``layer`` with ``fn`` on ``backend``; return it as float64 NumPy."""
    shape = LAYERS[layer][backend]
    if backend == "numpy":
        return fn(shape, rng=np.random.default_rng(seed), **kw)
    t = torch.empty(shape, dtype=torch.float32)
    out = fn(t, generator=torch.Generator().manual_seed(seed), **kw)
    assert out is t
    return t.double().numpy()


# (id, initialiser, kwargs, variance(fan_in, fan_out) from the paper's formula, family)
A = 0.2  # a leaky-ReLU slope
CASES = [
    ("he_normal", init.he_normal, {}, lambda i, o: 2 / i, "normal"),
    ("he_normal-a", init.he_normal, {"negative_slope": A}, lambda i, o: 2 / ((1 + A**2) * i),
     "normal"),
    ("he_uniform", init.he_uniform, {}, lambda i, o: 2 / i, "uniform"),
    ("he_uniform-a", init.he_uniform, {"negative_slope": A},
     lambda i, o: 2 / ((1 + A**2) * i), "uniform"),
    ("kaiming_normal", init.kaiming_normal, {}, lambda i, o: 2 / i, "normal"),
    ("xavier_normal", init.xavier_normal, {}, lambda i, o: 2 / (i + o), "normal"),
    ("xavier_normal-gain", init.xavier_normal, {"gain": 5 / 3},
     lambda i, o: (5 / 3) ** 2 * 2 / (i + o), "normal"),
    ("xavier_uniform", init.xavier_uniform, {}, lambda i, o: 2 / (i + o), "uniform"),
    ("glorot_uniform-gain", init.glorot_uniform, {"gain": 0.5},
     lambda i, o: 0.25 * 2 / (i + o), "uniform"),
    ("lecun_normal", init.lecun_normal, {}, lambda i, o: 1 / i, "normal"),
    ("lecun_uniform", init.lecun_uniform, {}, lambda i, o: 1 / i, "uniform"),
    ("vs-fan_in-normal", init.variance_scaling, {"scale": 0.5}, lambda i, o: 0.5 / i, "normal"),
    ("vs-fan_out-truncated", init.variance_scaling,
     {"scale": 2.0, "mode": "fan_out", "distribution": "truncated_normal"},
     lambda i, o: 2 / o, "truncated_normal"),
    ("vs-fan_avg-truncated", init.variance_scaling,
     {"mode": "fan_avg", "distribution": "truncated_normal"},
     lambda i, o: 2 / (i + o), "truncated_normal"),
    ("vs-fan_avg-uniform", init.variance_scaling,
     {"scale": 3.0, "mode": "fan_avg", "distribution": "uniform"},
     lambda i, o: 6 / (i + o), "uniform"),
    ("small_random", init.small_random, {}, lambda i, o: 0.01**2, "normal"),
    ("small_random-scale", init.small_random, {"scale": 0.1}, lambda i, o: 0.1**2, "normal"),
    ("normal", init.normal, {"std": 0.3}, lambda i, o: 0.3**2, "normal"),
    ("uniform", init.uniform, {"a": -0.5, "b": 0.5}, lambda i, o: 1 / 12, "uniform"),
]


def check_statistics(w: np.ndarray, variance: float, family: str, rtol_bound: float) -> None:
    n = w.size
    # E[w] = 0: the standard error of the mean is sigma / sqrt(n).
    assert abs(w.mean()) <= 5 * math.sqrt(variance / n)
    # E[w^2] = variance: its standard error is sqrt((mu4 - sigma^4) / n) <= sigma^2 sqrt(2/n),
    # since mu4 / sigma^4 is 3 (normal), 9/5 (uniform) or less than 3 (truncated normal).
    assert abs(np.mean(w * w) - variance) <= 5 * variance * math.sqrt(2 / n)
    sigma = math.sqrt(variance)
    if family == "normal":  # a Gaussian tail: P(|w| > 2 sigma) = 1 - erf(sqrt 2)
        p = 1 - math.erf(math.sqrt(2))
        assert abs(np.mean(np.abs(w) > 2 * sigma) - p) <= 5 * math.sqrt(p * (1 - p) / n)
    elif family == "uniform":  # U(-l, l) has variance l^2 / 3
        limit = math.sqrt(3 * variance)
        assert np.abs(w).max() <= limit * (1 + rtol_bound)
        assert np.abs(w).max() >= 0.99 * limit  # P(all inside 0.99 l) = 0.99^n ~ 0
    else:  # N(0, s^2) cut at +-2s, s = sigma / std(N(0, 1) truncated to [-2, 2])
        bound = 2 * sigma / _truncated_std()
        assert np.abs(w).max() <= bound * (1 + rtol_bound)
        assert np.abs(w).max() >= 0.97 * bound  # P(|z| in [1.94, 2]) ~ 0.8 %


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("layer", list(LAYERS))
@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_sampled_statistics_match_the_formula(case, layer: str, backend: str) -> None:
    _, fn, kw, variance, family = case
    w = make(backend, fn, layer, **kw)
    assert w.shape == LAYERS[layer][backend]
    fans = LAYERS[layer]["fan_in"], LAYERS[layer]["fan_out"]
    # torch draws float32 here: the bound holds up to float32 rounding of the scale
    check_statistics(w, variance(*fans), family, 1e-12 if backend == "numpy" else 1e-6)


def test_truncation_constant_is_the_std_of_the_truncated_normal() -> None:
    # the value documented in variance_scaling, against the closed form
    assert _truncated_std() == pytest.approx(0.87962566103423978, rel=1e-15)


@pytest.mark.parametrize("backend", BACKENDS)
def test_normal_and_uniform_location(backend: str) -> None:
    w = make(backend, init.normal, "dense", std=0.5, mean=3.0)
    assert abs(w.mean() - 3.0) <= 5 * 0.5 / math.sqrt(w.size)
    u = make(backend, init.uniform, "dense", a=1.0, b=4.0)
    assert 1.0 <= u.min() and u.max() <= 4.0
    assert abs(u.mean() - 2.5) <= 5 * math.sqrt(9 / 12 / u.size)
    assert abs(u.var() - 9 / 12) <= 5 * (9 / 12) * math.sqrt(0.8 / u.size)  # mu4 = 9/5 s^4


# --- orthogonal ------------------------------------------------------------------------
@pytest.mark.parametrize("shape", [(400, 300), (300, 400), (50, 50)])
@pytest.mark.parametrize("gain", [1.0, 2.5])
def test_orthogonal_numpy(shape: tuple[int, int], gain: float) -> None:
    w = init.orthogonal(shape, gain=gain, rng=np.random.default_rng(1))
    gram = w.T @ w if shape[0] >= shape[1] else w @ w.T
    assert np.abs(gram - gain**2 * np.eye(min(shape))).max() <= 1e-12 * gain**2


@needs_torch
@pytest.mark.parametrize("shape", [(400, 300), (300, 400)])
def test_orthogonal_torch(shape: tuple[int, int]) -> None:
    t = torch.empty(shape, dtype=torch.float64)
    w = init.orthogonal(t, gain=2.5, generator=torch.Generator().manual_seed(1)).numpy()
    gram = w.T @ w if shape[0] >= shape[1] else w @ w.T
    assert np.abs(gram - 6.25 * np.eye(min(shape))).max() <= 1e-12 * 6.25


def test_orthogonal_conv_kernels_are_orthogonal_as_linear_maps() -> None:
    # NumPy (kh, kw, in, out): the map from kh*kw*in inputs to out units
    m = init.orthogonal((3, 3, 16, 32), rng=np.random.default_rng(2)).reshape(-1, 32)
    assert np.abs(m.T @ m - np.eye(32)).max() <= 1e-12
    if torch is not None:  # torch (out, in, kh, kw): the rows are the units
        t = torch.empty(32, 16, 3, 3, dtype=torch.float64)
        m = init.orthogonal(t, generator=torch.Generator().manual_seed(2)).reshape(32, -1)
        assert np.abs((m @ m.T).numpy() - np.eye(32)).max() <= 1e-12


@pytest.mark.parametrize("backend", BACKENDS)
def test_orthogonal_is_haar_distributed(backend: str) -> None:
    # Under the Haar measure on O(3) the first column is uniform on the sphere, so
    # (Archimedes) W[0, 0] ~ U(-1, 1): mean 0, variance 1/3. Without the sign correction
    # QR's convention would make W[0, 0] <= 0 (mean -1/2).
    n = 1000
    if backend == "numpy":
        rng = np.random.default_rng(3)
        x = np.array([init.orthogonal((3, 3), rng=rng)[0, 0] for _ in range(n)])
    else:
        g = torch.Generator().manual_seed(3)
        x = np.array([init.orthogonal(torch.empty(3, 3, dtype=torch.float64),
                                      generator=g)[0, 0].item() for _ in range(n)])
    assert abs(x.mean()) <= 5 * math.sqrt(1 / 3 / n)
    assert abs(np.mean(x * x) - 1 / 3) <= 5 * math.sqrt((1 / 5 - 1 / 9) / n)  # E x^4 = 1/5


# --- auto -----------------------------------------------------------------------------
@pytest.fixture
def fake_gain(monkeypatch):
    """Stand-in for actlab.properties.gain: gain 1.7 for anything; records its argument."""
    seen: list = []

    def gain(act):
        seen.append(act)
        return 1.7

    monkeypatch.setattr(actlab.properties, "gain", gain, raising=False)
    return seen


@pytest.mark.parametrize("backend", BACKENDS)
def test_auto_scales_by_the_gain_squared(fake_gain, backend: str) -> None:
    w = make(backend, init.auto, "dense", act="tanh")
    check_statistics(w, 1.7**2 / 400, "normal", 0.0)
    assert fake_gain[-1] == actlab.get("tanh")
    leaky = actlab.get("leaky_relu", alpha=0.2)
    w = make(backend, init.auto, "conv", act=leaky, mode="fan_out", distribution="uniform")
    check_statistics(w, 1.7**2 / 3200, "uniform", 1e-6)
    assert fake_gain[-1] is leaky


def test_auto_rejects_a_bad_gain(monkeypatch) -> None:
    monkeypatch.setattr(actlab.properties, "gain", lambda act: math.nan, raising=False)
    with pytest.raises(ValueError, match=r"auto needs a finite gain > 0.*'relu'.*nan"):
        init.auto((3, 4), "relu", rng=np.random.default_rng(0))


@pytest.mark.skipif(not hasattr(actlab.properties, "gain"),
                    reason="actlab.properties.gain is not written yet")
@pytest.mark.parametrize("act,variance", [("relu", 2 / 400), ("identity", 1 / 400)])
def test_auto_with_the_real_gain(act: str, variance: float) -> None:
    # ReLU's gain is sqrt 2 (He et al. 2015), the identity's 1: auto = he_normal, lecun_normal
    w = init.auto((400, 300), act, rng=np.random.default_rng(0))
    check_statistics(w, variance, "normal", 0.0)


# --- contracts over the registry --------------------------------------------------------
NAMES = init.names()
RANDOM = [n for n in NAMES if "rng" in inspect.signature(init.get(n)).parameters]
REQUIRED = {"constant": {"value": 0.5}, "auto": {"act": "tanh"}}


def test_registry_names_and_aliases() -> None:
    assert NAMES == sorted(NAMES)
    assert set(NAMES) == {"zeros", "constant", "normal", "uniform", "small_random",
                          "variance_scaling", "xavier_normal", "xavier_uniform", "he_normal",
                          "he_uniform", "lecun_normal", "lecun_uniform", "orthogonal", "auto"}
    assert init.aliases() == {"glorot_normal": "xavier_normal",
                              "glorot_uniform": "xavier_uniform",
                              "kaiming_normal": "he_normal", "kaiming_uniform": "he_uniform"}
    assert init.get("Kaiming-Uniform") is init.he_uniform is init.kaiming_uniform
    assert init.get("glorot_normal") is init.xavier_normal is init.glorot_normal
    assert all(init.get(n).__name__ == n for n in NAMES)
    assert set(init.__all__) >= set(NAMES) | set(init.aliases())


def test_registry_errors_suggest_close_names() -> None:
    with pytest.raises(ValueError, match=r"Unknown initialiser 'xavier_norml'\. "
                                         r"Did you mean 'xavier_normal'"):
        init.get("xavier_norml")
    with pytest.raises(ValueError, match=r"Did you mean 'kaiming_normal'"):
        init.get("kaiming-norma")
    with pytest.raises(TypeError, match=r"initialiser name must be a str\. Got int instead"):
        init.get(3)


@pytest.mark.parametrize("name", RANDOM)
def test_seeds(fake_gain, name: str) -> None:
    fn, kw = init.get(name), REQUIRED.get(name, {})
    a, b, c = (fn((40, 30), rng=np.random.default_rng(s), **kw) for s in (7, 7, 8))
    assert np.array_equal(a, b) and not np.array_equal(a, c)
    if torch is not None:
        a, b, c = (fn(torch.empty(30, 40), generator=torch.Generator().manual_seed(s), **kw)
                   for s in (7, 7, 8))
        assert torch.equal(a, b) and not torch.equal(a, c)


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize("name", NAMES)
def test_numpy_dtype_and_shape(fake_gain, name: str, dtype) -> None:
    fn = init.get(name)
    extra = {"rng": np.random.default_rng(0)} if name in RANDOM else {}
    w = fn((6, 5), dtype=dtype, **extra, **REQUIRED.get(name, {}))
    assert isinstance(w, np.ndarray) and w.shape == (6, 5) and w.dtype == dtype
    assert np.isfinite(w).all()
    default = fn((6, 5), **extra, **REQUIRED.get(name, {}))
    assert default.dtype == np.float64


@needs_torch
@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float32", "float64"])
@pytest.mark.parametrize("name", NAMES)
def test_torch_fills_in_place(fake_gain, name: str, dtype: str) -> None:
    t = torch.full((6, 5), math.nan, dtype=getattr(torch, dtype), requires_grad=True)
    extra = {"generator": torch.Generator().manual_seed(0)} if name in RANDOM else {}
    out = init.get(name)(t, **extra, **REQUIRED.get(name, {}))
    assert out is t and t.dtype == getattr(torch, dtype) and t.shape == (6, 5)
    assert t.requires_grad and t.grad_fn is None  # filled under no_grad: still a leaf
    assert torch.isfinite(t).all()
    if name in RANDOM:
        assert torch.unique(t).numel() > 1


def test_constants() -> None:
    assert np.array_equal(init.zeros(4), np.zeros(4))
    assert np.array_equal(init.constant((2, 3), -0.25, dtype=np.float32),
                          np.full((2, 3), -0.25, np.float32))
    assert init.zeros(()).shape == () and init.constant((0, 3), 1.0).shape == (0, 3)
    if torch is not None:
        assert torch.equal(init.constant(torch.empty(2, 2), 3.0), torch.full((2, 2), 3.0))


@pytest.mark.parametrize("name", [n for n in RANDOM if n not in ("normal", "uniform",
                                                                 "small_random")])
def test_empty_layers(fake_gain, name: str) -> None:
    w = init.get(name)((0, 3), rng=np.random.default_rng(0), **REQUIRED.get(name, {}))
    assert w.shape == (0, 3)


# --- validation -------------------------------------------------------------------------
RNG = np.random.default_rng(0)
BAD = [
    (lambda: init.variance_scaling((3, 4), mode="fan", rng=RNG), ValueError,
     "The 'mode' parameter of variance_scaling must be one of 'fan_in', 'fan_out', "
     "'fan_avg'. Got 'fan' instead."),
    (lambda: init.variance_scaling((3, 4), distribution="gaussian", rng=RNG), ValueError,
     "The 'distribution' parameter of variance_scaling must be one of 'normal', "
     "'truncated_normal', 'uniform'. Got 'gaussian' instead."),
    (lambda: init.auto((3, 4), "relu", mode="in", rng=RNG), ValueError,
     "The 'mode' parameter of auto must be one of 'fan_in', 'fan_out', 'fan_avg'. "
     "Got 'in' instead."),
    (lambda: init.normal((3, 4)), TypeError,
     "rng must be a numpy.random.Generator (e.g. np.random.default_rng(0)). Got None instead."),
    (lambda: init.he_normal((3, 4), rng=np.random.RandomState(0)), TypeError,
     "rng must be a numpy.random.Generator (e.g. np.random.default_rng(0)). "
     "Got RandomState instead."),
    (lambda: init.orthogonal((3, 4), rng=0), TypeError, "rng must be a numpy.random.Generator"
     " (e.g. np.random.default_rng(0)). Got int instead."),
    (lambda: init.normal((3, -1), rng=RNG), ValueError,
     "The 'shape' parameter of normal must be a non-negative int or a tuple of them "
     "(or a torch tensor to fill). Got (3, -1) instead."),
    (lambda: init.uniform((3, 4.0), rng=RNG), ValueError,
     "The 'shape' parameter of uniform must be a non-negative int or a tuple of them "
     "(or a torch tensor to fill). Got (3, 4.0) instead."),
    (lambda: init.zeros("34"), ValueError, "The 'shape' parameter of zeros must be a "
     "non-negative int or a tuple of them (or a torch tensor to fill). Got '34' instead."),
    (lambda: init.zeros((True, 2)), ValueError, "Got (True, 2) instead."),
    (lambda: init.zeros(None), ValueError, "The 'shape' parameter of zeros must be"),
    (lambda: init.zeros(np.zeros((2, 2))), ValueError, "Got an ndarray of shape (2, 2) instead."),
    (lambda: init.he_normal((5,), rng=RNG), ValueError,
     "The 'shape' parameter of he_normal must have at least 2 dimensions (fan_in, fan_out); "
     "use zeros for biases. Got (5,) instead."),
    (lambda: init.variance_scaling(5, rng=RNG), ValueError,
     "The 'shape' parameter of variance_scaling must have at least 2 dimensions"),
    (lambda: init.orthogonal((), rng=RNG), ValueError,
     "The 'shape' parameter of orthogonal must have at least 2 dimensions"),
    (lambda: init.normal((3, 4), std=-1.0, rng=RNG), ValueError,
     "The 'std' parameter of normal must be a finite number >= 0. Got -1.0 instead."),
    (lambda: init.normal((3, 4), std=math.inf, rng=RNG), ValueError,
     "The 'std' parameter of normal must be a finite number >= 0. Got inf instead."),
    (lambda: init.normal((3, 4), std="1", rng=RNG), ValueError,
     "The 'std' parameter of normal must be a finite number >= 0. Got '1' instead."),
    (lambda: init.normal((3, 4), mean=math.nan, rng=RNG), ValueError,
     "The 'mean' parameter of normal must be a finite number. Got nan instead."),
    (lambda: init.variance_scaling((3, 4), scale=-2, rng=RNG), ValueError,
     "The 'scale' parameter of variance_scaling must be a finite number >= 0. "
     "Got -2 instead."),
    (lambda: init.small_random((3, 4), scale=math.nan, rng=RNG), ValueError,
     "The 'scale' parameter of small_random must be a finite number >= 0. Got nan instead."),
    (lambda: init.xavier_normal((3, 4), gain=-1, rng=RNG), ValueError,
     "The 'gain' parameter of xavier_normal must be a finite number >= 0. Got -1 instead."),
    (lambda: init.orthogonal((3, 4), gain=math.inf, rng=RNG), ValueError,
     "The 'gain' parameter of orthogonal must be a finite number >= 0. Got inf instead."),
    (lambda: init.he_uniform((3, 4), negative_slope=math.nan, rng=RNG), ValueError,
     "The 'negative_slope' parameter of he_uniform must be a finite number. Got nan instead."),
    (lambda: init.uniform((3, 4), a=1.0, b=0.5, rng=RNG), ValueError,
     "The 'b' parameter of uniform must be >= a (a = 1.0). Got 0.5 instead."),
    (lambda: init.uniform((3, 4), a=-math.inf, rng=RNG), ValueError,
     "The 'a' parameter of uniform must be a finite number. Got -inf instead."),
    (lambda: init.constant((3,), math.nan), ValueError,
     "The 'value' parameter of constant must be a finite number. Got nan instead."),
    (lambda: init.constant((3,), 1e6, dtype=np.float16), ValueError,
     "The 'value' parameter of constant must be finite in float16. Got 1000000.0 instead."),
    (lambda: init.normal((3, 4), rng=RNG, dtype=np.int32), ValueError,
     "The 'dtype' parameter of normal must be a floating dtype (float16, float32, float64). "
     "Got <class 'numpy.int32'> instead."),
    (lambda: init.zeros((3, 4), dtype="float"), None, None),  # valid: float64
    (lambda: init.zeros((3, 4), dtype="foo"), ValueError,
     "The 'dtype' parameter of zeros must be a floating dtype (float16, float32, float64). "
     "Got 'foo' instead."),
    (lambda: init.normal((3, 4), rng=RNG, generator=object()), TypeError,
     "generator is for torch tensors; pass rng= (a numpy.random.Generator) for a NumPy shape."
     " Got object instead."),
    (lambda: init.auto((3, 4), "rleu", rng=RNG), ValueError,
     "Unknown activation 'rleu'. Did you mean 'relu'"),
]
BAD_TORCH = [
    (lambda: init.he_normal(torch.empty(5)), ValueError,
     "The 'shape' parameter of he_normal must have at least 2 dimensions (fan_in, fan_out); "
     "use zeros for biases. Got a tensor of shape (5,) instead."),
    (lambda: init.normal(torch.empty(3, 4), rng=RNG), TypeError,
     "rng must be None when filling a torch tensor (pass generator=, a torch.Generator). "
     "Got Generator instead."),
    (lambda: init.normal(torch.empty(3, 4), generator=0), TypeError,
     "generator must be a torch.Generator or None. Got int instead."),
    (lambda: init.normal(torch.empty(3, 4), dtype=np.float32), ValueError,
     "The 'dtype' parameter of normal must be None when filling a tensor (the tensor keeps "
     "its dtype, torch.float32). Got <class 'numpy.float32'> instead."),
    (lambda: init.zeros(torch.zeros(3, dtype=torch.int64)), TypeError,
     "The tensor passed to zeros must have a floating dtype. Got torch.int64 instead."),
    (lambda: init.xavier_uniform(torch.empty(3, 4), gain=math.nan), ValueError,
     "The 'gain' parameter of xavier_uniform must be a finite number >= 0. Got nan instead."),
]


def _check_bad(call, exc, message) -> None:
    if exc is None:
        call()
        return
    with pytest.raises(exc) as info:
        call()
    text = str(info.value)
    assert "\n" not in text  # one line
    assert re.search(re.escape(message), text), text


@pytest.mark.parametrize("case", BAD, ids=[str(i) for i in range(len(BAD))])
def test_bad_input_is_rejected_with_a_message(fake_gain, case) -> None:
    _check_bad(*case)


@needs_torch
@pytest.mark.parametrize("case", BAD_TORCH, ids=[str(i) for i in range(len(BAD_TORCH))])
def test_bad_tensor_input_is_rejected_with_a_message(case) -> None:
    _check_bad(*case)
