r"""vanishing-gradient: sigmoid' <= 1/4, so gradients shrink through sigmoid layers.

Backprop multiplies the gradient by :math:`w\,\sigma'(z)` at every layer; since
:math:`\sigma'(z) = \sigma(z)(1-\sigma(z)) \le 1/4`, a path through L sigmoid layers with
:math:`|w| \le 1` shrinks it by at least :math:`4^L` (10 layers: 1,048,576x).

Measured:

* the bound itself, exactly: random width-1 chains of L sigmoid units with
  :math:`w \sim U(-1, 1)` and :math:`b \sim N(0, 1)`, the largest
  :math:`|\prod_l w_l \sigma'(z_l)|` against :math:`4^{-L}`;
* in 10-hidden-layer networks (width 32, Xavier normal, on circles) with sigmoid, tanh
  and relu: the weight-gradient norm of every hidden layer at init and after training,
  the first/last ratio (geometric mean over several initialisations), and the largest
  product of the local derivatives :math:`\prod_l f'(z_l)` along random unit paths.

A wide layer sums over many paths and its weights are not bounded by 1, so the
network's own shrink factor need not be 4^L; it is reported as observed.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
from matplotlib.figure import Figure

import actlab
from actlab import data
from actlab.experiments.base import CONFIRMED, INCONCLUSIVE, NOT_CONFIRMED, Experiment, Measurement
from actlab.nn import MLP, Adam, train

DEPTH = 10
WIDTH = 32
ACTIVATIONS = ("sigmoid", "tanh", "relu")
#: the sigmoid net's first/last gradient ratio at init below this is "vanishing"
VANISHING_BAR = 1e-3
#: ... and it must be below this fraction of the tanh and relu nets' ratios
RELATIVE_BAR = 0.1
BOUND = 0.25**DEPTH
#: float64 rounding allowance when comparing a product of DEPTH factors to the bound
BOUND_RTOL = 1e-12


def chain_products(n_chains: int, rng: np.random.Generator) -> np.ndarray:
    """|prod_l w_l sigmoid'(z_l)| for width-1 sigmoid chains with |w_l| <= 1 (exact)."""
    sig = actlab.get("sigmoid")
    w = rng.uniform(-1.0, 1.0, (n_chains, DEPTH))
    b = rng.standard_normal((n_chains, DEPTH))
    a, prod = rng.standard_normal(n_chains), np.ones(n_chains)
    for layer in range(DEPTH):
        z = w[:, layer] * a + b[:, layer]
        prod *= np.abs(w[:, layer] * sig.grad(z))
        a = sig(z)
    return prod


def _probe(net: MLP, X: np.ndarray, Y: np.ndarray, paths: np.ndarray) -> tuple[list[float], float]:
    """Per-hidden-layer ||dL/dW|| on (X, Y), and the largest prod_l f'(z_l) over samples
    and the given unit paths (one unit index per hidden layer)."""
    ws = net.load(X, Y)
    net.loss_and_grads(ws)
    norms = [s.grad_norm for s in net.report(ws).layers]
    prod = np.ones((len(X), len(paths)))
    for layer in range(DEPTH):
        prod *= np.abs(net.layers[layer].act.grad(ws.z[layer][:, paths[:, layer]]))
    return norms, float(prod.max())


