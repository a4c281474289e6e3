"""actlab.torch.diagnose: hooks on any model give the same LayerStats as layer_stats by hand."""

from __future__ import annotations

import copy
import itertools

import numpy as np
import pytest

import actlab
from actlab.diagnostics import layer_stats

torch = pytest.importorskip("torch")
from torch import nn  # noqa: E402

import actlab.torch as at  # noqa: E402
from actlab.torch.diagnose import activation_of, diagnose, torch_twins  # noqa: E402

MSE = nn.MSELoss()

#: every torch.nn activation with a catalogue twin: (module, catalogue name, its parameters);
#: parameters other than the defaults, exactly representable in float32
TORCH_NN = [
    (nn.ReLU(), "relu", {}),
    (nn.LeakyReLU(0.25), "leaky_relu", {"alpha": 0.25}),
    (nn.PReLU(init=0.375), "prelu", {"alpha": 0.375}),
    (nn.ELU(alpha=0.5), "elu", {"alpha": 0.5}),
    (nn.SELU(), "selu", {}),
    (nn.CELU(alpha=1.5), "celu", {"alpha": 1.5}),
    (nn.GELU(), "gelu", {}),
    (nn.GELU(approximate="tanh"), "gelu_tanh", {}),
    (nn.SiLU(), "silu", {}),
    (nn.Mish(), "mish", {}),
    (nn.Tanh(), "tanh", {}),
    (nn.Sigmoid(), "sigmoid", {}),
    (nn.Softplus(beta=2.0), "softplus", {"beta": 2.0}),
    (nn.Softsign(), "softsign", {}),
    (nn.Hardtanh(-2.0, 0.5), "hardtanh", {"min_val": -2.0, "max_val": 0.5}),
    (nn.ReLU6(), "relu6", {}),
    (nn.Hardsigmoid(), "hardsigmoid", {}),
    (nn.Hardswish(), "hardswish", {}),
    (nn.LogSigmoid(), "logsigmoid", {}),
    (nn.Tanhshrink(), "tanhshrink", {}),
    (nn.Softshrink(0.25), "softshrink", {"lambd": 0.25}),
    (nn.Hardshrink(0.75), "hardshrink", {"lambd": 0.75}),
    (nn.RReLU(0.125, 0.25), "rrelu", {"lower": 0.125, "upper": 0.25}),
]


@pytest.mark.parametrize(("module", "name", "params"), TORCH_NN, ids=[c[1] for c in TORCH_NN])
def test_torch_nn_activation_maps_to_its_catalogue_entry(module, name, params) -> None:
    act = activation_of(module)
    assert name in actlab.names() and act == actlab.get(name, **params)
    x = torch.linspace(-4.05, 4.05, 82, dtype=torch.float64)  # misses every kink
    want = module.double().eval()(x).detach().numpy()  # eval: RReLU's mean slope
    np.testing.assert_allclose(act(x.numpy()), want, rtol=1e-9, atol=1e-12)


def test_the_table_covers_every_torch_nn_twin() -> None:
    import torch.nn.modules.activation as torch_activations

    covered = {type(m).__name__ for m, _, _ in TORCH_NN}
    for cls_name in torch_activations.__all__:
        if cls_name.lower() in torch_twins():
            assert cls_name in covered
        else:  # Softmax, Threshold, GLU, MultiheadAttention, ...
            assert cls_name not in covered


def test_unknown_and_subclassed_modules_are_not_recognised() -> None:
    class MyReLU(nn.ReLU):
        pass

    assert activation_of(nn.Softmax(dim=-1)) is None
    assert activation_of(nn.Linear(2, 2)) is None
    assert activation_of(MyReLU()) is None


def _toy() -> nn.Sequential:
    """Linear(4,8) ReLU Linear(8,8) Tanh Linear(8,1) with dyadic weights: the pre-activations
    are exact in float32, so NumPy float64 by hand gives the very same numbers."""
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 8), nn.Tanh(), nn.Linear(8, 1))
    with torch.no_grad():
        for k, layer in enumerate(model[::2]):
            i, j = np.indices(layer.weight.shape)
            layer.weight.copy_(torch.tensor(((3 * i + 5 * j + k) % 7 - 3) / 4))
            layer.bias.copy_(torch.tensor((np.arange(layer.bias.numel()) % 5 - 2) / 8))
    return model


def _toy_batches() -> list[tuple[torch.Tensor, torch.Tensor]]:
    out = []
    for n, shift in ((6, 0), (5, 3)):
        i, j = np.indices((n, 4))
        x = torch.tensor(((7 * i + 3 * j + shift) % 11 - 5) / 8, dtype=torch.float32)
        out.append((x, torch.linspace(-1, 1, n).reshape(n, 1)))
    return out


