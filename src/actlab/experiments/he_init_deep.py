"""he-init-deep: a 30-layer ReLU net stalls with Xavier init and trains with He init.

He et al. (2015), "Delving deep into rectifiers", section 2.2. A ReLU zeroes half of a
symmetric pre-activation, so E[relu(z)^2] = Var(z) / 2: with weight variance 1/fan_in
(Xavier's 1/fan_avg on square layers) every layer halves the second moment, 30 layers
multiply it by 2^-30 (the RMS, and the std, by 2^-15 ~ 3e-5); He's 2/fan_in keeps it.

Measured: the per-layer std of the activations of a batch of N(0, 1) inputs pushed
through 30 square ReLU layers (plain NumPy, biases 0) for both inits; then both inits
train the same 30-hidden-layer ReLU network on noisy moons with SGD for a few epochs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from actlab import data, init
from actlab.experiments.base import CONFIRMED, NOT_CONFIRMED, Experiment, Measurement
from actlab.nn import MLP, SGD, train

#: depth, and the thresholds: Xavier's last/first-layer std below XAVIER_BAR, He's
#: inside HE_BAND, and training must separate them (He's final loss below Xavier's, or
#: Xavier's final loss above (1 - STALL_DROP) x its loss at init)
DEPTH = 30
XAVIER_BAR = 1e-3
HE_BAND = (0.5, 2.0)
STALL_DROP = 0.10
INITS = {"xavier": init.xavier_normal, "he": init.he_normal}


def _layer_stds(weights: list[np.ndarray], x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Std and RMS of each ReLU layer's output for the input batch x."""
    stds, rms = [], []
    for W in weights:
        x = np.maximum(x @ W, 0.0)
        stds.append(x.std())
        rms.append(np.sqrt(np.mean(x * x)))
    return np.array(stds), np.array(rms)


def measure(quick: bool, rng: np.random.Generator) -> Measurement:
    width, batch = (64, 512) if quick else (256, 2048)
    n_train, epochs, train_width = (256, 8, 32) if quick else (1024, 15, 64)
    x0 = rng.standard_normal((batch, width))
    metrics: dict[str, Any] = {"predicted_second_moment_ratio": 2.0 ** -DEPTH,
                               "predicted_rms_ratio": 2.0 ** (-DEPTH / 2)}
    stds: dict[str, np.ndarray] = {}
    for name, fn in INITS.items():
        weights = [fn((width, width), rng=rng) for _ in range(DEPTH)]
        std, rms = _layer_stds(weights, x0)
        stds[name] = std
        metrics[f"{name}_layer_std"] = std.tolist()
        metrics[f"{name}_std_ratio"] = float(std[-1] / std[0])
        # RMS relative to the input's (1): the quantity the 2^-15 prediction is about
        metrics[f"{name}_rms_ratio_to_input"] = float(rms[-1] / np.sqrt(np.mean(x0 * x0)))
        metrics[f"{name}_second_moment_ratio_to_input"] = float(rms[-1] ** 2 / np.mean(x0 * x0))

    ds = data.load("moons", rng=rng, n_samples=n_train, noise=0.2)
    X = (ds.X - ds.X.mean(0)) / ds.X.std(0)
    Y = ds.y.reshape(-1, 1).astype(np.float64)
    sizes = (2, *[train_width] * DEPTH, 1)
    curves: dict[str, list[float]] = {}
    for name, fn in INITS.items():
        net = MLP.build(sizes, "relu", "binary_cross_entropy",
                        init=lambda shape, act, r, fn=fn: fn(shape, rng=r), rng=rng)
        start = net.loss_value(X, Y)
        res = train(net, X, Y, optimizer=SGD(0.01, momentum=0.9), batch_size=32,
                    max_epochs=epochs, rng=rng, n_iter_no_change=epochs, diagnose_every=0)
        curves[name] = [float(start), *res.loss_curve]
        metrics[f"{name}_loss_curve"] = curves[name]

    fig = Figure(figsize=(10, 3.6), layout="constrained")
    a1, a2 = fig.subplots(1, 2)
    layers = np.arange(1, DEPTH + 1)
    for name, std in stds.items():
        a1.semilogy(layers, std, "o-", ms=3, label=f"{name} (last/first {std[-1] / std[0]:.2g})")
    a1.semilogy(layers, stds["xavier"][0] * 2.0 ** (-(layers - 1) / 2), "k--", lw=1,
                label="first x 2^-(l-1)/2 (predicted)")
    a1.set(title=f"activation std at init, {DEPTH} ReLU layers of {width}",
           xlabel="layer", ylabel="std of relu output")
    a1.legend(fontsize=8)
    for name, curve in curves.items():
        a2.plot(range(len(curve)), curve, "o-", ms=3, label=name)
    a2.set(title=f"training, moons, {DEPTH} x {train_width} ReLU, SGD",
           xlabel="epoch (0 = at init)", ylabel="training loss (BCE)")
    a2.legend()
    return Measurement(
        setup={"depth": DEPTH, "width": width, "batch": batch, "inputs": "N(0, 1)",
               "biases": 0, "xavier": "N(0, 2 / (fan_in + fan_out))", "he": "N(0, 2 / fan_in)",
               "train_task": f"moons, {n_train} samples, noise 0.2, standardised",
               "train_net": f"2 -> {DEPTH} x {train_width} relu -> 1, binary cross-entropy",
               "optimizer": "SGD lr 0.01 momentum 0.9, batch 32", "epochs": epochs},
        metrics=metrics, figures={"signal": fig})


def decide(m: Mapping[str, Any]) -> tuple[str, str]:
    xr, hr = m["xavier_std_ratio"], m["he_std_ratio"]
    xc, hc = m["xavier_loss_curve"], m["he_loss_curve"]
    xavier_shrinks = xr < XAVIER_BAR
    he_keeps = HE_BAND[0] <= hr <= HE_BAND[1]
    trains_apart = hc[-1] < xc[-1] or xc[-1] > (1 - STALL_DROP) * xc[0]
    reason = (f"last/first-layer std: Xavier {xr:.3g} (factor 1/{1 / xr:.3g}; input-relative RMS "
              f"{m['xavier_rms_ratio_to_input']:.3g} vs predicted "
              f"{m['predicted_rms_ratio']:.3g}), He {hr:.3g}; final training loss "
              f"He {hc[-1]:.3g} (from {hc[0]:.3g}) vs Xavier {xc[-1]:.3g} (from {xc[0]:.3g})")
    return (CONFIRMED if xavier_shrinks and he_keeps and trains_apart else NOT_CONFIRMED), reason


EXPERIMENT = Experiment(
    name="he-init-deep",
    claim=(f"In a {DEPTH}-layer ReLU net, Xavier init (variance 1/fan_in on square layers) halves "
           f"the second moment at every layer, so the signal shrinks by ~2^-{DEPTH // 2} ~ 3e-5 in "
           f"std, and the net stalls, while He init (2/fan_in) keeps it and trains: Xavier's "
           f"last-layer activation std is < {XAVIER_BAR:g} x its first layer's, He's stays within "
           f"[{HE_BAND[0]:g}, {HE_BAND[1]:g}] x, and He's training loss ends below Xavier's (or "
           f"Xavier's does not drop by {STALL_DROP:.0%})."),
    measure=measure, decide=decide, key_metric="xavier_std_ratio")
