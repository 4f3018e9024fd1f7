"""The proof: autodiff's conv gradients equal the documents' hand-derived closed forms, to 1e-10.

The second and third source documents derive, for Yᵢ = Bᵢ + Σⱼ Xⱼ ⋆ Kᵢⱼ:

    ∂L/∂Kᵢⱼ = Xⱼ ⋆ ∂L/∂Yᵢ            (correlate2d(input, output_gradient, 'valid'))
    ∂L/∂Bᵢ  = ∂L/∂Yᵢ                  (summed over positions and samples for a shared bias)
    ∂L/∂Xⱼ  = Σᵢ ∂L/∂Yᵢ ∗full Kᵢⱼ     (convolve2d(output_gradient, kernel, 'full'), cropped by the padding)

and max pooling's gradient: the upstream gradient at the position of each window's maximum.
Here those formulas are computed independently, per sample and per channel pair with SciPy loops
(exactly the second document's layer), and compared with what reverse-mode autodiff derived.
Strides go beyond the documents: the upstream gradient is zero-inserted (dilated) first.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import signal

import tinygrad_cnn as tc
import tinygrad_cnn.functional as F
from tinygrad_cnn import Tensor

TOL = 1e-10


def zero_insert(g: np.ndarray, stride: int) -> np.ndarray:
    """Put stride − 1 zeros between neighbouring elements of a 2-D plane (a strided output's gradient)."""
    if stride == 1:
        return g
    h, w = g.shape
    out = np.zeros(((h - 1) * stride + 1, (w - 1) * stride + 1), dtype=g.dtype)
    out[::stride, ::stride] = g
    return out


def loop_forward(x: np.ndarray, k: np.ndarray, b: np.ndarray, pad: int, stride: int) -> np.ndarray:
    """The second document's layer, plus stride: Σⱼ correlate2d(padded Xⱼ, Kᵢⱼ, 'valid'), subsampled."""
    n, c = x.shape[:2]
    o = k.shape[0]
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    outs = []
    for s in range(n):
        per = []
        for i in range(o):
            acc = sum(signal.correlate2d(xp[s, j], k[i, j], mode="valid") for j in range(c))
            per.append(acc[::stride, ::stride] + b[i])
        outs.append(per)
    return np.array(outs)


def closed_form_grads(x: np.ndarray, k: np.ndarray, gy: np.ndarray, pad: int, stride: int):
    """∂L/∂K, ∂L/∂B, ∂L/∂X from the documents' formulas, with zero insertion for strides."""
    n, c, h, w = x.shape
    o, _, kh, kw = k.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    gk = np.zeros_like(k)
    gx_p = np.zeros_like(xp)
    for s in range(n):
        for i in range(o):
            g = zero_insert(gy[s, i], stride)
            for j in range(c):
                # ∂L/∂Kᵢⱼ = Xⱼ ⋆ ∂L/∂Yᵢ — rows of X no window reached fall outside the first kh×kw
                gk[i, j] += signal.correlate2d(xp[s, j], g, mode="valid")[:kh, :kw]
                # ∂L/∂Xⱼ = Σᵢ ∂L/∂Yᵢ ∗full Kᵢⱼ (in padded coordinates)
                full = signal.convolve2d(g, k[i, j], mode="full")
                gx_p[s, j, : full.shape[0], : full.shape[1]] += full
    gb = gy.sum(axis=(0, 2, 3))
    gx = gx_p[:, :, pad : pad + h, pad : pad + w]  # the padding crops the input gradient
    return gk, gb, gx


CASES = [
    # (N, C, O, H, W, k, pad, stride)
    (1, 1, 1, 6, 6, 3, 0, 1),  # the documents' single channel
    (2, 3, 4, 7, 6, 3, 0, 1),  # multi-channel, multi-sample
    (2, 2, 3, 6, 7, 3, 1, 1),  # padding
    (2, 2, 3, 9, 8, 3, 0, 2),  # stride
    (2, 3, 2, 8, 9, 4, 2, 3),  # padding and stride, even kernel, unreached rows
    (3, 1, 3, 28, 28, 5, 0, 1),  # the first document's layer: 3 filters of 5×5 on a digit
]


@pytest.mark.parametrize("n,c,o,h,w,k,pad,stride", CASES)
def test_conv2d_gradients_equal_closed_forms(rng, n, c, o, h, w, k, pad, stride):
    x = rng.standard_normal((n, c, h, w))
    kern = rng.standard_normal((o, c, k, k))
    b = rng.standard_normal(o)
    X, K, B = (tc.tensor(a, requires_grad=True) for a in (x, kern, b))
    y = F.conv2d(X, K, B, stride=stride, padding=pad)
    np.testing.assert_allclose(y.detach().numpy(), loop_forward(x, kern, b, pad, stride), rtol=0, atol=TOL)
    gy = rng.standard_normal(y.shape)
    (y * tc.tensor(gy)).sum().backward()  # L = Σ Y ⊙ G, so ∂L/∂Y = G
    gk, gb, gx = closed_form_grads(x, kern, gy, pad, stride)
    np.testing.assert_allclose(K.grad.numpy(), gk, rtol=0, atol=TOL)
    np.testing.assert_allclose(B.grad.numpy(), gb, rtol=0, atol=TOL)
    np.testing.assert_allclose(X.grad.numpy(), gx, rtol=0, atol=TOL)


def test_seed_document_chain_rule(rng):
    """The first document's model: ∂E/∂f equals the hand chain rule with E = (y' − O)²/2."""
    x = rng.random((4, 1, 12, 12))
    f = rng.standard_normal((2, 1, 5, 5)) * 0.3
    wl = rng.standard_normal((1, 2 * 8 * 8)) * 0.1
    target = np.array([0.0, 1.0, 1.0, 0.0])
    X, Fk, W = tc.tensor(x), tc.tensor(f, requires_grad=True), tc.tensor(wl, requires_grad=True)
    a1 = F.conv2d(X, Fk).sigmoid()
    o = F.linear(a1.flatten(1), W).sigmoid().reshape(-1)
    e = ((tc.tensor(target) - o) ** 2 / 2).sum()
    e.backward()
    # by hand: Z1 = X ⋆ f, A1 = σ(Z1), Z2 = W·A1, O = σ(Z2)
    z1 = loop_forward(x, f, np.zeros(2), 0, 1)
    a1_ = 1 / (1 + np.exp(-z1))
    z2 = a1_.reshape(4, -1) @ wl.T
    o_ = 1 / (1 + np.exp(-z2[:, 0]))
    de_do = -(target - o_)  # ∂E/∂O = −(y' − O)
    de_dz2 = de_do * o_ * (1 - o_)  # ∂O/∂Z = O(1 − O)
    de_dw = de_dz2 @ a1_.reshape(4, -1)  # ∂Z2/∂W = A1
    de_da1 = (de_dz2[:, None] * wl).reshape(a1_.shape)  # ∂Z2/∂A1 = Wᵀ
    de_dz1 = de_da1 * a1_ * (1 - a1_)
    de_df = np.zeros_like(f)
    for s in range(4):
        for i in range(2):  # ∂E/∂f = X ⋆ ∂E/∂Z1
            de_df[i, 0] += signal.correlate2d(x[s, 0], de_dz1[s, i], mode="valid")
    np.testing.assert_allclose(W.grad.numpy()[0], de_dw, rtol=0, atol=TOL)
    np.testing.assert_allclose(Fk.grad.numpy(), de_df, rtol=0, atol=TOL)


@pytest.mark.parametrize("mode", ["valid", "full", "same"])
def test_plane_gradients_equal_closed_forms(rng, mode):
    """correlate2d's own gradients: ∂L/∂K = X ⋆ G, ∂L/∂X = G ∗full K (valid mode, as the documents)."""
    x = rng.standard_normal((7, 6))
    k = rng.standard_normal((3, 3))
    X, K = tc.tensor(x, requires_grad=True), tc.tensor(k, requires_grad=True)
    y = F.correlate2d(X, K, mode)
    g = rng.standard_normal(y.shape)
    (y * tc.tensor(g)).sum().backward()
    pad = {"valid": 0, "full": 2, "same": 1}[mode]
    xp = np.pad(x, pad)
    np.testing.assert_allclose(K.grad.numpy(), signal.correlate2d(xp, g, mode="valid"), rtol=0, atol=TOL)
    gx = signal.convolve2d(g, k, mode="full")
    np.testing.assert_allclose(X.grad.numpy(), gx[pad : pad + 7, pad : pad + 6], rtol=0, atol=TOL)


def loop_max_pool_grad(x: np.ndarray, gy: np.ndarray, size: int, stride: int) -> np.ndarray:
    """The mask of the max, one window at a time, the first maximum taking the gradient."""
    gx = np.zeros_like(x)
    n, c, ho, wo = gy.shape
    for s in range(n):
        for d in range(c):
            for i in range(ho):
                for j in range(wo):
                    region = x[s, d, i * stride : i * stride + size, j * stride : j * stride + size]
                    a, b = np.unravel_index(np.argmax(region), region.shape)  # argmax: the first maximum
                    gx[s, d, i * stride + a, j * stride + b] += gy[s, d, i, j]
    return gx


@pytest.mark.parametrize("size,stride", [(2, 2), (3, 2), (3, 1)])
def test_max_pool_gradient_is_the_argmax_mask(rng, size, stride):
    x = rng.standard_normal((2, 3, 8, 9))
    X = tc.tensor(x, requires_grad=True)
    y = F.max_pool2d(X, size, stride)
    gy = rng.standard_normal(y.shape)
    y.backward(tc.tensor(gy))
    np.testing.assert_allclose(X.grad.numpy(), loop_max_pool_grad(x, gy, size, stride), rtol=0, atol=TOL)


def test_max_pool_ties_route_to_the_first_maximum_once():
    x = np.ones((1, 1, 4, 4))
    X = tc.tensor(x, requires_grad=True)
    F.max_pool2d(X, 2).sum().backward()
    expected = np.zeros((4, 4))
    expected[::2, ::2] = 1.0  # the top-left element of each window, and only it
    np.testing.assert_array_equal(X.grad.numpy()[0, 0], expected)
    assert X.grad.numpy().sum() == 4.0  # one unit per window: never doubled


def test_seed_sigmoid_float32_matches_expit():
    """The seed model's σ in float32 (a faster formula than SciPy's expit there) keeps expit's values."""
    from scipy import special

    x = np.concatenate([np.linspace(-120, 120, 2001), [np.inf, -np.inf]]).astype(np.float32)
    np.testing.assert_allclose(Tensor(x).sigmoid().numpy(), special.expit(x), rtol=3e-7, atol=0)
    scalar = tc.tensor(np.float32(0.3), requires_grad=True)
    y = scalar.sigmoid()
    y.backward()
    assert y.shape == () and y.dtype == np.float32
    np.testing.assert_allclose(scalar.grad.numpy(), special.expit(0.3) * (1 - special.expit(0.3)), rtol=1e-6)
