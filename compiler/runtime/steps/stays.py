"""Hospital stays (issue 17.3): a claim with `admission` and `discharge`.

    stay_days       the forfait journalier: per day of the stay, at each day's rate
    stay_heavy_act  100% from the 31st day; a stay with a heavy act at 100%,
                    its flat participation once (`mark_heavy_stays` first)

The forfait journalier (CSS L174-4; SECU.md «Flat deductions») is due per
day of the stay including the day of discharge, each day at the amount in
force that day: a stay across a change of tariff is split (20€ until
2026-02-28, 23€ from 2026-03-01; 15€ then 17€ for a stay the claim marks
`psychiatric`). The regulated amounts are the regime's parameters
(`stdlib/secu.garant`: the act's `price limit`, and its psychiatric
counterpart named in `PSYCHIATRIC`); nothing here repeats a figure.
"""

from __future__ import annotations

import datetime as dt

from garant.compiler.runtime.decompte import ClaimError
from garant.compiler.runtime.ledger import Ledger
from garant.compiler.runtime.money import fmt
from garant.compiler.runtime.steps import when
from garant.compiler.runtime.steps.state import ContractState

# The regime's parameters that are an amount per day of stay (CSS L174-4),
# and the psychiatric amount of each (R174-5-1).
PSYCHIATRIC = {"forfait_journalier": "forfait_journalier_psychiatrie"}
PER_DAY = frozenset(PSYCHIATRIC)
# The regime's heavy-act threshold (tariff ≥ 120€, CSS R160-16 I), when the regime names one.
HEAVY_THRESHOLD = "seuil_actes_lourds"
LONG_STAY = 30  # from the 31st consecutive day the stay is at 100% (CSS R160-16 V 3°)
HEAVY_COEFFICIENT = 6000  # an act of coefficient 60 or more is a heavy act (CSS R160-16 I), in hundredths (`Claim.coefficient`)


def heavy_coefficient(c) -> bool:
    """CSS R160-16 I: an act whose coefficient is at least 60 is heavy,
    whatever its tariff."""
    return c.coefficient is not None and c.coefficient >= HEAVY_COEFFICIENT


# A stay's fees (the GHS) are no act: the threshold is for acts; they are at
# 100% only once the stay bears the flat participation (SECU.md: "for the
# whole stay that includes such an act").
STAY_FEES = "frais_de_sejour"


def _per_day(product, route) -> bool:
    return any(isinstance(value, str) and value in PER_DAY and not of_base for value, of_base, _r, _w, _age in route.price_checks)


@when(_per_day)
def stay_days(product, s) -> None:
    """CSS L174-4 (SECU.md «Forfait journalier hospitalier»): due per day
    of the stay including the day of discharge, each day at that day's
    amount (R174-5-1: the psychiatric amount for a `psychiatric` stay);
    the regulated price the price check reads is their sum. A quantity
    other than 1 must be the number of days."""
    c = s.claim
    if c.stay is None:
        return
    admission, discharge, psychiatric = c.stay
    days = (discharge - admission).days + 1
    if c.quantity != 1 and c.quantity != days:
        raise ClaimError(f"`quantity` {c.quantity} is not the {days} days of the stay from {admission} to {discharge}", "quantity")
    regulated = {}
    for value, of_base, _ref, _where, _age in s.route.price_checks:
        if isinstance(value, str) and value in PER_DAY and not of_base:
            param = product.params[PSYCHIATRIC[value] if psychiatric else value]
            total, parts = _days_at(param, admission, days)
            regulated[value] = total
            s.trace.append((param.sources[param.index_at(discharge)], "stay_days", total, param.title, parts))
    s.regulated = regulated


def stay_amount(product, c, value: str) -> int | None:
    """A stay's per-day amount `value` for all its days, each at its own
    amount (the psychiatric one for a `psychiatric` stay), as `stay_days`
    sums it; None for a claim without a stay or an amount not per day
    (what a status exempting from it has the regime take on:
    `status.not_due`)."""
    if c.stay is None or value not in PER_DAY:
        return None
    admission, discharge, psychiatric = c.stay
    param = product.params[PSYCHIATRIC[value] if psychiatric else value]
    return _days_at(param, admission, (discharge - admission).days + 1)[0]


def _days_at(param, admission: dt.date, days: int) -> tuple[int, str]:
    """Σ the parameter's amount on each day, and the sum spelt by tariff (`2 × 20.00 + 2 × 23.00`)."""
    runs: list[list[int]] = []  # [amount, days]
    for k in range(days):
        amount = param.at(admission + dt.timedelta(days=k))
        if runs and runs[-1][0] == amount:
            runs[-1][1] += 1
        else:
            runs.append([amount, 1])
    total = sum(a * n for a, n in runs)
    return total, " + ".join(f"{n} × {fmt(a)}" for a, n in runs)


def _stay_act(product, route) -> bool:
    """The combinations `stay_heavy_act` applies to: an act the regime
    reimburses and on which its heavy-act participation applies."""
    return route.ra is not None and route.ra.heavy_param is not None and not route.ra.not_reimbursed


def _computed(c) -> bool:
    """A stay's line whose AMO the engine computes (the Sécu's own `amo`
    or `amo_rate`, when sent, stays authoritative)."""
    return c.stay is not None and c.amo is None and not (c.statement and "amo_rate" in c.statement)


