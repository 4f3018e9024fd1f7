"""The examples run end to end (tiny settings) and print what they promise."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import tinygrad_cnn as tc

ROOT = Path(__file__).resolve().parent.parent
needs_conv = pytest.mark.skipif(not hasattr(tc.functional, "conv2d"), reason="F.conv2d not available yet")


def run_example(name: str, *args: str, cwd: Path | None = None) -> str:
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    result = subprocess.run(
        [sys.executable, str(ROOT / "examples" / name), *args],
        capture_output=True, text=True, env=env, timeout=120, cwd=cwd,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


@needs_conv
def test_seed_experiment_is_short_and_runs():
    assert len((ROOT / "examples" / "seed_experiment.py").read_text().splitlines()) < 60
    out = run_example("seed_experiment.py", "--epochs", "1", "--limit", "64")
    assert "epoch 1: last batch loss" in out and "test accuracy" in out


@needs_conv
def test_lenet_example(tmp_path):
    out = run_example("lenet_mnist.py", "--epochs", "1", "--limit", "64", "--out", str(tmp_path / "w.npz"))
    assert "LeNet(" in out and "epoch 1: loss" in out
    assert set(tc.load(tmp_path / "w.npz")) == {"conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias",
                                               "fc.weight", "fc.bias"}


def test_custom_function_example():
    out = run_example("custom_function.py")
    assert "gradcheck: True  gradgradcheck: True" in out
    assert "SwishLayer()" in out


@needs_conv
def test_torch_transfer_example(tmp_path):
    pytest.importorskip("torch")
    out = run_example("torch_transfer.py", cwd=tmp_path)
    assert "give the same outputs: True" in out
    assert not list(tmp_path.iterdir())  # writes nothing where it runs


def test_gradcheck_experiments_example(tmp_path):
    pytest.importorskip("matplotlib")
    out = run_example("gradcheck_experiments.py", "--out", str(tmp_path))
    assert "best:" in out and "FAIL" in out  # the sweep table, and the wrong conv backward caught
    assert (tmp_path / "epsilon_sweep.png").stat().st_size > 1000
    assert (tmp_path / "wrong_conv_backward.png").stat().st_size > 1000
