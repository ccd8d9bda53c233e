"""Evaluation features added after the first unit-test pass: budgets inside
sums, ceilings bounding refinements, age-dependent rate entries, `base from
claim`, plausible quantities and plain-decimal amounts. Expected figures are
worked by hand in the comments."""

from __future__ import annotations

import pytest

from garant.compiler.driver import load_product_text
from garant.dsl.pipeline import compile_text

HEADER = 'contract "T"\n  insurer "x"\n  regime secu\n  effective 2025-01-01\n{extra}\nguarantees\n  all: TM\n'


# What a responsable contract must cover besides the lines under test (R2, R5).
FLOORS = "  hospitalisation forfait_journalier: 100% FR\n  dentaire protheses panier_100_sante: 100% santé\n  aides_auditives classe_1: 100% santé\n  optique equipement classe_a: 100% santé, once per rolling 24 months shared lunettes from age 16, once per rolling 12 months shared lunettes under 16\n  optique monture classe_a: 100% santé, once per rolling 24 months shared lunettes from age 16, once per rolling 12 months shared lunettes under 16\n  optique verres classe_a: 100% santé, once per rolling 24 months shared lunettes from age 16, once per rolling 12 months shared lunettes under 16\n"


def product(lines: str, extra: str = ""):
    return load_product_text(HEADER.format(extra=extra) + lines, "t.garant")


def claim(id, act, price, date="2025-03-10", who="B1", **kw):
    c = {"id": id, "date": date, "beneficiary": who, "act": act, "price": price}
    c.update(kw)
    return c


def ev(p, *claims):
    return [r.to_dict() for r in p.evaluate(list(claims))]


def test_budget_inside_a_sum_limits_only_its_own_term():
    p = product("  dentaire protheses: 100% BRSS + 200€ per calendar year\n")
    a, b, c = ev(
        p,
        claim("a", "dentaire protheses panier_libre", "500.00", base="100.00"),
        claim("b", "dentaire protheses panier_libre", "500.00", base="100.00", date="2025-04-01"),
        claim("c", "dentaire protheses panier_libre", "500.00", base="100.00", date="2026-01-05"),
    )
    # AMO 60% × 100 = 60; 100% BRSS pays 40; the budget adds min(200, 500 − 60 − 40) = 200.
    assert (a["amo"], a["amc"], a["rac"]) == ("60.00", "240.00", "200.00")
    # Same year: the budget is spent, the 100% BRSS term still pays.
    assert b["amc"] == "40.00"
    assert any("budget" in w for w in b["warnings"])
    # New calendar year: a fresh budget.
    assert c["amc"] == "240.00"


def test_budget_alone_pays_what_remains_of_it():
    p = product("  optique monture: 100€ per calendar year\n")
    a, b = ev(p, claim("a", "optique monture", "70.00", base="0.05"), claim("b", "optique monture", "70.00", base="0.05", date="2025-05-01"))
    # AMO 0.03; 69.97 paid, 30.03 left for the second frame.
    assert a["amc"] == "69.97"
    assert b["amc"] == "30.03"


def test_responsable_ceiling_bounds_an_additive_refinement():
    p = product(
        "  consultation optam: 150% BRSS cap\n  consultation non_optam: 200% BRSS cap\n  consultation generaliste non_optam: +20€\n" + FLOORS,
        extra="  responsable\n",
    )
    (r,) = ev(p, claim("n", "consultation generaliste", "60.00", provider="secteur2 non_optam"))
    # BR 23, AMO 16.10; ceiling min(200%, 150% − 20%) = 130% × 23 = 29.90 all-in → AMC 13.80, +20€ clamped to 0.
    assert (r["amc"], r["rac"]) == ("13.80", "32.10")


def test_ceiling_does_not_shrink_with_a_small_bill():
    p = product("  consultation optam: 200% BRSS cap\n  consultation non_optam: 200% BRSS cap\n" + FLOORS, extra="  responsable\n")
    (r,) = ev(p, claim("n", "consultation generaliste", "30.00", provider="secteur2 non_optam"))
    # Ceiling 180% × 23 = 41.40 all-in; the bill is 30: AMC 30 − 16.10 = 13.90; rac = the 2€ PF.
    assert (r["amc"], r["rac"]) == ("13.90", "2.00")


@pytest.mark.parametrize(
    "birth, rate, amo",
    [
        ("2015-01-01", "70%", "21.00"),  # aged 10: no hors-parcours increase under 16
        ("2009-03-10", "30%", "9.00"),  # 16 on the very day of care
        ("2009-03-11", "70%", "21.00"),  # 16 the day after
        (None, "30%", "9.00"),  # no birth date: an adult
    ],
)
def test_hors_parcours_rate_applies_from_age_16(birth, rate, amo):
    p = product("  consultation: 100% BRSS\n")
    extra = {"parcours": "hors_parcours", "provider": "secteur1"}
    if birth:
        extra["birth_date"] = birth
    (r,) = ev(p, claim("h", "consultation generaliste", "30.00", **extra))
    assert (r["amo_rate"], r["amo"]) == (rate, amo)


def test_age_dependent_rate_needs_a_fallback_entry():
    regime = (
        'regime mini "Mini"\n  currency EUR\n\ndimension parcours: dans, hors\n  default dans\n\nacts\n  soin\n\n'
        "act soin\n  rate hors from age 16: 30%\n"
    )
    unit = compile_text(regime, "mini.garant")
    messages = [d.message for d in unit.diagnostics if d.is_error]
    assert any("from age 16" in m and "below that age" in m for m in messages), messages


