"""Running a comparison: the folds, the stacked training, the store, racing, parallelism.

The design is paired repeated K-fold cross-validation: one set of folds
(``RepeatedStratifiedKFold`` for classification, ``RepeatedKFold`` for regression, from
the seed) is used for every activation, and fold (r, k) of every activation also starts
from the same generator, ``default_rng([seed, r, k])`` (same initial draws, same batch
order): activations differ only by the activation. Inputs (and regression targets) are
standardised with statistics of the training fold only.

The unit of work is one activation on the folds of one repeat, trained as ONE stacked
model (:mod:`actlab.nn.stacked`); units run in parallel worker processes (joblib/loky,
``jobs``) with single-threaded BLAS, so results do not depend on the number of jobs.
Every finished fold is written to the store in its own transaction; a unit whose folds
are all in the store is skipped, so an interrupted run resumes where it stopped, and
because a fold's numbers depend only on its own data and generator, the resumed run is
bit-identical to an uninterrupted one.

Racing (``race=True``): after each repeat, activations significantly worse than the best
so far (Holm-adjusted corrected t-test, p < ``race_alpha``) are not trained any further.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

import actlab
from actlab.activation import Activation, cost_rank
from actlab.comparison.statistics import leaderboard
from actlab.comparison.store import FoldKey, Store, config_hash, fingerprint

#: the activations of ``--activations recommended``: the tutorials' set and the modern
#: defaults (GELU in transformers, SiLU/Swish, Mish); more than 8, so racing is on
RECOMMENDED = ("relu", "leaky_relu", "prelu", "elu", "selu", "gelu", "silu", "swish", "mish",
               "softplus", "tanh", "sigmoid")
#: racing turns on by default above this many activations
RACE_ABOVE = 8
METRICS = {"classification": ("accuracy", "log_loss"), "regression": ("rmse", "r2")}
#: metrics where higher is better
HIGHER_IS_BETTER = {"accuracy": True, "log_loss": False, "rmse": False, "r2": True}
OPTIMIZERS = ("adam", "sgd", "momentum", "nesterov", "adagrad", "rmsprop")
DTYPES = ("float32", "float64")
#: rows of the training fold used for the end-of-training diagnostics
DIAGNOSE_ROWS = 512


@dataclass(frozen=True)
class Settings:
    """Everything that decides a comparison's numbers (plus racing and its alpha).

    Args:
        task: ``"classification"`` or ``"regression"``.
        metric: the metric the leaderboard ranks by (default: accuracy / rmse).
        hidden: hidden layer widths.
        cv, repeats: K and R of repeated K-fold.
        epochs: at most this many epochs; scikit-learn's stopping rule (``tol``,
            ``n_iter_no_change``) on the training loss stops earlier.
        batch_size, optimizer, lr, alpha (L2, scikit-learn's default 1e-4), init.
        dtype: training precision (float32 is twice as fast; predictions and metrics are
            computed in float64).
        seed: folds, initial weights and batch order all follow from it.
        race, race_alpha: drop activations significantly worse than the best after each
            repeat.
    """

    task: str
    metric: str = ""
    hidden: tuple[int, ...] = (64, 64)
    cv: int = 5
    repeats: int = 3
    epochs: int = 200
    batch_size: int = 200
    optimizer: str = "adam"
    lr: float = 1e-3
    alpha: float = 1e-4
    init: str = "auto"
    tol: float = 1e-4
    n_iter_no_change: int = 10
    dtype: str = "float32"
    seed: int = 0
    race: bool = False
    race_alpha: float = 0.01

    def __post_init__(self) -> None:
        if self.task not in METRICS:
            raise ValueError(f"The 'task' parameter must be 'classification' or 'regression'. "
                             f"Got {self.task!r} instead.")
        if not self.metric:
            object.__setattr__(self, "metric", METRICS[self.task][0])
        _choice("metric", self.metric, METRICS[self.task])
        hidden = self.hidden
        if (not isinstance(hidden, (tuple, list)) or not hidden
                or not all(_is_int(h) and h >= 1 for h in hidden)):
            raise ValueError(f"The 'hidden' parameter must be one or more layer widths >= 1, "
                             f"e.g. 64,64. Got {hidden!r} instead.")
        object.__setattr__(self, "hidden", tuple(int(h) for h in hidden))
        _int("cv", self.cv, 2)
        _int("repeats", self.repeats, 1)
        _int("epochs", self.epochs, 1)
        _int("batch_size", self.batch_size, 1)
        _int("n_iter_no_change", self.n_iter_no_change, 1)
        _int("seed", self.seed, 0)
        _choice("optimizer", self.optimizer, OPTIMIZERS)
        _choice("dtype", self.dtype, DTYPES)
        _positive("lr", self.lr)
        _positive("alpha", self.alpha, zero=True)
        _positive("tol", self.tol, zero=True)
        if not (isinstance(self.race_alpha, float) and 0 < self.race_alpha < 1):
            raise ValueError(f"The 'race_alpha' parameter must be a number in (0, 1). "
                             f"Got {self.race_alpha!r} instead.")
        actlab.init.get(self.init)  # one-line error naming the initialiser

    @property
    def higher_is_better(self) -> bool:
        return HIGHER_IS_BETTER[self.metric]


    def results_config(self) -> dict[str, Any]:
        """The settings that change a fold's numbers (racing and the metric do not, so a
        raced and an unraced run share their folds)."""
        config = asdict(self)
        for key in ("metric", "race", "race_alpha"):
            config.pop(key)
        return config


@dataclass(frozen=True)
class Fold:
    """Fold ``fold`` of repeat ``repeat``: training and test row indices."""

    repeat: int
    fold: int
    train: np.ndarray
    test: np.ndarray


def plan_folds(y: np.ndarray, settings: Settings) -> list[Fold]:
    """The paired folds: the same for every activation."""
    from sklearn.model_selection import RepeatedKFold, RepeatedStratifiedKFold

    splitter = RepeatedStratifiedKFold if settings.task == "classification" else RepeatedKFold
    cv = splitter(n_splits=settings.cv, n_repeats=settings.repeats, random_state=settings.seed)
    return [Fold(i // settings.cv, i % settings.cv, train, test)
            for i, (train, test) in enumerate(cv.split(np.zeros((len(y), 1)), y))]


def resolve_activations(spec: str | Sequence[str | Activation]) -> list[tuple[str, Activation]]:
    """(label, activation) pairs from ``"all"``, ``"recommended"``, a comma-separated
    string or a list of names, formulas and Activations. Labels are unique."""
    if isinstance(spec, str):
        key = spec.strip().lower()
        if key == "all":
            items: list[str | Activation] = list(actlab.names())
        elif key == "recommended":
            items = list(RECOMMENDED)
        else:
            items = [s.strip() for s in _split_top_level(spec) if s.strip()]
    else:
        items = list(spec)
    if not items:
        raise ValueError(f"The 'activations' parameter must name at least one activation. "
                         f"Got {spec!r} instead.")
    out: list[tuple[str, Activation]] = []
    for item in items:
        try:
            act = actlab.get(item)
        except (ValueError, TypeError) as e:
            raise ValueError(f"The 'activations' parameter is invalid: {e}") from None
        label = label_of(act)
        if label in {lab for lab, _ in out}:
            raise ValueError(f"The 'activations' parameter names {label!r} twice.")
        out.append((label, act))
    return out


def label_of(act: Activation) -> str:
    """The activation's name, with its parameters where they differ from the defaults."""
    defaults = {p.name: p.default for p in act.parameters}
    changed = {k: v for k, v in act.params.items() if defaults.get(k) != v}
    return act.name + ("(" + ", ".join(f"{k}={v:g}" for k, v in changed.items()) + ")" if changed else "")


