"""Kernel benchmark: every registered activation, f and g * f', against the baselines.

For each activation of the registry (``actlab.names()``) and each dtype, two rows:

* ``f``      the activation:   ``act(x, out=out)``
* ``g*f'``   the vector-Jacobian product: ``act.backward(x, g, out=out)``

each timed against, in the same run and on the same arrays:

* ``naive``  the tutorials' NumPy one-liner ``act.naive(np, x, **params)`` (f only;
             it allocates its result, as the one-liners do)
* ``torch``  f: ``act.torch_equivalent(F, x, **params)`` (F = torch.nn.functional),
             written into a preallocated tensor through the op's ``out=`` variant when
             one exists ("out"), else allocating its result ("alloc");
             g*f': ``torch.autograd.grad(y, x, g)`` with ``y = torch_equivalent(F, x)``
             built (untimed) on a fresh graph before every timed call ("autograd")
* ``copy``   the memory floor: the faster of ``np.copyto(dst, x)`` and torch's threaded
             ``dst.copy_(x)`` on an array of the same size/dtype

Times are the median of ``--repeats`` calls after one warm-up call, measured with
``time.perf_counter`` with the garbage collector disabled. Nothing here is a test:
no speed bar is enforced anywhere; see benchmarks/README.md.

    python benchmarks/bench_kernels.py                      # float32, 2**24 elements
    python benchmarks/bench_kernels.py --dtype both --only relu,gelu --json out.json
    python benchmarks/bench_kernels.py --small --dtype both # per-call us at 1/64/4096
    python benchmarks/bench_kernels.py --threads 1          # actlab and torch on 1 thread
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

try:
    import actlab
except ImportError:  # running from a checkout without `pip install -e .`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    import actlab

import torch
import torch.nn.functional as F

DTYPES = {"float32": np.float32, "float64": np.float64}


# timing ----------------------------------------------------------------------------------
class Timing:
    """Median of the timed repeats (seconds), plus the warm-up call and every repeat."""

    def __init__(self, warmup: float, times: list[float]) -> None:
        self.warmup = warmup
        self.times = times
        self.median = statistics.median(times)

    @property
    def worst(self) -> float:
        return max(self.warmup, *self.times)


def measure(call: Callable[[Any], Any], repeats: int,
            setup: Callable[[], Any] | None = None) -> Timing:
    """Time ``call(setup())``: one warm-up, then ``repeats`` timed calls.

    ``setup`` runs untimed before every call (warm-up included). The result of ``call``
    is released only after the clock has stopped, so deallocation is not timed either.
    """
    warmup = 0.0
    times: list[float] = []
    for i in range(repeats + 1):
        arg = setup() if setup is not None else None
        gc_was_enabled = gc.isenabled()
        gc.disable()
        try:
            t0 = time.perf_counter()
            result = call(arg)
            t1 = time.perf_counter()
        finally:
            if gc_was_enabled:
                gc.enable()
        del result, arg
        if i == 0:
            warmup = t1 - t0
        else:
            times.append(t1 - t0)
    return Timing(warmup, times)


# torch forward into a preallocated output ---------------------------------------------
def _out_candidates(name: str) -> list[Callable[..., Any]]:
    """Ops that may implement ``F.<name>`` with an ``out=`` keyword, most likely first."""
    fn = getattr(F, name)
    names = [name, getattr(fn, "__name__", name)]
    found: list[Callable[..., Any]] = []
    for space in (torch._C._nn, torch, torch.special):
        for n in names:
            op = getattr(space, n, None)
            if callable(op) and op not in found:
                found.append(op)
    return found


class _ProbeF:
    """Stands in for torch.nn.functional and tries each called op with ``out=out``."""

    def __init__(self, out: torch.Tensor) -> None:
        self.out = out
        self.chosen: dict[str, Callable[..., Any]] = {}
        self.fallbacks: list[str] = []

    def __getattr__(self, name: str) -> Callable[..., Any]:
        fn = getattr(F, name)

        def call(*args: Any, **kwargs: Any) -> Any:
            for op in _out_candidates(name):
                try:
                    result = op(*args, **kwargs, out=self.out)
                except (TypeError, RuntimeError, NotImplementedError):
                    continue
                if isinstance(result, torch.Tensor) and result.data_ptr() == self.out.data_ptr():
                    self.chosen[name] = op
                    return result
            self.fallbacks.append(name)
            return fn(*args, **kwargs)

        return call


class _OutF:
    """torch.nn.functional with some ops bound to their ``out=`` variant."""

    def __init__(self, chosen: dict[str, Callable[..., Any]], out: torch.Tensor) -> None:
        self._chosen = chosen
        self._out = out

    def __getattr__(self, name: str) -> Callable[..., Any]:
        op = self._chosen.get(name)
        if op is None:
            return getattr(F, name)
        out = self._out
        return lambda *args, **kwargs: op(*args, **kwargs, out=out)


def _same(a: torch.Tensor, b: torch.Tensor) -> bool:
    if a.shape != b.shape or a.dtype != b.dtype:
        return False
    return bool(torch.equal(a, b) or torch.allclose(a, b, rtol=1e-6, atol=0.0, equal_nan=True))


def torch_forward_plan(teq: Callable[..., Any], xt: torch.Tensor, params: dict[str, float],
                       out: torch.Tensor) -> Any:
    """The F to pass to ``teq`` so it writes into ``out``, or None if it cannot.

    Accepted only if ``teq`` makes exactly one F call, that call takes ``out=``, ``teq``
    returns ``out`` itself, and the values equal those of plain ``teq(F, x)``.
    """
    reference = teq(F, xt, **params)
    probe = _ProbeF(out)
    try:
        result = teq(probe, xt, **params)
    except Exception:
        return None
    ok = (len(probe.chosen) == 1 and not probe.fallbacks and isinstance(result, torch.Tensor)
          and result.data_ptr() == out.data_ptr() and _same(result, reference))
    return _OutF(probe.chosen, out) if ok else None


# one activation ------------------------------------------------------------------------------
def _error(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}".replace("\n", " ")
    return text if len(text) <= 160 else text[:157] + "..."


def bench_one(name: str, x: np.ndarray, g: np.ndarray, repeats: int) -> list[dict[str, Any]]:
    """The two rows (f and g*f') of one activation; errors are recorded, not raised."""
    act = actlab.get(name)
    params = dict(act.params)
    dtype = str(x.dtype)
    fwd: dict[str, Any] = {"name": name, "params": params, "dtype": dtype, "op": "f",
                           "size": int(x.size), "errors": {}, "timings": {}}
    bwd: dict[str, Any] = {**fwd, "op": "g*f'", "errors": {}, "timings": {}}

    def run(row: dict[str, Any], col: str, call: Callable[[Any], Any],
            setup: Callable[[], Any] | None = None) -> None:
        try:
            row["timings"][col] = measure(call, repeats, setup)
        except Exception as exc:  # report and keep going
            row["errors"][col] = _error(exc)

    # the copy floor, shared by both rows: the faster of NumPy's copy (one thread) and
    # torch's (which uses the --threads threads on large tensors)
    dst = np.empty_like(x)
    run(fwd, "copy", lambda _: np.copyto(dst, x))
    run(fwd, "copy_torch", lambda _: torch.from_numpy(dst).copy_(torch.from_numpy(x)))
    t = fwd["timings"]
    if "copy_torch" in t and ("copy" not in t or t["copy_torch"].median < t["copy"].median):
        t["copy"] = t["copy_torch"]
    t.pop("copy_torch", None)
    if "copy" in t:
        bwd["timings"]["copy"] = t["copy"]

    out = np.empty_like(x)
    # f ------------------------------------------------------------------------------------
    run(fwd, "actlab", lambda _: act(x, out=out))
    if act.naive is not None:
        naive = act.naive

        def naive_call(_: Any) -> Any:
            with np.errstate(all="ignore"):
                return naive(np, x, **params)

        run(fwd, "naive", naive_call)
    teq = act.torch_equivalent
    xt = torch.from_numpy(x)
    gt = torch.from_numpy(g)
    if teq is not None:
        tout = torch.empty_like(xt)
        try:
            fout = torch_forward_plan(teq, xt, params, tout)
        except Exception as exc:
            fwd["errors"]["torch"] = _error(exc)
        else:
            fwd["torch_mode"] = "out" if fout is not None else "alloc"
            fns = fout if fout is not None else F
            run(fwd, "torch", lambda _: teq(fns, xt, **params))

    # g * f' -------------------------------------------------------------------------------
    run(bwd, "actlab", lambda _: act.backward(x, g, out=out))
    if teq is not None:
        xg = torch.from_numpy(x).requires_grad_(True)

        def graph() -> torch.Tensor:
            with torch.enable_grad():
                y = teq(F, xg, **params)
            if not (isinstance(y, torch.Tensor) and y.requires_grad):
                raise RuntimeError("torch_equivalent(F, x) is not differentiable in x")
            return y

        bwd["torch_mode"] = "autograd"
        run(bwd, "torch", lambda y: torch.autograd.grad(y, xg, gt), setup=graph)
    # every array and tensor made here (out, dst, torch outputs) is freed on return

    for row in (fwd, bwd):
        t = row["timings"]
        ms = {k: v.median * 1e3 for k, v in t.items()}
        row["ms"] = ms
        row["warmup_ms"] = {k: v.warmup * 1e3 for k, v in t.items()}
        row["repeats_ms"] = {k: [s * 1e3 for s in v.times] for k, v in t.items()}
        row["worst_s"] = {k: v.worst for k, v in t.items()}
        a = ms.get("actlab")
        row["actlab/torch"] = a / ms["torch"] if a is not None and ms.get("torch") else None
        row["actlab/copy"] = a / ms["copy"] if a is not None and ms.get("copy") else None
    return [fwd, bwd]


# output --------------------------------------------------------------------------------------
COLUMNS = [  # (header, width)
    ("activation", 14), ("dtype", 7), ("op", 5), ("actlab ms", 10), ("naive ms", 10),
    ("torch ms", 10), ("torch", 8), ("copy ms", 9), ("act/torch", 10), ("act/copy", 9),
    ("notes", 0),
]


def _fmt_ms(row: dict[str, Any], col: str) -> str:
    if col in row["errors"]:
        return "ERROR"
    v = row["ms"].get(col)
    return "" if v is None else f"{v:.2f}"


def _fmt_ratio(v: float | None) -> str:
    return "" if v is None else f"{v:.2f}x"


def format_row(row: dict[str, Any], slow: float) -> str:
    notes = [f"{col} error" for col in row["errors"]]
    notes += [f"{col} slow ({s:.1f} s/call)" for col, s in row["worst_s"].items()
              if s > slow and not (col == "copy" and row["op"] != "f")]
    cells = [row["name"], row["dtype"], row["op"], _fmt_ms(row, "actlab"),
             _fmt_ms(row, "naive"), _fmt_ms(row, "torch"),
             row.get("torch_mode", "") if "torch" in row["ms"] else "",
             _fmt_ms(row, "copy"), _fmt_ratio(row["actlab/torch"]),
             _fmt_ratio(row["actlab/copy"]), "; ".join(notes)]
    return _join(cells)


def _join(cells: list[str]) -> str:
    parts = []
    for (header, width), cell in zip(COLUMNS, cells, strict=True):
        if width == 0:
            parts.append(cell)
        elif header in ("activation", "dtype", "op", "torch"):
            parts.append(cell.ljust(width))
        else:
            parts.append(cell.rjust(width))
    return " ".join(parts).rstrip()


def load_average() -> str:
    """The 1/5/15-minute load averages: other processes make the numbers noisy."""
    try:
        one, five, fifteen = os.getloadavg()
    except (AttributeError, OSError):
        return "?"
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def machine_threads() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def machine_info(threads: int) -> dict[str, Any]:
    model = platform.processor() or ""
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    usable = machine_threads()
    import scipy

    return {
        "platform": platform.platform(),
        "cpu": model,
        "cpu_count": os.cpu_count(),
        "cpus_usable": usable,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "torch": torch.__version__,
        "actlab": getattr(actlab, "__version__", "?"),
        "threads": threads,
        "torch_interop_threads": torch.get_num_interop_threads(),
        "load_average_start": load_average(),
    }


# main ----------------------------------------------------------------------------------------
def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--size", type=int, default=2**24, help="elements per array (default 2**24)")
    p.add_argument("--dtype", choices=["float32", "float64", "both"], default="float32")
    p.add_argument("--repeats", type=int, default=7,
                   help="timed calls per measurement, after one warm-up (default 7)")
    p.add_argument("--threads", type=int, default=None,
                   help="threads for actlab (actlab.set_num_threads) and torch "
                        "(torch.set_num_threads); default: all usable cores")
    p.add_argument("--small", action="store_true",
                   help="instead of the table: per-call time (us) at 1, 64 and 4096 elements")
    p.add_argument("--only", default=None, help="comma-separated activation names (or aliases)")
    p.add_argument("--json", type=Path, default=None, help="also write the numbers to this file")
    p.add_argument("--slow", type=float, default=5.0,
                   help="flag measurements whose slowest call exceeds this many seconds")
    args = p.parse_args(argv)
    if args.size < 1 or args.repeats < 1:
        p.error("--size and --repeats must be >= 1")
    if args.threads is not None and args.threads < 1:
        p.error("--threads must be >= 1")
    return args


def small_arrays(names: list[str], dtypes: list[str], repeats: int) -> None:
    """Per-call time in microseconds on small arrays (the training-loop case): one call
    is timed as the median of ``repeats`` loops of many calls each."""
    print(_join_small(["activation", "dtype", "op", *[f"{n} act" for n in SMALL_SIZES],
                       *[f"{n} torch" for n in SMALL_SIZES]]))
    for dtype in dtypes:
        rng = np.random.default_rng(0)
        for name in names:
            act = actlab.get(name)
            cells: dict[str, list[str]] = {"f": [], "g*f'": []}
            torch_cells: dict[str, list[str]] = {"f": [], "g*f'": []}
            for n in SMALL_SIZES:
                x = rng.normal(0.0, 3.0, n).astype(DTYPES[dtype])
                g = rng.normal(0.0, 1.0, n).astype(DTYPES[dtype])
                for op, (mine, theirs) in _small_calls(act, x, g).items():
                    cells[op].append(_per_call(mine, repeats))
                    torch_cells[op].append("" if theirs is None else _per_call(theirs, repeats)
                                           + ("*" if op == "g*f'" else ""))
            for op in ("f", "g*f'"):
                print(_join_small([name, dtype, op, *cells[op], *torch_cells[op]]), flush=True)
    print("\n* torch g*f' includes building the graph (forward) in each call.")


def _small_calls(act: actlab.Activation, x: np.ndarray, g: np.ndarray) -> dict[str, Any]:
    """{op: (actlab call, torch call or None)} on preallocated outputs."""
    out = np.empty_like(x)
    params = dict(act.params)
    calls: dict[str, Any] = {"f": (lambda: act(x, out=out), None),
                             "g*f'": (lambda: act.backward(x, g, out=out), None)}
    teq = act.torch_equivalent
    if teq is None:
        return calls
    xt, gt = torch.from_numpy(x), torch.from_numpy(g)
    fout = torch_forward_plan(teq, xt, params, torch.empty_like(xt)) or F
    xg = xt.clone().requires_grad_(True)

    def vjp() -> Any:
        with torch.enable_grad():
            return torch.autograd.grad(teq(F, xg, **params), xg, gt)

    calls["f"] = (calls["f"][0], lambda: teq(fout, xt, **params))
    calls["g*f'"] = (calls["g*f'"][0], vjp)
    return calls


SMALL_SIZES = (1, 64, 4096)


def _per_call(call: Callable[[], Any], repeats: int) -> str:
    call()
    t0 = time.perf_counter()
    call()
    once = max(time.perf_counter() - t0, 1e-7)
    loops = max(1, min(20000, int(0.02 / once)))  # ~20 ms per timed loop
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(loops):
            call()
        times.append((time.perf_counter() - t0) / loops)
    return f"{statistics.median(times) * 1e6:.1f}"


def _join_small(cells: list[str]) -> str:
    widths = [14, 8, 5] + [10] * (len(cells) - 3)
    return " ".join(c.ljust(w) if i < 3 else c.rjust(w)
                    for i, (c, w) in enumerate(zip(cells, widths, strict=True))).rstrip()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    threads = args.threads if args.threads is not None else machine_threads()
    torch.set_num_threads(threads)
    actlab.set_num_threads(threads)

    if args.only:
        names = []
        for n in args.only.split(","):
            if n.strip():
                try:
                    names.append(actlab.definition(n.strip()).name)
                except ValueError as exc:
                    print(exc, file=sys.stderr)
                    return 2
    else:
        names = actlab.names()
    dtypes = ["float32", "float64"] if args.dtype == "both" else [args.dtype]

    info = machine_info(threads)
    print(f"machine: {info['cpu'] or '?'}; {info['cpu_count']} CPUs ({info['cpus_usable']} usable);"
          f" {info['platform']}")
    print(f"python {info['python']}, numpy {info['numpy']}, scipy {info['scipy']}, "
          f"torch {info['torch']}, actlab {info['actlab']}")
    print(f"threads: actlab {actlab.get_num_threads()}, torch {threads} (interop "
          f"{info['torch_interop_threads']}); load average {info['load_average_start']}")
    if args.small:
        small_arrays(names, dtypes, args.repeats)
        print(f"load average now {load_average()}")
        return 0
    print(f"size: {args.size} elements ({args.size:.3g}); dtypes: {', '.join(dtypes)}; "
          f"median of {args.repeats} after 1 warm-up; x ~ N(0, 3^2), g ~ N(0, 1), "
          f"default_rng(0)")
    print()
    header = _join([h for h, _ in COLUMNS])
    print(header)
    print("-" * max(len(header), 110))

    rows: list[dict[str, Any]] = []
    started = time.perf_counter()
    try:
        for dtype in dtypes:
            rng = np.random.default_rng(0)
            x = rng.normal(0.0, 3.0, args.size).astype(DTYPES[dtype])
            g = rng.normal(0.0, 1.0, args.size).astype(DTYPES[dtype])
            for name in names:
                try:
                    pair = bench_one(name, x, g, args.repeats)
                except Exception as exc:  # e.g. the constructor itself failed
                    print(f"{name:<14} {dtype:<7} ERROR {_error(exc)}", flush=True)
                    rows.append({"name": name, "dtype": dtype, "op": "*",
                                 "errors": {"setup": _error(exc)}})
                    continue
                for row in pair:
                    print(format_row(row, args.slow), flush=True)
                    rows.append(row)
                gc.collect()
            del x, g
            gc.collect()
    finally:
        elapsed = time.perf_counter() - started
        print()
        info["load_average_end"] = load_average()
        print(f"total time: {elapsed:.0f} s; load average now {info['load_average_end']}")
        errors = [(r["name"], r["dtype"], r["op"], col, msg)
                  for r in rows for col, msg in r["errors"].items()]
        if errors:
            print("errors:")
            for name, dtype, op, col, msg in errors:
                print(f"  {name} [{dtype}, {op}, {col}]: {msg}")
        else:
            print("errors: none")
        slow = [(r["name"], r["dtype"], r["op"], col, s)
                for r in rows for col, s in r.get("worst_s", {}).items()
                if s > args.slow and not (col == "copy" and r["op"] != "f")]
        if slow:
            print(f"slower than {args.slow:g} s per call (slowest call incl. warm-up):")
            for name, dtype, op, col, s in slow:
                print(f"  {name} [{dtype}, {op}, {col}]: {s:.1f} s")
        if args.json is not None:
            for r in rows:
                r.pop("timings", None)
            doc = {"machine": info, "settings": {k: (str(v) if isinstance(v, Path) else v)
                                                 for k, v in vars(args).items()},
                   "elapsed_s": elapsed, "rows": rows}
            args.json.parent.mkdir(parents=True, exist_ok=True)
            args.json.write_text(json.dumps(doc, indent=1))
            print(f"json written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
