"""The contract clauses of issue 18.4-18.6 (docs/language.md): `cap … then`,
`counts toward`, `waiting N months: FORMULA`, `per eye` / `per ear`.

The figures are in tests/golden/clauses.yaml (hand-worked); here: where a
misused clause is reported (line, column, caret), how a waiting period's
end falls at month ends, the syntax errors, and the vectorised evaluator
giving the scalar engine's décomptes on claims that use the clauses.
"""

from __future__ import annotations

import datetime as dt
import re

import pyarrow as pa
import pytest

from garant.batch.unit import evaluate_partition
from garant.batch.vector import VectorStats
from garant.compiler.driver import load_product_text
from garant.compiler.runtime.rules import Waiting
from garant.dsl.diagnostics import Severity
from garant.dsl.pipeline import compile_text

HEADER = 'contract "T"\n  insurer "I"\n  regime secu\n  effective 2025-01-01\n'


def _errors(text: str):
    unit = compile_text(text, "x.garant")
    return unit, [d for d in unit.diagnostics if d.severity is Severity.ERROR]


def _rendered(text: str) -> list[list[str]]:
    unit, errs = _errors(text)
    return [d.render(unit.source).split("\n") for d in errs]


@pytest.mark.parametrize("line,at,message", [
    ("  consultation: 100% BRSS then TM", "then TM", "`then` names what the line pays once a limit is spent, but here it follows the formula"),
    ("  medecine_douce osteopathie: 50€, max 3 per calendar year then 20€", "then 20€", "`then` follows a `cap`, not a `max` limit"),
    ("  medecine_douce osteopathie: 50€, once per calendar year then 20€", "then 20€", "`then` follows a `cap`, not a `once` limit"),
    ("  medecine_douce osteopathie: 50€, waiting 3 months: 20€ then 10€", "then 10€", "but here it follows `waiting`"),
    ("  dentaire protheses: 300% BRSS, cap 1500€ per calendar year shared d, counts toward d then TM", "then TM",
     "but here it follows `counts toward`"),
    ("  dentaire: 300% BRSS, cap 1500€ per calendar year then TM, cap 3000€ per 2 years then 50% BRSS", "then 50%", "has two `then` clauses"),
    ("  dentaire: 100% BRSS, waiting 2 months: TM, waiting 3 months: TM", "waiting 3", "has two `waiting` clauses"),
    ("  dentaire orthodontie: 200% BRSS, counts toward nowhere", "nowhere", "`counts toward nowhere`: no `cap … shared nowhere` declares that pool"),
    ("  dentaire: 100% BRSS, waiting 3 years: TM", "waiting", "a waiting period is counted in months or days, not `years`"),
    ("  dentaire: 100% BRSS, waiting 0 months: TM", "0 months", "`waiting 0 …` is no waiting period"),
    ("  dentaire: 100% BRSS, waiting 3 months: 100€ per calendar year", "100€", "a waiting period's formula cannot hold a budget"),
    ("  dentaire: 100% BRSS, cap 500€ per calendar year then 30€ per calendar year", "30€", "a `then` formula cannot hold a budget"),
])
def test_a_misused_clause_is_reported_where_it_stands(line, at, message):
    text = HEADER + "\nguarantees\n  all: TM\n" + line + "\n"
    column = line.index(at) + 1
    rendered = _rendered(text)
    hit = [r for r in rendered if message in r[0]]
    assert hit, rendered
    first, source, caret = hit[0][:3]
    assert first.startswith(f"x.garant:8:{column}: error: "), first
    assert source == "  " + line
    assert caret.index("^") - 2 + 1 == column, caret


def test_a_header_waiting_period_is_checked_like_a_lines():
    rendered = _rendered(HEADER + "  waiting 2 weeks: not covered\n\nguarantees\n  all: TM\n")
    assert any("x.garant:5:3: error: a waiting period is counted in months or days, not `weeks`" in r[0] for r in rendered), rendered


@pytest.mark.parametrize("line,expected", [
    ("  optique verres: 100€, max 2 per nose per 2 years", "`eye`, `ear` or `side`"),
    ("  dentaire: 100% BRSS, counts dentaire", "`toward`"),
    ("  dentaire: 300% BRSS, cap 1500€ per calendar year then TM then 50% BRSS", "unexpected `then`; expected `,` or the end of the line"),
])
def test_syntax_errors_name_what_was_expected(line, expected):
    rendered = _rendered(HEADER + "\nguarantees\n  all: TM\n" + line + "\n")
    assert rendered and any(expected in "\n".join(r) for r in rendered), rendered


