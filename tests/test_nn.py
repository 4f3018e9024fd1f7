"""nn: Module registration/traversal/state, layers vs hand values and PyTorch, init statistics, losses."""

from __future__ import annotations

import math
from collections import OrderedDict

import numpy as np
import pytest

import tinygrad_cnn as tc
from tinygrad_cnn import Tensor, nn

HAS_CONV = hasattr(tc.functional, "conv2d")
needs_conv = pytest.mark.skipif(not HAS_CONV, reason="F.conv2d not available yet")


class Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc1 = nn.Linear(4, 3)
        self.act = nn.Tanh()
        self.head = nn.Sequential(nn.Linear(3, 2), nn.Sigmoid())
        self.scale = nn.Parameter(np.ones(2, dtype=np.float32))

    def forward(self, x: Tensor) -> Tensor:
        return self.head(self.act(self.fc1(x))) * self.scale


# ---------------------------------------------------------------------- Module


def test_registration_names_and_order():
    net = Net()
    names = [n for n, _ in net.named_parameters()]
    assert names == ["scale", "fc1.weight", "fc1.bias", "head.0.weight", "head.0.bias"]
    assert list(net.state_dict()) == names
    assert [type(m).__name__ for m in net.children()] == ["Linear", "Tanh", "Sequential"]
    assert [n for n, _ in net.named_modules()] == ["", "fc1", "act", "head", "head.0", "head.1"]
    assert all(p.requires_grad for p in net.parameters())
    assert isinstance(net.fc1.weight, nn.Parameter) and net.fc1.weight.is_leaf


def test_shared_parameter_listed_once_and_reassignment():
    m = nn.Module()
    lin = nn.Linear(2, 2)
    m.a, m.b = lin, lin
    assert len(list(m.parameters())) == 2
    assert list(m.state_dict()) == ["a.weight", "a.bias", "b.weight", "b.bias"]  # as PyTorch: under both names
    m.a = nn.Linear(2, 3)
    assert len(list(m.parameters())) == 4
    with pytest.raises(TypeError, match="Parameter or None"):
        lin.weight = np.zeros((2, 2))
    lin.bias = None
    assert [n for n, _ in lin.named_parameters()] == ["weight"]


def test_setattr_before_init_is_a_clear_error():
    class Bad(nn.Module):
        def __init__(self):
            self.fc = nn.Linear(1, 1)

    with pytest.raises(AttributeError, match="super\\(\\).__init__"):
        Bad()


def test_train_eval_zero_grad():
    net = Net()
    assert net.training and net.head[0].training
    net.eval()
    assert not net.training and not net.head[1].training
    net.train()
    assert net.head[1].training
    out = net(tc.randn(5, 4)).sum()
    out.backward()
    assert all(p.grad is not None for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())


def test_module_call_names_output_after_attribute_path():
    net = Net()
    x = tc.randn(2, 4)
    h = net.fc1(x)
    assert h.name == "fc1"
    y = net.head(h)
    assert y.name == "head.1"  # a container's output keeps the name of the innermost module that made it
    assert net.head[0](h).name == "head.0"
    named = Tensor(np.ones((1, 4), np.float32))
    z = net.fc1(named)
    z.name = "mine"
    assert z.name == "mine"
    with tc.no_grad():
        assert net.fc1(x).grad_fn is None  # no node, nothing to label, no error


def test_repr_like_pytorch():
    model = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Flatten(), nn.Softmax(dim=1))
    assert repr(model) == (
        "Sequential(\n"
        "  (0): Linear(in_features=4, out_features=3, bias=True)\n"
        "  (1): ReLU()\n"
        "  (2): Flatten(start_dim=1, end_dim=-1)\n"
        "  (3): Softmax(dim=1)\n"
        ")"
    )
    assert repr(nn.MaxPool2d(2)) == "MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)"
    assert repr(nn.Conv2d(1, 3, 5)) == "Conv2d(1, 3, kernel_size=(5, 5), stride=(1, 1))"
    assert repr(nn.Conv2d(2, 4, 3, stride=2, padding=1, bias=False)) == (
        "Conv2d(2, 4, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1), bias=False)"
    )


def test_sequential_indexing_and_ordereddict():
    seq = nn.Sequential(OrderedDict([("conv", nn.Linear(2, 2)), ("act", nn.ReLU())]))
    assert list(seq.state_dict()) == ["conv.weight", "conv.bias"]
    assert len(seq) == 2 and isinstance(seq[-1], nn.ReLU)
    assert list(seq[:1].state_dict()) == ["conv.weight", "conv.bias"]
    with pytest.raises(IndexError):
        seq[2]
    with pytest.raises(TypeError, match="not a Module"):
        nn.Sequential(nn.ReLU(), lambda x: x)


