"""actlab.nn: gradients against central differences for every activation x loss, losses
at extreme logits, optimiser steps worked out by hand, the allocation-free training step,
and diagnostics whose answers are known in advance.
"""

from __future__ import annotations

import math
import tracemalloc

import numpy as np
import pytest

import actlab
from actlab.nn import (
    LOSSES,
    MLP,
    SGD,
    Adagrad,
    Adam,
    RMSprop,
    check_gradients,
    train,
    train_step,
)
from actlab.nn.layers import CHUNK
from actlab.properties import kinks

LOSS_NAMES = sorted(LOSSES)


def targets(loss: str, n: int, k: int, rng: np.random.Generator) -> np.ndarray:
    """Random targets in the loss's format: one-hot, 0/1 columns, or reals."""
    if loss == "softmax_cross_entropy":
        return np.eye(k)[rng.integers(0, k, n)]
    if loss == "binary_cross_entropy":
        return rng.integers(0, 2, (n, k)).astype(float)
    return rng.normal(size=(n, k))


def away_from_kinks(net: MLP, X: np.ndarray, margin: float = 1e-3) -> np.ndarray:
    """The rows of X whose pre-activations, in every hidden layer, are farther than
    ``margin`` from every kink of that layer's activation.

    A sample's pre-activations depend on that sample only, so dropping rows changes
    nothing for the others. A weight step of eps = 1e-6 moves a pre-activation by about
    eps * |x| << margin, so no central difference straddles a kink.
    """
    ws = net.buffers(len(X))
    ws.x[...] = X
    net.forward(ws)
    keep = np.ones(len(X), dtype=bool)
    for layer, z in zip(net.layers[:-1], ws.z[:-1], strict=True):
        ks = np.array(kinks(layer.act))
        if ks.size:
            keep &= np.abs(z[:, :, None] - ks).min(axis=(1, 2)) > margin
    net.clear_buffers()
    return X[keep]


# ------------------------------------------------------------------- gradients
@pytest.mark.parametrize("name", actlab.names())
def test_gradients_match_central_differences(name: str) -> None:
    """Every catalogue activation (two hidden layers, so f' is used between hidden
    layers too) x every loss, with an L2 penalty. Inputs near a kink are dropped (see
    away_from_kinks); without that, relu & co. fail by O(1) on the straddling entries."""
    rng = np.random.default_rng(sum(map(ord, name)))
    for loss in LOSS_NAMES:
        # xavier_normal, not auto: auto's gain needs each activation's properties (slow)
        net = MLP.build((3, 4, 3, 2), name, loss, init="xavier_normal", rng=rng)
        for layer in net.layers:
            layer.b[:] = rng.normal(scale=0.5, size=layer.b.shape)
        X = away_from_kinks(net, rng.normal(scale=1.5, size=(60, 3)))[:8]
        assert len(X) == 8
        err = check_gradients(net, X, targets(loss, len(X), 2, rng), alpha=0.3)
        assert err < 1e-6, (name, loss, err)


@pytest.mark.parametrize("act", [actlab.get("prelu", alpha=0.1), actlab.get("swish", beta=1.5),
                                 actlab.define("x * sigmoid(b * x)", params={"b": 0.7},
                                               learnable=["b"])], ids=["prelu", "swish", "formula"])
def test_gradients_of_learnable_activation_parameters(act: actlab.Activation) -> None:
    rng = np.random.default_rng(1)
    for loss in LOSS_NAMES:
        net = MLP.build((3, 5, 4, 2), act, loss, init="xavier_normal", rng=rng)
        X = away_from_kinks(net, rng.normal(size=(40, 3)))[:10]
        Y = targets(loss, len(X), 2, rng)
        assert check_gradients(net, X, Y) < 1e-6
        net.loss_value(X, Y)
        assert all(layer.dtheta.shape == (1,) and layer.dtheta[0] != 0
                   for layer in net.layers[:-1])  # a scalar per layer, really exercised


def test_check_gradients_detects_a_wrong_backward_pass() -> None:
    rng = np.random.default_rng(2)
    net = MLP.build((3, 4, 2), "tanh", "squared_error", rng=rng)
    X, Y = rng.normal(size=(6, 3)), rng.normal(size=(6, 2))
    assert check_gradients(net, X, Y) < 1e-7
    layer, right = net.layers[0], net.layers[0].backward

    def forgets_the_derivative(x, z, g, dx, l2=0.0):  # a classic bug: dL/dz = dL/da
        layer.act = actlab.get("identity")
        right(x, z, g, dx, l2)
        layer.act = actlab.get("tanh")

    layer.backward = forgets_the_derivative
    assert check_gradients(net, X, Y) > 0.1


