"""Stage 4: the runtime the generated modules import.

money (cents, half-up rounding), the formulas of spec §3.2, the ledger of
limits, claims validation, and whole evaluations through small contracts.
Every expected figure below is computed by hand from the spec, SECU.md and
stdlib/secu.garant; the arithmetic is written next to it.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from garant.compiler.driver import load_product_text
from garant.compiler.runtime import formulas as f
from garant.compiler.runtime.decompte import Decompte, Rejection
from garant.compiler.runtime.ledger import Ledger, months_before
from garant.compiler.runtime.money import fmt, fmt_rate, parse_cents, pct

D = dt.date


# ====================================================================== money
@pytest.mark.parametrize(
    "amount, bp, expected",
    [
        (3150, 12500, 3938),  # 125% of 31.50 = 39.375 → 39.38
        (15, 6000, 9),  # 60% of 0.15 = 0.09
        (2300, 7000, 1610),  # 70% of 23.00 = 16.10
        (2650, 7000, 1855),  # 70% of 26.50 = 18.55
        (5, 5000, 3),  # 50% of 0.05 = 0.025 → 0.03 (half up, not half even)
        (5, 6000, 3),  # 60% of 0.05 = 0.03
        (1241, 6500, 807),  # 65% of 12.41 = 8.0665 → 8.07
        (1240, 6500, 806),  # 65% of 12.40 = 8.06
        (200, 1500, 30),  # 15% of 2.00 = 0.30
        (10750, 6000, 6450),  # 60% of 107.50 = 64.50
        (19350, 6000, 11610),  # 60% of 193.50 = 116.10
        (2300, 18000, 4140),  # 180% of 23.00 = 41.40
        (1, 4999, 0),  # 0.4999 cent → 0
        (1, 5000, 1),  # 0.5 cent → 1
        (0, 7000, 0),
        (3000, 0, 0),
    ],
)
def test_pct_rounds_half_up_to_the_cent(amount, bp, expected):
    got = pct(amount, bp)
    assert got == expected
    assert type(got) is int


def test_pct_is_exact_on_large_amounts():
    # 70% of 12,345,678,901,234,567.89€: a float would lose the last cents
    assert pct(1234567890123456789, 7000) == 864197523086419752  # .3 cent → down
    assert pct(1234567890123456785, 10000) == 1234567890123456785


@pytest.mark.parametrize(
    "value, cents",
    [
        ("26.50", 2650),
        ("26,50", 2650),
        ("26.5", 2650),
        ("30", 3000),
        (" 30.00 ", 3000),
        ("0.05", 5),
        ("0", 0),
        (30, 3000),
        (26.5, 2650),  # a JSON number
        (0.1, 10),
        (19.99, 1999),
        (Decimal("1.10"), 110),
        ("-3", -300),
        ("9999999999.99", 999999999999),  # the largest amount (money.MAX_CENTS)
        ("17.320", 1732),  # three decimals, exact: a decimal(10,3) column (issue 14)
        ("-3.000", -300),
    ],
)
def test_parse_cents(value, cents):
    got = parse_cents(value)
    assert got == cents and type(got) is int


@pytest.mark.parametrize("value, words", [("1.005", "fractions of a cent"), ("30.001", "fractions of a cent"), ("17.325", "fractions of a cent"),
                                           ("12345678901234567.89", "too large"), ("10000000000.01", "too large"), ("9" * 20, "too large"),
                                           ("1e400", "too large"), ("NaN", "not an amount"), ("17,320", "not an amount"), ("abc", "not an amount"), ("", "not an amount"), (True, "boolean"), (None, "amount"), ([1], "amount")])
def test_parse_cents_rejects(value, words):
    with pytest.raises(ValueError) as err:
        parse_cents(value)
    assert words in str(err.value)


@pytest.mark.parametrize("cents, text", [(2650, "26.50"), (5, "0.05"), (0, "0.00"), (1900, "19.00"), (100000, "1000.00"), (-5, "-0.05"), (-2650, "-26.50"), (None, None)])
def test_fmt(cents, text):
    assert fmt(cents) == text


@pytest.mark.parametrize("bp, text", [(7000, "70%"), (1250, "12.5%"), (1255, "12.55%"), (10000, "100%"), (20000, "200%"), (5, "0.05%"), (0, "0%"), (None, None)])
def test_fmt_rate(bp, text):
    assert fmt_rate(bp) == text


# =================================================================== formulas
# Arguments are cents: price (FR), base (BR), amo (gross AMO), then the
# term's own value.


def test_pct_brss():
    # 50€ billed, BR 30€, AMO 21€, 200% BRSS: min(50, 60) − 21 = 29
    assert f.pct_brss(5000, 3000, 2100, 20000) == 2900
    # 40€ billed: min(40, 60) − 21 = 19
    assert f.pct_brss(4000, 3000, 2100, 20000) == 1900
    # 100% BRSS, no dépassement: 30 − 21 = 9
    assert f.pct_brss(3000, 3000, 2100, 10000) == 900
    # 125% of 31.50 = 39.38 (rounded once), − AMO 22.05 = 17.33
    assert f.pct_brss(5000, 3150, 2205, 12500) == 1733
    # floored at 0: 50% of 30 = 15 < AMO 21
    assert f.pct_brss(5000, 3000, 2100, 5000) == 0


def test_pct_brss_price_below_base():
    # 20€ billed on a 30€ base; AMO on the price: 70% × 20 = 14; 100% BRSS → min(20, 30) − 14 = 6
    assert f.pct_brss(2000, 3000, 1400, 10000) == 600
    # 300% BRSS is still capped by the price
    assert f.pct_brss(2000, 3000, 1400, 30000) == 600


def test_ticket_moderateur():
    assert f.ticket_moderateur(3000, 3000, 2100) == 900  # BR − AMO
    assert f.ticket_moderateur(5000, 3000, 2100) == 900  # dépassement not covered
    assert f.ticket_moderateur(2000, 3000, 1400) == 600  # price below base: within the price
    assert f.ticket_moderateur(100, 5, 3) == 2  # optics: 0.05€ base, 60% → 0.03; TM 0.02
    assert f.ticket_moderateur(3000, 3000, 3000) == 0  # 100% rate


def test_pct_fr():
    assert f.pct_fr(5000, 2100, 10000) == 2900  # 100% FR: everything the regime leaves
    assert f.pct_fr(5000, 2100, 5000) == 400  # 50% × 50 = 25 − 21 = 4
    assert f.pct_fr(5000, 2100, 3000) == 0  # 30% × 50 = 15 < AMO 21 → 0
    assert f.pct_fr(6000, 0, 10000) == 6000  # forfait journalier, not reimbursed: all of it
    assert f.pct_fr(3333, 0, 5000) == 1667  # 16.665 → 16.67


def test_amount():
    assert f.amount(5000, 2100, 1000) == 1000  # min(10, 29)
    assert f.amount(2500, 2100, 1000) == 400  # min(10, 4)
    assert f.amount(2100, 2100, 1000) == 0  # nothing left
    assert f.amount(2000, 2100, 1000) == 0  # FR < AMO: never negative


def test_amount_per_unit():
    assert f.amount_per_unit(21000, 0, 5000, 3) == 15000  # 3 days × 50€ within 210€
    assert f.amount_per_unit(12000, 0, 5000, 3) == 12000  # 150€ > 120€ billed
    assert f.amount_per_unit(12000, 0, 5000, 1) == 5000
    assert f.amount_per_unit(1000, 2000, 5000, 2) == 0


def test_secu_incluse():
    # 200€ Sécu incluse, frame billed 300€, AMO 0.03: min(300, 200) − 0.03 = 199.97
    assert f.secu_incluse(30000, 3, 20000) == 19997
    # billed 150€: min(150, 200) − 0.03 = 149.97
    assert f.secu_incluse(15000, 3, 20000) == 14997
    # AMO above the allowance: 0
    assert f.secu_incluse(30000, 25000, 20000) == 0


def test_rest():
    assert f.rest(5000, 2100) == 2900
    assert f.rest(2100, 2100) == 0
    assert f.rest(2000, 2100) == 0


def test_cent_pour_cent_sante():
    assert f.cent_pour_cent_sante(10000, 3000, None) == 7000  # no ceiling known: the whole rest
    assert f.cent_pour_cent_sante(10000, 3000, 8000) == 5000  # within the 80€ price ceiling
    assert f.cent_pour_cent_sante(7000, 3000, 8000) == 4000  # price under the ceiling
    assert f.cent_pour_cent_sante(2000, 3000, 8000) == 0


def test_formulas_return_ints():
    results = [
        f.pct_brss(5000, 3000, 2100, 20000),
        f.ticket_moderateur(5000, 3000, 2100),
        f.pct_fr(5000, 2100, 10000),
        f.amount(5000, 2100, 1000),
        f.amount_per_unit(5000, 2100, 1000, 2),
        f.secu_incluse(5000, 2100, 1000),
        f.rest(5000, 2100),
        f.cent_pour_cent_sante(5000, 2100, None),
    ]
    assert all(type(r) is int for r in results)


# ===================================================================== ledger
@pytest.mark.parametrize(
    "date, months, expected",
    [
        (D(2025, 6, 2), 24, D(2023, 6, 2)),
        (D(2025, 3, 31), 1, D(2025, 2, 28)),  # clamped to February's length
        (D(2024, 3, 31), 1, D(2024, 2, 29)),  # leap year
        (D(2025, 5, 31), 1, D(2025, 4, 30)),
        (D(2024, 2, 29), 12, D(2023, 2, 28)),
        (D(2024, 2, 29), 24, D(2022, 2, 28)),
        (D(2025, 1, 15), 1, D(2024, 12, 15)),  # across a year
        (D(2025, 1, 31), 2, D(2024, 11, 30)),
        (D(2025, 8, 31), 6, D(2025, 2, 28)),
        (D(2025, 3, 10), 0, D(2025, 3, 10)),
        (D(2025, 12, 31), 12, D(2024, 12, 31)),
    ],
)
def test_months_before(date, months, expected):
    assert months_before(date, months) == expected


def test_ledger_calendar_year_buckets():
    ledger = Ledger()
    ledger.consume("B1", "p", "calendar_year", D(2024, 12, 31), 500)
    ledger.consume("B1", "p", "calendar_year", D(2024, 1, 1), 200)
    assert ledger.used("B1", "p", "calendar_year", 0, D(2024, 6, 1)) == 700
    assert ledger.used("B1", "p", "calendar_year", 0, D(2025, 1, 1)) == 0
    assert ledger.used("B1", "p", "calendar_year", 0, D(2023, 12, 31)) == 0
    assert ledger.used("B2", "p", "calendar_year", 0, D(2024, 6, 1)) == 0  # per beneficiary
    assert ledger.used("B1", "q", "calendar_year", 0, D(2024, 6, 1)) == 0  # per pool


def test_ledger_day_buckets():
    ledger = Ledger()
    ledger.consume("B1", "p", "day", D(2025, 3, 10), 4)
    assert ledger.used("B1", "p", "day", 0, D(2025, 3, 10)) == 4
    assert ledger.used("B1", "p", "day", 0, D(2025, 3, 11)) == 0


def test_ledger_ignores_zero_and_negative_consumption():
    ledger = Ledger()
    ledger.consume("B1", "p", "calendar_year", D(2025, 3, 10), 0)
    ledger.consume("B1", "p", "calendar_year", D(2025, 3, 10), -5)
    ledger.consume("B1", "r", "rolling", D(2025, 3, 10), 0)
    assert ledger.used("B1", "p", "calendar_year", 0, D(2025, 3, 10)) == 0
    assert ledger.used("B1", "r", "rolling", 24, D(2025, 3, 10)) == 0


def test_ledger_rolling_window_is_the_n_months_before_the_date_of_care():
    """Entries count when `date − N months < entry date ≤ date`."""
    ledger = Ledger()
    ledger.consume("B1", "r", "rolling", D(2023, 6, 2), 100)
    assert ledger.used("B1", "r", "rolling", 24, D(2023, 6, 2)) == 100
    assert ledger.used("B1", "r", "rolling", 24, D(2024, 12, 31)) == 100
    assert ledger.used("B1", "r", "rolling", 24, D(2025, 6, 1)) == 100  # still inside
    assert ledger.used("B1", "r", "rolling", 24, D(2025, 6, 2)) == 0  # 2025-06-02 − 24 months = 2023-06-02: out
    assert ledger.used("B1", "r", "rolling", 24, D(2023, 6, 1)) == 0  # not yet bought
    ledger.consume("B1", "r", "rolling", D(2024, 1, 10), 40)
    assert ledger.used("B1", "r", "rolling", 24, D(2025, 6, 1)) == 140
    assert ledger.used("B1", "r", "rolling", 24, D(2025, 6, 2)) == 40
    assert ledger.used("B1", "r", "rolling", 24, D(2026, 1, 10)) == 0
    assert ledger.used("B2", "r", "rolling", 24, D(2025, 6, 1)) == 0


def test_ledger_rolling_window_with_month_end_clamping():
    ledger = Ledger()
    ledger.consume("B1", "r", "rolling", D(2025, 2, 28), 1)
    # 2025-03-27 − 1 month = 2025-02-27: the entry of the 28th is inside
    assert ledger.used("B1", "r", "rolling", 1, D(2025, 3, 27)) == 1
    # 2025-03-28 − 1 month = 2025-02-28, and so are the 29th, 30th, 31st
    # (clamped to February's length): the entry is out
    assert ledger.used("B1", "r", "rolling", 1, D(2025, 3, 28)) == 0
    assert ledger.used("B1", "r", "rolling", 1, D(2025, 3, 31)) == 0


# ================================================================== contracts
RT = """contract "Runtime tests"
  insurer "Tests"
  regime secu
  effective 2023-01-01

