"""optim: SGD and Adam against hand-computed steps and against PyTorch's trajectories; StepLR."""

from __future__ import annotations

import math

import numpy as np
import pytest

import tinygrad_cnn as tc
from tinygrad_cnn import nn, optim


def quadratic_grad(p: nn.Parameter) -> None:
    """Set p.grad = d/dp Σ p³ = 3p² through the engine."""
    (p * p * p).sum().backward()


def test_sgd_plain_step_by_hand():
    p = nn.Parameter(np.array([1.0, -2.0]))
    opt = optim.SGD([p], lr=0.1)
    quadratic_grad(p)  # grad = [3, 12]
    opt.step()
    np.testing.assert_allclose(p.detach().numpy(), [1.0 - 0.3, -2.0 - 1.2])


def test_sgd_momentum_weight_decay_by_hand():
    p = nn.Parameter(np.array([1.0]))
    opt = optim.SGD([p], lr=0.1, momentum=0.9, dampening=0.5, weight_decay=0.1)
    p.grad = tc.tensor(np.array([2.0]))
    opt.step()  # g = 2 + 0.1·1 = 2.1; buf = 2.1; p = 1 − 0.21
    assert p.item() == pytest.approx(0.79)
    p.grad = tc.tensor(np.array([2.0]))
    opt.step()  # g = 2 + 0.079 = 2.079; buf = 0.9·2.1 + 0.5·2.079 = 2.9295; p = 0.79 − 0.29295
    assert p.item() == pytest.approx(0.79 - 0.29295)


def test_sgd_nesterov_by_hand():
    p = nn.Parameter(np.array([0.0]))
    opt = optim.SGD([p], lr=1.0, momentum=0.5, nesterov=True)
    for expected in (-1.5, -1.5 - 1.75):  # g = 1 each step: buf 1 then 1.5; step g + 0.5·buf
        p.grad = tc.tensor(np.array([1.0]))
        opt.step()
        assert p.item() == pytest.approx(expected)


def test_adam_first_steps_by_hand():
    p = nn.Parameter(np.array([1.0]))
    opt = optim.Adam([p], lr=0.1)
    p.grad = tc.tensor(np.array([4.0]))
    opt.step()  # m̂ = 4, v̂ = 16: step = lr · 4 / (4 + eps)
    assert p.item() == pytest.approx(1.0 - 0.1 * 4 / (4 + 1e-8))
    p.grad = tc.tensor(np.array([-2.0]))
    opt.step()
    m = 0.9 * 0.4 + 0.1 * -2.0
    v = 0.999 * 0.016 + 0.001 * 4.0
    step = 0.1 / (1 - 0.9**2) * m / (math.sqrt(v) / math.sqrt(1 - 0.999**2) + 1e-8)
    assert p.item() == pytest.approx(0.9 - step)


def test_zero_grad_and_skips_params_without_grad():
    a, b = nn.Parameter(np.ones(2)), nn.Parameter(np.ones(2))
    opt = optim.SGD([a, b], lr=1.0, momentum=0.9)
    a.grad = tc.tensor(np.ones(2))
    opt.step()
    np.testing.assert_allclose(a.detach().numpy(), [0.0, 0.0])
    np.testing.assert_allclose(b.detach().numpy(), [1.0, 1.0])
    opt.zero_grad()
    assert a.grad is None
    a.grad = tc.tensor(np.ones(2))
    opt.zero_grad(set_to_none=False)
    np.testing.assert_array_equal(a.grad.numpy(), [0.0, 0.0])


def test_float32_parameters_stay_float32_and_in_place():
    lin = nn.Linear(3, 2)
    w = lin.weight.detach().numpy()
    opt = optim.Adam(lin.parameters(), lr=0.01)
    lin(tc.randn(4, 3)).sum().backward()
    opt.step()
    assert np.shares_memory(lin.weight.detach().numpy(), w) and w.dtype == np.float32


