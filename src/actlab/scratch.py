"""Per-thread float64 scratch buffers for fast paths that evaluate a formula in place.

A float64 kernel written against ``xp`` allocates a new array for every operation. For
a formula of a dozen cheap operations (squareplus, ISRU, ...) that allocation is most of
the cost: blocks of 32k float64 are 256 kB, which glibc's malloc hands back to the system
and faults in again on every call (measured: squareplus g*f' 590-780 us per 32k block,
against ~60 us for the same operations with ``out=``). An entry's ``f_block`` /
``backward_block`` instead walks its block in chunks of :data:`CHUNK` elements and
computes into buffers from :func:`chunks`, which every thread allocates once and reuses.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

import numpy as np

from actlab.activation import store

#: Elements per chunk: 32k float64 = 256 kB per buffer. Measured on 128k-element blocks
#: (one thread): 8k chunks 10-40% slower than 32k (every ufunc call costs ~1 us of
#: overhead), 16k 3-13%, 64k the same as 32k.
CHUNK = 32768

#: Arrays up to this size skip the chunks (see :func:`evaluate`): on small arrays the
#: loop's own overhead (~3 us) exceeds what the buffers save (temporaries of 32 kB are
#: cheap to allocate). Measured with bench_kernels.py --small at 1, 64 and 4096 elements.
SMALL = 4096

_local = threading.local()


def _buffers(k: int) -> np.ndarray:
    bufs = getattr(_local, "bufs", None)
    if bufs is None or bufs.shape[0] < k:
        bufs = _local.bufs = np.empty((k, CHUNK))
    return bufs


def chunks(x: np.ndarray, k: int) -> Iterator[tuple[int, int, np.ndarray, list[np.ndarray]]]:
    """Yield ``(start, stop, x64, bufs)`` for each chunk of the 1-d array ``x``: x64 is
    x[start:stop] as float64 (a view if x is float64, else a converted copy), ``bufs``
    ``k`` float64 arrays of the chunk's length, owned by this thread until the next
    chunk (so a consumer must not nest two of these loops)."""
    n = x.size
    bufs = _buffers(k + 1)
    for start in range(0, n, CHUNK):
        stop = min(n, start + CHUNK)
        m = stop - start
        if x.dtype == np.float64:
            x64 = x[start:stop]
        else:
            x64 = bufs[k, :m]
            np.copyto(x64, x[start:stop])
        yield start, stop, x64, [bufs[i, :m] for i in range(k)]


def _same_or_apart(out: np.ndarray, a: np.ndarray | None) -> bool:
    return a is None or a is out or not np.may_share_memory(out, a) or (
        a.ctypes.data == out.ctypes.data and a.strides == out.strides)


def evaluate(step: Callable[..., None], k: int, kernel: Callable[[np.ndarray], np.ndarray],
             x: np.ndarray, out: np.ndarray, g: np.ndarray | None = None) -> None:
    """Call ``step(x64, bufs, dst, gc)`` on each chunk (see :func:`chunks`): it writes the
    chunk's result into ``dst``, the matching slice of ``out`` (``gc``: of ``g``, or None),
    and must read x and g no more once it writes dst. ``out`` may be x or g themselves;
    with several chunks, any other overlap and an ``out`` that is not C-contiguous go
    through a temporary (later chunks must read unwritten input).

    Arrays of at most :data:`SMALL` elements are ``kernel(x as float64)`` (times g)
    instead: the float64 kernel whose operations ``step`` repeats, so the same bits.
    """
    n = x.size
    if n <= SMALL:
        store(kernel(x if x.dtype == np.float64 else x.astype(np.float64)), g, out)
        return
    if n <= CHUNK:  # one chunk, in x's shape; its last ufunc handles any overlap with out
        bufs = _buffers(k + 1)[:k + 1, :n]
        if x.ndim != 1:
            bufs = bufs.reshape((k + 1, *x.shape))
        x64 = x
        if x.dtype != np.float64:
            x64 = bufs[k]
            np.copyto(x64, x)
        step(x64, list(bufs[:k]), out, g)
        return
    direct = out.flags.c_contiguous and _same_or_apart(out, x) and _same_or_apart(out, g)
    flat = out.reshape(-1) if direct else np.empty(out.size, out.dtype)
    xf = x.reshape(-1)
    gf = None if g is None else g.reshape(-1)
    for start, stop, x64, bufs in chunks(xf, k):
        step(x64, bufs, flat[start:stop], None if gf is None else gf[start:stop])
    if not direct:
        out[...] = flat.reshape(out.shape)
