"""Plots of activations and their derivatives.

Built on :class:`matplotlib.figure.Figure` directly, never on pyplot: no global state
and no GUI backend, so plotting is safe in scripts, servers, threads and tests.

>>> import actlab
>>> fig = plot_activations([actlab.get("relu"), "tanh"], derivatives=True)
>>> [ax.get_title() for ax in fig.axes]
['f(x)', "f'(x)", "f''(x)"]
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from actlab.activation import Activation
from actlab.registry import get

#: The file formats :func:`save_figure` writes, chosen by the file's suffix.
FORMATS = (".png", ".svg", ".pdf")

# (panel title, Activation method giving its curve)
_PANELS = (("f(x)", "__call__"), ("f'(x)", "grad"), ("f''(x)", "grad2"))
_STYLES = ("-", "--", ":", "-.")  # after the 10 colours of the cycle run out


def plot_activations(
    acts: Iterable[Activation | str] | Activation | str,
    *,
    derivatives: bool = False,
    xlim: tuple[float, float] = (-6.0, 6.0),
    fig: Figure | None = None,
    num: int = 1201,
) -> Figure:
    """Plot f (or f, f', f'' side by side) of each activation, one line each.

    ``acts`` holds activations or names (defaults then). Draws into ``fig`` when given
    (it should be empty), else into a new Figure. Returns the figure.
    """
    if isinstance(acts, (str, Activation)):
        acts = [acts]
    acts = [get(a) for a in acts]
    lo, hi = (float(v) for v in xlim)
    if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
        raise ValueError(f"xlim must be two finite numbers lo < hi. Got {tuple(xlim)!r} instead.")
    panels = _PANELS if derivatives else _PANELS[:1]
    if fig is None:
        fig = Figure(figsize=(1.0 + 4.2 * len(panels), 3.8), layout="constrained")
    axes = fig.subplots(1, len(panels), squeeze=False)[0]
    x = np.linspace(lo, hi, num)
    for ax, (title, method) in zip(axes, panels, strict=True):
        for i, act in enumerate(acts):
            y = getattr(act, method)(x)
            # inf would wreck the autoscaling; a gap says the same thing
            ax.plot(x, np.where(np.isfinite(y), y, np.nan), label=_label(act),
                    linestyle=_STYLES[i // 10 % len(_STYLES)])
        ax.set_title(title)
        ax.set_xlabel("x")
        ax.set_xlim(lo, hi)
        ax.axhline(0.0, color="0.6", linewidth=0.6)
        ax.axvline(0.0, color="0.6", linewidth=0.6)
        ax.grid(True, alpha=0.3)
    # One legend for all panels, outside them so it never hides a curve; ~18 rows fit.
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside right upper", fontsize="small",
               ncols=math.ceil(len(acts) / 18))
    return fig


def _label(act: Activation) -> str:
    """'elu' with default parameters, 'elu(alpha=2)' otherwise."""
    changed = {p.name: act.params[p.name] for p in act.parameters
               if act.params[p.name] != p.default}
    args = ", ".join(f"{k}={v:g}" for k, v in changed.items())
    return f"{act.name}({args})" if args else act.name


def check_format(path: str | Path) -> str:
    """The format for ``path`` ('png', 'svg' or 'pdf'); ValueError for other suffixes."""
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise ValueError(f"cannot save a figure as {str(path)!r}: the file name must end in "
                         f"{', '.join(FORMATS[:-1])} or {FORMATS[-1]}.")
    return suffix[1:]


def save_figure(fig: Figure, path: str | Path) -> Path:
    """Write ``fig`` to ``path`` in the format its suffix names; returns the path.

    OSError (missing directory, no permission) propagates unchanged.
    """
    path = Path(path)
    fig.savefig(path, format=check_format(path), dpi=150)
    return path


def png_base64(fig: Figure, dpi: int = 90) -> str:
    """``fig`` as a base64 PNG, for embedding in a self-contained HTML page."""
    import base64
    import io

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def plot_history(history: Iterable[dict], *, fig: Figure | None = None) -> Figure:
    """Training curves and layer health over epochs, from an estimator's ``history_``
    (or ``actlab.nn.train(...).history``): loss; dead and saturated fractions; gradient
    norm per layer (log scale: vanishing gradients show as a widening gap); activation
    mean and std. Epochs without a diagnostics report are skipped in the health panels.

    >>> import numpy as np, actlab
    >>> from actlab.diagnostics import Report, layer_stats
    >>> z = np.random.default_rng(0).normal(size=(50, 4))
    >>> hist = [{"epoch": e, "loss": 1 / e, "report": Report((layer_stats(
    ...     "h1", actlab.get("relu"), z, grad_norm=0.1),))} for e in (1, 2, 3)]
    >>> len(plot_history(hist).axes)
    4
    """
    history = list(history)
    fig = fig if fig is not None else Figure(figsize=(12, 6.5), layout="constrained")
    ax_loss, ax_dead, ax_grad, ax_mean = fig.subplots(2, 2).ravel()
    epochs = [h["epoch"] for h in history]
    ax_loss.plot(epochs, [h["loss"] for h in history], label="training loss")
    scores = [(h["epoch"], h["validation_score"]) for h in history
              if h.get("validation_score") is not None]
    if scores:
        ax_loss.plot(*zip(*scores, strict=True), label="validation score")
    ax_loss.set(title="loss", xlabel="epoch")
    ax_loss.legend(fontsize=8)
    reports = [(h["epoch"], h["report"]) for h in history if h.get("report") is not None]
    layer_names = [s.layer for s in reports[0][1].layers] if reports else []
    for i, name in enumerate(layer_names):
        ep = [e for e, _ in reports]
        stats = [r.layers[i] for _, r in reports]
        line, = ax_dead.plot(ep, [s.dead_fraction for s in stats], label=f"{name} dead")
        ax_dead.plot(ep, [s.saturated_fraction for s in stats], ls="--", color=line.get_color(),
                     label=f"{name} saturated")
        norms = [s.grad_norm for s in stats]
        if all(n is not None and n > 0 for n in norms):
            ax_grad.semilogy(ep, norms, label=name)
        ax_mean.plot(ep, [s.mean for s in stats], color=line.get_color(), label=f"{name} mean")
        ax_mean.plot(ep, [s.std for s in stats], ls="--", color=line.get_color(), label=f"{name} std")
    ax_dead.set(title="dead (solid) and saturated (dashed) fraction", xlabel="epoch", ylim=(-0.02, 1.02))
    ax_grad.set(title="|dL/dW| per layer", xlabel="epoch")
    ax_mean.set(title="activation mean (solid) and std (dashed)", xlabel="epoch")
    for ax in (ax_dead, ax_grad, ax_mean):
        ax.grid(alpha=0.3)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=7)
    return fig
