"""Heavy acts out of a stay, over arrays (scalar: `compiler/runtime/steps/invoices.session_heavy_act`).

CSS R160-16 I: an act whose tariff is at least the threshold (120€), or
whose coefficient is at least 60, bears the flat participation (24€)
instead of the ticket modérateur: AMO = base − flat, rate 100%. Alone,
each such act bears it; on a feuille de soins, the acts of one session
(one professional, or one invoice naming none, on one day) are added up
to reach the threshold (`invoices.session_tariffs`) and the session bears
one flat participation, taken from its acts in file order, each at most
its base: with C_i the session's bases summed up to act i, act i bears
min(C_i, flat) − min(C_{i−1}, flat).

A session with a line the vectorised way does not take (or the regime
rejects) is left whole to the scalar engine (`v.flow_scalar`), whose
session sums see all of its lines. Lines with the Sécu's `amo` or
`amo_rate` keep them, as the scalar step does, and a stay's lines are
`stays.py`'s.
"""

from __future__ import annotations

import numpy as np

from garant.compiler.runtime.steps.invoices import HEAVY_COEFFICIENT
from garant.compiler.runtime.steps.stays import HEAVY_THRESHOLD, STAY_FEES


def session_heavy_act(v, by_combo) -> None:
    """The flat participation on heavy acts, per act or per session."""
    c = v.c
    f = c.flows
    threshold = v.product.params.get(HEAVY_THRESHOLD)
    alone, session = [], []
    for r, idx in by_combo:
        if not r.heavy or r.not_reimbursed:
            continue
        keep = ~c.has_amo[idx] & ~c.has_stay[idx]  # a stay's acts: `stays.stay_heavy_act`'s
        if f is not None and f.any:
            keep &= ~f.has_amo_rate[idx]
        sheet = (f.who[idx] >= 0) if f is not None and f.any else np.zeros(len(idx), bool)
        param = v.product.regime_acts[r.node].heavy_param
        fees = r.node.rpartition(".")[2] == STAY_FEES
        alone.append((param, fees, idx[keep & ~sheet]))
        session.append((param, fees, idx[keep & sheet]))
    for param, fees, idx in alone:
        if len(idx):
            _alone(v, param, threshold, fees, idx)
    if any(len(s[2]) for s in session):
        _sessions(v, threshold, session, np.concatenate([idx for _r, idx in by_combo]))


def _coefficient(v, idx) -> np.ndarray:
    f = v.c.flows
    if f is None or not f.any:
        return np.zeros(len(idx), bool)
    return f.has_coefficient[idx] & (f.coefficient[idx] >= HEAVY_COEFFICIENT)


def _alone(v, param, threshold, fees: bool, idx) -> None:
    """An act by itself: heavy by its coefficient, or by its base (at
    least the threshold × quantity, a stay's fees excepted)."""
    c = v.c
    heavy = _coefficient(v, idx)
    if threshold is not None and not fees:
        limit, none = v._value(threshold, c.date[idx])
        v.fail[idx] |= none & ~heavy
        heavy |= ~none & (v.counted[idx] >= limit * c.quantity[idx])
    _bear(v, param, idx[heavy], v.counted[idx[heavy]])


def _bear(v, param, idx, share_cap) -> None:
    """AMO = base − the flat participation (at most `share_cap`), rate 100%."""
    if not len(idx):
        return
    flat, none = v._value(param, v.c.date[idx])
    v.fail[idx] |= none
    share = np.minimum(flat, share_cap)
    v.rate[idx] = 10000
    v.amo[idx] = v.amo_ref[idx] = v.counted[idx] - share


def _sessions(v, threshold, session, taken) -> None:
    """The sessions of a feuille de soins: their acts' bases added up,
    one flat participation shared in file order."""
    c = v.c
    f = c.flows
    idx = np.concatenate([s[2] for s in session])
    fees = np.concatenate([np.full(len(s[2]), s[1]) for s in session])
    params = [s[0] for s in session if len(s[2])]
    if any(p is not params[0] for p in params):  # two flat participations in one batch of sessions: the scalar engine's
        v.flow_scalar[idx] = True
        return
    order = np.lexsort((v.rows[idx], c.date[idx], f.who[idx], c.ben[idx]))
    idx, fees = idx[order], fees[order]
    ben, who, date = c.ben[idx], f.who[idx], c.date[idx]
    start = np.r_[True, (ben[1:] != ben[:-1]) | (who[1:] != who[:-1]) | (date[1:] != date[:-1])]
    group = np.cumsum(start) - 1
    _whole(v, idx, group, taken)
    counted = np.where(v.fail[idx], 0, v.counted[idx])  # a line the regime rejects adds nothing (its session is scalar anyway)
    total = np.add.reduceat(counted, np.flatnonzero(start))[group]
    coefficient = _coefficient(v, idx)
    heavy_session = np.zeros(group[-1] + 1, bool)
    heavy_session[group[coefficient]] = True
    heavy = coefficient.copy()
    if threshold is not None:
        limit, none = v._value(threshold, date)
        v.fail[idx] |= none & ~coefficient & ~fees
        heavy |= ~fees & ~none & ((total >= limit) | heavy_session[group])
    at, grp = idx[heavy], group[heavy]
    if not len(at):
        return
    base = v.counted[at]
    summed = np.cumsum(base)
    first = np.r_[True, grp[1:] != grp[:-1]]
    before = summed - base - (summed - base)[first][np.cumsum(first) - 1]
    flat, _none = v._value(params[0], c.date[at])
    _bear(v, params[0], at, np.minimum(before + base, flat) - np.minimum(before, flat))


def _whole(v, idx, group, taken) -> None:
    """A session with a line the vector way leaves to the scalar engine (a
    rejection, or a line of the same session it does not take) is the
    scalar engine's whole."""
    c = v.c
    f = c.flows
    candidate = np.zeros(v.n, bool)
    candidate[taken] = True
    sheet = np.flatnonzero(f.who >= 0)
    outside = sheet[~candidate[sheet]]
    bad = v.fail[idx].copy()
    if len(outside):
        key = lambda rows: (c.ben[rows] * (int(f.who.max()) + 1) + f.who[rows]) * 800_000 + c.date[rows]  # noqa: E731
        bad |= np.isin(key(idx), key(outside))
    scalar = np.zeros(group[-1] + 1, bool)
    scalar[group[bad]] = True
    v.flow_scalar[idx[scalar[group]]] = True