# ---------------------------------------------------------------------- losses
@pytest.mark.parametrize("loss", LOSS_NAMES)
def test_losses_at_extreme_logits(loss: str) -> None:
    """Logits of +-1000: finite values and gradients, equal to the exact limits."""
    z = np.array([[1000.0, -1000.0], [-1000.0, 1000.0], [0.0, 0.0]])
    y = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    g, tmp, rows = np.empty_like(z), np.empty_like(z), np.empty((2, 3, 1))
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        value = LOSSES[loss].value_and_grad(z, y, out=g, tmp=tmp, rows=rows)
    exact = {  # per sample, summed, / 3 samples
        "binary_cross_entropy": (0 + 0 + 1000 + 1000 + 2 * math.log(2)) / 3,
        "softmax_cross_entropy": (0 + 2000 + math.log(2)) / 3,
        "squared_error": 0.5 * (999**2 + 1000**2 + 1001**2 + 1000**2 + 1) / 3,
    }[loss]
    assert value == pytest.approx(exact, rel=1e-15)
    assert np.isfinite(g).all()


def test_loss_values_against_direct_formulas() -> None:
    rng = np.random.default_rng(3)
    z, n = rng.normal(size=(5, 3)), 5
    y1 = rng.integers(0, 2, (5, 3)).astype(float)
    p = 1 / (1 + np.exp(-z))
    bce = -(y1 * np.log(p) + (1 - y1) * np.log(1 - p)).sum() / n
    y2 = np.eye(3)[rng.integers(0, 3, 5)]
    sm = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    ce = -(y2 * np.log(sm)).sum() / n
    mse = 0.5 * ((z - y1) ** 2).sum() / n
    for name, y, value, grad in [("binary_cross_entropy", y1, bce, (p - y1) / n),
                                 ("softmax_cross_entropy", y2, ce, (sm - y2) / n),
                                 ("squared_error", y1, mse, (z - y1) / n)]:
        g = np.empty_like(z)
        got = LOSSES[name].value_and_grad(z, y, out=g, tmp=np.empty_like(z), rows=np.empty((2, 5, 1)))
        assert got == pytest.approx(value, rel=1e-13)
        np.testing.assert_allclose(g, grad, rtol=1e-13, atol=1e-17)


def test_l2_penalty_is_sklearns() -> None:
    """alpha / (2 n) * sum ||W||^2 over the weights (biases excluded)."""
    rng = np.random.default_rng(4)
    net = MLP.build((3, 4, 2), "tanh", "squared_error", rng=rng)
    net.layers[0].b[:] = 5.0
    X, Y = rng.normal(size=(7, 3)), rng.normal(size=(7, 2))
    penalty = 0.3 / (2 * 7) * sum((layer.W**2).sum() for layer in net.layers)
    assert net.loss_value(X, Y, 0.3) - net.loss_value(X, Y) == pytest.approx(penalty, rel=1e-12)


# ------------------------------------------------------------------ optimisers
G1, G2 = np.array([0.5, -2.0]), np.array([0.2, 1.0])  # gradients of steps 1 and 2


def two_steps(opt) -> np.ndarray:
    w = np.array([1.0, 1.0])
    state = opt.init([w])
    for g in (G1, G2):
        opt.update([w], [g.copy()], state)
    assert state.t == 2
    return w


def test_sgd_steps_by_hand() -> None:
    w = two_steps(SGD(learning_rate=0.1))
    np.testing.assert_allclose(w, 1 - 0.1 * G1 - 0.1 * G2, rtol=1e-15)


def test_momentum_steps_by_hand() -> None:
    v1 = -0.1 * G1
    v2 = 0.9 * v1 - 0.1 * G2
    np.testing.assert_allclose(two_steps(SGD(0.1, momentum=0.9)), 1 + v1 + v2, rtol=1e-15)


def test_nesterov_steps_by_hand() -> None:
    v1 = -0.1 * G1
    v2 = 0.9 * v1 - 0.1 * G2
    expected = 1 + (0.9 * v1 - 0.1 * G1) + (0.9 * v2 - 0.1 * G2)
    np.testing.assert_allclose(two_steps(SGD(0.1, momentum=0.9, nesterov=True)), expected,
                               rtol=1e-15)


