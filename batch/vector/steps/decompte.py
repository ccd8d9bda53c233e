"""The décomptes of the vectorised rows, as Arrow columns (scalar `decompte`)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from garant.batch.io import arrow_of
from garant.batch.parallel import each
from garant.batch.vector.running import dense_codes
from garant.batch.output import WARNING_SEPARATOR, decompte_schema, money_column, texts_at
from garant.compiler.runtime.money import fmt_rate

_EPOCH = 719163  # dt.date(1970, 1, 1).toordinal()
# The `given` and `differs` columns of the rows the vector way keeps, as
# the scalar décompte lists them: bit 1 base, 2 amo, 4 amo_rate, 8
# participation_forfaitaire, 16 franchise (`flow.py`); `given` in the
# statement's order (`claims.given_fields`), `differs` in the order the
# steps find them.
_BITS = (1, "base"), (2, "amo"), (4, "amo_rate"), (8, "participation_forfaitaire"), (16, "franchise")
_GIVEN_ORDER = ("base", "amo_rate", "amo", "participation_forfaitaire", "franchise")
DIFFERS = np.array([" ".join(name for bit, name in _BITS if k & bit) for k in range(32)], object)
GIVEN = np.array([" ".join(name for name in _GIVEN_ORDER if any(k & bit for bit, n in _BITS if n == name)) for k in range(32)], object)


def decomptes(v, mask: np.ndarray) -> pa.Table:
    """AMO net = AMO − PF − franchise, reste à charge = price − AMO net −
    AMC, for the rows of `mask`, in the scalar run's columns."""
    c = v.c
    idx = np.nonzero(mask)[0]
    every = len(idx) == v.n  # every row: the columns as they are, no copy taken

    def rows_of(values: pa.Array) -> pa.Array:
        return values if every else values.take(arrow_of(idx))

    combos = c.combo[idx]
    price = c.price[idx]
    amo = v.amo[idx]
    amo_net = amo - v.pf[idx] - v.franchise[idx]
    amc = v.amc[idx]

    def per_combo(field: str) -> pa.Array:
        return texts_at(pa.array([getattr(r, field) if r is not None else None for r in v.recipes], pa.string()), combos)

    thunks = {
        "id": lambda: rows_of(c.ids),
        "row": lambda: arrow_of(v.rows[idx]),
        "beneficiary": lambda: rows_of(c.beneficiaries),
        "date": lambda: date_column(c.date[idx]),
        "act": lambda: per_combo("act"),
        "provider": lambda: per_combo("provider"),
        "exemption": lambda: per_status(c, idx, 0),
        "scheme": lambda: per_status(c, idx, 1),
        "price": lambda: money_column(price),
        "base": lambda: money_column(v.base[idx]),
        "amo_rate": lambda: rate_column(v.rate[idx]),
        "amo": lambda: money_column(amo),
        "participation_forfaitaire": lambda: money_column(v.pf[idx]),
        "franchise": lambda: money_column(v.franchise[idx]),
        "amo_net": lambda: money_column(amo_net),
        "amc": lambda: money_column(amc),
        "rac": lambda: money_column(price - amo_net - amc),
        "given": lambda: texts_at(_GIVEN, given_bits(c, idx)),
        "differs": lambda: texts_at(_DIFFERS, v.differs[idx]),
        "rule": lambda: per_combo("rule"),
        "warnings": lambda: warnings(v, idx),
    }
    columns = dict(zip(thunks, each(list(thunks.values()), len(idx))))  # the columns side by side (`parallel.py`)
    schema = decompte_schema(v.product, False)
    return pa.table([columns[name] for name in schema.names], schema=schema)


_DIFFERS = pa.array(DIFFERS.tolist(), pa.string())  # taken per claim: no Python object per claim
_GIVEN = pa.array(GIVEN.tolist(), pa.string())


def rate_column(rates: np.ndarray) -> pa.Array:
    """Basis points as the décompte's rate text ("70%"): each distinct rate
    formatted once (found through a table of the rates' short span, not a sort)."""
    if not len(rates):
        return pa.array([], pa.string())
    low = int(rates.min())
    distinct, at = dense_codes(rates - low, int(rates.max()) - low + 1)
    return texts_at(pa.array([fmt_rate(r + low) for r in distinct.tolist()], pa.string()), at)


def date_column(ordinals: np.ndarray) -> pa.Array:
    """Date ordinals as ISO text ("2025-03-14"): a run's dates span a few
    hundred days, each formatted once, then taken per claim."""
    if len(ordinals) > 1024:
        low, high = int(ordinals.min()), int(ordinals.max())
        if high - low < 1 << 16:
            texts = pc.cast(arrow_of(np.arange(low - _EPOCH, high - _EPOCH + 1, dtype=np.int64), pa.date32()), pa.string())
            return texts.take(arrow_of(ordinals - low))
    return pc.cast(arrow_of(ordinals - _EPOCH, pa.date32()), pa.string())


def given_bits(c, idx: np.ndarray) -> np.ndarray:
    """The Sécu's figures each claim carried, as `DIFFERS` bits."""
    bits = c.has_base[idx].astype(np.int64) + 2 * c.has_amo[idx].astype(np.int64)
    f = c.flows
    if f is not None and f.any:
        bits = bits + 4 * f.has_amo_rate[idx] + 8 * f.has_pf[idx] + 16 * f.has_franchise[idx]
    return bits


def per_status(c, idx: np.ndarray, k: int) -> pa.Array:
    """The claims' exemption (k = 0) or scheme (k = 1), null when absent."""
    if c.status is None or all(pair[k] is None for pair in c.status_pairs):  # none given: no copy per claim
        return pa.nulls(len(idx), pa.string())
    values = pa.array([pair[k] for pair in c.status_pairs], pa.string())
    return values.take(pa.array(c.status[idx]))


def warnings(v, idx: np.ndarray) -> pa.Array:
    """Each décompte's warnings joined as the scalar run joins them
    (`output.WARNING_SEPARATOR`), "" for none; each claim's in the order noted."""
    if not v._note_at:  # no warning at all: n empty texts, made as one buffer of zero offsets
        return pa.Array.from_buffers(pa.string(), len(idx), [None, pa.py_buffer(np.zeros(len(idx) + 1, np.int32)), pa.py_buffer(b"")])
    full = np.full(v.n, "", object)
    if v._note_at:
        at = np.concatenate(v._note_at)
        order = np.argsort(at, kind="stable")  # by claim, each claim's in the order noted
        at = at[order]
        texts = v._note_texts
        texts = [texts[i] for i in order.tolist()]
        starts = np.flatnonzero(np.r_[True, at[1:] != at[:-1]])
        ends = np.r_[starts[1:], len(at)]
        full[at[starts]] = [texts[s] if e - s == 1 else WARNING_SEPARATOR.join(texts[s:e]) for s, e in zip(starts.tolist(), ends.tolist())]
    return pa.array(full[idx], pa.string())
