"""Every optimizer against PyTorch's, step for step, with every option; param groups, state_dict
structure and resuming, closures, in-place updates and version counters."""

from __future__ import annotations

import copy

import numpy as np
import pytest

import tinygrad_cnn as tc
from tinygrad_cnn import Tensor, nn, optim

CASES = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.05, momentum=0.9)),
    ("SGD", dict(lr=0.05, momentum=0.9, dampening=0.3, weight_decay=0.01)),
    ("SGD", dict(lr=0.05, momentum=0.8, nesterov=True, weight_decay=0.02)),
    ("SGD", dict(lr=0.05, momentum=0.5, maximize=True)),
    ("Adam", dict()),
    ("Adam", dict(lr=0.02, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1)),
    ("Adam", dict(lr=0.01, amsgrad=True, weight_decay=0.05)),
    ("Adam", dict(lr=0.01, maximize=True)),
    ("Adam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True)),
    ("AdamW", dict()),
    ("AdamW", dict(lr=0.03, betas=(0.7, 0.9), weight_decay=0.3, amsgrad=True)),
    ("RMSprop", dict()),
    ("RMSprop", dict(lr=0.01, alpha=0.9, eps=1e-6, weight_decay=0.1)),
    ("RMSprop", dict(lr=0.01, momentum=0.9)),
    ("RMSprop", dict(lr=0.01, momentum=0.5, centered=True, weight_decay=0.01)),
    ("RMSprop", dict(lr=0.01, centered=True, maximize=True)),
    ("Adagrad", dict()),
    ("Adagrad", dict(lr=0.1, lr_decay=0.05, weight_decay=0.1, initial_accumulator_value=0.5, eps=1e-6)),
    ("Adagrad", dict(lr=0.1, maximize=True)),
    ("Adadelta", dict()),
    ("Adadelta", dict(lr=0.5, rho=0.8, eps=1e-4, weight_decay=0.1)),
    ("Adadelta", dict(maximize=True)),
    ("Adamax", dict()),
    ("Adamax", dict(lr=0.01, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1, maximize=True)),
    ("NAdam", dict()),
    ("NAdam", dict(lr=0.01, betas=(0.8, 0.99), weight_decay=0.1, momentum_decay=0.01)),
    ("NAdam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True, maximize=True)),
    ("RAdam", dict()),
    ("RAdam", dict(lr=0.01, betas=(0.5, 0.9), weight_decay=0.1)),
    ("RAdam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True, maximize=True)),
]


def _problem(seed: int = 0) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(seed)
    return rng.standard_normal((3, 4)), rng.standard_normal(3), rng.standard_normal((8, 4)), rng.standard_normal((8, 3))


def _loss(w, b, x, y):
    return (((x @ w.T + b) - y) ** 2).mean()


@pytest.mark.parametrize("name, kwargs", CASES)
def test_every_step_matches_torch(name, kwargs):
    torch = pytest.importorskip("torch")
    w0, b0, x, y = _problem()
    w, b = nn.Parameter(w0.copy()), nn.Parameter(b0.copy())
    tw, tb = torch.nn.Parameter(torch.from_numpy(w0.copy())), torch.nn.Parameter(torch.from_numpy(b0.copy()))
    # two groups: the second with its own learning rate
    opt = getattr(optim, name)([{"params": [w]}, {"params": [b], "lr": 0.003}], **kwargs)
    topt = getattr(torch.optim, name)([{"params": [tw]}, {"params": [tb], "lr": 0.003}], **kwargs)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    for _ in range(7):
        opt.zero_grad()
        topt.zero_grad()
        _loss(w, b, tc.tensor(x), tc.tensor(y)).backward()
        _loss(tw, tb, xt, yt).backward()
        opt.step()
        topt.step()
        np.testing.assert_allclose(w.detach().numpy(), tw.detach().numpy(), rtol=1e-11, atol=1e-13)
        np.testing.assert_allclose(b.detach().numpy(), tb.detach().numpy(), rtol=1e-11, atol=1e-13)
    ours, theirs = opt.state_dict(), topt.state_dict()
    assert ours["param_groups"] == theirs["param_groups"]
    assert ours["state"].keys() == theirs["state"].keys()
    for i, state in theirs["state"].items():
        assert ours["state"][i].keys() == state.keys()
        for key, value in state.items():
            mine = ours["state"][i][key]
            assert mine.dtype == str(value.dtype).replace("torch.", "")
            np.testing.assert_allclose(mine.numpy(), value.numpy(), rtol=1e-10, atol=1e-13)


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax", "NAdam",
                                  "RAdam"])