def test_the_checked_model_keeps_the_clauses():
    unit, errs = _errors(HEADER + "  waiting 3 months: not covered\n\nguarantees\n  all: TM\n"
                         "  dentaire protheses: 300% BRSS, cap 1500€ per calendar year shared dentaire then TM\n"
                         "  dentaire orthodontie: 200% BRSS, counts toward Dentaire, waiting 6 months: 100% BRSS\n"
                         "  aides_auditives: 400€, cap 950€ per ear per 4 years\n")
    assert not errs, errs
    lines = {ln.selector: ln for ln in unit.contract.lines}
    cap = lines["dentaire protheses"].limits[0]
    assert cap.then[0].kind == "ticket_moderateur" and cap.text.endswith("then TM")
    assert lines["dentaire protheses"].waiting.months == 3 and lines["dentaire protheses"].waiting.product
    ortho = lines["dentaire orthodontie"]
    toward = [lim for lim in ortho.limits if lim.kind == "toward"]
    assert [(t.pool, t.period.kind) for t in toward] == [("dentaire", "calendar_year")]  # the pool's spelling and period
    assert ortho.waiting.months == 6 and not ortho.waiting.product
    assert lines["aides_auditives"].limits[0].side and lines["aides_auditives"].limits[0].period.months == 48


@pytest.mark.parametrize("membership,months,days,first_covered", [
    ("2025-01-15", 3, 0, "2025-04-15"),
    ("2025-01-31", 1, 0, "2025-02-28"),  # February has no 31st: its last day
    ("2023-08-31", 6, 0, "2024-02-29"),  # a leap year's
    ("2025-12-31", 6, 0, "2026-06-30"),
    ("2025-11-30", 3, 0, "2026-02-28"),
    ("2025-01-01", 0, 90, "2025-04-01"),  # 90 days: 31 + 28 + 31 = 1 April
])
def test_a_waiting_period_ends_at_the_same_day_of_the_month(membership, months, days, first_covered):
    w = Waiting(months, days, None, "", "")
    assert w.ends(dt.date.fromisoformat(membership)) == dt.date.fromisoformat(first_covered)


PRODUCT = HEADER + """
guarantees
  all: TM
  dentaire protheses: 300% BRSS, cap 1000€ per calendar year shared dentaire then TM
  dentaire orthodontie: 200% BRSS, counts toward dentaire
  medecine_douce osteopathie: 40€, max 3 per calendar year, waiting 2 months: not covered
  optique verres: 100€, max 1 per eye per 2 years
  consultation: 100% BRSS
"""


def _claims() -> list[dict]:
    """Claims over every clause, spread over a few members so that pools
    fill, with members that give `membership_date` and `side` and some
    that do not (rejected where a line needs them)."""
    out = []
    acts = [("dentaire protheses", "900.00", "200.00"), ("dentaire orthodontie", "500.00", "193.50"),
            ("medecine_douce osteopathie", "60.00", None), ("optique verres classe_b", "150.00", None),
            ("consultation generaliste", "30.00", None)]
    for n in range(120):
        act, price, base = acts[n % len(acts)]
        claim = {"id": f"c{n}", "date": (dt.date(2025, 1, 5) + dt.timedelta(days=7 * n)).isoformat(), "beneficiary": f"B{n % 4}",
                 "act": act, "price": price, "base": base, "provider": "secteur1" if act.startswith("consultation") else None}
        if act.startswith("consultation"):
            claim["beneficiary"] = f"C{n % 3}"  # members whose claims use no clause field: the vectorised way
        if act.startswith("medecine") and n % 4 != 3:
            claim["membership_date"] = "2025-02-10"
        if act.startswith("optique") and n % 6 != 5:
            claim["side"] = "left" if n % 2 else "right"
        out.append(claim)
    return out


def _table(records: list[dict]) -> pa.Table:
    names = list(dict.fromkeys(k for r in records for k in r))
    return pa.table({n: pa.array([None if r.get(n) is None else str(r[n]) for r in records], pa.string()) for n in names})


def test_the_vectorised_way_gives_the_scalar_decomptes_on_the_clauses():
    product = load_product_text(PRODUCT, "clauses.garant")
    table = _table(_claims())
    want_d, want_r = evaluate_partition(product, table, evaluator="scalar")
    stats = VectorStats()
    got_d, got_r = evaluate_partition(product, table, evaluator="vector", stats=stats)
    assert want_d.equals(got_d) and want_r.equals(got_r)
    assert stats.vector > 0 and stats.scalar > 0  # the consultations the vectorised way, the clauses the scalar one
    assert want_d.num_rows + want_r.num_rows == table.num_rows
    # Both ways met every clause: a fallback, a waiting period, a per-side count, rejections.
    warnings = " ".join(str(w) for w in want_d.column("warnings").to_pylist() if w)
    assert "then TM" in warnings and "waiting period applies" in warnings and "per eye" in warnings
    reasons = " ".join(want_r.column("reason").to_pylist())
    assert "membership_date" in reasons and "side" in reasons


def test_claims_without_the_clause_fields_stay_on_the_vectorised_way():
    product = load_product_text(HEADER + "\nguarantees\n  all: TM\n  consultation: 100% BRSS\n", "plain.garant")
    claims = [{"id": f"c{n}", "date": "2025-03-01", "beneficiary": f"B{n}", "act": "consultation generaliste", "provider": "secteur1",
               "price": "30.00"} for n in range(50)]
    stats = VectorStats()
    evaluate_partition(product, _table(claims), evaluator="vector", stats=stats)
    assert stats.scalar == 0 and stats.vector == 50


