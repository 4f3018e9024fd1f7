"""The command line a newcomer meets (#16) and the command-line items of the adversarial probe (#15):
plain help, one default model, runs/MODEL folders, no progress bars in logs, an eval command, and a
clear message with a non-zero exit code (never a traceback) for every bad input."""

from __future__ import annotations

import argparse
import importlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import tinygrad_cnn as tc
from tinygrad_cnn import cli
from tinygrad_cnn.cli import derive as derive_cli
from tinygrad_cnn.cli import eval as eval_cli
from tinygrad_cnn.cli import gradcheck as gradcheck_cli
from tinygrad_cnn.cli import graph as graph_cli
from tinygrad_cnn.cli import train

ROOT = Path(__file__).resolve().parent.parent
TINY = ("--model", "seed", "--epochs", "1", "--limit", "32", "--no-progress")


def parse(module, *argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    module.add_arguments(parser)
    return parser.parse_args(list(argv))


def run(module, *argv: str) -> int:
    return module.run(parse(module, *argv))


# ------------------------------------------------------------------ help and defaults


def _all_help() -> str:
    texts = [cli.build_parser(["--help"]).format_help()]
    for name in cli.COMMANDS:
        parser = cli.build_parser([name])
        sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        texts.append(sub.choices[name].format_help())
    return "\n".join(texts)


def test_help_is_plain_text_and_says_what_it_refers_to() -> None:
    text = _all_help()
    assert "``" not in text and ":class:" not in text  # no reStructuredText
    assert "first source document" not in text and "the documents' notation" not in text
    assert "CNN from scratch using NumPy" in text  # the seed model is introduced by what it is
    for name in cli.COMMANDS:
        assert name in text


@pytest.mark.parametrize("module", [train, graph_cli, derive_cli, eval_cli])
def test_one_default_model(module) -> None:
    argv = ("-o", "x.dot") if module is graph_cli else ()
    assert parse(module, *argv).model == "lenet"


# ------------------------------------------------------------------ train: folders, files, refusals


def test_runs_go_to_runs_model_and_are_numbered(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    assert run(train, *TINY) == 0
    assert run(train, *TINY) == 0
    assert (tmp_path / "runs/seed/checkpoint.npz").is_file()
    assert (tmp_path / "runs/seed-2/checkpoint.npz").is_file()  # the first run is kept
    assert tc.load(tmp_path / "runs/seed/checkpoint.npz")["model"] == "seed"


def test_out_holding_a_run_is_refused_unless_force(tmp_path, capsys) -> None:
    out = tmp_path / "run"
    assert run(train, *TINY, "--out", str(out)) == 0
    before = (out / "checkpoint.npz").read_bytes()
    capsys.readouterr()
    assert run(train, *TINY, "--out", str(out), "--seed", "1") == 2
    err = capsys.readouterr().err
    assert "already holds a run" in err and "--force" in err
    assert (out / "checkpoint.npz").read_bytes() == before
    assert run(train, *TINY, "--out", str(out), "--seed", "1", "--force") == 0
    assert (out / "checkpoint.npz").read_bytes() != before


@pytest.mark.parametrize("lr", ["nan", "inf", "-inf", "-0.1", "0"])
def test_bad_learning_rates_are_refused(tmp_path, capsys, lr) -> None:
    assert run(train, *TINY, "--out", str(tmp_path), f"--lr={lr}") == 2
    assert "--lr must be" in capsys.readouterr().err
    assert not (tmp_path / "checkpoint.npz").exists()


def test_negative_seed_is_a_message(tmp_path, capsys) -> None:
    assert run(train, *TINY, "--out", str(tmp_path), "--seed", "-5") == 2
    assert "--seed must be a non-negative integer, got -5" in capsys.readouterr().err


def test_no_progress_bar_when_not_a_terminal(tmp_path, capsys) -> None:
    argv = ("--model", "seed", "--epochs", "1", "--limit", "32", "--out", str(tmp_path))  # no --no-progress
    assert run(train, *argv) == 0
    err = capsys.readouterr().err
    assert "\r" not in err and "batch/s" not in err and "it/s" not in err


def test_metrics_and_checkpoint_have_the_same_permissions(tmp_path, capsys) -> None:
    assert run(train, *TINY, "--out", str(tmp_path)) == 0
    umask = os.umask(0)
    os.umask(umask)
    modes = {name: (tmp_path / name).stat().st_mode & 0o777 for name in ("metrics.json", "checkpoint.npz")}
    assert modes == {"metrics.json": 0o666 & ~umask, "checkpoint.npz": 0o666 & ~umask}


def test_interrupt_while_saving_the_first_checkpoint_says_none_was_saved(tmp_path, monkeypatch, capsys) -> None:
    def interrupted_save(obj, path):
        raise KeyboardInterrupt

    monkeypatch.setattr(train, "save", interrupted_save)
    assert run(train, *TINY, "--out", str(tmp_path)) == 130
    err = capsys.readouterr().err
    assert "interrupted while saving the checkpoint of epoch 1" in err
    assert "no checkpoint of this run was saved" in err and "intact" not in err
    assert not (tmp_path / "checkpoint.npz").exists()


# ------------------------------------------------------------------ eval


def test_eval_reloads_a_checkpoint(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    assert run(train, *TINY) == 0
    trained = json.loads((tmp_path / "runs/seed/metrics.json").read_text())["test_accuracy"]
    capsys.readouterr()
    assert run(eval_cli, "--model", "seed", "--json") == 0  # finds runs/seed/checkpoint.npz itself
    result = json.loads(capsys.readouterr().out)
    assert result["model"] == "seed" and result["epoch"] == 1 and result["test_size"] == 200
    assert result["test_accuracy"] == pytest.approx(trained)
    assert run(eval_cli, "--checkpoint", "runs/seed/checkpoint.npz") == 0
    assert "test accuracy" in capsys.readouterr().out
    assert run(eval_cli, "--checkpoint", "runs/seed") == 0  # a run's folder will do
    assert "runs/seed/checkpoint.npz (epoch 1)" in capsys.readouterr().out


def test_eval_errors(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    assert run(eval_cli) == 2
    assert "train one first" in capsys.readouterr().err
    assert run(eval_cli, "--checkpoint", "missing.npz") == 2
    (tmp_path / "bad.npz").write_bytes(b"not a checkpoint")
    assert run(eval_cli, "--checkpoint", "bad.npz") == 1
    assert "cannot evaluate" in capsys.readouterr().err
    tc.save({"weights": tc.zeros(2)}, tmp_path / "other.npz")
    assert run(eval_cli, "--checkpoint", "other.npz") == 1
    assert "not a checkpoint of tinygrad-cnn train" in capsys.readouterr().err


# ------------------------------------------------------------------ messages, not tracebacks


def test_graph_under_a_file_is_a_message(tmp_path, capsys) -> None:
    blocker = tmp_path / "afile"
    blocker.write_text("x")
    assert run(graph_cli, "--model", "seed", "-o", str(blocker / "x.dot")) == 1
    assert "cannot write" in capsys.readouterr().err


def test_gradcheck_usage_errors_exit_2(capsys) -> None:
    assert run(gradcheck_cli, "--op", "add", "--seed", "-1") == 2
    assert "--seed must be a non-negative integer" in capsys.readouterr().err
    assert run(gradcheck_cli, "--op", "nope") == 2


def test_ctrl_c_while_importing_a_sub_command(monkeypatch, capsys) -> None:
    def interrupted(name, *args):
        raise KeyboardInterrupt

    monkeypatch.setattr(importlib, "import_module", interrupted)
    assert cli.main(["derive", "--model", "seed"]) == 130
    assert "interrupted" in capsys.readouterr().err


@pytest.mark.parametrize("unbuffered", ["1", ""])
def test_a_closed_pipe_is_no_traceback(unbuffered) -> None:
    env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONUNBUFFERED=unbuffered)  # "": output waits in a buffer
    proc = subprocess.Popen([sys.executable, "-m", "tinygrad_cnn", "derive", "--model", "seed"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    proc.stdout.close()  # the reader is gone before anything is written, as with `| head -1`
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 141
    assert "Traceback" not in err and "BrokenPipeError" not in err


def _fake_numpy_that_is_interrupted(folder: Path) -> dict:
    """A ``numpy`` first on the path that receives a Ctrl-C while it imports: an interrupt during the
    package's import, at a known moment."""
    fake = folder / "numpy"
    fake.mkdir()
    (fake / "__init__.py").write_text("import os, signal, time\nos.kill(os.getpid(), signal.SIGINT)\ntime.sleep(30)\n")
    return dict(os.environ, PYTHONPATH=os.pathsep.join([str(folder), str(ROOT)]))


def test_ctrl_c_while_the_package_imports_is_a_message(tmp_path) -> None:
    env = _fake_numpy_that_is_interrupted(tmp_path)
    run = subprocess.run([sys.executable, "-m", "tinygrad_cnn", "derive"], capture_output=True, text=True,
                         env=env, timeout=60)
    assert run.returncode == 130, run.stderr
    assert run.stderr == "tinygrad-cnn: interrupted\n"


def test_a_program_importing_the_library_keeps_its_ctrl_c(tmp_path) -> None:
    code = "import signal, tinygrad_cnn; assert signal.getsignal(signal.SIGINT) is signal.default_int_handler"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    assert subprocess.run([sys.executable, "-c", code], env=env, timeout=60).returncode == 0
    run = subprocess.run([sys.executable, "-c", "import tinygrad_cnn"], capture_output=True, text=True,
                         env=_fake_numpy_that_is_interrupted(tmp_path), timeout=60)
    assert "KeyboardInterrupt" in run.stderr  # a library import is not the command line: Python's own behaviour


def test_other_programs_run_with_python_m_keep_their_ctrl_c(monkeypatch) -> None:
    import signal

    from tinygrad_cnn import _cli_start

    monkeypatch.setattr(sys, "argv", ["-m"])  # `python -m their_app`, whose package imports tinygrad_cnn
    monkeypatch.setattr(sys, "orig_argv", [sys.executable, "-m", "their_app"])
    previous = signal.getsignal(signal.SIGINT)
    try:
        _cli_start.install()
        assert signal.getsignal(signal.SIGINT) is previous
    finally:
        signal.signal(signal.SIGINT, previous)


def test_main_gives_ctrl_c_back_to_python(monkeypatch) -> None:
    import signal

    from tinygrad_cnn import _cli_start

    monkeypatch.setattr(sys, "argv", ["-m"])  # as while `python -m tinygrad_cnn` imports the package
    monkeypatch.setattr(sys, "orig_argv", [sys.executable, "-m", "tinygrad_cnn", "gradcheck"])
    previous = signal.getsignal(signal.SIGINT)
    try:
        _cli_start.install()
        assert signal.getsignal(signal.SIGINT) is _cli_start._interrupted
        cli.main(["gradcheck", "--list", "--op", "add"])
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    finally:
        signal.signal(signal.SIGINT, previous)
