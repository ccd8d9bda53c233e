"""The flat deductions over arrays (scalar: `compiler/runtime/steps/deductions.py`).

A claim takes min(its demand, each cap's room) while no cap of its pools
is exhausted, nothing after. Until the first cut, the running sums of the
demands are what the caps have used; the claim that is cut exhausts a cap
that every later claim of the pool shares, so the running sums are exact
wherever they are read. This needs every claim of a pool to carry the same
set of caps (one amount and one count for the participation forfaitaire):
else its pool goes to the scalar engine.
"""

from __future__ import annotations

import numpy as np

from garant.batch.vector.running import Running
from garant.batch.vector.steps.status import exempt_rows

_EPOCH = 719163  # dt.date(1970, 1, 1).toordinal()


def deductions(v, by_combo) -> None:
    """PF and franchises from the AMO within their yearly caps (scalar `deductions`)."""
    groups: dict[tuple, list] = {}  # (param, per_unit) → [deduction, row chunks]
    for r, idx in by_combo:
        if r.deduction is not None:
            p, per_unit, *_ = r.deduction
            groups.setdefault((id(p), per_unit), [r.deduction, []])[1].append(idx)
    if not groups:
        return
    asked = _Asked(v.n)
    pools: dict[str, list] = {}  # cap key → [(cap, rows, the deduction's caps)]
    days: dict[str, list] = {}  # daily cap key → [(cap, rows)]
    for group in groups.values():
        deduction, chunks = group
        idx = group[1] = _rows(chunks)
        limits = _demand(v, deduction, idx, asked)
        signature = tuple(sorted((lim.key, lim.kind, lim.amount) for lim in limits))
        for lim in limits:
            pools.setdefault(lim.key, []).append((lim, idx, signature))
        for lim in deduction[5]:
            days.setdefault(lim.key, []).append((lim, idx))
    for members in days.values():
        _day_cap(v, members, asked)
    free = np.ones(v.n, bool)
    room = np.full(v.n, 1 << 62, np.int64)
    for key, members in pools.items():
        _cap(v, key, members, asked, free, room)
    take = np.where(free, np.minimum(asked.demand, room), 0)
    for deduction, idx in groups.values():
        if deduction[2]:
            v.pf[idx] = take[idx]
        else:
            v.franchise[idx] = take[idx]


def _rows(chunks: list) -> np.ndarray:
    """The rows of several combinations, in the file's order: each step
    below reads a dozen columns at them, and rows in order are read ten
    times faster than rows grouped by combination (a million claims: 1 ms
    a column, against 10)."""
    return chunks[0] if len(chunks) == 1 else np.sort(np.concatenate(chunks))


class _Asked:
    """Per row: what its deduction asks (at most the AMO), its units, its unit amount."""

    def __init__(self, n: int):
        self.demand = np.zeros(n, np.int64)
        self.units = np.zeros(n, np.int64)
        self.unit = np.zeros(n, np.int64)
        self.given = np.zeros(n, bool)  # the Sécu's statement gives this deduction's figure
        self.given_value = np.zeros(n, np.int64)


def _demand(v, deduction, idx, asked: _Asked) -> tuple:
    """Fill what one deduction asks on its rows (0 for an exempt patient);
    returns its caps."""
    c = v.c
    p, per_unit, is_pf, amount, counts, _days = deduction
    d = c.date[idx]
    unit, none = v._value(p, d)
    v.fail[idx] |= none
    if per_unit:
        units = c.quantity[idx]
    elif is_pf:  # a feuille de soins: its acts bearing a PF (`flow.invoice_acts`)
        acts = v.pf_acts[idx]
        units = np.where(acts >= 0, acts, 1)
    else:
        units = np.ones(len(idx), np.int64)
    want = np.minimum(unit * units, v.amo[idx])
    if p.exempt_under is not None and c.has_birth[idx].any():  # no birth date, no age to compute
        on = d
        if p.exempt_reference == "start_of_year":
            on = (v.year[idx] - 1970).astype("datetime64[Y]").astype("datetime64[D]").astype(np.int64) + _EPOCH
        exempt = c.has_birth[idx] & (age(c.birth[idx], on) < p.exempt_under)
        want = np.where(exempt, 0, want)
    by_status = exempt_rows(v, p, idx)
    if by_status is not None:  # a status not owing it (C2S, AME, maternité)
        want = np.where(by_status, 0, want)
    asked.demand[idx] = want
    asked.units[idx] = units
    asked.unit[idx] = unit
    f = c.flows
    if f is not None and f.any:  # the Sécu's own figure, which the caps count (scalar `statement._recount`)
        has, value = (f.has_pf, f.pf) if is_pf else (f.has_franchise, f.franchise)
        asked.given[idx] = has[idx]
        asked.given_value[idx] = value[idx]
    return ((amount,) if amount is not None else ()) + counts


