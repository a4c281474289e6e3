"""Tests of the reference machinery (tests/reference.py) against known answers."""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
import reference
import sympy as sp
from reference import (
    DTYPES,
    NAN_MISMATCH,
    Reference,
    round_to_dtype,
    standard_grid,
    ulp_distance,
)

x = sp.Symbol("x", real=True)
FMT = {
    np.float16: dict(p=11, emin=-14, emax=15),
    np.float32: dict(p=24, emin=-126, emax=127),
    np.float64: dict(p=53, emin=-1022, emax=1023),
}


def mp2(e: int) -> mpmath.mpf:
    """2**e as an exact mpf (any exponent)."""
    return mpmath.mpf((0, 1, e, 1))


def exact_sum(*terms: mpmath.mpf) -> mpmath.mpf:
    with mpmath.workprec(4000):
        return mpmath.fsum(terms)


def same(a, b) -> bool:
    """Bitwise equality of two numpy scalars/arrays (so -0 != +0, NaN == NaN)."""
    a = np.asarray(a)
    b = np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


def mp_ref(f, v: float, dtype, dps: int = 400) -> np.floating:
    """Independent reference: a hand-written mpmath formula at a fixed, ample precision."""
    with mpmath.workdps(dps):
        return round_to_dtype(f(mpmath.mpf(v)), dtype)


# ----------------------------------------------------------------------------- round_to_dtype


@pytest.mark.parametrize("dtype", DTYPES)
def test_round_halfway_cases_go_to_even(dtype):
    p = FMT[dtype]["p"]
    one = mpmath.mpf(1)
    ulp = mp2(1 - p)  # ulp of 1
    # 1 + ulp/2: tie between 1 (even) and 1 + ulp (odd) -> 1
    assert same(round_to_dtype(exact_sum(one, ulp / 2), dtype), dtype(1.0))
    # 1 + 3 ulp/2: tie between 1 + ulp (odd) and 1 + 2 ulp (even) -> 1 + 2 ulp
    assert same(round_to_dtype(exact_sum(one, 3 * ulp / 2), dtype), dtype(1.0 + 2 * 2.0 ** (1 - p)))
    # Just above / below the tie
    tiny = mp2(-200)
    assert same(round_to_dtype(exact_sum(one, ulp / 2, tiny), dtype), dtype(1.0 + 2.0 ** (1 - p)))
    assert same(round_to_dtype(exact_sum(one, ulp / 2, -tiny), dtype), dtype(1.0))
    # Negative values mirror
    assert same(
        round_to_dtype(-exact_sum(one, 3 * ulp / 2), dtype), dtype(-(1.0 + 2 * 2.0 ** (1 - p)))
    )


@pytest.mark.parametrize("dtype", [np.float16, np.float32])
def test_round_halfway_matches_numpy_on_exact_float64_ties(dtype):
    # float64 numbers exactly halfway between two neighbours of `dtype` (constructed by hand):
    # numpy's float64 -> dtype conversion is correctly rounded on these.
    fi = np.finfo(dtype)
    lows = np.array(
        [
            1.0,
            1.5,
            3.0,
            1000.0,
            float(fi.max) / 2,
            float(fi.smallest_normal),
            float(fi.smallest_normal) * 3,
            0.1,
        ],
        dtype=np.float64,
    ).astype(dtype)
    lows = np.concatenate([lows, -lows])
    highs = np.nextafter(lows, np.where(lows > 0, np.inf, -np.inf).astype(dtype))
    mids = (lows.astype(np.float64) + highs.astype(np.float64)) / 2  # exact in float64
    assert np.all((mids != lows) & (mids != highs))
    expect = mids.astype(dtype)
    got = np.array([round_to_dtype(m, dtype) for m in mids], dtype=dtype)
    assert same(got, expect)
    # and the winner is the neighbour with an even significand
    assert np.all(expect.view(np.uint16 if dtype == np.float16 else np.uint32) % 2 == 0)


