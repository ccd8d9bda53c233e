"""The trace explains a décompte line by line: each step names what it did,
the amount it produced and the source line (`file:line`) that decided it.
Line numbers are looked up in the sources, so the tests say *which* line,
not where it happens to sit today."""

from __future__ import annotations

from pathlib import Path

from garant.compiler.driver import load_product

ROOT = Path(__file__).resolve().parent.parent
STDLIB = (ROOT / "stdlib" / "secu.garant").read_text(encoding="utf-8").split("\n")
CONTRACT_PATH = "contracts/essentiel_2025.garant"
CONTRACT = (ROOT / CONTRACT_PATH).read_text(encoding="utf-8").split("\n")
PRODUCT = load_product(ROOT / CONTRACT_PATH)


def stdlib_line(text: str, after: str | None = None) -> str:
    """`stdlib/secu.garant:N` of the first line equal to `text` (stripped),
    optionally after the line starting with `after`."""
    start = 0
    if after is not None:
        start = next(i for i, line in enumerate(STDLIB) if line.strip().startswith(after))
    n = next(i for i, line in enumerate(STDLIB) if i >= start and line.strip() == text) + 1
    return f"stdlib/secu.garant:{n}"


def contract_line(text: str) -> str:
    n = next(i for i, line in enumerate(CONTRACT) if line.strip() == text) + 1
    return f"{ROOT / CONTRACT_PATH}:{n}"


def steps(*claims):
    return [[(s.rule, s.label, s.amount) for s in r.steps] for r in PRODUCT.evaluate(list(claims))]


def gp(**kw):
    c = {"id": "c", "date": "2025-03-10", "beneficiary": "B", "birth_date": "1980-01-01", "act": "consultation generaliste", "provider": "secteur1", "price": "30.00"}
    c.update(kw)
    return c


def test_every_step_of_an_ordinary_consultation_cites_its_source():
    (trace,) = steps(gp())
    base, amo, pf, line, rac = trace
    assert base == (stdlib_line("secteur1 from age 6: consultation_G", after="act consultation generaliste"), "base de remboursement: consultation_G on 2025-03-10", 3000)
    assert amo == (stdlib_line("rate 70%", after="act honoraires_medicaux"), "AMO = 70% × 30.00", 2100)
    assert pf[0] == stdlib_line('from 2024-05-15: 2€  ref "Décret n° 2024-113 du 16 février 2024 (R160-19); décision UNCAM du 21 mars 2024"')
    assert pf[1].startswith("Participation forfaitaire (Décret n° 2024-113") and pf[2] == 200
    assert line == (contract_line("consultation generaliste secteur1: 100% BRSS"), "contract: consultation generaliste secteur1: 100% BRSS", 900)
    assert rac == (None, "reste à charge = price − AMO net − AMC", 200)


def test_the_participation_forfaitaire_before_may_2024_cites_the_older_value():
    (trace,) = steps(gp(date="2024-03-10", price="26.50"))
    pf = next(s for s in trace if s[1].startswith("Participation forfaitaire"))
    assert pf[0] == stdlib_line('from 2005-01-01: 1€  ref "Loi n° 2004-810 du 13 août 2004; décret n° 2004-1453 du 23 décembre 2004 (CSS L160-13 II)"')
    assert pf[2] == 100


def test_hors_parcours_steps_cite_the_rate_entry_and_the_responsable_reference():
    (trace,) = steps(gp(parcours="hors_parcours"))
    amo = next(s for s in trace if s[1].startswith("AMO ="))
    assert amo[0] == stdlib_line("rate hors_parcours from age 16: 30%") and amo[2] == 900
    ref = next(s for s in trace if s[1].startswith("hors_parcours:"))
    assert ref[0] == stdlib_line("rate 70%", after="act honoraires_medicaux") and ref[2] == 2100
    assert "never refunding the increase" in ref[1]


def test_a_minor_is_shown_exempt():
    (trace,) = steps(gp(birth_date="2015-06-01"))
    assert (None, "Participation forfaitaire: exempt (under 18)", None) in trace


def test_the_r3_ceiling_is_a_step_with_its_source():
    (trace,) = steps(gp(provider="secteur2 non_optam", price="80.00"))
    line = next(s for s in trace if s[1].startswith("contract:"))
    assert line[0] == contract_line("consultation secteur2 non_optam: 180% BRSS cap")
    # 180% BRSS of 23 = 41.40 all-in; the line asks min(80, 41.40) − 16.10 = 25.30: within the ceiling.
    assert line[2] == 2530


def test_limit_steps_say_what_was_left():
    first, second = steps(
        {"id": "a", "date": "2025-09-15", "beneficiary": "B", "act": "medecine_douce osteopathie", "price": "120.00", "quantity": 2},
        {"id": "b", "date": "2025-10-15", "beneficiary": "B", "act": "medecine_douce osteopathie", "price": "120.00", "quantity": 2},
    )
    where = contract_line("medecine_douce osteopathie: 30€ per session, max 3 sessions per calendar year")
    assert (where, "limit max 3 sessions per calendar year: 1 left", None) in second
    assert (where, "contract: medecine_douce osteopathie: 30€ per session, max 3 sessions per calendar year", 3000) in second
    assert first[0][1] == "Ostéopathie: not reimbursed by the regime"


def test_a_gap_cites_the_guarantees_block():
    from garant.compiler.driver import load_product_text

    text = 'contract "Sans optique"\n  insurer "x"\n  regime secu\n\nguarantees\n  consultation: 100% BRSS\n'
    product = load_product_text(text, "gap.garant")
    (r,) = product.evaluate([{"id": "g", "date": "2025-03-10", "beneficiary": "B", "act": "optique monture", "price": "90.00", "base": "0.05"}])
    assert r.rule == "gap.garant:5"  # the `guarantees` line
    assert ("gap.garant:5", "no guarantee line covers this act: the contract pays nothing", 0) in [(s.rule, s.label, s.amount) for s in r.steps]
    assert any("no guarantee line covers" in w for w in r.warnings)
    assert r.amc == 0


def test_the_trace_renders_as_text_and_json():
    (r,) = PRODUCT.evaluate([gp()])
    text = r.trace_text().split("\n")
    assert text[0].startswith("base de remboursement: consultation_G on 2025-03-10 = 30.00  [stdlib/secu.garant:")
    as_json = r.to_dict()["trace"]
    assert as_json[1] == {"step": "AMO = 70% × 30.00", "amount": "21.00", "rule": stdlib_line("rate 70%", after="act honoraires_medicaux")}
    assert as_json[-1] == {"step": "reste à charge = price − AMO net − AMC", "amount": "2.00"}
