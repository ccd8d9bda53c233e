"""Benchmark: CPU seconds of the vectorised evaluator alone, in process,
on one Parquet claims file (partitions of 20,000, best of N runs).

    .venv/bin/python bench/bench_vector_cpu.py CLAIMS.parquet [--root DIR] [--runs 5]

CPU time of this process (`time.process_time`), not wall time: on a
shared machine other processes slow the wall clock, not this figure. To
compare two versions of Garant on the same file, run each from its own
checkout (`--root` is where `contracts/` is; the `garant` package imported
is the one on the Python path). Used for issue 17 (beneficiary statuses):
before / after figures in the report of that change.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("claims", type=Path)
    ap.add_argument("--root", type=Path, default=Path(__file__).resolve().parent.parent)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--partition", type=int, default=20_000)
    args = ap.parse_args()

    import pyarrow.parquet as pq

    from garant.batch.unit import evaluate_partition
    from garant.compiler.driver import load_product

    product = load_product(args.root / "contracts" / "essentiel_2025.garant")
    table = pq.read_table(args.claims)
    parts = [table.slice(i, args.partition) for i in range(0, table.num_rows, args.partition)]
    best = None
    for _ in range(args.runs):
        start = time.process_time()
        for part in parts:
            evaluate_partition(product, part, evaluator="vector")
        spent = time.process_time() - start
        best = spent if best is None else min(best, spent)
    print(f"{table.num_rows:,} claims, best of {args.runs}: {best:.2f} CPU s, {table.num_rows / best:,.0f} claims per CPU second")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