def test_round_does_not_double_round_through_float64():
    # 1 + 2**-24 + 2**-80 is above the float32 tie 1 + 2**-24, so it rounds up; through a
    # Python float it would first become the tie itself and then round (to even) down.
    v = exact_sum(mpmath.mpf(1), mp2(-24), mp2(-80))
    assert float(v) == 1 + 2.0**-24
    assert np.float32(float(v)) == np.float32(1.0)  # the double-rounding answer
    assert same(round_to_dtype(v, np.float32), np.float32(1 + 2.0**-23))
    # float16 likewise
    v = exact_sum(mpmath.mpf(1), mp2(-11), mp2(-70))
    assert same(round_to_dtype(v, np.float16), np.float16(1 + 2.0**-10))


@pytest.mark.parametrize("dtype", DTYPES)
def test_round_subnormals(dtype):
    f = FMT[dtype]
    q = f["emin"] - f["p"] + 1  # smallest subnormal is 2**q
    sub = dtype(np.finfo(dtype).smallest_subnormal)
    assert same(round_to_dtype(mp2(q), dtype), sub)
    # half of the smallest subnormal: tie between 0 (even) and 1 quantum -> +0 / -0
    assert same(round_to_dtype(mp2(q - 1), dtype), dtype(0.0))
    assert same(round_to_dtype(-mp2(q - 1), dtype), dtype(-0.0))
    # a hair above the half -> smallest subnormal
    assert same(round_to_dtype(exact_sum(mp2(q - 1), mp2(q - 300)), dtype), sub)
    # below the half -> (signed) zero, however tiny
    assert same(round_to_dtype(exact_sum(mp2(q - 1), -mp2(q - 300)), dtype), dtype(0.0))
    assert same(round_to_dtype(-mpmath.mpf("1e-100000"), dtype), dtype(-0.0))
    # 3/2 quantum: tie between 1 (odd) and 2 (even) quanta -> 2 quanta
    assert same(round_to_dtype(3 * mp2(q - 1), dtype), dtype(2 * sub))
    # 5/2 quantum -> 2 quanta (even)
    assert same(round_to_dtype(5 * mp2(q - 1), dtype), dtype(2 * sub))
    # in the subnormal range the quantum is fixed: 2**(emin-1) * (1 + 2**-(p-1)) is
    # 2**(emin - 1) + 2**(emin - p): half a quantum above a multiple -> tie -> even
    v = exact_sum(mp2(f["emin"] - 1), mp2(f["emin"] - f["p"]))
    assert same(round_to_dtype(v, dtype), dtype(2.0 ** (f["emin"] - 1)))
    # just below the smallest normal rounds up to it
    v = exact_sum(mp2(f["emin"]), -mp2(f["emin"] - f["p"] - 5))
    assert same(round_to_dtype(v, dtype), dtype(np.finfo(dtype).smallest_normal))


@pytest.mark.parametrize("dtype", DTYPES)
def test_round_overflow(dtype):
    f = FMT[dtype]
    fmax = mpmath.mpf(float(np.finfo(dtype).max))
    half_ulp = mp2(f["emax"] - f["p"])
    assert same(round_to_dtype(fmax, dtype), dtype(np.finfo(dtype).max))
    assert same(round_to_dtype(exact_sum(fmax, half_ulp), dtype), dtype(np.inf))
    assert same(round_to_dtype(-exact_sum(fmax, half_ulp), dtype), dtype(-np.inf))
    below = exact_sum(fmax, half_ulp, -mp2(f["emax"] - f["p"] - 100))
    assert same(round_to_dtype(below, dtype), dtype(np.finfo(dtype).max))
    assert same(round_to_dtype(mpmath.mpf("1e100000"), dtype), dtype(np.inf))


@pytest.mark.parametrize("dtype", DTYPES)
def test_round_specials_and_input_types(dtype):
    assert same(round_to_dtype(mpmath.inf, dtype), dtype(np.inf))
    assert same(round_to_dtype(-mpmath.inf, dtype), dtype(-np.inf))
    assert np.isnan(round_to_dtype(mpmath.nan, dtype))
    assert same(round_to_dtype(mpmath.mpf(0), dtype), dtype(0.0))
    assert same(round_to_dtype(3, dtype), dtype(3.0))
    assert same(round_to_dtype(0.5, dtype), dtype(0.5))
    assert same(round_to_dtype(mpmath.mpc(2, 0), dtype), dtype(2.0))
    assert type(round_to_dtype(mpmath.mpf(1), dtype)) is dtype
    with pytest.raises(ValueError):
        round_to_dtype(mpmath.mpc(1, 1), dtype)
    with pytest.raises(TypeError):
        round_to_dtype(1.0, np.int32)


