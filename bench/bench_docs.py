"""Documentation build time, in CPU seconds (user + sys: a loaded machine
changes wall time, much less CPU time).

    python bench/bench_docs.py                      # this checkout
    python bench/bench_docs.py --runs 5
    python bench/bench_docs.py --garant-root /tmp/old   # another one: /tmp/old/garant/ is its package
    python bench/bench_docs.py --pages /tmp/pages    # also keep the pages, to `diff -r` two checkouts

Prints, each the best of `--runs` runs:

* `garant build contracts -o OUT` (modules and their documentation) in a
  child process: with no cache at all (`GARANT_NO_CACHE=1`: Lark builds
  its tables), with an empty cache folder, and with a warm one (Lark's
  tables read back). `build` checks every source itself: the product
  cache of `eval`/`run` is never read, so cold and warm differ only by the
  grammar tables.
* per contract, in a child process of its own: the check (parse, check,
  responsable proofs) and the documentation (`driver.build_site`: its
  pages, its regime's, the index), CPU seconds each.

Issue 20.3's target: the whole build under 5 s of CPU.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from bench_compile import best_cpu, cpu_of  # the same child-process CPU measure (bench/ is this script's sys.path[0])

ROOT = Path(__file__).resolve().parent.parent
CONTRACTS = "contracts"

# One contract, checked then documented (within `driver.one_build`, as the
# command does), in a child process: prints
# {"check": s, "docs": s, "pages": n} (CPU seconds of this process).
_ONE = """
import contextlib, json, sys, time
{prelude}
from garant.dsl.pipeline import compile_paths
from garant.compiler import driver
one_build = getattr(driver, "one_build", contextlib.nullcontext)  # as `garant build` runs them (an older checkout has none)
with one_build():
    t0 = time.process_time()
    units, problems = compile_paths([{path!r}])
    t1 = time.process_time()
    site = driver.build_site(units)
    t2 = time.process_time()
print(json.dumps({{"check": t1 - t0, "docs": t2 - t1, "pages": len(site.pages)}}))
"""


def _prelude(garant_root: str | None) -> str:
    return f"sys.path.insert(0, {garant_root!r})" if garant_root else "pass"


def one_contract(path: str, env: dict, garant_root: str | None) -> dict:
    code = _ONE.format(prelude=_prelude(garant_root), path=path)
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"documenting {path} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--garant-root", default=None, help="a folder holding another `garant/` package to measure instead")
    ap.add_argument("--pages", default=None, help="build into this folder (kept) rather than a temporary one")
    opts = ap.parse_args()
    base = {k: v for k, v in os.environ.items() if k not in ("GARANT_NO_CACHE", "GARANT_CACHE_DIR")}
    folder = Path(tempfile.mkdtemp(prefix="garant-bench-cache-"))
    out = Path(opts.pages) if opts.pages else Path(tempfile.mkdtemp(prefix="garant-bench-docs-"))
    build = ["build", CONTRACTS, "-o", str(out)]
    try:
        off = {**base, "GARANT_NO_CACHE": "1"}
        on = {**base, "GARANT_CACHE_DIR": str(folder)}

        def best(args, env, fresh_folder=False):
            return best_cpu(args, env, opts.runs, opts.garant_root, folder if fresh_folder else None)

        shown = f"garant build {CONTRACTS} -o OUT"
        print(f"CPU seconds (user+sys), best of {opts.runs}; cwd {ROOT}")
        rows = [
            (f"GARANT_NO_CACHE=1 {shown}", best(build, off)),
            (f"{shown}   (cold: empty cache folder)", best(build, on, fresh_folder=True)),
        ]
        cpu_of(build, on, opts.garant_root)  # warm Lark's tables
        rows.append((f"{shown}   (warm cache folder)", best(build, on)))
        rows.append(("garant --help   (start-up alone)", best(["--help"], off)))
        width = max(len(r[0]) for r in rows)
        for command, seconds in rows:
            print(f"  {command:<{width}}  {seconds:6.2f} s")

        print(f"\nper contract (check, then its documentation), in-process CPU seconds, best of {opts.runs}:")
        total = {"check": 0.0, "docs": 0.0}
        for path in sorted(str(p.relative_to(ROOT)) for p in (ROOT / CONTRACTS).glob("*.garant")):
            runs = [one_contract(path, on, opts.garant_root) for _ in range(opts.runs)]
            got = {k: min(r[k] for r in runs) for k in ("check", "docs")}
            for k in total:
                total[k] += got[k]
            print(f"  {path:<40} check {got['check']:6.2f} s   docs {got['docs']:6.2f} s   ({runs[0]['pages']} pages)")
        print(f"  {'sum over the contracts':<40} check {total['check']:6.2f} s   docs {total['docs']:6.2f} s")
        if opts.pages:
            print(f"\npages kept in {out / 'docs'}")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        if not opts.pages:
            shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    main()
