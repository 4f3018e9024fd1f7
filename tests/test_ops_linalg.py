"""Matrix product in every 1-D/2-D/batched form, and F.linear: NumPy values, gradcheck, PyTorch parity."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_cnn as tc
import tinygrad_cnn.functional as F
from tinygrad_cnn import Tensor


def leaf(arr: np.ndarray) -> Tensor:
    return tc.tensor(np.asarray(arr, dtype=np.float64), requires_grad=True)


MATMUL_SHAPES = [
    ((3,), (3,)),  # dot product -> scalar
    ((3,), (3, 4)),  # vector @ matrix
    ((2, 3), (3,)),  # matrix @ vector
    ((2, 3), (3, 4)),
    ((5, 2, 3), (3, 4)),  # batched @ matrix
    ((2, 3), (5, 3, 4)),
    ((5, 2, 3), (5, 3, 4)),
    ((2, 1, 2, 3), (4, 3, 2)),  # batch dimensions broadcast
    ((3,), (2, 3, 4)),  # vector @ batch
    ((2, 4, 3), (3,)),  # batch @ vector
    ((4, 1), (1, 5)),  # inner dimension 1: an outer product (the input gradient of a 1-output linear layer)
    ((2, 4, 1), (3, 1, 1, 5)),  # outer products with broadcast batch dimensions
]


@pytest.mark.parametrize("shapes", MATMUL_SHAPES, ids=str)
def test_matmul_values_and_gradients(shapes, rng):
    sa, sb = shapes
    a, b = rng.standard_normal(sa), rng.standard_normal(sb)
    x, y = leaf(a), leaf(b)
    out = x @ y
    ref = np.matmul(a, b)
    assert out.shape == ref.shape
    np.testing.assert_allclose(out.detach().numpy(), ref, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(x.matmul(y).detach().numpy(), ref, rtol=1e-12, atol=1e-12)
    assert tc.gradcheck(lambda p, q: p @ q, (x, y))
    assert tc.gradgradcheck(lambda p, q: p @ q, (x, y))


def test_matmul_with_numpy_operands(rng):
    a, b = rng.standard_normal((2, 3)), rng.standard_normal((3, 2))
    x = leaf(a)
    np.testing.assert_allclose((x @ b).detach().numpy(), a @ b)
    np.testing.assert_allclose((b @ x).detach().numpy(), b @ a)
    (b @ x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), b.T @ np.ones((3, 3)))


def test_matmul_inner_dimension_mismatch_names_shapes():
    with pytest.raises(ValueError, match=r"\(2, 3\) and \(4, 5\).*3 vs 4"):
        tc.tensor(np.ones((2, 3))) @ tc.tensor(np.ones((4, 5)))
    with pytest.raises(ValueError, match=r"\(3,\) and \(2,\)"):
        tc.tensor(np.ones(3)) @ tc.tensor(np.ones(2))
    with pytest.raises(ValueError, match="batch dimensions"):
        tc.tensor(np.ones((2, 2, 3))) @ tc.tensor(np.ones((3, 3, 4)))
    with pytest.raises(ValueError, match="at least 1 dimension"):
        tc.tensor(2.0) @ tc.tensor(np.ones(2))


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("in_shape", [(4,), (3, 4), (2, 3, 4)], ids=str)
def test_linear_values_and_gradients(bias, in_shape, rng):
    x = leaf(rng.standard_normal(in_shape))
    w = leaf(rng.standard_normal((5, 4)))
    b = leaf(rng.standard_normal(5)) if bias else None
    ref = x.detach().numpy() @ w.detach().numpy().T + (b.detach().numpy() if bias else 0.0)
    np.testing.assert_allclose(F.linear(x, w, b).detach().numpy(), ref, rtol=1e-12)
    inputs = (x, w, b) if bias else (x, w)
    f = lambda *ts: F.linear(*ts)  # noqa: E731
    assert tc.gradcheck(f, inputs)
    assert tc.gradgradcheck(f, inputs)


def test_linear_argument_errors():
    x, w = tc.tensor(np.ones((2, 3))), tc.tensor(np.ones((4, 5)))
    with pytest.raises(ValueError, match=r"5 features.*\(2, 3\)"):
        F.linear(x, w)
    with pytest.raises(ValueError, match=r"\(4,\).*\(3,\)"):
        F.linear(tc.tensor(np.ones((2, 5))), w, tc.tensor(np.ones(3)))
    with pytest.raises(ValueError, match="2-D"):
        F.linear(x, tc.tensor(np.ones(3)))
    with pytest.raises(TypeError, match="Tensor"):
        F.linear(np.ones((2, 3)), w)


@pytest.mark.parametrize("shapes", MATMUL_SHAPES, ids=str)
def test_matmul_matches_torch(shapes, rng):
    torch = pytest.importorskip("torch")
    a, b = rng.standard_normal(shapes[0]), rng.standard_normal(shapes[1])
    x, y = leaf(a), leaf(b)
    ta, tb = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    out, ref = x @ y, ta @ tb
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), rtol=1e-12, atol=1e-12)
    seed = rng.standard_normal(ref.shape)
    out.backward(tc.tensor(seed))
    ref.backward(torch.tensor(seed))
    np.testing.assert_allclose(x.grad.numpy(), ta.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(y.grad.numpy(), tb.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_linear_matches_torch(rng):
    torch = pytest.importorskip("torch")
    arrays = [rng.standard_normal(s) for s in [(3, 4), (5, 4), (5,)]]
    ours = [leaf(a) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    out, ref = F.linear(*ours), torch.nn.functional.linear(*theirs)
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), rtol=1e-12)
    seed = rng.standard_normal(ref.shape)
    out.backward(tc.tensor(seed))
    ref.backward(torch.tensor(seed))
    for o, t in zip(ours, theirs):
        np.testing.assert_allclose(o.grad.numpy(), t.grad.numpy(), rtol=1e-10)
