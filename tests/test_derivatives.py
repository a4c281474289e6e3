"""f' and f'' agree with finite differences of f and f' (away from kinks)."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import case_id, param_cases

import actlab


def _smooth_points(act: actlab.Activation) -> np.ndarray:
    # Points at least 0.05 away from every kink candidate used in the catalogue.
    x = np.linspace(-7.9, 7.9, 317) + 0.0123
    kinks = [0.0, 6.0, -3.0, 3.0, 1.0, -1.0]
    for v in act.params.values():
        kinks += [v, -v, (act.params.get("lower", 0) + act.params.get("upper", 0)) / 2]
    mask = np.min(np.abs(x[:, None] - np.array(kinks)[None, :]), axis=1) > 0.05
    return x[mask]


@pytest.mark.parametrize("case", param_cases(), ids=case_id)
def test_finite_differences(case) -> None:
    name, params = case
    act = actlab.get(name, **params)
    x = _smooth_points(act)
    h = 1e-5
    fd1 = (act(x + h) - act(x - h)) / (2 * h)
    fd2 = (act.grad(x + h) - act.grad(x - h)) / (2 * h)
    np.testing.assert_allclose(act.grad(x), fd1, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(act.grad2(x), fd2, rtol=1e-6, atol=1e-8)
    for p, g in act.param_grads(x).items():
        up, dn = act.replace(**{p: params[p] + h}), act.replace(**{p: params[p] - h})
        np.testing.assert_allclose(g, (up(x) - dn(x)) / (2 * h), rtol=1e-6, atol=1e-8)
