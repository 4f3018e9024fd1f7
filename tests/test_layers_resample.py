"""Adaptive pooling, interpolation (nearest, linear, bilinear ± align_corners, size or scale_factor), the
reflect/replicate/circular padding modes and nn.ConvTranspose2d against PyTorch; first and second
derivatives against finite differences."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_cnn as tc
import tinygrad_cnn.functional as F
from tinygrad_cnn import nn


def _compare(ours, theirs, shape, rng, torch, rtol=1e-10, atol=1e-12):
    """Values and input gradients (random upstream gradient) of ours vs theirs on the same float64 input."""
    data = rng.standard_normal(shape)
    x, xt = tc.tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
    y, yt = ours(x), theirs(xt)
    assert y.shape == tuple(yt.shape)
    np.testing.assert_allclose(y.detach().numpy(), yt.detach().numpy(), rtol=rtol, atol=atol)
    g = rng.standard_normal(y.shape)
    y.backward(tc.tensor(g))
    yt.backward(torch.tensor(g))
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=rtol, atol=atol)
    return y


ADAPTIVE = [((1, 2, 7, 9), 3), ((2, 3, 5, 5), (2, 4)), ((1, 1, 6, 4), (None, 3)), ((2, 1, 4, 4), 1),
            ((3, 5, 7), (4, 6)), ((1, 2, 3, 3), 5)]


@pytest.mark.parametrize("shape,size", ADAPTIVE)
def test_adaptive_pools_match_pytorch(shape, size, rng):
    torch = pytest.importorskip("torch")
    tf = torch.nn.functional
    _compare(lambda x: F.adaptive_avg_pool2d(x, size), lambda x: tf.adaptive_avg_pool2d(x, size), shape, rng, torch)
    _compare(lambda x: F.adaptive_max_pool2d(x, size), lambda x: tf.adaptive_max_pool2d(x, size), shape, rng, torch)
    data = rng.standard_normal(shape)
    _, idx = F.adaptive_max_pool2d(tc.tensor(data), size, return_indices=True)
    _, idx_t = tf.adaptive_max_pool2d(torch.tensor(data), size, return_indices=True)
    np.testing.assert_array_equal(idx.numpy(), idx_t.numpy())
    assert idx.dtype == np.int64
    out, idx2 = nn.AdaptiveMaxPool2d(size, return_indices=True)(tc.tensor(data))
    np.testing.assert_array_equal(idx2.numpy(), idx_t.numpy())


def test_adaptive_max_pool_ties_send_the_gradient_to_the_first_max():
    torch = pytest.importorskip("torch")
    data = np.zeros((1, 1, 4, 4))
    x, xt = tc.tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
    F.adaptive_max_pool2d(x, 3).sum().backward()
    torch.nn.functional.adaptive_max_pool2d(xt, 3).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), xt.grad.numpy())


INTERP = [
    ((1, 2, 4, 5), dict(scale_factor=2)),
    ((1, 2, 4, 5), dict(scale_factor=1.7)),
    ((1, 2, 5, 3), dict(scale_factor=(0.5, 2.5))),
    ((2, 1, 3, 4), dict(size=(7, 3))),
    ((2, 1, 6, 6), dict(size=4)),
    ((1, 2, 5, 4), dict(scale_factor=1.3, recompute_scale_factor=True)),
]


@pytest.mark.parametrize("shape,kw", INTERP)
@pytest.mark.parametrize("mode,corners", [("nearest", None), ("bilinear", False), ("bilinear", True),
                                          ("bilinear", None)])
def test_interpolate_matches_pytorch(shape, kw, mode, corners, rng):
    torch = pytest.importorskip("torch")
    tf = torch.nn.functional
    _compare(lambda x: F.interpolate(x, mode=mode, align_corners=corners, **kw),
             lambda x: tf.interpolate(x, mode=mode, align_corners=corners, **kw), shape, rng, torch)


@pytest.mark.parametrize("kw", [dict(scale_factor=3), dict(size=7), dict(scale_factor=0.6)])
@pytest.mark.parametrize("mode,corners", [("nearest", None), ("linear", False), ("linear", True)])
def test_interpolate_1d_matches_pytorch(kw, mode, corners, rng):
    torch = pytest.importorskip("torch")
    _compare(lambda x: F.interpolate(x, mode=mode, align_corners=corners, **kw),
             lambda x: torch.nn.functional.interpolate(x, mode=mode, align_corners=corners, **kw), (2, 3, 5), rng,
             torch)


def test_upsample_modules_match_pytorch(rng):
    torch = pytest.importorskip("torch")
    pairs = [(nn.Upsample(scale_factor=2), torch.nn.Upsample(scale_factor=2)),
             (nn.Upsample(size=(5, 7), mode="bilinear"), torch.nn.Upsample(size=(5, 7), mode="bilinear")),
             (nn.Upsample(scale_factor=1.5, mode="bilinear", align_corners=True),
              torch.nn.Upsample(scale_factor=1.5, mode="bilinear", align_corners=True)),
             (nn.UpsamplingNearest2d(scale_factor=3), torch.nn.UpsamplingNearest2d(scale_factor=3)),
             (nn.UpsamplingBilinear2d(size=6), torch.nn.UpsamplingBilinear2d(size=6))]
    for ours, theirs in pairs:
        assert repr(ours) == repr(theirs)
        _compare(ours, theirs, (2, 3, 4, 4), rng, torch)
    assert repr(nn.AdaptiveAvgPool2d((2, None))) == repr(torch.nn.AdaptiveAvgPool2d((2, None)))
    assert repr(nn.AdaptiveMaxPool2d(3)) == repr(torch.nn.AdaptiveMaxPool2d(3))


def test_interpolate_errors_match_pytorch():
    x = tc.randn(1, 1, 4, 4)
    with pytest.raises(ValueError, match="only one of size or scale_factor should be defined"):
        F.interpolate(x, size=3, scale_factor=2)
    with pytest.raises(ValueError, match="either size or scale_factor should be defined"):
        F.interpolate(x)
    with pytest.raises(ValueError, match="align_corners option can only be set with the interpolating modes"):
        F.interpolate(x, scale_factor=2, align_corners=True)
    with pytest.raises(NotImplementedError, match="bilinear mode needs 4D input"):
        F.interpolate(tc.randn(1, 2, 4), scale_factor=2, mode="bilinear")
    with pytest.raises(ValueError, match="same number of spatial dimensions"):
        F.interpolate(x, size=(2, 3, 4))


PADS = [
    ("reflect", (2, 1), (2, 3, 5)),
    ("reflect", (1, 2, 2, 1), (1, 2, 4, 5)),
    ("reflect", (3, 3, 1, 0), (2, 4, 4)),
    ("reflect", (1, 1, 1, 1, 1, 1), (1, 2, 3, 3, 3)),
    ("replicate", (3, 0), (2, 3, 2)),
    ("replicate", (4, 2, 0, 5), (1, 2, 3, 3)),
    ("replicate", (1, 2, 3, 0, 1, 1), (1, 2, 3, 2, 2)),
    ("circular", (2, 3), (2, 3, 4)),
    ("circular", (1, 2, 3, 1), (1, 2, 3, 4)),
    ("reflect", (-1, 2, 1, -1), (1, 1, 4, 5)),
    ("replicate", (-1, 2, 0, 0), (1, 1, 4, 5)),
    ("circular", (-1, 2, 0, 0), (1, 1, 4, 5)),
    ("circular", (2, -1, -2, 1), (1, 1, 4, 5)),
]


@pytest.mark.parametrize("mode,pad,shape", PADS)
def test_pad_modes_match_pytorch(mode, pad, shape, rng):
    torch = pytest.importorskip("torch")
    _compare(lambda x: F.pad(x, pad, mode=mode), lambda x: torch.nn.functional.pad(x, pad, mode=mode), shape, rng,
             torch)


def test_pad_errors_match_pytorch():
    x = tc.randn(1, 1, 3, 3)
    with pytest.raises(RuntimeError, match="Padding size should be less than the corresponding input dimension"):
        F.pad(x, (3, 3, 0, 0), mode="reflect")
    with pytest.raises(RuntimeError, match="wrapping around more than once"):
        F.pad(x, (4, 4, 1, 1), mode="circular")
    with pytest.raises(NotImplementedError, match="Padding size 2 is not supported for 4D input tensor"):
        F.pad(x, (1, 1), mode="reflect")
    with pytest.raises(RuntimeError, match="doesn't take in value argument"):
        F.pad(x, (1, 1, 1, 1), mode="replicate", value=2.0)
    with pytest.raises(NotImplementedError, match="Unrecognised padding mode foo"):
        F.pad(x, (1, 1), mode="foo")
    np.testing.assert_array_equal(F.pad(x, (1, 1), value=2.0).numpy()[..., 0], 2.0)  # constant still works
    assert F.pad(x, (1, 1, 1, 1), mode="reflect", value=0.0).shape == (1, 1, 5, 5)


GRADCHECK = [
    ("adaptive_avg_pool2d", lambda x: F.adaptive_avg_pool2d(x, (2, 3))),
    ("adaptive_max_pool2d", lambda x: F.adaptive_max_pool2d(x, (3, 2))),
    ("nearest", lambda x: F.interpolate(x, scale_factor=1.5)),
    ("bilinear", lambda x: F.interpolate(x, size=(5, 3), mode="bilinear")),
    ("bilinear corners", lambda x: F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=True)),
    ("reflect", lambda x: F.pad(x, (2, 1, 1, 2), mode="reflect")),
    ("replicate", lambda x: F.pad(x, (2, 1, 3, 0), mode="replicate")),
    ("circular", lambda x: F.pad(x, (2, 1, 1, 2), mode="circular")),
]


@pytest.mark.parametrize("name,fn", GRADCHECK, ids=[g[0] for g in GRADCHECK])
def test_gradcheck_and_gradgradcheck(name, fn, rng):
    x = tc.tensor(rng.standard_normal((1, 2, 4, 5)), requires_grad=True)
    assert tc.gradcheck(lambda x: fn(x) ** 2, (x,))
    assert tc.gradgradcheck(lambda x: fn(x) ** 2, (x,))


def test_graph_names(rng):
    x = tc.randn(1, 1, 4, 4, requires_grad=True)
    names = {
        "adaptive_avg_pool2d": F.adaptive_avg_pool2d(x, 2), "adaptive_max_pool2d": F.adaptive_max_pool2d(x, 2),
        "upsample_nearest2d": F.interpolate(x, scale_factor=2),
        "upsample_bilinear2d": F.interpolate(x, scale_factor=2, mode="bilinear"),
        "reflection_pad": F.pad(x, (1, 1, 1, 1), mode="reflect"),
        "replication_pad": F.pad(x, (1, 1, 1, 1), mode="replicate"),
    }
    for name, y in names.items():
        assert y.grad_fn.name() == name
        assert name in tc.viz.make_dot(y).source
        (g,) = tc.grad((y * y).sum(), x, create_graph=True)
        assert g.grad_fn.name() == name + "_backward"


@pytest.mark.parametrize("kw", [
    dict(in_channels=2, out_channels=3, kernel_size=3),
    dict(in_channels=2, out_channels=4, kernel_size=4, stride=2, padding=1),
    dict(in_channels=4, out_channels=2, kernel_size=(3, 2), stride=(2, 1), padding=(1, 0), output_padding=(1, 0),
         groups=2, bias=False),
    dict(in_channels=2, out_channels=2, kernel_size=3, dilation=2, stride=3, output_padding=2),
])
def test_conv_transpose2d_module_matches_pytorch(kw, rng):
    torch = pytest.importorskip("torch")
    ours = nn.ConvTranspose2d(**kw).double()
    theirs = torch.nn.ConvTranspose2d(**kw, dtype=torch.float64)
    assert repr(ours) == repr(theirs)
    assert ours.weight.shape == tuple(theirs.weight.shape)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    theirs.load_state_dict({k: torch.tensor(v.numpy()) for k, v in ours.state_dict().items()})
    data = rng.standard_normal((2, kw["in_channels"], 4, 5))
    x, xt = tc.tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
    y, yt = ours(x), theirs(xt)
    np.testing.assert_allclose(y.detach().numpy(), yt.detach().numpy(), rtol=1e-10, atol=1e-12)
    g = rng.standard_normal(y.shape)
    y.backward(tc.tensor(g))
    yt.backward(torch.tensor(g))
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=1e-10, atol=1e-12)
    for p, tp in zip(ours.parameters(), theirs.parameters()):
        np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_conv_transpose2d_default_init_and_output_size():
    torch = pytest.importorskip("torch")
    tc.manual_seed(0)
    m = nn.ConvTranspose2d(8, 6, 3, groups=2)
    bound = 1 / np.sqrt(3 * 3 * 3)  # fan_in = (out_channels / groups) · kH · kW, as PyTorch's layout gives
    w = m.weight.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.8 * bound  # kaiming_uniform(a=√5): U(±1/√fan_in)
    assert np.abs(m.bias.detach().numpy()).max() <= bound
    up = nn.ConvTranspose2d(1, 1, 3, stride=2, padding=1)
    tup = torch.nn.ConvTranspose2d(1, 1, 3, stride=2, padding=1)
    assert up(tc.randn(1, 1, 4, 4), output_size=(8, 8)).shape == (1, 1, 8, 8)
    assert tuple(tup(torch.randn(1, 1, 4, 4), output_size=(8, 8)).shape) == (1, 1, 8, 8)
    with pytest.raises(ValueError, match="output size"):
        up(tc.randn(1, 1, 4, 4), output_size=(10, 10))
    with pytest.raises(ValueError, match="divisible by groups"):
        nn.ConvTranspose2d(3, 4, 3, groups=2)


def test_random_geometries_match_pytorch():
    """Random sizes and scale factors: PyTorch's index formulas (float32 nearest, clamped bilinear sources)."""
    torch = pytest.importorskip("torch")
    tf = torch.nn.functional
    rng = np.random.default_rng(11)
    for _ in range(150):
        h, w = rng.integers(1, 9, 2)
        data = rng.standard_normal((1, 2, h, w))
        x, xt = tc.tensor(data), torch.tensor(data)
        if rng.random() < 0.5:
            kw = {"size": tuple(int(s) for s in rng.integers(1, 13, 2))}
        else:
            kw = {"scale_factor": tuple(float(np.round(s, 2)) for s in rng.uniform(0.6, 3.2, 2))}
            if any(np.floor(n * s) < 1 for n, s in zip((h, w), kw["scale_factor"])):
                continue
        for mode, corners in (("nearest", None), ("bilinear", False), ("bilinear", True)):
            np.testing.assert_allclose(F.interpolate(x, mode=mode, align_corners=corners, **kw).numpy(),
                                       tf.interpolate(xt, mode=mode, align_corners=corners, **kw).numpy(),
                                       rtol=1e-10, atol=1e-12, err_msg=f"{mode} {corners} {kw} {(h, w)}")
        out = tuple(int(s) for s in rng.integers(1, 10, 2))
        np.testing.assert_allclose(F.adaptive_avg_pool2d(x, out).numpy(), tf.adaptive_avg_pool2d(xt, out).numpy(),
                                   rtol=1e-10, atol=1e-12)
        np.testing.assert_array_equal(F.adaptive_max_pool2d(x, out, return_indices=True)[1].numpy(),
                                      tf.adaptive_max_pool2d(xt, out, return_indices=True)[1].numpy())


def test_random_pads_match_pytorch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(12)
    for _ in range(100):
        h, w = (int(v) for v in rng.integers(1, 7, 2))
        mode = str(rng.choice(["reflect", "replicate", "circular"]))
        limit = {"reflect": (h - 1, w - 1), "replicate": (4, 4), "circular": (h, w)}[mode]
        pad = (int(rng.integers(0, limit[1] + 1)), int(rng.integers(0, limit[1] + 1)),
               int(rng.integers(0, limit[0] + 1)), int(rng.integers(0, limit[0] + 1)))
        data = rng.standard_normal((2, 1, h, w))
        np.testing.assert_array_equal(F.pad(tc.tensor(data), pad, mode=mode).numpy(),
                                      torch.nn.functional.pad(torch.tensor(data), pad, mode=mode).numpy(),
                                      err_msg=f"{mode} {pad} {(h, w)}")
