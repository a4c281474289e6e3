"""Datasets: synthetic problems, scikit-learn's bundled sets, Fashion-MNIST and your tables.

Every loader returns a :class:`Dataset`: ``X`` is a ``float64`` array ``(n, d)``; for
classification ``y`` holds ``int64`` codes ``0 .. k-1`` and ``classes[y]`` are the labels;
for regression ``y`` is ``float64`` and ``classes`` is None.

The registry (:func:`names`, :func:`load`) is the one list of named datasets. The synthetic
ones draw from an explicit, keyword-only ``rng`` (a :class:`numpy.random.Generator`); the
others are fixed and ignore it. :func:`load_table` reads your own CSV or Parquet file, and
:func:`check_cv` says whether a dataset can be split into cross-validation folds.

>>> import numpy as np
>>> from actlab import data
>>> data.names()
['blobs', 'breast_cancer', 'checkerboard', 'circles', 'diabetes', 'digits', 'fashion_mnist',
 'iris', 'moons', 'sine', 'spirals', 'wine', 'xor']
>>> data.load("iris")
Dataset(name='iris', task='classification', n_samples=150, n_features=4, target='species', n_classes=3)
>>> ds = data.load("two-moons", rng=np.random.default_rng(0), n_samples=100)
>>> ds.X.shape, ds.X.dtype, np.bincount(ds.y).tolist()
((100, 2), dtype('float64'), [50, 50])
"""

from __future__ import annotations

import gzip
import inspect
import math
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np

from actlab.registry import lookup

Task = Literal["classification", "regression"]
TASKS: tuple[str, ...] = ("classification", "regression")

# load_table calls an integer-valued numeric target a class label when it has at most this
# many distinct values, and at least two rows per distinct value on average.
MAX_AUTO_CLASSES = 20


@dataclass(frozen=True, eq=False, repr=False)
class Dataset:
    """A supervised dataset: features ``X``, target ``y`` and what they mean.

    Args:
        X: ``float64`` array ``(n_samples, n_features)``.
        y: ``(n_samples,)``; ``int64`` class codes ``0 .. len(classes)-1`` for
            classification, ``float64`` for regression.
        task: ``"classification"`` or ``"regression"``.
        name: the dataset's name (the registry name, or a table file's stem).
        feature_names: one name per column of ``X``.
        target_name: what ``y`` is.
        classes: the class labels (``classes[y]`` are ``y``'s labels); None for regression.
    """

    X: np.ndarray
    y: np.ndarray
    task: Task
    name: str
    feature_names: tuple[str, ...]
    target_name: str
    classes: np.ndarray | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "feature_names", tuple(str(f) for f in self.feature_names))
        X, y, where = self.X, self.y, f"Dataset {self.name!r}"
        if not isinstance(X, np.ndarray) or X.ndim != 2 or X.dtype != np.float64:
            got = f"{X.dtype} of shape {X.shape}" if isinstance(X, np.ndarray) else type(X).__name__
            raise ValueError(f"{where}: X must be a 2-D float64 array. Got {got} instead.")
        if not isinstance(y, np.ndarray) or y.shape != (len(X),):
            got = f"shape {y.shape}" if isinstance(y, np.ndarray) else type(y).__name__
            raise ValueError(f"{where}: y must be a 1-D array of {len(X)} values (one per row "
                             f"of X). Got {got} instead.")
        if len(self.feature_names) != X.shape[1]:
            raise ValueError(f"{where}: feature_names must name the {X.shape[1]} columns of X. "
                             f"Got {len(self.feature_names)} names instead.")
        if self.task not in TASKS:
            raise ValueError(f"{where}: task must be 'classification' or 'regression'. "
                             f"Got {self.task!r} instead.")
        if self.task == "regression":
            if self.classes is not None or y.dtype != np.float64:
                raise ValueError(f"{where}: a regression dataset has a float64 y and classes=None. "
                                 f"Got y of {y.dtype} and classes={self.classes!r} instead.")
            return
        if self.classes is None or y.dtype != np.int64:
            raise ValueError(f"{where}: a classification dataset has int64 class codes in y and "
                             f"its labels in classes. Got y of {y.dtype} and classes=None instead.")
        if len(y) and (y.min() < 0 or y.max() >= len(self.classes)):
            raise ValueError(f"{where}: y must hold class codes 0 .. {len(self.classes) - 1}. "
                             f"Got values {y.min()} .. {y.max()} instead.")

    @property
    def n_samples(self) -> int:
        return self.X.shape[0]

    @property
    def n_features(self) -> int:
        return self.X.shape[1]

    @property
    def n_classes(self) -> int | None:
        """How many classes (None for regression)."""
        return None if self.classes is None else len(self.classes)

    def __repr__(self) -> str:
        tail = "" if self.classes is None else f", n_classes={len(self.classes)}"
        return (f"Dataset(name={self.name!r}, task={self.task!r}, n_samples={self.n_samples}, "
                f"n_features={self.n_features}, target={self.target_name!r}{tail})")


