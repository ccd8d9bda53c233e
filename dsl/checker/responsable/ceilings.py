"""Ceilings of the contrat responsable: what the contract may pay at most.

R3 (dépassements of doctors outside OPTAM / OPTAM-CO: all-in at most N% of
the base, and M% of the base below what the contract pays an OPTAM doctor)
and R8 (hearing aids of class II: an all-in amount per aid). Figures,
dates and references are the regime's `ceiling` declarations; this module
proves, for every act and provider combination a ceiling covers, that
all-in (AMO + contract) ≤ the ceiling at every price.

The OPTAM reference is read as the `cap` clamp of the evaluator reads it
(engine `_ceiling_limit`): the OPTAM line's level, measured on an unbounded
price with the non-OPTAM claim's own base — so a `N% BRSS cap` line is
compliant by construction, and the proof says so. (The evaluator reads the
level at a price of 10^15 cents; the proof at an infinite one: they agree
for every base below 10^13 cents.)
"""

from __future__ import annotations

from fractions import Fraction

from garant.dsl import model
from garant.dsl.checker.responsable import envelope as E
from garant.dsl.checker.responsable import fixes
from garant.dsl.checker.responsable import payment
from garant.dsl.checker.responsable.findings import HOLDS, UNCONFIRMED, Best, Finding, claim_text, counterexample, describe, euros, percent_of, prove_bound
from garant.dsl.checker.responsable.floors import _tm_only, in_force
from garant.dsl.checker.responsable.payment import Scenario
from garant.dsl.checker.responsable.scenarios import decision_for, matches


def reference_decision(contract: model.Contract, s: Scenario, step: model.CeilingStep) -> model.Decision | None:
    """The decision for the same act with the reference value (`optam`)."""
    if step.below_value is None:
        return None
    dim, value = step.below_value
    values = dict(s.values)
    values[dim] = value
    return decision_for(contract, s.node, values)


def ceiling_bound(contract: model.Contract, step: model.CeilingStep, s: Scenario, formulas) -> E.Expr:
    if step.percent is None:
        return E.const(step.amount)
    B = E.BASE
    above = E.sub(E.scale(Fraction(step.percent, 10000), B), B)
    if step.below_percent is not None:
        a_ref = payment.amo(s.ref_rate)
        ref = reference_decision(contract, s, step)
        level = E.ZERO if ref is None else payment.level_fn(formulas[ref.lines[0]], s, a_ref)
        if level is not None:  # an unbounded reference leaves only the first bound
            ref_above = E.pos(E.sub(E.add(a_ref, level), B))
            above = E.emin(above, E.sub(ref_above, E.scale(Fraction(step.below_percent, 10000), B)))
    return E.add(B, E.pos(above))


def _ceiling_words(contract, step: model.CeilingStep, s: Scenario, value: Fraction, base: Fraction) -> str:
    if step.percent is None:
        return f"at most {euros(value)} in all allowed"
    pct = percent_of(value, base)
    parts = [f"{step.percent / 100:g}% BRSS"]
    if step.below_percent is not None:
        ref = reference_decision(contract, s, step)
        ref_line = contract.line(ref.lines[0]) if ref else None
        ref_text = f"line {ref_line.span.line}: `{ref_line.text.split('#')[0].strip()}`" if ref_line else "no line covers it"
        parts.append(f"{step.below_percent / 100:g}% BRSS below the {step.below_value[1]} cover ({ref_text})")
    return f"at most {euros(value)} ({pct}) allowed here: " + ", and ".join(parts)


