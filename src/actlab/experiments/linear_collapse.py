"""linear-collapse: without a nonlinearity, depth adds nothing.

A network of identity layers computes ``X @ (W1 W2 ... W5) + b`` with one combined
bias ``b = (((b1 W2 + b2) W3 + b3) W4 + b4) W5 + b5``: a single linear map, so it
cannot separate circles or XOR however deep it is. Measured: 5-layer (4 hidden + output)
identity, tanh and relu networks of the same widths, trained with Adam on circles and
XOR; the trained identity network's output against the collapsed linear map; and the
training accuracy of each network on each dataset.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from actlab import data
from actlab.experiments.base import CONFIRMED, INCONCLUSIVE, NOT_CONFIRMED, Experiment, Measurement
from actlab.nn import MLP, Adam, train

#: the identity network's output must equal the collapsed map to this relative error
COLLAPSE_RTOL = 1e-10
#: at most this accuracy counts as "cannot fit" (chance is 0.5)
CHANCE_BAR = 0.65
#: the nonlinear networks must reach this accuracy for the comparison to mean anything
FIT_BAR = 0.95

ACTIVATIONS = ("identity", "tanh", "relu")
DATASETS = ("circles", "xor")
HIDDEN = (16, 16, 16, 16)  # 4 hidden layers + the output layer = 5 weight matrices


def collapsed_map(net: MLP) -> tuple[np.ndarray, np.ndarray]:
    """(W, b) with ``W = W1 W2 ... WL`` and the combined bias, for a network whose every
    layer is linear."""
    W, b = net.layers[0].W, net.layers[0].b
    for layer in net.layers[1:]:
        W, b = W @ layer.W, b @ layer.W + layer.b
    return W, b


def measure(quick: bool, rng: np.random.Generator) -> Measurement:
    n_samples, epochs = (200, 150) if quick else (400, 400)
    accuracy: dict[str, dict[str, float]] = {}
    curves: dict[tuple[str, str], list[float]] = {}
    collapse_err: dict[str, float] = {}
    for ds_name in DATASETS:
        ds = data.load(ds_name, rng=rng, n_samples=n_samples)
        Y = ds.y[:, None].astype(np.float64)
        accuracy[ds_name] = {}
        for act in ACTIVATIONS:
            net = MLP.build((2, *HIDDEN, 1), act, "binary_cross_entropy", init="auto", rng=rng)
            # no early stopping: the identity net must get every chance the others get
            result = train(net, ds.X, Y, optimizer=Adam(1e-2), batch_size=32, max_epochs=epochs,
                           rng=rng, n_iter_no_change=epochs, diagnose_every=0)
            curves[ds_name, act] = result.loss_curve
            accuracy[ds_name][act] = float(np.mean((net.predict(ds.X)[:, 0] > 0.5) == ds.y))
            if act == "identity":
                W, b = collapsed_map(net)
                out = net.logits(ds.X)
                collapse_err[ds_name] = float(np.max(np.abs(out - (ds.X @ W + b)))
                                              / np.max(np.abs(out)))
    fig = Figure(figsize=(9, 3.2), layout="constrained")
    for ax, ds_name in zip(fig.subplots(1, len(DATASETS)), DATASETS, strict=True):
        for act in ACTIVATIONS:
            ax.plot(curves[ds_name, act], label=f"{act} (acc {accuracy[ds_name][act]:.2f})")
        ax.set(title=f"{ds_name}: 5 layers deep", xlabel="epoch", ylabel="training loss")
        ax.legend()
    return Measurement(
        setup={"sizes": [2, *HIDDEN, 1], "init": "auto (variance scaling with the activation's gain)",
               "optimizer": "Adam(1e-2)", "batch_size": 32, "epochs": epochs,
               "n_samples": n_samples, "datasets": list(DATASETS)},
        metrics={"accuracy": accuracy, "collapse_rel_error": collapse_err,
                 "max_collapse_rel_error": max(collapse_err.values()),
                 "identity_best_accuracy": max(a["identity"] for a in accuracy.values()),
                 "nonlinear_worst_accuracy": min(min(a["tanh"], a["relu"])
                                                 for a in accuracy.values())},
        figures={"loss": fig})


def decide(m: Mapping[str, Any]) -> tuple[str, str]:
    err, ident, nonlin = (m["max_collapse_rel_error"], m["identity_best_accuracy"],
                          m["nonlinear_worst_accuracy"])
    reason = (f"identity net = one linear map to {err:.2g} relative; identity best accuracy "
              f"{ident:.3f} (bar {CHANCE_BAR}); tanh/relu worst accuracy {nonlin:.3f} "
              f"(bar {FIT_BAR})")
    if not err <= COLLAPSE_RTOL or ident > CHANCE_BAR:
        return NOT_CONFIRMED, reason
    if nonlin < FIT_BAR:
        return INCONCLUSIVE, reason + ": the nonlinear nets did not fit either"
    return CONFIRMED, reason


EXPERIMENT = Experiment(
    name="linear-collapse",
    claim=("Without a nonlinearity depth adds nothing: a 5-layer identity network equals the "
           f"single linear map X @ (W1...W5) + b (to {COLLAPSE_RTOL:g} relative) and cannot fit "
           f"circles or XOR (training accuracy <= {CHANCE_BAR}), while tanh and relu networks of "
           f"the same size reach >= {FIT_BAR}. INCONCLUSIVE if the nonlinear networks miss "
           f"{FIT_BAR}."),
    measure=measure, decide=decide, key_metric="identity_best_accuracy")
