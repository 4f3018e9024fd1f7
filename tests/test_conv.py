"""Convolution ops: values against SciPy / a loop reference / PyTorch, gradients (gradcheck, gradgradcheck,
adjoint identities, PyTorch), the graph they record, float32 and every bad input."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import signal

import tinygrad_cnn as tc
import tinygrad_cnn.functional as F
from tinygrad_cnn import Tensor


def leaf(a: np.ndarray) -> Tensor:
    return tc.tensor(np.asarray(a, dtype=np.float64), requires_grad=True)


def reference_conv2d(x, w, b=None, stride=1, padding=0, dilation=1, groups=1):
    """Direct summation over kernel offsets with einsum: independent of the im2col kernel."""
    s = (stride, stride) if np.isscalar(stride) else stride
    p = (padding, padding) if np.isscalar(padding) else padding
    d = (dilation, dilation) if np.isscalar(dilation) else dilation
    n, c, h, wd = x.shape
    o, cg, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (p[0], p[0]), (p[1], p[1])))
    ho = (h + 2 * p[0] - d[0] * (kh - 1) - 1) // s[0] + 1
    wo = (wd + 2 * p[1] - d[1] * (kw - 1) - 1) // s[1] + 1
    og = o // groups
    y = np.zeros((n, o, ho, wo))
    for g in range(groups):
        xs = xp[:, g * cg : (g + 1) * cg]
        for i in range(kh):
            for j in range(kw):
                rows = slice(i * d[0], i * d[0] + s[0] * (ho - 1) + 1, s[0])
                cols = slice(j * d[1], j * d[1] + s[1] * (wo - 1) + 1, s[1])
                patch = xs[:, :, rows, cols]
                y[:, g * og : (g + 1) * og] += np.einsum("nchw,oc->nohw", patch, w[g * og : (g + 1) * og, :, i, j])
    if b is not None:
        y += b.reshape(1, -1, 1, 1)
    return y


# ---------------------------------------------------------------------- correlate2d / convolve2d


PLANES = [((6, 7), (3, 3)), ((6, 7), (2, 2)), ((5, 8), (4, 3)), ((7, 5), (2, 5)), ((4, 4), (4, 4)), ((3, 4), (5, 6))]


@pytest.mark.parametrize("mode", ["valid", "full", "same"])
@pytest.mark.parametrize("xs,ks", PLANES)
def test_planes_equal_scipy(rng, xs, ks, mode):
    x, k = rng.standard_normal(xs), rng.standard_normal(ks)
    np.testing.assert_allclose(F.correlate2d(x, k, mode).numpy(), signal.correlate2d(x, k, mode), atol=1e-12)
    np.testing.assert_allclose(F.convolve2d(x, k, mode).numpy(), signal.convolve2d(x, k, mode), atol=1e-12)


def test_plane_defaults_and_dtype(rng):
    x = rng.standard_normal((5, 6)).astype(np.float32)
    k = rng.standard_normal((3, 2)).astype(np.float32)
    assert F.correlate2d(Tensor(x), Tensor(k)).shape == (3, 5)  # default: valid, the documents' layer
    y = F.convolve2d(Tensor(x), Tensor(k))  # default: full, as SciPy
    assert y.shape == (7, 7) and y.dtype == np.float32
    np.testing.assert_allclose(y.numpy(), signal.convolve2d(x, k), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("mode", ["valid", "full", "same"])
@pytest.mark.parametrize("xs,ks", [((4, 5), (2, 3)), ((4, 4), (3, 2)), ((2, 3), (3, 4))])
def test_plane_gradcheck(rng, xs, ks, mode):
    x, k = leaf(rng.standard_normal(xs)), leaf(rng.standard_normal(ks))
    for fn in (F.correlate2d, F.convolve2d):
        assert tc.gradcheck(lambda a, b, fn=fn: fn(a, b, mode), (x, k))
        assert tc.gradgradcheck(lambda a, b, fn=fn: fn(a, b, mode), (x, k))


def test_plane_backward_uses_the_documents_ops(rng):
    x, k = leaf(rng.standard_normal((5, 5))), leaf(rng.standard_normal((3, 3)))
    y = F.correlate2d(x, k)
    assert y.grad_fn.name() == "correlate2d" and y.grad_fn.attrs == {"mode": "valid"}
    gx, gk = tc.grad(y.sum(), (x, k), create_graph=True)
    assert gx.grad_fn.name() == "convolve2d" and gx.grad_fn.attrs["mode"] == "full"  # ∂L/∂X = G ∗full K
    assert gk.grad_fn.name() == "correlate2d" and gk.grad_fn.attrs["mode"] == "valid"  # ∂L/∂K = X ⋆ G


# ---------------------------------------------------------------------- conv2d values

CONV_CASES = [
    # (N, C, H, W, O, kh, kw, kwargs)
    (2, 3, 8, 7, 4, 3, 3, {}),
    (2, 3, 8, 7, 4, 3, 2, {"stride": 2, "padding": 1}),
    (1, 2, 9, 9, 2, 3, 3, {"stride": (2, 3), "padding": (0, 2)}),
    (2, 2, 9, 8, 3, 2, 3, {"dilation": 2, "padding": 1}),
    (2, 4, 7, 7, 6, 3, 3, {"groups": 2, "stride": 2}),
    (1, 6, 6, 5, 6, 3, 3, {"groups": 6, "padding": 1}),
    (2, 3, 7, 8, 4, 4, 2, {"padding": "same"}),
    (2, 3, 7, 8, 4, 3, 3, {"padding": "same", "dilation": (2, 1)}),
    (2, 3, 7, 8, 4, 3, 3, {"padding": "valid"}),
]


@pytest.mark.parametrize("n,c,h,w,o,kh,kw,kwargs", CONV_CASES)
def test_conv2d_values_and_adjoint_gradients(rng, n, c, h, w, o, kh, kw, kwargs):
    groups = kwargs.get("groups", 1)
    x = rng.standard_normal((n, c, h, w))
    wt = rng.standard_normal((o, c // groups, kh, kw))
    b = rng.standard_normal(o)
    X, W, B = leaf(x), leaf(wt), leaf(b)
    y = F.conv2d(X, W, B, **kwargs)
    if isinstance(kwargs.get("padding"), str):
        assert y.shape[2:] == ((h, w) if kwargs["padding"] == "same" else y.shape[2:])
    else:
        np.testing.assert_allclose(y.detach().numpy(), reference_conv2d(x, wt, b, **kwargs), atol=1e-12)
    g = rng.standard_normal(y.shape)
    y.backward(tc.tensor(g))
    # conv is linear in x and in w: <Y − B, G> = <X, ∂L/∂X> = <W, ∂L/∂W>, and ∂L/∂B = Σ G
    inner = float(((y.detach().numpy() - b.reshape(1, -1, 1, 1)) * g).sum())
    assert np.isclose((X.grad.numpy() * x).sum(), inner, atol=1e-9)
    assert np.isclose((W.grad.numpy() * wt).sum(), inner, atol=1e-9)
    np.testing.assert_allclose(B.grad.numpy(), g.sum(axis=(0, 2, 3)), atol=1e-12)


@pytest.mark.filterwarnings("ignore:Using padding='same'")
@pytest.mark.parametrize("n,c,h,w,o,kh,kw,kwargs", CONV_CASES)
def test_conv2d_matches_torch(rng, n, c, h, w, o, kh, kw, kwargs):
    torch = pytest.importorskip("torch")
    groups = kwargs.get("groups", 1)
    x = rng.standard_normal((n, c, h, w))
    wt = rng.standard_normal((o, c // groups, kh, kw))
    b = rng.standard_normal(o)
    X, W, B = leaf(x), leaf(wt), leaf(b)
    y = F.conv2d(X, W, B, **kwargs)
    xt, wtt, bt = (torch.tensor(a, requires_grad=True) for a in (x, wt, b))
    yt = torch.nn.functional.conv2d(xt, wtt, bt, **kwargs)
    np.testing.assert_allclose(y.detach().numpy(), yt.detach().numpy(), atol=1e-12)
    g = rng.standard_normal(y.shape)
    y.backward(tc.tensor(g))
    yt.backward(torch.tensor(g))
    for ours, theirs in ((X, xt), (W, wtt), (B, bt)):
        np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), atol=1e-10)


def test_conv2d_unbatched(rng):
    x, w = rng.standard_normal((2, 6, 6)), rng.standard_normal((3, 2, 3, 3))
    y = F.conv2d(leaf(x), leaf(w), padding=1)
    assert y.shape == (3, 6, 6)
    np.testing.assert_allclose(y.detach().numpy(), reference_conv2d(x[None], w, padding=1)[0], atol=1e-12)
    assert tc.gradcheck(lambda a, b: F.conv2d(a, b, stride=2), (leaf(x[:, :5, :5]), leaf(w)))


def test_conv2d_float32_stays_float32(rng):
    x = tc.tensor(rng.standard_normal((2, 3, 8, 8)).astype(np.float32), requires_grad=True)
    w = tc.tensor(rng.standard_normal((4, 3, 3, 3)).astype(np.float32), requires_grad=True)
    b = tc.tensor(np.zeros(4, dtype=np.float32), requires_grad=True)
    y = F.conv2d(x, w, b, stride=2, padding=1)
    assert y.dtype == np.float32
    y.sum().backward()
    assert x.grad.dtype == w.grad.dtype == b.grad.dtype == np.float32
    xs, ws = x.detach().numpy().astype(np.float64), w.detach().numpy().astype(np.float64)
    want = reference_conv2d(xs, ws, stride=2, padding=1)
    np.testing.assert_allclose(y.detach().numpy(), want, rtol=1e-4, atol=1e-4)


def test_conv2d_mixed_dtypes_promote(rng):
    x = Tensor(rng.standard_normal((1, 1, 5, 5)).astype(np.float32))
    w = tc.tensor(rng.standard_normal((1, 1, 3, 3)))
    assert F.conv2d(x, w).dtype == np.float64


# ---------------------------------------------------------------------- gradcheck / gradgradcheck


GRAD_CASES = [
    ((1, 2, 5, 5), (2, 2, 3, 3), {}, True),
    ((2, 1, 5, 4), (2, 1, 2, 2), {"stride": 2}, True),
    ((1, 2, 4, 5), (3, 2, 3, 2), {"padding": (1, 2)}, False),
    ((1, 2, 6, 5), (2, 2, 2, 2), {"dilation": (2, 1), "stride": (1, 2), "padding": 1}, True),
    ((1, 4, 4, 4), (4, 2, 2, 2), {"groups": 2, "stride": 2, "padding": 1}, True),
    ((1, 2, 4, 5), (2, 2, 2, 3), {"padding": "same"}, False),
]


@pytest.mark.parametrize("xs,ws,kwargs,bias", GRAD_CASES)
def test_conv2d_gradcheck_and_gradgradcheck(rng, xs, ws, kwargs, bias):
    inputs = [leaf(rng.standard_normal(xs)), leaf(rng.standard_normal(ws))]
    if bias:
        inputs.append(leaf(rng.standard_normal(ws[0])))

    def f(*args):
        return F.conv2d(*args, **kwargs) if bias else F.conv2d(args[0], args[1], None, **kwargs)

    assert tc.gradcheck(f, inputs)
    assert tc.gradgradcheck(f, inputs)


TRANSPOSE_CASES = [
    ((1, 2, 3, 3), (2, 2, 2, 3), {}),
    ((1, 2, 3, 4), (2, 1, 3, 2), {"stride": 2, "padding": 1, "output_padding": 1}),
    ((2, 4, 2, 3), (4, 1, 2, 2), {"stride": (1, 2), "groups": 2, "dilation": (2, 1)}),
    ((1, 2, 3, 3), (2, 2, 2, 2), {"stride": 2, "dilation": 3, "output_padding": 2}),
]


@pytest.mark.parametrize("xs,ws,kwargs", TRANSPOSE_CASES)
def test_conv_transpose2d_gradcheck(rng, xs, ws, kwargs):
    groups = kwargs.get("groups", 1)
    inputs = (leaf(rng.standard_normal(xs)), leaf(rng.standard_normal(ws)), leaf(rng.standard_normal(ws[1] * groups)))
    f = lambda a, b, c: F.conv_transpose2d(a, b, c, **kwargs)  # noqa: E731
    assert tc.gradcheck(f, inputs)
    assert tc.gradgradcheck(f, inputs)


@pytest.mark.parametrize("xs,ws,kwargs", TRANSPOSE_CASES)
def test_conv_transpose2d_matches_torch(rng, xs, ws, kwargs):
    torch = pytest.importorskip("torch")
    groups = kwargs.get("groups", 1)
    arrays = (rng.standard_normal(xs), rng.standard_normal(ws), rng.standard_normal(ws[1] * groups))
    ours = [leaf(a) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    y = F.conv_transpose2d(*ours, **kwargs)
    yt = torch.nn.functional.conv_transpose2d(*theirs, **kwargs)
    np.testing.assert_allclose(y.detach().numpy(), yt.detach().numpy(), atol=1e-12)
    g = rng.standard_normal(y.shape)
    y.backward(tc.tensor(g))
    yt.backward(torch.tensor(g))
    for a, t in zip(ours, theirs):
        np.testing.assert_allclose(a.grad.numpy(), t.grad.numpy(), atol=1e-10)


def test_conv_transpose2d_is_the_input_gradient(rng):
    """conv_transpose2d(G, K) equals ∂⟨conv2d(X, K), G⟩/∂X: the documents' Σᵢ ∂L/∂Yᵢ ∗full Kᵢⱼ."""
    x, w = leaf(rng.standard_normal((2, 3, 7, 7))), tc.tensor(rng.standard_normal((4, 3, 3, 3)))
    y = F.conv2d(x, w, stride=2, padding=1)
    g = rng.standard_normal(y.shape)
    y.backward(tc.tensor(g))
    ct = F.conv_transpose2d(tc.tensor(g), w, stride=2, padding=1, output_padding=0)
    np.testing.assert_allclose(ct.numpy(), x.grad.numpy(), atol=1e-12)


