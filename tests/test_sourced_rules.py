"""The `base from age N: VALUE` clause (a base that depends on age alone,
added for the hearing aids' LPP bases: stdlib/secu.garant, section
"Sources added: hearing aids"). Figures worked by hand in the comments;
the regime cases themselves are tests/golden/sourced_rules.yaml."""

from __future__ import annotations

from garant.compiler.driver import load_product_text
from garant.dsl.pipeline import compile_text

REGIME = (
    'regime mini "Mini"\n  currency EUR\n\nacts\n  soin\n\n'
    'parameter adulte "Adulte"\n  from 2021-01-01: 400€  ref "a"\n'
    'parameter jeune "Jeune"\n  from 2019-01-01: 1400€  ref "j"\n\n'
    "act soin\n  rate 60%\n{base}"
)


def test_base_from_age_alone_needs_a_plain_base_below_it():
    unit = compile_text(REGIME.format(base="  base from age 20: adulte\n"), "mini.garant")
    messages = [d.message for d in unit.diagnostics if d.is_error]
    assert any("from age 20" in m and "below that age" in m for m in messages), messages


def test_base_from_age_alone_with_a_plain_base_checks():
    unit = compile_text(REGIME.format(base="  base jeune\n  base from age 20: adulte\n"), "mini.garant")
    assert [d.message for d in unit.diagnostics if d.is_error] == []


def test_hearing_aid_base_by_age_in_secu():
    p = load_product_text('contract "T"\n  insurer "x"\n  regime secu\n  effective 2025-01-01\n\nguarantees\n  all: TM\n', "t.garant")
    claims = [
        # Aged 20 on the day (born 2005-03-04): base 400, AMO 60% = 240, TM 160.
        {"id": "a", "date": "2025-03-04", "beneficiary": "A", "birth_date": "2005-03-04", "act": "aides_auditives classe_2", "price": "1000.00"},
        # Aged 19 (born 2005-03-05): base 1400, AMO 60% = 840, TM 560.
        {"id": "b", "date": "2025-03-04", "beneficiary": "B", "birth_date": "2005-03-05", "act": "aides_auditives classe_2", "price": "1500.00"},
        # No birth date: read as an adult's, base 400.
        {"id": "c", "date": "2025-03-04", "beneficiary": "C", "act": "aides_auditives classe_2", "price": "1000.00"},
        # Before 2021 an adult's base is not sourced: the claim must carry it.
        {"id": "d", "date": "2020-06-01", "beneficiary": "D", "birth_date": "1970-01-01", "act": "aides_auditives classe_2", "price": "1000.00"},
    ]
    a, b, c, d = [r.to_dict() for r in p.evaluate(claims)]
    assert (a["base"], a["amo"], a["amc"]) == ("400.00", "240.00", "160.00")
    assert (b["base"], b["amo"], b["amc"]) == ("1400.00", "840.00", "560.00")
    assert (c["base"], c["amo"]) == ("400.00", "240.00")
    assert d["status"] == "rejected" and "base_aide_auditive" in d["reason"] and "2021-01-01" in d["reason"], d
