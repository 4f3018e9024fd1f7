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