# ------------------------------------------------------------------------- the data
@dataclass(frozen=True)
class Problem:
    """The data of a comparison, as the workers need it."""

    X: np.ndarray  # float64 (n, features)
    y: np.ndarray  # int64 class codes, or float64 values
    task: str
    n_classes: int | None

    @property
    def Y(self) -> np.ndarray:
        """2-D training targets: one-hot (or one 0/1 column for two classes), or values."""
        if self.task == "regression":
            return self.y.reshape(-1, 1).astype(np.float64)
        if self.n_classes == 2:
            return self.y.reshape(-1, 1).astype(np.float64)
        return np.eye(self.n_classes or 0)[self.y]

    @property
    def loss(self) -> str:
        if self.task == "regression":
            return "squared_error"
        return "binary_cross_entropy" if self.n_classes == 2 else "softmax_cross_entropy"


def make_problem(X: Any, y: Any, task: str | None = None) -> Problem:
    """Validate X and y (one-line errors) and detect the task from y unless given."""
    from actlab.data import detect_task

    X = np.asarray(X)
    y = np.asarray(y)
    if X.ndim != 2 or X.dtype.kind not in "biuf":
        raise ValueError(f"X must be a 2-D array of numbers (samples x features). Got "
                         f"{X.dtype} of shape {X.shape} instead.")
    if y.shape != (len(X),):
        raise ValueError(f"y must be a 1-D array with one value per row of X ({len(X)}). "
                         f"Got shape {y.shape} instead.")
    X = X.astype(np.float64)
    if not np.isfinite(X).all():
        raise ValueError(f"X has {int((~np.isfinite(X)).sum())} missing or infinite values; "
                         "impute or drop them first.")
    task = detect_task(y) if task is None else task
    if task not in METRICS:
        raise ValueError(f"The 'task' parameter must be 'classification', 'regression' or None. "
                         f"Got {task!r} instead.")
    if task == "regression":
        if y.dtype.kind not in "biuf":
            raise ValueError(f"task='regression' needs numeric targets. Got y of {y.dtype}.")
        y = y.astype(np.float64)
        if not np.isfinite(y).all() or np.all(y == y[0]):
            raise ValueError("y must be finite and vary for regression.")
        return Problem(X, y, task, None)
    classes, codes = np.unique(y, return_inverse=True)
    if len(classes) < 2:
        raise ValueError(f"y has only one class ({classes[0]!r}); classification needs at "
                         "least 2 classes.")
    return Problem(X, codes.astype(np.int64), task, len(classes))


