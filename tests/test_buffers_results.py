"""Recycled results (``kernels.buffers.result``): memory comes back only when nothing refers to it.

The ops write their large outputs and gradients into byte arrays the library keeps, so a training
step stops faulting in fresh pages. The one thing that must never happen is an array handed out
while another live array (a tensor, a view, a ``.numpy()``, a saved tensor of a graph) still uses
the same memory: these tests try every way to hold on to a result and check that nothing it holds
is overwritten.
"""

from __future__ import annotations

import gc
import threading

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_cnn as tc
import tinygrad_cnn.functional as F
from tinygrad_cnn.kernels import buffers

BIG = (256, 512)  # 512 kB of float32: above buffers.MIN_BYTES, so recycled


@pytest.fixture(autouse=True)
def _empty_cache():
    buffers.empty_cache()
    yield
    buffers.empty_cache()


def test_an_idle_result_is_reused_and_a_live_one_is_not():
    a = buffers.result(BIG, np.float32)
    address = a.__array_interface__["data"][0]
    b = buffers.result(BIG, np.float32)
    assert not np.shares_memory(a, b)  # a is alive
    del a
    c = buffers.result(BIG, np.float32)
    assert c.__array_interface__["data"][0] == address  # a's memory, now idle, came back
    assert c.shape == BIG and c.dtype == np.float32 and c.flags.c_contiguous and c.flags.writeable


@pytest.mark.parametrize(
    "hold",
    [
        lambda a: a[10:20],  # a slice
        lambda a: a.T,  # a transposed view
        lambda a: a.reshape(-1)[::3],  # a view of a view
        lambda a: memoryview(a),  # the buffer protocol
        lambda a: tc.from_numpy(a),  # a tensor sharing it
        lambda a: tc.from_numpy(a).view(-1)[5:],  # a view of that tensor
        lambda a: np.lib.stride_tricks.as_strided(a, (4,), (8,)),
    ],
    ids=["slice", "transpose", "view-of-view", "memoryview", "from_numpy", "tensor-view", "as_strided"],
)
def test_anything_that_refers_to_a_result_keeps_it_from_being_handed_out(hold):
    a = buffers.result(BIG, np.float32)
    a[...] = 7.0
    keeper = hold(a)
    del a
    gc.collect()
    others = [buffers.result(BIG, np.float32) for _ in range(3)]
    for o in others:
        o[...] = -1.0
    kept = np.asarray(keeper.numpy() if isinstance(keeper, tc.Tensor) else keeper)
    assert np.all(kept == 7.0)


def test_smaller_arrays_are_left_to_numpy_and_shapes_and_dtypes_come_right():
    small = buffers.result((4, 4), np.float64)
    assert small.base is None and small.shape == (4, 4) and small.dtype == np.float64
    odd = buffers.result((3, 7, 11, 131), np.float64)
    assert odd.shape == (3, 7, 11, 131) and odd.dtype == np.float64
    assert buffers.result((0, 1 << 20), np.float32).shape == (0, 1 << 20)


def test_apply_and_matmul_give_numpys_results():
    rng = np.random.default_rng(0)
    x = rng.standard_normal(BIG).astype(np.float32)
    y = rng.standard_normal(BIG).astype(np.float32)
    for ufunc, args in [(np.add, (x, y)), (np.multiply, (x, y[:1])), (np.exp, (x,)), (np.less, (x, y)),
                        (np.add, (x, y.astype(np.float64))), (np.negative, (x.astype(np.int32),))]:
        got = buffers.apply(ufunc, *args)
        want = ufunc(*args)
        assert got.dtype == want.dtype and got.shape == want.shape
        np.testing.assert_array_equal(got, want)
    with pytest.raises(TypeError):
        buffers.apply(np.negative, x > 0)  # NumPy's own error for boolean negation
    m = rng.standard_normal((700, 256)).astype(np.float32)
    product = buffers.matmul(m, x)
    assert product.base is not None  # a recycled result
    np.testing.assert_allclose(product, m @ x, rtol=1e-5, atol=1e-4)


def test_the_limit_is_kept_and_empty_cache_frees_only_idle_results(monkeypatch):
    monkeypatch.setattr(buffers, "RESULTS_LIMIT_BYTES", 4 * 512 * 1024)
    live = [buffers.result(BIG, np.float32) for _ in range(6)]  # more than the limit: the oldest untracked
    assert buffers._results_bytes <= buffers.RESULTS_LIMIT_BYTES
    for i, a in enumerate(live):
        a[...] = i
    for i, a in enumerate(live):
        assert np.all(a == i)
    del live[:3]
    idle_before = buffers.cached_bytes()
    buffers.empty_cache()
    assert buffers.cached_bytes() == 0 and idle_before > 0
    for i, a in enumerate(live, start=3):  # the busy ones were not touched
        assert np.all(a == i)


