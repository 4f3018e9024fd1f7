"""One gradient-check core: ``tc.gradcheck`` is ``gradcheck_report`` plus a raise, with one message."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_cnn as tc
from tinygrad_cnn.checks import gradcheck_report, gradgradcheck_report


class WrongCube(tc.Function):
    """x³ with a wrong derivative (2x² instead of 3x²)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x._data**3

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * 2 * x * x


def test_gradcheck_raises_the_reports_own_message():
    x = tc.tensor(np.array([[0.5, -1.0], [2.0, 1.5]]), requires_grad=True)
    with pytest.raises(tc.GradcheckError) as info:
        tc.gradcheck(WrongCube.apply, (x,))
    report = gradcheck_report(WrongCube.apply, (x,))
    assert str(info.value) == report.describe_failure(strict=True) == report.describe_failure()
    with pytest.raises(tc.GradcheckError) as again:
        report.raise_if_failed()
    assert str(again.value) == str(info.value)


def test_a_kink_fails_gradcheck_as_pytorch_but_the_report_lists_it_apart():
    x = tc.tensor(np.array([-1.0, 0.0, 2.0]), requires_grad=True)
    with pytest.raises(tc.GradcheckError, match=r"one-sided differences disagree there \(forward 3, backward 0\)"):
        tc.gradcheck(lambda a: a.relu() * 3, (x,))
    assert tc.gradcheck(lambda a: a.relu() * 3, (x,), raise_exception=False) is False
    assert gradcheck_report(lambda a: a.relu() * 3, (x,)).passed


def test_a_kink_fails_pytorchs_gradcheck_too():
    torch = pytest.importorskip("torch")
    xt = torch.tensor([-1.0, 0.0, 2.0], dtype=torch.float64, requires_grad=True)
    with pytest.raises(RuntimeError):
        torch.autograd.gradcheck(lambda a: a.relu() * 3, (xt,))


def test_the_second_order_message_names_a_grad_output_input():
    class CubeWithOpaqueGradient(tc.Function):
        """x³ whose backward is right but built from raw arrays: its gradient has no graph."""

        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x._data**3

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return tc.tensor(g.detach().numpy() * 3 * x.detach().numpy() ** 2)

    x = tc.tensor(np.array([0.5, -1.0, 2.0]), requires_grad=True)
    with pytest.raises(tc.GradcheckError, match="second-order Jacobian mismatch") as info:
        tc.gradgradcheck(CubeWithOpaqueGradient.apply, (x,))
    report = gradgradcheck_report(CubeWithOpaqueGradient.apply, (x,))
    assert str(info.value) == report.describe_failure(strict=True)
    # d(v·3x²)/dv = 3x² is what the opaque gradient loses: largest at x = 2, element 2
    assert "with respect to input 1 (v0=grad_outputs[0]): worst element d(output[2])/d(input[2])" in str(info.value)
    assert "analytical 0, numerical 12" in str(info.value)


def test_errors_name_the_function_called():
    with pytest.raises(ValueError, match="^gradcheck: expected at least one input"):
        tc.gradcheck(lambda t: t * 2, (tc.tensor([1.0]),))
    with pytest.raises(ValueError, match="^gradgradcheck: expected at least one input"):
        tc.gradgradcheck(lambda t: t * 2, (tc.tensor([1.0]),))
    with pytest.raises(ValueError, match="^gradcheck_report: expected at least one input"):
        gradcheck_report(lambda t: t * 2, (tc.tensor([1.0]),))


def test_one_package_reached_from_the_top_level():
    from tinygrad_cnn import gradcheck

    assert gradcheck is tc.gradcheck is tc.checks.gradcheck and callable(tc.gradcheck)
    assert tc.gradgradcheck is tc.checks.gradgradcheck
    assert tc.GradcheckError is tc.checks.GradcheckError
    assert issubclass(tc.GradcheckError, RuntimeError)


def test_gradcheck_runs_one_backward_per_output_element(monkeypatch):
    import tinygrad_cnn.checks.jacobians as jac

    calls = []
    real = jac.autograd_grad
    monkeypatch.setattr(jac, "autograd_grad", lambda *a, **k: calls.append(1) or real(*a, **k))
    a = tc.tensor(np.ones((2, 3)), requires_grad=True)
    b = tc.tensor(np.ones(3), requires_grad=True)
    assert tc.gradcheck(lambda p, q: p * q, (a, b))
    assert len(calls) == 6  # one per output element, shared by both inputs


def test_fast_mode_as_pytorchs():
    x = tc.tensor(np.array([[0.5, -1.0], [2.0, 1.5]]), requires_grad=True)
    assert tc.gradcheck(lambda a: a.exp() * a, (x,), fast_mode=True)
    assert tc.gradgradcheck(lambda a: a.exp() * a, (x,), fast_mode=True)
    with pytest.raises(tc.GradcheckError, match=r"analytical 8, numerical 12"):
        tc.gradcheck(WrongCube.apply, (x,), fast_mode=True)  # the full Jacobian explains the failure