def test_float32_steps_match_torch(name):
    torch = pytest.importorskip("torch")
    w0, b0, x, y = (a.astype(np.float32) for a in _problem(1))
    kwargs = dict(lr=0.01, weight_decay=0.01) | (dict(momentum=0.9) if name in ("SGD", "RMSprop") else {})
    w = nn.Parameter(w0.copy())
    tw = torch.nn.Parameter(torch.from_numpy(w0.copy()))
    opt, topt = getattr(optim, name)([w], **kwargs), getattr(torch.optim, name)([tw], **kwargs)
    for _ in range(5):
        opt.zero_grad()
        topt.zero_grad()
        (Tensor(x) @ w.T).pow(2).mean().backward()
        (torch.from_numpy(x) @ tw.T).pow(2).mean().backward()
        opt.step()
        topt.step()
    assert w.dtype == np.float32
    np.testing.assert_allclose(w.detach().numpy(), tw.detach().numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name, kwargs", [c for c in CASES if c[1].get("maximize") is not True])
def test_resume_from_state_dict_is_identical(name, kwargs, tmp_path):
    w0, b0, x, y = _problem(2)

    def train(opt, w, b, steps):
        for _ in range(steps):
            opt.zero_grad()
            _loss(w, b, tc.tensor(x), tc.tensor(y)).backward()
            opt.step()

    w, b = nn.Parameter(w0.copy()), nn.Parameter(b0.copy())
    opt = getattr(optim, name)([w, b], **kwargs)
    train(opt, w, b, 6)

    w2, b2 = nn.Parameter(w0.copy()), nn.Parameter(b0.copy())
    opt2 = getattr(optim, name)([w2, b2], **kwargs)
    train(opt2, w2, b2, 3)
    tc.save({"w": w2.detach(), "b": b2.detach(), "opt": opt2.state_dict()}, tmp_path / "ckpt")
    saved = tc.load(tmp_path / "ckpt")
    w3, b3 = nn.Parameter(np.array(saved["w"])), nn.Parameter(np.array(saved["b"]))
    opt3 = getattr(optim, name)([w3, b3], lr=123.0)
    opt3.load_state_dict(saved["opt"])
    assert opt3.param_groups[0]["lr"] == opt.param_groups[0]["lr"]
    train(opt3, w3, b3, 3)
    np.testing.assert_array_equal(w3.detach().numpy(), w.detach().numpy())
    np.testing.assert_array_equal(b3.detach().numpy(), b.detach().numpy())


def test_load_state_dict_from_torch_optimizer():
    torch = pytest.importorskip("torch")
    w0, b0, x, y = _problem(3)
    tw = torch.nn.Parameter(torch.from_numpy(w0.copy()))
    topt = torch.optim.Adam([tw], lr=0.01, amsgrad=True)
    for _ in range(3):
        topt.zero_grad()
        (torch.from_numpy(x) @ tw.T).pow(2).mean().backward()
        topt.step()
    w = nn.Parameter(tw.detach().numpy().copy())
    opt = optim.Adam([w], lr=0.5)
    opt.load_state_dict(topt.state_dict())
    assert float(opt.state[w]["step"]) == 3.0 and opt.state[w]["step"].dtype == np.float32
    for _ in range(3):
        opt.zero_grad()
        topt.zero_grad()
        (tc.tensor(x) @ w.T).pow(2).mean().backward()
        (torch.from_numpy(x) @ tw.T).pow(2).mean().backward()
        opt.step()
        topt.step()
    np.testing.assert_allclose(w.detach().numpy(), tw.detach().numpy(), rtol=1e-11)


def test_state_dict_after_load_is_a_copy():
    w = nn.Parameter(np.ones(2))
    opt = optim.SGD([w], lr=0.1, momentum=0.9)
    w.grad = tc.tensor(np.ones(2))
    opt.step()
    sd = copy.deepcopy(opt.state_dict())
    opt2 = optim.SGD([nn.Parameter(np.ones(2))], lr=0.1, momentum=0.9)
    opt2.load_state_dict(sd)
    q = opt2.param_groups[0]["params"][0]
    assert not np.shares_memory(opt2.state[q]["momentum_buffer"].numpy(), sd["state"][0]["momentum_buffer"].numpy())


def test_parameter_in_two_groups_raises():
    a, b = nn.Parameter(np.ones(1)), nn.Parameter(np.ones(1))
    with pytest.raises(ValueError, match="more than one parameter group"):
        optim.SGD([{"params": [a, b]}, {"params": [a]}], lr=0.1)
    opt = optim.Adam([a], lr=0.1)
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": [a]})
    assert len(opt.param_groups) == 1
    opt.add_param_group({"params": b, "lr": 0.5})
    assert opt.param_groups[1]["params"] == [b] and opt.param_groups[1]["lr"] == 0.5
    assert opt.param_groups[1]["betas"] == (0.9, 0.999)
    with pytest.raises(TypeError, match="ordered"):
        opt.add_param_group({"params": {nn.Parameter(np.ones(1))}})


def test_parameter_in_two_groups_raises_as_torch():
    torch = pytest.importorskip("torch")
    a = torch.nn.Parameter(torch.ones(1))
    with pytest.raises(ValueError, match="more than one parameter group"):
        torch.optim.SGD([{"params": [a]}, {"params": [a]}], lr=0.1)


def test_duplicate_in_one_group_warns():
    a = nn.Parameter(np.ones(1))
    with pytest.warns(UserWarning, match="duplicate"):
        optim.SGD([a, a], lr=0.1)


def test_state_is_a_defaultdict_keyed_by_parameter():
    w = nn.Parameter(np.ones(2))
    opt = optim.Adam([w])
    assert opt.state[nn.Parameter(np.ones(1))] == {}
    w.grad = tc.tensor(np.ones(2))
    opt.step()
    assert set(opt.state[w]) == {"step", "exp_avg", "exp_avg_sq"}
    assert isinstance(opt.state[w]["exp_avg"], Tensor)


def test_step_returns_closure_loss_and_closure_runs_with_grad():
    w = nn.Parameter(np.array([2.0]))
    opt = optim.SGD([w], lr=0.1)

    def closure():
        opt.zero_grad()
        loss = (w * w).sum()
        loss.backward()
        return loss

    with tc.no_grad():
        loss = opt.step(closure)
    assert loss.item() == 4.0
    assert w.item() == pytest.approx(2.0 - 0.1 * 4.0)


def test_step_is_in_place_and_bumps_the_version():
    lin = nn.Linear(3, 2)
    w_array = lin.weight._data
    opt = optim.SGD(lin.parameters(), lr=0.1, momentum=0.9)
    before = lin.weight._version
    lin(tc.randn(4, 3)).sum().backward()
    opt.step()
    assert lin.weight._data is w_array
    assert lin.weight._version == before + 1


def test_zero_grad_keeps_or_drops_gradients():
    w = nn.Parameter(np.ones(2))
    opt = optim.SGD([w], lr=0.1)
    (w * 3).sum().backward()
    g = w.grad
    opt.zero_grad(set_to_none=False)
    assert w.grad is g and np.array_equal(g.numpy(), [0.0, 0.0])
    opt.zero_grad()
    assert w.grad is None


def test_hyperparameters_are_checked_as_torch():
    p = nn.Parameter(np.ones(1))
    for cls, kwargs in [
        (optim.SGD, dict(lr=-1.0)), (optim.SGD, dict(momentum=-0.1)), (optim.SGD, dict(nesterov=True)),
        (optim.Adam, dict(betas=(1.0, 0.9))), (optim.Adam, dict(eps=-1.0)), (optim.AdamW, dict(weight_decay=-1)),
        (optim.RMSprop, dict(alpha=-0.1)), (optim.Adagrad, dict(lr_decay=-1.0)),
        (optim.Adadelta, dict(rho=1.5)),
    ]:
        with pytest.raises(ValueError):
            cls([p], **kwargs)
    with pytest.raises(ValueError, match="empty parameter list"):
        optim.AdamW([])
    with pytest.raises(TypeError, match="iterable of Tensors"):
        optim.RMSprop(p)
    with pytest.raises(ValueError, match="non-leaf"):
        optim.Adagrad([p * 2])


def test_defaults_and_repr_as_torch():
    torch = pytest.importorskip("torch")
    for name in ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax", "NAdam", "RAdam"]:
        ours = getattr(optim, name)([nn.Parameter(np.ones(1))])
        theirs = getattr(torch.optim, name)([torch.nn.Parameter(torch.ones(1))])
        assert ours.defaults == theirs.defaults, name
        assert repr(ours) == repr(theirs)


def test_load_state_dict_errors():
    a, b = nn.Parameter(np.ones(1)), nn.Parameter(np.ones(1))
    opt = optim.SGD([a, b], lr=0.1)
    with pytest.raises(ValueError, match="number of parameter groups"):
        opt.load_state_dict({"state": {}, "param_groups": []})
    with pytest.raises(ValueError, match="doesn't match the size"):
        opt.load_state_dict({"state": {}, "param_groups": [{"lr": 0.1, "params": [0]}]})


def test_named_parameters_as_torch():
    torch = pytest.importorskip("torch")
    ours_model, theirs_model = nn.Linear(3, 2), torch.nn.Linear(3, 2)
    opt = optim.SGD(ours_model.named_parameters(), lr=0.1, momentum=0.9)
    topt = torch.optim.SGD(theirs_model.named_parameters(), lr=0.1, momentum=0.9)
    assert opt.param_groups[0]["param_names"] == topt.param_groups[0]["param_names"] == ["weight", "bias"]
    assert list(opt.param_groups[0]) == list(topt.param_groups[0])
    assert opt.state_dict()["param_groups"] == topt.state_dict()["param_groups"]
    with pytest.raises(ValueError, match="with/without names"):
        opt.add_param_group({"params": [nn.Parameter(np.ones(1))]})
    with pytest.raises(ValueError, match="with/without names"):
        optim.SGD([("a", nn.Parameter(np.ones(1))), nn.Parameter(np.ones(1))], lr=0.1)
    fresh = optim.SGD(nn.Linear(3, 2).parameters(), lr=0.5)
    fresh.load_state_dict(opt.state_dict())
    assert fresh.param_groups[0]["param_names"] == ["weight", "bias"] and fresh.param_groups[0]["lr"] == 0.1


def test_load_state_dict_checks_shapes_and_accepts_integer_steps():
    w = nn.Parameter(np.ones(3))
    opt = optim.Adam([w], lr=0.1)
    group = {k: v for k, v in opt.param_groups[0].items() if k != "params"} | {"lr": 7.0, "params": [0]}
    bad = {"state": {0: {"step": 2, "exp_avg": np.zeros(2), "exp_avg_sq": np.zeros(2)}}, "param_groups": [group]}
    with pytest.raises(ValueError, match=r"exp_avg.*\(2,\).*\(3,\)"):
        opt.load_state_dict(bad)
    assert opt.param_groups[0]["lr"] == 0.1 and len(opt.state) == 0  # nothing changed
    good = {"state": {0: {"step": 2, "exp_avg": np.zeros(3), "exp_avg_sq": np.zeros(3)}},
            "param_groups": bad["param_groups"]}
    opt.load_state_dict(good)
    assert opt.state[w]["step"].dtype == np.float32 and float(opt.state[w]["step"]) == 2.0
    w.grad = tc.tensor(np.ones(3))
    opt.step()
    assert float(opt.state[w]["step"]) == 3.0


@pytest.mark.parametrize("kwargs", [dict(), dict(lr=0.5, max_iter=4, history_size=3),
                                    dict(lr=0.8, max_iter=7, max_eval=5, tolerance_change=1e-5)])
def test_lbfgs_matches_torch(kwargs):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(4)
    w0, b0, x = rng.standard_normal((3, 4)) * 0.3, rng.standard_normal(3) * 0.3, rng.standard_normal((8, 4)) * 0.5
    y = np.tanh(x @ rng.standard_normal((4, 3)) * 0.5)
    w, b = nn.Parameter(w0.copy()), nn.Parameter(b0.copy())
    tw, tb = torch.nn.Parameter(torch.from_numpy(w0.copy())), torch.nn.Parameter(torch.from_numpy(b0.copy()))
    opt, topt = optim.LBFGS([w, b], **kwargs), torch.optim.LBFGS([tw, tb], **kwargs)

    def closure():
        opt.zero_grad()
        loss = ((tc.tensor(x) @ w.T + b).tanh() - tc.tensor(y)).pow(2).mean()
        loss.backward()
        return loss

    def tclosure():
        topt.zero_grad()
        loss = ((torch.from_numpy(x) @ tw.T + tb).tanh() - torch.from_numpy(y)).pow(2).mean()
        loss.backward()
        return loss

    for _ in range(4):
        loss, tloss = opt.step(closure), topt.step(tclosure)
        assert loss.item() == pytest.approx(tloss.item(), rel=1e-9)
        np.testing.assert_allclose(w.detach().numpy(), tw.detach().numpy(), rtol=1e-8, atol=1e-11)
        np.testing.assert_allclose(b.detach().numpy(), tb.detach().numpy(), rtol=1e-8, atol=1e-11)
    state, tstate = opt.state[w], topt.state[tw]
    assert set(state) == set(tstate)
    assert (state["func_evals"], state["n_iter"]) == (tstate["func_evals"], tstate["n_iter"])
    assert opt.state_dict()["param_groups"] == topt.state_dict()["param_groups"]
    fresh_w, fresh_b = nn.Parameter(w.detach().numpy().copy()), nn.Parameter(b.detach().numpy().copy())
    fresh = optim.LBFGS([fresh_w, fresh_b], **kwargs)
    fresh.load_state_dict(opt.state_dict())

    def fresh_closure():
        fresh.zero_grad()
        loss = ((tc.tensor(x) @ fresh_w.T + fresh_b).tanh() - tc.tensor(y)).pow(2).mean()
        loss.backward()
        return loss

    opt.step(closure)
    fresh.step(fresh_closure)
    np.testing.assert_array_equal(fresh_w.detach().numpy(), w.detach().numpy())


def test_lbfgs_arguments():
    p = nn.Parameter(np.ones(2))
    with pytest.raises(ValueError, match="parameter groups"):
        optim.LBFGS([{"params": [p]}, {"params": [nn.Parameter(np.ones(1))]}])
    with pytest.raises(ValueError, match="line_search_fn"):
        optim.LBFGS([p], line_search_fn="strong_wolfe")
    with pytest.raises(RuntimeError, match="closure"):
        optim.LBFGS([p]).step()


def _engine_checks_versions() -> bool:
    x = nn.Parameter(np.ones(2))
    y = (x * x).sum()
    x._bump_version()
    try:
        y.backward()
    except RuntimeError:
        return True
    return False


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax", "NAdam",
                                  "RAdam"])
def test_graph_built_before_step_cannot_be_used_after_it(name):
    if not _engine_checks_versions():
        pytest.skip("needs the engine's saved-tensor version checks")
    w = nn.Parameter(np.array([1.0, -2.0, 3.0]))
    opt = getattr(optim, name)([w], lr=0.1)
    loss = (w * w).sum()
    loss.backward(retain_graph=True)
    opt.step()
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        loss.backward()
