"""Computed properties, gains and mean-field quantities against known truths.

Reference values are closed forms (E[relu(z)^2] = 1/2, E[hardtanh(z)^2] = 1 - 2 phi(1),
E[elu(z)] = phi(0) + e^(1/2) Phi(-1) - 1/2, ...), independent SciPy quadrature, or
published measurements; never our own code.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from conftest import case_id, param_cases
from scipy import integrate, optimize
from scipy.special import ndtr

import actlab
from actlab.meanfield import NoCriticalPoint, chi1, critical_init, fixed_point, length_map
from actlab.properties import (
    Range,
    gain,
    gain_note,
    kinks,
    normal_nodes,
    properties,
    torch_gain,
)

PHI0 = 1 / math.sqrt(2 * math.pi)  # the N(0, 1) density at 0
LAMBDA, ALPHA = 1.0507009873554804934, 1.6732632423543772848  # SELU's constants


def props(name: str, **params: float):
    return properties(actlab.get(name, **params))


def intervals(rs: tuple[Range, ...]) -> list[tuple[float, float, tuple[bool, bool]]]:
    return [(r[0], r[1], r.closed) for r in rs]


# --- moments by quadrature ---------------------------------------------------------------
def test_relu_moments_are_exact() -> None:
    p = props("relu")
    assert abs(p.second_moment - 0.5) <= 1e-12
    assert abs(p.mean - PHI0) <= 1e-12
    assert abs(p.grad_second_moment - 0.5) <= 1e-12


def test_closed_form_moments() -> None:
    phi1 = PHI0 * math.exp(-0.5)
    hardtanh = props("hardtanh")
    assert abs(hardtanh.second_moment - (1 - 2 * phi1)) <= 1e-14
    assert abs(hardtanh.grad_second_moment - (2 * ndtr(1.0) - 1)) <= 1e-14
    assert abs(props("tanh").mean) <= 1e-15
    heaviside = props("heaviside")  # a jump of f at 0
    assert (heaviside.mean, heaviside.second_moment) == pytest.approx((0.5, 0.5), abs=1e-15)


def test_elu_mean_is_not_zero() -> None:
    # E[elu(z)] = phi(0) + e^(1/2) Phi(-1) - 1/2 = 0.1605: closer to 0 than relu's 0.399,
    # but not zero-centred.
    p = props("elu", alpha=1.0)
    assert abs(p.mean - (PHI0 + math.exp(0.5) * ndtr(-1.0) - 0.5)) <= 1e-14
    assert not p.zero_centred


def test_selu_is_self_normalising() -> None:
    p = props("selu")
    assert abs(p.mean) <= 1e-12 and abs(p.second_moment - 1) <= 1e-12
    assert p.zero_centred
    assert abs(fixed_point(actlab.get("selu"), 1.0, 0.0) - 1) <= 1e-12


@pytest.mark.parametrize("name,params,q", [("tanh", {}, 1e6), ("softplus", {"beta": 1000.0}, 1.0),
                                           ("gelu", {}, 1e-6), ("relu6", {}, 40.0)])
def test_normal_nodes_against_scipy_quad(name: str, params: dict, q: float) -> None:
    # Sharp features (tanh at large q, softplus with a large beta), tiny q, far kinks.
    act = actlab.get(name, **params)
    x, w = normal_nodes(act, q)
    ours = w @ act(x) ** 2
    sd = math.sqrt(q)

    def integrand(t: float) -> float:
        return float(act(t)) ** 2 * math.exp(-0.5 * (t / sd) ** 2) / (sd * math.sqrt(2 * math.pi))
    pts = sorted({0.0, *kinks(act), *(s * sd for s in (-1, 1)), 1e-3, -1e-3})
    ref = sum(integrate.quad(integrand, a, b, epsabs=0, epsrel=1e-13, limit=200)[0]
              for a, b in zip([-40 * sd, *pts], [*pts, 40 * sd], strict=True))
    assert abs(ours - ref) <= 1e-12 * ref


# --- shape properties --------------------------------------------------------------------
def test_sigmoid_slope_and_range() -> None:
    p = props("sigmoid")
    assert p.max_slope == 0.25 and intervals(p.max_slope_at) == [(0.0, 0.0, (True, True))]
    assert str(p.range) == "(0, 1)" and p.bounded and not p.zero_centred
    assert p.saturating == "both" and p.monotonic == "increasing"


def test_tanh() -> None:
    p = props("tanh")
    assert tuple(p.range) == (-1.0, 1.0) and p.range.closed == (False, False)
    assert p.zero_centred and p.f0 == 0 and p.max_slope == 1.0
    assert str(p.max_slope_at[0]) == "{0}"
    assert p.continuous_d2f and p.kinks == () and not p.self_gated


@pytest.mark.parametrize("alpha", [1.0, 1.7, 2.5])
def test_elu_range(alpha: float) -> None:
    p = props("elu", alpha=alpha)
    assert tuple(p.range) == (-alpha, math.inf) and p.range.closed == (False, False)
    # f' is continuous at 0 only for alpha = 1 (1 on both sides); f'' jumps anyway.
    assert p.continuous and p.continuous_df == (alpha == 1.0) and not p.continuous_d2f


@pytest.mark.parametrize("name,expected", [
    ("relu", [(-math.inf, 0.0, (False, True))]),
    ("relu6", [(-math.inf, 0.0, (False, True)), (6.0, math.inf, (True, False))]),
    ("hardtanh", [(-math.inf, -1.0, (False, True)), (1.0, math.inf, (True, False))]),
    ("softshrink", [(-0.5, 0.5, (True, True))]),
    ("hardswish", [(-math.inf, -3.0, (False, False))]),  # f'(-3) = -1/2 (middle branch)
    ("heaviside", [(-math.inf, math.inf, (False, False))]),
    ("leaky_relu", []), ("tanh", []), ("sigmoid", []),  # f' underflows, but is never 0
])
def test_dead_region(name: str, expected: list) -> None:
    assert intervals(props(name).dead_region) == expected


def test_dead_region_text() -> None:
    assert " U ".join(map(str, props("relu6").dead_region)) == "(-inf, 0] U [6, inf)"


@pytest.mark.parametrize("name,c0,c1,c2", [
    ("relu", True, False, False), ("hardswish", True, False, False),
    ("softsign", True, True, False), ("isrlu", True, True, True), ("celu", True, True, False),
    ("heaviside", False, False, False), ("hardshrink", False, False, False),
    ("gelu", True, True, True),
])
def test_smoothness(name: str, c0: bool, c1: bool, c2: bool) -> None:
    p = props(name)
    assert (p.continuous, p.continuous_df, p.continuous_d2f) == (c0, c1, c2)


@pytest.mark.parametrize("name,expected", [
    ("relu", "increasing"), ("heaviside", "increasing"), ("hardshrink", "increasing"),
    ("logsigmoid", "increasing"), ("silu", False), ("gelu", False), ("gaussian", False),
    ("sinusoid", False),
])
def test_monotonic(name: str, expected: str | bool) -> None:
    assert props(name).monotonic == expected


def test_monotonic_decreasing_and_saturation_sides() -> None:
    assert props("swish", beta=-1.0).monotonic is False
    assert props("leaky_relu", alpha=-0.5).monotonic is False
    assert [props(n).saturating for n in ("relu", "logsigmoid", "leaky_relu", "gaussian")] == \
        ["left", "right", "none", "both"]


@pytest.mark.parametrize("name,params,gated", [
    ("silu", {}, True), ("swish", {"beta": 1.5}, True), ("gelu", {}, True),
    ("gelu_tanh", {}, True), ("mish", {}, True), ("hardswish", {}, True),
    ("relu", {}, False), ("elu", {}, False), ("softplus", {}, False),
    ("swish", {"beta": -1.0}, False), ("identity", {}, False), ("squareplus", {}, False),
])
def test_self_gated(name: str, params: dict, gated: bool) -> None:
    assert props(name, **params).self_gated is gated


def test_a_shifted_relu_is_not_self_gated() -> None:
    # x g(x) with g = (1 - 1/x)[x > 1]: continuous and monotone, but shut at 0.
    shifted = actlab.define("where(x > 1, x - 1, 0)", name="shifted_relu")
    p = properties(shifted)
    assert not p.self_gated
    assert intervals(p.dead_region) == [(-math.inf, 1.0, (False, True))]


def test_max_slope_places() -> None:
    relu = props("relu")
    assert relu.max_slope == 1.0
    assert intervals(relu.max_slope_at) == [(0.0, math.inf, (False, False))]
    assert str(props("softplus").max_slope_at[0]) == "x -> +inf"
    g = props("gaussian")  # f' = -2x e^(-x^2): |f'| is largest at +-1/sqrt(2)
    assert [r[0] for r in g.max_slope_at] == pytest.approx([-0.5**0.5, 0.5**0.5], abs=1e-8)
    assert g.max_slope == pytest.approx(math.sqrt(2) * math.exp(-0.5), rel=1e-14)
    gelu = props("gelu")  # gelu'' = phi(x) (2 - x^2): gelu' is largest at sqrt(2)
    assert gelu.max_slope_at[0][0] == pytest.approx(math.sqrt(2), abs=1e-6)
    selu = props("selu")  # f'(0) = lambda alpha: the negative branch at the kink
    assert selu.max_slope == pytest.approx(LAMBDA * ALPHA, rel=1e-15)


def test_kinks_follow_the_parameters() -> None:
    assert kinks(actlab.get("hardtanh", min_val=-2.0, max_val=3.5)) == (-2.0, 3.5)
    assert kinks(actlab.get("softshrink", lambd=0.75)) == (-0.75, 0.75)
    assert kinks(actlab.get("softsign")) == (0.0,)


def test_as_dict_is_json() -> None:
    d = props("relu6").as_dict()
    assert d["act"] == {"name": "relu6"}
    assert d["dead_region"][1] == {"lo": 6.0, "hi": math.inf, "closed": [True, False]}
    json.dumps(d)
    assert "dead_region" in repr(props("relu6"))


# --- gains ---------------------------------------------------------------------------------
def test_gain_relu_and_leaky() -> None:
    assert abs(gain(actlab.get("relu")) - math.sqrt(2)) <= 1e-12
    for a in (0.01, 0.2, 0.5, 3.0):
        assert abs(gain(actlab.get("leaky_relu", alpha=a)) - math.sqrt(2 / (1 + a * a))) <= 1e-12
    assert abs(gain(actlab.get("selu")) - 1) <= 1e-12
    assert abs(gain(actlab.get("identity")) - 1) <= 1e-15


def test_torch_gains() -> None:
    pytest.importorskip("torch")
    import actlab.properties as P

    assert P.TORCH_GAINS == pytest.approx({
        "identity": 1.0, "sigmoid": 1.0, "tanh": 5 / 3, "relu": math.sqrt(2),
        "leaky_relu": math.sqrt(2 / 1.0001), "selu": 0.75})
    leaky = actlab.get("leaky_relu", alpha=0.2)  # the parameter is passed on
    assert torch_gain(leaky) == pytest.approx(gain(leaky), rel=1e-12)
    assert torch_gain(actlab.get("gelu")) is None
    assert "agree" in gain_note(actlab.get("relu"))
    assert "discuss.pytorch.org" in gain_note(actlab.get("tanh"))
    assert "nonlinearity='linear'" in gain_note(actlab.get("selu"))
    assert "no entry" in gain_note(actlab.get("mish"))


def test_pytorch_gains_match_their_published_measurements() -> None:
    # Mean field at PyTorch's gains predicts what PyTorch's threads measured in
    # 1000-wide networks: tanh with gain 5/3 settles at output std 0.6518 (forum thread
    # calculate-gain-tanh/20854), SELU with 3/4 near 0.20 (pytorch/pytorch#50664).
    for name, g, measured in (("tanh", 5 / 3, 0.6518), ("selu", 0.75, 0.205)):
        q = fixed_point(actlab.get(name), g * g, 0.0)
        assert math.sqrt(q) / g == pytest.approx(measured, abs=0.01)


# --- mean field ------------------------------------------------------------------------------
def test_relu_mean_field() -> None:
    relu = actlab.get("relu")
    assert length_map(relu, 3.0, 2.0, 0.5) == pytest.approx(3.5, rel=1e-14)
    assert fixed_point(relu, 1.0, 0.1) == pytest.approx(0.2, rel=1e-13)  # sb2 / (1 - sw2/2)
    assert fixed_point(relu, 2.0, 0.0, q0=3.0) == 3.0  # every q is a fixed point
    assert fixed_point(relu, 2.5, 0.0) == math.inf and fixed_point(relu, 2.0, 0.1) == math.inf
    assert chi1(relu, 2.0, 0.0) == pytest.approx(1.0, rel=1e-13)
    with pytest.warns(NoCriticalPoint) as record:
        assert critical_init(relu) == [(pytest.approx(2.0, rel=1e-13), 0.0)]
    assert [str(w.message).split(": ")[1] for w in record] == \
        [f"no critical sw2 for sb2={sb2:g}" for sb2 in (0.01, 0.05, 0.1)]
    assert "q -> q + sb2 and q* diverges" in str(record[0].message)


def test_tanh_critical_line() -> None:
    tanh = actlab.get("tanh")
    assert fixed_point(tanh, 0.9, 0.0) == 0.0  # ordered: the signal dies out
    line = critical_init(tanh)
    assert [sb2 for _, sb2 in line] == [0.0, 0.01, 0.05, 0.1]
    assert abs(line[0][0] - 1) <= 1e-6
    for sw2, sb2 in line:
        assert abs(chi1(tanh, sw2, sb2) - 1) <= 1e-8
    # Independently of our quadrature and root finding: q* and chi1 with scipy's quad.
    sw2 = line[2][0]

    def gauss(g) -> float:  # E[g(z)]
        return integrate.quad(lambda z: g(z) * math.exp(-z * z / 2) * PHI0, -40, 40,
                              epsabs=0, epsrel=1e-13, points=[0.0], limit=200)[0]
    q = optimize.brentq(lambda q: sw2 * gauss(lambda z: np.tanh(q**0.5 * z) ** 2) + 0.05 - q,
                        0.1, 10, xtol=1e-15)
    assert sw2 * gauss(lambda z: np.cosh(q**0.5 * z) ** -4) == pytest.approx(1, abs=1e-10)
    assert sw2 == pytest.approx(1.76095, abs=1e-5)


def test_mean_field_errors_name_the_argument() -> None:
    tanh = actlab.get("tanh")
    with pytest.raises(ValueError, match=r"sw2 must be a finite number > 0\. Got 0\.0"):
        fixed_point(tanh, 0.0, 0.0)
    with pytest.raises(ValueError, match=r"q must be a number >= 0\. Got -1"):
        length_map(tanh, -1, 1.0, 0.0)
    with pytest.raises(ValueError, match=r"sb2 must be a finite number >= 0\. Got nan"):
        critical_init(tanh, (math.nan,))


# --- every registry entry, default and scaled parameters --------------------------------------
CASES = param_cases()


@pytest.mark.parametrize("case", CASES, ids=[case_id(c) for c in CASES])
def test_properties_of_every_entry_are_consistent(case: tuple[str, dict[str, float]]) -> None:
    name, params = case
    act = actlab.get(name, **params)
    p = properties(act)
    g = gain(act)
    lo, hi = p.range
    assert (lo < p.f0 or lo == p.f0 and p.range.closed[0]) and \
        (p.f0 < hi or p.f0 == hi and p.range.closed[1])
    assert p.bounded == (math.isfinite(lo) and math.isfinite(hi))
    xs = np.linspace(-30, 30, 6001)
    with np.errstate(all="ignore"):
        d, d_inf = act.grad(xs), act.grad(np.array([-np.inf, np.inf]))
    assert p.max_slope >= np.abs(d).max() - 1e-15 >= abs(float(act.grad(0.0))) - 1e-15
    sides = ("left" if d_inf[0] == 0 else "") + ("right" if d_inf[1] == 0 else "")
    assert p.saturating == {"leftright": "both", "": "none"}.get(sides, sides)
    for r in p.dead_region:
        inside = xs[(xs > r[0]) & (xs < r[1])]
        assert (act.grad(inside) == 0).all()
    if p.monotonic == "increasing":
        assert (d >= 0).all()
    assert p.continuous_d2f <= p.continuous_df <= p.continuous
    assert not p.zero_centred or p.f0 == 0
    assert p.second_moment >= p.mean**2 and g == pytest.approx(p.second_moment**-0.5, rel=1e-15)
    assert math.isfinite(g) and g > 0
    assert isinstance(gain_note(act), str)
