"""A beneficiary's status and local scheme (SECU.md «Rates», «Flat
deductions»; the regime's `status` and `scheme` blocks, stdlib section
"Exemptions").

    … regime rate, AMO gross → reference AMO → beneficiary status
    → deductions (which skip what the status does not owe) → price checks
    (which read a reduced amount) …

A claim's `exemption` (ALD, maternité, AT/MP, invalidité, C2S, AME) and
`scheme` (Alsace-Moselle) change the rate on the acts their block names,
make some amounts not due (the participation forfaitaire, franchises,
forfait journalier, forfait patient urgences) or reduce them, and say
whether the hors-parcours increase (CSS R160-6) is still borne. Every
figure is the regime's: nothing here knows a rate or an amount.
"""

from __future__ import annotations

from garant.compiler.runtime.money import pct
from garant.compiler.runtime.steps import when
from garant.compiler.runtime.steps.stays import stay_amount


@when(lambda product, route: bool(product.statuses or product.schemes))
def beneficiary_status(product, s) -> None:
    """The regime's `status` (claim field `exemption`) and `scheme` (claim
    field `scheme`) blocks: the highest rate they give on the act replaces
    the regime's (less the hors-parcours increase where the block says it
    is still borne, CSS R160-6); on an act the regime does not reimburse,
    an amount they exempt from is taken on by the regime. What they exempt
    from is left to `deductions` and `price_checks`, through `s.status`."""
    c = s.claim
    if c.exemption is None and c.scheme is None:
        return
    held = tuple(st for st in (product.statuses.get(c.exemption), product.schemes.get(c.scheme)) if st is not None)
    s.status = held
    for st in held:
        s.trace.append((st.where, "status", None, st.kind, st.name, st.title))
    if s.route.ra.not_reimbursed:
        not_due(product, s, held)
    elif c.amo is None and not (c.statement and "amo_rate" in c.statement):  # the Sécu's own AMO or rate: kept as sent
        status_rate(product, s, held)


def status_rate(product, s, held: tuple) -> None:
    """The status's rate × the BR (the highest of the blocks held), less
    the hors-parcours increase where a block keeps it: the increase is the
    regime's own rate in the parcours less the claim's rate."""
    c = s.claim
    ancestors = product.ancestors[c.node]
    best = None
    for st in held:
        got = st.rate_for(ancestors)
        if got is None:
            continue
        value, at, ref = got
        rate = value if value.__class__ is int else product.params[value].at(c.date)
        if best is None or rate > best[0]:
            best = (rate, st, at, ref)
    if best is None:
        return
    rate, st, at, ref = best
    increase = hors_parcours_increase(product, s) if any(h.increase for h in held) else 0
    if increase:
        keeper = next(h for h in held if h.increase)
        s.trace.append((keeper.increase[0], "status_increase", None, keeper.title, increase, keeper.increase[1]))
    paid_rate = max(rate - increase, s.rate)
    amo = pct(s.counted, paid_rate)
    if paid_rate <= s.rate and not increase and not (exonerates(held, ancestors) and amo > s.amo):
        return
    s.trace.append((at, "status_rate", amo, st.title, paid_rate, s.counted, ref))
    ref_amo = pct(s.counted, rate) if increase and product.responsable else amo
    s.amo_ref = max(ref_amo, s.amo_ref, amo)
    s.rate = paid_rate
    s.amo = amo


def exonerates(held: tuple, ancestors: tuple) -> bool:
    """A status (not a local scheme) giving 100% on the act exempts from
    the ticket modérateur (CSS L160-14, L160-9), so also from the flat
    participation on a costly act that stands in for it (CSS R160-16;
    SECU.md: the L160-14 exemptions bear none): its AMO is the whole base."""
    return any(st.kind == "status" and (got := st.rate_for(ancestors)) is not None and got[0].__class__ is int and got[0] >= 10000
               for st in held)


def hors_parcours_increase(product, s) -> int:
    """CSS R160-6: how many points the claim's rate is below the regime's
    rate in the parcours de soins for the same act and provider (0 in the
    parcours, or where the increase does not apply, e.g. under 16)."""
    i = product.parcours_idx
    c = s.claim
    if i is None or c.dims[i] == product.default_parcours:
        return 0
    ra = s.route.ra
    entry = ra.rate_table.get(ra.rate_key(c.dims[:i] + (product.default_parcours,) + c.dims[i + 1 :]))
    if entry is None:
        return 0
    value, _rule = product.by_age(entry, c)
    parcours = value if value.__class__ is int else product.params[value].at(c.date)
    return parcours - s.rate if parcours > s.rate else 0


def not_due(product, s, held: tuple) -> None:
    """An act the regime does not reimburse whose regulated amount (its
    price limit: forfait journalier, forfait patient urgences) a block
    exempts from: the amount is not due from the patient, the regime takes
    it on (AMO = the price, at most that amount), so a contract owes
    nothing for it. A reduced amount is noted here and applied by
    `price_checks`."""
    c = s.claim
    for value, of_base, _ref, _where, _min_age in s.route.price_checks:
        if of_base or value.__class__ is int:
            continue
        for st in held:
            if value in st.exempt:
                param = product.params[value]
                days = stay_amount(product, c, value)  # a stay: each of its days at its amount (`stays.stay_days`)
                amo = min(c.price, param.at(c.date) * c.quantity if days is None else days)
                at, ref = st.exempt[value]
                s.base = s.counted = s.amo = s.amo_ref = amo
                s.rate = 10000
                s.trace.append((at, "not_due", amo, st.title, param.title, ref))
                return
            if value in st.reduced:
                repl, at, ref = st.reduced[value]
                s.trace.append((at, "reduced", product.params[repl].at(c.date), st.title, product.params[value].title, ref))


def exempts(held: tuple, param) -> tuple | None:
    """(block, source line, ref) of the first status or scheme held that
    exempts from the deduction `param`, or None."""
    for st in held:
        got = st.exempt.get(param.name)
        if got is not None:
            return st, got[0], got[1]
    return None


def reduced(held: tuple, name: str) -> str:
    """The parameter a status reduces the amount `name` to (`name` itself when none does)."""
    for st in held:
        got = st.reduced.get(name)
        if got is not None:
            return got[0]
    return name
