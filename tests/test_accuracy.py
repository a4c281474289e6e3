"""Accuracy of f, f', f'' and df/dparam for every entry against mpmath (the issue's bar).

For every registered activation, with default and with other parameter values, on
the standard grid (0, -0, +-1e-30..1e3 log-spaced, [-50, 50] dense, dtype extremes,
+-inf, NaN), in float64, float32 and float16, on NumPy and on torch: f and f' within
4 ulp of the correctly rounded reference, f'' within 32 ulp. References come from the
entry's formula via SymPy and mpmath (``truth.py``, ``reference.py``), never from
actlab's kernels.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import case_id, param_cases
from reference import standard_grid, ulp_distance
from truth import TOLERANCE, reference, worst

import actlab

CASES = param_cases()
DTYPES = [np.float64, np.float32, np.float16]


@pytest.fixture(scope="session")
def cache_dir(request: pytest.FixtureRequest):
    cache = getattr(request.config, "cache", None)  # absent under -p no:cacheprovider
    return cache.mkdir("actlab-reference") if cache is not None else None


def _evaluate(fn, xs: np.ndarray, dtype, backend: str) -> np.ndarray:
    if backend == "numpy":
        return np.asarray(fn(xs.astype(dtype)))
    torch = pytest.importorskip("torch")
    t = torch.from_numpy(xs.astype(dtype))
    return fn(t).numpy()


@pytest.mark.parametrize("backend", ["numpy", "torch"])
@pytest.mark.parametrize("order", [0, 1, 2])
@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_accuracy(case, order: int, backend: str, cache_dir) -> None:
    name, params = case
    act = actlab.get(name, **params)
    fn = (act, act.grad, act.grad2)[order]
    ref = reference(name, params, order, cache_dir)
    failures = []
    for dtype in DTYPES:
        xs = standard_grid(dtype)
        want = ref.values(xs, dtype)
        got = _evaluate(fn, xs, dtype, backend)
        assert got.dtype == dtype
        err = ulp_distance(got, want)
        if (err > TOLERANCE[order]).any():
            failures.append(f"{np.dtype(dtype).name}: {worst(xs, got, want, err)}")
    assert not failures, f"{act!r} order {order} on {backend}: " + " | ".join(failures)


@pytest.mark.parametrize("case", [c for c in CASES if actlab.get(c[0]).learnable], ids=case_id)
def test_param_grads_accuracy(case, cache_dir) -> None:
    name, params = case
    act = actlab.get(name, **params)
    xs = standard_grid(np.float64)
    for p in act.learnable:
        want = reference(name, params, 1, cache_dir, wrt=p).values(xs, np.float64)
        got = act.param_grads(xs)[p]
        err = ulp_distance(got, want)
        assert (err <= TOLERANCE[0]).all(), f"d/d{p}: {worst(xs, got, want, err)}"
