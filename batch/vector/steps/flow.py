"""The vector twins of the statement and invoice steps
(`compiler/runtime/steps/statement.py`, `invoices.py`); a stay's are
`stays.py`.

The Sécu's statement and the feuilles de soins are vectorised (their
columns: `batch/vector/flow_columns.py`):

- `statement_rate`: the claim's `amo_rate` is the rate, AMO = rate × BR
  per row (half up) when the claim sent no `amo`; a rate other than the
  regime's is warned about and marked in `differs`;
- `invoice_acts`: the participation forfaitaire per act, at most 4 a day
  for one professional: a grouped cumulative count over (beneficiary,
  professional or invoice, day) in file order (`v.pf_acts`, read by
  `deductions._demand`);
- `statement_deductions`: the given PF and franchise replace the computed
  ones (the yearly caps' running sums count the given figures:
  `deductions._cap`), warned about where they differ.

The heavy-act participation per act or per session (coefficient ≥ 60
included) is `sessions.py`'s; the franchises' daily caps per professional
`deductions._day_cap`'s.

Scalar still, by record (`v.flow_scalar`, `evaluate._Vector.run`): a
professional's day that mixes a given PF or franchise with other lines
(the day's count follows the statement, line by line); a session with a
line the vectorised way does not take.
"""

from __future__ import annotations

import numpy as np

from garant.compiler.runtime.money import fmt, fmt_rate
from garant.compiler.runtime.steps.invoices import PF_PER_DAY

AMO_RATE, PF, FRANCHISE = 4, 8, 16  # bits of `v.differs` (`decompte.GIVEN`)


def statement_rate(v, by_combo) -> None:
    """Scalar `statement_rate`: the claim's `amo_rate` is the rate; without
    the claim's `amo`, AMO gross = that rate × BR, half up."""
    f = v.c.flows
    if f is None or not f.any or not f.has_amo_rate.any():
        return
    for _r, idx in by_combo:
        rows = idx[f.has_amo_rate[idx]]
        if not len(rows):
            continue
        given, mine = f.amo_rate[rows], v.rate[rows]
        diff = given != mine
        if diff.any():
            v._note(rows[diff], [f"the Sécu's `amo_rate` {fmt_rate(g)} differs from Garant's {fmt_rate(m)}; the Sécu's is used"
                                 for g, m in zip(given[diff].tolist(), mine[diff].tolist())])
            v.differs[rows[diff]] |= AMO_RATE
        v.rate[rows] = given
        own = rows[~v.c.has_amo[rows]]
        v.amo[own] = v.amo_ref[own] = (v.counted[own] * f.amo_rate[own] + 5000) // 10000


def invoice_acts(v, by_combo) -> None:
    """Scalar `invoice_acts` (CSS D160-8): on a feuille de soins, the acts
    bearing a participation forfaitaire, at most 4 a day for one
    professional, counted across that professional's lines of the day in
    file order: used before a line = min(4, the earlier lines' acts)."""
    f = v.c.flows
    if f is None or not f.any or not (f.who >= 0).any():
        return
    chunks = [idx[f.who[idx] >= 0] for r, idx in by_combo if r.deduction is not None and r.deduction[2] and not r.deduction[1]]
    chunks = [k for k in chunks if len(k)]
    if not chunks:
        return
    c = v.c
    idx = np.concatenate(chunks)
    order = np.lexsort((v.rows[idx], c.date[idx], f.who[idx], c.ben[idx]))
    idx = idx[order]
    key = np.stack([c.ben[idx], f.who[idx], c.date[idx]])
    start = np.r_[True, (key[:, 1:] != key[:, :-1]).any(axis=0)]
    group = np.cumsum(start) - 1
    q = c.quantity[idx]
    total = np.cumsum(q)
    first = np.flatnonzero(start)
    before = total - q - (total - q)[first][group]  # acts of the group's earlier lines
    used = np.minimum(before, PF_PER_DAY)
    v.pf_acts[idx] = np.minimum(q, PF_PER_DAY - used)
    given = f.has_pf[idx]
    if given.any():  # a day mixing a given PF with other lines: the day counts the statement's, line by line
        size = np.bincount(group)
        mixed = np.zeros(len(size), bool)
        mixed[group[given]] = True
        v.flow_scalar[idx[mixed[group] & (size[group] > 1)]] = True


def statement_deductions(v, by_combo) -> None:
    """Scalar `statement_deductions`: the claim's `participation_forfaitaire`
    and `franchise` replace Garant's (a difference is warned about);
    together more than the AMO: the claim is the scalar engine's to reject."""
    f = v.c.flows
    if f is None or not f.any or not (f.has_pf.any() or f.has_franchise.any()):
        return
    for _r, idx in by_combo:
        sel = f.has_pf[idx] | f.has_franchise[idx]
        if not sel.any():
            continue
        rows = idx[sel]
        for has, value, mine_of, name, bit in ((f.has_pf, f.pf, v.pf, "participation_forfaitaire", PF),
                                               (f.has_franchise, f.franchise, v.franchise, "franchise", FRANCHISE)):
            at = rows[has[rows]]
            given, mine = value[at], mine_of[at]
            diff = given != mine
            if diff.any():
                v._note(at[diff], [f"the Sécu's `{name}` {fmt(g)} differs from Garant's {fmt(m)}; the Sécu's is used"
                                   for g, m in zip(given[diff].tolist(), mine[diff].tolist())])
                v.differs[at[diff]] |= bit
            mine_of[at] = given
        v.fail[rows] |= v.pf[rows] + v.franchise[rows] > v.amo[rows]


