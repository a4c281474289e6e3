"""``diagnose``: per-layer health of any PyTorch model, read through hooks.

:func:`diagnose` runs a few batches through a model it has never seen and returns the
:class:`actlab.diagnostics.Report` that the NumPy network gives: dead, saturated and
symmetric units and gradient norms, per activation. The statistics are
:func:`actlab.diagnostics.layer_stats` (the one definition), applied to what the hooks saw.

What is hooked:

* every activation *module*: ``actlab.torch.Activation`` and the torch.nn activations
  with a catalogue twin (:func:`activation_of`). A forward pre-hook copies the module's
  input z (before an in-place ReLU overwrites it) for every call; a module called
  twice in one forward pass gives two rows, ``name#1`` and ``name#2``.
* units: the last dimension, except after a convolution, where a unit is a channel:
  (N, C, H, W) becomes (N*H*W, C) (C moved last, the rest flattened). All captured
  batches are concatenated, in float64, before the statistics are taken.
* gradients (only for ``(x, y)`` batches and a ``loss_fn``): ``grad_norm`` is the norm of
  the loss gradient w.r.t. the weight of the layer feeding the activation: the last
  module with a weight matrix or kernel (a ``weight`` parameter of two or more
  dimensions: Linear, Conv, ...; not the 1-D scales of normalisation layers) that
  finished running before the activation started. With several batches it is the
  gradient of the mean batch loss. A tensor hook on the activation's output (not a
  module backward hook, which breaks on in-place ops) tells whether the loss reaches
  the activation at all; if it does not, or no weight precedes it, grad_norm is None.

The model is left as found: train/eval flags (the batches run in the model's current
mode), ``requires_grad``, ``.grad`` (saved, cleared for the run, put back) and buffers
(BatchNorm running statistics) are restored, and every hook is removed, also when the
forward pass raises. No optimiser steps.

Limitations, reported in the notes where they can be seen:

* Activations applied as functions inside ``forward`` (``F.gelu(x)``, ``torch.tanh``,
  ``x.relu()``; ``nn.TransformerEncoderLayer(activation="gelu")`` is one) are not modules
  and cannot be hooked. Calls made from Python are detected (a TorchFunctionMode watches
  for functions named like a catalogue entry) and listed; calls inside C++ kernels (fused
  RNN/LSTM cells, TorchScript, compiled graphs) are invisible. Activations written as
  arithmetic (``x.clamp(min=0)``, ``x * torch.sigmoid(x)``) are missed or misnamed.
* The feeding layer is found by execution order, so a Linear from a parallel branch that
  ran last is taken for the feeding one. Its weight gradient is the total over all the
  weight's uses (shared or tied weights).
* Train-mode randomness (dropout, RReLU's slopes) draws from torch's global generator.

>>> import torch
>>> from torch import nn
>>> model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1))
>>> with torch.no_grad():
...     _ = model[0].bias.fill_(-10.0)  # |Wx| < 2 for x in [0, 1)^4: every unit is dead
>>> report = diagnose(model, [(torch.rand(16, 4), torch.zeros(16, 1))], loss_fn=nn.MSELoss())
>>> s = report.layers[0]
>>> s.layer, s.activation, s.units, s.dead_fraction, s.grad_norm
('1', 'relu', 8, 1.0, 0.0)
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial
from itertools import islice
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.overrides import TorchFunctionMode
from torch.utils.hooks import RemovableHandle

from actlab.activation import Activation as CatalogueActivation
from actlab.diagnostics import Report, layer_stats
from actlab.registry import definition, get, names
from actlab.torch.module import Activation

#: torch.nn attributes that hold a catalogue parameter under another name
TORCH_ATTRIBUTES = {("LeakyReLU", "alpha"): "negative_slope", ("PReLU", "alpha"): "weight"}


def torch_twins() -> dict[str, str]:
    """{key: entry} for the catalogue entries PyTorch also has (a ``torch_equivalent``).

    The key is the entry's name without underscores, which is how torch.nn spells the
    class (lower-cased) and torch the function: 'leakyrelu' -> 'leaky_relu'.
    """
    return {n.replace("_", ""): n for n in names() if definition(n).torch_equivalent is not None}


def activation_of(module: nn.Module) -> CatalogueActivation | None:
    """The catalogue activation ``module`` computes, or None if it is not one we know.

    Recognised: ``actlab.torch.Activation`` (learnable parameters at their current values)
    and every torch.nn activation class with a catalogue twin (:func:`torch_twins`); its
    parameters are the module's attributes of the same name, except those renamed in
    :data:`TORCH_ATTRIBUTES` (LeakyReLU.negative_slope, PReLU.weight). A tensor-valued
    parameter (PReLU with per-channel slopes) maps to its mean. ``approximate='tanh'``
    selects ``<name>_tanh`` (GELU -> gelu_tanh). Subclasses of the torch.nn classes are
    not recognised: they may override ``forward``.

    Raises ValueError when a parameter is outside the catalogue entry's domain.

    >>> from torch import nn
    >>> activation_of(nn.LeakyReLU(0.2)), activation_of(nn.GELU(approximate="tanh"))
    (actlab.get('leaky_relu', alpha=0.2), actlab.get('gelu_tanh'))
    >>> activation_of(nn.Softmax(dim=-1)) is None
    True
    """
    if isinstance(module, Activation):
        learned = {n: float(p.detach()) for n, p in module.named_parameters(recurse=False)}
        return module.act.replace(**learned) if learned else module.act
    cls = type(module).__name__
    name = torch_twins().get(cls.lower())
    if name is None or not type(module).__module__.startswith("torch.nn."):
        return None
    approximate = getattr(module, "approximate", "none")
    if approximate != "none":
        name = f"{name}_{approximate}"
    params = {}
    for p in definition(name).parameters:
        value = getattr(module, TORCH_ATTRIBUTES.get((cls, p.name), p.name))
        params[p.name] = float(value.detach().mean()) if isinstance(value, torch.Tensor) else value
    return get(name, **params)


def diagnose(model: nn.Module, batches: Iterable[Any], *,
             loss_fn: Callable[[Any, Any], torch.Tensor] | None = None,
             max_batches: int | None = None) -> Report:
    """Per-layer health of ``model`` on ``batches`` (see the module docstring).

    Args:
        model: any torch.nn.Module; run in its current train/eval mode, left unchanged.
        batches: an iterable of ``x`` tensors or ``(x, y)`` pairs; ``model(x)`` is called.
        loss_fn: ``loss_fn(model(x), y)`` -> scalar tensor; with it, ``(x, y)`` batches are
            also backpropagated to get gradient norms. Without it, grad_norm is None.
        max_batches: use at most this many batches (default: all). The pre-activations
            of all of them are held in memory as float64.

    Returns:
        A Report with one LayerStats per activation call site, in execution order; its
        notes name what was skipped or approximated.
    """
    if max_batches is not None and (isinstance(max_batches, bool) or not isinstance(max_batches, int)
                                    or max_batches < 1):
        raise ValueError("The 'max_batches' parameter of diagnose must be None or an int >= 1. "
                         f"Got {max_batches!r} instead.")
    notes: list[str] = []
    acts = _activation_modules(model, notes)
    recorder = _Recorder(acts)
    modes = [(m, m.training) for m in model.modules()]
    params = [(p, p.requires_grad, p.grad) for p in model.parameters()]
    buffers = [(b, b.detach().clone()) for b in model.buffers()]
    n_batches = n_backward = 0
    grad_norms: dict[tuple[str, int], float | None] = {}
    try:
        recorder.attach(model)
        for p, _, _ in params:
            p.grad = None
            if loss_fn is not None and (p.is_floating_point() or p.is_complex()):
                p.requires_grad_(True)
        for batch in islice(batches, max_batches):
            x, y = _split(batch)
            backward = loss_fn is not None and y is not None
            recorder.new_pass()
            with torch.set_grad_enabled(backward):
                with _FunctionalSpy(recorder):
                    out = model(x)
                if backward:
                    loss = loss_fn(out, y)  # type: ignore[misc]
                    if loss.requires_grad:
                        loss.backward()
                        n_backward += 1
            recorder.remove_tensor_hooks()
            n_batches += 1
        if n_batches == 0:
            raise ValueError("The 'batches' parameter of diagnose must yield at least one batch. "
                             "Got an empty iterable instead.")
        for key, site in recorder.sites.items():
            grad = site.feed.weight.grad if site.feed is not None and site.reached else None
            grad_norms[key] = (None if grad is None or n_backward == 0 else
                               float(torch.linalg.vector_norm(grad.detach().double())) / n_backward)
    finally:
        recorder.detach()
        for m, training in modes:
            m.training = training
        with torch.no_grad():
            for b, value in buffers:
                b.copy_(value)
        for p, requires_grad, grad in params:
            p.requires_grad_(requires_grad)
            p.grad = grad
    notes += recorder.notes(has_loss=loss_fn is not None, n_backward=n_backward)
    calls = Counter(module for module, _ in recorder.sites)
    layers = []
    for (module, call), site in recorder.sites.items():
        layer = (module or "(model)") + (f"#{call}" if calls[module] > 1 else "")
        widths = sorted({a.shape[1] for a in site.z})
        if len(widths) > 1:
            raise ValueError(f"The activation {layer!r} got {widths} units in different batches; "
                             "its statistics need the same units in every batch.")
        layers.append(layer_stats(layer, site.act, np.concatenate(site.z),
                                  grad_norm=grad_norms[(module, call)]))
    return Report(layers=tuple(layers), notes=tuple(notes))


def _activation_modules(model: nn.Module, notes: list[str]) -> dict[nn.Module, CatalogueActivation]:
    """The model's recognised activation modules; notes on the rest and on approximations."""
    acts: dict[nn.Module, CatalogueActivation] = {}
    skipped = []
    for name, module in model.named_modules():
        try:
            act = activation_of(module)
        except ValueError as e:
            notes.append(f"{name!r} ({type(module).__name__}) has no catalogue equivalent: {e}")
            continue
        if act is None:
            if _looks_like_activation(module):
                skipped.append(f"{name!r} ({type(module).__name__})")
            continue
        acts[module] = act
        notes += _approximations(name, module, act)
    if skipped:
        notes.append("not recognised as activations, so not in this report: " + ", ".join(skipped)
                     + ". Wrap custom ones in actlab.torch.Activation (actlab.define for a formula).")
    return acts


