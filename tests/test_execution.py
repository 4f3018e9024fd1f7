"""The library leaves its host process alone, and its thread knobs are PyTorch's: importing starts no
thread and changes no allocator; set_num_threads/get_num_threads check their argument; the pool is safe
from many threads at once, also while its size changes; bad settings fail at the call that uses them."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading

import numpy as np
import pytest

import tinygrad_cnn as tc
import tinygrad_cnn.functional as F

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _python(code: str, **env: str) -> subprocess.CompletedProcess:
    """``code`` in a fresh interpreter that imports this checkout."""
    full_env = {**os.environ, "PYTHONPATH": ROOT, **env}
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                          env=full_env, timeout=120)


@pytest.fixture
def threads():
    """Set the thread count for one test, restored afterwards."""
    before = tc.get_num_threads()
    yield tc.set_num_threads
    tc.set_num_threads(before)


# ---------------------------------------------------------------------- import


def test_import_starts_no_thread_and_loads_no_optional_machinery():
    out = _python("""
        import sys, threading
        before = threading.active_count()
        import tinygrad_cnn as tc
        print(threading.active_count() - before)
        heavy = ("scipy", "graphviz", "matplotlib", "tinygrad_cnn.viz", "tinygrad_cnn.checks",
                 "concurrent.futures.thread")
        print(sorted(m for m in sys.modules if m in heavy or m.split(".")[0] in heavy[:3]))
        print(tc.viz.make_dot.__name__, tc.checks.gradcheck_report is tc.gradcheck_report, "viz" in dir(tc))
    """)
    assert out.returncode == 0, out.stderr
    started, loaded, lazy = out.stdout.split("\n")[:3]
    assert started == "0"
    assert loaded == "[]"
    assert lazy == "make_dot True True"


def test_import_leaves_the_allocator_alone():
    """120 MB of plain NumPy arrays, freed, go back to the OS as they would without the import."""
    out = _python("""
        import numpy as np
        import tinygrad_cnn

        def rss_mb():
            with open("/proc/self/status") as f:
                return next(int(line.split()[1]) for line in f if line.startswith("VmRSS")) / 1024

        before = rss_mb()
        a = [np.ones(3_000_000 + i) for i in range(5)]
        del a
        print(rss_mb() - before)
    """)
    if out.returncode != 0 and "/proc/self/status" in out.stderr:
        pytest.skip("no /proc on this system")
    assert out.returncode == 0, out.stderr
    assert float(out.stdout) <= 10


def test_unknown_attribute_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'not_there'"):
        tc.not_there  # noqa: B018


def test_tune_allocator_is_an_explicit_opt_in():
    from tinygrad_cnn.runtime import tune_allocator

    out = _python("""
        from tinygrad_cnn.runtime import tune_allocator
        print(tune_allocator())
    """)
    assert out.returncode == 0 and out.stdout.strip() in ("True", "False")
    with pytest.raises(ValueError, match="mmap_threshold must be a non-negative int"):
        tune_allocator(mmap_threshold=-1)


# ---------------------------------------------------------------------- the knobs


def test_set_num_threads_round_trips(threads):
    threads(3)
    assert tc.get_num_threads() == 3
    threads(np.int64(1))
    assert tc.get_num_threads() == 1 and isinstance(tc.get_num_threads(), int)


@pytest.mark.parametrize("value, error, match", [
    (0, ValueError, "positive number of threads, got 0"),
    (-2, ValueError, "positive number of threads, got -2"),
    (2.5, TypeError, "expects an int, got float 2.5"),
    (True, TypeError, "expects an int, got bool True"),
    ("2", TypeError, "expects an int, got str '2'"),
    (None, TypeError, "expects an int, got NoneType"),
])
def test_set_num_threads_rejects_what_is_not_a_positive_int(threads, value, error, match):
    before = tc.get_num_threads()
    with pytest.raises(error, match=match):
        threads(value)
    assert tc.get_num_threads() == before  # a refused value changes nothing


def test_set_num_threads_refuses_what_torch_refuses():
    torch = pytest.importorskip("torch")
    for value in (0, -1, 2.5, True):
        with pytest.raises(RuntimeError):
            torch.set_num_threads(value)
        with pytest.raises((TypeError, ValueError)):
            tc.set_num_threads(value)


@pytest.mark.parametrize("value", ["abc", "0", "-3", "2.5"])
def test_a_bad_thread_environment_variable_fails_at_the_first_use_not_at_import(value):
    out = _python("""
        import numpy as np
        import tinygrad_cnn as tc
        import tinygrad_cnn.functional as F
        print("imported")
        try:
            tc.get_num_threads()
        except ValueError as e:
            print("ValueError:", e)
    """, TINYGRAD_CNN_THREADS=value)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == [
        "imported", f"ValueError: TINYGRAD_CNN_THREADS must be a positive integer (a thread count), got {value!r}"
    ]


def test_the_thread_environment_variable_sets_the_default():
    out = _python("import tinygrad_cnn as tc; print(tc.get_num_threads())", TINYGRAD_CNN_THREADS="5")
    assert out.stdout.strip() == "5"


# ---------------------------------------------------------------------- the pool under concurrent use


def _conv_step(x: np.ndarray, w: np.ndarray, b: np.ndarray, g: np.ndarray) -> list[np.ndarray]:
    X, W, B = (tc.tensor(a, requires_grad=True) for a in (x, w, b))
    y = F.conv2d(X, W, B, stride=1, padding=1)
    y.backward(tc.tensor(g))
    return [y.detach().numpy(), X.grad.detach().numpy(), W.grad.detach().numpy(), B.grad.detach().numpy()]


def test_conv_from_many_threads_while_the_thread_count_changes(rng, monkeypatch, threads):
    """Six threads run conv2d forward + backward while a seventh keeps resizing the pool (up to 64):
    every result equals the single-threaded one, and nothing raises."""
    from tinygrad_cnn.kernels import execution

    # Share even these small ops, and overlap every backward's two gradients: every path uses the pool.
    monkeypatch.setattr(execution, "PARALLEL_BYTES", 0)
    monkeypatch.setattr(execution, "CONCURRENT_BYTES", 0)
    monkeypatch.setattr(execution, "BLOCK_BYTES", 1 << 12)
    cases = []
    for h in (6, 20, 36):  # batch-last and per-sample layouts, both col2im kinds
        x = rng.standard_normal((8, 3, h, h))
        w, b = rng.standard_normal((4, 3, 3, 3)), rng.standard_normal(4)
        g = rng.standard_normal((8, 4, h, h))
        cases.append((x, w, b, g))
    threads(1)
    expected = [_conv_step(*case) for case in cases]
    threads(4)
    errors: list[BaseException] = []
    stop = threading.Event()

    def resize() -> None:
        sizes = [1, 64, 2, 16, 3, 8]
        i = 0
        while not stop.is_set():
            tc.set_num_threads(sizes[i % len(sizes)])
            i += 1

    def run(k: int) -> None:
        try:
            for rep in range(6):
                case = (k + rep) % len(cases)
                got = _conv_step(*cases[case])
                for a, e in zip(got, expected[case]):
                    np.testing.assert_allclose(a, e, rtol=1e-12, atol=1e-12)
        except BaseException as e:  # noqa: BLE001 - reported below, on the test's thread
            errors.append(e)

    resizer = threading.Thread(target=resize, daemon=True)
    workers = [threading.Thread(target=run, args=(k,), daemon=True) for k in range(6)]
    resizer.start()
    for t in workers:
        t.start()
    for t in workers:
        t.join(120)
    stop.set()
    resizer.join(10)
    assert not any(t.is_alive() for t in workers), "a conv thread is still running: a deadlock"
    assert not errors, errors[0]


def test_columns_kept_by_a_forward_survive_a_thread_count_change_before_backward(rng, monkeypatch, threads):
    """The kernel gradient reuses the forward's blocks of columns even when the blocks it would choose now
    differ (the thread count changed in between)."""
    from tinygrad_cnn.kernels import execution

    monkeypatch.setattr(execution, "PARALLEL_BYTES", 0)
    x, w, g = rng.standard_normal((9, 2, 10, 10)), rng.standard_normal((3, 2, 3, 3)), rng.standard_normal((9, 3, 8, 8))
    threads(1)
    X, W = tc.tensor(x), tc.tensor(w, requires_grad=True)
    F.conv2d(X, W).backward(tc.tensor(g))
    expected = W.grad.numpy()
    threads(4)
    W.grad = None
    y = F.conv2d(X, W)
    threads(3)
    y.backward(tc.tensor(g))
    np.testing.assert_allclose(W.grad.numpy(), expected, rtol=1e-12, atol=1e-12)


# ---------------------------------------------------------------------- an empty kernel


@pytest.mark.parametrize("shape", [(2, 3, 0, 0), (2, 3, 0, 2), (2, 3, 2, 0)])
def test_conv2d_with_an_empty_kernel_raises(shape):
    x = tc.tensor(np.ones((1, 3, 4, 4)))
    with pytest.raises(ValueError, match=r"conv2d: kernel size should be greater than zero, got kernel_height"):
        F.conv2d(x, tc.tensor(np.ones(shape)))
    with pytest.raises(ValueError, match=r"conv_transpose2d: kernel size should be greater than zero"):
        F.conv_transpose2d(x, tc.tensor(np.ones((3,) + shape[1:])))
    with pytest.raises(ValueError, match=r"conv2d_weight: kernel size should be greater than zero"):
        F.conv2d_weight(x, shape, tc.tensor(np.ones((1, 2, 4, 4))))


def test_conv2d_with_an_empty_kernel_is_refused_by_torch_too():
    torch = pytest.importorskip("torch")
    with pytest.raises(RuntimeError, match="kernel size should be greater than zero"):
        torch.nn.functional.conv2d(torch.ones(1, 3, 4, 4), torch.ones(2, 3, 0, 0))


# ---------------------------------------------------------------------- reused work buffers


def test_kept_columns_are_reused_only_once_their_graph_lets_go(rng):
    """Two graphs alive at once each keep their own columns; a freed graph's columns serve the next step."""
    from tinygrad_cnn.kernels import buffers

    x1, x2 = rng.standard_normal((64, 2, 30, 30)), rng.standard_normal((64, 2, 30, 30))
    w = rng.standard_normal((3, 2, 3, 3))
    g = rng.standard_normal((64, 3, 28, 28))

    def weight_grad(x: np.ndarray) -> np.ndarray:
        W = tc.tensor(w, requires_grad=True)
        F.conv2d(tc.tensor(x), W).backward(tc.tensor(g))
        return W.grad.numpy()

    expected = [weight_grad(x1), weight_grad(x2)]
    buffers.empty_cache()
    W = tc.tensor(w, requires_grad=True)
    y1, y2 = F.conv2d(tc.tensor(x1), W), F.conv2d(tc.tensor(x2), W)  # both graphs hold their columns
    before = buffers.cached_bytes()
    y1.backward(tc.tensor(g))
    assert buffers.cached_bytes() > before  # y1's columns are idle again
    np.testing.assert_allclose(W.grad.numpy(), expected[0], rtol=1e-12)
    y3 = F.conv2d(tc.tensor(x1), W)  # takes y1's old columns while y2's are still saved
    W.grad = None
    y2.backward(tc.tensor(g))
    np.testing.assert_allclose(W.grad.numpy(), expected[1], rtol=1e-12)
    W.grad = None
    y3.backward(tc.tensor(g), retain_graph=True)
    y3.backward(tc.tensor(g))  # a retained graph keeps its columns for the second backward
    np.testing.assert_allclose(W.grad.numpy(), 2 * expected[0], rtol=1e-12)
    assert buffers.cached_bytes() <= buffers.LIMIT_BYTES
    buffers.empty_cache()
    assert buffers.cached_bytes() == 0


