"""The arrays one training step works in, allocated once per batch size.

A step fills ``x``, ``y`` with the batch (``np.take(..., out=)``), and the layers write
their pre-activations ``z``, activations ``a`` and gradients ``g`` (dL/da, then dL/dz)
into the per-layer arrays here. The network keeps one :class:`Buffers` per batch size it
has seen (in practice two: the full batch and the last, smaller one).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from actlab.nn.layers import Dense


class Buffers:
    """Per-layer ``z``, ``a``, ``g`` for ``n`` samples, plus the batch and loss scratch.

    The output layer's ``a`` is its ``z`` (the logits; the loss applies the link).
    """

    def __init__(self, n: int, layers: Sequence[Dense]) -> None:
        self.n = n
        n_out = layers[-1].units
        self.x = np.empty((n, layers[0].W.shape[0]))
        self.y = np.empty((n, n_out))
        self.z = [np.empty((n, layer.units)) for layer in layers]
        self.a = [z if layer.act is None else np.empty_like(z)
                  for z, layer in zip(self.z, layers, strict=True)]
        self.g = [np.empty_like(z) for z in self.z]
        self.tmp = np.empty((n, n_out))  # loss scratch
        self.rows = np.empty((2, n, 1))  # per-sample max and sum for the log-sum-exp
