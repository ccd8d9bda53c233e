"""Benchmark: what issue 17's claim fields cost the vectorised run.

    .venv/bin/python bench/bench_flows.py [--n 200000] [--seed 2025] [--dir /tmp/garant-bench-flows] [--repeat 3]

The same synthetic claims (`garant.batch.synth`) written twice to Parquet:
without the flows (`flows=False`) and with them (the Sécu's statement on
about one consultation in twenty, the stays of most forfait journalier
lines, the feuilles de soins of half the biology lines). Each file is run
through `garant run` (vector evaluator, in this process, best of
`--repeat`, the files alternated); prints claims/s of wall and of CPU
time (the CPU figure is steadier on a shared machine), the share the
scalar engine took, and the ratios; a third file is the flows without
the stays' fields (the Sécu's statement and feuilles de soins alone).
Issue 17's target: the vector path's claims/s drops by at most 10%. Prints figures only; always exits 0 (the load average beside them:
the machine is shared).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT.parent))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=200_000)
    ap.add_argument("--seed", type=int, default=2025)
    ap.add_argument("--dir", default="/tmp/garant-bench-flows")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()

    from garant.batch.run import run
    from garant.batch.synth import write_claims
    from garant.compiler.driver import load_product

    folder = Path(args.dir)
    folder.mkdir(parents=True, exist_ok=True)
    product = load_product(ROOT / "contracts" / "essentiel_2025.garant")
    files = {}
    for flows in (False, True):
        files["with flows" if flows else "without flows"] = path = folder / f"claims_{'flows' if flows else 'plain'}.parquet"
        write_claims(path, args.n, args.seed, flows=flows)
    files["flows, no stays"] = _without_stays(files["with flows"], folder / "claims_flows_no_stays.parquet")
    best: dict = {}
    for _ in range(args.repeat):  # alternated, so that a load peak hits every file alike
        for name, path in files.items():
            cpu = time.process_time()
            report = run(product, path, folder / "out.parquet")
            cpu = time.process_time() - cpu
            wall, got_cpu, _r = best.get(name, (None, None, None))
            best[name] = (min(report.seconds, wall or report.seconds), min(cpu, got_cpu or cpu), report)
    for name, (wall, cpu, report) in best.items():
        print(f"{name:15}: {report.input:,} claims, {wall:.2f} s ({report.input / wall:,.0f} claims/s), CPU {cpu:.2f} s "
              f"({report.input / cpu:,.0f} claims/s of CPU), scalar engine {report.scalar_claims / report.input:.1%}")
    plain = best["without flows"]
    for name in ("with flows", "flows, no stays"):
        print(f"ratio {name} / without flows: {plain[0] / best[name][0]:.2f} (wall), {plain[1] / best[name][1]:.2f} (CPU)")
    print(f"load {os.getloadavg()[0]:.2f}")


def _without_stays(path: Path, out: Path) -> Path:
    """The same claims without the stays' fields (helper stays' part of
    issue 17): the statement's and the feuilles de soins' cost alone."""
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    pq.write_table(table.drop_columns([c for c in ("admission", "discharge", "psychiatric") if c in table.schema.names]), out)
    return out


if __name__ == "__main__":
    main()
