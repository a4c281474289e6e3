"""init-scale-saturation: large initial weights saturate tanh and slow learning; tiny
weights are fine for one hidden layer but not for a deep net, which needs Xavier/He.

Measured on XOR with tanh networks of width 32 and 1 or 10 hidden layers, for weights
drawn from N(0, std^2) with std 0.01, 0.1, 1, 10, and from Xavier and He normal: the
saturated fraction at init (:mod:`actlab.diagnostics`: |tanh'(z)| < 1% of its maximum,
averaged over the hidden layers), and the epochs Adam needs until the epoch's training
loss drops below ``LOSS_THRESHOLD`` (None: not within the epoch budget).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from actlab import data
from actlab import init as initialisers
from actlab.experiments.base import CONFIRMED, INCONCLUSIVE, NOT_CONFIRMED, Experiment, Measurement
from actlab.nn import MLP, Adam, train

WIDTH = 32
DEPTHS = (1, 10)
STDS = (0.01, 0.1, 1.0, 10.0)
SCALES = (*(f"std {s:g}" for s in STDS), "xavier", "he")
#: training binary cross-entropy below this counts as learned
LOSS_THRESHOLD = 0.1
#: saturated fraction at init: above HIGH at std 10, below LOW at Xavier
SATURATION_HIGH = 0.5
SATURATION_LOW = 0.2
#: epochs per training call (training stops at the first chunk that reaches the threshold)
CHUNK = 5


def _init(scale: str) -> Any:
    if scale == "xavier":
        return "xavier_normal"
    if scale == "he":
        return "he_normal"
    std = float(scale.removeprefix("std "))
    return lambda shape, act, rng: initialisers.normal(shape, std, rng=rng)


def measure(quick: bool, rng: np.random.Generator) -> Measurement:
    n_samples, epochs = (200, 150) if quick else (400, 400)
    ds = data.xor(rng=rng, n_samples=n_samples)
    Y = ds.y[:, None].astype(np.float64)
    saturation: dict[str, dict[str, float]] = {}
    to_threshold: dict[str, dict[str, int | None]] = {}
    curves: dict[tuple[int, str], list[float]] = {}
    for depth in DEPTHS:
        key = f"{depth}_hidden"
        saturation[key], to_threshold[key] = {}, {}
        for scale in SCALES:
            net = MLP.build((2, *([WIDTH] * depth), 1), "tanh", "binary_cross_entropy",
                            init=_init(scale), rng=rng)
            saturation[key][scale] = float(np.mean([s.saturated_fraction
                                                    for s in net.diagnose(ds.X).layers]))
            curve, state = [], None
            # in chunks, to stop at the threshold; no early stopping: a plateau is what a
            # small init is accused of
            while len(curve) < epochs and not (curve and min(curve) < LOSS_THRESHOLD):
                chunk = min(CHUNK, epochs - len(curve))
                result = train(net, ds.X, Y, optimizer=Adam(1e-2), batch_size=32,
                               max_epochs=chunk, rng=rng, n_iter_no_change=chunk,
                               diagnose_every=0, state=state)
                curve, state = curve + result.loss_curve, result.state
            curves[depth, scale] = curve
            hit = np.flatnonzero(np.asarray(curve) < LOSS_THRESHOLD)
            to_threshold[key][scale] = int(hit[0]) + 1 if hit.size else None
    fig = Figure(figsize=(9, 3.4), layout="constrained")
    ax1, ax2 = fig.subplots(1, 2)
    for depth in DEPTHS:
        ax1.plot(SCALES, [saturation[f"{depth}_hidden"][s] for s in SCALES], marker="o",
                 label=f"{depth} hidden")
    ax1.set(title="saturated fraction at init (tanh)", ylabel="fraction", ylim=(0, 1))
    ax1.legend()
    for scale in SCALES:
        ax2.semilogy(curves[DEPTHS[-1], scale], label=scale)
    ax2.axhline(LOSS_THRESHOLD, color="k", ls="--", lw=0.8)
    ax2.set(title=f"training loss, {DEPTHS[-1]} hidden layers", xlabel="epoch")
    ax2.legend(fontsize=7)
    return Measurement(
        setup={"width": WIDTH, "depths": list(DEPTHS), "activation": "tanh", "dataset": "xor",
               "n_samples": n_samples, "optimizer": "Adam(1e-2)", "batch_size": 32,
               "max_epochs": epochs, "loss_threshold": LOSS_THRESHOLD},
        metrics={"saturation_at_init": saturation, "epochs_to_threshold": to_threshold,
                 "deep_std10_epochs": to_threshold[f"{DEPTHS[-1]}_hidden"]["std 10"]},
        figures={"saturation": fig})


def _epochs(value: int | None) -> float:
    return math.inf if value is None else float(value)


def decide(m: Mapping[str, Any]) -> tuple[str, str]:
    sat, ep = m["saturation_at_init"], m["epochs_to_threshold"]
    shallow, deep = ep[f"{DEPTHS[0]}_hidden"], ep[f"{DEPTHS[-1]}_hidden"]
    good_deep = min(_epochs(deep["xavier"]), _epochs(deep["he"]))
    a = all(s["std 10"] > SATURATION_HIGH and s["xavier"] < SATURATION_LOW for s in sat.values())
    b = _epochs(deep["std 10"]) > _epochs(deep["xavier"])
    c = shallow["std 0.01"] is not None
    d = _epochs(deep["std 0.01"]) > good_deep
    reason = ("saturation std 10 / Xavier: "
              + ", ".join(f"{k} {s['std 10']:.2f} / {s['xavier']:.2f}" for k, s in sat.items())
              + f"; epochs to loss < {LOSS_THRESHOLD}: shallow std 0.01 {shallow['std 0.01']}, "
              f"std 10 {shallow['std 10']}, Xavier {shallow['xavier']}; deep std 0.01 "
              f"{deep['std 0.01']}, std 10 {deep['std 10']}, Xavier {deep['xavier']}, He "
              f"{deep['he']} (None: never); (a, b, c, d) = {(a, b, c, d)}")
    if a and b and c and d:
        return CONFIRMED, reason
    if math.isinf(good_deep):
        return INCONCLUSIVE, reason + ": neither Xavier nor He trains the deep net"
    return NOT_CONFIRMED, reason


EXPERIMENT = Experiment(
    name="init-scale-saturation",
    claim=("Large initial weights put tanh in its flat regions and slow learning; N(0, 0.01^2) "
           "is fine for one hidden layer, deep nets need Xavier/He. On XOR with width-32 tanh nets "
           f"of {DEPTHS[0]} and {DEPTHS[-1]} hidden layers: (a) the saturated fraction at init is "
           f"> {SATURATION_HIGH} at std 10 and < {SATURATION_LOW} with Xavier (both depths); "
           f"(b) in the {DEPTHS[-1]}-layer net std 10 needs more epochs than Xavier to bring the "
           f"training loss below {LOSS_THRESHOLD} (or never does); (c) std 0.01 gets there in the "
           f"{DEPTHS[0]}-layer net; (d) in the {DEPTHS[-1]}-layer net std 0.01 is slower than the "
           "faster of Xavier and He (or never gets there). INCONCLUSIVE if neither Xavier nor He "
           "trains the deep net."),
    measure=measure, decide=decide, key_metric="deep_std10_epochs")
