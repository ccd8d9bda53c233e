"""Fuzzing: mutants of the bundled sources through check, build, import, eval.

    python bench/fuzz.py --mutants 20000 [--seed 1] [--jobs 2] [--save DIR]
    python bench/fuzz.py --replay 1:4711          # one mutant, with its traceback

Each mutant is a bundled source (contracts/, stdlib/, the inline products
of tests/golden/) with one to four seeded edits: characters, tokens and
lines inserted, deleted, replaced or repeated; numbers made huge, zero,
negative, NaN, infinite, 4,301 digits; odd Unicode (bidi controls, lone
CR, NUL, fullwidth and Arabic-Indic digits, zero-width and combining
characters). Each goes through what `garant check` does (parse, check,
render every diagnostic), and when it passes, what `build` and `eval` do:
generate the module, check it imports nothing but the runtime and the
standard library, load it, build its documentation pages, and evaluate a
fixed list of claims (ordinary and hostile ones: year 1, 20-digit prices,
zero and huge quantities) at its first and last level.

A *crash* is any exception out of those stages, a diagnostic that does
not render, or an "internal error" rejection (a defect the evaluator
caught). A *hang* is a mutant over `--timeout` seconds of CPU time
(CPU, not wall-clock: on a shared machine a mutant waiting for a core is
not hanging). Prints
"N mutants, K crashes, H hangs" and, with --save, writes each crashing
mutant and its traceback to DIR for a regression test. Mutant `i` of seed
`s` depends only on (s, i): any one is replayed alone.

tests/test_fuzz.py runs a short version of this in the suite.
"""

from __future__ import annotations

import argparse
import ast as pyast
import json
import random
import re
import signal
import sys
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# ------------------------------------------------------------------ seeds


def seed_sources() -> list[tuple[str, str]]:
    """(name, text) of every bundled source: contracts, regimes, and the
    inline products of the golden files."""
    import yaml

    out = [(f"contracts/{p.name}", p.read_text(encoding="utf-8")) for p in sorted((ROOT / "contracts").glob("*.garant"))]
    for golden in sorted((ROOT / "tests" / "golden").glob("*.yaml")):
        data = yaml.safe_load(golden.read_text(encoding="utf-8")) or {}
        for name, text in sorted((data.get("products") or {}).items()):
            if isinstance(text, str):
                out.append((f"{golden.stem}/{name}.garant", text))
        for case in data.get("cases") or []:
            if isinstance(case, dict) and isinstance(case.get("check"), str):
                out.append((f"{golden.stem}/{case['id']}.garant", case["check"]))
    return out


# ------------------------------------------------------------- mutations
ODD_CHARS = (
    "\r", "\r\n", "\x00", "\x0c", "\x0b", "\t", "\u00a0", "\u2028", "\u2029", "\ufeff", "\u200b", "\u200d",
    "\u202e", "\u202d", "\u2066", "\u2067", "\u2069", "\u061c", "\u0301", "１", "２", "٣", "۴", "߅", "ß", "İ", "ǅ",
    "€", "$", "%", "£", "¥", "😀", "𝟗", "Ⅻ", "½", "²", "⁰", "\U000e0041", "\x7f", "\x85", "\u0085", "\\", '"', "'",
    "{{", "}}", "{%", "<script>", "#", ":", ",", "+", "-", "_", ".", "|",
)
NUMBERS = (
    "0", "00", "-1", "-30", "NaN", "nan", "inf", "-inf", "1e400", "1e-400", "9" * 20, "9" * 400, "1" + "0" * 4300,
    "9" * 5000, "0.0001", "0.005", "99999", "100000", "2147483648", "9223372036854775808", "1_000", "٣", "１２",
    "0x10", "1,5", "1.5.5", "12,50", "3.", ".5", "1e3", "+5",
)
WORDS = (
    "all", "TM", "BRSS", "FR", "cap", "max", "once", "per", "day", "days", "session", "sessions", "calendar year",
    "rolling", "months", "years", "not covered", "100% santé", "Sécu incluse", "in network", "out of network", "shared",
    "from age", "under", "responsable", "regime", "effective", "currency", "network", "guarantees", "levels", "module",
    "optional", "contract", "plan", "insurer", "deductible", "copay", "coinsurance", "visits", "referral", "acts",
    "dimension", "parameter", "from", "ref", "rate", "base", "act", "only with", "default", "except", "per year",
    "2025-02-30", "0001-01-01", "9999-12-31", "2025-13-01", "20250301", "2025-W10-1",
)


