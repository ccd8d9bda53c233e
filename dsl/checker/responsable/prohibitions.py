"""R4's deductions: what a responsable contract never refunds.

The participation forfaitaire and the franchises are taken from the AMO;
the hors-parcours increase lowers it. A contract refunds none of them
exactly when, on every claim, it pays at most what the AMO the patient
would have had in the parcours de soins leaves of the price:
`AMC ≤ max(0, FR − AMO in parcours)` — the reste à charge then keeps every
deduction and the increase (rac = FR − AMO net − AMC ≥ PF + franchises +
increase). That inequality is proved here, exactly over every price (and
every base the claim may carry), for each act and provider combination of
the contract, on the same envelope of the evaluator's payment as every
other rule (`payment.decision_amc`), so a formula, a sum of terms or a
budget that could reach a deduction would be found, with a counterexample.
"""

from __future__ import annotations

from fractions import Fraction

from garant.dsl import model
from garant.dsl.checker.responsable import envelope as E
from garant.dsl.checker.responsable import fixes, payment
from garant.dsl.checker.responsable.findings import HOLDS, VIOLATED, Best, Finding, claim_text, euros
from garant.dsl.checker.responsable.payment import Scenario


def check_no_refund(contract: model.Contract, rules, all_scenarios: list[Scenario], levels, date) -> list[Finding]:
    """One finding per line and level for each rule that says `no refund of
    deductions` and applies at the contract's date."""
    best = Best()
    memo: dict = {}
    for rule in rules:
        if not rule.no_refund or rule.start is None or rule.start > date:
            continue
        for s in all_scenarios:
            if s.decision is None or not s.reimbursed:
                continue
            line = contract.line(s.decision.lines[0])
            for level, formulas in levels:
                sig = (level, s.rate, s.ref_rate, s.base, s.price_limit, s.decision)
                if sig not in memo:
                    amc = payment.decision_amc(contract, s, formulas, date, side="ceiling")
                    left = E.pos(E.sub(E.PRICE, payment.amo(s.ref_rate)))
                    g = E.sub(amc, left)
                    memo[sig] = (E.prove_nonpositive(g, E.Domain(None if s.base is None else Fraction(s.base))), amc, left)
                verdict, amc, left = memo[sig]
                key = (rule.name, rule.title, line.id, level)
                status = HOLDS if verdict.holds else VIOLATED
                if not best.wants(key, status, s):
                    continue
                if verdict.holds:
                    best.add(key, Finding(rule.name, rule.title, rule.ref, HOLDS, line, level, s, "holds"))
                    continue
                p, b = verdict.price, verdict.base
                paid, room = E.evaluate(amc, p, b), E.evaluate(left, p, b)
                where = f"level {level}: " if level else ""
                msg = (
                    f"{rule.name} ({rule.title}): {where}{claim_text(contract, s, p, b)}: the contract pays {euros(paid)} where the "
                    f"in-parcours AMO leaves {euros(room)}: it refunds a deduction of the regime (participation forfaitaire, franchise or hors-parcours increase)"
                )
                best.add(key, Finding(rule.name, rule.title, rule.ref, VIOLATED, line, level, s, msg, p, b, paid, room, fix=fixes.deduction_fix(line) if line else None))
    return best.findings()