def _looks_like_activation(module: nn.Module) -> bool:
    """An unrecognised module that is probably an activation: torch.nn's activation
    classes without submodules (Softmax, Threshold, GLU; not MultiheadAttention), and
    custom leaf modules named like one ("GELUActivation", "Swish")."""
    cls = type(module)
    if next(module.children(), None) is not None:
        return False
    if cls.__module__ == "torch.nn.modules.activation":
        return True
    if cls.__module__.startswith("torch."):
        return False
    key = cls.__name__.lower()
    # identity is excluded: an Identity module is a placeholder, not an activation
    return "activation" in key or any(n.replace("_", "") in key for n in names()
                                      if len(n) >= 4 and n != "identity")


def _approximations(name: str, module: nn.Module, act: CatalogueActivation) -> list[str]:
    """Where the catalogue activation is not exactly what the module computes."""
    notes = []
    if isinstance(module, nn.PReLU) and module.weight.numel() > 1:
        w = module.weight.detach()
        notes.append(f"{name!r}: PReLU has {w.numel()} per-channel slopes ({float(w.min()):.3g} .. "
                     f"{float(w.max()):.3g}); the statistics use their mean, {act.params['alpha']:.3g}.")
    if isinstance(module, nn.Softplus):
        notes.append(f"{name!r}: torch's Softplus returns x where beta*x > threshold "
                     f"({module.threshold:g}); the statistics use the exact softplus "
                     f"(the two differ by < e^-{module.threshold:g} / beta).")
    if act.name == "rrelu" and module.training:
        notes.append(f"{name!r}: RReLU samples its negative slopes in training mode; the statistics "
                     "use the mean slope (lower + upper) / 2.")
    return notes


