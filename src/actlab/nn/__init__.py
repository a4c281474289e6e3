"""actlab.nn: a small, readable NumPy multi-layer perceptron.

Where is what:

* ``layers.py``: the dense layer, forward and backward side by side;
* ``losses.py``: binary / softmax cross-entropy and squared error, from logits;
* ``buffers.py``: the arrays a training step works in, allocated once per batch size;
* ``network.py``: :class:`MLP`, the stack of layers, its passes and diagnostics;
* ``optimizers.py``: SGD (momentum, Nesterov), Adagrad, RMSprop, Adam;
* ``training.py``: mini-batches, L2, early stopping, per-epoch reports;
* ``gradcheck.py``: backprop against central differences.

The scikit-learn estimators built on it are in :mod:`actlab.estimators`.
"""

from actlab.nn.gradcheck import check_gradients
from actlab.nn.layers import Dense
from actlab.nn.losses import LOSSES, BinaryCrossEntropy, SoftmaxCrossEntropy, SquaredError
from actlab.nn.network import MLP
from actlab.nn.optimizers import OPTIMIZERS, SGD, Adagrad, Adam, OptState, RMSprop
from actlab.nn.training import TrainResult, train, train_step

__all__ = ["LOSSES", "MLP", "OPTIMIZERS", "SGD", "Adagrad", "Adam", "BinaryCrossEntropy", "Dense",
           "OptState", "RMSprop", "SoftmaxCrossEntropy", "SquaredError", "TrainResult",
           "check_gradients", "train", "train_step"]