def check_folds(problem: Problem, cv: int, name: str = "the data") -> None:
    """One-line error unless the data can be cut into ``cv`` (stratified) folds."""
    from actlab.data import Dataset, check_cv

    classes = None if problem.task == "regression" else np.arange(problem.n_classes or 0)
    data = Dataset(problem.X, problem.y, problem.task, name,  # type: ignore[arg-type]
                   tuple(f"x{i}" for i in range(problem.X.shape[1])), "y", classes)
    try:
        check_cv(data, cv)
    except ValueError as e:
        raise ValueError(f"The 'cv' parameter ({cv}) does not fit the data: {e}") from None


# ------------------------------------------------------------------------- one unit
def train_unit(problem: Problem, label: str, act: Activation, folds: Sequence[Fold],
               settings: Settings, last_batch: dict[int, int]) -> list[tuple[int, int, dict[str, Any]]]:
    """Train ``act`` on ``folds`` as stacked models; (repeat, fold, result) per fold.

    ``last_batch[n_batches]`` is the padded size of the last batch for folds with that
    many batches per epoch (a property of the whole run, see :func:`train_stacked`).
    """
    from threadpoolctl import threadpool_limits

    groups: dict[int, list[Fold]] = {}
    for f in folds:
        groups.setdefault(_n_batches(len(f.train), settings.batch_size), []).append(f)
    out: list[tuple[int, int, dict[str, Any]]] = []
    # One thread for BLAS and for actlab's kernels: the parallelism is across units (worker
    # processes), and a step's arrays are too small for threads to pay (measured: 64k
    # elements run slower on 2 threads than on 1).
    threads = actlab.get_num_threads()
    actlab.set_num_threads(1)
    try:
        with threadpool_limits(1):
            for nb, group in sorted(groups.items()):
                out.extend(_train_group(problem, act, group, settings, last_batch[nb]))
    finally:
        actlab.set_num_threads(threads)
    return out


