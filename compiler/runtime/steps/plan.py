"""The steps of a managed-care claim (MANAGED_CARE.md, «One claim, in order»).

    network status → eligibility → benefit line → visits left → dollar cap
    left → denial → allowed amount → visit limit → accumulators (medical,
    out-of-network or prescription drug deductible) → deductible → copay →
    coinsurance → out-of-pocket maximum → dollar cap → accumulate →
    explanation of benefits

A denied claim ends at `denial`: the plan pays nothing and the member owes
the billed price, with the reason. Accumulators are the year's, per member
and per family (`accumulators.py`).
"""

from __future__ import annotations

from garant.compiler.runtime.accumulators import plan_year
from garant.compiler.runtime.decompte import ClaimError
from garant.compiler.runtime.money import fmt, fmt_rate, pct
from garant.compiler.runtime.plan_decompte import PlanDecompte

IN, OUT = "in_network", "out_of_network"


def network_status(product, s) -> None:
    """MANAGED_CARE.md 1: whether the provider is in or out of network (a
    claim from the plan's named network is in network); a claim that does
    not say is rejected on `provider`. Emergency care is the claim's flag
    or an act under the plan's emergency category."""
    c = s.claim
    status = c.dims[product.status_idx]
    if status is None:
        if product.network is not None and c.network == product.network:
            status = IN
        else:
            also = f" (or `network: {product.network}` for the plan's network)" if product.network else ""
            raise ClaimError(f"`provider`: say whether the provider is `in_network` or `out_of_network`{also}", "provider")
    s.status = status
    s.ancestors = product.ancestors[c.node]
    s.emergency = c.emergency or (product.emergency_node is not None and product.emergency_node in s.ancestors)
    if product.effective is not None and c.date < product.effective:
        s.warnings.append(f"care on {c.date} is before the plan's effective date {product.effective}")
    s.trace.append((None, "network", None, status))


def eligibility(product, s) -> None:
    """MANAGED_CARE.md 1: out of network, an HMO/EPO covers only an
    emergency (paid at the in-network level); a specialist under an
    HMO/POS needs a referral unless an exception applies (a POS pays the
    care without one at its out-of-network level)."""
    oon = product.out_of_network
    s.level = s.status  # the level of benefits the claim is paid at
    s.denied = s.rule = None
    s.no_surprises = False
    if s.status == OUT:
        if s.emergency:
            _emergency_level(product, s)
        elif product.no_surprises is not None and _surprise_protected(product, s):
            pass
        elif not oon.covered:
            s.denied = f"out of network: an {product.plan_kind} covers out-of-network care only in an emergency"
            s.rule = oon.where or product.gap_rule
    ref = product.referral
    if s.denied is None and ref is not None and s.level == IN and not ref.nodes.isdisjoint(s.ancestors):
        _referral(product, s, ref)


def _emergency_level(product, s) -> None:
    """An emergency out of network is paid at the in-network level (and,
    under `no surprises act`, on the recognized amount without balance
    billing); without the option, a line the plan writes for emergency care
    out of network applies as written (the checker warns of it)."""
    nsa = product.no_surprises
    if nsa is None:
        line_id = _line_id(product, s.claim, OUT)
        if line_id is not None and product.benefits[line_id].emergency and product.benefits[line_id].out_of_network:
            s.trace.append((product.benefits[line_id].where, "emergency_own_line", None))
            return
    s.level = IN
    s.no_surprises = nsa is not None
    if nsa is not None:
        s.trace.append((nsa.where, "no_surprises", None))
    else:
        s.trace.append((product.out_of_network.where, "emergency_level", None))


def _surprise_protected(product, s) -> bool:
    """No Surprises Act beyond emergencies (docs/plans.md), when the plan's
    `no surprises act` says so: an out-of-network air ambulance (42 U.S.C.
    300gg-112, 45 CFR 149.130), and non-emergency care by an out-of-network
    provider at an in-network facility (300gg-111(b), 45 CFR 149.120)
    unless the member waived it by notice and consent, which an ancillary
    service cannot be (300gg-132(b)(3)): paid at the in-network level, on
    the recognized amount, without balance billing."""
    nsa = product.no_surprises
    c = s.claim
    if nsa.air_ambulance and c.air_ambulance:
        code = "no_surprises_air"
    elif nsa.facilities and c.facility == IN:
        ancillary = c.ancillary or not nsa.ancillary.isdisjoint(s.ancestors)
        if c.consent and not ancillary:
            s.trace.append((nsa.where, "no_surprises_consent", None))
            return False
        code = "no_surprises_facility_ancillary" if c.consent else "no_surprises_facility"
    else:
        return False
    s.level = IN
    s.no_surprises = True
    s.trace.append((nsa.where, code, None))
    return True


