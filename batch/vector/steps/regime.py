"""The regime's steps over arrays (scalar: `compiler/runtime/steps/regime.py`).

Each takes the evaluator (`evaluate._Vector`: the claim columns and the
arrays the steps fill) and the vectorised rows grouped by combination of
act and provider values, `[(Recipe, row indices), …]`, and runs its step
on the combinations whose route needs it, with the scalar step's integer
arithmetic. A claim the scalar step would reject is marked in `v.fail`.
"""

from __future__ import annotations

import numpy as np

from garant.compiler.runtime.money import fmt, fmt_rate
from garant.compiler.runtime.trace import render_warning
from garant.compiler.runtime.steps.regime import excess_note, regulated_price
from garant.batch.vector.steps.status import reduced_names, reduced_values
from garant.batch.vector.steps.stays import regulated


def eligibility(v, by_combo) -> None:
    """Care before the contract's effective date: a warning (scalar `eligibility`)."""
    effective = v.product.effective
    if effective is None:
        return
    texts = v._before_effective
    for _r, idx in by_combo:
        d = v.c.date[idx]
        before = d < effective.toordinal()
        if not before.any():
            continue
        for o in np.unique(d[before]).tolist():
            if o not in texts:
                texts[o] = render_warning(("before_effective", v._date(o), effective))
        v._note(idx[before], [texts[o] for o in d[before].tolist()])


def not_reimbursed(v, by_combo) -> None:
    """An act the regime does not reimburse: the claim's base or 0, no AMO."""
    c = v.c
    for r, idx in by_combo:
        if r.not_reimbursed:
            v.base[idx] = v.counted[idx] = np.where(c.has_base[idx], c.base[idx], 0)
            v.rate[idx] = v.amo[idx] = v.amo_ref[idx] = 0


def regime_amo(v, by_combo) -> None:
    """BR, rate and AMO gross (scalar `regime_amo`)."""
    v.each_combo(_regime_amo, [(r, idx) for r, idx in by_combo if not r.not_reimbursed])


def _regime_amo(v, r, idx) -> None:
    c = v.c
    d = c.date[idx]
    price = c.price[idx]
    rate, no_rate, _ = v._entry(r.rate, idx, d)
    base, fail = _base(v, r, idx, d)
    fail |= no_rate
    below = base > price
    if below.any():
        v._note(idx[below], [
            f"price {fmt(p)} is below the base {fmt(b)}: the regime reimburses on the price"
            for p, b in zip(price[below].tolist(), base[below].tolist())
        ])
    counted = np.minimum(base, price)
    amo = (counted * rate + 5000) // 10000
    amo, heavy = _claim_amo(v, r, idx, amo, rate, counted)
    v.base[idx] = base
    v.rate[idx] = rate
    v.amo[idx] = v.amo_ref[idx] = amo
    v.counted[idx] = counted
    v.fail[idx] |= fail | heavy | (amo > price)


def _base(v, r, idx, d):
    """(the BR per row, rows without one): the claim's own, else the regime's × quantity."""
    c = v.c
    has_b = c.has_base[idx]
    claim_b = c.base[idx]
    if r.base is None:
        return claim_b, ~has_b
    regime_b, no_base, base_below = v._entry(r.base, idx, d)
    regime_b = regime_b * c.quantity[idx]
    differ = has_b & ~no_base & (regime_b != claim_b)
    if differ.any():
        v.differs[idx[differ]] |= 1  # `base` (decompte.DIFFERS)
        below_of = base_below[differ].tolist() if base_below is not None else [False] * int(differ.sum())
        v._note(idx[differ], [
            f"the claim's base {fmt(b)} differs from the regime's {fmt(rb)} ({r.base_source[below]} on {v._date(o)})"
            for b, rb, o, below in zip(claim_b[differ].tolist(), regime_b[differ].tolist(), d[differ].tolist(), below_of)
        ])
    return np.where(has_b, claim_b, regime_b), ~has_b & no_base


def _claim_amo(v, r, idx, amo, rate, counted):
    """(AMO per row, rows for the scalar engine): the claim's AMO where it
    differs, with the warning; a heavy act's (scalar only)."""
    c = v.c
    has_amo = c.has_amo[idx]
    no = np.zeros(len(idx), bool)
    if not has_amo.any():
        return amo, no
    claim_amo = c.amo[idx]
    differ = has_amo & (claim_amo != amo)
    if r.heavy:
        return amo, differ
    if differ.any():
        v._note(idx[differ], [
            f"the claim's AMO {fmt(a)} differs from {fmt_rate(t)} × {fmt(k)} = {fmt(m)}; the claim's is used"
            for a, t, k, m in zip(claim_amo[differ].tolist(), rate[differ].tolist(), counted[differ].tolist(), amo[differ].tolist())
        ])
        amo = np.where(differ, claim_amo, amo)
        v.differs[idx[differ]] |= 2  # `amo` (decompte.DIFFERS)
    return amo, no


def reference_amo(v, by_combo) -> None:
    """The parcours-de-soins AMO a responsable contract measures against."""
    for r, idx in by_combo:
        if r.ref_rate is not None:
            ref_rate, no_ref, _ = v._entry(r.ref_rate, idx, v.c.date[idx])
            v.fail[idx] |= no_ref
            amo = v.amo[idx]
            v.amo_ref[idx] = np.maximum(amo, (v.counted[idx] * ref_rate + 5000) // 10000)


def price_checks(v, by_combo) -> None:
    """Prices above a regulated price or N times the base: warnings; the ceiling price."""
    c = v.c
    for r, idx in by_combo:
        d = c.date[idx]
        price = c.price[idx]
        ceiling_price = None
        for value, of_base, what, where, within in r.checks:
            if of_base:
                limit = (v.base[idx] * value + 5000) // 10000
            else:
                value_on, none = v._value(value, d)
                v.fail[idx] |= none
                value_on = reduced_values(v, value, idx, value_on)  # a status's reduced amount
                limit = regulated(v, value, idx, value_on * c.quantity[idx], reduced_names(v, value, idx))  # a stay's days
            ceiling_price = limit
            above = price > limit
            if above.any():
                who = r.provider or r.act
                names = None if of_base else reduced_names(v, value, idx)
                whats = [what if names is None or names[k] is None else regulated_price(v.product, names[k])
                         for k in np.nonzero(above)[0].tolist()]
                v._note(idx[above], [
                    f"price {fmt(p)} is above {w} ({fmt(lim)}) for {who}{excess_note(p - lim) if within else ''} [{where}]"
                    for w, p, lim in zip(whats, price[above].tolist(), limit[above].tolist())
                ])
        if ceiling_price is not None:
            v.ceiling_price[idx] = ceiling_price
            v.has_ceiling_price[idx] = True
