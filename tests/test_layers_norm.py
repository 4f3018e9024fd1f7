"""Batch, layer and group normalisation: values, input and parameter gradients, running statistics and
buffers against PyTorch; first and second derivatives against finite differences; modules, state dicts
and errors."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_cnn as tc
import tinygrad_cnn.functional as F
from tinygrad_cnn import nn


def _torch_module(module, torch):
    """The same layer in PyTorch, with our parameters and buffers."""
    name = type(module).__name__
    tnn = torch.nn
    if name.startswith("BatchNorm"):
        tm = getattr(tnn, name)(module.num_features, eps=module.eps, momentum=module.momentum, affine=module.affine,
                                track_running_stats=module.track_running_stats, dtype=torch.float64)
    elif name == "LayerNorm":
        tm = tnn.LayerNorm(module.normalized_shape, eps=module.eps, elementwise_affine=module.elementwise_affine,
                           dtype=torch.float64)
    else:
        tm = tnn.GroupNorm(module.num_groups, module.num_channels, eps=module.eps, affine=module.affine,
                           dtype=torch.float64)
    tm.load_state_dict({k: torch.tensor(v.numpy()) for k, v in module.state_dict().items()})
    return tm


@pytest.mark.parametrize("make,shape", [
    (lambda: nn.BatchNorm2d(3), (4, 3, 5, 6)),
    (lambda: nn.BatchNorm2d(3, momentum=None), (4, 3, 5, 6)),
    (lambda: nn.BatchNorm2d(3, momentum=0.5, eps=1e-3), (2, 3, 2, 2)),
    (lambda: nn.BatchNorm2d(3, affine=False), (4, 3, 5, 6)),
    (lambda: nn.BatchNorm2d(3, track_running_stats=False), (4, 3, 5, 6)),
    (lambda: nn.BatchNorm1d(5), (8, 5)),
    (lambda: nn.BatchNorm1d(5, momentum=None), (8, 5, 3)),
])
def test_batchnorm_training_steps_then_eval_match_pytorch(make, shape, rng):
    """Several training-mode steps (outputs, input and parameter gradients, buffers after each), then eval."""
    torch = pytest.importorskip("torch")
    module = make().double()
    with tc.no_grad():
        if module.weight is not None:
            module.weight._data[...] = rng.uniform(0.5, 1.5, module.num_features)
            module.bias._data[...] = rng.standard_normal(module.num_features)
    tm = _torch_module(module, torch)
    for _ in range(4):
        data = rng.standard_normal(shape) * 2 + 1
        x = tc.tensor(data, requires_grad=True)
        xt = torch.tensor(data, requires_grad=True)
        y, yt = module(x), tm(xt)
        np.testing.assert_allclose(y.detach().numpy(), yt.detach().numpy(), rtol=1e-10, atol=1e-12)
        g = rng.standard_normal(shape)
        y.backward(tc.tensor(g))
        yt.backward(torch.tensor(g))
        np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=1e-9, atol=1e-11)
        for (name, p), (tname, tp) in zip(module.named_parameters(), tm.named_parameters()):
            assert name == tname
            np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), rtol=1e-9, atol=1e-11)
            p.grad, tp.grad = None, None
        ours, theirs = module.state_dict(), tm.state_dict()
        assert list(ours) == list(theirs)
        for key in ours:
            np.testing.assert_allclose(ours[key].numpy(), theirs[key].numpy(), rtol=1e-12, atol=1e-14)
            assert ours[key].dtype == np.dtype(str(theirs[key].dtype).replace("torch.", ""))
    module.eval()
    tm.eval()
    data = rng.standard_normal(shape)
    x = tc.tensor(data, requires_grad=True)
    xt = torch.tensor(data, requires_grad=True)
    y, yt = module(x), tm(xt)
    np.testing.assert_allclose(y.detach().numpy(), yt.detach().numpy(), rtol=1e-10, atol=1e-12)
    y.sum().backward()
    yt.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=1e-10, atol=1e-12)
    before = {k: v.numpy().copy() for k, v in module.state_dict().items()}
    module(x)
    for k, v in module.state_dict().items():  # evaluation never changes the buffers
        np.testing.assert_array_equal(v.numpy(), before[k])


def test_batchnorm_float32_matches_pytorch(rng):
    torch = pytest.importorskip("torch")
    module = nn.BatchNorm2d(4)
    tm = _torch_module(module, torch).float()
    data = (rng.standard_normal((8, 4, 6, 6)) * 3 + 2).astype(np.float32)
    for _ in range(3):
        y, yt = module(tc.tensor(data)), tm(torch.tensor(data))
        assert y.dtype == np.float32
        np.testing.assert_allclose(y.detach().numpy(), yt.detach().numpy(), rtol=1e-4, atol=1e-5)
    for key, value in module.state_dict().items():
        np.testing.assert_allclose(value.numpy(), tm.state_dict()[key].numpy(), rtol=1e-5, atol=1e-6)
    assert module.running_mean.dtype == np.float32 and module.num_batches_tracked.dtype == np.int64


def test_functional_batch_norm_matches_pytorch(rng):
    torch = pytest.importorskip("torch")
    tf = torch.nn.functional
    data = rng.standard_normal((3, 2, 4))
    w, b = rng.standard_normal(2), rng.standard_normal(2)
    rm, rv = rng.standard_normal(2), rng.uniform(0.5, 2, 2)
    for training in (True, False):
        ours_rm, ours_rv = tc.tensor(rm.copy()), tc.tensor(rv.copy())
        t_rm, t_rv = torch.tensor(rm.copy()), torch.tensor(rv.copy())
        y = F.batch_norm(tc.tensor(data), ours_rm, ours_rv, tc.tensor(w), tc.tensor(b), training, 0.3, 1e-3)
        yt = tf.batch_norm(torch.tensor(data), t_rm, t_rv, torch.tensor(w), torch.tensor(b), training, 0.3, 1e-3)
        np.testing.assert_allclose(y.numpy(), yt.numpy(), rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(ours_rm.numpy(), t_rm.numpy(), rtol=1e-12)
        np.testing.assert_allclose(ours_rv.numpy(), t_rv.numpy(), rtol=1e-12)
    y = F.batch_norm(tc.tensor(data), None, None, training=True)
    yt = tf.batch_norm(torch.tensor(data), None, None, training=True)
    np.testing.assert_allclose(y.numpy(), yt.numpy(), rtol=1e-10, atol=1e-12)


def test_running_stat_updates_bump_versions():
    module = nn.BatchNorm2d(2)
    versions = [b._version for b in module.buffers()]
    module(tc.randn(3, 2, 4, 4))
    assert all(b._version > v for b, v in zip(module.buffers(), versions))
    assert int(module.num_batches_tracked.item()) == 1
    module.reset_running_stats()
    assert int(module.num_batches_tracked.item()) == 0
    np.testing.assert_array_equal(module.running_var.numpy(), [1, 1])


@pytest.mark.parametrize("training", [True, False])
def test_batch_norm_gradcheck_and_gradgradcheck(training, rng):
    x = tc.tensor(rng.standard_normal((3, 2, 2, 3)), requires_grad=True)
    w = tc.tensor(rng.uniform(0.5, 1.5, 2), requires_grad=True)
    b = tc.tensor(rng.standard_normal(2), requires_grad=True)
    rm, rv = tc.tensor(rng.standard_normal(2)), tc.tensor(rng.uniform(0.5, 2, 2))

    def fn(x, w, b):
        # fixed running statistics in eval; in training they are updated, which must not change the output
        return F.batch_norm(x, tc.tensor(rm.numpy().copy()), tc.tensor(rv.numpy().copy()), w, b, training)

    assert tc.gradcheck(fn, (x, w, b))
    assert tc.gradgradcheck(fn, (x, w, b))
    assert tc.gradgradcheck(lambda x: F.batch_norm(x, None, None, training=True), (x,))


def test_batch_norm_double_backward_matches_pytorch(rng):
    """A gradient penalty through batch norm: ∂/∂θ ‖∂L/∂x‖², as WGAN-GP computes it."""
    torch = pytest.importorskip("torch")
    data, w, b = rng.standard_normal((4, 3, 2, 2)), rng.uniform(0.5, 1.5, 3), rng.standard_normal(3)
    x, wt_, bt_ = (tc.tensor(a, requires_grad=True) for a in (data, w, b))
    xt, wt, bt = (torch.tensor(a, requires_grad=True) for a in (data, w, b))
    y = F.batch_norm(x, None, None, wt_, bt_, training=True)
    yt = torch.nn.functional.batch_norm(xt, None, None, wt, bt, training=True)
    loss, loss_t = (y**3).sum(), (yt**3).sum()
    (gx,) = tc.grad(loss, x, create_graph=True)
    (gxt,) = torch.autograd.grad(loss_t, xt, create_graph=True)
    penalty, penalty_t = (gx**2).sum(), (gxt**2).sum()
    grads = tc.grad(penalty, [x, wt_, bt_])
    grads_t = torch.autograd.grad(penalty_t, [xt, wt, bt])
    for ours, theirs in zip(grads, grads_t):
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-9, atol=1e-10)


@pytest.mark.parametrize("make,shape", [
    (lambda: nn.LayerNorm(6), (3, 6)),
    (lambda: nn.LayerNorm((2, 3), eps=1e-3), (4, 2, 3)),
    (lambda: nn.LayerNorm(4, elementwise_affine=False), (2, 3, 4)),
    (lambda: nn.GroupNorm(2, 4), (3, 4, 2, 2)),
    (lambda: nn.GroupNorm(1, 3, affine=False), (2, 3, 5)),
])
def test_layer_and_group_norm_match_pytorch(make, shape, rng):
    torch = pytest.importorskip("torch")
    module = make().double()
    for p in module.parameters():
        p._data[...] = rng.standard_normal(p.shape)
    tm = _torch_module(module, torch)
    data = rng.standard_normal(shape)
    x, xt = tc.tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
    y, yt = module(x), tm(xt)
    np.testing.assert_allclose(y.detach().numpy(), yt.detach().numpy(), rtol=1e-10, atol=1e-12)
    g = rng.standard_normal(shape)
    y.backward(tc.tensor(g))
    yt.backward(torch.tensor(g))
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=1e-9, atol=1e-11)
    for p, tp in zip(module.parameters(), tm.parameters()):
        np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), rtol=1e-9, atol=1e-11)
    assert list(module.state_dict()) == list(tm.state_dict())
    assert repr(module) == repr(tm)


def test_layer_and_group_norm_gradcheck(rng):
    x = tc.tensor(rng.standard_normal((2, 4, 3)), requires_grad=True)
    w, b = tc.tensor(rng.standard_normal(3), requires_grad=True), tc.tensor(rng.standard_normal(3), requires_grad=True)
    assert tc.gradcheck(lambda x, w, b: F.layer_norm(x, 3, w, b), (x, w, b))
    assert tc.gradgradcheck(lambda x, w, b: F.layer_norm(x, 3, w, b), (x, w, b))
    w4 = tc.tensor(rng.standard_normal(4), requires_grad=True)
    b4 = tc.tensor(rng.standard_normal(4), requires_grad=True)
    assert tc.gradcheck(lambda x, w, b: F.group_norm(x, 2, w, b), (x, w4, b4))
    assert tc.gradgradcheck(lambda x, w, b: F.group_norm(x, 2, w, b), (x, w4, b4))


def test_module_surface_matches_pytorch():
    torch = pytest.importorskip("torch")
    for args, kwargs in [((3,), {}), ((3,), {"momentum": None, "affine": False}),
                         ((3,), {"track_running_stats": False}), ((3,), {"bias": False})]:
        for name in ("BatchNorm1d", "BatchNorm2d"):
            ours, theirs = getattr(nn, name)(*args, **kwargs), getattr(torch.nn, name)(*args, **kwargs)
            assert repr(ours) == repr(theirs)
            assert list(ours.state_dict()) == list(theirs.state_dict())
            assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
            assert [n for n, _ in ours.named_buffers()] == [n for n, _ in theirs.named_buffers()]
    bn = nn.BatchNorm2d(3)
    np.testing.assert_array_equal(bn.weight.detach().numpy(), np.ones(3))
    np.testing.assert_array_equal(bn.bias.detach().numpy(), np.zeros(3))
    assert bn.weight.dtype == np.float32 and bn.num_batches_tracked.dtype == np.int64


def test_state_dict_moves_between_frameworks(rng):
    torch = pytest.importorskip("torch")
    theirs = torch.nn.BatchNorm2d(3)
    theirs.train()
    for _ in range(3):
        theirs(torch.randn(4, 3, 2, 2) * 2 + 1)
    ours = nn.BatchNorm2d(3)
    ours.load_state_dict(theirs.state_dict())
    assert int(ours.num_batches_tracked.item()) == 3
    ours.eval()
    theirs.eval()
    data = rng.standard_normal((2, 3, 2, 2)).astype(np.float32)
    np.testing.assert_allclose(ours(tc.tensor(data)).detach().numpy(), theirs(torch.tensor(data)).detach().numpy(),
                               rtol=1e-5, atol=1e-6)


def test_errors_match_pytorch():
    with pytest.raises(ValueError, match=r"expected 4D input \(got 3D input\)"):
        nn.BatchNorm2d(3)(tc.randn(3, 4, 4))
    with pytest.raises(ValueError, match=r"expected 2D or 3D input \(got 4D input\)"):
        nn.BatchNorm1d(3)(tc.randn(2, 3, 4, 4))
    with pytest.raises(ValueError, match="Expected more than 1 value per channel when training"):
        nn.BatchNorm2d(3)(tc.randn(1, 3, 1, 1))
    with pytest.raises(RuntimeError, match="running_mean"):
        F.batch_norm(tc.randn(2, 3), None, None, training=False)
    bn = nn.BatchNorm2d(4)
    with pytest.raises(RuntimeError, match=r"4 channels.*\(2, 3, 5, 5\)"):
        bn(tc.randn(2, 3, 5, 5))
    assert int(bn.num_batches_tracked.item()) == 0  # a refused input changes nothing
    with pytest.raises(RuntimeError, match="divisible by num_groups"):
        F.group_norm(tc.randn(2, 3, 4), 2)
    with pytest.raises(RuntimeError, match="normalized_shape"):
        F.layer_norm(tc.randn(2, 3), (4,))


def test_eval_uses_running_statistics_and_train_mode_batch_statistics(rng):
    bn = nn.BatchNorm1d(2, momentum=None)
    batches = [rng.standard_normal((5, 2)) * s + m for s, m in ((1, 0), (2, 3), (0.5, -1))]
    for b in batches:
        bn(tc.tensor(b.astype(np.float32)))
    # momentum=None: the running statistics are the plain average of the batches' statistics
    np.testing.assert_allclose(bn.running_mean.numpy(), np.mean([b.mean(0) for b in batches], 0), rtol=1e-5)
    np.testing.assert_allclose(bn.running_var.numpy(), np.mean([b.var(0, ddof=1) for b in batches], 0), rtol=1e-5)
    bn.eval()
    x = rng.standard_normal((3, 2)).astype(np.float32)
    expected = (x - bn.running_mean.numpy()) / np.sqrt(bn.running_var.numpy() + 1e-5)
    np.testing.assert_allclose(bn(tc.tensor(x)).detach().numpy(), expected, rtol=1e-5, atol=1e-6)


def test_eval_backward_uses_the_statistics_of_its_own_call(rng):
    bn = nn.BatchNorm1d(2).double()
    bn.running_var._data[...] = 4.0
    bn.eval()
    x = tc.tensor(rng.standard_normal((3, 2)), requires_grad=True)
    y = bn(x)
    bn.train()
    bn(tc.tensor(rng.standard_normal((3, 2)) * 10))  # updates the running statistics in place
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.full((3, 2), 1 / np.sqrt(4.0 + 1e-5)), rtol=1e-12)
