"""The ACA Summary of Benefits and Coverage coverage examples, through a plan.

The SBC shows what a member would pay under a plan for three standard
stories (having a baby, managing type 2 diabetes, a simple fracture). Each
is a bundled list of services (`examples/sbc/*.yaml`: date, SBC service
category mapped to a benefit of stdlib/managed_care, allowed amount) adding
up to the total HHS sets. As the CMS calculator does (MANAGED_CARE.md):
self-only coverage, all care in network (and properly referred), premiums
excluded, each example on its own with fresh accumulators. The member's
total is split into deductible, copays, coinsurance and what the plan does
not cover ("limits or exclusions").

The service lines are the project's own breakdown of HHS's totals; a plan
with one deductible and one coinsurance rate for every category gives the
same result for any breakdown, which is how they can be checked by hand.
"""

from __future__ import annotations

import datetime as dt
from importlib import resources

import attrs
import yaml

from garant.compiler.runtime.money import parse_cents

# The examples are dated inside one plan year; which year does not change
# any amount (a plan's terms are not dated), only the dates shown.
REFERENCE_YEAR = 2025


@attrs.frozen
class Service:
    service: str
    category: str  # the SBC's wording
    act: str  # a benefit of the plan's taxonomy
    allowed: int  # cents, each time
    days: tuple[int, ...]  # days from the start of the example
    emergency: bool = False


@attrs.frozen
class Example:
    id: str
    title: str
    description: str
    total: int
    services: tuple[Service, ...]


@attrs.define
class ExampleResult:
    example: Example
    start: dt.date
    deductible: int = 0
    copay: int = 0
    coinsurance: int = 0
    excluded: int = 0  # limits or exclusions: what the plan does not cover
    plan_paid: int = 0
    lines: list = attrs.field(factory=list)  # (Service, date, décompte)

    @property
    def total_cost(self) -> int:
        return self.example.total

    @property
    def member_total(self) -> int:
        return self.deductible + self.copay + self.coinsurance + self.excluded


def _example(data: dict, name: str) -> Example:
    services = tuple(
        Service(s["service"], s["category"], s["act"], parse_cents(s["allowed"]), tuple(s["days"]), bool(s.get("emergency", False)))
        for s in data["services"]
    )
    example = Example(data["id"], data["title"], data["description"], parse_cents(data["total"]), services)
    listed = sum(s.allowed * len(s.days) for s in services)
    if listed != example.total:
        raise ValueError(f"{name}: the services add up to {listed / 100:.2f}, not the example's total {example.total / 100:.2f}")
    if any(not 0 <= d < 365 for s in services for d in s.days):
        raise ValueError(f"{name}: every service falls within one plan year (days 0 to 364)")
    return example


def bundled() -> list[Example]:
    """The three SBC examples shipped with Garant, in the SBC's order."""
    folder = resources.files("garant.examples").joinpath("sbc")
    order = {"peg": 0, "joe": 1, "mia": 2}
    found = []
    for entry in folder.iterdir():
        if entry.name.endswith(".yaml"):
            found.append(_example(yaml.safe_load(entry.read_text(encoding="utf-8")), f"examples/sbc/{entry.name}"))
    return sorted(found, key=lambda e: (order.get(e.id, len(order)), e.id))


def evaluate(product, example: Example) -> ExampleResult:
    """One example through a plan, with fresh accumulators."""
    month, day = getattr(product, "year_start", (1, 1))
    start = dt.date(REFERENCE_YEAR, month, day)
    claims, services = [], []
    for s in example.services:
        for d in s.days:
            date = start + dt.timedelta(days=d)
            claims.append({
                "id": f"{example.id}-{len(claims) + 1}", "date": date.isoformat(), "beneficiary": example.id, "act": s.act,
                "provider": "in_network", "price": s.allowed, "allowed": s.allowed, "referral": True, "emergency": s.emergency,
            })
            services.append((s, date))
    for claim in claims:
        claim["price"] = claim["allowed"] = f"{claim['price'] // 100}.{claim['price'] % 100:02d}"
    result = ExampleResult(example, start)
    for (service, date), decompte in zip(services, product.evaluate(claims)):
        if not hasattr(decompte, "member_paid"):
            raise ValueError(f"{example.title}: `{service.service}` ({service.act}) cannot be evaluated: {decompte.reason}")
        if decompte.denied is not None:
            result.excluded += decompte.member_paid
        else:
            result.excluded += decompte.over_limit  # visits beyond a benefit's limit
            result.deductible += decompte.deductible
            result.copay += decompte.copay
            result.coinsurance += decompte.coinsurance
        result.plan_paid += decompte.plan_paid
        result.lines.append((service, date, decompte))
    return result


def run(product) -> list[ExampleResult]:
    if getattr(product, "kind", None) != "plan":
        raise ValueError(f"`{product.name}` is not a plan: the SBC coverage examples apply to managed-care plans")
    return [evaluate(product, e) for e in bundled()]
