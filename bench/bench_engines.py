"""Benchmark: `garant run` on the local path, on Dask (1 and 2 workers) and
on Spark `local[2]`, on the same synthetic claims, in one run.

    .venv/bin/python bench/bench_engines.py [--n 1000000] [--seed 2025] [--dir /tmp/garant-bench-engines]

Prints, for each engine: the run's wall time and claims/s (cluster or
session already started: what a run on a standing cluster costs), the
start-up time apart, and the ratio to the local path measured in the same
run. Every engine's décomptes are then compared with the local path's,
row by row (a benchmark of wrong answers would be worthless).

The input is Parquet (`garant synth`, 100,000-claim row groups), read in
place by the engines; claims of contracts/essentiel_2025.garant. Prints
figures only; always exits 0. The machine's load average is printed
beside the figures: other processes slow every line alike.
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONTRACT = (str(ROOT / "contracts" / "essentiel_2025.garant"), (), ())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--dir", type=Path, default=Path("/tmp/garant-bench-engines"))
    parser.add_argument("--rows-per-partition", type=int, default=20_000)
    parser.add_argument("--skip", action="append", default=[], help="local, dask1, dask2 or spark: leave out")
    args = parser.parse_args()

    from garant.batch.dataset import open_dataset
    from garant.batch.engines.driver import run_on_engine
    from garant.batch.engines.local import run_local_dataset
    from garant.batch.synth import write_claims

    args.dir.mkdir(parents=True, exist_ok=True)
    claims = args.dir / f"claims-{args.n}-{args.seed}.parquet"
    if not claims.exists():
        t = time.perf_counter()
        write_claims(claims, args.n, args.seed)
        print(f"synthetic claims: {args.n:,} in {time.perf_counter() - t:.1f} s → {claims}")
    print(f"machine: {os.cpu_count()} cores, load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"{args.n:,} claims, {args.rows_per_partition:,} per partition\n")
    print(f"{'engine':<22}{'start-up s':>11}{'run s':>9}{'claims/s':>11}{'× local':>9}")

    results: dict[str, float] = {}
    outs: dict[str, Path] = {}

    def line(name: str, startup: float | None, seconds: float) -> None:
        results[name] = seconds
        base = results.get("local")
        ratio = f"{base / seconds:.2f}" if base else "1.00"
        start = f"{startup:.1f}" if startup is not None else "—"
        print(f"{name:<22}{start:>11}{seconds:>9.1f}{args.n / seconds:>11,.0f}{ratio:>9}", flush=True)

    def target(name: str) -> Path:
        out = args.dir / f"out-{name}"
        shutil.rmtree(out, ignore_errors=True)
        outs[name] = out
        return out

    if "local" not in args.skip:
        out = target("local")
        t = time.perf_counter()
        run_local_dataset(CONTRACT, claims, out, rows_per_partition=args.rows_per_partition)
        line("local", None, time.perf_counter() - t)

    import distributed

    for workers in (1, 2):
        if f"dask{workers}" in args.skip:
            continue
        t = time.perf_counter()
        cluster = distributed.LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0",
                                           silence_logs=logging.ERROR)
        client = distributed.Client(cluster)
        startup = time.perf_counter() - t
        try:
            out = target(f"dask{workers}")
            t = time.perf_counter()
            run_on_engine(CONTRACT, claims, out, "dask", rows_per_partition=args.rows_per_partition, client=client)
            line(f"dask, {workers} worker{'s' if workers > 1 else ''}", startup, time.perf_counter() - t)
        finally:
            client.close()
            cluster.close()

    if "spark" not in args.skip:
        from garant.batch.engines.spark_engine import session

        t = time.perf_counter()
        spark = session("local[2]")
        spark.range(1).count()  # the JVM and its first job, apart from the run
        startup = time.perf_counter() - t
        try:
            out = target("spark")
            t = time.perf_counter()
            run_on_engine(CONTRACT, claims, out, "spark", rows_per_partition=args.rows_per_partition, spark=spark)
            line("spark local[2]", startup, time.perf_counter() - t)
        finally:
            spark.stop()

    print(f"\nload average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if "local" in outs:
        reference = open_dataset(outs["local"]).decomptes().sort_by("row")
        for name, out in outs.items():
            if name != "local":
                same = open_dataset(out).decomptes().sort_by("row").equals(reference)
                print(f"{name}: décomptes {'identical to' if same else 'DIFFERENT from'} the local path's")


if __name__ == "__main__":
    main()
