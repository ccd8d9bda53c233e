"""Floors of the contrat responsable: what the contract must pay at least.

R1 (the ticket modérateur of every act the regime reimburses, with the
exceptions the regime declares), R2 (the forfait journalier, without time
limit), R5 (100% Santé baskets up to the regulated price). The figures,
dates and references are the regime's `floor` declarations
(stdlib/secu.garant); this module only proves them: for every act and
provider combination, all-in (AMO + contract) ≥ `min(FR, floor)` at every
price. A combination no line decides pays nothing: where the law requires
cover, that gap is an error (spec §3.1).
"""

from __future__ import annotations

from fractions import Fraction

from garant.dsl import model
from garant.dsl.checker.responsable import envelope as E
from garant.dsl.checker.responsable import fixes, limits, payment, waiting
from garant.dsl.checker.responsable.findings import HOLDS, Best, Finding, claim_text, counterexample, describe, euros, prove_bound
from garant.dsl.checker.responsable.payment import Scenario
from garant.dsl.checker.responsable.scenarios import matches, step_at


def in_force(statements, date, kind: str):
    """(statement, its step in force on `date`, its rule name) for each of the
    regime's floors, ceilings or renewals that applies to a contract of that
    date: the one loop every responsable rule family starts with."""
    for statement in statements:
        step = step_at(statement.steps, date)
        if step is not None:
            yield statement, step, statement.rule or kind


def floor_bound(step: model.FloorStep, s: Scenario, params, date) -> E.Expr:
    P = E.PRICE
    if step.kind == "percent":
        v = step.value
        bp = v.const if v.param is None else payment.param_at(params[v.param], date)
        return E.emin(P, E.scale(Fraction(bp, 10000), E.BASE))
    if step.kind == "amount":
        v = step.value
        cents = v.const if v.param is None else payment.param_at(params[v.param], date)
        return E.emin(P, E.const(cents))
    limit = payment.regulated_price(s)
    return P if limit is None else E.emin(P, limit)


def _floor_words(step: model.FloorStep, s: Scenario, value: Fraction) -> str:
    if step.kind == "percent":
        return f"the ticket modérateur must be covered: at least {euros(value)} in all ({step.value.text} BRSS)"
    if step.kind == "amount":
        return f"at least {euros(value)} in all ({step.value.text})"
    if s.price_limit is None:
        return f"the whole bill must be covered ({euros(value)}; the regime states no regulated price for this act)"
    return f"the whole bill up to the regulated price must be covered: at least {euros(value)} in all"


def applies(f: model.Floor, step: model.FloorStep, s: Scenario, node: model.Node) -> bool:
    values = dict(s.values)
    if not matches(f.node, f.constraints, node, values):
        return False
    if any(matches(e.node, e.constraints, node, values) for e in f.exceptions):
        return False
    if step.kind == "percent" and (not s.reimbursed or s.rate >= 10000):
        return False  # R1 concerns acts the regime reimburses with a ticket modérateur
    return True


def check_floors(contract: model.Contract, all_scenarios: list[Scenario], levels, date) -> list[Finding]:
    best = Best()
    memo: dict = {}
    regime = contract.regime
    for f, step, rule in in_force(regime.floors, date, "floor"):
        for s in all_scenarios:
            node = regime.nodes[s.node]
            if not applies(f, step, s, node):
                continue
            if step.kind != "percent" and not s.reimbursed and s.base is None:
                s = _with_base(s, 0)  # the evaluator's base when the claim has none
            line = contract.line(s.decision.lines[0]) if s.decision else None
            for level, formulas in levels:
                sig = (id(step), level, s.rate, s.ref_rate, s.base, s.price_limit, s.reimbursed, s.decision)
                if sig not in memo:  # many combinations share every figure
                    bound = floor_bound(step, s, regime.params, date)
                    if f.above_tm_only and _tm_only(contract, s, formulas, date):
                        memo[sig] = (bound, HOLDS, None, None)  # the floor does not bind (R6)
                    else:
                        memo[sig] = (bound,) + prove_bound(contract, s, formulas, date, bound, "floor")
                        if memo[sig][1] == HOLDS:  # on a first claim; and once a limit is spent? during a waiting period?
                            memo[sig] += (limits.first_break(contract, s, formulas, date, bound) or waiting.waiting_break(contract, s, formulas, date, bound),)
                bound, status, verdict, allin = memo[sig][:4]
                broken = memo[sig][4] if len(memo[sig]) > 4 else None
                if broken is not None:
                    status = broken.status
                key = (rule, f.title, line.id if line else None, level)
                if not best.wants(key, status, s):
                    continue
                if status == HOLDS:
                    best.add(key, Finding(rule, f.title, step.ref, HOLDS, line, level, s, "holds"))
                    continue
                where = f"level {level}: " if level else ""
                if isinstance(broken, waiting.WaitingBreak):
                    claim = claim_text(contract, s, broken.price, broken.base)
                    msg = f"{rule} ({f.title}): {where}{waiting.waiting_words(broken, claim, _floor_words(step, s, broken.need), euros)}"
                    fix = waiting.waiting_fix(broken, fixes.floor_formula(step, f.above_tm_only))
                    best.add(key, Finding(rule, f.title, step.ref, status, broken.line, level, s, msg, broken.price, broken.base, broken.paid, broken.need, fix=fix))
                    continue
                if broken is not None:
                    claim = claim_text(contract, s, broken.price, broken.base)
                    msg = f"{rule} ({f.title}): {where}{limits.break_words(broken, claim, _floor_words(step, s, broken.need))}"
                    best.add(key, Finding(rule, f.title, step.ref, status, broken.line, level, s, msg, broken.price, broken.base, broken.paid, broken.need,
                                          fix=fixes.limit_fix(broken.limit)))
                    continue
                p, b, paid, need = counterexample(verdict, allin, bound)
                pays = f"pays {euros(paid)} in all" if s.decision else "is decided by no line and gets only the regime's " + euros(paid)
                msg = f"{rule} ({f.title}): {where}{claim_text(contract, s, p, b)} {pays}; {_floor_words(step, s, need)}"
                fix = fixes.floor_fix(line, describe(contract, s), fixes.floor_formula(step, f.above_tm_only))
                best.add(key, Finding(rule, f.title, step.ref, status, line, level, s, msg, p, b, paid, need, fix=fix))
    return best.findings()


def _tm_only(contract, s: Scenario, formulas, date) -> bool:
    """Whether the contract pays at most the ticket modérateur here, at
    every price: all-in ≤ min(FR, BR)."""
    status, _, _ = prove_bound(contract, s, formulas, date, E.emin(E.PRICE, E.BASE), "ceiling")
    return status == HOLDS


def _with_base(s: Scenario, base: int) -> Scenario:
    import attrs

    return attrs.evolve(s, base=base)