def test_toy_model_gives_exactly_layer_stats_of_the_hand_computed_preactivations() -> None:
    model, batches = _toy(), _toy_batches()
    report = diagnose(model, batches, loss_fn=MSE)

    w = [layer.weight.detach().numpy().astype(np.float64) for layer in model[::2]]
    b = [layer.bias.detach().numpy().astype(np.float64) for layer in model[::2]]
    x = np.concatenate([xb.numpy().astype(np.float64) for xb, _ in batches])
    z1 = x @ w[0].T + b[0]
    z2 = np.maximum(z1, 0.0) @ w[1].T + b[1]

    # the gradient of the mean batch loss, by autograd on a copy
    reference = copy.deepcopy(model)
    for xb, yb in batches:
        MSE(reference(xb), yb).backward()
    norms = [float(torch.linalg.vector_norm(layer.weight.grad.double())) / len(batches)
             for layer in reference[::2]]
    assert report.layers == (layer_stats("1", actlab.get("relu"), z1, grad_norm=norms[0]),
                             layer_stats("3", actlab.get("tanh"), z2, grad_norm=norms[1]))
    assert report.notes == ()

    # and autograd's norm is the right one: backpropagation by hand in NumPy, first batch
    xb, yb = (t.numpy().astype(np.float64) for t in batches[0])
    n = len(xb)
    z1 = xb @ w[0].T + b[0]
    h1 = np.maximum(z1, 0.0)
    h2 = np.tanh(h1 @ w[1].T + b[1])
    d3 = 2 * (h2 @ w[2].T + b[2] - yb) / n
    d2 = (d3 @ w[2]) * (1 - h2**2)
    d1 = (d2 @ w[1]) * (z1 > 0)
    first = diagnose(model, batches[:1], loss_fn=MSE).layers
    np.testing.assert_allclose([s.grad_norm for s in first],
                               [np.linalg.norm(d1.T @ xb), np.linalg.norm(d2.T @ h1)], rtol=1e-5)


def test_hooks_are_removed() -> None:
    model, batches = _toy(), _toy_batches()
    outputs: list[torch.Tensor] = []
    own = model[1].register_forward_hook(lambda m, args, out: outputs.append(out))
    diagnose(model, batches, loss_fn=MSE)
    assert list(model[1]._forward_hooks) == [own.id]
    own.remove()
    _assert_no_hooks(model)
    assert outputs and all(out.requires_grad and not out._backward_hooks for out in outputs)


def _assert_no_hooks(model: nn.Module) -> None:
    for m in model.modules():
        assert not m._forward_hooks and not m._forward_pre_hooks and not m._forward_hooks_always_called
    # the functional-activation spy (a TorchFunctionMode) is gone too
    assert not torch.overrides.has_torch_function((torch.zeros(1),))


def test_everything_is_restored_when_forward_raises() -> None:
    class Boom(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.calls = 0

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            self.calls += 1
            self.train()  # a forward that changes modes: diagnose puts them back
            if self.calls == 2:
                raise RuntimeError("boom")
            return x

    model = nn.Sequential(*_toy()[:2], Boom(), *_toy()[2:]).eval()
    model[0].weight.requires_grad_(False)
    with pytest.raises(RuntimeError, match="boom"):
        diagnose(model, _toy_batches(), loss_fn=MSE)
    _assert_no_hooks(model)
    assert not any(m.training for m in model.modules())
    assert not model[0].weight.requires_grad and model[0].weight.grad is None
    assert all(p.grad is None for p in model.parameters())


def test_model_mode_requires_grad_grads_and_buffers_are_restored() -> None:
    gen = torch.Generator().manual_seed(1)
    model = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Dropout(0.5), nn.Linear(8, 1))
    model.train()
    model[3].eval()  # mixed modes stay mixed
    x, y = torch.randn(16, 4, generator=gen), torch.randn(16, 1, generator=gen)
    MSE(model(x), y).backward()  # pre-existing gradients...
    model[0].weight.requires_grad_(False)  # ...and a frozen weight that has none
    model[0].weight.grad = None
    modes = [m.training for m in model.modules()]
    grads = {n: (p.grad, None if p.grad is None else p.grad.clone()) for n, p in model.named_parameters()}
    buffers = {n: b.clone() for n, b in model.named_buffers()}

    report = diagnose(model, [(x, y)] * 3, loss_fn=MSE)

    assert [m.training for m in model.modules()] == modes
    assert not model[0].weight.requires_grad
    assert all(p.requires_grad for n, p in model.named_parameters() if n != "0.weight")
    for n, p in model.named_parameters():
        before, value = grads[n]
        assert p.grad is before and (value is None or torch.equal(p.grad, value))
    for n, b in model.named_buffers():
        assert torch.equal(b, buffers[n])  # BatchNorm running statistics untouched
    # the frozen first weight still gets a gradient norm (BatchNorm's 1-D weight is skipped)
    (relu,) = report.layers
    assert relu.layer == "2" and relu.grad_norm is not None and relu.grad_norm > 0


