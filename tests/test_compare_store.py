"""The results store: atomic fold rows, resume, refusal of foreign or corrupt files."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

from actlab.comparison.store import FoldKey, Store, StoreError, config_hash, fingerprint


def key(act: str = "relu", repeat: int = 0, fold: int = 0) -> FoldKey:
    return FoldKey("run", "data:x", "cfg:y", act, repeat, fold)


def test_rows_round_trip_and_finished(tmp_path) -> None:
    path = tmp_path / "results.sqlite"
    with Store(path) as s:
        s.add(key(fold=0), {"accuracy": np.float64(0.9), "curve": np.arange(3.0)})
        s.add(key(fold=1), {"accuracy": 0.8, "curve": [1.0]})
    with Store(path) as s:  # reopening finds them
        assert s.finished("run") == {key(fold=0), key(fold=1)}
        rows = s.rows("run")
        assert rows[0][1] == {"accuracy": 0.9, "curve": [0.0, 1.0, 2.0]}
        assert s.finished("other") == set() and s.runs() == ["run"]


def test_fingerprint_and_config_hash_are_stable_and_sensitive() -> None:
    X, y = np.arange(12.0).reshape(4, 3), np.array([0, 1, 0, 1])
    assert fingerprint(X, y) == fingerprint(X.copy(), y.copy())
    assert fingerprint(X, y) != fingerprint(X + 1e-12, y)
    assert config_hash({"a": 1, "b": [2]}) == config_hash({"b": [2], "a": 1})
    assert config_hash({"a": 1}) != config_hash({"a": 2})


def test_foreign_sqlite_database_is_refused_untouched(tmp_path) -> None:
    path = tmp_path / "results.sqlite"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE t (x)")
    db.commit()
    db.close()
    before = path.read_bytes()
    with pytest.raises(StoreError, match="is an SQLite database but not an actlab results store"):
        Store(path)
    assert path.read_bytes() == before


def test_corrupt_file_is_refused_untouched(tmp_path) -> None:
    path = tmp_path / "results.sqlite"
    path.write_bytes(b"this is not a database, just text" * 10)
    with pytest.raises(StoreError, match="not an SQLite database") as info:
        Store(path)
    assert "\n" not in str(info.value)
    assert path.read_bytes() == b"this is not a database, just text" * 10


WRITER = textwrap.dedent("""
    import sys
    from actlab.comparison.store import FoldKey, Store
    s = Store(sys.argv[1])
    i = 0
    while True:
        s.add(FoldKey("run", "d", "c", "relu", i // 5, i % 5), {"i": i, "pad": "x" * 2000})
        i += 1
        if i == 20:
            print("started", flush=True)
""")


def test_sigkill_mid_run_leaves_only_whole_rows(tmp_path) -> None:
    path = tmp_path / "results.sqlite"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(path)], stdout=subprocess.PIPE,
                            env=env)
    assert proc.stdout is not None and proc.stdout.readline().strip() == b"started"
    time.sleep(0.2)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    proc.stdout.close()
    with Store(path) as s:
        rows = s.rows("run")
        assert len(rows) >= 20
        # every row is whole, and the rows are exactly folds 0..n-1 (nothing half-written)
        ids = sorted(r["i"] for _, r in rows)
        assert ids == list(range(len(ids)))
        assert all(r["pad"] == "x" * 2000 for _, r in rows)
        assert s.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