def check_ceilings(contract: model.Contract, all_scenarios: list[Scenario], levels, date) -> list[Finding]:
    best = Best()
    memo: dict = {}
    regime = contract.regime
    for c, step, rule in in_force(regime.ceilings, date, "ceiling"):
        if c.on_frame:  # the frame's share: frames.py
            continue
        for s in all_scenarios:
            if s.decision is None or not matches(c.node, c.constraints, regime.nodes[s.node], dict(s.values)):
                continue
            line = contract.line(s.decision.lines[0])
            reference = reference_decision(contract, s, step)
            for level, formulas in levels:
                sig = (id(step), level, s.rate, s.ref_rate, s.base, s.price_limit, s.reimbursed, s.decision, reference)
                if sig not in memo:  # many combinations share every figure
                    bound = ceiling_bound(contract, step, s, formulas)
                    if step.percent is None and s.reimbursed and _tm_only(contract, s, formulas, date):
                        # R1 requires the ticket modérateur on every act the
                        # regime reimburses: a line that pays just that is
                        # never held to a ceiling in euros (R8 on a hearing
                        # aid whose base the claim carries: `all: TM`).
                        proved, during = _during_waiting(contract, s, formulas, date, bound, (HOLDS, None, None))
                        memo[sig] = (bound,) + proved + (during,)
                    else:
                        proved, during = prove_bound(contract, s, formulas, date, bound, "ceiling"), None
                        if proved[0] == HOLDS:  # and during a waiting period (the waiting formula may pay more)?
                            proved, during = _during_waiting(contract, s, formulas, date, bound, proved)
                        if c.first_euros and proved[0] != HOLDS:
                            proved = _first_euros(proved, bound)
                        memo[sig] = (bound,) + proved + (during,)
                bound, status, verdict, allin = memo[sig][:4]
                during = memo[sig][4] if len(memo[sig]) > 4 else None
                key = (rule, c.title, line.id, level)
                if not best.wants(key, status, s):
                    continue
                if status == HOLDS:
                    best.add(key, Finding(rule, c.title, step.ref, HOLDS, line, level, s, "holds"))
                    continue
                p, b, paid, limit = counterexample(verdict, allin, bound)
                where = f"level {level}: " if level else ""
                when = f"during `{during.text}`, " if during is not None else ""
                msg = f"{rule} ({c.title}): {where}{when}{claim_text(contract, s, p, b)} pays {euros(paid)} in all; {_ceiling_words(contract, step, s, limit, b)}"
                if c.first_euros:
                    msg += _first_euros_words(status, allin, bound, p, b, limit)
                fix = fixes.ceiling_fix(line, step, fixes.money(limit) if step.percent is None else percent_of(limit, b), describe(contract, s),
                                        line.node is None or fixes.narrower(line, s.values, {d.name: d.default for d in contract.regime.dims}))
                if during is not None:
                    formula = f"{fixes.money(limit)} Sécu incluse" if step.percent is None else percent_of(limit, b)
                    fix = f"the waiting period pays more than the law allows: write at most `, {during.text.split(':')[0]}: {formula}` on this line"
                best.add(key, Finding(rule, c.title, step.ref, status, line, level, s, msg, p, b, paid, limit, fix=fix))
    return best.findings()


def _during_waiting(contract: model.Contract, s: Scenario, formulas, date, bound: E.Expr, proved):
    """The ceiling proved on what the deciding lines pay during their
    waiting periods (`waiting N months: FORMULA` replaces the formula):
    (the first failing proof, its waiting clause), or (`proved`, None)."""
    for line_id in s.decision.lines:
        w = contract.line(line_id).waiting
        if w is None:
            continue
        during = prove_bound(contract, s, {**formulas, line_id: tuple(w.terms)}, date, bound, "ceiling")
        if during[0] != HOLDS:
            return during, w
    return proved, None


_FIRST_EUROS_STEP = Fraction(100)  # cents: how far above the ceiling a counterexample is sought


def _first_euros(proved, bound: E.Expr):
    """A ceiling that binds only on the first euros above it, by an amount
    the sources do not fix (R4's dépassements autorisés): violated when the
    contract pays above it from its very first euro — then for any such
    amount — with the counterexample a cent-sized step above it; when it
    pays above only from a higher price, it depends on that amount
    (`UNCONFIRMED`, a warning), and the counterexample is the proof's."""
    status, verdict, allin = proved
    g = E.sub(allin, bound)
    base = verdict.base
    price = E.first_euros_above(g, bound, base, _FIRST_EUROS_STEP)
    if price is not None:
        return status, E.Verdict(False, price, base, E.evaluate(g, price, base), verdict.points), allin
    found = E.first_positive(g, base, verdict.price)
    if found is not None:  # a claim just past the smallest such bill reads best
        price = min(found[1], found[0] + _FIRST_EUROS_STEP)  # g > 0 all along (threshold, found[1]]
        verdict = E.Verdict(False, price, base, E.evaluate(g, price, base), verdict.points)
    return UNCONFIRMED, verdict, allin


def _first_euros_words(status: str, allin: E.Expr, bound: E.Expr, price: Fraction, base: Fraction, limit: Fraction) -> str:
    if status == UNCONFIRMED:
        found = E.first_positive(E.sub(allin, bound), base, price)
        above = euros(found[0] - limit) if found else "some amount"
        return (
            f"; it pays above that only on bills more than {above} above it, so it covers the dépassement autorisé "
            "only if the amount allowed is larger: the sources give no confirmed amount (a warning, not an error)"
        )
    return (
        "; the first euros billed above it are a dépassement autorisé, which a responsable contract must leave to a patient "
        "of 16 or over (under 16 there is no parcours penalty, CSS L162-5-3)"
    )
