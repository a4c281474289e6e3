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
    """One layer of M networks: ``W`` (M, fan_in, fan_out), ``b`` (M, 1, fan_out).

    ``acts`` is one activation shared by all networks, or (when it has learnable
    parameters, ``theta`` of shape (M, p)) one per network; None for the output layer.
    """

    W: np.ndarray
    b: np.ndarray
    acts: list[Activation] | None
    theta: np.ndarray

    @property
    def learnable(self) -> tuple[str, ...]:
        return self.acts[0].learnable if self.acts else ()

    def params(self) -> list[np.ndarray]:
        return [self.W, self.b, self.theta] if self.theta.shape[1] else [self.W, self.b]

    def take(self, keep: np.ndarray) -> StackedLayer:
        """The layer of the networks ``keep`` (indices)."""
        acts = None if self.acts is None else (
            [self.acts[i] for i in keep] if self.theta.shape[1] else self.acts)
        return StackedLayer(self.W[keep], self.b[keep], acts, self.theta[keep])


class StackedMLP:
    """M networks of the same layer sizes, activation and loss, with stacked weights."""

    def __init__(self, layers: list[StackedLayer], loss: str | losses.Loss) -> None:
        self.layers = layers
        self.loss = losses.get(loss)

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
        layers = []
        for i, first in enumerate(nets[0].layers):
            per_net = [net.layers[i] for net in nets]
            W = np.stack([layer.W for layer in per_net]).astype(dtype)
            b = np.stack([layer.b[None, :] for layer in per_net]).astype(dtype)
            theta = np.stack([layer.theta for layer in per_net]).astype(dtype)
            acts = None if first.act is None else (
                [layer.act for layer in per_net] if theta.shape[1] else [first.act])
            layers.append(StackedLayer(W, b, acts, theta))
        return cls(layers, nets[0].loss)

    def __len__(self) -> int:
        return self.layers[0].W.shape[0]

    def params(self) -> list[np.ndarray]:
        return [p for layer in self.layers for p in layer.params()]

    def unstack(self, m: int) -> MLP:
        """Network ``m`` as a float64 :class:`MLP` (for prediction and diagnostics)."""
        layers = []
        for layer in self.layers:
            act = None if layer.acts is None else layer.acts[m if layer.theta.shape[1] else 0]
            layers.append(Dense(layer.W[m].astype(np.float64), layer.b[m, 0].astype(np.float64), act))
        return MLP(layers, self.loss)

    def take(self, keep: np.ndarray) -> StackedMLP:
        return StackedMLP([layer.take(keep) for layer in self.layers], self.loss)


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

    live = np.arange(len(net))  # original index of each network still in the stack
    runs = [ModelRun() for _ in sizes]
    best = np.full(len(net), np.inf)
    no_improvement = np.zeros(len(net), dtype=np.int64)
    params = net.params()
    state = optimizer.init(params)
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
            # mode="clip": the default "raise" buffers `out` (an allocation per step)
            np.take(X, index[:len(live), s:stop], axis=0, out=ws.x, mode="clip")
            np.take(Y, index[:len(live), s:stop], axis=0, out=ws.y, mode="clip")
            if x_affine is not None:
                x_affine.apply(ws.x)
            if y_affine is not None:
                y_affine.apply(ws.y)
            l2 = alpha / counts[live, j]
            values = _loss_and_grads(net, ws, weights[:len(live), s:stop], l2.astype(dtype))
            total += values * counts[live, j]
            optimizer.update(params, ws.grads, state)
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
            x_affine = None if x_affine is None else x_affine.take(keep)
            y_affine = None if y_affine is None else y_affine.take(keep)
            params = net.params()
            state = _take_state(state, keep)
    for k, m in enumerate(live):
        runs[m].network = net.unstack(k)
    return runs


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
        self.grads = [np.empty_like(p) for p in net.params()]


def _loss_and_grads(net: StackedMLP, ws: _Work, w: np.ndarray, l2: np.ndarray) -> np.ndarray:
    """Forward and backward for every network; each one's (penalised) batch loss."""
    x = ws.x
    for layer, z, a in zip(net.layers, ws.z, ws.a, strict=True):
        np.matmul(x, layer.W, out=z)
        z += layer.b
        if layer.acts is not None:
            _apply(layer, z, a)
        x = a
    values = net.loss.weighted(ws.z[-1], ws.y, w, out=ws.g[-1])
    slots = _grad_slots(net, ws.grads)  # ws.grads is in params() order
    for i in range(len(net.layers) - 1, -1, -1):
        layer, g = net.layers[i], ws.g[i]
        dW, db, dtheta = slots[i]
        if layer.acts is not None:
            if dtheta is not None:
                _param_grads(layer, ws.z[i], g, dtheta)
            _backward(layer, ws.z[i], g)
        x = ws.x if i == 0 else ws.a[i - 1]
        np.matmul(x.transpose(0, 2, 1), g, out=dW)
        dW += l2[:, None, None] * layer.W
        np.sum(g, axis=1, keepdims=True, out=db)
        if i:
            np.matmul(g, layer.W.transpose(0, 2, 1), out=ws.g[i - 1])
        values += 0.5 * l2 * np.einsum("mij,mij->m", layer.W, layer.W)
    return values


def _grad_slots(net: StackedMLP, grads: list[np.ndarray]) -> list[tuple[np.ndarray, np.ndarray,
                                                                        np.ndarray | None]]:
    slots, k = [], 0
    for layer in net.layers:
        has_theta = bool(layer.theta.shape[1])
        slots.append((grads[k], grads[k + 1], grads[k + 2] if has_theta else None))
        k += 3 if has_theta else 2
    return slots


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


def _param_grads(layer: StackedLayer, z: np.ndarray, g: np.ndarray, dtheta: np.ndarray) -> None:
    """dL/dtheta per network; needs g = dL/da, so before :func:`_backward`."""
    assert layer.acts is not None
    for m, act in enumerate(layer.acts):
        pg = act.param_grads(z[m])
        for i, name in enumerate(act.learnable):
            dtheta[m, i] = np.vdot(g[m], pg[name])


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
