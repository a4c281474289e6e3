"""actlab.compare: paired folds, stored and resumed runs, racing, statistics, report."""

from __future__ import annotations

import sqlite3

import numpy as np
import pytest

import actlab
from actlab.comparison import RECOMMENDED, Comparison, Settings
from actlab.comparison.runner import make_problem, plan_folds

SMALL = {"hidden": (8,), "epochs": 30, "batch_size": 32, "lr": 1e-2, "cv": 3, "repeats": 2, "jobs": 1}


@pytest.fixture(scope="module")
def moons() -> actlab.data.Dataset:
    return actlab.data.load("moons", rng=np.random.default_rng(0), n_samples=150)


@pytest.fixture(scope="module")
def small_run(moons) -> Comparison:
    return actlab.compare(moons.X, moons.y, ["relu", "tanh", "prelu"], **SMALL)


def strip(result: dict) -> dict:
    return {k: v for k, v in result.items() if k != "seconds"}  # wall time is not a result


def test_folds_are_paired_across_activations(small_run: Comparison, moons) -> None:
    splits = {a: {k: r["split"] for k, r in small_run.state.results[a].items()}
              for a in small_run.state.labels}
    assert splits["relu"] == splits["tanh"] == splits["prelu"]
    assert len(set(splits["relu"].values())) == 6  # 3 folds x 2 repeats, all different
    folds = plan_folds(moons.y, small_run.settings)
    for r in range(2):  # each repeat's test folds partition the data
        tests = np.concatenate([f.test for f in folds if f.repeat == r])
        assert np.array_equal(np.sort(tests), np.arange(len(moons.y)))
    for f in folds:  # stratified: class shares of a test fold follow the data
        assert abs(np.mean(moons.y[f.test]) - np.mean(moons.y)) < 0.02


def test_leaderboard_and_verdict(small_run: Comparison) -> None:
    board = small_run.leaderboard
    assert list(board["activation"])[0] == small_run.best
    assert set(board["activation"]) == {"relu", "tanh", "prelu"}
    assert (board["folds"] == 6).all() and (board["status"] == "complete").all()
    assert (board["ci_low"] <= board["accuracy"]).all() and (board["accuracy"] <= board["ci_high"]).all()
    assert small_run.best in small_run.tied
    text = small_run.recommendation
    assert small_run.best in text and text.endswith(".")
    folds = small_run.folds
    assert len(folds) == 18 and set(folds.columns) >= {"accuracy", "log_loss", "epochs", "dead_pct"}
    assert ((folds["accuracy"] > 0.5) & (folds["accuracy"] <= 1)).all()
    assert (folds["log_loss"] > 0).all()
    # the learnable slope of PReLU was trained: its fold networks ended with different slopes
    assert board.set_index("activation").loc["relu", "epochs"] <= 30


def test_parallel_jobs_give_the_same_numbers(small_run: Comparison, moons) -> None:
    two = actlab.compare(moons.X, moons.y, ["relu", "tanh", "prelu"], **{**SMALL, "jobs": 2})
    for a in small_run.state.labels:
        for k, r in small_run.state.results[a].items():
            assert strip(two.state.results[a][k]) == strip(r)


def test_store_resumes_bit_identically(tmp_path, moons, small_run: Comparison) -> None:
    first = actlab.compare(moons.X, moons.y, ["relu", "tanh", "prelu"], out=tmp_path, **SMALL)
    assert first.state.reused == 0
    db = sqlite3.connect(tmp_path / "results.sqlite")
    with db:  # lose some folds, as a killed run would
        db.execute("DELETE FROM folds WHERE activation = 'tanh' AND repeat = 1")
        db.execute("DELETE FROM folds WHERE activation = 'prelu' AND fold = 0")
    db.close()
    again = actlab.compare(moons.X, moons.y, ["relu", "tanh", "prelu"], out=tmp_path, **SMALL)
    assert again.state.reused == 18 - 3 - 2
    for a in small_run.state.labels:
        for k, r in small_run.state.results[a].items():
            assert strip(again.state.results[a][k]) == strip(r)
    assert again.leaderboard.drop(columns="seconds").equals(small_run.leaderboard.drop(columns="seconds"))
    # another seed is another run: nothing reused
    other = actlab.compare(moons.X, moons.y, ["relu"], out=tmp_path, **{**SMALL, "repeats": 1}, seed=1)
    assert other.state.reused == 0


