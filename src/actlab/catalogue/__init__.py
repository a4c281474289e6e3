"""The catalogue: one module per family, one class per activation.

Where is ELU? ``exponential.py``. Swish, softplus, mish? ``sigmoid_family.py``. GELU?
``gaussian_family.py``. ReLU and the other piecewise-linear ones? ``piecewise.py``.
Importing this package registers every entry (see :mod:`actlab.registry`).
"""

from actlab.catalogue import (  # noqa: F401
    algebraic,
    exponential,
    gaussian_family,
    piecewise,
    sigmoid_family,
    trigonometric,
)
