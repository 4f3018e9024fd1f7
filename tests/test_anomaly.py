"""`tc.detect_anomaly()` names the op that produced a NaN or infinity, forward or backward."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_cnn as tc


def test_forward_nan_names_the_op_and_the_line() -> None:
    x = tc.tensor([-1.0, 4.0], requires_grad=True)
    with tc.detect_anomaly():
        with pytest.raises(RuntimeError, match=r"'sqrt'.*nan.*forward") as err:
            x.sqrt()
    assert "test_anomaly.py" in str(err.value)


def test_backward_inf_names_the_op() -> None:
    x = tc.tensor([0.0, 4.0], requires_grad=True)
    with tc.detect_anomaly():
        y = x.sqrt().sum()          # forward is finite: sqrt(0) = 0
        with pytest.raises(RuntimeError, match=r"'sqrt'.*inf.*gradient"):
            y.backward()            # d sqrt/dx at 0 is infinite


def test_without_anomaly_mode_nan_passes_silently() -> None:
    x = tc.tensor([-1.0], requires_grad=True)
    y = x.log()
    assert np.isnan(y.detach().numpy()).all()
    assert not tc.is_anomaly_enabled()


def test_as_decorator() -> None:
    @tc.detect_anomaly()
    def f(t):
        return t.log()

    with pytest.raises(RuntimeError, match="'log'"):
        f(tc.tensor([-2.0], requires_grad=True))
