"""Property: the responsable proof agrees with brute force on the evaluator.

For random guarantee formulas (hypothesis), the verdict of the compliance
proof (`dsl/checker/responsable`, exact over every price) is compared with
the generated evaluator run on every price of a grid, cent by cent:

* R1 (ticket modérateur floor) on a secteur 1 specialist's consultation
  (base 31.50€ in 2025): all-in = AMO + AMC ≥ min(price, base);
* R3 (non-OPTAM ceiling) on a non-OPTAM GP's consultation (base 23€), the
  OPTAM line at 300% BRSS so that the 200% BRSS bound decides.

The proof holds ⇒ no price of the grid breaks the rule by more than the
evaluator's rounding (1 cent); the proof fails by more than 2 cents ⇒ some
price of the grid breaks it. This tests the proof; it does not replace it.
"""

from __future__ import annotations

from crashes import no_internal
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from garant.compiler.driver import load_unit
from garant.dsl.checker.responsable import HOLDS
from garant.dsl.checker.responsable.ceilings import check_ceilings
from garant.dsl.checker.responsable.findings import line_formulas
from garant.dsl.checker.responsable.floors import check_floors
from garant.dsl.checker.responsable.scenarios import contract_date, scenarios
from garant.dsl.pipeline import compile_text

FLOORS = "  hospitalisation forfait_journalier: 100% FR\n  dentaire protheses panier_100_sante: 100% santé\n  aides_auditives classe_1: 100% santé\n  optique equipement classe_a: 100% santé, once per rolling 24 months shared lunettes from age 16, once per rolling 12 months shared lunettes under 16\n  optique monture classe_a: 100% santé, once per rolling 24 months shared lunettes from age 16, once per rolling 12 months shared lunettes under 16\n  optique verres classe_a: 100% santé, once per rolling 24 months shared lunettes from age 16, once per rolling 12 months shared lunettes under 16\n"
HEADER = 'contract "P"\n  insurer "x"\n  regime secu\n  effective 2025-01-01\n  responsable\n\nguarantees\n  all: TM\n'

pct = st.integers(0, 80).map(lambda n: f"{n * 5}%")
euros = st.integers(0, 60).map(lambda n: f"{n * 2.5:g}€")
term = st.one_of(
    pct.map(lambda p: f"{p} BRSS"),
    pct.map(lambda p: f"{p} BRSS cap"),
    st.just("TM"),
    st.integers(0, 30).map(lambda n: f"{n * 5}% FR"),
    euros,
    euros.map(lambda e: f"{e} Sécu incluse"),
)
formula = st.one_of(term, st.tuples(term, term).map(lambda t: f"{t[0]} + {t[1]}"), st.just("not covered"))


def _verdict(text: str, check, node: str, values: dict):
    """The proof's verdict on one act and provider combination (not the
    line's worst over every act it decides): (holds, excess in cents)."""
    unit = compile_text(text, "p.garant")
    contract = unit.contract
    assert contract is not None, [d.message for d in unit.diagnostics]
    mine = [s for s in scenarios(contract) if s.node == node and all(dict(s.values).get(d) == v for d, v in values.items())]
    assert mine, (node, values)
    found = check(contract, mine, line_formulas(contract), contract_date(contract))
    bad = [f for f in found if f.status != HOLDS]
    return not bad, max((abs(f.paid - f.bound) for f in bad), default=0)


def _prices(base: int) -> list[int]:
    """Every cent up to twice the base, every 7 cents up to the largest
    amount a generated formula names, then a geometric tail to 100,000€
    (past the last corner every formula is linear in the price)."""
    tail, p = [], 4 * base + 20000
    while p < 10_000_000:
        tail.append(p)
        p = p * 5 // 4
    return list(range(1, 2 * base + 1)) + list(range(2 * base + 1, 4 * base + 20000, 7)) + tail


def _grid(product, act, provider, prices):
    claims = [
        {"id": f"c{p}", "date": "2025-03-10", "beneficiary": f"B{p}", "birth_date": "1980-01-01", "act": act, "provider": provider, "price": f"{p // 100}.{p % 100:02d}"}
        for p in prices
    ]
    return list(zip(prices, no_internal(product.evaluate(claims))))


def _plain(text: str):
    """The same contract, not marked responsable: it compiles whatever the
    proof says, and evaluates the same claims (in parcours) the same way."""
    unit = compile_text(text.replace("  responsable\n", ""), "p.garant")
    assert unit.ok, [d.message for d in unit.diagnostics if d.is_error]
    return load_unit(unit)


