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

from garant.batch.vector.steps.stays import stay_sums
from garant.compiler.runtime.rules import Param
from garant.compiler.runtime.steps.status import exonerates


def _held(product, pair) -> tuple:
    exemption, scheme = pair
    return tuple(st for st in (product.statuses.get(exemption), product.schemes.get(scheme)) if st is not None)


def beneficiary_status(v, by_combo) -> None:
    """Rates, increase and amounts not due of the statuses held (scalar
    `beneficiary_status`). The rates are taken over all rows at once,
    grouped by the rates their statuses give on their act (a few
    distinct groups in a year of claims), not combination by combination."""
    status = v.c.status
    if status is None or not status.any():
        return
    held = [_held(v.product, pair) for pair in v.c.status_pairs]
    sources: dict[tuple, int] = {}  # the rates a pair of statuses gives on an act → group id
    tables: dict[str, tuple] = {}  # act → (group id per status code, keeps the increase per code)
    rows_at, groups_at, increase, exonerated = [], [], np.zeros(v.n, np.int64), np.zeros(v.n, bool)
    for r, idx in by_combo:
        codes = status[idx]
        if not codes.any():
            continue
        if r.not_reimbursed:
            for code in np.unique(codes[codes > 0]).tolist():
                _not_due(v, r, idx[codes == code], held[code])
            continue
        table, keeps, exon = tables.get(r.node) or tables.setdefault(r.node, _rate_table(v.product, r.node, held, sources))
        group = table[codes]
        taken = (group >= 0) & ~v.c.has_amo[idx]  # a claim's own AMO is kept as sent
        if v.c.flows is not None and v.c.flows.any:
            taken &= ~v.c.flows.has_amo_rate[idx]  # and so is the Sécu's own rate (`flow.statement_rate`)
        exonerated[idx[taken]] = exon[codes[taken]]
        rows_at.append(idx[taken])
        groups_at.append(group[taken])
        if r.parcours_rate is not None and keeps.any():
            _increase(v, r, idx[taken & keeps[codes]], increase)
    if rows_at:
        rows = np.concatenate(rows_at)
        _apply(v, rows, _best(v, sources, rows, np.concatenate(groups_at)), increase[rows], exonerated[rows])


def _rate_table(product, node, held: list, sources: dict) -> tuple:
    """(group id per status code, -1 where its statuses give no rate on the
    act; whether each code keeps the hors-parcours increase; whether it
    exempts from the ticket modérateur, scalar `exonerates`)."""
    ancestors = product.ancestors[node]
    table = np.full(len(held), -1, np.int64)
    keeps = np.zeros(len(held), bool)
    exon = np.zeros(len(held), bool)
    for code, statuses in enumerate(held):
        rates = tuple(got[0] for st in statuses if (got := st.rate_for(ancestors)) is not None)
        if rates:
            table[code] = sources.setdefault(rates, len(sources))
            keeps[code] = any(st.increase for st in statuses)
            exon[code] = exonerates(statuses, ancestors)
    return table, keeps, exon


def _best(v, sources: dict, rows, groups) -> np.ndarray:
    """The highest rate of each row's statuses on its date of care."""
    best = np.zeros(len(rows), np.int64)
    dates = v.c.date[rows]
    for rates, k in sources.items():
        at = groups == k
        if not at.any():
            continue
        top = None
        for value in rates:
            on, none = v._value(value if isinstance(value, int) else v.product.params[value], dates[at])
            v.fail[rows[at]] |= none
            top = on if top is None else np.maximum(top, on)
        best[at] = top
    return best


def _increase(v, r, rows, increase: np.ndarray) -> None:
    """CSS R160-6: the regime's rate in the parcours less the row's rate (scalar `hors_parcours_increase`)."""
    if len(rows):
        parcours, none, _ = v._entry(r.parcours_rate, rows, v.c.date[rows])
        v.fail[rows] |= none
        increase[rows] = np.maximum(parcours - v.rate[rows], 0)


def _apply(v, rows, best, increase, exonerated) -> None:
    """The status's rate less the increase, where it raises the regime's,
    or lifts a flat participation (scalar `status_rate`)."""
    current = v.rate[rows]
    paid = np.maximum(best - increase, current)
    counted = v.counted[rows]
    amo = (counted * paid + 5000) // 10000
    change = (paid > current) | (increase > 0) | (exonerated & (amo > v.amo[rows]))
    ref = np.where((increase > 0) & bool(v.product.responsable), (counted * best + 5000) // 10000, amo)
    ref = np.maximum(np.maximum(ref, v.amo_ref[rows]), amo)
    v.rate[rows] = np.where(change, paid, current)
    v.amo[rows] = np.where(change, amo, v.amo[rows])
    v.amo_ref[rows] = np.where(change, ref, v.amo_ref[rows])


def _not_due(v, r, rows, held) -> None:
    """A regulated amount a status exempts from: taken on by the regime (scalar `not_due`)."""
    c = v.c
    for value, of_base, _what, _where, _within in r.checks:
        if of_base or not isinstance(value, Param):
            continue
        if any(value.name in st.exempt for st in held):
            on, none = v._value(value, c.date[rows])
            v.fail[rows] |= none
            amo = np.minimum(c.price[rows], stay_sums(v, value, rows, on * c.quantity[rows]))  # a stay: its days
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


def reduced_names(v, value, idx) -> list | None:
    """Per row of `idx`, the parameter a status reduces `value` to (None
    where none does), for the warning's words; None when no row has one."""
    status = v.c.status
    if status is None or not isinstance(value, Param) or not status[idx].any():
        return None
    names: list = [None] * len(idx)
    for code, pair in enumerate(v.c.status_pairs):
        repl = None if code == 0 else next((st.reduced[value.name][0] for st in _held(v.product, pair) if value.name in st.reduced), None)
        if repl is not None:
            for j in np.nonzero(status[idx] == code)[0].tolist():
                names[j] = repl
    return names


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