def _cap(v, key, members, asked: _Asked, free, room) -> None:
    """One cap over the rows of its pool: rows after it is exhausted take
    nothing (`free`), the others at most what it has left (`room`)."""
    c = v.c
    lim = members[0][0]
    idx = _rows([m[1] for m in members])
    if len({m[2] for m in members}) > 1:
        v.overflow.append((c.ben[idx], key))
        return
    demand = asked.demand[idx]
    used = demand if lim.kind == "amount" else asked.units[idx] * (demand > 0)
    given = asked.given[idx]
    if given.any():  # the caps count the Sécu's figure: its difference from Garant's, as `statement._recount` adds
        unit = np.maximum(asked.unit[idx], 1)
        delta = asked.given_value[idx] - demand
        used = np.where(given, used + (delta if lim.kind == "amount" else delta // unit), used)
    run = Running(*v.claim_order(idx), used)
    before = run.unsorted(run.before)
    free[idx] &= before < lim.amount
    left = lim.amount - before
    if given.any():  # a given figure on the line the cap cuts short: Garant's own is neither the demand nor 0, the scalar engine counts it
        # (after the cap is exhausted Garant's own is 0 and the sums only grow: every later line takes nothing either way)
        cut = given & (before < lim.amount) & ((left if lim.kind == "amount" else left * asked.unit[idx]) < demand)
        if cut.any():
            v.overflow.append((c.ben[idx][cut], key))
    room[idx] = np.minimum(room[idx], left if lim.kind == "amount" else left * asked.unit[idx])


def _day_cap(v, members, asked: _Asked) -> None:
    """A daily amount cap (CSS D160-11: a franchise's, for one
    professional's acts on one day, or the beneficiary's without a
    feuille de soins: scalar `deductions._whose`): each claim asks at most
    what its day has left, the day's demands as capped cumulative sums in
    file order. Exact with the yearly caps after it: until a yearly cap
    cuts, what each day has used is these capped demands; after, nothing
    is taken. A day that mixes the Sécu's given franchise with other lines
    counts the statement's figure line by line: scalar."""
    c = v.c
    lim = members[0][0]
    idx = _rows([m[1] for m in members])
    f = c.flows
    who = f.who[idx] if f is not None and f.any else np.full(len(idx), -1, np.int64)
    order = np.lexsort((v.rows[idx], c.date[idx], who, c.ben[idx]))
    idx, who = idx[order], who[order]
    start = np.r_[True, (c.ben[idx][1:] != c.ben[idx][:-1]) | (who[1:] != who[:-1]) | (c.date[idx][1:] != c.date[idx][:-1])]
    group = np.cumsum(start) - 1
    want = asked.demand[idx]
    total = np.cumsum(want)
    offset = (total - want)[start][group]
    after, before = total - offset, total - want - offset
    if lim.param is not None:
        cap, none = v._value(v.product.params[lim.param], c.date[idx])
        v.fail[idx] |= none
    else:
        cap = np.full(len(idx), lim.amount, np.int64)
    asked.demand[idx] = np.minimum(after, cap) - np.minimum(before, cap)
    given = asked.given[idx]
    if given.any():
        size = np.bincount(group)
        mixed = np.zeros(len(size), bool)
        mixed[group[given]] = True
        v.flow_scalar[idx[mixed[group] & (size[group] > 1)]] = True


def age(birth: np.ndarray, on: np.ndarray) -> np.ndarray:
    """Whole years from `birth` to `on` (ordinals), as the engine counts them."""
    b = (birth - _EPOCH).astype("datetime64[D]")
    o = (on - _EPOCH).astype("datetime64[D]")
    by, oy = b.astype("datetime64[Y]"), o.astype("datetime64[Y]")
    bm, om = b.astype("datetime64[M]"), o.astype("datetime64[M]")
    b_md = (bm - by).astype(np.int64) * 100 + (b - bm).astype(np.int64)
    o_md = (om - oy).astype(np.int64) * 100 + (o - om).astype(np.int64)
    return (oy.astype(np.int64) - by.astype(np.int64)) - (o_md < b_md)