# ----------------------------------------------------------------------------------
# The registry.
# ----------------------------------------------------------------------------------
_BY_NAME: dict[str, Callable[..., Dataset]] = {}
_ALIASES: dict[str, str] = {
    "two_moons": "moons", "spiral": "spirals", "checkers": "checkerboard", "sin": "sine",
    "cancer": "breast_cancer", "fmnist": "fashion_mnist", "fashion": "fashion_mnist",
}


def _register(fn: Callable[..., Dataset]) -> Callable[..., Dataset]:
    _BY_NAME[fn.__name__] = fn
    return fn


def names() -> list[str]:
    """Sorted names of every dataset :func:`load` knows."""
    return sorted(_BY_NAME)


def is_synthetic(name: str) -> bool:
    """Whether the dataset ``name`` is drawn at random (its loader takes ``rng``).

    >>> is_synthetic("xor"), is_synthetic("iris")
    (True, False)
    """
    return "rng" in inspect.signature(_BY_NAME[lookup("dataset", name, _BY_NAME, _ALIASES)]).parameters


def load(name: str, *, rng: np.random.Generator | None = None, **kwargs: Any) -> Dataset:
    """The dataset ``name`` (case, '-' and '_' alike; aliases such as 'two_moons' resolved).

    Args:
        name: one of :func:`names`.
        rng: required by the synthetic datasets; the fixed ones ignore it, so a caller may
            pass one to every dataset.
        **kwargs: the loader's own parameters (``n_samples``, ``noise``, ...).

    Unknown names raise a one-line ValueError suggesting the closest known ones.
    """
    key = lookup("dataset", name, _BY_NAME, _ALIASES)
    loader = _BY_NAME[key]
    if not is_synthetic(key):
        return loader(**kwargs)
    if rng is None:
        raise TypeError(f"dataset {key!r} is synthetic and needs rng: "
                        f"load({key!r}, rng=np.random.default_rng(seed)).")
    return loader(rng=rng, **kwargs)


# ----------------------------------------------------------------------------------
# Parameter checks at the boundary.
# ----------------------------------------------------------------------------------
def _check_rng(owner: str, rng: Any) -> np.random.Generator:
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"The 'rng' parameter of {owner} must be a numpy.random.Generator "
                        f"(e.g. np.random.default_rng(0)). Got {type(rng).__name__} instead.")
    return rng


def _check_int(owner: str, name: str, value: Any, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"The {name!r} parameter of {owner} must be an int >= {minimum}. "
                         f"Got {value!r} instead.")
    return int(value)


def _check_real(owner: str, name: str, value: Any, ok: Callable[[float], bool], allowed: str) -> float:
    if (isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating))
            or not math.isfinite(value) or not ok(value)):
        raise ValueError(f"The {name!r} parameter of {owner} must be {allowed}. Got {value!r} instead.")
    return float(value)


def _check_noise(owner: str, noise: Any) -> float:
    return _check_real(owner, "noise", noise, lambda v: v >= 0, "a real number >= 0")


