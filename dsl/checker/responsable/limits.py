"""Floors that a limit, a budget or a renewal can break (issue 18.2).

The floors (R1 the ticket modérateur, R2 the forfait journalier "without
time limit", R5 100% Santé, R6's class B floor) are owed on every claim,
not only on the first one of a period. A guarantee line that pays the
floor but carries `max 30 days per calendar year`, `cap 20€ per calendar
year`, a budget `100€ per calendar year` or `once per rolling 24 months`
pays less once that limit is spent: the 31st day, the third visit. So each
floor is proved a second time on the payment *after* each of the line's
limits is spent (`after_limit`): nothing for a count or a cap, the
formula without the budget for a budget — or the fallback the contract
names for when the limit is spent (`… then TM`, helper "clauses": a
`then` formula stored on the limit as `model.Limit.then`, a tuple of
terms). A fallback that itself meets the floor does not break it.

A limit the law lets stand is not a breaker: the optics renewals of R7
(CSS R871-2 3° last paragraph: R1, R5 and R6 cover *one equipment per
period*) — a `once per rolling M months` no stricter than the regime's
`renewal` declaration for the act and age. The same holds for hearing
aids, whose regime renewal (one aid per ear per four years, R871-2 4°)
the regime declares as a `renewal` too.
"""

from __future__ import annotations

from fractions import Fraction

import attrs

from garant.dsl import model
from garant.dsl.checker.responsable import envelope as E
from garant.dsl.checker.responsable import payment
from garant.dsl.checker.responsable.findings import HOLDS, euros, prove_bound
from garant.dsl.checker.responsable.payment import Scenario
from garant.dsl.checker.responsable.scenarios import matches, step_at

_OLDEST = 200


def exhaustible(line: model.Line, terms: tuple[model.Term, ...]) -> list[model.Limit]:
    """The limits a member can spend on this line: counts, `once`, amount
    caps (with or without a period) and the budgets inside its formula."""
    out = [lim for lim in line.limits if lim.kind in ("count", "once", "amount")]
    return out + [t.budget for t in terms if t.budget is not None]


def fallback(lim: model.Limit) -> tuple[model.Term, ...] | None:
    """The formula the contract pays once `lim` is spent (`… then FORMULA`),
    None when it names none. Read off the limit so that the `then` clause
    (helper "clauses") needs no change here."""
    return getattr(lim, "then", None)


def after_limit(terms: tuple[model.Term, ...], lim: model.Limit, then: tuple[model.Term, ...] | None = None) -> tuple[tuple[model.Term, ...], bool]:
    """What a line pays once `lim` is spent, and whether its amount caps
    are dropped: its fallback formula `then` (uncapped) when it has one;
    else the formula without that budget (a budget term), or nothing (a
    count, `once` or a cap: the engine's line pays 0 from then on)."""
    if then is not None:
        return tuple(then), True
    if any(t.budget is lim for t in terms):
        return tuple(t for t in terms if t.budget is not lim), False
    return (), False


def allowed_by_law(contract: model.Contract, s: Scenario, lim: model.Limit, date) -> bool:
    """A renewal limit no stricter than the regime's `renewal` for this act
    (R7 optics, R8 hearing aids): the floors cover one item per period."""
    if lim.kind not in ("once", "count") or lim.period is None or lim.period.kind != "rolling":
        return False
    regime = contract.regime
    node = regime.nodes[s.node]
    lo, hi = lim.age_from or 0, lim.age_under if lim.age_under is not None else _OLDEST
    count = 1 if lim.kind == "once" else lim.amount
    for r in regime.renewals:
        step = step_at(r.steps, date)
        if step is None or not renewal_applies(r, s, node):
            continue
        overlapping = [rl for rl in step.limits if (rl.age_from or 0) < hi and lo < (rl.age_under if rl.age_under is not None else _OLDEST)]
        if overlapping and all(count >= (1 if rl.kind == "once" else rl.amount) and lim.period.months <= rl.period.months for rl in overlapping):
            return True
    return False


def _months(period: model.Period | None) -> int | None:
    if period is None:
        return None
    return {"calendar_year": 12, "day": 0}.get(period.kind, period.months)


def _one_claim_per_period(lim: model.Limit, allowed: list[model.Limit]) -> bool:
    return _uncovered_ages(lim, allowed) is None


def _uncovered_ages(lim: model.Limit, allowed: list[model.Limit]) -> tuple[int, int] | None:
    """Whether the line's renewal limits the law allows leave at most one
    claim in any period of `lim`, at every age: then `lim` binds only a
    first claim, which the first proof covers (`cap 400€ per rolling 24
    months` beside `once per rolling 24 months`)."""
    months = _months(lim.period)
    if months is None:
        return (0, _OLDEST)
    ages = sorted({0, _OLDEST} | {a for x in allowed for a in ((x.age_from or 0), x.age_under or _OLDEST)})
    for lo, hi in zip(ages, ages[1:]):
        if not any(x.kind == "once" and (x.age_from or 0) <= lo < (x.age_under or _OLDEST) and x.period.months >= months for x in allowed):
            return (lo, hi)
    return None


