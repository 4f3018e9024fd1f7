"""`tinygrad-cnn graph` and `tinygrad-cnn derive`, called through their modules' CLI protocol."""

from __future__ import annotations

import argparse
import importlib.util
import shutil

import pytest

from tinygrad_cnn.cli import derive as derive_cli
from tinygrad_cnn.cli import graph as graph_cli

HAS_DOT = shutil.which("dot") is not None


def run(module, *argv: str) -> int:
    parser = argparse.ArgumentParser()
    module.add_arguments(parser)
    return module.run(parser.parse_args(list(argv)))


def test_derive_seed_prints_the_documents_chain(capsys):
    assert run(derive_cli, "--model", "seed") == 0
    out = capsys.readouterr().out
    for line in (
        "∂E/∂O = −(y' − O)",
        "∂E/∂Z2 = ∂E/∂O ⊙ O ⊙ (1 − O)",
        "∂E/∂W = ∂E/∂Z2ᵀ · A1",
        "∂E/∂A1 = ∂E/∂Z2 · W",
        "∂E/∂Z1 = ∂E/∂A1 ⊙ A1 ⊙ (1 − A1)",
        "∂E/∂f = X ⋆ ∂E/∂Z1",
    ):
        assert line in out.splitlines(), line
    assert "⋆ cross-correlation" in out


def test_derive_seed_with_mse_and_lenet(capsys):
    assert run(derive_cli, "--model", "seed", "--loss", "mse", "--batch", "4", "--no-notes") == 0
    out = capsys.readouterr().out
    assert "∂E/∂O = 1/2 (O − y')" in out and "cross-correlation" not in out
    assert run(derive_cli, "--model", "lenet", "--batch", "2") == 0
    out = capsys.readouterr().out
    assert "∂L/∂conv2.weightᵢⱼ = pool₁ⱼ ⋆ ∂L/∂conv2ᵢ" in out
    assert "∂L/∂pool₁ⱼ = Σᵢ ∂L/∂conv2ᵢ ∗full conv2.weightᵢⱼ" in out


def test_derive_rejects_a_bad_batch(capsys):
    assert run(derive_cli, "--batch", "0") == 2
    assert "batch must be at least 1" in capsys.readouterr().err


def test_graph_writes_dot_source(tmp_path, capsys):
    out = tmp_path / "seed.dot"
    assert run(graph_cli, "--model", "seed", "-o", str(out)) == 0
    src = out.read_text(encoding="utf-8")
    assert "conv2d → Z1" in src and "sigmoid → O" in src and "cluster_legend" in src
    assert "wrote" in capsys.readouterr().out
    back = tmp_path / "seed_backward.gv"
    assert run(graph_cli, "--model", "seed", "-o", str(back), "--backward", "--show-attrs") == 0
    src = back.read_text(encoding="utf-8")
    assert "conv2d_weight" in src and "∂E/∂f" in src and "∂E/∂Z1" in src


def test_graph_rejects_an_unknown_format(tmp_path, capsys):
    assert run(graph_cli, "-o", str(tmp_path / "graph.txt")) == 2
    assert ".svg" in capsys.readouterr().err


@pytest.mark.skipif(not HAS_DOT, reason="Graphviz's dot program is not installed")
@pytest.mark.parametrize("model,backward", [("seed", False), ("lenet", True)])
def test_graph_renders_svg(tmp_path, model, backward):
    out = tmp_path / "nested" / f"{model}.svg"
    argv = ["--model", model, "-o", str(out)] + (["--backward"] if backward else [])
    assert run(graph_cli, *argv) == 0
    svg = out.read_text(encoding="utf-8")
    assert "<svg" in svg
    assert ("conv_transpose2d" in svg) == backward
    assert sorted(p.name for p in out.parent.iterdir()) == [f"{model}.svg"]  # no stray source file


def test_graph_without_dot_says_what_to_do(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(graph_cli.shutil, "which", lambda name: None)
    assert run(graph_cli, "-o", str(tmp_path / "g.svg")) == 1
    err = capsys.readouterr().err
    assert "not installed" in err and "g.dot" in err


def test_commands_are_registered_in_the_main_cli(capsys):
    from tinygrad_cnn import cli

    assert {"graph", "derive"} <= set(cli.COMMANDS)
    for name in cli.COMMANDS:  # main() builds every sub-command's parser; skip until all of them exist
        if importlib.util.find_spec(f"tinygrad_cnn.cli.{name}") is None:
            pytest.skip(f"tinygrad_cnn.cli.{name} is not written yet")
    assert cli.main(["derive", "--model", "seed", "--no-notes"]) == 0
    assert "∂E/∂f = X ⋆ ∂E/∂Z1" in capsys.readouterr().out