SPECIALISTE = "soins_courants.honoraires_medicaux.consultation.specialiste"
GENERALISTE = "soins_courants.honoraires_medicaux.consultation.generaliste"
IN_PARCOURS = {"parcours": "dans_parcours", "network": None}


@settings(max_examples=15, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(formula)
@example("100% FR")
@example("90% FR")
@example("TM + 10€")
@example("40€ Sécu incluse")
@example("50% BRSS + 5€")
def test_r1_proof_agrees_with_the_evaluator(f):
    text = HEADER + f"  consultation specialiste secteur1: {f}\n" + FLOORS
    holds, excess = _verdict(text, check_floors, SPECIALISTE, {"secteur": "secteur1", "option": None, **IN_PARCOURS})
    base = 3150
    worst = -10**9
    for price, d in _grid(_plain(text), "consultation specialiste", "secteur1", _prices(base)):
        worst = max(worst, min(price, base) - (d.amo + d.amc))
    if holds:
        assert worst <= 1, (f, worst)
    elif excess > 2:
        assert worst > 1, (f, worst, excess)


@settings(max_examples=15, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(formula)
@example("200% BRSS cap")
@example("210% BRSS")
@example("100% FR")
@example("TM + 23€")
@example("TM + 24€")
@example("45€ Sécu incluse")
def test_r3_proof_agrees_with_the_evaluator(f):
    text = HEADER + "  consultation optam: 300% BRSS\n" + f"  consultation non_optam: {f}\n" + FLOORS
    holds, excess = _verdict(text, check_ceilings, GENERALISTE, {"secteur": "secteur2", "option": "non_optam", **IN_PARCOURS})
    base = 2300
    worst = -10**9
    for price, d in _grid(_plain(text), "consultation generaliste", "secteur2 non_optam", _prices(base)):
        worst = max(worst, d.amo + d.amc - 2 * base)
    if holds:
        assert worst <= 1, (f, worst)
    elif excess > 2:
        assert worst > 1, (f, worst, excess)


def test_r4_no_refund_is_proved_on_sums_and_budgets_hors_parcours():
    """R4 (CSS L871-1): on every act and provider combination — hors
    parcours included — the contract pays at most what the in-parcours AMO
    leaves, so the participation forfaitaire, the franchises and the
    hors-parcours increase stay with the patient. A sum of terms and a
    budget are the formulas that could reach them."""
    from garant.dsl.checker.responsable.prohibitions import check_no_refund

    text = HEADER + "  consultation secteur1: 100% BRSS + 20€\n  consultation secteur2: TM\n  biologie: 100 € per calendar year\n" + FLOORS
    contract = compile_text(text, "p.garant").contract
    found = check_no_refund(contract, contract.regime.rules, list(scenarios(contract)), line_formulas(contract), contract_date(contract))
    assert {f.line.text.split(":")[0] for f in found} >= {"consultation secteur1", "biologie"}
    assert found and all(f.status == HOLDS for f in found), [f.message for f in found if f.status != HOLDS]


@settings(max_examples=12, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(formula, st.sampled_from(["", " + 100 € per calendar year"]))
@example("100% FR", "")
@example("300% FR", "")
@example("TM + 50€", " + 100 € per calendar year")
def test_r4_evaluator_leaves_every_deduction_to_the_patient(f, budget):
    """Whatever the formula, a responsable contract's décompte leaves the
    participation forfaitaire, the franchises and the hors-parcours increase
    in the reste à charge: rac ≥ PF + franchise + (in-parcours AMO − AMO)."""
    from garant.compiler.driver import load_unit

    text = HEADER + f"  consultation: {f}{budget}\n  pharmacie: {f}{budget}\n  transport: {f}\n" + FLOORS
    product = load_unit(compile_text(text, "p.garant"))  # loaded even if it breaks another rule
    claims = []
    for i, price in enumerate(("10.00", "30.00", "31.00", "60.00", "500.00")):
        adult = {"beneficiary": f"B{i}", "birth_date": "1980-01-01", "date": "2025-03-10", "price": price}
        claims.append({"id": f"h{i}", "act": "consultation generaliste", "provider": "secteur1", "parcours": "hors_parcours", **adult})
        claims.append({"id": f"p{i}", "act": "pharmacie taux_65", "base": price, "quantity": 2, **adult})
        claims.append({"id": f"t{i}", "act": "transport", "base": price, **adult})
    for d in no_internal(product.evaluate(claims)):
        increase = 0
        if d.id.startswith("h"):  # 70% in parcours, 30% hors parcours, on min(price, base)
            increase = (min(d.price, d.base) * 7000 + 5000) // 10000 - d.amo
        assert d.rac >= d.participation_forfaitaire + d.franchise + increase, (f, budget, d.id, d.to_dict())
