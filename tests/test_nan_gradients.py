"""Gradients at NaN, at 0 and at ties are PyTorch's (issue 15, numerics): the expected values below are what
PyTorch 2.x computes (each case is also compared with torch itself where it is installed)."""

from __future__ import annotations

import math

import numpy as np
import pytest

import tinygrad_cnn as tc

nan, inf = math.nan, math.inf


def ours(fn, *values):
    xs = [tc.tensor(np.array(v, dtype=np.float64), requires_grad=True) for v in values]
    out = fn(tc, *xs)
    out.backward(tc.ones_like(out) if hasattr(tc, "ones_like") else tc.tensor(np.ones(out.shape)))
    return out.detach().numpy(), [x.grad.numpy() for x in xs]


def theirs(fn, *values):
    torch = pytest.importorskip("torch")
    xs = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in values]
    out = fn(torch, *xs)
    out.backward(torch.ones_like(out))
    return out.detach().numpy(), [x.grad.numpy() for x in xs]


def maximum(lib, a, b):
    return lib.maximum(a, b)


def pow_t(lib, a, b):
    return a**b


# name: (function of (library, *tensors), inputs, expected output, expected gradients)
CASES = {
    "max_with_nan": (lambda lib, x: x.max(), [[1.0, nan, 2.0]], nan, [[0, 1, 0]]),
    "max_two_nans": (lambda lib, x: x.max(), [[nan, 1.0, nan]], nan, [[0.5, 0, 0.5]]),
    "max_tie": (lambda lib, x: x.max(), [[2.0, 1.0, 2.0]], 2.0, [[0.5, 0, 0.5]]),
    "min_with_nan": (lambda lib, x: x.min(), [[1.0, nan, 2.0]], nan, [[0, 1, 0]]),
    "max_dim_with_nan": (lambda lib, x: x.max(1)[0], [[[1.0, nan, nan], [3.0, 3.0, 1.0]]], [nan, 3.0],
                         [[[0, 1, 0], [1, 0, 0]]]),
    "min_dim_with_nan": (lambda lib, x: x.min(0)[0], [[[1.0, nan], [0.0, 2.0]]], [0.0, nan], [[[0, 1], [1, 0]]]),
    "relu": (lambda lib, x: x.relu(), [[nan, -1.0, 0.0, 1.0]], [nan, 0, 0, 1], [[1, 0, 0, 1]]),
    "maximum": (maximum, [[nan, 1.0, nan, 2.0, 3.0], [1.0, nan, nan, 2.0, 1.0]], [nan, nan, nan, 2, 3],
                [[1, 1, 1, 0.5, 1], [1, 1, 1, 0.5, 0]]),
    "maximum_broadcast": (maximum, [[[nan], [2.0]], [1.0, 2.0, 3.0]], [[nan] * 3, [2, 2, 3]],
                          [[[3], [1.5]], [1, 1.5, 2]]),
    "min_of_two_tensors": (lambda lib, a, b: a.min(b), [[nan, 1.0, nan, 2.0, 3.0], [1.0, nan, nan, 2.0, 1.0]],
                           [nan, nan, nan, 2, 1], [[1, 1, 1, 0.5, 0], [1, 1, 1, 0.5, 1]]),
    "max_of_two_tensors": (lambda lib, a, b: a.max(b), [[1.0, 5.0], [3.0, 2.0]], [3, 5], [[0, 1], [1, 0]]),
    "clamp": (lambda lib, x: x.clamp(0, 1), [[nan, -1.0, 0.0, 0.5, 1.0, 2.0]], [nan, 0, 0, 0.5, 1, 1],
              [[0, 0, 1, 1, 1, 0]]),
    "clamp_min": (lambda lib, x: x.clamp(min=0), [[nan, -1.0, 0.0, 0.5]], [nan, 0, 0, 0.5], [[0, 0, 1, 1]]),
    "abs": (lambda lib, x: x.abs(), [[nan, 0.0, -0.0, -2.0, 3.0]], [nan, 0, 0, 2, 3], [[0, 0, 0, -1, 1]]),
    "sqrt": (lambda lib, x: x.sqrt(), [[0.0, nan, -1.0]], [0, nan, nan], [[inf, nan, nan]]),
    "pow_tensor": (pow_t, [[0.0, 0.0, 2.0, 0.0, nan, 0.0], [0.0, 1.0, 0.0, -1.0, 0.0, 2.5]], [1, 0, 1, inf, 1, 0],
                   [[0, 1, 0, -inf, 0, 0], [0, 0, math.log(2), -inf, nan, 0]]),
    "pow_zero_base_odd_exponents": (pow_t, [[0.0, 0.0, 0.0, 0.0], [0.0, 1.0, -1.0, nan]], [1, 0, inf, nan],
                                    [[0, 1, -inf, nan], [0, 0, -inf, nan]]),
    "pow_0d_tensor_exponent": (pow_t, [[0.0, 3.0], 0.0], [1, 1], [[0, 0], math.log(3)]),
    "pow_scalar_0": (lambda lib, x: x**0, [[0.0, nan, inf]], [1, 1, 1], [[0, 0, 0]]),
    "pow_scalar_0.0": (lambda lib, x: x**0.0, [[0.0, nan]], [1, 1], [[0, 0]]),
    "pow_scalar_2": (lambda lib, x: x**2, [[0.0, nan]], [0, nan], [[0, nan]]),
    "pow_scalar_half": (lambda lib, x: x**0.5, [[0.0, nan]], [0, nan], [[inf, nan]]),
    "pow_scalar_-1": (lambda lib, x: x**-1, [[0.0, nan]], [inf, nan], [[-inf, nan]]),
    "pow_scalar_3": (lambda lib, x: x**3, [[0.0, nan]], [0, nan], [[0, nan]]),
    "rpow_zero_base": (lambda lib, y: 0.0**y, [[0.0, 1.0, -1.0, 2.5]], [1, 0, inf, 0], [[0, 0, -inf, 0]]),
    "rpow_two": (lambda lib, y: 2.0**y, [[0.0, nan]], [1, nan], [[math.log(2), nan]]),
    "log_at_0_and_nan": (lambda lib, x: x.log(), [[0.0, nan]], [-inf, nan], [[inf, nan]]),
    "where_nan": (lambda lib, x: lib.where(x > 0, x, x * 2), [[nan, 1.0]], [nan, 1], [[2, 1]]),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_values_and_gradients_are_pytorchs(name):
    fn, inputs, want_out, want_grads = CASES[name]
    with np.errstate(all="ignore"):
        out, grads = ours(fn, *inputs)
    np.testing.assert_array_equal(out, np.asarray(want_out, dtype=np.float64))
    assert len(grads) == len(want_grads)
    for g, w in zip(grads, want_grads):
        np.testing.assert_array_equal(g, np.asarray(w, dtype=np.float64))


@pytest.mark.parametrize("name", sorted(CASES))
def test_expected_values_are_what_torch_gives(name):
    fn, inputs, want_out, want_grads = CASES[name]
    out, grads = theirs(fn, *inputs)
    np.testing.assert_array_equal(out, np.asarray(want_out, dtype=np.float64))
    for g, w in zip(grads, want_grads):
        np.testing.assert_array_equal(g, np.asarray(w, dtype=np.float64))


def test_sign_of_nan_is_zero_as_torch():
    np.testing.assert_array_equal(tc.tensor([nan, 0.0, -0.0, -3.0, 2.0]).sign().numpy(), [0, 0, 0, -1, 1])


@pytest.mark.parametrize("fn", [lambda x, y: tc.maximum(x, y), lambda x, y: x ** (y * y + 0.5),
                                lambda x, y: (x * y).relu() + x.abs(), lambda x, y: (x - y).max() * x.sum()])
def test_changed_ops_still_pass_gradcheck_to_second_order(fn):
    rng = np.random.default_rng(3)
    x = tc.tensor(rng.uniform(0.5, 2.0, (3, 4)), requires_grad=True)
    y = tc.tensor(rng.uniform(-1.0, 1.0, (3, 4)), requires_grad=True)
    assert tc.gradcheck(fn, (x, y))
    assert tc.gradgradcheck(fn, (x, y))


def test_pow_zero_exponent_second_order_is_pytorchs():
    """PyTorch's double backward through its masked pow gradient gives [nan, -0.] here; so does ours."""
    x = tc.tensor([0.0, 1.5], dtype=np.float64, requires_grad=True)
    e = tc.tensor([0.0, 0.0], dtype=np.float64)
    with np.errstate(all="ignore"):
        (g,) = tc.autograd.grad((x**e).sum(), x, create_graph=True)
        (gg,) = tc.autograd.grad(g.sum(), x)
    np.testing.assert_array_equal(g.detach().numpy(), [0.0, 0.0])
    np.testing.assert_array_equal(gg.numpy(), [nan, -0.0])
    assert math.copysign(1, gg.numpy()[1]) == -1


# more edge values, compared with torch directly: (ours, theirs, inputs)
EDGE = {
    "max_pool2d_nan": (lambda x: tc.functional.max_pool2d(x, 2), lambda t, x: t.nn.functional.max_pool2d(x, 2),
                       [[[[1.0, nan], [3.0, 2.0]]]]),
    "max_pool2d_tie": (lambda x: tc.functional.max_pool2d(x, 2), lambda t, x: t.nn.functional.max_pool2d(x, 2),
                       [[[[3.0, 1.0], [3.0, 2.0]]]]),
    "softmax_-inf": (lambda x: x.softmax(0), lambda t, x: x.softmax(0), [1.0, -inf, 2.0]),
    "softmax_all_-inf": (lambda x: x.softmax(0), lambda t, x: x.softmax(0), [-inf, -inf]),
    "log_softmax_-inf": (lambda x: x.log_softmax(0), lambda t, x: x.log_softmax(0), [1.0, -inf, 2.0]),
    "softmax_nan": (lambda x: x.softmax(0), lambda t, x: x.softmax(0), [1.0, nan, 2.0]),
    "mean_inf": (lambda x: x.mean(), lambda t, x: x.mean(), [1.0, inf]),
    "sigmoid_inf_nan": (lambda x: x.sigmoid(), lambda t, x: x.sigmoid(), [inf, -inf, nan]),
    "tanh_inf": (lambda x: x.tanh(), lambda t, x: x.tanh(), [inf, -inf]),
    "exp_inf": (lambda x: x.exp(), lambda t, x: x.exp(), [-inf, inf]),
    "max_dim_tie": (lambda x: x.max(0)[0], lambda t, x: x.max(0)[0], [[2.0, 1.0], [2.0, 3.0]]),
    "max_dim_-inf": (lambda x: x.max(0)[0], lambda t, x: x.max(0)[0], [[-inf], [-inf]]),
    "max_inf_tie": (lambda x: x.max(), lambda t, x: x.max(), [inf, 1.0, inf]),
    "relu_inf": (lambda x: x.relu(), lambda t, x: x.relu(), [inf, -inf]),
    "clamp_inf_nan": (lambda x: x.clamp(-1, 1), lambda t, x: x.clamp(-1, 1), [inf, -inf, nan]),
    "abs_inf": (lambda x: x.abs(), lambda t, x: x.abs(), [inf, -inf]),
    "log_negative": (lambda x: x.log(), lambda t, x: x.log(), [-1.0]),
    "pow_negative_base_half": (lambda x: x**0.5, lambda t, x: x**0.5, [-1.0]),
}


@pytest.mark.parametrize("name", sorted(EDGE))
def test_more_edge_values_match_torch(name):
    torch = pytest.importorskip("torch")
    fo, ft, value = EDGE[name]
    x = tc.tensor(np.array(value, dtype=np.float64), requires_grad=True)
    with np.errstate(all="ignore"):
        out = fo(x)
        out.backward(tc.tensor(np.ones(out.shape)))
    y = torch.tensor(value, dtype=torch.float64, requires_grad=True)
    ref = ft(torch, y)
    ref.backward(torch.ones_like(ref))
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), rtol=1e-15, atol=1e-300)
    np.testing.assert_allclose(x.grad.numpy(), y.grad.numpy(), rtol=1e-15, atol=1e-300)