def test_conv2d_weight_public_op(rng):
    x, g = rng.standard_normal((2, 3, 7, 6)), rng.standard_normal((2, 4, 3, 2))
    kw = {"stride": 2, "padding": (0, 1), "dilation": (1, 2)}
    gw = F.conv2d_weight(tc.tensor(x), (4, 3, 3, 3), tc.tensor(g), **kw)
    w = leaf(np.zeros((4, 3, 3, 3)))
    F.conv2d(tc.tensor(x), w, **kw).backward(tc.tensor(g))
    np.testing.assert_allclose(gw.numpy(), w.grad.numpy(), atol=1e-12)
    assert gw.shape == (4, 3, 3, 3)
    assert tc.gradcheck(lambda a, b: F.conv2d_weight(a, (4, 3, 3, 3), b, **kw), (leaf(x), leaf(g)))
    assert tc.gradgradcheck(lambda a, b: F.conv2d_weight(a, (4, 3, 3, 3), b, **kw), (leaf(x[:1]), leaf(g[:1])))
    torch = pytest.importorskip("torch")
    ref = torch.nn.grad.conv2d_weight(torch.tensor(x), (4, 3, 3, 3), torch.tensor(g), **kw)
    np.testing.assert_allclose(gw.numpy(), ref.numpy(), atol=1e-12)


