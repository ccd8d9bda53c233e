"""The flat deductions step (SECU.md order 3, «Flat deductions»).

The participation forfaitaire and the franchises are taken from the AMO,
each within its caps (per year, per day, counts or amounts), never more
than the AMO left (CSS D160-9), unless the patient is exempt by age.
"""

from __future__ import annotations

from garant.compiler.runtime.steps import when
from garant.compiler.runtime.steps.status import exempts

CALENDAR = "calendar_year"


@when(lambda product, route: bool(route.ra.deduction_params))
def deductions(product, s) -> None:
    """SECU.md order 3: PF and franchises deducted from the AMO, each at
    most the AMO left and the room each of its caps leaves (a count cap's
    room in units of its amount), unless the patient is exempt by age;
    what is taken counts in the caps: AMO net = AMO − PF − franchise. A
    beneficiary's status may exempt from one (C2S, AME, maternité:
    CSS L160-15, L160-9)."""
    c = s.claim
    buckets = s.ledger.buckets
    left = s.amo
    held = s.status
    for p, per_unit, is_pf in s.route.ra.deduction_params:
        if held and exempt_by_status(s, held, p):
            continue
        if p.exempt_under is not None and c.birth_date is not None and p.exempts(c):
            s.trace.append((None, "exempt", None, p.title, p.exempt_under))
            continue
        units = c.quantity if per_unit else (1 if s.pf_acts is None or not is_pf else s.pf_acts)  # `invoices.invoice_acts`
        i = p.index_at(c.date)
        unit_amount = p.values[i]
        take = unit_amount * units
        if take > left:
            take = left
        for lim in p.limits:
            if lim.period == CALENDAR and lim.param is None:  # the common case, without the call
                used = buckets.get((c.beneficiary, lim.key, c.date.year), 0)
                room = lim.amount - used if lim.amount > used else 0
            else:
                room = lim.left(s.ledger, _whose(s, lim), c.date, product.params)
            if lim.kind != "amount":
                room *= unit_amount
            if take > room:
                take = room
                s.trace.append((lim.where, "deduction_cap", None, p.title, lim.text))
        if take:
            for lim in p.limits:  # what is taken counts in each cap: the amount, or the units
                if lim.period == CALENDAR:
                    key = (c.beneficiary, lim.key, c.date.year)
                    buckets[key] = buckets.get(key, 0) + (take if lim.kind == "amount" else units)
                else:
                    lim.consume(s.ledger, _whose(s, lim), c.date, take, units)
            left -= take
            if is_pf:
                s.pf += take
            else:
                s.franchise += take
        s.trace.append((p.sources[i], "deduction", take, p.title, p.refs[i] if p.refs else ""))


def _whose(s, lim):
    """Whose cap a limit counts: the beneficiary's, or for a daily cap on
    a feuille de soins the beneficiary's with that professional (CSS D160-11)."""
    if s.professional is None or lim.period != "day":
        return s.claim.beneficiary
    return (s.claim.beneficiary, s.professional)


def exempt_by_status(s, held: tuple, p) -> bool:
    """Whether a status or scheme the claim holds exempts it from the
    deduction `p` (traced with the block's reference)."""
    got = exempts(held, p)
    if got is None:
        return False
    st, at, ref = got
    s.trace.append((at, "status_exempt", None, st.title, p.title, ref))
    return True
