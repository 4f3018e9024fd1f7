"""Each learning-rate schedule against PyTorch's over 30 steps (exact equality: same recursions),
OneCycleLR's momentum and β₁ cycling, state_dict round trips and argument errors."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from tinygrad_cnn import nn, optim
from tinygrad_cnn.optim import lr_scheduler as sched_mod


class Halve:
    """A picklable, stateful lr_lambda (saved through its __dict__)."""

    def __init__(self) -> None:
        self.factor = 0.5

    def __call__(self, epoch: int) -> float:
        return self.factor ** (epoch // 4)


SCHEDULES = [
    ("StepLR", dict(step_size=4, gamma=0.3)),
    ("StepLR", dict(step_size=1, gamma=0.9)),
    ("MultiStepLR", dict(milestones=[3, 7, 7, 20], gamma=0.5)),
    ("ExponentialLR", dict(gamma=0.93)),
    ("CosineAnnealingLR", dict(T_max=10)),
    ("CosineAnnealingLR", dict(T_max=7, eta_min=0.01)),
    ("LambdaLR", dict(lr_lambda=lambda e: 1 / (1 + e))),
    ("MultiplicativeLR", dict(lr_lambda=lambda e: 0.95)),
    ("OneCycleLR", dict(max_lr=0.5, total_steps=31)),
    ("OneCycleLR", dict(max_lr=[0.5, 0.2], epochs=4, steps_per_epoch=8, anneal_strategy="linear")),
    ("OneCycleLR", dict(max_lr=0.5, total_steps=31, three_phase=True, pct_start=0.25, div_factor=10.0,
                        final_div_factor=100.0, base_momentum=0.8, max_momentum=0.9)),
    ("ConstantLR", dict(factor=0.5, total_iters=4)),
    ("LinearLR", dict()),
    ("LinearLR", dict(start_factor=0.1, end_factor=0.9, total_iters=12)),
    ("PolynomialLR", dict(total_iters=20, power=2.0)),
    ("CosineAnnealingWarmRestarts", dict(T_0=5)),
    ("CosineAnnealingWarmRestarts", dict(T_0=3, T_mult=2, eta_min=0.001)),
    ("CyclicLR", dict(base_lr=0.01, max_lr=0.1, step_size_up=4)),
    ("CyclicLR", dict(base_lr=[0.01, 0.02], max_lr=0.1, step_size_up=3, step_size_down=5, mode="triangular2")),
    ("CyclicLR", dict(base_lr=0.01, max_lr=0.1, step_size_up=4, mode="exp_range", gamma=0.9,
                      base_momentum=0.7, max_momentum=0.95)),
    ("CyclicLR", dict(base_lr=0.01, max_lr=0.1, step_size_up=2, scale_fn=lambda x: 0.5 ** x,
                      scale_mode="iterations", cycle_momentum=False)),
]


def _two_group_optimizers(torch, opt_name: str, **kwargs):
    a, b = nn.Parameter(np.ones(2)), nn.Parameter(np.ones(1))
    ta, tb = torch.nn.Parameter(torch.ones(2)), torch.nn.Parameter(torch.ones(1))
    opt = getattr(optim, opt_name)([{"params": [a]}, {"params": [b], "lr": 0.05}], lr=0.1, **kwargs)
    topt = getattr(torch.optim, opt_name)([{"params": [ta]}, {"params": [tb], "lr": 0.05}], lr=0.1, **kwargs)
    return opt, topt


@pytest.mark.parametrize("opt_name, opt_kwargs", [("SGD", dict(momentum=0.9)), ("Adam", {})])
@pytest.mark.parametrize("name, kwargs", SCHEDULES)
def test_sequence_matches_torch(name, kwargs, opt_name, opt_kwargs):
    torch = pytest.importorskip("torch")
    opt, topt = _two_group_optimizers(torch, opt_name, **opt_kwargs)
    sched = getattr(sched_mod, name)(opt, **kwargs)
    tsched = getattr(torch.optim.lr_scheduler, name)(topt, **kwargs)
    steps = 30 if name != "OneCycleLR" else tsched.total_steps - 1
    for _ in range(steps):
        assert [g["lr"] for g in opt.param_groups] == [g["lr"] for g in topt.param_groups]
        assert sched.get_last_lr() == tsched.get_last_lr()
        if name in ("OneCycleLR", "CyclicLR"):
            key = "betas" if opt_name == "Adam" else "momentum"  # cycled by OneCycleLR
            assert [g[key] for g in opt.param_groups] == [g[key] for g in topt.param_groups]
        opt.step()
        topt.step()
        sched.step()
        tsched.step()
    assert sched.last_epoch == tsched.last_epoch
    assert opt.param_groups[0]["initial_lr"] == topt.param_groups[0]["initial_lr"]


@pytest.mark.filterwarnings("ignore:Detected call of")
def test_onecycle_past_total_steps_raises():
    torch = pytest.importorskip("torch")
    opt, topt = _two_group_optimizers(torch, "SGD", momentum=0.9)
    sched = sched_mod.OneCycleLR(opt, max_lr=0.1, total_steps=3)
    tsched = torch.optim.lr_scheduler.OneCycleLR(topt, max_lr=0.1, total_steps=3)
    for s in (sched, tsched):
        s.step()
        s.step()
        s.step()
    with pytest.raises(ValueError, match="Tried to step 4 times"):
        sched.step()
    with pytest.raises(ValueError, match="Tried to step 4 times"):
        tsched.step()


def test_onecycle_needs_momentum():
    opt = optim.Adagrad([nn.Parameter(np.ones(1))])
    with pytest.raises(ValueError, match="momentum or beta1"):
        sched_mod.OneCycleLR(opt, max_lr=0.1, total_steps=10)
    with pytest.raises(ValueError, match="total_steps"):
        sched_mod.OneCycleLR(opt, max_lr=0.1, cycle_momentum=False)
    with pytest.raises(ValueError, match="expected 1 values for max_lr"):
        sched_mod.OneCycleLR(opt, max_lr=[0.1, 0.2], total_steps=10, cycle_momentum=False)


@pytest.mark.parametrize("kwargs", [
    dict(), dict(mode="max", factor=0.5, patience=2, threshold=0.1, threshold_mode="abs", cooldown=2),
    dict(patience=1, min_lr=[0.02, 0.001], cooldown=1), dict(patience=0, factor=0.5, eps=0.01),
])
def test_reduce_on_plateau_matches_torch(kwargs):
    torch = pytest.importorskip("torch")
    opt, topt = _two_group_optimizers(torch, "SGD")
    sched = sched_mod.ReduceLROnPlateau(opt, **kwargs)
    tsched = torch.optim.lr_scheduler.ReduceLROnPlateau(topt, **kwargs)
    metrics = [1.0, 0.9, 0.95, 0.95, 0.97, 0.89, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 1.2] * 3
    for m in metrics:
        sched.step(m)
        tsched.step(m)
        assert [g["lr"] for g in opt.param_groups] == [g["lr"] for g in topt.param_groups]
        assert sched.get_last_lr() == tsched.get_last_lr()
        assert (sched.best, sched.num_bad_epochs, sched.cooldown_counter) == \
               (tsched.best, tsched.num_bad_epochs, tsched.cooldown_counter)


def test_reduce_on_plateau_arguments():
    opt = optim.SGD([nn.Parameter(np.ones(1))], lr=0.1)
    with pytest.raises(ValueError, match="Factor"):
        sched_mod.ReduceLROnPlateau(opt, factor=1.0)
    with pytest.raises(ValueError, match="mode"):
        sched_mod.ReduceLROnPlateau(opt, mode="up")
    with pytest.raises(ValueError, match="min_lrs"):
        sched_mod.ReduceLROnPlateau(opt, min_lr=[0.1, 0.2])


ONE_GROUP = [c for c in SCHEDULES if not any(isinstance(c[1].get(k), list) for k in ("base_lr", "max_lr"))]


@pytest.mark.parametrize("name, kwargs", ONE_GROUP + [("LambdaLR", dict(lr_lambda=Halve()))])
def test_state_dict_resumes_the_sequence(name, kwargs):
    def make():
        opt = optim.SGD([nn.Parameter(np.ones(1))], lr=0.1, momentum=0.9)
        return opt, getattr(sched_mod, name)(opt, **kwargs)

    opt, sched = make()
    full = []
    for _ in range(12):
        opt.step()
        sched.step()
        full.append(sched.get_last_lr())
    opt2, sched2 = make()
    for _ in range(5):
        opt2.step()
        sched2.step()
    saved_opt, saved_sched = opt2.state_dict(), sched2.state_dict()
    assert "optimizer" not in saved_sched
    opt3, sched3 = make()
    opt3.load_state_dict(saved_opt)
    sched3.load_state_dict(saved_sched)
    rest = []
    for _ in range(7):
        opt3.step()
        sched3.step()
        rest.append(sched3.get_last_lr())
    assert rest == full[5:]


def test_lambda_state_dict_as_torch():
    torch = pytest.importorskip("torch")
    fn = Halve()
    opt, topt = _two_group_optimizers(torch, "SGD")
    ours = sched_mod.LambdaLR(opt, [fn, lambda e: 1.0]).state_dict()
    theirs = torch.optim.lr_scheduler.LambdaLR(topt, [fn, lambda e: 1.0]).state_dict()
    assert ours["lr_lambdas"] == theirs["lr_lambdas"] == [{"factor": 0.5}, None]
    assert ours["base_lrs"] == theirs["base_lrs"] and ours["last_epoch"] == theirs["last_epoch"]


def test_resuming_needs_initial_lr():
    opt = optim.SGD([nn.Parameter(np.ones(1))], lr=0.1)
    with pytest.raises(KeyError, match="initial_lr"):
        sched_mod.StepLR(opt, step_size=2, last_epoch=3)
    with pytest.raises(TypeError, match="is not an Optimizer"):
        sched_mod.StepLR(object(), step_size=2)


def test_warns_when_stepped_before_the_optimizer():
    opt = optim.SGD([nn.Parameter(np.ones(1))], lr=0.1)
    sched = sched_mod.ExponentialLR(opt, gamma=0.5)
    with pytest.warns(UserWarning, match="before `optimizer.step\\(\\)`"):
        sched.step()
    opt2 = optim.SGD([nn.Parameter(np.ones(1))], lr=0.1)
    sched2 = sched_mod.ExponentialLR(opt2, gamma=0.5)
    opt2.step()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sched2.step()
    assert sched2.get_last_lr() == [0.05]


def test_step_with_epoch_uses_the_closed_form():
    torch = pytest.importorskip("torch")
    opt, topt = _two_group_optimizers(torch, "SGD")
    sched = sched_mod.StepLR(opt, step_size=3, gamma=0.5)
    tsched = torch.optim.lr_scheduler.StepLR(topt, step_size=3, gamma=0.5)
    opt.step()
    topt.step()
    with pytest.warns(UserWarning, match="deprecated"):
        sched.step(7)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tsched.step(7)
    assert sched.get_last_lr() == tsched.get_last_lr()


@pytest.mark.parametrize("opt_name", ["SGD", "Adam"])
def test_sequential_warmup_then_cosine_matches_torch(opt_name):
    torch = pytest.importorskip("torch")
    opt, topt = _two_group_optimizers(torch, opt_name)
    mods = (sched_mod, opt), (torch.optim.lr_scheduler, topt)
    built = []
    for mod, o in mods:
        warm = mod.LinearLR(o, start_factor=0.1, total_iters=5)
        cos = mod.CosineAnnealingLR(o, T_max=20, eta_min=0.001)
        step = mod.StepLR(o, step_size=3, gamma=0.5)
        built.append(mod.SequentialLR(o, [warm, cos, step], milestones=[5, 20]))
    sched, tsched = built
    for _ in range(30):
        assert [g["lr"] for g in opt.param_groups] == [g["lr"] for g in topt.param_groups]
        assert sched.get_last_lr() == tsched.get_last_lr()
        opt.step()
        topt.step()
        sched.step()
        tsched.step()
    saved = sched.state_dict()
    assert len(saved["_schedulers"]) == 3 and "optimizer" not in saved


def test_warm_restarts_with_fractional_epochs_match_torch():
    torch = pytest.importorskip("torch")
    opt, topt = _two_group_optimizers(torch, "SGD")
    sched = sched_mod.CosineAnnealingWarmRestarts(opt, T_0=2, T_mult=2)
    tsched = torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(topt, T_0=2, T_mult=2)
    opt.step()
    topt.step()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for epoch in np.arange(0, 15, 0.25):
            sched.step(float(epoch))
            tsched.step(float(epoch))
            assert sched.get_last_lr() == tsched.get_last_lr()
    with pytest.raises(ValueError, match="T_0"):
        sched_mod.CosineAnnealingWarmRestarts(opt, T_0=0)


@pytest.mark.parametrize("name, kwargs", [("MultiStepLR", dict(milestones=[2, 4, 4], gamma=0.5)),
                                          ("OneCycleLR", dict(max_lr=0.5, total_steps=20)),
                                          ("CosineAnnealingWarmRestarts", dict(T_0=3, T_mult=2))])
def test_state_dict_survives_save_and_load(name, kwargs, tmp_path):
    import tinygrad_cnn as tc

    def make():
        opt = optim.SGD([nn.Parameter(np.ones(1))], lr=0.1, momentum=0.9)
        return opt, getattr(sched_mod, name)(opt, **kwargs)

    opt, sched = make()
    lrs = []
    for i in range(9):
        opt.step()
        sched.step()
        if i == 3:
            tc.save({"opt": opt.state_dict(), "sched": sched.state_dict()}, tmp_path / "c")
        lrs.append(sched.get_last_lr())
    opt2, sched2 = make()
    saved = tc.load(tmp_path / "c")
    opt2.load_state_dict(saved["opt"])
    sched2.load_state_dict(saved["sched"])
    rest = []
    for _ in range(5):
        opt2.step()
        sched2.step()
        rest.append(sched2.get_last_lr())
    assert rest == lrs[4:]
    if name == "MultiStepLR":
        with pytest.warns(UserWarning, match="deprecated"):
            sched2.step(3)
        assert sched2.get_last_lr() == [0.1 * 0.5]


def test_chained_scheduler_matches_torch():
    torch = pytest.importorskip("torch")
    opt, topt = _two_group_optimizers(torch, "SGD")
    chains = []
    for mod, o in ((sched_mod, opt), (torch.optim.lr_scheduler, topt)):
        chains.append(mod.ChainedScheduler([mod.ConstantLR(o, factor=0.1, total_iters=3),
                                            mod.ExponentialLR(o, gamma=0.9)]))
    ours, theirs = chains
    for _ in range(10):
        opt.step()
        topt.step()
        ours.step()
        theirs.step()
        assert ours.get_last_lr() == theirs.get_last_lr()
    assert len(ours.state_dict()["_schedulers"]) == 2
