"""The compliance report of a product: what `garant check` found, line by
line, for a compliance officer.

It renders the checker's diagnostics for the product's file (errors,
warnings: overlaps, gaps, responsable rules), each with the rule's code,
the message, the hint and a link to the source line. When the checker
provides a coverage report of its own (gaps and overlaps per act), it is
included as the checker renders it.
"""

from __future__ import annotations

import attrs

from garant.dsl.diagnostics import Diagnostic, Severity

_SEVERITY = {Severity.ERROR: "erreur", Severity.WARNING: "avertissement", Severity.NOTE: "note"}


@attrs.frozen
class Finding:
    severity: str
    code: str
    message: str
    hint: str | None
    line: int | None


@attrs.frozen
class Report:
    responsable: bool
    findings: tuple[Finding, ...]
    coverage_markdown: str | None

    @property
    def errors(self) -> int:
        return sum(f.severity == "erreur" for f in self.findings)

    @property
    def warnings(self) -> int:
        return sum(f.severity == "avertissement" for f in self.findings)


def finding(d: Diagnostic) -> Finding:
    return Finding(_SEVERITY.get(d.severity, d.severity.value), d.code or "", d.message, d.hint, d.span.line if d.span else None)


def report(unit) -> Report:
    """`unit`: a checked pipeline unit (source, diagnostics, contract)."""
    path = unit.source.path
    findings = tuple(finding(d) for d in unit.diagnostics if d.span is None or d.span.file == path)
    return Report(bool(unit.contract and unit.contract.responsable), findings, coverage_markdown(unit))


def coverage_markdown(unit) -> str | None:
    """The checker's own gap and overlap report, when it has one."""
    try:
        from garant.dsl.checker import coverage  # provided by the compliance work (issue 4, 1-3)
    except ImportError:
        return None
    render = getattr(coverage, "render_markdown", None)
    build = getattr(coverage, "report", None)
    if render is None or build is None or unit.contract is None:
        return None
    return render(build(unit.contract))
