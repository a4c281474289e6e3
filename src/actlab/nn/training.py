"""The training loop: shuffled mini-batches, L2, early stopping, per-epoch diagnostics.

:func:`train_step` is one step on a batch already in the network's buffers; it
allocates nothing activation-sized (see :mod:`actlab.nn.layers`). :func:`train` runs
epochs of steps and stops with scikit-learn's rule: an epoch counts as "no improvement"
when the training loss is not below the best loss so far minus ``tol`` (or, with a
validation score, when that score is not above the best plus ``tol``); training stops
once more than ``n_iter_no_change`` epochs in a row count so. With a validation score,
the best weights are restored at the end.

>>> import numpy as np
>>> from actlab.nn import MLP, Adam, train
>>> rng = np.random.default_rng(0)
>>> X = rng.normal(size=(64, 2)); Y = X[:, :1] * X[:, 1:]
>>> net = MLP.build((2, 16, 1), "tanh", "squared_error", rng=rng)
>>> result = train(net, X, Y, optimizer=Adam(1e-2), batch_size=16, max_epochs=50, rng=rng)
>>> result.history[-1]["loss"] < result.history[0]["loss"]
True
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from actlab.nn.buffers import Buffers
from actlab.nn.network import MLP
from actlab.nn.optimizers import Optimizer, OptState


@dataclass
class TrainResult:
    """What :func:`train` did.

    Attributes:
        history: one dict per epoch: ``epoch``, ``loss`` (mean over the epoch's batches,
            L2 included), ``validation_score`` (when given) and ``report`` (an
            :class:`actlab.diagnostics.Report` of the epoch's last batch, or None on epochs
            without diagnostics).
        n_iter: epochs run.
        stopped: True if the no-improvement rule stopped training before ``max_epochs``.
        state: the optimiser state (to continue training).
    """

    history: list[dict[str, Any]] = field(default_factory=list)
    n_iter: int = 0
    stopped: bool = False
    state: OptState | None = None

    @property
    def loss_curve(self) -> list[float]:
        return [h["loss"] for h in self.history]


def train_step(network: MLP, ws: Buffers, optimizer: Optimizer, state: OptState,
               alpha: float = 0.0) -> float:
    """One gradient step on the batch in ``ws``; returns its (penalised) loss."""
    value = network.loss_and_grads(ws, alpha)
    optimizer.update(network.params(), network.grads(), state)
    network.sync()
    return value


def train(network: MLP, X: np.ndarray, Y: np.ndarray, *, optimizer: Optimizer,
          batch_size: int, max_epochs: int, rng: np.random.Generator, alpha: float = 0.0,
          tol: float = 1e-4, n_iter_no_change: int = 10,
          validation_score: Callable[[MLP], float] | None = None, diagnose_every: int = 1,
          state: OptState | None = None) -> TrainResult:
    """Train ``network`` in place on X (samples x features) and 2-D targets Y.

    Args:
        optimizer, state: the optimiser, and its state to resume from (default: fresh).
        batch_size: samples per step (the last batch of an epoch may be smaller).
        rng: shuffles the samples every epoch.
        alpha: L2 penalty ``alpha / (2 n_batch) * sum ||W||^2`` (weights, not biases).
        tol, n_iter_no_change: the stopping rule (module docstring).
        validation_score: network -> score (higher is better); when given, it drives
            early stopping and the best weights are kept.
        diagnose_every: record a Report every this many epochs (0: never).
    """
    X = np.ascontiguousarray(X, dtype=np.float64)
    Y = np.ascontiguousarray(Y, dtype=np.float64)
    n = len(X)
    params = network.params()
    state = optimizer.init(params) if state is None else state
    result = TrainResult(state=state)
    order = np.arange(n)
    best, best_params, no_improvement = -np.inf, None, 0
    for epoch in range(1, max_epochs + 1):
        rng.shuffle(order)
        total = 0.0
        for start in range(0, n, batch_size):
            idx = order[start:start + batch_size]
            ws = network.buffers(len(idx))
            # mode="clip": the default "raise" buffers `out` (an allocation per step)
            np.take(X, idx, axis=0, out=ws.x, mode="clip")
            np.take(Y, idx, axis=0, out=ws.y, mode="clip")
            total += train_step(network, ws, optimizer, state, alpha) * len(idx)
        entry: dict[str, Any] = {"epoch": epoch, "loss": total / n}
        # sklearn's rule, on a score to maximise: -loss, or the validation score
        score = -entry["loss"]
        if validation_score is not None:
            score = entry["validation_score"] = float(validation_score(network))
        no_improvement = no_improvement + 1 if score < best + tol else 0
        if score > best:
            best = score
            if validation_score is not None:
                best_params = [p.copy() for p in params]
        if diagnose_every and epoch % diagnose_every == 0:
            steps = [state.step[i] for i in network.weight_positions()]
            entry["report"] = network.report(ws, steps=steps)
        else:
            entry["report"] = None
        result.history.append(entry)
        result.n_iter = epoch
        if no_improvement > n_iter_no_change:
            result.stopped = True
            break
    if best_params is not None:
        for p, b in zip(params, best_params, strict=True):
            p[...] = b
        network.sync()
    return result