@pytest.mark.parametrize("dtype", [np.float16, np.float32])
def test_round_matches_numpy_on_random_float64(dtype):
    # float64 -> float16/32 casts in numpy are correctly rounded; a float64 is an exact mpf.
    rng = np.random.default_rng(0)
    f = FMT[dtype]
    # values spread over the whole range of the target format, incl. subnormals/overflow
    e = rng.integers(f["emin"] - f["p"] - 3, f["emax"] + 3, 3000)
    m = rng.uniform(1, 2, 3000)
    vals = np.ldexp(m, e) * rng.choice([-1.0, 1.0], 3000)
    # and values exactly on / next to ties
    lo = rng.uniform(-1000, 1000, 1000).astype(dtype)
    hi = np.nextafter(lo, dtype(np.inf))
    mids = (lo.astype(np.float64) + hi.astype(np.float64)) / 2
    vals = np.concatenate([vals, mids, np.nextafter(mids, np.inf), np.nextafter(mids, -np.inf)])
    with np.errstate(over="ignore"):
        expect = vals.astype(dtype)
    got = np.array([round_to_dtype(v, dtype) for v in vals.tolist()], dtype=dtype)
    assert same(got, expect)


def test_round_float64_is_identity_on_float64():
    rng = np.random.default_rng(1)
    bits = rng.integers(0, 2**63 - 1, 2000, dtype=np.int64)
    vals = bits.view(np.float64)
    vals = np.concatenate([vals[np.isfinite(vals)], -vals[np.isfinite(vals)][:100]])
    got = np.array([round_to_dtype(v, np.float64) for v in vals.tolist()])
    assert same(got, vals)


# ----------------------------------------------------------------------------- ulp_distance


@pytest.mark.parametrize("dtype", DTYPES)
def test_ulp_distance_basic(dtype):
    fi = np.finfo(dtype)
    a = np.array([0.0, 1.0, -1.0, fi.max, -fi.max, 1.0, np.nan, np.nan, 1.0], dtype=dtype)
    b = np.array([-0.0, 1.0, -1.0, np.inf, -np.inf, 2.0, np.nan, 1.0, np.nan], dtype=dtype)
    d = ulp_distance(a, b)
    assert d.dtype == np.int64
    p = FMT[dtype]["p"]
    assert d.tolist() == [0, 0, 0, 1, 1, 2 ** (p - 1), 0, NAN_MISMATCH, NAN_MISMATCH]
    assert same(ulp_distance(b, a), d)


@pytest.mark.parametrize("dtype", DTYPES)
def test_ulp_distance_neighbours(dtype):
    fi = np.finfo(dtype)
    pts = np.array(
        [
            1.0,
            -1.0,
            0.1,
            fi.smallest_normal,
            -fi.smallest_normal,
            fi.smallest_subnormal,
            0.0,
            -0.0,
            1e3,
        ],
        dtype=dtype,
    )
    for direction in (np.inf, -np.inf):
        nb = np.nextafter(pts, dtype(direction))
        assert ulp_distance(pts, nb).tolist() == [1] * len(pts)
        nb2 = np.nextafter(nb, dtype(direction))
        assert ulp_distance(pts, nb2).tolist() == [2] * len(pts)
    sub = dtype(fi.smallest_subnormal)
    assert ulp_distance(sub, -sub) == 2
    assert ulp_distance(sub, dtype(0.0)) == 1
    assert ulp_distance(-sub, dtype(0.0)) == 1
    assert ulp_distance(-sub, dtype(-0.0)) == 1
    # largest subnormal -> smallest normal
    largest_sub = np.nextafter(dtype(fi.smallest_normal), dtype(0))
    assert ulp_distance(largest_sub, dtype(fi.smallest_normal)) == 1
    # subnormals count in units of the smallest subnormal
    assert ulp_distance(dtype(0.0), dtype(fi.smallest_normal)) == 2 ** (FMT[dtype]["p"] - 1)


