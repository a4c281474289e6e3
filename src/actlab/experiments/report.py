"""One self-contained HTML page for a set of experiment results (figures embedded)."""

from __future__ import annotations

import datetime
import json
import platform
from collections.abc import Sequence
from pathlib import Path

import jinja2
import numpy as np

import actlab
from actlab.experiments.base import Result
from actlab.plot import png_base64


def render(results: Sequence[Result], *, quick: bool, seed: int) -> str:
    """The report as an HTML string (PNG figures inlined as base64)."""
    env = jinja2.Environment(loader=jinja2.PackageLoader("actlab", "templates"),
                             autoescape=jinja2.select_autoescape(["html", "j2"]))
    rows = []
    for r in results:
        d = r.to_dict()
        images = [(name, png_base64(fig)) for name, fig in r.figures.items()]
        rows.append({**d, "images": images, "json": json.dumps(
            {"setup": d["setup"], "metrics": d["metrics"]}, indent=2)})
    versions = {"actlab": actlab.__version__, "numpy": np.__version__,
                "python": platform.python_version()}
    when = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return env.get_template("experiments.html.j2").render(
        results=rows, quick=quick, seed=seed, versions=versions, when=when)


def write(results: Sequence[Result], path: str | Path, *, quick: bool, seed: int) -> Path:
    path = Path(path)
    path.write_text(render(results, quick=quick, seed=seed), encoding="utf-8")
    return path
