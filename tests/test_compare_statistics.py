"""The comparison statistics against hand-computed values."""

from __future__ import annotations

import math

import pytest

from actlab.comparison import corrected_ttest, holm, leaderboard, recommendation


def test_corrected_ttest_by_hand() -> None:
    # d = [.01, .02, .03, 0, .04], K = 5, R = 1: mean .02, var (ddof 1) 2.5e-4,
    # corrected variance 2.5e-4 * (1/5 + 1/4) = 1.125e-4, t = .02 / sqrt(1.125e-4).
    t, p = corrected_ttest([0.01, 0.02, 0.03, 0.0, 0.04], n_splits=5)
    assert t == pytest.approx(0.02 / math.sqrt(1.125e-4), rel=1e-12)
    # Student's t with 4 degrees of freedom has a closed-form CDF:
    # F(t) = 1/2 + 3/8 * t/sqrt(1 + t^2/4) * (1 - (t^2/(1 + t^2/4))/12)
    u = t * t / (1 + t * t / 4)
    cdf = 0.5 + 3 / 8 * (t / math.sqrt(1 + t * t / 4)) * (1 - u / 12)
    assert p == pytest.approx(2 * (1 - cdf), rel=1e-12)
    # the naive paired t-test (no correction) would claim far more confidence
    naive_t = 0.02 / math.sqrt(2.5e-4 / 5)
    assert naive_t > 1.4 * t


def test_corrected_ttest_degenerate_cases() -> None:
    assert corrected_ttest([0.0, 0.0, 0.0], n_splits=3) == (0.0, 1.0)
    assert corrected_ttest([0.1, 0.1, 0.1], n_splits=3) == (math.inf, 0.0)
    with pytest.raises(ValueError, match="'n_splits' parameter must be an int >= 2"):
        corrected_ttest([0.1, 0.2], n_splits=1)


def test_holm_by_hand() -> None:
    # sorted 0.01, 0.03, 0.04 -> 3*0.01, max(that, 2*0.03), max(that, 1*0.04)
    assert holm([0.01, 0.04, 0.03]) == [0.03, 0.06, 0.06]
    assert holm([0.5, 0.9]) == [1.0, 1.0]


def test_leaderboard_ties_and_recommendation() -> None:
    folds = 10  # 5-fold x 2 repeats
    relu = [0.95, 0.96, 0.94, 0.95, 0.97, 0.95, 0.96, 0.94, 0.96, 0.95]
    elu = [0.96, 0.95, 0.95, 0.96, 0.96, 0.94, 0.96, 0.95, 0.95, 0.96]
    sigmoid = [v - 0.03 + 0.001 * i for i, v in enumerate(relu)]
    rows = leaderboard({"sigmoid": sigmoid, "relu": relu, "elu": elu}, n_splits=5,
                       costs={"relu": "piecewise-linear", "elu": "exp", "sigmoid": "exp"})
    assert [r.activation for r in rows] == ["elu", "relu", "sigmoid"]
    by = {r.activation: r for r in rows}
    assert by["elu"].tied_for_best and by["relu"].tied_for_best and not by["sigmoid"].tied_for_best
    assert by["elu"].p_vs_best is None and by["sigmoid"].p_vs_best < 0.05
    assert by["relu"].ci_low < by["relu"].mean < by["relu"].ci_high and by["relu"].n == folds
    text = recommendation(rows)
    assert text.startswith("elu and relu are tied for best")
    assert "prefer relu: it is the cheapest of them (piecewise-linear)" in text
    assert "sigmoid is worse by 2.6 points" in text


def test_leaderboard_requires_paired_folds() -> None:
    with pytest.raises(ValueError, match="same folds"):
        leaderboard({"a": [1, 2, 3], "b": [1, 2]}, n_splits=3, costs={})
