"""THE unit of batch work: one partition of beneficiaries, all their claims.

    decomptes, rejections = evaluate_partition("contracts/essentiel_2025.garant", table)

`evaluate_partition` is a pure function of the product and a table of
claims: it shares no state with any other call (its own ledger of limits,
its own results), so partitions can be evaluated in any order, in other
processes, or on other machines — a Dask or Spark task calls exactly this
on each group of beneficiaries. It is correct on a partition as long as the
partition holds *every* claim of each of its beneficiaries (or families,
for a product whose limits run per family: `partition_field(product)`),
since limits are consumed per beneficiary in date order of care.

Inside a partition, claims are evaluated exactly as `garant eval` does:
validated by the product's claim reader, taken in date order (file order
breaks ties), limits carried from one to the next. Every record comes out
as a décompte or a rejection, never both, never neither.

Duplicate ids: the first valid record with an id (in file order) is
evaluated; each later record with the same id and the same partition key
is rejected ("duplicate id"): paying a resubmitted claim line twice is the
error this guards against. A record rejected for another reason does not
take its id, so a corrected resubmission after it is evaluated. Two records with the same id but different beneficiaries
are two claims, each evaluated (ids are checked within a partition, so a
run needs no global index of ids and stays bounded in memory).
"""

from __future__ import annotations

import gc
from operator import attrgetter
from pathlib import Path

import pyarrow as pa

from garant.batch.columns import read_columns
from garant.batch.io import INTERNAL, ROW, UNREADABLE
from garant.batch.output import decompte_table, rejection_table
from garant.compiler.runtime.claims import Claim
from garant.compiler.runtime.decompte import Rejection
from garant.compiler.runtime.ledger import Ledger

_LOADED: dict[tuple, object] = {}


def partition_field(product) -> str:
    """The field all of whose claims must sit in one partition: the
    beneficiary for French contracts; a managed-care plan with family
    accumulators names `family`."""
    return getattr(product, "partition_field", "beneficiary")


def partition_key(product) -> tuple[str, ...]:
    """The partition field, then what stands in for it on a claim that
    leaves it empty: a claim without a family is its member's own family."""
    field = partition_field(product)
    return (field,) if field == "beneficiary" else (field, "beneficiary")


def resolve_product(product):
    """A loaded product, from itself or from its source path (compiled once
    per process: what a worker on another machine does)."""
    if isinstance(product, (str, Path)):
        product = (str(product), ())
    if isinstance(product, tuple):
        # (path, regimes) or (path, regimes, levels): a product with levels
        # is evaluated at the levels `--level` names (spec §3.4).
        path, regimes, *levels = product
        levels = tuple(levels[0]) if levels else ()
        key = (str(path), tuple(str(r) for r in regimes))
        if key not in _LOADED:
            from garant.api import load_product

            _LOADED[key] = load_product(path, list(regimes))
        from garant.api import at_levels

        return at_levels(_LOADED[key], list(levels))  # raises LevelError if levels are missing or wrong
    return product


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


def evaluate_records(product, claims: pa.Table) -> Outcome:
    """Evaluate a partition; results in file order (by row)."""
    product = resolve_product(product)
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


EVALUATORS = ("vector", "scalar")


def evaluate_partition(product, claims: pa.Table, *, trace: bool = False, evaluator: str = "vector", stats=None) -> tuple[pa.Table, pa.Table]:
    """(décomptes, rejections) of one partition, each in file order.

    `product`: a loaded product, or the path of its `.garant` source (or a
    `(path, regime_paths)` pair); `claims`: the partition's records, with
    the spec §5 field names and optionally a `_garant_row` column (their
    1-based row in the file; numbered from 1 if absent). Rows must be
    distinct. Raises nothing on bad claims: they are rejections.

    `evaluator`: "vector" (`batch/vector/`: whole columns at a time, the
    scalar engine for what it does not take; French contracts without
    `trace`) or "scalar" (claim by claim, the oracle); both give the same
    tables. `stats`: a `vector.VectorStats` counting the claims each way."""
    if evaluator not in EVALUATORS:
        raise ValueError(f"evaluator must be one of {', '.join(EVALUATORS)}, not `{evaluator}`")
    product = resolve_product(product)
    enabled = gc.isenabled()
    gc.disable()  # see evaluate_records; building the tables makes no cycles either
    try:
        if evaluator == "vector":
            from garant.batch.vector import evaluate_partition_vector, supports

            if supports(product, trace):
                return evaluate_partition_vector(product, claims, stats)
        if stats is not None:
            stats.scalar += claims.num_rows
        outcome = evaluate_records(product, claims)
        return tables(product, claims, outcome, trace=trace)
    finally:
        if enabled:
            gc.enable()


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