# ---------------------------------------------------------------------- property test


@settings(max_examples=30, deadline=None)
@given(
    n=st.integers(1, 2),
    cg=st.integers(1, 3),
    og=st.integers(1, 3),
    groups=st.integers(1, 2),
    h=st.integers(1, 9),
    w=st.integers(1, 9),
    kh=st.integers(1, 4),
    kw=st.integers(1, 4),
    sh=st.integers(1, 3),
    sw=st.integers(1, 3),
    ph=st.integers(0, 2),
    pw=st.integers(0, 2),
    dh=st.integers(1, 3),
    dw=st.integers(1, 2),
    seed=st.integers(0, 2**16),
)
def test_conv2d_property(n, cg, og, groups, h, w, kh, kw, sh, sw, ph, pw, dh, dw, seed):
    if dh * (kh - 1) + 1 > h + 2 * ph or dw * (kw - 1) + 1 > w + 2 * pw:
        with pytest.raises(ValueError, match="can't be greater than the padded input"):
            F.conv2d(tc.tensor(np.zeros((n, cg * groups, h, w))), tc.tensor(np.zeros((og * groups, cg, kh, kw))),
                     stride=(sh, sw), padding=(ph, pw), dilation=(dh, dw), groups=groups)
        return
    r = np.random.default_rng(seed)
    x = r.standard_normal((n, cg * groups, h, w))
    wt = r.standard_normal((og * groups, cg, kh, kw))
    b = r.standard_normal(og * groups)
    kwargs = {"stride": (sh, sw), "padding": (ph, pw), "dilation": (dh, dw), "groups": groups}
    X, W, B = leaf(x), leaf(wt), leaf(b)
    y = F.conv2d(X, W, B, **kwargs)
    np.testing.assert_allclose(y.detach().numpy(), reference_conv2d(x, wt, b, **kwargs), atol=1e-11)
    g = r.standard_normal(y.shape)
    y.backward(tc.tensor(g))
    inner = float(((y.detach().numpy() - b.reshape(1, -1, 1, 1)) * g).sum())
    assert np.isclose((X.grad.numpy() * x).sum(), inner, atol=1e-9)
    assert np.isclose((W.grad.numpy() * wt).sum(), inner, atol=1e-9)
    np.testing.assert_allclose(B.grad.numpy(), g.sum(axis=(0, 2, 3)), atol=1e-11)
    # each gradient is itself linear in G: ∂L/∂X for 2G is twice ∂L/∂X for G (no hidden state)
    gx2, gw2 = tc.grad(F.conv2d(X, W, B, **kwargs), (X, W), tc.tensor(2 * g))
    np.testing.assert_allclose(gx2.numpy(), 2 * X.grad.numpy(), atol=1e-10)
    np.testing.assert_allclose(gw2.numpy(), 2 * W.grad.numpy(), atol=1e-10)


