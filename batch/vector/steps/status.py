"""The beneficiary's status and local scheme over arrays (scalar:
`compiler/runtime/steps/status.py`).

Rows are grouped by combination and by their (exemption, scheme) pair
(`columns.ClaimColumns.status`, code 0 for none): each group gets the
scalar step's rate, hors-parcours increase and amounts not due, with its
integer arithmetic. `exempt_rows` and `reduced_values` let the deduction
and price-check steps honour the statuses the same way.
"""

from __future__ import annotations

import numpy as np

from garant.compiler.runtime.rules import Param


def _held(product, pair) -> tuple:
    exemption, scheme = pair
    return tuple(st for st in (product.statuses.get(exemption), product.schemes.get(scheme)) if st is not None)


def _groups(v, idx):
    """(rows, statuses held) for each status pair among the rows `idx`."""
    codes = v.c.status[idx]
    if not codes.any():
        return
    for code in np.unique(codes[codes > 0]).tolist():
        yield idx[codes == code], _held(v.product, v.c.status_pairs[code])


def beneficiary_status(v, by_combo) -> None:
    """Rates, increase and amounts not due of the statuses held (scalar `beneficiary_status`)."""
    if v.c.status is None or not v.c.status.any():
        return
    for r, idx in by_combo:
        for rows, held in _groups(v, idx):
            if r.not_reimbursed:
                _not_due(v, r, rows, held)
            else:
                _status_rate(v, r, rows[~v.c.has_amo[rows]], held)


def _status_rate(v, r, rows, held) -> None:
    """The highest rate the statuses give on the act, less the increase (scalar `status_rate`)."""
    if not len(rows):
        return
    product = v.product
    ancestors = product.ancestors[r.node]
    d = v.c.date[rows]
    best = None
    for st in held:
        got = st.rate_for(ancestors)
        if got is None:
            continue
        value = got[0] if isinstance(got[0], int) else product.params[got[0]]
        on, none = v._value(value, d)
        v.fail[rows] |= none
        best = on if best is None else np.maximum(best, on)
    if best is None:
        return
    current = v.rate[rows]
    increase = np.zeros(len(rows), np.int64)
    if r.parcours_rate is not None and any(st.increase for st in held):
        parcours, none, _ = v._entry(r.parcours_rate, rows, d)
        v.fail[rows] |= none
        increase = np.maximum(parcours - current, 0)
    paid = np.maximum(best - increase, current)
    change = (paid > current) | (increase > 0)
    counted = v.counted[rows]
    amo = (counted * paid + 5000) // 10000
    ref = np.where((increase > 0) & bool(product.responsable), (counted * best + 5000) // 10000, amo)
    ref = np.maximum(np.maximum(ref, v.amo_ref[rows]), amo)
    v.rate[rows] = np.where(change, paid, current)
    v.amo[rows] = np.where(change, amo, v.amo[rows])
    v.amo_ref[rows] = np.where(change, ref, v.amo_ref[rows])


def _not_due(v, r, rows, held) -> None:
    """A regulated amount a status exempts from: taken on by the regime (scalar `not_due`)."""
    c = v.c
    for value, of_base, _what, _where in r.checks:
        if of_base or not isinstance(value, Param):
            continue
        if any(value.name in st.exempt for st in held):
            on, none = v._value(value, c.date[rows])
            v.fail[rows] |= none
            amo = np.minimum(c.price[rows], on * c.quantity[rows])
            v.base[rows] = v.counted[rows] = v.amo[rows] = v.amo_ref[rows] = amo
            v.rate[rows] = 10000
            return


def exempt_rows(v, param, idx) -> np.ndarray | None:
    """Rows of `idx` whose statuses exempt them from the deduction `param`, or None."""
    status = v.c.status
    if status is None or not status.any():
        return None
    codes = status[idx]
    table = np.array([any(param.name in st.exempt for st in _held(v.product, pair)) for pair in v.c.status_pairs], bool)
    return table[codes] if table.any() else None


def reduced_values(v, value, idx, on: np.ndarray) -> np.ndarray:
    """The regulated amount per row of `idx`, a status's reduced one where
    it holds (scalar `status.reduced`)."""
    status = v.c.status
    if status is None or not isinstance(value, Param) or not status[idx].any():
        return on
    for rows_mask_code, pair in enumerate(v.c.status_pairs):
        if rows_mask_code == 0:
            continue
        repl = next((st.reduced[value.name][0] for st in _held(v.product, pair) if value.name in st.reduced), None)
        if repl is None:
            continue
        mask = status[idx] == rows_mask_code
        if mask.any():
            other, none = v._value(v.product.params[repl], v.c.date[idx][mask])
            v.fail[idx[mask]] |= none
            on = on.copy()
            on[mask] = other
    return on
