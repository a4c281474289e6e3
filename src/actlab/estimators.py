"""scikit-learn estimators on :mod:`actlab.nn`: :class:`MLPClassifier`, :class:`MLPRegressor`.

They follow scikit-learn's conventions (``__init__`` stores, ``fit`` validates and returns
self, learned attributes end in ``_``) and its MLP's training rules (L2 ``alpha``,
``tol`` / ``n_iter_no_change`` stopping, ``early_stopping`` on a validation split), with
any actlab activation per hidden layer, actlab initialisers, more optimisers, and a
per-epoch health report of every hidden layer (:mod:`actlab.diagnostics`).

>>> from sklearn.datasets import make_moons
>>> X, y = make_moons(300, noise=0.3, random_state=0)
>>> clf = MLPClassifier((16, 16), "tanh", learning_rate=3e-2, random_state=0).fit(X, y)
>>> clf.score(X, y) > 0.9, clf.n_iter_ < clf.max_epochs
(True, True)
>>> report = clf.history_[-1]["report"]  # the last epoch's health, per hidden layer
>>> [(s.layer, s.units, s.distinct_units, s.dead_fraction) for s in report.layers]
[('hidden 1', 16, 16, 0.0), ('hidden 2', 16, 16, 0.0)]
"""

from __future__ import annotations

import math
import numbers
import warnings
from typing import Any

import numpy as np
from scipy.special import log_expit, log_softmax
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import r2_score
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, column_or_1d, validate_data

from actlab import init as initialisers
from actlab.diagnostics import Report
from actlab.nn import MLP, OPTIMIZERS, train
from actlab.nn.network import activations_for, initialiser
from actlab.nn.optimizers import Optimizer, check_interval

# The real parameters: (name, low, high, low excluded, high excluded).
_REALS = [("learning_rate", 0.0, math.inf, True, True), ("alpha", 0.0, math.inf, False, True),
          ("tol", 0.0, math.inf, False, True), ("validation_fraction", 0.0, 1.0, True, True),
          ("momentum", 0.0, 1.0, False, False), ("beta_1", 0.0, 1.0, False, True),
          ("beta_2", 0.0, 1.0, False, True), ("epsilon", 0.0, math.inf, True, True),
          ("rho", 0.0, 1.0, False, True)]
_INTEGERS = {"max_epochs": 1, "n_iter_no_change": 1, "diagnose_every": 0}  # name: minimum


