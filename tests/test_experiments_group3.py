"""The experiments he-init-deep, selu-self-normalising, sigmoid-top-layer-saturation and
nonlinearity-overfits: each runs (quick), is deterministic and JSON-able, and each
``decide`` can give every verdict it defines on synthetic metrics."""

from __future__ import annotations

import json

import numpy as np
import pytest

from actlab import experiments
from actlab.experiments import CONFIRMED, INCONCLUSIVE, NOT_CONFIRMED, VERDICTS

NAMES = ["he-init-deep", "selu-self-normalising", "sigmoid-top-layer-saturation",
         "nonlinearity-overfits"]


@pytest.mark.parametrize("name", NAMES)
def test_quick_run_is_valid_and_deterministic(name: str) -> None:
    first = experiments.run(name, quick=True, seed=3)
    assert first.verdict in VERDICTS
    assert first.reason
    assert first.figures
    json.dumps(first.to_dict())
    again = experiments.run(name, quick=True, seed=3)
    assert json.dumps(again.to_dict()["metrics"]) == json.dumps(first.to_dict()["metrics"])
    assert again.verdict == first.verdict


def _decide(name: str, metrics: dict) -> str:
    verdict, reason = experiments.get(name).decide(metrics)
    assert reason
    return verdict


# ---------------------------------------------------------------------------- he-init-deep
def _he(xavier_ratio: float, he_ratio: float, xavier_curve: list[float],
        he_curve: list[float]) -> dict:
    return {"xavier_std_ratio": xavier_ratio, "he_std_ratio": he_ratio,
            "xavier_loss_curve": xavier_curve, "he_loss_curve": he_curve,
            "xavier_rms_ratio_to_input": xavier_ratio / 2, "predicted_rms_ratio": 2.0 ** -15}


def test_he_init_deep_decide() -> None:
    stalls, learns = [0.693, 0.693, 0.693], [0.7, 0.5, 0.2]
    assert _decide("he-init-deep", _he(5e-5, 1.1, stalls, learns)) == CONFIRMED
    # Xavier's loss dropping more than He's is fine as long as it did not drop by 10%
    assert _decide("he-init-deep", _he(5e-5, 1.1, [0.7, 0.68], [0.6, 0.69])) == CONFIRMED
    assert _decide("he-init-deep", _he(0.3, 1.1, stalls, learns)) == NOT_CONFIRMED
    assert _decide("he-init-deep", _he(5e-5, 0.3, stalls, learns)) == NOT_CONFIRMED
    assert _decide("he-init-deep", _he(5e-5, 2.5, stalls, learns)) == NOT_CONFIRMED
    assert _decide("he-init-deep", _he(5e-5, 1.1, [0.7, 0.2], [0.7, 0.5])) == NOT_CONFIRMED


# ------------------------------------------------------------------- selu-self-normalising
def _selu(all_: tuple[float, float, float], tail: tuple[float, float, float], relu_var: float,
          tanh_var: float) -> dict:
    m = {"relu_last_var": relu_var, "tanh_last_var": tanh_var, "tanh_var_at_10": 0.05}
    for scope, (mean, lo, hi) in (("all", all_), ("tail", tail)):
        m[f"selu_max_abs_mean_{scope}"], m[f"selu_min_var_{scope}"], m[f"selu_max_var_{scope}"] = (
            mean, lo, hi)
    return m


def test_selu_self_normalising_decide() -> None:
    good, bad = (0.02, 0.95, 1.05), (0.3, 0.5, 1.6)
    assert _decide("selu-self-normalising", _selu(good, good, 1e-30, 5e-3)) == CONFIRMED
    verdict, reason = experiments.get("selu-self-normalising").decide(
        _selu(bad, good, 1e-30, 1.0))
    assert verdict == CONFIRMED and "last 50" in reason  # only relu drifted, only the tail holds
    assert _decide("selu-self-normalising", _selu(bad, bad, 1e-30, 5e-3)) == NOT_CONFIRMED
    assert _decide("selu-self-normalising", _selu(good, good, 0.9, 1.1)) == NOT_CONFIRMED
    assert _decide("selu-self-normalising",
                   _selu((0.02, 0.79, 1.0), (0.02, 0.79, 1.0), 1e-30, 5e-3)) == NOT_CONFIRMED


# ------------------------------------------------------------ sigmoid-top-layer-saturation
def _sigmoid(old_min: float, xavier_min: float) -> dict:
    return {"old_top_mean_min": old_min, "xavier_top_mean_min": xavier_min,
            "old_top_mean_final": old_min, "xavier_top_mean_final": xavier_min, "epochs_run": 10}


def test_sigmoid_top_layer_saturation_decide() -> None:
    assert _decide("sigmoid-top-layer-saturation", _sigmoid(0.02, 0.45)) == CONFIRMED
    assert _decide("sigmoid-top-layer-saturation", _sigmoid(0.3, 0.45)) == NOT_CONFIRMED
    assert _decide("sigmoid-top-layer-saturation", _sigmoid(0.02, 0.07)) == NOT_CONFIRMED
    assert _decide("sigmoid-top-layer-saturation", _sigmoid(0.1, 0.45)) == NOT_CONFIRMED


# ------------------------------------------------------------------- nonlinearity-overfits
def _overfit(rho: float, small: float, large: float) -> dict:
    return {"spearman_params_gap": rho, "smallest_gap": small, "largest_gap": large,
            "max_gap": max(small, large), "smallest_params": 17, "largest_params": 50_000}


def test_nonlinearity_overfits_decide() -> None:
    assert _decide("nonlinearity-overfits", _overfit(0.8, 0.01, 0.12)) == CONFIRMED
    assert _decide("nonlinearity-overfits", _overfit(0.4, 0.01, 0.12)) == NOT_CONFIRMED
    assert _decide("nonlinearity-overfits", _overfit(0.8, 0.03, 0.06)) == NOT_CONFIRMED
    assert _decide("nonlinearity-overfits", _overfit(float("nan"), 0.1, 0.1)) == NOT_CONFIRMED
    assert _decide("nonlinearity-overfits", _overfit(0.9, 0.0, 0.01)) == INCONCLUSIVE


def test_nonlinearity_overfits_spearman() -> None:
    from actlab.experiments.nonlinearity_overfits import _spearman

    assert _spearman([1, 2, 3, 4], [0.1, 0.3, 0.2, 0.9]) == pytest.approx(0.8)
    assert np.isnan(_spearman([1, 2, 3], [0.5, 0.5, 0.5]))
