"""Element-wise ops: values against NumPy/SciPy, gradcheck + gradgradcheck in float64, PyTorch parity."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from scipy import special

import tinygrad_cnn as tc
from tinygrad_cnn import Tensor


def leaf(arr: np.ndarray) -> Tensor:
    return tc.tensor(np.asarray(arr, dtype=np.float64), requires_grad=True)


def _signed(r: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Values of either sign, at least 0.2 away from the kink at 0."""
    return r.uniform(0.2, 2.0, shape) * r.choice([-1, 1], shape)


# name -> (our op, NumPy reference, input sampler); inputs stay away from kinks and domain edges
UNARY = {
    "neg": (lambda x: -x, np.negative, lambda r, s: r.standard_normal(s)),
    "exp": (lambda x: x.exp(), np.exp, lambda r, s: r.standard_normal(s)),
    "log": (lambda x: x.log(), np.log, lambda r, s: r.uniform(0.5, 3.0, s)),
    "sqrt": (lambda x: x.sqrt(), np.sqrt, lambda r, s: r.uniform(0.5, 3.0, s)),
    "abs": (lambda x: x.abs(), np.abs, lambda r, s: _signed(r, s)),
    "sigmoid": (lambda x: x.sigmoid(), special.expit, lambda r, s: r.standard_normal(s) * 3),
    "relu": (lambda x: x.relu(), lambda a: np.maximum(a, 0), lambda r, s: _signed(r, s)),
    "tanh": (lambda x: x.tanh(), np.tanh, lambda r, s: r.standard_normal(s)),
    "clamp": (lambda x: x.clamp(-0.5, 0.7), lambda a: np.clip(a, -0.5, 0.7), lambda r, s: r.uniform(-1.5, 1.5, s)),
    "clamp_min": (lambda x: x.clamp(min=0.1), lambda a: np.maximum(a, 0.1), lambda r, s: r.uniform(-1.5, 1.5, s)),
    "clamp_max": (lambda x: x.clamp(max=0.1), lambda a: np.minimum(a, 0.1), lambda r, s: r.uniform(-1.5, 1.5, s)),
    "pow2": (lambda x: x**2, np.square, lambda r, s: r.standard_normal(s)),
    "pow3": (lambda x: x**3, lambda a: a**3, lambda r, s: r.standard_normal(s)),
    "pow_half": (lambda x: x**0.5, np.sqrt, lambda r, s: r.uniform(0.5, 3.0, s)),
    "pow_neg": (lambda x: x**-1.5, lambda a: a**-1.5, lambda r, s: r.uniform(0.5, 3.0, s)),
    "pow0": (lambda x: x**0, np.ones_like, lambda r, s: r.standard_normal(s)),
    "rpow": (lambda x: 2.0**x, lambda a: 2.0**a, lambda r, s: r.standard_normal(s)),
    "rsub": (lambda x: 3.0 - x, lambda a: 3.0 - a, lambda r, s: r.standard_normal(s)),
    "rdiv": (lambda x: 3.0 / x, lambda a: 3.0 / a, lambda r, s: r.uniform(0.5, 3.0, s)),
    "add_scalar": (lambda x: x + 2, lambda a: a + 2, lambda r, s: r.standard_normal(s)),
    "mul_scalar": (lambda x: x * -1.5, lambda a: a * -1.5, lambda r, s: r.standard_normal(s)),
    "div_scalar": (lambda x: x / 4, lambda a: a / 4, lambda r, s: r.standard_normal(s)),
    "clone": (lambda x: x.clone(), np.copy, lambda r, s: r.standard_normal(s)),
}


