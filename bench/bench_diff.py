"""Differential: the batch path and `garant eval`'s path on the same claims.

    .venv/bin/python bench/bench_diff.py [--n 100000] [--seed 2025] [--rows-per-partition 20000]
                                         [--contract contracts/essentiel_2025.garant] [--format csv] [--level N3]

Writes N synthetic claims to a file, runs `garant run` on it (partitions
spilled to disk, columns formatted by Arrow), evaluates the same claims
with `Product.evaluate` (what `garant eval` runs: one list, one ledger) and
compares every décompte field, the warnings and every rejection, claim by
claim (`garant.batch.oracle`). Prints figures; exits 0 whatever it finds.
The test suite runs the same comparison on a few thousand claims.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=2025)
    ap.add_argument("--rows-per-partition", type=int, default=20_000)
    ap.add_argument("--contract", type=Path, default=ROOT / "contracts" / "essentiel_2025.garant")
    ap.add_argument("--format", default="csv", choices=("csv", "parquet"))
    ap.add_argument("--level", action="append", default=[], help="level of a multi-level product (as garant eval --level)")
    args = ap.parse_args()

    from garant.compiler.driver import at_levels, load_product
    from garant.batch.io import read_table
    from garant.batch.oracle import differences
    from garant.batch.run import run
    from garant.batch.synth import generate, write_claims

    product = at_levels(load_product(args.contract), args.level)
    with tempfile.TemporaryDirectory(prefix="garant-diff-") as folder:
        claims = Path(folder) / f"claims.{args.format}"
        write_claims(claims, args.n, args.seed)
        t0 = time.perf_counter()
        report = run(product, claims, Path(folder) / f"out.{args.format}", rows_per_partition=args.rows_per_partition)
        t1 = time.perf_counter()
        bad, shown = differences(product, generate(args.n, args.seed), read_table(report.decomptes), read_table(report.rejections))
        t2 = time.perf_counter()
    print(f"{args.n:,} claims (seed {args.seed}), {args.contract.name}, {args.format}, {report.partitions} partitions")
    print(f"garant run: {report.evaluated:,} evaluated, {report.rejected:,} rejected in {t1 - t0:.1f} s "
          f"({report.scalar_claims:,} by the scalar engine, the rest vectorised); garant eval path + comparison {t2 - t1:.1f} s")
    print(f"claims whose décompte or rejection differs: {bad}")
    for line in shown:
        print("  ", line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
