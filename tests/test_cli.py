"""The command line: every command, every registered activation, every usage error.

Usage errors must be ONE line ``Error: ...`` on stderr with exit status 2 (scripts
rely on it), naming the offending option or parameter and the bad value.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

import actlab
import actlab.cli
from actlab.cli import app

runner = CliRunner()


def run(*args: str):
    result = runner.invoke(app, list(args))
    # an exception inside a command (e.g. a RuntimeWarning made an error) is a bug
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"actlab {' '.join(args)} raised {result.exception!r}\n{result.output}")
    return result


def ok(*args: str) -> str:
    result = run(*args)
    assert result.exit_code == 0, f"actlab {' '.join(args)}:\n{result.output}"
    return result.stdout


def table_names(stdout: str) -> list[str]:
    """Registered names in the order their rows appear in a printed table."""
    known = set(actlab.names())
    return [line.split()[0] for line in stdout.splitlines()
            if line.split() and line.split()[0] in known]


# help and version ------------------------------------------------------------------


@pytest.mark.parametrize("command", [[], ["list"], ["show"], ["plot"]], ids=str)
def test_help(command: list[str]) -> None:
    assert "Usage" in ok(*command, "--help")


def test_bare_command_prints_help() -> None:
    assert "Usage" in ok()


def test_version() -> None:
    assert ok("--version").strip() == f"actlab {actlab.__version__}"


# list --------------------------------------------------------------------------------


def test_list_shows_every_activation_and_alias() -> None:
    tokens = set(ok("list").split())
    missing = [n for n in [*actlab.names(), *actlab.aliases()] if n not in tokens]
    assert not missing


def test_list_rows() -> None:
    rows = {line.split()[0]: line for line in ok("list").splitlines() if line.split()}
    assert "(-1, 1)" in rows["tanh"] and "exp" in rows["tanh"]
    assert "[0, inf)" in rows["relu"]
    assert "alpha=0.25*" in rows["prelu"]  # learnable parameters are starred


def test_list_sorting() -> None:
    assert table_names(ok("list")) == actlab.names()
    by_cost = [actlab.get(n).cost for n in table_names(ok("list", "--sort", "cost"))]
    assert by_cost[0] == "piecewise-linear" and by_cost.index("exp") > by_cost.index("algebraic")
    by_range = table_names(ok("list", "--sort", "range"))
    assert sorted(by_range) == actlab.names()
    assert actlab.get(by_range[0])(-1e300) < -1e299  # unbounded below comes first


# show --------------------------------------------------------------------------------


def test_show_elu() -> None:
    out = ok("show", "elu")
    assert "Piecewise((1, x > 0), (alpha*exp(x), True))" in out  # f'
    assert "\\begin{cases}" in out  # LaTeX of f
    assert "(-1, inf)" in out
    assert "a finite number" in out and "saturation value" in out  # parameter table
    assert "f'(0) = alpha" in out  # kink convention
    assert "Clevert" in out  # reference
    assert "-0.632121" in out  # f(-1)


def test_show_alias_and_smooth_entry() -> None:
    out = ok("show", "logistic")
    assert "sigmoid" in out and "(0, 1)" in out and "0.196612" in out  # f'(1)


@pytest.mark.parametrize("name", actlab.names())
def test_show_every_activation(name: str) -> None:
    assert name in ok("show", name)


def test_show_with_params() -> None:
    out = ok("show", "elu", "--param", "alpha=2")
    assert "(-2, inf)" in out and "-1.26424" in out  # range and f(-1) = 2 (e^-1 - 1)
    out = ok("show", "hardtanh", "-p", "min_val=-2", "-p", "max_val=3")
    assert "[-2, 3]" in out


# plot --------------------------------------------------------------------------------


@pytest.mark.parametrize(("suffix", "magic"), [(".png", b"\x89PNG"), (".svg", b"<svg"),
                                               (".pdf", b"%PDF")])
def test_plot_writes_file(tmp_path: Path, suffix: str, magic: bytes) -> None:
    out = tmp_path / f"acts{suffix}"
    assert str(out) in ok("plot", "relu", "tanh", "gelu", "--derivatives", "-o", str(out))
    data = out.read_bytes()
    assert len(data) > 1000 and magic in data[:2000]


@pytest.mark.parametrize(("spelling", "xlim"), [
    (["--range", "-6", "6"], (-6.0, 6.0)),
    (["--range=-6,6"], (-6.0, 6.0)),
    (["--range", "-6,6"], (-6.0, 6.0)),
    (["--range", "-3", "-1"], (-3.0, -1.0)),
    (["--range=-1e-3,2e-3"], (-1e-3, 2e-3)),
    ([], (-6.0, 6.0)),
], ids=str)
def test_plot_range_spellings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                              spelling: list[str], xlim: tuple[float, float]) -> None:
    seen = []
    real = actlab.cli.plot_activations

    def spy(acts, **kwargs):
        seen.append(kwargs["xlim"])
        return real(acts, **kwargs)

    monkeypatch.setattr(actlab.cli, "plot_activations", spy)
    out = tmp_path / "r.png"
    ok("plot", "relu", *spelling, "-o", str(out))
    assert seen == [xlim] and out.stat().st_size > 0


# usage errors ------------------------------------------------------------------------

# (arguments, substrings the one-line message must contain); {tmp} is a temp directory
USAGE_ERRORS = [
    (["show", "elux"], ["'elux'", "Did you mean", "'elu'"]),
    (["show", "elu", "-p", "alpha"], ["--param", "'alpha'"]),
    (["show", "elu", "-p", "alpha=abc"], ["alpha", "'abc'"]),
    (["show", "celu", "-p", "alpha=-1"], ["'alpha'", "-1", "> 0"]),
    (["show", "celu", "--param", "alpha=inf"], ["'alpha'", "inf", "finite"]),
    (["show", "elu", "-p", "beta=2"], ["'beta'", "alpha"]),
    (["show", "elu", "-p", "alpha=1", "-p", "alpha=2"], ["alpha", "twice", "alpha=2"]),
    (["show", "elu", "--nope"], ["--nope"]),
    (["list", "--sort", "speed"], ["--sort", "speed"]),
    (["plot", "nosuch", "-o", "{tmp}/a.png"], ["'nosuch'"]),
    (["plot", "relu", "--range", "6", "-6", "-o", "{tmp}/a.png"], ["--range", "6", "-6"]),
    (["plot", "relu", "--range=-6,abc", "-o", "{tmp}/a.png"], ["--range", "abc"]),
    (["plot", "relu", "--range", "-6", "-o", "{tmp}/a.png"], ["--range", "'-6'"]),
    (["plot", "relu", "--range", "0", "inf", "-o", "{tmp}/a.png"], ["--range", "inf"]),
    (["plot", "relu", "-o", "{tmp}/a.jpg"], ["--output", "a.jpg", ".png"]),
    (["plot", "relu", "-o", "{tmp}/missing/a.png"], ["--output", "missing/a.png"]),
    (["plot", "relu"], ["--output"]),
]


@pytest.mark.parametrize(("args", "expected"), USAGE_ERRORS, ids=lambda v: " ".join(v))
def test_usage_error_is_one_line(tmp_path: Path, args: list[str], expected: list[str]) -> None:
    result = run(*(a.replace("{tmp}", str(tmp_path)) for a in args))
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    for text in expected:
        assert text in lines[0]
    assert not list(tmp_path.iterdir())  # nothing written


@pytest.mark.parametrize(("args", "code"), [(["show", "elux"], 2), (["--version"], 0)])
def test_real_process(args: list[str], code: int) -> None:
    """A real interpreter: exit status and stderr as a shell sees them."""
    src = str(Path(actlab.__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([src, os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.run([sys.executable, "-c", "from actlab.cli import main; main()", *args],
                          capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == code
    if code:
        assert proc.stdout == ""
        assert proc.stderr.count("\n") == 1 and proc.stderr.startswith(
            "Error: Unknown activation 'elux'. Did you mean 'elu'"), proc.stderr
    else:
        assert proc.stdout == f"actlab {actlab.__version__}\n" and proc.stderr == ""


def test_show_prints_properties_gains_and_critical_init() -> None:
    result = CliRunner().invoke(app, ["show", "tanh"])
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "gain: 1.59254 (ours" in text and "PyTorch calculate_gain: 1.66667" in text
    assert "edge of chaos (chi1 = 1): sw2 = 1 at sb2 = 0" in text


@pytest.mark.parametrize("key", ["max_slope", "gain", "mean"])
def test_list_sorts_by_computed_properties(key: str) -> None:
    result = CliRunner().invoke(app, ["list", "--sort", key])
    assert result.exit_code == 0, result.output
    assert key.replace("_", " ") in result.output


def test_show_a_formula_reports_its_numerics() -> None:
    result = CliRunner().invoke(app, ["show", "x*tanh(log(1+exp(x)))"])
    assert result.exit_code == 0, result.output
    assert "evaluated as: x*tanh(softplus(x))" in result.output
    assert "stable form: accurate to 1e-12 relative on the grid" in result.output