def _tokens(text: str) -> list[re.Match]:
    return list(re.finditer(r"[^\s:,]+", text))


class Mutator:
    """Seeded edits of a source; `WORDS` plus every token of the seeds
    make most mutants parse, so they reach the checker and beyond."""

    def __init__(self, seeds: list[tuple[str, str]]):
        self.seeds = seeds
        self.vocabulary = sorted({m.group(0) for _, t in seeds for m in _tokens(t)} | set(WORDS))
        self.lines = [ln for _, t in seeds for ln in t.split("\n") if ln.strip() and not ln.lstrip().startswith("#")]

    def pick_seed(self, rng: random.Random) -> tuple[str, str]:
        # the bundled contracts are slow to check (their responsable
        # proofs): three mutants in a hundred start from one, the rest from the
        # small products of the golden files and the regimes
        contracts = [s for s in self.seeds if s[0].startswith("contracts/")]
        small = [s for s in self.seeds if not s[0].startswith("contracts/")]
        return rng.choice(contracts if rng.random() < 0.03 else small)

    def mutant(self, seed: int, index: int) -> tuple[str, str, list[str]]:
        rng = random.Random(f"{seed}:{index}")
        name, text = self.pick_seed(rng)
        done = []
        for _ in range(rng.randint(1, 4)):
            op = rng.choice(self.OPS)
            text = op(self, rng, text)
            done.append(op.__name__)
        return name, text, done

    # -- characters
    def char_insert(self, rng, text):
        i = rng.randint(0, len(text))
        return text[:i] + rng.choice(ODD_CHARS + (chr(rng.randint(0x20, 0x2FFF)),)) + text[i:]

    def char_delete(self, rng, text):
        if not text:
            return text
        i = rng.randrange(len(text))
        return text[:i] + text[i + rng.randint(1, 4):]

    def char_replace(self, rng, text):
        if not text:
            return text
        i = rng.randrange(len(text))
        return text[:i] + rng.choice(ODD_CHARS) + text[i + 1:]

    # -- tokens
    def token_replace(self, rng, text):
        tokens = _tokens(text)
        if not tokens:
            return text
        m = rng.choice(tokens)
        return text[:m.start()] + rng.choice(self.vocabulary) + text[m.end():]

    def token_insert(self, rng, text):
        tokens = _tokens(text)
        at = rng.choice(tokens).end() if tokens else 0
        return text[:at] + " " + rng.choice(self.vocabulary) + text[at:]

    def token_delete(self, rng, text):
        tokens = _tokens(text)
        if not tokens:
            return text
        m = rng.choice(tokens)
        return text[:m.start()] + text[m.end():]

    def number(self, rng, text):
        numbers = list(re.finditer(r"\d+(?:[.,]\d+)?", text))
        if not numbers:
            return text
        m = rng.choice(numbers)
        return text[:m.start()] + rng.choice(NUMBERS) + text[m.end():]

    # -- lines
    def line_dup(self, rng, text):
        lines = text.split("\n")
        i = rng.randrange(len(lines))
        lines[i:i] = [lines[i]] * rng.choice((1, 1, 2, 50))
        return "\n".join(lines)

    def line_delete(self, rng, text):
        lines = text.split("\n")
        del lines[rng.randrange(len(lines))]
        return "\n".join(lines)

    def line_swap(self, rng, text):
        lines = text.split("\n")
        i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
        lines[i], lines[j] = lines[j], lines[i]
        return "\n".join(lines)

    def line_indent(self, rng, text):
        lines = text.split("\n")
        i = rng.randrange(len(lines))
        lines[i] = rng.choice(("", " ", "  ", "   ", "    ", "      ", "\t", "  \t", "\u3000")) + lines[i].lstrip(" \t")
        return "\n".join(lines)

    def line_splice(self, rng, text):
        lines = text.split("\n")
        lines.insert(rng.randint(0, len(lines)), rng.choice(self.lines))
        return "\n".join(lines)

    OPS = (char_insert, char_delete, char_replace, token_replace, token_replace, token_insert, token_delete, number, number,
           line_dup, line_delete, line_swap, line_indent, line_splice, line_splice)