def test_ulp_distance_exhaustive_float16():
    # Every float16: consecutive values in sorted order are 1 ulp apart (-0/+0: 0 apart).
    allv = np.arange(2**16, dtype=np.uint16).view(np.float16)
    allv = allv[~np.isnan(allv)]
    order = np.argsort(allv.astype(np.float64), kind="stable")
    s = allv[order]
    d = ulp_distance(s[:-1], s[1:])
    zero_pair = (s[:-1] == 0) & (s[1:] == 0)
    assert np.all(d[zero_pair] == 0) and zero_pair.sum() == 1
    assert np.all(d[~zero_pair] == 1)
    assert ulp_distance(np.float16(-np.inf), np.float16(np.inf)) == 2 * 31 * 1024


def test_ulp_distance_float64_extremes_and_errors():
    d = ulp_distance(
        np.array([-np.inf, -1.0, -np.finfo(np.float64).max]), np.array([np.inf, 1.0, 5.0])
    )
    assert np.all(d > 0) and np.all(d < NAN_MISMATCH)
    assert d[1] == 2 * 0x3FF0000000000000
    with pytest.raises(TypeError):
        ulp_distance(np.float32(1), np.float64(1))
    # broadcasting
    assert ulp_distance(np.float32([1, 2]), np.float32(1)).tolist() == [0, 2**23]


# ----------------------------------------------------------------------------- grid


@pytest.mark.parametrize("dtype", DTYPES)
def test_standard_grid(dtype):
    g = standard_grid(dtype)
    fi = np.finfo(dtype)
    assert g.dtype == np.float64
    assert 2500 <= g.size <= 4000
    with np.errstate(over="ignore"):
        assert same(g.astype(dtype).astype(np.float64), g)  # representable in dtype
    bits = g.view(np.int64)
    assert np.unique(bits).size == g.size  # no duplicates
    assert np.isnan(g).sum() == 1 and np.isnan(g[-1])
    fin = g[:-1]
    assert np.all(fin[:-1] <= fin[1:])  # sorted
    assert 0x8000000000000000 - 2**64 in bits.tolist() and 0 in bits.tolist()  # -0 and +0
    for v in [np.inf, fi.max, fi.smallest_normal, fi.smallest_subnormal, 1e3, 50.0, 1.0]:
        assert float(v) in g and -float(v) in g
    assert same(standard_grid(dtype), g)  # deterministic
    dense = g[(g >= -50) & (g <= 50)]
    assert dense.size >= 2500


# ----------------------------------------------------------------------------- Reference


def values1(expr, point: float, dtype=np.float64):
    return Reference(expr, x).values(np.array([point]), dtype)[0]


@pytest.mark.parametrize("dtype", DTYPES)
def test_reference_softplus_deep_negative(dtype):
    r = Reference(sp.log(1 + sp.exp(x)), x)
    got = r.values(np.array([-700.0, -30.0, 0.0, 30.0, 700.0]), dtype)
    f = lambda t: mpmath.log1p(mpmath.exp(t))  # noqa: E731 - cancellation-free form
    expect = np.array([mp_ref(f, v, dtype) for v in (-700.0, -30.0, 0.0, 30.0, 700.0)], dtype=dtype)
    assert same(got, expect)
    if dtype == np.float64:
        assert got[0] == pytest.approx(9.85967654375977e-305, rel=1e-14)


def test_reference_x_minus_tanh_tiny():
    r = Reference(x - sp.tanh(x), x)
    got = r.values(np.array([1e-30, 5e-324, 1e-5, 0.0, -0.0]), np.float64)
    assert got[0] == pytest.approx(1e-90 / 3, rel=1e-15)
    with mpmath.workdps(400):
        assert same(
            got[0], round_to_dtype(mpmath.mpf(1e-30) - mpmath.tanh(mpmath.mpf(1e-30)), np.float64)
        )
        assert same(
            got[2], round_to_dtype(mpmath.mpf(1e-5) - mpmath.tanh(mpmath.mpf(1e-5)), np.float64)
        )
    assert got[1] == 0.0 and got[3] == 0.0 and got[4] == 0.0
    # the high-precision value at the smallest subnormal is right (x**3/3, ~4e-971)
    v = r.mpf_values([5e-324])[0]
    with mpmath.workdps(50):
        assert mpmath.almosteq(v, mpmath.mpf(5e-324) ** 3 / 3, rel_eps=mpmath.mpf(10) ** -30)
    assert r.problems([1e-30, 5e-324, 1e-5]) == {}


