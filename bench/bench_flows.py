"""Benchmark: what issue 17's claim fields cost the vectorised run.

    .venv/bin/python bench/bench_flows.py [--n 200000] [--seed 2025] [--dir /tmp/garant-bench-flows] [--repeat 3]

The same synthetic claims (`garant.batch.synth`) written twice to Parquet:
without the flows (`flows=False`) and with them (the Sécu's statement on
about one consultation in twenty, the stays of most forfait journalier
lines, the feuilles de soins of half the biology lines). Each file is run
through `garant run` (vector evaluator, in this process, best of
`--repeat`); prints claims/s, the share the scalar engine took, and the
ratio. Issue 17's target: the vector path's claims/s drops by at most
10%. Prints figures only; always exits 0 (the load average beside them:
the machine is shared).
"""

from __future__ import annotations

import argparse
import os
import sys
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
    rates = {}
    for flows in (False, True):
        claims = folder / f"claims_{'flows' if flows else 'plain'}.parquet"
        write_claims(claims, args.n, args.seed, flows=flows)
        best = None
        for _ in range(args.repeat):
            report = run(product, claims, folder / "out.parquet")
            if best is None or report.seconds < best.seconds:
                best = report
        rates[flows] = best.claims_per_second
        print(f"{'with flows   ' if flows else 'without flows'}: {best.input:,} claims, {best.seconds:.2f} s, "
              f"{best.claims_per_second:,.0f} claims/s, scalar engine {best.scalar_claims / best.input:.1%}, "
              f"load {os.getloadavg()[0]:.2f}")
    print(f"ratio with/without: {rates[True] / rates[False]:.2f}")


if __name__ == "__main__":
    main()
