"""nn.init (in place, versions, .data, reproducibility, distributions and bounds against PyTorch's formulas)
and nn.utils (gradient clipping and parameter vectors against PyTorch)."""

from __future__ import annotations

import math

import numpy as np
import pytest

import tinygrad_cnn as tc
from tinygrad_cnn import Tensor, nn
from tinygrad_cnn.nn import init


def test_init_on_data_changes_the_parameter_and_returns_the_tensor():
    m = nn.Linear(50, 40)
    data = m.weight.data
    assert init.normal_(data, 0.0, 0.02) is data
    w = m.weight.detach().numpy()
    assert abs(w.std() - 0.02) < 0.002 and abs(w.mean()) < 0.002
    init.constant_(m.bias.data, 0.5)
    np.testing.assert_array_equal(m.bias.detach().numpy(), np.full(40, 0.5, dtype=np.float32))
    before = m.weight._version
    assert init.zeros_(m.weight) is m.weight
    assert m.weight._version == before + 1 and not m.weight.detach().numpy().any()
    assert m.weight.dtype == np.float32 and m.weight.grad_fn is None and m.weight.requires_grad


def test_init_is_reproducible_under_manual_seed():
    out = []
    for _ in range(2):
        tc.manual_seed(7)
        t = tc.zeros(5, 4)
        init.kaiming_uniform_(t, a=math.sqrt(5))
        init.trunc_normal_(u := tc.zeros(100), std=0.5)
        init.orthogonal_(o := tc.zeros(3, 6))
        out.append((t.numpy().copy(), u.numpy().copy(), o.numpy().copy()))
    for a, b in zip(*out):
        np.testing.assert_array_equal(a, b)
    g = np.random.default_rng(3)
    a = init.normal_(tc.zeros(4), generator=g).numpy().copy()
    np.testing.assert_array_equal(a, init.normal_(tc.zeros(4), generator=np.random.default_rng(3)).numpy())


@pytest.mark.parametrize("shape", [(64, 32), (16, 8, 3, 3), (10, 300)])
def test_bounds_and_spreads_follow_torch_formulas(shape):
    torch = pytest.importorskip("torch")
    tw = torch.empty(shape)
    w = tc.zeros(*shape)
    assert init._calculate_fan_in_and_fan_out(w) == torch.nn.init._calculate_fan_in_and_fan_out(tw)
    fan_in, fan_out = init._calculate_fan_in_and_fan_out(w)
    for fn, kwargs, bound in [
        ("xavier_uniform_", dict(gain=2.0), 2.0 * math.sqrt(6 / (fan_in + fan_out))),
        ("kaiming_uniform_", dict(a=math.sqrt(5)), math.sqrt(3) * math.sqrt(2 / 6) / math.sqrt(fan_in)),
        ("kaiming_uniform_", dict(mode="fan_out", nonlinearity="relu"), math.sqrt(6 / fan_out)),
        ("uniform_", dict(a=-0.3, b=0.3), 0.3),
    ]:
        getattr(init, fn)(w, **kwargs)
        vals = w.numpy()
        assert vals.min() >= -bound and vals.max() <= bound
        assert vals.max() > 0.9 * bound and vals.min() < -0.9 * bound  # fills the interval
    n = math.prod(shape)
    for fn, kwargs, std in [
        ("xavier_normal_", {}, math.sqrt(2 / (fan_in + fan_out))),
        ("kaiming_normal_", dict(mode="fan_out"), math.sqrt(2 / (1 + 0.01**2)) / math.sqrt(fan_out)),
        ("normal_", dict(mean=1.0, std=0.1), 0.1),
    ]:
        getattr(init, fn)(w, **kwargs)
        assert abs(w.numpy().std() / std - 1) < 5 / math.sqrt(n)


def test_calculate_gain_matches_torch():
    torch = pytest.importorskip("torch")
    for name, param in [("linear", None), ("conv2d", None), ("sigmoid", None), ("tanh", None), ("relu", None),
                        ("leaky_relu", None), ("leaky_relu", 0.2), ("selu", None)]:
        assert init.calculate_gain(name, param) == torch.nn.init.calculate_gain(name, param)
    with pytest.raises(ValueError, match="Unsupported nonlinearity"):
        init.calculate_gain("swish")
    with pytest.raises(ValueError, match="not a valid number"):
        init.calculate_gain("leaky_relu", "x")


def test_trunc_normal_stays_in_bounds():
    t = init.trunc_normal_(tc.zeros(10000, dtype="float64"), mean=0.5, std=1.0, a=0.0, b=1.5)
    v = t.numpy()
    assert v.min() >= 0.0 and v.max() <= 1.5
    alpha, beta = -0.5, 1.0  # the window in standard units
    pdf = [math.exp(-z * z / 2) / math.sqrt(2 * math.pi) for z in (alpha, beta)]
    cdf = [(1 + math.erf(z / math.sqrt(2))) / 2 for z in (alpha, beta)]
    expected = 0.5 + (pdf[0] - pdf[1]) / (cdf[1] - cdf[0])  # the truncated normal's mean
    assert abs(v.mean() - expected) < 0.03


