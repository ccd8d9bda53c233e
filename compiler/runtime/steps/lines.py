"""The contract's steps of a French claim (spec §3.2, SECU.md order 4-5).

    gap | contract lines → décompte

The deciding line(s) of the contract's decision table pay in turn; each
runs the line steps (`LINE_STEPS`):

    side → quantity (count limits) → formula → waiting period
    → responsable ceiling → room → budgets → amount limits → fallback
    → consume

and what it pays adds to the AMC the next line is bounded by.
"""

from __future__ import annotations

from garant.compiler.runtime.claims import given_fields
from garant.compiler.runtime.decompte import ClaimError, Decompte
from garant.compiler.runtime.money import fmt, pct
from garant.compiler.runtime.steps import when

_UNBOUNDED = 10**15  # cents: a price above any guarantee, to read a line's level


@when(lambda product, route: route.decision is None)
def gap(product, s) -> None:
    """Spec §3.1: an act and provider no guarantee line covers gets nothing
    from the contract (a warning, and the contract's gap rule decides)."""
    c = s.claim
    s.amc = 0
    s.rule = product.gap_rule
    s.warnings.append(f"no guarantee line covers `{c.act}`{' with ' + c.provider if c.provider else ''}: the contract pays nothing")
    s.trace.append((product.gap_rule, "gap", 0))


@when(lambda product, route: route.decision is not None)
def contract_lines(product, s) -> None:
    """Spec §3.1-3.2: the line(s) the decision table picks for the act and
    provider pay in turn, each through the line steps it needs
    (`LINE_STEPS`), within what the lines before it paid; the first line
    names the deciding rule."""
    routed = s.route.lines
    s.rule = routed[0][0].where
    s.amc = 0
    s.ceiling_room = None
    quantity = s.claim.quantity
    for line, steps in routed:
        s.line = line
        s.paid = quantity
        s.from_budgets = ()
        s.waiting = False
        s.fallback = s.cut = 0
        for step in steps:
            step(product, s)
        s.amc += s.part


@when(lambda line, decision: line.sided)
def line_side(product, s) -> None:
    """Spec §3.2 per-side limits (docs/language.md, Per side: `max 2 per eye
    per 2 years`, `cap 950€ per ear per 4 years`) count each side on its
    own: the claim must say which."""
    if s.claim.side is None:
        lim = next(lim for lim in s.line.limits if lim.side)
        raise ClaimError(f"missing field `side` (`left` or `right`): line `{s.line.text}` limits {lim.text} [{lim.where}]", "side")


@when(lambda line, decision: bool(line.count_limits))
def line_quantity(product, s) -> None:
    """Spec §3.2 count limits (`N per period`, `once per period`): the
    quantity the line pays for, cut to what its count limits have left."""
    c = s.claim
    line = s.line
    quantity = paid = c.quantity
    for lim in line.count_limits:
        if line.banded and not lim.applies(c):
            continue
        remaining = lim.left(s.ledger, c.beneficiary if not lim.side else lim.holder(c), c.date, product.params)
        allowed = remaining if lim.kind == "count" else (quantity if remaining > 0 else 0)
        if allowed < paid:
            paid = allowed
            s.trace.append((lim.where, "limit_count", None, lim.text, remaining))
            if allowed <= 0:
                s.warnings.append(f"limit reached: {lim.text} [{lim.where}]")
            else:
                s.warnings.append(f"limit {lim.text}: {allowed} of {quantity} paid [{lim.where}]")
    s.paid = paid


def line_formula(product, s) -> None:
    """Spec §3.2-3.3: the line's formula (its generated function) on the
    price (the frame counted at most its `frame at most`), the BR and the
    reference AMO; a quantity cut by a count limit pays its share, rounded
    half up."""
    line = s.line
    part = _pay(line.fn, line, s, s.trace.append)
    s.trace.append((line.where, "line", part, line.text))
    s.part = part


def _pay(fn, line, s, add) -> int:
    """A formula of the line (its own, its waiting period's, its fallback)
    on the claim: the price (the frame counted at most its `frame at
    most`), the BR, the reference AMO; a quantity cut by a count limit
    pays its share, rounded half up."""
    c = s.claim
    paid = s.paid
    quantity = c.quantity
    if paid <= 0:
        return 0
    price = c.price
    if line.frames and c.frame_price is not None:
        price = frame_price(line, c, price, add)
    part = fn(price, s.base, s.amo_ref, paid if line.per_unit else quantity, s.ceiling_price)
    if paid < quantity and not line.per_unit:
        part = (part * paid * 2 + quantity) // (2 * quantity)
    return part


