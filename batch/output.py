"""Décomptes and rejections as Arrow tables, the shape `garant run` writes.

Amounts are decimal strings with two decimals, rates `"70%"`, exactly as
`garant eval --format json` prints them (spec §5), so a file and a JSON
answer can be compared field by field. Integer cents become text through
Arrow compute (one pass per column) rather than a Python call per amount.
"""

from __future__ import annotations

from operator import attrgetter

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from garant.batch.io import INTERNAL, arrow_of
from garant.compiler.runtime.decompte import AMOUNT_FIELDS
from garant.compiler.runtime.plan_decompte import EXTRA_AMOUNTS, PLAN_AMOUNTS
from garant.compiler.runtime.money import fmt_rate
from garant.compiler.runtime.trace import render_warning

WARNING_SEPARATOR = " | "
REJECTION_HEAD = ("id", "row", "reason", "field")


def decompte_columns(product, trace: bool = False) -> tuple[str, ...]:
    """The columns of a product's décomptes: those of its `to_dict()` (spec
    §5), plus `row`; `warnings` joined; `trace` (text) on request."""
    if getattr(product, "kind", "contract") == "plan":
        names = ("id", "row", "beneficiary", "family", "date", "act", "provider", "price", *PLAN_AMOUNTS, *EXTRA_AMOUNTS, "denied")
    else:
        names = ("id", "row", "beneficiary", "date", "act", "provider", "exemption", "scheme", "price", "base", "amo_rate",
                 *AMOUNT_FIELDS[2:], *MARKS)
    return (*names, "rule", "warnings") + (("trace",) if trace else ())


MARKS = ("given", "differs")  # the Sécu's figures a claim carried, those differing from the regime's: field names, space-separated
TEXT = frozenset(("beneficiary", "act", "provider", "exemption", "scheme", "rule"))  # str or None by construction (the claim reader's)
MONEY = frozenset(AMOUNT_FIELDS + PLAN_AMOUNTS + EXTRA_AMOUNTS)


def decompte_schema(product, trace: bool = False) -> pa.Schema:
    return pa.schema([pa.field(n, pa.int64() if n == "row" else pa.string()) for n in decompte_columns(product, trace)])


def rejection_schema(input_columns: list[str]) -> pa.Schema:
    """id, row, reason, field, then the claim's own fields as text (its `id`
    is the first column already; a field named like a head column is
    prefixed with `input_`)."""
    fields = [pa.field("id", pa.string()), pa.field("row", pa.int64()), pa.field("reason", pa.string()), pa.field("field", pa.string())]
    for name in input_columns:
        if name == "id" or name in INTERNAL:
            continue
        fields.append(pa.field(input_name(name), pa.string()))
    return pa.schema(fields)


def input_name(name: str) -> str:
    return f"input_{name}" if name in REJECTION_HEAD else name


_CENTS = pa.decimal128(38, 0)
_EUROS = pa.decimal128(38, 2)  # the same 128-bit integers, read with two decimals


def money_column(cents: list | np.ndarray) -> pa.Array:
    """[2650, 5, None, -100] → ["26.50", "0.05", null, "-1.00"] (money.fmt,
    vectorised): integer cents are the unscaled values of a decimal with
    two decimals, which Arrow writes as text in C++. A numpy column whose
    amounts span a short range (a run's prices, bases, AMOs: a few hundred
    distinct amounts in a million claims) has each amount of that range
    formatted once, then taken per claim."""
    if isinstance(cents, np.ndarray) and len(cents) > _SPAN:
        low, high = int(cents.min()), int(cents.max())
        if high - low < _SPAN:
            texts = _money_text(arrow_of(np.arange(low, high + 1, dtype=np.int64)))
            return texts_at(texts, cents - low)
    return _money_text(arrow_of(cents) if isinstance(cents, np.ndarray) else pa.array(cents, pa.int64()))


_SPAN = 1 << 16  # formatting a range of amounts once pays when the column is longer than it


def texts_at(texts: pa.Array, codes: np.ndarray) -> pa.Array:
    """texts[codes], a text per row. A column holding one text (a franchise
    of 0.00 on every claim, the one rule of a contract, no warning) is
    that text's bytes repeated, with its offsets, a few times faster than
    Arrow's take, which looks each row up."""
    n = len(codes)
    if n > _SPAN and len(texts) and texts.null_count == 0:
        first = int(codes[0])
        if (codes == first).all():
            text = texts[first].as_py().encode("utf-8")
            offsets = np.arange(0, (n + 1) * len(text), len(text), dtype=np.int64) if text else np.zeros(n + 1, np.int64)
            if offsets[-1] < 1 << 31:
                return pa.Array.from_buffers(pa.string(), n, [None, pa.py_buffer(offsets.astype(np.int32)), pa.py_buffer(text * n)])
    return texts.take(arrow_of(codes))


