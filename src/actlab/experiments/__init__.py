"""The experiments: each claim of the tutorials, tested by a computation that can fail.

``names()`` lists them, ``run(name, quick=False, rng=...)`` runs one and returns a
:class:`~actlab.experiments.base.Result`; ``actlab experiment ...`` is the CLI. Each
experiment lives in its own module of this package and is registered in ``_MODULES``.
"""

from __future__ import annotations

import importlib
import time

import numpy as np

from actlab.experiments.base import (
    CONFIRMED,
    INCONCLUSIVE,
    NOT_CONFIRMED,
    VERDICTS,
    Experiment,
    Measurement,
    Result,
)

#: experiment name -> module (in this package) defining EXPERIMENT, in the tutorials' order
_MODULES: dict[str, str] = {
    "linear-collapse": "linear_collapse",
    "vanishing-gradient": "vanishing_gradient",
    "zero-init-symmetry": "zero_init_symmetry",
    "init-scale-saturation": "init_scale_saturation",
    "dead-relu": "dead_relu",
    "zero-centred": "zero_centred",
    "relu-converges-faster": "relu_converges_faster",
    "exp-cost": "exp_cost",
    "softplus-derivative": "softplus_derivative",
    "he-init-deep": "he_init_deep",
    "selu-self-normalising": "selu_self_normalising",
    "sigmoid-top-layer-saturation": "sigmoid_top_layer_saturation",
    "nonlinearity-overfits": "nonlinearity_overfits",
}
_BY_KEY = {name.replace("-", "_"): name for name in _MODULES}

__all__ = ["CONFIRMED", "INCONCLUSIVE", "NOT_CONFIRMED", "VERDICTS", "Experiment", "Measurement",
           "Result", "get", "names", "run"]


def names() -> list[str]:
    """Names of every experiment, in the order of the tutorials' claims."""
    return list(_MODULES)


def get(name: str) -> Experiment:
    """The experiment called ``name`` (unknown names suggest close ones)."""
    from actlab.registry import lookup

    try:
        key = lookup("experiment", name, _BY_KEY, {})
    except ValueError as exc:  # show the names as users type them
        raise ValueError(str(exc).replace("_", "-")) from None
    module = importlib.import_module(f"actlab.experiments.{_MODULES[_BY_KEY[key]]}")
    return module.EXPERIMENT


def run(name: str, *, quick: bool = False, rng: np.random.Generator | None = None,
        seed: int = 0) -> Result:
    """Run one experiment; deterministic given ``rng`` (default: ``default_rng(seed)``)."""
    exp = get(name)
    rng = np.random.default_rng(seed) if rng is None else rng
    start = time.perf_counter()
    m = exp.measure(quick, rng)
    verdict, reason = exp.decide(m.metrics)
    if verdict not in VERDICTS:
        raise ValueError(f"experiment {name!r} returned verdict {verdict!r}; allowed: {VERDICTS}")
    return Result(name=exp.name, claim=exp.claim, setup=m.setup, metrics=m.metrics,
                  verdict=verdict, reason=reason, key_metric=exp.key_metric, figures=m.figures,
                  quick=quick, seed=seed, seconds=time.perf_counter() - start)
