"""The command line: ``actlab list``, ``actlab show NAME``, ``actlab plot NAME... -o FILE``,
``actlab experiment ...`` and ``actlab compare`` (in :mod:`actlab.cli_compare`).

Every usage error (unknown activation, bad ``--param``, bad ``--range``, unknown
option, unwritable output...) is reported as ONE line ``Error: <message>`` on stderr
with exit status 2 and no traceback, so scripts can rely on it. The messages of
:func:`actlab.get` already name the parameter, the value and what is allowed (and
suggest names for typos): they are passed through unchanged.
"""

from __future__ import annotations

import math
import os
import sys
import warnings
from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import sympy
import typer
from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text
from typer.core import TyperCommand, TyperGroup

import actlab
from actlab.activation import Activation, cost_rank
from actlab.cli_compare import compare_command
from actlab.custom import FormulaActivation, lowering_report
from actlab.formula import derivative, parse
from actlab.meanfield import NoCriticalPoint, critical_init
from actlab.plot import check_format, plot_activations, save_figure
from actlab.properties import (
    format_value,
    gain,
    gain_note,
    output_range,
    properties,
    torch_gain,
)

try:  # typer >= 0.22 ships its own copy of click
    from typer._click.exceptions import ClickException, UsageError
except ImportError:  # pragma: no cover - older typer uses the click package
    from click.exceptions import ClickException, UsageError


class _OneLineErrors(TyperGroup):
    """Runs the CLI, turning every click/typer usage error into one ``Error:`` line.

    click's own format (usage, hint, boxed message) is friendly at a terminal but
    three to nine lines long; one line is what scripts and logs want.
    """

    def main(self, args: Any = None, prog_name: Any = None, complete_var: Any = None,
             standalone_mode: bool = True, **extra: Any) -> Any:
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        try:
            code = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except ClickException as exc:
            message = " ".join(exc.format_message().split())  # one line, whatever the text
            typer.echo(f"Error: {message}", err=True)
            sys.exit(exc.exit_code)
        except typer.Abort:
            typer.echo("Aborted!", err=True)
            sys.exit(1)
        # without standalone mode, typer returns the exit code of typer.Exit (or None)
        sys.exit(code if isinstance(code, int) else 0)


class _RangeCommand(TyperCommand):
    """Accepts ``--range LO HI``, ``--range LO,HI`` and ``--range=LO,HI``.

    click options take a fixed number of values, so the three spellings are joined into
    ``--range=LO,HI`` before parsing; LO may be negative (``--range -6 6``).
    """

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        return super().parse_args(ctx, _join_range(args))


def _join_range(args: list[str]) -> list[str]:
    """['--range', '-6', '6'] and ['--range', '-6,6'] -> ['--range=-6,6']; others unchanged."""
    out, i = [], 0
    while i < len(args):
        if args[i] == "--":  # everything after it is positional
            return out + args[i:]
        if args[i] == "--range" and i + 1 < len(args):
            value, i = args[i + 1], i + 2
            if "," not in value and i < len(args) and _is_number(args[i]):
                value, i = f"{value},{args[i]}", i + 1
            out.append(f"--range={value}")
        else:
            out.append(args[i])
            i += 1
    return out


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


app = typer.Typer(
    cls=_OneLineErrors,
    help="actlab: the activation-function laboratory.",
    add_completion=False,
    invoke_without_command=True,
    pretty_exceptions_show_locals=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"actlab {actlab.__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    ctx: typer.Context,
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Print the version and exit.")] = False,
) -> None:
    """actlab: the activation-function laboratory."""
    if ctx.invoked_subcommand is None:  # bare `actlab`: help, not an error
        typer.echo(ctx.get_help())


# helpers ------------------------------------------------------------------------------


def _console() -> Console:
    """A console on the sys.stdout of the moment (so CliRunner can capture it)."""
    console = Console(highlight=False)
    # Rich assumes 80 columns when stdout is no terminal; a pipe or file has no width
    # limit, and 120 columns keep most formulas of the list on one line.
    if not console.is_terminal and "COLUMNS" not in os.environ:
        console.width = 120
    return console