def test_orthogonal_eye_dirac_as_torch():
    torch = pytest.importorskip("torch")
    for shape in [(4, 4), (3, 7), (7, 3), (6, 2, 3, 3)]:
        q = init.orthogonal_(tc.zeros(*shape, dtype="float64"), gain=2.0).numpy().reshape(shape[0], -1)
        small = min(q.shape)
        gram = q @ q.T if q.shape[0] == small else q.T @ q
        np.testing.assert_allclose(gram, 4.0 * np.eye(small), atol=1e-12)
    for shape in [(3, 5), (5, 3)]:
        np.testing.assert_array_equal(init.eye_(tc.zeros(*shape)).numpy(), torch.nn.init.eye_(torch.empty(shape)))
    for shape, groups in [((4, 4, 3, 3), 1), ((6, 2, 3), 2), ((4, 3, 2, 2), 1), ((4, 2, 1, 3, 3), 2)]:
        np.testing.assert_array_equal(init.dirac_(tc.zeros(*shape), groups).numpy(),
                                      torch.nn.init.dirac_(torch.empty(shape), groups).numpy())
    x = tc.randn(1, 4, 5, 5)
    w = init.dirac_(tc.zeros(4, 4, 3, 3))
    np.testing.assert_allclose(tc.functional.conv2d(x, w, padding=1).numpy(), x.numpy(), atol=1e-6)


def _int_tensor() -> Tensor:
    return Tensor._make(np.zeros(3, dtype=np.int64), None, False)


def test_init_errors():
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init.xavier_uniform_(tc.zeros(3))
    with pytest.raises(ValueError, match="Mode fan_avg not supported"):
        init.kaiming_normal_(tc.zeros(3, 3), mode="fan_avg")
    with pytest.raises(TypeError, match="floating-point"):
        init.normal_(_int_tensor())
    with pytest.raises(ValueError, match="2 dimensions"):
        init.eye_(tc.zeros(2, 2, 2))
    with pytest.raises(ValueError, match="3, 4, or 5"):
        init.dirac_(tc.zeros(2, 2))
    with pytest.warns(UserWarning, match="no-op"):
        init.kaiming_uniform_(tc.zeros(0, 3))
    ints = init.ones_(_int_tensor())
    np.testing.assert_array_equal(ints.numpy(), [1, 1, 1])
    assert ints.dtype == np.int64


# ---------------------------------------------------------------------- nn.utils

def _grads_pair(torch, dtype=np.float64):
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(s).astype(dtype) for s in [(3, 4), (4,), (2, 2)]]
    ours = [nn.Parameter(a.copy()) for a in arrays]
    theirs = [torch.nn.Parameter(torch.from_numpy(a.copy())) for a in arrays]
    for i, (p, q) in enumerate(zip(ours, theirs)):
        g = rng.standard_normal(p.shape).astype(dtype) * (i + 1)
        p.grad = tc.tensor(g.copy())
        q.grad = torch.from_numpy(g.copy())
    return ours, theirs


@pytest.mark.parametrize("max_norm, norm_type", [(1.0, 2.0), (100.0, 2.0), (0.5, 1.0), (0.3, math.inf),
                                                 (2.0, 3.0), (1.0, "inf")])
def test_clip_grad_norm_matches_torch(max_norm, norm_type):
    torch = pytest.importorskip("torch")
    ours, theirs = _grads_pair(torch)
    grads = [p.grad for p in ours]
    total = nn.utils.clip_grad_norm_(ours, max_norm, norm_type)
    ttotal = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type)
    assert isinstance(total, Tensor) and total.shape == () and total.dtype == np.float64
    assert total.item() == pytest.approx(ttotal.item(), rel=1e-12)
    for p, q, g in zip(ours, theirs, grads):
        assert p.grad is g
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-12)


def test_clip_grad_norm_float32_single_tensor_and_nonfinite():
    torch = pytest.importorskip("torch")
    ours, theirs = _grads_pair(torch, np.float32)
    total = nn.utils.clip_grad_norm_(ours[0], 0.1)
    ttotal = torch.nn.utils.clip_grad_norm_(theirs[0], 0.1)
    assert total.dtype == np.float32 and total.item() == pytest.approx(ttotal.item(), rel=1e-6)
    np.testing.assert_allclose(ours[0].grad.numpy(), theirs[0].grad.numpy(), rtol=1e-6)
    ours[1].grad._data[0] = np.nan
    with pytest.raises(RuntimeError, match="non-finite"):
        nn.utils.clip_grad_norm_(ours, 1.0, error_if_nonfinite=True)
    assert nn.utils.clip_grad_norm_([nn.Parameter(np.ones(2))], 1.0).item() == 0.0


def test_clip_grad_value_matches_torch():
    torch = pytest.importorskip("torch")
    ours, theirs = _grads_pair(torch)
    v0 = ours[0].grad._version
    assert nn.utils.clip_grad_value_(ours, 0.5) is None
    torch.nn.utils.clip_grad_value_(theirs, 0.5)
    for p, q in zip(ours, theirs):
        np.testing.assert_array_equal(p.grad.numpy(), q.grad.numpy())
    assert ours[0].grad._version == v0 + 1


def test_parameters_to_vector_and_back():
    torch = pytest.importorskip("torch")
    ours, theirs = _grads_pair(torch)
    vec = nn.utils.parameters_to_vector(ours)
    np.testing.assert_array_equal(vec.detach().numpy(),
                                  torch.nn.utils.parameters_to_vector(theirs).detach().numpy())
    (vec * vec).sum().backward()
    for p in ours:
        assert p.grad is not None
    new = tc.tensor(np.arange(vec.shape[0], dtype=np.float64))
    nn.utils.vector_to_parameters(new, ours)
    torch.nn.utils.vector_to_parameters(torch.from_numpy(new.numpy().copy()), theirs)
    for p, q in zip(ours, theirs):
        np.testing.assert_array_equal(p.detach().numpy(), q.detach().numpy())
    with pytest.raises(TypeError, match="expected Tensor"):
        nn.utils.vector_to_parameters(np.zeros(3), ours)
