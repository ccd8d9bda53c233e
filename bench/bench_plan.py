"""Benchmark and cross-check: a generated plan module vs. a hand-written
adjudicator of the same plan.

    .venv/bin/python bench/bench_plan.py [--n 100000] [--seed 2025] [--runs 3]

One run, one process: N synthetic claims of families of 1 to 4 members
(fixed seed; every benefit line of contracts/acme_ppo.garant, in and out of
network, emergencies, negotiated and missing allowed amounts, physical
therapy past its visit limit, large hospital bills that meet the
out-of-pocket maximums) are read once by the plan's claim reader, then
evaluated, best of `--runs`, by

    generated     PRODUCT.evaluate_sorted(claims, Ledger()) (the batch entry point)
    hand-written  `adjudicate` below: straight-line code written from
                  MANAGED_CARE.md and the plan's text, amounts only

and end to end from raw records (`PRODUCT.evaluate`). Both sides' amounts
(allowed, deductible, copay, coinsurance, plan paid, member paid, denied or
not) are compared on every claim: the hand-written side is an independent
reading of the evaluation order, so agreement is a check, not a tautology.
Prints figures only; always exits 0.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import random
import sys
import time
from pathlib import Path

from garant.compiler.driver import load_product
from garant.compiler.runtime.claims import Claim
from garant.compiler.runtime.ledger import Ledger

ROOT = Path(__file__).resolve().parent.parent

PLAN = "contracts/acme_ppo.garant"

# contracts/acme_ppo.garant, by hand: (copay cents, coinsurance bp, deductible applies, covered, visit limit)
LINES = {
    "primary_care visit": (2500, 0, False, True, None),
    "specialist visit": (5000, 0, False, True, None),
    "specialist visit obgyn": (5000, 0, False, True, None),
    "preventive mammogram": (0, 0, False, True, None),
    "urgent_care": (7500, 0, False, True, None),
    "physical_therapy": (4000, 0, False, True, 20),
    "emergency_room": (25000, 2000, True, True, None),
    "generic_drugs": (1000, 0, False, True, None),
    "preferred_brand": (4500, 0, False, True, None),
    "specialty_drugs": (0, 2500, True, True, None),
    "over_the_counter": (0, 0, False, False, None),
    "inpatient hospital_facility": (0, 2000, True, True, None),
    "diagnostic lab": (0, 2000, True, True, None),
    "imaging": (0, 2000, True, True, None),
}
LIMITS = {"in": ((100000, 200000), (500000, 1000000)), "out": ((200000, 400000), (1000000, 2000000))}  # (deductible, maximum)
PRICES = {"inpatient hospital_facility": (500_000, 6_000_000), "imaging": (30_000, 300_000), "emergency_room": (50_000, 500_000)}


def synth(n: int, seed: int) -> list[dict]:
    rnd = random.Random(seed)
    acts = list(LINES)
    out = []
    for i in range(n):
        family = rnd.randint(1, max(1, n // 12))
        member = f"F{family}-{rnd.randint(1, 4)}"
        act = rnd.choice(acts)
        low, high = PRICES.get(act, (2_000, 60_000))
        price = rnd.randint(low, high)
        claim = {
            "id": f"c{i}", "date": f"2025-{rnd.randint(1, 12):02d}-{rnd.randint(1, 28):02d}", "beneficiary": member,
            "family": None if family % 7 == 0 else f"F{family}", "act": act,
            "provider": "out_of_network" if rnd.random() < 0.2 else "in_network", "price": f"{price // 100}.{price % 100:02d}",
            "emergency": act == "emergency_room" or rnd.random() < 0.02, "quantity": rnd.choice((1, 1, 1, 2)) if act == "physical_therapy" else 1,
        }
        if rnd.random() < 0.7:
            allowed = price * rnd.randint(50, 100) // 100
            claim["allowed"] = f"{allowed // 100}.{allowed % 100:02d}"
        out.append(claim)
    return out


def _pct(cents: int, bp: int) -> int:
    return (cents * bp + 5000) // 10000


def adjudicate(c: Claim, used: dict) -> tuple:
    """One claim of acme_ppo by hand: (allowed, deductible, copay, coinsurance, plan paid, member paid, denied)."""
    copay_each, rate, with_deductible, covered, visits = LINES[c.act]
    out_of_network = c.dims[0] == "out_of_network"
    if not covered:
        return (0, 0, 0, 0, 0, c.price, True)
    level = "out" if out_of_network and not c.emergency else "in"
    if level == "out":  # the plan's `out of network: coinsurance 40%` replaces the line's terms
        copay_each, rate, with_deductible = 0, 4000, True
    member, family, year = c.beneficiary, c.family or c.beneficiary, c.date.year
    quantity = paid = c.quantity
    if visits is not None:
        left = max(visits - used.get(("visits", member, c.act, year), 0), 0)
        if left == 0:
            return (0, 0, 0, 0, 0, c.price, True)
        paid = min(left, quantity)
    allowed = min(c.allowed if c.allowed is not None else c.price, c.price)
    balance = c.price - allowed if out_of_network else 0
    over = allowed - (allowed * paid * 2 + quantity) // (2 * quantity) if paid < quantity else 0
    (ded_i, ded_f), (max_i, max_f) = LIMITS[level]
    rest = allowed - over
    deductible = 0
    if with_deductible:
        room = min(ded_i - used.get(("ded", level, member, year), 0), ded_f - used.get(("dedf", level, family, year), 0))
        deductible = min(rest, max(room, 0))
    rest -= deductible
    copay = min(copay_each * paid, rest)
    coinsurance = _pct(rest - copay, rate)
    room = max(min(max_i - used.get(("oop", level, member, year), 0), max_f - used.get(("oopf", level, family, year), 0)), 0)
    if deductible + copay + coinsurance > room:
        deductible = min(deductible, room)
        copay = min(copay, room - deductible)
        coinsurance = min(coinsurance, room - deductible - copay)
    share = deductible + copay + coinsurance
    for key, amount in ((("ded", level, member, year), deductible), (("dedf", level, family, year), deductible),
                        (("oop", level, member, year), share), (("oopf", level, family, year), share)):
        used[key] = used.get(key, 0) + amount
    if visits is not None:
        used[("visits", member, c.act, year)] = used.get(("visits", member, c.act, year), 0) + paid
    return (allowed, deductible, copay, coinsurance, allowed - over - share, share + balance + over, False)


def amounts(d) -> tuple:
    if not hasattr(d, "member_paid"):
        return ("rejected", d.reason)
    return (d.allowed, d.deductible, d.copay, d.coinsurance, d.plan_paid, d.member_paid, d.denied is not None)


def best_of(runs: int, fn):
    best, result = float("inf"), None
    for _ in range(runs):
        gc.collect()
        t0 = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t0)
    return best, result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=2025)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    os.chdir(ROOT)
    product = load_product(PLAN)
    raw = synth(args.n, args.seed)
    t_read, read = best_of(1, lambda: [product.reader.read(r, i) for i, r in enumerate(raw)])
    claims = sorted((c for c in read if isinstance(c, Claim)), key=lambda c: (c.date, c.index))
    t_gen, generated = best_of(args.runs, lambda: product.evaluate_sorted(claims, Ledger()))

    def by_hand():
        used: dict = {}
        enabled = gc.isenabled()
        gc.disable()
        try:
            return [adjudicate(c, used) for c in claims]
        finally:
            if enabled:
                gc.enable()

    t_hand, hand = best_of(args.runs, by_hand)
    t_end, _ = best_of(args.runs, lambda: product.evaluate(raw))
    bad = [(c, amounts(g), h) for c, g, h in zip(claims, generated, hand) if amounts(g) != h]
    n = len(claims)
    print(f"{PLAN}: {n:,} claims ({args.n - n} rejected by the reader), seed {args.seed}, best of {args.runs}")
    print(f"Python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} cores")
    print(f"{'path':<52} {'claims/s':>10} {'µs/claim':>9}")
    for name, t in (("generated module, batch entry point (evaluate_sorted)", t_gen), ("hand-written adjudicator (amounts only)", t_hand),
                    ("claim reading and validation (reader.read)", t_read), ("end to end from raw records (evaluate)", t_end)):
        print(f"{name:<52} {n / t:>10,.0f} {t / n * 1e6:>9.2f}")
    print(f"ratio generated / hand-written: {t_gen / t_hand:.2f}")
    denied = sum(1 for h in hand if h[-1])
    print(f"amounts agree on {n - len(bad):,} of {n:,} claims ({denied:,} of them denied)")
    for c, g, h in bad[:10]:
        print(f"  {c.id} {c.act} {c.dims[0]} emergency={c.emergency}: generated {g}, hand-written {h}")


if __name__ == "__main__":
    main()