def _activation(name: str, params: dict[str, float] | None = None) -> Activation:
    """actlab.get, with its ValueError/TypeError as a usage error (same message)."""
    try:
        return actlab.get(name, **(params or {}))
    except (ValueError, TypeError) as exc:
        raise UsageError(str(exc)) from None


def _parse_params(items: list[str]) -> dict[str, float]:
    """['alpha=0.5', ...] -> {'alpha': 0.5}; the values are checked by actlab.get."""
    params: dict[str, float] = {}
    for item in items:
        key, sep, text = (s.strip() for s in item.partition("="))
        if not sep or not key:
            raise UsageError(f"--param expects NAME=VALUE, e.g. -p alpha=0.5. "
                             f"Got {item!r} instead.")
        if key in params:
            raise UsageError(f"--param {key} is given twice ({key}={params[key]:g} and {item!r}).")
        try:
            params[key] = float(text)
        except ValueError:
            raise UsageError(f"--param {key}: the value must be a number. "
                             f"Got {text!r} instead.") from None
    return params


def _parse_range(text: str | None) -> tuple[float, float]:
    if text is None:
        return (-6.0, 6.0)
    parts = text.split(",")
    try:
        lo, hi = (float(p) for p in parts)
    except ValueError:
        raise UsageError(f"--range expects two numbers LO HI (or LO,HI). "
                         f"Got {text!r} instead.") from None
    if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
        raise UsageError(f"--range expects finite numbers LO < HI. "
                         f"Got LO={lo:g}, HI={hi:g} instead.")
    return lo, hi


def _param_summary(act: Activation, sep: str = ", ") -> str:
    """'alpha=0.25*' (* = learnable), separated by ``sep``; '-' without parameters."""
    return sep.join(f"{p.name}={act.params[p.name]:.3g}{'*' if p.learnable else ''}"
                     for p in act.parameters) or "-"


def _derivative(expr: sympy.Expr) -> sympy.Expr:
    # abs' = sign and sign' = 0 everywhere (the kernels' convention, see actlab.formula),
    # so the DiracDelta terms SymPy produces are dropped; nested Piecewise are flattened.
    return sympy.piecewise_fold(derivative(expr))




class Sort(str, Enum):
    name = "name"
    range = "range"
    cost = "cost"
    max_slope = "max_slope"
    gain = "gain"
    mean = "mean"


# commands -----------------------------------------------------------------------------


@app.command("list")
def list_(
    sort: Annotated[Sort, typer.Option("--sort", "-s", help="Sort by name, output range (lower, "
                                       "then upper bound), evaluation cost, max slope, gain or "
                                       "mean E[f(z)].")]
    = Sort.name,
) -> None:
    """Every registered activation: formula, output range, parameters and cost."""
    rows = [(act, output_range(act)) for act in map(actlab.get, actlab.names())]
    keys = {
        Sort.name: lambda r: r[0].name,
        Sort.range: lambda r: (r[1][0], r[1][1], r[0].name),
        Sort.cost: lambda r: (cost_rank(r[0].cost), r[0].name),
        Sort.max_slope: lambda r: (properties(r[0]).max_slope, r[0].name),
        Sort.gain: lambda r: (gain(r[0]), r[0].name),
        Sort.mean: lambda r: (properties(r[0]).mean, r[0].name),
    }
    rows.sort(key=keys[sort])
    table = Table(title=f"{len(rows)} activations", caption="* learnable by default",
                  box=box.SIMPLE_HEAD, pad_edge=False, expand=True)
    # Aliases go under the name, and only the formula wraps: that fits 80 columns. (Rich
    # squeezes other columns to nothing or truncates them when a table is too wide.)
    table.add_column("name / aliases", no_wrap=True)
    table.add_column("formula", overflow="fold", min_width=16, ratio=1)
    for column in ("range", "parameters", "cost"):
        table.add_column(column, no_wrap=True)
    extra = sort.value if sort in (Sort.max_slope, Sort.gain, Sort.mean) else None
    if extra:  # show the number the rows are sorted by
        table.add_column(extra.replace("_", " "), no_wrap=True, justify="right")
    for act, rng in rows:
        name = Text(act.name, style="bold")
        for alias in act.aliases:
            name.append(f"\n  {alias}", style="dim")
        cells = [act.formula, str(rng), _param_summary(act, "\n"), act.cost]
        if extra:
            value = gain(act) if extra == "gain" else getattr(properties(act), extra)
            cells.append(f"{value:.4g}")
        table.add_row(name, *(Text(c) for c in cells))
    _console().print(table)