@when(_stay_act)
def stay_heavy_act(product, s) -> None:
    """CSS R160-16 for a stay: from the 31st consecutive day (V 3°) the
    regime pays 100%; a stay in which an act at or above the threshold is
    performed (I 2°: tariff ≥ 120€) bears, for the whole of its costs, the
    flat participation instead of the 20%, once: every line of the stay is
    at 100%, whatever its date, and the stay's first heavy act before the
    31st day (in date order, then file order: `mark_heavy_stays`) bears
    the flat participation. The Sécu's own `amo`, when sent, stays
    authoritative."""
    c = s.claim
    if not _computed(c):
        return
    admission = c.stay[0]
    if (c.date - admission).days >= LONG_STAY:
        s.rate = 10000
        s.amo = s.amo_ref = s.counted
        s.trace.append((None, "stay_long", s.amo, admission))
        return
    bearer = s.ledger.buckets.get((c.beneficiary, BEARER, admission))
    if bearer is None:  # no heavy act seen in the stay, or claims not walked by `mark_heavy_stays`: this line alone
        key = (c.beneficiary, "stay_heavy_act", admission)
        if s.ledger.buckets.get(key) or heavy_act(product, s):
            flat_once(s, key)
    elif bearer == c.index:
        flat_once(s, None)
    else:
        param = s.route.ra.heavy_param
        s.rate = 10000
        s.amo = s.amo_ref = s.counted
        s.trace.append((param.sources[param.index_at(c.date)], "stay_heavy", s.amo, param.title, admission))


# The ledger's mark of a stay with a heavy act: (beneficiary, BEARER,
# admission) → the `Claim.index` of the line bearing its flat
# participation, or NO_BEARER when its heavy acts all fall from the 31st day.
BEARER = "stay_heavy_bearer"
NO_BEARER = -1


def mark_heavy_stays(product, claims: list, ledger) -> None:
    """Before a run (claims in date order, then file order): mark in the
    ledger each stay (beneficiary, admission) in which a line the engine
    prices is a heavy act (`is_heavy`, on the BR the regime steps give
    it), and which line bears the flat participation: the first such
    line before the 31st day; or a line whose AMO the Sécu sent as a heavy
    act's, less the flat participation (that line bore it: no other line
    does). `stay_heavy_act` reads the mark, so that a line of the stay
    dated before its heavy act is at 100% too (CSS R160-16 I 2°:
    "l'ensemble des frais intervenant au cours d'une hospitalisation").
    A line the regime rejects marks nothing."""
    if getattr(product, "kind", "contract") != "contract":
        return
    buckets = ledger.buckets
    for c in claims:
        if c.stay is None:
            continue
        key = (c.beneficiary, BEARER, c.stay[0])
        if not _computed(c):
            if c.amo is not None and _probe_heavy(product, c, c.amo):
                buckets[key] = NO_BEARER  # the Sécu's line bore the stay's flat participation
        elif key not in buckets and _probe_heavy(product, c):
            buckets[key] = c.index if (c.date - c.stay[0]).days < LONG_STAY else NO_BEARER


def _probe_heavy(product, c, given: int | None = None) -> bool:
    """Whether the claim is a heavy act of its stay: the regime's steps
    before `stay_heavy_act` on a scratch state, then `is_heavy`; with the
    Sécu's AMO `given`, whether it is also the BR less the flat
    participation."""
    route = product.route_of(c)
    if not _stay_act(product, route):
        return False
    s = ContractState(c, Ledger(), route)
    try:
        for step in route.steps:
            if step is stay_heavy_act:
                return heavy_act(product, s) and (given is None or given == s.counted - route.ra.heavy_param.at(c.date))
            step(product, s)
    except ClaimError:
        return False
    return False


def heavy_act(product, s) -> bool:
    """CSS R160-16 I 2°: a heavy act of a stay, by its coefficient (at
    least 60: `invoices.heavy_coefficient`) or by its tariff (`is_heavy`)."""
    return heavy_coefficient(s.claim) or is_heavy(product, s)


def is_heavy(product, s) -> bool:
    """CSS R160-16 I: an act whose tariff is at least the threshold (the
    regime's `seuil_actes_lourds`), a stay's fees excepted."""
    c = s.claim
    threshold = product.params.get(HEAVY_THRESHOLD)
    if threshold is None or c.node.rpartition(".")[2] == STAY_FEES:
        return False
    return s.counted >= threshold.at(c.date) * c.quantity


def flat_once(s, key) -> None:
    """The flat participation instead of the ticket modérateur, borne once
    per `key` (a stay, a session; None: this act alone): the first item
    pays it (AMO = base − flat), the later ones are paid in full."""
    c = s.claim
    param = s.route.ra.heavy_param
    i = param.index_at(c.date)
    buckets = s.ledger.buckets
    s.rate = 10000
    if key is not None and buckets.get(key):
        s.amo = s.amo_ref = s.counted
        s.trace.append((param.sources[i], "heavy_act_stay", s.amo, param.title))
        return
    if key is not None:
        buckets[key] = 1
    flat = min(param.values[i], s.counted)
    s.amo = s.amo_ref = s.counted - flat
    s.trace.append((param.sources[i], "heavy_act", s.amo, flat, param.title))