# ------------------------------------------------------------------ claims
def claims_for(kind: str) -> list[dict]:
    """The examples' claims and hostile ones, for a contract or a plan."""
    name = "plan_claims.json" if kind == "plan" else "claims.json"
    base = json.loads((ROOT / "examples" / name).read_text(encoding="utf-8"))
    act = base[0]["act"]
    hostile = [
        {"date": "0001-01-01"}, {"date": "9999-12-31"}, {"price": "9" * 20 + ".99"}, {"price": "0.001"}, {"price": "0"},
        {"quantity": 0}, {"quantity": 10**9}, {"quantity": -1}, {"price": "1e400"}, {"price": "NaN"},
        {"birth_date": "0001-01-01"}, {"birth_date": "9999-12-31"}, {"base": "9" * 18}, {"act": act + " " + act},
    ]
    extra = [dict(base[0], **h, id=f"h{i}") for i, h in enumerate(hostile)]
    return base + extra


# -------------------------------------------------------------- one mutant
class Hang(BaseException):
    """Raised by the alarm: not an Exception, so nothing catches it."""


class Crash(Exception):
    def __init__(self, stage: str, detail: str):
        super().__init__(f"{stage}: {detail}")
        self.stage = stage


ALLOWED_IMPORTS = ("garant.compiler.runtime", "__future__", "decimal", "datetime", "fractions", "math", "functools", "itertools", "collections", "typing")


def _imports_only_runtime(code: str, also: tuple[str, ...] = ()) -> None:
    """The runtime and the standard library only (and, for a product, the
    module of its own regime: `also`)."""
    for node in pyast.walk(pyast.parse(code)):
        if isinstance(node, (pyast.Import, pyast.ImportFrom)):
            names = [node.module or ""] if isinstance(node, pyast.ImportFrom) else [a.name for a in node.names]
            for n in names:
                if not n.startswith(ALLOWED_IMPORTS) and n not in also:
                    raise Crash("build", f"generated module imports {n}")
        if isinstance(node, pyast.Call) and isinstance(node.func, pyast.Name) and node.func.id in ("exec", "eval", "open", "__import__", "compile"):
            raise Crash("build", f"generated module calls {node.func.id}")


def run_one(name: str, text: str, claims: dict[str, list[dict]], docs: bool = True) -> str:
    """Raises Crash (or any exception: also a crash) on a defect; returns
    how far the mutant went: "refused" (check found errors) or "evaluated"."""
    from garant.compiler.driver import load_unit, python_source, regime_source
    from garant.dsl.pipeline import compile_text

    unit = compile_text(text, name)
    for d in unit.diagnostics:
        d.render(unit.source)
    if not unit.ok or unit.product is None:
        return "refused"
    code = python_source(unit)
    regime_code, regime_name, _ = regime_source(unit)
    compile(code, "<generated>", "exec")
    compile(regime_code, "<generated regime>", "exec")
    _imports_only_runtime(regime_code)
    _imports_only_runtime(code, also=(regime_name,))
    product = load_unit(unit)
    if docs:
        from garant.compiler.driver import build_site

        build_site([unit])
    kind = "plan" if getattr(product, "kind", "") == "plan" else "contract"
    _evaluate(product, claims[kind])
    return "evaluated"


def _evaluate(product, claims: list[dict]) -> None:
    if getattr(product, "needs_level", False):
        for level in dict.fromkeys((product.levels[0], product.levels[-1])):
            _evaluate(product.at(level), claims)
        return
    results = product.evaluate([dict(c) for c in claims])
    if len(results) != len(claims):
        raise Crash("eval", f"{len(claims)} claims in, {len(results)} results")
    for claim, r in zip(claims, results):
        if getattr(r, "internal", False):
            raise Crash("eval", f"internal error rejection: {r.reason}")
        if r.id != claim["id"]:
            raise Crash("eval", f"result {r.id} for claim {claim['id']}")
        r.to_dict()


def _alarm(signum, frame):
    raise Hang()


