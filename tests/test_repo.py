"""Repository checks: CI runs exactly the test command the README gives newcomers."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def readme_commands() -> list[str]:
    """The command lines of the README's first shell block (its 'first two commands')."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```(?:bash|sh|shell|console)\n(.*?)```", text, re.S)
    assert block, "README.md has no shell code block"
    return [line.strip() for line in block.group(1).splitlines() if line.strip() and not line.strip().startswith("#")]


def test_readme_gives_an_install_plus_main_job_and_an_install_plus_tests_command():
    commands = readme_commands()
    assert len(commands) >= 2, commands
    assert any("pip install" in c and "pytest" in c for c in commands), commands
    assert any("pip install" in c and "pytest" not in c for c in commands), commands


def test_ci_runs_the_readme_test_command_verbatim():
    test_command = next(c for c in readme_commands() if "pytest" in c)
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    ci_lines = [line.strip() for line in ci.splitlines() if not line.strip().startswith("#")]
    assert test_command in ci_lines, f"{test_command!r} is not a line of .ci/run"


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
def test_ci_script_is_executable_and_fails_fast():
    path = ROOT / ".ci" / "run"
    assert os.access(path, os.X_OK)
    text = path.read_text(encoding="utf-8")
    assert text.startswith("#!")
    assert "set -e" in text


def test_test_extra_lists_pytest_and_hypothesis():
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    extra = re.search(r"^test\s*=\s*\[(.*?)\]", text, re.M | re.S)
    assert extra, "pyproject.toml has no 'test' extra"
    assert "pytest" in extra.group(1) and "hypothesis" in extra.group(1)
