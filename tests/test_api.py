"""The Python API: names, lookup, parameters, repr, dtype/shape/out contracts."""

from __future__ import annotations

import numpy as np
import pytest

import actlab

NAMES = actlab.names()

TUTORIAL = ["identity", "sigmoid", "tanh", "relu", "leaky_relu", "prelu", "elu", "swish",
            "softplus"]
MODERN = ["silu", "gelu", "gelu_tanh", "selu", "celu", "mish", "relu6", "hardsigmoid",
          "hardtanh", "hardswish", "softsign", "logsigmoid", "tanhshrink", "softshrink",
          "hardshrink", "squareplus", "arctan", "gaussian", "sinusoid", "bent_identity",
          "isru", "isrlu", "rrelu", "heaviside"]


def test_catalogue_has_the_required_entries_sorted() -> None:
    assert NAMES == sorted(NAMES)
    assert set(TUTORIAL + MODERN) <= set(NAMES)
    assert len(NAMES) >= 33


@pytest.mark.parametrize("alias,name", [("linear", "identity"), ("logistic", "sigmoid"),
                                        ("smooth_relu", "softplus"), ("Leaky-ReLU", "leaky_relu")])
def test_aliases(alias: str, name: str) -> None:
    assert actlab.get(alias).name == name


@pytest.mark.parametrize("name,value", [
    ("leaky_relu", {"alpha": 0.01}), ("prelu", {"alpha": 0.25}), ("elu", {"alpha": 1.0}),
    ("swish", {"beta": 1.0}), ("softplus", {"beta": 1.0}), ("celu", {"alpha": 1.0}),
    ("hardtanh", {"min_val": -1.0, "max_val": 1.0}), ("softshrink", {"lambd": 0.5}),
    ("hardshrink", {"lambd": 0.5}), ("squareplus", {"b": 4.0}), ("isru", {"alpha": 1.0}),
    ("isrlu", {"alpha": 1.0}), ("rrelu", {"lower": 1 / 8, "upper": 1 / 3}),
])
def test_defaults(name: str, value: dict[str, float]) -> None:
    assert dict(actlab.get(name).params) == value


def test_learnable_parameters() -> None:
    assert actlab.get("prelu").learnable == ("alpha",)
    assert actlab.get("swish").learnable == ("beta",)
    assert actlab.get("elu").learnable == ()


def test_unknown_name_suggests_close_ones() -> None:
    with pytest.raises(ValueError, match=r"Unknown activation 'reluu'\. Did you mean 'relu'"):
        actlab.get("reluu")
    with pytest.raises(ValueError, match="Did you mean 'gelu_tanh', 'gelu'"):
        actlab.get("gelu_exact")


@pytest.mark.parametrize("name,params,pattern", [
    ("elu", {"alpha": float("nan")}, r"The 'alpha' parameter of elu must be a finite number\. Got nan"),
    ("celu", {"alpha": 0.0}, r"The 'alpha' parameter of celu must be a finite number > 0\. Got 0\.0"),
    ("softplus", {"beta": -1}, r"'beta' parameter of softplus must be a finite number > 0"),
    ("softshrink", {"lambd": -0.1}, r"'lambd' parameter of softshrink must be a finite number >= 0"),
    ("leaky_relu", {"alpha": "0.1"}, r"'alpha' parameter of leaky_relu must be a finite number\. Got '0\.1'"),
    ("leaky_relu", {"alpha": True}, r"Got True instead"),
    ("hardtanh", {"min_val": 2.0}, r"'min_val' parameter of hardtanh must be < 'max_val'"),
    ("rrelu", {"lower": 0.5, "upper": 0.1}, r"'lower' parameter of rrelu must be <= 'upper'"),
    ("relu", {"alpha": 0.1}, r"relu got an unexpected parameter 'alpha'; its parameters are: none"),
    ("elu", {"beta": 1.0}, r"its parameters are: alpha"),
])
def test_bad_parameters_name_parameter_value_and_range(name: str, params: dict, pattern: str) -> None:
    with pytest.raises(ValueError, match=pattern) as info:
        actlab.get(name, **params)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("name", NAMES)
