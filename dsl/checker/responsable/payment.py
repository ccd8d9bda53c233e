"""What a contract pays, as an envelope in price and base (spec §3.2).

This mirrors, term for term, the generated evaluator (`compiler/runtime/
formulas.py` and the contract step of `engine.py`) on a first claim of the
period (limits not yet consumed: a budget or a yearly cap pays at most its
amount), with quantity 1 — formulas per day or session scale with the
quantity, and so do the base and the price. Amounts are exact fractions of
cents: the evaluator rounds each amount half up once, which moves a result
by less than a cent, never across a ceiling stated in whole percentages.

A *formula* here is a tuple of `model.Term` (one line, or one level of a
line once contracts have levels): the checks call `formula_amc` per
formula, so running them level by level is a loop.
"""

from __future__ import annotations

from fractions import Fraction

import attrs

from garant.dsl import model
from garant.dsl.checker.responsable import envelope as E


@attrs.frozen
class Scenario:
    """One act and provider combination, at the contract's date."""

    node: str
    values: tuple[tuple[str, str | None], ...]  # (dimension, value), network included
    rate: int  # basis points: the regime's rate (0 when not reimbursed)
    ref_rate: int  # the rate the contract's formulas are measured against (in-parcours for a responsable contract)
    base: int | None  # cents; None: the claim carries it (any base)
    price_limit: tuple[str, int] | None  # ("percent", bp) or ("amount", cents): the regime's regulated price
    reimbursed: bool
    decision: model.Decision | None
    leaf: bool = True  # a node with no children (claims usually name those)

    def describe(self) -> dict:
        return dict(self.values)


def amo(rate: int) -> E.Expr:
    """rate × min(P, B): the regime reimburses on the price when it is below the base."""
    return E.scale(Fraction(rate, 10000), E.emin(E.PRICE, E.BASE))


def regulated_price(s: Scenario) -> E.Expr | None:
    """The regulated price of the scenario's item. A price stated in euros
    is read as at least the base: the regime's base of a regulated item is
    never above its regulated price (a PLV or HLF is the tariff or more),
    so a claim whose base exceeds it does not exist, and the proofs must
    not take one as a counterexample."""
    if s.price_limit is None:
        return None
    kind, value = s.price_limit
    return E.scale(Fraction(value, 10000), E.BASE) if kind == "percent" else E.emax(E.const(value), E.BASE)


def term_amc(t: model.Term, s: Scenario, price: E.Expr, amo_ref: E.Expr, additive: bool = False) -> E.Expr:
    """One term, as the runtime function of the same name computes it (in
    a `+` line, `N% BRSS` is `pct_brss_added`: N% × BR on top)."""
    P, B = price, E.BASE
    if t.kind == "pct_brss" and additive:
        return E.scale(Fraction(t.value, 10000), B)
    if t.kind == "pct_brss":
        return E.pos(E.sub(E.emin(P, E.scale(Fraction(t.value, 10000), B)), amo_ref))
    if t.kind == "ticket_moderateur":
        return E.pos(E.sub(E.emin(B, P), amo_ref))
    if t.kind == "pct_fr":
        return E.pos(E.sub(E.scale(Fraction(t.value, 10000), P), amo_ref))
    if t.kind == "amount":
        return E.emin(E.const(t.value), E.pos(E.sub(P, amo_ref)))
    if t.kind == "secu_incluse":
        return E.pos(E.sub(E.emin(P, E.const(t.value)), amo_ref))
    if t.kind == "cent_pour_cent_sante":
        limit = regulated_price(s)
        return E.pos(E.sub(P if limit is None else E.emin(P, limit), amo_ref))
    return E.ZERO  # not covered; a budget pays through the line's budgets


def level_fn(terms: tuple[model.Term, ...], s: Scenario, amo_ref: E.Expr) -> E.Expr | None:
    """A line's level: what it pays on an unbounded price (the evaluator
    reads it with a price of 10^15 cents), None when that is unbounded
    (`N% FR`, a 100% Santé item with no regulated price)."""
    parts = []
    for t in terms:
        if t.budget is not None or t.kind == "not_covered":
            continue
        if t.kind == "pct_brss":
            parts.append(E.pos(E.sub(E.scale(Fraction(t.value, 10000), E.BASE), amo_ref)))
        elif t.kind == "ticket_moderateur":
            parts.append(E.pos(E.sub(E.BASE, amo_ref)))
        elif t.kind == "amount":
            parts.append(E.const(t.value))
        elif t.kind == "secu_incluse":
            parts.append(E.pos(E.sub(E.const(t.value), amo_ref)))
        elif t.kind == "cent_pour_cent_sante" and regulated_price(s) is not None:
            parts.append(E.pos(E.sub(regulated_price(s), amo_ref)))
        elif t.value != 0:
            return None
    return E.add(*parts) if parts else E.ZERO


def formula_fn(terms: tuple[model.Term, ...], s: Scenario, price: E.Expr, amo_ref: E.Expr, additive: bool = False) -> E.Expr:
    parts = [term_amc(t, s, price, amo_ref, additive) for t in terms if t.budget is None]
    return E.add(*parts) if parts else E.ZERO


