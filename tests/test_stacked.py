"""The stacked trainer: same arithmetic as one network alone, stacks of any size agree."""

from __future__ import annotations

import numpy as np
import pytest

from actlab.nn import MLP, train
from actlab.nn.optimizers import Adam
from actlab.nn.stacked import Affine, StackedMLP, train_stacked


def data(n: int = 150, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    y = (X[:, 0] * X[:, 1] + 0.3 * X[:, 2] > 0).astype(int) + (X[:, 2] > 1).astype(int)
    return X, np.eye(3)[y]


def test_one_network_matches_the_plain_training_loop() -> None:
    X, Y = data()
    net = MLP.build((3, 12, 3), "tanh", "softmax_cross_entropy", rng=np.random.default_rng(5))
    plain = train(net, X, Y, optimizer=Adam(1e-2), batch_size=32, max_epochs=15,
                  rng=np.random.default_rng(7), alpha=1e-3, diagnose_every=0)
    stack = StackedMLP.build((3, 12, 3), "tanh", "softmax_cross_entropy",
                             rngs=[np.random.default_rng(5)])
    runs = train_stacked(stack, X, Y, [np.arange(len(X))], optimizer=Adam(1e-2), batch_size=32,
                         max_epochs=15, rngs=[np.random.default_rng(7)], alpha=1e-3)
    # the same steps; only the order of a few roundings differs (w = 1/n vs / n)
    np.testing.assert_allclose(runs[0].loss_curve, plain.loss_curve, rtol=1e-10)
    for a, b in zip(runs[0].network.layers, net.layers, strict=True):
        np.testing.assert_allclose(a.W, b.W, rtol=1e-8, atol=1e-12)


@pytest.mark.parametrize("activation", ["relu", "gelu", "prelu", "swish"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_a_network_does_not_depend_on_its_stack_mates(activation: str, dtype: type) -> None:
    X, Y = data(200)
    rows = [np.arange(0, 140), np.arange(30, 170), np.arange(60, 200)]
    mu = np.stack([X[r].mean(0) for r in rows])
    inv = 1 / np.stack([X[r].std(0) for r in rows])

    def fit(which: list[int]) -> list:
        net = StackedMLP.build((3, 10, 3), activation, "softmax_cross_entropy",
                               rngs=[np.random.default_rng(i) for i in which], dtype=dtype)
        return train_stacked(net, X, Y, [rows[i] for i in which], optimizer=Adam(1e-2),
                             batch_size=64, max_epochs=25, rngs=[np.random.default_rng(i) for i in which],
                             alpha=1e-4, tol=1e-2, n_iter_no_change=2,
                             x_affine=Affine(mu[which].astype(dtype), inv[which].astype(dtype)),
                             last_batch=64)

    together = fit([0, 1, 2])
    assert len({r.n_iter for r in together}) > 1, "want networks stopping at different epochs"
    for i in range(3):
        alone = fit([i])[0]
        assert alone.loss_curve == together[i].loss_curve  # bit-identical
        for a, b in zip(alone.network.layers, together[i].network.layers, strict=True):
            assert np.array_equal(a.W, b.W) and np.array_equal(a.b, b.b)
            assert a.act == b.act  # learned parameters too


def test_scaling_batch_by_batch_gives_the_same_bits(monkeypatch: pytest.MonkeyPatch) -> None:
    from actlab.nn import stacked

    X, Y = data(120)
    rows = [np.arange(0, 90), np.arange(30, 120)]
    aff = Affine(np.array([[0.1, -0.2, 0.3], [0.0, 0.5, -1.0]]), np.array([[2.0, 0.5, 1.5], [1.0, 3.0, 0.7]]))

    def fit() -> list:
        net = StackedMLP.build((3, 6, 3), "tanh", "softmax_cross_entropy",
                               rngs=[np.random.default_rng(0), np.random.default_rng(1)], dtype=np.float32)
        return train_stacked(net, X, Y, rows, optimizer=Adam(1e-2), batch_size=32, max_epochs=6,
                             rngs=[np.random.default_rng(2), np.random.default_rng(3)], x_affine=aff)

    prescaled = fit()
    monkeypatch.setattr(stacked._Rows, "LIMIT", 0)  # force scaling each batch
    per_batch = fit()
    assert [r.loss_curve for r in prescaled] == [r.loss_curve for r in per_batch]


def test_padding_rows_change_nothing_and_bad_plans_are_refused() -> None:
    X, Y = data(100)
    runs = []
    for pad in (4, 20, 32):  # rows 0..99 in batches of 32: last batch 4 rows, padded
        net = StackedMLP.build((3, 6, 3), "elu", "softmax_cross_entropy", rngs=[np.random.default_rng(0)])
        runs.append(train_stacked(net, X, Y, [np.arange(100)], optimizer=Adam(1e-2), batch_size=32,
                                  max_epochs=5, rngs=[np.random.default_rng(1)], last_batch=pad)[0])
    for other in runs[1:]:
        np.testing.assert_allclose(other.loss_curve, runs[0].loss_curve, rtol=1e-12)
    net = StackedMLP.build((3, 6, 3), "elu", "softmax_cross_entropy",
                           rngs=[np.random.default_rng(0), np.random.default_rng(1)])
    with pytest.raises(ValueError, match="same number of batches"):
        train_stacked(net, X, Y, [np.arange(100), np.arange(20)], optimizer=Adam(), batch_size=32,
                      max_epochs=1, rngs=[np.random.default_rng(0), np.random.default_rng(1)])
    with pytest.raises(ValueError, match="'last_batch' parameter must be between 4 and 32"):
        train_stacked(net, X, Y, [np.arange(100), np.arange(100)], optimizer=Adam(), batch_size=32,
                      max_epochs=1, rngs=[np.random.default_rng(0), np.random.default_rng(1)],
                      last_batch=2)


def test_divergence_stops_that_network_only() -> None:
    X, Y = data(120)
    X = X.copy()
    X[:, 0] *= 1e3  # unscaled input and a huge rate: the first network blows up
    from actlab.nn.optimizers import SGD

    net = StackedMLP.build((3, 8, 1), "identity", "squared_error",
                           rngs=[np.random.default_rng(0), np.random.default_rng(1)])
    aff = Affine(np.zeros((2, 3)), np.array([[1.0, 1.0, 1.0], [1e-3, 1.0, 1.0]]))
    with np.errstate(over="ignore", invalid="ignore"):
        runs = train_stacked(net, X, Y[:, :1] * 1e3, [np.arange(120)] * 2, optimizer=SGD(0.5),
                             batch_size=40, max_epochs=30, rngs=[np.random.default_rng(2),
                                                                np.random.default_rng(3)],
                             x_affine=aff, y_affine=Affine(np.zeros((2, 1)), np.array([[1.0], [1e-3]])))
    assert runs[0].diverged and runs[0].stopped and runs[0].n_iter < 30
    assert not runs[1].diverged and np.isfinite(runs[1].loss_curve).all()


@pytest.mark.parametrize("name", ["binary_cross_entropy", "softmax_cross_entropy", "squared_error"])
def test_stacked_losses_agree_with_the_plain_ones(name: str) -> None:
    from actlab.nn import losses

    loss = losses.get(name)
    rng = np.random.default_rng(1)
    M, n, k = 3, 7, 1 if name == "binary_cross_entropy" else 4
    z = rng.normal(size=(M, n, k)) * 30  # large logits: the stable forms matter
    y = (rng.random((M, n, k)) < 0.5).astype(float) if k == 1 else np.eye(k)[rng.integers(0, k, (M, n))]
    w = np.zeros((M, n + 2, 1))
    w[:, :n] = 1.0 / n  # two padding rows of weight 0 (any values) change nothing
    zp = np.concatenate([z, np.full((M, 2, k), 1e3)], axis=1)
    yp = np.concatenate([y, np.zeros((M, 2, k))], axis=1)
    out = np.empty_like(zp)
    values = loss.weighted(zp, yp, w, out=out)
    assert np.all(out[:, n:] == 0)
    for m in range(M):
        grad = np.empty((n, k))
        ref = loss.value_and_grad(z[m], y[m], out=grad, tmp=np.empty((n, k)), rows=np.empty((2, n, 1)))
        assert values[m] == pytest.approx(ref, rel=1e-14)
        # p - y cancels where p ~ 1: the two forms agree to a few roundings of p, over n
        np.testing.assert_allclose(out[m, :n], grad, rtol=1e-14, atol=4 * np.finfo(float).eps / n)