def test_dead_relu_from_a_large_negative_bias() -> None:
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1))
    with torch.no_grad():
        model[0].weight.copy_(torch.linspace(-0.5, 0.5, 32).reshape(8, 4))
        model[0].bias.fill_(-10.0)
    x = torch.rand(32, 4, generator=torch.Generator().manual_seed(0))
    (s,) = diagnose(model, [(x, torch.ones(32, 1))], loss_fn=MSE).layers
    assert s.dead_fraction == 1.0 and s.saturated_fraction == 1.0 and s.grad_norm == 0.0


def test_scaled_inputs_saturate_tanh() -> None:
    gen = torch.Generator().manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 1))
    with torch.no_grad():
        model[0].weight.copy_(torch.randn(8, 4, generator=gen))
        model[0].bias.zero_()
    x = torch.randn(64, 4, generator=gen)
    calm = diagnose(model, [x]).layers[0]
    hot = diagnose(model, [x * 100]).layers[0]
    assert calm.saturated_fraction < 0.2 and hot.saturated_fraction > 0.95
    assert calm.grad_norm is None  # forward statistics only


@pytest.mark.parametrize("make", [nn.ReLU, lambda inplace: nn.LeakyReLU(0.25, inplace), nn.ELU, nn.SiLU],
                         ids=["relu", "leaky_relu", "elu", "silu"])
def test_inplace_activation_sees_the_preactivation(make) -> None:
    # float64: the captured z is no dtype-converted copy, so the in-place trap is live
    # (ReLU's statistics of relu(z) equal those of z; the others' do not)
    model = _toy().double()
    model[1] = make(inplace=False)
    inplace = copy.deepcopy(model)
    inplace[1] = make(inplace=True)
    batches = [(x.double(), y.double()) for x, y in _toy_batches()]
    assert diagnose(inplace, batches, loss_fn=MSE) == diagnose(model, batches, loss_fn=MSE)


def test_actlab_modules_are_recognised_with_their_learned_parameters() -> None:
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), at.Activation("swish"), nn.Linear(8, 8),
                          at.Activation("elu", alpha=0.5), nn.Linear(8, 1))
    with torch.no_grad():
        model[1].beta.fill_(1.5)  # as if trained
    x = torch.randn(10, 4)
    report = diagnose(model, [(x, torch.zeros(10, 1))], loss_fn=MSE)
    with torch.no_grad():
        z = model[0](x).double().numpy()
    swish, elu = report.layers
    assert swish == layer_stats("1", actlab.get("swish", beta=1.5), z, grad_norm=swish.grad_norm)
    assert elu.activation == "elu" and elu.grad_norm is not None and swish.grad_norm is not None


def test_conv_net_units_are_channels() -> None:
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(3, 6, 3), nn.BatchNorm2d(6), nn.ReLU(inplace=True),
                          nn.Conv2d(6, 4, 3), nn.Tanh(), nn.Flatten(), nn.Linear(4 * 4 * 4, 2))
    batches = [(torch.randn(2, 3, 8, 8), torch.randn(2, 2)) for _ in range(2)]
    report = diagnose(model, batches, loss_fn=MSE)

    reference = copy.deepcopy(model)  # same batches, same train-mode BatchNorm statistics
    z1, z2 = [], []
    for x, y in batches:
        a = reference[1](reference[0](x))
        z1.append(a.detach().movedim(1, -1).reshape(-1, 6).double().numpy())
        b = reference[3](reference[2](a))
        z2.append(b.detach().movedim(1, -1).reshape(-1, 4).double().numpy())
        MSE(reference[4:](b), y).backward()
    norms = [float(torch.linalg.vector_norm(reference[i].weight.grad.double())) / 2 for i in (0, 3)]
    assert report.layers == (
        layer_stats("2", actlab.get("relu"), np.concatenate(z1), grad_norm=norms[0]),
        layer_stats("4", actlab.get("tanh"), np.concatenate(z2), grad_norm=norms[1]))
    assert any("channels" in n for n in report.notes)


