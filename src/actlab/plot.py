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
