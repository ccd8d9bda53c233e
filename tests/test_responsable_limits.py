"""Compliance proofs that see limits (issue 18.2), errors that name their
fix and their levels (18.8), `+N% BRSS` in the proofs (18.3), and the
bundled examples' warnings (19.5).

Figures (stdlib/secu.garant, 2025): a secteur 1 GP consultation has a 30€
base reimbursed at 70% (21€; the ticket modérateur is 9€); the forfait
journalier is 20€ a day (arrêté of 2017-12-21), not reimbursed by the
regime; CSS R871-2 1° (R1) and 6° (R2) as in shared/domain/RESPONSABLE.md.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from garant.dsl import model
from garant.dsl.checker.responsable import limits
from garant.dsl.diagnostics import Severity
from garant.dsl.pipeline import compile_text

ROOT = Path(__file__).resolve().parent.parent

FLOORS = (
    "  dentaire protheses panier_100_sante: 100% santé\n"
    "  aides_auditives classe_1: 100% santé\n"
    "  optique equipement classe_a: 100% santé, once per rolling 24 months shared lunettes from age 16, once per rolling 12 months shared lunettes under 16\n"
    "  optique monture classe_a: 100% santé, once per rolling 24 months shared lunettes from age 16, once per rolling 12 months shared lunettes under 16\n"
    "  optique verres classe_a: 100% santé, once per rolling 24 months shared lunettes from age 16, once per rolling 12 months shared lunettes under 16\n"
)


def _check(body: str):
    text = 'contract "T"\n  insurer "I"\n  regime secu\n  effective 2025-01-01\n  responsable\n  solidaire\n\nguarantees\n  all: TM\n' + body + FLOORS
    unit = compile_text(text, "x.garant")
    errs = [d for d in unit.diagnostics if d.severity is Severity.ERROR]
    return unit, errs


def test_forfait_journalier_limited_in_days_is_an_error_naming_the_31st_day():
    _, errs = _check("  hospitalisation forfait_journalier: 100% FR, max 30 days per calendar year\n")
    assert len(errs) == 1, [e.message for e in errs]
    e = errs[0]
    assert e.message.startswith("R2 (Forfait journalier hospitalier, sans limitation de durée): the 31st day of forfait_journalier at 20.00€")
    assert "in a calendar year pays 0.00€ in all (the first pays 20.00€)" in e.message
    assert "the limit `max 30 days per calendar year` breaks it" in e.message
    assert e.hint.startswith("remove `max 30 days per calendar year` from this line")


def test_ticket_moderateur_capped_per_year_breaks_on_the_third_visit():
    # 9€ + 9€ = 18€ of the 20€ cap on two visits; the third gets 2€: 21€ + 2€ = 23€ < 30€.
    _, errs = _check("  hospitalisation forfait_journalier: 100% FR\n  consultation generaliste secteur1: TM, cap 20€ per calendar year\n")
    assert len(errs) == 1, [e.message for e in errs]
    assert "the 3rd generaliste secteur1 at 30.00€ (base 30.00€) in a calendar year pays 23.00€ in all (the first pays 30.00€)" in errs[0].message
    assert "at least 30.00€ in all (100% BRSS)" in errs[0].message


def test_a_budget_on_top_of_the_ticket_moderateur_does_not_break_it():
    _, errs = _check("  hospitalisation forfait_journalier: 100% FR\n  consultation generaliste secteur1 dans_parcours: TM + 50€ per calendar year\n")
    assert errs == [], [e.message for e in errs]


def test_renewals_the_law_allows_are_not_floor_breakers():
    # Optics: one equipment per 24 months (12 under 16), R871-2 3°; hearing
    # aids: one per ear per 4 years (the regime's `renewal … not required`).
    _, errs = _check("  hospitalisation forfait_journalier: 100% FR\n  aides_auditives classe_2: TM, max 2 items per rolling 48 months\n")
    assert errs == [], [e.message for e in errs]


def test_a_renewal_stricter_than_the_law_breaks_the_floor():
    # once per 36 months on class A frames: the second frame within 36
    # months gets nothing where R5 owes the whole price (one per 24 months).
    body = "  hospitalisation forfait_journalier: 100% FR\n" + FLOORS.replace("optique monture classe_a: 100% santé, once per rolling 24 months shared lunettes from age 16", "optique monture classe_a: 100% santé, once per rolling 36 months shared lunettes from age 16")
    text = 'contract "T"\n  insurer "I"\n  regime secu\n  effective 2025-01-01\n  responsable\n  solidaire\n\nguarantees\n  all: TM\n' + body
    unit = compile_text(text, "x.garant")
    errs = [d for d in unit.diagnostics if d.severity is Severity.ERROR and "R5" in d.message]
    assert errs and "once per rolling 36 months" in errs[0].message, [d.message for d in unit.diagnostics]


def test_a_fallback_that_meets_the_floor_does_not_break_it():
    """`cap … then TM`: once the 20€ are spent the line pays min(TM, A) =
    9€ (A = 45 − 21 = 24€), 30€ all-in: R1 met; without the fallback the
    third visit pays 23€ (test above)."""
    _, errs = _check("  hospitalisation forfait_journalier: 100% FR\n  consultation generaliste secteur1 dans_parcours: 150% BRSS, cap 20€ per calendar year then TM\n")
    assert errs == [], [e.message for e in errs]


def test_a_budget_with_a_fallback_meets_the_floor():
    # `300€ per calendar year then TM` (dental, 60%, base B from the claim):
    # the budget asks the room P − 0.6B; a claim it cuts pays R + TM × cut/A
    # (a weighted mean of A and TM: at least TM), a spent budget min(TM, A)
    # = TM. Without the fallback a 1000€ base pays 600 + 300 = 900€ < 1000€.
    unit, errs = _check("  hospitalisation forfait_journalier: 100% FR\n  dentaire protheses: 300€ per calendar year then TM\n")
    assert errs == [] and not [d for d in _warnings(unit) if d.message.startswith("R1")], [d.message for d in unit.diagnostics]
    unit, _ = _check("  hospitalisation forfait_journalier: 100% FR\n  dentaire protheses: 300€ per calendar year\n")
    r1 = [d for d in _warnings(unit) if d.message.startswith("R1")]
    assert len(r1) == 1 and "pays 900.00€ in all" in r1[0].detail, [d.message for d in unit.diagnostics]


def test_a_budget_fallback_below_the_floor_breaks_it_once_spent():
    # GP secteur 1: base 30, AMO 21, TM 9. `50€ per calendar year then 80%
    # BRSS`: once spent, 80% × 30 − 21 = 3€: 24€ all-in < 30€.
    _, errs = _check("  hospitalisation forfait_journalier: 100% FR\n  consultation generaliste secteur1 dans_parcours: 50€ per calendar year then 80% BRSS\n")
    r1 = [e for e in errs if e.message.startswith("R1")]
    assert len(r1) == 1, [e.message for e in errs]
    assert "once `50€ per calendar year then 80% BRSS` is spent, pays 24.00€ in all (the first pays 30.00€)" in r1[0].message


def _warnings(unit):
    return [d for d in unit.diagnostics if d.severity is Severity.WARNING]


def test_the_claim_crossing_a_cap_with_a_fallback_meets_the_floor():
    # Dental prostheses at 60%, base B sent by the claim: 125% BRSS asks
    # A = 1.25B − 0.6B = 0.65B; TM = 0.4B. The claim crossing the 500€ cap
    # pays R + TM × (A − R)/A (docs/language.md, Fallback after a cap):
    # at B = 5000€, price 6250€: 500 + 2000 × 2750/3250 = 2192.31, all-in
    # 3000 + 2192.31 = 5192.31 ≥ 5000 (TM covered); in general a weighted
    # mean of A and TM, so ≥ TM whenever A ≥ TM. Before the split was read,
    # the proof took min(A, 500€): 3500€ all-in, a false R1 warning.
    unit, errs = _check("  hospitalisation forfait_journalier: 100% FR\n  dentaire protheses: 125% BRSS, cap 500€ per calendar year then TM\n")
    assert errs == [], [e.message for e in errs]
    assert not [d for d in _warnings(unit) if d.message.startswith("R1")], [d.message for d in _warnings(unit)]


def test_a_fallback_below_the_floor_still_breaks_it():
    # `then 50% BRSS` pays max(0.5B − 0.6B, 0) = 0 once the cap is spent and
    # on the crossing claim R + 0: at B = 5000€, 3000 + 500 = 3500€ < 5000€.
    unit, errs = _check("  hospitalisation forfait_journalier: 100% FR\n  dentaire protheses: 125% BRSS, cap 500€ per calendar year then 50% BRSS\n")
    r1 = [d for d in _warnings(unit) if d.message.startswith("R1")]
    assert errs == [] and len(r1) == 1, [d.message for d in unit.diagnostics]
    assert "pays 3500.00€ in all" in r1[0].detail and "at least 5000.00€" in r1[0].detail


def test_a_fallback_above_a_ceiling_is_a_ceiling_breach():
    # R6: class B simple lenses at most 420€ all-in. The line pays 1000€
    # Sécu incluse up to a 100€ cap, then 1000€ Sécu incluse again: the
    # crossing claim at 1000€ pays 100 + 999.91 × 899.91/999.91 = 999.91
    # (AMO 0.09 on the 0.15€ base), far above 420€. Taking the cap as a cut
    # (100€) hid it.
    line = ("  optique equipement classe_b verres_simples: 1000€ Sécu incluse, frame at most 100€, cap 100€ per calendar year "
            "then 1000€ Sécu incluse, once per rolling 24 months shared lunettes from age 16, once per rolling 12 months shared lunettes under 16\n")
    _, errs = _check("  hospitalisation forfait_journalier: 100% FR\n" + line)
    r6 = [e for e in errs if e.message.startswith("R6")]
    assert len(r6) == 1 and "at most 420.00€ in all allowed" in r6[0].message, [e.message for e in errs]


def test_a_waiting_period_below_the_floor_breaks_it():
    # GP secteur 1: base 30, AMO 70% = 21, TM 9. During `waiting 6 months:
    # 50% BRSS` the line pays max(15 − 21, 0) = 0: 21€ all-in < 30€ (R1 is
    # owed from the first day of membership: CSS R871-2, DSS circular of
    # 30 January 2015); after it 150% BRSS pays 45 − 21 = 24, capped by the
    # price: 30€ all-in.
    _, errs = _check("  hospitalisation forfait_journalier: 100% FR\n  consultation generaliste secteur1 dans_parcours: 150% BRSS, waiting 6 months: 50% BRSS\n")
    r1 = [e for e in errs if e.message.startswith("R1")]
    assert len(r1) == 1, [e.message for e in errs]
    assert ("during `waiting 6 months: 50% BRSS` (the first 6 months of membership), generaliste secteur1 at 30.00€ (base 30.00€) "
            "pays 21.00€ in all (after it, 30.00€)") in r1[0].message
    assert r1[0].hint.startswith("add `, waiting 6 months: TM` to this line")


def test_a_waiting_period_that_pays_the_floors_holds():
    # Senior GAN's way: 100% BR (the TM) on reimbursed acts during the wait,
    # `not covered` only where the regime reimburses nothing (osteopathy:
    # no R1). The forfait journalier keeps 100% FR.
    unit, errs = _check("  hospitalisation forfait_journalier: 100% FR\n"
                        "  dentaire protheses: 300% BRSS, waiting 6 months: 100% BRSS\n"
                        "  medecine_douce osteopathie: 50€, waiting 3 months: not covered\n")
    assert errs == [] and not [d for d in unit.diagnostics if "waiting" in d.message], [d.message for d in unit.diagnostics]


def test_a_header_waiting_period_breaks_the_forfait_journalier():
    # `waiting 3 months: not covered` for every line: the 20€ forfait
    # journalier (not reimbursed) gets 0€ during the wait, R2 owes 20€.
    text = ('contract "T"\n  insurer "I"\n  regime secu\n  effective 2025-01-01\n  responsable\n  solidaire\n  waiting 3 months: not covered\n\n'
            "guarantees\n  all: TM\n  hospitalisation forfait_journalier: 100% FR\n" + FLOORS)
    unit = compile_text(text, "x.garant")
    r2 = [d for d in unit.diagnostics if d.severity is Severity.ERROR and d.message.startswith("R2")]
    assert len(r2) == 1 and "forfait_journalier at 20.00€ (not reimbursed by the regime) pays 0.00€ in all (after it, 20.00€)" in r2[0].message
    assert r2[0].hint.startswith("the header's waiting period covers this line: add `, waiting 3 months: 100% FR`")


def test_a_waiting_formula_above_a_ceiling_breaks_it():
    # R8: a class II hearing aid at most 1700€ all-in. From 20 the base is
    # 400€ (stdlib, "Sources added: hearing aids"): during `waiting 3 months:
    # 500% BRSS` a 2000€ aid pays min(2000, 500% × 400) = 2000€ all-in; the
    # line's own 100% BRSS pays the TM only (400€).
    _, errs = _check("  hospitalisation forfait_journalier: 100% FR\n  aides_auditives classe_2: 100% BRSS, waiting 3 months: 500% BRSS\n")
    r8 = [e for e in errs if e.message.startswith("R8")]
    assert len(r8) == 1, [e.message for e in errs]
    assert "during `waiting 3 months: 500% BRSS`, classe_2 at 2000.00€ (base 400.00€) pays 2000.00€ in all; at most 1700.00€ in all allowed" in r8[0].message
    assert r8[0].hint.startswith("the waiting period pays more than the law allows: write at most `, waiting 3 months: 1700€ Sécu incluse`")


def test_after_limit_keeps_the_other_terms_of_a_budget_line():
    budget = model.Limit("amount", 5000, None, model.Period("calendar_year"), "p", None, "50€ per calendar year")
    tm = model.Term("ticket_moderateur", None, False, False, "TM", None)
    b = model.Term("budget", 5000, False, False, "50€ per calendar year", None, budget)
    assert limits.after_limit((tm, b), budget) == ((tm,), False)
    assert limits.after_limit((tm, b), budget, (tm,)) == ((tm,), True)
    cap = model.Limit("amount", 2000, None, model.Period("calendar_year"), "q", None, "cap 20€ per calendar year")
    assert limits.after_limit((tm,), cap) == ((), False)


def test_plus_percent_brss_counts_in_the_r3_proof():
    # 150% BRSS + 40% of the base on top = 190% BRSS all-in for a non-OPTAM
    # GP beside OPTAM at 200%: above the 180% R3 allows (200 − 20). Under
    # the old reading `+40% BRSS` paid 40% × BR − AMO < 0, i.e. nothing.
    _, errs = _check(
        "  hospitalisation forfait_journalier: 100% FR\n"
        "  consultation secteur2 optam: 200% BRSS\n"
        "  consultation secteur2 non_optam: 150% BRSS\n"
        "  consultation generaliste secteur2 non_optam: +40% BRSS\n"
    )
    r3 = [e for e in errs if e.message.startswith("R3")]
    assert r3, [e.message for e in errs]
    assert "(180% BRSS) allowed here" in r3[0].message


# Bundled examples (issue 19.5): the warnings `garant check stdlib
# contracts` prints, per file, each explained in docs/compliance.md.
EXPECTED_WARNINGS = {
    "essentiel_2025.garant": 1,  # a frame claim naming no class carries its own base (R1)
    "collectif_entreprise.garant": 0,  # the dental cap falls back to the TM (`then TM`); class II hearing aids proved since the regime states their base (stdlib "Sources added: hearing aids")
    "sante_mix_proximite.garant": 0,  # the dental caps fall back to the TM (CG p.8: cover continues beyond the cap)
    "senior_gan.garant": 0,  # the dental cap's `then TM` read on the crossing claim; class II hearing aids proved since the regime states their base
    "confort_plus.garant": 0,
    "acme_epo.garant": 0,
    "acme_hmo.garant": 0,
    "acme_pos.garant": 0,
    "acme_ppo.garant": 0,
}


@pytest.mark.parametrize("name", sorted(EXPECTED_WARNINGS))
def test_bundled_example_warning_count(name):
    from garant.dsl.pipeline import compile_paths

    units, problems = compile_paths([ROOT / "contracts" / name])
    assert problems == []
    assert len(units) == 1
    unit = units[0]
    warns = [d for d in unit.diagnostics if d.severity is Severity.WARNING]
    assert [d for d in unit.diagnostics if d.severity is Severity.ERROR] == []
    assert len(warns) == EXPECTED_WARNINGS[name], [d.message for d in warns]
    for d in warns:
        # one terminal line for what it is; the long part is its detail
        assert len(d.message) <= 80 and "\n" not in d.message, d.message
