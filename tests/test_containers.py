"""Containers and Module traversal against PyTorch: names, state_dict keys, reprs, list/dict behaviour,
lookups by dotted name, train/eval, zero_grad, requires_grad_."""

from __future__ import annotations

from collections import OrderedDict

import numpy as np
import pytest

import tinygrad_cnn as tc
from tinygrad_cnn import nn


def _pair(torch):
    """The same model in both frameworks, built from a tree of containers."""

    def build(m):
        class Net(m.Module):
            def __init__(self):
                super().__init__()
                self.blocks = m.ModuleList([m.Linear(4, 4) for _ in range(3)])
                self.heads = m.ModuleDict({"cls": m.Linear(4, 2), "reg": m.Sequential(m.Linear(4, 1), m.Tanh())})
                self.scales = m.ParameterList([m.Parameter(np.ones(4) if m is nn else torch.ones(4))])
                self.extra = m.ParameterDict({"bias": m.Parameter(np.zeros(2) if m is nn else torch.zeros(2))})
                self.shared = self.blocks[0]

            def forward(self, x):
                for b in self.blocks:
                    x = b(x) * self.scales[0]
                return self.heads["cls"](x) + self.extra["bias"]

        return Net()

    return build(nn), build(torch.nn)


def test_names_and_state_dict_keys_match_torch():
    torch = pytest.importorskip("torch")
    ours, theirs = _pair(torch)
    assert [n for n, _ in ours.named_modules()] == [n for n, _ in theirs.named_modules()]
    assert [n for n, _ in ours.named_modules(remove_duplicate=False)] == \
           [n for n, _ in theirs.named_modules(remove_duplicate=False)]
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert [n for n, _ in ours.named_parameters(remove_duplicate=False)] == \
           [n for n, _ in theirs.named_parameters(remove_duplicate=False)]
    assert [n for n, _ in ours.named_children()] == [n for n, _ in theirs.named_children()]
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert len(list(ours.parameters())) == len(list(theirs.parameters()))
    assert [n for n, _ in ours.named_parameters(prefix="net", recurse=False)] == []


def test_state_dict_moves_through_containers_both_ways():
    torch = pytest.importorskip("torch")
    ours, theirs = _pair(torch)
    theirs = theirs.double()
    ours.load_state_dict(theirs.state_dict())
    x = np.random.default_rng(0).standard_normal((5, 4))
    np.testing.assert_allclose(ours.double()(tc.tensor(x)).detach().numpy(),
                               theirs(torch.from_numpy(x)).detach().numpy(), rtol=1e-12)
    theirs.load_state_dict({k: torch.from_numpy(v.numpy().copy()) for k, v in ours.state_dict().items()})


def test_reprs_match_torch():
    torch = pytest.importorskip("torch")
    for build in (
        lambda m: m.ModuleList([m.Linear(2, 2) for _ in range(3)] + [m.ReLU(), m.ReLU(), m.Linear(2, 3)]),
        lambda m: m.ModuleList(),
        lambda m: m.ModuleDict({"a": m.ReLU(), "b": m.Sequential(m.Linear(1, 2), m.Sigmoid())}),
        lambda m: m.Sequential(OrderedDict([("conv", m.Conv2d(1, 2, 3)), ("act", m.ReLU())])),
        lambda m: m.Unflatten(1, (2, 5)),
        lambda m: m.Sequential(m.Flatten(), m.Unflatten(1, [3, -1])),
    ):
        assert repr(build(nn)) == repr(build(torch.nn))
    ours = repr(nn.ParameterList([nn.Parameter(np.ones((2, 3), dtype=np.float32)), tc.zeros(2)]))
    theirs = repr(torch.nn.ParameterList([torch.nn.Parameter(torch.ones(2, 3)), torch.zeros(2)]))
    assert ours == theirs.replace("torch.", "")


def test_module_list_behaves_as_a_list():
    torch = pytest.importorskip("torch")
    for m in (nn, torch.nn):
        layers = m.ModuleList([m.ReLU(), m.Tanh()])
        layers.append(m.Sigmoid())
        layers.extend([m.Identity()])
        layers.insert(1, m.Flatten())
        layers += m.ModuleList([m.ReLU()])
        assert [type(x).__name__ for x in layers] == ["ReLU", "Flatten", "Tanh", "Sigmoid", "Identity", "ReLU"]
        assert list(layers._modules) == [str(i) for i in range(6)]
        assert type(layers[1:3]).__name__ == "ModuleList" and len(layers[1:3]) == 2
        assert type(layers[-1]).__name__ == "ReLU"
        layers[0] = m.Tanh()
        del layers[1]
        assert list(layers._modules) == [str(i) for i in range(5)]
        assert type(layers.pop(0)).__name__ == "Tanh" and len(layers) == 4
        assert type((layers + m.ModuleList([m.ReLU()]))[4]).__name__ == "ReLU"
        with pytest.raises(IndexError):
            layers[10]
        with pytest.raises(TypeError):
            layers.append(3)