def _line_id(product, c, level: str) -> str | None:
    """The benefit line (spec §3.1, decided at compile time) of the claim's act at a level."""
    group = product.act_groups.get(c.node)
    if group is None:
        return None
    i = product.status_idx
    keyed = c.dims[:i] + (level,) + c.dims[i + 1 :]
    return product.decisions.get((group,) + tuple(keyed[j] for j in product.decision_idx))


def _referral(product, s, ref) -> None:
    """Care that needs a referral: excepted, given, or (POS) paid out of network, else denied."""
    excepted = next((a for a in s.ancestors if a in ref.exceptions), None)
    if excepted is not None:
        s.trace.append((ref.where, "referral_exempt", None, product.titles[excepted]))
    elif s.emergency and ref.emergency_exempt:
        s.trace.append((ref.where, "referral_exempt", None, "emergency"))
    elif s.claim.referral:
        s.trace.append((ref.where, "referral_given", None))
    elif product.plan_kind == "POS" and product.out_of_network.covered and s.status == IN:
        s.level = OUT
        s.trace.append((ref.where, "referral_missing_level", None))
    else:
        s.denied = "referral: care from a specialist needs a referral from the primary care physician"
        s.rule = ref.where


def benefit_line(product, s) -> None:
    """Spec §4: the benefit line of the act at the level it is paid at
    (out of network without terms of its own: the plan's out-of-network
    terms); a line that does not cover it, or none, denies it."""
    c = s.claim
    s.member, s.family = c.beneficiary, c.family or c.beneficiary
    s.year = plan_year(c.date, product.year_start)
    s.paid_visits = c.quantity
    s.visits_key = s.sharing = s.line = None
    if s.denied is not None:
        return
    line_id = _line_id(product, c, s.level)
    if line_id is None:
        s.denied = f"not covered: no benefit line of the plan covers `{c.act}`"
        s.rule = product.gap_rule
        return
    line = s.line = s.sharing = product.benefits[line_id]
    s.rule = line.where
    s.trace.append((line.where, "benefit", None, line.text))
    if not line.covered:
        s.denied = f"not covered: {line.text}"
    elif s.level == OUT and not line.out_of_network:
        oon = product.out_of_network
        s.sharing = oon.sharing
        s.rule = oon.where
        s.trace.append((oon.where, "out_of_network_terms", None, oon.text))


def visits_left(product, s) -> None:
    """Spec §4 visit limits (`N visits per year`): the visits the year has
    left pay; none left denies the claim."""
    line = s.line
    if s.denied is not None or line is None or line.visits is None:
        return
    s.visits_key = ("member", s.member, line.visits_pool, s.year)
    used = s.ledger.buckets.get(s.visits_key, 0)
    left = line.visits - used if line.visits > used else 0
    if left == 0:
        s.denied = f"limit reached: {line.visits_text}"
        s.rule = line.visits_where
    else:
        s.trace.append((line.visits_where, "visits_left", None, line.visits_text, left))
        s.paid_visits = left if left < s.claim.quantity else s.claim.quantity


def cap_left(product, s) -> None:
    """Spec §4 limits, MANAGED_CARE.md (SBC calculator: annual limits). A
    benefit's dollar cap (`max $2,000 per plan year`): what the plan
    may still pay for it this plan year, per member or per family, consumed
    in date order; nothing left denies the claim."""
    line = s.line
    s.cap_key = s.cap_room = None
    if s.denied is not None or line is None or line.cap is None:
        return
    s.cap_key = ("family", s.family, line.cap_pool, s.year) if line.cap_family else ("member", s.member, line.cap_pool, s.year)
    used = s.ledger.buckets.get(s.cap_key, 0)
    s.cap_room = line.cap - used if line.cap > used else 0
    if s.cap_room == 0:
        s.denied = f"limit reached: {line.cap_text}"
        s.rule = line.cap_where
    else:
        s.trace.append((line.cap_where, "cap_left", None, line.cap_text, s.cap_room))


