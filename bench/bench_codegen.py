"""Benchmark: the size of the generated modules and their import time.

    .venv/bin/python bench/bench_codegen.py [--runs 3]

For every bundled product (contracts/*.garant), writes what `garant build`
writes (the product's module and its regime's) to a temporary folder, then
prints the product module's lines, kilobytes and lines over 120 columns,
the regime module's lines, and the best of `--runs` times to import the
product module (its regime's included) in a fresh interpreter without
bytecode caches (`python -B`; the runtime is imported before the clock
starts). Issue 15's target for essentiel: under 1,500 lines, under 0.1 s.
Prints figures only; always exits 0.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT.parent))

from garant.compiler.driver import python_source, regime_source  # noqa: E402
from garant.compiler.python.generate import module_name  # noqa: E402
from garant.dsl.pipeline import compile_paths  # noqa: E402

_IMPORT = (
    "import sys, time; sys.path.insert(0, {folder!r});"
    "import garant.compiler.runtime.engine, garant.compiler.runtime.plan_engine;"
    "t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="garant_bench_codegen_"))
    print(f"{'product':30} {'lines':>6} {'kB':>7} {'>120':>5} {'regime lines':>13} {'import s':>9}")
    for path in sorted((ROOT / "contracts").glob("*.garant")):
        units, _ = compile_paths([path])
        unit = units[0]
        source = python_source(unit)
        regime_text, regime_module, _ = regime_source(unit)
        name = module_name(unit.product)
        (folder / f"{name}.py").write_text(source, encoding="utf-8")
        (folder / f"{regime_module}.py").write_text(regime_text, encoding="utf-8")
        times = []
        for _ in range(args.runs):
            code = _IMPORT.format(folder=str(folder), module=name)
            out = subprocess.run([sys.executable, "-B", "-c", code], capture_output=True, text=True, check=True)
            times.append(float(out.stdout))
        lines = source.splitlines()
        wide = sum(len(line) > 120 for line in lines)
        print(f"{path.name:30} {len(lines):6} {len(source.encode()) / 1000:7.1f} {wide:5} "
              f"{len(regime_text.splitlines()):13} {min(times):9.3f}")


if __name__ == "__main__":
    main()
