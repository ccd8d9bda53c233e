"""A short run of bench/fuzz.py in the suite (issue 14): seeded mutants of
the bundled sources (characters, tokens, lines; huge, zero, negative, NaN
numbers; odd Unicode) through check, then build + import + docs + eval on
what passes. Any exception, any diagnostic that does not render, any
"internal error" rejection or any mutant over the CPU budget fails it.

The long run is `python bench/fuzz.py --mutants 20000`.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("garant_fuzz", ROOT / "bench" / "fuzz.py")
fuzz = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fuzz)

MUTANTS = 120
SEED = 20251207


@pytest.fixture(scope="module")
def harness():
    return fuzz.Mutator(fuzz.seed_sources()), {"contract": fuzz.claims_for("contract"), "plan": fuzz.claims_for("plan")}


def test_mutants_are_reproducible_and_varied(harness):
    mutator, _ = harness
    assert mutator.mutant(SEED, 3) == mutator.mutant(SEED, 3)
    texts = {mutator.mutant(SEED, i)[1] for i in range(40)}
    assert len(texts) == 40
    seeds = {mutator.mutant(SEED, i)[0] for i in range(200)}
    assert any(s.startswith("contracts/") for s in seeds) and any(not s.startswith("contracts/") for s in seeds)


@pytest.mark.parametrize("block", range(4))
def test_short_fuzz_run(harness, block):
    mutator, claims = harness
    outcomes = {"refused": 0, "evaluated": 0}
    failures = []
    for index in range(block * MUTANTS // 4, (block + 1) * MUTANTS // 4):
        outcome, name, text, detail = fuzz.attempt(mutator, SEED, index, 60.0, claims)
        if outcome in ("crash", "hang"):
            failures.append(f"{outcome} {SEED}:{index} ({name}): {detail}")
        else:
            outcomes[outcome] += 1
    assert not failures, "\n\n".join(failures)
    assert outcomes["refused"]  # the mutants reach the checker's errors


# Mutants the long run or the issue found crashing, as regressions: each
# went through run_one without an exception after its fix.
ESSENTIEL = (ROOT / "contracts" / "essentiel_2025.garant").read_text(encoding="utf-8").replace("  responsable\n", "\n")
REGRESSIONS = {
    "max nan sessions (AttributeError)": ESSENTIEL.replace("max 3 sessions", "max nan sessions"),
    "a 3001-digit period": ESSENTIEL.replace("rolling 24 months, once", "rolling 1" + "0" * 3000 + " months, once", 1),
    "a 300-deep taxonomy (RecursionError)": 'regime deep "Deep"\n  currency EUR\n\nacts\n' + "".join("  " * (i + 1) + f"a{i}\n" for i in range(300)),
    "a 5000-digit amount": ESSENTIEL.replace("30€ per session", "9" * 3500 + "€ per session"),
    "a 99999-month window": ESSENTIEL.replace("per rolling 24 months", "per rolling 99999 months"),
    # found by bench/fuzz.py seed 4, mutant 1750: a name where `frame at most` takes an amount
    "frame at most a name (AttributeError)": ESSENTIEL.replace("optique monture: 100€ per rolling 24 months,", "optique monture: 100€ per rolling 24 months, frame at most plafond,"),
}


@pytest.mark.parametrize("name", sorted(REGRESSIONS))
def test_regressions(harness, name):
    _, claims = harness
    assert fuzz.run_one("r.garant", REGRESSIONS[name], claims, docs=False) == "refused"


def test_the_harness_sees_a_crash(harness, monkeypatch):
    """A fuzz test that cannot fail tests nothing: a defect in the
    evaluator (caught and kept as an internal-error rejection) is a crash."""
    from garant.compiler.runtime.engine import Product

    _, claims = harness
    monkeypatch.setattr(Product, "_evaluate", lambda self, claim, ledger: 1 // 0)
    with pytest.raises(fuzz.Crash, match="internal error rejection"):
        fuzz.run_one("e.garant", ESSENTIEL, claims, docs=False)
