"""Property tests: for random broadcast-compatible shapes, every binary op's gradients have their
input's shape and equal the full-shape gradient summed over the stretched dimensions."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import mutually_broadcastable_shapes

import tinygrad_cnn as tc

# op -> (our op, value, d/da, d/db) with NumPy on the broadcast arrays
OPS = {
    "add": (lambda a, b: a + b, np.add, lambda a, b: np.ones_like(a * b), lambda a, b: np.ones_like(a * b)),
    "sub": (lambda a, b: a - b, np.subtract, lambda a, b: np.ones_like(a * b), lambda a, b: -np.ones_like(a * b)),
    "mul": (lambda a, b: a * b, np.multiply, lambda a, b: b + 0 * a, lambda a, b: a + 0 * b),
    "div": (lambda a, b: a / b, np.divide, lambda a, b: 1 / b + 0 * a, lambda a, b: -a / b**2),
    "pow": (lambda a, b: a**b, np.power, lambda a, b: b * a ** (b - 1), lambda a, b: a**b * np.log(a)),
    "maximum": (tc.maximum, np.maximum, lambda a, b: (a > b) + 0.0 * b, lambda a, b: (b > a) + 0.0 * a),
    "where": (
        lambda a, b: tc.where(a > 1.0, a, b),
        lambda a, b: np.where(a > 1.0, a, b),
        lambda a, b: (a > 1.0) + 0.0 * b,
        lambda a, b: (a <= 1.0) + 0.0 * a,
    ),
}

SHAPES = mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4, max_side=3)


def unbroadcast(full: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Independent reference for sum_to_size: sum leading dims, then dims that were 1."""
    lead = full.ndim - len(shape)
    out = full.sum(axis=tuple(range(lead))) if lead else full
    axes = tuple(i for i, s in enumerate(shape) if s == 1 and out.shape[i] != 1)
    return out.sum(axis=axes, keepdims=True).reshape(shape) if axes else out.reshape(shape)


@settings(max_examples=40, deadline=None)
@given(shapes=SHAPES, op=st.sampled_from(sorted(OPS)), seed=st.integers(0, 2**16))
def test_binary_gradients_reduce_to_input_shapes(shapes, op, seed):
    rng = np.random.default_rng(seed)
    sa, sb = shapes.input_shapes
    a = rng.uniform(0.5, 2.0, sa)
    b = rng.uniform(0.5, 2.0, sb)
    ours, ref, da, db = OPS[op]
    x, y = tc.tensor(a, requires_grad=True), tc.tensor(b, requires_grad=True)
    out = ours(x, y)
    assert out.shape == shapes.result_shape
    np.testing.assert_allclose(out.detach().numpy(), ref(a, b), rtol=1e-12)
    upstream = rng.standard_normal(shapes.result_shape)
    out.backward(tc.tensor(upstream))
    assert x.grad.shape == sa and y.grad.shape == sb
    ab, bb = np.broadcast_arrays(a, b)
    np.testing.assert_allclose(x.grad.numpy(), unbroadcast(upstream * da(ab, bb), sa), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(y.grad.numpy(), unbroadcast(upstream * db(ab, bb), sb), rtol=1e-10, atol=1e-12)


@settings(max_examples=20, deadline=None)
@given(shapes=mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=3), seed=st.integers(0, 2**16))
def test_gradcheck_on_a_broadcasting_expression(shapes, seed):
    rng = np.random.default_rng(seed)
    sa, sb = shapes.input_shapes
    x = tc.tensor(rng.uniform(0.5, 2.0, sa), requires_grad=True)
    y = tc.tensor(rng.uniform(0.5, 2.0, sb), requires_grad=True)

    def f(p, q):
        return (p * q - q / p) ** 2 + (p + q).tanh()

    assert tc.gradcheck(f, (x, y))


@settings(max_examples=30, deadline=None)
@given(
    shapes=mutually_broadcastable_shapes(num_shapes=2, min_dims=1, max_dims=4, max_side=3),
    seed=st.integers(0, 2**16),
)
def test_expand_and_sum_to_size_are_adjoint(shapes, seed):
    """<expand(u), v> = <u, sum_to_size(v)>: the two ops are each other's transposes."""
    rng = np.random.default_rng(seed)
    small, big = shapes.input_shapes[0], shapes.result_shape
    u, v = rng.standard_normal(small), rng.standard_normal(big)
    lhs = float((tc.tensor(u).expand(big).numpy() * v).sum())
    rhs = float((u * tc.tensor(v).sum_to_size(small).numpy()).sum())
    assert lhs == pytest.approx(rhs, rel=1e-10, abs=1e-10)
    np.testing.assert_allclose(tc.tensor(v).sum_to_size(small).numpy(), unbroadcast(v, small), rtol=1e-12)


@settings(max_examples=25, deadline=None)
@given(
    batch=mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=2, max_side=3),
    n=st.integers(1, 3),
    k=st.integers(1, 3),
    m=st.integers(1, 3),
    seed=st.integers(0, 2**16),
)
def test_batched_matmul_gradients_reduce_to_input_shapes(batch, n, k, m, seed):
    rng = np.random.default_rng(seed)
    ba, bb = batch.input_shapes
    a, b = rng.standard_normal(ba + (n, k)), rng.standard_normal(bb + (k, m))
    x, y = tc.tensor(a, requires_grad=True), tc.tensor(b, requires_grad=True)
    out = x @ y
    np.testing.assert_allclose(out.detach().numpy(), a @ b, rtol=1e-12, atol=1e-12)
    upstream = rng.standard_normal(out.shape)
    out.backward(tc.tensor(upstream))
    np.testing.assert_allclose(x.grad.numpy(), unbroadcast(upstream @ np.swapaxes(b, -1, -2), a.shape), atol=1e-12)
    np.testing.assert_allclose(y.grad.numpy(), unbroadcast(np.swapaxes(a, -1, -2) @ upstream, b.shape), atol=1e-12)
