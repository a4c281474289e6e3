"""``actlab compare`` against scikit-learn's GridSearchCV over MLPClassifier, same run.

The task of issue E: 4 activations (identity, logistic = sigmoid, tanh, relu) x 5 folds on
``digits`` (1797 x 64, 10 classes), hidden layers (64, 64), Adam with rate 1e-3, batches
of 200, at most 200 epochs, scikit-learn's stopping rule (tol 1e-4, 10 epochs without
improvement of the training loss), L2 alpha 1e-4. Both sides use the same 5 stratified
folds and standardise the inputs on each training fold.

Peers, measured in this process one after the other:

* ``sklearn``: ``GridSearchCV(Pipeline(StandardScaler, MLPClassifier), n_jobs=2)``: the
  same problem, like for like (the target ratio, actlab / sklearn <= 0.25, is about this one);
* ``sklearn-raw``: ``GridSearchCV(MLPClassifier(), n_jobs=2)`` on the raw pixels, as the
  tutorials' readers write it (unscaled inputs converge more slowly: most fits run all
  200 epochs).

actlab's time is the whole ``actlab.compare`` call (worker start-up, training, test
metrics and per-fold diagnostics). Accuracies: mean and std over the 5 folds; "within"
says whether actlab's mean is within one std of scikit-learn's.

    PYTHONPATH=src python benchmarks/bench_compare.py [--repeats-of-timing 3] [--jobs 2]
    PYTHONPATH=src python benchmarks/bench_compare.py --scale   # the 33-activation run

``--scale`` instead runs every catalogue activation x 5 folds x 3 repeats on digits, with
racing and without, and prints both times (issue E: under 60 s with racing).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
import warnings
from pathlib import Path

import numpy as np

try:
    import actlab
except ImportError:  # running from a checkout without `pip install -e .`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    import actlab

import sklearn
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV
from sklearn.neural_network import MLPClassifier

from actlab.comparison.baseline import SKLEARN_ACTIVATIONS, estimator
from actlab.comparison.runner import Settings, plan_folds

ACTIVATIONS = ["identity", "sigmoid", "tanh", "relu"]


def ours(X: np.ndarray, y: np.ndarray, jobs: int) -> tuple[float, dict[str, np.ndarray]]:
    start = time.perf_counter()
    c = actlab.compare(X, y, ACTIVATIONS, hidden=(64, 64), cv=5, repeats=1, epochs=200,
                       batch_size=200, lr=1e-3, jobs=jobs, race=False)
    seconds = time.perf_counter() - start
    return seconds, {a: c.scores(a) for a in ACTIVATIONS}


def sklearn_grid(X: np.ndarray, y: np.ndarray, jobs: int, scaled: bool) -> tuple[float, dict]:
    settings = Settings(task="classification", hidden=(64, 64), cv=5, repeats=1)
    folds = [(f.train, f.test) for f in plan_folds(y, settings)]
    if scaled:
        est, key = estimator(settings, "classification"), "mlp__activation"
    else:
        est, key = MLPClassifier((64, 64), batch_size=200, max_iter=200, random_state=0), "activation"
    grid = GridSearchCV(est, {key: [SKLEARN_ACTIVATIONS[a] for a in ACTIVATIONS]}, cv=folds,
                        n_jobs=jobs, refit=False)
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        grid.fit(X, y)
    seconds = time.perf_counter() - start
    res = grid.cv_results_
    return seconds, {a: np.array([res[f"split{j}_test_score"][i] for j in range(5)])
                     for i, a in enumerate(ACTIVATIONS)}


def scale(X: np.ndarray, y: np.ndarray, jobs: int) -> None:
    everything = actlab.names()
    for race in (True, False):
        start = time.perf_counter()
        c = actlab.compare(X, y, everything, hidden=(64, 64), cv=5, repeats=3, jobs=jobs, race=race)
        seconds = time.perf_counter() - start
        print(f"{len(everything)} activations x 5 folds x 3 repeats, race={race}: {seconds:.1f} s; "
              f"{sum(len(v) for v in c.state.results.values())} folds trained, "
              f"{len(c.state.dropped)} dropped; best {c.best}, tied {', '.join(c.tied)}")
        if race:
            for d in c.state.dropped:
                print(f"  dropped {d.activation} after repeat {d.after_repeat + 1} (p = {d.p_value:.2g})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--timings", type=int, default=3, help="timed runs of each side (median)")
    parser.add_argument("--scale", action="store_true", help="the 33-activation run instead")
    args = parser.parse_args()
    X, y = actlab.data.load("digits").X, actlab.data.load("digits").y
    print(f"# {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, Python "
          f"{platform.python_version()}, NumPy {np.__version__}, scikit-learn {sklearn.__version__}, "
          f"actlab {actlab.__version__}; load average {os.getloadavg()[0]:.2f}")
    if args.scale:
        scale(X, y, args.jobs)
        return
    runs: dict[str, list[float]] = {"actlab": [], "sklearn": [], "sklearn-raw": []}
    acc: dict[str, dict[str, np.ndarray]] = {}
    for _ in range(args.timings):  # interleaved, so load changes hit all sides alike
        t, acc["actlab"] = ours(X, y, args.jobs)
        runs["actlab"].append(t)
        t, acc["sklearn"] = sklearn_grid(X, y, args.jobs, scaled=True)
        runs["sklearn"].append(t)
        t, acc["sklearn-raw"] = sklearn_grid(X, y, args.jobs, scaled=False)
        runs["sklearn-raw"].append(t)
    med = {k: float(np.median(v)) for k, v in runs.items()}
    print(f"# wall time, median of {args.timings} (jobs = {args.jobs}); load average now "
          f"{os.getloadavg()[0]:.2f}")
    for k, v in runs.items():
        print(f"{k:12s} {med[k]:7.2f} s   runs: {', '.join(f'{x:.2f}' for x in v)}")
    print(f"ratio actlab / sklearn     = {med['actlab'] / med['sklearn']:.3f}  (target <= 0.25)")
    print(f"ratio actlab / sklearn-raw = {med['actlab'] / med['sklearn-raw']:.3f}")
    print("\n# mean test accuracy (std) over the 5 folds")
    print(f"{'activation':10s} {'actlab':>16s} {'sklearn':>16s} {'sklearn-raw':>16s}  within 1 std")
    for a in ACTIVATIONS:
        o, s, r = acc["actlab"][a], acc["sklearn"][a], acc["sklearn-raw"][a]
        within = abs(o.mean() - s.mean()) <= s.std(ddof=1)
        print(f"{a:10s} {o.mean():.4f} ({o.std(ddof=1):.4f}) {s.mean():.4f} ({s.std(ddof=1):.4f}) "
              f"{r.mean():.4f} ({r.std(ddof=1):.4f})  {'yes' if within else 'NO'}")


if __name__ == "__main__":
    main()