@pytest.mark.parametrize("dtype", DTYPES)
def test_reference_sech2(dtype):
    pts = np.array([40.0, -40.0, 5.0, 0.0, 400.0, 1e4])
    got = Reference(1 - sp.tanh(x) ** 2, x).values(pts, dtype)
    expect = np.array([mp_ref(lambda t: mpmath.sech(t) ** 2, v, dtype) for v in pts], dtype=dtype)
    assert same(got, expect)
    if dtype == np.float64:
        assert got[0] == pytest.approx(7.2194055513816607e-35, rel=1e-15)


def test_reference_cap_zero_is_reported():
    # log(1 + exp(-x)) at 1e4 is ~1e-4343: 0 at every precision up to the 2000-digit cap
    r = Reference(sp.log(1 + sp.exp(-x)), x)
    assert same(r.values(np.array([1e4, 40.0]), np.float64), np.array([0.0, math.exp(-40.0)]))
    assert r.problems([1e4, 40.0]) == {1e4: "cap_zero"}
    # the documented limitation: a total cancellation times something huge
    r = Reference(sp.exp(x) * sp.log(1 + sp.exp(-x)), x)
    got = r.values(np.array([1e3, 1e5, np.inf]), np.float64)
    assert got.tolist() == [1.0, 0.0, 0.0]  # true: 1, 1, 1
    assert r.problems() == {1e5: "cap_zero", np.inf: "cap_zero"}


def test_reference_absorption_is_caught():
    # mish' written with the plain log(1 + exp(x)): at x = -280, 1 + exp(x) is exactly 1 at
    # 40 and 80 digits; the lost tanh(...) term is masked by the other one, so plain D/2D
    # agreement accepted a value off by 1/280. The perturbed check must catch it.
    mish = x * sp.tanh(sp.log(1 + sp.exp(x)))
    d1 = sp.diff(mish, x)

    def exact(t):
        sp_ = mpmath.log1p(mpmath.exp(t))
        sg = 1 / (1 + mpmath.exp(-t))
        return mpmath.tanh(sp_) + t * sg * mpmath.sech(sp_) ** 2

    pts = np.array([-280.0, -100.0, -700.0, -30.0, 3.0])
    got = Reference(d1, x).values(pts, np.float64)
    assert same(got, np.array([mp_ref(exact, v, np.float64, dps=1000) for v in pts]))


@pytest.mark.parametrize(
    "expr",
    [
        (1 + sp.erf(x / sp.sqrt(2))) / 2,
        x * sp.erfc(-x / sp.sqrt(2)) / 2,  # SymPy makes it x*(2 - erfc(x/sqrt(2)))/2
        3 - 3 * sp.erf(x),
        sp.erfc(x) - 1,
        x * (1 + sp.tanh(x)),
        sp.tanh(2 * x) - 1,
        1 - sp.tanh(x) ** 2,
        2 * (sp.tanh(x) ** 2 - 1) * sp.tanh(x),
    ],
)
def test_stabilize_rewrites_are_identities(expr):
    new = reference._stabilize(expr)
    assert new != expr

    def constant_next_to_special(a: sp.Basic) -> bool:
        return (
            isinstance(a, sp.Add)
            and any(t.is_Number for t in a.args)
            and a.has(sp.erf, sp.erfc, sp.tanh)
        )

    assert not any(constant_next_to_special(a) for a in sp.preorder_traversal(new))
    f_old = sp.lambdify(x, expr, modules=[reference._MP_OVERRIDES, "mpmath"])
    f_new = sp.lambdify(x, new, modules=[reference._MP_OVERRIDES, "mpmath"])
    with mpmath.workdps(60):
        for v in (-3.0, -0.7, 0.25, 1.5, 4.0):
            a, b = f_old(mpmath.mpf(v)), f_new(mpmath.mpf(v))
            assert mpmath.almosteq(
                a, b, rel_eps=mpmath.mpf(10) ** -50, abs_eps=mpmath.mpf(10) ** -50
            )


