"""Blocked, threaded evaluation of the NumPy kernels.

A kernel (``f``, ``df``, ``d2f`` of a catalogue entry) is written for whole float64
arrays and makes many temporaries. On a large array each temporary is a full-size
trip through main memory, and float32 inputs need a full-size float64 copy. Here the
array is cut into blocks of :data:`BLOCK` elements instead: each block is converted
to float64, evaluated, and written straight into the result, so the temporaries stay
in the L2 cache and the only full-size traffic is reading ``x`` (and ``g``) and
writing the result once. Blocks run on a thread pool: NumPy and SciPy ufuncs release
the GIL, so the threads compute in parallel.

Kernels are elementwise, so a block's values do not depend on where the block
boundaries fall or which thread ran it: the result is bit-identical to a single-block
evaluation (tests/test_blocks.py checks this for every registry entry).

The number of threads is ``set_num_threads(n)``, else the environment variable
``ACTLAB_NUM_THREADS``, else every core this process may run on.
"""

from __future__ import annotations

import itertools
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

#: Elements per block: 64k float64 = 512 kB per temporary, so the few live temporaries
#: of a kernel stay in a 2 MB L2 cache. Every ufunc call takes the GIL, and with two
#: threads handing it over costs more than a call of a few us computes, so fewer, larger
#: blocks scale better. Measured on 2**24 float32 elements, 2 threads (once
#: _adapt_malloc had removed the page faults): selu f 37 ms with 32k blocks, 26-33 with
#: 64k; softplus 32 / 24-27; gelu_tanh 24.5 / 19.5-20; 128k about the same as 64k.
BLOCK = 65536
#: Entries with exact fast paths (f_block/backward_block) make few temporaries: they
#: run in blocks this many times larger (128k elements).
FAST_BLOCKS = 2
#: Arrays up to this size are evaluated in one call on the calling thread: below it,
#: handing blocks to other threads costs more than it saves. NOTE: what keeps a direct
#: call of this size from page-faulting its temporaries is _adapt_malloc (before it, on
#: float32 (5, 200, 64) arrays: sigmoid g*f' 752 us at 64k, 266 us at 32k).
DIRECT = BLOCK

_ENV = "ACTLAB_NUM_THREADS"


def _adapt_malloc() -> None:
    """Free one 4 MB array, so that glibc's malloc stops handing kernel temporaries back
    to the system.

    NOTE: glibc serves requests above its mmap threshold (128 kB at start) with mmap and
    trims the heap top above a trim threshold (128 kB), so a kernel's 256 kB temporaries
    were unmapped or trimmed when freed and page-faulted back on every block (one
    thread, 32k float64 blocks: mish g*f' 53 ns per element, 21 once adapted; gelu_tanh
    38 -> 14). Freeing an mmapped block raises both thresholds to its size (the trim
    threshold to twice that): glibc's documented dynamic adjustment (mallopt(3)), which
    any program that once frees a 4 MB array gets anyway. It never lowers them, and
    does nothing where MALLOC_MMAP_THRESHOLD_ / MALLOC_TRIM_THRESHOLD_ are set or on
    other allocators. The process then keeps up to 8 MB of freed heap.
    """
    np.empty(1 << 19)  # 4 MB, never touched: no page is faulted in


_adapt_malloc()


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _check_threads(n: Any, where: str) -> int:
    ok = isinstance(n, (int, np.integer)) and not isinstance(n, (bool, np.bool_)) and n >= 1
    if not ok:
        raise ValueError(f"The {where} must be an integer >= 1. Got {n!r} instead.")
    return int(n)


def _default_threads() -> int:
    value = os.environ.get(_ENV)
    if value is None or value == "":
        return _cores()
    try:
        n: Any = int(value)
    except ValueError:
        n = value
    return _check_threads(n, f"environment variable {_ENV}")


_num_threads: int | None = None
_pool: ThreadPoolExecutor | None = None
_pool_size = 0
_pool_lock = threading.Lock()


def set_num_threads(n: int) -> None:
    """Use ``n`` threads (the calling one included) for large NumPy arrays.

    >>> import actlab
    >>> actlab.set_num_threads(1); actlab.get_num_threads()
    1
    >>> actlab.set_num_threads(0)
    Traceback (most recent call last):
    ...
    ValueError: The 'n' parameter of set_num_threads must be an integer >= 1. Got 0 instead.
    """
    global _num_threads
    _num_threads = _check_threads(n, "'n' parameter of set_num_threads")


def get_num_threads() -> int:
    """The number of threads used for large NumPy arrays (see :func:`set_num_threads`)."""
    global _num_threads
    if _num_threads is None:
        _num_threads = _default_threads()
    return _num_threads


def _executor(workers: int) -> ThreadPoolExecutor:
    global _pool, _pool_size
    with _pool_lock:
        if _pool is None or _pool_size < workers:  # grows, never shrinks
            if _pool is not None:
                _pool.shutdown(wait=False)  # lets calls running on it finish
            _pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="actlab")
            _pool_size = workers
        return _pool


def run(block: Callable[[int, int], None], n: int, errstate: Callable[[], Any],
        size: int | None = None) -> None:
    """Call ``block(start, stop)`` over [0, n) in blocks of ``size`` (default
    :data:`BLOCK`) elements, on the pool.

    Blocks are handed out one at a time from a shared counter (next() on an
    itertools.count is atomic under the GIL), so a thread slowed down by other load on
    the machine simply takes fewer blocks. ``errstate`` is entered in every thread:
    NumPy's error state is per thread (a context variable), not inherited.
    """
    size = BLOCK if size is None else size
    nblocks = -(-n // size)
    threads = min(get_num_threads(), nblocks)
    counter = itertools.count()

    def work() -> None:
        with errstate():
            for i in iter(counter.__next__, None):
                if i >= nblocks:
                    return
                block(i * size, min(n, (i + 1) * size))

    if threads == 1 or n <= DIRECT:
        work()
        return
    pool = _executor(threads - 1)
    futures = [pool.submit(work) for _ in range(threads - 1)]
    try:
        work()
    finally:
        for fut in futures:
            fut.result()
