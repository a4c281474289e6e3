"""nonlinearity-overfits: more nonlinear capacity raises the risk of overfitting small data.

Measured: ReLU MLPs of every depth x width of a grid, each trained for the same fixed
number of epochs with Adam and no regularisation (no L2, no early stopping) on 200
noisy moons whose labels are flipped with probability LABEL_NOISE, then scored on
2000 fresh samples drawn (and label-flipped) the same way. The overfitting measure
is the gap train accuracy - test accuracy; capacity is the parameter count.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from matplotlib.figure import Figure
from scipy.stats import rankdata

from actlab import data
from actlab.experiments.base import CONFIRMED, INCONCLUSIVE, NOT_CONFIRMED, Experiment, Measurement
from actlab.nn import MLP, Adam, train

#: the gap must grow with capacity: Spearman(parameters, gap) >= RHO_BAR over the grid,
#: and the largest net's gap must exceed the smallest's by >= GAP_RISE; if no net's gap
#: reaches OVERFIT_BAR, nothing overfits and the verdict is INCONCLUSIVE
RHO_BAR = 0.6
GAP_RISE = 0.05
OVERFIT_BAR = 0.02
N_TRAIN, N_TEST, NOISE, LABEL_NOISE = 200, 2000, 0.25, 0.15


def _noisy_moons(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    ds = data.load("moons", rng=rng, n_samples=n, noise=NOISE)
    flip = rng.random(n) < LABEL_NOISE
    return ds.X, np.where(flip, 1 - ds.y, ds.y)


def _accuracy(net: MLP, X: np.ndarray, y: np.ndarray) -> float:
    return float(np.mean((net.predict(X)[:, 0] > 0.5) == y))


def _spearman(a: list[float], b: list[float]) -> float:
    """Spearman's rho (Pearson on average ranks); nan if either side is constant."""
    ra, rb = rankdata(a), rankdata(b)
    if np.ptp(ra) == 0 or np.ptp(rb) == 0:
        return float("nan")
    return float(np.corrcoef(ra, rb)[0, 1])


def measure(quick: bool, rng: np.random.Generator) -> Measurement:
    depths, widths = ((1, 2, 3), (4, 16, 64)) if quick else ((1, 2, 3, 4), (4, 8, 16, 32, 64))
    epochs = 250 if quick else 400
    X, y = _noisy_moons(N_TRAIN, rng)
    Xt, yt = _noisy_moons(N_TEST, rng)
    rows = []
    for depth in depths:
        for width in widths:
            net = MLP.build((2, *[width] * depth, 1), "relu", "binary_cross_entropy", init="he_normal",
                            rng=rng)
            train(net, X, y.reshape(-1, 1).astype(np.float64), optimizer=Adam(1e-2), batch_size=32,
                  max_epochs=epochs, rng=rng, n_iter_no_change=epochs, diagnose_every=0)
            tr, te = _accuracy(net, X, y), _accuracy(net, Xt, yt)
            rows.append({"depth": depth, "width": width,
                         "params": int(sum(p.size for p in net.params())),
                         "train_accuracy": tr, "test_accuracy": te, "gap": tr - te})
    params, gaps = [r["params"] for r in rows], [r["gap"] for r in rows]
    small, large = int(np.argmin(params)), int(np.argmax(params))
    metrics = {"grid": rows, "spearman_params_gap": _spearman(params, gaps),
               "smallest_gap": gaps[small], "largest_gap": gaps[large], "max_gap": max(gaps),
               "smallest_params": params[small], "largest_params": params[large]}

    fig = Figure(figsize=(6, 4), layout="constrained")
    ax = fig.subplots()
    for depth in depths:
        sel = [r for r in rows if r["depth"] == depth]
        ax.semilogx([r["params"] for r in sel], [r["gap"] for r in sel], "o-", label=f"depth {depth}")
    ax.axhline(0.0, color="0.6", lw=1)
    ax.set(title=f"overfitting vs capacity ({N_TRAIN} noisy moons, {epochs} epochs)",
           xlabel="parameters", ylabel="train acc - test acc")
    ax.legend()
    return Measurement(
        setup={"task": f"moons, noise {NOISE}, labels flipped with p = {LABEL_NOISE}",
               "n_train": N_TRAIN, "n_test": N_TEST, "depths": list(depths), "widths": list(widths),
               "net": "relu MLP, He normal, sigmoid output, binary cross-entropy",
               "optimizer": "Adam lr 0.01, batch 32", "epochs": epochs,
               "regularisation": "none (no L2, no early stopping)"},
        metrics=metrics, figures={"gap": fig})


def decide(m: Mapping[str, Any]) -> tuple[str, str]:
    rho, lo, hi = m["spearman_params_gap"], m["smallest_gap"], m["largest_gap"]
    reason = (f"Spearman(params, gap) = {rho:.3g}; gap {lo:.3g} at {m['smallest_params']} params "
              f"-> {hi:.3g} at {m['largest_params']}; largest gap {m['max_gap']:.3g}")
    if m["max_gap"] < OVERFIT_BAR:
        return INCONCLUSIVE, reason + f" (no net overfits by {OVERFIT_BAR:g})"
    grows = rho >= RHO_BAR and hi - lo >= GAP_RISE  # NOTE: a nan rho fails the comparison
    return (CONFIRMED if grows else NOT_CONFIRMED), reason


EXPERIMENT = Experiment(
    name="nonlinearity-overfits",
    claim=(f"More nonlinear capacity raises the risk of overfitting small data: on {N_TRAIN} noisy "
           f"moons ({LABEL_NOISE:.0%} label noise), trained for fixed epochs without regularisation, "
           f"the train - test accuracy gap grows with the parameter count (Spearman >= {RHO_BAR:g} "
           f"over a depth x width grid, and the largest net's gap exceeds the smallest's by >= "
           f"{GAP_RISE:g}); INCONCLUSIVE if no net's gap reaches {OVERFIT_BAR:g}."),
    measure=measure, decide=decide, key_metric="spearman_params_gap")