def _train_group(problem: Problem, act: Activation, group: list[Fold], settings: Settings,
                 last_batch: int) -> list[tuple[int, int, dict[str, Any]]]:
    """Folds with the same number of batches per epoch, as one stack."""
    from actlab.nn.stacked import StackedMLP, train_stacked

    dtype = np.dtype(settings.dtype).type
    Y = problem.Y
    start = time.perf_counter()
    x_aff = [_standardise(problem.X[f.train]) for f in group]
    y_aff = [_standardise(Y[f.train]) for f in group] if problem.task == "regression" else None
    sizes = (problem.X.shape[1], *settings.hidden, Y.shape[1])
    rngs = [fold_rng(settings.seed, f.repeat, f.fold) for f in group]
    net = StackedMLP.build(sizes, act, problem.loss, rngs=rngs, init=settings.init, dtype=dtype)
    runs = train_stacked(
        net, problem.X, Y, [f.train for f in group], optimizer=make_optimizer(settings),
        batch_size=settings.batch_size, max_epochs=settings.epochs, rngs=rngs,
        alpha=settings.alpha, tol=settings.tol, n_iter_no_change=settings.n_iter_no_change,
        x_affine=_stack_affine(x_aff, dtype),
        y_affine=None if y_aff is None else _stack_affine(y_aff, dtype), last_batch=last_batch)
    seconds = time.perf_counter() - start
    epochs = sum(r.n_iter for r in runs)
    out = []
    for i, (f, run) in enumerate(zip(group, runs, strict=True)):
        result = evaluate(problem, f, run.network, x_aff[i], None if y_aff is None else y_aff[i])
        result.update(epochs=run.n_iter, stopped=run.stopped, diverged=run.diverged,
                      seconds=seconds * run.n_iter / epochs, loss_curve=run.loss_curve)
        out.append((f.repeat, f.fold, result))
    return out


def fold_rng(seed: int, repeat: int, fold: int) -> np.random.Generator:
    """The generator of fold (repeat, fold): initial weights, then batch order. The same
    for every activation (common random numbers make the paired comparison sharper)."""
    return np.random.default_rng([seed, repeat, fold])


def make_optimizer(settings: Settings) -> Any:
    from actlab.nn.optimizers import OPTIMIZERS as CLASSES

    lr = settings.lr
    if settings.optimizer in ("momentum", "nesterov"):
        return CLASSES["sgd"](lr, 0.9, settings.optimizer == "nesterov")
    return CLASSES[settings.optimizer](lr)


def evaluate(problem: Problem, f: Fold, network: Any, x_aff: tuple[np.ndarray, np.ndarray],
             y_aff: tuple[np.ndarray, np.ndarray] | None) -> dict[str, Any]:
    """Test-fold metrics and end-of-training diagnostics of one trained network."""
    shift, scale = x_aff
    logits = network.logits((problem.X[f.test] - shift) * scale)
    # which rows were tested: the same for every activation (paired design), checkable later
    result: dict[str, Any] = {"split": hashlib.sha256(f.test.tobytes()).hexdigest()[:12]}
    finite = bool(np.isfinite(logits).all())
    if problem.task == "classification":
        y = problem.y[f.test]
        pred = (logits[:, 0] > 0).astype(np.int64) if logits.shape[1] == 1 else logits.argmax(axis=1)
        result["accuracy"] = float(np.mean(pred == y))
        if finite:
            Y = problem.Y[f.test]
            w = np.full((1, len(y), 1), 1.0 / len(y))
            result["log_loss"] = float(network.loss.weighted(logits[None], Y[None], w,
                                                             out=np.empty((1, *logits.shape)))[0])
        else:
            result["log_loss"] = math.nan
    else:
        assert y_aff is not None
        y = problem.y[f.test]
        pred = logits[:, 0] / y_aff[1][0] + y_aff[0][0]
        sse = float(np.sum((pred - y) ** 2))
        sst = float(np.sum((y - y.mean()) ** 2))
        result["rmse"] = math.sqrt(sse / len(y)) if finite else math.nan
        result["r2"] = (1.0 - sse / sst if sst > 0 else 0.0) if finite else math.nan
    result["diagnostics"] = _diagnostics(problem, f, network, x_aff, y_aff) if finite else None
    return result


def _diagnostics(problem: Problem, f: Fold, network: Any, x_aff: tuple[np.ndarray, np.ndarray],
                 y_aff: tuple[np.ndarray, np.ndarray] | None) -> dict[str, Any]:
    rows = f.train[:DIAGNOSE_ROWS]
    X = (problem.X[rows] - x_aff[0]) * x_aff[1]
    Y = problem.Y[rows]
    if y_aff is not None:
        Y = (Y - y_aff[0]) * y_aff[1]
    with np.errstate(all="ignore"):  # a saturated net may overflow its own statistics
        report = network.diagnose(X, Y)
    return {"dead": [s.dead_fraction for s in report.layers],
            "saturated": [s.saturated_fraction for s in report.layers],
            "grad_ratio": report.grad_ratio}


