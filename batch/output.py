"""Décomptes and rejections as Arrow tables, the shape `garant run` writes.

Amounts are decimal strings with two decimals, rates `"70%"`, exactly as
`garant eval --format json` prints them (spec §5), so a file and a JSON
answer can be compared field by field. Integer cents become text through
Arrow compute (one pass per column) rather than a Python call per amount.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from garant.batch.io import ROW
from garant.compiler.runtime.decompte import AMOUNT_FIELDS, PLAN_FIELDS
from garant.compiler.runtime.money import fmt_rate

WARNING_SEPARATOR = " | "
REJECTION_HEAD = ("id", "row", "reason", "field")


def decompte_schema(product, trace: bool = False) -> pa.Schema:
    """id, row, who/when/what, every amount of spec §5, rule, warnings [, trace]."""
    names = ["id", "row", "beneficiary", "date", "act", "provider", "price"]
    if getattr(product, "kind", "contract") == "plan":  # an explanation of benefits: the plan's own fields
        names[3:3] = ["family"]
        names += [*PLAN_FIELDS, "balance_billed", "denied"]
    else:
        names += ["base", "amo_rate", *AMOUNT_FIELDS[2:]]
    names += ["rule", "warnings"]
    if trace:
        names.append("trace")
    return pa.schema([pa.field(n, pa.int64() if n == "row" else pa.string()) for n in names])


def rejection_schema(input_columns: list[str]) -> pa.Schema:
    """id, row, reason, field, then the claim's own fields as text (its `id`
    is the first column already; a field named like a head column is
    prefixed with `input_`)."""
    fields = [pa.field("id", pa.string()), pa.field("row", pa.int64()), pa.field("reason", pa.string()), pa.field("field", pa.string())]
    for name in input_columns:
        if name in ("id", ROW):
            continue
        fields.append(pa.field(input_name(name), pa.string()))
    return pa.schema(fields)


def input_name(name: str) -> str:
    return f"input_{name}" if name in REJECTION_HEAD else name


def money_column(cents: list) -> pa.Array:
    """[2650, 5, None, -100] → ["26.50", "0.05", null, "-1.00"] (money.fmt, vectorised)."""
    a = pa.array(cents, pa.int64())
    digits = pc.utf8_lpad(pc.cast(pc.abs(a), pa.string()), 3, "0")
    text = pc.binary_join_element_wise(pc.utf8_slice_codeunits(digits, 0, -2), pc.utf8_slice_codeunits(digits, -2, 1 << 30), ".")
    negative = pc.less(a, 0)
    if pc.any(negative).as_py():
        text = pc.if_else(negative, pc.binary_join_element_wise("-", text, ""), text)
    return text


def _memo(fn):
    cache: dict = {}

    def get(value):
        try:
            return cache[value]
        except KeyError:
            out = cache[value] = fn(value)
            return out

    return get


_iso = _memo(lambda d: d.isoformat())
_rate = _memo(fmt_rate)


def decompte_table(product, rows: list[int], decomptes: list, trace: bool = False) -> pa.Table:
    """One line per décompte, in the order given."""
    schema = decompte_schema(product, trace)
    cols: dict[str, object] = {
        "id": [str(d.id) for d in decomptes],
        "row": pa.array(rows, pa.int64()),
        "beneficiary": [d.beneficiary for d in decomptes],
        "date": [_iso(d.date) for d in decomptes],
        "act": [d.act for d in decomptes],
        "provider": [d.provider for d in decomptes],
    }
    if "amo_rate" in schema.names:
        cols["amo_rate"] = [_rate(d.amo_rate) for d in decomptes]
        for name in AMOUNT_FIELDS:
            cols[name] = money_column([getattr(d, name) for d in decomptes])
    else:
        cols["price"] = money_column([d.price for d in decomptes])
    if "denied" in schema.names:
        for name in PLAN_FIELDS:
            cols[name] = money_column([getattr(d, name) for d in decomptes])
        cols["denied"] = [None if d.denied is None else str(d.denied) for d in decomptes]
    if "family" in schema.names:
        cols["family"] = [d.family for d in decomptes]
        cols["balance_billed"] = money_column([d.balance_billed for d in decomptes])
    cols["rule"] = [d.rule for d in decomptes]
    cols["warnings"] = [WARNING_SEPARATOR.join(d.warnings) if d.notes else "" for d in decomptes]
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
        if name in ("id", ROW):
            continue
        if taken is not None and name in taken.schema.names:
            col = taken.column(name)
            cols[input_name(name)] = col if pa.types.is_string(col.type) else pc.cast(col, pa.string())
        else:
            cols[input_name(name)] = pa.nulls(len(rejections), pa.string())
    return pa.table([cols[f.name] for f in schema], schema=schema)


def synthetic_id(cid, row) -> str:
    """The claim's id, or `row:N` for a claim that has none."""
    if cid is None or (isinstance(cid, str) and not cid.strip()):
        return f"row:{row}"
    return str(cid)
