"""The scalar evaluator over one partition: each claim read by the
product's claim reader and evaluated by the runtime, in date order of care.

The oracle of the vectorised evaluator (`batch/vector/`), and what it hands
the claims it does not take. The product is loaded already; compiling one
from its source is `unit.resolve_product`'s job.
"""

from __future__ import annotations

import gc
from operator import attrgetter

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from garant.batch.columns import read_columns
from garant.batch.io import INTERNAL, ROW, UNREADABLE, arrow_of
from garant.batch.output import decompte_table, rejection_table
from garant.compiler.runtime.claims import Claim
from garant.compiler.runtime.decompte import Rejection
from garant.compiler.runtime.ledger import Ledger


def partition_field(product) -> str:
    """The field all of whose claims must sit in one partition: the
    beneficiary for French contracts; a managed-care plan with family
    accumulators names `family`."""
    return getattr(product, "partition_field", "beneficiary")


_DATE_THEN_ROW = attrgetter("date", "index")  # limits are consumed in date order of care, file order breaking ties
_ROW_OF = attrgetter("index")


class Outcome:
    """A partition's results, record by record (before they become tables)."""

    __slots__ = ("rows", "results", "claims", "positions")

    def __init__(self):
        self.rows: list[int] = []  # the record's row in its file
        self.results: list = []  # Decompte or Rejection
        self.claims: list = []  # the validated Claim, or None
        self.positions: list[int] = []  # index in the partition's table


def partition_key(product) -> tuple[str, ...]:
    """The partition field, then what stands in for it on a claim that
    leaves it empty: a claim without a family is its member's own family."""
    field = partition_field(product)
    return (field,) if field == "beneficiary" else (field, "beneficiary")


def evaluate_records(product, claims: pa.Table) -> Outcome:
    """Evaluate a partition; results in file order (by row)."""
    n = claims.num_rows
    names = [c for c in claims.schema.names if c not in INTERNAL]
    rows = claims.column(ROW).to_pylist() if ROW in claims.schema.names else list(range(1, n + 1))
    unreadable = claims.column(UNREADABLE).to_pylist() if UNREADABLE in claims.schema.names else None
    order = list(range(n))
    shuffled = any(rows[i] > rows[i + 1] for i in range(n - 1))
    if shuffled:
        order.sort(key=rows.__getitem__)
    read = product.reader.read
    out = Outcome()
    results: list = [None] * n
    parsed_claims: list = [None] * n
    seen: dict = {}
    field = partition_field(product)
    enabled = gc.isenabled()
    gc.disable()  # no reference cycles are made; full GC passes over a partition's objects would cost ~40%
    try:
        skip = [i for i in range(n) if unreadable[i] is not None] if unreadable is not None else []
        read_all = read_columns(product.reader, claims, rows, skip)
        if read_all is None:  # a table the fast way does not take: record by record
            columns = [claims.column(c).to_pylist() for c in names]
            records = [dict(zip(names, values)) for values in zip(*columns)] if names else [{} for _ in range(n)]
            read_all = [None if unreadable is not None and unreadable[i] is not None else read(records[i], rows[i]) for i in range(n)]
        ids = claims.column("id").to_pylist() if skip and "id" in names else None
        by_beneficiary = field == "beneficiary"
        for i in order:
            got = read_all[i]
            if got is None:  # not UTF-8 (the claim reader never answers None)
                cid = ids[i] if ids is not None else None
                results[i] = Rejection(cid, f"`{unreadable[i]}` is not UTF-8 text (shown with �): save the file as UTF-8, or give its encoding (`--encoding cp1252` for a French spreadsheet export)", unreadable[i], rows[i])
                continue
            if got.__class__ is Claim:
                cid = got.id
                key = (got.beneficiary if by_beneficiary else (getattr(got, field, None) or got.beneficiary), cid if cid.__class__ is str else str(cid))
                first = seen.get(key)
                if first is None:
                    seen[key] = rows[i]
                    parsed_claims[i] = got
                    continue
                got = Rejection(got.id, f"duplicate id `{got.id}`: already the id of the claim on row {first}; a claim line is paid once", "id", rows[i])
            results[i] = got
        parsed = [c for c in parsed_claims if c is not None]
        parsed.sort(key=_DATE_THEN_ROW)
        if parsed:
            position = dict(zip(rows, range(n)))
            for at, result in zip(map(position.__getitem__, map(_ROW_OF, parsed)), product.evaluate_sorted(parsed, Ledger())):
                results[at] = result
        if not shuffled:
            out.rows, out.results, out.claims, out.positions = list(rows), results, parsed_claims, order
        else:
            out.rows = [rows[i] for i in order]
            out.results = [results[i] for i in order]
            out.claims = [parsed_claims[i] for i in order]
            out.positions = order
    finally:
        if enabled:
            gc.enable()
    return out


def tables(product, claims: pa.Table, outcome: Outcome, *, trace: bool = False) -> tuple[pa.Table, pa.Table]:
    ok_rows, ok, bad_pos, bad = [], [], [], []
    for row, result, pos in zip(outcome.rows, outcome.results, outcome.positions):
        if result.__class__ is Rejection:
            bad_pos.append(pos)
            bad.append(result)
        else:
            ok_rows.append(row)
            ok.append(result)
    decomptes = decompte_table(product, ok_rows, ok, trace)
    rejections = rejection_table(list(claims.schema.names), claims, bad_pos, bad)
    if decomptes.num_rows + rejections.num_rows != claims.num_rows:
        raise AssertionError(f"partition of {claims.num_rows} claims gave {decomptes.num_rows} décomptes and {rejections.num_rows} rejections")
    return decomptes, rejections


def in_file_order(parts: list) -> pa.Table:
    """Tables of one partition's records, as one table in file order (by `row`)."""
    if len(parts) == 1:
        return parts[0]
    table = pa.concat_tables(parts)
    return table.take(pc.sort_indices(table.column("row")))


SCALAR_GROUP_ROWS = 20_000  # the scalar engine holds ~2 KB of Python objects per claim: ~40 MB a group


def scalar_groups(product, sub: pa.Table):
    """The records for the scalar engine, in groups of about
    SCALAR_GROUP_ROWS that keep each beneficiary (family) whole: a
    partition read in one pass may hold a million claims, and the scalar
    engine's objects for all of them would not fit in memory."""
    groups = -(-sub.num_rows // SCALAR_GROUP_ROWS)
    if groups <= 1:
        yield sub
        return
    from garant.batch.partition import key_buckets

    bucket = key_buckets(sub, partition_key(product), groups).to_numpy(zero_copy_only=False)
    for b in range(groups):
        rows = np.flatnonzero(bucket == b)
        if len(rows):
            yield sub.take(arrow_of(rows))


def evaluate_in_groups(product, table: pa.Table, *, trace: bool = False) -> tuple[pa.Table, pa.Table]:
    """The scalar engine's décompte and rejection tables of a partition,
    evaluated in `scalar_groups` and put back in file order: what either
    evaluator writes for the records it gives the scalar engine, so both
    write the same files."""
    parts = [tables(product, sub, evaluate_records(product, sub), trace=trace) for sub in scalar_groups(product, table)]
    return in_file_order([d for d, _ in parts]), in_file_order([r for _, r in parts])
