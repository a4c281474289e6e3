"""The network: a stack of :class:`~actlab.nn.layers.Dense` layers and a loss.

>>> import numpy as np
>>> from actlab.nn import MLP
>>> net = MLP.build((2, 8, 1), "tanh", "squared_error", rng=np.random.default_rng(0))
>>> [layer.W.shape for layer in net.layers], net.predict(np.zeros((3, 2))).shape
([(2, 8), (8, 1)], (3, 1))
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

import actlab
from actlab import init as initialisers
from actlab.activation import Activation
from actlab.diagnostics import Report, layer_stats
from actlab.nn import losses
from actlab.nn.buffers import Buffers
from actlab.nn.layers import Dense

#: init(shape, act, rng) -> array, the form every initialiser is brought to
Init = Callable[[tuple[int, int], Activation, np.random.Generator], np.ndarray]
ActivationSpec = Any  # a name, a formula, an Activation, or a sequence of them (one per layer)


def activations_for(spec: ActivationSpec, n_hidden: int, owner: str = "MLP") -> list[Activation]:
    """One activation per hidden layer from a name / formula / Activation, or a list of them."""
    specs = list(spec) if isinstance(spec, (list, tuple)) else [spec] * n_hidden
    if len(specs) != n_hidden:
        raise ValueError(f"The 'activation' parameter of {owner} must be one activation or a list "
                         f"of {n_hidden} (one per hidden layer). Got {len(specs)} instead.")
    acts = []
    for s in specs:
        if not isinstance(s, (str, Activation)):
            raise TypeError(f"The 'activation' parameter of {owner} must be an activation name, a "
                            f"formula or an actlab Activation. Got {s!r} instead.")
        try:
            acts.append(actlab.get(s))
        except ValueError as e:  # unknown name or bad formula: say which parameter
            raise ValueError(f"The 'activation' parameter of {owner} is invalid: {e}") from e
    return acts


def initialiser(spec: str | Init, owner: str = "MLP") -> Init:
    """``spec`` as a function (shape, act, rng) -> weights: a name from
    :func:`actlab.init.names` (or an alias) or such a function itself."""
    if callable(spec):
        return spec
    if not isinstance(spec, str):
        raise TypeError(f"The 'init' parameter of {owner} must be an initialiser name "
                        f"({', '.join(initialisers.names())}) or a callable (shape, act, rng). "
                        f"Got {spec!r} instead.")
    fn = initialisers.get(spec)
    if fn is initialisers.auto:
        return lambda shape, act, rng: fn(shape, act, rng=rng)
    if "rng" in inspect.signature(fn).parameters:
        return lambda shape, act, rng: fn(shape, rng=rng)
    return lambda shape, act, rng: fn(shape)  # deterministic (zeros)


class MLP:
    """Hidden Dense layers with activations, a linear output layer, a loss on its logits.

    Args:
        layers: the layers, the last with ``act=None`` (its output are the logits).
        loss: a name from :data:`actlab.nn.losses.LOSSES` or a loss object.
    """

    def __init__(self, layers: Sequence[Dense], loss: str | losses.Loss) -> None:
        if not layers or layers[-1].act is not None:
            raise ValueError("MLP needs at least one layer, the last one linear (act=None).")
        self.layers = list(layers)
        self.loss = losses.get(loss)
        self._buffers: dict[int, Buffers] = {}

    @classmethod
    def build(cls, sizes: Sequence[int], activation: ActivationSpec, loss: str | losses.Loss, *,
              init: str | Init = "auto", rng: np.random.Generator) -> MLP:
        """A network with layer widths ``sizes = (n_inputs, hidden..., n_outputs)``.

        Weights are ``init((fan_in, fan_out), act, rng)`` (the output layer's act is the
        identity); biases start at 0.
        """
        acts = activations_for(activation, len(sizes) - 2)
        make = initialiser(init)
        identity = actlab.get("identity")
        layers = []
        fans = zip(sizes[:-1], sizes[1:], strict=True)
        for (fan_in, fan_out), act in zip(fans, [*acts, None], strict=True):
            W = np.asarray(make((fan_in, fan_out), identity if act is None else act, rng))
            if W.shape != (fan_in, fan_out):
                raise ValueError(f"The 'init' parameter must return an array of shape "
                                 f"{(fan_in, fan_out)}. Got shape {W.shape} instead.")
            layers.append(Dense(W, np.zeros(fan_out), act))
        return cls(layers, loss)

    # ---------------------------------------------------------------- parameters
    def params(self) -> list[np.ndarray]:
        """Every trained array (W, b, theta per layer), the optimisers' view."""
        return [p for layer in self.layers for p in layer.params()]

    def grads(self) -> list[np.ndarray]:
        return [g for layer in self.layers for g in layer.grads()]

    def weight_positions(self) -> list[int]:
        """Index of each layer's W in :meth:`params`."""
        positions, i = [], 0
        for layer in self.layers:
            positions.append(i)
            i += len(layer.params())
        return positions

    def sync(self) -> None:
        """Rebuild the activations after their learnable parameters were updated."""
        for layer in self.layers:
            layer.sync()

    def buffers(self, n: int) -> Buffers:
        """The work arrays for batches of ``n`` samples (allocated on first use)."""
        if n not in self._buffers:
            self._buffers[n] = Buffers(n, self.layers)
        return self._buffers[n]

    def clear_buffers(self) -> None:
        """Drop the work arrays (after training; they are re-made on demand)."""
        self._buffers.clear()

    # ------------------------------------------------------------------ passes
    def forward(self, ws: Buffers) -> None:
        """Fill every layer's z and a from ``ws.x``."""
        x = ws.x
        for layer, z, a in zip(self.layers, ws.z, ws.a, strict=True):
            layer.forward(x, z, a)
            x = a

    def loss_and_grads(self, ws: Buffers, alpha: float = 0.0) -> float:
        """Forward and backward on the batch in ``ws.x``, ``ws.y``: the loss, plus
        ``alpha / (2 n) * sum ||W||^2`` (scikit-learn's L2), with every layer's gradients."""
        self.forward(ws)
        value = self.loss.value_and_grad(ws.z[-1], ws.y, out=ws.g[-1], tmp=ws.tmp, rows=ws.rows)
        l2 = alpha / ws.n
        for i in range(len(self.layers) - 1, -1, -1):
            x, dx = (ws.x, None) if i == 0 else (ws.a[i - 1], ws.g[i - 1])
            self.layers[i].backward(x, ws.z[i], ws.g[i], dx, l2)
        if alpha:
            value += 0.5 * l2 * sum(float(np.vdot(layer.W, layer.W)) for layer in self.layers)
        return value

    def loss_value(self, X: np.ndarray, Y: np.ndarray, alpha: float = 0.0) -> float:
        """The (penalised) loss on X, Y; also leaves its gradients in the layers."""
        ws = self.load(X, Y)
        return self.loss_and_grads(ws, alpha)

    def load(self, X: np.ndarray, Y: np.ndarray) -> Buffers:
        """Buffers for len(X) samples holding X and Y (2-D targets, as the loss wants)."""
        ws = self.buffers(len(X))
        ws.x[...] = X
        ws.y[...] = Y
        return ws

    def logits(self, X: np.ndarray) -> np.ndarray:
        """The output layer's z for X (new arrays; for prediction, not training)."""
        x = np.asarray(X, dtype=np.float64)
        for layer in self.layers:
            z = np.empty((x.shape[0], layer.units))
            a = z if layer.act is None else np.empty_like(z)
            layer.forward(x, z, a)
            x = a
        return x

    def predict(self, X: np.ndarray) -> np.ndarray:
        """The loss's link of the logits: probabilities, or values for squared error."""
        return self.loss.link(self.logits(X))

    # ---------------------------------------------------------------- diagnostics
    def report(self, ws: Buffers, *, grads: bool = True,
               steps: Sequence[np.ndarray] | None = None) -> Report:
        """Health of each hidden layer on the batch last run through ``ws``.

        Args:
            grads: include ||dL/dW|| (the layers hold that batch's gradients).
            steps: the optimiser's last step of each layer's W, for ||Delta W|| / ||W||.
        """
        stats = []
        for i, layer in enumerate(self.layers[:-1]):
            ratio = None
            if steps is not None:
                num, den = float(np.linalg.norm(steps[i])), float(np.linalg.norm(layer.W))
                ratio = 0.0 if num == 0 else (num / den if den else np.inf)
            stats.append(layer_stats(f"hidden {i + 1}", layer.act, ws.z[i],
                                     grad_norm=float(np.linalg.norm(layer.dW)) if grads else None,
                                     update_ratio=ratio))
        return Report(tuple(stats))

    def diagnose(self, X: np.ndarray, y: np.ndarray | None = None) -> Report:
        """A :class:`~actlab.diagnostics.Report` of the hidden layers on the batch X
        (with gradient norms of the unpenalised loss when the targets ``y`` are given)."""
        X = np.asarray(X, dtype=np.float64)
        ws = Buffers(len(X), self.layers)  # not kept: X may be any size
        ws.x[...] = X
        if y is None:
            self.forward(ws)
            return self.report(ws, grads=False)
        ws.y[...] = np.asarray(y, dtype=np.float64).reshape(ws.y.shape)
        self.loss_and_grads(ws)
        return self.report(ws)