@pytest.mark.parametrize("dtype", DTYPES)
def test_reference_gelu_gaussian_tail(dtype):
    # the rewrite makes these cheap; the values must be those of the tail formula
    pts = np.array([-38.0, -50.0, -80.0, -120.0, -1e3, -5.0, 0.5, 60.0], dtype=dtype).astype(
        np.float64
    )
    for expr in (x * (1 + sp.erf(x / sp.sqrt(2))) / 2, x * sp.erfc(-x / sp.sqrt(2)) / 2):
        r = Reference(expr, x)
        got = r.values(pts, dtype)
        expect = np.array(
            [mp_ref(lambda t: t * mpmath.ncdf(t), v, dtype, dps=60) for v in pts], dtype=dtype
        )
        assert same(got, expect)
        assert r.problems(pts) == {}
    d1 = Reference(sp.diff(x * (1 + sp.erf(x / sp.sqrt(2))) / 2, x), x).values(pts, dtype)
    expect = [mp_ref(lambda t: mpmath.ncdf(t) + t * mpmath.npdf(t), v, dtype, dps=80) for v in pts]
    assert same(d1, np.array(expect, dtype=dtype))


def test_perturb_size():
    with mpmath.workdps(40):
        prec = mpmath.mp.prec
        for v in (mpmath.mpf(1), mpmath.mpf("-3.7e-300"), mpmath.pi):
            for _ in range(20):
                d = abs(reference._perturb(v) / v - 1)
                assert mpmath.mpf(2) ** -(prec - 7) <= d <= mpmath.mpf(2) ** -(prec - 8)
        assert reference._perturb(mpmath.mpf(0)) == 0
        assert reference._perturb(3) == 3


def test_reference_unknown_function_fails_early():
    with pytest.raises(ValueError, match="DiracDelta"):
        Reference(sp.diff(sp.sign(x), x), x)
    r = Reference(sp.diff(sp.sign(x), x) + 1, x, functions={"DiracDelta": lambda u: 0})
    assert r.values(np.array([-1.0, 2.0]), np.float64).tolist() == [1.0, 1.0]


@pytest.mark.parametrize("dtype", DTYPES)
def test_reference_normal_cdf_deep_tail(dtype):
    pts = np.array([-30.0, -5.0, 0.0, 3.0, 30.0])
    got = Reference((1 + sp.erf(x / sp.sqrt(2))) / 2, x).values(pts, dtype)
    expect = np.array([mp_ref(mpmath.ncdf, v, dtype) for v in pts], dtype=dtype)
    assert same(got, expect)
    if dtype == np.float64:
        assert got[0] == pytest.approx(4.906713927148187e-198, rel=1e-14)


@pytest.mark.parametrize("dtype", DTYPES)
def test_reference_limits(dtype):
    pts = np.array([np.inf, -np.inf, np.nan])
    silu = Reference(x / (1 + sp.exp(-x)), x).values(pts, dtype)
    assert silu[0] == np.inf and silu[1] == 0.0 and np.isnan(silu[2])
    assert np.signbit(silu[1])  # x * sigmoid(x) -> -0 from below
    assert np.all(np.isnan(Reference(sp.sin(x), x).values(pts, dtype)))
    at = Reference(sp.atan(x), x).values(pts, dtype)
    with mpmath.workdps(50):
        half_pi = round_to_dtype(mpmath.pi / 2, dtype)
    assert same(at[:2], np.array([half_pi, -half_pi], dtype=dtype))
    assert same(Reference(sp.erfc(x), x).values(pts[:2], dtype), np.array([0.0, 2.0], dtype=dtype))
    assert same(Reference(sp.tanh(x), x).values(pts[:2], dtype), np.array([1.0, -1.0], dtype=dtype))
    assert same(
        Reference(sp.exp(-x), x).values(pts[:2], dtype), np.array([0.0, np.inf], dtype=dtype)
    )
    assert same(Reference(x**2, x).values(pts[:2], dtype), np.array([np.inf, np.inf], dtype=dtype))
    # x*sin(1/x) -> 1 at +-inf (via huge arguments: sin(1e-400) etc.)
    assert same(
        Reference(x * sp.sin(1 / x), x).values(pts[:2], dtype), np.array([1.0, 1.0], dtype=dtype)
    )


