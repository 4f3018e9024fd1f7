"""A whole training loop against PyTorch: containers, a loss with weights and label smoothing, gradient
clipping, an optimizer with two param groups and a schedule; the weights after every step must agree."""

from __future__ import annotations

from collections import OrderedDict

import numpy as np
import pytest

import tinygrad_cnn as tc
from tinygrad_cnn import nn, optim


def _build(m):
    class Net(m.Module):
        def __init__(self):
            super().__init__()
            self.blocks = m.ModuleList([m.Sequential(OrderedDict([("fc", m.Linear(6, 6)), ("act", m.Tanh())]))
                                        for _ in range(2)])
            self.heads = m.ModuleDict({"cls": m.Linear(6, 3)})

        def forward(self, x):
            for block in self.blocks:
                x = block(x)
            return self.heads["cls"](x)

    return Net()


@pytest.mark.parametrize("opt_name, opt_kwargs, sched_name, sched_kwargs, loss_kwargs", [
    ("AdamW", dict(lr=0.01, weight_decay=0.05), "OneCycleLR", dict(max_lr=0.05, total_steps=12),
     dict(label_smoothing=0.1)),
    ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True), "CosineAnnealingLR", dict(T_max=5),
     dict(ignore_index=2)),
    ("RMSprop", dict(lr=0.01, centered=True, momentum=0.3), "StepLR", dict(step_size=3, gamma=0.5), {}),
])
def test_training_loop_matches_torch(opt_name, opt_kwargs, sched_name, sched_kwargs, loss_kwargs):
    torch = pytest.importorskip("torch")
    ours, theirs = _build(nn).double(), _build(torch.nn).double()
    ours.load_state_dict(theirs.state_dict())
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((10, 6)), rng.integers(0, 3, 10)
    w = rng.uniform(0.5, 2.0, 3)

    def groups(model):
        return [{"params": model.blocks.parameters()}, {"params": model.heads.parameters(), "lr": 0.02}]

    opt = getattr(optim, opt_name)(groups(ours), **opt_kwargs)
    topt = getattr(torch.optim, opt_name)(groups(theirs), **opt_kwargs)
    sched = getattr(optim.lr_scheduler, sched_name)(opt, **sched_kwargs)
    tsched = getattr(torch.optim.lr_scheduler, sched_name)(topt, **sched_kwargs)
    loss_fn = nn.CrossEntropyLoss(weight=tc.tensor(w), **loss_kwargs)
    tloss_fn = torch.nn.CrossEntropyLoss(weight=torch.tensor(w), **loss_kwargs)
    for _ in range(11):
        opt.zero_grad()
        topt.zero_grad()
        loss = loss_fn(ours(tc.tensor(x)), tc.tensor(y, dtype=np.int64))
        tloss = tloss_fn(theirs(torch.tensor(x)), torch.tensor(y))
        assert loss.item() == pytest.approx(tloss.item(), rel=1e-10)
        loss.backward()
        tloss.backward()
        norm = nn.utils.clip_grad_norm_(ours.parameters(), 0.5)
        tnorm = torch.nn.utils.clip_grad_norm_(theirs.parameters(), 0.5)
        assert norm.item() == pytest.approx(tnorm.item(), rel=1e-10)
        opt.step()
        topt.step()
        sched.step()
        tsched.step()
        for (name, p), (_, q) in zip(ours.named_parameters(), theirs.named_parameters()):
            np.testing.assert_allclose(p.detach().numpy(), q.detach().numpy(), rtol=1e-9, atol=1e-12, err_msg=name)
    assert sched.get_last_lr() == tsched.get_last_lr()


def test_freezing_with_requires_grad_and_param_groups():
    torch = pytest.importorskip("torch")
    ours, theirs = _build(nn).double(), _build(torch.nn).double()
    ours.load_state_dict(theirs.state_dict())
    ours.blocks.requires_grad_(False)
    theirs.blocks.requires_grad_(False)
    opt = optim.Adam([p for p in ours.parameters() if p.requires_grad], lr=0.1)
    topt = torch.optim.Adam([p for p in theirs.parameters() if p.requires_grad], lr=0.1)
    x = np.random.default_rng(1).standard_normal((4, 6))
    for _ in range(3):
        opt.zero_grad()
        topt.zero_grad()
        ours(tc.tensor(x)).pow(2).sum().backward()
        theirs(torch.tensor(x)).pow(2).sum().backward()
        opt.step()
        topt.step()
    assert all(p.grad is None for p in ours.blocks.parameters())
    for a, b in zip(ours.state_dict().values(), theirs.state_dict().values()):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-10)


def test_checkpoint_round_trip_resumes_training(tmp_path):
    tc.manual_seed(0)
    model = _build(nn)
    opt = optim.Adam(model.parameters(), lr=0.01)
    sched = optim.lr_scheduler.ExponentialLR(opt, gamma=0.9)
    x, y = tc.randn(8, 6), np.arange(8) % 3

    def step(model, opt, sched):
        opt.zero_grad()
        tc.nn.CrossEntropyLoss()(model(x), y).backward()
        opt.step()
        sched.step()

    for _ in range(2):
        step(model, opt, sched)
    tc.save({"model": model.state_dict(), "opt": opt.state_dict(), "sched": sched.state_dict()}, tmp_path / "c")
    for _ in range(3):
        step(model, opt, sched)
    tc.manual_seed(1)
    fresh = _build(nn)
    fresh_opt = optim.Adam(fresh.parameters(), lr=0.5)
    fresh_sched = optim.lr_scheduler.ExponentialLR(fresh_opt, gamma=0.5)
    ckpt = tc.load(tmp_path / "c")
    fresh.load_state_dict(ckpt["model"])
    fresh_opt.load_state_dict(ckpt["opt"])
    fresh_sched.load_state_dict(ckpt["sched"])
    for _ in range(3):
        step(fresh, fresh_opt, fresh_sched)
    for a, b in zip(model.state_dict().values(), fresh.state_dict().values()):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert fresh_sched.get_last_lr() == sched.get_last_lr()