def test_racing_drops_the_clearly_worse() -> None:
    ds = actlab.data.load("circles", rng=np.random.default_rng(0), n_samples=200)
    c = actlab.compare(ds.X, ds.y, ["tanh", "identity", "relu"], hidden=(16,), epochs=60, cv=5,
                       repeats=3, lr=1e-2, batch_size=32, jobs=1, race=True)
    dropped = {d.activation: d for d in c.state.dropped}
    assert set(dropped) == {"identity"}  # a linear model cannot separate circles
    assert dropped["identity"].after_repeat == 0 and dropped["identity"].p_value < 0.01
    assert len(c.state.results["identity"]) == 5 and len(c.state.results["tanh"]) == 15
    board = c.leaderboard.set_index("activation")
    assert board.loc["identity", "status"] == "dropped after repeat 1"
    assert "identity" not in c.tied and "stopped identity after repeat 1" in c.recommendation
    assert c.settings.race and not c.state.dropped[0].activation == c.best


def test_racing_is_on_by_default_only_for_many_activations() -> None:
    assert len(RECOMMENDED) > 8 and set(RECOMMENDED) <= set(actlab.names())
    ds = actlab.data.load("xor", rng=np.random.default_rng(0), n_samples=60)
    c = actlab.compare(ds.X, ds.y, ["relu", "tanh"], hidden=(4,), epochs=2, cv=2, repeats=1, jobs=1)
    assert not c.settings.race


def test_regression_metrics_in_target_units() -> None:
    ds = actlab.data.load("sine", rng=np.random.default_rng(0), n_samples=120)
    y = 1000.0 + 50.0 * ds.y  # metrics must come back in these units
    c = actlab.compare(ds.X, y, ["tanh", "relu"], hidden=(16,), epochs=40, cv=3, repeats=1, jobs=1,
                       batch_size=16,
                       lr=1e-2)
    assert c.settings.task == "regression" and c.settings.metric == "rmse"
    folds = c.folds
    assert (folds["rmse"] < 50.0).all() and (folds["r2"] > 0.0).all()
    board = c.leaderboard
    assert board["rmse"].iloc[0] == board.loc[board["tied_for_best"], "rmse"].min()  # lower is better
    for f, row in zip(plan_folds(y, c.settings), folds[folds["activation"] == "tanh"].itertuples(),
                      strict=True):  # R^2 = 1 - SSE/SST on the test fold, SSE = n RMSE^2
        t = y[f.test]
        assert row.r2 == pytest.approx(1 - len(t) * row.rmse**2 / np.sum((t - t.mean()) ** 2), rel=1e-9)


def test_report_files(small_run: Comparison, tmp_path) -> None:
    files = small_run.write(tmp_path)
    html = files["report"].read_text()
    assert html.count("data:image/png;base64,") == 3 and "Recommendation" in html
    assert small_run.recommendation.split(" ")[0] in html and "numpy" in html
    csv = files["leaderboard"].read_text().splitlines()
    assert csv[0].startswith("activation,accuracy,std,ci_low,ci_high") and len(csv) == 4
    import json

    data = json.loads(files["results"].read_text())
    assert data["best"] == small_run.best and len(data["folds"]) == 18
    assert data["settings"]["cv"] == 3


