"""Yearly limits as capped cumulative sums, per beneficiary and year.

A limit of `cap` consumed by claims in date order, each asking for `d_i`
(what it would take with the limit untouched), takes

    take_i = min(C_i, cap) − min(C_{i−1}, cap),     C_i = d_1 + … + d_i

in its (beneficiary, calendar year): by induction, what is used after
claim i is min(C_i, cap), which is exactly what the scalar engine's
`take = min(d, cap − used)` leaves. This holds as long as `d_i` does not
itself depend on what the limit has left; the evaluator checks that
wherever it could (and sends the beneficiary's pool to the scalar path
when it does not hold).

Claims are ordered as the scalar engine takes them: date of care, then
row in the file (`scalar.evaluate_records`).
"""

from __future__ import annotations

import numpy as np


def claim_order(ben, date, row) -> np.ndarray:
    """The claims' order by (beneficiary, date of care, row): one sort of
    one int64 key packing the three when their ranges fit in 63 bits
    (always, but for a file of billions of rows), else `np.lexsort`. The
    calendar year needs no key of its own: it follows the date.

    Rows in increasing order (a partition as read) are ranked by their
    positions instead, which then fill the key's low bits: sorting the
    keys themselves, four times faster than sorting their indices (a
    million claims: 6 ms against 25), leaves the order in those bits."""
    n = len(ben)
    if not n:
        return np.zeros(0, np.int64)
    increasing = n < 2 or bool((row[1:] > row[:-1]).all())
    tie = np.arange(n, dtype=np.int64) if increasing else row
    keys = []
    bits = 0
    for values in (tie, date, ben):  # least significant first
        low = int(values.min())
        width = max(1, int(values.max()) - low).bit_length()
        keys.append((values, low, bits))
        bits += width
    if bits > 63:
        return np.lexsort((row, date, ben))
    packed = np.zeros(n, np.int64)
    for values, low, shift in keys:
        packed |= (values.astype(np.int64) - low) << shift
    if increasing:
        return np.sort(packed) & ((1 << keys[1][2]) - 1)  # the positions, the low bits below the date's
    return np.argsort(packed)  # keys are distinct (rows are): any sort is the stable one


class Sorted:
    """The partition's claims in `claim_order`, and each one's (beneficiary,
    calendar year) as a group number in that order: sorted once, then
    every pool's running sums read their own claims off it
    (`within`) in a few linear passes, without sorting again or gathering
    the beneficiaries and years of each pool in a random order."""

    __slots__ = ("order", "group")

    def __init__(self, ben, year, date, row):
        self.order = claim_order(ben, date, row)
        b, y = ben[self.order], year[self.order]
        starts = np.ones(len(b), bool)
        if len(b) > 1:
            starts[1:] = (b[1:] != b[:-1]) | (y[1:] != y[:-1])
        self.group = np.cumsum(starts)

    def within(self, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(the positions in `idx` of its rows in claim order, their group
        numbers in that order): a total order's restriction, the same as
        sorting the rows of `idx` again."""
        n = len(self.order)
        if len(idx) == n and n and idx[0] == 0 and idx[-1] == n - 1 and (idx[1:] > idx[:-1]).all():
            return self.order, self.group  # every row, in the file's order (a deduction on every claim)
        at = np.full(n, -1, np.int64)
        at[idx] = np.arange(len(idx))
        within = at[self.order]
        keep = within >= 0
        return within[keep], self.group[keep]


def dense_codes(codes: np.ndarray, bound: int) -> tuple[np.ndarray, np.ndarray]:
    """(the distinct codes in order, each row's index among them), as
    `np.unique(codes, return_inverse=True)` gives them: through a table of
    `bound` flags when the codes (≥ 0) are below a bound not much larger
    than their number (no sort), else by sorting."""
    if bound > 4 * len(codes) + 1024:
        unique, inverse = np.unique(codes, return_inverse=True)
        return unique, inverse.reshape(-1)
    present = np.zeros(bound, bool)
    present[codes] = True
    unique = np.flatnonzero(present)
    index = np.zeros(bound, np.int64)
    index[unique] = np.arange(len(unique))
    return unique, index[codes]


class Running:
    """The ordering and the running sums of one pool's claims."""

    __slots__ = ("order", "group", "before", "after")

    def __init__(self, order, groups, demand):
        """`order`, `groups`: the pool's claims in their order by
        (beneficiary, date of care, row) and their (beneficiary, year)
        group numbers in that order (`Sorted.within`)."""
        d = demand[order]
        starts = np.ones(len(d), bool)
        if len(d) > 1:
            starts[1:] = groups[1:] != groups[:-1]
        group = np.cumsum(starts) - 1
        total = np.cumsum(d)
        before = total - d
        offset = before[starts]
        before = before - offset[group]
        self.order = order
        self.group = group
        self.before = before  # C_{i−1}, in `order`
        self.after = before + d  # C_i, in `order`

    def unsorted(self, values):
        out = np.empty_like(values)
        out[self.order] = values
        return out

    def used_before(self, cap: int):
        """min(C_{i−1}, cap) per claim, in the claims' own order."""
        return self.unsorted(np.minimum(self.before, cap))

    def takes(self, cap: int):
        """min(C_i, cap) − min(C_{i−1}, cap) per claim, in the claims' own order."""
        return self.unsorted(np.minimum(self.after, cap) - np.minimum(self.before, cap))

    def group_totals(self):
        """C at the end of each claim's (beneficiary, year), per claim, in the claims' own order."""
        if not len(self.group):
            return self.after
        ends = np.ones(len(self.group), bool)
        ends[:-1] = self.group[1:] != self.group[:-1]
        return self.unsorted(self.after[ends][self.group])
