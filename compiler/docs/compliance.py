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

from garant.compiler.docs import compliance_fr
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
class RuleRow:
    """One contrat responsable rule and its verdict over the contract."""

    rule: str
    title: str
    ref: str | None
    verdict: str  # in French
    ok: bool
    lines: tuple[int, ...]  # the guarantee lines it concerns
    details: tuple[str, ...]  # the findings that do not hold, with their counterexample
    findings: tuple = ()  # the same findings, structured (compliance_fr.cases words them in French)


@attrs.frozen
class Report:
    responsable: bool
    findings: tuple[Finding, ...]
    coverage_markdown: str | None
    rules: tuple[RuleRow, ...] = ()
    coverage: compliance_fr.Coverage | None = None  # the same, in French
    cases: tuple[compliance_fr.Case, ...] = ()  # the rules' counterexamples, in French

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
    rules = rule_rows(unit)
    cases = tuple(c for r in rules for c in compliance_fr.cases(unit.contract.regime, r.findings))
    return Report(bool(unit.contract and unit.contract.responsable), findings, coverage_markdown(unit), rules, compliance_fr.coverage(unit), cases)


_VERDICTS = {
    "violated": ("**non respectée**", False),
    "depends_on_base": ("à vérifier : dépend de la base transmise", False),
    "depends_on_unconfirmed": ("à vérifier : dépend d'un montant non confirmé", False),
    "warning": ("avertissement", True),
    "holds": ("respectée", True),
    "not_applicable": ("sans objet : aucun acte ni ligne du contrat n'est concerné", True),
    "not_checked": ("non vérifiée", False),
}


def rule_rows(unit) -> tuple[RuleRow, ...]:
    """The checker's verdict per responsable rule (R1…R8), when the checker
    proves them (`dsl.checker.responsable.compliance_report`)."""
    contract = unit.contract
    if contract is None or not contract.responsable or not unit.ok:
        return ()
    try:
        from garant.dsl.checker.responsable import compliance_report
    except ImportError:
        return ()
    rows = []
    for r in compliance_report(contract):
        verdict, ok = _VERDICTS.get(r.status, (r.status, False))
        lines = tuple(int(w.rsplit(":", 1)[1]) for w in r.lines if w.rsplit(":", 1)[-1].isdigit())
        details = tuple(dict.fromkeys(f.message for f in r.findings))
        # Why a rule, or a part of it, is not checked (the regime's words; its first version's date).
        since = getattr(r, "starts", None)
        details += (f"non vérifiée : aucune version confirmée pour la date du contrat (la première s'applique à partir du {since.isoformat()})",) if since else ()
        details += tuple(f"non vérifié : {x}" for x in getattr(r, "reasons", ()))
        rows.append(RuleRow(r.rule, r.title, r.ref, verdict, ok, lines, details, tuple(r.findings)))
    return tuple(rows)


def coverage_markdown(unit) -> str | None:
    """The checker's own gap and overlap report (`garant check
    --coverage`), as the checker renders it in Markdown."""
    if unit.contract is None or not unit.ok or not getattr(unit.contract, "group_members", None):
        return None
    rep = compliance_fr.coverage_report(unit.contract)
    if rep is None:  # a checker without the coverage report
        return None
    from garant.dsl.checker.coverage import render_markdown

    return render_markdown(rep)