def _seed(rng: np.random.Generator) -> int:
    """A scikit-learn ``random_state`` drawn from ``rng``."""
    return int(rng.integers(2**31))


def _synthetic(name: str, X: np.ndarray, y: np.ndarray, n_classes: int) -> Dataset:
    return Dataset(X.astype(np.float64), y.astype(np.int64), "classification", name,
                   tuple(f"x{j + 1}" for j in range(X.shape[1])), "label", np.arange(n_classes))


def _round_robin(rng: np.random.Generator, n_samples: int, k: int) -> np.ndarray:
    """Group indices 0 .. k-1, as equal in size as possible, in random order."""
    return rng.permutation(np.arange(n_samples) % k)


# ----------------------------------------------------------------------------------
# Synthetic datasets.
# ----------------------------------------------------------------------------------
@_register
def xor(*, rng: np.random.Generator, n_samples: int = 400, noise: float = 0.3) -> Dataset:
    """Four Gaussian blobs at the corners ``(+-1, +-1)``; the label is ``(x1 > 0) XOR (x2 > 0)``.

    No line separates the classes, so a linear model scores about 0.5.

    Args:
        rng: draws the points.
        n_samples: split as evenly as possible between the four corners.
        noise: the standard deviation of each blob.

    >>> import numpy as np
    >>> ds = xor(rng=np.random.default_rng(0), n_samples=8)
    >>> ds.X.shape, np.bincount(ds.y).tolist(), ds.feature_names
    ((8, 2), [4, 4], ('x1', 'x2'))
    """
    _check_rng("xor", rng)
    n_samples = _check_int("xor", "n_samples", n_samples, 2)
    noise = _check_noise("xor", noise)
    corner = _round_robin(rng, n_samples, 4)
    signs = np.stack([corner % 2, corner // 2], axis=1)  # corner c is at (c % 2, c // 2) -> +-1
    X = (2.0 * signs - 1.0) + noise * rng.standard_normal((n_samples, 2))
    return _synthetic("xor", X, signs[:, 0] ^ signs[:, 1], 2)


@_register
def moons(*, rng: np.random.Generator, n_samples: int = 400, noise: float = 0.1) -> Dataset:
    """Two interleaving half circles (:func:`sklearn.datasets.make_moons`).

    Args:
        rng: draws scikit-learn's ``random_state``.
        n_samples: split evenly between the moons.
        noise: the standard deviation of Gaussian noise added to the points.
    """
    from sklearn.datasets import make_moons

    _check_rng("moons", rng)
    n_samples = _check_int("moons", "n_samples", n_samples, 2)
    X, y = make_moons(n_samples, noise=_check_noise("moons", noise), random_state=_seed(rng))
    return _synthetic("moons", X, y, 2)


@_register
def circles(*, rng: np.random.Generator, n_samples: int = 400, noise: float = 0.05,
            factor: float = 0.5) -> Dataset:
    """A small circle (class 1) inside a large one (:func:`sklearn.datasets.make_circles`).

    Args:
        rng: draws scikit-learn's ``random_state``.
        n_samples: split evenly between the circles.
        noise: the standard deviation of Gaussian noise added to the points.
        factor: the inner radius over the outer one, in (0, 1).
    """
    from sklearn.datasets import make_circles

    _check_rng("circles", rng)
    n_samples = _check_int("circles", "n_samples", n_samples, 2)
    noise = _check_noise("circles", noise)
    factor = _check_real("circles", "factor", factor, lambda v: 0 < v < 1, "a real number in (0, 1)")
    X, y = make_circles(n_samples, noise=noise, factor=factor, random_state=_seed(rng))
    return _synthetic("circles", X, y, 2)


@_register
def blobs(*, rng: np.random.Generator, n_samples: int = 400, noise: float = 1.0,
          n_classes: int = 3, n_features: int = 2) -> Dataset:
    """Isotropic Gaussian blobs, one per class (:func:`sklearn.datasets.make_blobs`).

    Args:
        rng: draws scikit-learn's ``random_state`` (and so the centres, in [-10, 10]^d).
        n_samples: split evenly between the blobs.
        noise: the standard deviation of each blob.
        n_classes: how many blobs.
        n_features: the dimension.
    """
    from sklearn.datasets import make_blobs

    _check_rng("blobs", rng)
    n_classes = _check_int("blobs", "n_classes", n_classes, 2)
    n_samples = _check_int("blobs", "n_samples", n_samples, n_classes)
    n_features = _check_int("blobs", "n_features", n_features, 1)
    X, y = make_blobs(n_samples, n_features=n_features, centers=n_classes,
                      cluster_std=_check_noise("blobs", noise), random_state=_seed(rng))
    return _synthetic("blobs", X, y, n_classes)


@_register
def spirals(*, rng: np.random.Generator, n_samples: int = 400, noise: float = 0.05,
            n_classes: int = 2, turns: float = 1.0) -> Dataset:
    r"""``n_classes`` interleaved spiral arms, one per class.

    A point of class ``k`` at radius :math:`r \sim U(0, 1)` sits at angle
    :math:`2\pi(\text{turns} \cdot r + k / n_\text{classes})`, then Gaussian noise is added.

    Args:
        rng: draws the points.
        n_samples: split as evenly as possible between the arms.
        noise: the standard deviation of the noise (the outer radius is 1).
        n_classes: how many arms.
        turns: how many times each arm winds around the centre.

    >>> import numpy as np
    >>> ds = spirals(rng=np.random.default_rng(0), n_samples=300, n_classes=3)
    >>> ds.X.shape, np.bincount(ds.y).tolist(), bool(np.abs(ds.X).max() < 1.5)
    ((300, 2), [100, 100, 100], True)
    """
    _check_rng("spirals", rng)
    n_classes = _check_int("spirals", "n_classes", n_classes, 2)
    n_samples = _check_int("spirals", "n_samples", n_samples, n_classes)
    noise = _check_noise("spirals", noise)
    turns = _check_real("spirals", "turns", turns, lambda v: v > 0, "a real number > 0")
    y = _round_robin(rng, n_samples, n_classes)
    r = rng.uniform(0.0, 1.0, n_samples)
    angle = 2 * np.pi * (turns * r + y / n_classes)
    X = r[:, None] * np.stack([np.cos(angle), np.sin(angle)], axis=1)
    return _synthetic("spirals", X + noise * rng.standard_normal(X.shape), y, n_classes)


@_register
def checkerboard(*, rng: np.random.Generator, n_samples: int = 400, noise: float = 0.0,
                 cells: int = 4) -> Dataset:
    """Uniform points in the square [-1, 1]^2 cut into ``cells x cells``; the label is the
    parity of the cell, ``(i + j) % 2``.

    Args:
        rng: draws the points.
        n_samples: how many points (the classes are balanced only on average).
        noise: the standard deviation of Gaussian jitter added after labelling, in units of
            a cell's side.
        cells: cells per side (>= 2).
    """
    _check_rng("checkerboard", rng)
    n_samples = _check_int("checkerboard", "n_samples", n_samples, 2)
    noise = _check_noise("checkerboard", noise)
    cells = _check_int("checkerboard", "cells", cells, 2)
    X = rng.uniform(-1.0, 1.0, (n_samples, 2))
    # NOTE: clip, because uniform's upper end maps to cell index == cells if it is ever hit.
    ij = np.minimum(((X + 1.0) * (cells / 2)).astype(np.int64), cells - 1)
    X += noise * (2.0 / cells) * rng.standard_normal(X.shape)
    return _synthetic("checkerboard", X, ij.sum(axis=1) % 2, 2)


@_register
def sine(*, rng: np.random.Generator, n_samples: int = 200, noise: float = 0.1,
         n_features: int = 1, x_max: float = math.pi) -> Dataset:
    r"""Regression: :math:`y = \sum_j \sin(x_j) + \varepsilon`, with :math:`x \sim U(-x_{max},
    x_{max})^d` and :math:`\varepsilon \sim N(0, \text{noise}^2)`.

    Args:
        rng: draws the points and the noise.
        n_samples: how many points.
        noise: the standard deviation of the noise on ``y``.
        n_features: the dimension ``d``.
        x_max: the half-width of the input range.

    >>> import numpy as np
    >>> ds = sine(rng=np.random.default_rng(0), n_samples=50, noise=0.0)
    >>> ds.task, ds.X.shape, bool(np.allclose(ds.y, np.sin(ds.X[:, 0]))), ds.classes
    ('regression', (50, 1), True, None)
    """
    _check_rng("sine", rng)
    n_samples = _check_int("sine", "n_samples", n_samples, 1)
    noise = _check_noise("sine", noise)
    n_features = _check_int("sine", "n_features", n_features, 1)
    x_max = _check_real("sine", "x_max", x_max, lambda v: v > 0, "a real number > 0")
    X = rng.uniform(-x_max, x_max, (n_samples, n_features))
    y = np.sin(X).sum(axis=1) + noise * rng.standard_normal(n_samples)
    return Dataset(X, y, "regression", "sine", tuple(f"x{j + 1}" for j in range(n_features)), "y")


# ----------------------------------------------------------------------------------
# scikit-learn's bundled datasets (no download), as scikit-learn ships them.
# ----------------------------------------------------------------------------------
def _bundled(name: str, target_name: str) -> Dataset:
    from sklearn import datasets

    bunch = getattr(datasets, f"load_{name}")()
    X = np.asarray(bunch.data, dtype=np.float64)
    if "target_names" not in bunch:
        return Dataset(X, bunch.target.astype(np.float64), "regression", name,
                       tuple(bunch.feature_names), target_name)
    return Dataset(X, bunch.target.astype(np.int64), "classification", name,
                   tuple(bunch.feature_names), target_name, np.asarray(bunch.target_names))


@_register
def iris() -> Dataset:
    """Fisher's iris: 150 flowers, 4 measurements (cm), 3 species."""
    return _bundled("iris", "species")


@_register
def wine() -> Dataset:
    """178 wines, 13 chemical measurements, 3 cultivars."""
    return _bundled("wine", "cultivar")


@_register
def breast_cancer() -> Dataset:
    """Wisconsin diagnostic breast cancer: 569 tumours, 30 features, malignant or benign."""
    return _bundled("breast_cancer", "diagnosis")


@_register
def digits() -> Dataset:
    """1797 handwritten digits, 8x8 pixels with values 0 .. 16, 10 classes.

    >>> ds = digits()
    >>> ds.X.shape, float(ds.X.max()), ds.classes.tolist()
    ((1797, 64), 16.0, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    """
    return _bundled("digits", "digit")


@_register
def diabetes() -> Dataset:
    """442 patients, 10 baseline variables (centred and scaled by scikit-learn); regression
    target: disease progression one year after baseline."""
    return _bundled("diabetes", "progression")


# ----------------------------------------------------------------------------------
# Fashion-MNIST, from Debian's dataset-fashion-mnist package.
# ----------------------------------------------------------------------------------
FASHION_MNIST_DIR = "/usr/share/datasets/fashion-mnist"
FASHION_MNIST_CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal",
                         "Shirt", "Sneaker", "Bag", "Ankle boot")
_FASHION_FILES = {"train": "train", "test": "t10k"}
# The IDX type byte -> its big-endian NumPy dtype.
_IDX_DTYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def _read_idx(path: Path, count: int | None = None) -> np.ndarray:
    """The first ``count`` items (all if None) of a gzipped IDX file.

    IDX: two zero bytes, a type byte, the number of dimensions ``k``, ``k`` big-endian
    uint32 sizes, then the data in C order.
    """
    try:
        with gzip.open(path, "rb") as f:
            head = f.read(4)
            if len(head) < 4 or head[:2] != b"\0\0" or head[2] not in _IDX_DTYPES or head[3] == 0:
                raise ValueError(f"{path} is not an IDX file (it starts with bytes {head.hex()}).")
            dims = np.frombuffer(f.read(4 * head[3]), dtype=">u4").astype(np.int64)
            if len(dims) < head[3]:
                raise ValueError(f"{path} is truncated inside its IDX header.")
            n = int(dims[0]) if count is None else min(count, int(dims[0]))
            dtype = np.dtype(_IDX_DTYPES[head[2]])
            want = n * int(np.prod(dims[1:])) * dtype.itemsize
            raw = f.read(want)
    except (OSError, EOFError) as err:  # not gzip, or the gzip stream ends early
        raise ValueError(f"{path} is not a readable gzip file: {err}.") from None
    if len(raw) < want:
        raise ValueError(f"{path} is truncated: its header promises {want} bytes for {n} items, "
                         f"the file has {len(raw)}.")
    return np.frombuffer(raw, dtype=dtype).reshape(n, *dims[1:])


@_register
def fashion_mnist(subset: str = "train", n_samples: int | None = None) -> Dataset:
    """Zalando's Fashion-MNIST: 28x28 grey images of clothes, 10 classes, pixels scaled to
    [0, 1] (X is ``(n, 784)``, row-major; feature ``pixel_r_c`` is row r, column c).

    Read from Debian's ``dataset-fashion-mnist`` package (gzipped IDX files in
    ``/usr/share/datasets/fashion-mnist``), or from the directory in the environment
    variable ``ACTLAB_FASHION_MNIST_DIR``.

    Args:
        subset: ``"train"`` (60000 images) or ``"test"`` (10000).
        n_samples: read only the first ``n_samples`` images (the files are in no class
            order); None reads them all.
    """
    if subset not in _FASHION_FILES:
        raise ValueError(f"The 'subset' parameter of fashion_mnist must be one of 'train', "
                         f"'test'. Got {subset!r} instead.")
    if n_samples is not None:
        n_samples = _check_int("fashion_mnist", "n_samples", n_samples, 1)
    directory = Path(os.environ.get("ACTLAB_FASHION_MNIST_DIR") or FASHION_MNIST_DIR)
    stem = _FASHION_FILES[subset]
    images_path = directory / f"{stem}-images-idx3-ubyte.gz"
    labels_path = directory / f"{stem}-labels-idx1-ubyte.gz"
    missing = [p.name for p in (images_path, labels_path) if not p.is_file()]
    if missing:
        raise FileNotFoundError(f"fashion_mnist needs Debian's dataset-fashion-mnist package "
                                f"(apt-get install dataset-fashion-mnist); looked in {directory} "
                                f"(no {', '.join(missing)}).")
    images, labels = _read_idx(images_path, n_samples), _read_idx(labels_path, n_samples)
    if images.ndim != 3 or labels.ndim != 1:
        raise ValueError(f"{images_path} must hold images (n, rows, cols) and {labels_path} "
                         f"labels (n,). Got shapes {images.shape} and {labels.shape} instead.")
    if len(images) != len(labels):
        raise ValueError(f"{images_path} has {len(images)} images but {labels_path} has "
                         f"{len(labels)} labels.")
    if n_samples is not None and len(images) < n_samples:
        raise ValueError(f"n_samples={n_samples} is more than the {len(images)} images of "
                         f"fashion_mnist's {subset!r} subset.")
    if len(labels) and not 0 <= labels.min() <= labels.max() < len(FASHION_MNIST_CLASSES):
        raise ValueError(f"{labels_path} has labels outside 0 .. 9 "
                         f"({labels.min()} .. {labels.max()}).")
    _, rows, cols = images.shape
    # NOTE: scale in float64; uint8 / 255 keeps the exact grid k / 255.
    X = images.reshape(len(images), rows * cols).astype(np.float64) / 255.0
    pixels = tuple(f"pixel_{r}_{c}" for r in range(rows) for c in range(cols))
    return Dataset(X, labels.astype(np.int64), "classification", "fashion_mnist", pixels, "label",
                   np.asarray(FASHION_MNIST_CLASSES))


# ----------------------------------------------------------------------------------
# Your own tables.
# ----------------------------------------------------------------------------------
def _nonfinite(nan: np.ndarray, inf: np.ndarray) -> str:
    """'3 missing or infinite values (2 NaN, 1 inf)' for boolean masks of the bad cells."""
    n_nan, n_inf = int(nan.sum()), int(inf.sum())
    return f"{n_nan + n_inf} missing or infinite value{'s' * (n_nan + n_inf != 1)} ({n_nan} NaN, {n_inf} inf)"


def _label(value: Any) -> Any:
    """A class label as a plain Python value, for messages ('b', 3)."""
    return value.item() if isinstance(value, np.generic) else value


def detect_task(values: Any) -> Task:
    """The task a target column implies.

    Classification if the values are not numbers (strings, categories, booleans), or are
    integer-valued with at most :data:`MAX_AUTO_CLASSES` (20) distinct values and at least
    two rows per distinct value on average; regression otherwise.

    >>> detect_task(["cat", "dog", "cat"]), detect_task([0, 1, 1, 0]), detect_task([0.5, 1.5])
    ('classification', 'classification', 'regression')
    """
    import pandas as pd

    series = pd.Series(values)
    if not pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series):
        return "classification"
    v = series.to_numpy(dtype=np.float64, na_value=np.nan)
    v = v[np.isfinite(v)]
    k = len(np.unique(v))
    integer_valued = bool(np.all(v == np.round(v)))
    return "classification" if integer_valued and k <= MAX_AUTO_CLASSES and 2 * k <= len(v) else "regression"


