"""actlab.estimators: scikit-learn's estimator checks, accuracy on moons and digits,
step-for-step agreement with scikit-learn's own MLP, pipelines and grid search,
determinism, parameter validation.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import sklearn.neural_network as sk
from sklearn.datasets import load_digits, make_classification, make_moons, make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

import actlab
from actlab.diagnostics import Report
from actlab.estimators import MLPClassifier, MLPRegressor


# Small hidden layers keep the ~110 checks at a few seconds; the checks also run the
# estimators' defaults for everything else (optimizer, init, batch size, diagnostics).
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@parametrize_with_checks([MLPClassifier(hidden_layer_sizes=(8,)),
                          MLPRegressor(hidden_layer_sizes=(8,))])
def test_sklearn_estimator_checks(estimator, check) -> None:
    check(estimator)


@pytest.fixture(scope="module")
def moons():
    X, y = make_moons(n_samples=1000, noise=0.2, random_state=0)
    return train_test_split(X, y, test_size=0.3, random_state=0)


def test_moons_tanh_reaches_95_percent(moons) -> None:
    X_train, X_test, y_train, y_test = moons
    clf = MLPClassifier((16, 16), "tanh", learning_rate=1e-2, random_state=0).fit(X_train, y_train)
    assert clf.score(X_test, y_test) >= 0.95
    assert clf.n_iter_ < clf.max_epochs  # stopped by the tol rule, no ConvergenceWarning
    report = clf.history_[-1]["report"]
    assert isinstance(report, Report) and [s.units for s in report.layers] == [16, 16]


def test_digits_relu_reaches_95_percent() -> None:
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, stratify=y,
                                                        random_state=0)
    clf = make_pipeline(StandardScaler(), MLPClassifier((64, 64), "relu", random_state=0,
                                                        diagnose_every=10))
    clf.fit(X_train, y_train)
    assert clf.score(X_test, y_test) >= 0.95
    history = clf[-1].history_
    assert [h["epoch"] for h in history if h["report"]] == list(range(10, len(history) + 1, 10))


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_grid_search_over_a_pipeline(moons) -> None:
    X_train, X_test, y_train, y_test = moons
    pipe = Pipeline([("scale", StandardScaler()),
                     ("mlp", MLPClassifier((8,), learning_rate=1e-2, max_epochs=60,
                                           random_state=0))])
    grid = GridSearchCV(pipe, {"mlp__activation": ["tanh", "relu", "x * tanh(softplus(x))"],
                               "mlp__optimizer": ["adam", "rmsprop"]}, cv=3)
    grid.fit(X_train, y_train)
    assert len(grid.cv_results_["params"]) == 6
    assert grid.score(X_test, y_test) > 0.9


def test_same_random_state_same_weights(moons) -> None:
    X, _, y, _ = moons
    fit = lambda seed: MLPClassifier((8, 8), "swish", learning_rate=1e-2, max_epochs=20,
                                     random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        a, b, c = fit(0).fit(X, y), fit(0).fit(X, y), fit(1).fit(X, y)
    assert all(np.array_equal(u, v) for u, v in zip(a.coefs_ + a.intercepts_,
                                                      b.coefs_ + b.intercepts_, strict=True))
    assert a.loss_curve_ == b.loss_curve_
    assert not np.array_equal(a.coefs_[0], c.coefs_[0])


# scikit-learn's name for each activation, optimiser settings in both spellings
SKLEARN_CASES = [
    ("tanh", "tanh", {"optimizer": "adam"}, {"solver": "adam"}),
    ("relu", "relu", {"optimizer": "sgd", "nesterov": True}, {"solver": "sgd"}),
    ("logistic", "sigmoid", {"optimizer": "sgd", "momentum": 0.5},
     {"solver": "sgd", "momentum": 0.5, "nesterovs_momentum": False}),
    ("identity", "identity", {"optimizer": "adam"}, {"solver": "adam"}),
]


@pytest.mark.parametrize(("sk_name", "name", "ours_opt", "sk_opt"), SKLEARN_CASES,
                         ids=[c[0] for c in SKLEARN_CASES])
@pytest.mark.parametrize("task", ["binary", "multiclass", "regression"])
def test_same_steps_as_sklearn(sk_name, name, ours_opt, sk_opt, task) -> None:
    """From the same weights, full-batch training gives scikit-learn's weights and loss
    curve: same losses, L2 convention, gradients and optimiser steps."""
    if task == "regression":
        X, y = make_regression(n_samples=40, n_features=4, noise=1.0, random_state=0)
        y = y / y.std()
        ours_cls, sk_cls = MLPRegressor, sk.MLPRegressor
    else:
        X, y = make_classification(n_samples=40, n_features=4, n_informative=3, n_redundant=0,
                                   n_classes=2 if task == "binary" else 3, random_state=0)
        ours_cls, sk_cls = MLPClassifier, sk.MLPClassifier
    common = {"hidden_layer_sizes": (6, 5), "alpha": 0.1, "batch_size": 40,
              "n_iter_no_change": 100}
    theirs = sk_cls(activation=sk_name, learning_rate_init=0.05, max_iter=1, shuffle=False,
                    random_state=0, **common, **sk_opt)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        theirs.fit(X, y)  # sets up its label binarizer and layer shapes
        start = [w.copy() for w in theirs.coefs_]
        theirs.coefs_ = [w.copy() for w in start]
        theirs.intercepts_ = [np.zeros_like(b) for b in theirs.intercepts_]  # ours start at 0
        theirs.set_params(warm_start=True, max_iter=8).fit(X, y)
        weights = iter(start)
        ours = ours_cls(activation=name, learning_rate=0.05, max_epochs=8, random_state=0,
                        init=lambda shape, act, rng: next(weights).copy(), **common,
                        **ours_opt).fit(X, y)
    for a, b in zip(ours.coefs_ + ours.intercepts_, theirs.coefs_ + theirs.intercepts_, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(ours.loss_curve_, theirs.loss_curve_[-8:], rtol=1e-10)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_classifier_probabilities(moons) -> None:
    X_train, X_test, y_train, _ = moons
    for y in (y_train, np.array(["a", "b", "c"])[y_train + (X_train[:, 0] > 1.5)]):
        clf = MLPClassifier((8,), "tanh", learning_rate=1e-2, max_epochs=50,
                            random_state=0).fit(X_train, y)
        proba, log_proba = clf.predict_proba(X_test), clf.predict_log_proba(X_test)
        assert proba.shape == (len(X_test), len(clf.classes_))
        np.testing.assert_allclose(proba.sum(axis=1), 1.0)
        np.testing.assert_allclose(np.exp(log_proba), proba)
        assert (clf.predict(X_test) == clf.classes_[proba.argmax(axis=1)]).all()
        far = clf.predict_log_proba(X_test[:3] * 1e4)  # extreme logits: finite logs
        assert np.isfinite(far).all() and (far <= 0).all()


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_multi_output_regression() -> None:
    X, y = make_regression(n_samples=300, n_features=5, n_targets=3, random_state=0)
    y = y / y.std(axis=0)
    reg = MLPRegressor((32,), "tanh", learning_rate=1e-2, random_state=0).fit(X, y)
    assert reg.predict(X).shape == (300, 3)
    assert reg.score(X, y) > 0.95
    single = MLPRegressor((8,), learning_rate=1e-2, random_state=0).fit(X, y[:, 0])
    assert single.predict(X).shape == (300,)


def test_early_stopping_keeps_the_best_validation_weights(moons) -> None:
    X, _, y, _ = moons
    clf = MLPClassifier((16,), "tanh", learning_rate=1e-2, early_stopping=True, random_state=0,
                        n_iter_no_change=5).fit(X, y)
    scores = [h["validation_score"] for h in clf.history_]
    assert clf.validation_scores_ == scores and clf.best_validation_score_ == max(scores)
    assert clf.n_iter_ < clf.max_epochs


def test_activation_per_layer_learnable_parameters_and_formulas(moons) -> None:
    X, _, y, _ = moons
    acts = [actlab.get("prelu", alpha=0.25), "x * sigmoid(x)", actlab.get("swish")]
    clf = MLPClassifier((8, 8, 8), acts, learning_rate=1e-2, random_state=0).fit(X, y)
    alpha, none, beta = clf.activation_params_
    assert alpha["alpha"] != 0.25 and none == {} and beta["beta"] != 1.0
    assert [s.activation for s in clf.history_[-1]["report"].layers] == [
        "prelu", "x * sigmoid(x)", "swish"]


def test_zero_init_keeps_one_distinct_unit_per_layer(moons) -> None:
    X, _, y, _ = moons
    clf = MLPClassifier((8, 8), "tanh", init="zeros", learning_rate=1e-2, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.set_params(max_epochs=20).fit(X, y)
    assert [s.distinct_units for s in clf.diagnose(X, y).layers] == [1, 1]


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_callable_init_and_diagnose(moons) -> None:
    X, _, y, _ = moons
    init = lambda shape, act, rng: rng.normal(scale=0.1, size=shape)
    clf = MLPClassifier((8,), "relu", init=init, learning_rate=1e-2, max_epochs=20,
                        random_state=0).fit(X, y)
    with_grads, without = clf.diagnose(X, y), clf.diagnose(X)
    assert with_grads.layers[0].grad_norm > 0 and without.layers[0].grad_norm is None


@pytest.mark.parametrize(("param", "value", "message"), [
    ("activation", "rleu", "Unknown activation 'rleu'. Did you mean 'relu'"),
    ("activation", ["relu"], "must be one activation or a list of 2"),
    ("activation", 3, "The 'activation' parameter of MLPClassifier must be an activation name"),
    ("optimizer", "adamw", "The 'optimizer' parameter of MLPClassifier must be a str among"),
    ("learning_rate", 0.0, "The 'learning_rate' parameter of MLPClassifier must be a finite "
                           "number > 0. Got 0.0 instead."),
    ("beta_2", 1.0, "The 'beta_2' parameter of MLPClassifier must be a finite number >= 0 and < 1"),
    ("max_epochs", 2.5, "The 'max_epochs' parameter of MLPClassifier must be an int >= 1. Got 2.5"),
    ("hidden_layer_sizes", (8, 0), "The 'hidden_layer_sizes' parameter"),
    ("batch_size", "big", "The 'batch_size' parameter of MLPClassifier must be 'auto'"),
    ("init", "he_normla", "The 'init' parameter of MLPClassifier must be a callable"),
])
def test_invalid_parameters_are_named(moons, param, value, message) -> None:
    X, _, y, _ = moons
    clf = MLPClassifier((4, 4)).set_params(**{param: value})
    with pytest.raises((ValueError, TypeError), match=message):
        clf.fit(X, y)
