"""Which activation for my data? Paired repeated cross-validation with statistics.

* :mod:`~actlab.comparison.runner`: folds, stacked training, store, racing, parallelism;
* :mod:`~actlab.comparison.statistics`: corrected resampled t-test, Holm, leaderboard,
  recommendation;
* :mod:`~actlab.comparison.store`: the resumable SQLite results store;
* :mod:`~actlab.comparison.result`: :class:`Comparison`, what :func:`compare` returns;
* :mod:`~actlab.comparison.report`: the HTML report; :mod:`~actlab.comparison.baseline`:
  scikit-learn's GridSearchCV on the same folds.

``actlab.compare(X, y, ...)`` (this module's :func:`compare`) is the Python API and
``actlab compare`` the command line.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from actlab.activation import Activation
from actlab.comparison.result import Baseline, Comparison
from actlab.comparison.runner import (
    RACE_ABOVE,
    RECOMMENDED,
    Settings,
    check_folds,
    make_problem,
    open_store,
    plan_folds,
    resolve_activations,
    run,
)
from actlab.comparison.statistics import corrected_ttest, holm, leaderboard, recommendation
from actlab.comparison.store import FoldKey, Store, StoreError, config_hash, fingerprint

__all__ = ["RECOMMENDED", "Baseline", "Comparison", "FoldKey", "Settings", "Store", "StoreError",
           "compare", "config_hash", "corrected_ttest", "fingerprint", "holm", "leaderboard",
           "recommendation"]


def compare(X: Any, y: Any, activations: str | Sequence[str | Activation] = "recommended", *,
            task: str | None = None, metric: str | None = None, hidden: Sequence[int] = (64, 64),
            cv: int = 5, repeats: int = 3, epochs: int = 200, batch_size: int = 200,
            optimizer: str = "adam", lr: float = 1e-3, alpha: float = 1e-4, init: str = "auto",
            dtype: str = "float32", seed: int = 0, race: bool | None = None, jobs: int | None = None,
            out: str | Path | None = None, run_id: str | None = None, baseline: str | None = None,
            dataset: str = "data", command: str = "", on_event: Any = None,
            run_info: dict[str, Any] | None = None) -> Comparison:
    """Compare activations on (X, y) by paired repeated cross-validation.

    Args:
        X, y: samples x features, and targets (class labels or values).
        activations: names, formulas or Activations; or ``"recommended"`` / ``"all"``.
        task: ``"classification"`` / ``"regression"``; None detects it from y.
        metric: ranking metric (accuracy or log_loss; rmse or r2). Default accuracy / rmse.
        hidden, epochs, batch_size, optimizer, lr, alpha, init, dtype: the networks and
            their training (scikit-learn's stopping rule on the training loss).
        cv, repeats, seed: K-fold repeated R times; folds and initial weights follow the seed.
        race: stop training activations significantly worse than the best after each repeat;
            None: on when more than 8 activations.
        jobs: worker processes (None: all cores).
        out: directory for ``results.sqlite`` (finished folds; a re-run resumes) and, via
            :meth:`Comparison.write`, the report files. None: keep results in memory.
        baseline: ``"sklearn"`` also runs GridSearchCV over scikit-learn's MLP on the same folds.
        dataset, command, run_info: names for the report, and what the store keeps to
            resume the run (``actlab compare --resume``).
        on_event: progress callback, see :func:`actlab.comparison.runner.run`.

    >>> import numpy as np, actlab
    >>> ds = actlab.data.load("moons", rng=np.random.default_rng(0), n_samples=120)
    >>> c = actlab.compare(ds.X, ds.y, ["tanh", "relu"], hidden=(8,), cv=3, repeats=1,
    ...                    epochs=20, jobs=1)
    >>> sorted(c.leaderboard["activation"]), c.best in c.tied
    (['relu', 'tanh'], True)
    """
    acts = resolve_activations(activations)
    problem = make_problem(X, y, task)
    race = len(acts) > RACE_ABOVE if race is None else race
    settings = Settings(task=problem.task, metric=metric or "", hidden=tuple(hidden), cv=cv,
                        repeats=repeats, epochs=epochs, batch_size=batch_size, optimizer=optimizer,
                        lr=float(lr), alpha=float(alpha), init=init, dtype=dtype, seed=seed,
                        race=bool(race))
    check_folds(problem, cv, dataset)
    if baseline not in (None, "sklearn"):
        raise ValueError(f"The 'baseline' parameter must be 'sklearn' or None. Got {baseline!r} instead.")
    jobs = default_jobs() if jobs is None else jobs
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise ValueError(f"The 'jobs' parameter must be an int >= 1. Got {jobs!r} instead.")
    store = None if out is None else open_store(Path(out))
    try:
        state = run(problem, acts, settings, store=store, run_id=run_id, jobs=jobs,
                    on_event=on_event, run_info=run_info)
    finally:
        if store is not None:
            store.close()
    from actlab.comparison.runner import default_run_id

    rid = run_id or default_run_id(fingerprint(problem.X, problem.y),
                                   config_hash(settings.results_config()))
    result = Comparison(settings, state, {label: act.cost for label, act in acts}, dataset=dataset,
                        run_id=rid, command=command)
    if baseline == "sklearn":
        from actlab.comparison.baseline import run_sklearn

        result.baseline = run_sklearn(problem, plan_folds(problem.y, settings), settings,
                                      state.labels, jobs)
    return result


def default_jobs() -> int:
    """All cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1
