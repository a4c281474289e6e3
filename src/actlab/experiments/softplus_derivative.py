"""softplus-derivative: SmoothReLU's derivative is the sigmoid, and softplus is a smooth ReLU.

Measured on the standard float64 grid (dense [-50, 50] plus log-spaced magnitudes up
to 1e3): max |softplus'(x) - sigmoid(x)| (in ulps of sigmoid), and max |softplus(x) -
relu(x)|, which is attained at 0 where it equals log 2.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
from matplotlib.figure import Figure

import actlab
from actlab.experiments.base import CONFIRMED, NOT_CONFIRMED, Experiment, Measurement

#: softplus' must equal sigmoid to this many ulps, and max |softplus - relu| must be
#: log 2 to this relative tolerance, attained within AT_ZERO of x = 0 (in float64 the
#: gap rounds to log 2 for every |x| < 1e-16, so the argmax can be any of those)
ULP_BAR = 4
GAP_RTOL = 1e-12
AT_ZERO = 1e-6


def measure(quick: bool, rng: np.random.Generator) -> Measurement:
    mags = np.logspace(-30, 3, 200 if quick else 2000)
    x = np.unique(np.concatenate([-mags, [0.0], mags, np.linspace(-50, 50, 2001 if quick else 20001),
                                  rng.uniform(-50, 50, 1000 if quick else 10000)]))
    sp, sig, relu = actlab.get("softplus"), actlab.get("sigmoid"), actlab.get("relu")
    d, s = sp.grad(x), sig(x)
    ulps = np.abs(d - s) / np.spacing(np.abs(s))
    gap = sp(x) - relu(x)
    i = int(np.argmax(gap))
    fig = Figure(figsize=(9, 3.2), layout="constrained")
    a1, a2 = fig.subplots(1, 2)
    xs = np.linspace(-6, 6, 601)
    a1.plot(xs, sp(xs), label="softplus")
    a1.plot(xs, relu(xs), label="relu")
    a1.set(title="softplus is a smooth relu", xlabel="x")
    a1.legend()
    a2.plot(xs, sp.grad(xs), label="softplus'")
    a2.plot(xs, sig(xs), ls="--", label="sigmoid")
    a2.set(title="softplus' = sigmoid", xlabel="x")
    a2.legend()
    return Measurement(
        setup={"points": int(x.size), "dtype": "float64", "range": "[-50, 50] + |x| in 1e-30..1e3"},
        metrics={"max_ulps_derivative_vs_sigmoid": float(ulps.max()),
                 "max_gap_softplus_minus_relu": float(gap[i]), "gap_at": float(x[i]),
                 "log2": math.log(2.0)},
        figures={"softplus": fig})


def decide(m: Mapping[str, Any]) -> tuple[str, str]:
    same = m["max_ulps_derivative_vs_sigmoid"] <= ULP_BAR
    gap_ok = (abs(m["max_gap_softplus_minus_relu"] - m["log2"]) <= GAP_RTOL * m["log2"]
              and abs(m["gap_at"]) <= AT_ZERO)
    reason = (f"max |softplus' - sigmoid| = {m['max_ulps_derivative_vs_sigmoid']:.3g} ulp; "
              f"max (softplus - relu) = {m['max_gap_softplus_minus_relu']:.17g} at x = "
              f"{m['gap_at']:g} (log 2 = {m['log2']:.17g})")
    return (CONFIRMED if same and gap_ok else NOT_CONFIRMED), reason


EXPERIMENT = Experiment(
    name="softplus-derivative",
    claim=("SmoothReLU (softplus) has the sigmoid as its derivative, and is a smooth ReLU: "
           f"softplus' equals sigmoid to <= {ULP_BAR} ulp everywhere on the grid, and the largest "
           "gap softplus - relu is log 2 (to 1e-12), at x = 0 (within 1e-6)."),
    measure=measure, decide=decide, key_metric="max_ulps_derivative_vs_sigmoid")