def test_sequential_slicing_and_editing_as_torch():
    torch = pytest.importorskip("torch")
    for m in (nn, torch.nn):
        seq = m.Sequential(OrderedDict([("a", m.ReLU()), ("b", m.Tanh()), ("c", m.Sigmoid())]))
        head = seq[:2]
        assert type(head).__name__ == "Sequential" and list(head._modules) == ["a", "b"]
        assert type(seq[-1]).__name__ == "Sigmoid"
        seq2 = m.Sequential(m.ReLU(), m.Tanh(), m.Sigmoid())
        del seq2[0]
        assert list(seq2._modules) == ["0", "1"] and type(seq2[0]).__name__ == "Tanh"
        seq2.append(m.ReLU())
        seq2.insert(0, m.Identity())
        assert [type(x).__name__ for x in seq2] == ["Identity", "Tanh", "Sigmoid", "ReLU"]
        seq2.extend([m.Flatten()])
        assert len(seq2) == 5
    seq = nn.Sequential(nn.Linear(3, 2), nn.ReLU())
    x = tc.randn(4, 3)
    np.testing.assert_array_equal(seq[:1](x).detach().numpy(), seq[0](x).detach().numpy())


def test_module_dict_behaves_as_a_dict():
    d = nn.ModuleDict([("a", nn.ReLU())])
    d["b"] = nn.Tanh()
    d.update({"c": nn.Sigmoid()})
    assert list(d) == ["a", "b", "c"] and "b" in d and len(d) == 3
    assert [k for k, _ in d.items()] == list(d.keys())
    assert isinstance(d.pop("a"), nn.ReLU) and list(d) == ["b", "c"]
    d.clear()
    assert len(d) == 0 and list(d.parameters()) == []
    with pytest.raises(ValueError, match="pair"):
        d.update([("x",)])


def test_parameter_list_and_dict():
    plist = nn.ParameterList([tc.ones(2), nn.Parameter(np.zeros(3))])
    assert all(isinstance(p, nn.Parameter) for p in plist) and plist[0].requires_grad
    plist.append(tc.zeros(1))
    assert [n for n, _ in plist.named_parameters()] == ["0", "1", "2"]
    assert len(plist[1:]) == 2
    pdict = nn.ParameterDict({"w": tc.ones(2)})
    pdict["b"] = nn.Parameter(np.zeros(1))
    assert list(pdict) == ["w", "b"] and list(dict(pdict.named_parameters())) == ["w", "b"]
    assert isinstance(pdict["w"], nn.Parameter)
    del pdict["w"]
    assert list(pdict.keys()) == ["b"] and [n for n, _ in pdict.named_parameters()] == ["b"]


def test_get_submodule_parameter_buffer():
    torch = pytest.importorskip("torch")
    ours, theirs = _pair(torch)
    assert ours.get_submodule("heads.reg.0") is ours.heads["reg"][0]
    assert ours.get_submodule("") is ours
    assert ours.get_parameter("blocks.1.bias") is ours.blocks[1].bias
    assert ours.get_parameter("scales.0") is ours.scales[0]
    ours.heads["cls"].register_buffer("count", tc.zeros(1))
    assert ours.get_buffer("heads.cls.count") is ours.heads["cls"].count
    for target, call in [("blocks.7", "get_submodule"), ("blocks.0.weight.x", "get_submodule"),
                         ("heads.cls.nothing", "get_parameter"), ("heads.cls", "get_parameter")]:
        with pytest.raises(AttributeError):
            getattr(ours, call)(target)
        with pytest.raises(AttributeError):
            getattr(theirs, call)(target)
    with pytest.raises(AttributeError, match="not a buffer"):
        ours.get_buffer("heads.cls.weight")


def test_add_module_and_register_parameter_checks_as_torch():
    torch = pytest.importorskip("torch")
    for m, param in ((nn, nn.Parameter(np.ones(1))), (torch.nn, torch.nn.Parameter(torch.ones(1)))):
        mod = m.Linear(1, 1)
        with pytest.raises(KeyError):
            mod.add_module("a.b", m.ReLU())
        with pytest.raises(KeyError):
            mod.add_module("", m.ReLU())
        with pytest.raises(KeyError):
            mod.add_module("forward", m.ReLU())
        with pytest.raises(TypeError):
            mod.add_module(1, m.ReLU())
        with pytest.raises(TypeError):
            mod.add_module("x", 3)
        with pytest.raises(KeyError):
            mod.register_parameter("a.b", param)
        with pytest.raises(TypeError):
            mod.register_parameter("p", np.ones(1) if m is nn else torch.ones(1))
        mod.register_parameter("p", param)
        assert "p" in dict(mod.named_parameters())


