"""The activations (LeakyReLU, ELU, GELU, SiLU, Softplus, Hardtanh, ReLU6): values and gradients against
PyTorch (kinks included), first and second derivatives against finite differences, modules and errors."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_cnn as tc
import tinygrad_cnn.functional as F
from tinygrad_cnn import nn

# (name, our functional call, torch functional call given torch.nn.functional)
CASES = [
    ("leaky_relu", lambda x: F.leaky_relu(x), lambda tf, x: tf.leaky_relu(x)),
    ("leaky_relu 0.2", lambda x: F.leaky_relu(x, 0.2), lambda tf, x: tf.leaky_relu(x, 0.2)),
    ("elu", lambda x: F.elu(x), lambda tf, x: tf.elu(x)),
    ("elu α=0.5", lambda x: F.elu(x, alpha=0.5), lambda tf, x: tf.elu(x, alpha=0.5)),
    ("gelu", lambda x: F.gelu(x), lambda tf, x: tf.gelu(x)),
    ("gelu tanh", lambda x: F.gelu(x, approximate="tanh"), lambda tf, x: tf.gelu(x, approximate="tanh")),
    ("silu", lambda x: F.silu(x), lambda tf, x: tf.silu(x)),
    ("softplus", lambda x: F.softplus(x), lambda tf, x: tf.softplus(x)),
    ("softplus β=2 t=1", lambda x: F.softplus(x, beta=2.0, threshold=1.0),
     lambda tf, x: tf.softplus(x, beta=2.0, threshold=1.0)),
    ("hardtanh", lambda x: F.hardtanh(x), lambda tf, x: tf.hardtanh(x)),
    ("hardtanh -0.5..2", lambda x: F.hardtanh(x, -0.5, 2.0), lambda tf, x: tf.hardtanh(x, -0.5, 2.0)),
    ("relu6", lambda x: F.relu6(x), lambda tf, x: tf.relu6(x)),
]

# the kinks and edges of every function above, plus ordinary points
POINTS = np.array([-30.0, -7.0, -2.0, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0, 6.0, 7.0, 10.0, 25.0])


@pytest.mark.parametrize("name,ours,theirs", CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_values_and_gradients_match_pytorch(name, ours, theirs, dtype):
    torch = pytest.importorskip("torch")
    tf = torch.nn.functional
    data = np.concatenate([POINTS, np.random.default_rng(1).standard_normal(20) * 3]).astype(dtype)
    x = tc.tensor(data, requires_grad=True)
    y = ours(x)
    xt = torch.tensor(data, requires_grad=True)
    yt = theirs(tf, xt)
    assert y.dtype == np.dtype(dtype)
    tol = 1e-6 if dtype == "float32" else 1e-12
    np.testing.assert_allclose(y.detach().numpy(), yt.detach().numpy(), rtol=tol * 10, atol=tol)
    g = np.random.default_rng(2).standard_normal(data.shape).astype(dtype)
    y.backward(tc.tensor(g))
    yt.backward(torch.tensor(g))
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=tol * 10, atol=tol)


@pytest.mark.parametrize("name,ours,theirs", CASES, ids=[c[0] for c in CASES])
def test_second_derivative_matches_pytorch(name, ours, theirs):
    torch = pytest.importorskip("torch")
    data = np.concatenate([POINTS, np.random.default_rng(3).standard_normal(10)])
    x = tc.tensor(data, requires_grad=True)
    (g,) = tc.grad(ours(x).sum(), x, create_graph=True)
    (gg,) = tc.grad((g * g).sum(), x, allow_unused=True) if g.requires_grad else (None,)
    xt = torch.tensor(data, requires_grad=True)
    (gt,) = torch.autograd.grad(theirs(torch.nn.functional, xt).sum(), xt, create_graph=True)
    np.testing.assert_allclose(g.detach().numpy(), gt.detach().numpy(), rtol=1e-10, atol=1e-12)
    if gt.requires_grad:
        (ggt,) = torch.autograd.grad((gt * gt).sum(), xt)
        ours_gg = np.zeros_like(data) if gg is None else gg.numpy()
        np.testing.assert_allclose(ours_gg, ggt.numpy(), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("name,ours,theirs", CASES, ids=[c[0] for c in CASES])
def test_gradcheck_and_gradgradcheck(name, ours, theirs, rng):
    # away from the kinks at 0, ±1, -0.5, 2 and 6 so the finite-difference stencil never straddles one
    x = tc.tensor(rng.uniform(0.1, 0.4, (3, 4)) * rng.choice([-1.0, 1.0], (3, 4)) + rng.choice([0.0, 3.0], (3, 4)),
                  requires_grad=True)
    assert tc.gradcheck(ours, (x,))
    assert tc.gradgradcheck(ours, (x,))


def test_modules_call_their_functionals_and_print_as_pytorch():
    x = tc.tensor(np.linspace(-8, 8, 17))
    pairs = [
        (nn.LeakyReLU(0.2), F.leaky_relu(x, 0.2), "LeakyReLU(negative_slope=0.2)"),
        (nn.ELU(alpha=2.0, inplace=True), F.elu(x, 2.0), "ELU(alpha=2.0, inplace=True)"),
        (nn.GELU(approximate="tanh"), F.gelu(x, approximate="tanh"), "GELU(approximate='tanh')"),
        (nn.SiLU(), F.silu(x), "SiLU()"),
        (nn.Softplus(beta=2.0), F.softplus(x, 2.0), "Softplus(beta=2.0, threshold=20.0)"),
        (nn.Hardtanh(-2.0, 3.0), F.hardtanh(x, -2.0, 3.0), "Hardtanh(min_val=-2.0, max_val=3.0)"),
        (nn.ReLU6(), F.relu6(x), "ReLU6()"),
    ]
    for module, expected, text in pairs:
        np.testing.assert_array_equal(module(x.clone()).numpy(), expected.numpy())  # ELU(inplace=True) writes into x
        assert repr(module) == text
        assert list(module.parameters()) == [] and module.state_dict() == {}
    np.testing.assert_array_equal(nn.ReLU6()(x).numpy(), np.clip(x.numpy(), 0, 6))


def test_graph_names_are_the_public_op_names():
    x = tc.randn(3, requires_grad=True)
    for fn, name in [(F.leaky_relu, "leaky_relu"), (F.elu, "elu"), (F.gelu, "gelu"), (F.silu, "silu"),
                     (F.softplus, "softplus"), (F.hardtanh, "hardtanh"), (F.relu6, "relu6")]:
        assert fn(x).grad_fn.name() == name
        assert name in tc.viz.make_dot(fn(x)).source


def test_errors_match_pytorch():
    x = tc.randn(3)
    with pytest.raises(RuntimeError, match="approximate argument must be either none or tanh"):
        F.gelu(x, approximate="erf")
    with pytest.raises(ValueError, match="min_val cannot be greater than max_val"):
        F.hardtanh(x, 1.0, 0.0)
    with pytest.raises(AssertionError, match="must be greater than min_val"):
        nn.Hardtanh(1.0, 0.0)
    with pytest.raises(NotImplementedError, match="floating-point"):
        F.leaky_relu(tc.tensor(np.array([1, 2]), dtype="int64"))
    assert F.relu6(tc.tensor(np.array([-1, 3, 9]), dtype="int64")).tolist() == [0, 3, 6]
    with pytest.raises(TypeError, match="Tensor"):
        F.silu(np.ones(3))


def test_float32_large_inputs_stay_finite():
    x = tc.tensor(np.array([-1000.0, -100.0, 100.0, 1000.0], dtype=np.float32), requires_grad=True)
    for fn in (F.elu, F.silu, F.softplus, F.gelu):
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            y = fn(x)
        y.sum().backward()
        assert np.all(np.isfinite(y.detach().numpy())) and np.all(np.isfinite(x.grad.detach().numpy()))
        x.grad = None