def test_take_and_give():
    from tinygrad_cnn.kernels import buffers

    buffers.empty_cache()
    a = buffers.take((512, 256), np.float32)
    assert a.shape == (512, 256) and a.dtype == np.float32 and a.flags.c_contiguous
    buffers.give(a)
    b = buffers.take((256, 512), np.float32)  # the same bytes, another shape
    assert np.shares_memory(a, b)
    assert not np.shares_memory(buffers.take((256, 512), np.float32), b)  # handed out once only
    small = buffers.take((4,), np.float64)
    buffers.give(small)
    assert buffers.cached_bytes() == 0  # small arrays are left to NumPy


def test_the_pool_starts_on_first_parallel_use_and_one_thread_never_starts_it():
    out = _python("""
        import threading
        import numpy as np
        import tinygrad_cnn as tc
        import tinygrad_cnn.functional as F
        from tinygrad_cnn.kernels import execution

        execution.PARALLEL_BYTES = 0  # share every op that can be shared
        def workers():
            return sum(t.name.startswith("tinygrad_cnn-worker") for t in threading.enumerate())
        x = tc.tensor(np.ones((8, 2, 10, 10)))
        w = tc.tensor(np.ones((3, 2, 3, 3)), requires_grad=True)
        tc.set_num_threads(1)
        F.conv2d(x, w).sum().backward()
        print(workers())
        tc.set_num_threads(3)
        F.conv2d(x, w).sum().backward()
        print(workers())
    """)
    assert out.returncode == 0, out.stderr
    before, after = out.stdout.split()
    assert before == "0"  # one thread: the pool never started
    assert 1 <= int(after) <= 2  # three: the caller and up to two workers
