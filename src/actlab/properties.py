"""Properties of an activation, computed from its exact f, f', f'' and its formula.

Nothing here is typed in per activation: every property is measured, for any
parameter values, from the kernels (which are exact, also at +-inf) and from the
SymPy form of ``act.formula`` (which says where the kinks are).

>>> import actlab
>>> str(output_range(actlab.get("tanh"))), str(output_range(actlab.get("relu")))
('(-1, 1)', '[0, inf)')
>>> str(output_range(actlab.get("silu")))
'[-0.278, inf)'
>>> p = properties(actlab.get("relu"))
>>> p.dead_region, p.saturating, p.max_slope, round(gain(actlab.get("relu")) ** 2, 12)
(((-inf, 0],), 'left', 1.0, 2.0)
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, fields
from typing import Any

import numpy as np
import sympy
from scipy.optimize import minimize_scalar

from actlab.activation import Activation
from actlab.formula import X, parse
from actlab.registry import accepts_names

# Log-spaced points reach the tails (where saturation shows), linear ones resolve the
# middle (where the interior extrema of the catalogue are); 0 itself is in linspace.
_LOG = np.logspace(-8, 8, 161)
_GRID = np.unique(np.concatenate([-_LOG, _LOG, np.linspace(-20.0, 20.0, 4001)]))


class Range(tuple):
    """An interval ``(lo, hi)`` of the extended reals; ``closed`` says which ends belong.

    :func:`output_range` gives the inf and sup of f (``closed``: attained); dead regions
    and the places of the maximum slope are intervals of x. A single point is
    ``Range(x, x, (True, True))``, printed ``{x}``; ``Range(inf, inf)`` means "as x -> inf".
    """

    closed: tuple[bool, bool]

    def __new__(cls, lo: float, hi: float, closed: tuple[bool, bool]) -> Range:
        self = super().__new__(cls, (lo, hi))
        self.closed = closed
        return self

    def __str__(self) -> str:
        lo, hi = self
        if lo == hi:
            return f"{{{lo + 0.0:.3g}}}" if math.isfinite(lo) else f"x -> {lo:+}"
        return format_range(lo, hi, closed=self.closed)

    __repr__ = __str__


@accepts_names
def output_range(act: Activation) -> Range:
    """The inf and sup of ``act`` over the reals, and whether each is attained.

    Candidates are f(-inf), f(+inf) (the kernels return the limits) and f on a dense
    grid; an interior extremum is polished with a bounded scalar minimisation. A bound
    that equals a limit and is also hit on the grid is attained only if the exact formula
    agrees at that point: in float64, tanh(20) == 1 although tanh never reaches 1.
    """
    with np.errstate(all="ignore"):  # nan at +-inf (e.g. sin) just means "no limit"
        ys, limits = act(_GRID), act(np.array([-np.inf, np.inf]))
    lo, lo_closed = _inf(act, ys, limits, 1.0)
    hi, hi_closed = _inf(act, ys, limits, -1.0)
    return Range(lo, -hi, (lo_closed, hi_closed))


def _inf(act: Activation, ys: np.ndarray, limits: np.ndarray, sign: float) -> tuple[float, bool]:
    """inf of sign * f and whether it is attained (sign = -1 gives minus the sup)."""
    g, g_lim = sign * ys, sign * limits
    i = int(np.nanargmin(g))
    m_lim = float(np.nanmin(g_lim)) if not np.isnan(g_lim).all() else np.inf
    if m_lim < g[i]:  # approached at +-inf only (or never reached on the grid)
        return m_lim, False
    if g[i] < m_lim:  # interior extremum: attained (f is continuous there); polish it
        a, b = _GRID[max(i - 1, 0)], _GRID[min(i + 1, len(_GRID) - 1)]
        res = minimize_scalar(lambda x: sign * float(act(x)), bounds=(a, b), method="bounded",
                              options={"xatol": 1e-12})
        return min(float(g[i]), float(res.fun)), True
    # The grid reaches a limit value: genuinely (a plateau, as relu) or by rounding.
    # Check the hit nearest 0: saturation by rounding happens far out, plateaus start near.
    hits = _GRID[g == g[i]]
    return float(g[i]), _exactly(act, float(hits[np.argmin(np.abs(hits))]), sign * float(g[i]))


def _exactly(act: Activation, x0: float, value: float) -> bool:
    """Whether the formula, in exact arithmetic, gives ``value`` at ``x0``.

    SymPy's ``is_zero`` decides it symbolically (log(1 + e^-800) is not 0), where a
    fixed-precision evaluation would round to 0 again; "unknown" counts as no.
    """
    expr = _exact_formula(act).subs(X, sympy.Rational(x0))
    return (expr - sympy.Rational(value)).is_zero is True


def _exact_formula(act: Activation) -> sympy.Expr:
    """The formula with the parameter values substituted as exact binary fractions."""
    expr = parse(act.formula, act.params)
    return expr.subs({s: sympy.Rational(act.params[s.name])
                      for s in expr.free_symbols if s.name != "x"})


def format_range(lo: float, hi: float, closed: tuple[bool, bool] = (False, False)) -> str:
    """``"[0, inf)"``: brackets for attained bounds, 3 significant digits.

    >>> format_range(-1.0, 1.0), format_range(0.0, np.inf, (True, False))
    ('(-1, 1)', '[0, inf)')
    """
    left = "[" if closed[0] and np.isfinite(lo) else "("
    right = "]" if closed[1] and np.isfinite(hi) else ")"
    return f"{left}{lo + 0.0:.3g}, {hi + 0.0:.3g}{right}"  # + 0.0 turns -0.0 into 0


# kinks ---------------------------------------------------------------------------------


@functools.cache
def kinks(act: Activation) -> tuple[float, ...]:
    """The points where f may fail to be smooth, sorted: read off the formula.

    They are the real solutions in x of every comparison in a ``where``/``max``/``min``
    condition and the zeros of every ``abs``/``sign`` argument. Between two kinks f is
    one analytic expression. Thresholds SymPy cannot solve in closed form are not found
    (none in the catalogue: all are x against a constant).

    >>> import actlab
    >>> kinks(actlab.get("relu6")), kinks(actlab.get("softsign")), kinks(actlab.get("tanh"))
    ((0.0, 6.0), (0.0,), ())
    """
    expr = _exact_formula(act)
    equations = [rel.lhs - rel.rhs for pw in expr.atoms(sympy.Piecewise)
                 for _, cond in pw.args for rel in cond.atoms(sympy.core.relational.Relational)]
    equations += [fn.args[0] for fn in expr.atoms(sympy.Abs, sympy.sign)]
    points: set[float] = set()
    for eq in equations:
        roots = sympy.solveset(eq, X, domain=sympy.S.Reals)
        if isinstance(roots, sympy.FiniteSet):
            points.update(float(r) for r in roots)
    return tuple(sorted(points))


# Gaussian expectations -------------------------------------------------------------------

_GL_X, _GL_W = np.polynomial.legendre.leggauss(32)
#: Breakpoints in units of the standard deviation; beyond 38.5 sd the density is < 1e-322.
_SD_SPLITS = np.array([0.125, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 38.5])
#: Breakpoints in x, graded towards 0 where smooth activations bend (softplus with a large
#: beta turns within 1/beta of 0): Gauss-Legendre needs the bend resolved.
_X_SPLITS = 2.0 ** np.arange(-20, 6)


def normal_nodes(act: Activation, q: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Nodes x and weights w with ``w @ g(x)`` = E[g(sqrt(q) z)], z ~ N(0, 1), q > 0.

    Method: the integral over x of g(x) times the N(0, q) density is split at the kinks
    of ``act``, at 0, at +-(1/8 .. 16) sd, at +-2^-20 .. 2^5 and cut at +-38.5 sd; each
    piece gets 32-point Gauss-Legendre. On each piece the integrand is analytic (the
    kinks are breakpoints) and resolved, so the rule converges geometrically: the
    relative error is ~1e-15 (E[relu(z)^2] = 1/2 to 1 ulp), where Gauss-Hermite
    converges only like n^-1.5 across a kink. Works in x, not z, so a sharp activation
    stays resolved however large q is.
    """
    if not 0 < q < math.inf:
        raise ValueError(f"q must be a finite number > 0. Got {q!r} instead.")
    sd = math.sqrt(q)
    end = 38.5 * sd  # (the last of sd * _SD_SPLITS: clipping keeps +-end as the ends)
    splits = np.concatenate([sd * _SD_SPLITS, _X_SPLITS])
    cuts = np.unique(np.clip(np.concatenate([[0.0], splits, -splits, kinks(act)]), -end, end))
    mid, half = (cuts[1:] + cuts[:-1]) / 2, (cuts[1:] - cuts[:-1]) / 2
    x = (mid[:, None] + half[:, None] * _GL_X).ravel()
    density = np.exp(-0.5 * (x / sd) ** 2) / (sd * math.sqrt(2 * math.pi))
    return x, (half[:, None] * _GL_W).ravel() * density