def measure(quick: bool, rng: np.random.Generator) -> Measurement:
    n_samples, n_nets, epochs, n_chains = (200, 2, 30, 10_000) if quick else (400, 5, 200, 1_000_000)
    ds = data.circles(rng=rng, n_samples=n_samples)
    Y = ds.y[:, None].astype(np.float64)
    paths = rng.integers(0, WIDTH, (256, DEPTH))
    sizes = (2, *([WIDTH] * DEPTH), 1)
    metrics: dict[str, Any] = {}
    init_norms, trained_norms = {}, {}
    for act in ACTIVATIONS:
        ratios, path_max = [], 0.0
        for k in range(n_nets):
            net = MLP.build(sizes, act, "binary_cross_entropy", init="xavier_normal", rng=rng)
            norms, pmax = _probe(net, ds.X, Y, paths)
            ratios.append(norms[0] / norms[-1])
            path_max = max(path_max, pmax)
            if k == 0:
                init_norms[act] = norms
                train(net, ds.X, Y, optimizer=Adam(1e-3), batch_size=32, max_epochs=epochs,
                      rng=rng, n_iter_no_change=epochs, diagnose_every=0)
                trained_norms[act], _ = _probe(net, ds.X, Y, paths)
        metrics[f"{act}_ratio_init"] = float(math.exp(np.mean(np.log(ratios))))
        metrics[f"{act}_ratio_trained"] = trained_norms[act][0] / trained_norms[act][-1]
        metrics[f"{act}_max_path_derivative_product"] = path_max
    chain = chain_products(n_chains, rng)
    metrics.update(
        grad_norms_init=init_norms, grad_norms_trained=trained_norms, bound=BOUND,
        chain_max_product=float(chain.max()),
        chain_min_shrink=float(1.0 / chain.max()),
        sigmoid_observed_shrink_init=float(1.0 / metrics["sigmoid_ratio_init"]))
    fig = Figure(figsize=(9, 3.4), layout="constrained")
    ax1, ax2 = fig.subplots(1, 2)
    for act in ACTIVATIONS:
        line, = ax1.semilogy(range(1, DEPTH + 1), init_norms[act], marker="o", label=f"{act}, init")
        ax1.semilogy(range(1, DEPTH + 1), trained_norms[act], ls="--", color=line.get_color(),
                     label=f"{act}, trained")
    ax1.set(title="||dL/dW|| per hidden layer (Xavier)", xlabel="hidden layer")
    ax1.legend(fontsize=7)
    ax2.hist(np.log10(chain), bins=60)
    ax2.axvline(math.log10(BOUND), color="k", ls="--", label="0.25^L")
    ax2.set(title=f"|prod w sigmoid'(z)|, {DEPTH}-unit chains, |w|<=1", xlabel="log10")
    ax2.legend()
    return Measurement(
        setup={"depth": DEPTH, "width": WIDTH, "init": "xavier_normal", "dataset": "circles",
               "n_samples": n_samples, "nets_per_activation": n_nets, "train_epochs": epochs,
               "optimizer": "Adam(1e-3)", "paths": len(paths), "chains": n_chains},
        metrics=metrics, figures={"gradients": fig})


def decide(m: Mapping[str, Any]) -> tuple[str, str]:
    sig, tanh, relu = (m[f"{a}_ratio_init"] for a in ACTIVATIONS)
    limit = BOUND * (1 + BOUND_RTOL)
    bound_ok = (m["chain_max_product"] <= limit
                and m["sigmoid_max_path_derivative_product"] <= limit)
    reason = (f"first/last gradient ratio at init: sigmoid {sig:.3g}, tanh {tanh:.3g}, relu "
              f"{relu:.3g}; largest |prod w sigmoid'| on |w|<=1 chains {m['chain_max_product']:.3g}, "
              f"largest prod sigmoid' on a path {m['sigmoid_max_path_derivative_product']:.3g} "
              f"(bound 0.25^{DEPTH} = {BOUND:.3g}); observed sigmoid shrink "
              f"{1 / sig if sig else math.inf:.3g}x")
    if not all(math.isfinite(r) and r > 0 for r in (sig, tanh, relu)):
        return INCONCLUSIVE, reason + ": a gradient ratio is not a positive number"
    if not bound_ok:
        return NOT_CONFIRMED, reason + ": the 4^L bound fails"
    if sig < VANISHING_BAR and sig < RELATIVE_BAR * min(tanh, relu):
        return CONFIRMED, reason + ": vanishing"
    return NOT_CONFIRMED, reason


EXPERIMENT = Experiment(
    name="vanishing-gradient",
    claim=(f"sigmoid' <= 0.25, so a gradient through L sigmoid layers with |w| <= 1 shrinks by "
           f">= 4^L ({DEPTH} layers: {4**DEPTH:,}x): no width-1 chain and no unit path exceeds "
           f"0.25^{DEPTH}, and in {DEPTH}-layer width-{WIDTH} Xavier networks the sigmoid net's "
           f"first/last hidden-layer gradient ratio at init is < {VANISHING_BAR:g} and < "
           f"{RELATIVE_BAR} x the tanh and relu nets' ratios."),
    measure=measure, decide=decide, key_metric="sigmoid_ratio_init")
