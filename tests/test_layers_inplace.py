"""``inplace=True`` on the layer activations and dropout writes into the input, as PyTorch's."""

import numpy as np
import pytest

import tinygrad_cnn as tc
import tinygrad_cnn.functional as F
from tinygrad_cnn import nn

torch = pytest.importorskip("torch")

CASES = [
    ("leaky_relu", {"negative_slope": 0.2}),
    ("elu", {"alpha": 0.7}),
    ("hardtanh", {"min_val": -0.5, "max_val": 0.8}),
    ("relu6", {}),
    ("silu", {}),
]


@pytest.mark.parametrize("name, kwargs", CASES, ids=[c[0] for c in CASES])
def test_inplace_activation_writes_into_a_non_leaf_and_differentiates_as_pytorch(name, kwargs):
    a = np.random.default_rng(0).standard_normal((3, 4)) * 4
    x = tc.tensor(a, requires_grad=True)
    y = x * 3
    z = getattr(F, name)(y, inplace=True, **kwargs)
    assert z is y and y._version == 1
    (z * z).sum().backward()
    xt = torch.tensor(a, requires_grad=True)
    yt = xt * 3
    zt = getattr(torch.nn.functional, name)(yt, inplace=True, **kwargs)
    (zt * zt).sum().backward()
    np.testing.assert_allclose(y.detach().numpy(), yt.detach().numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name, kwargs", CASES, ids=[c[0] for c in CASES])
def test_inplace_activation_on_a_leaf_that_requires_grad_raises_as_pytorch(name, kwargs):
    leaf = tc.tensor([1.0, -2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in an in-place"):
        getattr(F, name)(leaf, inplace=True, **kwargs)
    with tc.no_grad():
        out = getattr(F, name)(leaf, inplace=True, **kwargs)
    assert out is leaf


def test_modules_with_inplace_change_their_input():
    x = tc.tensor([[-1.0, 2.0]])
    assert nn.LeakyReLU(0.5, inplace=True)(x) is x
    np.testing.assert_array_equal(x.numpy(), [[-0.5, 2.0]])
    assert repr(nn.LeakyReLU(0.5, inplace=True)) == "LeakyReLU(negative_slope=0.5, inplace=True)"


def test_inplace_dropout_keeps_the_object_and_scales_the_survivors():
    tc.manual_seed(0)
    x = tc.tensor(np.ones((4, 5)), requires_grad=True)
    y = x * 1.0
    z = F.dropout(y, 0.5, training=True, inplace=True)
    assert z is y
    z.sum().backward()
    kept = z.detach().numpy() != 0
    np.testing.assert_array_equal(x.grad.numpy(), kept * 2.0)
    assert set(np.unique(z.detach().numpy())) <= {0.0, 2.0}
