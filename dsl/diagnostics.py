"""One diagnostic type, rendered the way compilers render them.

    contracts/x.garant:7:15: error: unknown word `optm`
      consultation optm: 200% BRSS
                   ^^^^
      hint: did you mean `optam`?

Checkers never raise on a user mistake: they append diagnostics to a
`Diagnostics` list and carry on, so one run reports every error of a file.
"""

from __future__ import annotations

import difflib
import enum
from typing import Iterable

import attrs

from garant.dsl.source import SourceFile, Span


class Severity(enum.Enum):
    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"


@attrs.frozen
class Diagnostic:
    severity: Severity
    span: Span | None
    message: str
    hint: str | None = None
    code: str | None = None
    detail: str | None = None  # the long explanation, under the one-line message


    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def render(self, source: SourceFile | None = None) -> str:
        where = str(self.span) if self.span else "garant"
        out = [f"{where}: {self.severity.value}: {self.message}"]
        if self.detail:  # a one-line message, its explanation on the next line (the location says where)
            out.append(f"  {self.detail}")
        elif source is not None and self.span is not None:
            text = source.line_text(self.span.line)
            if text:
                # a control character (CR, bidi override…) would move or
                # reorder the line on a terminal: one visible `�` each, so
                # the caret stays under its column
                shown = text if text.isprintable() else "".join(c if c.isprintable() or c == "\t" else "\ufffd" for c in text)
                out.append(f"  {shown}")
                width = 1
                if self.span.end_line == self.span.line and self.span.end_column > self.span.column:
                    width = self.span.end_column - self.span.column
                out.append("  " + " " * (self.span.column - 1) + "^" * width)
        if self.hint:
            out.append(f"  hint: {self.hint}")
        return "\n".join(out)


@attrs.define
class Diagnostics:
    """An ordered collection of diagnostics for one or more files."""

    items: list[Diagnostic] = attrs.field(factory=list)

    def error(self, span: Span | None, message: str, hint: str | None = None, code: str | None = None) -> None:
        self.items.append(Diagnostic(Severity.ERROR, span, message, hint, code))

    def warning(self, span: Span | None, message: str, hint: str | None = None, code: str | None = None, detail: str | None = None) -> None:
        self.items.append(Diagnostic(Severity.WARNING, span, message, hint, code, detail))

    def extend(self, other: Iterable[Diagnostic]) -> None:
        self.items.extend(other)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.items if d.is_error]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.items if d.severity is Severity.WARNING]

    @property
    def has_errors(self) -> bool:
        return any(d.is_error for d in self.items)

    def sorted(self) -> list[Diagnostic]:
        def key(d: Diagnostic):
            s = d.span
            return (s.file, s.line, s.column) if s else ("", 0, 0)

        return sorted(self.items, key=key)


class GarantError(Exception):
    """Raised when a stage cannot go on; carries the diagnostics so far."""

    def __init__(self, diagnostics: list[Diagnostic]):
        self.diagnostics = diagnostics
        super().__init__("\n".join(d.message for d in diagnostics))


def did_you_mean(word: str, candidates: Iterable[str]) -> str | None:
    """A hint naming the closest known spellings, or None."""
    from garant.dsl.names import fold

    pool = {fold(c): c for c in candidates}
    close = difflib.get_close_matches(fold(word), list(pool), n=3, cutoff=0.6)
    if not close:
        return None
    shown = ", ".join(f"`{pool[c]}`" for c in close)
    return f"did you mean {shown}?"
