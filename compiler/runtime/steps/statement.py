"""The Sécu's own statement (issue 17.2): the regime's figures a claim carries.

A complementary insurer usually receives the regime's décompte
electronically: the base (`base`), the rate (`amo_rate`), the AMO (`amo`),
the participation forfaitaire and the franchise it took. Those figures are
authoritative: the contract line is computed from them (SECU.md, «How a
décompte is computed»: "when the claim carries the BR sent by the regime,
that one is used"), the décompte marks them as given, and where Garant's
own regime computation differs the décompte warns, naming the field and
both figures. `base` and `amo` are taken by `regime.regime_amo` (they are
vectorised); the rate, PF and franchise here.

Every claim runs these two steps (whether a claim carries a statement is
per claim, not per combination of act and provider values), and a claim
without a statement leaves each at its first test.
"""

from __future__ import annotations

from garant.compiler.runtime.decompte import ClaimError
from garant.compiler.runtime.money import fmt, fmt_rate
from garant.compiler.runtime.steps.deductions import _whose as whose


def differ(s, field: str, given: int, computed: int, shown) -> None:
    """Record that the Sécu's `field` differs from Garant's, and warn."""
    if s.differs is None:
        s.differs = []
    s.differs.append(field)
    s.warnings.append(f"the Sécu's `{field}` {shown(given)} differs from Garant's {shown(computed)}; the Sécu's is used")


def statement_rate(product, s) -> None:
    """SECU.md order 2 with the regime's statement: the claim's `amo_rate`
    is the rate (a difference from the regime's table is warned about);
    without the claim's `amo`, AMO gross = that rate × BR, half up."""
    c = s.claim
    given = c.statement
    if given is None or "amo_rate" not in given:
        return
    rate = given["amo_rate"]
    if rate != s.rate:
        differ(s, "amo_rate", rate, s.rate, fmt_rate)
    s.rate = rate
    s.trace.append((None, "statement", None, "amo_rate"))
    if c.amo is None:
        amo = (s.counted * rate + 5000) // 10000
        s.trace.append((None, "amo", amo, rate, s.counted))
        s.amo = s.amo_ref = amo


def statement_deductions(product, s) -> None:
    """SECU.md order 3 with the regime's statement: the claim's
    `participation_forfaitaire` and `franchise` are what the regime took
    (a difference from Garant's own, within its caps, is warned about);
    together never more than the AMO (AMO net ≥ 0)."""
    given = s.claim.statement
    if given is None or ("participation_forfaitaire" not in given and "franchise" not in given):
        return
    for field in ("participation_forfaitaire", "franchise"):
        if field in given:
            mine = s.pf if field == "participation_forfaitaire" else s.franchise
            if given[field] != mine:
                differ(s, field, given[field], mine, fmt)
                _recount(product, s, field == "participation_forfaitaire", given[field] - mine)
            s.trace.append((None, "statement", given[field], field))
    s.pf = given.get("participation_forfaitaire", s.pf)
    s.franchise = given.get("franchise", s.franchise)
    if s.pf + s.franchise > s.amo:
        field = "franchise" if "franchise" in given else "participation_forfaitaire"
        raise ClaimError(f"`{field}`: the participation forfaitaire {fmt(s.pf)} and franchise {fmt(s.franchise)} "
                         f"are more than the AMO {fmt(s.amo)}", field)


def _recount(product, s, is_pf: bool, delta: int) -> None:
    """The caps count what the regime took, not Garant's figure:
    `deductions` counted Garant's, so add the difference (in amount, or
    in units of the deduction's amount for a count cap), in the yearly
    caps and in the daily caps per professional (CSS D160-8, D160-11:
    on a feuille de soins, the day's count is the statement's)."""
    c = s.claim
    buckets = s.ledger.buckets
    for p, _per_unit, pf in s.route.ra.deduction_params if not s.route.ra.not_reimbursed else ():
        if pf != is_pf:
            continue
        unit = p.values[p.index_at(c.date)]
        for lim in p.limits:
            if lim.period == "calendar_year":
                key = (c.beneficiary, lim.key, c.date.year)
            elif lim.period == "day":
                key = (whose(s, lim), lim.key, c.date)
            else:
                continue
            step = delta if lim.kind == "amount" else (delta // unit if unit else 0)
            buckets[key] = max(0, buckets.get(key, 0) + step)
        if is_pf and s.professional is not None and s.pf_acts is not None and unit:
            _recount_acts(s, (s.pf + delta) // unit - s.pf_acts)
        return  # one PF, one franchise per act


def _recount_acts(s, step: int) -> None:
    """The professional's day counts the participations the statement
    took (CSS D160-8: at most 4 a day), not the acts Garant charged."""
    c = s.claim
    key = (c.beneficiary, "pf_acts_day", s.professional, c.date)
    buckets = s.ledger.buckets
    buckets[key] = max(0, buckets.get(key, 0) + step)
