"""Stateful property test of tc.save / tc.load (issue 15): hypothesis saves random nested checkpoints (random
keys with odd characters, random dtypes and shapes) to one path, interrupts saves at random points, leaves
temporaries of "killed" saves behind, and after every step checks the invariants:

- the file at the path is exactly the last checkpoint that was saved completely (values, dtypes, types,
  key order), or absent if none was;
- a failed or interrupted save leaves that file as it was;
- no temporary file is left behind, except those of dead saves, and the next save clears those.

A save killed for real (SIGKILL on a subprocess) is in tests/test_checkpoints.py; here a killed save is
simulated by the file it leaves: a temporary named for a process that no longer exists.
"""

from __future__ import annotations

import io
import math
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
from collections import Counter, OrderedDict
from typing import Any
from unittest import mock

import numpy as np
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

import tinygrad_cnn as tc
from tinygrad_cnn import checkpoint_files
from tinygrad_cnn.nn import Parameter

#: what the runs did, for the counts in reports
STATS: Counter[str] = Counter()

# ---------------------------------------------------------------------- strategies

ODD_CHARS = st.sampled_from(["\x00", "/", ".", "\\", "\n", '"', "'", ":", "*", "\x7f", "\u202e", "\ufeff"])
CHARS = st.one_of(st.characters(), st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF), ODD_CHARS)
TEXT = st.one_of(
    st.text(CHARS, max_size=12),
    st.sampled_from(["..", "../x", "w.npy", "w", "manifest.json", "0.npy", "0", "__tinygrad_cnn__", "x" * 3000]),
)
SCALAR_KEYS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), TEXT,
                        st.complex_numbers(allow_nan=False))
KEYS = st.one_of(SCALAR_KEYS, st.tuples(SCALAR_KEYS, SCALAR_KEYS), st.just(()))

DTYPES = ["bool", "int8", "uint8", "int32", "int64", "float16", "float32", "float64", "complex64", "complex128",
          ">f8", ">i4", "<U3", "S2"]
SHAPES = hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4)


@st.composite
def arrays(draw, dtypes=DTYPES):
    arr = draw(hnp.arrays(st.sampled_from(dtypes).map(np.dtype), SHAPES))
    if arr.ndim >= 2 and draw(st.booleans()):
        arr = np.asfortranarray(arr)
    return arr


@st.composite
def tensors(draw):
    kind = draw(st.sampled_from(["float", "int", "parameter"]))
    if kind == "int":
        return _tensor(draw(arrays(["int64", "int32", "bool", "uint8"])), False)
    arr = draw(arrays(["float32", "float64", "float16"]))
    requires_grad = draw(st.booleans())
    if kind == "parameter":
        return Parameter(tc.tensor(arr, dtype=arr.dtype), requires_grad=requires_grad)
    return _tensor(arr, requires_grad)


def _tensor(arr: np.ndarray, requires_grad: bool) -> tc.Tensor:
    return tc.tensor(arr, dtype=arr.dtype, requires_grad=requires_grad)


LEAVES = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(), st.complex_numbers(), TEXT,
    arrays(), hnp.arrays(st.sampled_from(DTYPES[:10]).map(np.dtype), ()).map(lambda a: a[()]), tensors(),
)
CHECKPOINTS = st.recursive(
    LEAVES,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.lists(children, max_size=4).map(tuple),
        st.dictionaries(KEYS, children, max_size=4),
        st.dictionaries(KEYS, children, max_size=4).map(lambda d: OrderedDict(d)),
    ),
    max_leaves=12,
)


# ---------------------------------------------------------------------- exact equality, types included


def same_float(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or (a == b and math.copysign(1, a) == math.copysign(1, b))


def assert_same(a: Any, b: Any, where: str = "top") -> None:
    """``b`` is ``a``: same types all the way down, same keys in the same order, bit-equal arrays."""
    assert type(a) is type(b), f"{where}: {type(a).__name__} != {type(b).__name__}"
    if isinstance(a, dict):
        assert len(a) == len(b), where
        for (ka, va), (kb, vb) in zip(a.items(), b.items()):
            assert_same(ka, kb, f"{where} key {ka!r}")
            assert_same(va, vb, f"{where}[{ka!r}]")
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b)):
            assert_same(x, y, f"{where}[{i}]")
    elif isinstance(a, tc.Tensor):
        assert a.requires_grad == b.requires_grad and b.is_leaf, where
        assert_same(a._data, b._data, f"{where} (tensor data)")
    elif isinstance(a, np.ndarray):
        assert a.dtype == b.dtype and a.shape == b.shape, f"{where}: {a.dtype}{a.shape} != {b.dtype}{b.shape}"
        assert np.ascontiguousarray(a).tobytes() == np.ascontiguousarray(b).tobytes(), where
        if a.flags.f_contiguous and not a.flags.c_contiguous:
            assert b.flags.f_contiguous, where
    elif isinstance(a, np.generic):
        assert a.dtype == b.dtype and a.tobytes() == b.tobytes(), where
    elif isinstance(a, float):
        assert same_float(a, b), f"{where}: {a!r} != {b!r}"
    elif isinstance(a, complex):
        assert same_float(a.real, b.real) and same_float(a.imag, b.imag), f"{where}: {a!r} != {b!r}"
    else:
        assert a == b, f"{where}: {a!r} != {b!r}"


