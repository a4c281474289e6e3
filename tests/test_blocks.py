"""Blocked, threaded NumPy evaluation (actlab.blocks): same bits as one block, thread
settings validated, ``out=`` handled as before (aliasing included)."""

from __future__ import annotations

import numpy as np
import pytest
from reference import standard_grid

import actlab
from actlab import blocks

NAMES = actlab.names()
SMALL_BLOCK = 256  # the grid (~3600 points) then spans ~14 blocks


@pytest.fixture
def small_blocks(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(blocks, "BLOCK", SMALL_BLOCK)
    monkeypatch.setattr(blocks, "DIRECT", 2 * SMALL_BLOCK)
    monkeypatch.setattr(blocks, "_num_threads", blocks._num_threads)  # restored afterwards


def _inputs(dtype: type) -> tuple[np.ndarray, np.ndarray]:
    """The accuracy grid (NaN, +-inf, -0, subnormals, tails to +-1e3, the dense [-50, 50])
    shuffled so that every block mixes them, and a gradient with NaN, -0 and extremes."""
    rng = np.random.default_rng(7)
    x = rng.permutation(standard_grid(dtype)).astype(dtype)
    g = rng.normal(0.0, 1.0, x.size).astype(dtype)
    g[:4] = [np.nan, 1e30, -0.0, 1e-30]  # (inf would make 0 * inf warnings, as always)
    return x, g


def _bits(a: np.ndarray) -> np.ndarray:
    return a.view(np.dtype(f"u{a.itemsize}"))


def _calls(act: actlab.Activation, x: np.ndarray, g: np.ndarray, out: np.ndarray | None):
    return {
        "f": act(x, out=out),
        "grad": act.grad(x, out=out if out is None else out.copy()),
        "grad2": act.grad2(x, out=out if out is None else out.copy()),
        "backward": act.backward(x, g, out=out if out is None else out.copy()),
    }


@pytest.mark.parametrize("name", NAMES)
def test_blocked_and_threaded_give_the_single_block_bits(name: str, small_blocks,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    act = actlab.get(name)
    for dtype in (np.float32, np.float64):
        x, g = _inputs(dtype)
        with monkeypatch.context() as m:  # one block, on this thread
            m.setattr(blocks, "DIRECT", x.size)
            want = {k: v.copy() for k, v in _calls(act, x, g, None).items()}
        for threads in (1, 2):
            actlab.set_num_threads(threads)
            for out in (None, np.full_like(x, 7.0)):
                got = _calls(act, x, g, out)
                for k, v in got.items():
                    assert v.dtype == dtype and v.shape == x.shape
                    np.testing.assert_array_equal(
                        _bits(v), _bits(want[k]),
                        err_msg=f"{name} {k} {np.dtype(dtype).name} threads={threads} "
                                f"out={'given' if out is not None else 'None'}")
            # in place, as the NumPy MLP does it: act(z, out=z), act.backward(z, g, out=g)
            gg = g.copy()
            assert act.backward(x, gg, out=gg) is gg
            np.testing.assert_array_equal(_bits(gg), _bits(want["backward"]))
            xx = x.copy()
            assert act(xx, out=xx) is xx
            np.testing.assert_array_equal(_bits(xx), _bits(want["f"]))


def test_shapes_strides_and_overlapping_out(small_blocks) -> None:
    act = actlab.get("gelu")
    x, g = _inputs(np.float64)
    n = x.size - x.size % 6
    x2 = x[:n].reshape(6, -1)
    want = act(x2.copy())
    np.testing.assert_array_equal(act(np.asfortranarray(x2)), want)  # not C-contiguous
    np.testing.assert_array_equal(act(x2.T).T, want)
    # out overlapping x but shifted by one element: must not read what it already wrote
    buf = np.concatenate([[0.0], x])
    shifted = act(buf[1:], out=buf[:-1])
    np.testing.assert_array_equal(shifted, act(x))
    # out of another float dtype: cast on the way out, as before
    xs = np.clip(x, -1e3, 1e3)  # gelu(1e308) would overflow float32
    out32 = np.empty(x.shape, np.float32)
    np.testing.assert_array_equal(act(xs, out=out32), act(xs).astype(np.float32))


def test_out_errors_unchanged_for_large_arrays(small_blocks) -> None:
    relu = actlab.get("relu")
    n = 4 * SMALL_BLOCK
    with pytest.raises(ValueError, match=rf"out must have shape \({n},\)\. Got \(2,\)"):
        relu(np.zeros(n), out=np.zeros(2))
    with pytest.raises(TypeError, match="out must have a floating dtype"):
        relu(np.zeros(n), out=np.zeros(n, dtype=int))
    with pytest.raises(TypeError, match="out must have a floating dtype"):
        relu.backward(np.zeros(n), np.ones(n), out=np.zeros(n, dtype=int))


@pytest.mark.parametrize("bad", [0, -1, 1.5, "2", True, None])
def test_set_num_threads_rejects_bad_values(bad: object, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(blocks, "_num_threads", blocks._num_threads)
    with pytest.raises(ValueError) as err:
        actlab.set_num_threads(bad)  # type: ignore[arg-type]
    assert str(err.value) == (f"The 'n' parameter of set_num_threads must be an integer >= 1. "
                              f"Got {bad!r} instead.")


def test_thread_count_from_setting_environment_and_cores(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(blocks, "_num_threads", None)
    monkeypatch.setenv("ACTLAB_NUM_THREADS", "3")
    assert actlab.get_num_threads() == 3
    actlab.set_num_threads(np.int64(1))
    assert actlab.get_num_threads() == 1
    monkeypatch.setattr(blocks, "_num_threads", None)
    monkeypatch.delenv("ACTLAB_NUM_THREADS")
    assert actlab.get_num_threads() == blocks._cores() >= 1
    monkeypatch.setattr(blocks, "_num_threads", None)
    monkeypatch.setenv("ACTLAB_NUM_THREADS", "many")
    with pytest.raises(ValueError, match="The environment variable ACTLAB_NUM_THREADS must be "
                                         "an integer >= 1. Got 'many' instead."):
        actlab.get_num_threads()


def test_numpy_where_is_np_where_bit_for_bit() -> None:
    """NumpyOps.where (a bitwise blend on large arrays) against np.where itself."""
    from actlab.backend import NUMPY

    rng = np.random.default_rng(3)
    a = rng.normal(0.0, 1.0, 1000)
    b = rng.normal(0.0, 1.0, 1000)
    a[:5] = [np.nan, -np.nan, np.inf, -0.0, 5e-324]
    b[5:10] = [np.nan, -np.inf, -0.0, 0.0, -5e-324]
    cond = rng.random(1000) < 0.5
    for x, y in ((a, b), (a, 0.0), (-0.0, b), (1.0, 0), (a[::-1], np.float64(2.5))):
        np.testing.assert_array_equal(_bits(NUMPY.where(cond, x, y)), _bits(np.where(cond, x, y)))
    # anything else (other dtypes, broadcasting, small arrays) is np.where itself
    np.testing.assert_array_equal(NUMPY.where(cond, a.astype(np.float32), 0.0),
                                  np.where(cond, a.astype(np.float32), 0.0))
    np.testing.assert_array_equal(NUMPY.where(cond[:3], a[:3], b[:3]), np.where(cond[:3], a[:3], b[:3]))


def _fast_path_cases() -> list[tuple[str, dict[str, float]]]:
    """Entries with f_block/backward_block, with parameters scaled to cover their branches
    (each factor kept if the constructor accepts it)."""
    cases = []
    for name in NAMES:
        act = actlab.get(name)
        if type(act).f_block is None and type(act).backward_block is None:
            continue
        for factor in (1.0, 1.5, 0.1, -0.5, 30.0):
            try:
                cases.append((name, dict(act.replace(**{k: v * factor for k, v in
                                                        act.params.items()}).params)))
            except ValueError:
                continue
            if not act.params:
                break
    return cases


@pytest.mark.parametrize("case", _fast_path_cases(), ids=lambda c: f"{c[0]}-{c[1]}")
def test_fast_block_paths_equal_the_float64_kernels(case) -> None:
    from actlab.backend import NUMPY

    name, params = case
    act = actlab.get(name, **params)
    cls = type(act)
    for dtype in (np.float32, np.float64):
        x, g = _inputs(dtype)
        x64 = x.astype(np.float64)
        with np.errstate(over="ignore"):
            want_f = cls.f(NUMPY, x64, **params).astype(dtype)
            want_b = (cls.df(NUMPY, x64, **params) * g.astype(np.float64)).astype(dtype)
        for got, want in ((act(x), want_f), (act.backward(x, g), want_b)):
            assert got.dtype == dtype
            np.testing.assert_array_equal(got, want, err_msg=f"{act!r} {np.dtype(dtype).name}")
            np.testing.assert_array_equal(np.signbit(got), np.signbit(want))


@pytest.mark.parametrize("name", [n for n in NAMES if type(actlab.get(n)).float32_kernels])
def test_float32_kernels_near_interior_zeros(name: str) -> None:
    """float32_kernels skip the double-double and shrink the Taylor windows; the standard
    grid rarely comes close to the zeros of f and f', so check every float32 within 64
    ulps of each sign change of f and f' on [-8, 8] against mpmath."""
    from reference import ulp_distance
    from truth import TOLERANCE, reference, worst

    act = actlab.get(name)
    for order, fn in enumerate((act, act.grad)):
        if {0: "f", 1: "df"}[order] not in type(act).float32_kernels:
            continue
        grid = np.linspace(-8.0, 8.0, 16001)
        v = fn(grid)
        # sign changes between grid points, and zeros on them (gaussian' at 0)
        roots = np.concatenate([grid[:-1][(np.sign(v[:-1]) * np.sign(v[1:])) < 0], grid[v == 0]])
        # f' of a monotonic f need not change sign: nothing to probe then (test_accuracy
        # still checks those kernels on the standard grid)
        assert roots.size or order == 0 or act.properties.monotonic
        xs = np.concatenate([
            np.float32(r) + np.arange(-64, 65, dtype=np.float32) * np.spacing(np.float32(r))
            for r in roots] + [np.zeros(0, np.float32)]).astype(np.float32)
        if not xs.size:
            continue
        want = reference(name, dict(act.params), order).values(xs.astype(np.float64), np.float32)
        got = fn(xs)
        err = ulp_distance(got, want)
        assert (err <= TOLERANCE[order]).all(), worst(xs, got, want, err)
