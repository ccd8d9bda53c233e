"""What one claim carries from step to step (`steps.run`).

A record with a named slot per intermediate result: a step reads the
slots earlier steps filled and fills its own, so which step produces what
is visible in one place. Warnings and the trace start from what reading
the claim left; a trace entry is `(rule, code, amount, *args)` (`trace.py`).
"""

from __future__ import annotations


class ClaimState:
    __slots__ = ("claim", "ledger", "warnings", "trace")

    def __init__(self, claim, ledger):
        self.claim = claim
        self.ledger = ledger
        self.warnings = list(claim.warnings) if claim.warnings else []  # the result's own list
        self.trace: list[tuple] = []


class ContractState(ClaimState):
    """A French claim: regime, deductions, then the contract's lines. Starts
    with what a step a route does not need would have left: no deduction,
    no ceiling price."""

    __slots__ = (
        "route",  # the combination's rules (`route.Route`)
        "rate", "rate_rule", "base", "counted", "amo", "amo_ref",  # regime
        "status",  # the beneficiary's status and scheme held (`status.beneficiary_status`): `rules.Status`, …
        "pf", "franchise",  # deductions
        "regulated", "pf_acts", "professional",  # a stay's per-day regulated price; a feuille de soins' acts bearing a PF, whose day
        "differs",  # the Sécu's statement: the fields where it differs from Garant's regime (`steps.statement`), or None
        "ceiling_price",  # price checks: the 100% Santé ceiling price, or None
        "amc", "rule",  # the contract: what it pays, the deciding line
        "line", "paid", "part", "from_budgets", "ceiling_room",  # the line being paid
        "waiting", "fallback", "cut", "asked",  # its clauses: in a waiting period; paid by `then`, what the cap cut of what it asked
    )

    def __init__(self, claim, ledger, route):
        self.claim = claim
        self.ledger = ledger
        self.warnings = list(claim.warnings) if claim.warnings else []
        self.trace: list[tuple] = []
        self.route = route
        self.pf = self.franchise = 0
        self.ceiling_price = self.differs = self.regulated = self.pf_acts = self.professional = None
        self.status = ()


class PlanState(ClaimState):
    """A managed-care claim: eligibility, allowed amount, cost sharing."""

    __slots__ = (
        "status", "ancestors", "emergency",  # network status
        "level", "denied", "rule",  # eligibility: the level paid at, or why denied
        "member", "family", "year", "line", "sharing", "paid_visits", "visits_key",  # benefit line
        "allowed", "balance", "over_limit",  # allowed amount
        "ded_acc", "oop_acc", "rest", "deductible", "copay", "coinsurance",  # cost sharing
        "no_surprises", "cap_key", "cap_room",  # No Surprises Act; a benefit's dollar cap
    )