# ---------------------------------------------------------------------- state_dict


def test_state_dict_shares_storage_detached_and_round_trips_with_casts():
    a, b = Net(), Net()
    sd = a.state_dict()
    assert all(isinstance(v, Tensor) and not v.requires_grad for v in sd.values())
    sd["fc1.weight"][...] = 7  # as PyTorch: the values share storage with the model
    assert np.all(a.fc1.weight.detach().numpy() == 7)
    sd64 = {k: v.double() for k, v in a.state_dict().items()}
    result = b.load_state_dict(sd64)
    assert result.missing_keys == [] and result.unexpected_keys == []
    for (k, p), (_, q) in zip(a.named_parameters(), b.named_parameters()):
        np.testing.assert_array_equal(p.detach().numpy(), q.detach().numpy())
        assert q.dtype == np.float32, k


def test_load_state_dict_names_every_bad_key_and_changes_nothing():
    net = Net()
    before = net.state_dict()
    sd = net.state_dict()
    del sd["fc1.bias"]
    sd["extra.weight"] = np.zeros(3)
    sd["head.0.weight"] = np.zeros((5, 5))
    with pytest.raises(RuntimeError) as err:
        net.load_state_dict(sd)
    msg = str(err.value)
    assert '"fc1.bias"' in msg and '"extra.weight"' in msg
    assert "head.0.weight" in msg and "(5, 5)" in msg and "(2, 3)" in msg
    for k, v in net.state_dict().items():
        np.testing.assert_array_equal(v, before[k])


def test_load_state_dict_non_strict_reports_keys():
    net = Net()
    sd = net.state_dict()
    del sd["scale"]
    sd["junk"] = np.zeros(1)
    missing, unexpected = net.load_state_dict(sd, strict=False)
    assert missing == ["scale"] and unexpected == ["junk"]
    with pytest.raises(TypeError, match="mapping"):
        net.load_state_dict([1, 2])


def test_to_dtype():
    net = Net().double()
    assert all(p.dtype == np.float64 for p in net.parameters())
    out = net(tc.tensor(np.ones((1, 4))))
    assert out.dtype == np.float64
    net.float()
    assert all(p.dtype == np.float32 for p in net.parameters())
    net.to(np.float64)
    assert net.fc1.weight.dtype == np.float64
    with pytest.raises(TypeError, match="floating"):
        net.to(np.int32)


# ---------------------------------------------------------------------- layers: hand values


def test_linear_values_and_gradients_by_hand():
    lin = nn.Linear(2, 1)
    lin.load_state_dict({"weight": np.array([[2.0, -1.0]]), "bias": np.array([0.5])})
    x = Tensor(np.array([[1.0, 3.0], [0.0, 1.0]], np.float32))
    y = lin(x)
    np.testing.assert_allclose(y.detach().numpy(), [[-0.5], [-0.5]])
    y.sum().backward()
    np.testing.assert_allclose(lin.weight.grad.numpy(), [[1.0, 4.0]])
    np.testing.assert_allclose(lin.bias.grad.numpy(), [2.0])


def test_activation_layers():
    x = tc.tensor(np.array([[-1.0, 0.0, 2.0]]))
    np.testing.assert_allclose(nn.Sigmoid()(x).numpy(), 1 / (1 + np.exp(-x.numpy())))
    np.testing.assert_allclose(nn.ReLU()(x).numpy(), [[0.0, 0.0, 2.0]])
    np.testing.assert_allclose(nn.Tanh()(x).numpy(), np.tanh(x.numpy()))
    e = np.exp(x.numpy())
    np.testing.assert_allclose(nn.Softmax(dim=1)(x).numpy(), e / e.sum(), rtol=1e-12)
    assert nn.Flatten()(tc.tensor(np.zeros((2, 3, 4, 5)))).shape == (2, 60)
    assert nn.Flatten(0)(tc.tensor(np.zeros((2, 3)))).shape == (6,)


def test_layer_input_errors():
    lin = nn.Linear(4, 2)
    with pytest.raises(ValueError, match="4"):
        lin(Tensor(np.zeros((3, 5), np.float32)))
    with pytest.raises(TypeError, match="uint8"):
        lin(tc.tensor(np.zeros((3, 4), np.uint8), dtype=np.uint8))
    with pytest.raises(TypeError, match="Tensor"):
        lin(np.zeros((3, 4)))
    with pytest.raises(ValueError, match="divisible by groups"):
        nn.Conv2d(3, 4, 3, groups=2)
    with pytest.raises(ValueError, match="strided"):
        nn.Conv2d(1, 1, 3, stride=2, padding="same")


# ---------------------------------------------------------------------- layers: init