def denial(product, s):
    """MANAGED_CARE.md 1: a denied claim: the plan pays 0, the member owes
    the billed price, the explanation names the reason."""
    if s.denied is None:
        return None
    c = s.claim
    s.trace.append((s.rule, "denied", None, s.denied))
    return PlanDecompte(c.id, c.beneficiary, c.family, c.date, c.act, c.provider, c.price, 0, 0, 0, 0, 0, s.denied, s.rule, s.warnings, s.trace)


def allowed_amount(product, s) -> None:
    """MANAGED_CARE.md 2: in network, the negotiated amount (the claim's
    `allowed`, else the price); out of network, the plan's allowed amount;
    never above the billed price. What the provider bills above it is a
    discount in network, balance billing (the member's, counting toward
    nothing) out of network."""
    c = s.claim
    price = c.price
    allowed, source, where = _allowed(product, s)
    if allowed > price:
        s.warnings.append(f"allowed amount {fmt(allowed)} is above the billed price {fmt(price)}: the billed price is allowed")
        allowed = price
    s.trace.append((where, "allowed", allowed, source))
    s.balance = 0
    if price > allowed:
        if s.status == IN:
            s.trace.append((None, "discount", price - allowed))
        elif s.no_surprises:
            s.trace.append((product.no_surprises.where, "no_balance_bill", price - allowed))
        else:
            s.balance = price - allowed
            s.trace.append((None, "balance_bill", s.balance))
    s.allowed = allowed


def _allowed(product, s) -> tuple:
    """(allowed amount, what it is, the rule it comes from), before the
    price bounds it. Under `no surprises act` an emergency out of network
    is allowed its recognized amount: the claim's, else the option's share
    of the billed price."""
    c = s.claim
    oon = product.out_of_network
    if s.status == IN:
        if c.allowed is not None:
            return c.allowed, "negotiated amount on the claim", None
        return c.price, "the billed price: the claim gives no negotiated amount", None
    nsa = product.no_surprises if s.no_surprises else None
    if c.allowed is not None:
        return c.allowed, "the recognized amount on the claim" if nsa else "the plan's allowed amount on the claim", None
    if nsa is not None and nsa.allowed_percent is not None:
        return pct(c.price, nsa.allowed_percent), f"recognized amount: {fmt_rate(nsa.allowed_percent)} of the billed price", nsa.where
    if oon.allowed_percent is not None:
        return pct(c.price, oon.allowed_percent), f"{fmt_rate(oon.allowed_percent)} of the billed price", oon.where
    s.warnings.append("out of network with no allowed amount on the claim: the billed price is allowed")
    return c.price, "the billed price: the claim gives no allowed amount", None


def visit_limit(product, s) -> None:
    """Spec §4 visit limits: the visits beyond the limit are not covered;
    their share of the allowed amount is the member's, toward nothing."""
    s.over_limit = 0
    quantity = s.claim.quantity
    if s.paid_visits < quantity:
        line = s.line
        s.over_limit = s.allowed - (s.allowed * s.paid_visits * 2 + quantity) // (2 * quantity)
        s.trace.append((line.visits_where, "over_limit", s.over_limit, line.visits_text, s.paid_visits, quantity))
        s.warnings.append(f"limit {line.visits_text}: {s.paid_visits} of {quantity} covered [{line.visits_where}]")


def accumulators(product, s) -> None:
    """MANAGED_CARE.md 3 and 5. Which yearly limits the claim counts in: the out-of-network deductible
    and maximum at the out-of-network level when the plan keeps them
    separate; for prescription drugs, the plan's `rx deductible` in place
    of the medical one (it counts toward the same out-of-pocket maximum)."""
    oon = product.out_of_network
    separate = s.level == OUT
    s.ded_acc = oon.deductible if separate and oon.deductible is not None else product.deductible
    s.oop_acc = oon.out_of_pocket_max if separate and oon.out_of_pocket_max is not None else product.out_of_pocket_max
    if product.rx_deductible is not None and product.drugs_node in s.ancestors:
        s.ded_acc = product.rx_deductible


def deductible(product, s) -> None:
    """MANAGED_CARE.md 3: the member pays allowed amounts until the year's
    deductible (`accumulators`) is met, unless the benefit says `no deductible`."""
    rest = s.allowed - s.over_limit
    s.deductible = 0
    if not s.sharing.deductible:
        s.trace.append((s.sharing.where, "no_deductible", None))
    elif s.ded_acc.limited:
        room = s.ded_acc.room(s.ledger, s.member, s.family, s.year)
        s.deductible = rest if rest < room else room
        s.trace.append((s.ded_acc.where, "rx_deductible" if s.ded_acc is product.rx_deductible else "deductible", s.deductible, room))
    s.rest = rest - s.deductible


