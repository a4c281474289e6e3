"""``actlab.torch.Activation``: every catalogue entry as a torch.nn.Module."""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from actlab.activation import Activation as CatalogueActivation
from actlab.registry import get
from actlab.torch.function import apply


class Activation(nn.Module):
    """An activation from the catalogue (or any actlab activation object) as a module.

    Learnable parameters (PReLU's alpha, Swish's beta) become ``nn.Parameter``;
    pass ``learnable=()`` to freeze them. rrelu samples its negative slope from
    U(lower, upper) per element in training mode (like torch.nn.RReLU) and uses the
    mean slope in eval mode.

    Args:
        name: a catalogue name or alias, or an activation object.
        learnable: names of parameters to train (default: the entry's learnable ones).
        generator: torch.Generator for rrelu's training-mode noise (default: torch's).
        **params: parameter values (defaults from the catalogue).

    Shape: any; the output has the input's shape and dtype.

    >>> import torch, actlab.torch
    >>> m = actlab.torch.Activation("swish", beta=1.5)
    >>> [n for n, _ in m.named_parameters()]
    ['beta']
    >>> m(torch.tensor([0.0, 1.0])).dtype
    torch.float32
    """

    def __init__(self, name: str | CatalogueActivation, *, learnable: tuple[str, ...] | None = None,
                 generator: torch.Generator | None = None, **params: Any) -> None:
        super().__init__()
        self.generator = generator
        self.act = get(name, **params)
        train = self.act.learnable if learnable is None else tuple(learnable)
        for n in train:
            if n not in self.act.learnable:
                raise ValueError(f"The 'learnable' parameter names {n!r}, which {self.act.name} "
                                 f"cannot learn; learnable: {', '.join(self.act.learnable) or 'none'}.")
            self.register_parameter(n, nn.Parameter(torch.tensor(self.act.params[n])))
        self._learned = train

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.act.name == "rrelu" and self.training:
            p = self.act.params
            slope = torch.empty_like(x).uniform_(p["lower"], p["upper"], generator=self.generator)
            return torch.where(x > 0, x, slope * x)
        params = {n: getattr(self, n) for n in self._learned}
        return apply(self.act, x, **params)

    def extra_repr(self) -> str:
        return ", ".join([repr(self.act.name)] + [f"{k}={v!r}" for k, v in self.act.params.items()
                                                   if k not in self._learned])
