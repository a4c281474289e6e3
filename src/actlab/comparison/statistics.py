"""Statistics for comparing activations by repeated cross-validation.

Repeated K-fold CV scores are not independent (training sets overlap), so the naive
paired t-test is far too confident. We use the corrected resampled t-test of Nadeau &
Bengio (2003), in the repeated-K-fold form of Bouckaert & Frank (2004): for the n = K*R
paired differences d_j of two activations on the SAME folds,

    t = mean(d) / sqrt((1/n + n_test/n_train) * var(d)),   df = n - 1,

with var the sample variance (ddof=1) and n_test/n_train = 1/(K-1) for K-fold. The same
corrected variance gives the confidence intervals of the leaderboard. Comparisons of
every activation against the best are Holm-corrected (Holm 1979).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

from actlab.activation import cost_rank


def corrected_ttest(d: Sequence[float], *, n_splits: int) -> tuple[float, float]:
    """(t, two-sided p) of the corrected resampled t-test for paired CV differences ``d``.

    >>> t, p = corrected_ttest([0.01, 0.02, 0.03, 0.0, 0.04], n_splits=5)
    >>> round(t, 4), round(p, 4)
    (1.8856, 0.1324)
    """
    d = np.asarray(d, dtype=np.float64)
    n = d.size
    if n < 2:
        raise ValueError(f"corrected_ttest needs at least 2 paired differences. Got {n}.")
    if n_splits < 2:
        raise ValueError(f"The 'n_splits' parameter must be an int >= 2. Got {n_splits!r} instead.")
    mean = float(np.mean(d))
    if np.ptp(d) == 0.0:  # identical differences: certain if nonzero, no evidence if zero
        return (math.copysign(math.inf, mean), 0.0) if mean != 0.0 else (0.0, 1.0)
    var = float(np.var(d, ddof=1)) * (1.0 / n + 1.0 / (n_splits - 1))
    t = mean / math.sqrt(var)
    return t, float(2.0 * stats.t.sf(abs(t), n - 1))


def holm(pvalues: Sequence[float]) -> list[float]:
    """Holm-Bonferroni adjusted p-values, in the input order.

    >>> holm([0.01, 0.04, 0.03])
    [0.03, 0.06, 0.06]
    """
    p = np.asarray(pvalues, dtype=np.float64)
    m = p.size
    order = np.argsort(p, kind="stable")
    adjusted = np.empty(m)
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p[i]))
        adjusted[i] = running
    return [round(float(v), 15) for v in adjusted]


@dataclass(frozen=True)
class Row:
    """One activation on the leaderboard."""

    activation: str
    mean: float
    std: float
    ci_low: float
    ci_high: float
    n: int
    p_vs_best: float | None  # Holm-adjusted; None for the best itself
    tied_for_best: bool
    cost: str


def leaderboard(scores: Mapping[str, Sequence[float]], *, n_splits: int, costs: Mapping[str, str],
                alpha: float = 0.05, higher_is_better: bool = True) -> list[Row]:
    """Rows sorted best first. ``scores[act]`` are per-fold scores in the same fold order for
    every activation (paired design); activations not significantly worse than the best
    (Holm-adjusted p >= alpha) are tied for best."""
    names = list(scores)
    arrays = {a: np.asarray(scores[a], dtype=np.float64) for a in names}
    sizes = {v.size for v in arrays.values()}
    if len(sizes) != 1:
        raise ValueError(f"every activation needs the same folds (paired design). Got {sorted(sizes)} "
                         "scores per activation.")
    n = sizes.pop()
    sign = 1.0 if higher_is_better else -1.0
    best = max(names, key=lambda a: sign * arrays[a].mean())
    others = [a for a in names if a != best]
    raw = [corrected_ttest(sign * (arrays[best] - arrays[a]), n_splits=n_splits)[1] for a in others]
    adjusted = dict(zip(others, holm(raw) if others else [], strict=True))
    tcrit = float(stats.t.ppf(0.975, n - 1)) if n > 1 else math.nan
    rows = []
    for a in names:
        v = arrays[a]
        sd = float(np.std(v, ddof=1)) if n > 1 else math.nan
        half = tcrit * sd * math.sqrt(1.0 / n + 1.0 / (n_splits - 1)) if n > 1 else math.nan
        p = adjusted.get(a)
        rows.append(Row(a, float(v.mean()), sd, float(v.mean()) - half, float(v.mean()) + half, n,
                        p, a == best or (p is not None and p >= alpha), costs.get(a, "exp")))
    rows.sort(key=lambda r: (not r.tied_for_best, -sign * r.mean))
    return rows


def recommendation(rows: Sequence[Row], *, metric: str = "accuracy", points: float = 100.0,
                   alpha: float = 0.05, higher_is_better: bool = True) -> str:
    """A plain-language verdict: who is tied for best (preferring the cheapest) and who is worse.

    ``points`` scales differences for the text (100: accuracy in percentage points, said
    as "points"; 1: the metric's own units, said as the metric).
    """
    sign = 1.0 if higher_is_better else -1.0
    tied = [r for r in rows if r.tied_for_best]
    worse = [r for r in rows if not r.tied_for_best]
    best = max(tied, key=lambda r: sign * r.mean)
    pick = min(tied, key=lambda r: (cost_rank(r.cost), -sign * r.mean))
    ps = [r.p_vs_best for r in tied if r.p_vs_best is not None]

    def diff(r: Row) -> str:
        d = abs(best.mean - r.mean) * points
        return f"{d:.1f} points" if points == 100.0 else f"{d:.3g} in {metric}"

    value = f"{best.mean * points:.1f}" if points == 100.0 else f"{best.mean * points:.4g}"
    if len(tied) == 1:
        text = f"{best.activation} is the best ({metric} {value})"
    else:
        names = ", ".join(r.activation for r in tied[:-1]) + f" and {tied[-1].activation}"
        text = (f"{names} are tied for best (smallest p = {min(ps):.2g} against "
                f"{best.activation}, alpha = {alpha:g})")
        if pick is not best:
            text += (f"; prefer {pick.activation}: it is the cheapest of them ({pick.cost}), and "
                     f"within {diff(pick)} of the best")
    parts = [text]
    for r in worse:
        p = r.p_vs_best if r.p_vs_best is not None else 1.0
        ptext = "p < 0.001" if p < 0.001 else f"p = {p:.2g}"
        parts.append(f"{r.activation} is worse by {diff(r)} ({ptext})")
    return "; ".join(parts) + "."

