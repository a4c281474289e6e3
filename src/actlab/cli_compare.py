"""``actlab compare``: which activation for my data, from the command line.

Kept apart from :mod:`actlab.cli` so that ``actlab list`` does not import the comparison
machinery (SciPy's statistics, pandas, joblib); everything heavy is imported when the
command runs. Bad input exits with status 2 and one ``Error:`` line; an interrupted run
keeps every finished fold and says how to resume it.
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

try:  # typer >= 0.22 ships its own copy of click
    from typer._click.exceptions import UsageError
except ImportError:  # pragma: no cover - older typer uses the click package
    from click.exceptions import UsageError

#: option -> default, for options that --resume takes from the stored run instead
DEFAULTS: dict[str, Any] = {
    "target": None, "task": None, "activations": "recommended", "init": "auto", "hidden": "64,64",
    "cv": 5, "repeats": 3, "epochs": 200, "batch_size": 200, "optimizer": "adam", "lr": 1e-3,
    "alpha": 1e-4, "metric": None, "seed": 0, "dtype": "float32", "race": None, "baseline": None,
}


def compare_command(
    data: Annotated[str | None, typer.Option("--data", "-d", help="A dataset name (see "
                    "actlab.data.names(): moons, digits, iris, ...) or a .csv/.parquet file.")] = None,
    target: Annotated[str | None, typer.Option(help="Target column of a table file (default: "
                      "the last).")] = None,
    task: Annotated[str | None, typer.Option(help="classification or regression (default: "
                    "detected from the target).")] = None,
    activations: Annotated[str | None, typer.Option("--activations", "-a", help="Comma-separated "
                           "names or formulas, 'recommended' (default) or 'all'.")] = None,
    init: Annotated[str | None, typer.Option(help="Initialiser: auto (gain-scaled), xavier, he, "
                    "lecun, ...")] = None,
    hidden: Annotated[str | None, typer.Option(help="Hidden layer widths, e.g. 64,64.")] = None,
    cv: Annotated[str | None, typer.Option(metavar="INT", help="Folds K (default 5).")] = None,
    repeats: Annotated[str | None, typer.Option(metavar="INT", help="Repeats R of K-fold "
                       "(default 3).")] = None,
    epochs: Annotated[str | None, typer.Option(metavar="INT", help="At most this many epochs "
                      "(default 200); scikit-learn's stopping rule stops earlier.")] = None,
    batch_size: Annotated[str | None, typer.Option(metavar="INT", help="Mini-batch size "
                          "(default 200).")] = None,
    optimizer: Annotated[str | None, typer.Option(help="adam (default), sgd, momentum, nesterov, "
                         "adagrad or rmsprop.")] = None,
    lr: Annotated[str | None, typer.Option(metavar="FLOAT", help="Learning rate (default "
                  "1e-3).")] = None,
    alpha: Annotated[str | None, typer.Option(metavar="FLOAT", help="L2 penalty (default 1e-4, as "
                     "scikit-learn).")] = None,
    metric: Annotated[str | None, typer.Option(help="Ranking metric: accuracy (default) or "
                      "log_loss; rmse (default) or r2.")] = None,
    seed: Annotated[str | None, typer.Option(metavar="INT", help="Seed of folds, weights and "
                    "batch order (default 0).")] = None,
    dtype: Annotated[str | None, typer.Option(help="Training precision: float32 (default) or "
                     "float64.")] = None,
    race: Annotated[bool | None, typer.Option("--race/--no-race", help="Stop training "
                    "activations significantly worse than the best after each repeat (default: "
                    "on above 8 activations).")] = None,
    jobs: Annotated[str | None, typer.Option("--jobs", "-j", metavar="INT", help="Worker "
                    "processes (default: all cores).")] = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="Directory for results.sqlite, "
                   "leaderboard.csv, results.json and report.html.")] = Path("compare-out"),
    resume: Annotated[str | None, typer.Option(help="Continue the stored run RUN_ID in --out "
                      "with its own settings (re-running the same command also resumes).",
                      metavar="RUN_ID")] = None,
    baseline: Annotated[str | None, typer.Option(help="'sklearn': also time scikit-learn's "
                        "GridSearchCV over MLPClassifier/MLPRegressor on the same folds.")] = None,
) -> None:
    """Which activation for my data: paired repeated cross-validation, statistics, a report."""
    given = {k: v for k, v in locals().items() if k in DEFAULTS and v is not None}
    try:
        given = {k: _number(k, v) if k in NUMBERS else v for k, v in given.items()}
        options, data, jobs_n = _options(given, data, resume, out,
                                         None if jobs is None else _number("jobs", jobs))
        _run(options, data, jobs_n, out, resume)
    except KeyboardInterrupt:
        typer.echo(f"Interrupted: finished folds are kept in {out / 'results.sqlite'}; run the same "
                   "command again to resume.", err=True)
        sys.exit(130)


#: numeric options, parsed here so that an error names the bad value
NUMBERS = {"cv": int, "repeats": int, "epochs": int, "batch_size": int, "seed": int, "jobs": int,
           "lr": float, "alpha": float}


def _number(name: str, text: str) -> Any:
    kind = NUMBERS[name]
    try:
        return kind(text)
    except ValueError:
        what = "an integer" if kind is int else "a number"
        raise UsageError(f"--{name.replace('_', '-')} must be {what}. Got {text!r} instead.") from None


def _options(given: dict[str, Any], data: str | None, resume: str | None, out: Path,
             jobs: int | None) -> tuple[dict[str, Any], str, int]:
    from actlab.comparison import StoreError, default_jobs

    if jobs is not None and jobs < 1:
        raise UsageError(f"--jobs must be an int >= 1. Got {jobs} instead.")
    jobs_n = default_jobs() if jobs is None else jobs
    if resume is None:
        if data is None:
            raise UsageError("--data is required: a dataset name (e.g. moons, digits) or a "
                             ".csv/.parquet file (or --resume RUN_ID).")
        return {**DEFAULTS, **given}, data, jobs_n
    if given or data is not None:
        names = sorted({*given, *(["data"] if data is not None else [])})
        raise UsageError(f"--resume takes every setting from the stored run; drop "
                         f"{', '.join('--' + n.replace('_', '-') for n in names)}.")
    path = out / "results.sqlite"
    if not path.is_file():
        raise UsageError(f"--resume {resume}: there is no results store {path}; pass the --out "
                         "of the run.")
    from actlab.comparison import Store

    try:
        with Store(path) as store:
            info, runs = store.run_info(resume), store.runs()
    except StoreError as e:
        raise UsageError(str(e)) from None
    if info is None:
        raise UsageError(f"--resume: no run {resume!r} in {path}; its runs are: "
                         f"{', '.join(runs) or 'none'}.")
    return {**DEFAULTS, **info["options"]}, info["data"], jobs_n


def _load(data: str, target: str | None, task: str | None, seed: int) -> Any:
    import numpy as np

    from actlab import data as datasets

    path = Path(data)
    if path.suffix.lower() in (".csv", ".parquet") or path.exists():
        return datasets.load_table(path, target=target, task=task)  # type: ignore[arg-type]
    if target is not None:
        raise ValueError(f"--target {target!r} applies to table files; {data!r} is a built-in "
                         "dataset.")
    ds = datasets.load(data, rng=np.random.default_rng(seed))
    if task is not None and task != ds.task:
        raise ValueError(f"--task {task!r} does not fit the built-in dataset {data!r} (a "
                         f"{ds.task} dataset).")
    return ds


def _hidden(text: Any) -> tuple[int, ...]:
    try:
        sizes = tuple(int(s) for s in str(text).split(","))
    except ValueError:
        sizes = ()
    if not sizes or min(sizes) < 1:
        raise ValueError(f"--hidden must be layer widths >= 1 separated by commas, e.g. 64,64. "
                         f"Got {text!r} instead.")
    return sizes


def _run(options: dict[str, Any], data: str, jobs: int, out: Path, resume: str | None) -> None:
    from rich.console import Console

    from actlab.comparison import StoreError, compare

    console = Console(highlight=False)
    if not console.is_terminal:  # a log file or pipe: wide enough for the leaderboard
        console = Console(highlight=False, width=120)
    command = "actlab compare " + " ".join(shlex.quote(a) for a in sys.argv[2:]) if resume is None \
        else _command(data, options, out)
    try:
        ds = _load(data, options["target"], options["task"], options["seed"])
        live = _LiveView(console)
        with live:
            result = compare(
                ds.X, ds.y, options["activations"], task=ds.task, metric=options["metric"],
                hidden=_hidden(options["hidden"]), cv=options["cv"], repeats=options["repeats"],
                epochs=options["epochs"], batch_size=options["batch_size"],
                optimizer=options["optimizer"], lr=options["lr"], alpha=options["alpha"],
                init=options["init"], dtype=options["dtype"], seed=options["seed"],
                race=options["race"], jobs=jobs, out=out, run_id=resume,
                baseline=options["baseline"], dataset=ds.name, command=command,
                on_event=live.event, run_info={"data": data, "options": options, "command": command})
    except (ValueError, TypeError, StoreError, FileNotFoundError) as e:
        raise UsageError(str(e).splitlines()[0] if str(e) else type(e).__name__) from None
    except OSError as e:
        raise UsageError(f"--out: cannot write to {str(out)!r} ({e.strerror}).") from None
    files = result.write(out)
    _print_result(console, result, files)


def _command(data: str, options: dict[str, Any], out: Path) -> str:
    parts = ["actlab", "compare", "--data", data, "--out", str(out)]
    for k, v in options.items():
        if v is not None and v != DEFAULTS[k]:
            if k == "race":
                parts.append("--race" if v else "--no-race")
            else:
                parts += ["--" + k.replace("_", "-"), str(v)]
    return " ".join(shlex.quote(p) for p in parts)


class _LiveView:
    """A progress bar (folds done / total, ETA) above a leaderboard of the folds so far."""

    def __init__(self, console: Any) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        self.console = console
        self.progress = Progress(TextColumn("folds"), BarColumn(), MofNCompleteColumn(),
                                 TextColumn("ETA"), TimeRemainingColumn(), console=console)
        self.task = self.progress.add_task("folds", total=None)
        self.scores: dict[str, list[float]] = {}
        self.dropped: dict[str, str] = {}
        self.metric = ""
        self.live: Any = None

    def __enter__(self) -> _LiveView:
        from rich.live import Live

        self.live = Live(self, console=self.console, transient=True, refresh_per_second=4)
        self.live.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.live.__exit__(*exc)

    def event(self, kind: str, info: dict[str, Any]) -> None:
        if kind == "start":
            self.progress.update(self.task, total=info["total"], completed=info["done"])
        elif kind == "folds":
            results = info["results"]
            if not self.metric:
                self.metric = "accuracy" if "accuracy" in results[0][2] else "rmse"
            self.scores.setdefault(info["activation"], []).extend(r[self.metric] for _, _, r in results)
            self.progress.advance(self.task, len(results))
        elif kind == "dropped":
            d = info["dropped"]
            self.dropped[d.activation] = f"dropped (p={d.p_value:.2g})"

    def __rich__(self) -> Any:
        import numpy as np
        from rich.console import Group
        from rich.table import Table

        table = Table(title="so far", title_justify="left", box=None)
        for col in ("activation", "folds", f"mean {self.metric}", "std", ""):
            table.add_column(col, justify="left" if col == "activation" else "right")
        sign = -1 if self.metric == "rmse" else 1
        for label, v in sorted(self.scores.items(), key=lambda kv: -sign * np.nanmean(kv[1])):
            std = f"{np.std(v, ddof=1):.4f}" if len(v) > 1 else ""
            table.add_row(label, str(len(v)), f"{np.nanmean(v):.4f}", std, self.dropped.get(label, ""))
        return Group(self.progress, table)


def _print_result(console: Any, result: Any, files: dict[str, Path]) -> None:
    from rich import box
    from rich.table import Table

    board = result.leaderboard
    m = result.settings.metric
    table = Table(box=box.SIMPLE_HEAD, title=f"{result.dataset}: {result.n_folds} paired folds "
                  f"({result.settings.cv}-fold x {result.settings.repeats}), ranked by {m}",
                  title_justify="left")
    cols = [("activation", "l"), (m, "r"), ("std", "r"), ("95% CI", "r"), ("p vs best", "r"),
            ("tied", "l"), ("epochs", "r"), ("s/fold", "r"), ("dead %", "r"), ("status", "l")]
    for name, just in cols:
        table.add_column(name, justify="left" if just == "l" else "right", no_wrap=True)
    for r in board.to_dict(orient="records"):
        ci = "" if r["ci_low"] != r["ci_low"] else f"[{r['ci_low']:.4f}, {r['ci_high']:.4f}]"
        p = r["p_vs_best"]
        table.add_row(r["activation"], f"{r[m]:.4f}", f"{r['std']:.4f}", ci,
                      "" if p is None or p != p else f"{p:.3g}", "yes" if r["tied_for_best"] else "",
                      f"{r['epochs']:.0f}", f"{r['seconds']:.2f}",
                      "" if r["dead_pct"] != r["dead_pct"] else f"{r['dead_pct']:.1f}", r["status"])
    console.print(table)
    if result.baseline is not None:
        b = result.baseline
        console.print(f"baseline {b.estimator}: {b.seconds:.2f} s vs actlab "
                      f"{result.state.wall_seconds:.2f} s; " + ", ".join(
                          f"{a} {sum(v) / len(v):.4f}" for a, v in b.scores.items()))
    console.print(f"[bold]Recommendation:[/bold] {result.recommendation}", soft_wrap=True)
    console.print(f"training {result.state.wall_seconds:.1f} s"
                  + (f", {result.state.reused} folds reused from the store" if result.state.reused else "")
                  + f"; run id {result.run_id}")
    console.print(f"report: {files['report']}", soft_wrap=True)
    console.print(f"leaderboard: {files['leaderboard']}  results: {files['results']}", soft_wrap=True)
