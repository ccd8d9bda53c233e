"""Hospital stays over arrays (scalar: `compiler/runtime/steps/stays.py`).

    stay_heavy_act  100% from the 31st day; a stay with a heavy act at 100%,
                    its flat participation borne once (CSS R160-16 I 2°, V 3°)
    stay_days       the forfait journalier per day of the stay, each day at
                    that day's amount (CSS L174-4, R174-5-1)

A stay is (beneficiary, admission), as the scalar engine keys it. Its lines
the heavy-act rule concerns (an act the regime reimburses and on which the
flat participation applies) form one limit pool per beneficiary
(`STAY_POOL`, `evaluate._Vector.row_pools`): when one of them goes to the
scalar engine, all of them go, so that each stay is evaluated whole by one
evaluator, and the scalar engine's `mark_heavy_stays` sees all of it.
"""

from __future__ import annotations

import numpy as np

from garant.compiler.runtime.steps.stays import HEAVY_COEFFICIENT, HEAVY_THRESHOLD, LONG_STAY, PER_DAY, PSYCHIATRIC, STAY_FEES

STAY_POOL = "stay (heavy act)"  # the pool a stay's heavy-act lines share (`evaluate._closure`)


def _heavy_capable(v, r) -> bool:
    """The recipe's act is one `stay_heavy_act` runs on (scalar `stays._stay_act`)."""
    ra = v.product.regime_acts.get(r.node) if r is not None else None
    return ra is not None and ra.heavy_param is not None and not ra.not_reimbursed


def stay_heavy_act(v, by_combo) -> None:
    """Scalar `stay_heavy_act`: from the 31st consecutive day the AMO is
    the whole BR; in a stay with a heavy act (BR counted ≥ the threshold ×
    quantity, a stay's fees excepted), every line the engine prices is at
    100%, and the first heavy act in the engine's order (date, then file
    row) bears the flat participation when it falls before the 31st day.
    A stay with a line carrying the Sécu's AMO goes to the scalar engine
    whole (that AMO may say the line bore the flat participation:
    `mark_heavy_stays`)."""
    c = v.c
    if c.has_stay is None or not c.has_stay.any():
        return
    _join_pool(v)
    chunks = [(r, idx[c.has_stay[idx]]) for r, idx in by_combo if _heavy_capable(v, r)]
    for _r, idx in chunks:  # the Sécu's AMO may say the line bore the stay's flat participation: the scalar engine reads it
        v.fail[idx[c.has_amo[idx]]] = True
    chunks = [(r, idx[~c.has_amo[idx]]) for r, idx in chunks]
    chunks = [(r, idx) for r, idx in chunks if len(idx)]
    if not chunks:
        return
    rows = np.concatenate([idx for _r, idx in chunks])
    fees = np.concatenate([np.full(len(idx), r.node.rpartition(".")[2] == STAY_FEES) for r, idx in chunks])
    flat = np.concatenate([_flat(v, r, idx) for r, idx in chunks])
    long = c.date[rows] - c.admission[rows] >= LONG_STAY
    heavy = _heavy(v, rows, fees)
    stay, first = _first_heavy(v, rows, heavy)
    in_heavy_stay = first[stay] >= 0
    bearer = (first[stay] == np.arange(len(rows))) & ~long
    full = long | in_heavy_stay
    v.rate[rows[full]] = 10000
    counted = v.counted[rows]
    amo = np.where(bearer, counted - np.minimum(flat, counted), counted)
    v.amo[rows[full]] = v.amo_ref[rows[full]] = amo[full]


def _join_pool(v) -> None:
    """Every clean line of a stay on a heavy-capable act joins the
    beneficiary's stay pool, whether the vector way takes it or not."""
    c = v.c
    capable = np.array([_heavy_capable(v, r) for r in v.recipes] + [False], bool)
    combo = np.where(c.clean, c.combo, len(v.recipes))
    v.row_pools.append((np.flatnonzero(c.has_stay & capable[combo]), STAY_POOL))


def _flat(v, r, idx) -> np.ndarray:
    """The act's flat participation on each date (scalar `flat_once`); a
    date before its first value is the scalar engine's (it rejects)."""
    param = v.product.regime_acts[r.node].heavy_param
    on, none = v._value(param, v.c.date[idx])
    v.fail[idx] |= none & (v.c.date[idx] - v.c.admission[idx] < LONG_STAY)
    return on


