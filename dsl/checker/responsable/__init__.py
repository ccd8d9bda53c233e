"""Compliance of a checked contract with the law, proved on its formulas.

    check_compliance(contract, diags)    # called by the contract checker
    responsable_findings(contract)       # every rule × line verdict (docs)
    compliance_report(contract)          # one row per rule (docs, CLI)

The rules are the regime's declarations (stdlib/secu.garant): `floor`
(R1, R2, R5, R6), `ceiling` (R3, R6, R8) with their figures, dates and
references (R6's frame share: a ceiling `on the frame`, frames.py), `renewal` (R7: the limits an optics line must carry) and
`no network` (loi du 27 janvier 2014). A contract marked `responsable`
is proved against the floors and ceilings in force at its effective date,
line by line (and level by level): `envelope` decides each bound exactly
over every price (and every base when the claim carries it), and a
violation is an error on the deciding line with a counterexample claim in
euros. Any contract is checked against the network rule.
"""

from __future__ import annotations

import contextlib
import datetime as dt

import attrs

from garant.dsl import model
from garant.dsl.checker.responsable.ceilings import check_ceilings
from garant.dsl.checker.responsable.conditions import check_conditions
from garant.dsl.checker.responsable.findings import DEPENDS_ON_BASE, HOLDS, NOT_APPLICABLE, NOT_CHECKED, UNCONFIRMED, VIOLATED, WARNING, Finding, line_formulas, worst
from garant.dsl.checker.responsable.floors import check_floors
from garant.dsl.checker.responsable.frames import check_frames
from garant.dsl.checker.responsable.networks import check_networks, network_violations
from garant.dsl.checker.responsable.prohibitions import check_no_refund
from garant.dsl.checker.responsable.renewals import check_renewals
from garant.dsl.checker.responsable.scenarios import contract_date, scenarios
from garant.dsl.diagnostics import Diagnostics

__all__ = [
    "check_compliance",
    "responsable_findings",
    "remembering",
    "compliance_report",
    "network_violations",
    "Finding",
    "RuleReport",
    "report_reason",
    "VIOLATED",
    "DEPENDS_ON_BASE",
    "UNCONFIRMED",
    "WARNING",
    "HOLDS",
    "NOT_APPLICABLE",
    "NOT_CHECKED",
]


_REMEMBERED: dict[int, tuple] | None = None  # id(contract) → (contract, its findings), within `remembering()`


@contextlib.contextmanager
def remembering():
    """Within it, each contract's findings are proved once: a build checks
    a contract (`check_compliance`) and then documents it
    (`compliance_report`) from the same checked object. The contract is
    kept alive beside its findings, so an id is never reused meanwhile;
    outside it every call proves afresh (the language server, the service)."""
    global _REMEMBERED
    outer, _REMEMBERED = _REMEMBERED, {}
    try:
        yield
    finally:
        _REMEMBERED = outer


def responsable_findings(contract: model.Contract) -> list[Finding]:
    """Every finding of the responsable rules, proved once per contract
    within `remembering()`."""
    if _REMEMBERED is None:
        return _prove(contract)
    got = _REMEMBERED.get(id(contract))
    if got is None or got[0] is not contract:
        got = _REMEMBERED[id(contract)] = (contract, tuple(_prove(contract)))
    return list(got[1])


def _prove(contract: model.Contract) -> list[Finding]:
    """Every finding of the responsable rules (violations, base-dependent
    ones and proofs that hold), one per rule, line and level; the contract's
    statements (R9, R10) as findings without a line."""
    date = contract_date(contract)
    rules = contract.regime.rules
    found: list[Finding] = []
    for level, view in contract.compliance_views():
        # A product with levels is judged as sold at each level (spec §3.4),
        # with and without each optional module.
        all_scenarios = list(scenarios(view))
        levels = line_formulas(view, level or None)
        found += check_floors(view, all_scenarios, levels, date) + check_ceilings(view, all_scenarios, levels, date)
        found += check_frames(view, all_scenarios, levels, date)
        found += check_renewals(view, all_scenarios, levels, date)
        found += check_no_refund(view, rules, all_scenarios, levels, date)
    return _drop_repeats(worst(found)) + check_conditions(contract, rules, date)


