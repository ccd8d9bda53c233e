"""Floors during a waiting period (délai d'attente, issue 18.5).

A line with `waiting N months: FORMULA` (its own, or the header's) pays
FORMULA for the first N months of membership. The floors of the contrat
responsable (R1 ticket modérateur, R2 forfait journalier, R5 100% Santé,
R6's class B floor) are owed on every claim of a member, from the first
day: CSS R871-2 states them for "l'ensemble des dépenses" without any
waiting period, and the DSS circular n° DSS/SD5C/2015/30 of 30 January
2015 (on the cahier des charges of décret n° 2014-1374) rules out waiting
periods on those guarantees. Real contracts do the same: Senior GAN's
notice pays "100% BR" during its three months (the ticket modérateur),
and "not covered" only for acts the regime does not reimburse.

So the floors are proved a third time, on what a claim pays during the
waiting period: the line's formula replaced by FORMULA (budgets pay
nothing then; the limits still bind). A waiting formula below a floor is
a breach during the wait, with a counterexample in euros; one that meets
it (`waiting 3 months: TM`, `100% BRSS`, or `not covered` on an act the
regime does not reimburse) proves like any other line. The ceilings are
proved on the waiting formula too (`ceilings._during_waiting`).
"""

from __future__ import annotations

from fractions import Fraction

import attrs

from garant.dsl import model
from garant.dsl.checker.responsable import envelope as E
from garant.dsl.checker.responsable import payment
from garant.dsl.checker.responsable.findings import HOLDS, prove_bound
from garant.dsl.checker.responsable.payment import Scenario


@attrs.frozen
class WaitingBreak:
    """A waiting period during which the line pays below the floor."""

    status: str
    line: model.Line
    waiting: model.Waiting
    price: Fraction
    base: Fraction
    paid: Fraction  # all-in during the waiting period
    need: Fraction  # the floor there
    after: Fraction  # all-in once the period is over, at the same claim


def waiting_break(contract: model.Contract, s: Scenario, formulas, date, bound: E.Expr) -> WaitingBreak | None:
    """The first deciding line whose waiting formula leaves the all-in
    payment below `bound`, with its counterexample; None when none does."""
    if s.decision is None:
        return None
    for line_id in s.decision.lines:
        line = contract.line(line_id)
        w = line.waiting
        if w is None:
            continue
        during = {**formulas, line_id: tuple(w.terms)}
        status, verdict, allin = prove_bound(contract, s, during, date, bound, "floor")
        if status == HOLDS:
            continue
        p, b = verdict.price, verdict.base
        after = payment.allin(contract, s, formulas, date)
        return WaitingBreak(status, line, w, p, b, E.evaluate(allin, p, b), E.evaluate(bound, p, b), E.evaluate(after, p, b))
    return None


def _period(w: model.Waiting) -> str:
    if w.months:
        return f"the first {w.months} month{'s' if w.months > 1 else ''} of membership"
    return f"the first {w.days} day{'s' if w.days > 1 else ''} of membership"


def waiting_words(b: WaitingBreak, claim: str, floor_words: str, euros) -> str:
    """`during `waiting 3 months: not covered` (the first 3 months of
    membership), generaliste secteur1 at 30.00€ … pays 21.00€ in all …`."""
    return (f"during `{b.waiting.text}` ({_period(b.waiting)}), {claim} pays {euros(b.paid)} in all (after it, {euros(b.after)}); "
            f"{floor_words}, from the first day of membership: the waiting period breaks it")


def waiting_fix(b: WaitingBreak, formula: str) -> str:
    """Pay the floor during the wait, on this line's own clause."""
    w = b.waiting
    n = f"{w.months} month{'s' if w.months > 1 else ''}" if w.months else f"{w.days} day{'s' if w.days > 1 else ''}"
    where = "the header's waiting period covers this line: " if w.product else ""
    return f"{where}add `, waiting {n}: {formula}` to this line (a waiting period may cut what the contract pays above the floors, not the floors)"


__all__ = ["WaitingBreak", "waiting_break", "waiting_words", "waiting_fix"]