@pytest.mark.parametrize("name", list(UNARY))
def test_unary_values_against_numpy(name, rng):
    op, ref, sample = UNARY[name]
    for shape in [(), (5,), (2, 3, 4)]:
        a = sample(rng, shape)
        out = op(tc.tensor(a))
        assert out.shape == np.shape(ref(a))
        np.testing.assert_allclose(out.numpy(), ref(a), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", list(UNARY))
def test_unary_gradcheck_and_gradgradcheck(name, rng):
    op, _, sample = UNARY[name]
    x = leaf(sample(rng, (2, 3)))
    assert tc.gradcheck(op, (x,))
    assert tc.gradgradcheck(op, (x,))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_unary_ops_keep_float32(dtype, rng):
    x = tc.tensor(rng.uniform(0.5, 2.0, (3,)).astype(dtype), requires_grad=True)
    for name, (op, _, _) in UNARY.items():
        y = op(x)
        assert y.dtype == dtype, name


BINARY = {
    "add": (lambda a, b: a + b, np.add),
    "sub": (lambda a, b: a - b, np.subtract),
    "mul": (lambda a, b: a * b, np.multiply),
    "div": (lambda a, b: a / b, np.divide),
    "pow": (lambda a, b: a**b, np.power),
    "maximum": (lambda a, b: tc.maximum(a, b), np.maximum),
}
SHAPE_PAIRS = [((3,), (3,)), ((2, 3), (3,)), ((2, 1), (1, 3)), ((4, 1, 3), (2, 1)), ((), (2, 2)), ((2, 3), ())]


def _binary_inputs(name, rng, sa, sb):
    a = rng.uniform(0.5, 2.0, sa)  # positive: pow's base, div's denominator
    b = rng.uniform(0.5, 2.0, sb) * (1.0 if name in ("pow", "div") else rng.choice([-1, 1], sb))
    return a, b


@pytest.mark.parametrize("name", list(BINARY))
@pytest.mark.parametrize("shapes", SHAPE_PAIRS, ids=str)
def test_binary_values_with_broadcasting(name, shapes, rng):
    op, ref = BINARY[name]
    a, b = _binary_inputs(name, rng, *shapes)
    out = op(tc.tensor(a), tc.tensor(b))
    np.testing.assert_allclose(out.numpy(), ref(a, b), rtol=1e-12)
    assert out.shape == np.broadcast_shapes(*shapes)


@pytest.mark.parametrize("name", list(BINARY))
@pytest.mark.parametrize("shapes", SHAPE_PAIRS, ids=str)
def test_binary_gradcheck_and_gradgradcheck(name, shapes, rng):
    op, _ = BINARY[name]
    a, b = _binary_inputs(name, rng, *shapes)
    x, y = leaf(a), leaf(b)
    assert tc.gradcheck(op, (x, y))
    assert tc.gradgradcheck(op, (x, y))


def test_binary_gradients_have_each_inputs_shape():
    a = leaf(np.ones((4, 1, 3)))
    b = leaf(np.ones((2, 1)))
    (a * b).sum().backward()
    assert a.grad.shape == (4, 1, 3) and b.grad.shape == (2, 1)
    np.testing.assert_array_equal(a.grad.numpy(), np.full((4, 1, 3), 2.0))  # summed over the stretched dim
    np.testing.assert_array_equal(b.grad.numpy(), np.full((2, 1), 12.0))


def test_numpy_array_operands_are_constants():
    a = leaf(np.arange(1.0, 4.0))
    y = a * np.array([1.0, 2.0, 3.0]) + np.ones(3)
    y.sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), [1.0, 2.0, 3.0])


def test_pow_with_tensor_exponent_at_zero_base_has_finite_gradient():
    base = leaf(np.array([0.0, 2.0]))
    exp = leaf(np.array([2.0, 3.0]))
    (base**exp).sum().backward()
    np.testing.assert_allclose(base.grad.numpy(), [0.0, 12.0])
    np.testing.assert_allclose(exp.grad.numpy(), [0.0, 8.0 * np.log(2.0)])


def test_rpow_tensor_exponent_gradient():
    x = leaf(np.array([0.0, 1.0, 2.5]))
    (3.0**x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 3.0 ** np.array([0.0, 1.0, 2.5]) * np.log(3.0))


def test_sigmoid_is_stable_at_extremes_without_warnings():
    x = leaf(np.array([-1000.0, -50.0, 0.0, 50.0, 1000.0]))
    with warnings.catch_warnings(), np.errstate(all="raise"):
        warnings.simplefilter("error")
        y = x.sigmoid()
        y.sum().backward()
    np.testing.assert_allclose(y.detach().numpy(), special.expit(x.detach().numpy()))
    assert y.detach().numpy()[0] == 0.0 and y.detach().numpy()[-1] == 1.0
    assert np.all(np.isfinite(x.grad.numpy()))
    np.testing.assert_allclose(x.grad.numpy()[2], 0.25)
    x32 = tc.tensor(np.array([-1000.0, 1000.0], dtype=np.float32), requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        x32.sigmoid().sum().backward()
    assert np.all(np.isfinite(x32.grad.numpy()))


def test_tanh_is_stable_at_extremes():
    x = leaf(np.array([-1000.0, 1000.0]))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        x.tanh().sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 0.0])


