"""selu-self-normalising: with LeCun-normal weights, SELU keeps mean 0 and variance 1.

Klambauer et al. (2017), "Self-normalizing neural networks": SELU's constants make
(mean, variance) = (0, 1) an attracting fixed point of the layer map when the weights
have variance 1/fan_in (LeCun normal). ReLU has no such fixed point: with the same
weights it halves the second moment at every layer (and its mean is never 0); tanh
(slope 1 at 0, contracting elsewhere) shrinks the variance slowly, roughly like 1/(2 l).

Measured: the mean and variance (over the batch and the units) of every layer's output
for a batch of N(0, 1) inputs pushed through 100 square layers (plain NumPy, biases 0),
the same LeCun-normal weights for the three activations.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from matplotlib.figure import Figure

import actlab
from actlab import init
from actlab.experiments.base import CONFIRMED, NOT_CONFIRMED, Experiment, Measurement

#: depth; SELU must keep |mean| < MEAN_BAR and var in VAR_BAND at every layer (if it
#: does not, the verdict falls back to the last TAIL layers, after the transient from
#: the input, and says so), while relu's or tanh's last-layer variance leaves DRIFT_BAND
DEPTH = 100
TAIL = 50
MEAN_BAR = 0.1
VAR_BAND = (0.8, 1.2)
DRIFT_BAND = (0.5, 2.0)
ACTIVATIONS = ("selu", "relu", "tanh")


def measure(quick: bool, rng: np.random.Generator) -> Measurement:
    width, batch = (64, 512) if quick else (256, 2048)
    x0 = rng.standard_normal((batch, width))
    weights = [init.lecun_normal((width, width), rng=rng) for _ in range(DEPTH)]
    metrics: dict[str, Any] = {}
    for name in ACTIVATIONS:
        f = actlab.get(name)
        x, means, variances = x0, [], []
        for W in weights:
            x = f(x @ W)
            means.append(float(x.mean()))
            variances.append(float(x.var()))
        metrics[f"{name}_mean"] = means
        metrics[f"{name}_var"] = variances
        metrics[f"{name}_last_var"] = variances[-1]
    metrics["tanh_var_at_10"] = metrics["tanh_var"][9]
    for scope, sl in (("all", slice(None)), ("tail", slice(-TAIL, None))):
        metrics[f"selu_max_abs_mean_{scope}"] = float(np.max(np.abs(metrics["selu_mean"][sl])))
        metrics[f"selu_min_var_{scope}"] = float(np.min(metrics["selu_var"][sl]))
        metrics[f"selu_max_var_{scope}"] = float(np.max(metrics["selu_var"][sl]))

    fig = Figure(figsize=(10, 3.6), layout="constrained")
    a1, a2 = fig.subplots(1, 2)
    layers = np.arange(1, DEPTH + 1)
    for name in ACTIVATIONS:
        a1.plot(layers, metrics[f"{name}_mean"], label=name)
        a2.semilogy(layers, metrics[f"{name}_var"], label=name)
    a1.axhspan(-MEAN_BAR, MEAN_BAR, color="0.9")
    a2.axhspan(*VAR_BAND, color="0.9")
    a1.set(title=f"mean per layer (LeCun normal, width {width})", xlabel="layer", ylabel="mean")
    a2.set(title="variance per layer", xlabel="layer", ylabel="variance")
    a1.legend()
    a2.legend()
    return Measurement(
        setup={"depth": DEPTH, "width": width, "batch": batch, "inputs": "N(0, 1)",
               "weights": "lecun_normal N(0, 1 / fan_in), the same matrices for every activation",
               "biases": 0, "statistics": "over the batch and the units of each layer"},
        metrics=metrics, figures={"moments": fig})


def _selu_ok(m: Mapping[str, Any], scope: str) -> bool:
    return (m[f"selu_max_abs_mean_{scope}"] < MEAN_BAR
            and VAR_BAND[0] <= m[f"selu_min_var_{scope}"]
            and m[f"selu_max_var_{scope}"] <= VAR_BAND[1])


def decide(m: Mapping[str, Any]) -> tuple[str, str]:
    scope = "all" if _selu_ok(m, "all") else "tail"
    drifted = [n for n in ("relu", "tanh")
               if not DRIFT_BAND[0] <= m[f"{n}_last_var"] <= DRIFT_BAND[1]]
    where = "every layer" if scope == "all" else f"the last {TAIL} layers"
    reason = (f"SELU over {where}: max |mean| {m[f'selu_max_abs_mean_{scope}']:.3g}, var in "
              f"[{m[f'selu_min_var_{scope}']:.3g}, {m[f'selu_max_var_{scope}']:.3g}]; last-layer "
              f"var relu {m['relu_last_var']:.3g}, tanh {m['tanh_last_var']:.3g} "
              f"(drifted: {', '.join(drifted) or 'none'}; tanh shrinks slowly, var at layer 10 "
              f"{m['tanh_var_at_10']:.3g}, ~1/(2 l) predicts 0.05 -> 0.005 at layer 100)")
    return (CONFIRMED if _selu_ok(m, scope) and drifted else NOT_CONFIRMED), reason


EXPERIMENT = Experiment(
    name="selu-self-normalising",
    claim=(f"With LeCun-normal weights, SELU keeps the activations' mean ~0 and variance ~1 through "
           f"{DEPTH} layers while ReLU and tanh drift: SELU's |mean| < {MEAN_BAR:g} and variance "
           f"in [{VAR_BAND[0]:g}, {VAR_BAND[1]:g}] at every layer (or, failing that, at the last "
           f"{TAIL}; the reason says which), while ReLU's or tanh's last-layer variance is outside "
           f"[{DRIFT_BAND[0]:g}, {DRIFT_BAND[1]:g}]."),
    measure=measure, decide=decide, key_metric="selu_max_var_all")
