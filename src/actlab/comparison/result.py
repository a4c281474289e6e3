"""The outcome of a comparison: leaderboard, verdict, fold table, files.

:class:`Comparison` is what ``actlab.compare(...)`` returns and what ``actlab compare``
prints and writes (``leaderboard.csv``, ``results.json``, ``report.html``).
"""

from __future__ import annotations

import json
import math
import platform
from dataclasses import asdict, dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

import actlab
from actlab.comparison.runner import RunState, Settings, fill_diverged, scores
from actlab.comparison.statistics import Row, leaderboard, recommendation


@dataclass
class Baseline:
    """scikit-learn's GridSearchCV on the same folds: scores per activation, wall time."""

    scores: dict[str, list[float]]  # our label -> per-fold test metric, fold order
    seconds: float
    estimator: str


@dataclass
class Comparison:
    """Results of comparing activations by paired repeated cross-validation.

    Attributes:
        settings: the :class:`~actlab.comparison.runner.Settings`.
        state: every fold's result (``state.results[label][(repeat, fold)]``), the race's
            drops, the wall time.
        costs: activation label -> cost class (for preferring the cheaper among ties).
        dataset, run_id, command: what was compared, the store key, the command line.
    """

    settings: Settings
    state: RunState
    costs: dict[str, str]
    dataset: str = "data"
    run_id: str = ""
    command: str = ""
    baseline: Baseline | None = None
    files: dict[str, str] = field(default_factory=dict)

    # ------------------------------------------------------------------ statistics
    @property
    def n_folds(self) -> int:
        return self.settings.cv * self.settings.repeats

    @property
    def complete(self) -> list[str]:
        """Activations with every fold done (the race's survivors)."""
        return [a for a in self.state.labels if len(self.state.results[a]) == self.n_folds]

    def scores(self, label: str, metric: str | None = None) -> np.ndarray:
        """Per-fold test scores of ``label`` in fold order; for the ranking metric a diverged
        fold (NaN) counts as the worst score of the comparison (see :func:`fill_diverged`)."""
        metric = metric or self.settings.metric
        if metric != self.settings.metric:
            res = self.state.results[label]
            return np.array([float(res[k][metric]) for k in sorted(res)])
        return np.array(self._filled[label])

    @cached_property
    def _filled(self) -> dict[str, list[float]]:
        return fill_diverged(scores(self.state, self.state.labels, self.settings.metric),
                             self.settings)

    @cached_property
    def rows(self) -> list[Row]:
        """The leaderboard rows (complete activations), best first."""
        complete = self.complete
        if not complete:
            raise ValueError("no activation has finished every fold yet; nothing to rank.")
        return leaderboard({a: self.scores(a) for a in complete}, n_splits=self.settings.cv,
                           costs=self.costs, higher_is_better=self.settings.higher_is_better)

    @property
    def best(self) -> str:
        """The activation with the best mean score."""
        sign = 1 if self.settings.higher_is_better else -1
        return max(self.rows, key=lambda r: sign * r.mean).activation

    @property
    def tied(self) -> list[str]:
        """Activations not significantly worse than the best (Holm, alpha 0.05), best included."""
        return [r.activation for r in self.rows if r.tied_for_best]

    @property
    def recommendation(self) -> str:
        metric = self.settings.metric
        text = recommendation(self.rows, metric=metric, points=100.0 if metric == "accuracy" else 1.0,
                              higher_is_better=self.settings.higher_is_better)
        for d in self.state.dropped:
            text += (f" The race stopped {d.activation} after repeat {d.after_repeat + 1} "
                     f"(p = {d.p_value:.2g} against the best).")
        return text

    @property
    def leaderboard(self) -> Any:
        """A pandas DataFrame, best first: the ranking metric's mean, std, 95% CI
        (corrected for the overlap of CV training sets), Holm-adjusted p against the best,
        tied-for-best, cost; the other metric; mean epochs, seconds per fold, dead and
        saturated units (%) and gradient ratio at the end of training. Activations the
        race dropped follow, with the folds they ran."""
        import pandas as pd

        m = self.settings.metric
        other = [x for x in _metrics(self.settings.task) if x != m][0]
        records = []
        for r in self.rows:
            records.append({"activation": r.activation, m: r.mean, "std": r.std, "ci_low": r.ci_low,
                            "ci_high": r.ci_high, "p_vs_best": r.p_vs_best,
                            "tied_for_best": r.tied_for_best, "status": "complete", "cost": r.cost,
                            **self._extras(r.activation, other)})
        for d in self.state.dropped:
            v = self.scores(d.activation)
            records.append({"activation": d.activation, m: float(v.mean()),
                            "std": float(v.std(ddof=1)) if v.size > 1 else math.nan,
                            "ci_low": math.nan, "ci_high": math.nan, "p_vs_best": d.p_value,
                            "tied_for_best": False,
                            "status": f"dropped after repeat {d.after_repeat + 1}",
                            "cost": self.costs.get(d.activation, ""),
                            **self._extras(d.activation, other)})
        return pd.DataFrame.from_records(records)

    def _extras(self, label: str, other: str) -> dict[str, Any]:
        res = self._in_fold_order(label)
        diag = [r["diagnostics"] for r in res if r.get("diagnostics")]
        ratios = [d["grad_ratio"] for d in diag if d["grad_ratio"] is not None]
        return {
            other: _nanmean([r[other] for r in res]),
            "folds": len(res),
            "diverged": sum(bool(r["diverged"]) for r in res),
            "epochs": float(np.mean([r["epochs"] for r in res])),
            "seconds": float(np.mean([r["seconds"] for r in res])),
            "dead_pct": 100 * _nanmean([np.mean(d["dead"]) for d in diag]),
            "saturated_pct": 100 * _nanmean([np.mean(d["saturated"]) for d in diag]),
            "grad_ratio": float(np.exp(np.mean(np.log(ratios)))) if ratios and min(ratios) > 0 else math.nan,
        }

    @property
    def folds(self) -> Any:
        """Every fold's result as a pandas DataFrame (one row per activation x fold)."""
        import pandas as pd

        records = []
        for label in self.state.labels:
            for (r, k), res in sorted(self.state.results[label].items()):
                diag = res.get("diagnostics") or {"dead": [math.nan], "saturated": [math.nan],
                                                  "grad_ratio": None}
                records.append({"activation": label, "repeat": r, "fold": k,
                                **{m: res[m] for m in _metrics(self.settings.task)},
                                "epochs": res["epochs"], "seconds": res["seconds"],
                                "diverged": res["diverged"],
                                "dead_pct": 100 * float(np.mean(diag["dead"])),
                                "saturated_pct": 100 * float(np.mean(diag["saturated"])),
                                "grad_ratio": diag["grad_ratio"]})
        return pd.DataFrame.from_records(records)

    def _in_fold_order(self, label: str) -> list[dict[str, Any]]:
        """The fold results of ``label`` by (repeat, fold). NOTE: the store's order is the
        order folds finished in, which resuming changes; a mean summed in another order
        can differ in the last bit, and a resumed run must give the same numbers."""
        res = self.state.results[label]
        return [res[k] for k in sorted(res)]

    def learning_curve(self, label: str) -> np.ndarray:
        """Mean training loss per epoch over the folds (a stopped fold keeps its last loss)."""
        curves = [r["loss_curve"] for r in self._in_fold_order(label)]
        n = max(len(c) for c in curves)
        padded = np.array([c + [c[-1]] * (n - len(c)) for c in curves], dtype=np.float64)
        return np.nanmean(np.where(np.isfinite(padded), padded, np.nan), axis=0)

    # ------------------------------------------------------------------------ files
    def to_dict(self) -> dict[str, Any]:
        return {
            "dataset": self.dataset, "run_id": self.run_id, "command": self.command,
            "settings": asdict(self.settings), "versions": versions(),
            "wall_seconds": self.state.wall_seconds, "reused_folds": self.state.reused,
            "recommendation": self.recommendation, "best": self.best, "tied": self.tied,
            "leaderboard": json.loads(self.leaderboard.to_json(orient="records")),
            "dropped": [asdict(d) for d in self.state.dropped],
            "baseline": None if self.baseline is None else asdict(self.baseline),
            "folds": [{"activation": a, "repeat": r, "fold": k, **res}
                      for a in self.state.labels
                      for (r, k), res in sorted(self.state.results[a].items())],
        }

    def to_json(self, path: str | Path) -> Path:
        path = Path(path)
        path.write_text(json.dumps(self.to_dict(), indent=1, default=_plain), encoding="utf-8")
        return path

    def to_csv(self, path: str | Path) -> Path:
        path = Path(path)
        self.leaderboard.to_csv(path, index=False)
        return path

    def to_html(self, path: str | Path) -> Path:
        """A self-contained HTML report (figures embedded) at ``path``."""
        from actlab.comparison.report import render

        path = Path(path)
        path.write_text(render(self), encoding="utf-8")
        return path

    def write(self, out: str | Path) -> dict[str, Path]:
        """leaderboard.csv, results.json and report.html in the directory ``out``."""
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        files = {"leaderboard": self.to_csv(out / "leaderboard.csv"),
                 "results": self.to_json(out / "results.json"),
                 "report": self.to_html(out / "report.html")}
        self.files = {k: str(v) for k, v in files.items()}
        return files

    def __repr__(self) -> str:
        return (f"Comparison(dataset={self.dataset!r}, activations={len(self.state.labels)}, "
                f"folds={self.n_folds}, best={self.best!r}, tied={self.tied!r})")


def versions() -> dict[str, str]:
    import scipy
    import sklearn

    return {"actlab": actlab.__version__, "python": platform.python_version(),
            "numpy": np.__version__, "scipy": scipy.__version__, "scikit-learn": sklearn.__version__,
            "platform": platform.platform()}


def _metrics(task: str) -> tuple[str, str]:
    from actlab.comparison.runner import METRICS

    return METRICS[task]  # type: ignore[return-value]


def _nanmean(values: list[Any]) -> float:
    v = np.array([np.nan if x is None else float(x) for x in values], dtype=np.float64)
    v = v[np.isfinite(v)]
    return float(v.mean()) if v.size else math.nan


def _plain(value: Any) -> Any:
    if isinstance(value, (np.floating, np.integer, np.bool_)):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"cannot write {type(value).__name__} to JSON")
