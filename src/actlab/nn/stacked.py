r"""Many small networks trained at once: the engine of ``actlab compare``.

A cross-validation run trains the same architecture with the same activation once per
fold. Trained one after another, each small step pays Python's overhead; here the M
networks keep their weights stacked, ``W`` of shape (M, fan_in, fan_out), so one batched
``matmul`` steps all of them:

.. math:: z^{(m)} = x^{(m)} W^{(m)} + b^{(m)},\qquad m = 1..M

Each network still sees only its own training rows, shuffled by its own generator, with
its own input scaling; its loss is the mean over its own batch (rows of a short last
batch are padded with weight 0, so they change nothing). Every network's numbers depend
on nothing but its own data and generator: a model gives bit-identical results whether it
is trained alone or in a stack of any size (``tests/test_stacked.py``), which is what lets
``actlab compare`` resume an interrupted run exactly.

Early stopping is scikit-learn's rule, per network; a stopped network leaves the stack,
so it stops costing.

>>> import numpy as np
>>> from actlab.nn.optimizers import Adam
>>> rng = np.random.default_rng(0)
>>> X = rng.normal(size=(90, 2)); Y = (X[:, :1] * X[:, 1:] > 0).astype(float)
>>> rows = [np.arange(0, 60), np.arange(30, 90)]
>>> net = StackedMLP.build((2, 8, 1), "tanh", "binary_cross_entropy",
...                        rngs=[np.random.default_rng(s) for s in (1, 2)])
>>> runs = train_stacked(net, X, Y, rows, optimizer=Adam(1e-2), batch_size=32, max_epochs=30,
...                      rngs=[np.random.default_rng(s) for s in (1, 2)])
>>> [len(r.loss_curve) for r in runs], runs[0].loss_curve[-1] < runs[0].loss_curve[0]
([30, 30], True)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from actlab.activation import Activation
from actlab.nn import losses
from actlab.nn.layers import Dense
from actlab.nn.network import MLP, ActivationSpec, Init
from actlab.nn.optimizers import Optimizer, OptState


@dataclass
class StackedLayer:
    """One layer of M networks: views ``W`` (M, fan_in, fan_out), ``b`` (M, 1, fan_out) and
    ``theta`` (M, p) into the stack's parameter matrix, and their gradients.

    ``acts`` is one activation shared by all networks, or (when it has learnable
    parameters) one per network, rebuilt from ``theta`` after each step; None for the
    output layer.
    """

    W: np.ndarray
    b: np.ndarray
    theta: np.ndarray
    dW: np.ndarray
    db: np.ndarray
    dtheta: np.ndarray
    acts: list[Activation] | None

    @property
    def learnable(self) -> tuple[str, ...]:
        return self.acts[0].learnable if self.acts else ()


class StackedMLP:
    """M networks of the same layer sizes, activation and loss, with stacked weights.

    All parameters live in ONE matrix ``flat`` of shape (M, P), network m in row m: every
    layer's W first, then the biases, then the activations' learnable parameters. The
    layers' arrays are views into it, so an optimiser step is a handful of ufunc calls on
    one array (not a dozen per layer), and the L2 penalty is one reduction over
    ``flat[:, :n_weights]``. ``grad`` has the same layout.
    """

    def __init__(self, flat: np.ndarray, sizes: Sequence[int], acts: Sequence[list[Activation] | None],
                 loss: str | losses.Loss) -> None:
        self.flat = flat
        self.grad = np.zeros_like(flat)
        self.sizes = tuple(sizes)
        self.loss = losses.get(loss)
        M = flat.shape[0]
        fans = list(zip(self.sizes[:-1], self.sizes[1:], strict=True))
        n_theta = [0 if a is None else len(a[0].learnable) for a in acts]
        self.n_weights = sum(i * o for i, o in fans)
        w_at = np.cumsum([0] + [i * o for i, o in fans])
        b_at = self.n_weights + np.cumsum([0] + [o for _, o in fans])
        t_at = b_at[-1] + np.cumsum([0, *n_theta])
        if t_at[-1] != flat.shape[1]:
            raise ValueError(f"StackedMLP needs {t_at[-1]} parameters per network for sizes "
                             f"{self.sizes}. Got {flat.shape[1]} instead.")
        self.layers = []
        for k, ((i, o), act) in enumerate(zip(fans, acts, strict=True)):
            def view(a: np.ndarray, lo: int, hi: int, shape: tuple[int, ...]) -> np.ndarray:
                return a[:, lo:hi].reshape(M, *shape)

            parts = [(w_at[k], w_at[k + 1], (i, o)), (b_at[k], b_at[k + 1], (1, o)),
                     (t_at[k], t_at[k + 1], (n_theta[k],))]
            W, b, theta = (view(flat, lo, hi, shape) for lo, hi, shape in parts)
            dW, db, dtheta = (view(self.grad, lo, hi, shape) for lo, hi, shape in parts)
            self.layers.append(StackedLayer(W, b, theta, dW, db, dtheta,
                                            None if act is None else list(act)))

    @classmethod
    def build(cls, sizes: Sequence[int], activation: ActivationSpec, loss: str | losses.Loss, *,
              rngs: Sequence[np.random.Generator], init: str | Init = "auto",
              dtype: type = np.float64) -> StackedMLP:
        """One network per generator, each initialised exactly as :meth:`MLP.build` would
        with that generator, stacked and cast to ``dtype``."""
        nets = [MLP.build(sizes, activation, loss, init=init, rng=rng) for rng in rngs]
        return cls.stack(nets, dtype=dtype)

    @classmethod
    def stack(cls, nets: Sequence[MLP], *, dtype: type = np.float64) -> StackedMLP:
        """The networks ``nets`` (same sizes, activations and loss) as one stack."""
        first = nets[0]
        sizes = [first.layers[0].W.shape[0], *(layer.units for layer in first.layers)]
        rows = [np.concatenate([*(layer.W.ravel() for layer in net.layers),
                                *(layer.b for layer in net.layers),
                                *(layer.theta for layer in net.layers)]) for net in nets]
        acts = []
        for k, layer in enumerate(first.layers):
            if layer.act is None:
                acts.append(None)
            else:
                acts.append([net.layers[k].act for net in nets] if layer.theta.size else [layer.act])
        return cls(np.stack(rows).astype(dtype), sizes, acts, first.loss)

    def __len__(self) -> int:
        return self.flat.shape[0]

    def unstack(self, m: int) -> MLP:
        """Network ``m`` as a float64 :class:`MLP` (for prediction and diagnostics)."""
        layers = []
        for layer in self.layers:
            act = None if layer.acts is None else layer.acts[m if layer.theta.shape[1] else 0]
            layers.append(Dense(layer.W[m].astype(np.float64), layer.b[m, 0].astype(np.float64), act))
        return MLP(layers, self.loss)

    def take(self, keep: np.ndarray) -> StackedMLP:
        """The stack of the networks ``keep`` (indices), parameters copied."""
        acts = [None if layer.acts is None else
                ([layer.acts[i] for i in keep] if layer.theta.shape[1] else layer.acts)
                for layer in self.layers]
        return StackedMLP(self.flat[keep], self.sizes, acts, self.loss)


@dataclass
class ModelRun:
    """What training did to one network of a stack.

    Attributes:
        loss_curve: the training loss (L2 included) of every epoch.
        stopped: True if the no-improvement rule stopped it before ``max_epochs``.
        diverged: True if its loss became NaN or infinite (it was stopped there).
        network: the trained network, unstacked (float64 :class:`MLP`).
    """

    loss_curve: list[float] = field(default_factory=list)
    stopped: bool = False
    diverged: bool = False
    network: MLP | None = None

    @property
    def n_iter(self) -> int:
        return len(self.loss_curve)


@dataclass
class Affine:
    """Per-network scaling ``(v - shift) * scale`` of inputs or targets, (M, features) each."""

    shift: np.ndarray
    scale: np.ndarray

    def take(self, keep: np.ndarray) -> Affine:
        return Affine(self.shift[keep], self.scale[keep])

    def apply(self, v: np.ndarray) -> None:
        """Scale the stacked batch ``v`` (M, n, features) in place."""
        v -= self.shift[:, None, :]
        v *= self.scale[:, None, :]


def train_stacked(net: StackedMLP, X: np.ndarray, Y: np.ndarray, rows: Sequence[np.ndarray], *,
                  optimizer: Optimizer, batch_size: int, max_epochs: int,
                  rngs: Sequence[np.random.Generator], alpha: float = 0.0, tol: float = 1e-4,
                  n_iter_no_change: int = 10, x_affine: Affine | None = None,
                  y_affine: Affine | None = None, last_batch: int | None = None) -> list[ModelRun]:
    """Train the M networks of ``net``; network m on the rows ``rows[m]`` of X and Y.

    Args:
        X, Y: all samples (n, features) and their 2-D targets (n, outputs); they are cast
            to the stack's dtype.
        rows: each network's training rows. Every network must have the same number of
            batches per epoch, ``ceil(len(rows[m]) / batch_size)``.
        rngs: each network's generator, shuffling its rows every epoch.
        alpha, tol, n_iter_no_change: L2 penalty and stopping rule, as
            :func:`actlab.nn.train` (scikit-learn's).
        x_affine, y_affine: per-network scaling of inputs and targets (e.g. fitted on each
            network's training rows).
        last_batch: rows the last batch of an epoch is padded to (>= every network's last
            batch). Fix it from the whole experiment, not from this stack, so a network's
            arithmetic (and so its result, to the bit) does not depend on its stack-mates.
    Returns:
        One :class:`ModelRun` per network, in order.
    """
    dtype = net.layers[0].W.dtype
    X = np.ascontiguousarray(X, dtype=dtype)
    Y = np.ascontiguousarray(Y, dtype=dtype)
    sizes = [len(r) for r in rows]
    n_batches = {math.ceil(n / batch_size) for n in sizes}
    if len(n_batches) != 1 or len(rows) != len(net) or len(rngs) != len(net):
        raise ValueError(f"train_stacked needs one row set and one generator per network, each "
                         f"giving the same number of batches. Got {len(net)} networks, {len(rows)} "
                         f"row sets of sizes {sorted(set(sizes))}, {len(rngs)} generators.")
    nb = n_batches.pop()
    last = [n - (nb - 1) * batch_size for n in sizes]
    pad = max(last) if last_batch is None else last_batch
    if pad < max(last) or pad > batch_size:
        raise ValueError(f"The 'last_batch' parameter must be between {max(last)} and "
                         f"{batch_size}. Got {last_batch!r} instead.")
    width = (nb - 1) * batch_size + pad
    starts = [j * batch_size for j in range(nb)]

    # Row weights: 1/rows-in-batch for real rows, 0 for padding (always at the end).
    weights = np.zeros((len(net), width, 1), dtype=dtype)
    counts = np.empty((len(net), nb))
    for m, n in enumerate(sizes):
        counts[m] = [min(batch_size, n - s) for s in starts]
        for j, s in enumerate(starts):
            weights[m, s:s + int(counts[m, j])] = 1.0 / counts[m, j]
    orders = [np.arange(n) for n in sizes]
    index = np.empty((len(net), width), dtype=np.intp)

    xs, ys = _Rows(X, x_affine, len(net)), _Rows(Y, y_affine, len(net))
    live = np.arange(len(net))  # original index of each network still in the stack
    runs = [ModelRun() for _ in sizes]
    best = np.full(len(net), np.inf)
    no_improvement = np.zeros(len(net), dtype=np.int64)
    state = optimizer.init([net.flat])
    buffers: dict[int, _Work] = {}
    for _epoch in range(max_epochs):
        for k, m in enumerate(live):
            rngs[m].shuffle(orders[m])
            index[k, :sizes[m]] = rows[m][orders[m]]
            index[k, sizes[m]:] = rows[m][0]  # padding rows (weight 0)
        total = np.zeros(len(live))
        for j, s in enumerate(starts):
            stop = s + (batch_size if j < nb - 1 else pad)
            ws = buffers.get(stop - s)
            if ws is None or ws.M != len(live):
                ws = buffers[stop - s] = _Work(net, stop - s, X.shape[1], Y.shape[1])
            xs.gather(index[:len(live), s:stop], live, ws.x)
            ys.gather(index[:len(live), s:stop], live, ws.y)
            l2 = alpha / counts[live, j]
            values = _loss_and_grads(net, ws, weights[:len(live), s:stop], l2.astype(dtype))
            total += values * counts[live, j]
            optimizer.update([net.flat], [net.grad], state)
            _sync(net)
        epoch_loss = total / np.asarray(sizes)[live]
        # scikit-learn's rule: no improvement unless the loss beats the best by tol
        no_improvement = np.where(epoch_loss > best - tol, no_improvement + 1, 0)
        best = np.minimum(best, epoch_loss)
        diverged = ~np.isfinite(epoch_loss)
        done = diverged | (no_improvement > n_iter_no_change)
        for k, m in enumerate(live):
            runs[m].loss_curve.append(float(epoch_loss[k]))
            runs[m].diverged = bool(diverged[k])
            runs[m].stopped = bool(done[k])
            if done[k]:
                runs[m].network = net.unstack(k)
        if done.any():  # stopped networks leave the stack
            keep = np.flatnonzero(~done)
            if keep.size == 0:
                return runs
            net, live = net.take(keep), live[keep]
            best, no_improvement = best[keep], no_improvement[keep]
            weights = weights[keep]
            xs.keep(keep)
            ys.keep(keep)
            state = _take_state(state, keep)
    for k, m in enumerate(live):
        runs[m].network = net.unstack(k)
    return runs


class _Rows:
    """Batches of rows of a data matrix, scaled per network.

    Small data is scaled once, a copy per network (then one ``take`` gathers a scaled
    batch); large data is scaled batch by batch. Both do the same float operations in
    the same order, so the choice changes no result.
    """

    LIMIT = 64 * 2**20  # bytes of scaled copies

    def __init__(self, A: np.ndarray, affine: Affine | None, M: int) -> None:
        if affine is not None:  # scale in the data's precision, whatever the affine's
            affine = Affine(affine.shift.astype(A.dtype), affine.scale.astype(A.dtype))
        self.affine, self.stride, self.data = affine, 0, A
        if affine is not None and M * A.nbytes <= self.LIMIT:
            scaled = A[None] - affine.shift[:, None, :]
            scaled *= affine.scale[:, None, :]
            self.affine, self.stride, self.data = None, len(A), scaled.reshape(M * len(A), -1)

    def gather(self, index: np.ndarray, live: np.ndarray, out: np.ndarray) -> None:
        """``out[k] = scaled rows index[k] of network live[k]``."""
        if self.stride:
            index = index + (live * self.stride)[:, None]
        # mode="clip": the default "raise" buffers `out` (an allocation per step)
        np.take(self.data, index, axis=0, out=out, mode="clip")
        if self.affine is not None:
            self.affine.apply(out)

    def keep(self, keep: np.ndarray) -> None:
        """Networks left the stack (prescaled rows are addressed by original index)."""
        if self.affine is not None:
            self.affine = self.affine.take(keep)


class _Work:
    """The arrays of one step for M networks and batches of n rows."""

    def __init__(self, net: StackedMLP, n: int, n_in: int, n_out: int) -> None:
        M, dtype = len(net), net.layers[0].W.dtype
        self.M = M
        self.x = np.empty((M, n, n_in), dtype=dtype)
        self.y = np.empty((M, n, n_out), dtype=dtype)
        self.z = [np.empty((M, n, layer.W.shape[2]), dtype=dtype) for layer in net.layers]
        self.a = [z if layer.acts is None else np.empty_like(z)
                  for z, layer in zip(self.z, net.layers, strict=True)]
        self.g = [np.empty_like(z) for z in self.z]
        self.ones = np.ones((M, 1, n), dtype=dtype)


def _loss_and_grads(net: StackedMLP, ws: _Work, w: np.ndarray, l2: np.ndarray) -> np.ndarray:
    """Forward and backward for every network (gradients into ``net.grad``); each
    network's batch loss plus its L2 penalty ``l2/2 ||W||^2``."""
    x = ws.x
    for layer, z, a in zip(net.layers, ws.z, ws.a, strict=True):
        np.matmul(x, layer.W, out=z)
        z += layer.b
        if layer.acts is not None:
            _apply(layer, z, a)
        x = a
    values = net.loss.weighted(ws.z[-1], ws.y, w, out=ws.g[-1])
    for i in range(len(net.layers) - 1, -1, -1):
        layer, g = net.layers[i], ws.g[i]
        if layer.acts is not None:
            if layer.theta.shape[1]:
                _param_grads(layer, ws.z[i], g)
            _backward(layer, ws.z[i], g)
        x = ws.x if i == 0 else ws.a[i - 1]
        np.matmul(x.transpose(0, 2, 1), g, out=layer.dW)
        np.matmul(ws.ones, g, out=layer.db)  # the sum over rows; 6x faster than np.sum here
        if i:
            np.matmul(g, layer.W.transpose(0, 2, 1), out=ws.g[i - 1])
    weights = net.flat[:, :net.n_weights]
    net.grad[:, :net.n_weights] += l2[:, None] * weights
    return values + 0.5 * l2 * np.einsum("mp,mp->m", weights, weights)


def _apply(layer: StackedLayer, z: np.ndarray, a: np.ndarray) -> None:
    assert layer.acts is not None
    if len(layer.acts) == 1:
        layer.acts[0](z, out=a)
    else:  # learnable parameters: one activation per network
        for m, act in enumerate(layer.acts):
            act(z[m], out=a[m])


def _backward(layer: StackedLayer, z: np.ndarray, g: np.ndarray) -> None:
    assert layer.acts is not None
    if len(layer.acts) == 1:
        layer.acts[0].backward(z, g, out=g)
    else:
        for m, act in enumerate(layer.acts):
            act.backward(z[m], g[m], out=g[m])


def _param_grads(layer: StackedLayer, z: np.ndarray, g: np.ndarray) -> None:
    """dL/dtheta per network; needs g = dL/da, so before :func:`_backward`."""
    assert layer.acts is not None
    for m, act in enumerate(layer.acts):
        pg = act.param_grads(z[m])
        for i, name in enumerate(act.learnable):
            layer.dtheta[m, i] = np.vdot(g[m], pg[name])


def _sync(net: StackedMLP) -> None:
    """Rebuild per-network activations from theta after an update."""
    for layer in net.layers:
        if layer.acts is not None and layer.theta.shape[1]:
            names = layer.learnable
            layer.acts = [act.replace(**dict(zip(names, map(float, th), strict=True)))
                          for act, th in zip(layer.acts, layer.theta, strict=True)]


def _take_state(state: OptState, keep: np.ndarray) -> OptState:
    return OptState(state.t, [s[keep] for s in state.step],
                    {k: [a[keep] for a in v] for k, v in state.slots.items()})
