"""Per-layer health of a network: dead, saturated, vanishing and symmetric units.

One set of statistics, computed from NumPy arrays, shared by the NumPy network
(:mod:`actlab.nn`) and by the PyTorch hooks (:mod:`actlab.torch.diagnose`), so the two
report the same numbers for the same weights.

Definitions (per layer, over one batch or a whole dataset):

* ``dead_fraction``: fraction of units whose activation derivative f'(z) is exactly 0
  for every sample (a dead ReLU gets no gradient, whatever the input).
* ``saturated_fraction``: fraction of (sample, unit) entries with |f'(z)| below 1% of
  the activation's maximal slope (a tanh fed x*100 saturates almost everywhere).
  Exact zeros count as saturated; for ReLU that is the dead part.
* ``mean``, ``std``: of the activations f(z) over samples and units (zero-centredness).
* ``grad_norm``: Frobenius norm of the loss gradient w.r.t. the layer's weights, when
  known; the report's ``grad_ratio`` is first layer / last layer (vanishing << 1,
  exploding >> 1).
* ``update_ratio``: ||Delta W|| / ||W|| of the last optimiser step, when known.
* ``distinct_units``: how many different units the layer has: columns of f(z) over the
  batch that differ by more than 1e-12 (relative to the largest |f(z)|). All-zero
  weights give 1: every hidden unit computes the same thing.

>>> import numpy as np, actlab
>>> z = np.array([[-1.0, 2.0, -3.0], [-2.0, 1.0, -0.5]])
>>> s = layer_stats("h1", actlab.get("relu"), z)
>>> s.dead_fraction, s.distinct_units
(0.6666666666666666, 2)
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from actlab.activation import Activation

#: |f'| below this fraction of the activation's max slope counts as saturated
SATURATION = 0.01
#: columns closer than this (relative) are the same unit
SYMMETRY_TOL = 1e-12


@dataclass(frozen=True)
class LayerStats:
    """Health statistics of one layer (see the module docstring for definitions)."""

    layer: str
    activation: str
    units: int
    dead_fraction: float
    saturated_fraction: float
    mean: float
    std: float
    distinct_units: int
    grad_norm: float | None = None
    update_ratio: float | None = None


def layer_stats(layer: str, act: Activation, z: np.ndarray, *, grad_norm: float | None = None,
                update_ratio: float | None = None, max_slope: float | None = None) -> LayerStats:
    """Statistics of one layer from its pre-activations ``z`` (samples x units).

    ``max_slope`` defaults to the activation's computed sup |f'| (actlab.properties).
    """
    z = np.asarray(z, dtype=np.float64)
    if z.ndim != 2:
        z = z.reshape(-1, z.shape[-1]) if z.ndim > 2 else z.reshape(-1, 1)
    a, d = act(z), np.abs(act.grad(z))
    if max_slope is None:
        max_slope = act.properties.max_slope
    dead = np.all(d == 0.0, axis=0)
    saturated = d < SATURATION * max_slope if max_slope > 0 else np.ones_like(d, dtype=bool)
    return LayerStats(
        layer=layer, activation=act.name, units=z.shape[1],
        dead_fraction=float(dead.mean()), saturated_fraction=float(saturated.mean()),
        mean=float(a.mean()), std=float(a.std()), distinct_units=distinct_columns(a),
        grad_norm=None if grad_norm is None else float(grad_norm),
        update_ratio=None if update_ratio is None else float(update_ratio),
    )


def distinct_columns(a: np.ndarray, tol: float = SYMMETRY_TOL) -> int:
    """Number of columns of ``a`` that differ (max abs difference > tol * max |a|)."""
    a = np.asarray(a, dtype=np.float64)
    if a.shape[1] == 0:
        return 0
    scale = max(float(np.max(np.abs(a))), 1e-300)
    left = a.T  # one row per unit; each pass removes a unit and every unit equal to it
    count = 0
    while len(left):
        same = np.max(np.abs(left - left[0]), axis=1) <= tol * scale
        left = left[~same]
        count += 1
    return count


@dataclass(frozen=True)
class Report:
    """A network's per-layer statistics, first hidden layer first."""

    layers: tuple[LayerStats, ...]
    notes: tuple[str, ...] = field(default=())

    @property
    def grad_ratio(self) -> float | None:
        """||dL/dW_first|| / ||dL/dW_last||: << 1 vanishing, >> 1 exploding."""
        norms = [s.grad_norm for s in self.layers if s.grad_norm is not None]
        if len(norms) < 2 or norms[-1] == 0:
            return None
        return norms[0] / norms[-1]

    def to_dict(self) -> dict[str, Any]:
        return {"layers": [asdict(s) for s in self.layers], "grad_ratio": self.grad_ratio,
                "notes": list(self.notes)}

    def table(self) -> Any:
        """A rich Table, one row per layer."""
        from rich.table import Table

        table = Table(title="layer health", title_justify="left")
        for col in ("layer", "activation", "units", "dead", "saturated", "mean", "std",
                    "|dL/dW|", "update/W", "distinct"):
            table.add_column(col, justify="left" if col in ("layer", "activation") else "right")
        for s in self.layers:
            table.add_row(s.layer, s.activation, str(s.units), f"{s.dead_fraction:.0%}",
                          f"{s.saturated_fraction:.0%}", f"{s.mean:.3g}", f"{s.std:.3g}",
                          _opt(s.grad_norm), _opt(s.update_ratio), str(s.distinct_units))
        ratio = self.grad_ratio
        if ratio is not None:
            table.caption = f"gradient norm first/last layer: {ratio:.3g}"
        return table

    def __str__(self) -> str:
        from rich.console import Console

        console = Console(width=110, record=True, file=_NullFile())
        console.print(self.table())
        for note in self.notes:
            console.print(note)
        return console.export_text().rstrip()


def _opt(v: float | None) -> str:
    return "-" if v is None else f"{v:.3g}"


class _NullFile:
    def write(self, _: str) -> int:
        return 0

    def flush(self) -> None:
        pass
