"""`tinygrad-cnn gradcheck`: the table, JSON, the op filter and the exit codes."""

from __future__ import annotations

import json

import numpy as np

from tinygrad_cnn.cli import gradcheck as cmd
from tinygrad_cnn.cli import main


def test_every_op_passes_to_second_order(capsys) -> None:
    assert main(["gradcheck"]) == 0
    out = capsys.readouterr().out
    for op in ("conv2d", "conv_transpose2d", "max_pool2d", "avg_pool2d", "correlate2d", "convolve2d",
               "matmul", "cross_entropy", "add"):
        assert f"\n{op} " in out
    assert "0 failed" in out and "2nd order" in out


def test_op_filter_and_json(capsys) -> None:
    assert main(["gradcheck", "--op", "conv2d", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["failed"] == 0 and {r["op"] for r in data["rows"]} == {"conv2d"}
    assert any("stride 2" in r["config"] for r in data["rows"])
    assert all(r["max_abs_error"] < 1e-6 for r in data["rows"])


def test_unknown_op_exits_2(capsys) -> None:
    assert main(["gradcheck", "--op", "no_such_op"]) == 2
    assert "known ops" in capsys.readouterr().err


def test_a_failing_check_exits_1(capsys, monkeypatch) -> None:
    import tinygrad_cnn as tc

    class Wrong(tc.Function):
        name = "wrong"

        @staticmethod
        def forward(ctx, x):
            return np.sin(x.data)

        @staticmethod
        def backward(ctx, g):
            return g  # should be g ⊙ cos x

    cases = [cmd.Case("wrong", "sin with a bad backward", lambda a: Wrong.apply(a), ((3,),))]
    monkeypatch.setattr(cmd, "_cases", lambda: cases)
    assert main(["gradcheck"]) == 1
    out = capsys.readouterr().out
    assert "FAIL" in out and "1 failed" in out and "analytical" in out
