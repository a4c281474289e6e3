"""exp-cost: activations built on exp (or erf) cost more to evaluate than piecewise-linear ones.

Every catalogue entry (``actlab.names()``) is timed, f and f' separately, on 2^22
float32 and float64 elements (quick mode: 2^16) drawn uniformly from [-5, 5]; each
timing is the median of several repeats, in ns per element, of actlab's NumPy kernels
(``act(x)``, ``act.grad(x)``, output arrays allocated per call as users call them).
Families come from ``act.cost``. For comparison the raw NumPy operations
``np.maximum(x, 0)`` and ``np.exp(x)`` are timed the same way.

NOTE: the timings are the only non-deterministic metrics; everything else (names,
families, sizes) depends on nothing but the catalogue.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
from matplotlib.figure import Figure

import actlab
from actlab.experiments.base import CONFIRMED, INCONCLUSIVE, NOT_CONFIRMED, Experiment, Measurement

#: the exp family's median ns/element must be at least this multiple of the
#: piecewise-linear family's, in both dtypes
RATIO_BAR = 2.0
EXP_FAMILY = ("exp", "erf")
DTYPES = ("float32", "float64")


def _ns_per_element(fn: Callable[[np.ndarray], Any], x: np.ndarray, repeats: int) -> float:
    fn(x[:4096])  # warm-up: first-call dispatch is not the kernel's cost
    times = []
    for _ in range(repeats):
        start = time.perf_counter_ns()
        fn(x)
        times.append(time.perf_counter_ns() - start)
    return float(np.median(times)) / x.size


def _median(values: list[float]) -> float:
    return float(np.median(values)) if values else float("nan")


def measure(quick: bool, rng: np.random.Generator) -> Measurement:
    # NOTE: 2 repeats in full mode keep 132 timings of 2^22 elements within 90 s on 2 cores
    log2_size, repeats = (16, 7) if quick else (22, 2)
    base = rng.uniform(-5.0, 5.0, 2**log2_size)
    names = actlab.names()
    family = {name: actlab.get(name).cost for name in names}
    ns: dict[str, dict[str, dict[str, float]]] = {d: {"f": {}, "df": {}} for d in DTYPES}
    raw: dict[str, dict[str, float]] = {}
    with np.errstate(all="ignore"):  # exp of large x in float32 may overflow: a timing, not a value
        for dtype in DTYPES:
            x = base.astype(dtype)
            for name in names:
                act = actlab.get(name)
                ns[dtype]["f"][name] = _ns_per_element(act, x, repeats)
                ns[dtype]["df"][name] = _ns_per_element(act.grad, x, repeats)
            raw[dtype] = {"maximum": _ns_per_element(lambda v: np.maximum(v, 0), x, repeats),
                          "exp": _ns_per_element(np.exp, x, repeats)}
    medians, ratios = {}, {}
    for dtype in DTYPES:
        both = [(n, v) for kind in ("f", "df") for n, v in ns[dtype][kind].items()]
        pl = _median([v for n, v in both if family[n] == "piecewise-linear"])
        ex = _median([v for n, v in both if family[n] in EXP_FAMILY])
        medians[dtype] = {"piecewise-linear": pl, "exp": ex}
        ratios[dtype] = ex / pl
    raw_ratio = {d: raw[d]["exp"] / raw[d]["maximum"] for d in DTYPES}

    fig = Figure(figsize=(9, 8), layout="constrained")
    ax = fig.subplots()
    total = {n: ns["float64"]["f"][n] + ns["float64"]["df"][n] for n in names}
    ranked = sorted(names, key=total.__getitem__)
    colours = {"piecewise-linear": "C0", "exp": "C3", "erf": "C1", "algebraic": "C2", "trig": "C4"}
    ax.barh(ranked, [ns["float64"]["f"][n] for n in ranked],
            color=[colours.get(family[n], "grey") for n in ranked], label="f")
    ax.barh(ranked, [ns["float64"]["df"][n] for n in ranked],
            left=[ns["float64"]["f"][n] for n in ranked],
            color=[colours.get(family[n], "grey") for n in ranked], alpha=0.45, label="f' (light)")
    ax.set(xlabel="ns / element, float64 (f dark, f' light)",
           title=f"actlab NumPy kernels, 2^{log2_size} elements; colour = act.cost")
    ax.tick_params(axis="y", labelsize=7)
    return Measurement(
        setup={"library": f"actlab NumPy kernels (numpy {np.__version__})", "dtypes": list(DTYPES),
               "elements": 2**log2_size, "repeats": repeats, "statistic": "median",
               "inputs": "uniform [-5, 5]",
               "note": "actlab computes float32 in float64 internally and casts back"},
        metrics={"family": family, "ns_per_element": ns, "family_median_ns": medians,
                 "exp_over_piecewise_linear": ratios, "raw_numpy_ns": raw,
                 "raw_exp_over_maximum": raw_ratio,
                 "ranked_float64": ranked, "ratio_float64": ratios["float64"],
                 "n_piecewise_linear": sum(c == "piecewise-linear" for c in family.values()),
                 "n_exp_family": sum(c in EXP_FAMILY for c in family.values())},
        figures={"ns-per-element": fig})


def decide(m: Mapping[str, Any]) -> tuple[str, str]:
    r, raw = m["exp_over_piecewise_linear"], m["raw_exp_over_maximum"]
    med = m["family_median_ns"]
    reason = ("median ns/element exp family / piecewise-linear family: "
              + ", ".join(f"{d} {med[d]['exp']:.3g}/{med[d]['piecewise-linear']:.3g} = {r[d]:.2f}x"
                          for d in DTYPES)
              + "; raw NumPy np.exp / np.maximum: "
              + ", ".join(f"{d} {raw[d]:.2f}x" for d in DTYPES)
              + " (actlab's kernels compute float32 in float64, so both dtypes pay float64 "
              "arithmetic plus casts)")
    ok = [r[d] >= RATIO_BAR for d in DTYPES]
    if all(ok):
        return CONFIRMED, reason
    if not any(ok):
        return NOT_CONFIRMED, reason
    return INCONCLUSIVE, "the dtypes disagree: " + reason


EXPERIMENT = Experiment(
    name="exp-cost",
    claim=("Exp-based activations cost more than threshold (piecewise-linear) ones: with actlab's "
           "NumPy kernels on 2^22 float32 and float64 elements (quick: 2^16), the median ns per "
           "element of f and f' over the exp/erf family is >= "
           f"{RATIO_BAR:g}x that of the piecewise-linear family, in both dtypes (INCONCLUSIVE if "
           "the dtypes disagree). Raw np.exp vs np.maximum is reported alongside."),
    measure=measure, decide=decide, key_metric="ratio_float64")