def test_reference_nan_input():
    assert np.isnan(values1(x + 1, np.nan))
    assert np.isnan(values1(sp.Integer(3), np.nan))


def test_reference_piecewise_relational_boundaries():
    hswish = sp.Piecewise((0, x <= -3), (x * (x + 3) / 6, x < 3), (x, True))
    r = Reference(hswish, x)
    pts = [
        -3.0,
        np.nextafter(-3.0, 0),
        np.nextafter(-3.0, -4),
        3.0,
        np.nextafter(3.0, 0),
        1.0,
        -4.0,
        1e300,
    ]

    def direct(t):
        if t <= -3:
            return mpmath.mpf(0)
        if t < 3:
            return t * (t + 3) / 6
        return t

    got = r.values(np.array(pts), np.float64)
    expect = [mp_ref(direct, v, np.float64) for v in pts]
    assert same(got, np.array(expect))
    assert got[0] == 0.0 and got[3] == 3.0 and got[4] < 3.0
    # relationals against irrational / rational constants compare the exact float64 point
    # with the constant evaluated at the working precision
    above_pi = Reference(sp.Piecewise((1, x > sp.pi), (0, True)), x)
    fpi = math.pi  # 3.141592653589793 < pi
    assert above_pi.values(np.array([fpi, np.nextafter(fpi, 4)]), np.float64).tolist() == [0.0, 1.0]
    third = Reference(sp.Piecewise((1, x >= sp.Rational(1, 3)), (0, True)), x)
    t = 1 / 3  # 0.33333333333333331 < 1/3
    assert third.values(np.array([t, np.nextafter(t, 1)]), np.float64).tolist() == [0.0, 1.0]


def test_reference_abs_sign_max():
    pts = np.array([-2.5, -0.0, 0.0, 3.0, -np.inf, np.inf])
    assert Reference(sp.Abs(x), x).values(pts, np.float64).tolist() == [
        2.5,
        0.0,
        0.0,
        3.0,
        np.inf,
        np.inf,
    ]
    assert Reference(sp.sign(x), x).values(pts, np.float64).tolist() == [
        -1.0,
        0.0,
        0.0,
        1.0,
        -1.0,
        1.0,
    ]
    relu = Reference(sp.Max(x, 0), x)  # lambdify gives max(0, x): Python int 0 on one side
    assert relu.values(pts, np.float32).tolist() == [0.0, 0.0, 0.0, 3.0, 0.0, np.inf]
    assert relu.problems([-2.5, 3.0]) == {}  # the int 0 is exact: accepted at once


@pytest.mark.parametrize(
    "expr, f",
    [
        (sp.erf(x), mpmath.erf),
        (sp.erfc(x), mpmath.erfc),
        (sp.atan(x), mpmath.atan),
        (sp.sqrt(x), mpmath.sqrt),
        (sp.exp(x), mpmath.exp),
        (sp.log(x), mpmath.log),
        (x * sp.erfc(-x / sp.sqrt(2)) / 2, lambda t: t * mpmath.ncdf(t)),
        (
            sp.atan(x) / sp.pi + sp.Rational(1, 2),
            lambda t: mpmath.atan(t) / mpmath.pi + mpmath.mpf(1) / 2,
        ),
    ],
)
@pytest.mark.parametrize("dtype", DTYPES)
def test_reference_functions_match_mpmath(expr, f, dtype):
    pts = np.array([0.1, 0.5, 1.0, 2.5, 7.0, 27.0, 1e-20, 1e3, 1e30])
    pts = np.concatenate([pts, -pts])
    got = Reference(expr, x).values(pts, dtype)

    def g(t):
        v = f(t)
        return mpmath.nan if isinstance(v, mpmath.mpc) else v  # log/sqrt of negatives

    expect = np.array([mp_ref(g, v, dtype, dps=200) for v in pts], dtype=dtype)
    # +-0 compare equal: an exact zero at the cap (x*ncdf(x) at x = -1e3) has no sign
    assert ulp_distance(got, expect).tolist() == [0] * len(pts)