class _Block(nn.Module):
    """A pre-norm transformer block from torch.nn layers, with a GELU *module*."""

    def __init__(self, d: int = 16) -> None:
        super().__init__()
        self.norm1, self.norm2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.attn = nn.MultiheadAttention(d, 2, batch_first=True)
        self.mlp = nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(), nn.Linear(4 * d, d))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.norm1(x)
        x = x + self.attn(h, h, h, need_weights=False)[0]
        return x + self.mlp(self.norm2(x))


def test_transformer_block_never_seen_before() -> None:
    torch.manual_seed(0)
    block = _Block()
    x, y = torch.randn(3, 5, 16), torch.randn(3, 5, 16)
    report = diagnose(block, [(x, y)], loss_fn=MSE)

    reference = copy.deepcopy(block)
    MSE(reference(x), y).backward()
    h = reference.norm1(x)
    z = reference.mlp[0](reference.norm2(x + reference.attn(h, h, h, need_weights=False)[0]))
    norm = float(torch.linalg.vector_norm(reference.mlp[0].weight.grad.double()))
    assert report.layers == (layer_stats("mlp.1", actlab.get("gelu"), z.detach().double().numpy(),
                                         grad_norm=norm),)
    assert report.notes == ()  # attention's softmax/linear are not activations


def test_transformer_encoder_layer_functional_gelu_is_reported_not_hooked() -> None:
    torch.manual_seed(0)
    x, y = torch.randn(3, 5, 16), torch.randn(3, 5, 16)
    functional = nn.TransformerEncoderLayer(16, 2, 32, dropout=0.0, activation="gelu", batch_first=True)
    report = diagnose(functional, [(x, y)], loss_fn=MSE)
    assert report.layers == ()
    assert any("functional" in n and "gelu in '(model)'" in n for n in report.notes)
    _assert_no_hooks(functional)

    as_module = nn.TransformerEncoderLayer(16, 2, 32, dropout=0.0, activation=nn.GELU(), batch_first=True)
    (s,) = diagnose(as_module.eval(), [(x, y)], loss_fn=MSE).layers
    reference = copy.deepcopy(as_module)
    MSE(reference(x), y).backward()
    assert (s.layer, s.activation, s.units) == ("activation", "gelu", 32)
    assert s.grad_norm == float(torch.linalg.vector_norm(reference.linear1.weight.grad.double()))


def test_notes_name_skipped_modules_and_repeated_calls() -> None:
    class Swish(nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return x * torch.sigmoid(x)

    shared = nn.ReLU()
    model = nn.Sequential(nn.Linear(3, 5), shared, nn.Linear(5, 2), shared, Swish(), nn.Softmax(-1))
    report = diagnose(model, [torch.randn(4, 3)])
    assert [(s.layer, s.units) for s in report.layers] == [("1#1", 5), ("1#2", 2)]
    text = "\n".join(report.notes)
    assert "'4' (Swish)" in text and "'5' (Softmax)" in text
    assert "sigmoid in '4'" in text and "'1' runs 2 times" in text


def test_prelu_per_channel_and_softplus_threshold_are_noted() -> None:
    model = nn.Sequential(nn.Linear(2, 3), nn.PReLU(3), nn.Linear(3, 3), nn.Softplus())
    with torch.no_grad():
        model[1].weight.copy_(torch.tensor([0.25, 0.5, 0.75]))
    report = diagnose(model, [torch.randn(4, 2)])
    assert [s.activation for s in report.layers] == ["prelu", "softplus"]
    text = "\n".join(report.notes)
    assert "3 per-channel slopes" in text and "mean, 0.5" in text and "threshold (20)" in text


def test_batches_forms_and_max_batches() -> None:
    model, batches = _toy(), _toy_batches()
    pulled = []

    def endless():
        for n in itertools.count():
            pulled.append(n)
            yield batches[n % 2]

    relu, _ = diagnose(model, endless(), loss_fn=MSE, max_batches=3).layers
    assert pulled == [0, 1, 2] and relu.units == 8 and relu.grad_norm is not None
    # x alone, or a loss without targets: forward statistics only
    report = diagnose(model, [x for x, _ in batches], loss_fn=MSE)
    assert all(s.grad_norm is None for s in report.layers)
    assert any("no batch had a target" in n for n in report.notes)


def test_bad_arguments_name_the_parameter() -> None:
    model = _toy()
    with pytest.raises(ValueError, match="'max_batches' .* Got 0 instead"):
        diagnose(model, _toy_batches(), max_batches=0)
    with pytest.raises(TypeError, match="'batches' .* Got dict instead"):
        diagnose(model, [{"x": torch.zeros(1, 4)}])
    with pytest.raises(ValueError, match="at least one batch"):
        diagnose(model, [])
    _assert_no_hooks(model)
