"""zero-centred: sigmoid outputs are all positive, so the gradients on a neuron's incoming
weights all share a sign (zig-zag updates), and training is slower than with tanh.

Network: digits (standardised pixels) -> 32 -> ``WIDTH`` -> 10, Xavier-normal weights,
softmax cross-entropy. The sign test looks at the output layer, whose inputs are the
``WIDTH`` activations a of the last hidden layer: for one sample, the gradient on output
unit k's incoming weights is a * delta_k, so its entries share a sign whenever every a_i
has the same sign (always, for sigmoid). The fraction of (sample, unit) rows with one sign
(delta_k != 0) is measured at init, per single sample and per mini-batch of ``BATCH``
samples (where the deltas of different samples can disagree). For tanh, signs of a_i
behave roughly like coin flips, giving about 2^(1 - WIDTH). Then plain SGD trains each of
tanh, sigmoid and the centred sigmoid ``sigmoid(x) - 1/2`` (an actlab formula activation,
= tanh(x/2)/2) from the same weights; we count epochs until the training loss is below
``LOSS_BAR``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from matplotlib.figure import Figure

import actlab
from actlab import data
from actlab.experiments.base import CONFIRMED, INCONCLUSIVE, NOT_CONFIRMED, Experiment, Measurement
from actlab.nn import MLP, SGD, train

#: per-sample same-sign fraction: sigmoid must be exactly 1, tanh at most CHANCE_FACTOR
#: times 2^(1 - WIDTH); training must reach a mean epoch loss below LOSS_BAR
WIDTH = 6
CHANCE_FACTOR = 4.0
LOSS_BAR = 0.3
BATCH = 32
RATE = 0.05
CENTRED = "sigmoid(x) - 1/2"


def _same_sign(a: np.ndarray, delta: np.ndarray) -> float:
    """Fraction of rows (samples x output units, delta != 0) of the outer products
    a_s delta_s whose entries share one sign; a, delta: (samples, units)."""
    g = a[:, :, None] * delta[:, None, :]
    same = np.all(g >= 0, axis=1) | np.all(g <= 0, axis=1)
    return float(same[delta != 0].mean())


def _batch_same_sign(a: np.ndarray, delta: np.ndarray, rng: np.random.Generator) -> float:
    """The same for the summed gradient of shuffled mini-batches of BATCH samples."""
    order = rng.permutation(len(a))[: len(a) // BATCH * BATCH].reshape(-1, BATCH)
    g = np.einsum("bsi,bsk->bik", a[order], delta[order])
    same = np.all(g >= 0, axis=1) | np.all(g <= 0, axis=1)
    return float(same.mean())


def measure(quick: bool, rng: np.random.Generator) -> Measurement:
    ds = data.load("digits")
    n = 600 if quick else len(ds.X)
    X = ds.X[:n]
    X = (X - X.mean(axis=0)) / np.maximum(X.std(axis=0), 1e-12)
    Y = np.eye(10)[ds.y[:n]]
    max_epochs = 60 if quick else 100
    acts = {"tanh": "tanh", "sigmoid": "sigmoid", "centred sigmoid": actlab.define(CENTRED)}
    seed = int(rng.integers(2**32))
    sample, batch, curves, epochs = {}, {}, {}, {}
    for label, act in acts.items():
        net = MLP.build((X.shape[1], 32, WIDTH, 10), act, "softmax_cross_entropy",
                        init="xavier_normal", rng=np.random.default_rng(seed))
        ws = net.load(X, Y)
        net.loss_and_grads(ws)
        a, delta = ws.a[-2].copy(), ws.g[-1].copy()
        sample[label] = _same_sign(a, delta)
        batch[label] = _batch_same_sign(a, delta, np.random.default_rng(seed))
        net.clear_buffers()
        result = train(net, X, Y, optimizer=SGD(RATE), batch_size=BATCH, max_epochs=max_epochs,
                       rng=np.random.default_rng(seed), n_iter_no_change=max_epochs,
                       diagnose_every=0)
        curves[label] = result.loss_curve
        below = [i + 1 for i, v in enumerate(result.loss_curve) if v < LOSS_BAR]
        epochs[label] = below[0] if below else None

    fig = Figure(figsize=(6, 3.6), layout="constrained")
    ax = fig.subplots()
    for label, curve in curves.items():
        ax.plot(range(1, len(curve) + 1), curve, label=label)
    ax.axhline(LOSS_BAR, color="grey", ls=":", lw=1)
    ax.set(yscale="log", xlabel="epoch", ylabel="training loss (epoch mean)",
           title=f"plain SGD, rate {RATE}, batch {BATCH}")
    ax.legend()
    return Measurement(
        setup={"data": f"digits, first {n} samples, standardised", "layers": [64, 32, WIDTH, 10],
               "init": "xavier_normal (same weights for every activation)",
               "optimizer": f"SGD(learning_rate={RATE}), batch {BATCH}", "max_epochs": max_epochs,
               "sign_test": "output layer's incoming weights, at init",
               "centred_sigmoid": CENTRED},
        metrics={"width": WIDTH, "chance": 2.0 ** (1 - WIDTH), "same_sign_per_sample": sample,
                 "same_sign_per_batch": batch, "epochs_to_loss": epochs, "loss_curves": curves,
                 "sigmoid_same_sign_per_sample": sample["sigmoid"]},
        figures={"loss-curves": fig})


def decide(m: Mapping[str, Any]) -> tuple[str, str]:
    s, e, chance = m["same_sign_per_sample"], m["epochs_to_loss"], m["chance"]
    reason = (f"same-sign rows per sample: sigmoid {s['sigmoid']:.3g}, tanh {s['tanh']:.3g} "
              f"(2^(1-{m['width']}) = {chance:.3g}), centred sigmoid {s['centred sigmoid']:.3g}; "
              "per batch: " + ", ".join(f"{k} {v:.3g}" for k, v in m["same_sign_per_batch"].items())
              + f"; epochs to loss < {LOSS_BAR}: "
              + ", ".join(f"{k} {'never' if v is None else v}" for k, v in e.items()))
    signs = s["sigmoid"] == 1.0 and s["tanh"] <= CHANCE_FACTOR * chance
    if e["tanh"] is None and e["sigmoid"] is None:
        return INCONCLUSIVE, "neither reached the loss bar: " + reason
    faster = e["tanh"] is not None and (e["sigmoid"] is None or e["tanh"] < e["sigmoid"])
    return (CONFIRMED if signs and faster else NOT_CONFIRMED), reason


EXPERIMENT = Experiment(
    name="zero-centred",
    claim=("Sigmoid outputs are all positive, so for one sample the gradients on a neuron's "
           "incoming weights all share a sign (zig-zag), and training is slower than with tanh: "
           "on digits, the fraction of same-sign weight-gradient rows (per single sample) in the "
           f"layer after a {WIDTH}-unit hidden layer is exactly 1 for sigmoid and at most "
           f"{CHANCE_FACTOR:g} x 2^(1-{WIDTH}) for tanh, and with plain SGD from the same weights "
           f"tanh reaches a training loss below {LOSS_BAR} in fewer epochs than sigmoid. "
           "INCONCLUSIVE if neither reaches it."),
    measure=measure, decide=decide, key_metric="sigmoid_same_sign_per_sample")