def test_sklearn_baseline_on_the_same_folds(moons) -> None:
    c = actlab.compare(moons.X, moons.y, ["relu", "tanh", "elu"], baseline="sklearn", **SMALL)
    assert c.baseline is not None and set(c.baseline.scores) == {"relu", "tanh"}  # no elu there
    assert all(len(v) == 6 for v in c.baseline.scores.values()) and c.baseline.seconds > 0


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"activations": ["relu", "nope"]}, "The 'activations' parameter is invalid: .*'nope'"),
    ({"activations": ["relu", "relu"]}, "names 'relu' twice"),
    ({"cv": 1}, "The 'cv' parameter must be an int >= 2. Got 1"),
    ({"repeats": 0}, "The 'repeats' parameter must be an int >= 1. Got 0"),
    ({"hidden": (8, 0)}, "The 'hidden' parameter must be one or more layer widths"),
    ({"optimizer": "lbfgs"}, "The 'optimizer' parameter must be one of adam, .*Got 'lbfgs'"),
    ({"metric": "rmse"}, "The 'metric' parameter must be one of accuracy, log_loss. Got 'rmse'"),
    ({"lr": -1.0}, "The 'lr' parameter must be a finite number > 0. Got -1.0"),
    ({"jobs": 0}, "The 'jobs' parameter must be an int >= 1. Got 0"),
    ({"cv": 200}, "The 'cv' parameter \\(200\\) does not fit the data: .*150 samples, fewer than the 200"),
    ({"baseline": "torch"}, "The 'baseline' parameter must be 'sklearn' or None. Got 'torch'"),
])
def test_bad_arguments_name_the_parameter(moons, kwargs: dict, message: str) -> None:
    args = {"activations": ["relu"], **kwargs}
    with pytest.raises(ValueError, match=message):
        actlab.compare(moons.X, moons.y, args.pop("activations"), **args)


def test_bad_data() -> None:
    X = np.zeros((10, 2))
    with pytest.raises(ValueError, match="only one class"):
        make_problem(X, np.ones(10, dtype=int))
    with pytest.raises(ValueError, match="one value per row of X"):
        make_problem(X, np.ones(9))
    with pytest.raises(ValueError, match="missing or infinite"):
        make_problem(np.full((10, 2), np.nan), np.arange(10) % 2)
    y = np.array([0] * 8 + [1] * 2)
    with pytest.raises(ValueError, match="class 1 has 2 samples, fewer than the 5 folds"):
        actlab.compare(np.random.default_rng(0).normal(size=(10, 2)), y, ["relu"], cv=5, jobs=1)
    with pytest.raises(ValueError, match="The 'task' parameter must be"):
        Settings(task="ranking")


def test_lower_is_better_metric_and_formula_activations_in_workers(moons) -> None:
    c = actlab.compare(moons.X, moons.y, ["relu", "x*tanh(softplus(x))", "leaky_relu"],
                       metric="log_loss", **{**SMALL, "jobs": 2})
    board = c.leaderboard
    tied = board[board["tied_for_best"]]
    assert board["activation"].iloc[0] == c.best and tied["log_loss"].is_monotonic_increasing
    assert c.best in c.tied and c.recommendation.startswith(c.tied[0])
    assert set(board["activation"]) == {"relu", "x*tanh(softplus(x))", "leaky_relu"}


def test_a_diverged_fold_counts_as_the_worst_score() -> None:
    from actlab.comparison.runner import RunState

    settings = Settings(task="regression", cv=2, repeats=1)
    state = RunState(["a", "b"])
    fold = {"r2": 0.5, "epochs": 3, "seconds": 0.1, "diverged": False, "loss_curve": [1.0, 0.5, 0.4],
            "diagnostics": None}
    state.results = {"a": {(0, 0): {**fold, "rmse": 1.0}, (0, 1): {**fold, "rmse": 1.2}},
                     "b": {(0, 0): {**fold, "rmse": 0.9}, (0, 1): {**fold, "rmse": float("nan"),
                                                                   "diverged": True}}}
    c = Comparison(settings, state, {"a": "exp", "b": "exp"})
    assert c.scores("b").tolist() == [0.9, 1.2]  # the worst rmse any activation got
    board = c.leaderboard.set_index("activation")  # finite statistics, no warning
    assert board.loc["b", "diverged"] == 1 and np.isfinite(board["std"]).all()
