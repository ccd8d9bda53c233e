"""The contract's steps over arrays (scalar: `compiler/runtime/steps/lines.py`).

The deciding lines pay in stages: the k-th line of every combination at
once, after the (k-1)-th, as the scalar engine pays a decision's lines in
turn. A line's part is its formula, within the responsable ceiling and the
room (`line_part`, the scalar line steps' order), then its one yearly
limit, a count or an amount, read from running sums (`running.py`).
"""

from __future__ import annotations

import numpy as np

from garant.batch.vector.running import Running, dense_codes
from garant.compiler.runtime.money import fmt
from garant.compiler.runtime.steps.lines import ceiling_limit


def gap(v, by_combo) -> None:
    """An act no line covers: the warning (scalar `gap`); the contract pays nothing."""
    for r, idx in by_combo:
        if r.gap_note is not None:
            v._note(idx, [r.gap_note] * len(idx))


def contract_lines(v, by_combo) -> None:
    """The deciding lines, stage by stage (scalar `contract_lines`)."""
    stages = max((len(r.lines) for r, _ in by_combo), default=0)
    for k in range(stages):
        _stage(v, k, [(r, idx) for r, idx in by_combo if len(r.lines) > k])


def _stage(v, k: int, members) -> None:
    """The k-th line of each combination: its part, then its limit by pool."""
    c = v.c
    part = np.zeros(v.n, np.int64)

    def own_part(v, r, idx) -> None:  # the combination's rows only (`each_combo`)
        q = c.quantity[idx]
        if k == 0 and r.ceiling is not None:
            ceiling_room(v, r, idx)
        part[idx] = line_part(v, r.lines[k][0], r, idx, q, q, v.amc[idx])

    v.each_combo(own_part, members)
    limited: dict[str, list] = {}
    for r, idx in members:
        _line, count, amount = r.lines[k]
        lim = count or amount
        if lim is not None:
            limited.setdefault(lim.key, []).append((lim, r, idx))
    for key, group in limited.items():
        lim = group[0][0]
        idx = np.concatenate([g[2] for g in group])
        if any(g[0].amount != lim.amount or g[0].kind != lim.kind for g in group):
            v.overflow.append((c.ben[idx], key))
            continue
        negative = part[idx] < 0
        if negative.any():  # the running sums assume what a claim asks for is ≥ 0
            v.overflow.append((c.ben[idx][negative], key))
        if lim.kind == "amount":
            amount_limit(v, lim, idx, part)
        else:
            count_limit(v, k, key, lim, group, idx, part)
    v.amc += part  # 0 outside the members' rows


def line_part(v, line, r, idx, paid, q, amc):
    """A line's part before its limit: formula → ceiling → room."""
    part = formula(v, line, idx, paid, q)
    if r.ceiling is not None:
        part = ceiling(v, idx, part, amc)
    return room(v, idx, part, amc)


