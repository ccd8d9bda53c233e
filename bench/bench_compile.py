"""Compile time, in CPU seconds (user + sys of the child process: a loaded
machine changes wall time, much less CPU time).

    python bench/bench_compile.py                 # this checkout
    python bench/bench_compile.py --runs 5
    python bench/bench_compile.py --garant-root /tmp/old   # another one: /tmp/old/garant/ is its package

Prints, each with its command (the best of `--runs` runs):

* `garant check stdlib contracts`, with no cache at all (`GARANT_NO_CACHE=1`:
  Lark builds its tables) and with a warm cache folder (Lark's tables read
  back; checking never uses the product cache);
* `garant eval contracts/essentiel_2025.garant --claim examples/claims.json`,
  with no cache, cold (an empty cache folder: checked, then stored) and
  cached (the stored module run again).

Issue 20.2's target: the check under 1.5 s of CPU.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHECK = ["check", "stdlib", "contracts"]
EVAL = ["eval", "contracts/essentiel_2025.garant", "--claim", "examples/claims.json"]


def cpu_of(args: list[str], env: dict, garant_root: str | None) -> float:
    """user + sys seconds of one `garant ARGS` run in a child process."""
    prelude = f"import sys; sys.path.insert(0, {garant_root!r}); " if garant_root else "import sys; "
    code = prelude + f"sys.argv = ['garant', *{args!r}]; from garant.cli import app; app()"
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        sys.exit(f"`garant {' '.join(args)}` failed ({done.returncode}):\n{done.stderr.decode(errors='replace')[-2000:]}")
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def best_cpu(args: list[str], env: dict, runs: int, garant_root: str | None, emptied: Path | None = None) -> float:
    """The least CPU of `runs` runs of `garant ARGS` (the machine is shared:
    the least is the one the others' load disturbed least), `emptied`
    emptied before each (a cold cache folder)."""
    times = []
    for _ in range(runs):
        if emptied is not None:
            shutil.rmtree(emptied, ignore_errors=True)
        times.append(cpu_of(args, env, garant_root))
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--garant-root", default=None, help="a folder holding another `garant/` package to measure instead")
    opts = ap.parse_args()
    base = {k: v for k, v in os.environ.items() if k not in ("GARANT_NO_CACHE", "GARANT_CACHE_DIR")}
    folder = Path(tempfile.mkdtemp(prefix="garant-bench-cache-"))
    try:
        off = {**base, "GARANT_NO_CACHE": "1"}
        on = {**base, "GARANT_CACHE_DIR": str(folder)}

        def best(args, env, fresh_folder=False):
            return best_cpu(args, env, opts.runs, opts.garant_root, folder if fresh_folder else None)

        print(f"CPU seconds (user+sys), best of {opts.runs}; cwd {ROOT}")
        rows = [
            ("GARANT_NO_CACHE=1 garant " + " ".join(CHECK), best(CHECK, off)),
        ]
        cpu_of(CHECK, on, opts.garant_root)  # warm Lark's tables
        rows.append(("garant " + " ".join(CHECK) + "   (warm cache folder)", best(CHECK, on)))
        rows.append(("GARANT_NO_CACHE=1 garant " + " ".join(EVAL), best(EVAL, off)))
        rows.append(("garant " + " ".join(EVAL) + "   (cold: empty cache folder)", best(EVAL, on, fresh_folder=True)))
        cpu_of(EVAL, on, opts.garant_root)  # store it
        rows.append(("garant " + " ".join(EVAL) + "   (cached)", best(EVAL, on)))
        rows.append(("garant --help   (start-up alone)", best(["--help"], off)))
        width = max(len(r[0]) for r in rows)
        for command, seconds in rows:
            print(f"  {command:<{width}}  {seconds:6.2f} s")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