def copay(product, s) -> None:
    """MANAGED_CARE.md 4: a flat amount per covered visit, at most what the deductible left."""
    s.copay = 0
    sharing = s.sharing
    if sharing.copay:
        copay = sharing.copay * s.paid_visits
        s.copay = s.rest if copay > s.rest else copay
        s.trace.append((sharing.where, "copay", s.copay, sharing.copay, s.paid_visits))
    s.rest -= s.copay


def coinsurance(product, s) -> None:
    """MANAGED_CARE.md 4: a share of the allowed amount left after the deductible and the copay."""
    s.coinsurance = 0
    sharing = s.sharing
    if sharing.coinsurance:
        s.coinsurance = pct(s.rest, sharing.coinsurance)
        s.trace.append((sharing.where, "coinsurance", s.coinsurance, sharing.coinsurance, s.rest))


def out_of_pocket_max(product, s) -> None:
    """MANAGED_CARE.md 5: deductible, copays and coinsurance count toward the
    year's out-of-pocket maximum; reached mid-claim, the member's shares
    stop there (deductible first, then copay, then coinsurance)."""
    acc = s.oop_acc
    if not acc.limited:
        return
    room = acc.room(s.ledger, s.member, s.family, s.year)
    if s.deductible + s.copay + s.coinsurance <= room:
        return
    if room == 0:
        s.trace.append((acc.where, "oop_met", None))
    s.deductible = s.deductible if s.deductible < room else room
    left = room - s.deductible
    s.copay = s.copay if s.copay < left else left
    left -= s.copay
    s.coinsurance = s.coinsurance if s.coinsurance < left else left
    if room > 0:
        s.trace.append((acc.where, "oop_cap", s.deductible + s.copay + s.coinsurance, room))


def benefit_cap(product, s) -> None:
    """Spec §4 limits, MANAGED_CARE.md (SBC calculator: the excess over an
    annual limit goes to «limits or exclusions»). A benefit's dollar cap:
    the plan pays at most what is left of it; the rest of the allowed amount
    is the member's, counting toward nothing (like care over a visit limit)."""
    if s.cap_room is None:
        return
    plan_share = s.allowed - s.over_limit - s.deductible - s.copay - s.coinsurance
    if plan_share > s.cap_room:
        cut = plan_share - s.cap_room
        s.over_limit += cut
        s.trace.append((s.line.cap_where, "cap_cut", cut, s.line.cap_text, s.cap_room))
        s.warnings.append(f"limit {s.line.cap_text}: the plan pays the {fmt(s.cap_room)} left [{s.line.cap_where}]")


def accumulate(product, s) -> None:
    """MANAGED_CARE.md 5-6: the claim's shares count in the year's
    accumulators, per member and per family, and its visits in the limit."""
    ledger = s.ledger
    if s.oop_acc.limited:
        s.oop_acc.consume(ledger, s.member, s.family, s.year, s.deductible + s.copay + s.coinsurance)
    s.ded_acc.consume(ledger, s.member, s.family, s.year, s.deductible)
    if s.visits_key is not None:
        ledger.buckets[s.visits_key] = ledger.buckets.get(s.visits_key, 0) + s.paid_visits
    if s.cap_key is not None:
        ledger.buckets[s.cap_key] = ledger.buckets.get(s.cap_key, 0) + s.allowed - s.over_limit - s.deductible - s.copay - s.coinsurance


def explanation(product, s) -> PlanDecompte:
    """MANAGED_CARE.md «Standard outputs»: the explanation of benefits; the
    plan pays the allowed amount less the member's shares."""
    c = s.claim
    return PlanDecompte(c.id, c.beneficiary, c.family, c.date, c.act, c.provider, c.price, s.allowed, s.deductible, s.copay,
                        s.coinsurance, s.balance, None, s.rule, s.warnings, s.trace, s.over_limit)


STEPS = (network_status, eligibility, benefit_line, visits_left, cap_left, denial, allowed_amount, visit_limit, accumulators, deductible, copay,
         coinsurance, out_of_pocket_max, benefit_cap, accumulate, explanation)
