"""The epsilon study: the error of finite differences falls, bottoms out, and rises again (the V)."""

from __future__ import annotations

import numpy as np
import pytest

from tinygrad_cnn.checks import epsilon_sweep


@pytest.fixture(scope="module")
def sweep():
    return epsilon_sweep()


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("method", ["central", "forward"])
def test_error_curve_is_v_shaped(sweep, dtype: str, method: str) -> None:
    err = sweep.errors[(dtype, method)]
    k = int(np.argmin(err))
    assert 0 < k < len(err) - 1, "the minimum lies strictly inside the sweep"
    assert err[0] > 10 * err[k], "large steps: truncation error dominates"
    assert err[-1] > 10 * err[k], "tiny steps: round-off dominates"


def test_floors_follow_the_dtype_and_the_method(sweep) -> None:
    eps64, floor64 = sweep.best("float64", "central")
    eps32, floor32 = sweep.best("float32", "central")
    assert floor64 < 1e-9 < floor32          # float64 is far more precise
    assert eps32 > eps64                     # the best step grows with round-off (≈ ∛u)
    assert sweep.best("float64", "central")[1] < sweep.best("float64", "forward")[1]  # O(ε²) beats O(ε)
    # truncation regime: central error scales like ε², forward like ε
    e = sweep.eps
    c, f = sweep.errors[("float64", "central")], sweep.errors[("float64", "forward")]
    assert np.log10(c[0] / c[2]) / np.log10(e[0] / e[2]) == pytest.approx(2, abs=0.2)
    assert np.log10(f[0] / f[2]) / np.log10(e[0] / e[2]) == pytest.approx(1, abs=0.2)


def test_table_and_bad_method(sweep) -> None:
    assert "best:" in str(sweep) and "float32 central" in sweep.table()
    with pytest.raises(ValueError, match="method"):
        epsilon_sweep(methods=("backward-ish",))


def test_plots_are_written(sweep, tmp_path) -> None:
    pytest.importorskip("matplotlib")
    from tinygrad_cnn.checks import plot_element_errors, plot_epsilon_sweep

    path = tmp_path / "sweep.png"
    plot_epsilon_sweep(sweep, path)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    heat = tmp_path / "heat.png"
    plot_element_errors(np.arange(12.0).reshape(3, 4), heat)
    assert heat.stat().st_size > 1000
