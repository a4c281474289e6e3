"""dead-relu: a too-high learning rate (or an unlucky init) kills ReLUs; Leaky ReLU and ELU
never die; a smaller rate or Adagrad helps.

An MLP (64 -> 100 -> 100 -> 10, He-normal weights, zero biases, softmax cross-entropy) is
trained on scikit-learn's digits (pixels / 16) with plain SGD (batch 32) at learning rates
on a log grid, for relu, leaky_relu and elu, and with Adagrad at the same rates. After
training, ``dead_fraction`` (units whose f'(z) is exactly 0 on every training sample,
:mod:`actlab.diagnostics`) is measured on the whole training set, both hidden layers
pooled. Two extras, reported but not in the verdict: relu with Xavier-normal weights at
the largest rate, and relu with an unlucky init (every hidden bias = ``UNLUCKY_BIAS``)
before and after training at the smallest rate.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from actlab import data
from actlab.experiments.base import CONFIRMED, INCONCLUSIVE, NOT_CONFIRMED, Experiment, Measurement
from actlab.nn import MLP, SGD, Adagrad, train

#: relu must lose at least this fraction of its units at the largest rate (CS231n: "as
#: much as 40%"), more than at the smallest rate
DEAD_BAR = 0.2
ACTIVATIONS = ("relu", "leaky_relu", "elu")
HIDDEN = (100, 100)
BATCH = 32
UNLUCKY_BIAS = -3.0


def _dead(net: MLP, X: np.ndarray, Y: np.ndarray) -> float:
    """Fraction of dead hidden units, all hidden layers pooled, on the whole of X."""
    report = net.diagnose(X, Y)
    units = sum(s.units for s in report.layers)
    return sum(s.dead_fraction * s.units for s in report.layers) / units


def _run(X: np.ndarray, Y: np.ndarray, act: str, optimizer: Any, epochs: int,
         rng: np.random.Generator, init: str = "he_normal", bias: float = 0.0) -> tuple[float, float]:
    """(dead fraction before, after) training a fresh network."""
    net = MLP.build((X.shape[1], *HIDDEN, Y.shape[1]), act, "softmax_cross_entropy", init=init,
                    rng=rng)
    for layer in net.layers[:-1]:
        layer.b[...] = bias
    before = _dead(net, X, Y)
    with np.errstate(all="ignore"):  # a diverging run is a result here, not an error
        train(net, X, Y, optimizer=optimizer, batch_size=BATCH, max_epochs=epochs, rng=rng,
              n_iter_no_change=epochs, diagnose_every=0)
    return before, _dead(net, X, Y)


def measure(quick: bool, rng: np.random.Generator) -> Measurement:
    ds = data.load("digits")
    n = 300 if quick else len(ds.X)
    X, y = ds.X[:n] / 16.0, ds.y[:n]
    Y = np.eye(10)[y]
    rates = np.logspace(-3, 0, 4 if quick else 7)
    epochs = 3 if quick else 20
    sgd: dict[str, list[float]] = {a: [] for a in ACTIVATIONS}
    adagrad: dict[str, list[float]] = {a: [] for a in ACTIVATIONS}
    for act in ACTIVATIONS:
        for lr in rates:
            sgd[act].append(_run(X, Y, act, SGD(float(lr)), epochs, rng)[1])
            adagrad[act].append(_run(X, Y, act, Adagrad(float(lr)), epochs, rng)[1])
    xavier = _run(X, Y, "relu", SGD(float(rates[-1])), epochs, rng, init="xavier_normal")[1]
    unlucky = _run(X, Y, "relu", SGD(float(rates[0])), epochs, rng, bias=UNLUCKY_BIAS)

    fig = Figure(figsize=(9, 3.4), layout="constrained")
    axes = fig.subplots(1, 2, sharey=True)
    for ax, (title, table) in zip(axes, (("plain SGD", sgd), ("Adagrad", adagrad)), strict=True):
        for act in ACTIVATIONS:
            ax.plot(rates, table[act], marker="o", label=act)
        ax.axhline(DEAD_BAR, color="grey", ls=":", lw=1)
        ax.set(xscale="log", title=title, xlabel="learning rate")
    axes[0].set_ylabel("dead fraction after training")
    axes[0].legend()
    return Measurement(
        setup={"data": f"digits, first {n} samples, pixels / 16", "layers": [64, *HIDDEN, 10],
               "init": "he_normal, biases 0", "batch_size": BATCH, "epochs": epochs,
               "dead_fraction_on": "the whole training set, hidden layers pooled",
               "unlucky_bias": UNLUCKY_BIAS},
        metrics={"learning_rates": rates.tolist(), "dead_sgd": sgd, "dead_adagrad": adagrad,
                 "relu_dead_at_max_rate": sgd["relu"][-1],
                 "relu_dead_at_min_rate": sgd["relu"][0],
                 "relu_adagrad_dead_at_max_rate": adagrad["relu"][-1],
                 "relu_xavier_dead_at_max_rate": xavier,
                 "relu_unlucky_bias_dead_before": unlucky[0],
                 "relu_unlucky_bias_dead_after": unlucky[1]},
        figures={"dead-fraction": fig})


def decide(m: Mapping[str, Any]) -> tuple[str, str]:
    hi, lo = m["relu_dead_at_max_rate"], m["relu_dead_at_min_rate"]
    ada = m["relu_adagrad_dead_at_max_rate"]
    others = {a: max(max(m["dead_sgd"][a]), max(m["dead_adagrad"][a]))
              for a in ACTIVATIONS if a != "relu"}
    reason = (f"relu dead fraction {lo:.0%} at rate {m['learning_rates'][0]:g} -> {hi:.0%} at "
              f"{m['learning_rates'][-1]:g} (SGD), {ada:.0%} with Adagrad; max dead fraction "
              + ", ".join(f"{a} {v:.0%}" for a, v in others.items())
              + f"; unlucky bias {UNLUCKY_BIAS:g}: {m['relu_unlucky_bias_dead_before']:.0%} dead "
              f"at init, {m['relu_unlucky_bias_dead_after']:.0%} after; Xavier at the largest "
              f"rate: {m['relu_xavier_dead_at_max_rate']:.0%}")
    if hi >= DEAD_BAR and hi > lo and all(v == 0 for v in others.values()) and ada < hi:
        return CONFIRMED, reason
    if hi == 0 and all(v == 0 for v in others.values()):
        return INCONCLUSIVE, "no unit died anywhere: " + reason
    return NOT_CONFIRMED, reason


EXPERIMENT = Experiment(
    name="dead-relu",
    claim=("A too-high learning rate kills ReLUs (CS231n: up to 40% of a network), while Leaky "
           "ReLU and ELU never die and Adagrad helps: with plain SGD on digits, relu's dead "
           f"fraction at the largest rate is >= {DEAD_BAR:.0%} and above its value at the "
           "smallest rate, leaky_relu and elu have 0 dead units at every rate (SGD and Adagrad), "
           "and Adagrad at the largest rate leaves fewer dead relu units than SGD. INCONCLUSIVE "
           "if no unit dies anywhere."),
    measure=measure, decide=decide, key_metric="relu_dead_at_max_rate")
