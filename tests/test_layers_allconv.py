"""`tinygrad-cnn train --model allconv`: the all-convolutional model with batch norm and dropout."""

from __future__ import annotations

import argparse
import json

import numpy as np

import tinygrad_cnn as tc
from tinygrad_cnn import nn
from tinygrad_cnn.cli import train
from tinygrad_cnn.models import MODELS, AllConvNet, RandomShift, build_model


def test_allconv_is_all_convolutional_with_batch_norm_and_dropout():
    model = build_model("allconv")
    kinds = [type(m) for m in model.children()]
    assert nn.Linear not in kinds and nn.MaxPool2d not in kinds
    assert nn.BatchNorm2d in kinds and nn.Dropout2d in kinds and nn.AdaptiveAvgPool2d in kinds
    keys = list(model.state_dict())
    assert "2.running_mean" in keys and "2.num_batches_tracked" in keys
    assert model(tc.zeros(3, 1, 28, 28)).shape == (3, 10)
    assert "allconv" in MODELS and MODELS["allconv"].loss == "cross_entropy"


def test_eval_is_deterministic_and_training_is_not(rng):
    model = AllConvNet()
    x = tc.tensor(rng.uniform(0, 1, (4, 1, 28, 28)).astype(np.float32))
    model.eval()
    np.testing.assert_array_equal(model(x).detach().numpy(), model(x).detach().numpy())
    model.train()
    assert not np.array_equal(model(x).detach().numpy(), model(x).detach().numpy())


def test_random_shift_moves_whole_images_within_its_range():
    image = np.zeros((5, 1, 28, 28), np.float32)
    image[:, 0, 10:14, 12:15] = 1.0
    shift = RandomShift(2)
    out = shift(tc.tensor(image)).numpy()
    for k in range(5):
        ys, xs = np.nonzero(out[k, 0])
        assert out[k].sum() == image[k].sum()  # nothing reached the border: the blob moved whole
        assert 8 <= ys.min() <= 12 and 10 <= xs.min() <= 14
    shift.eval()
    x = tc.tensor(image)
    assert shift(x) is x
    assert repr(shift) == "RandomShift(shift=2)"


def test_cli_tiny_run_and_checkpoint(tmp_path, capsys):
    parser = argparse.ArgumentParser()
    train.add_arguments(parser)
    args = parser.parse_args(["--model", "allconv", "--epochs", "2", "--limit", "512", "--out", str(tmp_path),
                              "--no-progress"])
    assert train.run(args) == 0
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["model"] == "allconv" and metrics["test_size"] == 1000 and metrics["batch_size"] == 64
    first, second = metrics["history"]
    assert second["loss"] < first["loss"] and second["train_accuracy"] > 0.3  # 16 Adam steps learn something
    ckpt = tc.load(tmp_path / "checkpoint.npz")
    model = build_model("allconv")
    model.load_state_dict(ckpt["state_dict"])  # batch norm buffers included
    assert int(model.state_dict()["2.num_batches_tracked"].item()) == 16
    assert "--model" in parser.format_help() and "allconv" in parser.format_help()