def _split(batch: Any) -> tuple[Any, Any]:
    if isinstance(batch, torch.Tensor):
        return batch, None
    if isinstance(batch, (tuple, list)) and len(batch) in (1, 2):
        return batch[0], batch[1] if len(batch) == 2 else None
    raise TypeError("Each item of the 'batches' parameter of diagnose must be a tensor x or a "
                    f"pair (x, y). Got {type(batch).__name__} instead.")


def _units(z: torch.Tensor, channels: bool) -> np.ndarray:
    """z as a float64 (samples, units) array; a unit is a channel (dim 1) or the last dim."""
    z = z.detach()
    if channels:
        z = z.movedim(1, -1)
    z = z.reshape(-1, z.shape[-1]) if z.ndim >= 2 else z.reshape(-1, 1)
    # NOTE: always a copy: an in-place activation (ReLU(inplace=True)) overwrites z next.
    return z.to(device="cpu", dtype=torch.float64, copy=True).numpy()


@dataclass
class _Site:
    """One call of an activation module in a forward pass, over all batches."""

    act: CatalogueActivation
    feed_name: str | None
    feed: nn.Module | None  # the module whose weight ran last before the activation
    channels: bool  # units are the channels (dim 1), the feed being a convolution
    z: list[np.ndarray] = field(default_factory=list)
    reached: bool = False  # the loss gradient reached the output (its tensor hook fired)


