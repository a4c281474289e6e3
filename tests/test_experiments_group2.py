"""dead-relu, zero-centred, relu-converges-faster, exp-cost: quick runs and both verdicts."""

from __future__ import annotations

import json

import numpy as np
import pytest

from actlab import experiments
from actlab.experiments import CONFIRMED, INCONCLUSIVE, NOT_CONFIRMED, VERDICTS

NAMES = ("dead-relu", "zero-centred", "relu-converges-faster", "exp-cost")
#: exp-cost's metrics that do not depend on the clock
EXP_COST_FIXED = ("family", "n_piecewise_linear", "n_exp_family")


@pytest.fixture(scope="module")
def quick_runs() -> dict[str, tuple]:
    return {name: (experiments.run(name, quick=True, seed=3), experiments.run(name, quick=True, seed=3))
            for name in NAMES}


def _fixed(name: str, metrics: dict) -> dict:
    keep = EXP_COST_FIXED if name == "exp-cost" else metrics
    return json.loads(json.dumps({k: metrics[k] for k in keep}))


@pytest.mark.parametrize("name", NAMES)
def test_quick_run_is_valid_and_deterministic(name: str, quick_runs: dict) -> None:
    first, second = quick_runs[name]
    assert first.verdict in VERDICTS
    assert first.reason
    json.dumps(first.to_dict())
    assert first.key_metric in first.metrics
    assert first.figures
    assert _fixed(name, first.metrics) == _fixed(name, second.metrics)


def _dead_metrics(relu_sgd: list[float], relu_adagrad: float, others: float = 0.0) -> dict:
    rates = [1e-3, 1e-2, 1e-1, 1.0]
    return {"learning_rates": rates,
            "dead_sgd": {"relu": relu_sgd, "leaky_relu": [others] * 4, "elu": [0.0] * 4},
            "dead_adagrad": {"relu": [0.0, 0.0, 0.0, relu_adagrad], "leaky_relu": [0.0] * 4,
                             "elu": [0.0] * 4},
            "relu_dead_at_max_rate": relu_sgd[-1], "relu_dead_at_min_rate": relu_sgd[0],
            "relu_adagrad_dead_at_max_rate": relu_adagrad, "relu_xavier_dead_at_max_rate": 0.1,
            "relu_unlucky_bias_dead_before": 1.0, "relu_unlucky_bias_dead_after": 1.0}


def test_dead_relu_decide() -> None:
    decide = experiments.get("dead-relu").decide
    assert decide(_dead_metrics([0.0, 0.0, 0.1, 0.4], 0.1))[0] == CONFIRMED
    assert decide(_dead_metrics([0.0, 0.0, 0.1, 0.1], 0.0))[0] == NOT_CONFIRMED  # too few die
    assert decide(_dead_metrics([0.0, 0.0, 0.1, 0.4], 0.5))[0] == NOT_CONFIRMED  # Adagrad worse
    assert decide(_dead_metrics([0.0, 0.0, 0.1, 0.4], 0.1, others=0.01))[0] == NOT_CONFIRMED
    assert decide(_dead_metrics([0.0, 0.0, 0.0, 0.0], 0.0))[0] == INCONCLUSIVE


def _sign_metrics(sigmoid: float, tanh: float, e_tanh: int | None, e_sigmoid: int | None) -> dict:
    return {"width": 6, "chance": 2.0**-5,
            "same_sign_per_sample": {"tanh": tanh, "sigmoid": sigmoid, "centred sigmoid": tanh},
            "same_sign_per_batch": {"tanh": 0.03, "sigmoid": 0.8, "centred sigmoid": 0.03},
            "epochs_to_loss": {"tanh": e_tanh, "sigmoid": e_sigmoid, "centred sigmoid": None}}


def test_zero_centred_decide() -> None:
    decide = experiments.get("zero-centred").decide
    assert decide(_sign_metrics(1.0, 0.03, 10, 50))[0] == CONFIRMED
    assert decide(_sign_metrics(1.0, 0.03, 10, None))[0] == CONFIRMED
    assert decide(_sign_metrics(0.9, 0.03, 10, 50))[0] == NOT_CONFIRMED
    assert decide(_sign_metrics(1.0, 0.5, 10, 50))[0] == NOT_CONFIRMED
    assert decide(_sign_metrics(1.0, 0.03, 50, 10))[0] == NOT_CONFIRMED
    assert decide(_sign_metrics(1.0, 0.03, None, None))[0] == INCONCLUSIVE


def _speed_metrics(relu: float | None, tanh: float | None, sigmoid: float | None) -> dict:
    def ratio(v: float | None) -> float | None:
        return None if v is None or relu is None else v / relu

    return {"data": "synthetic", "epochs_to_error": {"relu": relu, "tanh": tanh, "sigmoid": sigmoid},
            "sigmoid_over_relu": ratio(sigmoid), "tanh_over_relu": ratio(tanh)}


def test_relu_converges_faster_decide() -> None:
    decide = experiments.get("relu-converges-faster").decide
    assert decide(_speed_metrics(1.0, 1.5, 6.0))[0] == CONFIRMED
    assert decide(_speed_metrics(1.0, None, None))[0] == CONFIRMED
    assert decide(_speed_metrics(1.0, 1.5, 1.5))[0] == NOT_CONFIRMED  # ratio < 2
    assert decide(_speed_metrics(1.0, 0.5, 6.0))[0] == NOT_CONFIRMED  # tanh first
    assert decide(_speed_metrics(None, 0.5, None))[0] == NOT_CONFIRMED
    assert decide(_speed_metrics(None, None, None))[0] == INCONCLUSIVE


def _cost_metrics(ratio32: float, ratio64: float) -> dict:
    med = {d: {"piecewise-linear": 2.0, "exp": 2.0 * r}
           for d, r in (("float32", ratio32), ("float64", ratio64))}
    return {"exp_over_piecewise_linear": {"float32": ratio32, "float64": ratio64},
            "family_median_ns": med, "raw_exp_over_maximum": {"float32": 1.5, "float64": 1.5}}


def test_exp_cost_decide() -> None:
    decide = experiments.get("exp-cost").decide
    assert decide(_cost_metrics(3.0, 2.5))[0] == CONFIRMED
    assert decide(_cost_metrics(1.2, 1.9))[0] == NOT_CONFIRMED
    assert decide(_cost_metrics(3.0, 1.5))[0] == INCONCLUSIVE


def test_exp_cost_covers_the_catalogue(quick_runs: dict) -> None:
    import actlab

    result = quick_runs["exp-cost"][0]
    for dtype in ("float32", "float64"):
        for kind in ("f", "df"):
            times = result.metrics["ns_per_element"][dtype][kind]
            assert set(times) == set(actlab.names())
            assert all(np.isfinite(v) and v > 0 for v in times.values())
