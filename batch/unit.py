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
from pathlib import Path

import pyarrow as pa

from garant.batch import scalar
from garant.batch.scalar import Outcome, evaluate_in_groups, partition_field, partition_key, tables  # noqa: F401 (partition_key: batch.unit's API)

_LOADED: dict[tuple, object] = {}


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
            from garant.compiler.driver import load_product

            _LOADED[key] = load_product(path, list(regimes))
        from garant.compiler.driver import at_levels

        return at_levels(_LOADED[key], list(levels))  # raises LevelError if levels are missing or wrong
    return product


def evaluate_records(product, claims: pa.Table) -> Outcome:
    """Evaluate a partition claim by claim (`scalar.evaluate_records`), the
    product given loaded or by its source (see `resolve_product`)."""
    return scalar.evaluate_records(resolve_product(product), claims)


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
        return evaluate_in_groups(product, claims, trace=trace)
    finally:
        if enabled:
            gc.enable()