# ---------------------------------------------------------------------- the recorded graph


def test_conv2d_graph_names_attrs_and_backward_ops(rng):
    x, w, b = leaf(rng.standard_normal((1, 2, 7, 7))), leaf(rng.standard_normal((3, 2, 3, 3))), leaf(np.zeros(3))
    y = F.conv2d(x, w, b, stride=2, padding=1, dilation=1)
    node = y.grad_fn
    assert node.name() == "conv2d"
    assert node.attrs == {"stride": (2, 2), "padding": (1, 1), "dilation": (1, 1), "groups": 1}
    assert node.inputs[0] is x and node.inputs[1] is w and node.inputs[2] is b
    gx, gw, gb = tc.grad((y * y).sum(), (x, w, b), create_graph=True)
    names = {t.grad_fn.name() for t in (gx, gw)}
    assert names == {"conv_transpose2d", "conv2d_weight"}
    assert gx.grad_fn.attrs["stride"] == (2, 2) and gw.grad_fn.attrs["padding"] == (1, 1)
    assert gb.grad_fn.name() == "sum"
    # double backward through both gradient ops: a Hessian-vector product runs and is finite
    hv = tc.grad((gx * gx).sum() + (gw * gw).sum(), (x, w))
    assert all(np.isfinite(h.numpy()).all() for h in hv)


