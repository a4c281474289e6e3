"""The experiment framework and CLI (the experiments themselves: test_experiments_group*)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from actlab import experiments
from actlab.cli import app
from actlab.experiments import softplus_derivative


def test_every_registered_experiment_loads_and_states_its_claim() -> None:
    for name in experiments.names():
        exp = experiments.get(name)
        assert exp.name == name and len(exp.claim) > 40 and exp.key_metric


def test_run_is_deterministic_and_serialisable(tmp_path) -> None:
    a = experiments.run("softplus-derivative", quick=True, seed=3)
    b = experiments.run("softplus-derivative", quick=True, seed=3)
    assert a.metrics == b.metrics and a.verdict == b.verdict
    paths = a.save(tmp_path)
    data = json.loads(paths[0].read_text())
    assert data["verdict"] in experiments.VERDICTS and data["key_value"] is not None
    assert all(p.exists() and p.stat().st_size > 0 for p in paths)


def test_softplus_derivative_verdict_can_fail() -> None:
    good = {"max_ulps_derivative_vs_sigmoid": 0.0, "max_gap_softplus_minus_relu": 0.6931471805599453,
            "gap_at": 0.0, "log2": 0.6931471805599453}
    assert softplus_derivative.decide(good)[0] == experiments.CONFIRMED
    for bad in ({"max_ulps_derivative_vs_sigmoid": 7.0}, {"gap_at": 0.5},
                {"max_gap_softplus_minus_relu": 0.7}):
        assert softplus_derivative.decide({**good, **bad})[0] == experiments.NOT_CONFIRMED


def test_unknown_experiment_suggests_names() -> None:
    with pytest.raises(ValueError, match="Unknown experiment 'dead-rel'. Did you mean 'dead-relu'"):
        experiments.get("dead-rel")


def test_cli_run_one_and_all(tmp_path, monkeypatch) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["experiment", "run", "softplus-derivative", "--quick", "-o",
                                 str(tmp_path / "one")])
    assert result.exit_code == 0, result.output
    assert "softplus-derivative: CONFIRMED" in result.output
    assert (tmp_path / "one" / "softplus-derivative.json").exists()
    monkeypatch.setattr(experiments, "names", lambda: ["softplus-derivative"])
    result = runner.invoke(app, ["experiment", "run", "--all", "--quick", "-o", str(tmp_path / "all")])
    assert result.exit_code == 0, result.output
    html = (tmp_path / "all" / "report.html").read_text()
    assert "CONFIRMED" in html and "data:image/png;base64," in html


@pytest.mark.parametrize("args,message", [
    (["experiment", "run"], "give an experiment NAME or --all"),
    (["experiment", "run", "x", "--all"], "give an experiment NAME or --all"),
    (["experiment", "run", "nope"], "Unknown experiment 'nope'"),
])
def test_cli_usage_errors(args, message) -> None:
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2
    assert message in result.output
