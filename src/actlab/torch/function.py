"""The autograd bridge: any catalogue activation as a torch.autograd.Function.

Forward evaluates the activation's own kernel on the tensor; backward multiplies the
incoming gradient by the analytic f'(x) (and by df/dparam for learnable parameters,
summed to the parameter's shape). Only x is saved: f' is computed from x, never
from the output, so the tails stay exact. Double backward is not supported (the
backward is marked once_differentiable); use ``act.grad2`` for f''.
"""

from __future__ import annotations

from typing import Any

import torch
from torch.autograd.function import once_differentiable

from actlab.activation import Activation


class ActivationFunction(torch.autograd.Function):
    @staticmethod
    def forward(ctx: Any, x: torch.Tensor, act: Activation, names: tuple[str, ...],
                *values: torch.Tensor) -> torch.Tensor:
        ctx.act, ctx.names = _bind(act, names, values), names
        ctx.save_for_backward(x, *values)
        with torch.no_grad():
            return ctx.act(x.detach())

    @staticmethod
    @once_differentiable
    def backward(ctx: Any, g: torch.Tensor) -> tuple[torch.Tensor | None, ...]:
        x, *values = ctx.saved_tensors
        act: Activation = ctx.act
        dx = g * act.grad(x) if ctx.needs_input_grad[0] else None
        grads: list[torch.Tensor | None] = []
        if ctx.names and any(ctx.needs_input_grad[3:]):
            pg = act.param_grads(x)
            for name, v, need in zip(ctx.names, values, ctx.needs_input_grad[3:], strict=True):
                grads.append((g * pg[name]).sum().reshape(v.shape).to(v.dtype) if need else None)
        else:
            grads = [None] * len(values)
        return (dx, None, None, *grads)


def _bind(act: Activation, names: tuple[str, ...], values: tuple[torch.Tensor, ...]) -> Activation:
    """The activation with its learnable parameters set to the tensors' current values."""
    if not names:
        return act
    return act.replace(**{n: float(v.detach()) for n, v in zip(names, values, strict=True)})


def apply(act: Activation, x: torch.Tensor, **params: torch.Tensor) -> torch.Tensor:
    """act(x) with autograd through x and the given (scalar tensor) parameters."""
    names = tuple(params)
    return ActivationFunction.apply(x, act, names, *params.values())
