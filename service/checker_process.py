"""The front end in a process of its own, so that a source too slow to
check can be stopped: a Python thread cannot be killed, a process can.

`CheckerProcess.check(text, name, timeout)` sends the source to a child
process (started with `spawn`, so it shares no lock or thread with the
server), which parses and checks it (`compile_text`, the CLI's call) and
sends back the checked unit, pickled. Past `timeout` the child is killed
and the next call starts a fresh one. One source at a time: the front end
is not thread-safe, and the child is a single lane.
"""

from __future__ import annotations

import multiprocessing
import threading


class CheckTimeout(Exception):
    """The child did not answer in time; it has been killed."""


class CheckerDied(Exception):
    """The child ended without answering (killed from outside, out of memory)."""


def _serve(conn) -> None:  # runs in the child
    import sys

    from garant.dsl.pipeline import compile_text

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        text, name = job
        try:
            conn.send(("ok", compile_text(text, name)))
        except RecursionError:
            conn.send(("nested", None))
        except Exception as e:  # a bug of the front end: reported, the child lives on
            conn.send(("bug", f"{type(e).__name__}: {e}"))


class CheckerProcess:
    def __init__(self):
        self._lock = threading.Lock()
        self._proc = None
        self._conn = None
        self.started = 0  # children started so far (a killed child is replaced)
        self.closed = False

    def _ensure(self) -> None:
        if self._proc is not None and self._proc.is_alive():
            return
        if self.closed:
            raise CheckerDied()
        ctx = multiprocessing.get_context("spawn")
        parent, child = ctx.Pipe()
        proc = ctx.Process(target=_serve, args=(child,), name="garant-checker", daemon=True)
        proc.start()
        child.close()
        self._proc, self._conn = proc, parent
        self.started += 1
        # a first, empty source loads the front end and the stdlib regimes,
        # so that the time limit counts only the source's own checking
        parent.send(("", "<warm-up>"))
        if not parent.poll(300):
            raise CheckerDied()
        parent.recv()

    def check(self, text: str, name: str, timeout: float | None):
        """(status, payload): ("ok", unit), ("nested", None) or ("bug", message)."""
        with self._lock:
            try:
                self._ensure()
                self._conn.send((text, name))
                if not self._conn.poll(timeout):
                    self._kill()
                    raise CheckTimeout()
                return self._conn.recv()
            except (CheckerDied, EOFError, OSError):  # the child ended (or was stopped by `close`)
                self._kill()
                raise CheckerDied() from None

    def _kill(self) -> None:
        if self._proc is not None:
            self._proc.kill()
            self._proc.join(5)
        if self._conn is not None:
            self._conn.close()
        self._proc = self._conn = None

    def close(self) -> None:
        """Stop the child, even mid-check (the caller waiting on it gets
        CheckerDied); no new one starts after."""
        self.closed = True
        proc = self._proc
        if proc is not None:
            proc.kill()
        with self._lock:
            self._kill()