class _Recorder:
    """The hooks' shared state: sites, the module stack, the last weight layer that ran."""

    def __init__(self, acts: dict[nn.Module, CatalogueActivation]) -> None:
        self.acts = acts
        self.sites: dict[tuple[str, int], _Site] = {}
        self.functional: Counter[tuple[str, str]] = Counter()
        self.stack: list[str] = []
        self.inside = 0  # depth of activation modules running (their own torch calls are fine)
        self.handles: list[RemovableHandle] = []
        self.tensor_hooks: list[RemovableHandle] = []
        self.twins = set(torch_twins())  # what the functional spy looks for
        self.new_pass()

    def new_pass(self) -> None:
        self.feed: tuple[str, nn.Module] | None = None
        self.calls: Counter[str] = Counter()

    def attach(self, model: nn.Module) -> None:
        for name, module in model.named_modules():
            self.handles.append(module.register_forward_pre_hook(partial(self._pre, name)))
            # always_call: the stack is popped even when forward raises
            self.handles.append(module.register_forward_hook(partial(self._post, name), always_call=True))

    def detach(self) -> None:
        self.remove_tensor_hooks()
        for handle in self.handles:
            handle.remove()
        self.handles.clear()

    def remove_tensor_hooks(self) -> None:
        for handle in self.tensor_hooks:
            handle.remove()
        self.tensor_hooks.clear()

    def _pre(self, name: str, module: nn.Module, args: tuple[Any, ...]) -> None:
        self.stack.append(name)
        if module not in self.acts:
            return
        self.inside += 1
        if not args or not isinstance(args[0], torch.Tensor):
            return
        z = args[0]
        self.calls[name] += 1
        site = self.sites.get((name, self.calls[name]))
        if site is None:
            feed_name, feed = self.feed or (None, None)
            channels = z.ndim >= 3 and getattr(feed, "out_channels", None) == z.shape[1]
            site = self.sites[(name, self.calls[name])] = _Site(self.acts[module], feed_name, feed, channels)
        site.z.append(_units(z, site.channels))

    def _post(self, name: str, module: nn.Module, args: tuple[Any, ...], output: Any) -> None:
        self.stack.pop()
        if module in self.acts:
            self.inside -= 1
            site = self.sites.get((name, self.calls[name]))
            if site is not None and isinstance(output, torch.Tensor) and output.requires_grad:
                self.tensor_hooks.append(output.register_hook(partial(_mark_reached, site)))
        weight = getattr(module, "weight", None)
        if isinstance(weight, nn.Parameter) and weight.ndim >= 2:
            self.feed = (name, module)

    def notes(self, *, has_loss: bool, n_backward: int) -> list[str]:
        notes = []
        if self.functional:
            calls = ", ".join(f"{fn} in {where or '(model)'!r} ({n} call{'s' * (n > 1)})"
                              for (fn, where), n in self.functional.items())
            notes.append(f"functional activations are not modules, so they are not hooked and not in "
                         f"this report: {calls}. Use modules (torch.nn or actlab.torch.Activation).")
        if not self.sites:
            notes.append("no activation module ran: nothing to report. Activations applied as "
                         "functions inside forward cannot be hooked; calls from C++ kernels (fused "
                         "RNN cells, TorchScript, compiled graphs) are not even detected.")
        calls = Counter(module for module, _ in self.sites)
        for module, n in calls.items():
            if n > 1:
                notes.append(f"{module!r} runs {n} times per forward pass: one row per call.")
        channels = [m for (m, _), s in self.sites.items() if s.channels]
        if channels:
            notes.append("units are channels (N, C, ... -> samples x C) for: "
                         + ", ".join(repr(m) for m in dict.fromkeys(channels)) + ".")
        if has_loss and n_backward == 0:
            notes.append("loss_fn was given but no batch had a target y that the loss depends on: "
                         "no gradients.")
        if n_backward:
            no_feed = dict.fromkeys(m for (m, _), s in self.sites.items() if s.feed is None)
            if no_feed:
                notes.append("no weight layer runs before " + ", ".join(map(repr, no_feed))
                             + ": grad_norm is None.")
            unreached = dict.fromkeys(m for (m, _), s in self.sites.items()
                                      if s.feed is not None and not s.reached)
            if unreached:
                notes.append("the loss does not depend on " + ", ".join(map(repr, unreached))
                             + ": grad_norm is None.")
            fed = Counter(s.feed_name for s in self.sites.values() if s.feed is not None)
            for feed_name, n in fed.items():
                if n > 1:
                    notes.append(f"{n} activations are fed by {feed_name!r}: each grad_norm is its "
                                 "weight's whole gradient.")
        return notes


def _mark_reached(site: _Site, grad: torch.Tensor) -> None:
    site.reached = True


class _FunctionalSpy(TorchFunctionMode):
    """Counts torch calls named like a catalogue activation made outside activation
    modules: F.gelu, torch.tanh, x.relu_() run inside forward cannot be hooked."""

    def __init__(self, recorder: _Recorder) -> None:
        super().__init__()
        self.recorder = recorder

    def __torch_function__(self, func: Any, types: Any, args: tuple[Any, ...] = (),
                           kwargs: dict[str, Any] | None = None) -> Any:
        rec = self.recorder
        name = getattr(func, "__name__", "")
        if rec.inside == 0 and name.rstrip("_").replace("_", "") in rec.twins:
            rec.functional[(name, rec.stack[-1] if rec.stack else "")] += 1
        return func(*args, **(kwargs or {}))
