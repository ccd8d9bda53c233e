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
from garant.compiler.runtime.steps.stays import HEAVY_COEFFICIENT, HEAVY_THRESHOLD, STAY_FEES, flat_once, heavy_coefficient, is_heavy  # noqa: F401 (HEAVY_COEFFICIENT: `batch/vector/steps/sessions.py` reads it here)

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


SESSION_TARIFF = "session_tariff"  # ledger key: the summed tariffs of a session's acts (`session_tariffs`)
SESSION_FLAT = "session_heavy_act"  # ledger key: the flat participation a session has borne so far


def session_of(c):
    """Whose session a line of a feuille de soins is: (the professional, or
    the invoice when it names none; the day of care)."""
    invoice, professional = c.sheet
    return professional if professional is not None else f"invoice {invoice}"


def in_session(c, route) -> bool:
    """Whether `session_heavy_act` decides this line by its session: a
    line of a feuille de soins, out of a stay, whose act may bear the flat
    participation, and whose AMO the Sécu did not send."""
    ra = route.ra
    if c.sheet is None or c.stay is not None or ra is None or ra.heavy_param is None or ra.not_reimbursed:
        return False
    return c.amo is None and not (c.statement and "amo_rate" in c.statement)


def session_tariffs(product, claims, ledger) -> None:
    """Before a batch is evaluated: each session's acts added up (SECU.md
    «Flat deductions»: "acts by the same doctor in one session are added
    up"; CSS R160-16 I), the tariff each counts being the BR `regime_amo`
    computes (min(BR, price)); a line the regime cannot price adds
    nothing (it is rejected on its own). Kept in the ledger by
    (beneficiary, session, day); `session_heavy_act` reads it."""
    from garant.compiler.runtime.decompte import ClaimError
    from garant.compiler.runtime.ledger import Ledger
    from garant.compiler.runtime.steps import regime
    from garant.compiler.runtime.steps.state import ContractState

    buckets = ledger.buckets
    for c in claims:
        if c.sheet is None or c.stay is not None:
            continue
        route = product.route_of(c)
        if not in_session(c, route) or route.rate_entry is None:
            continue
        s = ContractState(c, Ledger(), route)
        try:
            regime.regime_amo(product, s)
        except ClaimError:
            continue
        key = (c.beneficiary, SESSION_TARIFF, session_of(c), c.date)
        buckets[key] = buckets.get(key, 0) + s.counted
        if heavy_coefficient(c):
            buckets[key] = max(buckets[key], 1 << 40)  # a coefficient ≥ 60 makes the session heavy whatever its tariff


@when(lambda product, route: route.ra.heavy_param is not None and not route.ra.not_reimbursed)
def session_heavy_act(product, s) -> None:
    """CSS R160-16 I, SECU.md «Flat deductions»: out of a stay (in town,
    or a hospital act sent without its stay), an act whose tariff is at
    least the threshold, or whose coefficient is at least 60, bears the
    flat participation instead of the ticket modérateur, once per act; on
    a feuille de soins, once per session: the acts of one professional on
    one day are added up to reach the threshold, and the session bears
    one flat participation, taken from its acts in order (each at most
    its base), the rest paid in full. The Sécu's own `amo` or `amo_rate`,
    when sent, stays authoritative; a stay's acts are
    `stays.stay_heavy_act`'s."""
    c = s.claim
    if c.stay is not None or c.amo is not None or (c.statement and "amo_rate" in c.statement):
        return
    if c.sheet is None:
        if heavy_coefficient(c) or is_heavy(product, s):
            flat_once(s, None)
        return
    who = session_of(c)
    buckets = s.ledger.buckets
    total = buckets.get((c.beneficiary, SESSION_TARIFF, who, c.date))
    if total is None:  # evaluated without its batch (`session_tariffs`): this act alone
        heavy = heavy_coefficient(c) or is_heavy(product, s)
    else:
        threshold = product.params.get(HEAVY_THRESHOLD)
        heavy = heavy_coefficient(c) or (threshold is not None and c.node.rpartition(".")[2] != STAY_FEES
                                         and total >= threshold.at(c.date))
    if heavy:
        _session_share(s, (c.beneficiary, SESSION_FLAT, who, c.date), total)


def _session_share(s, key, total) -> None:
    """The session's flat participation, borne by its acts in date and
    file order: each takes what is left of it, at most its own base
    (AMO = base − share, rate 100%)."""
    param = s.route.ra.heavy_param
    i = param.index_at(s.claim.date)
    flat = param.values[i]
    buckets = s.ledger.buckets
    taken = buckets.get(key, 0)
    share = min(flat - taken, s.counted)
    buckets[key] = taken + share
    s.rate = 10000
    s.amo = s.amo_ref = s.counted - share
    s.trace.append((param.sources[i], "heavy_act_session", s.amo, share, flat, param.title))
