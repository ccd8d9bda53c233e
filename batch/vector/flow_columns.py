"""The Sécu's statement, feuille de soins and coefficient fields as numpy columns.

    flows = flow_columns(table, n)   # FlowColumns; `.bad`: records the reader must read

Issue 17's claim fields beyond `base` and `amo` that the vectorised
evaluator takes (`steps/flow.py`): `amo_rate` (basis points),
`participation_forfaitaire` and `franchise` (cents), `invoice` and
`professional` (a code per session holder: the professional, or the
invoice when it names none, as `steps.invoices.session_of` spells it),
`coefficient` (hundredths). Each distinct value goes through the claim
reader's own conversion (`claims.py`), so a value the reader would reject
is `bad` here (its beneficiary goes to the scalar engine, where the
rejection names the field). A stay's fields are read by
`columns._stays` (`steps/stays.py`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from garant.compiler.runtime.claims import Claim, _amount, _rate, read_coefficient
from garant.compiler.runtime.decompte import ClaimError

_TEXT = (pa.string(), pa.large_string())
_WHOLE = (pa.int64(), pa.int32(), pa.int16(), pa.int8())


@dataclass
class FlowColumns:
    amo_rate: np.ndarray  # int64 basis points
    has_amo_rate: np.ndarray
    pf: np.ndarray  # int64 cents: the participation forfaitaire the Sécu took
    has_pf: np.ndarray
    franchise: np.ndarray
    has_franchise: np.ndarray
    who: np.ndarray  # int64 code of the session holder (professional, else invoice); -1: no feuille de soins
    coefficient: np.ndarray  # int64 hundredths
    has_coefficient: np.ndarray
    bad: np.ndarray  # a value the reader would reject, or a type this module leaves to it
    any: bool  # some record carries one of these fields


def _col(table: pa.Table, name: str):
    if name not in table.schema.names:
        return None
    col = table.column(name)
    col = col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col
    return None if col.null_count == len(col) else col


def _present(col) -> np.ndarray:
    """Whether each record gives the field (blank text counts as absent, as the reader says)."""
    present = pc.is_valid(col)
    if col.type in _TEXT:
        present = pc.and_(present, pc.invert(pc.equal(pc.utf8_trim_whitespace(col), "")))
    return pc.fill_null(present, False).to_numpy(zero_copy_only=False)


def _converted(col, n: int, convert):
    """(value int64, present, bad) per record: `convert` once per distinct value."""
    values = np.zeros(n, np.int64)
    bad = np.zeros(n, bool)
    if col is None:
        return values, np.zeros(n, bool), bad
    present = _present(col)
    if col.type not in _TEXT and col.type not in _WHOLE:
        return values, present, present.copy()  # the reader reads and judges it
    encoded = pc.dictionary_encode(col)
    codes = pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False).astype(np.int64)
    table_v = np.zeros(len(encoded.dictionary) + 1, np.int64)
    table_b = np.zeros(len(encoded.dictionary) + 1, bool)
    for k, raw in enumerate(encoded.dictionary.to_pylist()):
        try:
            got = convert(raw)
        except ClaimError:
            table_b[k] = True
            continue
        table_v[k] = got if got is not None else 0
    values = table_v[codes]
    bad = table_b[codes] & present
    return np.where(present, values, 0), present, bad


def _coefficient(raw) -> int | None:
    c = Claim()
    c.coefficient = None
    read_coefficient({"coefficient": raw}, c)
    return c.coefficient


def _who(table: pa.Table, n: int):
    """(code per record, -1 without a feuille de soins; bad): the session holder."""
    cols = [_col(table, name) for name in ("invoice", "professional")]
    bad = np.zeros(n, bool)
    texts = []
    for col in cols:
        if col is None:
            texts.append(pa.nulls(n, pa.string()))
            continue
        present = _present(col)
        if col.type in _WHOLE:
            col = pc.cast(col, pa.string())
        elif col.type not in _TEXT:
            bad |= present
            texts.append(pa.nulls(n, pa.string()))
            continue
        texts.append(pc.if_else(pa.array(present), pc.utf8_trim_whitespace(col), pa.scalar(None, pa.string())))
    invoice, professional = texts
    who = pc.coalesce(professional, pc.binary_join_element_wise("invoice ", invoice, ""))
    encoded = pc.dictionary_encode(who)
    codes = pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False).astype(np.int64)
    return codes, bad


def flow_columns(table: pa.Table, n: int) -> FlowColumns:
    names = ("amo_rate", "participation_forfaitaire", "franchise", "invoice", "professional", "coefficient")
    if not any(_col(table, name) is not None for name in names):
        z, f = np.zeros(n, np.int64), np.zeros(n, bool)
        return FlowColumns(z, f, z, f, z, f, np.full(n, -1, np.int64), z, f, f, False)
    rate, has_rate, bad_rate = _converted(_col(table, "amo_rate"), n, _rate)
    pf, has_pf, bad_pf = _converted(_col(table, "participation_forfaitaire"), n,
                                     lambda v: _amount({"participation_forfaitaire": v}, "participation_forfaitaire", False))
    fr, has_fr, bad_fr = _converted(_col(table, "franchise"), n, lambda v: _amount({"franchise": v}, "franchise", False))
    coef, has_coef, bad_coef = _converted(_col(table, "coefficient"), n, _coefficient)
    who, bad_who = _who(table, n)
    return FlowColumns(rate, has_rate, pf, has_pf, fr, has_fr, who, coef, has_coef,
                       bad_rate | bad_pf | bad_fr | bad_coef | bad_who, True)
