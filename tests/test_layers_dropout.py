"""Dropout and Dropout2d: inverted scaling, identity in eval, masks repeatable under tc.manual_seed,
gradients through the same mask, PyTorch's errors and reprs."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_cnn as tc
import tinygrad_cnn.functional as F
from tinygrad_cnn import nn


def test_dropout_zeroes_and_scales_and_its_gradient_uses_the_same_mask():
    x = tc.ones(200, 50, requires_grad=True)
    y = F.dropout(x, 0.3)
    values = np.unique(y.detach().numpy())
    np.testing.assert_allclose(values, [0.0, 1 / 0.7], rtol=1e-6)
    kept = y.detach().numpy() != 0
    assert abs(kept.mean() - 0.7) < 0.02  # 10,000 Bernoulli draws
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), kept / 0.7, rtol=1e-6)
    assert y.grad_fn.name() == "dropout"


def test_dropout2d_drops_whole_channels():
    x = tc.ones(40, 30, 4, 5, requires_grad=True)
    y = F.dropout2d(x, 0.5)
    per_channel = y.detach().numpy().reshape(40, 30, -1)
    assert np.all(per_channel.min(-1) == per_channel.max(-1))  # each channel all kept or all dropped
    assert set(np.unique(per_channel)) <= {0.0, 2.0}
    assert 0.4 < (per_channel[..., 0] != 0).mean() < 0.6
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), y.detach().numpy())
    assert y.grad_fn.name() == "dropout2d"
    with pytest.warns(UserWarning, match="3D input"):
        assert F.dropout2d(tc.ones(2, 3, 4)).shape == (2, 3, 4)


def test_eval_mode_and_p0_are_the_identity():
    x = tc.randn(4, 3, 2, 2, requires_grad=True)
    for module in (nn.Dropout(0.5), nn.Dropout2d(0.5)):
        module.eval()
        assert module(x) is x
    assert F.dropout(x, 0.5, training=False) is x
    assert F.dropout(x, 0.0) is x
    assert F.dropout2d(x, 0.5, training=False) is x
    np.testing.assert_array_equal(F.dropout(x, 1.0).detach().numpy(), np.zeros(x.shape))


def test_masks_repeat_under_manual_seed():
    x = tc.ones(10, 10)
    tc.manual_seed(7)
    a = F.dropout(x).numpy()
    b = nn.Dropout2d()(tc.ones(3, 4, 2, 2)).numpy()
    tc.manual_seed(7)
    np.testing.assert_array_equal(F.dropout(x).numpy(), a)
    np.testing.assert_array_equal(nn.Dropout2d()(tc.ones(3, 4, 2, 2)).numpy(), b)
    assert not np.array_equal(F.dropout(x).numpy(), a)  # the generator moved on


def test_gradcheck_and_gradgradcheck_with_a_fixed_mask(rng):
    x = tc.tensor(rng.standard_normal((3, 4, 2, 2)), requires_grad=True)
    for fn in (F.dropout, F.dropout2d):
        def seeded(x, fn=fn):
            tc.manual_seed(3)  # the same mask on every evaluation of the finite differences
            return fn(x, 0.4)
        assert tc.gradcheck(seeded, (x,))
        assert tc.gradgradcheck(seeded, (x,))


def test_errors_and_reprs_match_pytorch():
    torch = pytest.importorskip("torch")
    for p in (-0.1, 1.5):
        with pytest.raises(ValueError, match=f"dropout probability has to be between 0 and 1, but got {p}"):
            F.dropout(tc.ones(2), p)
        with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1"):
            nn.Dropout(p)
        with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1"):
            torch.nn.Dropout(p)
    for args in ((), (0.2,), (0.1, True)):
        assert repr(nn.Dropout(*args)) == repr(torch.nn.Dropout(*args))
        assert repr(nn.Dropout2d(*args)) == repr(torch.nn.Dropout2d(*args))
    assert nn.Dropout().state_dict() == {}


def test_dropout_in_a_model_scales_like_pytorch():
    """Same mask → same numbers: our inverted scaling is PyTorch's (compare with PyTorch's mask)."""
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    data = np.arange(1.0, 201.0).reshape(20, 10)
    yt = torch.nn.functional.dropout(torch.tensor(data), 0.25).numpy()
    mask = yt != 0
    y = F.dropout(tc.tensor(data), 0.25).numpy()
    np.testing.assert_allclose(yt[mask], data[mask] / 0.75)
    np.testing.assert_allclose(y[y != 0], data[y != 0] / 0.75)