guarantees
  all: TM
  consultation: 100% BRSS
  pharmacie: 100% BRSS
  medecine_douce: 30€ per session, max 3 sessions per calendar year
  optique monture: 100€ per rolling 24 months
  optique verres: 150€, once per rolling 24 months
  dentaire protheses: 100% BRSS + 200€, cap 300€ per calendar year shared dent
  dentaire orthodontie: 100% BRSS + 200€, cap 300€ per calendar year shared dent
  hospitalisation chambre_particuliere: 50€ per day
  aides_auditives: 100% BRSS + 400€
"""

RESP = """contract "Responsable tests"
  insurer "Tests"
  regime secu
  effective 2025-01-01
  responsable

guarantees
  all: TM
  consultation: 100% BRSS
  consultation secteur2 optam: 200% BRSS cap
  consultation secteur2 non_optam: 200% BRSS cap
  hospitalisation forfait_journalier: 100% FR
  dentaire protheses panier_100_sante: 100% santé
  aides_auditives classe_1: 100% santé
  optique equipement classe_a: 100% santé, once per rolling 24 months shared lunettes from age 16, once per rolling 12 months shared lunettes under 16
  optique monture classe_a: 100% santé, once per rolling 24 months shared lunettes from age 16, once per rolling 12 months shared lunettes under 16
  optique verres classe_a: 100% santé, once per rolling 24 months shared lunettes from age 16, once per rolling 12 months shared lunettes under 16
