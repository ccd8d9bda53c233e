"""Feuilles de soins (issue 17.4): lines sharing `invoice` and `professional`.

    session_heavy_act  a heavy act out of a stay: the flat participation per
                       act, or once per session of one professional (R160-16)
    invoice_acts       the participation forfaitaire per act, at most 4 a day
                       per professional (CSS D160-8); the franchises' daily
                       caps per professional (D160-11)

`invoice_acts` runs just before `deductions.deductions` and tells it, for the
claim's line, how many acts bear a participation forfaitaire and whose
day a daily cap counts (`ContractState.pf_acts`, `.professional`).
"""

from __future__ import annotations

from garant.compiler.runtime.steps import when
from garant.compiler.runtime.steps.stays import flat_once, is_heavy

PF_PER_DAY = 4  # participations forfaitaires a day for one professional (CSS D160-8, décret n° 2007-1166)


@when(lambda product, route: bool(route.ra.deduction_params))
def invoice_acts(product, s) -> None:
    """CSS D160-8: one participation forfaitaire per act (a line's quantity
    counts its acts, e.g. six lab tests), at most four a day for one
    professional, counted across that professional's lines of the day
    (a feuille de soins without `professional` is one professional's);
    CSS D160-11: the franchises' daily caps are per professional."""
    c = s.claim
    if c.sheet is None:
        return
    invoice, professional = c.sheet
    who = professional if professional is not None else f"invoice {invoice}"
    s.professional = who
    if not any(is_pf for _p, _u, is_pf in s.route.ra.deduction_params):
        return
    key = (c.beneficiary, "pf_acts_day", who, c.date)
    buckets = s.ledger.buckets
    used = buckets.get(key, 0)
    acts = min(c.quantity, PF_PER_DAY - used) if used < PF_PER_DAY else 0
    buckets[key] = used + acts
    s.pf_acts = acts
    s.trace.append((None, "invoice_acts", None, c.quantity, who, acts))


@when(lambda product, route: route.ra.heavy_param is not None and not route.ra.not_reimbursed)
def session_heavy_act(product, s) -> None:
    """CSS R160-16 I, SECU.md «Flat deductions»: out of a stay (in town,
    or a hospital act sent without its stay), an act whose tariff is at
    least the threshold bears the flat participation instead of the
    ticket modérateur: once per act, or, on a feuille de soins, once per
    session (the professional's acts of that day). The Sécu's own `amo` or
    `amo_rate`, when sent, stays authoritative; a stay's acts are
    `stays.stay_heavy_act`'s."""
    c = s.claim
    if c.stay is not None or c.amo is not None or (c.statement and "amo_rate" in c.statement):
        return
    key = None
    if c.sheet is not None:
        invoice, professional = c.sheet
        key = (c.beneficiary, "session_heavy_act", professional if professional is not None else f"invoice {invoice}", c.date)
    if (key is not None and s.ledger.buckets.get(key)) or is_heavy(product, s):
        flat_once(s, key)