def test_only_a_guarantee_line_limits_per_side():
    plan = ('plan "P"\n  kind EPO\n  currency USD\n  network "N"\n  deductible $500 individual\n  out_of_pocket_max $2,000 individual\n\n'
            "benefits\n  all: coinsurance 20% after deductible\n  specialist visit: copay $40, max 20 visits per eye per year\n")
    unit, errs = _errors(plan)
    assert any("`per eye`: only a contract's guarantee line limits per side" in d.message for d in errs), [d.message for d in errs]


def test_a_waiting_period_on_a_responsable_contract_is_proved():
    # The floors are proved during the waiting period too
    # (tests/test_responsable_limits.py): `not covered` over `all: TM`
    # leaves a GP visit at 21€ all-in where R1 owes 30€.
    text = HEADER + "  responsable\n  waiting 3 months: not covered\n\nguarantees\n  all: TM\n"
    unit = compile_text(text, "x.garant")
    errs = [d for d in unit.diagnostics if d.severity is Severity.ERROR and "during `waiting 3 months: not covered`" in d.message]
    assert errs and any(d.message.startswith("R1") for d in errs), [d.message for d in unit.diagnostics]


@pytest.mark.parametrize("before,after", [
    ("cap 1500€ per calendar year then TM", "cap 1500€ per calendar year then 50% BRSS"),
    ("cap 1500€ per calendar year", "cap 1500€ per ear per calendar year"),
    ("cap 1500€ per calendar year", "cap 1500€ per calendar year, waiting 3 months: not covered"),
])
def test_garant_diff_sees_a_changed_clause(before, after):
    from garant.compiler.review.diff import line_changes

    def unit(limits):
        return compile_text(HEADER + f"\nguarantees\n  all: TM\n  aides_auditives: 300% BRSS, {limits}\n", "x.garant").contract

    changes = line_changes(unit(before), unit(after))
    assert [(c.kind, c.selector) for c in changes] == [("changed", "aides_auditives")], changes


def test_the_generated_module_carries_the_clauses():
    from garant.compiler.driver import python_source

    unit = compile_text(HEADER + "  waiting 3 months: not covered\n\nguarantees\n  all: TM\n"
                        "  dentaire protheses: 300% BRSS, cap 1500€ per calendar year shared dentaire then TM\n"
                        "  dentaire orthodontie: 200% BRSS, counts toward dentaire\n"
                        "  aides_auditives: 400€, cap 950€ per ear per 4 years\n", "x.garant")
    source = python_source(unit)
    assert source == python_source(unit)  # deterministic
    compile(source, "x.py", "exec")
    assert "def line_9_then(price, base, amo, quantity, ceiling):\n" in source
    assert "return _f.ticket_moderateur(price, base, amo)" in source.split("def line_9_then", 1)[1].split("def ", 1)[0]
    assert "then=line_9_then" in source and "side=True" in source
    assert "def product_waiting(price, base, amo, quantity, ceiling):\n" in source and "line_8_waiting" not in source
    assert source.count("_rules.Waiting(3, 0, product_waiting, 'waiting 3 months: not covered', 'x.garant:5')") == 4
    assert re.search(r"_rules\.Limit\(\s*'toward',\s*None,\s*period='calendar_year',\s*pool='dentaire'", source)


# What a responsable contract must cover besides the line under test (R2, R5, R7), as in tests/test_checker.py.
_FLOORS = ("  hospitalisation forfait_journalier: 100% FR\n  dentaire protheses panier_100_sante: 100% santé\n  aides_auditives classe_1: 100% santé\n"
           "  optique equipement classe_a: 100% santé, once per rolling 24 months shared lunettes from age 16, once per rolling 12 months shared lunettes under 16\n"
           "  optique monture classe_a: 100% santé, once per rolling 24 months shared lunettes from age 16, once per rolling 12 months shared lunettes under 16\n"
           "  optique verres classe_a: 100% santé, once per rolling 24 months shared lunettes from age 16, once per rolling 12 months shared lunettes under 16\n")


@pytest.mark.parametrize("fallback,breaks", [(" then TM", False), (" then 100% BRSS", False), ("", True), (" then 50% BRSS", True)])
def test_the_responsable_proofs_read_the_fallback(fallback, breaks):
    """R1 (ticket modérateur) once the cap is spent: `then TM` keeps it met;
    no fallback, or one below the TM, breaks it (the proofs of issue 18.2,
    dsl/checker/responsable/limits.py, read `model.Limit.then`)."""
    pytest.importorskip("garant.dsl.checker.responsable.limits", reason="the proofs that see limits (issue 18.2) are not merged yet")
    text = (HEADER + "  responsable\n  solidaire\n\nguarantees\n  all: TM\n" + _FLOORS
            + f"  consultation: 150% BRSS, cap 100€ per calendar year{fallback}\n")
    unit, errs = _errors(text)
    r1 = [d for d in errs if "R1" in d.message and "cap 100€" in d.message]
    assert bool(r1) == breaks, [d.message for d in unit.diagnostics]