def _budget_amounts(terms, line: model.Line, params, date) -> tuple[list[int], list[int]]:
    budgets = [_limit_amount(t.budget, params, date) for t in terms if t.budget is not None]
    caps = [_limit_amount(lim, params, date) for lim in line.limits if lim.kind == "amount"]
    return budgets, caps


def _fallbacks(terms, line: model.Line) -> list[tuple[model.Term, ...] | None]:
    """Per amount cap of the line (in `_budget_amounts` order), its
    fallback formula (`cap … then FORMULA`), None when it has none."""
    return [getattr(lim, "then", None) for lim in line.limits if lim.kind == "amount"]


def _budget_fallbacks(terms) -> list[tuple[model.Term, ...] | None]:
    """Per budget term (in `_budget_amounts` order), its fallback
    (`X per period then FORMULA`), None when it has none."""
    return [getattr(t.budget, "then", None) for t in terms if t.budget is not None]


def after_cap(part: E.Expr, cap: E.Expr, then: E.Expr | None, side: str) -> E.Expr:
    """What a line asking `part` (A) pays under a cap with R = `cap` left.

    Without a fallback: min(A, R), exactly. With one (`cap … then F`, the
    engine's `line_fallback`): A when A ≤ R; else R + min(F, A)·(A − R)/A
    — a weighted mean of A and min(F, A) (weights R/A and (A − R)/A), which
    is not piecewise linear in the price, so the proofs take the bound on
    the side they prove: at least min(A, max(R, F)) for a floor, at most
    min(A, R + F) for a ceiling. Both are exact when R = 0 (a spent cap
    pays min(F, A)) and when A ≤ R; a crossing claim lies between them."""
    if then is None:
        return E.emin(part, cap)
    if side == "ceiling":
        return E.emin(part, E.add(cap, then))
    return E.emin(part, E.emax(cap, then))


def _limit_amount(lim: model.Limit, params, date) -> int:
    if lim.param is None:
        return lim.amount
    p = params[lim.param]
    return param_at(p, date) or 0


def param_at(p: model.Param, date):
    value = None
    for start, v in zip(p.starts, p.values):
        if start <= date:
            value = v
    return value


def ceiling_room(c: model.CeilingUse, s: Scenario, reference: tuple[model.Term, ...] | None, amo_ref: E.Expr) -> E.Expr:
    """What a `cap` line may pay (engine `_ceiling_limit`): all-in at most
    N% of the base and, for R3, M% of the base under the reference line;
    all-in at most an amount ceiling (R8), quantity 1."""
    B = E.BASE
    by_amount = None if c.amount is None else E.pos(E.sub(E.const(c.amount), amo_ref))
    if c.percent is None:
        return by_amount
    above = E.sub(E.scale(Fraction(c.percent, 10000), B), B)
    if c.below_percent is not None:
        ref = E.ZERO if reference is None else level_fn(reference, s, amo_ref)
        if ref is not None:
            ref_above = E.pos(E.sub(E.add(amo_ref, ref), B))
            second = E.sub(ref_above, E.scale(Fraction(c.below_percent, 10000), B))
            above = E.emin(above, second)
    allin = E.add(B, E.pos(above))
    by_base = E.pos(E.sub(allin, amo_ref))
    return by_base if by_amount is None else E.emin(by_base, by_amount)


def counted_price(line: model.Line, frame: E.Expr | None) -> E.Expr:
    """The price a line's formula reads (engine `_frame_price`): with
    `frame at most X` and a claim whose frame costs F, `P − max(F − X, 0)`;
    the full price otherwise. With several such limits the engine takes the
    first one the frame exceeds; the largest X gives a counted price at
    least as high, so a proof made with it holds for the engine too."""
    limits = [lim.amount for lim in line.limits if lim.kind == "frame"]
    if frame is None or not limits:
        return E.PRICE
    return E.sub(E.PRICE, E.pos(E.sub(frame, E.const(max(limits)))))


def decision_amc(contract: model.Contract, s: Scenario, formulas: dict[str, tuple[model.Term, ...]], date, frame: E.Expr | None = None,
                 uncapped: frozenset[str] = frozenset(), side: str = "floor", spent: frozenset[str] = frozenset()) -> E.Expr:
    """The contract's payment for the scenario: the winning line, then its
    refinement, each within the ceiling and the room `FR − AMO`, budgets
    and yearly caps at their full amount. `formulas` gives the formula to
    use for each line id (one level of a multi-level contract). `frame`:
    the frame price of an optical equipment's claim (`E.FRAME`), which the
    formulas of lines with `frame at most X` read through `counted_price`;
    the room, the ceiling and the AMO keep the whole price. `uncapped`:
    lines whose amount caps are spent and which pay their fallback formula
    (given in `formulas`) without them (`limits.after_limit`). `side`:
    which bound of a crossing claim under `cap … then F` to take
    (`after_cap`: "floor" the least it pays, "ceiling" the most). `spent`:
    lines whose caps with a fallback are spent (0 left: the line pays
    min(F, A), exactly).

    Built once per distinct payment (`_payment_key`: every figure this
    reads), however many rules, levels and combinations ask for it."""
    k = _payment_key(contract, s, formulas, date, frame, uncapped, side, spent)
    return E.exact.remembered(("amc",) + k, lambda: _decision_amc(contract, s, formulas, date, frame, uncapped, side, spent))


