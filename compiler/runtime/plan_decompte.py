"""The explanation of benefits of a managed-care plan, and its trace.

Spec §5's plan fields: `allowed`, `deductible`, `copay`, `coinsurance`,
`plan_paid`, `member_paid`, `denied`, with `rule`, `warnings` and `trace`
as on every décompte. Amounts are integer cents inside and decimal
strings outside; trace steps are recorded as compact tuples and worded
here, on demand, like the contracts' (`trace.py`).
"""

from __future__ import annotations

from garant.compiler.runtime.decompte import Explained, Step
from garant.compiler.runtime.money import fmt, fmt_rate

PLAN_AMOUNTS = ("allowed", "deductible", "copay", "coinsurance", "plan_paid", "member_paid")
EXTRA_AMOUNTS = ("balance_billed", "over_limit")  # the member's, outside the cost sharing: they count toward no limit


def _usd(cents: int | None) -> str:
    return "no limit" if cents is None else f"${cents // 100:,}.{cents % 100:02d}"


LABELS = {
    "network": lambda status: f"provider {status.replace('_', ' ')}",
    "emergency_level": lambda: "emergency out of network: paid at the in-network level",
    "emergency_own_line": lambda: "emergency out of network: the plan's own out-of-network line applies (no `no surprises act`)",
    "no_surprises": lambda: "No Surprises Act: emergency out of network at the in-network cost sharing and accumulators",
    "no_surprises_air": lambda: "No Surprises Act: air ambulance out of network at the in-network cost sharing and accumulators",
    "no_surprises_facility": lambda: "No Surprises Act: out-of-network provider at an in-network facility, at the in-network cost sharing and accumulators",
    "no_surprises_facility_ancillary": lambda: "No Surprises Act: out-of-network provider at an in-network facility, at the in-network cost sharing "
                                               "(an ancillary service: the member's consent does not waive it)",
    "no_surprises_consent": lambda: "No Surprises Act: the member waived it by notice and consent; paid as out-of-network care",
    "no_balance_bill": lambda: "No Surprises Act: the provider may not balance-bill (billed − allowed); the member owes none of it",
    "rx_deductible": lambda room: f"prescription drug deductible ({_usd(room)} left before this claim)",
    "cap_left": lambda text, left: f"limit {text}: {_usd(left)} left",
    "cap_cut": lambda text, left: f"limit {text}: the plan pays the {_usd(left)} left; the rest of the allowed amount is the member's",
    "referral_exempt": lambda why: f"no referral needed: {why}",
    "referral_given": lambda: "referral from the primary care physician on the claim",
    "referral_missing_level": lambda: "no referral: specialist care paid at the out-of-network level",
    "benefit": lambda text: f"benefit: {text}",
    "out_of_network_terms": lambda text: f"out-of-network level: {text}",
    "denied": lambda reason: f"denied: {reason}",
    "allowed": lambda source: f"allowed amount ({source})",
    "discount": lambda: "network discount (billed − allowed): neither plan nor member pays it",
    "balance_bill": lambda: "balance billing (billed − allowed): the member's, counts toward no limit",
    "deductible": lambda room: f"deductible ({_usd(room)} left before this claim)",
    "no_deductible": lambda: "no deductible for this benefit",
    "copay": lambda per_visit, quantity: f"copay {_usd(per_visit)}" + (f" × {quantity}" if quantity > 1 else ""),
    "coinsurance": lambda rate, on: f"coinsurance {fmt_rate(rate)} × {_usd(on)}",
    "oop_cap": lambda room: f"out-of-pocket maximum: {_usd(room)} left before this claim; the plan pays the rest",
    "oop_met": lambda: "out-of-pocket maximum met: the plan pays 100% of the allowed amount",
    "visits_left": lambda text, left: f"limit {text}: {left} left",
    "over_limit": lambda text, paid, quantity: f"limit {text}: {paid} of {quantity} covered; the rest of the allowed amount is the member's",
    "plan_paid": lambda over: "plan pays = allowed − " + ("over the limit − " if over else "") + "deductible − copay − coinsurance",
    "member_paid": lambda over: "member pays = deductible + copay + coinsurance + balance billing" + (" + over the limit" if over else "") + " (or the billed price when denied)",
}


def render(step: tuple) -> tuple[str | None, str, int | None]:
    rule, code, amount, *args = step
    return rule, LABELS[code](*args), amount


class PlanDecompte(Explained):
    """One claim's explanation of benefits under a plan."""

    __slots__ = (
        "id", "beneficiary", "family", "date", "act", "provider", "price", "allowed", "deductible", "copay",
        "coinsurance", "plan_paid", "member_paid", "balance_billed", "over_limit", "denied", "rule", "notes", "trace",
    )

    def __init__(self, id, beneficiary, family, date, act, provider, price, allowed, deductible, copay, coinsurance, balance_billed, denied, rule, warnings, trace, over_limit=0):
        self.id = id
        self.beneficiary = beneficiary
        self.family = family
        self.date = date
        self.act = act
        self.provider = provider
        self.price = price
        self.allowed = allowed
        self.deductible = deductible
        self.copay = copay
        self.coinsurance = coinsurance
        self.balance_billed = balance_billed
        self.over_limit = over_limit
        self.denied = denied
        if denied is None:
            self.plan_paid = allowed - over_limit - deductible - copay - coinsurance
            self.member_paid = deductible + copay + coinsurance + balance_billed + over_limit
        else:
            self.plan_paid = 0
            self.member_paid = price
        self.rule = rule
        self.notes = warnings
        self.trace = trace

    def to_dict(self) -> dict:
        d = {"id": self.id, "status": "evaluated", "beneficiary": self.beneficiary}
        if self.family is not None:
            d["family"] = self.family
        d["date"] = self.date.isoformat()
        d["act"] = self.act
        if self.provider:
            d["provider"] = self.provider
        d["price"] = fmt(self.price)
        for name in PLAN_AMOUNTS:
            d[name] = fmt(getattr(self, name))
        for name in EXTRA_AMOUNTS:
            d[name] = fmt(getattr(self, name))
        d["denied"] = self.denied
        return self._closing_fields(d)

    @property
    def steps(self) -> list[Step]:
        steps = [Step(*render(t)) for t in self.trace]
        if self.denied is None:
            steps.append(Step(*render((None, "plan_paid", self.plan_paid, self.over_limit > 0))))
        steps.append(Step(*render((None, "member_paid", self.member_paid, self.over_limit > 0))))
        return steps
