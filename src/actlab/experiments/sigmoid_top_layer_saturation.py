"""sigmoid-top-layer-saturation: with the old init, a deep sigmoid net's top hidden layer
saturates towards 0 early in training; with Xavier init it does not.

Glorot & Bengio (2010), "Understanding the difficulty of training deep feedforward
neural networks", section 3.1 and figure 2: with W ~ U(-1/sqrt(n), 1/sqrt(n)) (n =
fan_in) a 4-hidden-layer sigmoid net trained with SGD on Shapeset drove its top hidden
layer's mean activation to ~0 within the first epochs (the output layer first learns
to do without the top layer's ~0.5, and pushing that layer to 0 is the easy way to
silence it); with their "normalised" init, U(+-sqrt(6 / (fan_in + fan_out))), it did not.

Measured here on the digits (8 x 8, pixels scaled to [0, 1]), a much smaller task than
Shapeset: the mean activation (and saturated fraction) of every hidden layer on a fixed
probe batch at init and after every epoch of plain SGD (batch 10, as in the paper).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from actlab import data, init
from actlab.experiments.base import CONFIRMED, NOT_CONFIRMED, Experiment, Measurement
from actlab.nn import MLP, SGD, train

#: the old init's top hidden layer must reach a mean activation below LOW_BAR within the
#: first EARLY_EPOCHS epochs, while Xavier's stays above HIGH_BAR over those epochs
LOW_BAR = 0.1
HIGH_BAR = 0.2
EARLY_EPOCHS = 10
HIDDEN = 4
LEARNING_RATE = 0.1


def _old(shape: tuple[int, int], act: Any, rng: np.random.Generator) -> np.ndarray:
    limit = 1.0 / np.sqrt(shape[0])
    return init.uniform(shape, -limit, limit, rng=rng)


def _xavier(shape: tuple[int, int], act: Any, rng: np.random.Generator) -> np.ndarray:
    return init.xavier_uniform(shape, rng=rng)


INITS = {"old": _old, "xavier": _xavier}


def measure(quick: bool, rng: np.random.Generator) -> Measurement:
    width, epochs = (64, 6) if quick else (256, EARLY_EPOCHS)
    ds = data.load("digits")
    X = ds.X / 16.0
    Y = np.eye(ds.n_classes)[ds.y]
    probe = rng.choice(len(X), 500, replace=False)
    sizes = (X.shape[1], *[width] * HIDDEN, ds.n_classes)
    metrics: dict[str, Any] = {"epochs_run": epochs}
    for name, make in INITS.items():
        net = MLP.build(sizes, "sigmoid", "softmax_cross_entropy", init=make, rng=rng)
        opt = SGD(LEARNING_RATE)
        state, means, saturated, losses = None, [], [], []
        for epoch in range(epochs + 1):
            if epoch:
                res = train(net, X, Y, optimizer=opt, state=state, batch_size=10, max_epochs=1,
                            rng=rng, diagnose_every=0)
                state = res.state
                losses.append(res.loss_curve[-1])
            report = net.diagnose(X[probe])
            means.append([s.mean for s in report.layers])
            saturated.append([s.saturated_fraction for s in report.layers])
        top = [row[-1] for row in means]
        metrics[f"{name}_layer_means"] = means  # [checkpoint][layer], checkpoint 0 = init
        metrics[f"{name}_saturated_fraction"] = saturated
        metrics[f"{name}_loss_curve"] = losses
        metrics[f"{name}_top_mean_min"] = float(min(top[1:EARLY_EPOCHS + 1]))
        metrics[f"{name}_top_mean_final"] = float(top[-1])

    fig = Figure(figsize=(10, 3.6), layout="constrained")
    axes = fig.subplots(1, 2, sharey=True)
    for ax, name in zip(axes, INITS, strict=True):
        means = np.array(metrics[f"{name}_layer_means"])
        for layer in range(HIDDEN):
            ax.plot(range(epochs + 1), means[:, layer], "o-", ms=3, label=f"hidden {layer + 1}")
        ax.axhline(LOW_BAR, color="0.6", ls=":", lw=1)
        ax.set(title=f"{name} init: mean sigmoid output", xlabel="epoch (0 = at init)")
        ax.legend(fontsize=8)
    axes[0].set(ylabel="mean activation (probe batch)")
    return Measurement(
        setup={"task": "digits, 1797 samples, pixels / 16", "net": f"64 -> {HIDDEN} x {width} "
               f"sigmoid -> 10 softmax", "old": "U(-1/sqrt(fan_in), 1/sqrt(fan_in))",
               "xavier": "U(+-sqrt(6 / (fan_in + fan_out)))",
               "optimizer": f"SGD lr {LEARNING_RATE}, batch 10", "epochs": epochs,
               "probe": "500 fixed training samples"},
        metrics=metrics, figures={"layer-means": fig})


def decide(m: Mapping[str, Any]) -> tuple[str, str]:
    old, xav = m["old_top_mean_min"], m["xavier_top_mean_min"]
    reason = (f"lowest top-hidden-layer mean activation in the first {m['epochs_run']} epochs: old "
              f"init {old:.3g} (final {m['old_top_mean_final']:.3g}), Xavier {xav:.3g} (final "
              f"{m['xavier_top_mean_final']:.3g})")
    if old >= LOW_BAR:
        reason += "; the old init's top layer did not saturate towards 0 on this task"
    if xav <= HIGH_BAR:
        reason += "; Xavier's top layer fell towards 0 as well"
    return (CONFIRMED if old < LOW_BAR and xav > HIGH_BAR else NOT_CONFIRMED), reason


EXPERIMENT = Experiment(
    name="sigmoid-top-layer-saturation",
    claim=(f"With the old U(-1/sqrt(n), 1/sqrt(n)) init, the top hidden layer of a {HIDDEN}-hidden-"
           f"layer sigmoid net trained with SGD saturates towards 0 early in training, and with "
           f"Xavier init it does not: with the old init the top layer's mean activation drops below "
           f"{LOW_BAR:g} within the first {EARLY_EPOCHS} epochs, with Xavier it stays above "
           f"{HIGH_BAR:g} (Glorot & Bengio saw this on Shapeset; it may not reproduce on digits)."),
    measure=measure, decide=decide, key_metric="old_top_mean_min")