def test_bad_arguments():
    p = nn.Parameter(np.ones(1))
    with pytest.raises(ValueError, match="learning rate"):
        optim.SGD([p], lr=-1)
    with pytest.raises(ValueError, match="Nesterov"):
        optim.SGD([p], lr=0.1, nesterov=True)
    with pytest.raises(ValueError, match="betas"):
        optim.Adam([p], betas=(1.0, 0.9))
    with pytest.raises(ValueError, match="empty"):
        optim.Adam([])
    with pytest.raises(TypeError, match="iterable"):
        optim.SGD(p, lr=0.1)
    with pytest.raises(ValueError, match="non-leaf"):
        optim.SGD([p * 2], lr=0.1)


def test_param_groups_have_own_lr():
    a, b = nn.Parameter(np.ones(1)), nn.Parameter(np.ones(1))
    opt = optim.SGD([{"params": [a]}, {"params": [b], "lr": 1.0}], lr=0.1)
    a.grad, b.grad = tc.tensor(np.ones(1)), tc.tensor(np.ones(1))
    opt.step()
    assert a.item() == pytest.approx(0.9) and b.item() == pytest.approx(0.0)


def test_steplr():
    p = nn.Parameter(np.ones(1))
    opt = optim.SGD([p], lr=1.0)
    sched = optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
    lrs = []
    for _ in range(5):
        lrs.append(opt.param_groups[0]["lr"])
        sched.step()
    assert lrs == [1.0, 1.0, 0.5, 0.5, 0.25]
    assert sched.get_last_lr() == [0.25]


def test_optimizer_state_dict_round_trip():
    p = nn.Parameter(np.array([1.0, 2.0]))
    opt = optim.Adam([p], lr=0.1)
    p.grad = tc.tensor(np.array([1.0, 1.0]))
    opt.step()
    q = nn.Parameter(p.detach().numpy().copy())
    opt2 = optim.Adam([q], lr=0.5)
    opt2.load_state_dict(opt.state_dict())
    assert opt2.param_groups[0]["lr"] == 0.1
    p.grad = q.grad = tc.tensor(np.array([0.5, -1.0]))
    opt.step()
    opt2.step()
    np.testing.assert_allclose(p.detach().numpy(), q.detach().numpy(), rtol=0, atol=0)


# ---------------------------------------------------------------------- vs PyTorch, step for step

CASES = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.05, momentum=0.9)),
    ("SGD", dict(lr=0.05, momentum=0.9, dampening=0.3, weight_decay=0.01)),
    ("SGD", dict(lr=0.05, momentum=0.8, nesterov=True, weight_decay=0.02)),
    ("Adam", dict(lr=0.01)),
    ("Adam", dict(lr=0.02, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1)),
    ("Adam", dict(lr=0.01, amsgrad=True)),
]


@pytest.mark.parametrize("name, kwargs", CASES)
def test_trajectory_matches_torch(name, kwargs):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    w0, x, y = rng.standard_normal((3, 4)), rng.standard_normal((8, 4)), rng.standard_normal((8, 3))
    p = nn.Parameter(w0.copy())
    tp = torch.nn.Parameter(torch.from_numpy(w0.copy()))
    opt = getattr(optim, name)([p], **kwargs)
    topt = getattr(torch.optim, name)([tp], **kwargs)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    for _ in range(6):
        opt.zero_grad()
        topt.zero_grad()
        ((tc.tensor(x) @ p.T - tc.tensor(y)) ** 2).mean().backward()
        ((xt @ tp.T - yt) ** 2).mean().backward()
        opt.step()
        topt.step()
        np.testing.assert_allclose(p.detach().numpy(), tp.detach().numpy(), rtol=1e-12, atol=1e-13)


def test_steplr_matches_torch():
    torch = pytest.importorskip("torch")
    tp = torch.nn.Parameter(torch.ones(1))
    topt = torch.optim.SGD([tp], lr=0.3)
    tsched = torch.optim.lr_scheduler.StepLR(topt, step_size=3, gamma=0.2)
    opt = optim.SGD([nn.Parameter(np.ones(1))], lr=0.3)
    sched = optim.lr_scheduler.StepLR(opt, step_size=3, gamma=0.2)
    for _ in range(8):
        assert opt.param_groups[0]["lr"] == pytest.approx(topt.param_groups[0]["lr"])
        topt.step()
        tsched.step()
        sched.step()