@pytest.mark.parametrize("block_bytes,workers", [(1, 1), (3000, 2), (1 << 30, 1), (1 << 30, 3)])
def test_conv_kernels_blocked_over_samples(rng, monkeypatch, block_bytes, workers):
    """The kernels work on cache-sized blocks of samples, on worker threads: every split agrees."""
    from tinygrad_cnn.kernels import execution

    monkeypatch.setattr(execution, "BLOCK_BYTES", block_bytes)
    monkeypatch.setattr(execution, "PARALLEL_BYTES", 0)  # share even these small ops among the workers
    before = tc.get_num_threads()
    tc.set_num_threads(workers)
    try:
        for h in (5, 9, 20, 66):  # channel-major and per-sample kernel gradients; both col2im layouts
            x = rng.standard_normal((5, 4, h, h))
            w = rng.standard_normal((6, 2, 3, 3))
            kwargs = {"stride": 2, "padding": 1, "groups": 2}
            X, W = leaf(x), leaf(w)
            y = F.conv2d(X, W, **kwargs)
            np.testing.assert_allclose(y.detach().numpy(), reference_conv2d(x, w, **kwargs), atol=1e-12)
            g = rng.standard_normal(y.shape)
            y.backward(tc.tensor(g))
            inner = float((y.detach().numpy() * g).sum())
            assert np.isclose((X.grad.numpy() * x).sum(), inner) and np.isclose((W.grad.numpy() * w).sum(), inner)
    finally:
        tc.set_num_threads(before)