def _drop_repeats(found: list[Finding]) -> list[Finding]:
    """A view with an optional module taken or left out reports only what
    differs from its level's own view (which comes first): the same
    verdict with the same counterexample on the same line is said once."""
    seen: set = set()
    out = []
    for f in found:
        level = f.level.split(", ")[0] if f.level else None
        key = (f.rule, f.title, f.line.id if f.line else None, level, f.status, f.price, f.base, f.paid, f.bound, getattr(f, "frame", None))
        if key in seen:
            continue
        seen.add(key)
        out.append(f)
    return out


def check_compliance(contract: model.Contract, diags: Diagnostics) -> None:
    check_networks(contract, diags)
    if not contract.responsable:
        return
    depends: dict[tuple, list[Finding]] = {}
    errors: dict[tuple, list[Finding]] = {}
    for f in responsable_findings(contract):
        if f.status == DEPENDS_ON_BASE:
            depends.setdefault((f.rule, f.title, f.line.id if f.line else None), []).append(f)
            continue
        if f.status in (UNCONFIRMED, WARNING):
            diags.warning(f.line.span if f.line else contract.responsable_span, _headline(f), _hint(f), code="responsable", detail=f.message)
            continue
        if f.status != VIOLATED:
            continue
        if f.line is None and f.scenario is None:  # a statement the header lacks (R10)
            diags.error(contract.responsable_span, f.message, _statement_hint(f), code="responsable")
            continue
        errors.setdefault((f.rule, f.title, f.line.id if f.line else None), []).append(f)
    for found in errors.values():
        # The same error at several levels is said once (like the warnings).
        f = found[0]
        msg = _at_levels(f, [x.level for x in found if x.level])
        if f.line is None:  # a gap where the law requires cover (spec §3.1)
            diags.error(contract.guarantees_span, msg, _hint(f) or "a responsable contract must cover this: add a line (e.g. `all: TM`)", code="responsable")
            continue
        diags.error(f.line.span, msg, _hint(f), code="responsable")
    for found in depends.values():
        # Proved to fail with some bases and hold with others: the act's
        # bases are tariffs the regime does not state, so the ones the claims
        # carry decide. Not an error (the real tariffs may all pass), never
        # silent either; one warning per line, whatever the levels.
        f = found[0]
        also = [x.level for x in found[1:] if x.level]
        sep = "; " if any(", " in x for x in also) else ", "  # labels like `cadres, surcomplementaire=option1`
        more = f" (likewise at level{'s' if len(also) > 1 else ''} {sep.join(also)})" if also else ""
        diags.warning(f.line.span if f.line else contract.guarantees_span, f"{f.rule}: {_DEPENDS_HEADLINE}", _hint(f), code="responsable",
                      detail=f.message + more + _DEPENDS_WORDS)


_DEPENDS_HEADLINE = "depends on the claim's base (the regime states none)"


def _headline(f: Finding) -> str:
    """A warning's one line: the rule and the first clause of what the
    finding says; the rule's title and the rest go in its detail."""
    body = f.message
    prefix = f"{f.rule} ({f.title}): "
    if body.startswith(prefix):
        body = body[len(prefix):]
    return f"{f.rule}: {body.split('; ')[0]}"


_DEPENDS_WORDS = "; with other bases it holds: check the act's real tariffs against this line"


def _at_levels(f: Finding, levels: list[str]) -> str:
    """`R1 (…): level N1: …` → `R1 (…): at levels N1, N2, N3 (figures at
    N1): …` when the error recurs at other levels."""
    if len(levels) < 2:
        return f.message
    prefix = f"{f.rule} ({f.title}): level {f.level}: "
    if not f.message.startswith(prefix):
        return f.message
    sep = "; " if any(", " in x for x in levels) else ", "
    return f"{f.rule} ({f.title}): at levels {sep.join(levels)} (figures at {f.level}): " + f.message[len(prefix):]


def _hint(f: Finding) -> str | None:
    """What to change (the finding's fix, in the contract's words), then
    the rule's legal source."""
    ref = f"{f.rule}: {f.ref}" if f.ref else None
    if f.fix:
        return f"{f.fix}" + (f" ({ref})" if ref else "")
    return ref


def _statement_hint(f: Finding) -> str:
    return "state it in the contract's header, under `responsable` (`solidaire`, `tiers payant`, `annual statement`)"


@attrs.frozen
class RuleReport:
    """One row of the compliance report: a rule, its verdict, its lines."""

    rule: str
    title: str
    ref: str | None
    status: str  # VIOLATED | DEPENDS_ON_BASE | UNCONFIRMED | WARNING | HOLDS | NOT_APPLICABLE | NOT_CHECKED
    lines: tuple[str, ...]  # `file:line` of the lines it concerns
    findings: tuple[Finding, ...]  # the ones that do not hold
    reasons: tuple[str, ...] = ()  # the regime's `not checked` texts: parts of the rule no statement proves, and why
    starts: dt.date | None = None  # NOT_CHECKED because its first confirmed version is later than the contract


_RANK = {VIOLATED: 0, DEPENDS_ON_BASE: 1, UNCONFIRMED: 2, WARNING: 3, HOLDS: 4}


def compliance_report(contract: model.Contract) -> list[RuleReport]:
    """Every rule the regime declares (R1 … R12), with the worst verdict
    over the contract's lines and statements, or why it has none: not
    applicable (no act of the contract falls under it) or not checked (the
    regime's `not checked` reasons, or no confirmed version in force at the
    contract's date). Never a silent pass."""
    regime = contract.regime
    date = contract_date(contract)
    by_rule: dict[str, list[Finding]] = {}
    for f in responsable_findings(contract):
        by_rule.setdefault(f.rule, []).append(f)
    declared = {r.name: r for r in regime.rules}
    names = list(declared) + sorted((n for n in by_rule if n not in declared), key=lambda r: (len(r), r))
    out = []
    for name in names:
        fs = by_rule.get(name, [])
        decl = declared.get(name)
        notes = tuple(decl.not_checked) if decl else ()
        title = decl.title if decl else fs[0].title
        ref = decl.ref if decl and decl.ref else (fs[0].ref if fs else None)
        if fs:
            status = min((f.status for f in fs), key=_RANK.__getitem__)
            lines = tuple(dict.fromkeys(f.line.span.where for f in sorted((f for f in fs if f.line is not None), key=lambda f: f.line.span.line)))
            bad = tuple(f for f in fs if f.status != HOLDS)
            out.append(RuleReport(name, title, ref, status, lines, bad, notes))
            continue
        status, starts = _without_findings(regime, decl, name, date)
        out.append(RuleReport(name, title, ref, status, (), (), notes, starts))
    return out


def _without_findings(regime: model.Regime, decl, name: str, date) -> tuple[str, dt.date | None]:
    """NOT_CHECKED when nothing proves the rule (the regime's `not checked`
    says why) or when its first confirmed version is later than the
    contract (the date is returned); NOT_APPLICABLE when statements are in
    force but no act or line of the contract falls under them."""
    statements = [x for x in (*regime.floors, *regime.ceilings, *regime.renewals) if x.rule == name]
    starts = sorted(step.start for x in statements for step in x.steps)
    if decl is not None and decl.start is not None and (decl.states or decl.no_refund):
        starts = sorted(starts + [decl.start])
    if not starts:
        return NOT_CHECKED, None
    if starts[0] > date:
        return NOT_CHECKED, starts[0]
    return NOT_APPLICABLE, None


def report_reason(r: RuleReport, date: dt.date | None = None) -> str:
    """Why a rule has no proof, in English (the CLI): the regime's own
    reasons are quoted as written."""
    if r.status == NOT_APPLICABLE:
        return "not applicable: no act or line of the contract falls under it"
    parts = []
    if r.starts is not None:
        parts.append(f"no confirmed version applies to this contract's date: the regime's version starts on {r.starts.isoformat()}")
    parts += [f"« {x} »" for x in r.reasons]
    return "not checked: " + ("; ".join(parts) or "the regime declares nothing to prove it on")