"""


@pytest.fixture(scope="module")
def rt():
    return load_product_text(RT, "rt.garant")


@pytest.fixture(scope="module")
def resp():
    return load_product_text(RESP, "resp.garant")


_ALL: list = []  # every décompte produced in this module, for the invariants


def run(product, claims):
    results = product.evaluate(claims)
    assert len(results) == len(claims)
    _ALL.extend(r for r in results if isinstance(r, Decompte))
    return results


def ev(product, claims) -> list[dict]:
    """Evaluate; every claim must come out evaluated."""
    out = [r.to_dict() for r in run(product, claims)]
    for d in out:
        assert d["status"] == "evaluated", d
    return out


def claim(id, date, act, price, **kw):
    c = {"id": id, "date": date, "beneficiary": kw.pop("beneficiary", "B1"), "act": act, "price": price}
    c.update(kw)
    return c


def gp(id, date, price="30.00", provider="secteur1", **kw):
    return claim(id, date, "consultation generaliste", price, provider=provider, **kw)


# --------------------------------------------------- claims validation
def rejection(product, raw) -> dict:
    (r,) = run(product, [raw])
    assert isinstance(r, Rejection), r.to_dict()
    d = r.to_dict()
    assert d["status"] == "rejected"
    return d


GOOD = {"id": "ok", "date": "2025-03-10", "beneficiary": "B1", "act": "consultation generaliste", "provider": "secteur1", "price": "30.00"}


def bad(**changes):
    c = dict(GOOD)
    for k, v in changes.items():
        if v is ...:
            c.pop(k)
        else:
            c[k] = v
    return c


@pytest.mark.parametrize(
    "raw, words",
    [
        (bad(id=...), ["id"]),
        (bad(id=""), ["id"]),
        (bad(date=...), ["date"]),
        (bad(date="2025-02-30"), ["date", "2025-02-30"]),
        (bad(date="10/03/2025"), ["date", "10/03/2025"]),
        (bad(price="-30.00"), ["price", "negative"]),
        (bad(price="30.001"), ["price", "fractions of a cent"]),
        (bad(price=...), ["price"]),
        (bad(price="trente"), ["price"]),
        (bad(quantity=0), ["quantity"]),
        (bad(quantity=-1), ["quantity"]),
        (bad(quantity=1.5), ["quantity"]),
        (bad(act="consultaton generaliste"), ["consultaton", "did you mean", "consultation"]),
        (bad(act="consultation generalist"), ["generalist", "did you mean", "generaliste"]),
        (bad(act=...), ["act"]),
        (bad(provider="secteur3"), ["secteur3"]),
        (bad(provider="secteur2 cas"), ["cas", "optam"]),
        (bad(provider="secteur1 secteur2"), ["two values", "secteur"]),
        (bad(provider="secteur1 optam"), ["optam", "secteur2"]),
        (bad(beneficiary=...), ["beneficiary"]),
        (bad(birth_date="2026-01-01"), ["birth_date"]),
        (bad(base="-1.00"), ["base", "negative"]),
        (bad(parcours="hors_parcour"), ["parcours", "hors_parcour"]),
    ],
)
def test_claim_rejections(rt, raw, words):
    d = rejection(rt, raw)
    assert d["id"] == raw.get("id")
    for w in words:
        assert w in d["reason"], (w, d["reason"])


def test_rejection_keeps_the_claim_id(rt):
    d = rejection(rt, bad(id="c-42", price="-3"))
    assert d["id"] == "c-42"
    assert d["field"] == "price"


def test_a_claim_that_is_not_an_object_is_rejected(rt):
    (r,) = run(rt, ["not a claim"])
    assert isinstance(r, Rejection)


def test_rejections_do_not_stop_the_other_claims(rt):
    claims = [gp("a", "2025-03-10"), bad(id="b", price="-1"), gp("c", "2025-03-11", beneficiary="B9"), bad(id="d", act="optiqe")]
    results = [r.to_dict() for r in run(rt, claims)]
    assert [r["id"] for r in results] == ["a", "b", "c", "d"]
    assert [r["status"] for r in results] == ["evaluated", "rejected", "evaluated", "rejected"]
    assert results[0]["amc"] == "9.00"  # 100% BRSS: 30 − 21


def test_cas_before_2017_is_read_as_optam(rt):
    # 2016: C = 23€ (secteur 1 and CAS alike), 70% → 16.10; PF 1€
    (d,) = ev(rt, [gp("c", "2016-06-01", "40.00", "secteur2 cas")])
    assert (d["base"], d["amo"], d["participation_forfaitaire"], d["amo_net"]) == ("23.00", "16.10", "1.00", "15.10")
    assert d["amc"] == "6.90"  # 100% BRSS: 23 − 16.10


def test_act_words_are_accent_and_case_insensitive(rt):
    (d,) = ev(rt, [claim("c", "2025-03-10", "Consultation GÉNÉRALISTE", "30.00", provider="Secteur1")])
    assert d["base"] == "30.00" and d["amo"] == "21.00"


# ---------------------------------------------------- participation forfaitaire
def test_participation_forfaitaire_1_euro_before_2024_05_15_and_2_after(rt):
    a, b = ev(rt, [gp("a", "2024-05-14", "26.50", beneficiary="PF1"), gp("b", "2024-05-15", "26.50", beneficiary="PF2")])
    # G = 26.50€ since 2023-11-01; AMO 70% × 26.50 = 18.55; 100% BRSS → AMC 7.95
    assert (a["base"], a["amo_rate"], a["amo"], a["participation_forfaitaire"], a["amo_net"], a["amc"], a["rac"]) == (
        "26.50", "70%", "18.55", "1.00", "17.55", "7.95", "1.00")
    assert (b["base"], b["amo"], b["participation_forfaitaire"], b["amo_net"], b["amc"], b["rac"]) == (
        "26.50", "18.55", "2.00", "16.55", "7.95", "2.00")


def test_consultation_bases_by_date(rt):
    out = ev(rt, [gp("a", "2024-12-21", "30.00", beneficiary="G1"), gp("b", "2024-12-22", "30.00", beneficiary="G2"), gp("c", "2023-10-31", "30.00", beneficiary="G3")])
    assert [d["base"] for d in out] == ["26.50", "30.00", "25.00"]
    assert [d["amo"] for d in out] == ["18.55", "21.00", "17.50"]


def test_participation_forfaitaire_yearly_cap_50_euros(rt):
    # 2025: 2€ each; 25 consultations reach 50€; the 26th bears none
    claims = [gp(f"c{i}", (D(2025, 1, 6) + dt.timedelta(days=i)).isoformat(), beneficiary="CAP50") for i in range(26)]
    claims.append(gp("next-year", "2026-01-05", beneficiary="CAP50"))
    out = ev(rt, claims)
    assert [d["participation_forfaitaire"] for d in out[:25]] == ["2.00"] * 25
    assert out[25]["participation_forfaitaire"] == "0.00"
    assert out[25]["amo_net"] == "21.00"
    assert out[25]["rac"] == "0.00"  # 30 − 21 − 9
    assert out[26]["participation_forfaitaire"] == "2.00"


def test_participation_forfaitaire_cap_across_the_2024_change(rt):
    # 10 × 1€ before 2024-05-15, then 2€ each: 10 + 20 × 2 = 50€ after 30 of them
    early = [gp(f"e{i}", (D(2024, 1, 2) + dt.timedelta(days=i)).isoformat(), "26.50", beneficiary="MIX") for i in range(10)]
    late = [gp(f"l{i}", (D(2024, 6, 1) + dt.timedelta(days=i)).isoformat(), "26.50", beneficiary="MIX") for i in range(21)]
    out = ev(rt, late + early)  # not in date order on purpose
    assert [d["participation_forfaitaire"] for d in out[21:]] == ["1.00"] * 10
    assert [d["participation_forfaitaire"] for d in out[:20]] == ["2.00"] * 20
    assert out[20]["participation_forfaitaire"] == "0.00"


def test_participation_forfaitaire_51st_consultation_bears_none(rt):
    # 2023: 1€ each; the 51st of the year bears none
    claims = [gp(f"c{i}", (D(2023, 1, 2) + dt.timedelta(days=i)).isoformat(), "25.00", beneficiary="CNT") for i in range(51)]
    out = ev(rt, claims)
    assert [d["participation_forfaitaire"] for d in out[:50]] == ["1.00"] * 50
    assert out[50]["participation_forfaitaire"] == "0.00"
    assert out[50]["amo_net"] == "17.50"


def test_participation_forfaitaire_count_cap_is_a_count(rt):
    """50 participations a year, even when each one was smaller than 1€: a
    0.60€ AMO on a 1€ lab test bears a 0.60€ PF (never more than the AMO)."""
    labs = [claim(f"l{i}", (D(2023, 1, 2) + dt.timedelta(days=i)).isoformat(), "biologie", "1.00", base="1.00", beneficiary="LAB") for i in range(50)]
    out = ev(rt, labs + [gp("g", "2023-03-01", "25.00", beneficiary="LAB")])
    assert out[0]["amo"] == "0.60" and out[0]["participation_forfaitaire"] == "0.60" and out[0]["amo_net"] == "0.00"
    assert out[0]["amc"] == "0.40"  # TM: 1.00 − 0.60
    assert all(d["participation_forfaitaire"] == "0.60" for d in out[:50])
    # 50 × 0.60 = 30€ < 50€, but the count of 50 is reached
    assert out[50]["participation_forfaitaire"] == "0.00"


def test_participation_forfaitaire_exemption_under_18_at_1_january(rt):
    out = ev(
        rt,
        [
            gp("before-birthday", "2025-03-01", beneficiary="K1", birth_date="2007-06-01"),  # 17 on 2025-01-01
            gp("after-birthday", "2025-12-01", beneficiary="K1", birth_date="2007-06-01"),  # 18 since June, still exempt
            gp("next-year", "2026-01-10", beneficiary="K1", birth_date="2007-06-01"),  # 18 on 2026-01-01
            gp("18-on-1-january", "2025-03-01", beneficiary="K2", birth_date="2007-01-01"),  # exactly 18 on 2025-01-01
            gp("toddler", "2025-03-01", beneficiary="K3", birth_date="2022-05-05"),
        ],
    )
    assert [d["participation_forfaitaire"] for d in out] == ["0.00", "0.00", "2.00", "2.00", "0.00"]
    assert out[0]["amo_net"] == "21.00" and out[0]["rac"] == "0.00"


# ------------------------------------------------------------------- franchises
def test_franchise_per_box_with_quantity(rt):
    a, b = ev(
        rt,
        [
            claim("a", "2025-05-20", "pharmacie taux_65", "12.40", base="12.40", quantity=2, beneficiary="F1"),
            claim("b", "2024-03-30", "pharmacie taux_65", "12.40", base="12.40", quantity=2, beneficiary="F2"),
        ],
    )
    # 65% × 12.40 = 8.06; franchise 1€ × 2 boxes (0.50€ × 2 before 2024-03-31); 100% BRSS → 12.40 − 8.06 = 4.34
    assert (a["amo"], a["franchise"], a["participation_forfaitaire"], a["amo_net"], a["amc"], a["rac"]) == ("8.06", "2.00", "0.00", "6.06", "4.34", "2.00")
    assert (b["amo"], b["franchise"], b["amo_net"], b["amc"], b["rac"]) == ("8.06", "1.00", "7.06", "4.34", "1.00")


def test_franchise_never_exceeds_the_amo(rt):
    (d,) = ev(rt, [claim("a", "2025-05-20", "pharmacie taux_15", "2.00", base="2.00", quantity=3, beneficiary="F3")])
    # 15% × 2.00 = 0.30; 3 boxes would be 3€ of franchise, but only 0.30 can be taken
    assert (d["amo"], d["franchise"], d["amo_net"], d["amc"], d["rac"]) == ("0.30", "0.30", "0.00", "1.70", "0.30")


def test_franchise_exempt_under_18(rt):
    (d,) = ev(rt, [claim("a", "2025-05-20", "pharmacie taux_65", "12.40", base="12.40", quantity=2, beneficiary="F4", birth_date="2010-01-01")])
    assert d["franchise"] == "0.00" and d["amo_net"] == "8.06"


def test_franchises_share_one_50_euro_yearly_cap(rt):
    # transport 2025: 55% × 100 = 55€, franchise 4€ per trip; 12 trips = 48€
    trips = [claim(f"t{i}", (D(2025, 2, 1) + dt.timedelta(days=i)).isoformat(), "transport", "100.00", base="100.00", beneficiary="F5") for i in range(12)]
    boxes = claim("p", "2025-03-01", "pharmacie taux_65", "12.40", base="12.40", quantity=3, beneficiary="F5")
    last = claim("t-last", "2025-03-02", "transport", "100.00", base="100.00", beneficiary="F5")
    out = ev(rt, trips + [boxes, last])
    assert out[0]["amo"] == "55.00" and out[0]["amc"] == "45.00"
    assert [d["franchise"] for d in out[:12]] == ["4.00"] * 12
    assert out[12]["franchise"] == "2.00"  # 3 boxes = 3€ due, 2€ left of 50€
    assert out[13]["franchise"] == "0.00"
    assert out[13]["amo_net"] == "55.00"


# ------------------------------------------------------------------- limits
def test_limits_consume_in_date_order_and_results_stay_in_input_order(rt):
    claims = [
        claim("oct", "2025-10-01", "medecine_douce osteopathie", "50.00", beneficiary="O1"),
        claim("feb", "2025-02-01", "medecine_douce osteopathie", "50.00", beneficiary="O1"),
        claim("may", "2025-05-01", "medecine_douce osteopathie", "50.00", beneficiary="O1"),
        claim("other", "2025-11-01", "medecine_douce osteopathie", "50.00", beneficiary="O2"),
        claim("mar", "2025-03-01", "medecine_douce osteopathie", "50.00", beneficiary="O1"),
    ]
    out = ev(rt, claims)
    assert [d["id"] for d in out] == ["oct", "feb", "may", "other", "mar"]
    assert [d["amc"] for d in out] == ["0.00", "30.00", "30.00", "30.00", "30.00"]
    assert any("limit" in w for w in out[0]["warnings"])
    # not reimbursed by the regime
    assert (out[1]["base"], out[1]["amo_rate"], out[1]["amo"], out[1]["rac"]) == ("0.00", "0%", "0.00", "20.00")


def test_max_sessions_partially_pays_a_claim(rt):
    out = ev(
        rt,
        [
            claim("a", "2025-02-01", "medecine_douce osteopathie", "100.00", quantity=2, beneficiary="O3"),
            claim("b", "2025-03-01", "medecine_douce osteopathie", "100.00", quantity=2, beneficiary="O3"),
            claim("c", "2025-04-01", "medecine_douce osteopathie", "50.00", beneficiary="O3"),
            claim("d", "2026-01-02", "medecine_douce osteopathie", "50.00", beneficiary="O3"),
        ],
    )
    # 2 × 30 = 60; then only 1 of 3 sessions left: 30; then none; a new year: 30
    assert [d["amc"] for d in out] == ["60.00", "30.00", "0.00", "30.00"]
    assert [d["rac"] for d in out] == ["40.00", "70.00", "50.00", "20.00"]


def test_budget_per_rolling_24_months(rt):
    # monture: 60% × 0.05 = 0.03 of AMO; the budget pays from FR − AMO
    def monture(id, date, price, who):
        return claim(id, date, "optique monture", price, base="0.05", beneficiary=who)

    out = ev(
        rt,
        [
            monture("a1", "2023-06-02", "60.00", "M1"),
            monture("a2", "2024-01-10", "80.00", "M1"),
            monture("b1", "2023-06-02", "60.00", "M2"),
            monture("b2", "2025-06-01", "80.00", "M2"),
            monture("c1", "2023-06-02", "60.00", "M3"),
            monture("c2", "2025-06-02", "80.00", "M3"),
        ],
    )
    assert out[0]["amo"] == "0.03"
    assert out[0]["amc"] == "59.97"
    assert out[1]["amc"] == "40.03"  # 100 − 59.97 left of the budget
    assert any("limit" in w for w in out[1]["warnings"])
    assert out[3]["amc"] == "40.03"  # 2025-06-01: the 2023-06-02 frame is within the 24 months
    assert out[5]["amc"] == "79.97"  # 2025-06-02: it is not; the whole FR − AMO is paid


def test_once_per_rolling_24_months(rt):
    def verres(id, date, who):
        return claim(id, date, "optique verres", "200.00", base="0.10", beneficiary=who)

    out = ev(rt, [verres("a1", "2023-06-02", "V1"), verres("a2", "2025-06-01", "V1"), verres("b1", "2023-06-02", "V2"), verres("b2", "2025-06-02", "V2")])
    # 60% × 0.10 = 0.06
    assert out[0]["amo"] == "0.06" and out[0]["amc"] == "150.00"
    assert out[1]["amc"] == "0.00"
    assert any("limit" in w for w in out[1]["warnings"])
    assert out[3]["amc"] == "150.00"


def test_shared_cap_across_lines(rt):
    out = ev(
        rt,
        [
            claim("p", "2025-02-01", "dentaire protheses", "500.00", base="107.50", beneficiary="D1"),
            claim("o", "2025-03-01", "dentaire orthodontie", "400.00", base="193.50", beneficiary="D1"),
            claim("p2", "2025-04-01", "dentaire protheses", "500.00", base="107.50", beneficiary="D1"),
            claim("p3", "2026-01-05", "dentaire protheses", "500.00", base="107.50", beneficiary="D1"),
            claim("other", "2025-04-01", "dentaire orthodontie", "400.00", base="193.50", beneficiary="D2"),
        ],
    )
    # protheses: AMO 60% × 107.50 = 64.50; 100% BRSS → 43.00, + 200€ → 243.00
    assert (out[0]["amo"], out[0]["amc"]) == ("64.50", "243.00")
    # orthodontie (100%, stdlib): AMO 193.50; 0 + 200 = 200, but 300 − 243 = 57 left of the shared cap
    assert (out[1]["amo"], out[1]["amc"]) == ("193.50", "57.00")
    assert out[2]["amc"] == "0.00"
    assert out[3]["amc"] == "243.00"
    assert out[4]["amc"] == "200.00"


def test_amount_per_day_times_quantity(rt):
    out = ev(
        rt,
        [
            claim("a", "2025-06-02", "hospitalisation chambre_particuliere", "210.00", quantity=3, beneficiary="H1"),
            claim("b", "2025-06-02", "hospitalisation chambre_particuliere", "120.00", quantity=3, beneficiary="H2"),
        ],
    )
    assert (out[0]["amo"], out[0]["amc"], out[0]["rac"]) == ("0.00", "150.00", "60.00")
    assert (out[1]["amc"], out[1]["rac"]) == ("120.00", "0.00")


def test_sum_of_terms_never_more_than_what_the_regime_leaves(rt):
    (d,) = ev(rt, [claim("a", "2025-06-02", "aides_auditives classe_2", "500.00", base="400.00", beneficiary="A1")])
    # AMO 60% × 400 = 240; 100% BRSS → 160, + 400€ → 560 > 500 − 240 = 260
    assert (d["amo"], d["amc"], d["rac"]) == ("240.00", "260.00", "0.00")


# -------------------------------------------------------------- responsable
def test_responsable_never_refunds_the_hors_parcours_increase(rt, resp):
    c = gp("h", "2025-02-03", "30.00", parcours="hors_parcours", beneficiary="HP")
    (r,) = ev(resp, [c])
    (n,) = ev(rt, [c])
    # hors parcours: 30% × 30 = 9.00; PF 2€ → AMO net 7.00
    for d in (r, n):
        assert (d["base"], d["amo_rate"], d["amo"], d["participation_forfaitaire"], d["amo_net"]) == ("30.00", "30%", "9.00", "2.00", "7.00")
    # responsable: 100% BRSS measured against the in-parcours AMO (21€) → 9.00
    assert (r["amc"], r["rac"]) == ("9.00", "14.00")
    # not responsable: 30 − 9 = 21.00
    assert (n["amc"], n["rac"]) == ("21.00", "2.00")


def test_responsable_cap_on_non_optam_line(resp):
    out = ev(
        resp,
        [
            gp("no", "2025-03-10", "60.00", "secteur2 non_optam", beneficiary="R1"),
            gp("op", "2025-03-10", "60.00", "secteur2 optam", beneficiary="R2"),
        ],
    )
    no, op = out
    # non-OPTAM: base 23, AMO 16.10. 200% BRSS would give 46 − 16.10 = 29.90, but the
    # OPTAM line covers 100% of the base above the tariff, so the non-OPTAM one
    # may cover at most 80%: all-in 180% × 23 = 41.40 → AMC 41.40 − 16.10 = 25.30
    assert (no["base"], no["amo"], no["amo_net"], no["amc"], no["rac"]) == ("23.00", "16.10", "14.10", "25.30", "20.60")
    assert Decimal(no["amo"]) + Decimal(no["amc"]) == Decimal("41.40")
    # OPTAM: base 30, AMO 21, 200% → 60 − 21 = 39
    assert (op["amo"], op["amc"], op["rac"]) == ("21.00", "39.00", "2.00")


# ------------------------------------------------------ base, amo from claims
def test_base_and_amo_taken_from_the_claim_with_a_warning(rt):
    a, b, c = ev(
        rt,
        [
            gp("base", "2025-03-10", "30.00", base="25.00", beneficiary="X1"),
            gp("amo", "2025-03-10", "30.00", amo="20.00", beneficiary="X2"),
            gp("same", "2025-03-10", "30.00", base="30.00", amo="21.00", beneficiary="X3"),
        ],
    )
    # the claim's base: 70% × 25 = 17.50; 100% BRSS → 25 − 17.50 = 7.50
    assert (a["base"], a["amo"], a["amc"]) == ("25.00", "17.50", "7.50")
    assert any("25.00" in w and "30.00" in w for w in a["warnings"])
    # the claim's AMO: 20.00 instead of 21.00; 100% BRSS → 30 − 20 = 10
    assert (b["base"], b["amo"], b["participation_forfaitaire"], b["amo_net"], b["amc"]) == ("30.00", "20.00", "2.00", "18.00", "10.00")
    assert any("20.00" in w and "21.00" in w for w in b["warnings"])
    assert c["warnings"] == []


def test_optam_price_above_twice_the_base_warns(rt):
    over, at = ev(rt, [gp("over", "2025-03-10", "65.00", "secteur2 optam", beneficiary="W1"), gp("at", "2025-03-10", "60.00", "secteur2 optam", beneficiary="W2")])
    assert any("65.00" in w and "60.00" in w for w in over["warnings"])
    assert not any("above" in w for w in at["warnings"])


def test_act_without_a_regime_base_needs_the_claims_base(rt):
    d = rejection(rt, claim("x", "2025-03-10", "optique monture", "100.00"))
    assert "base" in d["reason"]


def test_gap_pays_nothing_with_a_warning():
    p = load_product_text('contract "Gap"\n  regime secu\n  effective 2025-01-01\n\nguarantees\n  consultation: 100% BRSS\n', "gap.garant")
    (d,) = [r.to_dict() for r in run(p, [claim("o", "2025-03-10", "optique monture", "100.00", base="0.05")])]
    assert d["status"] == "evaluated"
    assert d["amc"] == "0.00" and d["amo"] == "0.03" and d["rac"] == "99.97"
    assert d["warnings"]


def test_decompte_rule_is_the_deciding_line(rt):
    a, b = ev(rt, [gp("a", "2025-03-10", beneficiary="RL1"), claim("b", "2025-03-10", "biologie", "10.00", base="10.00", beneficiary="RL2")])
    assert a["rule"] == "rt.garant:8"
    assert b["rule"] == "rt.garant:7"


def test_decompte_amounts_are_integer_cents(rt):
    (r,) = run(rt, [gp("a", "2025-03-10", "26.50", beneficiary="INT")])
    for name in ("price", "base", "amo", "participation_forfaitaire", "franchise", "amo_net", "amc", "rac"):
        assert type(getattr(r, name)) is int, name


# --------------------------------------------------------------- invariants
def _products_for_invariants():
    import pathlib

    root = pathlib.Path(__file__).resolve().parent.parent / "contracts"
    products = [load_product_text(p.read_text(encoding="utf-8"), f"contracts/{p.name}") for p in sorted(root.glob("*.garant"))]
    # a product with levels: every level (every module at it)
    return [view for p in products for view in ([p.at(lv) for lv in p.levels] if p.needs_level else [p])]


INVARIANT_CLAIMS = [
    gp("i1", "2025-01-15"),
    gp("i2", "2025-03-10", "50.00", "secteur2 optam"),
    gp("i3", "2025-03-10", "80.00", "secteur2 non_optam"),
    gp("i4", "2025-04-02", "30.00", parcours="hors_parcours"),
    gp("i5", "2025-04-02", "20.00"),  # below the base
    gp("i6", "2025-04-02", "45.00", "secteur2 optam", parcours="hors_parcours"),
    claim("i7", "2025-04-03", "consultation specialiste", "70.00", provider="secteur2 non_optam"),
    claim("i8", "2025-05-20", "pharmacie taux_65", "12.40", base="12.40", quantity=2),
    claim("i9", "2025-05-20", "pharmacie taux_15", "0.50", base="0.50", quantity=4),
    claim("i10", "2025-06-02", "hospitalisation forfait_journalier", "60.00", quantity=3),
    claim("i11", "2025-06-02", "hospitalisation chambre_particuliere", "210.00", quantity=3),
    claim("i12", "2025-07-01", "optique monture", "180.00", base="0.05", network="kalivia"),
    claim("i13", "2025-07-01", "optique verres", "400.00", base="0.10", network="santeclair"),
    claim("i14", "2025-09-15", "medecine_douce osteopathie", "60.00", quantity=2),
    claim("i15", "2025-10-15", "medecine_douce osteopathie", "60.00", quantity=3),
    claim("i16", "2025-10-16", "dentaire protheses panier_libre", "900.00", base="107.50"),
    claim("i17", "2025-10-17", "dentaire orthodontie", "700.00", base="193.50"),
    claim("i18", "2025-10-18", "aides_auditives classe_2", "1500.00", base="400.00"),
    claim("i19", "2025-10-19", "transport", "80.00", base="80.00"),
    claim("i20", "2025-10-20", "biologie", "0.50", base="0.50"),
    claim("i21", "2025-10-21", "hospitalisation honoraires", "300.00", base="200.00", provider="secteur2"),
    gp("i22", "2025-10-22", "0.00"),
]


# ------------------------------------------------------------ more edge cases
def test_price_below_the_base(rt):
    (d,) = ev(rt, [gp("low", "2025-03-10", "20.00", beneficiary="LOW")])
    # the regime reimburses on the price: 70% × 20 = 14; PF 2; 100% BRSS → min(20, 30) − 14 = 6
    assert (d["base"], d["amo"], d["participation_forfaitaire"], d["amo_net"], d["amc"], d["rac"]) == ("30.00", "14.00", "2.00", "12.00", "6.00", "2.00")
    assert any("20.00" in w and "30.00" in w for w in d["warnings"])


def test_claim_amo_above_the_price_is_rejected(rt):
    d = rejection(rt, gp("amo", "2025-03-10", "30.00", amo="40.00"))
    assert d["id"] == "amo" and "40.00" in d["reason"]


def test_care_before_the_first_dated_value_is_rejected(rt):
    d = rejection(rt, gp("old", "2004-06-01", "20.00"))
    assert d["id"] == "old" and "2004-06-01" in d["reason"]


def test_option_alone_implies_its_secteur(rt):
    a, b = ev(rt, [gp("a", "2025-03-10", "50.00", "optam", beneficiary="OW1"), gp("b", "2025-03-10", "50.00", "secteur2 optam", beneficiary="OW2")])
    for d in (a, b):
        assert (d["base"], d["amo"], d["amc"]) == ("30.00", "21.00", "9.00")


def test_partial_count_limit_is_said_on_the_decompte(rt):
    out = ev(
        rt,
        [
            claim("a", "2025-02-01", "medecine_douce osteopathie", "100.00", quantity=2, beneficiary="O4"),
            claim("b", "2025-03-01", "medecine_douce osteopathie", "100.00", quantity=2, beneficiary="O4"),
        ],
    )
    said = out[1]["warnings"] + [s["step"] for s in out[1]["trace"]]
    assert any("max 3 sessions" in s for s in said), said


@pytest.mark.parametrize("price", ["inf", 1e300, "NaN"])
def test_non_finite_or_huge_amounts_are_rejected_not_raised(rt, price):
    d = rejection(rt, gp("big", "2025-03-10", price))
    assert d["id"] == "big" and "price" in d["reason"]


@pytest.mark.parametrize("value", ["-inf", "1e300"])
def test_parse_cents_raises_value_error_on_non_finite_amounts(value):
    with pytest.raises(ValueError):
        parse_cents(value)


NET = """contract "Networks"
  insurer "Tests"
  regime secu
  effective 2025-01-01
  network MonRéseau "Un réseau du contrat"

