"""PyTorch integration (needs the optional ``torch`` extra): modules and autograd."""

from actlab.torch.diagnose import activation_of, diagnose
from actlab.torch.function import ActivationFunction, apply
from actlab.torch.module import Activation

__all__ = ["Activation", "ActivationFunction", "activation_of", "apply", "diagnose"]
