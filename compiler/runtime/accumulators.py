"""A plan's yearly accumulators: deductible and out-of-pocket maximum.

Each runs per member and per family (embedded individual limits inside
the family limit, MANAGED_CARE.md §6): what a member may still be charged
is the smaller of what is left of the individual limit and what is left of
the family's. Amounts are kept in the product run's `Ledger` buckets, keyed
by (holder, pool, plan year), so a plan run owns one ledger exactly as a
contract run does, and a partition by family can own its own.
"""

from __future__ import annotations

import datetime as dt

from garant.compiler.runtime.ledger import Ledger


def plan_year(date: dt.date, start: tuple[int, int]) -> int:
    """The plan year a date of care falls in, named by the calendar year it
    starts in (a plan year starting 1 July 2025 is 2025 until 30 June 2026)."""
    return date.year if (date.month, date.day) >= start else date.year - 1


class Accumulator:
    """One yearly limit of a plan (`deductible $1,500 individual, $3,000 family`)."""

    __slots__ = ("pool", "individual", "family", "where", "text")

    def __init__(self, pool: str, individual: int | None, family: int | None, where: str | None, text: str):
        self.pool = pool
        self.individual = individual
        self.family = family
        self.where = where
        self.text = text

    @property
    def limited(self) -> bool:
        return self.individual is not None or self.family is not None

    def room(self, ledger: Ledger, member: str, family: str, year: int) -> int | None:
        """What is left to pay toward this limit; None when there is no limit."""
        left = None
        buckets = ledger.buckets
        if self.individual is not None:
            left = self.individual - buckets.get(("member", member, self.pool, year), 0)
        if self.family is not None:
            family_left = self.family - buckets.get(("family", family, self.pool, year), 0)
            left = family_left if left is None or family_left < left else left
        return None if left is None else (left if left > 0 else 0)

    def consume(self, ledger: Ledger, member: str, family: str, year: int, amount: int) -> None:
        if amount <= 0:
            return
        buckets = ledger.buckets
        for key in (("member", member, self.pool, year), ("family", family, self.pool, year)):
            buckets[key] = buckets.get(key, 0) + amount