def _read_table(path: Path) -> Any:
    import pandas as pd

    readers = {".csv": pd.read_csv, ".parquet": pd.read_parquet}
    if not path.is_file():
        raise FileNotFoundError(f"no such table file: {path}")
    suffix = path.suffix.lower()
    if suffix not in readers:
        raise ValueError(f"unsupported table format {path.suffix or '(no suffix)'!r} for {path}; "
                         f"load_table reads {', '.join(readers)}.")
    try:
        frame = readers[suffix](path)
    except ValueError as err:  # pandas' EmptyDataError, ParserError and pyarrow's errors are ValueErrors
        first_line = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise ValueError(f"cannot read {path} as {suffix[1:]}: {first_line}") from None
    if frame.shape[0] == 0:
        raise ValueError(f"{path} has no rows.")
    frame.columns = [str(c) for c in frame.columns]
    return frame


def load_table(path: str | os.PathLike[str], *, target: str | None = None,
               task: Task | None = None) -> Dataset:
    """A dataset from a CSV or Parquet file: one row per sample, numeric feature columns.

    Args:
        path: a ``.csv`` or ``.parquet`` file (CSV with a header row).
        target: the target column; default the last one. Every other column is a feature.
        task: ``"classification"`` or ``"regression"``; None detects it with
            :func:`detect_task`. Class labels become codes ``0 .. k-1`` in sorted order,
            with the labels in ``classes``.

    Every problem raises a one-line ValueError (FileNotFoundError for a missing file) that
    names it: the column, the count, the first bad row (0-based, header not counted).

    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "toy.csv"
    >>> _ = path.write_text("a,b,kind\\n0.1,2,cat\\n0.3,1,dog\\n0.2,2,cat\\n0.5,1,dog\\n")
    >>> ds = load_table(path)
    >>> ds, ds.y.tolist(), ds.classes.tolist()
    (Dataset(name='toy', task='classification', n_samples=4, n_features=2, target='kind', n_classes=2),
     [0, 1, 0, 1], ['cat', 'dog'])
    """
    import pandas as pd

    path = Path(path)
    if task is not None and task not in TASKS:
        raise ValueError(f"The 'task' parameter of load_table must be one of 'classification', "
                         f"'regression' or None. Got {task!r} instead.")
    frame = _read_table(path)
    columns = list(frame.columns)
    target = columns[-1] if target is None else target
    if target not in columns:
        raise ValueError(f"target column {target!r} is not in {path}; its columns are "
                         f"{', '.join(repr(c) for c in columns)}.")
    features = [c for c in columns if c != target]
    if not features:
        raise ValueError(f"{path} has only the target column {target!r}; it needs at least one "
                         f"feature column.")

    non_numeric = [c for c in features if not pd.api.types.is_numeric_dtype(frame[c])
                   or pd.api.types.is_complex_dtype(frame[c])]
    if non_numeric:
        raise ValueError(f"non-numeric feature columns in {path}: "
                         f"{', '.join(f'{c!r} ({frame[c].dtype})' for c in non_numeric)}; "
                         f"encode them as numbers or drop them.")
    X = frame[features].to_numpy(dtype=np.float64, na_value=np.nan)
    nan, inf = np.isnan(X), np.isinf(X)
    if nan.any() or inf.any():
        bad = nan | inf
        cols = [repr(features[j]) for j in np.flatnonzero(bad.any(axis=0))]
        raise ValueError(f"features of {path} have {_nonfinite(nan, inf)} in column"
                         f"{'s' * (len(cols) > 1)} {', '.join(cols)}; "
                         f"first at row {int(np.flatnonzero(bad.any(axis=1))[0])}.")

    column = frame[target]
    numeric = pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_complex_dtype(column)
    nan = column.isna().to_numpy()
    inf = np.isinf(column.to_numpy(dtype=np.float64, na_value=np.nan)) if numeric else np.zeros_like(nan)
    if nan.any() or inf.any():
        raise ValueError(f"target column {target!r} of {path} has {_nonfinite(nan, inf)}; "
                         f"first at row {int(np.flatnonzero(nan | inf)[0])}.")
    task = detect_task(column) if task is None else task

    if task == "regression":
        if not numeric or pd.api.types.is_bool_dtype(column):
            raise ValueError(f"task='regression' needs a numeric target; column {target!r} of "
                             f"{path} is {column.dtype}.")
        y = column.to_numpy(dtype=np.float64)
        if np.all(y == y[0]):
            raise ValueError(f"target column {target!r} of {path} is constant (every row is "
                             f"{y[0]:g}); regression needs a target that varies.")
        return Dataset(X, y, "regression", path.stem, tuple(features), target)

    labels = column.to_numpy() if numeric else column.astype(str).to_numpy(dtype=str)
    classes, codes = np.unique(labels, return_inverse=True)
    if len(classes) < 2:
        raise ValueError(f"target column {target!r} of {path} has only 1 class "
                         f"({_label(classes[0])!r}); classification needs at least 2 classes.")
    return Dataset(X, codes.astype(np.int64), "classification", path.stem, tuple(features),
                   target, classes)