def test_repr_round_trips_and_equality(name: str) -> None:
    act = actlab.get(name)
    assert actlab.get(**act.spec()) == act
    assert eval(repr(act), {"actlab": actlab}) == act
    assert hash(actlab.get(name)) == hash(act)
    if act.params:
        other = act.replace(**{k: v * 1.5 for k, v in act.params.items()})
        assert other != act and actlab.get(**other.spec()) == other


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_shape_and_dtype_preserved_and_out(name: str, dtype: type) -> None:
    act = actlab.get(name)
    x = np.linspace(-4, 4, 24, dtype=dtype).reshape(2, 3, 4)
    for fn in (act, act.grad, act.grad2):
        y = fn(x)
        assert y.shape == x.shape and y.dtype == x.dtype
        buf = np.empty_like(x)
        assert fn(x, out=buf) is buf
        np.testing.assert_array_equal(buf, y)
    g = np.ones_like(x) * 2
    np.testing.assert_array_equal(act.backward(x, g), act.grad(x) * g)
    buf = np.empty_like(x)
    assert act.backward(x, g, out=buf) is buf
    for v in act.param_grads(x).values():
        assert v.shape == x.shape and v.dtype == x.dtype


def test_scalars_integers_and_lists() -> None:
    relu = actlab.get("relu")
    assert isinstance(relu(-1.0), np.float64)
    assert relu(np.float32(2.0)).dtype == np.float32
    assert relu([1, -2]).dtype == np.float64
    assert relu(np.array(3.0)).shape == ()


def test_bad_input_and_out_errors() -> None:
    relu = actlab.get("relu")
    with pytest.raises(TypeError, match="x must be real numbers"):
        relu(np.array([1 + 2j]))
    with pytest.raises(ValueError, match=r"out must have shape \(3,\)\. Got \(2,\)"):
        relu(np.zeros(3), out=np.zeros(2))
    with pytest.raises(TypeError, match="out must have a floating dtype"):
        relu(np.zeros(3), out=np.zeros(3, dtype=int))


def test_tails_quoted_in_issue() -> None:
    """The issue's examples, each checked against an independent mpmath value."""
    mp = pytest.importorskip("mpmath")
    mp.mp.dps = 50
    cases = [
        (actlab.get("sigmoid").grad(40.0), mp.exp(-40) / (1 + mp.exp(-40)) ** 2),
        (actlab.get("tanh").grad(-40.0), 1 / mp.cosh(-40) ** 2),
        (actlab.get("gelu")(-20.0), -20 * mp.ncdf(-20)),
        (actlab.get("softplus")(-700.0), mp.log1p(mp.exp(-700))),
    ]
    for got, want in cases:
        assert abs(got - float(want)) <= 4 * abs(np.spacing(float(want)))  # the 4-ulp bar
    assert actlab.get("softplus")(1000.0) == 1000.0
    assert 4.2e-18 < actlab.get("sigmoid").grad(40.0) < 4.3e-18


@pytest.mark.parametrize("name", NAMES)
def test_nan_in_nan_out(name: str) -> None:
    act = actlab.get(name)
    x = np.array([np.nan, 1.0])
    for fn in (act, act.grad, act.grad2):
        assert np.isnan(fn(x)[0])


@pytest.mark.parametrize("name", NAMES)
def test_docstring_carries_formula_and_doctest(name: str) -> None:
    cls = actlab.definition(name)
    doc = cls.__doc__ or ""
    assert ".. math::" in doc and ">>> " in doc, f"{name}: docstring needs formula and doctest"
    assert cls.formula and cls.reference and cls.kinks


def test_swish_with_zero_beta_is_half_the_identity_everywhere() -> None:
    sw = actlab.get("swish", beta=0.0)
    x = np.array([-np.inf, -3.0, 0.0, 2.0, np.inf])
    np.testing.assert_array_equal(sw(x), x / 2)
    np.testing.assert_array_equal(sw.grad(x), np.full(5, 0.5))
    np.testing.assert_array_equal(sw.param_grads(x)["beta"], x * x / 4)


def test_top_level_functions_accept_names() -> None:
    assert actlab.gain("relu") == actlab.gain(actlab.get("relu"))
    assert actlab.get("sigmoid").properties.max_slope == 0.25
    assert abs(actlab.critical_init("tanh")[0][0] - 1.0) < 1e-6
