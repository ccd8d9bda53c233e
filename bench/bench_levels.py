"""Benchmark: APRIL Santé Mix Proximité, every published example at every level.

    .venv/bin/python bench/bench_levels.py [--runs 5]

Times, in one process, best of `--runs`:

    compile      source → checked model → generated module → loaded product
                 (the stdlib regime already checked, as in a long-lived process)
    choose       product.at(level) for the six levels
    evaluate     the 26 examples of tests/golden/sante_mix.yaml at each of
                 the six levels (156 décomptes, each level on a fresh ledger)
    golden       the whole golden file through `garant.compiler.golden.run_file`,
                 as `garant test` runs it (312 figures given level by level)

and the end to end `garant test tests/golden/sante_mix.yaml` in a fresh
process (interpreter start, stdlib check, compile, all figures), once.
Prints figures only; always exits 0.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
PRODUCT = ROOT / "contracts" / "sante_mix_proximite.garant"
GOLDEN = ROOT / "tests" / "golden" / "sante_mix.yaml"


def best(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    from garant.compiler.driver import load_product
    from garant.dsl.pipeline import load_regimes
    from garant.compiler.golden import run_file

    load_regimes()  # the stdlib, checked once per process
    cases = yaml.safe_load(GOLDEN.read_text(encoding="utf-8"))["cases"]
    claims = [c["claims"][0] for c in cases]
    claims = [{k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in c.items()} for c in claims]
    product = load_product(PRODUCT)
    levels = product.levels

    t_compile = best(lambda: load_product(PRODUCT), args.runs)
    t_choose = float("inf")
    for _ in range(args.runs):  # on a fresh product each time: views are kept per choice
        fresh = load_product(PRODUCT)
        start = time.perf_counter()
        for lv in levels:
            fresh.at(lv)
        t_choose = min(t_choose, time.perf_counter() - start)
    views = [product.at(lv) for lv in levels]

    def evaluate_all():
        for view in views:
            for c in claims:  # each example on its own, as the sheet reads them
                view.evaluate([c])

    t_eval = best(evaluate_all, args.runs)
    results = []
    t_golden = best(lambda: results.append(run_file(GOLDEN)), args.runs)
    figures = sum(r.level_figures_ok for r in results[-1])
    total = sum(r.level_figures for r in results[-1])

    start = time.perf_counter()
    garant = Path(sys.executable).parent / "garant"
    out = subprocess.run([str(garant), "test", str(GOLDEN)], capture_output=True, text=True, cwd=ROOT)
    t_cli = time.perf_counter() - start
    summary = out.stdout.strip().splitlines()[-1] if out.stdout.strip() else out.stderr.strip()

    n = len(claims) * len(levels)
    print(f"Santé Mix Proximité: {len(claims)} examples × {len(levels)} levels = {n} décomptes (CPython {sys.version.split()[0]}, best of {args.runs})")
    print(f"  compile (parse, check, generate, load)   {t_compile * 1000:8.1f} ms")
    print(f"  choose the six levels (product.at)       {t_choose * 1000:8.2f} ms  ({len(product.decisions)} decisions filtered per level, then kept)")
    print(f"  evaluate all examples at all levels      {t_eval * 1000:8.2f} ms  ({t_eval / n * 1e6:.0f} µs per décompte)")
    print(f"  golden file in process (run_file)        {t_golden * 1000:8.1f} ms  ({figures} of {total} figures equal)")
    print(f"  `garant test` end to end, fresh process  {t_cli * 1000:8.0f} ms  [{summary}]")


if __name__ == "__main__":
    main()