def test_train_eval_reach_inside_containers_and_honour_overrides():
    calls = []

    class Custom(nn.Module):
        def train(self, mode=True):
            calls.append(mode)
            return super().train(mode)

    net = nn.Sequential(nn.ModuleList([Custom()]), nn.ModuleDict({"a": nn.ReLU()}))
    net.eval()
    assert not any(m.training for m in net.modules()) and calls == [False]
    net.train()
    assert all(m.training for m in net.modules()) and calls == [False, True]
    with pytest.raises(ValueError, match="boolean"):
        net.train("yes")


def test_zero_grad_and_requires_grad_():
    net = nn.Sequential(nn.Linear(3, 2), nn.ModuleList([nn.Linear(2, 1)]))
    net[1][0](net[0](tc.randn(4, 3))).sum().backward()
    grads = [p.grad for p in net.parameters()]
    assert all(g is not None for g in grads)
    net.zero_grad(set_to_none=False)
    assert [p.grad for p in net.parameters()] == grads  # same objects, zeroed in place
    assert all(not g.numpy().any() for g in grads)
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())
    assert net.requires_grad_(False) is net
    assert not any(p.requires_grad for p in net.parameters())
    net[0].requires_grad_()
    assert [p.requires_grad for p in net.parameters()] == [True, True, False, False]


def test_apply_visits_children_first():
    torch = pytest.importorskip("torch")
    for m in (nn, torch.nn):
        seen = []
        net = m.Sequential(m.Linear(1, 1), m.ModuleList([m.ReLU()]))
        assert net.apply(lambda mod, seen=seen: seen.append(type(mod).__name__)) is net
        assert seen == ["Linear", "ReLU", "ModuleList", "Sequential"]


def test_unflatten_as_torch():
    torch = pytest.importorskip("torch")
    x = np.arange(60.0).reshape(3, 20)
    for dim, size in [(1, (4, 5)), (-1, (2, -1, 5)), (1, [20]), (0, (1, 3))]:
        ours = nn.Unflatten(dim, size)(tc.tensor(x))
        theirs = torch.nn.Unflatten(dim, size)(torch.from_numpy(x))
        assert ours.shape == tuple(theirs.shape)
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    with pytest.raises(RuntimeError, match="don't multiply up"):
        nn.Unflatten(1, (3, 5))(tc.tensor(x))
    with pytest.raises(RuntimeError, match="don't multiply up"):
        torch.nn.Unflatten(1, (3, 5))(torch.from_numpy(x))
    with pytest.raises(TypeError, match="tuple of ints"):
        nn.Unflatten(1, (2, 5.0))
    xg = tc.tensor(x, requires_grad=True)
    nn.Unflatten(1, (4, 5))(xg).sum().backward()
    np.testing.assert_array_equal(xg.grad.numpy(), np.ones((3, 20)))


def test_parameter_dict_refuses_names_pytorch_refuses():
    torch = pytest.importorskip("torch")
    for m, make in ((nn, lambda: tc.ones(1)), (torch.nn, lambda: torch.ones(1))):
        pdict = m.ParameterDict()
        for bad in ("keys", "a.b", ""):
            with pytest.raises(KeyError):
                pdict[bad] = make()
        if m is nn:  # PyTorch keeps the refused keys in its list (len 3); we leave the dict unchanged
            assert len(pdict) == 0 and list(pdict) == []
    pdict = nn.ParameterDict({"w": tc.ones(1)})
    pdict["w"] = nn.Parameter(np.zeros(2))
    assert pdict["w"].shape == (2,) and len(pdict) == 1


def test_forward_hooks_as_torch():
    torch = pytest.importorskip("torch")
    theirs_net = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2)).double()
    ours_net = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2)).double()
    ours_net.load_state_dict(theirs_net.state_dict())
    x = np.arange(6.0).reshape(2, 3)
    results = []
    for net, make in ((ours_net, tc.tensor), (theirs_net, torch.tensor)):
        seen = []
        handles = [
            net[1].register_forward_hook(lambda mod, args, out, seen=seen: seen.append(("post", tuple(out.shape)))),
            net[0].register_forward_pre_hook(lambda mod, args: (args[0] * 2,)),
            net[2].register_forward_hook(lambda mod, args, out: out + 1),
            net[2].register_forward_hook(lambda mod, args, out, seen=seen: seen.append("first"), prepend=True),
            net[0].register_forward_pre_hook(lambda mod, args, kwargs: ((args[0] + 1,), kwargs), with_kwargs=True),
        ]
        hooked = net(make(x)).detach().numpy().copy()
        for h in handles:
            h.remove()
        handles[0].remove()  # twice is fine
        results.append((hooked, seen, net(make(x)).detach().numpy()))
    (ours, ours_seen, ours_plain), (theirs, theirs_seen, theirs_plain) = results
    np.testing.assert_allclose(ours, theirs, rtol=1e-12)
    np.testing.assert_allclose(ours_plain, theirs_plain, rtol=1e-12)
    assert not np.allclose(ours, ours_plain)
    assert ours_seen == theirs_seen == [("post", (2, 4)), "first"]
    with pytest.raises(TypeError, match="callable"):
        nn.ReLU().register_forward_hook(3)