class _BaseMLP(BaseEstimator):
    """Parameters, validation and the training run shared by the two estimators."""

    _loss: str  # set per fit by the subclass (from the targets)

    def __init__(self, hidden_layer_sizes: Any = (100,), activation: Any = "relu", *,
                 init: Any = "auto", optimizer: str = "adam", learning_rate: float = 1e-3,
                 batch_size: int | str = "auto", max_epochs: int = 200, alpha: float = 1e-4,
                 tol: float = 1e-4, n_iter_no_change: int = 10, early_stopping: bool = False,
                 validation_fraction: float = 0.1, momentum: float = 0.9, nesterov: bool = False,
                 beta_1: float = 0.9, beta_2: float = 0.999, epsilon: float = 1e-8,
                 rho: float = 0.9, random_state: Any = None, diagnose_every: int = 1) -> None:
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.init = init
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.max_epochs = max_epochs
        self.alpha = alpha
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.momentum = momentum
        self.nesterov = nesterov
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.rho = rho
        self.random_state = random_state
        self.diagnose_every = diagnose_every

    # ------------------------------------------------------------------ validation
    def _invalid(self, name: str, allowed: str) -> ValueError:
        return ValueError(f"The {name!r} parameter of {type(self).__name__} must be {allowed}. "
                          f"Got {getattr(self, name)!r} instead.")

    def _hidden_sizes(self) -> list[int]:
        sizes = self.hidden_layer_sizes
        sizes = [sizes] if isinstance(sizes, numbers.Integral) else sizes
        ok = isinstance(sizes, (list, tuple, np.ndarray)) and all(
            isinstance(s, numbers.Integral) and not isinstance(s, bool) and s > 0 for s in sizes)
        if not ok:
            raise self._invalid("hidden_layer_sizes", "an int > 0 or a sequence of ints > 0")
        return [int(s) for s in sizes]

    def _check_params(self) -> None:
        for name, *interval in _REALS:
            check_interval(type(self).__name__, name, getattr(self, name), *interval)
        for name, low in _INTEGERS.items():
            v = getattr(self, name)
            if not (isinstance(v, numbers.Integral) and not isinstance(v, bool) and v >= low):
                raise self._invalid(name, f"an int >= {low}")
        if self.optimizer not in OPTIMIZERS:
            raise self._invalid("optimizer", f"a str among {set(OPTIMIZERS)}")
        if not (self.batch_size == "auto" or (isinstance(self.batch_size, numbers.Integral)
                                              and not isinstance(self.batch_size, bool)
                                              and self.batch_size >= 1)):
            raise self._invalid("batch_size", "'auto' or an int >= 1")
        for name in ("early_stopping", "nesterov"):
            if not isinstance(getattr(self, name), (bool, np.bool_)):
                raise self._invalid(name, "a bool")
        try:
            initialiser(self.init, type(self).__name__)
        except (TypeError, ValueError) as e:
            raise self._invalid("init", f"a callable (shape, act, rng) or a str among "
                                        f"{set(initialisers.names())}") from e

    def _rng(self) -> np.random.Generator:
        rs = self.random_state
        if isinstance(rs, np.random.RandomState):  # scikit-learn's legacy generator
            rs = rs.randint(np.iinfo(np.int32).max)
        return np.random.default_rng(rs)

    def _make_optimizer(self) -> Optimizer:
        lr = self.learning_rate
        return {
            "sgd": lambda: OPTIMIZERS["sgd"](lr, self.momentum, bool(self.nesterov)),
            "adagrad": lambda: OPTIMIZERS["adagrad"](lr, self.epsilon),
            "rmsprop": lambda: OPTIMIZERS["rmsprop"](lr, self.rho, self.epsilon),
            "adam": lambda: OPTIMIZERS["adam"](lr, self.beta_1, self.beta_2, self.epsilon),
        }[self.optimizer]()

    # -------------------------------------------------------------------- training
    def _train(self, X: np.ndarray, Y: np.ndarray, stratify: np.ndarray | None) -> None:
        """Build and train ``network_`` on X and the 2-D targets Y; set the attributes."""
        hidden = self._hidden_sizes()
        self._check_params()
        owner = type(self).__name__
        acts = activations_for(self.activation, len(hidden), owner)
        rng = self._rng()
        network = MLP.build((X.shape[1], *hidden, Y.shape[1]), acts, self._loss,
                            init=initialiser(self.init, owner), rng=rng)
        score = None
        if self.early_stopping:
            X, X_val, Y, Y_val = train_test_split(
                X, Y, test_size=self.validation_fraction, stratify=stratify,
                random_state=int(rng.integers(np.iinfo(np.int32).max)))
            if len(X_val) < 2:
                raise ValueError("The validation set is too small. Increase 'validation_fraction' "
                                 "or the size of your dataset.")
            score = lambda net: self._validation_score(net, X_val, Y_val)
        n = len(X)
        if self.batch_size == "auto":
            batch_size = min(200, n)
        else:
            if self.batch_size > n:
                warnings.warn("Got `batch_size` larger than sample size. It is going to be "
                              "clipped", stacklevel=3)
            batch_size = min(self.batch_size, n)
        result = train(network, X, Y, optimizer=self._make_optimizer(), batch_size=batch_size,
                       max_epochs=self.max_epochs, rng=rng, alpha=self.alpha, tol=self.tol,
                       n_iter_no_change=self.n_iter_no_change, validation_score=score,
                       diagnose_every=self.diagnose_every)
        network.clear_buffers()  # the work arrays are not part of the model
        if not all(np.isfinite(p).all() for p in network.params()):
            raise ValueError("Training produced non-finite weights. The input data may contain "
                             "large values and need to be preprocessed.")
        self.network_ = network
        self.coefs_ = [layer.W for layer in network.layers]
        self.intercepts_ = [layer.b for layer in network.layers]
        self.activation_params_ = [dict(layer.act.params) for layer in network.layers[:-1]]
        self.history_ = result.history
        self.loss_curve_ = result.loss_curve
        self.loss_ = self.loss_curve_[-1]
        self.n_iter_ = result.n_iter
        self.n_layers_ = len(hidden) + 2
        self.n_outputs_ = Y.shape[1]
        if self.early_stopping:
            self.validation_scores_ = [h["validation_score"] for h in result.history]
            self.best_validation_score_ = max(self.validation_scores_)
            self.best_loss_ = None
        else:
            self.best_loss_ = min(self.loss_curve_)
        if not result.stopped:
            warnings.warn(f"Stochastic Optimizer: Maximum iterations ({self.max_epochs}) reached "
                          f"and the optimization hasn't converged yet.", ConvergenceWarning,
                          stacklevel=3)

    def _logits(self, X: Any) -> np.ndarray:
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=np.float64)
        return self.network_.logits(X)

    def diagnose(self, X: Any, y: Any = None) -> Report:
        """Health of every hidden layer on the batch X (gradient norms when y is given)."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=np.float64)
        return self.network_.diagnose(X, None if y is None else self._targets(np.asarray(y)))


class MLPClassifier(ClassifierMixin, _BaseMLP):
    """Multi-layer perceptron classifier with actlab activations and diagnostics.

    Binary targets: one sigmoid output and binary cross-entropy; more classes: a softmax
    output and cross-entropy (both from the logits, in stable forms).

    Parameters:
        hidden_layer_sizes: widths of the hidden layers (an int for one layer).
        activation: an actlab activation name or formula, an Activation (learnable
            parameters are trained), or a list of them, one per hidden layer.
        init: a name from :func:`actlab.init.names` (``"auto"``: variance scaling with the
            activation's gain), or a callable ``(shape, act, rng) -> array``; biases start
            at 0.
        optimizer: "sgd" (``momentum``, ``nesterov``), "adagrad", "rmsprop" (``rho``)
            or "adam" (``beta_1``, ``beta_2``); ``epsilon`` for the last three.
        learning_rate: the step size.
        batch_size: samples per step; "auto" is min(200, n_samples).
        max_epochs: passes over the data at most.
        alpha: L2 penalty on the weights, ``alpha / (2 n_batch) * sum ||W||^2``.
        tol, n_iter_no_change: stop when the training loss (or the validation score)
            has not improved by ``tol`` for more than ``n_iter_no_change`` epochs.
        early_stopping, validation_fraction: hold out that fraction (stratified), stop on
            its accuracy and keep the best weights.
        random_state: None, an int, a numpy Generator (used as is: two fits differ) or a
            RandomState; drives the initial weights, the shuffling and the split.
        diagnose_every: record a layer-health report every this many epochs (0: never).

    Attributes:
        classes_, n_features_in_, n_outputs_, n_layers_, n_iter_: as in scikit-learn.
        coefs_, intercepts_: per layer, W (fan_in x fan_out) and b.
        activation_params_: per hidden layer, its activation's parameters after training.
        loss_curve_, loss_, best_loss_ (validation_scores_, best_validation_score_ with
            early stopping): as in scikit-learn.
        history_: per epoch, a dict with ``epoch``, ``loss``, ``validation_score`` (with
            early stopping) and ``report`` (an :class:`actlab.diagnostics.Report` of the
            epoch's last batch, or None).
        network_: the trained :class:`actlab.nn.MLP`.

    scikit-learn's ``check_estimator``: every check passes, none is marked as an expected
    failure. (scikit-learn itself skips ``check_array_api_input`` unless the environment
    sets ``SCIPY_ARRAY_API=1``; with it set, that check passes too.)
    """

    def fit(self, X: Any, y: Any) -> MLPClassifier:
        """Train on X (n_samples x n_features) and class labels y; returns self."""
        X, y = validate_data(self, X, y, dtype=np.float64)
        check_classification_targets(y)
        self._binarizer = LabelBinarizer().fit(y)
        self.classes_ = self._binarizer.classes_
        if len(self.classes_) < 2:
            raise ValueError(f"{type(self).__name__} needs samples of at least 2 classes; "
                             f"got 1 class: {self.classes_[0]!r}.")
        self._loss = "binary_cross_entropy" if len(self.classes_) == 2 else "softmax_cross_entropy"
        self.out_activation_ = "logistic" if len(self.classes_) == 2 else "softmax"
        self._train(X, self._targets(y), stratify=y)
        return self

    def _targets(self, y: np.ndarray) -> np.ndarray:
        return self._binarizer.transform(y).astype(np.float64)

    def _validation_score(self, network: MLP, X: np.ndarray, Y: np.ndarray) -> float:
        z = network.logits(X)
        hit = (z[:, 0] > 0) == (Y[:, 0] > 0.5) if Y.shape[1] == 1 else (
            z.argmax(axis=1) == Y.argmax(axis=1))
        return float(hit.mean())

    def predict_log_proba(self, X: Any) -> np.ndarray:
        """log P(class | x), n_samples x n_classes, computed from the logits."""
        z = self._logits(X)
        return np.hstack([log_expit(-z), log_expit(z)]) if z.shape[1] == 1 else log_softmax(z, axis=1)

    def predict_proba(self, X: Any) -> np.ndarray:
        """P(class | x), n_samples x n_classes (columns in the order of ``classes_``)."""
        return np.exp(self.predict_log_proba(X))

    def predict(self, X: Any) -> np.ndarray:
        """The most probable class of each sample."""
        z = self._logits(X)
        best = (z[:, 0] > 0).astype(np.intp) if z.shape[1] == 1 else z.argmax(axis=1)
        return self.classes_[best]


class MLPRegressor(RegressorMixin, _BaseMLP):
    """Multi-layer perceptron regressor: identity output, squared error, y of one or
    several columns.

    Parameters and attributes as in :class:`MLPClassifier` (without ``classes_``; early
    stopping scores the held-out R^2). ``predict`` returns one column per target, flat
    when y was one-dimensional.

    scikit-learn's ``check_estimator``: as for :class:`MLPClassifier`, every check passes.
    """

    _loss = "squared_error"

    def fit(self, X: Any, y: Any) -> MLPRegressor:
        """Train on X (n_samples x n_features) and targets y (n_samples or n_samples x
        n_targets); returns self."""
        X, y = validate_data(self, X, y, dtype=np.float64, multi_output=True, y_numeric=True)
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        self.out_activation_ = "identity"
        self._train(X, self._targets(y), stratify=None)
        return self

    @staticmethod
    def _targets(y: np.ndarray) -> np.ndarray:
        return np.asarray(y, dtype=np.float64).reshape(len(y), -1)

    @staticmethod
    def _validation_score(network: MLP, X: np.ndarray, Y: np.ndarray) -> float:
        return float(r2_score(Y, network.logits(X)))

    def predict(self, X: Any) -> np.ndarray:
        """The predicted targets, n_samples (one target) or n_samples x n_targets."""
        z = self._logits(X)
        return z.ravel() if z.shape[1] == 1 else z

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags
