"""R7: how often a responsable contract may pay an optics equipment.

The regime's `renewal` declarations (stdlib/secu.garant) say that the
optics obligations and ceilings cover one equipment per period, by age
band (two years from 16, one year under 16). A guarantee line that decides
such an act and pays more than the ticket modérateur must carry `once per
rolling M months` limits at least as strict, for every age of every band:
a budget (`100€ per rolling 24 months`) or a cap does not limit the number
of equipments.

A `+` refinement line is not limited by the line it refines: the engine
applies each line's own limits (engine.py, step 5), so a refinement that
pays above the ticket modérateur needs its own renewal limit.

The rule counts equipments (two lenses and a frame), not lines: every
line that pays such an act above the ticket modérateur must count its
renewals in one window with the others (`once per rolling 24 months
shared NAME`), else a frame paid by one line and an equipment paid by
another, months apart, would both be paid. What a shared window pays on
one day is one equipment (compiler/runtime/rules.py).

The early renewals the LPP allows (change of vision, eye conditions) are
relayed without a primary source (shared/domain/RESPONSABLE.md, "R7
renewal": unconfirmed): they are not modelled, and the compliance report
says so.
"""

from __future__ import annotations

from fractions import Fraction

import attrs

from garant.dsl import model
from garant.dsl.checker.responsable import envelope as E
from garant.dsl.checker.responsable import fixes
from garant.dsl.checker.responsable import payment
from garant.dsl.checker.responsable.findings import HOLDS, VIOLATED, Best, Finding, claim_text, euros
from garant.dsl.checker.responsable.floors import in_force
from garant.dsl.checker.responsable.payment import Scenario
from garant.dsl.checker.responsable.scenarios import matches

_OLDEST = 200  # an age no band reaches


def _band(lim: model.Limit) -> tuple[int, int]:
    return (lim.age_from or 0, lim.age_under if lim.age_under is not None else _OLDEST)


def _band_text(lo: int, hi: int) -> str:
    if hi >= _OLDEST:
        return f"at {lo} or over" if lo else "at any age"
    return f"under {hi}" if lo == 0 else f"from {lo} to {hi - 1}"


def _renewal_months(limits, age: int) -> int:
    """The longest `once per rolling M months` (or `max 1 … per rolling M
    months`) of the line that applies at `age`; 0 when none does."""
    best = 0
    for lim in limits:
        if lim.kind not in ("once", "count") or (lim.kind == "count" and lim.amount != 1):
            continue
        if lim.period is None or lim.period.kind != "rolling":
            continue
        lo, hi = _band(lim)
        if lo <= age < hi:
            best = max(best, lim.period.months)
    return best


def shortfall(step: model.RenewalStep, limits) -> tuple[int, int, int, int] | None:
    """The first age band where the line renews more often than the rule:
    (band start, band end, months required, months the line allows)."""
    cuts = {b for lim in limits for b in _band(lim)}
    for rule_lim in step.limits:
        lo, hi = _band(rule_lim)
        need = rule_lim.period.months
        for age in sorted({lo} | {c for c in cuts if lo < c < hi}):
            got = _renewal_months(limits, age)
            if got < need:
                return lo, hi, need, got
    return None


def _single_line(s: Scenario, line_id: str) -> Scenario:
    return attrs.evolve(s, decision=model.Decision((line_id,), s.decision.ceiling))


def _above_tm(contract, s: Scenario, formulas, date):
    """A point where the line alone pays more than the ticket modérateur
    (price, base, what it pays), or None when it never does."""
    amc = payment.decision_amc(contract, s, formulas, date, side="ceiling")
    a_ref = payment.amo(s.ref_rate)
    tm = E.pos(E.sub(E.emin(E.PRICE, E.BASE), a_ref))
    verdict = E.prove_nonpositive(E.sub(amc, tm), E.Domain(None if s.base is None else Fraction(s.base)))
    if verdict.holds:
        return None
    return verdict.price, verdict.base, E.evaluate(amc, verdict.price, verdict.base)


def applies(r: model.Renewal, s: Scenario, node: model.Node) -> bool:
    values = dict(s.values)
    return matches(r.node, r.constraints, node, values) and not any(matches(e.node, e.constraints, node, values) for e in r.exceptions)


def windows(limits) -> frozenset[str]:
    """The renewal windows a line counts in: the pools of its `once per
    rolling …` limits (a line's own, or a `shared` one)."""
    return frozenset(
        lim.pool for lim in limits
        if (lim.kind == "once" or (lim.kind == "count" and lim.amount == 1)) and lim.period is not None and lim.period.kind == "rolling"
    )


def check_renewals(contract: model.Contract, all_scenarios: list[Scenario], levels, date) -> list[Finding]:
    best = Best()
    memo: dict = {}
    regime = contract.regime
    # (rule statement, level) → the lines that pay above the ticket
    # modérateur and limit renewals: {line id: (line, scenario, point)}
    limited: dict[tuple, dict] = {}
    for r, step, rule in in_force(regime.renewals, date, "renewal"):
        if not r.required:
            continue  # a limit the floors allow, not one lines must state (limits.py)
        for s in all_scenarios:
            if s.decision is None or not applies(r, s, regime.nodes[s.node]):
                continue
            for level, formulas in levels:
                for line_id in s.decision.lines:
                    line = contract.line(line_id)
                    key = (rule, r.title, line.id, level)
                    one = _single_line(s, line_id)
                    sig = (id(step), level, line_id, s.rate, s.ref_rate, s.base, s.price_limit, s.reimbursed, one.decision)
                    if sig not in memo:
                        memo[sig] = (shortfall(step, line.limits), _above_tm(contract, one, formulas, date))
                    short, point = memo[sig]
                    if point is not None and short is None:
                        limited.setdefault((id(step), level), {}).setdefault(line.id, (r, step, rule, line, s, point))
                    if short is None or point is None:
                        if best.wants(key, HOLDS, s):
                            best.add(key, Finding(rule, r.title, step.ref, HOLDS, line, level, s, "holds"))
                        continue
                    if not best.wants(key, VIOLATED, s):
                        continue
                    best.add(key, _violation(contract, r, step, rule, line, level, s, short, point))
    for (_, level), lines in limited.items():
        for f in _separate_windows(contract, level, list(lines.values())):
            best.add((f.rule, f.title, f.line.id, level), f)
    return best.findings()


def _separate_windows(contract, level, concerned) -> list[Finding]:
    """R7 counts equipments, not lines: the lines that pay an optical
    equipment (or its frame, or its lenses) above the ticket modérateur
    must count renewals in one window. Two windows let a frame paid by one
    line and an equipment paid by another, a few months apart, both be
    paid. Each line outside the first line's window is a violation."""
    concerned.sort(key=lambda c: c[3].span.line)
    first = concerned[0]
    out = []
    for r, step, rule, line, s, point in concerned[1:]:
        if windows(line.limits) & windows(first[3].limits):
            continue
        p, b, paid = point
        need = max(lim.period.months for lim in step.limits)
        later = need // 2
        where = f"level {level}: " if level else ""
        msg = (
            f"{rule} ({r.title}): {where}line {line.span.line} and line {first[3].span.line} count renewals in separate windows: "
            f"after an equipment paid at line {first[3].span.line}, {claim_text(contract, s, p, b)} {later} months later would still be paid "
            f"{euros(paid)} at line {line.span.line}; one equipment per {need} months: give their renewal limits one window "
            f"(`once per rolling {need} months shared NAME …` on both lines)"
        )
        out.append(Finding(rule, r.title, step.ref, VIOLATED, line, level, s, msg, p, b, paid, None))
    return out


def _violation(contract, r, step, rule, line, level, s, short, point) -> Finding:
    lo, hi, need, got = short
    p, b, paid = point
    later = got if got else need // 2
    where = f"level {level}: " if level else ""
    band = _band_text(lo, hi)
    required = ", ".join(lim.text for lim in step.limits)
    msg = (
        f"{rule} ({r.title}): {where}line {line.span.line} pays above the ticket modérateur without limiting renewals "
        f"{band} (required: {required}); a second {claim_text(contract, s, p, b)} {later} months later, {band}, "
        f"would be paid {euros(paid)}; at most one equipment per {need} months allowed here"
    )
    return Finding(rule, r.title, step.ref, VIOLATED, line, level, s, msg, p, b, paid, None, fix=fixes.renewal_fix(step))