def _standardise(A: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(mean, 1/std) per column, as scikit-learn's StandardScaler (std 0 -> 1)."""
    mean = A.mean(axis=0)
    std = A.std(axis=0)
    std[std == 0] = 1.0
    return mean, 1.0 / std


def _stack_affine(parts: list[tuple[np.ndarray, np.ndarray]], dtype: type) -> Any:
    from actlab.nn.stacked import Affine

    return Affine(np.stack([p[0] for p in parts]).astype(dtype),
                  np.stack([p[1] for p in parts]).astype(dtype))


def _n_batches(n: int, batch_size: int) -> int:
    return math.ceil(n / batch_size)


def last_batches(folds: Iterable[Fold], batch_size: int) -> dict[int, int]:
    """For each number of batches per epoch, the largest last batch over all folds."""
    out: dict[int, int] = {}
    for f in folds:
        nb = _n_batches(len(f.train), batch_size)
        out[nb] = max(out.get(nb, 0), len(f.train) - (nb - 1) * batch_size)
    return out


# ------------------------------------------------------------------------- the run
@dataclass
class Dropped:
    """An activation the race stopped training."""

    activation: str
    after_repeat: int  # 0-based: dropped once this repeat was done
    p_value: float
    mean: float


@dataclass
class RunState:
    """What a run has so far: fold results by activation, the race's drops, timings."""

    labels: list[str]
    results: dict[str, dict[tuple[int, int], dict[str, Any]]] = field(default_factory=dict)
    dropped: list[Dropped] = field(default_factory=list)
    wall_seconds: float = 0.0
    reused: int = 0  # folds found in the store


Event = Callable[[str, dict[str, Any]], None]


def run(problem: Problem, activations: Sequence[tuple[str, Activation]], settings: Settings, *,
        store: Store | None = None, run_id: str | None = None, jobs: int = 1,
        on_event: Event | None = None, run_info: dict[str, Any] | None = None) -> RunState:
    """Train every activation on every fold (or until the race drops it).

    Args:
        store: where finished folds go, and where already finished ones are found.
        run_id: the store's key for this run (default: from the data and settings).
        jobs: worker processes (1: train in this process).
        on_event: called as ``on_event(kind, info)`` with kind ``"start"`` (total,
            done), ``"folds"`` (activation, results of the folds just finished),
            ``"dropped"`` (a :class:`Dropped`).
        run_info: saved in the store under the run id (how to resume it).
    """
    notify = on_event or (lambda kind, info: None)
    folds = plan_folds(problem.y, settings)
    data_key = fingerprint(problem.X, problem.y)
    cfg_key = config_hash(settings.results_config())
    run_id = run_id or default_run_id(data_key, cfg_key)
    state = RunState([label for label, _ in activations])
    state.results = {label: {} for label in state.labels}
    if store is not None:
        if run_info is not None:
            store.save_run(run_id, run_info)
        for key, result in store.rows(run_id):
            if key.dataset == data_key and key.config == cfg_key and key.activation in state.results:
                state.results[key.activation][(key.repeat, key.fold)] = result
                state.reused += 1
    total = len(folds) * len(activations)
    notify("start", {"total": total, "done": state.reused, "run_id": run_id})
    last = last_batches(folds, settings.batch_size)
    acts = dict(activations)
    start = time.perf_counter()
    alive = list(state.labels)
    rounds = ([[r] for r in range(settings.repeats)] if settings.race
              else [list(range(settings.repeats))])
    for repeats in rounds:
        units = []
        for label in alive:
            for r in repeats:
                todo = [f for f in folds if f.repeat == r and (r, f.fold) not in state.results[label]]
                if todo:
                    units.append((label, todo))
        # the costliest activations first, so the cheap ones fill the gaps at the end
        units.sort(key=lambda u: -cost_rank(acts[u[0]].cost))
        for label, finished in _execute(problem, units, acts, settings, last, jobs):
            for r, k, result in finished:
                state.results[label][(r, k)] = result
                if store is not None:
                    store.add(FoldKey(run_id, data_key, cfg_key, label, r, k), result)
            notify("folds", {"activation": label, "results": finished})
        if settings.race and repeats[0] < settings.repeats - 1:
            for drop in _race(state, alive, settings, repeats[0]):
                alive.remove(drop.activation)
                state.dropped.append(drop)
                notify("dropped", {"dropped": drop})
    state.wall_seconds = time.perf_counter() - start
    return state


def default_run_id(data_key: str, cfg_key: str) -> str:
    """The same data and settings give the same run id, so re-running a command resumes it."""
    return f"{data_key.split(':')[1][:8]}-{cfg_key.split(':')[1][:8]}"


def _execute(problem: Problem, units: list[tuple[str, list[Fold]]], acts: dict[str, Activation],
             settings: Settings, last: dict[int, int], jobs: int
             ) -> Iterable[tuple[str, list[tuple[int, int, dict[str, Any]]]]]:
    if not units:
        return
    if jobs == 1 or len(units) == 1:
        for label, todo in units:
            yield label, train_unit(problem, label, acts[label], todo, settings, last)
        return
    from joblib import Parallel, delayed

    parallel = Parallel(n_jobs=min(jobs, len(units)), return_as="generator_unordered")
    tasks = (delayed(_labelled)(problem, label, acts[label], todo, settings, last)
             for label, todo in units)
    yield from parallel(tasks)


def _labelled(problem: Problem, label: str, act: Activation, todo: list[Fold], settings: Settings,
              last: dict[int, int]) -> tuple[str, list[tuple[int, int, dict[str, Any]]]]:
    return label, train_unit(problem, label, act, todo, settings, last)


def scores(state: RunState, labels: Iterable[str], metric: str, repeats: int | None = None
           ) -> dict[str, list[float]]:
    """Per-fold scores in fold order (repeat, fold), optionally of the first repeats only."""
    out = {}
    for label in labels:
        keys = sorted(k for k in state.results[label] if repeats is None or k[0] < repeats)
        out[label] = [float(state.results[label][k][metric]) for k in keys]
    return out


def fill_diverged(scores: dict[str, list[float]], settings: Settings) -> dict[str, list[float]]:
    """Scores with each diverged fold (NaN) replaced by the worst score any activation got
    on any fold (0 for accuracy): a diverged fold ranks last, yet stays a number the
    paired test can use (an infinite one would make the variance infinite, t = 0 and the
    diverged activation "tied")."""
    finite = [x for v in scores.values() for x in v if np.isfinite(x)]
    if settings.metric == "accuracy" or not finite:
        worst = 0.0 if settings.higher_is_better else math.inf
    else:
        worst = min(finite) if settings.higher_is_better else max(finite)
    return {k: [x if np.isfinite(x) else worst for x in v] for k, v in scores.items()}


def _race(state: RunState, alive: list[str], settings: Settings, repeat: int) -> list[Dropped]:
    if len(alive) < 2:
        return []
    s = fill_diverged(scores(state, alive, settings.metric, repeats=repeat + 1), settings)
    rows = leaderboard(s, n_splits=settings.cv, costs={}, alpha=settings.race_alpha,
                       higher_is_better=settings.higher_is_better)
    return [Dropped(r.activation, repeat, float(r.p_vs_best), r.mean) for r in rows
            if r.p_vs_best is not None and r.p_vs_best < settings.race_alpha]



def _choice(name: str, value: Any, allowed: Sequence[str]) -> None:
    if value not in allowed:
        raise ValueError(f"The {name!r} parameter must be one of {', '.join(allowed)}. "
                         f"Got {value!r} instead.")


def _is_int(v: Any) -> bool:
    return isinstance(v, (int, np.integer)) and not isinstance(v, bool)


def _int(name: str, value: Any, minimum: int) -> None:
    if not _is_int(value) or value < minimum:
        raise ValueError(f"The {name!r} parameter must be an int >= {minimum}. Got {value!r} instead.")


def _positive(name: str, value: Any, zero: bool = False) -> None:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    if not ok or value < 0 or (value == 0 and not zero):
        allowed = ">= 0" if zero else "> 0"
        raise ValueError(f"The {name!r} parameter must be a finite number {allowed}. "
                         f"Got {value!r} instead.")


def _split_top_level(text: str) -> list[str]:
    """Split at commas outside parentheses, so formulas like max(x, 0) survive."""
    parts, depth, current = [], 0, ""
    for ch in text:
        depth += ch == "("
        depth -= ch == ")"
        if ch == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += ch
    parts.append(current)
    return parts


def open_store(out: Path) -> Store:
    out.mkdir(parents=True, exist_ok=True)
    return Store(out / "results.sqlite")