def test_base_from_claim_resets_an_inherited_base():
    p = product("  consultation: 100% BRSS\n")
    no_base, with_base = ev(
        p,
        claim("p1", "consultation specialiste pediatre", "35.00", provider="secteur1", birth_date="2021-03-01"),
        claim("p2", "consultation specialiste pediatre", "35.00", provider="secteur1", birth_date="2021-03-01", base="35.00"),
    )
    assert no_base["status"] == "rejected" and "base" in no_base["reason"]
    # 70% × 35 = 24.50, no PF for a child, 100% BRSS pays 10.50.
    assert (with_base["amo"], with_base["participation_forfaitaire"], with_base["amc"]) == ("24.50", "0.00", "10.50")


def test_claim_base_is_used_before_the_regime_parameter_starts():
    p = product("  consultation: 100% BRSS\n")
    (r,) = ev(p, claim("s", "psychiatre", "55.00", date="2024-12-01", provider="secteur1", base="51.70"))
    # 70% × 51.70 = 36.19; PF 2; 100% BRSS pays 51.70 − 36.19 = 15.51.
    assert (r["status"], r["amo"], r["amc"]) == ("evaluated", "36.19", "15.51")


def test_base_from_claim_and_base_together_are_an_error():
    regime = (
        'regime mini "Mini"\n  currency EUR\n\nacts\n  soin\n\n'
        "act soin\n  rate 70%\n  base 20€\n  base from claim\n"
    )
    unit = compile_text(regime, "mini.garant")
    assert any("contradict" in d.message for d in unit.diagnostics if d.is_error)


@pytest.mark.parametrize("quantity", [1e300, 10**19, 10_001])
def test_implausible_quantities_are_rejected(quantity):
    p = product("")
    (r,) = ev(p, claim("q", "consultation generaliste", "30.00", provider="secteur1", quantity=quantity))
    assert r["status"] == "rejected" and "quantity" in r["reason"]


@pytest.mark.parametrize("price", ["1e2", "inf", "NaN", "12.345", "1,2,3"])
def test_amounts_are_plain_decimals(price):
    p = product("")
    (r,) = ev(p, claim("x", "consultation generaliste", price, provider="secteur1"))
    assert r["status"] == "rejected" and r["reason"].startswith("`price`")


def test_every_claim_comes_back_once_in_input_order():
    p = product("  consultation: 100% BRSS\n")
    claims = [
        claim("late", "consultation generaliste", "30.00", date="2025-06-01", provider="secteur1"),
        claim("bad", "consultation generaliste", "-1", provider="secteur1"),
        claim("early", "consultation generaliste", "30.00", date="2025-01-02", provider="secteur1"),
    ]
    out = ev(p, *claims)
    assert [r["id"] for r in out] == ["late", "bad", "early"]
    assert [r["status"] for r in out] == ["evaluated", "rejected", "evaluated"]


def test_a_defect_in_the_engine_rejects_the_claim_instead_of_losing_the_batch(monkeypatch):
    p = product("  consultation: 100% BRSS\n")
    broken = p.lines[next(iter(p.lines))]

    def boom(*args):
        raise ZeroDivisionError("simulated defect")

    for line in p.lines.values():
        monkeypatch.setattr(line, "fn", boom)
    assert broken.fn is boom
    out = ev(p, claim("a", "consultation generaliste", "30.00", provider="secteur1"), claim("b", "optique monture", "50.00", base="0.05"))
    assert out[0]["status"] == "rejected" and "internal error" in out[0]["reason"] and "ZeroDivisionError" in out[0]["reason"]
    assert out[1]["status"] == "rejected"  # the `all: TM` line is broken too
    assert [r["id"] for r in out] == ["a", "b"]


def test_responsable_sum_never_refunds_the_hors_parcours_increase():
    """R4 (CSS L871-1): the room of a responsable contract is what the
    in-parcours AMO leaves, so a sum of terms or a budget cannot reach the
    hors-parcours increase."""
    # The contract breaks R4 (it pays above the base hors parcours): its
    # evaluator is loaded anyway, the room is what is tested here.
    p = _loaded("  consultation secteur1: 100% BRSS + 20€\n  consultation secteur2: TM\n" + FLOORS, extra="  responsable\n")
    (r,) = ev(p, claim("h", "consultation generaliste", "30.00", provider="secteur1", parcours="hors_parcours", birth_date="1980-01-01"))
    # AMO 30% × 30 = 9, PF 2; in-parcours AMO 21: 100% BRSS → 9, 20€ → min(20, 30 − 21) = 9;
    # the sum 18 is held to 30 − 21 = 9 (the 12€ increase stays); rac 30 − 7 − 9 = 14.
    assert (r["amo"], r["amc"], r["rac"]) == ("9.00", "9.00", "14.00")
    q = _loaded("  consultation: 100 € per calendar year\n" + FLOORS, extra="  responsable\n")
    (b,) = ev(q, claim("b", "consultation generaliste", "30.00", provider="secteur1", parcours="hors_parcours", birth_date="1980-01-01"))
    # a budget pays from what the in-parcours AMO leaves: 30 − 21 = 9; rac 30 − 7 − 9 = 14
    assert (b["amc"], b["rac"]) == ("9.00", "14.00")


def _loaded(lines: str, extra: str = ""):
    """The evaluator of a contract that may break a compliance rule."""
    from garant.compiler.driver import load_unit

    unit = compile_text(HEADER.format(extra=extra) + lines, "t.garant")
    assert unit.contract is not None, [d.message for d in unit.diagnostics]
    return load_unit(unit)