def is_same(a: Any, b: Any) -> bool:
    try:
        assert_same(a, b)
    except AssertionError:
        return False
    return True


# ---------------------------------------------------------------------- the machine

_DEAD_PID: list[int] = []


def dead_pid() -> int:
    """The id of a process that has exited (and been reaped)."""
    if not _DEAD_PID:
        proc = subprocess.Popen([sys.executable, "-c", "pass"])
        proc.wait()
        _DEAD_PID.append(proc.pid)
    return _DEAD_PID[0]


class InjectedError(Exception):
    """The failure injected into a save."""


class CheckpointMachine(RuleBasedStateMachine):
    """One checkpoint path, saved to, interrupted and loaded in random order."""

    def __init__(self) -> None:
        super().__init__()
        self.folder = tempfile.mkdtemp(prefix="tc-ckpt-")
        self.path = os.path.join(self.folder, "ckpt.pt")
        self.saved: Any = None
        self.has_file = False
        self.stale = 0  # temporaries left by "killed" saves, to be cleared by the next save

    def teardown(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)

    def saved_completely(self, obj: Any) -> None:
        self.saved, self.has_file, self.stale = obj, True, 0

    @rule(obj=CHECKPOINTS)
    def save(self, obj):
        tc.save(obj, self.path)
        self.saved_completely(obj)
        STATS["saves"] += 1

    @rule(obj=CHECKPOINTS)
    def save_and_load_through_a_buffer(self, obj):
        buf = io.BytesIO()
        tc.save(obj, buf)
        buf.seek(0)
        assert_same(obj, tc.load(buf))
        STATS["buffer round trips"] += 1

    @rule(obj=CHECKPOINTS, at=st.integers(1, 3),
          where=st.sampled_from(["write_array", "writestr", "fsync", "replace"]),
          error=st.sampled_from([InjectedError, KeyboardInterrupt, OSError]))
    def interrupted_save(self, obj, at, where, error):
        calls = {"n": 0}
        target = {"write_array": (np.lib.format, "write_array"), "writestr": (checkpoint_files.zipfile.ZipFile,
                                                                              "writestr"),
                  "fsync": (checkpoint_files.os, "fsync"), "replace": (checkpoint_files.os, "replace")}[where]
        real = getattr(*target)

        def failing(*args, **kwargs):
            calls["n"] += 1
            if calls["n"] == at:
                raise error("injected")
            return real(*args, **kwargs)

        try:
            with mock.patch.object(*target, failing):
                tc.save(obj, self.path)
        except (InjectedError, KeyboardInterrupt, OSError):
            STATS["interrupted saves"] += 1
            self.stale = 0  # the failed save still cleared the dead saves' temporaries before writing
            # interrupted before the rename: the old file; after it (while syncing the folder): the new one
            if os.path.exists(self.path) and not (self.has_file and is_same(self.saved, tc.load(self.path))):
                self.saved_completely(obj)
                STATS["interrupted after the rename"] += 1
            return
        self.saved_completely(obj)  # fewer calls than ``at``: the save went through
        STATS["saves"] += 1

    @rule(obj=st.one_of(st.builds(object), st.sets(st.integers(), max_size=2), st.binary(max_size=3)),
          wrap=st.sampled_from(["list", "dict", "key"]))
    def unsupported_save(self, obj, wrap):
        bad = {"list": [1, obj], "dict": {"ok": 1, "bad": obj}, "key": {"ok": 1, frozenset([1]): 2}}[wrap]
        try:
            tc.save(bad, self.path)
        except TypeError:
            STATS["refused saves"] += 1
            return
        raise AssertionError(f"saving {bad!r} should raise TypeError")

    @precondition(lambda self: self.stale < 3)
    @rule(size=st.integers(0, 5000))
    def a_save_is_killed(self, size):
        """What SIGKILL leaves: a half-written temporary named for a process that is gone."""
        name = (f".tmp-{checkpoint_files._tag(self.path)}-{checkpoint_files._host()}-{dead_pid()}-"
                f"{secrets.token_hex(4)}.part")
        with open(os.path.join(self.folder, name), "wb") as f:
            f.write(b"PK\x03\x04" + bytes(size))
        self.stale += 1
        STATS["killed saves simulated"] += 1

    @invariant()
    def the_file_is_the_last_complete_save(self):
        if not self.has_file:
            assert not os.path.exists(self.path)
            return
        assert_same(self.saved, tc.load(self.path))
        STATS["loads checked"] += 1

    @invariant()
    def no_stray_temporaries(self):
        temporaries = [n for n in os.listdir(self.folder) if n != "ckpt.pt"]
        assert len(temporaries) == self.stale, temporaries


CheckpointMachine.TestCase.settings = settings(
    max_examples=int(os.environ.get("HARDEN_EXAMPLES", 30)), stateful_step_count=10, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
)
test_checkpoints_round_trip_and_survive_interruptions = CheckpointMachine.TestCase
