"""The contract's steps of a French claim (spec §3.2, SECU.md order 4-5).

    gap | contract lines → décompte

The deciding line(s) of the contract's decision table pay in turn; each
runs the line steps (`LINE_STEPS`):

    quantity (count limits) → formula → responsable ceiling → room
    → budgets → amount limits → consume

and what it pays adds to the AMC the next line is bounded by.
"""

from __future__ import annotations

from garant.compiler.runtime.decompte import Decompte
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
        for step in steps:
            step(product, s)
        s.amc += s.part


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
        remaining = lim.left(s.ledger, c.beneficiary, c.date, product.params)
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
    c = s.claim
    line = s.line
    paid = s.paid
    quantity = c.quantity
    if paid <= 0:
        part = 0
    else:
        price = c.price
        if line.frames and c.frame_price is not None:
            price = frame_price(line, c, price, s.trace.append)
        part = line.fn(price, s.base, s.amo_ref, paid if line.per_unit else quantity, s.ceiling_price)
        if paid < quantity and not line.per_unit:
            part = (part * paid * 2 + quantity) // (2 * quantity)
    s.trace.append((line.where, "line", part, line.text))
    s.part = part


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
    """RESPONSABLE.md R3: a responsable ceiling bounds the whole cover of
    the decision, refinements included (measured once, on its first line)."""
    ceiling = s.route.decision.ceiling
    c = s.claim
    if s.ceiling_room is None:
        s.ceiling_room = ceiling_limit(product, ceiling, c.price, s.base, s.amo_ref, c.quantity, s.ceiling_price)
    left = s.ceiling_room - s.amc
    if s.part > left:
        s.part = left if left > 0 else 0
        s.trace.append((ceiling.where, "ceiling", s.part, s.ceiling_room + s.amo_ref))


def ceiling_limit(product, ceiling, price, base, amo_ref, quantity, ceiling_price) -> int:
    """What the contract may pay under a responsable ceiling: all-in at
    most N% of the BR and, when the ceiling says so, `below_percent` of
    the BR under the reference line's level (R3)."""
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
    if s.paid <= 0:
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
        remaining = lim.left(s.ledger, c.beneficiary, c.date, product.params)
        if s.part > remaining:
            cut = s.part - remaining
            s.part = remaining
            s.warnings.append(f"limit {lim.text}: {fmt(remaining)} was left [{lim.where}]")
            s.trace.append((lim.where, "limit_amount", remaining, lim.text, remaining))
            for used in reversed(s.from_budgets):  # what a cap cuts is not taken from a budget
                back = used[1] if used[1] < cut else cut
                used[1] -= back
                cut -= back


@when(lambda line, decision: bool(line.consumed or line.budgets))
def line_consume(product, s) -> None:
    """Spec §3.2 limits and budgets: what the line paid, and the quantity it
    paid for, count against its limits and the budgets it drew on."""
    if s.part <= 0:
        return
    c = s.claim
    line = s.line
    for lim in line.consumed:
        lim.consume(s.ledger, c.beneficiary, c.date, s.part, s.paid)
    for lim, used in s.from_budgets:
        lim.consume(s.ledger, c.beneficiary, c.date, used, s.paid)


LINE_STEPS = (line_quantity, line_formula, line_ceiling, line_room, line_budgets, line_amount_limits, line_consume)


def decompte(product, s) -> Decompte:
    """SECU.md order 3 and 5: AMO net = AMO − PF − franchises; the
    décompte (whose reste à charge is price − AMO net − AMC) with its
    warnings and trace."""
    c = s.claim
    amo_net = s.amo - s.pf - s.franchise
    d = Decompte(c.id, c.beneficiary, c.date, c.act, c.provider, c.price, s.base, s.rate, s.amo, s.pf, s.franchise, amo_net, s.amc,
                 s.rule, s.warnings, s.trace)
    if s.status:  # the beneficiary's status and scheme, on the décompte
        d.exemption, d.scheme = c.exemption, c.scheme
    return d
