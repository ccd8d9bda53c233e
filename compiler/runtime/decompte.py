"""The décompte (explanation of benefits) and the rejection.

One type carries every field of spec §5, for French contracts and (later)
managed-care plans alike; amounts are integer cents inside and decimal
strings with two decimals outside. The trace is kept as data (rule, label,
amount) and rendered on demand, so the same steps print as text, JSON or a
worked example in the docs.
"""

from __future__ import annotations

from garant.compiler.runtime.money import fmt, fmt_rate
from garant.compiler.runtime.trace import render, render_warning

AMOUNT_FIELDS = ("price", "base", "amo", "participation_forfaitaire", "franchise", "amo_net", "amc", "rac")
PLAN_FIELDS = ("allowed", "deductible", "copay", "coinsurance", "plan_paid", "member_paid")


class Step:
    """One line of a trace: which rule, what it did, what it produced."""

    __slots__ = ("rule", "label", "amount")

    def __init__(self, rule: str | None, label: str, amount: int | None = None):
        self.rule = rule
        self.label = label
        self.amount = amount

    def to_dict(self) -> dict:
        d = {"step": self.label}
        if self.amount is not None:
            d["amount"] = fmt(self.amount)
        if self.rule:
            d["rule"] = self.rule
        return d

    def render(self) -> str:
        amount = f" = {fmt(self.amount)}" if self.amount is not None else ""
        where = f"  [{self.rule}]" if self.rule else ""
        return f"{self.label}{amount}{where}"


class Explained:
    """What every explanation (a contract's décompte, a plan's explanation
    of benefits) shows the same way: its warnings and its trace as text.
    A subclass has `notes` and a `steps` property."""

    __slots__ = ()

    @property
    def warnings(self) -> list[str]:
        return [render_warning(n) for n in self.notes]

    def trace_text(self) -> str:
        return "\n".join(s.render() for s in self.steps)

    def _closing_fields(self, d: dict) -> dict:
        """The fields every explanation's dict ends with: rule, warnings, trace."""
        d["rule"] = self.rule
        d["warnings"] = list(self.warnings)
        d["trace"] = [s.to_dict() for s in self.steps]
        return d


class Decompte(Explained):
    __slots__ = (
        "id", "beneficiary", "date", "act", "provider",
        "price", "base", "amo_rate", "amo", "participation_forfaitaire", "franchise", "amo_net", "amc", "rac",
        "rule", "notes", "trace",
        "given", "differs",  # the Sécu's figures the claim carried, and those that differ from Garant's regime
        "exemption", "scheme",  # the claim's beneficiary status and local scheme, None when absent
    )
    # Plan (managed-care) fields: absent on a French décompte; a plan's
    # décompte type gives them values of its own.
    allowed = deductible = copay = coinsurance = plan_paid = member_paid = denied = None

    def __init__(self, id, beneficiary, date, act, provider, price, base, amo_rate, amo, pf, franchise, amo_net, amc, rule, warnings, trace):
        self.id = id
        self.beneficiary = beneficiary
        self.date = date
        self.act = act
        self.provider = provider
        self.price = price
        self.base = base
        self.amo_rate = amo_rate
        self.amo = amo
        self.participation_forfaitaire = pf
        self.franchise = franchise
        self.amo_net = amo_net
        self.amc = amc
        self.rac = price - amo_net - amc
        self.rule = rule
        self.notes = warnings  # strings, or (code, *args) rendered on demand
        self.trace = trace
        self.given = self.differs = ()
        self.exemption = self.scheme = None

    def to_dict(self) -> dict:
        d = {"id": self.id, "status": "evaluated", "beneficiary": self.beneficiary, "date": self.date.isoformat(), "act": self.act}
        if self.provider:
            d["provider"] = self.provider
        if self.exemption is not None:
            d["exemption"] = self.exemption
        if self.scheme is not None:
            d["scheme"] = self.scheme
        for name in AMOUNT_FIELDS[:2]:
            d[name] = fmt(getattr(self, name))
        d["amo_rate"] = fmt_rate(self.amo_rate)
        for name in AMOUNT_FIELDS[2:]:
            d[name] = fmt(getattr(self, name))
        for name in PLAN_FIELDS:
            value = getattr(self, name)
            if value is not None:
                d[name] = fmt(value)
        if self.denied is not None:
            d["denied"] = self.denied
        if self.given:
            d["given"] = list(self.given)
        if self.differs:
            d["differs"] = list(self.differs)
        return self._closing_fields(d)

    @property
    def steps(self) -> list[Step]:
        """The trace, rendered: one sentence per step, with its rule; the
        reste à charge closes it (derived from the fields, not stored)."""
        steps = [Step(*render(t)) for t in self.trace]
        steps.append(Step(*render((None, "rac", self.rac))))
        return steps


class Rejection:
    """A claim that could not be evaluated, and why. Never silently dropped.

    `internal` marks a rejection that is a defect of Garant (an exception
    the evaluator did not expect), not a fault of the claim: the claim is
    kept, and tests (property, fuzz) fail on any such rejection."""

    __slots__ = ("id", "reason", "field", "index", "internal")

    def __init__(self, id, reason: str, field: str | None = None, index: int | None = None, internal: bool = False):
        self.id = id
        self.reason = reason
        self.field = field
        self.index = index
        self.internal = internal

    def to_dict(self) -> dict:
        d = {"id": self.id, "status": "rejected", "reason": self.reason}
        if self.field:
            d["field"] = self.field
        if self.index is not None:
            d["index"] = self.index
        return d


class ClaimError(Exception):
    """Raised inside evaluation for a claim the regime cannot price."""

    def __init__(self, reason: str, field: str | None = None):
        super().__init__(reason)
        self.reason = reason
        self.field = field
