"""Review of the recycled results (``kernels.buffers``): problems found by trying to break them.

* The pools are guarded by one lock. The cyclic garbage collector can run at any allocation of a
  tracked object, including those made while a thread holds that lock; the finalizers it runs (a
  ``__del__``, a ``weakref.finalize`` callback) and signal handlers run in that same thread, and one that
  computes with a large tensor enters the pools again. That must not wait for the lock forever.
* An op's output has the dtype it had before results were recycled: ReLU of a non-native byte order
  array gives a native one (as ``np.maximum``); with NumPy 1.x, whose casting looks at a 0-d operand's
  value, a large ``float32 * 0-d float64`` stays float32 as a small one does, and ReLU of a 0-d uint8
  tensor works (the tests of that pass under NumPy 2 either way; they were run under NumPy 1.26 too).
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

        y = big.relu()  # a tracked result: the next one of its size scans the pool under the lock
        gc.disable()
        Cycle()
        buffers._references = collecting
        z = big.relu()
        buffers._references = real
        assert ran == [524288.0], ran
        assert np.all(z.numpy() == 1.0) and np.all(y.numpy() == 1.0)
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


# NumPy 1.x (the project supports numpy>=1.24) casts by value when a 0-d array meets arrays: float32
# array * float64 0-d array is float32 there. ``ufunc.resolve_dtypes`` sees dtypes only, so a recycled
# result must not decide the dtype then. Under NumPy 2 (NEP 50) both agree and these pass either way.
_OPS = [np.add, np.subtract, np.multiply, np.true_divide]
_DTYPES = [np.float16, np.float32, np.float64, np.int8, np.int64, np.uint8]


def test_apply_returns_what_the_ufunc_returns_without_out():
    rng = np.random.default_rng(0)
    for ufunc in _OPS:
        for d1 in _DTYPES:
            for d2 in _DTYPES:
                big = (rng.standard_normal((300, 300)) * 3).astype(d1)  # recycled-result size
                zero_d = np.asarray(rng.standard_normal() * 3).astype(d2)
                for operands in ((big, zero_d), (zero_d, big), (big, big.astype(d2))):
                    with np.errstate(all="ignore"):
                        try:
                            expected = ufunc(*operands)
                        except TypeError as e:
                            expected = e
                        try:
                            got = buffers.apply(ufunc, *operands)
                        except TypeError as e:
                            got = e
                    if isinstance(expected, Exception):
                        assert type(got) is type(expected), (ufunc, d1, d2)
                        continue
                    assert got.dtype == expected.dtype and got.shape == expected.shape, (ufunc, d1, d2)
                    np.testing.assert_array_equal(got, expected)
    buffers.empty_cache()


def test_an_ops_dtype_does_not_depend_on_the_size_of_its_operand():
    # PyTorch's rule (``binary``): a 0-d tensor does not promote a dimensioned one of its category; with
    # NumPy 1.x the library leaves that to NumPy's value-based casting in the forward
    for shape in [(3, 4), (300, 300)]:  # NumPy's own output / a recycled result
        for dtype, scalar in [(np.float32, tc.tensor(2.0, dtype=tc.float64)), (np.int8, tc.tensor(2))]:
            x = tc.tensor(np.ones(shape, dtype))
            for y in (x * scalar, scalar * x, x + scalar, x - scalar):
                assert y.dtype == dtype, (shape, dtype)
                assert np.all(y.numpy() == (x.numpy() * 2 if y.numpy()[0, 0] == 2 else y.numpy()))


def test_relu_of_a_0d_tensor_keeps_its_dtype():
    for dtype in [np.uint8, np.int8, np.int32, np.float16, np.float32]:
        y = tc.tensor(np.asarray(3, dtype)).relu()
        assert y.dtype == dtype and y.item() == 3