def formula(v, line, idx, paid, q):
    """The line's formula (its generated function) on the paid quantity,
    with the partial-quantity share (scalar `line_formula`)."""
    c = v.c
    cp = v.ceiling_price[idx] if v.has_ceiling_price[idx[0]] else None
    qty = paid if line.per_unit else q
    part = apply_distinct(line.fn, [c.price[idx], v.base[idx], v.amo_ref[idx], qty], cp)
    if not line.per_unit:
        cut = (paid < q) & (paid > 0)
        if cut.any():
            part = np.where(cut, (part * paid * 2 + q) // (2 * q), part)
    return np.where(paid <= 0, 0, part)


def ceiling_room(v, r, idx) -> None:
    """What the responsable ceiling lets the decision pay, per row (scalar `ceiling_limit`)."""
    c = v.c
    product = v.product
    cp = v.ceiling_price[idx] if v.has_ceiling_price[idx[0]] else None

    def room_of(price, base, amo_ref, quantity, ceiling_price, _ceiling=r.ceiling):
        return ceiling_limit(product, _ceiling, price, base, amo_ref, quantity, ceiling_price)

    v.ceiling_room[idx] = apply_distinct(room_of, [c.price[idx], v.base[idx], v.amo_ref[idx], c.quantity[idx]], cp)


def ceiling(v, idx, part, amc):
    """Within the responsable ceiling, over the decision's lines (scalar `line_ceiling`)."""
    left = v.ceiling_room[idx] - amc
    return np.where(part > left, np.maximum(left, 0), part)


def room(v, idx, part, amc):
    """Within what the regime leaves (scalar `line_room`)."""
    left = v.c.price[idx] - v.amo[idx] - amc
    return np.where(part > left, np.maximum(left, 0), part)


def amount_limit(v, lim, idx, part) -> None:
    """A yearly amount limit: at most what it has left (scalar `line_amount_limits`)."""
    c = v.c
    run = Running(*v.claim_order(idx), part[idx])
    remaining = lim.amount - run.used_before(lim.amount)
    wanted = part[idx]
    over = wanted > remaining
    if over.any():
        v._note(idx[over], [f"limit {lim.text}: {fmt(left)} was left [{lim.where}]" for left in remaining[over].tolist()])
    part[idx] = np.minimum(wanted, remaining)


def count_limit(v, k, key, lim, group, idx, part) -> None:
    """A yearly count (or `once`) limit: the quantity it has left pays
    (scalar `line_quantity`); a cut quantity's part is computed again."""
    c = v.c
    q = c.quantity[idx]
    pays = part[idx] > 0
    demand = (q if lim.kind == "count" else np.ones(len(idx), np.int64)) * pays
    run = Running(*v.claim_order(idx), demand)
    remaining = lim.amount - run.used_before(lim.amount)
    allowed = remaining if lim.kind == "count" else np.where(remaining > 0, q, 0)
    short = allowed < q
    if not short.any():
        return
    texts = [f"limit reached: {lim.text} [{lim.where}]" if a <= 0 else f"limit {lim.text}: {a} of {qq} paid [{lim.where}]"
             for a, qq in zip(allowed[short].tolist(), q[short].tolist())]
    v._note(idx[short], texts)
    offset = 0
    for _lim, r, rows_g in group:  # what the cut quantity pays, line by line
        local = np.nonzero(short[offset:offset + len(rows_g)])[0]
        where = local + offset
        offset += len(rows_g)
        if not len(local):
            continue
        cut = rows_g[local]
        paid = np.minimum(allowed[where], c.quantity[cut])
        new = line_part(v, r.lines[k][0], r, cut, paid, c.quantity[cut], v.amc[cut])
        changed = (paid > 0) & ((new > 0) != pays[where])
        if changed.any():
            v.overflow.append((c.ben[cut[changed]], key))
        part[cut] = new


def apply_distinct(fn, args: list, with_ceiling) -> np.ndarray:
    """fn(*args) per row, called once per distinct tuple of arguments: the
    generated line functions (and the engine's ceiling) themselves, so a
    formula is never written twice. `with_ceiling`: the ceiling price
    column, or None (passed as None)."""
    if with_ceiling is not None:
        args = [*args, with_ceiling]
    n = len(args[0])
    coded = _mixed_radix(args) if n else None
    if coded is None:
        return _apply_sorted(fn, args, with_ceiling)
    code, digits = coded
    unique, inverse = dense_codes(code, digits[-1][2])
    firsts = []
    rest = unique
    for low, span, _ in reversed(digits):
        rest, digit = np.divmod(rest, span)
        firsts.append((digit + low).tolist())
    firsts.reverse()
    if with_ceiling is None:
        values = [fn(*t, None) for t in zip(*firsts)]
    else:
        values = [fn(*t) for t in zip(*firsts)]
    return np.array(values, np.int64)[inverse]


def _mixed_radix(args: list):
    """(one int64 code per row, (low, span, bound so far) per argument):
    the rows' argument tuples as numbers in a mixed radix, when the
    arguments' ranges are short enough (amounts of a few hundred cents,
    quantities, one base per combination); else None."""
    code = None
    bound = 1
    digits = []
    for a in args:
        low = int(a.min())
        span = int(a.max()) - low + 1
        bound *= span
        if bound > 1 << 24:
            return None
        code = (a - low) if code is None else code * span + (a - low)
        digits.append((low, span, bound))
    return code, digits


def _apply_sorted(fn, args: list, with_ceiling) -> np.ndarray:
    """`apply_distinct` by sorting the rows on their arguments (wide ranges)."""
    n = len(args[0])
    order = np.lexsort(args[::-1])
    change = np.zeros(n, bool)
    if n:
        change[0] = True
    sorted_args = []
    for a in args:
        a = a[order]
        change[1:] |= a[1:] != a[:-1]
        sorted_args.append(a)
    group = np.cumsum(change) - 1
    firsts = [a[change].tolist() for a in sorted_args]
    if with_ceiling is None:
        values = [fn(*t, None) for t in zip(*firsts)]
    else:
        values = [fn(*t) for t in zip(*firsts)]
    out = np.empty(n, np.int64)
    out[order] = np.array(values, np.int64)[group]
    return out
