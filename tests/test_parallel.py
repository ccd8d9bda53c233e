"""`batch/parallel.py`: the column work shared between cores gives
the results in order, raises what a thunk raised, and never waits on
itself when a thunk asks for more parallel work."""

from __future__ import annotations

import threading
import time

import pytest

from garant.batch import parallel


@pytest.fixture
def threads(monkeypatch):
    monkeypatch.setenv("GARANT_THREADS", "2")
    monkeypatch.setattr(parallel, "MIN_ROWS", 0)


def test_results_in_the_thunks_order(threads):
    names = set()

    def job(k):
        names.add(threading.current_thread().name)
        return sum(range(k * 10_000))

    got = parallel.each([lambda k=k: job(k) for k in range(40)], rows=1)
    assert got == [sum(range(k * 10_000)) for k in range(40)]


def test_the_first_exception_is_raised_after_all_stopped(threads):
    """A failing thunk stops the others from starting, and `each` raises
    only when those already running are done: nothing runs behind the error."""
    started, finished = [], []

    def slow(k):
        started.append(k)
        time.sleep(0.05)
        finished.append(k)
        return k

    def broken():
        raise ValueError("a column that does not convert")

    thunks = [broken] + [lambda k=k: slow(k) for k in range(1, 30)]
    with pytest.raises(ValueError, match="does not convert"):
        parallel.each(thunks, rows=1)
    assert sorted(started) == sorted(finished)
    assert len(started) < 29  # the failure stopped the rest


def test_nested_work_runs_in_line_on_a_pool_thread(threads):
    def inner():
        return parallel.each([lambda: 1, lambda: 2], rows=1)

    assert parallel.each([inner, inner, inner], rows=1) == [[1, 2]] * 3


def test_soon_gives_the_result_or_the_error(threads):
    assert parallel.soon(lambda: 6 * 7, rows=1)() == 42
    failing = parallel.soon(lambda: 1 // 0, rows=1)
    with pytest.raises(ZeroDivisionError):
        failing()


def test_one_core_or_few_rows_run_in_line(monkeypatch):
    monkeypatch.setenv("GARANT_THREADS", "1")
    main = threading.current_thread().name
    assert parallel.each([lambda: threading.current_thread().name] * 3, rows=10**9) == [main] * 3
    monkeypatch.setenv("GARANT_THREADS", "2")
    assert parallel.each([lambda: threading.current_thread().name] * 3, rows=10) == [main] * 3


def _in_child():
    return parallel.each([lambda: 1, lambda: 2, lambda: 3], rows=1), parallel.soon(lambda: 4, rows=1)()


def test_a_forked_child_starts_its_own_threads(threads):
    """A process forked after the pool started (`garant run --jobs N` after
    a run in the same process) has none of its threads: it must not wait
    on them."""
    import multiprocessing

    assert parallel.each([lambda: 1, lambda: 2], rows=1) == [1, 2]  # the parent's pool exists now
    with multiprocessing.get_context("fork").Pool(1) as pool:
        assert pool.apply_async(_in_child).get(timeout=60) == ([1, 2, 3], 4)