guarantees
  all: TM
  consultation: 100% BRSS
  optique monture: 100€
  optique in network kalivia: +50€
  optique in network MonRéseau: +20€
"""


@pytest.fixture(scope="module")
def net():
    return load_product_text(NET, "net.garant")


def test_a_network_no_line_names_changes_nothing(net):
    """A provider in a network the contract does not name is paid like one
    in no network (spec §3.1: a line matches when the claim satisfies every
    word; `optique monture` names no network)."""
    def monture(id, network=None):
        c = claim(id, "2025-07-01", "optique monture", "200.00", base="0.05", beneficiary=f"N-{id}")
        if network:
            c["network"] = network
        return c

    out = ev(
        net,
        [
            monture("none"),
            monture("kalivia", "kalivia"),
            monture("santeclair", "santeclair"),
            monture("unknown", "some_other_network"),
            gp("gp-santeclair", "2025-07-01", network="santeclair", beneficiary="N-gp"),
        ],
    )
    # AMO 60% × 0.05 = 0.03; 100€ (+50€ in kalivia)
    assert [d["amc"] for d in out[:4]] == ["100.00", "150.00", "100.00", "100.00"]
    assert out[4]["amc"] == "9.00"  # 100% BRSS: 30 − 21
    assert not any("no guarantee line" in w for d in out for w in d["warnings"])


@pytest.mark.parametrize("spelling", ["MonRéseau", "monreseau"])
def test_network_names_are_accent_and_case_insensitive_on_claims(net, spelling):
    (d,) = ev(net, [claim("m", "2025-07-01", "optique monture", "200.00", base="0.05", network=spelling, beneficiary=f"NN-{spelling}")])
    assert d["amc"] == "120.00"  # 100€ + 20€


@pytest.mark.parametrize("spelling", ["kalivia", "Kalivia", "KALIVIA"])
def test_regime_network_names_are_case_insensitive_on_claims(net, spelling):
    (d,) = ev(net, [claim("m", "2025-07-01", "optique monture", "200.00", base="0.05", network=spelling, beneficiary=f"NK-{spelling}")])
    assert d["amc"] == "150.00"


def test_responsable_cap_ceiling_does_not_shrink_with_the_price(resp):
    """R871-2: the non-OPTAM line may cover at most 100% of the base above
    the tariff, and 20% of the base less than the OPTAM line does: with the
    OPTAM line at 200% that is 180% BRSS all-in, whatever the bill."""
    out = ev(
        resp,
        [
            gp("30", "2025-03-10", "30.00", "secteur2 non_optam", beneficiary="RC1"),
            gp("41.40", "2025-03-10", "41.40", "secteur2 non_optam", beneficiary="RC2"),
            gp("50", "2025-03-10", "50.00", "secteur2 non_optam", beneficiary="RC3"),
        ],
    )
    # base 23, AMO 16.10, PF 2 (AMO net 14.10); 200% BRSS cap:
    #   30€ bill:    min(30, 46, 41.40) − 16.10 = 13.90, rac 30 − 14.10 − 13.90 = 2.00
    #   41.40€ bill: min(41.40, 46, 41.40) − 16.10 = 25.30, rac 2.00
    #   50€ bill:    min(50, 46, 41.40) − 16.10 = 25.30, rac 50 − 14.10 − 25.30 = 10.60
    assert [(d["amc"], d["rac"]) for d in out] == [("13.90", "2.00"), ("25.30", "2.00"), ("25.30", "10.60")]


# ----------------------------------------------------- invariants (last: sees every décompte above)
def test_invariants_on_every_decompte(rt, resp):
    produced = []
    for p in [rt, resp, *_products_for_invariants()]:
        produced.extend(r for r in run(p, [dict(c) for c in INVARIANT_CLAIMS]) if isinstance(r, Decompte))
    assert len(produced) >= 4 * len(INVARIANT_CLAIMS) - 8
    for r in produced + _ALL:
        d = r.to_dict()
        amounts = {k: Decimal(d[k]) for k in ("price", "base", "amo", "participation_forfaitaire", "franchise", "amo_net", "amc", "rac")}
        for k, v in amounts.items():
            assert v >= 0, (d["id"], k, v)
            assert v == v.quantize(Decimal("0.01")) and len(d[k].split(".")[1]) == 2
        assert amounts["amo_net"] + amounts["amc"] <= amounts["price"], d
        assert amounts["rac"] == amounts["price"] - amounts["amo_net"] - amounts["amc"], d
        assert amounts["amo_net"] == amounts["amo"] - amounts["participation_forfaitaire"] - amounts["franchise"], d
        assert amounts["amo"] <= amounts["price"], d
