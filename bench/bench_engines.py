"""Benchmark: `garant run` on the local path, on Dask (1 and 2 workers) and
on Spark `local[2]`, on the same synthetic claims, in one run.

    .venv/bin/python bench/bench_engines.py [--n 1000000] [--seed 2025] [--dir /tmp/garant-bench-engines]
        [--shuffle tasks --shuffle p2p]   # Dask's shuffle methods to run (default: the engine's)
        [--shuffle-only 3]                # and, with them: read + shuffle alone, 3 times each, alternating

`--shuffle-only K` also times, on the same cluster, the Dask graph of a run
without its evaluation (read the chunks, shuffle on the bucket, count each
partition's rows) K times per method, alternating methods: on a shared
machine the evaluation's own seconds and their noise would hide a
difference of a few seconds between shuffles.

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
    parser.add_argument("--shuffle", action="append", default=[], help="Dask shuffle method (tasks, p2p); repeat to compare")
    parser.add_argument("--shuffle-only", type=int, default=0, help="also time read + shuffle alone, K times per method")
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

    from garant.batch.engines.dask_engine import SHUFFLE

    shuffles = args.shuffle or [SHUFFLE]
    for workers, shuffle in ((w, s) for w in (1, 2) for s in shuffles):
        if f"dask{workers}" in args.skip:
            continue
        t = time.perf_counter()
        cluster = distributed.LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0",
                                           silence_logs=logging.ERROR)
        client = distributed.Client(cluster)
        startup = time.perf_counter() - t
        try:
            out = target(f"dask{workers}-{shuffle}")
            t = time.perf_counter()
            run_on_engine(CONTRACT, claims, out, "dask", rows_per_partition=args.rows_per_partition, client=client, shuffle=shuffle)
            line(f"dask, {workers} worker{'s' if workers > 1 else ''}" + (f", {shuffle}" if len(shuffles) > 1 else ""), startup,
                 time.perf_counter() - t)
            if args.shuffle_only and shuffle == shuffles[-1]:
                shuffle_only(client, claims, args.rows_per_partition, shuffles, args.shuffle_only, workers)
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


def shuffle_only(client, claims: Path, rows_per_partition: int, methods: list[str], times: int, workers: int) -> None:
    """Read + shuffle on the bucket + count, as `dask_engine.evaluate`
    builds it, without the evaluation: seconds per method."""
    import math

    import pyarrow as pa

    from garant.batch.engines import dask_engine
    from garant.batch.engines.driver import parquet_input
    from garant.batch.engines.job import BUCKET, Job
    from garant.batch.shipping import ship
    from garant.batch.unit import partition_key

    import dask.dataframe as dd
    import pandas as pd

    shipped = ship(CONTRACT)
    source = parquet_input(claims)
    buckets = max(1, math.ceil(source.records / rows_per_partition))
    job = Job(shipped, partition_key(shipped.load()), buckets, "/nonexistent", source.schema.append(pa.field(BUCKET, pa.int32())))
    meta = job.schema.empty_table().to_pandas(types_mapper=pd.ArrowDtype)
    seconds: dict[str, list[float]] = {m: [] for m in methods}
    for _ in range(times):
        for method in methods:
            frame = dd.from_map(dask_engine._read, source.chunks, job=job, meta=meta, enforce_metadata=False)
            shuffled = frame.set_index(BUCKET, divisions=list(range(buckets)) + [buckets - 1], shuffle_method=method)
            t = time.perf_counter()
            rows = sum(client.compute(shuffled.map_partitions(len)).result())
            seconds[method].append(time.perf_counter() - t)
            assert rows == source.records
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    for method, values in seconds.items():
        print(f"  read + shuffle only, {workers} worker(s), {method:<5}: " + ", ".join(f"{v:.1f}" for v in values)
              + f" s (min {min(values):.1f}) — load {load}", flush=True)


if __name__ == "__main__":
    main()