@app.command()
def show(
    name: Annotated[str, typer.Argument(help="Activation name or alias, e.g. elu.",
                                        metavar="NAME")],
    param: Annotated[list[str] | None, typer.Option(
        "--param", "-p", metavar="NAME=VALUE",
        help="Set a parameter, e.g. -p alpha=0.5 (repeatable).")] = None,
) -> None:
    """One activation: f, f', f'' formulas, parameters, kinks, reference, values."""
    act = _activation(name, _parse_params(param or []))
    cls = type(act)
    f = sympy.piecewise_fold(parse(act.formula, act.params))
    d1 = _derivative(f)
    d2 = _derivative(d1)
    out = _console()
    summary = (cls.__doc__ or "").strip().splitlines()
    out.print(Text.assemble((act.name, "bold"), f" - {summary[0]}" if summary else ""))
    if act.aliases:
        out.print(Text(f"aliases: {', '.join(act.aliases)}"))
    out.print(Text(f"cost: {act.cost}    output range: {output_range(act)}"))
    out.print()
    for label, text in (("definition", act.formula), ("f(x)", str(f)), ("f'(x)", str(d1)),
                        ("f''(x)", str(d2)), ("LaTeX f", sympy.latex(f))):
        out.print(Text.assemble((f"{label:>10} ", "bold"), "= ", text), soft_wrap=True)
    out.print()
    if act.parameters:
        table = Table(title="parameters (* learnable)", title_justify="left")
        for column in ("name", "value", "allowed", "learnable", "doc"):
            table.add_column(column)
        for p in act.parameters:
            table.add_row(*(Text(s) for s in (p.name, f"{act.params[p.name]:g}", p.allowed(),
                                              "yes *" if p.learnable else "no", p.doc)))
        out.print(table)
    else:
        out.print(Text("parameters: none"))
    out.print(Text.assemble(("kinks: ", "bold"), act.kinks))
    out.print(Text.assemble(("reference: ", "bold"), act.reference or "-"))
    if isinstance(act, FormulaActivation):
        out.print(Text.assemble(("evaluated as: ", "bold"), act.stable_formula))
        for line in lowering_report(act):
            out.print(Text.assemble(("numerics: ", "bold"), line))
    xs = np.array([-3.0, -1.0, -0.5, 0.0, 0.5, 1.0, 3.0])
    values = Table(title="values", title_justify="left")
    for column in ("x", "f(x)", "f'(x)", "f''(x)"):
        values.add_column(column, justify="right")
    for row in zip(xs, act(xs), act.grad(xs), act.grad2(xs), strict=True):
        values.add_row(*(f"{v:.6g}" for v in row))
    out.print(values)
    _print_properties(out, act)


def _print_properties(out: Console, act: Activation) -> None:
    """Computed properties, gains (ours and PyTorch's) and the edge-of-chaos init."""
    props = properties(act)
    table = Table(title="properties (computed; z ~ N(0, 1))", title_justify="left",
                  show_header=False)
    for key, value in props.as_dict().items():
        if key != "act":
            table.add_row(key, Text(format_value(getattr(props, key, value))))
    out.print(table)
    theirs = torch_gain(act)
    out.print(Text.assemble(("gain: ", "bold"), f"{gain(act):.6g} (ours, 1/sqrt(E[f(z)^2])); "
                            f"PyTorch calculate_gain: {'-' if theirs is None else f'{theirs:.6g}'}"))
    out.print(Text(gain_note(act)), soft_wrap=True)
    with warnings.catch_warnings(record=True) as skipped:
        warnings.simplefilter("always", NoCriticalPoint)
        pairs = critical_init(act)
    edge = ", ".join(f"sw2 = {w:.6g} at sb2 = {b:g}" for w, b in pairs) or "none found"
    out.print(Text.assemble(("edge of chaos (chi1 = 1): ", "bold"), edge))
    for w in skipped:
        out.print(Text(f"  {w.message}"), soft_wrap=True)




