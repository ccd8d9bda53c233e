"""Compliance of a checked contract with the law, proved on its formulas.

    check_compliance(contract, diags)    # called by the contract checker
    responsable_findings(contract)       # every rule × line verdict (docs)
    compliance_report(contract)          # one row per rule (docs, CLI)

The rules are the regime's declarations (stdlib/secu.garant): `floor`
(R1, R2, R5, R6), `ceiling` (R3, R6, R8) with their figures, dates and
references, `renewal` (R7: the limits an optics line must carry) and
`no network` (loi du 27 janvier 2014). A contract marked `responsable`
is proved against the floors and ceilings in force at its effective date,
line by line (and level by level): `envelope` decides each bound exactly
over every price (and every base when the claim carries it), and a
violation is an error on the deciding line with a counterexample claim in
euros. Any contract is checked against the network rule.
"""

from __future__ import annotations

import attrs

from garant.dsl import model
from garant.dsl.checker.responsable.ceilings import check_ceilings
from garant.dsl.checker.responsable.findings import DEPENDS_ON_BASE, HOLDS, NOT_APPLICABLE, NOT_CHECKED, UNCONFIRMED, VIOLATED, Finding, line_formulas, worst
from garant.dsl.checker.responsable.floors import check_floors
from garant.dsl.checker.responsable.networks import check_networks, network_violations
from garant.dsl.checker.responsable.renewals import check_renewals
from garant.dsl.checker.responsable.scenarios import contract_date, scenarios
from garant.dsl.diagnostics import Diagnostics

__all__ = [
    "check_compliance",
    "responsable_findings",
    "compliance_report",
    "network_violations",
    "Finding",
    "RuleReport",
    "VIOLATED",
    "DEPENDS_ON_BASE",
    "HOLDS",
]


def responsable_findings(contract: model.Contract) -> list[Finding]:
    """Every finding of the responsable rules (violations, base-dependent
    ones and proofs that hold), one per rule, line and level."""
    date = contract_date(contract)
    found: list[Finding] = []
    for level, view in contract.level_views():
        # A product with levels is judged as sold at each level (spec §3.4).
        all_scenarios = list(scenarios(view))
        levels = line_formulas(view, level or None)
        found += check_floors(view, all_scenarios, levels, date) + check_ceilings(view, all_scenarios, levels, date)
        found += check_renewals(view, all_scenarios, levels, date)
    return worst(found)


def check_compliance(contract: model.Contract, diags: Diagnostics) -> None:
    check_networks(contract, diags)
    if not contract.responsable:
        return
    for f in responsable_findings(contract):
        if f.status == UNCONFIRMED and f.line is not None:
            diags.warning(f.line.span, f.message, _hint(f), code="responsable")
            continue
        if f.status != VIOLATED:
            continue
        if f.line is None:  # a gap where the law requires cover (spec §3.1)
            diags.error(contract.guarantees_span, f.message, "a responsable contract must cover this: add a line (e.g. `all: TM`)", code="responsable")
            continue
        diags.error(f.line.span, f.message, _hint(f), code="responsable")


def _hint(f: Finding) -> str | None:
    if f.ref:
        return f"{f.rule}: {f.ref}"
    return None


@attrs.frozen
class RuleReport:
    """One row of the compliance report: a rule, its verdict, its lines."""

    rule: str
    title: str
    ref: str | None
    status: str  # VIOLATED | DEPENDS_ON_BASE | HOLDS
    lines: tuple[str, ...]  # `file:line` of the lines it concerns
    findings: tuple[Finding, ...]  # the ones that do not hold


def compliance_report(contract: model.Contract) -> list[RuleReport]:
    """Per rule (R1, R2…): the worst verdict over the contract's lines."""
    by_rule: dict[str, list[Finding]] = {}
    for f in responsable_findings(contract):
        by_rule.setdefault(f.rule, []).append(f)
    rank = {VIOLATED: 0, DEPENDS_ON_BASE: 1, HOLDS: 2}
    out = []
    for rule in sorted(by_rule, key=lambda r: (len(r), r)):
        fs = by_rule[rule]
        status = min((f.status for f in fs), key=rank.__getitem__)
        lines = tuple(dict.fromkeys(f.line.span.where for f in sorted((f for f in fs if f.line is not None), key=lambda f: f.line.span.line)))
        bad = tuple(f for f in fs if f.status != HOLDS)
        out.append(RuleReport(rule, fs[0].title, fs[0].ref, status, lines, bad))
    return out