def renewal_applies(r: model.Renewal, s: Scenario, node: model.Node) -> bool:
    """As `renewals.applies` (which imports the floors: not imported here)."""
    values = dict(s.values)
    return matches(r.node, r.constraints, node, values) and not any(matches(e.node, e.constraints, node, values) for e in r.exceptions)


@attrs.frozen
class Break:
    """A limit after which the line pays below the floor."""

    status: str
    line: model.Line
    limit: model.Limit
    price: Fraction
    base: Fraction
    paid: Fraction  # all-in once the limit is spent
    need: Fraction  # the floor there
    first_paid: Fraction  # all-in on a first claim at the same price
    ages: tuple[int, int] | None = None  # the age band where a renewal the law allows leaves room for a second claim


def first_break(contract: model.Contract, s: Scenario, formulas, date, bound: E.Expr) -> Break | None:
    """The first limit of the deciding lines whose spending leaves the
    all-in payment below `bound` (the floor), with its counterexample; None
    when every limit leaves the floor met (or the law lets it stand)."""
    if s.decision is None:
        return None
    for line_id in s.decision.lines:
        line = contract.line(line_id)
        terms = formulas[line_id]
        allowed = [lim for lim in line.limits if allowed_by_law(contract, s, lim, date)]
        for lim in exhaustible(line, terms):
            if lim in allowed or _one_claim_per_period(lim, allowed):
                continue
            if fallback(lim) is not None and lim.kind == "amount":
                # A spent cap with a fallback: the line pays min(F, A), the
                # engine's `line_fallback` with nothing left (payment.after_cap).
                status, verdict, allin = prove_bound(contract, s, formulas, date, bound, "floor", spent=frozenset({line_id}))
            else:
                paying, uncap = after_limit(terms, lim, fallback(lim))
                after = {**formulas, line_id: paying}
                status, verdict, allin = prove_bound(contract, s, after, date, bound, "floor", frozenset({line_id}) if uncap else frozenset())
            if status == HOLDS:
                continue
            p, b = verdict.price, verdict.base
            first = payment.allin(contract, s, formulas, date)
            ages = _uncovered_ages(lim, allowed) if allowed else None
            return Break(status, line, lim, p, b, E.evaluate(allin, p, b), E.evaluate(bound, p, b), E.evaluate(first, p, b), ages)
    return None


def _ordinal(n: int) -> str:
    if 10 <= n % 100 <= 20:
        suffix = "th"
    else:
        suffix = {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _within(period: model.Period | None) -> str:
    if period is None:
        return ""
    if period.kind == "calendar_year":
        return " in a calendar year"
    if period.kind == "rolling":
        return f" within {period.months} months"
    if period.kind == "day":
        return " on one day"
    return f" {period.text}" if period.text else ""


_UNITS = {"days": "day", "sessions": "session", "items": "item", "acts": "act", "visits": "visit"}


def which_claim(b: Break, claim: str) -> tuple[str, Fraction]:
    """Which claim of the period pays below the floor, in words, and what
    it pays in all: the (N+1)th day after `max N days`, the claim after a
    cap is spent, the claim after a budget is used up."""
    lim = b.limit
    within = _within(lim.period)
    if lim.kind == "once":
        return f"a second {claim}{within}", b.paid
    if lim.kind == "count":
        unit = next((u for w, u in _UNITS.items() if f" {w}" in f" {lim.text} "), None)
        n = (lim.amount or 0) + 1
        if unit is not None:
            return f"the {_ordinal(n)} {unit} of {claim}{within}", b.paid
        return f"the {_ordinal(n)} {claim}{within}", b.paid
    # an amount: a cap of the line, or a budget in its formula
    per_claim = b.first_paid - b.paid
    cap = Fraction(lim.amount or 0)
    if lim.param is not None or per_claim <= 0 or cap <= 0 or fallback(lim) is not None:
        # (with a fallback, what a claim takes from the limit is not the
        # drop in what it pays: no claim number)
        return f"{claim}, once `{lim.text}` is spent,", b.paid
    before = int(cap // per_claim)
    rest = cap - before * per_claim
    if before >= 10:  # a claim number nobody reads: say when instead
        return f"{claim}, once `{lim.text}` is spent,", b.paid
    if b.paid + rest < b.need and rest < per_claim:
        return f"the {_ordinal(before + 1)} {claim}{within}", b.paid + rest
    return f"the {_ordinal(before + 1 if rest == 0 else before + 2)} {claim}{within}", b.paid


def break_words(b: Break, claim: str, floor_words: str) -> str:
    """`the 31st day in a calendar year of hospitalisation forfait_journalier
    at 20.00€ … pays 0.00€ in all, below …: the limit `max 30 days per
    calendar year` breaks the floor`."""
    which, paid = which_claim(b, claim)
    if b.ages is not None and b.ages != (0, _OLDEST):
        lo, hi = b.ages
        which = ("under " + str(hi) if lo == 0 else f"at {lo} or over" if hi >= _OLDEST else f"from {lo} to {hi - 1}") + ", " + which
    return (f"{which} pays {euros(paid)} in all (the first pays {euros(b.first_paid)}); {floor_words}, on every claim: "
            f"the limit `{b.limit.text}` breaks it")


__all__ = ["after_limit", "allowed_by_law", "exhaustible", "fallback", "first_break", "break_words", "Break"]