@pytest.mark.parametrize("kernel, stride, dilation", [((3, 3), (1, 1), (1, 1)), ((2, 3), (2, 1), (1, 2))])
def test_batch_last_col2im_is_the_strided_adds_as_one_sparse_product(rng, kernel, stride, dilation):
    """The sparse scatter gives the strided-add col2im's sums bit for bit, in float32 and float64."""
    from tinygrad_cnn.kernels import im2col

    c, n, out_hw = 3, 4, (5, 4)
    padded = tuple(dilation[a] * (kernel[a] - 1) + stride[a] * (out_hw[a] - 1) + 1 + a for a in range(2))
    for dtype in (np.float32, np.float64):
        dcols = rng.standard_normal((c, *kernel, *out_hw, n)).astype(dtype)
        fast = im2col.col2im_batch_last(dcols.reshape(-1, n), c, padded, kernel, out_hw, stride, dilation)
        adds = im2col.col2im(np.ascontiguousarray(dcols.transpose(0, 1, 2, 5, 3, 4)), padded, kernel, stride,
                             dilation)
        assert fast.dtype == dtype and fast.shape == (c, *padded, n)
        np.testing.assert_array_equal(fast, adds.transpose(0, 2, 3, 1))


def test_conv2d_input_and_kernel_gradients_side_by_side(rng, monkeypatch):
    """A plain backward computes a layer's ∂L/∂X and ∂L/∂K in one kernel call, which overlaps them on two
    threads: same values, nothing recorded; a create_graph backward computes them in order, as graph ops."""
    import threading

    from tinygrad_cnn.kernels import conv as kc
    from tinygrad_cnn.kernels import execution

    seen = []  # the thread of each kernel-gradient computation
    conv_weight = kc.conv_weight

    def watched(*args, **kwargs):
        seen.append(threading.get_ident())
        return conv_weight(*args, **kwargs)

    monkeypatch.setattr(kc, "conv_weight", watched)
    before = tc.get_num_threads()
    tc.set_num_threads(2)
    x, w, b = rng.standard_normal((3, 4, 9, 9)), rng.standard_normal((6, 2, 3, 3)), rng.standard_normal(6)
    kwargs = {"stride": 2, "padding": 1, "groups": 2}
    grads = {}
    try:
        for side_by_side in (False, True):
            monkeypatch.setattr(execution, "CONCURRENT_BYTES", 0 if side_by_side else 1 << 62)
            X, W, B = leaf(x), leaf(w), leaf(b)
            F.conv2d(X, W, B, **kwargs).pow(2).sum().backward()
            assert all(t.grad.grad_fn is None and not t.grad.requires_grad for t in (X, W, B))
            grads[side_by_side] = [t.grad.numpy() for t in (X, W, B)]
    finally:
        tc.set_num_threads(before)
    main = threading.get_ident()
    assert seen[0] == main and seen[1] != main
    for a, b_ in zip(grads[False], grads[True]):
        np.testing.assert_allclose(a, b_, rtol=1e-13, atol=1e-13)
    X, W = leaf(x), leaf(w)
    gx, gw = tc.grad(F.conv2d(X, W, tc.tensor(b), **kwargs).pow(2).sum(), (X, W), create_graph=True)
    assert (gx.grad_fn.name(), gw.grad_fn.name()) == ("conv_transpose2d", "conv2d_weight")
    np.testing.assert_allclose(gx.detach().numpy(), grads[True][0], rtol=1e-13, atol=1e-13)


