"""gelu_tanh where its float64 kernels switch formulas, swept densely against mpmath.

The test_accuracy grid steps by 0.05: too coarse to see a threshold. Here: across
``_GT_X_TAIL`` (one-exp formula above, ``exp_tail`` of the double-double u below), along
the edge of the Taylor window at the zero of f' (x = -1.15, where the f' formula cancels
most) and around 0; and the float32 kernels' clips at x = +-20.
"""

from __future__ import annotations

import numpy as np
import pytest
from reference import ulp_distance
from truth import TOLERANCE, reference, worst

import actlab
from actlab.catalogue.gaussian_family import _GT_X_TAIL

SWEEPS = {
    "tail": np.linspace(_GT_X_TAIL - 0.15, _GT_X_TAIL + 0.15, 1501),
    "zero_edge": np.linspace(-1.6, -1.1, 1001),
    "origin": np.linspace(-0.4, 0.4, 801),
}


def test_tail_switch_is_where_u_is_700() -> None:
    # exp_tail needs u <= -700 below the switch; above it e^-u (1 + x u') must not overflow.
    act = actlab.get("gelu_tanh")
    u = lambda x: 2 * np.sqrt(2 / np.pi) * (x + 0.044715 * x**3)  # noqa: E731
    assert -702.0 < u(_GT_X_TAIL) <= -700.0
    assert act(np.array([_GT_X_TAIL]))[0] < 0 and act.grad(np.array([_GT_X_TAIL]))[0] < 0


@pytest.mark.parametrize("order", [0, 1])
@pytest.mark.parametrize("sweep", list(SWEEPS))
def test_float64_sweep(sweep: str, order: int) -> None:
    act = actlab.get("gelu_tanh")
    xs = SWEEPS[sweep]
    want = reference("gelu_tanh", {}, order).values(xs, np.float64)
    got = (act, act.grad)[order](xs)
    err = ulp_distance(got, want)
    assert (err <= TOLERANCE[order]).all(), worst(xs, got, want, err)


@pytest.mark.parametrize("order", [0, 1])
def test_float32_clips(order: int) -> None:
    act = actlab.get("gelu_tanh")
    xs = np.concatenate([np.linspace(-20.5, -19.5, 401), np.linspace(19.5, 20.5, 401),
                         [-np.inf, np.inf]]).astype(np.float32)
    want = reference("gelu_tanh", {}, order).values(xs.astype(np.float64), np.float32)
    got = (act, act.grad)[order](xs)
    assert got.dtype == np.float32
    err = ulp_distance(got, want)
    assert (err <= TOLERANCE[order]).all(), worst(xs, got, want, err)
