r"""Losses computed from the logits z (the last layer's linear output), in stable forms.

Each loss is the mean over samples of a sum over outputs, and writes dL/dz into ``out``:

* binary cross-entropy: :math:`\sum_k \operatorname{softplus}(z_k) - y_k z_k`,
  gradient :math:`(\sigma(z) - y)/n`;
* softmax cross-entropy: :math:`\operatorname{logsumexp}(z) - \sum_k y_k z_k`,
  gradient :math:`(\operatorname{softmax}(z) - y)/n`;
* squared error: :math:`\tfrac12 \sum_k (z_k - y_k)^2`, gradient :math:`(z - y)/n`.

These are scikit-learn's losses (``binary_log_loss``, ``log_loss``, ``squared_loss``)
with its gradients, so training is comparable. One difference: for several outputs
scikit-learn *reports* the squared error divided by the number of outputs, though its
gradient is the one above; here value and gradient agree.

Each loss also has a stacked form, ``weighted(z, y, w, out=)``, for many models at once
(:mod:`actlab.nn.stacked`): rows weighted by ``w`` (1/batch size, 0 for padding rows), one
value per model.

The cross-entropies assume targets in [0, 1]; for softmax, rows of ``y`` that sum to 1
(one-hot labels).
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit, softmax


class BinaryCrossEntropy:
    """Sigmoid output, one independent yes/no per output column."""

    name = "binary_cross_entropy"

    @staticmethod
    def value_and_grad(z: np.ndarray, y: np.ndarray, *, out: np.ndarray, tmp: np.ndarray,
                       rows: np.ndarray) -> float:
        n = z.shape[0]
        # NOTE: -y log s(z) - (1 - y) log(1 - s(z)) = softplus(z) - y z; logaddexp(0, z) is
        # softplus without overflow and without log(0) for |z| in the hundreds.
        np.logaddexp(0.0, z, out=tmp)
        np.multiply(y, z, out=out)
        tmp -= out
        expit(z, out=out)
        out -= y
        out /= n
        return float(tmp.sum()) / n

    @staticmethod
    def weighted(z: np.ndarray, y: np.ndarray, w: np.ndarray, *, out: np.ndarray) -> np.ndarray:
        """Stacked form: z, y of shape (..., n, k), row weights w (..., n, 1). Returns
        ``sum_n w_n loss_n`` per leading index and writes ``w * dloss/dz`` into ``out``."""
        per_row = (np.logaddexp(0.0, z) - y * z).sum(axis=-1, keepdims=True)
        expit(z, out=out)
        out -= y
        out *= w
        return (per_row * w).sum(axis=(-2, -1))

    @staticmethod
    def link(z: np.ndarray) -> np.ndarray:
        """The predicted probabilities."""
        return expit(z)


class SoftmaxCrossEntropy:
    """Softmax output over the columns (one class per sample)."""

    name = "softmax_cross_entropy"

    @staticmethod
    def value_and_grad(z: np.ndarray, y: np.ndarray, *, out: np.ndarray, tmp: np.ndarray,
                       rows: np.ndarray) -> float:
        n = z.shape[0]
        m, s = rows[0], rows[1]
        # NOTE: log-sum-exp shifted by the row max: exp never overflows, the sum is >= 1.
        np.max(z, axis=1, keepdims=True, out=m)
        np.subtract(z, m, out=out)
        np.exp(out, out=out)
        np.sum(out, axis=1, keepdims=True, out=s)
        out /= s  # softmax(z)
        np.log(s, out=s)
        np.multiply(y, z, out=tmp)
        value = float(s.sum()) + float(m.sum()) - float(tmp.sum())  # sum_n lse(z_n) - y_n . z_n
        out -= y
        out /= n
        return value / n

    @staticmethod
    def weighted(z: np.ndarray, y: np.ndarray, w: np.ndarray, *, out: np.ndarray) -> np.ndarray:
        """Stacked form, as :meth:`BinaryCrossEntropy.weighted` (rows on axis -2)."""
        # NOTE: NumPy's reductions over a short last axis (10 classes) cost ~5x their
        # arithmetic; a max over column views and einsum sums are much faster here.
        m = z[..., :1].copy()
        for j in range(1, z.shape[-1]):
            np.maximum(m, z[..., j:j + 1], out=m)
        np.subtract(z, m, out=out)
        np.exp(out, out=out)
        s = np.einsum("...k->...", out)[..., None]
        out /= s  # softmax(z)
        per_row = np.log(s[..., 0]) + m[..., 0] - np.einsum("...k,...k->...", y, z)  # lse - y.z
        out -= y
        out *= w
        return np.einsum("...n,...n->...", per_row, w[..., 0])

    @staticmethod
    def link(z: np.ndarray) -> np.ndarray:
        return softmax(z, axis=-1)


class SquaredError:
    """Identity output (regression)."""

    name = "squared_error"

    @staticmethod
    def value_and_grad(z: np.ndarray, y: np.ndarray, *, out: np.ndarray, tmp: np.ndarray,
                       rows: np.ndarray) -> float:
        n = z.shape[0]
        np.subtract(z, y, out=out)
        value = 0.5 * float(np.vdot(out, out))
        out /= n
        return value / n

    @staticmethod
    def weighted(z: np.ndarray, y: np.ndarray, w: np.ndarray, *, out: np.ndarray) -> np.ndarray:
        """Stacked form, as :meth:`BinaryCrossEntropy.weighted` (rows on axis -2)."""
        np.subtract(z, y, out=out)
        per_row = 0.5 * np.square(out).sum(axis=-1, keepdims=True)
        out *= w
        return (per_row * w).sum(axis=(-2, -1))

    @staticmethod
    def link(z: np.ndarray) -> np.ndarray:
        return z


Loss = BinaryCrossEntropy | SoftmaxCrossEntropy | SquaredError

LOSSES: dict[str, Loss] = {cls.name: cls() for cls in (BinaryCrossEntropy, SoftmaxCrossEntropy,
                                                       SquaredError)}


def get(loss: str | Loss) -> Loss:
    """The loss called ``loss`` (a key of :data:`LOSSES`), or ``loss`` itself.

    >>> get("squared_error").name
    'squared_error'
    """
    if isinstance(loss, str):
        if loss not in LOSSES:
            raise ValueError(f"The 'loss' parameter must be a str among {sorted(LOSSES)}. "
                             f"Got {loss!r} instead.")
        return LOSSES[loss]
    if not hasattr(loss, "value_and_grad"):
        raise TypeError(f"The 'loss' parameter must be a loss name or object. Got {loss!r} instead.")
    return loss