# properties ------------------------------------------------------------------------------


@dataclass(frozen=True, repr=False)
class Properties:
    """What :func:`properties` measures; see there for every rule. ``as_dict()`` for JSON."""

    act: Activation
    range: Range
    bounded: bool
    f0: float
    mean: float
    second_moment: float
    grad_second_moment: float
    zero_centred: bool
    monotonic: str | bool
    kinks: tuple[float, ...]
    continuous: bool
    continuous_df: bool
    continuous_d2f: bool
    max_slope: float
    max_slope_at: tuple[Range, ...]
    saturating: str
    dead_region: tuple[Range, ...]
    self_gated: bool

    def as_dict(self) -> dict[str, Any]:
        """Plain values: the activation as its spec, each interval as
        ``{"lo": ..., "hi": ..., "closed": [lo_closed, hi_closed]}``."""
        def plain(r: Range) -> dict[str, Any]:
            return {"lo": r[0], "hi": r[1], "closed": list(r.closed)}
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        out["act"] = self.act.spec()
        out["range"] = plain(self.range)
        for key in ("max_slope_at", "dead_region"):
            out[key] = [plain(r) for r in out[key]]
        return out

    def __repr__(self) -> str:
        def show(v: Any) -> str:
            if isinstance(v, tuple) and v and isinstance(v[0], Range):
                return " U ".join(map(str, v))
            if isinstance(v, float):
                return f"{v:.6g}"
            return "-" if v == () else str(v)
        rows = [f"  {f.name:<19}{show(getattr(self, f.name))}" for f in fields(self)[1:]]
        return f"Properties of {self.act!r}:\n" + "\n".join(rows)


