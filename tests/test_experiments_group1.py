"""Experiments linear-collapse, vanishing-gradient, zero-init-symmetry, init-scale-saturation:
quick runs (valid verdict, JSON metrics, determinism) and every decide function on
synthetic metrics, so each verdict can come out either way."""

from __future__ import annotations

import copy
import json

import pytest

from actlab import experiments
from actlab.experiments import CONFIRMED, INCONCLUSIVE, NOT_CONFIRMED, VERDICTS

NAMES = ("linear-collapse", "vanishing-gradient", "zero-init-symmetry", "init-scale-saturation")


@pytest.mark.parametrize("name", NAMES)
def test_quick_run_is_valid_and_deterministic(name: str) -> None:
    first = experiments.run(name, quick=True, seed=3)
    second = experiments.run(name, quick=True, seed=3)
    assert first.verdict in VERDICTS
    assert first.reason
    text = json.dumps(first.to_dict(), allow_nan=True)
    assert json.loads(text)["name"] == name
    assert first.to_dict()["metrics"] == second.to_dict()["metrics"]
    assert first.key_metric in first.metrics
    assert 1 <= len(first.figures) <= 2


def _decide(name: str, metrics: dict) -> str:
    return experiments.get(name).decide(metrics)[0]


def _changed(metrics: dict, path: tuple, value: object) -> dict:
    out = copy.deepcopy(metrics)
    target = out
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return out


LINEAR = {"max_collapse_rel_error": 3e-16, "identity_best_accuracy": 0.55,
          "nonlinear_worst_accuracy": 0.99}


@pytest.mark.parametrize(("path", "value", "verdict"), [
    ((), None, CONFIRMED),
    (("identity_best_accuracy",), 0.8, NOT_CONFIRMED),
    (("max_collapse_rel_error",), 1e-6, NOT_CONFIRMED),
    (("max_collapse_rel_error",), float("nan"), NOT_CONFIRMED),
    (("nonlinear_worst_accuracy",), 0.7, INCONCLUSIVE),
])
def test_linear_collapse_decide(path: tuple, value: object, verdict: str) -> None:
    metrics = _changed(LINEAR, path, value) if path else LINEAR
    assert _decide("linear-collapse", metrics) == verdict


VANISHING = {"sigmoid_ratio_init": 1e-8, "tanh_ratio_init": 0.9, "relu_ratio_init": 0.15,
             "chain_max_product": 2e-8, "sigmoid_max_path_derivative_product": 9e-7}


@pytest.mark.parametrize(("path", "value", "verdict"), [
    ((), None, CONFIRMED),
    (("sigmoid_ratio_init",), 5e-3, NOT_CONFIRMED),  # not vanishing
    (("relu_ratio_init",), 5e-8, NOT_CONFIRMED),  # not much smaller than relu's
    (("chain_max_product",), 1e-6, NOT_CONFIRMED),  # above 0.25^10
    (("sigmoid_max_path_derivative_product",), 2e-6, NOT_CONFIRMED),
    (("tanh_ratio_init",), float("nan"), INCONCLUSIVE),
    (("sigmoid_ratio_init",), 0.0, INCONCLUSIVE),
])
def test_vanishing_gradient_decide(path: tuple, value: object, verdict: str) -> None:
    metrics = _changed(VANISHING, path, value) if path else VANISHING
    assert _decide("vanishing-gradient", metrics) == verdict


SYMMETRY = {"max_distinct_units": {"zeros": 1, "constant": 1, "small_random": 16},
            "min_distinct_units": {"zeros": 1, "constant": 1, "small_random": 16},
            "width": [16, 16],
            "accuracy": {"zeros": 0.5, "constant": 0.5, "small_random": 1.0}}


@pytest.mark.parametrize(("path", "value", "verdict"), [
    ((), None, CONFIRMED),
    (("max_distinct_units", "zeros"), 2, NOT_CONFIRMED),
    (("max_distinct_units", "constant"), 16, NOT_CONFIRMED),
    (("min_distinct_units", "small_random"), 15, NOT_CONFIRMED),
])
def test_zero_init_symmetry_decide(path: tuple, value: object, verdict: str) -> None:
    metrics = _changed(SYMMETRY, path, value) if path else SYMMETRY
    assert _decide("zero-init-symmetry", metrics) == verdict


_RUN = {"std 0.01": 120, "std 0.1": 30, "std 1": 9, "std 10": 90, "xavier": 20, "he": 15}
SATURATION = {
    "saturation_at_init": {"1_hidden": {"std 10": 0.8, "xavier": 0.0},
                           "10_hidden": {"std 10": 0.94, "xavier": 0.0}},
    "epochs_to_threshold": {"1_hidden": dict(_RUN),
                            "10_hidden": {**_RUN, "std 0.01": None, "std 10": None}},
}


@pytest.mark.parametrize(("path", "value", "verdict"), [
    ((), None, CONFIRMED),
    (("saturation_at_init", "10_hidden", "std 10"), 0.4, NOT_CONFIRMED),  # (a)
    (("saturation_at_init", "1_hidden", "xavier"), 0.3, NOT_CONFIRMED),  # (a)
    (("epochs_to_threshold", "10_hidden", "std 10"), 10, NOT_CONFIRMED),  # (b)
    (("epochs_to_threshold", "1_hidden", "std 0.01"), None, NOT_CONFIRMED),  # (c)
    (("epochs_to_threshold", "10_hidden", "std 0.01"), 5, NOT_CONFIRMED),  # (d)
])
def test_init_scale_saturation_decide(path: tuple, value: object, verdict: str) -> None:
    metrics = _changed(SATURATION, path, value) if path else SATURATION
    assert _decide("init-scale-saturation", metrics) == verdict


def test_init_scale_saturation_inconclusive_without_a_trainable_deep_net() -> None:
    metrics = copy.deepcopy(SATURATION)
    metrics["epochs_to_threshold"]["10_hidden"].update(xavier=None, he=None)
    assert _decide("init-scale-saturation", metrics) == INCONCLUSIVE