def _payment_key(contract: model.Contract, s: Scenario, formulas, date, frame, uncapped: frozenset[str] = frozenset(), side: str = "floor",
                 spent: frozenset[str] = frozenset()) -> tuple:
    """What `_decision_amc` reads, as plain data: the decision, the
    reference rate and regulated price, and per line its terms (kind,
    value, whether a budget), its frame limit, budgets and caps."""
    d = s.decision
    if d is None:
        return (s.ref_rate, None)  # all-in is the AMO alone
    reference = None
    if d.ceiling is not None and d.ceiling.below_key is not None:
        below = contract.decisions.get(d.ceiling.below_key)
        if below is not None:
            reference = _terms_key(formulas[below.lines[0]])
    lines = []
    for line_id in d.lines:
        line = contract.line(line_id)
        terms = formulas[line_id]
        frames = [lim.amount for lim in line.limits if lim.kind == "frame"]
        budgets, caps = _budget_amounts(terms, line, contract.regime.params, date)
        thens = tuple(None if t is None else _terms_key(t) for t in (*_fallbacks(terms, line), *_budget_fallbacks(terms)))
        if line_id in uncapped:
            caps, thens = [], tuple(None if t is None else _terms_key(t) for t in _budget_fallbacks(terms))
        lines.append((line.additive, _terms_key(terms), max(frames) if frames else None, tuple(budgets), tuple(caps), thens, line_id in spent))
    ceiling = None if d.ceiling is None else (d.ceiling.percent, d.ceiling.below_percent, reference, d.ceiling.amount)
    fallback_side = side if any(x[5] and any(x[5]) for x in lines) else None
    return (s.ref_rate, s.price_limit, frame is not None and E.exact.key(frame), ceiling, tuple(lines), fallback_side)


def _terms_key(terms: tuple[model.Term, ...]) -> tuple:
    return tuple((t.kind, t.value, t.budget is not None) for t in terms)


def _decision_amc(contract: model.Contract, s: Scenario, formulas, date, frame: E.Expr | None, uncapped: frozenset[str] = frozenset(),
                  side: str = "floor", spent: frozenset[str] = frozenset()) -> E.Expr:
    d = s.decision
    if d is None:
        return E.ZERO
    P = E.PRICE
    a_ref = amo(s.ref_rate)
    room = E.sub(P, a_ref)  # never the hors-parcours increase (engine step 5)
    amc: E.Expr = E.ZERO
    cr = None
    if d.ceiling is not None:
        reference = None
        if d.ceiling.below_key is not None:
            below = contract.decisions.get(d.ceiling.below_key)
            if below is not None:
                reference = formulas[below.lines[0]]
        cr = ceiling_room(d.ceiling, s, reference, a_ref)
    for line_id in d.lines:
        line = contract.line(line_id)
        terms = formulas[line_id]
        part = formula_fn(terms, s, counted_price(line, frame), a_ref, line.additive)
        if cr is not None:
            part = E.emin(part, E.pos(E.sub(cr, amc)))
        part = E.emin(part, E.pos(E.sub(room, amc)))
        budgets, caps = _budget_amounts(terms, line, contract.regime.params, date)
        for amount, then in zip(budgets, _budget_fallbacks(terms)):
            available = E.pos(E.sub(E.sub(room, amc), part))
            if then is None:
                part = E.add(part, E.emin(E.const(amount), available))
                continue
            # `X per period then F`: the budget cuts the claim as a cap of
            # R = part + what is left would (engine `line_budgets`).
            left = 0 if line_id in spent else amount
            fallback = formula_fn(then, s, counted_price(line, frame), a_ref)
            part = after_cap(E.add(part, available), E.add(part, E.const(left)), fallback, side)
        if line_id not in uncapped:
            for cap, then in zip(caps, _fallbacks(terms, line)):
                fallback = None if then is None else formula_fn(then, s, counted_price(line, frame), a_ref)
                left = 0 if then is not None and line_id in spent else cap
                part = after_cap(part, E.const(left), fallback, side)
        amc = E.add(amc, part)
    return amc


def allin(contract: model.Contract, s: Scenario, formulas, date, frame: E.Expr | None = None, uncapped: frozenset[str] = frozenset(),
          side: str = "floor", spent: frozenset[str] = frozenset()) -> E.Expr:
    """AMO (in-parcours for a responsable contract) + AMC: what the rules call "all-in"."""
    k = _payment_key(contract, s, formulas, date, frame, uncapped, side, spent)
    return E.exact.remembered(("allin",) + k, lambda: E.add(amo(s.ref_rate), decision_amc(contract, s, formulas, date, frame, uncapped, side, spent)))
