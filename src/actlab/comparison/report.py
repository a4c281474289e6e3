"""The self-contained HTML report of a comparison (figures embedded as PNG)."""

from __future__ import annotations

import datetime
import math
from typing import TYPE_CHECKING, Any

import jinja2
import numpy as np
from matplotlib import colormaps
from matplotlib.figure import Figure

from actlab.plot import png_base64

if TYPE_CHECKING:
    from actlab.comparison.result import Comparison


def render(c: Comparison) -> str:
    env = jinja2.Environment(loader=jinja2.PackageLoader("actlab", "templates"),
                             autoescape=jinja2.select_autoescape(["html", "j2"]))
    env.filters["num"] = _num
    board = c.leaderboard
    when = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    baseline = None
    if c.baseline is not None:
        baseline = {"estimator": c.baseline.estimator, "seconds": c.baseline.seconds,
                    "rows": [{"activation": a, "mean": float(np.mean(v)), "std": float(np.std(v, ddof=1)),
                              "ours": float(np.mean(c.scores(a)))} for a, v in c.baseline.scores.items()]}
    from actlab.comparison.result import versions

    return env.get_template("comparison.html.j2").render(
        c=c, metric=c.settings.metric, columns=list(board.columns),
        records=board.to_dict(orient="records"), settings=vars(c.settings),
        scores_png=png_base64(_scores_figure(c)), curves_png=png_base64(_curves_figure(c)),
        diagnostics_png=png_base64(_diagnostics_figure(c)), baseline=baseline,
        versions=versions(), when=when)


def _order(c: Comparison) -> list[str]:
    return [*[r.activation for r in c.rows], *[d.activation for d in c.state.dropped]]


def _scores_figure(c: Comparison) -> Figure:
    """Box plot of fold scores per activation, each fold a dot (jittered)."""
    labels = _order(c)
    fig = Figure(figsize=(max(6.0, 0.55 * len(labels) + 2), 4.2), layout="constrained")
    ax = fig.add_subplot()
    data = [c.scores(a) for a in labels]
    ax.boxplot(data, showfliers=False)
    rng = np.random.default_rng(0)  # jitter only: not part of any result
    for i, v in enumerate(data, start=1):
        ax.plot(i + rng.uniform(-0.15, 0.15, v.size), v, "o", ms=3, alpha=0.6, color="tab:blue")
    ax.set_xticks(range(1, len(labels) + 1), labels, rotation=45, ha="right")
    ax.set_ylabel(f"test {c.settings.metric} per fold")
    ax.grid(axis="y", alpha=0.3)
    return fig


def _curves_figure(c: Comparison) -> Figure:
    fig = Figure(figsize=(7, 4.2), layout="constrained")
    ax = fig.add_subplot()
    colors = colormaps["tab20"].colors  # 20 distinct colours, then dashed, then dotted
    for i, a in enumerate(_order(c)):
        curve = c.learning_curve(a)
        ax.plot(np.arange(1, curve.size + 1), curve, label=a, lw=1.2, color=colors[i % 20],
                ls=("-", "--", ":")[(i // 20) % 3])
    ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("mean training loss over folds")
    ax.legend(fontsize=7, ncol=2)
    ax.grid(alpha=0.3)
    return fig


def _diagnostics_figure(c: Comparison) -> Figure:
    """Dead and saturated units (%) at the end of training, per activation."""
    board = c.leaderboard
    fig = Figure(figsize=(max(6.0, 0.55 * len(board) + 2), 3.8), layout="constrained")
    ax = fig.add_subplot()
    x = np.arange(len(board))
    ax.bar(x - 0.2, board["dead_pct"], 0.4, label="dead units %")
    ax.bar(x + 0.2, board["saturated_pct"], 0.4, label="saturated entries %")
    ax.set_xticks(x, board["activation"], rotation=45, ha="right")
    ax.set_ylabel("% (end of training, training fold)")
    ax.legend(fontsize=8)
    ax.grid(axis="y", alpha=0.3)
    return fig


def _num(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, bool):
        return "yes" if value else ""
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)
