"""The new ops in the derivation view and the gradcheck table: batch norm prints the textbook gradient,
the resampling gradients print as the maps they are, and every new op has first and second order rows."""

from __future__ import annotations

import numpy as np

import tinygrad_cnn as tc
import tinygrad_cnn.functional as F
from tinygrad_cnn.cli.gradcheck import _cases, check_case
from tinygrad_cnn.ops.norm import InvStd, Normalize


def test_batch_norm_derivation_prints_the_textbook_formula(rng):
    x = tc.tensor(rng.standard_normal((4, 3)), requires_grad=True)
    gamma = tc.tensor(rng.uniform(0.5, 1.5, 3), requires_grad=True)
    beta = tc.tensor(rng.standard_normal(3), requires_grad=True)
    y = F.batch_norm(x, None, None, gamma, beta, training=True)
    y.name = "y"
    d = tc.viz.derivation((y**2).sum() / 2, {"x": x, "γ": gamma, "β": beta})
    assert d.formula("x") == "σ(x)⁻¹ ⊙ (∂L/∂y ⊙ γ − mean(∂L/∂y ⊙ γ) − x̂ ⊙ mean(∂L/∂y ⊙ γ ⊙ x̂))"
    assert d.formula("γ") == "Σ (∂L/∂y ⊙ x̂)"
    assert d.formula("β") == "Σ ∂L/∂y"
    # the printed graph is the gradient autodiff computed
    x.grad = None
    ((y**2).sum() / 2).backward()
    np.testing.assert_allclose(d.gradients["x"].detach().numpy(), x.grad.numpy(), rtol=1e-9, atol=1e-14)


def test_resampling_gradients_print_as_their_maps(rng):
    h = tc.tensor(rng.standard_normal((1, 2, 4, 4)), requires_grad=True)
    y = F.interpolate(F.pad(h, (1, 1, 1, 1), mode="reflect"), scale_factor=2, mode="bilinear")
    y.name = "Y"
    z = F.adaptive_avg_pool2d(y, 1)
    z.name = "Z"
    text = tc.viz.derivation((z**2).sum(), {"X": h}).formula("X")
    assert text == "fold_pad(upsampleᵀ(∂L/∂Y))"
    z2 = F.adaptive_max_pool2d(h, 2)
    z2.name = "Z"
    assert tc.viz.derivation((z2**2).sum(), {"X": h}).formula("X") == "route_to_argmax(∂L/∂Z)"


def test_normalize_and_inv_std_have_derivatives_of_every_order(rng):
    """The ops batch norm's recorded backward uses: so third derivatives of batch norm exist."""
    x = tc.tensor(rng.standard_normal((3, 2, 2)), requires_grad=True)
    for fn in (Normalize, InvStd):
        assert tc.gradcheck(lambda x, fn=fn: fn.apply(x, (0, 2), 1e-5) ** 2, (x,))
        assert tc.gradgradcheck(lambda x, fn=fn: fn.apply(x, (0, 2), 1e-5) ** 2, (x,))
    w = tc.tensor(rng.uniform(0.5, 1.5, 2), requires_grad=True)

    def second(x, w):  # a gradient of batch norm, differentiated twice more by gradgradcheck
        y = F.batch_norm(x, None, None, w, None, training=True)
        (gx,) = tc.grad((y**3).sum(), x, create_graph=True)
        return gx

    assert tc.gradgradcheck(second, (x, w))


def test_gradcheck_table_has_every_new_op_to_second_order():
    cases = _cases()
    ops = {c.op for c in cases}
    for op in ("batch_norm", "layer_norm", "group_norm", "dropout", "dropout2d", "leaky_relu", "elu", "gelu",
               "silu", "softplus", "hardtanh", "relu6", "adaptive_avg_pool2d", "adaptive_max_pool2d", "interpolate"):
        assert op in ops
    modes = {c.config.split()[0] for c in cases if c.op == "pad"}
    assert {"reflect", "replicate", "circular"} <= modes
    for case in cases:
        if case.op in ("batch_norm", "gelu", "interpolate", "adaptive_max_pool2d", "dropout2d"):
            row = check_case(case)
            assert row["passed"] and row["second_order"] == "pass", row


def test_batchnorm_page_prints_what_it_shows():
    """docs/maths/batchnorm.md: the python blocks run in order; a text block right after a block that prints
    is that block's output (the hand derivation's text blocks come before any code)."""
    import contextlib
    import io
    import re
    from pathlib import Path

    page = (Path(__file__).resolve().parent.parent / "docs" / "maths" / "batchnorm.md").read_text(encoding="utf-8")
    namespace: dict = {}
    previous, printed, checked = None, "", 0
    for kind, body in re.findall(r"```(python|text)\n(.*?)```", page, flags=re.S):
        if kind == "python":
            buf = io.StringIO()
            with contextlib.redirect_stdout(buf):
                exec(compile(body, "docs/maths/batchnorm.md", "exec"), namespace)
            printed = buf.getvalue()
        elif previous == "python" and printed:
            assert printed.rstrip("\n") == body.rstrip("\n")
            checked += 1
        previous = kind
    assert checked == 3


def test_make_dot_names_the_normalisation_and_dropout_ops(rng):
    x = tc.tensor(rng.standard_normal((4, 3, 2, 2)), requires_grad=True)
    bn = tc.nn.BatchNorm2d(3).double()
    y = F.dropout2d(F.group_norm(F.layer_norm(bn(x), (2, 2)), 3), 0.5)
    source = tc.viz.make_dot(y, params=dict(bn.named_parameters())).source
    for name in ("batch_norm", "layer_norm", "group_norm", "dropout2d", "weight", "bias"):
        assert name in source


def test_gelu_derivation_prints_phi(rng):
    x = tc.tensor(rng.standard_normal((2, 3)), requires_grad=True)
    y = F.gelu(x)
    y.name = "Y"
    assert tc.viz.derivation((y**2).sum(), {"X": x}).formula("X") == "∂L/∂Y ⊙ (Φ(X) + X ⊙ φ(X))"
    from tinygrad_cnn.ops.activation import NormalCDF, NormalPDF

    for fn in (NormalCDF, NormalPDF):  # GELU's third derivative goes through these
        assert tc.gradgradcheck(lambda t, fn=fn: fn.apply(t), (x,))