def _money_text(a: pa.Array) -> pa.Array:
    return pc.cast(pc.cast(a, _CENTS).view(_EUROS), pa.string())


def _memo(fn):
    cache: dict = {}

    def get(value):
        try:
            return cache[value]
        except KeyError:
            if len(cache) > 100_000:  # bounded: a run may meet many distinct values
                cache.clear()
            out = cache[value] = fn(value)
            return out

    return get


_iso = _memo(lambda d: d.isoformat())
_rate = _memo(fmt_rate)


def _warnings_column(all_notes) -> list[str]:
    """Each décompte's warnings joined; a few combinations of notes repeat
    over a partition (a date before the contract's effect, a price above
    the base…): each is rendered once per call."""
    texts: dict = {}
    out = []
    append = out.append
    for notes in all_notes:
        if not notes:
            append("")
            continue
        try:
            key = tuple(notes)
            text = texts.get(key)
        except TypeError:  # a note that is not hashable: rendered on its own
            key = text = None
        if text is None:
            text = WARNING_SEPARATOR.join([_warning(n) for n in notes])
            if key is not None:
                texts[key] = text
        append(text)
    return out


_warning = _memo(render_warning)  # most warnings repeat (a date before the contract's effect…)


def decompte_table(product, rows: list[int], decomptes: list, trace: bool = False) -> pa.Table:
    """One line per décompte, in the order given."""
    schema = decompte_schema(product, trace)
    names = tuple(n for n in schema.names if n not in ("row", "warnings", "trace")) + ("notes",)
    # one pass over the décomptes (attrgetter of all fields, then transposed)
    transposed = dict(zip(names, zip(*map(attrgetter(*names), decomptes)))) if decomptes else {n: () for n in names}
    cols: dict[str, object] = {"row": pa.array(rows, pa.int64())}
    for name in names:
        values = transposed[name]
        if name in MONEY:
            cols[name] = money_column(values)
        elif name == "date":
            cols[name] = list(map(_iso, values))
        elif name == "amo_rate":
            cols[name] = list(map(_rate, values))
        elif name in MARKS:
            cols[name] = [" ".join(v) for v in values]
        elif name == "notes":
            cols["warnings"] = _warnings_column(values)
        elif name in TEXT or all(v is None or v.__class__ is str for v in values):
            cols[name] = values
        else:
            cols[name] = [None if v is None else str(v) for v in values]
    if trace:
        cols["trace"] = [d.trace_text() for d in decomptes]
    return pa.table([cols[n] for n in schema.names], schema=schema)


def rejection_table(input_columns: list[str], claims: pa.Table | None, positions: list[int], rejections: list) -> pa.Table:
    """One line per rejection: who, where, why, and the fields as read.

    `positions` index the rejected records in `claims` (the partition's
    table), in the same order as `rejections`."""
    schema = rejection_schema(input_columns)
    rows = [r.index for r in rejections]
    cols = {
        "id": [synthetic_id(r.id, row) for r, row in zip(rejections, rows)],
        "row": pa.array(rows, pa.int64()),
        "reason": [r.reason for r in rejections],
        "field": [r.field for r in rejections],
    }
    taken = claims.take(pa.array(positions, pa.int64())) if claims is not None else None
    for name in input_columns:
        if name == "id" or name in INTERNAL:
            continue
        if taken is not None and name in taken.schema.names:
            col = taken.column(name)
            cols[input_name(name)] = col if pa.types.is_string(col.type) else pc.cast(col, pa.string())
        else:
            cols[input_name(name)] = pa.nulls(len(rejections), pa.string())
    return pa.table([cols[f.name] for f in schema], schema=schema)


def synthetic_id(cid, row) -> str:
    """The claim's id, or `claim #N` (N: its row, from 1) for a claim that
    has none: the name `garant eval` gives it too (runtime.claims.claim_name)."""
    from garant.compiler.runtime.claims import claim_name

    return claim_name(cid, int(row) - 1 if row is not None else None)
