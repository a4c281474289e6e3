"""``actlab compare`` on the command line: output files, usage errors, kill and resume."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

import actlab
from actlab.cli import app

runner = CliRunner()
FAST = ["--hidden", "6", "--epochs", "8", "--cv", "3", "--repeats", "1", "--jobs", "1",
        "--batch-size", "32"]


def invoke(*args: str):
    result = runner.invoke(app, ["compare", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"actlab compare {' '.join(args)} raised {result.exception!r}\n{result.output}")
    return result


def write_csv(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_end_to_end_prints_leaderboard_and_writes_report(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = invoke("--data", "iris", "--activations", "relu,tanh,sigmoid", *FAST, "--out", str(out))
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert "iris: 3 paired folds" in text and "Recommendation:" in text
    assert f"report: {out / 'report.html'}" in text
    for name in ("relu", "tanh", "sigmoid"):
        assert name in text
    for name in ("results.sqlite", "leaderboard.csv", "results.json", "report.html"):
        assert (out / name).is_file()
    info = json.loads((out / "results.json").read_text())
    assert info["command"].startswith("actlab compare") and info["dataset"] == "iris"
    # the same command again: every fold comes from the store
    again = invoke("--data", "iris", "--activations", "relu,tanh,sigmoid", *FAST, "--out", str(out))
    assert again.exit_code == 0 and "9 folds reused from the store" in again.stdout
    # --resume RUN_ID alone takes the stored settings
    run_id = info["run_id"]
    resumed = invoke("--resume", run_id, "--out", str(out))
    assert resumed.exit_code == 0 and "9 folds reused from the store" in resumed.stdout


def test_a_table_file_with_a_target_column(tmp_path: Path) -> None:
    rows = "\n".join(f"{i % 7},{(i * 37) % 11},{'yes' if (i % 7) > 3 else 'no'}" for i in range(60))
    path = write_csv(tmp_path / "t.csv", "a,b,label\n" + rows + "\n")
    result = invoke("--data", str(path), "--target", "label", "--activations", "relu,elu", *FAST,
                    "--out", str(tmp_path / "o"))
    assert result.exit_code == 0, result.output
    assert "t: 3 paired folds" in result.stdout


def bad_inputs(tmp: Path) -> list[tuple[list[str], list[str]]]:
    good = "a,b,y\n" + "\n".join(f"{i},{i % 3},{i % 2}" for i in range(20)) + "\n"
    csv = write_csv(tmp / "good.csv", good)
    one_class = write_csv(tmp / "one.csv", "a,y\n" + "\n".join(f"{i},1" for i in range(10)) + "\n")
    tiny = write_csv(tmp / "tiny.csv", "a,y\n1,0\n2,1\n3,0\n4,1\n")
    text_col = write_csv(tmp / "text.csv",
                         "a,b,y\n" + "\n".join(f"{i},x{i},{i % 2}" for i in range(10)) + "\n")
    foreign = tmp / "foreign"
    foreign.mkdir()
    db = sqlite3.connect(foreign / "results.sqlite")
    db.execute("CREATE TABLE t (x)")
    db.commit()
    db.close()
    corrupt = tmp / "corrupt"
    corrupt.mkdir()
    (corrupt / "results.sqlite").write_bytes(b"not a database at all" * 10)
    o = ["--out", str(tmp / "o")]
    return [
        (["--data", "iris", "--activations", "relu,nosuch", *o], ["'nosuch'", "activations"]),
        (["--data", "iris", "--cv", "1", *o], ["'cv'", "1", ">= 2"]),
        (["--data", "iris", "--cv", "abc", *o], ["--cv", "abc"]),
        (["--data", "iris", "--hidden", "64,x", *o], ["--hidden", "64,x"]),
        (["--data", "iris", "--optimizer", "lbfgs", *o], ["'optimizer'", "lbfgs", "adam"]),
        (["--data", "iris", "--jobs", "0", *o], ["--jobs", "0"]),
        (["--data", "nosuchdata", *o], ["'nosuchdata'"]),
        (["--activations", "relu", *o], ["--data"]),
        (["--data", str(csv), "--target", "z", *o], ["'z'", "not in", "columns"]),
        (["--data", str(one_class), *o], ["only 1 class"]),
        (["--data", str(tiny), "--cv", "5", *o], ["4 samples", "fewer than the 5 folds"]),
        (["--data", str(text_col), *o], ["non-numeric", "'b'"]),
        (["--data", str(tmp / "missing.csv"), *o], ["missing.csv"]),
        (["--data", "iris", "--out", str(foreign)], ["not an actlab results store"]),
        (["--data", "iris", "--out", str(corrupt)], ["not an SQLite database"]),
        (["--resume", "abc", "--out", str(foreign)], ["not an actlab results store"]),
        (["--resume", "abc", "--out", str(tmp / "none")], ["no results store"]),
        (["--resume", "abc", "--data", "iris", *o], ["--resume", "--data"]),
        (["--data", "iris", "--baseline", "torch", *o], ["'baseline'", "torch"]),
    ]


def test_every_bad_input_is_one_line_exit_2(tmp_path: Path) -> None:
    for args, expected in bad_inputs(tmp_path):
        before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
        result = invoke(*args)
        assert result.exit_code == 2, (args, result.output)
        lines = result.stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith("Error: "), (args, result.stderr)
        for text in expected:
            assert text in lines[0], (args, lines[0])
        after = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
        assert after == before, args  # nothing the user had is changed
        assert not (tmp_path / "o").exists(), args  # and nothing is created


def test_sigkill_then_resume_gives_the_uninterrupted_result(tmp_path: Path) -> None:
    """A run killed with SIGKILL mid-way, then re-run, equals a run never interrupted."""
    args = ["--data", "wine", "--activations", "relu,tanh,elu,sigmoid,softplus", "--hidden", "16",
            "--epochs", "60", "--cv", "3", "--repeats", "2", "--jobs", "1", "--batch-size", "16"]
    src = str(Path(actlab.__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([src, os.environ.get("PYTHONPATH", "")])}
    cmd = [sys.executable, "-c", "from actlab.cli import main; main()", "compare", *args]
    killed = tmp_path / "killed"
    proc = subprocess.Popen([*cmd, "--out", str(killed)], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    db_path, rows, deadline = killed / "results.sqlite", 0, time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if db_path.exists():
            try:
                db = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=1)
                rows = db.execute("SELECT count(*) FROM folds").fetchone()[0]
                db.close()
            except sqlite3.OperationalError:  # tables not created yet
                rows = 0
            if rows >= 3:
                break
        time.sleep(0.02)
    assert proc.poll() is None, "the run finished before it could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert 3 <= rows < 30
    subprocess.run([*cmd, "--out", str(killed)], env=env, check=True, capture_output=True, timeout=300)
    whole = tmp_path / "whole"
    subprocess.run([*cmd, "--out", str(whole)], env=env, check=True, capture_output=True, timeout=300)
    a = json.loads((killed / "results.json").read_text())
    b = json.loads((whole / "results.json").read_text())
    assert a["reused_folds"] >= 3 and b["reused_folds"] == 0

    def numbers(d: dict) -> list:
        return [{k: v for k, v in f.items() if k != "seconds"} for f in d["folds"]]

    assert numbers(a) == numbers(b)  # bit-identical folds (JSON floats round-trip exactly)
    drop = ["seconds"]
    assert [{k: v for k, v in r.items() if k not in drop} for r in a["leaderboard"]] == \
        [{k: v for k, v in r.items() if k not in drop} for r in b["leaderboard"]]
    assert a["recommendation"] == b["recommendation"]


@pytest.mark.parametrize("flag", ["--help"])
def test_help_lists_the_options(flag: str) -> None:
    result = invoke(flag)
    assert result.exit_code == 0
    for option in ("--data", "--target", "--activations", "--init", "--hidden", "--cv", "--repeats",
                   "--epochs", "--batch-size", "--optimizer", "--lr", "--metric", "--seed", "--jobs",
                   "--out", "--resume", "--baseline", "--race"):
        assert option in result.stdout
