"""The derivation printer: the formulas it prints come from the real backward graph, in the documents' notation."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import signal

import tinygrad_cnn as tc
import tinygrad_cnn.functional as F
from tinygrad_cnn import nn
from tinygrad_cnn.viz import derivation
from tinygrad_cnn.viz import notation as nt


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def seed_graph(loss: str = "document", batch: int = 1):
    """The first document's network, written with ops and the document's names."""
    rng = np.random.default_rng(0)
    X = tc.tensor(rng.standard_normal((batch, 1, 6, 6)))
    X.name = "X"
    f = tc.tensor(rng.standard_normal((3, 1, 3, 3)) * 0.5, requires_grad=True)
    W = tc.tensor(rng.standard_normal((1, 48)) * 0.2, requires_grad=True)
    b = tc.tensor(rng.standard_normal((1,)), requires_grad=True)
    y = tc.tensor(rng.integers(0, 2, size=(batch, 1)).astype(np.float64))
    y.name = "y'"
    Z1 = F.conv2d(X, f)
    Z1.name = "Z1"
    A1 = Z1.sigmoid()
    A1.name = "A1"
    Z2 = F.linear(A1.flatten(1), W, b)
    Z2.name = "Z2"
    O = Z2.sigmoid()  # noqa: E741
    O.name = "O"
    E = ((y - O) ** 2 / 2).sum() if loss == "document" else F.mse_loss(O, y)
    E.name = "E"
    return E, dict(X=X, f=f, W=W, b=b, y=y, Z1=Z1, A1=A1, Z2=Z2, O=O)


SEED_LINES = [
    "∂E/∂O = −(y' − O)",
    "∂E/∂Z2 = ∂E/∂O ⊙ O ⊙ (1 − O)",
    "∂E/∂b = ∂E/∂Z2",
    "∂E/∂W = ∂E/∂Z2ᵀ · A1",
    "∂E/∂A1 = ∂E/∂Z2 · W",
    "∂E/∂Z1 = ∂E/∂A1 ⊙ A1 ⊙ (1 − A1)",
    "∂E/∂f = X ⋆ ∂E/∂Z1",
]


def test_seed_model_prints_the_first_documents_chain():
    E, t = seed_graph()
    d = derivation(E, {"f": t["f"], "W": t["W"], "b": t["b"]})
    assert [str(line) for line in d.lines] == SEED_LINES
    text = str(d)
    assert text.startswith("\n".join(SEED_LINES))
    assert "⋆ cross-correlation" in text and "⊙ element-wise product" in text


def test_seed_derivation_gradients_match_the_documents_formulas_numerically():
    """The gradients the printed formulas describe are the ones computed: check them by hand in NumPy/SciPy."""
    E, t = seed_graph()
    d = derivation(E, {"f": t["f"], "W": t["W"], "b": t["b"]})
    X, f, W, b, y = (t[k].detach().numpy() for k in ("X", "f", "W", "b", "y"))
    Z1 = np.stack([signal.correlate2d(X[0, 0], f[c, 0], mode="valid") for c in range(3)])
    A1 = sigmoid(Z1)
    O = sigmoid(A1.reshape(1, -1) @ W.T + b)  # noqa: E741
    dO = -(y - O)
    dZ2 = dO * O * (1 - O)
    dW = dZ2.T @ A1.reshape(1, -1)
    dA1 = (dZ2 @ W).reshape(A1.shape)
    dZ1 = dA1 * A1 * (1 - A1)
    df = np.stack([signal.correlate2d(X[0, 0], dZ1[c], mode="valid") for c in range(3)])[:, None]
    np.testing.assert_allclose(d.gradients["W"].detach().numpy(), dW, rtol=1e-10)
    np.testing.assert_allclose(d.gradients["b"].detach().numpy(), dZ2.reshape(1), rtol=1e-10)
    np.testing.assert_allclose(d.gradients["f"].detach().numpy(), df, rtol=1e-10)
    assert d.gradients["f"].requires_grad  # create_graph=True: the gradient is itself a graph


def test_mse_loss_shows_its_factor_two_over_n():
    E, t = seed_graph(loss="mse", batch=4)
    d = derivation(E, {"f": t["f"], "W": t["W"], "b": t["b"]})
    assert d.formula("O") == "1/2 (O − y')"  # 2/N with N = 4
    assert d.formula("b") == "Σ ∂E/∂Z2"  # the batch is summed
    E1, t1 = seed_graph(loss="mse", batch=1)
    assert derivation(E1, [t1["f"]]).formula("O") == "2 (O − y')"


def conv_layer(stride: int, padding: int, cin: int = 3, cout: int = 4):
    rng = np.random.default_rng(1)
    X = tc.tensor(rng.standard_normal((2, cin, 7, 7)), requires_grad=True)
    K = tc.tensor(rng.standard_normal((cout, cin, 3, 3)), requires_grad=True)
    B = tc.tensor(rng.standard_normal((cout,)), requires_grad=True)
    Y = F.conv2d(X, K, B, stride=stride, padding=padding)
    Y.name = "Y"
    L = (Y**2).sum() / 2  # ∂L/∂Y = Y: a gradient that is a graph, not a constant
    return L, X, K, B, Y.detach()


def test_multichannel_conv_prints_the_third_documents_formulas():
    L, X, K, B, _ = conv_layer(stride=1, padding=0)
    d = derivation(L, {"X": X, "K": K, "B": B})
    lines = [str(line) for line in d.lines]
    assert "∂L/∂Kᵢⱼ = Xⱼ ⋆ ∂L/∂Yᵢ" in lines
    assert "∂L/∂Bᵢ = Σ ∂L/∂Yᵢ" in lines
    assert "∂L/∂Xⱼ = Σᵢ ∂L/∂Yᵢ ∗full Kᵢⱼ" in lines
    assert d.formula("K") == "Xⱼ ⋆ ∂L/∂Yᵢ"


def test_stride_two_padded_conv_shows_zero_insertion_and_cropping():
    L, X, K, B, G = conv_layer(stride=2, padding=1)
    d = derivation(L, {"X": X, "K": K, "B": B})
    lines = [str(line) for line in d.lines]
    assert "∂L/∂Kᵢⱼ = pad₁(Xⱼ) ⋆ dil₂(∂L/∂Yᵢ)" in lines
    assert "∂L/∂Xⱼ = crop₁(Σᵢ dil₂(∂L/∂Yᵢ) ∗full Kᵢⱼ)" in lines
    assert "∂L/∂Bᵢ = Σ ∂L/∂Yᵢ" in lines
    text = str(d)
    assert "dilₛ(G)" in text and "cropₚ(G)" in text and "padₚ(X)" in text
    # the formula, evaluated by hand with SciPy, is the gradient autodiff computed
    g = G.detach().numpy()
    dil = np.zeros((2, 4, 7, 7))
    dil[:, :, ::2, ::2] = g  # dil₂: one zero between neighbours
    xp = np.pad(X.detach().numpy(), ((0, 0), (0, 0), (1, 1), (1, 1)))
    dk = np.array([[sum(signal.correlate2d(xp[n, j], dil[n, i], "valid") for n in range(2)) for j in range(3)]
                   for i in range(4)])
    np.testing.assert_allclose(d.gradients["K"].detach().numpy(), dk, rtol=1e-10, atol=1e-12)
    k = K.detach().numpy()
    full = np.array([[sum(signal.convolve2d(dil[n, i], k[i, j], "full") for i in range(4)) for j in range(3)]
                     for n in range(2)])
    np.testing.assert_allclose(d.gradients["X"].detach().numpy(), full[:, :, 1:-1, 1:-1], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(d.gradients["B"].detach().numpy(), g.sum((0, 2, 3)), rtol=1e-10)


def test_dilation_and_groups_are_named():
    rng = np.random.default_rng(2)
    X = tc.tensor(rng.standard_normal((1, 2, 9, 9)))
    X.name = "X"
    K = tc.tensor(rng.standard_normal((2, 1, 3, 3)), requires_grad=True)
    Y = F.conv2d(X, K, dilation=2, groups=2)
    Y.name = "Y"
    L = (Y**2).sum()
    text = str(derivation(L, {"K": K}))
    assert "dilation 2" in text and "groups 2" in text


class Cube(tc.Function):
    name = "cube"

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.detach().numpy()**3

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * x * x * 3.0


class CubeWrong(Cube):
    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * x * 2.0


class Opaque(tc.Function):
    """A backward written with another custom op the printer has never seen."""

    name = "opaque"

    @staticmethod
    def forward(ctx, x):
        return x.detach().numpy() * 1.0

    @staticmethod
    def backward(ctx, g):
        return Swirl.apply(g)


class Swirl(tc.Function):
    name = "swirl"

    @staticmethod
    def forward(ctx, g):
        return g.detach().numpy()[::-1].copy()

    @staticmethod
    def backward(ctx, gg):
        return Swirl.apply(gg)


def test_custom_function_shows_its_own_backward():
    x = tc.tensor([0.5, -1.0, 2.0], requires_grad=True)
    a = derivation(Cube.apply(x).sum(), {"x": x})
    b = derivation(CubeWrong.apply(x).sum(), {"x": x})
    assert a.formula("x") == "3 (x ⊙ x)"
    assert b.formula("x") == "2 x"
    assert str(a) != str(b)
    np.testing.assert_allclose(a.gradients["x"].detach().numpy(), 3 * x.detach().numpy()**2)


def test_unknown_ops_fall_back_to_their_name():
    x = tc.tensor([1.0, 2.0, 3.0], requires_grad=True)
    h = Opaque.apply(x)
    h.name = "h"
    d = derivation((h * h).sum(), {"x": x})
    assert d.formula("x") == "swirl(∂L/∂h)"
    assert d.formula("h") == "2 h"


def test_module_paths_name_tensors_and_names_override_them():
    tc.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 3), nn.Sigmoid(), nn.Linear(3, 1))
    x = tc.randn(2, 4)
    x.name = "X"
    loss = (model(x) ** 2).sum()
    d = derivation(loss, dict(model.named_parameters()))
    lines = [str(line) for line in d.lines]
    assert "∂L/∂out[2] = 2 out[2]" in lines
    assert "∂L/∂out[1] = ∂L/∂out[2] · 2.weight" in lines
    assert "∂L/∂out[0] = ∂L/∂out[1] ⊙ out[1] ⊙ (1 − out[1])" in lines
    assert "∂L/∂0.weight = ∂L/∂out[0]ᵀ · X" in lines
    assert "∂L/∂0.bias = Σ ∂L/∂out[0]" in lines
    loss2 = (model(x) ** 2).sum()
    d2 = derivation(loss2, dict(model.named_parameters()), names={"0": "Z", "1": "A", "0.weight": "W1"},
                    loss_name="E")
    assert d2.formula("Z") == "∂E/∂A ⊙ A ⊙ (1 − A)"
    assert d2.formula("W1") == "∂E/∂Zᵀ · X"


def test_tensor_keys_in_names_and_default_inputs():
    rng = np.random.default_rng(3)
    w = tc.tensor(rng.standard_normal(3), requires_grad=True)
    c = tc.tensor(rng.standard_normal(3))
    h = (w * c).tanh()
    d = derivation((h * h).sum(), names={w: "w", c: "c", h: "h"})
    assert [line.lhs for line in d.lines] == ["∂L/∂h", "∂L/∂w"]
    assert d.formula("h") == "2 h"
    assert d.formula("w") == "∂L/∂h ⊙ (1 − h ⊙ h) ⊙ c"


def test_unused_input_is_zero():
    a = tc.tensor([1.0, 2.0], requires_grad=True)
    b = tc.tensor([1.0], requires_grad=True)
    d = derivation((a * a).sum(), {"a": a, "b": b})
    assert d.formula("b") == "0"
    assert d.gradients["b"] is None


def test_plane_ops_and_pooling():
    rng = np.random.default_rng(4)
    x = tc.tensor(rng.standard_normal((5, 5)), requires_grad=True)
    k = tc.tensor(rng.standard_normal((3, 3)), requires_grad=True)
    y = F.correlate2d(x, k, "valid")
    y.name = "Y"
    d = derivation((y * y).sum(), {"x": x, "k": k})
    assert d.formula("x") == "∂L/∂Y ∗full k"
    assert d.formula("k") == "x ⋆ ∂L/∂Y"
    img = tc.tensor(rng.standard_normal((1, 1, 4, 4)), requires_grad=True)
    p = F.max_pool2d(img, 2)
    p.name = "P"
    assert derivation((p * p).sum(), {"img": img}).formula("img") == "route_to_argmax(∂L/∂P)"
    p = F.avg_pool2d(img, 2)
    p.name = "P"
    assert derivation((p * p).sum(), {"img": img}).formula("img") == "spread_mean(∂L/∂P)"


def test_lenet_like_graph_with_relu_masks_and_cross_entropy():
    from tinygrad_cnn.viz.examples import model_loss

    setup = model_loss("lenet", batch=2)
    d = derivation(setup.loss, setup.params, loss_name="L")
    lines = [str(line) for line in d.lines]
    assert "∂L/∂fc = ∂L/∂log_softmax(fc) + 1/2 softmax(fc)" in lines
    assert "∂L/∂relu₂ = route_to_argmax(∂L/∂pool₂)" in lines
    assert "∂L/∂conv2.weightᵢⱼ = pool₁ⱼ ⋆ ∂L/∂conv2ᵢ" in lines
    assert "∂L/∂pool₁ⱼ = Σᵢ ∂L/∂conv2ᵢ ∗full conv2.weightᵢⱼ" in lines
    assert any(line.startswith("∂L/∂conv1 = ∂L/∂relu₁ ⊙ M") for line in lines)


def test_deep_graph_needs_no_recursion_and_names_long_subformulas():
    x = tc.tensor([0.3, -0.2], requires_grad=True)
    h = x
    for _ in range(3000):
        h = h.sigmoid()
    d = derivation(h.sum(), {"x": x})
    text = str(d)
    assert d.formula("x")
    assert "where" in text  # long forward values are named instead of nested 3000 deep
    assert len(d.lines) > 10


def test_errors_name_what_is_wrong():
    x = tc.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(ValueError, match=r"scalar.*\(2,\)"):
        derivation(x * 2, [x])
    with pytest.raises(ValueError, match="no graph"):
        derivation(tc.tensor(1.0), [x])
    with pytest.raises(TypeError, match="Tensors"):
        derivation((x * x).sum(), {"x": x.detach().numpy()})


def test_graph_of_the_derivation_draws_the_backward_pass():
    L, X, K, B, _ = conv_layer(stride=2, padding=1)
    dot = derivation(L, {"X": X, "K": K, "B": B}).graph()
    src = dot.source
    assert "conv2d_weight" in src and "conv_transpose2d" in src
    assert "∂L/∂K" in src and "∂L/∂Y" in src


def test_notation_algebra():
    a, b = nt.sym("A"), nt.sym("B")
    assert str(nt.transpose(nt.matmul(nt.transpose(a), b))) == "Bᵀ · A"
    assert str(nt.mul(nt.const(0.5), nt.mul(a, nt.const(2.0)))) == "A"
    assert str(nt.neg(nt.sub(a, b))) == "−(A − B)"
    assert str(nt.add(a, a)) == "2 A"
    assert str(nt.sub(a, nt.neg(b))) == "A + B"
    assert str(nt.call("exp", nt.call("log_softmax", a))) == "softmax(A)"
    assert nt.number(1 / 3) == "1/3" and nt.number(-2.0) == "−2" and nt.number(np.pi) == "3.14159"


def test_docs_page_blocks_run_and_print_what_the_page_shows():
    """docs/derivation.md: each python block runs (one namespace, in order); the text block after it is its output."""
    import contextlib
    import io
    import re
    from pathlib import Path

    page = (Path(__file__).resolve().parent.parent / "docs" / "derivation.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```(python|text)\n(.*?)```", page, flags=re.S)
    namespace: dict = {}
    printed = None
    checked = 0
    for kind, body in blocks:
        if kind == "python":
            buf = io.StringIO()
            with contextlib.redirect_stdout(buf):
                exec(compile(body, "docs/derivation.md", "exec"), namespace)
            printed = buf.getvalue()
        else:
            assert printed is not None, "a text block must follow a python block"
            assert printed.rstrip("\n") == body.rstrip("\n")
            checked += 1
    assert checked >= 5


def test_gradients_made_of_constants_print_as_values():
    rng = np.random.default_rng(5)
    X = tc.tensor(rng.standard_normal((1, 2, 5, 5)), requires_grad=True)
    K = tc.tensor(rng.standard_normal((3, 2, 3, 3)), requires_grad=True)
    B = tc.tensor(np.zeros(3), requires_grad=True)
    Y = F.conv2d(X, K, B)
    Y.name = "Y"
    G = tc.tensor(rng.standard_normal(Y.shape))
    G.name = "G"
    d = derivation((Y * G).sum(), {"X": X, "K": K, "B": B})
    assert [str(line) for line in d.lines[:2]] == ["∂L/∂Y = G", "∂L/∂B = const₁"]
    assert d.formula("K") == "Xⱼ ⋆ ∂L/∂Yᵢ"
    np.testing.assert_allclose(d.gradients["B"].detach().numpy(), G.detach().numpy().sum((0, 2, 3)))
    assert "constₖ" in str(d)