def _heavy(v, rows, fees) -> np.ndarray:
    """Scalar `heavy_act`: a coefficient of 60 or more, or the BR counted
    at least the threshold × quantity, a stay's fees excepted; no
    threshold on the date: the scalar engine's."""
    c = v.c
    f = c.flows
    coefficient = np.zeros(len(rows), bool)
    if f is not None and f.any:  # a coefficient of 60 or more (`invoices.heavy_coefficient`)
        coefficient = f.has_coefficient[rows] & (f.coefficient[rows] >= HEAVY_COEFFICIENT)
    threshold = v.product.params.get(HEAVY_THRESHOLD)
    if threshold is None:
        return coefficient
    limit, none = v._value(threshold, c.date[rows])
    v.fail[rows] |= none & ~fees & ~coefficient
    return coefficient | (~fees & ~none & (v.counted[rows] >= limit * c.quantity[rows]))


def _first_heavy(v, rows, heavy):
    """(stay number per row, position in `rows` of each stay's first heavy
    line in the engine's order, -1 for a stay without one)."""
    c = v.c
    keys = np.stack([c.ben[rows], c.admission[rows]])
    _u, stay = np.unique(keys, axis=1, return_inverse=True)
    stay = stay.reshape(-1)
    first = np.full(int(stay.max()) + 1, -1, np.int64)
    at = np.flatnonzero(heavy)
    if len(at):
        order = at[np.lexsort((v.rows[rows[at]], c.date[rows[at]]))]
        firsts = order[::-1]  # assigned last wins: the earliest of each stay
        first[stay[firsts]] = firsts
    return stay, first


def stay_days(v, by_combo) -> None:
    """Scalar `stay_days`: a stay's regulated price for a per-day amount
    (the forfait journalier, or its psychiatric amount) is the sum of each
    day's amount, admission to discharge included; a quantity other than
    1 must be the number of days (else the scalar engine rejects)."""
    c = v.c
    if c.has_stay is None or not c.has_stay.any():
        return
    for r, idx in by_combo:
        names = [value.name for value, of_base, *_ in r.checks if not of_base and getattr(value, "name", None) in PER_DAY]
        if not names:
            continue
        idx = idx[c.has_stay[idx]]
        if not len(idx):
            continue
        days = c.discharge[idx] - c.admission[idx] + 1
        v.fail[idx] |= (c.quantity[idx] != 1) & (c.quantity[idx] != days)
        for name in names:
            general, psychiatric = (_sum_of_days(v, v.product.params[p], idx) for p in (name, PSYCHIATRIC[name]))
            mask, totals = v.regulated.setdefault(name, (np.zeros(v.n, bool), np.zeros(v.n, np.int64)))
            mask[idx] = True
            totals[idx] = np.where(c.psychiatric[idx], psychiatric, general)


def _sum_of_days(v, param, idx) -> np.ndarray:
    """Σ of the parameter's amount on each day from admission to discharge:
    the interval split at the parameter's dated values (scalar `_days_at`);
    a day before its first value is the scalar engine's (it rejects)."""
    c = v.c
    first, last = c.admission[idx], c.discharge[idx]
    starts = np.array(param._ordinals, np.int64)
    ends = np.append(starts[1:] - 1, np.iinfo(np.int64).max)
    values = np.array(param.values, np.int64)
    total = np.zeros(len(idx), np.int64)
    for start, end, value in zip(starts.tolist(), ends.tolist(), values.tolist()):
        days = np.minimum(last, end) - np.maximum(first, start) + 1
        total += np.maximum(days, 0) * value
    psychiatric = param.name in PSYCHIATRIC.values()
    applies = c.has_stay[idx] & (c.psychiatric[idx] if psychiatric else ~c.psychiatric[idx])
    v.fail[idx] |= applies & (first < starts[0])
    return total


def stay_sums(v, value, rows, otherwise: np.ndarray) -> np.ndarray:
    """Per row of `rows`, a stay's per-day amount `value` over its days (the
    psychiatric amount for a psychiatric stay: scalar `stays.stay_amount`),
    `otherwise` for a row without a stay or an amount not per day."""
    c = v.c
    name = getattr(value, "name", None)
    if c.has_stay is None or name not in PER_DAY or not c.has_stay[rows].any():
        return otherwise
    general, psychiatric = (_sum_of_days(v, v.product.params[p], rows) for p in (name, PSYCHIATRIC[name]))
    return np.where(c.has_stay[rows], np.where(c.psychiatric[rows], psychiatric, general), otherwise)


def regulated(v, value, idx, limit: np.ndarray, names) -> np.ndarray:
    """The price checks' limit per row of `idx`: a stay's sum of days
    where `stay_days` set one for `value` (and no status reduces it to
    another amount: `names`, from `status.reduced_names`), else `limit`."""
    got = v.regulated.get(getattr(value, "name", None)) if v.regulated else None
    if got is None:
        return limit
    mask, totals = got
    take = mask[idx]
    if names is not None:
        take &= np.array([n is None for n in names], bool)
    return np.where(take, totals[idx], limit)
