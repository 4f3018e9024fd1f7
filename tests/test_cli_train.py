"""`tinygrad-cnn train`: tiny runs of both models, the files they leave, and the bad-input paths."""

from __future__ import annotations

import argparse
import importlib
import json
import re

import numpy as np
import pytest

import tinygrad_cnn as tc
from tinygrad_cnn import optim
from tinygrad_cnn.cli import train
from tinygrad_cnn.models import MODELS, build_model

pytestmark = pytest.mark.skipif(not hasattr(tc.functional, "conv2d"), reason="F.conv2d not available yet")


def run_train(*argv: str) -> int:
    parser = argparse.ArgumentParser()
    train.add_arguments(parser)
    return train.run(parser.parse_args(list(argv)))


def test_seed_model_tiny_run(tmp_path, capsys):
    out = tmp_path / "run"
    code = run_train("--model", "seed", "--epochs", "2", "--limit", "96", "--out", str(out), "--no-progress")
    assert code == 0
    text = capsys.readouterr().out
    assert "epoch 1/2: loss" in text and "epoch 2/2" in text and "test acc" in text
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["model"] == "seed" and metrics["train_size"] == 96 and metrics["test_size"] == 200
    assert 0.0 <= metrics["test_accuracy"] <= 1.0 and len(metrics["history"]) == 2
    assert metrics["train_seconds"] > 0
    ckpt = tc.load(out / "checkpoint.npz")
    assert ckpt["model"] == "seed" and ckpt["epoch"] == 2
    model = build_model("seed")
    model.load_state_dict(ckpt["state_dict"])  # the checkpoint fits the named model
    assert sorted(p.name for p in out.iterdir()) == ["checkpoint.npz", "metrics.json"]  # no temporaries left


def test_lenet_tiny_run_learns_something(tmp_path, capsys):
    code = run_train("--epochs", "1", "--limit", "400", "--batch-size", "20", "--out", str(tmp_path), "--no-progress")
    assert code == 0
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["model"] == "lenet" and metrics["test_size"] == 1000
    assert metrics["test_accuracy"] > 0.3  # 20 Adam steps already beat chance (10%) by far
    ckpt = tc.load(tmp_path / "checkpoint.npz")
    assert list(ckpt["state_dict"]) == ["conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias", "fc.weight",
                                        "fc.bias"]


def test_same_seed_same_result(tmp_path):
    for name in ("a", "b"):
        assert run_train("--model", "seed", "--epochs", "1", "--limit", "48", "--out", str(tmp_path / name),
                         "--no-progress", "--seed", "3") == 0
    a = tc.load(tmp_path / "a" / "checkpoint.npz")["state_dict"]
    b = tc.load(tmp_path / "b" / "checkpoint.npz")["state_dict"]
    for k in a:
        np.testing.assert_array_equal(a[k], b[k])


def test_unwritable_out_is_a_clear_error(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert run_train("--model", "seed", "--out", str(blocker / "sub")) == 2
    err = capsys.readouterr().err
    assert "--out" in err and "not a writable folder" in err


@pytest.mark.parametrize("flag", ["--epochs", "--batch-size", "--lr", "--limit"])
def test_non_positive_numbers_are_refused(tmp_path, capsys, flag):
    assert run_train("--model", "seed", flag, "0", "--out", str(tmp_path)) == 2
    assert f"{flag} must be positive" in capsys.readouterr().err


def test_interrupt_keeps_last_complete_checkpoint(tmp_path, monkeypatch, capsys):
    steps = {"n": 0}
    real_step = optim.SGD.step

    def step_then_interrupt(self):
        steps["n"] += 1
        if steps["n"] == 5:  # during epoch 2 (3 steps per epoch below)
            raise KeyboardInterrupt
        real_step(self)

    monkeypatch.setattr(optim.SGD, "step", step_then_interrupt)
    code = run_train("--model", "seed", "--epochs", "3", "--limit", "48", "--batch-size", "16", "--out", str(tmp_path),
                     "--no-progress")
    assert code == 130
    assert "interrupted during epoch 2" in capsys.readouterr().err
    ckpt = tc.load(tmp_path / "checkpoint.npz")
    assert ckpt["epoch"] == 1
    build_model("seed").load_state_dict(ckpt["state_dict"])
    assert not (tmp_path / "metrics.json").exists()


def test_models_reject_bad_images_and_labels():
    model = build_model("lenet")
    for shape in [(2, 3, 28, 28), (2, 1, 20, 20), (1, 28, 28)]:
        with pytest.raises(ValueError, match=rf"\(N, 1, 28, 28\), got {re.escape(str(shape))}"):
            model(tc.zeros(*shape))
    with pytest.raises(ValueError, match=r"\(N, 1, 28, 28\)"):
        build_model("seed")(tc.zeros(2, 28, 28))
    with pytest.raises(TypeError, match="uint8"):
        model(tc.tensor(np.zeros((2, 1, 28, 28), np.uint8), dtype=np.uint8))
    with pytest.raises(TypeError, match="Tensor"):
        model(np.zeros((2, 1, 28, 28), np.float32))
    logits = model(tc.zeros(2, 1, 28, 28))
    with pytest.raises(ValueError, match=r"class indices in \[0, 9\]"):
        tc.nn.CrossEntropyLoss()(logits, np.array([3, 10]))
    with pytest.raises(ValueError, match="unknown model"):
        build_model("resnet")
    assert set(MODELS) == {"seed", "lenet", "allconv"}


def test_help_mentions_every_flag():
    parser = argparse.ArgumentParser()
    train.add_arguments(parser)
    text = parser.format_help()
    for flag in ("--model", "--epochs", "--batch-size", "--lr", "--seed", "--out", "--limit", "--no-progress"):
        assert flag in text


def test_main_entry_point(tmp_path):
    cli = importlib.import_module("tinygrad_cnn.cli")
    for name in cli.COMMANDS:  # the full parser needs every sub-command module
        try:
            importlib.import_module(f"tinygrad_cnn.cli.{name}")
        except ImportError:
            pytest.skip(f"tinygrad_cnn.cli.{name} is not written yet")
    argv = ["train", "--model", "seed", "--epochs", "1", "--limit", "32", "--out", str(tmp_path), "--no-progress"]
    assert cli.main(argv) == 0
    assert (tmp_path / "metrics.json").exists()