@accepts_names
@functools.cache
def properties(act: Activation) -> Properties:
    """Every property of ``act``, computed for its parameter values.

    Rules (all checked on the kernels, which are exact, plus the kinks of the formula):

    * ``range``: :func:`output_range`; ``bounded``: both of its ends finite.
    * ``f0 = f(0)``, ``mean = E[f(z)]``, ``second_moment = E[f(z)^2]``,
      ``grad_second_moment = E[f'(z)^2]`` for z ~ N(0, 1), by :func:`normal_nodes`.
    * ``zero_centred``: f(0) = 0 *and* |E f(z)| <= 1e-8 sqrt(E f(z)^2), i.e. zero up to
      quadrature error: a zero-mean input comes out with zero mean (LeCun et al. 1998:
      otherwise the next layer's weight updates are biased). True for odd functions and
      for SELU (whose constants are chosen for it); False for ELU, whose mean 0.16 is
      only *closer* to 0 than ReLU's 0.40 (read ``mean`` for the degree).
    * ``monotonic``: "increasing" if f' >= 0 on the grid, at +-inf and on the kinks'
      sides, and no jump of f goes down (weakly: relu is increasing); "decreasing"
      likewise; "constant" if f' is 0 everywhere with no jump; else False.
    * ``continuous``, ``continuous_df``, ``continuous_d2f``: f is C^0, C^1, C^2: no jump of
      f, f', f'' at any kink (one-sided values at kink -+ 1e-9 (1 + |kink|), extrapolated
      to the kink with the next derivative for f and f'); elsewhere f is analytic.
      A jump of f means f' is not continuous either (heaviside: f' = 0 both sides).
    * ``max_slope``: sup |f'|; ``max_slope_at``: where it is attained: intervals where
      f' is that constant (relu: (0, inf)), points (sigmoid: {0}; for a periodic f' the
      nearest to 0 on each side), or "x -> +-inf" when it is only approached (softplus).
      Found on the grid, polished with bounded Brent.
    * ``saturating``: which ends have f'(+-inf) = 0: "left", "right", "both", "none".
    * ``dead_region``: the intervals where f' is exactly 0: pieces between kinks on
      which f' vanishes at every sample point (including the endpoints where the
      kink convention gives 0): relu (-inf, 0], relu6 (-inf, 0] U [6, inf).
    * ``self_gated``: f(x) = x g(x) with g a continuous, non-decreasing gate that shuts
      (x g(x) -> 0 as x -> -inf, so g -> 0 faster than 1/|x|), opens (g -> 1 at +inf)
      and is partly open at 0 (0 < g(0) = f'(0) < 1: the input is weighted by its value
      around 0, not cut by a threshold). True for silu, swish (beta > 0), gelu, mish,
      hardswish; False for relu (its gate, the step, jumps at 0), relu(x - 1) (gate
      shut at 0), elu (x g(x) -> -alpha: the gate never shuts), softplus (g < 0 for
      x < 0).

    >>> import actlab
    >>> p = properties(actlab.get("sigmoid"))
    >>> p.max_slope, p.max_slope_at, p.saturating, p.zero_centred
    (0.25, ({0},), 'both', False)
    """
    with np.errstate(all="ignore"):  # nan at +-inf (sin) means "no limit"
        return _measure(act)