def test_adagrad_steps_by_hand() -> None:
    eps = 1e-8
    s1, s2 = G1**2, G1**2 + G2**2
    expected = 1 - 0.1 * G1 / (np.sqrt(s1) + eps) - 0.1 * G2 / (np.sqrt(s2) + eps)
    np.testing.assert_allclose(two_steps(Adagrad(0.1, epsilon=eps)), expected, rtol=1e-15)


def test_rmsprop_steps_by_hand() -> None:
    eps = 1e-8
    s1 = 0.1 * G1**2
    s2 = 0.9 * s1 + 0.1 * G2**2
    expected = 1 - 0.01 * G1 / (np.sqrt(s1) + eps) - 0.01 * G2 / (np.sqrt(s2) + eps)
    np.testing.assert_allclose(two_steps(RMSprop(0.01, rho=0.9, epsilon=eps)), expected,
                               rtol=1e-15)


def test_adam_steps_by_hand() -> None:
    eps = 1e-8
    m1, v1 = 0.1 * G1, 0.001 * G1**2
    m2, v2 = 0.9 * m1 + 0.1 * G2, 0.999 * v1 + 0.001 * G2**2
    lr1 = 0.1 * math.sqrt(1 - 0.999) / (1 - 0.9)
    lr2 = 0.1 * math.sqrt(1 - 0.999**2) / (1 - 0.9**2)
    expected = 1 - lr1 * m1 / (np.sqrt(v1) + eps) - lr2 * m2 / (np.sqrt(v2) + eps)
    np.testing.assert_allclose(two_steps(Adam(0.1)), expected, rtol=1e-15)
    # Adam's first step is lr * sign(g), whatever the gradient's size
    np.testing.assert_allclose(1 - lr1 * m1 / (np.sqrt(v1) + eps), 1 - 0.1 * np.sign(G1))


@pytest.mark.parametrize("make", [lambda: SGD(learning_rate=0.0), lambda: SGD(momentum=1.5),
                                  lambda: Adam(beta_1=1.0), lambda: RMSprop(rho=-0.1),
                                  lambda: Adagrad(epsilon=0.0)])
def test_optimiser_hyperparameters_are_validated(make) -> None:
    with pytest.raises(ValueError, match=r"The '\w+' parameter of \w+ must be a finite number"):
        make()


# ---------------------------------------------------------- allocation-free step
def step_peak(act: str, n: int, h: int = 256) -> int:
    """Peak bytes allocated during training steps 2..6 on batches of n samples."""
    rng = np.random.default_rng(5)
    net = MLP.build((20, h, h, 10), act, "softmax_cross_entropy", init="xavier_normal", rng=rng)
    ws = net.load(rng.normal(size=(n, 20)), np.eye(10)[rng.integers(0, 10, n)])
    opt = Adam()
    state = opt.init(net.params())
    train_step(net, ws, opt, state, alpha=1e-4)  # step 1: nothing left to allocate after it
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        before = tracemalloc.get_traced_memory()[0]
        for _ in range(5):
            train_step(net, ws, opt, state, alpha=1e-4)
        return tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("act", ["relu", "tanh", "prelu"])
def test_training_step_allocates_nothing_activation_sized(act: str) -> None:
    """Steps 2..N work in the preallocated buffers. What remains are the actlab kernels'
    temporaries, bounded by CHUNK elements per call (see actlab.nn.layers)."""
    n, h = 1024, 256
    buffer = n * h * 8  # one activation-sized float64 array: 2 MiB
    assert step_peak(act, n, h) < buffer / 8


def test_step_allocations_do_not_grow_with_the_batch() -> None:
    """Even for an activation with many kernel temporaries (swish, learnable beta)."""
    small, large = step_peak("swish", 256, 64), step_peak("swish", 4096, 64)
    assert large < 1.2 * small  # 16x the batch, same peak: temporaries are per block
    assert large < 32 * CHUNK * 8  # swish's kernels hold ~20 block-sized arrays at once