def test_kept_outputs_of_many_training_steps_stay_intact():
    """A loop that keeps every step's activations and gradients (as a user plotting them would)."""
    rng = np.random.default_rng(1)
    x = tc.tensor(rng.standard_normal((16, 4, 24, 24)).astype(np.float32))
    w = tc.tensor(rng.standard_normal((8, 4, 3, 3)).astype(np.float32) * 0.1, requires_grad=True)
    kept = []
    for step in range(5):
        h = F.conv2d(x, w, padding=1).relu()
        out = F.max_pool2d(h, 2)
        (out * (step + 1.0)).sum().backward()
        kept.append((h, out.detach(), w.grad.numpy().copy(), w.grad))
        w.grad = None
    for h, out, grad_copy, grad in kept:
        want_h = np.maximum(F.conv2d(x, w.detach(), padding=1).numpy(), 0)
        np.testing.assert_allclose(h.detach().numpy(), want_h, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(out.numpy(), F.max_pool2d(tc.tensor(want_h), 2).numpy(), rtol=1e-5)
        np.testing.assert_array_equal(grad.numpy(), grad_copy)


def test_threads_never_get_the_same_memory():
    errors = []

    def work(k: int) -> None:
        try:
            for _ in range(50):
                arrays = [buffers.result(BIG, np.float32) for _ in range(3)]
                for i, a in enumerate(arrays):
                    a[...] = k * 10 + i
                for i, a in enumerate(arrays):
                    if not np.all(a == k * 10 + i):
                        errors.append((k, i))
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from([(256, 256), (128, 1024), (512, 300)]),
                          st.sampled_from(["keep", "view", "drop"])), min_size=1, max_size=25))
def test_random_programs_never_overwrite_a_live_array(program):
    """Allocate results of a few sizes, keep some (or a view of them), drop others; every kept value survives."""
    live = []
    for n, (shape, what) in enumerate(program):
        a = buffers.result(shape, np.float32)
        a[...] = n
        if what == "keep":
            live.append((n, a))
        elif what == "view":
            live.append((n, a[1:, ::2]))
        del a
        for m, kept in live:
            assert np.all(kept == m)


@pytest.mark.parametrize("op", ["exp", "neg", "relu", "sigmoid", "tanh", "abs", "sqrt", "log", "mul", "add", "sub",
                                "div", "bias"])
@pytest.mark.parametrize("transposed", [False, True])
def test_large_outputs_keep_the_layout_pytorch_gives_them(op, transposed):
    """Recycled results are C-contiguous, so strided inputs keep NumPy's (and PyTorch's) output layout."""
    torch = pytest.importorskip("torch")
    base = np.random.default_rng(2).random((600, 500)).astype(np.float32) + 0.5
    ours, theirs = tc.tensor(base), torch.from_numpy(base.copy())
    if transposed:
        ours, theirs = ours.T, theirs.T
    row = np.arange(ours.shape[1], dtype=np.float32) + 1.0

    def run(x, lib):
        if op in ("mul", "add", "sub", "div"):
            return {"mul": x * x, "add": x + x, "sub": x - x, "div": x / x}[op]
        if op == "bias":
            return x + lib.tensor(row)
        return getattr(x, op)()

    got, want = run(ours, tc), run(theirs, torch)
    assert got.is_contiguous() == want.is_contiguous()
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-6)


def test_recycling_is_on_here_and_off_where_reference_counts_cannot_tell(monkeypatch):
    assert buffers.RECYCLING  # CPython with a GIL: views count as references
    monkeypatch.setattr(buffers, "RECYCLING", False)
    a = buffers.result(BIG, np.float32)
    assert a.base is None and a.shape == BIG  # a plain fresh array, never recycled
    del a
    assert not np.shares_memory(buffers.result(BIG, np.float32), buffers.result(BIG, np.float32))


def test_a_work_buffer_serves_the_next_request_it_holds_up_to_twice_over():
    """take() reuses the buffer given back last whenever it holds the request (and is at most twice its
    size), whatever its dtype: an op's blocks of unequal sizes then share one hot buffer."""
    big = buffers.take((1024, 512), np.float32)  # 2 MiB
    buffers.give(big)
    smaller = buffers.take((300, 1000), np.float64)  # 2.4 MB > 2 MiB: does not fit
    assert not np.shares_memory(smaller, big)
    half = buffers.take((700, 512), np.float32)  # fits, and 2 MiB is at most twice its 1.4 MB
    assert np.shares_memory(half, big) and half.shape == (700, 512) and half.dtype == np.float32
    assert half.flags.c_contiguous and half.flags.writeable
    buffers.give(half)  # the whole buffer comes back, not just the front
    assert buffers.cached_bytes() == big.nbytes
    tiny = buffers.take((64, 1024), np.float32)  # 256 kB: 2 MiB is more than twice that, so a fresh one
    assert not np.shares_memory(tiny, big)
    again = buffers.take((1024, 512), np.float32)
    assert np.shares_memory(again, big) and again.shape == (1024, 512)
