"""The checker's diagnostics as LSP diagnostics.

Nothing is reworded: the message is the one `garant check` prints, the
hint follows it on its own line as `hint: …` (the way the command line
shows it), the code (`selector`, `overlap`, `gap`…) is the checker's.
Only the place changes form: a 1-based line and column become an LSP
range (positions.py).
"""

from __future__ import annotations

from lsprotocol import types

from garant.dsl.diagnostics import Diagnostic, Severity
from garant.lsp.positions import UTF16, span_range

SEVERITY = {
    Severity.ERROR: types.DiagnosticSeverity.Error,
    Severity.WARNING: types.DiagnosticSeverity.Warning,
    Severity.NOTE: types.DiagnosticSeverity.Information,
}


def to_lsp(d: Diagnostic, lines: list[str], encoding: str = UTF16) -> types.Diagnostic:
    message = d.message if not d.hint else f"{d.message}\nhint: {d.hint}"
    return types.Diagnostic(
        range=span_range(d.span, lines, encoding),
        message=message,
        severity=SEVERITY[d.severity],
        code=d.code,
        source="garant",
    )


def document_diagnostics(path: str, diagnostics: list[Diagnostic], lines: list[str], encoding: str = UTF16) -> list[types.Diagnostic]:
    """The diagnostics that belong to this document (a sibling regime's
    own mistakes are reported when that file is open)."""
    return [to_lsp(d, lines, encoding) for d in diagnostics if d.span is None or d.span.file == path]
