"""Compiling a source for the service: diagnostics, and the evaluator when
there are no errors, kept in a bounded cache keyed by the source's hash.

The front end is not thread-safe (checking two sources at once in two
threads can lose the stdlib regimes), so one compilation runs at a time,
under `_ONE_AT_A_TIME`; compiling is pure Python, so the lock costs no
parallelism the GIL would have given. A request's source is compiled in a worker thread and waited for at most
`timeout` seconds; past that the request is answered (422, "took longer
than…") and the result, when the thread finishes, is still cached. A
Python thread cannot be stopped, so at most `max_running` compilations
run at once: a stream of slow sources fills those slots and is refused
(503) rather than piling up threads.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor, TimeoutError as FutureTimeout

import attrs

from garant.dsl.diagnostics import Diagnostic, GarantError, Severity


@attrs.frozen
class Compiled:
    """One source compiled: its diagnostics (errors and warnings, sorted),
    the checked unit, and its evaluator (None when there are errors or the
    file is not a product)."""

    name: str
    text: str
    diagnostics: tuple[Diagnostic, ...]
    unit: object
    product: object | None

    @property
    def ok(self) -> bool:
        return not any(d.is_error for d in self.diagnostics)


class CompileTimeout(Exception):
    """The source took longer than the limit to compile."""


class Busy(Exception):
    """Every compilation slot is taken by a source still compiling."""


_ONE_AT_A_TIME = threading.Lock()


def compile_now(text: str, name: str) -> Compiled:
    """Parse, check and (when it is an error-free product) load `text`."""
    with _ONE_AT_A_TIME:
        return _compile_now(text, name)


def _compile_now(text: str, name: str) -> Compiled:
    from garant.api import load_unit
    from garant.pipeline import compile_text

    unit = compile_text(text, name)
    diagnostics = tuple(unit.diagnostics)
    product = None
    if unit.ok and unit.product is not None:
        try:
            product = load_unit(unit)
        except GarantError as e:  # a back-end refusal is a diagnostic too
            diagnostics += tuple(e.diagnostics)
    return Compiled(name, text, diagnostics, unit, product)


def source_key(text: str, name: str) -> str:
    return hashlib.sha256(f"{name}\0{text}".encode("utf-8", "surrogatepass")).hexdigest()


class CompileCache:
    """Compiled sources, least recently used first out, at most `size`."""

    def __init__(self, size: int = 64, timeout: float = 10.0, max_running: int = 2):
        self.size = size
        self.timeout = timeout
        self._items: OrderedDict[str, Compiled] = OrderedDict()
        self._lock = threading.Lock()
        self._running: dict[str, object] = {}
        self._slots = threading.BoundedSemaphore(max_running)
        self._pool = ThreadPoolExecutor(max_workers=max_running, thread_name_prefix="garant-compile")
        self.hits = self.misses = 0

    def __len__(self) -> int:
        return len(self._items)

    def get(self, text: str, name: str = "<playground>", trusted: bool = False) -> Compiled:
        """The compiled source; a `trusted` one (a bundled product) is
        waited for without the time limit."""
        key = source_key(text, name)
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
                self.hits += 1
                return found
            self.misses += 1
            future = self._running.get(key)
            if future is None:
                if not self._slots.acquire(blocking=trusted):
                    raise Busy()
                future = self._pool.submit(self._compile, key, text, name)
                self._running[key] = future
        try:
            return future.result(timeout=None if trusted else self.timeout)
        except FutureTimeout:
            raise CompileTimeout() from None

    def _compile(self, key: str, text: str, name: str) -> Compiled:
        try:
            compiled = compile_now(text, name)
        except RecursionError:
            compiled = _failed(text, name, "the source is nested too deeply to compile")
        finally:
            self._slots.release()
            with self._lock:
                self._running.pop(key, None)
        with self._lock:
            self._items[key] = compiled
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                _forget(self._items.popitem(last=False)[1])
        return compiled


def _forget(compiled: Compiled) -> None:
    """Drop an evicted product's generated module from `sys.modules`
    (where loading registers it): a playground compiles a module at every
    pause in typing, and they would otherwise stay for the server's life."""
    import sys

    if compiled.product is None:
        return
    for name, module in list(sys.modules.items()):
        if name.startswith("garant_generated.") and getattr(module, "PRODUCT", None) is compiled.product:
            del sys.modules[name]


def _failed(text: str, name: str, message: str) -> Compiled:
    from garant.dsl.source import Span

    return Compiled(name, text, (Diagnostic(Severity.ERROR, Span(name, 1, 1), message, None, "limit"),), None, None)
