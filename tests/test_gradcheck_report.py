"""The gradient-check report: fields on a correct and a wrong backward, kinks, fast mode, model checks."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_cnn as tc
import tinygrad_cnn.functional as F
from tinygrad_cnn import nn
from tinygrad_cnn.checks import check_model, gradcheck_report, gradgradcheck_report


class WrongSquare(tc.Function):
    """x² with a backward that is wrong at exactly one element: d/dx = 2x, except 3x at index 4."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.detach().numpy()**2

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        factor = np.full(x.shape, 2.0)
        factor.reshape(-1)[4] = 3.0
        return g * x * tc.tensor(factor)


def test_report_on_a_correct_backward_has_every_field() -> None:
    x = tc.tensor(np.linspace(0.5, 2.0, 6).reshape(2, 3), requires_grad=True)
    w = tc.tensor(np.linspace(-1.0, 1.0, 3), requires_grad=True)
    report = gradcheck_report(lambda a, b: (a * b).tanh(), (x, w))
    assert report.passed and bool(report)
    assert [(p.input_index, p.output_index) for p in report.pairs] == [(0, 0), (1, 0)]
    assert report.max_abs_error < 1e-8 and report.max_rel_error < 1e-6
    analytic, numeric = report.jacobians(0, 0)
    assert analytic.shape == numeric.shape == (6, 6)
    assert np.allclose(analytic, numeric, atol=1e-8)
    xs, ws = x.detach().numpy(), w.detach().numpy()
    assert np.allclose(np.diag(analytic), (ws * (1 - np.tanh(xs * ws) ** 2)).ravel())
    assert "PASSED" in str(report)


def test_report_on_a_wrong_backward_names_the_element_and_both_values() -> None:
    x = tc.tensor(np.arange(1.0, 7.0).reshape(2, 3), requires_grad=True)
    report = gradcheck_report(lambda a: WrongSquare.apply(a), (x,))
    assert not report.passed
    pair = report.pair(0, 0)
    assert pair.n_failed == 1
    worst = pair.worst[0]
    assert worst.output_element == (1, 1) and worst.input_element == (1, 1)   # flat index 4
    assert worst.analytical == pytest.approx(15.0) and worst.numerical == pytest.approx(10.0, abs=1e-6)
    assert pair.max_abs_error == pytest.approx(5.0, abs=1e-6)
    text = str(report)
    assert "FAIL" in text and "15" in text and "10" in text
    errors = pair.element_errors()
    assert errors.shape == (2, 3) and np.argmax(errors) == 4   # per input element: a heat map of the input
    with pytest.raises(tc.GradcheckError):
        report.raise_if_failed()
    assert tc.gradcheck(lambda a: WrongSquare.apply(a), (x,), raise_exception=False) is False


def test_float32_inputs_are_promoted_with_a_note() -> None:
    x = tc.tensor(np.linspace(-1, 1, 4).astype(np.float32), requires_grad=True)
    report = gradcheck_report(lambda a: a.sigmoid(), (x,))
    assert report.passed
    assert any("float32" in n for n in report.notes)
    assert x.dtype == np.float32  # the user's tensor is untouched


def test_relu_kink_is_reported_not_failed() -> None:
    x = tc.tensor([-1.0, 0.0, 2.0], requires_grad=True)
    report = gradcheck_report(lambda a: a.relu() * 3, (x,))
    assert report.passed and report.n_kinks == 1
    kink = report.pair(0, 0).kinks[0]
    assert kink.input_element == (1,)
    assert "non-differentiable" in str(report)


def test_max_pool_tie_is_a_kink() -> None:
    x = tc.tensor(np.array([[[[1.0, 1.0], [0.0, -1.0]]]]), requires_grad=True)
    report = gradcheck_report(lambda a: F.max_pool2d(a, 2), (x,))
    assert report.passed and report.n_kinks >= 1


def test_a_real_error_beside_a_kink_is_still_caught() -> None:
    class BadRelu(tc.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return np.maximum(x.detach().numpy(), 0)

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            mask = (x.detach().numpy() > 0).astype(float)
            mask[2] = 0.5  # wrong where the function is smooth
            return g * tc.tensor(mask)

    x = tc.tensor([-1.0, 0.0, 2.0], requires_grad=True)
    report = gradcheck_report(lambda a: BadRelu.apply(a), (x,))
    assert not report.passed
    pair = report.pair(0, 0)
    assert pair.n_kinks == 1 and pair.n_failed == 1
    assert [e.input_element for e in pair.worst if e.failed] == [(2,)]


def test_fast_mode_passes_a_correct_op_and_explains_a_wrong_one() -> None:
    x = tc.tensor(np.arange(1.0, 7.0).reshape(2, 3), requires_grad=True)
    good = gradcheck_report(lambda a: a.exp() * a, (x,), fast_mode=True)
    assert good.passed and good.fast_mode
    assert good.pair(0, 0).projection is not None
    bad = gradcheck_report(lambda a: WrongSquare.apply(a), (x,), fast_mode=True)
    assert not bad.passed
    assert bad.pair(0, 0).worst[0].input_element == (1, 1)   # the full Jacobian explains the failure


def test_second_order_report() -> None:
    x = tc.tensor(np.linspace(0.1, 1.0, 4), requires_grad=True)
    assert gradgradcheck_report(lambda a: (a**3).sum() * a.sigmoid(), (x,)).passed

    class FirstOrderOnly(tc.Function):
        """A backward on raw arrays: right first derivative, no second."""

        @staticmethod
        def forward(ctx, a):
            ctx.save_for_backward(a)
            return a.detach().numpy()**3

        @staticmethod
        def backward(ctx, g):
            (a,) = ctx.saved_tensors
            return tc.tensor(g.detach().numpy() * 3 * a.detach().numpy()**2)

    assert gradcheck_report(lambda a: FirstOrderOnly.apply(a), (x,)).passed
    second = gradgradcheck_report(lambda a: FirstOrderOnly.apply(a), (x,))
    assert not second.passed and second.order == 2


def test_model_check_on_a_small_cnn_float32() -> None:
    tc.manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(1, 2, 3, padding=1), nn.Tanh(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(2 * 3 * 3, 3)
    )
    x = tc.randn(2, 1, 6, 6)
    y = np.array([0, 2])
    report = check_model(model, lambda out, t: F.cross_entropy(out, t), x, y)
    assert report.passed
    names = [p.name for p in report.parameters]
    assert names == ["0.weight", "0.bias", "4.weight", "4.bias"]
    assert report["0.weight"].checked > 0 and report["0.weight"].shape == (2, 1, 3, 3)
    assert next(model.parameters()).dtype == np.float32  # checked on a float64 copy
    assert "0.weight" in str(report)
