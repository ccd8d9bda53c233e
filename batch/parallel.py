"""The machine's other cores for a partition's independent column work.

    a, b, c = each([lambda: f(x), lambda: g(y), lambda: h(z)])
    later = soon(lambda: k(w))    # started now on another core …
    value = later()               # … its result when needed

numpy's and Arrow's kernels (a sort, a take, a cast to text, a dictionary
encoding) release the GIL while they run, so two such calls on two
columns run side by side: on a million claims the décompte's sixteen text
columns take half the time on two cores. Only *independent* work goes
here: each thunk reads shared arrays and returns new ones, never writes
what another reads. Below `MIN_ROWS` a thread's start-up outweighs the
gain, and a thread that is itself one of the pool's does its thunks in
line (no pool waiting on itself). `GARANT_THREADS=1` (or a machine with
one core) runs everything in line, in order.
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Callable, Sequence, TypeVar

T = TypeVar("T")

MIN_ROWS = 100_000
_local = threading.local()
_lock = threading.Lock()
_pool: ThreadPoolExecutor | None = None


def workers() -> int:
    """Threads besides the caller's: the cores this process may use, less one."""
    setting = os.environ.get("GARANT_THREADS", "")
    try:
        cores = int(setting) if setting.strip() else len(os.sched_getaffinity(0))
    except (ValueError, AttributeError):
        cores = os.cpu_count() or 1
    return max(0, min(cores, 8) - 1)


def worth_it(rows: int) -> bool:
    return rows >= MIN_ROWS and workers() > 0 and not getattr(_local, "inside", False)


def _executor() -> ThreadPoolExecutor:
    global _pool
    with _lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(workers(), thread_name_prefix="garant-columns", initializer=_mark_inside)
        return _pool


def _mark_inside() -> None:
    _local.inside = True


def _forget_the_pool() -> None:
    """In a forked child (`--jobs N`, a process pool): the parent's threads
    do not exist there, and a pool that believes it has them would leave
    every submitted thunk waiting forever. The child starts its own."""
    global _pool, _lock
    _pool = None
    _lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_the_pool)


def each(thunks: Sequence[Callable[[], T]], rows: int) -> list[T]:
    """Every thunk's result, in order. The caller and the pool's threads
    take the thunks one by one from a shared list, so unequal thunks even
    out. Once one fails (or Ctrl-C comes), no other is started, and the
    first exception is raised when the thunks already running are done:
    nothing is left running behind the error."""
    if len(thunks) < 2 or not worth_it(rows):
        return [t() for t in thunks]
    results: list = [None] * len(thunks)
    queue = iter(enumerate(thunks))
    take = threading.Lock()
    failed = threading.Event()  # one thunk failed (or Ctrl-C): no other is started

    def work() -> None:
        while not failed.is_set():
            with take:
                nxt = next(queue, None)
            if nxt is None:
                return
            i, thunk = nxt
            try:
                results[i] = thunk()
            except BaseException:
                failed.set()
                raise

    helpers = [_executor().submit(work) for _ in range(min(workers(), len(thunks) - 1))]
    failure = None
    try:
        work()
    except BaseException as err:  # noqa: BLE001  (re-raised below, once the helpers are done)
        failed.set()
        failure = err
    for h in helpers:
        while True:
            try:
                h.result()
                break
            except BaseException as err:  # noqa: BLE001  (a helper's failure, or Ctrl-C while waiting: wait on)
                failed.set()
                failure = failure or err
                if h.done():
                    break
    if failure is not None:
        raise failure
    return results


def soon(thunk: Callable[[], T], rows: int) -> Callable[[], T]:
    """Start `thunk` on another core now; the returned call gives its result
    (or raises its exception). In line, it runs at that call instead."""
    if not worth_it(rows):
        return thunk
    future: Future = _executor().submit(thunk)
    return future.result
