"""Invariants of evaluation over random claim streams (hypothesis).

Spec §5: no amount negative; AMO net + AMC ≤ price; rac = price − AMO net −
AMC; limits never exceeded. Checked on the bundled contracts for random
sequences of claims of many beneficiaries, in random order, including
claims that must be rejected: every claim comes back exactly once.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from crashes import no_internal
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from garant.compiler.driver import load_product

ESSENTIEL = load_product("contracts/essentiel_2025.garant")
CONFORT = load_product("contracts/confort_plus.garant")

ACTS = [
    ("consultation generaliste", ["secteur1", "secteur2 optam", "secteur2 non_optam", "secteur2 optam_co"], False),
    ("consultation specialiste", ["secteur1", "secteur2 optam", "secteur2 non_optam"], False),
    ("psychiatre", ["secteur1", "secteur2 optam"], True),
    ("pharmacie taux_65", [None], True),
    ("pharmacie taux_30", [None], True),
    ("kinesitherapeute", [None], True),
    ("biologie", [None], True),
    ("transport", [None], True),
    ("hospitalisation chambre_particuliere", [None], False),
    ("hospitalisation forfait_journalier", [None], False),
    ("hospitalisation frais_de_sejour", [None], True),
    ("optique monture", [None], True),
    ("optique verres", [None], True),
    ("dentaire soins", [None], True),
    ("dentaire protheses panier_libre", [None], True),
    ("aides_auditives classe_2", [None], True),
    ("medecine_douce osteopathie", [None], False),
    ("consultation specialiste pediatre", ["secteur1"], False),  # no base: rejected unless sent
]

money = st.integers(min_value=0, max_value=300_000).map(lambda c: f"{c // 100}.{c % 100:02d}")
dates = st.dates(min_value=dt.date(2023, 1, 1), max_value=dt.date(2026, 6, 30))


@st.composite
def claims(draw):
    n = draw(st.integers(min_value=1, max_value=40))
    out = []
    for i in range(n):
        act, providers, needs_base = draw(st.sampled_from(ACTS))
        c = {
            "id": f"c{i}",
            "date": draw(dates).isoformat(),
            "beneficiary": draw(st.sampled_from(["A", "B", "C"])),
            "act": act,
            "price": draw(money),
            "quantity": draw(st.integers(min_value=1, max_value=4)),
        }
        provider = draw(st.sampled_from(providers))
        if provider:
            c["provider"] = provider
        if needs_base or draw(st.booleans()):
            c["base"] = draw(money)
        if draw(st.booleans()):
            c["birth_date"] = draw(st.dates(min_value=dt.date(1940, 1, 1), max_value=dt.date(2022, 12, 31))).isoformat()
        if draw(st.integers(0, 9)) == 0:
            c["parcours"] = "hors_parcours"
        if draw(st.integers(0, 5)) == 0:
            c["network"] = draw(st.sampled_from(["kalivia", "santeclair", "Kalivia", "inconnu"]))
        if draw(st.integers(0, 15)) == 0:  # some bad claims
            c[draw(st.sampled_from(["price", "date", "act"]))] = draw(st.sampled_from(["-1", "", "31/12/2025", "nimportequoi"]))
        out.append(c)
    return out


def cents(s: str) -> int:
    return int(Decimal(s) * 100)


def check_invariants(product, stream):
    results = [r.to_dict() for r in no_internal(product.evaluate(stream))]
    assert [r["id"] for r in results] == [c["id"] for c in stream]  # every claim once, in input order
    pf_year = defaultdict(int)
    pf_count = defaultdict(int)
    franchise_year = defaultdict(int)
    for claim, r in zip(stream, results):
        if r["status"] == "rejected":
            assert r["reason"]
            continue
        f = {k: cents(r[k]) for k in ("price", "base", "amo", "participation_forfaitaire", "franchise", "amo_net", "amc", "rac")}
        assert all(v >= 0 for v in f.values()), r
        assert f["amo"] <= f["price"], r
        assert f["amo_net"] == f["amo"] - f["participation_forfaitaire"] - f["franchise"], r
        assert f["amo_net"] + f["amc"] <= f["price"], r
        assert f["rac"] == f["price"] - f["amo_net"] - f["amc"], r
        year = (claim["beneficiary"], claim["date"][:4])
        pf_year[year] += f["participation_forfaitaire"]
        pf_count[year] += 1 if f["participation_forfaitaire"] else 0
        franchise_year[year] += f["franchise"]
    # Yearly caps of the regime (SECU.md): 50 PF and 50€ of PF, 50€ of franchises.
    assert all(v <= 5000 for v in pf_year.values())
    assert all(v <= 50 for v in pf_count.values())
    assert all(v <= 5000 for v in franchise_year.values())
    return results


@settings(max_examples=150, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(claims())
def test_essentiel_invariants(stream):
    results = check_invariants(ESSENTIEL, stream)
    # Contract limits: osteopathy 30€ × 3 sessions, chambre particulière 50€ × 30 days a year.
    osteo = defaultdict(int)
    room = defaultdict(int)
    for claim, r in zip(stream, results):
        if r["status"] != "evaluated":
            continue
        key = (claim["beneficiary"], claim["date"][:4])
        if claim["act"] == "medecine_douce osteopathie":
            osteo[key] += cents(r["amc"])
        if claim["act"] == "hospitalisation chambre_particuliere":
            room[key] += cents(r["amc"])
    assert all(v <= 9000 for v in osteo.values())
    assert all(v <= 150000 for v in room.values())


@settings(max_examples=100, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(claims())
def test_confort_invariants(stream):
    results = check_invariants(CONFORT, stream)
    # The shared dental cap: 1000€ a year for prostheses and orthodontics together.
    dental = defaultdict(int)
    for claim, r in zip(stream, results):
        if r["status"] == "evaluated" and claim["act"].startswith("dentaire protheses"):
            dental[(claim["beneficiary"], claim["date"][:4])] += cents(r["amc"])
    assert all(v <= 100000 for v in dental.values())


@settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(claims(), st.randoms(use_true_random=False))
def test_results_do_not_depend_on_input_order(stream, rnd):
    """Limits consume in date order of care, whatever the order of the file."""
    shuffled = list(stream)
    rnd.shuffle(shuffled)
    by_id = lambda rs: {r["id"]: r for r in (x.to_dict() for x in rs)}
    a = by_id(no_internal(ESSENTIEL.evaluate(stream)))
    b = by_id(no_internal(ESSENTIEL.evaluate(shuffled)))
    # Claims of one beneficiary on one date may be taken in either order; compare the rest.
    same_day = defaultdict(int)
    for c in stream:
        same_day[(c["beneficiary"], c["date"])] += 1
    for c in stream:
        if same_day[(c["beneficiary"], c["date"])] == 1:
            ra, rb = a[c["id"]], b[c["id"]]
            assert ra.get("amc") == rb.get("amc") and ra.get("status") == rb.get("status"), (ra, rb)