def _measure(act: Activation) -> Properties:
    ks = kinks(act)
    ends = np.array([-np.inf, np.inf])
    f_inf, d_inf = act(ends), act.grad(ends)
    rng = output_range(act)
    x, w = normal_nodes(act)
    y, dy = act(x), act.grad(x)
    mean, m2, dm2 = float(w @ y), float(w @ (y * y)), float(w @ (dy * dy))
    f0 = float(act(0.0))
    jumps = {t: _jumps(act, t) for t in ks}
    continuous = not any(j[0] for j in jumps.values())
    continuous_df = continuous and not any(j[1] for j in jumps.values())
    plateaus = _plateaus(act, ks)
    slope, slope_at = _max_slope(act, ks, plateaus, np.abs(d_inf))
    left, right = (bool(d == 0) for d in d_inf)
    return Properties(
        act=act, range=rng, bounded=bool(np.isfinite(rng).all()), f0=f0, mean=mean,
        second_moment=m2, grad_second_moment=dm2,
        zero_centred=f0 == 0 and abs(mean) <= 1e-8 * math.sqrt(m2),
        monotonic=_monotonic(act, ks, d_inf, jumps), kinks=ks, continuous=continuous,
        continuous_df=continuous_df,
        continuous_d2f=continuous_df and not any(j[2] for j in jumps.values()),
        max_slope=slope, max_slope_at=slope_at,
        saturating={(True, True): "both", (True, False): "left", (False, True): "right",
                    (False, False): "none"}[left, right],
        dead_region=tuple(r for r, v in plateaus if v == 0),
        self_gated=_self_gated(act, f_inf, d_inf, jumps),
    )


def _offset(t: float) -> float:
    return 1e-9 * max(1.0, abs(t))


def _scan_points(ks: tuple[float, ...]) -> np.ndarray:
    """The grid plus every kink and points close to it on both sides."""
    near = [t + s * _offset(t) * m for t in ks for s in (-1, 1) for m in (0.0, 1.0, 1e3, 1e6)]
    return np.unique(np.concatenate([_GRID, near]))


def _jumps(act: Activation, t: float) -> tuple[float, float, float]:
    """Jumps of f, f', f'' at t (0.0 where continuous): right minus left limit.

    The one-sided values at t -+ h are extrapolated to t with the derivative (for f and
    f'), so a steep but continuous function does not look like a jump.
    """
    h = _offset(t)
    xs = np.array([t - h, t + h])
    f, d, d2 = act(xs), act.grad(xs), act.grad2(xs)
    limits = ((f[0] + h * d[0], f[1] - h * d[1]), (d[0] + h * d2[0], d[1] - h * d2[1]), d2)

    def jump(lr: Any) -> float:
        gap = float(lr[1] - lr[0])
        return gap if abs(gap) > 1e-6 * max(1.0, abs(lr[0]), abs(lr[1])) else 0.0
    return jump(limits[0]), jump(limits[1]), jump(limits[2])