def test_default_init_bounds_and_shapes():
    tc.manual_seed(0)
    conv = nn.Conv2d(6, 16, 5)
    assert conv.weight.shape == (16, 6, 5, 5) and conv.bias.shape == (16,)
    fan_in = 6 * 25
    bound = 1 / math.sqrt(fan_in)  # kaiming_uniform_(a=√5): gain √(2/6), bound gain·√(3/fan_in) = 1/√fan_in
    w = np.abs(conv.weight.detach().numpy())
    assert w.max() <= bound and w.max() > 0.9 * bound
    assert np.abs(conv.bias.detach().numpy()).max() <= bound
    assert conv.weight.dtype == np.float32
    lin = nn.Linear(1728, 1)
    assert np.abs(lin.weight.detach().numpy()).max() <= 1 / math.sqrt(1728)
    assert lin.weight.detach().numpy().std() == pytest.approx(1 / math.sqrt(1728) / math.sqrt(3), rel=0.1)


def test_init_is_repeatable_with_manual_seed():
    tc.manual_seed(3)
    a = nn.Linear(5, 4).state_dict()
    tc.manual_seed(3)
    b = nn.Linear(5, 4).state_dict()
    for k in a:
        np.testing.assert_array_equal(a[k], b[k])


@pytest.mark.parametrize(
    "fn, kwargs, std",
    [
        (nn.init.xavier_uniform_, {}, math.sqrt(2 / (60 + 40))),
        (nn.init.xavier_normal_, {"gain": 2.0}, 2.0 * math.sqrt(2 / (60 + 40))),
        (nn.init.kaiming_uniform_, {"nonlinearity": "relu"}, math.sqrt(2 / 60)),
        (nn.init.kaiming_normal_, {"mode": "fan_out", "nonlinearity": "relu"}, math.sqrt(2 / 40)),
        (nn.init.normal_, {"std": 0.3}, 0.3),
        (nn.init.uniform_, {"a": -1.0, "b": 1.0}, 1 / math.sqrt(3)),
    ],
)
def test_init_statistics(fn, kwargs, std):
    w = tc.tensor(np.zeros((40, 60), np.float64))  # fan_in 60, fan_out 40
    out = fn(w, **kwargs)
    assert out is w
    assert w.numpy().std() == pytest.approx(std, rel=0.05)
    assert abs(w.numpy().mean()) < 0.05 * std + 1e-3


def test_constant_inits_and_errors():
    w = nn.Parameter(np.zeros((2, 3), np.float32))
    nn.init.ones_(w)
    assert np.all(w.detach().numpy() == 1)
    nn.init.constant_(w, 0.25)
    assert np.all(w.detach().numpy() == 0.25)
    nn.init.zeros_(w)
    assert np.all(w.detach().numpy() == 0)
    assert nn.init.calculate_gain("tanh") == pytest.approx(5 / 3)
    with pytest.raises(ValueError, match="fewer than 2"):
        nn.init.xavier_uniform_(tc.tensor(np.zeros(3)))
    with pytest.raises(ValueError, match="nonlinearity"):
        nn.init.calculate_gain("swish")


# ---------------------------------------------------------------------- losses


def test_loss_modules_by_hand():
    o = tc.tensor(np.array([[0.8], [0.3]]), requires_grad=True)
    y = tc.tensor(np.array([[1.0], [0.0]]))
    loss = nn.MSELoss()(o, y)
    assert loss.item() == pytest.approx((0.2**2 + 0.3**2) / 2)
    loss.backward()  # d/dO mean((O − y)²) = (O − y) for N = 2
    np.testing.assert_allclose(o.grad.numpy(), [[-0.2], [0.3]])
    assert nn.MSELoss(reduction="sum")(o, y).item() == pytest.approx(0.13)
    bce = nn.BCELoss()(o, y).item()
    assert bce == pytest.approx(-(math.log(0.8) + math.log(0.7)) / 2)
    logits = tc.tensor(np.array([[1.0, 2.0, 0.5]]))
    ce = nn.CrossEntropyLoss()(logits, np.array([1])).item()
    assert ce == pytest.approx(-2.0 + math.log(math.exp(1) + math.exp(2) + math.exp(0.5)))
    with pytest.raises(ValueError, match="class indices"):
        nn.CrossEntropyLoss()(logits, np.array([3]))
    with pytest.raises(ValueError, match="reduction"):
        nn.MSELoss(reduction="avg")


# ---------------------------------------------------------------------- conv / pool layers


