"""What an experiment is, and what it returns.

An experiment tests one claim of the tutorials on real computations. It declares the
claim (with the thresholds its verdict uses, in words), a ``measure`` function that
computes metrics (and figures) from a seed, and a ``decide`` function that turns
metrics into a verdict. ``decide`` sees only numbers, so tests can feed it synthetic
metrics for both outcomes: every verdict can come out either way.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

CONFIRMED, NOT_CONFIRMED, INCONCLUSIVE = "CONFIRMED", "NOT CONFIRMED", "INCONCLUSIVE"
VERDICTS = (CONFIRMED, NOT_CONFIRMED, INCONCLUSIVE)


@dataclass(frozen=True)
class Measurement:
    """What ``measure`` returns: the setup it used, its metrics, and its figures."""

    setup: Mapping[str, Any]
    metrics: Mapping[str, Any]
    figures: Mapping[str, Any] = field(default_factory=dict)  # name -> matplotlib Figure


@dataclass(frozen=True)
class Experiment:
    """One claim and how it is tested.

    Attributes:
        name: kebab-case name (``actlab experiment run NAME``).
        claim: the claim, with the thresholds ``decide`` applies, in plain words.
        measure: ``measure(quick: bool, rng: np.random.Generator) -> Measurement``.
        decide: ``decide(metrics) -> (verdict, one-line reason with the key numbers)``.
        key_metric: the metric quoted in summary tables.
    """

    name: str
    claim: str
    measure: Callable[[bool, np.random.Generator], Measurement]
    decide: Callable[[Mapping[str, Any]], tuple[str, str]]
    key_metric: str


@dataclass(frozen=True)
class Result:
    """The outcome of running an experiment once."""

    name: str
    claim: str
    setup: Mapping[str, Any]
    metrics: Mapping[str, Any]
    verdict: str
    reason: str
    key_metric: str
    figures: Mapping[str, Any] = field(default_factory=dict)
    quick: bool = False
    seed: int | None = None
    seconds: float = math.nan

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "claim": self.claim, "verdict": self.verdict,
                "reason": self.reason, "key_metric": self.key_metric,
                "key_value": _jsonable(self.metrics.get(self.key_metric)),
                "setup": _jsonable(dict(self.setup)), "metrics": _jsonable(dict(self.metrics)),
                "quick": self.quick, "seed": self.seed, "seconds": self.seconds,
                "figures": sorted(self.figures)}

    def save(self, out_dir: str | Path) -> list[Path]:
        """Write ``NAME.json`` and ``NAME-FIGURE.png`` into ``out_dir``; return the paths."""
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        paths = [out / f"{self.name}.json"]
        paths[0].write_text(json.dumps(self.to_dict(), indent=2, allow_nan=True) + "\n")
        for fig_name, fig in self.figures.items():
            path = out / f"{self.name}-{fig_name}.png"
            fig.savefig(path, dpi=110)
            paths.append(path)
        return paths


def _jsonable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return _jsonable(value.tolist())
    if isinstance(value, (np.floating, np.integer, np.bool_)):
        return value.item()
    return value
