r"""The dense layer, forward and backward side by side.

.. math:: z = x W + b,\qquad a = f(z)

with ``x`` (samples x fan_in), ``W`` (fan_in x fan_out, the NumPy fan convention of
:mod:`actlab.init`), ``b`` (fan_out,) and ``f`` any actlab activation. Given
:math:`g = \partial L/\partial a`, the backward pass is

.. math:: \frac{\partial L}{\partial \theta} = \sum_{n,j} g_{nj}\,
          \frac{\partial f}{\partial \theta}(z_{nj}),\qquad
          \delta = g \odot f'(z),\qquad
          \frac{\partial L}{\partial W} = x^\top \delta,\quad
          \frac{\partial L}{\partial b} = \textstyle\sum_n \delta_n,\quad
          \frac{\partial L}{\partial x} = \delta W^\top

where :math:`\theta` are the activation's learnable parameters (PReLU's alpha, Swish's
beta: one scalar per layer, shared by its units).

Both passes write into arrays the caller allocated once per batch size
(:class:`actlab.nn.buffers.Buffers`); nothing activation-sized is allocated per step.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from actlab.activation import Activation

#: Elements per activation call. NOTE: the actlab kernels compute into fresh arrays (their
#: ``out=`` is a final copy), so calling them on a whole batch would allocate several
#: activation-sized temporaries per step. Calling them on row blocks bounds those to
#: CHUNK elements whatever the batch size (and keeps them in cache).
CHUNK = 4096


def row_blocks(a: np.ndarray) -> Iterator[slice]:
    """Slices of whole rows of ``a`` with about CHUNK elements each."""
    rows = max(1, CHUNK // max(1, a.shape[1]))
    for start in range(0, a.shape[0], rows):
        yield slice(start, start + rows)


class Dense:
    """``a = act(x @ W + b)``; ``act=None`` is the linear output layer (a = z, the logits).

    Attributes:
        W, b: the weights and biases (float64, updated in place by the optimisers).
        theta: the activation's learnable parameters, in ``act.learnable`` order.
        dW, db, dtheta: their gradients, written by :meth:`backward`.
    """

    def __init__(self, W: np.ndarray, b: np.ndarray, act: Activation | None = None) -> None:
        self.W = np.array(W, dtype=np.float64, order="C")
        self.b = np.array(b, dtype=np.float64)
        if self.W.ndim != 2 or self.b.shape != self.W.shape[1:]:
            raise ValueError(f"Dense needs W of shape (fan_in, fan_out) and b of shape (fan_out,). "
                             f"Got {self.W.shape} and {self.b.shape} instead.")
        self.act = act
        names = act.learnable if act is not None else ()
        self.theta = np.array([act.params[p] for p in names], dtype=np.float64)
        self.dW, self.db, self.dtheta = (np.zeros_like(p) for p in (self.W, self.b, self.theta))
        self._decay = np.empty_like(self.W)  # L2 term scratch, so backward allocates nothing

    @property
    def units(self) -> int:
        return self.W.shape[1]

    def params(self) -> list[np.ndarray]:
        """[W, b] and theta if the activation has learnable parameters (W first)."""
        return [self.W, self.b, self.theta] if self.theta.size else [self.W, self.b]

    def grads(self) -> list[np.ndarray]:
        """The gradients, in the order of :meth:`params`."""
        return [self.dW, self.db, self.dtheta] if self.theta.size else [self.dW, self.db]

    def sync(self) -> None:
        """Rebuild the activation from ``theta`` after an update (activations are immutable)."""
        if self.theta.size:
            self.act = self.act.replace(**dict(zip(self.act.learnable, self.theta.tolist(), strict=True)))

    # ------------------------------------------------------------------ forward / backward
    def forward(self, x: np.ndarray, z: np.ndarray, a: np.ndarray) -> None:
        """z = x @ W + b, a = act(z); ``a`` may be ``z`` itself when act is None."""
        np.matmul(x, self.W, out=z)
        z += self.b
        if self.act is not None:
            for rows in row_blocks(z):
                self.act(z[rows], out=a[rows])

    def backward(self, x: np.ndarray, z: np.ndarray, g: np.ndarray, dx: np.ndarray | None,
                 l2: float = 0.0) -> None:
        """Gradients from ``g``: dL/da on entry, overwritten by dL/dz.

        Args:
            x, z: the forward pass's input and pre-activations.
            dx: receives dL/dx (None for the first layer: nobody needs it).
            l2: adds ``l2 * W`` to dW (the gradient of ``l2/2 ||W||^2``).
        """
        if self.act is not None:
            self.dtheta.fill(0.0)
            for rows in row_blocks(z):
                if self.theta.size:  # needs g = dL/da, so before the product below
                    pg = self.act.param_grads(z[rows])
                    for i, name in enumerate(self.act.learnable):
                        self.dtheta[i] += np.vdot(g[rows], pg[name])
                self.act.backward(z[rows], g[rows], out=g[rows])
        np.matmul(x.T, g, out=self.dW)
        if l2:
            np.multiply(self.W, l2, out=self._decay)
            self.dW += self._decay
        np.sum(g, axis=0, out=self.db)
        if dx is not None:
            np.matmul(g, self.W.T, out=dx)