@app.command(cls=_RangeCommand)
def plot(
    names: Annotated[list[str], typer.Argument(help="Activation names or aliases.",
                                               metavar="NAME")],
    output: Annotated[Path, typer.Option("--output", "-o",
                                         help="File to write: .png, .svg or .pdf.")],
    derivatives: Annotated[bool, typer.Option("--derivatives", "-d",
                                              help="Also plot f' and f'' (three panels).")]
    = False,
    x_range: Annotated[str | None, typer.Option(
        "--range", metavar="LO HI",
        help="Range of x (default -6 6); also --range=LO,HI.")] = None,
) -> None:
    """Plot activations (and with -d their derivatives) into a PNG, SVG or PDF file."""
    try:
        check_format(output)
    except ValueError as exc:
        raise UsageError(f"--output: {exc}") from None
    xlim = _parse_range(x_range)
    acts = [_activation(name) for name in names]
    fig = plot_activations(acts, derivatives=derivatives, xlim=xlim)
    try:
        save_figure(fig, output)
    except OSError as exc:
        raise UsageError(f"--output: cannot write {str(output)!r} "
                         f"({exc.strerror or exc}).") from None
    typer.echo(f"wrote {output}")


experiment_app = typer.Typer(help="The tutorials' claims, each tested by an experiment.",
                             no_args_is_help=True)
app.add_typer(experiment_app, name="experiment")


@experiment_app.command("list")
def experiment_list() -> None:
    """Every experiment and the claim it tests."""
    from actlab import experiments

    table = Table(box=box.SIMPLE_HEAD, expand=True, show_lines=False)
    table.add_column("experiment", no_wrap=True)
    table.add_column("claim", ratio=1)
    for name in experiments.names():
        table.add_row(name, experiments.get(name).claim)
    _console().print(table)


@experiment_app.command("run")
def experiment_run(
    name: Annotated[str | None, typer.Argument(help="Experiment name (see `actlab experiment "
                                               "list`); omit with --all.", metavar="NAME")] = None,
    run_all: Annotated[bool, typer.Option("--all", help="Run every experiment and write "
                                          "DIR/report.html.")] = False,
    quick: Annotated[bool, typer.Option("--quick", help="Small sizes (seconds per experiment).")]
    = False,
    out: Annotated[Path, typer.Option("--out", "-o", help="Directory for JSON, PNG and HTML.")]
    = Path("experiments-out"),
    seed: Annotated[int, typer.Option("--seed", help="Random seed (results are deterministic "
                                      "given it).")] = 0,
) -> None:
    """Run one experiment (or --all): verdict, key numbers, JSON and figures in DIR."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from actlab import experiments
    from actlab.experiments import report

    if run_all == (name is not None):
        raise UsageError("give an experiment NAME or --all (not both). Got "
                         f"{'both' if run_all else 'neither'}.")
    chosen = experiments.names() if run_all else [name]
    try:
        chosen = [experiments.get(n).name for n in chosen]  # validates names first
        out.mkdir(parents=True, exist_ok=True)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    except OSError as exc:
        raise UsageError(f"--out: cannot create {str(out)!r} ({exc.strerror}).") from None
    console, results = _console(), []
    columns = (TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/"
               "{task.total}"), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("experiments", total=len(chosen))
        for n in chosen:
            progress.update(task, description=n)
            result = experiments.run(n, quick=quick, seed=seed)
            result.save(out)
            results.append(result)
            progress.advance(task)
    for r in results:
        console.print(Text.assemble((f"{r.name}: ", "bold"), (r.verdict, _VERDICT_STYLE[r.verdict]),
                                    f" ({r.seconds:.1f} s) - {r.reason}"), soft_wrap=True)
    if run_all:
        path = report.write(results, out / "report.html", quick=quick, seed=seed)
        console.print(Text(f"report: {path}"))


app.command("compare")(compare_command)

_VERDICT_STYLE = {"CONFIRMED": "bold green", "NOT CONFIRMED": "bold red", "INCONCLUSIVE": "bold yellow"}


def main() -> None:
    """Console-script entry point (``actlab = "actlab.cli:main"``)."""
    app(prog_name="actlab")


if __name__ == "__main__":
    main()