def _piece_samples(a: float, b: float) -> np.ndarray:
    """Points inside (a, b) near both ends and across it (the whole grid if unbounded)."""
    if math.isinf(a) and math.isinf(b):
        return _GRID
    steps = np.logspace(-9, 3, 25)
    if math.isinf(a):
        return b - steps * max(1.0, abs(b))
    if math.isinf(b):
        return a + steps * max(1.0, abs(a))
    u = np.concatenate([np.logspace(-9, -1, 9), np.linspace(0.1, 0.9, 9)])
    return np.concatenate([a + (b - a) * u, b - (b - a) * u])


def _plateaus(act: Activation, ks: tuple[float, ...]) -> list[tuple[Range, float]]:
    """Maximal intervals on which f' is one exact constant, with that constant.

    Between kinks f is analytic, so f' constant at all the samples of a piece means f'
    constant on the piece. A kink belongs to the interval if f'(kink) (the convention)
    is that constant too; neighbours with the same constant joined by such a kink merge.
    """
    edges = [-math.inf, *ks, math.inf]
    found: list[tuple[float, float, float]] = []
    for a, b in zip(edges, edges[1:], strict=False):
        d = act.grad(_piece_samples(a, b))
        if np.isfinite(d[0]) and (d == d[0]).all():
            found.append((a, b, float(d[0])))
    at_kink = {t: float(act.grad(t)) for t in ks}
    merged: list[list[Any]] = []  # [lo, hi, value, lo_closed, hi_closed]
    for a, b, v in found:
        a_in = at_kink.get(a) == v
        if merged and merged[-1][1] == a and merged[-1][2] == v and a_in:
            merged[-1][1], merged[-1][4] = b, at_kink.get(b) == v
        else:
            merged.append([a, b, v, a_in, at_kink.get(b) == v])
    return [(Range(lo, hi, (lc, hc)), v) for lo, hi, v, lc, hc in merged]


