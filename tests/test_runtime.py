"""The conv kernels' thread pool: results in order, every exception raised only once all threads are
done, nested use from a pool thread run inline (never a deadlock), recording off on the workers."""

from __future__ import annotations

import threading
import time

import pytest

import tinygrad_cnn as tc
from tinygrad_cnn.kernels.execution import run_concurrently, run_parallel


@pytest.fixture(autouse=True)
def two_threads():
    """These tests hand work to a second thread, whatever the machine's CPU count."""
    before = tc.get_num_threads()
    tc.set_num_threads(2)
    yield
    tc.set_num_threads(before)


def _within(seconds: float, fn):
    """fn() on a daemon thread: a deadlock fails the test instead of hanging the run."""
    out = []
    runner = threading.Thread(target=lambda: out.append(fn()), daemon=True)
    runner.start()
    runner.join(seconds)
    assert not runner.is_alive(), f"still running after {seconds} s: a deadlock"
    return out[0]


def test_run_parallel_keeps_the_order_and_shares_the_items_between_threads():
    threads = set()

    def work(i: int) -> int:
        threads.add(threading.get_ident())
        time.sleep(0.002)  # long enough for the helper to take some items
        return i * i

    assert run_parallel(work, list(range(20)), 2) == [i * i for i in range(20)]
    assert threading.get_ident() in threads and len(threads) == 2
    assert run_parallel(work, [3], 4) == [9] and run_parallel(work, [], 2) == []


def test_run_parallel_nested_in_a_pool_thread_runs_inline():
    def inner(i: int) -> tuple[int, int]:
        return i, threading.get_ident()

    def outer(i: int) -> tuple[int, list]:
        time.sleep(0.002)
        return threading.get_ident(), run_parallel(inner, [10 * i, 10 * i + 1], 2)

    caller, parts = _within(30, lambda: (threading.get_ident(), run_parallel(outer, list(range(8)), 2)))
    on_pool = [(tid, part) for tid, part in parts if tid != caller]
    assert on_pool  # the helper took some of the items
    for tid, part in on_pool:  # a pool thread never waits on the pool: it runs nested work itself
        assert {inner_tid for _, inner_tid in part} == {tid}
    assert [value for _, part in parts for value, _ in part] == [v for i in range(8) for v in (10 * i, 10 * i + 1)]
    (_, tid), = run_concurrently(lambda: None, lambda: run_parallel(inner, [0], 2))[1]
    assert tid != threading.get_ident()


def test_run_parallel_raises_after_every_item_finished():
    done = []

    def work(i: int) -> int:
        time.sleep(0.005)
        if i == 0:
            raise ValueError("item 0")
        done.append(i)
        return i

    with pytest.raises(ValueError, match="item 0"):
        run_parallel(work, [0, 1, 2, 3], 2)
    assert sorted(done) == [1, 2, 3]


def test_run_concurrently_returns_both_results_and_raises_after_both_finish():
    first, second = run_concurrently(threading.get_ident, threading.get_ident)
    assert first == threading.get_ident() and second != first
    finished = []

    def slow() -> None:
        time.sleep(0.05)
        finished.append(True)

    with pytest.raises(ZeroDivisionError):
        run_concurrently(lambda: 1 / 0, slow)
    assert finished == [True]
    with pytest.raises(KeyError):
        run_concurrently(lambda: None, lambda: {}["missing"])


def test_run_concurrently_nested_in_a_pool_thread_runs_inline():
    def nested() -> tuple[int, int, int]:
        a, b = run_concurrently(threading.get_ident, threading.get_ident)
        return threading.get_ident(), a, b

    _, (worker, a, b) = _within(30, lambda: run_concurrently(lambda: None, nested))
    assert a == b == worker