def attempt(mutator: Mutator, seed: int, index: int, timeout: float, claims, docs: bool = True) -> tuple[str, str, str, str]:
    """(outcome, name, text, detail): outcome is refused, evaluated, crash or hang."""
    name, text, ops = mutator.mutant(seed, index)
    signal.signal(signal.SIGPROF, _alarm)
    signal.setitimer(signal.ITIMER_PROF, timeout)
    started = time.process_time()
    try:
        return run_one(name, text, claims, docs), name, text, ""
    except Hang:
        return "hang", name, text, f"over {timeout} s of CPU ({', '.join(ops)})"
    except RecursionError:
        return "crash", name, text, traceback.format_exc(limit=-8)
    except Exception:
        return "crash", name, text, traceback.format_exc(limit=-8)
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        _STATE["cpu"] = time.process_time() - started


# -------------------------------------------------------------------- main
_STATE: dict = {}


def _init(seed: int, timeout: float) -> None:
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 1000))
    _STATE["mutator"] = Mutator(seed_sources())
    _STATE["claims"] = {"contract": claims_for("contract"), "plan": claims_for("plan")}
    _STATE["seed"], _STATE["timeout"] = seed, timeout


def _work(index: int):
    got = attempt(_STATE["mutator"], _STATE["seed"], index, _STATE["timeout"], _STATE["claims"])
    return index, *got, _STATE["cpu"]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mutants", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--start", type=int, default=0, help="first mutant index (to split a long run)")
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=30.0, help="CPU seconds before a mutant counts as a hang")
    parser.add_argument("--save", type=Path, help="folder for each crashing or hanging mutant and its traceback")
    parser.add_argument("--replay", help="SEED:INDEX: run one mutant and print its traceback")
    args = parser.parse_args(argv)

    if args.replay:
        seed, index = (int(x) for x in args.replay.split(":"))
        _init(seed, args.timeout)
        outcome, name, text, detail = attempt(_STATE["mutator"], seed, index, args.timeout, _STATE["claims"])
        print(f"{name}: {outcome}\n{detail}\n--- mutant ---\n{text}")
        return 0 if outcome in ("refused", "evaluated") else 1

    counts = {"refused": 0, "evaluated": 0, "crash": 0, "hang": 0}
    started = time.perf_counter()
    indexes = range(args.start, args.start + args.mutants)
    if args.jobs > 1:
        import multiprocessing

        pool = multiprocessing.get_context("fork").Pool(args.jobs, initializer=_init, initargs=(args.seed, args.timeout))
        results = pool.imap_unordered(_work, indexes, chunksize=8)
    else:
        _init(args.seed, args.timeout)
        pool, results = None, map(_work, indexes)
    done, slowest = 0, (0.0, None)
    for index, outcome, name, text, detail, cpu in results:
        done += 1
        slowest = max(slowest, (cpu, f"{args.seed}:{index}"), key=lambda s: s[0])
        counts[outcome] += 1
        if outcome in ("crash", "hang"):
            first = detail.strip().splitlines()[-1] if detail.strip() else outcome
            print(f"{outcome} {args.seed}:{index} ({name}): {first}", flush=True)
            if args.save:
                args.save.mkdir(parents=True, exist_ok=True)
                (args.save / f"{outcome}-{args.seed}-{index}.garant").write_text(text, encoding="utf-8", errors="surrogatepass")
                (args.save / f"{outcome}-{args.seed}-{index}.txt").write_text(f"{name}\n{detail}", encoding="utf-8")
        if done % 500 == 0:
            print(f"... {done} mutants, {counts['crash']} crashes, {counts['hang']} hangs ({time.perf_counter() - started:.0f} s)", flush=True)
    if pool is not None:
        pool.close()
        pool.join()
    seconds = time.perf_counter() - started
    print(f"{done} mutants, {counts['crash']} crashes, {counts['hang']} hangs "
          f"({counts['refused']} refused by check, {counts['evaluated']} built and evaluated; seed {args.seed}, {seconds:.0f} s; "
          f"slowest mutant {slowest[0]:.1f} s of CPU, {slowest[1]})")
    return 1 if counts["crash"] or counts["hang"] else 0


if __name__ == "__main__":
    sys.exit(main())
