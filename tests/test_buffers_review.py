"""Review of the recycled results (``kernels.buffers``): problems found by trying to break them.

* The pools are guarded by one lock. The cyclic garbage collector can run at any allocation of a
  tracked object, including those made while a thread holds that lock; the finalizers it runs (a
  ``__del__``, a ``weakref.finalize`` callback) and signal handlers run in that same thread, and one that
  computes with a large tensor enters the pools again. That must not wait for the lock forever.
* An op's output has NumPy's dtype: ReLU of a non-native byte order array gives a native one.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np

import tinygrad_cnn as tc
from tinygrad_cnn.kernels import buffers

ROOT = Path(__file__).resolve().parents[1]


def _run(code: str) -> subprocess.CompletedProcess:
    """Run ``code`` in a fresh interpreter: a deadlocked lock must not take the test session with it."""
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})


def test_a_finalizer_run_inside_the_pool_lock_does_not_deadlock():
    # The collector runs inside the locked section (simulated deterministically: the real one runs
    # there whenever an allocation made under the lock crosses its threshold); the finalizer of a
    # garbage cycle computes with a large tensor, so it asks the pool for a result.
    proc = _run("""
        import gc, faulthandler
        import numpy as np
        import tinygrad_cnn as tc
        from tinygrad_cnn.kernels import buffers

        faulthandler.dump_traceback_later(20, exit=True)
        big = tc.tensor(np.ones((512, 512), np.float32))
        ran = []

        class Cycle:
            def __init__(self):
                self.me = self

            def __del__(self):
                ran.append((big * 2.0).sum().item())

        real = buffers._references

        def collecting(owners, i):
            gc.collect()
            return real(owners, i)

        y = big + 1.0  # a tracked result: the next one of its size scans the pool under the lock
        gc.disable()
        Cycle()
        buffers._references = collecting
        z = big + 1.0
        buffers._references = real
        assert ran == [524288.0], ran
        assert np.all(z.numpy() == 2.0) and np.all(y.numpy() == 2.0)
        print("ok")
    """)
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stdout + proc.stderr


def test_finalizers_that_compute_while_the_collector_runs_anywhere():
    # The same without simulation: garbage cycles whose finalizers compute, collected wherever the
    # collector's threshold falls (often enough inside a locked section of the pools).
    proc = _run("""
        import gc, faulthandler
        import numpy as np
        import tinygrad_cnn as tc

        faulthandler.dump_traceback_later(20, exit=True)
        big = tc.tensor(np.ones((512, 512), np.float32))
        calls = []

        class Cycle:
            def __init__(self):
                self.me = self

            def __del__(self):
                calls.append((big * 2.0).sum().item())

        gc.set_threshold(10)
        for _ in range(1500):
            Cycle()
            y = big + 1.0
        gc.set_threshold(700)
        gc.collect()
        assert calls and set(calls) == {524288.0}
        assert np.all(y.numpy() == 2.0)
        print("ok")
    """)
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stdout + proc.stderr


def test_relu_of_a_non_native_byte_order_is_native_as_numpy():
    a = np.random.default_rng(0).standard_normal((300, 300)).astype(">f4")  # recycled-result size
    y = tc.from_numpy(a).relu()
    expected = np.maximum(a, 0)
    assert y.numpy().dtype == expected.dtype
    np.testing.assert_array_equal(y.numpy(), expected)


def test_a_result_is_not_handed_out_while_only_a_view_through_a_subclass_holds_it():
    class Sub(np.ndarray):
        pass

    y = tc.tensor(np.ones((300, 300), np.float32)).relu() * 3.0
    held = y.numpy()[1:].view(Sub)[2:].view(np.ndarray)
    del y
    z = [tc.tensor(np.full((300, 300), 5.0, np.float32)).relu() * 1.0 for _ in range(4)]
    assert np.all(held == 3.0)
    assert all(np.all(t.numpy() == 5.0) for t in z)
    buffers.empty_cache()
