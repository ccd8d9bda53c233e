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


def test_a_fallback_that_meets_the_floor_does_not_break_it(monkeypatch):
    """The hook for `… then FORMULA` (helper "clauses"): a cap whose
    fallback is the ticket modérateur leaves R1 met."""
    tm = model.Term("ticket_moderateur", None, False, False, "TM", None)
    monkeypatch.setattr(limits, "fallback", lambda lim: (tm,) if lim.kind == "amount" else None)
    _, errs = _check("  hospitalisation forfait_journalier: 100% FR\n  consultation generaliste secteur1 dans_parcours: 150% BRSS, cap 20€ per calendar year\n")
    assert errs == [], [e.message for e in errs]


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
    "collectif_entreprise.garant": 1,  # dental cap without a fallback (R1); class II hearing aids proved since the regime states their base (stdlib "Sources added: hearing aids")
    "sante_mix_proximite.garant": 2,  # the two dental caps without a fallback (R1)
    "senior_gan.garant": 1,  # dental cap without a fallback (R1); class II hearing aids proved since the regime states their base (stdlib "Sources added: hearing aids")
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
