"""MLP benchmark: actlab.estimators.MLPClassifier against scikit-learn's MLPClassifier.

Both run with scikit-learn's defaults, the same for both: one hidden layer of 100
units, Adam (learning rate 1e-3, betas 0.9/0.999, eps 1e-8), batches of min(200, n),
at most 200 epochs, L2 alpha 1e-4, stopping with tol 1e-4 / n_iter_no_change 10.
Differences that remain by design: the initial weights (actlab ``init="auto"``:
variance scaling with the activation's gain, biases 0; scikit-learn: Glorot uniform,
uniform biases) and the shuffling generator.

For each dataset (digits: 1797 x 64, 10 classes; breast_cancer: 569 x 30, 2 classes) and
each activation scikit-learn has (identity, logistic, tanh, relu): 5-fold stratified
cross-validation (StandardScaler fitted on the training folds), mean test accuracy and
mean time per epoch (fit time / epochs run) of both, actlab without diagnostics
(``diagnose_every=0``, like for like), plus actlab's time per epoch with a health report
after every epoch (the default) on the first fold.

Nothing here is a test: no speed bar is enforced anywhere (see benchmarks/README.md).

    PYTHONPATH=src python benchmarks/bench_mlp.py
    PYTHONPATH=src python benchmarks/bench_mlp.py --folds 3 --only relu,tanh
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
import sklearn
import sklearn.neural_network as sk
from sklearn.base import clone
from sklearn.datasets import load_breast_cancer, load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

try:
    from actlab.estimators import MLPClassifier
except ImportError:  # running from a checkout without `pip install -e .`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    from actlab.estimators import MLPClassifier

DATASETS = {"digits": load_digits, "breast_cancer": load_breast_cancer}
ACTIVATIONS = ["identity", "logistic", "tanh", "relu"]


def run(model, X: np.ndarray, y: np.ndarray, train: np.ndarray,
        test: np.ndarray) -> tuple[float, float, int]:
    """(test accuracy, seconds per epoch, epochs) of one fit."""
    pipe = make_pipeline(StandardScaler(), clone(model))
    start = time.perf_counter()
    pipe.fit(X[train], y[train])
    seconds = time.perf_counter() - start
    epochs = pipe[-1].n_iter_
    return float(pipe.score(X[test], y[test])), seconds / epochs, epochs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--only", default=",".join(ACTIVATIONS),
                        help="comma-separated activations among " + ", ".join(ACTIVATIONS))
    args = parser.parse_args()
    acts = args.only.split(",")

    print(f"# {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
          f"Python {platform.python_version()}, NumPy {np.__version__}, "
          f"scikit-learn {sklearn.__version__}, load {os.getloadavg()[0]:.2f}")
    header = (f"{'dataset':<14}{'activation':<11}{'sk acc':>8}{'actlab acc':>11}{'diff':>7}"
              f"{'sk ms/ep':>10}{'actlab ms/ep':>13}{'ratio':>7}{'sk ep':>7}{'actlab ep':>10}"
              f"{'+diag ms/ep':>12}")
    print(header)
    print("-" * len(header))
    warnings.simplefilter("ignore", ConvergenceWarning)  # counted in the epochs columns
    for data_name, load in DATASETS.items():
        X, y = load(return_X_y=True)
        folds = list(StratifiedKFold(args.folds, shuffle=True, random_state=0).split(X, y))
        for act in acts:
            theirs = sk.MLPClassifier(activation=act, random_state=0)
            ours = MLPClassifier(activation=act, random_state=0, diagnose_every=0)
            a = np.array([run(theirs, X, y, tr, te) for tr, te in folds])
            b = np.array([run(ours, X, y, tr, te) for tr, te in folds])
            diag = run(ours.set_params(diagnose_every=1), X, y, *folds[0])[1]
            print(f"{data_name:<14}{act:<11}{a[:, 0].mean():>8.4f}{b[:, 0].mean():>11.4f}"
                  f"{b[:, 0].mean() - a[:, 0].mean():>+7.3f}{1e3 * a[:, 1].mean():>10.2f}"
                  f"{1e3 * b[:, 1].mean():>13.2f}{b[:, 1].mean() / a[:, 1].mean():>6.2f}x"
                  f"{a[:, 2].mean():>7.0f}{b[:, 2].mean():>10.0f}{1e3 * diag:>12.2f}",
                  flush=True)
    print(f"# accuracy: mean over {args.folds} folds; ms/ep: fit time / epochs run, mean over "
          f"folds; ratio: actlab / scikit-learn; +diag: actlab with a report every epoch "
          f"(fold 1); load at end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