@needs_conv
def test_conv_and_pool_layers_shapes_and_values():
    conv = nn.Conv2d(2, 3, 3, padding=1)
    x = tc.randn(4, 2, 8, 8)
    y = conv(x)
    assert y.shape == (4, 3, 8, 8)
    assert nn.MaxPool2d(2)(y).shape == (4, 3, 4, 4)
    assert nn.AvgPool2d(2, stride=1)(y).shape == (4, 3, 7, 7)
    ones = Tensor(np.arange(16, dtype=np.float32).reshape(1, 1, 4, 4))
    np.testing.assert_allclose(nn.MaxPool2d(2)(ones).numpy().ravel(), [5, 7, 13, 15])
    np.testing.assert_allclose(nn.AvgPool2d(2)(ones).numpy().ravel(), [2.5, 4.5, 10.5, 12.5])


@needs_conv
def test_conv_layer_errors_name_shapes():
    conv = nn.Conv2d(1, 3, 5)
    with pytest.raises(ValueError, match=r"\(N, 1, H, W\).*\(2, 3, 28, 28\)"):
        conv(tc.zeros(2, 3, 28, 28))
    with pytest.raises(TypeError, match="uint8"):
        conv(tc.tensor(np.zeros((2, 1, 28, 28), np.uint8), dtype=np.uint8))


# ---------------------------------------------------------------------- vs PyTorch


def _torch():
    return pytest.importorskip("torch")


@needs_conv
def test_state_dict_moves_to_torch_and_back_with_equal_outputs():
    torch = _torch()
    ours = nn.Sequential(nn.Conv2d(1, 3, 5), nn.Sigmoid(), nn.Flatten(), nn.Linear(3 * 8 * 8, 2), nn.Softmax(dim=1))
    theirs = torch.nn.Sequential(
        torch.nn.Conv2d(1, 3, 5),
        torch.nn.Sigmoid(),
        torch.nn.Flatten(),
        torch.nn.Linear(192, 2),
        torch.nn.Softmax(dim=1),
    )
    assert list(ours.state_dict()) == list(theirs.state_dict())
    theirs.load_state_dict({k: torch.from_numpy(v.numpy()) for k, v in ours.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((4, 1, 12, 12)).astype(np.float32)
    ours_out = ours(Tensor(x)).detach().numpy()
    np.testing.assert_allclose(ours_out, theirs(torch.from_numpy(x)).detach().numpy(), atol=1e-6)
    # and back: torch's own initialisation loaded into ours
    torch.manual_seed(1)
    fresh = torch.nn.Sequential(
        torch.nn.Conv2d(1, 3, 5),
        torch.nn.Sigmoid(),
        torch.nn.Flatten(),
        torch.nn.Linear(192, 2),
        torch.nn.Softmax(dim=1),
    )
    ours.load_state_dict({k: v.numpy() for k, v in fresh.state_dict().items()})
    np.testing.assert_allclose(ours(Tensor(x)).detach().numpy(), fresh(torch.from_numpy(x)).detach().numpy(), atol=1e-6)


@needs_conv
def test_lenet_gradients_match_torch():
    torch = _torch()
    from tinygrad_cnn.models import LeNet

    ours = LeNet(8, 16).double()

    class TLeNet(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = torch.nn.Conv2d(1, 8, 5)
            self.conv2 = torch.nn.Conv2d(8, 16, 5)
            self.pool = torch.nn.MaxPool2d(2)
            self.relu = torch.nn.ReLU()
            self.flatten = torch.nn.Flatten()
            self.fc = torch.nn.Linear(256, 10)

        def forward(self, x):
            x = self.pool(self.relu(self.conv1(x)))
            x = self.pool(self.relu(self.conv2(x)))
            return self.fc(self.flatten(x))

    theirs = TLeNet().double()
    assert list(ours.state_dict()) == list(theirs.state_dict())
    theirs.load_state_dict({k: torch.from_numpy(v.numpy()) for k, v in ours.state_dict().items()})
    rng = np.random.default_rng(0)
    x, y = rng.random((6, 1, 28, 28)), rng.integers(0, 10, 6)
    loss = nn.CrossEntropyLoss()(ours(tc.tensor(x)), y)
    loss.backward()
    tloss = torch.nn.CrossEntropyLoss()(theirs(torch.from_numpy(x)), torch.from_numpy(y))
    tloss.backward()
    assert loss.item() == pytest.approx(tloss.item(), rel=1e-10)
    for (name, p), (_, q) in zip(ours.named_parameters(), theirs.named_parameters()):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-7, atol=1e-10, err_msg=name)


def test_linear_init_distribution_matches_torch_bounds():
    torch = _torch()
    t = torch.nn.Linear(30, 7)
    o = nn.Linear(30, 7)
    tb = 1 / math.sqrt(30)
    assert t.weight.abs().max().item() <= tb and np.abs(o.weight.detach().numpy()).max() <= tb
    assert t.weight.dtype == torch.float32 and o.weight.dtype == np.float32