@when(lambda line, decision: line.waiting is not None)
def line_waiting(product, s) -> None:
    """Spec §3.2 délai d'attente (docs/language.md, Waiting periods:
    `waiting N months: FORMULA`): care before the
    membership date plus N months is paid the waiting formula instead of
    the line's (its budgets do not pay; its limits still bind and count)."""
    c = s.claim
    w = s.line.waiting
    if c.membership_date is None:
        raise ClaimError(f"missing field `membership_date`: the line `{s.line.text}` has a waiting period ({w.text}) [{w.where}]", "membership_date")
    ends = w.ends(c.membership_date)
    if c.date >= ends:
        return
    s.waiting = True
    s.part = _pay(w.fn, s.line, s, _no_trace)
    s.trace.append((w.where, "waiting", s.part, w.text, c.membership_date, ends))
    s.warnings.append(f"waiting period applies: {w.text} (member since {c.membership_date}; the line's own cover from {ends}) [{w.where}]")


def _no_trace(step) -> None:
    """The frame step is traced once, by the line's own formula."""

def frame_price(line, c, price: int, add) -> int:
    """`frame at most X`: the frame of an optical equipment counts for at
    most X of its price; what it costs above X is left to the patient."""
    for lim in line.frames:
        if c.frame_price > lim.amount:
            counted = price - (c.frame_price - lim.amount)
            add((lim.where, "frame", counted, lim.text, c.frame_price, counted))
            return counted
    return price


@when(lambda line, decision: decision.ceiling is not None)
def line_ceiling(product, s) -> None:
    """RESPONSABLE.md R3, R8: the responsable ceilings bound the whole cover
    of the decision, refinements included (measured once, on its first
    line); the trace names the ceiling that binds."""
    ceiling = s.route.decision.ceiling
    c = s.claim
    if s.ceiling_room is None:
        s.ceiling_room = ceiling_limit(product, ceiling, c.price, s.base, s.amo_ref, c.quantity, s.ceiling_price)
    left = s.ceiling_room - s.amc
    if s.part > left:
        s.part = left if left > 0 else 0
        where = ceiling.where
        if ceiling.amount is not None and (ceiling.percent is None or s.ceiling_room == _amount_room(ceiling, s.amo_ref, c.quantity)):
            where = ceiling.amount_where
        s.trace.append((where, "ceiling", s.part, s.ceiling_room + s.amo_ref))


def ceiling_limit(product, ceiling, price, base, amo_ref, quantity, ceiling_price) -> int:
    """What the contract may pay under the responsable ceilings: all-in at
    most N% of the BR and, when the ceiling says so, `below_percent` of
    the BR under the reference line's level (R3); all-in at most the
    amount per item (R8: 1,700€ per hearing aid, Sécu incluse)."""
    room = _amount_room(ceiling, amo_ref, quantity) if ceiling.amount is not None else None
    if ceiling.percent is None:
        return room
    above = pct(base, ceiling.percent) - base
    if ceiling.below_percent is not None:
        reference = 0
        below = product.decisions.get(ceiling.below_key) if ceiling.below_key else None
        if below is not None:
            # The reference is the guarantee's level, not what one bill
            # happens to leave: measure it on an unbounded price.
            ref_line = product.lines[below.lines[0]]
            reference = ref_line.fn(_UNBOUNDED, base, amo_ref, quantity, ceiling_price)
        ref_above = amo_ref + reference - base
        ref_above = ref_above if ref_above > 0 else 0
        second = ref_above - pct(base, ceiling.below_percent)
        above = above if above < second else second
    allin = base + (above if above > 0 else 0)
    by_base = allin - amo_ref if allin > amo_ref else 0
    return by_base if room is None or by_base < room else room


def _amount_room(ceiling, amo_ref: int, quantity: int) -> int:
    """An all-in amount ceiling per item, less the AMO the contract is
    measured against: what the contract may pay under it."""
    allin = ceiling.amount * quantity
    return allin - amo_ref if allin > amo_ref else 0


def line_room(product, s) -> None:
    """SECU.md order 4, CSS L871-1: the contract pays at most what the AMO
    it is measured against leaves (price − reference AMO), over all its
    lines: never the hors-parcours increase, not even through a budget."""
    left = s.claim.price - s.amo_ref - s.amc
    if s.part > left:
        s.part = left if left > 0 else 0
        s.trace.append((s.line.where, "room", s.part))


