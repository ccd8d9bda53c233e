"""What each beneficiary has already consumed of each limit.

Limits run per beneficiary, in date order of care (spec §3.2). A pool is
keyed by (beneficiary, pool name); its consumption is bucketed by calendar
year or by day, or kept as dated entries for rolling windows ("the N months
before the date of care"). A product run owns one ledger; a partition of
beneficiaries can own its own, since pools never cross beneficiaries.
"""

from __future__ import annotations

import datetime as dt


def months_before(date: dt.date, months: int) -> dt.date:
    """The date N months earlier (day clamped to the month's length)."""
    total = date.year * 12 + (date.month - 1) - months
    year, month = divmod(total, 12)
    month += 1
    for day in (date.day, 30, 29, 28):
        try:
            return dt.date(year, month, min(day, date.day))
        except ValueError:
            continue
    raise AssertionError("unreachable")


class Ledger:
    __slots__ = ("buckets", "_entries")

    def __init__(self):
        self.buckets: dict[tuple, int] = {}
        self._entries: dict[tuple, list[tuple[dt.date, int]]] = {}

    def used(self, beneficiary: str, pool: str, kind: str, months: int, date: dt.date) -> int:
        """What the pool has consumed in the period that contains `date`."""
        if kind == "calendar_year":
            return self.buckets.get((beneficiary, pool, date.year), 0)
        if kind == "day":
            return self.buckets.get((beneficiary, pool, date), 0)
        entries = self._entries.get((beneficiary, pool))
        if not entries:
            return 0
        start = months_before(date, months)
        return sum(amount for when, amount in entries if start < when <= date)

    def used_on(self, beneficiary: str, pool: str, date: dt.date) -> int:
        """What a rolling pool consumed on `date` itself."""
        return sum(amount for when, amount in self._entries.get((beneficiary, pool), ()) if when == date)

    def consume(self, beneficiary: str, pool: str, kind: str, date: dt.date, amount: int) -> None:
        if amount <= 0:
            return
        if kind == "calendar_year":
            key = (beneficiary, pool, date.year)
            self.buckets[key] = self.buckets.get(key, 0) + amount
        elif kind == "day":
            key = (beneficiary, pool, date)
            self.buckets[key] = self.buckets.get(key, 0) + amount
        else:
            self._entries.setdefault((beneficiary, pool), []).append((date, amount))
