"""Benchmark: peak memory of the driver staging a CSV input for
`garant run --engine dask|spark` (batch/engines/driver.py `staged_csv`).

    .venv/bin/python bench/bench_staging.py [--n 1000000] [--seed 2025] [--dir /tmp/garant-bench-staging]

The driver reads a CSV input once, in blocks (`pyarrow.csv.open_csv`
through `batch.io.ClaimsFile`), writing each block as Parquet row groups:
its memory should not grow with the file. Each measure runs in its own
process (peak resident memory: the child's ru_maxrss from os.wait4):

1. staging a quarter of the claims, then all of them: the two peaks
   should be about the same;
2. the reference, in the same run: the same CSV read whole into one
   Arrow table (what a staging that is not streamed would hold at least).

Prints figures only; always exits 0. The load average is printed beside
the figures (other processes slow the seconds, not the memory).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

STAGE = """
import sys, tempfile
from pathlib import Path
from garant.batch.engines.driver import staged_csv
with tempfile.TemporaryDirectory(dir=sys.argv[2]) as scratch:
    source = staged_csv(Path(sys.argv[1]), Path(scratch))
    print(f"{source.records} records, {len(source.chunks)} row groups, "
          f"{0 if source.malformed is None else source.malformed.num_rows} malformed")
"""

WHOLE = """
import sys
import pyarrow as pa
from garant.batch.io import ClaimsFile
table = pa.Table.from_batches(list(ClaimsFile(sys.argv[1], "csv").batches()))
print(f"{table.num_rows} records in one table, {table.nbytes / 1e6:.0f} MB of Arrow buffers")
"""


def measure(code: str, *args: str) -> tuple[float, float, str]:
    """(seconds, peak MB, what the child printed)."""
    t = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", code, *args], stdout=subprocess.PIPE, text=True)
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.stdout.close()
    return time.perf_counter() - t, usage.ru_maxrss / 1024, out.strip() if status == 0 else f"FAILED ({status})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--dir", type=Path, default=Path("/tmp/garant-bench-staging"))
    args = parser.parse_args()

    from garant.batch.synth import write_claims

    args.dir.mkdir(parents=True, exist_ok=True)
    files = {}
    for n in (args.n // 4, args.n):
        path = args.dir / f"claims-{n}-{args.seed}.csv"
        if not path.exists():
            write_claims(path, n, args.seed)
        files[n] = path
    print(f"machine: {os.cpu_count()} cores, load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"{'measure':<34}{'CSV MB':>8}{'s':>7}{'peak MB':>9}  result")
    for label, code, n in (("staged (driver), 1/4 of the claims", STAGE, args.n // 4), ("staged (driver), all", STAGE, args.n),
                           ("reference: read whole, all", WHOLE, args.n)):
        seconds, peak, out = measure(code, str(files[n]), str(args.dir))
        print(f"{label:<34}{files[n].stat().st_size / 1e6:>8.0f}{seconds:>7.1f}{peak:>9.0f}  {out}", flush=True)
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
