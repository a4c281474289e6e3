"""``--baseline sklearn``: scikit-learn's GridSearchCV over MLPClassifier/MLPRegressor on the
same folds, for the activations it supports, timed beside ours."""

from __future__ import annotations

import time
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier, MLPRegressor

from actlab.comparison.result import Baseline
from actlab.comparison.runner import Fold, Problem, Settings

#: our activation -> scikit-learn's name for it (the only four it has)
SKLEARN_ACTIVATIONS = {"identity": "identity", "sigmoid": "logistic", "tanh": "tanh", "relu": "relu"}
_SCORING = {"accuracy": "accuracy", "log_loss": "neg_log_loss", "rmse": "neg_root_mean_squared_error",
            "r2": "r2"}


class _QuietClassifier(MLPClassifier):
    """MLPClassifier that does not warn when max_iter stops it (we report epochs ourselves)."""

    def fit(self, X: Any, y: Any) -> Any:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            return super().fit(X, y)


class _QuietRegressor(MLPRegressor):
    def fit(self, X: Any, y: Any) -> Any:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            return super().fit(X, y)


def supported(labels: Sequence[str]) -> list[str]:
    return [a for a in labels if a in SKLEARN_ACTIVATIONS]


def estimator(settings: Settings, task: str) -> Any:
    """The pipeline GridSearchCV tunes: standardise (on the training fold), then the MLP."""
    from sklearn.compose import TransformedTargetRegressor
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    solver = {"adam": ("adam", 0.0, False), "sgd": ("sgd", 0.0, False),
              "momentum": ("sgd", 0.9, False), "nesterov": ("sgd", 0.9, True)}
    if settings.optimizer not in solver:
        raise ValueError(f"--baseline sklearn supports the optimizers {', '.join(solver)}. "
                         f"Got {settings.optimizer!r} instead.")
    name, momentum, nesterov = solver[settings.optimizer]
    cls = _QuietClassifier if task == "classification" else _QuietRegressor
    mlp = cls(hidden_layer_sizes=settings.hidden, solver=name, momentum=momentum,
              nesterovs_momentum=nesterov, learning_rate_init=settings.lr, alpha=settings.alpha,
              batch_size=settings.batch_size, max_iter=settings.epochs, tol=settings.tol,
              n_iter_no_change=settings.n_iter_no_change, random_state=settings.seed, shuffle=True)
    pipe = Pipeline([("scale", StandardScaler()), ("mlp", mlp)])
    if task == "regression":
        return TransformedTargetRegressor(regressor=pipe, transformer=StandardScaler())
    return pipe


def run_sklearn(problem: Problem, folds: Sequence[Fold], settings: Settings, labels: Sequence[str],
                jobs: int) -> Baseline:
    """GridSearchCV(n_jobs=jobs) over the supported activations among ``labels``."""
    from sklearn.model_selection import GridSearchCV

    acts = supported(labels)
    if not acts:
        raise ValueError(f"--baseline sklearn needs at least one of the activations scikit-learn "
                         f"has ({', '.join(SKLEARN_ACTIVATIONS)}). Got {', '.join(labels)}.")
    est = estimator(settings, problem.task)
    key = "regressor__mlp__activation" if problem.task == "regression" else "mlp__activation"
    grid = GridSearchCV(est, {key: [SKLEARN_ACTIVATIONS[a] for a in acts]},
                        scoring=_SCORING[settings.metric], cv=[(f.train, f.test) for f in folds],
                        n_jobs=jobs, refit=False, error_score=np.nan)
    start = time.perf_counter()
    grid.fit(problem.X, problem.y)
    seconds = time.perf_counter() - start
    sign = -1.0 if _SCORING[settings.metric].startswith("neg_") else 1.0
    res = grid.cv_results_
    scores = {}
    for i, a in enumerate(acts):
        scores[a] = [sign * float(res[f"split{j}_test_score"][i]) for j in range(len(folds))]
    return Baseline(scores, seconds, f"GridSearchCV({type(est).__name__} of StandardScaler + "
                    f"{'MLPClassifier' if problem.task == 'classification' else 'MLPRegressor'}, "
                    f"n_jobs={jobs})")
