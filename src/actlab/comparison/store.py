"""The results store of `actlab compare`: one SQLite row per finished fold.

``DIR/results.sqlite`` in WAL mode; every fold is written in its own transaction, so a
run killed at any moment (even with SIGKILL) loses at most the folds in flight and never
leaves a partial row: SQLite's journal rolls an unfinished transaction back when the
database is next opened. Rows are keyed by (run id, dataset fingerprint, config hash,
activation, repeat, fold); re-running the same command finds its finished folds and skips
them. A file that is not an actlab store (another SQLite database, or not SQLite at all)
is refused with a one-line error and never modified.

>>> import tempfile, pathlib
>>> with tempfile.TemporaryDirectory() as d:
...     with Store(pathlib.Path(d) / "results.sqlite") as s:
...         key = FoldKey("run1", "data:abc", "cfg:123", "relu", 0, 2)
...         s.add(key, {"accuracy": 0.97, "epochs": 41})
...         (key in s.finished("run1"), s.rows("run1")[0][1]["accuracy"])
(True, 0.97)
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Mapping
from dataclasses import astuple, dataclass
from pathlib import Path
from typing import Any

import numpy as np

#: identifies our schema; a database without it (or with another) is not ours
SCHEMA = "actlab-compare-1"


class StoreError(ValueError):
    """The results file cannot be used (one-line message naming the file and why)."""


@dataclass(frozen=True, order=True)
class FoldKey:
    run_id: str
    dataset: str  # fingerprint, see :func:`fingerprint`
    config: str  # hash of the run's settings, see :func:`config_hash`
    activation: str
    repeat: int
    fold: int


def fingerprint(X: np.ndarray, y: np.ndarray) -> str:
    """A short hash of the data (shape, dtype and bytes of X and y)."""
    h = hashlib.sha256()
    for a in (np.ascontiguousarray(X), np.ascontiguousarray(y)):
        h.update(f"{a.shape}{a.dtype.str}".encode())
        h.update(a.tobytes())
    return "data:" + h.hexdigest()[:16]


def config_hash(config: Mapping[str, Any]) -> str:
    """A short hash of the settings that change results (JSON, sorted keys)."""
    text = json.dumps(config, sort_keys=True, default=str)
    return "cfg:" + hashlib.sha256(text.encode()).hexdigest()[:16]


class Store:
    """Open (or create) the store at ``path``; use as a context manager."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        existed = self.path.exists()
        if existed:
            _check_sqlite_header(self.path)
        self.db = sqlite3.connect(self.path, timeout=30.0, isolation_level=None)
        try:
            if existed:  # check before any write: a foreign file must stay as it was
                self._check_schema()
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            if not existed:
                self._create()
            # the runs table: the settings of each run, for `actlab compare --resume RUN_ID`
            self.db.execute("CREATE TABLE IF NOT EXISTS runs (run_id TEXT PRIMARY KEY, "
                            "info TEXT NOT NULL)")
        except sqlite3.DatabaseError as exc:
            self.db.close()
            raise StoreError(f"{self.path} is not a usable results store ({exc}); move it away "
                             "or choose another --out.") from None
        except StoreError:
            self.db.close()
            raise

    def _create(self) -> None:
        with self.db:
            self.db.execute("BEGIN")
            self.db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
            self.db.execute("INSERT INTO meta VALUES ('schema', ?)", (SCHEMA,))
            self.db.execute(
                "CREATE TABLE folds (run_id TEXT NOT NULL, dataset TEXT NOT NULL, "
                "config TEXT NOT NULL, activation TEXT NOT NULL, repeat INTEGER NOT NULL, "
                "fold INTEGER NOT NULL, result TEXT NOT NULL, "
                "PRIMARY KEY (run_id, dataset, config, activation, repeat, fold))")

    def _check_schema(self) -> None:
        try:
            row = self.db.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
        except sqlite3.DatabaseError:
            row = None
        if row is None or row[0] != SCHEMA:
            found = "no actlab schema" if row is None else f"schema {row[0]!r}"
            raise StoreError(f"{self.path} is an SQLite database but not an actlab results store "
                             f"({found}; expected {SCHEMA!r}); choose another --out.")

    def add(self, key: FoldKey, result: Mapping[str, Any]) -> None:
        """Record one finished fold, atomically (one transaction)."""
        payload = json.dumps(result, sort_keys=True, allow_nan=True, default=_plain)
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")
            self.db.execute("INSERT OR REPLACE INTO folds VALUES (?, ?, ?, ?, ?, ?, ?)",
                            (*astuple(key), payload))

    def save_run(self, run_id: str, info: Mapping[str, Any]) -> None:
        """Record how ``run_id`` was started (data, activations, settings, command)."""
        payload = json.dumps(info, sort_keys=True, default=_plain)
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")
            self.db.execute("INSERT OR REPLACE INTO runs VALUES (?, ?)", (run_id, payload))

    def run_info(self, run_id: str) -> dict[str, Any] | None:
        """What :meth:`save_run` recorded for ``run_id``, or None."""
        row = self.db.execute("SELECT info FROM runs WHERE run_id = ?", (run_id,)).fetchone()
        return None if row is None else json.loads(row[0])

    def finished(self, run_id: str) -> set[FoldKey]:
        """Keys of the folds of ``run_id`` already recorded."""
        cur = self.db.execute("SELECT run_id, dataset, config, activation, repeat, fold "
                              "FROM folds WHERE run_id = ?", (run_id,))
        return {FoldKey(*row) for row in cur}

    def rows(self, run_id: str) -> list[tuple[FoldKey, dict[str, Any]]]:
        """Every recorded fold of ``run_id`` with its result, in key order."""
        cur = self.db.execute("SELECT run_id, dataset, config, activation, repeat, fold, result "
                              "FROM folds WHERE run_id = ? ORDER BY activation, repeat, fold",
                              (run_id,))
        return [(FoldKey(*row[:6]), json.loads(row[6])) for row in cur]

    def runs(self) -> list[str]:
        """Every run id with recorded folds or settings."""
        return [r[0] for r in self.db.execute(
            "SELECT run_id FROM folds UNION SELECT run_id FROM runs ORDER BY 1")]

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _check_sqlite_header(path: Path) -> None:
    # Refuse a non-SQLite file before sqlite3 can do anything with it.
    with open(path, "rb") as fh:
        head = fh.read(16)
    if head and head != b"SQLite format 3\x00":
        raise StoreError(f"{path} exists but is not an SQLite database (corrupt or foreign file); "
                         "move it away or choose another --out.")


def _plain(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, (np.floating, np.integer, np.bool_)):
        return value.item()
    raise TypeError(f"cannot store {type(value).__name__} in a fold result")