# ------------------------------------------------------------------ diagnostics
def moons_like(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    X = rng.normal(size=(n, 2))
    return X, (X[:, :1] * X[:, 1:] > 0).astype(float)


@pytest.mark.parametrize("act", ["sigmoid", "tanh", "relu"])
def test_all_zero_init_keeps_every_layer_one_unit(act: str) -> None:
    """Gradient descent cannot break the symmetry of identical units."""
    rng = np.random.default_rng(6)
    X, Y = moons_like(300, rng)
    net = MLP.build((2, 8, 8, 1), act, "binary_cross_entropy", init="zeros", rng=rng)
    result = train(net, X, Y, optimizer=Adam(1e-2), batch_size=50, max_epochs=15, rng=rng)
    for report in (net.diagnose(X, Y), result.history[-1]["report"]):
        assert [s.distinct_units for s in report.layers] == [1, 1]
    for layer in net.layers:
        assert (layer.W == layer.W[:, :1]).all()  # identical columns: identical units
    if act == "sigmoid":  # sigmoid(0) = 1/2 passes gradients: the weights did move
        assert all(np.abs(layer.W).max() > 1e-3 for layer in net.layers)


def test_relu_layer_with_bias_minus_10_is_dead() -> None:
    rng = np.random.default_rng(7)
    # pre-activations x @ W have std ~0.7 here: bias -10 puts them 14 std below 0
    net = MLP.build((10, 32, 16, 1), "relu", "squared_error", init="xavier_normal", rng=rng)
    net.layers[0].b[:] = -10.0
    X = rng.normal(size=(500, 10))
    report = net.diagnose(X, rng.normal(size=(500, 1)))
    assert report.layers[0].dead_fraction == 1.0
    assert report.layers[0].grad_norm == 0.0  # dead units learn nothing
    control = MLP.build((10, 32, 16, 1), "relu", "squared_error", rng=rng).diagnose(X)
    assert control.layers[0].dead_fraction < 0.1


def test_tanh_layer_fed_100x_inputs_saturates() -> None:
    rng = np.random.default_rng(8)
    net = MLP.build((10, 64, 1), "tanh", "squared_error", rng=rng)
    X = rng.normal(size=(400, 10))
    assert net.diagnose(X * 100).layers[0].saturated_fraction > 0.95
    assert net.diagnose(X).layers[0].saturated_fraction < 0.2  # |z| > 3 only in the tails


def test_every_epoch_records_a_report_with_gradients_and_updates() -> None:
    rng = np.random.default_rng(9)
    X, Y = moons_like(200, rng)
    net = MLP.build((2, 8, 4, 1), "tanh", "binary_cross_entropy", rng=rng)
    history = train(net, X, Y, optimizer=Adam(1e-2), batch_size=64, max_epochs=6, rng=rng,
                    diagnose_every=2).history
    assert [h["report"] is not None for h in history] == [False, True] * 3
    for h in history[1::2]:
        stats = h["report"].layers
        assert [s.units for s in stats] == [8, 4]
        assert all(s.grad_norm > 0 and 0 < s.update_ratio < 1 for s in stats)
    history = train(net, X, Y, optimizer=Adam(), batch_size=64, max_epochs=2, rng=rng,
                    diagnose_every=0).history
    assert all(h["report"] is None for h in history)


# ------------------------------------------------------------------- training
def test_learnable_prelu_alpha_is_trained() -> None:
    rng = np.random.default_rng(10)
    X, Y = moons_like(300, rng)
    net = MLP.build((2, 16, 1), actlab.get("prelu", alpha=0.25), "binary_cross_entropy", rng=rng)
    train(net, X, Y, optimizer=Adam(1e-2), batch_size=50, max_epochs=10, rng=rng)
    assert net.layers[0].act.params["alpha"] == net.layers[0].theta[0] != 0.25


def test_stopping_rule_is_sklearns() -> None:
    """With an unreachable tol every epoch after the first counts as no improvement;
    training stops once more than n_iter_no_change do: after n_iter_no_change + 2."""
    rng = np.random.default_rng(11)
    X, Y = moons_like(100, rng)
    net = MLP.build((2, 4, 1), "tanh", "binary_cross_entropy", rng=rng)
    result = train(net, X, Y, optimizer=Adam(), batch_size=20, max_epochs=50, rng=rng,
                   tol=1e9, n_iter_no_change=3)
    assert (result.n_iter, result.stopped) == (5, True)


def test_training_is_deterministic() -> None:
    def run() -> list[np.ndarray]:
        rng = np.random.default_rng(12)
        X, Y = moons_like(150, rng)
        net = MLP.build((2, 8, 1), "swish", "binary_cross_entropy", rng=rng)
        train(net, X, Y, optimizer=SGD(0.05, momentum=0.9), batch_size=32, max_epochs=5, rng=rng)
        return net.params()

    assert all(np.array_equal(a, b) for a, b in zip(run(), run(), strict=True))
