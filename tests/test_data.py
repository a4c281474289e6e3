"""actlab.data: every registered dataset, the Fashion-MNIST reader, tables and their errors."""

from __future__ import annotations

import gzip
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.svm import SVC, SVR

from actlab import data
from actlab.data import Dataset

SYNTHETIC = [name for name in data.names() if data.is_synthetic(name)]
FIXED = [name for name in data.names() if not data.is_synthetic(name)]
FASHION_INSTALLED = Path(data.FASHION_MNIST_DIR, "t10k-images-idx3-ubyte.gz").is_file()


def message(exc: type[Exception], fn: Callable[..., Any], *args: Any, **kwargs: Any) -> str:
    """The text of the exception ``fn(*args, **kwargs)`` raises, checked to be one line."""
    with pytest.raises(exc) as info:
        fn(*args, **kwargs)
    text = str(info.value)
    assert "\n" not in text
    return text


def rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


def small(name: str, seed: int = 0, **kwargs: Any) -> Dataset:
    """A quick instance of any registered dataset (Fashion-MNIST: its first 200 images)."""
    if name == "fashion_mnist":
        kwargs.setdefault("n_samples", 200)
    return data.load(name, rng=rng(seed), **kwargs)


# ----------------------------------------------------------------------------------
# Every dataset.
# ----------------------------------------------------------------------------------
@pytest.mark.parametrize("name", data.names())
def test_every_dataset_is_a_valid_dataset(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ACTLAB_FASHION_MNIST_DIR", raising=False)
    if name == "fashion_mnist" and not FASHION_INSTALLED:
        pytest.skip("Debian's dataset-fashion-mnist is not installed")
    ds = small(name)
    assert ds.name == name
    assert ds.X.dtype == np.float64 and ds.X.ndim == 2 and np.isfinite(ds.X).all()
    assert ds.y.shape == (ds.n_samples,) and ds.n_samples > 0
    assert len(ds.feature_names) == ds.n_features and all(isinstance(f, str) for f in ds.feature_names)
    assert isinstance(ds.target_name, str) and ds.target_name
    if ds.task == "classification":
        assert ds.y.dtype == np.int64 and ds.n_classes is not None and ds.n_classes >= 2
        assert 0 <= ds.y.min() and ds.y.max() < ds.n_classes
        assert len(np.unique(ds.classes)) == ds.n_classes
    else:
        assert ds.task == "regression" and ds.y.dtype == np.float64 and ds.classes is None
    assert repr(ds).startswith(f"Dataset(name={name!r}, task={ds.task!r}, n_samples={ds.n_samples}")
    with pytest.raises(AttributeError):
        ds.name = "other"  # type: ignore[misc]


def test_names_are_sorted_and_split_into_synthetic_and_fixed() -> None:
    assert data.names() == sorted(data.names())
    assert SYNTHETIC == ["blobs", "checkerboard", "circles", "moons", "sine", "spirals", "xor"]
    assert FIXED == ["breast_cancer", "diabetes", "digits", "fashion_mnist", "iris", "wine"]


# ----------------------------------------------------------------------------------
# Synthetic datasets.
# ----------------------------------------------------------------------------------
@pytest.mark.parametrize("name", SYNTHETIC)
def test_synthetic_is_determined_by_the_seed(name: str) -> None:
    a, b, c = small(name, 7), small(name, 7), small(name, 8)
    np.testing.assert_array_equal(a.X, b.X)
    np.testing.assert_array_equal(a.y, b.y)
    assert not np.array_equal(a.X, c.X)


@pytest.mark.parametrize("name", SYNTHETIC)
def test_synthetic_sizes_and_default_rng_use(name: str) -> None:
    ds = data.load(name, rng=rng(), n_samples=123)
    assert ds.X.shape[0] == 123 and ds.y.shape == (123,)
    generator = rng(3)
    first, second = data.load(name, rng=generator), data.load(name, rng=generator)
    assert not np.array_equal(first.X, second.X)  # the generator advances


@pytest.mark.parametrize("name", SYNTHETIC)
def test_synthetic_needs_an_explicit_generator(name: str) -> None:
    loader = getattr(data, name)
    assert "'rng'" in message(TypeError, loader)
    assert message(TypeError, loader, rng=0) == (
        f"The 'rng' parameter of {name} must be a numpy.random.Generator "
        f"(e.g. np.random.default_rng(0)). Got int instead.")
    assert message(TypeError, data.load, name) == (
        f"dataset {name!r} is synthetic and needs rng: "
        f"load({name!r}, rng=np.random.default_rng(seed)).")


@pytest.mark.parametrize("name", SYNTHETIC)
def test_synthetic_rejects_bad_sizes_and_noise(name: str) -> None:
    assert message(ValueError, data.load, name, rng=rng(), n_samples=0).startswith(
        f"The 'n_samples' parameter of {name} must be an int >= ")
    assert message(ValueError, data.load, name, rng=rng(), n_samples=10.0).endswith("Got 10.0 instead.")
    for noise in (-0.1, float("nan"), "0.1"):
        assert message(ValueError, data.load, name, rng=rng(), noise=noise) == (
            f"The 'noise' parameter of {name} must be a real number >= 0. Got {noise!r} instead.")


@pytest.mark.parametrize(("name", "kwargs", "text"), [
    ("circles", {"factor": 1.0}, "The 'factor' parameter of circles must be a real number in (0, 1). "
                                 "Got 1.0 instead."),
    ("spirals", {"n_classes": 1}, "The 'n_classes' parameter of spirals must be an int >= 2. Got 1 instead."),
    ("spirals", {"turns": 0}, "The 'turns' parameter of spirals must be a real number > 0. Got 0 instead."),
    ("blobs", {"n_classes": 5, "n_samples": 4},
     "The 'n_samples' parameter of blobs must be an int >= 5. Got 4 instead."),
    ("blobs", {"n_features": 0}, "The 'n_features' parameter of blobs must be an int >= 1. Got 0 instead."),
    ("checkerboard", {"cells": 1},
     "The 'cells' parameter of checkerboard must be an int >= 2. Got 1 instead."),
    ("sine", {"x_max": -1.0}, "The 'x_max' parameter of sine must be a real number > 0. Got -1.0 instead."),
])
def test_synthetic_rejects_bad_shape_parameters(name: str, kwargs: dict[str, Any], text: str) -> None:
    assert message(ValueError, data.load, name, rng=rng(), **kwargs) == text


@pytest.mark.parametrize(("name", "kwargs"), [
    ("xor", {"n_samples": 402}), ("moons", {"n_samples": 402}), ("circles", {"n_samples": 402}),
    ("blobs", {"n_samples": 402, "n_classes": 4}), ("spirals", {"n_samples": 402, "n_classes": 3}),
])
def test_classes_are_balanced(name: str, kwargs: dict[str, Any]) -> None:
    counts = np.bincount(data.load(name, rng=rng(), **kwargs).y)
    assert counts.max() - counts.min() <= 1 and counts.sum() == 402


def test_checkerboard_labels_are_the_cell_parity_and_roughly_balanced() -> None:
    ds = data.checkerboard(rng=rng(), n_samples=4000, cells=3)
    assert np.all(np.abs(ds.X) <= 1)
    i, j = np.floor((ds.X + 1) * 1.5).T
    np.testing.assert_array_equal(ds.y, (i + j) % 2)
    assert abs(ds.y.mean() - 4 / 9) < 0.03  # 4 of the 9 cells are class 1
    assert abs(data.checkerboard(rng=rng(), n_samples=4000).y.mean() - 0.5) < 0.03
    jittered = data.checkerboard(rng=rng(), n_samples=4000, cells=3, noise=0.5)
    np.testing.assert_array_equal(jittered.y, ds.y)  # labelled before the jitter
    assert np.abs(jittered.X).max() > 1


def test_xor_labels_are_the_quadrant_parity() -> None:
    ds = data.xor(rng=rng(), n_samples=200, noise=0.05)
    np.testing.assert_array_equal(ds.y, (ds.X[:, 0] > 0) ^ (ds.X[:, 1] > 0))
    np.testing.assert_allclose(np.abs(ds.X), 1, atol=0.3)


def test_spirals_arms_and_sine_targets() -> None:
    ds = data.spirals(rng=rng(), n_samples=300, n_classes=3, noise=0.0)
    radius = np.hypot(*ds.X.T)
    assert radius.max() <= 1 and ds.classes.tolist() == [0, 1, 2]
    angle = np.arctan2(ds.X[:, 1], ds.X[:, 0]) - 2 * np.pi * (radius + ds.y / 3)
    np.testing.assert_allclose(np.cos(angle), 1)  # on the arm of its class
    wave = data.sine(rng=rng(), n_samples=100, noise=0.0, n_features=3, x_max=2.0)
    assert wave.X.shape == (100, 3) and np.abs(wave.X).max() <= 2.0
    np.testing.assert_allclose(wave.y, np.sin(wave.X).sum(axis=1))
    noisy = data.sine(rng=rng(), n_samples=20000, noise=0.5)
    assert abs(np.std(noisy.y - np.sin(noisy.X[:, 0])) - 0.5) < 0.01


# name -> (the most a linear model may score, the nonlinear model, the least it must score),
# on a held-out half of 800 points; None: no bound (blobs are meant to be easy).
LEARNABLE: dict[str, tuple[float | None, Callable[[], Any], float]] = {
    "xor": (0.7, lambda: SVC(C=100), 0.95),
    "moons": (0.93, lambda: SVC(C=100), 0.95),
    "circles": (0.7, lambda: SVC(C=100), 0.95),
    "blobs": (None, lambda: SVC(C=100), 0.9),
    "spirals": (0.7, lambda: SVC(C=100), 0.9),
    "checkerboard": (0.7, lambda: SVC(C=100, gamma=10), 0.85),
    "sine": (0.7, lambda: SVR(C=10), 0.9),  # R^2
}


def test_learnability_table_covers_every_synthetic_dataset() -> None:
    assert sorted(LEARNABLE) == SYNTHETIC


@pytest.mark.parametrize("name", SYNTHETIC)
def test_synthetic_needs_the_model_it_is_meant_to_need(name: str) -> None:
    linear_max, model, model_min = LEARNABLE[name]
    ds = data.load(name, rng=rng(), n_samples=800)
    split = train_test_split(ds.X, ds.y, test_size=0.5, random_state=0,
                             stratify=ds.y if ds.task == "classification" else None)
    X_train, X_test, y_train, y_test = split
    linear = LogisticRegression() if ds.task == "classification" else LinearRegression()
    if linear_max is not None:
        assert linear.fit(X_train, y_train).score(X_test, y_test) < linear_max
    assert model().fit(X_train, y_train).score(X_test, y_test) > model_min


# ----------------------------------------------------------------------------------
# scikit-learn's bundled datasets and the registry.
# ----------------------------------------------------------------------------------
@pytest.mark.parametrize(("name", "shape", "classes"), [
    ("iris", (150, 4), ["setosa", "versicolor", "virginica"]),
    ("wine", (178, 13), ["class_0", "class_1", "class_2"]),
    ("breast_cancer", (569, 30), ["malignant", "benign"]),
    ("digits", (1797, 64), list(range(10))),
    ("diabetes", (442, 10), None),
])
def test_bundled_datasets(name: str, shape: tuple[int, int], classes: list[Any] | None) -> None:
    ds = data.load(name)
    assert ds.X.shape == shape
    assert (ds.classes.tolist() if ds.classes is not None else None) == classes
    assert data.load(name, rng=rng()).X.shape == shape  # rng is accepted and ignored


def test_load_resolves_aliases_and_spellings_and_passes_parameters() -> None:
    assert data.load("Two-Moons", rng=rng(), n_samples=10).name == "moons"
    assert data.load("CANCER").name == "breast_cancer"
    assert data.load("blobs", rng=rng(), n_classes=5).n_classes == 5
    assert "unexpected keyword argument 'bogus'" in message(TypeError, data.load, "xor", rng=rng(), bogus=1)


def test_load_unknown_name_suggests_close_ones() -> None:
    known = ", ".join(data.names())
    assert message(ValueError, data.load, "spirls") == (
        f"Unknown dataset 'spirls'. Did you mean 'spirals', 'spiral', 'circles'? Known: {known}.")
    assert message(ValueError, data.is_synthetic, "irs") == (
        f"Unknown dataset 'irs'. Did you mean 'iris', 'spirals', 'circles'? Known: {known}.")


def test_dataset_validates_what_it_holds() -> None:
    X, y = np.zeros((3, 2)), np.array([0, 1, 1])
    classes = np.array(["a", "b"])
    ok = Dataset(X, y, "classification", "toy", ["p", "q"], "t", classes)
    assert ok.feature_names == ("p", "q") and ok.n_classes == 2
    assert message(ValueError, Dataset, X.astype(np.float32), y, "classification", "toy", ("p", "q"), "t",
                   classes) == (
        "Dataset 'toy': X must be a 2-D float64 array. Got float32 of shape (3, 2) instead.")
    assert message(ValueError, Dataset, X, y[:2], "classification", "toy", ("p", "q"), "t", classes) == (
        "Dataset 'toy': y must be a 1-D array of 3 values (one per row of X). Got shape (2,) instead.")
    assert message(ValueError, Dataset, X, y, "classification", "toy", ("p",), "t", classes) == (
        "Dataset 'toy': feature_names must name the 2 columns of X. Got 1 names instead.")
    assert message(ValueError, Dataset, X, y, "ranking", "toy", ("p", "q"), "t", classes) == (
        "Dataset 'toy': task must be 'classification' or 'regression'. Got 'ranking' instead.")
    assert message(ValueError, Dataset, X, y + 1, "classification", "toy", ("p", "q"), "t", classes) == (
        "Dataset 'toy': y must hold class codes 0 .. 1. Got values 1 .. 2 instead.")
    assert message(ValueError, Dataset, X, y, "regression", "toy", ("p", "q"), "t") == (
        "Dataset 'toy': a regression dataset has a float64 y and classes=None. "
        "Got y of int64 and classes=None instead.")


# ----------------------------------------------------------------------------------
# Fashion-MNIST.
# ----------------------------------------------------------------------------------
def write_idx(path: Path, array: np.ndarray, *, raw_header: bytes | None = None) -> None:
    """A gzipped IDX file of uint8 data (or with the given header bytes)."""
    header = raw_header if raw_header is not None else (
        bytes([0, 0, 0x08, array.ndim]) + np.asarray(array.shape, dtype=">u4").tobytes())
    with gzip.open(path, "wb") as f:
        f.write(header + array.astype(np.uint8).tobytes())


@pytest.fixture
def fake_fashion(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Six train and four test 28x28 images; pixel (r, c) of image i is (i + r + c) % 256."""
    for stem, n in (("train", 6), ("t10k", 4)):
        i, r, c = np.ogrid[:n, :28, :28]
        write_idx(tmp_path / f"{stem}-images-idx3-ubyte.gz", (i * 40 + r + c) % 256)
        write_idx(tmp_path / f"{stem}-labels-idx1-ubyte.gz", np.arange(n) % 10)
    monkeypatch.setenv("ACTLAB_FASHION_MNIST_DIR", str(tmp_path))
    return tmp_path


def test_fashion_mnist_reads_idx_and_scales_pixels(fake_fashion: Path) -> None:
    ds = data.fashion_mnist()
    assert ds.X.shape == (6, 784) and ds.X.dtype == np.float64
    assert ds.y.tolist() == [0, 1, 2, 3, 4, 5] and ds.y.dtype == np.int64
    assert ds.classes[ds.y].tolist() == ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal"]
    image = ds.X[2].reshape(28, 28)
    assert image[0, 0] == 80 / 255 and image[3, 5] == 88 / 255
    assert ds.feature_names[:2] == ("pixel_0_0", "pixel_0_1") and ds.feature_names[-1] == "pixel_27_27"
    assert data.fashion_mnist("test").y.tolist() == [0, 1, 2, 3]
    first = data.load("fmnist", n_samples=2)
    np.testing.assert_array_equal(first.X, ds.X[:2])


def test_fashion_mnist_parameter_errors(fake_fashion: Path) -> None:
    assert message(ValueError, data.fashion_mnist, "val") == (
        "The 'subset' parameter of fashion_mnist must be one of 'train', 'test'. Got 'val' instead.")
    assert message(ValueError, data.fashion_mnist, n_samples=0) == (
        "The 'n_samples' parameter of fashion_mnist must be an int >= 1. Got 0 instead.")
    assert message(ValueError, data.fashion_mnist, "test", n_samples=5) == (
        "n_samples=5 is more than the 4 images of fashion_mnist's 'test' subset.")


def test_fashion_mnist_missing_files_name_the_package(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ACTLAB_FASHION_MNIST_DIR", str(tmp_path / "nowhere"))
    assert message(FileNotFoundError, data.fashion_mnist) == (
        "fashion_mnist needs Debian's dataset-fashion-mnist package (apt-get install dataset-fashion-mnist); "
        f"looked in {tmp_path / 'nowhere'} (no train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz).")
    write_idx(tmp_path / "t10k-images-idx3-ubyte.gz", np.zeros((1, 28, 28)))
    monkeypatch.setenv("ACTLAB_FASHION_MNIST_DIR", str(tmp_path))
    assert message(FileNotFoundError, data.fashion_mnist, "test").endswith(
        f"looked in {tmp_path} (no t10k-labels-idx1-ubyte.gz).")


def test_fashion_mnist_corrupt_files(fake_fashion: Path) -> None:
    images = fake_fashion / "train-images-idx3-ubyte.gz"
    labels = fake_fashion / "train-labels-idx1-ubyte.gz"
    write_idx(labels, np.arange(5))
    assert message(ValueError, data.fashion_mnist) == f"{images} has 6 images but {labels} has 5 labels."
    write_idx(labels, np.full(6, 10))
    assert message(ValueError, data.fashion_mnist) == f"{labels} has labels outside 0 .. 9 (10 .. 10)."
    write_idx(labels, np.zeros(6), raw_header=b"\x1f\x8b\x08\x01")
    assert message(ValueError, data.fashion_mnist) == (
        f"{labels} is not an IDX file (it starts with bytes 1f8b0801).")
    write_idx(labels, np.zeros(3), raw_header=bytes([0, 0, 8, 1, 0, 0, 0, 6]))
    assert message(ValueError, data.fashion_mnist) == (
        f"{labels} is truncated: its header promises 6 bytes for 6 items, the file has 3.")
    labels.write_bytes(b"not gzip at all")
    assert message(ValueError, data.fashion_mnist).startswith(f"{labels} is not a readable gzip file: ")
    write_idx(labels, np.zeros((6, 2)))
    assert message(ValueError, data.fashion_mnist) == (
        f"{images} must hold images (n, rows, cols) and {labels} labels (n,). "
        "Got shapes (6, 28, 28) and (6, 2) instead.")


@pytest.mark.skipif(not FASHION_INSTALLED, reason="Debian's dataset-fashion-mnist is not installed")
def test_fashion_mnist_real_package(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ACTLAB_FASHION_MNIST_DIR", raising=False)
    ds = data.fashion_mnist("test")
    assert ds.X.shape == (10000, 784) and ds.X.min() == 0.0 and ds.X.max() == 1.0
    assert np.bincount(ds.y).tolist() == [1000] * 10
    np.testing.assert_array_equal(np.round(ds.X * 255) / 255, ds.X)  # the 8-bit grid
    assert data.fashion_mnist("train", n_samples=100).X.shape == (100, 784)


# ----------------------------------------------------------------------------------
# Tables.
# ----------------------------------------------------------------------------------
def toy_frame() -> pd.DataFrame:
    return pd.DataFrame({
        "a": [0.5, 1.5, 2.5, 3.5, 4.5, 5.5],
        "b": [1, 0, 1, 0, 1, 0],
        "kind": ["dog", "cat", "dog", "cat", "emu", "cat"],
        "price": [1.25, 2.5, 3.75, 5.0, 6.25, 7.5],
    })


def write_table(frame: pd.DataFrame, path: Path) -> Path:
    frame.to_csv(path, index=False) if path.suffix == ".csv" else frame.to_parquet(path, index=False)
    return path


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_table_round_trip(tmp_path: Path, suffix: str) -> None:
    frame = toy_frame().drop(columns="kind")
    path = write_table(frame, tmp_path / f"toy{suffix}")
    ds = data.load_table(path)  # the last column, float: regression
    assert (ds.name, ds.task, ds.target_name, ds.feature_names) == ("toy", "regression", "price", ("a", "b"))
    np.testing.assert_array_equal(ds.X, frame[["a", "b"]].to_numpy(dtype=float))
    np.testing.assert_array_equal(ds.y, frame["price"].to_numpy())
    by_b = data.load_table(path, target="b")  # integers, 2 values: classification
    assert by_b.task == "classification" and by_b.classes.tolist() == [0, 1]
    assert by_b.y.tolist() == [1, 0, 1, 0, 1, 0] and by_b.feature_names == ("a", "price")
    forced = data.load_table(path, target="b", task="regression")
    assert forced.task == "regression" and forced.y.tolist() == [1.0, 0.0, 1.0, 0.0, 1.0, 0.0]
    assert data.load_table(path, task="classification").n_classes == 6


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_table_text_target_becomes_sorted_class_codes(tmp_path: Path, suffix: str) -> None:
    frame = toy_frame().drop(columns="price")
    ds = data.load_table(write_table(frame, tmp_path / f"pets{suffix}"))
    assert ds.task == "classification" and ds.classes.tolist() == ["cat", "dog", "emu"]
    assert ds.classes[ds.y].tolist() == frame["kind"].tolist()


def test_detect_task_rules() -> None:
    assert data.detect_task(["a", "b", "a"]) == "classification"
    assert data.detect_task([True, False, True]) == "classification"
    assert data.detect_task([0.0, 1.0, 1.0, 0.0]) == "classification"  # integer-valued floats
    assert data.detect_task([0, 1, 2]) == "regression"  # fewer than 2 rows per value
    assert data.detect_task(np.arange(40) % 20) == "classification"
    assert data.detect_task(np.arange(42) % 21) == "regression"  # more than 20 values
    assert data.detect_task([0.5, 1.5, 0.5, 1.5]) == "regression"


def write_csv(tmp_path: Path, text: str, name: str = "t.csv") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_table_file_errors(tmp_path: Path) -> None:
    missing = tmp_path / "missing.csv"
    assert message(FileNotFoundError, data.load_table, missing) == f"no such table file: {missing}"
    xlsx = write_csv(tmp_path, "a,b\n1,2\n", "t.xlsx")
    assert message(ValueError, data.load_table, xlsx) == (
        f"unsupported table format '.xlsx' for {xlsx}; load_table reads .csv, .parquet.")
    empty = write_csv(tmp_path, "")
    assert message(ValueError, data.load_table, empty) == (
        f"cannot read {empty} as csv: No columns to parse from file")
    header_only = write_csv(tmp_path, "a,b\n")
    assert message(ValueError, data.load_table, header_only) == f"{header_only} has no rows."
    fake_parquet = write_csv(tmp_path, "a,b\n1,2\n", "t.parquet")
    assert message(ValueError, data.load_table, fake_parquet).startswith(
        f"cannot read {fake_parquet} as parquet: ")
    assert message(ValueError, data.load_table, header_only, task="ranking") == (
        "The 'task' parameter of load_table must be one of 'classification', 'regression' or None. "
        "Got 'ranking' instead.")


def test_table_column_errors(tmp_path: Path) -> None:
    path = write_csv(tmp_path, "a,b,y\n1,2,3.5\n2,3,4.5\n")
    assert message(ValueError, data.load_table, path, target="z") == (
        f"target column 'z' is not in {path}; its columns are 'a', 'b', 'y'.")
    alone = write_csv(tmp_path, "y\n1.5\n2.5\n", "alone.csv")
    assert message(ValueError, data.load_table, alone) == (
        f"{alone} has only the target column 'y'; it needs at least one feature column.")
    text = write_csv(tmp_path, "a,colour,city,y\n1,red,Oslo,1.5\n2,blue,Rome,2.5\n", "text.csv")
    text_dtype = pd.read_csv(text)["colour"].dtype  # 'str' from pandas 3 on, 'object' before
    assert message(ValueError, data.load_table, text) == (
        f"non-numeric feature columns in {text}: 'colour' ({text_dtype}), 'city' ({text_dtype}); "
        "encode them as numbers or drop them.")


def test_table_non_finite_values(tmp_path: Path) -> None:
    path = write_csv(tmp_path, "a,b,c,y\n1,2,3,0.5\n4,,6,1.5\n7,inf,,2.5\n1,1,-inf,3.5\n")
    assert message(ValueError, data.load_table, path) == (
        f"features of {path} have 4 missing or infinite values (2 NaN, 2 inf) in columns 'b', 'c'; "
        "first at row 1.")
    target = write_csv(tmp_path, "a,y\n1,0.5\n2,\n3,2.5\n4,\n", "target.csv")
    assert message(ValueError, data.load_table, target) == (
        f"target column 'y' of {target} has 2 missing or infinite values (2 NaN, 0 inf); first at row 1.")
    labels = write_csv(tmp_path, "a,y\n1,cat\n2,dog\n3,\n", "labels.csv")
    assert message(ValueError, data.load_table, labels) == (
        f"target column 'y' of {labels} has 1 missing or infinite value (1 NaN, 0 inf); first at row 2.")
    one = write_csv(tmp_path, "a,b,y\n1,2,0.5\n2,,1.5\n", "one.csv")
    assert message(ValueError, data.load_table, one) == (
        f"features of {one} have 1 missing or infinite value (1 NaN, 0 inf) in column 'b'; first at row 1.")
    infinite = write_csv(tmp_path, "a,y\n1,0.5\n2,inf\n", "infinite.csv")
    assert message(ValueError, data.load_table, infinite).endswith("(0 NaN, 1 inf); first at row 1.")


def test_table_target_errors(tmp_path: Path) -> None:
    constant = write_csv(tmp_path, "a,y\n1,2.5\n2,2.5\n3,2.5\n", "constant.csv")
    assert message(ValueError, data.load_table, constant) == (
        f"target column 'y' of {constant} is constant (every row is 2.5); "
        "regression needs a target that varies.")
    one_class = write_csv(tmp_path, "a,y\n1,b\n2,b\n3,b\n", "one.csv")
    assert message(ValueError, data.load_table, one_class) == (
        f"target column 'y' of {one_class} has only 1 class ('b'); classification needs at least 2 classes.")
    ints = write_csv(tmp_path, "a,y\n1,7\n2,7\n3,7\n4,7\n", "ints.csv")
    assert message(ValueError, data.load_table, ints).endswith("has only 1 class (7); classification needs "
                                                               "at least 2 classes.")
    assert message(ValueError, data.load_table, one_class, task="regression") == (
        f"task='regression' needs a numeric target; column 'y' of {one_class} is "
        f"{pd.read_csv(one_class)['y'].dtype}.")


# ----------------------------------------------------------------------------------
# Cross-validation folds.
# ----------------------------------------------------------------------------------
def labelled(labels: list[str], name: str = "toy") -> Dataset:
    classes, codes = np.unique(labels, return_inverse=True)
    return Dataset(np.zeros((len(labels), 1)), codes.astype(np.int64), "classification", name, ("x",),
                   "label", classes)


def test_check_cv() -> None:
    data.check_cv(labelled(["a"] * 5 + ["b"] * 5), 5)
    assert message(ValueError, data.check_cv, labelled(["a"] * 5 + ["b"] * 3), 5) == (
        "class 'b' has 3 samples, fewer than the 5 folds of 'toy'; use n_splits <= 3.")
    assert message(ValueError, data.check_cv, labelled(["a"] * 2 + ["b"] * 6 + ["c"]), 3) == (
        "class 'a' has 2 samples and class 'c' has 1 sample, fewer than the 3 folds of 'toy'; "
        "drop or merge the classes with a single sample.")
    sine = data.sine(rng=rng(), n_samples=4)
    data.check_cv(sine, 4)
    assert message(ValueError, data.check_cv, sine, 5) == (
        "dataset 'sine' has 4 samples, fewer than the 5 folds.")
    for bad in (1, 2.0, True):
        assert message(ValueError, data.check_cv, sine, bad) == (
            f"The 'n_splits' parameter of check_cv must be an int >= 2. Got {bad!r} instead.")
    # a declared class that no sample has does not stop stratified folds
    absent = Dataset(np.zeros((4, 1)), np.array([0, 0, 1, 1]), "classification", "toy", ("x",), "label",
                     np.array(["a", "b", "c"]))
    data.check_cv(absent, 2)
    digits = data.load("digits")
    data.check_cv(digits, 10)
