r"""Backpropagation checked against central differences.

For every trained number :math:`p` (weights, biases, learnable activation parameters)

.. math:: \hat g_p = \frac{L(p + \epsilon) - L(p - \epsilon)}{2\epsilon}

in float64, compared with the backpropagated :math:`g_p`. The error of one array
(a layer's W, b or theta) is normwise, :math:`\max_p |g_p - \hat g_p| / \max_p
\max(|g_p|, |\hat g_p|)` (0 when both are 0): entrywise relative errors are dominated by
round-off on entries that are nearly 0 (about :math:`10^{-16} L / \epsilon`), while a
wrong backward pass shows up as an error of order 1 here.

Central differences are O(eps^2) accurate only where L is smooth. At a kink of a
piecewise activation (ReLU at 0) a pre-activation within about eps of the kink makes
the difference quotient mix two slopes; choose data whose pre-activations stay away
from the kinks (``actlab.properties.kinks(act)`` lists them), as the tests do.

>>> import numpy as np
>>> from actlab.nn import MLP, check_gradients
>>> rng = np.random.default_rng(0)
>>> net = MLP.build((3, 4, 2), "tanh", "softmax_cross_entropy", rng=rng)
>>> X, Y = rng.normal(size=(5, 3)), np.eye(2)[[0, 1, 1, 0, 1]]
>>> check_gradients(net, X, Y) < 1e-7
True
"""

from __future__ import annotations

import numpy as np

from actlab.nn.network import MLP


def check_gradients(model: MLP, X: np.ndarray, y: np.ndarray, *, eps: float = 1e-6,
                    alpha: float = 0.0) -> float:
    """The largest normwise relative error between backprop and central differences.

    Args:
        model: an :class:`~actlab.nn.MLP` (left unchanged).
        X, y: a batch and its 2-D targets in the loss's format (one-hot for softmax).
        eps: the finite-difference step.
        alpha: L2 penalty included in the loss (checks its gradient too).
    """
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64).reshape(len(X), -1)
    model.loss_value(X, y, alpha)
    backprop = [g.copy() for g in model.grads()]
    worst = 0.0
    for p, g in zip(model.params(), backprop, strict=True):
        fd = np.empty_like(p)
        for i in np.ndindex(p.shape):
            saved = p[i]
            hi, lo = saved + eps, saved - eps  # the step actually taken is hi - lo
            p[i] = hi
            model.sync()
            up = model.loss_value(X, y, alpha)
            p[i] = lo
            model.sync()
            down = model.loss_value(X, y, alpha)
            p[i] = saved
            fd[i] = (up - down) / (hi - lo)
        model.sync()
        scale = max(float(np.max(np.abs(g), initial=0.0)), float(np.max(np.abs(fd), initial=0.0)))
        if scale > 0:
            worst = max(worst, float(np.max(np.abs(g - fd))) / scale)
    model.loss_value(X, y, alpha)  # leave the gradients of the unperturbed model
    return worst
