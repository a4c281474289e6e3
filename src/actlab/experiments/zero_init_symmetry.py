"""zero-init-symmetry: equal initial weights keep hidden units identical, forever.

If every unit of a layer starts with the same incoming and outgoing weights, each one
computes the same activation and receives the same gradient, so every update keeps
them equal: the layer behaves as a single unit. Measured: tanh networks with two hidden
layers trained with Adam on circles from all-zero weights, from constant weights
(``CONSTANT``) and from ``actlab.init.small_random`` (randn * 0.01): the number of
distinct hidden units per layer (:func:`actlab.diagnostics.distinct_columns`, columns
equal to 1e-12 relative) after every epoch and on the whole dataset at the end, and the
training accuracy of each.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from actlab import data
from actlab import init as initialisers
from actlab.experiments.base import CONFIRMED, NOT_CONFIRMED, Experiment, Measurement
from actlab.nn import MLP, Adam, train

HIDDEN = (16, 16)
CONSTANT = 0.1
INITS = {
    "zeros": "zeros",
    "constant": lambda shape, act, rng: initialisers.constant(shape, CONSTANT),
    "small_random": "small_random",
}


def measure(quick: bool, rng: np.random.Generator) -> Measurement:
    n_samples, epochs = (200, 50) if quick else (400, 500)
    ds = data.circles(rng=rng, n_samples=n_samples)
    Y = ds.y[:, None].astype(np.float64)
    distinct_curves: dict[str, list[list[int]]] = {}
    final: dict[str, list[int]] = {}
    accuracy: dict[str, float] = {}
    for name, init in INITS.items():
        net = MLP.build((2, *HIDDEN, 1), "tanh", "binary_cross_entropy", init=init, rng=rng)
        result = train(net, ds.X, Y, optimizer=Adam(1e-2), batch_size=32, max_epochs=epochs,
                       rng=rng, n_iter_no_change=epochs)
        distinct_curves[name] = [[s.distinct_units for s in h["report"].layers]
                                 for h in result.history]
        final[name] = [s.distinct_units for s in net.diagnose(ds.X).layers]
        accuracy[name] = float(np.mean((net.predict(ds.X)[:, 0] > 0.5) == ds.y))
    # the most distinct units any layer showed at any epoch or at the end
    most = {name: max(max(max(c) for c in distinct_curves[name]), max(final[name]))
            for name in INITS}
    fewest = {name: min(min(min(c) for c in distinct_curves[name]), min(final[name]))
              for name in INITS}
    fig = Figure(figsize=(6, 3.4), layout="constrained")
    ax = fig.subplots()
    for name in INITS:
        for layer in range(len(HIDDEN)):
            ax.plot(range(1, epochs + 1), [c[layer] for c in distinct_curves[name]],
                    ls="-" if layer == 0 else "--", label=f"{name}, hidden {layer + 1}")
    ax.set(title="distinct hidden units while training", xlabel="epoch", ylabel="distinct units",
           ylim=(0, max(HIDDEN) + 1))
    ax.legend(fontsize=7)
    return Measurement(
        setup={"sizes": [2, *HIDDEN, 1], "activation": "tanh", "constant": CONSTANT,
               "optimizer": "Adam(1e-2)", "batch_size": 32, "epochs": epochs,
               "dataset": "circles", "n_samples": n_samples},
        metrics={"final_distinct_units": final, "max_distinct_units": most,
                 "min_distinct_units": fewest, "width": list(HIDDEN), "accuracy": accuracy,
                 "accuracy_gain_small_random_vs_zeros": accuracy["small_random"] - accuracy["zeros"]},
        figures={"distinct_units": fig})


def decide(m: Mapping[str, Any]) -> tuple[str, str]:
    most, fewest = m["max_distinct_units"], m["min_distinct_units"]
    stuck = most["zeros"] == 1 and most["constant"] == 1
    broken = fewest["small_random"] == min(m["width"])  # HIDDEN layers share one width
    acc = m["accuracy"]
    reason = (f"most distinct units in any layer: zeros {most['zeros']}, constant "
              f"{most['constant']}; fewest for small_random {fewest['small_random']} of "
              f"{min(m['width'])}; accuracy zeros {acc['zeros']:.3f}, constant "
              f"{acc['constant']:.3f}, small_random {acc['small_random']:.3f}")
    return (CONFIRMED if stuck and broken else NOT_CONFIRMED), reason


EXPERIMENT = Experiment(
    name="zero-init-symmetry",
    claim=("All-zero or constant initial weights keep every hidden unit identical under gradient "
           "descent, forever: after 50 (quick) / 500 epochs each hidden layer of a zero- and a "
           f"constant({CONSTANT})-initialised tanh network has exactly 1 distinct unit at every "
           "epoch, while randn * 0.01 (small_random) gives all units distinct in every layer."),
    measure=measure, decide=decide, key_metric="max_distinct_units")
