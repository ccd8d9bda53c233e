"""Compiling a source for the service: diagnostics, and the evaluator when
there are no errors, kept in a bounded cache keyed by the source's hash.

A source is checked in a child process (`checker_process`): past the time
limit the child is killed, so a source too slow to check costs the server
`timeout` seconds and no more. The checked unit comes back pickled and
its evaluator is generated and loaded here (`garant.compiler.driver.load_unit`, the
CLI's call), one at a time: neither the front end nor the loader is
written for threads. A request that cannot start its compilation within
the time limit (the lane busy with other sources) is refused (Busy, 503).
Bundled products are trusted: no time limit.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict

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
    """The compilation lane stayed busy with other sources past the limit."""


_ONE_AT_A_TIME = threading.Lock()


def load(unit, name: str, text: str) -> Compiled:
    """The evaluator of a checked unit, when it is an error-free product."""
    from garant.compiler.driver import load_unit

    diagnostics = tuple(unit.diagnostics)
    product = None
    if unit.ok and unit.product is not None:
        with _ONE_AT_A_TIME:
            try:
                product = load_unit(unit)
            except GarantError as e:  # a back-end refusal is a diagnostic too
                diagnostics += tuple(e.diagnostics)
    return Compiled(name, text, diagnostics, unit, product)


def source_key(text: str, name: str) -> str:
    return hashlib.sha256(f"{name}\0{text}".encode("utf-8", "surrogatepass")).hexdigest()


class CompileCache:
    """Compiled sources, least recently used first out, at most `size`."""

    def __init__(self, size: int = 64, timeout: float = 30.0):
        from garant.service.checker_process import CheckerProcess

        self.size = size
        self.timeout = timeout
        self.checker = CheckerProcess()
        self._items: OrderedDict[str, Compiled] = OrderedDict()
        self._lock = threading.Lock()  # the cache itself
        self._lane = threading.Lock()  # one compilation at a time
        self.hits = self.misses = 0

    def __len__(self) -> int:
        return len(self._items)

    def _cached(self, key: str) -> Compiled | None:
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
            return found

    def get(self, text: str, name: str = "<playground>", trusted: bool = False) -> Compiled:
        """The compiled source; a `trusted` one (a bundled product) is
        waited for without the time limit."""
        key = source_key(text, name)
        found = self._cached(key)
        if found is not None:
            self.hits += 1
            return found
        if not self._lane.acquire(timeout=-1 if trusted else self.timeout):
            raise Busy()
        try:
            found = self._cached(key)  # compiled meanwhile, by the request before
            if found is not None:
                self.hits += 1
                return found
            self.misses += 1
            compiled = self._compile(text, name, None if trusted else self.timeout)
        finally:
            self._lane.release()
        with self._lock:
            self._items[key] = compiled
            while len(self._items) > self.size:
                _forget(self._items.popitem(last=False)[1])
        return compiled

    def _compile(self, text: str, name: str, timeout: float | None) -> Compiled:
        from garant.service.checker_process import CheckerDied, CheckTimeout

        try:
            status, payload = self.checker.check(text, name, timeout)
        except CheckTimeout:
            raise CompileTimeout() from None
        except CheckerDied:
            return _failed(text, name, "the checker stopped on this source (out of memory?)")
        if status == "nested":
            return _failed(text, name, "the source is nested too deeply to check")
        if status == "bug":
            return _failed(text, name, f"internal error of the checker on this source ({payload}): please report it")
        return load(payload, name, text)

    def close(self) -> None:
        self.checker.close()


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