def _max_slope(act: Activation, ks: tuple[float, ...], plateaus: list[tuple[Range, float]],
               at_inf: np.ndarray) -> tuple[float, tuple[Range, ...]]:
    """sup |f'| and where it is attained (see :func:`properties`)."""
    xs = _scan_points(ks)
    a = np.abs(act.grad(xs))
    # Runs of equal values: a maximum may be flat to rounding (sigmoid' near 0), and a
    # run reaching the end of the grid is the limit at infinity, not an interior point.
    starts = np.flatnonzero(np.concatenate([[True], a[1:] != a[:-1]]))
    stops = np.concatenate([starts[1:], [len(a)]]) - 1
    points: list[tuple[float, float]] = []
    for i, j in zip(starts, stops, strict=True):
        if i == 0 or j == len(a) - 1 or not (a[i - 1] < a[i] > a[j + 1]):
            continue
        res = minimize_scalar(lambda x: -abs(float(act.grad(x))), bounds=(xs[i - 1], xs[j + 1]),
                              method="bounded", options={"xatol": 1e-12})
        # NOTE: accept the polished point only if it beats the grid by more than rounding:
        # tanh'(3e-9) = 1 + 2e-16 in float64 would otherwise move tanh's maximum off 0.
        if -res.fun > a[i] * (1 + 1e-14):
            points.append((float(res.x), -float(res.fun)))
        else:
            points.append((float(xs[(i + j) // 2]), float(a[i])))
    candidates = [v for _, v in points] + [abs(v) for _, v in plateaus]
    candidates += [float(v) for v in at_inf if not np.isnan(v)]
    top = max(candidates)
    flat = tuple(r for r, v in plateaus if abs(v) == top)
    if flat:
        return top, flat
    ends = zip((-np.inf, np.inf), at_inf, strict=True)
    limits = tuple(Range(e, e, (False, False)) for e, v in ends if v >= top * (1 - 1e-12))
    if limits:
        return top, limits
    # A periodic f' attains its maximum infinitely often: keep the point nearest 0 on
    # each side (and 0 itself).
    best = [x for x, v in points if v >= top * (1 - 1e-12)]
    keep = {max((x for x in best if x < 0), default=None), 0.0 if 0.0 in best else None,
            min((x for x in best if x > 0), default=None)}
    return top, tuple(Range(x, x, (True, True)) for x in sorted(keep - {None}))


def _monotonic(act: Activation, ks: tuple[float, ...], d_inf: np.ndarray,
               jumps: dict[float, tuple[float, float, float]]) -> str | bool:
    d = np.concatenate([act.grad(_scan_points(ks)), d_inf])
    d = d[~np.isnan(d)]
    steps = np.array([j[0] for j in jumps.values()])
    up = (d >= 0).all() and (steps >= 0).all()
    down = (d <= 0).all() and (steps <= 0).all()
    if up and down:
        return "constant"
    return "increasing" if up else "decreasing" if down else False


def _self_gated(act: Activation, f_inf: np.ndarray, d_inf: np.ndarray,
                jumps: dict[float, tuple[float, float, float]]) -> bool:
    """f = x g(x), g continuous, non-decreasing, x g -> 0 at -inf, g -> 1 at +inf,
    0 < g(0) < 1."""
    shuts_opens = f_inf[0] == 0 and f_inf[1] == np.inf and d_inf[1] == 1
    # g jumps where f does, and at 0 (g(0+-) = f'(0+-) when f(0) = 0) where f' does.
    gate_continuous = not any(j[0] for j in jumps.values()) and not jumps.get(0.0, (0, 0))[1]
    if not (shuts_opens and gate_continuous and act(0.0) == 0 and 0 < act.grad(0.0) < 1):
        return False
    xs = _GRID[_GRID != 0]
    g = act(xs) / xs
    return bool((np.diff(g) >= -1e-14).all())


# gains -------------------------------------------------------------------------------------


@accepts_names
def gain(act: Activation) -> float:
    """The variance-preserving gain 1 / sqrt(E[f(z)^2]), z ~ N(0, 1).

    With weights of variance gain^2 / fan_in, a unit-variance pre-activation gives the
    next pre-activation unit variance again: the second moment (not the variance: the
    zero-mean weights carry the mean into it) is what propagates (He et al. 2015). In
    mean-field terms, gain^2 is the sw2 that makes q* = 1 a fixed point of the length map
    with sb2 = 0 (:mod:`actlab.meanfield`). sqrt(2) for relu, sqrt(2 / (1 + a^2)) for
    leaky_relu(a), 1 for selu.

    >>> import actlab
    >>> round(gain(actlab.get("tanh")), 4), round(gain(actlab.get("sigmoid")), 4)
    (1.5925, 1.8462)
    """
    m2 = properties(act).second_moment
    return 1.0 / math.sqrt(m2) if m2 > 0 else math.inf


@accepts_names
def torch_gain(act: Activation) -> float | None:
    """``torch.nn.init.calculate_gain`` for ``act`` (None: torch missing or no entry).

    Tries the name and each alias (identity is torch's "linear"); an activation with
    one parameter passes its value as ``param`` (torch reads it for leaky_relu only).
    """
    try:
        from torch.nn.init import calculate_gain
    except ImportError:  # pragma: no cover - torch is optional
        return None
    param = next(iter(act.params.values())) if len(act.params) == 1 else None
    for key in (act.name, *act.aliases):
        try:
            return float(calculate_gain(key, param))  # type: ignore[arg-type]
        except ValueError:  # "Unsupported nonlinearity"
            continue
    return None


@functools.lru_cache(maxsize=1)
def _torch_gains() -> dict[str, float] | None:
    import actlab

    try:
        import torch  # noqa: F401
    except ImportError:  # pragma: no cover - torch is optional
        return None
    gains = {name: torch_gain(actlab.get(name)) for name in actlab.names()}
    return {name: g for name, g in gains.items() if g is not None}


def __getattr__(name: str) -> Any:
    # TORCH_GAINS is computed on first use: importing torch costs seconds, and the CLI
    # imports this module.
    if name == "TORCH_GAINS":
        return _torch_gains()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


#: Why PyTorch's table says what it says, for its entries that differ from ours: what
#: PyTorch's docs, code and threads state (quoted where quoted).
_TORCH_RATIONALE = {
    "tanh": (
        "PyTorch gives no derivation for 5/3: the value arrived with the gain table "
        "(pytorch/pytorch#1172, 2017). Asked 'why 5/3?' on the PyTorch forum "
        "(discuss.pytorch.org/t/calculate-gain-tanh/20854), T. Viehmann justified it "
        "empirically: with xavier_normal_ and gain 5/3 the std of a deep tanh stack's "
        "output settles near 0.65 ('in: 0.9998, out: 0.6518') for 10, 20 or 100 layers, and "
        "gain 1 works less well: a stability choice, not second-moment preservation."),
    "sigmoid": (
        "PyTorch's 1 comes with no stated rationale (pytorch/pytorch#24991 asks 'why has "
        "torch.sigmoid a gain of 1?' and measured a std-preserving gain of 4.81)."),
    "selu": (
        "PyTorch's 3/4 was 'found empirically' (code comment citing pytorch/pytorch#50664, "
        "which took 0.75 from the forum thread above and checked gradient stability over "
        "100 layers, where the output std settled near 0.20). Its docs warn that for "
        "Self-Normalizing Neural Networks one should use nonlinearity='linear' (gain 1, "
        "weight variance 1/N, 'necessary to induce a stable fixed point'); 3/4 'sacrifices "
        "the normalization effect for more stable gradient flow in rectangular layers'."),
}


@accepts_names
def gain_note(act: Activation) -> str:
    """One paragraph: our gain against PyTorch's, and why they differ.

    Where they differ it also says, from :mod:`actlab.meanfield`, what PyTorch's gain
    does to a deep network without biases: the variance q* it settles at, the output
    rms that gives, and chi1 (the per-layer gradient factor).

    >>> import actlab
    >>> gain_note(actlab.get("relu"))[:40]
    'Ours = 1/sqrt(E[f(z)^2]) = 1.41421 and P'
    """
    ours, theirs, p = gain(act), torch_gain(act), properties(act)
    text = f"Ours = 1/sqrt(E[f(z)^2]) = {ours:.6g}"
    if theirs is None:
        return (text + f"; PyTorch's calculate_gain has no entry for {act.name!r}. Ours "
                "preserves the second moment of a unit-variance pre-activation.")
    if math.isclose(ours, theirs, rel_tol=1e-9):
        return (text + f" and PyTorch's {theirs:.6g} agree: both preserve the second "
                "moment E[f(z)^2] of a unit-variance pre-activation (He et al. 2015).")
    text += (f"; PyTorch's is {theirs:.6g} ({theirs / ours - 1:+.1%}). Ours makes "
             "sw2 E[f(z)^2] = 1, so q* = 1 is a fixed point of the length map at sb2 = 0.")
    if p.mean**2 > 0.5 * p.second_moment:
        text += (f" The mean E[f(z)] = {p.mean:.4g} carries {p.mean**2 / p.second_moment:.0%} "
                 f"of E[f(z)^2]; a gain preserving the variance instead would be "
                 f"1/std = {1 / math.sqrt(p.second_moment - p.mean**2):.4g}.")
    rationale = next((_TORCH_RATIONALE[k] for k in (act.name, *act.aliases)
                      if k in _TORCH_RATIONALE), "")
    return f"{text} {_torch_gain_in_mean_field(act, theirs)} {rationale}".strip()


def _torch_gain_in_mean_field(act: Activation, theirs: float) -> str:
    from actlab.meanfield import chi1, fixed_point  # (meanfield imports this module)

    sw2 = theirs**2
    try:
        q, c = fixed_point(act, sw2, 0.0), chi1(act, sw2, 0.0)
    except ValueError as exc:  # no attracting fixed point
        return f"With PyTorch's gain (sw2 = {sw2:.4g}, sb2 = 0): {exc}"
    phase = ("ordered: gradients shrink" if c < 1 - 1e-3 else
             "chaotic: gradients grow" if c > 1 + 1e-3 else "about critical")
    return (f"With PyTorch's gain (sw2 = {sw2:.4g}, sb2 = 0) a deep network settles at "
            f"q* = {q:.4g}, an output rms of {math.sqrt(q / sw2):.4g}, with chi1 = {c:.4g} "
            f"({phase} by that factor per layer).")


def format_value(value: Any, digits: int = 6) -> str:
    """A property value for people: floats to ``digits`` significant digits, ranges as
    intervals, tuples of floats comma-separated, tuples of intervals as a union, None as '-'.
    """
    if isinstance(value, float):
        return f"{value:.{digits}g}"
    if isinstance(value, Range):
        return str(value)
    if isinstance(value, tuple):
        sep = ", " if all(isinstance(v, float) for v in value) else " U "
        return sep.join(format_value(v, digits) for v in value) or "-"
    return "-" if value is None else str(value)