def test_kink_gradients_follow_pytorch():
    x = leaf(np.array([-1.0, 0.0, 1.0]))
    x.relu().sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 0.0, 1.0])
    x.grad = None
    x.abs().sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [-1.0, 0.0, 1.0])
    x.grad = None
    x.clamp(-1.0, 0.0).sum().backward()  # bounds included
    np.testing.assert_array_equal(x.grad.numpy(), [1.0, 1.0, 0.0])
    a, b = leaf(np.array([1.0, 2.0])), leaf(np.array([1.0, 3.0]))
    tc.maximum(a, b).sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), [0.5, 0.0])  # ties share the gradient
    np.testing.assert_array_equal(b.grad.numpy(), [0.5, 1.0])


def test_clamp_without_bounds_is_an_error():
    with pytest.raises(ValueError, match="min and max"):
        Tensor([1.0]).clamp()


def test_where_values_and_gradients(rng):
    cond = rng.random((3, 4)) > 0.5
    a, b = leaf(rng.standard_normal((3, 4))), leaf(rng.standard_normal((4,)))
    out = tc.where(cond, a, b)
    np.testing.assert_array_equal(out.detach().numpy(), np.where(cond, a.detach().numpy(), b.detach().numpy()))
    assert tc.gradcheck(lambda x, y: tc.where(cond, x, y), (a, b))
    assert tc.gradgradcheck(lambda x, y: tc.where(cond, x, y), (a, b))


def test_binary_broadcast_failure_names_both_shapes():
    with pytest.raises(ValueError, match=r"\(2, 3\) and \(4,\)"):
        tc.tensor(np.ones((2, 3))) + tc.tensor(np.ones(4))


# ---------------------------------------------------------------------- PyTorch parity


def _torch_grads(torch, fn_tc, fn_torch, arrays, rng):
    """Values and input gradients of both frameworks for one random upstream gradient."""
    ours = [leaf(a) for a in arrays]
    theirs = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in arrays]
    out, ref = fn_tc(*ours), fn_torch(*theirs)
    seed = rng.standard_normal(ref.shape)
    out.backward(tc.tensor(seed))
    ref.backward(torch.tensor(seed))
    return out, ref, ours, theirs


TORCH_UNARY = {
    "neg": lambda t: -t,
    "exp": lambda t: t.exp(),
    "log": lambda t: t.log(),
    "sqrt": lambda t: t.sqrt(),
    "abs": lambda t: t.abs(),
    "sigmoid": lambda t: t.sigmoid(),
    "relu": lambda t: t.relu(),
    "tanh": lambda t: t.tanh(),
    "clamp": lambda t: t.clamp(-0.5, 0.7),
    "pow3": lambda t: t**3,
    "pow_neg": lambda t: t**-1.5,
    "rpow": lambda t: 2.0**t,
    "rdiv": lambda t: 3.0 / t,
}


@pytest.mark.parametrize("name", list(TORCH_UNARY))
def test_unary_matches_torch(name, rng):
    torch = pytest.importorskip("torch")
    op, _, sample = UNARY[name]
    a = sample(rng, (3, 4))
    if name in ("relu", "abs", "clamp"):
        a[0, :3] = [0.0, -0.5, 0.7]  # the kinks themselves: PyTorch's subgradient choices
    out, ref, ours, theirs = _torch_grads(torch, op, TORCH_UNARY[name], [a], rng)
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(ours[0].grad.numpy(), theirs[0].grad.numpy(), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("name", list(BINARY))
def test_binary_matches_torch(name, rng):
    torch = pytest.importorskip("torch")
    op, _ = BINARY[name]
    a, b = _binary_inputs(name, rng, (4, 1, 3), (2, 1))
    if name == "maximum":
        b[0, 0] = a[0, 0, 0]  # a tie
        fn_torch = torch.maximum
    else:
        fn_torch = op
    out, ref, ours, theirs = _torch_grads(torch, op, fn_torch, [a, b], rng)
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), rtol=1e-12)
    for o, t in zip(ours, theirs):
        np.testing.assert_allclose(o.grad.numpy(), t.grad.numpy(), rtol=1e-10, atol=1e-12)