def test_conv2d_saved_tensors_freed_after_backward(rng):
    x = tc.tensor(rng.standard_normal((2, 2, 6, 6)))
    w = leaf(rng.standard_normal((3, 2, 3, 3)))
    y = F.conv2d(x, w)
    assert len(y.grad_fn.saved_arrays) >= 2
    y.sum().backward(retain_graph=True)
    g1 = w.grad.numpy().copy()
    y.sum().backward()  # retained: the cached columns are still there
    np.testing.assert_allclose(w.grad.numpy(), 2 * g1)
    assert y.grad_fn.saved_arrays == []
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        y.sum().backward()


def test_conv2d_no_grad_records_nothing(rng):
    w = leaf(rng.standard_normal((3, 2, 3, 3)))
    with tc.no_grad():
        y = F.conv2d(tc.tensor(rng.standard_normal((1, 2, 5, 5))), w)
    assert y.grad_fn is None and not y.requires_grad


# ---------------------------------------------------------------------- bad input

ERRORS = [
    (lambda: F.conv2d(tc.tensor(np.zeros((2, 3, 8, 8))), tc.tensor(np.zeros((4, 1, 3, 3)))), ValueError,
     r"weight \(4, 1, 3, 3\) expects 1 input channel, got input \(2, 3, 8, 8\) with 3"),
    (lambda: F.conv2d(tc.tensor(np.zeros((8, 8))), tc.tensor(np.zeros((4, 1, 3, 3)))),
     ValueError, r"got shape \(8, 8\)"),
    (lambda: F.conv2d(tc.tensor(np.zeros((1, 1, 8, 8))), tc.tensor(np.zeros((4, 3, 3)))),
     ValueError, r"4-D.*\(4, 3, 3\)"),
    (lambda: F.conv2d(tc.tensor(np.zeros((1, 1, 3, 3))), tc.tensor(np.zeros((1, 1, 5, 5)))), ValueError,
     r"kernel size \(5, 5\) can't be greater than the padded input size \(3, 3\)"),
    (lambda: F.conv2d(tc.tensor(np.zeros((1, 1, 4, 4))), tc.tensor(np.zeros((1, 1, 3, 3))), dilation=2), ValueError,
     r"\(5, 5\) once dilated"),
    (lambda: F.conv2d(tc.tensor(np.zeros((1, 1, 8, 8))), tc.tensor(np.zeros((1, 1, 3, 3))), stride=0), ValueError,
     "stride must be at least 1"),
    (lambda: F.conv2d(tc.tensor(np.zeros((1, 1, 8, 8))), tc.tensor(np.zeros((1, 1, 3, 3))), dilation=(1, 0)),
     ValueError,
     "dilation must be at least 1"),
    (lambda: F.conv2d(tc.tensor(np.zeros((1, 1, 8, 8))), tc.tensor(np.zeros((1, 1, 3, 3))), padding=-1), ValueError,
     "padding must be at least 0"),
    (lambda: F.conv2d(tc.tensor(np.zeros((1, 1, 8, 8))), tc.tensor(np.zeros((1, 1, 3, 3))), padding="same", stride=2),
     ValueError, "padding='same' is not supported for strided convolutions"),
    (lambda: F.conv2d(tc.tensor(np.zeros((1, 1, 8, 8))), tc.tensor(np.zeros((1, 1, 3, 3))), padding="full"), ValueError,
     "'valid' or 'same'"),
    (lambda: F.conv2d(tc.tensor(np.zeros((1, 1, 8, 8)), dtype=np.int64), tc.tensor(np.zeros((1, 1, 3, 3)))), TypeError,
     "floating-point input, got dtype int64"),
    (lambda: F.conv2d(tc.tensor(np.zeros((1, 2, 8, 8))), tc.tensor(np.zeros((2, 2, 3, 3))), tc.tensor(np.zeros(3))),
     ValueError,
     r"bias must have shape \(2,\)"),
    (lambda: F.conv2d(tc.tensor(np.zeros((1, 4, 8, 8))), tc.tensor(np.zeros((3, 2, 3, 3))), groups=2), ValueError,
     "divisible by groups"),
    (lambda: F.conv2d(tc.tensor(np.zeros((1, 4, 8, 8))), tc.tensor(np.zeros((4, 2, 3, 3))), groups=0), ValueError,
     "groups must be a positive integer"),
    (lambda: F.conv2d(tc.tensor(np.zeros((1, 4, 8, 8))), tc.tensor(np.zeros((4, 1, 3, 3))), groups=2), ValueError,
     r"expects 2 input channels \(1 per group × 2 groups\)"),
    (lambda: F.conv2d(tc.tensor(np.zeros((1, 1, 8, 8))), tc.tensor(np.zeros((1, 1, 3, 3))), stride=1.5), TypeError,
     "stride must be an int or a pair"),
    (lambda: F.conv2d("x", tc.tensor(np.zeros((1, 1, 3, 3)))), TypeError, "input"),
    (lambda: F.correlate2d(np.zeros((3, 4)), np.zeros((4, 3))), ValueError,
     r"at least as large as the other in every dimension, got in1 \(3, 4\) and in2 \(4, 3\)"),
    (lambda: F.correlate2d(np.zeros((3, 4)), np.zeros((2, 2)), "circular"), ValueError, "mode must be one of"),
    (lambda: F.convolve2d(np.zeros((3, 4, 1)), np.zeros((2, 2))), ValueError, r"2-D planes, got in1 \(3, 4, 1\)"),
    (lambda: F.conv_transpose2d(tc.tensor(np.zeros((1, 2, 3, 3))), tc.tensor(np.zeros((3, 1, 2, 2)))), ValueError,
     r"expects 3 input channels, got input \(1, 2, 3, 3\) with 2"),
    (lambda: F.conv_transpose2d(tc.tensor(np.zeros((1, 2, 3, 3))), tc.tensor(np.zeros((2, 1, 2, 2))), stride=2,
                                output_padding=2), ValueError, "output_padding"),
    (lambda: F.conv2d_weight(tc.tensor(np.zeros((1, 2, 5, 5))), (3, 2, 3, 3), tc.tensor(np.zeros((1, 3, 4, 4)))),
     ValueError, r"gives outputs of size \(3, 3\)"),
]


@pytest.mark.parametrize("call,exc,match", ERRORS)
def test_bad_input_messages(call, exc, match):
    with pytest.raises(exc, match=match):
        call()