def test_reference_domain_errors_are_nan():
    r = Reference(sp.sqrt(x), x)
    got = r.values(np.array([-1.0, 4.0]), np.float64)
    assert np.isnan(got[0]) and got[1] == 2.0
    assert r.problems().get(-1.0) == "nan"
    # a removable singularity not written as Piecewise: NaN at 0, not the limit
    r = Reference(x / (sp.exp(x) - 1), x)
    got = r.values(np.array([0.0, 5e-324, 1e-300]), np.float64)
    assert (
        np.isnan(got[0]) and got[1] == 1.0 and got[2] == 1.0
    )  # 5e-324: ZeroDivision at 40 dps, escalated


def test_reference_memo_and_dtypes_share_one_evaluation(monkeypatch):
    expr = x * sp.tanh(sp.log(1 + sp.exp(x))) + sp.Rational(1, 7)  # unique to this test
    r = Reference(expr, x)
    calls = []
    orig = Reference._eval_at

    def counting(self, xm, dps, perturbed=False):
        calls.append(dps)
        return orig(self, xm, dps, perturbed)

    monkeypatch.setattr(Reference, "_eval_at", counting)
    pts = np.array([0.5, -3.0, 2.0])
    v64 = r.values(pts, np.float64)
    n = len(calls)
    assert n >= 6
    v32 = r.values(pts, np.float32)
    v16 = Reference(expr, x).values(pts, np.float16)  # a new object shares the memo
    assert len(calls) == n
    hi = r.mpf_values(pts)
    assert same(v32, np.array([round_to_dtype(h, np.float32) for h in hi], dtype=np.float32))
    assert same(v16, np.array([round_to_dtype(h, np.float16) for h in hi], dtype=np.float16))
    assert same(v64, np.array([round_to_dtype(h, np.float64) for h in hi]))


def test_reference_disk_cache(tmp_path, monkeypatch):
    expr = (1 + sp.erf(x / sp.sqrt(2))) / 2 + sp.Rational(1, 11)  # unique to this test
    pts = standard_grid(np.float16)[::40]
    pts = np.concatenate([pts, [1e4, -1e4]])  # includes +-inf, nan
    first = {dt: Reference(expr, x, cache_dir=tmp_path).values(pts, dt) for dt in DTYPES}
    assert len(list(tmp_path.glob("*.npz"))) == 1
    problems = Reference(expr, x).problems()
    # fresh process state: nothing in memory, and evaluation is forbidden
    monkeypatch.setattr(reference, "_MEMO", {})

    def boom(self, xm, dps, perturbed=False):
        raise AssertionError("evaluated despite the disk cache")

    monkeypatch.setattr(Reference, "_eval_at", boom)
    r = Reference(expr, x, cache_dir=tmp_path)
    for dt in DTYPES:
        assert same(r.values(pts, dt), first[dt])
    assert r.problems() == problems
    # different points: a miss, which must evaluate
    with pytest.raises(AssertionError, match="evaluated"):
        r.values(pts[:3], np.float64)
    # and without a cache_dir it always works from memory / evaluation
    monkeypatch.undo()


def test_reference_rejects_other_symbols():
    y = sp.Symbol("y")
    with pytest.raises(ValueError):
        Reference(x + y, x)


def test_erfc_override_matches_mpmath_where_both_work():
    for dps in (30, 300):
        with mpmath.workdps(dps):
            for z in (mpmath.mpf(2) ** 64 * 1.5, mpmath.mpf("1e30"), mpmath.mpf("1e100")):
                a = reference._erfc(z)
                b = mpmath.erfc(z)
                assert mpmath.almosteq(a, b, rel_eps=mpmath.mpf(10) ** (5 - dps))
    with mpmath.workdps(30):
        v = reference._erfc(mpmath.mpf(10) ** 400)  # mpmath.erfc raises OverflowError here
        assert v > 0 and mpmath.log10(v) < -(10**799)