@when(lambda line, decision: bool(line.budgets))
def line_budgets(product, s) -> None:
    """Spec §3.2 budgets (`X€ per period`): a line with a budget pays,
    on top of its formula, from what remains of the budget, up to the room."""
    s.from_budgets = from_budgets = []
    line = s.line
    if s.paid <= 0 or s.waiting:
        return
    c = s.claim
    params = product.params
    room = c.price - s.amo_ref - s.amc
    for lim in line.budgets:
        remaining = lim.left(s.ledger, c.beneficiary, c.date, params)
        available = room - s.part
        extra = remaining if remaining < available else (available if available > 0 else 0)
        s.trace.append((lim.where, "budget", extra, lim.text, remaining))
        total = lim.amount if lim.param is None else params[lim.param].at(c.date)
        if remaining < total and remaining < available:
            s.warnings.append(f"limit of the budget {lim.text}: {fmt(remaining)} was left [{lim.where}]")
        from_budgets.append([lim, extra])
        if lim is line.fallback and extra < available:
            # `X per period then F`: the budget cut the claim; the rest
            # of it pays the fallback (`line_fallback`), as after a cap.
            s.cut = available - extra
            s.asked = s.part + available
        s.part += extra


@when(lambda line, decision: bool(line.amount_limits))
def line_amount_limits(product, s) -> None:
    """Spec §3.2 amount limits (`cap X per period`): the line pays at most
    what each has left; what a cap cuts is given back to the budgets first."""
    c = s.claim
    line = s.line
    for lim in line.amount_limits:
        if line.banded and not lim.applies(c):
            continue
        remaining = lim.left(s.ledger, c.beneficiary if not lim.side else lim.holder(c), c.date, product.params)
        if s.part > remaining:
            cut = s.part - remaining
            if lim is line.fallback:
                s.cut = cut
                s.asked = s.part
            s.part = remaining
            s.warnings.append(f"limit {lim.text}: {fmt(remaining)} was left [{lim.where}]")
            s.trace.append((lim.where, "limit_amount", remaining, lim.text, remaining))
            for used in reversed(s.from_budgets):  # what a cap cuts is not taken from a budget
                back = used[1] if used[1] < cut else cut
                used[1] -= back
                cut -= back


@when(lambda line, decision: line.fallback is not None)
def line_fallback(product, s) -> None:
    """Spec §3.2 fallback (docs/language.md, Limits: `cap … then FORMULA`,
    `X per period then FORMULA`): on a claim the cap (or the budget) cuts,
    the share of the
    claim beyond the cap (what the cap cut ÷ what the line asked) is paid
    the fallback formula, rounded half up; never more than the cap cut,
    nor than the room left (so never more than without the cap)."""
    cut = s.cut
    if cut <= 0:
        return
    line = s.line
    lim = line.fallback
    whole = _pay(lim.then, line, s, _no_trace)
    asked = s.asked
    share = (whole * cut * 2 + asked) // (2 * asked) if whole > 0 else 0
    share = share if share < cut else cut
    left = s.claim.price - s.amo_ref - s.amc - s.part
    share = share if share < left else (left if left > 0 else 0)
    s.fallback = share
    s.part += share
    s.trace.append((lim.where, "fallback", share, lim.text, whole, asked - cut, asked))


@when(lambda line, decision: bool(line.consumed or line.budgets))
def line_consume(product, s) -> None:
    """Spec §3.2 limits and budgets: what the line paid, and the quantity it
    paid for, count against its limits and the budgets it drew on (what a
    fallback paid counts against no amount: the cap is spent)."""
    if s.part <= 0:
        return
    c = s.claim
    line = s.line
    amount = s.part - s.fallback
    for lim in line.consumed:
        lim.consume(s.ledger, c.beneficiary if not lim.side else lim.holder(c), c.date, amount, s.paid)
    for lim, used in s.from_budgets:
        lim.consume(s.ledger, c.beneficiary, c.date, used, s.paid)


LINE_STEPS = (line_side, line_quantity, line_formula, line_waiting, line_ceiling, line_room, line_budgets, line_amount_limits,
              line_fallback, line_consume)


def decompte(product, s) -> Decompte:
    """SECU.md order 3 and 5: AMO net = AMO − PF − franchises; the
    décompte (whose reste à charge is price − AMO net − AMC) with its
    warnings and trace."""
    c = s.claim
    amo_net = s.amo - s.pf - s.franchise
    d = Decompte(c.id, c.beneficiary, c.date, c.act, c.provider, c.price, s.base, s.rate, s.amo, s.pf, s.franchise, amo_net, s.amc,
                 s.rule, s.warnings, s.trace)
    if c.base is not None or c.amo is not None or c.statement is not None:  # the Sécu's statement (`steps.statement`)
        d.given = given_fields(c)
        d.differs = tuple(s.differs or ())
    if s.status:  # the beneficiary's status and scheme, on the décompte
        d.exemption, d.scheme = c.exemption, c.scheme
    return d