def check_cv(dataset: Dataset, n_splits: int) -> None:
    """Raise a one-line ValueError if ``dataset`` cannot be cut into ``n_splits`` folds.

    Every fold needs a sample, and for classification (stratified folds) every class present
    needs at least ``n_splits`` samples, one per fold. Classes declared but absent from ``y``
    are not counted.
    """
    if isinstance(n_splits, bool) or not isinstance(n_splits, (int, np.integer)) or n_splits < 2:
        raise ValueError(f"The 'n_splits' parameter of check_cv must be an int >= 2. "
                         f"Got {n_splits!r} instead.")
    if dataset.n_samples < n_splits:
        raise ValueError(f"dataset {dataset.name!r} has {dataset.n_samples} samples, fewer than "
                         f"the {n_splits} folds.")
    if dataset.classes is None:
        return
    counts = np.bincount(dataset.y, minlength=len(dataset.classes))
    short = [(dataset.classes[i], int(c)) for i, c in enumerate(counts) if 0 < c < n_splits]
    if not short:
        return
    fewest = min(c for _, c in short)
    hint = (f"use n_splits <= {fewest}" if fewest >= 2 else
            "drop or merge the classes with a single sample")
    which = " and ".join(f"class {_label(label)!r} has {c} sample{'s' * (c != 1)}" for label, c in short)
    raise ValueError(f"{which}, fewer than the {n_splits} folds of {dataset.name!r}; {hint}.")
